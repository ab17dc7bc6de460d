"""Typeset LaTeX for the report: MathML for the HTML page, SVG (ziamath) for the PDF.

WeasyPrint does not render MathML, so the PDF gets each formula as an SVG image drawn by
ziamath (STIX Two glyphs as paths: no font is needed at print time). Browsers render MathML
Core natively, so the HTML keeps the formulas as text (searchable, copyable). Source that does
not parse, or that uses a command the converter does not know, is shown verbatim in ``<code>``:
a bad formula in a ledger must never break the report.
"""

from __future__ import annotations

import base64
import functools
import re
import xml.etree.ElementTree as ET

from markupsafe import Markup, escape

__all__ = ["math_markup", "prose_markup", "to_mathml", "to_svg", "is_renderable"]

# Commands the converter lacks, rewritten to ones it knows (why: `\arg` appears in the
# papers' statements).
_MACROS = [
    (re.compile(r"\\\n"), r"\\ "),  # a backslash ending a line is a control space
    (re.compile(r"\\argmin(?![A-Za-z])"), r"\\operatorname{arg\\,min}"),
    (re.compile(r"\\argmax(?![A-Za-z])"), r"\\operatorname{arg\\,max}"),
    (re.compile(r"\\arg(?![A-Za-z])"), r"\\operatorname{arg}"),
]
# latex2mathml keeps an unknown command as a token whose text is the command itself.
_UNKNOWN_COMMAND = re.compile(r">\s*\\[^<]*<")
_DELIMITERS = {
    "\\|": "\u2016", "\\Vert": "\u2016", "\\lVert": "\u2016", "\\rVert": "\u2016",
    "\\vert": "|", "\\lvert": "|", "\\rvert": "|", "\\langle": "\u27e8", "\\rangle": "\u27e9",
    "\\{": "{", "\\}": "}", "\\lfloor": "\u230a", "\\rfloor": "\u230b", "\\lceil": "\u2308",
    "\\rceil": "\u2309",
}
_SIZED_DELIMITER = re.compile(
    r">\s*(" + "|".join(re.escape(k) for k in sorted(_DELIMITERS, key=len, reverse=True)) + r")\s*<"
)
_STRAY_BRACE = re.compile(r"<m[io]>\s*[{}]\s*</m[io]>")
_RAW_COMMAND = re.compile(r"\\[A-Za-z]{2,}")
_INLINE_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.S)
_SVG_BOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')

INLINE_SIZE = 14.0  # px: matches the 10pt body text of the PDF
BODY_SIZE = 10 * 96 / 72  # px: the PDF's 10pt body text, the em the drawn formulas scale by
DISPLAY_SIZE = 15.0


def _prepare(latex: str) -> str:
    src = latex.strip()
    for pattern, replacement in _MACROS:
        src = pattern.sub(replacement, src)
    return src


@functools.lru_cache(maxsize=4096)
def to_mathml(latex: str, display: bool = False) -> str | None:
    """MathML for ``latex``, or ``None`` when it does not parse or uses an unknown command."""
    import latex2mathml.converter as converter

    src = _prepare(latex)
    if not src:
        return None
    try:
        mathml = converter.convert(src, display="block" if display else "inline")
    except Exception:  # the converter raises many unrelated types on malformed input
        return None
    # The converter keeps the delimiter after \big, \Big, ... as source (`\|`): map it.
    mathml = _SIZED_DELIMITER.sub(lambda m: ">" + _DELIMITERS[m.group(1)] + "<", mathml)
    if _UNKNOWN_COMMAND.search(mathml) or _STRAY_BRACE.search(mathml):
        return None
    return _operator_spacing(_limits_below(mathml) if display else mathml)


_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_LIMIT_OPERATORS = {"inf", "sup", "min", "max", "lim", "liminf", "limsup", "arg\u2009min",
                    "arg\u2009max", "argmin", "argmax", "\u2211", "\u220f", "\u22c3", "\u22c2"}


