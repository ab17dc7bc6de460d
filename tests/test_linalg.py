"""Certified decisions of :mod:`theory.linalg` against plain NumPy (SVD, eigvalsh, lstsq) and
exact SymPy arithmetic on matrices built from chosen spectra and orthogonal factors, and the
``None`` answers where there is no gap."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.strategies.feedforward import feedforward_instances, network
from checks.strategies.linalg import spectral_matrix
from theory import linalg
from theory.gram import gram
from theory.jacobian import jacobian
from theory.linalg import (
    GAP,
    certified_range,
    certified_rank,
    certified_rank_gram,
    determinant_sign,
    exact_rank,
    in_column_space,
    nonsingular,
    positive_definite,
    project_onto_range,
    semidefinite,
    smallest_eigenvalue,
    symmetric,
    symmetry_tolerance,
)
from theory.numerics import gamma, unit_roundoff

U = unit_roundoff()


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _with_spectrum(rng: np.random.Generator, m: int, n: int, s: np.ndarray) -> np.ndarray:
    """``U diag(s) V^T`` with Haar-random orthogonal factors: the singular values are chosen."""
    S = np.zeros((m, n))
    S[: s.size, : s.size] = np.diag(s)
    return _orthogonal(rng, m) @ S @ _orthogonal(rng, n).T


@st.composite
def ranked_matrices(draw):
    """``(A, r)``: an ``m x n`` matrix of exact rank ``r`` (up to rounding) whose nonzero
    singular values lie in ``[10^-4, 1]`` times a drawn scale: a clear gap by construction."""
    m, n = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    r = draw(st.integers(0, min(m, n)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = 10.0 ** draw(st.integers(-8, 8))
    s = np.sort(10.0 ** rng.uniform(-4, 0, r))[::-1] * scale
    return _with_spectrum(rng, m, n, s), r


@settings(max_examples=25, deadline=None)
@given(ranked_matrices())
def test_certified_rank_matches_construction_and_numpy(case):
    A, r = case
    cert = certified_rank(A)
    assert cert.rank == r and cert.certain
    assert cert.rank == np.linalg.matrix_rank(A)  # numpy's default tolerance agrees here
    gram_cert = certified_rank_gram(A @ A.T)
    assert gram_cert.rank == r and gram_cert.certain


def test_certified_rank_confirmed_in_exact_arithmetic():
    """Integer matrices with a dependent row: exact rank from SymPy's own Matrix.rank."""
    rng = np.random.default_rng(5)
    for _ in range(5):
        B = rng.integers(-5, 6, (4, 5)).astype(float)
        A = np.vstack([B, B[0] + 2 * B[1]])  # exactly rank <= 4
        expected = sympy.Matrix(A.astype(int).tolist()).rank()
        assert exact_rank(A) == expected
        assert certified_rank(A).rank == expected and certified_rank(A).certain


def test_exact_rank_sees_what_rounding_hides():
    """A rank-one float matrix ``x y^T`` is full rank in exact arithmetic once its entries are
    rounded (rank 1 only when the products are exact): exact_rank reports the stored matrix."""
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert exact_rank(A) == 1
    A[1, 1] = np.nextafter(4.0, 5.0)
    assert exact_rank(A) == 2
    assert certified_rank(A).rank == 1  # below the noise floor numerically


def test_value_in_the_band_is_not_certain():
    rng = np.random.default_rng(1)
    for m, n in [(5, 5), (7, 3)]:
        floor = 10 * max(m, n) * U
        s = np.array([1.0, 0.5, 30.0 * floor])  # strictly inside (floor, GAP floor]
        cert = certified_rank(_with_spectrum(rng, m, n, s))
        assert not cert.certain and cert.threshold <= s[-1] <= GAP * cert.threshold
    assert not certified_rank(np.diag([1.0, 1e-14, 0.0])).certain


