"""What the j19 claims (Jiang 2019) share: the formalisation and the rank rule, the
parsers of the instance files and their parameters, the metamorphic relations, the cost
estimates, and the numerics of the disparity matrix ``H(w)`` (eqs. (8)-(9)) and of the truncated
objective ``F(w) = Qhat(c(w))``, with their rounding bounds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from checks.framework import Erratum, Parameter, Relation
from checks.inputs import BadInput, integer, matrix, require, vector
from checks.oracles import choice
from checks.strategies.j19_disparity import (
    edge_networks,
    permute_samples,
    permute_units,
    reflect_cube,
    rotate_circle,
    scale_labels,
    scale_outputs,
)
from checks.tex import tex_number
from theory.fourier import (
    CanonicalSpace,
    SigmoidProduct,
    canonical_coordinates,
    canonical_gradient,
    canonical_loss,
    derivative_span_bound,
    design_matrix,
    equilibrate_rows,
    network_coordinates,
    quadrature_weights,
)
from theory.jacobian import jacobian
from theory.linalg import NOISE_FACTOR, certified_rank
from theory.models.feedforward import Feedforward
from theory.numerics import gamma, unit_roundoff

__all__ = [
    "ACTIVATIONS", "CALL_SECONDS", "DESCENT_PARAMETERS", "FORMAL", "FORWARDS_PER_STEP",
    "FORWARD_SECONDS", "FULL_S", "H_SECONDS", "NET_PARAMETERS", "NOISE_DERIVATION", "PAPER",
    "PARAM_K", "PARAM_N", "PARAM_X", "PARAM_activation", "PARAM_h", "PARAM_n", "PARAM_w",
    "PARAM_y", "RANK_NOTE", "RANK_RULE", "RELATION_MEANING", "cost_descent", "cost_of",
    "disparity_with_rounding", "edge_rank_networks", "enough_weights", "equilibrated_rank",
    "few_samples", "min_canonical_loss", "network_of", "objective_bundle", "parse_data",
    "parse_net", "parse_space", "rank_above", "rank_state", "relations_of", "size_of",
    "space_of", "weyl_margin",
]

PAPER = "j19"
#: The rank rule's constants and where they come from. FULL_S is a *separation margin*, not a
#: rounding bound: ``s = sigma_L/sigma_1`` of the row-equilibrated H must reach it before H is
#: called FULL. Measured (RANK_RULE records the figures): structural deficiencies at
#: ``s <= 1.6e-17`` and random ReLU initialisations at ``s >= 1.9e-4``; 1e-8 sits four decades
#: from each. The rounding bounds proper are derived where they are used: the SVD threshold
#: ``10 max(M, L) u sigma_1`` and its gap factor (``theory.linalg.certified_rank``: the
#: backward error of the SVD, ``NOISE_FACTOR = 10`` and ``GAP = 1e3`` there), and the Weyl
#: margin of H's own rounding (:func:`disparity_with_rounding`, :func:`weyl_margin`), which FULL
#: must also clear; so FULL_S can only make a verdict more cautious, never certify on its own.
FULL_S = 1e-8
_U = unit_roundoff()


ACTIVATIONS = ("relu", "tanh", "sigmoid", "softplus")

FORMAL = (
    Erratum("interpretation", "Formalisation (ours; the paper is informal and its formulas are "
            r"lost in the text we worked from): domain $[0,1]^K$, $K\in\{1,2\}$; real "
            r"orthonormal Fourier coordinates $c_l(g)=\int g\,\phi_l$ ($\phi_0=1$, "
            r"$\sqrt2\cos2\pi jx$, $\sqrt2\sin2\pi jx$; products for $K=2$) truncated to "
            r"$|k|_\infty\le n$, $L=(2n+1)^K$ (a fixed centred set, not the 'largest' "
            "coefficients: it must not depend on $w$, or $H(w)$ would not be the Jacobian of "
            "one map); coefficients by the trapezoid rule on the grid $j/N$ (FFT with the two "
            "faces folded; any fixed linear quadrature makes eq. (9) exact, the same one is "
            r"used for $c(w)$ and $H(w)$); networks $f_w(x)=\sum_j a_j\sigma(w_j\cdot x+b_j)+c$ "
            "(Feedforward $[K,h,1]$, $M=h(K+2)+1$ weights); training inputs in the interior "
            "$[0.1,0.9]^K$ (the periodic extension jumps at the faces); squared loss; "
            r"$F(w)=\hat Q(c(w))=|\Phi c(w)-y|^2$ with $\Phi_{tl}=\phi_l(x_t)$; "
            r"$H(w)_{ml}=c_l(\partial f_w/\partial w_m)$.")
)
RANK_RULE = (
    r"'Full rank' means $\operatorname{rank}H=L$ (needs $M\ge L$), "
    r"decided on $H$ itself (never on $HH^\top$), with its rows scaled by exact powers "
    r"of two to max entry $\in[1/2,1)$ (rank-preserving): FULL if "
    r"$s=\sigma_L/\sigma_1\ge10^{-8}$ and the SVD rank certificate (threshold "
    r"$10\max(M,L)\,u\,\sigma_1$, gap $10^3$) is certain with rank $L$; DEFICIENT only "
    "with a certificate: $M<L$, or the exact bound "
    r"$\operatorname{rank}H\le\dim\operatorname{span}\{\partial f/\partial w_m\}$ below "
    "$L$ ($K+2$ functions per distinct unit, $K+1$ for ReLU by Euler, 0 for a dead ReLU "
    "unit, $K$ in all for ReLU units active on the whole cube, plus the constant); "
    "otherwise inconclusive (measured: structural deficiencies "
    r"$s\le1.6\times10^{-17}$, random ReLU inits $s\ge1.9\times10^{-4}$; a small $s$ "
    r"alone certifies nothing: scaling $w$ by $2^{-40}$ gives $s\approx10^{-14}$ on the "
    "unequilibrated $H$ at full exact rank)."
)
# the rule is also the derivation of the rank verdicts below; as a note of every rank claim:
RANK_NOTE = Erratum("method note", RANK_RULE)


# parsing


def parse_space(params: Mapping[str, Any]) -> tuple[int, int, int]:
    """The canonical space of an instance file (Jiang 2019, eqs. (4)-(6) in our formalisation):
    ``K`` (1 or 2), ``n`` (``L = (2n+1)^K`` coordinates) and the grid ``N`` of the trapezoid
    quadrature, ``N >= 16 (2n+1)``."""
    K = integer(params, "K", lo=1, hi=2)
    n = integer(params, "n", lo=0, hi=32)
    N = integer(params, "N", lo=8, hi=8192 if K == 1 else 256)
    if N < 16 * (2 * n + 1) and n > 0 or N < 2 * n + 2:
        raise BadInput(f"N: the grid must satisfy N >= 16 (2n+1) = {16 * (2 * n + 1)}, got {N}")
    return K, n, N


def parse_data(params: Mapping[str, Any], K: int) -> tuple[np.ndarray, np.ndarray]:
    """The training set ``(x_t, y_t)`` of eq. (2): ``T x K`` inputs in the cube ``[0, 1]^K`` and
    ``T`` labels."""
    X = matrix(params, "X", (None, K))
    y = vector(params, "y", X.shape[0])
    if np.any(X < 0) or np.any(X > 1):
        raise BadInput("X: training inputs must lie in the cube [0, 1]^K")
    return X, y


def parse_net(params: Mapping[str, Any], *, data: bool = True) -> dict[str, Any]:
    """An instance of the literal model of eq. (3), ``f_w(x) = sum_j a_j sigma(w_j.x + b_j) + c``
    (one hidden layer of width ``h``, ``M = h(K+2)+1`` weights), on its canonical space, with its
    training set unless ``data`` is false."""
    require(params, "K", "n", "N", "h", "activation", "w")
    K, n, N = parse_space(params)
    h = integer(params, "h", lo=1, hi=200)
    activation = choice(params, "activation", ACTIVATIONS)
    w = vector(params, "w", h * (K + 2) + 1)
    inst = {"K": K, "n": n, "N": N, "h": h, "activation": activation, "w": w}
    if data:
        inst["X"], inst["y"] = parse_data(params, K)
    return inst


def network_of(inst: Mapping[str, Any]) -> Any:
    """The literal model of an instance (eq. (3)): the network ``f_w``, or the counterexample
    ``sigmoid(w) + u v`` to Theorem 2."""
    if inst.get("model") == "sigmoid-product":
        return SigmoidProduct()
    return Feedforward([inst["K"], inst["h"], 1], inst["activation"])


def space_of(inst: Mapping[str, Any], quadrature: str = "trapezoid") -> CanonicalSpace:
    """The truncated canonical space of an instance (eqs. (4)-(6)): coordinates with
    ``|k|_inf <= n`` on the ``N``-grid of ``quadrature``."""
    return CanonicalSpace(inst["K"], inst["n"], inst["N"], quadrature)


def size_of(inst: Mapping[str, Any]) -> dict[str, float]:
    """The sizes a verdict records: ``K``, ``L = (2n+1)^K`` canonical coordinates, ``M``
    weights and, with data, ``T`` samples."""
    L = (2 * inst["n"] + 1) ** inst["K"]
    out = {"K": inst["K"], "L": L, "M": int(np.size(inst["w"]))}
    if "X" in inst:
        out["T"] = int(inst["X"].shape[0])
    return out


# the instance files' parameters and the metamorphic relations, shared by the claims

PARAM_K = Parameter("K", "scalar", r"input dimension $K$ of the cube $[0,1]^K$", "1 or 2")
PARAM_n = Parameter("n", "scalar", r"truncation order: coordinates with $|k|_\infty\le n$, "
                 r"$L=(2n+1)^K$", "integer 0..32")
PARAM_N = Parameter("N", "scalar", r"grid $j/N$ per axis of the trapezoid quadrature of $c(w)$ "
                 "and $H(w)$", r"integer, $N\ge16(2n+1)$ when $n>0$, $N\ge2n+2$, $N\ge8$; "
                 r"$N\le8192$ ($K=1$) or $N\le256$ ($K=2$)")
PARAM_h = Parameter("h", "scalar", r"hidden width of $f_w(x)=\sum_ja_j\sigma(w_j\cdot x+b_j)+c$",
                 "integer 1..200")
PARAM_activation = Parameter("activation", "name", r"the activation $\sigma$",
                             ", ".join(ACTIVATIONS))
PARAM_w = Parameter("w", "M = h(K+2)+1", r"the weights $w$: $W=(w_j)$ row-major ($h\times K$), "
                 r"$b$ ($h$), $a$ ($h$), $c$ (1)", "finite")
PARAM_X = Parameter("X", "T x K", r"training inputs $x_t$", "$[0,1]^K$")
PARAM_y = Parameter("y", "T", r"labels $y_t$", "finite")
NET_PARAMETERS = [PARAM_K, PARAM_n, PARAM_N, PARAM_h, PARAM_activation, PARAM_w, PARAM_X, PARAM_y]
DESCENT_PARAMETERS = [
    Parameter("model", "name", r"the literal model: the network $f_w$, or the counterexample "
              r"$\operatorname{sigmoid}(w)+uv$ of Theorem 2", "network, sigmoid-product",
              "network"),
    Parameter("K", "scalar", r"input dimension $K$", "1 or 2 (1 for sigmoid-product, where it "
              "may be left out)"),
    PARAM_n, PARAM_N,
    Parameter("h", "scalar", "hidden width (network only)", "integer 1..200"),
    Parameter("activation", "name", r"the activation $\sigma$ (network only)",
              ", ".join(ACTIVATIONS)),
    Parameter("w", "M", r"the initial weights $w_0$ (sigmoid-product: $(w,u,v)$, $M=3$)",
              "finite"),
    PARAM_X, PARAM_y,
    Parameter("eta0", "scalar", r"initial step $\eta$ of Algorithm 1, halved by Armijo's rule",
              r"$[10^{-12},10^{6}]$"),
    Parameter("steps", "scalar", "number of gradient steps", "integer 1..100000"),
    Parameter("step_rule", "name", r"Armijo backtracking or a fixed step $\eta$",
              "armijo, fixed", "armijo"),
]


#: what each metamorphic relation does to an instance and why the truth cannot change (the
#: transformations are those of :mod:`checks.strategies.j19_disparity`)
RELATION_MEANING = {
    "permute-samples": r"The same samples $(x_t,y_t)$ in another order: every loss of the "
                       "paper (eq. (2), the canonical loss of eq. (7)) is a sum over samples, "
                       "and every hypothesis a property of the sample set.",
    "permute-units": r"The same network with its hidden units relabelled ($f_w$ is a sum over "
                     r"units, §3.3): the rows of $H$ are permuted, its rank and every loss "
                     "unchanged; listed units (dead, pair) follow their new labels, and so "
                     r"does $w_2$ (Corollary 1).",
    "scale-outputs": r"Labels $y$ and the output layer $(a,c)$ scaled by $2^k$ ($k=\pm20$, "
                     r"drawn): $f_w$ and every residual scale by $2^k$ exactly, every loss by "
                     r"$4^k$; the rows of $H$ for $(w_j,b_j)$ scale by $2^k$ "
                     r"($\partial f/\partial w_j$ carries $a_j$), the others stay, so the rank "
                     "of $H$ is unchanged (a diagonal row scaling) and its row-equilibrated form "
                     "is bit-for-bit the same.",
    "scale-labels": r"Labels scaled by $2^k$ ($k=\pm40$, drawn), for Theorem 1, whose instance "
                    "is the samples alone: the least-squares minimiser and the minimum scale by "
                    "$2^k$ and $4^k$ exactly, and so does every rounding bound of the decision.",
    "rotate-circle": r"Every sample moved by the same dyadic $t=m/64$ along each axis, modulo 1 "
                     "(a rotation of the torus): each pair of canonical coordinates "
                     r"$(\cos,\sin)$ of frequency $j$ is rotated by $2\pi jt$, an orthogonal "
                     r"change of basis $\Phi\mapsto\Phi R$, so the rank of $\Phi$, distinctness "
                     r"on the torus and $\min_c|\Phi c-y|^2$ are unchanged (Theorem 1).",
    "reflect-cube": r"The cube reflected, $x\mapsto1-x$ on every axis, samples and network "
                    r"together ($w_j\mapsto-w_j$, $b_j\mapsto b_j+\sum_kw_{jk}$, so the new "
                    r"network at $1-x$ is the old one at $x$): the grid maps onto itself, each "
                    "sine coordinate changes sign (an orthogonal change of canonical basis), "
                    "and the new weights are an invertible linear image of the old, so the rank "
                    "of $H$, dead, duplicated and affine units, and every loss are unchanged up "
                    r"to the rounding of $b_j+\sum_kw_{jk}$ and of $1-x_t$.",
}


def _relation(name: str, transform: Any, same_slack: bool, why: str) -> Relation:
    return Relation(name, RELATION_MEANING[name] + " " + why, transform, same_slack)


_SAMPLES = "The verdict keeps its status; the numbers change by rounding only."
_EXACT = "Each side and each rounding bound scale by the same power of two: same relative slack."
_STATUS = ("Only the status is kept: the numbers change by rounding (a run's rounding may "
           "compound), or the sides scale differently.")


def relations_of(*names: str, exact: tuple[str, ...] = ()) -> list[Relation]:
    """The relations ``names`` (from :data:`RELATIONS`), ``same_slack`` for those in
    ``exact``."""
    table = {"permute-samples": permute_samples, "permute-units": permute_units,
             "scale-outputs": scale_outputs, "scale-labels": scale_labels,
             "rotate-circle": rotate_circle, "reflect-cube": reflect_cube}
    return [_relation(n, table[n], n in exact, _EXACT if n in exact and n.startswith("scale")
                      else _SAMPLES if n in exact else _STATUS) for n in names]


# cost estimates (seconds of Claim.check on this machine, from the instance's sizes)

#: seconds per grid node per weight for one disparity matrix (analytic Jacobian on the grid +
#: FFT), and a fixed overhead per evaluation. Measured with ``theory.fourier.disparity_matrix``
#: on the development machine (two shared cores, OPENBLAS_NUM_THREADS=1): 0.9e-7 to 2.5e-7 s
#: for K = 1, 2, N = 64..8192, h = 20..200 (the larger values at the largest grids); 1.5e-7
#: is the middle, so an estimate may be off by a factor of two either way.
H_SECONDS = 1.5e-7
CALL_SECONDS = 1e-3
#: seconds per grid node per hidden unit for one forward pass + FFT (``network_coordinates``),
#: measured the same way: 2e-8 to 3e-8 s; 3e-8 taken.
FORWARD_SECONDS = 3e-8
#: network evaluations per Armijo step beyond the new state's H: one forward for the state's
#: F and on average up to three halvings (measured: 1-3 on the strategy's runs).
FORWARDS_PER_STEP = 4


def _grid_size(inst: Mapping[str, Any]) -> int:
    return (inst["N"] + 1) ** inst["K"]


def _seconds_H(inst: Mapping[str, Any]) -> float:
    """Estimated seconds of one disparity matrix of ``inst``'s network on its grid."""
    return CALL_SECONDS + H_SECONDS * _grid_size(inst) * int(np.size(inst["w"]))


