"""Hypothesis strategies of instances of Weyl's inequality: generic and edge.

An instance is ``{"A": n x n, "B": n x n, "i": int, "j": int}`` with ``A``, ``B`` real
symmetric and ``1 <= i, j``, ``i + j - 1 <= n``; both strategies meet every hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["edge_instances", "instances", "symmetric"]

MAX_N = {"ci": 5, "dev": 6, "thorough": 8}
ENTRY = st.floats(-8.0, 8.0, allow_nan=False, allow_infinity=False, width=64)


def _mirror(M: np.ndarray) -> np.ndarray:
    """The symmetric matrix with ``M``'s upper triangle (exactly symmetric, no rounding)."""
    upper = np.triu(M)
    return upper + np.triu(M, 1).T


def symmetric(n: int, elements: st.SearchStrategy[float] = ENTRY) -> st.SearchStrategy:
    """Real symmetric ``n x n`` matrices with entries drawn from ``elements``."""
    return hnp.arrays(np.float64, (n, n), elements=elements).map(_mirror)


@st.composite
def _indices(draw: st.DrawFn, n: int) -> tuple[int, int]:
    i = draw(st.integers(1, n))
    return i, draw(st.integers(1, n - i + 1))


@st.composite
def _instance(draw: st.DrawFn, max_n: int) -> dict:
    n = draw(st.integers(1, max_n))
    i, j = draw(_indices(n))
    return {"A": draw(symmetric(n)), "B": draw(symmetric(n)), "i": i, "j": j}


def instances(profile: str = "ci") -> st.SearchStrategy[dict]:
    """Generic instances: ``n`` up to 5 (``ci``), entries in ``[-8, 8]``."""
    return _instance(MAX_N.get(profile, MAX_N["ci"]))


@st.composite
def _edge(draw: st.DrawFn, max_n: int) -> dict:
    """Where the inequality is tight or the numerics strain: ``B = 0`` or ``B = cI`` with
    ``j = 1`` (equality), ``B = A`` (a repeated spectrum), ``A = cI`` (an eigenvalue of
    multiplicity ``n``), a rank-one ``B``, ``n = 1``, and scales ``2^k`` near both ends of the
    exponent range."""
    n = draw(st.integers(1, max_n))
    i, j = draw(_indices(n))
    A = draw(symmetric(n))
    c = draw(ENTRY)
    kind = draw(st.sampled_from(["zero", "shift", "same", "scalar", "rank-one"]))
    if kind == "zero":
        B, j = np.zeros((n, n)), 1
    elif kind == "shift":
        B, j = c * np.eye(n), 1
    elif kind == "same":
        B = A.copy()
    elif kind == "scalar":
        A, B = c * np.eye(n), draw(symmetric(n))
    else:
        v = draw(hnp.arrays(np.float64, (n,), elements=ENTRY))
        B = np.outer(v, v)
        B = _mirror(B)
    scale = 2.0 ** draw(st.sampled_from([0, -1000, -500, 500, 1000]))
    return {"A": A * scale, "B": B * scale, "i": i, "j": j}


def edge_instances(profile: str = "ci") -> st.SearchStrategy[dict]:
    """Edge instances (ties, equality cases, extreme power-of-two scales); every one meets the
    hypotheses."""
    return _edge(MAX_N.get(profile, MAX_N["ci"]))
