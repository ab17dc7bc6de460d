"""Fully connected feedforward networks with any activation per hidden layer (k22 §2, the
"common model structure" MLP; k19 Thm 4 deep nonlinear nets; j19 eq. 1 networks).

``f(x, theta) = W_H sigma_{H-1}( ... sigma_1(W_1 x + b_1) ... ) + b_H``: the last layer is linear
(``f`` is the pre-activation output, as in k22 §2.1.1). All parameters live in one float64 vector
``theta``, layer by layer, each layer as ``W_l`` (row-major, shape ``m_l x m_{l-1}``) then
``b_l``. Samples are rows: ``X`` is ``n x d_x`` and ``forward`` returns ``n x d_y``.

>>> import numpy as np
>>> net = Feedforward([2, 3, 1], ["tanh"])
>>> theta = net.init(np.random.default_rng(0))
>>> net.forward(theta, np.zeros((4, 2))).shape
(4, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theory.activations import Activation, get_activation
from theory.backend import namespace

__all__ = ["Feedforward"]


class Feedforward:
    """A dense network ``widths = [d_x, m_1, ..., m_{H-1}, d_y]`` with one activation per hidden
    layer (``activations`` a name, an :class:`Activation`, or a list of them) and biases when
    ``bias`` is true. The output layer is linear."""

    family = "feedforward"

    def __init__(
        self,
        widths: Sequence[int],
        activations: str | Activation | Sequence[str | Activation] = "tanh",
        bias: bool = True,
    ) -> None:
        widths = [int(w) for w in widths]
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"widths must hold >= 2 positive sizes, got {widths}")
        hidden = len(widths) - 2
        if isinstance(activations, str | Activation):
            activations = [activations] * hidden
        if len(activations) != hidden:
            raise ValueError(
                f"need {hidden} activations (one per hidden layer), got {len(activations)}"
            )
        self.widths = widths
        self.activations = [get_activation(a) for a in activations]
        self.bias = bool(bias)
        self.shapes = [(widths[l + 1], widths[l]) for l in range(len(widths) - 1)]

    def __repr__(self) -> str:
        acts = [a.name for a in self.activations]
        return f"Feedforward(widths={self.widths}, activations={acts}, bias={self.bias})"

    @property
    def n_layers(self) -> int:
        """Number of dense layers ``H`` (hidden layers plus the linear output layer)."""
        return len(self.shapes)

    @property
    def d_x(self) -> int:
        return self.widths[0]

    @property
    def d_y(self) -> int:
        return self.widths[-1]

    def layer_sizes(self) -> list[int]:
        """Number of parameters of each layer (``m_l m_{l-1}`` plus ``m_l`` with bias)."""
        return [m * k + (m if self.bias else 0) for m, k in self.shapes]

    def n_params(self) -> int:
        """Total number of parameters ``P = len(theta)``."""
        return sum(self.layer_sizes())

    def offsets(self) -> list[int]:
        """Start of each layer's block in ``theta`` (plus the end, ``P``)."""
        return [0, *np.cumsum(self.layer_sizes()).tolist()]

    def unflatten(self, theta: Any) -> list[tuple[Any, Any]]:
        """``theta`` as a list of ``(W_l, b_l)`` views (``b_l`` is ``None`` without biases)."""
        if theta.shape != (self.n_params(),):
            raise ValueError(f"theta must have shape ({self.n_params()},), got {theta.shape}")
        xp = namespace(theta)  # the standard's reshape: a view on NumPy and CuPy alike
        layers, off = [], self.offsets()
        for (m, k), start in zip(self.shapes, off, strict=False):
            W = xp.reshape(theta[start : start + m * k], (m, k))
            b = theta[start + m * k : start + m * k + m] if self.bias else None
            layers.append((W, b))
        return layers

    def flatten(self, layers: Sequence[tuple[Any, Any]]) -> np.ndarray:
        """The inverse of :meth:`unflatten`: one float64 vector from ``[(W_l, b_l), ...]``."""
        parts = []
        for (W, b), (m, k) in zip(layers, self.shapes, strict=True):
            if W.shape != (m, k):
                raise ValueError(f"layer weight must have shape {(m, k)}, got {W.shape}")
            parts.append(np.reshape(W, -1))
            if self.bias:
                parts.append(np.reshape(b, -1))
        return np.concatenate(parts).astype(np.float64)

    def init(self, rng: np.random.Generator, scheme: str = "he") -> np.ndarray:
        """Random ``theta``: ``he`` draws ``W_l ~ N(0, 2/m_{l-1})``, ``normal`` draws
        ``N(0, 1/m_{l-1})``; biases ``N(0, 0.01)`` (nonzero so they enter the Jacobian)."""
        gains = {"he": 2.0, "normal": 1.0}
        if scheme not in gains:
            raise ValueError(f"unknown init scheme {scheme!r}; choose 'he' or 'normal'")
        layers = []
        for m, k in self.shapes:
            W = rng.standard_normal((m, k)) * np.sqrt(gains[scheme] / k)
            b = 0.1 * rng.standard_normal(m) if self.bias else None
            layers.append((W, b))
        return self.flatten(layers)

    def layer_outputs(self, theta: Any, X: Any) -> tuple[list[Any], list[Any]]:
        """``(A, Z)``: the inputs ``A_{l-1}`` (``n x m_{l-1}``, ``A_0 = X``) and
        pre-activations ``Z_l = A_{l-1} W_l^T + b_l`` of every layer; ``Z[-1]`` is the output."""
        A, Z = [X], []
        for l, (W, b) in enumerate(self.unflatten(theta)):
            z = A[-1] @ W.T
            if b is not None:
                z = z + b
            Z.append(z)
            if l < self.n_layers - 1:
                A.append(self.activations[l].value(z))
        return A, Z

    def forward(self, theta: Any, X: Any) -> Any:
        """The outputs ``f_X(theta)``, shape ``n x d_y`` (row ``i`` is ``f(x_i, theta)``)."""
        self._check_X(X)
        return self.layer_outputs(theta, X)[1][-1]

    def forward_traced(self, theta: Any, X: np.ndarray, *, complex_step: bool = False) -> Any:
        """``forward`` written for autograd (``traced`` activations), or for complex ``theta``
        (``analytic`` activations) when ``complex_step``: the reference Jacobians use these."""
        a = X
        for l, (W, b) in enumerate(self.unflatten(theta)):
            a = a @ W.T + (b if b is not None else 0.0)
            if l < self.n_layers - 1:
                act = self.activations[l]
                a = act.analytic(a) if complex_step else act.traced(a)
        return a

    def _check_X(self, X: Any) -> None:
        if X.ndim != 2 or X.shape[1] != self.d_x:
            raise ValueError(f"X must have shape (n, {self.d_x}), got {X.shape}")
