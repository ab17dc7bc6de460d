"""Synthetic ledgers of any size, for tests and for timing the report (not real results).

``synthetic_ledger(n_claims)`` builds a ledger that follows the schema
``identity-landscapes-ledger/1`` and exercises every branch of the report: all four verdicts,
a first failure, a failed control, non-finite numbers written as strings, a statement that is
not valid LaTeX, reproductions with curves and tables, errata and notes of every kind with
inline math (a paper error with its counterexample instance).
"""

from __future__ import annotations

import random
from typing import Any

from .ledger import HOLDS, INCONCLUSIVE, SCHEMA, VERDICTS, VIOLATED

__all__ = ["synthetic_ledger", "PAPERS"]

PAPERS = {
    "k19": {"title": "Every Local Minimum Value Is the Global Minimum Value of Induced Model in "
            "Nonconvex Machine Learning", "authors": "Kenji Kawaguchi, Jiaoyang Huang, Leslie Pack "
            "Kaelbling", "venue": "Neural Computation 31(12), 2019"},
    "hm17": {"title": "Identity Matters in Deep Learning", "authors": "Moritz Hardt, Tengyu Ma",
             "venue": "ICLR 2017 (arXiv:1611.04231)"},
    "k22": {"title": "Understanding Dynamics of Nonlinear Representation Learning and Its "
            "Application", "authors": "Kenji Kawaguchi, Linjun Zhang, Zhun Deng",
            "venue": "Neural Computation 34(4), 2022"},
    "j19": {"title": "Why Learning of Large-Scale Neural Networks Behaves Like Convex "
            "Optimization", "authors": "Hui Jiang", "venue": "arXiv:1903.02140, 2019"},
}
# per claim, cycling: a paper error with its instance, one note of each other kind, none
_ERRATA: list[list[dict[str, Any]]] = [
    [{"kind": "paper error", "text": r"The proof's exponent $2\ell$ should read $2\ell-2$ "
      r"(equality at $A_i=-\tau I$).", "instance": {"d": 2, "l": 3, "tau": 0.5}}],
    [{"kind": "transcription", "text": r"The text we worked from lost the square root in "
      r"eq. (2.11): the rate is $O(|\mathcal T|^{-1/2})$.", "instance": None}],
    [{"kind": "interpretation", "text": r"'Distinct samples' is read as distinct on the torus "
      r"$[0,1)^K$.", "instance": None},
     {"kind": "method note", "text": r"One $\varepsilon$ ($10^{-2}$) is tested.",
      "instance": None}],
    [],
]
_STATEMENTS = [
    r"\|\nabla f(A)\|_F^2 \ge 4\ell(1-\tau)^{2\ell-2}\sigma_{\min}(\Sigma)"
    r"\big(f(A)-C_{\rm opt}\big)",
    r"L(\theta)=\inf_{\alpha\in\mathbb R^{d_\theta}}L_\theta(\alpha)",
    r"\operatorname{rank}(H)=T \implies \nabla_\theta L=0 \text{ only at } L=\min L",
    r"\mathbb E[L(\theta^{t+1})]-L^* \le "
    r"\Big(1-\frac{2\eta\lambda_{\min}}{m}\Big)^{t}\,(L(\theta^0)-L^*)",
]


def _verdict(rng: random.Random, status: str, relative: float | str) -> dict[str, Any]:
    rhs = rng.uniform(0.5, 5.0)
    rel = float(relative) if not isinstance(relative, str) else relative
    lhs = rhs * (1 + rel) if isinstance(rel, float) else "nan"
    return {"status": status, "lhs": lhs, "rhs": rhs, "relation": ">=",
            "slack": (lhs - rhs) if isinstance(lhs, float) else "nan", "relative_slack": relative,
            "tolerance": 8 * 12 * 1.1e-16 * rhs,
            "tolerance_derivation": r"8 d \gamma_d \|R\|_F^2 with $\gamma_d = du/(1-du)$",
            "message": f"{status}: smallest singular value $\\sigma_{{\\min}}$ certified",
            "diagnostics": {"cond": rng.uniform(1, 1e4), "sigma_min": rng.uniform(1e-3, 1),
                            "dtype": "float64", "backend": "numpy"},
            "seconds": rng.uniform(1e-4, 1e-2)}


