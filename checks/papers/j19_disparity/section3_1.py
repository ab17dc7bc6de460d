"""Jiang (2019) §3.1, learning in canonical space: Theorem 1 (zero training loss is
attainable when ``L >= T``, eq. (7)) and Corollary 1 (the learning objective is a convex
functional of the function, not of the weights)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Tolerance,
    Verdict,
    decide,
    decide_flag,
)
from checks.inputs import integer, real, require, vector
from checks.oracles import choice
from checks.papers.j19_disparity._common import (
    CALL_SECONDS,
    FORMAL,
    FULL_S,
    NET_PARAMETERS,
    PAPER,
    PARAM_K,
    PARAM_X,
    PARAM_n,
    PARAM_y,
    cost_of,
    min_canonical_loss,
    network_of,
    parse_data,
    parse_net,
    relations_of,
    size_of,
    space_of,
)
from checks.strategies.j19_disparity import (
    edge_networks,
    network_instance,
    networks,
)
from checks.tex import tex_number
from theory.fourier import (
    CanonicalSpace,
    canonical_loss,
    design_matrix,
    network_coordinates,
    unit_indices,
)
from theory.linalg import certified_rank
from theory.numerics import UNDERFLOW, gamma

__all__ = ["THM1", "COR1"]

def _cost_thm1(inst: Mapping[str, Any]) -> float:
    """Least squares and an SVD of the T x L design matrix: ~10 T L min(T, L) flops at about
    1e9 flops a second (LAPACK on one core), plus the sort of the samples."""
    T, L = inst["X"].shape[0], (2 * inst["n"] + 1) ** inst["K"]
    return CALL_SECONDS + 1e-8 * T * L * min(T, L) + 1e-7 * T


# edge strategies (instances where definitions and numerics break; never a false violated)


def _edge_thm1(profile: str) -> Any:
    """Theorem 1 at its edges: ``T = L`` (square Phi), ``n = 0``, samples on dyadic nodes (exact
    ties of the basis' values), a sample on the face ``x = 0``, two samples ``2^-53`` apart
    across the face (distinct on the torus, unresolvable in float64), ``K = 2`` samples on a
    dyadic lattice (rank-Phi=T may fail there: out of scope), labels at ``2^-40`` and ``2^40``."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        K = draw(st.sampled_from([1, 1, 2]))
        n = draw(st.integers(0, 3) if K == 1 else st.integers(0, 1))
        L = (2 * n + 1) ** K
        T = draw(st.sampled_from(sorted({1, L})))
        kind = draw(st.sampled_from(["dyadic", "face", "across-face"]))
        if K == 1:
            nodes = draw(st.lists(st.integers(0, 63), min_size=T, max_size=T, unique=True))
            X = (np.array(nodes, dtype=float) / 64.0)[:, None]
            if kind == "across-face" and T >= 2:
                X[0, 0], X[1, 0] = 0.0, 1.0 - 2.0**-53
        else:
            cells = draw(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=T,
                                  max_size=T, unique=True))
            X = np.array(cells, dtype=float) / 8.0
        if kind == "face":
            X[0] = 0.0
            X = np.unique(X, axis=0)
        y = np.array(draw(st.lists(st.integers(-4, 4), min_size=X.shape[0],
                                   max_size=X.shape[0])), dtype=float)
        y = np.ldexp(y, draw(st.sampled_from([-40, 0, 40])))
        return {"K": K, "n": n, "X": X, "y": y}

    return build()


