"""Certified linear-algebra decisions for the oracles: rank, positive definiteness, smallest
eigenvalue, column-space membership and projections, each returned with its error bound and
certificate.

Every decision returns the numbers it was made on and a ``derivation`` string that says where
its thresholds come from. The rules, for a matrix with largest singular value ``s_1`` (or a
PSD Gram matrix with largest eigenvalue ``lambda_1``) in float64 with unit roundoff ``u``:

* **Noise floor** ``delta = c max(m, n) u s_1`` with ``c = 10`` (:data:`NOISE_FACTOR`): the
  backward error of a Householder SVD / symmetric eigensolver, so by Weyl's inequality every
  computed singular value is within ``delta`` of an exact one of the stored matrix.
* **Rank** = number of singular values above ``delta``; it is *certain* only when no singular
  value lies in the ambiguity band ``(delta, gap delta]`` with ``gap = 1e3`` (:data:`GAP`):
  the kept values then stand clear of the noise by three orders of magnitude (which also
  absorbs the rounding that formed the matrix), the dropped ones are indistinguishable from 0.
* **Membership** ``y in Col(A)``: project on the kept singular (eigen) vectors; by Wedin's /
  Davis-Kahan's theorem the computed subspace is within angle ``delta / (s_r - delta)`` of the
  exact one, which bounds the residual of a true member; no gap means ``None``.
* **Positive definiteness** by Cholesky of ``M - alpha I`` with Demmel's backward-error bound
  ``alpha`` (success certifies ``lambda_min(M) > 0``), and ``False`` only when the computed
  smallest eigenvalue is below ``-delta``; or from the smallest eigenvalue alone
  (``method="eigenvalues"``: ``lambda_min > delta``). **Semidefiniteness**: ``lambda_min >=
  -delta`` (:func:`semidefinite`).
* **Nonsingularity** of a square ``R``: ``s_d > delta`` (:func:`nonsingular`); the **sign of the
  determinant** exactly (rationals) for small ``d``, else LU's sign when ``R`` is certified
  nonsingular (:func:`determinant_sign`).
* **Symmetry** of a stored matrix meant to be symmetric: ``max|M - M^T| <= 4 u max(1, max|M|)``
  (:func:`symmetry_tolerance`).

Each constant is defined once, beside the computation it bounds: ``NOISE_FACTOR`` (the
eigensolver / SVD / least-squares backward error), ``GAP``, ``SYMMETRY_FACTOR`` and Demmel's
``gamma_{N+1}`` inside :func:`positive_definite`.

A Gram matrix ``M = J J^T`` has eigenvalues ``s_i^2``: decisions on ``M`` resolve singular
values of ``J`` only above about ``sqrt(delta_M)``, the price of never forming ``J``.
Runs on NumPy or CuPy (array API), always inside :func:`theory.backend.linalg_errors_raise`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from theory.backend import (
    is_cupy,
    linalg_error_types,
    linalg_errors_raise,
    namespace,
    native,
    to_numpy,
)
from theory.numerics import gamma, unit_roundoff
from theory.tex import tex_number

__all__ = [
    "GAP",
    "NOISE_FACTOR",
    "NONMEMBER_FLOOR",
    "Decision",
    "MembershipCertificate",
    "RankCertificate",
    "SYMMETRY_FACTOR",
    "RangeCertificate",
    "certified_range",
    "certified_rank",
    "certified_rank_gram",
    "determinant_sign",
    "exact_rank",
    "in_column_space",
    "nonsingular",
    "positive_definite",
    "project_onto_range",
    "semidefinite",
    "smallest_eigenvalue",
    "symmetric",
    "symmetry_tolerance",
]

NOISE_FACTOR = 10.0
"""``c`` of the noise floor ``c max(m, n) u s_1``: the backward error of a Householder SVD,
a symmetric eigensolver or a least-squares solve, relative to the matrix' 2-norm."""
GAP = 1e3
NONMEMBER_FLOOR = 1e-6
"""The smallest relative residual :func:`in_column_space` calls a non-member, whatever its
rounding threshold: a margin, not a bound. The threshold bounds the SVD's and the
projection's rounding of the *stored* matrix; a Jacobian or Gram matrix computed through a
network also carries its own forward error (``gamma_k``-sized relative errors per layer,
amplified by ``s_1 / s_r`` in the computed subspace), which no one formula here bounds for
every caller. 1e-6 is two decades above ``sqrt(u)``. The floor can only turn a ``False``
into ``None``, never a member into a non-member."""
SYMMETRY_FACTOR = 4.0
"""``4 u``: a matrix meant to be symmetric whose mirrored entries ``M_ij``, ``M_ji`` were each
formed with up to two roundings (a product and a sum, ``gamma_2 ~ 2u`` relative) differs from
its transpose by at most ``4 u max|M|`` entrywise."""
_U = unit_roundoff()


