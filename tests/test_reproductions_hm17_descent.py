"""Hardt & Ma (2017) Theorem 2.2 along gradient descent
(:mod:`checks.reproductions.hm17_descent`)."""

from __future__ import annotations

from checks.registry import get
from checks.reproductions import hm17_descent


def test_thm22_gd_reproduction_reaches_critical_point():
    out = get("hm17.thm2.2").reproductions[0].run("ci")
    excess, bound = (s["y"] for s in out["series"])
    assert out["logy"] and len(excess) == len(bound) > 50
    assert all(e <= b for e, b in zip(excess, bound, strict=True))
    assert excess[-1] < 1e-10 * excess[0]
    assert out["ours"].startswith("holds")



def test_theorem22_claim_runs_this_reproduction():
    (reproduction,) = get("hm17.thm2.2").reproductions
    assert reproduction.run is hm17_descent.gradient_descent_in_the_ball
