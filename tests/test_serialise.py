"""JSON conversion of :mod:`checks.serialise`: what instances and verdicts become in a ledger."""

from __future__ import annotations

import enum
import math

import numpy as np

from checks.framework import (
    Status,
)
from checks.serialise import to_jsonable


def test_to_jsonable_turns_numpy_scalars_arrays_enums_and_non_finite_values_into_json():
    class Colour(enum.Enum):
        RED = "red"

    out = to_jsonable({
        1: (np.float64(0.1), np.int32(3), np.bool_(True), Colour.RED),
        "arr": np.array([[1.5, math.inf], [-math.inf, math.nan]]),
        "plain": [None, "s", 2, False],
    })
    assert out == {"1": [0.1, 3, True, "red"], "arr": [[1.5, "inf"], ["-inf", "nan"]],
                   "plain": [None, "s", 2, False]}
    assert type(out["1"][1]) is int and type(out["1"][2]) is bool
    assert to_jsonable(Status.HOLDS) == "holds"
    assert to_jsonable(np.float32(0.5)) == 0.5 and type(to_jsonable(np.float32(0.5))) is float


def test_to_jsonable_array_like_with_get():
    class FakeDeviceArray:
        def __array__(self):
            return np.array([1.0])

        def get(self):
            return np.array([2.0, math.inf])

    assert to_jsonable(FakeDeviceArray()) == [2.0, "inf"]

    class OnlyGet:
        def get(self):
            return 1

    thing = OnlyGet()
    assert to_jsonable(thing) is thing
