"""Kawaguchi, Zhang & Deng (2022) §3.3: the exploitation phase of the EE wrapper; every limit
point is a global minimum (Theorem 4) and the gradient-descent rate and SGD bound (Theorem 5,
eq. 3.5), with the Figures 2-3 and rate-curve reproductions."""

from __future__ import annotations

import dataclasses
import functools
import math
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import minimize

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
)
from checks.inputs import BadInput, integer, matrix, real, require, vector
from checks.papers.k22_ee._common import (
    _BODY,
    K_RUN,
    MC_Z,
    SGD_RUNS,
    SGD_STEPS,
    WIDTH_LIMIT,
    _analytic,
    _body,
)
from checks.profiles import sized
from checks.registry import register
from checks.reproductions.k22_sine import figure2, figure3, rate_curve
from checks.strategies import k22_ee as strat
from checks.tex import tex_number
from theory.losses import get_loss
from theory.models.ee import (
    EEModel,
    Objective,
    loss_gradient_lipschitz,
)
from theory.numerics import gamma
from theory.safe_exploration import safe_exploration

# ============================================================ Theorems 4 and 5: exploitation

def _parse_ee(params: Mapping[str, Any]) -> dict[str, Any]:
    require(params, "X", "Y", "m_H", "m_y", "varsigma", "theta", "loss", "K")
    widths, act = _body(params)
    X = matrix(params, "X", (None, widths[0]))
    m_y = integer(params, "m_y", lo=1, hi=64)
    Y = matrix(params, "Y", (X.shape[0], m_y))
    m_H = integer(params, "m_H", lo=1, hi=WIDTH_LIMIT)
    loss = params["loss"]
    if loss not in ("squared", "logistic"):
        raise BadInput(f"loss: expected 'squared' or 'logistic', got {loss!r}")
    if loss == "logistic" and not np.all(np.abs(Y) == 1.0):
        raise BadInput("Y: logistic-loss targets must be -1 or +1")
    inst = {"X": X, "Y": Y, "body_widths": widths, "activation": act, "m_H": m_H,
            "m_y": m_y, "varsigma": real(params, "varsigma", lo=1e-300), "loss": loss,
            "K": integer(params, "K", lo=1, hi=10**12),
            "eps_bar": real(params, "eps_bar", lo=0.0, default=0.0)}
    d = _model(inst).n_params()
    inst["theta"] = vector(params, "theta", d)
    if "witness" in params:
        inst["witness"] = vector(params, "witness", d)
    return inst


def _model(inst: Mapping[str, Any]) -> EEModel:
    """The exploration model of the instance (gates not yet frozen)."""
    return EEModel(inst["body_widths"], inst["activation"], inst["m_H"], inst["m_y"],
                   inst["varsigma"])


def exploitation_model(inst: Mapping[str, Any]) -> EEModel:
    """The model of the exploitation phase: the gates frozen at ``theta^tau`` (line 10 of
    Algorithm 1, §3.2), so that ``f`` is linear in ``theta_(H-1)``."""
    return _model(inst).frozen(inst["theta"])


def _safe_at_tau(inst: Mapping[str, Any]) -> bool | str:
    """rank phi(R^(j), theta^tau_(1:H-2)) = n for every j: the probability-one event of
    Theorems 4-5 (it holds a.s. under Assumptions 4 and 6, given the line-9 perturbation)."""
    model = _model(inst)
    theta_body, Ws, _ = model.split(inst["theta"])
    Z = model.features(theta_body, inst["X"])
    for j, R in enumerate(Ws):
        cert = safe_exploration(Z, R.T, inst["varsigma"], X=inst["X"])
        if cert.value is not True:
            return f"output {j}: {cert.derivation}"
    return True


def _nonzero_out(inst: Mapping[str, Any]) -> bool | str:
    _, _, W_out = _model(inst).split(inst["theta"])
    zeros = int(np.count_nonzero(W_out == 0.0))
    return True if zeros == 0 else f"$W^{{(H)}}$ has {zeros} zero entries (a null event)"


def _squared(inst: Mapping[str, Any]) -> bool | str:
    return True if inst["loss"] == "squared" else "only the squared loss is checked"


def _convex(inst: Mapping[str, Any]) -> bool | str:
    """Theorem 5's losses here: squared (``eps_bar = 0``) or logistic with ``eps_bar > 0``
    (``inf`` is not attained, so ``B_0`` would be infinite)."""
    if inst["loss"] == "squared":
        return True
    return True if inst.get("eps_bar", 0.0) > 0 else r"logistic loss needs $\bar\epsilon>0$"


