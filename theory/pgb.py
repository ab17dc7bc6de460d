"""The perturbable gradient basis of Kawaguchi, Huang & Kaelbling (2019), Section 3.3.

``V[theta, eps] = {v : ||v|| <= 1, f_{x_i}(theta + eps v) = f_{x_i}(theta) for all i}`` and,
for a finite ``S = {S_1, ..., S_|S|}`` in ``V``, the stacked matrix
``J_S = [J(theta + eps S_1), ..., J(theta + eps S_|S|)]`` gives the PGB model
``f~_theta(X; alpha, eps, S) = J_S vec(alpha)``. Theorem 2 (eq. 3.2) says that at a local
minimum ``L(theta) = inf_{S, alpha} L~_theta(alpha, eps, S)``.

``V`` cannot be enumerated, so this module builds explicit finite ``S`` the way the proofs do
and *verifies* membership to a derived tolerance:

* :func:`null_space_directions` — perturb a linear block ``W2`` by ``a e_j^T`` with ``a`` in
  the null space of the linear block ``W3`` above it (Theorem 3 and 4 proofs; here for the
  ``lintop`` model ``W3 W2 tanh(W1 x)``);
* :func:`left_null_directions` — perturb a weight matrix by ``q a^T`` with ``a`` in the left
  null space of the layer's inputs (the illustration of Section 3.3);
* :func:`coordinate_directions` — the coordinate vectors, e.g. ``{0, e_1, e_2}`` at the saddle
  ``0`` of ``w2 w1 x`` (Theorem 2's control).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
from scipy.linalg import null_space

from theory.numerics import gamma

__all__ = [
    "Membership",
    "coordinate_directions",
    "left_null_directions",
    "membership",
    "null_space_directions",
    "stacked_jacobian",
]


def stacked_jacobian(
    jac: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, eps: float,
    S: Sequence[np.ndarray],
) -> np.ndarray:
    """``J_S = [J(theta + eps S_1), ..., J(theta + eps S_|S|)]`` (Section 3.3; the PGB model
    is ``J_S vec(alpha)``)."""
    return np.hstack([jac(theta + eps * s) for s in S])


@dataclasses.dataclass
class Membership:
    """Whether every ``S_j`` lies in ``V[theta, eps]`` to the derived tolerance."""

    max_norm: float
    max_change: float
    tolerance: float
    derivation: str
    norm_bound: float  # ||S_j|| <= 1, up to the rounding of the norm

    @property
    def ok(self) -> bool:
        """Every ``S_j`` is in ``V[theta, eps]``: no condition fails."""
        return not self.unmet

    @property
    def unmet(self) -> list[str]:
        """The conditions of ``V[theta, eps]`` that fail, as inequalities that are true."""
        out = []
        if not self.max_norm <= self.norm_bound:
            out.append(f"max ||S_j|| = 1 + {self.max_norm - 1.0:.3g} > "
                       f"1 + {self.norm_bound - 1.0:.3g}")
        if not self.max_change <= self.tolerance:
            out.append(f"max output change {self.max_change:.3g} > {self.tolerance:.3g}")
        return out


def membership(
    outputs: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, eps: float,
    S: Sequence[np.ndarray], depth: int,
) -> Membership:
    """Check ``||S_j|| <= 1`` and ``max_i |f(theta + eps S_j) - f(theta)| <= tol`` with
    ``tol = gamma_{c} (1 + ||f_X||_inf)``, ``c = 4 (depth + 1) (d_theta + 1)``: the forward
    error of ``depth`` matrix products and activations, evaluated twice (definition of
    ``V[theta, eps]``, Section 3.3)."""
    f0 = outputs(theta)
    c = 4 * (depth + 1) * (theta.size + 1)
    tol = gamma(c) * (1.0 + float(np.max(np.abs(f0))))
    norms = [float(np.linalg.norm(s)) for s in S]
    changes = [float(np.max(np.abs(outputs(theta + eps * s) - f0))) for s in S]
    return Membership(max(norms), max(changes), tol,
                      "gamma_{4 (depth+1)(d_theta+1)} (1 + ||f_X||_inf)", 1.0 + gamma(theta.size))


def coordinate_directions(d_theta: int, indices: Sequence[int]) -> list[np.ndarray]:
    """``{0} U {e_k : k in indices}``."""
    out = [np.zeros(d_theta)]
    for k in indices:
        e = np.zeros(d_theta)
        e[k] = 1.0
        out.append(e)
    return out


def null_space_directions(
    W_top: np.ndarray, block_offset: int, block_shape: tuple[int, int], d_theta: int,
    columns: Sequence[int] | None = None,
) -> list[np.ndarray]:
    """``{0} U {vec(a e_j^T)}``: perturb the block ``W`` (rows ``block_shape[0]``, stored
    row-major from ``block_offset``) under ``W_top`` by ``a e_j^T`` with ``a`` a unit vector in
    ``Null(W_top)``; then ``W_top (W + eps a e_j^T) = W_top W`` and outputs are unchanged
    (from the proofs of Theorems 3 and 4). One null vector is
    used (enough to reach every ``q b^T h`` through ``alpha``); empty beyond ``{0}`` when
    ``W_top`` has full column rank."""
    rows, cols = block_shape
    N = null_space(W_top)
    out = [np.zeros(d_theta)]
    if N.shape[1] == 0:
        return out
    a = N[:, 0]
    for j in (range(cols) if columns is None else columns):
        D = np.zeros(block_shape)
        D[:, j] = a
        v = np.zeros(d_theta)
        v[block_offset:block_offset + rows * cols] = D.reshape(-1)
        out.append(v)
    return out


def left_null_directions(
    H: np.ndarray, block_offset: int, block_shape: tuple[int, int], d_theta: int,
) -> list[np.ndarray]:
    """``{0} U {vec(e_k a^T)}``: perturb a weight block ``W`` (``rows x d``, row-major from
    ``block_offset``) whose layer input is ``H`` (``d x m``) by ``e_k a^T``, ``a`` a unit vector
    with ``a^T H = 0`` (the illustration of Section 3.3); empty beyond ``{0}`` when ``H`` has
    full row rank."""
    rows, cols = block_shape
    N = null_space(H.T)
    out = [np.zeros(d_theta)]
    if N.shape[1] == 0:
        return out
    a = N[:, 0]
    for k in range(rows):
        D = np.zeros(block_shape)
        D[k, :] = a
        v = np.zeros(d_theta)
        v[block_offset:block_offset + rows * cols] = D.reshape(-1)
        out.append(v)
    return out
