"""Kawaguchi, Zhang & Deng (2022) §3, the EE wrapper: the model and its gradients against
autograd, the Hadamard Gram identity against the explicit phi, the certified rank against
plain SVD and exact rational arithmetic, Algorithm 1's phases, and the four claims (property
tests, controls, input validation, JSON round trips)."""

from __future__ import annotations

import json
import math

import autograd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from k22_contracts import (
    accepts,
    assert_cost_grows_with_the_work,
    assert_parameters_name_every_key_the_parser_reads,
    control_params,
    k22_instance,
    rejects,
)
from roundtrip import holds_on_strategy, recorded_worst
from scipy.optimize import minimize_scalar

import checks.papers.k22_ee as mod
from checks.framework import Status, Tolerance, decide
from checks.inputs import BadInput
from checks.papers.k22_ee import section3_3
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import run_control, sample_instances
from checks.serialise import to_jsonable
from checks.strategies import k22_ee as strat
from theory.gram import hadamard_gram
from theory.linalg import exact_rank, positive_definite
from theory.losses import get_loss
from theory.models.ee import EEModel, Objective, ee_train, gd, sgd, sharp_softplus
from theory.numerics import gamma
from theory.safe_exploration import gate_matrix, phi, phi_gram, safe_exploration

IDS = ["k22.claim.gate-relu-limit", "k22.asm4", "k22.thm4", "k22.thm5"]
CI = get_profile("ci")


def _model(m_y: int, frozen: bool, act="tanh", seed=0):
    rng = np.random.default_rng(seed)
    model = EEModel([3, 4, 5], act, m_H=3, m_y=m_y, varsigma=3.0)
    theta = model.init(rng)
    X = rng.standard_normal((6, 3))
    if frozen:
        model = model.frozen(theta + 0.1 * rng.standard_normal(theta.shape))
    return model, theta, X, rng


# ------------------------------------------------------------------ theory: the EE model

@pytest.mark.parametrize("m_y", [1, 2])
@pytest.mark.parametrize("frozen", [False, True])
def test_vjp_and_gram_match_autograd(m_y, frozen):
    model, theta, X, rng = _model(m_y, frozen)
    J = autograd.jacobian(lambda t: model.forward_traced(t, X).reshape(-1))(theta)
    assert np.allclose(model.forward(theta, X), model.forward_traced(theta, X), atol=1e-14)
    V = rng.standard_normal((6, m_y))
    assert np.allclose(model.vjp(theta, X, V), J.T @ V.reshape(-1), atol=1e-12)
    assert np.allclose(model.gram(theta, X), J @ J.T, atol=1e-12 * np.abs(J @ J.T).max())
    assert np.allclose(model.vjp_hidden(theta, X, V), (J.T @ V.reshape(-1))[model.hidden_slice()],
                       atol=1e-12)


def test_sharp_softplus_derivative_by_autograd():
    act = sharp_softplus(100.0)
    x = np.linspace(-0.2, 0.2, 41)
    d = autograd.elementwise_grad(act.traced)(x)
    assert np.allclose(act.d1(x), d, atol=1e-12)
    assert np.allclose(act.value(x), np.logaddexp(0, 100 * x) / 100, atol=1e-15)


@pytest.mark.parametrize("m_y", [1, 2])
def test_gate_swap_and_linearisation(m_y):
    model, theta, X, _ = _model(m_y, False)
    frozen = model.frozen(theta)  # line 10: the model is unchanged at theta_tau
    assert np.allclose(frozen.forward(theta, X), model.forward(theta, X), atol=1e-15)
    As = frozen.linear_maps(theta, X)
    _, Ws, _ = frozen.split(theta)
    for j, A in enumerate(As):  # the linearisation identity, and linearity in theta_(H-1)
        assert np.allclose(A @ Ws[j].reshape(-1), frozen.forward(theta, X)[:, j], atol=1e-14)
    moved = theta.copy()
    moved[frozen.hidden_slice()] *= -2.0
    assert np.allclose(frozen.forward(moved, X), -2.0 * frozen.forward(theta, X), atol=1e-13)


