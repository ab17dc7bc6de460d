"""Tests of Section 4 of Kawaguchi, Huang & Kaelbling (2019): ResNets (Theorem 3, Proposition 1,
the equality form), partial linear structure (Theorem 4) and deep linear nets (Corollary,
Proposition 2)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from parsing import accepts, range_is_exact, rejects
from prose import prose_problems

from checks.framework import Status
from checks.inputs import BadInput
from checks.papers import k19_resnet as K
from checks.profiles import get_profile
from checks.registry import get
from checks.runner import run_control
from checks.serialise import to_jsonable
from checks.strategies import k19_resnet as strat
from checks.tex import tex_number
from theory.constructions import k19_section4 as k19s4
from theory.models.deep_linear import Feedforward, deep_linear
from theory.models.resnet import ResNetShape, residual_features
from theory.numerics import gamma

IDS = ["k19.thm3", "k19.ours3", "k19.prop1", "k19.thm4", "k19.cor4", "k19.prop2"]
def _certified_local_minimum(inst) -> bool:
    """The second-order certificate of Section 4 accepts theta as a local minimum."""
    return K.local_min_certificate(inst, strat.feedforward_model).status == "local-minimum"


_FAST = settings(max_examples=2, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))


# ----------------------------------------------------------------------------- property tests

@pytest.mark.parametrize("claim_id", IDS)
def test_claim_holds_on_its_strategy(claim_id):
    claim = get(claim_id)

    @_FAST
    @given(claim.strategy("ci"))
    def run(inst):
        verdict = claim.check(inst)
        assert verdict.status is Status.HOLDS, (verdict.message, verdict.lhs, verdict.rhs)
        assert verdict.diagnostics["certificate"]["status"] == "local-minimum"

    run()


@pytest.mark.parametrize("claim_id", IDS)
def test_controls_fail(claim_id):
    claim = get(claim_id)
    assert claim.controls
    for control in claim.controls:
        result = run_control(claim, control, get_profile("ci"))
        assert result.passed, (control.name, result.counts)
        assert result.verdict["status"] == "violated"


def test_rank_deficient_branch_puts_features_in_range_JS():
    """Theorem 3's second branch: the features are far from range J(theta) but in range J_S."""
    inst = strat.build_resnet(5, 3, 2, 2, 1, 20, lifted=True)
    verdict = get("k19.thm3").check(inst)
    assert verdict.status is Status.HOLDS
    d = verdict.diagnostics
    assert d["S_size"] == 1 + inst["R"].shape[1]
    assert d["features"]["x,z"]["residual_J"] > 0.05
    assert d["features"]["x,z"]["residual_JS"] < 1e-8


def test_dz_below_dy_still_holds():
    """Our finding: the proof never uses d_y <= d_z; a lifted d_z = 1 < d_y = 2 instance
    satisfies the conclusion once that hypothesis is dropped."""
    inst = strat.build_resnet(2, 3, 2, 1, 1, 20, lifted=True)
    claim = get("k19.ours3")
    assert claim.check(inst).status is Status.OUT_OF_SCOPE
    assert claim.check(inst, drop="dy<=dz").status is Status.HOLDS


def test_singular_output_block_branch_of_theorem4():
    """A^(3) = c w^T has rank 1 < d_y = 2 and d_1 = 3 > d_2 = 2, so the h^(1) features are not
    reachable through J(theta) (the W^(3)-derivatives give only B W^(2) h^(1)) but are through
    J_S."""
    inst = strat.build_partial_linear(4, 2, 3, 2, 2, 30, lifted=True)
    verdict = get("k19.thm4").check(inst)
    assert verdict.status is Status.HOLDS
    feats = verdict.diagnostics["features"]["h(t..H)"]
    assert verdict.diagnostics["S_size"] == 1 + inst["Ws"][0].shape[0]
    assert feats["residual_J"] > 0.01 and feats["residual_JS"] < 1e-8


# ----------------------------------------------------------------------------- theory units

def _fd_jacobian(outputs, theta, X, h=1e-6):
    cols = []
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = h
        cols.append((np.asarray(outputs(theta + e, X)) - np.asarray(outputs(theta - e, X)))
                    .T.ravel() / (2 * h))
    return np.stack(cols, axis=1)


def test_resnet_outputs_against_a_loop():
    rng = np.random.default_rng(0)
    shape = ResNetShape(3, 2, 2, (4,))
    theta = rng.standard_normal(shape.d_theta)
    X = rng.standard_normal((3, 5))
    W, R, U = shape.unpack(theta)
    for i in range(5):
        z = np.tanh(np.asarray(U[1]) @ np.tanh(np.asarray(U[0]) @ X[:, i]))
        f = np.asarray(W) @ (X[:, i] + np.asarray(R) @ z)
        np.testing.assert_allclose(np.asarray(shape.outputs(theta, X))[:, i], f, rtol=1e-13)


def test_feedforward_outputs_against_a_loop():
    rng = np.random.default_rng(1)
    net = Feedforward((2, 3, 2, 1), (("tanh", "identity", "relu"), ("identity", "tanh")))
    theta = rng.standard_normal(net.d_theta)
    X = rng.standard_normal((2, 4))
    W1, W2, W3 = (np.asarray(W) for W in net.unpack(theta))
    q1 = W1 @ X
    h1 = np.vstack([np.tanh(q1[0]), q1[1], np.maximum(q1[2], 0)])
    q2 = W2 @ h1
    h2 = np.vstack([q2[0], np.tanh(q2[1])])
    np.testing.assert_allclose(np.asarray(net.outputs(theta, X)), W3 @ h2, rtol=1e-13)
    lin = deep_linear((2, 3, 3, 2))
    th = rng.standard_normal(lin.d_theta)
    A = np.linalg.multi_dot([np.asarray(W) for W in lin.unpack(th)][::-1])
    np.testing.assert_allclose(np.asarray(lin.outputs(th, X)), A @ X, rtol=1e-12)


