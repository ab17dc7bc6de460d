"""Kawaguchi, Huang & Kaelbling (2019), Section 4.2: nets with a locally induced partial linear
structure -- Theorem 4 (§4.2.3, proof in Appendix A.5), its deep-linear corollary and Laurent
& Brecht's Proposition 2 (``k19.thm4``, ``k19.cor4``, ``k19.prop2``)."""

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
    decide_flag,
)
from checks.papers.k19_pgb import (
    decide_against_solver,
)
from checks.papers.k19_resnet._common import (
    P_DEEP_LINEAR,
    P_FEEDFORWARD,
    R_SECTION4,
    _compare,
    _local_min_hypothesis,
    cost_second_order,
    feedforward_numbers,
    local_min_certificate,
    parse_deep_linear,
    parse_feedforward,
    partial_linear_text,
    relu_margin,
)
from checks.profiles import sized
from checks.registry import register
from checks.strategies import k19_resnet as strat
from theory.constructions import k19_section4 as k19s4
from theory.gradient_basis import gb_infimum_convex
from theory.linalg import certified_rank
from theory.losses import get_loss
from theory.numerics import gamma

# ----------------------------------------------------------------------------- Theorem 4


def _ff_partial_linear(inst):
    net, theta, _ = strat.feedforward_model(inst)
    sets, why = k19s4.partial_linear_sets(net, theta, strat.data(inst)[0], inst["t"],
                                          relu_margin(inst))
    return True if sets is not None else (
        rf"$\theta\notin\Theta_{{d_y,{inst['t']}}}$: " + partial_linear_text(why))


def _ff_differentiable(inst):
    net, theta, _ = strat.feedforward_model(inst)
    pre = net.preactivations(theta, strat.data(inst)[0])
    margin = relu_margin(inst)
    for l, names in enumerate(net.activations):
        for k, n in enumerate(names):
            if n == "relu" and np.min(np.abs(pre[l][k])) <= margin:
                return f"ReLU unit {k} of layer {l + 1} is at its kink on a sample"
    return True


def measure_thm4(inst):
    """Theorem 4: L(theta) <= LS[h^(t), ..., h^(H)] after building the proof's S."""
    return _compare(inst, feedforward_numbers(inst, inst["t"]),
                    local_min_certificate(inst, strat.feedforward_model), "h(t..H)", "<=")


def _ff_certified(inst) -> bool:
    return local_min_certificate(inst, strat.feedforward_model).status == "local-minimum"


def _ff_strategy(profile: str):
    # tanh units in layer 2 and wide tanh layers drift into saturation in most trained runs:
    # the small tier keeps d_1 = 2 and only identity units in layer 2
    return strat.partial_linear_local_minima(d_1=sized(profile, small=2, large=(2, 3)),
                                             extra=sized(profile, small=0, large=(0, 1)),
                                             m=sized(profile, small=30, large=(20, 40)),
                                             certified=_ff_certified)


def _nonlinear_t0() -> list[dict]:
    """The mixed tanh/identity net of the strategy, evaluated at t = 0: layer 1 has no linear
    unit, so theta is not in Theta_(d_y, 0), and LS[x, h1, h2] is below L."""
    out = []
    for seed in (11, 12, 13):
        inst = dict(strat.build_partial_linear(seed, 3, 3, 2, 1, 20))
        inst["t"] = 0
        out.append(inst)
    return out


def _ff_size(inst):
    return {"m": inst["X"].shape[0], "H": len(inst["Ws"]) - 1, "d_y": inst["Y"].shape[1],
            "d_theta": sum(W.size for W in inst["Ws"])}


