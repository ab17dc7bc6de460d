"""Kawaguchi, Zhang & Deng (2022) §3.1: the sigmoid-gated unit tends to ReLU as the gate
sharpens (eq. 3.3), with our explicit rate."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Relation,
    Reproduction,
    Tolerance,
    Verdict,
    decide,
)
from checks.inputs import BadInput, matrix, real, require
from checks.papers.k22_ee._common import (
    C0,
)
from checks.registry import register
from checks.reproductions.k22_gate import gate_table
from checks.strategies import k22_ee as strat
from theory.numerics import gamma

# ============================================================ eq. (3.3): the gate -> ReLU

def gate_error(inst: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """``|f_j(z_i) - [W^(H) relu(W^(H-1) z_i)]_j|`` (``n x m_y``) and the bound ``c_0
    ||W^(H)_{j*}||_1 / varsigma'`` per ``j`` (ours, eq. (3.3))."""
    W1, W2, Z, v = inst["W_hidden"], inst["W_out"], inst["Z"], inst["varsigma"]
    Uz = Z @ W1.T
    gate = 0.5 * (1.0 + np.tanh(0.5 * v * Uz)) if inst["gate"] == "sigmoid" else 0.5
    f = (gate * Uz) @ W2.T
    relu_net = np.maximum(Uz, 0.0) @ W2.T
    return np.abs(f - relu_net), C0 * np.sum(np.abs(W2), axis=1) / v


def _parse_gate(params: Mapping[str, Any]) -> dict[str, Any]:
    require(params, "W_hidden", "W_out", "Z", "varsigma")
    W1 = matrix(params, "W_hidden")
    gate = params.get("gate", "sigmoid")
    if gate not in ("sigmoid", "half"):
        raise BadInput(f"gate: expected 'sigmoid' or 'half', got {gate!r}")
    return {
        "W_hidden": W1,
        "W_out": matrix(params, "W_out", (None, W1.shape[0])),
        "Z": matrix(params, "Z", (None, W1.shape[1])),
        "varsigma": real(params, "varsigma", lo=1e-300),
        "gate": gate,
    }


def _measure_gate(inst: Mapping[str, Any]) -> Verdict:
    err, bound = gate_error(inst)
    W1, W2, Z = inst["W_hidden"], inst["W_out"], inst["Z"]
    # |fl(u) - u| <= gamma_m (|W||z|) for u = W z; u -> u sigma~(v u) has slope in
    # [-0.1, 1.1], relu slope in [0, 1]; the output sums add gamma_{m_H} relative error.
    m = W1.shape[1] + W2.shape[1] + 8
    absU = np.abs(Z) @ np.abs(W1).T
    rounding = 2.2 * gamma(m) * (absU @ np.abs(W2).T)
    # an output with W^(H)_j = 0 has bound 0 and error 0: it cannot be the worst one
    excess = err - rounding
    ratio = np.divide(excess, bound, out=np.where(excess > 0, np.inf, -np.inf),
                      where=bound[None, :] > 0)
    i, j = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    tol = Tolerance(float(rounding[i, j]),
                    r"$2.2\,\gamma_{m_{H-1}+m_H+8}(|W^{(H)}|\,|W^{(H-1)}|\,|z_i|)_j$ (rounding "
                    "of both networks; the gate's slope is below 1.1)")
    return decide(
        float(err[i, j]), float(bound[j]), relation="<=", tolerance=tol, scale=float(bound[j]),
        diagnostics={"max_error": float(err.max()), "varsigma": inst["varsigma"],
                     "c0": C0, "worst_sample": int(i), "worst_output": int(j)},
    )


def _gate_control() -> list[dict[str, Any]]:
    rng = np.random.default_rng(33)
    return [{"W_hidden": rng.standard_normal((4, 3)), "W_out": rng.standard_normal((1, 4)),
             "Z": rng.standard_normal((6, 3)), "varsigma": 1e4, "gate": "half"}]


