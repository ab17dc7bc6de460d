"""The CuPy path against the NumPy path (``nox -s gpu``); every test skips with the reason
where CuPy or a CUDA device is missing."""

from __future__ import annotations

import numpy as np
import pytest

from theory import backend
from theory.gram import gram, hadamard_gram
from theory.jacobian import jacobian
from theory.linalg import certified_rank, certified_rank_gram, in_column_space, positive_definite
from theory.models.feedforward import Feedforward
from theory.numerics import gamma

_OK, _WHY = backend.gpu_available()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _OK, reason=f"no GPU backend: {_WHY}")]


@pytest.fixture
def cp():
    return backend.get_xp("cupy")


def _network(rng: np.random.Generator, d_y: int = 2):
    net = Feedforward([3, 16, 16, d_y], ["softplus", "tanh"])
    return net, net.init(rng), rng.standard_normal((20, 3))


def test_jacobian_and_gram_match_numpy(cp):
    rng = np.random.default_rng(0)
    net, theta, X = _network(rng)
    J = jacobian(net, theta, X)
    Jc = jacobian(net, cp.asarray(theta), cp.asarray(X))
    M, Mc = gram(net, theta, X), gram(net, cp.asarray(theta), cp.asarray(X))
    scale = float(np.max(np.sum(J * J, axis=1)))
    tol = 4 * gamma(net.n_params() + 16) * scale
    assert Jc.dtype == cp.float64
    assert np.max(np.abs(backend.to_numpy(Jc) - J)) <= tol
    assert np.max(np.abs(backend.to_numpy(Mc) - M)) <= tol
    assert np.max(np.abs(backend.to_numpy(Mc) - J @ J.T)) <= tol


def test_failed_cholesky_is_reported_not_garbage(cp):
    """Under ``cupyx.errstate(linalg='raise')`` an indefinite matrix gives ``False``."""
    M = cp.asarray(np.diag([1.0, -1.0, 2.0]))
    assert positive_definite(M).value is False
    assert positive_definite(cp.asarray(np.eye(3))).value is True


def test_decisions_match_numpy(cp):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((12, 5)) @ rng.standard_normal((5, 9))
    y = A @ rng.standard_normal(9)
    for fn, args in ((certified_rank, (A,)), (certified_rank_gram, (A @ A.T,))):
        assert fn(*args).rank == fn(*(cp.asarray(a) for a in args)).rank == 5
    assert in_column_space(y, gram=cp.asarray(A @ A.T)).member is True
    Z, S = rng.standard_normal((30, 4)), rng.uniform(size=(30, 8))
    Hc = backend.to_numpy(hadamard_gram(cp.asarray(Z), cp.asarray(S)))
    assert np.allclose(Hc, hadamard_gram(Z, S), rtol=0, atol=4 * gamma(40) * np.max(Hc))
