"""Same seed and profile give the same ledger, apart from timings and timestamps."""

from __future__ import annotations

import json

import pytest
from toy_claims import AMGM

from checks.ledger import build_ledger
from checks.profiles import get_profile
from checks.registry import all_claims
from checks.runner import run_claim

VOLATILE = {"seconds", "created", "environment"}


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _first_claim_per_paper():
    seen, picked = set(), []
    for claim in all_claims():
        if claim.paper not in seen:
            seen.add(claim.paper)
            picked.append(claim)
    return picked


@pytest.mark.parametrize("claim", [AMGM, *_first_claim_per_paper()], ids=lambda c: c.id)
def test_ledger_is_deterministic(claim):
    profile = get_profile("ci")
    ledgers = [
        _strip(build_ledger([claim], [run_claim(claim, profile)], profile, 0.0)) for _ in range(2)
    ]
    assert json.dumps(ledgers[0], sort_keys=True) == json.dumps(ledgers[1], sort_keys=True)
