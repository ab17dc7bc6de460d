"""Hardt & Ma (2017) App. B: Lemma B.1 (one residual ReLU block moves ``k`` chosen points and
fixes the rest, eq. (B.1), (3.6); the repaired constructions, the printed one as a control) and
Lemma B.2 (formal Lemma 3.3: ``ceil(n/k)`` blocks move every point to its surrogate label,
eq. (3.3))."""

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
from checks.inputs import BadInput, integer, matrix, real, require, vector
from checks.papers.hm17_relu._common import (
    BLOCK_DERIVATION,
    U_ROUND,
    block_tolerance,
    duplicates_disagree,
    labels,
)
from checks.profiles import sized
from checks.strategies import hm17_relu as strat
from checks.tex import tex_number
from theory.constructions.hm17_expressivity import (
    B1_METHODS,
    b1_margins,
    lemma_b1_block,
    lemma_b2_blocks,
    stage_margins,
)
from theory.models.relu_residual import block, residual_step
from theory.numerics import gamma


def _b1_interior_instance() -> dict:
    """Lemma B.1 strictly inside the printed hypotheses (k = 2, rho' = 0.1,
    ||alpha_i||^2 = 1.05 in (0.9, 1.1), ||alpha_1 - alpha_2||^2 = 0.35 > 0.3 = 3 rho'), where
    the printed uniform bias still leaves the off-target pre-activation
    <alpha_1, alpha_2> - (1 - 2 rho') = 0.875 - 0.8 > 0."""
    a, t = math.sqrt(1.05), math.asin(math.sqrt(0.35 / 4.2))
    return {"alpha": [[a * math.cos(t), a * math.sin(t)], [a * math.cos(t), -a * math.sin(t)]],
            "beta": [[3.0, 1.0], [-2.0, 0.5]], "S": [0, 1], "rho_prime": 0.1,
            "method": "uniform"}


ERRATA_B1 = Erratum("paper error", "Lemma B.1's statement holds; only its proof's construction "
                    "fails. The proof bounds "
                    r"$\langle\alpha_j,\alpha_i\rangle\le1+\rho'-3\rho'=1-2\rho'$, losing the "
                    "factor 1/2 of the polarisation identity; correctly "
                    r"$\langle\alpha_j,\alpha_i\rangle\le1-\rho'/2$, which exceeds the uniform "
                    r"threshold $1-2\rho'$. The failure is generic, not a boundary case: the "
                    r"printed construction (bias $-(1-2\rho')\mathbf 1$) fails whenever an "
                    r"off-target pair has $\langle\alpha_i,\alpha_j\rangle>1-2\rho'$, an open "
                    "condition met strictly inside the printed hypotheses (the instance: $k=2$, "
                    r"$\rho'=0.1$, $\|\alpha\|^2=1.05$, $\|\alpha_1-\alpha_2\|^2=0.35>3\rho'$, "
                    "off-target pre-activation $0.875-0.8=0.075>0$), not only at the boundary "
                    r"instance of control 'printed-lemma' ($\|\alpha\|^2=1.1$, "
                    r"$\|\alpha_1-\alpha_2\|^2=0.3$: the block returns "
                    r"$(\beta_1-\alpha_1)+(\beta_2-\alpha_2)/2$ on $\alpha_1$). Checked "
                    "instead, each of which proves the statement: per-coordinate bias "
                    r"$s_r=-(\|\alpha\|^2/2+1/2-\rho')$ under $3\rho'$, the uniform bias under "
                    r"$6\rho'$, and the margin form "
                    r"$m_i=\|\alpha_i\|^2-\max_j\langle\alpha_i,\alpha_j\rangle>0$.",
                    instance=_b1_interior_instance())


