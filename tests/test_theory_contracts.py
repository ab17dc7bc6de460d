"""Contracts of small ``theory/`` functions that no claim exercises directly: the registries of
activations and losses (every entry: value, derivatives, traced and analytic forms, targets),
the backend helpers, Higham's constants, Levenberg-Marquardt, and the documented fields of a
few construction and training helpers. Each expected value comes from a second method (autograd,
central differences, a closed form, an independent reference loop) or a documented invariant.
"""

from __future__ import annotations

import math
from fractions import Fraction

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from scipy.special import expit

from theory.activations import ACTIVATIONS, Activation, get_activation
from theory.alignment import membership
from theory.backend import available_backends, gpu_available, to_numpy
from theory.constructions import k19_section4 as k19s4
from theory.constructions.hm17_expressivity import build_network
from theory.constructions.hm17_factorisation import OrthogonalBlocks, orthogonal_blocks, rotation
from theory.fourier import CanonicalSpace, SigmoidProduct, armijo_descent
from theory.gradient_basis import convex_report
from theory.jacobian import jacobian
from theory.losses import LOSSES, get_loss
from theory.models import ee
from theory.models.basis import example2_layers, relu_features
from theory.models.deep_linear import Feedforward as PartialLinearNet
from theory.models.feedforward import Feedforward
from theory.models.linear_residual import risk_gradient
from theory.numerics import gamma, unit_roundoff
from theory.optimize import fd_hessian, fd_hessian_rcond, levenberg_marquardt
from theory.trajectory import sharp_softplus

U64 = 2.0**-53
_egrad = autograd.elementwise_grad


# ----------------------------------------------------------------------------- activations

def _points() -> np.ndarray:
    return np.linspace(-6.0, 6.0, 41) + 0.0371  # no point at 0 (relu's kink)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forms_agree(name):
    """Every registered activation: ``traced`` and ``analytic`` equal ``value``; ``d1`` and
    ``d2`` equal autograd's first and second derivatives of ``traced``; the complex step of
    ``analytic`` equals ``d1``. Kills mutants of any one form (e.g. softplus's traced
    ``logaddexp(1.0, x)``, a wrong second derivative)."""
    act = ACTIVATIONS[name]
    assert act.name == name and get_activation(name) is act
    x = _points()
    v = act.value(x)
    np.testing.assert_allclose(act.traced(x), v, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(act.analytic(x + 0j).real, v, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(act.d1(x), _egrad(act.traced)(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.d2(x), _egrad(_egrad(act.traced))(x), rtol=1e-10, atol=1e-13)
    h = 1e-20
    np.testing.assert_allclose(act.analytic(x + 1j * h).imag / h, act.d1(x), rtol=1e-13,
                               atol=1e-15)
    assert act.smooth is (name != "relu")


def test_activation_closed_forms_and_tails():
    """Values against closed forms (``tanh``, ``expit``, ``log1p(e^x)``, ``max(x, 0)``, ``x``),
    and no overflow nor lost derivative at ``|x| = 800`` (the module's stability promise)."""
    x = np.linspace(-20.0, 20.0, 81)
    ref = {"tanh": np.tanh(x), "sigmoid": expit(x), "softplus": np.log1p(np.exp(x)),
           "relu": np.maximum(x, 0.0), "identity": x}
    assert set(ref) == set(ACTIVATIONS)
    for name, expected in ref.items():
        np.testing.assert_allclose(ACTIVATIONS[name].value(x), expected, rtol=1e-14, atol=1e-15)
    big = np.array([-800.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_array_equal(ACTIVATIONS["softplus"].value(big), [0.0, 800.0])
        np.testing.assert_array_equal(ACTIVATIONS["softplus"].d1(big), [0.0, 1.0])
        np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].value(big), [0.0, 1.0])
        assert np.all(np.isfinite(ACTIVATIONS["tanh"].d2(big)))
    d2 = ACTIVATIONS["softplus"].d2(x)  # sigma' (1 - sigma') in (0, 1/4], 1/4 at 0 only
    assert np.all((d2 > 0) & (d2 <= 0.25)) and ACTIVATIONS["softplus"].d2(np.array(0.0)) == 0.25


def test_get_activation_contract():
    """``get_activation`` returns an :class:`Activation` unchanged and rejects an unknown name
    with a ``ValueError`` naming it and listing the choices (kills a message set to None)."""
    custom = Activation("mine", np.sin, np.cos, lambda x: -np.sin(x), anp.sin, np.sin)
    assert get_activation(custom) is custom
    with pytest.raises(ValueError, match="unknown activation 'swish'") as err:
        get_activation("swish")
    for name in ACTIVATIONS:
        assert name in str(err.value)


@pytest.mark.parametrize("varsigma", [1.0, 7.0, 100.0])
def test_sharp_softplus_derivatives(varsigma):
    """``sigma(z) = ln(1 + e^{s z}) / s`` (k22 Figure 1) in both modules: value against the
    closed form, ``d1``/``d2`` against autograd of ``traced`` and against ``s^k`` times the
    softplus derivatives at ``s z``, complex step of ``analytic`` against ``d1``."""
    z = np.linspace(-0.3, 0.3, 25) + 0.0071
    base = ACTIVATIONS["softplus"]
    for act in (sharp_softplus(varsigma), ee.sharp_softplus(varsigma)):
        np.testing.assert_allclose(act.value(z), np.logaddexp(0.0, varsigma * z) / varsigma,
                                   rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(act.traced(z), act.value(z), rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(act.d1(z), base.d1(varsigma * z), rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(act.d2(z), varsigma * base.d2(varsigma * z), rtol=1e-12,
                                   atol=1e-300)
        np.testing.assert_allclose(act.d1(z), _egrad(act.traced)(z), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(act.d2(z), _egrad(_egrad(act.traced))(z), rtol=1e-10,
                                   atol=1e-13 * varsigma)
        h = 1e-30
        np.testing.assert_allclose(act.analytic(z + 1j * h).imag / h, act.d1(z), rtol=1e-13,
                                   atol=1e-15)


# ----------------------------------------------------------------------------- losses

_TARGETS = {"squared": "real", "cross-entropy": "binary01", "logistic": "sign",
            "smoothed-hinge": "sign"}


def _targets(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "real":
        return rng.standard_normal(n)
    if kind == "binary01":
        return rng.integers(0, 2, n).astype(float)
    return rng.choice([-1.0, 1.0], n)


def _loss_closed_form(name: str, f: np.ndarray, y: np.ndarray) -> np.ndarray:
    z = y * f
    return {
        "squared": (f - y) ** 2,
        "cross-entropy": np.log1p(np.exp(f)) - y * f,
        "logistic": np.log1p(np.exp(-z)),
        "smoothed-hinge": np.select([z <= 0, z < 1], [0.5 - z, 0.5 * (1 - z) ** 2], 0.0),
    }[name]


def test_loss_registry_and_targets():
    """The registry holds the four losses of the module docstring, each with the target set
    its own docstring names (kills a mutated ``targets`` string), and ``get_loss`` rejects
    an unknown name listing the choices."""
    assert {n: loss.targets for n, loss in LOSSES.items()} == _TARGETS
    for name, loss in LOSSES.items():
        assert loss.name == name and get_loss(name) is loss
    with pytest.raises(ValueError, match="unknown loss 'hinge'") as err:
        get_loss("hinge")
    for name in LOSSES:
        assert name in str(err.value)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_value_gradient_hessian(name):
    """Every loss: value against its closed form, ``grad`` against central differences of
    ``value`` and ``hess`` against central differences of ``grad`` (away from the smoothed
    hinge's kinks), convexity ``hess >= 0`` (k19 Assumption 1), and finite values and
    derivatives at ``|f| = 800``. Kills wrong formulas in any lambda of the registry."""
    rng = np.random.default_rng(5)
    loss = LOSSES[name]
    y = _targets(loss.targets, rng, 200)
    f = 3.0 * rng.standard_normal(200)
    if name == "smoothed-hinge":
        z = y * f
        keep = (np.abs(z) > 1e-3) & (np.abs(z - 1) > 1e-3)
        f, y = f[keep], y[keep]
    np.testing.assert_allclose(loss.value(f, y), _loss_closed_form(name, f, y), rtol=1e-13,
                               atol=4 * unit_roundoff() * np.max(np.abs(f)))  # "- y f" cancels
    h = 1e-6
    fd1 = (loss.value(f + h, y) - loss.value(f - h, y)) / (2 * h)
    np.testing.assert_allclose(loss.grad(f, y), fd1, rtol=1e-6, atol=1e-8)
    fd2 = (loss.grad(f + h, y) - loss.grad(f - h, y)) / (2 * h)
    np.testing.assert_allclose(loss.hess(f, y), fd2, rtol=1e-6, atol=1e-7)
    assert np.all(loss.hess(f, y) >= 0.0)
    assert loss.hess(f, y).shape == f.shape
    big = np.array([-800.0, 800.0, -800.0, 800.0])
    yb = _targets(loss.targets, rng, 4) if loss.targets == "real" else (
        np.array([0.0, 0.0, 1.0, 1.0]) if loss.targets == "binary01"
        else np.array([-1.0, -1.0, 1.0, 1.0]))
    with np.errstate(over="raise", invalid="raise"):
        for part in (loss.value, loss.grad, loss.hess):
            assert np.all(np.isfinite(part(big, yb)))


def test_smoothed_hinge_pieces_meet():
    """The smoothed hinge is C^1: at ``z = 0`` and ``z = 1`` the neighbouring pieces give the
    same value and slope (``1/2, -y`` and ``0, 0``)."""
    loss = LOSSES["smoothed-hinge"]
    for y in (-1.0, 1.0):
        f = np.array([0.0, 1.0]) * y
        yy = np.array([y, y])
        np.testing.assert_array_equal(loss.value(f, yy), [0.5, 0.0])
        np.testing.assert_array_equal(loss.grad(f, yy), [-y, 0.0])
        np.testing.assert_array_equal(loss.hess(f, yy), [0.0, 0.0])


# ----------------------------------------------------------------------------- backend, numerics

def test_available_backends_follows_gpu():
    """``available_backends`` lists cupy exactly when :func:`gpu_available` says so."""
    expected = ["numpy", "cupy"] if gpu_available()[0] else ["numpy"]
    assert available_backends() == expected


class _DeviceArray:
    """A stand-in for a device array: ``get()`` copies to the host."""

    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float64)

    def get(self):
        return self.data.copy()


def test_to_numpy_copies_device_arrays():
    """``to_numpy`` calls ``get()`` on a non-NumPy array (CuPy's host copy) and passes NumPy
    arrays through ``np.asarray`` (kills a negated ``isinstance`` test)."""
    out = to_numpy(_DeviceArray([1.0, 2.0]))
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, 2.0])
    a = np.arange(3.0)
    assert to_numpy(a) is a
    np.testing.assert_array_equal(to_numpy([1, 2]), [1, 2])


def test_gamma_is_highams_constant():
    """``gamma_n = n u / (1 - n u)`` in exact rational arithmetic (u = 2^-53, 2^-24 for
    float32), and undefined (ValueError) once ``n u >= 1``."""
    assert unit_roundoff() == U64 and unit_roundoff(np.float32) == 2.0**-24
    for n in (1, 3, 1000, 2**40, 2**52):
        nu = n * Fraction(1, 2**53)
        assert gamma(n) == pytest.approx(float(nu / (1 - nu)), rel=1e-15, abs=0)
    nu = 1000 * Fraction(1, 2**24)
    assert gamma(1000, np.float32) == pytest.approx(float(nu / (1 - nu)), rel=1e-15, abs=0)
    assert gamma(2**52) == pytest.approx(1.0, rel=1e-15, abs=0)  # n u = 1/2
    with pytest.raises(ValueError, match="undefined"):
        gamma(2**53)


# ----------------------------------------------------------------------------- optimize

def test_fd_hessian_rcond_is_the_central_difference_accuracy():
    """``fd_hessian_rcond = 16 u^(2/3)`` (its docstring), and :func:`fd_hessian` of a smooth
    function is accurate to well within that cutoff relative to the Hessian's scale."""
    assert fd_hessian_rcond() == pytest.approx(16 * U64 ** (2 / 3), rel=1e-14, abs=0)
    assert U64 < fd_hessian_rcond() < math.sqrt(U64)

    def f(t):
        return anp.sum(anp.sin(t) * anp.roll(t, 1) ** 2) + anp.exp(0.3 * t[0] * t[-1])

    theta = np.array([0.3, -1.1, 2.0, 0.7])
    H = autograd.hessian(f)(theta)
    err = np.max(np.abs(fd_hessian(autograd.grad(f), theta) - H))
    assert err <= fd_hessian_rcond() * np.max(np.abs(H))


def _lm_reference(residual, jacobian_, x0, steps):
    """Madsen, Nielsen & Tingleff (2004), Algorithm 3.16, with Marquardt's scaling
    D^2 = diag(J^T J): ``steps`` residual evaluations after the first, no stopping test."""
    x = np.array(x0, dtype=float)
    r, J = residual(x), jacobian_(x)
    F = 0.5 * r @ r
    A, g = J.T @ J, J.T @ r
    mu, nu = 1e-3 * np.max(np.diag(A)), 2.0
    for _ in range(steps):
        D2 = np.diag(A)
        h = np.linalg.solve(A + mu * np.diag(D2), -g)
        r_new = residual(x + h)
        F_new = 0.5 * r_new @ r_new
        gain = (F - F_new) / (0.5 * h @ (mu * D2 * h - g))
        if gain > 0:
            x = x + h
            r, J, F = r_new, jacobian_(x), F_new
            A, g = J.T @ J, J.T @ r
            mu, nu = mu * max(1 / 3, 1 - (2 * gain - 1) ** 3), 2.0
        else:
            mu, nu = mu * nu, 2 * nu
    return x


def _rosenbrock():
    def r(x):
        return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])

    def J(x):
        return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])

    return r, J, np.array([-1.2, 1.0])


def test_levenberg_marquardt_follows_nielsen_iteration():
    """The iterates after 1..14 residual evaluations equal those of an independent loop of
    Algorithm 3.16 (gain ratio, Nielsen's ``mu`` update, ``nu`` doubling on rejection), and the
    full run reaches Rosenbrock's minimiser (1, 1). Kills mutants of the damping updates."""
    r, J, x0 = _rosenbrock()
    for evals in range(2, 16):
        got = levenberg_marquardt(r, J, x0, max_nfev=evals)
        np.testing.assert_allclose(got, _lm_reference(r, J, x0, evals - 1), rtol=1e-12,
                                   atol=1e-14)
    np.testing.assert_allclose(levenberg_marquardt(r, J, x0), [1.0, 1.0], rtol=0, atol=1e-12)


def test_levenberg_marquardt_default_tolerance_is_9u():
    """The documented default ``tol = 9u``: for ``r(x) = x`` at ``x0 = c u`` (gradient ``c u``,
    scale ``max(1, 2F) = 1``) the run stops at once when ``c <= 9`` and moves when ``c > 9``."""
    def r(x):
        return np.asarray(x, dtype=float)

    def J(x):
        return np.eye(1)

    for c, moves in ((8.5, False), (9.0, False), (9.5, True), (12.0, True)):
        x0 = np.array([c * U64])
        x = levenberg_marquardt(r, J, x0)
        assert bool(abs(x[0]) < abs(x0[0])) is moves, c
    assert levenberg_marquardt(r, J, np.array([9.5 * U64]), tol=10 * U64)[0] == 9.5 * U64


# ----------------------------------------------------------------------------- alignment

def test_membership_of_a_zero_matrix():
    """A zero (or underflowed) Jacobian has Col(J) = {0}: ``b = 0`` is a member, any other
    ``b`` is not, with rank 0 and the documented reasons."""
    J = np.zeros((3, 4))
    zero = membership(np.zeros(3), J=J)
    assert zero.member is True and zero.rank == 0 and zero.reason == "b = 0"
    b = np.array([1.0, -2.0, 0.5])
    out = membership(b, J=J)
    assert out.member is False and out.rank == 0 and out.rho == 1.0
    assert out.residual == pytest.approx(np.linalg.norm(b), rel=1e-15, abs=0)
    assert out.reason == "the matrix is zero (underflow)"
    tiny = membership(b, J=np.full((3, 4), 1e-310))
    assert tiny.member is False and tiny.reason == "the matrix is zero (underflow)"


# ----------------------------------------------------------------------------- constructions

def test_build_network_counts_its_draws():
    """``info['draws']`` is the number of draws made: with one failure reason per failed draw,
    ``draws = len(failures) + 1`` on success and ``draws = max_draws = len(failures)`` when
    every draw fails (a width k = 1 projection cannot separate 40 points)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 6))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = np.arange(40) % 3
    with np.errstate(divide="ignore", invalid="ignore"):
        net, info = build_network(X, labels, 3, 1, np.random.default_rng(0), max_draws=3)
    assert net is None and info["draws"] == 3 and len(info["failures"]) == 3
    net, info = build_network(X, labels, 3, 40, np.random.default_rng(0), max_draws=5)
    assert net is not None and info["draws"] == len(info["failures"]) + 1


def test_orthogonal_blocks_parts():
    """``U = S diag(T(0.7), -1, -1, 1) S^T``: one Schur rotation plane and one sign pair. The
    ``"rotations"`` and ``"signs"`` generators act on disjoint planes, so they commute and
    multiply to ``"all"``, whose q-th power is ``U``; ``factor_norm(q) = ||G - I||_2``. Planes
    and angles are matched one to one: a list of another length is refused (``zip`` strict)."""
    rng = np.random.default_rng(9)
    S = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    D = np.eye(5)
    D[:2, :2] = rotation(0.7)
    D[2, 2] = D[3, 3] = -1.0
    U = S @ D @ S.T
    blocks = orthogonal_blocks(U)
    assert blocks.rotation_count == 1 and len(blocks.planes) == len(blocks.angles) == 2
    for q in (1, 3):
        G, rot, sgn = (blocks.generator(q, part) for part in ("all", "rotations", "signs"))
        np.testing.assert_allclose(rot @ sgn, G, atol=1e-14)
        np.testing.assert_allclose(sgn @ rot, G, atol=1e-14)
        np.testing.assert_allclose(np.linalg.matrix_power(G, q), U, atol=1e-13)
        assert blocks.factor_norm(q) == pytest.approx(np.linalg.norm(G - np.eye(5), 2),
                                                      rel=1e-12, abs=0)
    bad = OrthogonalBlocks(blocks.S, blocks.planes, blocks.angles[:1], 1)
    with pytest.raises(ValueError):
        bad.generator(1)


def _mixed_net():
    """d_x = 2, one hidden layer (identity, tanh), d_y = 1, with the identity unit's outgoing
    weight zero: P_0 = W2[J2, J1] = 0 is singular although the full row W2[J2, :] is not."""
    net = PartialLinearNet((2, 2, 1), (("identity", "tanh"),))
    rng = np.random.default_rng(8)
    Ws = [rng.standard_normal((2, 2)), np.array([[0.0, 1.3]])]
    X = rng.standard_normal((2, 7))
    Y = rng.standard_normal((1, 7))
    return net, net.pack(Ws), X, Y


def test_perturbation_set_uses_only_linear_columns():
    """Theorem 4's ``P_l`` multiplies the blocks ``W^(l)[J^(l), J^(l-1)]`` (rows and columns of
    the linear units only): here ``P_0 = 0`` is singular though ``W2`` has rank 1, so S adds
    ``d_0 = 2`` moves of the identity unit's row, and they leave the outputs unchanged."""
    net, theta, X, _ = _mixed_net()
    sets, why = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    assert why == "ok" and sets == [[0]]
    S, info = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    assert info["singular_levels"] == [0] and info["built_levels"] == [0] and info["complete"]
    assert len(S) == 1 + 2
    np.testing.assert_allclose([np.linalg.norm(v) for v in S[1:]], 1.0, rtol=1e-14)
    f0 = net.outputs(theta, X)
    for v in S:
        np.testing.assert_allclose(net.outputs(theta + 0.5 * v, X), f0, rtol=0, atol=1e-14)


