"""Kawaguchi, Huang & Kaelbling (2019), Section 3: gradient basis and perturbable gradient basis.

Claims (§3 of the paper): Assumption 2 as a checker (``k19.asm2``),
Theorem 1 with its quantitative form at approximate critical points (``k19.thm1``,
``k19.ours1``), Lemma 2, Theorem 2 with its quantitative form (``k19.thm2``, ``k19.ours2``),
Lemmas 3 and 1, Examples 1-3.

What is exact and what goes through constructions: Theorem 1 and its gap identity are checked
exactly for the squared loss (least squares on the whole gradient basis, with a certified rank);
for cross-entropy, logistic and smoothed hinge Theorem 1 is checked at exact critical points
built by construction (every input carries both labels, so every infimum is attained), with
the infimum from a convex solve and the convexity bound as the only credit. Theorem 2 quantifies
over every finite ``S`` in ``V[theta, eps]``, which cannot be enumerated: it is checked only for
the explicit sets the proofs build (``W2 -> W2 + eps a e_j^T``, ``a`` in ``Null(W3)``), at local
minima certified by construction (a lifted scalar local minimum), and its falsifiable direction
``min_alpha L~ >= L`` is what the verdict tests.

Instances: ``family`` (a key of :data:`theory.models.basis.FAMILIES`), ``widths``, ``loss``,
``X`` (``m x d_x``; for ``basis`` the feature matrix ``Phi``), ``Y`` (``m x d_y``), ``lambda``
(``m``, positive), ``theta``; the PGB claims add ``eps`` and ``S`` (``|S| x d_theta``, rows are the
directions ``S_j``).
"""

from __future__ import annotations

import functools
import math
import sys

import numpy as np
from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Relation,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_flag,
)
from checks.inputs import BadInput, integer, matrix, real, require, vector
from checks.oracles import InstanceCache, choice
from checks.profiles import sized
from checks.registry import register
from checks.strategies import k19_pgb as strat
from theory.gradient_basis import (
    convex_report,
    gb_infimum_convex,
    model_report,
    range_basis,
    safe_norm,
    sample_weights,
    squared_report,
)
from theory.losses import LOSSES, Loss
from theory.models.basis import (
    AUTOGRAD_LOSSES,
    FAMILIES,
    convex_objective,
    example2_layers,
    kink_clearance,
    make_model,
    model_jacobian,
    relu_features,
    skip2_features,
    squared_objective,
)
from theory.numerics import gamma, unit_roundoff
from theory.optimize import second_order_test
from theory.pgb import membership, stacked_jacobian

__all__ = ["WELSCH", "certificate_reason", "decide_against_solver", "parse", "parse_example2",
           "parse_pgb", "refuse_other_convention", "structured_family", "tex_number"]


def tex_number(x: float, digits: int = 3) -> str:
    r"""``x`` for inline LaTeX: ``format(x, f".{digits}g")`` with its exponent written as a
    power of ten (``3.78e-15`` -> ``3.78\times10^{-15}``), so that the numbers in messages,
    hypothesis reasons and tolerance derivations typeset with the formulas around them."""
    if math.isnan(x):
        return r"\mathrm{NaN}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    text = format(x, f".{digits}g")
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else (f"-{power}" if mantissa == "-1"
                                          else rf"{mantissa}\times{power}")


_U = unit_roundoff()


def certificate_reason(cert) -> str:
    r"""The condition that decided a second-order certificate (Section 4's local-minimum test
    of :func:`theory.constructions.k19_section4.second_order_certificate`), as a true
    inequality in LaTeX built from the certificate's own numbers."""
    g, eig = tex_number(cert.grad_norm), tex_number(cert.hess_min_eig)
    if cert.status == "local-minimum":
        return (rf"$\|\nabla L\| = {g} \le {tex_number(cert.grad_tol)}$ and "
                rf"$\lambda_{{\min}}(\nabla^2L) \ge -{tex_number(cert.hess_tol)}$")
    if cert.status == "not-local-minimum":
        if cert.hess_min_eig < -cert.hess_tol:
            return rf"$\lambda_{{\min}}(\nabla^2L) = {eig} < -{tex_number(cert.hess_tol)}$"
        return rf"$\|\nabla L\| = {g} > {tex_number(cert.far_tol)}$"
    cannot = "the derivatives cannot certify a local minimum"
    if not all(map(math.isfinite, (cert.grad_norm, cert.hess_norm, cert.grad_tol))):
        return (r"$\|\nabla L\|$, $\|\nabla^2L\|$ or the gradient scale overflows at this "
                f"scale: {cannot}")
    # the certificate's thresholds: grad_tol = sqrt(u) * gradient scale, and second-order
    # information below float_info.min / u is lost to underflow
    scale, underflow = cert.grad_tol / math.sqrt(_U), sys.float_info.min / _U
    if scale < underflow:
        return (rf"the gradient scale $\|J\|\,\|y\| = {tex_number(scale)} < "
                rf"{tex_number(underflow)}$ (underflow): {cannot}")
    if cert.hess_norm < underflow:
        return (rf"$\|\nabla^2L\| = {tex_number(cert.hess_norm)} < {tex_number(underflow)}$ "
                f"(underflow): {cannot}")
    return rf"$\|\nabla L\| = {g} > {tex_number(cert.grad_tol)}$"


# The nonconvex Welsch loss 1 - exp(-(q - y)^2 / 2): the control that drops Assumption 1.
WELSCH = Loss(
    "welsch",
    lambda f, y: 1.0 - np.exp(-0.5 * (f - y) ** 2),
    lambda f, y: (f - y) * np.exp(-0.5 * (f - y) ** 2),
    lambda f, y: (1.0 - (f - y) ** 2) * np.exp(-0.5 * (f - y) ** 2),
    "real",
)
_ALL_LOSSES = {**LOSSES, "welsch": WELSCH}

#: how theory.gradient_basis.squared_report derives tau_round, the rounding of L and of the
#: least squares (whitened norms, n = m d_y + d_theta)
TAU_SQUARED = (r"$\tau_{\rm round}=\gamma_nL+2\|r\|\delta_r+\delta_r^2+2\|\mathrm{res}\|"
               r"\delta_{\rm res}+\delta_{\rm res}^2$, $\delta_r=\gamma_{d_\theta+2}(\|f\|+"
               r"\|y\|)$, $\delta_{\rm res}=\gamma_n(\kappa+1)\|y\|+\delta_r$ (whitened norms, "
               r"$n=md_y+d_\theta$)")
#: how theory.gradient_basis.convex_report derives tau_round for a convex loss
TAU_CONVEX = (r"$\tau_{\rm round}=2\gamma_n\big(L+\sum_i\lambda_i|\ell'(q_i)||q_i|\big)$, "
              r"max over $q=f_X$ and $q=J\alpha$ ($n=md_y+d_\theta$)")
_INPUT_DIM = {"basis": 0, "product": 1, "affine-offset": 1, "tanh-neuron": 1,
              "relu-scalar": 1, "relu2-nobias": 0, "tanh2": 0,
              "tanh2-nobias": 0, "lintop": 0, "skip2": 0}


# --------------------------------------------------------------------------------- parsing

def _widths(params) -> list[int]:
    w = params["widths"]
    if not isinstance(w, list | tuple) or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and 1 <= v <= 512 for v in w
    ):
        raise BadInput("widths: expected a list of integers in [1, 512]")
    return [int(v) for v in w]


def refuse_other_convention(params, claim_id: str) -> None:
    """Every k19 claim takes its data samples x features (``X`` ``m x d_x``, ``Y``
    ``m x d_y``) with the sample weights under ``lambda``; ``lam``, the name of an earlier
    features x samples layout, is refused with a message that says which name to use."""
    if "lam" in params:
        raise BadInput(f"`lam` is not a parameter of {claim_id}: use `lambda` (the sample "
                       "weights; X is samples x features (m x d_x))")


def parse(params, claim_id: str = "k19.thm1") -> dict:
    """JSON params -> instance for the gradient-basis claims (see the module docstring)."""
    refuse_other_convention(params, claim_id)
    require(params, "family", "widths", "loss", "X", "Y", "lambda", "theta")
    family, loss = choice(params, "family", FAMILIES), choice(params, "loss", _ALL_LOSSES)
    widths = _widths(params)
    try:
        model = make_model(family, widths)
    except ValueError as exc:  # wrong number of widths
        raise BadInput(f"widths: {exc}") from None
    except TypeError:
        raise BadInput(f"widths: wrong number of widths for family {family!r}") from None
    X = matrix(params, "X")
    m = X.shape[0]
    d_x = model.d_theta if family == "basis" else (_INPUT_DIM[family] or widths[0])
    if X.shape[1] != d_x:
        hint = (f"; X is samples x features (m x d_x), and this one is {X.shape[0]} x "
                f"{X.shape[1]}: transpose it" if X.shape[0] == d_x else "")
        raise BadInput(f"X: expected {d_x} columns for {family} {widths}, got "
                       f"{X.shape[1]}{hint}")
    Y = matrix(params, "Y", (m, model.d_y))
    lam = vector(params, "lambda", m)
    if np.any(lam <= 0):
        raise BadInput("lambda: weights must be positive")
    theta = vector(params, "theta", model.d_theta)
    labels = {"binary01": (0.0, 1.0), "sign": (-1.0, 1.0)}.get(_ALL_LOSSES[loss].targets)
    if labels is not None and not np.all(np.isin(Y, labels)):
        raise BadInput(f"Y: loss {loss!r} needs labels in {{{labels[0]:g}, {labels[1]:g}}}")
    return {"family": family, "widths": widths, "loss": loss, "X": X, "Y": Y, "lambda": lam,
            "theta": theta}


