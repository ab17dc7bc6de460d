r"""j19 (Jiang 2019) §3.3.1: dead neurons and the convergence of gradient descent, re-run as a
figure: the smallest singular value $\sigma_L(H(w_n))$ of the disparity matrix and the
truncated loss $F(w_n)=\hat Q(c(w_n))$ along Armijo gradient descent, for a healthy ReLU
network and for copies of it with three and with all four hidden units dead on the cube.

The paper draws no figure here; it argues (§3.3.1) that dead units give zero rows of $H$ and,
when there are enough of them, destroy completeness and block convergence to a global minimum.
The setting is the formalisation of the j19 claims (:mod:`checks.papers.j19_disparity`): $K=1$,
$n=1$ ($L=3$), $h=4$, $T=3$ interior samples, a 64-point trapezoid grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checks.profiles import sized
from checks.strategies.j19_disparity import kill_units, network_instance
from theory.fourier import CanonicalSpace, armijo_descent
from theory.models.feedforward import Feedforward

__all__ = ["sigma_min_trajectory"]


def sigma_min_trajectory(profile: str) -> dict[str, Any]:
    r"""Jiang (2019) §3.3.1, dead neurons: $\sigma_L(H(w_n))$ and $F(w_n)$ along Armijo
    gradient descent (300 steps at ``ci``, 1000 beyond), healthy against three and four of
    four units dead."""
    steps = sized(profile, small=300, large=1000)
    base = network_instance(1, 1, 4, "relu", 3, 3, N=64)  # L = 3, T = 3, h = 4
    runs = (("healthy", base),
            ("3 of 4 units dead (rank $3=L$)", kill_units(base, [0, 1, 2])),
            ("4 of 4 units dead (rank $1<L$)", kill_units(base, [0, 1, 2, 3])))
    series = []
    for label, inst in runs:
        space = CanonicalSpace(inst["K"], inst["n"], inst["N"])
        model = Feedforward([inst["K"], inst["h"], 1], inst["activation"])
        run = armijo_descent(space, model, inst["w"], inst["X"], inst["y"], steps, 1.0)
        x = list(range(run["F"].size))
        series.append({"label": f"$F$, {label}", "x": x, "y": run["F"].tolist()})
        series.append({"label": f"$\\sigma_L(H)$, {label}", "x": x,
                       "y": np.maximum(run["sigma_L"], 1e-300).tolist()})
    # sigma_L = 0 is drawn as 1e-300 (a log axis has no 0): the y-range follows the positive
    # values, so those points fall off the bottom of the plot instead of squashing it
    positive = [v for s in series for v in s["y"] if v > 1e-300]
    return {"title": r"$\sigma_L(H(w_n))$ and the truncated loss $F$ along Armijo gradient "
                     "descent (ReLU, $K=1$, $L=3$, $h=4$, $T=3$)",
            "series": series, "xlabel": "step $n$", "ylabel": "value", "logy": True,
            "ylim": [min(positive) / 10, max(positive) * 10],
            "paper": "§3.3: dead units zero rows of $H$; enough dead units destroy "
                     "completeness and block convergence to a global minimum.",
            "ours": r"healthy and with one live unit left (rank $2\cdot1+1=3=L$): "
                    r"$\sigma_L(H)$ stays positive and $F$ decays towards 0; all units dead: "
                    r"$\operatorname{rank}H=1<L$, $\sigma_L(H)=0$ (below the log axis) and "
                    r"$F$ stalls at "
                    r"$\sum_t(y_t-\bar y)^2>0$."}
