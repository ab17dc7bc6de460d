"""The framework: decisions, hypotheses, the runner, controls, ledgers and baselines."""

from __future__ import annotations

import copy
import json
import math

import pytest
from toy_claims import AMGM

from checks.framework import Status, Tolerance, decide, decide_flag
from checks.inputs import BadInput, integer, matrices, matrix, real, vector
from checks.ledger import CorruptLedger, build_ledger, compare, load_ledger, write_ledger
from checks.profiles import get_profile
from checks.runner import overall, run_claim, run_control

TOL = Tolerance(1e-12, "test tolerance")


@pytest.mark.parametrize(
    ("lhs", "rhs", "relation", "status"),
    [
        (1.0, 2.0, "<=", Status.HOLDS),
        (2.0, 1.0, "<=", Status.VIOLATED),
        (2.0, 1.0, ">=", Status.HOLDS),
        (1.0, 1.0 + 1e-13, "==", Status.HOLDS),
        (1.0, 1.1, "==", Status.VIOLATED),
        (1.0 + 5e-13, 1.0, "<=", Status.HOLDS),  # within the tolerance
    ],
)
def test_decide(lhs, rhs, relation, status):
    v = decide(lhs, rhs, relation=relation, tolerance=TOL)
    assert v.status is status
    assert v.tolerance == TOL.value and v.tolerance_derivation == TOL.derivation


def test_decide_slack_is_signed_and_relative():
    v = decide(1.0, 3.0, tolerance=TOL, scale=4.0)
    assert v.slack == 2.0 and v.relative_slack == 0.5
    assert decide(3.0, 1.0, tolerance=TOL).slack == -2.0


def test_decide_inconclusive_when_tolerance_swamps_scale():
    v = decide(1e-20, 2e-20, tolerance=Tolerance(1e-16, "rounding"))
    assert v.status is Status.INCONCLUSIVE


def test_decide_non_finite_is_inconclusive():
    assert decide(math.nan, 1.0, tolerance=TOL).status is Status.INCONCLUSIVE


def test_decide_rejects_unknown_relation():
    with pytest.raises(ValueError, match="relation"):
        decide(1, 2, relation="<", tolerance=TOL)


def test_decide_flag():
    assert decide_flag(True).status is Status.HOLDS
    assert decide_flag(False).status is Status.VIOLATED
    assert decide_flag(None).status is Status.INCONCLUSIVE


def test_tolerance_must_be_nonnegative():
    with pytest.raises(ValueError):
        Tolerance(-1.0, "x")


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_overflowing_tolerance_is_inconclusive(value):
    v = decide(1.0, 2.0, tolerance=Tolerance(value, "bound overflowed"))
    assert v.status is Status.INCONCLUSIVE and "tolerance" in v.message


def test_check_out_of_scope_and_drop():
    bad = {"a": -1.0, "b": -1.0}
    assert AMGM.check(bad).status is Status.OUT_OF_SCOPE
    assert AMGM.check(bad, drop="nonneg").status is Status.VIOLATED
    assert AMGM.check({"a": 1.0, "b": 4.0}).status is Status.HOLDS


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
    from checks.framework import Control

    harmless = Control("harmless", "nonneg", "non-negative sides", instances=[{"a": 1, "b": 2}])
    assert not run_control(AMGM, harmless, get_profile("ci")).passed


def test_overall():
    from collections import Counter

    assert overall(Counter({"holds": 3})) == "holds"
    assert overall(Counter({"holds": 3, "violated": 1})) == "violated"
    assert overall(Counter({"holds": 3, "out-of-scope": 1})) == "out-of-scope"
    assert overall(Counter({"inconclusive": 2})) == "inconclusive"


@pytest.fixture(scope="module")
def ledger():
    profile = get_profile("ci")
    run = run_claim(AMGM, profile)
    return build_ledger([AMGM], [run], profile, run.seconds)


