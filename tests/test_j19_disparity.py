"""Tests for Jiang (2019): the canonical Fourier space, the disparity matrix and the j19 claims.

Theory functions are tested against independent computations (closed forms, explicit
quadrature, autograd, finite differences, exact rational arithmetic); every claim's strategy
must give ``holds``, every control ``violated``, malformed params ``BadInput``, and instances
must survive the JSON round trip.

The claims are those of the package :mod:`checks.papers.j19_disparity`: its section modules
``checks.papers.j19_disparity.section3_1`` (Theorem 1, Corollary 1),
``checks.papers.j19_disparity.section3_2`` (eqs. (8)-(10), Lemmas 1-2),
``checks.papers.j19_disparity.section3_2_descent`` (Algorithm 1, Theorem 2),
``checks.papers.j19_disparity.section3_3`` (§3.3.1-§3.3.2),
``checks.papers.j19_disparity.section3_3_3`` (§3.3.3, ours3) and what they share,
``checks.papers.j19_disparity._common``, all tested here through the claims and the package's
public names.
"""

from __future__ import annotations

import json

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from parsing import accepts, rejects
from roundtrip import assert_json_round_trip, recorded_worst

from checks.framework import Status
from checks.inputs import BadInput
from checks.papers.j19_disparity import ACTIVATIONS, CLAIMS
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import run_control, sample_instances
from checks.serialise import to_jsonable
from checks.strategies.j19_disparity import (
    apply_edge,
    duplicate_unit,
    interior_samples,
    kill_units,
    network_instance,
    networks,
    permute_samples,
    permute_units,
    reflect_cube,
    rotate_circle,
    scale_outputs,
)
from theory.fourier import (
    CanonicalSpace,
    SigmoidProduct,
    armijo_descent,
    canonical_coordinates,
    complex_coefficients,
    complex_to_real,
    dead_units,
    derivative_span_bound,
    design_matrix,
    disparity_matrix,
    euler_relations,
    gauss_newton,
    network_coordinates,
    quadrature_weights,
    real_basis,
    relu_kinks_on_grid,
    relu_unit_regimes,
    truncated_objective,
    truncated_objective_gradient,
    unit_indices,
)
from theory.jacobian import jacobian
from theory.linalg import exact_rank
from theory.models.feedforward import Feedforward

BY_ID = {c.id: c for c in CLAIMS}
CI = get_profile("ci")


def _net(inst):
    return Feedforward([inst["K"], inst["h"], 1], inst["activation"])


def _space(inst, quadrature="trapezoid"):
    return CanonicalSpace(inst["K"], inst["n"], inst["N"], quadrature)


# ------------------------------------------------------------------------------------------
# theory/fourier.py against independent computations


def test_coefficients_of_x_match_closed_form():
    # g(x) = x on [0,1]: theta_0 = 1/2, theta_k = i / (2 pi k); trapezoid error O(k^2/N^2)
    space = CanonicalSpace(1, 4, 1024)
    theta = complex_coefficients(space, space.grid()[:, 0])
    k = np.arange(-4, 5)
    exact = np.where(k == 0, 0.5, 1j / (2 * np.pi * np.where(k == 0, 1, k)))
    assert np.max(np.abs(theta - exact)) < 1e-5
    rect = complex_coefficients(space.with_quadrature("rectangle"), space.grid()[:, 0])
    assert np.max(np.abs(rect - exact)) > 10 * np.max(np.abs(theta - exact))  # O(1/N) vs O(1/N^2)


@pytest.mark.parametrize("K,n,N", [(1, 3, 256), (2, 2, 40)])
@pytest.mark.parametrize("quadrature", ["trapezoid", "rectangle"])
def test_fft_route_equals_explicit_quadrature(K, n, N, quadrature):
    space = CanonicalSpace(K, n, N, quadrature)
    G = space.grid()
    g = np.tanh(3 * G[:, 0] - 1) * (1 + G[:, -1] ** 2)
    explicit = real_basis(space, G).T @ (quadrature_weights(space) * g)
    assert np.max(np.abs(canonical_coordinates(space, g) - explicit)) < 1e-14


@pytest.mark.parametrize("K,n", [(1, 3), (2, 1)])
def test_real_basis_is_orthonormal_under_the_quadrature(K, n):
    space = CanonicalSpace(K, n, 64)
    B = real_basis(space, space.grid())
    gram = B.T @ (quadrature_weights(space)[:, None] * B)
    assert np.max(np.abs(gram - np.eye(space.L))) < 1e-13


