"""Strategies for feedforward networks (:class:`theory.models.feedforward.Feedforward`), their
parameters and data, and the parser of the matching JSON instance.

An instance is a dict ``{"widths", "activations", "bias", "theta", "X"}`` (plain lists and a
bool for the architecture, float64 arrays for ``theta`` and ``X``), so that it serialises with
:func:`checks.serialise.to_jsonable` and round-trips through :func:`parse_feedforward`;
:func:`network` rebuilds the model. Weights are drawn by ``Feedforward.init`` (``"he"`` or
``"normal"``) and multiplied by ``scale``; inputs are standard normal.

>>> from hypothesis import given
>>> @given(feedforward_instances(activations="tanh"))
... def test(inst):
...     net = network(inst)
...     assert net.forward(inst["theta"], inst["X"]).shape[0] == inst["X"].shape[0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from checks.inputs import BadInput, matrix, require, vector
from checks.strategies.linalg import resolve
from theory.activations import ACTIVATIONS
from theory.models.feedforward import Feedforward

__all__ = ["SMOOTH_ACTIVATIONS", "feedforward_instances", "network", "parse_feedforward"]

SMOOTH_ACTIVATIONS = ("tanh", "sigmoid", "softplus", "identity")
"""The real-analytic activations of :mod:`theory.activations` (no kinks, so every Jacobian
method applies and ranks are generic)."""

MAX_WIDTH = 10_000

_M_X, _M_Y, _N = st.integers(1, 3), st.integers(1, 2), st.integers(1, 6)
_HIDDEN = st.lists(st.integers(1, 5), min_size=1, max_size=2)
_ACTS, _BIAS = st.sampled_from(SMOOTH_ACTIVATIONS), st.booleans()


def network(instance: Mapping[str, Any]) -> Feedforward:
    """The :class:`Feedforward` net an instance describes."""
    return Feedforward(instance["widths"], instance["activations"], bias=instance["bias"])


def _validate(hidden: Any, n: Any, scale: Any, activations: Any) -> None:
    if not isinstance(hidden, SearchStrategy) and (
        not isinstance(hidden, Sequence)
        or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in hidden)
    ):
        raise InvalidArgument(f"hidden={hidden!r} must be a list of positive ints or a strategy")
    if isinstance(n, int) and n < 1:
        raise InvalidArgument(f"n={n!r} must be >= 1")
    if isinstance(scale, float | int) and not (math.isfinite(scale) and scale > 0):
        raise InvalidArgument(f"scale={scale!r} must be finite and > 0")
    if isinstance(activations, str) and activations not in ACTIVATIONS:
        raise InvalidArgument(f"activations={activations!r}; choose from {', '.join(ACTIVATIONS)}")


def feedforward_instances(
    *,
    m_x: int | SearchStrategy = _M_X,
    hidden: Sequence[int] | SearchStrategy = _HIDDEN,
    m_y: int | SearchStrategy = _M_Y,
    n: int | SearchStrategy = _N,
    activations: str | SearchStrategy = _ACTS,
    bias: bool | SearchStrategy = _BIAS,
    scale: float | SearchStrategy = 1.0,
    init: str = "normal",
) -> SearchStrategy[dict[str, Any]]:
    """Instances ``{"widths", "activations", "bias", "theta", "X"}`` of a net
    ``[m_x, *hidden, m_y]`` with one activation (a name of :mod:`theory.activations`) for
    every hidden layer, parameters ``scale * Feedforward.init(rng, init)`` and ``n`` standard
    normal inputs. Every argument but ``init`` may be a value or a strategy; the defaults are
    small (``ci``). Cheap: one integer seed per instance."""
    _validate(hidden, n, scale, activations)
    if init not in ("he", "normal"):
        raise InvalidArgument(f"init={init!r} must be 'he' or 'normal'")

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        widths = [draw(resolve(m_x)), *draw(resolve(hidden)), draw(resolve(m_y))]
        inst = {"widths": widths, "activations": [draw(resolve(activations))] * (len(widths) - 2),
                "bias": bool(draw(resolve(bias)))}
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        inst["theta"] = draw(resolve(scale)) * network(inst).init(rng, init)
        inst["X"] = rng.standard_normal((draw(resolve(n)), widths[0]))
        return inst

    return build()


def parse_feedforward(params: Mapping[str, Any]) -> dict[str, Any]:
    """JSON params -> a feedforward instance, raising :class:`BadInput` (one line, naming the
    parameter) on a malformed architecture or a ``theta`` / ``X`` that does not fit it."""
    require(params, "widths", "activations", "theta", "X")
    widths, acts, bias = params["widths"], params["activations"], params.get("bias", True)
    if not isinstance(widths, list) or len(widths) < 2 or any(
        isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= MAX_WIDTH for w in widths
    ):
        raise BadInput(f"widths: expected a list of >= 2 integers in [1, {MAX_WIDTH}]")
    if not isinstance(acts, list) or len(acts) != len(widths) - 2:
        raise BadInput(f"activations: expected a list of {len(widths) - 2} names "
                       "(one per hidden layer)")
    unknown = [a for a in acts if not isinstance(a, str) or a not in ACTIVATIONS]
    if unknown:
        raise BadInput(f"activations: unknown {unknown[0]!r}; choose from {', '.join(ACTIVATIONS)}")
    if not isinstance(bias, bool):
        raise BadInput(f"bias: expected true or false, got {type(bias).__name__}")
    net = Feedforward(widths, acts, bias=bias)
    theta = vector(params, "theta", net.n_params())
    X = matrix(params, "X", (None, widths[0]))
    return {"widths": list(widths), "activations": list(acts), "bias": bias,
            "theta": theta, "X": X}