def test_pgb_comparison_spectrum_of_js():
    """``sigma_max_JS``, ``sigma_min_JS`` and ``rank_JS`` are the extreme retained singular
    values and the rank of ``sqrt(Lambda) J_S`` with unit columns, recomputed here from
    autograd Jacobians at ``theta + eps v``."""
    net, theta, X, Y = _mixed_net()
    sets, _ = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    S, _ = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    eps, lam = 1e-3, np.full(X.shape[1], 2.0)
    cmp = k19s4.pgb_comparison(net.outputs, theta, X, Y, lam, S, eps, {"x": X})
    JS = np.hstack([autograd.jacobian(lambda t: anp.ravel(net.outputs(t, X)))(theta + eps * v)
                    for v in S])
    norms = np.linalg.norm(JS, axis=0)
    s = np.linalg.svd(JS / np.where(norms > 0, norms, 1.0), compute_uv=False)
    rank = int(np.sum(s > s[0] * 1e-10))
    assert cmp.rank_JS == rank
    assert cmp.sigma_max_JS == pytest.approx(s[0], rel=1e-10, abs=0)
    assert cmp.sigma_min_JS == pytest.approx(s[rank - 1], rel=1e-8, abs=0)


def test_pgb_comparison_fields():
    """The other fields of eq. (4.2)'s comparison, from independent weighted least squares
    (``lstsq`` on ``diag(sqrt lambda) [J_S, Phi^T]``), autograd gradients and the outputs at
    ``theta + eps v``: the loss, the PGB infimum, the feature-only infimum and its whitened
    singular values, the minimum-norm coefficients ``C`` with ``J_S C = Phi^T``, the relative
    distances of the features from range J and range J_S, ``max ||v||`` and the row count."""
    net, theta, X, Y = _mixed_net()
    sets, _ = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    S, _ = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    rng = np.random.default_rng(17)
    eps, lam = 1e-3, rng.uniform(0.5, 2.0, X.shape[1])
    S = [*S, 0.3 * rng.standard_normal(theta.size)]  # one move that does change the outputs
    cmp = k19s4.pgb_comparison(net.outputs, theta, X, Y, lam, S, eps, {"x": X})
    sw, y = np.sqrt(lam), Y.ravel()

    def jac(th):
        return autograd.jacobian(lambda t: anp.ravel(net.outputs(t, X)))(th)

    def L(th):
        return anp.sum(lam * (anp.ravel(net.outputs(th, X)) - y) ** 2)

    def wls(M):
        coef = np.linalg.lstsq(sw[:, None] * M, sw * y, rcond=None)[0]
        return float(np.sum(lam * (M @ coef - y) ** 2))

    def rel_dist(B, C):
        R = C - B @ np.linalg.lstsq(B, C, rcond=None)[0]
        return float(np.max(np.linalg.norm(R, axis=0) / np.linalg.norm(C, axis=0)))

    JS = np.hstack([jac(theta + eps * v) for v in S])
    F = X.T
    assert cmp.loss == pytest.approx(float(L(theta)), rel=1e-14, abs=0)
    assert cmp.pgb_infimum == pytest.approx(wls(np.hstack([JS, F])), rel=1e-6, abs=1e-12)
    assert cmp.max_norm_S == pytest.approx(max(np.linalg.norm(v) for v in S), rel=1e-15, abs=0)
    f0 = net.outputs(theta, X)
    change = max(np.max(np.abs(net.outputs(theta + eps * v, X) - f0)) for v in S)
    assert cmp.max_output_change == pytest.approx(change, rel=1e-12, abs=0)
    np.testing.assert_allclose(cmp.grad_at_S, [np.linalg.norm(autograd.grad(L)(theta + eps * v))
                                               for v in S], rtol=1e-10)
    assert cmp.target_norm == pytest.approx(float(np.linalg.norm(sw * y)), rel=1e-14, abs=0)
    assert cmp.rows == X.shape[1]
    feat = cmp.features["x"]
    assert feat["infimum"] == pytest.approx(wls(F), rel=1e-10, abs=0)
    sF = np.linalg.svd(sw[:, None] * F, compute_uv=False)
    assert feat["sigma_max"] == pytest.approx(sF[0], rel=1e-12, abs=0)
    assert feat["sigma_min"] == pytest.approx(sF[-1], rel=1e-12, abs=0)
    # the minimum-norm coefficients on unit columns of J_S, mapped back to J_S's columns
    norms = np.linalg.norm(sw[:, None] * JS, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    C = np.linalg.pinv(sw[:, None] * JS / norms, rcond=1e-10) @ (sw[:, None] * F) / norms[:, None]
    assert feat["coef_norm"] == pytest.approx(float(np.linalg.norm(C, 2)), rel=1e-6, abs=0)
    assert feat["residual_J"] == pytest.approx(
        rel_dist(sw[:, None] * jac(theta), sw[:, None] * F), rel=1e-6, abs=1e-12)
    assert feat["residual_JS"] == pytest.approx(
        rel_dist(sw[:, None] * JS, sw[:, None] * F), rel=1e-6, abs=1e-12)


# ----------------------------------------------------------------------------- fourier, k19

def test_armijo_descent_records_acceptance_and_float_iterate():
    """``armijo_descent`` returns ``w`` as float64 even from integer ``w0`` (kills a dropped
    dtype), flags a step ``accepted`` exactly when Armijo's condition was met (or with the
    fixed step), and rejects when no halving is allowed and the full step overshoots."""
    space, model = CanonicalSpace(1, 0, 16), SigmoidProduct()
    X, y = np.array([[0.5]]), np.array([2.0])
    w0 = [0, 0, 0]
    run = armijo_descent(space, model, w0, X, y, 0, 0.5)
    assert run["w"].dtype == np.float64 and run["accepted"].size == 0 and run["F"].size == 1
    run = armijo_descent(space, model, w0, X, y, 4, 0.5)
    assert run["accepted"].tolist() == [True] * 4 and np.all(np.diff(run["F"]) < 0)
    fixed = armijo_descent(space, model, w0, X, y, 3, 0.5, armijo=False)
    assert fixed["accepted"].tolist() == [True] * 3 and np.all(fixed["eta"] == 0.5)
    far = armijo_descent(space, model, w0, X, y, 1, 1e6, max_halvings=0)
    assert far["accepted"].tolist() == [False] and far["eta"][0] == 0.5e6


def test_convex_report_rounding_bound():
    """``tau_round = 2 gamma_n max_q (L(q) + sum_i lambda_i |l'(q_i)| |q_i|)`` over ``q = f``
    and ``q = J alpha`` (the docstring), checked for the squared loss whose minimiser
    ``J alpha`` is the weighted least-squares fit, computed here by ``lstsq``."""
    rng = np.random.default_rng(2)
    m, p = 9, 3
    J = 3.0 * rng.standard_normal((m, p))
    Y = rng.standard_normal((m, 1))
    lam = rng.uniform(0.5, 2.0, m)
    g = rng.standard_normal(p)
    F = (J @ g).reshape(m, 1)
    loss = get_loss("squared")
    y = Y.ravel()
    grad_L = J.T @ (lam * loss.grad(F.ravel(), y))
    rep = convex_report(loss, F, Y, lam, J, grad_L, g, restarts=1)
    sw = np.sqrt(lam)
    q = J @ np.linalg.lstsq(J * sw[:, None], sw * y, rcond=None)[0]
    assert rep.inf == pytest.approx(float(np.sum(lam * (q - y) ** 2)), rel=1e-10, abs=0)
    terms = [np.sum(lam * (v - y) ** 2) + np.sum(lam * np.abs(2 * (v - y)) * np.abs(v))
             for v in (F.ravel(), q)]
    assert rep.tau_round == pytest.approx(2 * gamma(m + p) * max(terms), rel=1e-8, abs=0)
    # the other documented fields, recomputed from their definitions
    n, f = m + p, F.ravel()
    alpha = np.linalg.lstsq(J * sw[:, None], sw * y, rcond=None)[0]
    assert rep.L == pytest.approx(float(np.sum(lam * (f - y) ** 2)), rel=1e-14, abs=0)
    assert rep.attained and rep.attained_note == "minimiser bounded"
    assert rep.grad_norm == pytest.approx(float(np.linalg.norm(grad_L)), rel=1e-14, abs=0)
    g_err = gamma(n) * np.linalg.norm(np.abs(J).T @ (lam * np.abs(2 * (f - y))))
    assert rep.grad_err == pytest.approx(g_err, rel=1e-12, abs=0)
    assert rep.radius == pytest.approx(float(np.linalg.norm(alpha - g)), rel=1e-8, abs=0)
    assert rep.credit == (rep.grad_norm + rep.grad_err) * rep.radius
    assert 0 <= rep.L - rep.inf <= rep.credit  # convexity: L_theta(alpha) >= L + <grad, a - g>
    assert rep.solver_grad_norm < 1e-8 * rep.grad_norm
    assert rep.structure_residual == pytest.approx(float(np.linalg.norm(J @ g - f)), rel=0,
                                                   abs=1e-12)
    s_tol = gamma(n) * (np.linalg.norm(J, 2) * np.linalg.norm(g) + np.linalg.norm(f))
    assert rep.structure_tol == pytest.approx(s_tol, rel=1e-12, abs=0)
    free = convex_report(loss, F, Y, lam, J, grad_L, None, restarts=0)
    assert free.structure_residual == math.inf and free.structure_tol == 0.0
    assert free.radius == pytest.approx(float(np.linalg.norm(alpha)), rel=1e-8, abs=0)
    assert free.inf == pytest.approx(rep.inf, rel=1e-10, abs=0)


def test_gb_infimum_convex_attainment():
    """The logistic loss on separable data has no minimiser (``L_theta(2 alpha) <
    L_theta(alpha)``: reported not attained, value near 0), on data that are not separable it
    has one (attained, gradient at rounding level, ``alpha`` a stationary point)."""
    from theory.gradient_basis import gb_infimum_convex

    loss = get_loss("logistic")
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    lam = np.ones(6)
    J_sep = np.column_stack([y * np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0]), np.ones(6)])
    res = gb_infimum_convex(loss, J_sep, y[:, None], lam, [np.zeros(2)], maxiter=50)
    assert not res.attained and "not attained" in res.note and res.value < 1e-3
    rng = np.random.default_rng(11)
    J = rng.standard_normal((12, 2))
    y2 = np.sign(J @ np.array([1.0, -0.5]) + 0.3)
    # x and -x with one label, for x = e_1 and e_2: L >= |a_1| + |a_2|, so a minimiser exists
    J = np.vstack([J, np.eye(2), -np.eye(2)])
    y2 = np.concatenate([y2, np.ones(4)])
    res = gb_infimum_convex(loss, J, y2[:, None], np.ones(16), [np.zeros(2), np.ones(2)])
    assert res.attained and res.note == "minimiser bounded" and np.any(res.alpha != 0)
    grad = J.T @ loss.grad(J @ res.alpha, y2)
    assert res.grad_norm == pytest.approx(float(np.linalg.norm(grad)), rel=1e-6, abs=1e-15)
    assert res.grad_norm < 1e-12
    assert res.value == pytest.approx(float(np.sum(loss.value(J @ res.alpha, y2))), rel=1e-14,
                                      abs=0)
    # the smoothed hinge is exactly 0 once every margin is >= 1: on separable data the
    # infimum 0 is attained at a finite alpha, and doubling it does not lower the value
    hinge = get_loss("smoothed-hinge")
    res = gb_infimum_convex(hinge, J_sep, y[:, None], lam, [np.array([3.0, 0.0])])
    assert res.value == 0.0 and res.attained and res.note == "minimiser bounded"


