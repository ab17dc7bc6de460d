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
