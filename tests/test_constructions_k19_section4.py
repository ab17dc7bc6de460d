"""The constructions of Kawaguchi, Huang & Kaelbling (2019) §4 in
:mod:`theory.constructions.k19_section4`: perturbation sets of partially linear nets, the
comparison with the perturbable gradient basis, and the second-order and loss certificates."""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from theory.constructions import k19_section4 as k19s4
from theory.losses import LOSSES
from theory.models.deep_linear import Feedforward as PartialLinearNet

U64 = 2.0**-53


def _mixed_net():
    """d_x = 2, one hidden layer (identity, tanh), d_y = 1, with the identity unit's outgoing
    weight zero: P_0 = W2[J2, J1] = 0 is singular although the full row W2[J2, :] is not."""
    net = PartialLinearNet((2, 2, 1), (("identity", "tanh"),))
    rng = np.random.default_rng(8)
    Ws = [rng.standard_normal((2, 2)), np.array([[0.0, 1.3]])]
    X = rng.standard_normal((2, 7))
    Y = rng.standard_normal((1, 7))
    return net, net.pack(Ws), X, Y


def test_perturbation_set_uses_only_linear_columns():
    """Theorem 4's ``P_l`` multiplies the blocks ``W^(l)[J^(l), J^(l-1)]`` (rows and columns of
    the linear units only): here ``P_0 = 0`` is singular though ``W2`` has rank 1, so S adds
    ``d_0 = 2`` moves of the identity unit's row, and they leave the outputs unchanged."""
    net, theta, X, _ = _mixed_net()
    sets, why = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    assert why == "ok" and sets == [[0]]
    S, info = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    assert info["singular_levels"] == [0] and info["built_levels"] == [0] and info["complete"]
    assert len(S) == 1 + 2
    np.testing.assert_allclose([np.linalg.norm(v) for v in S[1:]], 1.0, rtol=1e-14)
    f0 = net.outputs(theta, X)
    for v in S:
        np.testing.assert_allclose(net.outputs(theta + 0.5 * v, X), f0, rtol=0, atol=1e-14)


def test_pgb_comparison_spectrum_of_js():
    """``sigma_max_JS``, ``sigma_min_JS`` and ``rank_JS`` are the extreme retained singular
    values and the rank of ``sqrt(Lambda) J_S`` with unit columns, recomputed here from
    autograd Jacobians at ``theta + eps v``."""
    net, theta, X, Y = _mixed_net()
    sets, _ = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    S, _ = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    eps, lam = 1e-3, np.full(X.shape[1], 2.0)
    cmp = k19s4.pgb_comparison(net.outputs, theta, X, Y, lam, S, eps, {"x": X})
    JS = np.hstack([autograd.jacobian(lambda t: anp.ravel(net.outputs(t, X)))(theta + eps * v)
                    for v in S])
    norms = np.linalg.norm(JS, axis=0)
    s = np.linalg.svd(JS / np.where(norms > 0, norms, 1.0), compute_uv=False)
    rank = int(np.sum(s > s[0] * 1e-10))
    assert cmp.rank_JS == rank
    assert cmp.sigma_max_JS == pytest.approx(s[0], rel=1e-10, abs=0)
    assert cmp.sigma_min_JS == pytest.approx(s[rank - 1], rel=1e-8, abs=0)


