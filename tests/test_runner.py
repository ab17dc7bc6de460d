"""The runner of :mod:`checks.runner`: a claim's run over its strategy, controls and reproductions,
the tally of one stream, shards and their merge, and the Hypothesis settings and seeds of a run."""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections import Counter

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase
from toy_claims import AMGM, RAISES, toy_runner_claim

from checks import runner
from checks.framework import (
    Claim,
    Control,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_flag,
)
from checks.profiles import get_profile
from checks.runner import (
    ClaimRun,
    _settings,
    _Tally,
    merge_shards,
    overall,
    run_claim,
    run_control,
    sample_instances,
    stream_seed,
)


def test_run_claim_counts_and_tightness():
    run = run_claim(AMGM, get_profile("ci"))
    assert run.verdict == "holds"
    assert run.instances == sum(run.counts.values()) > 0
    assert run.tightness is not None and run.tightness >= 0
    # the recorded worst instance replays to the recorded slack exactly
    replayed = AMGM.check(AMGM.parse(run.worst_instance))
    assert replayed.relative_slack == run.worst_verdict["relative_slack"]
    assert all(c.passed for c in run.controls) and len(run.controls) == 2


def test_control_strategy_finds_violation():
    ctl = run_control(AMGM, AMGM.control("negative-search"), get_profile("ci"))
    assert ctl.passed and ctl.verdict["status"] == "violated"


def test_control_that_cannot_fail_is_reported():
    harmless = Control("harmless", "nonneg", "non-negative sides", instances=[{"a": 1, "b": 2}])
    assert not run_control(AMGM, harmless, get_profile("ci")).passed


def test_overall():
    assert overall(Counter({"holds": 3})) == "holds"
    assert overall(Counter({"holds": 3, "violated": 1})) == "violated"
    assert overall(Counter({"holds": 3, "out-of-scope": 1})) == "out-of-scope"
    assert overall(Counter({"inconclusive": 2})) == "inconclusive"


def test_run_claim_records_a_raising_task_as_the_claims_error():
    """A task that raises (here a reproduction) makes the claim's entry ``error``, naming the
    exception; the claim's other tasks still ran."""

    run = run_claim(RAISES, get_profile("ci"))
    assert run.verdict == "error" and run.instances == get_profile("ci").max_examples
    assert run.errors == [
        "toy.raises: reproduction broken: ZeroDivisionError: the reproduction divides by zero"]


def test_shards_merge_in_shard_order_whatever_they_hold():
    """Counts add, sizes widen, the worst is the smallest slack (the earlier shard's on a tie),
    the sample keeps the smallest slacks in order."""

    def shard(rel, n, lo, hi):
        item = {"instance": {"rel": rel}, "verdict": {"relative_slack": rel}}
        return {"counts": {"holds": n}, "sizes": {"n": [lo, hi]}, "slacks": [rel],
                "worst": [rel, {"rel": rel}, {}], "first_failure": None, "sample": [item]}

    a, b, c = shard(0.5, 2, 1, 3), shard(0.25, 3, 0, 2), shard(0.25, 1, 4, 9)
    merged = merge_shards([a, b, c], sample=2)
    assert merged["counts"] == {"holds": 6} and merged["sizes"] == {"n": [0, 9]}
    assert merged["slacks"] == [0.25, 0.25, 0.5]
    assert merged["worst"] is b["worst"]
    assert merged["sample"] == [b["sample"][0], c["sample"][0]]


TOL = Tolerance(1e-12, "test tolerance")


def _claim(**kw):
    base = dict(id="toy.two", paper="hm17", source="s", title="t", statement="x",
                measure=lambda inst: decide_flag(True), parse=lambda p: dict(p),
                strategy=lambda profile: None)
    base.update(kw)
    return Claim(**base)


def _verdict(status, rel, size=None):
    v = Verdict(status, relative_slack=rel)
    if size is not None:
        v.diagnostics["size"] = size
    return v


def test_tally_counts_sizes_failures_and_worst():
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
    t = _Tally()
    t.add({"i": 1}, _verdict(Status.VIOLATED, -2.0))
    t.add({"i": 2}, _verdict(Status.VIOLATED, -3.0))
    assert t.first_failure["instance"] == {"i": 1} and t.worst is None and t.slacks == []


def test_run_claim_uses_the_profile_everywhere():
    claim, seen = toy_runner_claim()
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
    claim, seen = toy_runner_claim()
    run = run_claim(claim, get_profile("ci"), run_controls=False, run_reproductions=False)
    assert run.controls == [] and run.reproductions == [] and "reproduction" not in seen
    default = run_claim(toy_runner_claim()[0], get_profile("ci"))
    assert len(default.reproductions) == 1 and len(default.controls) == 1


def test_run_claim_keeps_the_reproductions_own_name():
    rep = Reproduction("rep", "desc", lambda p: {"title": "x", "name": "own",
                                                   "description": "own desc"})
    claim, _ = toy_runner_claim(reproduction=rep)
    out = run_claim(claim, get_profile("ci"), run_controls=False).reproductions[0]
    assert (out["name"], out["description"]) == ("own", "own desc")


def test_claim_run_to_json_has_controls():
    out = run_claim(toy_runner_claim()[0], get_profile("ci")).to_json()
    assert out["controls"][0]["name"] == "over" and out["controls"][0]["passed"] is True
    assert out["id"] == "toy.runner" and out["verdict"] == "holds"