def parse_b1(params: Mapping[str, Any]) -> dict:
    """JSON -> Lemma B.1 instance: ``alpha``, ``beta`` (n x k), ``S`` (distinct indices, at most
    k), ``rho_prime`` in (0, 1), ``method`` in margin / fixed / uniform (default fixed)."""
    require(params, "alpha", "beta", "S", "rho_prime")
    alpha = matrix(params, "alpha")
    n, k = alpha.shape
    beta = matrix(params, "beta", (n, k))
    S = vector(params, "S")
    if not np.all(S == np.round(S)) or S.min() < 0 or S.max() >= n:
        raise BadInput(f"S: must be integer indices in [0, {n})")
    S = S.astype(np.int64)
    if len(np.unique(S)) != len(S) or len(S) > k:
        raise BadInput(f"S: must be distinct indices, at most k = {k} of them")
    method = params.get("method", "fixed")
    if method not in B1_METHODS:
        raise BadInput(f"method: must be one of {', '.join(B1_METHODS)}, got {method!r}")
    rho_prime = real(params, "rho_prime", lo=0.0, hi=1.0)
    if not 0 < rho_prime < 1:
        raise BadInput(f"rho_prime: must lie in (0, 1), got {rho_prime}")
    return {"alpha": alpha, "beta": beta, "S": S, "rho_prime": rho_prime, "method": method}


def parse_b2(params: Mapping[str, Any]) -> dict:
    """JSON -> Lemma B.2 instance: ``Z`` (n x k), ``labels`` (n ints in [0, r)), ``r``, ``Q``
    (r x k surrogate labels)."""
    require(params, "Z", "labels", "r", "Q")
    Z = matrix(params, "Z")
    n, k = Z.shape
    r = integer(params, "r", lo=1, hi=100_000)
    return {"Z": Z, "labels": labels(params, n, r), "r": r, "Q": matrix(params, "Q", (r, k))}


# ----------------------------------------------------------------------------- lemB.1

def _b1_pairs(inst: dict) -> np.ndarray:
    """Squared distances of the pairs touching S (i in S, j != i)."""
    alpha, S = inst["alpha"], inst["S"]
    D2 = np.sum((alpha[S][:, None, :] - alpha[None, :, :]) ** 2, axis=2)
    D2[np.arange(len(S)), S] = np.inf
    return D2


def _b1_tol(inst: dict) -> float:
    return 4 * gamma(inst["alpha"].shape[1] + 2) * (1 + inst["rho_prime"])


def _b1_norms(inst: dict) -> bool | str:
    sq = np.sum(inst["alpha"] ** 2, axis=1)
    rp, tol = inst["rho_prime"], _b1_tol(inst)
    ok = np.all((sq >= 1 - rp - tol) & (sq <= 1 + rp + tol))
    return bool(ok) or (rf"$\|\alpha^{{(i)}}\|^2\in[{tex_number(sq.min(), 6)},"
                        rf"{tex_number(sq.max(), 6)}]\not\subseteq[1-\rho',1+\rho']$")


def _b1_sep(factor: float, only_uniform: bool):
    def check(inst: dict) -> bool | str:
        if only_uniform and inst["method"] != "uniform":
            return True
        D2 = _b1_pairs(inst)
        need = factor * inst["rho_prime"] - _b1_tol(inst)
        lo = float(D2.min()) if D2.size else math.inf
        return lo >= need or \
            rf"$\min\|\alpha^{{(i)}}-\alpha^{{(j)}}\|^2={tex_number(lo, 6)}<{factor:g}\rho'$"
    return check


