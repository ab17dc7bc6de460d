"""Contracts of the j19 and k22 claim modules that the per-paper tests leave implicit: every
control names a hypothesis of its claim, drops exactly that one on every fixed instance (which
is deterministic and survives the instance-file round trip), and still shows its expected
status with it dropped; parser boundaries and documented defaults; formulas of the verdicts
checked against independently computed quantities; the reproductions and strategies keep the
shapes their docstrings state."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings

import checks.papers.j19_disparity as j19
import checks.papers.k22_alignment as k22a
import checks.papers.k22_ee as k22e
from checks.framework import Status
from checks.inputs import BadInput
from checks.registry import all_claims, get
from checks.serialise import to_jsonable
from checks.strategies.j19_disparity import network_instance
from checks.strategies.k22_alignment import build_mlp_instance
from theory.fourier import CanonicalSpace, design_matrix, disparity_matrix
from theory.models.feedforward import Feedforward

CLAIMS = all_claims("j19") + all_claims("k22")
CONTROLS = [(c.id, ctl.name) for c in CLAIMS for ctl in c.controls]


def _params(inst):
    """The instance-file JSON of an instance, read back."""
    return json.loads(json.dumps(to_jsonable(inst)))


# ------------------------------------------------------------------------------ controls


@pytest.mark.parametrize(("claim_id", "name"), CONTROLS)
def test_control_drops_exactly_its_named_hypothesis(claim_id, name):
    """A control is a non-empty, replayable instance source for which exactly the named
    hypothesis fails: ``drops`` is one of the claim's hypotheses, name and description are
    text, the fixed instances are the same on every call (seeded), each parses back from its
    JSON, its parsed form fails ``drops`` and nothing else, so the claim is out of scope on it
    and shows the control's expected status once ``drops`` is dropped.

    Kills: controls renamed/undescribed/with ``drops`` changed (j19 thm1 27/91/95, s333 99),
    without instances (s333 69), with a broken or unseeded builder (s333 40, k22 prop1 2,
    k22 safe 2), instance data outside the parser's domain (thm1 9, asm1 7), and a memoised
    run that returns nothing (j19 _run 11)."""
    claim = get(claim_id)
    ctl = claim.control(name)
    assert isinstance(ctl.name, str) and ctl.name
    assert isinstance(ctl.description, str) and ctl.description
    assert ctl.drops in {h.name for h in claim.hypotheses}
    first = ctl.fixed_instances()
    assert first or ctl.strategy is not None
    again = ctl.fixed_instances()
    assert json.dumps(to_jsonable(list(first))) == json.dumps(to_jsonable(list(again)))
    for inst in first:
        parsed = claim.parse(_params(inst))
        unmet = [u.split(":")[0] for u in claim.unmet_hypotheses(parsed)]
        assert unmet == [ctl.drops]
        assert claim.check(parsed).status is Status.OUT_OF_SCOPE


_CHEAP = [(cid, n) for cid, n in CONTROLS if cid.startswith("j19.s3.3.3") or cid == "j19.thm1"]


@pytest.mark.parametrize(("claim_id", "name"), _CHEAP)
def test_control_shows_its_expected_status(claim_id, name):
    """With its hypothesis dropped, every fixed instance of a j19 Theorem 1 / §3.3.3 control
    gets a verdict and at least one gets the control's expected status (violated): the
    documented counterexample really is one (kills changes to these instances' shape)."""
    claim = get(claim_id)
    ctl = claim.control(name)
    statuses = [claim.check(inst, drop=ctl.drops).status for inst in ctl.fixed_instances()]
    assert ctl.expect in statuses


def test_thm1_L_lt_T_control_is_six_distinct_samples_in_the_cube():
    """The 'L<T' control of j19.thm1 is as described: n = 2 (L = 5), T = 6 distinct samples
    in [0, 1], so L < T (kills changes to its sample grid)."""
    inst = get("j19.thm1").control("L<T").fixed_instances()[0]
    X = inst["X"][:, 0]
    assert (2 * inst["n"] + 1, X.size) == (5, 6)
    assert np.all((X > 0) & (X < 1)) and np.unique(X).size == 6


def test_s333_all_active_control_has_every_hyperplane_outside_the_cube():
    """The 'all-active' §3.3.3 control: every unit w x + b is positive on all of [0, 1] and
    the disparity matrix has rank 2 (f affine on the cube: span of 1 and x)."""
    inst = get("j19.s3.3.3").control("all-active").fixed_instances()[0]
    net = j19._model(inst)
    (W, b), _ = net.unflatten(inst["w"])
    assert np.all(b > 0) and np.all(W[:, 0] + b > 0)
    H = disparity_matrix(j19._space(inst), net, inst["w"])
    s = np.linalg.svd(H, compute_uv=False)
    assert s[1] > 1e-6 * s[0] and s[2] < 1e-10 * s[0]
