"""Jiang (2019) §3.3.3, initial conditions are the key: a random initialisation through the
cube gives a full-rank disparity matrix, and the ReLU rank bound from Euler's identity that
limits it (ours3)."""

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
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_flag,
)
from checks.papers.j19_disparity._common import (
    FORMAL,
    FULL_S,
    NET_PARAMETERS,
    PAPER,
    RANK_NOTE,
    RANK_RULE,
    cost_of,
    disparity_with_rounding,
    edge_rank_networks,
    enough_weights,
    network_of,
    parse_net,
    rank_above,
    rank_state,
    relations_of,
    size_of,
    space_of,
)
from checks.strategies.j19_disparity import (
    duplicate_unit,
    edge_networks,
    kill_units,
    network_instance,
    networks,
)
from checks.tex import tex_number
from theory.fourier import (
    dead_units,
    euler_relations,
    relu_unit_regimes,
    unit_indices,
)
from theory.linalg import certified_rank
from theory.numerics import gamma

__all__ = ["S333", "OURS3"]


def _edge_relu_nets(profile: str) -> Any:
    """Edge ReLU networks (ours3 is about positively homogeneous units)."""
    return edge_networks(K=st.sampled_from([1, 1, 2]), n=st.integers(1, 2), activation="relu",
                         h_extra=st.integers(-3, 2))


# §3.3.3: initial conditions; the ReLU rank bound from Euler's relation (ours3)


def _no_dead(i: Mapping[str, Any]) -> bool | str:
    if i["activation"] != "relu":
        return True
    dead = dead_units(network_of(i), i["w"])
    return not dead or rf"unit {dead[0]} is dead on the cube ($w_j\cdot x+b_j\le0$ there)"


_AFFINE_WHY = {"active": r"$w_j\cdot x+b_j>0$ on the whole cube",
               "touching": r"$w_j\cdot x+b_j\ge0$ on the cube, $0$ only on its boundary"}


def _no_affine(i: Mapping[str, Any]) -> bool | str:
    """Every live ReLU unit's hyperplane cuts the open cube; a unit that is affine on the cube
    (``"active"`` or ``"touching"`` in :func:`theory.fourier.relu_unit_regimes`) fails it,
    a dead unit is the business of ``no-dead``."""
    if i["activation"] != "relu":
        return True
    regimes = relu_unit_regimes(network_of(i), i["w"])
    affine = [j for j, r in enumerate(regimes) if r in _AFFINE_WHY]
    return not affine or (f"unit {affine[0]} is affine on the cube "
                          f"({_AFFINE_WHY[regimes[affine[0]]]})")


def _no_duplicates(i: Mapping[str, Any]) -> bool | str:
    (W, b), _ = network_of(i).unflatten(i["w"])
    P = np.column_stack([W, b])
    for j in range(P.shape[0]):
        for jj in range(j + 1, P.shape[0]):
            if np.array_equal(P[j], P[jj]) or np.array_equal(P[j], -P[jj]):
                return f"units {j} and {jj} share a hyperplane"
    return True


def _relu_count(i: Mapping[str, Any]) -> bool | str:
    if i["activation"] != "relu":
        return True
    L = (2 * i["n"] + 1) ** i["K"]
    return (i["K"] + 1) * i["h"] + 1 >= L or (r"$(K+1)h+1<L$: Euler relations force "
                                              r"$\operatorname{rank}H<L$")


def _measure_s333(inst: Mapping[str, Any]) -> Verdict:
    H, err = disparity_with_rounding(inst)
    state, info = rank_state(H, (2 * inst["n"] + 1) ** inst["K"], inst, err)
    if state == "DEFICIENT" and inst["activation"] == "relu" and H.shape[0] >= info["L"]:
        Z = euler_relations(network_of(inst), inst["w"])
        zero = int(np.sum(np.max(np.abs(H), axis=1) == 0.0))
        info["structural_count"] = H.shape[0] - zero - int(np.linalg.matrix_rank(Z))
    message = "" if state else _undecided_rank(info)
    return decide_flag({"FULL": True, "DEFICIENT": False, None: None}[state], diagnostics=info,
                       tolerance=Tolerance(FULL_S, RANK_RULE), message=message,
                       certificate=info.get("why", ""))


def _undecided_rank(info: Mapping[str, Any]) -> str:
    """Why the rank rule decided neither FULL nor DEFICIENT."""
    return (r"$\operatorname{rank}H=L$ neither certified nor refuted: "
            r"$s=\sigma_L/\sigma_1=" + tex_number(info["s"]) + "$ (FULL needs $s\\ge"
            + tex_number(FULL_S) + f"$), certified rank ${info['rank']}$ "
            f"({'certain' if info['rank_certain'] else 'uncertain'}), Weyl margin "
            f"${tex_number(info['weyl_margin'])}$ of the rounding of $H$, and no structural bound "
            "below $L$")


