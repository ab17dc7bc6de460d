"""Framework checks that mutation testing showed were missing.

Each test pins a behaviour of ``checks/framework.py``, ``inputs.py``, ``ledger.py``,
``runner.py`` or ``serialise.py`` that a surviving mutant changed without any test noticing:
exact verdict fields, messages users read, inclusive bounds, defaults, the ledger's file format,
and the regression rules against a baseline.
"""

from __future__ import annotations

import copy
import json
import math
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from toy_claims import AMGM

from checks import inputs, ledger
from checks.framework import (
    Claim,
    Control,
    Hypothesis,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_equal,
    decide_flag,
    out_of_scope,
)
from checks.inputs import BadInput, integer, matrices, matrix, real, require, vector
from checks.ledger import CorruptLedger, compare, environment, load_ledger, write_ledger
from checks.profiles import get_profile
from checks.serialise import to_jsonable

ROOT = Path(__file__).resolve().parent.parent
TOL = Tolerance(1e-12, "test tolerance")


# ------------------------------------------------------------------ framework.py

@pytest.mark.parametrize(("ok", "status", "slack"), [
    (True, Status.HOLDS, 1.0), (False, Status.VIOLATED, -1.0), (None, Status.INCONCLUSIVE, None),
])
def test_decide_flag_fields(ok, status, slack):
    v = decide_flag(ok)
    assert (v.status, v.relation, v.slack, v.relative_slack) == (status, "certified", slack, slack)
    assert (v.tolerance, v.tolerance_derivation, v.message, v.diagnostics) == (None, "", "", {})
    assert (v.lhs, v.rhs) == (None, None)


def test_decide_flag_passes_tolerance_message_and_diagnostics():
    diagnostics = {"rank": 3}
    v = decide_flag(False, message="rank drops", diagnostics=diagnostics,
                    tolerance=Tolerance(0.25, "u n"))
    assert (v.tolerance, v.tolerance_derivation, v.message) == (0.25, "u n", "rank drops")
    assert v.diagnostics == {"rank": 3} and v.diagnostics is not diagnostics


def test_out_of_scope_fields():
    v = out_of_scope("tau >= 1", tau=1.5)
    assert (v.status, v.message, v.diagnostics) == (Status.OUT_OF_SCOPE, "tau >= 1", {"tau": 1.5})
    assert (v.slack, v.relative_slack, v.tolerance) == (None, None, None)


def test_decide_records_every_field():
    v = decide(1.0, 3.0, relation="<=", tolerance=Tolerance(0.5, "half"), scale=4.0,
               diagnostics={"k": 1}, message="note")
    assert (v.status, v.lhs, v.rhs, v.relation) == (Status.HOLDS, 1.0, 3.0, "<=")
    assert (v.slack, v.relative_slack, v.tolerance) == (2.0, 0.5, 0.5)
    assert (v.tolerance_derivation, v.message, v.diagnostics) == ("half", "note", {"k": 1})


def test_decide_boundaries():
    # slack exactly -tolerance still holds; just below is violated
    assert decide(1.5, 1.0, tolerance=Tolerance(0.5, "x"), scale=100.0).status is Status.HOLDS
    assert decide(1.5, 1.0, tolerance=Tolerance(0.49, "x"), scale=100.0).status \
        is Status.VIOLATED
    # the inconclusive switch is at tolerance > inconclusive_above * scale (strict)
    assert decide(1.0, 1.0, tolerance=Tolerance(0.5, "x"), scale=1.0).status is Status.HOLDS
    assert decide(1.0, 1.0, tolerance=Tolerance(0.51, "x"), scale=1.0).status \
        is Status.INCONCLUSIVE
    assert decide(1.0, 1.0, tolerance=Tolerance(0.3, "x"), scale=1.0,
                  inconclusive_above=0.25).status is Status.INCONCLUSIVE


def test_decide_default_scale_and_messages():
    v = decide(-4.0, 2.0, tolerance=TOL)
    assert v.relative_slack == 6.0 / 4.0  # scale = max(|lhs|, |rhs|)
    assert v.message == ""
    w = decide(1e-20, 2e-20, tolerance=Tolerance(1e-16, "r"))
    assert w.message == "the tolerance is not small against the scale of the sides"
    assert decide(1e-20, 2e-20, tolerance=Tolerance(1e-16, "r"), message="m").message == "m"


