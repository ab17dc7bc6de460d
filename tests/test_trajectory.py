"""The training trajectories of Kawaguchi, Zhang & Deng (2022) §2 in :mod:`theory.trajectory`: toy
models, data, initialisation, descent, smoothness estimates and the recorded alignment; with the
multiclass softmax cross-entropy (§2.1.2), the objective's gradient ``J^T v`` with ``v`` in J's
row order, the one-pass back-propagation gradient, and gradient descent on it."""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from checks.strategies import k22_alignment as strat
from theory import trajectory as tj
from theory.losses import LOSSES, get_loss
from theory.numerics import unit_roundoff


def test_smoothness_estimate_and_step_constant_on_a_quadratic():
    """For the linear model with the squared loss, ``L = (1/n) ||X theta - y||^2`` has the
    constant Hessian ``(2/n) X^T X``: the power-iteration estimate is its spectral norm, and the
    descent inequality holds at the pilot ``1.5 ||H||`` (no doubling), so ``step_constant``
    returns exactly that; with ``X = 0`` both give their floors (0 and 1e-8)."""
    from theory.trajectory import Linear, smoothness_estimate, step_constant

    rng = np.random.default_rng(8)
    n, d = 10, 3
    X = rng.standard_normal((n, d)) @ np.diag([3.0, 1.0, 0.5])
    Y = rng.standard_normal((n, 1))
    theta0 = rng.standard_normal(d)
    model = Linear(d)
    norm_H = 2.0 / n * np.linalg.norm(X, 2) ** 2
    est = smoothness_estimate(model, "squared", theta0, X, Y)
    assert est == pytest.approx(norm_H, rel=1e-6, abs=0)
    L = step_constant(model, "squared", theta0, X, Y, alpha=0.5, steps=5)
    assert L == 1.5 * est
    Z = np.zeros((n, d))
    assert smoothness_estimate(model, "squared", theta0, Z, Y) == 0.0
    assert step_constant(model, "squared", theta0, Z, Y, alpha=0.5, steps=3) == 1e-8


def test_track_alignment_records():
    """Figure 1's recorder, replayed by hand: plain gradient descent ``theta - eta grad L``
    (gradient from autograd of the objective), records at ``t = 0, every, ..., steps`` (and
    ``steps``), the loss, the 0/1 training error, DAA of ``Y' = 2Y - 1``, ``lambda_min(J J^T)``,
    the fixed cut-off decisions, and ``M_change = ||M_T - M_0||_F^2``."""
    from theory import alignment as al
    from theory.gram import gram
    from theory.trajectory import MLP, track_alignment

    rng = np.random.default_rng(13)
    model = MLP([2, 6, 1], "tanh")
    theta0 = model.net.init(rng)
    X = rng.standard_normal((4, 2))
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    eta, steps, every = 0.5, 5, 2
    out = track_alignment(model, "cross-entropy", theta0, X, Y, step_size=eta, steps=steps,
                          every=every, cutoffs=(1e-6,))
    assert out["t"] == [0, 2, 4, 5]
    ce = LOSSES["cross-entropy"]

    def L(th):
        F = model.net.forward_traced(th, X)
        return anp.mean(anp.logaddexp(0.0, F) - Y * F)

    theta, records = np.array(theta0), {}
    for t in range(steps + 1):
        records[t] = theta
        theta = theta - eta * autograd.grad(L)(theta)
    b = 2 * Y.ravel() - 1
    for k, t in enumerate(out["t"]):
        th = records[t]
        F = model.forward(th, X)
        assert out["loss"][k] == pytest.approx(float(np.mean(ce.value(F, Y))), rel=1e-12, abs=0)
        assert out["error"][k] == float(np.mean((F > 0) != (Y > 0.5)))
        J = model.jacobian(th, X)
        assert out["daa"][k] == al.membership(b, J=J).member
        assert out["lambda_min"][k] == pytest.approx(
            float(np.linalg.eigvalsh(J @ J.T)[0]), rel=1e-6, abs=1e-14)
        U, s, _ = np.linalg.svd(J, full_matrices=False)
        assert out["cut"][1e-6][k] == al.membership_at_cutoff(b, s, U, 1e-6)
    MT, M0 = gram(model.net, theta, X), gram(model.net, theta0, X)
    assert out["M_change"] == pytest.approx(float(np.sum((MT - M0) ** 2)), rel=1e-8, abs=0)
    assert out["M_change"] > 0


