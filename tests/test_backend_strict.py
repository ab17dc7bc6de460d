"""The numerical core's GPU-path functions (those `tests/test_gpu.py` runs on CuPy) under
``array_api_strict``, a namespace with nothing beyond the array API standard: a NumPy-only
call or a non-standard array method on the CuPy path fails here, on the CPU, instead of on a
GPU nobody has at hand. Each result is compared with the NumPy path."""

from __future__ import annotations

import numpy as np
import pytest

from theory import backend
from theory.gram import gram, hadamard_gram
from theory.jacobian import jacobian
from theory.linalg import certified_rank, certified_rank_gram, in_column_space, positive_definite
from theory.models.feedforward import Feedforward
from theory.numerics import gamma

xs = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed "
                         "(pip install array-api-strict)")


def _strict(a: np.ndarray):
    return xs.asarray(a, dtype=xs.float64)


def _rank_instance():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((12, 5)) @ rng.standard_normal((5, 9))
    return A, A @ rng.standard_normal(9)


def test_certified_rank_runs_on_the_standard_alone():
    A, _ = _rank_instance()
    assert certified_rank(_strict(A)).rank == certified_rank(A).rank == 5


def test_certified_rank_gram_runs_on_the_standard_alone():
    A, _ = _rank_instance()
    assert certified_rank_gram(_strict(A @ A.T)).rank == certified_rank_gram(A @ A.T).rank == 5


def test_column_space_membership_runs_on_the_standard_alone():
    A, y = _rank_instance()
    assert in_column_space(y, gram=_strict(A @ A.T)).member is True
    assert in_column_space(y, J=_strict(A)).member is True


def test_positive_definite_runs_on_the_standard_alone():
    assert positive_definite(_strict(np.diag([1.0, 2.0, 3.0]))).value is True
    assert positive_definite(_strict(np.diag([1.0, -1.0, 2.0]))).value is False


def test_hadamard_gram_runs_on_the_standard_alone():
    rng = np.random.default_rng(2)
    Z, S = rng.standard_normal((30, 4)), rng.uniform(size=(30, 8))
    H = hadamard_gram(_strict(Z), _strict(S))
    ref = hadamard_gram(Z, S)
    assert np.max(np.abs(backend.to_numpy(H) - ref)) <= 4 * gamma(12) * float(np.max(ref))


def _network():
    rng = np.random.default_rng(0)
    net = Feedforward([3, 16, 16, 2], ["softplus", "tanh"])
    return net, net.init(rng), rng.standard_normal((20, 3))


def test_analytic_jacobian_runs_on_the_standard_alone():
    net, theta, X = _network()
    J = jacobian(net, _strict(theta), _strict(X))
    ref = jacobian(net, theta, X)
    assert np.max(np.abs(backend.to_numpy(J) - ref)) <= 4 * gamma(net.n_params()) * float(
        np.max(np.abs(ref)))


def test_layerwise_gram_runs_on_the_standard_alone():
    net, theta, X = _network()
    M = gram(net, _strict(theta), _strict(X))
    ref = gram(net, theta, X)
    assert np.max(np.abs(backend.to_numpy(M) - ref)) <= 4 * gamma(net.n_params()) * float(
        np.max(np.abs(ref)))


def test_analytic_jacobian_refuses_out_on_a_namespace_without_views():
    net, theta, X = _network()
    with pytest.raises(ValueError, match="out is for NumPy and CuPy"):
        jacobian(net, _strict(theta), _strict(X), out=_strict(np.empty((40, net.n_params()))))


def test_unflatten_keeps_numpy_views_of_theta():
    """On NumPy the standard's reshape is NumPy's own: the layers stay views of theta (so the
    NumPy path, and every number on it, is what it was before the strict path existed)."""
    net, theta, _ = _network()
    for W, b in net.unflatten(theta):
        assert np.shares_memory(W, theta) and np.shares_memory(b, theta)