def parse_pgb(params, claim_id: str = "k19.thm2") -> dict:
    """:func:`parse` plus ``eps`` in ``[0, 1]`` and ``S`` (``|S| x d_theta``). Theorem 2 takes
    ``eps`` in ``[0, eps_0)``: at ``eps = 0`` every ``theta + eps S_j`` is ``theta`` itself and
    the PGB model is the gradient basis of Theorem 1."""
    inst = parse(params, claim_id)
    inst["eps"] = real(params, "eps", lo=0.0, hi=1.0)
    inst["S"] = matrix(params, "S", (None, inst["theta"].size))
    return inst


# ------------------------------------------------------------- parameters and relations

_FAMILY_NAMES = ", ".join(FAMILIES)
P_DATA = [
    Parameter("family", "name", r"the model family $f(x;\theta)$ (Section 3; Examples 1-3)",
              _FAMILY_NAMES),
    Parameter("widths", "list", r"the family's widths: $(d_\theta)$ for basis, $(d_x,h,d_y)$ "
              r"for tanh2, tanh2-nobias, relu2-nobias, $(d_x,d_1,d_2,d_y)$ for lintop and "
              r"skip2, $(1,1)$ for the scalar families",
              "integers in [1, 512], as many as the family takes"),
    Parameter("loss", "name", r"the loss $\ell(q,y)$ (Assumption 1)",
              "squared, cross-entropy, logistic, smoothed-hinge, welsch"),
    Parameter("X", "m x d_x", r"the inputs $x_i$ as rows, samples x features (for basis: "
              r"the features $\varphi(x_i)$, $m\times d_\theta$)", "finite; d_x columns"),
    Parameter("Y", "m x d_y", r"the targets $y_i$ as rows", "finite; labels in {0, 1} for "
              "cross-entropy, {-1, 1} for logistic and smoothed-hinge"),
    Parameter("lambda", "m", r"the sample weights $\lambda_i$ of $L=\sum_i\lambda_i\ell"
              r"(f(x_i;\theta),y_i)$ (Section 2.1)", "(0, inf)"),
    Parameter("theta", "d_theta", r"the point $\theta$ (the family's weights, row-major, in "
              "the family's order)", "finite"),
]
P_PGB = [
    *P_DATA,
    Parameter("eps", "scalar", r"the radius $\varepsilon$ of $V[\theta,\varepsilon]$ "
              r"(Theorem 2 takes $\varepsilon\in[0,\varepsilon_0)$)", "[0, 1]"),
    Parameter("S", "|S| x d_theta", r"the directions $S_j$ (rows) of a finite "
              r"$S\subseteq V[\theta,\varepsilon]$", "finite; d_theta columns"),
]
P_TWO_SETS = [*P_PGB, Parameter("S2", "|S'| x d_theta", r"the directions of a second finite "
                                r"$S'\subseteq V[\theta,\varepsilon]$ (Lemma 1)",
                                "finite; d_theta columns")]
P_EXAMPLE2 = [
    Parameter("X_raw", "m x d", r"the raw inputs $x^{\rm raw}_i$ as rows", "finite"),
    Parameter("n", "scalar", r"the width $n$ of every ReLU layer of the footnote's network",
              "integers in [1, 4096]"),
    Parameter("depth", "scalar", "the number of ReLU layers", "integers in [1, 16]"),
    Parameter("eps_prime", "scalar", r"the footnote's bias shift $\epsilon'$ (bias "
              r"$\epsilon'-1$)", "[0, 2]"),
    Parameter("Y", "m x d_y", r"the targets $y_i$ as rows", "finite"),
    Parameter("lambda", "m", r"the sample weights $\lambda_i$", "(0, inf)"),
    Parameter("loss", "name", "the loss (the oracle implements the squared loss)", "squared",
              default="squared"),
]

R_PERMUTE = Relation(
    "permute-samples", "the samples in another order: $L$ is a sum over samples (Section 2.1), "
    "so both sides are the same numbers summed in another order", strat.permute_samples)
R_WEIGHTS = Relation(
    "scale-weights", r"$\lambda\to2^k\lambda$: $L$, the infimum and the gradient scale by "
    "$2^k$; critical points, local minima and the relative slack are unchanged",
    strat.scale_weights)
R_SPLIT = Relation(
    "split-sample", r"one sample replaced by two copies of weight $\lambda_i/2$: $L$ is the "
    r"same function of $\theta$, and so is every weighted least squares", strat.split_sample)
R_UNITS = Relation(
    "permute-hidden-units", r"hidden units (for basis models the basis functions) relabelled: "
    r"$f(x;\theta)$ is the same function, and $S$ follows $\theta$", strat.permute_hidden_units)
R_INPUTS = Relation(
    "signed-permutation-of-inputs", r"$x\to Px$ with $P$ a signed permutation (an exact "
    r"orthogonal change of basis) and $W_1\to W_1P^\top$: every output is unchanged",
    strat.signed_permutation_of_inputs)
R_DATA = Relation(
    "scale-data", r"$x\to2^kx$, $y\to2^ky$ for models linear or positively homogeneous in "
    r"$x$ (basis, bias-free ReLU, $w_2w_1x$): outputs and $J$ scale by $2^k$, $L$, the "
    "infimum and the gap bounds by $4^k$; the relative slack is unchanged (other families: "
    r"$\lambda\to2^k\lambda$)", strat.scale_data)
R_SECTION3 = [R_PERMUTE, R_WEIGHTS, R_SPLIT, R_UNITS, R_INPUTS, R_DATA]


# ------------------------------------------------------------------------ cost estimates
#
# Seconds of one check on this project's reference machine (2 shared cores), from the sizes:
# an autograd Hessian of L costs d_theta reverse passes of m d_y d_theta each; measured
# 0.06 s at m d_y = 69, d_theta = 58 (about 3e-7 s per unit of m d_y d_theta^2, taken as
# 5e-7 to cover the SVDs), and Example 2's forward pass through depth n x n layers at about
# 2e-9 s per multiply-add (0.59 s at m = 40, n = 1024, depth 8).

def cost_gradient_basis(inst) -> float:
    """Estimated seconds of a Theorem 1-type check (SVD of J, autograd Hessian of L)."""
    m_dy, d = inst["Y"].size, inst["theta"].size
    return 0.02 + 5e-7 * m_dy * d * d


def cost_pgb(inst) -> float:
    """Estimated seconds of a Theorem 2-type check: the stacked Jacobian and its SVD grow with
    |S|, plus the Hessian of the local-minimum test (0.31 s measured at |S| = 4, m d_y = 78,
    d_theta = 16, most of it fixed cost)."""
    m_dy, d = inst["Y"].size, inst["theta"].size
    n_sets = len(inst["S"]) + len(inst.get("S2", ()))
    return 0.3 + 5e-7 * m_dy * d * d * (1 + n_sets)


def cost_example2(inst) -> float:
    """Estimated seconds of Example 2: the forward pass through ``depth`` ReLU layers of
    width n (``depth m n^2`` multiply-adds) and an SVD of the m x n features."""
    m, n = inst["X_raw"].shape[0], inst["n"]
    return 0.01 + 2e-9 * (inst["depth"] * m * n * n + m * n * min(m, n))


# ------------------------------------------------------------------------- shared pieces

def _model(inst):
    return make_model(inst["family"], inst["widths"])


_CACHE = InstanceCache(64)


def _report(inst):
    """The squared-loss report of :func:`theory.gradient_basis.model_report` (cached: the
    hypotheses and ``measure`` ask for it several times)."""
    keys = ("family", "widths", "X", "Y", "lambda", "theta")
    return _CACHE.get("sq", {k: inst[k] for k in keys}, lambda: model_report(
        _model(inst), inst["theta"], inst["X"], inst["Y"], inst["lambda"]))


def _convex_report(inst):
    """Theorem 1's two sides for a loss other than the squared one (convex solve of
    :func:`theory.gradient_basis.convex_report`; the gradient of ``L`` by autograd when the
    loss has an autograd form, else the chain rule ``J^T Lambda l'``)."""
    def compute():
        model, loss = _model(inst), _ALL_LOSSES[inst["loss"]]
        X, Y, lam, theta = inst["X"], inst["Y"], inst["lambda"], inst["theta"]
        F = np.asarray(model.f(theta, X))
        J = model_jacobian(model, theta, X)
        if inst["loss"] in AUTOGRAD_LOSSES:
            grad = convex_objective(model, X, Y, lam, inst["loss"])[1](theta)
        else:
            grad = J.T @ (sample_weights(lam, model.d_y) * loss.grad(F.reshape(-1),
                                                                     Y.reshape(-1)))
        return convex_report(loss, F, Y, lam, J, grad,
                             model.g(theta) if model.g is not None else None)
    keys = ("family", "widths", "loss", "X", "Y", "lambda", "theta")
    return _CACHE.get("cvx", {k: inst[k] for k in keys}, compute)


def _size(inst) -> dict:
    return {"m": inst["X"].shape[0], "d_theta": inst["theta"].size, "d_y": inst["Y"].shape[1]}


def _squared(inst):
    return inst["loss"] == "squared" or f"loss {inst['loss']!r}: this oracle is for squared loss"


def _convex(inst):
    return inst["loss"] in LOSSES or f"loss {inst['loss']!r} is not convex (Assumption 1)"


def structured_family(inst) -> bool | str:
    """Whether the family is in a class of eq. (3.1) that gives Assumption 2 an explicit ``g``
    (last layer linear ``W h(x; u) (+b)``, positively homogeneous, a basis model): the one
    definition behind ``k19.asm2``'s hypothesis and the Assumption 2 hypothesis of the
    Theorem 1-2 claims."""
    return bool(_model(inst).structure) or (
        f"family {inst['family']!r} is in no class of eq. (3.1): no map $g$ with $f_X=Jg$ "
        "(Assumption 2)")


