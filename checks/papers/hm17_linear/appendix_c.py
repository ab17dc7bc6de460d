"""Hardt & Ma (2017) App. C: Claim C.1 (real block diagonalisation of normal matrices) and
Claim C.2 (the Frobenius norm under multiplication, with its right-hand twin used in the proof
of Theorem 2.2)."""

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
from checks.inputs import BadInput, matrix, require
from checks.papers.hm17_linear._common import (
    U,
    unit_scaled,
)
from checks.profiles import sized
from checks.strategies import hm17_linear as strat
from checks.tex import tex_number
from theory.constructions import hm17_factorisation as fac
from theory.numerics import gamma

# ---------------------------------------------------------------- Claim C.1

def _parse_c1(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"U": matrix(params, "U", square=True)}


def _commutator(X: np.ndarray) -> tuple[float, float]:
    """``(||XX^T - X^TX||_max, rounding bound)`` for the stored ``X``: each entry is a
    difference of two length-``d`` dot products, each within ``gamma_d`` times the product of
    row sums, hence ``4 gamma_d max_i (sum_j |x_ij|)^2`` (Higham, Thm 3.5)."""
    gap = float(np.max(np.abs(X @ X.T - X.T @ X)))
    tol = 4 * gamma(X.shape[0]) * float(np.max(np.sum(np.abs(X), axis=1))) ** 2
    return gap, tol


def _normal_U(inst: Mapping[str, Any]) -> bool | str:
    gap, tol = _commutator(unit_scaled(inst["U"]))
    return True if gap <= tol else (
        rf"$U$ is not normal ($\|UU^\top-U^\top U\|_{{\max}}={tex_number(gap)}$ for $U/2^k$ "
        "scaled to largest entry about 1)")


def henrici_allowance(d: int, gap: float, tol: float) -> float:
    """Claim C.1 (Hardt & Ma 2017, App. C) where normality is decided to rounding only: the
    largest off-block entry a non-normal matrix can have while its computed commutator
    is ``gap`` (within ``tol`` of the exact one). Henrici (1962): the departure from
    normality ``dep(X)`` (Frobenius norm of the strictly upper part of a complex Schur form)
    obeys ``dep(X)^2 <= sqrt((d^3 - d)/12) ||XX^* - X^*X||_F``; the off-block part of a real
    Schur form is a unitary image of part of that strictly upper part (triangularise each
    2 x 2 block), and ``||C||_F <= d ||C||_max``."""
    return ((d**3 - d) / 12) ** 0.25 * math.sqrt(d * (gap + tol))


def _measure_c1(inst: Mapping[str, Any]) -> Verdict:
    X = unit_scaled(inst["U"])
    d = X.shape[0]
    S, D, blocks = fac.real_block_form(X)
    mask = np.ones((d, d), dtype=bool)
    for start, size in blocks:
        mask[start:start + size, start:start + size] = False
    off = float(np.max(np.abs(D[mask]))) if mask.any() else 0.0
    recon = float(np.max(np.abs(S @ D @ S.T - X)))
    orth = float(np.max(np.abs(S.T @ S - np.eye(d))))
    scale = max(1.0, float(np.max(np.abs(X))))
    worst = max(off, recon, orth * scale)
    gap, gap_tol = _commutator(X)
    allowance = henrici_allowance(d, gap, gap_tol)
    diag = {"off_block": off, "reconstruction": recon, "orthogonality": orth,
            "block_sizes": [s for _, s in blocks], "commutator": gap,
            "commutator_tolerance": gap_tol, "henrici_allowance": allowance,
            "scaled_by": r"$2^{-k}$ (exact) to largest entry in $[1/2,1)$"}
    tol = Tolerance(100 * d * U * scale, r"$100du\max(1,\|U\|_{\max})$ on $U/2^k$: backward "
                    "error of the real Schur form (Golub & Van Loan §7.5)")
    if gap <= gap_tol and tol.value < off <= allowance + tol.value \
            and max(recon, orth * scale) <= tol.value:
        # The computed commutator cannot tell U from a normal matrix, yet a non-normal U
        # whose exact commutator is within gap + tol may keep off-block entries up to
        # Henrici's allowance: the hypothesis is undecidable here, not the claim false.
        return decide_flag(None, message=(
            f"off-block entry ${tex_number(off)}$ is within Henrici's allowance "
            f"${tex_number(allowance)}=((d^3-d)/12)^{{1/4}}\\sqrt{{d\\,(c+4\\gamma_dr^2)}}$ "
            f"of a matrix whose commutator $c={tex_number(gap)}$ is below its rounding bound: "
            "$U$ may be non-normal"),
            diagnostics=diag, tolerance=Tolerance(
                allowance, r"$((d^3-d)/12)^{1/4}\sqrt{d\,(c+4\gamma_d\max_i(\sum_j|u_{ij}|)^2)}$: "
                "Henrici's departure-from-normality bound for the commutator's uncertainty"))
    return decide(worst, 0.0, relation="<=", tolerance=tol, scale=scale, diagnostics=diag)


