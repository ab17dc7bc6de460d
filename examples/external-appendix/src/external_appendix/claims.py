"""The claim ``example.weyl``: Weyl's inequality, with its oracle, control, relations and
reproduction."""

from __future__ import annotations

from typing import Any

import numpy as np

from checks.framework import (
    Claim,
    Control,
    Hypothesis,
    Parameter,
    Relation,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
)
from checks.inputs import BadInput, integer, matrix
from external_appendix import strategies, weyl

PAPER = "example"
U = weyl.U


def parse(params: Any) -> dict[str, Any]:
    """JSON params -> instance; ``BadInput`` (one line) on malformed data or indices outside
    ``1 <= i, j``, ``i + j - 1 <= n`` (where ``lambda_{i+j-1}`` is undefined)."""
    A = matrix(params, "A", square=True)
    n = A.shape[0]
    if n == 0:
        raise BadInput("A: expected at least a 1 x 1 matrix")
    B = matrix(params, "B", (n, n))
    i = integer(params, "i", lo=1, hi=n)
    j = integer(params, "j", lo=1, hi=n)
    if i + j - 1 > n:
        raise BadInput(f"i + j - 1 = {i + j - 1} exceeds n = {n}: lambda_(i+j-1) is undefined")
    return {"A": A, "B": B, "i": i, "j": j}


def _symmetric(inst: dict[str, Any]) -> bool | str:
    bad = [name for name in ("A", "B") if not weyl.is_symmetric(inst[name])]
    return not bad or f"{' and '.join(bad)} not symmetric"


def measure(inst: dict[str, Any]) -> Verdict:
    """Weyl (1912): ``lambda_{i+j-1}(A + B) <= lambda_i(A) + lambda_j(B)``, each side from its
    own eigenvalue computation; the tolerance is the sum of the three eigenvalue error bounds,
    the rounding of ``A + B`` (``u (n max|s|)``) and that of the final sum (``u |rhs|``)."""
    A, B, i, j = inst["A"], inst["B"], inst["i"], inst["j"]
    with np.errstate(over="ignore"):  # an overflowing sum is answered below, not warned
        S = A + B
    if not np.all(np.isfinite(S)):
        return Verdict(Status.INCONCLUSIVE, message="A + B overflows: its eigenvalues are not "
                       "representable at this scale")
    spectra = {name: weyl.eigenvalues(M) for name, M in (("A", A), ("B", B), ("A+B", S))}
    missing = [name for name, e in spectra.items() if e is None]
    if missing:
        return _uncertified(missing)
    eA, eB, eS = spectra["A"], spectra["B"], spectra["A+B"]
    lhs = float(eS.values[i + j - 2])
    rhs = float(eA.values[i - 1] + eB.values[j - 1])
    tol = Tolerance(
        eA.error + eB.error + eS.error + U * weyl.entry_bound(S) + U * abs(rhs),
        "err(A) + err(B) + err(A+B) + u (n max|s|) + u |rhs|; err(M) = 10 n u (n max|m|) "
        "+ n eta for a symmetric M (eigvalsh), 0 for a triangular one (its diagonal)",
    )
    scale = weyl.entry_bound(A) + weyl.entry_bound(B)
    return decide(lhs, rhs, relation="<=", tolerance=tol, scale=scale, diagnostics={
        "n": A.shape[0], "i": i, "j": j, "norm_bound_A": weyl.entry_bound(A),
        "norm_bound_B": weyl.entry_bound(B), "how_A": eA.derivation, "how_B": eB.derivation,
        "how_A+B": eS.derivation,
    })


def _uncertified(names: list[str]) -> Verdict:
    """No certified eigenvalues for a non-symmetric, non-triangular matrix: inconclusive."""
    return Verdict(Status.INCONCLUSIVE, message=(
        f"no certified eigenvalues of {', '.join(names)}: neither symmetric nor triangular "
        "(a non-normal matrix's computed eigenvalues have no backward-error bound)"))


# ------------------------------------------------------------------------------ control


def _triangular_pairs() -> list[dict[str, Any]]:
    """Nilpotent ``A`` (strictly upper) and ``B = A^T``: every eigenvalue of ``A`` and ``B``
    is 0 (read exactly off the diagonal), while ``A + B`` is symmetric with eigenvalue
    ``max |a|`` > 0, so ``lambda_1(A + B) <= lambda_1(A) + lambda_1(B) = 0`` fails."""
    A2 = np.array([[0.0, 2.0], [0.0, 0.0]])
    A3 = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    return [{"A": A2, "B": A2.T.copy(), "i": 1, "j": 1},
            {"A": A3, "B": A3.T.copy(), "i": 1, "j": 1}]


