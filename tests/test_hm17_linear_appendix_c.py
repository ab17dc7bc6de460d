"""Hardt & Ma (2017) App. C (:mod:`checks.papers.hm17_linear.appendix_c`): Claim C.1 where
normality is and is not decidable (Henrici's allowance), and Claims C.1, C.2 at the ends of
the floating-point range."""

from __future__ import annotations

import numpy as np

from checks.framework import Status
from checks.papers.hm17_linear.appendix_c import henrici_allowance
from checks.registry import get
from theory.constructions import hm17_factorisation as fac


def test_claimC1_rotation_by_pi_repeated():
    """-I_4 and a rotation by pi repeated: real eigenvalues -1, 1 x 1 blocks, block diagonal."""
    verdict = get("hm17.claimC.1").check({"U": -np.eye(4)})
    assert verdict.status is Status.HOLDS


def test_claimC1_henrici_allowance_against_exact_departure():
    """The allowance bounds the off-block entry of every matrix with a given commutator:
    for ``[[1, e], [0, 1]]`` the exact commutator is ``diag(e^2, -e^2)`` (max entry ``e^2``)
    and the real Schur form's off-block entry is ``e`` itself."""
    for e in (1e-3, 0.1, 1.0, 7.0):
        assert e <= henrici_allowance(2, e * e, 0.0)
    # and for d = 3: the all-ones upper triangle, exact commutator computed in integers
    J = np.triu(np.ones((3, 3)))
    c = float(np.max(np.abs(J @ J.T - J.T @ J)))  # small integers: exact
    S, D, blocks = fac.real_block_form(J)
    off = max(abs(D[i, j]) for i in range(3) for j in range(3) if i != j)
    assert off <= henrici_allowance(3, c, 0.0)


def test_claimC1_undecidable_normality_is_inconclusive_decidable_is_violated():
    """Below the commutator's rounding bound a Jordan-like block is inconclusive; once the
    commutator certifies non-normality (hypothesis dropped) the same shape is violated."""
    claim = get("hm17.claimC.1")
    near = claim.check({"U": np.array([[1.0, 1e-9], [0.0, 1.0]])})
    assert near.status is Status.INCONCLUSIVE, near.message
    far = claim.check({"U": np.array([[1.0, 1e-6], [0.0, 1.0]])}, drop="U normal")
    assert far.status is Status.VIOLATED, far.message


def test_claimC1_and_C2_are_scale_invariant_at_the_range_ends():
    """Exact power-of-two rescaling: the verdict at 2^+-1000 is the verdict at 1."""
    Q = np.linalg.qr(np.random.default_rng(5).standard_normal((3, 3)))[0]
    for k in (-1000, 1000):
        assert get("hm17.claimC.1").check({"U": np.ldexp(Q, k)}).status is Status.HOLDS
    A = np.diag([1.0, 0.5, 0.25])
    B = np.array([[0.0], [0.0], [1.0]])  # equality: ||AB||_F = sigma_min ||B||_F
    for k in (-1060, -540, 0, 1000):
        verdict = get("hm17.claimC.2").check({"A": np.ldexp(A, k), "B": B})
        assert verdict.status is Status.HOLDS, (k, verdict.message)



def test_claimC1_undecidable_normality_records_henricis_bound_as_its_tolerance():
    """Where the commutator is below its rounding bound, the inconclusive verdict's tolerance
    is Henrici's allowance for that commutator, and its derivation names Henrici's bound."""
    claim = get("hm17.claimC.1")
    near = claim.check({"U": np.array([[0.5, 1e-9], [0.0, 0.5]])})
    assert near.status is Status.INCONCLUSIVE, near.message
    diag = near.diagnostics
    assert near.tolerance == henrici_allowance(2, diag["commutator"],
                                               diag["commutator_tolerance"])
    assert "Henrici's departure-from-normality bound" in near.tolerance_derivation
