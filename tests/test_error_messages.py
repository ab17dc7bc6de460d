"""Every error message of ``theory/`` and ``checks/`` says what it promises.

A one-line error is part of the contract: the CLI prints it, and users fix their instance files
from it. Each test triggers one ``raise`` through the public function that contains it (or its
nearest public caller) and asserts the exception type together with a fragment of the message
that includes the interpolated value, so that the mutants replacing a message by ``None`` or by
``"XX...XX"``, or dropping an argument of the f-string, fail here.

No raise site is GPU-only: ``get_xp("cupy")`` is reached by patching ``gpu_available``.
Valid instances to corrupt come from small hand-made parameters or, for the j19 / k22-ee / k19
Example 2 claims, from the worst instances recorded in ``reports/baseline.json``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis.errors import InvalidArgument
from roundtrip import recorded_worst

from checks import cli
from checks.framework import Claim, Tolerance, decide
from checks.inputs import BadInput, integer, matrices, matrix, real, require, vector
from checks.ledger import SCHEMA, CorruptLedger, load_ledger
from checks.oracles import InstanceCache, choice
from checks.profiles import get_profile
from checks.registry import UnknownClaim, get, register
from checks.serialise import UnreadableJSON, read_json


def raises(call, exc, pattern):
    """``call()`` raises ``exc`` whose message matches ``pattern`` (``re.search``)."""
    with pytest.raises(exc, match=pattern):
        call()


# -- checks.inputs: the parameter parsers every claim's parse is built from --------------------

INPUTS = [
    (lambda: require([1], "a"), r"params must be a JSON object, got list"),
    (lambda: require({"a": 1}, "a", "b", "c"), r"missing parameter\(s\): b, c"),
    (lambda: matrix({"M": "ab"}, "M"), r"M: expected a 2-d array of numbers, got str"),
    (lambda: matrix({"M": [[1, 2], [3]]}, "M"), r"M: not an array of numbers \(ValueError\)"),
    (lambda: matrix({"M": [1, 2]}, "M"), r"M: expected a 2-d array, got shape \(2,\)"),
    (lambda: vector({"v": []}, "v"), r"v: empty array"),
    (lambda: matrix({"M": [[True, 1.0]]}, "M"), r"M: expected numbers, got booleans"),
    (lambda: vector({"v": [1.0, float("nan")]}, "v"), r"v: contains NaN or infinity"),
    (lambda: matrix({"M": [[1, 2, 3]]}, "M", (1, 2)), r"M: expected shape 1x2, got 1x3"),
    (lambda: matrix({"M": [[1, 2, 3]]}, "M", (None, 2)), r"M: expected shape \?x2, got 1x3"),
    (lambda: vector({"v": [1, 2, 3]}, "v", 2), r"v: expected shape 2, got 3"),
    (lambda: matrix({"M": [[1, 2, 3]]}, "M", square=True),
     r"M: expected a square matrix, got shape \(1, 3\)"),
    (lambda: matrices({"Ws": [[[1.0]]]}, "Ws", min_count=2),
     r"Ws: expected a list of at least 2 matrices"),
    (lambda: matrices({"Ws": [[[1.0]], [[1.0, 2.0]]]}, "Ws"),
     r"Ws\[1\]: shape \(1, 2\) differs from Ws\[0\]'s \(1, 1\)"),
    (lambda: real({"t": "1"}, "t"), r"t: expected a number, got str"),
    (lambda: real({"t": float("inf")}, "t"), r"t: must be finite, got inf"),
    (lambda: real({"t": 2.5}, "t", lo=0.0, hi=1.0), r"t: must lie in \[0.0, 1.0\], got 2.5"),
    (lambda: integer({"k": "3"}, "k"), r"k: expected an integer, got str"),
    (lambda: integer({"k": 2.5}, "k"), r"k: expected an integer, got 2.5"),
    (lambda: integer({"k": 7}, "k", lo=1, hi=5), r"k: must lie in \[1, 5\], got 7"),
    (lambda: choice({"loss": "hinge"}, "loss", ("squared", "logistic")),
     r"loss: expected one of squared, logistic, got 'hinge'"),
]


@pytest.mark.parametrize(("call", "pattern"), INPUTS)
def test_input_parsers_name_the_parameter_and_the_value(call, pattern):
    """Each ``BadInput`` of checks.inputs / checks.oracles.choice names the parameter and what
    was wrong with it (kills message -> None / XX mutants of every raise in checks.inputs)."""
    raises(call, BadInput, pattern)


def test_array_size_limit_message(monkeypatch):
    """Over-large arrays are refused with the count and the limit (the size-limit message)."""
    import checks.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_ENTRIES", 3)
    raises(lambda: vector({"v": [1, 2, 3, 4]}, "v"), BadInput,
           r"v: 4 entries exceeds the limit of 3")


# -- checks core: framework, oracles, profiles, registry, serialise, ledger --------------------

def _claim(claim_id: str) -> Claim:
    return Claim(id=claim_id, paper="hm17", source="test", title="t", statement="s",
                 measure=lambda i: None, parse=lambda p: p, strategy=lambda p: None)


CORE = [
    (lambda: Tolerance(-0.5, "negative"), ValueError, r"tolerance must be >= 0, got -0.5"),
    (lambda: decide(1.0, 2.0, relation="<", tolerance=Tolerance(0.0, "0")), ValueError,
     r"unknown relation '<'; use '<=', '>=' or '=='"),
    (lambda: _claim("t.x").control("nope"),
     KeyError, r"claim t.x has no control 'nope'"),
    (lambda: InstanceCache(0), ValueError, r"size must be >= 1, got 0"),
    (lambda: get_profile("fast"), ValueError, r"unknown profile 'fast'; choose from ci, dev, "),
    (lambda: get("hm17.nope-such-claim-zz"), UnknownClaim, r"unknown claim id "
     r"'hm17.nope-such-claim-zz'"),
]


@pytest.mark.parametrize(("call", "exc", "pattern"), CORE)
def test_core_errors_say_what_is_wrong(call, exc, pattern):
    """Framework, oracle-cache, profile and registry errors carry the offending value."""
    raises(call, exc, pattern)


def test_unknown_claim_suggests_close_ids():
    """A near-miss claim id gets a 'did you mean' hint naming a real id (the hint f-string)."""
    some = cli.all_claims()[0].id
    with pytest.raises(UnknownClaim) as info:
        get(some + "x")
    assert f"did you mean {some}" in str(info.value)


def test_duplicate_claim_id_is_refused():
    """Registering a second claim under an existing id names the id."""
    existing = cli.all_claims()[0].id
    raises(lambda: register(_claim(existing)), ValueError,
           rf"duplicate claim id '{re.escape(existing)}'")


def test_read_json_says_why(tmp_path):
    """read_json's four failures: missing file (with the noun), bad JSON, deep nesting, OS error."""
    missing = tmp_path / "none.json"
    raises(lambda: read_json(missing, noun="ledger file"), UnreadableJSON,
           rf"{re.escape(str(missing))}: no such ledger file")
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    raises(lambda: read_json(bad), UnreadableJSON,
           rf"{re.escape(str(bad))}: not valid JSON \(Expecting property name")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    raises(lambda: read_json(deep), UnreadableJSON,
           rf"{re.escape(str(deep))}: JSON nested too deeply")
    raises(lambda: read_json(tmp_path), UnreadableJSON,
           rf"{re.escape(str(tmp_path))}: cannot read \(Is a directory\)")


