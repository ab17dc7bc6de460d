"""Hypothesis strategies for Section 4 of Kawaguchi, Huang & Kaelbling (2019): local minima of
ResNets (eq. 4.1), of nets with a locally induced partial linear structure (eq. 4.3, Theorem 4)
and of deep linear networks.

Every strategy draws dimensions and an integer seed, builds data with a planted teacher (so the
local minimum reached is well conditioned), trains from the teacher plus a small perturbation
to a local minimum (BFGS, then Newton steps) and returns the instance in the claims' parsed
format. Training dominates the cost (0.1-1 s per instance); results are cached by the drawn
arguments, so claims sharing a strategy train once. Instances whose second-order certificate
is not "local-minimum" are filtered out, so every drawn instance meets the claims' hypotheses.

Example::

    >>> from checks.strategies.k19_resnet import resnet_local_minima
    >>> inst = resnet_local_minima(d_x=3, d_y=2, d_z=2, lifted=True).example()  # doctest: +SKIP
    >>> sorted(inst)                                                             # doctest: +SKIP
    ['R', 'U', 'W', 'X', 'Y', 'eps', 'lambda']

Instances hold the data samples x features (``X`` ``m x d_x``, ``Y`` ``m x d_y``, weights
``lambda``), the convention of every k19 claim; :func:`data` gives it back in the layout of
the mathematics (samples as columns).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from checks.strategies.k19_pgb import moving_permutation, split_sample
from theory.constructions import k19_section4 as k19s4
from theory.models.deep_linear import Feedforward, deep_linear
from theory.models.resnet import ResNetShape

__all__ = [
    "build_deep_linear",
    "build_deep_linear_ce",
    "deep_linear_ce_local_minima",
    "build_partial_linear",
    "build_resnet",
    "train_deep_linear",
    "train_partial_linear",
    "train_resnet",
    "deep_linear_local_minima",
    "partial_linear_local_minima",
    "resnet_local_minima",
]

EPS = 1e-2  # the epsilon of V[theta, eps]; the constructions are exact for every eps


def _as_strategy(value: Any, name: str, lo: int = 1) -> st.SearchStrategy:
    """A dimension given as an int, an inclusive ``(lo, hi)`` range, or a strategy."""
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= lo:
        return st.just(value)
    if (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and lo <= value[0] <= value[1]):
        return st.integers(*value)
    raise InvalidArgument(f"{name} must be an int >= {lo}, a (lo, hi) range or a strategy, "
                          f"got {value!r}")


def _as_bool_strategy(value: Any, name: str) -> st.SearchStrategy:
    if value is None:
        return st.booleans()
    if isinstance(value, bool):
        return st.just(value)
    if isinstance(value, st.SearchStrategy):
        return value
    raise InvalidArgument(f"{name} must be a bool, None or a strategy, got {value!r}")


def _teacher(rng: np.random.Generator, shapes) -> np.ndarray:
    """Weights with entries N(0, 1/fan_in): units stay out of tanh saturation."""
    return np.concatenate([rng.standard_normal(a * b) / np.sqrt(b) for a, b in shapes])


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    c = rng.standard_normal(n)
    return c / np.linalg.norm(c)


TRIES = 8  # seeds tried per drawn seed until the trained point is certified


def instance(X: np.ndarray, Y: np.ndarray, lam: np.ndarray, **rest) -> dict:
    """An instance of the Section 4 claims from the data in the layout of the mathematics
    (``X`` is ``d_x x m``, ``Y`` is ``d_y x m``: samples are columns, as in (4.1) and (4.3)):
    the instance, like every k19 instance, holds them samples x features (``X`` ``m x d_x``,
    ``Y`` ``m x d_y``) with the weights under ``lambda``."""
    return {"X": np.ascontiguousarray(np.asarray(X, dtype=np.float64).T),
            "Y": np.ascontiguousarray(np.asarray(Y, dtype=np.float64).T),
            "lambda": np.asarray(lam, dtype=np.float64), **rest}


def data(inst: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, Y, lambda)`` of an instance in the layout of the mathematics: ``X`` ``d_x x m``,
    ``Y`` ``d_y x m``, contiguous, so that a parsed instance and a drawn one compute alike)."""
    return (np.ascontiguousarray(inst["X"].T), np.ascontiguousarray(inst["Y"].T),
            inst["lambda"])


