"""The committed baseline replays: every recorded worst instance and control instance gives
the recorded verdict, and every reproduction the recorded figure or table.

The status must always agree. Bit-for-bit agreement of the whole verdict (slack, tolerance and
its derivation, message, diagnostics) and of the reproductions is promised where the baseline
was recorded: same processor model, BLAS thread count (``nox`` sets one) and NumPy, SciPy
and autograd (:func:`checks.ledger.same_machine`); elsewhere those comparisons skip with the
reason. After a
change that moves a number on purpose, refresh the baseline with
``nox -s theorems -- --profile ci --update-baseline``.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from roundtrip import without

from checks.cli import DEFAULT_BASELINE, evaluate
from checks.ledger import claim_metadata, load_ledger, same_machine
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import reproduction_record, run_claim, run_control
from checks.serialise import to_jsonable

# autograd overflows to inf on saturated tanh/sinh units and then divides to the correct 0
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:autograd")

BASELINE = load_ledger(DEFAULT_BASELINE)
SAME_MACHINE = same_machine(BASELINE)
VOLATILE = {"seconds"}
needs_recording_machine = pytest.mark.skipif(
    not SAME_MACHINE, reason="baseline recorded on another processor, BLAS thread count or "
    "NumPy/SciPy/autograd: bit-exact replay is promised on the recording machine only")


def _strip(obj):
    return without(obj, VOLATILE)


def _canonical(obj) -> str:
    return json.dumps(_strip(to_jsonable(obj)), sort_keys=True)


def _recorded():
    for entry in BASELINE["claims"]:
        if entry.get("worst_instance") is not None:
            yield pytest.param(entry["id"], entry["worst_instance"], entry["worst_verdict"],
                               None, id=f"{entry['id']}/worst")
        for ctl in entry.get("controls", []):
            if ctl.get("instance") is not None:
                yield pytest.param(entry["id"], ctl["instance"], ctl["verdict"], ctl["drops"],
                                   id=f"{entry['id']}/{ctl['name']}")


def _reproductions():
    for entry in BASELINE["claims"]:
        for k, rec in enumerate(entry.get("reproductions", [])):
            yield pytest.param(entry["id"], k, rec, id=f"{entry['id']}/{rec.get('name', k)}")


@pytest.mark.parametrize(("claim_id", "params", "recorded", "drop"), list(_recorded()))
def test_recorded_instance_replays(claim_id, params, recorded, drop):
    verdict = evaluate(get(claim_id), params, drop).to_json()
    assert verdict["status"] == recorded["status"]
    if SAME_MACHINE:
        assert _canonical(verdict) == _canonical(recorded)


def _recorded_controls():
    for entry in BASELINE["claims"]:
        for k, ctl in enumerate(entry.get("controls", [])):
            yield pytest.param(entry["id"], k, ctl, id=f"{entry['id']}/{ctl['name']}")


@pytest.mark.parametrize(("claim_id", "index", "recorded"), list(_recorded_controls()))
def test_control_instance_lies_outside_the_claim(claim_id, index, recorded):
    """Without the drop, a control's instance fails the hypothesis the control drops, for the
    recorded reason: the control shows that hypothesis is needed, not a counterexample."""
    claim = get(claim_id)
    outside = claim.failed_hypotheses(claim.parse(recorded["instance"]))
    assert recorded["drops"] in outside
    assert evaluate(claim, recorded["instance"]).status == "out-of-scope"
    if SAME_MACHINE:
        assert outside == recorded["outside"]


@pytest.mark.parametrize(("claim_id", "index", "recorded"), list(_recorded_controls()))
def test_control_rebuilds_as_recorded(claim_id, index, recorded):
    """Each control, run afresh under the baseline's profile, finds the recorded instance and
    verdict, under the recorded name, dropped hypothesis and description."""
    claim = get(claim_id)
    run = run_control(claim, claim.controls[index], get_profile(BASELINE["profile"])).to_json()
    fixed = ("name", "drops", "description", "expect", "passed")
    assert {k: run[k] for k in fixed} == {k: recorded[k] for k in fixed}
    if SAME_MACHINE:
        assert _canonical(run) == _canonical(recorded)


@pytest.mark.parametrize("entry", BASELINE["claims"], ids=lambda e: e["id"])
def test_claim_run_replays(entry):
    """Each claim's strategy, driven under the baseline's profile and seed, draws the recorded
    instances and decides them as recorded: the same counts, sizes, sorted slacks, worst
    instance and verdict, and first failure (none). What ``nox -s theorems`` compares against
    the baseline, claim by claim, inside the test suite."""
    profile = dataclasses.replace(get_profile(BASELINE["profile"]), seed=BASELINE["seed"])
    run = run_claim(get(entry["id"]), profile, run_controls=False,
                    run_reproductions=False).to_json()
    assert run["verdict"] == entry["verdict"]
    if SAME_MACHINE:
        drawn = ("counts", "instances", "sizes", "tightness", "worst_instance",
                 "worst_verdict", "first_failure", "slacks")
        assert _canonical({k: run[k] for k in drawn}) == _canonical({k: entry[k] for k in drawn})


@pytest.mark.parametrize("entry", BASELINE["claims"], ids=lambda e: e["id"])
def test_claim_statement_as_recorded(entry):
    """Title, statement, hypotheses, what is decided and the errata: as the baseline states
    them (a change of wording is a change of the claim, and needs a new baseline)."""
    metadata = claim_metadata(get(entry["id"]))
    assert metadata == {k: entry[k] for k in metadata}


@needs_recording_machine
@pytest.mark.parametrize(("claim_id", "index", "recorded"), list(_reproductions()))
def test_reproduction_replays(claim_id, index, recorded):
    result = reproduction_record(get(claim_id).reproductions[index], BASELINE["profile"])
    assert _canonical(result) == _canonical(recorded)


def test_same_machine_tells_another_processor_apart():
    """The guard itself: a ledger from another processor model is not the recording machine."""
    for key, value in (("cpu_model", "elsewhere"), ("blas_threads", 10**6)):
        other = {**BASELINE, "environment": {**BASELINE["environment"], key: value}}
        assert not same_machine(other)
    assert not same_machine({})
