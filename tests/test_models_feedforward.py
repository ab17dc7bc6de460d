"""The feedforward network of :mod:`theory.models.feedforward`: its initialisation schemes and
their draws."""

from __future__ import annotations

import numpy as np
import pytest

from theory.models.feedforward import Feedforward


@pytest.mark.parametrize(("scheme", "gain"), [("he", 2.0), ("normal", 1.0)])
def test_feedforward_init_draws(scheme, gain):
    """``init`` draws, layer by layer, ``W_l ~ N(0, gain / m_{l-1})`` and (with bias only)
    ``b_l ~ 0.1 N(0, 1)`` from the generator: a bias-free net consumes no bias draws (kills a
    bias drawn regardless), ``theta`` has ``n_params`` entries, unknown schemes are refused."""
    widths = [3, 4, 2]
    for bias in (False, True):
        net = Feedforward(widths, "tanh", bias=bias)
        theta = net.init(np.random.default_rng(0), scheme)
        assert theta.size == net.n_params() == 4 * 3 + 2 * 4 + bias * (4 + 2)
        rng, parts = np.random.default_rng(0), []
        for k, m in zip(widths[:-1], widths[1:], strict=True):
            parts.append(np.ravel(rng.standard_normal((m, k)) * np.sqrt(gain / k)))
            if bias:
                parts.append(0.1 * rng.standard_normal(m))
        np.testing.assert_array_equal(theta, np.concatenate(parts))
        assert all((b is None) is (not bias) for _, b in net.unflatten(theta))
    with pytest.raises(ValueError, match="unknown init scheme"):
        Feedforward(widths, "tanh").init(np.random.default_rng(0), "xavier")


def test_repr_rebuilds_the_network_with_its_activations_in_layer_order():
    """``repr`` is a constructor call: evaluated, it gives a network with the same widths,
    the same activation in each hidden layer (by name, in order) and the same bias flag."""
    net = Feedforward([2, 3, 4, 1], ["tanh", "relu"], bias=False)
    again = eval(repr(net), {"Feedforward": Feedforward})  # noqa: S307 - our own repr
    assert again.widths == net.widths and again.bias == net.bias
    assert [a.name for a in again.activations] == ["tanh", "relu"]
