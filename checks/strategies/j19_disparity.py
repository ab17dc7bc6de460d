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
from theory.fourier import (
    CanonicalSpace,
    cube_init,
    design_matrix,
    network_coordinates,
    unit_indices,
)
from theory.models.feedforward import Feedforward

__all__ = [
    "EDGES",
    "apply_edge",
    "duplicate_unit",
    "edge_networks",
    "exact_fit",
    "interior_samples",
    "kill_units",
    "network_instance",
    "networks",
    "permute_samples",
    "permute_units",
    "reflect_cube",
    "rotate_circle",
    "scale_labels",
    "scale_outputs",
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
        # (N+1)^2 grid points for K = 2: keep it small, but never below the parser's floor
        # N >= 16 (2n+1) (a drawn instance must replay from its instance file)
        grid = N if k == 1 else max(min(N or 64, 64), 16 * (2 * order + 1))
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


# --------------------------------------------------------------------------------------------
# metamorphic relations: transformations of a parsed instance that cannot change the truth


def _unit_order(inst: dict[str, Any], order: np.ndarray) -> np.ndarray:
    """``w`` with hidden unit ``order[j]`` moved to position ``j``."""
    net = Feedforward([inst["K"], inst["h"], 1], inst["activation"])
    w = inst["w"].copy()
    for j, src in enumerate(order):
        w[unit_indices(net, j)] = inst["w"][unit_indices(net, int(src))]
    return w


def permute_samples(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The same samples ``(x_t, y_t)`` in another order: every loss of the paper (eq. (2),
    the canonical loss of eq. (7)) is a sum over samples, and every hypothesis a property of
    the sample set."""
    order = rng.permutation(inst["X"].shape[0])
    return {**inst, "X": inst["X"][order].copy(), "y": inst["y"][order].copy()}


def permute_units(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The same network with its hidden units relabelled (``f_w`` is a sum over units, §3.3):
    the rows of ``H`` are permuted, its rank and every loss unchanged; listed units (``dead``,
    ``pair``) follow their new labels, and so does ``w2`` (Corollary 1)."""
    order = rng.permutation(inst["h"])
    out = {**inst, "w": _unit_order(inst, order)}
    if "w2" in inst:
        out["w2"] = _unit_order({**inst, "w": inst["w2"]}, order)
    where = {int(src): j for j, src in enumerate(order)}
    for key in ("dead", "pair"):
        if key in inst:
            moved = [where[j] for j in inst[key]]
            out[key] = sorted(moved) if key == "dead" else moved
    return out


def scale_outputs(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Labels ``y`` and the output layer ``(a, c)`` scaled by ``2^k`` (``k`` = +-20, drawn):
    ``f_w`` and every residual scale by ``2^k`` exactly, every loss by ``4^k``; the rows of
    ``H`` for ``(w_j, b_j)`` scale by ``2^k`` (``df/dw_j`` carries ``a_j``), the others stay,
    so the rank of ``H`` is unchanged (a diagonal row scaling) and its row-equilibrated form is
    bit-for-bit the same."""
    k = int(rng.choice([-20, 20]))
    h, K = inst["h"], inst["K"]

    def scaled(w: np.ndarray) -> np.ndarray:
        out = w.copy()
        out[h * (K + 1):] = np.ldexp(w[h * (K + 1):], k)
        return out

    out = {**inst, "w": scaled(inst["w"]), "y": np.ldexp(inst["y"], k)}
    if "w2" in inst:
        out["w2"] = scaled(inst["w2"])
    return out


def scale_labels(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Labels scaled by ``2^k`` (``k`` = +-40, drawn), for Theorem 1, whose instance is the
    samples alone: the least-squares minimiser and the minimum scale by ``2^k`` and ``4^k``
    exactly, and so does every rounding bound of the decision."""
    return {**inst, "y": np.ldexp(inst["y"], int(rng.choice([-40, 40])))}


def _reflected(inst: dict[str, Any], w: np.ndarray) -> np.ndarray:
    """Weights of ``x -> f_w(1 - x)``: ``w_j -> -w_j``, ``b_j -> b_j + sum_k w_jk``."""
    K, h = inst["K"], inst["h"]
    out = w.copy()
    W = w[: h * K].reshape(h, K)
    out[: h * K] = -W.ravel()
    out[h * K: h * (K + 1)] = w[h * K: h * (K + 1)] + W.sum(axis=1)
    return out


def reflect_cube(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The cube reflected, ``x -> 1 - x`` on every axis, samples and network together
    (``w_j -> -w_j``, ``b_j -> b_j + sum_k w_jk``, so the new network at ``1 - x`` is the old
    one at ``x``): the grid maps onto itself, each sine coordinate changes sign (an orthogonal
    change of canonical basis), and the new weights are an invertible linear image of the
    old, so the rank of ``H``, dead, duplicated and affine units, and every loss are unchanged
    up to the rounding of ``b_j + sum_k w_jk`` and of ``1 - x_t`` (``rng`` is not used)."""
    out = {**inst, "w": _reflected(inst, inst["w"]), "X": 1.0 - inst["X"]}
    if "w2" in inst:
        out["w2"] = _reflected(inst, inst["w2"])
    return out


def rotate_circle(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Every sample moved by the same dyadic ``t = m/64`` along each axis, modulo 1 (a
    rotation of the torus): each pair of canonical coordinates ``(cos, sin)`` of frequency
    ``j`` is rotated by ``2 pi j t``, an orthogonal change of basis ``Phi -> Phi R``, so the
    rank of ``Phi``, distinctness on the torus and ``min_c |Phi c - y|^2`` are unchanged
    (Theorem 1)."""
    t = rng.integers(1, 64, size=inst["K"]) / 64.0
    return {**inst, "X": np.mod(inst["X"] + t, 1.0)}


# --------------------------------------------------------------------------------------------
# edge strategies: where the definitions and the numerics break

#: the edges :func:`edge_networks` draws from (see :func:`apply_edge`)
EDGES = ("round", "kink-at-half", "scale-in-down", "scale-in-up", "scale-out-down",
         "scale-out-up", "face-sample", "signed-pair", "exact-fit")


def _layers(inst: dict[str, Any]) -> tuple[slice, slice]:
    """Slices of ``w`` for the hidden layer ``(W, b)`` and the output layer ``(a, c)``."""
    cut = inst["h"] * (inst["K"] + 1)
    return slice(0, cut), slice(cut, None)


def exact_fit(inst: dict[str, Any]) -> dict[str, Any]:
    """Labels replaced by the truncated network at the samples, ``y = Phi c(w)``: the
    canonical loss ``F(w)`` is zero up to rounding (a point at the floating-point floor)."""
    space = CanonicalSpace(inst["K"], inst["n"], inst["N"])
    net = Feedforward([inst["K"], inst["h"], 1], inst["activation"])
    y = design_matrix(space, inst["X"]) @ network_coordinates(space, net, inst["w"])
    return {**inst, "y": y}


def apply_edge(inst: dict[str, Any], edge: str) -> dict[str, Any]:
    """``inst`` moved to one of :data:`EDGES`:

    * ``round``: weights rounded to multiples of 1/4 (round numbers: ReLU kinks fall on the
      nodes of power-of-two grids, ties between units become likely);
    * ``kink-at-half``: unit 0 gets ``b_0 = -w_0 . (1/2, ...)``, a ReLU kink on the grid's middle
      node whenever ``N`` is even;
    * ``scale-in-down`` / ``-up``: ``(W, b)`` scaled by ``2^-40`` / ``2^40`` (pre-activations at
      the extremes of the activation: linear, or saturated to exact 0 or 1 derivatives);
    * ``scale-out-down`` / ``-up``: labels and output layer ``(a, c)`` scaled by ``2^-40`` /
      ``2^40``;
    * ``face-sample``: the first sample moved onto the face ``x = 0`` (distinct on the torus
      from the others, which are interior);
    * ``signed-pair``: unit 1 gets ``(w_1, b_1) = -(w_0, b_0)`` (a +- unit pair: the same
      hyperplane, opposite sides; needs ``h >= 2``);
    * ``exact-fit``: labels ``y = Phi c(w)``, the canonical loss at its rounding floor.
    """
    w = inst["w"].copy()
    hidden, output = _layers(inst)
    K, h = inst["K"], inst["h"]
    if edge == "round":
        w = np.round(4 * w) / 4
    elif edge == "kink-at-half":
        w[h * K] = -0.5 * float(np.sum(w[0:K]))  # b_0 = -w_0 . (1/2, ..., 1/2), exact
    elif edge in ("scale-in-down", "scale-in-up"):
        w[hidden] = np.ldexp(w[hidden], -40 if edge.endswith("down") else 40)
    elif edge in ("scale-out-down", "scale-out-up"):
        k = -40 if edge.endswith("down") else 40
        w[output] = np.ldexp(w[output], k)
        return {**inst, "w": w, "y": np.ldexp(inst["y"], k)}
    elif edge == "face-sample":
        X = inst["X"].copy()
        X[0] = 0.0
        return {**inst, "X": X}
    elif edge == "signed-pair":
        if h >= 2:
            net = Feedforward([K, h, 1], inst["activation"])
            i0, i1 = unit_indices(net, 0), unit_indices(net, 1)
            w[i1[:-1]] = -w[i0[:-1]]
    elif edge == "exact-fit":
        return exact_fit(inst)
    else:
        raise ValueError(f"edge must be one of {EDGES}, got {edge!r}")
    return {**inst, "w": w}


def edge_networks(K: Any = 1, n: Any = None, activation: Any = "relu", *,
                  edges: Any = None, h_extra: Any = None, T: Any = None,
                  scale: Any = None) -> SearchStrategy:
    """:func:`networks` instances moved to an edge (:func:`apply_edge`; ``edges`` a value, a
    list or a strategy, default all of :data:`EDGES`), on the smallest grid the parser accepts
    (``N = 16 (2n+1)``, not a power of two) or on a power of two (``N = 256``, where dyadic
    kinks sit on nodes)."""
    pick = st.sampled_from(list(EDGES)) if edges is None else (
        st.sampled_from(list(edges)) if isinstance(edges, list | tuple) else resolve(edges))

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        k = draw(resolve(K))
        order = draw(resolve(n) if n is not None else st.integers(1, 2 if k == 1 else 1))
        floor = 16 * (2 * order + 1)  # the parser's N >= 16 (2n+1)
        grid = draw(st.sampled_from([floor, max(floor, 64) if k == 2 else 256]))
        base = draw(networks(K=k, n=order, activation=activation, h_extra=h_extra, T=T,
                             scale=scale, N=grid))
        base = {**base, "N": grid}  # networks() caps K = 2 grids at 64; keep the drawn one
        return apply_edge(base, draw(pick))

    return build()
