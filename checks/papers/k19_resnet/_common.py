"""Kawaguchi, Huang & Kaelbling (2019), Section 4: what the claims of ResNets (§4.1) and of
nets with a locally induced partial linear structure (§4.2) share -- the instance format and its
parsing, the parameters and metamorphic relations, the cost estimate, the second-order
certificate of a local minimum, the proofs' perturbation sets ``S`` and the comparison of
``L(theta)`` with the basis-model least squares, with its derived tolerances.
"""

from __future__ import annotations

import math

import numpy as np

from checks.framework import (
    Hypothesis,
    Parameter,
    Relation,
    Tolerance,
    decide,
    decide_flag,
)
from checks.inputs import BadInput, integer, matrix, real, require, vector
from checks.oracles import choice
from checks.papers.k19_pgb import (
    refuse_other_convention,
)
from checks.strategies import k19_pgb as strat3
from checks.strategies import k19_resnet as strat
from theory.constructions import k19_section4 as k19s4
from theory.models.deep_linear import ACTIVATIONS
from theory.models.resnet import residual_features
from theory.numerics import gamma, unit_roundoff

_U = unit_roundoff()

# ----------------------------------------------------------------------------- parsing


def _parse_data(params, claim_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X`` (``m x d_x``), ``Y`` (``m x d_y``) and ``lambda`` (``m``, positive): samples x
    features with the weights under ``lambda``, as in every k19 claim (Section 3 too); the
    Section 4 layout of the mathematics (samples as columns) is refused with a message
    saying so."""
    refuse_other_convention(params, claim_id)
    require(params, "X", "Y", "lambda")
    X, Y = matrix(params, "X"), matrix(params, "Y")
    m = X.shape[0]
    if Y.shape[0] != m:
        hint = (" (these shapes fit features x samples: transpose both)"
                if Y.shape[1] == X.shape[1] else "")
        raise BadInput(f"Y: expected {m} rows, one per sample (X is samples x features "
                       f"(m x d_x) = {X.shape[0]} x {X.shape[1]}), got {Y.shape[0]}{hint}")
    weights = params["lambda"]
    if isinstance(weights, list | tuple) and len(weights) == X.shape[1] != m:
        raise BadInput(f"lambda: expected {m} weights, one per sample (X is samples x features "
                       f"(m x d_x) = {m} x {X.shape[1]}), got {len(weights)} (these shapes fit "
                       "features x samples: transpose X and Y)")
    lam = vector(params, "lambda", m)
    if np.any(lam <= 0):
        raise BadInput("lambda: the sample weights lambda_i must be > 0")
    return X, Y, lam


def _matrix_list(params, name: str, first_cols: int) -> list[np.ndarray]:
    """A chain of matrices M_1, M_2, ... with cols(M_1) = first_cols, cols(M_k) = rows(M_k-1)."""
    require(params, name)
    value = params[name]
    if not isinstance(value, list | tuple) or not value:
        raise BadInput(f"{name}: expected a non-empty list of matrices")
    mats, cols = [], first_cols
    for k, M in enumerate(value):
        mats.append(matrix({f"{name}[{k}]": M}, f"{name}[{k}]", (None, cols)))
        cols = mats[-1].shape[0]
    return mats


def parse_resnet(params, claim_id: str = "k19.thm3") -> dict:
    """Instance of Theorem 3 / Proposition 1: data, the point theta = (W, R, U), eps."""
    X, Y, lam = _parse_data(params, claim_id)
    d_x, d_y = X.shape[1], Y.shape[1]
    W = matrix(params, "W", (d_y, d_x))
    R = matrix(params, "R", (d_x, None))
    U = _matrix_list(params, "U", d_x)
    if U[-1].shape[0] != R.shape[1]:
        raise BadInput(f"U: the last layer has {U[-1].shape[0]} units but R has "
                       f"{R.shape[1]} columns (d_z)")
    eps = real(params, "eps", lo=1e-8, hi=1.0, default=strat.EPS)
    return {"X": X, "Y": Y, "lambda": lam, "W": W, "R": R, "U": U, "eps": eps}


def parse_feedforward(params, claim_id: str = "k19.thm4") -> dict:
    """Instance of Theorem 4: data, weights W^(1..H+1), per-unit activations, t, eps."""
    X, Y, lam = _parse_data(params, claim_id)
    Ws = _matrix_list(params, "Ws", X.shape[1])
    if Ws[-1].shape[0] != Y.shape[1]:
        raise BadInput(f"Ws: the last layer has {Ws[-1].shape[0]} rows but d_y = {Y.shape[1]}")
    H = len(Ws) - 1
    require(params, "activations")
    acts = params["activations"]
    if not isinstance(acts, list | tuple) or len(acts) != H:
        raise BadInput(f"activations: expected {H} lists of names (one per hidden layer)")
    for l, names in enumerate(acts, start=1):
        if (not isinstance(names, list | tuple) or len(names) != Ws[l - 1].shape[0]
                or any(n not in ACTIVATIONS for n in names)):
            raise BadInput(f"activations[{l - 1}]: expected {Ws[l - 1].shape[0]} names from "
                           f"{', '.join(ACTIVATIONS)}")
    t = integer(params, "t", lo=0, hi=H)
    eps = real(params, "eps", lo=1e-8, hi=1.0, default=strat.EPS)
    return {"X": X, "Y": Y, "lambda": lam, "Ws": Ws, "activations": [list(a) for a in acts],
            "t": t, "eps": eps}


def parse_deep_linear(params, claim_id: str = "k19.cor4") -> dict:
    """Instance of the deep-linear claims: data and the layer weights W^(1..H+1)."""
    X, Y, lam = _parse_data(params, claim_id)
    Ws = _matrix_list(params, "Ws", X.shape[1])
    if len(Ws) < 2:
        raise BadInput("Ws: a deep linear network needs at least one hidden layer")
    if Ws[-1].shape[0] != Y.shape[1]:
        raise BadInput(f"Ws: the last layer has {Ws[-1].shape[0]} rows but d_y = {Y.shape[1]}")
    inst = {"X": X, "Y": Y, "lambda": lam, "Ws": Ws}
    loss = choice(params, "loss", ("squared", "cross-entropy"), default="squared")
    if loss != "squared":  # squared instances carry no "loss" key (the default)
        if not np.all(np.isin(Y, (0.0, 1.0))):
            raise BadInput("Y: the cross-entropy needs labels in {0, 1}")
        inst["loss"] = loss
    return inst


# ------------------------------------------------------------- parameters and relations

P_DATA = [
    Parameter("X", "m x d_x", r"the inputs $x_i$ as rows (samples x features, as in every "
              "k19 claim)", "finite"),
    Parameter("Y", "m x d_y", r"the targets $y_i$ as rows", "finite; m rows"),
    Parameter("lambda", "m", r"the sample weights $\lambda_i$ of $L=\sum_i\lambda_i\ell"
              r"(f(x_i;\theta),y_i)$", "(0, inf)"),
]
_EPS = Parameter("eps", "scalar", r"the radius $\varepsilon$ of $V[\theta,\varepsilon]$ "
                 r"where the proof builds $S$ (Theorems 3-4 take $\varepsilon\in(0,"
                 r"\varepsilon_0)$)", "[1e-8, 1]", default=strat.EPS)
P_RESNET = [
    *P_DATA,
    Parameter("W", "d_y x d_x", r"the output weights $W$ of (4.1), $f=W(x+Rz(x;u))$", "finite"),
    Parameter("R", "d_x x d_z", r"the residual weights $R$ of (4.1)", "finite"),
    Parameter("U", "list: d_1 x d_x, ..., d_z x d_(k-1)", r"the layers of $u$: "
              r"$z(x;u)=\tanh(U_k\cdots\tanh(U_1x))$", "finite; a chain from d_x ending in "
              "d_z rows"),
    _EPS,
]
P_WS = Parameter("Ws", "list: d_1 x d_x, ..., d_y x d_H", r"the layers $W^{(1)},\dots,"
                 r"W^{(H+1)}$ of (4.3), $\theta=\operatorname{vec}([W^{(l)}]_l)$",
                 "finite; a chain from d_x ending in d_y rows")
P_FEEDFORWARD = [
    *P_DATA, P_WS,
    Parameter("activations", "H lists of d_l names", r"the activation $\sigma^{(l)}$ of each "
              "hidden unit", ", ".join(ACTIVATIONS)),
    Parameter("t", "scalar", r"the level $t$ of $\Theta_{d_y,t}$ (Theorem 4)",
              "integers in [0, H]"),
    _EPS,
]
P_DEEP_LINEAR = [
    *P_DATA, P_WS,
    Parameter("loss", "name", r"the convex loss $\ell$ (PA5)", "squared, cross-entropy "
              "(labels in {0, 1})", default="squared"),
]

R_SECTION4 = [
    Relation("permute-samples", "the samples in another order: $L$ is a sum over samples, so "
             "both sides are the same numbers summed in another order", strat3.permute_samples),
    Relation("scale-weights", r"$\lambda\to2^k\lambda$: $L$ and the least squares scale "
             r"by $2^k$; local minima and the relative slack are unchanged",
             strat3.scale_weights),
    Relation("split-sample", r"one sample replaced by two copies of weight $\lambda_i/2$: "
             r"$L$ is the same function of $\theta$", strat3.split_sample),
    Relation("signed-permutation-of-inputs", r"$x\to Px$, $P$ a signed permutation, with "
             r"the weights that read $x$ turned by $P^\top$: every output is unchanged",
             strat.signed_permutation_of_inputs),
    Relation("permute-hidden-units", "hidden units relabelled with their activations: the "
             "same function and the same partial linear structure, relabelled",
             strat.permute_hidden_units),
    Relation("scale-targets", r"squared loss: $y\to2^ky$ and the output layer by $2^k$: "
             r"$L$ and the least squares scale by $4^k$, local minima map to local minima; "
             r"(cross-entropy: $\lambda\to2^k\lambda$)", strat.scale_targets),
]


# ------------------------------------------------------------------------ cost estimates

def cost_second_order(inst) -> float:
    """Estimated seconds of a Section 4 check on this project's reference machine: the
    certificate's autograd Hessian (d_theta reverse passes of m d_y d_theta each; 0.42 s
    measured at m = 40, d_theta = 114, about 1e-6 s per unit of m d_theta^2) plus the fixed
    cost of building S and the least squares (up to 0.35 s measured for Theorem 4)."""
    if "Ws" in inst:
        d = sum(np.asarray(W).size for W in inst["Ws"])
    else:
        d = (np.asarray(inst["W"]).size + np.asarray(inst["R"]).size
             + sum(np.asarray(U).size for U in inst["U"]))
    return 0.35 + 1e-6 * inst["Y"].shape[0] * d * d


# ----------------------------------------------------------------------------- numbers

_CACHE: dict[int, tuple[dict, dict]] = {}


def _cached(inst: dict, key: str, compute):
    """Per-instance memo (hypotheses and the oracle share one certificate and one S)."""
    entry = _CACHE.get(id(inst))
    if entry is None or entry[0] is not inst:
        if len(_CACHE) > 64:
            _CACHE.clear()
        entry = (inst, {})
        _CACHE[id(inst)] = entry
    if key not in entry[1]:
        entry[1][key] = compute()
    return entry[1][key]


def local_min_certificate(inst, model) -> k19s4.Certificate:
    """The second-order certificate that ``theta`` is a local minimum of ``L`` (the hypothesis
    of Theorems 3 and 4, §4.1-4.2), for ``model`` one of
    :func:`checks.strategies.k19_resnet.resnet_model` and ``feedforward_model``; memoised per
    instance, since the hypotheses and the oracle share it."""
    def compute():
        _, theta, outputs = model(inst)
        return k19s4.certify_loss(outputs, theta, *strat.data(inst),
                                  inst.get("loss", "squared"))

    return _cached(inst, "certificate", compute)


def _local_min_hypothesis(model):
    def check(inst):
        cert = local_min_certificate(inst, model)
        if cert.status == "not-local-minimum":
            return r"$\theta$ is not a local minimum: " + cert.reason
        return True

    return Hypothesis("local-minimum", r"\theta \text{ is a local minimum of } L", check)


def output_tolerance(scale: float, n_layers: int, width: int) -> Tolerance:
    """Forward rounding of the outputs of the Section 4 networks (eqs. (4.1), (4.3)): each of
    n_layers products of inner dimension <= width
    errs by gamma_width times the product of the norms (``scale``), at theta and at the moved
    points theta + eps S_j."""
    return Tolerance(2 * n_layers * gamma(width) * scale,
                     r"$2n_{\rm layers}\gamma_{\rm width}$ (product of the layer norms) "
                     r"$\max_i\|x_i\|$")


def comparison_tolerance(cmp: k19s4.PGBComparison, feat: dict,
                         forward: float = 0.0) -> Tolerance:
    """The tolerance of Theorems 3 and 4 (proofs in Appendices A.4, A.5): rounding of the two
    least squares plus the effect of an approximate critical point, plus ``forward``, the
    rounding of L(theta) itself through the forward pass (:func:`forward_loss_error`).

    At theta, L - LS[phi] = ||P_F r||_Lambda^2 (f_X lies in range F), ||P_F r||_Lambda <=
    ||F^T Lambda r|| / sigma_min(F), and F^T Lambda r = C^T J_S^T Lambda r with J_S^T Lambda r =
    (grad L(theta + eps S_j) / 2)_j, which Lemma 3 equates with grad L(theta) at a local
    minimum (where both vanish): so, with each of those gradients no larger coordinate by
    coordinate than grad L(theta), ||P_F r||_Lambda <= || sum_j |C_j|^T |grad L(theta)| || /
    (2 sigma_min(F)) (``feat["lemma3"]``). Coordinate by coordinate rather than ||C|| ||grad
    L||, so that it scales as L does when the output layer and the targets are scaled (a
    product of norms mixes coordinates that scale by 2^k and 4^k).
    """
    kappa = feat["sigma_max"] / max(feat["sigma_min"], np.finfo(float).tiny)
    n = cmp.rows * max(len(cmp.features), 1)
    rounding = 4 * gamma(n) * kappa * cmp.target_norm**2
    crit = (feat["lemma3"] / max(feat["sigma_min"], np.finfo(float).tiny)) ** 2
    return Tolerance(rounding + crit + forward,
                     r"$4\gamma_{md_y}\kappa(F)\|y\|_\Lambda^2+\big(\|\sum_j|C_j|^\top"
                     r"|\nabla L(\theta)|\|/(2\sigma_{\min}(F))\big)^2$ (Lemma 3) $+\,2\|r\|_"
                     r"\Lambda\sqrt{d_y\sum_i\lambda_i}\,\delta+d_y\sum_i\lambda_i\,\delta^2$ "
                     r"(forward rounding $\delta$ of each output)")


def forward_loss_error(loss: float, lam: np.ndarray, d_y: int, delta: float) -> float:
    """How far the computed squared loss ``L = sum_i lambda_i ||r_i||^2`` of Section 4 (the
    loss of Theorems 3 and 4) can sit from the exact one when
    every output entry errs by at most ``delta`` (:func:`output_tolerance`): ``2 ||r||_Lambda
    sqrt(d_y sum lambda) delta + d_y sum lambda delta^2`` (Cauchy-Schwarz). A deep linear net
    with large layer norms rounds its outputs far above the least squares' own error: the
    thorough run under seed 3 found L(theta) 1.5e-11 below inf_A, against a tolerance of
    1.9e-12 without this term."""
    total = d_y * float(np.sum(lam))
    return 2 * math.sqrt(max(loss, 0.0) * total) * delta + total * delta**2


def resnet_numbers(inst) -> dict:
    """What Theorem 3's oracle compares (proof in Appendix A.4): the proof's ``S``, which
    branch built it, the :class:`PGBComparison` of ``L(theta)`` with the least squares on
    ``[x, z(x; u)]`` and on ``x`` (Proposition 1), and the forward rounding of the outputs."""
    def compute():
        shape, theta, outputs = strat.resnet_model(inst)
        S, info = k19s4.resnet_perturbation_set(shape, theta)
        X, Y, lam = strat.data(inst)
        Z = np.asarray(residual_features(X, inst["U"]))
        cmp = k19s4.pgb_comparison(outputs, theta, X, Y, lam, S, inst["eps"],
                                   {"x,z": np.vstack([X, Z]), "x": X})
        width = max(shape.d_x, shape.d_z, shape.d_y, *shape.u_widths)
        return {"S": S, "info": info, "cmp": cmp,
                "out_tol": output_tolerance(resnet_output_scale(inst), 2 + len(inst["U"]), width)}

    return _cached(inst, "numbers", compute)


def feedforward_numbers(inst, t: int) -> dict:
    """What Theorem 4's oracle compares at level ``t`` (proof in Appendix A.5): the partial
    linear structure, the proof's ``S``, the comparison of ``L(theta)`` with the least squares
    on ``[h^(t), ..., h^(H)]`` and on ``x`` (the deep-linear claims), and the forward
    rounding of the outputs."""
    def compute():
        net, theta, outputs = strat.feedforward_model(inst)
        X, Y, lam = strat.data(inst)
        sets, why = k19s4.partial_linear_sets(net, theta, X, t, relu_margin(inst))
        S, info = k19s4.feedforward_perturbation_set(net, theta, t, sets)
        hs = [np.asarray(h) for h in net.layer_outputs(theta, X)]
        cmp = k19s4.pgb_comparison(outputs, theta, X, Y, lam, S,
                                   inst.get("eps", strat.EPS),
                                   {"h(t..H)": np.vstack(hs[t:net.H + 1]), "x": X})
        return {"S": S, "info": {**info, "partial_linear": why}, "cmp": cmp,
                "out_tol": output_tolerance(feedforward_output_scale(inst), net.H + 1,
                                            max(net.widths))}

    return _cached(inst, f"numbers-t{t}", compute)


def resnet_output_scale(inst) -> float:
    """The size of the ResNet outputs of eq. (4.1), ``||W|| (max_i ||x_i|| + (||R|| + eps)
    sqrt(d_z))`` (spectral norms), at theta and
    at the moved points, whose R is R + eps a e_j^T (|z| <= 1 for tanh residuals). The eps
    term matters when ||R|| is small against eps: with inputs scaled by 2^-40 (R by 2^-40, W by
    2^40, the same outputs) the moves alone set the size of W a (a a computed null vector)."""
    R = inst["R"]
    return float(np.linalg.norm(inst["W"], 2) * (
        np.max(np.linalg.norm(inst["X"], axis=1))
        + (np.linalg.norm(R, 2) + inst["eps"]) * np.sqrt(R.shape[1])))


def feedforward_output_scale(inst) -> float:
    """The size of the outputs of the feedforward net of eq. (4.3), ``prod_l ||W^(l)||_2
    max_i ||x_i||``."""
    norms = [np.linalg.norm(W, 2) for W in inst["Ws"]]
    return float(np.prod(norms) * np.max(np.linalg.norm(inst["X"], axis=1)))


def relu_margin(inst) -> float:
    """The margin above which a ReLU pre-activation of eq. (4.3) is positive despite rounding
    (forward error bound): a ReLU unit above it on every sample is linear near theta, as the
    partial linear structure of §4.2.3 asks."""
    fan_in = max(W.shape[1] for W in inst["Ws"])
    return 2 * len(inst["Ws"]) * gamma(fan_in) * feedforward_output_scale(inst)


_RESNET_BRANCHES = {
    "rank(W) = d_y: S = {0}": r"$\operatorname{rank}W=d_y$: $S=\{0\}$",
    "rank(W) < d_y and Null(W) = {0}: no construction, S = {0}":
        r"$\operatorname{rank}W<d_y$ and $\operatorname{Null}(W)=\{0\}$: no construction, "
        r"$S=\{0\}$",
    "rank(W) < d_y: S = {0} u {R += eps a e_j^T, a in Null(W)}":
        r"$\operatorname{rank}W<d_y$: $S=\{0\}\cup\{R\mathrel{+}=\varepsilon ae_j^\top:"
        r"a\in\operatorname{Null}(W)\}$",
    "no partial linear structure: S = {0}": r"no partial linear structure: $S=\{0\}$",
    "S = {0}": r"$S=\{0\}$",
}


def branch_text(info: dict) -> str | None:
    """Which case of the proofs of Theorems 3 and 4 (Appendices A.4, A.5) built ``S``, typeset:
    the ResNet branches on ``rank W``, the feedforward moves along ``Null(P_l)`` at the levels
    ``l`` in ``info["built_levels"]``."""
    branch = info.get("branch")
    if branch is None or not branch.startswith("P_l singular"):
        return _RESNET_BRANCHES.get(branch, branch)
    levels = ", ".join(str(l) for l in info.get("built_levels", []))
    return (r"$P_l$ singular: $S=\{0\}\cup\{R^{(l+1)}\mathrel{+}=\varepsilon ae_j^\top:"
            rf"a\in\operatorname{{Null}}(P_l)\}}$ for $l\in\{{{levels}\}}$")


def partial_linear_text(why: str) -> str:
    """Why ``theta`` has no locally induced partial linear structure (§4.2.3), typeset: the
    construction's reason ``layer l has k admissible linear units < d_y = n`` (or ``ok``)."""
    words = why.split()
    if why.startswith("layer ") and len(words) == 11:
        return (f"layer ${words[1]}$ has ${words[3]} < d_y = {words[10]}$ admissible linear "
                "units")
    return why


