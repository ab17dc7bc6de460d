"""The gradient-basis model of Kawaguchi, Huang & Kaelbling (2019), Section 3.2.

With our stacked notation (outputs ``f_X`` and Jacobian ``J`` sample-major,
``Lambda = diag(lambda_i I_{d_y})``), the gradient-basis objective is
``L_theta(alpha) = sum_i lambda_i l(J_i alpha, y_i)`` and Theorem 1 says
``L(theta) = inf_alpha L_theta(alpha)`` at critical points. This module computes

* the objective ``L`` and the whitening ``J_hat = Lambda^{1/2} J``, ``r_hat = Lambda^{1/2} r``;
* ``inf_alpha L_theta`` for the squared loss by least squares on the range of ``J_hat``
  (an SVD with a rank threshold derived from the backward error, or Gram first:
  ``range(J_hat) = range(J_hat J_hat^T)``), and for other convex losses by a convex solve that
  reports whether the infimum looks attained;
* the quantitative gap of our ``k19.ours1``:
  ``||grad L||^2 / (4 s_max^2) <= L - inf = ||P_{J_hat} r_hat||^2 <= ||grad L||^2 / (4 s_min+^2)``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.optimize import minimize as _scipy_minimize

from theory.losses import Loss
from theory.numerics import gamma

__all__ = [
    "ConvexInfimum",
    "ConvexReport",
    "RangeBasis",
    "convex_report",
    "gap_bounds",
    "model_report",
    "gb_infimum_convex",
    "gb_infimum_squared",
    "objective",
    "projected_gap",
    "range_basis",
    "range_basis_gram",
    "safe_norm",
    "sample_weights",
    "squared_report",
    "SquaredReport",
    "whiten",
]


def sample_weights(lam: np.ndarray, d_y: int) -> np.ndarray:
    """The diagonal of ``Lambda = diag(lambda_1 I_{d_y}, ..., lambda_m I_{d_y})``."""
    return np.repeat(np.asarray(lam, dtype=np.float64), d_y)


def objective(loss: Loss, F: np.ndarray, Y: np.ndarray, lam: np.ndarray) -> float:
    """``L = sum_i lambda_i l(f_i, y_i)`` (Section 2.1) with ``l(q, y) = sum_k l(q_k, y_k)``
    for the elementwise losses of :mod:`theory.losses` (``||q - y||^2`` for squared)."""
    F = np.reshape(F, Y.shape)
    return float(np.sum(lam[:, None] * loss.value(F, Y)))


def whiten(J: np.ndarray, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Lambda^{1/2} J, Lambda^{1/2} v)`` for the diagonal ``w`` of ``Lambda``."""
    s = np.sqrt(w)
    return J * s[:, None], v * s


@dataclasses.dataclass
class RangeBasis:
    """An orthonormal basis ``U`` of the numerical range of a matrix, with its singular values,
    the rank threshold used and the derivation of that threshold."""

    U: np.ndarray
    singular_values: np.ndarray
    rank: int
    threshold: float
    derivation: str
    certain: bool = True

    @property
    def s_max(self) -> float:
        return float(self.singular_values[0]) if self.singular_values.size else 0.0

    @property
    def s_min_plus(self) -> float:
        """Smallest singular value counted as nonzero (``sigma_min^+``); ``inf`` if rank 0."""
        return float(self.singular_values[self.rank - 1]) if self.rank else float("inf")

    @property
    def next_below(self) -> float:
        """Largest singular value counted as zero (0 when there is none)."""
        s = self.singular_values
        return float(s[self.rank]) if self.rank < s.size else 0.0


def range_basis(A: np.ndarray) -> RangeBasis:
    """Orthonormal basis of ``range(A)`` from an SVD, with the rank of
    :func:`theory.linalg.certified_rank` (noise floor ``10 max(p,q) u sigma_max``; ``certain``
    is false when a singular value lies in the ambiguity band above the floor, where a
    rank-dependent answer such as ``sigma_min^+`` cannot be trusted)."""
    from theory.linalg import certified_rank

    U, s, _ = np.linalg.svd(A, full_matrices=False)
    cert = certified_rank(A)
    r = cert.rank
    return RangeBasis(U[:, :r], s, r, cert.threshold, cert.derivation, cert.certain)