def exploitation_problem(inst: Mapping[str, Any]) -> dict[str, Any]:
    """The exploitation phase as least squares in ``w = theta_(H-1)`` (§3.3.1-3.3.2,
    ``phi``): the maps ``A^(j)``, ``L^ = (L/n) ||Z||^2`` with ``Z_i = max_j
    ||A^(j)_i||``, the GD limit ``w_inf = w_tau - A^+ (A w_tau - y)`` (the nearest
    least-squares point), ``B_0 = ||w_inf - w_tau||`` and ``min L^``. For the logistic loss,
    ``B`` is the certified lower bound on ``B_eps_bar`` (:func:`_sublevel_distance`) and
    ``inf_term = eps_bar``; ``B`` and ``inf_term`` are what the bounds use."""
    model = exploitation_model(inst)
    X, Y, n = inst["X"], inst["Y"], inst["X"].shape[0]
    As = model.linear_maps(inst["theta"], X)
    _, Ws, _ = model.split(inst["theta"])
    Lhat = loss_gradient_lipschitz(inst["loss"]) / n * float(
        np.sum(np.max(np.stack([np.sum(A * A, axis=1) for A in As]), axis=0)))
    deltas, res_inf = [], 0.0
    for j, A in enumerate(As):
        w = Ws[j].reshape(-1)
        delta = np.linalg.lstsq(A, A @ w - Y[:, j], rcond=None)[0]
        deltas.append(delta)
        res_inf += float(np.sum((A @ (w - delta) - Y[:, j]) ** 2))
    theta_inf = inst["theta"].copy()
    theta_inf[model.hidden_slice()] -= np.concatenate(deltas)
    p = As[0].shape[1]
    normA = math.sqrt(sum(float(np.sum(A * A)) for A in As))
    B0 = math.sqrt(sum(float(d @ d) for d in deltas))
    P = {"model": model, "As": As, "Lhat": Lhat, "B0": B0, "theta_inf": theta_inf,
         "min_Lhat": res_inf / n, "p": p, "normA": normA, "n": n,
         "normY": float(np.linalg.norm(Y)), "loss": get_loss(inst["loss"]), "B": B0,
         "B_up": B0, "inf_term": 0.0}
    witness = _witness_loss(inst, model)
    # inf_theta L over all layers lies in [inf_term, inf_upper]: 0 <= inf L <= min L^ (the
    # exploitation objective is L restricted to theta_(H-1)) and <= L(witness)
    P["inf_upper"] = P["min_Lhat"] if witness is None else min(P["min_Lhat"], witness)
    if inst["loss"] == "logistic":
        # with rank A^(j) = n, outputs y_i f_i -> infinity are reachable, so inf L = 0 is not
        # attained and inf max(L, eps_bar) = eps_bar; without it, eps_bar is a lower bound,
        # and a feasible point of {L^ <= eps_bar} (a finite B_up) makes it exact
        B_lo, B_up = _sublevel_distance(P, Ws, Y, inst["eps_bar"])
        upper = (inst["eps_bar"] if math.isfinite(B_up) else
                 math.inf if witness is None else max(witness, inst["eps_bar"]))
        P.update(B=B_lo, B_up=B_up, inf_term=inst["eps_bar"], min_Lhat=0.0, inf_upper=upper)
    return P


def exploitation_loss(P: Mapping[str, Any], w: np.ndarray, Y: np.ndarray) -> tuple[float, Any]:
    """``L^(w)`` and ``nabla L^(w)`` of the (linear-in-``w``) exploitation objective."""
    p, n, loss = P["p"], P["n"], P["loss"]
    F = np.stack([A @ w[j * p:(j + 1) * p] for j, A in enumerate(P["As"])], axis=1)
    D = loss.grad(F, Y) / n
    grad = np.concatenate([A.T @ D[:, j] for j, A in enumerate(P["As"])])
    return float(np.sum(loss.value(F, Y)) / n), grad


def _sublevel_distance(P: Mapping[str, Any], Ws: list, Y: np.ndarray,
                       eps_bar: float) -> tuple[float, float]:
    """``B_eps_bar`` = distance from ``w_tau`` to ``{L^ <= eps_bar}`` (convex): SLSQP gives a
    point ``w*``; a feasible ``w*`` bounds ``B`` above, and convexity, ``L^(w) >= L^(w*) +
    g^T (w - w*)`` with ``g = nabla L^(w*)``, puts the sublevel set inside the half-space
    ``g^T (w - w*) <= eps_bar - L^(w*)``, whose distance from ``w_tau`` bounds ``B`` below
    (the two agree at the exact projection, by its KKT condition)."""
    w0 = np.concatenate([W.reshape(-1) for W in Ws])
    L0, _ = exploitation_loss(P, w0, Y)
    if L0 <= eps_bar:
        return 0.0, 0.0
    res = minimize(lambda w: (0.5 * float((w - w0) @ (w - w0)), w - w0), w0, jac=True,
                   method="SLSQP",
                   constraints=[{"type": "ineq",
                                 "fun": lambda w: eps_bar - exploitation_loss(P, w, Y)[0],
                                 "jac": lambda w: -exploitation_loss(P, w, Y)[1]}],
                   options={"maxiter": 200, "ftol": 1e-14})
    Ls, g = exploitation_loss(P, res.x, Y)
    upper, w_up, step = math.inf, res.x, 1e-12 * (1.0 + float(np.linalg.norm(res.x)))
    for _ in range(60):  # SLSQP may stop just outside: walk down the gradient to feasibility
        if exploitation_loss(P, w_up, Y)[0] <= eps_bar:
            upper = float(np.linalg.norm(w_up - w0))
            break
        w_up, step = res.x - step * g / float(np.linalg.norm(g)), 2.0 * step
    lower = max(0.0, (float(g @ (w0 - res.x)) - (eps_bar - Ls)) / float(np.linalg.norm(g)))
    return lower * (1.0 - 1e-9), upper  # 1e-9: rounding of g and L^(w*) (conservative)


def _loss(model: EEModel, theta: np.ndarray, inst: Mapping[str, Any]) -> float:
    return Objective(model, inst["X"], inst["Y"], get_loss(inst["loss"])).value(theta)


def _lstsq_tol(P: Mapping[str, Any], theta_norm: float) -> Tolerance:
    """Rounding of the least-squares limit and of evaluating ``L`` there: a backward-stable
    solve gives ``||A w - y|| <= gamma_{10 n p} (||A||_F ||w|| + ||y||)``."""
    e = gamma(10 * P["n"] * P["p"]) * (P["normA"] * theta_norm + P["normY"])
    return Tolerance(e * e / P["n"] + gamma(P["p"] + 2) * e,
                     r"$(\gamma_{10np}(\|A\|_F\|\theta\|+\|y\|))^2/n+\gamma_{p+2}(\cdot)$ (the "
                     "same bracket): backward-stable least squares, then the loss evaluation")


