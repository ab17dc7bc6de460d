"""The LeNet of k22 §2.2 (Figures 1b/1c): layout, forward pass, back-propagation and the formed
Jacobian against autograd."""

from __future__ import annotations

import numpy as np
import pytest

from theory.alignment import euler_residual, structure_vector
from theory.jacobian import jacobian
from theory.models.lenet import LeNet, col2im, im2col, softplus_varsigma
from theory.numerics import gamma


def _instance(m_c: int = 1, m_y: int = 1, n: int = 3, side: int = 8, seed: int = 0):
    net = LeNet(m_c, m_y=m_y, side=side)
    rng = np.random.default_rng(seed)
    return net, net.init(rng), rng.standard_normal((n, side, side, 1))


@pytest.mark.parametrize("m_c", [1, 2, 4])
def test_parameter_count_follows_the_papers_widths(m_c):
    # k22 §2.2: 8 m_c filters per convolution (5 x 5 kernels), 128 m_c units per dense hidden
    # layer, one output; after two 2 x 2 poolings a 16 x 16 image leaves 4 x 4 positions.
    c, h = 8 * m_c, 128 * m_c
    expected = (c * 25 + c) + (c * 25 * c + c) + (h * 16 * c + h) + (h * h + h) + (h + 1)
    assert LeNet(m_c).n_params() == expected


def test_flat_rows_and_images_give_the_same_outputs():
    net, theta, X = _instance()
    assert np.array_equal(net.forward(theta, X), net.forward(theta, X.reshape(3, -1)))


def test_bad_image_shape_is_a_one_line_error():
    net, theta, _ = _instance()
    with pytest.raises(ValueError, match=r"X must have shape \(n, 8, 8, 1\)") as err:
        net.forward(theta, np.zeros((2, 7, 7, 1)))
    assert "\n" not in str(err.value)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 8, 8, 3))
    g = rng.standard_normal((2, 64, 75))
    lhs = float(np.sum(im2col(a) * g))
    rhs = float(np.sum(a * col2im(g, 8, 8)))
    assert abs(lhs - rhs) <= gamma(a.size + g.size) * float(np.sum(np.abs(im2col(a) * g)))


def test_forward_matches_the_autograd_trace():
    net, theta, X = _instance(m_y=2)
    F, Ft = net.forward(theta, X), net.forward_traced(theta, X)
    bound = gamma(net.n_params()) * float(np.max(np.abs(F))) * 10
    assert np.max(np.abs(F - Ft)) <= bound


@pytest.mark.parametrize("m_y", [1, 2])
def test_analytic_jacobian_matches_autograd_to_rounding(m_y):
    from theory.conv_gram import chain_length

    net, theta, X = _instance(m_y=m_y)
    J = jacobian(net, theta, X)
    Jref = jacobian(net, theta, X, "autograd")
    assert J.shape == (3 * m_y, net.n_params())
    # both are sums of at most chain_length rounded products per entry (Higham gamma_N)
    tol = 2 * gamma(chain_length(net)) * float(np.max(np.abs(Jref)))
    assert np.max(np.abs(J - Jref)) <= tol


def test_parameter_gradient_is_J_transpose_v():
    net, theta, X = _instance(m_y=2)
    v = np.random.default_rng(5).standard_normal((3, 2))
    A, Delta = net.sensitivities(theta, X, v[:, None, :])
    g = net.parameter_gradient(A, Delta)
    J = jacobian(net, theta, X, "autograd")
    ref = J.T @ v.reshape(-1)
    tol = gamma(net.n_params()) * float(np.max(np.abs(J).T @ np.abs(v.reshape(-1))))
    assert np.max(np.abs(g - ref)) <= 2 * tol


def test_last_layer_is_the_common_model_structure_set():
    # k22 Assumption 1: f = J nu with nu the last layer's parameters (the output is linear).
    net, theta, X = _instance(m_y=2)
    J = jacobian(net, theta, X)
    e, scale = euler_residual(net.forward(theta, X).reshape(-1), J,
                              structure_vector(theta, net.last_layer()))
    assert e <= gamma(net.shapes[-1][1] + 1) * scale


def test_softplus_varsigma_is_the_papers_activation():
    act = softplus_varsigma(100.0)
    z = np.array([-0.5, -0.01, 0.0, 0.02, 0.7])
    ref = np.log1p(np.exp(100.0 * z)) / 100.0
    assert np.allclose(act.value(z), ref, rtol=4 * np.finfo(float).eps, atol=0)
    h = np.finfo(float).eps ** (1 / 3)
    fd = (act.value(z + h) - act.value(z - h)) / (2 * h)
    assert np.max(np.abs(act.d1(z) - fd)) <= 100.0 * 100.0 * h * h  # sigma''' <= varsigma^2


def test_widths_must_be_positive():
    with pytest.raises(ValueError, match="m_c and m_y must be positive"):
        LeNet(0)


def test_softplus_varsigma_second_derivative_is_the_derivative_of_the_first():
    """``d2`` is ``sigma''`` (k22 §2.2): the central difference of ``d1``, to the difference's
    truncation ``h^2 sup|sigma''''| / 6 <= varsigma^3 h^2 / 6`` (``|sigma''''| <= varsigma^3``)
    plus its rounding ``u / h``."""
    s = 100.0
    act = softplus_varsigma(s)
    z = np.array([-0.05, -0.01, 0.0, 0.003, 0.02, 0.06])
    u = np.finfo(float).eps / 2
    h = u ** (1 / 3)
    fd = (act.d1(z + h) - act.d1(z - h)) / (2 * h)
    assert np.max(np.abs(act.d2(z) - fd)) <= s**3 * h * h / 6 + 4 * u / h


def test_softplus_varsigma_complex_value_is_the_activation_without_overflow():
    """``analytic`` (the value for complex input) is ``sigma`` on the reals, also where
    ``e^{varsigma z}`` overflows, and its complex step ``Im sigma(z + ih) / h`` is ``sigma'``."""
    act = softplus_varsigma(100.0)
    z = np.array([-9.0, -0.3, -0.01, 0.0, 0.01, 0.3, 9.0])  # |varsigma z| = 900 > 709
    u = np.finfo(float).eps / 2
    assert np.all(np.isfinite(act.analytic(z)))
    assert np.allclose(act.analytic(z), act.value(z), rtol=4 * u, atol=4 * u)
    h = 1e-30
    step = np.imag(act.analytic(z + 1j * h)) / h
    assert np.allclose(step, act.d1(z), rtol=8 * u, atol=8 * u)