def test_jacobian_keeps_float32():
    """The analytic Jacobian is computed in ``theta``'s dtype (float32 stays float32) and
    agrees with the float64 Jacobian to float32 accuracy."""
    net = Feedforward([2, 3, 1], "tanh")
    theta = net.init(np.random.default_rng(0))
    X = np.random.default_rng(1).standard_normal((4, 2))
    J32 = jacobian(net, theta.astype(np.float32), X.astype(np.float32))
    assert J32.dtype == np.float32
    np.testing.assert_allclose(J32, jacobian(net, theta, X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("scheme", "gain"), [("he", 2.0), ("normal", 1.0)])
def test_feedforward_init_draws(scheme, gain):
    """``init`` draws, layer by layer, ``W_l ~ N(0, gain / m_{l-1})`` and (with bias only)
    ``b_l ~ 0.1 N(0, 1)`` from the generator: a bias-free net consumes no bias draws (kills a
    bias drawn regardless), ``theta`` has ``n_params`` entries, unknown schemes are refused."""
    widths = [3, 4, 2]
    for bias in (False, True):
        net = Feedforward(widths, "tanh", bias=bias)
        theta = net.init(np.random.default_rng(0), scheme)
        assert theta.size == net.n_params() == 4 * 3 + 2 * 4 + bias * (4 + 2)
        rng, parts = np.random.default_rng(0), []
        for k, m in zip(widths[:-1], widths[1:], strict=True):
            parts.append(np.ravel(rng.standard_normal((m, k)) * np.sqrt(gain / k)))
            if bias:
                parts.append(0.1 * rng.standard_normal(m))
        np.testing.assert_array_equal(theta, np.concatenate(parts))
        assert all((b is None) is (not bias) for _, b in net.unflatten(theta))
    with pytest.raises(ValueError, match="unknown init scheme"):
        Feedforward(widths, "tanh").init(np.random.default_rng(0), "xavier")


def test_example2_layers_footnote():
    """Example 2, footnote 1: rows ``i <= m`` of layer 1 are ``[x_i, eps' - 1]``, rows ``i > m``
    exactly ``[0, ..., 0, -1]``, deeper layers the identity, and ``phi(x_i) = eps' e_i``."""
    rng = np.random.default_rng(4)
    m, d, n, eps = 4, 5, 7, 0.05
    X = rng.standard_normal((m, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    layers = example2_layers(X, n, 3, eps)
    W1 = layers[0]
    np.testing.assert_array_equal(W1[:m], np.hstack([X, np.full((m, 1), eps - 1.0)]))
    np.testing.assert_array_equal(W1[m:], np.hstack([np.zeros((n - m, d)),
                                                     -np.ones((n - m, 1))]))
    assert len(layers) == 3 and all(np.array_equal(W, np.eye(n)) for W in layers[1:])
    np.testing.assert_allclose(relu_features(X, layers), eps * np.eye(m, n), atol=1e-14)


def test_ee_train_passes_time_and_model():
    """Algorithm 1's optimisers see ``t = 0..tau-1`` (explore) then ``tau..T-1`` (exploit), and
    ``callback`` gets the exploration model up to ``tau`` and the frozen model after it."""
    rng = np.random.default_rng(0)
    model = ee.EEModel([3, 4, 5], "tanh", m_H=3, m_y=1, varsigma=3.0)
    theta = model.init(rng)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    seen_t: dict[str, list] = {"explore": [], "exploit": []}

    def optimizer(kind):
        def step(gradient, n, t):
            seen_t[kind].append(t)
            return 0.01 * gradient(None)
        return step

    calls = []
    run = ee.ee_train(model, theta, X, Y, loss="squared", explore=optimizer("explore"),
                      exploit=optimizer("exploit"), tau=2, T=5, epsilon=0.01,
                      rng=np.random.default_rng(1),
                      callback=lambda t, th, mdl: calls.append((t, mdl)))
    assert seen_t == {"explore": [0, 1], "exploit": [2, 3, 4]}
    assert [t for t, _ in calls] == [0, 1, 2, 3, 4, 5]
    assert all(mdl is model for _, mdl in calls[:3])
    assert all(mdl is run.model and mdl.gates is not None for _, mdl in calls[3:])


def test_risk_gradient_readings_agree_for_one_layer():
    """With ``ell = 1`` every partial product is the identity, so all readings of Lemma 2.4
    except ``sqrt-sigma`` give ``2 E Sigma`` with ``E = A_1 - (R - I)`` (kills an index that
    assumes a second layer), and it matches central differences of the risk."""
    rng = np.random.default_rng(6)
    d = 3
    A = [0.2 * rng.standard_normal((d, d))]
    R = np.eye(d) + 0.3 * rng.standard_normal((d, d))
    B = rng.standard_normal((d, d))
    Sigma = B @ B.T + np.eye(d)
    expected = 2.0 * (np.eye(d) + A[0] - R) @ Sigma
    for reading in ("lemma", "descending-per-factor", "no-transpose"):
        (G,) = risk_gradient(A, R, Sigma, reading)
        np.testing.assert_allclose(G, expected, rtol=1e-13, atol=1e-13)


# ----------------------------------------------------------------------------- untested helpers

def test_loss_gradient_lipschitz_is_the_sup_of_the_hessian():
    """k22 Assumption 5's ``L`` for each recorded loss equals ``sup_f l''(f, y)`` over a fine
    grid and both targets (2 for squared, 1/4 for the logistic-type losses, at ``f = 0``);
    a loss without a recorded constant is refused."""
    f = np.linspace(-30.0, 30.0, 6001)
    for name, L in ee.LOSS_LIPSCHITZ.items():
        loss = LOSSES[name]
        ys = {"real": [-1.0, 0.5], "binary01": [0.0, 1.0], "sign": [-1.0, 1.0]}[loss.targets]
        sup = max(float(np.max(loss.hess(f, np.full_like(f, y)))) for y in ys)
        assert ee.loss_gradient_lipschitz(name) == L == pytest.approx(sup, rel=1e-12, abs=0)
    with pytest.raises(ValueError, match="smoothed-hinge"):
        ee.loss_gradient_lipschitz("smoothed-hinge")


def test_flush_subnormals_boundary():
    """Entries with ``|a| < tiny`` (subnormals, of either sign) become 0; ``tiny`` itself and
    everything larger is kept bit for bit; ``None`` passes through."""
    from theory.alignment import flush_subnormals

    tiny = np.finfo(np.float64).tiny
    sub = np.nextafter(tiny, 0.0)
    A = np.array([[tiny, -tiny, sub, -sub], [5e-324, 1.0, -2.5, 0.0]])
    out = flush_subnormals(A)
    np.testing.assert_array_equal(out, [[tiny, -tiny, 0.0, 0.0], [0.0, 1.0, -2.5, 0.0]])
    assert flush_subnormals(None) is None


def test_membership_at_cutoff_cases():
    """The naive decision at a fixed cut-off: ``b = 0`` is always a member, a zero spectrum
    never holds a nonzero ``b``, a combination of the retained left singular vectors is a
    member and a direction cut off (or orthogonal) is not."""
    from theory.alignment import membership_at_cutoff

    rng = np.random.default_rng(1)
    U = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    s = np.array([3.0, 1.0, 1e-9, 0.0, 0.0])
    b_in, b_cut = U[:, :2] @ np.array([1.0, -2.0]), U[:, 2]
    assert membership_at_cutoff(np.zeros(5), s, U, 1e-6) is True
    assert membership_at_cutoff(b_in, np.zeros(5), U, 1e-6) is False
    assert membership_at_cutoff(b_in, s, U, 1e-6) is True
    assert membership_at_cutoff(b_cut, s, U, 1e-6) is False
    assert membership_at_cutoff(b_cut, s, U, 1e-12) is True  # a looser cut-off keeps it
    assert membership_at_cutoff(U[:, 4], s, U, 1e-12) is False


def test_hessian_extremes_and_second_order_test():
    """``hessian_extremes`` are the extreme eigenvalues of the symmetric part (NaN when not
    finite); the second-order test passes exactly when ``lambda_min >= -gamma_n ||H||_2``,
    including the boundary ``lambda_min = -tau_H``."""
    from theory.optimize import hessian_extremes, second_order_test

    rng = np.random.default_rng(2)
    B = rng.standard_normal((4, 4))
    K = B - B.T  # a skew part does not change the quadratic form
    Hs = B + B.T
    lo, hi = hessian_extremes(Hs + K)
    ev = np.linalg.eigvals(Hs).real
    assert lo == pytest.approx(ev.min(), rel=1e-12, abs=0)
    assert hi == pytest.approx(ev.max(), rel=1e-12, abs=0)
    assert all(math.isnan(v) for v in hessian_extremes(np.array([[1.0, np.inf], [0.0, 1.0]])))
    n = 100
    tau = gamma(n) * 1.0
    for lam_min, ok in ((0.0, True), (-tau, True), (-0.5 * tau, True), (-2 * tau, False)):
        passed, lo, t = second_order_test(np.diag([1.0, lam_min]), n)
        assert passed is ok and lo == lam_min and t == tau
    passed, lo, t = second_order_test(np.diag([-4.0, 1.0]), n)
    assert not passed and t == gamma(n) * 4.0
    passed, lo, t = second_order_test(np.array([[np.nan, 0.0], [0.0, 1.0]]), n)
    assert passed is False and math.isnan(lo) and math.isnan(t)


def test_linear_residual_products():
    """``partial_products`` are the products ``P_{>i} = (I+A_ell)...(I+A_{i+1})`` and ``P_{<i} =
    (I+A_{i-1})...(I+A_1)`` (empty ones ``I``), so ``P_{>i} (I+A_i) P_{<i} = P`` for every
    ``i``; ``error_matrix = P - R``; ``psd_sqrt`` squares back to ``Sigma`` and clips negative
    eigenvalues to 0."""
    from theory.models.linear_residual import (
        error_matrix,
        partial_products,
        psd_sqrt,
        residual_product,
    )

    rng = np.random.default_rng(3)
    d, ell = 3, 4
    A = [0.3 * rng.standard_normal((d, d)) for _ in range(ell)]
    I = np.eye(d)
    P = I
    for Ai in A:
        P = (I + Ai) @ P
    np.testing.assert_allclose(residual_product(A), P, rtol=1e-14, atol=1e-14)
    above, below = partial_products(A)
    assert len(above) == len(below) == ell
    np.testing.assert_array_equal(above[-1], I)
    np.testing.assert_array_equal(below[0], I)
    for i in range(ell):
        np.testing.assert_allclose(above[i] @ (I + A[i]) @ below[i], P, rtol=1e-13, atol=1e-13)
    R = rng.standard_normal((d, d))
    np.testing.assert_allclose(error_matrix(A, R), P - R, rtol=1e-14, atol=1e-14)
    B = rng.standard_normal((d, d))
    Sigma = B @ B.T
    root = psd_sqrt(Sigma)
    np.testing.assert_allclose(root, root.T, atol=1e-14)
    np.testing.assert_allclose(root @ root, Sigma, rtol=1e-12, atol=1e-12)
    assert np.linalg.eigvalsh(root).min() >= -1e-12
    np.testing.assert_allclose(psd_sqrt(np.diag([4.0, -1.0, 9.0])), np.diag([2.0, 0.0, 3.0]),
                               atol=1e-15)


def test_gap_bounds_bracket_the_projected_gap():
    """For the whitened squared loss ``L(q) = ||q - y||^2`` at ``q = J g``, ``grad = 2 J^T r``
    and the gap ``L - inf = ||P r||^2`` (:func:`projected_gap`) lies between the two bounds of
    :func:`gap_bounds`; for ``J = s Q`` (orthonormal columns) both bounds equal the gap. A zero
    matrix (rank 0) gives ``(0, 0)``."""
    from theory.gradient_basis import gap_bounds, gb_infimum_squared, projected_gap, range_basis

    rng = np.random.default_rng(4)
    J = rng.standard_normal((8, 3)) @ np.diag([5.0, 1.0, 0.2])
    y = rng.standard_normal(8)
    r = J @ rng.standard_normal(3) - y
    basis = range_basis(J)
    gap = projected_gap(basis, r)
    assert gap == pytest.approx(float(r @ r) - gb_infimum_squared(J, -r), rel=1e-10, abs=0)
    lo, hi = gap_bounds(float(np.linalg.norm(2 * J.T @ r)), basis)
    assert lo <= gap <= hi and lo < hi
    Q = np.linalg.qr(rng.standard_normal((8, 3)))[0]
    basis_q = range_basis(2.5 * Q)
    gap_q = projected_gap(basis_q, r)
    lo, hi = gap_bounds(float(np.linalg.norm(2 * (2.5 * Q).T @ r)), basis_q)
    assert lo == pytest.approx(gap_q, rel=1e-12, abs=0)
    assert hi == pytest.approx(gap_q, rel=1e-12, abs=0)
    assert gap_bounds(3.0, range_basis(np.zeros((4, 2)))) == (0.0, 0.0)


def test_fourier_losses_and_gradients():
    """j19's losses: ``canonical_gradient`` is the gradient of the quadratic ``canonical_loss``
    (central differences are exact up to rounding), ``true_loss_gradient`` matches central
    differences of ``true_loss``; ``truncation_error`` bounds the gap between the true and
    truncated residuals (``| ||f - y|| - ||fhat - y|| | <= sqrt(T) e_n``) and shrinks as the
    order ``n`` grows; :func:`cube_init` puts every unit's kink ``-b_j / w_j`` in [0.05, 0.95]."""
    from theory.fourier import (
        canonical_gradient,
        canonical_loss,
        cube_init,
        design_matrix,
        network_coordinates,
        true_loss,
        true_loss_gradient,
        truncation_error,
    )

    rng = np.random.default_rng(6)
    Phi, y, c = rng.standard_normal((6, 5)), rng.standard_normal(6), rng.standard_normal(5)
    assert canonical_loss(Phi, y, c) == pytest.approx(float(np.sum((Phi @ c - y) ** 2)),
                                                      rel=1e-14, abs=0)
    E = np.eye(5)
    fd = [(canonical_loss(Phi, y, c + 1e-3 * e) - canonical_loss(Phi, y, c - 1e-3 * e)) / 2e-3
          for e in E]
    np.testing.assert_allclose(canonical_gradient(Phi, y, c), fd, rtol=1e-9, atol=1e-9)

    net = Feedforward([1, 4, 1], "tanh")
    w = cube_init(net, rng, scale=3.0)
    assert w.size == net.n_params()
    (W, b), _ = net.unflatten(w)
    kinks = -b / W[:, 0]
    assert np.all((kinks >= 0.05) & (kinks <= 0.95))
    X = rng.uniform(0.1, 0.9, (5, 1))
    yt = rng.standard_normal(5)
    h = 1e-6
    fd = [(true_loss(net, w + h * e, X, yt) - true_loss(net, w - h * e, X, yt)) / (2 * h)
          for e in np.eye(w.size)]
    np.testing.assert_allclose(true_loss_gradient(net, w, X, yt), fd, rtol=1e-6, atol=1e-8)
    errs = []
    for n in (1, 4, 12):
        space = CanonicalSpace(1, n, 256)
        e_n = truncation_error(space, net, w, X)
        fhat = design_matrix(space, X) @ network_coordinates(space, net, w)
        gap = abs(math.sqrt(true_loss(net, w, X, yt)) - float(np.linalg.norm(fhat - yt)))
        assert gap <= math.sqrt(5) * e_n * (1 + 1e-12) + 1e-15
        errs.append(e_n)
    assert errs[0] > errs[1] > errs[2]


def test_basis_helpers():
    """``kink_margin`` is the smallest ``|pre-activation|`` of a ReLU unit (``inf`` for an
    analytic family), ``skip2_features`` are ``[h1, h2]`` with ``f = A1 h1 + A2 h2`` (Example 3),
    ``fit_squared`` on the linear ``basis`` family is the weighted least-squares fit, and
    ``coordinate_directions`` is ``{0} u {e_k}``."""
    from theory.models.basis import fit_squared, kink_margin, make_model, skip2_features
    from theory.pgb import coordinate_directions

    rng = np.random.default_rng(7)
    X = rng.standard_normal((6, 3))
    relu = make_model("relu2-nobias", (3, 4, 2))
    theta = rng.standard_normal(relu.d_theta)
    W1 = theta[:12].reshape(4, 3)
    assert kink_margin(relu, theta, X) == float(np.min(np.abs(X @ W1.T)))
    assert kink_margin(make_model("tanh2", (3, 4, 2)), theta[: make_model(
        "tanh2", (3, 4, 2)).d_theta], X) == math.inf
    assert kink_margin(make_model("relu-scalar", (1, 1)), np.array([-0.3]), X) == 0.3

    skip = make_model("skip2", (3, 2, 2, 1))
    t = rng.standard_normal(skip.d_theta)
    H = skip2_features(skip, t, X)
    assert H.shape == (6, 4)
    A = t[-4:]  # (A1, A2) are the last d1 + d2 coordinates (d_y = 1)
    np.testing.assert_allclose(H @ A, skip.outputs(t, X), rtol=1e-13, atol=1e-14)
    assert np.all(np.abs(H) < 1)

    basis = make_model("basis", (3,))
    y = rng.standard_normal((6, 1))
    lam = rng.uniform(0.5, 2.0, 6)
    fit = fit_squared(basis, X, y, lam, np.zeros(3))
    sw = np.sqrt(lam)
    np.testing.assert_allclose(fit, np.linalg.lstsq(X * sw[:, None], sw * y[:, 0],
                                                    rcond=None)[0], rtol=1e-8, atol=1e-9)

    dirs = coordinate_directions(5, [3, 0])
    np.testing.assert_array_equal(np.array(dirs), [np.zeros(5), np.eye(5)[3], np.eye(5)[0]])


def test_smoothness_estimate_and_step_constant_on_a_quadratic():
    """For the linear model with the squared loss, ``L = (1/n) ||X theta - y||^2`` has the
    constant Hessian ``(2/n) X^T X``: the power-iteration estimate is its spectral norm, and the
    descent inequality holds at the pilot ``1.5 ||H||`` (no doubling), so ``step_constant``
    returns exactly that; with ``X = 0`` both give their floors (0 and 1e-8)."""
    from theory.trajectory import Linear, smoothness_estimate, step_constant

    rng = np.random.default_rng(8)
    n, d = 10, 3
    X = rng.standard_normal((n, d)) @ np.diag([3.0, 1.0, 0.5])
    Y = rng.standard_normal((n, 1))
    theta0 = rng.standard_normal(d)
    model = Linear(d)
    norm_H = 2.0 / n * np.linalg.norm(X, 2) ** 2
    est = smoothness_estimate(model, "squared", theta0, X, Y)
    assert est == pytest.approx(norm_H, rel=1e-6, abs=0)
    L = step_constant(model, "squared", theta0, X, Y, alpha=0.5, steps=5)
    assert L == 1.5 * est
    Z = np.zeros((n, d))
    assert smoothness_estimate(model, "squared", theta0, Z, Y) == 0.0
    assert step_constant(model, "squared", theta0, Z, Y, alpha=0.5, steps=3) == 1e-8


def test_structural_deficiency_cases():
    """``rank phi < n`` is certain when ``m_H m_{H-1} < n`` (not at equality) or when two rows
    of ``Z`` repeat; with inputs ``X`` only repeated inputs count; otherwise ``None``."""
    from theory.safe_exploration import structural_deficiency

    rng = np.random.default_rng(9)
    Z = rng.standard_normal((6, 3))
    assert structural_deficiency(Z, 2) is None  # 2 * 3 = 6 = n columns: no certainty
    reason = structural_deficiency(Z, 1)
    assert reason is not None and "3 < n = 6" in reason
    Zrep = Z.copy()
    Zrep[4] = Zrep[1]
    Zrep[5] = Zrep[1]
    assert "Z has 2 repeated row(s)" in structural_deficiency(Zrep, 4)
    X = rng.standard_normal((6, 2))
    assert structural_deficiency(Zrep, 4, X) is None  # distinct inputs
    X[5] = X[0]
    assert "the inputs X has 1 repeated row(s)" in structural_deficiency(Zrep, 4, X)


def test_residual_step_is_identity_plus_block():
    """HM17 eq. (3.5): ``h + V ReLU(U h + s)`` row by row (a dead block, ``s`` very negative,
    leaves ``h`` unchanged)."""
    from theory.models.relu_residual import residual_step

    rng = np.random.default_rng(10)
    H, U, V, s = (rng.standard_normal(sh) for sh in ((5, 3), (4, 3), (3, 4), (4,)))
    expected = np.array([h + V @ np.maximum(U @ h + s, 0.0) for h in H])
    np.testing.assert_allclose(residual_step(H, U, V, s), expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(residual_step(H, U, V, np.full(4, -1e3)), H)


def test_second_order_certificate_statuses():
    """The three verdicts of the k19 second-order test on closed-form objectives: a strict
    minimum (``|theta|^2`` at 0), a saddle (``t0^2 - t1^2``), a point with a far gradient, a
    gradient between ``grad_tol = sqrt(u) s`` and ``far_tol = u^(1/4) s`` (undecided), and a
    Hessian lost to underflow (undecided); the tolerances as documented."""
    cert = k19s4.second_order_certificate
    u = U64

    def bowl(t):
        return anp.sum(t**2)

    c = cert(bowl, np.zeros(2), 1.0)
    assert c.status == "local-minimum" and c.grad_norm == 0.0 and c.hess_min_eig == 2.0
    assert c.grad_tol == math.sqrt(u) and c.hess_tol == math.sqrt(u) * 2.0
    assert c.far_tol == pytest.approx(u**0.25, rel=1e-15, abs=0) and c.hess_norm == 2.0
    assert cert(lambda t: t[0] ** 2 - t[1] ** 2, np.zeros(2), 1.0).status == "not-local-minimum"
    assert cert(bowl, np.array([1.0, 0.0]), 1.0).status == "not-local-minimum"
    mid = math.sqrt(math.sqrt(u) * u**0.25) / 2  # gradient 2 t between the two tolerances
    c = cert(bowl, np.array([mid, 0.0]), 1.0)
    assert c.grad_tol < c.grad_norm <= c.far_tol and c.status == "undecided"
    assert cert(lambda t: 1e-300 * anp.sum(t**2), np.zeros(2), 1.0).status == "undecided"
    assert cert(bowl, np.zeros(2), 1e-300).status == "undecided"
    with np.errstate(invalid="ignore", over="ignore"):
        c = cert(lambda t: anp.sum(t**2) * anp.inf, np.ones(2), 1.0)
    assert c.status == "undecided" and c.grad_norm == math.inf


def test_squared_report_fields_from_their_definitions():
    """Every field of ``squared_report`` (k19 Theorem 1 / ours1) recomputed from the docstring
    with an SVD and ``lstsq`` of the whitened system (``d_y = 2``, so the weights repeat per
    output): values, bounds ``||grad||^2 / 4 s^2``, the gradient's rounding term, the rounding
    bound ``tau_round`` and the structure residual; the bounds bracket the projected gap."""
    from theory.gradient_basis import squared_report

    rng = np.random.default_rng(12)
    m, d_y, p = 4, 2, 3
    J = rng.standard_normal((m * d_y, p)) @ np.diag([4.0, 1.0, 0.3])
    g = rng.standard_normal(p)
    F = (J @ g + 0.1 * rng.standard_normal(m * d_y)).reshape(m, d_y)
    Y = rng.standard_normal((m, d_y))
    lam = rng.uniform(0.5, 2.0, m)
    w = np.repeat(lam, d_y)
    f, y = F.ravel(), Y.ravel()
    grad_L = 2 * J.T @ (w * (f - y))
    rep = squared_report(F, Y, lam, J, grad_L, g)

    sw = np.sqrt(w)
    Jh, rh, fh, yh = J * sw[:, None], sw * (f - y), sw * f, sw * y
    s = np.linalg.svd(Jh, compute_uv=False)
    n = m * d_y + p
    res = yh - Jh @ np.linalg.lstsq(Jh, yh, rcond=None)[0]
    r_out = rh - Jh @ np.linalg.lstsq(Jh, rh, rcond=None)[0]

    def close(a, b, rel=1e-10):
        assert a == pytest.approx(b, rel=rel, abs=0)

    close(rep.L, float(np.sum(w * (f - y) ** 2)), 1e-14)
    close(rep.inf_ls, float(res @ res))
    close(rep.inf_g, float(np.sum((Jh @ g - yh) ** 2)), 1e-13)
    assert rep.inf == min(rep.inf_ls, rep.inf_g) and rep.gap == rep.L - rep.inf
    close(rep.proj_gap, float(rh @ rh - r_out @ r_out), 1e-9)
    close(rep.grad_norm, float(np.linalg.norm(grad_L)), 1e-14)
    assert rep.rank == p and rep.rank_certain
    close(rep.s_max, s[0], 1e-13)
    close(rep.s_min_plus, s[-1], 1e-12)
    close(rep.grad_err, 2 * gamma(n) * s[0] * np.linalg.norm(rh))
    close(rep.bound_lo, rep.grad_norm**2 / (4 * s[0] ** 2))
    close(rep.bound_hi_exact, rep.grad_norm**2 / (4 * s[-1] ** 2))
    close(rep.bound_hi, (rep.grad_norm + rep.grad_err) ** 2 / (4 * s[-1] ** 2))
    assert rep.bound_lo <= rep.proj_gap <= rep.bound_hi_exact <= rep.bound_hi
    d_r = gamma(p + 2) * (np.linalg.norm(fh) + np.linalg.norm(yh))
    d_res = gamma(n) * (s[0] / s[-1] + 1) * np.linalg.norm(yh) + d_r
    tau = (gamma(n) * rep.L + 2 * np.linalg.norm(rh) * d_r + d_r**2
           + 2 * np.linalg.norm(res) * d_res + d_res**2)
    close(rep.tau_round, tau, 1e-9)
    assert rep.critical is (rep.bound_hi <= rep.tau_round) and not rep.critical
    close(rep.structure_residual, float(np.linalg.norm(Jh @ g - fh)), 1e-9)
    close(rep.structure_tol, gamma(n) * (s[0] * np.linalg.norm(g) + np.linalg.norm(fh)))
    assert "tau_derivation" not in rep.diagnostics() and rep.diagnostics()["L"] == rep.L
    # an exact fit (f = y in range J, L = 0) of an ill-conditioned J: tau_round is then
    # dominated by d_res^2 (kappa ~ 1e4), the terms a generic point hides below rounding
    Jk = J @ np.diag([1.0, 1.0, 1e-4])
    Fk = (Jk @ g).reshape(m, d_y)
    exact = squared_report(Fk, Fk, lam, Jk, np.zeros(p), g)
    sk = np.linalg.svd(Jk * sw[:, None], compute_uv=False)
    yk = sw * Fk.ravel()
    d_r = gamma(p + 2) * 2 * np.linalg.norm(yk)
    d_res = gamma(n) * (sk[0] / sk[-1] + 1) * np.linalg.norm(yk) + d_r
    assert exact.L == 0.0 and exact.inf_g <= 1e-20 and exact.rank == p
    close(exact.tau_round, d_r**2 + d_res**2, 1e-2)
    none = squared_report(F, Y, lam, J, grad_L, None)
    assert none.inf_g == math.inf and none.inf == none.inf_ls
    assert none.structure_residual == math.inf and none.structure_tol == 0.0


def test_track_alignment_records():
    """Figure 1's recorder, replayed by hand: plain gradient descent ``theta - eta grad L``
    (gradient from autograd of the objective), records at ``t = 0, every, ..., steps`` (and
    ``steps``), the loss, the 0/1 training error, DAA of ``Y' = 2Y - 1``, ``lambda_min(J J^T)``,
    the fixed cut-off decisions, and ``M_change = ||M_T - M_0||_F^2``."""
    from theory import alignment as al
    from theory.gram import gram
    from theory.trajectory import MLP, track_alignment

    rng = np.random.default_rng(13)
    model = MLP([2, 6, 1], "tanh")
    theta0 = model.net.init(rng)
    X = rng.standard_normal((4, 2))
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    eta, steps, every = 0.5, 5, 2
    out = track_alignment(model, "cross-entropy", theta0, X, Y, step_size=eta, steps=steps,
                          every=every, cutoffs=(1e-6,))
    assert out["t"] == [0, 2, 4, 5]
    ce = LOSSES["cross-entropy"]

    def L(th):
        F = model.net.forward_traced(th, X)
        return anp.mean(anp.logaddexp(0.0, F) - Y * F)

    theta, records = np.array(theta0), {}
    for t in range(steps + 1):
        records[t] = theta
        theta = theta - eta * autograd.grad(L)(theta)
    b = 2 * Y.ravel() - 1
    for k, t in enumerate(out["t"]):
        th = records[t]
        F = model.forward(th, X)
        assert out["loss"][k] == pytest.approx(float(np.mean(ce.value(F, Y))), rel=1e-12, abs=0)
        assert out["error"][k] == float(np.mean((F > 0) != (Y > 0.5)))
        J = model.jacobian(th, X)
        assert out["daa"][k] == al.membership(b, J=J).member
        assert out["lambda_min"][k] == pytest.approx(
            float(np.linalg.eigvalsh(J @ J.T)[0]), rel=1e-6, abs=1e-14)
        U, s, _ = np.linalg.svd(J, full_matrices=False)
        assert out["cut"][1e-6][k] == al.membership_at_cutoff(b, s, U, 1e-6)
    MT, M0 = gram(model.net, theta, X), gram(model.net, theta0, X)
    assert out["M_change"] == pytest.approx(float(np.sum((MT - M0) ** 2)), rel=1e-8, abs=0)
    assert out["M_change"] > 0


def test_newton_polish_and_minimize_on_a_quadratic():
    """On ``f = theta^T A theta / 2 - b^T theta`` (A SPD) one Newton step lands on ``A^-1 b``
    (both the pseudo-inverse and the positive-part variants), ``steps=0`` or a non-finite
    Hessian leave the point alone with 0 accepted steps, and ``minimize`` with the
    finite-difference Hessian reports the minimiser, its value and gradient norm and the
    eigenvalues of A as the Hessian extremes."""
    from theory.optimize import minimize, newton_polish

    rng = np.random.default_rng(14)
    B = rng.standard_normal((3, 3))
    A = B @ B.T + np.diag([0.5, 1.0, 2.0])
    b = rng.standard_normal(3)
    star = np.linalg.solve(A, b)

    def fun(t):
        return 0.5 * t @ A @ t - b @ t

    def grad(t):
        return A @ t - b

    def hess(t):
        return A

    t0 = rng.standard_normal(3)
    for positive in (False, True):
        theta, steps = newton_polish(fun, grad, hess, t0, steps=3, positive_part=positive)
        np.testing.assert_allclose(theta, star, rtol=1e-12, atol=1e-12)
        assert 1 <= steps <= 3
    theta, steps = newton_polish(fun, grad, hess, t0, steps=0)
    assert steps == 0 and np.array_equal(theta, t0)
    theta, steps = newton_polish(fun, grad, lambda t: A * np.nan, t0)
    assert steps == 0 and np.array_equal(theta, t0)
    opt = minimize(fun, grad, t0)
    np.testing.assert_allclose(opt.theta, star, rtol=1e-10, atol=1e-10)
    assert opt.value == fun(opt.theta) and opt.grad_norm == float(np.linalg.norm(grad(opt.theta)))
    assert opt.grad_norm < 1e-12 and opt.iterations >= 1 and opt.newton_steps >= 0
    ev = np.linalg.eigvalsh(A)
    assert opt.hess_min_eig == pytest.approx(ev[0], rel=1e-6, abs=0)
    assert opt.hess_max_eig == pytest.approx(ev[-1], rel=1e-6, abs=0)
    exact = minimize(fun, grad, t0, hess=hess)
    assert exact.hess_min_eig == pytest.approx(ev[0], rel=1e-13, abs=0)


def _one_hidden(activation, W, b):
    net = Feedforward([W.shape[1], W.shape[0], 1], activation)
    a = np.linspace(0.5, 1.5, W.shape[0])[None, :]
    return net, net.flatten([(W, b), (a, np.array([0.2]))])


def test_derivative_span_bound_counts():
    """The exact-arithmetic bound on ``rank H`` for hand-built ``[1, h, 1]`` nets on the cube
    [0, 1]: ``1`` (output bias) ``+ (K+1)`` per distinct cutting ReLU unit (``K+2`` for a
    smooth one) ``+ K`` if some unit is active on the whole cube; dead units and repeated
    ``(w_j, b_j)`` add nothing; a corner value within ``gamma_{K+1}(|b| + |w|_1)`` of 0
    counts as cutting (not certainly dead or active)."""
    from theory.fourier import derivative_span_bound

    W = np.array([[1.0], [1.0], [1.0], [1.0], [-1.0]])
    b = np.array([-0.5, -0.5, -2.0, 0.5, 0.5])  # cutting, repeat, dead, active, cutting
    net, w = _one_hidden("relu", W, b)
    bound, how = derivative_span_bound(net, w)
    assert bound == 1 + 2 * 2 + 1
    assert "(2)" in how and "(1)" in how and "1 dead, 1 sharing" in how
    net, w = _one_hidden("tanh", W, b)
    assert derivative_span_bound(net, w)[0] == 1 + 3 * 4  # smooth: every distinct unit cuts
    # corners at rounding distance from 0: cutting; clearly beyond it: dead / active
    edge = np.nextafter(-1.0, -2.0)  # max over the cube = 1 + edge = -2.2e-16, within e
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([edge]))
    assert derivative_span_bound(net, w)[0] == 1 + 2
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([-1.0 - 1e-14]))
    assert derivative_span_bound(net, w)[0] == 1
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([1e-14]))
    assert derivative_span_bound(net, w)[0] == 1 + 1
    net, w = _one_hidden("relu", np.array([[1.0]]), np.array([0.0]))
    assert derivative_span_bound(net, w)[0] == 1 + 2


def test_safe_exploration_in_place_path():
    """Above ``IN_PLACE_ABOVE`` samples the Gram ``(Z Z^T) o (S S^T)`` is factorised in place
    with Demmel's margin ``alpha = 2 gamma_{n+1} tr M / (1 - gamma_{n+1})``: a generic ``Z``
    is certified (True), a ``Z`` of column rank 5 (``rank phi <= 5 m_H < n``, invisible to the
    structural test) is reported undecided (None), never deficient."""
    from theory.safe_exploration import IN_PLACE_ABOVE, phi_gram, safe_exploration

    rng = np.random.default_rng(15)
    n, m, m_H = IN_PLACE_ABOVE + 1, 24, 24
    Z = rng.standard_normal((n, m))
    q = rng.standard_normal((m, m_H))
    out = safe_exploration(Z, q, 1.0)
    assert out.value is True and out.n == n and out.columns == m * m_H
    assert "in-place Cholesky" in out.derivation and "succeeded" in out.derivation
    g = gamma(n + 1)
    tr = out.numbers["trace_abs"]
    assert tr == pytest.approx(float(np.trace(phi_gram(Z, q, 1.0))), rel=1e-12, abs=0)
    assert out.numbers["alpha"] == pytest.approx(2 * g * tr / (1 - g), rel=1e-15, abs=0)
    assert out.numbers["n"] == n
    dense = safe_exploration(Z[:IN_PLACE_ABOVE], q, 1.0)  # at the threshold: the dense test
    assert dense.value is True and "in-place" not in dense.derivation
    low = rng.standard_normal((n, 5)) @ rng.standard_normal((5, m))
    out = safe_exploration(low, q, 1.0)
    assert out.value is None and "failed" in out.derivation


def test_membership_fields_and_witness():
    """The numbers ``membership`` reports besides the decision: the spectrum ``s`` (singular
    values of J, or square roots of the eigenvalues of M), the absolute ``residual`` and the
    noise floor ``delta = c max(p, q) u s_1`` (``sqrt(c p u s_1^2)`` from M, ``q`` of the full
    J on the QR route). A witness beta with ``J beta = b`` exactly certifies membership where
    the gap rule cannot (b along a singular direction below the noise floor), and its numbers
    replace the least-squares ones."""
    from theory.alignment import NOISE_C

    rng = np.random.default_rng(16)
    p, q = 4, 6
    U = np.linalg.qr(rng.standard_normal((p, p)))[0]
    V = np.linalg.qr(rng.standard_normal((q, q)))[0]
    s = np.array([2.0, 1.0, 0.5, 1e-20])
    J = U @ np.diag(s) @ V[:, :p].T
    b = rng.standard_normal(p)
    out = membership(b, J=J)
    np.testing.assert_allclose(out.s, s, rtol=1e-13, atol=1e-15)
    assert out.rank == 3 and out.member is False
    r_perp = abs(U[:, 3] @ b)
    assert out.residual == pytest.approx(r_perp, rel=1e-8, abs=0)
    assert out.rho == pytest.approx(r_perp / np.linalg.norm(b), rel=1e-8, abs=0)
    assert out.delta == pytest.approx(NOISE_C * q * U64 * 2.0, rel=1e-13, abs=0)
    via_M = membership(b, M=J @ J.T)
    assert via_M.member is False and via_M.rank == 3
    assert via_M.delta == pytest.approx(math.sqrt(NOISE_C * p * U64 * 4.0), rel=1e-8, abs=0)
    wide = np.hstack([J, J, J, J, J])  # q = 30 > 4p: the QR route, same column space
    out_w = membership(b, J=wide)
    assert out_w.member is False and out_w.rank == 3
    assert out_w.delta == pytest.approx(NOISE_C * 5 * q * U64 * out_w.s[0], rel=1e-13, abs=0)

    J = np.hstack([np.diag(s), np.zeros((p, q - p))])  # exact axes: J e_4 = 1e-20 e_4
    beta = 1e20 * np.eye(q)[3]  # J beta = e_4, along the direction below the noise floor
    target = J @ beta
    assert target[3] == pytest.approx(1.0, rel=1e-15, abs=0) and not np.any(target[:3])
    plain = membership(target, J=J)
    assert plain.member is False  # the gap rule cuts that direction off
    cert = membership(target, J=J, witness=beta)
    res = float(np.linalg.norm(J @ beta - target))
    bound = gamma(q) * np.linalg.norm(J, 2) * np.linalg.norm(beta)
    assert cert.member is True and cert.reason == "structural witness (bias columns)"
    assert cert.residual == res and cert.rho == res / np.linalg.norm(target)
    assert cert.coef_norm == pytest.approx(1e20, rel=1e-14, abs=0)
    assert cert.member_below == pytest.approx(bound / np.linalg.norm(target), rel=1e-14, abs=0)
    far = membership(target, J=J, witness=np.zeros(q))  # a wrong witness changes nothing
    assert far.member is False and far.reason == plain.reason


def _ee_setup(seed=0):
    rng = np.random.default_rng(seed)
    model = ee.EEModel([3, 4, 5], "tanh", m_H=3, m_y=1, varsigma=3.0)
    theta = model.init(rng)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    return model, theta, X, Y


def test_ee_train_replayed_by_hand():
    """Algorithm 1 replayed with autograd gradients of ``L = (1/n) sum ||f - y||^2``: ``tau``
    full steps of every layer, ``theta + epsilon xi`` with ``xi`` from the same generator, then
    steps of ``theta_(H-1)`` alone on the frozen-gate model; ``losses[t]`` is L of the model
    in force at ``t`` (``losses[tau]`` after the perturbation). ``tau = T`` is plain training
    (no perturbation, the model returned unchanged); ``record_losses=False`` keeps only
    ``L(theta^0)``; a bad ``tau`` or an already frozen model is refused."""
    model, theta0, X, Y = _ee_setup()
    tau, T, eps, lr = 2, 4, 0.05, 0.1
    run = ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr), exploit=ee.gd(lr),
                      tau=tau, T=T, epsilon=eps, rng=np.random.default_rng(5))

    def L(mdl):
        return lambda th: anp.sum((mdl.forward_traced(th, X) - Y) ** 2) / X.shape[0]

    th, losses = np.array(theta0), [L(model)(theta0)]
    for _ in range(tau):
        th = th - lr * autograd.grad(L(model))(th)
        losses.append(L(model)(th))
    th = th + eps * np.random.default_rng(5).standard_normal(th.shape)
    np.testing.assert_allclose(run.theta_tau, th, rtol=1e-12, atol=1e-14)
    frozen = model.frozen(th)
    losses[-1] = L(frozen)(th)
    hidden = model.hidden_slice()
    for _ in range(tau, T):
        g = autograd.grad(L(frozen))(th)
        th = th.copy()
        th[hidden] -= lr * g[hidden]
        losses.append(L(frozen)(th))
    np.testing.assert_allclose(run.theta, th, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.losses, losses, rtol=1e-10, atol=1e-14)
    for j, R in enumerate(run.model.gates):
        np.testing.assert_array_equal(R, model.split(run.theta_tau)[1][j])

    plain = ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr),
                        exploit=ee.gd(lr), tau=T, T=T, epsilon=eps, rng=np.random.default_rng(5))
    assert plain.model is model and np.array_equal(plain.theta, plain.theta_tau)
    assert len(plain.losses) == T + 1
    quiet = ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr),
                        exploit=ee.gd(lr), tau=tau, T=T, epsilon=eps,
                        rng=np.random.default_rng(5), record_losses=False)
    np.testing.assert_array_equal(quiet.theta, run.theta)
    assert quiet.losses == [pytest.approx(losses[0], rel=1e-12, abs=0)]
    for bad_tau in (-1, T + 1):
        with pytest.raises(ValueError, match="tau"):
            ee.ee_train(model, theta0, X, Y, loss="squared", explore=ee.gd(lr),
                        exploit=ee.gd(lr), tau=bad_tau, T=T, epsilon=eps,
                        rng=np.random.default_rng(5))
    with pytest.raises(ValueError, match="unmodified-gate"):
        ee.ee_train(frozen, theta0, X, Y, loss="squared", explore=ee.gd(lr), exploit=ee.gd(lr),
                    tau=tau, T=T, epsilon=eps, rng=np.random.default_rng(5))