def test_explicit_tolerances():
    A = np.diag([1.0, 1e-3, 1e-9])
    assert certified_rank(A, rtol=1e-6).rank == 2
    assert certified_rank(A, rtol=0.0, atol=1e-2).rank == 1
    assert certified_rank(np.zeros((3, 2))).rank == 0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 10),
    lam_min=st.sampled_from([1e-8, 1e-4, 1.0, -1e-6, -1.0]),
)
def test_positive_definite_against_eigenvalues(seed, n, lam_min):
    rng = np.random.default_rng(seed)
    lam = np.concatenate([[lam_min], rng.uniform(0.5, 2.0, n - 1)])
    Q = _orthogonal(rng, n)
    M = (Q * lam) @ Q.T
    d = positive_definite(M)
    # alpha <= 2 gamma_{n+1} tr|M| / (1 - gamma) < 2 gamma_{n+1} (2n + 1): far below 1e-8 here
    assert d.value is (lam_min > 0)
    ref = np.linalg.eigvalsh(M)[0]
    lam_c, err = smallest_eigenvalue(M)
    assert abs(lam_c - ref) <= err and abs(lam_c - lam.min()) <= err + 4 * gamma(n) * n


def test_positive_definite_says_none_without_a_margin():
    """Singular PSD (eigenvalue 0) and eigenvalues inside the Cholesky margin: undecidable."""
    rng = np.random.default_rng(2)
    for lam_min in (0.0, 1e-17, -1e-17):
        Q = _orthogonal(rng, 6)
        M = (Q * np.array([lam_min, 1, 1, 2, 2, 3.0])) @ Q.T
        d = positive_definite(M)
        assert d.value is None, d
        assert d.numbers["alpha"] > 0 and "lambda_min" in d.numbers


@settings(max_examples=20, deadline=None)
@given(ranked_matrices(), st.integers(0, 2**32 - 1))
def test_membership_and_projection_against_lstsq(case, seed):
    A, r = case
    rng = np.random.default_rng(seed)
    m = A.shape[0]
    member = A @ rng.standard_normal(A.shape[1])
    y = rng.standard_normal(m)
    p_ls = A @ np.linalg.lstsq(A, y, rcond=None)[0]
    for kw in ({"J": A}, {"gram": A @ A.T}):
        if r > 0 and np.linalg.norm(member) > 0:
            assert in_column_space(member, **kw).member is True
        cert = in_column_space(y, **kw)
        off = np.linalg.norm(y - p_ls) / np.linalg.norm(y)
        if r == m:
            assert cert.member is True
        elif off > 1e-3:
            assert cert.member is False
        proj, res = project_onto_range(y, **kw)
        # both projectors are within the certificate's subspace angle of the exact one
        tol = 2.0 * cert.threshold * np.linalg.norm(y)
        assert np.linalg.norm(proj - p_ls) <= tol
        assert abs(res - np.linalg.norm(y - p_ls)) <= tol


def test_membership_none_without_gap():
    rng = np.random.default_rng(4)
    floor = 10 * 6 * U
    A = _with_spectrum(rng, 6, 6, np.array([1.0, 1.0, 30.0 * floor, 0, 0, 0]))
    y = rng.standard_normal(6)
    cert = in_column_space(y, J=A)
    assert cert.member is None and "no spectral gap" in cert.derivation
    assert in_column_space(y, gram=A @ A.T).member in (None, False)


def test_membership_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        in_column_space(np.ones(2))
    with pytest.raises(ValueError, match="entries"):
        in_column_space(np.ones(3), J=np.eye(2))
    assert in_column_space(np.zeros(2), J=np.eye(2)).member is True


@pytest.mark.parametrize("order", ["C", "F"])
def test_positive_definite_in_place_agrees(order):
    rng = np.random.default_rng(8)
    Q = _orthogonal(rng, 7)
    for lam_min, expected in ((1e-3, True), (-1e-3, None), (0.0, None)):
        M = np.asarray((Q * np.r_[lam_min, np.ones(6)]) @ Q.T, order=order)
        M = 0.5 * (M + M.T)
        assert positive_definite(M.copy(order=order), overwrite=True).value is expected
        assert positive_definite(M).value is (expected if lam_min >= 0 else False)


def test_positive_definite_in_place_records_the_cholesky_shift_as_its_bound():
    """Both Cholesky paths (copying and in place) certify ``M > 0`` against the same shift
    ``alpha = 2 gamma_{N+1} tr|M| / (1 - gamma_{N+1})`` (Demmel's bound) and record it as the
    decision's ``bound``, the number the certificate was compared against."""
    rng = np.random.default_rng(3)
    N = 6
    A = rng.standard_normal((N, N))
    M = A @ A.T + np.eye(N)
    g = (N + 1) * U / (1 - (N + 1) * U)
    alpha = 2 * g * np.sum(np.abs(np.diag(M))) / (1 - g)
    copied, in_place = positive_definite(M), positive_definite(M.copy(), overwrite=True)
    assert copied.value is True and in_place.value is True
    for decision in (copied, in_place):
        assert decision.bound == pytest.approx(alpha, rel=4 * N * U)
        assert decision.bound == decision.numbers["alpha"]


