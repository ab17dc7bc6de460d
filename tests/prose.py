"""What a claim puts into the ledger as prose, and whether its math is typeset.

The report renders ``$...$`` as inline math (``reports.math.prose_markup``): a formula outside
the dollars shows as raw ASCII (``||grad L|| <= 1e-7``), a segment inside that does not
typeset falls back to its source. These helpers gather a claim's prose (its declarations, and
the reasons and verdicts of its control instances) and name what would show raw.
"""

from __future__ import annotations

import re

from checks.framework import Claim, Verdict
from reports.math import is_renderable

#: ASCII math that must not appear outside ``$...$``: norms, relations, Greek names,
#: subscripts, square roots, LaTeX commands and Markdown backticks
RAW_MATH = re.compile(r"\\[A-Za-z]+|\|\||<=|>=|`"
                      r"|\b(?:theta|lambda|gamma|sigma|kappa|eps|sqrt|grad|hess)\b"
                      r"|\b[A-Za-z]_[A-Za-z0-9({]")
SEGMENT = re.compile(r"\$([^$]*)\$")
#: a name quoted as a value (a reading, a diagnostic, a family): code, not math
QUOTED_NAME = re.compile(r"'[^'\s]+'")


def prose_problems(text: str) -> list[str]:
    """What in ``text`` would not typeset: unpaired dollars, segments that do not render, and
    ASCII math outside the dollars."""
    problems = []
    if text.count("$") % 2:
        problems.append(f"unpaired $ in {text!r}")
    problems += [f"segment ${seg}$ does not render" for seg in SEGMENT.findall(text)
                 if not is_renderable(seg)]
    outside = QUOTED_NAME.sub("", SEGMENT.sub("", text))
    if (match := RAW_MATH.search(outside)) is not None:
        problems.append(f"raw math {match.group(0)!r} in {text!r}")
    return problems


def strings(value, where: str = "") -> list[tuple[str, str]]:
    """Every string of prose inside a (nested) dict or list, with its path (a string without
    a space is a value, such as a name, not prose)."""
    if isinstance(value, str):
        return [(where, value)] if " " in value.strip() else []
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(v, f"{where}.{k}")]
    if isinstance(value, list | tuple):
        return [s for k, v in enumerate(value) for s in strings(v, f"{where}[{k}]")]
    return []


def declared_prose(claim: Claim) -> list[tuple[str, str]]:
    """The prose a claim declares: decides, errata, controls, parameters, relations and the
    descriptions of its reproductions."""
    out = [("title", claim.title), ("decides", claim.decides)]
    out += [(f"errata[{k}]", e.text) for k, e in enumerate(claim.errata)]
    out += [(f"control {c.name}", c.description) for c in claim.controls]
    out += [(f"parameter {p.name}", p.meaning) for p in claim.parameters]
    out += [(f"relation {r.name}", r.description) for r in claim.relations]
    out += [(f"reproduction {r.name}", r.description) for r in claim.reproductions]
    return out


def verdict_prose(verdict: Verdict) -> list[tuple[str, str]]:
    """The prose of a verdict the report shows: message, tolerance derivation, and the strings
    among its diagnostics (the framework's own ``certificate`` and ``relation`` excluded)."""
    out = [("message", verdict.message or ""),
           ("tolerance_derivation", verdict.tolerance_derivation or "")]
    return out + strings(verdict.diagnostics, "diagnostics")


def control_prose(claim: Claim) -> list[tuple[str, str]]:
    """The hypothesis reasons and the verdicts of a claim's control instances."""
    out = []
    for control in claim.controls:
        for inst in control.fixed_instances():
            out += [(f"{control.name} reason {name}", reason)
                    for name, reason in claim.failed_hypotheses(inst).items()]
            verdict = claim.check(inst, drop=control.drops)
            out += [(f"{control.name} {where}", text) for where, text in verdict_prose(verdict)]
    return out


def mathtext_parses(label: str) -> bool:
    """Whether matplotlib's mathtext (which draws plot labels) parses ``label``."""
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(label)
    except (ValueError, RuntimeError):
        return False
    return True