def _seconds_forward(inst: Mapping[str, Any]) -> float:
    """Estimated seconds of one forward pass + coordinates of ``inst``'s network."""
    width = inst.get("h", 1) if inst.get("model") != "sigmoid-product" else 1
    return CALL_SECONDS / 10 + FORWARD_SECONDS * _grid_size(inst) * width


def cost_of(h_evaluations: float, forwards: float = 0.0) -> Any:
    """``cost(inst)``: so many disparity matrices and forward passes (the multiples measured
    per claim: e.g. j19.eq8 took 1.0-5.0 H-times on K = 1, 2 grids, its autograd reference
    counting as about four)."""
    return lambda inst: h_evaluations * _seconds_H(inst) + forwards * _seconds_forward(inst)


def cost_descent(inst: Mapping[str, Any]) -> float:
    """Armijo descent: per step one H (with the state's forward) and FORWARDS_PER_STEP
    forward passes (the halvings' trial points), plus one SVD of H (M x L, negligible)."""
    return inst["steps"] * (_seconds_H(inst) + FORWARDS_PER_STEP * _seconds_forward(inst))


# shared numerics


def _shifts(H: np.ndarray) -> np.ndarray:
    """Exponents ``e_m`` with ``max_l |H_ml| 2^{-e_m}`` in ``[1/2, 1)`` (0 for a zero row)."""
    top = np.max(np.abs(H), axis=1) if H.size else np.zeros(H.shape[0])
    return np.where(top > 0, np.frexp(top)[1], 0)


