"""Ledgers and baselines of :mod:`checks.ledger`: the environment a run records, the file format,
loading, and the regression rules against a baseline."""

from __future__ import annotations

import copy
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import types
from importlib import metadata
from pathlib import Path

import pytest
from toy_claims import AMGM

from checks import ledger
from checks.framework import (
    Claim,
    decide_flag,
)
from checks.ledger import (
    CorruptLedger,
    build_ledger,
    compare,
    environment,
    load_ledger,
    write_ledger,
)
from checks.profiles import get_profile
from checks.runner import ClaimRun, run_claim


@pytest.fixture(scope="module")
def ci_ledger():
    profile = get_profile("ci")
    run = run_claim(AMGM, profile)
    return build_ledger([AMGM], [run], profile, run.seconds)


def test_ledger_round_trip(ci_ledger, tmp_path):
    path = tmp_path / "ledger.json"
    write_ledger(ci_ledger, path)
    again = load_ledger(path)
    assert again["claims"][0]["id"] == "toy.amgm"
    assert again["summary"]["controls_passed"] == 2
    assert again["environment"]["packages"]["numpy"]
    assert compare(again, ci_ledger) == []


def test_compare_detects_regressions(ci_ledger):
    flipped = copy.deepcopy(ci_ledger)
    flipped["claims"][0]["verdict"] = "violated"
    assert any("verdict" in p for p in compare(flipped, ci_ledger))
    lost = copy.deepcopy(ci_ledger)
    lost["claims"][0]["controls"][0]["passed"] = False
    assert any("control" in p for p in compare(lost, ci_ledger))
    moved = copy.deepcopy(ci_ledger)
    moved["claims"][0]["tightness"] = (ci_ledger["claims"][0]["tightness"] or 0) + 1.0
    assert any("tightness" in p for p in compare(moved, ci_ledger))
    gone = copy.deepcopy(ci_ledger)
    gone["claims"] = []
    assert any("not in this run" in p for p in compare(gone, ci_ledger))
    assert compare(gone, ci_ledger, partial=True) == []


@pytest.mark.parametrize(
    "text", ["", "{", "[]", json.dumps({"schema": "other"}),
             json.dumps({"schema": "identity-landscapes-ledger/1", "claims": [{"id": 1}]})],
)
def test_corrupt_ledger(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CorruptLedger):
        load_ledger(path)


def test_tightness_compared_only_for_the_same_draws(ci_ledger):
    moved = copy.deepcopy(ci_ledger)
    moved["claims"][0]["tightness"] = (ci_ledger["claims"][0]["tightness"] or 0) + 1.0
    other_seed = copy.deepcopy(moved)
    other_seed["seed"] = ci_ledger["seed"] + 1
    assert compare(other_seed, ci_ledger) == []
    other_version = copy.deepcopy(moved)
    other_version["environment"]["packages"]["hypothesis"] = "0.0.0"
    assert compare(other_version, ci_ledger) == []
    other_version["claims"][0]["verdict"] = "violated"
    assert any("verdict" in p for p in compare(other_version, ci_ledger))


ROOT = Path(__file__).resolve().parent.parent


def _git_here(*args):
    return subprocess.run(["git", *args], cwd=ROOT / "checks", capture_output=True, text=True)


def _in_git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    return _git_here("rev-parse", "HEAD").returncode == 0


needs_git = pytest.mark.skipif(not _in_git_checkout(), reason="not a git checkout")


def _answer_git(monkeypatch, answer):
    """``subprocess.run`` where the command is git: ``answer(args)`` gives the finished process
    (or raises); any other command runs as usual."""
    real_run = subprocess.run

    def run(cmd, *args, **kwargs):
        if cmd[0] != "git":
            return real_run(cmd, *args, **kwargs)
        return answer(cmd[1:])

    monkeypatch.setattr(subprocess, "run", run)


def _git_says(stdout: str, returncode: int = 0):
    return lambda args: subprocess.CompletedProcess(["git", *args], returncode, stdout, "")


@needs_git
def test_environment_reads_git_in_the_package_directory(tmp_path, monkeypatch):
    """The commit a ledger records is the package's, whatever the working directory."""
    monkeypatch.chdir(tmp_path)  # not a repository
    env = environment(get_profile("ci"))
    assert env["git_commit"] == _git_here("rev-parse", "HEAD").stdout.strip()


def _git_missing(args):
    raise FileNotFoundError("git")


def _git_hangs(args):
    raise subprocess.TimeoutExpired(["git", *args], 10)