@dataclasses.dataclass(frozen=True)
class RankCertificate:
    """``rank`` = number of values above ``threshold``; ``certain`` when none lies in the
    band ``(threshold, gap * threshold]``. ``singular_values`` holds the spectrum decided on
    (descending; the eigenvalues for :func:`certified_rank_gram`), ``gap_ratio`` is
    ``s_r / max(s_{r+1}, threshold)`` (``inf`` for rank 0)."""

    rank: int
    certain: bool
    singular_values: np.ndarray
    threshold: float
    gap_ratio: float
    derivation: str
    gap: float = GAP

    def certifies(self, r: int, margin: float = 0.0) -> bool:
        """Rank ``r`` decided by the clear-gap rule (``rank == r`` and ``certain``) and ``rank
        >= r`` certified for every matrix within ``margin`` (2-norm) of the stored one: by
        Weyl's inequality ``s_r > threshold + margin`` leaves ``s_r`` of each such matrix above
        the noise floor. ``margin`` is the caller's bound on how far the stored matrix is from
        the exact one (e.g. the rounding of the quadrature that formed it)."""
        if not self.certain or self.rank != r:
            return False
        return r == 0 or float(self.singular_values[r - 1]) > self.threshold + margin


@dataclasses.dataclass(frozen=True)
class Decision:
    """A certified yes/no: ``value`` is ``True``, ``False`` or ``None`` (the numbers cannot
    decide); ``numbers`` are the quantities compared, ``bound`` the derived error bound they
    were compared against (its formula in ``derivation``, the certificate text)."""

    value: bool | None
    numbers: dict[str, float]
    derivation: str
    bound: float = math.nan

    @property
    def certificate(self) -> str:
        """The certificate text: what was computed, against which bound, with what result."""
        return self.derivation


@dataclasses.dataclass(frozen=True)
class MembershipCertificate:
    """``member``: ``True`` when ``relative_residual <= threshold``, ``False`` when it is
    ``>= nonmember_threshold``, ``None`` in between or without a spectral gap."""

    member: bool | None
    residual: float
    relative_residual: float
    threshold: float
    gap_ratio: float
    derivation: str
    rank: int = 0
    nonmember_threshold: float = math.inf


def _f64(A: Any) -> Any:
    """``A`` in float64: decisions are never taken in lower precision (in float32 the smallest
    eigenvalue of an NTK Gram came out -0.04 against +4.6e-6). The decision is then
    about the stored (rounded) matrix."""
    xp = namespace(A)
    return A if A.dtype == xp.float64 else xp.astype(A, xp.float64)


