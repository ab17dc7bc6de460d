"""Contracts of the framework around the claims: profiles, the registry's loader, JSON reading,
the baseline record the report reads, ``replay``'s output and ``python -m checks bench``'s
summary JSON (the documented keys, and ratios consistent with the timings they come from)."""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np
import pytest
from toy_claims import AMGM

from checks import registry
from checks.cli import _against_baseline, _load_baseline, main
from checks.profiles import PROFILES, Profile, get_profile
from checks.serialise import UnreadableJSON, read_json
from theory import backend

# --------------------------------------------------------------------------------- profiles


def test_profiles_are_named_and_grow_ci_dev_thorough():
    """Each profile is found under its own name; ``ci < dev < thorough`` in examples for claims
    and controls; ``thorough`` draws 1000 instances a claim (checks/profiles.py docstring).
    Kills mutants of the profile table's sizes and names."""
    assert list(PROFILES) == ["ci", "dev", "thorough"]
    for name in PROFILES:
        assert get_profile(name).name == name
    ci, dev, thorough = (get_profile(n) for n in ("ci", "dev", "thorough"))
    assert ci.max_examples < dev.max_examples < thorough.max_examples == 1000
    assert ci.control_examples < dev.control_examples < thorough.control_examples


def test_default_seed_is_the_committed_baselines():
    """Every profile draws from one default seed, and it is the seed the committed baseline
    was drawn with: otherwise ``nox -s theorems`` could not compare tightness against it.
    Kills mutants of the default ``seed``."""
    from checks.cli import DEFAULT_BASELINE

    baseline = json.loads(DEFAULT_BASELINE.read_text())
    assert {p.seed for p in PROFILES.values()} == {baseline["seed"]}
    assert Profile("x", 1, 1).seed == baseline["seed"]
    assert get_profile(baseline["profile"]).seed == baseline["seed"]


def test_unknown_profile_names_it_and_the_choices():
    """An unknown profile is a ``ValueError`` whose one-line message names the bad name and
    lists the choices (the CLI prints it). Kills mutants of the message."""
    with pytest.raises(ValueError) as info:
        get_profile("quick")
    message = str(info.value)
    assert "'quick'" in message
    assert message.endswith("choose from ci, dev, thorough")
    assert "\n" not in message


# --------------------------------------------------------------------------------- registry


def test_registry_imports_every_public_paper_module_and_no_private_one(monkeypatch):
    """``_load`` imports each module of :mod:`checks.papers` whose name does not start with
    ``_`` (``_meta`` and friends are helpers, not claims), once. Resets the loader so the
    mutants of ``_load`` run even after collection has loaded the registry."""
    import importlib
    import pkgutil

    import checks.papers as papers

    imported = []
    real_import = importlib.import_module

    def recording_import(name, *args):
        if name.startswith("checks.papers."):
            imported.append(name)
        return real_import(name, *args)

    monkeypatch.setattr(registry, "_LOADED", False)
    monkeypatch.setattr(importlib, "import_module", recording_import)
    registry._load()
    names = sorted(m.name for m in pkgutil.iter_modules(papers.__path__))
    assert any(n.startswith("_") for n in names)  # the filter is exercised
    assert imported == [f"checks.papers.{n}" for n in names if not n.startswith("_")]
    assert registry._LOADED is True
    imported.clear()
    registry._load()
    assert imported == []


# ------------------------------------------------------------------------------ serialise


def test_read_json_too_deep_is_one_line_naming_the_file(tmp_path):
    """A JSON file nested past the parser's recursion limit is :class:`UnreadableJSON` with a
    one-line message naming the file and the reason. Kills mutants of that branch's message."""
    path = tmp_path / "deep.json"
    depth = sys.getrecursionlimit() * 2
    path.write_text("[" * depth + "]" * depth)
    with pytest.raises(UnreadableJSON) as info:
        read_json(path)
    assert str(info.value) == f"{path}: JSON nested too deeply"