def test_float32_input_is_decided_in_float64():
    M = np.diag([1.0, 1e-9]).astype(np.float32)
    assert positive_definite(M).value is True
    assert certified_rank_gram(M).rank == 2
    assert certified_rank(M).threshold == pytest.approx(10 * 2 * U * 1.0)


# ---------------------------------------------------------------- one decision per question


def test_symmetric_allows_four_u_max_entry_of_asymmetry():
    M = np.array([[3.0, 1.0], [1.0, 2.0]])
    tol = symmetry_tolerance(M)
    assert tol == 4 * U * 3.0
    assert symmetric(M).value is True
    M[0, 1] += tol
    assert symmetric(M).value is True
    M[0, 1] = np.nextafter(1.0 + 2 * tol, 2.0)
    d = symmetric(M)
    assert d.value is False and d.numbers["asymmetry"] > d.numbers["bound"] == tol


@pytest.mark.parametrize("lam_min", [-1e-3, -1e-9, 0.0, 1e-12])
def test_semidefinite_refutes_only_below_the_eigensolver_bound(lam_min):
    rng = np.random.default_rng(3)
    Q = _orthogonal(rng, 6)
    M = (Q * np.r_[lam_min, np.linspace(1.0, 2.0, 5)]) @ Q.T
    d = semidefinite(M)
    lam, bound = smallest_eigenvalue(0.5 * (M + M.T))
    assert d.numbers == {"lambda_min": lam, "eig_error": bound}
    assert d.value is (lam_min >= 0)
    assert semidefinite(M, scale=1e12).value is True  # a larger scale excuses more


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 9), lam_min=st.sampled_from(
    [-1e-2, -1e-8, -1e-15, 0.0, 1e-15, 1e-8, 1e-2]))
def test_positive_definite_from_eigenvalues_never_contradicts_cholesky(seed, n, lam_min):
    rng = np.random.default_rng(seed)
    Q = _orthogonal(rng, n)
    M = (Q * np.r_[lam_min, rng.uniform(0.5, 2.0, n - 1)]) @ Q.T
    by_eig = positive_definite(M, method="eigenvalues").value
    by_chol = positive_definite(M).value
    if by_eig is not None and by_chol is not None:
        assert by_eig == by_chol
    if lam_min <= 0:
        assert by_eig is not True
    if lam_min >= 1e-8:
        assert by_eig is True


def test_positive_definite_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="method"):
        positive_definite(np.eye(2), method="lu")


def test_nonsingular_is_full_certified_rank():
    assert nonsingular(np.diag([1.0, 1e-3])).value is True
    assert nonsingular(np.diag([1.0, 1e-17])).value is False
    assert nonsingular(np.zeros((2, 2))).value is False


@pytest.mark.parametrize("d", [2, 5, 9])
def test_determinant_sign_exact_and_lu_agree(d):
    rng = np.random.default_rng(d)
    for _ in range(5):
        R = rng.standard_normal((d, d))
        lu = determinant_sign(R, exact_up_to=0)
        assert lu == determinant_sign(R, exact_up_to=d) == int(np.sign(np.linalg.det(R)))
    singular = np.ones((d, d))
    assert determinant_sign(singular, exact_up_to=d) == 0
    assert determinant_sign(singular, exact_up_to=0) == 0


def test_rank_certificate_certifies_rank_with_a_margin():
    cert = certified_rank(np.diag([1.0, 1e-3, 0.0]))
    assert cert.certifies(2)
    assert not cert.certifies(1) and not cert.certifies(3)
    assert not cert.certifies(2, margin=1e-3)  # sigma_2 no longer clears noise + margin
    assert not certified_rank(np.diag([1.0, 1e-13])).certifies(2)  # in the ambiguity band


def test_certified_range_from_gram_and_from_J_span_the_same_space():
    rng = np.random.default_rng(4)
    J = _with_spectrum(rng, 8, 6, np.array([3.0, 2.0, 1.0, 0.5]))
    a, b = certified_range(J=J), certified_range(gram=J @ J.T)
    assert a.certificate.rank == b.certificate.rank == 4
    assert np.allclose(a.U @ a.U.T, b.U @ b.U.T, atol=1e-12)
    y = rng.standard_normal(8)
    assert np.allclose(a.U @ (a.U.T @ y), project_onto_range(y, J=J)[0], atol=1e-12)