def _first_certified(build, seed: int, model_of, *args) -> dict:
    """The first instance among seeds seed, seed + 7919, ... whose trained point passes the
    second-order certificate (training sometimes drifts into tanh saturation instead); the
    last try is returned when none does (the claims' filters then reject it)."""
    for k in range(TRIES):
        inst = build(seed + 7919 * k, *args)
        _, theta, outputs = model_of(inst)
        cert = k19s4.certify_squared(outputs, theta, *data(inst))
        if cert.status == "local-minimum":
            break
    return inst


def resnet_model(inst: dict) -> tuple[ResNetShape, np.ndarray, Any]:
    """The ResNet of a Theorem 3 instance (§4.1, ``f = W(x + R z(x; u))``): its shape, the
    packed parameter vector theta and the outputs function ``outputs(theta, X)``."""
    shape = ResNetShape(inst["X"].shape[1], inst["Y"].shape[1], inst["R"].shape[1],
                        tuple(U.shape[0] for U in inst["U"][:-1]))
    return shape, shape.pack(inst["W"], inst["R"], inst["U"]), shape.outputs


def feedforward_model(inst: dict) -> tuple[Feedforward, np.ndarray, Any]:
    """The feedforward net of a Theorem 4 / Corollary 4 instance (§4.2; identity activations
    where the instance names none: the deep linear net): the net, theta and its outputs."""
    acts = inst.get("activations") or [["identity"] * W.shape[0] for W in inst["Ws"][:-1]]
    net = Feedforward((inst["X"].shape[1], *(W.shape[0] for W in inst["Ws"])),
                      tuple(tuple(a) for a in acts))
    return net, net.pack(inst["Ws"]), net.outputs


@functools.lru_cache(maxsize=256)
def build_resnet(seed: int, d_x: int, d_y: int, d_z: int, depth: int, m: int,
                 lifted: bool = False, noise: float = 0.1) -> dict:
    """:func:`train_resnet` at the first of up to ``TRIES`` derived seeds that certifies."""
    return _first_certified(train_resnet, seed, resnet_model, d_x, d_y, d_z, depth, m,
                            lifted, noise)


def train_resnet(seed: int, d_x: int, d_y: int, d_z: int, depth: int, m: int,
                 lifted: bool = False, noise: float = 0.1) -> dict:
    """A trained ResNet (4.1) instance with z = tanh(U x) (depth 1) or tanh(U_2 tanh(U_1 x)).

    ``lifted=True`` trains the d_y = 1 ResNet on targets t_i and lifts it to W = c w^T,
    y_i = t_i c for a unit c in R^{d_y}: an exact local minimum with rank W = 1 < d_y (the
    second branch of the proof of Theorem 3), provided the scalar point is one.
    """
    rng = np.random.default_rng(seed)
    widths = (2,) * (depth - 1)
    shape = ResNetShape(d_x, 1 if lifted else d_y, d_z, widths)
    X = rng.standard_normal((d_x, m))
    lam = rng.uniform(0.5, 1.5, m)
    star = _teacher(rng, shape.shapes())
    T = np.asarray(shape.outputs(star, X)) + noise * rng.standard_normal((shape.d_y, m))
    L = k19s4.squared_objective(shape.outputs, X, T, lam)
    theta = k19s4._local_minimum(L, star + 0.05 * rng.standard_normal(shape.d_theta))
    W, R, U = shape.unpack(theta)
    W, R, U = np.asarray(W), np.asarray(R), [np.asarray(Uk) for Uk in U]
    if lifted:
        c = _unit(rng, d_y)
        W, T = np.outer(c, W[0]), np.outer(c, T[0])
    return instance(X, T, lam, W=W, R=R, U=U, eps=EPS)