def measure_b1(inst: dict) -> Verdict:
    """Build the block of Lemma B.1 by ``method``; max_i ||T(alpha_i) - target_i|| <= tol,
    target_i = beta_i - alpha_i on S and 0 off S (eq. (3.6))."""
    alpha, beta, S = inst["alpha"], inst["beta"], inst["S"]
    if inst["method"] == "margin":
        # the margin form (the repair of Lemma B.1's proof) is defined only where every chosen
        # point keeps a positive margin; there it decides nothing
        m = b1_margins(alpha, S)
        if not np.all(m > 0):
            return decide_flag(None, message=r"the margin construction needs $m_i>0$ for every "
                               rf"$i\in S$; the smallest is ${tex_number(float(m.min()))}$")
    try:
        U, V, s = lemma_b1_block(alpha, beta, S, method=inst["method"], rho_prime=inst["rho_prime"])
    except ValueError as exc:  # a method or |S| the parser rejects, on an unparsed instance
        return decide_flag(None, message=f"construction not applicable: {exc}")
    target = np.zeros_like(alpha)
    target[S] = beta[S] - alpha[S]
    err = float(np.max(np.linalg.norm(block(alpha, U, V, s) - target, axis=1)))
    anorm = float(np.max(np.linalg.norm(alpha, axis=1)))
    pre = alpha @ U[: len(S)].T + s[: len(S)]
    on = pre[S, np.arange(len(S))]
    pre[S, np.arange(len(S))] = -np.inf
    diagnostics = {
        "min_on_target_preactivation": float(on.min()),
        "max_off_target_preactivation": float(pre.max()),
        "min_margin": float(b1_margins(alpha, S).min()),
        "rho_prime_over_2": inst["rho_prime"] / 2,
        "method": inst["method"],
    }
    if inst["method"] != "uniform":
        Uu, Vu, su = lemma_b1_block(alpha, beta, S, method="uniform", rho_prime=inst["rho_prime"])
        diagnostics["printed_construction_error"] = float(
            np.max(np.linalg.norm(block(alpha, Uu, Vu, su) - target, axis=1)))
    scale = max(1.0, float(np.max(np.linalg.norm(target, axis=1))))
    tol = Tolerance(block_tolerance(U, V, s, anorm), BLOCK_DERIVATION)
    return decide(err, 0.0, relation="<=", tolerance=tol, scale=scale, diagnostics=diagnostics)


def _b1_coincident() -> dict:
    inst = strat.b1_boundary_instance("fixed")
    alpha = np.vstack([inst["alpha"], inst["alpha"][:1]])
    beta = np.vstack([inst["beta"], np.zeros((1, 2))])
    return {**inst, "alpha": alpha, "beta": beta, "S": np.array([0])}


LEMB1 = Claim(
    id="hm17.lemB.1", paper="hm17", source="Lemma B.1, eq. (B.1), (3.6) (repaired)",
    title="One residual ReLU block moves $k$ chosen points and fixes the rest",
    statement=r"1-\rho'\le\|\alpha^{(i)}\|^2\le1+\rho',\ \|\alpha^{(i)}-\alpha^{(j)}\|^2\ge3\rho'"
              r"\ (\{i,j\}\cap S\ne\emptyset) \Rightarrow \exists U,V,s:\ "
              r"\mathcal T(\alpha^{(i)})=\beta^{(i)}-\alpha^{(i)}\ (i\in S),\ 0\ (i\notin S)",
    measure=measure_b1, parse=parse_b1,
    strategy=lambda profile: strat.b1_instances(),
    hypotheses=[
        Hypothesis("norms", r"1-\rho'\le\|\alpha^{(i)}\|^2\le1+\rho'", _b1_norms),
        Hypothesis("separation-3rho", r"\|\alpha^{(i)}-\alpha^{(j)}\|^2\ge3\rho'",
                   _b1_sep(3.0, False)),
        Hypothesis("uniform-bias-needs-6rho",
                   r"\text{uniform bias } -(1-2\rho')\mathbf 1:\ "
                   r"\|\alpha^{(i)}-\alpha^{(j)}\|^2\ge6\rho'", _b1_sep(6.0, True)),
    ],
    controls=[
        Control("printed-lemma", drops="uniform-bias-needs-6rho",
                description=r"The printed Lemma B.1: uniform bias $-(1-2\rho')$ under "
                            r"$3\rho'$ separation, boundary instance $k=2$, $\rho'=0.1$, "
                            r"$\|\alpha\|^2=1.1$, $\|\alpha_1-\alpha_2\|^2=0.3$: "
                            r"$\mathcal T(\alpha_1)=(\beta_1-\alpha_1)+(\beta_2-\alpha_2)/2$",
                instances=lambda: [strat.b1_boundary_instance("uniform")]),
        Control("coincident-points", drops="separation-3rho",
                description=r"$\alpha_3=\alpha_1$ with $1\in S$, $3\notin S$, "
                            r"$\beta_1\ne\alpha_1$: the same input must go to "
                            r"$\beta_1-\alpha_1$ and to 0",
                instances=lambda: [_b1_coincident()]),
    ],
    decides="Builds $(U,V,s)$ by the instance's method (margin, per-coordinate 'fixed', or "
            r"the paper's 'uniform' bias, which needs $6\rho'$), evaluates the block on all $n$ "
            "points "
            "and compares with the targets within a rounding bound of the block.",
    errata=[ERRATA_B1],
    size=lambda i: {"n": i["alpha"].shape[0], "k": i["alpha"].shape[1]},
    tightness=False,
    max_examples={"ci": 30},
    parameters=[
        Parameter("alpha", "n x k", r"the points $\alpha^{(1)},\dots,\alpha^{(n)}$ as rows"),
        Parameter("beta", "n x k", r"the targets $\beta^{(i)}$ (used on $S$)"),
        Parameter("S", "|S|", r"the chosen points $S$, $|S|\le k$",
                  "distinct integers in $[0,n)$, at most $k$"),
        Parameter("rho_prime", "scalar", r"$\rho'$ of hypotheses (a), (b)", "(0, 1)"),
        Parameter("method", "word", "the construction: margin form, per-coordinate bias "
                  "(fixed), or the paper's uniform bias", ", ".join(B1_METHODS), "fixed")],
    relations=[
        strat.permute_samples(r"reordering the points (and $S$ with them) reorders the "
                              "block's outputs and targets alike"),
        strat.coordinate_change(r"$\alpha\mapsto P\alpha$, $\beta\mapsto P\beta$: norms and "
                                r"inner products are unchanged, and "
                                r"$U\mapsto UP^\top$, $V\mapsto PV$ is the block in the new "
                                "coordinates")],
    edge_strategy=lambda profile: strat.b1_edges(),
)


