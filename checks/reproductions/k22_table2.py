r"""k22 (Kawaguchi, Zhang & Deng 2022) Table 2: the safe-exploration condition
``rank phi = n`` (Assumption 4, §3.3.1) on inputs of the data sets' shapes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from checks.profiles import profile_name
from checks.strategies import k22_ee as strat
from theory.models.feedforward import Feedforward
from theory.safe_exploration import safe_exploration

__all__ = ["TABLE2", "TABLE2_N", "TABLE2_RUN", "TABLE2_SAME", "table2"]


# The data sets of Table 2: (name, n, input shape).
TABLE2 = [("Semeion", 1_000, 256), ("MNIST", 60_000, 784), ("KMNIST", 60_000, 784),
          ("CIFAR-10", 50_000, 3072), ("CIFAR-100", 50_000, 3072), ("SVHN", 73_257, 3072)]
TABLE2_N = {"ci": 2_000, "dev": 4_000, "thorough": 20_000}
TABLE2_RUN = ("Semeion", "MNIST", "CIFAR-10")
"""The distinct input shapes; KMNIST (as MNIST), CIFAR-100 and SVHN (as CIFAR-10) give the same
instances once ``n`` is capped below 50,000, so they are listed but not re-run."""
TABLE2_SAME = {"KMNIST": "MNIST", "CIFAR-100": "CIFAR-10", "SVHN": "CIFAR-10"}


def _synthetic_images(rng: np.random.Generator, n: int, m_x: int, classes: int = 10) -> np.ndarray:
    """Image-like stand-ins: class prototypes with pixel values in [0, 1] plus per-sample noise,
    clipped to [0, 1], then centred (``- 0.5``). NOT the original data sets."""
    proto = rng.uniform(0.0, 1.0, (classes, m_x))
    labels = rng.integers(0, classes, n)
    # centred like standardised pixels
    return np.clip(proto[labels] + 0.25 * rng.standard_normal((n, m_x)), 0.0, 1.0) - 0.5


def table2(profile: str = "ci", names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Table 2 on synthetic inputs of each data set's shape: a He-initialised tanh body
    ``[m_x, 512]`` (``m_{H-1} = 513`` with the constant neuron), ``m_H = ceil(2n / 513)``,
    ``q ~ N(0, I)``, ``varsigma' = 1``; ``rank phi = n`` decided by :func:`safe_exploration`
    at ``n = min(n_paper, TABLE2_N[profile])``."""
    cap = TABLE2_N.get(profile_name(profile), TABLE2_N["ci"])
    if names is None:
        names = TABLE2_RUN
    rows = []
    for name, n_paper, m_x in TABLE2:
        if name not in names:
            if name in TABLE2_SAME:
                rows.append([name, n_paper, math.ceil(2 * n_paper / 513), None, None,
                             f"input shape as {TABLE2_SAME[name]} (not re-run)"])
            continue
        n = min(n_paper, cap)
        rng = np.random.default_rng(2022)
        X = _synthetic_images(rng, n, m_x)
        body = Feedforward([m_x, 512], "tanh", bias=True)
        inst = {"X": X, "body_widths": [m_x, 512], "activation": "tanh",
                "theta_body": body.init(rng, "he"), "varsigma": 1.0}
        m_H = math.ceil(2 * n / 513)
        inst["q"] = rng.standard_normal((513, m_H))
        cert = safe_exploration(strat.body_features(inst), inst["q"], 1.0, X=X)
        rows.append([name, n_paper, math.ceil(2 * n_paper / 513), n, m_H,
                     {True: "rank $n$ certified", False: "deficient", None: "inconclusive"}[
                         cert.value]])
    return {
        "title": r"Table 2: safe exploration $\operatorname{rank}\phi=n$ (synthetic inputs, NOT "
                 "the data sets)",
        "table": {"columns": ["data set (shape only)", "$n$ (paper)", "$m_H$ (paper)",
                              "$n$ (ours)", "$m_H$ (ours)", "verdict"], "rows": rows},
        "paper": "Table 2: the condition holds on MNIST, CIFAR-10/100, Semeion, KMNIST, SVHN "
        r"with $m_{H-1}=513$ and $m_H=\lceil 2n/513\rceil$ ($q\sim N(0,I)$, He "
        "initialisation, ResNet-18).",
        "ours": "synthetic prototype-plus-noise inputs of each data set's input size through a "
        "dense tanh body of width 512 (not ResNet-18, not the original data); rank $n$ "
        "certified by Cholesky of the Hadamard Gram with Demmel's margin. With a softplus "
        r"body of this kind (uncentred features, saturated gates at $\varsigma'=1$) the Gram "
        r"was numerically singular ($\lambda_{\min}/\lambda_{\max}\approx10^{-17}$): "
        "inconclusive.",
    }