def test_load_ledger_names_the_defect(tmp_path):
    """CorruptLedger: unreadable file, wrong schema (found value), malformed claims list."""
    missing = tmp_path / "none.json"
    raises(lambda: load_ledger(missing), CorruptLedger, r"none.json: no such ledger file")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"schema": "other/9", "claims": []}))
    raises(lambda: load_ledger(wrong), CorruptLedger,
           rf"wrong.json: not a ledger of schema '{re.escape(SCHEMA)}' \(found 'other/9'\)")
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    raises(lambda: load_ledger(listed), CorruptLedger, r"\(found 'list'\)")
    bad = tmp_path / "claims.json"
    bad.write_text(json.dumps({"schema": SCHEMA, "claims": [{"id": "x"}]}))
    raises(lambda: load_ledger(bad), CorruptLedger,
           r"claims.json: 'claims' must be a list of objects with 'id' and 'verdict'")


# -- checks.cli: one-line errors on stderr, exit code 2 ----------------------------------------

def _cli_error(capsys, argv) -> str:
    """Run the CLI, require exit 2, and return the stderr line."""
    assert cli.main(argv) == cli.BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    return err


def _first_claim():
    return cli.all_claims()[0]


def _ledger(tmp_path, entry) -> str:
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps({"schema": SCHEMA, "claims": [entry]}))
    return str(path)


def test_cli_unknown_claim_and_unreadable_instance(capsys, tmp_path):
    """show/verify relay UnknownClaim and UnreadableJSON messages (cli._claim, cli._read_json)."""
    assert "unknown claim id 'zz.none'" in _cli_error(capsys, ["show", "zz.none"])
    cid = _first_claim().id
    missing = tmp_path / "nope.json"
    err = _cli_error(capsys, ["verify", cid, "--instance", str(missing)])
    assert f"{missing}: no such file" in err


def test_cli_verify_instance_shape_errors(capsys, tmp_path):
    """verify: a document that is not {"claim", "params"}, and one for another claim."""
    claims = cli.all_claims()
    cid, other = claims[0].id, claims[1].id
    doc = tmp_path / "inst.json"
    doc.write_text("[1, 2]")
    err = _cli_error(capsys, ["verify", cid, "--instance", str(doc)])
    assert f'{doc}: expected an object {{"claim": ID, "params": {{...}}}}' in err
    doc.write_text(json.dumps({"claim": other, "params": {}}))
    err = _cli_error(capsys, ["verify", cid, "--instance", str(doc)])
    assert f"{doc}: instance is for {other!r}, not {cid!r}" in err


def _toy(parse=lambda p: p, measure=lambda i: None):
    return Claim(id="toy.err", paper="hm17", source="t", title="t", statement="s",
                 measure=measure, parse=parse, strategy=lambda p: None)


def _raise(exc):
    def f(*_):
        raise exc
    return f


EVALUATE = [
    (_toy(), {}, "nonexistent", r"toy.err has no hypothesis 'nonexistent'"),
    (_toy(parse=_raise(BadInput("x: bad"))), {}, None, r"^toy.err: bad input: x: bad$"),
    (_toy(parse=_raise(KeyError("k"))), {}, None, r"^toy.err: bad input: KeyError: 'k'$"),
    (_toy(measure=_raise(MemoryError())), {}, None,
     r"^toy.err: instance too large for this machine$"),
    (_toy(measure=_raise(ZeroDivisionError("boom"))), {}, None,
     r"^toy.err: could not evaluate: ZeroDivisionError: boom$"),
]


@pytest.mark.parametrize(("claim", "params", "drop", "pattern"), EVALUATE)
def test_cli_evaluate_turns_every_failure_into_one_line(claim, params, drop, pattern):
    """cli.evaluate: unknown --drop, BadInput, other parse errors, MemoryError, oracle defects."""
    raises(lambda: cli.evaluate(claim, params, drop), cli.CliError, pattern)


def test_cli_replay_errors(capsys, tmp_path):
    """replay: corrupt ledger, claim absent, control without instance, no worst instance."""
    cid = _first_claim().id
    err = _cli_error(capsys, ["replay", str(tmp_path / "none.json"), cid])
    assert "none.json: no such ledger file" in err
    path = _ledger(tmp_path, {"id": "other.claim", "verdict": "holds"})
    assert f"{path}: no claim {cid!r} in this ledger" in _cli_error(capsys, ["replay", path, cid])
    path = _ledger(tmp_path, {"id": cid, "verdict": "holds", "controls": []})
    err = _cli_error(capsys, ["replay", path, cid, "--control", "ctl9"])
    assert f"{cid}: no recorded instance for control 'ctl9'" in err
    err = _cli_error(capsys, ["replay", path, cid])
    assert f"{cid}: the ledger records no worst instance" in err


def test_cli_run_and_agree_errors(capsys, tmp_path):
    """run --only with no match names the prefix; agree relays CorruptLedger."""
    assert "no claim id starts with 'zzz'" in _cli_error(capsys, ["run", "--only", "zzz"])
    err = _cli_error(capsys, ["agree", str(tmp_path / "none.json")])
    assert "none.json: no such ledger file" in err


def test_cli_bench_unavailable(capsys, monkeypatch):
    """bench without its module says 'benchmarks unavailable' with the ImportError."""
    import sys

    monkeypatch.setitem(sys.modules, "checks.bench", None)
    assert "benchmarks unavailable: " in _cli_error(capsys, ["bench"])


def test_cli_baseline_and_report_errors(tmp_path, monkeypatch):
    """run's helpers: a corrupt baseline is prefixed 'baseline:', a missing report extra names
    the install command, a report failure says the ledger was written."""
    import argparse
    import sys

    args = argparse.Namespace(update_baseline=False, baseline=tmp_path / "b.json", only="")
    args.baseline.write_text("{")
    raises(lambda: cli._load_baseline(args), cli.CliError, r"^baseline: .*b.json: not valid JSON")
    import reports

    monkeypatch.setattr(reports, "build_report", _raise(reports.ReportError("no fonts")))
    raises(lambda: cli._report({}, tmp_path), cli.CliError,
           r"^report: no fonts \(the ledger was written\)$")
    monkeypatch.setitem(sys.modules, "reports", None)
    raises(lambda: cli._report({}, tmp_path), cli.CliError,
           r"cannot build the report \(.*\); install the extra: pip install '\.\[report\]', "
           r"or pass --no-report")


# -- theory: models, Jacobians, Gram matrices, certified linear algebra -------------------------

