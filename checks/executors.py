"""Executors: where a run's tasks (:class:`checks.runner.Task`) run.

* :class:`SerialExecutor`: one after another in this process (``--jobs 1``);
* :class:`ProcessExecutor`: on ``jobs`` local worker processes (``--jobs N``);
* :class:`DaskExecutor`: on an existing Dask distributed cluster (``--scheduler ADDRESS``),
  whose scheduler places the tasks and re-runs those of a worker that dies.

Each returns the outcome of every task by key; :func:`checks.runner.assemble` reads them in
plan order, so the ledger is the same whichever executor ran them and in which order they
finished. A task that raises comes back as an error outcome (its claim's ``error`` entry); a
worker process that dies costs the tasks it was running, which run again, up to
:data:`ATTEMPTS` times each.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from checks.framework import Claim
from checks.profiles import Profile
from checks.runner import Task, perform

__all__ = ["ATTEMPTS", "DaskExecutor", "ExecutorUnavailable", "ProcessExecutor",
           "SerialExecutor", "make_executor", "work"]

#: how many times a task is started before a worker's death while running it is its error
#: (the Dask scheduler's own default for ``allowed-failures`` plus the first try); on local
#: processes the last tries run the task alone, so that a death is charged to its cause
ATTEMPTS = 4

Outcomes = dict[str, dict[str, Any]]
OnDone = Callable[[Task, dict[str, Any], int, int], None] | None

# Hypothesis's engine and the runner's guard on its constant pool are process-wide state: one
# task at a time per process, even on a Dask worker started with several threads.
_ONE_AT_A_TIME = threading.Lock()


class ExecutorUnavailable(RuntimeError):
    """The executor asked for cannot start (no ``distributed``, no scheduler there)."""


def work(task: Task, profile: Profile) -> dict[str, Any]:
    """Run one task in a worker process: find its claim, run it, return the outcome."""
    with _ONE_AT_A_TIME, warnings.catch_warnings():
        # autograd's tanh/sinh derivatives overflow to inf on saturated units and divide to
        # the correct 0: noise on a worker's log, not a numerical problem
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autograd(\.|$)")
        return perform(task, profile)


def _died(times: int) -> dict[str, Any]:
    return {"ok": False, "seconds": 0.0,
            "error": f"WorkerDied: the worker process running it died ({times} times)"}


class _Counter:
    def __init__(self, total: int, on_done: OnDone) -> None:
        self.done, self.total, self.on_done = 0, total, on_done

    def __call__(self, task: Task, outcome: dict[str, Any]) -> None:
        self.done += 1
        if self.on_done is not None:
            self.on_done(task, outcome, self.done, self.total)


class SerialExecutor:
    """The tasks one after another in this process, on the claims given (no lookup)."""

    def run(self, tasks: Sequence[Task], profile: Profile, claims: Mapping[str, Claim],
            on_done: OnDone = None) -> Outcomes:
        count, outcomes = _Counter(len(tasks), on_done), {}
        for task in tasks:
            outcomes[task.key] = perform(task, profile, claims.get(task.claim))
            count(task, outcomes[task.key])
        return outcomes


class ProcessExecutor:
    """The tasks on ``jobs`` local processes (``concurrent.futures``), submitted in plan order.

    Workers are forked where the platform allows it (they start with this process's modules
    loaded, claims registered, and no second import); elsewhere spawned. A worker that dies
    breaks the pool: the tasks still unfinished run again on a fresh one, and a task lost a
    second time runs alone."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be >= 1, got {jobs}")
        self.jobs = jobs
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")

    def run(self, tasks: Sequence[Task], profile: Profile, claims: Mapping[str, Claim],
            on_done: OnDone = None) -> Outcomes:
        count, outcomes = _Counter(len(tasks), on_done), {}
        lost = self._round(tasks, profile, outcomes, count)
        if lost:  # a worker died: what the pool left unfinished runs again on a fresh one
            lost = self._round(lost, profile, outcomes, count)
        for task in lost:
            # lost twice: run it alone, so that a death is its own, up to ATTEMPTS starts
            for _ in range(ATTEMPTS - 2):
                if not self._round([task], profile, outcomes, count):
                    break
            else:
                outcomes[task.key] = _died(max(ATTEMPTS, 2))
                count(task, outcomes[task.key])
        return outcomes

    def _round(self, tasks: Sequence[Task], profile: Profile, outcomes: Outcomes,
               count: _Counter) -> list[Task]:
        """Run ``tasks`` on a fresh pool; the tasks lost to a dead worker, in plan order."""
        lost = []
        pool = ProcessPoolExecutor(min(self.jobs, len(tasks)), mp_context=self.context)
        try:
            futures = {pool.submit(work, t, profile): t for t in tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    outcomes[task.key] = future.result()
                except BrokenProcessPool:
                    lost.append(task)
                    continue
                count(task, outcomes[task.key])
        finally:  # on an interrupt, tasks not yet started are dropped, not run
            pool.shutdown(wait=True, cancel_futures=True)
        order = {t.key: i for i, t in enumerate(tasks)}
        return sorted(lost, key=lambda t: order[t.key])


class DaskExecutor:
    """The tasks on an existing Dask distributed cluster (``dask scheduler`` and ``dask
    worker`` processes; ``pip install '.[distributed]'``). Workers must be able to import this
    project (and any claim module outside the registry). The scheduler re-runs the tasks of a
    worker that dies; after its ``allowed-failures`` the task's outcome is the error."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self.address, self.timeout = address, timeout

    def run(self, tasks: Sequence[Task], profile: Profile, claims: Mapping[str, Claim],
            on_done: OnDone = None) -> Outcomes:
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise ExecutorUnavailable(
                "--scheduler needs the distributed package: pip install '.[distributed]'"
            ) from None
        try:
            client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:  # refused, timed out, malformed
            raise ExecutorUnavailable(
                f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        count, outcomes, run = _Counter(len(tasks), on_done), {}, uuid.uuid4().hex[:8]
        with client:
            futures = {}
            for i, task in enumerate(tasks):
                future = client.submit(work, task, profile, key=f"checks-{run}-{task.key}",
                                       pure=False, priority=len(tasks) - i)
                futures[future] = task
            for future in dask_completed(list(futures), loop=client.loop):
                task = futures[future]
                try:
                    outcomes[task.key] = future.result()
                except Exception as exc:  # KilledWorker, a lost connection: the task's error
                    outcomes[task.key] = {"ok": False, "seconds": 0.0,
                                          "error": f"{type(exc).__name__}: {exc}"}
                count(task, outcomes[task.key])
        return outcomes


def make_executor(jobs: int = 1, scheduler: str | None = None) -> Any:
    """The executor for ``--jobs`` / ``--scheduler``."""
    if scheduler:
        return DaskExecutor(scheduler)
    return SerialExecutor() if jobs == 1 else ProcessExecutor(jobs)
