"""Tests for Kawaguchi, Zhang & Deng (2022), Section 2: theory/alignment.py,
theory/trajectory.py and the claims of checks/papers/k22_alignment/."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from k22_contracts import (
    FIND,
    accepts,
    assert_cost_grows_with_the_work,
    assert_parameters_name_every_key_the_parser_reads,
    control_params,
    gamma,
    rejects,
)
from roundtrip import assert_json_round_trip

from checks.framework import Status
from checks.inputs import BadInput
from checks.papers import k22_alignment as k22
from checks.papers.k22_alignment import section2_1
from checks.papers.k22_alignment import section2_4 as theorem3
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import run_control
from checks.serialise import to_jsonable
from checks.strategies import k22_alignment as strat
from theory import alignment as al
from theory import trajectory as tj

CLAIMS = ["k22.asm1", "k22.def2", "k22.eq2.1-2.4", "k22.prop1", "k22.thm2", "k22.thm3",
          "k22.eq2.11", "k22.eq2.12"]
PROFILE = get_profile("ci")


# ------------------------------------------------------------------ theory: alignment
def _fd_jacobian(model, theta, X, h=1e-6):
    cols = []
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = h
        cols.append((model.forward(theta + e, X) - model.forward(theta - e, X)).reshape(-1)
                    / (2 * h))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("model,theta", [
    (tj.Quartic(), np.array([0.7])), (tj.WU2(), np.array([-0.8, 1.3])),
    (tj.SquarePlusOne(), np.array([0.4])), (tj.Linear(3), np.array([0.1, -2.0, 0.5])),
])
def test_toy_jacobians_match_finite_differences(model, theta):
    X = np.random.default_rng(0).standard_normal((4, 3))
    J = model.jacobian(theta, X)
    assert np.allclose(J, _fd_jacobian(model, theta, X), rtol=1e-7, atol=1e-7)


def test_objective_gradient_matches_finite_differences():
    inst = strat.build_mlp_instance(1, 5, 2, [4], 2, "tanh", "cross-entropy", "random", 1.0)
    model = k22.instance_model(inst)
    f = lambda th: tj.objective(model, "cross-entropy", th, inst["X"], inst["Y"])[0]  # noqa: E731
    g = tj.objective(model, "cross-entropy", inst["theta"], inst["X"], inst["Y"])[1]
    h = 1e-6
    fd = np.array([(f(inst["theta"] + h * e) - f(inst["theta"] - h * e)) / (2 * h)
                   for e in np.eye(inst["theta"].size)])
    assert np.allclose(g, fd, atol=1e-7)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 7), st.integers(1, 9), st.booleans())
def test_membership_agrees_with_least_squares(seed, p, q, inside):
    """The clear-gap decision against an independent lstsq residual on a matrix with a chosen
    spectrum (well-separated singular values, optionally a rank deficiency)."""
    rng = np.random.default_rng(seed)
    r = min(p, q) - (1 if min(p, q) > 1 and rng.random() < 0.5 else 0)
    U = np.linalg.qr(rng.standard_normal((p, p)))[0][:, :r]
    V = np.linalg.qr(rng.standard_normal((q, q)))[0][:, :r]
    A = U @ np.diag(np.geomspace(1.0, 0.1, r)) @ V.T
    b = A @ rng.standard_normal(q) if inside else rng.standard_normal(p)
    res = np.linalg.norm(A @ np.linalg.lstsq(A, b, rcond=None)[0] - b) / np.linalg.norm(b)
    m = al.membership(b, J=A)
    expected = True if res < 1e-10 else (False if res > 1e-6 else None)
    assert m.member == expected
    assert math.isclose(m.rho, res, abs_tol=1e-12)
    assert m.rank == r
    # ||A^+ b|| from the pseudo-inverse, independently
    assert math.isclose(m.coef_norm, np.linalg.norm(np.linalg.pinv(A) @ b), rel_tol=1e-8)
    # the Gram route agrees
    assert al.membership(b, M=A @ A.T).member in (expected, None)


def test_membership_inconclusive_without_gap():
    s = np.geomspace(1.0, 1e-16, 8)  # singular values spread through the noise floor
    rng = np.random.default_rng(3)
    U = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    A = U @ np.diag(s) @ U.T
    m = al.membership(rng.standard_normal(8), J=A)
    assert m.member is None and "gap" in m.reason


def test_bias_witness_is_exact_and_decides_constant_targets():
    inst = strat.build_mlp_instance(2, 30, 2, [3], 2, "tanh", "squared", "constant", 1.0)
    J = k22.instance_model(inst).jacobian(inst["theta"], inst["X"])
    b = inst["Y"].reshape(-1)
    beta = al.bias_witness(J, b, 2)
    assert beta is not None and np.array_equal(J @ beta, b)
    assert al.membership(b, J=J, witness=beta).member is True
    assert al.bias_witness(J, np.arange(60.0), 2) is None


def test_smallest_eigenvalue_and_qT():
    rng = np.random.default_rng(4)
    J = rng.standard_normal((5, 9))
    assert math.isclose(al.smallest_eigenvalue_M(J), np.linalg.eigvalsh(J @ J.T)[0],
                        rel_tol=1e-10)
    assert al.smallest_eigenvalue_M(rng.standard_normal((6, 3))) == 0.0
    assert al.q_T([True, False, None, False]) == {"Q_T": 2, "inconclusive": 1, "checked": 4}


def test_modified_target_and_lstar_closed_forms():
    Y = np.array([[0.0], [1.0], [1.0]])
    Yp = al.modified_target(Y, "cross-entropy")
    assert np.array_equal(Yp, 2 * Y - 1)
    for eta in (0.0, 0.5, 3.0):
        assert math.isclose(al.lstar(eta * Yp, Y, "cross-entropy"), math.log1p(math.exp(-eta)),
                            rel_tol=1e-14)
    assert al.lstar(Y, Y, "squared") == 0.0


def test_gap_bound_constant_exactly():
    """(2.10)'s right side against an exact SymPy evaluation of the re-derived constant."""
    L, zeta, l0, alpha, n = 3.0, 5.0, 0.7, 0.25, 9
    exact = sympy.sqrt(sympy.Rational(3) * 5 * sympy.Rational(7, 10)
                       / (2 * sympy.Rational(1, 4) * sympy.Rational(3, 4) * 9))
    assert math.isclose(al.gap_bound(0.1, L, zeta, l0, alpha, n), 0.1 + float(exact),
                        rel_tol=1e-15)
    assert al.zeta_eta(np.array([1.0, 2.0]), np.array([0.5, 3.0])) == 36.0
    with pytest.raises(ValueError):
        al.gap_bound(0.0, L, zeta, l0, 1.0, n)


