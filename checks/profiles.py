"""Run profiles: how many Hypothesis examples per claim and control, and whether to derandomise.

``ci`` is derandomised (the same examples on every machine) and takes minutes; ``dev`` is a
random, slightly larger run for local work; ``thorough`` takes about an hour and is where
``hypothesis.target`` has enough examples to search for tightness.
"""

from __future__ import annotations

import dataclasses

__all__ = ["PROFILES", "Profile", "get_profile"]


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int
    control_examples: int
    derandomize: bool
    seed: int = 20170101


PROFILES = {
    "ci": Profile("ci", max_examples=20, control_examples=30, derandomize=True),
    "dev": Profile("dev", max_examples=50, control_examples=60, derandomize=False),
    "thorough": Profile("thorough", max_examples=1000, control_examples=300, derandomize=False),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}") from None
