"""Strategies for matrices whose spectrum is chosen, not accidental.

A matrix is built as ``U diag(s) V^T`` from orthogonal factors (QR of a Gaussian matrix drawn
from ``numpy.random.default_rng(seed)``, signs fixed) and singular values ``s`` geometrically
spaced from ``scale`` down to ``scale / condition``, with the trailing ``min(p, q) - rank``
values exactly zero. Each instance is a dict ``{"A", "s", "rank"}`` so that a test knows the
truth it checks against.

>>> from hypothesis import given
>>> @given(matrices_with_spectrum(4, 6, rank=2))
... def test(inst):
...     assert inst["A"].shape == (4, 6)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

__all__ = ["matrices_with_spectrum", "orthogonal", "resolve", "spectral_matrix"]


def resolve(value: Any) -> SearchStrategy:
    """A strategy from a fixed value or a strategy (fixed values become ``st.just``)."""
    return value if isinstance(value, SearchStrategy) else st.just(value)


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-distributed ``n x n`` orthogonal matrix (QR of a Gaussian, signs fixed)."""
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def spectral_matrix(seed: int, p: int, q: int, rank: int, condition: float,
                    scale: float = 1.0) -> dict[str, Any]:
    """The deterministic matrix ``U diag(s) V^T`` behind :func:`matrices_with_spectrum`."""
    if not 0 <= rank <= min(p, q):
        raise InvalidArgument(f"rank={rank} must lie in [0, min(p, q) = {min(p, q)}]")
    if not (math.isfinite(condition) and condition >= 1):
        raise InvalidArgument(f"condition={condition!r} must be a finite number >= 1")
    if not (math.isfinite(scale) and scale > 0):
        raise InvalidArgument(f"scale={scale!r} must be a finite number > 0")
    rng = np.random.default_rng(seed)
    s = np.zeros(min(p, q))
    s[:rank] = scale * condition ** -np.linspace(0.0, 1.0, rank) if rank > 1 else scale
    U, V = orthogonal(rng, p)[:, : s.size], orthogonal(rng, q)[:, : s.size]
    return {"A": (U * s) @ V.T, "s": s, "rank": rank}


def _dim(value: Any, name: str) -> SearchStrategy:
    if not isinstance(value, SearchStrategy) and not (isinstance(value, int) and value >= 1):
        raise InvalidArgument(f"{name}={value!r} must be a positive int or a strategy")
    return resolve(value)


_SMALL_DIM = st.integers(1, 6)
_CONDITIONS = st.sampled_from([1.0, 10.0, 1e3, 1e6])


def matrices_with_spectrum(
    rows: int | SearchStrategy = _SMALL_DIM,
    cols: int | SearchStrategy = _SMALL_DIM,
    *,
    rank: int | SearchStrategy | None = None,
    condition: float | SearchStrategy = _CONDITIONS,
    scale: float | SearchStrategy = 1.0,
) -> SearchStrategy[dict[str, Any]]:
    """Instances ``{"A", "s", "rank"}``: ``rows x cols`` matrices with exactly ``rank`` nonzero
    singular values (default: any rank up to ``min(rows, cols)``), the largest ``scale`` and the
    smallest nonzero ``scale / condition``. Every argument may be a value or a strategy. Cheap:
    one integer seed and a QR per factor."""
    rows, cols = _dim(rows, "rows"), _dim(cols, "cols")

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        p, q = draw(rows), draw(cols)
        r = draw(st.integers(0, min(p, q)) if rank is None else resolve(rank))
        seed = draw(st.integers(0, 2**32 - 1))
        return spectral_matrix(seed, p, q, min(r, p, q), draw(resolve(condition)),
                               draw(resolve(scale)))

    return build()