def _s333_strategy(profile: str) -> Any:
    return st.one_of(
        networks(K=1, n=st.integers(1, 4), activation="relu", N=512),
        networks(K=1, n=st.integers(1, 3), activation="tanh", N=512),
        networks(K=2, n=1, activation=st.sampled_from(["relu", "tanh"]), N=48),
    )


def _s333_controls() -> list[Control]:
    def dead() -> list[dict[str, Any]]:
        base = network_instance(1, 4, 6, "relu", 1, 61, N=512)  # L = 9, 2h+1 = 13
        return [kill_units(base, [0, 1, 2])]  # 3 live units: rank <= 7 < 9

    def dup() -> list[dict[str, Any]]:
        base = network_instance(1, 5, 5, "relu", 1, 62, N=512)  # L = 11 = 2h+1
        return [duplicate_unit(base, 0, 1)]  # 4 distinct units: rank <= 9 < 11

    return [
        Control("injected-dead", "no-dead", "3 of 6 ReLU units killed, $L=9$: rank "
                r"$\le2\cdot3+1=7<9$, $H$ certified deficient", instances=dead),
        Control("duplicated", "no-duplicates", "ReLU $h=5$, $L=11$, one unit copied onto "
                r"another: rank $\le2\cdot4+1=9<11$", instances=dup),
        Control("too-small", "M>=L", "a network too small for the canonical space: tanh $h=2$ "
                "($M=7$) and $L=9$", instances=lambda: [network_instance(1, 4, 2, "tanh", 1, 63,
                                                                          scale=10.0, N=512)]),
        Control("relu-euler", "relu-count", "the paper's 'full rank with probability one' "
                r"fails for ReLU: $h=5$ ($M=16$), $n=7$ ($L=15\le M$); Euler's identity gives "
                r"rank $\le2h+1=11$ for every $w$", instances=lambda: [
                    network_instance(1, 7, 5, "relu", 1, s, N=512) for s in (64, 65)]),
        Control("all-active", "no-affine", "hyperplanes outside the cube, every unit active on "
                r"all of it: $f$ is affine there and $\operatorname{rank}H=2$", instances=lambda: [
                    {**network_instance(1, 2, 5, "relu", 1, 66, N=512),
                     "w": np.r_[np.linspace(1, 2, 5), np.linspace(0.1, 0.5, 5),
                               np.linspace(-1, 1.5, 5), 0.3]}]),
    ]


S333 = Claim(
    id="j19.s3.3.3", paper=PAPER, source="§3.3.3",
    title="Random initialisation through the cube gives a full-rank disparity matrix",
    statement=r"w_0\sim\text{init through the cube},\ M\ge L,\ \text{(ReLU, ours) }(K+1)h+1\ge L"
              r"\ \Rightarrow\ \operatorname{rank}H(w_0)=L",
    measure=_measure_s333, parse=parse_net, strategy=_s333_strategy,
    hypotheses=[Hypothesis("M>=L", r"M\ge L", enough_weights),
                Hypothesis("no-dead", r"\text{no unit dead on the cube}", _no_dead),
                Hypothesis("no-affine", r"\text{every hyperplane cuts the cube}", _no_affine),
                Hypothesis("no-duplicates", r"(w_j,b_j)\ne\pm(w_{j'},b_{j'})", _no_duplicates),
                Hypothesis("relu-count", r"\text{ReLU: }(K+1)h+1\ge L\ (\text{ours})",
                           _relu_count)],
    controls=_s333_controls(),
    decides="SVD of $H(w_0)$: FULL (holds) / DEFICIENT (violated; for ReLU the count "
            r"$M-\#\text{zero rows}-\operatorname{rank}(\text{Euler relations})$ is reported) / "
            "inconclusive between the thresholds.",
    errata=[FORMAL, RANK_NOTE,
            Erratum("interpretation", "Initialisation (our concrete reading of the one §3.3.3 "
                    r"recommends): input weights $\mathcal N(0,s^2)$ ($s=1$ ReLU, 10 tanh "
                    "$K=1$, 6 $K=2$), hyperplanes through centres uniform in $(0.05,0.95)^K$, "
                    r"$a_j\sim\mathcal N(0,1/h)$; ReLU $h\ge L$, tanh $h\ge2L$ ($K=1$) or $h\ge "
                    "L$ ($K=2$). 'With probability one' is checked as 'FULL on every drawn "
                    "instance'."),
            Erratum("paper error", "False as printed for ReLU: Euler's identity gives one exact "
                    r"relation per unit, so $\operatorname{rank}H\le h(K+1)+1$ for every $w$; "
                    r"with $h(K+1)+1<L\le M$, $H$ is deficient with probability one (control "
                    "'relu-euler'). The hypothesis relu-count is ours."),
            Erratum("paper error", r"The paper's step 'orthogonal columns $\Rightarrow$ "
                    "independent unless rows degenerate' is a non sequitur, and '$M-L$ dead "
                    "neurons' mixes units and weights (a dead unit removes $K+2$ rows).")],
    size=size_of,
    cost=cost_of(1.0),
    parameters=NET_PARAMETERS,
    relations=relations_of("reflect-cube", "permute-units", "scale-outputs",
                           exact=("permute-units", "scale-outputs")),
    edge_strategy=edge_rank_networks,
)


