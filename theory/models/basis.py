"""Small differentiable model families for Kawaguchi, Huang & Kaelbling (2019), Section 3.

* ``basis``: classical basis models ``f(x; theta) = theta . phi(x)`` (Example 1), with the
  features given as a matrix ``Phi`` (row i is ``phi(x_i)``), and the ReLU feature map of
  Example 2's footnote (:func:`example2_layers`, :func:`relu_features`).
* Two-parameter toys used as controls: ``product`` ``w2 w1 x`` (a strict saddle at 0, Theorem 2),
  ``affine-offset`` ``theta x + 1`` and ``tanh-neuron`` ``tanh(theta x)`` (both violate
  Assumption 2).
* ``tanh2``: ``W2 tanh(W1 x + b1) + b2`` (last layer linear: Assumption 2 with ``g`` = the
  ``(W2, b2)`` coordinates), ``tanh2-nobias``: ``W2 tanh(W1 x)``, and ``lintop``:
  ``W3 W2 tanh(W1 x)`` (a linear layer below the linear output layer, where the perturbable
  gradient basis of Section 3.3 is larger than the gradient basis at rank-deficient ``W3``);
  these three are the shared :class:`theory.models.feedforward.Feedforward` net.
* ``relu2-nobias``: ``W2 relu(W1 x)`` (``g = theta / 2`` by positive homogeneity; ``Omega`` is
  where a pre-activation ``W1 x_i`` vanishes, certified away by :func:`kink_margin`).
* ``skip2``: ``A1 h1 + A2 h2`` with ``h1 = tanh(W1 x + b1)``, ``h2 = tanh(V h1 + c)`` (Example 3,
  skip connections from both hidden layers; ``g`` = the ``(A1, A2)`` coordinates).

Every family maps ``theta`` (a flat float64 vector) and inputs ``X`` (``m x d_x``) to outputs of
shape ``m x d_y``, written with ``autograd.numpy`` so that Hessians (and reference Jacobians)
come from autograd; ``jac`` is the closed-form Jacobian. ``g(theta)`` is the map of
Assumption 2 where the family has one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import autograd.numpy as anp
import numpy as np
from autograd import grad as _ag_grad
from autograd import hessian as _ag_hessian
from autograd import jacobian as _ag_jacobian

from theory.numerics import gamma
from theory.optimize import levenberg_marquardt

__all__ = [
    "AUTOGRAD_LOSSES",
    "FAMILIES",
    "Model",
    "convex_objective",
    "kink_clearance",
    "kink_margin",
    "example2_layers",
    "fit_squared",
    "gauss_newton_diagonal",
    "make_model",
    "model_jacobian",
    "relu_features",
    "skip2_features",
    "squared_objective",
]


@dataclasses.dataclass(frozen=True)
class Model:
    """A model family instantiated at fixed widths: ``f(theta, X) -> (m, d_y)``."""

    family: str
    widths: tuple[int, ...]
    d_theta: int
    d_y: int
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    g: Callable[[np.ndarray], np.ndarray] | None
    unpack: Callable[[np.ndarray], tuple] | None = None
    jac: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None  # analytic, NumPy
    # min over samples and ReLU units of |pre-activation| (None: analytic, Omega empty)
    kinks: Callable[[np.ndarray, np.ndarray], float] | None = None
    # the ReLU pre-activations z (any shape) and each one's rounding bound, same shape
    preactivations: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None
    #: the class of eq. (3.1) that gives Assumption 2's g ("" when the family has none)
    structure: str = ""

    def outputs(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Stacked outputs ``f_X(theta)`` (length ``m d_y``, sample-major)."""
        return anp.reshape(self.f(theta, X), (-1,))


def model_jacobian(
    model: Model, theta: np.ndarray, X: np.ndarray, method: str = "analytic"
) -> np.ndarray:
    """``J = d f_X / d theta`` (``m d_y x d_theta``, rows sample-major): the family's closed
    form (``method="analytic"``, where it has one) or autograd (``"autograd"``, the reference)."""
    theta = np.asarray(theta, dtype=np.float64)
    if method == "analytic" and model.jac is not None:
        return model.jac(theta, X)
    if method not in ("analytic", "autograd"):
        raise ValueError(f"unknown method {method!r}; use 'analytic' or 'autograd'")
    return np.asarray(_ag_jacobian(lambda t: model.outputs(t, X))(theta))


