"""The Hardt & Ma (2017) claims write their formulas as inline LaTeX: numbers through
``tex_number`` (:mod:`checks.papers._hm17_latex`), and every ``$...$`` segment of the prose a
claim puts into the ledger (what it decides, its errata, parameters, relations, controls, and
the verdicts and hypothesis reasons of its controls) renders in the report."""

from __future__ import annotations

import re

import pytest

from checks.papers.hm17_linear import tex_number
from checks.registry import all_claims
from reports.math import is_renderable

_SEGMENT = re.compile(r"\$([^$]+)\$")
# what a formula left outside $...$ looks like: a LaTeX command, a norm bar pair, a power
# written with ^, a subscript, a number in e-notation, <= or >=
_RAW = re.compile(r"\\[A-Za-z]+|\|\||\^|_\{|\d[eE][-+]?\d|<=|>=")


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


def _prose(claim) -> list[tuple[str, str]]:
    """Every piece of prose with formulas that ``claim`` shows in the report, without running
    its strategy: declarations, and the verdicts and hypothesis reasons of its controls'
    fixed instances."""
    out = [("decides", claim.decides), ("title", claim.title)]
    out += [("erratum", e.text) for e in claim.errata]
    out += [(f"parameter {p.name}", p.meaning) for p in claim.parameters]
    out += [(f"parameter {p.name} domain", p.domain) for p in claim.parameters]
    out += [(f"relation {r.name}", r.description) for r in claim.relations]
    out += [(f"reproduction {r.name}", r.description) for r in claim.reproductions]
    out += [(f"reproduction {r.name} agreement", r.agreement_reason) for r in claim.reproductions]
    for control in claim.controls:
        out.append((f"control {control.name}", control.description))
        for inst in control.fixed_instances():
            verdict = claim.check(inst, drop=control.drops)
            out += [(f"control {control.name} verdict", verdict.message),
                    (f"control {control.name} tolerance", verdict.tolerance_derivation)]
            out += [(f"control {control.name} reason {k}", v)
                    for k, v in claim.failed_hypotheses(inst).items()]
    return out


@pytest.mark.parametrize("claim", all_claims("hm17."), ids=lambda c: c.id)
def test_hm17_prose_typesets_every_formula(claim):
    for where, text in _prose(claim):
        if not text:
            continue
        assert text.count("$") % 2 == 0, (where, text)
        assert "`" not in text, (where, text)
        for segment in _SEGMENT.findall(text):
            assert is_renderable(segment), (where, segment)
        outside = _SEGMENT.sub("", text)
        assert not _RAW.search(outside), (where, outside)
