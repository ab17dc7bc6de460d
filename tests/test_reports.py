"""The report: structure of the HTML, text of the PDF, the CLI's errors, the citation file."""

from __future__ import annotations

import builtins
import copy
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports import LedgerError, ReportError, build_report, load_ledger, render_html
from reports.__main__ import main
from reports.build import fmt_number, write_pdf
from reports.citation import CITATION_PATH, read_citation
from reports.math import math_markup, prose_markup
from reports.synthetic import synthetic_ledger

ROOT = Path(__file__).resolve().parents[1]
SMALL = Path(__file__).parent / "data" / "small_ledger.json"
RAW_COMMAND = re.compile(r"\\[A-Za-z]{2,}")


class _Page(HTMLParser):
    """Collects ids, the text outside code/pre/style, and each element's text by id."""

    SKIP = {"code", "pre", "style", "script"}
    VOID = {"img", "br", "meta", "mspace", "wbr"}  # never pushed, so their end tags pop nothing

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.visible: list[str] = []
        self.urls: list[str] = []
        self._skip = 0
        self._open: list[tuple[str, str | None]] = []
        self._chunks: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if tag in self.SKIP:
            self._skip += 1
        if tag in self.VOID:
            return
        ident = attrs.get("id")
        if ident:
            self.ids[ident] = tag
            self._chunks[ident] = []
        self._open.append((tag, ident))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if tag in self.SKIP:
            self._skip -= 1
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._skip:
            self.visible.append(data)
        for _, ident in self._open:
            if ident:
                self._chunks[ident].append(data)

    def text_of(self, ident: str) -> str:
        return " ".join(self._chunks.get(ident, []))


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def ledger() -> dict:
    return load_ledger(SMALL)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("report")
    assert main([str(SMALL), "--out", str(out)]) == 0
    return out / "report.html", out / "report.pdf"


def _claim_html(html: str, cid: str) -> str:
    start = html.index(f'id="{cid}"')
    return html[start : html.index("</article>", start)]


def test_every_claim_has_anchor_statement_verdict_and_controls(built, ledger):
    html = built[0].read_text(encoding="utf-8")
    page = _parse(html)
    for claim in ledger["claims"]:
        cid = claim["id"]
        assert page.ids.get(cid) == "article", cid
        assert f'href="#{cid}"' in html  # linked from the summary table
        section = _claim_html(html, cid)
        text = page.text_of(cid)
        assert "<math" in section or 'class="latex-source' in section, cid
        assert f'badge {claim["verdict"]}' in section and claim["verdict"] in text
        for control in claim["controls"]:
            assert control["name"] in text and control["drops"] in text
        for hyp in claim["hypotheses"]:
            assert hyp["name"] in text
        assert "python -m checks replay" in section or claim["worst_instance"] is None
        for control in claim["controls"]:
            if control["instance"]:
                assert f"replay {SMALL} {cid} --control {control['name']}" in section


def test_statements_are_typeset_not_raw_latex(built, ledger):
    html = built[0].read_text(encoding="utf-8")
    page = _parse(html)
    visible = " ".join(page.visible)
    assert not RAW_COMMAND.search(visible), RAW_COMMAND.findall(visible)[:5]
    good = _claim_html(html, "hm17.thm2.2")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in good


def test_invalid_latex_falls_back_to_its_source(built):
    section = _claim_html(built[0].read_text(encoding="utf-8"), "j19.lem1")
    assert '<code class="latex-source display"' in section
    assert r"\frac{ \operatorname{rank}(H) = T \left(" in section.replace("&#39;", "'")
    assert str(math_markup(r"\frac{a}{", pdf=True)).startswith("<code")
    assert str(math_markup(r"\notacommand x")).startswith("<code")