def test_ee_optimizers():
    """``gd`` returns ``alpha_t nabla L`` (constant or scheduled), ``sgd`` the same on a
    minibatch of ``batch`` indices drawn uniformly from ``0..n-1``."""
    seen = []

    def oracle(idx):
        seen.append(idx)
        return np.array([1.0, -2.0])

    np.testing.assert_array_equal(ee.gd(0.5)(oracle, 10, 3), [0.5, -1.0])
    np.testing.assert_array_equal(ee.gd(lambda t: 0.1 * t)(oracle, 10, 3),
                                  [0.1 * 3, -0.2 * 3])
    assert seen == [None, None]
    rng = np.random.default_rng(0)
    step = ee.sgd(lambda t: 1.0 / (t + 1), 4, rng)
    np.testing.assert_array_equal(step(oracle, 7, 1), [0.5, -1.0])
    idx = seen[-1]
    assert idx.shape == (4,) and idx.min() >= 0 and idx.max() < 7
    np.testing.assert_array_equal(idx, np.random.default_rng(0).integers(0, 7, size=4))
    for _ in range(50):
        ee.sgd(0.1, 3, rng)(oracle, 5, 0)
    drawn = np.concatenate(seen[-50:])
    assert set(drawn.tolist()) == set(range(5))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_autograd_losses_match_the_registry(name):
    """The autograd-traceable copies of the losses (``theory.models.basis.AUTOGRAD_LOSSES``)
    agree with :data:`theory.losses.LOSSES` in value, and their autograd derivative with
    ``grad`` (away from the smoothed hinge's kinks)."""
    from theory.models.basis import AUTOGRAD_LOSSES

    assert set(AUTOGRAD_LOSSES) == set(LOSSES)
    rng = np.random.default_rng(18)
    loss = LOSSES[name]
    y = _targets(loss.targets, rng, 60)
    f = 2.5 * rng.standard_normal(60) + 0.01
    np.testing.assert_allclose(AUTOGRAD_LOSSES[name](f, y), loss.value(f, y), rtol=1e-14,
                               atol=1e-15)
    d = _egrad(lambda t: AUTOGRAD_LOSSES[name](t, y))(f)
    np.testing.assert_allclose(d, loss.grad(f, y), rtol=1e-12, atol=1e-14)