def _claim(rng: random.Random, i: int, paper: str, verdict: str) -> dict[str, Any]:
    cid = f"{paper}.syn{i}"
    n = rng.randint(5, 60)
    counts = dict.fromkeys(VERDICTS, 0)
    counts[verdict] = n if verdict != VIOLATED else 1
    if verdict == VIOLATED:
        counts[HOLDS] = n - 1
    slacks = sorted(10 ** rng.uniform(-12, 1) for _ in range(n))
    if verdict == VIOLATED:
        slacks[0] = -abs(slacks[0])
    tight = slacks[0]
    statement = _STATEMENTS[i % len(_STATEMENTS)]
    if i % 7 == 3:
        statement = r"\frac{a}{ \left( \undefinedmacro"  # invalid on purpose: shown as source
    worst = _verdict(rng, VIOLATED if verdict == VIOLATED else HOLDS, tight)
    control_verdict = _verdict(rng, "violated", -rng.uniform(0.1, 0.9))
    claim = {
        "id": cid, "paper": paper, "source": f"Theorem {i}, eq. ({i}.1)",
        "title": f"Synthetic claim {i} of {paper}", "statement": statement,
        "hypotheses": [{"name": "tau<1", "statement": r"0\le\tau<1"},
                       {"name": "ball", "statement": r"A\in\mathcal B_\tau"}],
        "decides": r"Computes $\|\nabla f(A)\|_F^2$ and the right-hand side independently and "
                   "compares them with a tolerance from the rounding error of the products.",
        "errata": _ERRATA[i % len(_ERRATA)],
        "verdict": verdict, "counts": counts, "instances": n,
        "sizes": {"d": [1, rng.randint(2, 6)], "l": [1, rng.randint(2, 8)]},
        "tightness": tight if verdict != INCONCLUSIVE else None,
        "worst_instance": {"d": 3, "l": 4, "tau": 0.5, "R": [[1.0, 0.0, 0.0]] * 3, "seed": 17},
        "worst_verdict": worst,
        "first_failure": {"instance": {"d": 2, "tau": 0.9}, "verdict": worst}
        if verdict == VIOLATED else None,
        "slacks": slacks,
        "controls": [{"name": "drop-ball", "drops": "ball",
                      "description": r"$A_i=-0.9I$ with $\tau=0.5$ leaves the ball",
                      "expect": "violated", "passed": i % 11 != 5,
                      "counts": {"violated": 1}, "instance": {"tau": 0.5, "l": 3},
                      "verdict": control_verdict}],
        "reproductions": [],
        "seconds": rng.uniform(0.01, 2.0),
    }
    if i % 4 == 1:
        steps = list(range(0, 50, 5))
        claim["reproductions"].append({
            "name": "gd-curve", "title": "Gradient descent on the linear residual net",
            "description": "optimality gap against iterations",
            "series": [{"label": "ours", "x": steps, "y": [2.0 ** -s for s in steps]},
                       {"label": "bound", "x": steps, "y": [1.5 ** -s for s in steps]}],
            "xlabel": "iteration", "ylabel": r"$f(A)-C_{\mathrm{opt}}$", "logy": True,
            "logx": i % 8 == 1,
            "table": {"columns": ["width", "paper", "ours"],
                      "rows": [[16, 0.12, 0.118], [64, 0.05, "nan"]]},
            "paper": "test error 0.12 at width 16", "ours": "0.118 at width 16 (CPU size)",
            # cycling: declared agreeing, declared differing, and unstated (no key)
            **[{"agreement": "agrees"},
               {"agreement": "differs", "agreement_reason": "the CPU size halves the width"},
               {}][(i // 4) % 3]})
    return claim


def synthetic_ledger(n_claims: int = 8, seed: int = 0, regressions: bool = False) -> dict[str, Any]:
    """A schema-valid ledger with ``n_claims`` synthetic claims spread over the four papers."""
    if not isinstance(n_claims, int) or n_claims < 0:
        raise ValueError(f"n_claims must be a non-negative int, got {n_claims!r}")
    rng = random.Random(seed)
    keys = list(PAPERS)
    cycle = ["holds", "holds", "violated", "inconclusive", "holds", "out-of-scope"]
    claims = [_claim(rng, i, keys[i % 4], cycle[i % len(cycle)]) for i in range(n_claims)]
    claims.sort(key=lambda c: keys.index(c["paper"]))
    summary = {k: sum(c["verdict"] == k for c in claims) for k in VERDICTS}
    controls = [k for c in claims for k in c["controls"]]
    return {
        "schema": SCHEMA, "created": "2026-11-26T03:00:00+00:00", "profile": "ci", "seed": seed,
        "environment": {"python": "3.11.7", "platform": "Linux-6.1-x86_64", "machine": "x86_64",
                        "cpu": "synthetic CPU", "gpu": None, "backend": "numpy",
                        "packages": {"numpy": "1.26.4", "scipy": "1.11.4", "hypothesis": "6.100"},
                        "git_commit": "0123456789abcdef0123456789abcdef01234567",
                        "git_dirty": False},
        "papers": PAPERS,
        "summary": {"claims": len(claims), **summary, "controls": len(controls),
                    "controls_passed": sum(k["passed"] for k in controls),
                    "seconds": sum(c["seconds"] for c in claims)},
        "claims": claims,
        "regressions": ["k19.syn0: verdict holds -> violated"] if regressions else [],
        "baseline": {"path": "reports/baseline.json", "compared": True},
    }
