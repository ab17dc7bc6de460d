"""The optimisers and finite-difference tools of :mod:`theory.optimize`: Levenberg-Marquardt
against an independent Nielsen iteration, the central-difference Hessian and its accuracy,
Newton polishing and the second-order test."""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from theory.numerics import unit_roundoff
from theory.optimize import fd_hessian, fd_hessian_rcond, levenberg_marquardt

U64 = 2.0**-53


def test_fd_hessian_rcond_is_the_central_difference_accuracy():
    """``fd_hessian_rcond = 16 u^(2/3)`` (its docstring), and :func:`fd_hessian` of a smooth
    function is accurate to well within that cutoff relative to the Hessian's scale."""
    assert fd_hessian_rcond() == pytest.approx(16 * U64 ** (2 / 3), rel=1e-14, abs=0)
    assert U64 < fd_hessian_rcond() < math.sqrt(U64)

    def f(t):
        return anp.sum(anp.sin(t) * anp.roll(t, 1) ** 2) + anp.exp(0.3 * t[0] * t[-1])

    theta = np.array([0.3, -1.1, 2.0, 0.7])
    H = autograd.hessian(f)(theta)
    err = np.max(np.abs(fd_hessian(autograd.grad(f), theta) - H))
    assert err <= fd_hessian_rcond() * np.max(np.abs(H))


def _lm_reference(residual, jacobian_, x0, steps):
    """Madsen, Nielsen & Tingleff (2004), Algorithm 3.16, with Marquardt's scaling
    D^2 = diag(J^T J): ``steps`` residual evaluations after the first, no stopping test."""
    x = np.array(x0, dtype=float)
    r, J = residual(x), jacobian_(x)
    F = 0.5 * r @ r
    A, g = J.T @ J, J.T @ r
    mu, nu = 1e-3 * np.max(np.diag(A)), 2.0
    for _ in range(steps):
        D2 = np.diag(A)
        h = np.linalg.solve(A + mu * np.diag(D2), -g)
        r_new = residual(x + h)
        F_new = 0.5 * r_new @ r_new
        gain = (F - F_new) / (0.5 * h @ (mu * D2 * h - g))
        if gain > 0:
            x = x + h
            r, J, F = r_new, jacobian_(x), F_new
            A, g = J.T @ J, J.T @ r
            mu, nu = mu * max(1 / 3, 1 - (2 * gain - 1) ** 3), 2.0
        else:
            mu, nu = mu * nu, 2 * nu
    return x


def _rosenbrock():
    def r(x):
        return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])

    def J(x):
        return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])

    return r, J, np.array([-1.2, 1.0])


def test_levenberg_marquardt_follows_nielsen_iteration():
    """The iterates after 1..14 residual evaluations equal those of an independent loop of
    Algorithm 3.16 (gain ratio, Nielsen's ``mu`` update, ``nu`` doubling on rejection), and the
    full run reaches Rosenbrock's minimiser (1, 1). Kills mutants of the damping updates."""
    r, J, x0 = _rosenbrock()
    for evals in range(2, 16):
        got = levenberg_marquardt(r, J, x0, max_nfev=evals)
        np.testing.assert_allclose(got, _lm_reference(r, J, x0, evals - 1), rtol=1e-12,
                                   atol=1e-14)
    np.testing.assert_allclose(levenberg_marquardt(r, J, x0), [1.0, 1.0], rtol=0, atol=1e-12)


def test_levenberg_marquardt_default_tolerance_is_9u():
    """The documented default ``tol = 9u``: for ``r(x) = x`` at ``x0 = c u`` (gradient ``c u``,
    scale ``max(1, 2F) = 1``) the run stops at once when ``c <= 9`` and moves when ``c > 9``."""
    def r(x):
        return np.asarray(x, dtype=float)

    def J(x):
        return np.eye(1)

    for c, moves in ((8.5, False), (9.0, False), (9.5, True), (12.0, True)):
        x0 = np.array([c * U64])
        x = levenberg_marquardt(r, J, x0)
        assert bool(abs(x[0]) < abs(x0[0])) is moves, c
    assert levenberg_marquardt(r, J, np.array([9.5 * U64]), tol=10 * U64)[0] == 9.5 * U64


