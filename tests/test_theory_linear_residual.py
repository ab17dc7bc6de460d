"""Unit tests of ``theory.models.linear_residual`` and ``theory.constructions.hm17_factorisation``
against independent computations: autograd, finite differences, exact SymPy arithmetic, plain
eigen/SVD decompositions and SciPy's fractional matrix power."""

from __future__ import annotations

import math

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.linalg
import sympy
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.strategies.hm17_linear import haar_orthogonal
from theory.constructions import hm17_factorisation as fac
from theory.models import linear_residual as lr
from theory.models.linear_residual import risk_gradient
from theory.numerics import unit_roundoff

U = unit_roundoff()


def _instance(seed: int, d: int = 3, ell: int = 4, s: float = 0.4):
    rng = np.random.default_rng(seed)
    A = [s * rng.standard_normal((d, d)) for _ in range(ell)]
    M = rng.standard_normal((d, d))
    return A, rng.standard_normal((d, d)), M @ M.T / d + 0.2 * np.eye(d)


def _autograd_risk(R, Sigma, ell):
    """``tr(E Sigma E^T)`` written independently in autograd (flat parameter vector)."""
    d = R.shape[0]

    def f(flat):
        P = anp.eye(d)
        for i in range(ell):
            P = anp.dot(anp.eye(d) + anp.reshape(flat[i * d * d:(i + 1) * d * d], (d, d)), P)
        E = P - R
        return anp.sum(anp.dot(E, Sigma) * E)

    return f


@pytest.mark.parametrize("seed", range(4))
def test_recursion_matches_product(seed):
    A, R, _ = _instance(seed, d=4, ell=6)
    x = np.random.default_rng(seed).standard_normal((5, 4))
    bound = 10 * 6 * 4 * U * math.prod(1 + np.linalg.norm(a, 2) for a in A)
    err = np.abs(lr.forward(A, x) - x @ lr.residual_product(A).T).max()
    assert err <= bound * np.abs(x).max() * 4


def test_risk_exact_in_rationals():
    """Claim 2.3's closed form against exact SymPy arithmetic on a rational instance."""
    rng = np.random.default_rng(7)
    d, ell = 3, 3
    A_q = [sympy.Matrix(d, d, [sympy.Rational(int(v), 8) for v in rng.integers(-4, 5, d * d)])
           for _ in range(ell)]
    R_q = sympy.Matrix(d, d, [sympy.Rational(int(v), 4) for v in rng.integers(-4, 5, d * d)])
    L = sympy.Matrix(d, d, [sympy.Rational(int(v), 2) for v in rng.integers(-2, 3, d * d)])
    S_q = L * L.T + sympy.eye(d)
    P = sympy.eye(d)
    for Ai in A_q:
        P = (sympy.eye(d) + Ai) * P
    E = P - R_q
    exact = (E * S_q * E.T).trace() + d
    value = lr.population_risk([np.array(a, dtype=float) for a in A_q],
                               np.array(R_q, dtype=float), np.array(S_q, dtype=float))
    assert abs(value - float(exact)) <= 1e3 * U * float(exact)


@pytest.mark.parametrize("seed", range(3))
def test_gradient_matches_autograd(seed):
    """Lemma 2.4 against autograd with ell = 4 so that factor-order mistakes show."""
    A, R, Sigma = _instance(seed)
    ref = grad(_autograd_risk(R, Sigma, 4))(np.concatenate([a.ravel() for a in A]))
    ours = np.concatenate([g.ravel() for g in lr.risk_gradient(A, R, Sigma)])
    assert np.linalg.norm(ours - ref) <= 1e-12 * np.linalg.norm(ref)


@pytest.mark.parametrize("reading", [r for r in lr.GRADIENT_READINGS if r != "lemma"])
def test_misreadings_disagree_with_autograd(reading):
    A, R, Sigma = _instance(11)
    ref = grad(_autograd_risk(R, Sigma, 4))(np.concatenate([a.ravel() for a in A]))
    wrong = np.concatenate([g.ravel() for g in lr.risk_gradient(A, R, Sigma, reading)])
    assert np.linalg.norm(wrong - ref) > 0.01 * np.linalg.norm(ref)


