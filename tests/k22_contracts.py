"""Helpers shared by the tests of the k22 claims (Kawaguchi, Zhang & Deng 2022): instance-file
JSON of an instance, parser acceptance and refusal, the contract every control meets, the
keys a parser reads, and the prose of a claim that the report shows."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

from checks.inputs import BadInput
from checks.registry import get
from checks.serialise import to_jsonable

#: for ``hypothesis.find`` over a strategy: generation only, no database, no health checks
FIND = settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


def params_of(inst):
    """The instance-file JSON of an instance, read back."""
    return json.loads(json.dumps(to_jsonable(inst)))


def control_params(claim_id, name):
    """The instance-file JSON of the first fixed instance of a claim's control."""
    return params_of(get(claim_id).control(name).fixed_instances()[0])


def accepts(claim_id, params):
    return get(claim_id).parse(params)


def rejects(claim_id, params):
    with pytest.raises(BadInput):
        get(claim_id).parse(params)


def gamma(k):
    """gamma_k = k u / (1 - k u) in double precision (Higham's rounding constant)."""
    u = np.finfo(float).eps / 2
    return k * u / (1 - k * u)


class Reading(dict):
    """Instance-file params that record every key a parser asks for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def k22_instance(claim):
    """A recorded instance of ``claim`` (the baseline's worst), or its first control's."""
    from roundtrip import recorded_worst

    try:
        return recorded_worst(claim.id)
    except (KeyError, LookupError):
        return params_of(claim.controls[0].fixed_instances()[0])


def assert_parameters_name_every_key_the_parser_reads(claim):
    """``parameters`` lists exactly what ``parse`` reads: every key read is declared (or read
    only to be refused: the corollaries refuse a Ystar), and every declared key without a
    default is required (its absence is a BadInput naming it)."""
    params = Reading(k22_instance(claim))
    claim.parse(params)
    declared = {p.name for p in claim.parameters}
    for key in params.read - declared:
        with pytest.raises(BadInput, match=rf"^{key}: "):
            claim.parse({**params, key: params["Y"]})
    for p in claim.parameters:
        if p.required:
            with pytest.raises(BadInput, match=rf"\b{p.name}\b"):
                claim.parse({k: v for k, v in k22_instance(claim).items() if k != p.name})


def assert_cost_grows_with_the_work(claim_id, key):
    """The cost estimate is positive and grows with the steps run (or the samples): twice the
    steps (or n) at least doubles the part of the estimate that scales with them."""
    claim = get(claim_id)
    inst = claim.parse(k22_instance(claim))
    if key == "T_set":
        more = {**inst, key: list(range(2 * inst[key][-1] + 2))}
    elif key == "X":
        more = {**inst, "X": np.vstack([inst["X"], inst["X"] + 1.0])}
    else:
        more = {**inst, key: 2 * inst[key] + 2}
    assert 0 < claim.cost(inst) < claim.cost(more)
