"""Kawaguchi, Huang & Kaelbling (2019), Section 4.3: Lemma 1 (a fixed extra perturbation set
adds nothing to the perturbable-gradient-basis model of Section 3.3, proof in A.3;
``k19.lem1``)."""

from __future__ import annotations

import functools

import numpy as np

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Tolerance,
    decide,
    decide_flag,
)
from checks.inputs import matrix
from checks.papers.k19_pgb._common import (
    P_TWO_SETS,
    R_SECTION3,
    _controls_cache,
    _membership,
    _model,
    _set_in_V,
    _size,
    cost_pgb,
    membership_unmet,
    parse_pgb,
)
from checks.registry import register
from checks.strategies import k19_pgb as strat
from theory.gradient_basis import (
    range_basis,
)
from theory.models.basis import (
    model_jacobian,
)
from theory.numerics import gamma
from theory.pgb import stacked_jacobian

# --------------------------------------------------------------------- k19.lem1 (Lemma 1)

def parse_two_sets(params, claim_id: str = "k19.lem1") -> dict:
    """:func:`parse_pgb` plus ``S2`` (``|S'| x d_theta``)."""
    inst = parse_pgb(params, claim_id)
    inst["S2"] = matrix(params, "S2", (None, inst["theta"].size))
    return inst


def _union(S: np.ndarray, S2: np.ndarray) -> tuple[np.ndarray, list[int]]:
    rows, index = [list(r) for r in S], []
    for r in S2:
        key = list(r)
        if key in rows:
            index.append(rows.index(key))
        else:
            rows.append(key)
            index.append(len(rows) - 1)
    return np.array(rows), index


def measure_lem1(inst):
    """Witness of Lemma 1: ``S u S'`` is in ``V`` and ``J_{S u S'} [alpha, alpha'] =
    J_S alpha + J_{S'} alpha'`` for random coefficients."""
    model = _model(inst)
    X, theta, eps = inst["X"], inst["theta"], inst["eps"]
    U, index = _union(inst["S"], inst["S2"])
    mem = _membership({**inst, "S": U})
    if not mem.ok:
        return decide_flag(False, message=r"$S\cup S'\not\subseteq V[\theta,\varepsilon]$: "
                           "the witness of Lemma 1 fails",
                           diagnostics={"max_output_change": mem.max_change,
                                        "tolerance": mem.tolerance},
                           certificate="; ".join(membership_unmet(mem)))

    def jac(t):
        return model_jacobian(model, t, X)

    d, nS = theta.size, len(inst["S"])
    rng = np.random.default_rng(0)
    a, a2 = rng.standard_normal((nS, d)), rng.standard_normal((len(inst["S2"]), d))
    J_S, J_S2 = (stacked_jacobian(jac, theta, eps, list(M)) for M in (inst["S"], inst["S2"]))
    J_U = stacked_jacobian(jac, theta, eps, list(U))
    lhs = J_S @ a.ravel() + J_S2 @ a2.ravel()
    coef = np.zeros((len(U), d))
    coef[:nS] += a
    for k, j in enumerate(index):
        coef[j] += a2[k]
    rhs = J_U @ coef.ravel()
    n = J_U.shape[1] + 2
    bound = gamma(n) * float(np.max(np.abs(J_S) @ np.abs(a.ravel()) + np.abs(J_S2)
                                    @ np.abs(a2.ravel()) + np.abs(J_U) @ np.abs(coef.ravel())))
    ranks = [range_basis(np.hstack([J_S, J_S2])).rank, range_basis(J_U).rank]
    return decide(float(np.max(np.abs(lhs - rhs))), 0.0, relation="<=", tolerance=Tolerance(
        bound, r"$\gamma_{|U|d_\theta+2}\max_i(|J_S||\alpha|+|J_{S'}||\alpha'|+"
        r"|J_U||\alpha''|)_i$, $U=S\cup S'$"),
        scale=float(np.max(np.abs(lhs))), diagnostics={
            "rank_[J_S,J_S']": ranks[0], "rank_J_union": ranks[1], "union_size": len(U),
            "max_output_change": mem.max_change, "size": _size(inst)})


def _bad_second_set():
    inst = _controls_cache()["lifted"]
    v = np.zeros(inst["theta"].size)
    d_x, d1, _, _ = inst["widths"]
    v[d1 * d_x: d1 * d_x + d1] = 1 / np.sqrt(d1)  # moves row 0 of W2: outputs change
    return {**inst, "S2": np.array([np.zeros(inst["theta"].size), v])}


LEM1 = Claim(
    id="k19.lem1", paper="k19", source="Lemma 1 (Section 4.3), proof in A.3",
    title="A fixed extra perturbation set adds nothing to the PGB model",
    statement=r"S'\subseteq_{\rm fin}V[\theta,\varepsilon]\Rightarrow\{\tilde f_\theta(x;\alpha,"
              r"\varepsilon,S)\}=\{\tilde f_\theta(x;\alpha,\varepsilon,S)+\tilde f_\theta(x;"
              r"\alpha',\varepsilon,S')\}",
    measure=measure_lem1, parse=functools.partial(parse_two_sets, claim_id="k19.lem1"),
    strategy=lambda profile: strat.lintop_two_sets(),
    hypotheses=[Hypothesis("S-in-V", r"S\subseteq_{\rm fin}V[\theta,\varepsilon]",
                           _set_in_V("S")),
                Hypothesis("S2-in-V", r"S'\subseteq_{\rm fin}V[\theta,\varepsilon]",
                           _set_in_V("S2"))],
    controls=[Control("S'-outside-V", drops="S2-in-V",
                      description=r"$S'$ moves a row of $W_2$ outside "
                      r"$\operatorname{Null}(W_3)$: outputs change, so the proof's witness "
                      r"$S\cup S'$ is not in $V$ (the set identity itself is linear algebra; "
                      "only its witness can fail)",
                      instances=lambda: [_bad_second_set()])],
    decides=r"The proof's witness: $S\cup S'$ passes the $V$-membership test and the PGB "
    r"outputs add ($J_{S\cup S'}[\alpha,\alpha']=J_S\alpha+J_{S'}\alpha'$) to rounding, for "
    r"random $\alpha$.",
    errata=[Erratum("transcription", "The proof's displays in A.3 are lost in the text we "
                    r"worked from; the argument (linearity in $\alpha$, $S\cup S'$ finite and "
                    "in $V$) is reconstructed."),
            Erratum("interpretation", "The proofs of Theorems 3-4 use it for all $m$ samples "
                    r"with a shared $\alpha$, which is what is checked.")],
    edge_strategy=lambda profile: strat.two_set_edges(),
    cost=cost_pgb,
    parameters=P_TWO_SETS, relations=R_SECTION3,
    size=_size, max_examples={"ci": 4},
)


register(LEM1)