def _structure(inst):
    if (family := structured_family(inst)) is not True:
        return family
    rep = _report(inst)
    if rep.structure_residual > rep.structure_tol:
        return (rf"$\|Jg-f_X\| = {tex_number(rep.structure_residual)} > "
                rf"{tex_number(rep.structure_tol)}$")
    return True


def _differentiable(inst):
    """``theta`` outside ``Omega``: every ReLU pre-activation is nonzero (analytic families
    have ``Omega`` empty), certified when each clears its own rounding bound
    (:func:`theory.models.basis.kink_clearance`)."""
    clearance = kink_clearance(_model(inst), inst["theta"], inst["X"])
    return clearance > 1 or (
        f"a ReLU pre-activation is within ${tex_number(clearance)}$ times its own rounding "
        r"bound $\gamma_k(|W||x|+|b|)$ of the kink: $\theta\in\Omega$ (or cannot be told "
        "from it)")


def _critical_any(inst):
    """Criticality for any loss: the squared-loss certificate, or for other losses the
    convexity bound ``(||grad L|| + err) ||alpha - g||`` below the rounding of ``L``."""
    if inst["loss"] == "squared":
        return _critical(inst)
    rep = _convex_report(inst)
    if not (math.isfinite(rep.grad_norm) and math.isfinite(rep.credit)):
        return rf"$\|\nabla L\|$ or its convexity bound {_OVERFLOW}"
    return rep.critical or (
        rf"convexity bound ${tex_number(rep.credit)}$ on $L-\inf L_\theta$ exceeds rounding "
        rf"${tex_number(rep.tau_round)}$ ($\|\nabla L\| = {tex_number(rep.grad_norm)}$): not "
        "critical to working precision")


_OVERFLOW = "overflows at this scale: criticality cannot be certified"


def _critical(inst):
    rep = _report(inst)
    if not (math.isfinite(rep.grad_norm) and math.isfinite(rep.bound_hi)):
        return rf"$\|\nabla L\|$ or its certified gap {_OVERFLOW}"
    return rep.critical or (
        f"certified gap ${tex_number(rep.bound_hi)}$ exceeds rounding "
        rf"${tex_number(rep.tau_round)}$ ($\|\nabla L\| = {tex_number(rep.grad_norm)}$): not "
        "critical to working precision")


def _hessian_test(inst):
    model = _model(inst)
    _, _, hess = squared_objective(model, inst["X"], inst["Y"], inst["lambda"])
    return second_order_test(hess(inst["theta"]), inst["Y"].size + model.d_theta)


def _second_order(inst):
    ok, lo, tau = _hessian_test(inst)
    if not (math.isfinite(lo) and math.isfinite(tau)):
        return ("the Hessian of $L$ is not finite at this scale: local minimality cannot be "
                "certified")
    return ok or (rf"$\lambda_{{\min}}(\nabla^2L) = {tex_number(lo)} < -{tex_number(tau)}$: "
                  "not a local minimum")


def _hessian_any(inst) -> dict:
    """Smallest Hessian eigenvalue of ``L`` (autograd) for the ledger: Theorem 1 holds at
    saddles too, so it is recorded, not tested."""
    if inst["loss"] not in AUTOGRAD_LOSSES:
        return {}
    model = _model(inst)
    H = convex_objective(model, inst["X"], inst["Y"], inst["lambda"], inst["loss"])[2](
        inst["theta"])
    ok, lo, tau = second_order_test(np.asarray(H), inst["Y"].size + model.d_theta)
    return {"hess_min_eig": lo, "hess_tau": tau, "second_order_ok": ok}


def _hessian_diagnostics(inst) -> dict:
    ok, lo, tau = _hessian_test(inst)
    return {"hess_min_eig": lo, "hess_tau": tau, "second_order_ok": ok}


def _local_min(inst):
    crit = _critical(inst)
    return _second_order(inst) if crit is True else crit


def _membership_unmet(inst, S) -> list[str]:
    """The conditions of ``V[theta, eps]`` (Section 3.3) that some row of ``S`` fails."""
    return membership_unmet(_membership({**inst, "S": S}))


def membership_unmet(mem) -> list[str]:
    r"""The conditions of ``V[theta, eps]`` (Section 3.3: ``||S_j|| <= 1`` and every training
    output unchanged) that a :class:`theory.pgb.Membership` finds failed, as true inequalities
    in LaTeX."""
    out = []
    if not mem.max_norm <= mem.norm_bound:
        out.append(rf"$\max_j\|S_j\| = 1+{tex_number(mem.max_norm - 1.0)} > "
                   rf"1+{tex_number(mem.norm_bound - 1.0)}$")
    if not mem.max_change <= mem.tolerance:
        out.append(f"max output change ${tex_number(mem.max_change)} > "
                   f"{tex_number(mem.tolerance)}$")
    return out


def _in_V(inst):
    """``S`` in ``V[theta, eps]`` with ``0`` among its rows: without the zero direction the
    PGB model of one fixed ``S`` need not contain ``f_X(theta)`` itself, and a minimum above
    ``L(theta)`` would say nothing against eq. (3.2)."""
    unmet = _membership_unmet(inst, inst["S"])
    if not np.any(np.all(inst["S"] == 0, axis=1)):
        unmet.append("$0$ is not a row of $S$")
    return True if not unmet else (r"$S\not\subseteq V[\theta,\varepsilon]$ with $0\in S$: "
                                   + "; ".join(unmet))


def _set_in_V(key: str):
    """``inst[key]`` is a finite subset of ``V[theta, eps]`` (Lemma 1 asks no more)."""
    symbol = {"S": "S", "S2": "S'"}[key]

    def check(inst):
        unmet = _membership_unmet(inst, inst[key])
        return True if not unmet else (rf"${symbol}\not\subseteq V[\theta,\varepsilon]$: "
                                       + "; ".join(unmet))
    return check


def _membership(inst):
    model = _model(inst)
    return membership(lambda t: np.asarray(model.outputs(t, inst["X"])), inst["theta"],
                      inst["eps"], list(inst["S"]), depth=len(inst["widths"]))


H_SQUARED = Hypothesis("squared-loss", r"\ell(q,y)=\|q-y\|_2^2", _squared)
H_CONVEX = Hypothesis("asm1-convex-loss", r"\ell_{y_i}\ \text{differentiable and convex}",
                      _convex)
H_STRUCT = Hypothesis("asm2-model-structure",
                      r"f_X(\theta)=J(\theta)g(\theta)\ \text{(Assumption 2)}", _structure)
H_CRIT = Hypothesis("critical", r"\nabla L(\theta)=0,\ \theta\notin\Omega", _critical)
H_CRIT_ANY = Hypothesis("critical", r"\nabla L(\theta)=0", _critical_any)
H_DIFF = Hypothesis("not-in-Omega", r"\theta\notin\Omega\ \text{(every }f_{x_i}\text{ "
                    r"differentiable at }\theta)", _differentiable)
H_LOCMIN = Hypothesis("local-minimum",
                      r"\theta\ \text{local minimum},\ \theta\notin\tilde\Omega", _local_min)
H_INV = Hypothesis("S-in-V", r"S\subseteq_{\rm fin}V[\theta,\varepsilon],\ 0\in S", _in_V)


# --------------------------------------------------------------------- control instances

def _affine_offset_instance() -> dict:
    """``f = theta x + 1`` (no ``g``), ``y_i = -1``, at its unique critical point (exact)."""
    rng = np.random.default_rng(1904)
    m = 8
    x = rng.uniform(0.5, 2.0, m)
    lam = rng.uniform(0.2, 2.0, m)
    y = -np.ones(m)
    theta = np.sum(lam * x * (y - 1.0)) / np.sum(lam * x * x)
    return {"family": "affine-offset", "widths": [1, 1], "loss": "squared", "X": x[:, None],
            "Y": y[:, None], "lambda": lam, "theta": np.array([theta])}


def _tanh_neuron_instance() -> dict:
    """``f = tanh(theta x)`` (no ``g``) at a local minimum found by Newton's method in 1-D."""
    rng = np.random.default_rng(1905)
    m = 10
    x = rng.uniform(-2.0, 2.0, m)
    y = np.tanh(0.8 * x) + 0.3 * rng.standard_normal(m)
    lam = rng.uniform(0.2, 2.0, m)
    model = make_model("tanh-neuron", (1, 1))
    _, grad, hess = squared_objective(model, x[:, None], y[:, None], lam)
    t = np.array([0.8])
    for _ in range(50):
        t = t - grad(t) / hess(t)[0]
    return {"family": "tanh-neuron", "widths": [1, 1], "loss": "squared", "X": x[:, None],
            "Y": y[:, None], "lambda": lam, "theta": t}


def _saddle_instance() -> dict:
    """``f = w2 w1 x`` at the strict saddle ``theta = 0`` with ``S = {0, e_1, e_2}``."""
    rng = np.random.default_rng(1906)
    m = 8
    x = rng.standard_normal(m)
    y = 1.5 * x + 0.3 * rng.standard_normal(m)
    return {"family": "product", "widths": [1, 1], "loss": "squared", "X": x[:, None],
            "Y": y[:, None], "lambda": rng.uniform(0.2, 2.0, m), "theta": np.zeros(2),
            "eps": 1e-2, "S": np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])}


@functools.cache
def _controls_cache() -> dict:
    return {
        "affine": _affine_offset_instance(),
        "tanh": _tanh_neuron_instance(),
        "saddle": _saddle_instance(),
        "noncritical": strat.build_tanh2(11, 2, 3, 1, 12, 1),
        "skip-start": strat.build_planted("skip2", (2, 3, 2, 2), 5, 12, False),
        "lifted": strat.build_lintop_lifted(3, 2, 3, 2, 2, 30),
    }