def resnet_local_minima(*, d_x=(2, 3), d_y=(1, 2), d_z=None, depth=(1, 2), m=(12, 20),
                        lifted=None, certified=None) -> st.SearchStrategy:
    """Local minima of the ResNet (4.1) with d_y <= min(d_x, d_z) (Theorem 3's condition).

    Parameters: ``d_x``, ``d_y``, ``m`` (samples), ``depth`` (1 or 2 tanh layers in z): an
    int, an inclusive ``(lo, hi)`` range or a strategy; ``d_z``: the same, or None for
    ``integers(d_y, 3)``; ``lifted``: bool, strategy, or None for ``booleans()`` (rank-deficient
    W, used only when d_y >= 2); ``certified``: a predicate on an instance (the claims pass
    their certificate) used to filter, or None. Slow: each new instance trains a network.
    """
    d_x, d_y, m, depth = (_as_strategy(v, n) for v, n in
                          ((d_x, "d_x"), (d_y, "d_y"), (m, "m"), (depth, "depth")))
    lifted = _as_bool_strategy(lifted, "lifted")

    @st.composite
    def draw(draw_):
        dx = draw_(d_x)
        dy = min(draw_(d_y), dx)
        dz = draw_(st.integers(dy, 3) if d_z is None else _as_strategy(d_z, "d_z"))
        if dz < dy:
            raise InvalidArgument(f"d_z = {dz} < d_y = {dy}: Theorem 3 needs d_y <= d_z")
        lift = draw_(lifted) and dy >= 2
        seed = draw_(st.integers(0, 2**16))
        return build_resnet(seed, dx, dy, dz, draw_(depth), draw_(m), lift)

    out = draw()
    return out if certified is None else out.filter(certified)


@functools.lru_cache(maxsize=256)
def build_deep_linear(seed: int, widths: tuple[int, ...], m: int, noise: float = 0.3) -> dict:
    """:func:`train_deep_linear` at the first of up to ``TRIES`` derived seeds that certifies."""
    return _first_certified(train_deep_linear, seed, feedforward_model, tuple(widths), m, noise)


def train_deep_linear(seed: int, widths: tuple[int, ...], m: int, noise: float = 0.3) -> dict:
    """A deep linear net (4.3) trained from a small random start on a noisy linear teacher."""
    rng = np.random.default_rng(seed)
    net = deep_linear(widths)
    X = rng.standard_normal((widths[0], m))
    lam = rng.uniform(0.5, 1.5, m)
    A = rng.standard_normal((widths[-1], widths[0]))
    Y = A @ X + noise * rng.standard_normal((widths[-1], m))
    L = k19s4.squared_objective(net.outputs, X, Y, lam)
    theta0 = np.concatenate([rng.standard_normal(a * b) / np.sqrt(b) for a, b in net.shapes()])
    theta = k19s4._local_minimum(L, theta0)
    return instance(X, Y, lam, Ws=[np.asarray(W) for W in net.unpack(theta)])


def deep_linear_local_minima(*, d_x=(2, 4), d_y=(1, 3), H=(1, 3), m=(10, 20), min_width=None,
                             max_width: int = 5, certified=None) -> st.SearchStrategy:
    """Local minima of deep linear nets with hidden widths in [min_width, max_width].

    ``d_x``, ``d_y``, ``H`` (hidden layers), ``m``: an int, a ``(lo, hi)`` range or a strategy.

    ``min_width``: None for d_y (Corollary 4's condition d_y <= min widths), an int, or
    ``"min_dx_dy"`` for Proposition 2's PA6 (min{d_x, d_y} <= min widths).
    """
    d_x, d_y, H, m = (_as_strategy(v, n) for v, n in ((d_x, "d_x"), (d_y, "d_y"), (H, "H"),
                                                      (m, "m")))

    @st.composite
    def draw(draw_):
        dx, dy, h = draw_(d_x), draw_(d_y), draw_(H)
        lo = dy if min_width is None else (min(dx, dy) if min_width == "min_dx_dy"
                                          else int(min_width))
        if lo > max_width:
            raise InvalidArgument(f"min width {lo} exceeds max_width = {max_width}")
        hidden = tuple(draw_(st.integers(lo, max_width)) for _ in range(h))
        return build_deep_linear(draw_(st.integers(0, 2**16)), (dx, *hidden, dy),
                                 draw_(m))

    out = draw()
    return out if certified is None else out.filter(certified)


