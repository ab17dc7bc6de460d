"""Assertions every claim's tests share: the claim holds on its own strategy, and the JSON
round trip (an instance written as instance-file JSON and parsed back gets the same verdict,
status and both sides, bit for bit)."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from hypothesis import given, settings

from checks.framework import Claim, Status, Verdict
from checks.registry import get
from checks.serialise import to_jsonable

__all__ = ["assert_json_round_trip", "holds_on_strategy", "recorded_ids", "recorded_worst",
           "without"]


def assert_json_round_trip(claim: Claim, inst: dict[str, Any], drop: str | None = None) -> Verdict:
    """Check ``claim.parse`` of the JSON text of ``inst`` against ``inst`` itself (with the
    hypothesis ``drop`` dropped, for control instances); return the verdict."""
    params = json.loads(json.dumps({"claim": claim.id, "params": to_jsonable(inst)}))["params"]
    again = claim.parse(params)
    a, b = claim.check(inst, drop=drop), claim.check(again, drop=drop)
    assert a.status == b.status, (a.status, b.status)
    assert (a.lhs, a.rhs) == (b.lhs, b.rhs), ((a.lhs, a.rhs), (b.lhs, b.rhs))
    return a


def holds_on_strategy(claim_id: str, n: int):
    """A Hypothesis test (call it) asserting ``holds`` on ``n`` instances of the claim's own
    ``ci`` strategy."""
    claim = get(claim_id)

    @settings(max_examples=n, deadline=None)
    @given(claim.strategy("ci"))
    def prop(instance):
        verdict = claim.check(instance)
        assert verdict.status is Status.HOLDS, (verdict.message, verdict.diagnostics)

    return prop


def without(obj: Any, volatile: set[str]) -> Any:
    """``obj`` (nested dicts and lists) without the keys in ``volatile`` at any depth: what two
    runs or a run and its replay must agree on once timings and timestamps are set aside."""
    if isinstance(obj, dict):
        return {k: without(v, volatile) for k, v in obj.items() if k not in volatile}
    if isinstance(obj, list):
        return [without(v, volatile) for v in obj]
    return obj


@functools.cache
def _recorded() -> dict[str, Any]:
    from checks.cli import DEFAULT_BASELINE
    from checks.ledger import load_ledger

    return {e["id"]: e["worst_instance"] for e in load_ledger(DEFAULT_BASELINE)["claims"]}


def recorded_ids() -> list[str]:
    """The ids of the claims the committed baseline records, sorted."""
    return sorted(_recorded())


def recorded_worst(claim_id: str) -> dict[str, Any]:
    """A deep copy of the worst instance (JSON params) the committed baseline records for
    ``claim_id``: valid params, to change one field at a time."""
    return copy.deepcopy(_recorded()[claim_id])