def _witness_loss(inst: Mapping[str, Any], model: EEModel) -> float | None:
    w = inst.get("witness")
    return None if w is None else _loss(model, w, inst)


NO_WITNESS = r"no witness; $\inf\mathcal L$ is only bounded below"


def _measure_limit(inst: Mapping[str, Any]) -> Verdict:
    """Theorem 4: ``L(theta-hat) <= inf_theta L(theta)``. The limit's loss is exact (closed
    form); ``inf L`` is known only through bounds: ``0`` below (squared loss) and a witness's
    loss above. ``holds`` needs the lower bound, ``violated`` the upper one."""
    P = exploitation_problem(inst)
    model = P["model"]
    lhs = _loss(model, P["theta_inf"], inst)
    start = _loss(model, inst["theta"], inst)
    tol = _lstsq_tol(P, float(np.linalg.norm(P["theta_inf"])))
    witness = _witness_loss(inst, model)
    diag = {"L_tau": start, "min_Lhat": P["min_Lhat"], "B0": P["B0"], "witness": witness}
    if witness is not None:
        # inf L <= L(witness): a limit above it (beyond rounding) is not a global minimum
        refuted = decide(lhs, witness, relation="<=", tolerance=tol, scale=start,
                         diagnostics=diag, rhs_bound="upper")
        if refuted.status is Status.VIOLATED:
            return refuted
    # squared loss: inf L >= 0, so L(limit) <= 0 + rounding certifies a global minimum
    return decide(lhs, 0.0, relation="<=", tolerance=tol, scale=start, diagnostics=diag,
                  rhs_bound="lower",
                  uncertified=NO_WITNESS if witness is None else
                  f"the witness's loss ${tex_number(witness, 6)}$ does not separate "
                  r"$\inf\mathcal L$ from the limit; $\inf\mathcal L$ is only bounded below")


def _separated(lhs: float, rhs_lo: float, rhs_hi: float, *, why: str, **kwargs: Any) -> Verdict:
    """``lhs <= rhs`` where the right side is known only between ``rhs_lo`` and ``rhs_hi``
    (``inf L`` and ``B`` are bounded, not computed): ``violated`` needs ``lhs`` beyond the upper
    bound, ``holds`` needs it within the lower one; otherwise inconclusive, saying ``why``."""
    if math.isfinite(rhs_hi):
        refuted = decide(lhs, rhs_hi, relation="<=", rhs_bound="upper", **kwargs)
        if refuted.status is Status.VIOLATED:
            return refuted
    return decide(lhs, rhs_lo, relation="<=", rhs_bound="lower", uncertified=why, **kwargs)


def _why_uncertified(inst: Mapping[str, Any], P: Mapping[str, Any]) -> str:
    """What keeps a right side of Theorem 5 from being an upper bound, in words."""
    if inst["loss"] == "squared":
        return (f"{NO_WITNESS if inst.get('witness') is None else 'the witness does not separate'}"
                rf" ($0\le\inf\mathcal L\le{tex_number(P['inf_upper'], 6)}$)")
    return (r"$\inf\max(\mathcal L,\bar\epsilon)$ and $B_{\bar\epsilon}$ are only bounded "
            rf"($B\in[{tex_number(P['B'], 6)},{tex_number(P['B_up'], 6)}]$, "
            rf"$\inf\in[{tex_number(P['inf_term'], 6)},{tex_number(P['inf_upper'], 6)}]$)")


