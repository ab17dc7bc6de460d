"""The ResNet of Kawaguchi, Huang & Kaelbling (2019), eq. (4.1): f(x; theta) = W (x + R z(x; u)).

Data are stored column-wise: ``X`` is ``d_x x m`` (sample ``i`` is ``X[:, i]``), outputs are
``d_y x m``. The residual function ``z(x; u)`` is a stack of tanh layers
``z = tanh(U_q ... tanh(U_1 x))``: ``q = 1`` is the one-hidden-layer choice ``tanh(U x)``,
``q = 2`` the two-hidden-layer choice ``tanh(U_2 tanh(U_1 x))``. The paper allows any smooth
``z``; these two are the instances the checks use. Everything is written with
``autograd.numpy`` so gradients and Hessians in ``theta`` come from autograd.

``theta`` is the flat vector ``(W.ravel(), R.ravel(), U_1.ravel(), ..., U_q.ravel())``
(row-major; the paper's ``vec`` order differs only by a permutation, which changes no range or
infimum below).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import autograd.numpy as anp
import numpy as np

__all__ = ["ResNetShape", "residual_features", "resnet_outputs"]


def residual_features(X, U: Sequence):
    """The residual function z(X; u) = tanh(U_q ... tanh(U_1 X)) of eq. (4.1), d_z x m."""
    h = X
    for U_k in U:
        h = anp.tanh(anp.dot(U_k, h))
    return h


def resnet_outputs(X, W, R, U: Sequence):
    """Eq. (4.1): the outputs W (X + R z(X; u)) for every sample (columns), d_y x m."""
    return anp.dot(W, X + anp.dot(R, residual_features(X, U)))


@dataclasses.dataclass(frozen=True)
class ResNetShape:
    """Dimensions of the ResNet (4.1): d_x, d_y, d_z and the widths of z's hidden tanh layers.

    ``u_widths = (k_1, ..., k_{q-1})`` are the widths before the last layer of ``z`` (empty for
    the one-hidden-layer choice); the last layer of ``z`` has ``d_z`` units.
    """

    d_x: int
    d_y: int
    d_z: int
    u_widths: tuple[int, ...] = ()

    def u_shapes(self) -> list[tuple[int, int]]:
        widths = [self.d_x, *self.u_widths, self.d_z]
        return [(widths[k + 1], widths[k]) for k in range(len(widths) - 1)]

    def shapes(self) -> list[tuple[int, int]]:
        return [(self.d_y, self.d_x), (self.d_x, self.d_z), *self.u_shapes()]

    @property
    def d_theta(self) -> int:
        return sum(a * b for a, b in self.shapes())

    def pack(self, W, R, U: Sequence) -> np.ndarray:
        """theta = vec([W, R, u]) as one flat float64 vector."""
        return np.concatenate([np.ravel(M) for M in (W, R, *U)]).astype(np.float64)

    def unpack(self, theta) -> tuple:
        """(W, R, [U_1, ..., U_q]) from theta (works on autograd boxes too)."""
        mats, start = [], 0
        for a, b in self.shapes():
            mats.append(anp.reshape(theta[start:start + a * b], (a, b)))
            start += a * b
        return mats[0], mats[1], mats[2:]

    def outputs(self, theta, X):
        """f(X; theta), d_y x m (eq. 4.1)."""
        W, R, U = self.unpack(theta)
        return resnet_outputs(X, W, R, U)

    def w_slice(self) -> slice:
        """Coordinates of W inside theta."""
        return slice(0, self.d_y * self.d_x)

    def r_slice(self) -> slice:
        """Coordinates of R inside theta."""
        start = self.d_y * self.d_x
        return slice(start, start + self.d_x * self.d_z)
