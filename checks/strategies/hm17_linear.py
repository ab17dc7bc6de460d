"""Hypothesis strategies for Hardt & Ma (2017) Section 2 (linear residual networks).

Every strategy draws a few integers and floats (dimensions, a seed, spectra, mixing weights)
and builds NumPy float64 matrices from them with ``numpy.random.default_rng(seed)``, so
instances are cheap to generate and shrink well, and condition numbers are chosen: matrices
are ``Q_1 diag(spectrum) Q_2^T`` with Haar orthogonal ``Q_i``. Dimension arguments accept an
``int`` or a strategy of ints. Instances are dicts keyed by the paper's names (``R``,
``Sigma``, ``A``, ``tau``, ``ell``, ...), ready for the claims of ``checks.papers.hm17_linear``.

Example::

    >>> from hypothesis import given
    >>> @given(ball_instances(d=3, ell=st.integers(2, 4)))
    ... def test_pl(inst): ...
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from checks.framework import Relation
from checks.strategies.linalg import orthogonal

__all__ = [
    "ROUND_TAUS",
    "ball_edge_instances",
    "ball_instances",
    "basis_change",
    "gradient_descent_instances",
    "haar_orthogonal",
    "matrix_pair_edges",
    "matrix_pairs",
    "near_identity_instances",
    "normal_matrices",
    "normal_matrix_edges",
    "orthogonal_2x2",
    "orthogonal_2x2_edges",
    "pair_basis_change",
    "reflection_conjugation",
    "residual_edge_instances",
    "residual_instances",
    "scaling",
    "signed_permutation",
    "spd_matrix",
    "spd_target_instances",
    "standard_edge_instances",
    "standard_instances",
    "target_edge_instances",
    "target_instances",
    "transpose",
]

_SEEDS = st.integers(0, 2**32 - 1)
# default dimension strategies (module-level so that defaults are not built per call)
_INTS_0_2 = st.integers(0, 2)
_INTS_0_40 = st.integers(0, 40)
_INTS_1_30 = st.integers(1, 30)
_INTS_1_4 = st.integers(1, 4)
_INTS_1_5 = st.integers(1, 5)
_INTS_1_6 = st.integers(1, 6)
_INTS_2_4 = st.integers(2, 4)
_INTS_2_5 = st.integers(2, 5)
_INTS_2_6 = st.integers(2, 6)


def _ints(value: Any, name: str, lo: int, hi: int | None = None) -> SearchStrategy[int]:
    """An int or a strategy of ints, validated (``InvalidArgument`` names the bad value)."""
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidArgument(f"{name} must be an int or a strategy of ints, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        raise InvalidArgument(f"{name}={value} must lie in [{lo}, {hi if hi else 'inf'}]")
    return st.just(int(value))


def _interval(lo: float, hi: float, name: str) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise InvalidArgument(f"{name}: need finite lo <= hi, got ({lo!r}, {hi!r})")


# A Haar-distributed ``d x d`` orthogonal matrix (QR of a Gaussian, signs fixed); kept under
# this name, which students' code imports from here.
haar_orthogonal = orthogonal


def spd_matrix(rng: np.random.Generator, d: int, lo: float, hi: float) -> np.ndarray:
    """``Q diag(lambda) Q^T`` with ``lambda`` uniform in ``[lo, hi]`` (the extremes included)."""
    lam = rng.uniform(lo, hi, d)
    if d > 1:
        lam[0], lam[-1] = lo, hi
    Q = haar_orthogonal(rng, d)
    S = (Q * lam) @ Q.T
    return (S + S.T) / 2.0


def _gaussian_map(rng: np.random.Generator, d: int, scale: float) -> np.ndarray:
    """``scale * Q_1 diag(e^g) Q_2^T`` with ``g`` uniform in ``[-1, 1]`` (condition <= e^2)."""
    g = rng.uniform(-1.0, 1.0, d)
    return scale * (haar_orthogonal(rng, d) * np.exp(g)) @ haar_orthogonal(rng, d).T


def _slices(rng: np.random.Generator, d: int, ell: int, radius: float, full: bool) -> list:
    """``A_i = radius * t_i M_i / ||M_i||`` with ``t_i`` in ``[0, 1]`` (``max t_i = 1`` if
    ``full``), so ``|||A||| <= radius``; Gaussian directions ``M_i``."""
    t = rng.uniform(0.0, 1.0, ell)
    if full:
        t[rng.integers(ell)] = 1.0
    out = []
    for ti in t:
        M = rng.standard_normal((d, d))
        out.append(radius * ti * M / np.linalg.norm(M, 2))
    return out


@st.composite
def _residual(draw, d, ell, lo, hi, with_mean):
    d, ell, seed = draw(d), draw(ell), draw(_SEEDS)
    s = draw(st.floats(lo, hi))
    rng = np.random.default_rng(seed)
    A = [s * rng.standard_normal((d, d)) for _ in range(ell)]
    inst = {"R": _gaussian_map(rng, d, 1.0), "Sigma": spd_matrix(rng, d, 0.1, 3.0), "A": A}
    if with_mean:
        # x_mean = Sigma^{1/2} w with ||w|| < 1 keeps Cov(x) = Sigma - x_mean x_mean^T PSD
        w = rng.standard_normal(d)
        w *= draw(st.floats(0.2, 0.9)) / np.linalg.norm(w)
        lam, Q = np.linalg.eigh(inst["Sigma"])
        inst["x_mean"] = (Q * np.sqrt(lam)) @ Q.T @ w
    return inst


def residual_instances(
    d: int | SearchStrategy[int] = _INTS_1_4,
    ell: int | SearchStrategy[int] = _INTS_1_5,
    entry_scale: tuple[float, float] = (0.05, 0.8),
    with_mean: bool = False,
) -> SearchStrategy[dict]:
    """Instances ``{R, Sigma, A}`` of the linear residual model (eq. (2.1)): ``A_i`` with
    i.i.d. ``N(0, s^2)`` entries, ``s`` in ``entry_scale``; ``Sigma`` SPD with spectrum in
    ``[0.1, 3]``; ``R`` with condition number at most ``e^2``. With ``with_mean`` also a
    non-zero ``x_mean`` (the mean of ``x``, with ``Sigma`` its second moment) so that the
    second-moment reading of Claim 2.3 is actually tested."""
    _interval(*entry_scale, "entry_scale")
    return _residual(_ints(d, "d", 1), _ints(ell, "ell", 1), *entry_scale, bool(with_mean))


@st.composite
def _ball(draw, d, ell, tau_max, sigma_lo):
    d, ell, seed = draw(d), draw(ell), draw(_SEEDS)
    # no subnormal radii: the ball test is relative to tau
    family = draw(st.sampled_from(["generic", "extreme", "tight", "equality"]))
    if family == "equality":
        # the informative equality case: tau bounded away from 0, no blending
        tau, mix = draw(st.floats(min(0.05, tau_max), tau_max)), 0.0
    else:
        tau = draw(st.one_of(st.just(0.0), st.floats(1e-6, tau_max)))
        mix = draw(st.floats(0.0, 1.0))
    rng = np.random.default_rng(seed)
    Sigma = spd_matrix(rng, d, sigma_lo, 3.0)
    if family == "generic":
        A = _slices(rng, d, ell, tau, full=True)
    else:
        # A_i = -tau I (+ mix * noise, rescaled into the ball): the extreme direction of eq. (2.3)
        A = []
        for _ in range(ell):
            Ai = -tau * np.eye(d) + mix * tau * rng.standard_normal((d, d)) / max(d, 2)
            norm = np.linalg.norm(Ai, 2)
            A.append(Ai * min(1.0, tau / norm) if norm > 0 else Ai)
    R = _gaussian_map(rng, d, math.exp(rng.uniform(math.log(0.1), math.log(3.0))))
    if family in ("tight", "equality"):
        # E = w v^T with v the bottom eigenvector of Sigma makes eq. (2.3) an equality at
        # A_i = -tau I; mix blends in a generic target.
        lam, V = np.linalg.eigh(Sigma)
        w = rng.standard_normal(d)
        P = np.linalg.multi_dot([np.eye(d)] + [np.eye(d) + Ai for Ai in reversed(A)])
        R = P - np.outer(w, V[:, 0]) + mix * R
    return {"R": R, "Sigma": Sigma, "A": A, "tau": tau}


def ball_instances(
    d: int | SearchStrategy[int] = _INTS_1_4,
    ell: int | SearchStrategy[int] = _INTS_1_6,
    tau_max: float = 0.95,
    sigma_min: float = 0.05,
) -> SearchStrategy[dict]:
    """Instances ``{R, Sigma, A, tau}`` with ``A`` in the ball ``B_tau``, ``tau < 1``, for
    eq. (2.3) and Theorem 2.2. Three families: generic directions with ``|||A||| = tau``;
    ``A_i = -tau I`` plus rescaled noise (weight ``mix``); and targets ``R`` for which eq. (2.3)
    is an equality at ``A_i = -tau I`` (``E`` with rows along the bottom eigenvector of
    ``Sigma``), blended with a generic target by ``mix``, so ``hypothesis.target`` can
    approach equality; and that equality family itself (``A_i = -tau I`` exactly, ``E = w v^T``,
    ``tau >= 0.05``), the non-trivial equality case of eq. (2.3) (any ``d``, ``ell``).
    ``Sigma`` SPD with spectrum in ``[sigma_min, 3]``."""
    if not 0.0 <= tau_max < 1.0:
        raise InvalidArgument(f"tau_max={tau_max!r} must lie in [0, 1)")
    if not 0.0 < sigma_min <= 3.0:
        raise InvalidArgument(f"sigma_min={sigma_min!r} must lie in (0, 3]")
    return _ball(_ints(d, "d", 1), _ints(ell, "ell", 1), tau_max, sigma_min)


@st.composite
def _near_identity(draw, d, ell, tau_max):
    d, ell, seed = draw(d), draw(ell), draw(_SEEDS)
    tau = draw(st.floats(0.01, tau_max))
    eta = 10.0 ** draw(st.floats(-5.0, -1.0))
    rng = np.random.default_rng(seed)
    B = _slices(rng, d, ell, tau / 2.0, full=False)
    R = np.linalg.multi_dot([np.eye(d)] + [np.eye(d) + Bi for Bi in reversed(B)])
    A = []
    for Bi in B:
        Ai = Bi + eta * tau / 2.0 * rng.standard_normal((d, d)) / (2.0 * math.sqrt(d))
        norm = np.linalg.norm(Ai, 2)
        A.append(Ai * min(1.0, tau / norm) if norm > 0 else Ai)
    return {"R": R, "Sigma": spd_matrix(rng, d, 0.1, 3.0), "A": A, "tau": tau}


def near_identity_instances(
    d: int | SearchStrategy[int] = _INTS_1_4,
    ell: int | SearchStrategy[int] = _INTS_1_5,
    tau_max: float = 0.9,
) -> SearchStrategy[dict]:
    """Points near a global minimiser inside ``B_tau`` (Theorem 2.2): ``R = prod (I + B_i)``
    with ``|||B||| <= tau/2`` and ``A = B + eta * noise``, ``eta`` in ``[1e-5, 0.1]``, so
    that the gradient and the excess risk are both small."""
    if not 0.01 <= tau_max < 1.0:
        raise InvalidArgument(f"tau_max={tau_max!r} must lie in [0.01, 1)")
    return _near_identity(_ints(d, "d", 1), _ints(ell, "ell", 1), tau_max)


@st.composite
def _gd(draw, d, ell, radius_max, max_steps):
    d, ell, seed = draw(d), draw(ell), draw(_SEEDS)
    start = draw(st.floats(0.01, radius_max))
    reach = draw(st.floats(0.01, radius_max))
    safety = draw(st.floats(0.25, 1.0))
    rng = np.random.default_rng(seed)
    Sigma = spd_matrix(rng, d, 0.2, 3.0)
    R = np.linalg.multi_dot([np.eye(d)] + [np.eye(d) + B
                                           for B in reversed(_slices(rng, d, ell, reach, False))])
    A = _slices(rng, d, ell, start, full=True)
    # 1 / (ell lambda_max(Sigma) (1 + rho)^{2 ell - 2}) bounds the curvature of f on B_rho,
    # rho = 2 max(start, reach); `safety` in [0.25, 1] scales the step below that
    rho = 2.0 * max(start, reach)
    step = safety / (ell * float(np.linalg.eigvalsh(Sigma)[-1]) * (1.0 + rho) ** (2 * ell - 2))
    return {"R": R, "Sigma": Sigma, "A": A, "tau": start, "gd_step": step,
            "gd_steps": max_steps}


def gradient_descent_instances(
    d: int | SearchStrategy[int] = _INTS_2_4,
    ell: int | SearchStrategy[int] = _INTS_2_5,
    radius_max: float = 0.3,
    max_steps: int = 3000,
) -> SearchStrategy[dict]:
    """Gradient-descent runs for Theorem 2.2 (its check along gradient descent): a start
    ``A`` with ``|||A||| = tau`` in ``[0.01, radius_max]`` (``tau`` is the start's radius), a
    reachable target ``R = prod (I + B_i)`` with ``|||B||| <= `` a radius in
    ``[0.01, radius_max]``, ``Sigma`` SPD with spectrum in ``[0.2, 3]``, and a step size below
    a curvature estimate; ``gd_steps = max_steps``. The claim runs the descent itself."""
    if not 0.01 <= radius_max < 0.5:
        raise InvalidArgument(f"radius_max={radius_max!r} must lie in [0.01, 0.5)")
    if not isinstance(max_steps, int) or max_steps < 0:
        raise InvalidArgument(f"max_steps={max_steps!r} must be a non-negative int")
    return _gd(_ints(d, "d", 1), _ints(ell, "ell", 1), radius_max, max_steps)


@st.composite
def _standard(draw, d, ell):
    d, ell, seed = draw(d), draw(ell), draw(_SEEDS)
    rng = np.random.default_rng(seed)
    return {"R": _gaussian_map(rng, d, 1.0), "Sigma": spd_matrix(rng, d, 0.1, 3.0), "ell": ell}


def standard_instances(
    d: int | SearchStrategy[int] = _INTS_1_4,
    ell: int | SearchStrategy[int] = _INTS_2_6,
) -> SearchStrategy[dict]:
    """Instances ``{R, Sigma, ell}`` for the standard parameterisation at ``W = 0`` (§1.1)."""
    return _standard(_ints(d, "d", 1), _ints(ell, "ell", 1))


def _minus_one_orthogonal(rng: np.random.Generator, d: int) -> np.ndarray:
    """An orthogonal matrix with eigenvalue ``-1`` of even multiplicity ``2 floor(d/2)``
    (``-I`` in even dimension, rotations by ``pi``), in a random frame."""
    m = 2 * (d // 2)
    D = np.eye(d)
    D[:m, :m] = -np.eye(m)
    Q = haar_orthogonal(rng, d)
    return Q @ D @ Q.T


@st.composite
def _targets(draw, d, extra, log_scale, stress):
    d, seed = draw(d), draw(_SEEDS)
    g_max = draw(st.floats(0.0, log_scale))
    family = draw(st.sampled_from(["generic", "stress", "isometry"] if stress else ["generic"]))
    rng = np.random.default_rng(seed)
    g = rng.uniform(-g_max, g_max, d)
    left = _minus_one_orthogonal(rng, d) if family == "stress" else haar_orthogonal(rng, d)
    k = np.ones(d) if family == "isometry" else np.exp(g)
    R = (left * k) @ haar_orthogonal(rng, d).T
    if np.linalg.det(R) < 0:
        R[-1] *= -1.0  # a row sign flip: det R > 0
    s = np.linalg.svd(R, compute_uv=False)
    gamma = max(abs(math.log(s[0])), abs(math.log(s[-1])))
    ell0 = max(1, math.ceil(3.0 * gamma * (1.0 + 1e-12)))
    return {"R": R, "ell": ell0 + draw(extra)}


def target_instances(
    d: int | SearchStrategy[int] = _INTS_2_5,
    ell_extra: int | SearchStrategy[int] = _INTS_0_40,
    log_scale: float = 2.0,
    stress: bool = True,
) -> SearchStrategy[dict]:
    """Instances ``{R, ell}`` for Theorem 2.1: ``R = Q_1 diag(e^g) Q_2^T`` with ``g`` uniform
    in ``[-g_max, g_max]``, ``g_max`` drawn in ``[0, log_scale]``, a row sign flip when
    ``det R < 0``, and ``ell = max(1, ceil(3 gamma)) + ell_extra`` (so ``ell`` just above
    ``3 gamma`` is drawn). With ``stress`` the left factor may have eigenvalue ``-1`` of even
    multiplicity (the ``T(pi)`` branch), or ``R`` may be orthogonal (``gamma = 0``)."""
    if not 0.0 <= log_scale <= 20.0:
        raise InvalidArgument(f"log_scale={log_scale!r} must lie in [0, 20]")
    return _targets(_ints(d, "d", 1), _ints(ell_extra, "ell_extra", 0), log_scale, stress)


@st.composite
def _spd_targets(draw, d, extra, log_scale):
    d, seed = draw(d), draw(_SEEDS)
    # g_max >= 0.05: at gamma ~ 0 the bound 3 gamma/ell is at rounding level (inconclusive)
    g_max = draw(st.floats(min(0.05, log_scale), log_scale))
    rng = np.random.default_rng(seed)
    z = np.exp(rng.uniform(-g_max, g_max, d))
    Q = haar_orthogonal(rng, d)
    R = (Q * z) @ Q.T
    R = (R + R.T) / 2.0
    gamma = float(np.max(np.abs(np.log(np.linalg.eigvalsh(R)))))
    return {"R": R, "ell": max(1, math.ceil(3.0 * gamma * (1.0 + 1e-12))) + draw(extra)}


def spd_target_instances(
    d: int | SearchStrategy[int] = _INTS_1_5,
    ell_extra: int | SearchStrategy[int] = _INTS_0_40,
    log_scale: float = 3.0,
) -> SearchStrategy[dict]:
    """Instances ``{R, ell}`` with ``R = Q diag(z) Q^T`` symmetric positive definite,
    ``log z`` in ``[-g_max, g_max]``, and ``ell >= 3 gamma`` (App. A.1)."""
    if not 0.0 <= log_scale <= 20.0:
        raise InvalidArgument(f"log_scale={log_scale!r} must lie in [0, 20]")
    return _spd_targets(_ints(d, "d", 1), _ints(ell_extra, "ell_extra", 0), log_scale)


@st.composite
def _orth2(draw, q):
    theta = draw(st.floats(-math.pi, math.pi))
    reflect = draw(st.booleans())
    c, s = math.cos(theta), math.sin(theta)
    Q = np.array([[c, -s], [s, c]])
    if reflect:
        Q = Q @ np.diag([-1.0, 1.0])
    return {"Q": Q, "q": draw(q)}


def orthogonal_2x2(q: int | SearchStrategy[int] = _INTS_1_30) -> SearchStrategy[dict]:
    """Instances ``{Q, q}`` of Claim A.1: ``Q = T(theta)`` or ``T(theta) diag(-1, 1)`` with
    ``theta`` uniform in ``[-pi, pi]`` (``|theta| -> pi`` is the tight case)."""
    return _orth2(_ints(q, "q", 1))


@st.composite
def _normal(draw, d):
    d, seed = draw(d), draw(_SEEDS)
    kind = draw(st.sampled_from(["orthogonal", "skew", "normal", "repeated"]))
    rng = np.random.default_rng(seed)
    Q = haar_orthogonal(rng, d)
    if kind == "orthogonal":
        return {"U": Q}
    if kind == "skew":
        M = rng.standard_normal((d, d))
        return {"U": M - M.T}
    D = np.zeros((d, d))
    a, b = rng.standard_normal(2)
    for i in range(0, d - 1, 2):
        if kind == "normal":
            a, b = rng.standard_normal(2)
        D[i:i + 2, i:i + 2] = [[a, -b], [b, a]]
    if d % 2:
        D[-1, -1] = a
    return {"U": Q @ D @ Q.T}


def normal_matrices(d: int | SearchStrategy[int] = _INTS_1_6) -> SearchStrategy[dict]:
    """Instances ``{U}`` of Claim C.1: Haar orthogonal, skew-symmetric, or
    ``Q blockdiag(a_k I + b_k J) Q^T`` (general normal; ``"repeated"`` repeats one block,
    giving repeated complex eigenvalues)."""
    return _normal(_ints(d, "d", 1))


@st.composite
def _pairs(draw, d, extra_rows):
    d, m, seed = draw(d), draw(extra_rows), draw(_SEEDS)
    m = d + m
    k = draw(st.integers(1, 4))
    tight = draw(st.booleans())
    mix = draw(st.floats(0.0, 1.0))
    rng = np.random.default_rng(seed)
    s = np.exp(rng.uniform(-2.0, 2.0, d))
    Qm = haar_orthogonal(rng, m)[:, :d]
    V = haar_orthogonal(rng, d)
    A = (Qm * s) @ V.T
    B = rng.standard_normal((d, k))
    if tight:
        # B along the bottom right singular vector of A: equality in Claim C.2
        B = np.outer(V[:, np.argmin(s)], rng.standard_normal(k)) + mix * B
    return {"A": A, "B": B}


def matrix_pairs(
    d: int | SearchStrategy[int] = _INTS_1_5,
    extra_rows: int | SearchStrategy[int] = _INTS_0_2,
) -> SearchStrategy[dict]:
    """Instances ``{A, B}`` of Claim C.2: ``A`` (``m x d``, ``m = d + extra_rows``) with
    singular values ``e^{[-2, 2]}``, ``B`` (``d x k``) Gaussian, or along ``A``'s bottom right
    singular vector plus ``mix`` times Gaussian (the equality case)."""
    return _pairs(_ints(d, "d", 1), _ints(extra_rows, "extra_rows", 0))


# ------------------------------------------------------------------------ edge strategies
#
# Instances meeting every hypothesis but drawn where definitions and numerics break: round
# (dyadic) entries whose products are exact, exact ties of the inequalities, the ends of every
# parameter's domain, scales 2^-40 and 2^40, and points at the floating-point floor. Every
# choice is a draw from a small finite set, so draws shrink to the simplest edge.

_POWERS = (2.0**-40, 1.0, 2.0**40)
_ROUND = (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
#: radii of B_tau: both ends of [0, 1), dyadic values, and the last floats below 1
ROUND_TAUS = (0.0, 2.0**-40, 0.25, 0.5, 0.75, 1.0 - 2.0**-10, 1.0 - 2.0**-26,
              float(np.nextafter(1.0, 0.0)))
_INTS_1_3 = st.integers(1, 3)


def signed_permutation(rng: np.random.Generator, d: int) -> np.ndarray:
    """A uniformly drawn signed permutation matrix: orthogonal, and exact in floating point
    (conjugating by it moves and negates entries without rounding)."""
    return np.eye(d)[rng.permutation(d)] * rng.choice([-1.0, 1.0], d)[:, None]


def _round_matrix(draw, rows: int, cols: int, scale: float = 1.0) -> np.ndarray:
    entries = draw(st.lists(st.sampled_from(_ROUND), min_size=rows * cols, max_size=rows * cols))
    return scale * np.array(entries, dtype=np.float64).reshape(rows, cols)


def _product(A: list[np.ndarray]) -> np.ndarray:
    P = np.eye(A[0].shape[0])
    for Ai in A:
        P = (np.eye(P.shape[0]) + Ai) @ P
    return P


@st.composite
def _ball_edge(draw, d, ell, with_descent):
    d, ell = draw(d), draw(ell)
    tau = draw(st.sampled_from(ROUND_TAUS))
    shape = draw(st.sampled_from(["minus-tau-identity", "signed-permutation", "diagonal",
                                  "zero"]))
    target = draw(st.sampled_from(["tight", "round", "minimiser", "floor"]))
    scale, size = draw(st.sampled_from(_POWERS)), draw(st.sampled_from(_POWERS))
    lam = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=d, max_size=d)))
    rng = np.random.default_rng(draw(_SEEDS))
    A = []
    for _ in range(ell):
        if shape == "minus-tau-identity":
            Ai = -tau * np.eye(d)
        elif shape == "signed-permutation":
            Ai = tau * signed_permutation(rng, d)
        elif shape == "diagonal":
            Ai = np.diag(tau * rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], d))
            Ai[0, 0] = -tau  # |||A||| = tau exactly
        else:
            Ai = np.zeros((d, d))
        A.append(Ai)
    P = _product(A)
    if target == "tight":
        # E = w e_j^T with e_j the bottom eigenvector of the diagonal Sigma: with
        # A_i = -tau I, eq. (2.3) is an equality
        w = _round_matrix(draw, d, 1, size)
        if not np.any(w):
            w[0, 0] = size
        R = P - w @ np.eye(d)[[int(np.argmin(lam))]]
    elif target == "round":
        R = _round_matrix(draw, d, d, size)
    elif target == "minimiser":
        R = P.copy()  # E = 0: a global minimiser, both sides of eq. (2.3) vanish
    else:
        R = P + 2.0**-50 * _round_matrix(draw, d, d, max(1.0, float(np.max(np.abs(P)))))
    inst = {"R": R, "Sigma": scale * np.diag(lam), "A": A, "tau": tau}
    if with_descent and draw(st.booleans()):
        top = scale * max(float(lam.max()), 0.5)
        step = 0.25 / (ell * top * (1.0 + 2.0 * tau) ** (2 * ell - 2))
        inst.update(gd_step=min(max(step, 1e-12), 1e3),
                    gd_steps=draw(st.sampled_from([0, 1, 50])),
                    gd_rel_tol=draw(st.sampled_from([0.0, 1e-5, 1.0])))
    return inst


def ball_edge_instances(
    d: int | SearchStrategy[int] = _INTS_1_3,
    ell: int | SearchStrategy[int] = _INTS_1_3,
    with_descent: bool = False,
) -> SearchStrategy[dict]:
    """Edge instances ``{R, Sigma, A, tau}`` of eq. (2.3) and Theorem 2.2: ``tau`` in
    :data:`ROUND_TAUS` (0, 2^-40, dyadic values, the floats just below 1); ``A_i = -tau I``
    (the extreme direction), ``tau`` times a signed permutation, a diagonal with entries in
    ``tau {-1, -1/2, 0, 1/2, 1}`` and ``|||A||| = tau``, or 0; ``Sigma`` diagonal with entries in
    ``{0, 1/2, 1, 2}`` (singular included) times 2^-40, 1 or 2^40; targets making eq. (2.3) an
    exact equality at ``A_i = -tau I`` (``E = w e_j^T``, ``e_j`` the bottom eigenvector),
    round targets, the global minimiser ``R = P`` (both sides 0) and ``R = P + 2^-50 P``-sized
    perturbations (the floating-point floor). With ``with_descent`` some draws carry a short
    gradient-descent run (0, 1 or 50 steps; ``gd_rel_tol`` at 0, 1e-5 and 1)."""
    return _ball_edge(_ints(d, "d", 1), _ints(ell, "ell", 1), bool(with_descent))


@st.composite
def _residual_edge(draw, d, ell, with_mean):
    d, ell = draw(d), draw(ell)
    scale, size = draw(st.sampled_from(_POWERS)), draw(st.sampled_from(_POWERS))
    A = []
    for _ in range(ell):
        kind = draw(st.sampled_from(["zero", "minus-identity", "half", "round"]))
        A.append({"zero": np.zeros((d, d)), "minus-identity": -np.eye(d),
                  "half": 0.5 * np.eye(d)}.get(kind) if kind != "round"
                 else _round_matrix(draw, d, d, 0.5))
    # entries of Sigma are perfect squares times an even power of two, so the boundary mean
    # sqrt(Sigma_00) e_0 (Cov(x) singular) is exact
    lam = np.array(draw(st.lists(st.sampled_from([0.0, 0.25, 1.0, 4.0]), min_size=d,
                                 max_size=d)))
    inst = {"R": _round_matrix(draw, d, d, size), "Sigma": scale * np.diag(lam), "A": A}
    if with_mean:
        mean = np.zeros(d)
        if draw(st.booleans()):
            mean[0] = math.sqrt(scale * lam[0])  # on the boundary: Cov(x) = Sigma - m m^T
        inst.update(x_mean=mean, seed=draw(st.sampled_from([0, 2**63 - 1])))
    return inst


def residual_edge_instances(
    d: int | SearchStrategy[int] = _INTS_1_3,
    ell: int | SearchStrategy[int] = _INTS_1_3,
    with_mean: bool = False,
) -> SearchStrategy[dict]:
    """Edge instances ``{R, Sigma, A}`` of the linear residual model (Claim 2.3, Lemma 2.4):
    slices ``0``, ``-I`` (``P = 0``: every slice gradient has a zero factor), ``I/2`` or round
    dyadic matrices; ``R`` round times 2^-40, 1 or 2^40; ``Sigma`` diagonal, singular allowed,
    times 2^-40, 1 or 2^40. With ``with_mean`` also ``x_mean``, zero or on the boundary of the
    admissible means (``Cov(x) = Sigma - x_mean x_mean^T`` singular), and ``seed`` at both ends
    of its domain."""
    return _residual_edge(_ints(d, "d", 1), _ints(ell, "ell", 1), bool(with_mean))


def _depth_range(gamma: float) -> int:
    return max(1, math.ceil(3.0 * gamma * (1.0 + 1e-12)))


@st.composite
def _target_edge(draw, d, spd):
    d = draw(d)
    rng = np.random.default_rng(draw(_SEEDS))
    kinds = ["identity", "power", "diagonal"] + ([] if spd else ["permutation"] + (
        ["minus-identity", "rotation"] if d >= 2 else []))
    kind = draw(st.sampled_from(kinds))
    k = draw(st.sampled_from([1, 3, 40]))
    if kind == "identity":
        R = np.eye(d)
    elif kind == "power":
        R = 2.0 ** (k * draw(st.sampled_from([-1, 1]))) * np.eye(d)
    elif kind == "diagonal":
        R = np.diag([2.0**k if i % 2 == 0 else 2.0**-k for i in range(d)])
    elif kind == "minus-identity":
        R = -np.eye(d)
        if d % 2:
            R[-1, -1] = 1.0  # det R > 0: rotations by pi in the leading even block
    elif kind == "rotation":
        R = np.eye(d)
        R[:2, :2] = [[0.0, -1.0], [1.0, 0.0]]  # rotation by pi/2, exact
    else:
        R = signed_permutation(rng, d)
        if np.linalg.det(R) < 0:
            R[0] *= -1.0
    s = np.linalg.svd(R, compute_uv=False)
    ell0 = _depth_range(max(abs(math.log(s[0])), abs(math.log(s[-1]))))
    # the smallest admissible depth, the next one, and the end of the parser's domain
    ell = draw(st.sampled_from([ell0, ell0 + 1] + ([10_000] if d == 1 else [])))
    return {"R": R, "ell": ell}


def target_edge_instances(
    d: int | SearchStrategy[int] = _INTS_1_3, spd: bool = False,
) -> SearchStrategy[dict]:
    """Edge instances ``{R, ell}`` of Theorem 2.1 (``spd``: of its PSD case, App. A.1):
    ``R = I`` (``gamma = 0``, the bound is ``4 pi / ell``, resp. 0), ``2^{+-k} I`` and
    ``diag(2^k, 2^-k, ...)`` with ``k`` in ``{1, 3, 40}``, and (general case) ``-I`` in the
    leading even block (rotations by ``pi``), a rotation by ``pi/2`` and signed permutations
    with ``det R = 1``; ``ell`` the smallest depth with ``ell >= 3 gamma``, the next one, or
    the end of the parser's domain (10 000, drawn for ``d = 1`` only, where it is cheap)."""
    return _target_edge(_ints(d, "d", 1), bool(spd))


@st.composite
def _standard_edge(draw, d):
    d = draw(d)
    R = _round_matrix(draw, d, d, draw(st.sampled_from(_POWERS)))
    if not np.any(R):
        R[0, 0] = 1.0
    lam = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=d,
                                 max_size=d)))
    lam[int(np.argmax(np.abs(R).sum(axis=0)))] = 1.0  # R Sigma^{1/2} != 0
    return {"R": R, "Sigma": draw(st.sampled_from(_POWERS)) * np.diag(lam),
            "ell": draw(st.sampled_from([2, 3, 64]))}


