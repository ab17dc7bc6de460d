r"""The exploration-exploitation (EE) wrapper of Kawaguchi, Zhang & Deng (2022), §3,
Algorithm 1 with eqs (3.1)-(3.4), as we reconstructed it (see the errata of ``k22.thm4``).

**Model modification (Algorithm 1, line 2).** A base network ``z(x, theta_(1:H-2))`` (here a
:class:`~theory.models.feedforward.Feedforward` *body* whose linear output is passed through
the body activation) gets a constant neuron appended, ``z = [z_bar, 1]`` in ``R^{m_{H-1}}``,
so that the bias of layer ``H-1`` sits inside ``W^(H-1)``. The last two layers become, for
every output ``j in [m_y]`` (eq. 3.4; eq. 3.2 when ``m_y = 1``),

.. math::
   f(x, \theta)_j = W^{(H)}_{j*}\, \sigma_j(W^{(H-1,j)}, z), \qquad
   \sigma(q, q') = \tilde\sigma(q q') \odot (q q'), \qquad
   \tilde\sigma(u) = 1 / (1 + e^{-\varsigma' u}),

with one hidden matrix ``W^(H-1,j)`` (``m_H x m_{H-1}``) per output. At the start of the
exploitation (line 10) each gate is frozen: ``sigma_{R^(j)}(q, q') = sigma~(R^(j) q') o (q
q')`` with ``R^(j) = W^(H-1,j)`` at time ``tau``; the model is unchanged at ``theta^tau`` and
becomes linear in ``theta_(H-1)``:
``f(x_i, theta)_j = phi(R^(j), theta_(1:H-2))_{i*} (diag(W^(H)_{j*}) (x) I) vec(W^(H-1,j))``
(vec row-major, so block ``k`` of ``phi_i`` multiplies row ``k`` of ``W^(H-1,j)``).

**Algorithm 1** (:func:`ee_train`): exploration, ``theta^{t+1} = theta^t - g^t`` with ``g^t``
from any optimiser on *all* layers for ``t < tau`` (lines 3-7); a random perturbation
``theta^tau <- theta^tau + epsilon xi``, ``xi ~ N(0, I)``, of all layers (line 9); the gate swap
(line 10); then ``theta_(H-1)^{t+1} = theta_(H-1)^t - g~^t`` from a second optimiser on
``theta_(H-1)`` only, every other layer frozen (lines 11-12).

**What is reconstructed** (the text we worked from lost Algorithm 1's body): line 9's
perturbation (its law, its size ``epsilon`` and the choice "all layers" are ours: the
probability-one statements need
``(R, theta_(1:H-2))`` to have a density and ``W^(H)`` to have no zero entry); the transposes in
``sigma_R`` (only ``sigma~(W_tau z) o (W z)`` matches the dimensions); the constant neuron on
layer ``H-2``'s output (that text says ``H-1``); the gate sharpness ``varsigma'``, which is a
parameter here (Figure 2 reproduced only with ``varsigma' = 100`` in our checks).

Parameters live in one float64 vector, ``[theta_body, vec W^(H-1,1), ..., vec W^(H-1,m_y),
vec W^(H)]`` (row-major matrices); ``W^(H)`` is ``m_y x m_H``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import autograd.numpy as anp
import numpy as np

from theory.activations import Activation, get_activation
from theory.losses import Loss, get_loss
from theory.models.feedforward import Feedforward

__all__ = [
    "EEModel",
    "EERun",
    "Objective",
    "ee_train",
    "gd",
    "loss_gradient_lipschitz",
    "perturb",
    "sgd",
    "sharp_softplus",
]

LOSS_LIPSCHITZ = {"squared": 2.0, "logistic": 0.25, "cross-entropy": 0.25}
"""``L`` of k22 Assumption 5 for the elementwise losses of :mod:`theory.losses`: the largest
second derivative in ``f`` (``2``; ``sup e^u/(1+e^u)^2 = 1/4``)."""


def loss_gradient_lipschitz(loss: str) -> float:
    """``L`` with ``||grad l_i(q) - grad l_i(q')|| <= L ||q - q'||`` (k22 Assumption 5)."""
    try:
        return LOSS_LIPSCHITZ[loss]
    except KeyError:
        raise ValueError(f"no Lipschitz constant recorded for loss {loss!r}") from None


def sharp_softplus(varsigma: float) -> Activation:
    """``softplus_varsigma(z) = ln(1 + e^{varsigma z}) / varsigma`` (k22 §2.2 and §3.4
    experiments, ``varsigma = 100``): real analytic, ``-> relu`` as ``varsigma -> infinity``."""
    base = get_activation("softplus")
    v = float(varsigma)
    return Activation(
        f"softplus{v:g}",
        lambda x: base.value(v * x) / v,
        lambda x: base.d1(v * x),
        lambda x: v * base.d2(v * x),
        lambda x: base.traced(v * x) / v,
        lambda x: base.analytic(v * x) / v,
    )


def _gate(u: Any, varsigma: float, xp: Any = np) -> Any:
    # sigma~(u) = 1/(1 + e^{-varsigma u}) written with tanh: no overflow, autograd-traceable.
    return 0.5 * (1.0 + xp.tanh(0.5 * varsigma * u))


class EEModel:
    """The modified network of Algorithm 1, line 2 (eqs 3.2 / 3.4).

    ``body_widths = [m_x, h_1, ..., h_k]``: a dense body whose every layer is followed by
    ``activation`` (real analytic for Assumption 6: tanh, sigmoid, softplus), so ``m_{H-1} =
    h_k + 1``. ``gates`` is ``None`` (the exploration model, gates ``sigma~(W z)``) or the
    frozen ``R^(j)`` (line 10, gates ``sigma~(R^(j) z)``)."""

    def __init__(
        self,
        body_widths: Sequence[int],
        activation: str | Activation,
        m_H: int,
        m_y: int = 1,
        varsigma: float = 1.0,
        gates: Sequence[np.ndarray] | None = None,
    ) -> None:
        self.body = Feedforward(list(body_widths), activation, bias=True)
        self.activation = get_activation(activation)
        self.m_H, self.m_y, self.varsigma = int(m_H), int(m_y), float(varsigma)
        self.m_Hm1 = int(body_widths[-1]) + 1
        if gates is not None:
            gates = [np.asarray(R, dtype=np.float64) for R in gates]
            if len(gates) != self.m_y or any(R.shape != (self.m_H, self.m_Hm1) for R in gates):
                raise ValueError(f"gates must be {self.m_y} matrices of shape {self.hidden_shape}")
        self.gates = gates

    @property
    def hidden_shape(self) -> tuple[int, int]:
        return (self.m_H, self.m_Hm1)

    def sizes(self) -> tuple[int, int, int]:
        """``(d_body, m_y m_H m_{H-1}, m_y m_H)``: the sizes of the three parameter blocks."""
        return self.body.n_params(), self.m_y * self.m_H * self.m_Hm1, self.m_y * self.m_H

    def n_params(self) -> int:
        return sum(self.sizes())

    def hidden_slice(self) -> slice:
        """Where ``theta_(H-1)`` (all ``W^(H-1,j)``) sits in ``theta``."""
        d_body, d_hidden, _ = self.sizes()
        return slice(d_body, d_body + d_hidden)

    def split(self, theta: Any) -> tuple[Any, list[Any], Any]:
        """``(theta_body, [W^(H-1,j)], W^(H))``."""
        if theta.shape != (self.n_params(),):
            raise ValueError(f"theta must have shape ({self.n_params()},), got {theta.shape}")
        d_body, d_hidden, _ = self.sizes()
        block = self.m_H * self.m_Hm1
        Ws = [
            theta[d_body + j * block : d_body + (j + 1) * block].reshape(self.hidden_shape)
            for j in range(self.m_y)
        ]
        return theta[:d_body], Ws, theta[d_body + d_hidden :].reshape((self.m_y, self.m_H))

    def join(self, theta_body: Any, Ws: Sequence[Any], W_out: Any) -> np.ndarray:
        """The inverse of :meth:`split`."""
        parts = [np.reshape(theta_body, -1)] + [np.reshape(W, -1) for W in Ws]
        return np.concatenate(parts + [np.reshape(W_out, -1)]).astype(np.float64)

    def init(self, rng: np.random.Generator) -> np.ndarray:
        """He-initialised body (``Feedforward.init``), ``W^(H-1,j) ~ N(0, 2/m_{H-1})``,
        ``W^(H) ~ N(0, 1/m_H)``."""
        Ws = [rng.standard_normal(self.hidden_shape) * np.sqrt(2.0 / self.m_Hm1)
              for _ in range(self.m_y)]
        W_out = rng.standard_normal((self.m_y, self.m_H)) / np.sqrt(self.m_H)
        return self.join(self.body.init(rng, "he"), Ws, W_out)

    def frozen(self, theta_tau: np.ndarray) -> EEModel:
        """The model after line 10: gates frozen at ``R^(j) = W^(H-1,j)`` of ``theta_tau``."""
        _, Ws, _ = self.split(theta_tau)
        return EEModel(self.body.widths, self.activation, self.m_H, self.m_y,
                       self.varsigma, [W.copy() for W in Ws])

    # ------------------------------------------------------------------ forward and gradients

    def features(self, theta_body: Any, X: Any, traced: bool = False) -> Any:
        """``Z``: the rows ``z(x_i, theta_(1:H-2)) = [act(body(x_i)), 1]`` (``n x m_{H-1}``)."""
        act = self.activation
        if traced:
            zbar = act.traced(self.body.forward_traced(theta_body, X))
            return anp.concatenate([zbar, anp.ones((X.shape[0], 1))], axis=1)
        zbar = act.value(self.body.forward(theta_body, X))
        return np.hstack([zbar, np.ones((X.shape[0], 1))])

    def _gate_values(self, j: int, U: Any, Z: Any, xp: Any) -> Any:
        if self.gates is None:
            return _gate(U, self.varsigma, xp)
        return _gate(Z @ self.gates[j].T, self.varsigma, xp)

    def forward(self, theta: Any, X: Any) -> np.ndarray:
        """``f_X(theta)``, ``n x m_y`` (eqs 3.2 / 3.4, or their frozen-gate form)."""
        theta_body, Ws, W_out = self.split(theta)
        Z = self.features(theta_body, X)
        cols = []
        for j, W in enumerate(Ws):
            U = Z @ W.T
            cols.append((self._gate_values(j, U, Z, np) * U) @ W_out[j])
        return np.stack(cols, axis=1)

    def forward_traced(self, theta: Any, X: np.ndarray) -> Any:
        """:meth:`forward` written with ``autograd.numpy`` (the reference for gradients)."""
        d_body, d_hidden, _ = self.sizes()
        block = self.m_H * self.m_Hm1
        Z = self.features(theta[:d_body], X, traced=True)
        W_out = anp.reshape(theta[d_body + d_hidden :], (self.m_y, self.m_H))
        cols = []
        for j in range(self.m_y):
            W = anp.reshape(theta[d_body + j * block : d_body + (j + 1) * block], self.hidden_shape)
            U = anp.dot(Z, W.T)
            cols.append(anp.dot(self._gate_values(j, U, Z, anp) * U, W_out[j]))
        return anp.stack(cols, axis=1)

    def _head_sensitivities(
        self, theta: np.ndarray, X: np.ndarray
    ) -> tuple[Any, np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray], list[Any]]:
        """Body activations ``(A, Zpre)``, ``Z``, ``W^(H)``, and per output ``j``: ``H_j =
        sigma_j(U_j)`` (``n x m_H``), ``D_j = w_j o d sigma_j / dU`` (``d f_j / d U_j``,
        ``U_j = Z W_j^T``) and, for frozen gates, ``E_j = w_j o U_j o sigma~'(Z R_j^T)`` (the
        gate's own dependence on ``z``: ``d f_j / dz = D_j W_j + E_j R_j``)."""
        theta_body, Ws, W_out = self.split(theta)
        A, Zpre = self.body.layer_outputs(theta_body, X)
        Z = np.hstack([self.activation.value(Zpre[-1]), np.ones((X.shape[0], 1))])
        Hs, Ds, Es = [], [], []
        for j, W in enumerate(Ws):
            U = Z @ W.T
            g = self._gate_values(j, U, Z, np)
            if self.gates is None:  # d/du [u s(vu)] = s(vu) + v u s(vu) s(-vu)
                Ds.append((g + self.varsigma * U * g * _gate(-U, self.varsigma)) * W_out[j])
                Es.append(None)
            else:  # sigma~(R z) o (W z): the gate moves with z, not with W
                RZ = Z @ self.gates[j].T
                Ds.append(g * W_out[j])
                Es.append(self.varsigma * g * _gate(-RZ, self.varsigma) * U * W_out[j])
            Hs.append(g * U)
        return (A, Zpre), Z, W_out, Hs, Ds, Es

    def _dz(self, j: int, W: np.ndarray, D: np.ndarray, E: Any) -> np.ndarray:
        """``d f_j / d z_bar`` per sample (``n x h_k``; the constant neuron has no input)."""
        out = D @ W if E is None else D @ W + E @ self.gates[j]
        return out[:, :-1]

    def _body_backward(self, theta_body: np.ndarray, A: list, Zpre: list, G: np.ndarray) -> list:
        """Vector-Jacobian product through the body: ``G`` is ``dL/dz_bar`` (``n x h_k``);
        returns the per-layer ``(dW_l, db_l)``."""
        layers = self.body.unflatten(theta_body)
        G = G * self.activation.d1(Zpre[-1])
        grads = []
        for l in range(self.body.n_layers - 1, -1, -1):
            grads.append((G.T @ A[l], G.sum(axis=0)))
            if l > 0:
                G = (G @ layers[l][0]) * self.body.activations[l - 1].d1(Zpre[l - 1])
        return grads[::-1]

    def vjp(self, theta: np.ndarray, X: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``J(theta)^T vec(V)`` for ``V`` of shape ``n x m_y``: the gradient of ``sum_ij V_ij
        f(x_i)_j`` (so ``nabla L = vjp(theta, X, l'(f, Y) / n)``, k22 Definition 1)."""
        (A, Zpre), Z, W_out, Hs, Ds, Es = self._head_sensitivities(theta, X)
        theta_body, Ws, _ = self.split(theta)
        gW, gZ = [], 0.0
        for j, W in enumerate(Ws):
            v = V[:, j : j + 1]
            gW.append((Ds[j] * v).T @ Z)
            gZ = gZ + self._dz(j, W, Ds[j] * v, None if Es[j] is None else Es[j] * v)
        g_out = np.stack([Hs[j].T @ V[:, j] for j in range(self.m_y)])
        g_body = self.body.flatten(self._body_backward(theta_body, A, Zpre, gZ))
        return self.join(g_body, gW, g_out)

    def vjp_hidden(self, theta: np.ndarray, X: np.ndarray, V: np.ndarray) -> np.ndarray:
        """The ``theta_(H-1)`` block of :meth:`vjp` alone (the exploitation gradient), without
        the backward pass through the body."""
        _, Ws, W_out = self.split(theta)
        Z = self.features(self.split(theta)[0], X)
        out = []
        for j, W in enumerate(Ws):
            U = Z @ W.T
            g = self._gate_values(j, U, Z, np)
            if self.gates is None:
                g = g + self.varsigma * U * g * _gate(-U, self.varsigma)
            out.append(((g * W_out[j]) * V[:, j : j + 1]).T @ Z)
        return np.concatenate([G.reshape(-1) for G in out])

    def gram(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """``M(theta) = J J^T`` (``n m_y x n m_y``, rows sample-major ``(i, j)``) by the
        layer-wise Hadamard identity of :mod:`theory.gram`: for a dense block with inputs
        ``a_i`` and sensitivities ``delta_ij``, ``<delta_ij a_i^T, delta_i'j' a_i'^T> =
        (delta_ij . delta_i'j') (a_i . a_i')`` (k22 §2.2, used for Figure 3)."""
        (A, Zpre), Z, W_out, Hs, Ds, Es = self._head_sensitivities(theta, X)
        theta_body, Ws, _ = self.split(theta)
        n, m_y = X.shape[0], self.m_y
        M = np.zeros((n, m_y, n, m_y))
        ZZ = Z @ Z.T
        for j in range(m_y):  # the head blocks touch output j only
            M[:, j, :, j] += (Ds[j] @ Ds[j].T) * ZZ + Hs[j] @ Hs[j].T
        # body: sensitivities of f_j to every body layer's pre-activation, per output j
        layers = self.body.unflatten(theta_body)
        deltas = []
        for j in range(m_y):
            G = self._dz(j, Ws[j], Ds[j], Es[j]) * self.activation.d1(Zpre[-1])
            per_layer = [G]
            for l in range(self.body.n_layers - 1, 0, -1):
                G = (G @ layers[l][0]) * self.body.activations[l - 1].d1(Zpre[l - 1])
                per_layer.append(G)
            deltas.append(per_layer[::-1])
        for l in range(self.body.n_layers):
            AA = A[l] @ A[l].T + 1.0
            for j in range(m_y):
                for jj in range(m_y):
                    M[:, j, :, jj] += (deltas[j][l] @ deltas[jj][l].T) * AA
        return M.reshape(n * m_y, n * m_y)

    # ------------------------------------------------------------------ the linear exploitation

    def linear_maps(self, theta: np.ndarray, X: np.ndarray) -> list[np.ndarray]:
        """``A^(j) = phi(R^(j), theta_(1:H-2)) (diag(W^(H)_{j*}) (x) I)`` (``n x m_H m_{H-1}``)
        of the frozen model, so that ``f_X(theta)_{*j} = A^(j) vec W^(H-1,j)`` (the
        linearisation identity of §3.3.1). Needs frozen gates."""
        if self.gates is None:
            raise ValueError("linear_maps needs the frozen model (EEModel.frozen)")
        theta_body, _, W_out = self.split(theta)
        Z = self.features(theta_body, X)
        out = []
        for j, R in enumerate(self.gates):
            S = _gate(Z @ R.T, self.varsigma) * W_out[j]
            out.append((S[:, :, None] * Z[:, None, :]).reshape(X.shape[0], -1))
        return out


# ---------------------------------------------------------------------- objective, optimisers


@dataclasses.dataclass
class Objective:
    """``L(theta) = (1/n) sum_i l(f(x_i, theta), y_i)`` (k22 eq. 1.1; ``l`` summed over the
    ``m_y`` outputs) with its full or minibatch gradient."""

    model: EEModel
    X: np.ndarray
    Y: np.ndarray
    loss: Loss

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def value(self, theta: np.ndarray) -> float:
        return float(np.sum(self.loss.value(self.model.forward(theta, self.X), self.Y)) / self.n)

    def grad(self, theta: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """``nabla L(theta)``, or the gradient of the mean loss over the samples ``idx``."""
        X, Y = (self.X, self.Y) if idx is None else (self.X[idx], self.Y[idx])
        F = self.model.forward(theta, X)
        return self.model.vjp(theta, X, self.loss.grad(F, Y) / X.shape[0])

    def grad_hidden(self, theta: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """The ``theta_(H-1)`` block of :meth:`grad` (``nabla L^`` of k22 §3.3.2)."""
        X, Y = (self.X, self.Y) if idx is None else (self.X[idx], self.Y[idx])
        F = self.model.forward(theta, X)
        return self.model.vjp_hidden(theta, X, self.loss.grad(F, Y) / X.shape[0])


Optimizer = Callable[[Callable[[np.ndarray | None], np.ndarray], int, int], np.ndarray]
"""``optimizer(gradient, n, t) -> g^t``: the update of eq. 3.1 (``theta^{t+1} = theta^t -
g^t``) from a gradient oracle ``gradient(idx)`` (``idx=None``: full batch) over ``n`` samples."""


def gd(lr: float | Callable[[int], float]) -> Optimizer:
    """Full-batch gradient descent, ``g^t = alpha_t nabla L`` (constant or scheduled step)."""
    rate = lr if callable(lr) else (lambda t: float(lr))
    return lambda gradient, n, t: rate(t) * gradient(None)


def sgd(lr: float | Callable[[int], float], batch: int, rng: np.random.Generator) -> Optimizer:
    """Minibatch SGD with uniformly drawn (with replacement) minibatches of size ``batch``."""
    rate = lr if callable(lr) else (lambda t: float(lr))
    return lambda gradient, n, t: rate(t) * gradient(rng.integers(0, n, size=batch))


def perturb(theta: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """Line 9 as reconstructed: ``theta + epsilon xi``, ``xi ~ N(0, I)`` on all layers (an
    absolutely continuous law, so rank-deficient events of probability 0 are avoided a.s.)."""
    return theta + epsilon * rng.standard_normal(theta.shape)


@dataclasses.dataclass
class EERun:
    """What :func:`ee_train` did: the iterate and model at the end, ``theta^tau`` right after
    line 9 (perturbed), the loss after every step (index ``t`` = ``L(theta^t)`` of the model in
    force at time ``t``), and the frozen model of the exploitation phase."""

    theta: np.ndarray
    theta_tau: np.ndarray
    model: EEModel
    losses: list[float]


def ee_train(
    model: EEModel,
    theta0: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    loss: str,
    explore: Optimizer,
    exploit: Optimizer,
    tau: int,
    T: int,
    epsilon: float,
    rng: np.random.Generator,
    callback: Callable[[int, np.ndarray, EEModel], None] | None = None,
    record_losses: bool = True,
) -> EERun:
    """Algorithm 1 (reconstructed, module docstring): ``tau`` exploration steps of ``explore``
    on all layers, the perturbation ``epsilon xi`` of all layers, the gate swap, then ``T -
    tau`` exploitation steps of ``exploit`` on ``theta_(H-1)`` only. ``callback(t, theta,
    model)`` is called at every ``t = 0, ..., T``. ``tau = T`` is plain training with
    ``explore`` (no wrapper). ``record_losses=False`` skips the loss after every step (one
    forward pass each); ``EERun.losses`` then holds only ``L(theta^0)``."""
    if model.gates is not None:
        raise ValueError("ee_train starts from the unmodified-gate model")
    if not 0 <= tau <= T:
        raise ValueError(f"need 0 <= tau <= T, got tau={tau}, T={T}")
    lossf = get_loss(loss)
    obj = Objective(model, X, Y, lossf)
    theta = np.array(theta0, dtype=np.float64)
    losses = [obj.value(theta)]
    if callback:
        callback(0, theta, model)
    for t in range(tau):  # lines 3-7: every layer moves
        theta = theta - explore(lambda idx, th=theta: obj.grad(th, idx), obj.n, t)
        if record_losses:
            losses.append(obj.value(theta))
        if callback:
            callback(t + 1, theta, model)
    if tau == T:
        return EERun(theta, theta.copy(), model, losses)
    theta = perturb(theta, epsilon, rng)  # line 9 (reconstructed)
    theta_tau = theta.copy()
    frozen = model.frozen(theta_tau)  # line 10: the model is unchanged at theta_tau
    obj = Objective(frozen, X, Y, lossf)
    if record_losses:
        losses[-1] = obj.value(theta)
    hidden = model.hidden_slice()
    for t in range(tau, T):  # lines 11-12: theta_(H-1) only
        g = exploit(lambda idx, th=theta: obj.grad_hidden(th, idx), obj.n, t)
        theta = theta.copy()
        theta[hidden] -= g
        if record_losses:
            losses.append(obj.value(theta))
        if callback:
            callback(t + 1, theta, frozen)
    return EERun(theta, theta_tau, frozen, losses)
