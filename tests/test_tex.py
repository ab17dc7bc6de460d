"""Numbers and relations as inline LaTeX (:mod:`checks.tex`): what verdicts quote inside
``$...$`` renders in the report and reads back as the number it was."""

from __future__ import annotations

import re

import pytest

from checks.tex import TEX_RELATION, tex_number
from reports.math import is_renderable


def _latex_value(tex: str) -> float:
    """Read ``tex_number``'s output back as a float."""
    m = re.fullmatch(r"(-?[\d.]+)?(?:\\times)?(?:(-)?10\^\{(-?\d+)\})?", tex)
    assert m is not None, tex
    mantissa = float(m.group(1)) if m.group(1) else (-1.0 if m.group(2) else 1.0)
    return mantissa * 10.0 ** int(m.group(3) or 0)


@pytest.mark.parametrize("x", [3.78e-15, 9.09e-7, 1e-6, -2.5e10, 0.5, 235.5, 1.0, 0.0, -1e300])
def test_tex_number_writes_powers_of_ten_as_latex(x):
    tex = tex_number(x)
    assert is_renderable(tex)
    assert "e" not in tex.replace(r"\times", "")
    assert _latex_value(tex) == pytest.approx(float(f"{x:.3g}"), rel=1e-12)


def test_tex_number_writes_infinity_and_nan_as_symbols():
    assert tex_number(float("inf")) == r"\infty"
    assert tex_number(float("-inf")) == r"-\infty"
    assert is_renderable(tex_number(float("nan")))


def test_every_relation_of_decide_has_a_renderable_symbol():
    from checks.framework import Tolerance, decide

    for relation, tex in TEX_RELATION.items():
        assert is_renderable(tex)
        decide(1.0, 1.0, relation=relation, tolerance=Tolerance(0.0, "exact"))
