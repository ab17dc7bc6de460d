"""The report as a LaTeX appendix an author can ``\\input`` into a paper.

``write_latex(ledger, out_dir)`` writes ``appendix.tex`` (standard packages only: amsmath,
amssymb, graphicx), its figures as PDF beside it, and ``main.tex``, a minimal document that
compiles the appendix alone. Like the HTML and PDF it is built from the ledger alone.

Formulas are the ledger's own LaTeX (the statements, hypotheses and the ``$...$`` of prose);
one that the report's converter cannot parse is set verbatim in ``\\texttt``, so that a bad
formula in a ledger never stops an author's paper from compiling.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from . import plots
from .build import (
    AGREEMENT_LABELS,
    ERRATUM_KINDS,
    PAPER_ERROR,
    UNLABELLED,
    fmt_number,
    fmt_sizes,
    reproduction_agreement,
)
from .ledger import VERDICTS, validate_ledger
from .math import _INLINE_MATH, _prepare, is_renderable

__all__ = ["write_latex", "latex_text", "latex_prose"]

PACKAGES = ("amsmath", "amssymb", "graphicx")
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}",
            ">": r"\textgreater{}", "|": r"\textbar{}"}
# Symbols of the ledger's prose and of the report's number format, as LaTeX math.
_SYMBOLS = {"\u2264": r"\le", "\u2265": r"\ge", "\u00d7": r"\times", "\u2212": "-",
            "\u2208": r"\in", "\u2192": r"\to", "\u2248": r"\approx", "\u2260": r"\neq",
            "\u221e": r"\infty", "\u221a": r"\surd", "\u2016": r"\|", "\u00b7": r"\cdot",
            "\u2211": r"\sum", "\u2207": r"\nabla", "\u2202": r"\partial", "\u00b1": r"\pm",
            "\u2113": r"\ell", "\u27e8": r"\langle", "\u27e9": r"\rangle", "\u2218": r"\circ",
            "\u2297": r"\otimes", "\u2299": r"\odot", "\u2286": r"\subseteq",
            "\u2282": r"\subset", "\u22a4": r"\top", "\u2032": r"\prime", "\u2026": r"\dots",
            "\u21d2": r"\Rightarrow", "\u2200": r"\forall", "\u2203": r"\exists",
            "\u230a": r"\lfloor", "\u230b": r"\rfloor", "\u2308": r"\lceil", "\u2309": r"\rceil"}
_TEXT = {"\u2014": "---", "\u2013": "--", "\u2018": "`", "\u2019": "'", "\u201c": "``",
         "\u201d": "''", "\u00a0": "~", "\u00a7": r"\S{}", "\u2009": r"\,", "\u00e9": r"\'e",
         "\u00e8": r"\`e", "\u00f6": r"\"o", "\u00fc": r"\"u", "\u00e4": r"\"a"}
_SUPERSCRIPT = dict(zip("\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",
                        "-0123456789", strict=True))
_GREEK_CAPITALS = {"GAMMA", "DELTA", "THETA", "LAMBDA", "XI", "PI", "SIGMA", "UPSILON", "PHI",
                   "PSI", "OMEGA"}
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
# Commands latex2mathml accepts that need a package an appendix should not impose.
_PROVIDED = (r"\providecommand{\bm}[1]{\boldsymbol{#1}}",
             r"\providecommand{\argmin}{\operatorname*{arg\,min}}",
             r"\providecommand{\argmax}{\operatorname*{arg\,max}}")


def _math_symbol(ch: str) -> str | None:
    """A non-ASCII character as a LaTeX math command, or None."""
    if ch in _SYMBOLS:
        return _SYMBOLS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK ") and " LETTER " in name:
        case, letter = name[len("GREEK "):].split(" LETTER ", 1)
        letter = {"LAMDA": "LAMBDA"}.get(letter, letter).lower()
        if letter == "final sigma":
            letter = "sigma"
        if case == "CAPITAL":
            return "\\" + letter.capitalize() if letter.upper() in _GREEK_CAPITALS else None
        return "\\" + letter if letter.isalpha() and letter != "omicron" else None
    return None


def latex_text(text: Any) -> str:
    """Plain text escaped for LaTeX; symbols become math, Unicode superscripts (the report's
    ``3.1×10⁻¹¹``) a ``^{...}``; a character with no LaTeX form is named by its code point."""
    out = []
    chars = str(text)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch in _SUPERSCRIPT:
            j = i
            while j < len(chars) and chars[j] in _SUPERSCRIPT:
                j += 1
            out.append("$^{" + "".join(_SUPERSCRIPT[c] for c in chars[i:j]) + "}$")
            i = j
            continue
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif (symbol := _math_symbol(ch)) is not None:
            out.append(f"${symbol}$")
        else:
            out.append(f"[U+{ord(ch):04X}]")
        i += 1
    return "".join(out)


def latex_math(source: str) -> str | None:
    """The ledger's formula ready for a math environment, or None when the report's converter
    cannot parse it (then it is shown as source)."""
    if not is_renderable(source):
        return None
    src = _prepare(source)
    return "".join(ch if ord(ch) < 128 else ((_math_symbol(ch) or "?") + " ") for ch in src)


def _code(text: str) -> str:
    return r"\texttt{" + latex_text(text) + "}"


def latex_prose(text: Any) -> str:
    """Prose with its ``$...$`` formulas kept as LaTeX math and its code spans as ``\\texttt``."""
    if not text:
        return ""
    text = str(text)
    out, pos = [], 0
    for match in _INLINE_MATH.finditer(text):
        out.append(_prose_piece(text[pos : match.start()]))
        source = match.group(1) or match.group(2)
        math = latex_math(source)
        out.append(f"${math}$" if math is not None else _code(source))
        pos = match.end()
    out.append(_prose_piece(text[pos:]))
    return "".join(out)


def _prose_piece(text: str) -> str:
    out, pos = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(latex_text(text[pos : match.start()]))
        out.append(_code(match.group(1)))
        pos = match.end()
    out.append(latex_text(text[pos:]))
    return "".join(out)


def _display(source: str) -> str:
    math = latex_math(source)
    if math is None:
        return r"\begin{quote}" + _code(source) + r"\end{quote}"
    return "\\[\n" + math + "\n\\]"


def _itemize(items: list[str]) -> list[str]:
    if not items:
        return []
    return [r"\begin{itemize}", *(r"\item " + item for item in items), r"\end{itemize}"]


def _verdict_sentence(claim: dict[str, Any]) -> str:
    counts = claim.get("counts") or {}
    parts = [f"{counts[k]} {k}" for k in VERDICTS if counts.get(k)]
    n = claim.get("instances", sum(v for v in counts.values() if isinstance(v, int)))
    sizes = fmt_sizes(claim.get("sizes"))
    text = rf"\textbf{{{claim['verdict']}}} over {n} instances"
    text += f" ({latex_text(', '.join(parts))})" if parts else ""
    text += f"; sizes {latex_text('; '.join(sizes))}" if sizes else ""
    return text + "."


def _tightness_sentence(claim: dict[str, Any]) -> str:
    if claim.get("tightness") is None:
        return "No tightness recorded (the claim is decided as yes/no)."
    text = "Smallest relative slack found: " + latex_text(fmt_number(claim["tightness"])) + "."
    worst = claim.get("worst_verdict")
    if isinstance(worst, dict) and worst.get("tolerance") is not None:
        text += " Tolerance " + latex_text(fmt_number(worst["tolerance"]))
        if worst.get("tolerance_derivation"):
            text += ", derived as " + latex_prose(worst["tolerance_derivation"])
        text += "."
    return text


def _controls(claim: dict[str, Any]) -> list[str]:
    items = []
    for control in claim.get("controls") or []:
        if not isinstance(control, dict):
            continue
        result = "passed" if control.get("passed") else "failed"
        expect = latex_text(control.get("expect", "violated"))
        items.append(_code(control.get("name", "?")) + " (drops "
                     + _code(control.get("drops", "?")) + "): "
                     + latex_prose(control.get("description"))
                     + rf" \emph{{{result}}}, expects {expect}.")
    return _itemize(items) or ["No control: nobody has seen this check fail."]


def _errata(claim: dict[str, Any]) -> list[str]:
    items = []
    for entry in claim.get("errata") or []:
        if isinstance(entry, dict):
            kind = entry.get("kind") if entry.get("kind") in ERRATUM_KINDS else UNLABELLED
            text = entry.get("text") or ""
        else:
            kind, text = UNLABELLED, str(entry)
        label = "Erratum" if kind == PAPER_ERROR else f"Note ({kind})"
        items.append(rf"\emph{{{label}.}} " + latex_prose(text))
    return _itemize(items)


def _reproductions(claim: dict[str, Any], out: Path, stem: str) -> list[str]:
    lines = []
    reps = [r for r in claim.get("reproductions") or [] if isinstance(r, dict)]
    for i, rep in enumerate(reps):
        state, reason = reproduction_agreement(rep)
        lines.append(r"\emph{" + latex_prose(rep.get("title") or rep.get("name")) + "} ("
                     + AGREEMENT_LABELS[state] + (": " + latex_prose(reason) if reason else "")
                     + "). " + latex_prose(rep.get("description")))
        lines.append("")
        lines.append(r"The paper: " + (latex_prose(rep.get("paper")) or "---")
                     + r". \quad We find: " + (latex_prose(rep.get("ours")) or "---") + ".")
        figure = plots.reproduction_figure(rep, fmt="pdf")
        if figure:
            name = f"{stem}-reproduction-{i}.pdf"
            (out / name).write_bytes(figure)
            lines += [r"\begin{center}",
                      rf"\includegraphics[width=0.8\linewidth]{{\appendixfigures {name}}}",
                      r"\end{center}"]
        lines.append("")
    return lines


def _claim(claim: dict[str, Any], out: Path, ledger_path: str) -> list[str]:
    cid = claim["id"]
    stem = re.sub(r"[^A-Za-z0-9-]", "-", cid)
    lines = [rf"\subsubsection*{{\texttt{{{latex_text(cid)}}} --- "
             + latex_prose(claim.get("title") or cid) + "}", rf"\label{{appendix:{stem}}}"]
    if claim.get("source"):
        lines.append(r"\emph{" + latex_text(claim["source"]) + "}")
    if claim.get("statement"):
        lines += [r"\paragraph{Statement.}", _display(claim["statement"])]
    hyps = [h for h in claim.get("hypotheses") or [] if isinstance(h, dict)]
    if hyps:
        lines.append(r"\paragraph{Hypotheses.}")
        lines += _itemize([_code(h.get("name", "?")) + ": "
                           + (f"${m}$" if (m := latex_math(h.get("statement") or "")) else
                              _code(h.get("statement") or "")) for h in hyps])
    lines += [r"\paragraph{What was checked.} " + latex_prose(claim.get("decides")),
              r"\paragraph{Verdict.} " + _verdict_sentence(claim),
              r"\paragraph{Tightness.} " + _tightness_sentence(claim),
              r"\paragraph{Controls.}", *_controls(claim)]
    errata = _errata(claim)
    if errata:
        lines += [r"\paragraph{Errata and notes.}", *errata]
    reps = _reproductions(claim, out, stem)
    if reps:
        lines += [r"\paragraph{Reproductions.}", *reps]
    lines += [r"\paragraph{Replay.} \texttt{python -m checks replay "
              + latex_text(ledger_path) + " " + latex_text(cid) + "}", ""]
    return lines


def write_latex(ledger: dict[str, Any], out_dir: str | Path, *,
                ledger_path: str = "reports/out/ledger.json") -> Path:
    """Write ``appendix.tex``, its PDF figures and ``main.tex`` to ``out_dir``; return the path
    of ``appendix.tex``. The appendix needs ``\\usepackage{amsmath,amssymb,graphicx}``; set
    ``\\appendixfigures`` to the folder of its figures when it is input from elsewhere."""
    validate_ledger(ledger)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = ledger.get("environment") or {}
    lines = [
        "% Executable appendix, written by `python -m reports LEDGER --format tex` from a ledger.",
        "% Needs \\usepackage{" + ",".join(PACKAGES) + "} in the preamble.",
        r"\providecommand{\appendixfigures}{}", *_PROVIDED,
        r"\section*{Executable appendix}",
        "Every claim below was checked numerically and with property-based testing (profile "
        + latex_text(ledger.get("profile", "?")) + ", seed " + latex_text(ledger.get("seed", "?"))
        + ", commit " + _code(str(env.get("git_commit") or "unknown")[:12]) + "). A "
        r"\emph{control} drops one hypothesis and must produce a violation; \emph{tightness} is "
        "the smallest relative slack found (positive: room left; negative within the tolerance: "
        "equality up to rounding). Each claim can be replayed with the command shown.",
        "",
    ]
    papers = ledger.get("papers") or {}
    keys = list(papers) + sorted({c.get("paper", "") for c in ledger["claims"]} - set(papers))
    for key in keys:
        claims = [c for c in ledger["claims"] if c.get("paper", "") == key]
        if not claims:
            continue
        meta = papers.get(key) if isinstance(papers.get(key), dict) else {}
        lines.append(r"\subsection*{" + latex_text(meta.get("title") or key or "Other claims")
                     + "}")
        if meta.get("authors") or meta.get("venue"):
            lines.append(latex_text(", ".join(str(meta[k]) for k in ("authors", "venue")
                                              if meta.get(k))) + ".")
        for claim in claims:
            lines += _claim(claim, out, ledger_path)
    path = out / "appendix.tex"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{"
        + ",".join(PACKAGES) + "}\n\\begin{document}\n\\input{appendix}\n\\end{document}\n",
        encoding="utf-8")
    return path