def _theory_cases():
    from theory.activations import get_activation
    from theory.alignment import gap_bound, membership, modified_target
    from theory.constructions.hm17_expressivity import lemma_b1_block, lemma_b2_blocks
    from theory.constructions.hm17_factorisation import (
        merged_factorisation,
        orthogonal_blocks,
        paper_factorisation,
        positive_svd,
        split_orthogonal_2x2,
    )
    from theory.fourier import CanonicalSpace, unit_indices
    from theory.gram import hadamard_gram, layer_weights
    from theory.jacobian import jacobian
    from theory.linalg import exact_rank, in_column_space
    from theory.losses import get_loss
    from theory.models import deep_linear
    from theory.models.basis import make_model, model_jacobian
    from theory.models.ee import EEModel, ee_train, gd, loss_gradient_lipschitz
    from theory.models.feedforward import Feedforward
    from theory.models.linear_residual import gradient_descent, risk_gradient
    from theory.numerics import gamma
    from theory.safe_exploration import gate_matrix

    net = Feedforward([2, 3, 1], "tanh")
    theta = np.zeros(net.n_params())
    X = np.zeros((4, 2))
    I2, eye3 = np.eye(2), np.eye(3)
    ee = EEModel([2, 3], "tanh", m_H=2)
    ee_theta = np.zeros(ee.n_params())
    alpha = np.array([[1.0, 0.0], [1.0, 0.0]])  # equal points: margin 0
    basis_model = make_model("basis", (1,))
    V = ValueError
    return [
        (lambda: layer_weights(net, [1.0, 2.0, 3.0]), V,
         rf"weights must have 2 \(per layer\) or {net.n_params()} entries, got 3"),
        (lambda: layer_weights(net, np.arange(net.n_params())), V,
         r"a length-P weight vector must be constant on each layer's block$"),
        (lambda: hadamard_gram(np.ones((3, 2)), np.ones((4, 2))), V,
         r"Z and S need the same number of rows, got 3 and 4"),
        (lambda: jacobian(net, theta, X, method="spline"), V,
         r"unknown method 'spline'; choose from analytic, autograd, fd, complex"),
        (lambda: jacobian(object(), theta, X), NotImplementedError,
         r"no analytic Jacobian for object"),
        (lambda: jacobian(net, theta, X, out=np.empty((3, 3))), V,
         rf"out must be a C-contiguous float64 array of shape \(4, {net.n_params()}\)"),
        (lambda: gate_matrix(np.ones((3, 2)), np.ones((3, 2)), 1.0), V,
         r"Z \(n x m_H-1\) and q \(m_H-1 x m_H\) do not match: \(3, 2\), \(3, 2\)"),
        (lambda: get_activation("swish"), V, r"unknown activation 'swish'; choose from tanh, "),
        (lambda: Feedforward([3]), V, r"widths must hold >= 2 positive sizes, got \[3\]"),
        (lambda: Feedforward([2, 3, 3, 1], ["tanh"]), V,
         r"need 2 activations \(one per hidden layer\), got 1"),
        (lambda: net.unflatten(np.zeros(3)), V,
         rf"theta must have shape \({net.n_params()},\), got \(3,\)"),
        (lambda: net.flatten([(np.zeros((2, 2)), np.zeros(3)), (np.zeros((1, 3)), np.zeros(1))]),
         V, r"layer weight must have shape \(3, 2\), got \(2, 2\)"),
        (lambda: net.init(np.random.default_rng(0), "xavier"), V,
         r"unknown init scheme 'xavier'; choose 'he' or 'normal'"),
        (lambda: net.forward(theta, np.zeros((4, 5))), V,
         r"X must have shape \(n, 2\), got \(4, 5\)"),
        (lambda: loss_gradient_lipschitz("hinge"), V,
         r"no Lipschitz constant recorded for loss 'hinge'"),
        (lambda: EEModel([2, 3], "tanh", m_H=2, gates=[np.zeros((2, 2))]), V,
         r"gates must be 1 matrices of shape \(2, 4\)"),
        (lambda: ee.split(np.zeros(2)), V,
         rf"theta must have shape \({ee.n_params()},\), got \(2,\)"),
        (lambda: ee.linear_maps(ee_theta, X), V,
         r"linear_maps needs the frozen model \(EEModel.frozen\)$"),
        (lambda: ee_train(ee.frozen(ee_theta), ee_theta, X, np.zeros((4, 1)), loss="squared",
                          explore=gd(0.1), exploit=gd(0.1), tau=0, T=1, epsilon=0.0,
                          rng=np.random.default_rng(0)), V,
         r"ee_train starts from the unmodified-gate model$"),
        (lambda: ee_train(ee, ee_theta, X, np.zeros((4, 1)), loss="squared", explore=gd(0.1),
                          exploit=gd(0.1), tau=3, T=2, epsilon=0.0,
                          rng=np.random.default_rng(0)), V,
         r"need 0 <= tau <= T, got tau=3, T=2"),
        (lambda: risk_gradient([I2], I2, I2, reading="printed"), V,
         r"unknown reading 'printed'; choose from lemma, descending-per-factor, no-transpose, "
         r"sqrt-sigma"),
        (lambda: gradient_descent([I2], I2, I2, step=0.0, max_steps=3), V,
         r"need step > 0 and max_steps >= 0, got 0.0, 3"),
        (lambda: gradient_descent([I2], I2, I2, step=0.1, max_steps=-2), V,
         r"need step > 0 and max_steps >= 0, got 0.1, -2"),
        (lambda: model_jacobian(basis_model, np.zeros(1), np.zeros((1, 1)), method="fd"), V,
         r"unknown method 'fd'; use 'analytic' or 'autograd'"),
        (lambda: make_model("resnet50", (1, 1)), V, r"unknown family 'resnet50'; choose from "),
        (lambda: deep_linear.Feedforward((2,), ()), V, r"widths must list at least d_x and d_y$"),
        (lambda: deep_linear.Feedforward((2, 2, 1), ()), V, r"need 1 activation lists, got 0"),
        (lambda: deep_linear.Feedforward((2, 2, 1), (("tanh",),)), V,
         r"layer 1: need 2 names from \('identity', 'tanh', 'relu'\)"),
        (lambda: gamma(2**60), V, r"gamma_1152921504606846976 is undefined: n\*u = 128.0 >= 1"),
        (lambda: in_column_space(np.ones(3)), V, r"give exactly one of gram= or J=$"),
        (lambda: in_column_space(np.ones(3), J=np.ones((2, 2))), V,
         r"y has 3 entries, the matrix has 2 rows"),
        (lambda: exact_rank(np.ones(3)), V, r"exact_rank needs a matrix, got shape \(3,\)"),
        (lambda: modified_target(np.ones(2), "hinge"), V,
         r"no modified target defined for the loss 'hinge'"),
        (lambda: membership(np.ones(2)), V, r"give exactly one of J and M$"),
        (lambda: gap_bound(0.0, 1.0, 1.0, 1.0, 1.5, 2), V, r"alpha must lie in \(0, 1\), got 1.5"),
        (lambda: gap_bound(0.0, 1.0, 1.0, 1.0, 0.5, 0), V, r"the index set T must be nonempty$"),
        (lambda: get_loss("hinge"), V,
         r"unknown loss 'hinge'; choose from squared, cross-entropy, "),
        (lambda: CanonicalSpace(3, 1, 8), V, r"K must be 1 or 2, got 3"),
        (lambda: CanonicalSpace(1, -1, 8), V, r"n must be >= 0, got -1"),
        (lambda: CanonicalSpace(1, 4, 9), V, r"N = 9 cannot resolve frequencies up to n = 4"),
        (lambda: CanonicalSpace(1, 1, 8, "simpson"), V,
         r"quadrature must be one of \('trapezoid', 'rectangle'\), got 'simpson'"),
        (lambda: unit_indices(Feedforward([2, 3, 2]), 0), V,
         r"unit_indices needs a one-hidden-layer \[K, h, 1\] network with biases$"),
        (lambda: unit_indices(net, 3), V, r"unit 3 out of range 0..2"),
        (lambda: split_orthogonal_2x2(I2, 0), V, r"q must be a positive integer, got 0"),
        (lambda: orthogonal_blocks(np.diag([-1.0, 1.0, 1.0])), V,
         r"odd number of -1 eigenvalues: det U = -1, the signs cannot be paired$"),
        (lambda: positive_svd(np.diag([-1.0, 1.0])), V, r"the SVD construction needs det R > 0$"),
        (lambda: paper_factorisation(eye3, 6, 2), V,
         r"need q >= 1 and p = ell - 4q >= 0, got q=2, p=-2"),
        (lambda: merged_factorisation(eye3, 6, 0), V,
         r"need q >= 1 and p = ell - 2q >= 0, got q=0, p=6"),
        (lambda: lemma_b1_block(np.eye(2), np.eye(2), np.array([0, 1, 0])), V,
         r"\|S\| = 3 exceeds the width k = 2"),
        (lambda: lemma_b1_block(alpha, alpha, np.array([0])), V,
         r"margin construction needs m_i > 0; min margin 0"),
        (lambda: lemma_b1_block(np.eye(2), np.eye(2), np.array([0]), method="fixed"), V,
         r"method 'fixed' needs rho_prime"),
        (lambda: lemma_b1_block(np.eye(2), np.eye(2), np.array([0]), method="svd"), V,
         r"unknown method 'svd'; choose from \('margin', 'fixed', 'uniform'\)"),
        (lambda: lemma_b2_blocks(np.eye(2), np.eye(2), 2, margins=np.array([1.0, 0.0])), V,
         r"Lemma B.2 margin construction needs positive stage margins$"),
        (lambda: lemma_b2_blocks(np.eye(2), np.eye(2), 2, method="uniform"), V,
         r"method 'uniform' unknown or missing rho_prime"),
    ]


