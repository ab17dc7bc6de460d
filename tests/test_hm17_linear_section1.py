"""Hardt & Ma (2017) §1.1 (:mod:`checks.papers.hm17_linear.section1`): the bad critical point
of the standard parameterisation at ``W = 0``."""

from __future__ import annotations

import numpy as np
import pytest

from checks.framework import Status
from checks.registry import get
from theory.numerics import gamma, unit_roundoff


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


U = unit_roundoff()


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



def test_rem11_hypothesis_treats_a_gap_within_ten_rounding_bounds_as_zero():
    """The hypothesis ``R Sigma^{1/2} != 0`` rejects a gap ``||R Sigma^{1/2}||_F^2`` up to ten
    times the gap's rounding bound ``2 gamma_{2d+2} ||R||_F^2 ||Sigma||_F``, and accepts one
    beyond. ``R = e_1 e_2^T`` and ``Sigma = diag(1, eps)`` give the gap ``eps`` exactly and
    ``||R||_F = 1``, ``||Sigma||_F = 1`` in float."""
    check = {h.name: h.check for h in get("hm17.rem1.1").hypotheses}["R Sigma^{1/2} != 0"]
    R = np.array([[0.0, 1.0], [0.0, 0.0]])
    bound = 2 * gamma(2 * 2 + 2)
    for multiple, accepted in ((5, False), (15, True)):
        inst = {"R": R, "Sigma": np.diag([1.0, multiple * bound]), "ell": 2}
        assert (check(inst) is True) is accepted, multiple


def test_rem11_hypothesis_threshold_is_ten_times_twice_gamma_2d_plus_2():
    """The ``R Sigma^{1/2} != 0`` threshold sits at ten times ``2 gamma_{2d+2} ||R||_F^2
    ||Sigma||_F`` and no higher: for ``d = 2`` a gap of 11 such bounds is accepted, 9.5 is
    not (``gamma_7`` in place of ``gamma_6`` would move the threshold to 11.7 bounds).
    ``gamma_n = n u / (1 - n u)`` with ``u = 2^-53``; the instance is the one above, whose gap
    is ``eps`` exactly."""
    check = {h.name: h.check for h in get("hm17.rem1.1").hypotheses}["R Sigma^{1/2} != 0"]
    u = 2.0**-53
    bound = 2 * (6 * u / (1 - 6 * u))
    R = np.array([[0.0, 1.0], [0.0, 0.0]])
    for multiple, accepted in ((9.5, False), (11.0, True)):
        inst = {"R": R, "Sigma": np.diag([1.0, multiple * bound]), "ell": 2}
        assert (check(inst) is True) is accepted, multiple