def _ctrl(name):
    return lambda: [_controls_cache()[name]]


# ------------------------------------------------------------------- k19.thm1 (Theorem 1)

def _uncertain_rank(rep):
    """``inconclusive`` when the rank of ``J_hat`` is not certified (a singular value in the
    ambiguity band): the infimum and ``sigma_min^+`` both depend on it."""
    if rep.rank_certain:
        return None
    return decide_flag(None, message=r"$\operatorname{rank}(\Lambda^{1/2}J)$ not certified "
                       "(a singular value in the ambiguity band): the infimum cannot be decided",
                       diagnostics=rep.diagnostics())


def measure_thm1(inst):
    """``L(theta)`` against ``inf_alpha L_theta(alpha)``: least squares on ``J_hat`` for the
    squared loss, the convex solve of :func:`_convex_report` otherwise."""
    if inst["loss"] != "squared":
        return _measure_thm1_convex(inst)
    rep = _report(inst)
    if (undecided := _uncertain_rank(rep)) is not None:
        return undecided
    credit = rep.bound_hi if rep.critical else 0.0
    tol = Tolerance(rep.tau_round + credit,
                    r"$\tau_{\rm round}$ + the certified gap of an approximate critical "
                    r"point $(\|\nabla L\|+\mathrm{err})^2/(4\sigma^+_{\min}{}^2)$ (k19.ours1), "
                    r"credited only when it is below $\tau_{\rm round}$; " + TAU_SQUARED)
    return decide(rep.L, rep.inf, relation="==", tolerance=tol, scale=max(rep.L, rep.inf),
                  diagnostics={**rep.diagnostics(), **_hessian_any(inst), "size": _size(inst)})


def _measure_thm1_convex(inst):
    """Convex losses: ``inconclusive`` when the solver's infimum is not attained (then only
    an upper bound is known); else ``L`` against the best of the solves from ``g(theta)`` and
    random restarts, within rounding plus the convexity bound on ``L - L_theta(alpha)``."""
    rep = _convex_report(inst)
    diag = {**rep.diagnostics(), **_hessian_any(inst), "size": _size(inst)}
    if not rep.attained:
        return decide_flag(None, message="gradient-basis infimum not attained "
                           f"({rep.attained_note}): only an upper bound is known",
                           diagnostics=diag)
    credit = rep.credit if rep.critical else 0.0
    tol = Tolerance(rep.tau_round + credit,
                    r"$\tau_{\rm round}+(\|\nabla L\|+\mathrm{err})\|\alpha-g(\theta)\|$ "
                    r"(convexity: $L_\theta(\alpha)\ge L+\langle\nabla L,\alpha-g\rangle$), "
                    r"credited only when it is below $\tau_{\rm round}$; " + TAU_CONVEX)
    return decide_against_solver(rep.L, rep.inf, tolerance=tol, scale=max(rep.L, rep.inf),
                                 diagnostics=diag)


def decide_against_solver(L: float, found: float, **kwargs) -> Verdict:
    """``L(theta) == inf`` where ``found`` is a solver's value, hence only an upper bound of
    the infimum: ``L`` above it beyond the tolerance is a certified violation (the infimum is
    lower still), ``L`` below it is not (the solver may have stopped above the infimum), so
    that answer is ``inconclusive`` with the reason. ``kwargs`` go to :func:`decide`."""
    verdict = decide(L, found, relation="==", **kwargs)
    if verdict.status is Status.VIOLATED and L < found:
        verdict.status, verdict.certificate = Status.INCONCLUSIVE, ""
        verdict.message = (f"the solver's value ${tex_number(found, 6)}$ exceeds "
                           rf"$L(\theta) = {tex_number(L, 6)}$ beyond the tolerance, but it is "
                           "only an upper bound of the infimum")
    return verdict


def _relu_kink_instance() -> dict:
    """``f = relu(theta) x`` at ``theta = 0`` (in ``Omega``) with ``x^T Lambda y < 0``: a local
    minimum (``L`` is constant for ``theta <= 0`` and grows for ``theta > 0``) whose gradient
    basis from ``0^+`` (``J = x``) fits ``y`` far better than ``L(0) = sum lambda_i y_i^2``."""
    rng = np.random.default_rng(1907)
    m = 8
    x = rng.uniform(0.5, 2.0, m)
    y = -1.5 * x + 0.3 * rng.standard_normal(m)
    return {"family": "relu-scalar", "widths": [1, 1], "loss": "squared", "X": x[:, None],
            "Y": y[:, None], "lambda": rng.uniform(0.2, 2.0, m), "theta": np.zeros(1)}


THM1 = Claim(
    id="k19.thm1", paper="k19", source="Theorem 1 (Section 3.2), proof in Appendix A.1",
    title="Critical points are optimal for the gradient-basis model",
    statement=r"\nabla L(\theta)=0,\ \theta\notin\Omega\ \Rightarrow\ "
              r"L(\theta)=\inf_{\alpha\in\mathbb R^{d_\theta}}L_\theta(\alpha),\quad "
              r"L_\theta(\alpha)=\sum_i\lambda_i\ell\big(\textstyle\sum_k\alpha_k\partial_kf_{x_i}"
              r"(\theta),y_i\big)",
    measure=measure_thm1, parse=functools.partial(parse, claim_id="k19.thm1"),
    strategy=lambda profile: st.one_of(strat.tanh2_points(trained=True),
                                       strat.tanh2_classifier_points(),
                                       strat.relu2_points()),
    hypotheses=[H_CONVEX, H_STRUCT, H_DIFF, H_CRIT_ANY],
    controls=[
        Control("affine-offset", drops="asm2-model-structure",
                description=r"$f=\theta x+1$ with $y=-1$ at its exact critical point: the fixed "
                r"offset is not in $\operatorname{span}\{x\}$, and $L$ exceeds $\inf L_\theta$ "
                "(by a factor of 4)",
                instances=_ctrl("affine")),
        Control("tanh-neuron", drops="asm2-model-structure",
                description=r"$f=\tanh(\theta x)$ at a local minimum: no $g$ exists and $L$ "
                r"falls below $\inf L_\theta$ (the equality fails in the other direction)",
                instances=_ctrl("tanh")),
        Control("relu-kink", drops="not-in-Omega",
                description=r"$f=\operatorname{relu}(\theta)x$ at $\theta=0\in\Omega$ with "
                r"$x^\top\Lambda y<0$: a local minimum with gradient 0 (left derivative), but "
                r"the gradient basis from $0^+$ ($J=x$) fits $y$ far below $L(0)$",
                instances=lambda: [_relu_kink_instance()]),
        Control("welsch", drops="asm1-convex-loss",
                description=r"nonconvex Welsch loss, $f=\theta$: the critical point near 0 has "
                r"$L=3.0$, a restart of the (now nonconvex) solve finds $2.0$",
                instances=lambda: [_welsch_instance()]),
    ],
    decides=r"$L(\theta)$ and the least-squares infimum over "
    r"$\operatorname{range}(\Lambda^{1/2}J)$ (min with $L_\theta(g)$) agree within rounding "
    r"plus the certified gap $\|\nabla L\|^2/(4\sigma^+_{\min}{}^2)$ of an approximate "
    r"critical point; $\theta$ counts as critical when that gap is below rounding. Other "
    r"convex losses: L-BFGS + Newton on $L_\theta$ from $g(\theta)$ and 3 random restarts; "
    r"the gap credited is the convexity bound $\|\nabla L\|\,\|\alpha-g\|$.",
    errata=[
        Erratum("transcription", "The conclusion display is lost in the text we worked from; "
                "restated from the proof in A.1."),
        Erratum("interpretation", r"'Critical point' is read as $\nabla L(\theta)=0$ with "
                r"$\theta\notin\Omega$; numerically, as: the certified gap bound of k19.ours1 "
                "is below the rounding error of $L$."),
        Erratum("method note", "Other convex losses (cross-entropy, logistic, smoothed hinge) "
                "at constructed exact critical points of tanh classifiers whose every input "
                "carries both labels (no model separates the data, so the infimum is attained); "
                r"the infimum is a convex solve from $g(\theta)$ and random restarts, "
                "inconclusive when it is not attained."),
        Erratum("method note", r"Bias-free ReLU nets $W_2\operatorname{relu}(W_1x)$ enter with "
                r"$g=\theta/2$ (positive homogeneity) at critical points whose pre-activations "
                r"clear the kink by a certified margin ($\theta\notin\Omega$)."),
    ],
    edge_strategy=lambda profile: strat.gradient_basis_edges(),
    cost=cost_gradient_basis,
    parameters=P_DATA, relations=R_SECTION3,
    size=_size, max_examples={"ci": 10, "thorough": 400},
)


# ---------------------------------------------------------- k19.ours1 (quantitative gap)

def measure_ours1(inst):
    """``L - inf`` against ``||grad L||^2 / (4 s_min+^2)``, plus the identity and lower bound."""
    rep = _report(inst)
    if (undecided := _uncertain_rank(rep)) is not None:
        return undecided
    diag = {**rep.diagnostics(), "size": _size(inst)}
    err = rep.bound_hi - rep.bound_hi_exact
    main = decide(rep.gap, rep.bound_hi_exact, relation="<=", tolerance=Tolerance(
        rep.tau_round + err, r"$\tau_{\rm round}$ + the rounding of $\nabla L$ in the "
        "bound; " + TAU_SQUARED), scale=max(rep.L, rep.bound_hi_exact), diagnostics=diag)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: inconclusive, below
        lo_err = rep.bound_lo - (np.float64(max(rep.grad_norm - rep.grad_err, 0.0)) ** 2
                                 / (4 * np.float64(rep.s_max) ** 2) if rep.rank else 0.0)
    lower = decide(rep.gap, rep.bound_lo, relation=">=", tolerance=Tolerance(
        rep.tau_round + lo_err, r"$\tau_{\rm round}$ + the rounding of $\nabla L$ in the "
        "lower bound"),
        scale=max(rep.L, rep.bound_lo), diagnostics=diag)
    ident = decide(rep.gap, rep.proj_gap, relation="==", tolerance=Tolerance(
        2 * rep.tau_round, r"$2\tau_{\rm round}$ (both sides carry the least-squares "
        "rounding)"),
        scale=max(rep.L, rep.proj_gap), diagnostics=diag)
    for part, verdict in (("lower bound", lower),
                          (r"identity $L-\inf_\alpha L_\theta(\alpha)=\|P_{\hat J}\hat r\|^2$",
                           ident)):
        if verdict.status == Status.VIOLATED:
            verdict.message = f"{part} fails"
            return verdict
    return main


