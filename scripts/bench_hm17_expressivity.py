"""Benchmark: build and verify the Hardt & Ma (2017) Theorem 3.2 network at CIFAR-like size.

n = 10,000 unit vectors in d = 3072 with r = 10 labels (defaults). Times, separately:
checking Assumption 3.1 (unit norms, minimum pairwise distance from a chunked Gram matrix),
building the network (projection, surrogate labels, stage margins, ceil(n/k) blocks, output
block) and verifying it (forward pass on all n points, max error against the one-hot labels,
with the claim's derived tolerance). Prints a human line and one JSON line.

Run: ``PYTHONPATH=. python scripts/bench_hm17_expressivity.py [--n N --d D --r R --rho RHO]``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time

import numpy as np

__all__ = ["main", "run"]


def run(n: int = 10_000, d: int = 3072, r: int = 10, rho: float = 1.0, seed: int = 0) -> dict:
    """Build and verify once; return the timings and the figures of merit."""
    from checks.papers.hm17_relu import THM32, network_tolerance
    from checks.strategies.hm17_relu import practical_width
    from theory.constructions.hm17_expressivity import build_network

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = rng.integers(0, r, n)
    inst = {"X": X, "labels": labels, "r": r, "rho": rho, "k": practical_width(n, rho),
            "seed": seed, "max_draws": 20}

    t0 = time.perf_counter()
    unmet = THM32.unmet_hypotheses(inst)  # unit norms, separation (chunked Gram), r, d <= n
    t1 = time.perf_counter()
    net, info = build_network(X, labels, r, inst["k"], np.random.default_rng(seed))
    t2 = time.perf_counter()
    if net is None:
        raise RuntimeError(f"construction failed: {info['failures']}")
    H0 = X @ net.A0.T
    err = float(np.max(np.abs(net.head(H0) - np.eye(r)[labels])))
    tol, _, certified = network_tolerance(net, H0, info["min_margin"], info["output_margin"])
    t3 = time.perf_counter()
    return {
        "bench": "hm17.thm3.2 build+verify", "n": n, "d": d, "r": r, "rho": rho,
        "k": inst["k"], "ell": int(net.U.shape[0]), "parameters": net.parameter_count(),
        "parameters_over_nlogn_r2": net.parameter_count() / (n * math.log(n) + r * r),
        "draws": info["draws"], "min_margin": info["min_margin"],
        "hypotheses_unmet": unmet,
        "max_error": err, "tolerance": tol, "fits": bool(certified and err <= tol),
        "seconds_assumption_check": t1 - t0, "seconds_build": t2 - t1,
        "seconds_verify": t3 - t2, "seconds_build_and_verify": t3 - t1,
        "numpy": np.__version__, "machine": platform.machine(),
    }


def main(argv: list[str] | None = None) -> dict:
    """Command line entry: run the benchmark, print a summary line and one JSON line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--d", type=int, default=3072)
    p.add_argument("--r", type=int, default=10)
    p.add_argument("--rho", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    out = run(a.n, a.d, a.r, a.rho, a.seed)
    print(f"hm17 Thm 3.2: n={out['n']} d={out['d']} r={out['r']} k={out['k']} ell={out['ell']}: "
          f"build {out['seconds_build']:.2f} s + verify {out['seconds_verify']:.2f} s "
          f"= {out['seconds_build_and_verify']:.2f} s (Assumption 3.1 check "
          f"{out['seconds_assumption_check']:.2f} s); max error {out['max_error']:.2e} "
          f"<= tol {out['tolerance']:.2e}: {out['fits']}")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