def test_complex_and_real_disparity_have_equal_singular_values():
    inst = network_instance(2, 1, 9, "tanh", 1, 3, scale=6.0, N=32)
    space, net = _space(inst), _net(inst)
    D = np.asarray(jacobian(net, inst["w"], space.grid())).T
    Hc = complex_coefficients(space, D).reshape(D.shape[0], -1)
    Hr = complex_to_real(space, complex_coefficients(space, D))
    assert np.allclose(np.linalg.svd(Hc, compute_uv=False), np.linalg.svd(Hr, compute_uv=False),
                       rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus", "relu"])
def test_disparity_rows_are_derivatives_of_the_coordinates(act):
    # central finite differences of w -> c(w), independent of the analytic Jacobian
    inst = network_instance(1, 2, 4, act, 1, 11, scale=3.0, N=256)
    space, net, w = _space(inst), _net(inst), inst["w"]
    H = disparity_matrix(space, net, w)
    step = 1e-6
    fd = np.array([(network_coordinates(space, net, w + step * e)
                    - network_coordinates(space, net, w - step * e)) / (2 * step)
                   for e in np.eye(w.size)])
    assert np.max(np.abs(fd - H)) < 1e-6 * max(1.0, np.max(np.abs(H)))


def test_gradient_identity_against_autograd_of_explicit_quadrature():
    inst = network_instance(2, 1, 6, "tanh", 5, 4, scale=4.0, N=32)
    space, net = _space(inst), _net(inst)
    G, Phi = space.grid(), design_matrix(space, inst["X"])
    BW = real_basis(space, G) * quadrature_weights(space)[:, None]

    def F(theta):
        r = anp.dot(Phi, anp.dot(net.forward_traced(theta, G)[:, 0], BW)) - inst["y"]
        return anp.dot(r, r)

    ref = autograd.grad(F)(inst["w"])
    ours = truncated_objective_gradient(space, net, inst["w"], inst["X"], inst["y"])
    assert np.allclose(ours, ref, rtol=1e-11, atol=1e-12 * np.linalg.norm(ref))
    assert np.isclose(truncated_objective(space, net, inst["w"], inst["X"], inst["y"]),
                      F(inst["w"]), rtol=1e-12)


def test_sigmoid_product_jacobian_matches_autograd():
    m, theta, X = SigmoidProduct(), np.array([0.3, -1.2, 0.7]), np.array([[0.2], [0.6]])
    assert np.allclose(jacobian(m, theta, X), jacobian(m, theta, X, method="autograd"),
                       rtol=1e-14, atol=1e-15)


def test_dead_units_match_a_fine_grid_scan():
    rng = np.random.default_rng(5)
    for K in (1, 2):
        net = Feedforward([K, 8, 1], "relu")
        w = net.init(rng)
        (W, b), _ = net.unflatten(w)
        t = np.linspace(0, 1, 65)
        grid = t[:, None] if K == 1 else np.array(np.meshgrid(t, t)).reshape(2, -1).T
        scan = [j for j in range(8) if np.all(grid @ W[j] + b[j] < 0)]
        assert dead_units(net, w) == scan


def test_euler_relations_hold_on_the_derivative_samples():
    inst = network_instance(2, 1, 5, "relu", 1, 8, N=32)
    space, net = _space(inst), _net(inst)
    D = np.asarray(jacobian(net, inst["w"], space.grid())).T
    Z = euler_relations(net, inst["w"])
    assert np.max(np.abs(Z @ D)) < 1e-13 * np.max(np.abs(D)) * np.max(np.abs(Z))


def test_dead_unit_deficiency_in_exact_arithmetic():
    inst = kill_units(network_instance(1, 3, 5, "relu", 1, 9, N=128), [1, 3])
    H = disparity_matrix(_space(inst), _net(inst), inst["w"])
    M, K = H.shape[0], 1
    assert exact_rank(H) <= M - (K + 2) * 2
    assert exact_rank(H[[m for j in (1, 3) for m in unit_indices(_net(inst), j)]]) == 0


def test_duplicate_unit_deficiency_in_exact_arithmetic():
    inst = duplicate_unit(network_instance(1, 3, 4, "tanh", 1, 10, scale=10.0, N=128), 0, 2)
    net = _net(inst)
    H = disparity_matrix(_space(inst), net, inst["w"])
    a, b = unit_indices(net, 0), unit_indices(net, 2)
    assert np.array_equal(H[a], H[b])
    assert exact_rank(np.vstack([H, H[a] - H[b]])) <= H.shape[0] - 3
    assert exact_rank(H) <= H.shape[0] - 3


def test_counterexample_dynamics():
    space = CanonicalSpace(1, 0, 16)
    run = armijo_descent(space, SigmoidProduct(), np.zeros(3), np.array([[0.5]]),
                         np.array([2.0]), 500, 0.5)
    assert np.all(run["w"][1:] == 0.0)  # u = v = 0 forever
    assert np.all(run["sigma_L"] > 0)  # H has rank L = 1 at every iterate
    final = run["F"][-1]
    assert final > 1.0 and final < 1.01  # and the loss tends to 1, not 0
    assert np.all(np.diff(run["F"]) <= 0)


def test_gauss_newton_decreases_the_truncated_loss():
    inst = network_instance(1, 2, 6, "tanh", 4, 12, scale=10.0, N=256)
    space, net = _space(inst), _net(inst)
    w = gauss_newton(space, net, inst["w"], inst["X"], inst["y"])
    assert truncated_objective(space, net, w, inst["X"], inst["y"]) < 1e-20


def test_canonical_space_and_strategy_argument_validation():
    with pytest.raises(ValueError):
        CanonicalSpace(3, 1, 64)
    with pytest.raises(ValueError):
        CanonicalSpace(1, 10, 16)
    with pytest.raises(ValueError):
        interior_samples(np.random.default_rng(0), 3, 2, 5)
    with pytest.raises(ValueError):
        network_instance(1, 1, 3, "cosine", 2, 0)
    with pytest.raises(ValueError):
        duplicate_unit(network_instance(1, 1, 3, "relu", 2, 0), 1, 1)
    X = interior_samples(np.random.default_rng(1), 1, 7, 7)[:, 0]
    assert np.all((X >= 0.1) & (X <= 0.9)) and np.min(np.diff(np.sort(X))) > 0.4 / 7


@settings(max_examples=5, deadline=None)
@given(networks(K=st.sampled_from([1, 2]), activation=st.sampled_from(["relu", "tanh"])))
def test_network_strategy_meets_its_contract(inst):
    L = (2 * inst["n"] + 1) ** inst["K"]
    assert inst["w"].size >= L and 1 <= inst["X"].shape[0] <= L
    assert np.all((inst["X"] >= 0.1) & (inst["X"] <= 0.9))
    assert not dead_units(_net(inst), inst["w"]) or inst["activation"] != "relu"


# ------------------------------------------------------------------------------------------
# claims: strategies hold, controls are violated, parse rejects, JSON round trips


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_strategy_instances_hold(claim):
    n = 2 if claim.id in ("j19.thm2", "j19.ours2") else 4
    for inst in sample_instances(claim.strategy("ci"), CI, n):
        verdict = claim.check(inst)
        assert verdict.status is Status.HOLDS, (claim.id, verdict.message, verdict.diagnostics)


CONTROLS = [(c, k) for c in CLAIMS for k in c.controls]


@pytest.mark.parametrize("claim,control", CONTROLS, ids=lambda x: getattr(x, "id", None)
                         or getattr(x, "name", ""))
def test_control_is_violated(claim, control):
    run = run_control(claim, control, CI)
    assert run.passed and run.verdict["status"] == "violated", run.counts


def _example(claim):
    for control in claim.controls:
        for inst in control.fixed_instances():
            return inst
    return next(iter(sample_instances(claim.strategy("ci"), CI, 1)))


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_json_round_trip(claim):
    strat = next(iter(sample_instances(claim.strategy("ci"), CI, 1)))
    control = claim.controls[0]
    for inst, drop in ((strat, None), (control.fixed_instances()[0], control.drops)):
        assert_json_round_trip(claim, inst, drop)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_parse_rejects_malformed(claim):
    params = to_jsonable(_example(claim))
    T = len(params["y"])
    bad = [
        {k: v for k, v in params.items() if k != "X"},
        {k: v for k, v in params.items() if k != "y"},
        {**params, "y": [1.0] * (T + 1)},
        {**params, "X": "not an array"},
        {**params, "X": [[float("nan")]] * T},
        {**params, "X": [[2.0] * len(params["X"][0])] * T},
        {**params, "K": 3},
        {**params, "n": -1},
        [1, 2, 3],
    ]
    if "w" in params:
        bad += [{**params, "w": params["w"][:-1]}, {**params, "w": "w"}]
    if "activation" in params:
        bad.append({**params, "activation": "cosine"})
    if "dead" in params:
        bad += [{**params, "dead": [99]}, {**params, "dead": []}, {**params, "dead": [0, 0]}]
    if "pair" in params:
        bad.append({**params, "pair": [0.5, 1]})
    if "steps" in params:
        bad += [{**params, "steps": 0}, {**params, "step_rule": "newton"}]
    for p in bad:
        with pytest.raises(BadInput):
            claim.parse(p)


def test_rank_drop_is_predicted_exactly_for_dead_units():
    base = network_instance(1, 4, 9, "relu", 1, 77, N=512)  # L = 9, 2h+1 = 19
    claim = BY_ID["j19.s3.3.1"]
    for k in (1, 3, 5, 6):
        inst = {**kill_units(base, list(range(k))), "dead": list(range(k))}
        v = claim.check(inst)
        assert v.status is Status.HOLDS, v.diagnostics
        assert v.diagnostics["rank"] == min(9, 2 * (9 - k) + 1)


def test_rank_drop_is_predicted_exactly_for_duplicated_units():
    base = network_instance(1, 6, 6, "relu", 1, 78, N=512)  # L = 13 = 2h+1
    full = BY_ID["j19.s3.3.3"].check(base)
    assert full.status is Status.HOLDS and full.diagnostics["rank"] == 13
    inst = {**duplicate_unit(base, 2, 4), "pair": [2, 4]}
    v = BY_ID["j19.s3.3.2"].check(inst)
    assert v.status is Status.HOLDS, v.diagnostics
    assert v.diagnostics["rank"] == v.diagnostics["rank_predicted"] == 2 * 5 + 1


def test_thm1_unresolvable_full_rank_is_inconclusive_coincident_points_violated():
    """x = 0 and x = 1 - 2^-53 are distinct on the circle (exact Phi of rank T, min loss 0)
    but their rows of Phi agree to 1e-16: inconclusive, not violated. x = 0 and x = 1
    coincide on the torus (hypothesis dropped): the exact minimum is 2, still violated."""
    claim = BY_ID["j19.thm1"]
    y = np.array([0.0, 1.0, 0.0])
    wrap = {"K": 1, "n": 2, "X": np.array([[0.0], [1 - 2.0**-53], [0.5]]), "y": y}
    v = claim.check(wrap)
    assert v.status is Status.INCONCLUSIVE, v.message
    # a resolvable neighbour (2^-20 apart) is decided and holds
    near = {**wrap, "X": np.array([[0.0], [1 - 2.0**-20], [0.5]])}
    assert claim.check(near).status is Status.HOLDS
    faces = {"K": 1, "n": 2, "X": np.array([[0.0], [1.0]]), "y": np.array([1.0, -1.0])}
    assert claim.check(faces, drop="distinct-on-torus").status is Status.VIOLATED


def _sampled_derivative_rank(inst):
    """Rank of the sampled derivative functions (grid x M), an SVD with a clear gap: the
    dimension the structural bound counts, computed without it."""
    D = np.asarray(jacobian(_net(inst), inst["w"], _space(inst).grid()))
    s = np.linalg.svd(D, compute_uv=False)
    kept = s > 1e-9 * s[0]
    assert not np.any((s > 1e-13 * s[0]) & ~kept), s  # a clear gap: the count is meaningful
    return int(kept.sum())


@pytest.mark.parametrize("case", ["relu", "dead", "duplicate", "all-active", "tanh", "K2"])
def test_derivative_span_bound_matches_the_sampled_span(case):
    base = network_instance(1, 4, 6, "relu", 1, 61, N=256)
    inst = {"relu": base, "dead": kill_units(base, [0, 2]),
            "duplicate": duplicate_unit(base, 1, 3),
            "all-active": {**base, "w": np.r_[np.linspace(1, 2, 6), np.linspace(0.1, 0.5, 6),
                                             np.linspace(-1, 1.5, 6), 0.3]},
            "tanh": network_instance(1, 4, 3, "tanh", 1, 63, scale=3.0, N=256),
            "K2": network_instance(2, 1, 3, "relu", 1, 64, N=48)}[case]
    bound, how = derivative_span_bound(_net(inst), inst["w"])
    assert bound == _sampled_derivative_rank(inst), how


@pytest.mark.parametrize("claim_id", ["j19.s3.3.3", "j19.s3.3.1", "j19.s3.3.2"])
def test_rank_decisions_are_invariant_under_exact_weight_scaling(claim_id):
    """Scaling w by 2^-k keeps every dead / duplicated / crossing structure and the exact
    rank; the row-equilibrated decision gives the same verdict and rank at every k."""
    base = network_instance(1, 2, 6, "relu", 4, 61, N=256)
    inst = {"j19.s3.3.3": base, "j19.s3.3.1": {**kill_units(base, [0]), "dead": [0]},
            "j19.s3.3.2": {**duplicate_unit(base, 0, 1), "pair": [0, 1]}}[claim_id]
    seen = set()
    for k in (0, 40, 60, 500):
        v = BY_ID[claim_id].check({**inst, "w": np.ldexp(inst["w"], -k)})
        seen.add((v.status, v.diagnostics.get("rank")))
    assert seen == {(Status.HOLDS, 5)}, seen


def test_tiny_s_without_a_structural_certificate_is_not_deficient():
    """s = sigma_L / sigma_1 tiny on the raw H (w scaled by 2^-40) was read as DEFICIENT;
    the row-equilibrated H is FULL, and a control with a certificate stays DEFICIENT."""
    base = network_instance(1, 2, 6, "relu", 4, 61, N=256)
    inst = {**base, "w": np.ldexp(base["w"], -40)}
    H = disparity_matrix(_space(inst), _net(inst), inst["w"])
    s = np.linalg.svd(H, compute_uv=False)
    assert s[4] / s[0] < 1e-12  # what the old rule called deficient
    assert exact_rank(H) == 5
    assert BY_ID["j19.s3.3.3"].check(inst).status is Status.HOLDS
    dead = kill_units(network_instance(1, 4, 6, "relu", 1, 61, N=512), [0, 1, 2])
    v = BY_ID["j19.s3.3.3"].check(dead, drop="no-dead")
    assert v.status is Status.VIOLATED and v.diagnostics["structural_bound"] == 7


# ------------------------------------------------------------------------------------------
# edges: ReLU kinks on nodes, the floating-point floor of a descent, cheap hypotheses first,
# dead / affine units, certificates of failure

ROUND_KINKS = {"K": 1, "n": 1, "N": 256, "h": 3, "activation": "relu",
               # units: w = 1, b = -1/2 (kink at 1/2); w = -2, b = 1/2 (1/4); w = 4, b = -3 (3/4)
               "w": [1.0, -2.0, 4.0, -0.5, 0.5, -3.0, 1.0, -1.0, 0.5, 0.25],
               "X": [[0.2], [0.4], [0.7]], "y": [1.0, 0.0, -1.0]}


def test_eq8_relu_kink_on_a_quadrature_node_is_out_of_scope_not_violated():
    """Round weights put every ReLU kink on a node of the 256-grid, where F is not
    differentiable (H takes relu'(0) = 0, autograd splits the tie): out of scope with the
    reason, never violated. Moving the kinks off the nodes (b shifted by 2^-20) is in scope
    and holds."""
    claim = BY_ID["j19.eq8"]
    inst = claim.parse(ROUND_KINKS)
    kinks = relu_kinks_on_grid(_space(inst), _net(inst), inst["w"])
    assert [(j, node) for j, node in kinks] == [(0, 128), (1, 64), (2, 192)]
    v = claim.check(inst)
    assert v.status is Status.OUT_OF_SCOPE
    assert "a ReLU pre-activation is exactly 0 at a quadrature node (unit 0, $x=(0.5)$" in v.message
    assert "$F$ is not differentiable there" in v.message
    # the gap the old check called a violation is the one-sided jump, present only with -drop
    assert claim.check(inst, drop="differentiable").status is not Status.HOLDS
    off = {**ROUND_KINKS, "w": np.r_[inst["w"][:3], inst["w"][3:6] + 2.0**-20, inst["w"][6:]]}
    off_inst = claim.parse(off)
    assert relu_kinks_on_grid(_space(off_inst), _net(off_inst), off_inst["w"]) == []
    assert claim.check(off_inst).status is Status.HOLDS


def test_relu_kink_detection_uses_the_rounding_bound_of_the_pre_activation():
    """A pre-activation within gamma_{K+1}(|w||x| + |b|) of 0 at a node counts as a kink (its
    exact value may be 0); one clearly beyond that bound does not."""
    net = Feedforward([1, 1, 1], "relu")
    space = CanonicalSpace(1, 1, 64)
    at = net.flatten([(np.array([[0.1]]), np.array([-0.05])), (np.ones((1, 1)), np.zeros(1))])
    assert (0, 32) in relu_kinks_on_grid(space, net, at)  # 0.1 * 0.5 - 0.05 rounds near 0
    off = net.flatten([(np.array([[0.1]]), np.array([-0.05 - 1e-12])),
                       (np.ones((1, 1)), np.zeros(1))])
    assert relu_kinks_on_grid(space, net, off) == []
    assert relu_kinks_on_grid(space, Feedforward([1, 1, 1], "tanh"), at) == []


def _floor_instance(steps):
    inst = network_instance(1, 1, 4, "tanh", 3, 5, scale=3.0, N=128)
    return {**inst, "model": "network", "eta0": 1.0, "steps": steps, "step_rule": "armijo"}


def test_armijo_descent_stops_at_the_floating_point_floor():
    """The run stops when F, or the decrease Armijo's test asks for, falls below F's rounding
    bound: every recorded step was accepted, the last F is within a few rounding bounds of
    the floor, and asking for more steps changes nothing."""
    inst = _floor_instance(3000)
    run = armijo_descent(_space(inst), _net(inst), inst["w"], inst["X"], inst["y"], 3000, 1.0)
    assert run["stop"] == "floor" and run["eta"].size < 3000 and run["accepted"].all()
    assert run["F"].size == run["eta"].size + 1 and run["F"][-1] < 1e3 * run["floor"]
    more = armijo_descent(_space(inst), _net(inst), inst["w"], inst["X"], inst["y"], 4000, 1.0)
    assert np.array_equal(more["F"], run["F"])


def test_thm2_verdict_does_not_change_once_the_run_reaches_the_floor():
    """Theorem 2 on one instance at 800 steps (before the floor) and at 1500 (past it): both
    hold; the longer run is decided on the iterates before the floor, not called
    out-of-scope for a step that rounding cannot accept."""
    claim = BY_ID["j19.thm2"]
    F0 = armijo_descent(_space(_floor_instance(1)), _net(_floor_instance(1)),
                        _floor_instance(1)["w"], _floor_instance(1)["X"],
                        _floor_instance(1)["y"], 0, 1.0)["F"][0]
    for steps in (800, 1500):
        v = claim.check({**_floor_instance(steps), "target": float(F0 * np.exp(-5.0))})
        assert v.status is Status.HOLDS, v.message
    assert v.diagnostics["stop"] == "floor" and v.diagnostics["steps"] < 1500


def test_thm2_reasons_keep_rank_step_acceptance_and_floor_apart():
    """A rate that the run cannot reach before the floor fails ``rate`` alone, and its reason
    says the run stopped at the floating-point floor; rank and Armijo acceptance still hold."""
    claim = BY_ID["j19.thm2"]
    failed = claim.failed_hypotheses({**_floor_instance(1500), "target": 1e-12})
    assert list(failed) == ["rate"]
    assert "stopped at the floating-point floor after" in failed["rate"]


def test_thm1_cheap_hypotheses_need_no_quadratic_work(monkeypatch):
    """30,000 samples with L < T: the verdict is out of scope at once; the rank hypothesis
    answers from L < T without building Phi, and distinctness sorts instead of forming all
    pairs."""
    import checks.papers.j19_disparity.section3_1 as mod

    def boom(*args, **kwargs):
        raise AssertionError("Phi was built although L < T already decides")

    monkeypatch.setattr(mod, "design_matrix", boom)
    rng = np.random.default_rng(0)
    inst = {"K": 2, "n": 3, "X": rng.uniform(0.1, 0.9, (30_000, 2)),
            "y": rng.standard_normal(30_000)}
    failed = BY_ID["j19.thm1"].failed_hypotheses(inst)
    assert failed["L>=T"] == "fewer canonical coordinates than samples"
    assert failed["rank-Phi=T"] == r"$\operatorname{rank}\Phi\le L=49<T=30000$"
    assert "distinct-on-torus" not in failed


def test_thm1_distinct_on_the_torus_identifies_faces_and_signed_zeros():
    claim = BY_ID["j19.thm1"]
    base = {"K": 1, "n": 2, "y": np.array([1.0, -1.0, 0.0])}
    for X in ([[0.0], [1.0], [0.5]], [[-0.0], [0.0], [0.5]], [[0.3], [0.3], [0.5]]):
        failed = claim.failed_hypotheses({**base, "X": np.array(X)})
        assert failed["distinct-on-torus"].startswith("two samples coincide on the torus")
    assert "distinct-on-torus" not in claim.failed_hypotheses(
        {**base, "X": np.array([[0.0], [np.nextafter(1.0, 0.0)], [0.5]])})


@pytest.mark.parametrize(("w", "b", "regime"), [
    (0.0, 0.0, "dead"), (-1.0, 0.0, "dead"), (-1.0, -0.5, "dead"), (1.0, 0.0, "touching"),
    (1.0, 0.5, "active"), (1.0, -0.5, "cutting"), (1.0, -1.0, "dead"),
    (1.0, np.nextafter(-1.0, 0.0), "cutting")])
def test_relu_unit_regimes_follow_the_exact_sign_of_the_pre_activation(w, b, regime):
    """Dead means w.x + b <= 0 on the whole cube (with relu'(0) = 0 its value and derivatives
    vanish), active means > 0 everywhere, touching means >= 0 with 0 on the boundary."""
    net = Feedforward([1, 1, 1], "relu")
    theta = net.flatten([(np.array([[w]]), np.array([b])), (np.ones((1, 1)), np.zeros(1))])
    assert relu_unit_regimes(net, theta) == [regime]
    assert dead_units(net, theta) == ([0] if regime == "dead" else [])


def test_relu_messages_call_zero_and_nonpositive_units_dead():
    """A unit with w = 0, b = 0 or with w.x + b <= 0 on the cube is dead (not 'active on the
    whole cube', not 'active somewhere'): §3.3.3 says so in no-dead, §3.3.1 accepts it as a
    listed dead unit and its rows are exactly zero."""
    base = network_instance(1, 2, 6, "relu", 3, 61, N=256)
    net = _net(base)
    for wj, bj in ((0.0, 0.0), (-1.0, 0.0)):
        w = base["w"].copy()
        idx = unit_indices(net, 0)
        w[idx[0]], w[idx[1]] = wj, bj
        inst = {**base, "w": w}
        failed = BY_ID["j19.s3.3.3"].failed_hypotheses(inst)
        assert failed["no-dead"] == r"unit 0 is dead on the cube ($w_j\cdot x+b_j\le0$ there)"
        assert "no-affine" not in failed
        v = BY_ID["j19.s3.3.1"].check({**inst, "dead": [0]})
        assert v.status is Status.HOLDS, v.message
    w = base["w"].copy()
    w[idx[0]], w[idx[1]] = 1.0, 0.0
    failed = BY_ID["j19.s3.3.3"].failed_hypotheses({**base, "w": w})
    assert failed["no-affine"] == (r"unit 0 is affine on the cube ($w_j\cdot x+b_j\ge0$ on the "
                                   "cube, $0$ only on its boundary)")
    assert BY_ID["j19.s3.3.1"].failed_hypotheses({**base, "w": w, "dead": [0]})[
        "dead-on-cube"] == r"listed unit 0 is not dead: $w_j\cdot x+b_j>0$ somewhere " \
                           "on the cube (touching)"


def test_failure_certificates_say_what_certifies_them():
    """Every violated verdict of the rank claims names its certificate: an exact non-zero
    entry (§3.3.1), a difference beyond its rounding bound (§3.3.2), the structural bound
    below L (§3.3.3)."""
    s331 = BY_ID["j19.s3.3.1"]
    inst = s331.control("dead-on-data-only").fixed_instances()[0]
    v = s331.check(inst, drop="dead-on-cube")
    assert v.status is Status.VIOLATED
    assert v.certificate.startswith("row of $H$ ") and r"\ne0$ (exact)" in v.certificate
    s332 = BY_ID["j19.s3.3.2"]
    v = s332.check(s332.control("outgoing-differs").fixed_instances()[0], drop="identical-units")
    assert v.status is Status.VIOLATED
    assert v.certificate.startswith("rows of the pair differ by")
    s333 = BY_ID["j19.s3.3.3"]
    v = s333.check(s333.control("relu-euler").fixed_instances()[0], drop="relu-count")
    assert v.status is Status.VIOLATED
    assert v.certificate.startswith(r"$\operatorname{rank}H\le11<L=15$: ")


def test_full_rank_needs_sigma_L_beyond_the_rounding_of_H():
    """FULL is decided against the SVD threshold plus the Weyl margin of H's own rounding
    (quadrature, FFT, samples); the margin is recorded and far below sigma_L on a FULL draw."""
    v = BY_ID["j19.s3.3.3"].check(network_instance(1, 3, 7, "relu", 1, 5, N=512))
    assert v.status is Status.HOLDS
    assert 0 < v.diagnostics["weyl_margin"] < 1e-6 * v.diagnostics["sigma_L"]


def test_descent_cost_estimate_flags_an_instance_of_a_day():
    """A descent instance inside every parser limit (h = 200, N = 8192, 1e5 steps) is
    estimated at about a second a step, so ``checks verify`` can refuse it before it starts;
    the strategy's instances are estimated at well under a minute."""
    big = {**network_instance(1, 3, 200, "relu", 3, 1, N=8192), "model": "network",
           "eta0": 1.0, "steps": 100_000, "step_rule": "armijo", "target": 0.1}
    for cid in ("j19.thm2", "j19.ours2"):
        assert BY_ID[cid].cost(big) > 3600 * 12
    small = {**big, **network_instance(1, 1, 4, "tanh", 3, 5, scale=3.0, N=128), "steps": 25}
    assert BY_ID["j19.thm2"].cost(small) < 10


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_parameters_list_exactly_what_parse_reads(claim):
    """Every key of a recorded instance file is a listed parameter; dropping a required one is
    a BadInput naming it; dropping an optional one parses (to its default)."""
    params = recorded_worst(claim.id)
    listed = {p.name: p for p in claim.parameters}
    assert set(params) <= set(listed), set(params) - set(listed)
    for name, p in listed.items():
        if name not in params:
            continue
        rest = {k: v for k, v in params.items() if k != name}
        if p.required:
            with pytest.raises(BadInput, match=name):
                claim.parse(rest)
        else:
            inst = claim.parse(rest)
            assert inst.get(name, p.default) == p.default


def test_thm2_without_a_target_is_bad_input():
    params = {k: v for k, v in recorded_worst("j19.thm2").items() if k != "target"}
    with pytest.raises(BadInput, match="target"):
        BY_ID["j19.thm2"].parse(params)


# ------------------------------------------------------------------------------------------
# metamorphic relations and edge instances (checks/strategies/j19_disparity.py)


def test_scale_outputs_leaves_the_equilibrated_disparity_matrix_bit_identical():
    """Labels and output layer times 2^k: f and every residual scale exactly, the rows of H
    for (w_j, b_j) scale by 2^k and the others stay, so the row-equilibrated H (what every
    rank decision sees) is bit-for-bit the same, and F scales by exactly 4^k."""
    from theory.fourier import equilibrate_rows

    inst = network_instance(1, 2, 6, "tanh", 4, 3, scale=3.0, N=256)
    moved = scale_outputs(inst, np.random.default_rng(0))
    k = int(np.round(np.log2(moved["y"][0] / inst["y"][0])))
    assert abs(k) == 20
    H, H2 = (disparity_matrix(_space(i), _net(i), i["w"]) for i in (inst, moved))
    assert np.array_equal(equilibrate_rows(H), equilibrate_rows(H2))
    F, F2 = (truncated_objective(_space(i), _net(i), i["w"], i["X"], i["y"])
             for i in (inst, moved))
    assert F2 == np.ldexp(F, 2 * k)


def test_permute_units_permutes_the_rows_of_H_and_follows_listed_units():
    base = network_instance(1, 2, 5, "relu", 3, 9, N=256)
    inst = {**kill_units(base, [1, 3]), "dead": [1, 3]}
    moved = permute_units(inst, np.random.default_rng(4))
    net = _net(inst)
    H, H2 = (disparity_matrix(_space(i), net, i["w"]) for i in (inst, moved))
    assert sorted(map(tuple, H.tolist())) == sorted(map(tuple, H2.tolist()))
    assert sorted(dead_units(net, moved["w"])) == moved["dead"] and len(moved["dead"]) == 2
    assert BY_ID["j19.s3.3.1"].check(moved).status is Status.HOLDS


def test_permute_units_relabels_the_second_point_w2_with_the_same_permutation():
    """Corollary 1's second parameter ``w2`` is relabelled with the permutation that moved
    ``w``: unit ``j`` of the new ``w2`` is the old unit that became unit ``j`` of ``w`` (read
    off ``w`` itself), so ``f_{w2}`` is unchanged and the pair stays one pair of networks."""
    inst = network_instance(1, 2, 5, "tanh", 3, 9, N=256)
    inst["w2"] = network_instance(1, 2, 5, "tanh", 3, 10, N=256)["w"]
    moved = permute_units(inst, np.random.default_rng(4))
    assert set(moved) == set(inst)
    net = _net(inst)
    units = [unit_indices(net, j) for j in range(inst["h"])]
    source = [next(k for k in range(inst["h"]) if np.array_equal(inst["w"][units[k]],
                                                                  moved["w"][units[j]]))
              for j in range(inst["h"])]
    assert source != list(range(inst["h"]))  # a proper relabelling
    for j, k in enumerate(source):
        assert np.array_equal(moved["w2"][units[j]], inst["w2"][units[k]])
    np.testing.assert_allclose(net.forward(moved["w2"], inst["X"]),
                               net.forward(inst["w2"], inst["X"]), rtol=1e-13, atol=1e-15)


def test_permute_samples_keeps_the_sample_set():
    inst = network_instance(1, 2, 5, "relu", 4, 9, N=256)
    moved = permute_samples(inst, np.random.default_rng(1))
    pairs = sorted(zip(inst["X"][:, 0], inst["y"], strict=True))
    assert pairs == sorted(zip(moved["X"][:, 0], moved["y"], strict=True))


@pytest.mark.parametrize("K", [1, 2])
def test_rotate_circle_is_an_orthogonal_change_of_canonical_basis(K):
    """Moving every sample by t modulo 1 rotates each (cos, sin) pair of frequency j by
    2 pi j t: Phi -> Phi R with R orthogonal, so Phi's singular values are unchanged."""
    rng = np.random.default_rng(2)
    inst = {"K": K, "n": 2, "X": rng.uniform(0.1, 0.9, (4, K)), "y": rng.standard_normal(4)}
    moved = rotate_circle(inst, np.random.default_rng(3))
    space = CanonicalSpace(K, 2, 8)
    s, s2 = (np.linalg.svd(design_matrix(space, i["X"]), compute_uv=False) for i in (inst, moved))
    assert np.max(np.abs(s - s2)) <= 64 * np.finfo(float).eps * s[0]
    assert not np.array_equal(inst["X"], moved["X"])


def test_kink_at_half_edge_puts_a_relu_kink_on_the_middle_node():
    inst = apply_edge(network_instance(1, 1, 4, "relu", 2, 5, N=256), "kink-at-half")
    assert (0, 128) in relu_kinks_on_grid(_space(inst), _net(inst), inst["w"])
    assert BY_ID["j19.eq8"].check({**inst, "quadrature_H": "trapezoid"}).status \
        is Status.OUT_OF_SCOPE


def test_exact_fit_edge_puts_F_at_its_rounding_floor():
    """y = Phi c(w): F is below its rounding bound, and an Armijo run stops there at once."""
    inst = apply_edge(network_instance(1, 2, 6, "tanh", 4, 5, scale=3.0, N=256), "exact-fit")
    run = armijo_descent(_space(inst), _net(inst), inst["w"], inst["X"], inst["y"], 5, 1.0)
    assert run["stop"] == "floor" and run["eta"].size == 0 and run["F"][0] <= run["floor"]


@pytest.mark.parametrize("edge", ["round", "scale-in-down", "scale-in-up", "scale-out-down",
                                  "scale-out-up", "face-sample", "signed-pair"])
def test_edge_moves_keep_the_instance_parseable(edge):
    """Every edge stays inside the parser's domain (a round trip through JSON parses)."""
    inst = apply_edge(network_instance(2, 1, 5, "relu", 3, 6, N=48), edge)
    params = to_jsonable(inst)
    assert BY_ID["j19.s3.3.3"].parse(params)["w"].shape == inst["w"].shape


@pytest.mark.parametrize("cid", ["j19.thm2", "j19.ours2"])
def test_a_step_armijo_cannot_accept_is_out_of_scope_with_its_own_reason(cid):
    """eta0 = 1e6 on a network whose output layer is scaled by 2^40: forty halvings do not
    reach an acceptable step (the decrease asked for stays far above F's rounding), so the run
    is not an Armijo run: ``armijo`` fails and says which step, apart from rank and floor."""
    inst = apply_edge(network_instance(1, 1, 4, "tanh", 3, 5, scale=3.0, N=128), "scale-out-up")
    inst = {**inst, "model": "network", "eta0": 1e6, "steps": 1, "step_rule": "armijo",
            "target": 1.0}
    failed = BY_ID[cid].failed_hypotheses(inst)
    assert failed["armijo"] == "step 0 was not accepted by Armijo's rule within the halvings"
    assert BY_ID[cid].check(inst).status is Status.OUT_OF_SCOPE


def test_thm2_full_rank_along_the_run_reads_the_equilibrated_H():
    """A ReLU network with every weight scaled by 2^-40 has sigma_L/sigma_1 of the raw H(w_0)
    tiny (the constant row of the output bias dwarfs the others) while H keeps full rank: the
    paper's hypothesis is read on the row-equilibrated H, as every other rank decision."""
    base = network_instance(1, 2, 6, "relu", 4, 61, N=256)
    inst = {**base, "w": np.ldexp(base["w"], -40), "model": "network", "eta0": 1.0, "steps": 3,
            "step_rule": "armijo", "target": 10.0}
    run = armijo_descent(_space(inst), _net(inst), inst["w"], inst["X"], inst["y"], 3, 1.0)
    assert run["sigma_L"][0] / run["sigma_1"][0] < 1e-8 < np.min(run["s_equilibrated"])
    assert "full-rank-along-run" not in BY_ID["j19.thm2"].failed_hypotheses(inst)


def test_reflect_cube_flips_the_sine_coordinates_and_keeps_the_rank():
    """x -> 1 - x with w_j -> -w_j, b_j -> b_j + sum_k w_jk: the network's coordinates keep
    their cosines and flip their sines (an orthogonal change of basis), and H keeps its rank."""
    inst = network_instance(1, 3, 8, "relu", 3, 12, N=512)
    moved = reflect_cube(inst, np.random.default_rng(0))
    space, net = _space(inst), _net(inst)
    c, c2 = (network_coordinates(space, net, i["w"]) for i in (inst, moved))
    sign = np.array([1.0] + [1.0, -1.0] * 3)
    assert np.max(np.abs(c2 - sign * c)) <= 1e-12 * np.max(np.abs(c))
    v, v2 = (BY_ID["j19.s3.3.3"].check(i) for i in (inst, moved))
    assert v.status is v2.status is Status.HOLDS
    assert v.diagnostics["rank"] == v2.diagnostics["rank"] == 7


@pytest.mark.parametrize(("K", "act"), [(1, "tanh"), (1, "relu"), (2, "tanh")])
def test_truncated_loss_rounding_bounds_the_error_of_F(K, act):
    """e_F bounds |fl(F) - F| for F computed from the same samples with an explicit
    quadrature in extended precision (np.longdouble), at a generic point and at an exact fit
    (where F itself is at the floor)."""
    from theory.fourier import truncated_loss_rounding

    inst = network_instance(K, 1, 5, act, 3, 21, scale=3.0, N=64 if K == 1 else 32)
    for case in (inst, apply_edge(inst, "exact-fit")):
        space, net = _space(case), _net(case)
        samples = np.asarray(net.forward(case["w"], space.grid()))[:, 0]
        c = canonical_coordinates(space, samples)
        Phi = design_matrix(space, case["X"])
        F = float(np.sum((Phi @ c - case["y"]) ** 2))
        B = real_basis(space, space.grid()).astype(np.longdouble)
        wts = quadrature_weights(space).astype(np.longdouble)
        c_ld = B.T @ (wts * samples.astype(np.longdouble))
        r_ld = Phi.astype(np.longdouble) @ c_ld - case["y"].astype(np.longdouble)
        F_ld = float(np.sum(r_ld * r_ld))
        assert abs(F - F_ld) <= truncated_loss_rounding(space, Phi, case["y"], c, samples)


# --------------------------------------------------------------------------------------------
# controls, parsers and verdict formulas

CONTROL_NAMES = [(c.id, ctl.name) for c in CLAIMS for ctl in c.controls]


def _params(inst):
    """The instance-file JSON of an instance, read back."""
    return json.loads(json.dumps(to_jsonable(inst)))


def _control_params(claim_id, name):
    return _params(get(claim_id).control(name).fixed_instances()[0])






def _gamma(k):
    u = np.finfo(float).eps / 2
    return k * u / (1 - k * u)


_FIND = settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate],
                 suppress_health_check=list(HealthCheck))


