"""Hardt & Ma (2017) §2 (:mod:`checks.papers.hm17_linear.section2`): Claim 2.3, Lemma 2.4,
eq. (2.3) and Theorem 2.2, at a point, along gradient descent, and where rounding hands the
decision to the exact tier."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parsing import accepts, rejects, residual_params
from roundtrip import assert_json_round_trip

import checks.papers.hm17_linear as mod
from checks.framework import Status
from checks.inputs import BadInput
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import sample_instances
from theory.models import linear_residual as lr
from theory.models.linear_residual import pl_sides
from theory.numerics import gamma, unit_roundoff

CI = get_profile("ci")


GOOD = {
    "R": [[1.0, 0.0], [0.0, 2.0]], "Sigma": [[1.0, 0.0], [0.0, 1.0]],
    "A": [[[0.1, 0.0], [0.0, 0.1]]], "tau": 0.5,
}


def test_eq23_is_tight_at_minus_tau_identity():
    """Equality in eq. (2.3) at A_i = -tau I, d = 1: the ratio is 1 to rounding."""
    inst = {"R": np.array([[2.0]]), "Sigma": np.array([[0.7]]),
            "A": [np.array([[-0.3]])] * 4, "tau": 0.3}
    verdict = get("hm17.eq2.3").check(inst)
    assert verdict.status is Status.HOLDS
    assert verdict.diagnostics["ratio"] == pytest.approx(1.0, abs=1e-13)


def test_eq23_strengthened_exponent_fails():
    """The exponent 2 ell - 2 cannot be lowered: at the equality instance, the bound with
    (1 - tau)^{2 ell - 4} exceeds the gradient norm."""
    inst = {"R": np.array([[2.0]]), "Sigma": np.array([[0.7]]),
            "A": [np.array([[-0.3]])] * 4, "tau": 0.3}
    s = pl_sides(inst["A"], inst["R"], inst["Sigma"], inst["tau"])
    stronger = s["coeff"] / (1 - 0.3) ** 2 * s["excess"]
    assert s["grad_sq"] < stronger * (1 - 1e-3)


def test_thm22_minus_identity_is_a_bad_critical_point():
    inst = {"R": np.array([[1.0, 0.3], [0.2, 2.0]]), "Sigma": np.eye(2),
            "A": [-np.eye(2)] * 2, "tau": 1.0}
    verdict = get("hm17.thm2.2").check(inst, drop="tau<1")
    assert verdict.status is Status.VIOLATED
    assert verdict.diagnostics["gradient_norm_sq"] == 0.0


def test_thm22_depth_one_minus_identity_not_critical():
    inst = {"R": np.array([[1.0, 0.3], [0.2, 2.0]]), "Sigma": np.eye(2),
            "A": [-np.eye(2)], "tau": 1.0}
    assert get("hm17.thm2.2").check(inst, drop="tau<1").status is Status.HOLDS


def test_claim23_out_of_scope_without_second_moment():
    inst = mod.CLAIM_2_3.controls[0].fixed_instances()[0]
    assert get("hm17.claim2.3").check(inst).status is Status.OUT_OF_SCOPE


def _gd_strategy():

    from checks.strategies.hm17_linear import gradient_descent_instances
    return gradient_descent_instances(d=st.integers(2, 3), ell=st.integers(2, 3), max_steps=800)


@settings(max_examples=5, deadline=None)
@given(_gd_strategy())
def test_thm22_holds_along_gradient_descent(inst):
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.status is Status.HOLDS, (verdict.message, verdict.diagnostics)
    dg = verdict.diagnostics
    assert dg["form"] == "gradient descent"
    assert dg["iterates_checked"] == dg["gd_steps_taken"] + 1  # never left the unit ball
    assert dg["max_ratio"] <= 1.0
    assert dg["gradient_norm_reached"] < dg["gradient_norm_start"]


def test_thm22_gd_json_round_trip():
    (instance,) = list(sample_instances(_gd_strategy(), CI, 1))
    assert_json_round_trip(get("hm17.thm2.2"), instance)


def test_thm22_gd_parse_requires_step():
    params = dict(GOOD, gd_steps=10)
    with pytest.raises(BadInput, match="gd_step"):
        get("hm17.thm2.2").parse(params)
    with pytest.raises(BadInput, match="gd_step"):
        get("hm17.thm2.2").parse(dict(params, gd_step=-1.0))


def test_thm22_gd_from_minus_identity_without_tau_lt_one():
    """A descent started at the bad critical point A_i = -I (tau = 1 dropped) never moves (the
    gradient is exactly zero) and is reported as a bad critical point."""
    claim = get("hm17.thm2.2")
    (start,) = claim.control("tau = 1").fixed_instances()
    inst = dict(start, gd_step=0.05, gd_steps=50)
    assert claim.check(inst).status is Status.OUT_OF_SCOPE
    verdict = claim.check(inst, drop="tau<1")
    assert verdict.status is Status.VIOLATED
    assert verdict.diagnostics["gd_steps_taken"] == 0


def _small_ball():

    from checks.strategies.hm17_linear import ball_instances, near_identity_instances
    return st.one_of(ball_instances(d=1, ell=st.integers(1, 5)),
                     ball_instances(d=st.integers(1, 3), ell=1),
                     near_identity_instances(d=1, ell=st.integers(1, 4)))


@settings(max_examples=15, deadline=None)
@given(_small_ball())
def test_eq23_and_thm22_hold_for_scalar_or_single_layer(inst):
    """The claims' strategies start at d = 2 and ell = 2 (there d = 1 with ell = 1, or tau = 0
    with d = 1, is an equality whatever A is, and its rounding noise would otherwise be shown
    as the tightest instance); the degenerate sizes are checked here."""
    for claim_id in ("hm17.eq2.3", "hm17.thm2.2"):
        verdict = get(claim_id).check(inst)
        assert verdict.status is Status.HOLDS, (claim_id, verdict.message, verdict.diagnostics)


def test_eq23_equality_family_is_tight_in_dimension_three():
    """The non-trivial equality family: A_i = -tau I, E = w v^T with v the bottom eigenvector
    of Sigma, d = 3, ell = 4: the ratio ||grad f||^2 / RHS is 1 to rounding."""
    rng = np.random.default_rng(5)
    Q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    Sigma = (Q * [0.3, 1.0, 2.5]) @ Q.T
    tau, ell = 0.6, 4
    A = [-tau * np.eye(3)] * ell
    R = (1 - tau) ** ell * np.eye(3) - np.outer(rng.standard_normal(3), Q[:, 0])
    verdict = get("hm17.eq2.3").check({"R": R, "Sigma": Sigma, "A": A, "tau": tau})
    assert verdict.status is Status.HOLDS
    assert verdict.diagnostics["ratio"] == pytest.approx(1.0, abs=1e-12)


def _exact_status(comparison, verdict):
    """The verdict the exact sides call for, or ``None`` where they are tied within the
    oracle's tolerance (then the float verdict may be holds or inconclusive)."""
    if abs(float(comparison.gap)) <= (verdict.tolerance or 0.0):
        return None
    return Status.HOLDS if comparison.sign >= 0 else Status.VIOLATED