def test_sections_errata_environment_and_citation(built, ledger):
    html = built[0].read_text(encoding="utf-8")
    page = _parse(html)
    for key in ledger["papers"]:
        assert page.ids.get(f"paper-{key}") == "section"
    for ident in ("summary", "errata", "notes", "environment", "cite", "tightness-overview"):
        assert ident in page.ids, ident
    errata, notes = page.text_of("errata"), page.text_of("notes")
    assert "hm17.thm2.2" in errata and "k19.thm1" not in errata and "k22.thm1" not in errata
    assert "k19.thm1" in notes and "j19.lem1" in notes and "k22.thm1" not in notes
    environment = page.text_of("environment")
    for name, version in ledger["environment"]["packages"].items():
        assert name in environment and version in environment
    assert ledger["environment"]["git_commit"] in environment
    assert "{abs: 0.05, rel: 0.5}" in environment  # the run's tightness tolerance
    assert "report rendered with" in environment and "matplotlib" in environment
    assert "Identity Landscapes: an executable appendix" in page.text_of("cite")
    assert "@software{" in html


def test_plots_are_inline_svg_and_the_page_is_offline(built):
    html = built[0].read_text(encoding="utf-8")
    page = _parse(html)
    assert html.count("<svg") >= 2  # the tightness overview, the reproduction's curves
    assert all(url.startswith("#") for url in page.urls), page.urls
    assert not re.search(r"url\(\s*['\"]?https?:|@import|<link\b|<script\b", html)


def test_pdf_has_pages_and_every_claim_id(built, ledger):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(built[1]))
    assert len(reader.pages) >= 1
    text = re.sub(r"\s+", "", " ".join(p.extract_text() or "" for p in reader.pages))
    for claim in ledger["claims"]:
        assert claim["id"] in text, claim["id"]


def test_pdf_variant_draws_math_as_svg(ledger):
    html = render_html(ledger, pdf=True)
    assert "<math" not in html  # WeasyPrint does not render MathML
    assert html.count('class="math display" ') >= 4
    assert 'src="data:image/svg+xml;base64,' in html


def test_corrupt_ledger_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "ledger.json"
    bad.write_text("{ not json", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "reports", str(bad), "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "not valid JSON" in result.stderr
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("content, words", [
    ({"schema": "something-else/9", "claims": []}, "unknown schema"),
    ({"schema": "identity-landscapes-ledger/1"}, "'claims'"),
    ({"schema": "identity-landscapes-ledger/1", "claims": [{"id": "x", "verdict": "maybe"}]},
     "unknown verdict"),
    ([1, 2, 3], "not a JSON object"),
])
def test_unknown_schema_exits_2(tmp_path, capsys, content, words):
    bad = tmp_path / "ledger.json"
    bad.write_text(json.dumps(content), encoding="utf-8")
    assert main([str(bad), "--out", str(tmp_path), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_missing_ledger_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "absent.json"), "--out", str(tmp_path)]) == 2
    assert "cannot read ledger" in capsys.readouterr().err


def test_minimal_ledger_renders(tmp_path):
    minimal = {"schema": "identity-landscapes-ledger/1",
               "claims": [{"id": "k19.thm1", "paper": "k19", "verdict": "holds"}]}
    html_path, pdf_path = build_report(minimal, tmp_path, pdf=False)
    assert pdf_path is None and 'id="k19.thm1"' in html_path.read_text(encoding="utf-8")
    with pytest.raises(LedgerError):
        render_html({"schema": "identity-landscapes-ledger/1", "claims": [{"verdict": "holds"}]})


def test_synthetic_ledger_exercises_every_branch():
    ledger = synthetic_ledger(12, regressions=True)
    html = render_html(ledger)
    page = _parse(html)
    assert all(c["id"] in page.ids for c in ledger["claims"])
    assert "Regressions against the baseline" in html and "First failing instance" in html
    assert 'class="badge failed"' in html  # a control that did not see a violation
    visible = " ".join(page.visible)
    assert not RAW_COMMAND.search(visible)
    states = _Agreements()
    states.feed(html)
    assert {state for _, state in states.states} == {"agrees", "differs", "unstated"}


