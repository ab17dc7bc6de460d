"""Contracts of the j19 and k22 claim modules that the per-paper tests leave implicit: every
control names a hypothesis of its claim, drops exactly that one on every fixed instance (which
is deterministic and survives the instance-file round trip), and still shows its expected
status with it dropped; parser boundaries and documented defaults; formulas of the verdicts
checked against independently computed quantities; the reproductions and strategies keep the
shapes their docstrings state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, settings

import checks.papers.j19_disparity as j19
from checks.framework import Status
from checks.inputs import BadInput
from checks.registry import all_claims, get
from checks.serialise import to_jsonable
from checks.strategies.j19_disparity import network_instance
from theory.fourier import CanonicalSpace, design_matrix, disparity_matrix
from theory.models.feedforward import Feedforward

CLAIMS = all_claims("j19")
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
    assert v.rhs == pytest.approx(4 * sH[space.L - 1] ** 2 * sT**2 * F, rel=1e-9, abs=0)


# ------------------------------------------------------------------- strategies, reproductions

_FIND = settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate],
                 suppress_health_check=list(HealthCheck))


def test_j19_s333_strategy_reaches_two_dimensional_relu_networks():
    """The §3.3.3 strategy covers K = 2 ReLU networks (one of its three documented branches),
    and what it draws is a valid instance of the claim (kills misspelt activations)."""
    claim = get("j19.s3.3.3")
    inst = find(claim.strategy("ci"), lambda i: i["K"] == 2 and i["activation"] == "relu",
                settings=_FIND)
    assert claim.parse(_params(inst))["activation"] == "relu"


def test_j19_dead_reproduction_ci_runs_300_armijo_steps():
    """The dead-unit reproduction runs up to 300 Armijo steps in the ``ci`` profile (F is
    recorded at the start and after each step: at most 301 points per series), for the three
    documented networks; a run ends early only at the floating-point floor of F (the all-dead
    network stalls there at once: its gradient vanishes up to rounding)."""
    rep = j19._reproduction_dead("ci")
    assert len(rep["series"]) == 6
    lengths = [len(s["x"]) for s in rep["series"]]
    assert all(n == len(s["y"]) for n, s in zip(lengths, rep["series"], strict=True))
    assert max(lengths) == 301 and min(lengths) > 1
    assert lengths[0::2] == lengths[1::2]  # F and sigma_L of one run have one length


# ------------------------------------------------------------- parser boundaries, in bulk


def _accepts(claim_id, params):
    return get(claim_id).parse(params)


def _rejects(claim_id, params):
    with pytest.raises(BadInput):
        get(claim_id).parse(params)


def _net(K=1, n=1, N=None, h=2, T=1, **extra):
    """j19 network-instance parameters with ``M = h(K+2)+1`` weights and ``T`` samples."""
    N = N if N is not None else max(16 * (2 * n + 1), 8)
    return {"K": K, "n": n, "N": N, "h": h, "activation": "tanh",
            "w": [0.1] * (h * (K + 2) + 1), "X": [[0.5] * K] * T, "y": [1.0] * T, **extra}


def test_j19_space_bounds():
    """j19 canonical space: K in {1, 2}; n in [0, 32]; N >= 8, N >= 16 (2n+1) for n > 0 and
    N >= 2n+2; N <= 8192 (K = 1) or 256 (K = 2); each bound accepted, one beyond rejected."""
    for p in (_net(K=1, n=0, N=8), _net(K=1, n=2, N=80), _net(K=1, n=2, N=8192),
              _net(K=2, n=1, N=256), _net(K=2, n=1, N=48), _net(K=1, n=32, N=16 * 65)):
        inst = _accepts("j19.lem1", p)
        assert (inst["K"], inst["n"], inst["N"]) == (p["K"], p["n"], p["N"])
    for p in (_net(K=1, n=0, N=7), _net(K=1, n=2, N=79), _net(K=1, n=2, N=8193),
              _net(K=2, n=1, N=257), _net(K=2, n=1, N=47), _net(K=1, n=33, N=16 * 67),
              _net(K=1, n=-1, N=16), {**_net(K=1), "K": 0}, {**_net(K=2), "K": 3}):
        _rejects("j19.lem1", p)


def test_j19_network_bounds():
    """j19 networks: h in [1, 200]; the activation one of the four; w of length h(K+2)+1;
    samples in the closed cube [0, 1]^K, one label per sample."""
    assert _accepts("j19.lem1", _net(h=200))["h"] == 200
    assert _accepts("j19.lem1", _net(h=1))["w"].size == 4
    for act in j19.ACTIVATIONS:
        assert _accepts("j19.lem1", {**_net(), "activation": act})["activation"] == act
    assert _accepts("j19.lem1", {**_net(T=2), "X": [[0.0], [1.0]]})["X"].shape == (2, 1)
    for p in (_net(h=201), {**_net(h=1), "h": 0}, {**_net(), "activation": "elu"},
              {**_net(), "w": [0.1] * 6}, {**_net(), "X": [[-1e-9]]},
              {**_net(), "X": [[1 + 1e-9]]}, {**_net(), "y": [1.0, 2.0]},
              {k: v for k, v in _net().items() if k != "h"}):
        _rejects("j19.lem1", p)


def test_j19_cor1_eq8_parsers():
    """j19.cor1: lam in [0, 1] (ends included), space 'function' or 'weights'; j19.eq8:
    quadrature_H 'trapezoid' (default) or 'rectangle'."""
    base = {**_net(), "w2": [0.2] * 7, "lam": 0.5, "space": "function"}
    for lam in (0.0, 1.0):
        assert _accepts("j19.cor1", {**base, "lam": lam})["lam"] == lam
    assert _accepts("j19.cor1", {**base, "space": "weights"})["space"] == "weights"
    for bad in ({"lam": -0.01}, {"lam": 1.01}, {"space": "both"}):
        _rejects("j19.cor1", {**base, **bad})
    assert _accepts("j19.eq8", _net())["quadrature_H"] == "trapezoid"
    assert _accepts("j19.eq8", _net(quadrature_H="rectangle"))["quadrature_H"] == "rectangle"
    _rejects("j19.eq8", _net(quadrature_H="simpson"))


@pytest.mark.parametrize(("claim_id", "key"), [("j19.s3.3.1", "dead"), ("j19.s3.3.2", "pair")])
def test_j19_unit_index_lists(claim_id, key):
    """§3.3.1/§3.3.2 unit lists: a non-empty list of distinct integer indices in 0..h-1
    (integral floats accepted); h, -1, repeats, booleans, fractions and [] rejected."""
    base = _net(h=3)
    assert _accepts(claim_id, {**base, key: [0, 2]})[key] == [0, 2]
    assert _accepts(claim_id, {**base, key: [2.0, 1]})[key] == [2, 1]
    for bad in ([3], [-1], [1, 1], [True, 0], [0.5], [], "0"):
        _rejects(claim_id, {**base, key: bad})
    _rejects(claim_id, base)


def test_j19_descent_parser_bounds():
    """j19 descent instances: model 'network' (default) or 'sigmoid-product' (n = 0 only, 3
    weights); eta0 in [1e-12, 1e6]; target >= 0 and optional."""
    base = _net(eta0=1.0, steps=5)
    inst = _accepts("j19.ours2", base)
    assert inst["model"] == "network" and "target" not in inst
    for eta0 in (1e-12, 1e6):
        assert _accepts("j19.ours2", {**base, "eta0": eta0})["eta0"] == eta0
    assert _accepts("j19.ours2", {**base, "target": 0.0})["target"] == 0.0
    sig = {"model": "sigmoid-product", "n": 0, "N": 8, "w": [0.0] * 3, "X": [[0.5]],
           "y": [1.0], "eta0": 1.0, "steps": 5}
    assert _accepts("j19.ours2", sig)["w"].size == 3
    for p in ({**base, "eta0": 1e-13}, {**base, "eta0": 1.1e6}, {**base, "target": -1e-9},
              {**base, "model": "resnet"}, {**sig, "n": 1, "N": 48}, {**sig, "w": [0.0] * 4},
              {k: v for k, v in base.items() if k != "eta0"}):
        _rejects("j19.ours2", p)


# ------------------------------------------------------------- verdict formulas


def _gamma(k):
    u = np.finfo(float).eps / 2
    return k * u / (1 - k * u)


@pytest.mark.parametrize("space", ["function", "weights"])
def test_j19_cor1_sides_and_tolerance(space):
    """Corollary 1: the sides are Q at the combination (of the functions, or of the weights)
    and lam Q(f_1) + (1-lam) Q(f_2), with Q(f) = sum_t (f(x_t) - y_t)^2 evaluated here from
    the network directly; the tolerance is 8 gamma_{T+4} max(Q's, |y|^2)."""
    base = network_instance(1, 2, 4, "tanh", 5, 11, scale=3.0, N=128)
    w2 = network_instance(1, 2, 4, "tanh", 5, 12, scale=3.0, N=128)["w"]
    inst = {**base, "w2": w2, "lam": 0.3, "space": space}
    net = Feedforward([1, 4, 1], "tanh")
    X, y, lam = inst["X"], inst["y"], 0.3

    def f(w):
        return np.asarray(net.forward(w, X))[:, 0]

    def Q(values):
        return float(np.sum((values - y) ** 2))

    mid = lam * f(base["w"]) + (1 - lam) * f(w2) if space == "function" else \
        f(lam * base["w"] + (1 - lam) * w2)
    rhs = lam * Q(f(base["w"])) + (1 - lam) * Q(f(w2))
    v = get("j19.cor1").check(inst, drop="function-space")
    assert v.status in (Status.HOLDS, Status.VIOLATED)
    assert v.rhs == pytest.approx(rhs, rel=1e-12, abs=0)
    assert v.lhs == pytest.approx(Q(mid), rel=1e-12, abs=0)
    scale = max(rhs, Q(mid), float(y @ y))
    assert v.tolerance == pytest.approx(8 * _gamma(5 + 4) * scale, rel=1e-12, abs=0)


def test_j19_thm1_faces_minimum_loss_is_two():
    """Theorem 1's 'faces' control in closed form: x = 0 and x = 1 give equal rows of Phi, so
    the best fit to labels 1 and -1 is 0 at both and the minimum loss is 1 + 1 = 2."""
    claim = get("j19.thm1")
    inst = claim.control("faces").fixed_instances()[0]
    v = claim.check(inst, drop="distinct-on-torus")
    assert v.status is Status.VIOLATED
    assert v.lhs == pytest.approx(2.0, rel=1e-12, abs=0) and v.rhs == 0.0


@pytest.mark.parametrize(("K", "n", "T"), [(1, 0, 1), (1, 3, 7), (1, 5, 4), (2, 1, 9)])
def test_j19_thm1_fits_every_labelling_when_L_ge_T(K, n, T):
    """Theorem 1 on generic distinct samples with L = (2n+1)^K >= T (also T = L): the minimum
    canonical loss is 0 within the least-squares rounding bound, which is small against
    |y|^2 (holds, not inconclusive); the size reports K, L and T."""
    rng = np.random.default_rng(K * 100 + n * 10 + T)
    inst = {"K": K, "n": n, "X": rng.uniform(0.05, 0.95, (T, K)), "y": rng.standard_normal(T)}
    v = get("j19.thm1").check(inst)
    assert v.status is Status.HOLDS
    assert v.lhs <= v.tolerance < 1e-10 * float(inst["y"] @ inst["y"])
    # the slack is relative to the labels' energy |y|^2 (the loss at c = 0)
    assert v.relative_slack == pytest.approx(v.slack / float(inst["y"] @ inst["y"]),
                                             rel=1e-12, abs=0)
    assert v.diagnostics["size"] == {"K": K, "L": (2 * n + 1) ** K, "T": T}


def test_j19_thm1_unresolvable_near_coincident_samples_are_inconclusive():
    """K = 1, x = 0 and x = 1 - 2^-52: distinct on the circle, so Theorem 1 applies, but the
    two rows of Phi differ by far less than the solver's backward error: inconclusive, never
    a violation (the documented sigma_T <= 10 max(T, L) u sigma_1 branch)."""
    inst = {"K": 1, "n": 1, "X": np.array([[0.0], [1.0 - 2.0**-52]]), "y": np.array([1.0, -1.0])}
    v = get("j19.thm1").check(inst)
    assert v.status is Status.INCONCLUSIVE
    L, T = 3, 2
    s = np.linalg.svd(design_matrix(CanonicalSpace(1, 1, 4), inst["X"]), compute_uv=False)
    assert v.tolerance == pytest.approx(10 * max(T, L) * np.finfo(float).eps / 2 * s[0],
                                        rel=1e-12, abs=0)
