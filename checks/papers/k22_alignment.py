"""Kawaguchi, Zhang & Deng (2022), Section 2: common model structure (Assumption 1),
data-architecture alignment (Definition 2), full-rank stationary points (eqs 2.1-2.4), the
necessity of alignment (Proposition 1), limit points (Theorem 2) and the per-iteration
optimality-gap bound (Theorem 3, eqs 2.10-2.12).

Instances share one format: ``model`` (``mlp``, ``linear``, ``quartic``, ``wu2``,
``square-plus-one``), for nets ``widths``, ``activation`` and ``output`` (``linear`` or
``tanh``), an optional index set ``S``, parameters ``theta``, data ``X`` (n x m_x) and ``Y``
(n x m_y), and ``loss`` (``squared``, ``cross-entropy`` on {0,1} labels, ``logistic`` on
{-1,+1} labels, ``softmax-cross-entropy`` on one-hot rows with m_y >= 2); each claim adds its
own parameters. Membership in a column space is decided
by our clear-gap rule (:func:`theory.alignment.membership`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.framework import (
    REQUIRED,
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Relation,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_flag,
)
from checks.inputs import BadInput, integer, matrix, real, require, vector
from checks.oracles import InstanceCache, choice
from checks.profiles import profile_name, sized
from checks.registry import register
from checks.reproductions.k22_lenet import figure1bc
from checks.strategies import k22_alignment as strat
from theory import alignment as al
from theory import trajectory as tj
from theory.losses import get_loss, label_error
from theory.numerics import gamma

__all__ = ["parse_base", "parse_eq211", "parse_eq212", "parse_gap", "parse_limit",
           "parse_prop1", "parse_stationary"]

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


def _model(inst: Mapping[str, Any]) -> Any:
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
    Parameter("model", "name", "the model f(x, theta): mlp (a net with a linear last layer), "
              "linear (f = x^T theta), quartic (section 2.1.3), wu2 (f = w u^2), "
              "square-plus-one (f = theta^2 + 1)", " | ".join(MODELS)),
    Parameter("theta", "d", "the parameters theta in R^d", "finite, length d of the model"),
    Parameter("X", "n x m_x", "the inputs x_i, one row per sample", "finite"),
    Parameter("Y", "n x m_y", "the targets y_i, one row per sample",
              "finite; {0, 1} for cross-entropy, {-1, +1} for logistic, one-hot rows "
              "(m_y >= 2) for softmax-cross-entropy"),
    Parameter("loss", "name", "the per-sample loss l(q, y)", " | ".join(LOSSES)),
    Parameter("widths", "H + 1", "the layer widths [m_x, h_1, ..., m_y] (mlp only)",
              "integers >= 1, from m_x to m_y, at least two", None),
    Parameter("activation", "name", "the hidden activation (mlp only)",
              " | ".join(ACTIVATIONS), None),
    Parameter("output", "name", "the output map: linear (the pre-activation f) or tanh "
              "counted as part of f (mlp only)", "linear | tanh", "linear"),
    Parameter("S", "|S|", "the index set S of Assumption 1 (default: the parameters f is "
              "linear in, the last layer's W and b for mlp)", "integers in [0, d)", None),
]
_GAP_PARAMETERS = [
    Parameter("alpha", "scalar", "alpha of the step 2 alpha / L", "(0, 1)"),
    Parameter("L", "scalar", "the smoothness constant L of Assumption 3 along the run",
              "(0, inf)"),
    Parameter("T_set", "|T|", "the finite nonempty set T of iterations",
              "integers in [0, 100000], nonempty"),
]
_ETA = Parameter("eta", "scalar", "the scale eta of eta Y^*", "finite", 1.0)
_ETA_ONE = Parameter("eta", "scalar", "eta, chosen by the corollary itself (only the default "
                     "is accepted)", "{1}", 1.0)


_RUN = ("; the claim runs gradient descent, whose floating-point iterates differ by "
        "rounding (sums taken in another order) that the run carries along, so only the "
        "status is compared")


def _relations(*extra: Relation, run: bool = False) -> list[Relation]:
    """The relations every claim of section 2 has, and the claim's own; ``run`` for the claims
    that run gradient descent (equivariant in exact arithmetic only)."""
    why = _RUN if run else ""
    return [
        Relation("permute-samples", "the samples in another order: L is a mean over samples "
                 "and J's rows permute with vec(Y'), so every side is unchanged" + why,
                 strat.permute_samples, same_slack=not run),
        Relation("permute-hidden-units", "the hidden units of each layer relabelled: f is the "
                 "same function, J's columns are permuted, S maps onto itself and gradient "
                 "descent maps iterate to iterate" + why, strat.permute_hidden_units,
                 same_slack=not run),
        Relation("rotate-inputs", "an orthogonal change of basis of the inputs with the first "
                 "layer rotated back: pre-activations are unchanged, J is multiplied by an "
                 "orthogonal matrix, gradient descent is equivariant" + why,
                 strat.rotate_inputs, same_slack=not run),
        *extra,
    ]


# ------------------------------------------------------------------- shared measurements
def _rounding_terms(inst: Mapping[str, Any]) -> int:
    """How many roundings one output or Jacobian entry accumulates, at most (forward pass
    through every layer plus the d-term product J nu)."""
    return 2 * (_d(inst) + sum(inst.get("widths") or [inst["X"].shape[1], 1]))


def _euler(inst: Mapping[str, Any], theta: np.ndarray, F: np.ndarray, J: np.ndarray
           ) -> tuple[float, float, np.ndarray]:
    """Assumption 1 at theta: the residual ||vec f - J nu||_inf, its rounding tolerance, nu."""
    nu = al.structure_vector(theta, _model(inst).S)
    e, scale = al.euler_residual(F.reshape(-1), J, nu)
    return e, gamma(_rounding_terms(inst)) * scale, nu


_EULER_DERIVATION = ("gamma_k (||f||_inf + ||J||_inf ||nu||_1), k = 2 (d + sum of widths): "
                     "roundings of the forward pass and of the d-term product J nu")


def _structure_ok(inst: Mapping[str, Any], thetas: list[np.ndarray]) -> bool | str:
    model = _model(inst)
    for theta in thetas:
        F, J = model.forward(theta, inst["X"]), model.jacobian(theta, inst["X"])
        e, tol, _ = _euler(inst, theta, F, J)
        if e > tol:
            return f"f - J nu = {e:.3g} exceeds its rounding bound {tol:.3g}"
    return True


def _ystar(inst: Mapping[str, Any]) -> np.ndarray:
    """Y^* of Theorems 2-3: the instance's ``Ystar`` or else the modified target Y'."""
    if inst.get("Ystar") is not None:
        return inst["Ystar"]
    return al.modified_target(inst["Y"], inst["loss"])


# =========================================================================== k22.asm1
def _linear_last_layer(inst: Mapping[str, Any]) -> bool | str:
    """Assumption 1's sufficient structure: f is linear in theta_S (f = W h(x, u) + b with S
    the indices of (W, b); all of theta for a linear model). Decided from the model's form,
    exactly: S, given or not, must be the set of parameters f is linear in (in any order)."""
    model = _model(inst)
    what = f"the {inst['model']} model" + (" with a tanh output" if inst.get("output") ==
                                           "tanh" else "")
    if model.linear_in is None:
        return f"{what} is linear in no set of its parameters"
    S = inst.get("S")
    if S is None or set(S) == {int(k) for k in model.linear_in}:
        return True
    return (f"S ({len(set(S))} indices) is not the set {what} is linear in (the "
            f"{len(model.linear_in)} indices {int(model.linear_in[0])}.."
            f"{int(model.linear_in[-1])})")


def measure_asm1(inst: Mapping[str, Any]) -> Verdict:
    """Assumption 1: f(x_i, theta) = sum_{k in S} theta_k df(x_i, theta)/dtheta_k for all i."""
    model = _model(inst)
    F, J = model.forward(inst["theta"], inst["X"]), model.jacobian(inst["theta"], inst["X"])
    e, tol, nu = _euler(inst, inst["theta"], F, J)
    scale = float(np.max(np.abs(F)) + np.max(np.abs(J)) * np.sum(np.abs(nu)))
    return decide(e, 0.0, relation="<=", tolerance=Tolerance(tol, _EULER_DERIVATION),
                  scale=max(scale, float(np.max(np.abs(F)))),
                  diagnostics={"euler_residual": e, "|S|": int(len(model.S))})


def _asm1_controls() -> list[dict[str, Any]]:
    tanh_out = strat.build_mlp_instance(7, 8, 2, [5, 4], 1, "tanh", "squared", "random", 1.0)
    tanh_out["output"] = "tanh"
    tanh_out["theta"] = 3.0 * tanh_out["theta"]
    quartic = {"model": "quartic", "theta": np.array([1.0]), "X": np.zeros((1, 1)),
               "Y": np.zeros((1, 1)), "loss": "squared", "S": [0]}
    return [tanh_out, quartic]


ASM1 = Claim(
    id="k22.asm1", paper="k22", source="Assumption 1 (arXiv Assumption 2), section 2.1.1",
    title="Common model structure: $f$ is its own $S$-directional derivative",
    statement=r"f(x_i,\theta)=\sum_{k=1}^d \mathbb 1\{k\in S\}\,\theta_k\,"
              r"\frac{\partial f(x_i,\theta)}{\partial\theta_k}\quad\forall i\in[n]",
    measure=measure_asm1, parse=parse_base,
    strategy=lambda profile: strat.mlp_instances(
        n=st_int(1, 8), m_y=st_int(1, 2), hidden=st_hidden(profile)),
    hypotheses=[Hypothesis("linear-last-layer",
                           r"f(x,\theta)=W h(x,u)+b,\ S=\text{indices of }(W,b)",
                           _linear_last_layer)],
    controls=[Control(
        "tanh-output-or-quartic", drops="linear-last-layer",
        description="tanh counted as part of $f$ (Euler residual about 0.46), and the quartic "
                    r"$\theta^4-10\theta^2+6\theta+100$ with $S=\{1\}$: $f-\theta f'=107$ at "
                    r"$\theta=1$, so the Euler identity fails",
        instances=_asm1_controls)],
    decides=r"The Euler residual $\|\operatorname{vec}f_X-J\nu\|_\infty$ against the rounding "
            r"bound of the forward pass and of $J\nu$; $S$ = the last layer's weights and "
            "biases.",
    errata=[Erratum("transcription", "The text we worked from writes $x$ on the left of the "
                    "identity and $x_i$ on the right; both are read as $x_i$.")],
    size=_size, tightness=False, max_examples={"ci": 15},
)


def st_int(lo: int, hi: int) -> Any:
    from hypothesis import strategies as st

    return st.integers(lo, hi)


def st_hidden(profile: str) -> Any:
    from hypothesis import strategies as st

    hi = sized(profile, small=8, large=16)
    return st.lists(st.integers(2, hi), min_size=1, max_size=sized(profile, small=2, large=3))


# =========================================================================== k22.def2
def _daa(inst: Mapping[str, Any]) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        J = _model(inst).jacobian(inst["theta"], inst["X"])
        b = al.modified_target(inst["Y"], inst["loss"]).reshape(-1)
        w = al.bias_witness(J, b, inst["Y"].shape[1]) if _constant_target(inst) else None
        return {"J": J, "b": b, "byJ": al.membership(b, J=J, witness=w),
                "byM": al.membership(b, M=J @ J.T),
                "rank": al.membership(np.ones(J.shape[0]), J=J)}

    return _CACHE.get("daa", inst, run)


def _full_row_rank(inst: Mapping[str, Any]) -> bool:
    m = _daa(inst)["rank"]
    return m.rank == _daa(inst)["J"].shape[0] and m.s[m.rank - 1] > al.GAP * m.delta


def _constant_target(inst: Mapping[str, Any]) -> bool:
    Yp = al.modified_target(inst["Y"], inst["loss"])
    return inst["model"] == "mlp" and inst.get("S") is None and bool(np.all(Yp == Yp[0]))


def _aligned_structure(inst: Mapping[str, Any]) -> bool | str:
    if _full_row_rank(inst) or _constant_target(inst):
        return True
    return "J has no certified full row rank and Y' is not a constant column (bias) target"


def measure_def2(inst: Mapping[str, Any]) -> Verdict:
    """Definition 2: vec(Y') in Col(J(theta)), decided by the clear-gap rule on J's SVD and
    cross-checked on the eigenvalues of M = J J^T."""
    r = _daa(inst)
    byJ, byM = r["byJ"], r["byM"]
    diag = {"byJ": byJ.summary(), "byM": byM.summary(),
            "lambda_min_M": al.smallest_eigenvalue_M(r["J"]),
            "full_row_rank": _full_row_rank(inst)}
    if byJ.member is not None and byM.member is not None and byJ.member != byM.member:
        return decide_flag(None, message="the SVD of J and the eigenvalues of M disagree",
                           diagnostics=diag)
    msg = {True: "vec(Y') in Col(J)", False: "vec(Y') not in Col(J)",
           None: "no certified decision: " + byJ.reason}[byJ.member]
    return decide_flag(byJ.member, message=msg, diagnostics=diag,
                       tolerance=Tolerance(byJ.member_below,
                                           "rho <= 10 sqrt(p) u s_1 / s_r (clear-gap rule)"),
                       certificate=f"distance of vec(Y') to Col(J) beyond the clear-gap rule "
                       f"(SVD of J and eigenvalues of M agree): {byJ.reason}")


def _def2_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    # d >= 2 n m_y gives full row rank for almost every theta, not a certified one: keep the
    # draws whose rank the hypothesis certifies (a thorough run drew 3 in 1000 that it did not)
    overparameterised = strat.mlp_instances(overparameterised=True, m_y=st_int(1, 2),
                                            hidden=st_hidden(profile))
    return st.one_of(
        overparameterised.filter(_full_row_rank),
        strat.mlp_instances(overparameterised=False, target="constant", m_y=st_int(1, 2),
                            hidden=st_hidden(profile)),
        strat.mlp_instances(overparameterised=False, target="constant", loss="cross-entropy",
                            hidden=st_hidden(profile)),
        strat.multiclass_instances(hidden=st_hidden(profile)).filter(_full_row_rank),
    )


def _def2_controls() -> list[dict[str, Any]]:
    a = strat.build_mlp_instance(3, 40, 2, [3], 1, "tanh", "squared", "random", 1.0)
    b = strat.build_mlp_instance(4, 30, 2, [4], 1, "tanh", "cross-entropy", "random", 1.0)
    return [a, b]


def _def2_multiclass_controls() -> list[dict[str, Any]]:
    """Softmax cross-entropy with random one-hot labels and d < n m_y: a [2,3,3] tanh net
    (d = 21) on n = 12 samples of 3 classes (n m_y = 36)."""
    return [strat.build_mlp_instance(6, 12, 2, [3], 3, "tanh", "softmax-cross-entropy",
                                     "random", 1.0)]


DEF2 = Claim(
    id="k22.def2", paper="k22", source="Definition 2 (arXiv Definition 3), section 2.1.2; "
                                       "remark after eq. (2.4)",
    title="Data-architecture alignment holds under full row rank or a bias-aligned target",
    statement=r"\lambda_{\min}(J J^\top)>0\ \text{or}\ Y'=\mathbf 1 c^\top\ \Rightarrow\ "
              r"\operatorname{vec}(Y')\in\operatorname{Col}\Big(\frac{\partial\operatorname{vec}"
              r"(f_X(\theta))}{\partial\theta}\Big)",
    measure=measure_def2, parse=parse_base, strategy=_def2_strategy,
    hypotheses=[Hypothesis("full-rank-or-constant-target",
                           r"\lambda_{\min}(M(\theta))>0\ \text{or}\ Y'=\mathbf 1c^\top",
                           _aligned_structure)],
    controls=[Control(
        "underparameterised-random-target", drops="full-rank-or-constant-target",
        description="$d<n$ with random targets (a $[2,3,1]$ tanh net, $n=40$, "
                    r"$\rho\approx0.87$; and a cross-entropy variant): "
                    r"$\operatorname{vec}(Y')$ is certified outside $\operatorname{Col}(J)$",
                    instances=_def2_controls),
              Control(
        "underparameterised-multiclass", drops="full-rank-or-constant-target",
        description=r"Softmax cross-entropy, $d<nm_y$ with random one-hot labels (a "
                    r"$[2,3,3]$ tanh net, $d=21$, $n=12$, $m_y=3$): "
                    r"$\operatorname{vec}(Y')=\operatorname{vec}(2Y-1)$ is certified outside "
                    r"$\operatorname{Col}(J)$", instances=_def2_multiclass_controls)],
    decides="Certified membership: a cut-off at a clear gap in $J$'s singular values (noise "
            r"floor $10\max(p,q)\,u\,s_1$, gap $10^3$), the projection residual against "
            r"$10\sqrt p\,u\,s_1/s_r$; inconclusive without a gap. Also reports "
            r"$\lambda_{\min}(M)$, which is 0 on the constant-target instances while alignment "
            "holds.",
    errata=[Erratum("transcription", "The text we worked from drops the prime: alignment is "
                    "about the modified target $Y'$ ($Y$ for the squared loss, $2Y-1$ for "
                    "cross-entropy)."),
            Erratum("method note", "The paper gives no numerical cut-off for membership; the "
                    "verdict here uses a spectral-gap rule and says inconclusive when there is "
                    "no gap. $Q_T$ (eq. 2.5) depends on the cut-off: in the Figure 1a "
                    "reproduction two moons has $Q=0$ at cut-offs $10^{-10}$ and $10^{-13}$ but "
                    "$Q>0$ at $10^{-6}$, and the sine wave flips from $Q=T$ ($10^{-6}$, "
                    "$10^{-10}$) to $Q=0$ ($10^{-13}$) while the gap rule finds no gap at all."),
            Erratum("paper error", r"Eq. (2.5) sums $t=0,\dots,T$, so constant failure gives "
                    "$Q_T=T+1$, not the $Q_T=T$ of §2.2's prose."),
            Erratum("interpretation", "§2.2 describes the fully connected network as 'four "
                    "layers with 300 neurons per hidden layer' and gives no parameter count in "
                    "the text we worked from (its experimental details are in the supplementary "
                    "Appendix B, which we did not have). The ~271,000 is our count under our "
                    "reading of 4 hidden layers of 300 units: with the 1-D sine input "
                    r"$(1\cdot300+300)+3(300\cdot300+300)+(300+1)=271{,}801$ parameters "
                    "($n=100$). Under the paper's own convention of §3.1 ($H$ trainable layers "
                    "is one plus the number of hidden layers), 'four layers' would be 3 hidden "
                    "layers, $181{,}501$ parameters.")],
    size=_size, max_examples={"ci": 15},
)


# ======================================================================= k22.eq2.1-2.4
def parse_stationary(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_base(params)
    inst["eta"] = real(params, "eta", default=1.0)
    return inst


def _state(inst: Mapping[str, Any]) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        value, g, F, J, v = tj.objective(_model(inst), inst["loss"], inst["theta"], inst["X"],
                                         inst["Y"])
        return {"L": value, "g": g, "F": F, "J": J, "v": v,
                "rank": al.membership(np.ones(J.shape[0]), J=J)}

    return _CACHE.get("state", inst, run)


def _full_rank(inst: Mapping[str, Any]) -> bool | str:
    m = _state(inst)["rank"]
    if m.rank == _state(inst)["J"].shape[0] and m.s[m.rank - 1] > al.GAP * m.delta:
        return True
    return f"lambda_min(M) not certified positive (rank {m.rank} of {_state(inst)['J'].shape[0]})"


def measure_stationary(inst: Mapping[str, Any]) -> Verdict:
    """Eqs (2.1)-(2.4): with lambda_min(M) > 0 the loss vector satisfies ||v|| <= ||J^T v|| /
    s_min(J), so by convexity L(theta) - L*(Q) <= ||grad L|| ||vec f - vec Q|| / s_min(J) for
    every Q (here Q = eta Y'); at a stationary point the right side is 0: a global minimum."""
    s = _state(inst)
    Q = inst["eta"] * al.modified_target(inst["Y"], inst["loss"])
    lhs = s["L"] - al.lstar(Q, inst["Y"], inst["loss"])
    gnorm, dist = float(np.linalg.norm(s["g"])), float(np.linalg.norm(s["F"] - Q))
    sv = np.linalg.svd(s["J"], compute_uv=False)
    smin = float(sv[-1]) if sv.size == s["J"].shape[0] else 0.0
    # a backward-stable SVD moves each singular value by at most the noise floor delta of the
    # clear-gap rule, so 1/s_min is known to a factor s_min / (s_min - delta)
    delta = s["rank"].delta
    if gnorm == 0.0:
        rhs, svd_err = 0.0, 0.0  # the paper's step: J^T v = 0 and full rank give v = 0
    elif smin > delta:
        rhs = gnorm * dist / smin
        svd_err = rhs * delta / (smin - delta)
    else:
        return decide_flag(None, message="J is rank deficient and theta is not stationary")
    p = s["F"].size
    # the computed gradient carries the forward pass's rounding through l'' (2 for the
    # squared loss, 1/4 for the logistic ones, 1/2 for softmax) and the product J^T v; near a
    # stationary point that, not rhs itself, is the size of rhs's error
    normJ = float(sv[0]) if sv.size else 0.0
    f_err = gamma(_rounding_terms(inst)) * (float(np.linalg.norm(s["F"])) + normJ * float(
        np.linalg.norm(inst["theta"])))
    curv = get_loss(inst["loss"]).curvature
    g_err = normJ * (curv / inst["Y"].shape[0] * f_err + gamma(_d(inst)) * float(
        np.linalg.norm(s["v"])))
    grad_err = g_err * dist / (smin - delta) if smin > delta else 0.0
    tol = gamma(p + _rounding_terms(inst)) * (abs(s["L"]) + abs(lhs - s["L"]) + rhs) + svd_err \
        + grad_err
    return decide(lhs, rhs, relation="<=",
                  tolerance=Tolerance(tol, "gamma_{p+k} (L + L*(Q) + rhs) + rhs delta / (s_min "
                                           "- delta) + e_g ||f - Q|| / (s_min - delta): sums "
                                           "of p losses, s_min to the SVD's noise floor delta, "
                                           "and the gradient's rounding e_g = ||J|| (l'' e_f / "
                                           "n + gamma_d ||v||), e_f = gamma_k (||f|| + ||J|| "
                                           "||theta||)"),
                  scale=max(abs(lhs), rhs, abs(s["L"])),
                  diagnostics={"grad_norm": gnorm, "s_min_J": smin, "loss": s["L"]})


def _stationary_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    def descend(inst: dict[str, Any], steps: int) -> dict[str, Any]:
        if steps:
            model = _model(inst)
            L = tj.step_constant(model, inst["loss"], inst["theta"], inst["X"], inst["Y"],
                                 alpha=0.5, steps=steps)
            traj = tj.gradient_descent(model, inst["loss"], inst["theta"], inst["X"], inst["Y"],
                                       step_size=1.0 / L, steps=steps, keep=lambda t: False)
            inst = {**inst, "theta": traj.steps[-1].theta}
        return {**inst, "eta": 1.0}

    hi = sized(profile, small=30, large=200)
    nets = st.one_of(strat.mlp_instances(overparameterised=True, hidden=st_hidden(profile)),
                     strat.mlp_instances(overparameterised=True, loss="cross-entropy",
                                         hidden=st_hidden(profile)),
                     strat.multiclass_instances(hidden=st_hidden(profile)))
    # over-parameterised nets have J of full row rank generically; a descent of up to 200
    # steps can end where saturated sigmoids leave lambda_min(J J^T) too small to certify
    # (1 draw in 1000 under thorough, seed 3): not an instance of the hypothesis. Each
    # rejection costs a descent, so rejections count against the example (bounded_filter).
    return strat.bounded_filter(st.tuples(nets, st.integers(0, hi)).map(lambda t: descend(*t)),
                                lambda inst: _full_rank(inst) is True,
                                lambda: dict(_stationary_fallback()))


@functools.lru_cache(maxsize=1)
def _stationary_fallback() -> dict[str, Any]:
    """The fixed instance the strategy of eqs (2.1)-(2.4) gives when its draws are rejected: a
    tanh net with 2 samples and 8 hidden units at its drawn parameters (the first seed whose
    J has certified full row rank)."""
    for seed in range(100):
        inst = {**strat.build_mlp_instance(seed, 2, 1, [8], 1, "tanh", "squared", "random",
                                           1.0), "eta": 1.0}
        if _full_rank(inst) is True:
            return inst
    raise RuntimeError("no fallback instance for eqs (2.1)-(2.4)")  # pragma: no cover


def _stationary_controls() -> list[dict[str, Any]]:
    plus_one = {"model": "square-plus-one", "theta": np.array([0.0]), "X": np.zeros((1, 1)),
                "Y": np.zeros((1, 1)), "loss": "squared", "eta": 1.0}
    net = strat.build_mlp_instance(5, 4, 2, [3], 1, "tanh", "squared", "random", 1.0)
    net.update(theta=np.zeros_like(net["theta"]), Y=np.array([[1.0], [-1.0], [2.0], [-2.0]]),
               eta=1.0)
    return [plus_one, net]


STATIONARY = Claim(
    id="k22.eq2.1-2.4", paper="k22", source="Section 2.1.2, eqs (2.1)-(2.4)",
    title=r"Stationary points with $\lambda_{\min}(JJ^\top)>0$ are global minima",
    statement=r"\lambda_{\min}(J J^\top)>0\Rightarrow\ \mathcal L(\theta)-\mathcal L^*(Q)\le"
              r"\frac{\|\nabla\mathcal L(\theta)\|\,\|\operatorname{vec}(f_X(\theta)-Q)\|}"
              r"{\sqrt{\lambda_{\min}(JJ^\top)}}\ \forall Q",
    measure=measure_stationary, parse=parse_stationary, strategy=_stationary_strategy,
    hypotheses=[Hypothesis("full-rank", r"\lambda_{\min}(J(\theta)J(\theta)^\top)>0",
                           _full_rank)],
    controls=[Control(
        "rank-deficient-stationary", drops="full-rank",
        description="Exact stationary points with a rank-deficient $J$ that are not global "
                    r"minima: $f=\theta^2+1$ at $\theta=0$ ($J=0$, $\mathcal L=1>0$), and a tanh "
                    r"net at $\theta=0$ with zero-mean targets ($J$ of rank 1, gradient exactly "
                    r"0, $\mathcal L=2.5>0$)", instances=_stationary_controls)],
    decides=r"The quantitative form of the paper's argument, with $\sigma_{\min}(J)$ computed "
            "by SVD; the right side is read as 0 at an exact stationary point with singular $J$ "
            "(the paper's conclusion).",
    errata=[Erratum("transcription", "In the text we worked from, $v$ is printed with "
                    r"$u_1,\dots,u_N$ in place of $y_1,\dots,y_n$.")],
    size=_size, max_examples={"ci": 12},
)


# =========================================================================== k22.prop1
def parse_prop1(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_base(params)
    inst["eta"] = real(params, "eta")
    return inst


def _prop1_daa(inst: Mapping[str, Any]) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        model = _model(inst)
        F, J = model.forward(inst["theta"], inst["X"]), model.jacobian(inst["theta"], inst["X"])
        return {"F": F, "J": J, "m": al.membership(inst["Y"].reshape(-1), J=J)}

    return _CACHE.get("prop1", inst, run)


def _common_structure_here(inst: Mapping[str, Any]) -> bool | str:
    ok = _linear_last_layer(inst)
    return ok if ok is not True else _structure_ok(inst, [inst["theta"]])


def _non_member(inst: Mapping[str, Any]) -> bool | str:
    m = _prop1_daa(inst)["m"]
    return True if m.member is False else f"vec(Y) not certified outside Col(J) ({m.member})"


def measure_prop1(inst: Mapping[str, Any]) -> Verdict:
    """Proposition 1, corrected: vec(Y) not in Col(J) => ||f_X - eta Y||_F >= |eta| dist(vec Y,
    Col J) > 0 for every eta != 0 (vec f_X = J nu lies in Col(J))."""
    r = _prop1_daa(inst)
    m, eta, Y = r["m"], inst["eta"], inst["Y"]
    lhs = float(np.linalg.norm(r["F"] - eta * Y))
    rhs = abs(eta) * m.residual
    nu = al.structure_vector(inst["theta"], _model(inst).S)
    tail = float(m.s[m.rank]) if m.rank < m.s.size else 0.0
    k = _rounding_terms(inst) + Y.size
    # the SVD is exact for J + E with ||E|| <= delta (the noise floor): the projector onto
    # Col(J) moves by at most delta / (s_r - delta), and the distance with it (times ||Y||)
    s_r = float(m.s[m.rank - 1]) if m.rank else math.inf
    subspace = m.delta / (s_r - m.delta) if s_r > m.delta else math.inf
    tol = tail * float(np.linalg.norm(nu)) + gamma(k) * (
        float(np.linalg.norm(r["F"])) + abs(eta) * float(np.linalg.norm(Y))) + abs(
        eta) * float(np.linalg.norm(Y)) * subspace
    tolerance = Tolerance(tol, "s_{r+1} ||nu|| (the directions cut off) + gamma_k (||f|| + "
                               "|eta| ||Y||), k = 2 (d + sum widths) + n m_y, + |eta| ||Y|| "
                               "delta / (s_r - delta) (the SVD's error in the distance)")
    diag = {"rho": m.rho, "rank": m.rank, "distance": m.residual}
    if eta == 0.0 and not np.any(nu) and lhs <= tol:
        # the printed statement (any eta) at eta = 0: nu(theta) = 0 exactly, so vec f_X = J nu
        # = 0 = 0 Y exactly (Assumption 1), while vec(Y) is certified outside Col(J)
        return Verdict(Status.VIOLATED, lhs, rhs, ">=", lhs - rhs, -1.0, tol,
                       tolerance.derivation, "f_X = 0 Y although vec(Y) is not in Col(J)", diag,
                       certificate="nu(theta) = theta_S = 0 exactly, so vec f_X = J nu = 0 = "
                       f"0 Y (Assumption 1; computed ||f_X|| = {lhs:.3g}), while vec(Y) is "
                       f"certified outside Col(J) (rho = {m.rho:.3g})")
    return decide(lhs, rhs, relation=">=", tolerance=tolerance, diagnostics=diag)


def _prop1_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    nets = strat.mlp_instances(overparameterised=False, m_y=st_int(1, 2),
                               hidden=st_hidden(profile))
    etas = st.sampled_from([-2.0, -1.0, -0.5, 0.25, 0.5, 1.0, 2.0, 5.0])
    return st.tuples(nets, etas).map(lambda t: {**t[0], "eta": t[1]}).filter(
        lambda i: _non_member(i) is True)


def _prop1_controls() -> list[dict[str, Any]]:
    net = strat.build_mlp_instance(11, 12, 2, [3], 1, "tanh", "squared", "random", 1.0)
    theta = net["theta"].copy()
    theta[_model(net).S] = 0.0  # the last layer (W, b) is zero: f_X = 0 = 0 * Y
    net.update(theta=theta, eta=0.0)
    plus_one = {"model": "square-plus-one", "theta": np.array([0.0]), "X": np.zeros((1, 1)),
                "Y": np.ones((1, 1)), "loss": "squared", "eta": 1.0}
    return [net, plus_one]


PROP1 = Claim(
    id="k22.prop1", paper="k22", source="Proposition 1 (arXiv Proposition 7), section 2.3",
    title=r"Alignment is necessary for $f_X(\theta)=\eta Y$ ($\eta\ne0$)",
    statement=r"\operatorname{vec}(Y)\notin\operatorname{Col}(J(\theta))\Rightarrow"
              r"\|f_X(\theta)-\eta Y\|_F\ge|\eta|\operatorname{dist}(\operatorname{vec}Y,"
              r"\operatorname{Col}J(\theta))>0\ \ \forall\eta\ne0",
    measure=measure_prop1, parse=parse_prop1, strategy=_prop1_strategy,
    hypotheses=[
        Hypothesis("common-structure", r"\text{Assumption 1}", _common_structure_here),
        Hypothesis("non-member", r"\operatorname{vec}(Y)\notin\operatorname{Col}(J(\theta))",
                   _non_member),
        Hypothesis("eta-nonzero", r"\eta\neq 0",
                   lambda i: True if i["eta"] != 0 else "eta = 0"),
    ],
    controls=[
        Control("eta-zero", drops="eta-nonzero",
                description=r"The printed proposition at $\eta=0$ is false: a net with a "
                            r"zero last layer has $f_X=0=0\cdot Y$ while $\operatorname{vec}(Y)$ "
                            r"is certified outside $\operatorname{Col}(J)$",
                            instances=lambda: _prop1_controls()[:1]),
        Control("no-structure", drops="common-structure",
                description=r"$f=\theta^2+1$ at $\theta=0$, $y=1$: $J=0$ yet $f_X=Y$",
                instances=lambda: _prop1_controls()[1:]),
    ],
    decides=r"The distance from $\operatorname{vec}(Y)$ to $\operatorname{Col}(J)$ at the "
            r"clear-gap cut-off, times $|\eta|$, against $\|f_X-\eta Y\|_F$; a zero left side "
            r"($f_X=\eta Y$) is a violation.",
    errata=[Erratum("paper error", r"As printed ('for any $\eta\in\mathbb R$') the proposition "
                    r"is false at $\eta=0$: $f_X=0=0\cdot Y$ whenever the last layer is zero. "
                    r"It holds for $\eta\ne0$, and quantitatively $\|f_X-\eta "
                    r"Y\|_F\ge|\eta|\operatorname{dist}(\operatorname{vec}Y,\operatorname{Col}J)$ "
                    r"for every $\eta$ (ours).")],
    size=_size, max_examples={"ci": 15},
)


# ============================================================ trajectories (Theorems 2, 3)
def _run_gd(inst: Mapping[str, Any], step_size: float, steps: int, Tset: set[int] | None
            ) -> tj.Trajectory:
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

    return tj.gradient_descent(_model(inst), inst["loss"], inst["theta"], inst["X"], inst["Y"],
                               step_size=step_size, steps=steps, record=record,
                               keep=lambda t: Tset is None or t in Tset)


def _descent_tol(inst: Mapping[str, Any], a: float, b: float) -> float:
    return gamma(inst["Y"].size + _rounding_terms(inst)) * (abs(a) + abs(b))


_DESCENT_DERIVATION = "gamma_{p+k} (L(theta^t) + L(theta^{t+1})) per step (loss evaluations)"


# =========================================================================== k22.thm2
def parse_limit(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_base(params)
    inst["step_size"] = real(params, "step_size", lo=0.0)
    if inst["step_size"] <= 0:
        raise BadInput("step_size: must be positive")
    inst["steps"] = integer(params, "steps", lo=1, hi=100_000)
    inst["eta"] = real(params, "eta", default=1.0)
    inst["epsilon"] = real(params, "epsilon", lo=0.0, hi=2.0, default=1e-3)
    if not 0 < inst["epsilon"] < 2:  # rule (i): epsilon <= alpha <= (2 - epsilon) / L
        raise BadInput(f"epsilon: must lie in (0, 2), got {inst['epsilon']}")
    return inst


def _limit_run(inst: Mapping[str, Any]) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        traj = _run_gd(inst, inst["step_size"], inst["steps"], None)
        S = traj.steps
        # the first iterate at which gradient descent stops moving in floating point (or its
        # Jacobian falls to GAP tiny/u, where no gap can be certified): from there on it is
        # the limit point, and DAA "along the trajectory" is checked strictly before it
        t_lim = next((a.t for a, b in zip(S, S[1:], strict=False)
                      if np.array_equal(a.theta, b.theta)
                      or a.extra["daa"].s[0] <= al.GAP * al.UNDERFLOW), len(S) - 1)
        return {"traj": traj, "t_lim": t_lim}

    return _CACHE.get("limit", inst, run)


def _limit_descent(inst: Mapping[str, Any]) -> bool | str:
    S, a = _limit_run(inst)["traj"].steps, inst["step_size"]
    c = 0.5 * inst["epsilon"] * a
    for x, y in zip(S, S[1:], strict=False):
        if y.loss > x.loss - c * float(x.grad @ x.grad) + _descent_tol(inst, x.loss, y.loss):
            return f"no sufficient decrease at t = {x.t}: the step exceeds (2 - epsilon)/L"
    return True


def _limit_daa_along(inst: Mapping[str, Any]) -> bool | str:
    r = _limit_run(inst)
    bad = [s.t for s in r["traj"].steps[: max(r["t_lim"], 1)] if s.extra["daa"].member is not True]
    return True if not bad else f"DAA not certified at {len(bad)} iterates (first t = {bad[0]})"


def _limit_daa_at_limit(inst: Mapping[str, Any]) -> bool | str:
    m = _limit_run(inst)["traj"].steps[-1].extra["daa"]
    return True if m.member is True else f"DAA at the limit point: {m.member} ({m.reason})"


def _limit_structure(inst: Mapping[str, Any]) -> bool | str:
    for s in _limit_run(inst)["traj"].steps[:: max(1, inst["steps"] // 10)]:
        if s.extra["euler"] > s.extra["euler_tol"]:
            return f"Assumption 1 fails at t = {s.t} (residual {s.extra['euler']:.3g})"
    return True


def measure_limit(inst: Mapping[str, Any]) -> Verdict:
    """Theorem 2, corrected form (a): with DAA at the limit point, L(theta-hat) <= L*(eta Y^*).
    At the last iterate theta^T this is checked as L(theta^T) <= L*(eta Y^*) + ||grad L||
    (||nu|| + ||beta-hat||), the pointwise lemma, whose extra term vanishes at a limit point."""
    r = _limit_run(inst)
    last = r["traj"].steps[-1]
    m, eta = last.extra["daa"], inst["eta"]
    Ys = _ystar(inst)
    ls = al.lstar(eta * Ys, inst["Y"], inst["loss"])
    gnorm = float(np.linalg.norm(last.grad))
    beta = abs(eta) * m.coef_norm if m.member is True else 0.0
    extra = gnorm * (float(np.linalg.norm(last.extra["nu"])) + beta)
    vnorm = float(np.linalg.norm(last.v))
    corr = vnorm * (abs(eta) * min(m.residual, m.member_below * np.linalg.norm(Ys))
                    + math.sqrt(last.F.size) * last.extra["euler_tol"])
    rhs = ls + extra + corr
    beta_err = (gnorm * abs(eta) * m.coef_norm_error()
                if m.member is True else 0.0)
    tol = _descent_tol(inst, last.loss, rhs) + beta_err
    return decide(last.loss, rhs, relation="<=",
                  tolerance=Tolerance(tol, "gamma_{p+k} (L(theta^T) + rhs): loss evaluations; "
                                           "+ ||grad L|| |eta| (the SVD's error in "
                                           "||beta-hat||, Wedin)"),
                  scale=max(r["traj"].steps[0].loss, rhs, last.loss),
                  diagnostics={"L_T": last.loss, "Lstar": ls, "grad_norm_T": gnorm,
                               "gradient_term": extra, "t_limit_reached": r["t_lim"],
                               "daa_at_limit": m.summary()})


def _limit_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    def finish(t: tuple[dict[str, Any], int, float]) -> dict[str, Any]:
        inst, steps, eta = t
        model = _model(inst)
        L = tj.step_constant(model, inst["loss"], inst["theta"], inst["X"], inst["Y"],
                             alpha=0.5, steps=steps)
        return {**inst, "step_size": 1.0 / L, "steps": steps, "eta": eta, "epsilon": 1e-3}

    hi = sized(profile, small=40, large=400)
    nets = st.one_of(
        strat.mlp_instances(overparameterised=True, hidden=st_hidden(profile)),
        strat.mlp_instances(overparameterised=False, target="constant",
                            hidden=st_hidden(profile)))
    return st.tuples(nets, st.integers(20, hi), st.sampled_from([0.5, 1.0, 2.0])).map(finish)


def _wu2() -> dict[str, Any]:
    """The w u^2 run (Theorem 2's control): GD with step 0.05 from (w, u) = (-1, 1) converges to
    (w-bar, 0), w-bar about -0.668, L = 1 > 0 = L*(Y); J = (u^2, 2 w u) != 0 at every iterate
    before the limit. 6000 steps let u reach 0 in float64, so the last iterate is the limit."""
    return {"model": "wu2", "theta": np.array([-1.0, 1.0]), "X": np.zeros((1, 1)),
            "Y": np.ones((1, 1)), "loss": "squared", "step_size": 0.05, "steps": 6000,
            "eta": 1.0, "epsilon": 1e-3}


def _quartic_gd(theta0: float) -> dict[str, Any]:
    """The quartic of section 2.1.3 with S = {} (no S works), Y = 0: DAA holds trivially."""
    return {"model": "quartic", "theta": np.array([theta0]), "X": np.zeros((1, 1)),
            "Y": np.zeros((1, 1)), "loss": "squared", "step_size": 1e-4, "steps": 400,
            "eta": 1.0, "epsilon": 1e-3, "S": []}


LIMIT = Claim(
    id="k22.thm2", paper="k22", source="Theorem 2 (arXiv Theorem 8), eqs (2.8)-(2.9)",
    title=r"Limit points with alignment at the limit are $\mathcal L^*(\eta Y^*)$-optimal "
    "(corrected form)",
    statement=r"\operatorname{vec}(Y^*)\in\operatorname{Col}(J(\hat\theta))\Rightarrow"
              r"\mathcal L(\hat\theta)\le\mathcal L^*(\eta Y^*)\ \forall\eta;\ \text{checked as }"
              r"\mathcal L(\theta^T)\le\mathcal L^*(\eta Y^*)+\|\nabla\mathcal L(\theta^T)\|"
              r"(\|\nu(\theta^T)\|+\|\hat\beta(\theta^T,\eta)\|)",
    measure=measure_limit, parse=parse_limit, strategy=_limit_strategy,
    hypotheses=[
        Hypothesis("common-structure", r"\text{Assumption 1 along the run}", _limit_structure),
        Hypothesis("step-rule", r"\alpha\le(2-\epsilon)/L\ \text{(certified sufficient "
                                r"decrease)}", _limit_descent),
        Hypothesis("daa-along-trajectory", r"\operatorname{vec}(Y^*)\in\operatorname{Col}"
                                           r"(J(\theta^t))\ \forall t", _limit_daa_along),
        Hypothesis("daa-at-limit", r"\operatorname{vec}(Y^*)\in\operatorname{Col}"
                                   r"(J(\hat\theta))", _limit_daa_at_limit),
    ],
    controls=[
        Control("literal-theorem-wu2", drops="daa-at-limit",
                description="The literal Theorem 2 is false: for $f=wu^2$ DAA holds at every "
                            r"iterate ($J=(u^2,2wu)\ne0$) and the step is below "
                            r"$2/L_{\mathrm{path}}$, yet the limit $(\bar w,0)$ has "
                            r"$\mathcal L=1>0=\mathcal L^*(Y)$: the column space degenerates in "
                            "the limit", instances=lambda: [_wu2()]),
        Control("quartic", drops="common-structure",
                description=r"$\theta^4-10\theta^2+6\theta+100$, $Y=0$: DAA holds, GD stops "
                            r"at local minima with $\mathcal L=3740.59$ or "
                            r"$7731.91>0=\mathcal L^*(0)$",
                instances=lambda: [_quartic_gd(1.0), _quartic_gd(-3.0)]),
    ],
    decides=r"Runs gradient descent; at the last iterate checks $\mathcal L\le\mathcal "
            r"L^*(\eta Y^*)+\|\nabla\mathcal L\|\,(\|\nu\|+\|\hat\beta\|)$ with $\hat\beta$ from "
            "the clear-gap pseudo-inverse, plus certified rounding corrections; the extra term "
            "is 0 at an exact limit point.",
    errata=[Erratum("paper error", "As printed, Theorem 2 asks for DAA at every iterate "
                    r"$t\ge\tau$ under Assumption 3, whose gradient is globally Lipschitz. "
                    "Models linear in their parameters meet every hypothesis, and for them the "
                    "theorem holds; but the literal global-Lipschitz assumption excludes "
                    "essentially every model with a trainable hidden layer (the loss of a "
                    "product of trainable weights has an unbounded Hessian). Under the local "
                    "reading (Lipschitz along the path), which covers such models, it is false: "
                    r"DAA can hold at every iterate while $\operatorname{Col}(J)$ degenerates "
                    "in the limit. The instance: $f=wu^2$, one sample, $Y=1$, squared loss, "
                    r"gradient descent with step 0.05 from $(w,u)=(-1,1)$; $J=(u^2,2wu)\ne0$ at "
                    r"every iterate and the step is below $2/L_{\mathrm{path}}$, yet the limit "
                    r"$(\bar w,0)$, $\bar w\approx-0.668$, has $\mathcal "
                    r"L(\hat\theta)=1>0=\mathcal L^*(Y)$ (control 'literal-theorem-wu2'; a tanh "
                    "2-3-1 net likewise). Checked instead: form (a), DAA at the limit point.",
                    instance=_wu2()),
            Erratum("transcription", "'Assumptions 2 to 6' in the text we worked from are "
                    "Assumptions 1-3 in journal numbering.")],
    size=_size, max_examples={"ci": 6, "thorough": 400},
)


# ============================================================== k22.thm3, eq2.11, eq2.12
def _parse_run(params: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a gap instance shared by Theorem 3 and its corollaries: the base instance,
    ``alpha``, ``L`` and the set ``T_set``."""
    inst = parse_base(params)
    inst["alpha"] = real(params, "alpha", lo=0.0, hi=1.0)
    if not 0 < inst["alpha"] < 1:
        raise BadInput("alpha: must lie in (0, 1)")
    inst["L"] = real(params, "L", lo=0.0)
    if inst["L"] <= 0:
        raise BadInput("L: must be positive")
    require(params, "T_set")
    Tset = sorted(set(_int_list(params, "T_set", lo=0)))
    if not Tset or Tset[-1] > 100_000:
        raise BadInput("T_set: must be a nonempty list of iterations <= 100000")
    inst["T_set"] = Tset
    return inst


def parse_gap(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = _parse_run(params)
    inst["eta"] = real(params, "eta", default=1.0)
    if params.get("Ystar") is not None:
        inst["Ystar"] = matrix(params, "Ystar", inst["Y"].shape)
    return inst


def _fixed_eta(params: Mapping[str, Any], why: str) -> None:
    """The corollaries choose eta themselves: an ``eta`` in the file may only be the default 1
    (instances drawn for Theorem 3 carry it), anything else is refused."""
    if real(params, "eta", default=1.0) != 1.0:
        raise BadInput(f"eta: {why}; use k22.thm3 for a given eta")


def parse_eq211(params: Mapping[str, Any]) -> dict[str, Any]:
    """Eq. (2.11) is the squared-loss corollary of Theorem 3 (``Y^* = Y``, ``eta = 1``): any
    other loss, or a ``Ystar``, is refused with the claim that covers it. ``witness`` (a theta)
    bounds ``inf L`` from above."""
    inst = _parse_run(params)
    _fixed_eta(params, "(2.11) fixes eta = 1")
    if inst["loss"] != "squared":
        raise BadInput(f"loss: k22.eq2.11 is the squared-loss corollary (2.11); for "
                       f"{inst['loss']} use k22.eq2.12, or k22.thm3 for any loss")
    if params.get("Ystar") is not None:
        raise BadInput("Ystar: eq. (2.11) fixes Y* = Y; use k22.thm3 for another Y*")
    if params.get("witness") is not None:
        inst["witness"] = vector(params, "witness", _d(inst))
    return inst


def parse_eq212(params: Mapping[str, Any]) -> dict[str, Any]:
    """Eq. (2.12) is the cross-entropy corollary of Theorem 3 (``Y^* = Y' = 2Y - 1``), binary
    or multiclass (softmax on one-hot rows; the logistic loss on {-1, +1} labels is the binary
    loss): the squared loss, or a ``Ystar``, is refused with the claim that covers it."""
    inst = _parse_run(params)
    _fixed_eta(params, "(2.12) takes the infimum over eta")
    if inst["loss"] not in ("cross-entropy", "logistic", "softmax-cross-entropy"):
        raise BadInput(f"loss: k22.eq2.12 is the cross-entropy corollary (2.12); for "
                       f"{inst['loss']} use k22.eq2.11, or k22.thm3 for any loss")
    if params.get("Ystar") is not None:
        raise BadInput("Ystar: eq. (2.12) fixes Y* = Y' = 2Y - 1; use k22.thm3 for another Y*")
    return inst


def _gap_run(inst: Mapping[str, Any]) -> tj.Trajectory:
    return _CACHE.get("gap", inst, lambda: _run_gd(
        inst, 2 * inst["alpha"] / inst["L"], inst["T_set"][-1] + 1, set(inst["T_set"])))


def _gap_steps(inst: Mapping[str, Any]) -> list[tj.Step]:
    return [s for s in _gap_run(inst).steps if s.t in set(inst["T_set"])]


def _gap_structure(inst: Mapping[str, Any]) -> bool | str:
    bad = [s.t for s in _gap_steps(inst) if s.extra["euler"] > s.extra["euler_tol"]]
    return True if not bad else f"Assumption 1 fails at t = {bad[0]}"


def _gap_daa(inst: Mapping[str, Any]) -> bool | str:
    bad = [s.t for s in _gap_steps(inst) if s.extra["daa"].member is not True]
    return True if not bad else f"DAA not certified at {len(bad)} of the t in T"


def _gap_descent(inst: Mapping[str, Any]) -> bool | str:
    c = 2 * inst["alpha"] * (1 - inst["alpha"]) / inst["L"]
    S = _gap_run(inst).steps
    for x, y in zip(S[inst["T_set"][0]:], S[inst["T_set"][0] + 1:], strict=False):
        if y.loss > x.loss - c * float(x.grad @ x.grad) + _descent_tol(inst, x.loss, y.loss):
            return f"descent inequality fails at t = {x.t}: L is not a smoothness constant here"
    return True


def gap_sides(inst: Mapping[str, Any], eta: float) -> dict[str, float]:
    """Both sides of eq. (2.10) for one eta, with the certified corrections for the rounding
    residuals of DAA and of Assumption 1 (capped at their rounding bounds, so that a dropped
    hypothesis is never rescued by them)."""
    steps, Ys = _gap_steps(inst), _ystar(inst)
    b_norm = float(np.linalg.norm(Ys))
    nus = np.array([np.linalg.norm(s.extra["nu"]) for s in steps])
    betas = np.array([abs(eta) * s.extra["daa"].coef_norm for s in steps])
    # ||beta-hat|| is known to the SVD's error (Wedin): the bound at its upper end less the
    # bound itself is the part of the tolerance that comes from the SVD
    errs = np.array([abs(eta) * s.extra["daa"].coef_norm_error() for s in steps])
    zeta, zeta_hi = al.zeta_eta(nus, betas), al.zeta_eta(nus, betas + errs)
    S = _gap_run(inst).steps
    t0, tmax = inst["T_set"][0], inst["T_set"][-1]
    rounding = sum(_descent_tol(inst, S[t].loss, S[t + 1].loss) for t in range(t0, tmax + 1))
    corr = max(float(np.linalg.norm(s.v)) * (
        abs(eta) * min(s.extra["daa"].residual, s.extra["daa"].member_below * b_norm)
        + math.sqrt(s.F.size) * s.extra["euler_tol"]) for s in steps)
    ls = al.lstar(eta * Ys, inst["Y"], inst["loss"])
    def bound(z: float) -> float:
        return al.gap_bound(ls, inst["L"], z, S[t0].loss + rounding, inst["alpha"], len(steps))

    rhs = bound(zeta) + corr
    return {"lhs": min(s.loss for s in steps), "rhs": rhs, "Lstar": ls, "zeta": zeta,
            "rhs_err": bound(zeta_hi) - bound(zeta)}


def _pointwise_remainder(inst: Mapping[str, Any], eta: float) -> float:
    """max over T of L - L*(eta Y*) - grad L^T (nu - beta-hat): <= 0 by convexity (the lemma)."""
    Ys = _ystar(inst).reshape(-1)
    ls = al.lstar(eta * _ystar(inst), inst["Y"], inst["loss"])
    worst = -math.inf
    for s in _gap_steps(inst):
        m = s.extra["daa"]
        U = np.linalg.svd(s.J, full_matrices=False)[0][:, : m.rank]
        g_beta = eta * float(s.v @ (U @ (U.T @ Ys)))  # grad^T beta-hat = v^T J beta-hat
        worst = max(worst, s.loss - ls - float(s.grad @ s.extra["nu"]) + g_beta)
    return worst


def _gap_verdict(inst: Mapping[str, Any], sides: dict[str, float], eta: float,
                 **bounds: str) -> Verdict:
    """Decide ``lhs <= rhs`` of (2.10); ``bounds`` (``rhs_bound``, ``uncertified``) when the
    right side is only a bound of the claim's (eq. 2.11's ``inf L``)."""
    tol = _descent_tol(inst, sides["lhs"], sides["rhs"]) + sides["rhs_err"]
    return decide(sides["lhs"], sides["rhs"], relation="<=",
                  tolerance=Tolerance(tol, "gamma_{p+k} (lhs + rhs): loss evaluations (the "
                                           "descent rounding is already inside the bound); + "
                                           "the bound's change over the SVD's error in "
                                           "||beta-hat|| (Wedin)"),
                  diagnostics={"zeta_eta": sides["zeta"], "Lstar": sides["Lstar"], "eta": eta,
                               "|T|": len(inst["T_set"]),
                               "pointwise_remainder": _pointwise_remainder(inst, eta)},
                  **bounds)


def measure_gap(inst: Mapping[str, Any]) -> Verdict:
    """Theorem 3, eq. (2.10): min_{t in T} L(theta^t) <= L*(eta Y*) + |T|^{-1/2}
    sqrt(L zeta_eta L(theta^{t0}) / (2 alpha (1 - alpha)))."""
    return _gap_verdict(inst, gap_sides(inst, inst["eta"]), inst["eta"])


NO_WITNESS = "no witness; inf L is only bounded below by L*(Y) = 0"


def measure_eq211(inst: Mapping[str, Any]) -> Verdict:
    """Eq. (2.11): squared loss, Y* = Y, eta = 1: min_t L(theta^t) <= inf L + the explicit
    term of (2.10). ``inf L`` is known only through bounds: ``L*(Y) = 0`` below (which
    certifies ``holds``) and a witness's loss above (which alone can certify ``violated``)."""
    sides = gap_sides(inst, 1.0)
    witness = inst.get("witness")
    if witness is not None:
        upper = tj.objective(_model(inst), "squared", witness, inst["X"], inst["Y"])[0]
        refuted = _gap_verdict(inst, {**sides, "rhs": sides["rhs"] - sides["Lstar"] + upper},
                               1.0, rhs_bound="upper")
        if refuted.status is Status.VIOLATED:
            return refuted
    return _gap_verdict(inst, sides, 1.0, rhs_bound="lower",
                        uncertified=NO_WITNESS if witness is None else
                        "the witness does not separate; inf L is only bounded below by 0")


def measure_eq212(inst: Mapping[str, Any]) -> Verdict:
    """Eq. (2.12): cross-entropy, Y* = Y' = 2Y - 1: min_t L(theta^t) <= inf_eta [L*(eta Y') +
    O(|eta| / sqrt|T|)], with L*(eta Y') = log(1 + e^{-eta}) -> 0 per output (binary), or
    log(1 + (m_y - 1) e^{-2 eta}) -> 0 per sample (softmax). The right side is convex in
    eta and no smaller at -eta than at eta, so its infimum is bracketed by
    :func:`theory.alignment.convex_infimum`; the bracket's width joins the tolerance."""
    eta, upper, lower = al.convex_infimum(lambda e: gap_sides(inst, e)["rhs"])
    sides = gap_sides(inst, eta)
    sides = {**sides, "rhs": upper, "rhs_err": sides["rhs_err"] + (upper - lower)}
    return _gap_verdict(inst, sides, eta)


def _gap_accepts(inst: Mapping[str, Any]) -> bool:
    """Whether a drawn instance meets Theorem 3's hypotheses as the oracle certifies them."""
    return all(h.check(inst) is True for h in _GAP_HYPOTHESES)


def _gap_finish(inst: dict[str, Any]) -> dict[str, Any]:
    """Fill in a drawn gap instance's smoothness constant L by a pilot run over its horizon."""
    steps = inst["T_set"][-1] + 1
    L = tj.step_constant(_model(inst), inst["loss"], inst["theta"], inst["X"], inst["Y"],
                         alpha=inst["alpha"], steps=steps)
    return {**inst, "L": L}


@functools.lru_cache(maxsize=16)
def _gap_fallback_instance(loss: str, target: str, overparameterised: bool | None,
                           eta: float) -> dict[str, Any]:
    """The deterministic instance a gap strategy gives when its draws are all rejected: a
    one-hidden-layer tanh net (n = 2 and 8 hidden units, or n = 8 and 2 hidden units when
    under-parameterised), T = {0}, alpha = 1/2, the first seed that meets the hypotheses;
    two classes for the softmax loss, one output otherwise."""
    n, hidden = (8, [2]) if overparameterised is False else (2, [8])
    m_y = 2 if loss == "softmax-cross-entropy" else 1
    for seed in range(100):
        inst = _gap_finish({**strat.build_mlp_instance(seed, n, 1, hidden, m_y, "tanh", loss,
                                                       target, 1.0),
                            "alpha": 0.5, "T_set": [0], "eta": eta})
        if _gap_accepts(inst):
            return inst
    raise RuntimeError(f"no fallback instance for the {loss} gap strategy")  # pragma: no cover


def _gap_strategy(loss: str, target: str = "random", overparameterised: bool | None = True,
                  etas: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0), m_y: Any = None) -> Any:
    """Theorem 3's instances for one loss; ``m_y`` a strategy of output counts (one output
    when None, without a draw for it)."""
    outputs = {} if m_y is None else {"m_y": m_y}

    def strategy(profile: str) -> Any:
        from hypothesis import strategies as st

        # Over-parameterised draws are aligned generically, but a long run (up to 200 steps
        # in thorough) can pass an iterate where saturated sigmoids leave the gap too small
        # to certify (1 draw in 1000 for (2.11) under thorough, seed 1): such a draw does not
        # meet the hypotheses as the oracle certifies them, so it is not an instance. Each
        # rejection costs a run, so rejections count against the example (bounded_filter).
        candidates = strat.gap_bound_instances(
            horizon=st.integers(1, sized(profile, small=30, large=200)), loss=loss, target=target,
            overparameterised=overparameterised, etas=etas, hidden=st_hidden(profile), **outputs
        ).map(_gap_finish)
        return strat.bounded_filter(candidates, _gap_accepts, lambda: dict(
            _gap_fallback_instance(loss, target, overparameterised, etas[0])))

    return strategy


def _thm3_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    return st.one_of(_gap_strategy("squared")(profile),
                     _gap_strategy("squared", "constant", False, (0.0, 1.0))(profile),
                     _gap_strategy("cross-entropy", etas=(1.0, 2.0, 4.0, 8.0))(profile),
                     _gap_strategy("softmax-cross-entropy", etas=(1.0, 2.0, 4.0, 8.0),
                                   m_y=st_int(2, 3))(profile))


def _eq212_strategy(profile: str) -> Any:
    from hypothesis import strategies as st

    return st.one_of(_gap_strategy("cross-entropy", etas=(1.0,))(profile),
                     _gap_strategy("softmax-cross-entropy", etas=(1.0,), m_y=st_int(2, 3))(profile))


def _misaligned(loss: str = "squared") -> dict[str, Any]:
    """Theorem 3's control: a linear model, 20 x 5 features, random targets, alpha = 1/2,
    L the exact smoothness constant, |T| = 1000 (rho about 0.8)."""
    inst = strat.misaligned_instances(n=20, d=5, seed=1)
    X = inst["X"]
    if loss == "cross-entropy":
        inst.update(loss=loss, Y=(inst["Y"] > 0).astype(float))
        curv = 0.25  # the logistic loss's second derivative is at most 1/4
    else:
        curv = 2.0
    L = curv * float(np.linalg.eigvalsh(X.T @ X / X.shape[0])[-1])
    return {**inst, "alpha": 0.5, "L": L, "T_set": list(range(1000)), "eta": 1.0}


def _quartic_global_minimiser() -> float:
    """The global minimiser of L = f^2 for the quartic f = theta^4 - 10 theta^2 + 6 theta +
    100, which has no real root: the critical point of f (a root of 4 theta^3 - 20 theta + 6)
    with the smallest |f| (theta = -2.37320, L = 3740.59)."""
    roots = np.sort(np.roots([4.0, 0.0, -20.0, 6.0]).real)
    return float(min(roots, key=lambda t: abs(t**4 - 10 * t**2 + 6 * t + 100)))


def _quartic_eq211() -> list[dict[str, Any]]:
    """The quartic from theta_0 = 1 (GD goes to the local minimum L = 7731.91) with the
    global minimiser as witness: inf L <= 3740.59 + rounding, so (2.11) fails, certified."""
    inst = _quartic_gap()[0]
    return [{**inst, "witness": np.array([_quartic_global_minimiser()])}]


def _quartic_gap() -> list[dict[str, Any]]:
    """The quartic with S = {} and Y = Y* = 0: nu = 0 and beta-hat = 0, so the bound is 0;
    L = max_{[-4,4]} |L''| = 1.419e5 (measured), alpha = 1/2."""
    return [{"model": "quartic", "theta": np.array([t0]), "X": np.zeros((1, 1)),
             "Y": np.zeros((1, 1)), "loss": "squared", "S": [], "alpha": 0.5, "L": 1.419e5,
             "T_set": list(range(200)), "eta": 1.0} for t0 in (1.0, -3.0)]


_GAP_HYPOTHESES = [
    Hypothesis("common-structure", r"\text{Assumption 1 at every }t\in\mathcal T",
               _gap_structure),
    Hypothesis("daa", r"\operatorname{vec}(Y^*)\in\operatorname{Col}(J(\theta^t))\ "
                      r"\forall t\in\mathcal T", _gap_daa),
    Hypothesis("smooth-step", r"\text{step }2\alpha/L,\ \mathcal L(\theta^{t+1})\le"
                              r"\mathcal L(\theta^t)-\tfrac{2\alpha(1-\alpha)}{L}"
                              r"\|\nabla\mathcal L(\theta^t)\|^2", _gap_descent),
]

_GAP_CONTROLS = [
    Control("misaligned-linear", drops="daa",
            description=r"A linear model with $20\times5$ random features and random "
                        r"targets: $\operatorname{vec}(Y)$ is outside $\operatorname{Col}(J)$ at "
                        r"every step; $\min\mathcal L$ (about 0.8) exceeds the bound at "
                        r"$|\mathcal T|=1000$", instances=lambda: [_misaligned()]),
    Control("quartic", drops="common-structure",
            description=r"$\theta^4-10\theta^2+6\theta+100$ with $S=\emptyset$, $Y=0$: the "
                        r"bound is 0 while $\mathcal L\ge3740.59$", instances=_quartic_gap),
]

_GAP_ERRATA = [
    Erratum("transcription", "The text we worked from lost the square root: the bound decays "
            r"like $|\mathcal T|^{-1/2}$ (not $1/|\mathcal T|$) and grows like $|\eta|$ in "
            r"(2.12); the constant is $\sqrt{L\,\zeta_\eta\,\mathcal "
            r"L(\theta^{t_0})/(2\alpha(1-\alpha))}$ with "
            r"$\zeta_\eta=4\max_t\max(\|\nu\|^2,\|\hat\beta\|^2)$, $\hat\beta$ the least-norm "
            "coefficients."),
    Erratum("method note", "Only local smoothness along the path is used; the oracle certifies "
            "the descent step that uses $L$ at every iteration."),
]

THM3 = Claim(
    id="k22.thm3", paper="k22", source="Theorem 3 (arXiv Theorem 9), eq. (2.10)",
    title="Per-iteration optimality-gap bound under alignment",
    statement=r"\min_{t\in\mathcal T}\mathcal L(\theta^t)\le\mathcal L^*(\eta Y^*)+"
              r"\frac{1}{\sqrt{|\mathcal T|}}\sqrt{\frac{L\,\zeta_\eta\,\mathcal L(\theta^{t_0})}"
              r"{2\alpha(1-\alpha)}}",
    measure=measure_gap, parse=parse_gap, strategy=_thm3_strategy,
    hypotheses=_GAP_HYPOTHESES, controls=_GAP_CONTROLS,
    decides=r"Runs gradient descent with step $2\alpha/L$, certifies the descent inequality "
            r"at every step and DAA (clear gap) at every $t\in\mathcal T$, and compares "
            r"$\min\mathcal L$ with the bound ($\zeta$ from the truncated pseudo-inverse) plus "
            "certified rounding corrections.",
    errata=_GAP_ERRATA, size=_size, max_examples={"ci": 10},
)

EQ211 = Claim(
    id="k22.eq2.11", paper="k22", source="Theorem 3, consequence (2.11)",
    title=r"Squared loss: $\min_t\mathcal L-\inf\mathcal L=O(|\mathcal T|^{-1/2})$ over aligned "
    "iterations",
    statement=r"\min_{t\in[T]}\mathcal L(\theta^t)\le\inf_\theta\mathcal L(\theta)+"
              r"\sqrt{\frac{L\zeta_1\mathcal L(\theta^{t_0})}{2\alpha(1-\alpha)|\mathcal T|}}",
    measure=measure_eq211, parse=parse_eq211,
    strategy=_gap_strategy("squared", etas=(1.0,)),
    hypotheses=_GAP_HYPOTHESES,
    controls=[Control(
        "quartic-with-witness", drops="common-structure",
        description=r"$\theta^4-10\theta^2+6\theta+100$ with $S=\emptyset$, $Y=0$, from "
                    r"$\theta_0=1$: GD stays near the local minimum $\mathcal L=7731.91$ while "
                    r"the witness $\theta=-2.37320$ has $\mathcal L=3740.59\ge\inf\mathcal L$ "
                    "and the bound's term is 0", instances=_quartic_eq211)],
    decides=r"Theorem 3's bound with $Y^*=Y$, $\eta=1$: $\mathcal L^*(Y)=0\le\inf\mathcal L$ "
            r"certifies 'holds'; only a witness $\theta$ ($\mathcal L(\theta)\ge\inf\mathcal "
            "L$) can certify 'violated'.",
    errata=_GAP_ERRATA[:1], size=_size, max_examples={"ci": 8},
)

EQ212 = Claim(
    id="k22.eq2.12", paper="k22", source="Theorem 3, consequence (2.12)",
    title=r"Cross-entropy: $\min_t\mathcal L\le\mathcal L^*(\eta Y')+"
    r"O(|\eta|/\sqrt{|\mathcal T|})$",
    statement=r"\min_{t\in[T]}\mathcal L(\theta^t)\le\inf_{\eta}\Big[\mathcal L^*(\eta Y')+"
              r"\sqrt{\frac{L\zeta_\eta\mathcal L(\theta^{t_0})}{2\alpha(1-\alpha)|\mathcal T|}}"
              r"\Big]",
    measure=measure_eq212, parse=parse_eq212, strategy=_eq212_strategy,
    hypotheses=_GAP_HYPOTHESES,
    controls=[Control("misaligned-linear-ce", drops="daa",
                      description=r"A linear model with $20\times5$ random features and "
                                  "random 0/1 labels under cross-entropy: "
                                  r"$\operatorname{vec}(Y')$ is outside $\operatorname{Col}(J)$",
                      instances=lambda: [_misaligned("cross-entropy")])],
    decides=r"Theorem 3's bound with $Y^*=Y'=2Y-1$, minimised over $\eta$: it is convex in "
            r"$\eta$, so golden-section search brackets the infimum from both sides (the "
            r"bracket joins the tolerance); $\mathcal L^*(\eta Y')=\log(1+e^{-\eta})$ per "
            r"output for binary labels, $\log(1+(m_y-1)e^{-2\eta})$ per sample for softmax "
            "on one-hot labels.",
    errata=[Erratum("transcription", r"The text we worked from prints $O(\eta2/|\mathcal T|)$: "
                    r"the square root is lost; the rate is $O(|\eta|/\sqrt{|\mathcal T|})$.")],
    size=_size, max_examples={"ci": 6, "thorough": 600},
)



# ===================================================== reproduction: Figure 1a, Table 1a
# (n, width, steps, check every); the paper: n = 100, 4 hidden layers of 300 (271,801
# parameters on the sine wave), steps not given. "smoke" is for the unit test.
FIG1A_SIZES = {"smoke": (40, 8, 100, 50), "ci": (100, 32, 500, 50),
               "dev": (100, 48, 1000, 50), "thorough": (100, 300, 1000, 100)}


def figure1a(profile: str) -> dict[str, Any]:
    """Figure 1a / Table 1a: a fully connected net (4 hidden softplus(varsigma = 100) layers),
    two moons vs the sine wave y = 1{sin(20 x) < 0}, n = 100, full-batch gradient descent on
    the cross-entropy loss (lr 0.1, PyTorch-default initialisation); training error, Q_T and
    ||M(theta_T) - M(theta_0)||_F^2. Jacobians: the core's analytic back-propagation; M: the
    layer-wise Hadamard Gram."""
    import time

    n, width, steps, every = FIG1A_SIZES.get(profile_name(profile), FIG1A_SIZES["ci"])
    act = tj.sharp_softplus(100.0)
    data = {"two moons": tj.two_moons(n, 0.1, np.random.default_rng(0)),
            "sine wave": tj.sine_wave(n, np.random.default_rng(0))}
    paper = {"two moons": "0 error, Q_T = 0, 2.09e11", "sine wave": "high error, Q_T = T, 3.95e9"}
    series, rows = [], []
    start = time.perf_counter()
    for name, (X, Y) in data.items():
        widths = [X.shape[1], width, width, width, width, 1]
        model = tj.MLP(widths, act)
        theta0 = tj.torch_default_init(widths, np.random.default_rng(1))
        r = tj.track_alignment(model, "cross-entropy", theta0, X, Y, step_size=0.1,
                               steps=steps, every=every)
        q_gap = np.cumsum([d is False for d in r["daa"]]).tolist()
        unk = np.cumsum([d is None for d in r["daa"]]).tolist()
        q10 = np.cumsum([not d for d in r["cut"][1e-10]]).tolist()
        series += [{"label": f"{name}: training error", "x": r["t"], "y": r["error"]},
                   {"label": f"{name}: Q (gap rule; inconclusive apart)", "x": r["t"],
                    "y": q_gap},
                   {"label": f"{name}: inconclusive (no gap)", "x": r["t"], "y": unk},
                   {"label": f"{name}: Q at cut-off 1e-10", "x": r["t"], "y": q10}]
        k = len(r["t"])
        rows.append([name, r["error"][-1], f"{q_gap[-1]}/{k} ({unk[-1]} inconclusive)",
                     *[f"{sum(not d for d in r['cut'][c])}/{k}" for c in (1e-6, 1e-10, 1e-13)],
                     f"{r['M_change']:.3g}", f"{min(r['lambda_min']):.3g}", paper[name]])
    seconds = time.perf_counter() - start
    return {
        "title": f"Figure 1a / Table 1a: $n={n}$, $4\\times{width}$ softplus(100) units, "
                 f"{steps} GD steps, DAA checked every {every} steps",
        "series": series, "xlabel": "gradient-descent step", "ylabel": "error / count",
        "table": {"columns": ["data", "final training error", "Q (gap rule)", "Q cut 1e-6",
                              "Q cut 1e-10", "Q cut 1e-13", "||M_T - M_0||_F^2",
                              "min lambda_min(M)", "paper"], "rows": rows},
        "paper": "Two moons: zero training error with $Q_T=0$; sine wave: high error with "
                 r"$Q_T=T$ (DAA fails at every step). Table 1a: $\|M_T-M_0\|_F^2$ = 2.09e11 "
                 "(two moons), 3.95e9 (sine); 4 layers of 300 units.",
        "ours": f"{rows[0][0]}: error {rows[0][1]:.3g}, Q {rows[0][2]}; {rows[1][0]}: error "
                f"{rows[1][1]:.3g}, Q {rows[1][2]}, Q at cut-off 1e-10 {rows[1][4]}. "
                r"$\|M_T-M_0\|_F^2$" f" = {rows[0][6]} vs {rows[1][6]} ($4\\times{width}$ "
                f"units, {steps} "
                f"steps; the paper's step count, learning rate and initialisation are not "
                f"given). Analytic Jacobians (core back-propagation) at the checks, "
                f"back-propagated gradients at every step (wall time in 'seconds').",
        "seconds": seconds,
    }


FIG1A = Reproduction(
    "figure1a-table1a",
    "Two moons vs sine wave with a fully connected softplus(100) net: training error, $Q_T$ "
    "(clear-gap rule, with inconclusive steps apart, and fixed cut-offs) and the change of the "
    r"Gram matrix $M=JJ^\top$", figure1a,
        agreement="differs",
        agreement_reason=("at the affordable sizes Q_T on the sine wave is often undecided at the "
                          "certified threshold, and ||M_T - M_0||_F^2 differs in scale from Table "
                          "1 (a 4 x 32 network, not the paper's); their ordering across widths "
                          "agrees"))

DEF2 = dataclasses.replace(DEF2, reproductions=[FIG1A, Reproduction(
    "figure1bc-table1b", r"LeNet (softplus, $\varsigma=100$) on the paper's random data set, and "
    r"on Semeion when its file is present: training error, $Q_T$ and the change of "
    r"$M=JJ^\top$", figure1bc)])

# ------------------------------------------------------------------ edge strategies per claim
_EDGE_ETAS = (0.0, 1.0, -1.0, 2.0**-40, 2.0**40)


def _edge_asm1(profile: str) -> Any:
    from hypothesis import strategies as st

    return st.one_of(strat.edge_mlp_instances(), strat.edge_toy_instances())


def _edge_def2(profile: str) -> Any:
    from hypothesis import strategies as st

    return st.one_of(
        strat.edge_mlp_instances(overparameterised=True),
        strat.edge_mlp_instances(overparameterised=False, target="constant"),
        strat.edge_mlp_instances(overparameterised=False, target="constant",
                                 loss="cross-entropy"))


def _edge_stationary(profile: str) -> Any:
    """Over-parameterised nets at their edges with eta at the ends of the reals, and exact
    stationary points: targets set to the net's own outputs (L = 0, gradient exactly 0)."""
    from hypothesis import strategies as st

    def finish(t: tuple[dict[str, Any], float, bool]) -> dict[str, Any]:
        inst, eta, interpolate = t
        if interpolate and inst["loss"] == "squared":
            inst = {**inst, "Y": _model(inst).forward(inst["theta"], inst["X"])}
        return {**inst, "eta": eta}

    nets = st.one_of(strat.edge_mlp_instances(overparameterised=True),
                     strat.edge_mlp_instances(overparameterised=True, loss="cross-entropy"))
    return st.tuples(nets, st.sampled_from(_EDGE_ETAS), st.booleans()).map(finish)


def _edge_prop1(profile: str) -> Any:
    from hypothesis import strategies as st

    etas = st.sampled_from([e for e in _EDGE_ETAS if e != 0.0] + [-(2.0**40)])
    return st.tuples(strat.edge_mlp_instances(overparameterised=False), etas).map(
        lambda t: {**t[0], "eta": t[1]})


def _edge_limit(profile: str) -> Any:
    """Theorem 2 at its edges: 1 or 2 steps or a run long enough to stop moving in floating
    point, epsilon at the ends of (0, 2), eta at the ends of the reals."""
    from hypothesis import strategies as st

    def finish(t: tuple[dict[str, Any], int, float, float]) -> dict[str, Any]:
        inst, steps, eta, epsilon = t
        L = tj.step_constant(_model(inst), inst["loss"], inst["theta"], inst["X"], inst["Y"],
                             alpha=0.5, steps=steps)
        return {**inst, "step_size": 1.0 / L, "steps": steps, "eta": eta, "epsilon": epsilon}

    nets = st.one_of(strat.edge_mlp_instances(overparameterised=True),
                     strat.edge_mlp_instances(overparameterised=False, target="constant"))
    return st.tuples(nets, st.sampled_from([1, 2, 300]), st.sampled_from(_EDGE_ETAS),
                     st.sampled_from([5e-324, 1e-3, 1.0, math.nextafter(2.0, 0.0)])).map(finish)


def _edge_gap(loss: str, target: str = "random", overparameterised: bool | None = True,
              etas: tuple[float, ...] = _EDGE_ETAS) -> Any:
    """Theorem 3 and its corollaries at their edges: T a singleton (t = 0 or the last step),
    all of [0, T] or its last step, alpha at the ends of (0, 1), horizons 1, 2 and 10."""

    def strategy(profile: str) -> Any:
        from hypothesis import strategies as st

        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            inst = draw(strat.edge_mlp_instances(loss=loss, target=target,
                                                 overparameterised=overparameterised))
            T = draw(st.sampled_from([1, 2, 10]))
            Tset = draw(st.sampled_from([[0], [T], list(range(T + 1))]))
            alpha = draw(st.sampled_from([2.0**-20, 0.5, 1.0 - 2.0**-20]))
            return _gap_finish({**inst, "alpha": alpha, "T_set": Tset,
                                "eta": draw(st.sampled_from(etas))})

        return build()

    return strategy


def _edge_thm3(profile: str) -> Any:
    from hypothesis import strategies as st

    return st.one_of(_edge_gap("squared")(profile),
                     _edge_gap("squared", "constant", False)(profile),
                     _edge_gap("cross-entropy")(profile))


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


# ------------------------------------------------ instance parameters and relations per claim
_STEP_PARAMETERS = [
    Parameter("step_size", "scalar", "the step alpha_t of gradient descent", "(0, inf)"),
    Parameter("steps", "scalar", "the number of steps run to approximate the limit point",
              "integers in [1, 100000]"),
    _ETA,
    Parameter("epsilon", "scalar", "epsilon of step rule (i), epsilon <= alpha <= (2 - "
              "epsilon) / L", "(0, 2)", 1e-3),
]
_PERMUTE_CLASSES = Relation(
    "permute-classes", "the outputs (classes) relabelled, the last layer's rows with the "
    "columns of Y: J's rows and vec(Y') permute alike and every loss is symmetric in the "
    "outputs, so no side changes (one output: nothing to permute)", strat.permute_classes)
ASM1 = dataclasses.replace(
    ASM1, parameters=BASE_PARAMETERS, edge_strategy=_edge_asm1, cost=_cost_pointwise,
    relations=_relations(Relation(
        "scale-last-layer", "theta_S times 2^k: f and J nu scale by 2^k, the identity keeps "
        "holding (the rounding scale moves otherwise, so only the status is compared)",
        strat.scale_last_layer, same_slack=False)))
DEF2 = dataclasses.replace(
    DEF2, parameters=BASE_PARAMETERS, edge_strategy=_edge_def2, cost=_cost_pointwise,
    relations=_relations(Relation(
        "scale-targets", "Y times 2^k (squared loss): membership is decided on the relative "
        "residual, unchanged", strat.scale_targets), _PERMUTE_CLASSES))
STATIONARY = dataclasses.replace(STATIONARY, parameters=[*BASE_PARAMETERS, _ETA],
                                 edge_strategy=_edge_stationary, cost=_cost_pointwise,
                                 relations=_relations(_PERMUTE_CLASSES))
PROP1 = dataclasses.replace(
    PROP1, edge_strategy=_edge_prop1, cost=_cost_pointwise,
    parameters=[*BASE_PARAMETERS, dataclasses.replace(_ETA, default=REQUIRED)],
    relations=_relations(Relation(
        "scale-targets-and-eta", "Y times 2^k and eta times 2^-k: eta Y and |eta| dist(vec Y, "
        "Col J) are unchanged", strat.scale_targets_and_eta)))
LIMIT = dataclasses.replace(LIMIT, parameters=[*BASE_PARAMETERS, *_STEP_PARAMETERS],
                            edge_strategy=_edge_limit, cost=_cost_limit,
                            relations=_relations(run=True))
THM3 = dataclasses.replace(THM3, edge_strategy=_edge_thm3, cost=_cost_gap, parameters=[
    *BASE_PARAMETERS, *_GAP_PARAMETERS, _ETA,
    Parameter("Ystar", "n x m_y", "the target Y^* of eq. (2.10)", "finite", "Y' (the modified "
              "target)")], relations=_relations(run=True))
EQ211 = dataclasses.replace(EQ211, edge_strategy=_edge_gap("squared", etas=(1.0,)),
                            cost=_cost_gap,
                            parameters=[
    *BASE_PARAMETERS, *_GAP_PARAMETERS, _ETA_ONE,
    Parameter("witness", "d", "a theta whose loss bounds inf L from above (certifies a "
              "violation)", "finite, length d", None)], relations=_relations(run=True))
EQ212 = dataclasses.replace(EQ212, parameters=[*BASE_PARAMETERS, *_GAP_PARAMETERS, _ETA_ONE],
                            edge_strategy=_edge_gap("cross-entropy", etas=(1.0,)),
                            cost=_cost_gap,
                            relations=_relations(run=True))

register(ASM1, DEF2, STATIONARY, PROP1, LIMIT, THM3, EQ211, EQ212)