@pytest.mark.parametrize("answer", [_git_missing, _git_hangs, _git_says("", returncode=128)],
                         ids=["missing", "timeout", "not-a-repository"])
def test_environment_without_git_records_no_commit(monkeypatch, answer):
    """Without a usable git (none installed, no answer in time, not a repository) the commit
    and the dirty flag are unknown (``None``), never an error and never a guess."""
    _answer_git(monkeypatch, answer)
    env = environment(get_profile("ci"))
    assert env["git_commit"] is None and env["git_dirty"] is None


def test_environment_records_this_process_platform_and_packages(monkeypatch):
    """The recorded platform and package versions are this process's; a package that is not
    installed is left out of ``packages``."""
    installed = metadata.version

    def version(name):
        if name == "scipy":
            raise metadata.PackageNotFoundError(name)
        return installed(name)

    monkeypatch.setattr(metadata, "version", version)
    env = environment(get_profile("ci"), backend="numpy")
    assert env["python"] == platform.python_version()
    assert env["platform"] == platform.platform() and env["machine"] == platform.machine()
    assert env["cpu"] == (platform.processor() or platform.machine())
    assert "scipy" not in env["packages"] and env["packages"]["numpy"] == installed("numpy")
    assert all(v == installed(k) for k, v in env["packages"].items())
    assert (env["profile"], env["seed"], env["backend"]) == (
        "ci", get_profile("ci").seed, "numpy")
    assert set(env) == {"python", "platform", "machine", "cpu", "cpu_model", "blas_threads",
                        "gpu", "backend", "packages", "git_commit", "git_dirty", "profile",
                        "seed"}


@pytest.mark.parametrize(("variables", "threads"), [
    ({"OPENBLAS_NUM_THREADS": "1"}, 1), ({"OMP_NUM_THREADS": "3"}, 3),
    ({"OPENBLAS_NUM_THREADS": "junk", "MKL_NUM_THREADS": "2"}, 2),
    ({"OPENBLAS_NUM_THREADS": "0"}, None),
])
def test_blas_threads_reads_the_environment(monkeypatch, variables, threads):
    """The BLAS thread count a ledger records: the first valid variable, else one per core."""

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    for var, value in variables.items():
        monkeypatch.setenv(var, value)
    assert ledger.blas_threads() == (threads or os.cpu_count() or 1)


def test_cpu_model_is_the_processor_name():
    """The model name comes from /proc/cpuinfo where there is one; never empty."""

    name = ledger.cpu_model()
    info = Path("/proc/cpuinfo")
    if info.exists() and "model name" in info.read_text():
        assert name in info.read_text()
    assert name


@needs_git
def test_environment_git_fields():
    env = environment(get_profile("ci"))
    assert env["git_commit"] == _git_here("rev-parse", "HEAD").stdout.strip()
    assert env["git_dirty"] is bool(_git_here("status", "--porcelain").stdout.strip())


def test_write_ledger_format(tmp_path):
    data = {"schema": ledger.SCHEMA, "b": 1, "a": [1.5]}
    path = tmp_path / "deep" / "er" / "ledger.json"
    write_ledger(data, path)
    assert path.read_text() == json.dumps(data, indent=1) + "\n"
    assert list(json.loads(path.read_text())) == ["schema", "b", "a"]  # order kept
    with pytest.raises(ValueError):
        write_ledger({"x": math.nan}, tmp_path / "nan.json")


def _ledger_text(claims):
    return json.dumps({"schema": ledger.SCHEMA, "claims": claims})


@pytest.mark.parametrize(("text", "message"), [
    (None, "no such ledger file"),
    ("{", "not valid JSON (Expecting property name"),
    ("[1]", "not a ledger of schema 'identity-landscapes-ledger/1' (found 'list')"),
    ('{"schema": "v0"}', "(found 'v0')"),
    (_ledger_text([{"id": "a"}]), "'claims' must be a list of objects with 'id' and 'verdict'"),
    (_ledger_text([{"verdict": "holds"}]), "'claims' must be a list"),
    (_ledger_text({"id": "a"}), "'claims' must be a list"),
    (json.dumps({"schema": ledger.SCHEMA}), "'claims' must be a list"),
])
def test_load_ledger_messages(tmp_path, text, message):
    path = tmp_path / "ledger.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(CorruptLedger) as info:
        load_ledger(path)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)