def test_euler_identity_exact_for_linear_and_mlp():
    inst = strat.build_mlp_instance(5, 6, 3, [4, 3], 2, "tanh", "squared", "random", 1.0)
    model = k22.instance_model(inst)
    F, J = model.forward(inst["theta"], inst["X"]), model.jacobian(inst["theta"], inst["X"])
    e, scale = al.euler_residual(F.reshape(-1), J, al.structure_vector(inst["theta"], model.S))
    assert e <= 1e-13 * scale
    # an independent reading: f equals the last layer applied to the hidden features
    theta0 = inst["theta"].copy()
    theta0[model.S] = 0.0
    assert np.allclose(model.forward(theta0, inst["X"]), 0.0)


def test_quartic_has_no_structure_set_exactly():
    t = sympy.symbols("t")
    f = t**4 - 10 * t**2 + 6 * t + 100
    assert sympy.expand(f - t * sympy.diff(f, t)) != 0 and f != 0
    assert not any(r.is_real for r in sympy.Poly(f, t).all_roots())


def test_data_generators():
    rng = np.random.default_rng(0)
    X, Y = tj.two_moons(10, 0.1, rng)
    assert X.shape == (10, 2) and set(Y.ravel()) == {0.0, 1.0}
    X, Y = tj.sine_wave(12, rng)
    assert np.array_equal(Y, (np.sin(20 * X) < 0).astype(float))


# -------------------------------------------------------------------- claims: properties
def _prop(claim_id, n):
    claim = get(claim_id)

    @settings(max_examples=n, deadline=None, database=None)
    @given(claim.strategy("ci"))
    def check(instance):
        verdict = claim.check(instance)
        assert verdict.status is Status.HOLDS, (verdict.message, verdict.diagnostics)

    check()


@pytest.mark.parametrize("claim_id,n", [
    ("k22.asm1", 8), ("k22.def2", 8), ("k22.eq2.1-2.4", 5), ("k22.prop1", 6),
    ("k22.thm2", 2), ("k22.thm3", 4), ("k22.eq2.11", 3), ("k22.eq2.12", 3),
])
def test_claim_holds_on_its_strategy(claim_id, n):
    _prop(claim_id, n)


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_controls_are_violated(claim_id):
    claim = get(claim_id)
    assert claim.controls
    for control in claim.controls:
        run = run_control(claim, control, PROFILE)
        assert run.passed and run.verdict["status"] == "violated", control.name
        for inst in control.fixed_instances():
            assert claim.check(inst, drop=control.drops).status is Status.VIOLATED
            # the dropped hypothesis really is unmet, and only that one
            unmet = claim.unmet_hypotheses(inst)
            assert [u.split(":")[0] for u in unmet] == [control.drops], unmet


def test_thm2_literal_control_has_alignment_at_every_iterate():
    """Theorem 2's erratum: DAA holds before the limit, L(limit) = 1 > 0 = L*(Y)."""
    claim = get("k22.thm2")
    inst = claim.controls[0].fixed_instances()[0]
    assert claim.hypotheses[2].check(inst) is True  # daa-along-trajectory
    v = claim.check(inst, drop="daa-at-limit")
    assert v.status is Status.VIOLATED and math.isclose(v.lhs, 1.0, rel_tol=1e-12)
    assert math.isclose(k22.limit_run(inst)["traj"].steps[-1].theta[0], -0.668, abs_tol=2e-3)


def test_def2_alignment_with_singular_M():
    """Alignment holds while lambda_min(M) = 0 (constant target, d < n)."""
    inst = strat.build_mlp_instance(9, 20, 2, [3], 1, "tanh", "squared", "constant", 1.0)
    v = get("k22.def2").check(inst)
    assert v.status is Status.HOLDS and v.diagnostics["lambda_min_M"] == 0.0


# --------------------------------------------------------------- parse and round trip
def _one_instance(claim_id):
    claim = get(claim_id)
    if claim_id in ("k22.thm2",):
        return claim.controls[1].fixed_instances()[0], claim.controls[1].drops
    from checks.runner import sample_instances

    return next(sample_instances(claim.strategy("ci"), PROFILE, 1)), None


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_json_round_trip(claim_id):
    claim = get(claim_id)
    inst, drop = _one_instance(claim_id)
    assert_json_round_trip(claim, inst, drop)


BASE = {"model": "mlp", "widths": [2, 3, 1], "activation": "tanh", "theta": [0.1] * 13,
        "X": [[0.0, 1.0], [1.0, 0.0]], "Y": [[1.0], [0.0]], "loss": "squared"}


@pytest.mark.parametrize("change", [
    {"model": "cnn"}, {"widths": [3, 3, 1]}, {"widths": [2, 3, 2]}, {"theta": [0.1] * 12},
    {"X": [[0.0, 1.0]]}, {"loss": "hinge"}, {"activation": 3}, {"Y": [[1.0], [float("nan")]]},
    {"S": [13]}, {"widths": [2, 0.5, 1]}, {"loss": "logistic"},
])
def test_parse_rejects_malformed(change):
    with pytest.raises(BadInput):
        k22.parse_base({**BASE, **change})


def test_parse_rejects_claim_parameters():
    with pytest.raises(BadInput):
        k22.parse_base({k: v for k, v in BASE.items() if k != "theta"})
    with pytest.raises(BadInput):
        k22.parse_base({**BASE, "loss": "cross-entropy", "Y": [[2.0], [0.0]]})
    gap = {**BASE, "alpha": 0.5, "L": 1.0, "T_set": [0, 1], "eta": 1.0}
    k22.parse_gap(gap)
    for bad in ({"alpha": 1.0}, {"L": 0.0}, {"T_set": []}, {"Ystar": [[1.0, 2.0]]}):
        with pytest.raises(BadInput):
            k22.parse_gap({**gap, **bad})
    with pytest.raises(BadInput):
        k22.parse_limit({**BASE, "step_size": -1.0, "steps": 3})
    with pytest.raises(BadInput):
        k22.parse_prop1(BASE)  # eta missing


