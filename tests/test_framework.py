"""Decisions, hypotheses and verdicts of :mod:`checks.framework`: the tolerance and bound rules of
``decide``, ``violated`` only with a certificate, controls and out-of-scope instances."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from toy_claims import AMGM, toy_runner_claim

from checks.framework import (
    Claim,
    Control,
    Hypothesis,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_equal,
    decide_flag,
    out_of_scope,
)

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


def test_an_oracle_that_overflows_is_inconclusive_with_the_reason():
    """Python floats raise ``OverflowError`` where NumPy gives inf (``1e200 ** 2``): a side
    that is not representable at the instance's scale decides nothing, so the verdict is
    inconclusive with the reason, not a traceback and not a verdict."""

    def measure(inst):
        return decide(inst["a"] ** 2, 1.0, tolerance=TOL)

    claim = dataclasses.replace(AMGM, measure=measure)
    v = claim.check({"a": 1e200, "b": 1.0})
    assert v.status is Status.INCONCLUSIVE
    assert v.message.startswith("a quantity overflows at this scale (OverflowError")


@pytest.mark.parametrize(("ok", "status", "slack"), [
    (True, Status.HOLDS, 1.0), (False, Status.VIOLATED, -1.0), (None, Status.INCONCLUSIVE, None),
])
def test_decide_flag_is_certified_with_a_unit_slack(ok, status, slack):
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


def test_out_of_scope_records_the_reason_and_no_slack():
    v = out_of_scope("tau >= 1", tau=1.5)
    assert (v.status, v.message, v.diagnostics) == (Status.OUT_OF_SCOPE, "tau >= 1", {"tau": 1.5})
    assert (v.slack, v.relative_slack, v.tolerance) == (None, None, None)


def test_decide_records_every_field():
    v = decide(1.0, 3.0, relation="<=", tolerance=Tolerance(0.5, "half"), scale=4.0,
               diagnostics={"k": 1}, message="note")
    assert (v.status, v.lhs, v.rhs, v.relation) == (Status.HOLDS, 1.0, 3.0, "<=")
    assert (v.slack, v.relative_slack, v.tolerance) == (2.0, 0.5, 0.5)
    assert (v.tolerance_derivation, v.message, v.diagnostics) == ("half", "note", {"k": 1})


def test_decide_holds_at_slack_minus_the_tolerance_and_is_inconclusive_strictly_above():
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
def test_decide_with_a_non_finite_side_is_inconclusive_keeping_its_fields(lhs):
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


def test_a_bare_verdict_has_empty_fields():
    v = Verdict(Status.HOLDS)
    assert (v.lhs, v.rhs, v.relation, v.slack, v.message, v.diagnostics, v.seconds) == (
        None, None, "", None, "", {}, 0.0)


def test_a_control_must_drop_a_hypothesis_of_its_claim():
    with pytest.raises(ValueError, match=r"control 'c' drops 'odd', which is not one of its "
                                         r"hypotheses \['even'\]"):
        toy_runner_claim(controls=[Control("c", "odd", "d", instances=[{"k": 1}])])


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