def test_decide_zero_sides_use_the_smallest_normal_scale():
    v = decide(0.0, 0.0, tolerance=Tolerance(0.0, "exact"))
    assert v.status is Status.HOLDS and v.relative_slack == 0.0


@pytest.mark.parametrize("lhs", [math.inf, -math.inf, math.nan])
def test_decide_non_finite_fields(lhs):
    v = decide(lhs, 1.0, relation=">=", tolerance=Tolerance(0.5, "t"), diagnostics={"a": 1})
    assert v.status is Status.INCONCLUSIVE and v.relation == ">="
    assert (v.slack, v.relative_slack, v.tolerance, v.tolerance_derivation) == (
        None, None, 0.5, "t")
    assert v.message == "a side of the conclusion is not finite (overflow at this scale)"
    assert v.diagnostics == {"a": 1}
    assert v.rhs == 1.0
    assert decide(1.0, lhs, tolerance=TOL).status is Status.INCONCLUSIVE


def test_decide_names_an_overflowed_tolerance():
    """Finite sides with an infinite tolerance (a bound that overflowed): inconclusive, and the
    message blames the tolerance, not the sides."""
    v = decide(1.0, 2.0, tolerance=Tolerance(math.inf, "t"))
    assert v.status is Status.INCONCLUSIVE and v.slack is None
    assert v.message == "the tolerance is not finite (overflow at this scale)"


def test_decide_equal_is_two_sided():
    assert decide_equal(1.0, 1.0 + 1e-13, tolerance=TOL).status is Status.HOLDS
    v = decide_equal(2.0, 1.0, tolerance=TOL)
    assert v.status is Status.VIOLATED and v.relation == "==" and v.slack == -1.0
    assert decide_equal(1.0, 2.0, tolerance=TOL).slack == -1.0


def test_tolerance_zero_is_allowed_and_negative_is_not():
    assert Tolerance(0.0, "exact").value == 0.0
    assert not Tolerance(math.nan, "x").finite and not Tolerance(math.inf, "x").finite
    with pytest.raises(ValueError, match=r"-1\.0"):
        Tolerance(-1.0, "x")


def test_verdict_to_json_uses_status_strings():
    out = decide(1.0, 2.0, tolerance=TOL).to_json()
    assert out["status"] == "holds" and isinstance(out["status"], str)
    assert json.loads(json.dumps(out)) == out


def test_claim_control_lookup():
    assert AMGM.control("negative-search").name == "negative-search"
    assert AMGM.control("negative").name == "negative"
    with pytest.raises(KeyError, match="claim toy.amgm has no control 'nope'"):
        AMGM.control("nope")


def _claim(**kw):
    base = dict(id="toy.two", paper="hm17", source="s", title="t", statement="x",
                measure=lambda inst: decide_flag(True), parse=lambda p: dict(p),
                strategy=lambda profile: None)
    base.update(kw)
    return Claim(**base)


def test_unmet_hypotheses_reasons_and_skip():
    claim = _claim(hypotheses=[
        Hypothesis("pos", "a > 0", lambda i: i["a"] > 0 or "a is not positive"),
        Hypothesis("small", "a < 1", lambda i: i["a"] < 1),
        Hypothesis("quiet", "b", lambda i: ""),
    ])
    assert claim.unmet_hypotheses({"a": -1}) == [
        "pos: a is not positive", "quiet: not met"]
    assert claim.unmet_hypotheses({"a": 2}) == ["small: not met", "quiet: not met"]
    assert claim.unmet_hypotheses({"a": 2}, frozenset({"small", "quiet"})) == []
    v = claim.check({"a": -1}, drop="quiet")
    assert v.status is Status.OUT_OF_SCOPE and v.message == "pos: a is not positive"


def test_check_records_time_and_size():
    claim = _claim(size=lambda i: {"n": 3.0})
    v = claim.check({})
    assert v.status is Status.HOLDS and v.seconds >= 0 and v.diagnostics["size"] == {"n": 3.0}
    assert "size" not in _claim().check({}).diagnostics


def test_control_fixed_instances_accepts_callables():
    assert list(Control("c", "h", "d", instances=lambda: [{"a": 1}]).fixed_instances()) == [
        {"a": 1}]
    assert list(Control("c", "h", "d", instances=[{"a": 2}]).fixed_instances()) == [{"a": 2}]
    assert Control("c", "h", "d").expect is Status.VIOLATED


def test_verdict_defaults():
    v = Verdict(Status.HOLDS)
    assert (v.lhs, v.rhs, v.relation, v.slack, v.message, v.diagnostics, v.seconds) == (
        None, None, "", None, "", {}, 0.0)


