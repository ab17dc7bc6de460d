"""Helpers for the tests of the claims' parsers: an instance a claim accepts, one it rejects
with a one-line :class:`checks.inputs.BadInput`, and an interval whose ends are exact."""

from __future__ import annotations

import numpy as np
import pytest

from checks.inputs import BadInput
from checks.registry import get


def accepts(claim_id: str, params: dict) -> dict:
    """The instance ``claim_id`` parses from ``params`` (raises if it refuses them)."""
    return get(claim_id).parse(params)


def rejects(claim_id: str, params: dict) -> str:
    """The message of the :class:`BadInput` with which ``claim_id`` refuses ``params``."""
    with pytest.raises(BadInput) as info:
        get(claim_id).parse(params)
    return str(info.value)


def range_is_exact(claim_id: str, base: dict, key: str, inside: tuple, outside: tuple) -> None:
    """``key`` accepts each value of ``inside`` (the interval's ends) and rejects each value of
    ``outside`` (just beyond them) with :class:`BadInput` naming the key."""
    for value in inside:
        assert accepts(claim_id, {**base, key: value})[key] == value, (key, value)
    for value in outside:
        msg = rejects(claim_id, {**base, key: value})
        assert msg.startswith(key), (key, value, msg)


def residual_params(d: int = 2, ell: int = 2) -> dict:
    """Valid JSON params of the linear residual network of Hardt & Ma (2017) §2 (``R``,
    ``Sigma``, ``A``), seeded by the sizes."""
    rng = np.random.default_rng(d + 10 * ell)
    return {"R": (np.eye(d) + 0.1 * rng.standard_normal((d, d))).tolist(),
            "Sigma": np.eye(d).tolist(),
            "A": [(0.05 * rng.standard_normal((d, d))).tolist() for _ in range(ell)]}