# ----------------------------------------------------------------------- reproduction
def test_figure1a_reproduction_runs_and_reports_paper_numbers():
    rep = get("k22.def2").reproductions[0].run("smoke")
    assert {"title", "series", "table", "paper", "ours"} <= set(rep)
    moons, sine = rep["table"]["rows"]
    assert sine[1] > moons[1]  # the sine wave keeps the higher training error
    assert sine[4].split("/")[0] == sine[4].split("/")[1]  # DAA fails at every check (1e-10)
    assert r"2.09\times10^{11}" in rep["paper"] and r"3.95\times10^{9}" in rep["paper"]
    json.dumps(to_jsonable(rep))


def test_sharp_softplus_derivative_and_init_layout():
    act = tj.sharp_softplus(100.0)
    z = np.linspace(-0.05, 0.05, 7)
    h = 1e-7
    assert np.allclose(act.d1(z), (act.value(z + h) - act.value(z - h)) / (2 * h), atol=1e-6)
    widths = [2, 3, 1]
    theta = tj.torch_default_init(widths, np.random.default_rng(0))
    assert theta.size == strat.n_params(widths)
    assert np.all(np.abs(theta[:6]) <= 1 / math.sqrt(2)) and np.all(np.abs(theta[9:]) <= 1 / 3**0.5)


def test_find_structure_set_picks_the_linear_last_layer():
    inst = strat.build_mlp_instance(6, 7, 2, [5, 4], 1, "tanh", "squared", "random", 1.0)
    model = k22.instance_model(inst)
    theta, X = inst["theta"], inst["X"]
    off = model.net.offsets()
    blocks = [np.arange(a, b) for a, b in zip(off[:-1], off[1:], strict=True)]
    F, J = model.forward(theta, X).reshape(-1), model.jacobian(theta, X)
    k = k22.rounding_terms(inst)
    S = al.find_structure_set(F, J, theta, blocks, k)
    assert S is not None and np.array_equal(S, model.S)  # only the last layer works
    assert al.find_structure_set(F, J, theta, blocks[:-1], k) is None
    lin = tj.Linear(3)
    th = np.array([1.0, -2.0, 0.5])
    assert al.find_structure_set(lin.forward(th, X[:, :1].repeat(3, 1)).reshape(-1),
                                 X[:, :1].repeat(3, 1), th, [np.arange(3)], 8) is not None
    q = tj.Quartic()
    th = np.array([1.3])
    Z = np.zeros((1, 1))
    assert al.find_structure_set(q.forward(th, Z).reshape(-1), q.jacobian(th, Z), th,
                                 [np.array([], dtype=int), np.array([0])], 8) is None


def test_thm3_pointwise_lemma_on_its_strategy():
    """The per-iterate convexity remainder L - L* - grad^T (nu - beta-hat) is <= 0."""
    from checks.runner import sample_instances

    claim = get("k22.thm3")
    for inst in sample_instances(claim.strategy("ci"), PROFILE, 4):
        v = claim.check(inst)
        assert v.status is Status.HOLDS
        assert v.diagnostics["pointwise_remainder"] <= k22.descent_tolerance(inst, v.lhs, v.rhs)


def test_membership_of_wide_matrices_via_qr_reduction():
    """Wide J (q > 4p) is reduced to R^T by QR: same rank, residual and ||J^+ b|| as the
    plain pseudo-inverse, and the decision is never looser than the core's test on J."""
    from theory.linalg import in_column_space

    rng = np.random.default_rng(8)
    for r in (3, 5):
        U = np.linalg.qr(rng.standard_normal((5, 5)))[0][:, :r]
        V = np.linalg.qr(rng.standard_normal((80, 80)))[0][:, :r]
        A = U @ np.diag(np.geomspace(2.0, 0.2, r)) @ V.T
        for b in (A @ rng.standard_normal(80), rng.standard_normal(5)):
            m, core = al.membership(b, J=A), in_column_space(b, J=A)
            assert m.rank == r and m.member in (core.member, None)
            assert math.isclose(m.coef_norm, np.linalg.norm(np.linalg.pinv(A) @ b), rel_tol=1e-8)
            assert math.isclose(m.rho, core.relative_residual, abs_tol=1e-12)


def test_loss_gradient_matches_the_jacobian_route():
    inst = strat.build_mlp_instance(12, 7, 2, [5, 4], 2, "softplus", "cross-entropy", "random",
                                    1.0)
    model = k22.instance_model(inst)
    value, g, F = tj.loss_gradient(model, "cross-entropy", inst["theta"], inst["X"], inst["Y"])
    v2, g2, F2, _, _ = tj.objective(model, "cross-entropy", inst["theta"], inst["X"], inst["Y"])
    assert math.isclose(value, v2, rel_tol=1e-14) and np.allclose(F, F2, rtol=1e-14)
    assert np.allclose(g, g2, rtol=1e-12, atol=1e-15)


def test_qT_counts_every_step_for_the_misaligned_linear_model():
    """Eq. (2.5) control: with d < n and random Y, DAA fails at every
    t = 0..T, so Q_T = T + 1 (the sum includes t = 0)."""
    inst = {**strat.misaligned_instances(n=12, d=3, seed=2), "Ystar": None}
    traj = k22.run_gradient_descent(inst, 0.05, 9, None)
    q = al.q_T([s.extra["daa"].member for s in traj.steps])
    assert q == {"Q_T": 10, "inconclusive": 0, "checked": 10}


def test_asm1_accepts_an_explicit_S_that_is_the_last_layer():
    """Assumption 1's structure hypothesis is the set f is linear in: an explicit S equal to
    the last layer's (W, b) indices, in any order, meets it (the Euler identity then holds to
    rounding); a strict subset or a superset of them does not, and says so."""
    claim = get("k22.asm1")
    inst = strat.build_mlp_instance(7, 8, 2, [5, 4], 1, "tanh", "squared", "random", 1.0)
    S = list(range(strat.n_params(inst["widths"]) - 5, strat.n_params(inst["widths"])))
    for given_S in (S, S[::-1]):
        assert claim.failed_hypotheses({**inst, "S": given_S}) == {}
        assert claim.check({**inst, "S": given_S}).status is Status.HOLDS
    for wrong in (S[:-1], [0, *S]):
        reason = claim.failed_hypotheses({**inst, "S": wrong})["linear-last-layer"]
        assert reason == (f"$S$ ({len(wrong)} indices) is not the set the mlp model is "
                          f"linear in (the 5 indices ${S[0]},\\dots,{S[-1]}$)")
    # f = w u^2 is linear in w, a linear model in all of theta
    wu2 = {"model": "wu2", "theta": np.array([0.5, 2.0]), "X": np.zeros((1, 1)),
           "Y": np.ones((1, 1)), "loss": "squared", "S": [0]}
    assert claim.check(wu2).status is Status.HOLDS
    lin = {"model": "linear", "theta": np.array([0.5, -1.0]), "X": np.eye(2),
           "Y": np.ones((2, 1)), "loss": "squared", "S": [1, 0]}
    assert claim.check(lin).status is Status.HOLDS


