"""Per-sample Jacobians ``J(theta) = d vec(f_X(theta)) / d theta`` (k22 Definition 1, the
gradient representation; k19 eq. (2) gradient basis; j19 §3), four ways.

Rows are **sample-major**: row ``i * d_y + k`` is ``d f(x_i, theta)_k / d theta``, so ``J`` is
``n d_y x P``. (k22 writes ``vec`` column-stacked, row ``i + n k``; the two differ by a row
permutation, which changes neither rank, nor range membership of a permuted target, nor the
spectrum of ``J J^T``.)

Methods (the trade-offs, as in neural-tangents' ``empirical.py``):

* ``analytic`` - batched back-propagation, no Python loop over samples: one backward sweep per
  layer on ``n x d_y x m_l`` sensitivity arrays, then ``dW_l = delta a^T`` written straight into
  ``J``. Cost ``O(n d_y P)``; runs on NumPy and CuPy. The default.
* ``autograd`` - reverse mode through ``autograd``, sample by sample (one backward pass per
  row of ``J``, each over a single sample); the reference. CPU only; a Python loop over
  samples, so slow for large ``n``.
* ``fd`` - central differences with step ``u^{1/3} max(1, |theta_j|)``: truncation and rounding
  error both ``O(u^{2/3})``; one pair of forward passes per parameter.
* ``complex`` - complex step ``Im f(theta + i h e_j) / h`` with ``h = 1e-20``: no cancellation,
  exact to rounding for real-analytic activations (not at ReLU kinks).

A model family supports this module by providing ``n_params()``, ``d_y``, ``forward(theta, X)``
and ``forward_traced(theta, X, complex_step=False)``; the analytic method uses
``model.jacobian_analytic(theta, X)`` when the model has one, and batched back-propagation
through :func:`sensitivities` for :class:`~theory.models.feedforward.Feedforward`.
"""

from __future__ import annotations

from typing import Any

import autograd
import numpy as np
from array_api_compat import array_namespace, is_cupy_namespace, is_numpy_namespace

from theory.backend import native
from theory.models.feedforward import Feedforward
from theory.numerics import unit_roundoff

__all__ = ["JACOBIAN_METHODS", "jacobian", "sensitivities"]

JACOBIAN_METHODS = ("analytic", "autograd", "fd", "complex")


def sensitivities(model: Feedforward, theta: Any, X: Any) -> tuple[list[Any], list[Any]]:
    """``(A, Delta)`` of back-propagation for a :class:`Feedforward` network.

    ``A[l]`` (``n x m_{l-1}``) is the input of dense layer ``l`` and ``Delta[l]``
    (``n x d_y x m_l``) holds ``Delta[l][i, k] = d f(x_i)_k / d z_l(x_i)``, the sensitivity of
    output ``k`` to the layer's pre-activation; ``Delta[H-1][i] = I_{d_y}`` and
    ``Delta[l] = (Delta[l+1] W_{l+1}) * sigma_l'(z_l)``. Then
    ``d f(x_i)_k / d W_l = Delta[l][i, k] A[l][i]^T`` and ``d f(x_i)_k / d b_l = Delta[l][i, k]``.
    """
    xp = array_namespace(theta, X)
    A, Z = model.layer_outputs(theta, X)
    layers = model.unflatten(theta)
    n, d_y = X.shape[0], model.d_y
    eye = xp.eye(d_y, dtype=theta.dtype)
    delta = xp.broadcast_to(eye[None, :, :], (n, d_y, d_y))
    Delta = [delta]
    for l in range(model.n_layers - 2, -1, -1):
        W_next = layers[l + 1][0]
        # one (n d_y x m_{l+1}) @ (m_{l+1} x m_l) product, not n small batched ones
        back = xp.reshape(xp.reshape(delta, (n * d_y, delta.shape[-1])) @ W_next, (n, d_y, -1))
        delta = back * model.activations[l].d1(Z[l])[:, None, :]
        Delta.append(delta)
    return A, Delta[::-1]


def _analytic_standard(model: Feedforward, A: list[Any], Delta: list[Any], xp: Any) -> Any:
    """``J`` from the sensitivities with the array API standard alone (no ``out=``, no views
    written through): each layer's block ``dW_l = delta a^T`` and ``db_l = delta``, joined."""
    n, d_y = A[0].shape[0], model.d_y
    blocks = []
    for (m, k), a, d in zip(model.shapes, A, Delta, strict=False):
        blocks.append(xp.reshape(d[:, :, :, None] * a[:, None, None, :], (n, d_y, m * k)))
        if model.bias:
            blocks.append(d)
    return xp.reshape(xp.concat(blocks, axis=2), (n * d_y, model.n_params()))


