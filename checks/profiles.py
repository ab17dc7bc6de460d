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

A profile also says how *large* the drawn instances and the reproductions are: its ``tier``,
``"small"`` for ``ci`` (the sizes a run of minutes affords), ``"medium"`` for ``dev`` and
``"large"`` for ``thorough``. A strategy or reproduction declares its sizes once,
``d=st.integers(1, sized(profile, small=4, large=6))``; ``medium`` is given only where ``dev``
differs from ``thorough`` (most sizes do not: ``dev`` draws ``thorough``'s sizes with fewer
examples). Both take a profile or its name alike (:func:`as_profile`).

The test suite's Hypothesis profiles of the same names are registered from here
(:func:`hypothesis_settings`): ``test_examples`` examples per property test, fewer than a
run's ``max_examples`` because the suite runs hundreds of property tests, not one per claim.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, TypeVar

__all__ = ["PROFILES", "TIERS", "Profile", "as_profile", "get_profile", "hypothesis_settings",
           "profile_name", "shard_sizes", "sized"]

T = TypeVar("T")

#: the size tiers of drawn instances and reproductions, smallest first
TIERS = ("small", "medium", "large")


@dataclasses.dataclass(frozen=True)
class Profile:
    """A run profile: example budgets, shards, the size tier of what is drawn, and the test
    suite's example count."""

    name: str
    max_examples: int
    control_examples: int
    #: examples per property test of the test suite (its Hypothesis profile of this name)
    test_examples: int = 10
    #: sizes of drawn instances and reproductions, one of :data:`TIERS`
    tier: Literal["small", "medium", "large"] = "small"
    seed: int = 20170101
    shards: int = 1
    edge_examples: int = 5
    edge_shards: int = 1
    relation_examples: int = 2
    sample: int = 3
    #: whether the test suite's Hypothesis profile draws from a fixed seed (no database)
    test_derandomize: bool = False

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"profile {self.name!r}: tier must be one of {', '.join(TIERS)}, "
                             f"got {self.tier!r}")

    def size(self, small: T, large: T, medium: T | None = None) -> T:
        """The size (a number, a range, a strategy) declared for this profile's tier;
        ``medium`` defaults to ``large``."""
        if self.tier == "small":
            return small
        if self.tier == "medium" and medium is not None:
            return medium
        return large


PROFILES = {
    "ci": Profile("ci", max_examples=20, control_examples=30, test_examples=10,
                  test_derandomize=True),
    "dev": Profile("dev", max_examples=50, control_examples=60, test_examples=25, tier="medium",
                   shards=2, edge_examples=10, relation_examples=3, sample=5),
    # thorough draws the edge strategies fully: the same budget as the generic draws
    "thorough": Profile("thorough", max_examples=1000, control_examples=300, test_examples=300,
                        tier="large", shards=10, edge_examples=1000, edge_shards=10,
                        relation_examples=10, sample=10),
}


def get_profile(name: str) -> Profile:
    """The profile of this name; a ``ValueError`` naming the choices for any other."""
    try:
        return PROFILES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}") from None


def as_profile(profile: str | Profile) -> Profile:
    """A :class:`Profile`, given one or a profile's name (what strategies and reproductions
    receive: ``claim.strategy("ci")`` and ``claim.strategy(get_profile("ci"))`` alike)."""
    return profile if isinstance(profile, Profile) else get_profile(profile)


def profile_name(profile: str | Profile) -> str:
    """The name of a profile, given one or its name: the key of a reproduction's table of
    sizes by profile (which may hold a size below ``ci`` for unit tests, e.g. ``"smoke"``)."""
    return profile.name if isinstance(profile, Profile) else profile


def sized(profile: str | Profile, *, small: T, large: T, medium: T | None = None) -> T:
    """The size a strategy or reproduction declares for the tier of ``profile`` (a profile
    or its name): ``small`` under ``ci``, ``medium`` under ``dev`` (``large`` when not
    given) and ``large`` under ``thorough``."""
    return as_profile(profile).size(small, large, medium)


def hypothesis_settings(profile: str | Profile) -> dict[str, Any]:
    """Keyword arguments of ``hypothesis.settings.register_profile`` for the test suite's
    Hypothesis profile of this name: ``test_examples`` examples, no deadline (the oracles'
    time depends on the drawn sizes), and a fixed seed without a database where the profile
    says so (``ci``: a reproducible suite)."""
    from hypothesis import HealthCheck

    p = as_profile(profile)
    # derandomize is always given: Hypothesis's own default turns it on where a CI variable
    # is set, which would make dev and thorough depend on the environment
    kw: dict[str, Any] = {
        "max_examples": p.test_examples, "deadline": None, "derandomize": p.test_derandomize,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    if p.test_derandomize:
        kw.update(derandomize=True, database=None, print_blob=False)
    return kw


def shard_sizes(examples: int, shards: int) -> list[int]:
    """``examples`` split into at most ``shards`` near-equal positive parts, larger first."""
    parts = max(1, min(shards, examples))
    base, extra = divmod(examples, parts)
    return [base + (k < extra) for k in range(parts)] if examples > 0 else []