def test_algorithm1_phases():
    model, theta, X, rng = _model(2, False)
    Y = rng.standard_normal((6, 2))
    seen = []
    run = ee_train(model, theta, X, Y, loss="squared", explore=gd(0.01),
                   exploit=sgd(0.01, 2, np.random.default_rng(1)), tau=5, T=12, epsilon=0.01,
                   rng=np.random.default_rng(2), callback=lambda t, th, m: seen.append(th))
    assert len(run.losses) == 13 and len(seen) == 13
    assert not np.allclose(seen[4], seen[0])  # exploration moves every layer
    hidden = model.hidden_slice()
    outside = np.ones(theta.size, bool)
    outside[hidden] = False
    for th in seen[6:]:  # exploitation moves theta_(H-1) only
        assert np.array_equal(th[outside], run.theta_tau[outside])
    assert not np.allclose(seen[-1][hidden], run.theta_tau[hidden])
    assert np.linalg.norm(run.theta_tau - seen[5]) > 0  # the line-9 perturbation
    assert run.model.gates is not None
    assert np.array_equal(run.model.gates[1], model.split(run.theta_tau)[1][1])


# ------------------------------------------------------------------ theory: safe exploration

@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 12), st.integers(1, 5), st.integers(1, 4))
def test_hadamard_gram_is_phi_phi_t(seed, n, m, m_H):
    rng = np.random.default_rng(seed)
    Z, q = rng.standard_normal((n, m)), rng.standard_normal((m, m_H))
    P = phi(Z, q, 2.0)
    # independent: phi assembled block by block from the definition (k22 §3.3.1)
    S = 1.0 / (1.0 + np.exp(-2.0 * (Z @ q)))
    ref = np.hstack([S[:, [k]] * Z for k in range(m_H)])
    assert np.allclose(P, ref, atol=1e-15)
    scale = max(1.0, float(np.abs(ref).max())) ** 2 * m * m_H
    assert np.allclose(phi_gram(Z, q, 2.0), ref @ ref.T, atol=1e-14 * scale)


def test_certified_rank_agrees_with_svd_and_exact_rank():
    rng = np.random.default_rng(5)
    Z = np.hstack([np.tanh(rng.standard_normal((12, 3))), np.ones((12, 1))])
    q = rng.standard_normal((4, 4))  # 16 columns >= 12 rows
    cert = safe_exploration(Z, q, 3.0)
    s = np.linalg.svd(phi(Z, q, 3.0), compute_uv=False)
    assert cert.value is True and s[-1] > 1e-8 * s[0]
    assert exact_rank(phi(Z, q, 3.0)) == 12
    narrow = safe_exploration(Z, q[:, :2], 3.0)  # 8 columns < 12 rows
    assert narrow.value is False and exact_rank(phi(Z, q[:, :2], 3.0)) == 8


def test_in_place_path_matches_small_path():
    rng = np.random.default_rng(9)
    Z = np.hstack([np.tanh(rng.standard_normal((40, 9))), np.ones((40, 1))])
    q = rng.standard_normal((10, 8))
    small = safe_exploration(Z, q, 2.0)
    M = hadamard_gram(Z, gate_matrix(Z, q, 2.0), block_rows=7)
    assert np.allclose(M, phi_gram(Z, q, 2.0), rtol=1e-13, atol=0)
    assert small.value is True and positive_definite(M, overwrite=True).value is True
    Zdef = np.tile(Z[:, :1], (1, 10))  # rank-one features: rank phi <= m_H = 8 < 40
    M = hadamard_gram(Zdef, gate_matrix(Zdef, q, 2.0), block_rows=7)
    assert positive_definite(M, overwrite=True).value is None


def test_repeated_feature_rows_certify_only_with_repeated_inputs():
    """Saturated tanh: inputs 2^10 apart in scale give computed rows of Z that coincide while
    the exact features (80-digit tanh) differ, so only repeated *inputs* certify rank < n."""
    import mpmath

    x = np.array([[40.0], [41.0], [-3.0], [0.5]])
    W, b = np.array([[1.0, 2.0]]), np.array([0.0, 0.1])
    Z = np.hstack([np.tanh(x @ W + b), np.ones((4, 1))])
    assert np.array_equal(Z[0], Z[1])  # both rows round to (1, 1, 1)
    with mpmath.workdps(80):
        exact = [[mpmath.tanh(mpmath.mpf(float(xi)) * float(w) + float(bb))
                  for w, bb in zip(W[0], b, strict=True)] for xi in x[:2, 0]]
        assert exact[0] != exact[1]  # the exact features are distinct
    q = np.random.default_rng(3).standard_normal((3, 4))
    assert safe_exploration(Z, q, 1.0, X=x).value is None
    assert safe_exploration(Z, q, 1.0).value is False  # phi of the stored Z itself
    x_dup = x.copy()
    x_dup[1] = x_dup[0]
    assert safe_exploration(Z, q, 1.0, X=x_dup).value is False

