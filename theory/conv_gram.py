r"""The Gram matrix ``M = J J^T`` of a convolutional network without forming ``J`` (k22 §2.2:
``M(theta) = (d vec f_X / d theta)(d vec f_X / d theta)^T``, whose change
``||M(theta_T) - M(theta_0)||_F^2`` is Table 1b, and whose column space decides Q_T of
eq. 2.5 for the LeNet of Figures 1b/1c).

**A convolution.** Write layer ``l``'s input as its im2col patch matrix ``A_i`` (``P x K``:
one row per output position ``p``, ``K = 5 * 5 * C_in``) and the sensitivities of output ``k``
of sample ``i`` to its pre-activation as ``D_{ik}`` (``P x C_out``). The layer is
``Z_i = A_i W^T + 1 b^T``, so ``d f(x_i)_k / d W = D_{ik}^T A_i`` and
``d f(x_i)_k / d b = D_{ik}^T 1``: the same weights act at every position, and the block's
row of ``J`` is a sum over positions. The layer's block of ``J J^T`` is therefore

.. math::
   \langle D_{ik}^T A_i, D_{jk'}^T A_j\rangle_F + 1^T D_{ik} D_{jk'}^T 1
   = \sum_{p, p'} (D_{ik} D_{jk'}^T)_{pp'}\,\big((A_i A_j^T)_{pp'} + 1\big),

the dense layer's ``(Delta Delta^T) o (A A^T + 1 1^T)`` (:mod:`theory.gram`) summed over pairs
of spatial positions (a dense layer is the case ``P = 1``). Two ways to evaluate it:

* ``pairs``: the formula above, ``O((n m_y)^2 P^2 (C_out + K))``: cheap when few positions are
  left (deep layers, small images);
* ``contracted``: contract over positions first, ``G_{ik} = D_{ik}^T A_i`` (``C_out x K``, the
  per-sample weight gradient), then ``G G^T``: ``O(n m_y P C_out K + (n m_y)^2 C_out K)``.
  This forms the layer's block of ``J`` (``C_out (K + 1)`` columns, 208 and 1,608 for the
  paper's ``m_c = 1``); the dense layers, which hold almost all of ``d`` (16,512 columns each
  at ``m_c = 1``), never are.

``route="auto"`` takes, per layer, the cheaper of the two by these operation counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ROUTES", "chain_length", "conv_layer_gram", "dense_layer_gram", "gram_tolerance",
           "lenet_gram", "route_costs"]

ROUTES = ("auto", "pairs", "contracted")


def dense_layer_gram(D: np.ndarray, A: np.ndarray) -> np.ndarray:
    """A dense layer's block of ``J J^T`` (k22 §2.2; :mod:`theory.gram`'s identity):
    ``(Delta Delta^T) o ((A A^T + 1 1^T) (x) 1 1^T)`` with ``D`` = ``n x r x m`` sensitivities
    and ``A`` = ``n x k`` layer inputs; rows sample-major ``(i, k)``."""
    n, r, m = D.shape
    DD = (D.reshape(n * r, m) @ D.reshape(n * r, m).T).reshape(n, r, n, r)
    G = A @ A.T + 1.0
    return (DD * G[:, None, :, None]).reshape(n * r, n * r)


def _conv_pairs(D: np.ndarray, A: np.ndarray, block: int) -> np.ndarray:
    """``sum_{p, p'} (D_i D_j^T)_{pp'} ((A_i A_j^T)_{pp'} + 1)``, ``block`` samples at a time."""
    n, r, P, C = D.shape
    M = np.empty((n, r, n, r))
    for s in range(0, n, block):
        e = min(s + block, n)
        DD = np.einsum("irpc,jsqc->irjspq", D[s:e], D, optimize=True)
        AA = np.einsum("ipk,jqk->ijpq", A[s:e], A, optimize=True) + 1.0
        M[s:e] = np.einsum("irjspq,ijpq->irjs", DD, AA, optimize=True)
    return M.reshape(n * r, n * r)


def _conv_contracted(D: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``G G^T`` with ``G_{ik} = [D_{ik}^T A_i, D_{ik}^T 1]`` (contraction over positions)."""
    G = _per_sample_factors(D, A)
    return G @ G.T


def route_costs(n_rows: int, P: int, C_out: int, K: int) -> dict[str, float]:
    """Multiply-add counts of the two routes for one convolution (``n_rows = n m_y``)."""
    return {"pairs": float(n_rows) ** 2 * P * P * (C_out + K),
            "contracted": float(n_rows) * P * C_out * K + float(n_rows) ** 2 * C_out * (K + 1)}


def conv_layer_gram(D: np.ndarray, A: np.ndarray, route: str = "auto",
                    block: int = 8) -> np.ndarray:
    """A convolution's block of ``J J^T`` (k22 §2.2; the module docstring's identity) from its
    sensitivities ``D`` (``n x r x P x C_out``) and patch matrices ``A`` (``n x P x K``), rows
    sample-major; ``route`` is ``pairs``, ``contracted`` or ``auto`` (the cheaper)."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}; choose from {', '.join(ROUTES)}")
    n, r, P, C = D.shape
    if A.shape[:2] != (n, P):
        raise ValueError(f"A must have shape ({n}, {P}, K), got {A.shape}")
    if route == "auto":
        costs = route_costs(n * r, P, C, A.shape[2])
        route = min(("contracted", "pairs"), key=costs.__getitem__)
    return _conv_pairs(D, A, block) if route == "pairs" else _conv_contracted(D, A)


def _per_sample_factors(d: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``G`` of the contracted route: row ``(i, k)`` is ``[D_{ik}^T A_i, D_{ik}^T 1]``."""
    n, r = d.shape[:2]
    return np.concatenate([np.einsum("nrpc,npk->nrck", d, a, optimize=True).reshape(n * r, -1),
                           d.sum(axis=2).reshape(n * r, -1)], axis=1)


def lenet_gram(model: Any, theta: np.ndarray, X: Any, route: str = "auto",
               chunk: int | None = None) -> np.ndarray:
    """``M(theta) = J J^T`` (``n m_y x n m_y``, rows sample-major) of a
    :class:`~theory.models.lenet.LeNet` (k22 §2.2, Figures 1b/1c) as the sum over its layers of
    :func:`conv_layer_gram` and :func:`dense_layer_gram`.

    ``chunk`` samples are back-propagated at a time (all at once by default): what is kept is
    each dense layer's ``Delta`` and ``A`` and each convolution's factors (``G`` of the
    contracted route, ``D`` and ``A`` for pairs), so the peak memory of the back-propagation
    (the patch-space sensitivities, ``n x positions x 25 C_in``) is ``chunk`` samples' worth."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}; choose from {', '.join(ROUTES)}")
    X = model.images(X)
    n = X.shape[0]
    step = n if chunk is None else max(1, int(chunk))
    parts: list[list[Any]] = [[] for _ in range(model.n_layers)]
    routes: list[str] = []
    for s in range(0, n, step):
        A, Delta = model.sensitivities(theta, X[s : s + step])
        if not routes:  # decide each convolution's route once, by the costs at the full n
            for a, d in zip(A, Delta, strict=True):
                if d.ndim == 4 and route == "auto":
                    costs = route_costs(n * d.shape[1], d.shape[2], d.shape[3], a.shape[2])
                    routes.append(min(("contracted", "pairs"), key=costs.__getitem__))
                else:
                    routes.append(route if d.ndim == 4 else "dense")
        for l, (a, d) in enumerate(zip(A, Delta, strict=True)):
            parts[l].append(_per_sample_factors(d, a) if routes[l] == "contracted" else (d, a))
    M = None
    for l, how in enumerate(routes):
        if how == "contracted":
            G = np.concatenate(parts[l])
            block = G @ G.T
        else:
            d = np.concatenate([p[0] for p in parts[l]])
            a = np.concatenate([p[1] for p in parts[l]])
            block = conv_layer_gram(d, a, "pairs") if how == "pairs" else dense_layer_gram(d, a)
        M = block if M is None else M + block
    return M


def chain_length(model: Any) -> int:
    """An upper bound on the number of rounded multiply-adds behind one entry of ``J``
    (:meth:`~theory.models.lenet.LeNet.sensitivities` then the weight gradient) for a
    :class:`~theory.models.lenet.LeNet`: per layer its fan-in ``K`` (the forward inner product),
    its fan-out (the backward one) and its positions ``P`` (the sum over positions of
    ``D^T A``), plus the 25 terms the adjoint of im2col adds and the 4 of a pooling window."""
    total = 0
    side = model.side
    for kind, (m, k) in zip(model.kinds, model.shapes, strict=True):
        P = side * side if kind == "conv" else 1
        total += k + m + P + (25 + 4 if kind == "conv" else 0)
        if kind == "conv":
            side //= 2
    return total


def gram_tolerance(model: Any, J: np.ndarray) -> tuple[float, str]:
    """The rounding bound for comparing :func:`lenet_gram` with ``J J^T`` from a formed ``J``
    (k22 §2.2): ``2 gamma_N max_ij (|J| |J|^T)_ij`` with ``N = d + chain_length``, Higham's
    first-order bound for a ``d``-term dot product of entries that are themselves sums of at
    most ``chain_length`` products, once for each of the two computations compared. It holds
    while the back-propagated sums do not cancel to below their terms' size, as for softplus
    (``sigma' in (0, 1)``) and average pooling, which weigh terms without changing their sign."""
    from theory.numerics import gamma

    N = model.n_params() + chain_length(model)
    scale = float(np.max(np.abs(J) @ np.abs(J).T))
    tol = 2.0 * gamma(N) * scale
    return tol, f"2 gamma_N max|J||J|^T with N = d + chain = {N}, scale {scale:.3g}: {tol:.3g}"