def _certify(values: np.ndarray, threshold: float, gap: float, derivation: str) -> RankCertificate:
    rank = int(np.count_nonzero(values > threshold))
    in_band = np.count_nonzero((values > threshold) & (values <= gap * threshold))
    if rank == 0:
        ratio = math.inf
    else:
        below = values[rank] if rank < values.size else 0.0
        ratio = (
            float(values[rank - 1] / max(below, threshold))
            if max(below, threshold) > 0
            else math.inf
        )
    derivation += rf"; $\operatorname{{rank}} = \#\{{s > {tex_number(threshold)}\}} = {rank}$"
    derivation += (
        "" if in_band == 0
        else f"; {in_band} value(s) in the ambiguity band up to ${gap:g}\\times$"
    )
    return RankCertificate(
        rank, bool(in_band == 0), values, float(threshold), ratio, derivation, gap
    )


def certified_rank(
    A: Any, *, rtol: float | None = None, atol: float = 0.0, gap: float = GAP
) -> RankCertificate:
    """Numerical rank of ``A`` (``m x n``) from its singular values with threshold
    ``max(atol, rtol s_1)``, ``rtol = 10 max(m, n) u`` by default (the clear-gap rule, steps 1-3).

    >>> certified_rank(np.diag([1.0, 1e-3, 0.0])).rank
    2
    """
    A = _f64(A)
    xp = namespace(A)
    m, n = A.shape
    with linalg_errors_raise(xp):
        s = np.sort(to_numpy(xp.linalg.svdvals(A)))[::-1]
    s1 = float(s[0]) if s.size else 0.0
    if rtol is None:
        rtol = NOISE_FACTOR * max(m, n) * _U
        how = rf"$\mathrm{{rtol}} = 10\max(m,n)\,u = 10\cdot{max(m, n)}\,u$"
    else:
        how = rf"$\mathrm{{rtol}} = {tex_number(rtol)}$ (given)"
    threshold = max(atol, rtol * s1)
    return _certify(s, threshold, gap, rf"SVD of ${m}\times{n}$; {how}, $\mathrm{{atol}} = "
                    rf"{tex_number(atol)}$, $s_1 = {tex_number(s1, 6)}$")


def _eigvalsh_desc(M: Any) -> np.ndarray:
    M = _f64(M)
    xp = namespace(M)
    with linalg_errors_raise(xp):
        return np.sort(to_numpy(xp.linalg.eigvalsh(M)))[::-1]


def certified_rank_gram(
    M: Any, *, rtol: float | None = None, atol: float = 0.0, gap: float = GAP
) -> RankCertificate:
    """Rank of a symmetric PSD Gram matrix ``M`` (``N x N``, e.g. ``J J^T`` or ``phi phi^T``)
    from its eigenvalues with threshold ``max(atol, rtol lambda_max)``, ``rtol = 10 N u`` by
    default: the eigensolver's backward error on ``M``'s own scale (the clear-gap rule's step 1,
    Hadamard-Gram variant; Assumption 4 safe exploration via ``rank phi = rank phi phi^T``)."""
    N = M.shape[0]
    lam = _eigvalsh_desc(M)
    lam_max = float(np.max(np.abs(lam))) if lam.size else 0.0
    if rtol is None:
        rtol, how = NOISE_FACTOR * N * _U, rf"$\mathrm{{rtol}} = 10Nu = 10\cdot{N}\,u$"
    else:
        how = rf"$\mathrm{{rtol}} = {tex_number(rtol)}$ (given)"
    threshold = max(atol, rtol * lam_max)
    derivation = (rf"eigvalsh of the ${N}\times{N}$ Gram; {how}, $\mathrm{{atol}} = "
                  rf"{tex_number(atol)}$, $\lambda_{{\max}} = {tex_number(lam_max, 6)}$")
    if lam.size and lam[-1] < -threshold:
        derivation += rf"; NOT PSD within noise ($\lambda_{{\min}} = {tex_number(lam[-1])}$)"
    return _certify(lam, threshold, gap, derivation)


def _cholesky_ok(M: Any) -> bool:
    xp = namespace(M)
    try:
        with linalg_errors_raise(xp):
            R = xp.linalg.cholesky(M)
        return bool(np.all(np.isfinite(to_numpy(xp.linalg.diagonal(R)))))
    except linalg_error_types():
        return False


