"""k22 §2.2's M = J J^T for the LeNet by layer-wise contraction, against the formed J."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.conv_gram import (
    conv_layer_gram,
    dense_layer_gram,
    gram_tolerance,
    lenet_gram,
    route_costs,
)
from theory.gram import gram
from theory.jacobian import jacobian
from theory.models.lenet import LeNet


def _instance(m_c: int = 1, m_y: int = 1, n: int = 3, side: int = 8, seed: int = 0):
    net = LeNet(m_c, m_y=m_y, side=side)
    rng = np.random.default_rng(seed)
    return net, net.init(rng), rng.standard_normal((n, side, side, 1))


@pytest.mark.parametrize("route", ["pairs", "contracted", "auto"])
@pytest.mark.parametrize("m_y", [1, 2])
def test_gram_matches_the_formed_autograd_jacobian_to_rounding(route, m_y):
    net, theta, X = _instance(m_y=m_y)
    J = jacobian(net, theta, X, "autograd")
    tol, _ = gram_tolerance(net, J)
    M = lenet_gram(net, theta, X, route)
    assert M.shape == (3 * m_y, 3 * m_y)
    assert np.max(np.abs(M - J @ J.T)) <= tol


def test_gram_at_the_papers_image_size_matches_the_analytic_jacobian():
    net, theta, X = _instance(side=16, n=4, seed=2)
    J = jacobian(net, theta, X)
    tol, _ = gram_tolerance(net, J)
    assert np.max(np.abs(lenet_gram(net, theta, X) - J @ J.T)) <= tol


def test_theory_gram_dispatches_to_the_lenet_contraction():
    net, theta, X = _instance()
    assert np.array_equal(gram(net, theta, X), lenet_gram(net, theta, X))


def test_conv_layer_routes_agree_on_each_layer():
    net, theta, X = _instance(m_y=2)
    A, Delta = net.sensitivities(theta, X)
    for a, d in zip(A, Delta, strict=True):
        if d.ndim != 4:
            continue
        P1 = conv_layer_gram(d, a, "pairs")
        P2 = conv_layer_gram(d, a, "contracted")
        J_block = np.concatenate(
            [np.einsum("nrpc,npk->nrck", d, a).reshape(6, -1), d.sum(axis=2).reshape(6, -1)], 1)
        tol, _ = gram_tolerance(net, J_block)
        assert np.max(np.abs(P1 - P2)) <= tol


def test_dense_layer_gram_is_the_block_of_the_formed_jacobian():
    rng = np.random.default_rng(4)
    D, A = rng.standard_normal((5, 2, 7)), rng.standard_normal((5, 3))
    J = np.concatenate([np.einsum("nrm,nk->nrmk", D, A).reshape(10, -1), D.reshape(10, -1)], 1)
    ref = J @ J.T
    bound = 2 * (J.shape[1] * np.finfo(float).eps) * float(np.max(np.abs(J) @ np.abs(J).T))
    assert np.max(np.abs(dense_layer_gram(D, A) - ref)) <= bound


def test_auto_route_takes_the_cheaper_one():
    # the paper's first convolution at n = 1000: 256 positions make pairs far dearer
    costs = route_costs(1000, 256, 8, 25)
    assert costs["contracted"] < costs["pairs"]
    # one position left (a dense layer seen as a convolution): pairs is the cheaper
    costs = route_costs(1000, 1, 8, 25)
    assert costs["pairs"] < costs["contracted"]


def test_unknown_route_is_a_one_line_error():
    net, theta, X = _instance()
    with pytest.raises(ValueError, match="unknown route 'svd'"):
        lenet_gram(net, theta, X, "svd")


def test_gram_rejects_layer_weights():
    net, theta, X = _instance()
    with pytest.raises(NotImplementedError, match="no layer weights"):
        gram(net, theta, X, weights=[1, 1, 1, 1, 0])


def test_bench_times_the_lenet_gram_against_the_formed_jacobian():
    from checks.bench import _item_lenet

    row = _item_lenet(6)
    assert row["formed_s"] == row["jacobian_s"] + row["jjt_s"]
    assert row["gram_speedup_vs_formed_jacobian"] == row["formed_s"] / row["gram_s"]
    assert row["formed_jacobian_bytes"] == 6 * LeNet(1).n_params() * 8
    assert row["gram_bytes"] == 6 * 6 * 8
    # the two computations agree to the rounding bound of theory.conv_gram
    net = LeNet(1)
    rng = np.random.default_rng(2)
    theta, X = net.init(rng), rng.standard_normal((6, 16, 16, 1))
    J = jacobian(net, theta, X)
    tol, _ = gram_tolerance(net, J)
    assert row["lenet_gram_vs_jjt_rel"] <= tol / float(np.max(np.abs(J @ J.T)))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), m_y=st.integers(1, 2),
       scale=st.sampled_from([2.0**-4, 1.0, 2.0**3]))
def test_gram_matches_the_formed_jacobian_on_drawn_instances(seed, n, m_y, scale):
    # scale moves pre-activations across softplus(100)'s knee: from linear to saturated
    rng = np.random.default_rng(seed)
    net = LeNet(1, m_y=m_y, side=8)
    theta, X = net.init(rng), scale * rng.standard_normal((n, 8, 8, 1))
    J = jacobian(net, theta, X)
    tol, _ = gram_tolerance(net, J)
    assert np.max(np.abs(lenet_gram(net, theta, X, "pairs") - J @ J.T)) <= tol
    assert np.max(np.abs(lenet_gram(net, theta, X, "contracted") - J @ J.T)) <= tol


@pytest.mark.parametrize("route", ["pairs", "contracted"])
def test_chunked_back_propagation_gives_the_same_gram(route):
    net, theta, X = _instance(m_y=2, n=5)
    J = jacobian(net, theta, X)
    tol, _ = gram_tolerance(net, J)
    whole = lenet_gram(net, theta, X, route)
    assert np.max(np.abs(lenet_gram(net, theta, X, route, chunk=2) - whole)) <= tol
    assert np.max(np.abs(lenet_gram(net, theta, X, route, chunk=2) - J @ J.T)) <= tol