def test_missing_system_libraries_give_one_line(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': error 0x7e")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ReportError) as info:
        write_pdf("<p>x</p>", tmp_path / "x.pdf")
    message = str(info.value)
    assert "\n" not in message and "libpango-1.0-0" in message and "apt-get install" in message


def test_numbers_and_prose():
    assert fmt_number("nan") == "nan" and fmt_number("inf") == "inf"
    assert fmt_number(None) == "\u2014" and fmt_number(0.0123456) == "0.01235"
    assert fmt_number(3.1e-11) == "3.1\u00d710\u207b\u00b9\u00b9"
    assert str(prose_markup("a < b")) == "a &lt; b"
    assert "<math" in str(prose_markup(r"take $\tau<1$ here"))
    assert "<script>" not in str(prose_markup("<script>alert(1)</script>"))


def test_ledger_is_not_modified(ledger):
    before = copy.deepcopy(ledger)
    render_html(ledger)
    assert ledger == before


def test_reports_never_imports_checks_or_theory():
    for path in (ROOT / "reports").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(checks|theory)\b", source, re.M), path


def test_citation_cff_has_the_required_fields():
    cff = read_citation()
    assert cff["title"] == "Identity Landscapes: an executable appendix"
    assert cff["cff-version"] == "1.2.0" and cff["message"] and cff["authors"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])


def test_citation_cff_validates_against_the_schema():
    cffconvert = pytest.importorskip("cffconvert", reason="pip install cffconvert to validate")
    citation = cffconvert.Citation(CITATION_PATH.read_text(encoding="utf-8"))
    citation.validate()  # raises on a schema violation (CFF 1.2.0 JSON schema)
    cff = read_citation()
    assert citation.cffobj["title"] == cff["title"]
    assert citation.cffobj["version"] == cff["version"]
    assert citation.cffobj["authors"] == cff["authors"]


def _one_claim_ledger(**fields) -> dict:
    claim = {"id": "k19.thm1", "paper": "k19", "verdict": "holds", **fields}
    return {"schema": "identity-landscapes-ledger/1", "claims": [claim]}


def test_titles_typeset_their_dollar_math_and_plain_titles_stay_text():
    html = render_html(_one_claim_ledger(title=r"Gap $O(|T|^{-1/2})$ for <all> $\inf L$"))
    heading = html[html.index('<h3 class="claim-title"'):html.index('</h3>')]
    assert heading.count("<math") == 2 and "&lt;all&gt;" in heading and "$" not in heading
    plain = render_html(_one_claim_ledger(title="grad_w = H(w) grad_c"), pdf=True)
    assert "grad_w = H(w) grad_c" in plain


def test_named_operators_get_a_thin_space_before_an_operand_only():
    from reports.math import to_html_text, to_mathml

    assert "inf\u202f<i>L</i>" in to_html_text(r"\inf L")
    assert "rank(<i>H</i>)" in to_html_text(r"\operatorname{rank}(H)")
    assert "<mspace" in to_mathml(r"\min_{t} \mathcal L", True)
    assert "<munder><mi>min</mi>" in to_mathml(r"\min_{t} \mathcal L", True)


def test_reproduction_series_modes_styles_and_log_axes():
    from reports.plots import reproduction_figure

    rep = {"logx": True, "logy": True, "series": [
        {"label": "points", "mode": "markers", "x": [1, 10, 100], "y": [1, 2, 3]},
        {"label": "bound", "style": "dashed", "x": [1, 100], "y": [1, 3]},
        {"label": "dropped at x <= 0", "x": [0, -1], "y": [1, 1]}]}
    svg = reproduction_figure(rep)
    assert svg and "points" in svg and "bound" in svg
    assert "stroke-dasharray" in svg  # the dashed reference line
    assert "dropped at x &lt;= 0" not in svg  # nothing finite on the log axis: no legend entry
    assert reproduction_figure({"series": [{"label": "x", "x": [1], "y": ["nan"]}]}) is None
    floor = reproduction_figure({"logy": True, "ylim": [1e-20, 10], "series": [
        {"label": "zero stand-in", "x": [0, 1], "y": [1e-300, 1]}]})
    assert "10^{-20}" in floor and "10^{-300}" not in floor  # tick labels as mathtext source


def test_errata_are_grouped_by_paper_and_shared_entries_listed_once():
    ledger = synthetic_ledger(6)
    shared = "The proof drops a factor 1/2."
    for claim in ledger["claims"]:
        claim["errata"] = [{"kind": "paper error", "text": shared, "instance": None}]
    page = _parse(render_html(ledger))
    errata = page.text_of("errata")
    assert errata.count(shared) == len({c["paper"] for c in ledger["claims"]})
    assert all(c["id"] in errata for c in ledger["claims"])