# ------------------------------------------------------------------ inputs.py

def test_require_messages():
    with pytest.raises(BadInput, match=r"^params must be a JSON object, got list$"):
        require([1], "a")
    with pytest.raises(BadInput, match=r"^missing parameter\(s\): a, c$"):
        require({"b": 1}, "a", "b", "c")


@pytest.mark.parametrize("fn", [
    lambda p: matrix(p, "x"), lambda p: vector(p, "x"), lambda p: matrices(p, "x"),
    lambda p: real(p, "x"), lambda p: integer(p, "x"),
])
def test_every_reader_reports_a_missing_parameter(fn):
    with pytest.raises(BadInput, match=r"^missing parameter\(s\): x$"):
        fn({"y": 1})


@pytest.mark.parametrize(("value", "message"), [
    (None, "x: expected a 2-d array of numbers, got NoneType"),
    ("ab", "x: expected a 2-d array of numbers, got str"),
    ({"a": 1}, "x: expected a 2-d array of numbers, got dict"),
    ([[1, "a"]], "x: not an array of numbers (ValueError)"),
    ([1.0, 2.0], "x: expected a 2-d array, got shape (2,)"),
    ([[]], "x: empty array"),
    ([[1.0, math.inf]], "x: contains NaN or infinity"),
])
def test_array_messages(value, message):
    with pytest.raises(BadInput) as info:
        matrix({"x": value}, "x")
    assert str(info.value) == message


def test_arrays_are_float64_copies_of_integers():
    arr = matrix({"x": [[1, 2], [3, 4]]}, "x")
    assert arr.dtype == np.float64 and arr.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert vector({"v": [1, 2]}, "v").dtype == np.float64


def test_entry_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_ENTRIES", 4)
    assert matrix({"x": [[1, 2], [3, 4]]}, "x").size == 4
    with pytest.raises(BadInput) as info:
        matrix({"x": [[1, 2, 3], [4, 5, 6]]}, "x")
    assert str(info.value) == "x: 6 entries exceeds the limit of 4"


def test_shape_messages():
    with pytest.raises(BadInput) as info:
        matrix({"R": [[1.0] * 3] * 3}, "R", (2, None))
    assert str(info.value) == "R: expected shape 2x?, got 3x3"
    assert matrix({"R": [[1.0] * 3] * 2}, "R", (2, None)).shape == (2, 3)
    with pytest.raises(BadInput) as info:
        matrix({"R": [[1.0, 2.0]]}, "R", square=True)
    assert str(info.value) == "R: expected a square matrix, got shape (1, 2)"
    with pytest.raises(BadInput) as info:
        vector({"v": [1.0, 2.0]}, "v", 3)
    assert str(info.value) == "v: expected shape 3, got 2"
    assert vector({"v": [1.0, 2.0, 5.0]}, "v").shape == (3,)


def test_matrices_messages_and_shapes():
    with pytest.raises(BadInput) as info:
        matrices({"A": "abc"}, "A")
    assert str(info.value) == "A: expected a list of at least 1 matrices"
    with pytest.raises(BadInput, match="at least 2 matrices"):
        matrices({"A": [[[1.0]]]}, "A", min_count=2)
    assert len(matrices({"A": [[[1.0]], [[2.0]]]}, "A", min_count=2)) == 2
    with pytest.raises(BadInput) as info:
        matrices({"A": [[[1.0, 2.0]]]}, "A", (2, 2))
    assert str(info.value) == "A[0]: expected shape 2x2, got 1x2"
    with pytest.raises(BadInput) as info:
        matrices({"A": [[[1.0]], [[1.0, 2.0]]]}, "A")
    assert str(info.value) == "A[1]: shape (1, 2) differs from A[0]'s (1, 1)"
    mats = matrices({"A": ([[1, 2]], [[3, 4]])}, "A")
    assert [m.tolist() for m in mats] == [[[1.0, 2.0]], [[3.0, 4.0]]]


