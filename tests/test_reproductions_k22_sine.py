"""Theorem 5 rate curve of k22 §3.3 (checks.reproductions.k22_sine)."""

from __future__ import annotations

import numpy as np

from checks.reproductions import k22_sine


def test_rate_curve_bound_is_B0_squared_Lhat_over_2k():
    """Theorem 5's GD reproduction: the ``bound`` series is c / k for one constant c (the
    shape B_0^2 L^ / (2k)), k runs over integers from 1 to the ``ci`` step budget, and the
    exploitation loss of GD with step 1/L^ on this convex quadratic never increases."""
    rep = k22_sine.rate_curve("ci")
    loss, bound = rep["series"]
    ks = np.asarray(loss["x"])
    assert ks[0] == 1 and ks[-1] == k22_sine.RATE_STEPS["ci"] and np.all(np.diff(ks) > 0)
    assert ks.tolist() == bound["x"]
    c = np.asarray(bound["y"]) * ks
    assert np.allclose(c, c[0], rtol=1e-12)
    assert np.all(np.diff(loss["y"]) <= 1e-15)


def test_sine_recorder_scores_the_sign_of_the_outputs_at_the_training_inputs():
    """Figure 2's training error is the fraction of training points where ``sign f(x_i)``
    differs from ``y_i``, recorded only at multiples of ``every``; Figure 3's
    ``||M_t - M_0||_F^2`` is 0 at ``theta_0``. Labels equal to the signs of the outputs give
    error 0, the opposite labels 1, and flipping the first half of them 1/2."""
    from theory.models.ee import EEModel, sharp_softplus

    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, (6, 1))
    model = EEModel([1, 4], sharp_softplus(100.0), 4, 1, 100.0)
    theta = model.init(rng)
    signs = np.sign(model.forward(theta, x))
    assert np.all(signs != 0)
    flipped_half = signs * np.where(np.arange(6) < 3, -1.0, 1.0)[:, None]
    M0 = model.gram(theta, x)
    for y, expected in ((signs, 0.0), (-signs, 1.0), (flipped_half, 0.5)):
        rec = {"t": [], "error": [], "dM": []}
        record = k22_sine._recorder(rec, x, y, M0, every=5)
        for t in range(11):
            record(t, theta, model)
        assert rec["t"] == [0, 5, 10]
        assert rec["error"] == [expected] * 3
        assert rec["dM"] == [0.0] * 3
