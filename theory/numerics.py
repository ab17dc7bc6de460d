"""Floating-point constants and standard error-bound factors (Higham, *Accuracy and Stability
of Numerical Algorithms*, 2nd ed., §3.1) used to derive every tolerance."""

from __future__ import annotations

import numpy as np

__all__ = ["UNDERFLOW", "gamma", "unit_roundoff"]


def unit_roundoff(dtype: np.dtype | type = np.float64) -> float:
    """Unit roundoff ``u = eps / 2`` of a floating dtype (``2**-53`` for float64)."""
    return float(np.finfo(dtype).eps) / 2.0


#: ``tiny / u`` in float64 (about 2e-292): a quantity below it has lost its relative precision
#: to gradual underflow, so a decision taken on it is not certified (the floor of the
#: Hessian and gradient-scale tests of :mod:`theory.optimize` and
#: :mod:`theory.constructions.k19_section4`, of the Jacobian in :mod:`theory.alignment`, and
#: of the losses of j19 Corollary 1)
UNDERFLOW = float(np.finfo(np.float64).tiny) / unit_roundoff()


def gamma(n: float, dtype: np.dtype | type = np.float64) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``: the relative error bound of an n-term sum or
    dot product. Raises when ``n u >= 1`` (no bound exists)."""
    nu = float(n) * unit_roundoff(dtype)
    if nu >= 1.0:
        raise ValueError(f"gamma_{n} is undefined: n*u = {nu} >= 1")
    return nu / (1.0 - nu)