def _compare(inst, numbers: dict, cert: k19s4.Certificate, feature: str, relation: str):
    """The common decision: certificate, S inside V, then L against the basis infimum."""
    cmp: k19s4.PGBComparison = numbers["cmp"]
    feat = cmp.features[feature]
    diag = {
        "certificate": cert.as_dict(), "branch": branch_text(numbers["info"]),
        "S_size": len(numbers["S"]), "max_output_change": cmp.max_output_change,
        "output_tolerance": numbers["out_tol"].value, "grad_at_S": cmp.grad_at_S,
        "pgb_infimum": cmp.pgb_infimum, "sigma_min_JS": cmp.sigma_min_JS,
        "features": cmp.features, "info": {
            k: (partial_linear_text(v) if k == "partial_linear" else v)
            for k, v in numbers["info"].items() if k != "branch"},
    }
    if cert.status == "undecided":
        return decide_flag(None, message=r"$\theta$ is not certified as a local minimum ("
                           + cert.reason + ")", diagnostics=diag)
    if (cmp.max_output_change > numbers["out_tol"].value
            or cmp.max_norm_S > 1 + 4 * _U):
        return decide_flag(None, message=r"the constructed $S$ is not inside "
                           r"$V[\theta,\varepsilon]$",
                           diagnostics=diag)
    forward = forward_loss_error(cmp.loss, inst["lambda"], inst["Y"].shape[1],
                                  numbers["out_tol"].value)
    tol = comparison_tolerance(cmp, feat, forward)
    return decide(cmp.loss, feat["infimum"], relation=relation, tolerance=tol,
                  scale=cmp.target_norm**2, diagnostics=diag)
