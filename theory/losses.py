"""Per-sample losses ``l(f, y)`` with their first and second derivatives in ``f``.

Used by k19 (Assumption 1: differentiable, convex in ``f``), k22 (Assumption 4: smooth, convex;
squared and cross-entropy with the modified target ``Y' = 2Y - 1``) and j19 (eq. 1). Outputs
``f`` and targets ``y`` are arrays of one shape; ``value`` is elementwise (sum it yourself with
the sample weights ``lambda_i``), ``grad`` and ``hess`` are the elementwise derivatives.
The formulas are written so that large ``|f|`` neither overflows nor loses the derivative.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.special import expit

__all__ = ["LOSSES", "Loss", "get_loss"]


@dataclasses.dataclass(frozen=True)
class Loss:
    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    hess: Callable[[np.ndarray, np.ndarray], np.ndarray]
    targets: str  # "real", "binary01" or "sign"


def _squared() -> Loss:
    return Loss(
        "squared",
        lambda f, y: (f - y) ** 2,
        lambda f, y: 2.0 * (f - y),
        lambda f, y: np.full(np.broadcast(f, y).shape, 2.0),
        "real",
    )


def _cross_entropy() -> Loss:
    """Binary cross-entropy on logits, y in {0, 1}: ``log(1 + e^f) - y f``."""
    return Loss(
        "cross-entropy",
        lambda f, y: np.logaddexp(0.0, f) - y * f,
        lambda f, y: expit(f) - y,
        lambda f, y: expit(f) * expit(-f) + 0.0 * y,
        "binary01",
    )


def _logistic() -> Loss:
    """Logistic loss, y in {-1, +1}: ``log(1 + e^{-y f})``."""
    return Loss(
        "logistic",
        lambda f, y: np.logaddexp(0.0, -y * f),
        lambda f, y: -y * expit(-y * f),
        lambda f, y: y * y * expit(y * f) * expit(-y * f),
        "sign",
    )


def _smoothed_hinge() -> Loss:
    """Quadratically smoothed hinge, y in {-1, +1}, with z = y f:
    ``1/2 - z`` for ``z <= 0``, ``(1 - z)^2 / 2`` for ``0 < z < 1``, ``0`` for ``z >= 1``."""

    def value(f: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = y * f
        return np.where(z <= 0, 0.5 - z, np.where(z < 1, 0.5 * (1 - z) ** 2, 0.0))

    def grad(f: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = y * f
        return y * np.where(z <= 0, -1.0, np.where(z < 1, z - 1.0, 0.0))

    def hess(f: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = y * f
        return y * y * np.where((z > 0) & (z < 1), 1.0, 0.0)

    return Loss("smoothed-hinge", value, grad, hess, "sign")


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (_squared(), _cross_entropy(), _logistic(), _smoothed_hinge())
}


def get_loss(name: str) -> Loss:
    """The loss called ``name`` (``squared``, ``cross-entropy``, ``logistic``,
    ``smoothed-hinge``)."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose from {', '.join(LOSSES)}") from None