def test_load_ledger_accepts_a_minimal_ledger(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text(_ledger_text([{"id": "a", "verdict": "holds"}]))
    assert load_ledger(str(path))["claims"] == [{"id": "a", "verdict": "holds"}]


@pytest.mark.parametrize(("new", "old", "moved"), [
    (None, None, False), (None, 0.1, True), (0.1, None, True),
    (math.inf, math.inf, False), ("nan", "nan", False), ("nan", 0.1, True),
    (1.0, 1.0, False), (1.0, 0.5, False), (1.0, 0.4, True), (-1.0, 1.0, True),
])
def test_compare_reports_a_tightness_that_appears_vanishes_or_moves(new, old, moved):
    """``compare`` reports a tightness that appeared, vanished, or moved by more than the
    tolerance; non-finite values (inf, the JSON string "nan") only when they change."""
    assert _tightness_moved(new, old, {"abs": 0.5, "rel": 0.0}) is moved


def test_compare_tightness_tolerance_has_a_relative_part():
    """The tolerance is ``abs + rel |baseline|``."""
    tol = {"abs": 0.1, "rel": 0.5}
    assert not _tightness_moved(1.5, 1.0, tol)   # 0.5 <= 0.1 + 0.5 * 1
    assert _tightness_moved(1.7, 1.0, tol)
    assert not _tightness_moved(-1.5, -1.0, tol)  # |old| on the right


def _tightness_moved(new, old, tol) -> bool:
    """Whether ``compare`` reports a tightness regression between two runs of the same draws
    (neither names a profile, seed or environment) that differ in one claim's tightness."""
    base = {"claims": [_entry("a", tightness=old)], "tightness_tolerance": tol}
    problems = compare({"claims": [_entry("a", tightness=new)]}, base)
    assert all(p.startswith("a: tightness ") for p in problems)
    return bool(problems)


def _entry(cid, verdict="holds", tightness=0.5, controls=None):
    entry = {"id": cid, "verdict": verdict, "tightness": tightness}
    if controls is not None:
        entry["controls"] = controls
    return entry


def test_compare_uses_the_baselines_tolerance():
    base = {"claims": [_entry("a", tightness=0.5)], "tightness_tolerance": {"abs": 10, "rel": 0}}
    assert compare({"claims": [_entry("a", tightness=5.0)]}, base) == []
    del base["tightness_tolerance"]  # the default: 0.05 + 0.5 |baseline|
    assert compare({"claims": [_entry("a", tightness=0.79)]}, base) == []
    assert compare({"claims": [_entry("a", tightness=5.0)]}, base) == [
        "a: tightness 0.5 -> 5.0 (tolerance 0.05 + 0.5 x |baseline|)"]


def test_compare_messages_and_partial_runs():
    base = {"claims": [_entry("gone"), _entry("b", controls=[{"name": "c1", "passed": True},
                                                             {"name": "c2", "passed": False}])]}
    run = {"claims": [_entry("b", verdict="violated", controls=[{"name": "c2", "passed": True}])]}
    expected = ["b: verdict holds -> violated", "b: control c1 no longer shows the failure"]
    assert compare(run, base, partial=True) == expected
    assert compare(run, base) == ["gone: in the baseline but not in this run", *expected]
    failed = copy.deepcopy(run)
    failed["claims"][0]["controls"] = [{"name": "c1", "passed": False}]
    assert "b: control c1 no longer shows the failure" in compare(failed, base)


def test_compare_without_controls_keys():
    assert compare({"claims": [_entry("a")]}, {"claims": [_entry("a")]}) == []
    base = {"claims": [_entry("a", controls=[{"name": "c", "passed": True}])]}
    assert compare({"claims": [_entry("a")]}, base) == ["a: control c no longer shows the failure"]


def test_environment_gpu_name_from_cupy(monkeypatch):
    """The ``gpu`` a ledger records is device 0's name from CuPy (bytes or str), ``None``
    where CuPy cannot be imported."""

    asked = []

    def props(name):
        def get(device):
            asked.append(device)
            return {"name": name}
        return get

    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(
        getDeviceProperties=props(b"NVIDIA H100"))))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    ci = get_profile("ci")
    assert environment(ci)["gpu"] == "NVIDIA H100" and asked == [0]
    fake.cuda.runtime.getDeviceProperties = props("H200")
    assert environment(ci)["gpu"] == "H200"
    monkeypatch.setitem(sys.modules, "cupy", None)  # import fails: CPU only
    assert environment(ci)["gpu"] is None


def test_claim_metadata_is_what_a_report_states():
    meta = ledger.claim_metadata(AMGM)
    assert meta == {
        "id": "toy.amgm", "paper": "hm17", "source": "folklore", "title": "AM-GM",
        "statement": AMGM.statement,
        "hypotheses": [{"name": "nonneg", "statement": r"a, b \ge 0"}],
        "decides": "", "errata": [],
    }