def test_certificates_scale_their_gradient_tolerance_coordinate_by_coordinate():
    """``certify_squared`` gives coordinate ``i`` the tolerance ``sqrt(u) s_i`` with ``s_i = 2
    ||Lambda^(1/2) J[:, i]|| ||Lambda^(1/2) y||``, ``certify_loss`` ``s_i = ||J[:, i]||
    ||Lambda l'(f_X)||`` (and defers to the former for the squared loss); the certificate
    reports the tolerances of the coordinate with the largest ``|dL/dtheta_i| / s_i``; a
    Jacobian that is not finite is undecided."""
    net, theta, X, Y = _mixed_net()
    lam = np.random.default_rng(19).uniform(0.5, 2.0, X.shape[1])
    J = autograd.jacobian(lambda t: anp.ravel(net.outputs(t, X)))(theta)
    sw = np.sqrt(lam)

    def worst(g, s):  # 0 / 0 (a parameter the outputs do not see) counts as 0
        ratio = np.divide(np.abs(g), s, out=np.zeros_like(s), where=np.abs(g) > 0)
        return s[int(np.argmax(ratio))]

    sq = k19s4.certify_squared(net.outputs, theta, X, Y, lam)
    g = autograd.grad(lambda t: anp.sum(lam * (net.outputs(t, X) - Y) ** 2))(theta)
    s = 2 * np.linalg.norm(sw[:, None] * J, axis=0) * np.linalg.norm(sw * Y.ravel())
    assert sq.grad_tol == pytest.approx(math.sqrt(U64) * worst(g, s), rel=1e-12, abs=0)
    assert sq.loss == pytest.approx(float(np.sum(lam * (net.outputs(theta, X) - Y) ** 2)),
                                    rel=1e-14, abs=0)
    assert k19s4.certify_loss(net.outputs, theta, X, Y, lam, "squared") == sq
    Ys = np.sign(Y) + (Y == 0)
    lg = k19s4.certify_loss(net.outputs, theta, X, Ys, lam, "logistic")
    dl = LOSSES["logistic"].grad(net.outputs(theta, X), Ys) * lam
    g = J.T @ dl.ravel()
    s = np.linalg.norm(J, axis=0) * np.linalg.norm(dl)
    assert lg.grad_tol == pytest.approx(math.sqrt(U64) * worst(g, s), rel=1e-12, abs=0)
    assert lg.far_tol == pytest.approx(U64**0.25 * worst(g, s), rel=1e-12, abs=0)

    def broken(t, X):
        return net.outputs(t, X) * np.inf

    with np.errstate(invalid="ignore"):
        for c in (k19s4.certify_squared(broken, theta, X, Y, lam),
                  k19s4.certify_loss(broken, theta, X, Ys, lam, "logistic")):
            assert c.status == "undecided" and math.isnan(c.loss) and c.grad_norm == math.inf