@pytest.mark.parametrize(
    ("text", "noun", "expected"),
    [
        (None, "ledger file", "{path}: no such ledger file"),
        ("{", "file", "{path}: not valid JSON ("),
        (b"\xff\xfe\x00", "file", "{path}: not valid JSON ("),
    ],
)
def test_read_json_messages(tmp_path, text, noun, expected):
    """Missing and malformed files give one-line messages starting with the path and saying
    why (``noun`` names a missing file). Kills mutants of read_json's messages."""
    path = tmp_path / "doc.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text)
    with pytest.raises(UnreadableJSON) as info:
        read_json(path, noun)
    assert str(info.value).startswith(expected.format(path=path))
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------ baseline


def _args(tmp_path, *, update=False, only="", baseline="baseline.json"):
    return argparse.Namespace(
        update_baseline=update, only=only, baseline=tmp_path / baseline
    )


def test_baseline_record_is_what_the_report_reads(tmp_path, monkeypatch):
    """After comparing with a baseline, the ledger records ``baseline = {"path", "compared"}``,
    the keys ``reports/templates/report.html.j2`` reads; ``partial`` is passed when ``--only``
    restricts the run. Kills mutants of the record's keys and values."""
    import checks.ledger

    recorded = {"profile": "ci", "seed": 1}
    calls = []

    def compare(ledger, baseline, partial):
        calls.append((baseline, partial))
        return ["a regression"]

    monkeypatch.setattr(checks.ledger, "compare", compare)
    for only, partial in (("", False), ("hm17.", True)):
        ledger = {"profile": "ci", "seed": 1, "claims": []}
        problems = _against_baseline(ledger, recorded, _args(tmp_path, only=only))
        assert problems == ["a regression"]
        assert ledger["baseline"] == {"path": str(tmp_path / "baseline.json"), "compared": True}
        assert calls[-1] == (recorded, partial)


def test_no_baseline_checks_verdicts_alone_and_update_compares_nothing(
    tmp_path, capsys, monkeypatch
):
    """Without a baseline file every non-holding verdict and failed control is a problem (an
    ``error`` entry is one already, through ``run_problems``); with ``--update-baseline``
    nothing is loaded or compared (and no baseline is recorded)."""
    import checks.ledger

    ledger = {"claims": [
        {"id": "a", "verdict": "holds", "controls": [{"name": "c", "passed": True}]},
        {"id": "b", "verdict": "violated", "controls": [{"name": "d", "passed": False}]},
        {"id": "e", "verdict": "error", "controls": []},
    ]}

    def never(*_, **__):
        raise AssertionError("must not be called")

    monkeypatch.setattr(checks.ledger, "compare", never)
    assert _load_baseline(_args(tmp_path)) is None
    assert "no baseline at" in capsys.readouterr().err
    problems = _against_baseline(ledger, None, _args(tmp_path))
    assert problems == ["b: verdict violated", "b: control d did not show the failure"]
    (tmp_path / "baseline.json").write_text("{}")
    assert _load_baseline(_args(tmp_path, update=True)) is None
    assert _against_baseline(ledger, {}, _args(tmp_path, update=True)) == []
    assert "baseline" not in ledger


# -------------------------------------------------------------------------------- replay


@pytest.fixture
def toy_registered():
    registry.register(AMGM)
    yield
    registry._REGISTRY.pop(AMGM.id, None)


