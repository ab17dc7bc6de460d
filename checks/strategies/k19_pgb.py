"""Hypothesis strategies for Kawaguchi, Huang & Kaelbling (2019), Section 3 (Theorems 1-2,
Lemmas 1-3, Examples 1-2).

Every strategy draws small integers (dimensions and a seed) and builds the instance with NumPy's
``default_rng(seed)``, so drawing is cheap and an instance is reproducible from its seed. Each
accepts fixed values or strategies for its dimensions. Instances are dicts with the paper's names:
``family``, ``widths``, ``loss``, ``X``, ``Y``, ``lambda``, ``theta`` (plus ``eps`` and ``S`` for
the perturbable gradient basis). What is slow: the trained strategies run Levenberg-Marquardt
and a Newton polish (about 0.05-0.3 s per instance at the ``ci`` sizes).

>>> from checks.strategies.k19_pgb import tanh2_points
>>> tanh2_points(d_x=2, hidden=3, d_y=1, trained=False).example()["family"]  # doctest: +SKIP
'tanh2'
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from theory.gradient_basis import model_report
from theory.models.basis import (
    fit_squared,
    gauss_newton_diagonal,
    make_model,
    model_jacobian,
    squared_objective,
)
from theory.numerics import unit_roundoff
from theory.optimize import fd_hessian, fd_hessian_rcond, newton_polish, second_order_condition
from theory.pgb import null_space_directions

__all__ = [
    "basis_instances",
    "basis_tight_gap",
    "build_basis",
    "build_example2",
    "build_lintop_lifted",
    "build_planted",
    "build_tanh2",
    "build_tanh2_classifier",
    "train_squared",
    "example2_instances",
    "lintop_lifted_minima",
    "local_min_certified",
    "tanh2_classifier_points",
    "tanh2_points",
    "lintop_two_sets",
    "random_points",
    "relu2_points",
    "skip2_points",
    "unit_vectors_separated",
]

Dim = int | tuple[int, int] | st.SearchStrategy


def _dim(value: Dim, name: str, lo: int, hi: int) -> st.SearchStrategy:
    """A dimension: a strategy as given, an inclusive range ``(a, b)``, or a fixed int, all
    validated against ``[lo, hi]``."""
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, tuple):
        if len(value) != 2 or not all(isinstance(v, int) for v in value) or not (
                lo <= value[0] <= value[1] <= hi):
            raise InvalidArgument(
                f"{name}={value!r}: expected a range (a, b) with {lo} <= a <= b <= {hi}")
        return st.integers(*value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r}: expected an int or a strategy")
    if not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value}: must lie in [{lo}, {hi}]")
    return st.just(value)


def _seeds() -> st.SearchStrategy:
    return st.integers(0, 2**32 - 1)


def train_squared(model, X: np.ndarray, Y: np.ndarray, lam: np.ndarray,
                  theta0: np.ndarray) -> np.ndarray:
    """Levenberg-Marquardt then a Newton polish (analytic gradient ``2 J^T Lambda r``,
    central-difference Hessian of it, which is ~20x cheaper than autograd's and accurate to
    ``u^(2/3)``, enough for Newton's superlinear convergence): an approximate critical point of
    the squared loss."""
    fun, _, _ = squared_objective(model, X, Y, lam)
    w = np.repeat(lam, model.d_y)
    y = Y.reshape(-1)

    def grad(t):
        return 2 * model_jacobian(model, t, X).T @ (w * (np.asarray(model.outputs(t, X)) - y))

    theta = fit_squared(model, X, Y, lam, theta0)
    return newton_polish(fun, grad, lambda t: fd_hessian(grad, t), theta, steps=4,
                         rcond=fd_hessian_rcond())[0]


def build_tanh2(
    seed: int, d_x: int, hidden: int, d_y: int, extra: int, trained: bool | int
) -> dict:
    """A teacher-planted instance of ``W2 tanh(W1 x + b1) + b2`` (Theorem 1
    instances): ``m = ceil(d_theta / d_y) + extra`` samples so that ``m d_y > d_theta``, labels
    = teacher + noise 0.05, weights ``lambda ~ U[0.2, 2]``, start = teacher + 0.2 noise.
    ``trained=True`` runs :func:`train_squared`; an ``int`` k stops Levenberg-Marquardt after
    k + 1 evaluations (an arbitrary, non-critical point); ``False`` keeps the start."""
    return build_planted("tanh2", (d_x, hidden, d_y), seed, extra, trained)


@functools.lru_cache(maxsize=128)
def build_planted(
    family: str, widths: tuple[int, ...], seed: int, extra: int, trained: bool | int
) -> dict:
    """A teacher-planted instance of any trained family (``tanh2``, ``skip2``): as
    :func:`build_tanh2`; with ``trained=True`` up to six seeds are tried until the point is
    certified critical and decidable (:func:`_certified`)."""
    model = make_model(family, widths)
    for attempt in range(6 if trained is True else 1):
        inst = _planted_attempt(model, seed + 7919 * attempt, extra, trained)
        if trained is not True or _certified(model, inst):
            break
    return inst


def _certified(model, inst: dict) -> bool:
    """Critical to working precision, and decidable: the rounding bound of ``L - inf`` keeps at
    least half the digits of ``L`` (we reject nearly singular ``J``, where tanh units
    saturated and weights drifted)."""
    if not np.all(np.isfinite(inst["theta"])):
        return False
    rep = model_report(model, inst["theta"], inst["X"], inst["Y"], inst["lambda"])
    decidable = rep.tau_round <= np.sqrt(unit_roundoff()) * rep.L
    return rep.critical and rep.rank_certain and decidable


def _planted_attempt(model, seed: int, extra: int, trained) -> dict:
    d_x, d_y = model.widths[0], model.d_y
    rng = np.random.default_rng(seed)
    m = -(-model.d_theta // d_y) + extra
    X = rng.standard_normal((m, d_x))
    teacher = rng.standard_normal(model.d_theta) / np.sqrt(d_x)
    Y = np.asarray(model.f(teacher, X)) + 0.05 * rng.standard_normal((m, d_y))
    lam = rng.uniform(0.2, 2.0, m)
    theta = teacher + 0.2 * rng.standard_normal(model.d_theta)
    if trained is not False:
        if trained is True:
            theta = train_squared(model, X, Y, lam, theta)
        else:
            theta = fit_squared(model, X, Y, lam, theta, max_nfev=int(trained) + 1)
    return {"family": model.family, "widths": list(model.widths), "loss": "squared", "X": X,
            "Y": Y, "lambda": lam, "theta": np.asarray(theta, dtype=np.float64)}


_SIGN_LOSSES = ("logistic", "smoothed-hinge")
_CLASS_LOSSES = ("cross-entropy", *_SIGN_LOSSES)


@functools.lru_cache(maxsize=128)
def build_tanh2_classifier(seed: int, d_x: int, hidden: int, extra: int, loss: str) -> dict:
    """A binary classifier ``W2 tanh(W1 x + b1) + b2`` (``d_y = 1``) at an exact critical
    point of a convex classification loss, by construction (Theorem 1 beyond the squared loss).

    Every input ``x_i`` (``m0 = d_theta + extra`` of them) appears twice, with labels ``+`` and
    ``-`` and weights ``c_i p_i``, ``c_i (1 - p_i)`` (``c_i ~ U[0.5, 1.5]``): no model separates
    the data and each pair's loss is coercive in the shared output, so every infimum is
    attained at finite logits. At ``theta`` (a random teacher) the pair's derivative in the
    output is ``rho_i = c_i (p_i l'(q_i, +) + (1 - p_i) l'(q_i, -))``, linear in ``p_i``; ``p``
    (the output layer scaled so ``|q_i| <= 2``, or ``0.8`` for the hinge) is solved from a
    drawn ``rho`` in the left null space of ``J_0(theta)`` (the Jacobian of
    the distinct inputs), so ``grad L(theta) = J_0^T rho = 0`` exactly, while ``rho != 0`` keeps
    ``theta`` away from the optimum over all outputs. No training: the earlier attempt to train
    tanh classifiers drifted to saturated weights. ``p_i`` is kept in ``[0.05, 0.95]``."""
    if loss not in _CLASS_LOSSES:
        raise ValueError(f"loss {loss!r}: expected one of {', '.join(_CLASS_LOSSES)}")
    from theory.linalg import project_onto_range
    from theory.losses import get_loss

    model = make_model("tanh2", (d_x, hidden, 1))
    ell = get_loss(loss)
    rng = np.random.default_rng(seed)
    m0 = model.d_theta + extra
    X0 = rng.standard_normal((m0, d_x))
    theta = rng.standard_normal(model.d_theta) / np.sqrt(d_x)
    q = np.asarray(model.f(theta, X0))[:, 0]
    # shrink the output layer so |q_i| <= 2 (0.8 for the hinge, whose pair optimum is interior
    # only for |q| < 1): every p0_i then lies in [0.1, 0.9]
    cap = 0.8 if loss == "smoothed-hinge" else 2.0
    shrink = min(1.0, cap / float(np.max(np.abs(q))))
    g = model.g(theta)
    theta = theta - g + shrink * g
    q = shrink * q
    pos, neg = (1.0, -1.0) if loss in _SIGN_LOSSES else (1.0, 0.0)
    dp, dn = ell.grad(q, np.full(m0, pos)), ell.grad(q, np.full(m0, neg))
    p0 = dn / (dn - dp)                       # rho = 0: the output-space optimum of the pair
    c = rng.uniform(0.5, 1.5, m0)
    xi = rng.standard_normal(m0)
    J0 = model_jacobian(model, theta, X0)
    rho = xi - project_onto_range(xi, J=J0)[0]           # left null space of J_0
    room = np.minimum(p0 - 0.05, 0.95 - p0) * np.abs(dp - dn) * c
    scale = 0.5 * float(np.min(np.where(np.abs(rho) > 0, room / np.abs(rho), np.inf)))
    rho *= max(scale, 0.0)
    p = p0 + rho / (c * (dp - dn))
    X = np.vstack([X0, X0])
    lam = np.concatenate([c * p, c * (1 - p)])
    Y = np.concatenate([np.full(m0, pos), np.full(m0, neg)])[:, None]
    return {"family": "tanh2", "widths": list(model.widths), "loss": loss, "X": X, "Y": Y,
            "lambda": lam, "theta": theta}


def classifier_certified(model, inst: dict) -> bool:
    """Finite, critical to working precision (:attr:`ConvexReport.critical`) with the
    gradient-basis infimum attained."""
    from theory.gradient_basis import convex_report
    from theory.losses import get_loss
    from theory.models.basis import convex_objective

    if not np.all(np.isfinite(inst["theta"])):
        return False
    _, grad, _ = convex_objective(model, inst["X"], inst["Y"], inst["lambda"], inst["loss"])
    theta = inst["theta"]
    rep = convex_report(get_loss(inst["loss"]), np.asarray(model.f(theta, inst["X"])),
                        inst["Y"], inst["lambda"], model_jacobian(model, theta, inst["X"]),
                        grad(theta), model.g(theta))
    return rep.critical and rep.attained


def tanh2_classifier_points(
    d_x: Dim = 2, hidden: Dim = (2, 3), extra: Dim = (6, 12),
    loss: str | tuple[str, ...] = _CLASS_LOSSES,
) -> st.SearchStrategy:
    """Exact (constructed) critical points of two-layer tanh classifiers for the convex
    classification losses (cross-entropy, logistic, smoothed hinge) on data where every input
    carries both labels (see :func:`build_tanh2_classifier`), kept only when certified
    critical with an attained gradient-basis infimum. Typically saddle points."""
    names = (loss,) if isinstance(loss, str) else tuple(loss)
    if not names or any(n not in _CLASS_LOSSES for n in names):
        raise InvalidArgument(f"loss={loss!r}: expected names among {_CLASS_LOSSES}")
    return st.builds(
        build_tanh2_classifier, _seeds(), _dim(d_x, "d_x", 1, 8),
        _dim(hidden, "hidden", 1, 16), _dim(extra, "extra", 1, 200), st.sampled_from(names),
    ).filter(lambda inst: classifier_certified(make_model("tanh2", inst["widths"]), inst))


def tanh2_points(
    d_x: Dim = (2, 3), hidden: Dim = (2, 3), d_y: Dim = (1, 2),
    extra: Dim = (8, 20), trained: bool | str = True,
) -> st.SearchStrategy:
    """Instances of the two-layer tanh net with biases (Assumption 2 holds, Omega empty).

    ``trained=True``: approximate critical points (Levenberg-Marquardt + Newton polish),
    kept only when certified critical and decidable (:func:`_certified`);
    ``trained="partial"``: Levenberg-Marquardt stopped after 1-7 evaluations (arbitrary
    points, for the quantitative gap ``k19.ours1``); ``trained=False``: the start point.
    """
    if not (trained is True or trained is False or trained == "partial"):  # 1 == True
        raise InvalidArgument(f"trained={trained!r}: expected True, False or 'partial'")
    iters = st.integers(0, 6) if trained == "partial" else st.just(trained)
    built = st.builds(
        build_tanh2, _seeds(), _dim(d_x, "d_x", 1, 8), _dim(hidden, "hidden", 1, 16),
        _dim(d_y, "d_y", 1, 4), _dim(extra, "extra", 1, 200), iters,
    )
    if trained is True:
        return built.filter(lambda inst: _certified(make_model("tanh2", inst["widths"]), inst))
    return built


def relu2_points(
    d_x: Dim = 2, hidden: Dim = (2, 3), d_y: Dim = 1, extra: Dim = (8, 14),
) -> st.SearchStrategy:
    """Critical points of the bias-free ReLU net ``W2 relu(W1 x)`` (Assumption 2 through
    ``g = theta / 2``), teacher-planted and trained as :func:`build_planted`, kept when
    certified critical and outside ``Omega`` with a pre-activation margin above ``sqrt(u)``
    times the largest ``|W1 x_i|`` (so a ball around ``theta`` avoids every kink)."""
    from theory.models.basis import kink_margin

    def off_kinks(inst):
        model = make_model("relu2-nobias", inst["widths"])
        h, dx = inst["widths"][1], inst["widths"][0]
        scale = float(np.max(np.abs(inst["X"] @ inst["theta"][: h * dx].reshape(h, dx).T)))
        return (kink_margin(model, inst["theta"], inst["X"]) > np.sqrt(unit_roundoff()) * scale
                and _certified(model, inst))

    return st.tuples(_seeds(), _dim(d_x, "d_x", 1, 8), _dim(hidden, "hidden", 1, 16),
                     _dim(d_y, "d_y", 1, 4), _dim(extra, "extra", 1, 200)).map(
        lambda a: build_planted("relu2-nobias", a[1:4], a[0], a[4], True)).filter(off_kinks)


def skip2_points(
    d_x: Dim = 2, d1: Dim = (2, 3), d2: Dim = 2, d_y: Dim = (1, 2), extra: Dim = (10, 20),
    trained: bool = True,
) -> st.SearchStrategy:
    """Example 3 instances: ``A1 tanh(W1 x + b1) + A2 tanh(V h1 + c)`` (skip connections from
    both hidden layers), teacher-planted; ``trained=True`` gives certified critical points,
    ``False`` the start point (a non-critical control)."""
    built = st.tuples(_seeds(), _dim(d_x, "d_x", 1, 8), _dim(d1, "d1", 1, 8),
                      _dim(d2, "d2", 1, 8), _dim(d_y, "d_y", 1, 4),
                      _dim(extra, "extra", 1, 200)).map(
        lambda a: build_planted("skip2", a[1:5], a[0], a[5], trained))
    if trained:
        return built.filter(lambda inst: _certified(make_model("skip2", inst["widths"]), inst))
    return built


@functools.lru_cache(maxsize=128)
def build_lintop_lifted(
    seed: int, d_x: int, d1: int, d2: int, d_y: int, extra: int, eps: float = 1e-2
) -> dict:
    """Lifted local minimum of ``W3 W2 tanh(W1 x)`` (see :func:`_lintop_attempt`); up to six
    seeds are tried until the point passes the criticality and second-order tests. Cached:
    the claims of Theorem 2, Lemma 3, ``k19.ours2`` and Lemma 1 draw the same seeds in the
    derandomised profile; the returned arrays must not be modified."""
    model = make_model("lintop", (d_x, d1, d2, d_y))
    for attempt in range(6):
        inst = _lintop_attempt(seed + 7919 * attempt, d_x, d1, d2, d_y, extra, eps)
        if local_min_certified(model, inst):
            break
    return inst


def local_min_certified(model, inst: dict) -> bool:
    """Critical to working precision (:attr:`SquaredReport.critical`) and
    :func:`theory.optimize.second_order_condition` certified (equilibrated by the
    Gauss-Newton diagonal)."""
    if not np.all(np.isfinite(inst["theta"])):
        return False
    rep = model_report(model, inst["theta"], inst["X"], inst["Y"], inst["lambda"])
    _, _, hess = squared_objective(model, inst["X"], inst["Y"], inst["lambda"])
    decidable = rep.tau_round <= np.sqrt(unit_roundoff()) * rep.L
    ok = rep.critical and rep.rank_certain and decidable
    return ok and second_order_condition(hess(inst["theta"]), gauss_newton_diagonal(
        model, inst["theta"], inst["X"], inst["lambda"])).value is True


def _lintop_attempt(
    seed: int, d_x: int, d1: int, d2: int, d_y: int, extra: int, eps: float
) -> dict:
    """A local minimum of ``W3 W2 tanh(W1 x)`` with rank-one ``W3`` by lifting (ours,
    Theorem 2 (a)): train the scalar net ``v^T tanh(W1 x)`` to targets ``t_i``, then set
    ``W2`` from a drawn invertible-on-``v`` factor, ``W3 = c w3^T`` with ``W2^T w3 = v`` and
    targets ``y_i = t_i c``. Any local minimum of the scalar net lifts to a local minimum (the
    full loss is the scalar loss of ``(W1, W2^T W3^T c)`` plus a nonnegative term vanishing
    there). ``S`` = ``{0}`` and ``W2 -> W2 + a e_j^T``, ``a`` in ``Null(W3)``."""
    rng = np.random.default_rng(seed)
    scalar = make_model("tanh2-nobias", (d_x, d1, 1))   # v^T tanh(W1 x), no flat direction
    m = d1 * d_x + d1 + extra
    X = rng.standard_normal((m, d_x))
    teacher = rng.standard_normal(scalar.d_theta)
    teacher[: d1 * d_x] /= np.sqrt(d_x)
    teacher[d1 * d_x:] *= 2.0  # output signal well above the noise: keeps weights bounded
    t = np.asarray(scalar.f(teacher, X))[:, 0] + 0.05 * rng.standard_normal(m)
    lam = rng.uniform(0.2, 2.0, m)
    start = teacher + 0.2 * rng.standard_normal(scalar.d_theta)
    s_theta = train_squared(scalar, X, t[:, None], lam, start)
    W1 = s_theta[: d1 * d_x].reshape(d1, d_x)
    v = s_theta[d1 * d_x:]
    c = rng.standard_normal(d_y)
    c /= np.linalg.norm(c)
    w3 = rng.standard_normal(d2)
    w3 /= np.linalg.norm(w3)
    G = rng.standard_normal((d2, d1))
    W2 = G - np.outer(w3, w3 @ G) + np.outer(w3, v)  # W2^T w3 = v exactly in exact arithmetic
    W3 = np.outer(c, w3)
    theta = np.concatenate([W1.ravel(), W2.ravel(), W3.ravel()])
    S = null_space_directions(W3, d1 * d_x, (d2, d1), theta.size)
    return {"family": "lintop", "widths": [d_x, d1, d2, d_y], "loss": "squared", "X": X,
            "Y": np.outer(t, c), "lambda": lam, "theta": theta, "eps": eps, "S": np.array(S)}


def lintop_lifted_minima(
    d_x: Dim = (2, 3), d1: Dim = (3, 4), d2: Dim = 2,
    d_y: Dim = 2, extra: Dim = (25, 40),
) -> st.SearchStrategy:
    """Lifted local minima of ``W3 W2 tanh(W1 x)`` with rank-one ``W3`` (``d_y >= 2``) and
    their perturbation sets ``S`` in ``V[theta, eps]`` (Theorem 2, Lemma 3). With
    ``d2 < d1`` the PGB span is strictly larger than the gradient basis: orthogonally to ``c``,
    ``range J(theta)`` only reaches the ``d2`` features ``W2 h``, while ``J_S`` reaches all
    ``d1`` features ``h`` (Theorem 2's 'features in range J_S but not in range J')."""
    return st.builds(
        build_lintop_lifted, _seeds(), _dim(d_x, "d_x", 1, 8), _dim(d1, "d1", 1, 8),
        _dim(d2, "d2", 2, 8), _dim(d_y, "d_y", 2, 4), _dim(extra, "extra", 1, 100),
    ).filter(lambda inst: local_min_certified(make_model("lintop", inst["widths"]), inst))


def unit_vectors_separated(rng: np.random.Generator, m: int, d: int, delta: float) -> np.ndarray:
    """``m`` unit vectors in ``R^d`` with pairwise inner products ``< 1 - delta`` (rejection)."""
    pts: list[np.ndarray] = []
    while len(pts) < m:
        x = rng.standard_normal(d)
        x /= np.linalg.norm(x)
        if all(x @ p < 1 - delta for p in pts):
            pts.append(x)
    return np.array(pts)


def build_example2(seed: int, m: int, d: int, extra_width: int, depth: int) -> dict:
    """Example 2 instance: ``m`` unit inputs in ``R^d`` with separation ``>= 0.05``, width
    ``n = m + extra_width``, ``eps' = delta / 2``, Gaussian targets, weights ``U[0.2, 2]``."""
    rng = np.random.default_rng(seed)
    X_raw = unit_vectors_separated(rng, m, d, 0.05)
    G = X_raw @ X_raw.T
    delta = float(1 - np.max(G - 2 * np.eye(m)))
    return {"X_raw": X_raw, "n": m + extra_width, "depth": depth, "eps_prime": delta / 2,
            "Y": rng.standard_normal((m, 1)), "lambda": rng.uniform(0.2, 2.0, m),
            "loss": "squared"}


def example2_instances(
    m: Dim = (3, 10), d: Dim = (2, 4), extra_width: Dim = (0, 6),
    depth: Dim = (1, 3),
) -> st.SearchStrategy:
    """Example 2: unit inputs with separation ``delta >= 0.05``, width ``n = m + extra_width``
    (so ``n >= m``), ``eps' = delta / 2``, random targets and weights."""
    return st.builds(
        build_example2, _seeds(), _dim(m, "m", 2, 40), _dim(d, "d", 2, 8),
        _dim(extra_width, "extra_width", 0, 40), _dim(depth, "depth", 1, 6),
    )


def build_basis(seed: int, m: int, d: int, loss_name: str) -> dict:
    """A basis model ``f = Phi theta`` (Example 1) with ``Phi = U diag(s) V^T``, singular values
    in ``[0.5, 2]`` (chosen conditioning), weights ``U[0.2, 2]``, targets Gaussian (squared) or
    random signs / 0-1 labels with 30% flipped against a planted direction (classification),
    and ``theta`` its critical point: least squares, or L-BFGS on the convex loss."""
    from scipy.optimize import minimize as sp_minimize
    from scipy.stats import ortho_group

    from theory.losses import get_loss

    rng = np.random.default_rng(seed)
    U = ortho_group.rvs(m, random_state=rng)[:, :d]
    V = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
    Phi = U @ np.diag(rng.uniform(0.5, 2.0, d)) @ V.T * np.sqrt(m)
    lam = rng.uniform(0.2, 2.0, m)
    loss = get_loss(loss_name)
    if loss.targets == "real":
        y = rng.standard_normal(m)
    else:
        s = np.sign(Phi @ rng.standard_normal(d) + 0.1)
        s[rng.random(m) < 0.3] *= -1
        y = s if loss.targets == "sign" else (s + 1) / 2
    if loss_name == "squared":
        theta = np.linalg.lstsq(Phi * np.sqrt(lam)[:, None], y * np.sqrt(lam), rcond=None)[0]
    else:
        def fun(t):
            q = Phi @ t
            return float(np.sum(lam * loss.value(q, y))), Phi.T @ (lam * loss.grad(q, y))

        theta = sp_minimize(fun, np.zeros(d), jac=True, method="L-BFGS-B",
                            options={"maxiter": 2000, "gtol": 0.0, "ftol": 0.0}).x
        theta = newton_polish(
            lambda t: fun(t)[0], lambda t: fun(t)[1],
            lambda t: Phi.T @ ((lam * loss.hess(Phi @ t, y))[:, None] * Phi), theta, steps=4)[0]
    return {"family": "basis", "widths": [d], "loss": loss_name, "X": Phi, "Y": y[:, None],
            "lambda": lam, "theta": theta}


def basis_instances(
    m: Dim = (12, 30), d: Dim = (1, 3),
    loss: str | tuple[str, ...] | st.SearchStrategy = ("squared", "logistic", "smoothed-hinge"),
) -> st.SearchStrategy:
    """Example 1 instances: basis models at their critical point for a convex loss. Logistic
    instances whose data turn out separable (no critical point: the infimum is not attained)
    are filtered out by the recession test of :func:`theory.gradient_basis.gb_infimum_convex`."""
    if isinstance(loss, st.SearchStrategy):
        losses = loss
    else:
        names = (loss,) if isinstance(loss, str) else tuple(loss)
        bad = [n for n in names if n not in ("squared", "logistic", "smoothed-hinge",
                                             "cross-entropy")]
        if bad or not names:
            raise InvalidArgument(f"loss={loss!r}: expected convex losses of theory.losses")
        losses = st.sampled_from(names)
    return st.builds(
        build_basis, _seeds(), _dim(m, "m", 2, 200), _dim(d, "d", 1, 16), losses
    ).filter(_has_minimiser)


def _has_minimiser(inst: dict) -> bool:
    from theory.gradient_basis import gb_infimum_convex
    from theory.losses import get_loss

    if inst["loss"] == "squared":
        return True
    res = gb_infimum_convex(get_loss(inst["loss"]), inst["X"], inst["Y"], inst["lambda"],
                            [inst["theta"]], maxiter=50)
    return res.attained


def _with_second_set(inst: dict, seed: int, k: int) -> dict:
    """Add ``S2``: ``k`` unit directions ``vec(a b^T)`` on the ``W2`` block with ``a`` the null
    vector of ``W3`` used by ``S`` and ``b`` random unit vectors (all in ``V[theta, eps]``),
    plus the shared direction ``0`` (so ``S`` and ``S2`` overlap)."""
    rng = np.random.default_rng(seed)
    S = inst["S"]
    d_x, d1, d2, _ = inst["widths"]
    a = S[1][d1 * d_x: d1 * d_x + d2 * d1].reshape(d2, d1)[:, 0]
    out = [np.zeros(S.shape[1])]
    for _ in range(k):
        b = rng.standard_normal(d1)
        v = np.zeros(S.shape[1])
        v[d1 * d_x: d1 * d_x + d2 * d1] = np.outer(a, b / np.linalg.norm(b)).ravel()
        out.append(v)
    return {**inst, "S2": np.array(out)}


def lintop_two_sets(k: Dim = (1, 3)) -> st.SearchStrategy:
    """Lemma 1 instances: a lifted local minimum with ``S`` and a second set ``S2`` in
    ``V[theta, eps]`` (``0`` is in both)."""
    return st.tuples(lintop_lifted_minima(), _seeds(), _dim(k, "k", 1, 16)).map(
        lambda a: _with_second_set(a[0], a[1], a[2]))


def random_points(family: str, widths: tuple[int, ...], extra: Dim = (2, 10)) -> st.SearchStrategy:
    """Arbitrary (untrained) teacher-planted points of ``family`` (for Assumption 2 checks)."""
    families = ("tanh2", "skip2", "tanh2-nobias", "lintop", "relu2-nobias", "product")
    if family not in families:
        raise InvalidArgument(f"family={family!r}: expected one of {', '.join(families)}")
    return st.tuples(_seeds(), _dim(extra, "extra", 1, 200)).map(
        lambda a: build_planted(family, widths, a[0], a[1], False))


def _build_tight(seed: int, m: int, d: int, which: str) -> dict:
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    s = np.sort(rng.uniform(0.5, 2.0, d))[::-1]
    lam = rng.uniform(0.2, 2.0, m)
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    Phi = (U[:, :d] * s) @ Q / np.sqrt(lam)[:, None]
    theta = rng.standard_normal(d)
    u = U[:, d - 1] if which == "upper" else U[:, 0]
    r_hat = rng.uniform(0.2, 1.0) * u + rng.uniform(0.0, 1.0) * U[:, d]
    y = Phi @ theta - r_hat / np.sqrt(lam)
    return {"family": "basis", "widths": [d], "loss": "squared", "X": Phi, "Y": y[:, None],
            "lambda": lam, "theta": theta}


def basis_tight_gap(m: Dim = (6, 12), d: Dim = (1, 4)) -> st.SearchStrategy:
    """Basis-model points where a bound of ``k19.ours1`` is attained: the whitened residual's
    range part lies along the singular vector of ``s_min+`` (upper bound attained) or of
    ``s_max`` (lower bound attained), plus a component orthogonal to the range."""
    return st.builds(_build_tight, _seeds(), _dim(m, "m", 3, 200), _dim(d, "d", 1, 16),
                     st.sampled_from(["upper", "lower"])).filter(
        lambda inst: inst["X"].shape[0] > inst["X"].shape[1])


# ------------------------------------------------------------ metamorphic relations (k19)
#
# Transformations of a parsed k19 instance that cannot change a claim's truth. They act on
# the data every k19 claim shares (X or X_raw, Y, lambda: samples as rows) and, for the
# Section 3 families, on theta through the family's blocks; directions S, S2 in theta-space
# follow theta by the same linear map, so S stays in V[theta, eps].

_SAMPLE_KEYS = ("X", "X_raw", "Y", "lambda")


def moving_permutation(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random permutation of ``range(n)`` that moves something when ``n > 1`` (the
    identity, likely at the small sizes drawn here, would test nothing): a cyclic shift
    replaces it."""
    p = rng.permutation(n)
    return np.roll(np.arange(n), 1) if n > 1 and np.all(p == np.arange(n)) else p


def permute_samples(inst: dict, rng: np.random.Generator) -> dict:
    """The samples in another order: ``L = sum_i lambda_i l(f(x_i), y_i)`` is a sum over
    samples (Section 2.1), so every side of every k19 claim is unchanged."""
    p = moving_permutation(rng, len(inst["lambda"]))
    return {**inst, **{k: np.asarray(inst[k])[p].copy() for k in _SAMPLE_KEYS if k in inst}}


def scale_weights(inst: dict, rng: np.random.Generator) -> dict:
    """``lambda -> 2^k lambda`` (k in [-20, 20], exact): ``L``, every infimum over a basis
    model and every gradient scale by ``2^k``, so critical points, local minima and the
    relative slack are unchanged."""
    k = int(rng.integers(-20, 21))
    return {**inst, "lambda": np.ldexp(np.asarray(inst["lambda"], dtype=np.float64), k)}


def signed_permutation_of_raw_inputs(inst: dict, rng: np.random.Generator) -> dict:
    """Example 2's raw inputs turned by a signed permutation (an exact orthogonal map):
    norms and pairwise inner products, hence ``delta``, the footnote's network and its
    features, are unchanged."""
    X = np.asarray(inst["X_raw"])
    p, s = moving_permutation(rng, X.shape[1]), rng.choice([-1.0, 1.0], X.shape[1])
    return {**inst, "X_raw": X[:, p] * s}


# families whose outputs are positively homogeneous of degree 1 in x (Euler in x): f(2^k x)
# = 2^k f(x) and every partial derivative scales by 2^k too
_HOMOGENEOUS_IN_X = ("basis", "relu2-nobias", "product", "relu-scalar")


def scale_data(inst: dict, rng: np.random.Generator) -> dict:
    """``x -> 2^k x`` and ``y -> 2^k y`` (k in [-20, 20], exact) for the families linear or
    positively homogeneous in ``x`` (basis models, bias-free ReLU nets, ``w2 w1 x``): outputs,
    residuals and the Jacobian scale by ``2^k``, so ``L``, the infimum, the gradient bound and
    every rounding term scale by ``4^k`` and the relative slack is unchanged. Other families
    (tanh units saturate differently at another scale) get the weights scaled instead, as
    :func:`scale_weights`."""
    k = int(rng.integers(-20, 21))
    if inst.get("family") not in _HOMOGENEOUS_IN_X or inst.get("loss") != "squared":
        return {**inst, "lambda": np.ldexp(np.asarray(inst["lambda"], dtype=np.float64), k)}
    return {**inst, "X": np.ldexp(np.asarray(inst["X"], dtype=np.float64), k),
            "Y": np.ldexp(np.asarray(inst["Y"], dtype=np.float64), k)}


def split_sample(inst: dict, rng: np.random.Generator) -> dict:
    """One sample replaced by two copies with half its weight: ``lambda_i l_i = (lambda_i/2)
    l_i + (lambda_i/2) l_i`` (halving is exact), so ``L`` and every weighted least squares
    are the same functions of ``theta``."""
    m = len(inst["lambda"])
    i = int(rng.integers(m))
    lam = np.asarray(inst["lambda"], dtype=np.float64).copy()
    lam[i] /= 2
    out = {**inst, "lambda": np.append(lam, lam[i])}
    for key in ("X", "X_raw", "Y"):
        if key in inst:
            arr = np.asarray(inst[key])
            out[key] = np.concatenate([arr, arr[i:i + 1]])
    return out


def _blocks(family: str, widths: list[int]) -> list[tuple[int, ...]]:
    """The shapes of the blocks of ``theta`` (row-major, in order) of a Section 3 family."""
    if family == "tanh2":
        d_x, h, d_y = widths
        return [(h, d_x), (h,), (d_y, h), (d_y,)]
    if family in ("tanh2-nobias", "relu2-nobias"):
        d_x, h, d_y = widths
        return [(h, d_x), (d_y, h)]
    if family == "lintop":
        d_x, d1, d2, d_y = widths
        return [(d1, d_x), (d2, d1), (d_y, d2)]
    if family == "skip2":
        d_x, d1, d2, d_y = widths
        return [(d1, d_x), (d1,), (d2, d1), (d2,), (d_y, d1), (d_y, d2)]
    if family == "basis":
        return [(widths[0],)]
    return []  # the scalar families: nothing to relabel


# For each family, the hidden layers as lists of (block, axis) that index their units.
_UNITS = {
    "tanh2": [[(0, 0), (1, 0), (2, 1)]],
    "tanh2-nobias": [[(0, 0), (1, 1)]],
    "relu2-nobias": [[(0, 0), (1, 1)]],
    "lintop": [[(0, 0), (1, 1)], [(1, 0), (2, 1)]],
    "skip2": [[(0, 0), (1, 0), (2, 1), (4, 1)], [(2, 0), (3, 0), (5, 1)]],
    "basis": [[(0, 0)]],  # the basis functions phi_k, with the columns of Phi
}


def _theta_map(inst: dict, edit) -> dict:
    """Apply ``edit`` (a function on the list of blocks, permuting and negating entries) to
    ``theta`` and to every direction in ``S``/``S2`` by running it on signed indices: the
    map is ``theta' = D P theta``, and directions follow it (``S' = S (D P)^T``)."""
    shapes = _blocks(inst["family"], inst["widths"])
    d = len(inst["theta"])
    idx = np.arange(1, d + 1, dtype=np.float64)
    blocks, off = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        blocks.append(idx[off:off + n].reshape(shape).copy())
        off += n
    blocks = edit(blocks)
    signed = np.concatenate([b.reshape(-1) for b in blocks]) if blocks else idx
    perm, sign = np.abs(signed).astype(int) - 1, np.sign(signed)
    out = {**inst, "theta": sign * np.asarray(inst["theta"])[perm]}
    for key in ("S", "S2"):
        if key in inst:
            out[key] = sign * np.asarray(inst[key])[:, perm]
    return out


def permute_hidden_units(inst: dict, rng: np.random.Generator) -> dict:
    """Hidden units relabelled (rows of the layer below, columns of the layer above; for
    ``basis`` the basis functions with the columns of ``Phi``): the function
    ``f(x; theta)`` is the same, so every side is unchanged."""
    layers = _UNITS.get(inst["family"], [])
    perms = []

    def edit(blocks):
        for layer in layers:
            b0, a0 = layer[0]
            p = moving_permutation(rng, blocks[b0].shape[a0])
            perms.append(p)
            for b, axis in layer:
                blocks[b] = np.take(blocks[b], p, axis=axis)
        return blocks

    out = _theta_map(inst, edit)
    if inst["family"] == "basis" and perms:
        out["X"] = np.asarray(inst["X"])[:, perms[0]].copy()
    return out


def signed_permutation_of_inputs(inst: dict, rng: np.random.Generator) -> dict:
    """An exact orthogonal change of basis of the inputs, ``x -> P x`` with ``P`` a signed
    permutation, and the first layer ``W1 -> W1 P^T``: ``W1 x`` and so ``f`` are unchanged.
    Families whose input enters otherwise (``basis``, the scalar toys) are left as they are."""
    if inst["family"] not in ("tanh2", "tanh2-nobias", "relu2-nobias", "lintop", "skip2"):
        return dict(inst)
    d_x = inst["widths"][0]
    p, s = moving_permutation(rng, d_x), rng.choice([-1.0, 1.0], d_x)

    def edit(blocks):
        blocks[0] = np.take(blocks[0], p, axis=1) * s[None, :]
        return blocks

    out = _theta_map(inst, edit)
    out["X"] = np.asarray(inst["X"])[:, p] * s[None, :]
    return out


# ------------------------------------------------------------------ edge strategies (k19 §3)
#
# Instances that meet every hypothesis (or miss one, which the claim then says) but sit where
# definitions and numerics break: extreme scales (2^-40, 2^40), exact duplicates, round
# numbers, ReLU pre-activations on the kink, parameters at the ends of their domains (eps = 0
# and 1, eps' = delta, n = m). Every base instance is built once (cached), so drawing is cheap.

_EXTREME = (-40, 40)


def _ldexp(inst: dict, key: str, k: int) -> dict:
    return {**inst, key: np.ldexp(np.asarray(inst[key], dtype=np.float64), k)}


def relu_critical_point(scale_exp: int = 0, kink: bool = False, *,
                        scale: float | None = None) -> dict:
    """``W2 relu(W1 x)`` at an exact critical point of the squared loss, inputs scaled by
    ``2^scale_exp`` (or by any ``scale``, e.g. a reviewer's 1e-18): the whitened residual is
    the last left singular vector of ``Lambda^{1/2} J`` (orthogonal to its range, so
    ``grad L = 2 J^T Lambda r = 0``). With ``kink`` a first-layer row ``[0, 1]`` meets a sample
    ``[x, 0]``: a pre-activation exactly 0 (theta in Omega)."""
    return _relu_critical_point(int(scale_exp), bool(kink),
                                None if scale is None else float(scale))


@functools.cache
def _relu_critical_point(scale_exp: int, kink: bool, scale: float | None) -> dict:
    rng = np.random.default_rng(19)
    model = make_model("relu2-nobias", (2, 2, 1))
    X0 = rng.standard_normal((9, 2))
    X = np.ldexp(X0, scale_exp) if scale is None else X0 * scale
    theta = rng.standard_normal(model.d_theta)
    if kink:
        X[0, 1] = 0.0
        theta[:2] = [0.0, 1.0]
    lam = rng.uniform(0.5, 1.5, 9)
    f = np.asarray(model.outputs(theta, X))
    U = np.linalg.svd(model_jacobian(model, theta, X) * np.sqrt(lam)[:, None])[0]
    Y = f - U[:, -1] * np.linalg.norm(f) / np.sqrt(lam)
    return {"family": "relu2-nobias", "widths": [2, 2, 1], "loss": "squared", "X": X,
            "Y": Y[:, None], "lambda": lam, "theta": theta}


@functools.cache
def round_basis_point(duplicate_column: bool) -> dict:
    """A basis model with small-integer features and targets, unit weights and an exact
    duplicate sample (and, optionally, a duplicated feature column: a rank-deficient ``Phi``
    whose minimiser is not unique), at its least-squares point (critical)."""
    Phi = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [2.0, 0.0, 1.0],
                    [2.0, 0.0, 1.0], [0.0, 3.0, 1.0], [1.0, 2.0, 2.0]])
    if duplicate_column:
        Phi = np.hstack([Phi, Phi[:, :1]])
    y = np.array([1.0, 2.0, 0.0, 3.0, 3.0, 1.0, 2.0])
    theta = np.linalg.lstsq(Phi, y, rcond=None)[0]
    return {"family": "basis", "widths": [Phi.shape[1]], "loss": "squared", "X": Phi,
            "Y": y[:, None], "lambda": np.ones(len(y)), "theta": theta}


def _data_edges(base: st.SearchStrategy) -> st.SearchStrategy:
    """``base`` as drawn, with the weights at ``2^+-40`` or near overflow (``2^1000``: the
    gradient's norm overflows), or with an exact duplicate sample."""
    choices = ["as-is", "lambda-lo", "lambda-hi", "lambda-huge", "duplicate"]
    return st.tuples(base, st.sampled_from(choices)).map(
        lambda a: {"as-is": lambda i: i,
                   "lambda-lo": lambda i: _ldexp(i, "lambda", _EXTREME[0]),
                   "lambda-hi": lambda i: _ldexp(i, "lambda", _EXTREME[1]),
                   "lambda-huge": lambda i: _ldexp(i, "lambda", 1000),
                   "duplicate": lambda i: split_sample(i, np.random.default_rng(0)),
                   }[a[1]](a[0]))


def gradient_basis_edges() -> st.SearchStrategy:
    """Edge instances of Theorem 1 and its companions (squared loss): ReLU critical points at
    input scales ``2^-40``, 1, ``2^40`` and on the kink, a trained ``tanh2`` point, round
    basis models (rank-deficient too), each also with extreme weights or a duplicate."""
    base = st.sampled_from([("relu", -40), ("relu", 0), ("relu", 40), ("kink", 0),
                            ("tanh2", 0), ("basis", 0), ("basis-rank", 0)]).map(
        lambda a: {"relu": lambda: relu_critical_point(a[1]),
                   "kink": lambda: relu_critical_point(0, kink=True),
                   "tanh2": lambda: build_tanh2(3, 2, 3, 1, 12, True),
                   "basis": lambda: round_basis_point(False),
                   "basis-rank": lambda: round_basis_point(True)}[a[0]]())
    return _data_edges(base)


def skip_edges() -> st.SearchStrategy:
    """Edge instances of Example 3: a trained skip net with extreme weights or a duplicate."""
    return _data_edges(st.just(0).map(lambda _: build_planted("skip2", (2, 3, 2, 1), 5, 12,
                                                              True)))


def basis_edges() -> st.SearchStrategy:
    """Edge instances of Example 1: round basis models (one rank-deficient) at their
    least-squares points, with extreme weights or a duplicate sample."""
    return _data_edges(st.booleans().map(round_basis_point))


def pgb_edges() -> st.SearchStrategy:
    """Edge instances of Theorem 2, Lemma 3 and ``k19.ours2``: the lifted local minimum with
    ``eps`` at the ends of its domain (0, where the PGB is the gradient basis, and 1), with
    every direction of ``S`` repeated (exact duplicates), extreme weights or a duplicate
    sample."""
    def edge(choice):
        inst = dict(build_lintop_lifted(3, 2, 3, 2, 2, 30))
        if choice == "eps-0":
            return {**inst, "eps": 0.0}
        if choice == "eps-1":
            return {**inst, "eps": 1.0}
        if choice == "repeated-S":
            return {**inst, "S": np.vstack([inst["S"], inst["S"]])}
        return inst

    base = st.sampled_from(["eps-0", "eps-1", "repeated-S", "as-is"]).map(edge)
    return _data_edges(base)


def two_set_edges() -> st.SearchStrategy:
    """Edge instances of Lemma 1: ``S' = S`` (every direction shared), ``S' = {0}``, and
    ``eps`` at 0 and 1."""
    def edge(choice):
        inst = dict(build_lintop_lifted(3, 2, 3, 2, 2, 30))
        S2 = {"same": inst["S"], "zero": np.zeros((1, inst["S"].shape[1]))}.get(choice)
        if S2 is None:
            return {**_with_second_set(inst, 1, 2), "eps": float(choice)}
        return {**inst, "S2": np.array(S2)}

    return _data_edges(st.sampled_from(["same", "zero", "0.0", "1.0"]).map(edge))


@functools.cache
def example2_edge(depth: int, scale_exp: int) -> dict:
    """Example 2 on round inputs ``+e_1, -e_1, e_2, -e_2, e_3`` (inner products 0 and -1
    exactly, so ``delta = 1``), with ``eps' = delta = 1`` (the end of its range), ``n = m``
    (the smallest width), weights ``2^scale_exp``, integer targets."""
    E = np.eye(3)
    X_raw = np.vstack([E[0], -E[0], E[1], -E[1], E[2]])
    m = len(X_raw)
    return {"X_raw": X_raw, "n": m, "depth": depth, "eps_prime": 1.0,
            "Y": np.array([[1.0], [-2.0], [0.0], [3.0], [1.0]]),
            "lambda": np.ldexp(np.ones(m), scale_exp), "loss": "squared"}


def example2_edges() -> st.SearchStrategy:
    """Edge instances of Example 2 (:func:`example2_edge`): depth 1 and 16, weights 1 and
    ``2^+-40``."""
    return st.tuples(st.sampled_from([1, 16]), st.sampled_from([0, *_EXTREME])).map(
        lambda a: example2_edge(*a))
