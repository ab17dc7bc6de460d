"""Build the report (one self-contained HTML file and a PDF) from a ledger alone.

The report never imports ``checks`` or ``theory`` and never recomputes a claim: every number
it shows is read from the ledger written by ``python -m checks run``.
"""

from __future__ import annotations

import base64
import logging
import math
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import plots
from .citation import citation_block, read_citation
from .ledger import HOLDS, VERDICTS, VIOLATED, as_float, is_finite, validate_ledger
from .math import math_font_css, math_markup, plain_text, prose_markup

__all__ = ["build_report", "render_html", "write_pdf", "ReportError", "DEFAULT_LEDGER_PATH"]

DEFAULT_LEDGER_PATH = "reports/out/ledger.json"
_TEMPLATES = Path(__file__).parent / "templates"
_SUPERSCRIPTS = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)
_OVERVIEW_ROWS = 45
_UNBROKEN_ID = 16  # characters: a longer claim id may wrap after a dot in the summary table
# The kinds of a ledger's errata (checks.framework.ERRATUM_KINDS, repeated here because the
# report reads ledgers only); only a paper error is an erratum of the paper.
PAPER_ERROR = "paper error"
ERRATUM_KINDS = (PAPER_ERROR, "transcription", "interpretation", "method note")
UNLABELLED = "unlabelled"
NOTE_TITLES = {
    "transcription": "Transcription: what the text we worked from lost, and how it was restored",
    "interpretation": "Interpretation: readings we chose where the paper is ambiguous",
    "method note": "Method notes: choices of ours in how a claim is checked",
    UNLABELLED: "Unlabelled notes (a ledger written before errata were labelled)",
}
_RELATIONS = {"<=": "\u2264", ">=": "\u2265", "==": "=", "<": "<", ">": ">"}
_PANGO_HINT = (
    "WeasyPrint cannot load its system libraries ({detail}); install the Debian packages "
    "libpango-1.0-0 libpangoft2-1.0-0 (apt-get install libpango-1.0-0 libpangoft2-1.0-0), "
    "or build the HTML only with --no-pdf"
)


class ReportError(RuntimeError):
    """The report could not be written; the message is one line and says what to do."""


# ---------------------------------------------------------------- formatting helpers

def fmt_number(value: Any) -> str:
    """A ledger number for people: 4 significant digits; ``nan``/``inf`` kept; ``—`` if absent."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    number = as_float(value)
    if number is None:
        return str(value)
    if not math.isfinite(number):
        return "nan" if math.isnan(number) else ("\u2212inf" if number < 0 else "inf")
    if number == 0:
        return "0"
    if 1e-3 <= abs(number) < 1e5:
        return f"{number:.4g}"
    mantissa, exponent = f"{number:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}\u00d710{str(int(exponent)).translate(_SUPERSCRIPTS)}"


def _shape(value: Any) -> list[int]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return shape


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [value]


def fmt_value(value: Any) -> str:
    """A parameter of an instance: scalars in full, small arrays inline, large ones by shape."""
    if isinstance(value, list):
        shape = _shape(value)
        flat = _flat(value)
        if len(flat) <= 4 and len(shape) == 1:
            return "[" + ", ".join(fmt_number(v) for v in flat) + "]"
        kind = {1: "vector", 2: "matrix"}.get(len(shape), "array")
        dims = "\u00d7".join(str(n) for n in shape)
        return f"{kind} {dims}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and as_float(value) is None:
        return value
    return fmt_number(value)


def fmt_seconds(value: Any) -> str:
    number = as_float(value)
    if number is None or not math.isfinite(number):
        return "\u2014"
    return f"{number:.2f} s" if number < 60 else f"{number / 60:.1f} min"


_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
          "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"}
#: the papers' symbols the instances spell out in words
_SYMBOLS = {"ell": r"\ell", "eps": r"\varepsilon", "lam": r"\lambda"}
_PARAMETER = re.compile(r"^([A-Za-z]+?)(?:_([A-Za-z0-9]+))?$")


def parameter_latex(name: str) -> str | None:
    """A parameter's name as the papers write it (``d_theta`` -> ``d_\\theta``, ``tau`` ->
    ``\\tau``), or None for a name that is not a letter with an optional subscript."""
    match = _PARAMETER.match(name)
    if match is None:
        return None
    base, sub = match.groups()

    def symbol(word: str) -> str | None:
        if word in _SYMBOLS:
            return _SYMBOLS[word]
        if word in _GREEK:
            return "\\" + word
        return word if len(word) == 1 or word.isdigit() else None

    base_tex = symbol(base)
    sub_tex = (symbol(sub) or f"\\mathrm{{{sub}}}") if sub else ""
    if base_tex is None or sub_tex is None:
        return None
    return base_tex + (f"_{{{sub_tex}}}" if sub else "")


def _sizes_markup(sizes: Any, pdf: bool) -> list[Markup]:
    """``fmt_sizes`` with each parameter's name typeset."""
    out = []
    for name, line in zip((sizes or {}), fmt_sizes(sizes), strict=True):
        latex = parameter_latex(str(name))
        if latex is None or not line.startswith(str(name)):
            out.append(Markup("%s") % line)
            continue
        out.append(math_markup(latex, pdf=pdf) + Markup("%s") % line[len(str(name)):])
    return out


