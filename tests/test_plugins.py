"""Claim packages outside the repository (entry point group ``identity_landscapes.claims``):
registration, skipping of broken packages, ordering of papers, the ledger, and the example
package ``examples/external-appendix`` (Weyl's inequality) in-process and installed into a
fresh virtual environment."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from checks import registry
from checks.cli import main
from checks.framework import Status
from checks.inputs import BadInput
from checks.ledger import build_ledger, compare
from checks.papers import _meta
from checks.profiles import get_profile
from checks.runner import run_claim

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "external-appendix"
sys.path.insert(0, str(EXAMPLE / "src"))  # the example package, importable without installing

from external_appendix import appendix  # noqa: E402
from external_appendix.claims import CLAIM  # noqa: E402

# ------------------------------------------------------------------------- fake packages


@pytest.fixture
def fresh_registry(monkeypatch):
    """The registry as after the built-in papers alone; restored in place afterwards (the
    ledger holds a reference to ``PAPERS``)."""
    registry.all_claims()
    saved = (dict(registry._REGISTRY), set(registry._PLUGINS_SEEN), dict(_meta.PAPERS),
             list(_meta.PAPER_ORDER))
    for cid in [c for c, claim in registry._REGISTRY.items()
                if claim.paper not in _meta.BUILTIN_PAPERS]:
        del registry._REGISTRY[cid]
    for key in [k for k in _meta.PAPERS if k not in _meta.BUILTIN_PAPERS]:
        del _meta.PAPERS[key]
    _meta.PAPER_ORDER[:] = _meta.BUILTIN_PAPERS
    registry._PLUGINS_SEEN.clear()
    monkeypatch.setattr(registry, "_LOADED", False)
    yield
    for target, value in zip((registry._REGISTRY, registry._PLUGINS_SEEN, _meta.PAPERS),
                             saved[:3], strict=True):
        target.clear()
        target.update(value)
    _meta.PAPER_ORDER[:] = saved[3]


def install_fake(root: Path, dist: str, source: str, *, name: str = "example") -> None:
    """A distribution ``dist`` (a ``.dist-info`` directory) whose entry point ``name`` is
    ``<module>:appendix`` of a one-file module with ``source``."""
    module = dist.replace("-", "_")
    info = root / f"{dist}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\n{name} = {module}:appendix\n")
    (root / f"{module}.py").write_text(textwrap.dedent(source))


GOOD = """
    import dataclasses
    from checks.registry import Appendix, Paper
    from external_appendix.claims import CLAIM

    def appendix():
        paper = Paper({key!r}, "A title", "An Author", "A Venue 1, 2000", arxiv="2001.00001")
        return Appendix(paper, [dataclasses.replace(CLAIM, id=f"{key}.{{i}}", paper={key!r})
                                for i in {ids!r}])
"""


@pytest.fixture
def site(tmp_path, monkeypatch, fresh_registry):
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _load(expect_warnings: int = 0) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry.all_claims()
    messages = [str(w.message) for w in caught if issubclass(w.category, registry.PluginWarning)]
    assert len(messages) == expect_warnings, messages
    return messages


def _ids(prefix: str = "") -> list[str]:
    return [c.id for c in registry.all_claims(prefix)]


# ------------------------------------------------------------------------- registration


def test_an_entry_point_registers_its_claims_and_its_paper(site):
    install_fake(site, "weyl-appendix", """
        from external_appendix import appendix
    """)
    _load()
    assert _ids("example.") == ["example.weyl"]
    assert registry.get("example.weyl") is CLAIM
    paper = _meta.PAPERS["example"]
    assert paper["doi"] == appendix().paper.doi and paper["package"] == "weyl-appendix 0.1"
    assert _meta.PAPER_ORDER == [*_meta.BUILTIN_PAPERS, "example"]


def test_external_papers_follow_the_built_in_ones_ordered_by_key(site):
    # installed in the order zeta, alpha: listed alpha, zeta, after the four built-in papers
    install_fake(site, "a-zeta", GOOD.format(key="zeta", ids=["b", "a"]), name="zeta")
    install_fake(site, "b-alpha", GOOD.format(key="alpha", ids=["x"]), name="alpha")
    _load()
    assert _meta.PAPER_ORDER == [*_meta.BUILTIN_PAPERS, "alpha", "zeta"]
    assert list(_meta.PAPERS) == _meta.PAPER_ORDER
    ids = _ids()
    assert ids[-3:] == ["alpha.x", "zeta.a", "zeta.b"]
    assert {c.paper for c in registry.all_claims()[:-3]} == set(_meta.BUILTIN_PAPERS)


def test_loading_twice_registers_nothing_twice(site):
    install_fake(site, "weyl-appendix", "from external_appendix import appendix\n")
    _load()
    registry._LOADED = False
    _load(expect_warnings=0)
    assert _ids("example.") == ["example.weyl"]


OUTSIDE = """
    import dataclasses
    from checks.registry import Appendix, Paper
    from external_appendix.claims import CLAIM

    def appendix():
        paper = Paper("other", "A title", "An Author", "A Venue", doi="10.0000/other")
        return Appendix(paper, [dataclasses.replace(CLAIM, id="other.ok", paper="other"),
                                dataclasses.replace(CLAIM, paper="other")])