def test_a_run_has_no_deadline_no_database_and_targets_only_when_asked():
    s = _settings(get_profile("ci"), 5, False)
    assert (s.max_examples, s.deadline, s.database) == (5, None, None)
    assert tuple(s.phases) == (Phase.explicit, Phase.reuse, Phase.generate)
    assert set(s.suppress_health_check) == set(HealthCheck)
    assert s.print_blob is False and s.verbosity == hypothesis.Verbosity.quiet
    t = _settings(get_profile("dev"), 9, True)
    assert Phase.target in t.phases and t.max_examples == 9


def test_random_profiles_are_seeded():
    dev = get_profile("dev")
    ints = st.integers(0, 2**60)
    first = list(sample_instances(ints, dev, 8))
    assert first == list(sample_instances(ints, dev, 8))  # the profile's seed fixes the draws
    other = list(sample_instances(ints, dataclasses.replace(dev, seed=dev.seed + 1), 8))
    assert other != first


def test_run_control_counts_and_fields():
    claim, _ = toy_runner_claim()
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

    claim, _ = toy_runner_claim()
    inside = run_control(claim, Control("inside", "even", "k = 150 is even",
                                        instances=[{"k": 150}, {"k": 152}]), get_profile("ci"))
    assert not inside.passed and inside.instance is None and inside.outside is None
    assert inside.counts["violated"] == 2


def test_run_control_expecting_inconclusive():
    claim, _ = toy_runner_claim()
    ctl = Control("flag", "even", "expects holds", instances=[{"k": 5}], expect=Status.HOLDS)
    out = run_control(claim, ctl, get_profile("ci"))
    assert out.passed and out.expect == "holds"


def test_to_json_keys_are_the_fields():
    out = decide(1.0, 2.0, tolerance=TOL).to_json()
    assert set(out) == {f.name for f in dataclasses.fields(Verdict)}
    run = run_claim(toy_runner_claim()[0], get_profile("ci"))
    assert set(run.to_json()) == {f.name for f in dataclasses.fields(ClaimRun)}
    assert 0 <= run.seconds < 60


def test_settings_do_not_inherit_the_loaded_profile():
    """The run's settings are explicit: they must not depend on the test profile."""

    current = hsettings.get_current_profile_name()
    hsettings.register_profile("reliab-noisy", deadline=1000, print_blob=True,
                               database=InMemoryExampleDatabase())
    hsettings.load_profile("reliab-noisy")
    try:
        s = _settings(get_profile("dev"), 5, False)
    finally:
        hsettings.load_profile(current)
    assert s.deadline is None and s.database is None and s.print_blob is False


def _recording_drive(monkeypatch):
    calls = []

    def drive(strategy, profile, n, on_instance, targeting, label):
        calls.append({"targeting": targeting, "on_instance": on_instance, "n": n,
                      "label": label})

    monkeypatch.setattr(runner, "_drive", drive)
    return calls


def test_run_claim_targets_only_when_the_claim_asks(monkeypatch):
    calls = _recording_drive(monkeypatch)
    run_claim(toy_runner_claim()[0], get_profile("ci"), run_controls=False, run_reproductions=False)
    run_claim(toy_runner_claim(tightness=False)[0], get_profile("ci"), run_controls=False,
              run_reproductions=False)
    assert [c["targeting"] for c in calls] == [True, False] and calls[0]["n"] == 7


def test_run_control_targets_the_negative_slack(monkeypatch):
    calls = _recording_drive(monkeypatch)
    claim, _ = toy_runner_claim()
    run_control(claim, Control("s", "even", "d", strategy=st.just({"k": 1})), get_profile("ci"))
    (call,) = calls
    assert call["targeting"] is True and call["n"] == get_profile("ci").control_examples
    assert call["on_instance"]({"k": 50}) == -0.5  # relative slack (100 - 50) / 100
    flag = _claim(measure=lambda i: decide_flag(None))
    run_control(flag, Control("f", "none", "d", strategy=st.just({})), get_profile("ci"))
    assert calls[-1]["on_instance"]({}) == 0.0  # no slack: nothing to steer by


def test_run_claim_with_failures_only():
    claim, _ = toy_runner_claim()
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

    ci = get_profile("ci")
    assert stream_seed(dataclasses.replace(ci, seed=0), "toy.amgm") == zlib.crc32(b"toy.amgm")
    assert stream_seed(dataclasses.replace(ci, seed=1), "") == 1_000_003
    big = stream_seed(dataclasses.replace(ci, seed=2**32), "x")
    assert big == zlib.crc32(b"x") and isinstance(big, int)
    assert 0 <= stream_seed(ci, "a") < 2**32 and stream_seed(ci, "a") != stream_seed(ci, "b")


def test_sample_instances_default_label():
    ints = st.integers(0, 2**60)
    dev = get_profile("dev")
    assert list(sample_instances(ints, dev, 5)) == list(
        sample_instances(ints, dev, 5, label="sample"))
    assert list(sample_instances(ints, dev, 5)) != list(sample_instances(ints, dev, 5, label="x"))


def test_resolve_finds_a_claim_outside_the_registry_in_the_module_named():
    """A task names its claim by id and, for a claim defined outside the registry (as the
    toy claims of these tests), by the module that defines it: ``resolve`` imports that
    module in the worker; without a module, or when the module lacks the claim, the lookup
    fails as the registry's does."""
    from checks.registry import UnknownClaim

    assert runner.resolve(AMGM.id, "toy_claims") is AMGM
    assert runner.resolve("k19.thm1").id == "k19.thm1"
    with pytest.raises(UnknownClaim):
        runner.resolve(AMGM.id)
    with pytest.raises(UnknownClaim):
        runner.resolve("toy.no-such-claim", "toy_claims")
