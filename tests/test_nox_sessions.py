"""Every nox session starts from a fresh copy of the checkout and does a small piece of real
work, so a session that can no longer install or start fails the day it breaks.

Each test copies the files git knows (tracked, and untracked but not ignored: what a clone of
this working tree would hold) into a new folder and runs ``python -m nox -s SESSION -- ARGS``
there, with new virtualenvs. Slow (a minute or two each, mostly pip installing), so marked
``slow``; CI runs them as a step of their own (.ci/run). The ``tests`` and ``lowest``
sessions run the whole suite and are CI steps themselves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900  # seconds for one session, installs included
CLAIM = "hm17.eq2.3"  # a claim whose ci draws take seconds


def _fresh_copy(dest: Path) -> Path:
    """The checkout's tracked and untracked-but-not-ignored files, copied into ``dest``."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no way to tell a fresh clone's files")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():  # a file deleted but not yet committed is listed and absent
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _nox(repo: Path, session: str, *args: str) -> subprocess.CompletedProcess:
    pytest.importorskip("nox")  # the dev extra installs it
    # the copy's own code, not whatever PYTHONPATH points at
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    cmd = [sys.executable, "-m", "nox", "--no-color", "-s", session, "--", *args]
    run = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True,
                         timeout=TIMEOUT)
    tail = (run.stdout + run.stderr)[-8000:]
    assert run.returncode == 0, f"nox -s {session} failed:\n{tail}"
    return run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return _fresh_copy(tmp_path / "clone")


def test_theorems_session_runs_a_claim_and_report_session_renders_its_ledger(repo, tmp_path):
    out = tmp_path / "out"
    _nox(repo, "theorems", "--profile", "ci", "--only", CLAIM, "--no-report", "--out", str(out))
    ledger = json.loads((out / "ledger.json").read_text())
    assert [(c["id"], c["verdict"]) for c in ledger["claims"]] == [(CLAIM, "holds")]
    _nox(repo, "report", str(out / "ledger.json"))
    pages = {p.suffix for p in (repo / "reports" / "out").iterdir()}
    assert {".html", ".pdf"} <= pages


def test_bench_session_times_a_small_run(repo):
    run = _nox(repo, "bench", "--quick", "--gram-n", "20", "--rank-n", "65",
               "--autograd-n", "5", "--no-jax")
    assert "Session bench was successful" in run.stderr


def test_gpu_session_runs_the_gpu_tests_or_skips_them_with_their_reason(repo):
    run = _nox(repo, "gpu")
    if shutil.which("nvidia-smi") is None:
        assert re.search(r"\d+ skipped", run.stdout) and "SKIPPED" in run.stdout
        assert " failed" not in run.stdout and " error" not in run.stdout


def test_lint_session_checks_the_sources(repo):
    run = _nox(repo, "lint")
    assert "All checks passed" in run.stdout


def test_flakiness_session_compares_two_seeds(repo):
    _nox(repo, "flakiness", "1", "2", "--profile", "ci", "--only", CLAIM)
    for seed in ("1", "2"):
        ledger = json.loads((repo / "reports" / "flakiness" / f"seed-{seed}" / "ledger.json")
                            .read_text())
        assert [c["id"] for c in ledger["claims"]] == [CLAIM]


MUTATE_ONE_FILE = """[tool.mutmut]
source_paths = ["theory/numerics.py"]
also_copy = ["theory/", "checks/", "reports/", "scripts/", "CITATION.cff"]
pytest_add_cli_args_test_selection = ["tests/test_numerics.py"]
pytest_add_cli_args = ["-x", "-q", "-m", "not slow and not gpu"]
"""


def test_mutation_session_samples_tests_rechecks_and_scores(repo):
    """The whole chain (sample, mutmut, recheck in a fresh interpreter, summary) on one small
    module and the one test file that covers it: pyproject.toml's [tool.mutmut] is narrowed
    in the copy, the session is as committed."""
    pyproject = repo / "pyproject.toml"
    table = re.compile(r"^\[tool\.mutmut\]\n(?:(?!\[).*\n|\n)*", re.M)
    narrowed, count = table.subn(MUTATE_ONE_FILE, pyproject.read_text())
    assert count == 1
    pyproject.write_text(narrowed)
    run = _nox(repo, "mutation", "--sample", "1", "--per-file-min", "1")
    assert len(json.loads((repo / "mutants" / "sample.json").read_text())["names"]) == 1
    assert "mutation score: " in run.stdout


def test_lowest_session_installs_every_declared_minimum(repo):
    """The session installs each dependency of the runtime and of the dev and report extras
    at exactly the version pyproject.toml declares as its minimum, and runs tests there (here
    the backend's, which import array-api-compat's namespace checks); the whole suite at the
    minima is the session with no arguments."""
    _nox(repo, "lowest", "tests/test_backend.py")
    python = repo / ".nox" / "lowest" / "bin" / "python"
    version = "from importlib.metadata import version; import sys; print(version(sys.argv[1]))"
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [spec for extra in ("dev", "report")
                                       for spec in project["optional-dependencies"][extra]]
    for spec in specs:
        req = Requirement(spec)
        (minimum,) = [s.version for s in req.specifier if s.operator == ">="]
        installed = subprocess.run(
            [str(python), "-c", version, req.name],
            capture_output=True, text=True, check=True).stdout.strip()
        assert Requirement(f"{req.name}=={installed}").specifier.contains(minimum), req.name


def test_lock_session_reproduces_the_lock_under_its_own_constraints(repo):
    """`nox -s lock` resolves the project in a new virtualenv and writes what it installed;
    under the committed lock as constraints it writes the committed lock back, so the lock
    is complete (nothing the project installs is left free) and holds nothing else."""
    lock = repo / "requirements" / "lock.txt"
    committed = lock.read_text()
    _nox(repo, "lock", "-c", "requirements/lock.txt")
    assert lock.read_text() == committed
