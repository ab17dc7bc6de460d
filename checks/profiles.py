"""Run profiles: how many Hypothesis examples per claim and control, and whether to derandomise.

Every profile draws from explicit seeds (:func:`checks.runner.stream_seed`), so a run is
reproducible from its profile and ``seed``; ``--seed`` gives a fresh but replayable draw.
``ci`` takes minutes; ``dev`` is slightly larger, for local work; ``thorough`` draws 1000
instances a claim, where ``hypothesis.target`` has enough examples to search for tightness;
claims whose instances each train a network or run an optimiser cap that in their
``Claim.max_examples`` (60 to 600) so none takes more than a few minutes.
"""

from __future__ import annotations

import dataclasses

__all__ = ["PROFILES", "Profile", "get_profile"]


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int
    control_examples: int
    seed: int = 20170101


PROFILES = {
    "ci": Profile("ci", max_examples=20, control_examples=30),
    "dev": Profile("dev", max_examples=50, control_examples=60),
    "thorough": Profile("thorough", max_examples=1000, control_examples=300),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}") from None