def _jordan3() -> np.ndarray:
    return np.triu(np.ones((3, 3)))


CLAIM_C_1 = Claim(
    id="hm17.claimC.1", paper="hm17", source="Claim C.1",
    title="Real block diagonalisation of normal matrices",
    statement=r"UU^\top=U^\top U\Rightarrow U=SDS^\top,\ S\in O(d),\ "
    r"D=\operatorname{diag}(D_1,\dots,D_m),\ D_k\in\mathbb R^{1\times1}\cup\mathbb R^{2\times2}",
    measure=_measure_c1, parse=_parse_c1,
    strategy=lambda profile: strat.normal_matrices(
        d=st.integers(1, sized(profile, small=6, large=8))),
    hypotheses=[Hypothesis("U normal", r"UU^\top=U^\top U", _normal_U)],
    controls=[Control(
        "Jordan block", drops="U normal",
        description=r"the $3\times3$ matrix of ones on and above the diagonal: its invariant "
        "subspaces have no invariant orthogonal complement, so its real Schur form keeps "
        "non-zero entries outside the diagonal blocks",
        instances=lambda: [{"U": _jordan3()}],
    )],
    decides=r"The real Schur form $SDS^\top$ (scipy) must be block diagonal: off-block "
    r"entries, reconstruction and orthogonality of $S$ within $100\,d\,u\max(1,\|U\|_{\max})$.",
    errata=[],
    size=lambda i: {"d": float(i["U"].shape[0])}, tightness=False, max_examples={"ci": 20},
    parameters=[Parameter("U", "d x d", r"the matrix $U$", "finite; normal to rounding "
                          "(hypothesis)")],
    relations=[
        strat.basis_change(r"normality and the real block-diagonal form are preserved by "
                           r"$U\mapsto PUP^\top$ ($S\mapsto PS$)"),
        strat.transpose(r"$U^\top$ is normal with $U^\top=SD^\top S^\top$", ("U",)),
        strat.scaling("U scaled by a power of two", r"$cU=S(cD)S^\top$", {"U": 1})],
    edge_strategy=lambda profile: strat.normal_matrix_edges()
)


# ---------------------------------------------------------------- Claim C.2

def _parse_c2(params: Mapping[str, Any]) -> dict[str, Any]:
    require(params, "A", "B")
    A = matrix(params, "A")
    B = matrix(params, "B")
    if B.shape[0] != A.shape[1]:
        raise BadInput(f"B: expected {A.shape[1]} rows to match A's columns, got {B.shape[0]}")
    return {"A": A, "B": B}


def _tall(inst: Mapping[str, Any]) -> bool | str:
    m, d = inst["A"].shape
    return True if m >= d else \
        f"$A$ is wide (${m}\\times{d}$): $\\sigma_{{\\min}}(A)$ must be $\\sigma_d(A)$"


