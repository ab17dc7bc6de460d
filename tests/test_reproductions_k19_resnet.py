"""k19 Section 4.1 reproduction: Theorem 3's bound beside Shamir's on trained ResNets."""

from __future__ import annotations

from prose import mathtext_parses

from checks.registry import get
from checks.reproductions.k19_resnet import shamir_improvement


def test_thm3_wires_the_shamir_improvement():
    assert [r.run for r in get("k19.thm3").reproductions] == [shamir_improvement]


def test_shamir_improvement_rows_nest_the_least_squares_and_labels_typeset():
    """LS[x] minimises over a subset of the predictors of LS[x, z], so it is never below it;
    every certified row is plotted, and the series labels are matplotlib mathtext."""
    out = shamir_improvement("ci")
    rows = out["table"]["rows"]
    assert rows
    for _, _, _, _, _, _, ls_xz, ls_x in rows:
        assert ls_xz <= ls_x
    certified = [r[0] for r in rows if r[3] == "local-minimum"]
    assert all(series["x"] == certified for series in out["series"])
    for series in out["series"]:
        assert mathtext_parses(series["label"]), series["label"]