@pytest.mark.parametrize("which", ["resnet", "feedforward"])
def test_stacked_jacobian_against_finite_differences(which):
    rng = np.random.default_rng(2)
    if which == "resnet":
        model = ResNetShape(2, 2, 2)
    else:
        model = Feedforward((2, 3, 2, 2), (("tanh",) * 3, ("identity", "tanh")))
    theta = 0.5 * rng.standard_normal(model.d_theta)
    X = rng.standard_normal((2, 4))
    J = k19s4.stacked_jacobian(model.outputs, theta, X)
    np.testing.assert_allclose(J, _fd_jacobian(model.outputs, theta, X), atol=1e-8)


def test_least_squares_value_against_lstsq():
    rng = np.random.default_rng(3)
    Phi = rng.standard_normal((3, 9))
    Y = rng.standard_normal((2, 9))
    lam = rng.uniform(0.5, 2, 9)
    out = k19s4.least_squares_value(k19s4.feature_columns(Phi, 2), Y.T.ravel(),
                                    np.repeat(lam, 2))
    ref = 0.0
    sw = np.sqrt(lam)
    for k in range(2):  # one weighted least squares per output coordinate
        c, *_ = np.linalg.lstsq((sw[:, None] * Phi.T), sw * Y[k], rcond=None)
        ref += float(np.sum(lam * (Phi.T @ c - Y[k]) ** 2))
    assert out["value"] == pytest.approx(ref, rel=1e-12)


def _resnet_certificate(inst):
    """The second-order certificate of a ResNet instance, through the public names."""
    _, theta, outputs = strat.resnet_model(inst)
    return k19s4.certify_loss(outputs, theta, *strat.data(inst), inst.get("loss", "squared"))


def _saddle():
    """The saddle control's instance of Theorem 3 (W = 0, a negative Hessian eigenvalue)."""
    (inst,) = get("k19.thm3").control("saddle").fixed_instances()
    return inst


