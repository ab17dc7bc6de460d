"""The executable appendix's report: HTML and PDF generated from a ledger alone.

``python -m reports LEDGER --out DIR`` writes ``DIR/report.html`` (one self-contained file,
MathML and inline SVG) and ``DIR/report.pdf`` (WeasyPrint; formulas as SVG drawn by ziamath).
This package reads ledgers only: it never imports ``checks`` or ``theory`` and never recomputes.
"""

from __future__ import annotations

from .build import DEFAULT_LEDGER_PATH, ReportError, build_report, render_html, write_pdf
from .ledger import SCHEMA, LedgerError, load_ledger, validate_ledger

__all__ = [
    "DEFAULT_LEDGER_PATH",
    "SCHEMA",
    "LedgerError",
    "ReportError",
    "build_report",
    "load_ledger",
    "render_html",
    "validate_ledger",
    "write_pdf",
]
