"""Jiang (2019) §3.2, going back to literal space: the chain rule through the disparity
matrix (eqs. (8)-(9)), Lemma 1 (a stationary point with full-rank ``H`` is a global minimum,
eq. (10)) with its quantitative form (ours1, a Polyak-Lojasiewicz inequality), and Lemma 2
(stationary points with rank-deficient ``H``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Status,
    Tolerance,
    Verdict,
    decide,
)
from checks.oracles import choice
from checks.papers.j19_disparity._common import (
    FORMAL,
    NET_PARAMETERS,
    NOISE_DERIVATION,
    PAPER,
    RANK_NOTE,
    cost_of,
    disparity_with_rounding,
    edge_rank_networks,
    enough_weights,
    few_samples,
    min_canonical_loss,
    network_of,
    objective_bundle,
    parse_net,
    rank_state,
    relations_of,
    size_of,
    space_of,
)
from checks.strategies.j19_disparity import (
    edge_networks,
    kill_units,
    network_instance,
    networks,
)
from checks.tex import tex_number
from theory.fourier import (
    CanonicalSpace,
    canonical_loss,
    design_matrix,
    disparity_matrix,
    gauss_newton,
    network_coordinates,
    quadrature_weights,
    real_basis,
    relu_kinks_on_grid,
    true_loss_gradient,
    truncation_error,
    unit_indices,
)
from theory.jacobian import jacobian
from theory.linalg import certified_rank
from theory.numerics import gamma

__all__ = ["EQ8", "LEM1", "OURS1", "LEM2"]

def _edge_eq8(profile: str) -> Any:
    """Eqs. (8)-(9) on edge networks of every activation (ReLU kinks on nodes come out of
    scope: F is not differentiable there)."""
    return edge_networks(K=st.sampled_from([1, 1, 2]), n=st.integers(1, 2),
                         activation=st.sampled_from(["relu", "tanh", "sigmoid", "softplus"]),
                         h_extra=st.integers(-2, 1), scale=3.0).map(
        lambda i: {**i, "quadrature_H": "trapezoid"})


def _edge_lem2(profile: str) -> Any:
    """Lemma 2 at its edges: all-dead networks whose units are dead only just (``w.x + b <= 0``
    with 0 on a face: a kink on the node ``x = 0`` or ``x = 1``, out of scope), dead with
    ``w_j = 0, b_j = 0`` (a kink at every node), at ``2^-40`` / ``2^40`` scales of labels and
    output bias, with constant labels (case (i))."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        h, n, T = draw(st.integers(1, 4)), draw(st.integers(1, 2)), draw(st.integers(1, 4))
        inst = _all_dead(draw(st.integers(0, 2**31 - 1)), h=h, n=n, T=T)
        net = network_of(inst)
        w = inst["w"].copy()
        kind = draw(st.sampled_from(["deep", "deep", "touching-face", "zero-unit"]))
        if kind != "deep":
            idx = unit_indices(net, 0)
            w[idx[0]], w[idx[1]] = (0.0, 0.0) if kind == "zero-unit" else (-1.0, 0.0)
        y = inst["y"]
        if draw(st.booleans()):
            y = np.full(T, w[-1])
        k = draw(st.sampled_from([-40, 0, 40]))
        w[-1] = np.ldexp(w[-1], k)
        return {**inst, "w": w, "y": np.ldexp(y, k)}

    return build()


# eqs. (8)-(9)


