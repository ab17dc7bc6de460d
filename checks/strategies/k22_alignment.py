"""Hypothesis strategies for Kawaguchi, Zhang & Deng (2022), Section 2 (common model structure,
data-architecture alignment, the gap bound).

Every strategy returns instances in the parsed format of :mod:`checks.papers.k22_alignment`:
plain dicts with ``model`` (``"mlp"``, ``"linear"``, ...), ``widths``, ``activation``,
``output``, ``S``, ``theta``, ``X``, ``Y``, ``loss`` and the claim's own parameters. Random
data are built from one drawn integer seed with NumPy's ``default_rng``, so drawing is cheap;
inputs are spread on a sphere-like cloud so that the Jacobian rows are distinct.

Example::

    >>> from checks.strategies.k22_alignment import mlp_instances
    >>> inst = mlp_instances(n=4, hidden=[6], overparameterised=True).example()  # doctest: +SKIP
    >>> inst["theta"].size >= inst["X"].shape[0]  # doctest: +SKIP
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from theory.losses import one_hot

__all__ = [
    "ACTIVATIONS",
    "ATTEMPTS",
    "bounded_filter",
    "build_mlp_instance",
    "gap_bound_instances",
    "misaligned_instances",
    "mlp_instances",
    "multiclass_instances",
    "n_params",
]

ACTIVATIONS = ("tanh", "softplus", "sigmoid")
LOSSES = ("squared", "cross-entropy", "logistic", "softmax-cross-entropy")


def _ints(value: int | st.SearchStrategy, name: str, lo: int) -> st.SearchStrategy:
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise InvalidArgument(f"{name} must be an integer >= {lo} or a strategy, got {value!r}")
    return st.just(value)


def _hidden(value: Sequence[int] | st.SearchStrategy) -> st.SearchStrategy:
    if isinstance(value, st.SearchStrategy):
        return value
    if not value or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in value):
        raise InvalidArgument(f"hidden must be a non-empty list of widths >= 1, got {value!r}")
    return st.just(list(value))


def _targets(rng: np.random.Generator, n: int, m_y: int, loss: str, kind: str) -> np.ndarray:
    if loss == "softmax-cross-entropy":  # one-hot rows; a constant target is one class
        classes = rng.integers(0, m_y, size=1 if kind == "constant" else n)
        return one_hot(np.resize(classes, n), m_y)
    if kind == "constant":
        return np.tile(rng.choice([0.0, 1.0], size=(1, m_y)) if loss == "cross-entropy"
                       else rng.standard_normal((1, m_y)), (n, 1))
    if loss == "cross-entropy":
        return rng.integers(0, 2, size=(n, m_y)).astype(np.float64)
    return rng.standard_normal((n, m_y))


def build_mlp_instance(seed: int, n: int, m_x: int, hidden: Sequence[int], m_y: int,
                       activation: str, loss: str, target: str, theta_scale: float
                       ) -> dict[str, Any]:
    """One feedforward-net instance from a seed: inputs on a noisy cloud, targets of the given
    kind (``"random"`` or ``"constant"``), parameters ``theta_scale`` times a 1/sqrt(fan-in)
    Gaussian draw (biases included, so 1-D inputs do not give degenerate features)."""
    rng = np.random.default_rng(seed)
    widths = [m_x, *hidden, m_y]
    X = rng.standard_normal((n, m_x))
    parts = []
    for i, o in zip(widths[:-1], widths[1:], strict=True):
        parts += [rng.standard_normal(o * i) / np.sqrt(i), rng.standard_normal(o) / np.sqrt(i)]
    return {
        "model": "mlp", "widths": widths, "activation": activation, "output": "linear",
        "theta": theta_scale * np.concatenate(parts), "X": X,
        "Y": _targets(rng, n, m_y, loss, target), "loss": loss,
    }


def n_params(widths: Sequence[int]) -> int:
    """The parameter count of a biased feedforward net of these widths."""
    return sum(o * (i + 1) for i, o in zip(widths[:-1], widths[1:], strict=True))


_N = st.integers(2, 6)
_M_X = st.integers(1, 3)
_HIDDEN = st.lists(st.integers(2, 8), min_size=1, max_size=2)
_M_Y = st.just(1)
_SCALE = st.sampled_from([0.5, 1.0, 2.0])
_HORIZON = st.integers(1, 40)


def mlp_instances(
    *, n: int | st.SearchStrategy = _N, m_x: int | st.SearchStrategy = _M_X,
    hidden: Sequence[int] | st.SearchStrategy = _HIDDEN, m_y: int | st.SearchStrategy = _M_Y,
    loss: str = "squared", target: str = "random", overparameterised: bool | None = None,
    theta_scale: st.SearchStrategy = _SCALE,
) -> st.SearchStrategy:
    """Feedforward-net instances (linear last layer, biases) with data and parameters.

    ``overparameterised=True`` keeps only nets with ``d >= 2 n m_y`` (J has full row rank for
    almost every theta), ``False`` only ``d < n m_y``, ``None`` either. ``target`` is
    ``"random"`` or ``"constant"`` (a constant target is aligned through the last bias).
    ``softmax-cross-entropy`` draws one-hot rows and needs ``m_y >= 2`` (see
    :func:`multiclass_instances`).
    """
    if loss not in LOSSES:
        raise InvalidArgument(f"loss must be {', '.join(LOSSES[:-1])} or {LOSSES[-1]}, "
                              f"got {loss!r}")
    if target not in ("random", "constant"):
        raise InvalidArgument(f"target must be 'random' or 'constant', got {target!r}")

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        nn, mx, hid, my = (draw(_ints(n, "n", 1)), draw(_ints(m_x, "m_x", 1)),
                           draw(_hidden(hidden)), draw(_ints(m_y, "m_y", 1)))
        if loss == "softmax-cross-entropy" and my < 2:
            raise InvalidArgument(f"softmax-cross-entropy needs m_y >= 2 classes, got {my}")
        d = n_params([mx, *hid, my])
        if overparameterised is True:
            hid = list(hid)
            while n_params([mx, *hid, my]) < 2 * nn * my:
                hid[-1] += 1
        if overparameterised is False and d >= nn * my:
            nn = d // my + 1 + draw(st.integers(0, 4))
        act = draw(st.sampled_from(ACTIVATIONS))
        return build_mlp_instance(draw(st.integers(0, 2**32 - 1)), nn, mx, hid, my, act, loss,
                                  target, draw(theta_scale))

    return build()


_CLASSES = st.integers(2, 3)


def multiclass_instances(
    *, m_y: int | st.SearchStrategy = _CLASSES, overparameterised: bool | None = True,
    target: str = "random", **kwargs: Any,
) -> st.SearchStrategy:
    """Multiclass instances for the softmax cross-entropy (k22 section 2.1.2): ``m_y`` classes
    (2 or 3 by default), one-hot ``Y`` with classes drawn at random (one class for every
    sample when ``target="constant"``), a net with a linear last layer and one of the paper's
    activations. Over-parameterised by default (``d >= 2 n m_y``), where ``vec(Y') =
    vec(2Y - 1)`` lies in ``Col(J)`` for almost every theta; ``overparameterised=False``
    gives ``d < n m_y``, where a random one-hot ``Y'`` is generically outside ``Col(J)``.
    Other keywords go to :func:`mlp_instances`."""
    return mlp_instances(loss="softmax-cross-entropy", m_y=m_y, target=target,
                         overparameterised=overparameterised, **kwargs)


def misaligned_instances(*, n: int = 20, d: int = 5, seed: int = 0) -> dict[str, Any]:
    """The misaligned linear model (Theorem 3's control): f = x^T theta with X in R^{n x d},
    d < n and a random target, so vec(Y) is not in Col(J) = Col(X) at any theta (rho about 0.8)."""
    if d >= n:
        raise InvalidArgument(f"need d < n for a misaligned linear model, got d={d}, n={n}")
    rng = np.random.default_rng(seed)
    return {"model": "linear", "theta": np.zeros(d), "X": rng.standard_normal((n, d)),
            "Y": rng.standard_normal((n, 1)), "loss": "squared"}


def gap_bound_instances(*, horizon: int | st.SearchStrategy = _HORIZON,
                        loss: str = "squared", target: str = "random",
                        overparameterised: bool | None = True,
                        etas: Sequence[float] = (0.0, 0.5, 1.0, 2.0),
                        **kwargs: Any) -> st.SearchStrategy:
    """Instances for Theorem 3: a net, ``alpha`` in [0.05, 0.95], an index set T of
    iterations (all steps, a tail, a random subset or a singleton) of a horizon, and eta.
    The smoothness constant ``L`` is left ``None``: fill it with a pilot run
    (:func:`theory.trajectory.step_constant`), as the ``k22.thm3`` claim's strategy does."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        inst = draw(mlp_instances(loss=loss, target=target,
                                  overparameterised=overparameterised, **kwargs))
        T = draw(_ints(horizon, "horizon", 1))
        kind = draw(st.sampled_from(["all", "tail", "subset", "single"]))
        if kind == "all":
            Tset = list(range(T + 1))
        elif kind == "tail":
            Tset = list(range(draw(st.integers(0, T)), T + 1))
        elif kind == "subset":
            Tset = sorted(draw(st.sets(st.integers(0, T), min_size=1, max_size=T + 1)))
        else:
            Tset = [draw(st.integers(0, T))]
        alpha = draw(st.sampled_from([0.05, 0.25, 0.5, 0.75, 0.95]))
        return {**inst, "alpha": alpha, "L": None, "T_set": Tset,
                "eta": draw(st.sampled_from(list(etas)))}

    return build()