def _limits_below(mathml: str) -> str:
    """In display math put the limits of inf, max, sums ... below the operator, as TeX does
    (the converter writes them as plain subscripts)."""
    ET.register_namespace("", _MATHML_NS)
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return mathml
    changed = False
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("msub", "msubsup") and len(el) >= 2:
            base = el[0]
            is_mo = base.tag.rsplit("}", 1)[-1] == "mo"
            if is_mo and (base.text or "").strip() in _LIMIT_OPERATORS:
                el.tag = f"{{{_MATHML_NS}}}" + ("munder" if tag == "msub" else "munderover")
                changed = True
    return ET.tostring(root, encoding="unicode", short_empty_elements=False) if changed else mathml


_SCRIPTED = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}
# After a named operator TeX puts a thin space before an operand, none before a fence or a
# relation; these are the tokens that get no space.
_NO_SPACE_BEFORE = set("([{\u27e8|\u2016\u230a\u2308)]}\u27e9\u230b\u2309,;.:!=<>\u2264\u2265\u2260"
                       "\u2248\u2208\u2209\u2282\u2286\u2192\u21d2\u21d4\u27fa+\u2212-")


def _local(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _named_operator(el: ET.Element) -> bool:
    """``inf``, ``max``, ``rank``, ``log`` ... (alone or carrying scripts/limits)."""
    if _local(el) in _SCRIPTED and len(el):
        el = el[0]
    text = (el.text or "").replace("\u2009", "")
    return _local(el) in ("mo", "mi") and len(text) > 1 and text.isalpha() and not len(el)


def _operator_spacing(mathml: str) -> str:
    """A thin space after a named operator that is followed by an operand (``inf L``, not
    ``rank(H)``), as TeX's \\mathop spacing does; the word becomes an ``mi`` so that
    browsers add no operator spacing of their own on top."""
    ET.register_namespace("", _MATHML_NS)
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return mathml
    changed = False
    for parent in list(root.iter()):
        if _local(parent) not in ("math", "mrow", "mstyle", "mtd", "msqrt", "mpadded"):
            continue
        children = list(parent)
        for i, child in enumerate(children):
            if not _named_operator(child):
                continue
            word = child[0] if _local(child) in _SCRIPTED else child
            if _local(word) == "mo":
                word.tag = f"{{{_MATHML_NS}}}mi"
                word.attrib.pop("stretchy", None)
                changed = True
            following = children[i + 1] if i + 1 < len(children) else None
            if following is None or _local(following) == "mspace":
                continue
            if _local(following) == "mo" and (following.text or "").strip() in _NO_SPACE_BEFORE:
                continue
            space = ET.Element(f"{{{_MATHML_NS}}}mspace", {"width": "0.1667em"})
            parent.insert(list(parent).index(child) + 1, space)
            changed = True
    return ET.tostring(root, encoding="unicode", short_empty_elements=False) if changed else mathml


def is_renderable(latex: str) -> bool:
    """True when ``latex`` typesets without falling back to its source."""
    return to_mathml(latex) is not None


@functools.lru_cache(maxsize=4096)
def to_svg(latex: str, display: bool = False) -> tuple[str, float, float, float] | None:
    """``(svg, width_px, height_px, depth_px)`` drawn by ziamath, or ``None`` on bad input.

    ``depth_px`` is how far the formula reaches below its baseline, for ``vertical-align``.
    Renders are cached: a ledger repeats hypotheses and errata formulas across claims.
    """
    if to_mathml(latex, display) is None:
        return None
    import ziamath

    # Plain paths (no <symbol>/<use>) at 0.01 px: WeasyPrint draws these 2-3 times faster.
    saved = ziamath.config.svg2, ziamath.config.precision
    ziamath.config.svg2, ziamath.config.precision = False, 2
    try:
        size = DISPLAY_SIZE if display else INLINE_SIZE
        if display:  # the MathML with limits below the operators
            svg = ziamath.Math(to_mathml(latex, True), size=size).svg()
        else:
            svg = ziamath.Math(to_mathml(latex), size=size).svg()
    except Exception:
        return None
    finally:
        ziamath.config.svg2, ziamath.config.precision = saved
    box = _SVG_BOX.search(svg)
    if box is None:
        return None
    _, y0, width, height = (float(v) for v in box.groups())
    return svg, width, height, max(0.0, y0 + height)


def _svg_img(latex: str, display: bool) -> Markup | None:
    drawn = to_svg(latex, display)
    if drawn is None:
        return None
    svg, width, height, depth = drawn
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    cls = "math display" if display else "math"
    # Sized in em of the surrounding text (ziamath draws at INLINE_SIZE px against the PDF's
    # 10pt body), so a formula in a small table cell shrinks with the words around it.
    em = BODY_SIZE
    img = Markup(
        f'<img class="{cls}" alt="{escape(latex)}" width="{width:.2f}" height="{height:.2f}" '
        f'style="width:{width / em:.3f}em;vertical-align:-{depth / em:.3f}em" '
        f'src="data:image/svg+xml;base64,{data}">'
    )
    return img + _text_layer(plain_formula(latex), width)


def _text_layer(text: str, width: float) -> Markup:
    """The formula's plain reading as invisible text laid over its image, so that the PDF's
    formulas can be searched, copied and extracted (``pdftotext``) like the prose around them."""
    size = min(INLINE_SIZE, max(2.0, 1.8 * width / max(1, len(text))))
    return Markup('<span class="math-alt" style="font-size:%.1fpx">%s</span>') % (size, text)


_SPACED_OPERATORS = set(
    "=<>+\u2212\u2264\u2265\u2260\u2248\u2208\u2209\u00d7\u2192\u21a6\u2282\u2286"
)
# Narrow no-break spaces: a text formula never breaks inside (a white-space: nowrap box made
# WeasyPrint break the line far before it instead).
_THIN = "\u202f"


_CLOSERS = set(")]|}\u2016\u27e9")


def _is_unary(el: ET.Element, previous: ET.Element | None) -> bool:
    """A sign with nothing to its left (or an operator) is unary: ``-0.9``, ``10^{-7}``."""
    if (el.text or "") not in ("+", "-", "\u2212"):
        return False
    if previous is None:
        return True
    return previous.tag.rsplit("}", 1)[-1] == "mo" and (previous.text or "") not in _CLOSERS


def _html_children(el: ET.Element) -> str | None:
    parts, previous = [], None
    for child in el:
        unary = child.tag.rsplit("}", 1)[-1] == "mo" and _is_unary(child, previous)
        parts.append(str(escape(child.text or "")) if unary else _html_node(child))
        previous = child
    return None if any(p is None for p in parts) else "".join(parts)


def _html_node(el: ET.Element) -> str | None:
    """HTML for a MathML node made only of tokens, rows, sub- and superscripts, else None."""
    tag = el.tag.rsplit("}", 1)[-1]
    text = (el.text or "").replace("\u00a0", " ")
    if tag in ("math", "mrow"):
        return _html_children(el)
    if tag == "mi":
        variant = el.get("mathvariant")
        if variant not in (None, "normal", "italic") or not text:
            return None
        italic = variant == "italic" or (variant is None and len(text) == 1)
        return f"<i>{escape(text)}</i>" if italic else str(escape(text))
    if tag in ("mn", "mtext"):
        return str(escape(text))
    if tag == "mo":
        if text in _SPACED_OPERATORS:
            return f"{_THIN}{escape(text)}{_THIN}"
        return str(escape(text)) + ("\u00a0" if text == "," else "")
    if tag == "mspace":
        return "" if "negative" in (el.get("width") or "") else _THIN
    if tag in ("msub", "msup") and len(el) == 2:
        base, script = _html_node(el[0]), _html_node(el[1])
        if base is None or script is None:
            return None
        wrap = "sub" if tag == "msub" else "sup"
        return f"{base}<{wrap}>{script}</{wrap}>"
    return None


@functools.lru_cache(maxsize=4096)
def to_html_text(latex: str) -> str | None:
    """Simple inline formulas (letters, numbers, operators, one level of scripts) as styled
    HTML text, or ``None`` when the formula needs real typesetting (fractions, roots, ...).

    The PDF uses this for short inline math: text is searchable and far cheaper for
    WeasyPrint to draw than an SVG of glyph outlines.
    """
    mathml = to_mathml(latex)
    if mathml is None:
        return None
    try:
        html = _html_node(ET.fromstring(mathml))
    except ET.ParseError:
        return None
    return None if html is None else f'<span class="math-text">{html}</span>'


_VARIANT_NAMES = {"bold": "BOLD", "italic": "ITALIC", "bold-italic": "BOLD ITALIC",
                  "script": "SCRIPT", "bold-script": "BOLD SCRIPT", "fraktur": "FRAKTUR",
                  "double-struck": "DOUBLE-STRUCK", "sans-serif": "SANS-SERIF",
                  "monospace": "MONOSPACE"}


def _styled_char(ch: str, style: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    for prefix in ("LATIN ", "GREEK "):
        if name.startswith(prefix) and " LETTER " in name:
            case, letter = name[len(prefix):].split(" LETTER ", 1)
            try:
                return unicodedata.lookup(f"MATHEMATICAL {style} {case} {letter}")
            except KeyError:
                break
    if ch.isdigit() and style in ("BOLD", "DOUBLE-STRUCK", "SANS-SERIF", "MONOSPACE"):
        return unicodedata.lookup(f"MATHEMATICAL {style} DIGIT {unicodedata.name(ch)[6:]}")
    return _LETTERLIKE.get((style, ch), ch)


# Styled letters that Unicode keeps in the Letterlike Symbols block (U+1D49D ... are holes).
_LETTERLIKE = {("SCRIPT", "B"): "\u212c", ("SCRIPT", "E"): "\u2130", ("SCRIPT", "F"): "\u2131",
               ("SCRIPT", "H"): "\u210b", ("SCRIPT", "I"): "\u2110", ("SCRIPT", "L"): "\u2112",
               ("SCRIPT", "M"): "\u2133", ("SCRIPT", "R"): "\u211b", ("SCRIPT", "e"): "\u212f",
               ("SCRIPT", "g"): "\u210a", ("SCRIPT", "o"): "\u2134", ("ITALIC", "h"): "\u210e",
               ("DOUBLE-STRUCK", "C"): "\u2102", ("DOUBLE-STRUCK", "H"): "\u210d",
               ("DOUBLE-STRUCK", "N"): "\u2115", ("DOUBLE-STRUCK", "P"): "\u2119",
               ("DOUBLE-STRUCK", "Q"): "\u211a", ("DOUBLE-STRUCK", "R"): "\u211d",
               ("DOUBLE-STRUCK", "Z"): "\u2124", ("FRAKTUR", "C"): "\u212d",
               ("FRAKTUR", "H"): "\u210c", ("FRAKTUR", "I"): "\u2111", ("FRAKTUR", "R"): "\u211c",
               ("FRAKTUR", "Z"): "\u2128"}


@functools.lru_cache(maxsize=4096)
def _browser_mathml(latex: str, display: bool) -> str | None:
    """MathML for browsers: MathML Core ignores ``mathvariant`` other than ``normal``, so
    ``\\mathcal L`` would show as a plain L; write the styled letters' own code points."""
    mathml = to_mathml(latex, display)
    if mathml is None or "mathvariant=" not in mathml:
        return mathml
    ET.register_namespace("", _MATHML_NS)
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return mathml
    for el in root.iter():
        style = _VARIANT_NAMES.get(el.get("mathvariant") or "")
        if style is None or _local(el) not in ("mi", "mn", "mtext") or not el.text:
            continue
        styled = "".join(_styled_char(ch, style) for ch in el.text)
        if styled != el.text:
            el.text = styled
            el.set("mathvariant", "normal")  # the code points carry the style: no auto-italic
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def _fallback(latex: str, display: bool) -> Markup:
    cls = "latex-source display" if display else "latex-source"
    return Markup(f'<code class="{cls}" title="LaTeX source (not typeset)">{escape(latex)}</code>')


def math_markup(latex: str, *, display: bool = False, pdf: bool = False) -> Markup:
    """One formula as markup: MathML (HTML), an SVG image (PDF), or its source in ``<code>``."""
    latex = str(latex)
    if pdf:
        simple = None if display else to_html_text(latex)
        rendered = Markup(simple) if simple is not None else _svg_img(latex, display)
        if simple is None and rendered is not None and not display:
            rendered = Markup('<span class="math-svg">') + rendered + Markup("</span>")
    else:
        mathml = _browser_mathml(latex, display)
        rendered = Markup(mathml) if mathml is not None else None
    if rendered is None:
        return _fallback(latex, display)
    if display:
        return Markup('<div class="display-math"%s>') % _fit_style(latex, pdf) + rendered \
            + Markup("</div>")
    return rendered


_FIT_MARGIN = 1.1  # browsers set MathML a little wider than ziamath measures it


def _fit_style(latex: str, pdf: bool) -> Markup:
    """A wide display formula in the HTML scales down to the width of its column (``cqw``:
    the ``.display-math`` box is a size container) instead of being clipped; the PDF's SVG
    image scales by ``max-width`` already."""
    drawn = None if pdf else to_svg(latex, True)
    if drawn is None:
        return Markup("")
    width_em = drawn[1] / DISPLAY_SIZE * _FIT_MARGIN
    return Markup(' style="--fit: min(1.08em, calc(100cqw / %.2f))"') % width_em


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _prose_text(text: str) -> Markup:
    """Prose between formulas: Markdown code spans (```name```) as ``<code>``."""
    out, pos = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_plain_prose(text[pos : match.start()]))
        out.append(Markup("<code>%s</code>") % match.group(1))
        pos = match.end()
    out.append(_plain_prose(text[pos:]))
    return Markup("").join(out)


def _plain_prose(text: str) -> Markup:
    # A LaTeX command outside $...$ cannot be typeset safely: show it as source, not as text.
    if _RAW_COMMAND.search(text):
        return _fallback(text, False)
    # Names joined by "&" (Laurent & Brecht) are one unit: no line break inside.
    return escape(text.replace(" & ", "\u00a0&\u00a0"))


def prose_markup(text: str | None, *, pdf: bool = False) -> Markup:
    """Escaped prose with its ``$...$`` (and ``$$...$$``) pieces typeset.

    Stray LaTeX commands outside the dollars are shown verbatim in ``<code>``.
    """
    if not text:
        return Markup("")
    text = str(text)
    out, pos = [], 0
    for match in _INLINE_MATH.finditer(text):
        out.append(_prose_text(text[pos : match.start()]))
        display_src, inline_src = match.group(1), match.group(2)
        if display_src is not None:
            out.append(math_markup(display_src, display=True, pdf=pdf))
        else:
            out.append(math_markup(inline_src, display=False, pdf=pdf))
        pos = match.end()
    out.append(_prose_text(text[pos:]))
    return Markup("").join(out)


_MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.S)
# The PDF's simple formulas, set as text in the same math font as its drawn ones.
_MATH_TEXT = re.compile(r'<span class="math-text">.*?</span>', re.S)
_TAG = re.compile(r"<[^>]*>")
MATH_FONT_FAMILY = "Appendix Math"


