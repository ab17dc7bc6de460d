"""The ReLU residual blocks of Hardt & Ma (2017) §3 in :mod:`theory.models.relu_residual`."""

from __future__ import annotations

import numpy as np


def test_residual_step_is_identity_plus_block():
    """HM17 eq. (3.5): ``h + V ReLU(U h + s)`` row by row (a dead block, ``s`` very negative,
    leaves ``h`` unchanged)."""
    from theory.models.relu_residual import residual_step

    rng = np.random.default_rng(10)
    H, U, V, s = (rng.standard_normal(sh) for sh in ((5, 3), (4, 3), (3, 4), (4,)))
    expected = np.array([h + V @ np.maximum(U @ h + s, 0.0) for h in H])
    np.testing.assert_allclose(residual_step(H, U, V, s), expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(residual_step(H, U, V, np.full(4, -1e3)), H)
