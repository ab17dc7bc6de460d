"""Drive claims through their strategies and controls; produce ledger entries.

For each claim, Hypothesis draws instances from the claim's strategy, the oracle decides each,
and ``hypothesis.target`` steers the search towards the smallest relative slack (the tightness).
Every verdict is counted; the instance with the smallest relative slack is kept, serialised,
so that ``python -m checks replay`` can re-run it. Controls run the same way with one
hypothesis dropped, and pass only when the expected failure (``violated``) is seen on an
instance that fails the dropped hypothesis: a failure on an instance meeting every hypothesis
would be a counterexample to the claim, not a control.

A run is a set of independent :class:`Task` s (:func:`plan`): the replay of the baseline's
recorded instances, each shard of a claim's draws and of its edge strategy, each metamorphic
relation, each control and each reproduction. :func:`perform` runs one anywhere (in this
process, a local worker process or a Dask worker, :mod:`checks.executors`); :func:`assemble`
builds a claim's entry from its tasks' outcomes in plan order, so the ledger does not depend
on where or in which order they ran.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import math
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import hypothesis
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings

from checks.framework import Claim, Control, Instance, Reproduction, Status, Verdict
from checks.inputs import BadInput
from checks.profiles import Profile, shard_sizes
from checks.serialise import to_jsonable

__all__ = [
    "TASK_KINDS", "ClaimRun", "ControlRun", "Task", "assemble", "longest_first",
    "merge_shards", "perform",
    "plan", "replay_difference", "replay_items", "resolve", "run_claim", "run_claims",
    "run_control", "sample_instances", "shard_label",
]

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
    #: the edge strategy's draws, counted apart: counts, instances, first failure
    edge: dict[str, Any] | None = None
    #: each metamorphic relation: name, instances checked, disagreements
    relations: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: the holding draws of smallest relative slack, with their verdicts, for replay
    sample: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: the replay of the baseline's recorded instances: how many, and the differences
    replay: dict[str, Any] | None = None
    #: the tasks that raised, each naming the exception
    errors: list[str] = dataclasses.field(default_factory=list)

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
    """One stream's counts, size ranges, slacks, worst instance, first failure, and the
    ``sample`` holding draws of smallest relative slack (the first drawn on a tie)."""

    def __init__(self, sample: int = 0) -> None:
        self.sample = sample
        self.kept: list[tuple[float, int, dict[str, Any]]] = []
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
            if self.sample:
                self._keep(rel, instance, verdict)
        return -rel

    def _keep(self, rel: float, instance: Instance, verdict: Verdict) -> None:
        if len(self.kept) == self.sample and rel >= self.kept[-1][0]:
            return
        item = {"instance": to_jsonable(instance), "verdict": verdict.to_json()}
        self.kept.append((rel, len(self.slacks), item))
        self.kept.sort(key=lambda t: t[:2])
        del self.kept[self.sample:]

    def state(self) -> dict[str, Any]:
        """The tally as JSON-able data, for :func:`merge_shards`."""
        worst = self.worst
        return {
            "counts": dict(self.counts), "sizes": self.sizes, "slacks": self.slacks,
            "worst": None if worst is None else [worst[0], worst[1], worst[2].to_json()],
            "first_failure": self.first_failure, "sample": [t[2] for t in self.kept],
        }


# ---------------------------------------------------------------- the run as a set of tasks

TASK_KINDS = ("replay", "draws", "edge", "relation", "control", "reproduction")


@dataclasses.dataclass(frozen=True)
class Task:
    """One independent piece of a run: a shard of a claim's draws (``draws``) or of its edge
    strategy (``edge``), one metamorphic relation, one control, one reproduction, or the replay
    of the baseline's recorded instances. Its result depends on the task and the profile alone,
    so any executor may run it anywhere and in any order.

    ``where`` names the module that defines the claim, for workers that must find a claim
    outside the registry (a test's toy claim); ``name`` is the control's, relation's or
    reproduction's; ``payload`` carries a replay's recorded instances."""

    claim: str
    kind: str
    index: int = 0
    examples: int = 0
    where: str = ""
    payload: Any = None
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.claim}/{self.kind}/{self.index}"

    def describe(self) -> str:
        if self.kind in ("draws", "edge"):
            what = f"{'edge draws' if self.kind == 'edge' else 'draws'} shard {self.index} " \
                   f"({self.examples})"
        else:
            what = f"{self.kind} {self.name}".rstrip()
        return f"{self.claim}: {what}"


def shard_label(claim_id: str, kind: str, shard: int) -> str:
    """The label seeding a shard's stream (:func:`stream_seed`): shard 0 of the draws keeps the
    claim's own stream, so a one-shard profile draws what an unsharded run drew."""
    if kind == "draws":
        return claim_id if shard == 0 else f"{claim_id}/shard{shard}"
    return f"{claim_id}/{kind}{shard}"


def plan(
    claims: Sequence[Claim], profile: Profile, *, controls: bool = True,
    reproductions: bool = True, edges: bool = True, relations: bool = True,
    baseline: dict[str, Any] | None = None, exact_replay: bool = False,
) -> list[Task]:
    """The tasks of a run, replays of the ``baseline`` first, then claim by claim: draws
    shards, edge shards, relations, controls, reproductions."""
    tasks = []
    if baseline is not None:
        recorded = {e["id"]: e for e in baseline.get("claims", [])}
        for claim in claims:
            items = replay_items(recorded.get(claim.id, {}))
            if items:
                tasks.append(Task(claim.id, "replay", where=_where(claim),
                                  payload={"exact": exact_replay, "items": items}))
    for claim in claims:
        where = _where(claim)
        n = claim.max_examples.get(profile.name, profile.max_examples)
        tasks += [Task(claim.id, "draws", k, m, where)
                  for k, m in enumerate(shard_sizes(n, profile.shards))]
        if edges and claim.edge_strategy is not None:
            tasks += [Task(claim.id, "edge", k, m, where) for k, m in
                      enumerate(shard_sizes(min(n, profile.edge_examples), profile.edge_shards))]
        if relations:
            tasks += [Task(claim.id, "relation", k, profile.relation_examples, where, name=r.name)
                      for k, r in enumerate(claim.relations)]
        if controls:
            tasks += [Task(claim.id, "control", k, where=where, name=c.name)
                      for k, c in enumerate(claim.controls)]
        if reproductions:
            tasks += [Task(claim.id, "reproduction", k, where=where, name=r.name)
                      for k, r in enumerate(claim.reproductions)]
    return tasks


def _where(claim: Claim) -> str:
    return getattr(claim.measure, "__module__", None) or ""


def resolve(claim_id: str, where: str = "") -> Claim:
    """The claim a task names: from the registry, else from the module ``where`` (a claim
    defined outside the registry, as in the tests)."""
    from checks.registry import UnknownClaim, get

    try:
        return get(claim_id)
    except UnknownClaim:
        if not where:
            raise
        module = importlib.import_module(where)
        for value in vars(module).values():
            if isinstance(value, Claim) and value.id == claim_id:
                return value
        raise


def perform(task: Task, profile: Profile, claim: Claim | None = None) -> dict[str, Any]:
    """Run one task; the outcome is JSON-able: ``{"ok": True, "result": ...}`` or, when the
    task raised, ``{"ok": False, "error": "ExceptionName: message"}``, with its wall and
    processor seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    try:
        claim = claim if claim is not None else resolve(task.claim, task.where)
        result = _PERFORM[task.kind](claim, task, profile)
        outcome = {"ok": True, "result": to_jsonable(result)}
    except Exception as exc:  # a task's failure is its claim's error entry, not the run's end
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    outcome["seconds"] = time.perf_counter() - start
    outcome["cpu_seconds"] = time.process_time() - cpu  # for cost estimates, not the ledger
    return outcome


def _draw_shard(claim: Claim, task: Task, profile: Profile) -> dict[str, Any]:
    tally = _Tally(profile.sample)
    source = claim.strategy if task.kind == "draws" else claim.edge_strategy
    _drive(source(profile.name), profile, task.examples,
           lambda inst: tally.add(inst, claim.check(inst)), claim.tightness,
           shard_label(claim.id, task.kind, task.index))
    return tally.state()


def _control(claim: Claim, task: Task, profile: Profile) -> dict[str, Any]:
    return run_control(claim, claim.controls[task.index], profile).to_json()


def _reproduction(claim: Claim, task: Task, profile: Profile) -> dict[str, Any]:
    return reproduction_record(claim.reproductions[task.index], profile.name)


def reproduction_record(rep: Reproduction, profile_name: str) -> dict[str, Any]:
    """What the ledger records of a reproduction: its result, named and described, with its
    agreement with the paper (the result's own, else the one the reproduction declares)."""
    result = dict(rep.run(profile_name))
    result.setdefault("name", rep.name)
    result.setdefault("description", rep.description)
    if rep.agreement and "agreement" not in result:
        result["agreement"], result["agreement_reason"] = rep.agreement, rep.agreement_reason
    return result


def _relation(claim: Claim, task: Task, profile: Profile) -> dict[str, Any]:
    """Apply one metamorphic relation to instances drawn from the claim's strategy; the
    transformation's randomness is seeded from (run seed, claim, relation, draw)."""
    relation = claim.relations[task.index]
    drawn = list(sample_instances(claim.strategy(profile.name), profile, task.examples,
                                  f"{claim.id}/relation/{relation.name}"))
    disagreements = []
    for j, instance in enumerate(drawn):
        rng = np.random.default_rng([profile.seed, zlib.crc32(claim.id.encode()), task.index, j])
        before = claim.check(instance)
        after = claim.check(relation.transform(copy.deepcopy(instance), rng))
        why = relation.disagreement(before, after)
        if why:
            disagreements.append({"instance": to_jsonable(instance), "reason": why})
    return {"name": relation.name, "checked": len(drawn), "disagreements": disagreements}


def replay_items(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded instances of a ledger entry, to replay: its sample of draws (or, in a
    ledger without one, its worst instance) and each control's instance."""
    items = [{"what": f"sample {k}", "instance": s["instance"], "verdict": s["verdict"],
              "drop": None} for k, s in enumerate(entry.get("sample") or [])]
    if not items and entry.get("worst_instance") is not None:
        items.append({"what": "worst instance", "instance": entry["worst_instance"],
                      "verdict": entry.get("worst_verdict") or {}, "drop": None})
    items += [{"what": f"control {c['name']}", "instance": c["instance"],
               "verdict": c.get("verdict") or {}, "drop": c.get("drops")}
              for c in entry.get("controls", []) if c.get("instance") is not None]
    return items


def replay_difference(recorded: dict[str, Any], now: Verdict, exact: bool) -> str:
    """How a replayed verdict differs from the recorded one, or ``""``.

    The status must agree. The relative slack must agree bit for bit where the record was made
    on this machine (``exact``); elsewhere within the two verdicts' tolerances over their scale
    (the rounding each oracle allows itself), which still sees a tightness change."""
    if str(now.status) != recorded.get("status"):
        return f"status {recorded.get('status')} -> {now.status}"
    old, new = recorded.get("relative_slack"), to_jsonable(now.relative_slack)
    if old == new:
        return ""
    if exact or not all(isinstance(v, int | float) for v in (old, new)):
        return f"relative slack {old!r} -> {new!r}"
    room = _slack_room(recorded) + _slack_room(now.to_json())
    if abs(new - old) > room + 4 * sys.float_info.epsilon * max(1.0, abs(old)):
        return f"relative slack {old!r} -> {new!r} (beyond the tolerances, {room:.3g})"
    return ""


def _slack_room(verdict: dict[str, Any]) -> float:
    """A verdict's tolerance in units of its relative slack (tolerance / scale)."""
    tol, slack, rel = (verdict.get(k) for k in ("tolerance", "slack", "relative_slack"))
    if not all(isinstance(v, int | float) for v in (tol, slack, rel)) or not slack:
        return 0.0
    return abs(tol) * abs(rel) / abs(slack)


def _replay(claim: Claim, task: Task, profile: Profile) -> dict[str, Any]:
    differences = []
    for item in task.payload["items"]:
        try:
            verdict = claim.check(claim.parse(item["instance"]), drop=item["drop"])
        except BadInput as exc:
            differences.append(f"{item['what']}: the recorded instance no longer parses ({exc})")
            continue
        why = replay_difference(item["verdict"], verdict, task.payload["exact"])
        if why:
            differences.append(f"{item['what']}: {why}")
    return {"instances": len(task.payload["items"]), "differences": differences}


_PERFORM = {"draws": _draw_shard, "edge": _draw_shard, "control": _control,
            "reproduction": _reproduction, "relation": _relation, "replay": _replay}


def merge_shards(states: Sequence[dict[str, Any]], sample: int) -> dict[str, Any]:
    """Shard tallies combined in shard order (never in order of completion): counts add,
    size ranges widen, the worst is the smallest slack (the earliest shard's on a tie), the
    first failure the earliest shard's, the sample the ``sample`` smallest slacks."""
    counts: Counter[str] = Counter()
    sizes: dict[str, list[float]] = {}
    slacks: list[float] = []
    kept: list[tuple[float, int, int, dict[str, Any]]] = []
    worst, first_failure = None, None
    for k, state in enumerate(states):
        counts.update(state["counts"])
        for key, (lo, hi) in state["sizes"].items():
            old = sizes.get(key, [lo, hi])
            sizes[key] = [min(old[0], lo), max(old[1], hi)]
        slacks += state["slacks"]
        if state["worst"] is not None and (worst is None or state["worst"][0] < worst[0]):
            worst = state["worst"]
        first_failure = first_failure or state["first_failure"]
        kept += [(s["verdict"]["relative_slack"], k, j, s) for j, s in enumerate(state["sample"])]
    kept.sort(key=lambda t: t[:3])
    return {"counts": counts, "sizes": sizes, "slacks": sorted(slacks), "worst": worst,
            "first_failure": first_failure, "sample": [t[3] for t in kept[:sample]]}


def assemble(claim: Claim, profile: Profile, outcomes: dict[str, dict[str, Any]],
             tasks: Sequence[Task]) -> ClaimRun:
    """A claim's ledger entry from the outcomes of its tasks (taken in plan order)."""
    mine = [t for t in tasks if t.claim == claim.id]
    errors = [f"{t.describe()}: {outcomes[t.key]['error']}" for t in mine
              if not outcomes[t.key]["ok"]]

    def results(kind: str) -> list[Any]:
        return [outcomes[t.key]["result"] for t in mine
                if t.kind == kind and outcomes[t.key]["ok"]]

    draws = merge_shards(results("draws"), profile.sample)
    edge = None
    if any(t.kind == "edge" for t in mine):
        e = merge_shards(results("edge"), 0)
        edge = {"counts": {str(s): e["counts"][str(s)] for s in Status},
                "instances": sum(e["counts"].values()), "first_failure": e["first_failure"]}
    replays = results("replay")
    worst = draws["worst"]
    verdict = overall(draws["counts"])
    if edge is not None and edge["counts"][Status.VIOLATED]:
        verdict = str(Status.VIOLATED)  # a violated edge draw is a violated instance
    return ClaimRun(
        id=claim.id,
        verdict="error" if errors else verdict,
        counts={str(s): draws["counts"][str(s)] for s in Status},
        instances=sum(draws["counts"].values()),
        sizes=draws["sizes"],
        tightness=None if worst is None else worst[0],
        worst_instance=None if worst is None else worst[1],
        worst_verdict=None if worst is None else worst[2],
        first_failure=draws["first_failure"],
        slacks=draws["slacks"],
        controls=[ControlRun(**c) for c in results("control")],
        reproductions=results("reproduction"),
        seconds=sum(outcomes[t.key]["seconds"] for t in mine),
        edge=edge,
        relations=results("relation"),
        sample=draws["sample"],
        replay=replays[0] if replays else None,
        errors=errors,
    )


def run_claim(
    claim: Claim, profile: Profile, *, run_controls: bool = True,
    run_reproductions: bool = True, progress: Callable[[str], None] | None = None,
) -> ClaimRun:
    """Run one claim under a profile, in this process: its draws (all shards), edge draws and
    relations, then its controls and reproductions."""
    tasks = plan([claim], profile, controls=run_controls, reproductions=run_reproductions)
    outcomes = {}
    for task in tasks:
        if progress and task.kind in ("control", "reproduction"):
            progress(task.describe())
        outcomes[task.key] = perform(task, profile, claim)
    return assemble(claim, profile, outcomes, tasks)


def run_claims(
    claims: Sequence[Claim], profile: Profile, executor: Any = None, *,
    reproductions: bool = True, baseline: dict[str, Any] | None = None,
    exact_replay: bool = False,
    on_done: Callable[[Task, dict[str, Any], int, int], None] | None = None,
) -> list[ClaimRun]:
    """Run claims as tasks on ``executor`` (:mod:`checks.executors`; serial by default),
    replaying the ``baseline``'s recorded instances first. ``on_done(task, outcome, done,
    total)`` is called in this process as each task finishes. The entries depend on the
    profile (and seed) alone, not on the executor or the order the tasks finish in."""
    from checks.executors import SerialExecutor

    executor = executor or SerialExecutor()
    tasks = plan(claims, profile, reproductions=reproductions, baseline=baseline,
                 exact_replay=exact_replay)
    order = longest_first(tasks, baseline)
    outcomes = executor.run(order, profile, {c.id: c for c in claims}, on_done)
    return [assemble(c, profile, outcomes, tasks) for c in claims]


def longest_first(tasks: Sequence[Task], baseline: dict[str, Any] | None) -> list[Task]:
    """The order to start tasks in: replays first, then the claims that took longest in the
    ``baseline`` (its recorded seconds), so that parallel workers do not end on one long task.
    Only the order of starting changes; entries are assembled in plan order."""
    if baseline is None:
        return list(tasks)
    took = {e["id"]: e.get("seconds") or 0.0 for e in baseline.get("claims", [])}
    return sorted(tasks, key=lambda t: (t.kind != "replay", -took.get(t.claim, math.inf)))

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