def fmt_sizes(sizes: Any) -> list[str]:
    out = []
    for name, rng in (sizes or {}).items():
        if isinstance(rng, list) and len(rng) == 2:
            lo, hi = (fmt_number(v) for v in rng)
            out.append(f"{name} = {lo}" if lo == hi else f"{name} \u2208 [{lo}, {hi}]")
        else:
            out.append(f"{name}: {fmt_value(rng)}")
    return out


# ---------------------------------------------------------------- view models

def diagnostic_rows(diagnostics: Any, prefix: str = "", *,
                    pdf: bool = False) -> list[tuple[str, str | Markup, str]]:
    """A verdict's diagnostics as table rows: a nested record becomes one row per entry,
    named by its path (``gram.cond``), never a printed dictionary; a value that is prose (a
    reason, a branch of a construction) is typeset like the rest of the report's prose, a
    number or an array is printed as data. Each row is ``(name, value, "prose" | "data")``."""
    if not isinstance(diagnostics, dict):
        return []
    rows: list[tuple[str, str | Markup, str]] = []
    for key, value in diagnostics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(diagnostic_rows(value, name + ".", pdf=pdf))
        elif isinstance(value, str):
            if value.strip():  # an empty reason (nothing to explain) is no row
                rows.append((name, prose_markup(value, pdf=pdf), "prose"))
        else:
            rows.append((name, fmt_value(value), "data"))
    return rows


def _verdict_view(verdict: Any, pdf: bool) -> dict[str, Any] | None:
    if not isinstance(verdict, dict):
        return None
    diagnostics = verdict.get("diagnostics") or {}
    return {
        "status": verdict.get("status", "?"),
        "lhs": fmt_number(verdict.get("lhs")),
        "rhs": fmt_number(verdict.get("rhs")),
        "relation": _RELATIONS.get(str(verdict.get("relation")), verdict.get("relation") or "?"),
        "slack": fmt_number(verdict.get("slack")),
        "relative_slack": fmt_number(verdict.get("relative_slack")),
        "tolerance": fmt_number(verdict.get("tolerance")),
        "derivation": prose_markup(verdict.get("tolerance_derivation"), pdf=pdf),
        "message": prose_markup(verdict.get("message"), pdf=pdf),
        "certificate": prose_markup(verdict.get("certificate"), pdf=pdf),
        "diagnostics": diagnostic_rows(diagnostics, pdf=pdf),
        "has_sides": verdict.get("lhs") is not None or verdict.get("rhs") is not None,
    }


def _instance_view(instance: Any) -> list[tuple[str, str]]:
    if not isinstance(instance, dict):
        return []
    return [(str(k), fmt_value(v)) for k, v in instance.items()]


