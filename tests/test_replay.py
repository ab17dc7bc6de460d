"""Every worst instance and every control instance recorded in the committed baseline replays
to the same verdict, bit for bit: the status and the relative slack."""

from __future__ import annotations

import pytest

from checks.cli import DEFAULT_BASELINE, evaluate
from checks.ledger import load_ledger
from checks.registry import get

BASELINE = load_ledger(DEFAULT_BASELINE)


def _recorded():
    for entry in BASELINE["claims"]:
        if entry.get("worst_instance") is not None:
            yield pytest.param(entry["id"], entry["worst_instance"], entry["worst_verdict"],
                               None, id=f"{entry['id']}/worst")
        for ctl in entry.get("controls", []):
            if ctl.get("instance") is not None:
                yield pytest.param(entry["id"], ctl["instance"], ctl["verdict"], ctl["drops"],
                                   id=f"{entry['id']}/{ctl['name']}")


@pytest.mark.parametrize(("claim_id", "params", "recorded", "drop"), list(_recorded()))
def test_recorded_instance_replays_exactly(claim_id, params, recorded, drop):
    verdict = evaluate(get(claim_id), params, drop).to_json()
    assert (verdict["status"], verdict["relative_slack"]) == (
        recorded["status"], recorded["relative_slack"])