def standard_edge_instances(d: int | SearchStrategy[int] = _INTS_1_3) -> SearchStrategy[dict]:
    """Edge instances ``{R, Sigma, ell}`` of §1.1: round ``R`` and diagonal (possibly singular)
    ``Sigma`` with ``R Sigma^{1/2} != 0``, each times 2^-40, 1 or 2^40; ``ell`` at 2 (the
    smallest depth with the phenomenon), 3 and 64 (the end of the parser's domain)."""
    return _standard_edge(_ints(d, "d", 1))


_EXACT_O2 = (
    ((1.0, 0.0), (0.0, 1.0)), ((-1.0, 0.0), (0.0, -1.0)), ((0.0, -1.0), (1.0, 0.0)),
    ((0.0, 1.0), (-1.0, 0.0)), ((-1.0, 0.0), (0.0, 1.0)), ((1.0, 0.0), (0.0, -1.0)),
    ((0.0, 1.0), (1.0, 0.0)), ((0.0, -1.0), (-1.0, 0.0)),
)


@st.composite
def _orth2_edge(draw):
    if draw(st.booleans()):
        Q = np.array(draw(st.sampled_from(_EXACT_O2)))
    else:
        # rotations within one float of pi (the tight case) and of 0
        theta = draw(st.sampled_from([float(np.nextafter(math.pi, 0.0)), -math.pi, 2.0**-40]))
        Q = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return {"Q": Q, "q": draw(st.sampled_from([1, 2, 3, 100_000]))}


