"""The safe-exploration decision of :mod:`theory.safe_exploration` (Kawaguchi, Zhang & Deng
2022, §3.3.1, Assumption 4): the small and the in-place path decide through the one
certified positive-definiteness test of :mod:`theory.linalg`."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import lapack

import theory.safe_exploration as se
from theory.gram import hadamard_gram
from theory.linalg import positive_definite
from theory.numerics import gamma
from theory.safe_exploration import gate_matrix, phi_gram, safe_exploration


def _features(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    return np.hstack([np.tanh(rng.standard_normal((n, m - 1))), np.ones((n, 1))])


@pytest.mark.parametrize("rank_one", [False, True])
def test_in_place_path_decides_like_the_small_path(monkeypatch, rank_one):
    rng = np.random.default_rng(9)
    Z = _features(rng, 40, 10)
    if rank_one:  # rank phi <= m_H = 8 < 40, yet no structural certificate (distinct rows)
        Z = Z[:, :1] * np.linspace(1.0, 2.0, 10)[None, :]
    q = rng.standard_normal((10, 8))
    small = safe_exploration(Z, q, 2.0)
    monkeypatch.setattr(se, "IN_PLACE_ABOVE", 10)
    monkeypatch.setattr(se, "IN_BLOCKS_OF", 7)
    big = safe_exploration(Z, q, 2.0)
    assert big.value is small.value is (None if rank_one else True)
    assert big.numbers["alpha"] == small.numbers["alpha"]


def _old_in_place(M: np.ndarray) -> bool:
    """The in-place Cholesky the module carried before it used theory.linalg (dpotrf on the
    Fortran view, alpha from tr M)."""
    N = M.shape[0]
    trace = float(np.trace(M))
    g = gamma(N + 1)
    M[np.diag_indices(N)] -= 2.0 * g * trace / (1.0 - g)
    _, info = lapack.dpotrf(M.T, lower=0, clean=0, overwrite_a=1)
    return info == 0 and trace > 0


def test_old_in_place_test_and_positive_definite_agree_on_recorded_instances():
    """On every recorded k22.asm4 instance the old in-place Cholesky, the in-place
    :func:`theory.linalg.positive_definite` and the copying one decide alike."""
    from test_linalg import _recorded_instances

    from checks.strategies import k22_ee as strat

    seen = 0
    for _cid, inst in _recorded_instances("k22.asm4"):
        Z = strat.body_features(inst)
        M = phi_gram(Z, inst["q"], inst["varsigma"])
        old = _old_in_place(M.copy())
        in_place = positive_definite(M.copy(), overwrite=True).value is True
        assert old == in_place == (positive_definite(M).value is True)
        seen += 1
    assert seen >= 3


def test_hadamard_gram_in_blocks_matches_the_explicit_phi():
    rng = np.random.default_rng(2)
    Z, q = _features(rng, 30, 6), rng.standard_normal((6, 5))
    S = gate_matrix(Z, q, 1.5)
    P = se.phi(Z, q, 1.5)
    assert np.allclose(hadamard_gram(Z, S, block_rows=4), P @ P.T, rtol=1e-13, atol=1e-13)
