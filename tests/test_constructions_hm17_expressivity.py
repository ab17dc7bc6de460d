"""The construction behind Hardt & Ma (2017), Theorem 3.2 (Appendix B), in
:mod:`theory.constructions.hm17_expressivity`: the network's draws and Lemma B.1's blocks."""

from __future__ import annotations

import numpy as np
import pytest

from theory.constructions.hm17_expressivity import build_network


def test_build_network_counts_its_draws():
    """``info['draws']`` is the number of draws made: with one failure reason per failed draw,
    ``draws = len(failures) + 1`` on success and ``draws = max_draws = len(failures)`` when
    every draw fails (a width k = 1 projection cannot separate 40 points)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 6))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = np.arange(40) % 3
    with np.errstate(divide="ignore", invalid="ignore"):
        net, info = build_network(X, labels, 3, 1, np.random.default_rng(0), max_draws=3)
    assert net is None and info["draws"] == 3 and len(info["failures"]) == 3
    net, info = build_network(X, labels, 3, 40, np.random.default_rng(0), max_draws=5)
    assert net is not None and info["draws"] == len(info["failures"]) + 1


def test_lemma_b1_block_contract_and_refusals():
    """Lemma B.1 for each bias rule: ``alpha_i + V ReLU(U alpha_i + s) = beta_i`` on ``S`` and
    ``= alpha_i`` off ``S`` (well separated unit vectors), unused rows inert (``U = 0, s = -1,
    V = 0``); refused: ``|S| > k``, an unknown method, a missing ``rho'``, and the margin rule
    when some margin is not positive (a repeated point). ``output_block`` sends ``q_a`` to
    ``e_a`` (``c = 0`` for a single label)."""
    from theory.constructions.hm17_expressivity import lemma_b1_block, output_block
    from theory.models.relu_residual import block

    k = 6
    alpha = np.eye(k)[:4]  # orthonormal: margins 1, norm deviation 0 <= rho' = 0.1
    beta = np.random.default_rng(23).standard_normal((4, k))
    S = np.array([0, 2])
    for method in ("margin", "fixed", "uniform"):
        U, V, s = lemma_b1_block(alpha, beta, S, method=method, rho_prime=0.1)
        moved = alpha + block(alpha, U, V, s)
        np.testing.assert_allclose(moved[S], beta[S], rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(moved[[1, 3]], alpha[[1, 3]])
        assert not np.any(U[2:]) and not np.any(V[:, 2:]) and np.all(s[2:] == -1.0)
    with pytest.raises(ValueError, match="exceeds the width"):
        lemma_b1_block(alpha[:, :1], beta[:, :1], S)
    with pytest.raises(ValueError, match="unknown method"):
        lemma_b1_block(alpha, beta, S, method="median")
    with pytest.raises(ValueError, match="needs rho_prime"):
        lemma_b1_block(alpha, beta, S, method="fixed")
    twin = np.vstack([alpha, alpha[:1]])
    with pytest.raises(ValueError, match="margin"):
        lemma_b1_block(twin, np.vstack([beta, beta[:1]]), S)
    Q = np.linalg.qr(np.random.default_rng(24).standard_normal((k, 3)))[0].T  # 3 labels
    A, B, s_out, c, max_corr = output_block(Q)
    np.testing.assert_allclose(block(Q, A, B, s_out), np.eye(3), atol=1e-14)
    assert c == (1 + max_corr) / 2 and max_corr == pytest.approx(0.0, abs=1e-15)
    _, _, _, c1, corr1 = output_block(Q[:1])
    assert (c1, corr1) == (0.0, -1.0)