def orthogonal_2x2_edges() -> SearchStrategy[dict]:
    """Edge instances ``{Q, q}`` of Claim A.1: the eight signed permutation matrices of
    ``O(2)`` (``+-I``, rotations by ``+-pi/2``, four reflections), rotations by the floats
    nearest ``pi`` and by 2^-40; ``q`` in ``{1, 2, 3}`` and the end of its domain, 100 000."""
    return _orth2_edge()


@st.composite
def _normal_edge(draw, d):
    d = draw(d)
    rng = np.random.default_rng(draw(_SEEDS))
    kind = draw(st.sampled_from(["zero", "identity", "permutation", "rotations", "repeated"]))
    scale = draw(st.sampled_from(_POWERS + (2.0**-1060,)))
    if kind == "zero":
        U = np.zeros((d, d))
    elif kind == "identity":
        U = -np.eye(d) if draw(st.booleans()) else np.eye(d)
    elif kind == "permutation":
        U = signed_permutation(rng, d)
    else:
        U = np.zeros((d, d))
        for i in range(0, d - 1, 2):
            a, b = (1.0, 1.0) if kind == "repeated" else rng.choice([-1.0, 0.5, 2.0], 2)
            U[i:i + 2, i:i + 2] = [[a, -b], [b, a]]
        if d % 2:
            U[-1, -1] = 1.0
        P = signed_permutation(rng, d)
        U = P @ U @ P.T
    return {"U": scale * U}


