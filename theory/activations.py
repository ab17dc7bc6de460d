"""Activation functions with their first and second derivatives, written to be stable for
large ``|x|`` and to run on any array-API backend (NumPy, CuPy).

Each :class:`Activation` carries three more forms of its value for the reference Jacobians of
:mod:`theory.jacobian`: ``traced`` (differentiable by autograd) and ``analytic`` (holomorphic
near the real axis, for the complex-step derivative).

>>> import numpy as np
>>> float(ACTIVATIONS["softplus"].d1(np.array(0.0)))
0.5
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import autograd.numpy as anp
import numpy as np
from array_api_compat import array_namespace

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]

Fn = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Activation:
    """An elementwise activation ``sigma`` with ``d1 = sigma'`` and ``d2 = sigma''``.

    ``traced`` is the value written with ``autograd.numpy`` (for autograd), ``analytic`` the
    value for complex input (for the complex step ``Im sigma(x + ih) / h``)."""

    name: str
    value: Fn
    d1: Fn
    d2: Fn
    traced: Fn
    analytic: Fn
    smooth: bool = True


def _xp(x: Any) -> Any:
    return array_namespace(x)


def _sigmoid(x: Any) -> Any:
    # 1/(1+e^{-x}) = (1 + tanh(x/2))/2: no overflow for any real x, holomorphic, any backend.
    xp = _xp(x)
    return 0.5 * (1.0 + xp.tanh(0.5 * x))


def _tanh() -> Activation:
    def d1(x: Any) -> Any:
        t = _xp(x).tanh(x)
        return 1.0 - t * t

    def d2(x: Any) -> Any:
        t = _xp(x).tanh(x)
        return -2.0 * t * (1.0 - t * t)

    return Activation("tanh", lambda x: _xp(x).tanh(x), d1, d2, anp.tanh, np.tanh)


def _sigmoid_act() -> Activation:
    def d1(x: Any) -> Any:
        # s(x) s(-x) keeps the tiny tails accurate, unlike s (1 - s).
        return _sigmoid(x) * _sigmoid(-x)

    def d2(x: Any) -> Any:
        return _sigmoid(x) * _sigmoid(-x) * (_sigmoid(-x) - _sigmoid(x))

    def traced(x: Any) -> Any:
        return 0.5 * (1.0 + anp.tanh(0.5 * x))

    def analytic(z: Any) -> Any:
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    return Activation("sigmoid", _sigmoid, d1, d2, traced, analytic)


def _softplus_analytic(z: Any) -> Any:
    # log(1 + e^z) on the branch that does not overflow; each branch is holomorphic.
    pos = z.real > 0
    safe = np.where(pos, -z, z)
    return np.where(pos, z, 0.0) + np.log1p(np.exp(safe))


def _softplus() -> Activation:
    def value(x: Any) -> Any:
        return _xp(x).logaddexp(0.0 * x, x)

    def d2(x: Any) -> Any:
        return _sigmoid(x) * _sigmoid(-x)

    return Activation(
        "softplus", value, _sigmoid, d2, lambda x: anp.logaddexp(0.0, x), _softplus_analytic
    )


def _relu() -> Activation:
    def value(x: Any) -> Any:
        return _xp(x).where(x > 0, x, 0.0 * x)

    def d1(x: Any) -> Any:
        return _xp(x).astype(x > 0, x.dtype)

    def analytic(z: Any) -> Any:
        return np.where(z.real > 0, z, 0.0 * z)

    return Activation(
        "relu", value, d1, lambda x: 0.0 * x, lambda x: anp.maximum(x, 0.0), analytic, False
    )


def _identity() -> Activation:
    return Activation(
        "identity",
        lambda x: x,
        lambda x: 0.0 * x + 1.0,
        lambda x: 0.0 * x,
        lambda x: x,
        lambda z: z,
    )


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in (_tanh(), _sigmoid_act(), _softplus(), _relu(), _identity())
}


def get_activation(name: str | Activation) -> Activation:
    """The activation called ``name`` (``tanh``, ``sigmoid``, ``softplus``, ``relu``,
    ``identity``); an :class:`Activation` is returned unchanged."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}"
        ) from None