def _analytic_feedforward(model: Feedforward, theta: Any, X: Any, out: Any = None) -> Any:
    xp = array_namespace(theta, X)
    lib = native(xp)
    n, d_y, P = X.shape[0], model.d_y, model.n_params()
    A, Delta = sensitivities(model, theta, X)
    if not (is_numpy_namespace(xp) or is_cupy_namespace(xp)):
        # a namespace with nothing beyond the standard (array_api_strict, or a backend of the
        # future): NumPy's allocation and in-place einsum below would leave its arrays
        if out is not None:
            raise ValueError("out is for NumPy and CuPy arrays; other namespaces allocate J")
        return _analytic_standard(model, A, Delta, xp)
    if out is None:
        J = lib.empty((n, d_y, P), dtype=theta.dtype)
    else:
        if out.shape != (n * d_y, P) or out.dtype != theta.dtype or not out.flags.c_contiguous:
            raise ValueError(
                f"out must be a C-contiguous {theta.dtype} array of shape {(n * d_y, P)}"
            )
        J = out.reshape(n, d_y, P)
    for (m, k), start, a, d in zip(model.shapes, model.offsets(), A, Delta, strict=False):
        block = J[:, :, start : start + m * k].reshape(n, d_y, m, k)
        if lib is np and np.may_share_memory(block, J):  # a view: write dW = delta a^T into J
            np.einsum("nka,nb->nkab", d, a, out=block)  # 2-3x faster than broadcast multiply
        elif lib.may_share_memory(block, J):
            lib.multiply(d[:, :, :, None], a[:, None, None, :], out=block)
        else:  # a reshape that had to copy: writing into it would be lost
            J[:, :, start : start + m * k] = (d[:, :, :, None] * a[:, None, None, :]).reshape(
                n, d_y, m * k
            )
        if model.bias:
            J[:, :, start + m * k : start + m * k + m] = d
    return J.reshape(n * d_y, P)


def _flat_forward(model: Any, X: np.ndarray, complex_step: bool = False) -> Any:
    traced = getattr(model, "forward_traced", None)
    if traced is None:
        return lambda th: model.forward(th, X).reshape(-1)
    return lambda th: traced(th, X, complex_step=complex_step).reshape(-1)


def _autograd(model: Any, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    # One sample at a time: autograd.jacobian on the whole batch would run n d_y reverse passes
    # over all n samples (O(n^2)); per sample it is n d_y passes over one sample each.
    rows = [autograd.jacobian(_flat_forward(model, X[i : i + 1]))(theta) for i in range(X.shape[0])]
    return np.asarray(np.concatenate(rows, axis=0), dtype=np.float64)


def _finite_differences(model: Any, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    f = _flat_forward(model, X)
    steps = unit_roundoff() ** (1.0 / 3.0) * np.maximum(1.0, np.abs(theta))
    columns = []
    for j, h in enumerate(steps):
        e = np.zeros_like(theta)
        e[j] = h
        columns.append((f(theta + e) - f(theta - e)) / (2.0 * h))
    return np.stack(columns, axis=1)


def _complex_step(model: Any, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    f = _flat_forward(model, X, complex_step=True)
    h = 1e-20
    base = theta.astype(np.complex128)
    columns = []
    for j in range(theta.shape[0]):
        z = base.copy()
        z[j] += 1j * h
        columns.append(np.imag(f(z)) / h)
    return np.stack(columns, axis=1)


def jacobian(model: Any, theta: Any, X: Any, method: str = "analytic", *, out: Any = None) -> Any:
    """``J = d vec(f_X(theta)) / d theta`` of shape ``(n d_y, P)``, rows sample-major
    (k22, the gradient representation of Definition 1 stacked over the data set).

    ``method`` is one of ``analytic`` (default; NumPy or CuPy), ``autograd``, ``fd``,
    ``complex`` (NumPy only; see the module docstring for their trade-offs). ``out`` (analytic
    Feedforward only) is a C-contiguous ``(n d_y, P)`` array to write ``J`` into: reusing it
    along a trajectory saves allocating (and first touching) ``n d_y P`` numbers per call.

    >>> import numpy as np
    >>> net = Feedforward([2, 4, 1], "tanh")
    >>> theta = net.init(np.random.default_rng(0))
    >>> jacobian(net, theta, np.ones((3, 2))).shape
    (3, 17)
    """
    if method not in JACOBIAN_METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(JACOBIAN_METHODS)}")
    if method == "analytic":
        custom = getattr(model, "jacobian_analytic", None)
        if custom is not None:
            return custom(theta, X)
        if isinstance(model, Feedforward):
            model._check_X(X)
            return _analytic_feedforward(model, theta, X, out)
        raise NotImplementedError(f"no analytic Jacobian for {type(model).__name__}")
    theta, X = np.asarray(theta, dtype=np.float64), np.asarray(X, dtype=np.float64)
    return {"autograd": _autograd, "fd": _finite_differences, "complex": _complex_step}[method](
        model, theta, X
    )