def test_trajectory_toy_models_and_descent():
    """Every model of ``theory.trajectory`` (built by ``make_model``): its closed-form Jacobian
    against central differences of ``forward`` (the MLP also with the ``tanh`` output), the
    caller's ``S`` override; ``gradient_descent`` iterates ``theta - alpha grad L`` with
    ``grad L = J^T v`` and ``L`` the mean loss, keeps Jacobians only where ``keep`` says and
    stores ``record``'s extra data."""
    from theory.trajectory import gradient_descent, make_model
    from theory.trajectory import objective as tj_objective

    rng = np.random.default_rng(20)
    X = rng.standard_normal((5, 2))
    models = [make_model("quartic"), make_model("wu2"), make_model("square-plus-one"),
              make_model("linear", d=2), make_model("mlp", widths=[2, 4, 1]),
              make_model("mlp", widths=[2, 4, 1], output="tanh", activation="softplus")]
    for model in models:
        theta = rng.standard_normal(model.n_params) * 0.7
        h = 1e-6
        fd = np.column_stack([
            (model.forward(theta + h * e, X) - model.forward(theta - h * e, X)).ravel() / (2 * h)
            for e in np.eye(model.n_params)])
        np.testing.assert_allclose(model.jacobian(theta, X), fd, rtol=1e-6, atol=1e-7)
    assert np.array_equal(make_model("wu2", S=[1]).S, [1])
    assert np.array_equal(make_model("linear", d=3).S, [0, 1, 2])
    mlp = make_model("mlp", widths=[2, 4, 1])  # P = (2*4 + 4) + (4*1 + 1) = 17
    assert mlp.n_params == 17 and mlp.S.tolist() == [12, 13, 14, 15, 16]  # last W and b

    model = make_model("linear", d=2)
    Y = rng.standard_normal((5, 1))
    theta0, alpha = np.array([0.3, -0.2]), 0.1
    traj = gradient_descent(model, "squared", theta0, X, Y, step_size=alpha, steps=3,
                            keep=lambda t: t == 3, record=lambda st: {"t2": 2 * st.t})
    theta = theta0.copy()
    for t, st in enumerate(traj.steps):
        value = float(np.mean((X @ theta - Y[:, 0]) ** 2))
        grad = 2 * X.T @ (X @ theta - Y[:, 0]) / 5
        assert st.t == t and np.allclose(st.theta, theta, rtol=1e-14, atol=1e-15)
        assert st.loss == pytest.approx(value, rel=1e-13, abs=0)
        np.testing.assert_allclose(st.grad, grad, rtol=1e-12, atol=1e-15)
        assert st.extra == {"t2": 2 * t}
        assert st.J.shape == ((5, 2) if t == 3 else (0, 0))
        theta = theta - alpha * grad
    np.testing.assert_array_equal(traj.losses, [st.loss for st in traj.steps])
    assert traj.step_size == alpha and len(traj.steps) == 4
    value, g, F, J, v = tj_objective(model, "squared", theta0, X, Y)
    np.testing.assert_allclose(v, 2 * (F - Y).ravel() / 5, rtol=1e-14)
    np.testing.assert_allclose(g, J.T @ v, rtol=1e-14)