def _gd_rate(inst: Mapping[str, Any], P: Mapping[str, Any]) -> tuple[Verdict, dict[str, Any]]:
    """GD part of Theorem 5 for every ``k = t - tau <= min(K, K_RUN)``: ``L^(w_k) <=
    inf max(L, eps_bar) + B^2 L^ / (2k)`` with ``alpha = 1 / L^``; plus, for the squared loss,
    the floor at ``K`` beyond the run. The right side is bracketed: ``inf_term`` and the lower
    bound of ``B`` below, ``inf_upper`` and ``B_up`` above (:func:`_separated`)."""
    Lhat, n, p = P["Lhat"], P["n"], P["p"]
    alpha = 1.0 / Lhat
    Y = inst["Y"]
    w = np.concatenate([W.reshape(-1) for W in P["model"].split(inst["theta"])[1]])
    K = int(inst["K"])
    steps = min(K, K_RUN)
    witness = _witness_loss(inst, P["model"])
    c_lo, c_hi = P["B"] ** 2 * Lhat / 2.0, P["B_up"] ** 2 * Lhat / 2.0
    worst: dict[str, tuple[float, int, float, float]] = {}
    theta_max = float(np.linalg.norm(w))
    L0, grad = exploitation_loss(P, w, Y)
    for k in range(1, steps + 1):
        w = w - alpha * grad
        Lk, grad = exploitation_loss(P, w, Y)
        theta_max = max(theta_max, float(np.linalg.norm(w)))
        for side, rhs in (("lo", P["inf_term"] + c_lo / k), ("hi", P["inf_upper"] + c_hi / k)):
            rel = (rhs - Lk) / max(rhs, L0)
            if side not in worst or rel < worst[side][0]:
                worst[side] = (rel, k, Lk, rhs)
    _, k, Lk, rhs_lo = worst["lo"]
    _, k_hi, Lk_hi, rhs_hi = worst["hi"]
    # |l'| <= 2(|f| + |y|) (squared) or 1 (logistic): the size of the gradient's terms
    lmax = (2.0 * (P["normA"] * theta_max + P["normY"]) if inst["loss"] == "squared"
            else math.sqrt(n * inst["m_y"]))

    def tolerance(k: int, Lk: float) -> Tolerance:
        E = k * gamma(2 * p + 4) * alpha / n * P["normA"] * lmax
        return Tolerance(2.0 * math.sqrt(2.0 * Lhat * max(Lk, 0.0)) * E + Lhat * E * E +
                         gamma(p + 2) * 4 * Lk,
                         r"$E=k\gamma_{2p+4}\,\alpha\|A\|_F\max|\ell'|/n$ (GD is "
                         r"nonexpansive, so per-step rounding adds up); $|\Delta\mathcal L|\le"
                         r"2\sqrt{2\hat L\mathcal L}\,E+\hat LE^2+4\gamma_{p+2}\mathcal L$")

    diag = {"Lhat": Lhat, "B": P["B"], "K": K, "steps_run": steps, "worst_k": k,
            "min_Lhat": P["min_Lhat"], "witness": witness, "loss": inst["loss"],
            "eps_bar": P["inf_term"], "B_upper": P["B_up"], "inf_upper": P["inf_upper"]}
    why = _why_uncertified(inst, P)
    if math.isfinite(rhs_hi):
        refuted = decide(Lk_hi, rhs_hi, relation="<=", tolerance=tolerance(k_hi, Lk_hi),
                         scale=max(rhs_hi, L0), diagnostics={**diag, "worst_k": k_hi},
                         rhs_bound="upper")
        if refuted.status is Status.VIOLATED:
            return refuted, diag
    verdict = decide(Lk, rhs_lo, relation="<=", tolerance=tolerance(k, Lk),
                     scale=max(rhs_lo, L0), diagnostics=diag, rhs_bound="lower",
                     uncertified=why)
    if verdict.status is Status.HOLDS and K > steps:
        verdict = Verdict(Status.INCONCLUSIVE, message=f"bound checked for $k\\le{steps}$ "
                          f"only; $K={K}$", diagnostics=diag)
        if inst["loss"] == "squared":
            # beyond the run only the floor L(theta^t) >= min L^ is known: it can refute the
            # bound at t - tau = K (against an upper bound on inf L), never confirm it
            rhs_K = P["inf_upper"] + c_hi / K
            floor = decide(P["min_Lhat"], rhs_K, relation="<=",
                           tolerance=_lstsq_tol(P, theta_max), scale=max(rhs_K, L0),
                           diagnostics={**diag, "floor_check_at": K},
                           lhs_bound="lower", rhs_bound="upper")
            if floor.status is Status.VIOLATED:
                verdict = floor
    return verdict, diag


def sgd_bound(inst: Mapping[str, Any], P: Mapping[str, Any], power: float = 0.6) -> Verdict:
    """Eq. (3.5): per-sample SGD on ``theta_(H-1)`` from ``theta^tau``, ``alpha_k = a_0 /
    (k+1)^power`` (``power = 0.6``: ``sum alpha = inf``, ``sum alpha^2 < inf``; ``power =
    0.5``: the O~(1/sqrt t) schedule, for which the finite-t bound still holds), ``a_0 = 0.5 /
    L^``, averaged over
    ``SGD_RUNS`` runs; ``G^2`` = the largest conditional second moment ``(1/n) sum_i ||grad
    l_i||^2`` seen; tolerance ``MC_Z`` standard errors of the Monte Carlo mean."""
    model, As, Lhat, B, n, p = P["model"], P["As"], P["Lhat"], P["B"], P["n"], P["p"]
    loss = P["loss"]
    Y = inst["Y"]
    m_y = len(As)
    rng = np.random.default_rng(zlib.crc32(inst["theta"].tobytes()))  # replayable
    w0 = np.concatenate([W.reshape(-1) for W in model.split(inst["theta"])[1]])
    Wr = np.tile(w0, (SGD_RUNS, 1))
    a0 = 0.5 / Lhat

    def losses_and_moment(Wr: np.ndarray) -> tuple[np.ndarray, float]:
        F = np.stack([Wr[:, j * p:(j + 1) * p] @ A.T for j, A in enumerate(As)], 2)
        L = np.sum(loss.value(F, Y[None]), axis=(1, 2)) / n  # per run
        # ||grad l_i||^2 = sum_j l'(f_ij)^2 ||A^(j)_i||^2
        D = loss.grad(F, Y[None])
        rowsq = np.stack([np.sum(A * A, axis=1) for A in As], 1)
        G2 = float(np.max(np.sum(D * D * rowsq[None], axis=(1, 2)) / n))
        return L, G2

    L, G2 = losses_and_moment(Wr)
    L0 = float(np.max(L))  # every run starts at theta^tau: min_k L lies in [0, L0]
    best = L.copy()
    sum_a, sum_a2, worst = 0.0, 0.0, None
    for k in range(SGD_STEPS):
        a = a0 / (k + 1) ** power
        sum_a, sum_a2 = sum_a + a, sum_a2 + a * a
        idx = rng.integers(0, n, SGD_RUNS)
        for j, A in enumerate(As):
            f = np.einsum("rp,rp->r", Wr[:, j * p:(j + 1) * p], A[idx])
            Wr[:, j * p:(j + 1) * p] -= a * loss.grad(f, Y[idx, j])[:, None] * A[idx]
        L, G2k = losses_and_moment(Wr)
        G2 = max(G2, G2k)
        best = np.minimum(best, L)
        mean, se = float(best.mean()), float(best.std(ddof=1) / math.sqrt(SGD_RUNS))
        rhs = P["inf_term"] + (B * B + G2 * sum_a2) / (2.0 * sum_a)
        rel = (rhs - mean) / rhs
        if worst is None or rel < worst[0]:
            worst = (rel, k + 1, mean, se, rhs, (G2 * sum_a2, 2.0 * sum_a))
    _, k, mean, se, rhs, sums = worst
    # the same right side with the upper bounds of inf max(L, eps_bar) and B
    rhs_hi = P["inf_upper"] + (P["B_up"] ** 2 + sums[0]) / sums[1]
    diag = {"G2": G2, "worst_k": k, "runs": SGD_RUNS, "m_y": m_y, "power": power}
    verdict = _separated(mean, rhs, rhs_hi, why=_why_uncertified(inst, P), scale=rhs,
                         tolerance=Tolerance(MC_Z * se + 8 * gamma(p + 2) * mean,
                                             f"{MC_Z} standard errors of the mean over "
                                             f"{SGD_RUNS} runs + rounding of the losses"),
                         diagnostics=diag)
    if verdict.status is Status.VIOLATED:
        verdict = hoeffding(verdict, mean, rhs_hi, L0, diag)
    return verdict


