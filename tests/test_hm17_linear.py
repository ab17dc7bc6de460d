"""Claims of Hardt & Ma (2017) Section 2: property tests over each claim's strategy, controls,
input validation, JSON round trips, and the Theorem 2.1 findings (paper recipe vs merged)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from roundtrip import assert_json_round_trip, holds_on_strategy

import checks.papers.hm17_linear as mod
from checks.framework import Status
from checks.inputs import BadInput
from checks.profiles import get_profile
from checks.registry import all_claims, get
from checks.runner import run_control, sample_instances
from theory.constructions import hm17_factorisation as fac
from theory.models import linear_residual as lr

IDS = ["hm17.claim2.3", "hm17.lem2.4", "hm17.thm2.1", "hm17.propA.psd", "hm17.thm2.2",
       "hm17.eq2.3", "hm17.rem1.1", "hm17.claimA.1", "hm17.claimC.1", "hm17.claimC.2"]
CI = get_profile("ci")


def test_registered_ids():
    assert sorted(c.id for c in mod.CLAIMS) == sorted(IDS)
    assert {c.id for c in all_claims("hm17.")} >= set(IDS)
    assert all(c.paper == "hm17" and c.controls for c in mod.CLAIMS)


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_holds_on_its_strategy(claim_id):
    holds_on_strategy(claim_id, 8)()


CONTROLS = [(c.id, k.name) for c in mod.CLAIMS for k in c.controls]


@pytest.mark.parametrize(("claim_id", "control"), CONTROLS)
def test_control_is_violated(claim_id, control):
    claim = get(claim_id)
    run = run_control(claim, claim.control(control), CI)
    assert run.passed
    assert run.verdict["status"] == "violated"


@pytest.mark.parametrize("claim_id", IDS)
def test_json_round_trip(claim_id):
    claim = get(claim_id)
    (instance,) = list(sample_instances(claim.strategy("ci"), CI, 1))
    assert_json_round_trip(claim, instance)


GOOD = {
    "R": [[1.0, 0.0], [0.0, 2.0]], "Sigma": [[1.0, 0.0], [0.0, 1.0]],
    "A": [[[0.1, 0.0], [0.0, 0.1]]], "tau": 0.5,
}
BAD = [
    ("hm17.claim2.3", {"R": [[1.0, 0.0]], "Sigma": GOOD["Sigma"], "A": GOOD["A"]}, "square"),
    ("hm17.claim2.3", dict(GOOD, A=[[[0.1, 0.0, 0.0]] * 3]), r"A\[0\]"),
    ("hm17.claim2.3", dict(GOOD, x_mean=[1.0, 2.0, 3.0]), "x_mean"),
    ("hm17.lem2.4", dict(GOOD, Sigma=[[1.0, float("nan")], [0.0, 1.0]]), "NaN"),
    ("hm17.lem2.4", dict(GOOD, reading="upside-down"), "reading"),
    ("hm17.eq2.3", {k: v for k, v in GOOD.items() if k != "tau"}, "tau"),
    ("hm17.thm2.2", dict(GOOD, tau="half"), "tau"),
    ("hm17.thm2.1", {"R": GOOD["R"], "ell": 2.5}, "ell"),
    ("hm17.propA.psd", {"R": [[1.0]]}, "ell"),
    ("hm17.rem1.1", {"R": GOOD["R"], "Sigma": [[1.0]], "ell": 2}, "Sigma"),
    ("hm17.claimA.1", {"Q": [[1.0, 0.0, 0.0]] * 3, "q": 2}, "Q"),
    ("hm17.claimC.1", {"U": [1.0, 2.0]}, "U"),
    ("hm17.claimC.2", {"A": [[1.0, 0.0], [0.0, 1.0]], "B": [[1.0]]}, "B"),
]


@pytest.mark.parametrize(("claim_id", "params", "word"), BAD)
def test_parse_rejects_malformed(claim_id, params, word):
    with pytest.raises(BadInput, match=word):
        get(claim_id).parse(params)


# ------------------------------------------------------------ claim-specific behaviour

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
    s = mod.section2._pl_sides(inst)
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


HARD_TARGETS = {
    "-I4": (-np.eye(4), [5, 6, 13]),
    "rotation by pi": (np.array([[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 2.0]]), [3, 5, 9]),
    "orthogonal (gamma = 0)": (np.array([[0.0, -1.0], [1.0, 0.0]]), [1, 4, 8]),
    "two reflections": (np.diag([-1.0, -1.0, 1.5]) @ np.array(
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]]), [4, 7]),
}


@pytest.mark.parametrize("name", list(HARD_TARGETS))
def test_thm21_hard_cases(name):
    R, ells = HARD_TARGETS[name]
    claim = get("hm17.thm2.1")
    for ell in ells:
        verdict = claim.check({"R": R, "ell": ell})
        assert verdict.status is Status.HOLDS, (ell, verdict.message, verdict.diagnostics)


def test_thm21_ell_just_above_three_gamma():
    R = np.diag([math.exp(2.1), 1.0, math.exp(-1.0)])
    ell = 7  # 3 gamma = 6.3
    claim = get("hm17.thm2.1")
    assert claim.check({"R": R, "ell": ell}).status is Status.HOLDS
    assert claim.check({"R": R, "ell": ell - 1}).status is Status.OUT_OF_SCOPE


def test_thm21_paper_recipe_exceeds_bound_merged_does_not():
    """Our finding (hm17.thm2.1's note): the printed recipe with integer p, q (ell = 4q + p, p >= 1)
    exceeds the bound, e.g. R = -diag(1.05, 1): whatever signs the SVD picks, one of U, V^T
    is -I (a rotation by pi); ell = 12 forces q = 2, p = 4 and 2 sin(pi/4) = 1.41 >
    (4 pi + 3 log 1.05)/12 ~ 1.06. The merged construction stays below the bound."""
    R = -np.diag([1.05, 1.0])
    verdict = get("hm17.thm2.1").check({"R": R, "ell": 12})
    assert verdict.status is Status.HOLDS
    expected = 2 * math.sin(math.pi / 4) / ((4 * math.pi + 3 * math.log(1.05)) / 12)
    assert verdict.diagnostics["paper_recipe_ratio"] == pytest.approx(expected, rel=1e-12)
    assert expected > 1.33
    assert verdict.diagnostics["construction_ratio"] < 0.65


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


def test_claimC1_rotation_by_pi_repeated():
    """-I_4 and a rotation by pi repeated: real eigenvalues -1, 1 x 1 blocks, block diagonal."""
    verdict = get("hm17.claimC.1").check({"U": -np.eye(4)})
    assert verdict.status is Status.HOLDS



def test_claimC1_henrici_allowance_against_exact_departure():
    """The allowance bounds the off-block entry of every matrix with a given commutator:
    for ``[[1, e], [0, 1]]`` the exact commutator is ``diag(e^2, -e^2)`` (max entry ``e^2``)
    and the real Schur form's off-block entry is ``e`` itself."""
    for e in (1e-3, 0.1, 1.0, 7.0):
        assert e <= mod.appendix_c._henrici_allowance(2, e * e, 0.0)
    # and for d = 3: the all-ones upper triangle, exact commutator computed in integers
    J = np.triu(np.ones((3, 3)))
    c = float(np.max(np.abs(J @ J.T - J.T @ J)))  # small integers: exact
    S, D, blocks = fac.real_block_form(J)
    off = max(abs(D[i, j]) for i in range(3) for j in range(3) if i != j)
    assert off <= mod.appendix_c._henrici_allowance(3, c, 0.0)


def test_claimC1_undecidable_normality_is_inconclusive_decidable_is_violated():
    """Below the commutator's rounding bound a Jordan-like block is inconclusive; once the
    commutator certifies non-normality (hypothesis dropped) the same shape is violated."""
    claim = get("hm17.claimC.1")
    near = claim.check({"U": np.array([[1.0, 1e-9], [0.0, 1.0]])})
    assert near.status is Status.INCONCLUSIVE, near.message
    far = claim.check({"U": np.array([[1.0, 1e-6], [0.0, 1.0]])}, drop="U normal")
    assert far.status is Status.VIOLATED, far.message


def test_claimC1_and_C2_are_scale_invariant_at_the_range_ends():
    """Exact power-of-two rescaling: the verdict at 2^+-1000 is the verdict at 1."""
    Q = np.linalg.qr(np.random.default_rng(5).standard_normal((3, 3)))[0]
    for k in (-1000, 1000):
        assert get("hm17.claimC.1").check({"U": np.ldexp(Q, k)}).status is Status.HOLDS
    A = np.diag([1.0, 0.5, 0.25])
    B = np.array([[0.0], [0.0], [1.0]])  # equality: ||AB||_F = sigma_min ||B||_F
    for k in (-1060, -540, 0, 1000):
        verdict = get("hm17.claimC.2").check({"A": np.ldexp(A, k), "B": B})
        assert verdict.status is Status.HOLDS, (k, verdict.message)


# ------------------------------------------------------------ Theorem 2.2 along gradient descent

def _gd_strategy():
    from hypothesis import strategies as st

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


def test_thm22_gd_reproduction_reaches_critical_point():
    out = get("hm17.thm2.2").reproductions[0].run("ci")
    excess, bound = (s["y"] for s in out["series"])
    assert out["logy"] and len(excess) == len(bound) > 50
    assert all(e <= b for e, b in zip(excess, bound, strict=True))
    assert excess[-1] < 1e-10 * excess[0]
    assert out["ours"].startswith("holds")


def test_thm22_gd_from_minus_identity_without_tau_lt_one():
    """A descent started at the bad critical point A_i = -I (tau = 1 dropped) never moves (the
    gradient is exactly zero) and is reported as a bad critical point."""
    inst = dict(mod.section2._minus_identity(2, 3, -1.0, 1.0, np.array([[1.0, 0.3], [0.2, 2.0]])),
                gd_step=0.05, gd_steps=50)
    claim = get("hm17.thm2.2")
    assert claim.check(inst).status is Status.OUT_OF_SCOPE
    verdict = claim.check(inst, drop="tau<1")
    assert verdict.status is Status.VIOLATED
    assert verdict.diagnostics["gd_steps_taken"] == 0


# ------------------------------------------------------------ eq. (2.3): d = 1 or ell = 1

def _small_ball():
    from hypothesis import strategies as st

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


# ------------------------------------------------------------------ exact tier (eq. (2.3))

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
    tau = 1.0 - 2.0**-26
    inst = _minus_tau_ball(4, 3, tau, tau, [1.0, 0.0, 0.0, 0.0], [1.0, 0.5, 0.0, 0.0], 0)
    verdict = get("hm17.thm2.2").check(inst)
    assert verdict.status is Status.INCONCLUSIVE
    assert "cannot be certified" in verdict.message


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


@pytest.mark.parametrize("k", [-40, 40])
def test_psd_factorisation_certificate_scales_with_R(k):
    """The product residual's bound is homogeneous of degree 1 in the scale of R, as the
    residual is: R = 2^k I, the ell-th roots' product is certified (it was refused at 2^-40,
    where a bound quadratic in ||R|| fell below the rounding of the product)."""
    R = 2.0**k * np.eye(2)
    ell = math.ceil(3 * abs(k) * math.log(2))
    verdict = get("hm17.propA.psd").check({"R": R, "ell": ell})
    assert verdict.status is Status.HOLDS, verdict


def test_thm21_ill_conditioned_target_is_inconclusive_not_out_of_scope():
    """det R > 0 is decided exactly: R = diag(2^40, 2^-40) meets it; its singular values are
    beyond a float SVD's relative accuracy, so the oracle says inconclusive."""
    R = np.diag([2.0**40, 2.0**-40])
    verdict = get("hm17.thm2.1").check({"R": R, "ell": 84})
    assert verdict.status is Status.INCONCLUSIVE
    assert "cannot be trusted" in verdict.message


def test_thm21_det_negative_violation_is_certified_exactly():
    claim = get("hm17.thm2.1")
    (inst,) = claim.control("det R < 0").fixed_instances()
    verdict = claim.check(inst, drop="det R > 0")
    assert verdict.status is Status.VIOLATED
    assert verdict.certificate.startswith(r"$\det R<0$ (rational arithmetic")


def test_rem11_gradient_tolerance_is_degree_one_in_R():
    """At W = 0 with ell = 1 the gradient is -2 R Sigma, nonzero: with R = 2^40 R0 it stays
    beyond its rounding bound (degree 1 in R), so the control is still violated, not hidden
    under the gap's bound (degree 2)."""
    claim = get("hm17.rem1.1")
    (inst,) = claim.control("depth one").fixed_instances()
    for k in (-40, 0, 40):
        verdict = claim.check(dict(inst, R=2.0**k * inst["R"]), drop="depth>=2")
        assert verdict.status is Status.VIOLATED, (k, verdict)


def test_rem11_gap_within_rounding_of_zero_is_inconclusive():
    claim = get("hm17.rem1.1")
    inst = {"R": np.array([[1.0, 0.0], [0.0, 0.0]]), "Sigma": np.diag([0.0, 1.0]), "ell": 2}
    verdict = claim.check(inst, drop="R Sigma^{1/2} != 0")
    assert verdict.status is Status.INCONCLUSIVE
    assert "within rounding of 0" in verdict.message


# ------------------------------------------------------- parameters, relations, edge draws

@pytest.mark.parametrize("claim_id", IDS)
def test_parameters_name_every_key_the_parser_reads(claim_id):
    """Every key of a drawn (generic or edge) instance is a declared parameter, every required
    parameter is present, and the instance parses back from exactly those keys."""
    from checks.serialise import to_jsonable

    claim = get(claim_id)
    names = {p.name for p in claim.parameters}
    required = {p.name for p in claim.parameters if p.required}
    sources = [claim.strategy("ci"), claim.edge_strategy("ci")]
    for source in sources:
        (inst,) = list(sample_instances(source, CI, 1))
        params = to_jsonable(inst)
        assert set(params) <= names, set(params) - names
        assert required <= set(params)
        claim.parse(params)


def test_basis_change_keeps_the_risk_and_gradient_norm_exactly():
    """The signed-permutation change of basis is exact: f - C_opt and ||grad f||^2 of the
    transformed instance equal the original's in rational arithmetic."""
    from checks.strategies.hm17_linear import ball_instances
    from theory import exact

    relation = next(r for r in get("hm17.eq2.3").relations if "basis" in r.name)
    (inst,) = list(sample_instances(ball_instances(d=3, ell=2), CI, 1))
    moved = relation.transform(inst, np.random.default_rng(1))
    for key in ("excess_risk", "gradient"):
        if key == "excess_risk":
            before = exact.excess_risk(inst["A"], inst["R"], inst["Sigma"])
            after = exact.excess_risk(moved["A"], moved["R"], moved["Sigma"])
        else:
            before = exact.gradient_norm_sq(exact.risk_gradient(inst["A"], inst["R"],
                                                                inst["Sigma"]))
            after = exact.gradient_norm_sq(exact.risk_gradient(moved["A"], moved["R"],
                                                               moved["Sigma"]))
        assert before == after, key


def test_sigma_scaling_relation_scales_gd_step_inversely():
    relation = next(r for r in get("hm17.thm2.2").relations if "Sigma" in r.name)
    inst = {"R": np.eye(2), "Sigma": np.eye(2), "A": [np.zeros((2, 2))], "tau": 0.5,
            "gd_step": 0.25, "gd_steps": 3}
    moved = relation.transform(inst, np.random.default_rng(0))
    c = moved["Sigma"][0, 0]
    assert c != 1.0 and math.log2(c).is_integer()
    assert moved["gd_step"] * c == inst["gd_step"]


def test_ball_edges_lie_in_the_ball_exactly():
    """Edge draws of eq. (2.3) have every slice exactly in B_tau (rational arithmetic), with
    |||A||| = tau exactly unless A = 0."""
    from hypothesis import HealthCheck

    from checks.strategies.hm17_linear import ball_edge_instances
    from theory import exact

    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(ball_edge_instances())
    def run(inst):
        signs = [exact.compare_spectral_norm(Ai, inst["tau"]) for Ai in inst["A"]]
        assert max(signs) <= 0
        assert max(signs) == 0 or not any(np.any(Ai) for Ai in inst["A"])

    run()


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


def test_cost_estimates_grow_with_the_work():
    """The cost estimates (seconds, for ``checks verify``'s budget) grow with the number of
    descent steps and layers (Theorem 2.2), the depth (Theorem 2.1, App. A.1) and q (Claim A.1)."""
    small = {"R": np.eye(2), "Sigma": np.eye(2), "A": [np.zeros((2, 2))] * 2, "tau": 0.5}
    thm22 = get("hm17.thm2.2").cost
    assert thm22(small) < thm22({**small, "gd_steps": 2000, "gd_step": 0.1})
    assert thm22({**small, "gd_steps": 2000}) < thm22({**small, "A": small["A"] * 3,
                                                       "gd_steps": 2000})
    for cid in ("hm17.thm2.1", "hm17.propA.psd"):
        cost = get(cid).cost
        assert cost({"R": np.eye(2), "ell": 10}) < cost({"R": np.eye(2), "ell": 10_000})
    cost = get("hm17.claimA.1").cost
    assert cost({"Q": np.eye(2), "q": 1}) < cost({"Q": np.eye(2), "q": 100_000})


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