def test_c0_by_direct_maximisation():
    res = minimize_scalar(lambda s: -s / (1.0 + math.exp(s)), bounds=(0.0, 10.0),
                          method="bounded", options={"xatol": 1e-12})
    assert math.isclose(-res.fun, mod.C0, rel_tol=1e-9)


# ------------------------------------------------------------------ claims

def test_registered_ids():
    assert sorted(c.id for c in mod.CLAIMS) == sorted(IDS)
    assert all(c.paper == "k22" and c.controls for c in mod.CLAIMS)


@pytest.mark.parametrize(("claim_id", "n"), [("k22.claim.gate-relu-limit", 20),
                                             ("k22.asm4", 10), ("k22.thm4", 4),
                                             ("k22.thm5", 3)])
def test_claim_holds_on_its_strategy(claim_id, n):
    holds_on_strategy(claim_id, n)()


CONTROLS = [(c.id, k.name) for c in mod.CLAIMS for k in c.controls]


@pytest.mark.parametrize(("claim_id", "control"), CONTROLS)
def test_control_is_violated(claim_id, control):
    claim = get(claim_id)
    run = run_control(claim, claim.control(control), CI)
    assert run.passed
    assert run.verdict["status"] == "violated"


def _one(claim_id: str):
    claim = get(claim_id)
    return claim, next(iter(sample_instances(claim.strategy("ci"), CI, 1)))


@pytest.mark.parametrize("claim_id", IDS)
def test_json_round_trip(claim_id):
    claim, inst = _one(claim_id)
    again = claim.parse(json.loads(json.dumps(to_jsonable(inst))))
    a, b = claim.check(inst), claim.check(again)
    assert a.status == b.status and a.lhs == b.lhs and a.rhs == b.rhs


@pytest.mark.parametrize("claim_id", IDS)
def test_parse_rejects_malformed(claim_id):
    claim, inst = _one(claim_id)
    params = to_jsonable(inst)
    for key in list(params):
        if key in ("witness", "gate", "eps_bar"):
            continue
        broken = dict(params)
        del broken[key]
        with pytest.raises(BadInput):
            claim.parse(broken)
    first_matrix = next(k for k, v in params.items() if isinstance(v, list)
                        and v and isinstance(v[0], list))
    bad = dict(params)
    bad[first_matrix] = [row[:-1] for row in params[first_matrix]] if len(
        params[first_matrix][0]) > 1 else params[first_matrix][:1] + [[float("nan")]]
    with pytest.raises(BadInput):
        claim.parse(bad)
    with pytest.raises(BadInput):
        claim.parse({**params, first_matrix: "oops"})


def test_ee_parse_rejects_wrong_theta_and_loss():
    claim, inst = _one("k22.thm4")
    params = to_jsonable(inst)
    with pytest.raises(BadInput):
        claim.parse({**params, "theta": params["theta"][:-1]})
    with pytest.raises(BadInput):
        claim.parse({**params, "loss": "hinge"})
    with pytest.raises(BadInput):  # logistic targets must be +-1
        claim.parse({**params, "loss": "logistic", "Y": [[0.5]] * len(params["Y"])})
    with pytest.raises(BadInput):
        claim.parse({**params, "body_widths": [2, "a"]})


def test_strategies_validate_arguments():
    from hypothesis.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        strat.gate_instances(n=0)
    with pytest.raises(InvalidArgument):
        strat.safe_exploration_instances(activation="relu")
    with pytest.raises(InvalidArgument):
        strat.exploitation_instances(width_factor=0.5)


def test_table2_small():
    out = mod.table2("ci", names=("Semeion",))
    assert out["table"]["rows"][0][5] == "rank $n$ certified"
    assert out["table"]["rows"][0][4] == math.ceil(2 * 1000 / 513) == 4