def _entry_ledger(entries: list) -> dict:
    """A ledger whose every claim carries ``entries`` as its errata."""
    ledger = synthetic_ledger(4)
    for claim in ledger["claims"]:
        claim["errata"] = copy.deepcopy(entries)
    return ledger


def test_only_paper_errors_sit_under_errata_and_the_rest_under_notes_by_kind():
    texts = {kind: f"An entry of kind {kind}." for kind in
             ("paper error", "transcription", "interpretation", "method note")}
    ledger = _entry_ledger([{"kind": k, "text": t, "instance": None} for k, t in texts.items()])
    html = render_html(ledger)
    page = _parse(html)
    errata, notes = page.text_of("errata"), page.text_of("notes")
    assert texts["paper error"] in errata and texts["paper error"] not in notes
    for kind in ("transcription", "interpretation", "method note"):
        group = page.text_of("notes-" + kind.replace(" ", "-"))
        assert texts[kind] in group and texts[kind] not in errata, kind
        others = set(texts) - {kind}
        assert not any(texts[k] in group for k in others), kind
    notes_html = html[html.index('id="notes"'):html.index('id="environment"')]
    assert all(f'href="#{c["id"]}"' in notes_html for c in ledger["claims"])


def test_an_unlabelled_erratum_of_an_older_ledger_is_a_note_not_an_erratum():
    text = "A plain string from a ledger written before errata had kinds."
    page = _parse(render_html(_entry_ledger([text])))
    assert text not in page.text_of("errata")
    assert text in page.text_of("notes-unlabelled")


def test_a_paper_error_shows_its_counterexample_instance():
    ledger = _entry_ledger([{"kind": "paper error", "text": "False as printed.",
                             "instance": {"model": "sigmoid-product", "eta0": 0.5}}])
    errata = _parse(render_html(ledger)).text_of("errata")
    assert "Instance:" in errata and "sigmoid-product" in errata and "eta0" in errata


def test_the_report_names_no_internal_document():
    html = render_html(load_ledger(SMALL))
    visible = " ".join(_parse(html).visible).lower()
    for word in ("catalogue", "catalogued", "seed text", "seed file", ".md"):
        assert word not in visible, word


def test_html_and_pdf_embed_one_subset_math_font(ledger):
    html = render_html(ledger)
    assert "@font-face" in html and "data:font/woff2;base64," in html
    assert len(html) < 3_000_000
    printable = render_html(ledger, pdf=True)
    # the PDF's text formulas use the font its drawn formulas are drawn with (STIX Two Math)
    assert '@font-face { font-family: "Appendix Math"' in printable
    assert re.search(r'\.math-text \{ font-family: "Appendix Math"', printable)


def test_browser_mathml_writes_styled_letters_as_their_code_points():
    html = str(math_markup(r"\mathcal L(\theta) \in \mathbb R"))
    assert "\u2112" in html and "\u211d" in html  # MathML Core ignores mathvariant="script"
    assert 'mathvariant="script"' not in html
    pdf = str(math_markup(r"\mathcal L(\theta) \in \mathbb R", pdf=True))
    assert pdf.startswith('<span class="math-svg"><img')  # ziamath keeps the mathvariant


def test_a_negative_tightness_of_a_holding_claim_is_explained_as_rounding():
    html = render_html(_one_claim_ledger(tightness=-1.8e-15))
    assert "lies within the rounding tolerance" in html
    assert "A negative slack" not in render_html(_one_claim_ledger(tightness=0.25))


class _Agreements(HTMLParser):
    """Each element's ``data-agreement`` attribute, in document order, and every id."""

    def __init__(self) -> None:
        super().__init__()
        self.states: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-agreement" in attrs:
            self.states.append((attrs.get("id") or "", attrs["data-agreement"]))
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _reproduction_ledger() -> dict:
    reps = [
        {"name": "declared", "title": "recipe vs bound", "paper": "meets the bound",
         "ours": "1.16x the bound", "agreement": "differs",
         "agreement_reason": "the recipe exceeds the bound"},
        {"name": "silent", "title": "a figure", "paper": "a value", "ours": "our value"},
        {"name": "nothing", "title": "a rate", "ours": "a rate of ours"},
        {"name": "same", "title": "a table", "paper": "0.5", "ours": "0.5",
         "agreement": "agrees"},
    ]
    return _one_claim_ledger(reproductions=reps, errata=[
        {"kind": "paper error", "text": "The recipe of App. A misses the bound."}])