def _control_view(control: dict[str, Any], pdf: bool, replay: str) -> dict[str, Any]:
    counts = control.get("counts") or {}
    name = control.get("name", "?")
    return {
        "replay": f"{replay} --control {name}" if control.get("instance") else None,
        "name": name,
        "drops": control.get("drops", "?"),
        "description": prose_markup(control.get("description"), pdf=pdf),
        "expect": control.get("expect", VIOLATED),
        "passed": bool(control.get("passed")),
        "counts": [(k, counts[k]) for k in VERDICTS if counts.get(k)],
        "instance": _instance_view(control.get("instance")),
        "verdict": _verdict_view(control.get("verdict"), pdf),
        "outside": [(str(k), prose_markup(str(v), pdf=pdf))
                    for k, v in (control.get("outside") or {}).items()],
    }


def _table_view(table: Any, pdf: bool) -> dict[str, Any] | None:
    """A reproduction's table: numbers formatted, ``$...$`` in headers and cells typeset."""
    if not isinstance(table, dict) or not table.get("columns"):
        return None
    rows = [[fmt_value(c) if not isinstance(c, str) else prose_markup(c, pdf=pdf) for c in row]
            for row in table.get("rows") or [] if isinstance(row, list)]
    return {"columns": [prose_markup(str(c), pdf=pdf) for c in table["columns"]], "rows": rows}


AGREEMENTS = ("agrees", "differs", "no-paper-value")
UNSTATED = "unstated"
AGREEMENT_LABELS = {
    "agrees": "agrees with the paper",
    "differs": "differs from the paper",
    "no-paper-value": "no paper value to compare",
    UNSTATED: "agreement with the paper not stated",
}


def reproduction_agreement(rep: dict[str, Any]) -> tuple[str, str]:
    """``(state, reason)`` of a reproduction against the paper's number.

    The state is the record's own ``agreement`` key when it names one of ``AGREEMENTS``.
    Without it the report decides only what the record shows for certain: no ``paper`` value
    is ``no-paper-value``; a paper value beside ours is ``unstated`` (shown as such, never as
    an agreement: whether the two agree is the run's judgement, not the report's).
    """
    declared = rep.get("agreement")
    reason = str(rep.get("agreement_reason") or "")
    if declared in AGREEMENTS:
        return declared, reason
    if not rep.get("paper"):
        return "no-paper-value", reason
    return UNSTATED, reason


def _reproduction_view(rep: dict[str, Any], pdf: bool, figure: str | None) -> dict[str, Any]:
    agreement, reason = reproduction_agreement(rep)
    return {
        "agreement": agreement,
        "agreement_label": AGREEMENT_LABELS[agreement],
        "agreement_reason": prose_markup(reason, pdf=pdf),
        "name": rep.get("name", ""),
        "title": prose_markup(rep.get("title") or rep.get("name"), pdf=pdf),
        "description": prose_markup(rep.get("description"), pdf=pdf),
        "figure": _figure_markup(figure, pdf),
        "table": _table_view(rep.get("table"), pdf),
        "paper": prose_markup(rep.get("paper"), pdf=pdf),
        "ours": prose_markup(rep.get("ours"), pdf=pdf),
    }


