"""``python -m reports LEDGER --out DIR``: the HTML and PDF report of a ledger (``--format tex``:
a LaTeX appendix).

Exit status: 0 written; 2 the ledger is unreadable or has an unknown schema; 1 the report could
not be written (for example WeasyPrint lacks its system libraries). Errors are one line.
"""

from __future__ import annotations

import argparse
import sys
import time

from .build import ReportError, build_report
from .latex import write_latex
from .ledger import LedgerError, load_ledger

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build the report, print where it went; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.splitlines()[0])
    parser.add_argument("ledger", help="ledger JSON written by `python -m checks run`")
    parser.add_argument("--out", default="reports/out", help="output folder (default reports/out)")
    parser.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    parser.add_argument("--format", choices=("html", "tex"), default="html",
                        help="html: report.html and report.pdf (default); tex: appendix.tex "
                             "with its figures, to \\input into a paper")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        ledger = load_ledger(args.ledger)
        if args.format == "tex":
            written = [str(write_latex(ledger, args.out, ledger_path=args.ledger))]
            print(f"reports: wrote {written[0]} in {time.perf_counter() - start:.1f} s")
            return 0
        html_path, pdf_path = build_report(ledger, args.out, pdf=not args.no_pdf,
                                           ledger_path=args.ledger)
    except LedgerError as exc:
        print(f"reports: error: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"reports: error: {exc}", file=sys.stderr)
        return 1
    written = [str(html_path)] + ([str(pdf_path)] if pdf_path else [])
    print(f"reports: wrote {', '.join(written)} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