@pytest.mark.parametrize("case", range(len(_theory_cases())))
def test_theory_errors_name_the_offending_value(case):
    """Every ValueError / NotImplementedError of theory/ carries its specific message and the
    interpolated values; patterns are anchored at the start, and at the end for the plain
    (non-f) strings, so that the "XX" + message + "XX" mutants fail too."""
    call, exc, pattern = _theory_cases()[case]
    raises(call, exc, "^" + pattern)


def test_get_xp_relays_why_the_gpu_is_missing(monkeypatch):
    """get_xp('cupy') raises RuntimeError with gpu_available's reason; an unknown name says so."""
    import theory.backend as backend

    monkeypatch.setattr(backend, "gpu_available", lambda: (False, "no device: test reason"))
    raises(lambda: backend.get_xp("cupy"), RuntimeError, r"^no device: test reason$")
    raises(lambda: backend.get_xp("jax"), ValueError,
           r"unknown backend 'jax'; choose 'numpy' or 'cupy'")


# -- checks.strategies: InvalidArgument for bad arguments, naming the argument -----------------

def _draw(strategy) -> None:
    """Draw one example (for validations that run inside a composite's draw)."""
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=1, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def inner(_):
        pass

    inner()


def _k19_pgb_dims():
    """(strategy factory, argument name, lo, hi) of every ``_dim`` of checks.strategies.k19_pgb."""
    from checks.strategies import k19_pgb as s

    table = {
        s.tanh2_classifier_points: [("d_x", 1, 8), ("hidden", 1, 16), ("extra", 1, 200)],
        s.tanh2_points: [("d_x", 1, 8), ("hidden", 1, 16), ("d_y", 1, 4), ("extra", 1, 200)],
        s.relu2_points: [("d_x", 1, 8), ("hidden", 1, 16), ("d_y", 1, 4), ("extra", 1, 200)],
        s.skip2_points: [("d_x", 1, 8), ("d1", 1, 8), ("d2", 1, 8), ("d_y", 1, 4),
                         ("extra", 1, 200)],
        s.lintop_lifted_minima: [("d_x", 1, 8), ("d1", 1, 8), ("d2", 2, 8), ("d_y", 2, 4),
                                 ("extra", 1, 100)],
        s.example2_instances: [("m", 2, 40), ("d", 2, 8), ("extra_width", 0, 40),
                               ("depth", 1, 6)],
        s.basis_instances: [("m", 2, 200), ("d", 1, 16)],
        s.lintop_two_sets: [("k", 1, 16)],
        (lambda **kw: s.random_points("tanh2", (2, 2, 1), **kw)): [("extra", 1, 200)],
        s.basis_tight_gap: [("m", 3, 200), ("d", 1, 16)],
    }
    return [(f, name, lo, hi) for f, rows in table.items() for name, lo, hi in rows]


@pytest.mark.parametrize(("factory", "name", "lo", "hi"), _k19_pgb_dims())
def test_k19_pgb_dimension_errors_name_the_argument_and_its_range(factory, name, lo, hi):
    """Each dimension argument of the k19 strategies, just outside its range on either side,
    is refused with its own name and bounds (kills the "XXd_xXX" name mutants and bound
    mutants of every ``_dim(...)`` call, and the message mutants of ``_dim``)."""
    for bad in (lo - 1, hi + 1):
        raises(lambda bad=bad: factory(**{name: bad}), InvalidArgument,
               rf"^{name}={bad}: must lie in \[{lo}, {hi}\]$")
    raises(lambda: factory(**{name: (hi, lo - 1)}), InvalidArgument,
           rf"^{name}=\({hi}, {lo - 1}\): expected a range \(a, b\) with {lo} <= a <= b <= {hi}$")
    raises(lambda: factory(**{name: "two"}), InvalidArgument,
           rf"^{name}='two': expected an int or a strategy$")


