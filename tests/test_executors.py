"""Executors and the task run: the ledger depends on the profile and seed alone (not on
``--jobs``, a Dask cluster, the order tasks finish in, or a worker killed mid-run); a task that
raises is its claim's error entry; edge draws count apart; relations and the replay of the
baseline's recorded instances are regressions when they disagree."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest
from roundtrip import without
from toy_claims import (
    AMGM,
    AMGM_EDGES,
    KILL_DIRECTORY,
    KILLER,
    RAISES,
    SQUARE_ABOVE,
    WRONG_RELATION,
)

from checks import registry
from checks.cli import _progress, main
from checks.executors import DaskExecutor, ExecutorUnavailable, ProcessExecutor, SerialExecutor
from checks.framework import Status, Tolerance, decide
from checks.ledger import agreement, build_ledger, run_problems
from checks.profiles import get_profile, shard_sizes
from checks.runner import (
    assemble,
    longest_first,
    plan,
    replay_difference,
    run_claim,
    run_claims,
    shard_label,
)

CI = get_profile("ci")
#: a profile that splits draws and edge draws into shards, as thorough does
SHARDED = dataclasses.replace(CI, shards=3, edge_examples=7, edge_shards=2)
VOLATILE = {"seconds", "created", "environment"}


def _ledger(claims, profile, executor):
    runs = run_claims(claims, profile, executor)
    return json.dumps(without(build_ledger(claims, runs, profile, 0.0), VOLATILE),
                      sort_keys=True)


@pytest.fixture(scope="module")
def kill_switch(tmp_path_factory):
    """The directory where :data:`toy_claims.KILLER` looks for its trigger; set before any
    worker starts, so that every worker inherits it."""
    where = tmp_path_factory.mktemp("kill")
    os.environ[KILL_DIRECTORY] = str(where)
    yield where
    del os.environ[KILL_DIRECTORY]


@pytest.fixture(scope="module")
def dask_cluster(kill_switch):
    """A Dask cluster of two single-threaded worker processes on the loopback address."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def toys():
    claims = (AMGM, AMGM_EDGES, WRONG_RELATION, RAISES)
    registry.register(*claims)
    yield
    for claim in claims:
        registry._REGISTRY.pop(claim.id, None)


def _run(tmp_path, name, *extra):
    code = main(["run", "--out", str(tmp_path / name), "--no-report",
                 "--baseline", str(tmp_path / "baseline.json"), *extra])
    ledger = json.loads((tmp_path / name / "ledger.json").read_text())
    return code, ledger


def _same(*ledgers):
    docs = {json.dumps(without(doc, VOLATILE), sort_keys=True) for doc in ledgers}
    return len(docs) == 1


def test_ledger_is_the_same_with_one_job_two_jobs_and_a_dask_cluster(
    tmp_path, toys, dask_cluster
):
    """``run --jobs 1``, ``--jobs 2`` and ``--scheduler`` on a two-worker cluster write the
    same ledger, timings aside."""
    runs = [_run(tmp_path, name, "--only", "toy.amgm", *extra) for name, extra in (
        ("one", ("--jobs", "1")), ("two", ("--jobs", "2")),
        ("dask", ("--scheduler", dask_cluster)))]
    assert [code for code, _ in runs] == [0, 0, 0]
    assert _same(*(ledger for _, ledger in runs))
    assert [c["id"] for c in runs[0][1]["claims"]] == ["toy.amgm", "toy.amgm-edges"]


def test_sharded_ledger_is_the_same_on_every_executor(dask_cluster):
    """With draws and edge draws in shards, the executors still agree."""
    claims = [AMGM_EDGES, SQUARE_ABOVE]
    serial = _ledger(claims, SHARDED, SerialExecutor())
    assert _ledger(claims, SHARDED, ProcessExecutor(2)) == serial
    assert _ledger(claims, SHARDED, DaskExecutor(dask_cluster)) == serial


def test_ledger_does_not_depend_on_the_order_tasks_finish_in():
    claim = AMGM_EDGES
    tasks = plan([claim], SHARDED)
    outcomes = SerialExecutor().run(tasks, SHARDED, {claim.id: claim})
    backwards = dict(reversed(list(outcomes.items())))
    assert assemble(claim, SHARDED, backwards, tasks) == assemble(claim, SHARDED, outcomes, tasks)


