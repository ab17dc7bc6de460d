r"""k19 (Kawaguchi, Huang & Kaelbling 2019), Section 4.1: Theorem 3's bound beside Shamir's
(Proposition 1) on trained ResNets ``f = W(x + R z(x; u))``.

The paper gives no numbers: Theorem 3 improves Shamir's ``L <= LS[x]`` to ``L <= LS[x, z]``
and allows ``d_y > 1``. The ResNets are those of the claims' strategy
(:func:`checks.strategies.k19_resnet.build_resnet`), certified and measured with the claims'
own oracles (:mod:`checks.papers.k19_resnet`).
"""

from __future__ import annotations

from checks.profiles import sized
from checks.strategies import k19_resnet as strat
from checks.tex import tex_number

__all__ = ["shamir_improvement"]


def shamir_improvement(profile: str) -> dict:
    r"""Theorem 3 (eqs. (4.1)-(4.2)) against Shamir's bound (Proposition 1) on trained ResNets:
    ``L(theta)``, ``LS[x, z(x; u)]`` and ``LS[x]`` per seed, for ``d_y`` in {1, 2}, at the
    points the second-order certificate accepts as local minima."""
    # the claim module wires this reproduction in, so it is imported at call time
    from checks.papers import k19_resnet

    n = sized(profile, small=4, large=12)
    rows = []
    for seed in range(n):
        depth = sized(profile, small=1, large=1 + (seed // 2) % 2)
        inst = strat.build_resnet(1000 + seed, 3, 1 + seed % 2, 2, depth, 20)
        cert = k19_resnet.local_min_certificate(inst, strat.resnet_model)
        nums = k19_resnet.resnet_numbers(inst)["cmp"]
        rows.append([seed, inst["Y"].shape[1], depth, cert.status, cert.grad_norm, nums.loss,
                     nums.features["x,z"]["infimum"], nums.features["x"]["infimum"]])
    ok = [r for r in rows if r[3] == "local-minimum"]
    xs = [r[0] for r in ok]
    largest = max((abs(r[5] - r[6]) for r in ok), default=float("nan"))
    return {
        "title": "Local-minimum loss beside Theorem 3's and Shamir's bounds (trained ResNets)",
        "series": [{"label": r"$L(\theta)$ at the local minimum", "x": xs,
                    "y": [r[5] for r in ok]},
                   {"label": r"Theorem 3: $\mathrm{LS}[x,z(x;u)]$", "x": xs,
                    "y": [r[6] for r in ok]},
                   {"label": r"Shamir (Prop. 1): $\mathrm{LS}[x]$", "x": xs,
                    "y": [r[7] for r in ok]}],
        "xlabel": "instance (seed)", "ylabel": "weighted squared loss",
        "table": {"columns": ["seed", "$d_y$", "depth of $z$", "certificate",
                              r"$\|\nabla L\|$", "$L$", r"$\mathrm{LS}[x,z]$",
                              r"$\mathrm{LS}[x]$"], "rows": rows},
        "paper": r"Theorem 3 improves Shamir's bound $L\le\mathrm{LS}[x]$ to "
        r"$L\le\mathrm{LS}[x,z]$ and allows $d_y>1$ (no numbers in the paper).",
        "ours": f"{len(ok)}/{len(rows)} trained points certified; at those "
        rf"$|L-\mathrm{{LS}}[x,z]|$ is at most ${tex_number(largest, 2)}$ while "
        r"Shamir's $\mathrm{LS}[x]$ exceeds $L$ by a factor "
        + ", ".join(f"{r[7] / r[5]:.3g}" for r in ok),
    }