OURS1 = Claim(
    id="k19.ours1", paper="k19", source="ours: a quantitative gradient-basis gap (after Theorem 1)",
    title="Gradient-basis gap at approximate critical points (squared loss)",
    statement=r"\frac{\|\nabla L\|^2}{4\sigma_{\max}(\hat J)^2}\le L(\theta)-\inf_\alpha "
              r"L_\theta(\alpha)=\|P_{\hat J}\hat r\|^2\le\frac{\|\nabla L\|^2}"
              r"{4\sigma^+_{\min}(\hat J)^2},\ \hat J=\Lambda^{1/2}J,\ \hat r=\Lambda^{1/2}r",
    measure=measure_ours1, parse=functools.partial(parse, claim_id="k19.ours1"),
    strategy=lambda profile: st.one_of(strat.tanh2_points(trained="partial"),
                                       strat.basis_tight_gap()),
    hypotheses=[H_SQUARED, H_STRUCT],
    controls=[
        Control("affine-offset", drops="asm2-model-structure",
                description=r"$f=\theta x+1$ at its critical point: $\nabla L=0$ so the bound "
                r"is 0, but $L-\inf L_\theta$ is large (the identity needs "
                r"$f_X\in\operatorname{range}J$)",
                instances=_ctrl("affine")),
    ],
    reproductions=[Reproduction(
        "gap-vs-bound", r"Theorem 1 gap $L-\inf L_\theta$ against the certified bound "
        r"$\|\nabla L\|^2/(4\sigma^+_{\min}{}^2)$ along Levenberg-Marquardt runs of 2-layer tanh "
        "nets "
        r"($\log_{10}$ of both); every point lies below the diagonal",
        lambda profile: _gap_plot(profile),
            agreement="no-paper-value",
            agreement_reason="Theorem 1 gives no number to compare with")],
    decides=r"Upper bound decided with rounding tolerance; the identity "
    r"$L-\inf_\alpha L_\theta(\alpha)=\|P_{\hat J}\hat r\|^2$ and the lower bound "
    r"$\|\nabla L\|^2/(4\sigma_{\max}^2)$ are "
    "checked too and reported if they fail.",
    errata=[
        # a correction of a bound of our own, not of the paper: a note, not an erratum
        Erratum("method note", r"Our first form of this bound, $\|P_Jr\|^2\le\|J^\top "
                r"r\|^2/\sigma^+_{\min}(J)^2$, is right only for unit weights: with weights "
                r"$\lambda$, the projector and the singular values are those of "
                r"$\Lambda^{1/2}J$ and the residual is $\Lambda^{1/2}r$; in terms of $\nabla "
                r"L=2J^\top\Lambda r$ there is a factor 4 (for $\ell=\|q-y\|^2$)."),
        Erratum("method note", r"$\sigma^+_{\min}$ is the smallest singular value above the SVD "
                "backward-error threshold; tiny but nonzero singular values make the bound "
                "loose, never wrong."),
    ],
    edge_strategy=lambda profile: strat.gradient_basis_edges(),
    cost=cost_gradient_basis,
    parameters=P_DATA, relations=R_SECTION3,
    size=_size, max_examples={"ci": 10},
)


def _gap_plot(profile: str) -> dict:
    n = sized(profile, small=10, medium=20, large=60)
    xs, ys, below = [], [], 0
    for k in range(n):
        inst = strat.build_tanh2(100 + k, 2, 3, 1 + k % 2, 10, k % 7)
        rep = _report(inst)
        below += rep.gap <= rep.bound_hi + rep.tau_round
        if rep.gap > 0 and rep.bound_hi_exact > 0:
            xs.append(math.log10(rep.bound_hi_exact))
            ys.append(math.log10(rep.gap))
    lo, hi = (min(xs + ys), max(xs + ys)) if xs else (0.0, 1.0)
    return {
        "title": r"k19.ours1: gap $L-\inf L_\theta$ vs bound "
                 r"$\|\nabla L\|^2/(4\sigma^+_{\min}{}^2)$",
        "series": [{"label": "instances", "x": xs, "y": ys, "mode": "markers"},
                   {"label": "gap = bound", "x": [lo, hi], "y": [lo, hi], "mode": "lines"}],
        "xlabel": r"$\log_{10}$ bound", "ylabel": r"$\log_{10}$ gap",
        "paper": "Theorem 1: the gap is 0 at critical points (no quantitative form).",
        "ours": f"{below} of {n} instances have gap $\\le$ bound (+ rounding); {len(xs)} with "
                "both positive are plotted",
    }


# ---------------------------------------------------------------------- k19.lem2 (Lemma 2)

def measure_lem2(inst):
    """``||sum_i lambda_i dl(f_i) d_k f_i||`` (through the Jacobian) at a critical point."""
    model, rep = _model(inst), _report(inst)
    loss = _ALL_LOSSES[inst["loss"]]
    F = np.asarray(model.f(inst["theta"], inst["X"]))
    w = sample_weights(inst["lambda"], model.d_y)
    dl = w * loss.grad(F, inst["Y"]).reshape(-1)
    J = model_jacobian(model, inst["theta"], inst["X"])
    chain = J.T @ dl
    level = 2 * rep.s_min_plus * math.sqrt(rep.tau_round) if rep.rank else 0.0
    n = J.shape[0] + J.shape[1]
    err = gamma(n) * float(np.abs(J).sum(axis=0).max() * np.abs(dl).sum())
    tol = Tolerance(level + err, r"$2\sigma^+_{\min}(\hat J)\sqrt{\tau_{\rm round}}$ (the "
                    "gradient size the 'critical' hypothesis allows) + "
                    r"$\gamma_n\|J\|_1\|\Lambda\,\partial\ell\|_1$")
    scale = float(np.linalg.norm(J, 2) * safe_norm(dl))
    return decide(safe_norm(chain), 0.0, relation="<=", tolerance=tol, scale=scale,
                  diagnostics={"grad_norm_autograd": rep.grad_norm,
                               "chain_rule_norm": safe_norm(chain),
                               "size": _size(inst)})


LEM2 = Claim(
    id="k19.lem2", paper="k19", source="Lemma 2 (Appendix A.1)",
    title="First-order condition through the model Jacobian",
    statement=r"\nabla L(\theta)=0,\ \theta\notin\Omega\Rightarrow\sum_{i=1}^m\lambda_i\,"
              r"\partial\ell_{y_i}(f_{x_i}(\theta))\,\partial_kf_{x_i}(\theta)=0\ \forall k",
    measure=measure_lem2, parse=functools.partial(parse, claim_id="k19.lem2"),
    strategy=lambda profile: strat.tanh2_points(trained=True),
    hypotheses=[H_SQUARED, H_CRIT],
    controls=[Control("non-critical", drops="critical",
                      description="a 2-layer tanh net after one Levenberg-Marquardt step: the "
                      "chain-rule sum is far from 0", instances=_ctrl("noncritical"))],
    decides="Criticality is certified with autograd's gradient of $L$; the lemma's sum is "
    "formed independently from the analytic Jacobian and the loss derivative, and must vanish "
    "to the level the criticality certificate allows.",
    errata=[Erratum("transcription", "The conclusion display is lost in the text we worked "
                    "from; restated from the proof (it is the chain rule).")],
    edge_strategy=lambda profile: strat.gradient_basis_edges(),
    cost=cost_gradient_basis,
    parameters=P_DATA, relations=R_SECTION3,
    size=_size, max_examples={"ci": 6, "thorough": 400},
)


# ----------------------------------------------- k19.thm2 / k19.ours2 / k19.lem3 (Section 3.3)

def _pgb_report(inst):
    model = _model(inst)
    X, Y, lam, theta, eps = inst["X"], inst["Y"], inst["lambda"], inst["theta"], inst["eps"]
    S = list(inst["S"])
    _, grad, _ = squared_objective(model, X, Y, lam)
    J_S = stacked_jacobian(lambda t: model_jacobian(model, t, X), theta, eps, S)
    grads = np.concatenate([grad(theta + eps * s) for s in S])
    # g_S puts g(theta) on the block of S_j = 0 (the first zero direction), 0 elsewhere
    zero = [k for k, s in enumerate(S) if not np.any(s)]
    g_S = None
    if zero and model.g is not None:
        g_S = np.zeros(J_S.shape[1])
        d = theta.size
        g_S[zero[0] * d:(zero[0] + 1) * d] = model.g(theta)
    F = np.asarray(model.f(theta, X))
    return squared_report(F, Y, lam, J_S, grads, g_S), grads


