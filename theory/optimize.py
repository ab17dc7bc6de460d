"""Reach an approximate critical point or local minimum of a smooth objective, and certify it.

Kawaguchi, Huang & Kaelbling (2019) state Theorem 1 at critical points and Theorem 2 at local
minima; an oracle can only hold a point where the gradient is small. This module gets there
(L-BFGS through SciPy, then a Newton polish with the exact or finite-difference Hessian) and
records what the oracles need: the gradient norm, the Hessian's extreme eigenvalues and a
rounding-level floor for the gradient. It is generic over a loss-of-theta function with gradient.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize as _scipy_minimize

from theory.linalg import Decision
from theory.numerics import UNDERFLOW, unit_roundoff
from theory.tex import tex_number

__all__ = [
    "Optimum",
    "equilibrate",
    "fd_hessian",
    "fd_hessian_rcond",
    "hessian_extremes",
    "levenberg_marquardt",
    "minimize",
    "newton_polish",
    "second_order_condition",
]

Fun = Callable[[np.ndarray], float]
Grad = Callable[[np.ndarray], np.ndarray]
Hess = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass
class Optimum:
    """A point reached by :func:`minimize` with its certificate data."""

    theta: np.ndarray
    value: float
    grad_norm: float
    hess_min_eig: float
    hess_max_eig: float
    iterations: int
    newton_steps: int


def levenberg_marquardt(
    residual: Callable[[np.ndarray], np.ndarray], jacobian: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray, *, max_nfev: int = 400, tol: float | None = None,
) -> np.ndarray:
    """Levenberg-Marquardt for ``min ||r(x)||^2 / 2``: the step solves
    ``(J^T J + mu D^2) p = -J^T r`` with Marquardt's scaling ``D^2 = diag(J^T J)``, and ``mu``
    follows Nielsen's update (Madsen, Nielsen & Tingleff, *Methods for Non-Linear Least Squares
    Problems*, 2004, Algorithm 3.16). Stops after ``max_nfev`` residual evaluations or when the
    gradient, the step or the decrease is at ``tol`` (default ``9u``) relative to its scale.

    Written here rather than taken from SciPy: MINPACK's ``lmder`` (``least_squares(method=
    "lm")``, SciPy 1.17) returned different points for bit-identical inputs depending on the
    process's heap layout, so a run's trained instances, and its ledger, were not
    reproducible. This loop uses only NumPy products and LAPACK's ``gesv`` on tiny systems,
    and is bit-reproducible."""
    tol = 9 * unit_roundoff() if tol is None else tol
    x = np.array(x0, dtype=np.float64)
    r = np.asarray(residual(x), dtype=np.float64)
    J = np.asarray(jacobian(x), dtype=np.float64)
    nfev, F = 1, 0.5 * float(r @ r)
    A, g = J.T @ J, J.T @ r
    mu, nu = 1e-3 * max(float(np.max(np.diag(A), initial=0.0)), 1e-300), 2.0
    while nfev < max_nfev and np.all(np.isfinite(g)):
        if np.max(np.abs(g), initial=0.0) <= tol * max(1.0, 2 * F):
            break
        d2 = np.maximum(np.diag(A), tol * max(float(np.max(np.diag(A))), 1e-300))
        try:
            step = np.linalg.solve(A + mu * np.diag(d2), -g)
        except np.linalg.LinAlgError:
            break
        if np.linalg.norm(step) <= tol * (np.linalg.norm(x) + tol):
            break
        r_new = np.asarray(residual(x + step), dtype=np.float64)
        nfev += 1
        F_new = 0.5 * float(r_new @ r_new)
        predicted = 0.5 * float(step @ (mu * d2 * step - g))
        rho = (F - F_new) / predicted if predicted > 0 and np.isfinite(F_new) else -1.0
        if rho > 0:
            converged = F - F_new <= tol * F
            x, r, F = x + step, r_new, F_new
            J = np.asarray(jacobian(x), dtype=np.float64)
            A, g = J.T @ J, J.T @ r
            mu, nu = mu * max(1 / 3, 1 - (2 * rho - 1) ** 3), 2.0
            if converged:
                break
        else:
            mu, nu = mu * nu, 2 * nu
    return x


def fd_hessian_rcond() -> float:
    """Relative cutoff below which singular values of :func:`fd_hessian` are rounding noise.

    The central difference is accurate to about ``u**(2/3)`` relative to the Hessian's scale
    (truncation ``h**2`` and rounding ``u / h`` at ``h = u**(1/3)``); 16 times that keeps a
    Newton step out of directions the difference cannot resolve. With the plain
    ``lstsq`` cutoff (``u`` times the size) such directions entered the step, and a
    one-ulp change of the input sent the polish to a different critical point."""
    return 16 * unit_roundoff() ** (2 / 3)


def fd_hessian(grad: Grad, theta: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of ``grad`` (symmetrised); step ``u**(1/3) * max(1, |theta_k|)``,
    the step that balances truncation O(h^2) against rounding O(u / h)."""
    theta = np.asarray(theta, dtype=np.float64)
    d = theta.size
    H = np.empty((d, d))
    for k in range(d):
        h = unit_roundoff() ** (1 / 3) * max(1.0, abs(theta[k]))
        e = np.zeros(d)
        e[k] = h
        H[:, k] = (grad(theta + e) - grad(theta - e)) / (2 * h)
    return 0.5 * (H + H.T)


