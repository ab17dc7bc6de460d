"""Numbers and relations written as inline LaTeX for the prose that verdicts and certificates
carry.

Verdict messages, certificates, tolerance derivations and hypothesis reasons quote measured
numbers inside ``$...$`` formulas (the report typesets every ``$...$`` of the ledger's prose);
:func:`tex_number` writes them as the report shows them (``3.78\\times10^{-15}``, not
``3.78e-15``), :data:`TEX_RELATION` the relations of :func:`checks.framework.decide`.
"""

from __future__ import annotations

import math

__all__ = ["TEX_RELATION", "tex_number"]

#: the relations of :func:`checks.framework.decide` as LaTeX
TEX_RELATION = {"<=": r"\le", ">=": r"\ge", "==": "="}


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