def test_exploitation_problem_against_pinv_and_gd():
    claim, inst = _one("k22.thm4")
    P = mod.exploitation_problem(inst)
    model = P["model"]
    _, Ws, _ = model.split(inst["theta"])
    Y, n = inst["Y"], inst["X"].shape[0]
    B2, lam = 0.0, 0.0
    for j, A in enumerate(P["As"]):
        w = Ws[j].reshape(-1)
        B2 += float(np.sum((np.linalg.pinv(A) @ (A @ w - Y[:, j])) ** 2))
        lam = max(lam, 2.0 / n * float(np.linalg.eigvalsh(A.T @ A)[-1]))
    assert math.isclose(P["B0"], math.sqrt(B2), rel_tol=1e-6)
    assert P["Lhat"] >= lam  # L^ bounds the smoothness of the exploitation objective
    # the GD limit from theta^tau is the least-squares point nearest theta^tau_(H-1): GD never
    # moves the null-space component of A, and neither does theta_inf
    theta = inst["theta"].copy()
    obj = Objective(model, inst["X"], Y, get_loss("squared"))
    hidden = model.hidden_slice()
    for _ in range(200):
        theta[hidden] -= (1.0 / P["Lhat"]) * obj.grad_hidden(theta)
    p = P["p"]
    for j, A in enumerate(P["As"]):
        N = np.eye(p) - np.linalg.pinv(A) @ A
        block = slice(hidden.start + j * p, hidden.start + (j + 1) * p)
        w0 = inst["theta"][block]
        assert np.linalg.norm(N @ (theta[block] - w0)) < 1e-8 * (1 + np.linalg.norm(w0))
        assert np.linalg.norm(N @ (P["theta_inf"][block] - w0)) < 1e-8 * (1 + np.linalg.norm(w0))
        assert np.allclose(A @ P["theta_inf"][block], Y[:, j], atol=1e-8)
    assert obj.value(theta) < obj.value(inst["theta"])


def test_sublevel_distance_brackets_the_projection():
    claim = get("k22.thm5")
    inst = next(iter(sample_instances(section3_3._ee_strategy("ci", ("logistic",)), CI, 1)))
    P = mod.exploitation_problem(inst)
    assert P["B"] <= P["B_up"] <= P["B"] * (1 + 1e-6)
    # independent: along random rays from w_tau the sublevel set is never nearer than B_lo
    Y = inst["Y"]
    w0 = np.concatenate([W.reshape(-1) for W in P["model"].split(inst["theta"])[1]])
    rng = np.random.default_rng(0)
    for _ in range(5):
        d = rng.standard_normal(w0.size)
        d /= np.linalg.norm(d)
        r = next((r for r in np.geomspace(1e-3, 1e7, 400)
                  if mod.exploitation_loss(P, w0 + r * d, Y)[0] <= inst["eps_bar"]), None)
        assert r is None or r >= P["B"]
    assert claim.check(inst).status is Status.HOLDS


def _logistic(params, **extra):
    """The same network and data with logistic loss: targets mapped to -1 / +1."""
    Y = np.asarray(params["Y"], dtype=float)
    return {**params, "loss": "logistic", "Y": np.where(Y >= np.median(Y), 1.0, -1.0).tolist(),
            **extra}


def test_thm4_is_out_of_scope_for_a_loss_other_than_squared():
    """Theorem 4 is checked for the squared loss only (Hypothesis ``squared-loss``): the same
    recorded instance with logistic targets is out of scope, for that reason alone."""
    claim = get("k22.thm4")
    inst = claim.parse(_logistic(recorded_worst("k22.thm4")))
    assert claim.failed_hypotheses(inst) == {"squared-loss": "only the squared loss is checked"}
    assert claim.check(inst).status is Status.OUT_OF_SCOPE


def test_thm5_needs_eps_bar_for_the_logistic_loss():
    """Theorem 5 with the logistic loss needs eps_bar > 0 (inf L is not attained, B_0 would
    be infinite): eps_bar = 0 fails ``convex-loss`` for that reason, eps_bar > 0 meets it."""
    claim = get("k22.thm5")
    params = recorded_worst("k22.thm5")
    zero = claim.failed_hypotheses(claim.parse(_logistic(params, eps_bar=0.0)))
    assert zero.get("convex-loss") == r"logistic loss needs $\bar\epsilon>0$"
    assert "convex-loss" not in claim.failed_hypotheses(claim.parse(_logistic(params,
                                                                               eps_bar=1e-3)))


def _duplicated_input_instance() -> dict:
    """An input duplicated with targets +1 and -1 (n = 8): every theta has L >= (1/n) min_f
    ((f - 1)^2 + (f + 1)^2) = 2/8, so the exploitation limit (L = 0.25) is a global minimum,
    while rank phi < n (safe exploration fails) and no theta reaches the lower bound 0."""
    rng = np.random.default_rng(0)
    X, Y = strat.sine_data(rng, 7, 2, 1)
    X, Y = np.vstack([X, X[:1]]), np.vstack([Y, Y[:1]])
    Y[0, 0], Y[-1, 0] = 1.0, -1.0
    model = EEModel([2, 8], "tanh", 2, 1, 5.0)
    theta = strat.explored_theta(model, X, Y, rng, tau=50, lr=0.05, epsilon=0.01)
    return {"X": X, "Y": Y, "body_widths": [2, 8], "activation": "tanh", "m_H": 2, "m_y": 1,
            "varsigma": 5.0, "theta": theta, "loss": "squared", "K": 20_000, "eps_bar": 0.0}


