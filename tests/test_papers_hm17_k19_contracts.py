"""Contracts of the hm17 (linear residual, ReLU expressivity)
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
from checks.registry import get
from checks.strategies import hm17_relu as relu_strat
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
    np.testing.assert_array_equal(HL._x_cov(inst), inst["Sigma"])


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
    run = HL._gd_profile(inst)
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
    """``_certify``'s bound is ``100 ell d u (sqrt(d) prod ||I + A_i||_2 + ||R||_F)`` (its
    docstring), and the residual is ``||(I+A_ell)...(I+A_1) - R||_F``. Checked for d = 3,
    ell = 2 (where ``ell d``, ``ell / d`` and ``d / ell`` all differ); kills arithmetic mutants
    of the bound."""
    rng = np.random.default_rng(5)
    d, ell = 3, 2
    A = [0.2 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = (np.eye(d) + A[1]) @ (np.eye(d) + A[0])
    ok, res, bound = HL._certify(A, R)
    expect = 100 * ell * d * U * (math.sqrt(d) * math.prod(
        np.linalg.norm(np.eye(d) + Ai, 2) for Ai in A) + np.linalg.norm(R))
    assert bound == pytest.approx(expect, rel=1e-12, abs=0)
    assert res == pytest.approx(np.linalg.norm((np.eye(d) + A[1]) @ (np.eye(d) + A[0]) - R),
                                abs=1e-15)
    assert ok is (res <= bound)
    # a residual just above the bound fails the certificate
    R_off = R + np.full((d, d), 2 * bound / d)
    assert HL._certify(A, R_off)[0] is False


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
    assert HL._frobenius_product(A) == pytest.approx(prod_F, rel=1e-14, abs=0)
    assert HL._product_error(A, R) == pytest.approx(
        gamma(ell * d + 1) * prod_F + U * np.linalg.norm(R), rel=1e-14, abs=0)
    assert symmetry_tolerance(np.full((2, 2), 0.5)) == 4 * U
    assert symmetry_tolerance(np.full((2, 2), -3.0)) == 12 * U
    assert HL._tau_lt_one({"tau": 1.0 - 1e-12}) is True
    assert HL._tau_lt_one({"tau": 1.0}) is not True
    norm = max(np.linalg.norm(Ai, 2) for Ai in A)
    assert HL._in_ball({"A": A, "R": R, "tau": norm}) is True
    assert HL._in_ball({"A": A, "R": R, "tau": 0.999 * norm}) is not True
    Rg = np.diag([math.e, 1.0])  # gamma = 1
    assert HL._depth_enough({"R": Rg, "ell": 3}) is True
    assert HL._depth_enough({"R": Rg, "ell": 2}) is not True


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
    real_tolerance = HR.network_tolerance

    def spy(net, H0, min_margin=None, output_margin=None):
        seen.append((min_margin, output_margin))
        return real_tolerance(net, H0, min_margin, output_margin)

    mp = pytest.MonkeyPatch()
    mp.setattr(HR, "network_tolerance", spy)
    try:
        verdict = HR.measure_thm32(inst)
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
    out = HR._reproduce_counts("ci")
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
    out = HR._reproduce_success("ci")
    rows = out["table"]["rows"]
    assert [row[0] for row in rows] == ["spread (d=32)"] * 5 + ["dense (d=8)"] * 5
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
    assert HR._width({"X": X, "rho": rho, "k": math.ceil(need)}) is True
    assert HR._width({"X": X, "rho": rho, "k": math.ceil(need) - 1}) is not True
    assert HR._rd_le_n({"X": X, "r": n}) is True
    assert HR._rd_le_n({"X": X, "r": n + 1}) is not True
    assert HR._rd_le_n({"X": np.zeros((3, 4)), "r": 1}) is not True
    E = np.eye(3)
    assert HR._unit_norm({"X": E}) is True
    assert HR._unit_norm({"X": E * (1 + 1e-10)}) is not True
    assert HR._separated({"X": E, "rho": math.sqrt(2)}) is True
    assert HR._separated({"X": E, "rho": 1.5}) is not True


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
