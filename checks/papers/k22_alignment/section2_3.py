"""Kawaguchi, Zhang & Deng (2022) §2.3: alignment is necessary (Proposition 1)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.framework import (
    REQUIRED,
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Relation,
    Status,
    Tolerance,
    Verdict,
    decide,
)
from checks.inputs import real
from checks.papers.k22_alignment._common import (
    _CACHE,
    _EDGE_ETAS,
    _ETA,
    BASE_PARAMETERS,
    _cost_pointwise,
    _linear_last_layer,
    _relations,
    _size,
    _structure_ok,
    instance_model,
    parse_base,
    rounding_terms,
    st_hidden,
    st_int,
)
from checks.registry import register
from checks.strategies import k22_alignment as strat
from checks.tex import tex_number
from theory import alignment as al
from theory.numerics import gamma


# =========================================================================== k22.prop1
def parse_prop1(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_base(params)
    inst["eta"] = real(params, "eta")
    return inst


def _prop1_daa(inst: Mapping[str, Any]) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        model = instance_model(inst)
        F, J = model.forward(inst["theta"], inst["X"]), model.jacobian(inst["theta"], inst["X"])
        return {"F": F, "J": J, "m": al.membership(inst["Y"].reshape(-1), J=J)}

    return _CACHE.get("prop1", inst, run)


def _common_structure_here(inst: Mapping[str, Any]) -> bool | str:
    ok = _linear_last_layer(inst)
    return ok if ok is not True else _structure_ok(inst, [inst["theta"]])


def _non_member(inst: Mapping[str, Any]) -> bool | str:
    m = _prop1_daa(inst)["m"]
    return True if m.member is False else (r"$\operatorname{vec}(Y)$ not certified outside "
                                           rf"$\operatorname{{Col}}(J)$ ({m.member})")


def measure_prop1(inst: Mapping[str, Any]) -> Verdict:
    """Proposition 1, corrected: vec(Y) not in Col(J) => ||f_X - eta Y||_F >= |eta| dist(vec Y,
    Col J) > 0 for every eta != 0 (vec f_X = J nu lies in Col(J))."""
    r = _prop1_daa(inst)
    m, eta, Y = r["m"], inst["eta"], inst["Y"]
    lhs = float(np.linalg.norm(r["F"] - eta * Y))
    rhs = abs(eta) * m.residual
    nu = al.structure_vector(inst["theta"], instance_model(inst).S)
    tail = float(m.s[m.rank]) if m.rank < m.s.size else 0.0
    k = rounding_terms(inst) + Y.size
    # the SVD is exact for J + E with ||E|| <= delta (the noise floor): the projector onto
    # Col(J) moves by at most delta / (s_r - delta), and the distance with it (times ||Y||)
    s_r = float(m.s[m.rank - 1]) if m.rank else math.inf
    subspace = m.delta / (s_r - m.delta) if s_r > m.delta else math.inf
    tol = tail * float(np.linalg.norm(nu)) + gamma(k) * (
        float(np.linalg.norm(r["F"])) + abs(eta) * float(np.linalg.norm(Y))) + abs(
        eta) * float(np.linalg.norm(Y)) * subspace
    tolerance = Tolerance(tol, r"$s_{r+1}\|\nu\|$ (the directions cut off) $+\gamma_k(\|f\|+"
                               r"|\eta|\,\|Y\|)$, $k=2\,(d+\textstyle\sum_l m_l)+nm_y$, "
                               r"$+|\eta|\,\|Y\|\,\delta/(s_r-\delta)$ (the SVD's error in "
                               "the distance)")
    diag = {"rho": m.rho, "rank": m.rank, "distance": m.residual}
    if eta == 0.0 and not np.any(nu) and lhs <= tol:
        # the printed statement (any eta) at eta = 0: nu(theta) = 0 exactly, so vec f_X = J nu
        # = 0 = 0 Y exactly (Assumption 1), while vec(Y) is certified outside Col(J)
        return Verdict(Status.VIOLATED, lhs, rhs, ">=", lhs - rhs, -1.0, tol,
                       tolerance.derivation,
                       r"$f_X=0\cdot Y$ although $\operatorname{vec}(Y)\notin"
                       r"\operatorname{Col}(J)$", diag,
                       certificate=r"$\nu(\theta)=\theta_S=0$ exactly, so "
                       r"$\operatorname{vec}f_X=J\nu=0=0\cdot Y$ (Assumption 1; computed "
                       rf"$\|f_X\|={tex_number(lhs)}$), while $\operatorname{{vec}}(Y)$ is "
                       rf"certified outside $\operatorname{{Col}}(J)$ ($\rho={tex_number(m.rho)}$)")
    return decide(lhs, rhs, relation=">=", tolerance=tolerance, diagnostics=diag)


def _prop1_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    nets = strat.mlp_instances(overparameterised=False, m_y=st_int(1, 2),
                               hidden=st_hidden(profile))
    etas = st.sampled_from([-2.0, -1.0, -0.5, 0.25, 0.5, 1.0, 2.0, 5.0])
    return st.tuples(nets, etas).map(lambda t: {**t[0], "eta": t[1]}).filter(
        lambda i: _non_member(i) is True)


def _prop1_controls() -> list[dict[str, Any]]:
    net = strat.build_mlp_instance(11, 12, 2, [3], 1, "tanh", "squared", "random", 1.0)
    theta = net["theta"].copy()
    theta[instance_model(net).S] = 0.0  # the last layer (W, b) is zero: f_X = 0 = 0 * Y
    net.update(theta=theta, eta=0.0)
    plus_one = {"model": "square-plus-one", "theta": np.array([0.0]), "X": np.zeros((1, 1)),
                "Y": np.ones((1, 1)), "loss": "squared", "eta": 1.0}
    return [net, plus_one]


PROP1 = Claim(
    id="k22.prop1", paper="k22", source="Proposition 1 (arXiv Proposition 7), section 2.3",
    title=r"Alignment is necessary for $f_X(\theta)=\eta Y$ ($\eta\ne0$)",
    statement=r"\operatorname{vec}(Y)\notin\operatorname{Col}(J(\theta))\Rightarrow"
              r"\|f_X(\theta)-\eta Y\|_F\ge|\eta|\operatorname{dist}(\operatorname{vec}Y,"
              r"\operatorname{Col}J(\theta))>0\ \ \forall\eta\ne0",
    measure=measure_prop1, parse=parse_prop1, strategy=_prop1_strategy,
    hypotheses=[
        Hypothesis("common-structure", r"\text{Assumption 1}", _common_structure_here),
        Hypothesis("non-member", r"\operatorname{vec}(Y)\notin\operatorname{Col}(J(\theta))",
                   _non_member),
        Hypothesis("eta-nonzero", r"\eta\neq 0",
                   lambda i: True if i["eta"] != 0 else r"$\eta=0$"),
    ],
    controls=[
        Control("eta-zero", drops="eta-nonzero",
                description=r"The printed proposition at $\eta=0$ is false: a net with a "
                            r"zero last layer has $f_X=0=0\cdot Y$ while $\operatorname{vec}(Y)$ "
                            r"is certified outside $\operatorname{Col}(J)$",
                            instances=lambda: _prop1_controls()[:1]),
        Control("no-structure", drops="common-structure",
                description=r"$f=\theta^2+1$ at $\theta=0$, $y=1$: $J=0$ yet $f_X=Y$",
                instances=lambda: _prop1_controls()[1:]),
    ],
    decides=r"The distance from $\operatorname{vec}(Y)$ to $\operatorname{Col}(J)$ at the "
            r"clear-gap cut-off, times $|\eta|$, against $\|f_X-\eta Y\|_F$; a zero left side "
            r"($f_X=\eta Y$) is a violation.",
    errata=[Erratum("paper error", r"As printed ('for any $\eta\in\mathbb R$') the proposition "
                    r"is false at $\eta=0$: $f_X=0=0\cdot Y$ whenever the last layer is zero. "
                    r"It holds for $\eta\ne0$, and quantitatively $\|f_X-\eta "
                    r"Y\|_F\ge|\eta|\operatorname{dist}(\operatorname{vec}Y,\operatorname{Col}J)$ "
                    r"for every $\eta$ (ours).")],
    size=_size, max_examples={"ci": 15},
)



def _edge_prop1(profile: str) -> Any:
    from hypothesis import strategies as st

    etas = st.sampled_from([e for e in _EDGE_ETAS if e != 0.0] + [-(2.0**40)])
    return st.tuples(strat.edge_mlp_instances(overparameterised=False), etas).map(
        lambda t: {**t[0], "eta": t[1]})



PROP1 = dataclasses.replace(
    PROP1, edge_strategy=_edge_prop1, cost=_cost_pointwise,
    parameters=[*BASE_PARAMETERS, dataclasses.replace(_ETA, default=REQUIRED)],
    relations=_relations(Relation(
        "scale-targets-and-eta", r"$Y$ times $2^k$ and $\eta$ times $2^{-k}$: $\eta Y$ and "
        r"$|\eta|\operatorname{dist}(\operatorname{vec}Y,\operatorname{Col}J)$ are unchanged",
        strat.scale_targets_and_eta)))

register(PROP1)
