"""Hypothesis strategies for Hardt & Ma (2017) §3 (ReLU residual expressivity).

Each strategy draws small integers (dimensions, a seed) and builds the arrays with
``numpy.random.default_rng(seed)``, so examples are cheap and shrink well. Every argument may be
a fixed value or a strategy.

>>> from checks.strategies.hm17_relu import labelled_data
>>> labelled_data(n=50, d=16, r=3, rho=0.3).example()["X"].shape[1]   # doctest: +SKIP
16
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from checks.framework import Relation
from theory.constructions.hm17_expressivity import (
    random_projection,
    stage_margins,
    surrogate_labels,
)

__all__ = [
    "b1_boundary_instance",
    "b1_edges",
    "b1_instances",
    "b2_edges",
    "b2_instances",
    "coordinate_change",
    "data_edges",
    "labelled_data",
    "permute_samples",
    "practical_width",
    "relabel_classes",
    "separated_unit_vectors",
    "separation_width",
]

_SEEDS = st.integers(0, 2**32 - 1)


def _strategy(value: Any, name: str, lo: float, hi: float) -> st.SearchStrategy:
    """A fixed value (validated against [lo, hi]) or a strategy, as a strategy."""
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value!r} must be a number in [{lo}, {hi}] or a strategy")
    return st.just(value)


def practical_width(n: int, rho: float | None = None) -> int:
    """k = max(ceil(8 ln n), ceil(4 ln n / rho^2)) (at least 2): the paper's k = c ln n / rho^2
    with c = 4 instead of 10, floored at 8 ln n. On spread-out data ceil(8 ln n) already fits;
    densely packed data (d = 8, many pairs near rho) need the 1/rho^2 term: margins then hold
    on the first draws (reproduction 'fit-success' of Theorem 3.2)."""
    k = math.ceil(8 * math.log(max(n, 2)))
    if rho is not None and rho > 0:
        k = max(k, math.ceil(separation_width(n, rho)))
    return max(2, k)


def separation_width(n: int, rho: float) -> float:
    """``4 ln n / rho^2`` (``rho > 0``), the width term of :func:`practical_width` before
    rounding up; ``inf`` where ``rho^2`` underflows."""
    rho2 = rho * rho
    return 4 * math.log(max(n, 2)) / rho2 if rho2 > 0 else math.inf


def separated_unit_vectors(n: int, d: int, rho: float, seed: int) -> np.ndarray:
    """Up to ``n`` unit vectors in R^d (rows), pairwise at distance >= rho (Assumption 3.1).

    Normalised Gaussians; of every pair closer than rho the later point is dropped (with a
    margin of 1e-9 on the squared distance), so the result may have fewer than n rows.
    """
    X = np.random.default_rng(seed).standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    D2 = 2.0 - 2.0 * (X @ X.T)
    close = np.triu(D2 < rho * rho + 1e-9, k=1)
    return X[~close.any(axis=0)]


@st.composite
def _labelled(draw, n, d, r, rho, width):
    n, d, r, rho = draw(n), draw(d), draw(r), draw(rho)
    seed = draw(_SEEDS)
    X = separated_unit_vectors(n, d, rho, seed)
    n = X.shape[0]
    rng = np.random.default_rng(seed + 1)
    r = min(r, n)
    labels = rng.permutation(np.arange(n) % r) if n >= r else rng.integers(0, r, n)
    k = practical_width(n, rho) if width is None else draw(width(n) if callable(width) else width)
    return {"X": X, "labels": labels.astype(np.int64), "r": int(r), "rho": float(rho),
            "k": int(k), "seed": int(seed), "max_draws": 20}


def labelled_data(
    *, n: Any = None, d: Any = None, r: Any = None, rho: Any = None, width: Any = None,
) -> st.SearchStrategy:
    """Instances of Theorem 3.2 / Assumption 3.1: ``X`` (n x d, rho-separated unit rows),
    ``labels`` in [0, r) (every label used when n >= r), ``r``, ``rho``, width ``k``, ``seed``
    and ``max_draws``. Defaults: n in [10, 400], d in [8, 32], r in [2, 12], rho in {0.3, 0.5}.

    ``width``: None for :func:`practical_width` (n, rho), an integer, a strategy, or a callable
    n -> strategy.
    Separation is obtained by thinning, so the final n can be below the drawn one; use
    d >= 8 with rho <= 0.5 to keep the loss small. Cost: an n x n Gram matrix.
    """
    if not (width is None or callable(width) or isinstance(width, st.SearchStrategy)):
        width = _strategy(width, "width", 1, 100_000)
    return _labelled(
        _strategy(st.integers(10, 400) if n is None else n, "n", 2, 20_000),
        _strategy(st.integers(8, 32) if d is None else d, "d", 1, 10_000),
        _strategy(st.integers(2, 12) if r is None else r, "r", 1, 1000),
        _strategy(st.sampled_from([0.3, 0.5]) if rho is None else rho, "rho", 1e-6, 2.0), width,
    )


def b1_boundary_instance(method: str = "uniform") -> dict:
    """The boundary instance of Lemma B.1 where the printed construction fails: k = 2,
    rho' = 0.1, ||alpha_1||^2 = ||alpha_2||^2 = 1.1 = 1 + rho',
    ||alpha_1 - alpha_2||^2 = 0.3 = 3 rho', S = {0, 1}. The printed construction returns
    (beta_1 - alpha_1) + (beta_2 - alpha_2)/2 on alpha_1."""
    a, t = math.sqrt(1.1), math.asin(math.sqrt(0.3 / 4.4))
    alpha = np.array([[a * math.cos(t), a * math.sin(t)], [a * math.cos(t), -a * math.sin(t)]])
    beta = np.array([[3.0, 1.0], [-2.0, 0.5]])
    return {"alpha": alpha, "beta": beta, "S": np.array([0, 1]), "rho_prime": 0.1,
            "method": method}


@st.composite
def _b1(draw, k, rho_prime, method):
    k, rho_prime, method = draw(k), draw(rho_prime), draw(method)
    rng = np.random.default_rng(draw(_SEEDS))
    sep = (6.0 if method == "uniform" else 3.0) * rho_prime
    # Greedy acceptance among many candidates puts pairs near the separation boundary.
    cand = rng.standard_normal((40 * (3 * k + 2), k))
    cand *= (np.sqrt(rng.uniform(1 - rho_prime, 1 + rho_prime, len(cand)))
             / np.linalg.norm(cand, axis=1))[:, None]
    kept: list[np.ndarray] = []
    for c in cand:
        if len(kept) == 3 * k + 2:
            break
        if not kept or np.min(np.sum((np.array(kept) - c) ** 2, axis=1)) >= sep * (1 + 1e-9):
            kept.append(c)
    alpha = np.array(kept)
    n = len(alpha)
    size = draw(st.integers(1, min(k, n)))
    S = np.sort(rng.choice(n, size, replace=False))
    beta = rng.standard_normal((n, k))
    return {"alpha": alpha, "beta": beta, "S": S, "rho_prime": float(rho_prime),
            "method": method}


def b1_instances(
    *, k: Any = None, rho_prime: Any = None, method: Any = None,
) -> st.SearchStrategy:
    """Instances of Lemma B.1: ``alpha`` (n x k, ||alpha||^2 uniform in [1-rho', 1+rho'],
    pairwise squared distances >= 3 rho', or 6 rho' for the uniform-bias ``method``),
    Gaussian ``beta``, a random subset ``S`` (|S| <= k), ``rho_prime`` and ``method``.
    n is at most 3k + 2 (fewer when the sphere shell is crowded, as for k = 2). Defaults:
    k in [2, 6], rho' in [0.05, 0.3], every method."""
    k = st.integers(2, 6) if k is None else k
    rho_prime = st.floats(0.05, 0.3) if rho_prime is None else rho_prime
    method = st.sampled_from(["margin", "fixed", "uniform"]) if method is None else method
    if not isinstance(method, st.SearchStrategy) and method not in ("margin", "fixed", "uniform"):
        raise InvalidArgument(f"method={method!r} must be 'margin', 'fixed' or 'uniform'")
    method = method if isinstance(method, st.SearchStrategy) else st.just(method)
    return _b1(_strategy(k, "k", 1, 64), _strategy(rho_prime, "rho_prime", 1e-6, 0.999), method)