def _edge_cor1(profile: str) -> Any:
    """Corollary 1 at its edges: ``lambda`` in ``{0, 1, 1/2, 2^-53}``, the second network equal
    to the first, its negative or another draw, on edge networks."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        inst = draw(edge_networks(K=st.sampled_from([1, 2]), n=1,
                                  activation=st.sampled_from(["relu", "tanh"]), scale=3.0))
        other = draw(st.sampled_from(["same", "negative", "shifted"]))
        w2 = {"same": inst["w"], "negative": -inst["w"],
              "shifted": inst["w"] + np.ldexp(1.0, -20)}[other]
        lam = draw(st.sampled_from([0.0, 1.0, 0.5, 2.0**-53]))
        return {**inst, "w2": w2.copy(), "lam": lam, "space": "function"}

    return build()


# Theorem 1


def _parse_thm1(params: Mapping[str, Any]) -> dict[str, Any]:
    require(params, "K", "n", "X", "y")
    K = integer(params, "K", lo=1, hi=2)
    n = integer(params, "n", lo=0, hi=32)
    X, y = parse_data(params, K)
    return {"K": K, "n": n, "X": X, "y": y}


def _torus_distinct(inst: Mapping[str, Any]) -> bool | str:
    """The samples are pairwise distinct modulo 1 (on the torus; ``x = 0`` and ``x = 1``
    coincide there). Sorting, ``O(T log T)``: rows of ``X mod 1`` are distinct iff
    ``np.unique`` keeps all ``T`` of them (``-0.0 == 0.0``, so signed zeros coincide too)."""
    X = np.mod(inst["X"], 1.0) + 0.0  # + 0.0 turns -0.0 into 0.0
    distinct = np.unique(X, axis=0).shape[0] == X.shape[0]
    return distinct or "two samples coincide on the torus (e.g. $x=0$ and $x=1$)"


def _phi_full_row_rank(inst: Mapping[str, Any]) -> bool | str:
    if inst["K"] == 1:
        return True  # implied for K = 1 by the Haar property (distinct points on the circle)
    T, L = inst["X"].shape[0], (2 * inst["n"] + 1) ** inst["K"]
    if L < T:  # no SVD of a T x L matrix needed: its rank is at most L
        return rf"$\operatorname{{rank}}\Phi\le L={L}<T={T}$"
    Phi = design_matrix(CanonicalSpace(inst["K"], inst["n"], 2 * inst["n"] + 2), inst["X"])
    cert = certified_rank(Phi)
    return (cert.rank == T and cert.certain) or (rf"$\operatorname{{rank}}\Phi={cert.rank}<T={T}$ "
                                                     "(or uncertain)")


def _measure_thm1(inst: Mapping[str, Any]) -> Verdict:
    space = CanonicalSpace(inst["K"], inst["n"], 2 * inst["n"] + 2)
    Phi = design_matrix(space, inst["X"])
    y = inst["y"]
    q, err, c = min_canonical_loss(Phi, y)
    cert = certified_rank(Phi)  # its threshold is the SVD's noise floor 10 max(T, L) u s_1
    s, floor = cert.singular_values, cert.threshold
    T, L = Phi.shape
    if inst["K"] == 1 and T <= L and _torus_distinct(inst) is True and float(s[T - 1]) <= floor:
        # K = 1, distinct points on the circle: the exact Phi has rank T (Haar property), so
        # the exact minimum is 0; but sigma_T(Phi) is below the SVD/least-squares backward
        # error, so a perturbation of that size may drop the rank and the computed residual
        # says nothing about the exact one (x = 0 vs x = 1 - 2^-53).
        return decide_flag(
            None, tolerance=Tolerance(floor, r"$10\max(T,L)\,u\,\sigma_1(\Phi)$: backward error "
                                      "of the SVD / least squares"),
            message=r"$\operatorname{rank}\Phi=T$ exactly (distinct on the circle), but "
            r"$\sigma_T(\Phi)=" + tex_number(float(s[T - 1])) + r"\le" + tex_number(floor)
            + "$: not resolvable in float64",
            diagnostics={"L": L, "T": T, "sigma_min_Phi": float(s[T - 1]), "computed_loss": q})
    return decide(
        q, 0.0, relation="<=",
        tolerance=Tolerance(err, r"$(2\|r\|+e)\,e$, $e=10\max(T,L)\,u\,(\|\Phi\|_2\|c\|_2"
                                 r"+\|y\|_2)$ (backward-stable least squares)"),
        scale=max(float(y @ y), 1e-300),
        diagnostics={"L": L, "T": T, "sigma_min_Phi": float(s[-1]),
                     "cond_Phi": float(s[0] / s[-1]) if s[-1] > 0 else math.inf,
                     "unique": bool(T == L and s[-1] / s[0] >= FULL_S)},
    )


def _thm1_strategy(profile: str) -> Any:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        K = draw(st.sampled_from([1, 1, 2]))
        n = draw(st.integers(0, 5) if K == 1 else st.integers(1, 2))
        L = (2 * n + 1) ** K
        T = draw(st.integers(1, min(L, 12)))
        inst = network_instance(K, n, 1, "relu", T, draw(st.integers(0, 2**31 - 1)))
        return {"K": K, "n": n, "X": inst["X"], "y": inst["y"]}

    return build()


def _thm1_controls() -> list[Control]:
    rng = np.random.default_rng(19)
    x6 = np.linspace(0.15, 0.85, 6)[:, None]
    line = np.column_stack([np.array([0.2, 0.4, 0.6, 0.8]), np.full(4, 0.5)])
    return [
        Control("L<T", "L>=T", "$n=2$ ($L=5$), $T=6$ distinct samples, random labels: the "
                "minimum canonical loss is positive", instances=[
                    {"K": 1, "n": 2, "X": x6, "y": rng.standard_normal(6)}]),
        Control("faces", "distinct-on-torus", "$K=1$, $x=0$ and $x=1$ with labels 1, $-1$: the "
                r"two rows of $\Phi$ coincide (periodic basis), minimum loss 2", instances=[
                    {"K": 1, "n": 2, "X": np.array([[0.0], [1.0]]), "y": np.array([1.0, -1.0])}]),
        Control("collinear", "rank-Phi=T", "Theorem 1 as printed, $K=2$: $n=1$ ($L=9$), $T=4$ "
                "distinct points on the line $x_2=0.5$; there the space is the degree-1 "
                r"trigonometric polynomials in $x_1$ (dimension 3), $\operatorname{rank}\Phi=3<T$, "
                r"so generic labels cannot be fitted although $L\ge T$", instances=[
                    {"K": 2, "n": 1, "X": line, "y": np.array([1.0, -1.0, 0.5, 2.0])}]),
    ]


THM1 = Claim(
    id="j19.thm1", paper=PAPER, source="Theorem 1, eq. (7)",
    title=r"Canonical space: zero training loss is attainable when $L\ge T$",
    statement=r"L=(2n+1)^K\ge T,\ x_t \text{ distinct on the torus},\ "
              r"(K=2:\ \operatorname{rank}\Phi=T)"
              r"\ \Rightarrow\ \min_{c\in\mathbb R^L}\sum_t(\phi(x_t)^\top c-y_t)^2=0",
    measure=_measure_thm1, parse=_parse_thm1, strategy=_thm1_strategy,
    hypotheses=[
        Hypothesis("L>=T", r"L \ge T", lambda i: (2 * i["n"] + 1) ** i["K"] >= i["X"].shape[0]
                   or "fewer canonical coordinates than samples"),
        Hypothesis("distinct-on-torus", r"x_t \ne x_s \bmod 1", _torus_distinct),
        Hypothesis("rank-Phi=T", r"K=2:\ \operatorname{rank}\Phi = T\ (\text{ours})",
                   _phi_full_row_rank),
    ],
    controls=_thm1_controls(),
    decides=r"Solves $\min_c|\Phi c-y|^2$ by least squares and decides $\min\le0$ within the "
            "rounding bound of a backward-stable solver (inconclusive if that bound is not "
            "small against $|y|^2$).",
    errata=[
        FORMAL,
        Erratum("interpretation", "'Distinct samples' must mean distinct on the torus: $x=0$ "
                r"and $x=1$ give equal rows of $\Phi$ (control 'faces')."),
        Erratum("paper error", r"False as printed for $K=2$: '$L\ge T$ unknowns vs equations' "
                r"needs $\operatorname{rank}\Phi=T$, which fails e.g. for four collinear points "
                r"with $L=9$ (control 'collinear'); the hypothesis $\operatorname{rank}\Phi=T$ "
                "is ours (it holds for almost every point set). For $K=1$ it is implied "
                "(trigonometric polynomials of degree $n$ form a Haar space of dimension "
                "$2n+1$)."),
        Erratum("method note", r"Convexity of $\hat Q$ in $c$ (the first half of Theorem 1) is "
                "checked with Corollary 1 (j19.cor1)."),
    ],
    size=lambda i: {"K": i["K"], "L": (2 * i["n"] + 1) ** i["K"], "T": i["X"].shape[0]},
    cost=_cost_thm1,
    parameters=[PARAM_K, PARAM_n, PARAM_X, PARAM_y],
    relations=relations_of("permute-samples", "scale-labels", "rotate-circle",
                           exact=("permute-samples", "scale-labels")),
    edge_strategy=_edge_thm1,
)


# Corollary 1


def _parse_cor1(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_net(params)
    inst["w2"] = vector(params, "w2", inst["w"].size)
    inst["lam"] = real(params, "lam", lo=0.0, hi=1.0)
    inst["space"] = choice(params, "space", ("function", "weights"))
    return inst


def _measure_cor1(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    X, y, lam = inst["X"], inst["y"], inst["lam"]
    Phi = design_matrix(space, X)
    w1, w2 = inst["w"], inst["w2"]
    f1 = np.asarray(model.forward(w1, X))[:, 0]
    f2 = np.asarray(model.forward(w2, X))[:, 0]
    q1, q2 = float((f1 - y) @ (f1 - y)), float((f2 - y) @ (f2 - y))
    if inst["space"] == "function":
        # the combination of the two functions: Q is convex because f -> f(x_t) is linear
        fm = lam * f1 + (1 - lam) * f2
        c1, c2 = network_coordinates(space, model, w1), network_coordinates(space, model, w2)
        cm = lam * c1 + (1 - lam) * c2
        # and the same in the canonical coordinates (Theorem 1, first half)
        gap_c = (lam * canonical_loss(Phi, y, c1) + (1 - lam) * canonical_loss(Phi, y, c2)
                 - canonical_loss(Phi, y, cm))
    else:
        fm = np.asarray(model.forward(lam * w1 + (1 - lam) * w2, X))[:, 0]
        gap_c = 0.0
    qm = float((fm - y) @ (fm - y))
    rhs = lam * q1 + (1 - lam) * q2
    sides = max(rhs, qm, float(y @ y))
    scale = max(sides, 1e-300)
    T = X.shape[0]
    tol = Tolerance(8 * gamma(T + 4) * scale, r"$8\gamma_{T+4}\max(\lambda Q(f)+(1-\lambda)"
                    r"Q(g),\,Q(\lambda f+(1-\lambda)g),\,\|y\|^2)$")
    lhs = qm if gap_c >= -tol.value else rhs - gap_c  # report the canonical failure if worse
    # below tiny/u the squares have lost their relative precision to gradual underflow, so
    # the relative tolerance above bounds nothing: no answer is certified at that floor
    at_floor = {} if sides >= UNDERFLOW else {
        "inconclusive_above": 0.0,
        "message": r"every side is below the floating-point floor $\mathrm{tiny}/u="
                   + tex_number(UNDERFLOW) + "$"}
    return decide(lhs, rhs, relation="<=", tolerance=tol, scale=scale, **at_floor,
                  diagnostics={"Q_mid": qm, "Q_1": q1, "Q_2": q2, "canonical_gap": gap_c})


def _swap_units(inst: Mapping[str, Any], i: int, j: int) -> np.ndarray:
    net = network_of(inst)
    w2 = inst["w"].copy()
    a, b = unit_indices(net, i), unit_indices(net, j)
    w2[a], w2[b] = inst["w"][b], inst["w"][a]
    return w2


def _cor1_strategy(profile: str) -> Any:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        base = draw(networks(K=st.sampled_from([1, 2]), n=1,
                             activation=st.sampled_from(["relu", "tanh"]), scale=3.0))
        other = network_instance(base["K"], base["n"], base["h"], base["activation"], 1,
                                 draw(st.integers(0, 2**31 - 1)), scale=3.0, N=base["N"])
        lam = draw(st.floats(0.0, 1.0))
        return {**base, "w2": other["w"], "lam": lam, "space": "function"}

    return build()


def _cor1_control_instances() -> list[dict[str, Any]]:
    out = []
    for seed in range(3):
        inst = network_instance(1, 2, 6, "tanh", 5, 100 + seed, scale=3.0, N=128)
        net = network_of(inst)
        inst["y"] = np.asarray(net.forward(inst["w"], inst["X"]))[:, 0]  # zero loss at both ends
        out.append({**inst, "w2": _swap_units(inst, 0, 1), "lam": 0.5, "space": "weights"})
    return out


COR1 = Claim(
    id="j19.cor1", paper=PAPER, source="Corollary 1",
    title="The learning objective is a convex functional (of the function, not of $w$)",
    statement=r"Q(\lambda f+(1-\lambda)g)\le\lambda Q(f)+(1-\lambda)Q(g),\quad "
              r"\hat Q(\lambda c+(1-\lambda)c')\le\lambda\hat Q(c)+(1-\lambda)\hat Q(c')",
    measure=_measure_cor1, parse=_parse_cor1, strategy=_cor1_strategy,
    hypotheses=[Hypothesis("function-space", r"\text{the combination is taken of functions}",
                           lambda i: i["space"] == "function" or "combination taken in $w$")],
    controls=[Control("weight-space", "function-space",
                      "convexity in $w$ is not implied: $w$ and its copy with two hidden units "
                      "swapped both fit the labels exactly (loss 0), the network at the "
                      "midpoint of the weights does not", instances=_cor1_control_instances)],
    decides="Midpoint-type inequality for the squared loss at the training inputs, for the "
            r"functions $f_w$, $f_{w_2}$ and for their canonical coordinates, within "
            r"$8\gamma_{T+4}$ times the loss scale.",
    errata=[FORMAL, Erratum("interpretation", "Point evaluation is used, so the functional is "
                            "taken on continuous functions / the truncated space ($L^1$ classes "
                            "have no point values).")],
    size=size_of,
    cost=cost_of(0.0, 2.0),
    parameters=[*NET_PARAMETERS,
                Parameter("w2", "M", r"the second network's weights ($f=f_w$, $g=f_{w_2}$)"),
                Parameter("lam", "scalar", r"$\lambda$ of the convex combination", "$[0,1]$"),
                Parameter("space", "name", "where the combination is taken: of the functions "
                          "(the corollary) or of the weights (the control)",
                          "function, weights")],
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs",
                           exact=("permute-samples", "permute-units", "scale-outputs")),
    edge_strategy=_edge_cor1,
)
