"""Tests for theory/trajectory.py with the multiclass softmax cross-entropy (k22 section 2.1.2):
the objective's gradient ``J^T v`` with ``v`` in J's row order, the one-pass back-propagation
gradient, and gradient descent on it."""

from __future__ import annotations

import numpy as np
import pytest

from checks.strategies import k22_alignment as strat
from theory import trajectory as tj
from theory.losses import get_loss
from theory.numerics import unit_roundoff

SOFTMAX = "softmax-cross-entropy"


def _instance(seed: int = 2, m_y: int = 3):
    inst = strat.build_mlp_instance(seed, 5, 2, [4], m_y, "tanh", SOFTMAX, "random", 1.0)
    return tj.make_model("mlp", widths=inst["widths"], activation="tanh"), inst


@pytest.mark.parametrize("m_y", [2, 3])
def test_softmax_objective_gradient_matches_central_differences(m_y):
    model, inst = _instance(m_y=m_y)
    theta, X, Y = inst["theta"], inst["X"], inst["Y"]
    g = tj.objective(model, SOFTMAX, theta, X, Y)[1]
    h = unit_roundoff() ** (1 / 3)
    fd = np.array([(tj.objective(model, SOFTMAX, theta + h * e, X, Y)[0]
                    - tj.objective(model, SOFTMAX, theta - h * e, X, Y)[0]) / (2 * h)
                   for e in np.eye(theta.size)])
    assert np.max(np.abs(g - fd)) <= 10 * unit_roundoff() ** (2 / 3) * max(1.0, np.max(np.abs(g)))


def test_softmax_loss_vector_is_stacked_in_the_jacobian_row_order():
    """v has entry (i, j) = (softmax(f_i) - y_i)_j / n at J's row i m_y + j (sample-major), so
    that grad L = J^T v; the value is the mean of the per-sample losses."""
    model, inst = _instance()
    value, g, F, J, v = tj.objective(model, SOFTMAX, inst["theta"], inst["X"], inst["Y"])
    n, m_y = inst["Y"].shape
    P = np.exp(F - F.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    for i in range(n):
        for j in range(m_y):
            expected = (P[i, j] - inst["Y"][i, j]) / n
            assert v[i * m_y + j] == pytest.approx(expected, abs=8 * unit_roundoff())
            assert np.allclose(J[i * m_y + j], tj.MLP([2, 4, m_y], "tanh").jacobian(
                inst["theta"], inst["X"][i:i + 1])[j])
    assert np.array_equal(g, J.T @ v)
    mean = np.mean(get_loss(SOFTMAX).value(F, inst["Y"]))
    assert value == pytest.approx(mean, rel=8 * n * unit_roundoff())


def test_softmax_backpropagated_gradient_matches_the_jacobian_route():
    model, inst = _instance(seed=4)
    value, g, F = tj.loss_gradient(model, SOFTMAX, inst["theta"], inst["X"], inst["Y"])
    ref_value, ref_g, ref_F = tj.objective(model, SOFTMAX, inst["theta"], inst["X"], inst["Y"])[:3]
    assert value == pytest.approx(ref_value, rel=64 * unit_roundoff())
    assert np.allclose(g, ref_g, rtol=0, atol=64 * unit_roundoff() * np.max(np.abs(ref_g)))
    assert np.allclose(F, ref_F, rtol=0, atol=64 * unit_roundoff() * np.max(np.abs(ref_F)))


def test_gradient_descent_on_softmax_cross_entropy_decreases_the_loss():
    model, inst = _instance(seed=5)
    L = tj.step_constant(model, SOFTMAX, inst["theta"], inst["X"], inst["Y"], alpha=0.5,
                         steps=30)
    traj = tj.gradient_descent(model, SOFTMAX, inst["theta"], inst["X"], inst["Y"],
                               step_size=1.0 / L, steps=30)
    assert np.all(np.diff(traj.losses) < 0)