@st.composite
def _b2(draw, data, max_draws):
    inst = draw(data)
    X, labels, r, k = inst["X"], inst["labels"], inst["r"], inst["k"]
    rng = np.random.default_rng(inst["seed"] + 2)
    for _ in range(max_draws):
        Z = X @ random_projection(X.shape[1], k, rng).T
        Q = surrogate_labels(r, k, rng)
        if stage_margins(Z, labels, Q, k)[0].min() > 1e-6:
            return {"Z": Z, "labels": labels, "r": r, "Q": Q}
    k *= 2  # widen once more: margins become positive w.h.p.
    Z = X @ random_projection(X.shape[1], k, rng).T
    Q = surrogate_labels(r, k, rng)
    assume(stage_margins(Z, labels, Q, k)[0].min() > 1e-6)
    return {"Z": Z, "labels": labels, "r": r, "Q": Q}


def b2_instances(
    *, data: st.SearchStrategy | None = None, max_draws: int = 20
) -> st.SearchStrategy:
    """Instances of Lemma B.2: ``Z`` = A_0 X (n x k), ``labels``, ``r`` and surrogate labels
    ``Q`` (r x k unit rows) with every stage margin positive (redrawing A_0, Q up to
    ``max_draws`` times, then doubling k). ``data`` defaults to :func:`labelled_data`."""
    if not isinstance(max_draws, int) or max_draws < 1:
        raise InvalidArgument(f"max_draws={max_draws!r} must be a positive integer")
    return _b2(labelled_data() if data is None else data, max_draws)


