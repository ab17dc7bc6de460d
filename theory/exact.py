"""The exact tier: decisions recomputed in rational arithmetic (SymPy) on small instances.

Every float64 is the binary fraction it stores, so :func:`rational` converts it without loss and
a decision taken here is a property of the stored instance, not of rounding. The functions are
meant for small sizes (``d <= 3``, depth ``ell <= 3`` for the linear residual model of Hardt &
Ma 2017, §2): their cost grows with the size of the rationals, which doubles with every product.

Where the mathematics involves an irrational number (an eigenvalue, a spectral norm), the
decision is taken without computing it: ``lambda_min(S) >= t`` is the positive semidefiniteness
of ``S - t I``, decided by the signs of principal minors (Sylvester's criterion), and
``||A||_2 <= t`` is that of ``t^2 I - A^T A``. Their numerical values, where reported, come
from 50-digit arithmetic (mpmath) and serve only to measure how far apart two sides are.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np
import sympy

__all__ = [
    "ExactComparison",
    "compare_lambda_min",
    "compare_spectral_norm",
    "definiteness",
    "determinant_sign",
    "eq23_comparison",
    "error_matrix",
    "excess_risk",
    "gradient_norm_sq",
    "is_symmetric",
    "lambda_min",
    "rank",
    "rational",
    "rational_matrix",
    "residual_product",
    "risk_gradient",
    "standard_risk_gap",
]

DIGITS = 50  # working precision of the reported (not decided) irrational values

Matrix = sympy.Matrix


def rational(x: float) -> sympy.Rational:
    """The rational number a float64 stores, exactly (``0.1`` becomes ``3602879701896397 /
    2**55``). Raises ``ValueError`` on NaN or infinity."""
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{x!r} has no rational value")
    return sympy.Rational(x)


def rational_matrix(M: Any) -> Matrix:
    """A SymPy matrix of the exact rationals of a float64 array (vectors become columns);
    SymPy matrices pass through unchanged."""
    if isinstance(M, sympy.MatrixBase):
        return Matrix(M)
    arr = np.asarray(M, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"need a matrix, got shape {arr.shape}")
    return Matrix(arr.shape[0], arr.shape[1], [rational(x) for x in arr.ravel()])


def is_symmetric(M: Any) -> bool:
    """``M = M^T`` exactly."""
    M = rational_matrix(M)
    return M.shape[0] == M.shape[1] and M == M.T


def determinant_sign(M: Any) -> int:
    """The sign (-1, 0, 1) of ``det M`` (Bareiss elimination over the rationals); used for the
    ``det R > 0`` hypothesis of Theorem 2.1."""
    return int(sympy.sign(rational_matrix(M).det(method="bareiss")))


def rank(M: Any) -> int:
    """The exact rank of a small matrix: of a float64 array by
    :func:`theory.linalg.exact_rank` (the project's one exact rank decision), of a SymPy
    matrix of rationals by fraction-free elimination over its own entries."""
    if isinstance(M, sympy.MatrixBase):
        return int(M.rank(simplify=False))
    from theory.linalg import exact_rank

    return exact_rank(np.asarray(M, dtype=np.float64))


def _principal_minors(M: Matrix, leading: bool) -> list[sympy.Rational]:
    n = M.shape[0]
    if leading:
        subsets = [tuple(range(k)) for k in range(1, n + 1)]
    else:
        subsets = [s for k in range(1, n + 1) for s in itertools.combinations(range(n), k)]
    return [M.extract(list(s), list(s)).det(method="bareiss") for s in subsets]


def definiteness(M: Any) -> str:
    """Definiteness of a symmetric matrix, exactly: ``"positive definite"`` (every leading
    principal minor > 0, Sylvester), ``"negative definite"``, ``"positive semidefinite"`` (every
    principal minor >= 0; the zero matrix included), ``"negative semidefinite"`` or
    ``"indefinite"``. Raises ``ValueError`` for a non-symmetric matrix."""
    M = rational_matrix(M)
    if not is_symmetric(M):
        raise ValueError("definiteness needs a symmetric matrix")
    if all(m > 0 for m in _principal_minors(M, leading=True)):
        return "positive definite"
    if all(m > 0 for m in _principal_minors(-M, leading=True)):
        return "negative definite"
    if all(m >= 0 for m in _principal_minors(M, leading=False)):
        return "positive semidefinite"
    if all(m >= 0 for m in _principal_minors(-M, leading=False)):
        return "negative semidefinite"
    return "indefinite"


def compare_lambda_min(S: Any, t: Any) -> int:
    """The sign of ``lambda_min(S) - t`` for symmetric ``S`` and rational ``t``, without the
    eigenvalue: ``S - t I`` positive definite means ``lambda_min > t``, positive semidefinite but
    singular means equality, anything else ``lambda_min < t``."""
    S = rational_matrix(S)
    shifted = S - sympy.Rational(t) * sympy.eye(S.shape[0])
    kind = definiteness(shifted)
    return 1 if kind == "positive definite" else 0 if kind == "positive semidefinite" else -1


def compare_spectral_norm(A: Any, t: Any) -> int:
    """The sign of ``||A||_2 - t`` for ``t >= 0``: ``||A||_2 <= t`` iff ``t^2 I - A^T A`` is
    positive semidefinite (equality iff it is also singular). Decides ``A in B_tau`` (§2)."""
    A = rational_matrix(A)
    t = sympy.Rational(t)
    if t < 0:
        raise ValueError(f"t = {t} must be >= 0")
    gram = A.T * A
    return -compare_lambda_min(t * t * sympy.eye(gram.shape[0]) - gram, 0)


def lambda_min(S: Any, digits: int = DIGITS) -> mpmath.mpf:
    """``lambda_min(S)`` of a symmetric ``S`` to ``digits`` significant digits (mpmath's
    symmetric eigensolver on the exact entries): for measuring gaps, never for deciding."""
    S = rational_matrix(S)
    with mpmath.workdps(digits + 10):
        M = mpmath.matrix([[mpmath.mpf(sympy.Rational(x).p) / sympy.Rational(x).q
                            for x in S.row(i)] for i in range(S.shape[0])])
        return min(mpmath.eigsy(M, eigvals_only=True))


def _identity_plus(A: Sequence[Any]) -> list[Matrix]:
    mats = [rational_matrix(Ai) for Ai in A]
    return [sympy.eye(M.shape[0]) + M for M in mats]


def residual_product(A: Sequence[Any]) -> Matrix:
    """``P = (I + A_ell) ... (I + A_1)`` exactly (eq. (2.1); the input meets ``A_1`` first)."""
    factors = _identity_plus(A)
    P = sympy.eye(factors[0].shape[0])
    for F in factors:
        P = F * P
    return P


def error_matrix(A: Sequence[Any], R: Any) -> Matrix:
    """``E = P - R`` exactly (Claim 2.3)."""
    return residual_product(A) - rational_matrix(R)


def excess_risk(A: Sequence[Any], R: Any, Sigma: Any) -> sympy.Rational:
    """``f(A) - C_opt = tr(E Sigma E^T)`` exactly (Claim 2.3, eq. (2.4))."""
    E = error_matrix(A, R)
    return (E * rational_matrix(Sigma) * E.T).trace()


def risk_gradient(A: Sequence[Any], R: Any, Sigma: Any) -> list[Matrix]:
    """``grad f(A)`` exactly, without Lemma 2.4: ``P`` is affine in each single entry of each
    ``A_i``, so ``f`` is a quadratic polynomial along each coordinate and its central difference
    ``(f(A + e) - f(A - e)) / 2`` with a unit step is its derivative exactly. An independent
    computation against which the closed form (2.5) can be compared."""
    mats = [rational_matrix(Ai) for Ai in A]
    grads = []
    for i, Ai in enumerate(mats):
        G = sympy.zeros(*Ai.shape)
        for a, b in itertools.product(range(Ai.shape[0]), range(Ai.shape[1])):
            step = sympy.zeros(*Ai.shape)
            step[a, b] = 1
            plus = mats[:i] + [Ai + step] + mats[i + 1:]
            minus = mats[:i] + [Ai - step] + mats[i + 1:]
            G[a, b] = (excess_risk(plus, R, Sigma) - excess_risk(minus, R, Sigma)) / 2
        grads.append(G)
    return grads


def gradient_norm_sq(grads: Sequence[Matrix]) -> sympy.Rational:
    """``||grad f||_F^2 = sum_i ||df/dA_i||_F^2`` exactly."""
    return sum((sum(x * x for x in G) for G in grads), sympy.Rational(0))


def standard_risk_gap(R: Any, Sigma: Any) -> sympy.Rational:
    """``g(0) - min g = ||R Sigma^{1/2}||_F^2 = tr(R Sigma R^T)`` exactly (§1.1)."""
    R = rational_matrix(R)
    return (R * rational_matrix(Sigma) * R.T).trace()


@dataclasses.dataclass(frozen=True)
class ExactComparison:
    """An exact decision of ``lhs >= rhs``: ``sign`` is that of ``lhs - rhs`` (exact), ``lhs``
    and ``rhs`` their values (``rhs`` to :data:`DIGITS` digits where it is irrational) and
    ``gap = lhs - rhs`` likewise."""

    sign: int
    lhs: mpmath.mpf
    rhs: mpmath.mpf
    derivation: str

    @property
    def gap(self) -> mpmath.mpf:
        return self.lhs - self.rhs


def eq23_comparison(A: Sequence[Any], R: Any, Sigma: Any, tau: float) -> ExactComparison:
    """Eq. (2.3) of Hardt & Ma (2017) decided exactly:
    ``||grad f(A)||_F^2 >= 4 ell (1 - tau)^{2 ell - 2} sigma_min(Sigma) (f(A) - C_opt)``.

    ``||grad f||^2`` (:func:`risk_gradient`), ``f - C_opt`` and the coefficient are rational;
    ``sigma_min(Sigma) = lambda_min(Sigma)`` (symmetric PSD ``Sigma``) is not, so the sign is
    taken as that of ``t - lambda_min(Sigma)`` with the rational ``t = lhs / (coefficient x
    excess)`` (:func:`compare_lambda_min`). ``tau`` is taken as given: the caller makes sure
    ``A`` lies in ``B_tau`` (:func:`compare_spectral_norm`)."""
    ell = len(A)
    lhs = gradient_norm_sq(risk_gradient(A, R, Sigma))
    excess = excess_risk(A, R, Sigma)
    coeff = 4 * ell * (1 - rational(tau)) ** (2 * ell - 2)
    weight = coeff * excess
    if weight == 0:
        sign = int(sympy.sign(lhs))
    else:
        sign = -compare_lambda_min(Sigma, lhs / weight) if weight > 0 else 1
    with mpmath.workdps(DIGITS):
        lhs_v = mpmath.mpf(lhs.p) / lhs.q
        rhs_v = mpmath.mpf(weight.p) / weight.q * lambda_min(Sigma)
    return ExactComparison(sign, lhs_v, rhs_v, "rational gradient (central differences of the "
                           "quadratic f), rational f - C_opt, lambda_min(Sigma) decided by "
                           "Sylvester's criterion on Sigma - t I")