def smallest_eigenvalue(M: Any, *, scale: float | None = None) -> tuple[float, float]:
    """``(lambda_min, error_bound)`` of a symmetric ``M``: by Weyl's inequality the exact
    smallest eigenvalue of the stored ``M`` lies within ``error_bound = 10 N u ||M||_2`` of
    ``lambda_min`` (backward stability of the symmetric eigensolver). ``scale`` replaces
    ``||M||_2`` where the error of ``M`` itself is relative to a larger quantity."""
    lam = _eigvalsh_desc(M)
    norm = float(np.max(np.abs(lam))) if scale is None else float(scale)
    bound = NOISE_FACTOR * M.shape[0] * _U * norm
    return float(lam[-1]), bound


def symmetry_tolerance(M: Any) -> float:
    """``4 u max(1, max|M|)`` (:data:`SYMMETRY_FACTOR`): the largest ``|M_ij - M_ji|`` that
    rounding explains in a matrix meant to be symmetric. The floor 1 makes the test absolute
    for entries below 1 (the scale of the hm17 instances, Hardt & Ma 2017 §2)."""
    M = to_numpy(M)
    top = float(np.max(np.abs(M))) if M.size else 0.0
    return SYMMETRY_FACTOR * _U * max(1.0, top)


def symmetric(M: Any) -> Decision:
    """``M = M^T`` up to :func:`symmetry_tolerance`: ``True`` or ``False`` (a larger asymmetry
    is not rounding), with the asymmetry and the bound."""
    M = to_numpy(M)
    gap = float(np.max(np.abs(M - M.T))) if M.size else 0.0
    tol = symmetry_tolerance(M)
    return Decision(gap <= tol, {"asymmetry": gap, "bound": tol},
                    f"max|M - M^T| = {gap:.3g} against 4 u max(1, max|M|) = {tol:.3g}", tol)


def semidefinite(M: Any, *, scale: float | None = None) -> Decision:
    """Certified ``M >= 0`` for a symmetric ``M`` (Hardt & Ma 2017, ``Sigma = E[x x^T] >= 0``):
    ``True`` when ``lambda_min`` of ``(M + M^T)/2`` is ``>= -10 N u scale`` (Weyl, see
    :func:`smallest_eigenvalue`; ``scale = ||M||_2`` by default), else ``False``: below that
    bound the exact ``lambda_min`` is negative."""
    M = _f64(M)
    lam, bound = smallest_eigenvalue(0.5 * (M + M.T), scale=scale)
    return Decision(lam >= -bound, {"lambda_min": lam, "eig_error": bound},
                    f"lambda_min = {lam:.3g} against -10 N u ||M|| = {-bound:.3g}", bound)


def nonsingular(R: Any) -> Decision:
    """Certified ``det R != 0`` for a square ``R`` (``d x d``): ``True`` when ``s_d`` exceeds the
    SVD's noise floor ``10 d u s_1`` (:func:`certified_rank` has rank ``d``), so by Weyl the
    stored ``R`` is nonsingular and quantities such as ``R^{-1}`` or ``gamma(R)`` of Hardt &
    Ma 2017 Theorem 2.1 are computed accurately; ``False`` otherwise (undecided or singular)."""
    cert = certified_rank(R)
    d = R.shape[0]
    s_d = float(cert.singular_values[-1]) if cert.singular_values.size else 0.0
    return Decision(cert.rank == d, {"sigma_min": s_d, "threshold": cert.threshold},
                    cert.derivation, cert.threshold)


def determinant_sign(R: Any, *, exact_up_to: int = 8) -> int:
    """The sign of ``det R`` (-1, 0, 1): exact in rational arithmetic
    (:func:`theory.exact.determinant_sign`, Bareiss) for ``d <= exact_up_to``, else the sign
    of LU's determinant where :func:`nonsingular` certifies ``R`` (``0``: singular or
    undecided). Used for ``det R > 0`` of Hardt & Ma 2017 Theorem 2.1."""
    if R.shape[0] <= exact_up_to:
        from theory import exact

        return exact.determinant_sign(R)
    if not nonsingular(R).value:
        return 0
    return int(np.linalg.slogdet(to_numpy(R))[0])