def test_eq23_float_verdict_agrees_with_the_exact_decision_on_edge_draws():
    """On round numbers and exact ties (A_i = -tau I with E Sigma = lambda_min E, minimisers,
    the floating-point floor), eq. (2.3) is decided again in rational arithmetic at the radius
    the oracle used: where the exact sides are separated by more than the oracle's tolerance
    the float verdict is the exact one; where they are tied it is holds or inconclusive."""
    from hypothesis import HealthCheck

    from checks.strategies.hm17_linear import ball_edge_instances
    from theory import exact

    claim = get("hm17.eq2.3")
    seen = {"tie": 0, "separated": 0}

    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(ball_edge_instances())
    def run(inst):
        verdict = claim.check(inst)
        if verdict.status is Status.OUT_OF_SCOPE:
            return
        tau = verdict.diagnostics["tau_eff"]
        comparison = exact.eq23_comparison(inst["A"], inst["R"], inst["Sigma"], tau)
        expected = _exact_status(comparison, verdict)
        if expected is None:
            seen["tie"] += 1
            assert verdict.status in (Status.HOLDS, Status.INCONCLUSIVE), verdict
        else:
            seen["separated"] += 1
            assert verdict.status is expected, (verdict, comparison)

    run()
    assert seen["tie"] and seen["separated"]


