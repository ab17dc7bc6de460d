"""Tests of ``checks.oracles`` (helpers shared by the paper oracles)."""

from __future__ import annotations

import numpy as np
import pytest

from checks.inputs import BadInput
from checks.oracles import InstanceCache, choice, instance_key

OPTIONS = ("squared", "logistic")


def test_choice_accepts_an_option_and_fills_the_default():
    assert choice({"loss": "logistic"}, "loss", OPTIONS) == "logistic"
    assert choice({}, "loss", OPTIONS, default="squared") == "squared"
    # a dict of options means its keys (k19 passes its loss table)
    assert choice({"loss": "squared"}, "loss", {"squared": 1, "logistic": 2}) == "squared"


@pytest.mark.parametrize("params", [{}, {"loss": "hinge"}, {"loss": 1}, {"loss": ["squared"]},
                                    {"loss": None}])
def test_choice_rejects_with_one_line_naming_the_parameter(params):
    with pytest.raises(BadInput) as err:
        choice(params, "loss", OPTIONS)
    assert "loss" in str(err.value) and "\n" not in str(err.value)


def test_choice_rejects_a_bad_value_even_with_a_default():
    with pytest.raises(BadInput, match="expected one of squared, logistic, got 'hinge'"):
        choice({"loss": "hinge"}, "loss", OPTIONS, default="squared")


def test_instance_key_is_by_value_and_shape():
    a = {"X": np.arange(4.0).reshape(2, 2), "steps": 3}
    assert instance_key("t", a) == instance_key("t", {"steps": 3, "X": a["X"].copy()})
    # same bytes, other shape: a different instance
    assert instance_key("t", a) != instance_key("t", {**a, "X": np.arange(4.0).reshape(4, 1)})
    assert instance_key("t", a) != instance_key("u", a)
    assert instance_key("t", a) != instance_key("t", {**a, "steps": 4})
    assert instance_key("t", {**a, "target": 1.0}, ignore=("target",)) == instance_key("t", a)


def test_instance_cache_computes_once_and_starts_afresh_when_full():
    calls = []
    cache = InstanceCache(size=2)

    def compute(i):
        calls.append(i)
        return {"i": i}

    first = cache.get("run", {"i": 0}, lambda: compute(0))
    assert cache.get("run", {"i": 0}, lambda: compute(0)) is first
    assert cache.get("run", {"i": 0, "target": 5}, lambda: compute(0), ignore=("target",)) is first
    assert calls == [0]
    for i in range(1, 4):
        cache.get("run", {"i": i}, lambda i=i: compute(i))
    assert len(cache) <= 3
    assert cache.get("run", {"i": 0}, lambda: compute(0)) == first
    with pytest.raises(ValueError):
        InstanceCache(size=0)