@pytest.mark.parametrize("claim_id", ["k22.thm4", "k22.thm5"])
def test_inf_L_known_only_from_below_never_gives_violated(claim_id):
    """Without a witness, inf L >= 0 is only a lower bound: a limit (or a GD iterate) above it
    is not a certified violation. On the duplicated-input instance, where the limit is in fact
    a global minimum, the verdict is inconclusive and says why."""
    claim = get(claim_id)
    inst = _duplicated_input_instance()
    assert mod.exploitation_problem(inst)["min_Lhat"] == pytest.approx(0.25, rel=1e-12)
    verdict = claim.check(inst, drop="safe-exploration")
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.message.startswith(r"no witness; $\inf\mathcal L$ is only bounded below")
    assert verdict.lhs > verdict.rhs  # the lower bound alone would have said 'violated'


@pytest.mark.parametrize("claim_id", ["k22.thm4", "k22.thm5"])
def test_a_witness_below_the_limit_certifies_the_violation(claim_id):
    """A witness theta bounds inf L from above: with one beyond the limit's loss (the narrow
    control) the separation is certified and the certificate names the upper bound."""
    claim = get(claim_id)
    verdict = claim.check(get("k22.thm4").controls[0].fixed_instances()[0], drop="safe-exploration")
    assert verdict.status is Status.VIOLATED
    assert "an upper bound of the rhs" in verdict.certificate


@pytest.mark.parametrize("relation", ["permute_hidden_units", "rotate_inputs", "scale_outputs"])
def test_ee_relations_move_theta_and_keep_the_model(relation):
    """The relations of Theorems 4-5 change the instance's numbers (theta, X or Y) but not the
    model: the frozen model's outputs are the same up to rounding (times 2^k for
    scale-outputs, with Y scaled alike), so the exploitation problem is the same one."""
    claim, inst = _one("k22.thm4")
    new = getattr(strat, relation)(inst, np.random.default_rng(5))
    assert not (np.array_equal(new["theta"], inst["theta"]) and np.array_equal(new["X"], inst["X"]))
    f = mod.exploitation_model(inst).forward(inst["theta"], inst["X"])
    g = mod.exploitation_model(new).forward(new["theta"], new["X"])
    ratio = new["Y"][0, 0] / inst["Y"][0, 0]
    assert np.allclose(g, ratio * f, rtol=1e-12, atol=1e-12 * ratio * np.abs(f).max())
    assert claim.check(new).status is claim.check(inst).status


def test_safe_exploration_relations_keep_phi_up_to_row_and_column_permutations():
    """Relabelling units, rotating the inputs and trading q against varsigma' give the same
    phi up to permutations of its columns: the same singular values."""
    _, inst = _one("k22.asm4")

    def svals(i):
        return np.linalg.svd(phi(strat.body_features(i), i["q"], i["varsigma"]),
                             compute_uv=False)

    for relation in (strat.permute_hidden_units, strat.rotate_inputs,
                     strat.scale_gate_sharpness, strat.permute_samples):
        new = relation(inst, np.random.default_rng(2))
        assert any(not np.array_equal(new[k], inst[k]) for k in ("X", "q", "theta_body"))
        assert np.allclose(svals(new), svals(inst), rtol=1e-10, atol=1e-12 * svals(inst)[0])


def test_ee_strategy_rejected_draws_count_against_the_example(monkeypatch):
    """Each draw of Theorems 4-5's strategy runs the exploration phase; a draw outside the
    probability-one event counts against its example: at most ATTEMPTS runs, then the fixed
    fallback, which meets every hypothesis of both theorems."""
    from checks.strategies.k22_alignment import ATTEMPTS

    fallback = section3_3._ee_fallback("squared")
    for claim_id in ("k22.thm4", "k22.thm5"):
        assert get(claim_id).failed_hypotheses(fallback) == {}
    calls = []
    monkeypatch.setattr(section3_3, "_safe_at_tau", lambda inst: calls.append(inst) and False)
    drawn = list(sample_instances(get("k22.thm4").strategy("ci"), CI, 1))
    assert len(drawn) == 1 and len(calls) == ATTEMPTS
    assert drawn[0]["theta"] is fallback["theta"] and drawn[0] is not fallback