def test_thm22_float_verdict_agrees_with_the_exact_decision_on_edge_draws():
    """Theorem 2.2's quantitative form f - C_opt <= ||grad f||^2 / (c lambda_min(Sigma)),
    c = 4 ell (1 - tau)^{2 ell - 2}, on the same edge draws: decided exactly, compared in
    relative terms (the oracle rescales Sigma by a power of two first); where the form is empty
    (lambda_min(Sigma) = 0 or f = C_opt) the theorem holds and so must the verdict."""
    import mpmath
    from hypothesis import HealthCheck

    from checks.strategies.hm17_linear import ball_edge_instances
    from theory import exact

    claim = get("hm17.thm2.2")
    seen = {"tie": 0, "separated": 0, "empty": 0}

    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(ball_edge_instances())
    def run(inst):
        verdict = claim.check(inst)
        if verdict.status is Status.OUT_OF_SCOPE:
            return
        A, R, Sigma = inst["A"], inst["R"], inst["Sigma"]
        tau = verdict.diagnostics["tau_eff"]
        ell = len(A)
        excess = exact.excess_risk(A, R, Sigma)
        weight = 4 * ell * (1 - exact.rational(tau)) ** (2 * ell - 2)
        lam = exact.lambda_min(Sigma)
        if excess == 0 or weight == 0 or exact.compare_lambda_min(Sigma, 0) <= 0:
            seen["empty"] += 1
            assert verdict.status is Status.HOLDS, verdict
            return
        comparison = exact.eq23_comparison(A, R, Sigma, tau)
        with mpmath.workdps(exact.DIGITS):
            lhs = mpmath.mpf(excess.p) / excess.q
            rhs = comparison.lhs / (mpmath.mpf(weight.p) / weight.q * lam)
            gap = abs(lhs - rhs) / max(lhs, rhs)
        room = verdict.tolerance / max(abs(verdict.lhs), abs(verdict.rhs))
        if gap <= room:
            seen["tie"] += 1
            assert verdict.status in (Status.HOLDS, Status.INCONCLUSIVE), verdict
        else:
            seen["separated"] += 1
            expected = Status.HOLDS if comparison.sign >= 0 else Status.VIOLATED
            assert verdict.status is expected, (verdict, comparison)

    run()
    assert seen["separated"] and seen["empty"]


def _minus_tau_ball(d, ell, tau, radius, sigma, w, row):
    """``A_i = -radius I`` with target ``R = P - w e_row^T``: with ``radius = tau`` and ``e_row``
    the bottom eigenvector of the diagonal ``Sigma``, eq. (2.3) is an equality."""
    A = [-radius * np.eye(d) for _ in range(ell)]
    P = np.eye(d)
    for Ai in A:
        P = (np.eye(d) + Ai) @ P
    return {"R": P - np.outer(w, np.eye(d)[row]), "Sigma": np.diag(sigma), "A": A, "tau": tau}


@pytest.mark.parametrize("claim_id", ["hm17.eq2.3", "hm17.thm2.2"])
def test_radius_within_rounding_of_tau_is_not_violated(claim_id):
    """The ball hypothesis accepts |||A||| up to tau + gamma_{4d} tau (rounding of the spectral
    norm), so the tolerance carries the matching error of (1 - tau)^{2 ell - 2}: at the
    equality case with tau = 1 - 2^-26 that error is 1e-7 relative, far above rounding."""
    tau = 1.0 - 2.0**-26
    inst = _minus_tau_ball(2, 3, tau, tau + 2.0**-51, [1.0, 0.5], [1.0, 0.5], 1)
    assert get("hm17.thm2.2").failed_hypotheses(inst) == {}
    verdict = get(claim_id).check(inst)
    assert verdict.status is Status.HOLDS, verdict


def test_thm22_near_critical_point_with_singular_sigma_is_not_a_bad_critical_point():
    """sigma_min(Sigma) = 0 empties the quantitative form; a gradient below its rounding bound
    is not a zero gradient: the exact tier finds it nonzero, so the conclusion is vacuous."""
    tau = 1.0 - 2.0**-26
    inst = _minus_tau_ball(2, 3, tau, tau, [1.0, 0.0], [1.0, 0.5], 0)
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.status is Status.HOLDS, verdict
    assert verdict.diagnostics["exact_gradient_norm_sq"] > 0


def test_thm22_gradient_zero_to_rounding_beyond_the_exact_tier_is_inconclusive():
    """Beyond the exact tier (``d = 4``) a gradient zero to rounding at positive excess is
    undecided, and the message says both why it looks bad and why it is not certified."""
    tau = 1.0 - 2.0**-26
    inst = _minus_tau_ball(4, 3, tau, tau, [1.0, 0.0, 0.0, 0.0], [1.0, 0.5, 0.0, 0.0], 0)
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.message.startswith("the gradient is zero to rounding"), verdict.message
    assert "an exactly zero gradient cannot be certified" in verdict.message


