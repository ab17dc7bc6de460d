"""``python -m checks verify`` as a subprocess, fed malformed instance files.

What users see is the contract: exit code 2 (bad input) or 4 (``out-of-scope``), exactly one
line on stderr, never a Python traceback, and never a ``holds``/``violated``/``inconclusive``
verdict on invalid data. Each run starts a Python process (about a second), so the file keeps
to about fifteen of them: ten drawn by Hypothesis (derandomised under the ``ci`` profile) and a
few fixed ones for the cases a random draw would rarely reach (a huge matrix, deep nesting).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent

# Two registered claims with different parameter kinds: a fixed-shape matrix and an integer
# (Claim A.1), and matrices of free shape whose shapes must agree (Claim C.2).
VALID = {
    "hm17.claimA.1": {"Q": [[0.0, -1.0], [1.0, 0.0]], "q": 3},
    "hm17.claimC.2": {"A": [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], "B": [[1.0], [2.0]]},
}


def verify(tmp_path: Path, text: str | bytes, claim: str = "hm17.claimA.1",
           name: str = "instance.json") -> subprocess.CompletedProcess:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [sys.executable, "-m", "checks", "verify", claim, "--instance", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def assert_refused(proc: subprocess.CompletedProcess) -> None:
    """Exit 2 with one line on stderr, or exit 4 with an ``out-of-scope`` verdict."""
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (2, 4), (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    if proc.returncode == 2:
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stdout == ""
    else:
        assert json.loads(proc.stdout)["status"] == "out-of-scope"


# ------------------------------------------------------------------ malformed documents

def _doc(claim: str, params: object) -> str:
    return json.dumps({"claim": claim, "params": params})


@st.composite
def truncated(draw, claim):
    text = _doc(claim, VALID[claim])
    return text[: draw(st.integers(0, len(text) - 1))]


def wrong_top_level(claim):
    return st.sampled_from(["[]", '"an instance"', "42", "null", "true",
                            json.dumps({"claim": claim, "params": [1, 2]}),
                            json.dumps({"claim": claim})])


@st.composite
def non_finite_literal(draw, claim):
    """A number replaced by a JSON extension literal Python's parser accepts."""
    literal = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]))
    key = draw(st.sampled_from(sorted(VALID[claim])))
    params = dict(VALID[claim])
    value = params[key]
    params[key] = "@@" if not isinstance(value, list) else [["@@"] + row[1:] for row in value]
    return _doc(claim, params).replace('"@@"', literal)


@st.composite
def wrong_values(draw, claim):
    """A field replaced by a string, an object, a wrongly shaped or ragged or empty array."""
    key = draw(st.sampled_from(sorted(VALID[claim])))
    bad = draw(st.sampled_from([
        "3", "not a number", {"value": 1}, [], [[]], [1.0, 2.0], [[1.0, 2.0], [3.0]],
        [[[1.0]]], [["a", "b"], ["c", "d"]], [[1.0, 0.0, 0.0]] * 3, None, 2.5,
    ]))
    if key == "q" and isinstance(bad, float):
        bad = 2.5  # a non-integral depth
    params = dict(VALID[claim])
    params[key] = bad
    return _doc(claim, params)


def wrong_claim(claim):
    return st.sampled_from([_doc("hm17.no-such-claim", VALID[claim]),
                            _doc("hm17.claimC.1", VALID[claim])])


@st.composite
def malformed(draw):
    claim = draw(st.sampled_from(sorted(VALID)))
    kind = draw(st.sampled_from([truncated, wrong_top_level, non_finite_literal, wrong_values,
                                 wrong_claim]))
    return claim, draw(kind(claim))


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=malformed())
def test_malformed_instance_files_are_refused(tmp_path, case):
    claim, text = case
    assert_refused(verify(tmp_path, text, claim))


# ------------------------------------------------------------------ fixed cases

def test_valid_instance_still_decides(tmp_path):
    """The harness itself: a valid file gives a verdict (exit 0), so refusals are meaningful."""
    proc = verify(tmp_path, _doc("hm17.claimA.1", VALID["hm17.claimA.1"]))
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "holds", proc.stderr