def test_trajectory_data_and_init():
    """``two_moons`` without noise puts the first ``n // 2`` points (label 0) on the upper unit
    half circle and the rest (label 1) on the circle about (1, 1/2) below its centre, with
    noise of the given standard deviation; ``sine_wave`` draws ``x`` in [-1, 1]; PyTorch's
    default init lays out ``W`` then ``b`` per layer, each ``U[-a, a]``, ``a = 1/sqrt(fan_in)``."""
    from theory.trajectory import sine_wave, torch_default_init, two_moons

    X, Y = two_moons(11, 0.0, np.random.default_rng(0))
    assert X.shape == (11, 2) and Y.shape == (11, 1)
    np.testing.assert_array_equal(Y.ravel(), [0.0] * 5 + [1.0] * 6)
    np.testing.assert_allclose(np.linalg.norm(X[:5], axis=1), 1.0, rtol=1e-14)
    assert np.all(X[:5, 1] >= 0) and X[0, 0] == 1.0 and X[4, 0] == pytest.approx(-1.0)
    np.testing.assert_allclose(np.linalg.norm(X[5:] - [1.0, 0.5], axis=1), 1.0, rtol=1e-14)
    assert np.all(X[5:, 1] <= 0.5 + 1e-15) and X[5, 0] == 0.0
    Xn, _ = two_moons(4000, 0.2, np.random.default_rng(1))
    Xc, _ = two_moons(4000, 0.0, np.random.default_rng(1))
    assert float(np.std(Xn - Xc)) == pytest.approx(0.2, rel=0.05)
    Xs, Ys = sine_wave(500, np.random.default_rng(2))
    assert Xs.shape == (500, 1) and np.all(np.abs(Xs) <= 1) and np.ptp(Xs) > 1.9
    np.testing.assert_array_equal(Ys, (np.sin(20 * Xs) < 0).astype(float))
    widths = [3, 40, 2]
    theta = torch_default_init(widths, np.random.default_rng(3))
    blocks = np.split(theta, np.cumsum([120, 40, 80]))
    for block, fan_in in zip(blocks, [3, 3, 40, 40], strict=True):
        bound = 1 / math.sqrt(fan_in)
        assert np.all(np.abs(block) <= bound)
        if block.size >= 40:
            assert np.max(np.abs(block)) > 0.8 * bound and np.min(block) < 0 < np.max(block)