@functools.lru_cache(maxsize=256)
def build_deep_linear_ce(seed: int, widths: tuple[int, ...], m0: int) -> dict:
    """A deep linear net (4.3) at a certified local minimum of the (elementwise binary)
    cross-entropy, for Proposition 2 beyond the squared loss.

    Every input appears twice, with complementary labels ``y`` and ``1 - y`` (``y`` drawn from
    the sigmoid of a linear teacher) and weights ``c p``, ``c (1 - p)`` (``c ~ U[0.5, 1.5]``,
    ``p ~ U[0.2, 0.8]``): each output coordinate sees both labels at every input, so no linear
    map separates the data and ``inf_A`` is attained. Trained from a small random start (up to
    ``TRIES`` derived seeds until :func:`theory.constructions.k19_section4.certify_loss` says
    local minimum). ``loss = "cross-entropy"`` in the instance."""
    for k in range(TRIES):
        inst = _train_deep_linear_ce(seed + 7919 * k, tuple(widths), m0)
        net = deep_linear(tuple(widths))
        cert = k19s4.certify_loss(net.outputs, net.pack(inst["Ws"]), *data(inst),
                                  "cross-entropy")
        if cert.status == "local-minimum":
            break
    return inst


def _train_deep_linear_ce(seed: int, widths: tuple[int, ...], m0: int) -> dict:
    rng = np.random.default_rng(seed)
    net = deep_linear(widths)
    X0 = rng.standard_normal((widths[0], m0))
    A = rng.standard_normal((widths[-1], widths[0]))
    Yb = (rng.random((widths[-1], m0)) < 1 / (1 + np.exp(-A @ X0))).astype(float)
    c, p = rng.uniform(0.5, 1.5, m0), rng.uniform(0.2, 0.8, m0)
    X, Y = np.hstack([X0, X0]), np.hstack([Yb, 1 - Yb])
    lam = np.concatenate([c * p, c * (1 - p)])
    L = k19s4.loss_objective(net.outputs, X, Y, lam, "cross-entropy")
    theta0 = np.concatenate([rng.standard_normal(a * b) / np.sqrt(b) for a, b in net.shapes()])
    theta = k19s4._local_minimum(L, theta0)
    return instance(X, Y, lam, Ws=[np.asarray(W) for W in net.unpack(theta)],
                    loss="cross-entropy")


def deep_linear_ce_local_minima(*, d_x=(2, 3), d_y=(1, 2), H=(1, 2), m0=(8, 12),
                                max_width: int = 4, certified=None) -> st.SearchStrategy:
    """Cross-entropy local minima of deep linear nets under PA6 (hidden widths in
    ``[min(d_x, d_y), max_width]``), see :func:`build_deep_linear_ce`."""
    d_x, d_y, H, m0 = (_as_strategy(v, n) for v, n in ((d_x, "d_x"), (d_y, "d_y"), (H, "H"),
                                                       (m0, "m0")))

    @st.composite
    def draw(draw_):
        dx, dy, h = draw_(d_x), draw_(d_y), draw_(H)
        lo = min(dx, dy)
        if lo > max_width:
            raise InvalidArgument(f"min width {lo} exceeds max_width = {max_width}")
        hidden = tuple(draw_(st.integers(lo, max_width)) for _ in range(h))
        return build_deep_linear_ce(draw_(st.integers(0, 2**16)), (dx, *hidden, dy), draw_(m0))

    out = draw()
    return out if certified is None else out.filter(certified)


@functools.lru_cache(maxsize=256)
def build_partial_linear(seed: int, d_x: int, d_1: int, d_2: int, d_y: int, m: int,
                         lifted: bool = False, noise: float = 0.1) -> dict:
    """:func:`train_partial_linear` at the first of up to ``TRIES`` seeds that certifies."""
    return _first_certified(train_partial_linear, seed, feedforward_model, d_x, d_1, d_2, d_y, m,
                            lifted, noise)