def measure_thm2(inst):
    """``L(theta)`` against ``min_alpha L~_theta(alpha, eps, S)`` (least squares on ``J_S``)."""
    rep, _ = _pgb_report(inst)
    if (undecided := _uncertain_rank(rep)) is not None:
        return undecided
    credit = rep.bound_hi if _local_min(inst) is True else 0.0
    tol = Tolerance(rep.tau_round + credit,
                    r"$\tau_{\rm round}+\sum_j(\|\nabla L(\theta+\varepsilon S_j)\|+"
                    r"\mathrm{err})^2/(4\sigma^+_{\min}(J_S)^2)$ (k19.ours2), credited only at "
                    "points passing the local-minimum test; " + TAU_SQUARED
                    + r" for the stacked $J_S$")
    model = _model(inst)
    w = np.sqrt(sample_weights(inst["lambda"], model.d_y))
    rank_gb = range_basis(model_jacobian(model, inst["theta"], inst["X"]) * w[:, None]).rank
    return decide(rep.L, rep.inf, relation="==", tolerance=tol, scale=max(rep.L, rep.inf),
                  diagnostics={**rep.diagnostics(), "S_size": len(inst["S"]),
                               "rank_gradient_basis": rank_gb, "rank_pgb": rep.rank,
                               **_hessian_diagnostics(inst), "size": _size(inst)})


def measure_ours2(inst):
    """``L - min_alpha L~`` against ``sum_j ||grad L(theta + eps S_j)||^2 / (4 s_min+^2)``."""
    rep, _ = _pgb_report(inst)
    if (undecided := _uncertain_rank(rep)) is not None:
        return undecided
    err = rep.bound_hi - rep.bound_hi_exact
    return decide(rep.gap, rep.bound_hi_exact, relation="<=", tolerance=Tolerance(
        rep.tau_round + err, r"$\tau_{\rm round}$ + the rounding of the gradients; "
        + TAU_SQUARED),
        scale=max(rep.L, rep.bound_hi_exact),
        diagnostics={**rep.diagnostics(), "S_size": len(inst["S"]), "size": _size(inst)})


def measure_lem3(inst):
    """``max_j ||grad L(theta + eps S_j)||`` at a local minimum."""
    rep, grads = _pgb_report(inst)
    d = inst["theta"].size
    norms = [float(np.linalg.norm(grads[k * d:(k + 1) * d])) for k in range(len(inst["S"]))]
    level = 2 * rep.s_min_plus * math.sqrt(rep.tau_round) if rep.rank else 0.0
    tol = Tolerance(level + rep.grad_err, r"$2\sigma^+_{\min}(J_S)\sqrt{\tau_{\rm round}}$ + "
                    "the rounding of the gradient: the gradient size at which the certified "
                    "PGB gap reaches rounding")
    return decide(max(norms), 0.0, relation="<=", tolerance=tol,
                  scale=max(2 * rep.s_max * math.sqrt(rep.L), tol.value),
                  diagnostics={"grad_norms": norms, "s_min_plus": rep.s_min_plus,
                               "tau_round": rep.tau_round, **_hessian_diagnostics(inst),
                               "size": _size(inst)})


_PGB_ERRATA = [
    Erratum("transcription", "Eq. (3.2) and the chain of inequalities after it are lost in the "
            "text we worked from; reconstructed from the proof in A.2."),
    Erratum("method note", r"$V[\theta,\varepsilon]$ cannot be enumerated: the oracle tests the "
            r"explicit finite $S$ the proofs build (here: $W_2\to W_2+a\,e_j^\top$ with "
            r"$a\in\operatorname{Null}(W_3)$), with membership verified to a derived tolerance, "
            r"so only the falsifiable direction $\min_\alpha\tilde L(\alpha,\varepsilon,S)\ge "
            r"L(\theta)$ is exercised for those $S$."),
    Erratum("method note", "Local minima are certified by construction (a scalar local minimum "
            "lifted along $c$, rank-one $W_3$) and numerically by criticality plus "
            r"$\lambda_{\min}(\text{Hessian})\ge-\gamma_n\|H\|$ (necessary only: the lift has "
            "flat directions)."),
    Erratum("interpretation", r"$\varepsilon\in[0,\varepsilon_0)$ here but $(0,\varepsilon_0)$ "
            r"in Theorems 3-4; $\varepsilon_0$ is not computable, $\varepsilon=10^{-2}$."),
]

def _feature_residuals(inst) -> tuple[float, float]:
    """Largest relative residual of the feature columns ``q (x) h_j(X)`` (``q`` orthogonal to
    the lifted direction ``c``, ``h = tanh(W1 x)``) against ``range J(theta)`` and against
    ``range J_S``: the PGB is needed exactly where the first is large and the second is not."""
    model = _model(inst)
    X, theta, eps = inst["X"], inst["theta"], inst["eps"]
    W1, _, W3 = (w for w, _ in model.unpack(theta))
    H = np.tanh(X @ W1.T)
    q = np.linalg.svd(W3)[0][:, -1]                       # unit vector orthogonal to c
    cols = np.column_stack([np.kron(H[:, j], q) for j in range(H.shape[1])])
    out = []
    for J in (model_jacobian(model, theta, X),
              stacked_jacobian(lambda t: model_jacobian(model, t, X), theta, eps,
                               list(inst["S"]))):
        U = range_basis(J).U
        res = cols - U @ (U.T @ cols)
        out.append(float(np.max(np.linalg.norm(res, axis=0) / np.linalg.norm(cols, axis=0))))
    return out[0], out[1]


def _pgb_table(profile: str) -> dict:
    rows, want = [], sized(profile, small=3, medium=5, large=10)
    for seed in range(500, 500 + 4 * want):
        if len(rows) == want:
            break
        inst = strat.build_lintop_lifted(seed, 2, 3 + seed % 2, 2, 2, 30)
        if not strat.local_min_certified(_model(inst), inst):
            continue  # as the strategy does: only certified local minima
        rep, _ = _pgb_report(inst)
        gb = _report(inst)
        r_gb, r_pgb = _feature_residuals(inst)
        rows.append([seed, rep.L, gb.inf, rep.inf, gb.rank, rep.rank, r_gb, r_pgb])
    return {
        "title": "k19.thm2: gradient basis vs perturbable gradient basis at lifted local minima",
        "table": {"columns": ["seed", r"$L(\theta)$", r"$\inf\mathrm{GB}$",
                              r"$\inf\mathrm{PGB}$", r"$\operatorname{rank}J$",
                              r"$\operatorname{rank} J_S$",
                              r"feature residual vs $\operatorname{range}J$",
                              r"vs $\operatorname{range}J_S$"], "rows": rows},
        "paper": r"Theorem 2: $L(\theta)$ equals the PGB infimum at every local minimum.",
        "ours": r"$L=\inf\mathrm{GB}=\inf\mathrm{PGB}$; the features orthogonal to $c$ are "
                r"outside $\operatorname{range}J(\theta)$ but inside $\operatorname{range}J_S$: "
                "the perturbations are what reach them.",
    }


THM2 = Claim(
    id="k19.thm2", paper="k19", source="Theorem 2, eq. (3.2) (Section 3.3), proof in A.2",
    title="Local minima are optimal for the perturbable-gradient-basis model",
    statement=r"\theta\ \text{local min},\ \theta\notin\tilde\Omega\Rightarrow L(\theta)=\inf\{"
              r"\tilde L_\theta(\alpha,\varepsilon,S):S\subseteq_{\rm fin}V[\theta,\varepsilon],"
              r"\alpha\}\ (\varepsilon<\varepsilon_0)",
    measure=measure_thm2, parse=functools.partial(parse_pgb, claim_id="k19.thm2"),
    strategy=lambda profile: strat.lintop_lifted_minima(),
    hypotheses=[H_SQUARED, H_STRUCT, H_INV, H_LOCMIN],
    reproductions=[Reproduction(
        "pgb-enlargement", r"Lifted local minima of $W_3W_2\tanh(W_1x)$ with $d_2<d_1$: "
        "values of "
        "the gradient basis and the PGB, ranks, and where the tanh features lie",
        lambda profile: _pgb_table(profile),
            agreement="agrees",
            agreement_reason=(r"$L=\inf\mathrm{GB}=\inf\mathrm{PGB}$ on every run, as "
                              "Theorem 2 states"))],
    controls=[Control("saddle", drops="local-minimum",
                      description=r"$f=w_2w_1x$ at the strict saddle 0 with "
                      r"$S=\{0,e_1,e_2\}\subseteq V$: Theorem 1 holds there ($J(0)=0$) but the "
                      "PGB infimum is the least squares on $x$, far below $L(0)$",
                      instances=_ctrl("saddle"))],
    decides=r"Least squares of $\Lambda^{1/2}y$ on $\operatorname{range}(\Lambda^{1/2}J_S)$ "
    r"(min with $\tilde L$ at $\alpha=g(\theta)$ on the $S_j=0$ block) against $L(\theta)$, "
    "within rounding plus the "
    "certified PGB gap of k19.ours2 at points that pass the local-minimum test.",
    errata=_PGB_ERRATA, size=_size, max_examples={"ci": 6, "thorough": 200},
    edge_strategy=lambda profile: strat.pgb_edges(),
    cost=cost_pgb,
    parameters=P_PGB, relations=R_SECTION3,
)

