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
from hypothesis import HealthCheck, Phase, find, given, settings

import checks.papers.j19_disparity as j19
import checks.papers.k22_alignment as k22a
import checks.papers.k22_ee as k22e
from checks.framework import Status
from checks.inputs import BadInput
from checks.registry import all_claims, get
from checks.reproductions import k22_gate, k22_sine
from checks.serialise import to_jsonable
from checks.strategies import k22_alignment as alignment_strat
from checks.strategies import k22_ee as ee_strat
from checks.strategies.j19_disparity import network_instance
from theory import trajectory as tj
from theory.fourier import CanonicalSpace, design_matrix, disparity_matrix
from theory.models.ee import EEModel
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
    in (0, 2) (step rule (i)), default 1e-3; ``eta`` default 1 (kills moved bounds and
    defaults)."""
    claim = get("k22.thm2")
    params = _control_params("k22.thm2", "quartic")
    for steps in (1, 100_000):
        assert claim.parse({**params, "steps": steps})["steps"] == steps
    for bad in ({"steps": 0}, {"steps": 100_001}, {"step_size": 0.0}, {"epsilon": 2.5},
                {"epsilon": -0.1}, {"epsilon": 2.0}, {"epsilon": 0.0}):
        with pytest.raises(BadInput):
            claim.parse({**params, **bad})
    assert claim.parse({**params, "epsilon": 1.999})["epsilon"] == 1.999
    bare = claim.parse({k: v for k, v in params.items() if k not in ("eta", "epsilon")})
    assert (bare["eta"], bare["epsilon"]) == (1.0, 1e-3)


@pytest.mark.parametrize("claim_id", ["k22.thm3", "k22.eq2.11", "k22.eq2.12"])
def test_k22_parse_gap_iteration_bound(claim_id):
    """k22 gap claims: ``T_set`` is a nonempty list of iterations <= 100000 (the largest is
    accepted, one more is not), ``alpha`` in (0, 1) open, ``L`` > 0, ``eta`` default 1 (the
    corollaries fix eta themselves and do not read it)."""
    claim = get(claim_id)
    params = (_control_params("k22.eq2.12", "misaligned-linear-ce") if claim_id == "k22.eq2.12"
              else _control_params("k22.thm3", "quartic"))
    assert claim.parse({**params, "T_set": [0, 100_000]})["T_set"] == [0, 100_000]
    for bad in ({"T_set": [3, 100_001]}, {"T_set": []}, {"T_set": [-1]}, {"alpha": 0.0},
                {"alpha": 1.0}, {"L": 0.0}):
        with pytest.raises(BadInput):
            claim.parse({**params, **bad})
    bare = claim.parse({k: v for k, v in params.items() if k != "eta"})
    assert bare["eta"] == 1.0 if claim_id == "k22.thm3" else "eta" not in bare
    if claim_id != "k22.thm3":  # the corollaries choose eta: only the default is accepted
        claim.parse({**params, "eta": 1.0})
        with pytest.raises(BadInput, match=r"^eta: "):
            claim.parse({**params, "eta": 2.0})


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


def _hidden(inst):
    return inst["widths"][1:-1]


@pytest.fixture
def no_descent(monkeypatch):
    """The k22 trajectory strategies with their descent stubbed out (step constant 1, zero
    steps): only the drawn shapes matter here, not the descent."""
    class _Run:
        def __init__(self, theta):
            self.steps = [type("Step", (), {"theta": theta})()]

    monkeypatch.setattr(tj, "step_constant", lambda *a, **k: 1.0)
    monkeypatch.setattr(tj, "gradient_descent",
                        lambda model, loss, theta, *a, **k: _Run(theta))


@pytest.mark.parametrize("claim_id", ["k22.thm2", "k22.eq2.1-2.4"])
def test_k22_strategies_ci_hidden_layers_are_small(claim_id, no_descent):
    """In the ``ci`` profile the k22 trajectory strategies draw at most two hidden layers of
    width <= 8 (``st_hidden("ci")``); the cheap profile is what keeps ``nox -s tests`` short
    (kills a strategy that ignores the profile)."""
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(get(claim_id).strategy("ci"))
    def prop(inst):
        assert 1 <= len(_hidden(inst)) <= 2 and max(_hidden(inst)) <= 8

    prop()


def _constant_target(inst):
    return bool(np.all(inst["Y"] == inst["Y"][0]))


_BRANCHES = [("k22.thm2", lambda i: not _constant_target(i)), ("k22.thm2", _constant_target),
             ("k22.eq2.1-2.4", lambda i: i["loss"] == "squared"),
             ("k22.eq2.1-2.4", lambda i: i["loss"] == "cross-entropy")]


@pytest.mark.parametrize(("claim_id", "branch"), _BRANCHES)
def test_k22_strategies_thorough_reach_three_hidden_layers(claim_id, branch, no_descent):
    """Outside ``ci`` every branch of the k22 trajectory strategies (random or constant
    target; squared or cross-entropy loss) reaches three hidden layers or widths above 8
    (``st_hidden``), so the profile reaches each branch (kills a branch that uses the default
    hidden sizes)."""
    strategy = get(claim_id).strategy("thorough")
    inst = find(strategy, lambda i: branch(i) and (len(_hidden(i)) == 3 or max(_hidden(i)) > 8),
                settings=_FIND)
    assert len(_hidden(inst)) <= 3 and max(_hidden(inst)) <= 16


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


def test_k22_rate_curve_bound_is_B0_squared_Lhat_over_2k():
    """Theorem 5's GD reproduction: the ``bound`` series is c / k for one constant c (the
    shape B_0^2 L^ / (2k)), k runs over integers from 1 to the ``ci`` step budget, and the
    exploitation loss of GD with step 1/L^ on this convex quadratic never increases."""
    rep = k22_sine.rate_curve("ci")
    loss, bound = rep["series"]
    ks = np.asarray(loss["x"])
    assert ks[0] == 1 and ks[-1] == k22_sine.RATE_STEPS["ci"] and np.all(np.diff(ks) > 0)
    assert ks.tolist() == bound["x"]
    c = np.asarray(bound["y"]) * ks
    assert np.allclose(c, c[0], rtol=1e-12)
    assert np.all(np.diff(loss["y"]) <= 1e-15)


def _ee_instance():
    rng = np.random.default_rng(3)
    X, Y = ee_strat.sine_data(rng, 12, 2, 1)
    model = EEModel([2, 20], "tanh", 8, 1, 5.0)
    theta = ee_strat.explored_theta(model, X, Y, rng, tau=40, lr=0.05, epsilon=0.01)
    return {"X": X, "Y": Y, "body_widths": [2, 20], "activation": "tanh", "m_H": 8, "m_y": 1,
            "varsigma": 5.0, "theta": theta, "loss": "squared", "K": 1, "eps_bar": 0.0}


def test_k22_sgd_bound_second_moment_and_right_side():
    """Eq. (3.5): G^2 is at least the second moment (1/n) sum_i ||grad_w l_i(w_tau)||^2 at
    the start, computed here from explicit per-sample gradients 2 (a_i^T w - y_i) a_i; the
    right side at the reported step k is inf_term + (B^2 + G_k^2 sum alpha^2) / (2 sum alpha)
    with alpha_i = a_0 / i^0.6, a_0 = 1 / (2 L^), G_k^2 (the running maximum) between the
    start value and the final G^2 (kills changed moment or step formulas)."""
    inst = _ee_instance()
    P = k22e.exploitation_problem(inst)
    (A,) = P["As"]
    w = k22e.exploitation_model(inst).split(inst["theta"])[1][0].reshape(-1)
    grads = 2.0 * (A @ w - inst["Y"][:, 0])[:, None] * A
    G2_start = float(np.mean(np.sum(grads * grads, axis=1)))
    v = k22e.sgd_bound(inst, P, 0.6)
    G2, k = v.diagnostics["G2"], v.diagnostics["worst_k"]
    assert G2 >= G2_start * (1 - 1e-12)
    alpha = 0.5 / P["Lhat"] / np.arange(1, k + 1) ** 0.6

    def rhs(G2k):
        return P["inf_term"] + (P["B"] ** 2 + G2k * np.sum(alpha**2)) / (2 * np.sum(alpha))

    # the running maximum of the moment at step k lies between its start and final values
    assert rhs(G2_start) * (1 - 1e-12) <= v.rhs <= rhs(G2) * (1 + 1e-12)


# ---------------------------------------------------------------------- k22 eq. (3.3)


def _c0():
    """c0 = max_{s>0} s / (1 + e^s), by bisection on its stationarity condition
    (s - 1) e^s = 1 (independent of the module's Lambert-W value)."""
    lo, hi = 1.0, 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if (mid - 1) * math.exp(mid) < 1 else (lo, mid)
    s = 0.5 * (lo + hi)
    return s / (1 + math.exp(s)), s


@pytest.mark.parametrize("v", [1.0, 7.0, 1e3])
def test_k22_gate_bound_is_attained_at_its_extremal_point(v):
    """Eq. (3.3) quantitative form: |u sigma(v u) - relu(u)| <= c0 / v with equality at
    u = -s*/v and u = +s*/v, s* the maximiser of s/(1+e^s). A unit at exactly that input has
    relative slack 0 (within rounding), so both the constant c0 and the gate's scaling are
    pinned (kills changed constants in the gate, the bound or c0)."""
    c0, s = _c0()
    assert k22e.C0 == pytest.approx(c0, rel=1e-12, abs=0)
    claim = get("k22.claim.gate-relu-limit")
    inst = claim.parse({"W_hidden": [[1.0], [-1.0]], "W_out": [[0.5, 0.25]],
                        "Z": [[s / v], [-s / v], [3.0 / v]], "varsigma": v})
    assert inst["gate"] == "sigmoid"
    verdict = claim.check(inst)
    assert verdict.status is Status.HOLDS
    assert verdict.rhs == pytest.approx(c0 * 0.75 / v, rel=1e-12, abs=0)
    assert verdict.lhs == pytest.approx(c0 * 0.75 / v, rel=1e-9, abs=0)
    assert abs(verdict.relative_slack) < 1e-9
    # the tolerance is a rounding bound: a few dozen unit roundoffs of |W_out| |W_hidden| |z|
    absf = np.abs(inst["Z"]) @ np.abs(inst["W_hidden"]).T @ np.abs(inst["W_out"]).T
    assert 0 < verdict.tolerance <= 64 * np.finfo(float).eps / 2 * absf.max()


def test_k22_gate_parse_choices_and_bounds():
    """Eq. (3.3) instances: ``gate`` is 'sigmoid' (default) or 'half'; ``varsigma`` > 0;
    ``W_out`` has one column per hidden unit and ``Z`` one column per input."""
    claim = get("k22.claim.gate-relu-limit")
    params = {"W_hidden": [[1.0, 0.0]], "W_out": [[1.0]], "Z": [[0.1, 0.2]], "varsigma": 2.0}
    assert claim.parse({**params, "gate": "half"})["gate"] == "half"
    for bad in ({"gate": "relu"}, {"varsigma": 0.0}, {"W_out": [[1.0, 2.0]]},
                {"Z": [[0.1]]}):
        with pytest.raises(BadInput):
            claim.parse({**params, **bad})
    with pytest.raises(BadInput, match="varsigma"):
        claim.parse({k: v for k, v in params.items() if k != "varsigma"})


def test_k22_gate_table_decades_and_bound():
    """The eq. (3.3) reproduction: varsigma' over the decades 1..1e4, the bound falls exactly
    like 1/varsigma' and the measured error stays below it on every row."""
    rep = k22_gate.gate_table("ci")
    v, err, bound = (np.array(c, dtype=float) for c in zip(*rep["table"]["rows"], strict=True))
    assert v[0] == 1.0 and v[-1] == 1e4 and np.allclose(v[1:] / v[:-1], 10.0, rtol=0)
    assert np.allclose(bound * v, bound[0] * v[0], rtol=1e-12)
    assert np.all(err <= bound)


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


def _mlp(**extra):
    """k22 parameters of a [1, 2, 1] tanh net on two samples (d = 7)."""
    return {"model": "mlp", "widths": [1, 2, 1], "activation": "tanh", "theta": [0.1] * 7,
            "X": [[0.0], [1.0]], "Y": [[1.0], [0.0]], "loss": "squared", **extra}


def test_k22_base_parser():
    """k22 instances: widths run from m_x to m_y with >= 2 entries of >= 1; theta has d
    entries; X and Y have the same rows; cross-entropy labels in {0, 1}, logistic in
    {-1, 1}; S indices in 0..d-1; output 'linear' by default; non-mlp models have m_y = 1."""
    inst = _accepts("k22.asm1", _mlp())
    assert inst["output"] == "linear" and "S" not in inst
    assert _accepts("k22.asm1", _mlp(S=[0, 6]))["S"] == [0, 6]
    assert _accepts("k22.asm1", _mlp(loss="cross-entropy"))["loss"] == "cross-entropy"
    assert _accepts("k22.asm1", _mlp(output="tanh"))["output"] == "tanh"
    assert _accepts("k22.asm1", _mlp(loss="logistic", Y=[[1.0], [-1.0]]))["loss"] == "logistic"
    lin = {"model": "linear", "theta": [1.0], "X": [[0.0]], "Y": [[1.0]], "loss": "squared"}
    assert _accepts("k22.asm1", lin)["theta"].size == 1
    for p in (_mlp(S=[7]), _mlp(S=[-1]), _mlp(widths=[1]), _mlp(widths=[2, 2, 1]),
              _mlp(widths=[1, 2, 2]), _mlp(widths=[1, 0, 1], theta=[0.1]),
              _mlp(theta=[0.1] * 6), _mlp(Y=[[1.0]]), _mlp(loss="cross-entropy", Y=[[2.0], [0.0]]),
              _mlp(loss="logistic"), _mlp(loss="hinge"), _mlp(activation="relu"),
              _mlp(output="relu"), {**lin, "Y": [[1.0, 2.0]]}, {**lin, "model": "cubic"}):
        _rejects("k22.asm1", p)


def test_k22_eta_defaults():
    """k22 eqs (2.1)-(2.4) take eta = 1 by default; Proposition 1 needs its eta."""
    assert _accepts("k22.eq2.1-2.4", _mlp())["eta"] == 1.0
    assert _accepts("k22.prop1", _mlp(eta=-2.0))["eta"] == -2.0
    _rejects("k22.prop1", _mlp())


def test_k22_ee_body_and_size_bounds():
    """Theorems 4-5 and Assumption 4: body widths a list of >= 2 integers in [1, 10000] (no
    booleans); m_y in [1, 64]; m_H >= 1; K in [1, 10^12]; loss 'squared' or 'logistic' (then
    Y in {-1, 1}); witness of length d."""
    params = _control_params("k22.thm4", "narrow")
    for K in (1, 10**12):
        assert _accepts("k22.thm4", {**params, "K": K})["K"] == K
    bad_cases = ({"K": 0}, {"K": 10**12 + 1}, {"m_H": 0}, {"m_y": 0}, {"m_y": 65},
                 {"body_widths": [2, 0]}, {"body_widths": [2, 10_001]},
                 {"body_widths": [2, True]}, {"body_widths": "2, 9"}, {"loss": "hinge"},
                 {"loss": "logistic"}, {"witness": params["witness"][:-1]},
                 {"theta": params["theta"][:-1]}, {"varsigma": 0.0})
    for bad in bad_cases:
        _rejects("k22.thm4", {**params, **bad})
    Y = np.where(np.asarray(params["Y"]) >= 0, 1.0, -1.0).tolist()
    assert _accepts("k22.thm4", {**params, "loss": "logistic", "Y": Y})["loss"] == "logistic"


def test_k22_safe_parser():
    """Assumption 4 instances: q has m_(H-1)+1 rows (the body's last width plus the bias
    row), theta_body the body's parameter count, varsigma > 0."""
    params = _control_params("k22.asm4", "narrow")
    inst = _accepts("k22.asm4", params)
    assert inst["q"].shape[0] == inst["body_widths"][-1] + 1
    for bad in ({"q": params["q"][:-1]}, {"theta_body": params["theta_body"][:-1]},
                {"varsigma": 0.0}, {"activation": "step"}, {"body_widths": [2]}):
        _rejects("k22.asm4", {**params, **bad})
    _rejects("k22.asm4", {k: v for k, v in params.items() if k != "q"})
    wide = {**params, "body_widths": [2, k22e.WIDTH_LIMIT],
            "theta_body": np.zeros(3 * k22e.WIDTH_LIMIT),
            "q": np.zeros((k22e.WIDTH_LIMIT + 1, 1))}
    assert _accepts("k22.asm4", wide)["body_widths"] == [2, 10_000]


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


def test_k22_asm1_tolerance_is_gamma_k_of_the_euler_scale():
    """Assumption 1: the residual is ||vec f - J nu||_inf with nu = theta on the last layer
    (its weights and biases) and 0 elsewhere, and the tolerance gamma_k (||f||_inf +
    max|J| ||nu||_1) with k = 2 (d + sum of widths), recomputed here."""
    inst = alignment_strat.build_mlp_instance(3, 5, 2, [4, 3], 2, "tanh", "squared", "random", 1.0)
    model = k22a.instance_model(inst)
    d = inst["theta"].size
    last = np.arange(d - 2 * (3 + 1), d)  # W (2 x 3) and b (2) of the output layer
    assert sorted(np.asarray(model.S).tolist()) == last.tolist()
    nu = np.zeros(d)
    nu[last] = inst["theta"][last]
    F = np.asarray(model.forward(inst["theta"], inst["X"])).reshape(-1)
    J = np.asarray(model.jacobian(inst["theta"], inst["X"]))
    v = get("k22.asm1").check(inst)
    assert v.status is Status.HOLDS
    assert v.lhs == pytest.approx(float(np.max(np.abs(F - J @ nu))), abs=1e-15)
    k = 2 * (d + sum(inst["widths"]))
    tol = _gamma(k) * (np.max(np.abs(F)) + np.max(np.abs(J)) * np.sum(np.abs(nu)))
    assert v.tolerance == pytest.approx(tol, rel=1e-12, abs=0)


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


def test_k22_size_reports_n_m_y_and_d():
    """k22 ledger sizes: n samples, m_y outputs and d = the number of parameters."""
    inst = alignment_strat.build_mlp_instance(1, 6, 2, [3], 2, "tanh", "squared", "random", 1.0)
    d = 3 * (2 + 1) + 2 * (3 + 1)
    assert get("k22.asm1").size(inst) == {"n": 6, "m_y": 2, "d": d}


def test_k22_stationary_right_side_is_gradient_times_distance_over_s_min():
    """Eqs (2.1)-(2.4), squared loss (Y' = Y): the right side is ||grad L|| ||f_X - eta Y||_F /
    s_min(J), with f_X, J and s_min recomputed here; the tolerance gamma_{p+k} (|L| + |L*| +
    rhs) with p = n m_y and k = 2 (d + sum widths), plus s_min's SVD error rhs delta / (s_min -
    delta) (delta = 10 max(p, d) u s_1) and the gradient's rounding e_g ||f - eta Y|| / (s_min
    - delta), e_g = ||J|| (2 e_f / n + gamma_d ||v||), e_f = gamma_k (||f|| + ||J|| ||theta||)
    (kills changed factors or eta)."""
    inst = {**build_net(5, 3, 2, [6], 1), "eta": 0.5}
    model = k22a.instance_model(inst)
    F = np.asarray(model.forward(inst["theta"], inst["X"]))
    J = np.asarray(model.jacobian(inst["theta"], inst["X"]))
    s_min = np.linalg.svd(J, compute_uv=False)[-1]
    v = get("k22.eq2.1-2.4").check(inst)
    assert v.status is Status.HOLDS
    g = v.diagnostics["grad_norm"]
    assert g > 0 and v.diagnostics["s_min_J"] == pytest.approx(s_min, rel=1e-10, abs=0)
    rhs = g * np.linalg.norm(F - 0.5 * inst["Y"]) / s_min
    assert v.rhs == pytest.approx(rhs, rel=1e-10, abs=0)
    k = 2 * (inst["theta"].size + sum(inst["widths"]))
    L = v.diagnostics["loss"]
    s = np.linalg.svd(J, compute_uv=False)
    delta = 10 * max(J.shape) * 2.0**-53 * s[0]
    dist = np.linalg.norm(F - 0.5 * inst["Y"])
    e_f = _gamma(k) * (np.linalg.norm(F) + s[0] * np.linalg.norm(inst["theta"]))
    v_norm = np.linalg.norm(2.0 / 3 * (F - inst["Y"]))
    e_g = s[0] * (2.0 / 3 * e_f + _gamma(inst["theta"].size) * v_norm)
    tol = (_gamma(3 + k) * (abs(L) + abs(v.lhs - L) + v.rhs) + v.rhs * delta / (s_min - delta)
           + e_g * dist / (s_min - delta))
    assert v.tolerance == pytest.approx(tol, rel=1e-9, abs=0)


def build_net(seed, n, m_x, hidden, m_y, loss="squared"):
    return alignment_strat.build_mlp_instance(seed, n, m_x, hidden, m_y, "tanh", loss, "random",
                                              1.0)


# ------------------------------------------------------- k22 parameters and cost estimates
class _Reading(dict):
    """Instance-file params that record every key a parser asks for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def _k22_instance(claim):
    from roundtrip import recorded_worst

    try:
        return recorded_worst(claim.id)
    except (KeyError, LookupError):
        return _params(claim.controls[0].fixed_instances()[0])


@pytest.mark.parametrize("claim", all_claims("k22"), ids=lambda c: c.id)
def test_k22_parameters_name_every_key_the_parser_reads(claim):
    """``parameters`` lists exactly what ``parse`` reads: every key read is declared (or read
    only to be refused: the corollaries refuse a Ystar), and every declared key without a
    default is required (its absence is a BadInput naming it)."""
    params = _Reading(_k22_instance(claim))
    claim.parse(params)
    declared = {p.name for p in claim.parameters}
    for key in params.read - declared:
        with pytest.raises(BadInput, match=rf"^{key}: "):
            claim.parse({**params, key: params["Y"]})
    for p in claim.parameters:
        if p.required:
            with pytest.raises(BadInput, match=rf"\b{p.name}\b"):
                claim.parse({k: v for k, v in _k22_instance(claim).items() if k != p.name})


@pytest.mark.parametrize(("claim_id", "key"), [
    ("k22.thm2", "steps"), ("k22.thm3", "T_set"), ("k22.eq2.11", "T_set"),
    ("k22.thm5", "K"), ("k22.asm4", "X")])
def test_k22_cost_grows_with_the_work(claim_id, key):
    """The cost estimate is positive and grows with the steps run (or the samples): twice the
    steps (or n) at least doubles the part of the estimate that scales with them."""
    claim = get(claim_id)
    inst = claim.parse(_k22_instance(claim))
    if key == "T_set":
        more = {**inst, key: list(range(2 * inst[key][-1] + 2))}
    elif key == "X":
        more = {**inst, "X": np.vstack([inst["X"], inst["X"] + 1.0])}
    else:
        more = {**inst, key: 2 * inst[key] + 2}
    assert 0 < claim.cost(inst) < claim.cost(more)