# ------------------------------------------------------------------------ edge strategies
#
# Exact data: signed unit basis vectors (norms exactly 1, pairwise distances exactly sqrt 2
# or 2), separations at their ties, widths at the hypothesis' boundary, every integer
# parameter at the ends of its domain, targets at scales 2^-40 and 2^40.

_POWERS = (2.0**-40, 1.0, 2.0**40)


def _signed_basis(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n <= 2d`` distinct rows among ``+-e_1, ..., +-e_d`` (the ``+e_i`` first)."""
    rows = np.vstack([np.eye(d), -np.eye(d)])
    order = np.concatenate([rng.permutation(d), d + rng.permutation(d)])
    return rows[order[:n]]


@st.composite
def _data_edge(draw, for_theorem):
    d = draw(st.integers(1, 6))
    n = draw(st.integers(max(2, d), 2 * d)) if for_theorem else draw(st.integers(2, 2 * d))
    rng = np.random.default_rng(draw(_SEEDS))
    X = _signed_basis(d, n, rng)
    # the minimum distance exactly: 2 when the rows are +-e_1 only, else sqrt 2 (a tie)
    tie = 2.0 if d == 1 or (n == 2 and np.array_equal(X[0], -X[1])) else math.sqrt(2.0)
    # 2^-6 is the smallest power of two whose width 4 ln n / rho^2 (n <= 12) stays within the
    # parser's width limit, so the instance replays from its instance file
    rho = draw(st.sampled_from([tie, 1.0, 2.0**-6 if not for_theorem else 0.5]))
    r = draw(st.sampled_from([1, n]))
    labels = rng.permutation(np.arange(n) % r).astype(np.int64)
    need = max(2, math.ceil(separation_width(n, rho)))
    k = draw(st.sampled_from([need, practical_width(n, rho)]))
    return {"X": X, "labels": labels, "r": int(r), "rho": float(rho), "k": int(k),
            "seed": draw(st.sampled_from([0, 2**63 - 1])),
            "max_draws": draw(st.sampled_from([1, 20]))}


def data_edges(*, for_theorem: bool = False) -> st.SearchStrategy:
    """Edge instances of Assumption 3.1 / Theorem 3.2: ``X`` made of ``n`` distinct signed unit
    basis vectors of ``R^d`` (``d <= 6``), so norms are exactly 1 and the minimum distance is
    exactly sqrt 2 (or 2); ``rho`` at that tie, at 1, or (Assumption 3.1 only) at 2^-6;
    ``r`` in {1, n}; the width ``k`` at the hypothesis' boundary ``ceil(4 ln n / rho^2)`` or
    :func:`practical_width`; ``seed`` and ``max_draws`` at both ends of their domains. With
    ``for_theorem``, ``n >= d`` (Theorem 3.2 needs ``d <= n``)."""
    return _data_edge(bool(for_theorem))


@st.composite
def _b1_edge(draw):
    if draw(st.integers(0, 4)) == 0:
        inst = b1_boundary_instance(draw(st.sampled_from(["margin", "fixed"])))
        return {**inst, "beta": draw(st.sampled_from(_POWERS)) * inst["beta"]}
    k = draw(st.integers(1, 4))
    n = draw(st.integers(1, 2 * k))
    rng = np.random.default_rng(draw(_SEEDS))
    alpha = _signed_basis(k, n, rng)
    method = draw(st.sampled_from(["margin", "fixed", "uniform"]))
    # 3 rho' = 2 and 6 rho' = 2 are the ties of the separation hypotheses with orthogonal
    # unit vectors; 2^-20 makes the norm window [1 - rho', 1 + rho'] narrow around 1
    rho_prime = draw(st.sampled_from([2.0 / 3.0, 1.0 / 3.0, 2.0**-20]))
    size = draw(st.sampled_from([1, min(k, n)]))
    S = np.sort(rng.choice(n, size, replace=False)).astype(np.int64)
    beta = draw(st.sampled_from(_POWERS)) * rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], (n, k))
    return {"alpha": alpha, "beta": beta, "S": S, "rho_prime": rho_prime, "method": method}


def b1_edges() -> st.SearchStrategy:
    """Edge instances of Lemma B.1: signed unit basis vectors as ``alpha`` (``k <= 4``), the
    separations at their ties (``3 rho' = 2`` and ``6 rho' = 2`` against squared distance 2),
    ``rho' = 2^-20``, ``|S|`` at 1 and at ``min(k, n)``, round ``beta`` times 2^-40, 1 or 2^40,
    every method; and :func:`b1_boundary_instance` (norms at ``1 + rho'``, squared
    separation exactly ``3 rho'``) for the margin and per-coordinate constructions."""
    return _b1_edge()


@st.composite
def _b2_edge(draw):
    k = draw(st.integers(1, 6))
    n = draw(st.integers(1, k))
    r = draw(st.integers(1, min(n, k)))
    rng = np.random.default_rng(draw(_SEEDS))
    # z_i = c e_i and surrogate labels -e_j: every stage margin is exactly c^2
    Z = draw(st.sampled_from(_POWERS)) * np.eye(k)[rng.permutation(k)[:n]]
    Q = -np.eye(k)[rng.permutation(k)[:r]]
    labels = rng.permutation(np.arange(n) % r).astype(np.int64)
    return {"Z": Z, "labels": labels, "r": int(r), "Q": Q}


def b2_edges() -> st.SearchStrategy:
    """Edge instances of Lemma B.2: ``z_i = c e_{pi(i)}`` (``c`` in 2^-40, 1, 2^40) and
    surrogate labels ``-e_j`` (exactly unit), so every stage margin is exactly ``c^2``;
    ``n <= k <= 6`` (one block, possibly partial), ``r`` from 1 to ``n``."""
    return _b2_edge()


# ------------------------------------------------------------------ metamorphic relations

def _signed_permutation(rng: np.random.Generator, d: int) -> np.ndarray:
    return np.eye(d)[rng.permutation(d)] * rng.choice([-1.0, 1.0], d)[:, None]


def permute_samples(description: str, same_slack: bool = True) -> Relation:
    """Reorder the samples: the rows of ``X`` / ``alpha``, ``beta`` and ``labels``, with ``S``
    re-indexed so it names the same points."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        key = "X" if "X" in inst else "alpha"
        perm = rng.permutation(inst[key].shape[0])
        out = dict(inst)
        for k in ("X", "alpha", "beta", "labels"):
            if k in inst:
                out[k] = inst[k][perm]
        if "S" in inst:
            position = np.empty_like(perm)
            position[perm] = np.arange(len(perm))
            out["S"] = position[inst["S"]]
        return out
    return Relation("permute samples", description, transform, same_slack)


def coordinate_change(description: str, same_slack: bool = True) -> Relation:
    """``x -> P x`` on every point (rows of ``X``, ``alpha``, ``beta``, ``Z``, ``Q``), ``P`` a
    signed permutation: norms and inner products are unchanged, exactly."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        key = next(k for k in ("X", "alpha", "Z") if k in inst)
        P = _signed_permutation(rng, inst[key].shape[1])
        return {**inst, **{k: inst[k] @ P.T for k in ("X", "alpha", "beta", "Z", "Q")
                           if k in inst}}
    return Relation("signed-permutation change of coordinates", description, transform,
                    same_slack)


def relabel_classes(description: str, same_slack: bool = True) -> Relation:
    """Rename the classes by a permutation ``pi`` of ``[0, r)``; surrogate labels ``Q`` (if
    given) follow, ``Q'_{pi(a)} = Q_a``, so every point keeps its target."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        pi = rng.permutation(inst["r"])
        out = {**inst, "labels": pi[inst["labels"]]}
        if "Q" in inst:
            Q = np.empty_like(inst["Q"])
            Q[pi] = inst["Q"]
            out["Q"] = Q
        return out
    return Relation("relabel classes", description, transform, same_slack)