def test_real_defaults_bounds_and_messages():
    assert real({"x": 2.0}, "x", default=1.0) == 2.0
    assert real({}, "x", default=1.5) == 1.5 and isinstance(real({}, "x", default=1), float)
    assert real({"x": 1.0}, "x", lo=1.0, hi=1.0) == 1.0  # both bounds inclusive
    assert real({"x": np.float32(0.5)}, "x") == 0.5 and real({"x": 3}, "x") == 3.0
    with pytest.raises(BadInput) as info:
        real({"x": "1"}, "x")
    assert str(info.value) == "x: expected a number, got str"
    with pytest.raises(BadInput) as info:
        real({"x": math.nan}, "x")
    assert str(info.value) == "x: must be finite, got nan"
    with pytest.raises(BadInput) as info:
        real({"x": 2.0}, "x", lo=0.0, hi=1.0)
    assert str(info.value) == "x: must lie in [0.0, 1.0], got 2.0"


def test_integer_defaults_bounds_and_messages():
    assert integer({"n": 3.0}, "n") == 3 and isinstance(integer({"n": 3.0}, "n"), int)
    assert integer({"n": np.int64(7)}, "n") == 7
    assert integer({"n": 5}, "n", default=2) == 5 and integer({}, "n", default=2) == 2
    assert integer({"n": 4}, "n", lo=4, hi=4) == 4  # both bounds inclusive
    for value, message in [
        (True, "n: expected an integer, got bool"),
        ("3", "n: expected an integer, got str"),
        (None, "n: expected an integer, got NoneType"),
        (1.5, "n: expected an integer, got 1.5"),
    ]:
        with pytest.raises(BadInput) as info:
            integer({"n": value}, "n")
        assert str(info.value) == message
    with pytest.raises(BadInput) as info:
        integer({"n": 5}, "n", lo=0, hi=4)
    assert str(info.value) == "n: must lie in [0, 4], got 5"


# ------------------------------------------------------------------ serialise.py

def test_to_jsonable_conversions():
    import enum

    class Colour(enum.Enum):
        RED = "red"

    out = to_jsonable({
        1: (np.float64(0.1), np.int32(3), np.bool_(True), Colour.RED),
        "arr": np.array([[1.5, math.inf], [-math.inf, math.nan]]),
        "plain": [None, "s", 2, False],
    })
    assert out == {"1": [0.1, 3, True, "red"], "arr": [[1.5, "inf"], ["-inf", "nan"]],
                   "plain": [None, "s", 2, False]}
    assert type(out["1"][1]) is int and type(out["1"][2]) is bool
    assert to_jsonable(Status.HOLDS) == "holds"
    assert to_jsonable(np.float32(0.5)) == 0.5 and type(to_jsonable(np.float32(0.5))) is float


def test_to_jsonable_array_like_with_get():
    class FakeDeviceArray:
        def __array__(self):
            return np.array([1.0])

        def get(self):
            return np.array([2.0, math.inf])

    assert to_jsonable(FakeDeviceArray()) == [2.0, "inf"]

    class OnlyGet:
        def get(self):
            return 1

    thing = OnlyGet()
    assert to_jsonable(thing) is thing


# ------------------------------------------------------------------ ledger.py

def _git_here(*args):
    return subprocess.run(["git", *args], cwd=ROOT / "checks", capture_output=True, text=True)


def _in_git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    return _git_here("rev-parse", "HEAD").returncode == 0


needs_git = pytest.mark.skipif(not _in_git_checkout(), reason="not a git checkout")


@needs_git
def test_git_helper_runs_in_the_package_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a repository: the helper must not depend on the cwd
    assert ledger._git("rev-parse", "HEAD") == _git_here("rev-parse", "HEAD").stdout.strip()
    assert ledger._git("no-such-subcommand-xyz") is None


