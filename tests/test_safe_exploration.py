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


def test_structural_deficiency_cases():
    """``rank phi < n`` is certain when ``m_H m_{H-1} < n`` (not at equality) or when two rows
    of ``Z`` repeat; with inputs ``X`` only repeated inputs count; otherwise ``None``."""
    from theory.safe_exploration import structural_deficiency

    rng = np.random.default_rng(9)
    Z = rng.standard_normal((6, 3))
    assert structural_deficiency(Z, 2) is None  # 2 * 3 = 6 = n columns: no certainty
    reason = structural_deficiency(Z, 1)
    assert reason is not None and "3 < n = 6" in reason
    Zrep = Z.copy()
    Zrep[4] = Zrep[1]
    Zrep[5] = Zrep[1]
    assert "$Z$ has 2 repeated row(s)" in structural_deficiency(Zrep, 4)
    X = rng.standard_normal((6, 2))
    assert structural_deficiency(Zrep, 4, X) is None  # distinct inputs
    X[5] = X[0]
    assert "the inputs $X$ has 1 repeated row(s)" in structural_deficiency(Zrep, 4, X)


def test_safe_exploration_in_place_path():
    """Above ``IN_PLACE_ABOVE`` samples the Gram ``(Z Z^T) o (S S^T)`` is factorised in place
    with Demmel's margin ``alpha = 2 gamma_{n+1} tr M / (1 - gamma_{n+1})``: a generic ``Z``
    is certified (True), a ``Z`` of column rank 5 (``rank phi <= 5 m_H < n``, invisible to the
    structural test) is reported undecided (None), never deficient."""
    from theory.safe_exploration import IN_PLACE_ABOVE, phi_gram, safe_exploration

    rng = np.random.default_rng(15)
    n, m, m_H = IN_PLACE_ABOVE + 1, 24, 24
    Z = rng.standard_normal((n, m))
    q = rng.standard_normal((m, m_H))
    out = safe_exploration(Z, q, 1.0)
    assert out.value is True and out.n == n and out.columns == m * m_H
    assert "in-place Cholesky" in out.derivation and "succeeded" in out.derivation
    g = gamma(n + 1)
    tr = out.numbers["trace_abs"]
    assert tr == pytest.approx(float(np.trace(phi_gram(Z, q, 1.0))), rel=1e-12, abs=0)
    assert out.numbers["alpha"] == pytest.approx(2 * g * tr / (1 - g), rel=1e-15, abs=0)
    assert out.numbers["n"] == n
    dense = safe_exploration(Z[:IN_PLACE_ABOVE], q, 1.0)  # at the threshold: the dense test
    assert dense.value is True and "in-place" not in dense.derivation
    low = rng.standard_normal((n, 5)) @ rng.standard_normal((5, m))
    out = safe_exploration(low, q, 1.0)
    assert out.value is None and "failed" in out.derivation


def test_undecided_safe_exploration_still_counts_the_columns_of_phi():
    """When the Gram certificate fails (here ``phi`` has two parallel rows: equal gates, ``z_2
    = 2 z_1``, no repeated row), the decision is ``None`` and still reports ``phi``'s column
    count ``m_H m_{H-1}``."""
    Z = np.array([[1.0], [2.0]])
    q = np.zeros((1, 2))  # every gate is sigma~(0) = 1/2
    d = safe_exploration(Z, q, 1.0)
    assert d.value is None
    assert d.columns == q.shape[1] * Z.shape[1]
