"""The mathematics of Weyl's inequality, no Hypothesis and no I/O.

H. Weyl, "Das asymptotische Verteilungsgesetz der Eigenwerte linearer partieller
Differentialgleichungen", Math. Ann. 71 (1912) 441-479: for real symmetric ``n x n`` matrices
``A`` and ``B`` with eigenvalues in decreasing order ``lambda_1 >= ... >= lambda_n`` and
integers ``i, j >= 1`` with ``i + j - 1 <= n``,

    lambda_{i+j-1}(A + B) <= lambda_i(A) + lambda_j(B).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from theory.numerics import unit_roundoff

__all__ = ["Eigenvalues", "eigenvalues", "entry_bound", "is_symmetric", "is_triangular"]

U = unit_roundoff(np.float64)
#: the symmetric eigensolver's backward error is at most ``NOISE n u ||M||_2`` (the project's
#: convention for LAPACK's ``p(n)``; LAPACK Users' Guide, 3rd ed., section 4.7)
NOISE = 10
#: the smallest positive subnormal: an absolute floor under every relative bound
ETA = float(np.nextafter(0.0, 1.0))


@dataclasses.dataclass(frozen=True)
class Eigenvalues:
    """Eigenvalues in decreasing order, each within ``error`` of the exact eigenvalue of the
    stored matrix, and how that bound was obtained."""

    values: np.ndarray
    error: float
    derivation: str


def is_symmetric(M: np.ndarray) -> bool:
    """``M = M^T`` exactly (the hypothesis of Weyl's inequality for real matrices)."""
    return bool(np.array_equal(M, M.T))


def is_triangular(M: np.ndarray) -> bool:
    """``M`` is upper or lower triangular: its eigenvalues are its diagonal, exactly."""
    return bool(np.array_equal(M, np.triu(M)) or np.array_equal(M, np.tril(M)))


def entry_bound(M: np.ndarray) -> float:
    """``n max |m_kl|``, an upper bound of ``||M||_2`` (through ``||M||_F``) that cannot
    overflow before the entries do."""
    # Python floats: a product past the range is inf (then decide() answers inconclusive)
    return float(M.shape[0]) * float(np.max(np.abs(M))) if M.size else 0.0


def eigenvalues(M: np.ndarray) -> Eigenvalues | None:
    """The eigenvalues of a square ``M`` in decreasing order with a certified error bound, or
    ``None`` where no bound is available.

    Symmetric ``M``: ``numpy.linalg.eigvalsh`` is backward stable, its results are the exact
    eigenvalues of ``M + E`` with ``||E||_2 <= 10 n u ||M||_2``, and the case ``j = 1`` of
    Weyl's inequality (``|lambda_k(M + E) - lambda_k(M)| <= ||E||_2``, also a consequence of
    the Courant-Fischer minimax principle) turns that into an error bound of each eigenvalue.
    Triangular ``M``: the diagonal, sorted, exactly (error 0). A non-symmetric, non-triangular
    ``M`` may be far from normal, where computed eigenvalues have no such bound: ``None``."""
    n = M.shape[0]
    if is_symmetric(M):
        values = np.sort(np.linalg.eigvalsh(M))[::-1]
        error = NOISE * n * U * entry_bound(M) + n * ETA
        return Eigenvalues(values, error, f"eigvalsh: {NOISE} n u (n max|m|) + n eta, n = {n}")
    if is_triangular(M):
        return Eigenvalues(np.sort(np.diag(M).copy())[::-1], 0.0, "triangular: the diagonal")
    return None