def test_ledger_round_trip(ledger, tmp_path):
    path = tmp_path / "ledger.json"
    write_ledger(ledger, path)
    again = load_ledger(path)
    assert again["claims"][0]["id"] == "toy.amgm"
    assert again["summary"]["controls_passed"] == 2
    assert again["environment"]["packages"]["numpy"]
    assert compare(again, ledger) == []


def test_compare_detects_regressions(ledger):
    flipped = copy.deepcopy(ledger)
    flipped["claims"][0]["verdict"] = "violated"
    assert any("verdict" in p for p in compare(flipped, ledger))
    lost = copy.deepcopy(ledger)
    lost["claims"][0]["controls"][0]["passed"] = False
    assert any("control" in p for p in compare(lost, ledger))
    moved = copy.deepcopy(ledger)
    moved["claims"][0]["tightness"] = (ledger["claims"][0]["tightness"] or 0) + 1.0
    assert any("tightness" in p for p in compare(moved, ledger))
    gone = copy.deepcopy(ledger)
    gone["claims"] = []
    assert any("not in this run" in p for p in compare(gone, ledger))
    assert compare(gone, ledger, partial=True) == []


@pytest.mark.parametrize(
    "text", ["", "{", "[]", json.dumps({"schema": "other"}),
             json.dumps({"schema": "identity-landscapes-ledger/1", "claims": [{"id": 1}]})],
)
def test_corrupt_ledger(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CorruptLedger):
        load_ledger(path)


@pytest.mark.parametrize(
    ("value", "fn"),
    [
        ("abc", lambda p: matrix(p, "x")),
        ([[1, 2], [3]], lambda p: matrix(p, "x")),
        ([[1, float("nan")]], lambda p: matrix(p, "x")),
        ([[1, 2]], lambda p: matrix(p, "x", square=True)),
        ([], lambda p: vector(p, "x")),
        ([1, 2], lambda p: vector(p, "x", length=3)),
        ([[1, 2]], lambda p: matrices(p, "x")),
        ([[[1]], [[1, 2]]], lambda p: matrices(p, "x")),
        ("1", lambda p: real(p, "x")),
        (True, lambda p: real(p, "x")),
        (float("inf"), lambda p: real(p, "x")),
        (2.0, lambda p: real(p, "x", hi=1.0)),
        (1.5, lambda p: integer(p, "x")),
    ],
)
def test_inputs_reject_with_named_message(value, fn):
    with pytest.raises(BadInput, match="x"):
        fn({"x": value})


def test_inputs_missing_parameter():
    with pytest.raises(BadInput, match="missing"):
        matrix({}, "R")


def test_tightness_compared_only_for_the_same_draws(ledger):
    moved = copy.deepcopy(ledger)
    moved["claims"][0]["tightness"] = (ledger["claims"][0]["tightness"] or 0) + 1.0
    other_seed = copy.deepcopy(moved)
    other_seed["seed"] = ledger["seed"] + 1
    assert compare(other_seed, ledger) == []
    other_version = copy.deepcopy(moved)
    other_version["environment"]["packages"]["hypothesis"] = "0.0.0"
    assert compare(other_version, ledger) == []
    other_version["claims"][0]["verdict"] = "violated"
    assert any("verdict" in p for p in compare(other_version, ledger))


# --------------------------------------------------------------- violated needs a certificate

@pytest.mark.parametrize(
    ("lhs_bound", "rhs_bound", "status"),
    [
        ("exact", "exact", Status.VIOLATED),
        ("lower", "exact", Status.VIOLATED),   # lhs >= 2 > 1 = rhs: certified
        ("exact", "upper", Status.VIOLATED),
        ("upper", "exact", Status.INCONCLUSIVE),  # lhs <= 2 says nothing against rhs = 1
        ("exact", "lower", Status.INCONCLUSIVE),  # rhs >= 1 (inf L >= 0) cannot violate
    ],
)
def test_violated_needs_bounds_in_the_direction_of_the_separation(lhs_bound, rhs_bound, status):
    v = decide(2.0, 1.0, relation="<=", tolerance=TOL, lhs_bound=lhs_bound, rhs_bound=rhs_bound)
    assert v.status is status
    assert bool(v.certificate) is (status is Status.VIOLATED)
    if status is Status.INCONCLUSIVE:
        assert v.message.startswith("no certificate for 'violated'")