HOEFFDING_DELTA = 1e-9
"""The probability with which a Monte Carlo 'violated' of eq. (3.5) may be wrong."""


def hoeffding(verdict: Verdict, mean: float, rhs_hi: float, L0: float,
               diag: Mapping[str, Any]) -> Verdict:
    """A Monte Carlo mean beyond (3.5) by 3 standard errors is evidence, not a certificate:
    each run's ``min_k L(theta^k)`` lies in ``[0, L(theta^tau)]``, so by Hoeffding's inequality
    the expectation exceeds ``mean - L(theta^tau) sqrt(ln(1/delta) / (2 R))`` except with
    probability ``delta``; only a mean beyond the bound by that margin stays 'violated'."""
    margin = L0 * math.sqrt(math.log(1.0 / HOEFFDING_DELTA) / (2.0 * SGD_RUNS))
    if mean - margin > rhs_hi:
        verdict.certificate = (
            r"Hoeffding: $\mathbb E[\min_k\mathcal L]\ge"
            f"{tex_number(mean - margin, 6)}$ (mean ${tex_number(mean, 6)}$ less "
            f"${tex_number(margin)}$, {SGD_RUNS} runs in $[0,{tex_number(L0, 6)}]$, except "
            f"with probability ${tex_number(HOEFFDING_DELTA)}$) $>$ an upper bound of the "
            f"right side ${tex_number(rhs_hi, 6)}$")
        return verdict
    return Verdict(Status.INCONCLUSIVE, verdict.lhs, verdict.rhs, verdict.relation,
                   verdict.slack, verdict.relative_slack, verdict.tolerance,
                   verdict.tolerance_derivation,
                   f"the Monte Carlo mean exceeds (3.5) by {MC_Z} standard errors but not by "
                   f"Hoeffding's margin ${tex_number(margin)}$ (runs in "
                   f"$[0,{tex_number(L0, 6)}]$): not certified",
                   dict(diag))


def _measure_rates(inst: Mapping[str, Any]) -> Verdict:
    """Both parts of Theorem 5: a failure of either is the verdict; when both hold, the one
    with the smaller relative slack is reported (the other's slack in the diagnostics)."""
    P = exploitation_problem(inst)
    gd_verdict, _ = _gd_rate(inst, P)
    if gd_verdict.status is not Status.HOLDS:
        return gd_verdict
    sgd_verdicts = [sgd_bound(inst, P, power) for power in (0.6, 0.5)]
    failed = [v for v in sgd_verdicts if v.status is not Status.HOLDS]
    if failed:
        return failed[0]
    sgd_verdict = min(sgd_verdicts, key=lambda v: v.relative_slack or 0.0)
    gd_verdict.diagnostics["sgd_relative_slack"] = sgd_verdict.relative_slack
    sgd_verdict.diagnostics["gd_relative_slack"] = gd_verdict.relative_slack
    if (sgd_verdict.relative_slack or 0.0) < (gd_verdict.relative_slack or 0.0):
        return sgd_verdict
    return gd_verdict


# ---------------------------------------------------------------- controls for Theorems 4-5

def _witness_lbfgs(model: EEModel, theta: np.ndarray, X: np.ndarray, Y: np.ndarray,
                   maxiter: int = 100) -> np.ndarray:
    """A witness for ``inf L`` of the post-line-10 model: ``maxiter`` L-BFGS iterations on all
    layers from ``theta`` (any point will do: ``inf L <= L(witness)``)."""
    obj = Objective(model, X, Y, get_loss("squared"))
    res = minimize(lambda t: (obj.value(t), obj.grad(t)), theta, jac=True, method="L-BFGS-B",
                   options={"maxiter": maxiter, "ftol": 0.0, "gtol": 1e-12})
    return res.x


@functools.lru_cache(maxsize=1)
def _narrow_instance() -> dict[str, Any]:
    """Safe exploration fails by shape: ``n = 30``, ``h_1 = 9`` (``m_{H-1} = 10``), ``m_H =
    2``, ``varsigma' = 5`` (Assumption 4's control): ``m_H m_{H-1} = 20 < 30``. ``K`` is set to
    four times the step count beyond which ``min L^ > L(witness) + B_0^2 L^ / (2K)``."""
    rng = np.random.default_rng(1)
    X, Y = strat.sine_data(rng, 30, 2, 1)
    model = EEModel([2, 9], "tanh", 2, 1, 5.0)
    theta = strat.explored_theta(model, X, Y, rng, tau=200, lr=0.05, epsilon=0.01)
    inst = {"X": X, "Y": Y, "body_widths": [2, 9], "activation": "tanh", "m_H": 2, "m_y": 1,
            "varsigma": 5.0, "theta": theta, "loss": "squared", "K": 1}
    P = exploitation_problem(inst)
    witness = _witness_lbfgs(P["model"], theta, X, Y)
    gap = P["min_Lhat"] - _loss(P["model"], witness, inst)
    if gap <= 0:
        raise RuntimeError("the narrow control's witness did not beat the exploitation floor")
    inst["witness"] = witness
    inst["K"] = int(4 * math.ceil(P["B0"] ** 2 * P["Lhat"] / (2.0 * max(gap, 1e-300))))
    return inst