def _k19_resnet_dims():
    from checks.strategies import k19_resnet as s

    return [
        (s.resnet_local_minima, "d_x", 1), (s.resnet_local_minima, "d_y", 1),
        (s.resnet_local_minima, "m", 1), (s.resnet_local_minima, "depth", 1),
        (s.deep_linear_local_minima, "d_x", 1), (s.deep_linear_local_minima, "d_y", 1),
        (s.deep_linear_local_minima, "H", 1), (s.deep_linear_local_minima, "m", 1),
        (s.deep_linear_ce_local_minima, "d_x", 1), (s.deep_linear_ce_local_minima, "d_y", 1),
        (s.deep_linear_ce_local_minima, "H", 1), (s.deep_linear_ce_local_minima, "m0", 1),
        (s.partial_linear_local_minima, "d_x", 1), (s.partial_linear_local_minima, "d_1", 1),
        (s.partial_linear_local_minima, "d_y", 1), (s.partial_linear_local_minima, "m", 1),
        (s.partial_linear_local_minima, "extra", 0),
    ]


@pytest.mark.parametrize(("factory", "name", "lo"), _k19_resnet_dims())
def test_k19_resnet_dimension_errors_name_the_argument(factory, name, lo):
    """Each dimension argument of the k19 ResNet / deep-linear strategies, below its minimum,
    is refused with its own name and minimum (name and bound mutants of ``_as_strategy``)."""
    raises(lambda: factory(**{name: lo - 1}), InvalidArgument,
           rf"^{name} must be an int >= {lo}, a \(lo, hi\) range or a strategy, got {lo - 1}$")


def test_k19_resnet_draw_time_errors():
    """Errors found while drawing: lifted not a bool, d_z < d_y, min width above max_width."""
    from checks.strategies import k19_resnet as s

    for factory in (s.resnet_local_minima, s.partial_linear_local_minima):
        raises(lambda f=factory: f(lifted="yes"), InvalidArgument,
               r"^lifted must be a bool, None or a strategy, got 'yes'$")
    raises(lambda: _draw(s.resnet_local_minima(d_x=2, d_y=2, d_z=1)), InvalidArgument,
           r"d_z = 1 < d_y = 2: Theorem 3 needs d_y <= d_z")
    raises(lambda: _draw(s.resnet_local_minima(d_z="one")), InvalidArgument,
           r"^d_z must be an int >= 1, a \(lo, hi\) range or a strategy, got 'one'")
    raises(lambda: _draw(s.deep_linear_local_minima(d_y=4, max_width=3)), InvalidArgument,
           r"min width 4 exceeds max_width = 3")
    raises(lambda: _draw(s.deep_linear_ce_local_minima(d_x=4, d_y=4, max_width=3)),
           InvalidArgument, r"min width 4 exceeds max_width = 3")