def _shift_diagonal(M: Any, alpha: float, xp: Any) -> None:
    idx = native(xp).arange(M.shape[0])
    M[idx, idx] -= alpha  # in place for any memory layout (NumPy and CuPy)


def _cholesky_in_place_ok(M: Any, xp: Any) -> bool:
    if is_cupy(xp):  # cuSOLVER has no public in-place wrapper; the copy is the price
        return _cholesky_ok(M)
    import scipy.linalg

    # LAPACK factors Fortran-ordered arrays in place; a C-ordered symmetric M is M^T in Fortran
    # order, so factor that view rather than let f2py copy N^2 numbers.
    A = M.T if M.flags.c_contiguous else M
    try:
        R = scipy.linalg.cholesky(A, lower=True, overwrite_a=True, check_finite=False)
    except linalg_error_types():
        return False
    return bool(np.all(np.isfinite(np.diagonal(R))))


def _positive_definite_eigen(M: Any) -> Decision:
    lam, bound = smallest_eigenvalue(0.5 * (M + M.T))
    numbers = {"lambda_min": lam, "eig_error": bound}
    how = f"lambda_min = {lam:.3g} against 10 N u ||M|| = {bound:.3g}"
    value = True if lam > bound else (False if lam < -bound else None)
    return Decision(value, numbers, how, bound)


def positive_definite(
    M: Any, *, overwrite: bool = False, method: str = "cholesky"
) -> Decision:
    """Certified ``M > 0`` for a symmetric ``M`` (``N x N``): used for ``lambda_min(M) > 0`` of
    k22 §2.2, the rank-``n`` test of ``phi phi^T`` (k22 Assumption 4) and k19's Hessian tests.

    ``True`` when Cholesky of ``M - alpha I`` succeeds with ``alpha = 2 gamma_{N+1} tr|M| /
    (1 - gamma_{N+1})``: Demmel's bound ``|dA| <= gamma_{N+1} |R^T||R|`` gives
    ``||dA||_2 <= gamma_{N+1} ||R||_F^2 < alpha``, so ``M - alpha I + dA = R^T R >= 0`` and
    ``lambda_min(M) > 0``. ``False`` when the computed smallest eigenvalue is below
    ``-10 N u ||M||_2`` (Weyl). ``None`` otherwise.

    ``overwrite=True`` (for ``N`` in the tens of thousands) takes ``M`` as symmetric, factors it
    in place and destroys it; a failed Cholesky then answers ``None`` without eigenvalues.

    ``method="eigenvalues"`` decides from the smallest eigenvalue of ``(M + M^T)/2`` alone:
    ``True`` when it is above ``10 N u ||M||_2`` (Weyl), ``False`` below its negative, ``None``
    between (Hardt & Ma 2017 Appendix A.1, ``R > 0``)."""
    M = _f64(M)
    if method == "eigenvalues":
        return _positive_definite_eigen(M)
    if method != "cholesky":
        raise ValueError(f"method must be 'cholesky' or 'eigenvalues', got {method!r}")
    xp = namespace(M)
    N = M.shape[0]
    if not overwrite:
        M = 0.5 * (M + M.T)
    trace_abs = float(to_numpy(xp.sum(xp.abs(xp.linalg.diagonal(M)))))
    g = gamma(N + 1)
    alpha = 2.0 * g * trace_abs / (1.0 - g)
    numbers: dict[str, float] = {"alpha": alpha, "trace_abs": trace_abs, "n": float(N)}
    how = f"alpha = 2 gamma_{N + 1} tr|M| / (1 - gamma) = {alpha:.3g} (Demmel's Cholesky bound)"
    if overwrite:
        _shift_diagonal(M, alpha, xp)
        if trace_abs > 0 and _cholesky_in_place_ok(M, xp):
            return Decision(
                True, numbers, f"in-place Cholesky of M - alpha I succeeded; {how}", alpha)
        return Decision(None, numbers, f"in-place Cholesky of M - alpha I failed ({how}); M "
                        "overwritten, no smallest-eigenvalue test", alpha)
    shifted = M - alpha * xp.eye(N, dtype=M.dtype)
    if trace_abs > 0 and _cholesky_ok(shifted):
        return Decision(True, numbers, f"Cholesky of M - alpha I succeeded; {how}", alpha)
    lam, bound = smallest_eigenvalue(M)
    numbers.update(lambda_min=lam, eig_error=bound)
    if lam < -bound:
        return Decision(
            False, numbers, f"lambda_min = {lam:.3g} < -10 N u ||M|| = {-bound:.3g}", bound)
    return Decision(
        None,
        numbers,
        f"Cholesky of M - alpha I failed ({how}) and lambda_min = {lam:.3g} >= -{bound:.3g}",
        bound,
    )


