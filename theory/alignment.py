"""Kawaguchi, Zhang & Deng (2022), Section 2: common model structure, data-architecture
alignment (DAA), the Gram matrix M = J J^T, Q_T (eq. 2.5) and the gap bound (eq. 2.10).

Conventions. ``J`` is the Jacobian of the stacked outputs with rows in *sample-major* order
(row ``i * m_y + j`` is output ``j`` of sample ``i``), and targets are stacked the same way
(``Y.reshape(-1)``). The paper's ``vec`` stacks columns; both orderings differ by one row
permutation applied to ``J`` and to ``vec(Y')`` alike, which changes no column-space membership,
no norm and no Gram spectrum.

Membership ``b in Col(J)`` is the core's certified test (:func:`theory.linalg.in_column_space`,
our clear-gap rule: a noise floor ``delta = c max(p, q) u s_1``, a cut-off ``r``
at a clear gap, the relative projection residual ``rho``, ``None`` when there is no gap or
``rho`` falls between the two thresholds), extended with what the theorems need.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from theory.linalg import GAP, NOISE_FACTOR, in_column_space
from theory.losses import get_loss
from theory.numerics import UNDERFLOW, gamma, unit_roundoff

__all__ = [
    "GAP",
    "NOISE_C",
    "UNDERFLOW",
    "Membership",
    "bias_witness",
    "convex_infimum",
    "euler_residual",
    "find_structure_set",
    "flush_subnormals",
    "gap_bound",
    "lstar",
    "lstar_modified_target",
    "membership",
    "membership_at_cutoff",
    "modified_target",
    "q_T",
    "smallest_eigenvalue_M",
    "structure_vector",
    "zeta_eta",
]

NOISE_C = NOISE_FACTOR  # the c of the noise floor delta = c max(p, q) u s_1 (section 0.4)


def modified_target(Y: np.ndarray, loss: str) -> np.ndarray:
    """The modified target Y' of section 2.1.2: ``Y`` for the squared loss, ``2Y - 1`` for the
    binary cross-entropy loss on {0, 1} labels and for the multiclass softmax cross-entropy on
    one-hot rows; the logistic loss already uses {-1, +1} labels."""
    Y = np.asarray(Y, dtype=np.float64)
    if loss in ("cross-entropy", "softmax-cross-entropy"):
        return 2.0 * Y - 1.0
    if loss in ("squared", "logistic"):
        return Y.copy()
    raise ValueError(f"no modified target defined for the loss {loss!r}")


def lstar(Ystar: np.ndarray, Y: np.ndarray, loss: str) -> float:
    """L^*(Y^*) = (1/n) sum_i l(y^*_i, y_i), eq. (2.6); outputs of one sample are summed."""
    ell = get_loss(loss)
    return float(np.sum(ell.value(np.asarray(Ystar, float), np.asarray(Y, float))) / Y.shape[0])


def lstar_modified_target(eta: float, loss: str, m_y: int) -> float:
    """The closed form of ``L^*(eta Y')`` (eq. 2.6 at the modified target of section 2.1.2)
    for the classification losses, where every sample contributes the same value:
    ``log(1 + (m_y - 1) e^{-2 eta})`` for softmax cross-entropy on one-hot rows (the true
    class's logit ``eta`` against ``m_y - 1`` logits ``-eta``), and ``m_y log(1 + e^{-eta})``
    for cross-entropy on {0, 1} and the logistic loss on {-1, +1} labels (each output
    ``eta y'`` with ``y' = +-1`` on its own). Both vanish as ``eta -> inf``: why Y' is used.
    Written with ``log(1 + e^x)`` = ``logaddexp(0, x)``, so no ``eta`` overflows."""
    if m_y < 1:
        raise ValueError(f"m_y must be >= 1, got {m_y}")
    if loss == "softmax-cross-entropy":
        if m_y < 2:
            raise ValueError(f"softmax cross-entropy needs m_y >= 2 classes, got {m_y}")
        return float(np.logaddexp(0.0, math.log(m_y - 1) - 2.0 * eta))
    if loss in ("cross-entropy", "logistic"):
        return m_y * float(np.logaddexp(0.0, -eta))
    raise ValueError(f"no closed form of L*(eta Y') for the loss {loss!r}; evaluate lstar")


def structure_vector(theta: np.ndarray, S: np.ndarray) -> np.ndarray:
    """nu(theta) of Assumption 1: ``theta_k`` for ``k`` in ``S``, zero elsewhere."""
    nu = np.zeros_like(np.asarray(theta, dtype=np.float64))
    S = np.asarray(S, dtype=int)
    nu[S] = theta[S]
    return nu


def euler_residual(f_vec: np.ndarray, J: np.ndarray, nu: np.ndarray) -> tuple[float, float]:
    """Assumption 1 (common model structure): ``e = ||vec f_X - J nu||_inf`` and the rounding
    scale ``||f||_inf + ||J||_inf ||nu||_1`` that a tolerance multiplies."""
    e = float(np.max(np.abs(f_vec - J @ nu)))
    scale = float(np.max(np.abs(f_vec)) + np.max(np.abs(J)) * np.sum(np.abs(nu)))
    return e, scale


def find_structure_set(f_vec: np.ndarray, J: np.ndarray, theta: np.ndarray,
                       candidates: list[np.ndarray], rounding_terms: int) -> np.ndarray | None:
    """Assumption 1 (common model structure) as a search: the first candidate index set S
    (for instance each layer's block, or unions of blocks) whose Euler residual
    ``||vec f - J nu_S||_inf`` is within ``gamma_k (||f||_inf + ||J||_inf ||nu_S||_1)``,
    ``k = rounding_terms``; None when no candidate satisfies the identity."""
    for S in candidates:
        e, scale = euler_residual(f_vec, J, structure_vector(theta, S))
        if e <= gamma(rounding_terms) * scale:
            return np.asarray(S, dtype=int)
    return None


@dataclasses.dataclass
class Membership:
    """A certified decision of ``b in Col(A)`` and the numbers it rests on.

    ``member`` is True / False / None (inconclusive). ``rank`` is the cut-off r; ``rho`` the
    relative residual ``||(I - U_r U_r^T) b|| / ||b||``; ``residual`` its absolute value;
    ``coef_norm`` is ``||A_r^+ b||`` (the least-norm coefficients at the cut-off, the
    ``beta-hat / eta`` of Theorem 3); ``gap`` is ``s_r / s_{r+1}``.
    """

    member: bool | None
    rank: int
    rho: float
    residual: float
    coef_norm: float
    s: np.ndarray
    delta: float
    gap: float
    member_below: float
    nonmember_above: float
    reason: str = ""

    def coef_norm_error(self) -> float:
        """A bound on the error of ``coef_norm`` from the SVD, which is exact for a matrix
        within ``delta`` (the noise floor) of the given one: Wedin's least-squares perturbation
        ``||dx|| <= e (2 ||x|| + ||r|| / (s_r - delta))`` with ``e = delta / (s_r - delta)``
        (``x`` the least-norm coefficients at the cut-off, ``r`` the residual). Zero for a
        structural witness (its coefficients are exact), infinite without a gap above delta."""
        if self.rank == 0 or self.reason == "structural witness (bias columns)":
            return 0.0
        s_r = float(self.s[self.rank - 1])
        if s_r <= self.delta:
            return math.inf
        e = self.delta / (s_r - self.delta)
        return e * (2.0 * self.coef_norm + self.residual / (s_r - self.delta))

    def summary(self) -> dict[str, float | int | str | None]:
        return {
            "member": self.member, "rank": self.rank, "rho": self.rho,
            "s_1": float(self.s[0]) if self.s.size else 0.0,
            "s_r": float(self.s[self.rank - 1]) if self.rank else 0.0,
            "gap": self.gap, "delta": self.delta, "coef_norm": self.coef_norm,
            "reason": self.reason,
        }


def _spectrum(J: np.ndarray | None, M: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Left singular vectors U and singular values s (descending), from J (SVD) or from
    M = J J^T (eigendecomposition; singular values are the square roots)."""
    if J is not None:
        U, s, _ = np.linalg.svd(J, full_matrices=False)
        return U, s
    lam, V = np.linalg.eigh(M)
    order = np.argsort(lam)[::-1]
    return V[:, order], np.sqrt(np.clip(lam[order], 0.0, None))


def bias_witness(J: np.ndarray, b: np.ndarray, m_y: int) -> np.ndarray | None:
    """Coefficients beta with J beta = b for a target that is constant per output
    (b[i m_y + j] = c_j), built on the columns of J that equal the indicator of output j
    exactly (the last layer's biases, whose derivative is exactly 1): the structural
    certificate of alignment for a constant target. None if there is no such target or column."""
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    rows = np.arange(b.size) % m_y
    beta = np.zeros(J.shape[1])
    for j in range(m_y):
        c = b[rows == j]
        if not np.all(c == c[0]):
            return None
        pattern = (rows == j).astype(np.float64)
        hits = np.flatnonzero(np.all(J == pattern[:, None], axis=0))
        if hits.size == 0:
            return None
        beta[hits[0]] = c[0]
    return beta


def flush_subnormals(A: np.ndarray | None) -> np.ndarray | None:
    """A with its subnormal entries (|a| < tiny, e.g. sigmoid(100 z) tails of softplus(100))
    set to 0: a perturbation of norm <= sqrt(pq) tiny, far below any noise floor, that spares
    LAPACK the 100x slower subnormal arithmetic."""
    if A is None:
        return None
    tiny = np.finfo(np.float64).tiny
    return np.where(np.abs(A) < tiny, 0.0, A)


def _norm(c: np.ndarray) -> float:
    cmax = float(np.max(np.abs(c))) if c.size else 0.0
    return cmax * float(np.linalg.norm(c / cmax)) if cmax > 0 else 0.0  # no overflow


def membership(
    b: np.ndarray, *, J: np.ndarray | None = None, M: np.ndarray | None = None,
    gap: float = GAP, witness: np.ndarray | None = None,
) -> Membership:
    """Decide ``b in Col(J)`` (equivalently ``Col(M)`` with ``M = J J^T``) for Definition 2
    (DAA), with the core's certified test :func:`theory.linalg.in_column_space` (the clear-gap
    rule), and add what Theorems 2-3 need: the least-norm
    coefficient norm ``||J_r^+ b||`` at the cut-off and the spectrum.

    A Jacobian whose largest singular value is below ``GAP tiny / u`` (gradual underflow: no
    relative precision and no gap can be certified) counts as zero. A ``witness`` beta (with
    J given) certifies membership on its own when ``||J beta - b|| <= gamma_q ||J|| ||beta||``
    (the rounding of one product J beta); its norm then stands in for the least-norm
    coefficients (an upper bound on them, which is all the gap bound needs).
    """

    if (J is None) == (M is None):
        raise ValueError("give exactly one of J and M")
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    J, M = flush_subnormals(J), flush_subnormals(M)
    J_full, q_full = J, None
    if J is not None and J.shape[1] > 4 * J.shape[0]:
        # J = R^T Q^T (Householder QR of J^T): same column space, singular values and left
        # singular vectors, at O(p^2 q) instead of a p x q SVD. The core sizes its noise floor
        # by max(shape) = p, so the gap factor is raised by q/p: a gap certified for R^T with
        # it is a gap above the floor 10 q u s_1 of J itself (conservative, never looser).
        q_full = J.shape[1]
        J = np.linalg.qr(J.T, mode="r").T
        gap = gap * q_full / J.shape[0]
    U, s = _spectrum(J, M)
    nb = float(np.linalg.norm(b))
    if not s.size or s[0] <= gap * UNDERFLOW:
        member = True if nb == 0.0 else False
        return Membership(member, 0, 0.0 if nb == 0 else 1.0, nb, 0.0, s, UNDERFLOW, math.inf,
                          0.0, 0.0, "b = 0" if nb == 0 else "the matrix is zero (underflow)")
    cert = in_column_space(b, J=J, gap=gap) if J is not None else in_column_space(b, gram=M)
    r = cert.rank
    coef = _norm((U[:, :r].T @ b) / s[:r]) if r else 0.0
    size = q_full or (max(J.shape) if J is not None else M.shape[0])
    delta = NOISE_C * size * unit_roundoff() * s[0] if J is not None else math.sqrt(
        NOISE_C * size * unit_roundoff() * s[0] ** 2)
    out = Membership(cert.member, r, cert.relative_residual, cert.residual, coef, s, delta,
                     cert.gap_ratio, cert.threshold, cert.nonmember_threshold,
                     "" if cert.member is not None else cert.derivation)
    if witness is None or J is None or out.member is True:
        return out
    res = float(np.linalg.norm(J_full @ witness - b))
    bound = gamma(J_full.shape[1]) * float(np.linalg.norm(J_full, 2) * np.linalg.norm(witness))
    if res > bound:
        return out
    return dataclasses.replace(out, member=True, rho=res / nb if nb else 0.0, residual=res,
                               coef_norm=float(np.linalg.norm(witness)),
                               member_below=bound / nb if nb else 0.0,
                               reason="structural witness (bias columns)")


def membership_at_cutoff(b: np.ndarray, s: np.ndarray, U: np.ndarray, cutoff: float) -> bool:
    """The naive decision at a fixed relative cut-off (rank = #{s_i > cutoff s_1}), as a
    practitioner without the gap rule would take it; used to show Q_T's cut-off dependence."""
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    r = int(np.sum(s > cutoff * s[0])) if s.size and s[0] > 0 else 0
    nb = float(np.linalg.norm(b))
    if nb == 0.0:
        return True
    if r == 0:
        return False
    res = np.linalg.norm(b - U[:, :r] @ (U[:, :r].T @ b)) / nb
    # the rounding of the projection, 10 sqrt(N) u (as in theory.linalg.in_column_space),
    # amplified by the condition number s_1 / s_r of the kept block
    return bool(res <= NOISE_FACTOR * math.sqrt(b.size) * unit_roundoff() * s[0] / s[r - 1])


def q_T(decisions: list[bool | None]) -> dict[str, int]:
    """Q_T of eq. (2.5): the number of t in 0..T at which DAA fails (``False``), with the
    inconclusive steps (``None``) counted apart rather than guessed."""
    return {
        "Q_T": sum(1 for d in decisions if d is False),
        "inconclusive": sum(1 for d in decisions if d is None),
        "checked": len(decisions),
    }


def smallest_eigenvalue_M(J: np.ndarray) -> float:
    """lambda_min(M) with M = J J^T (the empirical NTK Gram, section 2.2), from the singular
    values of J (squared) so that it is accurate to about u s_1^2 rather than sqrt(u)."""
    s = np.linalg.svd(J, compute_uv=False)
    p = J.shape[0]
    return float(s[-1] ** 2) if s.size == p else 0.0


def zeta_eta(nu_norms: np.ndarray, beta_norms: np.ndarray) -> float:
    """zeta_eta = 4 max_{t in T} max(||nu(theta^t)||^2, ||beta-hat(theta^t, eta)||^2),
    Theorem 3. The 4 comes from ||nu - beta|| <= ||nu|| + ||beta|| <= 2 max(||nu||, ||beta||)."""
    return 4.0 * float(max(np.max(np.square(nu_norms)), np.max(np.square(beta_norms))))


def gap_bound(lstar_eta: float, L: float, zeta: float, loss_t0: float, alpha: float,
              n_T: int) -> float:
    """The right side of eq. (2.10) of Theorem 3, with the square root the journal text lost:
    ``L^*(eta Y^*) + sqrt(L zeta_eta L(theta^{t0}) / (2 alpha (1 - alpha) |T|))``."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    if n_T < 1:
        raise ValueError("the index set T must be nonempty")
    return lstar_eta + math.sqrt(L * zeta * loss_t0 / (2.0 * alpha * (1.0 - alpha) * n_T))


GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def convex_infimum(f: Any, *, start: float = 1.0, iters: int = 200, cap: float = 2.0**12
                   ) -> tuple[float, float, float]:
    """``inf f`` over the reals for a convex ``f`` that is smallest on ``[0, inf)`` (as eq.
    (2.12)'s right side in eta, where ``f(-eta) >= f(eta)``): ``(argmin, upper, lower)``.

    The bracket grows from ``[-1, start]`` by doubling until ``f`` rises (at most to ``cap``,
    beyond which eq. (2.12)'s ``log(1 + e^{-eta})`` is 0 in float64), then golden-section
    search narrows it to ``[a, b]``, which holds a minimiser of the convex ``f``. ``upper`` is
    the smallest value seen (the search stops at a width of 1e-8 relative, where the chords
    are still well resolved); ``lower`` follows from convexity: with ``m`` the best of ``a - w,
    a, (a + b) / 2, b, b + w`` (``w = b - a``) and ``l < m < r`` its neighbours, ``f >= f(m) -
    max(s_r (m - a), -s_l (b - m))`` on ``[a, b]``, ``s_l, s_r`` the chord slopes to ``l, r``,
    and ``f`` is larger outside the bracket."""
    hi = start
    while hi < cap and f(2.0 * hi) < f(hi):
        hi *= 2.0
    a, b = -1.0, 2.0 * hi
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        if b - a <= 1e-8 * (1.0 + abs(a) + abs(b)):  # the chords below stay well resolved
            break
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = f(d)
    w = b - a
    xs = [a - w, a, 0.5 * (a + b), b, b + w]
    fs = [f(x) for x in xs]
    k = min(range(1, 4), key=lambda i: fs[i])
    m, fm = xs[k], fs[k]
    s_l = (fm - fs[k - 1]) / (m - xs[k - 1])
    s_r = (fs[k + 1] - fm) / (xs[k + 1] - m)
    lower = fm - max(max(s_r, 0.0) * (m - a), max(-s_l, 0.0) * (b - m))
    return m, min(fm, min(fs)), lower
