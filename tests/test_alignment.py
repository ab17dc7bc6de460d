"""Tests for theory/alignment.py: certified membership in a column space (the clear-gap rule,
its noise floor and witness) and, on the multiclass softmax cross-entropy (k22 section 2.1.2),
the modified target ``Y' = 2Y - 1`` on one-hot rows and the closed form of ``L^*(eta Y')``
against a direct evaluation of the loss (eq. 2.6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import alignment as al
from theory.alignment import membership
from theory.losses import one_hot
from theory.numerics import gamma

U64 = 2.0**-53


def test_membership_of_a_zero_matrix():
    """A zero (or underflowed) Jacobian has Col(J) = {0}: ``b = 0`` is a member, any other
    ``b`` is not, with rank 0 and the documented reasons."""
    J = np.zeros((3, 4))
    zero = membership(np.zeros(3), J=J)
    assert zero.member is True and zero.rank == 0 and zero.reason == "b = 0"
    b = np.array([1.0, -2.0, 0.5])
    out = membership(b, J=J)
    assert out.member is False and out.rank == 0 and out.rho == 1.0
    assert out.residual == pytest.approx(np.linalg.norm(b), rel=1e-15, abs=0)
    assert out.reason == "the matrix is zero (underflow)"
    tiny = membership(b, J=np.full((3, 4), 1e-310))
    assert tiny.member is False and tiny.reason == "the matrix is zero (underflow)"


def test_flush_subnormals_boundary():
    """Entries with ``|a| < tiny`` (subnormals, of either sign) become 0; ``tiny`` itself and
    everything larger is kept bit for bit; ``None`` passes through."""
    from theory.alignment import flush_subnormals

    tiny = np.finfo(np.float64).tiny
    sub = np.nextafter(tiny, 0.0)
    A = np.array([[tiny, -tiny, sub, -sub], [5e-324, 1.0, -2.5, 0.0]])
    out = flush_subnormals(A)
    np.testing.assert_array_equal(out, [[tiny, -tiny, 0.0, 0.0], [0.0, 1.0, -2.5, 0.0]])
    assert flush_subnormals(None) is None


def test_membership_at_cutoff_cases():
    """The naive decision at a fixed cut-off: ``b = 0`` is always a member, a zero spectrum
    never holds a nonzero ``b``, a combination of the retained left singular vectors is a
    member and a direction cut off (or orthogonal) is not."""
    from theory.alignment import membership_at_cutoff

    rng = np.random.default_rng(1)
    U = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    s = np.array([3.0, 1.0, 1e-9, 0.0, 0.0])
    b_in, b_cut = U[:, :2] @ np.array([1.0, -2.0]), U[:, 2]
    assert membership_at_cutoff(np.zeros(5), s, U, 1e-6) is True
    assert membership_at_cutoff(b_in, np.zeros(5), U, 1e-6) is False
    assert membership_at_cutoff(b_in, s, U, 1e-6) is True
    assert membership_at_cutoff(b_cut, s, U, 1e-6) is False
    assert membership_at_cutoff(b_cut, s, U, 1e-12) is True  # a looser cut-off keeps it
    assert membership_at_cutoff(U[:, 4], s, U, 1e-12) is False


def test_membership_fields_and_witness():
    """The numbers ``membership`` reports besides the decision: the spectrum ``s`` (singular
    values of J, or square roots of the eigenvalues of M), the absolute ``residual`` and the
    noise floor ``delta = c max(p, q) u s_1`` (``sqrt(c p u s_1^2)`` from M, ``q`` of the full
    J on the QR route). A witness beta with ``J beta = b`` exactly certifies membership where
    the gap rule cannot (b along a singular direction below the noise floor), and its numbers
    replace the least-squares ones."""
    from theory.alignment import NOISE_C

    rng = np.random.default_rng(16)
    p, q = 4, 6
    U = np.linalg.qr(rng.standard_normal((p, p)))[0]
    V = np.linalg.qr(rng.standard_normal((q, q)))[0]
    s = np.array([2.0, 1.0, 0.5, 1e-20])
    J = U @ np.diag(s) @ V[:, :p].T
    b = rng.standard_normal(p)
    out = membership(b, J=J)
    np.testing.assert_allclose(out.s, s, rtol=1e-13, atol=1e-15)
    assert out.rank == 3 and out.member is False
    r_perp = abs(U[:, 3] @ b)
    assert out.residual == pytest.approx(r_perp, rel=1e-8, abs=0)
    assert out.rho == pytest.approx(r_perp / np.linalg.norm(b), rel=1e-8, abs=0)
    assert out.delta == pytest.approx(NOISE_C * q * U64 * 2.0, rel=1e-13, abs=0)
    via_M = membership(b, M=J @ J.T)
    assert via_M.member is False and via_M.rank == 3
    assert via_M.delta == pytest.approx(math.sqrt(NOISE_C * p * U64 * 4.0), rel=1e-8, abs=0)
    wide = np.hstack([J, J, J, J, J])  # q = 30 > 4p: the QR route, same column space
    out_w = membership(b, J=wide)
    assert out_w.member is False and out_w.rank == 3
    assert out_w.delta == pytest.approx(NOISE_C * 5 * q * U64 * out_w.s[0], rel=1e-13, abs=0)

    J = np.hstack([np.diag(s), np.zeros((p, q - p))])  # exact axes: J e_4 = 1e-20 e_4
    beta = 1e20 * np.eye(q)[3]  # J beta = e_4, along the direction below the noise floor
    target = J @ beta
    assert target[3] == pytest.approx(1.0, rel=1e-15, abs=0) and not np.any(target[:3])
    plain = membership(target, J=J)
    assert plain.member is False  # the gap rule cuts that direction off
    cert = membership(target, J=J, witness=beta)
    res = float(np.linalg.norm(J @ beta - target))
    bound = gamma(q) * np.linalg.norm(J, 2) * np.linalg.norm(beta)
    assert cert.member is True and cert.reason == "structural witness (bias columns)"
    assert cert.residual == res and cert.rho == res / np.linalg.norm(target)
    assert cert.coef_norm == pytest.approx(1e20, rel=1e-14, abs=0)
    assert cert.member_below == pytest.approx(bound / np.linalg.norm(target), rel=1e-14, abs=0)
    far = membership(target, J=J, witness=np.zeros(q))  # a wrong witness changes nothing
    assert far.member is False and far.reason == plain.reason


# ------------------------------------------------- softmax cross-entropy: Y' and L*(eta Y')
SOFTMAX = "softmax-cross-entropy"
ETAS = (-3.0, -0.5, 0.0, 0.25, 1.0, 4.0, 20.0, 400.0)


def _labels(seed: int, n: int, m_y: int) -> np.ndarray:
    return one_hot(np.random.default_rng(seed).integers(0, m_y, size=n), m_y)


def test_modified_target_of_one_hot_rows_is_plus_one_on_the_class_minus_one_elsewhere():
    Y = _labels(0, 5, 3)
    Yp = al.modified_target(Y, SOFTMAX)
    assert np.array_equal(Yp, np.where(Y == 1, 1.0, -1.0))
    assert np.array_equal(al.modified_target(Y, "cross-entropy"), Yp)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(2, 5),
       st.sampled_from(ETAS))
def test_softmax_lstar_at_the_modified_target_is_the_closed_form(seed, n, m_y, eta):
    """L*(eta Y') evaluated from the loss (eq. 2.6) equals log(1 + (m_y - 1) e^{-2 eta}),
    to the rounding of a log-sum-exp of m_y terms and a mean of n."""
    Y = _labels(seed, n, m_y)
    direct = al.lstar(eta * al.modified_target(Y, SOFTMAX), Y, SOFTMAX)
    closed = al.lstar_modified_target(eta, SOFTMAX, m_y)
    scale = abs(closed) + 2 * abs(eta)  # the log-sum-exp cancels terms of size |eta|
    assert abs(direct - closed) <= gamma(4 * m_y + n) * scale


@pytest.mark.parametrize("loss", ["cross-entropy", "logistic"])
@pytest.mark.parametrize("m_y", [1, 2])
def test_binary_lstar_at_the_modified_target_is_the_closed_form(loss, m_y):
    rng = np.random.default_rng(m_y)
    Y = rng.integers(0, 2, size=(4, m_y)).astype(float)
    if loss == "logistic":
        Y = 2 * Y - 1
    for eta in ETAS:
        direct = al.lstar(eta * al.modified_target(Y, loss), Y, loss)
        closed = al.lstar_modified_target(eta, loss, m_y)
        assert abs(direct - closed) <= gamma(8 + Y.size) * (abs(closed) + abs(eta))


@pytest.mark.parametrize("m_y", [2, 3, 10])
def test_softmax_lstar_vanishes_as_eta_grows_and_is_log_m_at_zero(m_y):
    values = [al.lstar_modified_target(eta, SOFTMAX, m_y) for eta in (0.0, 1.0, 5.0, 40.0)]
    assert values[0] == pytest.approx(math.log(m_y), rel=4 * gamma(1))
    assert values == sorted(values, reverse=True) and values[-1] < 1e-30
    assert math.isfinite(al.lstar_modified_target(-1e6, SOFTMAX, m_y))  # no overflow


def test_softmax_lstar_of_the_unmodified_target_is_the_modified_one_at_half_eta():
    """Softmax ignores a constant shift of a row, and eta Y = (eta / 2)(2Y - 1) + (eta / 2) 1:
    so L*(eta Y) = L*((eta / 2) Y') = log(1 + (m_y - 1) e^{-eta}), which also vanishes as
    eta grows (Y in place of Y' is no negative control for the softmax loss)."""
    Y = _labels(5, 6, 3)
    for eta in ETAS:
        direct = al.lstar(eta * Y, Y, SOFTMAX)
        half = al.lstar_modified_target(eta / 2, SOFTMAX, 3)
        assert abs(direct - half) <= gamma(20) * (abs(half) + abs(eta))


def test_softmax_lstar_of_a_constant_target_is_log_m_at_every_eta():
    """The target that does not vanish: equal logits for every class give log(m_y)."""
    Y = _labels(6, 4, 3)
    for eta in ETAS:
        assert al.lstar(eta * np.ones_like(Y), Y, SOFTMAX) == pytest.approx(
            math.log(3), rel=gamma(8), abs=gamma(8) * abs(eta))


def test_lstar_closed_form_refuses_what_it_does_not_cover():
    with pytest.raises(ValueError, match="m_y >= 2"):
        al.lstar_modified_target(1.0, SOFTMAX, 1)
    with pytest.raises(ValueError, match="no closed form"):
        al.lstar_modified_target(1.0, "squared", 1)


def test_membership_measures_b_in_double_precision_whatever_its_dtype():
    """Definition 2's test reads ``b`` in float64: a float32 ``b`` near float32's largest value
    has a finite norm (its double-precision norm), not the float32 overflow."""
    b = np.array([2e38, 2e38], dtype=np.float32)
    result = membership(b, J=np.zeros((2, 1)))
    assert result.member is False
    assert result.residual == float(np.linalg.norm(b.astype(np.float64)))
    assert math.isfinite(result.residual)


def test_find_structure_set_returns_integer_indices_even_for_the_empty_set():
    """Assumption 1's search returns the found S as integer indices usable on theta, also
    when the first candidate satisfying the Euler identity is the empty set (f = 0)."""
    J = np.array([[1.0, 2.0], [0.5, -1.0]])
    theta = np.array([0.3, -0.7])
    S = al.find_structure_set(np.zeros(2), J, theta, [[], [0, 1]], rounding_terms=2)
    assert S.dtype.kind == "i" and S.size == 0
    assert theta[S].size == 0
