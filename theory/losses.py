"""Per-sample losses ``l(f, y)`` with their first and second derivatives in ``f``.

Used by k19 (Assumption 1: differentiable, convex in ``f``), k22 (Assumption 3: smooth, convex;
squared and cross-entropy with the modified target ``Y' = 2Y - 1``, section 2.1.2) and j19
(eq. 1). Outputs ``f`` and targets ``y`` are arrays of one shape.

Two kinds of loss share the interface (:attr:`Loss.rowwise` tells them apart):

* elementwise (squared, cross-entropy, logistic, smoothed hinge, :data:`LOSSES`): ``value`` is
  elementwise (sum it yourself with the sample weights ``lambda_i``), ``grad`` and ``hess`` are
  the elementwise derivatives;
* row-wise (softmax cross-entropy, k22 section 2.1.2's multiclass loss): the last axis of ``f``
  is the output ``q in R^{m_y}`` of one sample; ``value`` has one entry per row (shape
  ``f.shape[:-1]``), ``grad`` the shape of ``f`` and ``hess`` one ``m_y x m_y`` block per row
  (shape ``f.shape + (m_y,)``).

Either way ``np.sum(loss.value(F, Y))`` is ``sum_i l(f_i, y_i)`` and ``loss.grad(F, Y)`` the
matrix of ``nabla l_i(f_i)``, rows by sample. The formulas are written so that large ``|f|``
neither overflows nor loses the derivative.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy.special import expit, logsumexp, softmax

__all__ = ["LOSSES", "MULTICLASS_LOSSES", "Loss", "get_loss", "label_error", "one_hot"]


@dataclasses.dataclass(frozen=True)
class Loss:
    """A loss with its derivatives in ``f``. ``curvature`` is ``sup ||nabla^2 l||_2`` over
    ``f`` and the label set (how far a perturbation of ``f`` can move the gradient; ``inf``
    where no bound is claimed); ``rowwise`` as in the module docstring."""

    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    hess: Callable[[np.ndarray, np.ndarray], np.ndarray]
    targets: str  # "real", "binary01", "sign" or "one-hot"
    curvature: float = math.inf
    rowwise: bool = False


def _squared() -> Loss:
    return Loss(
        "squared",
        lambda f, y: (f - y) ** 2,
        lambda f, y: 2.0 * (f - y),
        lambda f, y: np.full(np.broadcast(f, y).shape, 2.0),
        "real", 2.0,
    )


def _cross_entropy() -> Loss:
    """Binary cross-entropy on logits, y in {0, 1}: ``log(1 + e^f) - y f``."""
    return Loss(
        "cross-entropy",
        lambda f, y: np.logaddexp(0.0, f) - y * f,
        lambda f, y: expit(f) - y,
        lambda f, y: expit(f) * expit(-f) + 0.0 * y,
        "binary01", 0.25,
    )


def _logistic() -> Loss:
    """Logistic loss, y in {-1, +1}: ``log(1 + e^{-y f})``."""
    return Loss(
        "logistic",
        lambda f, y: np.logaddexp(0.0, -y * f),
        lambda f, y: -y * expit(-y * f),
        lambda f, y: y * y * expit(y * f) * expit(-y * f),
        "sign", 0.25,  # for labels y in {-1, +1}
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

    return Loss("smoothed-hinge", value, grad, hess, "sign", 1.0)


def _softmax_cross_entropy() -> Loss:
    """Softmax cross-entropy on logits ``q in R^{m_y}`` with a one-hot ``y`` (k22 section
    2.1.2, the multiclass loss of the modified target ``Y' = 2Y - 1``):
    ``l(q, y) = log sum_j e^{q_j} - <y, q>``, gradient ``softmax(q) - y``, Hessian
    ``diag(p) - p p^T`` with ``p = softmax(q)``. The log-sum-exp and the softmax shift by
    ``max_j q_j``, so no logit overflows. The Hessian's eigenvalues lie in ``[0, 1/2]``: for a
    unit ``u``, ``u^T H u = Var_p(u) <= (max_j u_j - min_j u_j)^2 / 4 <= 1/2`` (Popoviciu's
    inequality, then ``(a - b)^2 <= 2 (a^2 + b^2) <= 2``); ``m_y = 2``, ``q = 0`` attains it."""

    def value(q: np.ndarray, y: np.ndarray) -> np.ndarray:
        return logsumexp(q, axis=-1) - np.sum(y * q, axis=-1)

    def grad(q: np.ndarray, y: np.ndarray) -> np.ndarray:
        return softmax(q, axis=-1) - y

    def hess(q: np.ndarray, y: np.ndarray) -> np.ndarray:
        p = np.broadcast_to(softmax(q, axis=-1), np.broadcast(q, y).shape)
        return p[..., :, None] * np.eye(p.shape[-1]) - p[..., :, None] * p[..., None, :]

    return Loss("softmax-cross-entropy", value, grad, hess, "one-hot", 0.5, rowwise=True)


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (_squared(), _cross_entropy(), _logistic(), _smoothed_hinge())
}
"""The elementwise losses (those k19's separable objectives accept)."""

MULTICLASS_LOSSES: dict[str, Loss] = {"softmax-cross-entropy": _softmax_cross_entropy()}
"""The row-wise losses on ``m_y >= 2`` outputs per sample."""


def get_loss(name: str) -> Loss:
    """The loss called ``name`` (``squared``, ``cross-entropy``, ``logistic``,
    ``smoothed-hinge``, ``softmax-cross-entropy``)."""
    try:
        return LOSSES[name] if name in LOSSES else MULTICLASS_LOSSES[name]
    except KeyError:
        names = ", ".join([*LOSSES, *MULTICLASS_LOSSES])
        raise ValueError(f"unknown loss {name!r}; choose from {names}") from None


def label_error(name: str, Y: np.ndarray) -> str | None:
    """Why the label matrix ``Y`` (``n x m_y``, one row per sample) cannot go with the loss
    ``name``, in one line; ``None`` when it can. Cross-entropy needs {0, 1}, the logistic loss
    {-1, +1} (k22 section 2.1.2), softmax cross-entropy one-hot rows over ``m_y >= 2``
    classes."""
    targets = get_loss(name).targets
    Y = np.asarray(Y)
    if targets == "binary01" and not np.all((Y == 0) | (Y == 1)):
        return f"the {name} loss needs labels in {{0, 1}}"
    if targets == "sign" and not np.all(np.abs(Y) == 1):
        return f"the {name} loss needs labels in {{-1, +1}}"
    if targets != "one-hot":
        return None
    if Y.ndim != 2 or Y.shape[1] < 2:
        m_y = Y.shape[1] if Y.ndim == 2 else "?"
        return (f"the {name} loss needs m_y >= 2 classes (one-hot rows), got m_y = {m_y}; "
                f"use cross-entropy for one {{0, 1}} output")
    bad = np.flatnonzero(~np.all((Y == 0) | (Y == 1), axis=1) | (np.sum(Y == 1, axis=1) != 1))
    if bad.size:
        return (f"the {name} loss needs one-hot rows (a single 1, the rest 0); row {bad[0]} "
                f"is {np.array2string(Y[bad[0]], separator=', ', threshold=8)}")
    return None


def one_hot(classes: np.ndarray, m_y: int) -> np.ndarray:
    """The one-hot label matrix (``n x m_y``, float64) of the class indices ``classes`` in
    ``0 .. m_y - 1``; raises ``ValueError`` naming the first index out of range."""
    classes = np.asarray(classes)
    if m_y < 2:
        raise ValueError(f"one-hot labels need m_y >= 2 classes, got {m_y}")
    if classes.ndim != 1 or not np.issubdtype(classes.dtype, np.integer):
        raise ValueError(f"class indices must be a 1-d integer array, got {classes.dtype} "
                         f"of shape {classes.shape}")
    out = (classes < 0) | (classes >= m_y)
    if np.any(out):
        i = int(np.flatnonzero(out)[0])
        raise ValueError(f"class index {int(classes[i])} of sample {i} is out of range "
                         f"0 .. {m_y - 1}")
    return np.eye(m_y)[classes]
