"""The readers of :mod:`checks.inputs` that every claim's ``parse`` is built from: types, shapes,
bounds, defaults and the one-line messages users read."""

from __future__ import annotations

import math

import numpy as np
import pytest

from checks.inputs import BadInput, integer, matrices, matrix, real, require, vector


@pytest.mark.parametrize(
    ("value", "fn"),
    [
        ("abc", lambda p: matrix(p, "x")),
        ([[1, 2], [3]], lambda p: matrix(p, "x")),
        ([[1, float("nan")]], lambda p: matrix(p, "x")),
        ([[1, 2]], lambda p: matrix(p, "x", square=True)),
        ([], lambda p: vector(p, "x")),
        ([1, 2], lambda p: vector(p, "x", length=3)),
        ([[1, 2]], lambda p: matrices(p, "x")),
        ([[[1]], [[1, 2]]], lambda p: matrices(p, "x")),
        ("1", lambda p: real(p, "x")),
        (True, lambda p: real(p, "x")),
        (float("inf"), lambda p: real(p, "x")),
        (2.0, lambda p: real(p, "x", hi=1.0)),
        (1.5, lambda p: integer(p, "x")),
    ],
)
def test_inputs_reject_with_named_message(value, fn):
    with pytest.raises(BadInput, match="x"):
        fn({"x": value})


def test_inputs_missing_parameter():
    with pytest.raises(BadInput, match="missing"):
        matrix({}, "R")


def test_require_messages():
    with pytest.raises(BadInput, match=r"^params must be a JSON object, got list$"):
        require([1], "a")
    with pytest.raises(BadInput, match=r"^missing parameter\(s\): a, c$"):
        require({"b": 1}, "a", "b", "c")


@pytest.mark.parametrize("fn", [
    lambda p: matrix(p, "x"), lambda p: vector(p, "x"), lambda p: matrices(p, "x"),
    lambda p: real(p, "x"), lambda p: integer(p, "x"),
])
def test_every_reader_reports_a_missing_parameter(fn):
    with pytest.raises(BadInput, match=r"^missing parameter\(s\): x$"):
        fn({"y": 1})


@pytest.mark.parametrize(("value", "message"), [
    (None, "x: expected a 2-d array of numbers, got NoneType"),
    ("ab", "x: expected a 2-d array of numbers, got str"),
    ({"a": 1}, "x: expected a 2-d array of numbers, got dict"),
    ([[1, "a"]], "x: not an array of numbers (ValueError)"),
    ([1.0, 2.0], "x: expected a 2-d array, got shape (2,)"),
    ([[]], "x: empty array"),
    ([[1.0, math.inf]], "x: contains NaN or infinity"),
])
def test_array_messages(value, message):
    with pytest.raises(BadInput) as info:
        matrix({"x": value}, "x")
    assert str(info.value) == message


def test_arrays_are_float64_copies_of_integers():
    arr = matrix({"x": [[1, 2], [3, 4]]}, "x")
    assert arr.dtype == np.float64 and arr.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert vector({"v": [1, 2]}, "v").dtype == np.float64


def test_shape_messages():
    with pytest.raises(BadInput) as info:
        matrix({"R": [[1.0] * 3] * 3}, "R", (2, None))
    assert str(info.value) == "R: expected shape 2x?, got 3x3"
    assert matrix({"R": [[1.0] * 3] * 2}, "R", (2, None)).shape == (2, 3)
    with pytest.raises(BadInput) as info:
        matrix({"R": [[1.0, 2.0]]}, "R", square=True)
    assert str(info.value) == "R: expected a square matrix, got shape (1, 2)"
    with pytest.raises(BadInput) as info:
        vector({"v": [1.0, 2.0]}, "v", 3)
    assert str(info.value) == "v: expected shape 3, got 2"
    assert vector({"v": [1.0, 2.0, 5.0]}, "v").shape == (3,)


def test_matrices_messages_and_shapes():
    with pytest.raises(BadInput) as info:
        matrices({"A": "abc"}, "A")
    assert str(info.value) == "A: expected a list of at least 1 matrices"
    with pytest.raises(BadInput, match="at least 2 matrices"):
        matrices({"A": [[[1.0]]]}, "A", min_count=2)
    assert len(matrices({"A": [[[1.0]], [[2.0]]]}, "A", min_count=2)) == 2
    with pytest.raises(BadInput) as info:
        matrices({"A": [[[1.0, 2.0]]]}, "A", (2, 2))
    assert str(info.value) == "A[0]: expected shape 2x2, got 1x2"
    with pytest.raises(BadInput) as info:
        matrices({"A": [[[1.0]], [[1.0, 2.0]]]}, "A")
    assert str(info.value) == "A[1]: shape (1, 2) differs from A[0]'s (1, 1)"
    mats = matrices({"A": ([[1, 2]], [[3, 4]])}, "A")
    assert [m.tolist() for m in mats] == [[[1.0, 2.0]], [[3.0, 4.0]]]


def test_real_defaults_and_messages():
    assert real({"x": 2.0}, "x", default=1.0) == 2.0
    assert real({}, "x", default=1.5) == 1.5 and isinstance(real({}, "x", default=1), float)
    assert real({"x": np.float32(0.5)}, "x") == 0.5 and real({"x": 3}, "x") == 3.0
    with pytest.raises(BadInput) as info:
        real({"x": "1"}, "x")
    assert str(info.value) == "x: expected a number, got str"
    with pytest.raises(BadInput) as info:
        real({"x": math.nan}, "x")
    assert str(info.value) == "x: must be finite, got nan"


def test_integer_defaults_and_messages():
    assert integer({"n": 3.0}, "n") == 3 and isinstance(integer({"n": 3.0}, "n"), int)
    assert integer({"n": np.int64(7)}, "n") == 7
    assert integer({"n": 5}, "n", default=2) == 5 and integer({}, "n", default=2) == 2
    for value, message in [
        (True, "n: expected an integer, got bool"),
        ("3", "n: expected an integer, got str"),
        (None, "n: expected an integer, got NoneType"),
        (1.5, "n: expected an integer, got 1.5"),
    ]:
        with pytest.raises(BadInput) as info:
            integer({"n": value}, "n")
        assert str(info.value) == message