def test_sgd_violation_needs_hoeffdings_margin_not_three_standard_errors():
    """Eq. (3.5) is about an expectation: a Monte Carlo mean 3 standard errors above the bound
    is evidence only. Runs' values lie in [0, L(theta^tau)], so 'violated' stays only when
    the mean exceeds an upper bound of the rhs by L(theta^tau) sqrt(ln(1/delta) / (2R))."""
    from checks.framework import Verdict

    L0, R = 1.0, mod.SGD_RUNS
    margin = L0 * math.sqrt(math.log(1 / mod.HOEFFDING_DELTA) / (2 * R))
    for mean, expect in ((0.1 + 0.5 * margin, Status.INCONCLUSIVE),
                         (0.1 + margin * 1.01, Status.VIOLATED)):
        rhs = 0.1
        raw = Verdict(Status.VIOLATED, mean, rhs, "<=", rhs - mean, -1.0, 0.01, "3 se",
                      certificate="3 se")
        v = mod.hoeffding(raw, mean, rhs, L0, {})
        assert v.status is expect
        assert (v.certificate.startswith("Hoeffding") if expect is Status.VIOLATED
                else "not certified" in v.message)


# ------------------------------------------------------------ controls, parameters, costs
SECTION3 = list(mod.CLAIMS)


@pytest.mark.parametrize("claim", SECTION3, ids=lambda c: c.id)
def test_parameters_name_every_key_the_parser_reads(claim):
    assert_parameters_name_every_key_the_parser_reads(claim)


@pytest.mark.parametrize(("claim_id", "key"), [("k22.thm5", "K"), ("k22.asm4", "X")])
def test_cost_grows_with_the_work(claim_id, key):
    assert_cost_grows_with_the_work(claim_id, key)


@pytest.mark.parametrize("claim_id", ["k22.thm4", "k22.thm5"])
def test_exploitation_cost_grows_with_the_last_body_width(claim_id):
    """Theorems 4 and 5 (k22 §3.3) solve least squares on ``A^(j)``, ``n x m_H m_(H-1)``: the
    cost estimate grows with ``m_(H-1)``, the width of the body's last layer, at fixed ``n``
    and ``m_H``."""
    claim = get(claim_id)
    inst = claim.parse(k22_instance(claim))
    *rest, last = inst["body_widths"]
    wider = {**inst, "body_widths": [*rest, 2 * last + 2]}
    assert 0 < claim.cost(inst) < claim.cost(wider)


# ------------------------------------------------------------ parsers, bounds, formulas
@pytest.mark.parametrize("key", ["X", "Y", "m_H", "m_y", "varsigma", "theta", "loss", "K",
                                 "body_widths", "activation"])
@pytest.mark.parametrize("claim_id", ["k22.thm4", "k22.thm5"])
def test_k22_ee_parse_requires_every_key(claim_id, key):
    """Theorems 4-5 instances: each required key missing is a BadInput, never a KeyError
    (kills dropping a name from ``require``)."""
    params = control_params("k22.thm4", "narrow")
    with pytest.raises(BadInput, match=key):
        get(claim_id).parse({k: v for k, v in params.items() if k != key})


def test_k22_ee_parse_defaults_and_bounds():
    """Theorems 4-5 instances: ``eps_bar`` defaults to 0 and is stored under that name,
    negative is a BadInput; ``m_y`` in [1, 64]; an unknown activation is a BadInput naming the
    key and the choices."""
    claim = get("k22.thm5")
    params = control_params("k22.thm4", "narrow")
    assert claim.parse(params)["eps_bar"] == 0.0
    assert claim.parse({**params, "eps_bar": 0.25})["eps_bar"] == 0.25
    with pytest.raises(BadInput):
        claim.parse({**params, "eps_bar": -1e-3})
    with pytest.raises(BadInput, match=r"activation.*tanh"):
        claim.parse({**params, "activation": "step"})
    with pytest.raises(BadInput, match="body_widths"):
        claim.parse({**params, "body_widths": [2]})


def _ee_instance():
    rng = np.random.default_rng(3)
    X, Y = strat.sine_data(rng, 12, 2, 1)
    model = EEModel([2, 20], "tanh", 8, 1, 5.0)
    theta = strat.explored_theta(model, X, Y, rng, tau=40, lr=0.05, epsilon=0.01)
    return {"X": X, "Y": Y, "body_widths": [2, 20], "activation": "tanh", "m_H": 8, "m_y": 1,
            "varsigma": 5.0, "theta": theta, "loss": "squared", "K": 1, "eps_bar": 0.0}


