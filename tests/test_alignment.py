"""Tests for theory/alignment.py on the multiclass softmax cross-entropy (k22 section 2.1.2):
the modified target ``Y' = 2Y - 1`` on one-hot rows and the closed form of ``L^*(eta Y')``
against a direct evaluation of the loss (eq. 2.6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import alignment as al
from theory.losses import one_hot
from theory.numerics import gamma

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
