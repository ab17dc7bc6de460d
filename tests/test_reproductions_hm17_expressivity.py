"""Hardt & Ma (2017) Theorem 3.2's reproductions (:mod:`checks.reproductions.hm17_expressivity`):
the parameter count against the counting formula, and the success table of one draw."""

from __future__ import annotations

import math

import pytest

from checks.registry import get
from checks.reproductions import hm17_expressivity
from checks.reproductions import hm17_expressivity as expressivity


def _counted(d: int, k: int, n: int, r: int) -> int:
    """``d k + ell (2k^2 + k) + r k + r^2 + r`` with ``ell = ceil(n / k)`` (ERRATA_COUNT)."""
    ell = -(-n // k)
    return d * k + ell * (2 * k * k + k) + r * k + r * r + r


def test_thm32_parameter_count_reproduction_follows_the_counting_formula():
    """The ``parameters-vs-n`` reproduction (``d = 32``, ``r = 10``, ``rho = 0.3``): the built
    network at ``k = max(2, ceil(8 ln n))`` has ``d k + ell (2k^2 + k) + r k + r^2 + r``
    parameters, the reference curve is ``n ln n + r^2`` and the paper's curve uses ``k =
    ceil(10 ln n / rho^2)``; all recomputed from ``n``. Kills mutants of the widths."""
    out = expressivity.parameters_against_n("ci")
    built, ref, paper = out["series"]
    assert len(built["x"]) >= 5 and built["x"] == ref["x"] == paper["x"]
    d, r, rho = 32, 10, 0.3
    for i, n in enumerate(built["x"]):
        ln = math.log(n)
        assert built["y"][i] == _counted(d, max(2, math.ceil(8 * ln)), n, r)
        assert ref["y"][i] == pytest.approx(n * ln + r * r, rel=1e-15, abs=0)
        assert paper["y"][i] == _counted(d, math.ceil(10 * ln / rho**2), n, r)


def test_thm32_success_reproduction_rows():
    """The ``fit-success`` reproduction: for spread (``d = 32``) and dense (``d = 8``) data of
    ``n <= 200`` unit vectors pairwise at least ``rho = 0.5`` apart, each ``c`` in
    ``10, 4, 2, 1, 0.5`` uses ``k = max(2, ceil(c ln n / rho^2))``; every rate lies in
    ``[0, 1]`` and, as the reproduction states, every draw with positive margins fits exactly
    (the fit rate equals the margin rate). Kills mutants of the data, widths and targets."""
    out = expressivity.fit_success("ci")
    rows = out["table"]["rows"]
    assert [row[0] for row in rows] == ["spread ($d=32$)"] * 5 + ["dense ($d=8$)"] * 5
    for row in rows:
        _, n, min_dist, c, k, first, fitted, *rates = row
        assert 2 <= n <= 200 and min_dist >= 0.5 - 1e-9
        assert k == max(2, math.ceil(c * math.log(n) / 0.25))
        assert all(0.0 <= v <= 1.0 for v in (first, fitted, *rates))
        assert fitted == first
    assert [row[3] for row in rows[:5]] == [10.0, 4.0, 2.0, 1.0, 0.5]
    assert rows[0][5] == 1.0  # c = 10 on spread data: the margins always hold



def test_theorem32_claim_runs_these_reproductions():
    runs = [r.run for r in get("hm17.thm3.2").reproductions]
    assert runs == [hm17_expressivity.parameters_against_n, hm17_expressivity.fit_success]