def normal_matrix_edges(d: int | SearchStrategy[int] = _INTS_1_4) -> SearchStrategy[dict]:
    """Edge instances ``{U}`` of Claim C.1: 0, ``+-I``, signed permutations (eigenvalues on
    the unit circle, repeated), blocks ``a I + b J`` with round ``a, b`` (repeated ones
    included) in a permuted basis, times 2^-40, 1, 2^40 or 2^-1060 (subnormal entries)."""
    return _normal_edge(_ints(d, "d", 1))


@st.composite
def _pair_edge(draw, d, extra):
    d, m = draw(d), draw(extra)
    m += d
    k = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["identity", "rank-deficient", "diagonal"]))
    A = np.zeros((m, d))
    A[:d, :d] = np.eye(d)
    if kind == "rank-deficient":
        A[d - 1, d - 1] = 0.0  # sigma_min(A) = 0: the right side vanishes
    elif kind == "diagonal":
        A[:d, :d] = np.diag([2.0 ** -i for i in range(d)])
    A *= draw(st.sampled_from(_POWERS))
    bkind = draw(st.sampled_from(["zero", "bottom", "round"]))
    if bkind == "zero":
        B = np.zeros((d, k))
    elif bkind == "bottom":
        # along the bottom right singular vector e_d of A: Claim C.2 is an equality
        B = np.zeros((d, k))
        B[d - 1] = _round_matrix(draw, 1, k, 1.0)
    else:
        B = _round_matrix(draw, d, k, 1.0)
    return {"A": A, "B": draw(st.sampled_from(_POWERS)) * B}