def test_thm1_L_lt_T_control_is_six_distinct_samples_in_the_cube():
    """The 'L<T' control of j19.thm1 is as described: n = 2 (L = 5), T = 6 distinct samples
    in [0, 1], so L < T (kills changes to its sample grid)."""
    inst = get("j19.thm1").control("L<T").fixed_instances()[0]
    X = inst["X"][:, 0]
    assert (2 * inst["n"] + 1, X.size) == (5, 6)
    assert np.all((X > 0) & (X < 1)) and np.unique(X).size == 6


def test_s333_all_active_control_has_every_hyperplane_outside_the_cube():
    """The 'all-active' §3.3.3 control: every unit w x + b is positive on all of [0, 1] and
    the disparity matrix has rank 2 (f affine on the cube: span of 1 and x)."""
    inst = get("j19.s3.3.3").control("all-active").fixed_instances()[0]
    net = _net(inst)
    (W, b), _ = net.unflatten(inst["w"])
    assert np.all(b > 0) and np.all(W[:, 0] + b > 0)
    H = disparity_matrix(_space(inst), net, inst["w"])
    s = np.linalg.svd(H, compute_uv=False)
    assert s[1] > 1e-6 * s[0] and s[2] < 1e-10 * s[0]


def test_j19_cor1_w2_must_have_the_length_of_w():
    """j19.cor1: ``w2`` is a second weight vector of the same network, so its length is
    ``M = h(K+2)+1``; one weight more or less is a BadInput (kills dropping the length)."""
    claim = get("j19.cor1")
    params = _control_params("j19.cor1", "weight-space")
    M = params["h"] * (params["K"] + 2) + 1
    assert claim.parse(params)["w2"].size == M
    for bad in (params["w2"][:-1], params["w2"] + [0.0]):
        with pytest.raises(BadInput):
            claim.parse({**params, "w2": bad})


