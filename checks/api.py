"""The Python API for instances written by hand: :func:`verify` and :func:`example`.

``checks.verify("toy.amgm", a=1.0, b=4.0)`` parses its parameters exactly as
``python -m checks verify`` parses an instance file (nested lists for arrays), estimates the
cost before it starts, and returns the :class:`~checks.framework.Verdict`; bad input raises
:class:`~checks.inputs.BadInput` with a one-line message. ``checks.example(ID)`` draws an
instance from the claim's strategy, reproducibly, as the params of an instance file to edit.
The command line goes through the same functions, so the two cannot drift apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from checks.framework import Claim, Instance, Verdict
from checks.inputs import BadInput

__all__ = [
    "DEFAULT_BUDGET",
    "NotRoundTripping",
    "OverBudget",
    "claim_for",
    "draw",
    "estimated_cost",
    "evaluate",
    "example",
    "parse",
    "quiet_numerics",
    "verify",
]

#: seconds a single ``verify`` may be estimated to take before it is refused
DEFAULT_BUDGET = 60.0

# NumPy's floating-point warnings (numpy/_core/_ufunc_config.py words them so)
_FLOATING_POINT_WARNING = r"(overflow|underflow|divide by zero|invalid value) encountered"


@contextlib.contextmanager
def quiet_numerics() -> Iterator[None]:
    """Silence NumPy's floating-point RuntimeWarnings and autograd's while deciding.

    An oracle meets overflow on extreme instances by design (the edge strategies go there):
    autograd's tanh and sinh derivatives overflow to inf on saturated units and then divide
    to the correct 0, and a side that overflows makes :func:`~checks.framework.decide` answer
    ``inconclusive`` with the reason. The verdict carries what matters, so the warnings are
    noise on the terminal. Every command of ``python -m checks`` and :func:`verify` run under
    this one filter; other warnings still show."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autograd(\.|$)")
        warnings.filterwarnings("ignore", message=_FLOATING_POINT_WARNING,
                                category=RuntimeWarning)
        yield


class OverBudget(BadInput):
    """An instance whose estimated cost exceeds the budget; the message names the estimate and
    how to raise the budget."""

    def __init__(self, claim_id: str, estimate: float, budget: float, flag: str) -> None:
        self.estimate, self.budget = estimate, budget
        super().__init__(
            f"{claim_id}: estimated cost {estimate:.3g} s exceeds the budget of {budget:g} s; "
            f"raise it with {flag}"
        )


class NotRoundTripping(RuntimeError):
    """A drawn instance whose instance-file params do not give the same verdict."""


def claim_for(claim_id: str) -> Claim:
    """The registered claim with this id, or :class:`BadInput` naming the close matches."""
    from checks.registry import UnknownClaim, get

    try:
        return get(claim_id)
    except UnknownClaim as exc:
        raise BadInput(str(exc)) from None