# ----------------------------------------------------------------------------- lemB.2

def _b2_margins_positive(inst: dict) -> bool | str:
    m, _ = stage_margins(inst["Z"], inst["labels"], inst["Q"], inst["Z"].shape[1])
    return bool(m.min() > 0) or rf"$\min_{{j,i}}m^{{(j)}}_i={tex_number(m.min())}\le0$"


def _unit_surrogates(inst: dict) -> bool | str:
    dev = float(np.max(np.abs(np.linalg.norm(inst["Q"], axis=1) - 1.0)))
    tol = 10 * inst["Q"].shape[1] * U_ROUND
    return dev <= tol or rf"surrogate labels not unit: $\max_a|\|q_a\|-1|={tex_number(dev)}$"


def measure_b2(inst: dict) -> Verdict:
    """Lemma B.2: the ceil(n/k) blocks of :func:`lemma_b2_blocks`; after block j,
    h_j^{(i)} = q_{c(i)} for i < jk and z^{(i)} otherwise (checked after every block)."""
    Z, labels, Q = inst["Z"], inst["labels"], inst["Q"]
    n, k = Z.shape
    v = Q[labels]
    if duplicates_disagree(Z, labels):
        return decide_flag(False, message="two equal $z$'s carry different surrogate labels: "
                           "equal inputs have equal outputs under any network",
                           certificate="two equal $z$'s (as real vectors) with different "
                           "surrogate labels")
    m, _ = stage_margins(Z, labels, Q, k)
    if not m.min() > 0:
        return decide_flag(None, message="margin construction not applicable "
                           rf"($\min_{{j,i}}m^{{(j)}}_i={tex_number(m.min())}$)")
    U, V, s = lemma_b2_blocks(Z, v, k, m)
    H, worst, tol, hmax = Z, 0.0, 0.0, max(1.0, float(np.max(np.linalg.norm(Z, axis=1))))
    for j in range(U.shape[0]):
        H = residual_step(H, U[j], V[j], s[j])
        expected = np.where((np.arange(n) < min((j + 1) * k, n))[:, None], v, Z)
        worst = max(worst, float(np.max(np.linalg.norm(H - expected, axis=1))))
        tol = max(tol, block_tolerance(U[j], V[j], s[j], hmax) + 2 * U_ROUND * hmax)
    return decide(worst, 0.0, relation="<=", scale=1.0,
                  tolerance=Tolerance(tol, "max over blocks of the block bound ("
                                      + BLOCK_DERIVATION
                                      + r") + $2u\max\|h\|$ for $h+\mathcal T(h)$"),
                  diagnostics={"min_margin": float(m.min()), "ell": U.shape[0], "k": k})