def _claim_view(claim: dict[str, Any], figures: dict[str, Any], pdf: bool,
                ledger_path: str) -> dict[str, Any]:
    cid = claim["id"]
    counts = claim.get("counts") or {}
    controls = [c for c in claim.get("controls") or [] if isinstance(c, dict)]
    first = claim.get("first_failure")
    reps = [r for r in claim.get("reproductions") or [] if isinstance(r, dict)]
    states = {reproduction_agreement(r)[0] for r in reps}
    return {
        # the reproduction state a reader must see beside a verdict, worst first
        "agreement_flag": next((s for s in ("differs", UNSTATED) if s in states), None),
        "id": cid,
        "title": prose_markup(claim.get("title") or cid, pdf=pdf),
        # A long id may break after a dot (never at a hyphen) in the narrow summary column.
        "id_breakable": Markup(".<wbr>").join(Markup('<span class="nw">%s</span>') % part
                                              for part in str(cid).split("."))
        if len(str(cid)) > _UNBROKEN_ID else Markup('<span class="nw">%s</span>') % cid,
        "source": claim.get("source", ""),
        "paper": claim.get("paper", ""),
        "statement": math_markup(claim.get("statement") or "", display=True, pdf=pdf)
        if claim.get("statement") else None,
        "hypotheses": [(h.get("name", "?"), math_markup(h.get("statement") or "", pdf=pdf)
                        if h.get("statement") else Markup(""))
                       for h in claim.get("hypotheses") or [] if isinstance(h, dict)],
        "decides": prose_markup(claim.get("decides"), pdf=pdf),
        "errata": [_erratum_view(e, pdf) for e in claim.get("errata") or []],
        "verdict": claim["verdict"],
        "counts": [(k, counts[k]) for k in VERDICTS if counts.get(k)],
        "instances": claim.get("instances", sum(v for v in counts.values() if isinstance(v, int))),
        "sizes": _sizes_markup(claim.get("sizes"), pdf),
        "tightness": fmt_number(claim.get("tightness")),
        "has_tightness": claim.get("tightness") is not None,
        "errata_anchor": _errata_anchor(cid, claim.get("errata") or []),
        "rounding_equality": claim["verdict"] == HOLDS
        and (as_float(claim.get("tightness")) or 0.0) < 0,
        "worst_instance": _instance_view(claim.get("worst_instance")),
        "worst_verdict": _verdict_view(claim.get("worst_verdict"), pdf),
        "first_failure": {"instance": _instance_view(first.get("instance")),
                          "verdict": _verdict_view(first.get("verdict"), pdf)}
        if isinstance(first, dict) else None,
        "replay": f"python -m checks replay {ledger_path} {cid}",
        "controls": [_control_view(c, pdf, f"python -m checks replay {ledger_path} {cid}")
                     for c in controls],
        "controls_passed": sum(1 for c in controls if c.get("passed")),
        "reproductions": [{**_reproduction_view(r, pdf, figures.get((cid, i))), "index": i}
                          for i, r in enumerate(reps)],
        "plain_title": plain_text(claim.get("title") or cid),
        "seconds": fmt_seconds(claim.get("seconds")),
    }


def _errata_anchor(cid: str, errata: list[Any]) -> tuple[str, str] | None:
    """Where a reproduction that differs from the paper links to: the claim's erratum of the
    paper, else its first note; ``(anchor, words)`` or None when it has neither."""
    kinds = [_erratum_view(e, pdf=False)["kind"] for e in errata]
    if PAPER_ERROR in kinds:
        return f"erratum-{cid}", "the erratum"
    if kinds:
        return f"note-{kinds[0].replace(' ', '-')}-{cid}", "the note"
    return None


def _figure_markup(svg: str | None, pdf: bool) -> Markup | None:
    """Inline ``<svg>`` for the HTML; a data-URI image for WeasyPrint, which then parses each
    figure as its own document (its CSS rules and ids stay out of the page)."""
    if not svg:
        return None
    if not pdf:
        return Markup(svg)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Markup(f'<img class="plot" alt="figure" src="data:image/svg+xml;base64,{data}">')


def _figures(ledger: dict[str, Any]) -> dict[Any, str | None]:
    """Every plot of the report, drawn once and shared by the HTML and the PDF."""
    figures: dict[Any, str | None] = {}
    rows = []
    for claim in ledger["claims"]:
        cid = claim["id"]
        tightness = as_float(claim.get("tightness"))
        for i, rep in enumerate(r for r in claim.get("reproductions") or [] if isinstance(r, dict)):
            figures[(cid, i)] = plots.reproduction_figure(rep)
        rows.append((cid, tightness if is_finite(claim.get("tightness")) else None,
                     claim["verdict"]))
    # At most _OVERVIEW_ROWS claims per figure, so that each one fits on a printed page; the
    # figures share the rows evenly and one x axis.
    per_figure = math.ceil(len(rows) / max(1, math.ceil(len(rows) / _OVERVIEW_ROWS))) or 1
    figures["__overview__"] = [plots.tightness_overview(rows[i : i + per_figure], rows)
                               for i in range(0, len(rows), per_figure)]
    return figures


