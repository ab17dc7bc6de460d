"""k19 Section 3 reproductions: the gradient-basis gap against its certified bound, and the
perturbable gradient basis reaching features the gradient basis misses (Theorem 2)."""

from __future__ import annotations

import math

from prose import mathtext_parses

from checks.papers import k19_pgb as K
from checks.registry import get
from checks.reproductions.k19_gradient_basis import (
    feature_residuals,
    gap_vs_bound,
    pgb_enlargement,
)
from checks.strategies import k19_pgb as strat


def test_claims_wire_the_reproductions_of_this_module():
    assert [r.run for r in get("k19.ours1").reproductions] == [gap_vs_bound]
    assert [r.run for r in get("k19.thm2").reproductions] == [pgb_enlargement]


def test_gap_vs_bound_plots_no_point_above_the_diagonal_and_labels_typeset():
    """k19.ours1 bounds the gap: on the log-log plot no instance lies above gap = bound."""
    out = gap_vs_bound("ci")
    points, diagonal = out["series"]
    assert points["x"] and all(y <= x for x, y in zip(points["x"], points["y"], strict=True))
    assert diagonal["x"] == diagonal["y"]
    for label in (out["xlabel"], out["ylabel"], out["title"]):
        assert mathtext_parses(label), label


def test_pgb_enlargement_features_lie_in_range_J_S_but_not_in_range_J():
    """At every lifted local minimum of the table, the features orthogonal to the lift are
    farther from range J(theta) than from range J_S: the perturbations are what reach them."""
    out = pgb_enlargement("ci")
    rows = out["table"]["rows"]
    assert rows and all(len(r) == len(out["table"]["columns"]) for r in rows)
    for *_, r_gb, r_pgb in rows:
        assert r_pgb < r_gb
    inst = strat.build_lintop_lifted(rows[0][0], 2, 3 + rows[0][0] % 2, 2, 2, 30)
    assert feature_residuals(inst) == (rows[0][-2], rows[0][-1])


def test_gap_vs_bound_plots_every_instance_whose_gap_and_bound_are_positive():
    """Every instance of the run with a positive gap and a positive bound is a point of the
    log-log plot (bounds below 1 included: only nonpositive values, which have no logarithm,
    are left out), and its coordinates are the logarithms of the report's two sides. The
    ``thorough`` run is the one whose instances include a bound below 1."""
    out = gap_vs_bound("thorough")
    points = out["series"][0]
    n = int(out["ours"].split(" of ")[1].split()[0])
    expected = []
    for k in range(n):
        rep = K.gradient_basis_report(strat.build_tanh2(100 + k, 2, 3, 1 + k % 2, 10, k % 7))
        if rep.gap > 0 and rep.bound_hi_exact > 0:
            expected.append((math.log10(rep.bound_hi_exact), math.log10(rep.gap)))
    assert any(x < 0 for x, _ in expected)
    assert list(zip(points["x"], points["y"], strict=True)) == expected