def matrix_pair_edges(
    d: int | SearchStrategy[int] = _INTS_1_3,
    extra_rows: int | SearchStrategy[int] = _INTS_0_2,
) -> SearchStrategy[dict]:
    """Edge instances ``{A, B}`` of Claim C.2: ``A`` (``m x d``, ``m >= d``) the identity, a
    rank-deficient diagonal (``sigma_min = 0``) or ``diag(1, 1/2, ...)``, times 2^-40, 1 or
    2^40; ``B`` zero (both sides 0), along ``A``'s bottom right singular vector (equality), or
    round, times 2^-40, 1 or 2^40."""
    return _pair_edge(_ints(d, "d", 1), _ints(extra_rows, "extra_rows", 0))


# ------------------------------------------------------------------ metamorphic relations
#
# Transformations of a parsed instance under which the truth of a §2 / App. A / App. C claim
# cannot change. Changes of basis use signed permutations (orthogonal and exact in floating
# point, so the transformed instance is the same mathematical object in the new basis) and
# scalings use powers of two (exact away from overflow and underflow).

def _power(rng: np.random.Generator) -> float:
    """A power of two ``2^k``, ``k`` uniform in ``[-20, 20]`` without 0."""
    k = int(rng.integers(1, 21)) * (1 if rng.random() < 0.5 else -1)
    return 2.0**k