def train_partial_linear(seed: int, d_x: int, d_1: int, d_2: int, d_y: int, m: int,
                         lifted: bool = False, noise: float = 0.1) -> dict:
    """A trained H = 2 net (4.3): layer 1 tanh, layer 2 with its first max(d_y, 2 if lifted)
    units identity and the rest tanh, so theta is in Theta_{d_y, 1} (t = H - 1).

    ``lifted=True`` trains the d_y = 1 net and lifts W^(3) = c w^T, y_i = t_i c: A^(3) (the
    output weights on the identity units) then has rank 1 < d_y, the singular branch of the
    proof of Theorem 4.
    """
    rng = np.random.default_rng(seed)
    n_id = max(d_y, 2) if lifted else d_y
    acts = (("tanh",) * d_1, ("identity",) * n_id + ("tanh",) * (d_2 - n_id))
    net = Feedforward((d_x, d_1, d_2, 1 if lifted else d_y), acts)
    X = rng.standard_normal((d_x, m))
    lam = rng.uniform(0.5, 1.5, m)
    star = _teacher(rng, net.shapes())
    T = np.asarray(net.outputs(star, X)) + noise * rng.standard_normal((net.d_y, m))
    L = k19s4.squared_objective(net.outputs, X, T, lam)
    theta = k19s4._local_minimum(L, star + 0.05 * rng.standard_normal(net.d_theta))
    Ws = [np.asarray(W) for W in net.unpack(theta)]
    if lifted:
        c = _unit(rng, d_y)
        Ws[-1], T = np.outer(c, Ws[-1][0]), np.outer(c, T[0])
    return instance(X, T, lam, Ws=Ws, activations=[list(a) for a in acts], t=1, eps=EPS)


def partial_linear_local_minima(*, d_x=(2, 3), d_1=(2, 3), d_y=(1, 2), extra=(0, 1),
                                m=(20, 30), lifted=None, certified=None) -> st.SearchStrategy:
    """Local minima of H = 2 nets with d_y (or 2, lifted) identity units and ``extra`` tanh
    units in layer 2: theta in Theta_{d_y, H-1}, checked by the claim before its oracle runs.

    Dimensions: an int, a ``(lo, hi)`` range or a strategy (``extra`` may be 0); ``lifted``:
    bool, strategy or None for ``booleans()``. Slow: each new instance trains a network.
    """
    d_x, d_1, d_y, m = (_as_strategy(v, n) for v, n in
                        ((d_x, "d_x"), (d_1, "d_1"), (d_y, "d_y"), (m, "m")))
    extra = _as_strategy(extra, "extra", lo=0)
    lifted = _as_bool_strategy(lifted, "lifted")

    @st.composite
    def draw(draw_):
        dy = draw_(d_y)
        lift = draw_(lifted) and dy >= 2
        d_2 = max(dy, 2 if lift else 1) + draw_(extra)
        return build_partial_linear(draw_(st.integers(0, 2**16)), draw_(d_x),
                                    draw_(d_1), d_2, dy, draw_(m), lift)

    out = draw()
    return out if certified is None else out.filter(certified)


# ------------------------------------------------------------ metamorphic relations (k19 §4)
#
# Section 4's instances share the data layout of Section 3 (samples as rows, ``lambda``), so
# the sample relations of :mod:`checks.strategies.k19_pgb` (permuting, splitting, scaling the
# weights) apply as they are; these act on the weights of (4.1) and (4.3).


def _signs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return moving_permutation(rng, n), rng.choice([-1.0, 1.0], n)


def signed_permutation_of_inputs(inst: dict, rng: np.random.Generator) -> dict:
    """An exact orthogonal change of basis ``x -> P x`` (``P`` a signed permutation) with the
    weights that read ``x`` turned by ``P^T``: for (4.3) ``W^(1) -> W^(1) P^T``; for the
    ResNet (4.1) also ``W -> W P^T``, ``R -> P R`` and ``U_1 -> U_1 P^T``, since
    ``W (x + R z) = W P^T (P x + P R z)``. The outputs, and so every side, are unchanged."""
    X = np.asarray(inst["X"])
    p, s = _signs(rng, X.shape[1])
    out = {**inst, "X": X[:, p] * s}
    if "Ws" in inst:
        out["Ws"] = [np.asarray(inst["Ws"][0])[:, p] * s, *inst["Ws"][1:]]
    else:
        out["W"] = np.asarray(inst["W"])[:, p] * s
        out["R"] = np.asarray(inst["R"])[p] * s[:, None]
        out["U"] = [np.asarray(inst["U"][0])[:, p] * s, *inst["U"][1:]]
    return out


