"""Higham's constants of :mod:`theory.numerics` (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., §3.1), from which every tolerance of the suite is derived."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from theory.numerics import gamma, unit_roundoff

U64 = 2.0**-53


def test_gamma_is_highams_constant():
    """``gamma_n = n u / (1 - n u)`` in exact rational arithmetic (u = 2^-53, 2^-24 for
    float32), and undefined (ValueError) once ``n u >= 1``."""
    assert unit_roundoff() == U64 and unit_roundoff(np.float32) == 2.0**-24
    for n in (1, 3, 1000, 2**40, 2**52):
        nu = n * Fraction(1, 2**53)
        assert gamma(n) == pytest.approx(float(nu / (1 - nu)), rel=1e-15, abs=0)
    nu = 1000 * Fraction(1, 2**24)
    assert gamma(1000, np.float32) == pytest.approx(float(nu / (1 - nu)), rel=1e-15, abs=0)
    assert gamma(2**52) == pytest.approx(1.0, rel=1e-15, abs=0)  # n u = 1/2
    with pytest.raises(ValueError, match="undefined"):
        gamma(2**53)