def hessian_extremes(H: np.ndarray) -> tuple[float, float]:
    """Smallest and largest eigenvalue of the symmetric part of ``H`` (``nan`` for a
    non-finite ``H``, e.g. at a point where the iteration overflowed)."""
    if not np.all(np.isfinite(H)):
        return float("nan"), float("nan")
    eigs = np.linalg.eigvalsh(0.5 * (H + H.T))
    return float(eigs[0]), float(eigs[-1])


def newton_polish(
    fun: Fun, grad: Grad, hess: Hess, theta: np.ndarray, steps: int = 8,
    positive_part: bool = False, rcond: float | None = None,
) -> tuple[np.ndarray, int]:
    """Damped Newton steps from ``theta``. Default: the pseudo-inverse step (so flat directions
    of a singular Hessian are left alone) with backtracking on the gradient norm and no
    increase of ``fun``; stops when a step no longer reduces the gradient. With
    ``positive_part=True``: the Newton step restricted to the Hessian's eigenvectors with
    eigenvalues above ``1e-13 lambda_max`` (a descent direction even where the Hessian is
    indefinite, so the polish is not drawn to saddles) with backtracking on ``fun``.
    ``rcond``: singular values (eigenvalues) below ``rcond`` times the largest are left out of
    the step; ``None`` suits an exact Hessian, :func:`fd_hessian_rcond` a finite-difference
    one. Returns the point and the number of accepted steps."""
    theta = np.array(theta, dtype=np.float64)
    g = grad(theta)
    accepted = 0
    for _ in range(steps):
        H = hess(theta)
        if not (np.all(np.isfinite(H)) and np.all(np.isfinite(g))):
            break  # diverged upstream (saturated units): leave the point for the caller to reject
        if positive_part:
            w, Q = np.linalg.eigh(0.5 * (H + H.T))
            keep = w > max(w[-1], 1e-300) * max(1e-13, rcond or 0.0)
            step = Q[:, keep] @ ((Q[:, keep].T @ g) / w[keep])
        else:
            step = np.linalg.lstsq(H, g, rcond=rcond)[0]
        f0 = fun(theta)
        t = 1.0
        lower = 0.5e-4 if positive_part else 1e-4
        while t > lower:  # halve at most 13 (14) times; a Newton step is accepted near a minimum
            cand = theta - t * step
            g_cand = grad(cand)
            if positive_part:
                if fun(cand) <= f0:
                    break
            elif np.linalg.norm(g_cand) < np.linalg.norm(g) and fun(cand) <= f0 + abs(
                f0
            ) * 64 * unit_roundoff():
                break
            t /= 2
        else:
            break
        theta, g = cand, g_cand
        accepted += 1
    return theta, accepted


def minimize(
    fun: Fun, grad: Grad, theta0: np.ndarray, *, hess: Hess | None = None,
    maxiter: int = 2000, polish_steps: int = 8, positive_part: bool = False,
) -> Optimum:
    """Approximate local minimiser of ``fun`` from ``theta0``: L-BFGS-B (SciPy) to its own
    stopping rule, then :func:`newton_polish` (``positive_part`` as there); the Hessian
    (``hess`` or :func:`fd_hessian`) at the final point is recorded through its extreme
    eigenvalues, for the local-minimum test of Kawaguchi et al. (2019), Theorem 2."""
    res = _scipy_minimize(
        fun, np.asarray(theta0, dtype=np.float64), jac=grad, method="L-BFGS-B",
        options={"maxiter": maxiter, "gtol": 0.0, "ftol": 0.0, "maxcor": 30},
    )
    hessian = hess if hess is not None else (lambda t: fd_hessian(grad, t))
    # an L-BFGS run that overflowed (saturated units) restarts the polish from theta0
    x = res.x if np.all(np.isfinite(res.x)) and np.isfinite(res.fun) else np.asarray(
        theta0, dtype=np.float64)
    theta, steps = newton_polish(fun, grad, hessian, x, polish_steps, positive_part,
                                 rcond=None if hess is not None else fd_hessian_rcond())
    lo, hi = hessian_extremes(hessian(theta))
    return Optimum(
        theta=theta, value=float(fun(theta)), grad_norm=float(np.linalg.norm(grad(theta))),
        hess_min_eig=lo, hess_max_eig=hi, iterations=int(res.nit), newton_steps=steps,
    )


