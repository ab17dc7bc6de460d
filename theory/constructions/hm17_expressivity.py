"""The explicit construction behind Hardt & Ma (2017), Theorem 3.2 (Appendix B).

Steps (paper's proof, with our repairs; see the errata of Lemma B.1 and Theorem 3.2):

1. random projection z = A_0 x, A_0 = G / sqrt(k), G_ab ~ N(0, 1) (the paper omits 1/sqrt(k));
2. random surrogate labels q_1..q_r, uniform on the unit sphere of R^k (eq. (3.2));
3. ceil(n/k) residual blocks, each built by Lemma B.1, moving the points of one group
   S_j = {(j-1)k, ..., jk-1} to their surrogate labels (Lemma B.2, eq. (3.3));
4. a non-residual output block mapping q_a to e_a (eq. (3.4), (B.3)).

Lemma B.1 comes in three forms (:func:`lemma_b1_block`): ``"uniform"`` is the printed one
(bias -(1 - 2 rho') 1; wrong under the printed 3 rho' separation: a factor 1/2 of the
polarisation identity is lost), ``"fixed"`` the per-coordinate repair, ``"margin"`` the form the
network uses (it needs only positive margins m_i = ||a_i||^2 - max_{j != i} <a_i, a_j>).

All work is vectorised over samples; the only Python loops run over the ceil(n/k) stages,
the redraws and row chunks.
"""

from __future__ import annotations

import math

import numpy as np

from theory.models.relu_residual import ReluResidualNet

__all__ = [
    "B1_METHODS",
    "b1_margins",
    "build_network",
    "lemma_b1_block",
    "lemma_b2_blocks",
    "max_pairwise_inner",
    "min_pairwise_distance",
    "output_block",
    "paper_recipe_network",
    "random_projection",
    "stage_margins",
    "surrogate_labels",
]

B1_METHODS = ("margin", "fixed", "uniform")
_CHUNK = 1024


def _row_chunks(n: int, size: int = _CHUNK):
    for a in range(0, n, size):
        yield a, min(a + size, n)


