"""Kawaguchi, Zhang & Deng (2022) §3.3.1: safe exploration (Assumption 4), a checker of
``rank phi = n`` through the Hadamard Gram, and Table 2."""

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
    Verdict,
    decide_flag,
)
from checks.inputs import matrix, real, require, vector
from checks.papers.k22_ee._common import (
    _BODY,
    _analytic,
    _body,
)
from checks.registry import register
from checks.reproductions.k22_table2 import table2
from checks.strategies import k22_ee as strat
from theory.models.feedforward import Feedforward
from theory.safe_exploration import safe_exploration

# ============================================================ Assumption 4: safe exploration

def _parse_safe(params: Mapping[str, Any]) -> dict[str, Any]:
    require(params, "X", "q", "theta_body", "varsigma")
    widths, act = _body(params)
    X = matrix(params, "X", (None, widths[0]))
    body = Feedforward(widths, act, bias=True)
    return {
        "X": X, "body_widths": widths, "activation": act,
        "theta_body": vector(params, "theta_body", body.n_params()),
        "q": matrix(params, "q", (widths[-1] + 1, None)),
        "varsigma": real(params, "varsigma", lo=1e-300),
    }


def _width(inst: Mapping[str, Any]) -> bool | str:
    n, (m, m_H) = inst["X"].shape[0], inst["q"].shape
    return True if m * m_H >= n else f"$m_Hm_{{H-1}}={m_H * m}<n={n}$"


def _distinct(inst: Mapping[str, Any]) -> bool | str:
    X = inst["X"]
    dup = X.shape[0] - np.unique(X, axis=0).shape[0]
    return True if dup == 0 else f"{dup} duplicated input(s)"


def _measure_safe(inst: Mapping[str, Any]) -> Verdict:
    Z = strat.body_features(inst)
    cert = safe_exploration(Z, inst["q"], inst["varsigma"], X=inst["X"])
    return decide_flag(
        cert.value, message=cert.derivation,
        diagnostics={"n": cert.n, "columns": cert.columns, **cert.numbers},
        certificate=cert.derivation,
    )


def _safe_controls(kind: str) -> list[dict[str, Any]]:
    rng = np.random.default_rng(44)
    n, h = 30, 6
    m_H = 4 if kind == "narrow" else 9  # 7 * 4 = 28 < 30; 7 * 9 = 63 >= 30
    X = rng.standard_normal((n, 2))
    if kind == "duplicated":
        X[-1] = X[0]
    body = Feedforward([2, h], "tanh", bias=True)
    return [{"X": X, "body_widths": [2, h], "activation": "tanh",
             "theta_body": body.init(rng, "he"), "q": rng.standard_normal((h + 1, m_H)),
             "varsigma": 5.0}]


