r"""k22 (Kawaguchi, Zhang & Deng 2022) eq. (3.3): the sigmoid-gated unit against the ReLU net
as the gate sharpens, with our explicit bound ``c_0 ||W^(H)_j||_1 / varsigma'``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["gate_table"]


def gate_table(profile: str) -> dict[str, Any]:
    """Eq. (3.3) of k22 §3.1: the worst error of the gated net against the ReLU net and its
    bound for ``varsigma' = 1, 10, ..., 10^4`` (``profile`` does not change the size)."""
    from checks.papers.k22_ee import C0, gate_error

    rng = np.random.default_rng(3)
    inst = {"W_hidden": rng.standard_normal((16, 8)), "W_out": rng.standard_normal((2, 16)),
            "Z": rng.standard_normal((400, 8)), "gate": "sigmoid"}
    rows, xs, ys, bs = [], [], [], []
    for v in (1.0, 10.0, 1e2, 1e3, 1e4):
        err, bound = gate_error({**inst, "varsigma": v})
        rows.append([v, float(err.max()), float(bound.max())])
        xs.append(v), ys.append(float(err.max())), bs.append(float(bound.max()))
    return {
        "title": r"Eq. (3.3): $\max|f-\mathrm{relu\ net}|$ against "
                 r"$c_0\|W^{(H)}_{j*}\|_1/\varsigma'$",
        "table": {"columns": [r"$\varsigma'$", "max error", "bound"], "rows": rows},
        "series": [{"label": "max error", "x": xs, "y": ys},
                   {"label": r"bound $c_0\|w\|_1/\varsigma'$", "x": xs, "y": bs}],
        "xlabel": r"$\varsigma'$", "ylabel": "error", "logy": True,
        "paper": r"eq. (3.3): the gated unit tends to ReLU as $\varsigma'\to\infty$ (no rate).",
        "ours": r"error falls like $1/\varsigma'$ and stays below the explicit bound "
                f"($c_0={C0:.6f}$).",
    }