@pytest.mark.parametrize(("claim_id", "other", "covers"), [
    ("k22.eq2.11", "cross-entropy", "k22.eq2.12"), ("k22.eq2.12", "squared", "k22.eq2.11")])
def test_each_corollary_refuses_the_other_loss_and_names_its_claim(claim_id, other, covers):
    """(2.11) is the squared-loss corollary, (2.12) the cross-entropy one: each refuses the
    other's loss in one line naming the claim that covers it (no silent check of another
    formula), and each refuses a Ystar (both fix Y*)."""
    claim = get(claim_id)
    params = to_jsonable(get("k22.thm3").controls[1].fixed_instances()[0])
    params.pop("S")
    params = {**params, "model": "linear", "theta": [0.5], "X": [[1.0], [2.0]],
              "Y": [[0.0], [1.0]], "loss": other}
    with pytest.raises(BadInput, match=rf"^loss: {claim_id} is the .* use {covers}, or "
                                       r"k22\.thm3 for any loss$"):
        claim.parse(params)
    own = "squared" if claim_id == "k22.eq2.11" else "cross-entropy"
    assert claim.parse({**params, "loss": own})["loss"] == own
    with pytest.raises(BadInput, match=r"^Ystar: eq\. \(2\.1[12]\) fixes Y\* = "):
        claim.parse({**params, "loss": own, "Ystar": [[1.0], [1.0]]})


def test_eq211_inf_L_known_only_from_below_never_gives_violated():
    """(2.11) bounds min L by inf L + the term, and inf L >= L*(Y) = 0 is only a lower bound:
    on the quartic from theta_0 = 1 (local minimum 7731.91 > inf L = 3740.59) the verdict is
    inconclusive without a witness, and violated, certified, with the global minimiser."""
    claim = get("k22.eq2.11")
    inst = get("k22.eq2.11").controls[0].fixed_instances()[0]
    bare = {k: v for k, v in inst.items() if k != "witness"}
    v = claim.check(bare, drop="common-structure")
    assert v.status is Status.INCONCLUSIVE
    assert v.message.startswith(r"no witness; $\inf\mathcal L$ is only bounded below by "
                                r"$\mathcal L^*(Y)=0$")
    v = claim.check(inst, drop="common-structure")
    assert v.status is Status.VIOLATED and "an upper bound of the rhs" in v.certificate
    theta = inst["witness"][0]
    assert v.rhs == pytest.approx((theta**4 - 10 * theta**2 + 6 * theta + 100) ** 2, rel=1e-9)


def test_gap_strategy_rejected_draws_count_against_the_example(monkeypatch):
    """A rejected draw of Theorem 3's strategy (each costs a training run) counts against the
    example it was drawn for: at most ``ATTEMPTS`` candidates per example, then the fixed
    fallback instance, which meets every hypothesis. So max_examples bounds the runs under
    any seed (a filter let one seed of the thorough profile run twenty times another)."""
    from checks.runner import sample_instances

    fallback = theorem3._gap_fallback_instance("squared", "random", True, 1.0)
    assert theorem3._gap_accepts(fallback)
    calls = []
    monkeypatch.setattr(theorem3, "_gap_accepts", lambda inst: calls.append(inst) or False)
    drawn = list(sample_instances(get("k22.eq2.11").strategy("ci"), PROFILE, 2))
    assert len(drawn) == 2 and len(calls) == 2 * strat.ATTEMPTS
    for inst in drawn:
        assert inst == fallback and inst is not fallback
    with pytest.raises(Exception, match=r"^attempts must be an integer >= 1, got 0$"):
        strat.bounded_filter(st.just(1), bool, lambda: 1, attempts=0)


def test_prop1_eta_zero_violation_needs_an_exactly_zero_last_layer():
    """The printed Proposition 1 fails at eta = 0 only where f_X = 0 is certain: a zero last
    layer (nu = 0, so vec f_X = J nu = 0 exactly) is violated with that certificate; a last
    layer of 2^-1000 gives f_X != 0 whose norm underflows to 0, and there the quantitative
    form ||f_X - 0 Y|| >= 0 holds (the printed conclusion f_X != 0 Y is true)."""
    claim = get("k22.prop1")
    inst = claim.controls[0].fixed_instances()[0]
    v = claim.check(inst, drop="eta-nonzero")
    assert v.status is Status.VIOLATED and v.certificate.startswith(r"$\nu(\theta)=\theta_S=0$")
    theta = inst["theta"].copy()
    theta[k22.instance_model(inst).S] = 2.0**-1000
    v = claim.check({**inst, "theta": theta}, drop="eta-nonzero")
    assert v.status is Status.HOLDS and v.lhs == 0.0
    assert np.any(k22.instance_model(inst).forward(theta, inst["X"]) != 0.0)


def test_stationary_tolerance_covers_the_svd_error_of_s_min():
    """eqs (2.1)-(2.4): the right side divides by s_min(J), which a backward-stable SVD knows
    only to the noise floor delta = 10 max(p, q) u s_1; the tolerance carries rhs delta /
    (s_min - delta)."""
    from checks.runner import sample_instances

    claim = get("k22.eq2.1-2.4")
    for inst in sample_instances(claim.strategy("ci"), PROFILE, 3):
        J = k22.instance_model(inst).jacobian(inst["theta"], inst["X"])
        s = np.linalg.svd(J, compute_uv=False)
        delta = 10 * max(J.shape) * 2.0**-53 * s[0]
        v = claim.check(inst)
        assert v.tolerance >= v.rhs * delta / (s[-1] - delta)