def test_replay_prints_what_verify_prints_for_the_recorded_instance(
    tmp_path, capsys, toy_registered
):
    """``replay LEDGER ID`` decides the recorded worst instance exactly as ``verify`` decides
    it from a file, and prints the same JSON document, laid out the same way, plus one
    ``replayed_exactly`` line. Kills mutants of replay's printing (layout, keys)."""
    out_dir = tmp_path / "out"
    assert main([
        "run", "--only", "toy.", "--out", str(out_dir), "--no-report", "--update-baseline",
        "--baseline", str(tmp_path / "baseline.json"),
    ]) == 0
    ledger = json.loads((out_dir / "ledger.json").read_text())
    worst = ledger["claims"][0]["worst_instance"]
    inst = tmp_path / "inst.json"
    inst.write_text(json.dumps({"claim": "toy.amgm", "params": worst}))
    capsys.readouterr()
    assert main(["verify", "toy.amgm", "--instance", str(inst)]) == 0
    verified = capsys.readouterr().out
    assert main(["replay", str(out_dir / "ledger.json"), "toy.amgm"]) == 0
    replayed = capsys.readouterr().out
    def untimed(text):  # the wall time of a decision is the one field that differs
        return [line for line in text.splitlines() if not line.startswith(' "seconds": ')]

    lines = untimed(replayed)
    assert ' "replayed_exactly": true,' in lines
    lines.remove(' "replayed_exactly": true,')
    assert lines == untimed(verified)


# --------------------------------------------------------------------------------- bench


def _bench(capsys, *argv):
    from checks.bench import main as bench

    assert bench(["--", "--quick", "--no-jax", *argv]) == 0  # `bench -- --quick` (nox)
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_bench_summary_is_consistent_with_its_tables(capsys):
    """The summary's ratios are the quotients of the timings in its per-item tables, every
    ``*_rel`` agreement is tiny, the 4 x 64 autograd row is reported, and with the default
    ``--autograd-n`` (100) autograd runs at every ``n <= 100``. Kills mutants of the tables'
    keys, the ratios and the ``--autograd-n`` default."""
    summary = _bench(capsys, "--gram-n", "3", "--small-autograd-n", "4", "--rank-n", "20")
    (row,) = summary["items"]["gram_and_jacobian"].values()
    assert row["n"] == summary["gram_speedup_n"] == summary["autograd_n"] == 3
    assert math.isclose(row["formed_s"], row["jacobian_s"] + row["jjt_s"])
    assert math.isclose(row["gram_speedup_vs_formed_jacobian"], row["formed_s"] / row["gram_s"])
    assert math.isclose(
        row["jacobian_speedup_vs_autograd"], row["autograd_jacobian_s"] / row["jacobian_s"]
    )
    assert math.isclose(row["autograd_formed_s"], row["autograd_jacobian_s"] + row["jjt_s"])
    assert math.isclose(
        row["gram_speedup_vs_autograd"], row["autograd_formed_s"] / row["gram_s"]
    )
    assert summary["gram_speedup_vs_formed_jacobian"] == row["gram_speedup_vs_formed_jacobian"]
    assert summary["jacobian_speedup_vs_autograd"] == row["jacobian_speedup_vs_autograd"]
    small = summary["items"]["autograd_4x64"]
    assert small["n"] == summary["autograd_4x64_n"] == 4
    assert small["widths"] == [2, 64, 64, 64, 64, 1]
    # P: the 4 x 64 network's parameters, weights and biases of each layer
    widths = small["widths"]
    assert small["P"] == sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:], strict=True))
    assert math.isclose(
        small["jacobian_speedup_vs_autograd"], small["autograd_jacobian_s"] / small["jacobian_s"]
    )
    assert math.isclose(
        small["speedup_vs_autograd_buffered"],
        small["autograd_jacobian_s"] / small["jacobian_buffered_s"],
    )
    assert summary["jacobian_speedup_vs_autograd_4x64"] == small["jacobian_speedup_vs_autograd"]
    for r, agreements in ((row, {"gram_vs_jjt_rel", "jacobian_vs_autograd_rel"}),
                          (small, {"jacobian_vs_autograd_rel"})):
        rels = {k: v for k, v in r.items() if k.endswith("_rel")}
        assert set(rels) == agreements
        assert all(0 <= v < 1e-12 for v in rels.values())
    assert summary["max_relative_disagreement"] >= max(row["gram_vs_jjt_rel"],
                                                        row["jacobian_vs_autograd_rel"])
    assert summary["jacobian_ratio_to_jax"] is None  # --no-jax
    assert summary["large_n_hadamard_s"] is None  # --quick