def test_k22_sgd_bound_second_moment_and_right_side():
    """Eq. (3.5): G^2 is at least the second moment (1/n) sum_i ||grad_w l_i(w_tau)||^2 at
    the start, computed here from explicit per-sample gradients 2 (a_i^T w - y_i) a_i; the
    right side at the reported step k is inf_term + (B^2 + G_k^2 sum alpha^2) / (2 sum alpha)
    with alpha_i = a_0 / i^0.6, a_0 = 1 / (2 L^), G_k^2 (the running maximum) between the
    start value and the final G^2 (kills changed moment or step formulas)."""
    inst = _ee_instance()
    P = mod.exploitation_problem(inst)
    (A,) = P["As"]
    w = mod.exploitation_model(inst).split(inst["theta"])[1][0].reshape(-1)
    grads = 2.0 * (A @ w - inst["Y"][:, 0])[:, None] * A
    G2_start = float(np.mean(np.sum(grads * grads, axis=1)))
    v = mod.sgd_bound(inst, P, 0.6)
    G2, k = v.diagnostics["G2"], v.diagnostics["worst_k"]
    assert G2 >= G2_start * (1 - 1e-12)
    alpha = 0.5 / P["Lhat"] / np.arange(1, k + 1) ** 0.6

    def rhs(G2k):
        return P["inf_term"] + (P["B"] ** 2 + G2k * np.sum(alpha**2)) / (2 * np.sum(alpha))

    # the running maximum of the moment at step k lies between its start and final values
    assert rhs(G2_start) * (1 - 1e-12) <= v.rhs <= rhs(G2) * (1 + 1e-12)


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
    assert mod.C0 == pytest.approx(c0, rel=1e-12, abs=0)
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


def test_k22_ee_body_and_size_bounds():
    """Theorems 4-5 and Assumption 4: body widths a list of >= 2 integers in [1, 10000] (no
    booleans); m_y in [1, 64]; m_H >= 1; K in [1, 10^12]; loss 'squared' or 'logistic' (then
    Y in {-1, 1}); witness of length d."""
    params = control_params("k22.thm4", "narrow")
    for K in (1, 10**12):
        assert accepts("k22.thm4", {**params, "K": K})["K"] == K
    bad_cases = ({"K": 0}, {"K": 10**12 + 1}, {"m_H": 0}, {"m_y": 0}, {"m_y": 65},
                 {"body_widths": [2, 0]}, {"body_widths": [2, 10_001]},
                 {"body_widths": [2, True]}, {"body_widths": "2, 9"}, {"loss": "hinge"},
                 {"loss": "logistic"}, {"witness": params["witness"][:-1]},
                 {"theta": params["theta"][:-1]}, {"varsigma": 0.0})
    for bad in bad_cases:
        rejects("k22.thm4", {**params, **bad})
    Y = np.where(np.asarray(params["Y"]) >= 0, 1.0, -1.0).tolist()
    assert accepts("k22.thm4", {**params, "loss": "logistic", "Y": Y})["loss"] == "logistic"


def test_k22_safe_parser():
    """Assumption 4 instances: q has m_(H-1)+1 rows (the body's last width plus the bias
    row), theta_body the body's parameter count, varsigma > 0."""
    params = control_params("k22.asm4", "narrow")
    inst = accepts("k22.asm4", params)
    assert inst["q"].shape[0] == inst["body_widths"][-1] + 1
    for bad in ({"q": params["q"][:-1]}, {"theta_body": params["theta_body"][:-1]},
                {"varsigma": 0.0}, {"activation": "step"}, {"body_widths": [2]}):
        rejects("k22.asm4", {**params, **bad})
    rejects("k22.asm4", {k: v for k, v in params.items() if k != "q"})
    wide = {**params, "body_widths": [2, mod.WIDTH_LIMIT],
            "theta_body": np.zeros(3 * mod.WIDTH_LIMIT),
            "q": np.zeros((mod.WIDTH_LIMIT + 1, 1))}
    assert accepts("k22.asm4", wide)["body_widths"] == [2, 10_000]


