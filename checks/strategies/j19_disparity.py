"""Hypothesis strategies for Jiang (2019), canonical space and disparity matrix (in the
formalisation of :mod:`theory.fourier`, at instance sizes this machine affords).

Every strategy draws small integers (dimensions, a seed) and builds the instance with
``numpy.random.default_rng(seed)``, so drawing is cheap and shrinking acts on dimensions.
Dimensions may be given as fixed values or as strategies. Instances are plain dicts:
``K, n, N, h, activation, w`` (the network, ``w`` = :class:`Feedforward` ``[K, h, 1]``
parameters) and ``X`` (``T x K`` interior samples), ``y`` (``T`` labels).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from checks.strategies.linalg import resolve
from theory.fourier import CanonicalSpace, cube_init, unit_indices
from theory.models.feedforward import Feedforward

__all__ = [
    "duplicate_unit",
    "interior_samples",
    "kill_units",
    "network_instance",
    "networks",
]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "softplus")


def interior_samples(rng: np.random.Generator, K: int, T: int, L: int) -> np.ndarray:
    """``T`` distinct training inputs in the interior ``[0.1, 0.9]^K`` (faces excluded: the
    periodic extension jumps there, :mod:`theory.fourier`). For ``K = 1`` they are spaced at least
    ``0.4 / L`` apart (keeps ``Phi`` well conditioned); for ``K = 2`` uniform."""
    if K not in (1, 2) or T < 1 or L < 1:
        raise ValueError(f"need K in (1, 2), T >= 1, L >= 1; got K={K}, T={T}, L={L}")
    if K == 2:
        return rng.uniform(0.1, 0.9, size=(T, 2))
    m = max(T, int(np.floor(0.8 * L / 0.5)) + 1)
    nodes = np.linspace(0.1, 0.9, m)
    pick = np.sort(rng.choice(m, size=T, replace=False))
    jitter = rng.uniform(-0.05, 0.05, size=T) * (0.8 / max(m - 1, 1))
    return np.clip(nodes[pick] + jitter, 0.1, 0.9)[:, None]


def network_instance(K: int, n: int, h: int, activation: str, T: int, seed: int, *,
                     scale: float = 1.0, N: int | None = None) -> dict[str, Any]:
    """One instance: a ``[K, h, 1]`` network initialised as §3.3.3 recommends
    (:func:`theory.fourier.cube_init`, input-weight ``scale``), ``T`` interior samples and
    standard normal labels, canonical space of order ``n`` on an ``N``-grid (default 512 for
    ``K = 1``, 64 for ``K = 2``)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if N is None:
        N = 512 if K == 1 else 64
    space = CanonicalSpace(K, n, N)
    rng = np.random.default_rng(seed)
    net = Feedforward([K, h, 1], activation)
    w = cube_init(net, rng, scale)
    X = interior_samples(rng, K, T, space.L)
    y = rng.standard_normal(T)
    return {"K": K, "n": n, "N": N, "h": h, "activation": activation, "w": w, "X": X, "y": y}


def networks(K: Any = 1, n: Any = None, activation: Any = "relu", *, h_extra: Any = None,
             T: Any = None, scale: Any = None, N: int | None = None) -> SearchStrategy:
    """Instances of :func:`network_instance` in the well-conditioned regimes:
    ReLU with ``h = L + h_extra`` (so ``M >= L`` and ``(K+1) h + 1 > L``), smooth activations
    with ``h = 2L + h_extra`` (``K = 1``) or ``L + h_extra`` (``K = 2``) and input-weight scale
    10 (``K = 1``) or 6 (``K = 2``), always ``h >= 1``; ``T`` samples, ``1 <= T <= L`` by
    default. Each argument may be a value or a strategy;
    ``n`` defaults to ``1..3`` (``K = 1``) or ``1`` (``K = 2``); ``N`` is the grid for ``K = 1``
    (for ``K = 2`` it is capped at 64 per axis)."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        k = draw(resolve(K))
        if k not in (1, 2):
            raise InvalidArgument(f"K must be 1 or 2, got {k}")
        order = draw(resolve(n) if n is not None else st.integers(1, 3 if k == 1 else 1))
        act = draw(resolve(activation))
        L = (2 * order + 1) ** k
        extra = draw(resolve(h_extra) if h_extra is not None else st.integers(0, 3))
        h = max(1, (L if act == "relu" else (2 * L if k == 1 else L)) + extra)
        t = draw(resolve(T) if T is not None else st.integers(1, L))
        sc = draw(resolve(scale)) if scale is not None else (1.0 if act == "relu" else
                                                         (10.0 if k == 1 else 6.0))
        seed = draw(st.integers(0, 2**31 - 1))
        grid = N if k == 1 else min(N or 64, 64)  # (N+1)^2 grid points for K = 2: keep it small
        return network_instance(k, order, h, act, t, seed, scale=sc, N=grid)

    return build()


def kill_units(inst: dict[str, Any], units: list[int]) -> dict[str, Any]:
    """A copy of ``inst`` whose ReLU ``units`` are dead on the whole cube (§3.3.1): bias
    ``b_j = -sum_k |w_jk| - 0.5``, so ``w_j.x + b_j <= -0.5`` on ``[0,1]^K``."""
    net = Feedforward([inst["K"], inst["h"], 1], inst["activation"])
    w = inst["w"].copy()
    K = inst["K"]
    for j in units:
        idx = unit_indices(net, j)
        w[idx[K]] = -np.sum(np.abs(w[idx[:K]])) - 0.5
    return {**inst, "w": w}


def duplicate_unit(inst: dict[str, Any], j: int, j_copy: int) -> dict[str, Any]:
    """A copy of ``inst`` where unit ``j_copy`` has unit ``j``'s incoming and outgoing weights
    (§3.3.2)."""
    if j == j_copy:
        raise ValueError("a unit cannot duplicate itself")
    net = Feedforward([inst["K"], inst["h"], 1], inst["activation"])
    w = inst["w"].copy()
    w[unit_indices(net, j_copy)] = w[unit_indices(net, j)]
    return {**inst, "w": w}