def test_gradient_matches_finite_differences():
    A, R, Sigma = _instance(3, d=2, ell=3)
    h = 1e-5
    G = lr.risk_gradient(A, R, Sigma)
    for i in range(3):
        for a, b in np.ndindex(2, 2):
            plus = [x.copy() for x in A]
            minus = [x.copy() for x in A]
            plus[i][a, b] += h
            minus[i][a, b] -= h
            diff = lr.population_risk(plus, R, Sigma) - lr.population_risk(minus, R, Sigma)
            fd = diff / (2 * h)
            assert abs(fd - G[i][a, b]) <= 1e-7 * (1 + abs(G[i][a, b]))


def test_standard_gradient_matches_autograd():
    rng = np.random.default_rng(5)
    d, ell = 3, 3
    W = [np.eye(d) + 0.3 * rng.standard_normal((d, d)) for _ in range(ell)]
    R, Sigma = rng.standard_normal((d, d)), np.diag([1.0, 2.0, 0.5])
    ref = grad(_autograd_risk(R, Sigma, ell))(np.concatenate([(w - np.eye(d)).ravel() for w in W]))
    ours = np.concatenate([g.ravel() for g in lr.standard_gradient(W, R, Sigma)])
    assert np.linalg.norm(ours - ref) <= 1e-12 * np.linalg.norm(ref)


def test_standard_gradient_exactly_zero_at_origin():
    R, Sigma = np.array([[1.0, 2.0], [0.0, 1.0]]), np.eye(2)
    assert all(np.all(g == 0) for g in lr.standard_gradient([np.zeros((2, 2))] * 2, R, Sigma))


def test_moment_matching_support():
    rng = np.random.default_rng(2)
    mean = rng.standard_normal(3)
    M = rng.standard_normal((3, 3))
    cov = M @ M.T
    points, w = lr.moment_matching_support(mean, cov)
    centred = points - mean
    assert np.allclose(w @ points, mean, atol=1e-14 * 10)
    assert np.allclose((centred.T * w) @ centred, cov, atol=1e-13 * np.abs(cov).max())


def test_monte_carlo_agrees_and_is_seeded():
    A, R, Sigma = _instance(4, d=2, ell=2)
    mean = np.array([0.5, -0.3])
    cov = Sigma
    formula = lr.population_risk(A, R, cov + np.outer(mean, mean))
    est, se = lr.monte_carlo_risk(A, R, mean, cov, 20_000, seed=1)
    assert abs(est - formula) <= 5 * se
    assert lr.monte_carlo_risk(A, R, mean, cov, 20_000, seed=1) == (est, se)


def test_gamma_and_triple_norm():
    R = np.diag([math.e ** 2, math.e ** -1])
    assert lr.target_gamma(R) == pytest.approx(2.0, rel=1e-15)
    assert lr.target_gamma(np.diag([1.0, 0.0])) == math.inf
    assert lr.triple_norm([np.diag([0.5, -0.7]), np.eye(2) * 0.1]) == pytest.approx(0.7)


# ------------------------------------------------------------ factorisation (Theorem 2.1)

def _targets():
    """Hard cases: -I in even dimension, rotations by pi, det U = -1 (reflections pairing into
    rotations), gamma = 0, and generic targets."""
    rng = np.random.default_rng(17)
    V4 = haar_orthogonal(rng, 4)
    rot_pi = scipy.linalg.block_diag(fac.rotation(math.pi), fac.rotation(0.3), 1.0)
    reflect_pair = np.diag([-1.0, 1.0, 1.0]) @ haar_orthogonal(rng, 3)
    reflect_pair = reflect_pair if np.linalg.det(reflect_pair) < 0 else -reflect_pair
    return {
        "-I4": -np.eye(4),
        "-I4 scaled": -np.diag([2.0, 1.0, 0.5, 0.8]) @ V4.T,
        "rotation by pi": rot_pi @ np.diag([1.5, 1.0, 0.6, 0.9, 1.2]),
        "two reflections": reflect_pair @ np.diag([1.0, 2.0, 0.5]) @ np.diag([-1.0, 1.0, 1.0]),
        "gamma = 0": haar_orthogonal(rng, 3),
        "-I2 (gamma = 0)": -np.eye(2),
        "generic": haar_orthogonal(rng, 3) @ np.diag([3.0, 1.0, 0.2]) @ haar_orthogonal(rng, 3).T,
    }


