"""Run profiles: how many Hypothesis examples per claim and control, in how many shards.

Every profile draws from explicit seeds (:func:`checks.runner.stream_seed`), so a run is
reproducible from its profile and ``seed``; ``--seed`` gives a fresh but replayable draw.
``ci`` takes minutes; ``dev`` is slightly larger, for local work; ``thorough`` draws 1000
instances a claim, where ``hypothesis.target`` has enough examples to search for tightness;
claims whose instances each train a network or run an optimiser cap that in their
``Claim.max_examples`` (60 to 600) so none takes more than a few minutes.

A claim's budget is split into ``shards`` independent streams, each seeded from (run seed,
claim id, shard): the unit of work that ``--jobs`` and a Dask cluster spread out. The shard
count is the profile's, never the executor's, so the ledger does not depend on how it ran.
``edge_examples`` is the budget of a claim's edge strategy (in ``edge_shards``),
``relation_examples`` the number of drawn instances each metamorphic relation is applied to,
and ``sample`` the number of holding draws (smallest relative slacks first) the ledger keeps
with their verdicts, for the next run to replay.
"""

from __future__ import annotations

import dataclasses

__all__ = ["PROFILES", "Profile", "get_profile", "shard_sizes"]


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int
    control_examples: int
    seed: int = 20170101
    shards: int = 1
    edge_examples: int = 5
    edge_shards: int = 1
    relation_examples: int = 2
    sample: int = 3


PROFILES = {
    "ci": Profile("ci", max_examples=20, control_examples=30),
    "dev": Profile("dev", max_examples=50, control_examples=60, shards=2, edge_examples=10,
                   relation_examples=3, sample=5),
    # thorough draws the edge strategies fully: the same budget as the generic draws
    "thorough": Profile("thorough", max_examples=1000, control_examples=300, shards=10,
                        edge_examples=1000, edge_shards=10, relation_examples=10, sample=10),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}") from None


def shard_sizes(examples: int, shards: int) -> list[int]:
    """``examples`` split into at most ``shards`` near-equal positive parts, larger first."""
    parts = max(1, min(shards, examples))
    base, extra = divmod(examples, parts)
    return [base + (k < extra) for k in range(parts)] if examples > 0 else []