"""

ON_IMPORT = GOOD.replace("from external_appendix.claims import CLAIM", """
    from external_appendix.claims import CLAIM
    from checks.registry import register
    register(dataclasses.replace(CLAIM, id="sneaky.import", paper="sneaky"))""")

BROKEN = {
    "registers-on-import": ("on-import", ON_IMPORT.format(key="sneaky", ids=["a"]),
                            "registered sneaky.import on import"),
    "id-not-a-string": ("id-not-str", GOOD.format(key="bad", ids=["a"]).replace(
        'id=f"bad.{i}"', "id=7"), "malformed Appendix (AttributeError"),
    "import-error": ("import-fails", "raise ImportError('no module named nowhere')\n",
                     "cannot import import_fails:appendix (ImportError: no module named"),
    "not-callable": ("not-callable", "appendix = 3\n", "is a int, not a callable"),
    "raises": ("raises-inside", "def appendix():\n    raise RuntimeError('boom\\nsecond')\n",
               "appendix() raised RuntimeError: boom second"),
    "wrong-type": ("wrong-type", "def appendix():\n    return []\n", "not an Appendix"),
    "duplicate-id": ("duplicate-id", GOOD.format(key="dup", ids=["a", "a"]),
                     "duplicate claim id 'dup.a'"),
    "outside-prefix": ("outside-prefix", OUTSIDE,
                       "claim id 'example.weyl' is not under the prefix 'other.'"),
    "built-in-key": ("built-in-key", GOOD.format(key="k19", ids=["new"]),
                     "paper key 'k19' is already declared"),
    "no-doi": ("no-doi", GOOD.format(key="nodoi", ids=["a"]).replace(
        ', arxiv="2001.00001"', ""), "neither a DOI nor an arXiv id"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_package_is_skipped_with_one_line_naming_it(site, case):
    dist, source, reason = BROKEN[case]
    install_fake(site, dist, source)
    builtin = sorted(registry._REGISTRY)  # the fixture left the built-in claims alone
    (message,) = _load(expect_warnings=1)
    assert f"claim package {dist!r}" in message and "skipped" in message
    assert reason in message and "\n" not in message
    assert sorted(registry._REGISTRY) == builtin  # nothing of it registered, the rest all there
    assert {c.paper for c in registry.all_claims()} == set(_meta.BUILTIN_PAPERS)
    assert list(_meta.PAPERS) == list(_meta.BUILTIN_PAPERS)


def test_a_broken_package_leaves_the_others_and_checks_list_working(site, capsys):
    install_fake(site, "import-fails", "raise ImportError('gone')\n", name="broken")
    install_fake(site, "weyl-appendix", "from external_appendix import appendix\n")
    with pytest.warns(registry.PluginWarning, match="'import-fails'"):
        code = main(["list"])
    out = capsys.readouterr().out
    assert code == 0
    assert "example.weyl" in out and "k19.thm1" in out and "hm17.thm2.2" in out


def test_the_warning_prints_as_one_line(site):
    install_fake(site, "import-fails", "raise ImportError('gone')\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        registry.all_claims()
    (w,) = [w for w in caught if w.category is registry.PluginWarning]
    # what the default warnings.showwarning writes to stderr
    printed = warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)
    assert printed.count("\n") == 1 and "'import-fails'" in printed, printed


# ------------------------------------------------------------------------- the ledger


def test_the_ledger_cites_the_external_paper_and_no_internal_file(site):
    install_fake(site, "weyl-appendix", "from external_appendix import appendix\n")
    claims = registry.all_claims("example.")
    runs = [run_claim(c, get_profile("ci"), run_reproductions=False) for c in claims]
    ledger = build_ledger(claims, runs, get_profile("ci"), 0.0)
    assert list(ledger["papers"]) == ["example"]
    paper = ledger["papers"]["example"]
    expected = dataclasses.asdict(appendix().paper)
    assert {k: paper[k] for k in ("title", "authors", "venue", "doi")} == {
        k: expected[k] for k in ("title", "authors", "venue", "doi")}
    for meta in _meta.PAPERS.values():
        assert set(meta) <= set(_meta.PAPER_FIELDS)


def test_builtin_papers_carry_bibliographic_fields_only():
    for key in _meta.BUILTIN_PAPERS:
        assert set(_meta.PAPERS[key]) <= set(_meta.PAPER_FIELDS), key
        assert all(_meta.PAPERS[key][f] for f in ("title", "authors", "venue"))


def test_a_claim_absent_from_the_baseline_is_not_a_regression():
    baseline = json.loads((REPO / "reports" / "baseline.json").read_text())
    extra = {"id": "example.weyl", "verdict": "holds", "controls": [], "tightness": 0.0}
    ledger = {**baseline, "claims": [*baseline["claims"], extra]}
    assert compare(ledger, baseline) == []
    assert compare({**baseline, "claims": [extra]}, baseline, partial=True) == []


# ------------------------------------------------------------------------- the example claim


@settings(max_examples=25)
@given(CLAIM.strategy("ci"))
def test_weyl_holds_on_every_drawn_instance(inst):
    assert CLAIM.check(inst).status is Status.HOLDS


@settings(max_examples=25)
@given(CLAIM.edge_strategy("ci"))
def test_weyl_holds_on_edge_instances_and_relations_keep_the_verdict(inst):
    before = CLAIM.check(inst)
    assert before.status is Status.HOLDS, before
    rng = np.random.default_rng(0)
    for relation in CLAIM.relations:
        after = CLAIM.check(relation.transform(inst, rng))
        assert relation.disagreement(before, after) == ""


def test_weyl_is_tight_when_b_is_zero():
    A = np.array([[2.0, 1.0], [1.0, -1.0]])
    verdict = CLAIM.check({"A": A, "B": np.zeros((2, 2)), "i": 2, "j": 1})
    assert verdict.status is Status.HOLDS and verdict.slack == 0.0


def test_the_triangular_control_is_a_certified_violation_outside_symmetry():
    run = run_claim(CLAIM, get_profile("ci"), run_reproductions=False)
    (control,) = run.controls
    assert control.passed and control.outside == {"symmetric": "A and B not symmetric"}
    assert control.verdict["certificate"]
    assert -control.verdict["slack"] > 1e6 * control.verdict["tolerance"]


def test_a_non_symmetric_instance_is_out_of_scope_and_uncertified_eigenvalues_inconclusive():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    inst = {"A": rot, "B": np.eye(2), "i": 1, "j": 1}
    assert CLAIM.check(inst).status is Status.OUT_OF_SCOPE
    dropped = CLAIM.check(inst, drop="symmetric")
    assert dropped.status is Status.INCONCLUSIVE and "no certified eigenvalues" in dropped.message


def test_the_tolerance_bounds_the_distance_to_exact_eigenvalues():
    # diagonal matrices: the exact eigenvalues are the diagonal entries, sorted
    a, b = np.array([3.0, -1.0, 0.5]), np.array([0.25, 2.0, -4.0])
    verdict = CLAIM.check({"A": np.diag(a), "B": np.diag(b), "i": 2, "j": 1})
    exact_lhs = sorted(a + b, reverse=True)[1]
    exact_rhs = sorted(a, reverse=True)[1] + max(b)
    assert abs(verdict.lhs - exact_lhs) + abs(verdict.rhs - exact_rhs) <= verdict.tolerance
    assert verdict.tolerance > 0 and "eigvalsh" in verdict.tolerance_derivation


@pytest.mark.parametrize(("params", "words"), [
    ({"A": np.eye(2).tolist(), "B": np.eye(2).tolist(), "i": 2, "j": 2},
     "i + j - 1 = 3 exceeds n = 2"),
    ({"A": [[1.0, 0.0]], "B": [[1.0]], "i": 1, "j": 1}, "A: expected a square matrix"),
    ({"A": [[1.0]], "B": [[1.0, 2.0]], "i": 1, "j": 1}, "B: expected shape 1x1"),
    ({"A": [[1.0]], "B": [[1.0]], "i": 0, "j": 1}, "i: must lie in [1, 1]"),
])
def test_weyl_bad_input_is_one_line_naming_the_parameter(params, words):
    with pytest.raises(BadInput, match=None) as info:
        CLAIM.parse(params)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_the_laplacian_reproduction_meets_the_bound_from_the_closed_forms():
    table = CLAIM.reproductions[0].run("ci")["table"]
    assert table["rows"] and all(row[2] <= row[3] for row in table["rows"])


def test_weyl_is_inconclusive_when_the_sum_overflows():
    big = np.array([[1e308]])
    verdict = CLAIM.check({"A": big, "B": big, "i": 1, "j": 1})
    assert verdict.status is Status.INCONCLUSIVE and "overflows" in verdict.message


# ------------------------------------------------------------------------- a fresh environment


def _fresh_venv(root: Path) -> Path:
    """A virtual environment whose further packages (NumPy, Hypothesis, ...) come from this
    interpreter's ``sys.path`` through a ``.pth`` file: offline, and independent of whether
    this interpreter is itself a virtual environment (``--system-site-packages`` would only
    reach the base interpreter's)."""
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(root)
    python = root / "bin" / "python"
    here = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site_packages(python) / "_parent_env.pth").write_text("\n".join(here) + "\n")
    return python