def equilibrate(H: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """``D^(-1/2) H D^(-1/2)`` with ``D = diag(scale)`` (coordinates whose scale is zero keep the
    largest scale): a congruence, so it has the inertia of ``H`` (Sylvester), and a diagonal
    change of the parameters' units ``theta -> D' theta`` leaves it unchanged when ``scale``
    transforms as the Hessian's diagonal does (the Gauss-Newton diagonal
    :func:`theory.models.basis.gauss_newton_diagonal` does)."""
    if scale is None:
        return H
    s = np.asarray(scale, dtype=np.float64)
    top = float(np.max(s)) if s.size else 0.0
    if not top > 0.0:
        return H
    d = 1.0 / np.sqrt(np.where(s > 0.0, s, top))
    return d[:, None] * H * d[None, :]


def second_order_condition(H: np.ndarray, curvature_scale: np.ndarray | None = None
                           ) -> Decision:
    """The second-order necessary condition of a local minimum, ``lambda_min(H) >= 0``, decided to
    working accuracy (Kawaguchi, Huang & Kaelbling 2019 state Theorem 2, Lemma 3 and Theorems 3
    and 4 at local minima). The one definiteness decision of every Hessian test here.

    ``H`` is symmetrised and, with ``curvature_scale``, equilibrated (:func:`equilibrate`: the
    inertia is unchanged, and the decision no longer depends on the parameters' units). With
    ``lambda`` its smallest eigenvalue and ``||H||`` its largest in modulus, the value is

    * ``True`` when ``lambda >= -sqrt(u) ||H||``;
    * ``False`` when ``lambda < -u^(1/4) ||H||``: negative curvature beyond rounding;
    * ``None`` in between, when ``H`` is not finite, or when ``||H||`` underflows.

    Why these bounds: a point reached by an optimiser on ``L`` is critical only to ``sqrt(u)``
    times the gradient's scale (a smaller step changes ``L`` by less than its rounding), so it
    sits up to about ``sqrt(u)`` (relative) from the exact critical point, where a network's
    symmetries give exact zero eigenvalues; those move by about ``sqrt(u) ||H||``. Between
    that and ``-u^(1/4) ||H||`` the test does not decide. The bound is relative to ``||H||``
    alone: an absolute floor would let a tiny negative curvature (weights scaled towards
    underflow) pass. ``numbers`` holds ``lambda_min``, ``norm``, ``tol`` and ``far_tol``; the
    derivation states the deciding inequality in inline LaTeX."""
    what = (r"\lambda_{\min}(\nabla^2L)" if curvature_scale is None
            else r"\lambda_{\min}(D^{-1/2}\nabla^2L\,D^{-1/2})")
    H = np.asarray(H, dtype=np.float64)
    if not np.all(np.isfinite(H)):
        nan = float("nan")
        return Decision(None, {"lambda_min": nan, "norm": nan, "tol": nan, "far_tol": nan},
                        r"the Hessian of $L$ is not finite at this scale")
    eig = np.linalg.eigvalsh(equilibrate(0.5 * (H + H.T), curvature_scale))
    lam = float(eig[0]) if eig.size else 0.0
    norm = float(np.max(np.abs(eig), initial=0.0))
    u = unit_roundoff()
    tol, far = float(np.sqrt(u) * norm), float(u**0.25 * norm)
    numbers = {"lambda_min": lam, "norm": norm, "tol": tol, "far_tol": far}
    t = tex_number
    if not np.isfinite(norm):
        return Decision(None, numbers, r"$\|\nabla^2L\|$ overflows at this scale")
    if lam < -far:
        return Decision(False, numbers, f"${what} = {t(lam)} < -{t(far)}$", tol)
    if norm < UNDERFLOW:
        return Decision(None, numbers, rf"$\|\nabla^2L\| = {t(norm)} < {t(UNDERFLOW)}$ "
                        "(underflow)", tol)
    if lam < -tol:
        return Decision(None, numbers, f"${what} = {t(lam)} < -{t(tol)}$", tol)
    return Decision(True, numbers, f"${what} \\ge -{t(tol)}$", tol)