@functools.lru_cache(maxsize=1)
def _null_event_instance() -> dict[str, Any]:
    """A null event of line 9 realised: all but one entry of ``W^(H)`` zeroed at ``tau``, so
    ``rank A <= m_{H-1} < n`` although ``rank phi = n``. The witness restores ``W^(H)`` and
    solves for ``theta_(H-1)`` exactly (rank ``n``), reaching ``L ~ 0``."""
    rng = np.random.default_rng(11)
    X, Y = strat.sine_data(rng, 30, 2, 1)
    model = EEModel([2, 20], "tanh", 16, 1, 20.0)
    theta = strat.explored_theta(model, X, Y, rng, tau=100, lr=0.05, epsilon=0.01)
    base = {"X": X, "Y": Y, "body_widths": [2, 20], "activation": "tanh", "m_H": 16,
            "m_y": 1, "varsigma": 20.0, "loss": "squared", "K": 1000}
    witness = exploitation_problem({**base, "theta": theta})["theta_inf"]
    zeroed = theta.copy()
    out = slice(model.n_params() - 16, model.n_params() - 1)
    zeroed[out] = 0.0
    return {**base, "theta": zeroed, "witness": witness}


SAFE_AT_TAU = Hypothesis(
    "safe-exploration",
    r"\operatorname{rank}\phi(\theta^\tau_{(H-1,j)}, \theta^\tau_{(1:H-2)}) = n\ \forall j",
    _safe_at_tau)
NONZERO = Hypothesis("nonzero-out", r"\theta^\tau_{(H,j)} \text{ has no zero entry}",
                     _nonzero_out)
SQUARED = Hypothesis("squared-loss", r"\ell = \|q - y\|^2 \text{ (convex, so invex; } L = 2)",
                     _squared)
CONVEX = Hypothesis("convex-loss", r"\ell \text{ squared, or logistic with } \bar\epsilon > 0",
                    _convex)


def _ee_strategy(profile: str, losses: tuple[str, ...] = ("squared",)) -> Any:
    """Exploitation instances meeting the probability-one event (rank phi(R^(j)) = n). Each
    rejected draw cost an exploration run, so rejections count against the example
    (:func:`checks.strategies.k22_alignment.bounded_filter`), with a fixed fallback."""
    from checks.strategies.k22_alignment import bounded_filter

    K = sized(profile, small=st.integers(200, 2000), large=st.integers(500, 10_000))
    base = strat.exploitation_instances(K=K, loss=st.sampled_from(losses))
    return bounded_filter(base, lambda i: _safe_at_tau(i) is True,
                          lambda: dict(_ee_fallback(losses[0])))


@functools.lru_cache(maxsize=2)
def _ee_fallback(loss: str) -> dict[str, Any]:
    """The fixed exploitation instance the strategies fall back on: n = 12, a tanh body of 10
    units, m_H = 2 (m_H m_(H-1) = 22 >= n), varsigma' = 10, 50 exploration steps, K = 200; the
    first seed whose gates meet the probability-one event."""
    for seed in range(100):
        rng = np.random.default_rng(seed)
        X, Y = strat.sine_data(rng, 12, 2, 1)
        if loss == "logistic":
            Y = np.where(Y >= 0, 1.0, -1.0)
        model = EEModel([2, 10], "tanh", 2, 1, 10.0)
        theta = strat.explored_theta(model, X, Y, rng, tau=50, lr=0.05, epsilon=0.01, loss=loss)
        inst = {"X": X, "Y": Y, "body_widths": [2, 10], "activation": "tanh", "m_H": 2,
                "m_y": 1, "varsigma": 10.0, "theta": theta, "loss": loss, "K": 200,
                "eps_bar": 0.1 if loss == "logistic" else 0.0}
        if _safe_at_tau(inst) is True:
            return inst
    raise RuntimeError(f"no fallback exploitation instance for the {loss} loss")  # pragma: no cover