def _fixed_det(R):
    return R if np.linalg.det(R) > 0 else np.diag([-1.0] + [1.0] * (R.shape[0] - 1)) @ R


@pytest.mark.parametrize("name", list(_targets()))
@pytest.mark.parametrize("extra", [0, 1, 7, 30])
def test_factorisations_reproduce_R(name, extra):
    R = _fixed_det(_targets()[name])
    g = lr.target_gamma(R)
    ell = max(5, math.ceil(3 * g)) + extra
    for split, build in ((fac.best_paper_split, fac.paper_factorisation),
                         (fac.best_merged_split, fac.merged_factorisation)):
        q, p = split(R, ell)
        A = build(R, ell, q)
        assert len(A) == ell
        assert np.linalg.norm(lr.residual_product(A) - R) <= 1e3 * ell * U * np.linalg.norm(R)
    merged = fac.merged_factorisation(R, ell, fac.best_merged_split(R, ell)[0])
    norm = lr.triple_norm(merged)
    assert fac.factorisation_lower_bound(R, ell) <= norm * (1 + 1e-12)
    assert norm <= fac.theorem_bound(g, ell)


def test_positive_svd_fixes_signs():
    R = _fixed_det(_targets()["two reflections"])
    Uf, k, V = fac.positive_svd(R)
    assert np.linalg.det(Uf) == pytest.approx(1) and np.linalg.det(V) == pytest.approx(1)
    assert np.allclose(Uf @ np.diag(k) @ V.T, R, atol=1e-14 * 10)
    with pytest.raises(ValueError):
        fac.positive_svd(np.diag([-1.0, 1.0]))


def test_unpaired_minus_one_rejected():
    with pytest.raises(ValueError, match="odd number"):
        fac.orthogonal_blocks(np.diag([-1.0, 1.0, 1.0]))


@pytest.mark.parametrize("q", [1, 2, 5])
def test_orthogonal_factors_norm(q):
    """Steps 3-5: ``U = G^q`` for the merged generator, each ``||G - I|| <= pi/q``, with the
    angles checked against NumPy's eigenvalues of ``U``."""
    rng = np.random.default_rng(q)
    X = haar_orthogonal(rng, 5)
    X = X if np.linalg.det(X) > 0 else -X
    blocks = fac.orthogonal_blocks(X)
    G = blocks.generator(q, "all")
    assert np.allclose(np.linalg.matrix_power(G, q), X, atol=1e-13)
    assert np.linalg.norm(G - np.eye(5), 2) <= math.pi / q + 1e-14
    eig_angles = sorted(abs(np.angle(e)) for e in np.linalg.eigvals(X) if abs(np.angle(e)) > 1e-9)
    ours = sorted([abs(t) for t in blocks.angles for _ in (0, 1)])
    assert np.allclose(ours, eig_angles, atol=1e-10)


@given(theta=st.floats(-math.pi, math.pi), q=st.integers(1, 30), reflect=st.booleans())
@settings(max_examples=30, deadline=None)
def test_split_orthogonal_2x2(theta, q, reflect):
    """Claim A.1 against an independent matrix power of the rotation."""
    Q = fac.rotation(theta) @ (np.diag([-1.0, 1.0]) if reflect else np.eye(2))
    Ws, Lam = fac.split_orthogonal_2x2(Q, q)
    assert np.allclose(np.linalg.matrix_power(Ws[0], q) @ Lam, Q, atol=1e-13)
    assert np.linalg.norm(Ws[0] - np.eye(2), 2) <= math.pi / q + 1e-15
    assert np.array_equal(Lam, np.eye(2)) != reflect