def permute_hidden_units(inst: dict, rng: np.random.Generator) -> dict:
    """Hidden units relabelled: in (4.3) the rows of ``W^(l)``, the columns of ``W^(l+1)``
    and the unit's activation move together; in the ResNet the units of ``z(x; u)`` (rows of
    the last ``U``, columns of ``R``) and of every inner layer of ``u``. The function is the
    same, and so is the structure Theorem 4 asks for (which units are linear, which weights
    are 0), relabelled."""
    if "Ws" in inst:
        Ws = [np.asarray(W) for W in inst["Ws"]]
        acts = [list(a) for a in inst["activations"]] if "activations" in inst else None
        for layer in range(len(Ws) - 1):
            p = moving_permutation(rng, Ws[layer].shape[0])
            Ws[layer], Ws[layer + 1] = Ws[layer][p], Ws[layer + 1][:, p]
            if acts is not None:
                acts[layer] = [acts[layer][k] for k in p]
        out = {**inst, "Ws": Ws}
        if acts is not None:
            out["activations"] = acts
        return out
    U = [np.asarray(M) for M in inst["U"]]
    R = np.asarray(inst["R"])
    for layer in range(len(U)):
        p = moving_permutation(rng, U[layer].shape[0])
        U[layer] = U[layer][p]
        if layer + 1 < len(U):
            U[layer + 1] = U[layer + 1][:, p]
        else:
            R = R[:, p]
    return {**inst, "U": U, "R": R}


def scale_targets(inst: dict, rng: np.random.Generator) -> dict:
    """Squared loss: ``y -> 2^k y`` with the output layer (``W`` of (4.1), ``W^(H+1)`` of
    (4.3)) scaled by ``2^k`` (k in [-20, 20], exact): outputs scale by ``2^k``, ``L`` and every
    least squares by ``4^k``, and ``theta -> theta'`` is a linear bijection, so local minima
    and the relative slack are unchanged. The cross-entropy fixes its labels in {0, 1}; there
    the weights ``lambda`` are scaled instead (see ``scale_weights``)."""
    k = int(rng.integers(-20, 21))
    if inst.get("loss", "squared") != "squared":
        return {**inst, "lambda": np.ldexp(np.asarray(inst["lambda"], dtype=np.float64), k)}
    return scale_output_layer(inst, k)


def scale_output_layer(inst: dict, k: int) -> dict:
    """The targets and the output layer (``W`` of (4.1), ``W^(H+1)`` of (4.3)) scaled by
    ``2^k`` (exact): outputs by ``2^k``, the squared loss and every least squares by ``4^k``."""
    out = {**inst, "Y": np.ldexp(np.asarray(inst["Y"], dtype=np.float64), k)}
    if "Ws" in inst:
        out["Ws"] = [*inst["Ws"][:-1], np.ldexp(np.asarray(inst["Ws"][-1]), k)]
    else:
        out["W"] = np.ldexp(np.asarray(inst["W"]), k)
    return out


# ------------------------------------------------------------------ edge strategies (k19 §4)
#
# Trained instances (built once, cached) moved to where definitions and numerics break: the
# weights at 2^+-40, exact duplicate samples, inputs at 2^+-40 with the first layer scaled
# back (outputs unchanged), eps at the ends of its range, t = H, and theta = 0 of a deep
# linear net with three layers (J = 0: a point the certificate cannot decide).

_EXTREME = (-40, 40)


def _ldexp(value, k: int) -> np.ndarray:
    return np.ldexp(np.asarray(value, dtype=np.float64), k)


