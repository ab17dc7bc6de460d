"""Vector figures for the report, drawn with Matplotlib's SVG backend (no pyplot state).

Every figure is returned as an ``<svg>`` string ready to be inlined in the page. Text stays
text (``svg.fonttype = none``), so figures are small and searchable; element ids are salted
per figure so that several inline figures never share an id.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # never a GUI backend, even if a user's matplotlibrc asks for one

from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["tightness_overview", "reproduction_figure", "VERDICT_COLOURS"]

VERDICT_COLOURS = {
    "holds": "#2e7d32",
    "violated": "#c62828",
    "inconclusive": "#b26a00",
    "out-of-scope": "#757575",
}
_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_counter = itertools.count()
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
# Matplotlib names groups "figure_1", "patch_1", ... in every figure: drop those ids so that
# inline figures never collide (clip-path ids are salted and are kept).
_GROUP_ID = re.compile(r'(<g) id="[^"]*"')


def _to_svg(fig: Figure) -> str:
    FigureCanvasSVG(fig)
    buf = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": f"fig{next(_counter)}"}):
        fig.savefig(buf, format="svg")
    return _GROUP_ID.sub(r"\1", _PROLOGUE.sub("", buf.getvalue(), count=1))


def _render(fig: Figure, fmt: str) -> str | bytes:
    """``fmt="svg"``: the inline ``<svg>`` string; ``fmt="pdf"``: PDF bytes (the LaTeX
    appendix's figures)."""
    if fmt == "svg":
        return _to_svg(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context({**_RC, "pdf.fonttype": 42}):  # TrueType: text stays text
        fig.savefig(buf, format="pdf")
    return buf.getvalue()


def _new_figure(width: float, height: float, left: float = 0.5, bottom: float = 0.4,
                right: float = 0.1, top: float = 0.08) -> Figure:
    """A figure with fixed margins in inches (a layout engine would double the drawing time)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=left / width, right=1 - right / width,
                            bottom=bottom / height, top=1 - top / height)
        return fig


def _plain(label: str | None) -> str:
    """A label with its ``$...$`` formulas set by mathtext when they parse (the same LaTeX as
    the ledger's prose); otherwise its dollars are escaped, so a bad formula never raises."""
    label = label or ""
    if label.count("$") >= 2 and label.count("$") % 2 == 0 and _mathtext_parses(label):
        return label
    return label.replace("$", r"\$")


def _mathtext_parses(label: str) -> bool:
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(label)
    except (ValueError, RuntimeError):
        return False
    return True


def _finite(values: Sequence) -> list[float]:
    out = []
    for v in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(x):
            out.append(x)
    return out


def tightness_overview(rows: Sequence[tuple[str, float | None, str]],
                       scale_rows: Sequence[tuple[str, float | None, str]] | None = None,
                       fmt: str = "svg") -> str | bytes | None:
    """Dot plot of every claim's tightness (smallest relative slack), coloured by verdict.

    ``rows`` are ``(claim_id, tightness, verdict)``; claims without a finite tightness are
    listed but have no dot. ``scale_rows`` (default ``rows``) fix the x range, so that the
    figures of a long ledger split over pages share one axis. Returns ``None`` when there is
    no row.
    """
    if not rows:
        return None
    values = _finite([t for _, t, _ in (scale_rows or rows) if t is not None])
    positive = [v for v in values if v > 0]
    floor = min(positive) / 10 if positive else 1e-16
    ceiling = max(max(positive) * 3, 3.0) if positive else 3.0
    with matplotlib.rc_context(_RC):
        longest = max(len(cid) for cid, _, _ in rows)
        fig = _new_figure(6.3, 0.6 + 0.16 * len(rows), left=0.15 + 0.055 * longest)
        ax = fig.add_subplot()
        labels = [cid for cid, _, _ in rows]
        for y, (_, t, verdict) in enumerate(rows):
            if t is None or not _finite([t]):
                continue
            x = max(float(t), floor)  # zero or negative slack (a violation) sits at the floor
            marker = "o" if float(t) > 0 else "x"
            ax.plot([x], [y], marker=marker, color=VERDICT_COLOURS.get(verdict, "black"),
                    markersize=4, linestyle="none")
        ax.set_yticks(range(len(rows)), labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xscale("log")
        ax.set_xlim(floor / 3, ceiling)
        ax.grid(axis="x", linewidth=0.3, alpha=0.6)
        ax.set_xlabel("tightness: smallest relative slack found (x: zero or negative)")
        ax.tick_params(axis="y", labelsize=6.5)
        return _render(fig, fmt)


_LINESTYLES = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-."}


def _series_style(s: dict, n_points: int) -> dict:
    """Matplotlib keywords for one series: ``mode`` ``"markers"`` draws points only,
    ``"lines"`` a line only, anything else both (markers only while there are few points);
    ``style`` (``dashed``, ``dotted``, ``dashdot``) is for reference lines."""
    mode = s.get("mode")
    style = _LINESTYLES.get(str(s.get("style") or "solid"), "-")
    if mode == "markers":
        return {"marker": "o", "markersize": 3.5, "linestyle": "none", "alpha": 0.85}
    marker = mode != "lines" and n_points <= 60 and style == "-"
    return {"marker": "o" if marker else None, "markersize": 2.5, "linewidth": 1.0,
            "linestyle": style}


def reproduction_figure(rep: dict, fmt: str = "svg") -> str | bytes | None:
    """The curves of one reproduction (``series`` of ``{label, x, y}`` with optional ``mode``
    ``"markers"``/``"lines"`` and ``style`` ``"dashed"``; ``logx``/``logy`` pick log axes,
    ``xlim``/``ylim`` fix an axis range), or
    ``None`` if there is nothing finite to draw. The legend goes below the axes (it never
    covers a curve)."""
    series = [s for s in rep.get("series") or [] if isinstance(s, dict)]
    if not series:
        return None
    with matplotlib.rc_context(_RC):
        labelled = [s for s in series if s.get("label")]
        ncol = _legend_columns([str(s["label"]) for s in labelled])
        rows = math.ceil(len(labelled) / ncol) if labelled else 0
        # Constrained layout fits the labels and the legend below the axes (a legend inside
        # would cover points); the figure grows with the legend so the axes keep their height.
        fig = Figure(figsize=(4.8, 2.5 + 0.15 * rows), layout="constrained")
        ax = fig.add_subplot()
        drawn = 0
        for s in series:
            pairs = [(x, y) for x, y in zip(s.get("x") or [], s.get("y") or [], strict=False)
                     if _finite([x]) and _finite([y])]
            if rep.get("logy"):
                pairs = [(x, y) for x, y in pairs if float(y) > 0]
            if rep.get("logx"):
                pairs = [(x, y) for x, y in pairs if float(x) > 0]
            if not pairs:
                continue
            xs, ys = zip(*pairs, strict=True)
            ax.plot([float(x) for x in xs], [float(y) for y in ys],
                    label=_plain(str(s.get("label", ""))) or None,
                    **_series_style(s, len(pairs)))
            drawn += 1
        if drawn == 0:
            return None
        if rep.get("logy"):
            ax.set_yscale("log")
        if rep.get("logx"):
            ax.set_xscale("log")
        ax.set_xlabel(_plain(rep.get("xlabel")))
        ax.set_ylabel(_plain(rep.get("ylabel")))
        for key, setter in (("xlim", ax.set_xlim), ("ylim", ax.set_ylim)):
            limits = rep.get(key)  # e.g. a floor for a log axis whose data hold a 1e-300 stand-in
            if isinstance(limits, list) and len(limits) == 2 and len(_finite(limits)) == 2:
                setter(*_finite(limits))
        ax.grid(linewidth=0.3, alpha=0.6)
        if labelled:
            fig.legend(loc="outside lower center", ncol=ncol, fontsize=7, frameon=False)
        return _render(fig, fmt)


def _legend_columns(labels: Sequence[str]) -> int:
    """As many legend columns as the longest label allows across a 4.8 in figure."""
    if not labels:
        return 1
    longest = max(len(label) for label in labels)
    return max(1, min(len(labels), 3 if longest <= 22 else (2 if longest <= 40 else 1)))
