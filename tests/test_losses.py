"""The registry of losses of :mod:`theory.losses`: value, gradient and Hessian of every entry
against closed forms, and the targets each loss accepts; the row-wise softmax cross-entropy of
k22 section 2.1.2 (value, gradient and Hessian against autograd and finite differences,
stability, curvature) and the label checks every parser shares."""

from __future__ import annotations

import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.losses import LOSSES, MULTICLASS_LOSSES, get_loss, label_error, one_hot
from theory.numerics import unit_roundoff

_TARGETS = {"squared": "real", "cross-entropy": "binary01", "logistic": "sign",
            "smoothed-hinge": "sign"}


def _targets(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "real":
        return rng.standard_normal(n)
    if kind == "binary01":
        return rng.integers(0, 2, n).astype(float)
    return rng.choice([-1.0, 1.0], n)


def _loss_closed_form(name: str, f: np.ndarray, y: np.ndarray) -> np.ndarray:
    z = y * f
    return {
        "squared": (f - y) ** 2,
        "cross-entropy": np.log1p(np.exp(f)) - y * f,
        "logistic": np.log1p(np.exp(-z)),
        "smoothed-hinge": np.select([z <= 0, z < 1], [0.5 - z, 0.5 * (1 - z) ** 2], 0.0),
    }[name]


def test_loss_registry_and_targets():
    """The registry holds the four losses of the module docstring, each with the target set
    its own docstring names (kills a mutated ``targets`` string), and ``get_loss`` rejects
    an unknown name listing the choices."""
    assert {n: loss.targets for n, loss in LOSSES.items()} == _TARGETS
    for name, loss in LOSSES.items():
        assert loss.name == name and get_loss(name) is loss
    with pytest.raises(ValueError, match="unknown loss 'hinge'") as err:
        get_loss("hinge")
    for name in LOSSES:
        assert name in str(err.value)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_value_gradient_hessian(name):
    """Every loss: value against its closed form, ``grad`` against central differences of
    ``value`` and ``hess`` against central differences of ``grad`` (away from the smoothed
    hinge's kinks), convexity ``hess >= 0`` (k19 Assumption 1), and finite values and
    derivatives at ``|f| = 800``. Kills wrong formulas in any lambda of the registry."""
    rng = np.random.default_rng(5)
    loss = LOSSES[name]
    y = _targets(loss.targets, rng, 200)
    f = 3.0 * rng.standard_normal(200)
    if name == "smoothed-hinge":
        z = y * f
        keep = (np.abs(z) > 1e-3) & (np.abs(z - 1) > 1e-3)
        f, y = f[keep], y[keep]
    np.testing.assert_allclose(loss.value(f, y), _loss_closed_form(name, f, y), rtol=1e-13,
                               atol=4 * unit_roundoff() * np.max(np.abs(f)))  # "- y f" cancels
    h = 1e-6
    fd1 = (loss.value(f + h, y) - loss.value(f - h, y)) / (2 * h)
    np.testing.assert_allclose(loss.grad(f, y), fd1, rtol=1e-6, atol=1e-8)
    fd2 = (loss.grad(f + h, y) - loss.grad(f - h, y)) / (2 * h)
    np.testing.assert_allclose(loss.hess(f, y), fd2, rtol=1e-6, atol=1e-7)
    assert np.all(loss.hess(f, y) >= 0.0)
    assert loss.hess(f, y).shape == f.shape
    big = np.array([-800.0, 800.0, -800.0, 800.0])
    yb = _targets(loss.targets, rng, 4) if loss.targets == "real" else (
        np.array([0.0, 0.0, 1.0, 1.0]) if loss.targets == "binary01"
        else np.array([-1.0, -1.0, 1.0, 1.0]))
    with np.errstate(over="raise", invalid="raise"):
        for part in (loss.value, loss.grad, loss.hess):
            assert np.all(np.isfinite(part(big, yb)))


def test_smoothed_hinge_pieces_meet():
    """The smoothed hinge is C^1: at ``z = 0`` and ``z = 1`` the neighbouring pieces give the
    same value and slope (``1/2, -y`` and ``0, 0``)."""
    loss = LOSSES["smoothed-hinge"]
    for y in (-1.0, 1.0):
        f = np.array([0.0, 1.0]) * y
        yy = np.array([y, y])
        np.testing.assert_array_equal(loss.value(f, yy), [0.5, 0.0])
        np.testing.assert_array_equal(loss.grad(f, yy), [-y, 0.0])
        np.testing.assert_array_equal(loss.hess(f, yy), [0.0, 0.0])


# ---------------------------------------------------------------- softmax cross-entropy
SOFTMAX = "softmax-cross-entropy"


def _reference_value(q, y):
    """l(q, y) = log sum_j e^{q_j} - <y, q>, written for autograd (no shift: small q only)."""
    return anp.log(anp.sum(anp.exp(q))) - anp.dot(y, q)


def _draw(seed: int, m_y: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(m_y), one_hot(rng.integers(0, m_y, size=1), m_y)[0]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5))
def test_softmax_cross_entropy_value_and_gradient_match_autograd(seed, m_y):
    q, y = _draw(seed, m_y)
    loss = get_loss(SOFTMAX)
    assert np.isclose(loss.value(q, y), _reference_value(q, y), rtol=8 * unit_roundoff() * m_y)
    ref = autograd.grad(_reference_value)(q, y)
    assert np.allclose(loss.grad(q, y), ref, rtol=0, atol=16 * m_y * unit_roundoff())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5))