def test_certificate_separates_minimum_and_saddle():
    assert _resnet_certificate(_saddle()).status == "not-local-minimum"
    inst = strat.build_resnet(1, 2, 1, 2, 1, 20)
    cert = _resnet_certificate(inst)
    assert cert.status == "local-minimum"
    # the gradient it reports against central differences of L
    shape, theta, outputs = strat.resnet_model(inst)
    L = k19s4.squared_objective(outputs, *strat.data(inst))
    h = 1e-6
    g = [(L(theta + h * e) - L(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    assert np.linalg.norm(g) < 1e-6 and cert.grad_norm < 1e-6


def test_resnet_perturbation_set_is_in_V():
    inst = strat.build_resnet(2, 3, 2, 3, 1, 20, lifted=True)
    shape, theta, outputs = strat.resnet_model(inst)
    S, info = k19s4.resnet_perturbation_set(shape, theta)
    assert info["rank_W"] == 1 and len(S) == 1 + shape.d_z
    X = strat.data(inst)[0]
    f0 = np.asarray(outputs(theta, X))
    for eps in (1e-3, 0.3):
        for v in S:
            assert np.linalg.norm(v) <= 1 + 1e-15
            # an independent forward pass with the moved R
            W, R, U = shape.unpack(theta + eps * v)
            f = np.asarray(W) @ (X + np.asarray(R) @ residual_features(X, U))
            assert np.max(np.abs(f - f0)) < 1e-13
    # the features enter the span only through S: plain SVD ranks
    J0 = k19s4.stacked_jacobian(outputs, theta, X)
    JS = np.hstack([k19s4.stacked_jacobian(outputs, theta + 0.1 * v, X) for v in S])
    F = k19s4.feature_columns(np.vstack([X, residual_features(X, inst["U"])]), 2)

    def rank(M):
        s = np.linalg.svd(M, compute_uv=False)
        return int(np.sum(s > 1e-9 * s[0]))

    assert rank(np.hstack([J0, F])) > rank(J0)
    assert rank(np.hstack([JS, F])) == rank(JS)


def test_partial_linear_sets_condition_3():
    """Condition 3: a linear unit of layer 1 must feed only linear units of layer 2."""
    net = Feedforward((2, 2, 2, 1), (("identity", "tanh"), ("identity", "tanh")))
    rng = np.random.default_rng(4)
    Ws = [rng.standard_normal(s) for s in net.shapes()]
    X = rng.standard_normal((2, 5))
    sets, why = k19s4.partial_linear_sets(net, net.pack(Ws), X, 0, 0.0)
    assert sets is None and "layer 1" in why
    Ws[1][1, 0] = 0.0  # unit 0 of layer 1 now feeds only the identity unit of layer 2
    sets, _ = k19s4.partial_linear_sets(net, net.pack(Ws), X, 0, 0.0)
    assert sets == [[0], [0]]
    relu = Feedforward((2, 2, 1), (("relu", "relu"),))
    Wr = [np.array([[1.0, 0.0], [-1.0, 0.0]]), np.ones((1, 2))]
    Xp = np.abs(X) + 0.1
    sets, _ = k19s4.partial_linear_sets(relu, relu.pack(Wr), Xp, 0, 1e-12)
    assert sets == [[0]]


def test_feedforward_perturbation_set_keeps_outputs():
    inst = strat.build_partial_linear(6, 3, 2, 2, 2, 30, lifted=True)
    net, theta, outputs = strat.feedforward_model(inst)
    X = strat.data(inst)[0]
    sets, _ = k19s4.partial_linear_sets(net, theta, X, 1, 0.0)
    S, info = k19s4.feedforward_perturbation_set(net, theta, 1, sets)
    assert info["complete"] and len(S) == 1 + net.widths[1]
    f0 = np.asarray(outputs(theta, X))
    for v in S:
        assert np.max(np.abs(np.asarray(outputs(theta + 0.5 * v, X)) - f0)) < 1e-13


# ----------------------------------------------------------------------------- parsing


def _resnet_params():
    return to_jsonable(strat.build_resnet(1, 2, 1, 2, 1, 20))


@pytest.mark.parametrize("mutate", [
    lambda p: p.pop("W"),
    lambda p: p.update(W=[[1.0, 2.0, 3.0]]),
    lambda p: p.update({"lambda": [-1.0] * 20}),
    lambda p: p.update(Y=[[0.0] * 19]),
    lambda p: p.update(U=[[[1.0]]]),
    lambda p: p.update(U=[]),
    lambda p: p.update(eps=2.0),
    lambda p: p["X"][0].__setitem__(0, float("nan")),
])
def test_parse_resnet_rejects(mutate):
    params = _resnet_params()
    mutate(params)
    with pytest.raises(BadInput):
        K.parse_resnet(params)


@pytest.mark.parametrize("mutate", [
    lambda p: p.update(activations=[["tanh"]]),
    lambda p: p["activations"][0].__setitem__(0, "sigmoid"),
    lambda p: p.update(t=5),
    lambda p: p["Ws"].__setitem__(1, [[1.0]]),
])
def test_parse_feedforward_rejects(mutate):
    params = to_jsonable(strat.build_partial_linear(1, 2, 2, 1, 1, 12))
    mutate(params)
    with pytest.raises(BadInput):
        K.parse_feedforward(params)


def test_parse_deep_linear_rejects():
    params = to_jsonable(strat.build_deep_linear(1, (2, 2, 1), 10))
    with pytest.raises(BadInput):
        K.parse_deep_linear({**params, "Ws": params["Ws"][:1]})
    with pytest.raises(BadInput):
        K.parse_deep_linear({**params, "Ws": [params["Ws"][0], [[1.0, 2.0, 3.0]]]})


@pytest.mark.parametrize("claim_id", IDS)
def test_json_round_trip(claim_id):
    claim = get(claim_id)
    inst = {
        "k19.thm3": lambda: strat.build_resnet(1, 3, 2, 2, 1, 20),
        "k19.ours3": lambda: strat.build_resnet(2, 3, 2, 2, 1, 20, lifted=True),
        "k19.prop1": lambda: strat.build_resnet(1, 2, 1, 2, 1, 20),
        "k19.thm4": lambda: strat.build_partial_linear(3, 3, 2, 2, 2, 30, lifted=True),
        "k19.cor4": lambda: strat.build_deep_linear(1, (3, 3, 2), 15),
        "k19.prop2": lambda: strat.build_deep_linear(2, (2, 3, 2, 3), 15),
    }[claim_id]()
    again = claim.parse(json.loads(json.dumps(to_jsonable(inst))))
    first, second = claim.check(inst), claim.check(again)
    assert first.status is Status.HOLDS
    assert second.status is first.status and second.lhs == first.lhs and second.rhs == first.rhs


def test_two_hidden_layer_residual_function():
    """z(x; u) = tanh(U_2 tanh(U_1 x)): the equality form at a certified trained minimum.
    (Seeds 0-4 of this shape stop where some coordinate of the gradient is still 1e-5 to 1e-1
    of its own scale: the coordinate-by-coordinate certificate leaves them undecided or not
    minima, where a global ||grad L|| against ||J|| ||y|| once passed them.)"""
    inst = strat.build_resnet(5, 3, 2, 2, 2, 30)
    assert len(inst["U"]) == 2
    verdict = get("k19.ours3").check(inst)
    assert verdict.status is Status.HOLDS
    assert verdict.diagnostics["certificate"]["status"] == "local-minimum"


# ------------------------------------------------- Proposition 2 with the cross-entropy

@settings(max_examples=4, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(strat.deep_linear_ce_local_minima(certified=_certified_local_minimum))
def test_prop2_and_cor4_hold_with_cross_entropy(inst):
    verdict = get("k19.prop2").check(inst)
    assert verdict.status is Status.HOLDS, (verdict.message, verdict.diagnostics)
    assert verdict.diagnostics["certificate"]["status"] == "local-minimum"
    if inst["Y"].shape[1] <= min(W.shape[0] for W in inst["Ws"][:-1]):
        assert get("k19.cor4").check(inst).status is Status.HOLDS


def test_cross_entropy_end_to_end_infimum_against_an_independent_solve():
    """inf_A sum_i lambda_i sum_k CE((A x_i)_k, y_ik) from the oracle against BFGS on an
    autograd objective in A (different code, different start), and L(theta) from the loss
    objective of the section-4 module equals F(W2 W1) computed by hand."""
    import autograd.numpy as anp
    from autograd import grad as ag_grad
    from scipy.optimize import minimize as sp_minimize

    inst = strat.build_deep_linear_ce(3, (2, 3, 2), 10)
    X, Y, lam = strat.data(inst)

    def F(a):
        Q = anp.reshape(a, (2, 2)) @ X
        return anp.sum(lam[None, :] * (anp.logaddexp(0.0, Q) - Y * Q))

    ref = sp_minimize(F, np.ones(4), jac=ag_grad(F), method="BFGS", options={"gtol": 1e-11})
    verdict = get("k19.prop2").check(inst)
    assert verdict.diagnostics["inf_A"] == pytest.approx(ref.fun, rel=1e-10)
    net = deep_linear((2, 3, 2))
    L = k19s4.loss_objective(net.outputs, X, Y, lam, "cross-entropy")
    A = inst["Ws"][1] @ inst["Ws"][0]
    assert float(L(net.pack(inst["Ws"]))) == pytest.approx(float(F(A.ravel())), rel=1e-13)
    assert verdict.lhs == pytest.approx(float(F(A.ravel())), rel=1e-13)


def test_parse_deep_linear_cross_entropy_labels_and_round_trip():
    from roundtrip import assert_json_round_trip

    inst = strat.build_deep_linear_ce(4, (2, 2, 1), 9)
    params = to_jsonable(inst)
    assert K.parse_deep_linear(params)["loss"] == "cross-entropy"
    assert_json_round_trip(get("k19.prop2"), inst)
    params["Y"][0][0] = 0.5
    with pytest.raises(BadInput):
        K.parse_deep_linear(params)
    params["loss"] = "hinge"
    with pytest.raises(BadInput):
        K.parse_deep_linear(params)


def test_theorem4_set_for_a_singular_chain_below_the_top():
    """A deep linear net (t = 0) with W1 and W2 of rank 1 and W3 invertible: P_0 = W3 W2 is
    singular (a level l = 0 <= H - 2, built since P_1 = W3 has rank d_y). The moves of W1 by
    a e_j^T, a in Null(W3 W2), leave the outputs unchanged and put the x-features, which
    range J(theta) misses, into range J_S (a structural check: theta is no local minimum)."""
    rng = np.random.default_rng(12)
    net = deep_linear((2, 2, 2, 2))
    u = rng.standard_normal((2, 1))
    Ws = [u @ rng.standard_normal((1, 2)), rng.standard_normal((2, 1)) @ rng.standard_normal(
        (1, 2)), rng.standard_normal((2, 2)) + 2 * np.eye(2)]
    X, Y, lam = rng.standard_normal((2, 12)), rng.standard_normal((2, 12)), np.ones(12)
    theta = net.pack(Ws)
    sets, why = k19s4.partial_linear_sets(net, theta, X, 0, 0.0)
    S, info = k19s4.feedforward_perturbation_set(net, theta, 0, sets)
    assert why == "ok" and info["complete"] and info["built_levels"] == [0]
    assert len(S) == 1 + 2
    cmp = k19s4.pgb_comparison(net.outputs, theta, X, Y, lam, S, strat.EPS, {"x": X})
    assert cmp.max_output_change < 1e-13
    assert cmp.features["x"]["residual_J"] > 0.01
    assert cmp.features["x"]["residual_JS"] < 1e-8


def test_prop2_forward_rounding_enters_the_tolerance():
    """The thorough run under seed 3 drew a deep linear net (layer norms up to 3e4) whose
    computed L(theta) sat 1.5e-11 below the computed inf_A, against a least-squares-only
    tolerance of 1.9e-12: L(theta) itself is rounded through the forward pass. The forward
    term 2 ||r||_Lambda sqrt(d_y sum lambda) delta + d_y sum lambda delta^2 is now in the
    tolerance; it vanishes with delta and grows with it."""
    lam = np.array([1.0, 2.0, 0.5])
    assert K.forward_loss_error(4.0, lam, 2, 0.0) == 0.0
    total = 2 * 3.5
    assert K.forward_loss_error(4.0, lam, 2, 1e-9) == (2 * np.sqrt(4.0 * total) * 1e-9
                                                       + total * 1e-18)


def test_prop2_thorough_seed3_instance_holds():
    """The instance itself (tests/data): a certified local minimum of a deep linear net that
    the least-squares-only tolerance reported as violated; the theorem holds on it."""
    import json
    from pathlib import Path

    from checks.cli import evaluate
    from checks.registry import get

    doc = json.loads((Path(__file__).parent / "data" / "k19_prop2_thorough_seed3.json").read_text())
    verdict = evaluate(get("k19.prop2"), doc["params"])
    assert verdict.status == "holds"
    assert verdict.slack < 0 and abs(verdict.slack) > 1e-12  # the gap that was misjudged


def test_resnet_shape_slices_address_W_and_R_in_theta():
    """theta = vec([W, R, u]) (ResNetShape.pack): ``w_slice`` and ``r_slice`` pick vec(W) and
    vec(R) back out, and unpack inverts pack; checked on distinct entries so that any
    misplaced coordinate shows."""
    from theory.models.resnet import ResNetShape

    shape = ResNetShape(d_x=3, d_y=2, d_z=4, u_widths=(5,))
    mats = [np.arange(a * b, dtype=float).reshape(a, b) + 100 * k
            for k, (a, b) in enumerate(shape.shapes())]
    W, R, U = mats[0], mats[1], mats[2:]
    theta = shape.pack(W, R, U)
    assert theta.dtype == np.float64 and theta.size == shape.d_theta
    np.testing.assert_array_equal(theta[shape.w_slice()], W.ravel())
    np.testing.assert_array_equal(theta[shape.r_slice()], R.ravel())
    W2, R2, U2 = shape.unpack(theta)
    for a, b in zip([W, R, *U], [W2, R2, *U2], strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ trust at the edges (Part A)

def test_cor4_at_theta_zero_states_the_condition_that_fails():
    """theta = 0 of a deep linear net with three layers has J = 0 and a zero Hessian: the
    certificate cannot decide, and the message says why (the gradient scale underflows)
    instead of a false '||grad L|| = 0 > 0'."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((2, 10))
    Y = rng.standard_normal((1, 2)) @ X + 0.1 * rng.standard_normal((1, 10))
    inst = strat.instance(X, Y, np.ones(10), Ws=[np.zeros((2, 2)), np.zeros((2, 2)),
                                                 np.zeros((1, 2))])
    verdict = get("k19.cor4").check(inst)
    assert verdict.status is Status.INCONCLUSIVE
    assert "0.00e+00 > 0.00e+00" not in verdict.message
    assert verdict.message.startswith(r"$\theta$ is not certified as a local minimum (the "
                                      r"gradient scale $\|J\|\,\|y\| = 0 < ")
    assert "(underflow): the derivatives cannot certify a local minimum" in verdict.message


@pytest.mark.parametrize("claim_id", IDS)
def test_section4_takes_samples_by_features_like_section3(claim_id):
    """One data convention for every k19 claim: X is m x d_x, Y is m x d_y, the weights are
    ``lambda``; ``lam`` is refused naming the claim and the right name, and data laid out
    features x samples is refused with a message that says which layout is expected."""
    inst = {
        "k19.thm3": lambda: strat.build_resnet(1, 3, 2, 2, 1, 20),
        "k19.ours3": lambda: strat.build_resnet(1, 3, 2, 2, 1, 20),
        "k19.prop1": lambda: strat.build_resnet(1, 2, 1, 2, 1, 20),
        "k19.thm4": lambda: strat.build_partial_linear(3, 3, 2, 2, 2, 30, lifted=True),
        "k19.cor4": lambda: strat.build_deep_linear(1, (3, 3, 2), 15),
        "k19.prop2": lambda: strat.build_deep_linear(1, (3, 3, 2), 15),
    }[claim_id]()
    params = to_jsonable(inst)
    m = len(params["lambda"])
    assert len(params["X"]) == len(params["Y"]) == m
    claim = get(claim_id)
    assert claim.parse(params)["X"].shape[0] == m
    with pytest.raises(BadInput, match=rf"^`lam` is not a parameter of {claim_id}: use "
                                       "`lambda`"):
        claim.parse({**params, "lam": params["lambda"]})
    flipped = {**params, "X": np.asarray(params["X"]).T.tolist(),
               "Y": np.asarray(params["Y"]).T.tolist()}
    with pytest.raises(BadInput, match=r"X is samples x features \(m x d_x\)"):
        claim.parse(flipped)


def test_section4_square_data_laid_out_features_by_samples_is_named():
    """With d_x = d_y the transposed X and Y agree with each other; the weights' length then
    tells the layouts apart, and the message names the expected one."""
    params = to_jsonable(strat.build_deep_linear(2, (2, 3, 2), 12))
    flipped = {**params, "X": np.asarray(params["X"]).T.tolist(),
               "Y": np.asarray(params["Y"]).T.tolist()}
    with pytest.raises(BadInput, match=r"^lambda: expected 2 weights, one per sample \(X is "
                                       r"samples x features \(m x d_x\) = 2 x 12\), got 12"):
        get("k19.cor4").parse(flipped)


def test_resnet_output_tolerance_covers_the_moves_at_small_inputs():
    """Inputs scaled by 2^-40 with R by 2^-40, W by 2^40 and U_1 by 2^40 (the same outputs)
    leave ||R|| far below eps: the outputs at the moved points R + eps a e_j^T are then of
    size ||W|| eps, and the output tolerance must cover them, so the proof's S stays in V
    (the verdict is not 'S not inside V')."""
    inst = strat.build_resnet(5, 3, 2, 2, 1, 20, lifted=True)
    moved = strat._scaled_inputs(inst, -40)
    np.testing.assert_allclose(*(np.asarray(strat.resnet_model(i)[2](strat.resnet_model(i)[1],
                                                                   strat.data(i)[0]))
                                 for i in (inst, moved)), rtol=1e-12)
    verdict = get("k19.thm3").check(moved)
    assert verdict.status is not Status.VIOLATED
    assert "not inside V" not in verdict.message
    assert verdict.diagnostics["max_output_change"] <= verdict.diagnostics["output_tolerance"]


def test_certificate_overflow_is_undecided_with_its_reason():
    """Weights lambda at 2^1000 make ||grad L|| overflow (its entries stay finite, and the
    certificate, which tests them one by one, still decides): the verdict is inconclusive and
    names the overflow, instead of 'not a local minimum: ||grad L|| = inf'."""
    inst = strat.build_deep_linear(1, (3, 3, 2), 15)
    huge = {**inst, "lambda": np.ldexp(inst["lambda"], 1000)}
    verdict = get("k19.cor4").check(huge)
    assert verdict.status is Status.INCONCLUSIVE
    assert "overflow" in verdict.message and "not a local minimum" not in verdict.message


@pytest.mark.parametrize("relation", ["signed_permutation_of_inputs", "permute_hidden_units",
                                      "scale_targets"])
@pytest.mark.parametrize("which", ["resnet", "partial-linear", "deep-linear"])
def test_section4_relations_keep_the_outputs(relation, which):
    """The Section 4 relations change the weights but keep every output f(x_i; theta) (scaled
    by 2^k, with the targets, for scale_targets)."""
    inst = {"resnet": lambda: strat.build_resnet(1, 3, 2, 2, 1, 20),
            "partial-linear": lambda: strat.build_partial_linear(3, 3, 2, 2, 2, 30, lifted=True),
            "deep-linear": lambda: strat.build_deep_linear(1, (3, 3, 2), 15)}[which]()
    moved = getattr(strat, relation)(inst, np.random.default_rng(3))
    model = strat.resnet_model if which == "resnet" else strat.feedforward_model

    def outputs(i):
        _, theta, out = model(i)
        return np.asarray(out(theta, strat.data(i)[0]))

    f0, f1 = outputs(inst), outputs(moved)
    assert not np.array_equal(model(inst)[1], model(moved)[1])  # the weights moved
    if relation == "scale_targets":
        k = np.log2(np.max(np.abs(moved["Y"])) / np.max(np.abs(inst["Y"])))
        np.testing.assert_allclose(moved["Y"], np.ldexp(inst["Y"], int(k)), rtol=0)
        f0 = np.ldexp(f0, int(k))
    np.testing.assert_allclose(f1, f0, rtol=1e-12, atol=1e-12 * np.max(np.abs(f0)))


def _k19_instances():
    from checks.strategies import k19_pgb as S3

    lifted = S3.build_lintop_lifted(3, 2, 3, 2, 2, 30)
    return {
        "k19.asm2": S3.relu_critical_point(0), "k19.thm1": S3.relu_critical_point(0),
        "k19.ours1": S3.relu_critical_point(0), "k19.lem2": S3.relu_critical_point(0),
        "k19.ex1": S3.round_basis_point(False),
        "k19.ex3": S3.build_planted("skip2", (2, 3, 2, 1), 5, 12, True),
        "k19.thm2": lifted, "k19.ours2": lifted, "k19.lem3": lifted,
        "k19.lem1": S3._with_second_set(lifted, 1, 2), "k19.ex2": S3.example2_edge(1, 0),
        "k19.thm3": strat.build_resnet(1, 3, 2, 2, 1, 20),
        "k19.ours3": strat.build_resnet(1, 3, 2, 2, 1, 20),
        "k19.prop1": strat.build_resnet(1, 2, 1, 2, 1, 20),
        "k19.thm4": strat.build_partial_linear(3, 3, 2, 2, 2, 30, lifted=True),
        "k19.cor4": strat.build_deep_linear(1, (3, 3, 2), 15),
        "k19.prop2": strat.build_deep_linear(1, (3, 3, 2), 15),
    }


def test_k19_parameters_name_every_key_the_parser_reads():
    """Each k19 claim's Parameter list names exactly the keys of its instances; dropping a
    required one is a BadInput naming it, dropping an optional one parses to its default."""
    from checks.registry import all_claims

    instances = _k19_instances()
    assert sorted(instances) == sorted(c.id for c in all_claims("k19"))
    for claim_id, inst in instances.items():
        claim = get(claim_id)
        params = to_jsonable(inst)
        names = [p.name for p in claim.parameters]
        assert set(params) <= set(names), (claim_id, set(params) - set(names))
        assert {p.name for p in claim.parameters if p.required} <= set(params), claim_id
        for p in claim.parameters:
            rest = {k: v for k, v in params.items() if k != p.name}
            if p.required:
                with pytest.raises(BadInput, match=rf"(?<!\w){p.name}(?!\w)"):
                    claim.parse(rest)
            else:
                assert claim.parse(rest).get(p.name, p.default) == p.default, (claim_id, p)


def test_certificate_reason_states_the_inequality_that_decided():
    """At the saddle of the ResNet control the certificate fails on the equilibrated Hessian,
    at a trained point it holds on every gradient coordinate and the Hessian: the reason states
    that inequality, typeset, with the certificate's own numbers, and it is true as printed."""
    saddle = get("k19.thm3").controls[1].fixed_instances()[0]
    shape, theta, outputs = strat.resnet_model(saddle)
    cert = k19s4.certify_loss(outputs, theta, *strat.data(saddle), "squared")
    assert cert.status == "not-local-minimum"
    assert cert.reason == (
        rf"$\lambda_{{\min}}(D^{{-1/2}}\nabla^2L\,D^{{-1/2}}) = {tex_number(cert.hess_min_eig)} "
        rf"< -{tex_number(cert.hess_far_tol)}$")
    assert cert.hess_min_eig < -cert.hess_far_tol < -cert.hess_tol
    inst = strat.build_deep_linear(1, (3, 3, 2), 15)
    net, theta, outputs = strat.feedforward_model(inst)
    cert = k19s4.certify_loss(outputs, theta, *strat.data(inst), "squared")
    assert cert.status == "local-minimum"
    m = re.match(r"\$\|\\partial L/\\partial\\theta_\{\d+\}\| = (\S+) \\le (\S+)\$ \(the largest "
                 r"relative to its scale\) and \$\\lambda_\{\\min\}\(D\^\{-1/2\}\\nabla\^2L\\,"
                 r"D\^\{-1/2\}\) \\ge -(\S+)\$\Z", cert.reason)
    assert m is not None, cert.reason
    assert m.group(2) == tex_number(cert.grad_tol) and m.group(3) == tex_number(cert.hess_tol)
    assert prose_problems(cert.reason) == []


def test_branch_and_partial_linear_texts_typeset_every_case():
    """Every branch of the proofs' S (Appendices A.4, A.5) and the reason for a missing partial
    linear structure come out as renderable math; an unknown text passes through unchanged."""
    for branch in ("rank(W) = d_y: S = {0}",
                   "rank(W) < d_y and Null(W) = {0}: no construction, S = {0}",
                   "rank(W) < d_y: S = {0} u {R += eps a e_j^T, a in Null(W)}",
                   "no partial linear structure: S = {0}", "S = {0}"):
        assert not prose_problems(K.branch_text({"branch": branch})), branch
    levels = K.branch_text({"branch": "P_l singular: S = ...", "built_levels": [0, 2]})
    assert not prose_problems(levels) and r"l\in\{0, 2\}" in levels
    assert K.branch_text({}) is None
    assert K.branch_text({"branch": "a new case"}) == "a new case"
    why = "layer 2 has 1 admissible linear units < d_y = 3"
    assert K.partial_linear_text(why) == "layer $2$ has $1 < d_y = 3$ admissible linear units"
    assert K.partial_linear_text("ok") == "ok"










# --------------------------------------- contracts: scales, tolerances, parsers, strategy

def test_resnet_scale_uses_spectral_norms():
    """``resnet_output_scale = ||W||_2 (max_i ||x_i|| + (||R||_2 + eps) sqrt(d_z))``
    (spectral norms, its docstring) and ``feedforward_output_scale = prod ||W_l||_2 max_i
    ||x_i||``. With a rank-2 ``R`` (spectral != Frobenius) the formulas are recomputed; kills
    norm-order and arithmetic mutants."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 3))  # samples x features: x_i is a row
    W = rng.standard_normal((2, 3))
    R = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    inst = {"X": X, "W": W, "R": R, "eps": 0.25}
    xmax = np.max(np.linalg.norm(X, axis=1))
    expect = np.linalg.norm(W, 2) * (xmax + (np.linalg.norm(R, 2) + 0.25) * np.sqrt(2))
    assert K.resnet_output_scale(inst) == pytest.approx(expect, rel=1e-14, abs=0)
    assert np.linalg.norm(R, 2) < 0.99 * np.linalg.norm(R)
    Ws = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    expect_ff = np.linalg.norm(Ws[0], 2) * np.linalg.norm(Ws[1], 2) * xmax
    assert K.feedforward_output_scale({"X": X, "Ws": Ws}) == pytest.approx(expect_ff, rel=1e-14,
                                                                          abs=0)


def test_section4_output_tolerance_and_relu_margin():
    """``output_tolerance(scale, n_layers, width) = 2 n_layers gamma_width scale`` and the ReLU
    margin ``2 (H + 1) gamma_{max fan-in} prod ||W_l||_2 max_i ||x_i||`` (forward rounding).
    Kills arithmetic mutants of both."""
    assert K.output_tolerance(3.0, 4, 5).value == pytest.approx(
        2 * 4 * gamma(5) * 3.0, rel=1e-15, abs=0)
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 6))  # m = 4 samples; the largest fan-in is d_x = 6
    Ws = [rng.standard_normal((3, 6)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))]
    scale = math.prod(np.linalg.norm(W, 2) for W in Ws) * np.max(np.linalg.norm(X, axis=1))
    assert K.relu_margin({"X": X, "Ws": Ws}) == pytest.approx(
        2 * 3 * gamma(6) * scale, rel=1e-14, abs=0)


def test_section4_comparison_tolerance_formula():
    """``comparison_tolerance = 4 gamma_{rows * #features} kappa(F) ||y||_Lambda^2 +
    (lemma3 / sigma_min(F))^2 + forward`` (rounding of the two least squares, Lemma 3's
    approximate-critical-point term, the forward rounding of L), with every input distinct so
    that swapped or mis-scaled terms show. Kills arithmetic mutants of the formula."""
    from types import SimpleNamespace

    cmp = SimpleNamespace(rows=6, features={"x": {}, "x,z": {}}, target_norm=3.0)
    feat = {"sigma_max": 5.0, "sigma_min": 0.5, "lemma3": 7e-3}
    tol = K.comparison_tolerance(cmp, feat, 0.25)
    expect = 4 * gamma(12) * 10.0 * 9.0 + (7e-3 / 0.5) ** 2 + 0.25
    assert tol.value == pytest.approx(expect, rel=1e-14, abs=0)
    still = {**feat, "lemma3": 0.0}
    assert K.comparison_tolerance(cmp, still).value == pytest.approx(
        4 * gamma(12) * 10.0 * 9.0, rel=1e-14, abs=0)
    one = SimpleNamespace(rows=6, features={"x": {}}, target_norm=3.0)
    assert K.comparison_tolerance(one, still).value == pytest.approx(
        4 * gamma(6) * 10.0 * 9.0, rel=1e-14, abs=0)


def test_section4_comparison_tolerance_is_float64_without_deprecated_numpy_calls():
    """The tolerance of Theorems 3 and 4 guards ``sigma_min(F) = 0`` with the smallest
    normal float64 (a finite tolerance, no division by zero) and asks NumPy for it by the
    float64 type: no deprecation warning (``np.finfo(None)`` warns and is to become an
    error)."""
    import warnings
    from types import SimpleNamespace

    cmp = SimpleNamespace(rows=2, features={"x": {}}, target_norm=1.0)
    feat = {"sigma_max": 1.0, "sigma_min": 0.0, "lemma3": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tol = K.comparison_tolerance(cmp, feat)
    assert tol.value == pytest.approx(4 * gamma(2) / np.finfo(np.float64).tiny, rel=1e-14,
                                      abs=0)


def test_resnet_strategy_profile_sizes(monkeypatch):
    """The ResNet strategy draws one tanh layer and ``m = 20`` under the ``ci`` profile, and
    depths ``(1, 2)``, ``m`` in ``(20, 40)`` otherwise; explicit keywords win. Kills mutants
    of the profile test."""
    seen = []
    monkeypatch.setattr(strat, "resnet_local_minima", lambda **kw: seen.append(kw))
    strategy = get("k19.thm3").strategy
    strategy("ci")
    strategy("thorough")
    strategy("ci", depth=2)
    assert (seen[0]["depth"], seen[0]["m"]) == (1, 20)
    assert (seen[1]["depth"], seen[1]["m"]) == ((1, 2), (20, 40))
    assert seen[2]["depth"] == 2
    assert all(kw["certified"] is seen[0]["certified"] for kw in seen)
    saddle = get("k19.thm3").controls[1].fixed_instances()[0]
    assert seen[0]["certified"](saddle) is False


def test_thm4_measure_on_a_fresh_instance():
    """``measure`` of Theorem 4 called directly on an instance whose certificate is not yet
    cached (no hypothesis ran first) builds the certificate itself, from the feedforward
    model: its loss is ``sum_i lambda_i ||W2 sigma(W1 x_i) - y_i||^2`` with the per-unit
    activations, recomputed here by hand. Kills mutants of the certificate's model (the cache
    hides them from every test that runs the hypotheses first)."""
    inst = get("k19.thm4").parse(_ff_params())
    verdict = get("k19.thm4").measure(inst)
    W1, W2 = inst["Ws"]
    pre = W1 @ inst["X"].T
    hidden = np.vstack([pre[0], np.tanh(pre[1]), np.maximum(pre[2], 0.0)])
    L = float(np.sum(inst["lambda"] * np.sum((W2 @ hidden - inst["Y"].T) ** 2, axis=0)))
    cert = verdict.diagnostics["certificate"]
    assert cert["loss"] == pytest.approx(L, rel=1e-12, abs=0)
    assert cert["status"] == "not-local-minimum"  # an arbitrary point, not trained



def _resnet_params(**over) -> dict:
    rng = np.random.default_rng(9)
    d_x, d_y, d_z, m = 2, 1, 2, 3
    return {"X": rng.standard_normal((d_x, m)).T.tolist(),
            "Y": rng.standard_normal((d_y, m)).T.tolist(),
            "lambda": [1.0, 0.5, 2.0], "W": rng.standard_normal((d_y, d_x)).tolist(),
            "R": rng.standard_normal((d_x, d_z)).tolist(),
            "U": [rng.standard_normal((d_z, d_x)).tolist()], **over}


def _ff_params(**over) -> dict:
    rng = np.random.default_rng(10)
    return {"X": rng.standard_normal((2, 3)).T.tolist(),
            "Y": rng.standard_normal((1, 3)).T.tolist(), "lambda": [1.0, 1.0, 1.0],
            "Ws": [rng.standard_normal((3, 2)).tolist(), rng.standard_normal((1, 3)).tolist()],
            "activations": [["identity", "tanh", "relu"]], "t": 1, **over}


def test_section4_parsers_ranges_and_defaults():
    """Section 4: ``eps`` in ``[1e-8, 1]`` defaulting to the strategies' ``EPS = 1e-2``; Theorem
    4's ``t`` in ``[0, H]``; deep-linear instances carry no ``loss`` key for the squared loss
    (the default) and need 0/1 labels for the cross-entropy; weights ``lambda > 0``. Kills
    boundary and default mutants of the three parsers."""
    for claim_id, params in (("k19.thm3", _resnet_params()), ("k19.thm4", _ff_params())):
        assert accepts(claim_id, params)["eps"] == strat.EPS == 1e-2
        range_is_exact(claim_id, params, "eps", (1e-8, 1.0), (0.99e-8, 1.0 + 1e-9))
        assert rejects(claim_id, {**params, "lambda": [1.0, 0.0, 1.0]}).startswith("lambda")
    range_is_exact("k19.thm4", _ff_params(), "t", (0, 1), (-1, 2))
    rejects("k19.thm4", _ff_params(activations=[["identity", "tanh"]]))
    rejects("k19.thm4", _ff_params(activations=[["identity", "tanh", "softplus?"]]))
    rejects("k19.thm3", _resnet_params(U=[np.eye(2, 3).tolist()]))  # 3 units != d_z = 2
    dl = {k: v for k, v in _ff_params().items() if k not in ("activations", "t")}
    assert "loss" not in accepts("k19.cor4", dl)
    assert "loss" not in accepts("k19.cor4", {**dl, "loss": "squared"})
    labels = {**dl, "Y": [[0.0], [1.0], [1.0]]}
    assert accepts("k19.cor4", {**labels, "loss": "cross-entropy"})["loss"] == "cross-entropy"
    rejects("k19.cor4", {**dl, "loss": "cross-entropy"})
    rejects("k19.cor4", {**dl, "Ws": dl["Ws"][1:]})  # no hidden layer


def test_resnet_cost_grows_with_the_output_weights():
    """The Section 4 cost estimate counts every block of theta: at fixed ``R``, ``U`` and data
    a wider output matrix ``W`` costs more (the Hessian is ``d_theta`` wide)."""
    def sized(n_w):
        return {"W": np.zeros((2, n_w)), "R": np.zeros((2, 3)), "U": [np.zeros((2, 3))],
                "Y": np.zeros((20, 2)), "X": np.zeros((20, 3))}

    cost = get("k19.thm3").cost
    assert cost(sized(2)) < cost(sized(40))


def test_cross_entropy_deep_linear_weights_split_each_c_into_p_and_one_minus_p():
    """:func:`build_deep_linear_ce`: each input appears twice with weights ``c p`` and
    ``c (1 - p)``, so the pair's weights sum to ``c`` in ``[0.5, 1.5]`` and the first takes the
    share ``p`` in ``[0.2, 0.8]``."""
    inst = strat.build_deep_linear_ce(3, (2, 3, 2), 10)
    m0 = inst["X"].shape[0] // 2
    np.testing.assert_array_equal(inst["X"][:m0], inst["X"][m0:])
    lam = inst["lambda"]
    c = lam[:m0] + lam[m0:]
    p = lam[:m0] / c
    assert np.all((0.5 <= c) & (c <= 1.5)), c
    assert np.all((0.2 <= p) & (p <= 0.8)), p


def test_deep_linear_sample_weights_vary_within_their_range():
    """:func:`train_deep_linear` draws the weights ``lambda_i`` from ``[0.5, 1.5]``: all in the
    range and not all equal (a weighted, not a uniformly scaled, least squares)."""
    lam = strat.train_deep_linear(1, (3, 3, 2), 15)["lambda"]
    assert np.all((0.5 <= lam) & (lam <= 1.5))
    assert np.ptp(lam) > 0


@settings(max_examples=3, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(strat.resnet_edges())
def test_resnet_edges_without_d_y_one_are_multi_output(inst):
    """``resnet_edges()`` (Theorem 3 and its equality form) is built on ResNets with
    ``d_y = 2``; the ``d_y = 1`` base belongs to ``resnet_edges(1)`` (Proposition 1)."""
    assert inst["Y"].shape[1] == 2


def test_resnet_edges_can_draw_the_rank_deficient_output_matrix():
    """``resnet_edges()`` includes, as its docstring says, a trained ResNet whose output matrix
    ``W`` is rank-deficient (the lifted ``W = c w^T`` of the second branch of Theorem 3's
    proof), beside the full-rank one."""
    from hypothesis import find

    def rank_deficient(inst):
        return np.linalg.matrix_rank(inst["W"]) < min(inst["W"].shape)

    inst = find(strat.resnet_edges(), rank_deficient,
                settings=settings(max_examples=30, database=None, deadline=None, derandomize=True,
                                  suppress_health_check=list(HealthCheck)))
    assert inst["Y"].shape[1] == 2 and np.linalg.matrix_rank(inst["W"]) == 1


@settings(max_examples=2, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(strat.resnet_local_minima(d_x=3, d_y=2, d_z=2, depth=1, m=20, lifted=True))
def test_resnet_strategy_with_lifted_true_draws_rank_one_output_weights(inst):
    """``lifted=True`` with ``d_y = 2``: every drawn local minimum has the lifted output
    matrix ``W = c w^T`` (rank one, the rank-deficient branch of Theorem 3)."""
    assert np.linalg.matrix_rank(inst["W"]) == 1


def test_second_order_cost_grows_with_the_rows_of_y_and_the_parameter_count():
    """The cost estimate of a Section 4 check (the autograd Hessian, ``m d_y d_theta^2``) is
    increasing in the rows of ``Y`` at a fixed parameter count, and in ``d_theta``."""
    Ws = [np.ones((2, 3)), np.ones((1, 2))]
    small, tall = ({"Ws": Ws, "Y": np.zeros((rows, 4))} for rows in (1, 50))
    assert K.cost_second_order(tall) > K.cost_second_order(small)
    wider = {"Ws": [np.ones((4, 3)), np.ones((1, 4))], "Y": np.zeros((1, 4))}
    assert K.cost_second_order(wider) > K.cost_second_order(small)


def test_scale_targets_draws_both_shrinking_and_growing_powers_of_two():
    """``scale_targets`` draws ``k`` from [-20, 20]: over a few generators the scaled weights
    (the cross-entropy case) come out both smaller and larger than the originals, always by an
    exact power of two within that range."""
    lam = np.array([1.0, 3.0])
    ks = set()
    for seed in range(40):
        out = strat.scale_targets({"loss": "cross-entropy", "lambda": lam},
                                  np.random.default_rng(seed))
        k = math.log2(out["lambda"][0] / lam[0])
        assert k == int(k) and -20 <= k <= 20
        ks.add(int(k))
    assert min(ks) < 0 < max(ks)


@pytest.mark.parametrize("eps", [1e-8, 1.0])
def test_resnet_edges_can_draw_each_named_eps(eps):
    """``resnet_edges(1)`` can draw, as its docstring says, the instance with ``eps`` at 1e-8
    and the one at 1 (the two ends of Proposition 1's margin)."""
    from hypothesis import find

    inst = find(strat.resnet_edges(1), lambda i: i.get("eps") == eps,
                settings=settings(max_examples=50, database=None, deadline=None, derandomize=True,
                                  suppress_health_check=list(HealthCheck)))
    assert inst["eps"] == eps
