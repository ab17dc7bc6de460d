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

import json

import pytest
from roundtrip import without

from checks.cli import DEFAULT_BASELINE, evaluate
from checks.ledger import load_ledger, same_machine
from checks.registry import get
from checks.serialise import to_jsonable

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


@needs_recording_machine
@pytest.mark.parametrize(("claim_id", "index", "recorded"), list(_reproductions()))
def test_reproduction_replays(claim_id, index, recorded):
    rep = get(claim_id).reproductions[index]
    result = dict(rep.run(BASELINE["profile"]))
    result.setdefault("name", rep.name)
    result.setdefault("description", rep.description)
    assert _canonical(result) == _canonical(recorded)


def test_same_machine_tells_another_processor_apart():
    """The guard itself: a ledger from another processor model is not the recording machine."""
    for key, value in (("cpu_model", "elsewhere"), ("blas_threads", 10**6)):
        other = {**BASELINE, "environment": {**BASELINE["environment"], key: value}}
        assert not same_machine(other)
    assert not same_machine({})
