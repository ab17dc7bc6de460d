"""Every formula a claim puts into the report is typeset: what it decides, its errata,
parameters, relations, controls and reproductions, and the verdicts, certificates and
hypothesis reasons of its controls' instances write their math as inline LaTeX (``$...$``)
that the report renders, with no ASCII math (``||grad L|| <= 1e-7``) or Markdown left outside
the dollars. Plot labels parse as matplotlib mathtext."""

from __future__ import annotations

import pytest
from prose import control_prose, declared_prose, mathtext_parses, prose_problems

from checks.registry import all_claims


def _reproduction_prose(claim) -> list[tuple[str, str]]:
    out = []
    for rep in claim.reproductions:
        out += [(f"reproduction {rep.name}", rep.description),
                (f"reproduction {rep.name} agreement", rep.agreement_reason or "")]
    return out


@pytest.mark.parametrize("claim", all_claims(), ids=lambda c: c.id)
def test_claim_prose_typesets_every_formula(claim):
    prose = declared_prose(claim) + _reproduction_prose(claim) + control_prose(claim)
    problems = [f"{where}: {p}" for where, text in prose if text
                for p in prose_problems(text)]
    assert not problems, problems


def test_prose_problems_names_raw_math_unpaired_dollars_and_unrenderable_segments():
    assert prose_problems(r"holds: $\|\nabla L\| = 10^{-9} \le 10^{-8}$") == []
    assert prose_problems("||grad L|| = 1e-9 <= 1e-8")
    assert prose_problems(r"an unpaired $\sigma")
    assert prose_problems(r"$\frac{a}{$ and $b$")
    assert prose_problems("set `tau` to 1")
    assert mathtext_parses(r"$\|M_T - M_0\|_F^2$") and not mathtext_parses(r"$\frac{a}{$")
