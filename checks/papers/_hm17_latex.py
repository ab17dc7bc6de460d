"""Numbers written as inline LaTeX for the prose of the Hardt & Ma (2017) claims.

Verdict messages, tolerance derivations and hypothesis reasons quote measured numbers inside
``$...$`` formulas; :func:`tex_number` writes them the way the report typesets them
(``3.78\\times10^{-15}``, not ``3.78e-15``).
"""

from __future__ import annotations

import math

__all__ = ["tex_number"]


def tex_number(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant figures as LaTeX math (without the dollars):
    ``3.78\\times10^{-15}``, ``0.5``, ``10^{-6}``, ``\\infty``."""
    x = float(x)
    if math.isnan(x):
        return r"\mathrm{NaN}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    text = f"{x:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else "-" + power
    return rf"{mantissa}\times{power}"