@pytest.mark.parametrize("claim_id", ["j19.thm2", "j19.ours2"])
def test_j19_sigmoid_product_accepts_only_K_1(claim_id):
    """The sigmoid-product model lives on the circle: ``K`` may be omitted or 1; 0 and 2 are
    BadInput (kills dropping either bound of its ``K`` check)."""
    claim = get(claim_id)
    params = _control_params("j19.thm2", "counterexample")
    assert claim.parse(params)["K"] == 1
    assert claim.parse({k: v for k, v in params.items() if k != "K"})["K"] == 1
    for K in (0, 2):
        with pytest.raises(BadInput):
            claim.parse({**params, "K": K})


def test_j19_descent_steps_and_step_rule_bounds():
    """j19 descent instances: ``steps`` in [1, 100000], ``step_rule`` defaults to armijo."""
    claim = get("j19.thm2")
    params = _control_params("j19.thm2", "counterexample")
    for steps in (1, 100_000):
        assert claim.parse({**params, "steps": steps})["steps"] == steps
    for steps in (0, 100_001):
        with pytest.raises(BadInput):
            claim.parse({**params, "steps": steps})
    assert claim.parse({k: v for k, v in params.items() if k != "step_rule"})["step_rule"] == \
        "armijo"


def test_j19_size_counts_weights_canonical_dimension_and_samples():
    """The ledger size of a j19 network instance: K, L = (2n+1)^K, M = h(K+2)+1 weights (the
    paper's M) and T samples (kills renamed keys)."""
    inst = network_instance(2, 1, 3, "tanh", 4, 5)
    size = get("j19.lem1").size(inst)
    assert size == {"K": 2, "L": 9, "M": 3 * 4 + 1, "T": 4}


