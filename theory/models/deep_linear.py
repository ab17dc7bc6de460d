"""The fully connected network of Kawaguchi, Huang & Kaelbling (2019), eq. (4.3), with a
per-unit activation in every hidden layer; deep linear networks are the all-identity case.

f(x; theta) = W^(H+1) h^(H)(x; theta),   h^(l) = sigma^(l)(W^(l) h^(l-1)),   h^(0) = x,

W^(l) in R^{d_l x d_{l-1}}, d_0 = d_x, d_{H+1} = d_y, no biases. ``sigma^(l)`` acts unit by unit
with its own function per unit (``"identity"``, ``"tanh"`` or ``"relu"``), so coordinate-wise
mixtures of linear and nonlinear units - the locally induced partial linear structure of
§4.2.3 - are expressible. Data are column-wise (``X`` is ``d_x x m``). ``theta`` is the
row-major concatenation of the ``W^(l)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import autograd.numpy as anp
import numpy as np

__all__ = ["ACTIVATIONS", "Feedforward", "deep_linear"]

ACTIVATIONS = ("identity", "tanh", "relu")


def _activate(q, names: Sequence[str]):
    """sigma^(l) applied unit by unit: row k of ``q`` goes through ``names[k]``."""
    out = 0.0
    for name in set(names):
        mask = np.array([[1.0] if n == name else [0.0] for n in names])
        if name == "identity":
            out = out + mask * q
        elif name == "tanh":
            out = out + mask * anp.tanh(q)
        else:
            out = out + mask * anp.maximum(q, 0.0)
    return out


@dataclasses.dataclass(frozen=True)
class Feedforward:
    """The net (4.3): ``widths = (d_0=d_x, d_1, ..., d_H, d_{H+1}=d_y)`` and, per hidden layer
    ``l = 1..H``, a tuple of ``d_l`` activation names."""

    widths: tuple[int, ...]
    activations: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if len(self.widths) < 2:
            raise ValueError("widths must list at least d_x and d_y")
        if len(self.activations) != self.H:
            raise ValueError(f"need {self.H} activation lists, got {len(self.activations)}")
        for l, names in enumerate(self.activations, start=1):
            if len(names) != self.widths[l] or not set(names) <= set(ACTIVATIONS):
                raise ValueError(f"layer {l}: need {self.widths[l]} names from {ACTIVATIONS}")

    @property
    def H(self) -> int:
        """Number of hidden layers."""
        return len(self.widths) - 2

    @property
    def d_y(self) -> int:
        return self.widths[-1]

    def shapes(self) -> list[tuple[int, int]]:
        return [(self.widths[l + 1], self.widths[l]) for l in range(self.H + 1)]

    @property
    def d_theta(self) -> int:
        return sum(a * b for a, b in self.shapes())

    def offsets(self) -> list[int]:
        """Start of each W^(l) (l = 1..H+1) inside theta, plus the end."""
        out = [0]
        for a, b in self.shapes():
            out.append(out[-1] + a * b)
        return out

    def pack(self, Ws: Sequence) -> np.ndarray:
        return np.concatenate([np.ravel(W) for W in Ws]).astype(np.float64)

    def unpack(self, theta) -> list:
        off = self.offsets()
        return [anp.reshape(theta[off[k]:off[k + 1]], s) for k, s in enumerate(self.shapes())]

    def layer_outputs(self, theta, X) -> list:
        """[h^(0) = X, h^(1), ..., h^(H), f] of eq. (4.3), each d_l x m."""
        Ws = self.unpack(theta)
        hs = [X]
        for l in range(1, self.H + 1):
            hs.append(_activate(anp.dot(Ws[l - 1], hs[-1]), self.activations[l - 1]))
        hs.append(anp.dot(Ws[self.H], hs[-1]))
        return hs

    def outputs(self, theta, X):
        """f(X; theta), d_y x m."""
        return self.layer_outputs(theta, X)[-1]

    def preactivations(self, theta, X) -> list[np.ndarray]:
        """W^(l) h^(l-1) for l = 1..H (what a ReLU unit's linear region depends on)."""
        Ws = self.unpack(theta)
        hs = self.layer_outputs(theta, X)
        return [np.asarray(anp.dot(Ws[l - 1], hs[l - 1])) for l in range(1, self.H + 1)]


def deep_linear(widths: Sequence[int]) -> Feedforward:
    """The deep linear network (4.3) with every sigma^(l) the identity (§4.2.2, PA4)."""
    widths = tuple(int(w) for w in widths)
    return Feedforward(widths, tuple(("identity",) * w for w in widths[1:-1]))
