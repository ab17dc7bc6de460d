"""Range bases of :mod:`theory.gradient_basis` (Kawaguchi, Huang & Kaelbling 2019, §3.2): the
SVD and the Gram-first variant decide the rank through :mod:`theory.linalg`."""

from __future__ import annotations

import numpy as np
import pytest

from theory.gradient_basis import range_basis, range_basis_gram
from theory.linalg import certified_rank_gram


def _low_rank(rng: np.random.Generator, m: int, n: int, r: int) -> np.ndarray:
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


def test_range_basis_gram_cuts_at_the_gram_noise_floor():
    rng = np.random.default_rng(1)
    A = _low_rank(rng, 12, 9, 4)
    G = A @ A.T
    basis = range_basis_gram(G)
    cert = certified_rank_gram(0.5 * (G + G.T))
    assert basis.rank == cert.rank == 4 and basis.certain
    # eigh (basis) and eigvalsh (cert) may differ in the last bits of lambda_max
    assert basis.threshold == pytest.approx(np.sqrt(cert.threshold), rel=1e-12)
    assert np.allclose(basis.singular_values ** 2, np.clip(cert.singular_values, 0, None))


def test_range_basis_gram_and_svd_span_the_same_range():
    rng = np.random.default_rng(2)
    A = _low_rank(rng, 10, 7, 3)
    a, b = range_basis(A), range_basis_gram(A @ A.T)
    assert a.rank == b.rank == 3
    assert np.allclose(a.U @ a.U.T, b.U @ b.U.T, atol=1e-10)


def test_range_basis_gram_is_uncertain_inside_the_ambiguity_band():
    """An eigenvalue just above the noise floor (within the gap factor) leaves the rank
    uncertain, as :func:`theory.linalg.certified_rank_gram` says."""
    G = np.diag([1.0, 1e-13, 0.0])
    basis = range_basis_gram(G)
    assert basis.rank == 2 and not basis.certain