def test_j19_ours1_right_side_is_four_sigma_L_sigma_T_squared_F():
    """j19.ours1: the right side is 4 sigma_L(H)^2 sigma_T(Phi)^2 F with the L-th singular
    value of the disparity matrix and the smallest of the design matrix, computed here
    directly (kills changed constants in the bound)."""
    inst = network_instance(1, 1, 4, "tanh", 2, 7, scale=3.0, N=64)
    space = CanonicalSpace(1, 1, 64)
    net = Feedforward([1, 4, 1], "tanh")
    sH = np.linalg.svd(disparity_matrix(space, net, inst["w"]), compute_uv=False)
    sT = np.linalg.svd(design_matrix(space, inst["X"]), compute_uv=False)[-1]
    v = get("j19.ours1").measure(inst)
    F = v.diagnostics["F"]
    assert F > 0
    assert v.rhs == pytest.approx(4 * sH[space.L - 1] ** 2 * sT**2 * F, rel=1e-9, abs=0)


def test_j19_s333_strategy_reaches_two_dimensional_relu_networks():
    """The §3.3.3 strategy covers K = 2 ReLU networks (one of its three documented branches),
    and what it draws is a valid instance of the claim (kills misspelt activations)."""
    claim = get("j19.s3.3.3")
    inst = find(claim.strategy("ci"), lambda i: i["K"] == 2 and i["activation"] == "relu",
                settings=_FIND)
    assert claim.parse(_params(inst))["activation"] == "relu"