OURS2 = Claim(
    id="k19.ours2", paper="k19", source="ours: a quantitative PGB gap (after Theorem 2)",
    title="Perturbable-gradient-basis gap at approximate local minima (squared loss)",
    statement=r"0\in S\subseteq V[\theta,\varepsilon]\Rightarrow L(\theta)-\min_\alpha\tilde "
              r"L_\theta=\|P_{\hat J_S}\hat r\|^2\le\frac{\sum_j\|\nabla L(\theta+\varepsilon "
              r"S_j)\|^2}{4\sigma^+_{\min}(\Lambda^{1/2}\hat J_S)^2}",
    measure=measure_ours2, parse=functools.partial(parse_pgb, claim_id="k19.ours2"),
    strategy=lambda profile: strat.lintop_lifted_minima(),
    hypotheses=[H_SQUARED, H_STRUCT, H_INV],
    controls=[Control("affine-offset", drops="asm2-model-structure",
                      description=r"$f=\theta x+1$, $S=\{0\}$: the gradient vanishes, the gap "
                      "does not", instances=lambda: [{**_controls_cache()["affine"], "eps": 1e-2,
                                                      "S": np.zeros((1, 1))}])],
    decides=r"Upper bound with rounding tolerance; holds at every point with "
    r"$0\in S\subseteq V$ (no optimality needed), so it also holds at the saddle (tested).",
    errata=[Erratum("method note", r"The bound is loose when $\varepsilon$ is small: "
                    r"perturbation directions enter $J_S$ with size $O(\varepsilon)$, so "
                    r"$\sigma^+_{\min}$ shrinks with $\varepsilon$.")],
    edge_strategy=lambda profile: strat.pgb_edges(),
    cost=cost_pgb,
    parameters=P_PGB, relations=R_SECTION3,
    size=_size, max_examples={"ci": 6, "thorough": 250},
)

LEM3 = Claim(
    id="k19.lem3", paper="k19", source="Lemma 3 (Appendix A.2)",
    title="Perturbed points of a local minimum are critical",
    statement=r"\theta\ \text{local min}\notin\tilde\Omega\Rightarrow\sum_i\lambda_i\partial"
              r"\ell_{y_i}(f_{x_i}(\theta))\partial_kf_{x_i}(\theta+\varepsilon v)=0\ \forall v"
              r"\in V[\theta,\varepsilon],k",
    measure=measure_lem3, parse=functools.partial(parse_pgb, claim_id="k19.lem3"),
    strategy=lambda profile: strat.lintop_lifted_minima(),
    hypotheses=[H_SQUARED, H_INV, H_LOCMIN],
    controls=[Control("saddle", drops="local-minimum",
                      description=r"$f=w_2w_1x$ at the saddle 0: "
                      r"$\nabla L(\varepsilon e_1)=(0,-2\varepsilon x^\top\Lambda y)\ne0$ "
                      r"although $e_1\in V[0,\varepsilon]$",
                      instances=_ctrl("saddle"))],
    decides=r"The gradient of $L$ at each $\theta+\varepsilon S_j$ (autograd; outputs "
    "unchanged, so it is the lemma's sum) must vanish to the level at which the stacked PGB "
    "gap reaches rounding.",
    errata=[Erratum("interpretation", r"The proof writes $\nu$ for $v$ in places; read as $v$."),
            Erratum("method note", r"$\varepsilon_0=\min(\varepsilon_1/2,\varepsilon_2)$ is not "
                    r"computable, so one $\varepsilon$ ($10^{-2}$) is tested.")],
    edge_strategy=lambda profile: strat.pgb_edges(),
    cost=cost_pgb,
    parameters=P_PGB, relations=R_SECTION3,
    size=_size, max_examples={"ci": 6, "thorough": 600},
)


# -------------------------------------------------------------------- k19.ex2 (Example 2)

def parse_example2(params, claim_id: str = "k19.ex2") -> dict:
    """``X_raw`` (``m x d``), ``n``, ``depth``, ``eps_prime``, ``Y`` (``m x d_y``), ``lambda``."""
    refuse_other_convention(params, claim_id)
    require(params, "X_raw", "n", "depth", "eps_prime", "Y", "lambda")
    X_raw = matrix(params, "X_raw")
    m = X_raw.shape[0]
    inst = {"X_raw": X_raw, "n": integer(params, "n", lo=1, hi=4096),
            "depth": integer(params, "depth", lo=1, hi=16),
            "eps_prime": real(params, "eps_prime", lo=0.0, hi=2.0),
            "Y": matrix(params, "Y", (m, None)), "lambda": vector(params, "lambda", m),
            "loss": params.get("loss", "squared")}
    if np.any(inst["lambda"] <= 0):
        raise BadInput("lambda: weights must be positive")
    if inst["loss"] != "squared":
        raise BadInput("loss: Example 2's oracle implements the squared loss")
    return inst


def _delta(inst) -> float:
    G = inst["X_raw"] @ inst["X_raw"].T
    m = G.shape[0]
    return float(1.0 - np.max(G - 3.0 * np.eye(m))) if m > 1 else 1.0


def _unit(inst):
    dev = float(np.max(np.abs(np.linalg.norm(inst["X_raw"], axis=1) - 1.0)))
    tol = gamma(inst["X_raw"].shape[1] + 1)
    return dev <= tol or (rf"$\max_i|\|x_i\|-1| = {tex_number(dev)} > "
                          rf"{tex_number(tol)}$")


def _separated(inst):
    d = _delta(inst)
    ok = d > 0 and 0 < inst["eps_prime"] <= d
    return ok or (rf"$\delta = {tex_number(d)}$, $\epsilon' = {tex_number(inst['eps_prime'])}$: "
                  r"need $0<\epsilon'\le\delta$")


def _wide(inst):
    m = inst["X_raw"].shape[0]
    return inst["n"] >= m or f"$n = {inst['n']} < m = {m}$"


def measure_ex2(inst):
    """Rank of the footnote's ReLU features and the loss at the critical point in ``W``."""
    X_raw, Y, lam = inst["X_raw"], inst["Y"], inst["lambda"]
    m = X_raw.shape[0]
    layers = example2_layers(X_raw, inst["n"], inst["depth"], inst["eps_prime"])
    Phi = relu_features(X_raw, layers)                    # m x n
    s = np.sqrt(lam)
    basis = range_basis(Phi * s[:, None])
    Wt = np.linalg.lstsq(Phi * s[:, None], Y * s[:, None], rcond=None)[0]  # critical point in W
    L = float(np.sum(lam[:, None] * (Phi @ Wt - Y) ** 2))
    y_hat = float(np.linalg.norm(Y * s[:, None]))
    kappa = basis.s_max / basis.s_min_plus if basis.rank else 1.0
    n = m + inst["n"]
    tol = Tolerance((gamma(n) * (kappa + 1) * y_hat) ** 2 + gamma(n) * y_hat**2,
                    r"$(\gamma_n(\kappa+1)\|\hat y\|)^2+\gamma_n\|\hat y\|^2$ (least "
                    "squares)")
    pre_zero = 0
    h = np.hstack([X_raw, np.ones((m, 1))])
    for W in layers:
        z = h @ W.T
        pre_zero += int(np.sum(z == 0.0))
        h = np.maximum(z, 0.0)
    return decide(L, 0.0, relation="<=", tolerance=tol, scale=y_hat**2, diagnostics={
        "rank_features": basis.rank, "m": m, "s_min_plus": basis.s_min_plus,
        "delta": _delta(inst), "exact_zero_preactivations": pre_zero,
        "size": {"m": m, "n": inst["n"], "depth": inst["depth"]}})


def _narrow_instance() -> dict:
    """Example 2's construction with width ``n = 7 < m = 10``."""
    inst = strat.build_example2(7, 10, 3, 0, 2)
    inst["n"] = 7
    return inst


EX2 = Claim(
    id="k19.ex2", paper="k19", source="Example 2 and footnote 1 (Section 3.2.2)",
    title="Over-parameterized ReLU features: every critical point is a global minimum",
    statement=r"n\ge m,\ \|x^{\rm raw}_i\|=1,\ x_i^{\rm raw\top}x^{\rm raw}_{i'}<1-\delta"
              r"\Rightarrow"
              r"\operatorname{rank}[\varphi(x_i;u)]_i\ge m\ \text{and}\ L(\theta)=\inf_{f_1..f_m}"
              r"\sum_i\lambda_i\ell(f_i,y_i)",
    measure=measure_ex2, parse=functools.partial(parse_example2, claim_id="k19.ex2"),
    strategy=lambda profile: strat.example2_instances(),
    hypotheses=[Hypothesis("unit-inputs", r"\|x^{\rm raw}_i\|_2=1", _unit),
                Hypothesis("separated", r"0<\epsilon'\le\delta", _separated),
                Hypothesis("n>=m", r"n\ge m", _wide)],
    controls=[Control("narrow", drops="n>=m",
                      description=r"width $n=7<m=10$: the feature matrix has rank $\le7$ and "
                      "the critical point in $W$ leaves a positive loss", instances=lambda: [
                          _narrow_instance()])],
    decides="Builds $u$ by the footnote, solves the least squares in $W$ (the critical point), "
    "and checks the loss is $0$ = the infimum over all outputs (squared loss) within "
    "rounding.",
    errata=[Erratum("transcription", r"Relation symbols in $n\ge m$ and $\operatorname{rank}\ge "
                    r"m$ and the footnote's bias '$\varepsilon-1$' are lost in the text we "
                    r"worked from; read as $n\ge m$, $\operatorname{rank}=m$, bias "
                    r"$\varepsilon'-1$ with $0<\varepsilon'\le\delta$."),
            Erratum("interpretation", r"With this $u$, units of layers $\ge2$ sit exactly at "
                    r"the ReLU kink for all but one sample: $(\theta,u)\in\Omega$ for the full "
                    "parameterization; the example holds because "
                    r"$\theta=\operatorname{vec}(W)$ only (counted in diagnostics)."),
            Erratum("interpretation", "Rows $i>m$ of $W^{(1)}$ are unspecified; they must be "
                    r"inactive ($[0,\dots,0,-1]$).")],
    edge_strategy=lambda profile: strat.example2_edges(),
    cost=cost_example2,
    parameters=P_EXAMPLE2, relations=[R_PERMUTE, R_WEIGHTS, Relation(
        "signed-permutation-of-inputs", r"$x^{\rm raw}\to Px^{\rm raw}$, $P$ a signed "
        r"permutation: norms and inner products, so $\delta$, the network of the footnote and "
        "its features, are unchanged", strat.signed_permutation_of_raw_inputs)],
    size=lambda i: {"m": i["X_raw"].shape[0], "n": i["n"]}, max_examples={"ci": 10},
)