def site_packages(python: Path) -> Path:
    """The ``site-packages`` directory of the environment of ``python``."""
    return Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())


def test_the_example_package_installs_into_a_fresh_environment_and_runs(tmp_path):
    if "MUTANT_UNDER_TEST" in os.environ:
        # under mutmut the project's modules are trampolines that read mutmut's configuration
        # from the working directory, which the fresh environment's runs do not have
        pytest.skip("a fresh environment cannot run mutmut's trampolines")
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("building offline (--no-build-isolation) needs setuptools installed here")
    python = _fresh_venv(tmp_path / "env")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", OPENBLAS_NUM_THREADS="1")

    def run(*args: str | Path, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                              env=env, cwd=cwd, timeout=300)

    pip = (python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation")
    done = run(*pip, "-e", REPO)
    if done.returncode and "bdist_wheel" in done.stdout + done.stderr:
        # setuptools < 70.1 builds (editable) wheels only with the 'wheel' package, which an
        # offline environment may lack; then install as an editable install does: a path entry
        # for the repository, and setuptools' own 'develop' for the example (on a copy, so
        # that no build files land in the repository)
        (site_packages(python) / "_appendix_repo.pth").write_text(f"{REPO}\n")
        example = shutil.copytree(EXAMPLE, tmp_path / "example",
                                  ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
        done = run(python, "-c", "from setuptools import setup; setup()", "develop",
                   "--no-deps", cwd=example)
    else:
        assert done.returncode == 0, done.stdout + done.stderr
        done = run(*pip, EXAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = run(python, "-m", "checks", "list", "--only", "example.")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[0] == "example.weyl" and "PluginWarning" not in listed.stderr
    out = tmp_path / "out"
    done = run(python, "-m", "checks", "run", "--only", "example.", "--no-report",
               "--out", out, "--profile", "ci")
    assert done.returncode == 0, done.stderr
    assert "new (not in the baseline): example.weyl" in done.stderr
    ledger = json.loads((out / "ledger.json").read_text())
    (entry,) = ledger["claims"]
    assert (entry["id"], entry["verdict"]) == ("example.weyl", "holds")
    assert all(c["passed"] for c in entry["controls"])
    assert ledger["papers"]["example"]["doi"] == "10.1007/BF01456804"
    assert ledger["papers"]["example"]["package"] == "external-appendix-example 0.1.0"
    assert ledger["regressions"] == [] and ledger["baseline"]["compared"]
    instance = tmp_path / "inst.json"
    instance.write_text(json.dumps({"claim": "example.weyl", "params": {
        "A": [[0.0, 2.0], [0.0, 0.0]], "B": [[0.0, 0.0], [2.0, 0.0]], "i": 1, "j": 1}}))
    verified = run(python, "-m", "checks", "verify", "example.weyl", "--instance", instance)
    assert verified.returncode == 4 and "symmetric" in verified.stdout  # out-of-scope
    tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE / "tests")
    assert tested.returncode == 0, tested.stdout  # the package's own tests, against the install