def gauss_newton_diagonal(model: Model, theta: np.ndarray, X: np.ndarray,
                          lam: np.ndarray) -> np.ndarray:
    """``2 ||Lambda^(1/2) J[:, i]||^2``, the diagonal of the Gauss-Newton part ``2 J^T Lambda J``
    of the squared loss's Hessian (Section 2.1): the scale by which
    :func:`theory.optimize.second_order_condition` equilibrates a Hessian, so that the decision
    does not depend on the parameters' units (each entry moves as the Hessian's diagonal does
    under ``theta_i -> c_i theta_i``)."""
    J = model_jacobian(model, theta, X)
    w = np.repeat(np.asarray(lam, dtype=np.float64), model.d_y)
    return 2.0 * np.sum(w[:, None] * J * J, axis=0)


def squared_objective(
    model: Model, X: np.ndarray, Y: np.ndarray, lam: np.ndarray
) -> tuple[Callable, Callable, Callable]:
    """``L(theta) = sum_i lambda_i ||f(x_i; theta) - y_i||^2`` (Section 2.1, squared loss) with
    its gradient and Hessian by autograd, independently of any Jacobian code."""
    lam = np.asarray(lam, dtype=np.float64)

    def fun(theta):
        R = model.f(theta, X) - Y
        return anp.sum(lam[:, None] * R * R)

    return fun, _ag_grad(fun), _ag_hessian(fun)


# The convex losses of theory.losses written with autograd.numpy (theory.losses uses SciPy's
# expit, which autograd cannot trace), so that gradients and Hessians of L come from autograd,
# independently of the analytic Jacobian code.
AUTOGRAD_LOSSES: dict[str, Callable] = {
    "squared": lambda f, y: (f - y) ** 2,
    "cross-entropy": lambda f, y: anp.logaddexp(0.0, f) - y * f,
    "logistic": lambda f, y: anp.logaddexp(0.0, -y * f),
    "smoothed-hinge": lambda f, y: anp.where(
        y * f <= 0, 0.5 - y * f, anp.where(y * f < 1, 0.5 * (1 - y * f) ** 2, 0.0)),
}


def convex_objective(
    model: Model, X: np.ndarray, Y: np.ndarray, lam: np.ndarray, loss: str
) -> tuple[Callable, Callable, Callable]:
    """``L(theta) = sum_i lambda_i l(f(x_i; theta), y_i)`` (Section 2.1) for a loss of
    :data:`AUTOGRAD_LOSSES` (``l(q, y) = sum_k l(q_k, y_k)``), with gradient and Hessian by
    autograd."""
    lam = np.asarray(lam, dtype=np.float64)
    ell = AUTOGRAD_LOSSES[loss]

    def fun(theta):
        return anp.sum(lam[:, None] * ell(model.f(theta, X), Y))

    return fun, _ag_grad(fun), _ag_hessian(fun)


def kink_margin(model: Model, theta: np.ndarray, X: np.ndarray) -> float:
    """Smallest ``|pre-activation|`` of a ReLU unit over the samples (``inf`` for analytic
    families): ``theta`` is outside ``Omega`` (Section 3.1) iff it is positive."""
    return float("inf") if model.kinks is None else float(model.kinks(np.asarray(theta), X))


def kink_clearance(model: Model, theta: np.ndarray, X: np.ndarray) -> float:
    """``min |z| / bound(z)`` over the ReLU pre-activations ``z`` (Section 3.1, the set
    ``Omega``), each against its own rounding bound ``gamma_k (|W| |x| + |b|)`` computed
    entrywise (``k`` the length of the inner product): ``theta`` is certified outside ``Omega``
    when it exceeds 1, since then no pre-activation can be a rounded zero. The bound shrinks
    with the data, so inputs scaled towards the underflow threshold are judged as at scale 1.
    ``inf`` for analytic families (``Omega`` empty); 0 for an exact zero."""
    if model.preactivations is None:
        return float("inf")
    Z, B = (np.abs(np.asarray(a, dtype=np.float64)) for a in model.preactivations(
        np.asarray(theta, dtype=np.float64), np.asarray(X, dtype=np.float64)))
    if Z.size == 0:
        return float("inf")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(Z == 0, 0.0, Z / B)  # an exact zero is on the kink; B = 0: exact z
    return float(np.min(ratio))