def range_basis_gram(G: np.ndarray) -> RangeBasis:
    """Gram-first variant: ``range(A) = range(A A^T)`` from the eigendecomposition of the
    ``p x p`` Gram matrix ``G = A A^T`` (:func:`theory.linalg.certified_range`): eigenvalues
    ``<= 10 p u ||G||_2`` (the eigensolver's backward error) count as zero, which on ``A`` is
    the threshold ``sqrt(10 p u) sigma_max(A)`` (squaring loses half the digits)."""
    from theory.linalg import certified_range

    rng = certified_range(gram=0.5 * (G + G.T))
    cert = rng.certificate
    s = np.sqrt(np.clip(cert.singular_values, 0.0, None))
    return RangeBasis(rng.U, s, cert.rank, float(np.sqrt(cert.threshold)),
                      "sqrt of the Gram's noise floor: " + cert.derivation, cert.certain)


def projected_gap(basis: RangeBasis, r_hat: np.ndarray) -> float:
    """``||P_{J_hat} r_hat||^2``: the gap ``L - inf L_theta`` of our ``k19.ours1``."""
    return float(np.sum((basis.U.T @ r_hat) ** 2))


def gb_infimum_squared(
    J_hat: np.ndarray, y_hat: np.ndarray, basis: RangeBasis | None = None
) -> float:
    """``inf_alpha ||J_hat alpha - y_hat||^2 = ||(I - P) y_hat||^2``: the gradient-basis value
    of Kawaguchi et al. (2019), Section 3.2, for the squared loss (already whitened by
    ``Lambda^{1/2}``). The residual is formed directly (no ``||y||^2 - ||P y||^2`` cancellation)."""
    basis = basis if basis is not None else range_basis(J_hat)
    res = y_hat - basis.U @ (basis.U.T @ y_hat)
    return float(res @ res)


def safe_norm(v: np.ndarray) -> float:
    """``||v||_2`` without a spurious overflow: NumPy squares the entries, so a vector with
    entries above ``2^511`` has an infinite norm although the norm is representable; then
    the norm is taken of ``v / max|v|`` and scaled back (otherwise NumPy's value, bit for
    bit)."""
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    with np.errstate(over="ignore"):
        n = float(np.linalg.norm(v))
    if math.isfinite(n) or not np.all(np.isfinite(v)):
        return n
    top = float(np.max(np.abs(v)))
    return top * float(np.linalg.norm(v / top))


def gap_bounds(grad_norm: float, basis: RangeBasis) -> tuple[float, float]:
    """``(||grad L||^2 / (4 s_max^2), ||grad L||^2 / (4 s_min+^2))`` with the singular values of
    ``J_hat``: the two-sided bound on ``L - inf L_theta`` for ``l = ||q - y||^2`` (ours1)."""
    if not basis.rank:
        return 0.0, 0.0
    # (g / 2s)^2 rather than g^2 / 4s^2: s^2 can underflow to 0 while s > 0
    # in NumPy arithmetic an overflow is inf (the oracle then says inconclusive), not an error
    with np.errstate(over="ignore"):
        g = np.float64(grad_norm)
        lo = np.square(g / (2 * basis.s_max))
        hi = np.square(g / (2 * basis.s_min_plus))
    return float(lo), float(hi)


@dataclasses.dataclass
class ConvexInfimum:
    """Result of :func:`gb_infimum_convex`: the best value found (an upper bound on the
    infimum), its ``alpha``, the final gradient norm, and whether it looks attained."""

    value: float
    alpha: np.ndarray
    grad_norm: float
    attained: bool
    note: str