def _measure_c2(inst: Mapping[str, Any]) -> Verdict:
    # Both sides are homogeneous of degree 1 in A and in B separately: rescale each by an
    # exact power of two to max entry ~1 so the squares inside the Frobenius norms neither
    # underflow (A ~ 1e-160 gives ||A||_F^2 ~ 1e-320, subnormal) nor overflow; the verdict
    # is that of the stored matrices, and no rounding is added.
    A, B = unit_scaled(inst["A"]), unit_scaled(inst["B"])
    m, d = A.shape
    s = np.linalg.svd(A, compute_uv=False)
    smin = float(s[-1])  # the smallest of min(m, d) singular values
    bnorm = float(np.linalg.norm(B))
    sides = [("left", float(np.linalg.norm(A @ B)))]
    if m == d and B.shape == (d, d):
        sides.append(("right", float(np.linalg.norm(B @ A))))
    name, lhs = min(sides, key=lambda t: t[1])
    rhs = smin * bnorm
    tol = Tolerance(
        gamma(d) * float(np.linalg.norm(A)) * bnorm + 4 * max(m, d) * U * float(s[0]) * bnorm,
        r"$\gamma_d\|A\|_F\|B\|_F$ (product) + $4\max(m,d)\,u\|A\|_2\|B\|_F$ "
        "(SVD backward error)")
    return decide(lhs, rhs, relation=">=", tolerance=tol, scale=max(lhs, rhs),
                  diagnostics={"side": name, "sigma_min": smin,
                               "ratio": lhs / rhs if rhs > 0 else None})


CLAIM_C_2 = Claim(
    id="hm17.claimC.2", paper="hm17", source="Claim C.2 (and its right-hand twin)",
    title="Frobenius norm under multiplication",
    statement=r"\|AB\|_F\ge\sigma_{\min}(A)\|B\|_F\ (A\in\mathbb R^{m\times d},\ m\ge d);\ "
    r"\|BA\|_F\ge\sigma_{\min}(A)\|B\|_F\ (A\text{ square})",
    measure=_measure_c2, parse=_parse_c2,
    strategy=lambda profile: strat.matrix_pairs(),
    hypotheses=[Hypothesis("A tall", r"m\ge d", _tall)],
    controls=[Control(
        "wide A", drops="A tall",
        description=r"$A=\begin{pmatrix}1&0&0\\0&1&0\end{pmatrix}$ ($2\times3$, smallest of "
        r"its 2 singular values 1) and $B=e_3\in\ker A$: $\|AB\|_F=0<1$",
        instances=lambda: [{"A": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
                            "B": np.array([[0.0], [0.0], [1.0]])}],
    )],
    decides=r"Both Frobenius norms and $\sigma_{\min}$ from the SVD; $\ge$ within rounding "
    "(equality when $B$ lies along $A$'s bottom right singular vector).",
    errata=[Erratum("method note", "The right-hand version "
                    r"$\|BA\|_F\ge\sigma_{\min}(A)\|B\|_F$ is checked too: it is used in the "
                    "proof of Theorem 2.2 but not stated in the paper.")],
    size=lambda i: {"d": float(i["A"].shape[1])}, max_examples={"ci": 25},
    parameters=[Parameter("A", "m x d", r"the matrix $A$ ($\sigma_{\min}=\sigma_d(A)$)"),
                Parameter("B", "d x k", r"the matrix $B$ (rows match $A$'s columns)")],
    relations=[strat.pair_basis_change(), strat.scaling(
        "A and B scaled by powers of two",
        r"both sides are homogeneous of degree 1 in $A$ and in $B$: $A\mapsto cA$, "
        r"$B\mapsto c^{-1}B$ leaves them unchanged, and each alone scales both sides by $c$",
        {"A": 1}, inverse=("B",))],
    edge_strategy=lambda profile: strat.matrix_pair_edges()
)
