"""Edge strategies: instances where definitions and numerics break (round numbers and exact
ties, kinks on grid nodes, duplicates, scales 2^-40 and 2^40, parameters at the ends of their
domains, iterates at the floating-point floor). A draw may be out of scope or inconclusive, with
its reason, but never ``violated``: these instances meet the hypotheses as the theorem states
them, and no paper is wrong on them. Each also parses back from the instance file the ledger
records, so a reviewer can replay it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from checks.framework import Status
from checks.registry import all_claims
from checks.serialise import to_jsonable

EXAMPLES = 8


@pytest.mark.parametrize(
    "claim", [c for c in all_claims() if c.edge_strategy is not None], ids=lambda c: c.id)
def test_edge_draws_are_never_violated(claim):
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(claim.edge_strategy("ci"))
    def run(instance):
        verdict = claim.check(instance)
        assert verdict.status is not Status.VIOLATED, verdict.message
        assert verdict.status is Status.HOLDS or verdict.message
        # the ledger records it as an instance file: it must parse back (replayable)
        claim.parse(to_jsonable(instance))

    run()