def gb_infimum_convex(
    loss: Loss, J: np.ndarray, Y: np.ndarray, lam: np.ndarray,
    starts: list[np.ndarray], maxiter: int = 500,
) -> ConvexInfimum:
    """``inf_alpha L_theta(alpha)`` for a convex elementwise loss (Section 3.2), by L-BFGS from
    each of ``starts`` (e.g. ``g(theta)`` and random points); the best value is an upper bound on
    the infimum. The infimum is reported as not attained when ``L_theta(2 alpha) <
    L_theta(alpha)`` at the solver's point (separable data drive ``||alpha|| -> inf``)."""
    w = sample_weights(lam, Y.shape[1])
    y = Y.reshape(-1)

    def fun(a):
        q = J @ a
        return float(np.sum(w * loss.value(q, y))), J.T @ (w * loss.grad(q, y))

    def hess(a):
        q = J @ a
        return J.T @ ((w * loss.hess(q, y))[:, None] * J)

    from theory.optimize import newton_polish

    best = None
    for a0 in starts:
        res = _scipy_minimize(fun, np.asarray(a0, float), jac=True, method="L-BFGS-B",
                              options={"maxiter": maxiter, "gtol": 0.0, "ftol": 0.0})
        # Newton polish with the exact Hessian J^T diag(lambda l'') J: L-BFGS stops early when
        # started at a near-minimiser, Newton reaches the minimiser to rounding
        a = newton_polish(lambda v: fun(v)[0], lambda v: fun(v)[1], hess, res.x, steps=6)[0]
        val = fun(a)[0]
        if best is None or val < best[0]:
            best = (val, a)
    # recession test: if doubling the minimiser still lowers the value, the value keeps
    # decreasing along the ray (convexity), so the infimum is approached only as ||alpha|| -> inf
    value, a = best
    receding = bool(np.any(a)) and fun(2 * a)[0] < value
    attained = not receding
    gnorm = float(np.linalg.norm(fun(a)[1]))
    note = "minimiser bounded" if attained else "value decreases along alpha -> 2 alpha: " \
        "infimum not attained"
    return ConvexInfimum(float(value), a, gnorm, attained, note)


@dataclasses.dataclass
class SquaredReport:
    """Everything Theorem 1 and ``k19.ours1`` decide on, for the squared loss at one point.

    ``inf`` is ``min(inf_ls, L_theta(g))`` (a guard against a truncated SVD
    returning a value above ``L``); ``tau_round`` bounds the rounding error of ``L - inf``;
    ``bound_hi`` is ``(||grad L|| + grad_err)^2 / (4 s_min+^2)``, the certified gap of an
    approximate critical point with the gradient's own rounding error included.
    """

    L: float
    inf_ls: float
    inf_g: float
    inf: float
    proj_gap: float
    grad_norm: float
    grad_err: float
    s_max: float
    s_min_plus: float
    rank: int
    bound_lo: float
    bound_hi: float
    bound_hi_exact: float
    tau_round: float
    tau_derivation: str
    structure_residual: float
    structure_tol: float
    rank_certain: bool = True

    @property
    def gap(self) -> float:
        return self.L - self.inf

    @property
    def critical(self) -> bool:
        """``theta`` is critical to working precision: its certified gap is below rounding."""
        return self.bound_hi <= self.tau_round

    def diagnostics(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "tau_derivation"}