@pytest.fixture(scope="module")
def amgm_ledger():
    profile = get_profile("ci")
    run = run_claim(AMGM, profile)
    return run, ledger.build_ledger([AMGM], [run], profile, 1.25, backend="cupy")


def test_build_ledger_structure(amgm_ledger):
    run, led = amgm_ledger
    assert list(led) == ["schema", "created", "profile", "seed", "environment", "papers",
                         "summary", "tightness_tolerance", "claims", "regressions", "baseline"]
    assert (led["schema"], led["profile"], led["seed"]) == (
        ledger.SCHEMA, "ci", get_profile("ci").seed)
    assert led["created"].endswith("+00:00") and len(led["created"]) == 25  # UTC, seconds
    assert led["environment"]["backend"] == "cupy"
    assert led["papers"] == {"hm17": ledger.PAPERS["hm17"]}
    assert led["summary"] == {"claims": 1, "holds": 1, "violated": 0, "inconclusive": 0,
                              "out-of-scope": 0, "error": 0, "controls": 2,
                              "controls_passed": 2, "relation_checks": 0,
                              "relation_disagreements": 0, "replayed": 0,
                              "replay_differences": 0, "seconds": 1.25}
    assert led["tightness_tolerance"] == ledger.TIGHTNESS_TOLERANCE
    assert led["regressions"] == [] and led["baseline"] == {"path": None, "compared": False}
    entry = led["claims"][0]
    assert entry["id"] == "toy.amgm" and entry["statement"] == AMGM.statement
    assert entry["verdict"] == run.verdict and [c["name"] for c in entry["controls"]] == [
        "negative", "negative-search"]
    assert entry["controls"][0]["passed"] is True


def test_build_ledger_default_backend_and_counts():
    def fake_run(cid, verdict):
        return ClaimRun(id=cid, verdict=verdict, counts={}, instances=0, sizes={},
                        tightness=None, worst_instance=None, worst_verdict=None,
                        first_failure=None, slacks=[], controls=[], reproductions=[],
                        seconds=0.0)

    claims = [AMGM, AMGM, AMGM]
    runs = [fake_run("a", "violated"), fake_run("b", "out-of-scope"), fake_run("c", "violated")]
    led = ledger.build_ledger(claims, runs, get_profile("ci"), 0.0)
    assert led["environment"]["backend"] == "numpy"
    s = led["summary"]
    assert (s["holds"], s["violated"], s["out-of-scope"], s["inconclusive"]) == (0, 2, 1, 0)
    with pytest.raises(ValueError):
        ledger.build_ledger(claims, runs[:2], get_profile("ci"), 0.0)


def test_build_ledger_orders_papers_in_the_paper_order(monkeypatch):
    keys = list(ledger.PAPERS)
    if len(keys) < 2:
        pytest.skip("needs two papers")
    claims = [Claim(id=f"x.{k}", paper=k, source="s", title="t", statement="s",
                    measure=lambda i: decide_flag(True), parse=dict,
                    strategy=lambda p: None) for k in reversed(keys)]
    runs = [ClaimRun(id=c.id, verdict="holds", counts={}, instances=0, sizes={},
                     tightness=None, worst_instance=None, worst_verdict=None,
                     first_failure=None, slacks=[], controls=[], reproductions=[], seconds=0.0)
            for c in claims]
    assert list(ledger.build_ledger(claims, runs, get_profile("ci"), 0.0)["papers"]) == keys


def test_environment_defaults_and_dirty_flag(monkeypatch):
    """The default backend is NumPy; the commit is git's answer stripped, and the checkout is
    dirty exactly when ``git status --porcelain`` lists something."""
    _answer_git(monkeypatch, lambda args: _git_says(
        " M file.py\n" if args[0] == "status" else "abc\n")(args))
    env = environment(get_profile("ci"))
    assert env["backend"] == "numpy" and env["git_dirty"] is True and env["git_commit"] == "abc"
    _answer_git(monkeypatch, _git_says(""))
    assert environment(get_profile("ci"))["git_dirty"] is False


def test_same_machine_recognises_this_machine():
    """A ledger whose environment is this process's own (``environment``) was recorded here;
    a different version of any of NumPy, SciPy or autograd makes it another machine."""
    here = {"environment": environment(get_profile("ci"))}
    assert ledger.same_machine(here)
    for package in ("numpy", "scipy", "autograd"):
        env = copy.deepcopy(here)
        env["environment"]["packages"][package] = "0.0.0"
        assert not ledger.same_machine(env)