def fit_squared(
    model: Model, X: np.ndarray, Y: np.ndarray, lam: np.ndarray, theta0: np.ndarray,
    max_nfev: int = 400,
) -> np.ndarray:
    """Levenberg-Marquardt (:func:`theory.optimize.levenberg_marquardt`) on the whitened
    residual ``Lambda^{1/2}(f_X(theta) - y)`` with the analytic Jacobian: our recipe
    for reaching critical points of the squared loss quickly. It stops when steps, loss
    changes and the gradient are at rounding level (9u); the oracles certify criticality."""
    s = np.sqrt(np.repeat(np.asarray(lam, dtype=np.float64), model.d_y))
    y = np.asarray(Y, dtype=np.float64).reshape(-1)
    x = levenberg_marquardt(
        lambda t: s * (np.asarray(model.outputs(t, X)) - y),
        lambda t: model_jacobian(model, t, X) * s[:, None],
        np.asarray(theta0, float), max_nfev=max_nfev,
    )
    return x if np.all(np.isfinite(x)) else np.asarray(theta0, float)


def _basis(widths: Sequence[int]) -> Model:
    # widths = (d_theta,): X is the feature matrix Phi itself (row i = phi(x_i)), d_y = 1
    (d,) = widths
    return Model("basis", (d,), d, 1, lambda t, X: anp.reshape(anp.dot(X, t), (-1, 1)),
                 lambda t: t, None, lambda t, X: np.array(X, dtype=np.float64),
                 structure="basis model")


def _product(widths: Sequence[int]) -> Model:
    # f = w2 w1 x, positively homogeneous of degree 2, so g = theta / 2 (Euler)
    return Model("product", (1, 1), 2, 1, lambda t, X: t[1] * t[0] * X[:, :1],
                 lambda t: t / 2.0, None,
                 lambda t, X: np.column_stack([t[1] * X[:, 0], t[0] * X[:, 0]]),
                 structure="positively homogeneous")


def _affine_offset(widths: Sequence[int]) -> Model:
    # f = theta x + 1: the fixed offset is not in span{x}, so no g exists (Assumption 2 fails)
    return Model("affine-offset", (1, 1), 1, 1, lambda t, X: t[0] * X[:, :1] + 1.0, None)


def _tanh_neuron(widths: Sequence[int]) -> Model:
    return Model("tanh-neuron", (1, 1), 1, 1, lambda t, X: anp.tanh(t[0] * X[:, :1]), None)


def _relu_scalar(widths: Sequence[int]) -> Model:
    # f = relu(theta) x: Omega = {0}. Positively homogeneous of degree 1, so g = theta.
    # Conventions at the kink: autograd's anp.where gives relu'(0) = 0 (the left derivative,
    # so L has gradient 0 at 0), the closed-form Jacobian takes the right derivative (the
    # limit of J(theta) as theta -> 0+): the control for theta in Omega (Theorem 1).
    return Model("relu-scalar", (1, 1), 1, 1,
                 lambda t, X: anp.where(t[0] > 0, t[0], 0.0) * X[:, :1], lambda t: t, None,
                 lambda t, X: (X[:, :1] if t[0] >= 0 else np.zeros((X.shape[0], 1))),
                 lambda t, X: abs(float(t[0])),
                 # the pre-activation is theta itself, exact: no rounding bound
                 lambda t, X: (np.asarray(t[:1], dtype=np.float64), np.zeros(1)),
                 "positively homogeneous")