THM4 = Claim(
    id="k19.thm4", paper="k19", source="Theorem 4, §4.2.3, proof in Appendix A.5",
    title="Local minima with a locally induced partial linear structure are no worse than the "
    "best linear combination of the layer outputs from $t$ on",
    statement=r"L(\theta)=\inf\tilde L^{(\rm ff)}_{\theta,t}\le\inf_{\alpha_h}\sum_i\lambda_i"
    r"\ell_{y_i}\Big(\sum_{l=t}^H\alpha_h^{(l+1)}h^{(l)}(x_i;\theta)\Big)",
    measure=measure_thm4, parse=functools.partial(parse_feedforward, claim_id="k19.thm4"),
    strategy=_ff_strategy,
    hypotheses=[Hypothesis("partial-linear", r"\theta\in\Theta_{d_y,t}", _ff_partial_linear),
                Hypothesis("differentiable", r"\theta\notin\tilde\Omega", _ff_differentiable),
                _local_min_hypothesis(strat.feedforward_model)],
    controls=[Control("no-linear-layer", drops="partial-linear",
                      description=r"tanh layer 1, $t=0$: $\theta$ is not in $\Theta_{(d_y,0)}$ and "
                      r"the least squares on $[x,h_1,h_2]$ is strictly below $L$.",
                      instances=_nonlinear_t0)],
    decides=r"Checks $\theta\in\Theta_{d_y,t}$ (identity units, ReLU units with a certified "
    "margin, the exact zero pattern of condition 3), certifies the local minimum, builds the "
    r"proof's $S$ ($R^{(l+1)}$-moves along $\operatorname{Null}(P_l)$ where "
    r"$P_l=A^{(H+1)}\cdots A^{(l+2)}$ is singular) and checks it leaves the outputs unchanged, "
    r"then decides $L\le\mathrm{LS}[h^{(t)},\dots,h^{(H)}]$.",
    errata=[Erratum("interpretation", r"The statement reads $t\in\{1,\dots,H\}$; the proof "
                    r"and the deep-linear corollary use $t\in\{0,\dots,H\}$ ($h^{(0)}=x$); we "
                    r"take $t\in\{0,\dots,H\}$."),
            Erratum("method note", r"Strategies reach only $t=H-1$ (condition 3 is an exact "
                    r"zero block, non-generic at trained points for $t\le H-2$). $S$ is built "
                    r"for every singular $P_l$ whose successor $P_{l+1}$ has rank $d_y$ "
                    r"($l^*=l+3$), at any level; runs of consecutive singular $P_l$ need the "
                    "proof's longer chains and are not built (info.complete = False in the "
                    r"diagnostics). The $l\le H-2$ case is tested structurally (outputs "
                    r"unchanged, features in $\operatorname{range}J_S$), not at local minima."),
            Erratum("paper error", r"In the proof $\alpha_h^{(l)}\in\mathbb R^{d_\theta\times "
                    r"d_l}$ should read $\mathbb R^{d_y\times d_l}$.")],
    size=_ff_size, max_examples={"ci": 4, "thorough": 60},
    edge_strategy=lambda profile: strat.partial_linear_edges(),
    cost=cost_second_order,
    parameters=P_FEEDFORWARD, relations=R_SECTION4,
)

# ----------------------------------------------------------------------------- deep linear


def measure_cor4(inst):
    """Deep linear corollary: L(theta) = inf_A sum_i lambda_i ||A x_i - y_i||^2."""
    if inst.get("loss", "squared") != "squared":
        return _deep_linear_convex(inst)
    return _compare(inst, feedforward_numbers(inst, 0),
                    local_min_certificate(inst, strat.feedforward_model), "x", "==")


def measure_prop2(inst):
    """Laurent & Brecht: the local minimum is global, L(theta) = inf_A sum lambda ||A x - y||^2
    (under PA6 every A is a product of the layers); other convex losses by a convex solve."""
    if inst.get("loss", "squared") != "squared":
        return _deep_linear_convex(inst)
    return _compare(inst, feedforward_numbers(inst, 0),
                    local_min_certificate(inst, strat.feedforward_model), "x", "==")


def _chain(Ws: list[np.ndarray], d: int) -> np.ndarray:
    out = np.eye(d)
    for W in Ws:
        out = W @ out
    return out