LIMIT = Claim(
    id="k22.thm4",
    paper="k22",
    source="Theorem 4 (arXiv Theorem 13), §3.3",
    title="EE wrapper: every limit point of the exploitation is a global minimum",
    statement=r"\mathcal L(\hat\theta) \le \mathcal L(\theta)\ \forall\theta,\ \hat\theta = "
    r"\lim_t \theta^t\ (\text{GD on } \theta_{(H-1)},\ t \ge \tau)",
    measure=_measure_limit,
    parse=_parse_ee,
    strategy=_ee_strategy,
    hypotheses=[SAFE_AT_TAU, NONZERO, SQUARED,
                Hypothesis("analytic", r"z,\ \tilde\sigma\ \text{real analytic}", _analytic)],
    controls=[
        Control("narrow", drops="safe-exploration",
                description=r"$m_Hm_{H-1}=20<n=30$: the exploitation limit "
                r"$\min\hat{\mathcal L}$ stays above the loss an L-BFGS witness reaches on all "
                "layers of the same model",
                instances=lambda: [_narrow_instance()]),
        Control("null-event", drops="nonzero-out",
                description=r"15 of 16 entries of $W^{(H)}$ zeroed at $\tau$ ($\epsilon=0$): "
                r"$\operatorname{rank}A\le21<30$ and the limit is not global (witness: "
                "$W^{(H)}$ restored, exact solve)",
                instances=lambda: [_null_event_instance()]),
    ],
    reproductions=[
        Reproduction("figure2", "Figure 2: sine-wave training error, GD vs EE(GD)", figure2,
            agreement="differs",
            agreement_reason=("at this size EE(GD) does not reach zero training error (about 0.2 "
                              "at the end), where Figure 2 shows it does")),
        Reproduction("figure3", r"Figure 3: $\|M_t-M_0\|_F^2$ over time", figure3,
            agreement="agrees",
            agreement_reason=(r"the representation keeps changing after $\tau$ under EE, as "
                              "Figure 3 shows")),
    ],
    decides=r"Squared loss: the GD limit from $\theta^\tau$ is the least-squares point "
    r"nearest $\theta^\tau_{(H-1)}$ (closed form); its loss is compared with "
    r"$0\le\inf\mathcal L$ (holds) or with a witness's loss $\ge\inf\mathcal L$ (violated), "
    "within the rounding of a backward-stable solve.",
    errata=[Erratum("transcription", "Algorithm 1's body is missing from the text we worked "
                    "from; the wrapper follows our reconstruction from §3.1-3.2 and eqs "
                    r"(3.1)-(3.4): line 9 $=\theta^\tau+\epsilon N(0,I)$ on all layers (law and "
                    r"layers unknown), $\sigma_R(q,q')=\tilde\sigma(Rq')\circ(qq')$ with "
                    r"$R=W^{(H-1)}$ at $\tau$ (transposes restored by dimension), the constant "
                    r"neuron on layer $H-2$'s output (the text says $H-1$), $\varsigma'$ a free "
                    "parameter (unknown for the sine experiment; the ResNet runs use 1)."),
            Erratum("interpretation", "'With probability one' refers to the reconstructed "
                    "line-9 perturbation; the oracle checks the a.s. event "
                    r"($\operatorname{rank}\phi(R^{(j)})=n$, $W^{(H)}$ without zeros) as "
                    "hypotheses and the conclusion on the instance."),
            Erratum("method note", "Only the squared loss is checked (limit in closed form); "
                    r"the step-size conditions (i)/(ii) hold for GD with $\alpha=1/\hat L$ "
                    "(the closed-form limit).")],
    size=lambda i: {"n": i["X"].shape[0], "m_H": i["m_H"], "m_y": i["m_y"]},
    max_examples={"ci": 8, "thorough": 150},
)

RATES = Claim(
    id="k22.thm5",
    paper="k22",
    source="Theorem 5 (arXiv Theorem 14), eq. (3.5)",
    title="EE wrapper: $O(1/t)$ gradient-descent rate and the SGD bound (3.5)",
    statement=r"\mathcal L(\theta^t) \le \inf_\theta \max(\mathcal L(\theta), \bar\epsilon) + "
    r"\frac{B_{\bar\epsilon}^2 \hat L}{2(t-\tau)};\ \ \mathbb E\mathcal L(\theta^{t^*}) \le "
    r"\inf\max(\mathcal L,\bar\epsilon) + \frac{B_{\bar\epsilon}^2 + G^2\sum\alpha_k^2}"
    r"{2\sum\alpha_k}",
    measure=_measure_rates,
    parse=_parse_ee,
    strategy=lambda profile: _ee_strategy(profile, ("squared", "logistic")),
    hypotheses=[SAFE_AT_TAU, NONZERO, CONVEX,
                Hypothesis("analytic", r"z,\ \tilde\sigma\ \text{real analytic}", _analytic)],
    controls=[
        Control("narrow", drops="safe-exploration",
                description=r"$m_Hm_{H-1}=20<n=30$: "
                r"$\mathcal L(\theta^t)\ge\min\hat{\mathcal L}$ for all $t$, while the bound "
                r"tends to $\mathcal L(\text{witness})<\min\hat{\mathcal L}$; certified at "
                r"$t-\tau=K$ without running that long",
                instances=lambda: [_narrow_instance()]),
    ],
    reproductions=[Reproduction("gd-rate", "the GD bound along one exploitation run",
                                rate_curve,
                                    agreement="no-paper-value",
                                    agreement_reason="the paper reports no numbers for the rate")],
    decides=r"GD with $\alpha=1/\hat L$ ($\hat L=(L/n)\|Z\|^2$) on the exploitation "
    r"objective, bound checked at every $k\le\min(K,20000)$ with $B_0$ in closed form and "
    r"$\inf\mathcal L\ge0$ (squared), or a certified lower bound on $B_{\bar\epsilon}$ and "
    r"$\inf\max(\mathcal L,\bar\epsilon)=\bar\epsilon$ (logistic); beyond, the floor "
    r"$\min\hat{\mathcal L}$ against an upper bound on $\inf\mathcal L$ (a witness). SGD: "
    r"Monte Carlo mean of $\min_k\mathcal L$ over 20 runs against (3.5) within 3 standard "
    r"errors, for $\alpha_k\propto(k+1)^{-0.6}$ and $\propto(k+1)^{-0.5}$.",
    errata=[Erratum("transcription", r"The text we worked from prints '$\alpha_t\in O(1/t)$' "
                    r"and '$\tilde O(1/t)$', which lost square roots: with $\alpha_t\sim1/t$, "
                    r"(3.5) gives only $O(1/\log t)$; the $\tilde O(1/\sqrt t)$ rate needs "
                    r"$\alpha_t\sim1/\sqrt t$ (which violates $\sum\alpha^2<\infty$ but "
                    r"keeps the finite-$t$ bound). The oracle uses $\alpha_k=a_0/(k+1)^{0.6}$, "
                    "which meets both sum conditions, and also checks the finite-$t$ bound "
                    r"(3.5) with $\alpha_k=a_0/\sqrt{k+1}$."),
            Erratum("method note", r"Squared loss with $\bar\epsilon=0$ ($B_0$ in closed "
                    r"form) and logistic loss with $\bar\epsilon\in\{0.1,0.03,0.01\}$ "
                    r"($\inf\mathcal L=0$ not attained; $B_{\bar\epsilon}$ bounded below "
                    "through a supporting half-space of the sublevel set at an SLSQP point); "
                    r"cross-entropy with $\bar\epsilon=0$ would make $B$ infinite and the "
                    "bound vacuous."),
            Erratum("transcription", r"The text we worked from prints '$\hat L=LnZ2$'; read "
                    r"as $\hat L=(L/n)\|Z\|^2$ with $Z_i=\max_j\|(\operatorname{diag}"
                    r"(\theta_{(H,j)})\otimes I)\phi_i\|$ (the Kronecker product was lost); "
                    r"it bounds the smoothness of $\hat{\mathcal L}(\theta_{(H-1)})$ since "
                    r"$\lambda_{\max}(A^\top A)\le\|A\|_F^2$."),
            Erratum("method note", r"The bound is vacuous until $t-\tau\approx B_0^2\hat L/"
                    r"(2\mathcal L(\theta^\tau))$ (about $1.2\times10^4$ steps on the gd-rate "
                    "reproduction's instance).")],
    size=lambda i: {"n": i["X"].shape[0], "m_H": i["m_H"], "K": i["K"]},
    max_examples={"ci": 8, "thorough": 250},
)


