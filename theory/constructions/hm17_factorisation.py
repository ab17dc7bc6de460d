"""Hardt & Ma (2017), Theorem 2.1 and Appendix A: small-norm exact factorisations
``(I + A_ell) ... (I + A_1) = R``.

The steps of the constructive proof of Theorem 2.1 (App. A, eqs. (A.2)-(A.4)):

1. SVD ``R = U K V^T`` with ``det U = det V = 1`` (possible iff ``det R > 0``);
2. real block form of each orthogonal factor, ``U = S D S^T`` (Claim C.1), read as rotation
   angles ``theta`` (2 x 2 blocks) and signs (1 x 1 blocks);
3. ``D = W^q Lambda`` with ``W`` the rotation by ``theta/q`` in every block (Claim A.1);
4. the ``-1`` signs (an even number) paired into rotations by ``pi``: ``Lambda = W'^q``;
5. ``K = (K^{1/p})^p``;
6. placement: ``2q`` factors for ``U`` on top, ``p`` for ``K``, ``2q`` for ``V^T`` below, so
   ``ell = 4q + p`` (:func:`paper_factorisation`).

Corrections (ours, recorded in Theorem 2.1's errata): ``p`` and ``q`` must be integers, and the
paper's real-valued split rounded to integers can exceed the bound ``(4 pi + 3 gamma)/ell``
(1.19x at most over an earlier random sample; 1.335x at ``R = -diag(1.05, 1)``,
``ell = 12``; supremum ``12 sqrt 2 / (4 pi) ~ 1.350`` as ``gamma -> 0+``, see
:func:`worst_case_ratio`). Because ``W`` and ``W'`` act on orthogonal
coordinate blocks they commute and can be merged, ``U = (S W W' S^T)^q``, so ``ell = 2q + p``
(:func:`merged_factorisation`); this certified variant stays within ``6 sqrt 2 / (4 pi) ~ 0.675``
of the bound (the supremum of :func:`worst_case_ratio` over ``gamma`` in ``(0, 6]`` and
``ell < 200``, approached as ``gamma -> 0+`` at ``ell = 6``; 0.667x at ``R = -diag(1.05, 1)``).
For ``ell <= 4`` the trivial factorisation ``A_1 = R - I`` is the only option and suffices.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

__all__ = [
    "OrthogonalBlocks",
    "best_merged_split",
    "best_paper_split",
    "factorisation_lower_bound",
    "merged_factorisation",
    "orthogonal_blocks",
    "paper_factorisation",
    "positive_svd",
    "psd_factorisation",
    "real_block_form",
    "rotation",
    "split_orthogonal_2x2",
    "theorem_bound",
    "trivial_factorisation",
    "worst_case_ratio",
]


def rotation(theta: float) -> np.ndarray:
    """``T(theta) = [[cos, -sin], [sin, cos]]`` (the paper's 2 x 2 rotation)."""
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def theorem_bound(gamma: float, ell: int) -> float:
    """Theorem 2.1's bound ``(4 pi + 3 gamma) / ell``."""
    return (4.0 * math.pi + 3.0 * gamma) / ell


def factorisation_lower_bound(R: np.ndarray, ell: int) -> float:
    """Lower bound (ours) on ``|||A|||`` over every exact factorisation of ``R`` with ``ell``
    factors: ``max(sigma_max^{1/ell} - 1, 1 - sigma_min^{1/ell})``, since
    ``sigma_max(R) <= (1 + |||A|||)^ell`` and ``sigma_min(R) >= (1 - |||A|||)^ell``."""
    s = np.linalg.svd(R, compute_uv=False)
    return float(max(s[0] ** (1.0 / ell) - 1.0, 1.0 - s[-1] ** (1.0 / ell)))


def split_orthogonal_2x2(Q: np.ndarray, q: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Claim A.1: ``Q = W_1 ... W_q Lambda`` with ``W_j = T(theta/q)`` in ``SO(2)``,
    ``||W_j - I|| = 2|sin(theta/2q)| <= pi/q`` and ``Lambda`` diagonal with ``+-1`` entries,
    ``Lambda = I`` for a rotation. A reflection is written ``T(theta) diag(-1, 1)``.

    ``Q`` is not checked to be orthogonal: for a non-orthogonal input the returned product is
    still orthogonal and so cannot reproduce ``Q`` (the claim's control)."""
    if q < 1:
        raise ValueError(f"q must be a positive integer, got {q}")
    Lam = np.diag([-1.0, 1.0]) if np.linalg.det(Q) < 0 else np.eye(2)
    M = Q @ Lam  # a rotation T(theta) when Q is orthogonal (Lam is its own inverse)
    theta = math.atan2(M[1, 0] - M[0, 1], M[0, 0] + M[1, 1])
    return [rotation(theta / q) for _ in range(q)], Lam


def real_block_form(U: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Claim C.1: ``U = S D S^T`` with ``S`` orthogonal and ``D`` quasi-triangular; for a normal
    ``U`` it is block diagonal with 1 x 1 and 2 x 2 blocks. Returns ``(S, D, blocks)`` with
    ``blocks`` the ``(start, size)`` of each diagonal block. Computed as the real Schur form
    (``scipy.linalg.schur(U, output="real")``); block diagonality is a property to check, not
    an assumption."""
    D, S = scipy.linalg.schur(U, output="real")
    blocks, i, d = [], 0, U.shape[0]
    while i < d:
        size = 2 if i + 1 < d and D[i + 1, i] != 0.0 else 1
        blocks.append((i, size))
        i += size
    return S, D, blocks


class OrthogonalBlocks:
    """An orthogonal ``U`` with ``det U = 1`` as ``S diag(T(theta_1), ..., T(theta_m), I) S^T``
    (steps 2 and 4 of the construction): ``planes`` are coordinate pairs ``(a, b)`` of ``S``'s
    columns carrying a rotation by ``angles[k]``; the pairs of ``-1`` signs get angle ``pi``.
    ``rotation_count`` planes come from 2 x 2 Schur blocks, the rest are sign pairs."""

    def __init__(self, S: np.ndarray, planes: list[tuple[int, int]], angles: list[float],
                 rotation_count: int):
        self.S, self.planes, self.angles = S, planes, angles
        self.rotation_count = rotation_count

    def generator(self, q: int, part: str = "all") -> np.ndarray:
        """``S W S^T`` where ``W`` rotates each plane by ``angle/q``; ``part`` ``"rotations"``
        keeps only the Schur rotation planes (the paper's ``W_j``), ``"signs"`` only the sign
        pairs (the paper's ``W'_j``, eq. (A.4)), ``"all"`` both (the merged ``W_j W'_j``)."""
        d = self.S.shape[0]
        W = np.eye(d)
        for k, ((a, b), theta) in enumerate(zip(self.planes, self.angles, strict=True)):
            is_rotation = k < self.rotation_count
            if part == "all" or (part == "rotations") == is_rotation:
                W[np.ix_([a, b], [a, b])] = rotation(theta / q)
        return self.S @ W @ self.S.T

    def factor_norm(self, q: int) -> float:
        """``||S W S^T - I|| = max_k 2 |sin(theta_k / 2q)|`` (orthogonal conjugation)."""
        return max((2.0 * abs(math.sin(t / (2.0 * q))) for t in self.angles), default=0.0)


def orthogonal_blocks(U: np.ndarray) -> OrthogonalBlocks:
    """Steps 2-4 for an orthogonal ``U`` with ``det U = 1``: rotation angles of the 2 x 2 real
    Schur blocks, and the ``-1`` entries of the 1 x 1 blocks paired into rotations by ``pi``
    (``T(pi) = -I_2``). Raises ``ValueError`` when the ``-1`` entries cannot be paired (odd
    count, i.e. ``det U = -1``: the construction's sign fix was skipped)."""
    S, D, blocks = real_block_form(U)
    planes, angles, minus = [], [], []
    for start, size in blocks:
        if size == 2:
            B = D[start:start + 2, start:start + 2]
            planes.append((start, start + 1))
            angles.append(math.atan2(B[1, 0] - B[0, 1], B[0, 0] + B[1, 1]))
        elif D[start, start] < 0.0:
            minus.append(start)
    if len(minus) % 2:
        raise ValueError("odd number of -1 eigenvalues: det U = -1, the signs cannot be paired")
    count = len(planes)
    for a, b in zip(minus[::2], minus[1::2], strict=True):
        planes.append((a, b))
        angles.append(math.pi)
    return OrthogonalBlocks(S, planes, angles, count)


def positive_svd(R: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 1: ``R = U diag(k) V^T`` with ``det U = det V = 1`` and ``k > 0``; if the SVD's
    ``det U = -1``, replace ``U <- U J``, ``V <- V J`` with ``J = diag(1, ..., 1, -1)``
    (``J K J = K``). Raises ``ValueError`` unless ``det R > 0``."""
    U, k, Vt = np.linalg.svd(R)
    V = Vt.T
    sign_u, sign_v = np.linalg.det(U), np.linalg.det(V)
    if k[-1] <= 0.0 or sign_u * sign_v < 0.0:
        raise ValueError("the SVD construction needs det R > 0")
    if sign_u < 0.0:
        U, V = U.copy(), V.copy()
        U[:, -1] *= -1.0
        V[:, -1] *= -1.0
    return U, k, V


class _Parts:
    """The pieces of the construction that do not depend on the split ``(p, q)``."""

    def __init__(self, R: np.ndarray):
        self.U, self.k, self.V = positive_svd(R)
        self.top = orthogonal_blocks(self.U)
        self.bottom = orthogonal_blocks(self.V.T)

    def rotation_norm(self, q: int) -> float:
        return max(self.top.factor_norm(q), self.bottom.factor_norm(q))

    def scale_norm(self, p: int) -> float:
        if p == 0:
            return 0.0
        return float(np.max(np.abs(self.k ** (1.0 / p) - 1.0)))

    def scale_factor(self, p: int) -> np.ndarray:
        return np.diag(self.k ** (1.0 / p))


def _assemble(top: list[np.ndarray], middle: list[np.ndarray],
              bottom: list[np.ndarray]) -> list[np.ndarray]:
    """``[A_1, ..., A_ell]`` from factor lists written left to right (``top[0]`` is
    ``I + A_ell``); the input meets the last factor of ``bottom`` first."""
    factors = top + middle + bottom
    d = factors[0].shape[0]
    return [F - np.eye(d) for F in reversed(factors)]


def paper_factorisation(R: np.ndarray, ell: int, q: int) -> list[np.ndarray]:
    """The paper's recipe (App. A, eqs. (A.2)-(A.4)) with integer ``q`` and ``p = ell - 4q``:
    ``U = (S W S^T)^q (S W' S^T)^q`` on top (``A_ell, ..., A_{ell-2q+1}``), ``p`` copies of
    the diagonal ``K^{1/p}`` in the middle, the same construction for ``V^T`` below
    (``A_{2q}, ..., A_1``), so that the product is ``U K V^T = R`` (placement of step 9).
    ``p = 0`` is allowed only when ``K = I`` is then dropped (certify the product)."""
    parts = _Parts(R)
    p = ell - 4 * q
    if q < 1 or p < 0:
        raise ValueError(f"need q >= 1 and p = ell - 4q >= 0, got q={q}, p={p}")
    return _build(parts, q, p, merged=False)


def merged_factorisation(R: np.ndarray, ell: int, q: int) -> list[np.ndarray]:
    """Our merged variant of App. A's construction: ``U = (S W W' S^T)^q`` with
    ``||S W W' S^T - I|| <= pi/q``, so ``ell = 2q + p`` and the ideal split meets
    ``(2 pi + 3 gamma)/ell``."""
    parts = _Parts(R)
    p = ell - 2 * q
    if q < 1 or p < 0:
        raise ValueError(f"need q >= 1 and p = ell - 2q >= 0, got q={q}, p={p}")
    return _build(parts, q, p, merged=True)


def _build(parts: _Parts, q: int, p: int, merged: bool) -> list[np.ndarray]:
    def group(blocks: OrthogonalBlocks) -> list[np.ndarray]:
        if merged:
            return [blocks.generator(q, "all")] * q
        return [blocks.generator(q, "rotations")] * q + [blocks.generator(q, "signs")] * q

    top = group(parts.top)
    middle = [parts.scale_factor(p)] * p if p > 0 else []
    bottom = group(parts.bottom)
    return _assemble(top, middle, bottom)


def _best_split(R: np.ndarray, ell: int, per_q: int) -> tuple[int, int] | None:
    """The integer split ``(q, p)`` with ``ell = per_q * q + p`` minimising the predicted
    ``max(rotation factor norm, scaling factor norm)``; ``p = 0`` only when ``K = I`` to
    rounding (``gamma = 0``)."""
    parts = _Parts(R)
    best = None
    for q in range(1, ell // per_q + 1):
        p = ell - per_q * q
        # p = 0 drops K: only when K = I to rounding (the product is certified afterwards)
        if p == 0 and parts.scale_norm(1) > 8 * len(parts.k) * np.finfo(float).eps:
            continue
        value = max(parts.rotation_norm(q), parts.scale_norm(p))
        if best is None or value < best[0]:
            best = (value, q, p)
    return None if best is None else (best[1], best[2])


def best_paper_split(R: np.ndarray, ell: int) -> tuple[int, int] | None:
    """Best integer ``(q, p)`` for the paper's recipe ``ell = 4q + p`` (``None`` if ``ell < 4``)."""
    return _best_split(R, ell, 4)


def best_merged_split(R: np.ndarray, ell: int) -> tuple[int, int] | None:
    """Best integer ``(q, p)`` for the merged recipe ``ell = 2q + p`` (``None`` if ``ell < 2``)."""
    return _best_split(R, ell, 2)


def trivial_factorisation(R: np.ndarray, ell: int) -> list[np.ndarray]:
    """``A_1 = R - I``, ``A_i = 0`` for ``i > 1`` (the only option for ``ell <= 2``)."""
    d = R.shape[0]
    return [R - np.eye(d)] + [np.zeros((d, d)) for _ in range(ell - 1)]


def psd_factorisation(R: np.ndarray, ell: int) -> list[np.ndarray]:
    """App. A.1, eq. (A.1): ``A_1 = ... = A_ell = R^{1/ell} - I`` for symmetric positive definite
    ``R = U Z U^T``, with ``R^{1/ell} = U diag(z^{1/ell}) U^T``.

    Computed from the SVD ``R = U diag(s) V^T`` as ``U diag(s^{1/ell}) V^T``, which is the same
    matrix when ``R`` is SPD (``U = V``); for a non-symmetric ``R`` it is not an ``ell``-th root
    (the claim's control)."""
    U, s, Vt = np.linalg.svd(R)
    root = U @ np.diag(s ** (1.0 / ell)) @ Vt
    return [root - np.eye(R.shape[0]) for _ in range(ell)]


def worst_case_ratio(gamma: float, ell: int, per_q: int) -> float | None:
    """Upper bound (ours) on ``|||A||| / ((4 pi + 3 gamma)/ell)`` for the recipe with
    ``ell = per_q * q + p`` (``per_q = 4``: the paper's, ``2``: merged) and the best integer
    split, over every ``R`` with ``det R > 0`` and the given ``gamma``.

    Each rotation factor has norm ``2 sin(theta / 2q) <= 2 sin(pi / 2q)`` (angles ``|theta| <=
    pi``; equality for a rotation by ``pi``, e.g. ``U = -I_2``) and each scaling factor
    ``max_i |k_i^{1/p} - 1| <= e^{gamma/p} - 1``; the split minimising this worst case is one
    the construction may pick, and its own choice is no worse. ``p = 0`` only when
    ``gamma = 0``. ``None`` when no split exists."""
    best = None
    for q in range(1, ell // per_q + 1):
        p = ell - per_q * q
        if p == 0 and gamma > 0:
            continue
        scale = math.expm1(gamma / p) if p > 0 else 0.0
        value = max(2.0 * math.sin(math.pi / (2 * q)), scale)
        best = value if best is None else min(best, value)
    return None if best is None else best / theorem_bound(gamma, ell)
