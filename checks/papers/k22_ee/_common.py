"""What the claims of Kawaguchi, Zhang & Deng (2022) §3 share: the unit roundoff, the
constant c_0 of eq. (3.3), the body parser, Assumption 6 (a real-analytic activation) and the
body's parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scipy.special import lambertw

from checks.framework import (
    Parameter,
)
from checks.inputs import BadInput, require
from checks.strategies import k22_ee as strat
from theory.activations import ACTIVATIONS
from theory.numerics import unit_roundoff

U = unit_roundoff()
C0 = float(lambertw(1.0 / math.e).real)
"""``c_0 = max_{s > 0} s / (1 + e^s) = W(1/e) = 0.278464...``: at the maximiser
``e^s (s - 1) = 1``, so ``s / (1 + e^s) = e^{-s} = s - 1`` and ``s - 1 = W(1/e)``."""
K_RUN = 20_000
"""Exploitation steps actually run by the Theorem 5 oracle; beyond, only the certified floor
``L(theta^t) >= min L^`` is used (it can show a violation, never certify the bound)."""
SGD_RUNS, SGD_STEPS = 20, 1000
MC_Z = 3.0
WIDTH_LIMIT = 10_000


# ---------------------------------------------------------------------- parsing helpers

def _body(params: Mapping[str, Any]) -> tuple[list[int], str]:
    require(params, "body_widths", "activation")
    widths, act = params["body_widths"], params["activation"]
    if not isinstance(widths, list) or len(widths) < 2 or any(
        isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= WIDTH_LIMIT
        for w in widths
    ):
        raise BadInput(f"body_widths: expected a list of >= 2 integers in [1, {WIDTH_LIMIT}]")
    if not isinstance(act, str) or act not in ACTIVATIONS:
        raise BadInput(f"activation: unknown {act!r}; choose from {', '.join(ACTIVATIONS)}")
    return list(widths), act


def _analytic(inst: Mapping[str, Any]) -> bool | str:
    """Assumption 6: the body activation is real analytic (the gate, a sigmoid, always is)."""
    return True if inst["activation"] in strat.ANALYTIC else f"{inst['activation']} has a kink"



_BODY = [
    Parameter("body_widths", "H - 1", r"the widths $[m_x,h_1,\dots,h_k]$ of the body "
              r"$z(x,\theta_{(1:H-2)})$ ($m_{H-1}=h_k+1$ with the constant neuron)",
              f"at least two integers in $[1,{WIDTH_LIMIT}]$, starting with $m_x$"),
    Parameter("activation", "name", "the body's activation (Assumption 6 asks for a real "
              "analytic one)", " | ".join(ACTIVATIONS)),
    Parameter("varsigma", "scalar", r"$\varsigma'$ of the gate "
              r"$\tilde\sigma(q)=1/(1+e^{-\varsigma'q})$", r"$(0,\infty)$"),
    Parameter("X", "n x m_x", "the inputs $x_i$, one row per sample", "finite"),
]
