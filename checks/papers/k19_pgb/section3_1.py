"""Kawaguchi, Huang & Kaelbling (2019), Section 3.1: Assumption 2 (common model structure,
eq. (3.1)) as a checker (``k19.asm2``)."""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Tolerance,
    decide,
)
from checks.papers.k19_pgb._common import (
    P_DATA,
    R_SECTION3,
    _ctrl,
    _model,
    _size,
    cost_gradient_basis,
    parse,
    structured_family,
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

# ------------------------------------------------------------ k19.asm2 (Assumption 2 checker)

def measure_asm2(inst):
    """Is ``f_X(theta)`` in ``range J(theta)``? Least-squares residual with a certified rank."""
    model = _model(inst)
    J = model_jacobian(model, inst["theta"], inst["X"])
    f = np.asarray(model.outputs(inst["theta"], inst["X"]))
    basis = range_basis(J)
    res = f - basis.U @ (basis.U.T @ f)
    kappa = basis.s_max / basis.s_min_plus if basis.rank else 1.0
    n = J.shape[0] + J.shape[1]
    tol = Tolerance(gamma(n) * (kappa + 1) * float(np.linalg.norm(f)),
                    r"$\gamma_n(\kappa+1)\|f_X\|$ (projection onto the certified range of "
                    "$J$)")
    g_res = (float(np.linalg.norm(J @ model.g(inst["theta"]) - f)) if model.g is not None
             else None)
    return decide(float(np.linalg.norm(res)), 0.0, relation="<=", tolerance=tol,
                  scale=float(np.linalg.norm(f)),
                  diagnostics={"g_residual": g_res, "rank": basis.rank, "size": _size(inst)})


ASM2 = Claim(
    id="k19.asm2", paper="k19", source="Assumption 2 and eq. (3.1) (Section 3.1)",
    title=r"Common model structure: $f_X(\theta)$ lies in the span of its partial derivatives",
    statement=r"f_{x_i}(\theta)=\sum_kg(\theta)_k\partial_kf_{x_i}(\theta)\ \forall i"
              r"\iff f_X(\theta)\in\operatorname{range}J(\theta)",
    measure=measure_asm2, parse=functools.partial(parse, claim_id="k19.asm2"),
    strategy=lambda profile: st_one_of_points(),
    hypotheses=[Hypothesis("eq3.1-family", r"f\ \text{in a class of eq. (3.1): }f=W\,h(x;u)"
                           r"\ (+b),\ \text{positively homogeneous, or a basis model}",
                           structured_family)],
    controls=[Control("tanh-neuron", drops="eq3.1-family",
                      description=r"$f=\tanh(\theta x)$: $f_X$ is not a multiple of "
                      r"$x\operatorname{sech}^2(\theta x)$ for generic data",
                      instances=_ctrl("tanh")),
              Control("affine-offset", drops="eq3.1-family",
                      description=r"$f=\theta x+1$: the offset is not in "
                      r"$\operatorname{span}\{x\}$",
                      instances=_ctrl("affine"))],
    decides="Projects $f_X$ onto the range of $J$ (rank from the SVD backward error) and "
    "requires the residual at rounding level; the explicit $g$'s residual is reported beside "
    "it.",
    errata=[Erratum("method note", "Only sampled points are tested; the assumption quantifies "
                    r"over every $\theta\notin\Omega$.")],
    edge_strategy=lambda profile: strat.gradient_basis_edges(),
    cost=cost_gradient_basis,
    parameters=P_DATA, relations=R_SECTION3,
    size=_size, max_examples={"ci": 10},
)


def st_one_of_points():
    """Random points of every family of eq. (3.1) (``tanh2``, ``lintop``, ``skip2``,
    ``relu2-nobias``, ``product``)."""
    return st.one_of(strat.random_points("tanh2", (2, 3, 2)),
                      strat.random_points("lintop", (2, 3, 2, 2)),
                      strat.random_points("skip2", (2, 3, 2, 1)),
                      strat.random_points("relu2-nobias", (2, 3, 1)),
                      strat.random_points("product", (1, 1)))


register(ASM2)