def test_hessian_extremes_are_those_of_the_symmetric_part():
    """``hessian_extremes`` are the extreme eigenvalues of the symmetric part (NaN when not
    finite)."""
    from theory.optimize import hessian_extremes

    rng = np.random.default_rng(2)
    B = rng.standard_normal((4, 4))
    K = B - B.T  # a skew part does not change the quadratic form
    Hs = B + B.T
    lo, hi = hessian_extremes(Hs + K)
    ev = np.linalg.eigvals(Hs).real
    assert lo == pytest.approx(ev.min(), rel=1e-12, abs=0)
    assert hi == pytest.approx(ev.max(), rel=1e-12, abs=0)
    assert all(math.isnan(v) for v in hessian_extremes(np.array([[1.0, np.inf], [0.0, 1.0]])))


def test_second_order_condition_decides_at_its_two_documented_bounds():
    """Certified when ``lambda_min >= -sqrt(u) ||H||`` (the boundary included), refuted when
    ``lambda_min < -u^(1/4) ||H||``, undecided in between, for a non-finite ``H``, for an
    ``||H||`` that overflows and for one that underflows; the numbers and the bound are those
    compared."""
    from theory.optimize import second_order_condition

    u = unit_roundoff()
    norm = 4.0
    tol, far = math.sqrt(u) * norm, u**0.25 * norm
    for lam, value in ((0.0, True), (-tol, True), (-2 * tol, None), (-far, None),
                       (-2 * far, False), (-norm, False)):
        dec = second_order_condition(np.diag([norm, lam]))
        assert dec.value is value, lam
        assert dec.numbers == {"lambda_min": lam, "norm": norm, "tol": tol, "far_tol": far}
        assert dec.bound == tol and dec.derivation.startswith("$") and "lambda" in dec.derivation
    assert second_order_condition(np.array([[np.nan, 0.0], [0.0, 1.0]])).value is None
    big = np.finfo(float).max
    assert second_order_condition(np.array([[big, big], [big, big]])).value is None
    dec = second_order_condition(np.diag([1e-300, 0.0]))
    assert dec.value is None and "underflow" in dec.derivation
    # a skew part changes nothing: the quadratic form is that of the symmetric part
    assert second_order_condition(np.array([[1.0, 5.0], [-5.0, 1.0]])).value is True


def test_second_order_condition_does_not_depend_on_the_units_of_the_parameters():
    """Equilibrated by the Hessian's own diagonal, ``theta_i -> c_i theta_i`` (``H -> C H C``)
    leaves the decision and the relative numbers unchanged, where unequilibrated the same
    saddle reads as certified once one coordinate's curvature dwarfs the other's."""
    from theory.optimize import equilibrate, second_order_condition

    H = np.array([[1.0, 1.001], [1.001, 1.0]])  # a saddle: lambda_min = -0.001
    for k in (-40, -3, 0, 5, 40):
        c = np.array([1.0, np.ldexp(1.0, k)])
        Hk = c[:, None] * H * c[None, :]
        dec = second_order_condition(Hk, np.diag(Hk))
        assert dec.value is False
        assert dec.numbers["lambda_min"] == pytest.approx(-0.001, rel=1e-9)
    c = np.array([1.0, np.ldexp(1.0, 40)])
    assert second_order_condition(c[:, None] * H * c[None, :]).value is True
    assert np.allclose(equilibrate(H, np.array([0.0, 4.0])), H / 4.0)
    assert equilibrate(H, None) is H and equilibrate(H, np.zeros(2)) is H


