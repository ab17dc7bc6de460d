"""The backend layer: NumPy always available, float64 by default, CuPy refused with a reason
where it is missing, and the same results through the array-API namespace."""

from __future__ import annotations

import numpy as np
import pytest

from theory import backend
from theory.backend import available_backends, gpu_available, to_numpy
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


def test_available_backends_follows_gpu():
    """``available_backends`` lists cupy exactly when :func:`gpu_available` says so."""
    expected = ["numpy", "cupy"] if gpu_available()[0] else ["numpy"]
    assert available_backends() == expected


class _DeviceArray:
    """A stand-in for a device array: ``get()`` copies to the host."""

    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float64)

    def get(self):
        return self.data.copy()


def test_to_numpy_copies_device_arrays():
    """``to_numpy`` calls ``get()`` on a non-NumPy array (CuPy's host copy) and passes NumPy
    arrays through ``np.asarray`` (kills a negated ``isinstance`` test)."""
    out = to_numpy(_DeviceArray([1.0, 2.0]))
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, 2.0])
    a = np.arange(3.0)
    assert to_numpy(a) is a
    np.testing.assert_array_equal(to_numpy([1, 2]), [1, 2])


def test_get_xp_without_a_name_is_the_numpy_namespace():
    """The default backend is NumPy: ``get_xp()`` is the namespace ``get_xp("numpy")``."""
    assert backend.get_xp() is backend.get_xp("numpy")


def test_linalg_error_types_add_cupys_own_class_when_a_gpu_is_present(monkeypatch):
    """With a GPU, a failed factorisation may raise CuPy's ``linalg.LinAlgError``: the tuple
    holds it beside NumPy's (a stand-in CuPy module plays the GPU here)."""
    import sys
    import types

    class CupyLinAlgError(Exception):
        pass

    fake = types.ModuleType("cupy")
    fake.linalg = types.SimpleNamespace(LinAlgError=CupyLinAlgError)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "gpu_available", lambda: (True, ""))
    types_caught = backend.linalg_error_types()
    assert np.linalg.LinAlgError in types_caught and CupyLinAlgError in types_caught