register(THM1, OURS1, LEM2, THM2, OURS2, LEM3, EX2)


# -------------------------------------------------------------------- k19.ex1 (Example 1)

def _basis_terms(inst):
    loss = _ALL_LOSSES[inst["loss"]]
    Phi, y, lam, theta = inst["X"], inst["Y"][:, 0], inst["lambda"], inst["theta"]
    q = Phi @ theta
    dl = lam * loss.grad(q, y)
    return loss, Phi, y, lam, Phi.T @ dl, dl


def _basis_critical(inst):
    if inst["family"] != "basis":
        return f"family {inst['family']!r} is not a basis model"
    _, Phi, _, _, grad, dl = _basis_terms(inst)
    level = math.sqrt(unit_roundoff()) * float(np.abs(dl) @ np.linalg.norm(Phi, axis=1))
    g = safe_norm(grad)
    if not (math.isfinite(g) and math.isfinite(level)):
        return rf"$\|\nabla L\|$ {_OVERFLOW}"
    return g <= level or (
        rf"$\|\nabla L\| = {tex_number(g)} > \sqrt u\sum_i|\lambda_i\ell'_i|\|\varphi_i\| = "
        rf"{tex_number(level)}$")


def measure_ex1(inst):
    """``L(theta)`` at the critical point against ``inf_alpha L(alpha)`` found from other starts."""
    loss, Phi, y, lam, grad, _ = _basis_terms(inst)
    theta = inst["theta"]
    L = float(np.sum(lam * loss.value(Phi @ theta, y)))
    ls = np.linalg.lstsq(Phi * np.sqrt(lam)[:, None], y * np.sqrt(lam), rcond=None)[0]
    rng = np.random.default_rng(0)
    starts = [np.zeros_like(theta), ls, ls + rng.standard_normal(theta.size)]
    found = gb_infimum_convex(loss, Phi, inst["Y"], lam, starts, maxiter=150)
    n = Phi.shape[0] + theta.size
    slope = float(np.linalg.norm(grad)) * float(np.linalg.norm(found.alpha - theta))
    tol = Tolerance(gamma(n) * (L + found.value) + slope,
                    r"$\gamma_n(L(\theta)+L(\alpha))+\|\nabla L(\theta)\|\,\|\alpha-\theta\|$ "
                    r"(convexity: $L(\alpha)\ge L(\theta)+\langle\nabla L(\theta),\alpha-"
                    r"\theta\rangle$)")
    return decide(L, found.value, relation="<=", tolerance=tol, scale=max(L, found.value),
                  diagnostics={"grad_norm": float(np.linalg.norm(grad)),
                               "attained": found.attained, "alpha": found.alpha,
                               "size": _size(inst)})


def _welsch_instance() -> dict:
    """Welsch loss, ``f = theta`` (one constant feature), targets ``(0, 0, 5, 5, 5)``: theta
    near 0 is a local minimum with L ~ 3, the global minimum near 5 has L ~ 2."""
    y = np.array([0.0, 0.0, 5.0, 5.0, 5.0])
    lam = np.ones(5)
    theta = np.array([0.0])
    for _ in range(50):  # Newton on the 1-D Welsch objective from 0
        g = np.sum(lam * WELSCH.grad(theta[0], y))
        h = np.sum(lam * WELSCH.hess(theta[0], y))
        theta = theta - g / h
    return {"family": "basis", "widths": [1], "loss": "welsch", "X": np.ones((5, 1)),
            "Y": y[:, None], "lambda": lam, "theta": theta}


EX1 = Claim(
    id="k19.ex1", paper="k19", source="Example 1 (Section 3.2.2)",
    title="Classical basis models: every critical point is a global minimum",
    statement=r"f(x;\theta)=\sum_k\theta_k\varphi(x)_k,\ \nabla L(\theta)=0\Rightarrow "
              r"L(\theta)=\inf_\alpha L_\theta(\alpha)=\inf_{\theta'}L(\theta')",
    measure=measure_ex1, parse=functools.partial(parse, claim_id="k19.ex1"),
    strategy=lambda profile: strat.basis_instances(),
    hypotheses=[H_CONVEX, Hypothesis("critical", r"\nabla L(\theta)=0", _basis_critical)],
    controls=[Control("welsch", drops="asm1-convex-loss",
                      description=r"nonconvex Welsch loss $1-\exp(-(q-y)^2/2)$, $f=\theta$, "
                      "targets $(0,0,5,5,5)$: the critical point near 0 has $L=3.0>2.0$",
                      instances=lambda: [_welsch_instance()])],
    decides=r"A convex solve from 0 and from the least-squares point finds $\alpha$; the "
    "critical point must not be beaten by more than rounding plus the first-order slack "
    r"$\|\nabla L\|\,\|\alpha-\theta\|$ (which convexity makes exact).",
    errata=[Erratum("interpretation", r"As written $\varphi(x)_k$ is a scalar, so $d_y=1$; for "
                    r"$d_y>1$ read $f=\Phi(x)\theta$."),
            Erratum("method note", "Binary cross-entropy/logistic need non-separable data for a "
                    "critical point to exist; separable draws are filtered out (the infimum is "
                    "then not attained).")],
    edge_strategy=lambda profile: strat.basis_edges(),
    cost=cost_gradient_basis,
    parameters=P_DATA, relations=[R_PERMUTE, R_WEIGHTS, R_SPLIT, R_UNITS, R_DATA],
    size=_size, max_examples={"ci": 10},
)

register(EX1)


# -------------------------------------------------------------------- k19.ex3 (Example 3)

def measure_ex3(inst):
    """``L(theta)`` against the weighted least squares on the skip features ``[h1, h2]``."""
    model, rep = _model(inst), _report(inst)
    Phi = skip2_features(model, inst["theta"], inst["X"])
    s = np.sqrt(inst["lambda"])[:, None]
    basis = range_basis(Phi * s)
    Yh = inst["Y"] * s
    res = Yh - basis.U @ (basis.U.T @ Yh)
    ls = float(np.sum(res**2))
    kappa = basis.s_max / basis.s_min_plus if basis.rank else 1.0
    n = Phi.shape[0] + Phi.shape[1]
    d_res = gamma(n) * (kappa + 1) * float(np.linalg.norm(Yh))
    credit = rep.bound_hi if rep.critical else 0.0
    tol = Tolerance(rep.tau_round + 2 * math.sqrt(ls) * d_res + d_res**2 + credit,
                    r"$\tau_{\rm round}$ (k19.thm1) + the least-squares rounding of the "
                    r"feature fit $2\|\mathrm{res}\|\delta_{\rm res}+\delta_{\rm res}^2$, "
                    r"$\delta_{\rm res}=\gamma_n(\kappa+1)\|\hat y\|$, + the certified gap of an "
                    "approximate critical point when it is below rounding")
    return decide(rep.L, ls, relation="==", tolerance=tol, scale=max(rep.L, ls),
                  diagnostics={"grad_norm": rep.grad_norm, "inf_gradient_basis": rep.inf,
                               "feature_rank": basis.rank, "size": _size(inst)})


EX3 = Claim(
    id="k19.ex3", paper="k19", source="Example 3 (Section 3.2.2)",
    title="Skip connections to the output: critical points are optimal over learned features",
    statement=r"f=\sum_{l\in I^{(\rm skip)}}W^{(l+1)}h^{(l)}(x;u),\ \nabla L(\theta)=0\Rightarrow "
              r"L(\theta)=\inf_{\{\alpha^{(l+1)}\}}\sum_i\lambda_i\ell\big(\textstyle\sum_l"
              r"\alpha^{(l+1)}h^{(l)}(x_i;u),y_i\big)",
    measure=measure_ex3, parse=functools.partial(parse, claim_id="k19.ex3"),
    strategy=lambda profile: strat.skip2_points(),
    hypotheses=[Hypothesis("skip-connections", r"f=\sum_{l\in I^{(\rm skip)}}W^{(l+1)}"
                           r"h^{(l)}(x;u)",
                           lambda i: i["family"] == "skip2" or (
                               f"family {i['family']!r} is not a net with skip connections "
                               "to the output (Example 3's $f$)")),
                H_SQUARED, H_STRUCT, H_CRIT],
    controls=[Control("non-critical", drops="critical",
                      description="the same skip net at its (teacher-perturbed) start point: "
                      "$L$ exceeds the feature least squares",
                      instances=lambda: [_controls_cache()["skip-start"]])],
    decides=r"Weighted least squares on the concatenated skip features $[h_1,h_2]$ (all "
    r"output coordinates) against $L(\theta)$, within the rounding of both plus the certified "
    "gap.",
    errata=[Erratum("paper error", r"The paper justifies Assumption 2 by $f=(\partial "
                    r"f/\partial\operatorname{vec}W^{(H+1)})\operatorname{vec}W^{(H+1)}$, true "
                    r"only for $I^{(\rm skip)}=\{H\}$; the correct $g$ keeps every skip weight "
                    r"(sum over $l\in I^{(\rm skip)}$)."),
            Erratum("interpretation", r"The paper states $\le$ against the feature infimum; "
                    "since $f$ itself is in that class the relation is an equality, which is "
                    "what is checked."),
            Erratum("interpretation", "'Skip from the $(l-1)$th layer' vs the term "
                    "$W^{(l+1)}h^{(l)}$: we follow the term.")],
    edge_strategy=lambda profile: strat.skip_edges(),
    cost=cost_gradient_basis,
    parameters=P_DATA, relations=R_SECTION3,
    size=_size, max_examples={"ci": 6, "thorough": 250},
)

register(EX3)


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
