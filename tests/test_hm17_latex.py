"""The Hardt & Ma (2017) claims write their formulas as inline LaTeX: numbers through
:func:`checks.tex.tex_number`, and every ``$...$`` segment of the prose a
claim puts into the ledger (what it decides, its errata, parameters, relations, controls, and
the verdicts and hypothesis reasons of its controls) renders in the report."""

from __future__ import annotations

import re

import pytest

from checks.registry import all_claims
from reports.math import is_renderable

_SEGMENT = re.compile(r"\$([^$]+)\$")
# what a formula left outside $...$ looks like: a LaTeX command, a norm bar pair, a power
# written with ^, a subscript, a number in e-notation, <= or >=
_RAW = re.compile(r"\\[A-Za-z]+|\|\||\^|_\{|\d[eE][-+]?\d|<=|>=")


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
