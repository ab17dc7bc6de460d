"""The exact tier (theory.exact): rational decisions against values known in closed form or
computed independently (symbolic differentiation, SymPy's own rank and eigenvalues)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from theory import exact as ex
from theory.models import linear_residual as lr


def test_rational_is_the_stored_binary_fraction():
    assert ex.rational(0.1) == sympy.Rational(3602879701896397, 2**55)
    assert ex.rational(0.1) != sympy.Rational(1, 10)
    assert ex.rational(2.0**-1074) == sympy.Rational(1, 2**1074)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_rational_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="no rational value"):
        ex.rational(bad)


def test_is_symmetric_sees_a_one_ulp_asymmetry():
    S = np.array([[1.0, 0.1], [0.1, 1.0]])
    assert ex.is_symmetric(S)
    S[0, 1] = np.nextafter(0.1, 1.0)
    assert not ex.is_symmetric(S)


def test_determinant_sign_matches_sympy_det():
    for M in (np.diag([-1.0, 1.0, 1.0]), np.array([[1.0, 2.0], [2.0, 4.0]]),
              np.array([[0.0, -1.0], [1.0, 0.0]]), np.array([[1.0, 1e-17], [1.0, 1.0]])):
        assert ex.determinant_sign(M) == sympy.sign(sympy.Matrix(M.tolist()).applyfunc(
            sympy.Rational).det())


def test_determinant_sign_resolves_what_float_cannot():
    # det = 1 - (1 + 2^-52)(1 - 2^-52) = 2^-104 > 0, far below the rounding of a float det
    M = np.array([[1.0, 1.0 + 2.0**-52], [1.0 - 2.0**-52, 1.0]])
    assert ex.determinant_sign(M) == 1


def test_rank_matches_sympy_rank():
    for M in (np.ones((3, 3)), np.eye(3), np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0 + 2**-50]])):
        assert ex.rank(M) == sympy.Matrix(M.tolist()).applyfunc(sympy.Rational).rank()


@pytest.mark.parametrize(("M", "kind"), [
    (np.eye(2), "positive definite"),
    (-np.eye(2), "negative definite"),
    (np.ones((2, 2)), "positive semidefinite"),
    (np.zeros((2, 2)), "positive semidefinite"),
    (np.diag([1.0, -1.0]), "indefinite"),
    (np.diag([0.0, -1.0]), "negative semidefinite"),
])
def test_definiteness_by_principal_minors(M, kind):
    assert ex.definiteness(M) == kind


def test_definiteness_needs_all_principal_minors_not_only_leading():
    # leading minors 0, 0 (both >= 0) yet the matrix is not PSD
    assert ex.definiteness(np.diag([0.0, -1.0])) != "positive semidefinite"


def test_definiteness_rejects_non_symmetric():
    with pytest.raises(ValueError, match="symmetric"):
        ex.definiteness(np.array([[1.0, 1.0], [0.0, 1.0]]))


def test_compare_lambda_min_decides_one_ulp():
    S = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 1 and 3, exactly
    assert ex.compare_lambda_min(S, 1.0) == 0
    assert ex.compare_lambda_min(S, np.nextafter(1.0, 0.0)) == 1
    assert ex.compare_lambda_min(S, np.nextafter(1.0, 2.0)) == -1


def test_compare_spectral_norm_decides_one_ulp():
    A = np.array([[3.0, 4.0], [0.0, 0.0]])  # ||A||_2 = 5
    assert ex.compare_spectral_norm(A, 5.0) == 0
    assert ex.compare_spectral_norm(A, np.nextafter(5.0, 0.0)) == 1
    assert ex.compare_spectral_norm(A, np.nextafter(5.0, 6.0)) == -1


def test_lambda_min_agrees_with_sympy_eigenvalues():
    S = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 0.75]])
    exact = min(sympy.Matrix(S.tolist()).applyfunc(sympy.Rational).eigenvals(), key=lambda e:
                complex(e.evalf(60)).real)
    assert abs(ex.lambda_min(S) - sympy.re(exact.evalf(60))) < 1e-45


def test_residual_product_order_input_meets_A1_first():
    A1 = np.array([[0.0, 1.0], [0.0, 0.0]])
    A2 = np.array([[0.0, 0.0], [1.0, 0.0]])
    P = ex.residual_product([A1, A2])
    assert P == (sympy.eye(2) + ex.rational_matrix(A2)) * (sympy.eye(2) + ex.rational_matrix(A1))
    assert P != ex.residual_product([A2, A1])


def _symbolic_gradient(A, R, Sigma):
    """Lemma 2.4's left side by symbolic differentiation of tr(E Sigma E^T)."""
    d, ell = R.shape[0], len(A)
    syms = [sympy.Matrix(d, d, lambda a, b, i=i: sympy.Symbol(f"a{i}_{a}{b}")) for i in range(ell)]
    P = sympy.eye(d)
    for S in syms:
        P = (sympy.eye(d) + S) * P
    E = P - ex.rational_matrix(R)
    f = (E * ex.rational_matrix(Sigma) * E.T).trace()
    values = {syms[i][a, b]: ex.rational(A[i][a, b])
              for i in range(ell) for a in range(d) for b in range(d)}
    return [S.applyfunc(lambda s: sympy.diff(f, s).subs(values)) for S in syms]


