"""The models of Kawaguchi, Huang & Kaelbling (2019) §3 in :mod:`theory.models.basis`: every
family's g and Jacobian, Example 2's layers, the feature helpers and the autograd losses."""

from __future__ import annotations

import math

import autograd
import numpy as np
import pytest

from theory.losses import LOSSES
from theory.models.basis import example2_layers, relu_features

_egrad = autograd.elementwise_grad


def _targets(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "real":
        return rng.standard_normal(n)
    if kind == "binary01":
        return rng.integers(0, 2, n).astype(float)
    return rng.choice([-1.0, 1.0], n)


def test_example2_layers_footnote():
    """Example 2, footnote 1: rows ``i <= m`` of layer 1 are ``[x_i, eps' - 1]``, rows ``i > m``
    exactly ``[0, ..., 0, -1]``, deeper layers the identity, and ``phi(x_i) = eps' e_i``."""
    rng = np.random.default_rng(4)
    m, d, n, eps = 4, 5, 7, 0.05
    X = rng.standard_normal((m, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    layers = example2_layers(X, n, 3, eps)
    W1 = layers[0]
    np.testing.assert_array_equal(W1[:m], np.hstack([X, np.full((m, 1), eps - 1.0)]))
    np.testing.assert_array_equal(W1[m:], np.hstack([np.zeros((n - m, d)),
                                                     -np.ones((n - m, 1))]))
    assert len(layers) == 3 and all(np.array_equal(W, np.eye(n)) for W in layers[1:])
    np.testing.assert_allclose(relu_features(X, layers), eps * np.eye(m, n), atol=1e-14)


def test_basis_helpers():
    """``kink_margin`` is the smallest ``|pre-activation|`` of a ReLU unit (``inf`` for an
    analytic family), ``skip2_features`` are ``[h1, h2]`` with ``f = A1 h1 + A2 h2`` (Example 3),
    ``fit_squared`` on the linear ``basis`` family is the weighted least-squares fit, and
    ``coordinate_directions`` is ``{0} u {e_k}``."""
    from theory.models.basis import fit_squared, kink_margin, make_model, skip2_features
    from theory.pgb import coordinate_directions

    rng = np.random.default_rng(7)
    X = rng.standard_normal((6, 3))
    relu = make_model("relu2-nobias", (3, 4, 2))
    theta = rng.standard_normal(relu.d_theta)
    W1 = theta[:12].reshape(4, 3)
    assert kink_margin(relu, theta, X) == float(np.min(np.abs(X @ W1.T)))
    assert kink_margin(make_model("tanh2", (3, 4, 2)), theta[: make_model(
        "tanh2", (3, 4, 2)).d_theta], X) == math.inf
    assert kink_margin(make_model("relu-scalar", (1, 1)), np.array([-0.3]), X) == 0.3

    skip = make_model("skip2", (3, 2, 2, 1))
    t = rng.standard_normal(skip.d_theta)
    H = skip2_features(skip, t, X)
    assert H.shape == (6, 4)
    A = t[-4:]  # (A1, A2) are the last d1 + d2 coordinates (d_y = 1)
    np.testing.assert_allclose(H @ A, skip.outputs(t, X), rtol=1e-13, atol=1e-14)
    assert np.all(np.abs(H) < 1)

    basis = make_model("basis", (3,))
    y = rng.standard_normal((6, 1))
    lam = rng.uniform(0.5, 2.0, 6)
    fit = fit_squared(basis, X, y, lam, np.zeros(3))
    sw = np.sqrt(lam)
    np.testing.assert_allclose(fit, np.linalg.lstsq(X * sw[:, None], sw * y[:, 0],
                                                    rcond=None)[0], rtol=1e-8, atol=1e-9)

    dirs = coordinate_directions(5, [3, 0])
    np.testing.assert_array_equal(np.array(dirs), [np.zeros(5), np.eye(5)[3], np.eye(5)[0]])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_autograd_losses_match_the_registry(name):
    """The autograd-traceable copies of the losses (``theory.models.basis.AUTOGRAD_LOSSES``)
    agree with :data:`theory.losses.LOSSES` in value, and their autograd derivative with
    ``grad`` (away from the smoothed hinge's kinks)."""
    from theory.models.basis import AUTOGRAD_LOSSES

    assert set(AUTOGRAD_LOSSES) == set(LOSSES)
    rng = np.random.default_rng(18)
    loss = LOSSES[name]
    y = _targets(loss.targets, rng, 60)
    f = 2.5 * rng.standard_normal(60) + 0.01
    np.testing.assert_allclose(AUTOGRAD_LOSSES[name](f, y), loss.value(f, y), rtol=1e-14,
                               atol=1e-15)
    d = _egrad(lambda t: AUTOGRAD_LOSSES[name](t, y))(f)
    np.testing.assert_allclose(d, loss.grad(f, y), rtol=1e-12, atol=1e-14)


_FAMILY_WIDTHS = {"basis": (3,), "product": (1, 1), "affine-offset": (1, 1),
                  "tanh-neuron": (1, 1), "relu-scalar": (1, 1), "tanh2": (3, 4, 2),
                  "tanh2-nobias": (3, 4, 1), "relu2-nobias": (3, 4, 2), "lintop": (3, 3, 2, 2),
                  "skip2": (3, 2, 2, 1)}


def test_every_basis_family_g_and_jacobian():
    """Every family of ``theory.models.basis``: analytic (or autograd) Jacobian against central
    differences, and where the family has Assumption 2's map ``g``, ``J(theta) g(theta) =
    f_X(theta)`` (Euler's identity for the homogeneous ones); ``affine-offset`` and
    ``tanh-neuron`` have none. ``relu-scalar`` takes the right derivative at its kink. Unknown
    families are refused."""
    from theory.models.basis import FAMILIES, make_model, model_jacobian

    assert set(FAMILIES) == set(_FAMILY_WIDTHS)
    rng = np.random.default_rng(21)
    for family, widths in _FAMILY_WIDTHS.items():
        model = make_model(family, widths)
        d_x = 3 if widths[0] == 3 else 1
        X = rng.standard_normal((5, d_x)) if family != "basis" else rng.standard_normal((5, 3))
        theta = 0.8 * rng.standard_normal(model.d_theta) + (0.3 if family == "relu-scalar" else 0)
        F = np.asarray(model.outputs(theta, X))
        assert F.shape == (5 * model.d_y,)
        h = 1e-6
        fd = np.column_stack([(np.asarray(model.outputs(theta + h * e, X))
                               - np.asarray(model.outputs(theta - h * e, X))) / (2 * h)
                              for e in np.eye(model.d_theta)])
        J = model_jacobian(model, theta, X)
        np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-7, err_msg=family)
        if family in ("affine-offset", "tanh-neuron"):
            assert model.g is None
        else:
            np.testing.assert_allclose(J @ model.g(theta), F, rtol=1e-12, atol=1e-13,
                                       err_msg=family)
    relu = make_model("relu-scalar", (1, 1))
    X = rng.standard_normal((4, 1))
    np.testing.assert_array_equal(model_jacobian(relu, np.zeros(1), X), X)
    np.testing.assert_array_equal(model_jacobian(relu, np.array([-0.5]), X), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="unknown family"):
        make_model("resnet", (1, 1))
    with pytest.raises(ValueError, match="unknown method"):
        model_jacobian(relu, np.zeros(1), X, "fd")


@pytest.mark.parametrize("family", ["product", "lintop"])
def test_gauss_newton_diagonal_is_the_hessians_diagonal_at_zero_residual(family):
    """Where every target is fitted (``f_X(theta) = Y``) the squared loss's Hessian is exactly
    its Gauss-Newton part ``2 J^T Lambda J``: its diagonal, by autograd, is
    ``gauss_newton_diagonal``."""
    from theory.models.basis import gauss_newton_diagonal, make_model, squared_objective

    widths = {"product": (2, 1), "lintop": (2, 3, 2, 1)}[family]
    model = make_model(family, widths)
    rng = np.random.default_rng(7)
    X = rng.standard_normal((5, widths[0]))
    theta = rng.standard_normal(model.d_theta)
    Y = np.asarray(model.f(theta, X))
    lam = rng.uniform(0.5, 2.0, 5)
    H = squared_objective(model, X, Y, lam)[2](theta)
    D = gauss_newton_diagonal(model, theta, X, lam)
    np.testing.assert_allclose(D, np.diag(H), rtol=1e-12, atol=1e-14 * np.max(np.diag(H)))
    assert np.all(D >= 0)


def test_each_family_declares_the_structure_its_g_comes_from():
    """Assumption 2's ``g`` of every family comes from the class of eq. (3.1) the family
    declares: a "last layer linear" ``g`` keeps some coordinates and zeroes the rest (a
    coordinate projection, so ``g(g(theta)) = g(theta)``), a "positively homogeneous" one is
    ``theta / p`` with ``f(2 theta) = 2^p f(theta)`` (Euler's identity), a "basis model" one is
    the identity; a family without ``g`` declares nothing."""
    from theory.models.basis import FAMILIES, WIDTH_NAMES, make_model

    widths = {"basis": (3,), "tanh2": (2, 3, 1), "tanh2-nobias": (2, 3, 1),
              "relu2-nobias": (2, 3, 1), "lintop": (2, 3, 2, 1), "skip2": (2, 3, 2, 1)}
    assert set(widths) == set(WIDTH_NAMES)
    rng = np.random.default_rng(6)
    for family in FAMILIES:
        model = make_model(family, widths.get(family, (1, 1)))
        theta = rng.uniform(0.5, 1.5, model.d_theta)  # no ReLU pre-activation at 0 below
        X = rng.uniform(0.5, 1.5, (4, widths.get(family, (1,))[0]))
        if model.g is None:
            assert model.structure == "", family
            continue
        g = np.asarray(model.g(theta))
        if model.structure == "last layer linear":
            kept = g != 0
            assert np.array_equal(g[kept], theta[kept]) and 0 < kept.sum() < theta.size, family
        elif model.structure == "positively homogeneous":
            p = theta[0] / g[0]
            assert p in (1.0, 2.0) and np.array_equal(g * p, theta), family
            f, f2 = (np.asarray(model.f(t, X)) for t in (theta, 2.0 * theta))
            np.testing.assert_allclose(f2, 2.0**p * f, rtol=1e-14, err_msg=family)
        else:
            assert model.structure == "basis model" and np.array_equal(g, theta), family


def test_model_jacobian_of_integer_parameters_is_that_of_their_float_values():
    """``model_jacobian`` reads ``theta`` as float64: integer parameters give the Jacobian at
    the same point in floating point, by autograd and by the closed form alike (autograd
    cannot differentiate with respect to integers, and would truncate a basis model's J)."""
    from theory.models.basis import make_model, model_jacobian

    X = np.array([[0.5, 1.0], [1.5, 2.0]])
    for family, widths, X_f in (("tanh-neuron", (1, 1), X[:, :1]), ("product", (1, 1), X[:, :1]),
                                ("basis", (2,), X)):
        model = make_model(family, widths)
        theta = np.ones(model.d_theta, dtype=int)
        for method in ("analytic", "autograd"):
            J = model_jacobian(model, theta, X_f, method)
            assert J.dtype == np.float64
            assert np.array_equal(J, model_jacobian(model, theta.astype(float), X_f, method))
