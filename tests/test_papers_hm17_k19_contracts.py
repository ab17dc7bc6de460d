"""Contracts of the hm17 (linear residual, ReLU expressivity) and k19 (gradient basis, Section 4)
claims that the paper-level tests do not pin down: parser boundaries and defaults, the rounding
scales and tolerances that decide verdicts (checked against their documented formulas,
computed independently here), and the fresh-instance paths that the per-instance caches hide.

Written against mutation-testing survivors: each test's docstring names the mutant class it
kills."""

from __future__ import annotations

import math

import numpy as np
import pytest

from checks.framework import Status
from checks.inputs import BadInput
from checks.papers import hm17_linear as HL
from checks.papers import hm17_relu as HR
from checks.papers import k19_pgb as KP
from checks.papers import k19_resnet as KR
from checks.registry import get
from checks.reproductions import hm17_expressivity as expressivity
from checks.strategies import hm17_relu as relu_strat
from checks.strategies import k19_pgb as pgb_strat
from checks.strategies import k19_resnet as resnet_strat
from theory.linalg import symmetry_tolerance
from theory.numerics import gamma, unit_roundoff

U = unit_roundoff()


def _accepts(claim_id: str, params: dict) -> dict:
    return get(claim_id).parse(params)


def _rejects(claim_id: str, params: dict) -> str:
    with pytest.raises(BadInput) as info:
        get(claim_id).parse(params)
    return str(info.value)


# ============================================================ hm17 linear residual: parsing

def _model_params(d: int = 2, ell: int = 2) -> dict:
    rng = np.random.default_rng(d + 10 * ell)
    return {"R": (np.eye(d) + 0.1 * rng.standard_normal((d, d))).tolist(),
            "Sigma": np.eye(d).tolist(),
            "A": [(0.05 * rng.standard_normal((d, d))).tolist() for _ in range(ell)]}


def test_claim23_defaults_are_a_centred_distribution_with_seed_zero():
    """Claim 2.3 without ``x_mean``/``x_cov``/``seed``: ``x_mean`` is the zero vector of length
    ``d`` (the paper's centred x), no covariance is stored (it is derived from ``Sigma``), and
    the seed is 0. Kills mutants of the defaults (``np.zeros(None)``, other seeds)."""
    d = 3
    inst = _accepts("hm17.claim2.3", _model_params(d))
    assert inst["x_mean"].shape == (d,) and not np.any(inst["x_mean"])
    assert "x_cov" not in inst
    assert inst["seed"] == 0
    np.testing.assert_array_equal(HL.section2._x_cov(inst), inst["Sigma"])


def test_claim23_seed_bounds():
    """``seed`` in ``[0, 2^63 - 1]``: both ends accepted, one beyond each rejected."""
    for seed in (0, 2**63 - 1):
        assert _accepts("hm17.claim2.3", {**_model_params(), "seed": seed})["seed"] == seed
    for seed in (-1, 2**63):
        _rejects("hm17.claim2.3", {**_model_params(), "seed": seed})


def test_thm22_gradient_descent_parameters_bounds_and_default():
    """Theorem 2.2's optional run: ``gd_steps`` in ``[0, 100000]`` (0 = only the start point),
    ``gd_step`` in ``[1e-12, 1e3]``, ``gd_rel_tol`` in ``[0, 1]`` defaulting to ``GD_REL_TOL =
    1e-5``; one key without the other is rejected. Kills boundary mutants of the parser."""
    base = {**_model_params(), "tau": 0.5}
    ok = {**base, "gd_steps": 0, "gd_step": 1e-12}
    inst = _accepts("hm17.thm2.2", ok)
    assert inst["gd_steps"] == 0 and inst["gd_step"] == 1e-12
    assert inst["gd_rel_tol"] == HL.GD_REL_TOL == 1e-5
    assert _accepts("hm17.thm2.2", {**ok, "gd_steps": 100_000, "gd_step": 1e3})["gd_steps"] \
        == 100_000
    for rel in (0.0, 1.0):
        assert _accepts("hm17.thm2.2", {**ok, "gd_rel_tol": rel})["gd_rel_tol"] == rel
    for bad in ({"gd_steps": -1}, {"gd_steps": 100_001}, {"gd_step": 0.5e-12},
                {"gd_step": 1.01e3}, {"gd_rel_tol": -1e-9}, {"gd_rel_tol": 1.5}):
        _rejects("hm17.thm2.2", {**ok, **bad})
    _rejects("hm17.thm2.2", {**base, "gd_steps": 3})
    _rejects("hm17.thm2.2", {**base, "gd_step": 0.1})
    assert "gd_steps" not in _accepts("hm17.thm2.2", base)


def test_thm22_zero_step_run_checks_only_the_start_point():
    """``gd_steps = 0`` is a legal run: the profile has exactly the start point (kills the
    ``lo=1`` mutant from the measuring side as well)."""
    inst = _accepts("hm17.thm2.2", {**_model_params(), "tau": 0.5, "gd_steps": 0,
                                     "gd_step": 0.01})
    run = HL.descent_profile(inst)
    assert len(run["rows"]) == 1 and run["rows"][0][0] == 0


@pytest.mark.parametrize(("claim_id", "hi"), [("hm17.rem1.1", 64), ("hm17.thm2.1", 10_000)])
def test_depth_bounds(claim_id, hi):
    """``ell`` of §1.1 in ``[1, 64]`` and of Theorem 2.1 in ``[1, 10000]``: ends accepted, one
    beyond rejected."""
    params = {"R": np.eye(2).tolist(), "Sigma": np.eye(2).tolist()}
    for ell in (1, hi):
        assert _accepts(claim_id, {**params, "ell": ell})["ell"] == ell
    for ell in (0, hi + 1):
        _rejects(claim_id, {**params, "ell": ell})