def _range_basis(gram: Any, J: Any) -> tuple[np.ndarray, np.ndarray, float, str]:
    """Orthonormal vectors ``U`` (descending), the spectrum (singular values of ``J``, or
    eigenvalues of the Gram), the noise floor ``delta`` and a description."""
    if (gram is None) == (J is None):
        raise ValueError("give exactly one of gram= or J=")
    if J is not None:
        J = _f64(J)
        xp = namespace(J)
        with linalg_errors_raise(xp):
            U, s, _ = xp.linalg.svd(J, full_matrices=False)
        U, s = to_numpy(U), to_numpy(s)
        order = np.argsort(s)[::-1]
        delta = NOISE_FACTOR * max(J.shape) * _U * float(s[order[0]]) if s.size else 0.0
        return U[:, order], s[order], delta, rf"SVD of $J$ (${J.shape[0]}\times{J.shape[1]}$)"
    gram = _f64(gram)
    xp = namespace(gram)
    with linalg_errors_raise(xp):
        lam, U = xp.linalg.eigh(gram)
    lam, U = to_numpy(lam), to_numpy(U)
    order = np.argsort(lam)[::-1]
    lam_max = float(np.max(np.abs(lam))) if lam.size else 0.0
    delta = NOISE_FACTOR * gram.shape[0] * _U * lam_max
    return (U[:, order], lam[order], delta,
            rf"eigh of the Gram (${gram.shape[0]}\times{gram.shape[0]}$)")


@dataclasses.dataclass(frozen=True)
class RangeCertificate:
    """An orthonormal basis ``U`` (``N x r``) of the numerical range with the rank certificate
    it was cut by (the spectrum in ``certificate.singular_values``: singular values of ``J``
    or eigenvalues of the Gram)."""

    U: np.ndarray
    certificate: RankCertificate


def certified_range(*, gram: Any = None, J: Any = None, gap: float = GAP) -> RangeCertificate:
    """Orthonormal basis of ``Col(J) = Col(J J^T)`` (Kawaguchi et al. 2019 §3.2, the range of
    the gradient basis; Kawaguchi et al. 2022 Definition 2) from the SVD of ``J`` or the
    eigendecomposition of the Gram: the vectors of the values above the noise floor
    ``10 max(m, n) u s_1`` (``10 N u lambda_max`` for a Gram), certified by the clear-gap rule."""
    U, s, delta, how = _range_basis(gram, J)
    cert = _certify(s, delta, gap, how)
    return RangeCertificate(U[:, : cert.rank], cert)


