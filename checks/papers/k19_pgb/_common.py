"""Kawaguchi, Huang & Kaelbling (2019), Section 3: what the claims of the gradient basis and
the perturbable gradient basis share -- the instance format and its parsing, the parameters
and metamorphic relations, cost estimates, the cached reports of the two sides, the
hypotheses (Assumptions 1-2, criticality, local minimality, ``S`` in ``V[theta, eps]``), the
control instances, and the typesetting of numbers and conditions for the ledger.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from checks.framework import (
    Hypothesis,
    Parameter,
    Relation,
    Status,
    Verdict,
    decide,
    decide_flag,
)
from checks.inputs import BadInput, matrix, real, require, vector
from checks.oracles import InstanceCache, choice
from checks.strategies import k19_pgb as strat
from checks.tex import tex_number
from theory.gradient_basis import (
    convex_report,
    model_report,
    sample_weights,
)
from theory.losses import LOSSES, Loss
from theory.models.basis import (
    AUTOGRAD_LOSSES,
    FAMILIES,
    convex_objective,
    gauss_newton_diagonal,
    kink_clearance,
    make_model,
    model_jacobian,
    squared_objective,
)
from theory.numerics import unit_roundoff
from theory.optimize import second_order_condition
from theory.pgb import membership

_U = unit_roundoff()


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


def gradient_basis_report(inst):
    """Theorem 1's two sides for the squared loss (Section 3.2): the report of
    :func:`theory.gradient_basis.model_report` (``L``, the gradient-basis infimum, the
    certified gap of k19.ours1, the Assumption 2 residual), cached because the hypotheses and
    ``measure`` ask for it several times."""
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
    rep = gradient_basis_report(inst)
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
    rep = gradient_basis_report(inst)
    if not (math.isfinite(rep.grad_norm) and math.isfinite(rep.bound_hi)):
        return rf"$\|\nabla L\|$ or its certified gap {_OVERFLOW}"
    return rep.critical or (
        f"certified gap ${tex_number(rep.bound_hi)}$ exceeds rounding "
        rf"${tex_number(rep.tau_round)}$ ($\|\nabla L\| = {tex_number(rep.grad_norm)}$): not "
        "critical to working precision")


def _curvature(inst, objective):
    """:func:`theory.optimize.second_order_condition` on the Hessian of ``objective`` (the
    squared loss or a loss of Assumption 1), equilibrated by the Gauss-Newton diagonal."""
    model = _model(inst)
    H = objective(inst)[2](inst["theta"])
    return second_order_condition(np.asarray(H), gauss_newton_diagonal(
        model, inst["theta"], inst["X"], inst["lambda"]))


def _squared_loss(inst):
    return squared_objective(_model(inst), inst["X"], inst["Y"], inst["lambda"])


def _squared_curvature(inst):
    """:func:`_curvature` of the squared loss, cached: the local-minimum hypothesis and the
    diagnostics of Theorem 2 and Lemma 3 both ask for it."""
    keys = ("family", "widths", "X", "Y", "lambda", "theta")
    return _CACHE.get("curvature", {k: inst[k] for k in keys},
                      lambda: _curvature(inst, _squared_loss))


def _second_order(inst):
    """The second-order half of ``theta`` being a local minimum: certified, refuted (negative
    curvature beyond rounding), or undecided, which leaves the instance out of scope, since the
    conclusions of Theorem 2 and Lemma 3 are tested without credit for a saddle."""
    dec = _squared_curvature(inst)
    if dec.value is True:
        return True
    if dec.value is False:
        return dec.derivation + ": not a local minimum"
    return dec.derivation + ": local minimality cannot be certified"


def _record(dec) -> dict:
    n = dec.numbers
    return {"hess_min_eig": n["lambda_min"], "hess_tau": n["tol"],
            "second_order_ok": dec.value}


def _hessian_any(inst) -> dict:
    """Smallest equilibrated Hessian eigenvalue of ``L`` (autograd) for the ledger: Theorem 1
    holds at saddles too, so it is recorded, not tested."""
    if inst["loss"] not in AUTOGRAD_LOSSES:
        return {}
    return _record(_curvature(inst, lambda i: convex_objective(
        _model(i), i["X"], i["Y"], i["lambda"], i["loss"])))


def _hessian_diagnostics(inst) -> dict:
    return _record(_squared_curvature(inst))


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


def _uncertain_rank(rep):
    """``inconclusive`` when the rank of ``J_hat`` is not certified (a singular value in the
    ambiguity band): the infimum and ``sigma_min^+`` both depend on it."""
    if rep.rank_certain:
        return None
    return decide_flag(None, message=r"$\operatorname{rank}(\Lambda^{1/2}J)$ not certified "
                       "(a singular value in the ambiguity band): the infimum cannot be decided",
                       diagnostics=rep.diagnostics())


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
