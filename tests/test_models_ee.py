"""The EE wrapper of Kawaguchi, Zhang & Deng (2022) §3 in :mod:`theory.models.ee`: training
replayed by hand, its optimisers, and the Lipschitz constants of the loss gradients."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from theory.losses import LOSSES
from theory.models import ee


def test_ee_train_passes_time_and_model():
    """Algorithm 1's optimisers see ``t = 0..tau-1`` (explore) then ``tau..T-1`` (exploit), and
    ``callback`` gets the exploration model up to ``tau`` and the frozen model after it."""
    rng = np.random.default_rng(0)
    model = ee.EEModel([3, 4, 5], "tanh", m_H=3, m_y=1, varsigma=3.0)
    theta = model.init(rng)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    seen_t: dict[str, list] = {"explore": [], "exploit": []}

    def optimizer(kind):
        def step(gradient, n, t):
            seen_t[kind].append(t)
            return 0.01 * gradient(None)
        return step

    calls = []
    run = ee.ee_train(model, theta, X, Y, loss="squared", explore=optimizer("explore"),
                      exploit=optimizer("exploit"), tau=2, T=5, epsilon=0.01,
                      rng=np.random.default_rng(1),
                      callback=lambda t, th, mdl: calls.append((t, mdl)))
    assert seen_t == {"explore": [0, 1], "exploit": [2, 3, 4]}
    assert [t for t, _ in calls] == [0, 1, 2, 3, 4, 5]
    assert all(mdl is model for _, mdl in calls[:3])
    assert all(mdl is run.model and mdl.gates is not None for _, mdl in calls[3:])


def test_loss_gradient_lipschitz_is_the_sup_of_the_hessian():
    """k22 Assumption 5's ``L`` for each recorded loss equals ``sup_f l''(f, y)`` over a fine
    grid and both targets (2 for squared, 1/4 for the logistic-type losses, at ``f = 0``);
    a loss without a recorded constant is refused."""
    f = np.linspace(-30.0, 30.0, 6001)
    for name, L in ee.LOSS_LIPSCHITZ.items():
        loss = LOSSES[name]
        ys = {"real": [-1.0, 0.5], "binary01": [0.0, 1.0], "sign": [-1.0, 1.0]}[loss.targets]
        sup = max(float(np.max(loss.hess(f, np.full_like(f, y)))) for y in ys)
        assert ee.loss_gradient_lipschitz(name) == L == pytest.approx(sup, rel=1e-12, abs=0)
    with pytest.raises(ValueError, match="smoothed-hinge"):
        ee.loss_gradient_lipschitz("smoothed-hinge")


def _ee_setup(seed=0):
    rng = np.random.default_rng(seed)
    model = ee.EEModel([3, 4, 5], "tanh", m_H=3, m_y=1, varsigma=3.0)
    theta = model.init(rng)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    return model, theta, X, Y


def test_ee_train_replayed_by_hand():
    """Algorithm 1 replayed with autograd gradients of ``L = (1/n) sum ||f - y||^2``: ``tau``
    full steps of every layer, ``theta + epsilon xi`` with ``xi`` from the same generator, then
    steps of ``theta_(H-1)`` alone on the frozen-gate model; ``losses[t]`` is L of the model
    in force at ``t`` (``losses[tau]`` after the perturbation). ``tau = T`` is plain training
    (no perturbation, the model returned unchanged); ``record_losses=False`` keeps only
    ``L(theta^0)``; a bad ``tau`` or an already frozen model is refused."""
    model, theta0, X, Y = _ee_setup()
    tau, T, eps, lr = 2, 4, 0.05, 0.1
    run = ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr), exploit=ee.gd(lr),
                      tau=tau, T=T, epsilon=eps, rng=np.random.default_rng(5))

    def L(mdl):
        return lambda th: anp.sum((mdl.forward_traced(th, X) - Y) ** 2) / X.shape[0]

    th, losses = np.array(theta0), [L(model)(theta0)]
    for _ in range(tau):
        th = th - lr * autograd.grad(L(model))(th)
        losses.append(L(model)(th))
    th = th + eps * np.random.default_rng(5).standard_normal(th.shape)
    np.testing.assert_allclose(run.theta_tau, th, rtol=1e-12, atol=1e-14)
    frozen = model.frozen(th)
    losses[-1] = L(frozen)(th)
    hidden = model.hidden_slice()
    for _ in range(tau, T):
        g = autograd.grad(L(frozen))(th)
        th = th.copy()
        th[hidden] -= lr * g[hidden]
        losses.append(L(frozen)(th))
    np.testing.assert_allclose(run.theta, th, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.losses, losses, rtol=1e-10, atol=1e-14)
    for j, R in enumerate(run.model.gates):
        np.testing.assert_array_equal(R, model.split(run.theta_tau)[1][j])

    plain = ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr),
                        exploit=ee.gd(lr), tau=T, T=T, epsilon=eps, rng=np.random.default_rng(5))
    assert plain.model is model and np.array_equal(plain.theta, plain.theta_tau)
    assert len(plain.losses) == T + 1
    quiet = ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr),
                        exploit=ee.gd(lr), tau=tau, T=T, epsilon=eps,
                        rng=np.random.default_rng(5), record_losses=False)
    np.testing.assert_array_equal(quiet.theta, run.theta)
    assert quiet.losses == [pytest.approx(losses[0], rel=1e-12, abs=0)]
    for bad_tau in (-1, T + 1):
        with pytest.raises(ValueError, match="tau"):
            ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr),
                        exploit=ee.gd(lr), tau=bad_tau, T=T, epsilon=eps,
                        rng=np.random.default_rng(5))
    with pytest.raises(ValueError, match="unmodified-gate"):
        ee.ee_train(frozen, theta0, X, Y, loss="squared", explore=ee.gd(lr), exploit=ee.gd(lr),
                    tau=tau, T=T, epsilon=eps, rng=np.random.default_rng(5))


def test_ee_optimizers():
    """``gd`` returns ``alpha_t nabla L`` (constant or scheduled), ``sgd`` the same on a
    minibatch of ``batch`` indices drawn uniformly from ``0..n-1``."""
    seen = []

    def oracle(idx):
        seen.append(idx)
        return np.array([1.0, -2.0])

    np.testing.assert_array_equal(ee.gd(0.5)(oracle, 10, 3), [0.5, -1.0])
    np.testing.assert_array_equal(ee.gd(lambda t: 0.1 * t)(oracle, 10, 3),
                                  [0.1 * 3, -0.2 * 3])
    assert seen == [None, None]
    rng = np.random.default_rng(0)
    step = ee.sgd(lambda t: 1.0 / (t + 1), 4, rng)
    np.testing.assert_array_equal(step(oracle, 7, 1), [0.5, -1.0])
    idx = seen[-1]
    assert idx.shape == (4,) and idx.min() >= 0 and idx.max() < 7
    np.testing.assert_array_equal(idx, np.random.default_rng(0).integers(0, 7, size=4))
    for _ in range(50):
        ee.sgd(0.1, 3, rng)(oracle, 5, 0)
    drawn = np.concatenate(seen[-50:])
    assert set(drawn.tolist()) == set(range(5))