def _net_params(K=1, n=1, N=None, h=2, T=1, **extra):
    """j19 network-instance parameters with ``M = h(K+2)+1`` weights and ``T`` samples."""
    N = N if N is not None else max(16 * (2 * n + 1), 8)
    return {"K": K, "n": n, "N": N, "h": h, "activation": "tanh",
            "w": [0.1] * (h * (K + 2) + 1), "X": [[0.5] * K] * T, "y": [1.0] * T, **extra}


def test_j19_space_bounds():
    """j19 canonical space: K in {1, 2}; n in [0, 32]; N >= 8, N >= 16 (2n+1) for n > 0 and
    N >= 2n+2; N <= 8192 (K = 1) or 256 (K = 2); each bound accepted, one beyond rejected."""
    net = _net_params
    for p in (net(K=1, n=0, N=8), net(K=1, n=2, N=80), net(K=1, n=2, N=8192),
              net(K=2, n=1, N=256), net(K=2, n=1, N=48), net(K=1, n=32, N=16 * 65)):
        inst = accepts("j19.lem1", p)
        assert (inst["K"], inst["n"], inst["N"]) == (p["K"], p["n"], p["N"])
    for p in (net(K=1, n=0, N=7), net(K=1, n=2, N=79), net(K=1, n=2, N=8193),
              net(K=2, n=1, N=257), net(K=2, n=1, N=47), net(K=1, n=33, N=16 * 67),
              net(K=1, n=-1, N=16), {**net(K=1), "K": 0}, {**net(K=2), "K": 3}):
        rejects("j19.lem1", p)


def test_j19_network_bounds():
    """j19 networks: h in [1, 200]; the activation one of the four; w of length h(K+2)+1;
    samples in the closed cube [0, 1]^K, one label per sample."""
    assert accepts("j19.lem1", _net_params(h=200))["h"] == 200
    assert accepts("j19.lem1", _net_params(h=1))["w"].size == 4
    for act in ACTIVATIONS:
        assert accepts("j19.lem1", {**_net_params(), "activation": act})["activation"] == act
    assert accepts("j19.lem1", {**_net_params(T=2), "X": [[0.0], [1.0]]})["X"].shape == (2, 1)
    for p in (_net_params(h=201), {**_net_params(h=1), "h": 0},
              {**_net_params(), "activation": "elu"},
              {**_net_params(), "w": [0.1] * 6}, {**_net_params(), "X": [[-1e-9]]},
              {**_net_params(), "X": [[1 + 1e-9]]}, {**_net_params(), "y": [1.0, 2.0]},
              {k: v for k, v in _net_params().items() if k != "h"}):
        rejects("j19.lem1", p)


def test_j19_cor1_eq8_parsers():
    """j19.cor1: lam in [0, 1] (ends included), space 'function' or 'weights'; j19.eq8:
    quadrature_H 'trapezoid' (default) or 'rectangle'."""
    base = {**_net_params(), "w2": [0.2] * 7, "lam": 0.5, "space": "function"}
    for lam in (0.0, 1.0):
        assert accepts("j19.cor1", {**base, "lam": lam})["lam"] == lam
    assert accepts("j19.cor1", {**base, "space": "weights"})["space"] == "weights"
    for bad in ({"lam": -0.01}, {"lam": 1.01}, {"space": "both"}):
        rejects("j19.cor1", {**base, **bad})
    assert accepts("j19.eq8", _net_params())["quadrature_H"] == "trapezoid"
    assert accepts("j19.eq8", _net_params(quadrature_H="rectangle"))["quadrature_H"] == "rectangle"
    rejects("j19.eq8", _net_params(quadrature_H="simpson"))


@pytest.mark.parametrize(("claim_id", "key"), [("j19.s3.3.1", "dead"), ("j19.s3.3.2", "pair")])
def test_j19_unit_index_lists(claim_id, key):
    """§3.3.1/§3.3.2 unit lists: a non-empty list of distinct integer indices in 0..h-1
    (integral floats accepted); h, -1, repeats, booleans, fractions and [] rejected."""
    base = _net_params(h=3)
    assert accepts(claim_id, {**base, key: [0, 2]})[key] == [0, 2]
    assert accepts(claim_id, {**base, key: [2.0, 1]})[key] == [2, 1]
    for bad in ([3], [-1], [1, 1], [True, 0], [0.5], [], "0"):
        rejects(claim_id, {**base, key: bad})
    rejects(claim_id, base)


def test_j19_descent_parser_bounds():
    """j19 descent instances: model 'network' (default) or 'sigmoid-product' (n = 0 only, 3
    weights); eta0 in [1e-12, 1e6]; target >= 0 and optional."""
    base = _net_params(eta0=1.0, steps=5)
    inst = accepts("j19.ours2", base)
    assert inst["model"] == "network" and "target" not in inst
    for eta0 in (1e-12, 1e6):
        assert accepts("j19.ours2", {**base, "eta0": eta0})["eta0"] == eta0
    assert accepts("j19.ours2", {**base, "target": 0.0})["target"] == 0.0
    sig = {"model": "sigmoid-product", "n": 0, "N": 8, "w": [0.0] * 3, "X": [[0.5]],
           "y": [1.0], "eta0": 1.0, "steps": 5}
    assert accepts("j19.ours2", sig)["w"].size == 3
    for p in ({**base, "eta0": 1e-13}, {**base, "eta0": 1.1e6}, {**base, "target": -1e-9},
              {**base, "model": "resnet"}, {**sig, "n": 1, "N": 48}, {**sig, "w": [0.0] * 4},
              {k: v for k, v in base.items() if k != "eta0"}):
        rejects("j19.ours2", p)


@pytest.mark.parametrize("space", ["function", "weights"])
def test_j19_cor1_sides_and_tolerance(space):
    """Corollary 1: the sides are Q at the combination (of the functions, or of the weights)
    and lam Q(f_1) + (1-lam) Q(f_2), with Q(f) = sum_t (f(x_t) - y_t)^2 evaluated here from
    the network directly; the tolerance is 8 gamma_{T+4} max(Q's, |y|^2)."""
    base = network_instance(1, 2, 4, "tanh", 5, 11, scale=3.0, N=128)
    w2 = network_instance(1, 2, 4, "tanh", 5, 12, scale=3.0, N=128)["w"]
    inst = {**base, "w2": w2, "lam": 0.3, "space": space}
    net = Feedforward([1, 4, 1], "tanh")
    X, y, lam = inst["X"], inst["y"], 0.3

    def f(w):
        return np.asarray(net.forward(w, X))[:, 0]

    def Q(values):
        return float(np.sum((values - y) ** 2))

    mid = lam * f(base["w"]) + (1 - lam) * f(w2) if space == "function" else \
        f(lam * base["w"] + (1 - lam) * w2)
    rhs = lam * Q(f(base["w"])) + (1 - lam) * Q(f(w2))
    v = get("j19.cor1").check(inst, drop="function-space")
    assert v.status in (Status.HOLDS, Status.VIOLATED)
    assert v.rhs == pytest.approx(rhs, rel=1e-12, abs=0)
    assert v.lhs == pytest.approx(Q(mid), rel=1e-12, abs=0)
    scale = max(rhs, Q(mid), float(y @ y))
    assert v.tolerance == pytest.approx(8 * _gamma(5 + 4) * scale, rel=1e-12, abs=0)


