"""Every Jacobian method against every other on small networks of the feedforward family
(analytic batched back-propagation, autograd, central differences, complex step), plus the
shape/ordering contract and the model's flatten/unflatten round trip."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checks.strategies.feedforward import feedforward_instances, network
from theory.activations import ACTIVATIONS
from theory.jacobian import JACOBIAN_METHODS, jacobian
from theory.models.feedforward import Feedforward
from theory.numerics import gamma, unit_roundoff

EXACT = ("analytic", "autograd", "complex")  # exact up to rounding


@st.composite
def networks(draw, max_width: int = 4, max_depth: int = 3):
    """A small Feedforward network, its parameters and data, drawn from a seed."""
    depth = draw(st.integers(1, max_depth))
    widths = [draw(st.integers(1, max_width)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in range(depth - 1)]
    bias = draw(st.booleans())
    n = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    net = Feedforward(widths, acts, bias=bias)
    theta = net.init(rng, scheme=draw(st.sampled_from(["he", "normal"])))
    X = rng.standard_normal((n, widths[0]))
    return net, theta, X


def _tolerance(net: Feedforward, J: np.ndarray, method_a: str, method_b: str) -> float:
    """Entrywise bound: products of H factors, each a dot product of length <= max width, give
    ``gamma(H * (max width + 1))`` relative error (Higham §3.1) on the magnitude scale of ``J``
    and of the layer outputs; central differences add ``O(u^{2/3})`` (step ``u^{1/3}``:
    truncation ``h^2 |f'''| / 6`` plus rounding ``u |f| / h``)."""
    scale = max(1.0, float(np.max(np.abs(J), initial=0.0)))
    k = net.n_layers * (max(net.widths) + 1) + 4
    tol = 100.0 * gamma(k) * scale
    if "fd" in (method_a, method_b):
        tol += 100.0 * unit_roundoff() ** (2.0 / 3.0) * scale**3
    return tol


def _kink_free(net: Feedforward, theta: np.ndarray, X: np.ndarray) -> bool:
    """No ReLU pre-activation within the finite-difference reach of its kink."""
    _, Z = net.layer_outputs(theta, X)
    return all(
        act.smooth or np.min(np.abs(z)) > 1e-3
        for act, z in zip(net.activations, Z[:-1], strict=True)
    )


@settings(max_examples=15, deadline=None)
@given(networks())
def test_every_method_agrees_with_every_other(case):
    net, theta, X = case
    assume(_kink_free(net, theta, X))
    Js = {m: jacobian(net, theta, X, method=m) for m in JACOBIAN_METHODS}
    for a, b in itertools.combinations(JACOBIAN_METHODS, 2):
        err = float(np.max(np.abs(Js[a] - Js[b]), initial=0.0))
        assert err <= _tolerance(net, Js["autograd"], a, b), (a, b, err)


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
@pytest.mark.parametrize("d_y", [1, 3])
def test_each_activation_and_output_dimension(act, d_y):
    rng = np.random.default_rng(7)
    net = Feedforward([3, 5, 4, d_y], [act, act])
    theta, X = net.init(rng), rng.standard_normal((6, 3))
    J_ref = jacobian(net, theta, X, "autograd")
    for method in ("analytic", "complex"):
        J = jacobian(net, theta, X, method)
        assert J.shape == (6 * d_y, net.n_params())
        assert np.max(np.abs(J - J_ref)) <= _tolerance(net, J_ref, method, "autograd")


def test_rows_are_sample_major():
    """Row ``i d_y + k`` is the gradient of output ``k`` on sample ``i``: compare with the
    Jacobian of one sample alone."""
    rng = np.random.default_rng(3)
    net = Feedforward([2, 4, 2], "tanh")
    theta, X = net.init(rng), rng.standard_normal((3, 2))
    J = jacobian(net, theta, X)
    for i in range(3):
        Ji = jacobian(net, theta, X[i : i + 1], "autograd")
        np.testing.assert_allclose(J[2 * i : 2 * i + 2], Ji, rtol=0, atol=1e-14)


def test_flatten_unflatten_round_trip():
    rng = np.random.default_rng(0)
    for bias in (True, False):
        net = Feedforward([3, 4, 2], "relu", bias=bias)
        theta = rng.standard_normal(net.n_params())
        assert np.array_equal(net.flatten(net.unflatten(theta)), theta)
        assert net.n_params() == 3 * 4 + 4 * 2 + (4 + 2 if bias else 0)


def test_stable_activations_at_extremes():
    x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    for act in ACTIVATIONS.values():
        for fn in (act.value, act.d1, act.d2):
            assert np.all(np.isfinite(fn(x))), act.name
    sp = ACTIVATIONS["softplus"]
    assert sp.value(np.array(800.0)) == 800.0
    assert sp.d1(np.array(-800.0)) >= 0.0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="activations"):
        Feedforward([2, 3, 4, 1], ["tanh"])
    net = Feedforward([2, 3, 1], "tanh")
    with pytest.raises(ValueError, match="method"):
        jacobian(net, np.zeros(net.n_params()), np.zeros((1, 2)), method="magic")
    with pytest.raises(ValueError, match="X must have shape"):
        jacobian(net, np.zeros(net.n_params()), np.zeros((1, 3)))


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_autograd(name):
    from autograd import elementwise_grad

    act = ACTIVATIONS[name]
    x = np.linspace(-6.0, 6.0, 41) + 0.01  # off the ReLU kink
    g1, g2 = elementwise_grad(act.traced), elementwise_grad(elementwise_grad(act.traced))
    tol = 10 * gamma(8)
    np.testing.assert_allclose(act.value(x), act.traced(x), rtol=tol, atol=tol)
    np.testing.assert_allclose(act.d1(x), g1(x), rtol=tol, atol=tol)
    np.testing.assert_allclose(act.d2(x), g2(x), rtol=tol, atol=tol)
    np.testing.assert_allclose(act.analytic(x + 0j).real, act.value(x), rtol=tol, atol=tol)


def test_out_buffer_is_reused_and_checked():
    rng = np.random.default_rng(4)
    net = Feedforward([2, 5, 3, 2], ["softplus", "relu"])
    theta, X = net.init(rng), rng.standard_normal((4, 2))
    buf = np.full((8, net.n_params()), np.nan)
    J = jacobian(net, theta, X, out=buf)
    assert J.base is buf or np.shares_memory(J, buf)
    np.testing.assert_array_equal(buf, jacobian(net, theta, X))
    with pytest.raises(ValueError, match="out must be"):
        jacobian(net, theta, X, out=np.empty((8, net.n_params() + 1)))


@settings(deadline=None)
@given(feedforward_instances())
def test_euler_identity_on_the_last_layer(inst):
    """k22 Assumption 1 (common model structure) for the linear last layer ``S``:
    ``f_X = J[:, S] theta[S]``, with ``J`` by autograd (rows sample-major, as in
    :mod:`theory.jacobian`)."""
    net, theta, X = network(inst), inst["theta"], inst["X"]
    off = net.offsets()
    S = np.arange(off[-2], off[-1])
    J = jacobian(net, theta, X, method="autograd")
    f = net.forward(theta, X).reshape(-1)
    tol = gamma(len(S) + 1) * np.linalg.norm(np.abs(J[:, S]) @ np.abs(theta[S]))
    assert np.linalg.norm(J[:, S] @ theta[S] - f) <= tol


def test_jacobian_keeps_float32():
    """The analytic Jacobian is computed in ``theta``'s dtype (float32 stays float32) and
    agrees with the float64 Jacobian to float32 accuracy."""
    net = Feedforward([2, 3, 1], "tanh")
    theta = net.init(np.random.default_rng(0))
    X = np.random.default_rng(1).standard_normal((4, 2))
    J32 = jacobian(net, theta.astype(np.float32), X.astype(np.float32))
    assert J32.dtype == np.float32
    np.testing.assert_allclose(J32, jacobian(net, theta, X), rtol=1e-5, atol=1e-6)