def test_bench_autograd_columns_time_autograd(capsys, monkeypatch):
    """The ``autograd_*`` columns time ``jacobian(..., "autograd")``: once in item 1/2 (n = 3)
    and once in the 4 x 64 item; every other Jacobian of the bench is the analytic one."""
    import checks.bench

    methods = []
    analytic = checks.bench.jacobian

    def recording(net, theta, X, method="analytic", **kw):
        methods.append(method)
        return analytic(net, theta, X, method, **kw)

    monkeypatch.setattr(checks.bench, "jacobian", recording)
    _bench(capsys, "--gram-n", "3", "--small-autograd-n", "4", "--rank-n", "20")
    assert methods.count("autograd") == 2 and set(methods) == {"analytic", "autograd"}


def test_bench_gram_item_columns_with_jax(monkeypatch):
    """Item 1/2's row has exactly the documented columns; where JAX is present (stood in for
    here by the analytic Jacobian) the ``jax_*`` columns join them, as quotients of the
    timings, and agree with the analytic Jacobian."""
    import checks.bench
    from theory.jacobian import jacobian

    monkeypatch.setattr(checks.bench, "_jax_jacobian",
                        lambda net: lambda theta, X: jacobian(net, theta, X))
    row = checks.bench._item_gram([3], autograd_n=0, use_jax=True)["3"]
    assert set(row) == {
        "n", "P", "gram_s", "jacobian_s", "jacobian_buffered_s", "jjt_s", "formed_s",
        "gram_speedup_vs_formed_jacobian", "gram_vs_jjt_rel", "jax_jacobian_s",
        "jax_first_call_s", "jacobian_ratio_to_jax", "jacobian_ratio_to_jax_buffered",
        "jacobian_vs_jax_rel"}
    assert math.isclose(row["jacobian_ratio_to_jax"], row["jax_jacobian_s"] / row["jacobian_s"])
    assert math.isclose(row["jacobian_ratio_to_jax_buffered"],
                        row["jax_jacobian_s"] / row["jacobian_buffered_s"])
    assert row["jacobian_vs_jax_rel"] == 0.0
    no_jax = checks.bench._item_gram([3], autograd_n=0, use_jax=False)["3"]
    assert not any(k.startswith("jax") or k.endswith("_jax") for k in no_jax)


def test_safe_exploration_features_follow_the_documented_defaults():
    """``safe_exploration_features(n)``: tanh features of width ``m_prev`` = 65 of Gaussian
    inputs in R^32 (the first layer has 32 * 65 + 65 parameters), ``m_H = ceil(2 n / 65)``
    sigmoid gates in (0, 1)."""
    from checks.bench import M_PREV, safe_exploration_features
    from theory.models.feedforward import Feedforward

    Z, S = safe_exploration_features(100)
    assert M_PREV == 65 and Z.shape == (100, 65) and S.shape == (100, math.ceil(200 / 65))
    assert np.all(np.abs(Z) < 1) and np.all((S > 0) & (S < 1))
    rng = np.random.default_rng(0)  # the same draws as the function's own, in the same order
    net = Feedforward([32, 65, 1], "tanh")
    theta = net.init(rng)
    X = rng.standard_normal((100, 32))
    (W1, b1), _ = net.unflatten(theta)
    np.testing.assert_allclose(Z, np.tanh(X @ W1.T + b1), rtol=0, atol=1e-15)