def test_git_helper_without_git(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", missing)
    assert ledger._git("status") is None


def test_environment_fields(monkeypatch):
    monkeypatch.setattr(ledger, "_PACKAGES", ("no-such-package-xyz", "numpy", "cupy-none-xyz"))
    env = environment(get_profile("ci"), backend="numpy")
    assert env["python"] == platform.python_version()
    assert env["platform"] == platform.platform() and env["machine"] == platform.machine()
    assert env["cpu"] == (platform.processor() or platform.machine())
    assert env["packages"] == {"numpy": metadata.version("numpy")}
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
    import os

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    for var, value in variables.items():
        monkeypatch.setenv(var, value)
    assert ledger.blas_threads() == (threads or os.cpu_count() or 1)


def test_cpu_model_is_the_processor_name():
    """The model name comes from /proc/cpuinfo where there is one; never empty."""
    from pathlib import Path

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


def test_environment_git_unknown(monkeypatch):
    monkeypatch.setattr(ledger, "_git", lambda *a: None)
    env = environment(get_profile("ci"))
    assert env["git_commit"] is None and env["git_dirty"] is None


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
def test_tightness_moved(new, old, moved):
    assert ledger._tightness_moved(new, old, {"abs": 0.5, "rel": 0.0}) is moved


def test_tightness_moved_relative_part():
    tol = {"abs": 0.1, "rel": 0.5}
    assert not ledger._tightness_moved(1.5, 1.0, tol)   # 0.5 <= 0.1 + 0.5 * 1
    assert ledger._tightness_moved(1.7, 1.0, tol)
    assert not ledger._tightness_moved(-1.5, -1.0, tol)  # |old| on the right


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


def test_gpu_name_from_cupy(monkeypatch):
    import sys
    import types

    asked = []

    def props(name):
        def get(device):
            asked.append(device)
            return {"name": name}
        return get

    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(
        getDeviceProperties=props(b"NVIDIA H100"))))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert ledger._gpu_name() == "NVIDIA H100" and asked == [0]
    fake.cuda.runtime.getDeviceProperties = props("H200")
    assert ledger._gpu_name() == "H200"
    monkeypatch.setitem(sys.modules, "cupy", None)  # import fails: CPU only
    assert ledger._gpu_name() is None


def test_claim_metadata_fields():
    meta = ledger.claim_metadata(AMGM)
    assert meta == {
        "id": "toy.amgm", "paper": "hm17", "source": "folklore", "title": "AM-GM",
        "statement": AMGM.statement,
        "hypotheses": [{"name": "nonneg", "statement": r"a, b \ge 0"}],
        "decides": "", "errata": [],
    }


@pytest.fixture(scope="module")
def amgm_ledger():
    from checks.runner import run_claim

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
    from checks.runner import ClaimRun

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
    from checks.runner import ClaimRun

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


# ------------------------------------------------------------------ runner.py

def _verdict(status, rel, size=None):
    v = Verdict(status, relative_slack=rel)
    if size is not None:
        v.diagnostics["size"] = size
    return v


def test_tally_counts_sizes_failures_and_worst():
    from checks.runner import _Tally

    t = _Tally()
    assert t.first_failure is None and t.worst is None
    assert t.add({"i": 1}, _verdict(Status.HOLDS, 0.5, {"n": 3})) == -0.5
    assert t.add({"i": 2}, _verdict(Status.HOLDS, 0.25, {"n": 1})) == -0.25
    assert t.add({"i": 3}, _verdict(Status.HOLDS, 0.25, {"n": 7})) == -0.25
    assert t.add({"i": 4}, _verdict(Status.INCONCLUSIVE, None)) == -math.inf
    assert t.add({"i": 5}, _verdict(Status.HOLDS, math.nan)) == -math.inf
    assert t.first_failure is None
    assert t.add({"i": 6}, _verdict(Status.OUT_OF_SCOPE, None)) == -math.inf
    assert t.add({"i": 7}, _verdict(Status.VIOLATED, -0.5)) == 0.5
    assert t.counts == {"holds": 4, "inconclusive": 1, "out-of-scope": 1, "violated": 1}
    assert t.sizes == {"n": [1, 7]}
    assert t.slacks == [0.5, 0.25, 0.25]
    assert t.worst[0] == 0.25 and t.worst[1] == {"i": 2}  # the first of equal minima is kept
    assert t.first_failure["instance"] == {"i": 6}
    assert t.first_failure["verdict"]["status"] == "out-of-scope"
    assert set(t.first_failure) == {"instance", "verdict"}


def test_tally_violated_is_a_first_failure_and_not_a_worst():
    from checks.runner import _Tally

    t = _Tally()
    t.add({"i": 1}, _verdict(Status.VIOLATED, -2.0))
    t.add({"i": 2}, _verdict(Status.VIOLATED, -3.0))
    assert t.first_failure["instance"] == {"i": 1} and t.worst is None and t.slacks == []


def _toy_claim(**kw):
    from hypothesis import strategies as st

    seen = {}

    def strategy(profile):
        seen["profile"] = profile
        return st.integers(0, 50).map(lambda j: {"k": 2 * j})

    def run(profile):
        seen["reproduction"] = profile
        return {"title": "toy", "table": {"columns": ["k"], "rows": [[1]]}}

    claim = Claim(
        id="toy.runner", paper="hm17", source="s", title="t", statement="s",
        measure=lambda i: decide(float(i["k"]), 100.0, tolerance=Tolerance(0.0, "exact"),
                                 scale=100.0),
        parse=dict, strategy=strategy, max_examples={"ci": 7, "dev": 3},
        hypotheses=[Hypothesis("even", "k even", lambda i: i["k"] % 2 == 0 or "k is odd")],
        controls=kw.pop("controls", None) or [Control("over", "even", "k > 100",
                                                      instances=[{"k": 101}])],
        reproductions=[kw.pop("reproduction", None) or Reproduction("rep", "a toy table", run)],
        size=lambda i: {"k": float(i["k"])}, **kw)
    return claim, seen