def squared_report(
    F: np.ndarray, Y: np.ndarray, lam: np.ndarray, J: np.ndarray, grad_L: np.ndarray,
    g: np.ndarray | None,
) -> SquaredReport:
    """Both sides of Theorem 1 (Kawaguchi et al. 2019, Section 3.2) and of the quantitative gap
    (ours, ``k19.ours1``) for ``l = ||q - y||^2``, from the outputs ``F`` (``m x d_y``), the
    Jacobian ``J`` (sample-major rows), an *independently computed* gradient ``grad_L`` and the
    Assumption 2 map value ``g = g(theta)`` (``None`` when the model has none).

    Rounding (Higham §3, ``n = m d_y + d_theta``): outputs carry ``gamma_{d_theta+2}`` relative
    error, so ``delta_r = gamma_{d_theta+2}(||f_hat|| + ||y_hat||)``; the least-squares residual
    carries ``delta_res = gamma_n (kappa + 1) ||y_hat|| + delta_r`` (SVD backward error amplified
    by ``kappa = s_max / s_min+``); then ``tau_round = gamma_n L + 2 ||r_hat|| delta_r + delta_r^2
    + 2 ||res|| delta_res + delta_res^2``.
    """
    d_y = Y.shape[1]
    n = J.shape[0] + J.shape[1]
    w = sample_weights(lam, d_y)
    f, y = np.reshape(F, -1), np.reshape(Y, -1)
    J_hat, r_hat = whiten(J, f - y, w)
    f_hat, y_hat = np.sqrt(w) * f, np.sqrt(w) * y
    basis = range_basis(J_hat)
    L = float(r_hat @ r_hat)
    res = y_hat - basis.U @ (basis.U.T @ y_hat)
    inf_ls = float(res @ res)
    inf_g = float(np.sum((J_hat @ g - y_hat) ** 2)) if g is not None else float("inf")
    kappa = basis.s_max / basis.s_min_plus if basis.rank else 1.0
    d_r = gamma(J.shape[1] + 2) * (safe_norm(f_hat) + safe_norm(y_hat))
    d_res = gamma(n) * (kappa + 1) * safe_norm(y_hat) + d_r
    # products, not ``**2``: a Python float's power raises OverflowError where a product
    # gives inf, and an infinite tolerance makes the verdict inconclusive with its reason
    tau = (gamma(n) * L + 2 * safe_norm(r_hat) * d_r + d_r * d_r
           + 2 * safe_norm(res) * d_res + d_res * d_res)
    gnorm = safe_norm(grad_L)
    g_err = 2 * gamma(n) * basis.s_max * safe_norm(r_hat)
    lo, hi = gap_bounds(gnorm, basis)
    hi_err = gap_bounds(gnorm + g_err, basis)[1]
    if g is not None:
        s_res = float(np.linalg.norm(J_hat @ g - f_hat))
        s_tol = gamma(n) * (basis.s_max * float(np.linalg.norm(g)) + float(np.linalg.norm(f_hat)))
    else:
        s_res, s_tol = float("inf"), 0.0
    return SquaredReport(
        L=L, inf_ls=inf_ls, inf_g=inf_g, inf=min(inf_ls, inf_g),
        proj_gap=projected_gap(basis, r_hat), grad_norm=gnorm, grad_err=g_err,
        s_max=basis.s_max, s_min_plus=basis.s_min_plus, rank=basis.rank, bound_lo=lo,
        bound_hi=hi_err, bound_hi_exact=hi, tau_round=float(tau),
        tau_derivation="gamma_n L + 2||r||d_r + d_r^2 + 2||res||d_res + d_res^2, "
        "d_r = gamma_{d_theta+2}(||f||+||y||), d_res = gamma_n (kappa+1)||y|| + d_r "
        "(whitened norms, n = m d_y + d_theta)",
        structure_residual=s_res, structure_tol=float(s_tol), rank_certain=basis.certain,
    )


def model_report(model, theta: np.ndarray, X: np.ndarray, Y: np.ndarray,
                 lam: np.ndarray) -> SquaredReport:
    """:func:`squared_report` for a model of :mod:`theory.models.basis`: outputs and the
    analytic Jacobian from the family, the gradient of ``L`` by autograd (independent of the
    Jacobian code, so that a slip in either shows)."""
    from theory.models.basis import model_jacobian, squared_objective

    _, grad, _ = squared_objective(model, X, Y, lam)
    F = np.asarray(model.f(theta, X))
    g = model.g(theta) if model.g is not None else None
    return squared_report(F, Y, lam, model_jacobian(model, theta, X), grad(theta), g)


@dataclasses.dataclass
class ConvexReport:
    """Both sides of Theorem 1 for a convex loss other than the squared one, at one point.

    ``inf`` is the best value of :func:`gb_infimum_convex` (an upper bound on the infimum);
    ``credit = (||grad L|| + grad_err) ||alpha - g||`` bounds ``L - L_theta(alpha)`` at the
    solver's ``alpha`` by convexity (``L_theta(alpha) >= L + <grad L, alpha - g>``, Appendix A.1);
    ``tau_round`` bounds the rounding of ``L`` and of ``L_theta(alpha)``.
    """

    L: float
    inf: float
    attained: bool
    attained_note: str
    solver_grad_norm: float
    grad_norm: float
    grad_err: float
    radius: float
    credit: float
    tau_round: float
    tau_derivation: str
    structure_residual: float
    structure_tol: float

    @property
    def gap(self) -> float:
        return self.L - self.inf

    @property
    def critical(self) -> bool:
        """Critical to working precision: the convexity bound on ``L - inf`` at the solver's
        point is below the rounding of ``L``."""
        return self.credit <= self.tau_round

    def diagnostics(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "tau_derivation"}


