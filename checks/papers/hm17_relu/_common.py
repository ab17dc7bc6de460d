"""Shared pieces of the Hardt & Ma (2017) ReLU residual claims (§3, App. B): the label parser,
the rounding bound of one residual block ``h + V relu(U h + s)`` (eq. (3.1)), and the test for
equal inputs that carry different targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from checks.inputs import BadInput, vector
from theory.numerics import gamma, unit_roundoff

MAX_WIDTH = 100_000  # the width k of an instance, given or by default
U_ROUND = unit_roundoff()

# ----------------------------------------------------------------------------- parsing

def labels(params: Mapping[str, Any], n: int, r: int) -> np.ndarray:
    raw = vector(params, "labels", n)
    if not np.all(raw == np.round(raw)):
        raise BadInput("labels: must be integers")
    if raw.min() < 0 or raw.max() >= r:
        raise BadInput(f"labels: must lie in [0, r) = [0, {r}), got range "
                       f"[{int(raw.min())}, {int(raw.max())}]")
    return raw.astype(np.int64)



# ----------------------------------------------------------------------------- tolerances

def block_tolerance(U: np.ndarray, V: np.ndarray, s: np.ndarray, input_norm: float) -> float:
    """Rounding bound for one evaluation of T_{U,V,s} on inputs of norm <= ``input_norm``.

    A pre-activation U_r h + s_r is a (k+1)-term sum: error <= delta = gamma_{k+1}
    (max_r ||U_r|| input_norm + max |s|). Each of the k units can pass that error (or lose it
    at a ReLU kink) times ||V_{:,r}||, and V relu(.) adds gamma_k relative: bound
    2 k Vmax (delta + gamma_{k+3} (pmax)), pmax = max_r ||U_r|| input_norm + max|s|.
    """
    k = U.shape[0]
    pmax = float(np.linalg.norm(U, axis=1).max()) * input_norm + float(np.abs(s).max())
    vmax = float(np.linalg.norm(V, axis=0).max())
    return 2.0 * k * vmax * (gamma(k + 1) + gamma(k + 3)) * pmax


BLOCK_DERIVATION = (r"$2k\max_r\|V_{:,r}\|\,(\gamma_{k+1}+\gamma_{k+3})"
                     r"(\max_r\|U_r\|\max\|h\|+\max|s|)$: $(k+1)$-term pre-activations, "
                     r"$k$ units, rounding of $V\,\mathrm{relu}(\cdot)$")


def duplicates_disagree(points: np.ndarray, targets: np.ndarray) -> bool:
    """True when two identical rows of ``points`` carry different ``targets`` (no function,
    hence no network, maps them correctly)."""
    _, first, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    return bool(np.any(targets != targets[first][inverse.ravel()]))