@pytest.mark.parametrize("seed", range(4))
def test_coef_norm_error_bounds_the_change_under_an_svd_sized_perturbation(seed):
    """||beta-hat|| = ||J_r^+ b|| enters the bounds of Theorems 2-3; the SVD knows it only up
    to a perturbation of J of size delta. Perturbing J by delta in a random direction moves
    the coefficient norm by no more than Membership.coef_norm_error() (Wedin)."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    V, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    J = U[:, :5] @ np.diag(np.logspace(0, -6, 5)) @ V.T
    b = J @ rng.standard_normal(5) + 1e-9 * rng.standard_normal(8)
    m = al.membership(b, J=J)
    E = rng.standard_normal(J.shape)
    E *= m.delta / np.linalg.norm(E, 2)
    moved = al.membership(b, J=J + E)
    assert moved.rank == m.rank
    assert abs(moved.coef_norm - m.coef_norm) <= m.coef_norm_error()


@pytest.mark.parametrize("relation", ["permute_hidden_units", "rotate_inputs"])
def test_alignment_relations_move_theta_and_keep_f_and_the_spectrum_of_J(relation):
    """Relabelling hidden units and rotating the inputs change theta (and X) but not f_X, and
    multiply J by an orthogonal matrix: the same outputs and singular values; an explicit S
    is carried to the same parameters."""
    inst = strat.build_mlp_instance(3, 6, 3, [5, 4], 1, "tanh", "squared", "random", 1.0)
    inst["S"] = list(k22.instance_model(inst).S)[::-1]
    new = getattr(strat, relation)(inst, np.random.default_rng(1))
    assert not np.array_equal(new["theta"], inst["theta"])
    a, b = k22.instance_model(inst), k22.instance_model(new)
    assert np.allclose(b.forward(new["theta"], new["X"]), a.forward(inst["theta"], inst["X"]),
                       rtol=1e-12, atol=1e-13)
    s_a = np.linalg.svd(a.jacobian(inst["theta"], inst["X"]), compute_uv=False)
    s_b = np.linalg.svd(b.jacobian(new["theta"], new["X"]), compute_uv=False)
    assert np.allclose(s_a, s_b, rtol=1e-10, atol=1e-13 * s_a[0])
    assert sorted(new["S"]) == sorted(inst["S"])  # the last layer maps onto itself


def test_stationary_tolerance_covers_the_gradient_rounding_near_a_stationary_point():
    """eqs (2.1)-(2.4) at an exact stationary point (targets = the net's outputs, then the
    inputs rotated, so f - Y is rounding only): the computed right side is rounding noise
    of the gradient, and the tolerance covers it, so the relative slack is the exact one's."""
    inst = strat.build_mlp_instance(4, 4, 2, [6], 1, "tanh", "squared", "random", 1.0)
    inst = {**inst, "Y": k22.instance_model(inst).forward(inst["theta"], inst["X"]), "eta": 0.0}
    claim = get("k22.eq2.1-2.4")
    exact = claim.check(inst)
    assert exact.rhs == 0.0
    for seed in range(5):
        v = claim.check(strat.rotate_inputs(inst, np.random.default_rng(seed)))
        assert v.status is Status.HOLDS
        assert v.rhs <= v.tolerance
        assert abs(v.relative_slack - exact.relative_slack) <= v.tolerance / abs(v.lhs)


@pytest.mark.parametrize(("f", "inf"), [
    (lambda e: math.log1p(math.exp(-e)) + 0.1 * abs(e), math.log1p(1 / 9) + 0.1 * math.log(9)),
    (lambda e: math.log1p(math.exp(-e)) + 0.6 * abs(e), math.log(2.0)),  # a kink at 0
    (lambda e: math.log1p(math.exp(-e)) + 0.3, 0.3),  # not attained
])
def test_convex_infimum_brackets_the_closed_form(f, inf):
    """The infimum over eta of log(1 + e^-eta) + c |eta| (eq. 2.12's shape): interior
    minimiser eta = log(1/c - 1), a kink at 0 when c >= 1/2, and an infimum approached only as
    eta -> infinity; the returned (upper, lower) bracket the closed form, within 1e-8."""
    _, upper, lower = al.convex_infimum(f)
    assert lower <= inf <= upper
    assert upper - lower <= 1e-8


def test_eq212_takes_the_infimum_over_all_eta():
    """(2.12)'s right side is inf over eta of (2.10)'s: never above (2.10) at any eta of a fine
    grid, and within the recorded tolerance of the grid's best."""
    from checks.runner import sample_instances

    claim = get("k22.eq2.12")
    for inst in sample_instances(claim.strategy("ci"), PROFILE, 2):
        v = claim.check(inst)
        grid = [k22.gap_sides(inst, e)["rhs"] for e in np.linspace(0.0, 12.0, 241)]
        assert v.rhs <= min(grid)
        assert min(grid) - v.rhs <= 0.05 * min(grid)


def test_stationary_strategy_rejected_draws_count_against_the_example(monkeypatch):
    """eqs (2.1)-(2.4): a drawn descent that ends without certified full row rank counts
    against its example (at most ATTEMPTS descents, then the fixed fallback, which meets the
    hypothesis)."""
    from checks.runner import sample_instances

    fallback = section2_1._stationary_fallback()
    assert get("k22.eq2.1-2.4").failed_hypotheses(fallback) == {}
    calls = []
    monkeypatch.setattr(section2_1, "_full_rank", lambda inst: calls.append(inst) and False)
    drawn = list(sample_instances(get("k22.eq2.1-2.4").strategy("ci"), PROFILE, 1))
    assert len(drawn) == 1 and len(calls) == strat.ATTEMPTS
    assert drawn[0]["theta"] is fallback["theta"]


# ------------------------------------------------------------ controls, parameters, costs
SECTION2 = [k22.ASM1, k22.DEF2, k22.STATIONARY, k22.PROP1, k22.LIMIT, k22.THM3, k22.EQ211,
            k22.EQ212]


@pytest.mark.parametrize("claim", SECTION2, ids=lambda c: c.id)
def test_parameters_name_every_key_the_parser_reads(claim):
    assert_parameters_name_every_key_the_parser_reads(claim)


@pytest.mark.parametrize(("claim_id", "key"), [
    ("k22.thm2", "steps"), ("k22.thm3", "T_set"), ("k22.eq2.11", "T_set")])
def test_cost_grows_with_the_work(claim_id, key):
    assert_cost_grows_with_the_work(claim_id, key)


