"""Hardt & Ma (2017) §1.1: the standard parameterisation ``y = W_ell ... W_1 x`` has a bad
critical point at ``W = 0`` (claim ``hm17.rem1.1``), which the residual parameterisation puts
at ``A_i = -I``, outside every ``B_tau`` with ``tau < 1`` (contrast with Theorem 2.2)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Tolerance,
    Verdict,
    decide_flag,
)
from checks.inputs import integer, matrix, require
from checks.papers.hm17_linear._common import (
    BASIS_CHANGE,
    PARAM_R,
    PARAM_SIGMA,
    instance_size,
    sigma_psd,
)
from checks.strategies import hm17_linear as strat
from checks.tex import tex_number
from theory.models import linear_residual as lr
from theory.numerics import gamma

# ---------------------------------------------------------------- §1.1 standard parameterisation

def _parse_standard(params: Mapping[str, Any]) -> dict[str, Any]:
    require(params, "R", "Sigma", "ell")
    R = matrix(params, "R", square=True)
    d = R.shape[0]
    return {"R": R, "Sigma": matrix(params, "Sigma", (d, d)),
            "ell": integer(params, "ell", lo=1, hi=64)}


def _measure_rem11(inst: Mapping[str, Any]) -> Verdict:
    """At ``W = 0``: the gradient of ``g`` (exactly zero for ``ell >= 2``) and the gap
    ``g(0) - min g = ||R Sigma^{1/2}||_F^2``."""
    R, Sigma, ell = inst["R"], inst["Sigma"], inst["ell"]
    d = R.shape[0]
    grads = lr.standard_gradient([np.zeros((d, d))] * ell, R, Sigma)
    gnorm = math.sqrt(sum(float(np.sum(G * G)) for G in grads))
    gap = float(np.sum((R @ Sigma) * R))
    r_norm, s_norm = float(np.linalg.norm(R)), float(np.linalg.norm(Sigma))
    # at W = 0 the gradient is 0 (ell >= 2, a zero factor) or -2 R Sigma (ell = 1): its
    # rounding is that of R Sigma, degree 1 in R; the gap's is that of R Sigma R^T, degree 2
    grad_tol = gamma(d + 1) * 2 * r_norm * s_norm
    tol = Tolerance(gamma(2 * d + 2) * 2 * r_norm**2 * s_norm,
                    r"$2\gamma_{2d+2}\|R\|_F^2\|\Sigma\|_F$ (rounding of $R\Sigma R^\top$); "
                    r"gradient: $2\gamma_{d+1}\|R\|_F\|\Sigma\|_F$ (rounding of $R\Sigma$)")
    diagnostics = {"gradient_norm": gnorm, "gap": gap, "gradient_tolerance": grad_tol}
    if gnorm > grad_tol:
        return decide_flag(False, tolerance=tol, diagnostics=diagnostics,
                           message="$W=0$ is not a critical point",
                           certificate=rf"$\|\nabla g(0)\|_F={tex_number(gnorm, 6)}"
                           rf">{tex_number(grad_tol)}$, its rounding bound")
    if gap <= tol.value:
        return decide_flag(None, tolerance=tol, diagnostics=diagnostics,
                           message=r"the gap $\|R\Sigma^{1/2}\|_F^2$ is within rounding of 0")
    return decide_flag(True, tolerance=tol, diagnostics=diagnostics)


def _rsigma_nonzero(inst: Mapping[str, Any]) -> bool | str:
    gap = float(np.sum((inst["R"] @ inst["Sigma"]) * inst["R"]))
    tol = gamma(2 * inst["R"].shape[0] + 2) * 2 * float(
        np.linalg.norm(inst["R"]) ** 2 * np.linalg.norm(inst["Sigma"]))
    return True if gap > 10 * tol else r"$R\Sigma^{1/2}=0$ to rounding"


CLAIM_REM_1_1 = Claim(
    id="hm17.rem1.1", paper="hm17", source="§1.1",
    title="The standard parameterisation has a bad critical point at $W=0$",
    statement=r"\ell\ge2,\ R\Sigma^{1/2}\ne0:\ \nabla g(0,\dots,0)=0\ \text{and}\ "
    r"g(0)-\min g=\|R\Sigma^{1/2}\|_F^2>0",
    measure=_measure_rem11, parse=_parse_standard,
    strategy=lambda profile: strat.standard_instances(),
    hypotheses=[
        Hypothesis("depth>=2", r"\ell\ge2",
                   lambda i: True if i["ell"] >= 2 else r"$\ell=1$: $g$ is a convex quadratic"),
        Hypothesis("R Sigma^{1/2} != 0", r"R\Sigma^{1/2}\neq0", _rsigma_nonzero),
        Hypothesis("Sigma PSD", r"\Sigma\succeq0", sigma_psd),
    ],
    controls=[Control(
        "depth one", drops="depth>=2",
        description=r"$\ell=1$: $g(W_1)$ is a convex quadratic and $W_1=0$ has gradient "
        r"$-2R\Sigma\ne0$, so it is not critical: the phenomenon needs depth",
        instances=lambda: [{"R": np.array([[1.0, 0.3], [0.2, 2.0]]), "Sigma": np.eye(2),
                            "ell": 1}],
    )],
    decides=r"Certified: for $\ell\ge2$ every gradient slice contains an exactly zero "
    "product; the gap is computed in closed form. The residual parameterisation puts this "
    r"point at $A_i=-I$, outside every $\mathcal B_\tau$ with $\tau<1$ (contrast with "
    "Theorem 2.2).",
    errata=[Erratum("interpretation", "Stated in words only in §1.1; the statement checked is "
                    "our reading of it.")],
    size=instance_size, tightness=False, max_examples={"ci": 10},
    parameters=[PARAM_R, PARAM_SIGMA, Parameter("ell", "scalar", r"the depth $\ell$",
                                      "integer in [1, 64]")],
    relations=[BASIS_CHANGE, strat.scaling(
        "R scaled by a power of two",
        r"at $W=0$ the gradient stays exactly 0 ($\ell\ge2$) and the gap "
        r"$\|R\Sigma^{1/2}\|_F^2$ scales by $c^2$ ($R\mapsto cR$, $c=2^k$)", {"R": 1}),
        strat.scaling("Sigma scaled by a power of two",
                      r"the gap $\|R\Sigma^{1/2}\|_F^2$ scales by $c$ ($\Sigma\mapsto c\Sigma$)",
                      {"Sigma": 1})],
    edge_strategy=lambda profile: strat.standard_edge_instances()
)
