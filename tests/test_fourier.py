"""The canonical Fourier space of Jiang (2019) in :mod:`theory.fourier`: coordinates, losses and
gradients, the derivative-span bound and Armijo descent."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.fourier import CanonicalSpace, SigmoidProduct, armijo_descent
from theory.models.feedforward import Feedforward


def test_armijo_descent_records_acceptance_and_float_iterate():
    """``armijo_descent`` returns ``w`` as float64 even from integer ``w0`` (kills a dropped
    dtype), flags a step ``accepted`` exactly when Armijo's condition was met (or with the
    fixed step), and rejects when no halving is allowed and the full step overshoots."""
    space, model = CanonicalSpace(1, 0, 16), SigmoidProduct()
    X, y = np.array([[0.5]]), np.array([2.0])
    w0 = [0, 0, 0]
    run = armijo_descent(space, model, w0, X, y, 0, 0.5)
    assert run["w"].dtype == np.float64 and run["accepted"].size == 0 and run["F"].size == 1
    run = armijo_descent(space, model, w0, X, y, 4, 0.5)
    assert run["accepted"].tolist() == [True] * 4 and np.all(np.diff(run["F"]) < 0)
    fixed = armijo_descent(space, model, w0, X, y, 3, 0.5, armijo=False)
    assert fixed["accepted"].tolist() == [True] * 3 and np.all(fixed["eta"] == 0.5)
    far = armijo_descent(space, model, w0, X, y, 1, 1e6, max_halvings=0)
    assert far["accepted"].tolist() == [False] and far["eta"][0] == 0.5e6


def test_fourier_losses_and_gradients():
    """j19's losses: ``canonical_gradient`` is the gradient of the quadratic ``canonical_loss``
    (central differences are exact up to rounding), ``true_loss_gradient`` matches central
    differences of ``true_loss``; ``truncation_error`` bounds the gap between the true and
    truncated residuals (``| ||f - y|| - ||fhat - y|| | <= sqrt(T) e_n``) and shrinks as the
    order ``n`` grows; :func:`cube_init` puts every unit's kink ``-b_j / w_j`` in [0.05, 0.95]."""
    from theory.fourier import (
        canonical_gradient,
        canonical_loss,
        cube_init,
        design_matrix,
        network_coordinates,
        true_loss,
        true_loss_gradient,
        truncation_error,
    )

    rng = np.random.default_rng(6)
    Phi, y, c = rng.standard_normal((6, 5)), rng.standard_normal(6), rng.standard_normal(5)
    assert canonical_loss(Phi, y, c) == pytest.approx(float(np.sum((Phi @ c - y) ** 2)),
                                                      rel=1e-14, abs=0)
    E = np.eye(5)
    fd = [(canonical_loss(Phi, y, c + 1e-3 * e) - canonical_loss(Phi, y, c - 1e-3 * e)) / 2e-3
          for e in E]
    np.testing.assert_allclose(canonical_gradient(Phi, y, c), fd, rtol=1e-9, atol=1e-9)

    net = Feedforward([1, 4, 1], "tanh")
    w = cube_init(net, rng, scale=3.0)
    assert w.size == net.n_params()
    (W, b), _ = net.unflatten(w)
    kinks = -b / W[:, 0]
    assert np.all((kinks >= 0.05) & (kinks <= 0.95))
    X = rng.uniform(0.1, 0.9, (5, 1))
    yt = rng.standard_normal(5)
    h = 1e-6
    fd = [(true_loss(net, w + h * e, X, yt) - true_loss(net, w - h * e, X, yt)) / (2 * h)
          for e in np.eye(w.size)]
    np.testing.assert_allclose(true_loss_gradient(net, w, X, yt), fd, rtol=1e-6, atol=1e-8)
    errs = []
    for n in (1, 4, 12):
        space = CanonicalSpace(1, n, 256)
        e_n = truncation_error(space, net, w, X)
        fhat = design_matrix(space, X) @ network_coordinates(space, net, w)
        gap = abs(math.sqrt(true_loss(net, w, X, yt)) - float(np.linalg.norm(fhat - yt)))
        assert gap <= math.sqrt(5) * e_n * (1 + 1e-12) + 1e-15
        errs.append(e_n)
    assert errs[0] > errs[1] > errs[2]


def _one_hidden(activation, W, b):
    net = Feedforward([W.shape[1], W.shape[0], 1], activation)
    a = np.linspace(0.5, 1.5, W.shape[0])[None, :]
    return net, net.flatten([(W, b), (a, np.array([0.2]))])


