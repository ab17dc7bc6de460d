"""Jiang (2019), "Why learning of large-scale neural networks behaves like convex optimization":
the truncated Fourier *canonical space* on the input cube and the *disparity matrix* H(w)
(§2.2-2.3, eqs. (4)-(6); §3, eqs. (8)-(9)).

Formalisation (ours; the paper is informal, and all notation is ours):

* domain ``U_K = [0, 1]^K`` with ``K in {1, 2}``; complex basis ``e_k(x) = exp(2 pi i k.x)`` and
  coefficients ``theta_k(g) = int g(x) exp(-2 pi i k.x) dx``;
* truncation to the fixed centred set ``Omega_n = {k : |k|_inf <= n}``, ``L = (2n+1)^K``;
* real orthonormal coordinates ``c_l(g) = int g phi_l`` with ``phi_0 = 1``,
  ``phi_{2j-1} = sqrt2 cos 2 pi j x``, ``phi_{2j} = sqrt2 sin 2 pi j x`` (``j = 1..n``), and for
  ``K = 2`` the products ``phi_a(x_1) phi_b(x_2)`` flattened as ``l = a (2n+1) + b``;
* quadrature: the composite trapezoid rule on the grid ``x_j = j/N`` (``j = 0..N`` per axis),
  evaluated by folding the two faces of each axis and one FFT (``fft`` / ``fft2``); the
  rectangle rule (plain FFT of ``j = 0..N-1``) is kept as a labelled variant;
* disparity matrix ``H(w)`` (``M x L``): row ``m`` holds ``c(d f_w / d w_m)``, computed from the
  derivative functions sampled on the grid with the *same* quadrature as ``c(w)``, so that
  ``grad_w [Qhat(c(w))] = H(w) grad_c Qhat(c(w))`` holds exactly (eq. (9)).

Networks are :class:`~theory.models.feedforward.Feedforward` ``[K, h, 1]`` (``theta`` =
``W_1`` row-major, ``b_1``, ``a = W_2``, ``c = b_2``), plus :class:`SigmoidProduct`, the
three-parameter model ``sigmoid(w) + u v`` of the Theorem 2 counterexample (private to this
module: Feedforward cannot express it).
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Any

import autograd.numpy as anp
import numpy as np

from theory.jacobian import jacobian
from theory.models.feedforward import Feedforward
from theory.numerics import gamma

__all__ = [
    "QUADRATURES",
    "RELU_REGIMES",
    "CanonicalSpace",
    "SigmoidProduct",
    "armijo_descent",
    "canonical_coordinates",
    "canonical_gradient",
    "canonical_loss",
    "complex_coefficients",
    "complex_to_real",
    "cube_init",
    "dead_units",
    "equilibrate_rows",
    "derivative_span_bound",
    "design_matrix",
    "disparity_matrix",
    "euler_relations",
    "gauss_newton",
    "network_coordinates",
    "quadrature_weights",
    "real_basis",
    "relu_kinks_on_grid",
    "relu_unit_regimes",
    "STOPS",
    "truncated_loss_rounding",
    "truncated_objective",
    "truncated_objective_gradient",
    "truncation_error",
    "true_loss",
    "true_loss_gradient",
    "unit_indices",
]

QUADRATURES = ("trapezoid", "rectangle")


@dataclasses.dataclass(frozen=True)
class CanonicalSpace:
    """The ``epsilon``-precision canonical space of §2.3: input dimension ``K``, truncation
    order ``n`` (``L = (2n+1)^K`` real coordinates), grid size ``N`` per axis and the
    quadrature rule used for every coefficient."""

    K: int
    n: int
    N: int
    quadrature: str = "trapezoid"

    def __post_init__(self) -> None:
        if self.K not in (1, 2):
            raise ValueError(f"K must be 1 or 2, got {self.K}")
        if self.n < 0:
            raise ValueError(f"n must be >= 0, got {self.n}")
        if self.N < 2 * self.n + 2:
            raise ValueError(f"N = {self.N} cannot resolve frequencies up to n = {self.n}")
        if self.quadrature not in QUADRATURES:
            raise ValueError(f"quadrature must be one of {QUADRATURES}, got {self.quadrature!r}")

    @property
    def L(self) -> int:
        """Dimension of the canonical space, ``(2n+1)^K``."""
        return (2 * self.n + 1) ** self.K

    def grid(self) -> np.ndarray:
        """Grid points ``x_j = j/N`` (``j = 0..N`` per axis) as rows, shape ``(N+1)^K x K``;
        for ``K = 2`` the first coordinate varies slowest."""
        t = np.arange(self.N + 1, dtype=np.float64) / self.N
        if self.K == 1:
            return t[:, None]
        x1, x2 = np.meshgrid(t, t, indexing="ij")
        return np.column_stack([x1.ravel(), x2.ravel()])

    def with_quadrature(self, quadrature: str) -> CanonicalSpace:
        return dataclasses.replace(self, quadrature=quadrature)


def _fold(samples: np.ndarray, axis: int, quadrature: str) -> np.ndarray:
    """Trapezoid on the periodic grid: the two end samples share the weight of one node
    (``e^{-2 pi i k 1} = e^0``), so fold them into node 0; the rectangle rule drops ``x = 1``."""
    s = np.moveaxis(samples, axis, -1)
    out = s[..., :-1].copy()
    if quadrature == "trapezoid":
        out[..., 0] = 0.5 * (s[..., 0] + s[..., -1])
    return np.moveaxis(out, -1, axis)


def complex_coefficients(space: CanonicalSpace, samples: np.ndarray) -> np.ndarray:
    """The truncated Fourier coefficients ``theta_k``, ``k in Omega_n`` (eq. (4)), of functions
    sampled on ``space.grid()``, by quadrature + FFT.

    ``samples`` has shape ``(..., (N+1)^K)``; the result has shape ``(..., 2n+1)`` for
    ``K = 1`` (``k = -n..n``) and ``(..., 2n+1, 2n+1)`` for ``K = 2``.
    """
    N, n = space.N, space.n
    idx = np.arange(-n, n + 1) % N
    if space.K == 1:
        g = _fold(samples, -1, space.quadrature)
        return np.fft.fft(g, axis=-1)[..., idx] / N
    g = samples.reshape(*samples.shape[:-1], N + 1, N + 1)
    g = _fold(_fold(g, -1, space.quadrature), -2, space.quadrature)
    return np.fft.fft2(g, axes=(-2, -1))[..., idx[:, None], idx[None, :]] / N**2


def _complex_to_real_1d(n: int) -> np.ndarray:
    """The unitary ``(2n+1) x (2n+1)`` matrix ``A`` with ``c = A theta`` (``theta`` indexed
    ``k = -n..n``): ``c_{2j-1} = (theta_j + theta_{-j})/sqrt2``,
    ``c_{2j} = i (theta_j - theta_{-j})/sqrt2``."""
    A = np.zeros((2 * n + 1, 2 * n + 1), dtype=np.complex128)
    A[0, n] = 1.0
    r = 1.0 / math.sqrt(2.0)
    for j in range(1, n + 1):
        A[2 * j - 1, n + j] = r
        A[2 * j - 1, n - j] = r
        A[2 * j, n + j] = 1j * r
        A[2 * j, n - j] = -1j * r
    return A


def complex_to_real(space: CanonicalSpace, theta: np.ndarray) -> np.ndarray:
    """Real canonical coordinates ``c`` (shape ``(..., L)``) from complex coefficients of real
    functions: ``c = A theta`` (``K = 1``) or ``C = A Theta A^T`` flattened (``K = 2``). The
    imaginary part vanishes up to rounding and is dropped."""
    A = _complex_to_real_1d(space.n)
    if space.K == 1:
        return np.real(theta @ A.T)
    C = np.einsum("ak,...kl,bl->...ab", A, theta, A)
    return np.real(C).reshape(*theta.shape[:-2], space.L)


def canonical_coordinates(space: CanonicalSpace, samples: np.ndarray) -> np.ndarray:
    """``c(g)`` in ``R^L`` (eq. (6), real form) of functions sampled on ``space.grid()``;
    ``samples`` of shape ``(..., (N+1)^K)`` give ``(..., L)``."""
    return complex_to_real(space, complex_coefficients(space, samples))


def _real_basis_1d(n: int, t: np.ndarray) -> np.ndarray:
    cols = [np.ones_like(t)]
    for j in range(1, n + 1):
        r2 = math.sqrt(2.0)
        cols += [r2 * np.cos(2 * np.pi * j * t), r2 * np.sin(2 * np.pi * j * t)]
    return np.stack(cols, axis=-1)


def real_basis(space: CanonicalSpace, X: np.ndarray) -> np.ndarray:
    """The real orthonormal basis ``phi_l`` evaluated at the rows of ``X`` (``T x K``), shape
    ``T x L`` (``phi_a(x_1) phi_b(x_2)`` at column ``a (2n+1) + b`` for ``K = 2``)."""
    X = np.asarray(X, dtype=np.float64)
    B = _real_basis_1d(space.n, X[:, 0])
    if space.K == 2:
        B2 = _real_basis_1d(space.n, X[:, 1])
        B = (B[:, :, None] * B2[:, None, :]).reshape(X.shape[0], space.L)
    return B


def design_matrix(space: CanonicalSpace, X: np.ndarray) -> np.ndarray:
    """``Phi`` (``T x L``), ``Phi_{tl} = phi_l(x_t)``: the truncated function at the samples is
    ``Phi c`` (the linear system of Theorem 1's proof, eq. (7))."""
    return real_basis(space, X)


def quadrature_weights(space: CanonicalSpace) -> np.ndarray:
    """Weights of ``space.quadrature`` on ``space.grid()`` (a reference for the FFT route)."""
    w = np.full(space.N + 1, 1.0 / space.N)
    if space.quadrature == "trapezoid":
        w[0] = w[-1] = 0.5 / space.N
    else:
        w[-1] = 0.0
    return w if space.K == 1 else np.outer(w, w).ravel()


def network_coordinates(space: CanonicalSpace, model: Any, w: np.ndarray) -> np.ndarray:
    """``c(w)``: the canonical coordinates of the network function ``f_w`` (§2.3)."""
    return canonical_coordinates(space, np.asarray(model.forward(w, space.grid()))[:, 0])


def disparity_matrix(space: CanonicalSpace, model: Any, w: np.ndarray) -> np.ndarray:
    """The disparity matrix ``H(w)`` (``M x L``) of eqs. (8)-(9): row ``m`` is ``c(d f_w/d w_m)``,
    the canonical coordinates of the derivative of the network function in the ``m``-th
    weight, from the analytic Jacobian on the grid and the same quadrature as ``c(w)``."""
    D = np.asarray(jacobian(model, w, space.grid(), method="analytic"))  # G x M
    return canonical_coordinates(space, D.T)


def canonical_loss(Phi: np.ndarray, y: np.ndarray, c: np.ndarray) -> float:
    """``Qhat(c) = sum_t (phi(x_t).c - y_t)^2``: the squared loss of the truncated function
    (eq. (7) with the squared loss of eq. (1))."""
    r = Phi @ c - y
    return float(r @ r)


def canonical_gradient(Phi: np.ndarray, y: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``grad_c Qhat(c) = 2 Phi^T (Phi c - y)``."""
    return 2.0 * Phi.T @ (Phi @ c - y)


def truncated_objective(space: CanonicalSpace, model: Any, w: np.ndarray, X: np.ndarray,
                        y: np.ndarray) -> float:
    """``F(w) = Qhat(c(w))``, the objective the paper's §3 argument is about."""
    return canonical_loss(design_matrix(space, X), y, network_coordinates(space, model, w))


def truncated_objective_gradient(space: CanonicalSpace, model: Any, w: np.ndarray,
                                 X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``grad_w F = H(w) grad_c Qhat(c(w))`` (eq. (9), exact for the truncated objective)."""
    Phi = design_matrix(space, X)
    c = network_coordinates(space, model, w)
    return disparity_matrix(space, model, w) @ canonical_gradient(Phi, y, c)


def true_loss(model: Any, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """``Q(w) = sum_t (f_w(x_t) - y_t)^2``, the network's own training loss (eq. (3))."""
    r = np.asarray(model.forward(w, X))[:, 0] - y
    return float(r @ r)


def true_loss_gradient(model: Any, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``grad_w Q = 2 J^T (f_w(X) - y)`` with the analytic sample Jacobian."""
    J = np.asarray(jacobian(model, w, X, method="analytic"))
    return 2.0 * J.T @ (np.asarray(model.forward(w, X))[:, 0] - y)


def truncation_error(space: CanonicalSpace, model: Any, w: np.ndarray, X: np.ndarray) -> float:
    """The pointwise truncation error ``e_n(w) = max_t |f_w(x_t) - fhat_w(x_t)|`` (§2.3): what
    separates the true loss from the canonical one."""
    fhat = design_matrix(space, X) @ network_coordinates(space, model, w)
    return float(np.max(np.abs(np.asarray(model.forward(w, X))[:, 0] - fhat)))


def unit_indices(model: Feedforward, j: int) -> list[int]:
    """Positions in ``theta`` of hidden unit ``j``'s parameters of a one-hidden-layer
    ``[K, h, 1]`` network: its input weights ``w_j`` (K), bias ``b_j`` and output weight
    ``a_j`` (the ``K + 2`` rows of H that §3.3.1 says a dead unit zeroes)."""
    K, h = model.widths[0], model.widths[1]
    if len(model.widths) != 3 or model.widths[2] != 1 or not model.bias:
        raise ValueError("unit_indices needs a one-hidden-layer [K, h, 1] network with biases")
    if not 0 <= j < h:
        raise ValueError(f"unit {j} out of range 0..{h - 1}")
    return [j * K + k for k in range(K)] + [h * K + j, h * K + h + j]


RELU_REGIMES = ("dead", "active", "touching", "cutting")


def relu_unit_regimes(model: Feedforward, w: np.ndarray) -> list[str]:
    """How each ReLU unit meets the cube ``[0,1]^K`` (§3.3.1, §3.3.3), from the exact extreme
    values of its pre-activation ``u_j = w_j.x + b_j`` over the cube (at vertices:
    ``lo = b_j + sum_k min(w_jk, 0)``, ``hi = b_j + sum_k max(w_jk, 0)``, summed in rational
    arithmetic, so the signs are exact):

    * ``"dead"``: ``hi <= 0``, so ``u_j <= 0`` on the cube and, with ``relu'(0) = 0``, the unit's
      value and every derivative vanish there (``w_j = 0, b_j = 0`` included);
    * ``"active"``: ``lo > 0``, so ``relu(u_j) = u_j`` on the whole cube (affine there);
    * ``"touching"``: ``lo = 0 < hi``, affine on the cube as well, but inactive
      (``relu'(0) = 0``) on the face or vertex where ``u_j = 0``;
    * ``"cutting"``: ``lo < 0 < hi``, the hyperplane ``u_j = 0`` cuts the open cube.
    """
    (W, b), _ = model.unflatten(w)
    out = []
    for Wj, bj in zip(np.asarray(W), np.asarray(b), strict=True):
        lo = Fraction(float(bj)) + sum((Fraction(float(v)) for v in Wj if v < 0), Fraction(0))
        hi = Fraction(float(bj)) + sum((Fraction(float(v)) for v in Wj if v > 0), Fraction(0))
        out.append("dead" if hi <= 0 else "active" if lo > 0 else
                   "touching" if lo == 0 else "cutting")
    return out


def dead_units(model: Feedforward, w: np.ndarray) -> list[int]:
    """ReLU units dead on the whole cube ``[0,1]^K`` (§3.3.1): ``u_j = w_j.x + b_j <= 0`` there,
    i.e. ``b_j + sum_k max(w_jk, 0) <= 0`` exactly (the maximum of an affine function over the
    cube is at a vertex); with ``relu'(0) = 0`` such a unit has zero value and zero derivatives
    on the cube (:func:`relu_unit_regimes`)."""
    return [j for j, r in enumerate(relu_unit_regimes(model, w)) if r == "dead"]


def relu_kinks_on_grid(space: CanonicalSpace, model: Feedforward,
                       w: np.ndarray) -> list[tuple[int, int]]:
    """The (unit, grid node) pairs where a ReLU pre-activation may be exactly 0 (eq. (8)):
    ``|fl(u_j(x))| <= gamma_{K+1} (|w_j|.|x| + |b_j|)``, the rounding bound of the computed
    ``u_j = w_j.x + b_j``. There ``f_w`` and ``c(w)`` are not differentiable in ``(w_j, b_j)``
    (the one-sided derivatives differ), so the chain rule of eqs. (8)-(9) has no meaning; the
    analytic Jacobian takes ``relu'(0) = 0`` and reverse-mode autograd splits the tie."""
    if model.activations[0].name != "relu":
        return []
    G = space.grid()
    (W, b), _ = model.unflatten(w)
    U = model.layer_outputs(w, G)[1][0]  # the pre-activations exactly as the forward pass
    bound = gamma(G.shape[1] + 1) * (np.abs(G) @ np.abs(W).T + np.abs(b))
    nodes, units = np.nonzero(np.abs(U) <= bound)
    order = np.lexsort((nodes, units))
    return [(int(units[i]), int(nodes[i])) for i in order]


def derivative_span_bound(model: Feedforward, w: np.ndarray) -> tuple[int, str]:
    """An upper bound on ``rank H(w)`` that holds in exact arithmetic, from the structure of
    the derivative functions alone (§3.3.1-§3.3.3 and the ReLU Euler relations,
    ``j19.ours3``); returned with its derivation.

    Row ``m`` of ``H`` holds the coordinates of ``df/dw_m``, a linear image of the samples of
    that function, so ``rank H <= dim span{df/dw_m}``. Units with bit-for-bit equal incoming
    parameters ``(w_j, b_j)`` share the span ``{sigma(u_j), sigma'(u_j) x_k, sigma'(u_j)}``
    (``K + 2`` functions, whatever the ``a_j``); for ReLU ``sigma(u) = u sigma'(u)`` with
    ``sigma'(u) = 1_R`` reduces it to ``{x_k 1_R, 1_R}`` (``K + 1``), a unit certainly dead
    on the cube (``b + sum max(w, 0) < -e``) contributes nothing, and units certainly active
    on all of it (``b + sum min(w, 0) > e``) share ``{x_k}`` with the output bias' constant
    (``K`` in all); ``e = gamma_{K+1} (|b| + |w|_1)`` bounds the rounding of those corner
    values, and a unit that is neither certainly dead nor certainly active (a corner value
    within ``e`` of 0, e.g. ``w_j = 0, b_j = 0``, which is dead) counts as one that may cut
    the cube (the largest contribution, so the bound stays an upper bound). The output bias
    adds the constant."""
    (W, b), _ = model.unflatten(w)
    K = W.shape[1]
    relu = model.activations[0].name == "relu"
    P = np.column_stack([W, b])
    err = gamma(K + 1) * (np.abs(b) + np.abs(W).sum(axis=1))
    dead = b + np.maximum(W, 0.0).sum(axis=1) < -err
    active = b + np.minimum(W, 0.0).sum(axis=1) > err
    seen: list[np.ndarray] = []
    bound, affine, parts = 1, False, {"dead": 0, "active": 0, "cutting": 0, "shared": 0}
    for j in range(W.shape[0]):
        if any(np.array_equal(P[j], q) for q in seen):
            parts["shared"] += 1
            continue
        seen.append(P[j])
        if relu and dead[j]:
            parts["dead"] += 1
        elif relu and active[j]:
            parts["active"] += 1
            affine = True
        else:
            parts["cutting"] += 1
            bound += K + 1 if relu else K + 2
    bound += K if affine else 0
    how = (f"$1 + {'K+1' if relu else 'K+2'}$ per distinct unit that may cut the cube, i.e. "
           f"not certainly dead or active (${parts['cutting']}$) $+\\,K$ if any unit is "
           f"certainly active on the whole cube (${parts['active']}$); "
           f"${parts['dead']}$ dead, ${parts['shared']}$ sharing $(w_j, b_j)$ with an earlier "
           "unit")
    return bound, how


def euler_relations(model: Feedforward, w: np.ndarray) -> np.ndarray:
    """Coefficient vectors ``z`` (rows, ``h x M``) of Euler's identity for positively
    homogeneous units (ours, ``j19.ours3``):
    ``a_j df/da_j - sum_k w_jk df/dw_jk - b_j df/db_j = 0`` pointwise, so ``z^T H = 0``."""
    (W, b), (a, _) = model.unflatten(w)
    K, h = W.shape[1], W.shape[0]
    Z = np.zeros((h, model.n_params()))
    for j in range(h):
        idx = unit_indices(model, j)
        Z[j, idx[:K]] = -W[j]
        Z[j, idx[K]] = -b[j]
        Z[j, idx[K + 1]] = a[0, j]
    return Z


class SigmoidProduct:
    """The literal model ``f_{(w,u,v)}(x) = sigmoid(w) + u v`` of the Theorem 2 counterexample
    (the erratum of ``j19.thm2``): three parameters, constant functions of ``x`` (complete for
    ``L = 1``). Provides the interface :func:`theory.jacobian.jacobian` needs."""

    d_y = 1

    def n_params(self) -> int:
        return 3

    def forward(self, theta: Any, X: Any) -> Any:
        s = 1.0 / (1.0 + np.exp(-theta[0]))
        return np.full((X.shape[0], 1), s + theta[1] * theta[2])

    def forward_traced(self, theta: Any, X: Any, complex_step: bool = False) -> Any:
        s = 1.0 / (1.0 + anp.exp(-theta[0]))
        return (s + theta[1] * theta[2]) * anp.ones((X.shape[0], 1))

    def jacobian_analytic(self, theta: Any, X: Any) -> Any:
        s = 1.0 / (1.0 + np.exp(-theta[0]))
        row = np.array([s * (1.0 - s), theta[2], theta[1]])
        return np.tile(row, (X.shape[0], 1))


def equilibrate_rows(H: np.ndarray) -> np.ndarray:
    """``H`` with every non-zero row scaled by an exact power of two to max entry in
    ``[1/2, 1)``: a non-singular diagonal row scaling, so the exact rank of the disparity
    matrix (§3) is unchanged and no bit is lost, while rows of very different magnitudes stop
    hiding each other behind a threshold relative to ``sigma_1``."""
    top = np.max(np.abs(H), axis=1) if H.size else np.zeros(H.shape[0])
    shift = np.where(top > 0, np.frexp(top)[1], 0)
    return np.ldexp(H, -shift[:, None])


def truncated_loss_rounding(space: CanonicalSpace, Phi: np.ndarray, y: np.ndarray,
                            c: np.ndarray, samples: np.ndarray) -> float:
    """A rounding bound ``e_F`` on the computed ``F = |Phi c - y|^2`` (eq. (7), squared loss),
    where ``c`` was computed from the network's ``samples`` on ``space.grid()``.

    Higham's ``g = gamma_{G+L+T+2 log2 G}`` covers the quadrature, the FFT and the products with
    ``Phi``: each ``c_l`` is off by at most ``e_c = g 2^{K/2} int|f|`` (``|phi_l| <= 2^{K/2}``),
    each residual ``r_t`` by ``e_r,t = g (|Phi||c| + |y|)_t + e_c sum_l |Phi_tl|``, and then
    ``|F - fl(F)| <= 2 |r|.e_r + |e_r|^2`` (plus the rounding of the last sum, inside ``g``).
    Below ``e_F`` the computed ``F`` cannot tell a decrease from rounding: the
    floating-point floor of a descent on ``F``."""
    G, T = samples.shape[-1], Phi.shape[0]
    g = gamma(G + space.L + T + 2 * math.ceil(math.log2(G)))
    mass = float(np.abs(samples) @ quadrature_weights(space))
    aPhi = np.abs(Phi)
    e_r = g * (aPhi @ np.abs(c) + np.abs(y)) + aPhi.sum(axis=1) * g * 2.0 ** (space.K / 2) * mass
    r = np.abs(Phi @ c - y)
    return float(2 * r @ e_r + e_r @ e_r)


STOPS = ("steps", "stationary", "floor")


def armijo_descent(space: CanonicalSpace, model: Any, w0: np.ndarray, X: np.ndarray,
                   y: np.ndarray, steps: int, eta0: float, *, armijo: bool = True,
                   max_halvings: int = 40) -> dict[str, Any]:
    """Gradient descent on ``F(w) = Qhat(c(w))`` (Algorithm 1 of the paper, on the truncated
    objective): from step ``eta0``, halve until Armijo's condition
    ``F(w - eta g) <= F(w) - eta/2 |g|^2`` holds (``armijo=False``: fixed step ``eta0``). A step
    whose halvings run out is still taken and recorded as not ``accepted``.

    Returns the iterates' ``F``, step sizes, ``sigma_L(H(w_n))`` and ``sigma_1(H(w_n))``,
    ``s_equilibrated`` (``sigma_L/sigma_1`` of :func:`equilibrate_rows` of ``H(w_n)``, what a
    rank decision reads), the final ``w``, and why it stopped (``stop``, one of
    :data:`STOPS`): after ``steps`` steps;
    ``"stationary"`` when the gradient is exactly zero; ``"floor"`` (Armijo runs only) at the
    floating-point floor, by this rule: before a step, when ``F(w_n)`` is at most its rounding
    bound ``e_F`` (:func:`truncated_loss_rounding`), or, during the halvings, when Armijo's test
    has failed and the decrease it asks for, ``eta/2 |g|^2``, is at most ``e_F`` (no computed
    ``F`` can certify it). The unresolvable step is not taken: the last recorded iterate is
    the one at which the floor was met, and ``floor`` holds its ``e_F``.
    """
    Phi = design_matrix(space, X)
    G = space.grid()
    w = np.array(w0, dtype=np.float64)
    L = space.L
    F, etas, smin, smax, accepted = [], [], [], [], []

    def loss(w: np.ndarray) -> tuple[float, float, np.ndarray]:
        samples = np.asarray(model.forward(w, G))[:, 0]
        c = canonical_coordinates(space, samples)
        return (canonical_loss(Phi, y, c), truncated_loss_rounding(space, Phi, y, c, samples),
                c)

    def state(w: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        f, e_f, c = loss(w)
        H = disparity_matrix(space, model, w)
        return f, e_f, H, H @ canonical_gradient(Phi, y, c)

    def record(H: np.ndarray) -> None:
        s = np.linalg.svd(H, compute_uv=False)
        smin.append(float(s[L - 1]) if s.size >= L else 0.0)
        smax.append(float(s[0]))
        e = np.linalg.svd(equilibrate_rows(H), compute_uv=False)
        s_eq.append(float(e[L - 1] / e[0]) if e.size >= L and e[0] > 0 else 0.0)

    s_eq: list[float] = []
    f, e_f, H, g = state(w)
    stop = "steps"
    for _ in range(steps):
        if armijo and f <= e_f:
            stop = "floor"
            break
        F.append(f)
        record(H)
        gg = float(g @ g)
        if gg == 0.0:
            stop = "stationary"
            break
        eta, ok = eta0, True
        while True:
            w_new = w - eta * g
            f_new = loss(w_new)[0]
            if not armijo or f_new <= f - 0.5 * eta * gg:
                break
            if 0.5 * eta * gg <= e_f:
                stop = "floor"
                break
            eta *= 0.5
            if eta < eta0 * 2.0**-max_halvings:
                ok = False
                break
        if stop == "floor":
            F.pop(), smin.pop(), smax.pop(), s_eq.pop()
            break
        etas.append(eta)
        accepted.append(ok)
        w = w_new
        f, e_f, H, g = state(w)
    F.append(f)
    record(H)
    return {"F": np.array(F), "eta": np.array(etas), "sigma_L": np.array(smin),
            "sigma_1": np.array(smax), "s_equilibrated": np.array(s_eq),
            "accepted": np.array(accepted, dtype=bool), "w": w, "stop": stop, "floor": e_f}


def cube_init(model: Feedforward, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """The initialisation §3.3.3 recommends, as we make it concrete: input weights
    ``w_j ~ N(0, scale^2 I)``, hyperplanes through random centres ``t_j ~ U(0.05, 0.95)^K`` of
    the cube (``b_j = -w_j . t_j``), output weights ``a_j ~ N(0, 1/h)``, output bias ``N(0, 1)``.
    """
    K, h = model.widths[0], model.widths[1]
    W = scale * rng.standard_normal((h, K))
    t = rng.uniform(0.05, 0.95, size=(h, K))
    b = -np.sum(W * t, axis=1)
    a = rng.standard_normal((1, h)) / math.sqrt(h)
    return model.flatten([(W, b), (a, rng.standard_normal(1))])


def gauss_newton(space: CanonicalSpace, model: Any, w0: np.ndarray, X: np.ndarray,
                 y: np.ndarray, steps: int = 30) -> np.ndarray:
    """A few minimum-norm Gauss-Newton steps on ``F(w) = Qhat(c(w))`` (residual Jacobian
    ``Phi H(w)^T``), each halved until ``F`` decreases: a cheap way to reach (approximately)
    stationary points for Lemma 1. Stops when no halving decreases ``F``."""
    Phi = design_matrix(space, X)
    w = np.array(w0, dtype=np.float64)
    f = truncated_objective(space, model, w, X, y)
    for _ in range(steps):
        c = network_coordinates(space, model, w)
        J = Phi @ disparity_matrix(space, model, w).T
        step = np.linalg.lstsq(J, Phi @ c - y, rcond=None)[0]
        for _ in range(30):  # damped: halve the step until F decreases
            w_new = w - step
            f_new = truncated_objective(space, model, w_new, X, y)
            if f_new < f:
                break
            step = 0.5 * step
        else:
            break
        w, f = w_new, f_new
    return w