def test_minimize_runs_lbfgsb_to_its_own_stopping_rule_with_a_thirty_pair_memory(monkeypatch):
    """``minimize``'s first phase is SciPy's L-BFGS-B from ``theta0`` (as float64) with the
    analytic gradient, its tolerances at 0 (it stops by its own rule or at ``maxiter``, the
    Newton polish finishing the job) and a memory of 30 correction pairs (SciPy's default
    is 10)."""
    import theory.optimize as opt_module

    seen = []
    real = opt_module._scipy_minimize

    def recording(fun, x0, **kw):
        seen.append((x0, kw))
        return real(fun, x0, **kw)

    monkeypatch.setattr(opt_module, "_scipy_minimize", recording)

    def grad(t):
        return 2.0 * (t - 1.0)

    out = opt_module.minimize(lambda t: float(np.sum((t - 1.0) ** 2)), grad, [0, 0],
                              hess=lambda t: 2.0 * np.eye(2), maxiter=7)
    ((x0, kw),) = seen
    assert x0.dtype == np.float64 and np.array_equal(x0, [0.0, 0.0])
    assert kw["method"] == "L-BFGS-B" and kw["jac"] is grad
    assert kw["options"] == {"maxiter": 7, "gtol": 0.0, "ftol": 0.0, "maxcor": 30}
    np.testing.assert_allclose(out.theta, [1.0, 1.0], rtol=0, atol=1e-15)


def test_newton_polish_and_minimize_on_a_quadratic():
    """On ``f = theta^T A theta / 2 - b^T theta`` (A SPD) one Newton step lands on ``A^-1 b``
    (both the pseudo-inverse and the positive-part variants), ``steps=0`` or a non-finite
    Hessian leave the point alone with 0 accepted steps, and ``minimize`` with the
    finite-difference Hessian reports the minimiser, its value and gradient norm and the
    eigenvalues of A as the Hessian extremes."""
    from theory.optimize import minimize, newton_polish

    rng = np.random.default_rng(14)
    B = rng.standard_normal((3, 3))
    A = B @ B.T + np.diag([0.5, 1.0, 2.0])
    b = rng.standard_normal(3)
    star = np.linalg.solve(A, b)

    def fun(t):
        return 0.5 * t @ A @ t - b @ t

    def grad(t):
        return A @ t - b

    def hess(t):
        return A

    t0 = rng.standard_normal(3)
    for positive in (False, True):
        theta, steps = newton_polish(fun, grad, hess, t0, steps=3, positive_part=positive)
        np.testing.assert_allclose(theta, star, rtol=1e-12, atol=1e-12)
        assert 1 <= steps <= 3
    theta, steps = newton_polish(fun, grad, hess, t0, steps=0)
    assert steps == 0 and np.array_equal(theta, t0)
    theta, steps = newton_polish(fun, grad, lambda t: A * np.nan, t0)
    assert steps == 0 and np.array_equal(theta, t0)
    opt = minimize(fun, grad, t0)
    np.testing.assert_allclose(opt.theta, star, rtol=1e-10, atol=1e-10)
    assert opt.value == fun(opt.theta) and opt.grad_norm == float(np.linalg.norm(grad(opt.theta)))
    assert opt.grad_norm < 1e-12 and opt.iterations >= 1 and opt.newton_steps >= 0
    ev = np.linalg.eigvalsh(A)
    assert opt.hess_min_eig == pytest.approx(ev[0], rel=1e-6, abs=0)
    assert opt.hess_max_eig == pytest.approx(ev[-1], rel=1e-6, abs=0)
    exact = minimize(fun, grad, t0, hess=hess)
    assert exact.hess_min_eig == pytest.approx(ev[0], rel=1e-13, abs=0)


def test_levenberg_marquardt_works_in_float64_whatever_the_jacobians_type():
    """The iteration is carried out in float64 whatever array type ``jacobian`` returns: a
    Jacobian handed back in float32 gives, bit for bit, the run of the same (float32-rounded)
    entries handed back in float64, at the first point and at every accepted one."""
    r, J, x0 = _rosenbrock()

    def J32(x):
        return J(x).astype(np.float32)

    def J32_as_64(x):
        return J32(x).astype(np.float64)

    for evals in (2, 5, 40):
        got = levenberg_marquardt(r, J32, x0, max_nfev=evals)
        assert got.dtype == np.float64
        assert np.array_equal(got, levenberg_marquardt(r, J32_as_64, x0, max_nfev=evals))