# ============================================================ hm17 linear residual: scales

def test_certify_bound_is_100_ell_d_u_sqrt_d_prod_spectral_norms_plus_normR():
    """``certify_factorisation``'s bound is ``100 ell d u (sqrt(d) prod ||I + A_i||_2 +
    ||R||_F)`` (its docstring), and the residual is ``||(I+A_ell)...(I+A_1) - R||_F``. Checked
    for d = 3, ell = 2 (where ``ell d``, ``ell / d`` and ``d / ell`` all differ); kills
    arithmetic mutants of the bound."""
    rng = np.random.default_rng(5)
    d, ell = 3, 2
    A = [0.2 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = (np.eye(d) + A[1]) @ (np.eye(d) + A[0])
    ok, res, bound = HL.certify_factorisation(A, R)
    expect = 100 * ell * d * U * (math.sqrt(d) * math.prod(
        np.linalg.norm(np.eye(d) + Ai, 2) for Ai in A) + np.linalg.norm(R))
    assert bound == pytest.approx(expect, rel=1e-12, abs=0)
    assert res == pytest.approx(np.linalg.norm((np.eye(d) + A[1]) @ (np.eye(d) + A[0]) - R),
                                abs=1e-15)
    assert ok is (res <= bound)
    # a residual just above the bound fails the certificate
    R_off = R + np.full((d, d), 2 * bound / d)
    assert HL.certify_factorisation(A, R_off)[0] is False


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


def test_rem11_tolerance_gap_and_depth():
    """§1.1: at ``W = 0`` the gap is ``tr(R Sigma R^T) = ||R Sigma^{1/2}||_F^2`` and the
    tolerance ``2 gamma_{2d+2} ||R||_F^2 ||Sigma||_F``; ``W = 0`` is a bad critical point for
    ``ell >= 2`` (holds), not critical for ``ell = 1`` (violated), and not bad when ``R
    Sigma^{1/2} = 0`` (inconclusive: a gap within rounding of zero certifies no separation,
    so it cannot make the claim violated). Kills mutants of the tolerance and the decision."""
    d = 2
    R = np.array([[1.0, 0.3], [0.2, 2.0]])
    Sigma = np.array([[1.0, 0.2], [0.2, 0.5]])
    claim = get("hm17.rem1.1")
    verdict = claim.measure({"R": R, "Sigma": Sigma, "ell": 2})
    assert verdict.status is Status.HOLDS
    assert verdict.tolerance == pytest.approx(
        2 * gamma(2 * d + 2) * np.linalg.norm(R) ** 2 * np.linalg.norm(Sigma), rel=1e-12, abs=0)
    assert verdict.diagnostics["gap"] == pytest.approx(np.trace(R @ Sigma @ R.T), rel=1e-12)
    assert verdict.diagnostics["gradient_norm"] == 0.0
    assert claim.measure({"R": R, "Sigma": Sigma, "ell": 1}).status is Status.VIOLATED
    null = {"R": np.diag([1.0, 0.0]), "Sigma": np.diag([0.0, 1.0]), "ell": 3}
    assert claim.measure(null).status is Status.INCONCLUSIVE


def test_linear_helpers_match_their_formulas():
    """Shared helpers of the linear-residual claims against their docstrings:
    ``_frobenius_product = prod ||I + A_i||_F``, ``_product_error = gamma_{ell d + 1}
    prod ||I + A_i||_F + u ||R||_F``, ``symmetry_tolerance = 4 u max(1, max |X|)``; the ball
    and depth hypotheses at their boundaries (``tau < 1`` strict, ``|||A||| <= tau``,
    ``ell >= 3 gamma``). Kills arithmetic and comparison mutants of the helpers."""
    d, ell = 3, 2
    rng = np.random.default_rng(8)
    A = [0.3 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = 2.0 * np.eye(d)
    prod_F = math.prod(np.linalg.norm(np.eye(d) + Ai) for Ai in A)
    assert HL._common.frobenius_product(A) == pytest.approx(prod_F, rel=1e-14, abs=0)
    assert HL._common.product_error(A, R) == pytest.approx(
        gamma(ell * d + 1) * prod_F + U * np.linalg.norm(R), rel=1e-14, abs=0)
    assert symmetry_tolerance(np.full((2, 2), 0.5)) == 4 * U
    assert symmetry_tolerance(np.full((2, 2), -3.0)) == 12 * U
    assert HL._common.tau_lt_one({"tau": 1.0 - 1e-12}) is True
    assert HL._common.tau_lt_one({"tau": 1.0}) is not True
    norm = max(np.linalg.norm(Ai, 2) for Ai in A)
    assert HL._common.in_ball({"A": A, "R": R, "tau": norm}) is True
    assert HL._common.in_ball({"A": A, "R": R, "tau": 0.999 * norm}) is not True
    Rg = np.diag([math.e, 1.0])  # gamma = 1
    assert HL.appendix_a._depth_enough({"R": Rg, "ell": 3}) is True
    assert HL.appendix_a._depth_enough({"R": Rg, "ell": 2}) is not True


# ============================================================ hm17 ReLU

def test_lemma_b2_single_class_is_accepted():
    """Lemma B.2 with ``r = 1`` (one class, ``Q`` is 1 x k) is legal; ``r = 0`` and a label
    outside ``[0, r)`` are rejected. Kills ``lo`` mutants of the ``r`` bound."""
    rng = np.random.default_rng(0)
    n, k = 4, 3
    params = {"Z": rng.standard_normal((n, k)).tolist(), "labels": [0] * n,
              "r": 1, "Q": rng.standard_normal((1, k)).tolist()}
    inst = _accepts("hm17.lemB.2", params)
    assert inst["r"] == 1 and inst["Q"].shape == (1, k)
    _rejects("hm17.lemB.2", {**params, "r": 0})
    _rejects("hm17.lemB.2", {**params, "labels": [0, 0, 0, 1]})


def test_thm32_certifies_both_margins():
    """Theorem 3.2 passes both margins of the built network to the rounding certificate: the
    middle blocks' ``min_margin`` and the output block's ``output_margin`` (in that order).
    A spy on :func:`network_tolerance` sees exactly the values reported in the diagnostics;
    kills mutants that drop or swap an argument (the certificate would test the wrong
    margin)."""
    X = relu_strat.separated_unit_vectors(40, 16, 0.3, 11)
    inst = {"X": X, "labels": np.arange(len(X)) % 4, "r": 4, "rho": 0.3,
            "k": relu_strat.practical_width(len(X), 0.3), "seed": 0, "max_draws": 20}
    seen = []
    real_tolerance = HR.section3.network_tolerance

    def spy(net, H0, min_margin=None, output_margin=None):
        seen.append((min_margin, output_margin))
        return real_tolerance(net, H0, min_margin, output_margin)

    mp = pytest.MonkeyPatch()
    mp.setattr(HR.section3, "network_tolerance", spy)
    try:
        verdict = HR.section3.measure_thm32(inst)
    finally:
        mp.undo()
    assert verdict.status is Status.HOLDS
    info = verdict.diagnostics
    assert seen == [(info["min_margin"], info["output_margin"])]
    assert info["min_margin"] != info["output_margin"]


def _counted(d: int, k: int, n: int, r: int) -> int:
    """``d k + ell (2k^2 + k) + r k + r^2 + r`` with ``ell = ceil(n / k)`` (ERRATA_COUNT)."""
    ell = -(-n // k)
    return d * k + ell * (2 * k * k + k) + r * k + r * r + r


def test_thm32_parameter_count_reproduction_follows_the_counting_formula():
    """The ``parameters-vs-n`` reproduction (``d = 32``, ``r = 10``, ``rho = 0.3``): the built
    network at ``k = max(2, ceil(8 ln n))`` has ``d k + ell (2k^2 + k) + r k + r^2 + r``
    parameters, the reference curve is ``n ln n + r^2`` and the paper's curve uses ``k =
    ceil(10 ln n / rho^2)``; all recomputed from ``n``. Kills mutants of the widths."""
    out = expressivity.parameters_against_n("ci")
    built, ref, paper = out["series"]
    assert len(built["x"]) >= 5 and built["x"] == ref["x"] == paper["x"]
    d, r, rho = 32, 10, 0.3
    for i, n in enumerate(built["x"]):
        ln = math.log(n)
        assert built["y"][i] == _counted(d, max(2, math.ceil(8 * ln)), n, r)
        assert ref["y"][i] == pytest.approx(n * ln + r * r, rel=1e-15, abs=0)
        assert paper["y"][i] == _counted(d, math.ceil(10 * ln / rho**2), n, r)


def test_thm32_success_reproduction_rows():
    """The ``fit-success`` reproduction: for spread (``d = 32``) and dense (``d = 8``) data of
    ``n <= 200`` unit vectors pairwise at least ``rho = 0.5`` apart, each ``c`` in
    ``10, 4, 2, 1, 0.5`` uses ``k = max(2, ceil(c ln n / rho^2))``; every rate lies in
    ``[0, 1]`` and, as the reproduction states, every draw with positive margins fits exactly
    (the fit rate equals the margin rate). Kills mutants of the data, widths and targets."""
    out = expressivity.fit_success("ci")
    rows = out["table"]["rows"]
    assert [row[0] for row in rows] == ["spread ($d=32$)"] * 5 + ["dense ($d=8$)"] * 5
    for row in rows:
        _, n, min_dist, c, k, first, fitted, *rates = row
        assert 2 <= n <= 200 and min_dist >= 0.5 - 1e-9
        assert k == max(2, math.ceil(c * math.log(n) / 0.25))
        assert all(0.0 <= v <= 1.0 for v in (first, fitted, *rates))
        assert fitted == first
    assert [row[3] for row in rows[:5]] == [10.0, 4.0, 2.0, 1.0, 0.5]
    assert rows[0][5] == 1.0  # c = 10 on spread data: the margins always hold


def test_relu_block_tolerance_and_asm31_tolerance_formulas():
    """``block_tolerance = 2 k max_r ||V_{:,r}|| (gamma_{k+1} + gamma_{k+3}) (max_r ||U_r||
    input_norm + max |s|)`` (row norms of ``U``, column norms of ``V``: a non-square-free
    instance with distinct row and column norms), and Assumption 3.1's tolerance ``4 gamma_d
    max ||x||^2 + 2u`` with the right side ``1 - rho^2 / 2``. Kills axis, index and
    arithmetic mutants of both."""
    U_ = np.array([[2.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    V_ = np.array([[1.0, 0.0, 0.0], [2.0, 0.5, 0.0], [0.0, 0.0, 0.25]])
    s_ = np.array([-0.5, 0.1, 0.2])
    k = 3
    pmax = math.sqrt(8.0) * 1.5 + 0.5  # max row norm of U (columns: 2.24) x input norm + max|s|
    vmax = math.sqrt(5.0)  # max column norm of V (rows give 2.06)
    assert HR.block_tolerance(U_, V_, s_, 1.5) == pytest.approx(
        2 * k * vmax * (gamma(k + 1) + gamma(k + 3)) * pmax, rel=1e-14, abs=0)
    X = relu_strat.separated_unit_vectors(10, 5, 0.4, 2)
    verdict = get("hm17.asm3.1").measure({"X": X, "rho": 0.4})
    assert verdict.rhs == 1.0 - 0.4**2 / 2
    G = X @ X.T
    assert verdict.lhs == pytest.approx(np.max(G[~np.eye(len(X), dtype=bool)]), rel=1e-14)
    assert verdict.tolerance == pytest.approx(
        4 * gamma(5) * np.max(np.sum(X * X, axis=1)) + 2 * U, rel=1e-14, abs=0)
    assert verdict.status is Status.HOLDS


def test_relu_hypotheses_boundaries():
    """Hypotheses of Section 3: ``k >= 4 ln n / rho^2`` (width), ``r, d <=
    n``, unit norm within ``10 d u``, separation ``>= rho`` up to the Gram slack. Kills
    comparison mutants of the hypotheses."""
    n, rho = 20, 0.5
    need = 4 * math.log(n) / rho**2
    X = np.zeros((n, 3))
    assert HR.section3._width({"X": X, "rho": rho, "k": math.ceil(need)}) is True
    assert HR.section3._width({"X": X, "rho": rho, "k": math.ceil(need) - 1}) is not True
    assert HR.section3._rd_le_n({"X": X, "r": n}) is True
    assert HR.section3._rd_le_n({"X": X, "r": n + 1}) is not True
    assert HR.section3._rd_le_n({"X": np.zeros((3, 4)), "r": 1}) is not True
    E = np.eye(3)
    assert HR.section3._unit_norm({"X": E}) is True
    assert HR.section3._unit_norm({"X": E * (1 + 1e-10)}) is not True
    assert HR.section3._separated({"X": E, "rho": math.sqrt(2)}) is True
    assert HR.section3._separated({"X": E, "rho": 1.5}) is not True


# ============================================================ k19 gradient basis

def _pgb_params(**over) -> dict:
    inst = pgb_strat.build_basis(7, 12, 2, "squared")
    params = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in inst.items()}
    return {**params, **over}


def test_parse_wrong_width_count_names_widths(monkeypatch):
    """A family given the wrong number of widths fails with a one-line ``BadInput`` naming
    ``widths`` (the documented contract of :class:`BadInput`), whether the model constructor
    signals it with ``ValueError`` or ``TypeError``. Kills message-dropping mutants."""
    msg = _rejects("k19.thm1", _pgb_params(widths=[2, 2, 2]))
    assert msg.startswith("widths:")

    def raises_type_error(family, widths):
        raise TypeError("takes 2 positional arguments")

    monkeypatch.setattr(KP, "make_model", raises_type_error)
    msg = _rejects("k19.thm1", _pgb_params())
    assert msg.startswith("widths:") and "'basis'" in msg


def _example2_params(**over) -> dict:
    X = np.eye(3)
    return {"X_raw": X.tolist(), "n": 3, "depth": 1, "eps_prime": 0.5,
            "Y": [[1.0], [0.0], [2.0]], "lambda": [1.0, 1.0, 1.0], **over}


def test_example2_parser_bounds_and_default_loss():
    """Example 2: ``n`` in ``[1, 4096]``, ``depth`` in ``[1, 16]``, ``eps_prime`` in ``[0, 2]``
    (ends accepted, one beyond rejected); ``loss`` defaults to ``"squared"`` and any other loss
    is rejected. Kills boundary and default mutants of ``parse_example2``."""
    assert _accepts("k19.ex2", _example2_params())["loss"] == "squared"
    for key, lo, hi, step in (("n", 1, 4096, 1), ("depth", 1, 16, 1),
                              ("eps_prime", 0.0, 2.0, 1e-9)):
        for value in (lo, hi):
            assert _accepts("k19.ex2", _example2_params(**{key: value}))[key] == value
        for value in (lo - step, hi + step):
            _rejects("k19.ex2", _example2_params(**{key: value}))
    assert _accepts("k19.ex2", _example2_params(loss="squared"))["loss"] == "squared"
    _rejects("k19.ex2", _example2_params(loss="logistic"))
    _rejects("k19.ex2", _example2_params(**{"lambda": [1.0, 0.0, 1.0]}))


def test_example2_delta_hypotheses_and_tolerance():
    """Example 2: ``delta = 1 - max_{i != j} <x_i, x_j>`` (1 for a single sample); the
    hypotheses need ``0 < eps' <= delta`` (equality accepted) and ``n >= m``; at the footnote's
    weights ``phi(x_i) = eps' e_i``, so the weighted features have singular values ``eps'
    sqrt(lambda_i)``, ``kappa = sqrt(max lambda / min lambda)``, the loss is 0 and the tolerance
    is ``(gamma_{m+n} (kappa + 1) ||y_hat||)^2 + gamma_{m+n} ||y_hat||^2`` against the scale
    ``||y_hat||^2``. Kills mutants of ``_delta``, the hypotheses and the tolerance."""
    c = math.cos(0.5)
    X_raw = np.array([[1.0, 0.0], [c, math.sin(0.5)], [0.0, 1.0]])
    delta = 1.0 - c
    base = {"X_raw": X_raw, "n": 3, "depth": 2, "eps_prime": delta,
            "Y": np.array([[1.0], [-2.0], [0.5]]), "lambda": np.array([1.0, 4.0, 0.25]),
            "loss": "squared"}
    assert KP._delta(base) == pytest.approx(delta, rel=1e-12, abs=0)
    assert KP._delta({**base, "X_raw": X_raw[:1]}) == 1.0
    assert KP._separated(base) is True
    assert KP._separated({**base, "eps_prime": delta * (1 + 1e-9)}) is not True
    assert KP._separated({**base, "eps_prime": 0.0}) is not True
    assert KP._wide(base) is True and KP._wide({**base, "n": 2}) is not True
    verdict = get("k19.ex2").measure(base)
    y_hat = float(np.linalg.norm(base["Y"][:, 0] * np.sqrt(base["lambda"])))
    kappa = math.sqrt(4.0 / 0.25)
    g = gamma(3 + 3)
    assert verdict.diagnostics["rank_features"] == 3
    assert verdict.status is Status.HOLDS and verdict.lhs <= verdict.tolerance
    assert verdict.tolerance == pytest.approx((g * (kappa + 1) * y_hat) ** 2 + g * y_hat**2,
                                              rel=1e-9, abs=0)
    assert verdict.relative_slack == pytest.approx(verdict.slack / y_hat**2, rel=1e-12, abs=0)


def test_asm2_tolerance_and_scale_for_a_basis_model():
    """Assumption 2 for a basis model ``f = Phi theta`` (``J = Phi``, so ``f`` is in the range
    exactly): residual ~ 0, tolerance ``gamma_{m+d} (kappa(Phi) + 1) ||f||``, relative slack
    against ``||f||``. Kills arithmetic mutants of the tolerance and the scale."""
    inst = pgb_strat.build_basis(17, 8, 2, "squared")
    verdict = get("k19.asm2").measure(inst)
    f = inst["X"] @ inst["theta"]
    sv = np.linalg.svd(inst["X"], compute_uv=False)
    expect = gamma(8 + 2) * (sv[0] / sv[-1] + 1) * np.linalg.norm(f)
    assert verdict.status is Status.HOLDS
    assert verdict.tolerance == pytest.approx(expect, rel=1e-9, abs=0)
    assert verdict.relative_slack == pytest.approx(verdict.slack / np.linalg.norm(f),
                                                   rel=1e-12, abs=0)
    assert verdict.lhs <= 1e-13 * np.linalg.norm(f)


def test_thm1_fresh_squared_instance_sides_and_size():
    """Theorem 1 (squared loss) on an instance no cache has seen: ``lhs = L(theta) = sum_i
    lambda_i (phi_i theta - y_i)^2`` and ``rhs`` the weighted least-squares infimum, both
    recomputed here; ``size`` reports ``m``, ``d_theta``, ``d_y``. Kills mutants of the
    (cached) report call and of the size keys."""
    inst = pgb_strat.build_basis(11, 9, 2, "squared")
    inst["theta"] = inst["theta"] + np.array([0.3, -0.2])  # not critical: L > inf
    Phi, y, lam = inst["X"], inst["Y"][:, 0], inst["lambda"]
    L = float(np.sum(lam * (Phi @ inst["theta"] - y) ** 2))
    w = np.sqrt(lam)
    alpha = np.linalg.lstsq(Phi * w[:, None], y * w, rcond=None)[0]
    inf = float(np.sum(lam * (Phi @ alpha - y) ** 2))
    claim = get("k19.thm1")
    verdict = claim.measure(inst)
    assert verdict.lhs == pytest.approx(L, rel=1e-10, abs=0)
    assert verdict.rhs == pytest.approx(inf, rel=1e-10, abs=0)
    assert verdict.status is Status.VIOLATED
    assert claim.size(inst) == {"m": 9, "d_theta": 2, "d_y": 1}


def test_ex1_tolerance_is_rounding_plus_first_order_slack():
    """Example 1's tolerance is ``gamma_n (L(theta) + L(alpha)) + ||grad L(theta)||
    ||alpha - theta||`` with ``n = m + d`` (convexity). Away from a critical point the slack
    term is large, so it is recomputed here from the reported ``alpha``; kills sign and
    arithmetic mutants of the slack."""
    inst = pgb_strat.build_basis(13, 10, 2, "squared")
    inst["theta"] = inst["theta"] + np.array([1.0, 0.5])
    verdict = get("k19.ex1").measure(inst)
    Phi, y, lam, theta = inst["X"], inst["Y"][:, 0], inst["lambda"], inst["theta"]
    alpha = np.asarray(verdict.diagnostics["alpha"])
    L = float(np.sum(lam * (Phi @ theta - y) ** 2))
    L_alpha = float(np.sum(lam * (Phi @ alpha - y) ** 2))
    grad = 2 * Phi.T @ (lam * (Phi @ theta - y))
    n = Phi.shape[0] + theta.size
    expect = gamma(n) * (L + L_alpha) + np.linalg.norm(grad) * np.linalg.norm(alpha - theta)
    slack_sum = np.linalg.norm(grad) * np.linalg.norm(alpha + theta)
    assert abs(slack_sum - (expect - gamma(n) * (L + L_alpha))) > 0.1 * expect
    assert verdict.tolerance == pytest.approx(expect, rel=1e-6, abs=0)
    assert verdict.lhs == pytest.approx(L, rel=1e-12, abs=0)
    # convexity: the first-order slack covers L(theta) - L(alpha), so never a violation (far
    # from critical the slack dwarfs the scale: inconclusive)
    assert verdict.status is not Status.VIOLATED


def test_affine_offset_control_is_an_exact_critical_point():
    """The affine-offset control (``f = theta x + 1``, ``y = -1``): 8 inputs in ``[0.5, 2]``,
    weights in ``[0.2, 2]``, and ``theta`` the unique zero of ``dL/dtheta = 2 sum lambda_i x_i
    (theta x_i + 1 - y_i)``. Built fresh (the controls cache hides it from other tests); kills
    mutants of its random draws."""
    inst = KP._affine_offset_instance()
    x, lam, y, theta = inst["X"][:, 0], inst["lambda"], inst["Y"][:, 0], inst["theta"][0]
    assert inst["X"].shape == (8, 1) and inst["Y"].shape == (8, 1)
    assert np.all((x >= 0.5) & (x < 2.0)) and np.all((lam >= 0.2) & (lam < 2.0))
    assert np.all(y == -1.0)
    grad = np.sum(lam * x * (theta * x + 1.0 - y))
    assert abs(grad) <= 1e-12 * np.sum(lam * x * (np.abs(theta * x) + 2.0))
    assert get("k19.thm1").measure(dict(inst)).status is Status.VIOLATED


def test_lemma1_control_direction_is_a_unit_move_of_row_zero_of_W2():
    """The ``S'-outside-V`` control of Lemma 1: ``S' = {0, v}`` with ``v`` the unit vector
    ``(1, ..., 1) / sqrt(d1)`` on row 0 of ``W2`` and zero elsewhere (a perturbation direction
    of norm 1, as every element of ``V``). Kills scaling mutants of ``v``."""
    inst = KP._bad_second_set()
    S2 = inst["S2"]
    d_x, d1, _, _ = inst["widths"]
    assert S2.shape == (2, inst["theta"].size) and not np.any(S2[0])
    v = S2[1]
    assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-15, abs=0)
    block = slice(d1 * d_x, d1 * d_x + d1)
    np.testing.assert_allclose(v[block], np.full(d1, 1 / np.sqrt(d1)), rtol=1e-15)
    assert not np.any(np.delete(v, np.arange(d1 * d_x, d1 * d_x + d1)))


# ============================================================ k19 Section 4

def test_resnet_scale_uses_spectral_norms():
    """``_resnet_scale = ||W||_2 (max_i ||x_i|| + (||R||_2 + eps) sqrt(d_z))`` (spectral norms,
    its docstring) and ``_ff_scale = prod ||W_l||_2 max_i ||x_i||``. With a rank-2 ``R`` (spectral
    != Frobenius) the formulas are recomputed; kills norm-order and arithmetic mutants."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 3))  # samples x features: x_i is a row
    W = rng.standard_normal((2, 3))
    R = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    inst = {"X": X, "W": W, "R": R, "eps": 0.25}
    xmax = np.max(np.linalg.norm(X, axis=1))
    expect = np.linalg.norm(W, 2) * (xmax + (np.linalg.norm(R, 2) + 0.25) * np.sqrt(2))
    assert KR._resnet_scale(inst) == pytest.approx(expect, rel=1e-14, abs=0)
    assert np.linalg.norm(R, 2) < 0.99 * np.linalg.norm(R)
    Ws = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    expect_ff = np.linalg.norm(Ws[0], 2) * np.linalg.norm(Ws[1], 2) * xmax
    assert KR._ff_scale({"X": X, "Ws": Ws}) == pytest.approx(expect_ff, rel=1e-14, abs=0)


def test_section4_output_tolerance_and_relu_margin():
    """``_output_tolerance(scale, n_layers, width) = 2 n_layers gamma_width scale`` and the ReLU
    margin ``2 (H + 1) gamma_{max fan-in} prod ||W_l||_2 max_i ||x_i||`` (forward rounding).
    Kills arithmetic mutants of both."""
    assert KR._output_tolerance(3.0, 4, 5).value == pytest.approx(
        2 * 4 * gamma(5) * 3.0, rel=1e-15, abs=0)
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 6))  # m = 4 samples; the largest fan-in is d_x = 6
    Ws = [rng.standard_normal((3, 6)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))]
    scale = math.prod(np.linalg.norm(W, 2) for W in Ws) * np.max(np.linalg.norm(X, axis=1))
    assert KR._relu_margin({"X": X, "Ws": Ws}) == pytest.approx(
        2 * 3 * gamma(6) * scale, rel=1e-14, abs=0)


def test_section4_comparison_tolerance_formula():
    """``_comparison_tolerance = 4 gamma_{rows * #features} kappa(F) ||y||_Lambda^2 +
    (sqrt|S| ||grad L|| ||C|| / (2 sigma_min(F)))^2`` (rounding of the two least squares plus
    Lemma 3's approximate-critical-point term), with every input distinct so that swapped or
    mis-scaled terms show. Kills arithmetic mutants of the formula."""
    from types import SimpleNamespace

    cmp = SimpleNamespace(rows=6, features={"x": {}, "x,z": {}}, target_norm=3.0)
    feat = {"sigma_max": 5.0, "sigma_min": 0.5, "coef_norm": 7.0}
    tol = KR._comparison_tolerance(cmp, feat, 4, 1e-3)
    expect = 4 * gamma(12) * 10.0 * 9.0 + (2.0 * 1e-3 * 7.0 / 1.0) ** 2
    assert tol.value == pytest.approx(expect, rel=1e-14, abs=0)
    assert KR._comparison_tolerance(cmp, feat, 4, 0.0).value == pytest.approx(
        4 * gamma(12) * 10.0 * 9.0, rel=1e-14, abs=0)
    one = SimpleNamespace(rows=6, features={"x": {}}, target_norm=3.0)
    assert KR._comparison_tolerance(one, feat, 4, 0.0).value == pytest.approx(
        4 * gamma(6) * 10.0 * 9.0, rel=1e-14, abs=0)


def test_resnet_strategy_profile_sizes(monkeypatch):
    """The ResNet strategy draws one tanh layer and ``m = 20`` under the ``ci`` profile, and
    depths ``(1, 2)``, ``m`` in ``(20, 40)`` otherwise; explicit keywords win. Kills mutants
    of the profile test."""
    seen = []
    monkeypatch.setattr(resnet_strat, "resnet_local_minima", lambda **kw: seen.append(kw))
    KR._resnet_strategy("ci")
    KR._resnet_strategy("thorough")
    KR._resnet_strategy("ci", depth=2)
    assert (seen[0]["depth"], seen[0]["m"]) == (1, 20)
    assert (seen[1]["depth"], seen[1]["m"]) == ((1, 2), (20, 40))
    assert seen[2]["depth"] == 2
    assert all(kw["certified"] is KR._resnet_certified for kw in seen)


def test_thm4_measure_on_a_fresh_instance():
    """``measure`` of Theorem 4 called directly on an instance whose certificate is not yet
    cached (no hypothesis ran first) builds the certificate itself, from the feedforward
    model: its loss is ``sum_i lambda_i ||W2 sigma(W1 x_i) - y_i||^2`` with the per-unit
    activations, recomputed here by hand. Kills mutants of the certificate's model (the cache
    hides them from every test that runs the hypotheses first)."""
    inst = get("k19.thm4").parse(_ff_params())
    verdict = get("k19.thm4").measure(inst)
    W1, W2 = inst["Ws"]
    pre = W1 @ inst["X"].T
    hidden = np.vstack([pre[0], np.tanh(pre[1]), np.maximum(pre[2], 0.0)])
    L = float(np.sum(inst["lambda"] * np.sum((W2 @ hidden - inst["Y"].T) ** 2, axis=0)))
    cert = verdict.diagnostics["certificate"]
    assert cert["loss"] == pytest.approx(L, rel=1e-12, abs=0)
    assert cert["status"] == "not-local-minimum"  # an arbitrary point, not trained


# ============================================================ parser boundaries, systematically

def _range_is_exact(claim_id: str, base: dict, key: str, inside: tuple, outside: tuple) -> None:
    """``key`` accepts each value of ``inside`` (the interval's ends) and rejects each value of
    ``outside`` (just beyond them) with :class:`BadInput` naming the key."""
    for value in inside:
        assert _accepts(claim_id, {**base, key: value})[key] == value, (key, value)
    for value in outside:
        msg = _rejects(claim_id, {**base, key: value})
        assert msg.startswith(key), (key, value, msg)


def _relu_data(n: int = 6, r: int = 3) -> dict:
    X = relu_strat.separated_unit_vectors(n, 4, 0.3, 1)
    return {"X": X.tolist(), "labels": (np.arange(len(X)) % r).tolist(), "r": r, "rho": 0.3}


@pytest.mark.parametrize("claim_id", ["hm17.asm3.1", "hm17.thm3.2"])
def test_relu_data_parser_ranges_and_defaults(claim_id):
    """Assumption 3.1 / Theorem 3.2 data: ``r`` in ``[max label + 1, 100000]``, ``rho`` in
    ``(0, 2]`` (the diameter of the unit sphere), ``k`` in ``[1, 100000]``, ``seed`` in
    ``[0, 2^63 - 1]``, ``max_draws`` in ``[1, 1000]``; defaults ``k = max(2, ceil(8 ln n),
    ceil(4 ln n / rho^2))`` (the practical width), ``seed = 0``, ``max_draws = 20``. Kills
    boundary and default mutants of ``parse_data``."""
    base = _relu_data()
    n = len(base["labels"])
    inst = _accepts(claim_id, base)
    ln = math.log(n)
    assert inst["k"] == max(2, math.ceil(8 * ln), math.ceil(4 * ln / 0.3**2))
    assert inst["seed"] == 0 and inst["max_draws"] == 20
    np.testing.assert_array_equal(inst["labels"], np.arange(n) % 3)
    assert inst["labels"].dtype.kind == "i"
    _range_is_exact(claim_id, base, "r", (3, 100_000), ())
    assert _rejects(claim_id, {**base, "r": 2}).startswith("labels")  # label 2 not in [0, 2)
    _range_is_exact(claim_id, {**base, "labels": [0] * n}, "r", (1,), (0, 100_001))
    _range_is_exact(claim_id, base, "rho", (1e-2, 2.0), (-1e-12, 0.0, 2.0 + 1e-9))
    _range_is_exact(claim_id, base, "k", (1, 100_000), (0, 100_001))
    _range_is_exact(claim_id, base, "seed", (0, 2**63 - 1), (-1, 2**63))
    _range_is_exact(claim_id, base, "max_draws", (1, 1000), (0, 1001))
    assert _rejects(claim_id, {**base, "labels": [0.5] + [0] * (n - 1)}).startswith("labels")
    assert _rejects(claim_id, {**base, "labels": [-1] + [0] * (n - 1)}).startswith("labels")


def test_lemma_b1_parser():
    """Lemma B.1: ``rho_prime`` in the open interval ``(0, 1)`` (both ends rejected), ``method``
    defaults to ``"fixed"`` and must be one of the three, ``S`` holds distinct integer indices
    in ``[0, n)``, at most ``k`` of them. Kills boundary and default mutants of ``parse_b1``."""
    rng = np.random.default_rng(4)
    n, k = 4, 3
    base = {"alpha": rng.standard_normal((n, k)).tolist(),
            "beta": rng.standard_normal((n, k)).tolist(), "S": [0, 3], "rho_prime": 0.5}
    inst = _accepts("hm17.lemB.1", base)
    assert inst["method"] == "fixed" and inst["S"].tolist() == [0, 3]
    for method in ("margin", "fixed", "uniform"):
        assert _accepts("hm17.lemB.1", {**base, "method": method})["method"] == method
    assert _rejects("hm17.lemB.1", {**base, "method": "FIXED"}).startswith("method")
    for rho_prime in (1e-12, 1 - 1e-12):
        assert _accepts("hm17.lemB.1", {**base, "rho_prime": rho_prime})["rho_prime"] \
            == rho_prime
    for rho_prime in (0.0, 1.0, -0.1, 1.1):
        assert _rejects("hm17.lemB.1", {**base, "rho_prime": rho_prime}).startswith("rho_prime")
    assert _accepts("hm17.lemB.1", {**base, "S": [0, 1, 3]})["S"].size == k
    for S in ([0, 1, 2, 3], [0, 0], [4], [-1], [0.5]):
        assert _rejects("hm17.lemB.1", {**base, "S": S}).startswith("S")


@pytest.mark.parametrize("claim_id", ["hm17.eq2.3", "hm17.thm2.2"])
def test_tau_is_nonnegative(claim_id):
    """``tau >= 0`` (any radius of the ball, ``tau >= 1`` left to the hypothesis), ``-tiny``
    rejected; kills ``lo`` mutants of ``_parse_model(with_tau=True)``."""
    _range_is_exact(claim_id, _model_params(), "tau", (0.0, 5.0), (-1e-300,))
    _rejects(claim_id, _model_params())  # tau is required


def test_lemma24_default_reading_and_claim_a1_bounds():
    """Lemma 2.4 reads the gradient as ``"lemma"`` unless told otherwise; Claim A.1 takes
    ``q`` in ``[1, 100000]`` and a 2 x 2 ``Q``. Kills default and boundary mutants."""
    assert _accepts("hm17.lem2.4", _model_params())["reading"] == "lemma"
    base = {"Q": np.eye(2).tolist(), "q": 3}
    _range_is_exact("hm17.claimA.1", base, "q", (1, 100_000), (0, 100_001))
    _rejects("hm17.claimA.1", {**base, "Q": np.eye(3).tolist()})


def test_pgb_eps_and_widths_ranges():
    """PGB claims: ``eps`` in ``[0, 1]`` (Theorem 2 takes ``eps`` in ``[0, eps_0)``);
    ``widths`` entries are integers in ``[1, 512]`` (booleans and floats rejected). Kills
    boundary mutants of ``parse_pgb`` and ``_widths``."""
    base = {**_pgb_params(), "eps": 0.01, "S": [[0.0, 0.0], [1.0, 0.0]]}
    _range_is_exact("k19.thm2", base, "eps", (0.0, 1e-300, 1.0), (-1e-300, -1e-12, 1.0 + 1e-9))
    assert _accepts("k19.thm2", base)["S"].shape == (2, 2)
    _rejects("k19.thm2", {**base, "S": [[0.0, 0.0, 1.0]]})
    for widths in ([0], [513], [True], [2.0], "2"):
        assert _rejects("k19.thm1", _pgb_params(widths=widths)).startswith("widths")
    assert _rejects("k19.thm1", _pgb_params(**{"lambda": [1.0] * 11 + [0.0]})) \
        .startswith("lambda")


def _resnet_params(**over) -> dict:
    rng = np.random.default_rng(9)
    d_x, d_y, d_z, m = 2, 1, 2, 3
    return {"X": rng.standard_normal((d_x, m)).T.tolist(),
            "Y": rng.standard_normal((d_y, m)).T.tolist(),
            "lambda": [1.0, 0.5, 2.0], "W": rng.standard_normal((d_y, d_x)).tolist(),
            "R": rng.standard_normal((d_x, d_z)).tolist(),
            "U": [rng.standard_normal((d_z, d_x)).tolist()], **over}


def _ff_params(**over) -> dict:
    rng = np.random.default_rng(10)
    return {"X": rng.standard_normal((2, 3)).T.tolist(),
            "Y": rng.standard_normal((1, 3)).T.tolist(), "lambda": [1.0, 1.0, 1.0],
            "Ws": [rng.standard_normal((3, 2)).tolist(), rng.standard_normal((1, 3)).tolist()],
            "activations": [["identity", "tanh", "relu"]], "t": 1, **over}


def test_section4_parsers_ranges_and_defaults():
    """Section 4: ``eps`` in ``[1e-8, 1]`` defaulting to the strategies' ``EPS = 1e-2``; Theorem
    4's ``t`` in ``[0, H]``; deep-linear instances carry no ``loss`` key for the squared loss
    (the default) and need 0/1 labels for the cross-entropy; weights ``lambda > 0``. Kills
    boundary and default mutants of the three parsers."""
    for claim_id, params in (("k19.thm3", _resnet_params()), ("k19.thm4", _ff_params())):
        assert _accepts(claim_id, params)["eps"] == resnet_strat.EPS == 1e-2
        _range_is_exact(claim_id, params, "eps", (1e-8, 1.0), (0.99e-8, 1.0 + 1e-9))
        assert _rejects(claim_id, {**params, "lambda": [1.0, 0.0, 1.0]}).startswith("lambda")
    _range_is_exact("k19.thm4", _ff_params(), "t", (0, 1), (-1, 2))
    _rejects("k19.thm4", _ff_params(activations=[["identity", "tanh"]]))
    _rejects("k19.thm4", _ff_params(activations=[["identity", "tanh", "softplus?"]]))
    _rejects("k19.thm3", _resnet_params(U=[np.eye(2, 3).tolist()]))  # 3 units != d_z = 2
    dl = {k: v for k, v in _ff_params().items() if k not in ("activations", "t")}
    assert "loss" not in _accepts("k19.cor4", dl)
    assert "loss" not in _accepts("k19.cor4", {**dl, "loss": "squared"})
    labels = {**dl, "Y": [[0.0], [1.0], [1.0]]}
    assert _accepts("k19.cor4", {**labels, "loss": "cross-entropy"})["loss"] == "cross-entropy"
    _rejects("k19.cor4", {**dl, "loss": "cross-entropy"})
    _rejects("k19.cor4", {**dl, "Ws": dl["Ws"][1:]})  # no hidden layer