_FAMILY_WIDTHS = {"basis": (3,), "product": (1, 1), "affine-offset": (1, 1),
                  "tanh-neuron": (1, 1), "relu-scalar": (1, 1), "tanh2": (3, 4, 2),
                  "tanh2-nobias": (3, 4, 1), "relu2-nobias": (3, 4, 2), "lintop": (3, 3, 2, 2),
                  "skip2": (3, 2, 2, 1)}


def test_every_basis_family_g_and_jacobian():
    """Every family of ``theory.models.basis``: analytic (or autograd) Jacobian against central
    differences, and where the family has Assumption 2's map ``g``, ``J(theta) g(theta) =
    f_X(theta)`` (Euler's identity for the homogeneous ones); ``affine-offset`` and
    ``tanh-neuron`` have none. ``relu-scalar`` takes the right derivative at its kink. Unknown
    families are refused."""
    from theory.models.basis import FAMILIES, make_model, model_jacobian

    assert set(FAMILIES) == set(_FAMILY_WIDTHS)
    rng = np.random.default_rng(21)
    for family, widths in _FAMILY_WIDTHS.items():
        model = make_model(family, widths)
        d_x = 3 if widths[0] == 3 else 1
        X = rng.standard_normal((5, d_x)) if family != "basis" else rng.standard_normal((5, 3))
        theta = 0.8 * rng.standard_normal(model.d_theta) + (0.3 if family == "relu-scalar" else 0)
        F = np.asarray(model.outputs(theta, X))
        assert F.shape == (5 * model.d_y,)
        h = 1e-6
        fd = np.column_stack([(np.asarray(model.outputs(theta + h * e, X))
                               - np.asarray(model.outputs(theta - h * e, X))) / (2 * h)
                              for e in np.eye(model.d_theta)])
        J = model_jacobian(model, theta, X)
        np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-7, err_msg=family)
        if family in ("affine-offset", "tanh-neuron"):
            assert model.g is None
        else:
            np.testing.assert_allclose(J @ model.g(theta), F, rtol=1e-12, atol=1e-13,
                                       err_msg=family)
    relu = make_model("relu-scalar", (1, 1))
    X = rng.standard_normal((4, 1))
    np.testing.assert_array_equal(model_jacobian(relu, np.zeros(1), X), X)
    np.testing.assert_array_equal(model_jacobian(relu, np.array([-0.5]), X), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="unknown family"):
        make_model("resnet", (1, 1))
    with pytest.raises(ValueError, match="unknown method"):
        model_jacobian(relu, np.zeros(1), X, "fd")


def test_hm17_worst_case_ratio_and_splits():
    """``worst_case_ratio``: ``max(2 sin(pi / 2q), e^{gamma/p} - 1)`` at the best split of
    ``ell = per_q q + p`` over the bound ``(4 pi + 3 gamma) / ell``, ``p = 0`` only for
    ``gamma = 0``, ``None`` without a split; the construction for ``R = -I`` (a rotation by
    pi, ``gamma = 0``) attains the rotation term, and the best split keeps ``p = 0`` only
    when the scaling part is the identity."""
    from theory.constructions import hm17_factorisation as fac

    assert fac.theorem_bound(1.0, 5) == (4 * math.pi + 3.0) / 5
    assert fac.worst_case_ratio(1.0, 5, 4) == pytest.approx(2.0 / fac.theorem_bound(1.0, 5),
                                                            rel=1e-15, abs=0)
    assert fac.worst_case_ratio(0.0, 4, 4) == pytest.approx(2.0 / math.pi, rel=1e-15, abs=0)
    assert fac.worst_case_ratio(1.0, 4, 4) is None and fac.worst_case_ratio(1.0, 3, 4) is None
    expected = 2 * math.sin(math.pi / 10) / fac.theorem_bound(0.5, 12)  # q = 5, p = 2
    assert fac.worst_case_ratio(0.5, 12, 2) == pytest.approx(expected, rel=1e-15, abs=0)
    R = -np.eye(2)
    assert fac.best_merged_split(R, 4) == (2, 0) and fac.best_paper_split(R, 3) is None
    A = fac.merged_factorisation(R, 4, 2)
    P = np.eye(2)
    for Ai in A:
        P = (np.eye(2) + Ai) @ P
    np.testing.assert_allclose(P, R, atol=1e-14)
    norm = max(np.linalg.norm(Ai, 2) for Ai in A)
    bound = fac.worst_case_ratio(0.0, 4, 2) * fac.theorem_bound(0.0, 4)
    assert norm == pytest.approx(bound, rel=1e-12, abs=0)  # 2 sin(pi/4): attained
    assert fac.best_merged_split(2.0 * R, 4) == (1, 2)  # K = 2 I: keep scaling factors


@pytest.mark.parametrize("K", [1, 2])
def test_canonical_coordinates_round_trip(K):
    """A trigonometric polynomial ``g = sum_l c_l phi_l`` of order ``n`` sampled on the grid
    has canonical coordinates ``c`` exactly (to rounding) under every quadrature, since the
    grid resolves frequencies up to ``n``; ``grid`` has ``(N+1)^K`` rows in ``[0, 1]^K``, and
    the space refuses ``K``, ``n``, ``N`` or a quadrature it cannot handle."""
    from theory.fourier import QUADRATURES, canonical_coordinates, real_basis

    rng = np.random.default_rng(22 + K)
    for quadrature in QUADRATURES:
        space = CanonicalSpace(K, 2, 12, quadrature)
        grid = space.grid()
        assert grid.shape == (13**K, K) and grid.min() == 0.0 and grid.max() == 1.0
        c = rng.standard_normal(space.L)
        g = real_basis(space, grid) @ c
        np.testing.assert_allclose(canonical_coordinates(space, g), c, rtol=1e-12, atol=1e-13)
        assert space.with_quadrature(quadrature) == space
    for args in ((3, 1, 8), (K, -1, 8), (K, 3, 7)):
        with pytest.raises(ValueError):
            CanonicalSpace(*args)
    with pytest.raises(ValueError, match="quadrature"):
        CanonicalSpace(K, 1, 8, "simpson")
    assert CanonicalSpace(K, 3, 8).L == 7**K


def test_lemma_b1_block_contract_and_refusals():
    """Lemma B.1 for each bias rule: ``alpha_i + V ReLU(U alpha_i + s) = beta_i`` on ``S`` and
    ``= alpha_i`` off ``S`` (well separated unit vectors), unused rows inert (``U = 0, s = -1,
    V = 0``); refused: ``|S| > k``, an unknown method, a missing ``rho'``, and the margin rule
    when some margin is not positive (a repeated point). ``output_block`` sends ``q_a`` to
    ``e_a`` (``c = 0`` for a single label)."""
    from theory.constructions.hm17_expressivity import lemma_b1_block, output_block
    from theory.models.relu_residual import block

    k = 6
    alpha = np.eye(k)[:4]  # orthonormal: margins 1, norm deviation 0 <= rho' = 0.1
    beta = np.random.default_rng(23).standard_normal((4, k))
    S = np.array([0, 2])
    for method in ("margin", "fixed", "uniform"):
        U, V, s = lemma_b1_block(alpha, beta, S, method=method, rho_prime=0.1)
        moved = alpha + block(alpha, U, V, s)
        np.testing.assert_allclose(moved[S], beta[S], rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(moved[[1, 3]], alpha[[1, 3]])
        assert not np.any(U[2:]) and not np.any(V[:, 2:]) and np.all(s[2:] == -1.0)
    with pytest.raises(ValueError, match="exceeds the width"):
        lemma_b1_block(alpha[:, :1], beta[:, :1], S)
    with pytest.raises(ValueError, match="unknown method"):
        lemma_b1_block(alpha, beta, S, method="median")
    with pytest.raises(ValueError, match="needs rho_prime"):
        lemma_b1_block(alpha, beta, S, method="fixed")
    twin = np.vstack([alpha, alpha[:1]])
    with pytest.raises(ValueError, match="margin"):
        lemma_b1_block(twin, np.vstack([beta, beta[:1]]), S)
    Q = np.linalg.qr(np.random.default_rng(24).standard_normal((k, 3)))[0].T  # 3 labels
    A, B, s_out, c, max_corr = output_block(Q)
    np.testing.assert_allclose(block(Q, A, B, s_out), np.eye(3), atol=1e-14)
    assert c == (1 + max_corr) / 2 and max_corr == pytest.approx(0.0, abs=1e-15)
    _, _, _, c1, corr1 = output_block(Q[:1])
    assert (c1, corr1) == (0.0, -1.0)