def test_softmax_cross_entropy_hessian_matches_autograd_and_differences(seed, m_y):
    q, y = _draw(seed, m_y)
    loss = get_loss(SOFTMAX)
    H = loss.hess(q, y)
    assert np.allclose(H, autograd.hessian(_reference_value)(q, y), rtol=0,
                       atol=32 * m_y * unit_roundoff())
    # central differences of the gradient: truncation and rounding both O(u^{2/3})
    h = unit_roundoff() ** (1 / 3)
    fd = np.stack([(loss.grad(q + h * e, y) - loss.grad(q - h * e, y)) / (2 * h)
                   for e in np.eye(m_y)], axis=1)
    assert np.allclose(H, fd, rtol=0, atol=10 * unit_roundoff() ** (2 / 3))


def test_softmax_cross_entropy_is_row_wise_on_a_batch():
    """On an n x m_y batch: one value per row, the gradient's shape, an m_y x m_y Hessian block
    per row, each the single-row result."""
    rng = np.random.default_rng(3)
    Q, Y = rng.standard_normal((4, 3)), one_hot(rng.integers(0, 3, size=4), 3)
    loss = get_loss(SOFTMAX)
    assert loss.rowwise and not any(ell.rowwise for ell in LOSSES.values())
    value, grad, hess = loss.value(Q, Y), loss.grad(Q, Y), loss.hess(Q, Y)
    assert value.shape == (4,) and grad.shape == (4, 3) and hess.shape == (4, 3, 3)
    for i in range(4):
        assert value[i] == loss.value(Q[i], Y[i])
        assert np.array_equal(grad[i], loss.grad(Q[i], Y[i]))
        assert np.array_equal(hess[i], loss.hess(Q[i], Y[i]))


@pytest.mark.parametrize("scale", [1e3, 1e300])
def test_softmax_cross_entropy_does_not_overflow_at_huge_logits(scale):
    """Shifted by max q: the value is finite, the gradient a difference of probabilities."""
    q, y = np.array([scale, -scale, 0.0]), np.array([0.0, 1.0, 0.0])
    loss = get_loss(SOFTMAX)
    value, grad = loss.value(q, y), loss.grad(q, y)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert value == pytest.approx(2 * scale, rel=unit_roundoff() * 4)  # q_1 - q_2
    assert np.array_equal(grad, np.array([1.0, -1.0, 0.0]))