def test_bench_rank_item_and_environment(capsys, monkeypatch):
    """Item 3's rows: ``m_{H-1} = 65`` and ``m_H = ceil(2 n / 65)`` (the module docstring),
    the speedup is the quotient of the SVD and Hadamard timings, ``decisions_agree`` compares
    the certified Cholesky with the SVD's certified rank, and the summary reports the largest
    ``n``; ``--autograd-n 0`` and ``--small-autograd-n 0`` skip autograd (nulls); the
    environment block records ``OPENBLAS_NUM_THREADS``. Kills mutants of item 3 and the
    summary."""
    from checks.bench import safe_exploration_features

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    summary = _bench(capsys, "--gram-n", "2", "--autograd-n", "0", "--small-autograd-n", "0",
                     "--rank-n", "20", "70")
    rows = summary["items"]["rank"]
    assert sorted(rows, key=int) == ["20", "70"]
    for key, row in rows.items():
        n = int(key)
        assert row["n"] == n and row["m_prev"] == 65 and row["m_H"] == math.ceil(2 * n / 65)
        assert math.isclose(row["hadamard_rank_speedup_vs_svd"], row["svd_s"] / row["hadamard_s"])
        full_by_svd = row["svd_rank"] == n and row["svd_certain"]
        assert row["decisions_agree"] == ((row["hadamard_rank_n_certified"] is True) == full_by_svd)
        assert row["hadamard_rank_n_certified"] is True and full_by_svd  # phi has rank n here
        assert 0 < row["svd_sigma_min_over_max"] <= 1
    assert summary["hadamard_rank_n"] == 70
    assert summary["hadamard_rank_speedup_vs_svd"] == rows["70"]["hadamard_rank_speedup_vs_svd"]
    assert summary["rank_decisions_agree"] is True
    assert summary["jacobian_speedup_vs_autograd"] is None and summary["autograd_n"] is None
    assert summary["items"]["autograd_4x64"] is None and summary["autograd_4x64_n"] is None
    assert 0 <= summary["hadamard_identity_rel"] <= summary["max_relative_disagreement"] < 1e-12
    env = summary["environment"]
    assert env["blas_threads_env"] == {"OPENBLAS_NUM_THREADS": "1"}
    assert env["dtype"] == "float64" and env["gpu"] is None
    assert summary["total_s"] > 0
    Z, S = safe_exploration_features(20)
    assert Z.shape == (20, 65) and S.shape == (20, 1)
    assert np.all((S > 0) & (S < 1)) and np.all(np.abs(Z) < 1)  # sigmoid gates, tanh features


# ------------------------------------------------------------- list, show, run, replay errors