def _feedforward(family: str, widths: Sequence[int], activations: list[str], bias: bool,
                 g_from: int) -> Model:
    # Built on the shared Feedforward net (forward_traced for autograd, the analytic Jacobian
    # of theory.jacobian); g keeps the coordinates from ``g_from`` on (the last linear layer).
    from theory.jacobian import jacobian
    from theory.models.feedforward import Feedforward

    net = Feedforward(list(widths), activations, bias=bias)
    d_theta = net.n_params()
    last = np.zeros(d_theta)
    last[g_from:] = 1.0
    return Model(family, tuple(widths), d_theta, net.d_y,
                 lambda t, X: net.forward_traced(t, X), lambda t: t * last, net.unflatten,
                 lambda t, X: np.asarray(jacobian(net, t, X), dtype=np.float64),
                 structure="last layer linear")


def _tanh2(widths: Sequence[int]) -> Model:
    # W2 tanh(W1 x + b1) + b2; theta = (W1 row-major, b1, W2, b2); g keeps (W2, b2)
    d_x, h, d_y = widths
    return _feedforward("tanh2", (d_x, h, d_y), ["tanh"], True, h * d_x + h)


def _tanh2_nobias(widths: Sequence[int]) -> Model:
    # W2 tanh(W1 x): the scalar net that the lifted PGB instances start from
    d_x, h, d_y = widths
    return _feedforward("tanh2-nobias", (d_x, h, d_y), ["tanh"], False, h * d_x)


def _lintop(widths: Sequence[int]) -> Model:
    # W3 W2 tanh(W1 x): a bias-free net whose second hidden layer is the identity; g keeps W3
    d_x, d1, d2, d_y = widths
    return _feedforward("lintop", (d_x, d1, d2, d_y), ["tanh", "identity"], False,
                        d1 * d_x + d2 * d1)


def _relu2_nobias(widths: Sequence[int]) -> Model:
    # W2 relu(W1 x): positively homogeneous of degree 2 in theta, so g = theta / 2 (Euler's
    # identity, the third family of models meeting Assumption 2) wherever no pre-activation is 0
    d_x, h, d_y = widths
    base = _feedforward("relu2-nobias", (d_x, h, d_y), ["relu"], False, 0)

    def kinks(t, X):
        W1 = np.asarray(t[: h * d_x]).reshape(h, d_x)
        return float(np.min(np.abs(X @ W1.T))) if X.size else float("inf")

    def preactivations(t, X):
        # z = W1 x_i, an inner product of length d_x: |fl(z) - z| <= gamma_{d_x} (|W1| |x_i|)
        W1 = np.asarray(t[: h * d_x]).reshape(h, d_x)
        return X @ W1.T, gamma(d_x) * (np.abs(X) @ np.abs(W1).T)

    return dataclasses.replace(base, g=lambda t: t / 2.0, kinks=kinks,
                               preactivations=preactivations, structure="positively homogeneous")


def _skip2(widths: Sequence[int]) -> Model:
    # Example 3 with I_skip = {1, 2}: f = A1 h1 + A2 h2, h1 = tanh(W1 x + b1),
    # h2 = tanh(V h1 + c); theta = (W1, b1, V, c, A1, A2) row-major; g keeps (A1, A2)
    d_x, d1, d2, d_y = widths
    shapes = [(d1, d_x), (d1,), (d2, d1), (d2,), (d_y, d1), (d_y, d2)]
    sizes = [int(np.prod(sh)) for sh in shapes]
    off = np.cumsum([0, *sizes])
    d_theta = int(off[-1])
    last = np.zeros(d_theta)
    last[off[4]:] = 1.0

    def unpack(t):
        return [anp.reshape(t[off[k]:off[k + 1]], shapes[k]) for k in range(6)]

    def f(t, X):
        W1, b1, V, c, A1, A2 = unpack(t)
        h1 = anp.tanh(anp.dot(X, W1.T) + b1)
        h2 = anp.tanh(anp.dot(h1, V.T) + c)
        return anp.dot(h1, A1.T) + anp.dot(h2, A2.T)

    def jac(t, X):
        W1, b1, V, c, A1, A2 = unpack(np.asarray(t))
        m = X.shape[0]
        h1 = np.tanh(X @ W1.T + b1)
        h2 = np.tanh(h1 @ V.T + c)
        D2 = (1 - h2**2)[:, None, :] * A2[None]                     # m x d_y x d2
        D1 = (A1[None] + D2 @ V) * (1 - h1**2)[:, None, :]          # m x d_y x d1
        eye = np.eye(d_y)
        blocks = [
            (D1[:, :, :, None] * X[:, None, None, :]).reshape(m, d_y, -1), D1,
            (D2[:, :, :, None] * h1[:, None, None, :]).reshape(m, d_y, -1), D2,
            (eye[None, :, :, None] * h1[:, None, None, :]).reshape(m, d_y, -1),
            (eye[None, :, :, None] * h2[:, None, None, :]).reshape(m, d_y, -1),
        ]
        return np.concatenate(blocks, axis=2).reshape(m * d_y, d_theta)

    return Model("skip2", (d_x, d1, d2, d_y), d_theta, d_y, f, lambda t: t * last, unpack, jac,
                 structure="last layer linear")


