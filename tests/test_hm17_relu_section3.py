"""Hardt & Ma (2017) §3 (:mod:`checks.papers.hm17_relu.section3`): Assumption 3.1 and
Theorem 3.2 on their strategies, their parsers and hypotheses at the boundaries, and the
rounding certificates of the network, with the block bound they share with App. B
(:mod:`checks.papers.hm17_relu._common`)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parsing import accepts, range_is_exact, rejects

import checks.papers.hm17_relu as hm
from checks.framework import Status
from checks.inputs import BadInput
from checks.papers.hm17_relu import section3
from checks.registry import get
from checks.strategies import hm17_relu as strat
from theory.constructions.hm17_expressivity import (
    b1_margins,
)
from theory.models.relu_residual import (
    ReluResidualNet,
    parameter_count,
)
from theory.numerics import gamma, unit_roundoff


def _unit_rows(rng, n, d):
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@settings(max_examples=5, deadline=None)
@given(strat.labelled_data(n=st.integers(2, 120)))
def test_asm31_holds(inst):
    assert hm.ASM31.check(inst).status is Status.HOLDS


@settings(max_examples=4, deadline=None)
@given(strat.labelled_data(n=st.integers(40, 200)))
def test_thm32_holds(inst):
    verdict = hm.THM32.check(inst)
    assert verdict.status is Status.HOLDS, verdict.message
    assert verdict.diagnostics["parameters"] == parameter_count(
        inst["X"].shape[1], inst["k"], verdict.diagnostics["ell"], inst["r"])


def _data_params():
    X = strat.separated_unit_vectors(20, 8, 0.3, 1)
    return {"X": X.tolist(), "labels": [i % 3 for i in range(len(X))], "r": 3, "rho": 0.3}


@pytest.mark.parametrize(("change", "fragment"), [
    ({"labels": "REPLACE_OOR"}, "labels: must lie in [0, r)"),
    ({"labels": "REPLACE_FRAC"}, "labels: must be integers"),
    ({"labels": [0, 1]}, "labels: expected shape"),
    ({"r": 0}, "r: must lie"),
    ({"rho": -0.1}, "rho: must lie"),
    ({"X": [[1.0, float("nan")]]}, "NaN"),
])
def test_parse_data_rejects(change, fragment):
    params = _data_params()
    n = len(params["X"])
    if change.get("labels") == "REPLACE_OOR":
        change = {"labels": [3] + params["labels"][1:]}
    elif change.get("labels") == "REPLACE_FRAC":
        change = {"labels": [0.5] + params["labels"][1:n]}
    with pytest.raises(BadInput, match=fragment.replace("[", r"\[").replace(")", r"\)")):
        hm.parse_data({**params, **change})


def test_nonunit_and_duplicate_points_are_out_of_scope():
    params = _data_params()
    inst = hm.parse_data(params)
    bad = {**inst, "X": inst["X"] * 1.01}
    for claim in (hm.ASM31, hm.THM32):
        assert claim.check(bad).status is Status.OUT_OF_SCOPE
        assert "unit-norm" in claim.check(bad).message
    dup = {**inst, "X": np.vstack([inst["X"], inst["X"][:1]]),
           "labels": np.append(inst["labels"], 1)}
    assert "separated" in hm.THM32.check(dup).message


def _pair_at_distance(rho: float, dist: float) -> dict:
    t = 2 * math.asin(dist / 2)
    X = np.array([[1.0, 0.0], [math.cos(t), math.sin(t)]])
    return {"X": X, "labels": np.array([0, 1]), "r": 2, "rho": rho, "k": 10, "seed": 0,
            "max_draws": 20}


@pytest.mark.parametrize("frac", [0.0, 0.5, 0.9, 0.99])
def test_asm31_conclusion_allows_what_the_hypothesis_accepts(frac):
    """Every pair the 'separated' check accepts (distance down to rho - 3 gamma_2 / rho)
    must satisfy the conclusion within its tolerance: the two allowances agree."""
    from theory.numerics import gamma

    rho = 0.5
    inst = _pair_at_distance(rho, rho - frac * 3 * gamma(2) / rho)
    assert hm.ASM31.check(inst).status is Status.HOLDS


def test_asm31_clearly_inseparable_pair_is_still_violated():
    """The added allowance is 3 gamma_d max||x||^2 ~ 1e-15: a pair 1e-9 closer than rho, with
    'separated' dropped, is still violated."""
    inst = _pair_at_distance(0.5, 0.5 - 1e-9)
    assert hm.ASM31.check(inst).status is Status.OUT_OF_SCOPE
    assert hm.ASM31.check(inst, drop="separated").status is Status.VIOLATED


def test_single_point_without_competitors_is_finite():
    """With no other point the margin is ||alpha||^2 (not +inf), so the block stays finite."""
    inst = hm.parse_b1({"alpha": [[1.0, 0.0]], "beta": [[2.0, 1.0]], "S": [0],
                        "rho_prime": 0.1, "method": "margin"})
    assert b1_margins(inst["alpha"], inst["S"])[0] == 1.0
    assert hm.LEMB1.check(inst).status is Status.HOLDS
    two = hm.parse_data({"X": [[1.0, 0.0], [0.0, 1.0]], "labels": [0, 1], "r": 2, "rho": 0.5})
    assert hm.THM32.check(two).status is Status.HOLDS


U = unit_roundoff()






def test_thm32_certifies_both_margins():
    """Theorem 3.2 passes both margins of the built network to the rounding certificate: the
    middle blocks' ``min_margin`` and the output block's ``output_margin`` (in that order).
    A spy on :func:`network_tolerance` sees exactly the values reported in the diagnostics;
    kills mutants that drop or swap an argument (the certificate would test the wrong
    margin)."""
    X = strat.separated_unit_vectors(40, 16, 0.3, 11)
    inst = {"X": X, "labels": np.arange(len(X)) % 4, "r": 4, "rho": 0.3,
            "k": strat.practical_width(len(X), 0.3), "seed": 0, "max_draws": 20}
    seen = []
    real_tolerance = section3.network_tolerance

    def spy(net, H0, min_margin=None, output_margin=None):
        seen.append((min_margin, output_margin))
        return real_tolerance(net, H0, min_margin, output_margin)

    mp = pytest.MonkeyPatch()
    mp.setattr(section3, "network_tolerance", spy)
    try:
        verdict = section3.measure_thm32(inst)
    finally:
        mp.undo()
    assert verdict.status is Status.HOLDS
    info = verdict.diagnostics
    assert seen == [(info["min_margin"], info["output_margin"])]
    assert info["min_margin"] != info["output_margin"]


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
    assert hm.block_tolerance(U_, V_, s_, 1.5) == pytest.approx(
        2 * k * vmax * (gamma(k + 1) + gamma(k + 3)) * pmax, rel=1e-14, abs=0)
    X = strat.separated_unit_vectors(10, 5, 0.4, 2)
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
    hypothesis = {h.name: h.check for h in get("hm17.thm3.2").hypotheses}
    X = np.zeros((n, 3))
    assert hypothesis["width"]({"X": X, "rho": rho, "k": math.ceil(need)}) is True
    assert hypothesis["width"]({"X": X, "rho": rho, "k": math.ceil(need) - 1}) is not True
    assert hypothesis["r,d<=n"]({"X": X, "r": n}) is True
    assert hypothesis["r,d<=n"]({"X": X, "r": n + 1}) is not True
    assert hypothesis["r,d<=n"]({"X": np.zeros((3, 4)), "r": 1}) is not True
    E = np.eye(3)
    assert hypothesis["unit-norm"]({"X": E}) is True
    assert hypothesis["unit-norm"]({"X": E * (1 + 1e-10)}) is not True
    assert hypothesis["separated"]({"X": E, "rho": math.sqrt(2)}) is True
    assert hypothesis["separated"]({"X": E, "rho": 1.5}) is not True




def _relu_data(n: int = 6, r: int = 3) -> dict:
    X = strat.separated_unit_vectors(n, 4, 0.3, 1)
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
    inst = accepts(claim_id, base)
    ln = math.log(n)
    assert inst["k"] == max(2, math.ceil(8 * ln), math.ceil(4 * ln / 0.3**2))
    assert inst["seed"] == 0 and inst["max_draws"] == 20
    np.testing.assert_array_equal(inst["labels"], np.arange(n) % 3)
    assert inst["labels"].dtype.kind == "i"
    range_is_exact(claim_id, base, "r", (3, 100_000), ())
    assert rejects(claim_id, {**base, "r": 2}).startswith("labels")  # label 2 not in [0, 2)
    range_is_exact(claim_id, {**base, "labels": [0] * n}, "r", (1,), (0, 100_001))
    range_is_exact(claim_id, base, "rho", (1e-2, 2.0), (-1e-12, 0.0, 2.0 + 1e-9))
    range_is_exact(claim_id, base, "k", (1, 100_000), (0, 100_001))
    range_is_exact(claim_id, base, "seed", (0, 2**63 - 1), (-1, 2**63))
    range_is_exact(claim_id, base, "max_draws", (1, 1000), (0, 1001))
    assert rejects(claim_id, {**base, "labels": [0.5] + [0] * (n - 1)}).startswith("labels")
    assert rejects(claim_id, {**base, "labels": [-1] + [0] * (n - 1)}).startswith("labels")



@pytest.mark.parametrize("shortfall, accepted", [(0.85, True), (1.15, False)])
def test_separation_accepts_a_computed_distance_down_to_the_gram_allowance(shortfall, accepted):
    """Assumption 3.1's 'separated' accepts a computed ``min ||x_i - x_j||`` down to ``rho - s``,
    ``s = 3 gamma_d max||x||^2 / rho`` (the Gram rounding allowance), and no further. The
    points ``0``, ``(1/2, 0)`` and ``(M, 0)`` have Gram distances computed exactly (the
    closest pair at ``1/2``), and ``M`` sets ``s`` so that ``1/2`` falls ``shortfall * s``
    short of ``rho = 1``."""
    rho, d = 1.0, 2
    M = math.sqrt(0.5 / (shortfall * 3 * gamma(d)))
    X = np.array([[0.0, 0.0], [0.5, 0.0], [M, 0.0]])
    separated = {h.name: h.check for h in get("hm17.thm3.2").hypotheses}["separated"]
    assert (separated({"X": X, "rho": rho}) is True) is accepted


def test_separation_failure_names_distance_and_rho_to_six_figures():
    """The one-line reason of a failed 'separated' names the computed minimum distance and
    ``rho``, each to six significant figures."""
    rho = 1.5123456789
    separated = {h.name: h.check for h in get("hm17.thm3.2").hypotheses}["separated"]
    reason = separated({"X": np.eye(3), "rho": rho})
    assert f"={math.sqrt(2):.6g}<" in reason
    assert rf"\rho={rho:.6g}$" in reason


def _thm32_instance():
    """A Theorem 3.2 instance the construction fits (40 separated unit vectors, 4 classes)."""
    X = strat.separated_unit_vectors(40, 16, 0.3, 11)
    return {"X": X, "labels": np.arange(len(X)) % 4, "r": 4, "rho": 0.3,
            "k": strat.practical_width(len(X), 0.3), "seed": 0, "max_draws": 20}


def test_thm32_network_deeper_than_ceil_n_over_k_is_a_certified_violation(monkeypatch):
    """Theorem 3.2 counts the parameters of a network with ``ceil(n/k)`` middle blocks: a
    built network with one more block (an identity block, ``U = V = 0``, ``s = 0``: the same
    function, so the fit is unchanged) is flagged, with the integer count as certificate."""
    real_build = section3.build_network

    def one_block_deeper(*args, **kwargs):
        net, info = real_build(*args, **kwargs)
        k = net.U.shape[1]
        return dataclasses.replace(
            net, U=np.concatenate([net.U, np.zeros((1, k, k))]),
            V=np.concatenate([net.V, np.zeros((1, k, k))]),
            s=np.concatenate([net.s, np.zeros((1, k))])), info

    monkeypatch.setattr(section3, "build_network", one_block_deeper)
    verdict = section3.measure_thm32(_thm32_instance())
    assert verdict.status is Status.VIOLATED, verdict
    assert verdict.message == "parameter count differs from the formula or bound"
    assert verdict.certificate.startswith("integer parameter count ")


def test_thm32_margins_below_the_rounding_certificate_are_inconclusive(monkeypatch):
    """When the rounding certificate cannot keep the ReLU zeros exact (margins too small),
    Theorem 3.2 is undecided, and the message says so."""
    real_tolerance = section3.network_tolerance

    def uncertified(*args):
        tol, derivation, _ = real_tolerance(*args)
        return tol, derivation, False

    monkeypatch.setattr(section3, "network_tolerance", uncertified)
    verdict = section3.measure_thm32(_thm32_instance())
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.message == "margins too small to certify the ReLU zeros against rounding"


def test_network_tolerance_refuses_middle_blocks_of_unequal_number():
    """``network_tolerance`` bounds every middle block ``(U_j, V_j, s_j)``: a network whose
    ``U``, ``V`` and ``s`` hold different numbers of blocks is refused (``ValueError``), not
    bounded over the shorter list."""
    k, d, r = 2, 2, 2
    net = ReluResidualNet(A0=np.eye(k, d), U=np.zeros((2, k, k)), V=np.zeros((2, k, k)),
                          s=np.zeros((1, k)), A_out=np.eye(r, k), B_out=np.eye(r),
                          s_out=np.zeros(r))
    with pytest.raises(ValueError):
        hm.network_tolerance(net, np.eye(k))


def test_thm32_parameter_ratio_uses_one_for_nlogn_at_a_single_point():
    """The reported ratio is the parameter count over ``n log n + r^2``, with ``n log n``
    read as 1 at ``n = 1`` (where ``log n = 0``) so the scale stays ``1 + r^2``."""
    claim = get("hm17.thm3.2")
    for X, labels in (([[1.0]], [0]), ([[1.0], [-1.0]], [0, 0])):
        verdict = claim.check(claim.parse({"X": X, "labels": labels, "r": 1, "rho": 0.5}))
        assert verdict.status is Status.HOLDS, verdict.message
        n, dg = len(X), verdict.diagnostics
        scale = 1.0 + 1 if n == 1 else n * math.log(n) + 1
        assert dg["ratio_to_nlogn_r2"] == dg["parameters"] / scale
