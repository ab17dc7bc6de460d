"""Shared pieces of the Hardt & Ma (2017) linear-residual claims (§1.1, §2, App. A, C): the
parser and hypotheses of the model ``(R, Sigma, A)`` (eq. (2.1)), its rounding bounds, its
parameters and metamorphic relations, and exact power-of-two rescaling."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.framework import (
    Parameter,
)
from checks.inputs import matrices, matrix, real, require
from checks.strategies import hm17_linear as strat
from checks.tex import tex_number
from theory import linalg
from theory.models import linear_residual as lr
from theory.numerics import gamma, unit_roundoff

U = unit_roundoff()

# ---------------------------------------------------------------- parsing and shared checks

def parse_model(params: Mapping[str, Any], *, with_tau: bool = False) -> dict[str, Any]:
    """``R`` (d x d), ``Sigma`` (d x d), ``A`` (list of d x d), optionally ``tau``."""
    require(params, "R", "Sigma", "A")
    R = matrix(params, "R", square=True)
    d = R.shape[0]
    inst = {"R": R, "Sigma": matrix(params, "Sigma", (d, d)), "A": matrices(params, "A", (d, d))}
    if with_tau:
        inst["tau"] = real(params, "tau", lo=0.0)
    return inst


def sigma_psd(inst: Mapping[str, Any]) -> bool | str:
    """``Sigma`` is a second-moment matrix: symmetric and PSD to rounding
    (:func:`theory.linalg.symmetric`, :func:`theory.linalg.semidefinite`)."""
    S = inst["Sigma"]
    if not linalg.symmetric(S).value:
        return r"$\Sigma$ is not symmetric"
    psd = linalg.semidefinite(S)
    return True if psd.value else \
        f"$\\Sigma$ has eigenvalue ${tex_number(psd.numbers['lambda_min'])}<0$"


def frobenius_product(A: list[np.ndarray]) -> float:
    """``prod_i ||I + A_i||_F``: bounds ``|| |I+A_ell| ... |I+A_1| ||_F`` (entrywise absolute
    values), the scale of the rounding error of the product (Higham §3.5)."""
    d = A[0].shape[0]
    return float(np.prod([np.linalg.norm(np.eye(d) + Ai) for Ai in A]))


def instance_size(inst: Mapping[str, Any]) -> dict[str, float]:
    out = {"d": float(inst["R"].shape[0])}
    if "A" in inst:
        out["ell"] = float(len(inst["A"]))
    elif "ell" in inst:
        out["ell"] = float(inst["ell"])
    return out


def tau_lt_one(inst: Mapping[str, Any]) -> bool | str:
    return True if inst["tau"] < 1.0 else f"$\\tau={tex_number(inst['tau'], 6)}\\ge1$"


def in_ball(inst: Mapping[str, Any]) -> bool | str:
    """``|||A||| <= tau``, up to the rounding of the spectral norms (``gamma_{4d}`` relative)."""
    norm = lr.triple_norm(inst["A"])
    slack = gamma(4 * inst["R"].shape[0]) * max(norm, inst["tau"])
    return True if norm <= inst["tau"] + slack else f"$|||A|||={tex_number(norm, 6)}>\\tau$"


# ---------------------------------------------------------------- parameters and relations

PARAM_R = Parameter("R", "d x d", r"the target map $R$ of $y=Rx+\xi$ (eq. (2.1))")
PARAM_SIGMA = Parameter("Sigma", "d x d", r"the second moment $\Sigma=\mathbb E[xx^\top]$ (§2)",
                   "finite; symmetric PSD to rounding (hypothesis)")
PARAM_A = Parameter("A", "ell x d x d", r"the residual layers $A_1,\dots,A_\ell$ ($A_1$ meets the "
               "input first)", r"finite, $\ell\ge1$")
PARAM_TAU = Parameter("tau", "scalar", r"the radius $\tau$ of the ball $\mathcal B_\tau$",
                 r"$[0,\infty)$; the theorem needs $\tau<1$ (hypothesis)")
PARAM_ELL = Parameter("ell", "scalar", r"the depth $\ell$", "integer in [1, 10000]")

SIGMA_SCALING = strat.scaling(
    "Sigma scaled by a power of two",
    r"$f-C_{\mathrm{opt}}$, $\nabla f$ and $\sigma_{\min}(\Sigma)$ are linear in $\Sigma$: "
    r"both sides of the conclusion scale by $c^2$ ($c=2^k$), the relative slack is invariant",
    {"Sigma": 1}, inverse=("gd_step",))
BASIS_CHANGE = strat.basis_change(
    r"$f$, $\nabla f$ (conjugated slice by slice), $|||A|||$, $\sigma_{\min}(\Sigma)$ and "
    r"$C_{\mathrm{opt}}$ are invariant under $x\mapsto Px$ with $P$ orthogonal ($R$, "
    r"$\Sigma$, $A_i$ conjugated; signed permutations are exact)")



def exact_arithmetic():
    """:mod:`theory.exact`, imported on first use: SymPy adds about a second to start-up, and
    only small instances left undecided by rounding (or hypotheses decided exactly) need it."""
    from theory import exact

    return exact


def unit_scaled(X: np.ndarray) -> np.ndarray:
    """``X / 2^k`` with ``max|X| in [1/2, 1)``: an exact rescaling (powers of two lose no
    bits away from the subnormal range), so products of entries can neither overflow nor
    underflow; normality and the block structure are invariant under it."""
    top = float(np.max(np.abs(X))) if X.size else 0.0
    return X if top == 0.0 or not math.isfinite(top) else np.ldexp(X, -int(np.frexp(top)[1]))