def _deep_linear_convex(inst):
    """L(theta) against inf_A F(A), F(A) = sum_i lambda_i sum_k l((A x_i)_k, y_ik), for a
    convex loss other than the squared one (L-BFGS + Newton from A_theta and from 0).

    Tolerance: rounding ``2 gamma_n (L + sum lambda |l'(q)| |q|)`` plus, at a certified local
    minimum, the convexity bound ``L - F(A*) <= ||G|| ||A* - A_theta||`` with the end-to-end
    gradient ``G = sum_i lambda_i l'(A_theta x_i) x_i^T`` bounded through the certified
    ``||grad L||``: ``grad_{W1} L = P^T G`` and ``grad_{W_{H+1}} L = G Q^T`` (``P = W_{H+1} ..
    W_2``, ``Q = W_H .. W_1``), so ``||G|| <= ||grad L|| / max(s_{d_y}(P), s_{d_x}(Q))`` over the
    products of certified full rank (no credit when neither is)."""
    (X, Y, lam), Ws = strat.data(inst), inst["Ws"]
    loss = get_loss(inst["loss"])
    cert = local_min_certificate(inst, strat.feedforward_model)
    d_x, m = X.shape
    d_y = Y.shape[0]
    A = _chain(Ws, d_x)
    Jx = np.vstack([np.kron(np.eye(d_y), X[:, i][None, :]) for i in range(m)])
    found = gb_infimum_convex(loss, Jx, Y.T, lam, [A.ravel(), np.zeros(A.size)])
    Q, q = A @ X, (Jx @ found.alpha).reshape(m, d_y).T
    w = lam[None, :]
    L = float(np.sum(w * loss.value(Q, Y)))
    n = m * d_y + A.size
    tau = 2 * gamma(n) * max(float(np.sum(w * (loss.value(v, Y) + np.abs(loss.grad(v, Y) * v))))
                             for v in (Q, q))
    G = (w * loss.grad(Q, Y)) @ X.T
    P, Qh = _chain(Ws[1:], Ws[0].shape[0]), _chain(Ws[:-1], d_x)
    sig = [float(np.linalg.svd(M, compute_uv=False)[k - 1])
           for M, k in ((P, d_y), (Qh, d_x)) if certified_rank(M).rank >= k and k <= min(M.shape)]
    g_bound = cert.grad_norm / max(sig) if sig else float("inf")
    radius = float(np.linalg.norm(found.alpha - A.ravel()))
    credit = g_bound * radius if (cert.status == "local-minimum" and sig) else 0.0
    diag = {"certificate": cert.as_dict(), "inf_A": found.value,
            "attained": found.attained,
            "end_to_end_grad_norm": float(np.linalg.norm(G)), "end_to_end_grad_bound": g_bound,
            "radius": radius, "tau_round": tau, "loss": inst["loss"]}
    if cert.status == "undecided":
        return decide_flag(None, message=r"$\theta$ is not certified as a local minimum ("
                           + cert.reason + ")", diagnostics=diag)
    if not found.attained:
        return decide_flag(None, message=rf"$\inf_A$ not attained ({found.note})",
                           diagnostics=diag)
    tol = Tolerance(tau + credit, r"$2\gamma_n\big(L+\sum_i\lambda_i|\ell'(q_i)||q_i|\big)+"
                    r"\|\nabla L\|/\max(\sigma_{d_y}(P),\sigma_{d_x}(Q))\,\|A^*-A_\theta\|$ "
                    r"(convexity; $\nabla_{W_1}L=P^\top G$, $\nabla_{W_{H+1}}L=GQ^\top$)")
    return decide_against_solver(L, found.value, tolerance=tol, scale=max(L, found.value),
                                 diagnostics=diag)


def _min_width(inst) -> int:
    return min(W.shape[0] for W in inst["Ws"][:-1])


_DL_WIDTH = Hypothesis(
    "dy<=min-widths", r"d_y\le\min\{d_1,\dots,d_H\}",
    lambda i: i["Y"].shape[1] <= _min_width(i)
    or rf"$d_y = {i['Y'].shape[1]} > \min_l d_l = {_min_width(i)}$")
_PA6 = Hypothesis(
    "PA6", r"\min\{d_x,d_y\}\le\min\{d_1,\dots,d_H\}",
    lambda i: min(i["X"].shape[1], i["Y"].shape[1]) <= _min_width(i)
    or rf"$\min\{{d_x,d_y\}} > \min_l d_l = {_min_width(i)}$")


def _dl_certified(inst) -> bool:
    return local_min_certificate(inst, strat.feedforward_model).status == "local-minimum"


def _bottleneck() -> list[dict]:
    """d_x = d_y = 3 and widths (1, 4): the trained point is the reduced-rank (rank 1)
    regression, strictly above the unconstrained least squares."""
    return [strat.build_deep_linear(seed, (3, 1, 4, 3), 15) for seed in (0, 1)]


