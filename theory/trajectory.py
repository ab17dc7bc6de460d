"""Gradient-descent trajectories for Kawaguchi, Zhang & Deng (2022), Section 2, recording what
the oracles of Assumption 1, Definition 2, Proposition 1 and Theorems 2-3 need.

A *model* here is anything with ``n_params``, ``forward(theta, X) -> (n, m_y)``,
``jacobian(theta, X) -> (n m_y, d)`` (rows sample-major) and ``S`` (the index set of
Assumption 1, or ``None`` when the model has none). Feedforward nets come from the numerical
core (:mod:`theory.models.feedforward`, :mod:`theory.jacobian`); the paper's toy models
(the quartic of section 2.1.3, ``w u^2`` and ``theta^2 + 1`` of our controls, linear
features) are defined here with closed-form Jacobians.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from theory.losses import get_loss

__all__ = [
    "MLP",
    "Linear",
    "Quartic",
    "SquarePlusOne",
    "Step",
    "Trajectory",
    "WU2",
    "gradient_descent",
    "loss_gradient",
    "make_model",
    "objective",
    "sharp_softplus",
    "sine_wave",
    "smoothness_estimate",
    "step_constant",
    "torch_default_init",
    "track_alignment",
    "two_moons",
]


class MLP:
    """A feedforward net with a linear last layer (the paper's pre-activation output),
    optionally followed by ``tanh`` counted as part of f (which breaks Assumption 1)."""

    def __init__(self, widths: list[int], activation: str, output: str = "linear",
                 method: str = "analytic") -> None:
        from theory.models.feedforward import Feedforward

        self.widths, self.activation, self.output = list(widths), activation, output
        self.net = Feedforward(widths=self.widths, activations=[activation] * (len(widths) - 2),
                               bias=True)
        self.n_params = int(self.net.n_params())
        self.method = method
        last = self.widths[-1] * (self.widths[-2] + 1)
        # the core lays parameters out layer by layer, so the last layer's W and b are the
        # trailing m_y (m_{H-1} + 1) entries of theta: the natural S of Assumption 1
        self.S = np.arange(self.n_params - last, self.n_params)
        # f = W h + b is linear in (W, b) for a linear output; tanh(W h + b) in no set
        self.linear_in = self.S.copy() if output == "linear" else None

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        z = np.asarray(self.net.forward(theta, X), dtype=np.float64)
        return np.tanh(z) if self.output == "tanh" else z

    def jacobian(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        from theory.jacobian import jacobian

        J = np.asarray(jacobian(self.net, theta, X, method=self.method), dtype=np.float64)
        if self.output == "tanh":
            z = np.asarray(self.net.forward(theta, X), dtype=np.float64).reshape(-1)
            J = (1.0 - np.tanh(z) ** 2)[:, None] * J
        return J


class Quartic:
    """f(x, theta) = theta^4 - 10 theta^2 + 6 theta + 100, the example of section 2.1.3: no
    index set S satisfies Assumption 1 (``S`` below is the caller's choice, default empty)."""

    n_params = 1
    linear_in = None

    def __init__(self, S: tuple[int, ...] = ()) -> None:
        self.S = np.asarray(S, dtype=int)

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        t = theta[0]
        return np.full((X.shape[0], 1), t**4 - 10 * t**2 + 6 * t + 100)

    def jacobian(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        t = theta[0]
        return np.full((X.shape[0], 1), 4 * t**3 - 20 * t + 6)


class SquarePlusOne:
    """f(x, theta) = theta^2 + 1 (Proposition 1's control): no S works."""

    n_params = 1
    S = np.asarray([], dtype=int)
    linear_in = None

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.full((X.shape[0], 1), theta[0] ** 2 + 1.0)

    def jacobian(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.full((X.shape[0], 1), 2.0 * theta[0])


class WU2:
    """f(x, theta) = w u^2 with theta = (w, u) (Theorem 2's control); S = {w}."""

    n_params = 2
    S = np.asarray([0])
    linear_in = np.asarray([0])  # f = w u^2 is linear in w

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.full((X.shape[0], 1), theta[0] * theta[1] ** 2)

    def jacobian(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        w, u = theta
        return np.tile([[u * u, 2.0 * w * u]], (X.shape[0], 1))


class Linear:
    """f(x, theta) = x^T theta (m_y = 1), a linear model with features x: S = every index."""

    def __init__(self, d: int) -> None:
        self.n_params = int(d)
        self.S = np.arange(self.n_params)
        self.linear_in = self.S.copy()

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        return (X @ theta)[:, None]

    def jacobian(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.array(X, dtype=np.float64)


def objective(model: Any, loss: str, theta: np.ndarray, X: np.ndarray, Y: np.ndarray
              ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """L(theta) = (1/n) sum_i l(f(x_i, theta), y_i) (eq. 1.1) with its gradient J^T v,
    the outputs f_X, the Jacobian J and the loss-derivative vector v of section 2.1.2,
    ``v = vec((1/n) nabla l_i(f(x_i, theta)))``. ``v`` is stacked in J's row order (sample-major,
    entry (i, j) at ``i m_y + j``; the paper's column-stacked ``i + n j`` is the same vector
    permuted alike with J's rows, which leaves J^T v unchanged). Elementwise losses give
    ``nabla l_i`` entry by entry; a row-wise loss (softmax cross-entropy) gives it per sample,
    ``softmax(f_i) - y_i``."""
    ell = get_loss(loss)
    F = model.forward(theta, X)
    J = model.jacobian(theta, X)
    n = Y.shape[0]
    value = float(np.sum(ell.value(F, Y)) / n)
    v = (ell.grad(F, Y) / n).reshape(-1)
    return value, J.T @ v, F, J, v


@dataclasses.dataclass
class Step:
    """What one iterate of gradient descent leaves for the oracles."""

    t: int
    theta: np.ndarray
    loss: float
    grad: np.ndarray
    F: np.ndarray
    J: np.ndarray
    v: np.ndarray
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Trajectory:
    steps: list[Step]
    step_size: float

    @property
    def losses(self) -> np.ndarray:
        return np.array([s.loss for s in self.steps])


def gradient_descent(
    model: Any, loss: str, theta0: np.ndarray, X: np.ndarray, Y: np.ndarray, *,
    step_size: float, steps: int, keep: Callable[[int], bool] | None = None,
    record: Callable[[Step], dict[str, Any]] | None = None,
) -> Trajectory:
    """theta^{t+1} = theta^t - alpha grad L(theta^t) (Assumption 2 with g-bar = grad L) for
    ``steps`` steps, keeping iterates 0..steps. ``keep(t)`` selects which iterates keep their
    Jacobian (all by default); ``record(step)`` computes extra per-step data (e.g. DAA)."""
    theta = np.array(theta0, dtype=np.float64)
    out = []
    for t in range(steps + 1):
        value, g, F, J, v = objective(model, loss, theta, X, Y)
        st = Step(t, theta.copy(), value, g, F, J, v)
        if record is not None:
            st.extra = record(st)
        if keep is not None and not keep(t):
            st.J = np.empty((0, 0))
        out.append(st)
        theta = theta - step_size * g
    return Trajectory(out, step_size)


def smoothness_estimate(model: Any, loss: str, theta: np.ndarray, X: np.ndarray,
                        Y: np.ndarray, *, iters: int = 20, seed: int = 0) -> float:
    """||Hessian of L at theta||_2 by power iteration on central-difference Hessian-vector
    products (h = u^{1/3} scaled), our pilot estimate for L (x 1.5). Raises ``ValueError``
    for ``iters < 1``: without a product nothing is measured, and an estimate of 0 would be
    read as a flat loss (an unbounded step)."""
    if iters < 1:
        raise ValueError(f"smoothness_estimate needs iters >= 1 power iterations, got {iters}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(theta.size)
    x /= np.linalg.norm(x)
    h = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.linalg.norm(theta)))
    lam = 0.0
    for _ in range(iters):
        gp = objective(model, loss, theta + h * x, X, Y)[1]
        gm = objective(model, loss, theta - h * x, X, Y)[1]
        Hx = (gp - gm) / (2 * h)
        lam = float(np.linalg.norm(Hx))
        if lam == 0.0:
            return 0.0
        x = Hx / lam
    return lam


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two-moons data set (the construction of scikit-learn's ``make_moons``): n // 2
    points on the upper half circle (label 0), the rest on the shifted lower one (label 1),
    plus Gaussian noise of standard deviation ``noise``."""
    n0 = n // 2
    n1 = n - n0
    a0 = np.linspace(0, math.pi, n0)
    a1 = np.linspace(0, math.pi, n1)
    X = np.vstack([np.c_[np.cos(a0), np.sin(a0)], np.c_[1 - np.cos(a1), 1 - np.sin(a1) - 0.5]])
    X = X + noise * rng.standard_normal(X.shape)
    Y = np.r_[np.zeros(n0), np.ones(n1)][:, None]
    return X, Y


def sine_wave(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The sine-wave data of Figure 1a: x_i ~ U[-1, 1], y_i = 1{sin(20 x_i) < 0}."""
    X = rng.uniform(-1.0, 1.0, size=(n, 1))
    return X, (np.sin(20.0 * X) < 0).astype(np.float64)


def make_model(kind: str, *, d: int | None = None, widths: list[int] | None = None,
               activation: str = "tanh", output: str = "linear",
               S: np.ndarray | None = None) -> Any:
    """The model named ``kind`` (``mlp``, ``linear``, ``quartic``, ``wu2``,
    ``square-plus-one``), with the caller's index set ``S`` when given."""
    if kind == "mlp":
        model = MLP(list(widths), activation, output)
    elif kind == "linear":
        model = Linear(int(d))
    else:
        model = {"quartic": Quartic, "wu2": WU2, "square-plus-one": SquarePlusOne}[kind]()
    if S is not None:
        model.S = np.asarray(S, dtype=int)
    return model


def step_constant(model: Any, loss: str, theta0: np.ndarray, X: np.ndarray, Y: np.ndarray,
                  *, alpha: float, steps: int, tries: int = 8) -> float:
    """A smoothness constant L for gradient descent with step 2 alpha / L (Theorem 3): start
    from 1.5 ||Hessian(theta0)|| (our pilot rule) and double L until the descent
    inequality L(theta^{t+1}) <= L(theta^t) - (2 alpha (1 - alpha) / L) ||grad||^2 holds
    along the pilot run of ``steps`` steps, without any rounding margin."""
    L = max(1.5 * smoothness_estimate(model, loss, theta0, X, Y), 1e-8)
    for _ in range(tries):
        traj = gradient_descent(model, loss, theta0, X, Y, step_size=2 * alpha / L,
                                steps=steps, keep=lambda t: False)
        c = 2 * alpha * (1 - alpha) / L
        ok = all(b.loss <= a.loss - c * float(a.grad @ a.grad)
                 for a, b in zip(traj.steps, traj.steps[1:], strict=False))
        if ok:
            return L
        L *= 2.0
    return L


def sharp_softplus(varsigma: float) -> Any:
    """The softplus of Figure 1, sigma(z) = ln(1 + e^{varsigma z}) / varsigma (varsigma = 100
    in the paper), as an activation of the core's :class:`Feedforward`."""
    import autograd.numpy as anp

    from theory.activations import Activation

    s = float(varsigma)

    def sig(z: Any) -> Any:
        return 0.5 * (1.0 + np.tanh(0.5 * s * z))

    def analytic(z: Any) -> Any:
        pos = z.real > 0
        return (np.where(pos, s * z, 0.0) + np.log1p(np.exp(np.where(pos, -s * z, s * z)))) / s

    return Activation(
        f"softplus{s:g}", lambda z: np.logaddexp(0.0, s * z) / s, sig,
        lambda z: s * sig(z) * sig(-z), lambda z: anp.logaddexp(0.0, s * z) / s, analytic)


def torch_default_init(widths: list[int], rng: np.random.Generator) -> np.ndarray:
    """PyTorch's default initialisation of dense layers, W and b ~ U[-1/sqrt(fan_in),
    1/sqrt(fan_in)], in the core's layout (per layer W row-major, then b)."""
    parts = []
    for i, o in zip(widths[:-1], widths[1:], strict=True):
        a = 1.0 / math.sqrt(i)
        parts += [rng.uniform(-a, a, o * i), rng.uniform(-a, a, o)]
    return np.concatenate(parts)


def loss_gradient(model: MLP, loss: str, theta: np.ndarray, X: np.ndarray, Y: np.ndarray
                  ) -> tuple[float, np.ndarray, np.ndarray]:
    """L(theta), grad L = J^T v and f_X for a net with a linear output, by one
    back-propagation (the core's sensitivities) instead of forming J: per layer
    dL/dW_l = (sum_k v_{ik} Delta_l[i, k])^T A_l and dL/db_l = sum_i of the same."""
    from theory.jacobian import sensitivities

    ell = get_loss(loss)
    A, Delta = sensitivities(model.net, theta, X)
    F = A[-1] @ model.net.unflatten(theta)[-1][0].T + model.net.unflatten(theta)[-1][1]
    n = Y.shape[0]
    V = ell.grad(F, Y) / n
    parts = []
    for a, d in zip(A, Delta, strict=True):
        Dv = np.einsum("ik,ikm->im", V, d)
        parts += [(Dv.T @ a).reshape(-1), Dv.sum(axis=0)]
    return float(np.sum(ell.value(F, Y)) / n), np.concatenate(parts), F


def _training_error(F: np.ndarray, Y: np.ndarray, loss: str) -> float:
    """The fraction misclassified: per sample, the arg-max against the one-hot class for the
    softmax loss; per output, the sign against {0, 1} labels otherwise."""
    if get_loss(loss).rowwise:
        return float(np.mean(np.argmax(F, axis=1) != np.argmax(Y, axis=1)))
    return float(np.mean((F > 0) != (Y > 0.5)))


def track_alignment(model: Any, loss: str, theta0: np.ndarray, X: np.ndarray, Y: np.ndarray,
                    *, step_size: float, steps: int, every: int,
                    cutoffs: tuple[float, ...] = (1e-6, 1e-10, 1e-13)) -> dict[str, Any]:
    """Gradient descent recording, every ``every`` steps, the training error, DAA for Y'
    (clear-gap rule and fixed relative cut-offs) and lambda_min(M); and ||M_T - M_0||_F^2
    (Figure 1a and Table 1a). M comes from the core's layer-wise Hadamard Gram."""
    from theory import alignment as al
    from theory.gram import gram

    b = al.modified_target(Y, loss).reshape(-1)
    theta = np.array(theta0, dtype=np.float64)
    out: dict[str, Any] = {"t": [], "error": [], "loss": [], "daa": [], "lambda_min": [],
                           "cut": {c: [] for c in cutoffs}}
    M0 = gram(model.net, theta, X)
    for t in range(steps + 1):
        value, g, F = loss_gradient(model, loss, theta, X, Y)
        if t % every == 0 or t == steps:
            J = model.jacobian(theta, X)
            Jr = al.flush_subnormals(J)
            if Jr.shape[1] > 4 * Jr.shape[0]:
                Jr = np.linalg.qr(Jr.T, mode="r").T  # same U and s as J (see membership)
            U, s, _ = np.linalg.svd(Jr, full_matrices=False)
            out["t"].append(t)
            out["loss"].append(value)
            out["error"].append(_training_error(F, Y, loss))
            out["daa"].append(al.membership(b, J=J).member)
            out["lambda_min"].append(float(s[-1] ** 2) if s.size == J.shape[0] else 0.0)
            for c in cutoffs:
                out["cut"][c].append(al.membership_at_cutoff(b, s, U, c))
        theta = theta - step_size * g
    out["M_change"] = float(np.sum((gram(model.net, theta, X) - M0) ** 2))
    return out
