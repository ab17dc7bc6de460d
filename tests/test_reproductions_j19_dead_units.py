"""Tests of :mod:`checks.reproductions.j19_dead_units`: Jiang (2019) §3.3.1, the smallest
singular value of the disparity matrix and the truncated loss along gradient descent, healthy
against dead ReLU units."""

from __future__ import annotations

import re

from checks.registry import get
from checks.reproductions.j19_dead_units import sigma_min_trajectory
from reports.math import is_renderable


def test_the_claim_runs_this_reproduction():
    """j19.s3.3.1 reproduces §3.3.1 with :func:`sigma_min_trajectory`."""
    (rep,) = get("j19.s3.3.1").reproductions
    assert rep.run is sigma_min_trajectory and rep.agreement == "agrees"


def test_reproduction_shows_the_dead_network_stalling():
    rep = sigma_min_trajectory("ci")
    series = {s["label"]: s["y"] for s in rep["series"]}
    healthy, one_live = "healthy", "3 of 4 units dead (rank $3=L$)"
    dead = "4 of 4 units dead (rank $1<L$)"
    for label in (healthy, one_live):
        assert series[f"$F$, {label}"][-1] < 1e-3 * series[f"$F$, {label}"][0]
        assert min(series[rf"$\sigma_L(H)$, {label}"]) > 1e-4
    assert series[f"$F$, {dead}"][-1] > 0.5 * series[f"$F$, {dead}"][0] > 0
    assert max(series[rf"$\sigma_L(H)$, {dead}"]) < 1e-12


def test_ci_runs_300_armijo_steps_per_network():
    """The dead-unit reproduction runs up to 300 Armijo steps in the ``ci`` profile (F is
    recorded at the start and after each step: at most 301 points per series), for the three
    documented networks; a run ends early only at the floating-point floor of F (the all-dead
    network stalls there at once: its gradient vanishes up to rounding)."""
    rep = sigma_min_trajectory("ci")
    assert len(rep["series"]) == 6
    lengths = [len(s["x"]) for s in rep["series"]]
    assert all(n == len(s["y"]) for n, s in zip(lengths, rep["series"], strict=True))
    assert max(lengths) == 301 and min(lengths) > 1
    assert lengths[0::2] == lengths[1::2]  # F and sigma_L of one run have one length


def test_reproduction_labels_parse_as_mathtext():
    """The dead-units figure's title, axis labels and series labels keep to matplotlib's
    mathtext (the plots draw them with it), and its prose formulas typeset in the report."""
    from matplotlib.mathtext import MathTextParser

    rep = sigma_min_trajectory("ci")
    labels = [rep["xlabel"], rep["ylabel"], *(s["label"] for s in rep["series"])]
    assert any("$" in label for label in labels)
    for label in labels:
        MathTextParser("path").parse(label)  # raises ValueError on a bad formula
    for text in (rep["title"], rep["paper"], rep["ours"]):
        assert text.count("$") % 2 == 0, text
        for formula in re.findall(r"\$([^$]*)\$", text):
            assert is_renderable(formula), formula