def _dl_saddle() -> list[dict]:
    """theta = 0 of f = W2 W1 x: a critical point whose Hessian has the block
    [[0, -2 Y Lambda X^T], [., 0]], hence a negative eigenvalue; L = sum lambda ||y||^2."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 10))
    Y = rng.standard_normal((2, 2)) @ X + 0.1 * rng.standard_normal((2, 10))
    return [strat.instance(X, Y, np.ones(10), Ws=[np.zeros((2, 2)), np.zeros((2, 2))])]


def _dl_size(inst):
    return {"m": inst["X"].shape[0], "H": len(inst["Ws"]) - 1, "d_x": inst["X"].shape[1],
            "d_y": inst["Y"].shape[1]}


_DL_SADDLE = Control("saddle", drops="local-minimum",
                     description=r"$\theta=0$ of a one-hidden-layer linear net: a strict saddle "
                     r"with $L=\|Y\|_\Lambda^2$ above the least squares.", instances=_dl_saddle)


def _dl_strategy(profile: str, min_width=None):
    H = sized(profile, small=(1, 2), large=(1, 3))
    return strat.deep_linear_local_minima(H=H, min_width=min_width, certified=_dl_certified)


COR4 = Claim(
    id="k19.cor4", paper="k19", source="§4.2.3, deep-linear special case of Theorem 4",
    title=r"Deep linear nets with $d_y\le\min$ widths: every local minimum is global",
    statement=r"L(\theta)=\inf_{A\in\mathbb R^{d_y\times d_x}}\sum_i\lambda_i\ell_{y_i}(Ax_i)",
    measure=measure_cor4, parse=functools.partial(parse_deep_linear, claim_id="k19.cor4"),
    strategy=_dl_strategy,
    hypotheses=[_DL_WIDTH, _local_min_hypothesis(strat.feedforward_model)],
    controls=[Control("bottleneck", drops="dy<=min-widths",
                      description="$d_x=d_y=3$, widths $(1,4)$: the local (and global) minimum "
                      "of the parameterised model is the rank-1 reduced-rank regression, "
                      r"strictly above $\inf_A$; the theorem's value is then not attained.",
                      instances=_bottleneck),
              _DL_SADDLE],
    decides=r"Certifies $\theta$, builds $S$ (Theorem 4 at $t=0$), then decides "
    r"$L=\mathrm{LS}[x]$ (the least-squares optimum of the end-to-end map "
    r"$A=W^{(H+1)}\cdots W^{(1)}$).",
    errata=[Erratum("transcription", r"The surviving inline display reads "
                    r"$\alpha_x\in\mathbb R^{d_x}$; it must be $\mathbb R^{d_y\times d_x}$.")],
    size=_dl_size, max_examples={"ci": 4, "thorough": 400},
    edge_strategy=lambda profile: strat.deep_linear_edges(),
    cost=cost_second_order,
    parameters=P_DEEP_LINEAR, relations=R_SECTION4,
)

PROP2 = Claim(
    id="k19.prop2", paper="k19", source="Proposition 2 (Laurent & Brecht, 2018), PA4-PA6",
    title=r"Laurent & Brecht: deep linear nets with $\min(d_x,d_y)\le\min$ widths have no bad "
    "local minima",
    statement=r"L(\theta)=\min_{\theta'}L(\theta')=\inf_{A}\sum_i\lambda_i\ell_{y_i}(Ax_i)",
    measure=measure_prop2, parse=functools.partial(parse_deep_linear, claim_id="k19.prop2"),
    strategy=lambda profile: st.one_of(
        _dl_strategy(profile, "min_dx_dy"),
        strat.deep_linear_ce_local_minima(certified=_dl_certified)),
    hypotheses=[_PA6, _local_min_hypothesis(strat.feedforward_model)],
    controls=[_DL_SADDLE],
    decides=r"Certifies $\theta$, then decides $L=\mathrm{LS}[x]$; under PA6 every $A$ is a "
    r"product of the layers, so $\mathrm{LS}[x]$ is the global minimum value of $L$.",
    errata=[Erratum("transcription", "PA6's relation symbol is lost in the text we worked from; "
                    r"read as $\min\{d_x,d_y\}\le\min\{d_1,\dots,d_H\}$."),
            Erratum("method note", "PA5 (any convex differentiable loss) is exercised with the "
                    "squared loss and the cross-entropy (each input carries both labels, so "
                    r"$\inf_A$ is attained); the cross-entropy value is a convex solve over $A$."),
            Erratum("method note", "Dropping PA6 is no control with the squared loss: the "
                    "bottleneck net still converges to the rank-constrained global value, so "
                    "'local = global' survives. The control drops local minimality instead.")],
    size=_dl_size, max_examples={"ci": 4, "thorough": 600},
    edge_strategy=lambda profile: strat.deep_linear_edges(),
    cost=cost_second_order,
    parameters=P_DEEP_LINEAR, relations=R_SECTION4,
)


register(THM4, COR4, PROP2)
