"""What the claims of Kawaguchi, Zhang & Deng (2022) Section 2 share: the instance format and its
parser, the model of an instance, the parameters and relations every claim declares,
Assumption 1's Euler residual with its rounding bound, gradient descent recording alignment
along the run, the edge values of eta, and the cost estimates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.framework import Parameter, Relation
from checks.inputs import BadInput, integer, matrix, require, vector
from checks.oracles import InstanceCache, choice
from checks.profiles import sized
from checks.strategies import k22_alignment as strat
from checks.tex import tex_number
from theory import alignment as al
from theory import trajectory as tj
from theory.losses import label_error
from theory.numerics import gamma

MODELS = ("mlp", "linear", "quartic", "wu2", "square-plus-one")
LOSSES = ("squared", "cross-entropy", "logistic", "softmax-cross-entropy")
ACTIVATIONS = ("tanh", "softplus", "sigmoid")


# ----------------------------------------------------------------------------- parsing
def _int_list(params: Mapping[str, Any], name: str, lo: int) -> list[int]:
    value = params[name]
    if not isinstance(value, list | tuple | np.ndarray):
        raise BadInput(f"{name}: expected a list of integers, got {type(value).__name__}")
    out = []
    for i, v in enumerate(list(value)):
        out.append(integer({f"{name}[{i}]": v}, f"{name}[{i}]", lo=lo))
    return out


def _n_params(kind: str, widths: list[int] | None, m_x: int) -> int:
    if kind == "mlp":
        return strat.n_params(widths)
    return {"linear": m_x, "quartic": 1, "wu2": 2, "square-plus-one": 1}[kind]


def parse_base(params: Mapping[str, Any]) -> dict[str, Any]:
    """The shared part of every instance of this module; raises :class:`BadInput`."""
    require(params, "model", "theta", "X", "Y", "loss")
    kind = choice(params, "model", MODELS)
    X, Y = matrix(params, "X"), matrix(params, "Y")
    if X.shape[0] != Y.shape[0]:
        raise BadInput(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    loss = choice(params, "loss", LOSSES)
    if (why := label_error(loss, Y)) is not None:
        raise BadInput(f"Y: {why}")
    inst: dict[str, Any] = {"model": kind, "X": X, "Y": Y, "loss": loss}
    widths = None
    if kind == "mlp":
        require(params, "widths", "activation")
        widths = _int_list(params, "widths", lo=1)
        if len(widths) < 2 or widths[0] != X.shape[1] or widths[-1] != Y.shape[1]:
            raise BadInput(f"widths {widths} must run from m_x = {X.shape[1]} to "
                           f"m_y = {Y.shape[1]} with at least two entries")
        inst.update(widths=widths, activation=choice(params, "activation", ACTIVATIONS),
                    output=choice(params, "output", ("linear", "tanh"), "linear"))
    elif Y.shape[1] != 1:
        raise BadInput(f"Y: the {kind} model has one output, got m_y = {Y.shape[1]}")
    d = _n_params(kind, widths, X.shape[1])
    inst["theta"] = vector(params, "theta", d)
    if params.get("S") is not None:
        S = _int_list(params, "S", lo=0)
        if any(k >= d for k in S):
            raise BadInput(f"S: indices must be < d = {d}")
        inst["S"] = S
    return inst


_MODELS: dict[tuple, Any] = {}


def instance_model(inst: Mapping[str, Any]) -> Any:
    """The model ``f(x, theta)`` an instance names (a net of :mod:`theory.trajectory` or one of
    the scalar examples of §2.1.3 and §2.4), with its index set ``S`` of Assumption 1; one
    object per shape, so its Jacobian buffers are reused."""
    key = (inst["model"], tuple(inst.get("widths") or ()), inst.get("activation"),
           inst.get("output"), inst["X"].shape[1],
           None if inst.get("S") is None else tuple(inst["S"]))
    if key not in _MODELS:
        _MODELS[key] = tj.make_model(
            inst["model"], d=inst["X"].shape[1], widths=inst.get("widths"),
            activation=inst.get("activation") or "tanh", output=inst.get("output") or "linear",
            S=inst.get("S"))
    return _MODELS[key]


def _d(inst: Mapping[str, Any]) -> int:
    return int(inst["theta"].size)


def _size(inst: Mapping[str, Any]) -> dict[str, float]:
    return {"n": inst["Y"].shape[0], "m_y": inst["Y"].shape[1], "d": _d(inst)}


# runs shared by a claim's hypotheses and its measure
_CACHE = InstanceCache(64)


# ------------------------------------------------------------- parameters and relations
BASE_PARAMETERS = [
    Parameter("model", "name", r"the model $f(x,\theta)$: mlp (a net with a linear last layer), "
              r"linear ($f=x^\top\theta$), quartic (section 2.1.3), wu2 ($f=wu^2$), "
              r"square-plus-one ($f=\theta^2+1$)", " | ".join(MODELS)),
    Parameter("theta", "d", r"the parameters $\theta\in\mathbb R^d$",
              "finite, length $d$ of the model"),
    Parameter("X", "n x m_x", "the inputs $x_i$, one row per sample", "finite"),
    Parameter("Y", "n x m_y", "the targets $y_i$, one row per sample",
              r"finite; $\{0,1\}$ for cross-entropy, $\{-1,+1\}$ for logistic, one-hot rows "
              r"($m_y\ge2$) for softmax-cross-entropy"),
    Parameter("loss", "name", r"the per-sample loss $\ell(q,y)$", " | ".join(LOSSES)),
    Parameter("widths", "H + 1", r"the layer widths $[m_x,h_1,\dots,m_y]$ (mlp only)",
              r"integers $\ge1$, from $m_x$ to $m_y$, at least two", None),
    Parameter("activation", "name", "the hidden activation (mlp only)",
              " | ".join(ACTIVATIONS), None),
    Parameter("output", "name", "the output map: linear (the pre-activation $f$) or tanh "
              "counted as part of $f$ (mlp only)", "linear | tanh", "linear"),
    Parameter("S", "|S|", "the index set $S$ of Assumption 1 (default: the parameters $f$ is "
              "linear in, the last layer's $W$ and $b$ for mlp)", "integers in $[0,d)$", None),
]
_GAP_PARAMETERS = [
    Parameter("alpha", "scalar", r"$\alpha$ of the step $2\alpha/L$", "$(0,1)$"),
    Parameter("L", "scalar", "the smoothness constant $L$ of Assumption 3 along the run",
              r"$(0,\infty)$"),
    Parameter("T_set", "|T|", r"the finite nonempty set $\mathcal T$ of iterations",
              "integers in $[0,100000]$, nonempty"),
]
_ETA = Parameter("eta", "scalar", r"the scale $\eta$ of $\eta Y^*$", "finite", 1.0)
_ETA_ONE = Parameter("eta", "scalar", r"$\eta$, chosen by the corollary itself (only the "
                     "default is accepted)", r"$\{1\}$", 1.0)


_RUN = ("; the claim runs gradient descent, whose floating-point iterates differ by "
        "rounding (sums taken in another order) that the run carries along, so only the "
        "status is compared")


def _relations(*extra: Relation, run: bool = False) -> list[Relation]:
    """The relations every claim of section 2 has, and the claim's own; ``run`` for the claims
    that run gradient descent (equivariant in exact arithmetic only)."""
    why = _RUN if run else ""
    return [
        Relation("permute-samples", r"the samples in another order: $\mathcal L$ is a mean "
                 r"over samples and the rows of $J$ permute with $\operatorname{vec}(Y')$, so "
                 "every side is unchanged"
                 + why,
                 strat.permute_samples, same_slack=not run),
        Relation("permute-hidden-units", "the hidden units of each layer relabelled: $f$ is the "
                 "same function, the columns of $J$ are permuted, $S$ maps onto itself and "
                 "gradient descent maps iterate to iterate" + why, strat.permute_hidden_units,
                 same_slack=not run),
        Relation("rotate-inputs", "an orthogonal change of basis of the inputs with the first "
                 "layer rotated back: pre-activations are unchanged, $J$ is multiplied by an "
                 "orthogonal matrix, gradient descent is equivariant" + why,
                 strat.rotate_inputs, same_slack=not run),
        *extra,
    ]


# ------------------------------------------------------------------- shared measurements
def rounding_terms(inst: Mapping[str, Any]) -> int:
    """How many roundings one output or Jacobian entry accumulates, at most (forward pass
    through every layer plus the d-term product J nu)."""
    return 2 * (_d(inst) + sum(inst.get("widths") or [inst["X"].shape[1], 1]))


def _euler(inst: Mapping[str, Any], theta: np.ndarray, F: np.ndarray, J: np.ndarray
           ) -> tuple[float, float, np.ndarray]:
    """Assumption 1 at theta: the residual ||vec f - J nu||_inf, its rounding tolerance, nu."""
    nu = al.structure_vector(theta, instance_model(inst).S)
    e, scale = al.euler_residual(F.reshape(-1), J, nu)
    return e, gamma(rounding_terms(inst)) * scale, nu


_EULER_DERIVATION = (r"$\gamma_k(\|f\|_\infty+\|J\|_\infty\|\nu\|_1)$, "
                     r"$k=2\,(d+\textstyle\sum_l m_l)$ (the sum of the widths): roundings of "
                     r"the forward pass and of the $d$-term product $J\nu$")


def _structure_ok(inst: Mapping[str, Any], thetas: list[np.ndarray]) -> bool | str:
    model = instance_model(inst)
    for theta in thetas:
        F, J = model.forward(theta, inst["X"]), model.jacobian(theta, inst["X"])
        e, tol, _ = _euler(inst, theta, F, J)
        if e > tol:
            return rf"$f-J\nu={tex_number(e)}$ exceeds its rounding bound ${tex_number(tol)}$"
    return True


def _ystar(inst: Mapping[str, Any]) -> np.ndarray:
    """Y^* of Theorems 2-3: the instance's ``Ystar`` or else the modified target Y'."""
    if inst.get("Ystar") is not None:
        return inst["Ystar"]
    return al.modified_target(inst["Y"], inst["loss"])



def _linear_last_layer(inst: Mapping[str, Any]) -> bool | str:
    """Assumption 1's sufficient structure: f is linear in theta_S (f = W h(x, u) + b with S
    the indices of (W, b); all of theta for a linear model). Decided from the model's form,
    exactly: S, given or not, must be the set of parameters f is linear in (in any order)."""
    model = instance_model(inst)
    what = f"the {inst['model']} model" + (" with a tanh output" if inst.get("output") ==
                                           "tanh" else "")
    if model.linear_in is None:
        return f"{what} is linear in no set of its parameters"
    S = inst.get("S")
    if S is None or set(S) == {int(k) for k in model.linear_in}:
        return True
    return (f"$S$ ({len(set(S))} indices) is not the set {what} is linear in (the "
            f"{len(model.linear_in)} indices ${int(model.linear_in[0])},\\dots,"
            f"{int(model.linear_in[-1])}$)")


def st_int(lo: int, hi: int) -> Any:
    from hypothesis import strategies as st

    return st.integers(lo, hi)


def st_hidden(profile: str) -> Any:
    from hypothesis import strategies as st

    hi = sized(profile, small=8, large=16)
    return st.lists(st.integers(2, hi), min_size=1, max_size=sized(profile, small=2, large=3))


# ============================================================ trajectories (Theorems 2, 3)
def run_gradient_descent(inst: Mapping[str, Any], step_size: float, steps: int,
                         Tset: set[int] | None) -> tj.Trajectory:
    """Gradient descent from the instance's theta, recording DAA (for Y^*) and Assumption 1
    at the iterates in ``Tset`` (all when None)."""
    b = _ystar(inst).reshape(-1)

    def record(st: tj.Step) -> dict[str, Any]:
        if Tset is not None and st.t not in Tset:
            return {}
        e, tol, nu = _euler(inst, st.theta, st.F, st.J)
        w = al.bias_witness(st.J, b, inst["Y"].shape[1]) if inst["model"] == "mlp" else None
        return {"daa": al.membership(b, J=st.J, witness=w), "euler": e, "euler_tol": tol,
                "nu": nu}

    return tj.gradient_descent(instance_model(inst), inst["loss"], inst["theta"], inst["X"],
                               inst["Y"], step_size=step_size, steps=steps, record=record,
                               keep=lambda t: Tset is None or t in Tset)


def descent_tolerance(inst: Mapping[str, Any], a: float, b: float) -> float:
    """The rounding of two loss evaluations ``L(theta^t)``, ``L(theta^{t+1})`` of sizes ``a``
    and ``b``: ``gamma_{p+k} (|a| + |b|)``, the slack of the descent inequalities of Theorems
    2-3 (step rule (i); ``L(theta^{t+1}) <= L(theta^t) - c ||grad L||^2``)."""
    return gamma(inst["Y"].size + rounding_terms(inst)) * (abs(a) + abs(b))


_EDGE_ETAS = (0.0, 1.0, -1.0, 2.0**-40, 2.0**40)


# ---------------------------------------------------------------- cost estimates per claim
# Seconds on this project's reference machine (2 shared cores, one BLAS thread), fitted to
# timed checks and doubled: a Jacobian (forward and back-propagation over n m_y outputs) costs
# about 1e-3 + 4e-8 p d, an SVD of the p x d Jacobian about 6e-9 p d min(p, d).
def _jacobian_seconds(inst: Mapping[str, Any]) -> float:
    return 1e-3 + 4e-8 * inst["Y"].size * _d(inst)


def _svd_seconds(inst: Mapping[str, Any]) -> float:
    p, d = inst["Y"].size, _d(inst)
    return 6e-9 * p * d * min(p, d)


def _cost_pointwise(inst: Mapping[str, Any]) -> float:
    """One Jacobian, its SVD and M = J J^T's eigenvalues (Assumption 1, Definition 2, eqs
    2.1-2.4, Proposition 1)."""
    return _jacobian_seconds(inst) + _svd_seconds(inst) + 6e-9 * inst["Y"].size ** 3


def _cost_limit(inst: Mapping[str, Any]) -> float:
    """Theorem 2: a Jacobian and a membership SVD at every one of ``steps`` iterates."""
    return inst["steps"] * (_jacobian_seconds(inst) + _svd_seconds(inst))


def _cost_gap(inst: Mapping[str, Any]) -> float:
    """Theorem 3: a Jacobian at every step up to max T, a membership SVD at each t in T."""
    T = inst["T_set"]
    return (T[-1] + 1) * _jacobian_seconds(inst) + len(T) * _svd_seconds(inst)
