"""Hardt & Ma (2017) Theorem 2.2 along gradient descent: the excess risk ``f - C_opt`` and the
theorem's quantitative bound ``||grad f||_F^2 / (4 ell (1 - tau)^{2 ell - 2} sigma_min(Sigma))``
at every iterate of one gradient-descent run from a start in ``B_0.1`` (the paper has no figure
for it; the run illustrates §2's conclusion that gradient descent from the identity
parameterisation reaches a global minimum)."""

from __future__ import annotations

from typing import Any

import numpy as np

from checks.strategies import hm17_linear as strat
from checks.tex import tex_number
from theory.models import linear_residual as lr

__all__ = ["demo_instance", "gradient_descent_in_the_ball"]


def _claims():
    """The claim module of Section 2, imported on first use: it imports this module to wire
    the reproduction, so importing it at the top would be circular."""
    from checks.papers import hm17_linear

    return hm17_linear


def demo_instance() -> dict[str, Any]:
    """The fixed run of :func:`gradient_descent_in_the_ball`: ``d = 3``, ``ell = 4``, ``Sigma``
    with spectrum ``[0.2, 3]``, a reachable target ``R = prod (I + B_i)`` with
    ``|||B||| <= 0.1`` and a start with ``|||A||| = 0.1``."""
    rng = np.random.default_rng(22)
    d, ell = 3, 4
    Sigma = strat.spd_matrix(rng, d, 0.2, 3.0)
    B = [0.1 * M / np.linalg.norm(M, 2) for M in rng.standard_normal((ell, d, d))]
    A = [0.1 * M / np.linalg.norm(M, 2) for M in rng.standard_normal((ell, d, d))]
    step = 0.5 / (ell * float(np.linalg.eigvalsh(Sigma)[-1]) * 1.4 ** (2 * ell - 2))
    return {"R": lr.residual_product(B), "Sigma": Sigma, "A": A, "tau": 0.1,
            "gd_step": step, "gd_steps": 20_000, "gd_rel_tol": 1e-7}


def gradient_descent_in_the_ball(profile: str) -> dict[str, Any]:
    """Theorem 2.2 (Hardt & Ma 2017, §2): ``f - C_opt`` and the bound of its quantitative form
    along the gradient-descent run of :func:`demo_instance` (log scale). The run is the same at
    every profile."""
    claims = _claims()
    inst = demo_instance()
    run = claims.descent_profile(inst)
    rows = run["rows"]
    stride = max(1, len(rows) // 100)
    keep = rows[::stride] + ([rows[-1]] if (len(rows) - 1) % stride else [])
    verdict = claims.measure_along_descent(inst, run)
    dg = verdict.diagnostics
    return {
        "title": r"Theorem 2.2 along gradient descent: $f-C_{\mathrm{opt}}$ and "
                 r"$\|\nabla f\|_F^2/(4\ell(1-\tau)^{2\ell-2}\sigma_{\min}(\Sigma))$",
        "xlabel": "gradient-descent step", "ylabel": "excess risk", "logy": True,
        "series": [
            {"label": r"$f(A)-C_{\mathrm{opt}}$", "x": [r[0] for r in keep],
             "y": [r[3] for r in keep]},
            {"label": r"bound $\|\nabla f\|_F^2/(4\ell(1-\tau)^{2\ell-2}\sigma_{\min})$",
             "x": [r[0] for r in keep], "y": [r[4] for r in keep]},
        ],
        "paper": r"Theorem 2.2: in $\mathcal B_\tau$, $\tau<1$, every critical point is a "
                 "global minimum (quantitatively: the excess risk is at most the bound)",
        "ours": f"{verdict.status}: {dg['gd_steps_taken']} steps, gradient norm "
                f"${tex_number(dg['gradient_norm_start'])}\\to"
                f"{tex_number(dg['gradient_norm_reached'])}$, excess risk "
                f"${tex_number(dg['excess_risk_start'])}\\to"
                f"{tex_number(dg['excess_risk_reached'])}$; "
                f"largest ratio excess/bound ${dg['max_ratio']:.3f}$ (step "
                f"{dg['max_ratio_iterate']}), $|||A|||\\le{dg['triple_norm_max']:.3f}$ throughout",
    }