def skip2_features(model: Model, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``[h1(x_i), h2(x_i)]`` of the ``skip2`` family (the features with a skip connection
    to the output in Example 3), one row per sample."""
    W1, b1, V, c, _, _ = model.unpack(np.asarray(theta))
    h1 = np.tanh(X @ W1.T + b1)
    return np.hstack([h1, np.tanh(h1 @ V.T + c)])


FAMILIES: dict[str, Callable[[Sequence[int]], Model]] = {
    "basis": _basis,
    "product": _product,
    "affine-offset": _affine_offset,
    "tanh-neuron": _tanh_neuron,
    "relu-scalar": _relu_scalar,
    "tanh2": _tanh2,
    "tanh2-nobias": _tanh2_nobias,
    "relu2-nobias": _relu2_nobias,
    "lintop": _lintop,
    "skip2": _skip2,
}


#: the widths a family takes, by name; the scalar families not listed have fixed widths (1, 1)
WIDTH_NAMES = {"basis": ("d_theta",), "tanh2": ("d_x", "h", "d_y"),
               "tanh2-nobias": ("d_x", "h", "d_y"), "relu2-nobias": ("d_x", "h", "d_y"),
               "lintop": ("d_x", "d1", "d2", "d_y"), "skip2": ("d_x", "d1", "d2", "d_y")}


def make_model(family: str, widths: Sequence[int]) -> Model:
    """The model of ``family`` (a key of :data:`FAMILIES`) at ``widths``; a ``ValueError``
    names the family's widths when ``widths`` has another length."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")
    names = WIDTH_NAMES.get(family)
    if names is not None and len(widths) != len(names):
        raise ValueError(f"family {family!r} takes {len(names)} "
                         f"width{'s' if len(names) > 1 else ''} ({', '.join(names)}), "
                         f"got {len(widths)}")
    return FAMILIES[family](tuple(int(w) for w in widths))


def example2_layers(
    X_raw: np.ndarray, n: int, depth: int, eps_prime: float
) -> list[np.ndarray]:
    """The ReLU weights ``u`` of Kawaguchi et al. (2019), Example 2, footnote 1.

    Layer 1: row ``i <= m`` is ``[x_i_raw, eps' - 1]`` (active only on sample ``i`` when the
    inputs are unit vectors with pairwise inner products ``< 1 - delta`` and
    ``0 < eps' <= delta``), rows ``i > m`` are ``[0, ..., 0, -1]`` (never active). Layers
    ``2..depth``: the identity (diagonal, positive). Then ``phi(x_i)`` is ``eps' e_i``.
    """
    m, d = X_raw.shape
    if n < m:
        # not the footnote's regime; keep the first n samples' rows so rank <= n < m
        pass
    W1 = np.zeros((n, d + 1))
    k = min(n, m)
    W1[:k, :d] = X_raw[:k]
    W1[:k, d] = eps_prime - 1.0
    W1[k:, d] = -1.0
    return [W1] + [np.eye(n) for _ in range(depth - 1)]


def relu_features(X_raw: np.ndarray, layers: Sequence[np.ndarray]) -> np.ndarray:
    """``phi(x_i; u)`` of a bias-through-input ReLU net: rows are samples, ``x = [x_raw, 1]``."""
    h = np.hstack([X_raw, np.ones((X_raw.shape[0], 1))])
    for W in layers:
        h = np.maximum(h @ W.T, 0.0)
    return h
