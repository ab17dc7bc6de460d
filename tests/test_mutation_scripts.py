"""The mutation-testing scripts of ``scripts/mutation/``: the sample is proportional, and fresh
on request; the recheck applies a survivor's diff where it belongs and picks the tests to run;
both the recheck and the summary stop with one line when there is no sample to read."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts" / "mutation"


def _module(name="sample"):
    import sys

    sys.path.insert(0, str(SCRIPTS))  # recheck.py imports summary.py
    try:
        spec = importlib.util.spec_from_file_location(f"mutation_{name}", SCRIPTS / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(SCRIPTS))
    return mod


POPULATION = {"a.py": [f"a{i}" for i in range(300)], "b.py": [f"b{i}" for i in range(100)],
              "c.py": ["c0", "c1"]}


def test_sample_is_proportional_with_a_floor_per_file():
    names = _module().stratified_sample(POPULATION, 40, 3, seed=1)
    by_file = {f: sum(n[0] == f[0] for n in names) for f in POPULATION}
    assert by_file == {"a.py": 30, "b.py": 10, "c.py": 2}  # 40 * 3/4, 40 * 1/4, all of c
    assert len(set(names)) == len(names)


def test_an_excluded_sample_is_never_drawn_again():
    mod = _module()
    first = mod.stratified_sample(POPULATION, 40, 3, seed=1)
    second = mod.stratified_sample(POPULATION, 40, 3, seed=1, exclude=frozenset(first))
    assert not set(first) & set(second)
    assert sum(n.startswith("a") for n in second) == 30  # shares come from the population
    assert sum(n.startswith("c") for n in second) == 0  # c has nothing fresh left


METHOD_DIFF = """--- pkg/shape.py
+++ pkg/shape.py
@@ -1,3 +1,3 @@
 def w_slice(self) -> slice:
     \"\"\"Coordinates of W.\"\"\"
-    return slice(0, self.d_y * self.d_x)
+    return slice(0, self.d_y / self.d_x)
"""


def test_recheck_applies_a_method_mutant_inside_its_class():
    """mutmut shows a method's diff dedented; the recheck finds it at its class indentation
    and changes that method only."""
    source = ("class Shape:\n    def w_slice(self) -> slice:\n"
              '        """Coordinates of W."""\n        return slice(0, self.d_y * self.d_x)\n')
    mutated = _module("recheck")._apply(source, METHOD_DIFF)
    assert mutated == source.replace("self.d_y * self.d_x", "self.d_y / self.d_x")
    assert _module("recheck")._apply("x = 1\n", METHOD_DIFF) is None


def test_recheck_runs_the_golden_tests_for_claim_modules(monkeypatch):
    """A claim module's controls and strategies are built when the registry imports it, so
    the recheck also runs the golden replay tests for checks/papers and checks/strategies
    modules, besides the test files that name the module; not for other modules."""
    monkeypatch.chdir(SCRIPTS.parent.parent)
    recheck = _module("recheck")
    papers = recheck.test_files("checks.papers.j19_disparity")
    assert "tests/test_replay.py" in papers and "tests/test_j19_disparity.py" in papers
    assert "tests/test_prose.py" in papers  # a claim's text is built at import too
    assert "tests/test_replay.py" in recheck.test_files("checks.strategies.k19_pgb")
    assert "tests/test_replay.py" not in recheck.test_files("theory.fourier")


def _run_script(name, *args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, str(SCRIPTS / f"{name}.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_recheck_stops_with_one_line_when_no_sample_was_written(tmp_path):
    """When scripts/mutation/sample.py failed before drawing, mutants/sample.json is missing:
    the recheck says so in one line and exits non-zero, without a traceback."""
    run = _run_script("recheck", "--sample", "mutants/sample.json", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.strip() == ("mutants/sample.json was not written: "
                                  "scripts/mutation/sample.py failed before drawing a sample "
                                  "(its output above says why)")


def test_summary_stops_with_one_line_on_a_missing_or_corrupt_sample(tmp_path):
    meta = tmp_path / "mutants" / "theory" / "x.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text('{"exit_code_by_key": {"theory.x.x_f__mutmut_1": 0}}')
    run = _run_script("summary", "--sample", "mutants/sample.json", cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        "mutants/sample.json was not written: scripts/mutation/sample.py failed before "
        "drawing a sample (its output above says why)"]
    (tmp_path / "mutants" / "sample.json").write_text("{")
    run = _run_script("summary", "--sample", "mutants/sample.json", cwd=tmp_path)
    assert run.returncode == 1 and len(run.stderr.strip().splitlines()) == 1
    assert run.stderr.startswith("mutants/sample.json is not a sample file (JSONDecodeError")


def test_mutmut_copies_every_file_and_folder_the_tests_read():
    """mutmut runs the suite inside ``mutants/``, which holds the mutated sources, ``tests/``,
    ``pyproject.toml`` and what ``also_copy`` names: a folder or file the tests read through the
    repository root and that is not copied fails the statistics run, so no sample can start
    (``examples/`` was missing once: tests/test_plugins.py imports the example package from
    it). ``.git`` is read only by the slow nox-session tests, which mutmut does not run."""
    import re
    import tomllib

    root = SCRIPTS.parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    copied = {p.rstrip("/") for p in config["source_paths"] + config["also_copy"]}
    copied |= {"tests", "pyproject.toml"}
    read = set()
    for test in (root / "tests").glob("*.py"):
        read |= set(re.findall(r'(?:ROOT|REPO) / "([^"]+)"', test.read_text(encoding="utf-8")))
    assert read - copied - {".git"} == set()


def test_conftest_imports_no_mutated_code_at_import():
    """mutmut's forced-failure run makes every function of ``checks/`` and ``theory/`` raise;
    an exception while ``tests/conftest.py`` is imported is a pytest usage error (exit code 4)
    that stops mutmut before any mutant is tested. So the conftest imports those packages only
    inside its hooks, never at module level."""
    import ast

    tree = ast.parse((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in top if isinstance(n, ast.ImportFrom) and n.module]
    assert not [m for m in names if m.split(".")[0] in ("checks", "theory")]


def test_recheck_selects_the_mutated_papers_golden_and_prose_tests_and_every_other_test():
    """The ``-k`` expression keeps every test outside the golden files and, inside them, the
    tests parametrised by the mutated paper's claim ids; a module every paper uses runs all."""
    select = _module("recheck").golden_selection
    files = ["tests/test_j19_disparity.py", "tests/test_prose.py", "tests/test_replay.py"]
    assert select("j19", files) == ["-k", "not (test_prose or test_replay) or j19"]
    assert select("j19", ["tests/test_j19_disparity.py"]) == []
    assert select(None, files) == []


def test_recheck_limits_the_golden_tests_to_the_mutated_paper():
    """A claim or strategy module can only change its own paper's golden tests, so the
    recheck selects those (``-k``); a module every paper uses keeps all of them."""
    paper_of = _module("recheck").paper_of
    assert paper_of("checks.papers.j19_disparity._common") == "j19"
    assert paper_of("checks.papers.hm17_relu.section3") == "hm17"
    assert paper_of("checks.strategies.k19_pgb") == "k19"
    assert paper_of("checks.strategies.linalg") is None
    assert paper_of("checks.papers._meta") is None
    assert paper_of("theory.linalg") is None