GATE = Claim(
    id="k22.claim.gate-relu-limit",
    paper="k22",
    source="§3.1, eq. (3.3)",
    title="The sigmoid-gated unit tends to ReLU as the gate sharpens",
    statement=r"|W^{(H)}_{j*}[\tilde\sigma(W^{(H-1)}z)\odot W^{(H-1)}z] - "
    r"W^{(H)}_{j*}\mathrm{relu}(W^{(H-1)}z)| \le c_0\|W^{(H)}_{j*}\|_1/\varsigma',\ "
    r"c_0 = \max_{s>0} s/(1+e^s) = W(1/e)",
    measure=_measure_gate,
    parse=_parse_gate,
    strategy=lambda profile: strat.gate_instances(),
    hypotheses=[Hypothesis("sigmoid-gate", r"\tilde\sigma(u) = 1/(1+e^{-\varsigma' u})",
                           lambda i: i["gate"] == "sigmoid" or "the gate is constant $1/2$")],
    controls=[Control("constant-gate", drops="sigmoid-gate",
                      description=r"$\tilde\sigma=1/2$: $f=W^{(H)}W^{(H-1)}z/2$ does not tend "
                      r"to the ReLU net; at $\varsigma'=10^4$ the error exceeds the bound "
                      "by orders",
                      instances=_gate_control)],
    reproductions=[Reproduction("gate-limit", r"max error and bound for $\varsigma'=1,\dots,10^4$",
                                gate_table,
                                    agreement="agrees",
                                    agreement_reason=(r"the gate's error vanishes as "
                                                      r"$\varsigma'$ grows, as the limit "
                                                      "says; the rate is ours"))],
    decides="Evaluates both networks and compares the worst error (after subtracting the "
    r"rounding bound) with the explicit $1/\varsigma'$ bound, output by output.",
    errata=[Erratum("method note", "The paper states only the limit; the quantitative form "
                    r"$\sup_u|u\tilde\sigma(u)-\mathrm{relu}(u)|=c_0/\varsigma'$ with "
                    r"$c_0=W(1/e)\approx0.278465$ is ours and is what is checked (it is "
                    r"attained at $u=\pm s^*/\varsigma'$, $s^*=1+W(1/e)$).")],
    size=lambda i: {"n": i["Z"].shape[0], "m_H": i["W_hidden"].shape[0]},
)



GATE = dataclasses.replace(GATE, edge_strategy=lambda profile: strat.edge_gate_instances(),
                           parameters=[
    Parameter("W_hidden", "m_H x m_(H-1)", "$W^{(H-1)}$", "finite"),
    Parameter("W_out", "m_y x m_H", "$W^{(H)}$", "finite"),
    Parameter("Z", "n x m_(H-1)", "the features $z_i$, one row per sample", "finite"),
    Parameter("varsigma", "scalar", r"$\varsigma'$ of the gate", r"$[10^{-300},\infty)$"),
    Parameter("gate", "name", r"sigmoid ($\tilde\sigma$ of eq. 3.2) or half (the constant "
              "gate $1/2$ of the control)", "sigmoid | half", "sigmoid"),
], relations=[
    Relation("permute-samples", "the rows of $Z$ in another order: the worst sample is the "
             "same number", strat.permute_samples),
    Relation("permute-hidden-units", "the $m_H$ units relabelled (rows of $W^{(H-1)}$, columns "
             "of $W^{(H)}$): both networks are the same functions", strat.permute_hidden_units),
    Relation("scale-inputs", r"$Z$ times $2^k$ and $\varsigma'$ times $2^{-k}$: the gates are "
             "unchanged, the error and the bound scale by $2^k$", strat.scale_gate_inputs),
    Relation("scale-outputs", "$W^{(H)}$ times $2^k$: the error and the bound scale by $2^k$",
             strat.scale_gate_outputs),
])

register(GATE)