def test_each_reproduction_states_its_agreement_with_the_paper():
    html = render_html(_reproduction_ledger())
    page = _Agreements()
    page.feed(html)
    assert [state for _, state in page.states] == ["differs", "unstated", "no-paper-value",
                                                   "agrees"]
    section = _claim_html(html, "k19.thm1")
    assert "the recipe exceeds the bound" in section
    assert 'href="#erratum-k19.thm1"' in section and "erratum-k19.thm1" in page.ids
    # a paper value without the run's judgement is never shown as agreeing
    silent = section[section.index('data-agreement="unstated"'):]
    silent = silent[:silent.index("</div>")]
    assert "agreement with the paper not stated" in silent and "agrees with" not in silent


def test_the_summary_counts_reproductions_by_agreement_and_links_the_others():
    html = render_html(_reproduction_ledger())
    page = _parse(html)
    totals = page.text_of("reproduction-agreement")
    for words in ("4 reproductions", "1 agrees with the paper", "1 differs from the paper",
                  "1 no paper value to compare", "1 agreement with the paper not stated"):
        assert words in re.sub(r"\s+", " ", totals), words
    links = _Agreements()
    links.feed(html)
    for i in (0, 1, 2):  # every reproduction but the agreeing one is listed in the summary
        assert f"#k19.thm1-reproduction-{i}" in links.hrefs
    assert "#k19.thm1-reproduction-3" not in links.hrefs


def test_the_html_has_a_sidebar_contents_and_every_claim_links_back(ledger):
    html = render_html(ledger)
    page = _parse(html)
    assert page.ids.get("toc") == "nav"
    toc = page.text_of("toc")
    nav = html[html.index('<nav id="toc"'):html.index("</nav>")]
    for claim in ledger["claims"]:
        assert f'href="#{claim["id"]}"' in nav and claim["id"] in toc
        assert 'href="#toc"' in _claim_html(html, claim["id"])
    for key in ledger["papers"]:
        assert f'href="#paper-{key}"' in nav
    assert "@media screen and (min-width" in html  # the contents become a fixed sidebar


def test_a_narrow_screen_shows_the_summary_table_as_blocks_and_fits_wide_math(ledger):
    html = render_html(ledger)
    narrow = html[html.index("@media screen and (max-width"):]
    assert ".summary-table td { border: none" in narrow or "display: block" in narrow
    narrow = narrow[:narrow.index("@media print")]
    # the controls too: one block each, the result beside the name, never scrolled away
    assert "table.controls thead { display: none; }" in narrow
    assert re.search(r"table\.controls tr \{ display: flex;", narrow)
    assert 'data-label="tightness"' in html
    # a display formula carries its own width, so it scales to the column instead of clipping
    assert re.search(r'class="display-math" style="--fit: min\(1\.08em, calc\(100cqw / '
                     r'[0-9.]+\)\)"', html)
    assert "container-type: inline-size" in html


def test_plain_text_reads_formulas_linearly():
    from reports.math import plain_text

    assert plain_text(r"are $L^*(\eta Y^*)$-optimal") == "are L*(\u03b7Y*)-optimal"
    contracts = plain_text(r"$1-2\eta\,\sigma_L(H)^2\sigma_T(\Phi)^2$")
    assert "\u03c3_L(H)^2" in contracts and "\u03c3_T(\u03a6)^2" in contracts
    assert " \u2212 " in contracts and "$" not in contracts
    assert plain_text(r"$\frac{a}{b+c}$") == "a/(b + c)"
    assert plain_text(r"bad $\frac{a}{$ kept") == r"bad \frac{a}{ kept"


