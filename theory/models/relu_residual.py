"""ReLU residual blocks and the network of Hardt & Ma (2017), Section 3.

Eq. (3.1): T_{U,V,s}(h) = V ReLU(U h + s), applied residually as h -> h + T(h) (eq. (3.5)).
The network N of §3: h_0 = A_0 x, h_j = h_{j-1} + T_{A_j,B_j,s_j}(h_{j-1}) for j = 1..ell, and a
*non-residual* output block y = T_{A_{ell+1},B_{ell+1},s_{ell+1}}(h_ell) with
A_{ell+1} in R^{r x k} (the paper prints k x r), B_{ell+1} in R^{r x r}.

Everything is batched: the rows of ``H`` (n x k) or ``X`` (n x d) are the samples, so
T(H) = ReLU(H U^T + s) V^T, with no Python loop over samples.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = [
    "ReluResidualNet",
    "block",
    "parameter_count",
    "paper_parameter_count",
    "relu",
    "residual_step",
]


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) elementwise."""
    return np.maximum(x, 0.0)


def block(H: np.ndarray, U: np.ndarray, V: np.ndarray, s: np.ndarray) -> np.ndarray:
    """HM17 eq. (3.1), T_{U,V,s}(h) = V ReLU(U h + s), for every row h of ``H``."""
    return relu(H @ U.T + s) @ V.T


def residual_step(H: np.ndarray, U: np.ndarray, V: np.ndarray, s: np.ndarray) -> np.ndarray:
    """HM17 eq. (3.5): one residual block h -> h + T_{U,V,s}(h), batched over rows."""
    return H + block(H, U, V, s)


def parameter_count(d: int, k: int, ell: int, r: int, *, biases: bool = True) -> int:
    """Parameters of N (HM17 §3): d k + ell (2k^2 + k) + (r k + r^2 + r).

    ``biases=False`` drops the bias vectors; see :func:`paper_parameter_count`.
    """
    if biases:
        return d * k + ell * (2 * k * k + k) + r * k + r * r + r
    return d * k + ell * 2 * k * k + r * k + r * r


def paper_parameter_count(d: int, k: int, ell: int, r: int) -> int:
    """The paper's count (proof of Thm 3.2): k d + ell 2k^2 + k r + r^2 (no biases)."""
    return parameter_count(d, k, ell, r, biases=False)


@dataclasses.dataclass(frozen=True)
class ReluResidualNet:
    """The network N of HM17 §3 with stacked middle blocks.

    ``A0`` (k x d); ``U``, ``V`` (ell x k x k) and ``s`` (ell x k) are the middle blocks
    (A_j, B_j, s_j in the paper); ``A_out`` (r x k), ``B_out`` (r x r), ``s_out`` (r) the
    non-residual output block.
    """

    A0: np.ndarray
    U: np.ndarray
    V: np.ndarray
    s: np.ndarray
    A_out: np.ndarray
    B_out: np.ndarray
    s_out: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(d, k, ell, r)."""
        return self.A0.shape[1], self.A0.shape[0], self.U.shape[0], self.A_out.shape[0]

    def hidden(self, X: np.ndarray) -> list[np.ndarray]:
        """The staged hidden states [h_0, h_1, ..., h_ell], each n x k (HM17 eq. (3.5))."""
        H = X @ self.A0.T
        states = [H]
        for U, V, s in zip(self.U, self.V, self.s, strict=True):
            H = residual_step(H, U, V, s)
            states.append(H)
        return states

    def forward(self, X: np.ndarray) -> np.ndarray:
        """N(x) for every row of ``X``: n x r."""
        return self.head(X @ self.A0.T)

    def head(self, H: np.ndarray) -> np.ndarray:
        """The network after its first linear map: from h_0 (n x k) to the output (n x r)."""
        for U, V, s in zip(self.U, self.V, self.s, strict=True):
            H = residual_step(H, U, V, s)
        return block(H, self.A_out, self.B_out, self.s_out)

    def parameter_count(self) -> int:
        """Counted from the arrays themselves (compare :func:`parameter_count`)."""
        arrays = (self.A0, self.U, self.V, self.s, self.A_out, self.B_out, self.s_out)
        return int(sum(a.size for a in arrays))
