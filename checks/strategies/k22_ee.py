"""Strategies for Kawaguchi, Zhang & Deng (2022) §3: the EE wrapper's gate (eq. 3.3), the
safe-exploration condition (Assumption 4) and the exploitation phase (Theorems 4 and 5).

Instances are plain dicts of the paper's names (float64 arrays, ints, floats, short strings),
so that they serialise with :func:`checks.serialise.to_jsonable`. Every strategy draws small
integers and one seed, and builds the arrays with ``numpy.random.default_rng(seed)``; every
argument may be a fixed value or a strategy.

* :func:`gate_instances`: ``{"W_hidden", "W_out", "Z", "varsigma", "gate"}``.
* :func:`safe_exploration_instances`: ``{"X", "body_widths", "activation", "theta_body",
  "q", "varsigma"}`` with ``q ~ N(0, I)`` and a He-initialised body (as the paper's Table 2).
* :func:`exploitation_instances`: ``{"X", "Y", "body_widths", "activation", "m_H", "m_y",
  "varsigma", "theta", "loss", "K"}``, ``theta`` being ``theta^tau`` of Algorithm 1 after
  ``tau`` exploration steps of gradient descent and the line-9 perturbation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from checks.strategies.linalg import resolve
from theory.activations import get_activation
from theory.models.ee import EEModel, ee_train, gd, perturb
from theory.models.feedforward import Feedforward

__all__ = [
    "ANALYTIC",
    "body_features",
    "exploitation_instances",
    "explored_theta",
    "gate_instances",
    "safe_exploration_instances",
    "sine_data",
]

ANALYTIC = ("tanh", "sigmoid", "softplus")
"""Real-analytic body activations (k22 Assumption 6)."""

# defaults (ci sizes)
_G_N, _G_M, _G_MY, _G_LOGV = st.integers(1, 12), st.integers(1, 8), st.integers(1, 3), \
    st.floats(0.0, 4.0)
_S_N, _S_MX, _S_V = st.integers(10, 40), st.integers(2, 4), st.floats(1.0, 10.0)
_E_N, _E_H, _E_MY, _E_V = st.integers(10, 24), st.integers(8, 14), st.integers(1, 2), \
    st.floats(5.0, 20.0)
_E_TAU, _E_EPS, _E_K = st.integers(20, 100), st.floats(1e-3, 1e-1), st.integers(200, 2000)
_E_EPSBAR = st.sampled_from((0.1, 0.03, 0.01))


def _check_int(name: str, value: Any, lo: int) -> None:
    if not isinstance(value, SearchStrategy) and (
        isinstance(value, bool) or not isinstance(value, int) or value < lo
    ):
        raise InvalidArgument(f"{name}={value!r} must be an int >= {lo} or a strategy")


def _check_pos(name: str, value: Any) -> None:
    if not isinstance(value, SearchStrategy) and not (
        isinstance(value, int | float) and math.isfinite(value) and value > 0
    ):
        raise InvalidArgument(f"{name}={value!r} must be a finite number > 0 or a strategy")


def body_features(instance: Mapping[str, Any]) -> np.ndarray:
    """``Z`` (rows ``z(x_i) = [act(body(x_i)), 1]``) of a safe-exploration instance."""
    body = Feedforward(instance["body_widths"], instance["activation"], bias=True)
    act = get_activation(instance["activation"])
    Zbar = act.value(body.forward(instance["theta_body"], instance["X"]))
    return np.hstack([Zbar, np.ones((Zbar.shape[0], 1))])


def gate_instances(
    *,
    n: int | SearchStrategy = _G_N,
    m_Hm1: int | SearchStrategy = _G_M,
    m_H: int | SearchStrategy = _G_M,
    m_y: int | SearchStrategy = _G_MY,
    log10_varsigma: float | SearchStrategy = _G_LOGV,
) -> SearchStrategy[dict[str, Any]]:
    """Eq. (3.3) instances: standard normal ``W^(H-1)`` (``m_H x m_{H-1}``), ``W^(H)``
    (``m_y x m_H``) and ``Z`` (``n x m_{H-1}``), gate sharpness ``10**log10_varsigma``."""
    for name, v in (("n", n), ("m_Hm1", m_Hm1), ("m_H", m_H), ("m_y", m_y)):
        _check_int(name, v, 1)

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        dims = [draw(resolve(v)) for v in (n, m_Hm1, m_H, m_y)]
        varsigma = float(10.0 ** draw(resolve(log10_varsigma)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return {
            "W_hidden": rng.standard_normal((dims[2], dims[1])),
            "W_out": rng.standard_normal((dims[3], dims[2])),
            "Z": rng.standard_normal((dims[0], dims[1])),
            "varsigma": varsigma,
            "gate": "sigmoid",
        }

    return build()


def safe_exploration_instances(
    *,
    n: int | SearchStrategy = _S_N,
    m_x: int | SearchStrategy = _S_MX,
    hidden: int | SearchStrategy | None = None,
    activation: str | SearchStrategy = "tanh",
    varsigma: float | SearchStrategy = _S_V,
    width_factor: float | SearchStrategy = 2.0,
) -> SearchStrategy[dict[str, Any]]:
    """Assumption 4 instances: ``n`` standard normal inputs in ``R^{m_x}``, a one-layer body
    ``[m_x, hidden]`` (He initialisation, ``activation``), ``m_{H-1} = hidden + 1`` and
    ``m_H = ceil(width_factor n / m_{H-1})`` (Table 2 uses ``width_factor = 2``), ``q ~ N(0, I)``
    of shape ``m_{H-1} x m_H``. ``hidden=None`` draws it from ``[4, max(4, n // 3)]``: with
    ``m_{H-1} >= n / 2`` or ``m_{H-1} = 5`` the Gram was often too ill-conditioned to certify
    (about 2% of draws), never deficient."""
    for name, v in (("n", n), ("m_x", m_x)):
        _check_int(name, v, 1)
    if hidden is not None:
        _check_int("hidden", hidden, 1)
    _check_pos("varsigma", varsigma)
    _check_pos("width_factor", width_factor)
    if isinstance(activation, str) and activation not in ANALYTIC:
        raise InvalidArgument(f"activation={activation!r}; choose from {', '.join(ANALYTIC)}")

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        n_, mx = draw(resolve(n)), draw(resolve(m_x))
        h = draw(st.integers(4, max(4, n_ // 3)) if hidden is None else resolve(hidden))
        m_H = math.ceil(draw(resolve(width_factor)) * n_ / (h + 1))
        act = draw(resolve(activation))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        body = Feedforward([mx, h], act, bias=True)
        return {
            "X": rng.standard_normal((n_, mx)),
            "body_widths": [mx, h],
            "activation": act,
            "theta_body": body.init(rng, "he"),
            "q": rng.standard_normal((h + 1, m_H)),
            "varsigma": float(draw(resolve(varsigma))),
        }

    return build()


def sine_data(rng: np.random.Generator, n: int, m_x: int = 2, m_y: int = 1) -> tuple:
    """Regression data for the exploitation claims: ``x ~ U[-1, 1]^{m_x}``, targets
    ``sin(3 x_1 + j) + x_{m_x} / 2`` for output ``j`` (smooth, not fit by a linear model)."""
    X = rng.uniform(-1.0, 1.0, (n, m_x))
    Y = np.stack([np.sin(3.0 * X[:, 0] + j) + 0.5 * X[:, -1] for j in range(m_y)], axis=1)
    return X, Y


def explored_theta(
    model: EEModel, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator, *,
    tau: int, lr: float, epsilon: float, loss: str = "squared",
) -> np.ndarray:
    """``theta^tau`` of Algorithm 1: ``tau`` steps of gradient descent on all layers from
    ``model.init(rng)``, then the line-9 perturbation of size ``epsilon``."""
    run = ee_train(model, model.init(rng), X, Y, loss=loss, explore=gd(lr), exploit=gd(lr),
                   tau=tau, T=tau, epsilon=0.0, rng=rng)
    return perturb(run.theta, epsilon, rng)


def exploitation_instances(
    *,
    n: int | SearchStrategy = _E_N,
    hidden: int | SearchStrategy = _E_H,
    m_y: int | SearchStrategy = _E_MY,
    varsigma: float | SearchStrategy = _E_V,
    tau: int | SearchStrategy = _E_TAU,
    epsilon: float | SearchStrategy = _E_EPS,
    K: int | SearchStrategy = _E_K,
    width_factor: float = 1.5,
    loss: str | SearchStrategy = "squared",
    eps_bar: float | SearchStrategy = _E_EPSBAR,
) -> SearchStrategy[dict[str, Any]]:
    """``theta^tau`` instances for Theorems 4 and 5 (Algorithm 1 as reconstructed in
    :mod:`theory.models.ee`): ``m_x = 2``, a tanh body ``[2, hidden]``,
    ``m_H = ceil(width_factor n / m_{H-1})``, ``tau`` steps of GD (learning rate 0.05) then the
    perturbation, and ``K``
    exploitation steps for the oracle to run. ``loss="squared"`` (``eps_bar = 0``) or
    ``"logistic"`` (targets ``sign(sin(3 x_1 + j) + x_2 / 2)``, ``eps_bar`` drawn; the
    checks use 0.1, 0.03, 0.01)."""
    if isinstance(loss, str) and loss not in ("squared", "logistic"):
        raise InvalidArgument(f"loss={loss!r}; choose 'squared' or 'logistic'")
    for name, v in (("n", n), ("hidden", hidden), ("m_y", m_y), ("tau", tau), ("K", K)):
        _check_int(name, v, 1)
    _check_pos("varsigma", varsigma)
    _check_pos("epsilon", epsilon)
    if width_factor < 1:
        raise InvalidArgument(f"width_factor={width_factor!r} must be >= 1 (m_H m_H-1 >= n)")

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        n_, h, my = draw(resolve(n)), draw(resolve(hidden)), draw(resolve(m_y))
        vs = float(draw(resolve(varsigma)))
        m_H = math.ceil(width_factor * n_ / (h + 1))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        loss_ = draw(resolve(loss))
        X, Y = sine_data(rng, n_, 2, my)
        eb = 0.0
        if loss_ == "logistic":
            Y = np.where(Y >= 0, 1.0, -1.0)
            eb = float(draw(resolve(eps_bar)))
        model = EEModel([2, h], "tanh", m_H, my, vs)
        theta = explored_theta(model, X, Y, rng, tau=draw(resolve(tau)), lr=0.05,
                               epsilon=float(draw(resolve(epsilon))), loss=loss_)
        return {"X": X, "Y": Y, "body_widths": [2, h], "activation": "tanh", "m_H": m_H,
                "m_y": my, "varsigma": vs, "theta": theta, "loss": loss_,
                "K": int(draw(resolve(K))), "eps_bar": eb}

    return build()


# --------------------------------------------------------------- metamorphic relations
# Transformations of a parsed instance (``transform(instance, rng) -> new instance``) that
# cannot change the truth of the section 3 claims; each returns fresh arrays.

def _copy(inst: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inst.items()}


def permute_samples(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The samples in another order (rows of X and Y; rows of Z for the gate): the losses are
    means and maxima over samples, phi's rows permute, the rank is unchanged."""
    out = _copy(inst)
    key = "Z" if "Z" in inst else "X"
    p = rng.permutation(inst[key].shape[0])
    for name in (key, "Y"):
        if name in out:
            out[name] = out[name][p]
    return out


def _body_layers(widths: list[int], theta_body: np.ndarray) -> list[list[np.ndarray]]:
    net = Feedforward(widths, "tanh", bias=True)
    return [[W.copy(), b.copy()] for W, b in net.unflatten(np.asarray(theta_body, float))]


def _body_flat(widths: list[int], layers: list[list[np.ndarray]]) -> np.ndarray:
    return Feedforward(widths, "tanh", bias=True).flatten([tuple(x) for x in layers])


def _relabel_body(widths: list[int], theta_body: np.ndarray, perms: list[np.ndarray]
                  ) -> np.ndarray:
    """The body with the units of layer ``l`` permuted by ``perms[l]`` (rows of W_l, b_l and
    columns of W_{l+1}); the last permutation acts on z's entries, which the caller moves."""
    layers = _body_layers(widths, theta_body)
    for l, p in enumerate(perms):
        layers[l][0], layers[l][1] = layers[l][0][p], layers[l][1][p]
        if l + 1 < len(layers):
            layers[l + 1][0] = layers[l + 1][0][:, p]
    return _body_flat(widths, layers)


def permute_hidden_units(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Relabel hidden units: the body's units (z's entries other than the constant neuron,
    with the columns of W^(H-1) / the rows of q moved alike) and the m_H units of layer H-1
    (rows of W^(H-1,j) and entries of W^(H)_j; columns of q; rows of W_hidden, columns of
    W_out). f, phi's column set and every loss are unchanged."""
    out = _copy(inst)
    if "W_hidden" in inst:  # the gate of eq. (3.3)
        p = rng.permutation(inst["W_hidden"].shape[0])
        out["W_hidden"], out["W_out"] = inst["W_hidden"][p], inst["W_out"][:, p]
        return out
    widths = inst["body_widths"]
    perms = [rng.permutation(w) for w in widths[1:]]
    z_perm = np.append(perms[-1], widths[-1])  # the constant neuron stays last
    if "q" in inst:  # Assumption 4
        out["theta_body"] = _relabel_body(widths, inst["theta_body"], perms)
        out["q"] = inst["q"][z_perm][:, rng.permutation(inst["q"].shape[1])]
        return out
    model = EEModel(widths, inst["activation"], inst["m_H"], inst["m_y"], inst["varsigma"])
    unit = rng.permutation(inst["m_H"])
    for key in ("theta", "witness"):
        if out.get(key) is None:
            continue
        body, Ws, W_out = model.split(out[key])
        out[key] = model.join(_relabel_body(widths, body, perms),
                              [W[unit][:, z_perm] for W in Ws], W_out[:, unit])
    return out


def rotate_inputs(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """An orthogonal change of basis x -> Q^T x with the body's first layer W_1 -> W_1 Q: every
    pre-activation, hence z, phi and f, is unchanged. The gate claim has no inputs (its Z is
    already the feature matrix) and is returned as it is."""
    out = _copy(inst)
    if "X" not in inst:
        return out
    from checks.strategies.linalg import orthogonal

    Q = orthogonal(rng, inst["X"].shape[1])
    out["X"] = inst["X"] @ Q
    widths = inst["body_widths"]

    def rotate(theta_body: np.ndarray) -> np.ndarray:
        layers = _body_layers(widths, theta_body)
        layers[0][0] = layers[0][0] @ Q
        return _body_flat(widths, layers)

    if "theta_body" in inst:
        out["theta_body"] = rotate(inst["theta_body"])
        return out
    d_body = Feedforward(widths, "tanh", bias=True).n_params()
    for key in ("theta", "witness"):
        if out.get(key) is not None:
            out[key] = np.concatenate([rotate(out[key][:d_body]), out[key][d_body:]])
    return out


def scale_gate_sharpness(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """q times 2^k with varsigma' times 2^-k (Assumption 4): sigma~(varsigma' z^T q) is the
    same number, so phi is the same matrix."""
    k = int(rng.integers(-10, 11))
    return {**_copy(inst), "q": np.ldexp(inst["q"], k), "varsigma": math.ldexp(inst["varsigma"],
                                                                              -k)}


def scale_gate_inputs(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Z times 2^k with varsigma' times 2^-k (eq. 3.3): the gates are unchanged, u = W z and
    both networks scale by 2^k, and so does the bound c_0 ||W^(H)_j||_1 / varsigma'."""
    k = int(rng.integers(-10, 11))
    return {**_copy(inst), "Z": np.ldexp(inst["Z"], k), "varsigma": math.ldexp(inst["varsigma"],
                                                                              -k)}


def scale_gate_outputs(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """W^(H) times 2^k (eq. 3.3): the error and the bound both scale by 2^k."""
    return {**_copy(inst), "W_out": np.ldexp(inst["W_out"], int(rng.integers(-20, 21)))}


def scale_outputs(inst: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Y and W^(H) times 2^k under the squared loss (Theorems 4-5): f is linear in W^(H), so
    A^(j) and y scale alike, the least-squares limit in theta_(H-1), B_0 and the GD path in
    theta_(H-1) are unchanged, and every loss, L^ and the bounds scale by 4^k. The logistic
    loss (labels +-1) is returned unchanged."""
    out = _copy(inst)
    if inst["loss"] != "squared":
        return out
    k = int(rng.integers(-20, 21))
    model = EEModel(inst["body_widths"], inst["activation"], inst["m_H"], inst["m_y"],
                    inst["varsigma"])
    out["Y"] = np.ldexp(inst["Y"], k)
    for key in ("theta", "witness"):
        if out.get(key) is not None:
            body, Ws, W_out = model.split(out[key])
            out[key] = model.join(body, Ws, np.ldexp(W_out, k))
    return out


# ---------------------------------------------------------------------- edge strategies
EDGE_SCALES = (2.0**-40, 2.0**-20, 1.0, 2.0**20, 2.0**40)
"""Powers of two at which inputs, targets and weights are drawn by the edge strategies."""
_ROUND = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


def edge_gate_instances() -> SearchStrategy[dict[str, Any]]:
    """Eq. (3.3) where numerics break: round-number weights and features (u = W z exactly 0,
    the kink of ReLU, and exact ties), a zero feature row, features and output weights at
    2^-40 .. 2^40, and varsigma' at 1e-300, 2^-40, 2^40 and 1e300 (gates at 1/2 or saturated
    to 0 and 1)."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        n, m, m_H, m_y = (draw(st.integers(1, 6)), draw(st.integers(1, 4)),
                          draw(st.integers(1, 4)), draw(st.integers(1, 2)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        kind = draw(st.sampled_from(["round", "zero-row", "scaled", "varsigma-ends"]))
        inst = {"W_hidden": rng.standard_normal((m_H, m)), "W_out": rng.standard_normal(
            (m_y, m_H)), "Z": rng.standard_normal((n, m)), "varsigma": 10.0, "gate": "sigmoid",
            "edge": kind}
        if kind == "round":
            for key in ("W_hidden", "W_out", "Z"):
                inst[key] = rng.choice(_ROUND, size=inst[key].shape)
        elif kind == "zero-row":
            inst["Z"][0] = 0.0
        elif kind == "scaled":
            inst["Z"] = inst["Z"] * draw(st.sampled_from(EDGE_SCALES))
            inst["W_out"] = inst["W_out"] * draw(st.sampled_from(EDGE_SCALES))
        else:
            inst["varsigma"] = draw(st.sampled_from([1e-300, 2.0**-40, 2.0**40, 1e300]))
        return inst

    return build()


def edge_safe_exploration_instances() -> SearchStrategy[dict[str, Any]]:
    """Assumption 4 where the rank decision is hardest: exactly m_H m_(H-1) = n (the boundary
    of the width hypothesis), two inputs 2^-40 apart, round-number inputs, inputs at 2^-40 or
    2^40 (tanh saturates, feature rows coincide), varsigma' at 2^-40 or 2^40, a zero column of
    q (its gates sit at exactly 1/2)."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        h, m_H, m_x = draw(st.integers(2, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
        kind = draw(st.sampled_from(["exact-width", "near-duplicate", "round", "scaled-inputs",
                                     "varsigma-ends", "zero-q-column"]))
        n = (h + 1) * m_H if kind == "exact-width" else draw(st.integers(2, (h + 1) * m_H))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        X = rng.standard_normal((n, m_x))
        q = rng.standard_normal((h + 1, m_H))
        varsigma = 5.0
        if kind == "near-duplicate":
            X[-1] = X[0] + 2.0**-40
        elif kind == "round":
            grid = np.array(np.meshgrid(*[_ROUND] * m_x)).reshape(m_x, -1).T
            X = grid[rng.permutation(grid.shape[0])[: min(n, grid.shape[0])]]
        elif kind == "scaled-inputs":
            X = X * draw(st.sampled_from([2.0**-40, 2.0**40]))
        elif kind == "varsigma-ends":
            varsigma = draw(st.sampled_from([2.0**-40, 2.0**40]))
        elif kind == "zero-q-column":
            q[:, 0] = 0.0
        body = Feedforward([m_x, h], "tanh", bias=True)
        return {"X": X, "body_widths": [m_x, h], "activation": "tanh",
                "theta_body": body.init(rng, "he"), "q": q, "varsigma": varsigma, "edge": kind}

    return build()


def edge_exploitation_instances(losses: tuple[str, ...] = ("squared",)
                                ) -> SearchStrategy[dict[str, Any]]:
    """Theorems 4-5 where numerics break, with theta^tau drawn directly (no exploration run,
    so a draw is cheap): m_H m_(H-1) = n exactly, targets at 2^-20 or 2^20, round-number
    output weights, sharp or flat gates (varsigma' = 2^-20 or 2^20), K at 1, 2 or 10^12 (only
    the floor is known beyond the run) and, for the logistic loss, eps_bar from 2^-20 to
    above L(theta^tau) (B = 0)."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        h, m_y = draw(st.integers(3, 8)), draw(st.integers(1, 2))
        kind = draw(st.sampled_from(["exact-width", "scaled-targets", "round-out",
                                     "varsigma-ends", "plain"]))
        n = draw(st.integers(4, 12))
        m_H = n // (h + 1) if kind == "exact-width" and n % (h + 1) == 0 else math.ceil(
            1.5 * n / (h + 1))
        loss = draw(st.sampled_from(losses))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        X, Y = sine_data(rng, n, 2, m_y)
        varsigma = draw(st.sampled_from([2.0**-20, 2.0**20])) if kind == "varsigma-ends" else 5.0
        model = EEModel([2, h], "tanh", m_H, m_y, varsigma)
        theta = model.init(rng)
        if kind == "round-out":
            body, Ws, W_out = model.split(theta)
            theta = model.join(body, Ws, rng.choice([-1.0, -0.5, 0.5, 1.0], size=W_out.shape))
        eps_bar = 0.0
        if loss == "logistic":
            Y = np.where(Y >= 0, 1.0, -1.0)
            eps_bar = draw(st.sampled_from([2.0**-20, 0.01, math.log(2.0), 10.0]))
        elif kind == "scaled-targets":
            Y = Y * draw(st.sampled_from([2.0**-20, 2.0**20]))
        return {"X": X, "Y": Y, "body_widths": [2, h], "activation": "tanh", "m_H": m_H,
                "m_y": m_y, "varsigma": varsigma, "theta": theta, "loss": loss,
                "K": draw(st.sampled_from([1, 2, 10**12])), "eps_bar": eps_bar, "edge": kind}

    return build()
