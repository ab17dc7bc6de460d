"""Kawaguchi, Huang & Kaelbling (2019), Section 3.2.2: Examples 1-3 of Theorem 1 -- classical
basis models, over-parameterized ReLU features (footnote 1), skip connections to the output
(``k19.ex1``, ``k19.ex2``, ``k19.ex3``)."""

from __future__ import annotations

import functools
import math

import numpy as np

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Relation,
    Tolerance,
    decide,
)
from checks.inputs import BadInput, integer, matrix, real, require, vector
from checks.papers.k19_pgb._common import (
    _ALL_LOSSES,
    _OVERFLOW,
    H_CONVEX,
    H_CRIT,
    H_SQUARED,
    H_STRUCT,
    P_DATA,
    P_EXAMPLE2,
    R_DATA,
    R_PERMUTE,
    R_SECTION3,
    R_SPLIT,
    R_UNITS,
    R_WEIGHTS,
    _controls_cache,
    _model,
    _size,
    _welsch_instance,
    cost_example2,
    cost_gradient_basis,
    gradient_basis_report,
    parse,
    refuse_other_convention,
)
from checks.registry import register
from checks.strategies import k19_pgb as strat
from checks.tex import tex_number
from theory.gradient_basis import (
    gb_infimum_convex,
    range_basis,
    safe_norm,
)
from theory.models.basis import (
    example2_layers,
    relu_features,
    skip2_features,
)
from theory.numerics import gamma, unit_roundoff

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


def example2_delta(inst) -> float:
    """Example 2's separation ``delta = 1 - max_{i != j} <x_i^raw, x_j^raw>`` (footnote 1 of
    Section 3.2.2; 1 for a single sample)."""
    G = inst["X_raw"] @ inst["X_raw"].T
    m = G.shape[0]
    return float(1.0 - np.max(G - 3.0 * np.eye(m))) if m > 1 else 1.0


def _unit(inst):
    dev = float(np.max(np.abs(np.linalg.norm(inst["X_raw"], axis=1) - 1.0)))
    tol = gamma(inst["X_raw"].shape[1] + 1)
    return dev <= tol or (rf"$\max_i|\|x_i\|-1| = {tex_number(dev)} > "
                          rf"{tex_number(tol)}$")


def _separated(inst):
    d = example2_delta(inst)
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
        "delta": example2_delta(inst), "exact_zero_preactivations": pre_zero,
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



# -------------------------------------------------------------------- k19.ex3 (Example 3)

def measure_ex3(inst):
    """``L(theta)`` against the weighted least squares on the skip features ``[h1, h2]``."""
    model, rep = _model(inst), gradient_basis_report(inst)
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


register(EX2, EX1, EX3)