def test_risk_gradient_equals_symbolic_derivative():
    rng = np.random.default_rng(5)
    A = [0.5 * rng.standard_normal((2, 2)) for _ in range(3)]
    R, Sigma = rng.standard_normal((2, 2)), np.array([[2.0, 0.5], [0.5, 1.0]])
    assert ex.risk_gradient(A, R, Sigma) == _symbolic_gradient(A, R, Sigma)


def test_risk_gradient_matches_lemma_2_4_to_rounding():
    rng = np.random.default_rng(6)
    A = [0.3 * rng.standard_normal((3, 3)) for _ in range(3)]
    R, Sigma = rng.standard_normal((3, 3)), np.diag([2.0, 1.0, 0.5])
    exact = ex.risk_gradient(A, R, Sigma)
    closed = lr.risk_gradient(A, R, Sigma)
    err = max(abs(float(G[a, b]) - C[a, b]) for G, C in zip(exact, closed, strict=True)
              for a in range(3) for b in range(3))
    assert err <= 1e3 * np.finfo(float).eps * max(np.abs(C).max() for C in closed)


def test_excess_risk_is_trace_of_E_Sigma_E():
    A, R, Sigma = [np.array([[0.5]])], np.array([[2.0]]), np.array([[3.0]])
    assert ex.excess_risk(A, R, Sigma) == (sympy.Rational(3, 2) - 2) ** 2 * 3
    assert ex.excess_risk([np.array([[1.0]])], np.array([[2.0]]), np.array([[3.0]])) == 0


def test_standard_risk_gap_is_frobenius_norm_for_identity_sigma():
    R = np.array([[1.0, 0.1], [-2.0, 0.5]])
    assert ex.standard_risk_gap(R, np.eye(2)) == sum(ex.rational(x) ** 2 for x in R.ravel())


@pytest.mark.parametrize("ell", [1, 2, 3])
def test_eq23_comparison_is_tight_at_minus_tau_identity(ell):
    # d = 1, A_i = -tau: every slice gradient is 2 (1 - tau)^{ell-1} E sigma, equality in (2.3)
    tau, A = 0.25, [np.array([[-0.25]])] * ell
    comparison = ex.eq23_comparison(A, np.array([[0.3]]), np.array([[1.5]]), tau)
    assert comparison.sign == 0
    assert abs(comparison.gap) <= 1e-40 * comparison.lhs


def test_eq23_comparison_signs_away_from_the_tie():
    A, R, Sigma = [np.array([[-0.25]])] * 2, np.array([[0.3]]), np.array([[1.5]])
    assert ex.eq23_comparison(A, R, Sigma, 0.5).sign == 1  # a weaker radius: strict
    assert ex.eq23_comparison(A, R, Sigma, 0.125).sign == -1  # A outside B_tau: fails


def test_eq23_comparison_at_a_global_minimiser_is_a_zero_tie():
    A = [np.array([[0.5, 0.0], [0.0, -0.25]])]
    R = np.diag([1.5, 0.75])
    comparison = ex.eq23_comparison(A, R, np.eye(2), 0.5)
    assert comparison.sign == 0 and comparison.lhs == 0 and comparison.rhs == 0


def test_rank_of_a_rational_matrix_is_not_rounded():
    # 1/3 has no float64 image: a rounding detour would make this rank-1 matrix rank 2
    M = sympy.Matrix([[sympy.Rational(1, 3), 1], [1, 3]])
    assert ex.rank(M) == 1


def test_eq23_comparison_says_how_lambda_min_was_decided():
    """The comparison carries its derivation: rational gradient and excess risk, and
    ``lambda_min(Sigma)`` decided by Sylvester's criterion (the irrational side)."""
    A, R, Sigma = [np.array([[-0.25]])] * 2, np.array([[0.3]]), np.array([[1.5]])
    derivation = ex.eq23_comparison(A, R, Sigma, 0.5).derivation
    assert "rational gradient" in derivation and "Sylvester's criterion" in derivation