def test_a_killed_worker_costs_only_its_tasks(kill_switch, dask_cluster):
    """A worker killed in the middle of a run (the first check of :data:`toy_claims.KILLER`
    kills its process) costs the tasks it was running; they run again and the ledger is the
    one of an undisturbed run."""
    claims = [KILLER, AMGM_EDGES]
    undisturbed = _ledger(claims, SHARDED, SerialExecutor())
    armed, fired = kill_switch / "armed", kill_switch / "fired"
    try:
        for executor in (ProcessExecutor(2), DaskExecutor(dask_cluster)):
            fired.unlink(missing_ok=True)
            armed.touch()
            assert _ledger(claims, SHARDED, executor) == undisturbed
            assert fired.exists(), f"{type(executor).__name__}: no worker was killed"
    finally:
        armed.unlink(missing_ok=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_task_that_raises_is_its_claims_error_and_the_run_goes_on(tmp_path, toys, jobs):
    code, ledger = _run(tmp_path, "out", "--only", "toy.", "--jobs", jobs)
    assert code == 1
    entries = {c["id"]: c for c in ledger["claims"]}
    broken = entries["toy.raises"]
    assert broken["verdict"] == "error"
    assert broken["errors"] == ["toy.raises: reproduction broken: ZeroDivisionError: the "
                                "reproduction divides by zero"]
    assert broken["instances"] == CI.max_examples  # its other tasks ran
    assert entries["toy.amgm"]["verdict"] == "holds"
    assert ledger["summary"]["error"] == 1
    assert any(p.startswith("toy.raises: error in ") for p in ledger["regressions"])


def test_a_worker_that_always_dies_is_its_tasks_error(kill_switch, monkeypatch):
    """A task whose worker dies every time it runs becomes an error after the allowed tries,
    and the run still finishes."""
    from checks import executors

    always = kill_switch / "always"
    monkeypatch.setattr(executors, "ATTEMPTS", 2)
    tasks = plan([KILLER], CI)
    try:
        always.touch()
        out = ProcessExecutor(1).run(tasks, CI, {})
    finally:
        always.unlink(missing_ok=True)
    (draws,) = [t for t in tasks if t.kind == "draws"]
    assert not out[draws.key]["ok"] and "WorkerDied" in out[draws.key]["error"]


def test_edge_draws_are_counted_apart():
    run = run_claim(AMGM_EDGES, SHARDED)
    assert run.instances == SHARDED.max_examples
    assert run.edge["instances"] == SHARDED.edge_examples
    assert run.edge["counts"]["holds"] + run.edge["counts"]["inconclusive"] == \
        SHARDED.edge_examples
    assert run.verdict == "holds"


def test_a_violated_edge_draw_is_a_violated_instance():
    run = run_claim(SQUARE_ABOVE, CI).to_json()
    assert run["counts"]["violated"] == 0 and run["edge"]["counts"]["violated"] > 0
    assert run["verdict"] == "violated"
    assert run["edge"]["first_failure"]["verdict"]["status"] == "violated"
    _, problems = agreement([{"claims": [run]}])
    assert any("violated instance" in p for p in problems)


def test_relations_that_hold_find_no_disagreement():
    run = run_claim(AMGM_EDGES, CI)
    assert [(r["name"], r["checked"], r["disagreements"]) for r in run.relations] == [
        ("swap", CI.relation_examples, []), ("times four", CI.relation_examples, [])]


def test_a_relation_disagreement_is_a_regression(tmp_path, toys, capsys):
    code, ledger = _run(tmp_path, "out", "--only", "toy.wrong")
    assert code == 1
    (relation,) = ledger["claims"][0]["relations"]
    found = len(relation["disagreements"])  # a = b = 0 is its own negation
    assert relation["checked"] == CI.relation_examples and found >= 1
    assert "negate: status holds became out-of-scope" in relation["disagreements"][0]["reason"]
    assert ledger["summary"]["relation_disagreements"] == found
    assert run_problems(ledger) == ledger["regressions"]
    err = capsys.readouterr().err
    assert f"relations {found} disagreement(s) in {CI.relation_examples} checks" in err
    assert "REGRESSION toy.wrong-relation: relation negate: status holds became " in err


def test_the_ledger_records_a_sample_of_the_smallest_slacks():
    run = run_claim(AMGM_EDGES, SHARDED)
    rels = [s["verdict"]["relative_slack"] for s in run.sample]
    assert len(rels) == SHARDED.sample and rels == sorted(rels)
    assert rels == run.slacks[:SHARDED.sample]
    assert run.sample[0]["instance"] == run.worst_instance


def test_the_run_replays_the_baseline_first_and_sees_a_tightness_change(
    tmp_path, toys, capsys
):
    assert _run(tmp_path, "base", "--only", "toy.amgm-edges", "--update-baseline")[0] == 0
    code, ledger = _run(tmp_path, "again", "--only", "toy.amgm-edges")
    entry = ledger["claims"][0]
    assert code == 0 and entry["replay"] == {
        "instances": CI.sample + len(AMGM.controls), "differences": []}
    assert "replayed" in capsys.readouterr().err
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    baseline["claims"][0]["sample"][1]["verdict"]["relative_slack"] += 0.125
    (tmp_path / "baseline.json").write_text(json.dumps(baseline))
    code, ledger = _run(tmp_path, "moved", "--only", "toy.amgm-edges")
    assert code == 1
    assert [p for p in ledger["regressions"] if "replayed" in p] == [
        "toy.amgm-edges: replayed sample 1: relative slack "
        f"{baseline['claims'][0]['sample'][1]['verdict']['relative_slack']!r} -> "
        f"{entry['sample'][1]['verdict']['relative_slack']!r}"]


def test_replay_compares_slacks_exactly_on_the_recording_machine_else_within_tolerance():
    now = decide(1.0, 2.0, tolerance=Tolerance(1e-3, "test"), scale=2.0)
    recorded = now.to_json()
    assert replay_difference(recorded, now, exact=True) == ""
    nearby = {**recorded, "relative_slack": recorded["relative_slack"] + 1e-4}
    assert replay_difference(nearby, now, exact=False) == ""
    assert replay_difference(nearby, now, exact=True).startswith("relative slack")
    far = {**recorded, "relative_slack": recorded["relative_slack"] + 0.1}
    assert "beyond the tolerances" in replay_difference(far, now, exact=False)
    other = {**recorded, "status": "violated"}
    assert replay_difference(other, now, exact=False) == f"status violated -> {Status.HOLDS}"


def test_shards_split_the_budget_with_their_own_seeds():
    assert shard_sizes(1000, 10) == [100] * 10
    assert shard_sizes(7, 3) == [3, 2, 2] and shard_sizes(2, 10) == [1, 1]
    assert shard_sizes(0, 3) == []
    draws = [t for t in plan([AMGM], SHARDED) if t.kind == "draws"]
    assert [t.examples for t in draws] == shard_sizes(SHARDED.max_examples, SHARDED.shards)
    labels = {shard_label(AMGM.id, "draws", t.index) for t in draws}
    assert len(labels) == len(draws) and AMGM.id in labels  # shard 0: the claim's own stream


def test_replay_tasks_come_first():
    baseline = {"claims": [{"id": AMGM.id, "worst_instance": {"a": 1.0, "b": 2.0},
                            "worst_verdict": {"status": "holds"}, "controls": []}]}
    tasks = plan([AMGM_EDGES, AMGM], CI, baseline=baseline)
    assert tasks[0].kind == "replay" and tasks[0].claim == AMGM.id
    assert all(t.kind != "replay" for t in tasks[1:])


def test_progress_counts_tasks_with_elapsed_time_and_what_is_left(capsys):
    done, total, elapsed = 3, 10, 6.0
    _progress(done, total, elapsed, "k19.thm1: draws shard 0")
    left = elapsed / done * (total - done)
    line = capsys.readouterr().err
    assert re.fullmatch(
        re.escape(f"[{'#' * (24 * done // total)}{'.' * (24 - 24 * done // total)}]    3/10 "
                  f"tasks 0:{elapsed:02.0f} elapsed, ~0:{left:02.0f} left  k19.thm1: draws "
                  "shard 0") + "\n", line)


def test_an_unreachable_scheduler_is_a_one_line_error():
    with pytest.raises(ExecutorUnavailable, match="cannot reach the Dask scheduler at "):
        DaskExecutor("tcp://127.0.0.1:9", timeout=1).run(plan([AMGM], CI), CI, {})


def test_jobs_and_scheduler_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--jobs", "0"])
    assert "expected a whole number >= 1" in capsys.readouterr().err


def test_claims_that_took_longest_start_first_after_the_replays():
    baseline = {"claims": [
        {"id": AMGM.id, "seconds": 1.0, "worst_instance": {"a": 1.0, "b": 2.0},
         "worst_verdict": {"status": "holds"}, "controls": []},
        {"id": AMGM_EDGES.id, "seconds": 9.0, "controls": []}]}
    tasks = plan([AMGM, AMGM_EDGES], CI, baseline=baseline)
    order = longest_first(tasks, baseline)
    assert sorted(order, key=tasks.index) == tasks
    assert order[0].kind == "replay"
    claims = [t.claim for t in order[1:]]
    assert claims == sorted(claims, key=[AMGM_EDGES.id, AMGM.id].index)
    assert longest_first(tasks, None) == tasks


def test_a_malformed_scheduler_address_is_a_one_line_error(tmp_path, toys, capsys):
    pytest.importorskip("distributed")
    assert main(["run", "--only", "toy.amgm", "--out", str(tmp_path), "--no-report",
                 "--baseline", str(tmp_path / "baseline.json"), "--update-baseline",
                 "--scheduler", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler at nonsense: ")
    assert err.count("\n") == 1


def test_a_worker_that_always_dies_costs_its_neighbours_nothing(kill_switch):
    """Tasks lost beside a task that kills every worker it runs on are re-run and decided; the
    killing task alone becomes an error."""
    always = kill_switch / "always"
    claims = [KILLER, AMGM]
    tasks = plan(claims, CI)
    try:
        always.touch()
        out = ProcessExecutor(2).run(tasks, CI, {})
    finally:
        always.unlink(missing_ok=True)
    failed = [t.claim for t in tasks if not out[t.key]["ok"]]
    assert failed == [KILLER.id]
    assert all(out[t.key]["ok"] for t in tasks if t.claim == AMGM.id)