@pytest.mark.parametrize(
    ("lhs_bound", "rhs_bound", "status"),
    [("upper", "lower", Status.HOLDS), ("lower", "exact", Status.INCONCLUSIVE),
     ("exact", "upper", Status.INCONCLUSIVE)],
)
def test_holds_needs_bounds_in_the_direction_of_the_conclusion(lhs_bound, rhs_bound, status):
    v = decide(1.0, 2.0, relation="<=", tolerance=TOL, lhs_bound=lhs_bound, rhs_bound=rhs_bound)
    assert v.status is status


def test_greater_equal_mirrors_the_bound_rule():
    assert decide(1.0, 2.0, relation=">=", tolerance=TOL, rhs_bound="lower").status \
        is Status.VIOLATED
    assert decide(1.0, 2.0, relation=">=", tolerance=TOL, rhs_bound="upper").status \
        is Status.INCONCLUSIVE


def test_an_equality_with_a_one_sided_side_cannot_be_violated():
    v = decide(1.0, 2.0, relation="==", tolerance=TOL, rhs_bound="lower",
               uncertified="no witness; inf L is only bounded below")
    assert v.status is Status.INCONCLUSIVE
    assert v.message == "no witness; inf L is only bounded below"


def test_decide_refuses_an_unknown_bound_kind():
    with pytest.raises(ValueError, match=r"^lhs_bound must be one of"):
        decide(2.0, 1.0, tolerance=TOL, lhs_bound="approx")


def test_check_refuses_a_violated_verdict_without_a_certificate():
    """The framework, not each oracle, enforces the rule: an oracle that says ``violated``
    without a certificate of separation gets ``inconclusive`` from :meth:`Claim.check`."""
    import dataclasses

    from checks.framework import Verdict

    bare = dataclasses.replace(AMGM, measure=lambda inst: Verdict(Status.VIOLATED, 2.0, 1.0))
    flag = dataclasses.replace(AMGM, measure=lambda inst: decide_flag(False, message="no"))
    inst = {"a": 1.0, "b": 2.0}
    for claim in (bare, flag):
        v = claim.check(inst)
        assert v.status is Status.INCONCLUSIVE
        assert v.message.startswith("refused 'violated': the oracle gave no certificate")
    signed = dataclasses.replace(AMGM, measure=lambda inst: decide_flag(
        False, certificate="an exact tie"))
    assert signed.check(inst).status is Status.VIOLATED
    assert signed.check(inst).certificate == "an exact tie"


def test_run_claim_records_a_raising_task_as_the_claims_error():
    """A task that raises (here a reproduction) makes the claim's entry ``error``, naming the
    exception; the claim's other tasks still ran."""
    from toy_claims import RAISES

    run = run_claim(RAISES, get_profile("ci"))
    assert run.verdict == "error" and run.instances == get_profile("ci").max_examples
    assert run.errors == [
        "toy.raises: reproduction broken: ZeroDivisionError: the reproduction divides by zero"]


def test_shards_merge_in_shard_order_whatever_they_hold():
    """Counts add, sizes widen, the worst is the smallest slack (the earlier shard's on a tie),
    the sample keeps the smallest slacks in order."""
    from checks.runner import merge_shards

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


def test_an_oracle_that_overflows_is_inconclusive_with_the_reason():
    """Python floats raise ``OverflowError`` where NumPy gives inf (``1e200 ** 2``): a side
    that is not representable at the instance's scale decides nothing, so the verdict is
    inconclusive with the reason, not a traceback and not a verdict."""
    import dataclasses

    def measure(inst):
        return decide(inst["a"] ** 2, 1.0, tolerance=TOL)

    claim = dataclasses.replace(AMGM, measure=measure)
    v = claim.check({"a": 1e200, "b": 1.0})
    assert v.status is Status.INCONCLUSIVE
    assert v.message.startswith("a quantity overflows at this scale (OverflowError")