def test_diagnostics_are_a_table_not_a_printed_dictionary():
    verdict = {"status": "holds", "lhs": 1.0, "rhs": 2.0, "relation": "<=",
               "diagnostics": {"gram": {"cond": 12.5, "rank": 3}, "backend": "numpy"}}
    html = render_html(_one_claim_ledger(worst_verdict=verdict, tightness=0.5))
    table = html[html.index('<table class="kv diagnostics">'):]
    table = table[:table.index("</table>")]
    for name in ("gram.cond", "gram.rank", "backend"):
        assert f'<th class="mono">{name}</th>' in table
    assert "{" not in table


def test_prose_diagnostics_outside_reasons_and_certificates_are_typeset():
    """A diagnostic that is prose, the reason a control's instance lies outside the claim and
    the certificate of a control's violation carry formulas: they are typeset (MathML in the
    HTML), never shown as LaTeX source; numeric diagnostics stay data."""
    worst = {"status": "holds", "lhs": 1.0, "rhs": 2.0, "relation": "<=",
             "tolerance_derivation": r"$\sqrt{u}\,\|J\|$",
             "diagnostics": {"reason": r"$\|\nabla L\| = 10^{-9} \le 10^{-8}$", "rank": 3}}
    control = {"name": "wide", "drops": "dy<=dx", "description": "drops $d_y\\le d_x$",
               "expect": "violated", "passed": True, "counts": {"violated": 1},
               "outside": {"dy<=dx": r"$d_y = 3 > d_x = 1$"},
               "verdict": {"status": "violated", "lhs": 3.0, "rhs": 2.0, "relation": "<=",
                           "certificate": r"lhs $3$ and rhs $2$ are $1$ apart against $\le$"}}
    html = render_html(_one_claim_ledger(worst_verdict=worst, tightness=0.5,
                                         controls=[control]))
    for source in (r"\nabla", r"d_y = 3", r"apart against $", r"\sqrt{u}"):
        assert source not in html, source
    table = html[html.index('<table class="kv diagnostics">'):]
    table = table[:table.index("</table>")]
    assert "<math" in table and '<td class="mono">3</td>' in table
    assert "certified: lhs" in html and html.count("<math") >= 5


def test_parameter_names_are_written_as_the_papers_write_them():
    from reports.build import parameter_latex

    assert parameter_latex("d_theta") == r"d_{\theta}"
    assert parameter_latex("ell") == r"\ell" and parameter_latex("eps") == r"\varepsilon"
    assert parameter_latex("m_y") == "m_{y}" and parameter_latex("tau") == r"\tau"
    assert parameter_latex("T_set") == r"T_{\mathrm{set}}" and parameter_latex("loss") is None


def test_markdown_code_spans_in_prose_are_code():
    html = str(prose_markup("set `tau_max` to $\\tau<1$"))
    assert "<code>tau_max</code>" in html and "`" not in html and "<math" in html
    assert "<code>&lt;b&gt;</code>" in str(prose_markup("a `<b>` tag"))


def _outline(reader) -> list[tuple[int, str]]:
    """The PDF's bookmarks as (depth, title)."""
    out: list[tuple[int, str]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title))

    walk(reader.outline, 0)
    return out


def test_pdf_bookmarks_are_papers_and_claims_titled_in_plain_text(built, ledger):
    pypdf = pytest.importorskip("pypdf")
    outline = _outline(pypdf.PdfReader(str(built[1])))
    claims = {title.split(" \u2014 ")[0]: title for depth, title in outline if depth == 1}
    assert len(claims) == len(ledger["claims"])  # one per claim, no fixed subsections
    for claim in ledger["claims"]:
        assert claims[claim["id"]].endswith(f"({claim['verdict']})")
    top = [title for depth, title in outline if depth == 0]
    for meta in ledger["papers"].values():
        assert meta["title"] in top
    assert not any(title in ("Statement", "Hypotheses", "Verdict") for _, title in outline)
    math_title = render_html(_one_claim_ledger(title=r"are $L^*(\eta Y^*)$-optimal"), pdf=True)
    assert 'data-bookmark="k19.thm1 \u2014 are L*(\u03b7Y*)-optimal (holds)"' in math_title


def _pdftotext(pdf: Path, page: int | None = None) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=120).stdout


