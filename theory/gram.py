r"""Gram matrices ``M = J Lambda J^T`` without forming ``J`` (k22 §2.2 ``M(theta) = J J^T``,
the empirical NTK; k22 §3.3 ``phi phi^T`` of the EE wrapper's safe-exploration condition).

**The identity.** For a dense layer ``z = W a + b`` inside a network, the chain rule gives, for
sample ``i`` and output ``k``, ``d f(x_i)_k / d W = delta_{ik} a_i^T`` and
``d f(x_i)_k / d b = delta_{ik}``, where ``a_i`` is the layer input and ``delta_{ik}`` the
sensitivity of ``f(x_i)_k`` to ``z`` (see :func:`theory.jacobian.sensitivities`). The layer's
block of rows ``(i, k)`` and ``(j, k')`` of ``J J^T`` is therefore

.. math::
   \langle \delta_{ik} a_i^T, \delta_{jk'} a_j^T\rangle_F + \langle\delta_{ik},\delta_{jk'}\rangle
   = \operatorname{tr}(a_i \delta_{ik}^T \delta_{jk'} a_j^T) + \delta_{ik}^T\delta_{jk'}
   = (\delta_{ik}^T\delta_{jk'})\,(a_i^T a_j + 1),

so with ``Delta`` stacking the ``delta_{ik}`` as rows (sample-major) and ``A`` the ``a_i``,
the layer contributes ``(Delta Delta^T) o ((A A^T + 1 1^T) (x) 1_{d_y} 1_{d_y}^T)``
(``o`` Hadamard, ``(x)`` Kronecker). Parameters of different layers are different columns of
``J``, so ``J Lambda J^T = sum_l lambda_l (Delta_l Delta_l^T) o (...)`` for ``Lambda``
constant on each layer's block. The cost is ``O((n d_y)^2 (m_l + m_{l-1}))`` per layer instead
of ``O((n d_y)^2 m_l m_{l-1})``. The same argument with ``phi_i = s_i (x) z_i`` (Kronecker) gives
``phi phi^T = (S S^T) o (Z Z^T)``, since ``<s_i (x) z_i, s_j (x) z_j> = <s_i, s_j><z_i, z_j>``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace

from theory.jacobian import jacobian, sensitivities
from theory.models.feedforward import Feedforward

__all__ = ["gram", "gram_from_jacobian", "hadamard_gram", "layer_weights", "row_kron"]


def layer_weights(model: Feedforward, weights: Any = None) -> list[float]:
    """Per-layer weights ``lambda_l`` of a block-constant ``Lambda``: ``None`` (all ones), one
    number per layer (``0`` drops a layer: the Jacobian in the other layers only), or a
    length-``P`` vector that is constant on each layer's block."""
    H = model.n_layers
    if weights is None:
        return [1.0] * H
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape == (H,):
        return w.tolist()
    if w.shape == (model.n_params(),):
        off = model.offsets()
        blocks = [w[off[l] : off[l + 1]] for l in range(H)]
        if any(np.any(b != b[0]) for b in blocks):
            raise ValueError("a length-P weight vector must be constant on each layer's block")
        return [float(b[0]) for b in blocks]
    raise ValueError(
        f"weights must have {H} (per layer) or {model.n_params()} entries, got {w.size}"
    )


def gram(model: Any, theta: Any, X: Any, weights: Any = None) -> Any:
    """``M = J Lambda J^T`` of shape ``(n d_y, n d_y)``, rows sample-major like
    :func:`theory.jacobian.jacobian`, by the layer-wise Hadamard identity of the module
    docstring (k22 §2.2; ``weights`` as in :func:`layer_weights`). NumPy or CuPy.

    Model families other than :class:`Feedforward` may provide ``gram_analytic(theta, X,
    weights)``; otherwise the Gram is formed from the analytic Jacobian.

    >>> import numpy as np
    >>> net = Feedforward([2, 5, 1], "softplus")
    >>> theta = net.init(np.random.default_rng(1))
    >>> X = np.random.default_rng(2).standard_normal((4, 2))
    >>> J = jacobian(net, theta, X)
    >>> bool(np.allclose(gram(net, theta, X), J @ J.T))
    True
    """
    custom = getattr(model, "gram_analytic", None)
    if custom is not None:
        return custom(theta, X, weights)
    if not isinstance(model, Feedforward):
        return gram_from_jacobian(jacobian(model, theta, X), weights)
    model._check_X(X)
    xp = array_namespace(theta, X)
    n, d_y = X.shape[0], model.d_y
    lam = layer_weights(model, weights)
    A, Delta = sensitivities(model, theta, X)
    M = xp.zeros((n * d_y, n * d_y), dtype=theta.dtype)
    for l in range(model.n_layers):
        if lam[l] == 0.0:
            continue
        D = xp.reshape(Delta[l], (n * d_y, Delta[l].shape[-1]))
        G = A[l] @ A[l].T + (1.0 if model.bias else 0.0)
        DD = xp.reshape(D @ D.T, (n, d_y, n, d_y))
        M = M + lam[l] * xp.reshape(DD * G[:, None, :, None], (n * d_y, n * d_y))
    return M


def gram_from_jacobian(J: Any, weights: Any = None) -> Any:
    """``J diag(weights) J^T`` from an explicit Jacobian (the reference for :func:`gram`);
    ``weights`` is ``None`` or a length-``P`` vector."""
    if weights is None:
        return J @ J.T
    return (J * weights[None, :]) @ J.T


def hadamard_gram(Z: Any, S: Any, *, block_rows: int | None = None) -> Any:
    """``phi phi^T = (Z Z^T) o (S S^T)`` for ``phi_i = s_i (x) z_i`` (k22 §3.3, Definition of
    ``phi``: row ``i`` is ``[s_{i1} z_i^T, ..., s_{i m_H} z_i^T]`` with ``s_{ik} =
    sigma~(z_i^T q_{*k})``), without forming the ``n x m_H m_{H-1}`` matrix ``phi``.

    ``Z`` is ``n x m_{H-1}`` (rows ``z_i``), ``S`` is ``n x m_H`` (rows ``s_i``). For large ``n``
    the product is taken ``block_rows`` rows at a time (default 2048 once ``n > 4096``), so the
    peak memory is one ``n x n`` matrix plus a ``block_rows x n`` strip."""
    if Z.shape[0] != S.shape[0]:
        raise ValueError(f"Z and S need the same number of rows, got {Z.shape[0]} and {S.shape[0]}")
    n = Z.shape[0]
    if block_rows is None:
        block_rows = n if n <= 4096 else 2048
    if block_rows >= n:
        return (Z @ Z.T) * (S @ S.T)
    M = Z @ Z.T
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        M[start:stop] *= S[start:stop] @ S.T
    return M


def row_kron(S: Any, Z: Any) -> Any:
    """The explicit ``phi`` with rows ``s_i (x) z_i`` (``n x m_H m_{H-1}``): the reference
    for :func:`hadamard_gram` (k22 §3.3)."""
    xp = array_namespace(S, Z)
    n = S.shape[0]
    return xp.reshape(S[:, :, None] * Z[:, None, :], (n, S.shape[1] * Z.shape[1]))
