"""A small, real claim used to test the framework itself: the AM-GM inequality.

For a, b >= 0, sqrt(a b) <= (a + b) / 2, with equality iff a = b (so tightness is 0).
Dropping a, b >= 0 breaks it: a = b = -1 gives 1 <= -1.
"""

from __future__ import annotations

import dataclasses
import math

from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Hypothesis,
    Parameter,
    Relation,
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