def in_column_space(
    y: Any,
    *,
    gram: Any = None,
    J: Any = None,
    gap: float = GAP,
    nonmember_tol: float | None = None,
) -> MembershipCertificate:
    """Certified ``y in Col(J)`` (= ``Col(J J^T)``) from the Gram matrix or from ``J``
    (the clear-gap rule, steps 1-5; used for data-architecture alignment, k22 Definition 2).

    Keeps the ``r`` singular (eigen) vectors above the noise floor ``delta``; without a gap
    (a value in ``(delta, gap delta]``) the answer is ``None``. The relative residual
    ``rho = ||(I - U_r U_r^T) y|| / ||y||`` is compared with ``threshold = delta / (s_r -
    delta) + 10 sqrt(N) u`` (the Wedin / Davis-Kahan angle of the computed subspace plus the
    rounding of the projection): below, ``True``; above ``nonmember_threshold =
    max(NONMEMBER_FLOOR, gap * threshold)`` (or ``nonmember_tol``), ``False``; else
    ``None``."""
    y = to_numpy(y).reshape(-1).astype(np.float64)
    U, s, delta, how = _range_basis(gram, J)
    if U.shape[0] != y.size:
        raise ValueError(f"y has {y.size} entries, the matrix has {U.shape[0]} rows")
    cert = _certify(s, delta, gap, how)
    r = cert.rank
    y_norm = float(np.linalg.norm(y))
    res = y - U[:, :r] @ (U[:, :r].T @ y)
    res_norm = float(np.linalg.norm(res))
    rho = res_norm / y_norm if y_norm > 0 else 0.0
    angle = float(delta / (s[r - 1] - delta)) if r > 0 else 0.0
    tau = angle + NOISE_FACTOR * math.sqrt(y.size) * _U
    tau_no = max(NONMEMBER_FLOOR, gap * tau) if nonmember_tol is None else nonmember_tol
    derivation = (
        rf"{cert.derivation}; $\rho = {tex_number(rho)}$; member if $\rho \le "
        rf"\delta/(s_r - \delta) + 10\sqrt{{N}}\,u = {tex_number(tau)}$, non-member if "
        rf"$\rho \ge {tex_number(tau_no)}$"
    )
    if y_norm == 0:
        member: bool | None = True
    elif not cert.certain:
        member, derivation = None, derivation + "; no spectral gap: inconclusive"
    else:
        member = True if rho <= tau else (False if rho >= tau_no else None)
    return MembershipCertificate(
        member, res_norm, rho, float(tau), cert.gap_ratio, derivation, r, tau_no
    )


def project_onto_range(y: Any, *, gram: Any = None, J: Any = None) -> tuple[np.ndarray, float]:
    """``(P y, ||y - P y||)`` with ``P`` the orthogonal projector onto ``Col(J)``, i.e. the
    least-squares fit ``J J^+ y = M M^+ y`` (k22 §2.2 squared-loss projections), computed from
    the eigenvectors of the Gram ``M`` (or the SVD of ``J``) above the noise floor."""
    y = to_numpy(y).reshape(-1).astype(np.float64)
    U, s, delta, _ = _range_basis(gram, J)
    r = int(np.count_nonzero(s > delta))
    proj = U[:, :r] @ (U[:, :r].T @ y)
    return proj, float(np.linalg.norm(y - proj))


def exact_rank(A: Any) -> int:
    """Exact rank of a small matrix in rational arithmetic (SymPy ``DomainMatrix`` over QQ):
    every float64 entry is converted to the rational it represents exactly, so a rank
    deficiency found here is a property of the stored matrix, not of rounding. Cost grows like
    ``m n min(m, n)`` big-rational operations: keep it to a few dozen rows."""
    import sympy
    from sympy.polys.domains import QQ
    from sympy.polys.matrices import DomainMatrix

    A = to_numpy(A)
    if A.ndim != 2:
        raise ValueError(f"exact_rank needs a matrix, got shape {A.shape}")
    rows = [[QQ.convert(sympy.Rational(float(x))) for x in row] for row in A.tolist()]
    return int(DomainMatrix(rows, A.shape, QQ).rank())