def convex_report(
    loss: Loss, F: np.ndarray, Y: np.ndarray, lam: np.ndarray, J: np.ndarray,
    grad_L: np.ndarray, g: np.ndarray | None, restarts: int = 3, seed: int = 0,
) -> ConvexReport:
    """Theorem 1 of Kawaguchi et al. (2019) (Section 3.2) for a convex elementwise loss
    (cross-entropy, logistic, smoothed hinge): ``L(theta)`` from the outputs ``F`` and
    ``inf_alpha L_theta(alpha)`` by :func:`gb_infimum_convex` from ``g(theta)``, the weighted
    least-squares fit ``alpha_ls`` of the targets, and ``restarts`` random points around ``g``
    (spread ``max(sqrt((1 + ||g||^2) / d_theta), ||alpha_ls - g||)``): the other starts are what
    could find a lower value. ``grad_L`` must be computed independently (autograd).

    Rounding (Higham §3, ``n = m d_y + d_theta``): both values are sums of ``m d_y`` terms whose
    arguments carry ``gamma_n |q|`` error, so each is off by at most
    ``gamma_n (L + sum lambda_i |l'(q_i)| |q_i|)``; ``tau_round`` is twice that, with ``q`` the
    larger of the two output vectors.
    """
    d_y = Y.shape[1]
    n = J.shape[0] + J.shape[1]
    w = sample_weights(lam, d_y)
    f, y = np.reshape(F, -1), np.reshape(Y, -1)
    L = float(np.sum(w * loss.value(f, y)))
    rng = np.random.default_rng(seed)
    g0 = np.zeros(J.shape[1]) if g is None else np.asarray(g, dtype=np.float64)
    # the weighted least-squares fit of the targets is a loss-agnostic second start (for a
    # nonconvex loss it can sit in another basin); restarts spread as far as it lies from g
    sw = np.sqrt(w)
    a_ls = np.linalg.lstsq(J * sw[:, None], sw * y, rcond=None)[0]
    spread = max(np.sqrt((1.0 + g0 @ g0) / max(g0.size, 1)), float(np.linalg.norm(a_ls - g0)))
    starts = [g0, a_ls] + [g0 + spread * rng.standard_normal(g0.size) for _ in range(restarts)]
    found = gb_infimum_convex(loss, J, Y, lam, starts)
    q = J @ found.alpha
    tau = 0.0
    for v in (f, q):
        tau = max(tau, gamma(n) * float(np.sum(w * loss.value(v, y))
                                        + np.sum(w * np.abs(loss.grad(v, y)) * np.abs(v))))
    gnorm = safe_norm(grad_L)
    # rounding of grad L = J^T Lambda l'(f): gamma_n || |J|^T Lambda |l'(f)| ||
    g_err = gamma(n) * safe_norm(np.abs(J).T @ (w * np.abs(loss.grad(f, y))))
    radius = float(np.linalg.norm(found.alpha - g0))
    if g is not None:
        s_res = float(np.linalg.norm(J @ g0 - f))
        s_tol = gamma(n) * (float(np.linalg.norm(J, 2)) * float(np.linalg.norm(g0))
                            + float(np.linalg.norm(f)))
    else:
        s_res, s_tol = float("inf"), 0.0
    return ConvexReport(
        L=L, inf=found.value,
        attained=found.attained, attained_note=found.note, solver_grad_norm=found.grad_norm,
        grad_norm=gnorm, grad_err=g_err, radius=radius, credit=(gnorm + g_err) * radius,
        tau_round=2 * tau,
        tau_derivation="2 gamma_n (L + sum_i lambda_i |l'(q_i)| |q_i|), max over q = f_X and "
        "q = J alpha (n = m d_y + d_theta)",
        structure_residual=s_res, structure_tol=float(s_tol),
    )
