"""Validation of instance parameters: JSON ``params`` -> NumPy, with one-line errors.

Every ``parse`` function of a claim is built from these helpers, so malformed data fails here
with a message naming the parameter, never deep inside NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["BadInput", "integer", "matrices", "matrix", "real", "require", "vector"]

MAX_ENTRIES = 10_000_000


class BadInput(ValueError):
    """Malformed instance data; its message is one line and names the parameter."""


def require(params: Mapping[str, Any], *names: str) -> None:
    """Fail unless every name is present in ``params``."""
    if not isinstance(params, Mapping):
        raise BadInput(f"params must be a JSON object, got {type(params).__name__}")
    missing = [n for n in names if n not in params]
    if missing:
        raise BadInput(f"missing parameter(s): {', '.join(missing)}")


def _array(value: Any, name: str, ndim: int) -> np.ndarray:
    if isinstance(value, str | bytes | Mapping) or value is None:
        raise BadInput(f"{name}: expected a {ndim}-d array of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{name}: not an array of numbers ({exc.__class__.__name__})") from None
    if arr.ndim != ndim:
        raise BadInput(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if arr.size == 0:
        raise BadInput(f"{name}: empty array")
    if arr.size > MAX_ENTRIES:
        raise BadInput(f"{name}: {arr.size} entries exceeds the limit of {MAX_ENTRIES}")
    if _has_bool(value):
        raise BadInput(f"{name}: expected numbers, got booleans")
    if not np.all(np.isfinite(arr)):
        raise BadInput(f"{name}: contains NaN or infinity")
    return arr


def _has_bool(value: Any) -> bool:
    """JSON true/false inside an array (NumPy would silently read them as 1.0 and 0.0).

    Iterative, so that nesting as deep as JSON allows cannot exhaust the recursion limit."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool | np.bool_):
            return True
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, np.ndarray) and item.dtype == bool:
            return True
    return False


def _check_shape(arr: np.ndarray, name: str, shape: Sequence[int | None] | None) -> None:
    if shape is None:
        return
    if len(shape) != arr.ndim or any(
        s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
    ):
        want = "x".join("?" if s is None else str(s) for s in shape)
        got = "x".join(str(s) for s in arr.shape)
        raise BadInput(f"{name}: expected shape {want}, got {got}")


def matrix(
    params: Mapping[str, Any], name: str, shape: Sequence[int | None] | None = None,
    *, square: bool = False,
) -> np.ndarray:
    """A finite float64 matrix ``params[name]``, optionally of a given shape or square."""
    require(params, name)
    arr = _array(params[name], name, 2)
    if square and arr.shape[0] != arr.shape[1]:
        raise BadInput(f"{name}: expected a square matrix, got shape {arr.shape}")
    _check_shape(arr, name, shape)
    return arr


def vector(
    params: Mapping[str, Any], name: str, length: int | None = None
) -> np.ndarray:
    """A finite float64 vector ``params[name]``, optionally of a given length."""
    require(params, name)
    arr = _array(params[name], name, 1)
    _check_shape(arr, name, None if length is None else (length,))
    return arr


def matrices(
    params: Mapping[str, Any], name: str, shape: Sequence[int | None] | None = None,
    *, min_count: int = 1,
) -> list[np.ndarray]:
    """A non-empty list of finite float64 matrices of one shape."""
    require(params, name)
    value = params[name]
    if not isinstance(value, list | tuple) or len(value) < min_count:
        raise BadInput(f"{name}: expected a list of at least {min_count} matrices")
    mats = [matrix({f"{name}[{i}]": m}, f"{name}[{i}]", shape) for i, m in enumerate(value)]
    first = mats[0].shape
    for i, m in enumerate(mats):
        if m.shape != first:
            raise BadInput(f"{name}[{i}]: shape {m.shape} differs from {name}[0]'s {first}")
    return mats


def real(
    params: Mapping[str, Any], name: str, *, lo: float = -math.inf, hi: float = math.inf,
    default: float | None = None,
) -> float:
    """A finite real number in ``[lo, hi]``."""
    if name not in params and default is not None:
        return float(default)
    require(params, name)
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise BadInput(f"{name}: expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise BadInput(f"{name}: must be finite, got {value}")
    if not lo <= value <= hi:
        raise BadInput(f"{name}: must lie in [{lo}, {hi}], got {value}")
    return value


def integer(
    params: Mapping[str, Any], name: str, *, lo: int = -(2**62), hi: int = 2**62,
    default: int | None = None,
) -> int:
    """An integer in ``[lo, hi]`` (a float with an integral value is accepted)."""
    if name not in params and default is not None:
        return int(default)
    require(params, name)
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise BadInput(f"{name}: expected an integer, got {type(value).__name__}")
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        raise BadInput(f"{name}: expected an integer, got {value}")
    value = int(value)
    if not lo <= value <= hi:
        raise BadInput(f"{name}: must lie in [{lo}, {hi}], got {value}")
    return value
