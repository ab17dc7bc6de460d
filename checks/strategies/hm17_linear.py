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

from checks.strategies.linalg import orthogonal

__all__ = [
    "ball_instances",
    "gradient_descent_instances",
    "haar_orthogonal",
    "matrix_pairs",
    "near_identity_instances",
    "normal_matrices",
    "orthogonal_2x2",
    "residual_instances",
    "spd_matrix",
    "spd_target_instances",
    "standard_instances",
    "target_instances",
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
