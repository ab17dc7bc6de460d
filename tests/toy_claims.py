"""A small, real claim used to test the framework itself: the AM-GM inequality.

For a, b >= 0, sqrt(a b) <= (a + b) / 2, with equality iff a = b (so tightness is 0).
Dropping a, b >= 0 breaks it: a = b = -1 gives 1 <= -1.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal

from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Hypothesis,
    Parameter,
    Relation,
    Reproduction,
    Tolerance,
    decide,
)
from checks.inputs import real
from theory.numerics import gamma


def parse(params):
    return {"a": real(params, "a"), "b": real(params, "b")}


def measure(inst):
    a, b = inst["a"], inst["b"]
    lhs, rhs = math.sqrt(abs(a * b)), (a + b) / 2
    scale = max(abs(a), abs(b), math.ulp(0.0))
    return decide(
        lhs, rhs, tolerance=Tolerance(4 * gamma(2) * scale, "4 gamma_2 max(|a|, |b|)"),
        scale=scale,
    )


def strategy(profile):
    side = st.floats(0, 1e3, allow_subnormal=False)
    return st.builds(lambda a, b: {"a": a, "b": b}, side, side)


AMGM = Claim(
    id="toy.amgm", paper="hm17", source="folklore", title="AM-GM",
    statement=r"\sqrt{ab} \le \tfrac{a+b}{2}", measure=measure, parse=parse, strategy=strategy,
    hypotheses=[Hypothesis("nonneg", r"a, b \ge 0",
                           lambda i: (i["a"] >= 0 and i["b"] >= 0) or "a negative side")],
    controls=[
        Control("negative", "nonneg", "a = b = -1", instances=[{"a": -1.0, "b": -1.0}]),
        Control(
            "negative-search", "nonneg", "negative sides drawn by Hypothesis",
            strategy=st.builds(lambda a: {"a": a, "b": a}, st.floats(-1e3, -1e-3)),
        ),
    ],
    size=lambda i: {"a": i["a"]},
)


# ---------------------------------------------------------------------- for the runner's tests

def scaled_edge_strategy(profile):
    """AM-GM where it is tight (a = b) and at extreme power-of-two scales."""
    scale = st.sampled_from([2.0**-40, 1.0, 2.0**40])
    return st.builds(lambda a, s: {"a": a * s, "b": a * s}, st.floats(0, 1e3), scale)


def _swap(inst, rng):
    return {"a": inst["b"], "b": inst["a"]}


def _quadruple(inst, rng):
    return {"a": 4 * inst["a"], "b": 4 * inst["b"]}


def edge_strategy(profile):
    """The equality case a = b, where the slack is zero and only rounding separates the sides."""
    return st.floats(0, 1e3, allow_subnormal=False).map(lambda a: {"a": a, "b": a})


#: AM-GM with its parameters, metamorphic relations and edge strategy documented
DOCUMENTED = dataclasses.replace(
    AMGM, id="toy.amgm-documented",
    parse=lambda params: {"a": real(params, "a"), "b": real(params, "b", default=1.0)},
    parameters=[Parameter("a", "scalar", "the first number $a$", "[0, inf)"),
                Parameter("b", "scalar", "the second number $b$", "[0, inf)", default=1.0)],
    relations=[Relation("swap", "both sides are symmetric in a and b", _swap),
               Relation("quadruple", "both sides scale by 4 when a and b do", _quadruple)],
    edge_strategy=edge_strategy,
)

#: AM-GM with a cost estimate far above any budget (an hour a unit of a)
COSTLY = dataclasses.replace(AMGM, id="toy.amgm-costly",
                             cost=lambda inst: 3600.0 * (1.0 + abs(inst["a"])))


def _times_four(inst, rng):
    return {"a": 4 * inst["a"], "b": 4 * inst["b"]}


def _negate(inst, rng):
    return {"a": -inst["a"], "b": -inst["b"]}


AMGM_EDGES = dataclasses.replace(
    AMGM, id="toy.amgm-edges", edge_strategy=scaled_edge_strategy,
    relations=[
        Relation("swap", "AM-GM is symmetric in a and b", _swap),
        Relation("times four", "both sides are homogeneous of degree 1; 4 is a power of two, "
                 "so the scaling is exact", _times_four),
    ],
)

#: a relation that is wrong on purpose: negating both sides leaves the hypotheses
WRONG_RELATION = dataclasses.replace(
    AMGM, id="toy.wrong-relation",
    relations=[Relation("negate", "not a symmetry: it leaves a, b >= 0", _negate)],
)


def _square_measure(inst):
    x = inst["x"]
    return decide(x, x * x, tolerance=Tolerance(gamma(1) * max(x, x * x), "gamma_1 max(x, x^2)"))


#: a false claim (x <= x^2 for x >= 0) whose generic strategy misses its counterexamples
#: (it draws x >= 1) and whose edge strategy finds them (x in (0, 1))
SQUARE_ABOVE = Claim(
    id="toy.square-above", paper="hm17", source="none (false on purpose)",
    title="x <= x^2", statement=r"x \le x^2", measure=_square_measure,
    parse=lambda p: {"x": real(p, "x")},
    strategy=lambda profile: st.builds(lambda x: {"x": x}, st.floats(1, 1e3)),
    edge_strategy=lambda profile: st.builds(lambda x: {"x": x}, st.floats(0.25, 0.75)),
    hypotheses=[Hypothesis("nonneg", r"x \ge 0", lambda i: i["x"] >= 0 or "x < 0")],
)


def _raise(profile):
    raise ZeroDivisionError("the reproduction divides by zero")


#: a claim whose reproduction raises: its entry is an error naming the exception
RAISES = dataclasses.replace(
    AMGM, id="toy.raises", controls=[], reproductions=[Reproduction("broken", "raises", _raise)])

#: where the killing claim looks for its trigger (a directory holding an "armed" file)
KILL_DIRECTORY = "TOY_KILL_DIRECTORY"


def _measure_or_die(inst):
    """AM-GM, but the first call anywhere, while the trigger is armed, kills its own process
    (as a worker killed in the middle of a run); every call does while an "always" file is
    there."""
    where = os.environ.get(KILL_DIRECTORY)
    if where and os.path.exists(os.path.join(where, "always")):
        os.kill(os.getpid(), signal.SIGKILL)
    if where and os.path.exists(os.path.join(where, "armed")):
        try:
            os.close(os.open(os.path.join(where, "fired"), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return measure(inst)


KILLER = dataclasses.replace(AMGM, id="toy.killer", measure=_measure_or_die, controls=[])


def toy_runner_claim(**kw):
    """A claim on even k <= 100 with a control and a reproduction that record the profile they
    ran under (``seen``): for the tests of the framework and the runner."""
    seen = {}

    def strategy(profile):
        seen["profile"] = profile
        return st.integers(0, 50).map(lambda j: {"k": 2 * j})

    def run(profile):
        seen["reproduction"] = profile
        return {"title": "toy", "table": {"columns": ["k"], "rows": [[1]]}}

    claim = Claim(
        id="toy.runner", paper="hm17", source="s", title="t", statement="s",
        measure=lambda i: decide(float(i["k"]), 100.0, tolerance=Tolerance(0.0, "exact"),
                                 scale=100.0),
        parse=dict, strategy=strategy, max_examples={"ci": 7, "dev": 3},
        hypotheses=[Hypothesis("even", "k even", lambda i: i["k"] % 2 == 0 or "k is odd")],
        controls=kw.pop("controls", None) or [Control("over", "even", "k > 100",
                                                      instances=[{"k": 101}])],
        reproductions=[kw.pop("reproduction", None) or Reproduction("rep", "a toy table", run)],
        size=lambda i: {"k": float(i["k"])}, **kw)
    return claim, seen
