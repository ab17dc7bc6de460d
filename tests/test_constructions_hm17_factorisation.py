"""The factorisation of Hardt & Ma (2017), Theorem 2.1 and Appendix A, in
:mod:`theory.constructions.hm17_factorisation`: orthogonal blocks, splits and the worst-case
ratio to the theorem's bound."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.constructions.hm17_factorisation import OrthogonalBlocks, orthogonal_blocks, rotation


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
