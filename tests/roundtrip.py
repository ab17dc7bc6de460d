"""The JSON round trip every claim's tests run: an instance written as instance-file JSON and
parsed back must get the same verdict (status and both sides, bit for bit)."""

from __future__ import annotations

import json
from typing import Any

from checks.framework import Claim, Verdict
from checks.serialise import to_jsonable

__all__ = ["assert_json_round_trip"]


def assert_json_round_trip(claim: Claim, inst: dict[str, Any], drop: str | None = None) -> Verdict:
    """Check ``claim.parse`` of the JSON text of ``inst`` against ``inst`` itself (with the
    hypothesis ``drop`` dropped, for control instances); return the verdict."""
    params = json.loads(json.dumps({"claim": claim.id, "params": to_jsonable(inst)}))["params"]
    again = claim.parse(params)
    a, b = claim.check(inst, drop=drop), claim.check(again, drop=drop)
    assert a.status == b.status, (a.status, b.status)
    assert (a.lhs, a.rhs) == (b.lhs, b.rhs), ((a.lhs, a.rhs), (b.lhs, b.rhs))
    return a