def equilibrated_rank(H: np.ndarray) -> Any:
    """:func:`theory.linalg.certified_rank` of the row-equilibrated ``H``
    (:func:`theory.fourier.equilibrate_rows`: the output bias' constant row next to rows of
    order ``|w|`` no longer hide each other behind a threshold relative to ``sigma_1``)."""
    return certified_rank(equilibrate_rows(H))


def disparity_with_rounding(inst: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """``H(w)`` (as :func:`theory.fourier.disparity_matrix`) and, per row, a bound on the
    Frobenius norm of its rounding error against the exact quadrature: every sample of
    ``df/dw_m`` is computed with relative error ``gamma_{K+4}`` and the quadrature + FFT add
    ``gamma_{G+2 log2 G}``, each coefficient weighting by ``|phi_l| <= 2^{K/2}``, so
    ``|E_ml| <= g A_m`` with ``g = gamma_{G+K+4+2 log2 G}``, ``A_m = 2^{K/2} int|df/dw_m|``
    (the quadrature of the absolute samples) and the row's norm ``<= sqrt(L) g A_m``."""
    model, space = network_of(inst), space_of(inst)
    G = space.grid()
    D = np.asarray(jacobian(model, inst["w"], G, method="analytic"))  # G x M
    H = canonical_coordinates(space, D.T)
    g = gamma(G.shape[0] + space.K + 4 + 2 * math.ceil(math.log2(G.shape[0])))
    A = 2.0 ** (space.K / 2) * (np.abs(D).T @ quadrature_weights(space))
    return H, math.sqrt(space.L) * g * A


def weyl_margin(H: np.ndarray, err_rows: np.ndarray) -> float:
    """``|E|_2 <= |E|_F`` for the row-equilibrated ``H`` (the rows' error bounds scaled by the
    same powers of two): by Weyl's inequality every singular value of the exact
    (equilibrated) ``H`` lies within it of the stored one's."""
    return float(np.linalg.norm(np.ldexp(err_rows, -_shifts(H))))


def rank_state(H: np.ndarray, L: int, inst: Mapping[str, Any] | None = None,
               err_rows: np.ndarray | None = None) -> tuple[str | None, dict[str, Any]]:
    """FULL / DEFICIENT / None (inconclusive) for ``rank H = L``: FULL from the SVD of the
    row-equilibrated H, DEFICIENT only when certified (``M < L``, or the structural bound of
    :func:`theory.fourier.derivative_span_bound` for the network of ``inst`` below ``L``).

    FULL needs three things: the SVD certificate of rank ``L`` for the stored ``H`` (threshold
    ``10 max(M,L) u sigma_1``, the SVD's backward error); ``sigma_L`` above that threshold plus
    the Weyl margin of ``H``'s own rounding (``err_rows``, :func:`disparity_with_rounding`), so
    that the exact ``H`` has rank ``L`` too; and ``s = sigma_L/sigma_1 >= FULL_S``, a separation
    margin (see ``FULL_S``), not a rounding bound."""
    M = H.shape[0]
    cert = equilibrated_rank(H)
    s = cert.singular_values
    if M < L:
        return "DEFICIENT", {"M": M, "L": L, "rank": cert.rank, "s": 0.0,
                             "why": r"$M<L$: $\operatorname{rank}H\le M<L$ by counting"}
    s1 = float(s[0]) if s.size else 0.0
    ratio = float(s[L - 1] / s1) if s1 > 0 else 0.0
    weyl = weyl_margin(H, err_rows) if err_rows is not None else 0.0
    info = {"rank": cert.rank, "rank_certain": cert.certain, "s": ratio, "sigma_L": float(s[L - 1]),
            "sigma_1": s1, "L": L, "M": M, "rows": "equilibrated by powers of two",
            "weyl_margin": weyl}
    if inst is not None and inst.get("model") != "sigmoid-product":
        bound, how = derivative_span_bound(network_of(inst), inst["w"])
        info["structural_bound"] = bound
        if bound < L:
            info["why"] = rf"$\operatorname{{rank}}H\le{bound}<L={L}$: {how}"
            return "DEFICIENT", info
    if ratio >= FULL_S and cert.certifies(L, margin=weyl):
        return "FULL", info
    return None, info


def objective_bundle(space: CanonicalSpace, model: Any, w: np.ndarray, X: np.ndarray,
                     y: np.ndarray) -> dict[str, Any]:
    """F, c, H, grad_c, grad_w F = H grad_c and a rounding bound on grad_w F.

    Rounding bound (Higham gamma_n with n = G + L + T + 2 log2 G terms: a grid quadrature, an
    FFT, the products with Phi): every entry of H is a quadrature of (df/dw_m) phi_l with
    |phi_l| <= 2^{K/2}, so |H_ml| and its error are bounded through A_m = 2^{K/2} int|df/dw_m|;
    the error of c_l is <= g 2^{K/2} int|f|; it propagates into grad_c = 2 Phi^T (Phi c - y)
    through 2|Phi^T||Phi|.
    """
    Phi = design_matrix(space, X)
    G = space.grid()
    c = network_coordinates(space, model, w)
    D = np.asarray(jacobian(model, w, G, method="analytic"))
    H = canonical_coordinates(space, D.T)
    gc = canonical_gradient(Phi, y, c)
    gF = H @ gc
    wts = quadrature_weights(space.with_quadrature("trapezoid"))
    nG = G.shape[0]
    g_n = gamma(nG + space.L + X.shape[0] + 2 * math.ceil(math.log2(nG)))
    amp = 2.0 ** (space.K / 2)
    A = amp * (np.abs(D).T @ wts)
    f_abs = amp * float(np.abs(np.asarray(model.forward(w, G))[:, 0]) @ wts)
    e_c = g_n * f_abs * np.ones(space.L)
    aPhi = np.abs(Phi)
    e_gc = 2 * g_n * aPhi.T @ (aPhi @ np.abs(c) + np.abs(y)) + 2 * aPhi.T @ (aPhi @ e_c)
    tol_m = g_n * A * np.sum(np.abs(gc)) + A * np.sum(e_gc)
    noise = 4.0 * float(np.linalg.norm(tol_m))
    return {"Phi": Phi, "c": c, "H": H, "D": D, "gc": gc, "gF": gF, "F": canonical_loss(Phi, y, c),
            "noise": noise, "g_n": g_n}


NOISE_DERIVATION = (
    r"$4\|e\|_2$ with $e_m=g\,A_m\|\nabla_c\hat Q\|_1+A_m\|e_{gc}\|_1$, "
    r"$g=\gamma_{G+L+T+2\log_2G}$, $A_m=2^{K/2}\int|\partial f/\partial w_m|$ (bounds "
    r"$|H_{ml}|$), $e_{gc}=2g\,|\Phi^\top|(|\Phi||c|+|y|)+2|\Phi^\top||\Phi|\,e_c$, "
    r"$e_c=g\,2^{K/2}\int|f|$"
)


def min_canonical_loss(Phi: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """``min_c Qhat(c)`` by least squares, with a rounding bound on it (backward-stable
    least squares: residual error <= 10 max(T,L) u (|Phi| |c| + |y|), the backward error
    ``NOISE_FACTOR max(T, L) u`` of :mod:`theory.linalg`)."""
    c, *_ = np.linalg.lstsq(Phi, y, rcond=None)
    r = Phi @ c - y
    T, L = Phi.shape
    err = NOISE_FACTOR * max(T, L) * _U * (
        np.linalg.norm(Phi, 2) * np.linalg.norm(c) + np.linalg.norm(y))
    res = float(np.linalg.norm(r))
    return res**2, (2 * res + err) * err, c


def rank_above(H: np.ndarray, err_rows: np.ndarray, bound: int) -> str:
    """The certificate that the *exact* disparity matrix ``H`` (eq. (9)) has rank above
    ``bound``, as the rank claims of §3.3 need it to refute a rank bound, or ``""``: the stored
    (row-equilibrated) ``H`` has ``sigma_{bound+1}`` above the SVD threshold plus the Weyl
    margin of ``H``'s own rounding (:func:`disparity_with_rounding`, :func:`weyl_margin`)."""
    cert = equilibrated_rank(H)
    s = cert.singular_values
    weyl = weyl_margin(H, err_rows)
    if bound < s.size and cert.certain and float(s[bound]) > cert.threshold + weyl:
        return (f"$\\sigma_{{{bound + 1}}}={tex_number(float(s[bound]))}$ of the row-equilibrated "
                f"$H$ exceeds the SVD threshold ${tex_number(cert.threshold)}$ plus the rounding "
                f"margin of $H$, ${tex_number(weyl)}$ (Weyl): "
                f"$\\operatorname{{rank}}H\\ge{bound + 1}>{bound}$")
    return ""


def edge_rank_networks(profile: str) -> Any:
    """Edge networks for the rank claims (Lemma 1, ours1, §3.3.3, ours3): ReLU and tanh."""
    return edge_networks(K=st.sampled_from([1, 1, 2]), n=st.integers(1, 2),
                         activation=st.sampled_from(["relu", "tanh"]))


# hypotheses shared by several claims


def enough_weights(i: Mapping[str, Any]) -> bool | str:
    """The hypothesis ``M >= L`` (Lemma 1, Theorem 2, §3.3.3): ``rank H(w) = L`` needs at least
    as many weights as canonical coordinates."""
    return i["w"].size >= (2 * i["n"] + 1) ** i["K"] or "$M<L$"


def few_samples(i: Mapping[str, Any]) -> bool | str:
    """The hypothesis ``T <= L`` (Theorem 1's count; ours1 and ours2): only then does
    ``sigma_T(Phi)``, the smallest singular value, bound ``|Phi^T r|`` from below."""
    return i["X"].shape[0] <= (2 * i["n"] + 1) ** i["K"] or "$T>L$"