def _b2_control() -> dict:
    inst = {"X": strat.separated_unit_vectors(12, 8, 0.3, 7), "labels": None}
    rng = np.random.default_rng(3)
    Z = inst["X"] @ rng.standard_normal((8, 8)) / math.sqrt(8)
    Z = np.vstack([Z, Z[:1]])
    labels = np.arange(len(Z)) % 3
    labels[-1] = (labels[0] + 1) % 3
    Q = rng.standard_normal((3, 8))
    return {"Z": Z, "labels": labels, "r": 3, "Q": Q / np.linalg.norm(Q, axis=1, keepdims=True)}


LEMB2 = Claim(
    id="hm17.lemB.2", paper="hm17", source="Lemma B.2 (formal Lemma 3.3), eq. (3.3)",
    title=r"$\lceil n/k\rceil$ residual blocks move every point to its surrogate label",
    statement=r"m^{(j)}_i>0\ \forall j,i\in S_j \Rightarrow \exists (A_j,B_j,s_j)_{j\le\lceil n/k"
              r"\rceil}:\ h_\ell^{(i)}=q_{c(i)}",
    measure=measure_b2, parse=parse_b2,
    strategy=lambda profile: strat.b2_instances(data=strat.labelled_data(
        n=st.integers(10, sized(profile, small=150, large=1000)),
        # one rho in the small tier keeps its ledger small
        rho=sized(profile, small=0.5, large=st.sampled_from([0.3, 0.5])))),
    hypotheses=[Hypothesis("unit-surrogates", r"\|q_a\|=1", _unit_surrogates),
                Hypothesis("positive-margins",
                           r"m^{(j)}_i=\|z^{(i)}\|^2-\max_{i'\ne i}\langle z^{(i)},"
                           r"\alpha^{(i')}_j\rangle>0", _b2_margins_positive)],
    controls=[Control("coincident-points", drops="positive-margins",
                      description="$z_{13}=z_1$ with a different label: equal inputs, different "
                                  "required outputs",
                      instances=lambda: [_b2_control()])],
    decides="Builds the blocks stage by stage (Lemma B.1, margin form) and checks the invariant "
            "$h_j=v$ on the moved points, $z$ on the others, after every block, within the "
            "block rounding bound.",
    errata=[Erratum("paper error", r"Lemma B.2's hypotheses on $z$ ($\|z_i-z_j\|\ge2\rho'$; the "
                    "text we worked from does not show whether it is squared) do not deliver "
                    r"Lemma B.1's $3\rho'$; the margin form (all stage margins positive) is "
                    "checked instead.")],
    size=lambda i: {"n": i["Z"].shape[0], "k": i["Z"].shape[1]},
    tightness=False,
    max_examples={"ci": 10},
    parameters=[
        Parameter("Z", "n x k", r"the projected points $z^{(i)}=A_0x^{(i)}$ as rows"),
        Parameter("labels", "n", r"the classes $c(i)$", "integers in [0, r)"),
        Parameter("r", "scalar", r"the number $r$ of classes", "integer in [1, 100000]"),
        Parameter("Q", "r x k", r"the surrogate labels $q_1,\dots,q_r$ as rows",
                  "finite; unit rows (hypothesis)")],
    relations=[
        strat.coordinate_change(r"$z\mapsto Pz$, $q\mapsto Pq$: every stage margin is an "
                                "inner product, unchanged"),
        strat.relabel_classes(r"renaming the classes with $q$ renamed alike leaves every "
                              r"target $v^{(i)}=q_{c(i)}$ unchanged")],
    edge_strategy=lambda profile: strat.b2_edges(),
    cost=lambda inst: 1e-3 + 2e-9 * inst["Z"].shape[0] * inst["Z"].shape[1] ** 2,
)