def test_pdf_has_a_printed_contents_page_with_page_numbers(built, ledger):
    contents = _pdftotext(built[1], 2)
    assert "Contents" in contents
    for claim in ledger["claims"]:
        found = re.search(re.escape(claim["id"]) + r"\b[^\d\n]*(\d+)", contents)
        assert found, claim["id"]
        # the number printed is the page the claim's heading is on
        assert f"{claim['id']} \u2014" in _pdftotext(built[1], int(found.group(1)))
    for words in ("Summary", "Errata", "Notes", "Environment"):
        assert re.search(words + r"\s+\d+", contents), words


def test_pdf_formulas_are_text_that_can_be_extracted(built):
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(str(built[1])).pages)
    # hm17.thm2.2's statement is drawn as an image with its plain reading laid over it
    assert "\u2016\u2207f(A)\u2016_F^2 \u2265 4\u2113(1 \u2212 \u03c4)^(2\u2113 \u2212 2)" in text


def test_tightness_is_one_overview_figure_and_its_sign_is_explained_beside_the_verdict():
    slacks = [0.3, 0.5, 0.25]
    html = render_html(_one_claim_ledger(tightness=0.25, slacks=slacks))
    article = _claim_html(html, "k19.thm1")
    assert "<svg" not in article  # no per-claim histogram: the summary's overview places it
    assert 'id="tightness-overview"' in html
    assert "A positive slack on a claim that holds is the room left" in article
    negative = _claim_html(render_html(_one_claim_ledger(tightness=-1e-16)), "k19.thm1")
    assert "lies within the rounding tolerance" in negative and "room left" not in negative


def test_nested_errata_lists_draw_one_bullet_per_entry():
    html = render_html(_one_claim_ledger(errata=[{"kind": "paper error", "text": "First."},
                                                 {"kind": "paper error", "text": "Second."}]))
    assert re.search(r"ul\.errata ul \{[^}]*list-style: none", html)
    errata = html[html.index('<section id="errata">'):html.index("</section>", html.index(
        '<section id="errata">'))]
    assert "<ul>" in errata  # the two entries of one claim are a nested list


def test_reproduction_table_headers_and_cells_typeset_their_math():
    rep = {"name": "t", "title": "margins", "paper": "p", "ours": "o",
           "table": {"columns": [r"$\min\|z_i-z_j\|$", "n"], "rows": [[r"$\rho$ = 0.5", 3]]}}
    html = render_html(_one_claim_ledger(reproductions=[rep]))
    table = _claim_html(html, "k19.thm1")
    table = table[table.index("<table><thead>"):]
    table = table[:table.index("</table>")]
    assert table.count("<math") == 2 and "$" not in table


def test_tex_format_writes_an_appendix_that_pdflatex_compiles_with_every_claim(tmp_path, ledger):
    assert main([str(SMALL), "--format", "tex", "--out", str(tmp_path)]) == 0
    appendix = (tmp_path / "appendix.tex").read_text(encoding="utf-8")
    assert r"\documentclass" not in appendix  # \input into an author's paper
    for claim in ledger["claims"]:
        assert f"replay {SMALL} {claim['id']}".replace("_", r"\_") in appendix
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (Debian package texlive-latex-base)")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "main.tex"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    text = re.sub(r"\s+", " ", _pdftotext(tmp_path / "main.pdf"))
    for claim in ledger["claims"]:
        assert claim["id"] in text, claim["id"]


def test_latex_text_escapes_specials_and_keeps_formulas_as_latex():
    from reports.latex import latex_prose, latex_text

    assert latex_text("50% of a_b & {x}") == r"50\% of a\_b \& \{x\}"
    assert latex_text("3.1\u00d710\u207b\u00b9\u00b9") == r"3.1$\times$10$^{-11}$"
    assert latex_text("\u03c3 \u2264 \u03a6") == r"$\sigma$ $\le$ $\Phi$"
    assert latex_prose(r"take $\tau<1$ and `tau_max`") == r"take $\tau<1$ and \texttt{tau\_max}"
    assert latex_prose(r"bad $\frac{a}{$ here") == r"bad \texttt{\textbackslash{}frac\{a\}\{} here"


