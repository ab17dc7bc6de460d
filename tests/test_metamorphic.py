"""Metamorphic relations: transformations that cannot change a claim's truth do not change its
verdict (power-of-two scaling, permuting samples, changes of basis, relabelling units).

Every relation a claim declares (``Claim.relations``, listed by ``checks show ID``) is tested on
instances drawn from the claim's strategy and, where it has one, its edge strategy: the status
must agree and, for relations that keep the slack, the relative slack must agree within the two
verdicts' tolerances (:meth:`checks.framework.Relation.disagreement`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.registry import all_claims
from checks.serialise import to_jsonable

# Draws per (claim, relation): each costs two oracle calls, and some oracles train a network.
EXAMPLES = 4


def _pairs():
    for claim in all_claims():
        for relation in claim.relations:
            yield pytest.param(claim, relation, id=f"{claim.id}/{relation.name}")


def _sources(claim):
    sources = [claim.strategy("ci")]
    if claim.edge_strategy is not None:
        sources.append(claim.edge_strategy("ci"))
    return st.one_of(sources)


@pytest.mark.parametrize(("claim", "relation"), list(_pairs()))
def test_relation_keeps_the_verdict(claim, relation):
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(_sources(claim), st.integers(0, 2**32 - 1))
    def run(instance, seed):
        claim.parse(to_jsonable(instance))  # every draw replays from its instance file
        before = claim.check(instance)
        after = claim.check(relation.transform(instance, np.random.default_rng(seed)))
        assert not relation.disagreement(before, after), relation.disagreement(before, after)

    run()