def test_run_claim_uses_the_profile_everywhere():
    from checks.runner import run_claim

    claim, seen = _toy_claim()
    messages = []
    run = run_claim(claim, get_profile("ci"), progress=messages.append)
    assert seen == {"profile": "ci", "reproduction": "ci"}
    assert run.instances == 7 and run.counts["holds"] == 7
    assert messages == ["toy.runner: control over", "toy.runner: reproduction rep"]
    assert run.reproductions == [{"title": "toy", "table": {"columns": ["k"], "rows": [[1]]},
                                  "name": "rep", "description": "a toy table"}]
    assert run.controls[0].passed and run.controls[0].instance == {"k": 101}
    assert run.sizes["k"][0] <= run.sizes["k"][1]
    assert run.slacks == sorted(run.slacks) and run.tightness == run.slacks[0]


def test_run_claim_switches():
    from checks.runner import run_claim

    claim, seen = _toy_claim()
    run = run_claim(claim, get_profile("ci"), run_controls=False, run_reproductions=False)
    assert run.controls == [] and run.reproductions == [] and "reproduction" not in seen
    default = run_claim(_toy_claim()[0], get_profile("ci"))
    assert len(default.reproductions) == 1 and len(default.controls) == 1


def test_run_claim_keeps_the_reproductions_own_name():
    from checks.runner import run_claim

    rep = Reproduction("rep", "desc", lambda p: {"title": "x", "name": "own",
                                                   "description": "own desc"})
    claim, _ = _toy_claim(reproduction=rep)
    out = run_claim(claim, get_profile("ci"), run_controls=False).reproductions[0]
    assert (out["name"], out["description"]) == ("own", "own desc")


def test_claim_run_to_json_has_controls():
    from checks.runner import run_claim

    out = run_claim(_toy_claim()[0], get_profile("ci")).to_json()
    assert out["controls"][0]["name"] == "over" and out["controls"][0]["passed"] is True
    assert out["id"] == "toy.runner" and out["verdict"] == "holds"


def test_settings_of_a_run():
    import hypothesis
    from hypothesis import HealthCheck, Phase

    from checks.runner import _settings

    s = _settings(get_profile("ci"), 5, False)
    assert (s.max_examples, s.deadline, s.database) == (5, None, None)
    assert tuple(s.phases) == (Phase.explicit, Phase.reuse, Phase.generate)
    assert set(s.suppress_health_check) == set(HealthCheck)
    assert s.print_blob is False and s.verbosity == hypothesis.Verbosity.quiet
    t = _settings(get_profile("dev"), 9, True)
    assert Phase.target in t.phases and t.max_examples == 9


def test_random_profiles_are_seeded():
    import dataclasses

    from hypothesis import strategies as st

    from checks.runner import sample_instances

    dev = get_profile("dev")
    ints = st.integers(0, 2**60)
    first = list(sample_instances(ints, dev, 8))
    assert first == list(sample_instances(ints, dev, 8))  # the profile's seed fixes the draws
    other = list(sample_instances(ints, dataclasses.replace(dev, seed=dev.seed + 1), 8))
    assert other != first


def test_run_control_counts_and_fields():
    from hypothesis import strategies as st

    from checks.runner import run_control

    claim, _ = _toy_claim()
    ctl = Control("mixed", "even", "two holds then a violation",
                  instances=[{"k": 1}, {"k": 2}, {"k": 151}, {"k": 161}])
    out = run_control(claim, ctl, get_profile("ci"))
    assert out.passed and out.instance == {"k": 151} and out.verdict["status"] == "violated"
    assert out.outside == {"even": "k is odd"}
    assert out.counts == {"holds": 2, "violated": 1, "inconclusive": 0, "out-of-scope": 0}
    assert (out.name, out.drops, out.description, out.expect) == (
        "mixed", "even", "two holds then a violation", "violated")
    searched = run_control(claim, Control("search", "even", "drawn", strategy=st.builds(
        lambda j: {"k": 2 * j + 1}, st.integers(50, 100))), get_profile("ci"))
    assert searched.passed and searched.counts["violated"] == 1
    assert sum(searched.counts.values()) == 1  # nothing is counted after the first find
    missed = run_control(claim, Control("never", "even", "no violation",
                                        instances=[{"k": 3}]), get_profile("ci"))
    assert not missed.passed and missed.instance is None and missed.verdict is None
    assert missed.outside is None and missed.counts["holds"] == 1