def test_a_differing_reproduction_without_a_paper_error_links_its_note():
    ledger = _reproduction_ledger()
    ledger["claims"][0]["errata"] = [{"kind": "interpretation", "text": "Read as 4 layers."}]
    html = render_html(ledger)
    page = _Agreements()
    page.feed(html)
    assert 'href="#note-interpretation-k19.thm1">the note' in html
    assert "note-interpretation-k19.thm1" in page.ids


_PROBE = """<script>
window.addEventListener('load', () => {
  const root = document.documentElement, wide = [];
  document.querySelectorAll('.display-math').forEach(d => {
    if (d.scrollWidth > d.clientWidth + 1) wide.push(d.closest('[id]').id);
  });
  window.parent.document.body.setAttribute('data-probe', JSON.stringify(
    {page: root.scrollWidth - root.clientWidth, clipped: wide}));
});
</script>"""


def _probe(html_path: Path, width: int) -> dict:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium to lay the page out (Debian package chromium)")
    probe = html_path.with_name("probe.html")
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                     encoding="utf-8")
    frame = html_path.with_name(f"frame{width}.html")
    frame.write_text(f'<html><body><iframe src="probe.html" width="{width}" height="900">'
                     "</iframe></body></html>", encoding="utf-8")
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         "--disable-web-security", "--window-size=1400,900", "--virtual-time-budget=20000",
         "--dump-dom", frame.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert found, result.stderr[-500:]
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.mark.parametrize("width", [400, 1280])
def test_the_page_never_scrolls_sideways_and_display_math_fits(built, width):
    measured = _probe(built[0], width)
    assert measured["page"] <= 0, measured
    assert measured["clipped"] == [], measured


def test_parameter_names_in_sizes_are_typeset_as_the_papers_write_them():
    html = render_html(_one_claim_ledger(sizes={"d_theta": [1, 3], "sigma_min": [2, 2],
                                                "model": "relu"}))
    verdict = _claim_html(html, "k19.thm1")
    verdict = verdict[verdict.index("<h4>Verdict</h4>"):verdict.index("<h4>Tightness</h4>")]
    assert "d_theta" not in verdict and "sigma_min" not in verdict
    assert verdict.count("<math") == 2 and "&#x003B8;" in verdict  # theta as a subscript
    assert "model: relu" in verdict  # a word that is no symbol stays a word


def test_a_text_formula_of_the_pdf_has_no_break_opportunity_inside():
    from reports.math import to_html_text

    html = to_html_text(r"\min(d_x,d_y) \le n")
    assert html is not None and " " not in html.replace('<span class="math-text">', "")
    assert "\u2009" not in html  # a thin space is a break opportunity; U+202F is not


def test_the_summary_row_and_contents_flag_a_claim_whose_reproduction_differs():
    html = render_html(_reproduction_ledger())
    row = html[html.index('<table class="summary-table">'):]
    row = row[:row.index("</table>")]
    nav = html[html.index('<nav id="toc"'):html.index("</nav>")]
    for part in (row, nav):  # "differs" outranks the "unstated" of a sibling reproduction
        assert '<span class="flag differs"' in part and "flag unstated" not in part
    plain = render_html(_one_claim_ledger())
    assert 'class="flag' not in plain


def test_a_claim_heading_source_and_statement_never_part_at_a_page_foot():
    html = render_html(_one_claim_ledger(source="Theorem 1", statement=r"L \le 1"), pdf=True)
    head = html[html.index('<div class="claim-head">'):]
    head = head[:head.index("</div>\n")]
    assert 'class="claim-title"' in head and "Theorem 1" in head and "Statement" in head
    assert ".pdf .claim-head { break-inside: avoid; }" in html


def test_plot_labels_set_their_dollar_math_with_mathtext_and_keep_bad_math_as_text():
    from reports.plots import reproduction_figure

    rep = {"series": [{"label": r"$\|M_t-M_0\|_F^2$", "x": [1, 2], "y": [1, 2]}],
           "xlabel": r"depth $\ell$", "ylabel": r"broken $\frac{a}{$ label"}
    svg = reproduction_figure(rep)
    assert "depth" in svg and "\u2113" in svg and "\u2016" in svg  # mathtext drew them
    assert "broken $\\frac{a}{$ label" in svg  # unparsable math stays as its text