def test_j19_thm1_faces_minimum_loss_is_two():
    """Theorem 1's 'faces' control in closed form: x = 0 and x = 1 give equal rows of Phi, so
    the best fit to labels 1 and -1 is 0 at both and the minimum loss is 1 + 1 = 2."""
    claim = get("j19.thm1")
    inst = claim.control("faces").fixed_instances()[0]
    v = claim.check(inst, drop="distinct-on-torus")
    assert v.status is Status.VIOLATED
    assert v.lhs == pytest.approx(2.0, rel=1e-12, abs=0) and v.rhs == 0.0


@pytest.mark.parametrize(("K", "n", "T"), [(1, 0, 1), (1, 3, 7), (1, 5, 4), (2, 1, 9)])
def test_j19_thm1_fits_every_labelling_when_L_ge_T(K, n, T):
    """Theorem 1 on generic distinct samples with L = (2n+1)^K >= T (also T = L): the minimum
    canonical loss is 0 within the least-squares rounding bound, which is small against
    |y|^2 (holds, not inconclusive); the size reports K, L and T."""
    rng = np.random.default_rng(K * 100 + n * 10 + T)
    inst = {"K": K, "n": n, "X": rng.uniform(0.05, 0.95, (T, K)), "y": rng.standard_normal(T)}
    v = get("j19.thm1").check(inst)
    assert v.status is Status.HOLDS
    assert v.lhs <= v.tolerance < 1e-10 * float(inst["y"] @ inst["y"])
    # the slack is relative to the labels' energy |y|^2 (the loss at c = 0)
    assert v.relative_slack == pytest.approx(v.slack / float(inst["y"] @ inst["y"]),
                                             rel=1e-12, abs=0)
    assert v.diagnostics["size"] == {"K": K, "L": (2 * n + 1) ** K, "T": T}


def test_j19_thm1_unresolvable_near_coincident_samples_are_inconclusive():
    """K = 1, x = 0 and x = 1 - 2^-52: distinct on the circle, so Theorem 1 applies, but the
    two rows of Phi differ by far less than the solver's backward error: inconclusive, never
    a violation (the documented sigma_T <= 10 max(T, L) u sigma_1 branch)."""
    inst = {"K": 1, "n": 1, "X": np.array([[0.0], [1.0 - 2.0**-52]]), "y": np.array([1.0, -1.0])}
    v = get("j19.thm1").check(inst)
    assert v.status is Status.INCONCLUSIVE
    L, T = 3, 2
    s = np.linalg.svd(design_matrix(CanonicalSpace(1, 1, 4), inst["X"]), compute_uv=False)
    assert v.tolerance == pytest.approx(10 * max(T, L) * np.finfo(float).eps / 2 * s[0],
                                        rel=1e-12, abs=0)


def test_the_package_registers_each_sections_claims_once_in_the_papers_order():
    """Importing :mod:`checks.papers.j19_disparity` registers the claims of its section
    modules, each once, in the paper's order (§3.1, §3.2, §3.3)."""
    from checks.papers.j19_disparity import (
        section3_1,
        section3_2,
        section3_2_descent,
        section3_3,
        section3_3_3,
    )

    sections = (section3_1, section3_2, section3_2_descent, section3_3, section3_3_3)
    declared = [getattr(m, name) for m in sections for name in m.__all__]
    assert sorted(c.id for c in declared) == sorted(c.id for c in CLAIMS)
    assert len({c.id for c in CLAIMS}) == len(CLAIMS) == 12
    assert all(get(c.id) is c for c in CLAIMS)
    assert [c.id for c in CLAIMS][:2] == ["j19.thm1", "j19.cor1"]


# --------------------------------------------------------------------------------------------
# the prose of the claims typesets its formulas


def test_j19_relation_description_is_its_meaning_then_why_the_verdict_keeps():
    """Every j19 relation is described by its meaning (why the truth cannot change) followed,
    as a separate sentence after one space, by what of the verdict it keeps."""
    from checks.papers.j19_disparity._common import RELATION_MEANING

    relations = [r for claim in CLAIMS for r in claim.relations]
    assert relations
    for relation in relations:
        meaning = RELATION_MEANING[relation.name]
        assert relation.description.startswith(meaning + " "), relation.description
        why = relation.description[len(meaning) + 1:]
        assert why[:1].isupper() and why.endswith("."), why


def test_j19_forward_cost_grows_with_the_hidden_width():
    """``cost_of(0, forwards)``: a forward pass evaluates every hidden unit on every grid
    node, so its estimate grows with the width ``h`` (the same grid and samples)."""
    from checks.papers.j19_disparity._common import cost_of

    forward = cost_of(0.0, 1.0)
    narrow = network_instance(1, 1, 2, "tanh", 3, 5, N=128)
    wide = network_instance(1, 1, 16, "tanh", 3, 5, N=128)
    assert forward(narrow) < forward(wide)
    assert cost_of(0.0, 2.0)(wide) == pytest.approx(2 * forward(wide), rel=1e-12, abs=0)


def test_j19_cor1_function_space_is_never_violated_in_the_subnormal_range():
    """Corollary 1 in function space is exact convexity (Q is a convex quadratic of the
    values f(x_t)), so no verdict may be ``violated``, also when the output layer and the
    labels are scaled by ``2^-535`` (exact) and every Q lies in the subnormal range, where
    rounding is absolute rather than relative to the sides."""
    claim = get("j19.cor1")
    for seed in range(30, 40):
        base = network_instance(1, 2, 4, "tanh", 5, seed, scale=3.0, N=128)
        w2 = network_instance(1, 2, 4, "tanh", 5, seed + 100, scale=3.0, N=128)["w"]
        hidden = 4 * 2  # (W, b) of the [1, 4, 1] network; the output layer (a, c) follows
        w1 = base["w"].copy()
        w1[hidden:], w2[hidden:] = np.ldexp(w1[hidden:], -535), np.ldexp(w2[hidden:], -535)
        for lam in (0.3, 0.5, 0.7):
            inst = {**base, "w": w1, "w2": w2, "y": np.ldexp(base["y"], -535), "lam": lam,
                    "space": "function"}
            verdict = claim.check(inst)
            assert verdict.status is not Status.VIOLATED, (seed, lam, verdict.message)


def test_j19_cor1_at_the_floating_point_floor_is_inconclusive_not_holds():
    """Below ``tiny/u`` the losses have lost their relative precision, so Corollary 1 is
    decided neither way there: the weight-space control (a certified ``violated``), with the
    output layer and the labels scaled by ``2^-530`` (exact), moves every ``Q`` into the
    subnormal range and reads ``inconclusive`` naming the floor, not ``holds``."""
    claim = get("j19.cor1")
    control = next(c for c in claim.controls if c.drops)
    inst = control.instances()[0]
    assert claim.check(inst, drop=control.drops).status is Status.VIOLATED
    hidden = inst["h"] * 2  # (W, b) of the [1, h, 1] network; the output layer (a, c) follows
    w1, w2 = inst["w"].copy(), inst["w2"].copy()
    w1[hidden:], w2[hidden:] = np.ldexp(w1[hidden:], -530), np.ldexp(w2[hidden:], -530)
    tiny = {**inst, "w": w1, "w2": w2, "y": np.ldexp(inst["y"], -530)}
    verdict = claim.check(tiny, drop=control.drops)
    assert verdict.status is Status.INCONCLUSIVE, verdict.message
    assert "floating-point floor" in verdict.message


def test_j19_eq8_edge_strategy_draws_every_activation():
    """The edge strategy of eqs. (8)-(9) covers every activation the parser accepts."""
    edge = get("j19.eq8").edge_strategy("ci")
    for activation in ("relu", "tanh", "sigmoid", "softplus"):
        assert find(edge, lambda i, a=activation: i["activation"] == a,
                    settings=_FIND)["activation"] == activation


def test_j19_descent_edge_strategy_reaches_both_ends_of_the_eta0_domain():
    """The descent edge strategy draws ``eta0`` at the smallest and the largest value the
    parser accepts (a step halved or doubled from there is a BadInput)."""
    claim = get("j19.ours2")
    edge = claim.edge_strategy("ci")
    low = find(edge, lambda i: i["eta0"] < 1.0, settings=_FIND)
    high = find(edge, lambda i: i["eta0"] > 1.0, settings=_FIND)
    for inst, beyond in ((low, low["eta0"] / 2), (high, high["eta0"] * 2)):
        params = to_jsonable(inst)
        assert claim.parse(params)["eta0"] == inst["eta0"]
        with pytest.raises(BadInput):
            claim.parse({**params, "eta0": beyond})