def _erratum_view(entry: Any, pdf: bool) -> dict[str, Any]:
    """One erratum of the ledger (``kind``, ``text``, ``instance``) for the report. A plain
    string (a ledger written before errata were labelled) is a note of kind ``unlabelled``:
    only an entry the ledger calls a paper error is listed as an erratum of the paper."""
    if isinstance(entry, dict):
        kind = entry.get("kind") if entry.get("kind") in ERRATUM_KINDS else UNLABELLED
        text, instance = entry.get("text") or "", entry.get("instance")
    else:
        kind, text, instance = UNLABELLED, str(entry), None
    return {"kind": kind, "text": prose_markup(text, pdf=pdf),
            "instance": _instance_view(instance)}


def _items(claims: list[dict[str, Any]], kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The entries of ``kinds`` of these claims; a text that several claims share is listed
    once, with all of them, before the claims' own entries."""
    owners: dict[str, list[dict[str, Any]]] = {}
    entries: dict[str, dict[str, Any]] = {}
    for c in claims:
        for e in c["errata"]:
            if e["kind"] in kinds and c not in owners.setdefault(str(e["text"]), []):
                owners[str(e["text"])].append(c)
                entries.setdefault(str(e["text"]), e)
    shared = [{"claims": cs, "entries": [entries[text]]} for text, cs in owners.items()
              if len(cs) > 1]
    own = [{"claims": [c], "entries": [entries[text] for text, cs in owners.items()
                                       if cs == [c]]} for c in claims]
    items = shared + [item for item in own if item["entries"]]
    anchored: set[str] = set()
    for item in items:  # the first item naming a claim is where its links land
        item["anchors"] = [c["id"] for c in item["claims"] if c["id"] not in anchored]
        anchored.update(item["anchors"])
    return items


def _errata(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errata of the papers (entries of kind ``paper error``), grouped by paper."""
    out = []
    for section in sections:
        items = _items(section["claims"], (PAPER_ERROR,))
        if items:
            out.append({"key": section["key"], "meta": section["meta"], "items": items})
    return out


def _notes(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every other entry (transcriptions, interpretations, method notes), grouped by kind."""
    out = []
    for kind in (*(k for k in ERRATUM_KINDS if k != PAPER_ERROR), UNLABELLED):
        items = _items(claims, (kind,))
        if items:
            out.append({"kind": kind, "title": NOTE_TITLES[kind], "items": items})
    return out


def _sections(ledger: dict[str, Any], claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    papers = ledger.get("papers") or {}
    sections = []
    for key, meta in papers.items():
        members = [c for c in claims if c["paper"] == key]
        sections.append({"key": key, "meta": meta if isinstance(meta, dict) else {},
                         "claims": members})
    others = [c for c in claims if c["paper"] not in papers]
    if others:
        sections.append({"key": "other", "meta": {"title": "Other claims"}, "claims": others})
    return sections


def _agreement_summary(claims: list[dict[str, Any]]) -> dict[str, Any]:
    """How many reproductions agree with, differ from, or cannot be compared with the papers,
    and the ones a reader should look at (all but the agreeing ones)."""
    counts = {state: 0 for state in (*AGREEMENTS, UNSTATED)}
    attention = []
    for c in claims:
        for r in c["reproductions"]:
            counts[r["agreement"]] += 1
            if r["agreement"] != "agrees":
                attention.append({"claim": c, "reproduction": r})
    return {"counts": [(state, AGREEMENT_LABELS[state], n) for state, n in counts.items() if n],
            "total": sum(counts.values()), "attention": attention}


def _context(ledger: dict[str, Any], pdf: bool, ledger_path: str,
             figures: dict[Any, str | None]) -> dict[str, Any]:
    claims = [_claim_view(c, figures, pdf, ledger_path) for c in ledger["claims"]]
    env = ledger.get("environment") or {}
    summary = ledger.get("summary") or {}
    controls_total = sum(len(c["controls"]) for c in claims)
    cff = read_citation()
    sections = _sections(ledger, claims)
    return {
        "pdf": pdf,
        "ledger": ledger,
        "env": env,
        "summary": {
            "claims": summary.get("claims", len(claims)),
            "verdicts": [(k, summary.get(k, sum(1 for c in claims if c["verdict"] == k)))
                         for k in VERDICTS],
            "controls": summary.get("controls", controls_total),
            "controls_passed": summary.get("controls_passed",
                                           sum(c["controls_passed"] for c in claims)),
            "seconds": fmt_seconds(summary.get("seconds")),
        },
        "claims": claims,
        "agreement": _agreement_summary(claims),
        "sections": sections,
        "errata": _errata(sections),
        "notes": _notes(claims),
        "overview": [_figure_markup(svg, pdf) for svg in figures.get("__overview__") or [] if svg],
        "citation": citation_block(cff, ledger),
        "cff_title": cff.get("title", "Identity Landscapes: an executable appendix"),
        "packages": sorted((env.get("packages") or {}).items()),
        "regressions": [str(r) for r in ledger.get("regressions") or []],
        "baseline": ledger.get("baseline") or {},
        "ledger_path": ledger_path,
        "renderer": _renderer_versions(),
        "fmt_number": fmt_number,
        "fmt_value": fmt_value,
        "css": Markup((_TEMPLATES / "report.css").read_text(encoding="utf-8")),
    }


def _renderer_versions() -> str:
    """The packages that drew this report (not the run's: those are in the ledger)."""
    from importlib import metadata

    found = []
    for name in ("jinja2", "matplotlib", "latex2mathml", "ziamath", "weasyprint"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def render_html(ledger: dict[str, Any], *, pdf: bool = False,
                ledger_path: str = DEFAULT_LEDGER_PATH,
                figures: dict[Any, str | None] | None = None) -> str:
    """The report as one self-contained HTML document (``pdf=True``: the variant WeasyPrint
    prints, with formulas as SVG images instead of MathML)."""
    validate_ledger(ledger)
    if figures is None:
        figures = _figures(ledger)
    template = _environment().get_template("report.html.j2")
    html = template.render(**_context(ledger, pdf, ledger_path, figures))
    # One math font: STIX Two Math, which the PDF's drawn formulas use too.
    font = math_font_css(html)
    return html.replace("</style>", font + "\n</style>", 1) if font else html


def write_pdf(html: str, pdf_path: str | Path) -> Path:
    """Print ``html`` to ``pdf_path`` with WeasyPrint; ``ReportError`` if it cannot run."""
    try:
        import weasyprint
    except OSError as exc:  # missing pango/cairo shared libraries
        raise ReportError(_PANGO_HINT.format(detail=str(exc).splitlines()[0][:120])) from None
    except ImportError as exc:
        raise ReportError(f"WeasyPrint is not installed ({exc}); pip install weasyprint") from None
    pdf_path = Path(pdf_path)
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # font-subsetting notices would flood the terminal
    try:
        weasyprint.HTML(string=html, base_url=str(pdf_path.parent)).write_pdf(str(pdf_path))
    finally:
        logger.setLevel(level)
    return pdf_path


def build_report(ledger: dict[str, Any], out_dir: str | Path, *, pdf: bool = True,
                 ledger_path: str | None = None) -> tuple[Path, Path | None]:
    """Write ``out_dir/report.html`` and ``out_dir/report.pdf`` from ``ledger``.

    ``ledger_path`` is the path shown in replay commands (default ``out_dir/ledger.json``,
    where ``python -m checks run`` writes the ledger).
    Returns ``(html_path, pdf_path)``; ``pdf_path`` is ``None`` when ``pdf=False``.
    Raises ``LedgerError`` for a malformed ledger and ``ReportError`` when WeasyPrint cannot run.
    """
    validate_ledger(ledger)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shown_path = ledger_path or str(out / "ledger.json")  # where `checks run` writes it
    figures = _figures(ledger)
    html_path = out / "report.html"
    html_path.write_text(render_html(ledger, ledger_path=shown_path, figures=figures),
                         encoding="utf-8")
    if not pdf:
        return html_path, None
    printable = render_html(ledger, pdf=True, ledger_path=shown_path, figures=figures)
    return html_path, write_pdf(printable, out / "report.pdf")