def _plain(value: Any) -> Any:
    """``value`` as ``json.loads`` would have given it: arrays as nested lists, NumPy scalars
    as Python numbers, tuples as lists (so that the API parses exactly as the command line)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # NumPy (and CuPy) arrays, scalars
        return value.tolist()
    return value


def parse(claim: Claim, params: Any) -> Instance:
    """``claim.parse(params)``, every failure a one-line :class:`BadInput` naming the claim."""
    if not isinstance(params, Mapping):
        raise BadInput(f"{claim.id}: bad input: params must be an object of named parameters, "
                       f"got {type(params).__name__}")
    try:
        return claim.parse(params)
    except BadInput as exc:
        raise BadInput(f"{claim.id}: bad input: {exc}") from None
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        raise BadInput(f"{claim.id}: bad input: {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise BadInput(f"{claim.id}: bad input: parameters nested too deeply") from None


#: seconds per unit of ``N^{3/2}`` (a dense factorisation of an n x n matrix, N = n^2 entries,
#: takes about n^3 = N^{3/2} flops; 1e-9 s a flop is a slow core's rate for small products)
DENSE_SECONDS = 1e-9


def estimated_cost(claim: Claim, instance: Instance) -> float:
    """Seconds :meth:`Claim.check` is estimated to take on ``instance``: ``Claim.cost`` where the
    claim declares one (the claims that train, descend or build networks); otherwise the dense
    linear algebra on its arrays, ``sum_A DENSE_SECONDS |A|^{3/2}`` over the arrays ``A`` of
    the instance (sizes ``|A|`` in entries), which is negligible at the papers' sizes and
    refuses a matrix of 10^5 x 10^5 before it is factorised."""
    if claim.cost is not None:
        return float(claim.cost(instance))
    return DENSE_SECONDS * sum(float(np.size(value)) ** 1.5 for value in _arrays(instance))


def _arrays(value: Any) -> Iterator[Any]:
    """The arrays of an instance, also inside lists (a list of layer matrices ``A``)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _arrays(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _arrays(item)


def _budget(budget: float | None) -> float:
    if budget is None:
        return math.inf
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not budget > 0:
        raise BadInput(f"budget must be a positive number of seconds, got {budget!r}")
    return float(budget)


def evaluate(
    claim: Claim, params: Any, drop: str | None = None, budget: float | None = DEFAULT_BUDGET,
    *, budget_flag: str = "budget=SECONDS",
) -> Verdict:
    """Parse ``params`` (plain JSON values), refuse above the cost ``budget`` (seconds; ``None``
    for none), and run the oracle with the hypothesis ``drop`` dropped.

    Bad input (an unknown hypothesis, malformed parameters, an instance over budget or too
    large for memory) raises :class:`BadInput`; a defect of the oracle propagates as it is."""
    limit = _budget(budget)
    if drop is not None and drop not in {h.name for h in claim.hypotheses}:
        raise BadInput(f"{claim.id} has no hypothesis {drop!r}")
    with quiet_numerics():
        instance = parse(claim, params)
    return _check(claim, instance, drop, limit, budget_flag)


def _check(claim: Claim, instance: Instance, drop: str | None, limit: float,
           budget_flag: str) -> Verdict:
    with quiet_numerics():
        estimate = estimated_cost(claim, instance)
        if not estimate <= limit:  # a NaN estimate is refused too
            raise OverBudget(claim.id, estimate, limit, budget_flag)
        try:
            return claim.check(instance, drop=drop)
        except MemoryError:
            raise BadInput(f"{claim.id}: instance too large for this machine") from None


def verify(
    claim_id: str, params: Mapping[str, Any] | None = None, /, *, drop: str | None = None,
    budget: float | None = DEFAULT_BUDGET, **kwargs: Any,
) -> Verdict:
    """Decide one hand-written instance of claim ``claim_id``, as ``python -m checks verify``.

    Give the parameters as a dict (the ``params`` of an instance file, or the whole file
    ``{"claim": ID, "params": {...}}`` as :func:`example` returns it) or as keywords, or both
    (a name given twice is bad input; a parameter called ``drop`` or ``budget`` goes in the
    dict); arrays may be nested lists or NumPy arrays. ``drop`` names a hypothesis not to
    check (as a control does); ``budget`` refuses an instance whose estimated cost
    (``Claim.cost``) exceeds that many seconds (``None``: no limit). Returns the
    :class:`~checks.framework.Verdict`; raises :class:`BadInput` (one line) on an unknown
    claim or hypothesis, malformed parameters or an instance over budget."""
    claim = claim_for(claim_id)
    if params is not None and not isinstance(params, Mapping):
        raise BadInput(f"{claim_id}: bad input: params must be a dict of named parameters, "
                       f"got {type(params).__name__}")
    given = dict(params or {})
    if "params" in given and set(given) <= {"claim", "params"}:  # a whole instance file
        if given.get("claim", claim.id) != claim.id:
            raise BadInput(f"instance is for {given['claim']!r}, not {claim.id!r}")
        given = given["params"] if isinstance(given["params"], Mapping) else given
    twice = sorted(set(given) & set(kwargs))
    if twice:
        raise BadInput(f"{claim_id}: bad input: {', '.join(twice)} given both in params and "
                       "as a keyword")
    return evaluate(claim, _plain({**given, **kwargs}), drop, budget)


def _draws(strategy: Any, seed: int | None, label: str) -> Instance:
    """One instance from ``strategy``, the same for the same ``seed`` in every process.

    Hypothesis's first draw is the simplest instance the strategy can make, whatever the seed;
    so without a seed that is the example, and with one the next (first random) draw of the
    stream :func:`checks.runner.stream_seed` derives from it."""
    from checks.profiles import get_profile
    from checks.runner import sample_instances

    profile = get_profile("ci")
    if seed is not None:
        profile = dataclasses.replace(profile, seed=seed)
    wanted = 1 if seed is None else 2
    for n in (wanted, 20):  # a strategy that filters may reject its first draws
        drawn = list(sample_instances(strategy, profile, n, label))
        if drawn:
            return drawn[min(wanted, len(drawn)) - 1]
    raise BadInput(f"{label}: the strategy drew no instance")


def _same(a: Verdict, b: Verdict) -> bool:
    def eq(x: float | None, y: float | None) -> bool:
        return x == y or (x is not None and y is not None and math.isnan(x) and math.isnan(y))

    return a.status == b.status and eq(a.lhs, b.lhs) and eq(a.rhs, b.rhs)


def _drawn(claim: Claim, seed: int | None, edge: bool) -> tuple[Instance, dict[str, Any]]:
    """An instance drawn from the claim's strategy (or edge strategy) and its params as the
    plain JSON values an instance file holds."""
    from checks.serialise import to_jsonable

    if edge and claim.edge_strategy is None:
        raise BadInput(f"{claim.id} has no edge strategy")
    make = claim.edge_strategy if edge else claim.strategy
    label = f"{claim.id}/example" + ("/edge" if edge else "")
    with quiet_numerics():
        instance = _draws(make("ci"), seed, label)
    return instance, json.loads(json.dumps(to_jsonable(instance)))


def draw(claim_id: str, *, seed: int | None = None, edge: bool = False) -> dict[str, Any]:
    """The params of the instance :func:`example` draws, without running the oracle."""
    return _drawn(claim_for(claim_id), seed, edge)[1]


def example(
    claim_id: str, *, seed: int | None = None, edge: bool = False,
    budget: float | None = DEFAULT_BUDGET, budget_flag: str = "budget=SECONDS",
) -> tuple[dict[str, Any], Verdict]:
    """An instance file ``{"claim": ID, "params": {...}}`` drawn from the claim's strategy (its
    edge strategy with ``edge``), reproducibly from ``seed``, and the verdict on it.

    The params are checked to round-trip: parsed back from their JSON text they give the
    verdict the drawn instance gets (status and both sides, bit for bit); otherwise
    :class:`NotRoundTripping`. ``budget`` as in :func:`verify`."""
    claim = claim_for(claim_id)
    limit = _budget(budget)
    instance, params = _drawn(claim, seed, edge)
    drawn = _check(claim, instance, None, limit, budget_flag)
    try:
        again = evaluate(claim, params, None, limit, budget_flag=budget_flag)
    except BadInput as exc:
        raise NotRoundTripping(f"{claim.id}: the drawn instance does not parse back: "
                               f"{exc}") from None
    if not _same(drawn, again):
        raise NotRoundTripping(
            f"{claim.id}: the drawn instance does not round-trip: {drawn.status} "
            f"(lhs {drawn.lhs!r}, rhs {drawn.rhs!r}) became {again.status} "
            f"(lhs {again.lhs!r}, rhs {again.rhs!r})")
    return {"claim": claim.id, "params": params}, again