def test_trajectory_toy_models_and_descent():
    """Every model of ``theory.trajectory`` (built by ``make_model``): its closed-form Jacobian
    against central differences of ``forward`` (the MLP also with the ``tanh`` output), the
    caller's ``S`` override; ``gradient_descent`` iterates ``theta - alpha grad L`` with
    ``grad L = J^T v`` and ``L`` the mean loss, keeps Jacobians only where ``keep`` says and
    stores ``record``'s extra data."""
    from theory.trajectory import gradient_descent, make_model
    from theory.trajectory import objective as tj_objective

    rng = np.random.default_rng(20)
    X = rng.standard_normal((5, 2))
    models = [make_model("quartic"), make_model("wu2"), make_model("square-plus-one"),
              make_model("linear", d=2), make_model("mlp", widths=[2, 4, 1]),
              make_model("mlp", widths=[2, 4, 1], output="tanh", activation="softplus")]
    for model in models:
        theta = rng.standard_normal(model.n_params) * 0.7
        h = 1e-6
        fd = np.column_stack([
            (model.forward(theta + h * e, X) - model.forward(theta - h * e, X)).ravel() / (2 * h)
            for e in np.eye(model.n_params)])
        np.testing.assert_allclose(model.jacobian(theta, X), fd, rtol=1e-6, atol=1e-7)
    assert np.array_equal(make_model("wu2", S=[1]).S, [1])
    assert np.array_equal(make_model("linear", d=3).S, [0, 1, 2])
    mlp = make_model("mlp", widths=[2, 4, 1])  # P = (2*4 + 4) + (4*1 + 1) = 17
    assert mlp.n_params == 17 and mlp.S.tolist() == [12, 13, 14, 15, 16]  # last W and b

    model = make_model("linear", d=2)
    Y = rng.standard_normal((5, 1))
    theta0, alpha = np.array([0.3, -0.2]), 0.1
    traj = gradient_descent(model, "squared", theta0, X, Y, step_size=alpha, steps=3,
                            keep=lambda t: t == 3, record=lambda st: {"t2": 2 * st.t})
    theta = theta0.copy()
    for t, st in enumerate(traj.steps):
        value = float(np.mean((X @ theta - Y[:, 0]) ** 2))
        grad = 2 * X.T @ (X @ theta - Y[:, 0]) / 5
        assert st.t == t and np.allclose(st.theta, theta, rtol=1e-14, atol=1e-15)
        assert st.loss == pytest.approx(value, rel=1e-13, abs=0)
        np.testing.assert_allclose(st.grad, grad, rtol=1e-12, atol=1e-15)
        assert st.extra == {"t2": 2 * t}
        assert st.J.shape == ((5, 2) if t == 3 else (0, 0))
        theta = theta - alpha * grad
    np.testing.assert_array_equal(traj.losses, [st.loss for st in traj.steps])
    assert traj.step_size == alpha and len(traj.steps) == 4
    value, g, F, J, v = tj_objective(model, "squared", theta0, X, Y)
    np.testing.assert_allclose(v, 2 * (F - Y).ravel() / 5, rtol=1e-14)
    np.testing.assert_allclose(g, J.T @ v, rtol=1e-14)


def test_trajectory_data_and_init():
    """``two_moons`` without noise puts the first ``n // 2`` points (label 0) on the upper unit
    half circle and the rest (label 1) on the circle about (1, 1/2) below its centre, with
    noise of the given standard deviation; ``sine_wave`` draws ``x`` in [-1, 1]; PyTorch's
    default init lays out ``W`` then ``b`` per layer, each ``U[-a, a]``, ``a = 1/sqrt(fan_in)``."""
    from theory.trajectory import sine_wave, torch_default_init, two_moons

    X, Y = two_moons(11, 0.0, np.random.default_rng(0))
    assert X.shape == (11, 2) and Y.shape == (11, 1)
    np.testing.assert_array_equal(Y.ravel(), [0.0] * 5 + [1.0] * 6)
    np.testing.assert_allclose(np.linalg.norm(X[:5], axis=1), 1.0, rtol=1e-14)
    assert np.all(X[:5, 1] >= 0) and X[0, 0] == 1.0 and X[4, 0] == pytest.approx(-1.0)
    np.testing.assert_allclose(np.linalg.norm(X[5:] - [1.0, 0.5], axis=1), 1.0, rtol=1e-14)
    assert np.all(X[5:, 1] <= 0.5 + 1e-15) and X[5, 0] == 0.0
    Xn, _ = two_moons(4000, 0.2, np.random.default_rng(1))
    Xc, _ = two_moons(4000, 0.0, np.random.default_rng(1))
    assert float(np.std(Xn - Xc)) == pytest.approx(0.2, rel=0.05)
    Xs, Ys = sine_wave(500, np.random.default_rng(2))
    assert Xs.shape == (500, 1) and np.all(np.abs(Xs) <= 1) and np.ptp(Xs) > 1.9
    np.testing.assert_array_equal(Ys, (np.sin(20 * Xs) < 0).astype(float))
    widths = [3, 40, 2]
    theta = torch_default_init(widths, np.random.default_rng(3))
    blocks = np.split(theta, np.cumsum([120, 40, 80]))
    for block, fan_in in zip(blocks, [3, 3, 40, 40], strict=True):
        bound = 1 / math.sqrt(fan_in)
        assert np.all(np.abs(block) <= bound)
        if block.size >= 40:
            assert np.max(np.abs(block)) > 0.8 * bound and np.min(block) < 0 < np.max(block)


