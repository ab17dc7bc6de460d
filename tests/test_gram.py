"""The layer-wise Hadamard Gram against ``J Lambda J^T`` from explicit Jacobians (analytic and
autograd), for several activations, output dimensions, biases and per-layer weights; and the
EE wrapper's ``phi phi^T = (Z Z^T) o (S S^T)`` against the explicit row-wise Kronecker ``phi``."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.activations import ACTIVATIONS
from theory.gram import gram, gram_from_jacobian, hadamard_gram, layer_weights, row_kron
from theory.jacobian import jacobian
from theory.models.feedforward import Feedforward
from theory.numerics import gamma


def _gram_tolerance(J: np.ndarray, P: int) -> float:
    """Both sides are sums of ``P`` products of Jacobian entries: entrywise error at most
    ``gamma_P |J| |J|^T`` for each (Higham §3.1), plus the sensitivities' own rounding; bounded
    by ``4 gamma_{P + 16} max_i ||J_i||^2``."""
    row_norms = np.sum(J * J, axis=1)
    return 4.0 * gamma(P + 16) * float(np.max(row_norms, initial=1.0))


def test_length_P_weights_accept_a_layer_holding_a_single_parameter():
    """A length-``P`` weight vector is read block by block even when a layer's block is one
    number (a bias-free ``1 -> 1`` layer): each block's common value is that layer's
    ``lambda_l``, and a block that is not constant is still refused."""
    net = Feedforward([1, 1, 2], "tanh", bias=False)
    assert net.layer_sizes() == [1, 2]
    assert layer_weights(net, [2.0, 3.0, 3.0]) == [2.0, 3.0]
    with pytest.raises(ValueError, match="constant"):
        layer_weights(net, [2.0, 3.0, 4.0])


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    act=st.sampled_from(sorted(ACTIVATIONS)),
    bias=st.booleans(),
    n=st.integers(1, 6),
    weighted=st.booleans(),
)
def test_gram_equals_J_Lambda_JT(seed, widths, act, bias, n, weighted):
    rng = np.random.default_rng(seed)
    net = Feedforward(widths, act, bias=bias)
    theta, X = net.init(rng), rng.standard_normal((n, widths[0]))
    lam = rng.uniform(0.0, 2.0, net.n_layers) if weighted else None
    J = jacobian(net, theta, X, "autograd")
    w = None if lam is None else np.repeat(lam, net.layer_sizes())
    expected = gram_from_jacobian(J, w)
    M = gram(net, theta, X, weights=lam)
    assert M.shape == (n * net.d_y, n * net.d_y)
    assert np.max(np.abs(M - expected)) <= _gram_tolerance(J, net.n_params())


@pytest.mark.parametrize("d_y", [1, 2, 3])
def test_multi_output_gram_with_a_dropped_layer(d_y):
    rng = np.random.default_rng(11)
    net = Feedforward([3, 6, 5, d_y], ["softplus", "tanh"])
    theta, X = net.init(rng), rng.standard_normal((7, 3))
    J = jacobian(net, theta, X)
    lam = [0.0, 1.0, 0.5]  # Jacobian in the last two layers only
    expected = gram_from_jacobian(J, np.repeat(lam, net.layer_sizes()))
    M = gram(net, theta, X, weights=lam)
    assert np.max(np.abs(M - expected)) <= _gram_tolerance(J, net.n_params())
    assert np.array_equal(M, M.T) or np.max(np.abs(M - M.T)) <= _gram_tolerance(J, 1)


def test_length_P_weights_must_be_blockwise_constant():
    net = Feedforward([2, 3, 1], "tanh")
    w = np.repeat([2.0, 3.0], net.layer_sizes())
    assert layer_weights(net, w) == [2.0, 3.0]
    w[0] = 5.0
    with pytest.raises(ValueError, match="constant"):
        layer_weights(net, w)
    with pytest.raises(ValueError, match="entries"):
        layer_weights(net, [1.0, 2.0, 3.0])


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), m1=st.integers(1, 6), m2=st.integers(1, 6)
)
def test_hadamard_gram_equals_phi_phiT(seed, n, m1, m2):
    rng = np.random.default_rng(seed)
    Z, S = rng.standard_normal((n, m1)), rng.uniform(0.0, 1.0, (n, m2))
    phi = row_kron(S, Z)
    assert phi.shape == (n, m1 * m2)
    # row i of phi is [s_i1 z_i^T, ..., s_im2 z_i^T] (k22 §3.3)
    np.testing.assert_array_equal(phi[0, :m1], S[0, 0] * Z[0])
    expected = phi @ phi.T
    scale = float(np.max(np.sum(phi * phi, axis=1)))
    assert np.max(np.abs(hadamard_gram(Z, S) - expected)) <= 4 * gamma(m1 * m2 + 2) * scale


def test_hadamard_gram_rejects_mismatched_rows():
    with pytest.raises(ValueError, match="rows"):
        hadamard_gram(np.ones((3, 2)), np.ones((4, 2)))


def test_blocked_hadamard_gram_is_the_same_product():
    rng = np.random.default_rng(9)
    Z, S = rng.standard_normal((50, 3)), rng.uniform(size=(50, 7))
    full = hadamard_gram(Z, S)
    # the strips go through different BLAS kernels: equal up to gamma_(m1 + m2) rounding
    assert np.max(np.abs(hadamard_gram(Z, S, block_rows=8) - full)) <= 4 * gamma(10) * np.max(full)


def test_bench_smoke_prints_the_summary_json(capsys):
    """``python -m checks bench`` at toy sizes: the last line is one JSON object with the keys
    the summary promises, and every method pair agrees."""
    import json

    from checks.bench import main

    argv = ["--quick", "--gram-n", "4", "--autograd-n", "4", "--rank-n", "20"]
    assert main([*argv, "--small-autograd-n", "5", "--no-jax"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in (
        "gram_speedup_vs_formed_jacobian",
        "jacobian_speedup_vs_autograd",
        "jacobian_ratio_to_jax",
        "hadamard_rank_speedup_vs_svd",
        "max_relative_disagreement",
    ):
        assert key in summary
    assert summary["max_relative_disagreement"] < 1e-12
    assert summary["rank_decisions_agree"] is True


def _exact_hadamard_error(G, Z, S):
    """``||G - (Z Z^T) o (S S^T)||_F`` with the right side in exact rationals (every float64
    is a dyadic rational), rounded once at the end."""
    N = G.shape[0]
    err = np.zeros((N, N))
    for i in range(N):
        for j in range(N):
            zz = sum(Fraction(Z[i, p]) * Fraction(Z[j, p]) for p in range(Z.shape[1]))
            ss = sum(Fraction(S[i, q]) * Fraction(S[j, q]) for q in range(S.shape[1]))
            err[i, j] = float(Fraction(G[i, j]) - zz * ss)
    return float(np.linalg.norm(err))


@settings(deadline=None, max_examples=5)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_hadamard_gram_formation_error_in_exact_arithmetic(seed, N, m, a):
    """The computed ``(Z Z^T) o (S S^T)`` is within ``gamma_(m+a+1) tr(G) (1 + gamma_N)`` of
    the exact value in spectral (here: Frobenius) norm: entrywise
    ``|E| <= gamma_(m+a+1) |K||K|^T`` for the Khatri-Rao factor ``K``, a PSD matrix with the
    diagonal of ``G``, whose norm is at most its trace."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N, m)) * 10.0 ** rng.uniform(-3, 3)
    S = rng.standard_normal((N, a))
    G = hadamard_gram(Z, S)
    bound = gamma(m + a + 1) * float(np.trace(G)) * (1 + gamma(N))
    assert _exact_hadamard_error(G, Z, S) <= bound


def test_row_kron_refuses_factors_from_two_array_libraries():
    """``S`` and ``Z`` from different array libraries are an error (the array API's
    ``array_namespace`` refuses them), never a silent conversion to the first one's."""
    xs = pytest.importorskip("array_api_strict")
    S = np.ones((3, 2))
    Z = xs.ones((3, 4), dtype=xs.float64)
    with pytest.raises(TypeError, match="namespaces"):
        row_kron(S, Z)