def test_list_and_show_print_the_claims_fields(capsys, toy_registered):
    """``list`` prints one line per claim: id, title and ``[source]``; ``show`` prints the id
    and title, the source, the statement, every hypothesis, every control with what it drops,
    and the errata."""
    assert main(["list", "--only", "toy."]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[0] == AMGM.id and AMGM.title in line
    assert line.endswith(f"[{AMGM.source}]")
    assert main(["show", AMGM.id]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"{AMGM.id}: {AMGM.title}", f"source: {AMGM.source}",
                       f"statement: {AMGM.statement}"]
    for h in AMGM.hypotheses:
        assert f"hypothesis {h.name}: {h.statement}" in out
    for k in AMGM.controls:
        assert f"control {k.name} (drops {k.drops}): {k.description}" in out
    for e in AMGM.errata:
        assert f"erratum ({e.kind}): {e.text}" in out


def _run_toy(tmp_path, *extra):
    return main(["run", "--only", "toy.", "--out", str(tmp_path / "out"), "--no-report",
                 "--no-reproductions", "--baseline", str(tmp_path / "baseline.json"), *extra])


def test_run_records_the_seed_and_rejects_an_empty_selection(tmp_path, capsys, toy_registered):
    """``run --seed N`` records ``N`` (and the profile) in the ledger; ``--only`` matching no
    claim is bad input (exit 2, one line naming the prefix)."""
    assert _run_toy(tmp_path, "--update-baseline", "--seed", "7", "--profile", "dev") == 0
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert ledger["seed"] == 7 and ledger["profile"] == "dev"
    assert json.loads((tmp_path / "baseline.json").read_text())["seed"] == 7
    capsys.readouterr()
    assert main(["run", "--only", "nosuch.", "--out", str(tmp_path / "o2"), "--no-report"]) == 2
    err = capsys.readouterr().err
    assert err == "error: no claim id starts with 'nosuch.'\n"


def test_run_talks_on_stderr_only(tmp_path, capsys, toy_registered):
    """``run`` keeps stdout clean (for pipes): one progress line per finished task (tasks done
    of total, elapsed time, an estimate of what is left, what the task found), the ledger and
    baseline paths and the summary all go to stderr, in that order and nothing else."""
    import re

    assert _run_toy(tmp_path, "--update-baseline") == 0
    out, err = capsys.readouterr()
    assert out == ""
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    entry = ledger["claims"][0]
    n = 1 + len(entry["controls"])  # toy.amgm: one shard of draws, its controls

    def bar(i):
        done = 24 * i // n
        return re.escape(f"[{'#' * done}{'.' * (24 - done)}] {i:>4}/{n} tasks ")

    lines = err.splitlines()
    for i in range(n):
        assert re.fullmatch(bar(i + 1) + r"\d+:\d\d elapsed, ~\d+:\d\d left  toy\.amgm: .+"
                            r" \(\d+\.\ds\)", lines[i])
    assert f"toy.amgm: draws shard 0 ({entry['instances']}): {entry['instances']} holds" in err
    assert lines[n:n + 2] == [f"ledger: {tmp_path / 'out' / 'ledger.json'}",
                              f"baseline updated: {tmp_path / 'baseline.json'}"]
    s = ledger["summary"]
    assert re.fullmatch(re.escape(
        f"{s['claims']} claims: {s['holds']} holds, {s['violated']} violated, "
        f"{s['inconclusive']} inconclusive, {s['out-of-scope']} out-of-scope, 0 error; "
        f"controls {s['controls_passed']}/{s['controls']} showed the failure; relations 0 "
        f"disagreement(s) in 0 checks; replayed 0 recorded instance(s), 0 differ; ") + r"\d+s",
        lines[n + 2])
    assert len(lines) == n + 3


def test_help_names_the_command_to_type(capsys):
    """``--help`` prints usage as ``python -m checks ...``, what a user types."""
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("usage: python -m checks ")


def test_run_builds_the_report_from_the_ledger_it_wrote(tmp_path, monkeypatch, toy_registered):
    """Without ``--no-report``, ``run`` hands the report builder the ledger it has just written
    and the output folder."""
    import checks.cli

    seen = []
    monkeypatch.setattr(checks.cli, "_report", lambda ledger, out: seen.append((ledger, out)))
    assert main(["run", "--only", "toy.", "--out", str(tmp_path / "out"), "--no-reproductions",
                 "--baseline", str(tmp_path / "baseline.json"), "--update-baseline"]) == 0
    ((ledger, out),) = seen
    assert out == tmp_path / "out"
    assert ledger == json.loads((tmp_path / "out" / "ledger.json").read_text())


def test_replay_bad_requests_are_one_line_errors(tmp_path, capsys, toy_registered):
    """``replay`` of a claim absent from the ledger, of an unknown control, or of a claim
    with no recorded worst instance exits 2 with one line naming what is missing."""
    assert _run_toy(tmp_path, "--update-baseline") == 0
    path = tmp_path / "out" / "ledger.json"
    capsys.readouterr()
    assert main(["replay", str(path), "hm17.thm2.2"]) == 2
    assert capsys.readouterr().err == f"error: {path}: no claim 'hm17.thm2.2' in this ledger\n"
    assert main(["replay", str(path), AMGM.id, "--control", "nope"]) == 2
    assert capsys.readouterr().err == (
        f"error: {AMGM.id}: no recorded instance for control 'nope'\n")
    doc = json.loads(path.read_text())
    doc["claims"][0]["worst_instance"] = None
    path.write_text(json.dumps(doc))
    assert main(["replay", str(path), AMGM.id]) == 2
    assert capsys.readouterr().err == f"error: {AMGM.id}: the ledger records no worst instance\n"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (MemoryError(), "toy.amgm: instance too large for this machine"),
        (ZeroDivisionError("boom"), "toy.amgm: could not evaluate: ZeroDivisionError: boom"),
    ],
)
def test_an_oracle_failure_is_a_one_line_error(tmp_path, capsys, monkeypatch, error, message):
    """An oracle that fails (a defect, or an instance too large) gives exit 2 and one line,
    never a traceback."""
    import dataclasses

    def measure(_instance):
        raise error

    monkeypatch.setitem(registry._REGISTRY, AMGM.id, dataclasses.replace(AMGM, measure=measure))
    inst = tmp_path / "inst.json"
    inst.write_text(json.dumps({"claim": AMGM.id, "params": {"a": 1.0, "b": 2.0}}))
    assert main(["verify", AMGM.id, "--instance", str(inst)]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


@pytest.mark.gpu
@pytest.mark.skipif(not backend.gpu_available()[0], reason="no GPU backend")
def test_bench_cupy_items_agree_with_themselves():
    """On the GPU (``nox -s gpu``), item 1 runs every array on the device (theta and the
    inputs alike) and the Gram agrees with ``J J^T``; item 3's Cholesky certifies full rank.
    Kills mutants that leave an input on the host (the CPU suite cannot see them)."""
    from checks.bench import _item_gram, _item_rank

    (row,) = _item_gram([4], 0, "cupy", use_jax=False).values()
    assert row["n"] == 4 and row["gram_vs_jjt_rel"] < 1e-12
    (rank,) = _item_rank([20], "cupy", svd=False).values()
    assert rank["hadamard_rank_n_certified"] is True


def test_bench_summary_takes_the_largest_rank_n_and_every_agreement():
    """The summary's rank speed-up is the largest n's, whatever order the sizes came in, and
    its largest relative disagreement covers the 4 x 64 autograd row too."""
    from checks.bench import _summary

    items = {"8": {"n": 8, "gram_speedup_vs_formed_jacobian": 2.0, "gram_rel": 1e-15}}
    rank = {"300": {"n": 300, "svd_s": 1.0, "hadamard_rank_speedup_vs_svd": 9.0,
                    "decisions_agree": True},
            "100": {"n": 100, "svd_s": 0.1, "hadamard_rank_speedup_vs_svd": 3.0,
                    "decisions_agree": True}}
    small = {"n": 50, "jacobian_speedup_vs_autograd": 4.0, "jacobian_vs_autograd_rel": 1e-9}
    out = _summary(items, rank, 1e-16, None, None, small)
    assert (out["hadamard_rank_n"], out["hadamard_rank_speedup_vs_svd"]) == (300, 9.0)
    assert out["max_relative_disagreement"] == 1e-9


def test_bench_summary_reports_the_jax_ratios_of_the_largest_n():
    """The summary's ``jacobian_ratio_to_jax`` (and its buffered twin) are the columns of the
    largest ``n``'s row of item 1/2, as the bench's docstring says, not of another row."""
    from checks.bench import _summary

    items = {str(n): {"n": n, "gram_speedup_vs_formed_jacobian": 1.0,
                      "jacobian_ratio_to_jax": 0.5 * n, "jacobian_ratio_to_jax_buffered": 0.25 * n}
             for n in (30, 7)}
    out = _summary(items, {}, 0.0, None, None, None)
    assert out["jacobian_ratio_to_jax"] == items["30"]["jacobian_ratio_to_jax"]
    assert out["jacobian_ratio_to_jax_buffered"] == items["30"]["jacobian_ratio_to_jax_buffered"]


def test_bench_lenet_n_zero_skips_the_lenet_item(capsys, monkeypatch):
    """``--lenet-n 0`` leaves item 5 out: the LeNet is never built and its summary entries
    are null, as the ``--lenet-n`` help and the bench's docstring promise."""
    import checks.bench

    built = []
    monkeypatch.setattr(checks.bench, "_item_lenet", lambda n, m_c=1: built.append(n))
    summary = _bench(capsys, "--gram-n", "2", "--autograd-n", "0", "--small-autograd-n", "0",
                     "--rank-n", "20", "--lenet-n", "0")
    assert built == []
    assert summary["items"]["lenet"] is None
    assert summary["lenet_gram_speedup_vs_formed_jacobian"] is None and summary["lenet_n"] is None


def test_bench_runs_the_lenet_item_at_n_500_by_default(capsys, monkeypatch):
    """Without ``--lenet-n`` item 5 runs, at ``n = 500`` (the bench's docstring: the LeNet's
    ``M = J J^T`` at ``n = 500``), and the summary reports that ``n``."""
    import checks.bench

    built, real = [], checks.bench._item_lenet
    monkeypatch.setattr(checks.bench, "_item_lenet",
                        lambda n, m_c=1: built.append(n) or {**real(2, m_c), "n": n})
    summary = _bench(capsys, "--gram-n", "2", "--autograd-n", "0", "--small-autograd-n", "0",
                     "--rank-n", "20")
    assert built == [500]
    assert summary["lenet_n"] == summary["items"]["lenet"]["n"] == 500


def test_bench_gpu_table2_item_has_the_mnist_shape_of_table_2(monkeypatch):
    """The GPU item 4 checks k22 Table 2 at its MNIST shape: ``n = 60,000``,
    ``m_{H-1} = 513`` and ``m_H = ceil(2n / m_{H-1})`` (Table 2's rule, 234), the features
    drawn by ``safe_exploration_features``. The GPU is stood in for (the features are
    recorded, not computed)."""
    import checks.bench

    class Drawn(Exception):
        pass

    shapes = []

    def record(n, m_prev, m_H, **kw):
        shapes.append((n, m_prev, m_H))
        raise Drawn

    monkeypatch.setattr(checks.bench.backend, "get_xp", lambda name="numpy": np)
    monkeypatch.setattr(checks.bench, "safe_exploration_features", record)
    with pytest.raises(Drawn):
        checks.bench._table2_gpu()
    (n, m_prev, m_H), = shapes
    assert (n, m_prev) == (60_000, 513) and m_H == math.ceil(2 * n / m_prev)


def test_bench_run_item_times_one_two_jobs_and_dask_one_after_the_other(monkeypatch):
    """Item 6 starts `checks run` once per executor, in fresh interpreters, and reports the
    ratios from the wall times it measured (not a timed assertion: the ratios are computed,
    never compared with a target)."""
    import contextlib

    import checks.bench

    calls = []
    monkeypatch.setattr(checks.bench, "_start",
                        lambda cmd: calls.append(cmd[cmd.index("--no-report") + 3:]))
    clock = iter([0.0, 6.0, 10.0, 13.0, 20.0, 24.0])
    monkeypatch.setattr(checks.bench, "_clock", lambda: next(clock))
    try:
        import distributed
    except ImportError:
        distributed = None
    else:
        @contextlib.contextmanager
        def cluster(**kwargs):
            yield type("Cluster", (), {"scheduler_address": "tcp://127.0.0.1:1"})()

        monkeypatch.setattr(distributed, "LocalCluster", cluster)
    row = checks.bench._item_run("hm17.claimC.2")
    assert calls[:2] == [["--jobs", "1"], ["--jobs", "2"]]
    assert row["jobs1_s"] == 6.0 and row["jobs2_s"] == 3.0 and row["speedup_jobs2"] == 2.0
    if distributed is not None:
        assert calls[2] == ["--scheduler", "tcp://127.0.0.1:1"]
        assert row["dask_s"] == 4.0 and row["dask_vs_jobs2"] == 4.0 / 3.0


def test_bench_gram_item_times_up_to_100_points_as_best_of_three(monkeypatch):
    """Item 1/2 times each computation as the best of 3 runs up to ``n = 100`` points (short
    runs, noisy clocks) and once beyond (each run already takes long enough)."""
    import checks.bench

    repeats: dict[int, set[int]] = {}
    current = {"n": 0}

    def timed(fn, repeat=1):
        repeats.setdefault(current["n"], set()).add(repeat)
        return 1.0, np.zeros((1, 1))

    monkeypatch.setattr(checks.bench, "_timed", timed)
    for n in (100, 101):
        current["n"] = n
        checks.bench._item_gram([n], autograd_n=0, use_jax=False)
    assert repeats == {100: {3}, 101: {1}}