# --------------------------------------------------------------------- softmax cross-entropy
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


def test_smoothness_estimate_refuses_to_estimate_without_iterations():
    """With ``iters=0`` no Hessian-vector product is taken, so there is no estimate: a 0
    would read as a flat loss and give an unbounded step. It raises, naming ``iters``; one
    iteration measures curvature."""
    model, X = tj.SquarePlusOne(), np.zeros((3, 1))
    Y = np.ones((3, 1))
    theta = np.array([0.4])
    with pytest.raises(ValueError, match="iters >= 1"):
        tj.smoothness_estimate(model, "squared", theta, X, Y, iters=0)
    assert tj.smoothness_estimate(model, "squared", theta, X, Y, iters=1) > 0.0


def test_quartic_index_set_indexes_the_parameters():
    """``Quartic``'s ``S`` (default empty: no S satisfies Assumption 1) is an integer index
    set: it selects parameters from ``theta``, none by default."""
    theta = np.array([0.7])
    assert theta[tj.Quartic().S].size == 0
    assert np.array_equal(theta[tj.Quartic((0,)).S], theta)
    assert theta[tj.make_model("quartic").S].size == 0


def test_square_plus_one_is_theta_squared_plus_one_at_every_input():
    """Proposition 1's control ``f(x, theta) = theta^2 + 1``: one value per input row, never
    below 1 (so never 0, whatever ``theta``)."""
    model, X = tj.SquarePlusOne(), np.zeros((4, 2))
    for t in (-2.0, -0.5, 0.0, 0.3, 3.0):
        f = model.forward(np.array([t]), X)
        assert f.shape == (4, 1)
        assert np.all(f == t * t + 1.0)


def test_track_alignment_runs_a_float32_start_in_float64():
    """A float32 ``theta_0`` is taken as the float64 point with the same values (every float32
    is a float64 exactly): the recorded run is the one from its float64 copy, entry for
    entry."""
    from theory.trajectory import MLP, track_alignment

    rng = np.random.default_rng(13)
    model = MLP([2, 6, 1], "tanh")
    theta32 = model.net.init(rng).astype(np.float32)
    X = rng.standard_normal((4, 2))
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])

    def run(theta0):
        return track_alignment(model, "cross-entropy", theta0, X, Y, step_size=0.5, steps=2,
                               every=1, cutoffs=(1e-6,))

    assert run(theta32) == run(theta32.astype(np.float64))


def test_sharp_softplus_complex_value_is_the_activation_without_overflow():
    """``sharp_softplus(varsigma).analytic`` (the complex-step value, Figure 1's softplus) is
    ``ln(1 + e^{varsigma z}) / varsigma`` on the reals, also where ``e^{varsigma z}``
    overflows, and its complex step ``Im sigma(z + ih) / h`` is ``sigma'``."""
    act = tj.sharp_softplus(100.0)
    z = np.array([-9.0, -0.3, -0.01, 0.0, 0.01, 0.3, 9.0])  # |varsigma z| = 900 > 709
    u = unit_roundoff()
    assert np.all(np.isfinite(act.analytic(z)))
    assert np.allclose(act.analytic(z), np.logaddexp(0.0, 100.0 * z) / 100.0,
                       rtol=4 * u, atol=4 * u)
    h = 1e-30
    step = np.imag(act.analytic(z + 1j * h)) / h
    assert np.allclose(step, act.d1(z), rtol=8 * u, atol=8 * u)