def basis_change(description: str) -> Relation:
    """``M -> P M P^T`` for every ``d x d`` matrix of the instance (``R``, ``Sigma``, each
    ``A_i``, ``x_cov``, ``U``) and ``v -> P v`` for ``x_mean``, ``P`` a signed permutation."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        key = next(k for k in ("R", "U") if k in inst)
        P = signed_permutation(rng, inst[key].shape[0])
        out = dict(inst)
        for k in ("R", "Sigma", "x_cov", "U"):
            if k in inst:
                out[k] = P @ inst[k] @ P.T
        if "A" in inst:
            out["A"] = [P @ Ai @ P.T for Ai in inst["A"]]
        if "x_mean" in inst:
            out["x_mean"] = P @ inst["x_mean"]
        return out
    return Relation("signed-permutation basis change", description, transform)


def scaling(name: str, description: str, keys: dict[str, int], same_slack: bool = True,
            inverse: tuple[str, ...] = ()) -> Relation:
    """Multiply ``inst[key]`` by ``c^power`` for each ``key: power`` in ``keys`` (and the keys
    in ``inverse`` by ``1/c``), ``c`` a random power of two (:func:`_power`)."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        c = _power(rng)
        out = dict(inst)
        for k, power in keys.items():
            if k in inst:
                out[k] = (c**power) * inst[k]
        for k in inverse:
            if k in inst:
                out[k] = inst[k] / c
        return out
    return Relation(name, description, transform, same_slack)