# ------------------------------------------------------------ parsers, strategies, formulas
def test_k22_thm2_parse_limit_bounds_and_defaults():
    """k22.thm2 (``parse_limit``): ``steps`` in [1, 100000]; ``step_size`` > 0; ``epsilon``
    in (0, 2) (step rule (i)), default 1e-3; ``eta`` default 1 (kills moved bounds and
    defaults)."""
    claim = get("k22.thm2")
    params = control_params("k22.thm2", "quartic")
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
    params = (control_params("k22.eq2.12", "misaligned-linear-ce") if claim_id == "k22.eq2.12"
              else control_params("k22.thm3", "quartic"))
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
                settings=FIND)
    assert len(_hidden(inst)) <= 3 and max(_hidden(inst)) <= 16


def _mlp(**extra):
    """k22 parameters of a [1, 2, 1] tanh net on two samples (d = 7)."""
    return {"model": "mlp", "widths": [1, 2, 1], "activation": "tanh", "theta": [0.1] * 7,
            "X": [[0.0], [1.0]], "Y": [[1.0], [0.0]], "loss": "squared", **extra}


def test_k22_base_parser():
    """k22 instances: widths run from m_x to m_y with >= 2 entries of >= 1; theta has d
    entries; X and Y have the same rows; cross-entropy labels in {0, 1}, logistic in
    {-1, 1}; S indices in 0..d-1; output 'linear' by default; non-mlp models have m_y = 1."""
    inst = accepts("k22.asm1", _mlp())
    assert inst["output"] == "linear" and "S" not in inst
    assert accepts("k22.asm1", _mlp(S=[0, 6]))["S"] == [0, 6]
    assert accepts("k22.asm1", _mlp(loss="cross-entropy"))["loss"] == "cross-entropy"
    assert accepts("k22.asm1", _mlp(output="tanh"))["output"] == "tanh"
    assert accepts("k22.asm1", _mlp(loss="logistic", Y=[[1.0], [-1.0]]))["loss"] == "logistic"
    lin = {"model": "linear", "theta": [1.0], "X": [[0.0]], "Y": [[1.0]], "loss": "squared"}
    assert accepts("k22.asm1", lin)["theta"].size == 1
    for p in (_mlp(S=[7]), _mlp(S=[-1]), _mlp(widths=[1]), _mlp(widths=[2, 2, 1]),
              _mlp(widths=[1, 2, 2]), _mlp(widths=[1, 0, 1], theta=[0.1]),
              _mlp(theta=[0.1] * 6), _mlp(Y=[[1.0]]), _mlp(loss="cross-entropy", Y=[[2.0], [0.0]]),
              _mlp(loss="logistic"), _mlp(loss="hinge"), _mlp(activation="relu"),
              _mlp(output="relu"), {**lin, "Y": [[1.0, 2.0]]}, {**lin, "model": "cubic"}):
        rejects("k22.asm1", p)


def test_k22_eta_defaults():
    """k22 eqs (2.1)-(2.4) take eta = 1 by default; Proposition 1 needs its eta."""
    assert accepts("k22.eq2.1-2.4", _mlp())["eta"] == 1.0
    assert accepts("k22.prop1", _mlp(eta=-2.0))["eta"] == -2.0
    rejects("k22.prop1", _mlp())


def test_k22_asm1_tolerance_is_gamma_k_of_the_euler_scale():
    """Assumption 1: the residual is ||vec f - J nu||_inf with nu = theta on the last layer
    (its weights and biases) and 0 elsewhere, and the tolerance gamma_k (||f||_inf +
    max|J| ||nu||_1) with k = 2 (d + sum of widths), recomputed here."""
    inst = strat.build_mlp_instance(3, 5, 2, [4, 3], 2, "tanh", "squared", "random", 1.0)
    model = k22.instance_model(inst)
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
    tol = gamma(k) * (np.max(np.abs(F)) + np.max(np.abs(J)) * np.sum(np.abs(nu)))
    assert v.tolerance == pytest.approx(tol, rel=1e-12, abs=0)


def test_k22_size_reports_n_m_y_and_d():
    """k22 ledger sizes: n samples, m_y outputs and d = the number of parameters."""
    inst = strat.build_mlp_instance(1, 6, 2, [3], 2, "tanh", "squared", "random", 1.0)
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
    model = k22.instance_model(inst)
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
    e_f = gamma(k) * (np.linalg.norm(F) + s[0] * np.linalg.norm(inst["theta"]))
    v_norm = np.linalg.norm(2.0 / 3 * (F - inst["Y"]))
    e_g = s[0] * (2.0 / 3 * e_f + gamma(inst["theta"].size) * v_norm)
    tol = (gamma(3 + k) * (abs(L) + abs(v.lhs - L) + v.rhs) + v.rhs * delta / (s_min - delta)
           + e_g * dist / (s_min - delta))
    assert v.tolerance == pytest.approx(tol, rel=1e-9, abs=0)


def build_net(seed, n, m_x, hidden, m_y, loss="squared"):
    return strat.build_mlp_instance(seed, n, m_x, hidden, m_y, "tanh", loss, "random",
                                              1.0)


# ------------------------------------------- multiclass: softmax cross-entropy, m_y > 1
SOFTMAX = "softmax-cross-entropy"


def _softmax_params(**changes):
    inst = strat.build_mlp_instance(1, 3, 2, [8], 3, "tanh", SOFTMAX, "random", 1.0)
    return {**to_jsonable(inst), **changes}


@pytest.mark.parametrize("Y,match", [
    ([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], r"one-hot rows .* row 0 is "),
    ([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]], r"one-hot rows .* row 1 is "),
    ([[0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], r"one-hot rows .* row 0 is "),
])
def test_softmax_labels_that_are_not_one_hot_rows_are_bad_input(Y, match):
    with pytest.raises(BadInput, match=rf"^Y: the softmax-cross-entropy loss needs {match}") as e:
        get("k22.def2").parse(_softmax_params(Y=Y))
    assert "\n" not in str(e.value)


def test_softmax_with_one_class_is_bad_input_naming_the_binary_loss():
    params = _softmax_params(Y=[[1.0], [0.0], [1.0]], widths=[2, 8, 1])
    params["theta"] = params["theta"][: strat.n_params([2, 8, 1])]
    with pytest.raises(BadInput, match=r"^Y: the softmax-cross-entropy loss needs m_y >= 2 "
                                       r"classes .* got m_y = 1; use cross-entropy"):
        get("k22.def2").parse(params)


def test_softmax_one_hot_labels_of_more_classes_than_outputs_are_bad_input():
    """A one-hot row naming a class the net has no output for (4 columns, 3 outputs)."""
    Y = [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]
    with pytest.raises(BadInput, match=r"^widths \[2, 8, 3\] must run from m_x = 2 to m_y = 4"):
        get("k22.def2").parse(_softmax_params(Y=Y))


