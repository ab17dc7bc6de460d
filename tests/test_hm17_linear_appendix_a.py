"""Hardt & Ma (2017) Theorem 2.1 and App. A (:mod:`checks.papers.hm17_linear.appendix_a`): the
small-norm factorisation on hard targets, the certificate of a factorisation, the PSD case and
the certified violations where a hypothesis is dropped."""

from __future__ import annotations

import math

import numpy as np
import pytest

import checks.papers.hm17_linear as mod
from checks.framework import Status
from checks.inputs import BadInput
from checks.papers.hm17_linear import appendix_a
from checks.registry import get
from theory.numerics import unit_roundoff

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


U = unit_roundoff()


def test_certify_bound_is_100_ell_d_u_sqrt_d_prod_spectral_norms_plus_normR():
    """``certify_factorisation``'s bound is ``100 ell d u (sqrt(d) prod ||I + A_i||_2 +
    ||R||_F)`` (its docstring), and the residual is ``||(I+A_ell)...(I+A_1) - R||_F``. Checked
    for d = 3, ell = 2 (where ``ell d``, ``ell / d`` and ``d / ell`` all differ); kills
    arithmetic mutants of the bound."""
    rng = np.random.default_rng(5)
    d, ell = 3, 2
    A = [0.2 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = (np.eye(d) + A[1]) @ (np.eye(d) + A[0])
    ok, res, bound = mod.certify_factorisation(A, R)
    expect = 100 * ell * d * U * (math.sqrt(d) * math.prod(
        np.linalg.norm(np.eye(d) + Ai, 2) for Ai in A) + np.linalg.norm(R))
    assert bound == pytest.approx(expect, rel=1e-12, abs=0)
    assert res == pytest.approx(np.linalg.norm((np.eye(d) + A[1]) @ (np.eye(d) + A[0]) - R),
                                abs=1e-15)
    assert ok is (res <= bound)
    # a residual just above the bound fails the certificate
    R_off = R + np.full((d, d), 2 * bound / d)
    assert mod.certify_factorisation(A, R_off)[0] is False



def test_thm21_no_construction_meeting_the_bound_is_inconclusive_and_says_why(monkeypatch):
    """A construction's ``|||A|||`` is an upper bound of the smallest one: when no certified
    construction meets ``(4 pi + 3 gamma) / ell`` and the lower bound of every exact
    factorisation does not exceed it, Theorem 2.1 is neither certified nor refuted, and the
    message says exactly that. ``R = -I_2`` (``gamma = 0``) at ``ell = 10`` with only the
    trivial factorisation offered: ``|||A||| = ||R - I|| = 2 > 4 pi / 10``, lower bound 0."""
    R, ell = -np.eye(2), 10
    monkeypatch.setattr(appendix_a, "factorisations", lambda R, ell: {
        "trivial": ([R - np.eye(2)] + [np.zeros((2, 2))] * (ell - 1), None)})
    verdict = get("hm17.thm2.1").check({"R": R, "ell": ell})
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.lhs == 2.0 and verdict.rhs == pytest.approx(4 * math.pi / ell, rel=1e-15)
    assert verdict.message.startswith("no construction met the bound, and the lower bound "
                                      "does not refute it"), verdict.message


def test_claim_a1_parser_names_every_missing_parameter():
    """Claim A.1's parser, given neither ``Q`` nor ``q``, names both in one BadInput line."""
    with pytest.raises(BadInput, match=r"^missing parameter\(s\): Q, q$"):
        get("hm17.claimA.1").parse({})