# ------------------------------------------- old decision paths against the unified ones


def _recorded_instances(prefix: str):
    """Every instance the committed baseline records for the claims ``prefix*`` (worst, sample
    and control instances), parsed; instances that no longer parse are skipped."""
    from checks.cli import DEFAULT_BASELINE
    from checks.inputs import BadInput
    from checks.ledger import load_ledger
    from checks.registry import get

    for entry in load_ledger(DEFAULT_BASELINE)["claims"]:
        if not entry["id"].startswith(prefix):
            continue
        params = [entry["worst_instance"], *(s["instance"] for s in entry["sample"] or []),
                  *(c["instance"] for c in entry["controls"] or [])]
        for p in params:
            if not isinstance(p, dict):
                continue
            try:
                yield entry["id"], get(entry["id"]).parse(p)
            except BadInput:
                continue


def test_hm17_decisions_agree_with_their_old_rules_on_recorded_instances():
    """The rules hm17 used to apply inline (symmetry 4 u max(1, max|X|), PSD with gamma_{4N},
    nonsingular by 10 d u s_1, R > 0 by lambda_min > 10 d u ||R||) and the unified
    :mod:`theory.linalg` decisions give the same answers on every recorded hm17 instance."""
    from theory import exact

    seen = 0
    for _cid, inst in _recorded_instances("hm17."):
        for name in ("Sigma", "R"):
            X = inst.get(name)
            if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[0] != X.shape[1]:
                continue
            seen += 1
            d = X.shape[0]
            old_sym = np.max(np.abs(X - X.T)) <= 4.0 * U * max(1.0, float(np.max(np.abs(X))))
            assert symmetric(X).value == old_sym
            lam = float(np.linalg.eigvalsh((X + X.T) / 2.0)[0])
            old_psd = lam >= -gamma(4 * d) * np.linalg.norm(X, 2)
            assert semidefinite(X).value == old_psd
            s = np.linalg.svd(X, compute_uv=False)
            old_nonsingular = bool(s[-1] > 10 * d * U * s[0])
            assert nonsingular(X).value == old_nonsingular
            old_pd = lam > 10 * d * U * np.linalg.norm(X, 2)
            assert (positive_definite(X, method="eigenvalues").value is True) == old_pd
            if d <= 8:
                assert determinant_sign(X) == exact.determinant_sign(X)
            if old_nonsingular:
                assert determinant_sign(X, exact_up_to=0) == int(np.linalg.slogdet(X)[0])
    assert seen >= 20


def test_j19_rank_rule_agrees_with_its_old_form_on_recorded_instances():
    """j19's FULL test used to read ``cert.certain and cert.rank == L and sigma_L > threshold +
    Weyl margin`` on the row-equilibrated ``H``; :meth:`RankCertificate.certifies` with the
    margin decides the same on every recorded j19 network instance."""
    from checks.papers import j19_disparity as j19
    from theory.fourier import equilibrate_rows

    seen = 0
    for _cid, inst in _recorded_instances("j19."):
        if "w" not in inst or inst.get("model") == "sigmoid-product":
            continue
        H, err = j19.disparity_with_rounding(inst)
        L = (2 * inst["n"] + 1) ** inst["K"]
        if H.shape[0] < L:
            continue
        cert = certified_rank(equilibrate_rows(H))
        weyl = j19.weyl_margin(H, err)
        old = (cert.certain and cert.rank == L
               and float(cert.singular_values[L - 1]) > cert.threshold + weyl)
        assert cert.certifies(L, margin=weyl) == old
        seen += 1
    assert seen >= 10


def test_every_decision_records_the_bound_it_was_decided_against():
    M = np.array([[2.0, 1.0], [1.0, 2.0]])
    s = symmetric(M)
    assert s.bound == s.numbers["bound"] == symmetry_tolerance(M)
    p = semidefinite(M)
    assert p.bound == p.numbers["eig_error"] == smallest_eigenvalue(M)[1]
    e = positive_definite(M, method="eigenvalues")
    assert e.bound == e.numbers["eig_error"]
    c = positive_definite(M)
    assert c.value is True and c.bound == c.numbers["alpha"] > 0
    n = nonsingular(M)
    assert n.bound == certified_rank(M).threshold
    for d in (s, p, e, c, n):
        assert d.certificate == d.derivation and d.certificate