CONTROL = Control(
    "triangular-pair", drops="symmetric",
    description=r"$A$ strictly upper triangular, $B = A^T$: $\lambda(A) = \lambda(B) = 0$ but "
    r"$\lambda_1(A+B) = \|A\|_2 > 0$; without symmetry the eigenvalues of a sum are not "
    "controlled by those of the summands",
    instances=_triangular_pairs,
)


# ------------------------------------------------------------------------------ relations


def _scale(inst: dict[str, Any], rng: Any) -> dict[str, Any]:
    k = int(rng.integers(-8, 9))
    return {**inst, "A": np.ldexp(inst["A"], k), "B": np.ldexp(inst["B"], k)}


def _permute(inst: dict[str, Any], rng: Any) -> dict[str, Any]:
    p = rng.permutation(inst["A"].shape[0])
    return {**inst, "A": inst["A"][np.ix_(p, p)], "B": inst["B"][np.ix_(p, p)]}


def _swap(inst: dict[str, Any], rng: Any) -> dict[str, Any]:
    return {"A": inst["B"], "B": inst["A"], "i": inst["j"], "j": inst["i"]}


RELATIONS = (
    Relation("power-of-two scaling", r"$(A, B) \to (2^k A, 2^k B)$ scales every eigenvalue "
             r"by $2^k$, both sides alike", _scale),
    Relation("simultaneous permutation", r"$(A, B) \to (P A P^T, P B P^T)$ is an orthogonal "
             "similarity of both and of their sum: no eigenvalue changes", _permute),
    Relation("swap the summands", r"$(A, i, B, j) \to (B, j, A, i)$: the same sum and the "
             "same right-hand side", _swap),
)


# ------------------------------------------------------------------------------ reproduction


def laplacian_table(profile: str) -> dict[str, Any]:
    """Weyl's inequality on the path Laplacian ``T = tridiag(-1, 2, -1)`` (eigenvalues
    ``2 - 2 cos(k pi / (n + 1))``) plus the all-ones matrix ``J`` (eigenvalues ``n, 0, ...``):
    the bound from the closed forms beside ``lambda_{i+j-1}(T + J)`` computed."""
    n = {"ci": 5, "dev": 6}.get(profile, 8)
    T = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    J = np.ones((n, n))
    lam_T = sorted((2 - 2 * np.cos(k * np.pi / (n + 1)) for k in range(1, n + 1)), reverse=True)
    lam_J = [float(n)] + [0.0] * (n - 1)
    lam_S = weyl.eigenvalues(T + J).values
    rows = [[i, j, round(float(lam_S[i + j - 2]), 6), round(lam_T[i - 1] + lam_J[j - 1], 6)]
            for i in range(1, n + 1) for j in range(1, n - i + 2)]
    tight = sum(row[2] == row[3] for row in rows)
    return {
        "title": rf"Weyl's inequality for $T_{{{n}}} + J_{{{n}}}$",
        "table": {"columns": ["i", "j", "lambda_(i+j-1)(T+J)", "lambda_i(T) + lambda_j(J)"],
                  "rows": rows},
        "paper": r"$\lambda_{i+j-1}(A+B) \le \lambda_i(A) + \lambda_j(B)$ for every admissible "
                 "$(i, j)$",
        "ours": f"{sum(row[2] <= row[3] for row in rows)} of {len(rows)} pairs within the bound "
                f"(rounded to 6 digits), {tight} of them equal to it",
    }


CLAIM = Claim(
    id="example.weyl", paper=PAPER,
    source="Weyl (1912), the eigenvalue inequality for a sum of symmetric matrices",
    title="Weyl's inequality for the eigenvalues of a sum",
    statement=r"\lambda_{i+j-1}(A+B) \le \lambda_i(A) + \lambda_j(B)",
    measure=measure, parse=parse, strategy=strategies.instances,
    hypotheses=[Hypothesis("symmetric", r"A = A^T,\ B = B^T", _symmetric)],
    controls=[CONTROL],
    reproductions=[Reproduction("laplacian", "path Laplacian plus the all-ones matrix",
                                laplacian_table)],
    decides="both sides from their own symmetric eigensolves (eigenvalues in decreasing "
            "order); the tolerance adds the three eigensolvers' backward-error bounds and the "
            "rounding of A + B and of the sum",
    parameters=[
        Parameter("A", "n x n", "real symmetric matrix $A$"),
        Parameter("B", "n x n", "real symmetric matrix $B$"),
        Parameter("i", "scalar", "index $i$ of $\\lambda_i(A)$", "1 <= i <= n"),
        Parameter("j", "scalar", "index $j$ of $\\lambda_j(B)$", "1 <= j, i + j - 1 <= n"),
    ],
    relations=RELATIONS,
    edge_strategy=strategies.edge_instances,
    size=lambda inst: {"n": inst["A"].shape[0]},
    cost=lambda inst: 1e-4 + 1e-8 * inst["A"].shape[0] ** 3,
)