def _cost_exploitation(inst: Mapping[str, Any]) -> float:
    """Theorem 4: one least-squares solve per output on the n x m_H m_(H-1) map A^(j)."""
    n, q = inst["X"].shape[0], inst["m_H"] * (inst["body_widths"][-1] + 1)
    return 0.01 + 1e-8 * inst["m_y"] * n * q * min(n, q)


def _cost_rates(inst: Mapping[str, Any]) -> float:
    """Theorem 5: the solve, min(K, K_RUN) GD steps on theta_(H-1), and the SGD runs (two step
    schedules, SGD_STEPS steps of SGD_RUNS runs), each step a product with A^(j)."""
    n, q = inst["X"].shape[0], inst["m_H"] * (inst["body_widths"][-1] + 1)
    step = 4e-9 * inst["m_y"] * n * q
    return (_cost_exploitation(inst) + min(inst["K"], K_RUN) * (4e-5 + step)
            + 2 * SGD_STEPS * (4e-4 + SGD_RUNS * step))



_EE = [
    *_BODY,
    Parameter("Y", "n x m_y", "the targets $y_i$", "finite; $-1$ or $+1$ for the logistic loss"),
    Parameter("m_H", "scalar", "$m_H$, the width of layer $H-1$",
              f"integers in $[1,{WIDTH_LIMIT}]$"),
    Parameter("m_y", "scalar", "$m_y$, the number of outputs", "integers in $[1,64]$"),
    Parameter("theta", "d", r"$\theta^\tau$ after line 9: $[\theta_{(1:H-2)}$, "
              r"$\theta_{(H-1,j)}$ for each $j$, $W^{(H)}]$ (the gates are frozen at its "
              r"$W^{(H-1,j)}$, line 10)", "finite, length $d$"),
    Parameter("loss", "name", r"the loss $\ell$", "squared | logistic"),
    Parameter("K", "scalar", r"the exploitation steps $t-\tau$ the bound is checked for",
              "integers in $[1,10^{12}]$"),
    Parameter("eps_bar", "scalar", r"$\bar\epsilon$ of $\inf\max(\mathcal L,\bar\epsilon)$ "
              "(Theorem 5)", r"$[0,\infty)$", 0.0),
    Parameter("witness", "d", r"a $\theta$ of the post-line-10 model whose loss bounds "
              r"$\inf\mathcal L$ from above (certifies a violation)", "finite, length $d$",
              None),
]
_EE_RELATIONS = [
    Relation("permute-samples", r"the samples in another order: $\mathcal L$, $\hat L$, "
             r"$\phi$ and $A^{(j)}$ are means or have rows permuted alike",
             strat.permute_samples),
    Relation("permute-hidden-units", "body units and the $m_H$ units of layer $H-1$ "
             r"relabelled ($W^{(H-1,j)}$, $W^{(H)}$ moved alike): the same function, the "
             "columns of $A^{(j)}$ permuted", strat.permute_hidden_units),
    Relation("rotate-inputs", "an orthogonal change of basis of the inputs with the body's "
             r"first layer rotated back: $z$, $\phi$ and $f$ are unchanged",
             strat.rotate_inputs),
    Relation("scale-outputs", "$Y$ and $W^{(H)}$ times $2^k$ (squared loss): $A^{(j)}$ and $y$ "
             r"scale alike, the limit and the path in $\theta_{(H-1)}$ are unchanged, losses, "
             r"$\hat L$ and the bounds scale by $4^k$", strat.scale_outputs),
]
_SGD = ("; Theorem 5's SGD runs draw their samples from a seed taken from the instance's "
        "bytes, so only the status is compared")

LIMIT = dataclasses.replace(LIMIT, parameters=_EE, cost=_cost_exploitation,
                            edge_strategy=lambda profile: strat.edge_exploitation_instances(),
                            relations=_EE_RELATIONS)
RATES = dataclasses.replace(RATES, parameters=_EE, cost=_cost_rates, edge_strategy=lambda profile:
                            strat.edge_exploitation_instances(("squared", "logistic")),
                            relations=[
    dataclasses.replace(r, description=r.description + _SGD, same_slack=False)
    for r in _EE_RELATIONS])

register(LIMIT, RATES)