def test_thm22_tau_one_bad_critical_point_is_certified_in_rational_arithmetic():
    claim = get("hm17.thm2.2")
    (inst,) = claim.control("tau = 1").fixed_instances()
    verdict = claim.check(inst, drop="tau<1")
    assert verdict.status is Status.VIOLATED
    assert verdict.certificate.startswith(r"exact rational arithmetic: $\nabla f(A)=0$")


def test_eq23_left_undecided_by_rounding_is_decided_by_the_exact_tier():
    """At tau = the last float below 1 the partial products have sigma_min = 2^-53 and the
    float bound on ||grad f||^2 exceeds the value itself; rational arithmetic decides."""
    tau = float(np.nextafter(1.0, 0.0))
    inst = _minus_tau_ball(2, 3, tau, tau, [1.0, 0.5], [1.0, 0.5], 1)
    verdict = get("hm17.eq2.3").check(inst)
    assert verdict.status is Status.HOLDS
    assert verdict.diagnostics["decided_by"] == "exact tier (rational arithmetic)"
    assert verdict.diagnostics["float_verdict"].startswith("inconclusive")


def test_claim23_monte_carlo_violation_carries_a_statistical_certificate(monkeypatch):
    """A Monte Carlo tier that disagrees (here: an estimate shifted by 10 standard errors)
    while the exact tier agrees gives 'violated' whose certificate says it is statistical."""
    claim = get("hm17.claim2.3")
    (inst,) = list(sample_instances(claim.strategy("ci"), CI, 1))
    real = lr.monte_carlo_risk

    def shifted(*args):
        mean, se = real(*args)
        return mean + 10 * se, se

    monkeypatch.setattr(lr, "monte_carlo_risk", shifted)
    verdict = claim.check(inst)
    assert verdict.status is Status.VIOLATED
    assert "standard errors" in verdict.certificate and "false-alarm" in verdict.certificate


def test_eq23_tolerance_bounds_the_rounding_of_both_sides():
    """The derived tolerance of eq. (2.3) bounds what it claims to: the distance of the float
    sides from the exact ones (rational arithmetic, lambda_min(Sigma) to 50 digits), on
    generic and edge draws at the radius the oracle used."""
    from hypothesis import HealthCheck
    from hypothesis import strategies as hst

    from checks.strategies.hm17_linear import ball_edge_instances, ball_instances
    from theory import exact

    claim = get("hm17.eq2.3")

    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(hst.one_of(ball_instances(d=hst.integers(1, 3), ell=hst.integers(1, 3)),
                      ball_edge_instances()))
    def run(inst):
        verdict = claim.check(inst)
        if verdict.status is Status.OUT_OF_SCOPE or "decided_by" in verdict.diagnostics:
            return
        comparison = exact.eq23_comparison(inst["A"], inst["R"], inst["Sigma"],
                                           verdict.diagnostics["tau_eff"])
        error = abs(verdict.lhs - comparison.lhs) + abs(verdict.rhs - comparison.rhs)
        assert error <= verdict.tolerance, (error, verdict.tolerance)

    run()


def _float_minimiser(ell):
    """A_i alternating diag(-tau, tau) and diag(tau, -tau), tau = 1 - 2^-53: the float product
    P equals R = fl(P) exactly, so E computes to 0, while the exact E is not 0."""
    tau = float(np.nextafter(1.0, 0.0))
    A = [np.diag([-tau, tau]) if i % 2 == 0 else np.diag([tau, -tau]) for i in range(ell)]
    P = np.eye(2)
    for Ai in A:
        P = (np.eye(2) + Ai) @ P
    return {"R": P, "Sigma": 2.0**40 * np.eye(2), "A": A, "tau": tau}


def test_eq23_sides_computed_zero_at_the_rounding_floor_are_not_a_certified_holds():
    """Both float sides are 0 (E = P - R cancels exactly in float), but the tolerance bounds
    the true sides absolutely, so the float verdict is undecided: the exact tier decides small
    instances, larger ones are inconclusive (the old relative bound gave tolerance 0)."""
    from theory import exact

    small = _float_minimiser(1)
    assert not np.any(small["R"] - lr.residual_product(small["A"]))
    assert exact.excess_risk(small["A"], small["R"], small["Sigma"]) > 0
    verdict = get("hm17.eq2.3").check(small)
    assert verdict.diagnostics.get("decided_by") == "exact tier (rational arithmetic)"
    large = _float_minimiser(4)
    verdict = get("hm17.eq2.3").check(large)
    assert verdict.lhs == 0.0 and verdict.rhs == 0.0
    assert verdict.status is Status.INCONCLUSIVE and verdict.tolerance > 0


