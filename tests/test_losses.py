"""The registry of losses of :mod:`theory.losses`: value, gradient and Hessian of every entry
against closed forms, and the targets each loss accepts."""

from __future__ import annotations

import numpy as np
import pytest

from theory.losses import LOSSES, get_loss
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
