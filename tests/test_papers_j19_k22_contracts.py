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


# ------------------------------------------------------------------------------- parsers


def _control_params(claim_id, name):
    return _params(get(claim_id).control(name).fixed_instances()[0])


def test_j19_cor1_w2_must_have_the_length_of_w():
    """j19.cor1: ``w2`` is a second weight vector of the same network, so its length is
    ``M = h(K+2)+1``; one weight more or less is a BadInput (kills dropping the length)."""
    claim = get("j19.cor1")
    params = _control_params("j19.cor1", "weight-space")
    M = params["h"] * (params["K"] + 2) + 1
    assert claim.parse(params)["w2"].size == M
    for bad in (params["w2"][:-1], params["w2"] + [0.0]):
        with pytest.raises(BadInput):
            claim.parse({**params, "w2": bad})


@pytest.mark.parametrize("claim_id", ["j19.thm2", "j19.ours2"])
def test_j19_sigmoid_product_accepts_only_K_1(claim_id):
    """The sigmoid-product model lives on the circle: ``K`` may be omitted or 1; 0 and 2 are
    BadInput (kills dropping either bound of its ``K`` check)."""
    claim = get(claim_id)
    params = _control_params("j19.thm2", "counterexample")
    assert claim.parse(params)["K"] == 1
    assert claim.parse({k: v for k, v in params.items() if k != "K"})["K"] == 1
    for K in (0, 2):
        with pytest.raises(BadInput):
            claim.parse({**params, "K": K})


def test_j19_descent_steps_and_step_rule_bounds():
    """j19 descent instances: ``steps`` in [1, 100000], ``step_rule`` defaults to armijo."""
    claim = get("j19.thm2")
    params = _control_params("j19.thm2", "counterexample")
    for steps in (1, 100_000):
        assert claim.parse({**params, "steps": steps})["steps"] == steps
    for steps in (0, 100_001):
        with pytest.raises(BadInput):
            claim.parse({**params, "steps": steps})
    assert claim.parse({k: v for k, v in params.items() if k != "step_rule"})["step_rule"] == \
        "armijo"


def test_k22_thm2_parse_limit_bounds_and_defaults():
    """k22.thm2 (``parse_limit``): ``steps`` in [1, 100000]; ``step_size`` > 0; ``epsilon``
    in [0, 2], default 1e-3; ``eta`` default 1 (kills moved bounds and defaults)."""
    claim = get("k22.thm2")
    params = _control_params("k22.thm2", "quartic")
    for steps in (1, 100_000):
        assert claim.parse({**params, "steps": steps})["steps"] == steps
    for bad in ({"steps": 0}, {"steps": 100_001}, {"step_size": 0.0}, {"epsilon": 2.5},
                {"epsilon": -0.1}):
        with pytest.raises(BadInput):
            claim.parse({**params, **bad})
    assert claim.parse({**params, "epsilon": 2.0})["epsilon"] == 2.0
    bare = claim.parse({k: v for k, v in params.items() if k not in ("eta", "epsilon")})
    assert (bare["eta"], bare["epsilon"]) == (1.0, 1e-3)


@pytest.mark.parametrize("claim_id", ["k22.thm3", "k22.eq2.11", "k22.eq2.12"])
def test_k22_parse_gap_iteration_bound(claim_id):
    """k22 gap claims: ``T_set`` is a nonempty list of iterations <= 100000 (the largest is
    accepted, one more is not), ``alpha`` in (0, 1) open, ``L`` > 0, ``eta`` default 1."""
    claim = get(claim_id)
    params = _control_params("k22.thm3", "quartic")
    assert claim.parse({**params, "T_set": [0, 100_000]})["T_set"] == [0, 100_000]
    for bad in ({"T_set": [3, 100_001]}, {"T_set": []}, {"T_set": [-1]}, {"alpha": 0.0},
                {"alpha": 1.0}, {"L": 0.0}):
        with pytest.raises(BadInput):
            claim.parse({**params, **bad})
    assert claim.parse({k: v for k, v in params.items() if k != "eta"})["eta"] == 1.0


@pytest.mark.parametrize("key", ["X", "Y", "m_H", "m_y", "varsigma", "theta", "loss", "K",
                                 "body_widths", "activation"])
@pytest.mark.parametrize("claim_id", ["k22.thm4", "k22.thm5"])
def test_k22_ee_parse_requires_every_key(claim_id, key):
    """Theorems 4-5 instances: each required key missing is a BadInput, never a KeyError
    (kills dropping a name from ``require``)."""
    params = _control_params("k22.thm4", "narrow")
    with pytest.raises(BadInput, match=key):
        get(claim_id).parse({k: v for k, v in params.items() if k != key})


def test_k22_ee_parse_defaults_and_bounds():
    """Theorems 4-5 instances: ``eps_bar`` defaults to 0 and is stored under that name,
    negative is a BadInput; ``m_y`` in [1, 64]; an unknown activation is a BadInput naming the
    key and the choices."""
    claim = get("k22.thm5")
    params = _control_params("k22.thm4", "narrow")
    assert claim.parse(params)["eps_bar"] == 0.0
    assert claim.parse({**params, "eps_bar": 0.25})["eps_bar"] == 0.25
    with pytest.raises(BadInput):
        claim.parse({**params, "eps_bar": -1e-3})
    with pytest.raises(BadInput, match=r"activation.*tanh"):
        claim.parse({**params, "activation": "step"})
    with pytest.raises(BadInput, match="body_widths"):
        claim.parse({**params, "body_widths": [2]})


# ------------------------------------------------------------------ sizes and formulas


def test_j19_size_counts_weights_canonical_dimension_and_samples():
    """The ledger size of a j19 network instance: K, L = (2n+1)^K, M = h(K+2)+1 weights (the
    paper's M) and T samples (kills renamed keys)."""
    inst = network_instance(2, 1, 3, "tanh", 4, 5)
    size = get("j19.lem1").size(inst)
    assert size == {"K": 2, "L": 9, "M": 3 * 4 + 1, "T": 4}


def test_j19_ours1_right_side_is_four_sigma_L_sigma_T_squared_F():
    """j19.ours1: the right side is 4 sigma_L(H)^2 sigma_T(Phi)^2 F with the L-th singular
    value of the disparity matrix and the smallest of the design matrix, computed here
    directly (kills changed constants in the bound)."""
    inst = network_instance(1, 1, 4, "tanh", 2, 7, scale=3.0, N=64)
    space = CanonicalSpace(1, 1, 64)
    net = Feedforward([1, 4, 1], "tanh")
    sH = np.linalg.svd(disparity_matrix(space, net, inst["w"]), compute_uv=False)
    sT = np.linalg.svd(design_matrix(space, inst["X"]), compute_uv=False)[-1]
    v = get("j19.ours1").measure(inst)
    F = v.diagnostics["F"]
    assert F > 0
    assert v.rhs == pytest.approx(4 * sH[space.L - 1] ** 2 * sT**2 * F, rel=1e-9)