def _measure_ours3(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    H, err_rows = disparity_with_rounding(inst)
    Z = euler_relations(model, inst["w"])
    res = np.linalg.norm(Z @ H, axis=1)
    G = space.grid().shape[0]
    g = gamma(G + inst["K"] + 4 + 2 * math.ceil(math.log2(G)))
    rownorm = np.linalg.norm(H, axis=1)
    (W, b), _ = model.unflatten(inst["w"])
    a = np.abs([Z[j, unit_indices(model, j)[-1]] for j in range(inst["h"])])
    u_scale = a * (np.abs(W).sum(axis=1) + np.abs(b)) * 2.0 ** (inst["K"] / 2) * math.sqrt(space.L)
    tol = 8 * g * (np.abs(Z) @ rownorm + u_scale)
    worst = int(np.argmax(res - tol))
    cert = certified_rank(H)
    bound = min(space.L, (inst["K"] + 1) * inst["h"] + 1)
    diag = {"relation_residuals_max": float(res.max()), "rank": cert.rank,
            "rank_certain": cert.certain, "rank_bound": bound}
    rel = decide(float(res[worst]), 0.0, relation="<=",
                 tolerance=Tolerance(float(tol[worst]), r"$8\gamma_{G+K+4+2\log_2G}\,(|z_j|^\top"
                                     r"\|H_{m,:}\|_m+|a_j|(\|w_j\|_1+|b_j|)\,2^{K/2}\sqrt L)$"),
                 scale=float(np.abs(Z[worst]) @ rownorm) or 1.0, diagnostics=diag)
    if rel.status is not Status.HOLDS:
        return rel
    if cert.rank > bound:
        above = rank_above(H, err_rows, bound)
        return decide_flag(False if above else None, diagnostics=diag, certificate=above,
                           message=r"$\operatorname{rank}H$ above $\min(L,h(K+1)+1)$" + (
                               "" if above else ", but not beyond the rounding of $H$"))
    return rel


OURS3 = Claim(
    id="j19.ours3", paper=PAPER, source="ours: the ReLU rank bound from Euler's relation (§3.3.3)",
    title="ReLU networks: Euler's identity gives one exact relation per unit among the rows of $H$",
    statement=r"a_jH_{a_j,:}=\sum_kw_{jk}H_{w_{jk},:}+b_jH_{b_j,:},\quad "
              r"\operatorname{rank}H(w)\le\min\{L,h(K+1)+1\}\ \forall w",
    measure=_measure_ours3, parse=parse_net,
    strategy=lambda p: st.one_of(
        networks(K=1, n=st.integers(1, 5), activation="relu", h_extra=st.integers(-3, 3), N=256),
        networks(K=2, n=1, activation="relu", h_extra=st.integers(-4, 0), N=48)),
    hypotheses=[Hypothesis("positively-homogeneous", r"\sigma(tu)=t\sigma(u),\ t>0",
                           lambda i: i["activation"] == "relu" or "activation not homogeneous")],
    controls=[Control("tanh", "positively-homogeneous",
                      "tanh units: no homogeneity, the relation fails by $O(1)$",
                      instances=lambda: [network_instance(1, 3, 6, "tanh", 1, 71, scale=3.0,
                                                          N=256)])],
    decides=r"Residual $|z_j^\top H|$ of each unit's relation within a derived rounding bound, "
            "and the SVD-certified rank of $H$ against $h(K+1)+1$.",
    errata=[FORMAL, Erratum("method note", r"Ours. It is why $M\ge L$ is the wrong count for "
                            "ReLU networks (j19.s3.3.3): the relevant number is the dimension "
                            "of the span of the derivative functions. The relation is exact for "
                            "the functions; on the stored $H$ it holds to rounding ($u=wx+b$ is "
                            "rounded), so it is confirmed in floating point, not in exact "
                            "arithmetic.")],
    size=size_of,
    cost=cost_of(1.0),
    parameters=NET_PARAMETERS,
    relations=relations_of("reflect-cube", "permute-units", "scale-outputs",
                           exact=("scale-outputs",)),
    edge_strategy=_edge_relu_nets,
)