def test_a_failure_inside_the_hypotheses_does_not_pass_a_control():
    """A violation on an instance that meets the dropped hypothesis is a counterexample to the
    claim, not a demonstration that the hypothesis is needed: the control does not pass."""
    from checks.runner import run_control

    claim, _ = _toy_claim()
    inside = run_control(claim, Control("inside", "even", "k = 150 is even",
                                        instances=[{"k": 150}, {"k": 152}]), get_profile("ci"))
    assert not inside.passed and inside.instance is None and inside.outside is None
    assert inside.counts["violated"] == 2


def test_a_control_must_drop_a_hypothesis_of_its_claim():
    with pytest.raises(ValueError, match=r"control 'c' drops 'odd', which is not one of its "
                                         r"hypotheses \['even'\]"):
        _toy_claim(controls=[Control("c", "odd", "d", instances=[{"k": 1}])])


def test_run_control_expecting_inconclusive():
    from checks.runner import run_control

    claim, _ = _toy_claim()
    ctl = Control("flag", "even", "expects holds", instances=[{"k": 5}], expect=Status.HOLDS)
    out = run_control(claim, ctl, get_profile("ci"))
    assert out.passed and out.expect == "holds"


# ------------------------------------------------------------------ second round of survivors

def test_decide_greater_equal_slack_and_non_finite_sides():
    v = decide(3.0, 1.0, relation=">=", tolerance=TOL, scale=4.0)
    assert v.slack == 2.0 and v.relative_slack == 0.5
    w = decide(math.inf, 1.0, tolerance=TOL)
    assert w.lhs == math.inf and w.rhs == 1.0


def test_decide_equal_passes_keywords():
    v = decide_equal(1.0, 1.0, tolerance=TOL, scale=8.0, message="m", diagnostics={"d": 1})
    assert (v.message, v.diagnostics) == ("m", {"d": 1})


def test_unmet_hypotheses_after_a_skipped_one():
    claim = _claim(hypotheses=[
        Hypothesis("first", "", lambda i: False),
        Hypothesis("second", "", lambda i: "no"),
    ])
    assert claim.unmet_hypotheses({}, frozenset({"first"})) == ["second: no"]
    v = claim.check({})
    assert v.message == "first: not met; second: no"
    assert 0 <= v.seconds < 60


def test_to_json_keys_are_the_fields():
    import dataclasses

    from checks.runner import ClaimRun, run_claim

    out = decide(1.0, 2.0, tolerance=TOL).to_json()
    assert set(out) == {f.name for f in dataclasses.fields(Verdict)}
    run = run_claim(_toy_claim()[0], get_profile("ci"))
    assert set(run.to_json()) == {f.name for f in dataclasses.fields(ClaimRun)}
    assert 0 <= run.seconds < 60


def test_environment_defaults_and_dirty_flag(monkeypatch):
    monkeypatch.setattr(ledger, "_git", lambda *a: " M file.py" if a[0] == "status" else "abc")
    env = environment(get_profile("ci"))
    assert env["backend"] == "numpy" and env["git_dirty"] is True and env["git_commit"] == "abc"
    monkeypatch.setattr(ledger, "_git", lambda *a: "")
    assert environment(get_profile("ci"))["git_dirty"] is False


def test_settings_do_not_inherit_the_loaded_profile():
    """The run's settings are explicit: they must not depend on the test profile."""
    from hypothesis import settings as hsettings
    from hypothesis.database import InMemoryExampleDatabase

    from checks.runner import _settings

    current = hsettings._current_profile
    hsettings.register_profile("reliab-noisy", deadline=1000, print_blob=True,
                               database=InMemoryExampleDatabase())
    hsettings.load_profile("reliab-noisy")
    try:
        s = _settings(get_profile("dev"), 5, False)
    finally:
        hsettings.load_profile(current)
    assert s.deadline is None and s.database is None and s.print_blob is False


