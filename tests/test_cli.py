"""The command-line contract: exit codes, one-line messages, run/replay/baseline."""

from __future__ import annotations

import json

import pytest
from toy_claims import AMGM

from checks import registry
from checks.cli import EXIT_CODES, instance_text, main
from checks.framework import Status
from checks.registry import all_claims


@pytest.fixture(autouse=True)
def toy_registered():
    registry.register(AMGM)
    yield
    registry._REGISTRY.pop(AMGM.id, None)


def write(tmp_path, doc, name="inst.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def test_list_json(capsys):
    assert main(["list", "--json", "--only", "toy."]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in listed] == ["toy.amgm"]


def test_show(capsys):
    assert main(["show", "toy.amgm"]) == 0
    assert "control negative" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("params", "extra", "code", "status"),
    [
        ({"a": 1.0, "b": 4.0}, [], 0, "holds"),
        ({"a": -1.0, "b": -1.0}, [], 4, "out-of-scope"),
        ({"a": -1.0, "b": -1.0}, ["--drop", "nonneg"], 1, "violated"),
    ],
)
def test_verify_exit_codes(tmp_path, capsys, params, extra, code, status):
    path = write(tmp_path, {"claim": "toy.amgm", "params": params})
    assert main(["verify", "toy.amgm", "--instance", path, *extra]) == code
    assert json.loads(capsys.readouterr().out)["status"] == status


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"claim": "toy.amgm"}, "expected an object"),
        ({"claim": "other.claim", "params": {"a": 1, "b": 1}}, "not 'toy.amgm'"),
        ('{"claim": "toy.amgm", "params": {"a": NaN, "b": 1}}', "finite"),
        ({"claim": "toy.amgm", "params": {"a": "x", "b": 1}}, "expected a number"),
        ({"claim": "toy.amgm", "params": {"a": 1}}, "missing"),
    ],
)
def test_verify_bad_input(tmp_path, capsys, doc, message):
    path = write(tmp_path, doc)
    assert main(["verify", "toy.amgm", "--instance", path]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_verify_unknown_claim_and_missing_file(tmp_path, capsys):
    assert main(["verify", "toy.amgn", "--instance", str(tmp_path / "x.json")]) == 2
    assert "did you mean toy.amgm" in capsys.readouterr().err
    assert main(["verify", "toy.amgm", "--instance", str(tmp_path / "x.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_verify_unknown_drop(tmp_path, capsys):
    path = write(tmp_path, {"params": {"a": 1, "b": 1}})
    assert main(["verify", "toy.amgm", "--instance", path, "--drop", "nope"]) == 2


def run_toy(tmp_path, *extra):
    return main([
        "run", "--only", "toy.", "--out", str(tmp_path / "out"), "--no-report",
        "--baseline", str(tmp_path / "baseline.json"), *extra,
    ])


def test_run_baseline_and_replay(tmp_path, capsys):
    assert run_toy(tmp_path, "--update-baseline") == 0
    assert run_toy(tmp_path) == 0
    ledger = tmp_path / "out" / "ledger.json"
    capsys.readouterr()
    assert main(["replay", str(ledger), "toy.amgm"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["replayed_exactly"] is True
    assert main(["replay", str(ledger), "toy.amgm", "--control", "negative"]) == 1
    # a baseline that records a different verdict makes the run a regression
    base = json.loads((tmp_path / "baseline.json").read_text())
    base["claims"][0]["verdict"] = "violated"
    (tmp_path / "baseline.json").write_text(json.dumps(base))
    assert run_toy(tmp_path) == 1
    assert "REGRESSION toy.amgm: verdict violated -> holds" in capsys.readouterr().err


def test_run_corrupt_baseline(tmp_path, capsys):
    (tmp_path / "baseline.json").write_text("{")
    assert run_toy(tmp_path) == 2
    assert "baseline" in capsys.readouterr().err


def test_replay_corrupt_ledger(tmp_path, capsys):
    path = write(tmp_path, "[]", "ledger.json")
    assert main(["replay", path, "toy.amgm"]) == 2
    assert "not a ledger" in capsys.readouterr().err


def test_bench_options_reach_the_bench(monkeypatch):
    import checks.bench

    seen = []
    monkeypatch.setattr(checks.bench, "main", lambda argv: seen.append(list(argv)) or 0)
    assert main(["bench", "--quick"]) == 0
    assert seen and "--quick" in seen[0]


def test_agree_on_seeds_and_disagreements(tmp_path, capsys):
    """Two seeds agree; a run with a flipped verdict, a violated instance or a lost control
    does not, and each disagreement is named."""
    assert run_toy(tmp_path, "--seed", "1", "--no-reproductions", "--update-baseline") == 0
    first = tmp_path / "first.json"
    first.write_text((tmp_path / "out" / "ledger.json").read_text())
    assert run_toy(tmp_path, "--seed", "2", "--no-reproductions") == 0
    second = tmp_path / "out" / "ledger.json"
    capsys.readouterr()
    assert main(["agree", str(first), str(second)]) == 0
    assert "verdict tables agree" in capsys.readouterr().err

    doc = json.loads(second.read_text())
    doc["claims"][0]["verdict"] = "violated"
    doc["claims"][0]["counts"]["violated"] = 1
    doc["claims"][0]["controls"][0]["passed"] = False
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["agree", str(first), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "toy.amgm: verdicts differ across runs: ['holds', 'violated']" in err
    assert "toy.amgm: run 2 has 1 violated instance(s)" in err
    assert "toy.amgm: controls differ across runs" in err


def test_agree_corrupt_ledger(tmp_path, capsys):
    assert main(["agree", write(tmp_path, "{", "ledger.json")]) == 2
    assert "ledger" in capsys.readouterr().err


def test_run_no_reproductions(tmp_path, monkeypatch):
    """``--no-reproductions`` leaves the figures out of the ledger; without it they run."""
    import dataclasses

    from checks.framework import Reproduction

    ran = []
    figure = Reproduction("fig", "a figure", lambda profile: ran.append(profile) or {"title": "t"})
    monkeypatch.setitem(registry._REGISTRY, AMGM.id,
                        dataclasses.replace(AMGM, reproductions=[figure]))
    for extra, expected in ((["--no-reproductions"], []), ([], ["fig"])):
        assert run_toy(tmp_path, "--update-baseline", *extra) == 0
        doc = json.loads((tmp_path / "out" / "ledger.json").read_text())
        assert [r["name"] for r in doc["claims"][0]["reproductions"]] == expected
    assert ran == ["ci"]


# ------------------------------------------------------------------- budget, show, example


@pytest.fixture
def toys_registered():
    from toy_claims import COSTLY, DOCUMENTED

    for toy in (COSTLY, DOCUMENTED):
        registry.register(toy)
    yield COSTLY, DOCUMENTED
    for toy in (COSTLY, DOCUMENTED):
        registry._REGISTRY.pop(toy.id, None)


def test_verify_refuses_above_the_budget_with_exit_2_and_the_flag(tmp_path, capsys,
                                                                 toys_registered):
    """The cost is estimated before the oracle starts; above ``--budget`` (default 60 s) the
    answer is exit 2 and one line giving the estimate and the flag that raises it."""
    costly, _ = toys_registered
    params = {"a": 1.0, "b": 4.0}
    path = write(tmp_path, {"claim": costly.id, "params": params})
    assert main(["verify", costly.id, "--instance", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert f"estimated cost {costly.cost(params):.3g} s exceeds the budget of 60 s" in captured.err
    assert "raise it with --budget SECONDS" in captured.err
    assert main(["verify", costly.id, "--instance", path,
                 "--budget", str(2 * costly.cost(params))]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "holds"


@pytest.mark.parametrize("budget", ["0", "-1", "nan"])
def test_budget_must_be_a_positive_number_of_seconds(tmp_path, capsys, budget):
    path = write(tmp_path, {"params": {"a": 1.0, "b": 1.0}})
    assert main(["verify", "toy.amgm", "--instance", path, "--budget", budget]) == 2
    assert "--budget must be a positive number of seconds" in capsys.readouterr().err


def test_replay_refuses_above_the_budget(tmp_path, capsys, monkeypatch, toys_registered):
    costly, _ = toys_registered
    assert run_toy(tmp_path, "--update-baseline", "--no-reproductions") == 0
    monkeypatch.setitem(registry._REGISTRY, AMGM.id, costly)
    capsys.readouterr()
    assert main(["replay", str(tmp_path / "out" / "ledger.json"), "toy.amgm"]) == 2
    assert "--budget SECONDS" in capsys.readouterr().err


def test_show_lists_parameters_relations_and_edge_strategy(capsys, toys_registered):
    _, documented = toys_registered
    assert main(["show", documented.id]) == 0
    out = capsys.readouterr().out.splitlines()
    a, b = documented.parameters
    assert f"  a [{a.shape}]: {a.meaning}; domain {a.domain}; required" in out
    assert f"  b [{b.shape}]: {b.meaning}; domain {b.domain}; default {b.default!r}" in out
    for r in documented.relations:
        assert f"relation {r.name}: {r.description}" in out
    assert "edge strategy: yes" in out
    assert main(["show", AMGM.id]) == 0
    assert "edge strategy: no" in capsys.readouterr().out


def test_show_json_has_parameters_relations_and_edge_strategy(capsys, toys_registered):
    _, documented = toys_registered
    assert main(["show", documented.id, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["id"] == documented.id
    assert [(p["name"], p["shape"], p["meaning"], p["domain"], p["required"], p["default"])
            for p in doc["parameters"]] == [
        ("a", "scalar", documented.parameters[0].meaning, "[0, inf)", True, None),
        ("b", "scalar", documented.parameters[1].meaning, "[0, inf)", False,
         documented.parameters[1].default)]
    assert all(p["documented"] for p in doc["parameters"])
    assert doc["relations"] == [{"name": r.name, "description": r.description}
                                for r in documented.relations]
    assert doc["edge_strategy"] is True
    assert [c["name"] for c in doc["controls"]] == [c.name for c in documented.controls]


def test_show_without_parameters_falls_back_to_the_example_keys_undocumented(capsys):
    assert main(["show", AMGM.id, "--json"]) == 0
    params = json.loads(capsys.readouterr().out)["parameters"]
    assert [(p["name"], p["shape"], p["meaning"], p["documented"]) for p in params] == [
        ("a", "scalar", "undocumented", False), ("b", "scalar", "undocumented", False)]


def test_example_prints_an_instance_file_that_verifies(tmp_path, capsys):
    assert main(["example", AMGM.id, "--seed", "3"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["claim"] == AMGM.id and set(doc["params"]) == {"a", "b"}
    status = captured.err.split(": ")[-1].split(" on this instance")[0]
    path = write(tmp_path, captured.out)
    assert main(["verify", AMGM.id, "--instance", path]) == EXIT_CODES[Status(status)]
    assert main(["example", AMGM.id, "--seed", "3"]) == 0
    assert capsys.readouterr().out.endswith(captured.out)


def test_example_edge_without_an_edge_strategy_exits_2(capsys):
    assert main(["example", AMGM.id, "--edge"]) == 2
    assert capsys.readouterr().err == "error: toy.amgm has no edge strategy\n"


def test_instance_text_is_the_same_json_with_one_matrix_row_a_line():
    doc = {"claim": "x", "params": {"A": [[0.1, 1e-300], [2.0, -3.5]], "T": [[[1.0]]],
                                    "widths": [2, 3], "tau": 0.1 + 0.2, "loss": "squared"}}
    text = instance_text(doc)
    assert json.loads(text) == doc
    assert "  [0.1, 1e-300],\n" in text and '"widths": [2, 3],\n' in text


def _claims_with(attr=None):
    return [c.id for c in all_claims() if attr is None or getattr(c, attr) is not None]


@pytest.mark.parametrize("claim_id", _claims_with())
def test_every_claims_example_verifies_without_bad_input(tmp_path, capsys, claim_id):
    """``example ID`` (its first draw) fed to ``verify`` gives a verdict, never bad input."""
    assert main(["example", claim_id]) == 0, capsys.readouterr().err
    path = write(tmp_path, capsys.readouterr().out)
    assert main(["verify", claim_id, "--instance", path, "--budget", "inf"]) != 2, (
        capsys.readouterr().err)


@pytest.mark.parametrize("claim_id", _claims_with("edge_strategy"))
def test_every_claims_edge_example_verifies_without_bad_input(tmp_path, capsys, claim_id):
    assert main(["example", claim_id, "--edge"]) == 0, capsys.readouterr().err
    path = write(tmp_path, capsys.readouterr().out)
    assert main(["verify", claim_id, "--instance", path, "--budget", "inf"]) != 2, (
        capsys.readouterr().err)


def test_show_fallback_draws_the_example_without_running_the_oracle(capsys, monkeypatch):
    import dataclasses

    def measure(inst):
        raise AssertionError("show ran the oracle")

    monkeypatch.setitem(registry._REGISTRY, AMGM.id, dataclasses.replace(AMGM, measure=measure))
    assert main(["show", AMGM.id]) == 0
    assert "  a [scalar]: undocumented; domain ?; required" in capsys.readouterr().out