def _strategy_cases():
    from checks.strategies import feedforward as ff
    from checks.strategies import hm17_linear as hl
    from checks.strategies import hm17_relu as hr
    from checks.strategies import j19_disparity as jd
    from checks.strategies import k19_pgb as kp
    from checks.strategies import k22_alignment as ka
    from checks.strategies import k22_ee as ke
    from checks.strategies import linalg as la

    IA = InvalidArgument
    return [
        # hm17_relu
        (lambda: hr.labelled_data(n=1), IA,
         r"^n=1 must be a number in \[2, 20000\] or a strategy$"),
        (lambda: hr.labelled_data(d=0), IA,
         r"^d=0 must be a number in \[1, 10000\] or a strategy$"),
        (lambda: hr.labelled_data(r=1001), IA,
         r"^r=1001 must be a number in \[1, 1000\] or a strategy$"),
        (lambda: hr.labelled_data(rho=3.0), IA,
         r"^rho=3.0 must be a number in \[1e-06, 2.0\] or a strategy$"),
        (lambda: hr.labelled_data(width=0), IA,
         r"^width=0 must be a number in \[1, 100000\] or a strategy$"),
        (lambda: hr.b1_instances(k=65), IA, r"^k=65 must be a number in \[1, 64\] or a strategy$"),
        (lambda: hr.b1_instances(rho_prime=1.0), IA,
         r"^rho_prime=1.0 must be a number in \[1e-06, 0.999\] or a strategy$"),
        (lambda: hr.b1_instances(method="svd"), IA,
         r"^method='svd' must be 'margin', 'fixed' or 'uniform'$"),
        (lambda: hr.b2_instances(max_draws=0), IA, r"^max_draws=0 must be a positive integer$"),
        # k22_ee
        (lambda: ke.gate_instances(n=0), IA, r"^n=0 must be an int >= 1 or a strategy$"),
        (lambda: ke.gate_instances(m_Hm1=0), IA, r"^m_Hm1=0 must be an int >= 1 or a strategy$"),
        (lambda: ke.gate_instances(m_H=0), IA, r"^m_H=0 must be an int >= 1 or a strategy$"),
        (lambda: ke.gate_instances(m_y=0), IA, r"^m_y=0 must be an int >= 1 or a strategy$"),
        (lambda: ke.safe_exploration_instances(n=0), IA, r"^n=0 must be an int >= 1"),
        (lambda: ke.safe_exploration_instances(m_x=0), IA, r"^m_x=0 must be an int >= 1"),
        (lambda: ke.safe_exploration_instances(hidden=0), IA, r"^hidden=0 must be an int >= 1"),
        (lambda: ke.safe_exploration_instances(varsigma=0.0), IA,
         r"^varsigma=0.0 must be a finite number > 0 or a strategy$"),
        (lambda: ke.safe_exploration_instances(width_factor=-1.0), IA,
         r"^width_factor=-1.0 must be a finite number > 0 or a strategy$"),
        (lambda: ke.safe_exploration_instances(activation="relu"), IA,
         r"^activation='relu'; choose from tanh, "),
        (lambda: ke.exploitation_instances(loss="hinge"), IA,
         r"^loss='hinge'; choose 'squared' or 'logistic'$"),
        (lambda: ke.exploitation_instances(n=0), IA, r"^n=0 must be an int >= 1"),
        (lambda: ke.exploitation_instances(hidden=0), IA, r"^hidden=0 must be an int >= 1"),
        (lambda: ke.exploitation_instances(m_y=0), IA, r"^m_y=0 must be an int >= 1"),
        (lambda: ke.exploitation_instances(tau=0), IA, r"^tau=0 must be an int >= 1"),
        (lambda: ke.exploitation_instances(K=0), IA, r"^K=0 must be an int >= 1"),
        (lambda: ke.exploitation_instances(varsigma=-2.0), IA,
         r"^varsigma=-2.0 must be a finite number > 0"),
        (lambda: ke.exploitation_instances(epsilon=float("inf")), IA,
         r"^epsilon=inf must be a finite number > 0"),
        (lambda: ke.exploitation_instances(width_factor=0.5), IA,
         r"^width_factor=0.5 must be >= 1 \(m_H m_H-1 >= n\)$"),
        # k22_alignment
        (lambda: ka.mlp_instances(loss="hinge"), IA,
         r"^loss must be squared, cross-entropy, logistic or softmax-cross-entropy, got 'hinge'$"),
        (lambda: ka.mlp_instances(target="zero"), IA,
         r"^target must be 'random' or 'constant', got 'zero'$"),
        (lambda: _draw(ka.mlp_instances(n=0)), IA,
         r"^n must be an integer >= 1 or a strategy, got 0\b"),
        (lambda: _draw(ka.mlp_instances(m_x=0)), IA, r"^m_x must be an integer >= 1"),
        (lambda: _draw(ka.mlp_instances(m_y=0)), IA, r"^m_y must be an integer >= 1"),
        (lambda: _draw(ka.mlp_instances(hidden=[2, 0])), IA,
         r"^hidden must be a non-empty list of widths >= 1, got \[2, 0\]"),
        (lambda: _draw(ka.gap_bound_instances(horizon=0)), IA,
         r"^horizon must be an integer >= 1 or a strategy, got 0\b"),
        (lambda: ka.misaligned_instances(n=4, d=4), IA,
         r"^need d < n for a misaligned linear model, got d=4, n=4$"),
        # hm17_linear
        (lambda: hl.residual_instances(d=0), IA, r"^d=0 must lie in \[1, inf\]$"),
        (lambda: hl.residual_instances(ell=0), IA, r"^ell=0 must lie in \[1, inf\]$"),
        (lambda: hl.residual_instances(d="2"), IA,
         r"^d must be an int or a strategy of ints, got '2'$"),
        (lambda: hl.residual_instances(entry_scale=(0.5, 0.1)), IA,
         r"^entry_scale: need finite lo <= hi, got \(0.5, 0.1\)$"),
        (lambda: hl.ball_instances(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.ball_instances(ell=0), IA, r"^ell=0 must lie"),
        (lambda: hl.ball_instances(tau_max=1.0), IA, r"^tau_max=1.0 must lie in \[0, 1\)$"),
        (lambda: hl.ball_instances(sigma_min=0.0), IA, r"^sigma_min=0.0 must lie in \(0, 3\]$"),
        (lambda: hl.near_identity_instances(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.near_identity_instances(ell=0), IA, r"^ell=0 must lie"),
        (lambda: hl.near_identity_instances(tau_max=0.005), IA,
         r"^tau_max=0.005 must lie in \[0.01, 1\)$"),
        (lambda: hl.gradient_descent_instances(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.gradient_descent_instances(ell=0), IA, r"^ell=0 must lie"),
        (lambda: hl.gradient_descent_instances(radius_max=0.5), IA,
         r"^radius_max=0.5 must lie in \[0.01, 0.5\)$"),
        (lambda: hl.gradient_descent_instances(max_steps=-1), IA,
         r"^max_steps=-1 must be a non-negative int$"),
        (lambda: hl.standard_instances(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.standard_instances(ell=0), IA, r"^ell=0 must lie"),
        (lambda: hl.target_instances(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.target_instances(ell_extra=-1), IA, r"^ell_extra=-1 must lie in \[0, inf\]$"),
        (lambda: hl.target_instances(log_scale=21.0), IA,
         r"^log_scale=21.0 must lie in \[0, 20\]$"),
        (lambda: hl.spd_target_instances(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.spd_target_instances(ell_extra=-1), IA, r"^ell_extra=-1 must lie"),
        (lambda: hl.spd_target_instances(log_scale=-1.0), IA,
         r"^log_scale=-1.0 must lie in \[0, 20\]$"),
        (lambda: hl.orthogonal_2x2(q=0), IA, r"^q=0 must lie in \[1, inf\]$"),
        (lambda: hl.normal_matrices(d=0), IA, r"^d=0 must lie in \[1, inf\]$"),
        (lambda: hl.matrix_pairs(d=0), IA, r"^d=0 must lie"),
        (lambda: hl.matrix_pairs(extra_rows=-1), IA, r"^extra_rows=-1 must lie in \[0, inf\]$"),
        # feedforward
        (lambda: ff.feedforward_instances(hidden=[2, 0]), IA,
         r"^hidden=\[2, 0\] must be a list of positive ints or a strategy$"),
        (lambda: ff.feedforward_instances(n=0), IA, r"^n=0 must be >= 1$"),
        (lambda: ff.feedforward_instances(scale=0.0), IA, r"^scale=0.0 must be finite and > 0$"),
        (lambda: ff.feedforward_instances(activations="swish"), IA,
         r"^activations='swish'; choose from "),
        (lambda: ff.feedforward_instances(init="xavier"), IA,
         r"^init='xavier' must be 'he' or 'normal'$"),
        # linalg
        (lambda: la.spectral_matrix(0, 2, 3, 3, 1.0), IA,
         r"^rank=3 must lie in \[0, min\(p, q\) = 2\]$"),
        (lambda: la.spectral_matrix(0, 2, 3, 1, 0.5), IA,
         r"^condition=0.5 must be a finite number >= 1$"),
        (lambda: la.spectral_matrix(0, 2, 3, 1, 1.0, scale=0.0), IA,
         r"^scale=0.0 must be a finite number > 0$"),
        (lambda: la.matrices_with_spectrum(rows=0), IA,
         r"^rows=0 must be a positive int or a strategy$"),
        (lambda: la.matrices_with_spectrum(cols=0), IA,
         r"^cols=0 must be a positive int or a strategy$"),
        # k19_pgb (not _dim)
        (lambda: kp.tanh2_classifier_points(loss="squared"), IA,
         r"^loss='squared': expected names among \("),
        (lambda: kp.tanh2_points(trained=1), IA,
         r"^trained=1: expected True, False or 'partial'$"),
        (lambda: kp.basis_instances(loss="hinge"), IA,
         r"^loss='hinge': expected convex losses of theory.losses$"),
        (lambda: kp.random_points("relu2", (2, 2, 1)), IA,
         r"^family='relu2': expected one of tanh2, skip2, tanh2-nobias, lintop, relu2-nobias, "
         r"product$"),
        (lambda: kp.build_tanh2_classifier(0, 2, 2, 6, "squared"), ValueError,
         r"^loss 'squared': expected one of "),
        # j19_disparity
        (lambda: jd.interior_samples(np.random.default_rng(0), 3, 1, 1), ValueError,
         r"^need K in \(1, 2\), T >= 1, L >= 1; got K=3, T=1, L=1$"),
        (lambda: jd.interior_samples(np.random.default_rng(0), 1, 0, 2), ValueError,
         r"got K=1, T=0, L=2$"),
        (lambda: jd.network_instance(1, 1, 3, "gelu", 2, 0), ValueError,
         r"^activation must be one of \(.*\), got 'gelu'$"),
        (lambda: _draw(jd.networks(K=3)), IA, r"^K must be 1 or 2, got 3\b"),
        (lambda: jd.duplicate_unit({}, 1, 1), ValueError, r"^a unit cannot duplicate itself$"),
    ]


@pytest.mark.parametrize("case", range(len(_strategy_cases())))
def test_strategy_argument_errors_name_the_argument(case):
    """Every InvalidArgument (and ValueError) of checks.strategies names the argument and the
    value it refused (message -> None / XX mutants, argument-name mutants, bound mutants)."""
    call, exc, pattern = _strategy_cases()[case]
    raises(call, exc, pattern)


PARSE_FEEDFORWARD = [
    ({"widths": [2], "activations": [], "theta": [1], "X": [[1]]},
     r"^widths: expected a list of >= 2 integers in \[1, 10000\]$"),
    ({"widths": [2, 3, 3, 1], "activations": ["tanh"], "theta": [1], "X": [[1]]},
     r"^activations: expected a list of 2 names \(one per hidden layer\)$"),
    ({"widths": [2, 3, 1], "activations": ["swish"], "theta": [1], "X": [[1]]},
     r"^activations: unknown 'swish'; choose from "),
    ({"widths": [2, 3, 1], "activations": ["tanh"], "bias": 1, "theta": [1], "X": [[1]]},
     r"^bias: expected true or false, got int$"),
]


@pytest.mark.parametrize(("params", "pattern"), PARSE_FEEDFORWARD)
def test_parse_feedforward_errors(params, pattern):
    """parse_feedforward's BadInput messages name the parameter, the count and the limit."""
    from checks.strategies.feedforward import parse_feedforward

    raises(lambda: parse_feedforward(params), BadInput, pattern)


# -- checks.papers: every parse names the parameter it refuses ---------------------------------



def _paper_cases():
    X32 = [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]]  # m = 3 samples x d_x = 2 (k19: rows are samples)
    Y31 = [[1.0], [0.0], [1.0]]
    resnet = {"X": X32, "Y": Y31, "lambda": [1.0, 1.0, 1.0], "W": [[1.0, 0.0]],
              "R": [[1.0], [0.0]], "U": [[[1.0, 0.0]]]}
    ff = {"X": X32, "Y": Y31, "lambda": [1.0, 1.0, 1.0],
          "Ws": [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], "activations": [["tanh", "tanh"]],
          "t": 1}
    lin = {"model": "linear", "X": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
           "Y": [[1.0], [0.0], [1.0]], "loss": "squared", "theta": [0.0, 0.0]}
    gap = {**lin, "alpha": 0.5, "L": 1.0, "T_set": [0, 1]}
    pgb = {"family": "basis", "widths": [1], "loss": "squared", "X": [[1.0], [2.0], [3.0]],
           "Y": [[1.0], [0.0], [1.0]], "lambda": [1.0, 1.0, 1.0], "theta": [0.0]}
    ee = {"X": [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], "Y": [[1.0], [-1.0], [1.0]],
          "body_widths": [2, 3], "activation": "tanh", "m_H": 2, "m_y": 1, "varsigma": 1.0,
          "theta": [0.0], "loss": "squared", "K": 10}
    data = {"X": [[1.0, 0.0], [0.0, 1.0]], "labels": [0, 1], "r": 2, "rho": 0.3}
    b1 = {"alpha": [[1.0, 0.0], [0.0, 1.0]], "beta": [[0.0, 1.0], [1.0, 0.0]], "S": [0],
          "rho_prime": 0.1, "method": "fixed"}
    from checks.papers.k22_ee import ACTIVATIONS as EE_ACTS
    from checks.papers.k22_ee import WIDTH_LIMIT
    from theory.models.deep_linear import ACTIVATIONS as DL_ACTS

    lem1 = recorded_worst("j19.lem1")
    s331, s332 = recorded_worst("j19.s3.3.1"), recorded_worst("j19.s3.3.2")
    h331, h332 = s331["h"], s332["h"]
    return [
        # hm17_relu
        ("hm17.asm3.1", {**data, "labels": [0.5, 1]}, r"^labels: must be integers$"),
        ("hm17.thm3.2", {**data, "labels": [0, 2]},
         r"^labels: must lie in \[0, r\) = \[0, 2\), got range \[0, 2\]$"),
        ("hm17.lemB.1", {**b1, "S": [2]}, r"^S: must be integer indices in \[0, 2\)$"),
        ("hm17.lemB.1", {**b1, "S": [0, 0]},
         r"^S: must be distinct indices, at most k = 2 of them$"),
        ("hm17.lemB.1", {**b1, "method": "svd"},
         r"^method: must be one of margin, fixed, uniform, got 'svd'$"),
        ("hm17.lemB.1", {**b1, "rho_prime": 1.0}, r"^rho_prime: must lie in \(0, 1\), got 1.0$"),
        # hm17_linear
        ("hm17.claimC.2", {"A": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "B": [[1.0], [1.0]]},
         r"^B: expected 3 rows to match A's columns, got 2$"),
        # k19_resnet
        ("k19.thm3", {**resnet, "Y": [[1.0], [0.0]]},
         r"^Y: expected 3 rows, one per sample \(X is samples x features \(m x d_x\) = 3 x 2\), "
         r"got 2$"),
        ("k19.thm3", {**resnet, "X": [[0.0, 1.0, 2.0], [1.0, 0.0, 1.0]], "Y": [[1.0, 0.0, 1.0]]},
         r"^Y: expected 2 rows, one per sample \(X is samples x features \(m x d_x\) = 2 x 3\), "
         r"got 1 \(these shapes fit features x samples: transpose both\)$"),
        ("k19.prop1", {**resnet, "lambda": [1.0, 0.0, 1.0]},
         r"^lambda: the sample weights lambda_i must be > 0$"),
        ("k19.thm3", {**resnet, "lam": [1.0, 1.0, 1.0]},
         r"^`lam` is not a parameter of k19.thm3: use `lambda` \(the sample weights; X is "
         r"samples x features \(m x d_x\)\)$"),
        ("k19.cor4", {**ff, "lam": [1.0, 1.0, 1.0]},
         r"^`lam` is not a parameter of k19.cor4: use `lambda` "),
        ("k19.thm1", {**pgb, "lam": [1.0, 1.0, 1.0]},
         r"^`lam` is not a parameter of k19.thm1: use `lambda` "),
        ("k19.ours3", {**resnet, "U": []}, r"^U: expected a non-empty list of matrices$"),
        ("k19.thm3", {**resnet, "R": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]},
         r"^U: the last layer has 1 units but R has 3 columns \(d_z\)$"),
        ("k19.thm4", {**ff, "Ws": [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]]},
         r"^Ws: the last layer has 2 rows but d_y = 1$"),
        ("k19.thm4", {**ff, "activations": []},
         r"^activations: expected 1 lists of names \(one per hidden layer\)$"),
        ("k19.thm4", {**ff, "activations": [["tanh"]]},
         rf"^activations\[0\]: expected 2 names from {', '.join(DL_ACTS)}$"),
        ("k19.cor4", {**ff, "Ws": [[[1.0, 0.0]]]},
         r"^Ws: a deep linear network needs at least one hidden layer$"),
        ("k19.prop2", {**ff, "Ws": [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]]},
         r"^Ws: the last layer has 2 rows but d_y = 1$"),
        ("k19.prop2", {**ff, "Y": [[2.0], [0.0], [1.0]], "loss": "cross-entropy"},
         r"^Y: the cross-entropy needs labels in \{0, 1\}$"),
        # k19_pgb
        ("k19.thm1", {**pgb, "widths": [0]},
         r"^widths: expected a list of integers in \[1, 512\]$"),
        ("k19.ex1", {**pgb, "widths": [1, 2]},
         r"^widths: family 'basis' takes 1 width \(d_theta\), got 2$"),
        ("k19.thm1", {**pgb, "family": "skip2", "widths": [1, 2, 1]},
         r"^widths: family 'skip2' takes 4 widths \(d_x, d1, d2, d_y\), got 3$"),
        ("k19.ours1", {**pgb, "X": [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]},
         r"^X: expected 1 columns for basis \[1\], got 2$"),
        ("k19.ours1", {**pgb, "X": [[1.0, 2.0, 3.0]]},
         r"^X: expected 1 columns for basis \[1\], got 3; X is samples x features \(m x d_x\), "
         r"and this one is 1 x 3: transpose it$"),
        ("k19.lem2", {**pgb, "lambda": [1.0, 0.0, 1.0]}, r"^lambda: weights must be positive$"),
        ("k19.thm1", {**pgb, "loss": "logistic"},
         r"^Y: loss 'logistic' needs labels in \{-1, 1\}$"),
        ("k19.thm1", {**pgb, "loss": "cross-entropy", "Y": [[2.0], [0.0], [1.0]]},
         r"^Y: loss 'cross-entropy' needs labels in \{0, 1\}$"),
        ("k19.ex2", {**recorded_worst("k19.ex2"),
                     "lambda": [0.0] * len(recorded_worst("k19.ex2")["Y"])},
         r"^lambda: weights must be positive$"),
        ("k19.ex2", {**recorded_worst("k19.ex2"), "loss": "logistic"},
         r"^loss: Example 2's oracle implements the squared loss$"),
        # k22_ee
        ("k22.claim.gate-relu-limit",
         {**recorded_worst("k22.claim.gate-relu-limit"), "gate": "full"},
         r"^gate: expected 'sigmoid' or 'half', got 'full'$"),
        ("k22.asm4", {**recorded_worst("k22.asm4"), "body_widths": [2]},
         rf"^body_widths: expected a list of >= 2 integers in \[1, {WIDTH_LIMIT}\]$"),
        ("k22.thm4", {**ee, "activation": "relu6"},
         rf"^activation: unknown 'relu6'; choose from {', '.join(EE_ACTS)}$"),
        ("k22.thm4", {**ee, "loss": "hinge"},
         r"^loss: expected 'squared' or 'logistic', got 'hinge'$"),
        ("k22.thm5", {**ee, "loss": "logistic", "Y": [[1.0], [0.5], [1.0]]},
         r"^Y: logistic-loss targets must be -1 or \+1$"),
        # k22_alignment
        ("k22.asm1", {**lin, "Y": [[1.0], [0.0]]}, r"^X has 3 rows but Y has 2$"),
        ("k22.def2", {**lin, "loss": "cross-entropy", "Y": [[1.0], [0.5], [0.0]]},
         r"^Y: the cross-entropy loss needs labels in \{0, 1\}$"),
        ("k22.def2", {**lin, "loss": "logistic"},
         r"^Y: the logistic loss needs labels in \{-1, \+1\}$"),
        ("k22.asm1", {**lin, "model": "mlp", "widths": [2, 3, 2], "activation": "tanh"},
         r"^widths \[2, 3, 2\] must run from m_x = 2 to m_y = 1 with at least two entries$"),
        ("k22.asm1", {**lin, "model": "mlp", "widths": "2-3-1", "activation": "tanh"},
         r"^widths: expected a list of integers, got str$"),
        ("k22.asm1", {**lin, "Y": [[1.0, 0.0]] * 3},
         r"^Y: the linear model has one output, got m_y = 2$"),
        ("k22.asm1", {**lin, "S": [0, 2]}, r"^S: indices must be < d = 2$"),
        ("k22.thm2", {**lin, "step_size": 0.0, "steps": 3}, r"^step_size: must be positive$"),
        ("k22.thm3", {**gap, "alpha": 1.0}, r"^alpha: must lie in \(0, 1\)$"),
        ("k22.eq2.11", {**gap, "L": 0.0}, r"^L: must be positive$"),
        ("k22.eq2.12", {**gap, "T_set": []},
         r"^T_set: must be a nonempty list of iterations <= 100000$"),
        ("k22.thm3", {**gap, "T_set": [3, 100_001]},
         r"^T_set: must be a nonempty list of iterations <= 100000$"),
        # j19_disparity
        ("j19.lem1", {**lem1, "n": 1, "N": 47},
         r"^N: the grid must satisfy N >= 16 \(2n\+1\) = 48, got 47$"),
        ("j19.lem2", {**lem1, "X": [[1.5] * lem1["K"]] * len(lem1["X"])},
         r"^X: training inputs must lie in the cube \[0, 1\]\^K$"),
        ("j19.thm2", {"model": "sigmoid-product", "n": 1, "N": 64, "w": [1.0, 1.0, 1.0],
                      "X": [[0.5]], "y": [1.0]},
         r"^n: the sigmoid-product model is complete only for L = 1 \(n = 0\)$"),
        ("j19.s3.3.1", {**s331, "dead": []}, r"^dead: expected a non-empty list of unit indices$"),
        ("j19.s3.3.1", {**s331, "dead": [h331]},
         rf"^dead: unit indices must be integers in 0..{h331 - 1}$"),
        ("j19.s3.3.1", {**s331, "dead": [0, 0]}, r"^dead: repeated unit index$"),
        ("j19.s3.3.2", {**s332, "pair": 1}, r"^pair: expected a non-empty list of unit indices$"),
        ("j19.s3.3.2", {**s332, "pair": [0, h332]},
         rf"^pair: unit indices must be integers in 0..{h332 - 1}$"),
        ("j19.s3.3.2", {**s332, "pair": [1, 1]}, r"^pair: repeated unit index$"),
    ]


@pytest.mark.parametrize("case", range(len(_paper_cases())))
def test_claim_parse_errors_name_the_parameter(case):
    """Each claim's parse refuses a corrupted valid instance with a BadInput that names the
    parameter and the offending size or value (message -> None / XX and dropped-argument
    mutants of every raise in checks/papers/*; the instances start from the baseline ledger's
    worst instance or a small hand-made one)."""
    claim_id, params, pattern = _paper_cases()[case]
    raises(lambda: get(claim_id).parse(params), BadInput, pattern)


def test_pgb_parse_turns_a_family_type_error_into_bad_input(monkeypatch):
    """A model family that rejects its widths with TypeError (none of today's families do: they
    raise ValueError) still gives a one-line BadInput naming the family."""
    from theory.models.basis import FAMILIES

    monkeypatch.setitem(FAMILIES, "basis", _raise(TypeError("takes 2 positional arguments")))
    params = {"family": "basis", "widths": [1], "loss": "squared", "X": [[1.0]], "Y": [[1.0]],
              "lambda": [1.0], "theta": [0.0]}
    raises(lambda: get("k19.thm1").parse(params), BadInput,
           r"^widths: wrong number of widths for family 'basis'$")