def test_every_claim_that_takes_a_loss_parses_softmax_but_eq211():
    params = _softmax_params()
    run = {"alpha": 0.5, "L": 1.0, "T_set": [0, 1]}
    for claim_id, extra in [("k22.asm1", {}), ("k22.def2", {}), ("k22.eq2.1-2.4", {}),
                            ("k22.prop1", {"eta": 1.0}),
                            ("k22.thm2", {"step_size": 0.1, "steps": 3}),
                            ("k22.thm3", run), ("k22.eq2.12", run)]:
        assert get(claim_id).parse({**params, **extra})["loss"] == SOFTMAX, claim_id
    with pytest.raises(BadInput, match=r"^loss: k22\.eq2\.11 is the squared-loss corollary "
                                       r"\(2\.11\); for softmax-cross-entropy use k22\.eq2\.12, "
                                       r"or k22\.thm3 for any loss$"):
        get("k22.eq2.11").parse({**params, **run})


@settings(max_examples=8, deadline=None, database=None)
@given(strat.multiclass_instances())
def test_def2_holds_on_multiclass_draws(inst):
    """Over-parameterised nets (d >= 2 n m_y) with random one-hot labels: vec(2Y - 1) is in
    Col(J) wherever the hypothesis (certified full row rank) is met."""
    claim = get("k22.def2")
    assert inst["loss"] == SOFTMAX and inst["Y"].shape[1] in (2, 3)
    assert np.array_equal(inst["Y"].sum(axis=1), np.ones(inst["Y"].shape[0]))
    v = claim.check(inst)
    assert v.status is (Status.HOLDS if not claim.unmet_hypotheses(inst)
                        else Status.OUT_OF_SCOPE), v.message


def test_def2_multiclass_control_is_violated_with_random_one_hot_labels():
    """d < n m_y with random one-hot labels: vec(Y') is certified outside Col(J)."""
    claim = get("k22.def2")
    control = next(c for c in claim.controls if c.name == "underparameterised-multiclass")
    for inst in control.fixed_instances():
        assert inst["loss"] == SOFTMAX and inst["theta"].size < inst["Y"].size
        assert claim.check(inst).status is Status.OUT_OF_SCOPE
        v = claim.check(inst, drop=control.drops)
        assert v.status is Status.VIOLATED and v.certificate
        assert v.diagnostics["byJ"]["rho"] > 0.1


@pytest.mark.parametrize("claim_id", ["k22.eq2.1-2.4", "k22.thm3", "k22.eq2.12"])
def test_claims_hold_on_their_multiclass_draws(claim_id):
    """The softmax branch of each strategy that has one: every drawn multiclass instance
    meets the hypotheses and holds."""
    from checks.runner import sample_instances

    claim = get(claim_id)
    seen = 0
    for inst in sample_instances(claim.strategy("ci"), PROFILE, 12):
        if inst["loss"] != SOFTMAX:
            continue
        seen += 1
        assert claim.check(inst).status is Status.HOLDS
    assert seen >= 1


def test_multiclass_strategy_refuses_fewer_than_two_classes():
    from hypothesis.errors import InvalidArgument

    @settings(max_examples=1, database=None, deadline=None)
    @given(strat.multiclass_instances(m_y=1))
    def draw(_):
        pass

    with pytest.raises(InvalidArgument, match=r"^softmax-cross-entropy needs m_y >= 2 classes, "
                                              r"got 1\b"):
        draw()


def test_edge_strategy_refuses_the_softmax_loss_it_cannot_draw():
    from hypothesis.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match=r"^edge instances have one output: loss must be "
                                              r"squared, cross-entropy or logistic, got "
                                              r"'softmax-cross-entropy'$"):
        strat.edge_mlp_instances(loss=SOFTMAX)


@pytest.mark.parametrize("loss", [SOFTMAX, "squared"])
def test_permute_classes_moves_each_output_with_its_target_column(loss):
    """Relabelling the classes permutes the columns of f_X and Y alike: the loss, the spectrum
    of J and the alignment verdict (with its residual) stay; S maps onto itself."""
    inst = strat.build_mlp_instance(8, 4, 2, [9], 3, "tanh", loss, "random", 1.0)
    inst["S"] = list(k22.instance_model(inst).S)[::-1]
    new = strat.permute_classes(inst, np.random.default_rng(2))
    p = [int(np.flatnonzero(np.all(new["Y"] == inst["Y"][:, [j]], axis=0))[0]) for j in range(3)]
    assert sorted(p) == [0, 1, 2] and not np.array_equal(new["Y"], inst["Y"])
    a, b = k22.instance_model(inst), k22.instance_model(new)
    F, G = a.forward(inst["theta"], inst["X"]), b.forward(new["theta"], new["X"])
    assert np.array_equal(G[:, p], F)  # the same numbers, only moved
    assert sorted(new["S"]) == sorted(inst["S"])
    L = tj.objective(a, loss, inst["theta"], inst["X"], inst["Y"])[0]
    assert tj.objective(b, loss, new["theta"], new["X"], new["Y"])[0] == pytest.approx(
        L, rel=16 * np.finfo(float).eps)
    before, after = get("k22.def2").check(inst), get("k22.def2").check(new)
    assert before.status is after.status is Status.HOLDS
    for v in (before, after):  # each residual below its own clear-gap threshold
        assert v.diagnostics["byJ"]["rho"] <= v.tolerance


def test_permute_classes_leaves_one_output_models_alone():
    inst = strat.build_mlp_instance(8, 4, 2, [5], 1, "tanh", "squared", "random", 1.0)
    new = strat.permute_classes(inst, np.random.default_rng(0))
    assert all(np.array_equal(new[k], inst[k]) for k in ("theta", "X", "Y"))