def math_font_css(html: str) -> str:
    """An ``@font-face`` rule embedding STIX Two Math (the font ziamath ships), cut down to the
    characters of the page's MathML, so that every browser draws the formulas with a real math
    font (stretchy fences, accents, script sizes) offline. Empty when there is no MathML or the
    font cannot be subset (then the stylesheet's list of installed math fonts applies).
    """
    chars = set()
    for element in _MATH_ELEMENT.findall(html) + _MATH_TEXT.findall(html):
        text = _TAG.sub("", element)
        text = re.sub(r"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)), text)
        chars.update(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    chars.discard("\n")
    if not chars:
        return ""
    chars |= _styled_variants(chars)
    try:
        return _font_face(frozenset(chars))
    except Exception:  # no fontTools/brotli, or a font it cannot read: fall back to local fonts
        return ""


_STYLES = ("ITALIC", "BOLD", "BOLD ITALIC", "SCRIPT", "BOLD SCRIPT", "FRAKTUR", "DOUBLE-STRUCK",
           "SANS-SERIF", "MONOSPACE")
# Drawn by the browser without appearing as text: radicals; and the letter-like block (script
# L, double-struck R ...) where Unicode keeps some styled letters outside U+1D400.
_ALWAYS = [0x221A, 0x221B, 0x221C, 0x2016, 0x2032, *range(0x2100, 0x2150)]


def _styled_variants(chars: set[str]) -> set[str]:
    """Every Mathematical Alphanumeric form of the letters used: browsers draw a single-letter
    ``mi`` in italic and ``mathvariant`` letters with these code points, not the text's."""
    import unicodedata

    out = {chr(c) for c in _ALWAYS}
    for ch in chars:
        if not ch.isalpha() or len(ch.encode("utf-8")) > 2:
            continue
        name = unicodedata.name(ch, "")
        for prefix in ("LATIN ", "GREEK "):
            if name.startswith(prefix) and " LETTER " in name:
                case, letter = name[len(prefix):].split(" LETTER ", 1)
                case = {"SMALL": "SMALL", "CAPITAL": "CAPITAL"}.get(case)
                if case is None:
                    continue
                for style in _STYLES:
                    try:
                        out.add(unicodedata.lookup(f"MATHEMATICAL {style} {case} {letter}"))
                    except KeyError:
                        continue
    return out


@functools.lru_cache(maxsize=8)
def _font_face(chars: frozenset[str]) -> str:
    import io
    import logging
    from importlib import resources

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = resources.files("ziamath.fonts") / "STIXTwoMath-Regular.ttf"
    font = TTFont(io.BytesIO(path.read_bytes()))
    options = subset.Options()
    options.layout_features = ["*"]  # keep ssty (script glyphs) and the MATH table's variants
    options.flavor = "woff2"
    options.name_IDs = []
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars] + [0x20, 0xA0, 0x2009, 0x202F])
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff2"
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{MATH_FONT_FAMILY}"; '
            f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}')