def test_pgb_comparison_fields():
    """The other fields of eq. (4.2)'s comparison, from independent weighted least squares
    (``lstsq`` on ``diag(sqrt lambda) [J_S, Phi^T]``), autograd gradients and the outputs at
    ``theta + eps v``: the loss, the PGB infimum, the feature-only infimum and its whitened
    singular values, the minimum-norm coefficients ``C`` with ``J_S C = Phi^T``, the relative
    distances of the features from range J and range J_S, ``max ||v||`` and the row count."""
    net, theta, X, Y = _mixed_net()
    sets, _ = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    S, _ = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    rng = np.random.default_rng(17)
    eps, lam = 1e-3, rng.uniform(0.5, 2.0, X.shape[1])
    S = [*S, 0.3 * rng.standard_normal(theta.size)]  # one move that does change the outputs
    cmp = k19s4.pgb_comparison(net.outputs, theta, X, Y, lam, S, eps, {"x": X})
    sw, y = np.sqrt(lam), Y.ravel()

    def jac(th):
        return autograd.jacobian(lambda t: anp.ravel(net.outputs(t, X)))(th)

    def L(th):
        return anp.sum(lam * (anp.ravel(net.outputs(th, X)) - y) ** 2)

    def wls(M):
        coef = np.linalg.lstsq(sw[:, None] * M, sw * y, rcond=None)[0]
        return float(np.sum(lam * (M @ coef - y) ** 2))

    def rel_dist(B, C):
        R = C - B @ np.linalg.lstsq(B, C, rcond=None)[0]
        return float(np.max(np.linalg.norm(R, axis=0) / np.linalg.norm(C, axis=0)))

    JS = np.hstack([jac(theta + eps * v) for v in S])
    F = X.T
    assert cmp.loss == pytest.approx(float(L(theta)), rel=1e-14, abs=0)
    assert cmp.pgb_infimum == pytest.approx(wls(np.hstack([JS, F])), rel=1e-6, abs=1e-12)
    assert cmp.max_norm_S == pytest.approx(max(np.linalg.norm(v) for v in S), rel=1e-15, abs=0)
    f0 = net.outputs(theta, X)
    change = max(np.max(np.abs(net.outputs(theta + eps * v, X) - f0)) for v in S)
    assert cmp.max_output_change == pytest.approx(change, rel=1e-12, abs=0)
    np.testing.assert_allclose(cmp.grad_at_S, [np.linalg.norm(autograd.grad(L)(theta + eps * v))
                                               for v in S], rtol=1e-10)
    assert cmp.target_norm == pytest.approx(float(np.linalg.norm(sw * y)), rel=1e-14, abs=0)
    assert cmp.rows == X.shape[1]
    feat = cmp.features["x"]
    assert feat["infimum"] == pytest.approx(wls(F), rel=1e-10, abs=0)
    sF = np.linalg.svd(sw[:, None] * F, compute_uv=False)
    assert feat["sigma_max"] == pytest.approx(sF[0], rel=1e-12, abs=0)
    assert feat["sigma_min"] == pytest.approx(sF[-1], rel=1e-12, abs=0)
    # the minimum-norm coefficients on unit columns of J_S, mapped back to J_S's columns
    norms = np.linalg.norm(sw[:, None] * JS, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    C = np.linalg.pinv(sw[:, None] * JS / norms, rcond=1e-10) @ (sw[:, None] * F) / norms[:, None]
    assert feat["coef_norm"] == pytest.approx(float(np.linalg.norm(C, 2)), rel=1e-6, abs=0)
    assert feat["residual_J"] == pytest.approx(
        rel_dist(sw[:, None] * jac(theta), sw[:, None] * F), rel=1e-6, abs=1e-12)
    assert feat["residual_JS"] == pytest.approx(
        rel_dist(sw[:, None] * JS, sw[:, None] * F), rel=1e-6, abs=1e-12)


def test_second_order_certificate_statuses():
    """The three verdicts of the k19 second-order test on closed-form objectives: a strict
    minimum (``|theta|^2`` at 0), a saddle (``t0^2 - t1^2``), a point with a far gradient, a
    gradient between ``grad_tol = sqrt(u) s`` and ``far_tol = u^(1/4) s`` (undecided), and a
    Hessian lost to underflow (undecided); the tolerances as documented."""
    cert = k19s4.second_order_certificate
    u = U64

    def bowl(t):
        return anp.sum(t**2)

    c = cert(bowl, np.zeros(2), 1.0)
    assert c.status == "local-minimum" and c.grad_norm == 0.0 and c.hess_min_eig == 2.0
    assert c.grad_tol == math.sqrt(u) and c.hess_tol == math.sqrt(u) * 2.0
    assert c.far_tol == pytest.approx(u**0.25, rel=1e-15, abs=0) and c.hess_norm == 2.0
    assert cert(lambda t: t[0] ** 2 - t[1] ** 2, np.zeros(2), 1.0).status == "not-local-minimum"
    assert cert(bowl, np.array([1.0, 0.0]), 1.0).status == "not-local-minimum"
    mid = math.sqrt(math.sqrt(u) * u**0.25) / 2  # gradient 2 t between the two tolerances
    c = cert(bowl, np.array([mid, 0.0]), 1.0)
    assert c.grad_tol < c.grad_norm <= c.far_tol and c.status == "undecided"
    assert cert(lambda t: 1e-300 * anp.sum(t**2), np.zeros(2), 1.0).status == "undecided"
    assert cert(bowl, np.zeros(2), 1e-300).status == "undecided"
    with np.errstate(invalid="ignore", over="ignore"):
        c = cert(lambda t: anp.sum(t**2) * anp.inf, np.ones(2), 1.0)
    assert c.status == "undecided" and c.grad_norm == math.inf


def test_certificates_scale_their_gradient_tolerance_coordinate_by_coordinate():
    """``certify_squared`` gives coordinate ``i`` the tolerance ``sqrt(u) s_i`` with ``s_i = 2
    ||Lambda^(1/2) J[:, i]|| ||Lambda^(1/2) y||``, ``certify_loss`` ``s_i = ||J[:, i]||
    ||Lambda l'(f_X)||`` (and defers to the former for the squared loss); the certificate
    reports the tolerances of the coordinate with the largest ``|dL/dtheta_i| / s_i``; a
    Jacobian that is not finite is undecided."""
    net, theta, X, Y = _mixed_net()
    lam = np.random.default_rng(19).uniform(0.5, 2.0, X.shape[1])
    J = autograd.jacobian(lambda t: anp.ravel(net.outputs(t, X)))(theta)
    sw = np.sqrt(lam)

    def worst(g, s):  # 0 / 0 (a parameter the outputs do not see) counts as 0
        ratio = np.divide(np.abs(g), s, out=np.zeros_like(s), where=np.abs(g) > 0)
        return s[int(np.argmax(ratio))]

    sq = k19s4.certify_squared(net.outputs, theta, X, Y, lam)
    g = autograd.grad(lambda t: anp.sum(lam * (net.outputs(t, X) - Y) ** 2))(theta)
    s = 2 * np.linalg.norm(sw[:, None] * J, axis=0) * np.linalg.norm(sw * Y.ravel())
    assert sq.grad_tol == pytest.approx(math.sqrt(U64) * worst(g, s), rel=1e-12, abs=0)
    assert sq.loss == pytest.approx(float(np.sum(lam * (net.outputs(theta, X) - Y) ** 2)),
                                    rel=1e-14, abs=0)
    assert k19s4.certify_loss(net.outputs, theta, X, Y, lam, "squared") == sq
    Ys = np.sign(Y) + (Y == 0)
    lg = k19s4.certify_loss(net.outputs, theta, X, Ys, lam, "logistic")
    dl = LOSSES["logistic"].grad(net.outputs(theta, X), Ys) * lam
    g = J.T @ dl.ravel()
    s = np.linalg.norm(J, axis=0) * np.linalg.norm(dl)
    assert lg.grad_tol == pytest.approx(math.sqrt(U64) * worst(g, s), rel=1e-12, abs=0)
    assert lg.far_tol == pytest.approx(U64**0.25 * worst(g, s), rel=1e-12, abs=0)

    def broken(t, X):
        return net.outputs(t, X) * np.inf

    with np.errstate(invalid="ignore"):
        for c in (k19s4.certify_squared(broken, theta, X, Y, lam),
                  k19s4.certify_loss(broken, theta, X, Ys, lam, "logistic")):
            assert c.status == "undecided" and math.isnan(c.loss) and c.grad_norm == math.inf




def test_least_squares_value_reports_the_rank_of_the_whitened_matrix():
    """``rank`` is the certified rank of ``diag(sqrt w) M`` (a positive weighting keeps the
    rank of ``M``: here 2, the third column the sum of the first two), and ``value`` is the
    weighted least-squares residual that ``numpy.linalg.lstsq`` finds on the same system."""
    rng = np.random.default_rng(3)
    B = rng.standard_normal((6, 2))
    M = np.column_stack([B, B[:, 0] + B[:, 1]])
    y, w = rng.standard_normal(6), rng.uniform(0.5, 2.0, 6)
    ls = k19s4.least_squares_value(M, y, w)
    assert ls["rank"] == np.linalg.matrix_rank(B) == 2
    sw = np.sqrt(w)
    c = np.linalg.lstsq(sw[:, None] * M, sw * y, rcond=None)[0]
    r = sw * (M @ c - y)
    assert ls["value"] == pytest.approx(float(r @ r), rel=1e-12)


def test_zero_gradient_meets_a_zero_tolerance_at_a_stationary_point():
    """A coordinate whose gradient scale is 0 has tolerance 0; an exact stationary point
    (gradient exactly 0) meets it (``|g| <= tol``), so ``L = ||theta||^2`` at 0, with a
    positive definite Hessian, is certified a local minimum."""
    cert = k19s4.second_order_certificate(lambda th: anp.sum(th ** 2), np.zeros(2),
                                          np.array([0.0, 1.0]))
    assert cert.grad_norm == 0.0 and cert.grad_tol == 0.0
    assert cert.status == "local-minimum"


def test_local_minimum_polishes_with_the_number_of_newton_steps_asked_for():
    """``newton_steps`` bounds the Newton polish after BFGS: with no BFGS iteration, zero
    steps return the starting point and one step is one positive-part Newton step of
    :func:`theory.optimize.newton_polish` from it (autograd's gradient and Hessian)."""
    from theory.optimize import newton_polish

    def L(t):
        return anp.sum(anp.cosh(t - 1.0)) + 0.1 * anp.sum(t**4)

    theta0 = np.array([2.0, -1.5, 0.5])
    assert np.array_equal(k19s4._local_minimum(L, theta0, max_iter=0, newton_steps=0), theta0)
    grad, hess = autograd.grad(L), autograd.hessian(L)
    one = newton_polish(lambda t: float(L(t)), grad, hess, theta0, 1, positive_part=True)[0]
    assert not np.array_equal(one, theta0)
    assert np.array_equal(k19s4._local_minimum(L, theta0, max_iter=0, newton_steps=1), one)