@given(seed=st.integers(0, 2**31), d=st.integers(1, 6))
@settings(max_examples=20, deadline=None)
def test_real_block_form_of_orthogonal(seed, d):
    """Claim C.1: block eigenvalues against NumPy's eigenvalues of the full matrix."""
    X = haar_orthogonal(np.random.default_rng(seed), d)
    S, D, blocks = fac.real_block_form(X)
    assert np.allclose(S @ D @ S.T, X, atol=1e-13)
    eigs = np.concatenate([np.linalg.eigvals(D[a:a + s, a:a + s]) for a, s in blocks])
    ref = np.linalg.eigvals(X)
    assert np.allclose(np.sort_complex(np.round(eigs, 10)), np.sort_complex(np.round(ref, 10)),
                       atol=1e-8)


def test_psd_factorisation_against_fractional_power():
    rng = np.random.default_rng(9)
    Q = haar_orthogonal(rng, 4)
    R = (Q * np.array([0.3, 1.0, 2.0, 5.0])) @ Q.T
    R = (R + R.T) / 2
    A = fac.psd_factorisation(R, 5)
    ref = np.real(scipy.linalg.fractional_matrix_power(R, 1 / 5)) - np.eye(4)
    assert np.allclose(A[0], ref, atol=1e-12)


def test_trivial_and_lower_bound():
    R = math.exp(10) * np.eye(2)
    A = fac.trivial_factorisation(R, 2)
    assert np.array_equal(lr.residual_product(A), R)
    assert fac.factorisation_lower_bound(R, 2) == pytest.approx(math.exp(5) - 1)


def test_constructed_minimisers_are_critical():
    """Theorem 2.2, check (3): an exact factorisation inside the unit ball is a global minimiser,
    so the Lemma 2.4 gradient vanishes there to rounding."""
    rng = np.random.default_rng(31)
    R = haar_orthogonal(rng, 3) @ np.diag([1.3, 1.0, 0.8]) @ haar_orthogonal(rng, 3).T
    R = _fixed_det(R)
    ell = 40
    A = fac.merged_factorisation(R, ell, fac.best_merged_split(R, ell)[0])
    assert lr.triple_norm(A) < 1
    G = lr.risk_gradient(A, R, np.diag([1.0, 0.5, 2.0]))
    assert math.sqrt(sum(np.sum(g * g) for g in G)) <= 1e3 * ell * U * np.linalg.norm(R)


# ------------------------------------------------------------ gradient descent (Theorem 2.2)

def test_gradient_descent_steps_along_autograd_gradient():
    """Each iterate is the previous one minus step times autograd's gradient, and the returned
    gradients are autograd's gradients at the iterates."""
    A, R, Sigma = _instance(8, d=3, ell=3, s=0.1)
    f = grad(_autograd_risk(R, Sigma, 3))
    iterates, grads = lr.gradient_descent(A, R, Sigma, step=0.01, max_steps=5)
    assert len(iterates) == len(grads) == 6
    for t in range(5):
        flat = np.concatenate([a.ravel() for a in iterates[t]])
        ref = f(flat)
        assert np.linalg.norm(np.concatenate([g.ravel() for g in grads[t]]) - ref) <= (
            1e-12 * np.linalg.norm(ref))
        nxt = np.concatenate([a.ravel() for a in iterates[t + 1]])
        assert np.linalg.norm(nxt - (flat - 0.01 * ref)) <= 1e-14 * (1 + np.linalg.norm(flat))


