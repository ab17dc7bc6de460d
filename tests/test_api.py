"""The Python API for hand-written instances (``checks.verify``, ``checks.example``), the
readable Verdict, and ``Claim.check``'s refusal of raw params."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import warnings

import numpy as np
import pytest
from roundtrip import recorded_worst
from toy_claims import AMGM, COSTLY, DOCUMENTED

import checks
from checks import registry
from checks.api import quiet_numerics
from checks.cli import main
from checks.framework import Tolerance, decide
from checks.inputs import real

TOYS = (AMGM, COSTLY, DOCUMENTED)


@pytest.fixture(autouse=True)
def toys_registered():
    for toy in TOYS:
        registry.register(toy)
    yield
    for toy in TOYS:
        registry._REGISTRY.pop(toy.id, None)


def cli_verdict(tmp_path, capsys, claim_id, params):
    path = tmp_path / "inst.json"
    path.write_text(json.dumps({"claim": claim_id, "params": params}))
    main(["verify", claim_id, "--instance", str(path)])
    out = json.loads(capsys.readouterr().out)
    del out["claim"], out["seconds"]
    return out


def api_verdict(verdict):
    out = verdict.to_json()
    del out["seconds"]
    return out


# ------------------------------------------------------------------------ checks.verify


@pytest.mark.parametrize("claim_id", ["hm17.claimC.2", "hm17.thm2.2", "j19.lem1"])
def test_verify_parses_nested_lists_exactly_as_the_command_line(tmp_path, capsys, claim_id):
    """The params of an instance file (arrays as nested lists) give the CLI's verdict, field
    for field, whether passed as a dict or as keywords."""
    params = recorded_worst(claim_id)
    expected = cli_verdict(tmp_path, capsys, claim_id, params)
    assert api_verdict(checks.verify(claim_id, params)) == expected
    assert api_verdict(checks.verify(claim_id, **params)) == expected


def test_verify_reads_numpy_arrays_as_the_lists_they_hold(tmp_path, capsys):
    params = recorded_worst("hm17.claimC.2")
    arrays = {k: np.asarray(v) for k, v in params.items()}
    assert api_verdict(checks.verify("hm17.claimC.2", arrays)) == cli_verdict(
        tmp_path, capsys, "hm17.claimC.2", params)


def test_verify_merges_a_params_dict_and_keywords():
    assert checks.verify(AMGM.id, {"a": 1.0}, b=4.0).status == "holds"


def test_verify_drop_runs_the_oracle_without_that_hypothesis():
    assert checks.verify(AMGM.id, a=-1.0, b=-1.0).status == "out-of-scope"
    assert checks.verify(AMGM.id, a=-1.0, b=-1.0, drop="nonneg").status == "violated"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: checks.verify("toy.amgn", a=1.0, b=1.0), "did you mean toy.amgm"),
        (lambda: checks.verify(AMGM.id, a=1.0), "toy.amgm: bad input: missing parameter(s): b"),
        (lambda: checks.verify(AMGM.id, a=[[1.0]], b=1.0), "a: expected a number"),
        (lambda: checks.verify(AMGM.id, a=math.nan, b=1.0), "a: must be finite"),
        (lambda: checks.verify(AMGM.id, {"a": 1.0, "b": 1.0}, a=2.0),
         "a given both in params and as a keyword"),
        (lambda: checks.verify(AMGM.id, [1.0, 2.0]), "params must be a dict"),
        (lambda: checks.verify(AMGM.id, a=1.0, b=1.0, drop="nope"),
         "toy.amgm has no hypothesis 'nope'"),
        (lambda: checks.verify(AMGM.id, a=1.0, b=1.0, budget=0), "budget must be a positive"),
        (lambda: checks.verify("hm17.claimC.2", A=[[1.0, 2.0], [3.0]], B=[[1.0]]),
         "hm17.claimC.2: bad input: "),
    ],
)
def test_verify_bad_input_raises_one_line_bad_input(call, message):
    with pytest.raises(checks.BadInput) as info:
        call()
    assert message in str(info.value) and "\n" not in str(info.value)


def test_verify_refuses_above_the_budget_naming_the_estimate_and_the_argument():
    """The cost is estimated before the oracle starts; above the budget the call raises
    OverBudget (a BadInput) giving the estimate and ``budget=``; a larger budget runs it."""
    estimate = COSTLY.cost({"a": 1.0, "b": 4.0})
    with pytest.raises(checks.OverBudget) as info:
        checks.verify(COSTLY.id, a=1.0, b=4.0)
    assert isinstance(info.value, checks.BadInput)
    assert f"estimated cost {estimate:.3g} s" in str(info.value)
    assert f"budget of {checks.DEFAULT_BUDGET:g} s" in str(info.value)
    assert re.search(r"\bbudget=SECONDS\b", str(info.value))  # the argument, as a word
    assert checks.verify(COSTLY.id, a=1.0, b=4.0, budget=2 * estimate).status == "holds"
    assert checks.verify(COSTLY.id, a=1.0, b=4.0, budget=None).status == "holds"


def test_verify_budget_stops_before_the_oracle_runs(monkeypatch):
    ran = []
    costly = dataclasses.replace(COSTLY, measure=lambda inst: ran.append(inst))
    monkeypatch.setitem(registry._REGISTRY, COSTLY.id, costly)
    with pytest.raises(checks.OverBudget):
        checks.verify(COSTLY.id, a=1.0, b=1.0)
    assert ran == []


def test_verify_refuses_a_cost_estimate_that_is_not_a_number(monkeypatch):
    monkeypatch.setitem(registry._REGISTRY, COSTLY.id,
                        dataclasses.replace(COSTLY, cost=lambda inst: math.nan))
    with pytest.raises(checks.OverBudget, match="estimated cost nan s"):
        checks.verify(COSTLY.id, a=1.0, b=1.0)


def test_verify_silences_numerical_warnings(monkeypatch):
    overflowing = dataclasses.replace(AMGM, measure=lambda inst: AMGM.measure(
        {"a": float(np.exp(np.float64(inst["a"]))), "b": inst["b"]}))
    monkeypatch.setitem(registry._REGISTRY, AMGM.id, overflowing)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert checks.verify(AMGM.id, a=1000.0, b=1.0).status == "inconclusive"
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


# --------------------------------------------------------------- the warning filter


def test_quiet_numerics_silences_numpy_floating_point_and_autograd_warnings_only():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet_numerics():
            np.exp(np.float64(1000.0))
            np.float64(1.0) / np.float64(0.0)
            warnings.warn_explicit("overflow encountered in cosh", RuntimeWarning,
                                   "tracer.py", 1, module="autograd.tracer")
            warnings.warn("another runtime warning", RuntimeWarning, stacklevel=1)
        np.exp(np.float64(1000.0))
    assert [str(w.message) for w in caught] == ["another runtime warning",
                                               "overflow encountered in exp"]


# ------------------------------------------------------------------------ checks.example


def test_example_round_trips_and_repeats_for_the_same_seed():
    doc, verdict = checks.example(AMGM.id, seed=5)
    assert doc["claim"] == AMGM.id and set(doc["params"]) == {"a", "b"}
    assert checks.example(AMGM.id, seed=5)[0] == doc
    assert checks.verify(AMGM.id, doc["params"]).status == verdict.status


def test_example_seeds_draw_different_instances_and_no_seed_the_same_one():
    drawn = {json.dumps(checks.example(AMGM.id, seed=s)[0]) for s in range(4)}
    assert len(drawn) > 1
    assert checks.example(AMGM.id)[0] == checks.example(AMGM.id)[0]


def test_example_edge_draws_from_the_edge_strategy():
    doc, _ = checks.example(DOCUMENTED.id, seed=3, edge=True)
    assert doc["params"]["a"] == doc["params"]["b"]


def test_example_edge_without_an_edge_strategy_is_bad_input():
    with pytest.raises(checks.BadInput, match="toy.amgm has no edge strategy"):
        checks.example(AMGM.id, edge=True)


def test_example_that_does_not_round_trip_is_refused(monkeypatch):
    """A parse that changes the drawn values (here: rounds ``a`` up) is caught."""
    lossy = dataclasses.replace(
        AMGM, parse=lambda p: {"a": math.ceil(real(p, "a")) + 1.0, "b": real(p, "b")})
    monkeypatch.setitem(registry._REGISTRY, AMGM.id, lossy)
    with pytest.raises(checks.NotRoundTripping, match="does not round-trip"):
        checks.example(AMGM.id, seed=1)


def test_example_respects_the_budget():
    """Above the budget ``example`` raises OverBudget naming the argument that raises it."""
    with pytest.raises(checks.OverBudget, match=r"\bbudget=SECONDS\b"):
        checks.example(COSTLY.id)


# ------------------------------------------------------------- Claim.check on raw params


def test_claim_check_on_raw_params_raises_a_type_error_naming_checks_verify():
    claim = checks.get("hm17.claimC.2")
    params = recorded_worst("hm17.claimC.2")
    with pytest.raises(TypeError, match=r"Claim.check takes a parsed instance.*checks\.verify"):
        claim.check(params)
    assert claim.check(claim.parse(params)).status == checks.verify(claim.id, params).status


def test_claim_check_passes_an_oracle_type_error_through_on_a_parsed_instance(monkeypatch):
    def broken(inst):
        raise TypeError("the oracle's own defect")

    claim = dataclasses.replace(AMGM, measure=broken)
    with pytest.raises(TypeError, match="^the oracle's own defect$"):
        claim.check({"a": 1.0, "b": 1.0})


# ------------------------------------------------------------------ the readable Verdict


def _violated():
    return AMGM.check({"a": -1.0, "b": -1.0}, drop="nonneg")


def test_verdict_str_shows_status_sides_slack_tolerance_and_certificate():
    v = _violated()
    lines = str(v).splitlines()
    assert lines[0].split() == ["status:", "violated"]
    assert f"lhs {v.lhs:.6g} {v.relation} rhs {v.rhs:.6g}" in lines[1]
    assert f"{v.slack:.6g} (relative {v.relative_slack:.6g})" in lines[2]
    assert f"{v.tolerance:.6g} = {v.tolerance_derivation}" in lines[3]
    assert lines[4].split(None, 1) == ["certificate:", v.certificate]


def test_verdict_str_shows_the_message_and_leaves_out_what_is_unset():
    v = AMGM.check({"a": -1.0, "b": -1.0})
    assert str(v).splitlines() == [f"{'status:':<13}out-of-scope", f"{'message:':<13}{v.message}"]
    flag = checks.decide_flag(True, message="rank certified")
    assert "relation:    certified" in str(flag) and "sides" not in str(flag)


def test_verdict_html_is_a_table_of_the_same_rows_escaped():
    v = decide(1.0, 2.0, tolerance=Tolerance(1e-16, "a <b> & c"))
    html = v._repr_html_()
    assert html.startswith("<table") and html.count("<tr>") == len(v.rows())
    assert "a &lt;b&gt; &amp; c" in html and "<b>" not in html


def test_verdict_pretty_prints_as_its_str():
    class Printer:
        def __init__(self):
            self.out = []

        def text(self, s):
            self.out.append(s)

    v, p = _violated(), Printer()
    v._repr_pretty_(p, cycle=False)
    assert p.out == [str(v)]


def test_draw_gives_the_params_example_prints():
    assert checks.api.draw(AMGM.id, seed=2) == checks.example(AMGM.id, seed=2)[0]["params"]


def test_verify_takes_a_whole_instance_file_and_checks_its_claim():
    doc, verdict = checks.example(AMGM.id, seed=4)
    assert api_verdict(checks.verify(AMGM.id, doc)) == api_verdict(verdict)
    with pytest.raises(checks.BadInput, match="instance is for 'toy.amgm', not "):
        checks.verify(DOCUMENTED.id, doc)


def test_a_claim_without_a_cost_is_estimated_from_the_dense_algebra_on_its_arrays():
    """A claim that declares no cost is estimated as dense linear algebra on its arrays
    (``DENSE_SECONDS |A|^{3/2}``): negligible at ordinary sizes, over the budget for a matrix
    no one should factorise by accident, and it never runs the oracle to find out."""
    from checks.api import DENSE_SECONDS, estimated_cost
    from checks.registry import get

    claim = get("hm17.claimC.2")
    assert claim.cost is None
    small = {"A": np.ones((6, 5)), "B": np.ones((5, 3))}
    assert estimated_cost(claim, small) == DENSE_SECONDS * (30**1.5 + 15**1.5)
    layers = {"A": [np.ones((2, 2)), np.ones((2, 2))]}
    assert estimated_cost(claim, layers) == DENSE_SECONDS * 2 * 4**1.5
    with pytest.raises(checks.OverBudget, match=r"^hm17\.claimC\.2: estimated cost"):
        checks.verify("hm17.claimC.2", A=np.zeros((20_000, 2)).tolist(), B=[[1.0], [2.0]],
                      budget=1e-6)
