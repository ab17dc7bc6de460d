"""Tests of the claim example.weyl: the strategy's instances hold, the control shows the
failure, the relations keep the verdict."""

from __future__ import annotations

import numpy as np
from external_appendix.claims import CLAIM
from hypothesis import given, settings

from checks.framework import Status
from checks.profiles import get_profile
from checks.runner import run_claim


@settings(max_examples=25, deadline=None)
@given(CLAIM.strategy("ci"))
def test_holds_on_drawn_instances(inst):
    assert CLAIM.check(inst).status is Status.HOLDS


@settings(max_examples=25, deadline=None)
@given(CLAIM.edge_strategy("ci"))
def test_relations_keep_the_verdict_on_edge_instances(inst):
    before = CLAIM.check(inst)
    rng = np.random.default_rng(0)
    for relation in CLAIM.relations:
        assert relation.disagreement(before, CLAIM.check(relation.transform(inst, rng))) == ""


def test_the_control_shows_symmetry_is_needed():
    (control,) = run_claim(CLAIM, get_profile("ci"), run_reproductions=False).controls
    assert control.passed and "symmetric" in control.outside