@pytest.mark.parametrize("seed", [2, 6, 8])
def test_a_singular_gram_that_plain_cholesky_accepts_is_not_certified(seed):
    """Rounding makes about 40% of rank-5 6 x 6 Gram matrices pass an unshifted Cholesky; the
    certificate must not be fooled (the shift is what makes it a certificate)."""
    A = spectral_matrix(seed, 6, 6, 5, 1.0)["A"]
    G = A @ A.T
    np.linalg.cholesky(G)  # succeeds: floating point alone would say "positive definite"
    assert linalg.positive_definite(G).value is not True


@settings(deadline=None)
@given(feedforward_instances(hidden=st.lists(st.integers(3, 6), min_size=1, max_size=2),
                             activations=st.sampled_from(["tanh", "softplus"])))
def test_the_gram_route_never_resolves_more_rank_than_the_svd(inst):
    """``rank J = rank J J^T``, but eigenvalues of the Gram are squared singular values: the
    Gram route resolves singular values of ``J`` only above about ``sqrt(noise floor)``."""
    net, theta, X = network(inst), inst["theta"], inst["X"]
    by_gram = linalg.certified_rank_gram(gram(net, theta, X))
    by_svd = linalg.certified_rank(jacobian(net, theta, X))
    if by_gram.certain and by_svd.certain:
        assert by_gram.rank <= by_svd.rank


def test_a_certain_gram_rank_can_be_below_the_rank_of_J():
    """A found instance: the Gram route reports rank 4 with a clear gap, the SVD of the same
    5 x 6 Jacobian rank 5 with a clear gap (s_5 / s_1 = 3e-8, squared 1e-15: under the
    Gram's noise floor). A 'certain' Gram rank is the numerical rank at that coarser
    precision, not a certified deficiency of J."""
    inst = {"widths": [1, 3, 1], "activations": ["softplus"], "bias": False,
            "theta": np.array([0.12573022, -0.13210486, 0.64042265,
                               0.06056411, -0.30926886, 0.208767]),
            "X": np.array([[1.30400005], [0.94708096], [-0.70373524], [-1.26542147],
                           [-0.62327446]])}
    net, theta, X = network(inst), inst["theta"], inst["X"]
    by_svd = linalg.certified_rank(jacobian(net, theta, X))
    by_gram = linalg.certified_rank_gram(gram(net, theta, X))
    assert by_svd.certain and by_svd.rank == 5
    assert by_gram.rank <= by_svd.rank


def test_in_column_space_is_undecided_between_its_threshold_and_the_nonmember_floor():
    """``y`` in ``Col(J)`` is a member; ``y`` moved out of it by a relative ``rho`` is
    undecided while ``rho`` is below :data:`NONMEMBER_FLOOR` (far above the rounding
    threshold) and a non-member above it; ``nonmember_tol`` replaces the floor."""
    from theory.linalg import NONMEMBER_FLOOR, in_column_space

    rng = np.random.default_rng(11)
    J = rng.standard_normal((8, 3))
    y = J @ rng.standard_normal(3)
    out = np.linalg.svd(J)[0][:, -1]  # orthogonal to Col(J)
    assert in_column_space(y, J=J).member is True
    for rho, member in ((1e-3 * NONMEMBER_FLOOR, None), (1e3 * NONMEMBER_FLOOR, False)):
        z = y + rho * np.linalg.norm(y) * out
        cert = in_column_space(z, J=J)
        assert cert.member is member and cert.nonmember_threshold == NONMEMBER_FLOOR
        assert cert.threshold < 1e-3 * NONMEMBER_FLOOR
    z = y + 1e-3 * NONMEMBER_FLOOR * np.linalg.norm(y) * out
    assert in_column_space(z, J=J, nonmember_tol=1e-10).member is False


def test_undecided_positive_definite_records_the_weyl_bound_it_compared_against():
    """When neither Cholesky nor the smallest eigenvalue decides, the decision's ``bound`` is
    the Weyl error bound ``10 N u ||M||_2`` that ``lambda_min`` was compared against (the
    one recorded as ``eig_error``)."""
    M = np.diag([0.0, 1.0, 2.0])
    d = positive_definite(M)
    assert d.value is None
    weyl = 10 * 3 * unit_roundoff() * 2.0
    assert d.bound == d.numbers["eig_error"] == pytest.approx(weyl, rel=1e-12)