U = unit_roundoff()








def test_claim23_defaults_are_a_centred_distribution_with_seed_zero():
    """Claim 2.3 without ``x_mean``/``x_cov``/``seed``: ``x_mean`` is the zero vector of length
    ``d`` (the paper's centred x), no covariance is stored (it is derived from ``Sigma``), and
    the seed is 0. Kills mutants of the defaults (``np.zeros(None)``, other seeds)."""
    d = 3
    inst = accepts("hm17.claim2.3", residual_params(d))
    assert inst["x_mean"].shape == (d,) and not np.any(inst["x_mean"])
    assert "x_cov" not in inst
    assert inst["seed"] == 0


def test_claim23_seed_bounds():
    """``seed`` in ``[0, 2^63 - 1]``: both ends accepted, one beyond each rejected."""
    for seed in (0, 2**63 - 1):
        assert accepts("hm17.claim2.3", {**residual_params(), "seed": seed})["seed"] == seed
    for seed in (-1, 2**63):
        rejects("hm17.claim2.3", {**residual_params(), "seed": seed})


def test_thm22_gradient_descent_parameters_bounds_and_default():
    """Theorem 2.2's optional run: ``gd_steps`` in ``[0, 100000]`` (0 = only the start point),
    ``gd_step`` in ``[1e-12, 1e3]``, ``gd_rel_tol`` in ``[0, 1]`` defaulting to ``GD_REL_TOL =
    1e-5``; one key without the other is rejected. Kills boundary mutants of the parser."""
    base = {**residual_params(), "tau": 0.5}
    ok = {**base, "gd_steps": 0, "gd_step": 1e-12}
    inst = accepts("hm17.thm2.2", ok)
    assert inst["gd_steps"] == 0 and inst["gd_step"] == 1e-12
    assert inst["gd_rel_tol"] == mod.GD_REL_TOL == 1e-5
    assert accepts("hm17.thm2.2", {**ok, "gd_steps": 100_000, "gd_step": 1e3})["gd_steps"] \
        == 100_000
    for rel in (0.0, 1.0):
        assert accepts("hm17.thm2.2", {**ok, "gd_rel_tol": rel})["gd_rel_tol"] == rel
    for bad in ({"gd_steps": -1}, {"gd_steps": 100_001}, {"gd_step": 0.5e-12},
                {"gd_step": 1.01e3}, {"gd_rel_tol": -1e-9}, {"gd_rel_tol": 1.5}):
        rejects("hm17.thm2.2", {**ok, **bad})
    rejects("hm17.thm2.2", {**base, "gd_steps": 3})
    rejects("hm17.thm2.2", {**base, "gd_step": 0.1})
    assert "gd_steps" not in accepts("hm17.thm2.2", base)


def test_thm22_zero_step_run_checks_only_the_start_point():
    """``gd_steps = 0`` is a legal run: the profile has exactly the start point (kills the
    ``lo=1`` mutant from the measuring side as well)."""
    inst = accepts("hm17.thm2.2", {**residual_params(), "tau": 0.5, "gd_steps": 0,
                                     "gd_step": 0.01})
    run = mod.descent_profile(inst)
    assert len(run["rows"]) == 1 and run["rows"][0][0] == 0


