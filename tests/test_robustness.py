"""The public surface survives malformed instances: every registered claim, every field.

For each claim a valid instance is drawn from its strategy and serialised; then one field at a
time is replaced by something no claim can accept (a string, null, NaN, an empty or ragged
array). ``verify`` must answer with a one-line bad-input error (exit 2) or ``out-of-scope``:
never ``holds``/``violated`` on invalid data, and never an exception escaping.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toy_claims import AMGM

from checks.cli import CliError, evaluate
from checks.profiles import get_profile
from checks.registry import all_claims
from checks.runner import sample_instances
from checks.serialise import to_jsonable

CLAIMS = [AMGM, *all_claims()]


def _ragged(value):
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [value[0] + [0.0], *value[1:]] if len(value) > 1 else [value[0], []]
    if isinstance(value, list):
        return [value, 1.0]
    return [[1.0], [1.0, 2.0]]


MUTATIONS = {
    "string": lambda v: "not a number",
    "null": lambda v: None,
    "nan": lambda v: math.nan,
    "empty": lambda v: [],
    "ragged": _ragged,
    "object": lambda v: {"value": v},
}


@pytest.fixture(scope="module")
def valid_params():
    profile = get_profile("ci")
    return {
        c.id: to_jsonable(next(iter(sample_instances(c.strategy("ci"), profile, 1))))
        for c in CLAIMS
    }


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_malformed_field_is_bad_input(claim, valid_params, data):
    params = dict(valid_params[claim.id])
    key = data.draw(st.sampled_from(sorted(params)), label="field")
    how = data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation")
    params[key] = MUTATIONS[how](params[key])
    try:
        verdict = evaluate(claim, params)
    except CliError as exc:
        message = str(exc)
        assert "\n" not in message and claim.id in message
        assert "could not evaluate" not in message, f"oracle crashed on bad {key}: {message}"
        return
    assert verdict.status == "out-of-scope", f"{how} {key} gave {verdict.status}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_valid_instance_round_trips(claim, valid_params):
    """The serialised instance parses back and gives the same verdict (replayability)."""
    params = valid_params[claim.id]
    first = evaluate(claim, params)
    again = evaluate(claim, to_jsonable(claim.parse(params)))
    assert (first.status, first.relative_slack) == (again.status, again.relative_slack)