@pytest.mark.parametrize("name", sorted([*LOSSES, *MULTICLASS_LOSSES]))
def test_curvature_bounds_every_loss_hessian(name):
    """``curvature`` is sup ||Hessian||_2 over f (the factor by which an error in f moves the
    gradient, as the k22 oracles use it): no drawn point exceeds it, and a point near the
    supremum comes within 1 %."""
    loss = get_loss(name)
    rng = np.random.default_rng(7)
    m_y = 3 if loss.rowwise else 1
    worst = 0.0
    for scale in (0.01, 0.3, 1.0, 3.0):
        F = scale * rng.standard_normal((200, m_y))
        Y = {"real": lambda: rng.standard_normal((200, 1)),
             "binary01": lambda: rng.integers(0, 2, (200, 1)).astype(float),
             "sign": lambda: rng.choice([-1.0, 1.0], (200, 1)),
             "one-hot": lambda: one_hot(rng.integers(0, m_y, 200), m_y)}[loss.targets]()
        H = loss.hess(F, Y)
        norms = (np.linalg.norm(H, 2, axis=(1, 2)) if loss.rowwise else np.abs(H).ravel())
        worst = max(worst, float(np.max(norms)))
    assert worst <= loss.curvature * (1 + 4 * unit_roundoff())
    assert worst >= 0.99 * loss.curvature


def test_softmax_curvature_one_half_is_attained_by_two_tied_classes():
    H = get_loss(SOFTMAX).hess(np.zeros(2), np.array([1.0, 0.0]))
    assert np.linalg.eigvalsh(H)[-1] == get_loss(SOFTMAX).curvature == 0.5


# ------------------------------------------------------------------------------ labels
def test_label_error_accepts_one_hot_rows():
    assert label_error(SOFTMAX, one_hot(np.array([2, 0, 1, 2]), 3)) is None


@pytest.mark.parametrize("Y,match", [
    ([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], r"one-hot rows .*; row 0 is \[1\., 1\., 0\.\]$"),
    ([[0.0, 0.0], [0.0, 1.0]], r"one-hot rows .*; row 0 is \[0\., 0\.\]$"),
    ([[0.0, 1.0], [0.5, 0.5]], r"one-hot rows .*; row 1 is \[0\.5, 0\.5\]$"),
    ([[1.0], [0.0]], r"needs m_y >= 2 classes .*got m_y = 1; use cross-entropy"),
])
def test_label_error_names_the_first_row_that_is_not_one_hot(Y, match):
    why = label_error(SOFTMAX, np.array(Y))
    assert why is not None and "\n" not in why
    assert why.startswith("the softmax-cross-entropy loss needs ")
    assert re.search(match, why), why


def test_label_error_keeps_the_binary_label_sets():
    assert label_error("cross-entropy", np.array([[0.0], [1.0]])) is None
    assert label_error("cross-entropy", np.array([[2.0]])) == (
        "the cross-entropy loss needs labels in {0, 1}")
    assert label_error("logistic", np.array([[0.0]])) == (
        "the logistic loss needs labels in {-1, +1}")
    assert label_error("squared", np.array([[0.3]])) is None


def test_one_hot_refuses_a_class_index_out_of_range():
    with pytest.raises(ValueError, match=r"^class index 3 of sample 1 is out of range 0 \.\. 2$"):
        one_hot(np.array([0, 3, -1]), 3)
    with pytest.raises(ValueError, match=r"^class index -1 of sample 0 is out of range"):
        one_hot(np.array([-1]), 2)
    with pytest.raises(ValueError, match="m_y >= 2"):
        one_hot(np.array([0]), 1)
    with pytest.raises(ValueError, match="1-d integer array"):
        one_hot(np.array([0.0, 1.0]), 2)


def test_one_hot_rows_are_the_classes():
    classes = np.array([2, 0, 1, 1])
    Y = one_hot(classes, 3)
    assert Y.dtype == np.float64 and np.array_equal(np.argmax(Y, axis=1), classes)
    assert np.array_equal(Y.sum(axis=1), np.ones(4))