def _recording_drive(monkeypatch):
    from checks import runner

    calls = []

    def drive(strategy, profile, n, on_instance, targeting, label):
        calls.append({"targeting": targeting, "on_instance": on_instance, "n": n,
                      "label": label})

    monkeypatch.setattr(runner, "_drive", drive)
    return calls


def test_run_claim_targets_only_when_the_claim_asks(monkeypatch):
    from checks.runner import run_claim

    calls = _recording_drive(monkeypatch)
    run_claim(_toy_claim()[0], get_profile("ci"), run_controls=False, run_reproductions=False)
    run_claim(_toy_claim(tightness=False)[0], get_profile("ci"), run_controls=False,
              run_reproductions=False)
    assert [c["targeting"] for c in calls] == [True, False] and calls[0]["n"] == 7


def test_run_control_targets_the_negative_slack(monkeypatch):
    from hypothesis import strategies as st

    from checks.runner import run_control

    calls = _recording_drive(monkeypatch)
    claim, _ = _toy_claim()
    run_control(claim, Control("s", "even", "d", strategy=st.just({"k": 1})), get_profile("ci"))
    (call,) = calls
    assert call["targeting"] is True and call["n"] == get_profile("ci").control_examples
    assert call["on_instance"]({"k": 50}) == -0.5  # relative slack (100 - 50) / 100
    flag = _claim(measure=lambda i: decide_flag(None))
    run_control(flag, Control("f", "none", "d", strategy=st.just({})), get_profile("ci"))
    assert calls[-1]["on_instance"]({}) == 0.0  # no slack: nothing to steer by


def test_run_claim_with_failures_only():
    from hypothesis import strategies as st

    from checks.runner import run_claim

    claim, _ = _toy_claim()
    bad = Claim(**{**{f: getattr(claim, f) for f in (
        "id", "paper", "source", "title", "statement", "measure", "parse")},
        "strategy": lambda p: st.integers(150, 200).map(lambda k: {"k": k})})
    run = run_claim(bad, get_profile("ci"))
    assert run.verdict == "violated" and run.tightness is None
    assert run.worst_instance is None and run.worst_verdict is None
    assert run.first_failure["verdict"]["status"] == "violated"
    assert 150 <= run.first_failure["instance"]["k"] <= 200


def test_stream_seed_is_the_documented_mix():
    """Recorded runs replay only if the seed of each stream never changes silently: pin the
    mix ``(seed * 1_000_003 + crc32(label)) mod 2^32`` on independent values."""
    import dataclasses
    import zlib

    from checks.runner import stream_seed

    ci = get_profile("ci")
    assert stream_seed(dataclasses.replace(ci, seed=0), "toy.amgm") == zlib.crc32(b"toy.amgm")
    assert stream_seed(dataclasses.replace(ci, seed=1), "") == 1_000_003
    big = stream_seed(dataclasses.replace(ci, seed=2**32), "x")
    assert big == zlib.crc32(b"x") and isinstance(big, int)
    assert 0 <= stream_seed(ci, "a") < 2**32 and stream_seed(ci, "a") != stream_seed(ci, "b")


def test_sample_instances_default_label():
    from hypothesis import strategies as st

    from checks.runner import sample_instances

    ints = st.integers(0, 2**60)
    dev = get_profile("dev")
    assert list(sample_instances(ints, dev, 5)) == list(
        sample_instances(ints, dev, 5, label="sample"))
    assert list(sample_instances(ints, dev, 5)) != list(sample_instances(ints, dev, 5, label="x"))


def test_same_machine_recognises_this_machine():
    """A ledger whose environment is this process's own (``environment``) was recorded here;
    a different version of any of NumPy, SciPy or autograd makes it another machine."""
    here = {"environment": environment(get_profile("ci"))}
    assert ledger.same_machine(here)
    for package in ("numpy", "scipy", "autograd"):
        env = copy.deepcopy(here)
        env["environment"]["packages"][package] = "0.0.0"
        assert not ledger.same_machine(env)


def test_claims_are_listed_in_natural_order():
    """``all_claims`` orders ids within a paper as a reader numbers them: k22.eq2.11 after
    k22.eq2.1-2.4, hm17.thm3.2 after hm17.thm2.2, and digits compared as numbers."""
    from checks.registry import _natural, all_claims

    ids = [c.id for c in all_claims("k22.eq")]
    assert ids == ["k22.eq2.1-2.4", "k22.eq2.11", "k22.eq2.12"]
    assert sorted(["x10", "x9", "x1"], key=_natural) == ["x1", "x9", "x10"]