def _parse_eq8(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_net(params)
    inst["quadrature_H"] = choice(params, "quadrature_H", ("trapezoid", "rectangle"),
                                   default="trapezoid")
    return inst


def _autograd_gradient(space: CanonicalSpace, model: Any, w: np.ndarray, X: np.ndarray,
                       y: np.ndarray) -> np.ndarray:
    """grad_w F by reverse mode through an explicit quadrature (basis matrix x weights):
    independent of H, of the FFT and of the analytic Jacobian."""
    G = space.grid()
    BW = real_basis(space, G) * quadrature_weights(space)[:, None]
    Phi = design_matrix(space, X)

    def F(theta: Any) -> Any:
        c = anp.dot(model.forward_traced(theta, G)[:, 0], BW)
        r = anp.dot(Phi, c) - y
        return anp.dot(r, r)

    return autograd.grad(F)(w)


def _differentiable(i: Mapping[str, Any]) -> bool | str:
    """``F(w) = Qhat(c(w))`` is differentiable at ``w``: no ReLU pre-activation is 0 (within its
    rounding bound) at a quadrature node (:func:`theory.fourier.relu_kinks_on_grid`). At such a
    node ``c(w)`` has different one-sided derivatives in the unit's ``(w_j, b_j)``, so eqs.
    (8)-(9) and stationarity have no meaning there."""
    if i.get("model") == "sigmoid-product":
        return True
    space = space_of(i)
    kinks = relu_kinks_on_grid(space, network_of(i), i["w"])
    if not kinks:
        return True
    j, node = kinks[0]
    x = ", ".join(f"{v:.6g}" for v in space.grid()[node])
    return (f"a ReLU pre-activation is exactly 0 at a quadrature node (unit {j}, $x=({x})$; "
            f"{len(kinks)} such nodes): $F$ is not differentiable there")


def _measure_eq8(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    X, y, w = inst["X"], inst["y"], inst["w"]
    b = objective_bundle(space, model, w, X, y)
    H = b["H"] if inst["quadrature_H"] == "trapezoid" else \
        disparity_matrix(space.with_quadrature(inst["quadrature_H"]), model, w)
    gF = H @ b["gc"]
    ref = _autograd_gradient(space, model, w, X, y)
    err = float(np.linalg.norm(gF - ref))
    # approximate identity for the network's own loss: grad Q = H grad_c + r_L
    gQ = true_loss_gradient(model, w, X, y)
    J = np.asarray(jacobian(model, w, X, method="analytic"))
    Phi = b["Phi"]
    HP = H @ Phi.T  # column t: truncated derivative at x_t
    g_true = 2 * (np.asarray(model.forward(w, X))[:, 0] - y)
    g_can = 2 * (Phi @ b["c"] - y)
    r = float(np.linalg.norm(gQ - gF))
    bound = float(np.sum(np.abs(g_true) * np.linalg.norm(J.T - HP, axis=0)
                         + np.abs(g_true - g_can) * np.linalg.norm(HP, axis=0)))
    diag = {"exact_error": err, "grad_norm": float(np.linalg.norm(ref)), "r_L": r,
            "r_L_bound": bound, "r_L_relative": r / max(float(np.linalg.norm(gQ)), 1e-300),
            "truncation_error": truncation_error(space, model, w, X)}
    tol_b = Tolerance(2 * b["noise"] + 8 * gamma(X.shape[0] * w.size) * bound,
                      r"$2\nu+8\gamma_{TM}B$, $B$ the truncation bound of $\|r_L\|$ and $\nu$ "
                      r"the rounding bound of $\nabla_wF$, " + NOISE_DERIVATION)
    approx = decide(r, bound, relation="<=", tolerance=tol_b,
                    scale=max(bound, r, float(np.linalg.norm(gQ))))
    if approx.status is Status.VIOLATED:
        approx.diagnostics.update(diag)
        approx.message = r"the residual $r_L$ exceeds its truncation bound"
        return approx
    return decide(err, 0.0, relation="<=",
                  tolerance=Tolerance(2 * b["noise"], r"$2\nu$, $\nu=$ " + NOISE_DERIVATION),
                  scale=max(float(np.linalg.norm(ref)), b["noise"]), diagnostics=diag)


def _eq8_strategy(profile: str) -> Any:
    return networks(K=st.sampled_from([1, 1, 2]), n=st.integers(1, 2),
                    activation=st.sampled_from(["relu", "tanh", "sigmoid", "softplus"]),
                    h_extra=st.integers(-2, 1), scale=3.0).map(
        lambda i: {**i, "quadrature_H": "trapezoid"})


EQ8 = Claim(
    id="j19.eq8", paper=PAPER, source="eqs. (8)-(9)",
    title=r"Chain rule: $\nabla_w=H(w)\nabla_c$ (exact for the truncated objective)",
    statement=r"\nabla_w\hat Q(c(w))=H(w)\,\nabla_c\hat Q(c(w));\quad "
              r"\nabla_wQ(w)=H(w)\nabla_c\hat Q(c(w))+r_L,\ "
              r"\|r_L\|\le\sum_t|g_t^{\rm true}|\|J_t-H\phi(x_t)\|"
              r"+|g^{\rm true}_t-g_t|\|H\phi(x_t)\|",
    measure=_measure_eq8, parse=_parse_eq8, strategy=_eq8_strategy,
    hypotheses=[Hypothesis("differentiable", r"F\text{ differentiable at }w\ (\text{no ReLU "
                           r"kink on a quadrature node})", _differentiable),
                Hypothesis("same-quadrature", r"c(w)\text{ and }H(w)\text{ use one quadrature}",
                           lambda i: i["quadrature_H"] == "trapezoid"
                           or "$H$ uses a different quadrature from $c(w)$")],
    controls=[Control("rectangle-H", "same-quadrature",
                      "$H$ from the rectangle rule, $c(w)$ from the trapezoid rule: the 'exact' "
                      "identity is off by $O(1/N)$, which shows the check is sharp",
                      instances=lambda: [{**network_instance(1, 2, 6, "tanh", 4, 8, scale=3.0),
                                          "quadrature_H": "rectangle"}])],
    decides=r"$H(w)\nabla_c$ (analytic Jacobian on the grid, FFT) against reverse-mode "
            r"autograd of $w\mapsto|\Phi B^\top\operatorname{diag}(\text{weights})\,"
            r"f_w(\text{grid})-y|^2$ (explicit basis quadrature), within a derived rounding "
            r"bound; also $|r_L|\le$ its truncation bound for the true loss.",
    errata=[FORMAL, Erratum("paper error", "The paper's identity is exact only for the "
                            r"truncated objective $\hat Q(c(w))$; for the network loss $Q(w)$ "
                            "it holds up to $r_L$, which the paper drops (measured "
                            r"$|r_L|/|\nabla Q|$ is reported as the diagnostic 'r_L_relative')."),
            Erratum("method note", "Real coordinates avoid the Wirtinger calculus a complex "
                    "chain rule would need.")],
    size=size_of,
    cost=cost_of(5.0),
    parameters=[*NET_PARAMETERS,
                Parameter("quadrature_H", "name", r"the quadrature of $H(w)$ ($c(w)$ always "
                          "uses the trapezoid rule)", "trapezoid, rectangle", "trapezoid")],
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs",
                           exact=("permute-samples", "permute-units")),
    edge_strategy=_edge_eq8,
)


# Lemma 1 and its quantitative form (ours1)


def _H_full(i: Mapping[str, Any]) -> bool | str:
    H, err = disparity_with_rounding(i)
    state, info = rank_state(H, (2 * i["n"] + 1) ** i["K"], i, err)
    return state == "FULL" or "$H$ not certified FULL ($s=" + tex_number(info.get("s", 0)) + "$)"


def _measure_lem1(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    b = objective_bundle(space, model, inst["w"], inst["X"], inst["y"])
    qmin, qerr, _ = min_canonical_loss(b["Phi"], inst["y"])
    g = float(np.linalg.norm(b["gF"]))
    L = space.L
    sH = np.linalg.svd(b["H"], compute_uv=False)
    sig_L = float(sH[L - 1]) if sH.size >= L else 0.0
    cert_Phi = certified_rank(b["Phi"])  # sigma_r: the smallest value above the noise floor
    sig_r = float(cert_Phi.singular_values[cert_Phi.rank - 1])
    gap = b["F"] - qmin
    scale = max(b["F"], float(inst["y"] @ inst["y"]), 1e-300)
    tolF = Tolerance(qerr + 8 * b["g_n"] * scale, r"least-squares bound "
                     r"$+\,8\gamma_{G+L+T+2\log_2G}\max(F,\|y\|^2)$")
    diag = {"grad_norm": g, "grad_noise": b["noise"], "sigma_L_H": sig_L, "sigma_r_Phi": sig_r,
            "F": b["F"], "min_Qhat": qmin}
    if g <= b["noise"]:
        diag["branch"] = "stationary"
        return decide(gap, 0.0, relation="<=", tolerance=tolF, scale=scale, diagnostics=diag,
                      message=r"stationary point ($\|\nabla_wF\|$ at rounding level): $F$ must "
                      "be minimal")
    diag["branch"] = "quantitative"
    bound = (g + b["noise"]) ** 2 / (4 * sig_L**2 * sig_r**2) if sig_L > 0 else math.inf
    return decide(gap, bound, relation="<=", tolerance=tolF, scale=scale, diagnostics=diag)


def _lem1_strategy(profile: str) -> Any:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        inst = draw(networks(K=1, n=st.integers(1, 2), activation=st.sampled_from(["relu", "tanh"]),
                             N=256))
        if draw(st.booleans()):  # drive it to a stationary point (Gauss-Newton)
            trained = {**inst, "w": gauss_newton(space_of(inst), network_of(inst), inst["w"],
                                                 inst["X"], inst["y"])}
            if _H_full(trained) is True:  # Gauss-Newton may kill units; keep H full rank
                return trained
        return inst

    return build()


def _all_dead(seed: int, h: int = 6, n: int = 3, T: int = 5) -> dict[str, Any]:
    """The all-dead ReLU network (the Lemma 1 control): every unit dead on the
    cube, output bias = mean label, so grad_w F = 0 while F > min F."""
    inst = network_instance(1, n, h, "relu", T, seed, N=256)
    inst = kill_units(inst, list(range(h)))
    w = inst["w"].copy()
    w[-1] = float(np.mean(inst["y"]))
    return {**inst, "w": w}


LEM1 = Claim(
    id="j19.lem1", paper=PAPER, source="Lemma 1, eq. (10)",
    title="A stationary point with full-rank disparity matrix is a global minimum",
    statement=r"\operatorname{rank}H(w)=L\ \Rightarrow\ F(w)-\min\hat Q\le"
              r"\frac{\|\nabla_wF(w)\|^2}{4\sigma_L(H)^2\sigma_r(\Phi)^2};\ "
              r"\nabla_wF(w)=0\Rightarrow F(w)=\min\hat Q",
    measure=_measure_lem1, parse=parse_net, strategy=_lem1_strategy,
    hypotheses=[Hypothesis("M>=L", r"M\ge L", enough_weights),
                Hypothesis("H-full-rank", r"\operatorname{rank}H(w)=L\ (\text{certified})",
                           _H_full)],
    controls=[Control("all-dead", "H-full-rank",
                      r"all ReLU units dead on the cube, output bias $=\operatorname{mean}(y)$: "
                      r"$\nabla_wF=0$ (exactly stationary, a flat non-strict local minimum), "
                      r"$\operatorname{rank}H=1$, but $F=\sum_t(y_t-\bar y)^2>\min F=0$",
                      instances=lambda: [_all_dead(s) for s in (1, 2)])],
    decides=r"At a point whose $|\nabla_wF|$ is within the rounding bound of 0 the conclusion "
            r"is $F=\min\hat Q$ (least squares); elsewhere the lemma's proof with a rate: "
            r"$F-\min\le|\nabla F|^2/(4\sigma_L(H)^2\sigma_r(\Phi)^2)$. Half of the drawn "
            "points are first driven to stationarity by Gauss-Newton.",
    errata=[FORMAL, RANK_NOTE, Erratum("interpretation", "'Global minimum' is of the truncated "
                                       r"objective $F=\hat Q(c(w))$; for the network loss a "
                                       r"stationary point only gives $|\nabla_c\hat "
                                       r"Q|\le|r_L|/\sigma_L(H)$ (see j19.eq8).")],
    size=size_of,
    cost=cost_of(2.0),
    parameters=NET_PARAMETERS,
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs"),
    edge_strategy=edge_rank_networks,
)


def _measure_ours1(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    b = objective_bundle(space, model, inst["w"], inst["X"], inst["y"])
    L = space.L
    sH = np.linalg.svd(b["H"], compute_uv=False)
    sig_L = float(sH[L - 1]) if sH.size >= L else 0.0
    sig_T = float(np.linalg.svd(b["Phi"], compute_uv=False)[-1])  # sigma_min(Phi)
    g = float(np.linalg.norm(b["gF"]))
    lhs, rhs = g * g, 4 * sig_L**2 * sig_T**2 * b["F"]
    # |grad F| is known to +-noise; F, sigma's to relative O(g_n)
    tol = Tolerance(2 * g * b["noise"] + b["noise"] ** 2 + 16 * b["g_n"] * max(rhs, lhs),
                    r"$2\|\nabla_wF\|\,\nu+\nu^2+16\gamma_{G+L+T+2\log_2G}\max(\text{sides})$,"
                    r" $\nu=$ " + NOISE_DERIVATION)
    return decide(lhs, rhs, relation=">=", tolerance=tol, scale=max(lhs, rhs, 1e-300),
                  diagnostics={"sigma_L_H": sig_L, "sigma_T_Phi": sig_T, "F": b["F"],
                               "ratio": lhs / rhs if rhs > 0 else math.inf})


def _ours1_control_instances() -> list[dict[str, Any]]:
    # T = 6 > L = 3; labels y = Phi c(w) - 5 z with z in ker Phi^T: grad F = 0 but F > 0
    inst = network_instance(1, 1, 4, "relu", 6, 7, N=256)
    space = space_of(inst)
    Phi = design_matrix(space, inst["X"])
    U = np.linalg.svd(Phi)[0]
    z = U[:, -1]
    c = network_coordinates(space, network_of(inst), inst["w"])
    return [{**inst, "y": Phi @ c + 5.0 * z}]


OURS1 = Claim(
    id="j19.ours1", paper=PAPER, source="ours: a quantitative Lemma 1",
    title="Polyak-Lojasiewicz inequality through the disparity matrix",
    statement=r"T\le L,\ \operatorname{rank}\Phi=T:\ \|\nabla_wF(w)\|^2\ge4\sigma_L(H(w))^2"
              r"\sigma_T(\Phi)^2F(w)",
    measure=_measure_ours1, parse=parse_net,
    strategy=lambda p: networks(K=st.sampled_from([1, 1, 2]), n=st.integers(1, 2),
                                activation=st.sampled_from(["relu", "tanh"]),
                                h_extra=st.integers(-2, 2), N=256),
    hypotheses=[Hypothesis("T<=L", r"T\le L", few_samples),
                Hypothesis("M>=L", r"M\ge L", enough_weights)],
    controls=[Control("T>L", "T<=L", r"$T=6>L=3$ and a residual in $\ker\Phi^\top$: "
                      r"$\nabla F=0$ while $4\sigma_L^2\sigma_{\min}(\Phi)^2F>0$",
                      instances=_ours1_control_instances)],
    decides=r"Both sides from one SVD of $H$ and of $\Phi$ and the gradient $H\nabla_c$; "
            "decided within the rounding bound of the gradient. No rank certificate needed: a "
            "deficient $H$ makes the right side 0.",
    errata=[FORMAL, Erratum("method note", "Ours: the rate behind Lemma 1 "
                            r"($|Hv|\ge\sigma_L(H)|v|$ and $|\Phi^\top "
                            r"r|\ge\sigma_T(\Phi)|r|$); $\sigma_T(\Phi)$ is the smallest "
                            r"singular value, which for $T>L$ no longer bounds $|\Phi^\top r|$ "
                            "(control).")],
    size=size_of,
    cost=cost_of(1.0),
    parameters=NET_PARAMETERS,
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs"),
    edge_strategy=edge_rank_networks,
)


# Lemma 2


def _stationary(i: Mapping[str, Any]) -> bool | str:
    model, space = network_of(i), space_of(i)
    ref = _autograd_gradient(space, model, i["w"], i["X"], i["y"])
    b = objective_bundle(space, model, i["w"], i["X"], i["y"])
    return float(np.linalg.norm(ref)) <= b["noise"] or r"$\nabla_wF$ is not at rounding level"


def _H_deficient(i: Mapping[str, Any]) -> bool | str:
    H, err = disparity_with_rounding(i)
    state, info = rank_state(H, (2 * i["n"] + 1) ** i["K"], i, err)
    return state == "DEFICIENT" or ("$H$ not certified DEFICIENT ($s="
                                    + tex_number(info.get("s", 0)) + "$)")


def _measure_lem2(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    b = objective_bundle(space, model, inst["w"], inst["X"], inst["y"])
    qmin, qerr, _ = min_canonical_loss(b["Phi"], inst["y"])
    gc = b["gc"]
    kernel_res = float(np.linalg.norm(b["H"] @ gc))
    case = "i (global minimum)" if b["F"] - qmin <= qerr + 8 * b["g_n"] * max(b["F"], 1.0) \
        else "ii (stationary, not a minimum)"
    # probe for descent: 200 random perturbations of relative size 1e-3
    rng = np.random.default_rng(0)
    w, F0, best = inst["w"], b["F"], math.inf
    for _ in range(200):
        d = rng.standard_normal(w.size)
        d *= 1e-3 * max(1.0, float(np.linalg.norm(w))) / np.linalg.norm(d)
        c = network_coordinates(space, model, w + d)
        best = min(best, canonical_loss(b["Phi"], inst["y"], c) - F0)
    return decide(kernel_res, 0.0, relation="<=",
                  tolerance=Tolerance(b["noise"], NOISE_DERIVATION),
                  scale=max(2 * float(np.linalg.norm(b["H"], 2) * np.linalg.norm(b["Phi"], 2))
                            * float(np.linalg.norm(b["Phi"] @ b["c"]) + np.linalg.norm(inst["y"])),
                            b["noise"]),
                  diagnostics={"case": case, "grad_c_norm": float(np.linalg.norm(gc)),
                               "F": F0, "min_Qhat": qmin,
                               "probe": "descent found" if best < -8 * b["g_n"] * F0
                               else "no descent found", "best_probe_change": best})


def _lem2_strategy(profile: str) -> Any:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        h, n, T = draw(st.integers(2, 6)), draw(st.integers(1, 3)), draw(st.integers(1, 5))
        inst = _all_dead(draw(st.integers(0, 2**31 - 1)), h=h, n=n, T=T)
        if draw(st.booleans()):  # case (i): constant labels, fitted by the output bias
            inst = {**inst, "y": np.full(T, inst["w"][-1])}
        return inst

    return build()


LEM2 = Claim(
    id="j19.lem2", paper=PAPER, source="Lemma 2",
    title=r"Stationary point with rank-deficient $H$: canonical gradient in $\ker H$",
    statement=r"\nabla_wF(w)=0,\ \operatorname{rank}H(w)<L\ \Rightarrow\ \nabla_c\hat Q(c(w))\in"
              r"\ker H(w);\ \text{(i) }\nabla_c\hat Q=0\text{ (global min) or (ii) not a minimum}",
    measure=_measure_lem2, parse=parse_net, strategy=_lem2_strategy,
    hypotheses=[Hypothesis("differentiable", r"F\text{ differentiable at }w\ (\text{no ReLU "
                           r"kink on a quadrature node})", _differentiable),
                Hypothesis("stationary", r"\nabla_wF(w)=0\ (\text{autograd, rounding level})",
                           _stationary),
                Hypothesis("H-deficient", r"\operatorname{rank}H(w)<L\ (\text{certified})",
                           _H_deficient)],
    controls=[Control("not-stationary", "stationary",
                      "an all-dead network whose output bias is off the mean label: $H$ is "
                      r"deficient but $H\nabla_c=\nabla F\ne0$",
                      instances=lambda: [{**_all_dead(3),
                                          "w": np.r_[_all_dead(3)["w"][:-1], 5.0]}])],
    decides="Stationarity is decided by reverse-mode autograd (independent of $H$); the "
            r"conclusion $H\nabla_c=0$ by the FFT disparity matrix, within its rounding bound. "
            "The case (i)/(ii) and a 200-probe descent search are reported as diagnostics.",
    errata=[FORMAL, RANK_NOTE,
            Erratum("paper error", "Lemma 2's trichotomy (saddle / global minimum / flat "
                    "region) is not checkable as printed ('flat region' is undefined); what is "
                    r"provable and checked: $\nabla_c\in\ker H$, and case (i) or (ii). The "
                    "all-dead instances are case (ii) and non-strict local minima (no descent "
                    "found): they fit only through the 'flat region' clause, and the paper's "
                    "argument that case (ii) has a descent direction is not valid (to first "
                    r"order $c(w)$ moves only in $\operatorname{range}H^\top$, which is "
                    r"orthogonal to $\nabla_c$).")],
    size=size_of,
    cost=cost_of(3.0, 200.0),
    parameters=NET_PARAMETERS,
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs"),
    edge_strategy=_edge_lem2,
)