@pytest.mark.parametrize("power", [0.6, 0.5])
def test_sgd_upper_right_side_adds_the_same_moment_term_to_the_upper_bounds(monkeypatch, power):
    """Eq. (3.5) with inf max(L, eps_bar) and B known only between bounds: the right side that
    a violation must exceed takes the upper bounds (inf_upper, B_up) with the same
    (G^2 sum alpha^2) / (2 sum alpha) term, so it exceeds the lower right side by exactly
    (inf_upper - inf_term) + (B_up^2 - B^2) / (2 sum alpha), alpha_i = a_0 / i^power up to the
    reported step; the verdict records which schedule (power) it ran."""
    seen = []

    def spy(lhs, rhs_lo, rhs_hi, **kwargs):
        seen.append((rhs_lo, rhs_hi))
        return separated(lhs, rhs_lo, rhs_hi, **kwargs)

    separated = section3_3._separated
    monkeypatch.setattr(section3_3, "_separated", spy)
    inst = _ee_instance()
    P = mod.exploitation_problem(inst)
    v = mod.sgd_bound(inst, P, power)
    assert v.diagnostics["power"] == power
    (rhs_lo, rhs_hi), = seen
    alpha = 0.5 / P["Lhat"] / np.arange(1, v.diagnostics["worst_k"] + 1) ** power
    gap = P["inf_upper"] - P["inf_term"] + (P["B_up"] ** 2 - P["B"] ** 2) / (2 * np.sum(alpha))
    assert rhs_hi - rhs_lo == pytest.approx(gap, rel=1e-9, abs=1e-12 * rhs_hi)


def test_sgd_tolerance_is_the_rounding_of_the_losses_when_the_runs_coincide():
    """Eq. (3.5)'s tolerance is ``MC_Z`` standard errors of the Monte Carlo mean plus the
    rounding of the losses, ``8 gamma_{p+2}`` times the mean. With a single sample every run
    draws it at every step, so the runs coincide up to rounding and the Monte Carlo term is
    far below the rounding term: the tolerance lies between ``8 gamma_{p+2}`` and ``9
    gamma_{p+2}`` times the mean, for both schedules."""
    rng = np.random.default_rng(3)
    X, Y = strat.sine_data(rng, 1, 2, 1)
    model = EEModel([2, 20], "tanh", 8, 1, 5.0)
    theta = strat.explored_theta(model, X, Y, rng, tau=40, lr=0.05, epsilon=0.01)
    inst = {"X": X, "Y": Y, "body_widths": [2, 20], "activation": "tanh", "m_H": 8, "m_y": 1,
            "varsigma": 5.0, "theta": theta, "loss": "squared", "K": 1, "eps_bar": 0.0}
    P = mod.exploitation_problem(inst)
    assert P["n"] == 1
    for power in (0.6, 0.5):
        v = mod.sgd_bound(inst, P, power)
        rounding = gamma(P["p"] + 2) * v.lhs
        assert v.lhs > 0 and 8 * rounding <= v.tolerance <= 9 * rounding


def test_theorem5_reports_the_sgd_part_when_its_slack_is_zero(monkeypatch):
    """When both parts of Theorem 5 hold, the one with the smaller relative slack is reported:
    an SGD bound met with zero slack (``lhs == rhs``) is tighter than a GD rate met with
    relative slack 1/4, so the SGD verdict is the answer and carries the GD slack beside it."""
    exact = Tolerance(0.0, "exact")

    def verdict(lhs):
        return decide(lhs, 1.0, relation="<=", tolerance=exact, scale=1.0)

    gd = verdict(0.75)
    sgd = {0.6: verdict(1.0), 0.5: verdict(0.5)}
    assert (gd.relative_slack, sgd[0.6].relative_slack) == (0.25, 0.0)
    monkeypatch.setattr(section3_3, "exploitation_problem", lambda inst: {})
    monkeypatch.setattr(section3_3, "_gd_rate", lambda inst, P: (gd, {}))
    monkeypatch.setattr(section3_3, "sgd_bound", lambda inst, P, power: sgd[power])
    reported = get("k22.thm5").measure({})
    assert reported is sgd[0.6] and reported.status is Status.HOLDS
    assert reported.diagnostics["gd_relative_slack"] == 0.25


def test_rotate_inputs_carries_the_witness_with_theta():
    """``rotate_inputs`` changes basis in the witness's first layer as in theta's, so the
    witness gives the same outputs (hence the same upper bound on inf L) before and after."""
    inst = get("k22.thm4").controls[0].fixed_instances()[0]
    new = strat.rotate_inputs(inst, np.random.default_rng(3))
    assert not np.array_equal(new["X"], inst["X"])
    f = mod.exploitation_model(inst).forward(inst["witness"], inst["X"])
    g = mod.exploitation_model(new).forward(new["witness"], new["X"])
    assert np.allclose(g, f, rtol=1e-12, atol=1e-12 * np.abs(f).max())