def test_j19_ours2_tolerance_names_the_descent_gamma_whether_or_not_a_step_is_taken():
    """j19.ours2 bounds the rounding of F by ``16 gamma_{G+L+T+2 log2 G}`` times a scale, on a
    run that takes steps and on one that takes none (an exact fit, at the floor): both
    verdicts name the same gamma, with the grid size G written as in the paper."""
    claim = get("j19.ours2")
    base = network_instance(1, 1, 3, "tanh", 3, 5, scale=3.0, N=128)
    derivations = []
    for inst in (base, apply_edge(base, "exact-fit")):
        verdict = claim.check({**inst, "model": "network", "eta0": 1.0, "steps": 2,
                               "step_rule": "armijo"})
        derivations.append((verdict.diagnostics["steps"], verdict.tolerance_derivation))
    assert sorted(steps > 0 for steps, _ in derivations) == [False, True]
    for _, derivation in derivations:
        assert derivation.startswith(r"$16\gamma_{G+L+T+2\log_2G}"), derivation


def test_j19_undecided_rank_reason_states_the_FULL_threshold_and_typesets():
    """The reason given when the rank rule decides neither FULL nor DEFICIENT states the
    threshold ``s >= FULL_S`` and typesets."""
    from prose import prose_problems

    from checks.papers.j19_disparity._common import FULL_S
    from checks.papers.j19_disparity.section3_3_3 import _undecided_rank
    from theory.tex import tex_number

    reason = _undecided_rank({"s": FULL_S / 3, "rank": 4, "rank_certain": False,
                              "weyl_margin": 1e-9})
    assert r"needs $s\ge" + tex_number(FULL_S) + "$" in reason
    assert prose_problems(reason) == []


@pytest.mark.parametrize("edges", ["round", st.just("round")])
def test_edge_networks_applies_a_single_edge_given_as_a_value_or_a_strategy(edges):
    """``edge_networks(edges=...)`` with one edge (a value or a strategy, not a list) moves
    every drawn network to that edge: 'round' leaves weights that are multiples of 1/4."""
    from checks.strategies.j19_disparity import edge_networks

    drawn = list(sample_instances(edge_networks(K=1, n=1, activation="tanh", edges=edges),
                                  CI, 4))
    assert drawn
    for inst in drawn:
        np.testing.assert_array_equal(4 * inst["w"], np.round(4 * inst["w"]))


def test_eq8_residual_beyond_its_truncation_bound_is_violated_with_the_derived_tolerance(
        monkeypatch):
    """eqs. (8)-(9): where ``||r_L|| = ||grad Q - H grad_c||`` exceeds its truncation bound
    ``B`` (forced here by shifting ``grad Q`` by ``10 (B + 1)``), the verdict is violated, says
    that ``r_L`` exceeds its truncation bound, and carries the tolerance ``2 nu + 8 gamma_{TM}
    B``; ``2 nu`` is the tolerance of the same instance's unshifted verdict."""
    import checks.papers.j19_disparity.section3_2 as mod

    inst = {**network_instance(1, 2, 6, "tanh", 4, 8, scale=3.0), "quadrature_H": "trapezoid"}
    claim = BY_ID["j19.eq8"]
    plain = claim.check(inst)
    assert plain.status is Status.HOLDS
    bound = plain.diagnostics["r_L_bound"]
    true_gradient = mod.true_loss_gradient
    monkeypatch.setattr(mod, "true_loss_gradient",
                        lambda *args: true_gradient(*args) + 10 * (bound + 1))
    v = claim.check(inst)
    assert v.status is Status.VIOLATED
    assert v.message == r"the residual $r_L$ exceeds its truncation bound"
    T, M = inst["X"].shape[0], inst["w"].size
    assert v.tolerance == pytest.approx(plain.tolerance + 8 * _gamma(T * M) * bound,
                                        rel=1e-14, abs=0)
    assert v.diagnostics["r_L_bound"] == bound


def test_thm1_unresolvable_full_rank_tolerance_names_the_svd_backward_error():
    """Theorem 1, K = 1, samples x = 0 and x = 1 - 2^-52 (distinct on the circle, rows of Phi
    equal to rounding): the inconclusive verdict records where its tolerance comes from, the
    backward error of the SVD / least squares, in the ledger's derivation."""
    inst = {"K": 1, "n": 1, "X": np.array([[0.0], [1.0 - 2.0**-52]]), "y": np.array([1.0, -1.0])}
    v = get("j19.thm1").check(inst)
    assert v.status is Status.INCONCLUSIVE
    assert "backward error of the SVD / least squares" in v.tolerance_derivation


def test_theorem1_cost_follows_the_width_of_the_design_matrix():
    """Theorem 1's check solves least squares on the ``T x L`` design matrix with
    ``L = (2n+1)^K`` Fourier modes (eq. (7)): the estimate depends on ``n`` and ``K`` only
    through ``L`` (``K = 2, n = 1`` and ``K = 1, n = 4`` both give ``L = 9``) and grows with
    it (``K = 2, n = 2`` gives ``L = 25``)."""
    cost = get("j19.thm1").cost

    def sized(K, n, T=12):
        return {"X": np.zeros((T, K)), "K": K, "n": n}

    assert cost(sized(2, 1)) == cost(sized(1, 4))
    assert cost(sized(1, 4)) < cost(sized(2, 2))


def test_ours3_rank_certified_above_the_euler_bound_is_a_certified_violation(monkeypatch):
    """The second conclusion of ``j19.ours3`` (§3.3.3, ours): when every unit's relation
    holds but the SVD certifies ``rank H > min(L, h(K+1)+1)``, the rank bound is refuted, and
    the verdict is ``violated`` carrying the singular-value certificate. For ReLU the bound is
    a theorem, so the branch is reached here by a tanh network (``L = 7 > h(K+1)+1 = 5``,
    ``H`` of full row rank 7) with the Euler relations replaced by zero rows, which hold
    trivially."""
    from checks.papers.j19_disparity import section3_3_3

    inst = network_instance(1, 3, 2, "tanh", 1, 71, scale=10.0, N=256)
    s = np.linalg.svd(disparity_matrix(_space(inst), _net(inst), inst["w"]), compute_uv=False)
    # sigma_6 / sigma_1 ~ 1e-3, twelve orders above the unit roundoff: rank H >= 6 > 5
    assert s.size == 7 and s[5] > 1e-6 * s[0]
    monkeypatch.setattr(section3_3_3, "euler_relations",
                        lambda model, w: np.zeros((inst["h"], w.size)))
    verdict = get("j19.ours3").measure(inst)
    assert verdict.status is Status.VIOLATED
    assert verdict.certificate.startswith(r"$\sigma_{6}=")
    assert verdict.diagnostics["rank_bound"] == 5


def test_rotate_circle_keeps_every_sample_on_the_unit_torus():
    """The torus rotation reduces modulo 1: samples moved past 1 wrap to ``x + t - 1`` in
    ``[0, 1)``, so the rotated instance is still a training set in the cube ``[0, 1]^K``."""
    inst = {"K": 2, "X": np.array([[0.99, 0.5], [0.0, 0.999]])}
    rng = np.random.default_rng(0)
    t = np.random.default_rng(0).integers(1, 64, size=2) / 64.0  # the shift rotate_circle draws
    moved = rotate_circle(inst, rng)["X"]
    assert np.all((moved >= 0.0) & (moved < 1.0)), moved
    expected = inst["X"] + t
    expected[expected >= 1.0] -= 1.0  # exact: dyadic shifts of values in [0, 1)
    assert np.array_equal(moved, expected)


def test_network_instance_default_grid_is_512_on_the_circle_and_64_on_the_square():
    """Without ``N`` the canonical space uses a 512-point grid for ``K = 1`` and a 64-point
    grid per axis for ``K = 2``, as the docstring promises."""
    assert network_instance(1, 1, 3, "relu", 1, 0)["N"] == 512
    assert network_instance(2, 1, 3, "relu", 1, 0)["N"] == 64


def test_sigmoid_product_descent_names_every_missing_parameter_at_once():
    """The sigmoid-product descent instance needs ``n, N, w, X, y``: one message lists all that
    are missing (here both data arrays), before any other parameter is judged."""
    params = {"model": "sigmoid-product", "n": 1, "N": 64, "w": [0.0] * 3, "eta0": 1.0,
              "steps": 5}
    assert rejects("j19.ours2", params) == "missing parameter(s): X, y"
    with_x = {**params, "X": [[0.5]]}
    assert rejects("j19.ours2", with_x) == "missing parameter(s): y"


def test_dead_units_with_an_uncertain_rank_are_inconclusive_and_say_why(monkeypatch):
    """§3.3.1 with ReLU units cutting the cube predicts the rank of ``H`` exactly; when the
    rank certificate is uncertain (a singular value inside the rounding band) the verdict is
    inconclusive and its message says the rank was not certified equal to the prediction."""
    import dataclasses

    from checks.papers.j19_disparity import section3_3
    from checks.papers.j19_disparity._common import equilibrated_rank

    def uncertain(H):
        return dataclasses.replace(equilibrated_rank(H), certain=False)

    base = network_instance(1, 4, 9, "relu", 1, 77, N=512)
    inst = {**kill_units(base, [0]), "dead": [0]}
    assert BY_ID["j19.s3.3.1"].check(inst).status is Status.HOLDS
    monkeypatch.setattr(section3_3, "equilibrated_rank", uncertain)
    v = BY_ID["j19.s3.3.1"].check(inst)
    assert v.status is Status.INCONCLUSIVE
    assert v.message == "rank not certified equal to its prediction"