def transpose(description: str, keys: tuple[str, ...]) -> Relation:
    """``M -> M^T`` for the named matrices."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        return {**inst, **{k: inst[k].T.copy() for k in keys}}
    return Relation("transpose", description, transform)


def pair_basis_change() -> Relation:
    """Claim C.2: ``A -> P_m A P_d^T``, ``B -> P_d B P_k^T`` (one ``P`` for all when ``A`` and
    ``B`` are square of one size, so that ``BA`` is also conjugated)."""
    def transform(inst: dict, rng: np.random.Generator) -> dict:
        A, B = inst["A"], inst["B"]
        (m, d), k = A.shape, B.shape[1]
        Pd = signed_permutation(rng, d)
        square = m == d == k
        Pm = Pd if square else signed_permutation(rng, m)
        Pk = Pd if square else signed_permutation(rng, k)
        return {**inst, "A": Pm @ A @ Pd.T, "B": Pd @ B @ Pk.T}
    return Relation(
        "orthogonal change of bases",
        r"$\|AB\|_F$, $\|BA\|_F$ ($A$, $B$ square), $\|B\|_F$ and $\sigma_{\min}(A)$ are "
        r"invariant under $A\mapsto P_mAP_d^\top$, $B\mapsto P_dBP_k^\top$ with orthogonal "
        r"$P$'s (signed permutations: exact)", transform)


def reflection_conjugation() -> Relation:
    """Claim A.1: ``Q -> D Q D`` with ``D = diag(-1, 1)``: ``D T(theta) D = T(-theta)`` and
    ``D T(theta) diag(-1, 1) D = T(-theta) diag(-1, 1)``, so ``|theta|`` and the bound are
    unchanged."""
    D = np.diag([-1.0, 1.0])
    return Relation(
        "conjugation by a reflection",
        r"$DT(\theta)D=T(-\theta)$ for $D=\operatorname{diag}(-1,1)$ (exact in floating point): "
        r"the split has the same angle $|\theta|/q$ and the same $\|W_j-I\|$",
        lambda inst, rng: {**inst, "Q": D @ inst["Q"] @ D})