def _square_zeros(n: int) -> str:
    row = "[" + ",".join(["0"] * n) + "]"
    return '{"claim": "hm17.claimA.1", "params": {"q": 3, "Q": [' + ",".join([row] * n) + "]}}"


def test_large_matrix_where_2x2_expected(tmp_path):
    """A 700 x 700 matrix where Q is 2 x 2: a shape error naming Q."""
    proc = verify(tmp_path, _square_zeros(700))
    assert_refused(proc)
    assert "Q: expected shape 2x2, got 700x700" in proc.stderr


@pytest.mark.slow
def test_huge_matrix_where_2x2_expected(tmp_path):
    """A 5000 x 5000 matrix (25 million entries, 50 MB of JSON; about 15 s) where Q is 2 x 2:
    refused by the entry limit of ``checks.inputs`` before any linear algebra."""
    proc = verify(tmp_path, _square_zeros(5000))
    assert_refused(proc)
    assert "entries exceeds the limit" in proc.stderr


def test_unknown_claim_id_on_the_command_line(tmp_path):
    proc = verify(tmp_path, _doc("hm17.claimA.1", VALID["hm17.claimA.1"]), claim="hm17.claimA.2")
    assert_refused(proc)
    assert "unknown claim id" in proc.stderr


def test_deeply_nested_json(tmp_path):
    """json.loads raises RecursionError on such nesting; it must still be one line, exit 2."""
    text = '{"claim": "hm17.claimA.1", "params": {"q": 3, "Q": ' + "[" * 100_000 + "]" * 100_000
    assert_refused(verify(tmp_path, text + "}}"))


def test_booleans_in_a_matrix(tmp_path):
    """NumPy reads true/false as 1.0/0.0; the identity must not be decided from booleans."""
    text = _doc("hm17.claimA.1", {"Q": [[True, False], [False, True]], "q": 3})
    assert_refused(verify(tmp_path, text))


def test_truncated_ledger_for_replay(tmp_path):
    """``replay`` on a corrupt ledger: reported as such, exit 2, one line."""
    path = tmp_path / "ledger.json"
    path.write_text('{"schema": "identity-landscapes-ledger/1", "claims": [{"id": "hm17.cl')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "checks", "replay", str(path), "hm17.claimA.1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert_refused(proc)
    assert "not valid JSON" in proc.stderr


# ------------------------------------------------------------- numerical warnings


def _scaled(value, factor):
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    return value * factor if isinstance(value, float) else value


def _overflowing(claim: str, key: str) -> dict:
    """The baseline's worst instance of ``claim`` with ``key`` scaled by 2**990, so that
    products overflow: NumPy's overflow warnings (hm17.claim2.3's A) and autograd's (k19.ex3's
    Y) would fire."""
    from roundtrip import recorded_worst

    params = recorded_worst(claim)
    params[key] = _scaled(params[key], 2.0**990)
    return params


@pytest.mark.parametrize(("claim", "key"), [("hm17.claim2.3", "A"), ("k19.ex3", "Y")])
def test_verify_and_replay_print_no_numerical_warnings(tmp_path, claim, key):
    """An overflow-prone instance gets its verdict with nothing on stderr, from ``verify`` and
    from ``replay`` (one filter for every command), even with Python's warnings on."""
    params = _overflowing(claim, key)
    proc = verify(tmp_path, _doc(claim, params), claim=claim)
    assert proc.returncode != 2 and json.loads(proc.stdout)["status"], proc.stderr
    assert proc.stderr == ""
    ledger = json.loads((ROOT / "reports" / "baseline.json").read_text())
    entry = next(e for e in ledger["claims"] if e["id"] == claim)
    entry["worst_instance"] = params
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(ledger))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    proc = subprocess.run([sys.executable, "-m", "checks", "replay", str(path), claim],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 2 and json.loads(proc.stdout)["status"], proc.stderr
    assert proc.stderr == ""
