"""Hardt & Ma (2017) ReLU residual claims (the package :mod:`checks.papers.hm17_relu`):
registration, controls, JSON round trips, parameters, relations, edge draws, cost estimates,
the benchmark script, and the constructions of :mod:`theory.constructions.hm17_expressivity`
they rest on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from roundtrip import assert_json_round_trip
from scipy.spatial.distance import pdist

import checks.papers.hm17_relu as hm
from checks.framework import Status
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import run_control, sample_instances
from checks.serialise import to_jsonable
from checks.strategies import hm17_relu as strat
from theory.constructions.hm17_expressivity import (
    b1_margins,
    build_network,
    lemma_b1_block,
    lemma_b2_blocks,
    max_pairwise_inner,
    min_pairwise_distance,
    output_block,
    random_projection,
    stage_margins,
    surrogate_labels,
)
from theory.models.relu_residual import (
    ReluResidualNet,
    block,
    paper_parameter_count,
    parameter_count,
)

CLAIMS = [hm.ASM31, hm.LEMB1, hm.LEMB2, hm.THM32]


PROFILE = get_profile("ci")


def _unit_rows(rng, n, d):
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("claim", "control"), [(c, k) for c in CLAIMS for k in c.controls],
    ids=lambda x: getattr(x, "id", getattr(x, "name", "")),
)
def test_controls(claim, control):
    run = run_control(claim, control, PROFILE)
    assert run.passed, run.counts
    assert run.verdict["status"] == str(control.expect)
    assert sum(c.expect is Status.VIOLATED for c in claim.controls) >= 1


def test_block_matches_per_sample_formula():
    rng = np.random.default_rng(0)
    H, U, V, s = (rng.standard_normal(sh) for sh in [(7, 4), (4, 4), (4, 4), (4,)])
    loop = np.array([V @ np.maximum(U @ h + s, 0) for h in H])
    np.testing.assert_allclose(block(H, U, V, s), loop, rtol=1e-14, atol=1e-14)


def test_network_forward_and_count():
    rng = np.random.default_rng(1)
    d, k, ell, r = 5, 4, 3, 2
    net = ReluResidualNet(rng.standard_normal((k, d)), rng.standard_normal((ell, k, k)),
                          rng.standard_normal((ell, k, k)), rng.standard_normal((ell, k)),
                          rng.standard_normal((r, k)), rng.standard_normal((r, r)),
                          rng.standard_normal(r))
    X = rng.standard_normal((6, d))
    h = X @ net.A0.T
    for j in range(ell):
        h = h + np.maximum(h @ net.U[j].T + net.s[j], 0) @ net.V[j].T
    out = np.maximum(h @ net.A_out.T + net.s_out, 0) @ net.B_out.T
    np.testing.assert_allclose(net.forward(X), out, rtol=1e-13)
    assert net.parameter_count() == parameter_count(d, k, ell, r) == 20 + 3 * 36 + 8 + 4 + 2
    assert paper_parameter_count(d, k, ell, r) == k * d + ell * 2 * k * k + k * r + r * r


def test_b1_margins_against_loops():
    rng = np.random.default_rng(2)
    alpha, S = rng.standard_normal((6, 3)), np.array([1, 4])
    brute = [alpha[i] @ alpha[i] - max(alpha[i] @ alpha[j] for j in range(6) if j != i)
             for i in S]
    np.testing.assert_allclose(b1_margins(alpha, S), brute, rtol=1e-13)


@pytest.mark.parametrize("method", ["margin", "fixed"])
def test_lemma_b1_block_moves_and_fixes(method):
    inst = strat.b1_boundary_instance(method)
    alpha = np.vstack([inst["alpha"], [[0.0, -1.0]]])
    beta = np.vstack([inst["beta"], [[5.0, 5.0]]])
    U, V, s = lemma_b1_block(alpha, beta, np.array([0]), method=method, rho_prime=0.1)
    out = alpha + block(alpha, U, V, s)
    np.testing.assert_allclose(out[0], beta[0], atol=1e-14)
    np.testing.assert_array_equal(out[1:], alpha[1:])  # exact zeros from ReLU
    assert np.all(U[1:] == 0) and np.all(s[1:] == -1) and np.all(V[:, 1:] == 0)


def test_stage_margins_against_explicit_configurations():
    rng = np.random.default_rng(3)
    n, k, r = 11, 4, 3
    Z, Q = rng.standard_normal((n, k)), surrogate_labels(r, k, rng)
    labels = rng.integers(0, r, n)
    m, min_sq = stage_margins(Z, labels, Q, k)
    for i in range(n):
        a = (i // k) * k  # stage configuration: moved points sit at their labels
        config = np.where((np.arange(n) < a)[:, None], Q[labels], Z)
        others = [Z[i] @ config[j] for j in range(n) if j != i]
        assert m[i] == pytest.approx(Z[i] @ Z[i] - max(others), rel=1e-12, abs=1e-13)
    assert min_sq == pytest.approx(pdist(Z, "sqeuclidean").min(), rel=1e-10)


@pytest.mark.parametrize("method", ["margin", "fixed", "uniform"])
def test_lemma_b2_blocks_are_lemma_b1_on_each_stage_configuration(method):
    """Each stacked block equals Lemma B.1 applied to the explicit stage configuration
    (moved points at their labels), S = the stage's group, beta = the labels."""
    rng = np.random.default_rng(8)
    n, k, r = 9, 6, 3
    labels = rng.integers(0, r, n)
    for _ in range(200):  # the margin form needs a draw with positive stage margins
        X = _unit_rows(rng, n, 12)
        Z, Q = X @ random_projection(12, k, rng).T, surrogate_labels(r, k, rng)
        m = stage_margins(Z, labels, Q, k)[0]
        if m.min() > 0:
            break
    assert m.min() > 0
    v, m = Q[labels], (m if method == "margin" else None)
    U, V, s = lemma_b2_blocks(Z, v, k, m, method=method, rho_prime=0.3)
    for j, a in enumerate(range(0, n, k)):
        config = np.where((np.arange(n) < a)[:, None], v, Z)
        S = np.arange(a, min(a + k, n))
        Uj, Vj, sj = lemma_b1_block(config, v, S, method=method, rho_prime=0.3)
        np.testing.assert_allclose(U[j], Uj, rtol=1e-13)
        np.testing.assert_allclose(V[j], Vj, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(s[j], sj, rtol=1e-12, atol=1e-15)


def test_pairwise_extremes_against_scipy():
    rng = np.random.default_rng(4)
    X = _unit_rows(rng, 50, 6)
    assert min_pairwise_distance(X) == pytest.approx(pdist(X).min(), rel=1e-13)
    assert min_pairwise_distance(X, method="gram") == pytest.approx(pdist(X).min(), rel=1e-7)
    assert max_pairwise_inner(X) == pytest.approx(1 - pdist(X, "cosine").min(), abs=1e-14)


def test_output_block_maps_labels_to_basis():
    rng = np.random.default_rng(5)
    Q = surrogate_labels(6, 10, rng)
    A, B, s, c, max_corr = output_block(Q)
    assert max_corr < c < 1
    np.testing.assert_allclose(block(Q, A, B, s), np.eye(6), atol=1e-14)


def test_random_projection_is_norm_preserving_in_mean():
    """E ||A_0 x||^2 = ||x||^2 with the 1/sqrt(k) scaling (without it, k ||x||^2)."""
    rng = np.random.default_rng(6)
    k, x = 4000, _unit_rows(rng, 1, 30)[0]
    sq = np.sum((random_projection(30, k, rng) @ x) ** 2)
    assert abs(sq - 1) < 5 * math.sqrt(2 / k)  # chi^2_k / k has sd sqrt(2/k)


def test_build_network_invariant_after_every_block():
    rng = np.random.default_rng(7)
    X = strat.separated_unit_vectors(90, 16, 0.3, 7)
    labels = rng.integers(0, 4, len(X))
    k = strat.practical_width(len(X))
    net, info = build_network(X, labels, 4, k, rng)
    assert net is not None and net.U.shape[0] == math.ceil(len(X) / k)
    Z = X @ net.A0.T
    V = net.A_out[labels]  # rows of A_out are the surrogate labels q_a
    for j, h in enumerate(net.hidden(X)):
        expected = np.where((np.arange(len(X)) < j * k)[:, None], V, Z)
        np.testing.assert_allclose(h, expected, atol=1e-12)
    np.testing.assert_allclose(net.forward(X), np.eye(4)[labels], atol=1e-12)


def _data_params():
    X = strat.separated_unit_vectors(20, 8, 0.3, 1)
    return {"X": X.tolist(), "labels": [i % 3 for i in range(len(X))], "r": 3, "rho": 0.3}


def _b2_instance():
    X = strat.separated_unit_vectors(60, 16, 0.3, 2)
    labels, k, rng = np.arange(len(X)) % 3, strat.practical_width(len(X)), np.random.default_rng(0)
    for _ in range(20):
        Z, Q = X @ random_projection(16, k, rng).T, surrogate_labels(3, k, rng)
        if stage_margins(Z, labels, Q, k)[0].min() > 0:
            return {"Z": Z, "labels": labels, "r": 3, "Q": Q}
    raise AssertionError("no draw with positive margins")


def _one_instance(claim):
    return {
        "hm17.asm3.1": lambda: hm.parse_data(_data_params()),
        "hm17.lemB.1": lambda: strat.b1_boundary_instance("fixed"),
        "hm17.lemB.2": _b2_instance,
        "hm17.thm3.2": lambda: hm.parse_data({**_data_params(), "seed": 3}),
    }[claim.id]()


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_json_round_trip(claim):
    verdict = assert_json_round_trip(claim, _one_instance(claim))
    assert verdict.status in (Status.HOLDS, Status.VIOLATED)


def test_registered():

    for claim in CLAIMS:
        assert get(claim.id) is claim


def test_benchmark_script_runs_small():
    """The n = 10,000 benchmark's code path, at a size a test can afford."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "bench_hm17_expressivity.py"
    spec = importlib.util.spec_from_file_location("bench_hm17_expressivity", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.run(n=150, d=16, r=3, rho=0.3)
    assert out["fits"] and out["hypotheses_unmet"] == [] and out["ell"] == math.ceil(150 / out["k"])


def test_strategies_validate_arguments():
    from hypothesis.errors import InvalidArgument

    for bad in [lambda: strat.labelled_data(n=1), lambda: strat.labelled_data(rho="x"),
                lambda: strat.labelled_data(width=0), lambda: strat.b1_instances(method="paper"),
                lambda: strat.b2_instances(max_draws=0)]:
        with pytest.raises(InvalidArgument):
            bad()
    inst = next(iter(sample_instances(strat.labelled_data(n=30, d=12, r=3, rho=0.3, width=17),
                                      PROFILE, 1)))
    assert inst["k"] == 17 and inst["X"].shape[1] == 12


RELU_IDS = ["hm17.asm3.1", "hm17.lemB.1", "hm17.lemB.2", "hm17.thm3.2"]


@pytest.mark.parametrize("claim_id", RELU_IDS)
def test_parameters_name_every_key_the_parser_reads(claim_id):
    """Every key of a drawn (generic or edge) instance is a declared parameter, every required
    parameter is present, and the instance parses back from exactly those keys."""

    claim = get(claim_id)
    names = {p.name for p in claim.parameters}
    required = {p.name for p in claim.parameters if p.required}
    for source in (claim.strategy("ci"), claim.edge_strategy("ci")):
        (inst,) = list(sample_instances(source, PROFILE, 1))
        params = to_jsonable(inst)
        assert set(params) <= names, set(params) - names
        assert required <= set(params)
        claim.parse(params)


def test_relabel_classes_keeps_every_target():
    relation = strat.relabel_classes("test")
    Q = np.eye(3)[:, :3] * np.array([1.0, -1.0, 1.0])
    inst = {"Z": np.eye(3), "labels": np.array([0, 1, 2]), "r": 3, "Q": Q}
    seed = next(s for s in range(100)
                if np.any(np.random.default_rng(s).permutation(3) != [0, 1, 2]))
    moved = relation.transform(inst, np.random.default_rng(seed))
    assert not np.array_equal(moved["labels"], inst["labels"])
    np.testing.assert_array_equal(moved["Q"][moved["labels"]], Q[inst["labels"]])


def test_permute_samples_keeps_S_on_the_same_points():
    relation = strat.permute_samples("test")
    alpha = np.arange(12.0).reshape(6, 2)
    inst = {"alpha": alpha, "beta": -alpha, "S": np.array([1, 4]), "rho_prime": 0.1,
            "method": "margin"}
    moved = relation.transform(inst, np.random.default_rng(2))
    np.testing.assert_array_equal(moved["alpha"][moved["S"]], alpha[inst["S"]])
    np.testing.assert_array_equal(moved["beta"][moved["S"]], -alpha[inst["S"]])


def test_data_edges_are_unit_and_separated_at_the_tie_exactly():
    """Edge data are signed basis vectors: norms exactly 1 and, when rho is the tie, the
    minimum squared distance equals rho^2 up to the rounding of sqrt 2."""
    from hypothesis import HealthCheck

    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strat.data_edges(for_theorem=True))
    def run(inst):
        X = inst["X"]
        assert np.all(np.sum(X * X, axis=1) == 1.0)
        assert X.shape[1] <= X.shape[0] and len(np.unique(X, axis=0)) == len(X)
        assert pdist(X).min() >= inst["rho"] or inst["rho"] == math.sqrt(2.0)

    run()


def test_cost_estimates_grow_with_the_work():
    """Theorem 3.2's estimate grows like n k^2, Lemma B.2's likewise, Assumption 3.1's like
    n^2 d (the Gram matrix)."""

    X = np.eye(4)
    base = {"X": X, "labels": np.zeros(4, dtype=np.int64), "r": 1, "rho": 1.0, "k": 10}
    thm = get("hm17.thm3.2").cost
    assert thm(base) < thm({**base, "k": 100}) < thm({**base, "X": np.eye(40), "k": 100})
    asm = get("hm17.asm3.1").cost
    assert asm(base) < asm({**base, "X": np.eye(40)})
    b2 = get("hm17.lemB.2").cost
    assert b2({"Z": np.eye(4)}) < b2({"Z": np.eye(40)})

