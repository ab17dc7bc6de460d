"""Drive claims through their strategies and controls; produce ledger entries.

For each claim, Hypothesis draws instances from the claim's strategy, the oracle decides each,
and ``hypothesis.target`` steers the search towards the smallest relative slack (the tightness).
Every verdict is counted; the instance with the smallest relative slack is kept, serialised,
so that ``python -m checks replay`` can re-run it. Controls run the same way with one
hypothesis dropped, and pass only when the expected failure (``violated``) is seen on an
instance that fails the dropped hypothesis: a failure on an instance meeting every hypothesis
would be a counterexample to the claim, not a control.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, given, settings

from checks.framework import Claim, Control, Instance, Status, Verdict
from checks.profiles import Profile
from checks.serialise import to_jsonable

__all__ = ["ClaimRun", "ControlRun", "run_claim", "run_control", "sample_instances"]

_SUPPRESS = list(HealthCheck)


@dataclasses.dataclass
class ControlRun:
    name: str
    drops: str
    description: str
    expect: str
    passed: bool
    counts: dict[str, int]
    instance: Any = None
    verdict: dict[str, Any] | None = None
    #: why the instance lies outside the claim when no hypothesis is dropped (name: reason)
    outside: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return to_jsonable(dataclasses.asdict(self))


@dataclasses.dataclass
class ClaimRun:
    """The ledger entry of one claim."""

    id: str
    verdict: str
    counts: dict[str, int]
    instances: int
    sizes: dict[str, list[float]]
    tightness: float | None
    worst_instance: Any
    worst_verdict: dict[str, Any] | None
    first_failure: dict[str, Any] | None
    slacks: list[float]
    controls: list[ControlRun]
    reproductions: list[dict[str, Any]]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["controls"] = [c.to_json() for c in self.controls]
        return to_jsonable(out)


def overall(counts: Counter[str]) -> str:
    """A claim's verdict from its counts: any violation wins; then any out-of-scope (a strategy
    that generated an instance outside the hypotheses is a defect to see); then inconclusive
    when nothing was decided."""
    if counts[Status.VIOLATED]:
        return str(Status.VIOLATED)
    if counts[Status.OUT_OF_SCOPE]:
        return str(Status.OUT_OF_SCOPE)
    if counts[Status.HOLDS] == 0:
        return str(Status.INCONCLUSIVE)
    return str(Status.HOLDS)


def _settings(profile: Profile, max_examples: int, targeting: bool) -> settings:
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    if targeting:
        phases.append(Phase.target)
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=_SUPPRESS,
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
    )


def stream_seed(profile: Profile, label: str) -> int:
    """The seed of one claim's (or control's) example stream: the profile's seed mixed with a
    stable hash of the label.

    Hypothesis's own ``derandomize`` derives its seed from the ``repr`` of the strategy, which
    can contain memory addresses; an explicit seed per label does not. The draws are also kept
    apart from the literals Hypothesis mines from loaded project modules
    (:func:`_draws_from_the_seed_alone`), so they depend on the strategy, profile and seed only.
    """
    return (profile.seed * 1_000_003 + zlib.crc32(label.encode())) % 2**32


@contextlib.contextmanager
def _draws_from_the_seed_alone() -> Iterator[None]:
    """Draw without the constants Hypothesis mines from every loaded local module.

    Hypothesis (6.13x and later) sometimes draws a literal found in the project's own source.
    Which literals are in the pool depends on which modules happen to be imported (the CLI
    and the test suite differ) and on every unrelated edit, so one strategy, profile and seed
    drew different instances in different processes. The pool is emptied for the runner's
    draws and its cache cleared on both sides; the global constants (0, 1, inf, ...) stay.
    Where this Hypothesis has no such pool, there is nothing to empty."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without the module
        yield
        return
    mined = getattr(providers, "_get_local_constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if mined is None or cache is None or not hasattr(providers, "Constants"):
        yield
        return
    empty = providers.Constants()
    cache.clear()
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = mined
        cache.clear()


def _drive(
    strategy: Any, profile: Profile, max_examples: int, on_instance: Callable[[Instance], float],
    targeting: bool, label: str,
) -> None:
    """Run ``on_instance`` over Hypothesis-drawn instances; it returns the value to target."""

    @_settings(profile, max_examples, targeting)
    @given(strategy)
    def explore(instance: Instance) -> None:
        value = on_instance(instance)
        if targeting and math.isfinite(value):
            hypothesis.target(value, label="negative relative slack")

    with _draws_from_the_seed_alone():
        hypothesis.seed(stream_seed(profile, label))(explore)()


def sample_instances(
    strategy: Any, profile: Profile, n: int, label: str = "sample"
) -> Iterator[Instance]:
    """Draw up to ``n`` instances from a strategy under a profile (for tests and tools)."""
    drawn: list[Instance] = []
    _drive(strategy, profile, n, lambda inst: drawn.append(inst) or 0.0, False, label)
    yield from drawn


class _Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.sizes: dict[str, list[float]] = {}
        self.slacks: list[float] = []
        self.worst: tuple[float, Any, Verdict] | None = None
        self.first_failure: dict[str, Any] | None = None

    def add(self, instance: Instance, verdict: Verdict) -> float:
        self.counts[str(verdict.status)] += 1
        for key, value in verdict.diagnostics.get("size", {}).items():
            lo, hi = self.sizes.get(key, [value, value])
            self.sizes[key] = [min(lo, value), max(hi, value)]
        rel = verdict.relative_slack
        if verdict.status in (Status.VIOLATED, Status.OUT_OF_SCOPE) and self.first_failure is None:
            self.first_failure = {"instance": to_jsonable(instance), "verdict": verdict.to_json()}
        if rel is None or not math.isfinite(rel):
            return -math.inf
        if verdict.status is Status.HOLDS:
            self.slacks.append(rel)
            if self.worst is None or rel < self.worst[0]:
                self.worst = (rel, to_jsonable(instance), verdict)
        return -rel


def run_claim(
    claim: Claim, profile: Profile, *, run_controls: bool = True,
    run_reproductions: bool = True, progress: Callable[[str], None] | None = None,
) -> ClaimRun:
    """Run one claim under a profile: its strategy, then its controls and reproductions."""
    start = time.perf_counter()
    tally = _Tally()
    n = claim.max_examples.get(profile.name, profile.max_examples)
    _drive(
        claim.strategy(profile.name), profile, n,
        lambda inst: tally.add(inst, claim.check(inst)), claim.tightness, claim.id,
    )
    controls = []
    if run_controls:
        for control in claim.controls:
            if progress:
                progress(f"{claim.id}: control {control.name}")
            controls.append(run_control(claim, control, profile))
    reproductions = []
    if run_reproductions:
        for rep in claim.reproductions:
            if progress:
                progress(f"{claim.id}: reproduction {rep.name}")
            result = dict(rep.run(profile.name))
            result.setdefault("name", rep.name)
            result.setdefault("description", rep.description)
            reproductions.append(to_jsonable(result))
    worst = tally.worst
    return ClaimRun(
        id=claim.id,
        verdict=overall(tally.counts),
        counts={str(s): tally.counts[str(s)] for s in Status},
        instances=sum(tally.counts.values()),
        sizes=tally.sizes,
        tightness=None if worst is None else worst[0],
        worst_instance=None if worst is None else worst[1],
        worst_verdict=None if worst is None else worst[2].to_json(),
        first_failure=tally.first_failure,
        slacks=sorted(tally.slacks),
        controls=controls,
        reproductions=reproductions,
        seconds=time.perf_counter() - start,
    )


def run_control(claim: Claim, control: Control, profile: Profile) -> ControlRun:
    """Run a control; it passes when a verdict of ``control.expect`` is found on an instance
    that fails the hypothesis ``control.drops``."""
    counts: Counter[str] = Counter()
    found: dict[str, Any] = {}

    def visit(instance: Instance) -> float:
        if found:  # Hypothesis cannot be stopped early without an error; skip the rest
            # equivalent mutants: the control has passed, the target value steers nothing
            return 0.0  # pragma: no mutate
        verdict = claim.check(instance, drop=control.drops)
        counts[str(verdict.status)] += 1
        if verdict.status is control.expect:
            outside = claim.failed_hypotheses(instance)
            if control.drops in outside:
                found.update(instance=to_jsonable(instance), verdict=verdict.to_json(),
                             outside=outside)
        return -(verdict.relative_slack or 0.0)

    for instance in control.fixed_instances():
        visit(instance)
    if control.strategy is not None and not found:
        _drive(
            control.strategy, profile, profile.control_examples, visit, True,
            f"{claim.id}/{control.name}",
        )
    return ControlRun(
        name=control.name, drops=control.drops, description=control.description,
        expect=str(control.expect), passed=bool(found),
        counts={str(s): counts[str(s)] for s in Status},
        instance=found.get("instance"), verdict=found.get("verdict"),
        outside=found.get("outside"),
    )