_PLAIN_RELATIONS = set("=<>\u2264\u2265\u2260\u2248\u2208\u2209\u2192\u21a6\u2282\u2286")
_PLAIN_SCRIPTS = {"msub": "_", "msup": "^", "munder": "_", "mover": "^"}


def _plain_group(text: str) -> str:
    """A script or fraction part: bare when it is one symbol, else parenthesised."""
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _plain_node(el: ET.Element) -> str:
    """The linear reading of a MathML node: ``σ_L(H)^2``, ``(a)/(b)``, ``√(x)``."""
    tag = _local(el)
    kids, previous = [], None
    for child in el:
        binary = _local(child) == "mo" and (child.text or "") in ("+", "-", "\u2212") \
            and not _is_unary(child, previous)
        kids.append(f" {child.text} " if binary else _plain_node(child))
        previous = child
    if tag in _PLAIN_SCRIPTS and len(kids) == 2:
        if tag == "mover" and kids[1] in ("^", "\u02c6", "~", "\u02dc", "\u00af", "\u2192"):
            return kids[0] + kids[1]  # an accent: hat L reads L^
        if tag == "msup" and kids[1] in ("\u2032", "\u2033", "*", "\u2217", "\u22a4"):
            return kids[0] + kids[1]  # primes, stars and transposes read without a caret
        return kids[0] + _PLAIN_SCRIPTS[tag] + _plain_group(kids[1])
    if tag in ("msubsup", "munderover") and len(kids) == 3:
        return f"{kids[0]}_{_plain_group(kids[1])}^{_plain_group(kids[2])}"
    if tag == "mfrac" and len(kids) == 2:
        return f"{_plain_group(kids[0])}/{_plain_group(kids[1])}"
    if tag == "msqrt":
        return "\u221a" + _plain_group("".join(kids))
    if tag == "mroot" and len(kids) == 2:
        return f"{kids[1]}\u221a{_plain_group(kids[0])}"
    if tag == "mspace":
        return " "
    text = (el.text or "").replace("\u2061", "").replace("\u2062", "")
    if tag == "mo" and text.strip() in _PLAIN_RELATIONS:
        text = f" {text.strip()} "
    return text + "".join(kids)


@functools.lru_cache(maxsize=4096)
def plain_formula(latex: str) -> str:
    """One formula as plain text (for PDF bookmarks and alternative text), its source when
    it does not parse."""
    mathml = to_mathml(latex)
    if mathml is None:
        return latex.strip()
    try:
        text = _plain_node(ET.fromstring(mathml))
    except ET.ParseError:
        return latex.strip()
    return re.sub(r"\s+", " ", text).strip()


def plain_text(text: str | None) -> str:
    """Prose with each ``$...$`` formula read as plain text (``plain_formula``)."""
    if not text:
        return ""
    out = _INLINE_MATH.sub(lambda m: plain_formula(m.group(1) or m.group(2)), str(text))
    return re.sub(r"\s+", " ", out).strip()
