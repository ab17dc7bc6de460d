"""Hardt & Ma (2017) Theorem 2.1's reproductions
(:mod:`checks.reproductions.hm17_factorisation`): the ratio series, the recipe table and the
worst cases of the integer recipes."""

from __future__ import annotations

import math

import pytest

from checks.registry import get
from checks.reproductions import hm17_factorisation


def test_thm21_reproduction_series():
    rep = get("hm17.thm2.1").reproductions[0]
    out = rep.run("ci")
    labels = {s["label"] for s in out["series"]}
    assert any("merged" in label for label in labels)
    merged = next(s for s in out["series"] if "merged" in s["label"])
    assert max(merged["y"]) <= 1.0
    assert len(merged["x"]) == len(merged["y"]) > 10


def test_thm21_recipe_table():
    rep = get("hm17.thm2.1").reproductions[1]
    rows = {row[0]: row for row in rep.run("ci")["table"]["rows"]}
    assert rows["merged"][3] <= 1.0 and rows["merged"][4] == 0
    assert rows["paper"][3] > 1.0  # the finding: the printed recipe can exceed the bound


def test_thm21_worst_cases_table_shows_the_finding():
    """The reproduction lists R = -diag(1.05, 1): the paper's recipe at 1.335x the bound
    (ell = 12), the merged construction at 0.667x (ell = 6), and the suprema 12 sqrt 2/(4 pi)
    and 6 sqrt 2/(4 pi) as gamma -> 0+."""
    out = get("hm17.thm2.1").reproductions[2].run("ci")
    rows = out["table"]["rows"]
    at12, at6 = rows[0], rows[1]
    assert at12[:3] == [r"$R=-\operatorname{diag}(1.05,1)$", "12", "(2, 4)"]
    assert at12[3] == pytest.approx(1.3349, abs=1e-4) and at12[5] < 1.0
    assert at6[1] == "6" and at6[5] == pytest.approx(0.6675, abs=1e-4)
    assert rows[3][3] == pytest.approx(12 * math.sqrt(2) / (4 * math.pi), rel=1e-6)
    assert rows[3][5] == pytest.approx(6 * math.sqrt(2) / (4 * math.pi), rel=1e-6)
    assert rows[3][5] < 1.0
    note = get("hm17.thm2.1").errata[0].text
    assert "1.335" in note and "0.675" in note



def test_theorem21_claim_runs_these_reproductions():
    runs = [r.run for r in get("hm17.thm2.1").reproductions]
    assert runs == [hm17_factorisation.ratio_against_depth,
                    hm17_factorisation.recipe_against_construction,
                    hm17_factorisation.worst_cases]