# ------------------------------------------------- relations: witness, targets, prose
@pytest.mark.parametrize("relation", ["permute_hidden_units", "rotate_inputs", "permute_classes"])
def test_alignment_relations_carry_the_witness_with_theta(relation):
    """A witness is a parameter vector (its loss bounds inf L from above, eq. (2.11)): a
    relation that relabels units, rotates the inputs or relabels the classes moves it exactly
    as it moves theta, so on the new instance it computes the same function as before."""
    inst = strat.build_mlp_instance(3, 6, 3, [5, 4], 2, "tanh", "squared", "random", 1.0)
    inst["witness"] = np.random.default_rng(7).standard_normal(inst["theta"].size)
    new = getattr(strat, relation)(inst, np.random.default_rng(3))  # no identity permutation
    assert not np.array_equal(new["witness"], inst["witness"])
    a, b = k22.instance_model(inst), k22.instance_model(new)
    before = a.forward(inst["witness"], inst["X"])
    after = b.forward(new["witness"], new["X"])
    if relation == "permute_classes":  # the outputs move with the columns of Y
        order = [int(np.flatnonzero((new["Y"] == inst["Y"][:, [j]]).all(axis=0))[0])
                 for j in range(inst["Y"].shape[1])]
        after = after[:, order]
    assert np.allclose(after, before, rtol=1e-12, atol=1e-13 * np.abs(before).max())


def test_scale_targets_multiplies_squared_loss_targets_by_a_power_of_two():
    """Under the squared loss the targets become 2^k Y with an integer k in [-20, 20] (an
    exact scaling, so membership of vec(Y) in Col(J) cannot change); labels of the other
    losses are returned unchanged."""
    inst = strat.build_mlp_instance(3, 6, 3, [5], 1, "tanh", "squared", "random", 1.0)
    ks = set()
    for seed in range(8):
        Y = strat.scale_targets(inst, np.random.default_rng(seed))["Y"]
        m, e = np.frexp(Y / inst["Y"])
        assert np.all(m == 0.5) and len(set(e.ravel())) == 1  # one exact power of two
        ks.add(int(e.ravel()[0]) - 1)
    assert ks <= set(range(-20, 21)) and ks != {0}
    labels = strat.build_mlp_instance(3, 6, 3, [5], 1, "tanh", "cross-entropy", "random", 1.0)
    assert np.array_equal(strat.scale_targets(labels, np.random.default_rng(0))["Y"],
                          labels["Y"])


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_alignment_relation_descriptions_continue_their_name_in_the_papers_notation(claim_id):
    """A relation is shown as 'relation NAME: description', so its description is a clause
    that does not start with a capital; relabelling hidden units keeps the network function, written
    $f$ as in Section 2 of the paper (and in the claims' own parameters), and permutes the
    columns of the Jacobian $J$."""
    claim = get(claim_id)
    for relation in claim.relations:
        assert not relation.description[0].isupper(), relation.name
    (hidden,) = [r for r in claim.relations if r.name == "permute-hidden-units"]
    assert "$f$ is the same function" in hidden.description
    assert "the columns of $J$ are permuted" in hidden.description


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_rotate_inputs_relation_says_J_turns_by_an_orthogonal_matrix_and_descent_is_equivariant(
        claim_id):
    """The rotate-inputs relation states, in plain words, that ``J`` is multiplied by an
    orthogonal matrix and that gradient descent is equivariant; the claims that run gradient
    descent (their slack is not compared) add, right after, why only the status is compared."""
    (rotate,) = [r for r in get(claim_id).relations if r.name == "rotate-inputs"]
    said = "$J$ is multiplied by an orthogonal matrix, gradient descent is equivariant"
    _, found, rest = rotate.description.partition(said)
    assert found, rotate.description
    if rotate.same_slack:
        assert rest == ""
    else:
        assert rest.startswith("; the claim runs gradient descent"), rest


@settings(max_examples=100, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(get("k22.eq2.1-2.4").edge_strategy("ci"))
def test_stationary_edge_strategy_draws_only_over_parameterised_nets(inst):
    """The edge instances of eqs (2.1)-(2.4) are over-parameterised nets (at least twice as
    many parameters as samples, for either loss), where ``lambda_min(J J^T) > 0`` is generic:
    the edges probe the numerics inside the theorem's hypothesis, not its absence."""
    assert inst["theta"].size >= 2 * inst["X"].shape[0]


def test_theorem2_strategy_runs_20_to_40_steps_under_ci_and_20_to_400_otherwise(monkeypatch):
    """Theorem 2's strategy draws the number of gradient-descent steps from ``[20, 40]`` under
    the ``ci`` profile and from ``[20, 400]`` under ``dev`` and ``thorough`` (the sizes it
    declares per tier)."""
    import hypothesis.strategies as hst

    bounds = []
    integers = hst.integers

    def spy(*args, **kwargs):
        bounds.append(args)
        return integers(*args, **kwargs)

    monkeypatch.setattr(hst, "integers", spy)
    for profile, hi in (("ci", 40), ("dev", 400), ("thorough", 400)):
        bounds.clear()
        get("k22.thm2").strategy(profile)
        assert [b for b in bounds if b[:1] == (20,)] == [(20, hi)], profile


@pytest.mark.parametrize(("claim_id", "why"), [
    ("k22.eq2.11", "(2.11) fixes eta = 1"), ("k22.eq2.12", "(2.12) takes the infimum over eta")])
def test_corollaries_refuse_another_eta_saying_why_and_naming_theorem3(claim_id, why):
    """(2.11) fixes eta = 1 and (2.12) takes the infimum over eta (k22 §2.4): an ``eta`` other
    than the default is refused in one line that says which of the two, and points to
    ``k22.thm3`` for a given eta."""
    params = (control_params("k22.eq2.12", "misaligned-linear-ce") if claim_id == "k22.eq2.12"
              else control_params("k22.thm3", "quartic"))
    with pytest.raises(BadInput) as refused:
        get(claim_id).parse({**params, "eta": 2.0})
    assert str(refused.value) == f"eta: {why}; use k22.thm3 for a given eta"


def test_assumption1_quartic_control_uses_s_equal_to_the_first_parameter():
    """The quartic control of Assumption 1 takes ``S = {1}`` (index 0), as its description
    says: the Euler residual is ``|f - theta f'|`` at ``theta = 1``, i.e. ``|97 + 10| = 107``
    for ``f = theta^4 - 10 theta^2 + 6 theta + 100``, not ``|f| = 97`` of an empty ``S``."""
    theta = sympy.Symbol("theta")
    f = theta**4 - 10 * theta**2 + 6 * theta + 100
    expected = float(abs((f - theta * sympy.diff(f, theta)).subs(theta, 1)))
    control = get("k22.asm1").controls[0]
    quartic = next(i for i in control.instances() if i["model"] == "quartic")
    v = section2_1.measure_asm1(quartic)
    assert v.diagnostics["|S|"] == 1
    assert v.diagnostics["euler_residual"] == pytest.approx(expected, rel=1e-12)