def test_gradient_descent_stops_at_approximate_critical_point():
    """With a small step the risk decreases monotonically and the run stops at the first
    iterate whose gradient norm is below the tolerance."""
    rng = np.random.default_rng(3)
    d, ell = 2, 3
    B = [0.1 * rng.standard_normal((d, d)) for _ in range(ell)]
    R, Sigma = lr.residual_product(B), np.diag([1.0, 0.5])
    A0 = [np.zeros((d, d))] * ell
    iterates, grads = lr.gradient_descent(A0, R, Sigma, step=0.05, max_steps=10_000,
                                          grad_tol=1e-8)
    norms = [math.sqrt(sum(float(np.sum(g * g)) for g in G)) for G in grads]
    risks = [lr.excess_risk(A, R, Sigma) for A in iterates]
    assert norms[-1] <= 1e-8 < min(norms[:-1])
    assert all(b <= a for a, b in zip(risks, risks[1:], strict=False))
    assert risks[-1] <= 1e-14
    with pytest.raises(ValueError):
        lr.gradient_descent(A0, R, Sigma, step=0.0, max_steps=3)


@pytest.mark.parametrize("R", [-np.diag([1.05, 1.0]), -np.diag([3.0, 1.0, 0.5, 0.7]),
                               np.diag([-1.0, -1.0, 2.0])])
def test_worst_case_ratio_bounds_the_constructions(R):
    """worst_case_ratio is an upper bound on what both recipes achieve on any target with the
    same gamma; for R = -diag(1.05, 1) at ell = 12 (a rotation by pi forced to q = 2) the
    paper's recipe attains it: 2 sin(pi/4) / ((4 pi + 3 log 1.05)/12)."""
    g = lr.target_gamma(R)
    for ell in range(max(5, math.ceil(3 * g)), 40):
        bound = fac.theorem_bound(g, ell)
        for per_q, split, build in ((4, fac.best_paper_split, fac.paper_factorisation),
                                    (2, fac.best_merged_split, fac.merged_factorisation)):
            q, _ = split(R, ell)
            achieved = lr.triple_norm(build(R, ell, q)) / bound
            assert achieved <= fac.worst_case_ratio(g, ell, per_q) * (1 + 1e-12)
    if R.shape == (2, 2):
        expected = 2 * math.sin(math.pi / 4) * 12 / (4 * math.pi + 3 * math.log(1.05))
        assert fac.worst_case_ratio(math.log(1.05), 12, 4) == pytest.approx(expected, rel=1e-14)


def test_worst_case_ratio_limits():
    """As gamma -> 0+: 12 sqrt 2/(4 pi) for the paper's recipe (ell = 12) and 6 sqrt 2/(4 pi)
    for the merged one (ell = 6); None when no split exists (ell < 4q + 1)."""
    assert fac.worst_case_ratio(1e-12, 12, 4) == pytest.approx(12 * math.sqrt(2) / (4 * math.pi))
    assert fac.worst_case_ratio(1e-12, 6, 2) == pytest.approx(6 * math.sqrt(2) / (4 * math.pi))
    assert fac.worst_case_ratio(0.1, 4, 4) is None
    assert fac.worst_case_ratio(0.0, 4, 4) == pytest.approx(2.0 / math.pi)


@pytest.mark.parametrize("seed", range(3))
def test_gradient_vanishes_at_constructed_minimisers(seed):
    """Theorem 2.2 at an exact factorisation from the merged construction with
    |||A||| < 1 is a global minimiser, so the closed-form gradient is at rounding level there
    (E = P - R is rounding noise of the product)."""
    rng = np.random.default_rng(seed)
    d = 3
    R = haar_orthogonal(rng, d) @ np.diag(np.exp(rng.uniform(-0.5, 0.5, d))) @ \
        haar_orthogonal(rng, d).T
    R = _fixed_det(R)
    ell = 30
    A = fac.merged_factorisation(R, ell, fac.best_merged_split(R, ell)[0])
    assert lr.triple_norm(A) < 1.0
    Sigma = np.diag([0.5, 1.0, 2.0])
    growth = math.prod(1 + np.linalg.norm(a, 2) for a in A)
    G = lr.risk_gradient(A, R, Sigma)
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in G))
    assert norm <= 100 * ell * d * U * np.linalg.norm(R) * growth ** 2 * 2.0 * math.sqrt(ell)


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
