"""The single place that knows about array backends: NumPy (default) and CuPy, both through
the array API (``array-api-compat``), float64 by default.

Every numerical function in :mod:`theory` takes ``xp = namespace(A, ...)`` at its top and uses
the array API from there on; a NumPy fallback is used only where a backend lacks a function.
CuPy ignores cuSOLVER error codes unless told otherwise (a failed Cholesky returns garbage), so
every linear-algebra call runs inside :func:`linalg_errors_raise`.

>>> xp = get_xp("numpy")
>>> to_numpy(asarray([1, 2], xp=xp)).dtype
dtype('float64')
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_cupy_namespace

__all__ = [
    "DEFAULT_DTYPE",
    "asarray",
    "available_backends",
    "get_xp",
    "gpu_available",
    "is_cupy",
    "linalg_error_types",
    "linalg_errors_raise",
    "namespace",
    "native",
    "to_numpy",
]

DEFAULT_DTYPE = "float64"


def namespace(*arrays: Any) -> Any:
    """The array-API namespace of ``arrays`` (``array_api_compat.numpy`` for NumPy input)."""
    return array_namespace(*arrays)


def is_cupy(xp: Any) -> bool:
    """Whether ``xp`` is the CuPy namespace."""
    return is_cupy_namespace(xp)


@functools.cache
def gpu_available() -> tuple[bool, str]:
    """``(True, device name)`` when CuPy imports and sees a CUDA device, else ``(False, why)``."""
    try:
        import cupy
    except Exception as err:  # ImportError, or a CUDA library missing at import time
        return False, f"CuPy is not installed ({type(err).__name__}: {err}); pip install .[gpu]"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:
        return False, f"CuPy sees no CUDA device ({type(err).__name__}: {err})"
    if count < 1:
        return False, "CuPy sees no CUDA device"
    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return True, name


def get_xp(name: str = "numpy") -> Any:
    """The array-API namespace called ``name`` (``"numpy"`` or ``"cupy"``). Raises ``RuntimeError``
    with the reason when CuPy or a GPU is missing."""
    if name == "numpy":
        import array_api_compat.numpy as xp_np

        return xp_np
    if name == "cupy":
        ok, why = gpu_available()
        if not ok:
            raise RuntimeError(why)
        import array_api_compat.cupy as xp_cp

        return xp_cp
    raise ValueError(f"unknown backend {name!r}; choose 'numpy' or 'cupy'")


def native(xp: Any) -> Any:
    """The library behind ``xp`` (``numpy`` or ``cupy``), for what the array API lacks
    (``out=`` arguments, ``einsum``)."""
    if is_cupy(xp):
        import cupy

        return cupy
    return np


def available_backends() -> list[str]:
    """Names of the backends usable here: always ``numpy``, plus ``cupy`` with a GPU."""
    return ["numpy", "cupy"] if gpu_available()[0] else ["numpy"]


def asarray(x: Any, *, xp: Any = None, dtype: Any = None) -> Any:
    """``x`` as an array of ``xp`` (NumPy by default) in ``dtype`` (float64 by default)."""
    xp = get_xp("numpy") if xp is None else xp
    return xp.asarray(x, dtype=getattr(xp, dtype or DEFAULT_DTYPE))


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy (host memory) of an array of any backend."""
    if hasattr(x, "get") and not isinstance(x, np.ndarray):
        return x.get()
    return np.asarray(x)


def linalg_error_types() -> tuple[type[BaseException], ...]:
    """The exceptions a failed factorisation raises (``numpy.linalg.LinAlgError``; CuPy raises
    the same class under :func:`linalg_errors_raise`)."""
    types: list[type[BaseException]] = [np.linalg.LinAlgError]
    if gpu_available()[0]:
        import cupy

        extra = getattr(cupy.linalg, "LinAlgError", None)
        if extra is not None and extra not in types:
            types.append(extra)
    return tuple(types)


@contextlib.contextmanager
def linalg_errors_raise(xp: Any) -> Iterator[None]:
    """Run linear algebra so that a failure raises: ``cupyx.errstate(linalg='raise')`` on CuPy
    (which otherwise ignores cuSOLVER's info codes), nothing to do on NumPy."""
    if is_cupy(xp):
        import cupyx

        with cupyx.errstate(linalg="raise"):
            yield
    else:
        yield