ATTEMPTS = 3
"""Candidates a filtered k22 strategy draws per example before it gives its fallback."""


def bounded_filter(candidates: st.SearchStrategy, accept: Callable[[Any], bool],
                   fallback: Callable[[], Any], attempts: int = ATTEMPTS) -> st.SearchStrategy:
    """``candidates.filter(accept)`` with a budget: up to ``attempts`` candidates are drawn
    inside one example, the first accepted is returned, and ``fallback()`` (a fixed instance
    that meets ``accept``) when none is. Unlike ``.filter``, a rejected candidate (each may
    cost a training run) counts against the example it was drawn for, so ``max_examples``
    bounds the work whatever the seed."""
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise InvalidArgument(f"attempts must be an integer >= 1, got {attempts!r}")

    @st.composite
    def first_accepted(draw: st.DrawFn) -> Any:
        for _ in range(attempts):
            candidate = draw(candidates)
            if accept(candidate):
                return candidate
        return fallback()

    return first_accepted()


# --------------------------------------------------------------- metamorphic relations
# Transformations of a parsed instance (``transform(instance, rng) -> new instance``) under
# which the claims of section 2 cannot change their truth; each returns fresh arrays.

def _copy(inst: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inst.items()}


def permute_samples(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The samples (rows of X, Y and Y*) in another order: L is a mean over samples, J's rows
    and vec(Y') are permuted alike, so no loss, norm, column space or spectrum changes."""
    out = _copy(inst)
    p = rng.permutation(inst["X"].shape[0])
    for key in ("X", "Y", "Ystar"):
        if out.get(key) is not None:
            out[key] = out[key][p]
    return out


def _mlp_layers(widths: Sequence[int], theta: np.ndarray) -> list[list[np.ndarray]]:
    from theory.models.feedforward import Feedforward

    net = Feedforward(list(widths), "tanh", bias=True)
    return [[W.copy(), b.copy()] for W, b in net.unflatten(np.asarray(theta, dtype=float))]


def _mlp_flat(widths: Sequence[int], layers: list[list[np.ndarray]]) -> np.ndarray:
    from theory.models.feedforward import Feedforward

    return Feedforward(list(widths), "tanh", bias=True).flatten([tuple(x) for x in layers])


def _mlp_map(inst: dict[str, Any], edit: Any) -> dict[str, Any]:
    """Apply ``edit(layers)`` (in place on ``[[W_l, b_l], ...]``) to theta and to a witness,
    and carry an explicit S along (the index of every parameter is moved the same way)."""
    out = _copy(inst)
    widths = inst["widths"]
    for key in ("theta", "witness"):
        if out.get(key) is not None:
            layers = _mlp_layers(widths, out[key])
            edit(layers)
            out[key] = _mlp_flat(widths, layers)
    if inst.get("S") is not None:
        index = _mlp_layers(widths, np.arange(inst["theta"].size, dtype=float))
        edit(index)
        where = {int(k): i for i, k in enumerate(_mlp_flat(widths, index))}
        out["S"] = [where[int(k)] for k in inst["S"]]
    return out


def permute_hidden_units(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Relabel the units of every hidden layer (rows of W_l and b_l, columns of W_{l+1}): f is
    the same function of x, J's columns are permuted, the last layer (S) maps onto itself,
    and gradient descent maps iterate to iterate. Models other than ``mlp`` are returned as
    they are (no hidden units)."""
    if inst["model"] != "mlp":
        return _copy(inst)
    perms = [rng.permutation(w) for w in inst["widths"][1:-1]]

    def edit(layers: list[list[np.ndarray]]) -> None:
        for l, p in enumerate(perms):
            layers[l][0], layers[l][1] = layers[l][0][p], layers[l][1][p]
            layers[l + 1][0] = layers[l + 1][0][:, p]

    return _mlp_map(inst, edit)


def permute_classes(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Relabel the outputs (the classes): the columns of Y (and Y*) and the rows of the last
    layer's W_H and b_H permuted alike. Each output of f moves with its target column, so J's
    rows within a sample and vec(Y') permute together, and every loss here is symmetric in
    the outputs (the softmax cross-entropy as much as the elementwise ones): no loss, norm,
    column space or spectrum changes, and S (the last layer) maps onto itself. Models with one
    output are returned as they are."""
    if inst["model"] != "mlp" or inst["Y"].shape[1] == 1:
        return _copy(inst)
    p = rng.permutation(inst["Y"].shape[1])

    def edit(layers: list[list[np.ndarray]]) -> None:
        layers[-1][0], layers[-1][1] = layers[-1][0][p], layers[-1][1][p]

    out = _mlp_map(inst, edit)
    for key in ("Y", "Ystar"):
        if out.get(key) is not None:
            out[key] = out[key][:, p]
    return out


def rotate_inputs(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """An orthogonal change of basis of the inputs, x -> Q^T x, with the first layer W_1 -> W_1
    Q (a linear model: theta -> Q^T theta): every pre-activation is unchanged, J is multiplied
    on the right by an orthogonal matrix (same column space, same singular values), and
    gradient descent is equivariant under it. The toy models ignore x and are unchanged."""
    if inst["model"] not in ("mlp", "linear"):
        return _copy(inst)
    from checks.strategies.linalg import orthogonal

    Q = orthogonal(rng, inst["X"].shape[1])
    out = _copy(inst)
    out["X"] = inst["X"] @ Q
    if inst["model"] == "linear":
        for key in ("theta", "witness"):
            if out.get(key) is not None:
                out[key] = Q.T @ out[key]
        return out

    def edit(layers: list[list[np.ndarray]]) -> None:
        layers[0][0] = layers[0][0] @ Q

    return {**_mlp_map(out, edit), "X": out["X"]}


def scale_targets(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Targets times a power of two 2^k (k in [-20, 20]) under the squared loss: membership of
    vec(Y) in Col(J) is decided on the relative residual, which is scale-free and exactly
    scaled in floating point. Cross-entropy and logistic labels are returned unchanged."""
    out = _copy(inst)
    if inst["loss"] == "squared":
        out["Y"] = np.ldexp(inst["Y"], int(rng.integers(-20, 21)))
    return out


def scale_targets_and_eta(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Y -> 2^k Y with eta -> 2^-k eta: eta Y is the same matrix, dist(vec Y, Col J) scales by
    2^k and |eta| by 2^-k, so both sides of Proposition 1 are unchanged."""
    k = int(rng.integers(-20, 21))
    out = _copy(inst)
    out["Y"], out["eta"] = np.ldexp(inst["Y"], k), math.ldexp(inst["eta"], -k)
    return out


def scale_last_layer(inst: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The parameters theta_S of the structure set times 2^k: f is linear in theta_S, so f and
    J nu both scale by 2^k and the Euler identity keeps holding (the rounding scale does not
    move by the same factor, so the slack is not compared)."""
    out = _copy(inst)
    from theory.trajectory import make_model

    model = make_model(inst["model"], d=inst["X"].shape[1], widths=inst.get("widths"),
                       activation=inst.get("activation") or "tanh",
                       output=inst.get("output") or "linear", S=inst.get("S"))
    out["theta"][model.S] = np.ldexp(inst["theta"][model.S], int(rng.integers(-20, 21)))
    return out


# ---------------------------------------------------------------------- edge strategies
EDGE_SCALES = (2.0**-40, 2.0**-20, 1.0, 2.0**20, 2.0**40)
"""Powers of two at which targets, parameters or eta are drawn by the edge strategies."""
_ROUND = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
EDGE_KINDS = ("round", "zero-theta", "duplicate-input", "plus-minus-pair", "scaled-targets",
              "scaled-last-layer")


def edge_mlp_instances(*, loss: str = "squared", target: str = "random",
                       overparameterised: bool | None = None) -> st.SearchStrategy:
    """Net instances (as :func:`mlp_instances`) where numerics break: round-number inputs and
    parameters (exact ties, pre-activations exactly 0), all-zero parameters (a saddle where
    every hidden unit sits at the activation's centre), a duplicated input, a +/- pair of
    inputs, targets or last-layer parameters scaled by 2^-40 .. 2^40. ``kind`` is recorded
    as ``edge`` (ignored by the parsers). One output, so not the softmax loss."""
    if loss not in LOSSES[:-1]:
        raise InvalidArgument(f"edge instances have one output: loss must be "
                              f"{', '.join(LOSSES[:-2])} or {LOSSES[-2]}, got {loss!r}")

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        n, m_x = draw(st.integers(1, 5)), draw(st.integers(1, 2))
        hidden = [draw(st.integers(2, 6))]
        if overparameterised is True:
            while n_params([m_x, *hidden, 1]) < 2 * n:
                hidden[-1] += 1
        if overparameterised is False:
            n = max(n, n_params([m_x, *hidden, 1]) + 1)
        act = draw(st.sampled_from(ACTIVATIONS))
        inst = build_mlp_instance(draw(st.integers(0, 2**32 - 1)), n, m_x, hidden, 1, act,
                                  loss, target, 1.0)
        kind = draw(st.sampled_from(EDGE_KINDS))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        d, last = inst["theta"].size, hidden[-1] + 1
        if kind == "round":
            inst["X"] = rng.choice(_ROUND, size=inst["X"].shape)
            inst["theta"] = rng.choice(_ROUND, size=d)
        elif kind == "zero-theta":
            inst["theta"] = np.zeros(d)
        elif kind == "duplicate-input" and n >= 2:
            inst["X"][-1] = inst["X"][0]
        elif kind == "plus-minus-pair" and n >= 2:
            inst["X"][1] = -inst["X"][0]
        elif kind == "scaled-targets" and loss == "squared":
            inst["Y"] = inst["Y"] * draw(st.sampled_from(EDGE_SCALES))
        elif kind == "scaled-last-layer":
            inst["theta"][d - last:] *= draw(st.sampled_from(EDGE_SCALES))
        return {**inst, "edge": kind}

    return build()


def edge_toy_instances() -> st.SearchStrategy:
    """The models other than nets at their edges: a linear model with round-number features
    and an explicit S (all of theta, in some order), and f = w u^2 at u = 0 (J = (0, 0), the
    Euler identity 0 = 0) or at round numbers, S = {w}."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        if draw(st.booleans()):
            d, n = draw(st.integers(1, 3)), draw(st.integers(1, 4))
            return {"model": "linear", "theta": rng.choice(_ROUND, size=d) *
                    draw(st.sampled_from(EDGE_SCALES)), "X": rng.choice(_ROUND, size=(n, d)),
                    "Y": rng.choice(_ROUND, size=(n, 1)), "loss": "squared",
                    "S": [int(k) for k in rng.permutation(d)], "edge": "linear"}
        w, u = draw(st.sampled_from(list(_ROUND))), draw(st.sampled_from([0.0, 1.0, 2.0**-40]))
        return {"model": "wu2", "theta": np.array([w, u]), "X": np.zeros((1, 1)),
                "Y": np.ones((1, 1)), "loss": "squared", "S": [0], "edge": "wu2"}

    return build()
