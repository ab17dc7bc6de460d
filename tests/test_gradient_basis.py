"""Range bases of :mod:`theory.gradient_basis` (Kawaguchi, Huang & Kaelbling 2019, §3.2): the
SVD and the Gram-first variant decide the rank through :mod:`theory.linalg`."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.gradient_basis import convex_report, range_basis, range_basis_gram
from theory.linalg import certified_rank_gram
from theory.losses import get_loss
from theory.numerics import gamma


def _low_rank(rng: np.random.Generator, m: int, n: int, r: int) -> np.ndarray:
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


def test_range_basis_gram_cuts_at_the_gram_noise_floor():
    rng = np.random.default_rng(1)
    A = _low_rank(rng, 12, 9, 4)
    G = A @ A.T
    basis = range_basis_gram(G)
    cert = certified_rank_gram(0.5 * (G + G.T))
    assert basis.rank == cert.rank == 4 and basis.certain
    # eigh (basis) and eigvalsh (cert) may differ in the last bits of lambda_max
    assert basis.threshold == pytest.approx(np.sqrt(cert.threshold), rel=1e-12)
    assert np.allclose(basis.singular_values ** 2, np.clip(cert.singular_values, 0, None))


def test_range_basis_gram_and_svd_span_the_same_range():
    rng = np.random.default_rng(2)
    A = _low_rank(rng, 10, 7, 3)
    a, b = range_basis(A), range_basis_gram(A @ A.T)
    assert a.rank == b.rank == 3
    assert np.allclose(a.U @ a.U.T, b.U @ b.U.T, atol=1e-10)


def test_range_basis_gram_is_uncertain_inside_the_ambiguity_band():
    """An eigenvalue just above the noise floor (within the gap factor) leaves the rank
    uncertain, as :func:`theory.linalg.certified_rank_gram` says."""
    G = np.diag([1.0, 1e-13, 0.0])
    basis = range_basis_gram(G)
    assert basis.rank == 2 and not basis.certain


def test_convex_report_rounding_bound():
    """``tau_round = 2 gamma_n max_q (L(q) + sum_i lambda_i |l'(q_i)| |q_i|)`` over ``q = f``
    and ``q = J alpha`` (the docstring), checked for the squared loss whose minimiser
    ``J alpha`` is the weighted least-squares fit, computed here by ``lstsq``."""
    rng = np.random.default_rng(2)
    m, p = 9, 3
    J = 3.0 * rng.standard_normal((m, p))
    Y = rng.standard_normal((m, 1))
    lam = rng.uniform(0.5, 2.0, m)
    g = rng.standard_normal(p)
    F = (J @ g).reshape(m, 1)
    loss = get_loss("squared")
    y = Y.ravel()
    grad_L = J.T @ (lam * loss.grad(F.ravel(), y))
    rep = convex_report(loss, F, Y, lam, J, grad_L, g, restarts=1)
    sw = np.sqrt(lam)
    q = J @ np.linalg.lstsq(J * sw[:, None], sw * y, rcond=None)[0]
    assert rep.inf == pytest.approx(float(np.sum(lam * (q - y) ** 2)), rel=1e-10, abs=0)
    terms = [np.sum(lam * (v - y) ** 2) + np.sum(lam * np.abs(2 * (v - y)) * np.abs(v))
             for v in (F.ravel(), q)]
    assert rep.tau_round == pytest.approx(2 * gamma(m + p) * max(terms), rel=1e-8, abs=0)
    # the other documented fields, recomputed from their definitions
    n, f = m + p, F.ravel()
    alpha = np.linalg.lstsq(J * sw[:, None], sw * y, rcond=None)[0]
    assert rep.L == pytest.approx(float(np.sum(lam * (f - y) ** 2)), rel=1e-14, abs=0)
    assert rep.attained and rep.attained_note == "minimiser bounded"
    assert rep.grad_norm == pytest.approx(float(np.linalg.norm(grad_L)), rel=1e-14, abs=0)
    g_err = gamma(n) * np.linalg.norm(np.abs(J).T @ (lam * np.abs(2 * (f - y))))
    assert rep.grad_err == pytest.approx(g_err, rel=1e-12, abs=0)
    assert rep.radius == pytest.approx(float(np.linalg.norm(alpha - g)), rel=1e-8, abs=0)
    assert rep.credit == (rep.grad_norm + rep.grad_err) * rep.radius
    assert 0 <= rep.L - rep.inf <= rep.credit  # convexity: L_theta(alpha) >= L + <grad, a - g>
    assert rep.solver_grad_norm < 1e-8 * rep.grad_norm
    assert rep.structure_residual == pytest.approx(float(np.linalg.norm(J @ g - f)), rel=0,
                                                   abs=1e-12)
    s_tol = gamma(n) * (np.linalg.norm(J, 2) * np.linalg.norm(g) + np.linalg.norm(f))
    assert rep.structure_tol == pytest.approx(s_tol, rel=1e-12, abs=0)
    free = convex_report(loss, F, Y, lam, J, grad_L, None, restarts=0)
    assert free.structure_residual == math.inf and free.structure_tol == 0.0
    assert free.radius == pytest.approx(float(np.linalg.norm(alpha)), rel=1e-8, abs=0)
    assert free.inf == pytest.approx(rep.inf, rel=1e-10, abs=0)


def test_gb_infimum_convex_attainment():
    """The logistic loss on separable data has no minimiser (``L_theta(2 alpha) <
    L_theta(alpha)``: reported not attained, value near 0), on data that are not separable it
    has one (attained, gradient at rounding level, ``alpha`` a stationary point)."""
    from theory.gradient_basis import gb_infimum_convex

    loss = get_loss("logistic")
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    lam = np.ones(6)
    J_sep = np.column_stack([y * np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0]), np.ones(6)])
    res = gb_infimum_convex(loss, J_sep, y[:, None], lam, [np.zeros(2)], maxiter=50)
    assert not res.attained and "not attained" in res.note and res.value < 1e-3
    rng = np.random.default_rng(11)
    J = rng.standard_normal((12, 2))
    y2 = np.sign(J @ np.array([1.0, -0.5]) + 0.3)
    # x and -x with one label, for x = e_1 and e_2: L >= |a_1| + |a_2|, so a minimiser exists
    J = np.vstack([J, np.eye(2), -np.eye(2)])
    y2 = np.concatenate([y2, np.ones(4)])
    res = gb_infimum_convex(loss, J, y2[:, None], np.ones(16), [np.zeros(2), np.ones(2)])
    assert res.attained and res.note == "minimiser bounded" and np.any(res.alpha != 0)
    grad = J.T @ loss.grad(J @ res.alpha, y2)
    assert res.grad_norm == pytest.approx(float(np.linalg.norm(grad)), rel=1e-6, abs=1e-15)
    assert res.grad_norm < 1e-12
    assert res.value == pytest.approx(float(np.sum(loss.value(J @ res.alpha, y2))), rel=1e-14,
                                      abs=0)
    # the smoothed hinge is exactly 0 once every margin is >= 1: on separable data the
    # infimum 0 is attained at a finite alpha, and doubling it does not lower the value
    hinge = get_loss("smoothed-hinge")
    res = gb_infimum_convex(hinge, J_sep, y[:, None], lam, [np.array([3.0, 0.0])])
    assert res.value == 0.0 and res.attained and res.note == "minimiser bounded"


def test_gap_bounds_bracket_the_projected_gap():
    """For the whitened squared loss ``L(q) = ||q - y||^2`` at ``q = J g``, ``grad = 2 J^T r``
    and the gap ``L - inf = ||P r||^2`` (:func:`projected_gap`) lies between the two bounds of
    :func:`gap_bounds`; for ``J = s Q`` (orthonormal columns) both bounds equal the gap. A zero
    matrix (rank 0) gives ``(0, 0)``."""
    from theory.gradient_basis import gap_bounds, gb_infimum_squared, projected_gap, range_basis

    rng = np.random.default_rng(4)
    J = rng.standard_normal((8, 3)) @ np.diag([5.0, 1.0, 0.2])
    y = rng.standard_normal(8)
    r = J @ rng.standard_normal(3) - y
    basis = range_basis(J)
    gap = projected_gap(basis, r)
    assert gap == pytest.approx(float(r @ r) - gb_infimum_squared(J, -r), rel=1e-10, abs=0)
    lo, hi = gap_bounds(float(np.linalg.norm(2 * J.T @ r)), basis)
    assert lo <= gap <= hi and lo < hi
    Q = np.linalg.qr(rng.standard_normal((8, 3)))[0]
    basis_q = range_basis(2.5 * Q)
    gap_q = projected_gap(basis_q, r)
    lo, hi = gap_bounds(float(np.linalg.norm(2 * (2.5 * Q).T @ r)), basis_q)
    assert lo == pytest.approx(gap_q, rel=1e-12, abs=0)
    assert hi == pytest.approx(gap_q, rel=1e-12, abs=0)
    assert gap_bounds(3.0, range_basis(np.zeros((4, 2)))) == (0.0, 0.0)


def test_squared_report_fields_from_their_definitions():
    """Every field of ``squared_report`` (k19 Theorem 1 / ours1) recomputed from the docstring
    with an SVD and ``lstsq`` of the whitened system (``d_y = 2``, so the weights repeat per
    output): values, bounds ``||grad||^2 / 4 s^2``, the gradient's rounding term, the rounding
    bound ``tau_round`` and the structure residual; the bounds bracket the projected gap."""
    from theory.gradient_basis import squared_report

    rng = np.random.default_rng(12)
    m, d_y, p = 4, 2, 3
    J = rng.standard_normal((m * d_y, p)) @ np.diag([4.0, 1.0, 0.3])
    g = rng.standard_normal(p)
    F = (J @ g + 0.1 * rng.standard_normal(m * d_y)).reshape(m, d_y)
    Y = rng.standard_normal((m, d_y))
    lam = rng.uniform(0.5, 2.0, m)
    w = np.repeat(lam, d_y)
    f, y = F.ravel(), Y.ravel()
    grad_L = 2 * J.T @ (w * (f - y))
    rep = squared_report(F, Y, lam, J, grad_L, g)

    sw = np.sqrt(w)
    Jh, rh, fh, yh = J * sw[:, None], sw * (f - y), sw * f, sw * y
    s = np.linalg.svd(Jh, compute_uv=False)
    n = m * d_y + p
    res = yh - Jh @ np.linalg.lstsq(Jh, yh, rcond=None)[0]
    r_out = rh - Jh @ np.linalg.lstsq(Jh, rh, rcond=None)[0]

    def close(a, b, rel=1e-10):
        assert a == pytest.approx(b, rel=rel, abs=0)

    close(rep.L, float(np.sum(w * (f - y) ** 2)), 1e-14)
    close(rep.inf_ls, float(res @ res))
    close(rep.inf_g, float(np.sum((Jh @ g - yh) ** 2)), 1e-13)
    assert rep.inf == min(rep.inf_ls, rep.inf_g) and rep.gap == rep.L - rep.inf
    close(rep.proj_gap, float(rh @ rh - r_out @ r_out), 1e-9)
    close(rep.grad_norm, float(np.linalg.norm(grad_L)), 1e-14)
    assert rep.rank == p and rep.rank_certain
    close(rep.s_max, s[0], 1e-13)
    close(rep.s_min_plus, s[-1], 1e-12)
    close(rep.grad_err, 2 * gamma(n) * s[0] * np.linalg.norm(rh))
    close(rep.bound_lo, rep.grad_norm**2 / (4 * s[0] ** 2))
    close(rep.bound_hi_exact, rep.grad_norm**2 / (4 * s[-1] ** 2))
    close(rep.bound_hi, (rep.grad_norm + rep.grad_err) ** 2 / (4 * s[-1] ** 2))
    assert rep.bound_lo <= rep.proj_gap <= rep.bound_hi_exact <= rep.bound_hi
    d_r = gamma(p + 2) * (np.linalg.norm(fh) + np.linalg.norm(yh))
    d_res = gamma(n) * (s[0] / s[-1] + 1) * np.linalg.norm(yh) + d_r
    tau = (gamma(n) * rep.L + 2 * np.linalg.norm(rh) * d_r + d_r**2
           + 2 * np.linalg.norm(res) * d_res + d_res**2)
    close(rep.tau_round, tau, 1e-9)
    assert rep.critical is (rep.bound_hi <= rep.tau_round) and not rep.critical
    close(rep.structure_residual, float(np.linalg.norm(Jh @ g - fh)), 1e-9)
    close(rep.structure_tol, gamma(n) * (s[0] * np.linalg.norm(g) + np.linalg.norm(fh)))
    assert "tau_derivation" not in rep.diagnostics() and rep.diagnostics()["L"] == rep.L
    # an exact fit (f = y in range J, L = 0) of an ill-conditioned J: tau_round is then
    # dominated by d_res^2 (kappa ~ 1e4), the terms a generic point hides below rounding
    Jk = J @ np.diag([1.0, 1.0, 1e-4])
    Fk = (Jk @ g).reshape(m, d_y)
    exact = squared_report(Fk, Fk, lam, Jk, np.zeros(p), g)
    sk = np.linalg.svd(Jk * sw[:, None], compute_uv=False)
    yk = sw * Fk.ravel()
    d_r = gamma(p + 2) * 2 * np.linalg.norm(yk)
    d_res = gamma(n) * (sk[0] / sk[-1] + 1) * np.linalg.norm(yk) + d_r
    assert exact.L == 0.0 and exact.inf_g <= 1e-20 and exact.rank == p
    close(exact.tau_round, d_r**2 + d_res**2, 1e-2)
    none = squared_report(F, Y, lam, J, grad_L, None)
    assert none.inf_g == math.inf and none.inf == none.inf_ls
    assert none.structure_residual == math.inf and none.structure_tol == 0.0


def test_sample_weights_are_floating_point_whatever_the_type_of_lambda():
    """``sample_weights`` (the diagonal of ``Lambda``, k19 Section 2.1) is float64 with each
    ``lambda_i`` repeated ``d_y`` times, also for integer weights, so that ``Lambda^{1/2}``
    and the weighted objective are not computed in integer arithmetic."""
    from theory.gradient_basis import sample_weights

    w = sample_weights([1, 2, 3], 2)
    assert w.dtype == np.float64
    assert w.tolist() == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