def test_derivative_span_bound_counts():
    """The exact-arithmetic bound on ``rank H`` for hand-built ``[1, h, 1]`` nets on the cube
    [0, 1]: ``1`` (output bias) ``+ (K+1)`` per distinct cutting ReLU unit (``K+2`` for a
    smooth one) ``+ K`` if some unit is active on the whole cube; dead units and repeated
    ``(w_j, b_j)`` add nothing; a corner value within ``gamma_{K+1}(|b| + |w|_1)`` of 0
    counts as cutting (not certainly dead or active)."""
    from theory.fourier import derivative_span_bound

    W = np.array([[1.0], [1.0], [1.0], [1.0], [-1.0]])
    b = np.array([-0.5, -0.5, -2.0, 0.5, 0.5])  # cutting, repeat, dead, active, cutting
    net, w = _one_hidden("relu", W, b)
    bound, how = derivative_span_bound(net, w)
    assert bound == 1 + 2 * 2 + 1
    assert "($2$)" in how and "($1$)" in how and "$1$ dead, $1$ sharing" in how
    net, w = _one_hidden("tanh", W, b)
    assert derivative_span_bound(net, w)[0] == 1 + 3 * 4  # smooth: every distinct unit cuts
    # corners at rounding distance from 0: cutting; clearly beyond it: dead / active
    edge = np.nextafter(-1.0, -2.0)  # max over the cube = 1 + edge = -2.2e-16, within e
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([edge]))
    assert derivative_span_bound(net, w)[0] == 1 + 2
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([-1.0 - 1e-14]))
    assert derivative_span_bound(net, w)[0] == 1
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([1e-14]))
    assert derivative_span_bound(net, w)[0] == 1 + 1
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([0.0]))
    assert derivative_span_bound(net, w)[0] == 1 + 2


@pytest.mark.parametrize("K", [1, 2])
def test_canonical_coordinates_round_trip(K):
    """A trigonometric polynomial ``g = sum_l c_l phi_l`` of order ``n`` sampled on the grid
    has canonical coordinates ``c`` exactly (to rounding) under every quadrature, since the
    grid resolves frequencies up to ``n``; ``grid`` has ``(N+1)^K`` rows in ``[0, 1]^K``, and
    the space refuses ``K``, ``n``, ``N`` or a quadrature it cannot handle."""
    from theory.fourier import QUADRATURES, canonical_coordinates, real_basis

    rng = np.random.default_rng(22 + K)
    for quadrature in QUADRATURES:
        space = CanonicalSpace(K, 2, 12, quadrature)
        grid = space.grid()
        assert grid.shape == (13**K, K) and grid.min() == 0.0 and grid.max() == 1.0
        c = rng.standard_normal(space.L)
        g = real_basis(space, grid) @ c
        np.testing.assert_allclose(canonical_coordinates(space, g), c, rtol=1e-12, atol=1e-13)
        assert space.with_quadrature(quadrature) == space
    for args in ((3, 1, 8), (K, -1, 8), (K, 3, 7)):
        with pytest.raises(ValueError):
            CanonicalSpace(*args)
    with pytest.raises(ValueError, match="quadrature"):
        CanonicalSpace(K, 1, 8, "simpson")
    assert CanonicalSpace(K, 3, 8).L == 7**K


def test_equilibrate_rows_keeps_a_matrix_without_columns():
    """A disparity matrix with no columns has only zero rows: equilibration returns it
    unchanged (same shape), with no reduction over an empty row."""
    from theory.fourier import equilibrate_rows

    for shape in ((3, 0), (0, 3), (0, 0)):
        H = np.zeros(shape)
        out = equilibrate_rows(H)
        assert out.shape == shape


def test_sigmoid_product_counts_exactly_the_parameters_its_output_depends_on():
    """``f_{(w,u,v)} = sigmoid(w) + u v`` (the ``j19.thm2`` counterexample) has as many
    parameters as ``n_params`` says: at a generic point autograd's Jacobian of the traced
    forward pass, taken over a vector of that length, has no zero column (no idle coordinate)
    and agrees with the closed-form Jacobian, whose width is the same."""
    import autograd

    model, X = SigmoidProduct(), np.array([[0.2], [0.7]])
    theta = np.linspace(0.3, 0.9, model.n_params())
    J = autograd.jacobian(lambda t: model.forward_traced(t, X)[:, 0])(theta)
    assert J.shape == (2, model.n_params()) and np.all(np.any(J != 0, axis=0))
    np.testing.assert_allclose(model.jacobian_analytic(theta, X), J, rtol=1e-15, atol=1e-15)


def test_derivative_span_bound_derivation_names_the_count_per_cutting_unit():
    """The derivation returned with the bound names what each cutting unit adds: ``K+1``
    functions for ReLU (``{x_k 1_R, 1_R}``), ``K+2`` for a smooth activation
    (``{sigma(u), sigma'(u) x_k, sigma'(u)}``, §3.3.1-§3.3.3), with the paper's ``K``."""
    from theory.fourier import derivative_span_bound

    W, b = np.array([[1.0], [-1.0]]), np.array([-0.5, 0.5])
    for activation, per_unit in (("relu", "K+1"), ("tanh", "K+2")):
        net, w = _one_hidden(activation, W, b)
        how = derivative_span_bound(net, w)[1]
        assert how.startswith(f"$1 + {per_unit}$ per distinct unit that may cut the cube")