def min_pairwise_distance(X: np.ndarray, *, method: str = "direct") -> float:
    """min_{i<j} ||x_i - x_j||_2 (Assumption 3.1), by explicit differences (``"direct"``,
    accurate) or through the Gram matrix (``"gram"``, fast, loses ~sqrt(u) near 0)."""
    n = X.shape[0]
    if n < 2:
        return math.inf
    best = math.inf
    sq = np.einsum("ij,ij->i", X, X)
    for a, b in _row_chunks(n, _CHUNK if method == "gram" else max(1, 2**22 // (n * X.shape[1]))):
        if method == "gram":
            D2 = sq[a:b, None] + sq[None, :] - 2.0 * (X[a:b] @ X.T)
        else:
            D2 = np.sum((X[a:b, None, :] - X[None, :, :]) ** 2, axis=2)
        D2[np.arange(b - a), np.arange(a, b)] = np.inf
        best = min(best, float(D2.min()))
    return math.sqrt(max(best, 0.0))


def max_pairwise_inner(X: np.ndarray) -> float:
    """max_{i != j} <x_i, x_j>, from row chunks of the Gram matrix."""
    n = X.shape[0]
    best = -math.inf
    for a, b in _row_chunks(n):
        G = X[a:b] @ X.T
        G[np.arange(b - a), np.arange(a, b)] = -np.inf
        best = max(best, float(G.max()))
    return best


def b1_margins(alpha: np.ndarray, S: np.ndarray) -> np.ndarray:
    """m_i = ||alpha_i||^2 - max_{j != i} <alpha_i, alpha_j> for i in S (ours,
    B.1-margin). With no other point the max is taken as 0 (m_i = ||alpha_i||^2), which keeps
    the construction finite."""
    G = alpha[S] @ alpha.T
    G[np.arange(len(S)), S] = -np.inf
    best = G.max(axis=1, initial=-np.inf)
    return np.einsum("ij,ij->i", alpha[S], alpha[S]) - np.where(np.isfinite(best), best, 0.0)


def lemma_b1_block(
    alpha: np.ndarray, beta: np.ndarray, S: np.ndarray, *, method: str = "margin",
    rho_prime: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HM17 Lemma B.1 (eq. (B.1)): (U, V, s) with alpha_i + T(alpha_i) = beta_i on S and
    alpha_i off S.

    Row r of U is alpha_{i_r}; rows beyond |S| are unused (U = 0, s = -1, V = 0).
    ``method``: ``"uniform"`` the printed bias s = -(1 - 2 rho') 1 and
    V_{:,r} = (beta - alpha)/(||alpha||^2 - (1 - 2 rho')); ``"fixed"`` the per-coordinate bias
    s_r = -(||alpha||^2/2 + 1/2 - rho'); ``"margin"`` s_r = -(||alpha||^2 - m/2) with the margin
    m of :func:`b1_margins` (needs m > 0; raises ``ValueError`` otherwise). In each case
    V_{:,r} = (beta_{i_r} - alpha_{i_r}) / (on-target pre-activation).
    """
    n, k = alpha.shape
    S = np.asarray(S, dtype=np.int64)
    if len(S) > k:
        raise ValueError(f"|S| = {len(S)} exceeds the width k = {k}")
    sq = np.einsum("ij,ij->i", alpha[S], alpha[S])
    if method == "margin":
        m = b1_margins(alpha, S)
        if np.any(~(m > 0)):
            raise ValueError(f"margin construction needs m_i > 0; min margin {m.min():.3g}")
        bias = -(sq - m / 2.0)
    elif method in ("fixed", "uniform"):
        if rho_prime is None:
            raise ValueError(f"method {method!r} needs rho_prime")
        if method == "fixed":
            bias = -(sq / 2 + 0.5 - rho_prime)
        else:
            bias = np.full(len(S), 2 * rho_prime - 1)
    else:
        raise ValueError(f"unknown method {method!r}; choose from {B1_METHODS}")
    U, V, s = np.zeros((k, k)), np.zeros((k, k)), np.full(k, -1.0)
    U[: len(S)] = alpha[S]
    s[: len(S)] = bias
    V[:, : len(S)] = ((beta[S] - alpha[S]) / (sq + bias)[:, None]).T
    return U, V, s


def random_projection(d: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """A_0 = G / sqrt(k), G_ab ~ N(0,1) i.i.d. (proof of Thm 3.2, Johnson-Lindenstrauss; the
    1/sqrt(k) is our fix, so that E ||A_0 x||^2 = ||x||^2)."""
    return rng.standard_normal((k, d)) / math.sqrt(k)


def surrogate_labels(r: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """q_1..q_r uniform on the unit sphere of R^k, as rows of an r x k matrix (eq. (3.2))."""
    Q = rng.standard_normal((r, k))
    return Q / np.linalg.norm(Q, axis=1, keepdims=True)


def output_block(Q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Non-residual output block of Thm 3.2 (eq. (3.4), (B.3)): T(q_a) = e_a.

    A = Q (rows q_a^T, r x k), s = -c 1 with c = (1 + max_{a != b} <q_a, q_b>)/2 (the midpoint
    of the admissible interval), B = I / (1 - c). Returns (A, B, s, c, max_corr); needs
    max_corr < 1. For r = 1, max_corr is taken as -1 (c = 0).
    """
    r = Q.shape[0]
    G = Q @ Q.T
    np.fill_diagonal(G, -np.inf)
    max_corr = float(G.max()) if r > 1 else -1.0
    c = (1.0 + max_corr) / 2.0
    return Q.copy(), np.eye(r) / (1.0 - c), np.full(r, -c), c, max_corr


def _first_index(labels: np.ndarray, r: int) -> np.ndarray:
    n = len(labels)
    first = np.full(r, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    return first


def stage_margins(
    Z: np.ndarray, labels: np.ndarray, Q: np.ndarray, k: int
) -> tuple[np.ndarray, float]:
    """Margins of the Lemma B.2 stages (ours, the precise version) and the minimum squared
    pairwise distance of the z's.

    Point i in group S_j (start a_j = (j-1)k) has margin
    m_i = ||z_i||^2 - max(max_{i' >= a_j, i' != i} <z_i, z_i'>, max_{a: some i' < a_j has
    label a} <z_i, q_a>): the unmoved points and the surrogate labels already placed.
    """
    n = Z.shape[0]
    sq = np.einsum("ij,ij->i", Z, Z)
    start = (np.arange(n) // k) * k
    ZQ = Z @ Q.T
    placed = _first_index(labels, Q.shape[0])[None, :] < start[:, None]
    best = np.where(placed, ZQ, -np.inf).max(axis=1, initial=-np.inf)
    min_sq = math.inf
    for a in range(0, n, k):
        b = min(a + k, n)
        G = Z[a:b] @ Z[a:].T
        G[np.arange(b - a), np.arange(b - a)] = -np.inf
        best[a:b] = np.maximum(best[a:b], G.max(axis=1, initial=-np.inf))
        if n > 1 and G.shape[1] > 1:
            D2 = sq[a:b, None] + sq[None, a:] - 2.0 * G
            min_sq = min(min_sq, float(D2.min()))
    return sq - np.where(np.isfinite(best), best, 0.0), min_sq  # no competitor: max := 0


def lemma_b2_blocks(
    Z: np.ndarray, targets: np.ndarray, k: int, margins: np.ndarray | None = None,
    *, method: str = "margin", rho_prime: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HM17 Lemma B.2 (formal Lemma 3.3, eq. (3.3)): ceil(n/k) blocks, block j moving the
    group S_j from z_i to targets_i by Lemma B.1 and fixing every other point.

    Returns U, V (ell x k x k) and s (ell x k). ``method="margin"`` (the default, needs the
    positive ``margins`` of :func:`stage_margins`) is what the network uses; ``"fixed"`` and
    ``"uniform"`` apply the per-coordinate and the printed bias of :func:`lemma_b1_block` with
    a given ``rho_prime`` at every stage (the paper's recipe; exact only under its hypotheses).
    """
    n = Z.shape[0]
    ell = -(-n // k)
    sq = np.einsum("ij,ij->i", Z, Z)
    if method == "margin":
        if margins is None or np.any(~(margins > 0)):
            raise ValueError("Lemma B.2 margin construction needs positive stage margins")
        bias = -(sq - margins / 2.0)
    elif method in ("fixed", "uniform") and rho_prime is not None:
        bias = -(sq / 2 + 0.5 - rho_prime) if method == "fixed" else np.full(n, 2 * rho_prime - 1)
    else:
        raise ValueError(f"method {method!r} unknown or missing rho_prime")
    pad = ell * k - n
    Zp = np.vstack([Z, np.zeros((pad, Z.shape[1]))]).reshape(ell, k, -1)
    on = np.concatenate([sq + bias, np.ones(pad)]).reshape(ell, k)  # on-target pre-activation
    bias = np.concatenate([bias, -np.ones(pad)]).reshape(ell, k)
    move = np.vstack([targets - Z, np.zeros((pad, Z.shape[1]))]).reshape(ell, k, -1)
    V = np.transpose(move / on[:, :, None], (0, 2, 1))
    return Zp, V, bias


def paper_recipe_network(
    X: np.ndarray, labels: np.ndarray, r: int, k: int, rng: np.random.Generator,
    *, method: str = "uniform",
) -> tuple[ReluResidualNet, float]:
    """The paper's recipe end to end, for comparison: one draw of A_0 and q, every stage by
    Lemma B.1 with ``method`` ``"uniform"`` (printed) or ``"fixed"`` and rho' set to the
    observed norm deviation max |‖z‖^2 - 1|. Returns the network and that rho'."""
    A0, Q = random_projection(X.shape[1], k, rng), surrogate_labels(r, k, rng)
    Z = X @ A0.T
    rho_p = float(np.max(np.abs(np.einsum("ij,ij->i", Z, Z) - 1.0)))
    U, V, s = lemma_b2_blocks(Z, Q[labels], k, method=method, rho_prime=rho_p)
    A_out, B_out, s_out, _, _ = output_block(Q)
    return ReluResidualNet(A0, U, V, s, A_out, B_out, s_out), rho_p


def build_network(
    X: np.ndarray, labels: np.ndarray, r: int, k: int, rng: np.random.Generator,
    *, max_draws: int = 20,
) -> tuple[ReluResidualNet | None, dict]:
    """Theorem 3.2's randomised construction, redrawing A_0 and q until every stage margin
    and the output-block condition hold (at most ``max_draws`` times).

    Returns the network (``None`` if every draw failed) and an info dict: ``draws``,
    ``failures`` (reason per failed draw), and for the last draw ``min_margin``,
    ``norm_deviation`` rho' = max |‖z‖^2 - 1|, ``min_sq_separation`` of the z's,
    ``max_corr`` of the q's, ``paper_b1_hypotheses`` (rho' < 1 and squared separation >= 3 rho',
    Lemma B.1's printed numeric hypotheses at stage 1).
    """
    n, d = X.shape
    info: dict = {"draws": 0, "failures": [], "k": k, "ell": -(-n // k)}
    for draw in range(1, max_draws + 1):
        info["draws"] = draw
        A0, Q = random_projection(d, k, rng), surrogate_labels(r, k, rng)
        Z = X @ A0.T
        margins, min_sq = stage_margins(Z, labels, Q, k)
        A_out, B_out, s_out, c, max_corr = output_block(Q)
        rho_p = float(np.max(np.abs(np.einsum("ij,ij->i", Z, Z) - 1.0)))
        info.update(
            min_margin=float(margins.min()), norm_deviation=rho_p, min_sq_separation=min_sq,
            max_corr=max_corr, c_out=c, output_margin=1.0 - c,
            paper_b1_hypotheses=bool(rho_p < 1 and min_sq >= 3 * rho_p),
        )
        reasons = []
        if not margins.min() > 0:
            reasons.append(f"{int(np.sum(~(margins > 0)))} non-positive stage margins")
        if not max_corr < 1:
            reasons.append("two surrogate labels coincide")
        if reasons:
            info["failures"].append("; ".join(reasons))
            continue
        U, V, s = lemma_b2_blocks(Z, Q[labels], k, margins)
        return ReluResidualNet(A0, U, V, s, A_out, B_out, s_out), info
    return None, info
