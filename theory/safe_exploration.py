r"""The safe-exploration condition of the EE wrapper (Kawaguchi, Zhang & Deng 2022, §3.3.1,
Assumption 4 = arXiv Assumption 10): ``rank phi(q, theta_(1:H-2)) = n``.

**phi.** With ``z_i = z(x_i, theta_(1:H-2)) in R^{m_{H-1}}`` (the output of layer ``H-2`` with
the constant neuron appended) and ``q in R^{m_{H-1} x m_H}``, row ``i`` of the ``n x m_H
m_{H-1}`` matrix ``phi`` is

.. math::
   \phi_{i*} = [\tilde\sigma(z_i^\top q_{*1}) z_i^\top, \dots,
               \tilde\sigma(z_i^\top q_{*m_H}) z_i^\top] = s_i \otimes z_i,
   \qquad s_{ik} = \tilde\sigma(z_i^\top q_{*k}),\ \tilde\sigma(u) = 1/(1 + e^{-\varsigma' u}).

**The Hadamard Gram identity** ``phi phi^T = (Z Z^T) o (S S^T)`` (``Z``: rows ``z_i``; ``S``:
rows ``s_i``; ``o`` the entrywise product). *Proof.* Entry ``(i, j)`` of ``phi phi^T`` is
``<s_i (x) z_i, s_j (x) z_j> = sum_{k, l} s_{ik} z_{il} s_{jk} z_{jl}
= (sum_k s_{ik} s_{jk}) (sum_l z_{il} z_{jl}) = (S S^T)_{ij} (Z Z^T)_{ij}``: the sum over the
``m_H m_{H-1}`` index pairs ``(k, l)`` factorises because the summand is a product of a
function of ``k`` and a function of ``l``. QED. Forming it costs ``n^2 (m_{H-1} + m_H)``
multiply-adds instead of ``n^2 m_H m_{H-1}`` for ``phi phi^T`` from ``phi``.

**Deciding rank n.** ``rank phi = n`` (full row rank) iff ``phi phi^T`` is positive definite.
A *certified* positive-definiteness test therefore certifies rank ``n``: Cholesky of ``M -
alpha I`` with Demmel's backward-error margin ``alpha = 2 gamma_{n+1} tr M / (1 - gamma_{n+1})``
(:func:`theory.linalg.positive_definite`, factorising in place for large ``n``). Because the
Gram squares the singular values, a ``phi`` whose smallest singular value is below about
``sqrt(alpha)`` cannot be certified from its Gram: the answer is then ``None``
(inconclusive), never "deficient". A *deficiency* is certified only by structure:
``m_H m_{H-1} < n`` (``phi`` has fewer columns than rows) or two equal rows ``z_i = z_j``
(equal rows of ``phi``, e.g. from duplicated inputs). When the inputs ``X`` are given, two
equal *computed* rows of ``Z`` certify a deficiency only if the inputs repeat too (``z`` is a
function of ``x``): distinct inputs whose features coincide only after rounding (a saturated
``tanh``, ``tanh(b + 2^-60 w x) = tanh(b)``) leave the exact rank undecided (``None``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from theory.gram import hadamard_gram, row_kron
from theory.linalg import positive_definite

__all__ = [
    "SafeExploration",
    "gate_matrix",
    "phi",
    "phi_gram",
    "safe_exploration",
    "structural_deficiency",
]

IN_PLACE_ABOVE = 500
"""Above this ``n`` the Gram is built and factorised in place (one ``n x n`` array) and a
failed Cholesky is reported as ``None`` at once (no ``O(n^3)`` eigenvalue fallback)."""

IN_BLOCKS_OF = 2048
"""Rows of ``S S^T`` formed at a time by the in-place path (a ``2048 x n`` strip)."""


def gate_matrix(Z: np.ndarray, q: np.ndarray, varsigma: float) -> np.ndarray:
    """``S`` with ``S_ik = sigma~(z_i^T q_{*k})``, ``sigma~(u) = 1 / (1 + e^{-varsigma' u})``
    (k22 §3.3.1, the gates of eq. 3.2 at ``W^{(H-1)} = q^T``). ``Z`` is ``n x m_{H-1}``, ``q``
    is ``m_{H-1} x m_H``."""
    if Z.ndim != 2 or q.ndim != 2 or Z.shape[1] != q.shape[0]:
        raise ValueError(f"Z (n x m_H-1) and q (m_H-1 x m_H) do not match: {Z.shape}, {q.shape}")
    # 1/(1+e^{-x}) = (1 + tanh(x/2))/2 never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * varsigma * (Z @ q)))


def phi(Z: np.ndarray, q: np.ndarray, varsigma: float) -> np.ndarray:
    """The explicit ``n x m_H m_{H-1}`` matrix ``phi(q, theta_(1:H-2))`` of k22 §3.3.1, row
    ``i`` = ``[s_{i1} z_i^T, ..., s_{i m_H} z_i^T]``. For small ``n`` only (tests, controls)."""
    return row_kron(gate_matrix(Z, q, varsigma), Z)


def phi_gram(Z: np.ndarray, q: np.ndarray, varsigma: float) -> np.ndarray:
    """``phi phi^T = (Z Z^T) o (S S^T)`` (module docstring), without forming ``phi``."""
    return hadamard_gram(Z, gate_matrix(Z, q, varsigma))


def _repeated_rows(A: np.ndarray) -> int:
    """How many rows of ``A`` equal an earlier row (exact comparison of the stored values)."""
    return A.shape[0] - np.unique(A, axis=0).shape[0]


def structural_deficiency(Z: np.ndarray, m_H: int, X: np.ndarray | None = None) -> str | None:
    """A reason why ``rank phi < n`` is certain from the shapes or the data alone, or
    ``None``: ``m_H m_{H-1} < n`` (too few columns), or two identical rows of ``Z`` (their
    rows of ``phi`` are identical too, whatever ``q``). With the inputs ``X`` (``n x m_x``),
    identical rows count only when they come from identical inputs: the exact features of
    distinct inputs may differ although their computed ``Z`` rows agree."""
    n, m = Z.shape
    if m_H * m < n:
        return (rf"$m_Hm_{{H-1}} = {m_H}\cdot{m} = {m_H * m} < n = {n}$: "
                rf"$\operatorname{{rank}}\phi \le {m_H * m}$")
    source, what = (Z, "$Z$") if X is None else (np.asarray(X).reshape(n, -1), "the inputs $X$")
    repeats = _repeated_rows(source)
    if repeats:
        return rf"{what} has {repeats} repeated row(s) (equal rows of $\phi$)"
    return None


@dataclasses.dataclass(frozen=True)
class SafeExploration:
    """The decision ``rank phi = n``: ``value`` True (certified by Cholesky), False (certified
    by structure), None (neither); with the numbers and the derivation."""

    value: bool | None
    n: int
    columns: int
    numbers: dict[str, float]
    derivation: str


def safe_exploration(Z: np.ndarray, q: np.ndarray, varsigma: float,
                     X: np.ndarray | None = None) -> SafeExploration:
    """Decide ``rank phi(q, theta_(1:H-2)) = n`` (k22 Assumption 4) from ``Z`` (``n x
    m_{H-1}``, the rows ``z_i`` including the constant neuron) and ``q`` (``m_{H-1} x m_H``).

    Structure first (:func:`structural_deficiency`: ``False``), then the certified
    positive-definiteness of the Hadamard Gram (``True``); otherwise ``None``. Pass the inputs
    ``X`` when ``Z`` is a computed feature matrix: then only repeated inputs certify a
    deficiency, and rows of ``Z`` that agree after rounding alone give ``None``."""
    n, m = Z.shape
    m_H = q.shape[1]
    reason = structural_deficiency(Z, m_H, X)
    if reason is not None:
        return SafeExploration(False, n, m_H * m, {}, f"certified by structure: {reason}")
    if X is not None and _repeated_rows(Z):
        return SafeExploration(
            None, n, m_H * m, {"repeated_rows_of_Z": float(_repeated_rows(Z))},
            f"{_repeated_rows(Z)} row(s) of the computed Z repeat although the inputs are "
            "distinct: the exact features may differ (rounding, saturation), so rank phi = n "
            "is undecided")
    S = gate_matrix(Z, q, varsigma)
    if n <= IN_PLACE_ABOVE:
        d = positive_definite(hadamard_gram(Z, S))
    else:
        # one n x n array: S S^T enters block by block and Cholesky overwrites the Gram
        d = positive_definite(hadamard_gram(Z, S, block_rows=IN_BLOCKS_OF), overwrite=True)
    value, numbers, how = d.value, dict(d.numbers), d.derivation
    if value is True:
        return SafeExploration(True, n, m_H * m, numbers, f"phi phi^T > 0 certified: {how}")
    # A PSD Gram is never certified indefinite beyond rounding; a failed certificate only
    # says the smallest singular value of phi is below the Gram's resolution sqrt(alpha).
    return SafeExploration(
        None, n, m_H * m, numbers,
        f"rank n not certified from the Gram ({how}); resolution of s_min(phi) about "
        f"sqrt(alpha) = {math.sqrt(max(numbers.get('alpha', 0.0), 0.0)):.3g}",
    )
