"""The backend layer: NumPy always available, float64 by default, CuPy refused with a reason
where it is missing, and the same results through the array-API namespace."""

from __future__ import annotations

import numpy as np
import pytest

from theory import backend
from theory.gram import gram
from theory.jacobian import jacobian
from theory.linalg import certified_rank, positive_definite
from theory.models.feedforward import Feedforward


def test_numpy_namespace_and_float64_default():
    xp = backend.get_xp("numpy")
    x = backend.asarray([1, 2, 3], xp=xp)
    assert x.dtype == np.float64
    assert backend.namespace(x) is xp or backend.namespace(x).__name__ == xp.__name__
    assert not backend.is_cupy(xp)
    assert backend.native(xp) is np
    assert isinstance(backend.to_numpy(x), np.ndarray)
    assert "numpy" in backend.available_backends()


def test_unknown_backend_and_missing_gpu_are_explained():
    with pytest.raises(ValueError, match="unknown backend"):
        backend.get_xp("torch")
    ok, why = backend.gpu_available()
    if not ok:
        assert why  # a reason, printed by the gpu tests' skip message
        with pytest.raises(RuntimeError):
            backend.get_xp("cupy")


def test_linalg_errors_raise_is_a_no_op_on_numpy():
    xp = backend.get_xp("numpy")
    with backend.linalg_errors_raise(xp), pytest.raises(backend.linalg_error_types()):
        np.linalg.cholesky(-np.eye(2))


def test_theory_functions_accept_array_api_namespace_arrays():
    """The same source runs on arrays made through the namespace (here NumPy's)."""
    xp = backend.get_xp("numpy")
    rng = np.random.default_rng(0)
    net = Feedforward([2, 3, 1], "softplus")
    theta = backend.asarray(net.init(rng), xp=xp)
    X = backend.asarray(rng.standard_normal((4, 2)), xp=xp)
    J = jacobian(net, theta, X)
    M = gram(net, theta, X)
    assert M.dtype == np.float64 and J.dtype == np.float64
    assert certified_rank(J).rank == 4
    assert positive_definite(M).value is True