def test_thm22_qualitative_rounding_bound_formula():
    """Theorem 2.2 where the quantitative form is vacuous (singular ``Sigma``: coefficient 0):
    the critical-point test uses ``4 gamma_{(ell+3)d+2} (prod ||I+A_i||_F + ||R||_F)^2
    ||Sigma||_F``. Recomputed here and compared with the reported rounding bound; kills
    arithmetic mutants of that scale (e.g. ``+`` -> ``-`` inside the square)."""
    d, ell = 2, 2
    rng = np.random.default_rng(3)
    A = [0.1 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = np.eye(d) + 0.3 * rng.standard_normal((d, d))
    Sigma = np.diag([0.75, 0.0])  # max entry in [1/2, 1): _unit_scaled leaves it unchanged
    verdict = get("hm17.thm2.2").measure({"A": A, "R": R, "Sigma": Sigma, "tau": 0.5})
    assert verdict.diagnostics["form"] == "qualitative"
    prod_F = math.prod(np.linalg.norm(np.eye(d) + Ai) for Ai in A)
    expect = gamma((ell + 3) * d + 2) * 4 * (prod_F + np.linalg.norm(R)) ** 2 \
        * np.linalg.norm(Sigma)
    assert verdict.diagnostics["rounding_bound"] == pytest.approx(expect, rel=1e-12, abs=0)
    # a generic point is not critical: the conclusion is vacuous (holds), and says so
    assert verdict.status is Status.HOLDS
    assert verdict.message == "not a critical point: the conclusion is vacuous"


def test_thm22_qualitative_exact_critical_point_holds():
    """At ``A_i = 0`` with ``R = I`` and ``Sigma = diag(1/2, 0)`` the point is exactly critical
    with zero excess: holds; with ``R = diag(1, 2)`` (``E Sigma = 0`` still, since the error sits
    in the null direction of ``Sigma``) the excess is 0 too. The qualitative branch must hold
    for both (a critical point with ``f = C_opt``)."""
    d = 2
    A = [np.zeros((d, d)), np.zeros((d, d))]
    Sigma = np.diag([0.5, 0.0])
    for R in (np.eye(d), np.diag([1.0, 2.0])):
        v = get("hm17.thm2.2").measure({"A": A, "R": R, "Sigma": Sigma, "tau": 0.5})
        assert v.diagnostics["form"] == "qualitative"
        assert v.status is Status.HOLDS and v.message == ""


def _product(A: list[np.ndarray]) -> np.ndarray:
    P = np.eye(A[0].shape[0])
    for Ai in A:
        P = (np.eye(len(P)) + Ai) @ P
    return P


def test_claim23_sides_tolerance_and_scale():
    """Claim 2.3 (eq. 2.4): the right side is ``tr(E Sigma E^T) + d`` with ``E = (I+A_ell)...
    (I+A_1) - R``; the tolerance is ``4 gamma_{4(ell+2)d+4} ((prod ||I+A_i||_F + ||R||_F)^2
    ||Sigma||_F + d)`` and the relative slack is taken against the formula. All recomputed;
    kills arithmetic mutants of the tolerance and the scale."""
    d, ell = 3, 2
    rng = np.random.default_rng(21)
    A = [0.2 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = np.eye(d) + 0.5 * rng.standard_normal((d, d))
    B = rng.standard_normal((d, d))
    Sigma = B @ B.T / d + 0.1 * np.eye(d)
    verdict = get("hm17.claim2.3").measure({"A": A, "R": R, "Sigma": Sigma,
                                             "x_mean": np.zeros(d), "seed": 0})
    E = _product(A) - R
    formula = float(np.trace(E @ Sigma @ E.T)) + d
    prod_F = math.prod(np.linalg.norm(np.eye(d) + Ai) for Ai in A)
    tol = 4 * gamma(4 * (ell + 2) * d + 4) * (
        (prod_F + np.linalg.norm(R)) ** 2 * np.linalg.norm(Sigma) + d)
    assert verdict.status is Status.HOLDS
    assert verdict.rhs == pytest.approx(formula, rel=1e-12, abs=0)
    assert verdict.lhs == pytest.approx(formula, rel=1e-12, abs=0)
    assert verdict.tolerance == pytest.approx(tol, rel=1e-12, abs=0)
    assert verdict.relative_slack == pytest.approx(verdict.slack / verdict.rhs, rel=1e-12, abs=0)



def test_descent_profile_excludes_an_iterate_on_the_unit_sphere():
    """Theorem 2.2 speaks about the open ball ``|||A||| < 1``: a start with ``|||A||| = 1``
    exactly (a diagonal slice whose largest entry is 1, a spectral norm computed exactly) is
    not evaluated, and the run is recorded as having left the unit ball."""
    params = residual_params(d=2, ell=2)
    A = [np.diag([1.0, 0.5]), np.zeros((2, 2))]
    assert lr.triple_norm(A) == 1.0
    inst = accepts("hm17.thm2.2", {**params, "A": [Ai.tolist() for Ai in A], "tau": 0.5,
                                     "gd_steps": 0, "gd_step": 0.01})
    run = mod.descent_profile(inst)
    assert run["rows"] == [] and run["left_unit_ball"]


@pytest.mark.parametrize("claim_id", ["hm17.eq2.3", "hm17.thm2.2"])
def test_unbounded_rounding_error_gives_a_tolerance_of_twice_the_larger_side(claim_id):
    """At ``tau`` = the last float below 1 the relative error of ``(1 - tau)^{2 ell - 2}`` is
    unbounded; beyond the exact tier (``d = 4``) the tolerance is twice the larger side, so
    the verdict is inconclusive for want of precision, never decided."""
    tau = float(np.nextafter(1.0, 0.0))
    inst = _minus_tau_ball(4, 3, tau, tau, [1.0, 0.5, 0.5, 0.5], [1.0, 0.5, 0.0, 0.0], 1)
    assert pl_sides(inst["A"], inst["R"], inst["Sigma"], tau)["rel_coeff"] == math.inf
    verdict = get(claim_id).check(inst)
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.tolerance == 2 * max(abs(verdict.lhs), abs(verdict.rhs))


def test_thm22_bad_critical_point_with_excess_below_rounding_is_certified_in_rational_arithmetic():
    """``A_i = -I`` (``ell = 2``, ``tau = 1`` dropped) is exactly critical; with ``R = e_1
    e_2^T`` and ``Sigma = diag(1, 2^-60)`` its excess ``tr(R Sigma R^T) = 2^-60`` lies far
    below the float rounding bound, yet it is positive: on a small instance the exact tier,
    not the float comparison, decides, and finds the bad critical point."""
    inst = {"A": [-np.eye(2)] * 2, "R": np.array([[0.0, 1.0], [0.0, 0.0]]),
            "Sigma": np.diag([1.0, 2.0**-60]), "tau": 1.0}
    verdict = get("hm17.thm2.2").check(inst, drop="tau<1")
    assert verdict.diagnostics["excess_risk"] <= verdict.diagnostics["rounding_bound"]
    assert verdict.status is Status.VIOLATED, verdict
    assert verdict.diagnostics["exact_excess_risk"] == 2.0**-60


def test_thm22_critical_point_at_the_global_minimum_beyond_the_exact_tier_holds():
    """``d = 4`` (beyond the exact tier), ``A_i = 0``, ``Sigma = diag(1/2, 0, 0, 0)``, ``R =
    diag(1, 2, 3, 4)``: the error ``I - R`` sits in the null space of ``Sigma``, so the
    gradient and ``f - C_opt`` are both exactly 0: a critical point with ``f = C_opt``, which
    the float comparison alone decides (holds), not left inconclusive."""
    d = 4
    inst = {"A": [np.zeros((d, d))] * 2, "R": np.diag([1.0, 2.0, 3.0, 4.0]),
            "Sigma": np.diag([0.5, 0.0, 0.0, 0.0]), "tau": 0.5}
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.diagnostics["form"] == "qualitative"
    assert verdict.status is Status.HOLDS and verdict.message == "", verdict


def test_thm22_descent_reports_the_plain_ratio_at_the_last_iterate():
    """Along gradient descent the diagnostic ``final_ratio`` is the plain ratio ``(f - C_opt)
    / bound_t`` at the last iterate, ``bound_t = ||grad f||^2 / (4 ell (1 - tau_t)^{2 ell - 2}
    sigma_min(Sigma))``. Recomputed for ``d = 1`` from the closed forms ``f - C_opt = sigma
    (p - r)^2``, ``df/da_i = 2 sigma (p - r) prod_{j != i} (1 + a_j)``, ``p = prod (1 + a_j)``,
    with five plain gradient steps."""
    a, r, sigma, step, steps = [0.1, 0.2], 2.0, 0.7, 0.05, 5

    def gradient(a):
        p = math.prod(1 + aj for aj in a)
        return [2 * sigma * (p - r) * p / (1 + ai) for ai in a]

    for _ in range(steps):
        a = [ai - step * gi for ai, gi in zip(a, gradient(a), strict=True)]
    excess = sigma * (math.prod(1 + aj for aj in a) - r) ** 2
    tau = max(abs(ai) for ai in a)
    bound = sum(g * g for g in gradient(a)) / (4 * 2 * (1 - tau) ** 2 * sigma)
    inst = {"A": [np.array([[0.1]]), np.array([[0.2]])], "R": np.array([[r]]),
            "Sigma": np.array([[sigma]]), "tau": 0.5, "gd_step": step, "gd_steps": steps}
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.diagnostics["gd_steps_taken"] == steps
    assert verdict.diagnostics["final_ratio"] == pytest.approx(excess / bound, rel=1e-10, abs=0)


def test_thm22_descent_ratio_is_infinite_where_the_bound_is_zero_at_positive_excess():
    """Along gradient descent, an iterate whose bound ``||grad f||^2 / (4 ell (1 - tau_t)^{2
    ell - 2} sigma_min)`` is 0 while ``f - C_opt > 0`` has an infinite plain ratio (it is
    screened into the full decision, which holds: the zero is the underflow of
    ``||grad f||^2``). ``d = 1``, ``sigma = 1e-300``: ``f - C_opt = sigma (p - r)^2 > 0`` but
    ``(df/da_i)^2 = (2 sigma (p - r) p / (1 + a_i))^2`` underflows to 0."""
    a, r, sigma = [0.1, 0.2], 2.0, 1e-300
    p = (1 + a[0]) * (1 + a[1])
    assert sigma * (p - r) ** 2 > 0
    assert all((2 * sigma * (p - r) * p / (1 + ai)) ** 2 == 0.0 for ai in a)
    inst = {"A": [np.array([[ai]]) for ai in a], "R": np.array([[r]]),
            "Sigma": np.array([[sigma]]), "tau": 0.5, "gd_steps": 2, "gd_step": 0.05}
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.status is Status.HOLDS, verdict
    assert verdict.diagnostics["max_ratio"] == math.inf
    assert verdict.diagnostics["final_ratio"] == math.inf


def test_thm22_along_descent_names_the_iterate_its_verdict_was_decided_at():
    """Along gradient descent the verdict is the point verdict (rounding-aware, with
    ``tau = |||A^(t)|||``) at one checked iterate; ``decided_at_iterate`` names that iterate, so
    re-deciding at it alone reproduces the verdict's slack."""
    claim = get("hm17.thm2.2")
    inst = claim.parse(dict(GOOD, gd_steps=20, gd_step=0.1))
    verdict = claim.measure(inst)
    t = verdict.diagnostics["decided_at_iterate"]
    assert 0 <= t < verdict.diagnostics["iterates_checked"]
    A_t = mod.descent_profile(inst)["iterates"][t]
    point = {k: v for k, v in inst.items() if not k.startswith("gd_")}
    at_t = claim.measure({**point, "A": A_t, "tau": lr.triple_norm(A_t)})
    assert at_t.status is verdict.status
    assert at_t.relative_slack == verdict.relative_slack


def test_claim23_monte_carlo_allowance_adds_rounding_to_five_standard_errors():
    """The Monte Carlo tier of Claim 2.3 compares within ``5 s/sqrt(n)`` *plus* the rounding
    bound of both sides. With ``x = 1`` deterministic and ``R = 10^15`` (``d = ell = 1``,
    ``A = 0``) the risk is ``(1 - R)^2 + 1 ~ 10^30``: the rounding bound ``~ 112 u 10^30``
    exceeds five standard errors ``~ 5 * 2|1 - R| / sqrt(n)``, so only the sum of the two
    can accept the estimate, and the claim holds."""
    claim = get("hm17.claim2.3")
    R = 1e15
    inst = claim.parse({"R": [[R]], "Sigma": [[1.0]], "A": [[[0.0]]], "x_mean": [1.0]})
    verdict = claim.check(inst)
    dg = verdict.diagnostics
    assert 5.0 * dg["monte_carlo_stderr"] < verdict.tolerance  # rounding dominates here
    assert verdict.status is Status.HOLDS, verdict.message


def test_claim23_monte_carlo_z_is_undefined_where_the_sample_overflows():
    """At ``R = 10^160`` every Monte Carlo loss overflows to ``inf``: the standard error is
    NaN, the verdict inconclusive, and the reported z-score is NaN (undefined), never a
    z-score of 0 that would claim agreement with the formula."""
    claim = get("hm17.claim2.3")
    inst = claim.parse({"R": [[1e160, 0.0], [0.0, 1e160]], "Sigma": [[1.0, 0.0], [0.0, 1.0]],
                        "A": [[[0.1, 0.0], [0.0, 0.1]]]})
    with np.errstate(over="ignore", invalid="ignore"):
        verdict = claim.check(inst)
    assert verdict.status is Status.INCONCLUSIVE
    dg = verdict.diagnostics
    assert math.isnan(dg["monte_carlo_stderr"])
    assert math.isnan(dg["monte_carlo_z"])