def _scaled_inputs(inst: dict, k: int) -> dict:
    """``x -> 2^k x`` with the layers that read ``x`` scaled by ``2^-k`` (first layer of
    (4.3); ``U_1`` and ``R``, ``W`` of (4.1) would change ``x + R z``, so there only ``U_1`` and
    the data with ``W`` scaled by ``2^-k`` and ``R`` by ``2^k``): outputs are unchanged."""
    out = {**inst, "X": _ldexp(inst["X"], k)}
    if "Ws" in inst:
        out["Ws"] = [_ldexp(inst["Ws"][0], -k), *inst["Ws"][1:]]
    else:
        out["W"] = _ldexp(inst["W"], -k)
        out["R"] = _ldexp(inst["R"], k)
        out["U"] = [_ldexp(inst["U"][0], -k), *inst["U"][1:]]
    return out


def _edge(inst: dict, choice: str) -> dict:
    if choice == "lambda-lo":
        return {**inst, "lambda": _ldexp(inst["lambda"], _EXTREME[0])}
    if choice == "lambda-hi":
        return {**inst, "lambda": _ldexp(inst["lambda"], _EXTREME[1])}
    if choice == "lambda-huge":  # near overflow: the gradient's norm overflows
        return {**inst, "lambda": _ldexp(inst["lambda"], 1000)}
    if choice == "duplicate":
        return split_sample(inst, np.random.default_rng(0))
    if choice.startswith("inputs"):
        return _scaled_inputs(inst, _EXTREME[choice == "inputs-hi"])
    if choice.startswith("eps="):
        return {**inst, "eps": float(choice[4:])}
    return inst


_CHOICES = ("as-is", "lambda-lo", "lambda-hi", "lambda-huge", "duplicate", "inputs-lo",
            "inputs-hi")


def resnet_edges(d_y: int | None = None) -> st.SearchStrategy:
    """Edge instances of Theorem 3, its equality form and (``d_y = 1``) Proposition 1: trained
    ResNets (one with rank-deficient ``W``) with extreme weights or inputs, a duplicate
    sample, or ``eps`` at 1e-8 and 1."""
    bases = ([lambda: build_resnet(1, 2, 1, 2, 1, 20)] if d_y == 1 else
             [lambda: build_resnet(1, 3, 2, 2, 1, 20),
              lambda: build_resnet(5, 3, 2, 2, 1, 20, lifted=True)])
    return st.tuples(st.sampled_from(range(len(bases))),
                     st.sampled_from([*_CHOICES, "eps=1e-8", "eps=1.0"])).map(
        lambda a: _edge(bases[a[0]](), a[1]))


def partial_linear_edges() -> st.SearchStrategy:
    """Edge instances of Theorem 4: the lifted partial-linear local minimum (singular output
    block) at t = H - 1 and t = H (where Theta_{d_y, H} is everything), with extreme weights
    or inputs, a duplicate sample, or ``eps`` at 1e-8 and 1."""
    def draw(a):
        inst = {**build_partial_linear(3, 3, 2, 2, 2, 30, lifted=True), "t": a[0]}
        return _edge(inst, a[1])

    return st.tuples(st.sampled_from([1, 2]),
                     st.sampled_from([*_CHOICES, "eps=1e-8", "eps=1.0"])).map(draw)


@functools.cache
def deep_linear_zero() -> dict:
    """``theta = 0`` of a deep linear net with three layers (``J = 0``, Hessian 0)."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((2, 10))
    Y = rng.standard_normal((1, 2)) @ X + 0.1 * rng.standard_normal((1, 10))
    return instance(X, Y, np.ones(10), Ws=[np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((1, 2))])


@functools.cache
def _deep_linear_base() -> dict:
    return build_deep_linear(1, (3, 3, 2), 15)


def deep_linear_edges() -> st.SearchStrategy:
    """Edge instances of the deep-linear claims: a trained net with extreme weights or inputs
    or a duplicate sample, and ``theta = 0`` of a three-layer net."""
    return st.one_of(
        st.sampled_from(_CHOICES).map(lambda c: _edge(_deep_linear_base(), c)),
        st.just(0).map(lambda _: deep_linear_zero()))