SAFE = Claim(
    id="k22.asm4",
    paper="k22",
    source="Assumption 4 (arXiv Assumption 10), §3.3.1; Table 2",
    title=r"Safe exploration: $\operatorname{rank}\phi(q,\theta_{(1:H-2)})=n$ at a random draw",
    statement=r"\operatorname{rank}\phi(q,\theta_{(1:H-2)}) = n,\quad "
    r"\phi_{i*} = [\tilde\sigma(z_i^\top q_{*k})z_i^\top]_{k=1}^{m_H}",
    measure=_measure_safe,
    parse=_parse_safe,
    strategy=lambda profile: strat.safe_exploration_instances(),
    hypotheses=[
        Hypothesis("width", r"m_H m_{H-1} \ge n", _width),
        Hypothesis("distinct-inputs", r"x_i \ne x_j\ (i \ne j)", _distinct),
        Hypothesis("analytic", r"z(x, \cdot),\ \tilde\sigma \text{ real analytic}", _analytic),
    ],
    controls=[
        Control("narrow", drops="width", description=r"$m_Hm_{H-1}=28<n=30$: "
                r"$\operatorname{rank}\phi\le28$ by shape (certified by structure)",
                instances=lambda: _safe_controls("narrow")),
        Control("duplicated", drops="distinct-inputs", description="$x_{30}=x_1$: two equal "
                r"rows of $\phi$ whatever $q$ (certified by structure)",
                instances=lambda: _safe_controls("duplicated")),
    ],
    reproductions=[Reproduction("table2", "Table 2's verification at reduced $n$", table2,
        agreement="differs",
        agreement_reason=("a dense tanh body, not ResNet-18, on the data sets' inputs only "
                          "where their files are in the data directory (synthetic stand-ins "
                          "of their shapes otherwise); with softplus the rank is undecided"))],
    decides=r"Certified positive definiteness of $\phi\phi^\top=(ZZ^\top)\circ(SS^\top)$ "
    r"(Cholesky of $M-\alpha I$, Demmel's margin) gives rank $n$; a deficiency is only "
    "reported when the shape or repeated rows force it; otherwise inconclusive.",
    errata=[Erratum("method note", "The paper names its rank methods (§3.4.2: each matrix was "
                    "checked twice, by the methods of Press et al. (2007) and of Golub and Van "
                    "Loan (1996)) but not the threshold below which a singular value counted as "
                    r"zero, which decides rank $n$ on $60{,}000\times120{,}042$ matrices; here the "
                    r"Gram's Cholesky certifies it, which cannot resolve singular values of "
                    r"$\phi$ below about $\sqrt\alpha$ (never reported as deficient)."),
            Erratum("interpretation", r"Table 2's $m_H$ is $\lceil 2n/513\rceil$ (the ceiling "
                    r"outside: $2\lceil n/513\rceil$ would give 196 for CIFAR)."),
            Erratum("transcription", "The text we worked from leaves Semeion's $m_H$ in Table 2 "
                    r"blank; $\lceil 2000/513\rceil=4$."),
            Erratum("method note", "The Table 2 reproduction uses a dense tanh body, not "
                    "ResNet-18, and the data sets' own inputs only where their files are in the "
                    "data directory (synthetic inputs of their shapes otherwise); a "
                    r"dense softplus body at $\varsigma'=1$ gave a numerically singular Gram "
                    "(inconclusive).")],
    size=lambda i: {"n": i["X"].shape[0], "m_H m_H-1": i["q"].shape[0] * i["q"].shape[1]},
    tightness=False, max_examples={"thorough": 600},
)



# ---------------------------------------------------------------- cost estimates per claim
# Seconds on this project's reference machine (2 shared cores, one BLAS thread), fitted to
# timed checks and doubled.
def _cost_safe(inst: Mapping[str, Any]) -> float:
    """Assumption 4: the Hadamard Gram (n^2 (m_H + m_(H-1))) and its Cholesky (n^3 / 3)."""
    n, (m, m_H) = inst["X"].shape[0], inst["q"].shape
    return 0.01 + 2.5e-10 * (n * n * (m + m_H) + n**3)



SAFE = dataclasses.replace(SAFE, cost=_cost_safe, edge_strategy=lambda profile:
                           strat.edge_safe_exploration_instances(), parameters=[
    *_BODY,
    Parameter("theta_body", "d_(1:H-2)", r"$\theta_{(1:H-2)}$, the body's parameters",
              "finite, the body's length"),
    Parameter("q", "m_(H-1) x m_H", r"$q$, the gate weights of $\phi(q,\theta_{(1:H-2)})$",
              "finite"),
], relations=[
    Relation("permute-samples", r"the samples in another order: the rows of $\phi$ are "
             "permuted, its rank is unchanged", strat.permute_samples),
    Relation("permute-hidden-units", "body units (with the rows of $q$) and the columns of $q$ "
             r"relabelled: the columns of $\phi$ are permuted", strat.permute_hidden_units),
    Relation("rotate-inputs", "an orthogonal change of basis of the inputs with the body's "
             r"first layer rotated back: $z$ and $\phi$ are unchanged", strat.rotate_inputs),
    Relation("scale-gate-sharpness", r"$q$ times $2^k$ and $\varsigma'$ times $2^{-k}$: the "
             r"gates, hence $\phi$, are the same numbers", strat.scale_gate_sharpness),
])

register(SAFE)
