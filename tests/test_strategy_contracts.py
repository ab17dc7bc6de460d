"""The documented contracts of the public strategies in :mod:`checks.strategies` (students
reuse them): argument errors name the bad argument and sit exactly at the documented bounds,
defaults are the documented ones, and the building blocks return what their docstrings say."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from checks.strategies import (
    feedforward,
    hm17_linear,
    hm17_relu,
    j19_disparity,
    k19_pgb,
    k19_resnet,
    k22_alignment,
    k22_ee,
    linalg,
)
from checks.strategies.feedforward import feedforward_instances
from checks.strategies.linalg import matrices_with_spectrum, spectral_matrix
from theory.constructions import k19_section4 as k19s4
from theory.linalg import certified_rank
from theory.numerics import unit_roundoff


def draws(strategy, n=2):
    """The first ``n`` examples Hypothesis generates (derandomised, no shrinking)."""
    out = []

    @settings(max_examples=n, database=None, deadline=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(x):
        out.append(x)

    collect()
    return out


# ------------------------------------------------------------------- integer arguments

# (strategy function, argument, its documented lower bound)
INT_ARGUMENTS = [
    *[(f, a, 1) for f in (hm17_linear.residual_instances, hm17_linear.ball_instances,
                          hm17_linear.near_identity_instances,
                          hm17_linear.gradient_descent_instances,
                          hm17_linear.standard_instances, hm17_linear.ball_edge_instances)
      for a in ("d", "ell")],
    *[(f, a, lo) for f in (hm17_linear.target_instances, hm17_linear.spd_target_instances)
      for a, lo in (("d", 1), ("ell_extra", 0))],
    (hm17_linear.orthogonal_2x2, "q", 1),
    (hm17_linear.normal_matrices, "d", 1),
    (hm17_linear.normal_matrix_edges, "d", 1),
    (hm17_linear.matrix_pairs, "d", 1),
    (hm17_linear.matrix_pairs, "extra_rows", 0),
    *[(k22_ee.gate_instances, a, 1) for a in ("n", "m_Hm1", "m_H", "m_y")],
    *[(k22_ee.safe_exploration_instances, a, 1) for a in ("n", "m_x", "hidden")],
    *[(k22_ee.exploitation_instances, a, 1) for a in ("n", "hidden", "m_y", "tau", "K")],
    *[(k19_resnet.deep_linear_local_minima, a, 1) for a in ("d_x", "d_y", "H", "m")],
]


@pytest.mark.parametrize(("strategy", "name", "lo"), INT_ARGUMENTS,
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_integer_arguments_are_checked_at_their_documented_bound(strategy, name, lo):
    """An integer argument equal to its lower bound is accepted; one below it, or a bool, is
    ``InvalidArgument`` raised when the strategy is built, with a message that starts with the
    argument's own name. Kills mutants of the bounds and of the names in the messages."""
    strategy(**{name: lo})  # accepted
    for bad in (lo - 1, True):
        with pytest.raises(InvalidArgument) as info:
            strategy(**{name: bad})
        assert re.match(rf"{re.escape(name)}\b", str(info.value)), str(info.value)


def test_hm17_scaling_relation_multiplies_by_two_to_every_nonzero_power_up_to_twenty():
    """``hm17_linear.scaling`` multiplies by ``c = 2^k``, ``k`` uniform in ``[-20, 20]``
    without 0: over 2000 seeded draws every such exponent appears, and no other."""
    relation = hm17_linear.scaling("U scaled", "", {"U": 1})
    rng = np.random.default_rng(0)
    exponents = {math.log2(relation.transform({"U": np.ones((1, 1))}, rng)["U"][0, 0])
                 for _ in range(2000)}
    assert exponents == {float(k) for k in range(-20, 21) if k != 0}


@pytest.mark.parametrize("name", ["rows", "cols"])
def test_matrix_dimensions_are_positive(name):
    """``matrices_with_spectrum``'s ``rows`` and ``cols`` accept 1 and reject 0 with a message
    naming the argument."""
    linalg.matrices_with_spectrum(**{name: 1})
    with pytest.raises(InvalidArgument, match=rf"^{name}=0 must be a positive int"):
        linalg.matrices_with_spectrum(**{name: 0})


def test_spectral_matrix_rank_outside_its_range_names_the_range():
    """``rank`` must lie in ``[0, min(p, q)]``: both ends are accepted, the values outside
    raise ``InvalidArgument`` naming ``rank`` and ``min(p, q)``."""
    for rank in (0, 2):
        inst = linalg.spectral_matrix(0, 2, 3, rank, 10.0)
        assert np.linalg.matrix_rank(inst["A"]) == rank
    for rank in (-1, 3):
        with pytest.raises(InvalidArgument) as info:
            linalg.spectral_matrix(0, 2, 3, rank, 10.0)
        assert str(info.value) == f"rank={rank} must lie in [0, min(p, q) = 2]"


# ------------------------------------------------------------------------- hm17_linear


@pytest.mark.parametrize("d", range(1, 7))
def test_minus_one_orthogonal_has_eigenvalue_minus_one_of_even_multiplicity(d):
    """``_minus_one_orthogonal(rng, d)`` is orthogonal with eigenvalue ``-1`` of multiplicity
    ``2 floor(d / 2)`` and ``+1`` otherwise (its docstring: the stress family of targets)."""
    Q = hm17_linear._minus_one_orthogonal(np.random.default_rng(d), d)
    np.testing.assert_allclose(Q @ Q.T, np.eye(d), atol=1e-12)
    eig = np.linalg.eigvalsh((Q + Q.T) / 2)  # Q is symmetric: an involution
    np.testing.assert_allclose(Q, Q.T, atol=1e-12)
    assert np.sum(np.isclose(eig, -1.0)) == 2 * (d // 2)
    assert np.sum(np.isclose(eig, 1.0)) == d - 2 * (d // 2)


# ----------------------------------------------------------------------------- k19_pgb


def test_random_points_accepts_its_four_families_and_nothing_else():
    """``random_points`` draws untrained points of tanh2, skip2, tanh2-nobias and lintop (the
    family is recorded in the instance); any other family is ``InvalidArgument``."""
    widths = {"tanh2": (2, 2, 1), "skip2": (2, 2, 2, 1), "tanh2-nobias": (2, 2, 1),
              "lintop": (2, 3, 2, 2)}
    for family, w in widths.items():
        (inst,) = draws(k19_pgb.random_points(family, w, extra=2), 1)
        assert inst["family"] == family
    with pytest.raises(InvalidArgument, match="family='relu2'"):
        k19_pgb.random_points("relu2", (2, 2, 1))


def test_classifier_points_take_one_loss_name_or_several():
    """``loss`` is one name or a tuple of names among the classification losses; unknown names
    (or an empty tuple) are ``InvalidArgument``."""
    for loss in (*k19_pgb._CLASS_LOSSES, k19_pgb._CLASS_LOSSES):
        k19_pgb.tanh2_classifier_points(loss=loss)
    for bad in ("squared", (), ("logistic", "squared")):
        with pytest.raises(InvalidArgument, match="loss="):
            k19_pgb.tanh2_classifier_points(loss=bad)


# -------------------------------------------------------------------------- k19_resnet


def test_deep_linear_widths_default_to_at_most_five():
    """Hidden widths lie in ``[min_width, max_width]`` with ``max_width = 5`` by default: at
    ``min_width = 5`` every hidden width is 5, and ``min_width = 6`` exceeds the default."""
    for inst in draws(k19_resnet.deep_linear_local_minima(d_x=2, d_y=1, H=2, m=6,
                                                          min_width=5), 1):
        assert [W.shape[0] for W in inst["Ws"][:-1]] == [5, 5]
    with pytest.raises(InvalidArgument, match="exceeds max_width = 5"):
        draws(k19_resnet.deep_linear_local_minima(d_x=2, d_y=1, H=1, m=6, min_width=6), 1)


def _certified(outputs, theta, inst):
    return k19s4.certify_squared(outputs, theta, *k19_resnet.data(inst)).status


def test_build_resnet_returns_a_certified_local_minimum_of_the_documented_shape():
    """``build_resnet`` (through ``train_resnet`` and ``_first_certified``) returns ``X`` of
    shape ``m x d_x``, ``Y`` of ``m x d_y``, weights of the ResNet (4.1) shapes, and a point
    that the second-order certificate calls a local minimum; ``lifted=True`` gives
    ``rank W = 1 < d_y``."""
    d_x, d_y, d_z, m = 3, 2, 3, 7
    for lifted in (False, True):
        inst = k19_resnet.build_resnet(1234567, d_x, d_y, d_z, 1, m, lifted)
        assert inst["X"].shape == (m, d_x) and inst["Y"].shape == (m, d_y)
        assert inst["W"].shape == (d_y, d_z) and inst["lambda"].shape == (m,)
        _, theta, outputs = k19_resnet.resnet_model(inst)
        assert _certified(outputs, theta, inst) == "local-minimum"
        if lifted:
            assert np.linalg.matrix_rank(inst["W"]) == 1


def test_build_deep_linear_returns_a_certified_local_minimum():
    """``build_deep_linear(seed, widths, m)`` returns weights ``W_k`` of shapes
    ``widths[k+1] x widths[k]`` at a certified local minimum of the weighted squared loss."""
    widths, m = (2, 3, 2), 8
    inst = k19_resnet.build_deep_linear(7654321, widths, m)
    assert [W.shape for W in inst["Ws"]] == [(3, 2), (2, 3)]
    assert inst["X"].shape == (m, 2) and inst["Y"].shape == (m, 2)
    _, theta, outputs = k19_resnet.feedforward_model(inst)
    assert _certified(outputs, theta, inst) == "local-minimum"


# ------------------------------------------------------------------------------ k22_ee


@pytest.mark.parametrize("activation", k22_ee.ANALYTIC)
def test_body_features_use_the_instances_activation(activation):
    """``body_features`` is ``[act(W x + b), 1]`` with the instance's activation: recomputed
    here from the one-layer body's weights (``theta_body = [W, b]`` row-major)."""
    (inst,) = draws(k22_ee.safe_exploration_instances(n=6, m_x=2, hidden=4,
                                                      activation=activation), 1)
    Z = k22_ee.body_features(inst)
    X, theta = inst["X"], inst["theta_body"]
    W, b = theta[:8].reshape(4, 2), theta[8:12]
    pre = X @ W.T + b
    act = {"tanh": np.tanh, "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
           "softplus": lambda t: np.logaddexp(0.0, t)}[activation]
    np.testing.assert_allclose(Z, np.hstack([act(pre), np.ones((6, 1))]), rtol=1e-12)


def test_classification_basis_targets_and_critical_points():
    """``build_basis`` draws targets of the loss's kind (real, ``{-1, 1}`` signs or ``{0, 1}``
    labels) and returns ``theta`` at a critical point of the weighted loss:
    ``Phi^T (lambda o loss'(Phi theta, y)) = 0`` to working precision. Kills mutants of the
    target encoding and of the L-BFGS + Newton polish."""
    from theory.losses import get_loss

    kinds = {"real": None, "sign": {-1.0, 1.0}, "binary01": {0.0, 1.0}}
    for name in ("squared", "logistic", "smoothed-hinge", "cross-entropy"):
        loss = get_loss(name)
        inst = k19_pgb.build_basis(11, 12, 2, name)
        Phi, y, lam, theta = inst["X"], inst["Y"][:, 0], inst["lambda"], inst["theta"]
        assert inst["loss"] == name and Phi.shape == (12, 2) and theta.shape == (2,)
        if kinds[loss.targets] is not None:
            assert set(np.unique(y)) <= kinds[loss.targets]
            assert len(np.unique(y)) == 2
        grad = Phi.T @ (lam * loss.grad(Phi @ theta, y))
        scale = np.linalg.norm(Phi, 2) * np.linalg.norm(lam * loss.grad(np.zeros(12), y))
        assert np.linalg.norm(grad) <= 1e-9 * scale, name


@pytest.mark.parametrize("which", ["upper", "lower"])
def test_tight_gap_residual_lies_along_the_documented_singular_vector(which):
    """``basis_tight_gap``'s points: the whitened residual ``Lambda^(1/2) (Phi theta - y)``
    has its range part along the left singular vector of the smallest (``"upper"``) or the
    largest (``"lower"``) singular value of ``Lambda^(1/2) Phi``, plus a part orthogonal to
    the range; recomputed here by an SVD. Kills mutants of the ``which`` switch."""
    for seed in range(3):
        inst = k19_pgb._build_tight(seed, 6, 2, which)
        w = np.sqrt(inst["lambda"])
        Phi_w = w[:, None] * inst["X"]
        r = w * (inst["X"] @ inst["theta"] - inst["Y"][:, 0])
        U, s, _ = np.linalg.svd(Phi_w, full_matrices=False)
        in_range = U.T @ r
        k = 1 if which == "upper" else 0  # s is descending
        assert abs(in_range[k]) > 0.1 and abs(in_range[1 - k]) < 1e-10 * np.linalg.norm(r)
        assert np.linalg.norm(r - U @ in_range) > 1e-3  # and a part off the range


def test_lintop_lifted_minimum_is_the_documented_lift():
    """``build_lintop_lifted``: ``W3 = c w3^T`` with unit ``c``, ``w3``; targets ``Y = t c^T``
    (rank one, columns along ``c``); ``S`` starts with ``0`` and moves only the ``W2`` block;
    the point passes :func:`local_min_certified`. Kills mutants of ``_lintop_attempt``."""
    d_x, d1, d2, d_y, extra = 2, 3, 2, 2, 25
    inst = k19_pgb.build_lintop_lifted(5, d_x, d1, d2, d_y, extra)
    theta, Y = inst["theta"], inst["Y"]
    assert inst["widths"] == [d_x, d1, d2, d_y]
    m = d1 * d_x + d1 + extra
    assert inst["X"].shape == (m, d_x) and Y.shape == (m, d_y)
    W3 = theta[d1 * d_x + d2 * d1:].reshape(d_y, d2)
    U, s, Vt = np.linalg.svd(W3)
    assert np.isclose(s[0], 1.0) and s[1] < 1e-12  # c w3^T with unit c, w3
    c = U[:, 0]
    np.testing.assert_allclose(Y - np.outer(Y @ c, c), 0.0, atol=1e-12)
    S = inst["S"]
    np.testing.assert_array_equal(S[0], 0.0)
    assert np.all(S[:, : d1 * d_x] == 0) and np.all(S[:, d1 * d_x + d2 * d1:] == 0)
    assert k19_pgb.local_min_certified(k19_pgb.make_model("lintop", inst["widths"]), inst)


def test_relu2_points_depend_on_the_drawn_seed():
    """With every dimension fixed, different draws of ``relu2_points`` differ (the instance is
    built from the drawn seed, not from a dimension)."""
    insts = draws(k19_pgb.relu2_points(d_x=2, hidden=2, d_y=1, extra=8), 3)
    assert len({inst["X"].tobytes() for inst in insts}) > 1


# ----------------------------------------------------------------------- k22_alignment


@pytest.mark.parametrize("loss", ["squared", "cross-entropy", "logistic"])
@pytest.mark.parametrize("target", ["random", "constant"])
def test_mlp_targets_have_the_documented_shape_and_kind(loss, target):
    """``Y`` is ``n x m_y``; cross-entropy targets are ``{0, 1}`` labels; a ``"constant"``
    target repeats one row (it is aligned through the last bias)."""
    inst = k22_alignment.build_mlp_instance(3, 5, 2, [3], 3, "tanh", loss, target, 1.0)
    Y = inst["Y"]
    assert Y.shape == (5, 3)
    if loss == "cross-entropy":
        assert set(np.unique(Y)) <= {0.0, 1.0}
    if target == "constant":
        np.testing.assert_array_equal(Y, np.tile(Y[:1], (5, 1)))
    else:
        assert len({row.tobytes() for row in Y}) > 1


@pytest.mark.parametrize("name", ["n", "m_x", "m_y"])
def test_mlp_integer_arguments_are_checked_when_drawn(name):
    """``mlp_instances`` validates ``n``, ``m_x``, ``m_y`` (>= 1) when drawing: 1 draws, 0 is
    ``InvalidArgument`` naming the argument."""
    (inst,) = draws(k22_alignment.mlp_instances(**{name: 1}), 1)
    assert inst["X"].shape[0] >= 1
    with pytest.raises(InvalidArgument, match=rf"^{name} must be an integer >= 1"):
        draws(k22_alignment.mlp_instances(**{name: 0}), 1)


# ---------------------------------------------------------- other documented argument ranges

_INF, _NAN = float("inf"), float("nan")


# (strategy or builder, argument, accepted values, rejected values): the bounds of docstrings
# and signatures, each end just inside and just outside
SCALAR_ARGUMENTS = [
    (hm17_linear.ball_instances, "tau_max", [0.0, 0.99], [-0.01, 1.0, _NAN]),
    (hm17_linear.ball_instances, "sigma_min", [1e-9, 3.0], [0.0, 3.01, _NAN]),
    (hm17_linear.near_identity_instances, "tau_max", [0.01, 0.99], [0.0099, 1.0]),
    (hm17_linear.gradient_descent_instances, "radius_max", [0.01, 0.49], [0.0099, 0.5]),
    (hm17_linear.gradient_descent_instances, "max_steps", [0, 1], [-1, 1.5]),
    (hm17_linear.target_instances, "log_scale", [0.0, 20.0], [-0.1, 20.1]),
    (hm17_linear.spd_target_instances, "log_scale", [0.0, 20.0], [-0.1, 20.1]),
    (hm17_linear.residual_instances, "entry_scale", [(0.1, 0.1), (0.0, 2.0)],
     [(0.2, 0.1), (0.0, _INF), (_NAN, 1.0)]),
    (hm17_relu.b1_instances, "k", [1, 64], [0, 65, True, "3"]),
    (hm17_relu.b1_instances, "rho_prime", [1e-6, 0.999], [0.0, 1.0]),
    (hm17_relu.b1_instances, "method", ["margin", "fixed", "uniform"],
     ["random"]),
    (hm17_relu.b2_instances, "max_draws", [1], [0, 1.5]),
    (feedforward.feedforward_instances, "hidden", [[1], [2, 3]], [[0], [True], 3]),
    (feedforward.feedforward_instances, "n", [1], [0]),
    (feedforward.feedforward_instances, "scale", [1e-3], [0.0, -1.0, _INF]),
    (feedforward.feedforward_instances, "activations", ["tanh"], ["nope"]),
    (feedforward.feedforward_instances, "init", ["he", "normal"], ["xavier"]),
    (k22_ee.safe_exploration_instances, "varsigma", [1e-3], [0.0, _INF, _NAN]),
    (k22_ee.safe_exploration_instances, "width_factor", [1e-3], [0.0, -1.0]),
    (k22_ee.safe_exploration_instances, "activation", list(k22_ee.ANALYTIC), ["relu"]),
    (k22_ee.exploitation_instances, "varsigma", [1e-3], [0.0]),
    (k22_ee.exploitation_instances, "epsilon", [1e-3], [0.0, _INF]),
    (k22_ee.exploitation_instances, "width_factor", [1.0], [0.99]),
    (k22_ee.exploitation_instances, "loss", ["squared", "logistic"], ["hinge"]),
    (lambda **kw: linalg.spectral_matrix(0, 2, 2, 2, **{"condition": 10.0, **kw}),
     "condition", [1.0, 1e6], [0.99, _INF, _NAN]),
    (lambda **kw: linalg.spectral_matrix(0, 2, 2, 2, 10.0, **kw), "scale", [1e-3],
     [0.0, _INF]),
    (k22_alignment.mlp_instances, "loss",
     ["squared", "cross-entropy", "logistic"], ["hinge"]),
    (k22_alignment.mlp_instances, "target", ["random", "constant"],
     ["zero"]),
    (k19_pgb.tanh2_points, "trained", [True, False, "partial"], ["yes", None]),
    (k19_pgb.tanh2_points, "d_x", [1, 8, (1, 8), (3, 3)], [0, 9, (0, 2), (3, 2), (1, 9), 2.0]),
    (k19_pgb.tanh2_points, "d_y", [4, (1, 4)], [5, (1, 5)]),
    (k19_pgb.basis_instances, "loss", ["squared", ("logistic", "cross-entropy")],
     ["hinge", ()]),
    (k19_resnet.resnet_local_minima, "lifted", [True, False, None], ["yes"]),
    (k19_resnet.resnet_local_minima, "depth", [1, (1, 2)], [0, (0, 1), (2, 1), True]),
]


@pytest.mark.parametrize(("build", "name", "accepted", "rejected"), SCALAR_ARGUMENTS,
                         ids=[f"{i}-{row[1]}" for i, row in enumerate(SCALAR_ARGUMENTS)])
def test_arguments_are_accepted_inside_and_rejected_outside_their_ranges(
    build, name, accepted, rejected
):
    """Every documented range holds at both ends: values on the boundary (or just inside an
    open end) are accepted, values just outside, of the wrong type, or non-finite raise
    ``InvalidArgument`` whose message begins with the argument's name. Kills mutants of the
    comparisons (``<`` for ``<=``, shifted constants) and of the messages."""
    for value in accepted:
        build(**{name: value})
    for value in rejected:
        with pytest.raises(InvalidArgument) as info:
            build(**{name: value})
        message = str(info.value)
        assert re.match(rf"(need )?{re.escape(name)}\b", message), message


def test_misaligned_instances_need_fewer_features_than_samples():
    """``misaligned_instances`` needs ``d < n`` (vec Y outside Col X): ``d = n - 1`` is built,
    ``d = n`` is ``InvalidArgument``."""
    inst = k22_alignment.misaligned_instances(n=4, d=3)
    assert inst["X"].shape == (4, 3) and inst["theta"].shape == (3,)
    with pytest.raises(InvalidArgument, match="need d < n"):
        k22_alignment.misaligned_instances(n=4, d=4)


# ------------------------------------------------- documented invariants of drawn instances

_TOL = 1e-10


def _spectrum_in(S, lo, hi):
    np.testing.assert_allclose(S, S.T, atol=0)
    eig = np.linalg.eigvalsh(S)
    return lo * (1 - _TOL) <= eig[0] and eig[-1] <= hi * (1 + _TOL)


def _condition_at_most(R, bound):
    s = np.linalg.svd(R, compute_uv=False)
    return s[0] / s[-1] <= bound * (1 + _TOL)


@given(hm17_linear.ball_instances())
def test_ball_instances_meet_their_documented_ranges(inst):
    """Default ``ball_instances``: ``d`` in ``[1, 4]``, ``ell`` in ``[1, 6]``, ``tau`` in
    ``[0, 0.95]``, every ``|||A_i||| <= tau``, ``Sigma`` SPD with spectrum in ``[0.05, 3]``."""
    d, A, tau = inst["R"].shape[0], inst["A"], inst["tau"]
    assert 1 <= d <= 4 and 1 <= len(A) <= 6 and 0.0 <= tau <= 0.95
    assert all(Ai.shape == (d, d) and np.linalg.norm(Ai, 2) <= tau * (1 + _TOL) for Ai in A)
    assert _spectrum_in(inst["Sigma"], 0.05, 3.0)


@given(hm17_linear.ball_instances(d=2, ell=3, tau_max=0.5, sigma_min=1.0))
def test_ball_instances_follow_their_arguments(inst):
    """``d``, ``ell``, ``tau_max`` and ``sigma_min`` given: the instance has exactly those
    dimensions, ``tau <= tau_max`` and ``Sigma``'s spectrum in ``[sigma_min, 3]``."""
    assert inst["R"].shape == (2, 2) and len(inst["A"]) == 3 and inst["tau"] <= 0.5
    assert _spectrum_in(inst["Sigma"], 1.0, 3.0)


@given(hm17_linear.near_identity_instances())
def test_near_identity_instances_stay_near_their_target(inst):
    """``tau`` in ``[0.01, 0.9]``, ``|||A||| <= tau``, ``Sigma`` in ``[0.1, 3]``, and
    ``R = prod (I + B_i)`` with ``A = B + eta noise``, ``eta <= 0.1``, ``|||B||| <= tau/2``:
    so ``R`` is within ``(1 + tau/2)^ell`` of ``I`` in norm."""
    d, A, tau = inst["R"].shape[0], inst["A"], inst["tau"]
    assert 1 <= d <= 4 and 1 <= len(A) <= 5 and 0.01 <= tau <= 0.9
    assert all(np.linalg.norm(Ai, 2) <= tau * (1 + _TOL) for Ai in A)
    assert _spectrum_in(inst["Sigma"], 0.1, 3.0)
    assert np.linalg.norm(inst["R"], 2) <= (1 + tau / 2) ** len(A) * (1 + _TOL)


@given(hm17_linear.gradient_descent_instances(max_steps=17))
def test_gradient_descent_instances_start_on_the_sphere_with_a_safe_step(inst):
    """The start has ``|||A||| = tau`` exactly, ``tau`` in ``[0.01, 0.3]``; ``Sigma`` has
    spectrum exactly ``[0.2, 3]`` at its ends (for ``d >= 2``); the step is positive and
    below ``1 / (ell lambda_max(Sigma))``; ``gd_steps = max_steps``."""
    A, tau, Sigma = inst["A"], inst["tau"], inst["Sigma"]
    d, ell = Sigma.shape[0], len(A)
    assert 2 <= d <= 4 and 2 <= ell <= 5 and 0.01 <= tau <= 0.3
    assert np.isclose(max(np.linalg.norm(Ai, 2) for Ai in A), tau, rtol=1e-12)
    eig = np.linalg.eigvalsh(Sigma)
    np.testing.assert_allclose([eig[0], eig[-1]], [0.2, 3.0], rtol=1e-12)
    assert 0 < inst["gd_step"] <= 1 / (ell * eig[-1]) * (1 + _TOL)
    assert inst["gd_steps"] == 17


@given(hm17_linear.standard_instances())
def test_standard_instances_meet_their_ranges(inst):
    """``d`` in ``[1, 4]``, ``ell`` in ``[2, 6]``, ``R`` with condition number at most
    ``e^2``, ``Sigma`` in ``[0.1, 3]``."""
    assert 1 <= inst["R"].shape[0] <= 4 and 2 <= inst["ell"] <= 6
    assert _condition_at_most(inst["R"], np.e ** 2)
    assert _spectrum_in(inst["Sigma"], 0.1, 3.0)


@given(hm17_linear.residual_instances(with_mean=True))
def test_residual_instances_meet_their_ranges(inst):
    """``R`` with condition number at most ``e^2``; ``Sigma`` in ``[0.1, 3]``; with
    ``with_mean`` a non-zero mean ``x_mean`` with ``Sigma - x_mean x_mean^T`` PSD (a
    covariance)."""
    d = inst["R"].shape[0]
    assert 1 <= d <= 4 and 1 <= len(inst["A"]) <= 5
    assert _condition_at_most(inst["R"], np.e ** 2)
    assert _spectrum_in(inst["Sigma"], 0.1, 3.0)
    mu = inst["x_mean"]
    assert np.linalg.norm(mu) > 0
    assert np.linalg.eigvalsh(inst["Sigma"] - np.outer(mu, mu))[0] >= -_TOL


def _gamma(R):
    s = np.linalg.svd(R, compute_uv=False)
    return max(abs(np.log(s[0])), abs(np.log(s[-1])))


@given(hm17_linear.target_instances())
def test_target_instances_have_positive_determinant_and_enough_layers(inst):
    """``det R > 0``, ``d`` in ``[2, 5]``, ``gamma = max |log sigma(R)| <= log_scale = 2``,
    and ``ell - max(1, ceil(3 gamma))`` in ``[0, 40]`` (``ell`` just above ``3 gamma``)."""
    R, ell = inst["R"], inst["ell"]
    assert 2 <= R.shape[0] <= 5 and np.linalg.det(R) > 0
    gamma = _gamma(R)
    assert gamma <= 2.0 * (1 + _TOL)
    assert 0 <= ell - max(1, int(np.ceil(3 * gamma * (1 - 1e-9)))) <= 40
    assert ell >= 3 * gamma


@given(hm17_linear.spd_target_instances(log_scale=1.5))
def test_spd_target_instances_are_spd_with_enough_layers(inst):
    """``R`` symmetric positive definite with ``|log z| <= log_scale``, ``d`` in ``[1, 5]``,
    ``ell >= 3 gamma`` and at most 40 above ``ceil(3 gamma)``."""
    R, ell = inst["R"], inst["ell"]
    assert 1 <= R.shape[0] <= 5
    z = np.linalg.eigvalsh(R)
    assert z[0] > 0 and np.max(np.abs(np.log(z))) <= 1.5 * (1 + _TOL)
    gamma = float(np.max(np.abs(np.log(z))))
    assert ell >= 3 * gamma and ell - max(1, int(np.ceil(3 * gamma * (1 - 1e-9)))) <= 40


@given(hm17_linear.orthogonal_2x2())
def test_orthogonal_2x2_is_orthogonal(inst):
    """``Q`` is a 2 x 2 orthogonal matrix (rotation or reflection), ``q`` in ``[1, 30]``."""
    Q = inst["Q"]
    np.testing.assert_allclose(Q.T @ Q, np.eye(2), atol=1e-15)
    assert np.isclose(abs(np.linalg.det(Q)), 1.0) and 1 <= inst["q"] <= 30


@given(hm17_linear.normal_matrices())
def test_normal_matrices_commute_with_their_transpose(inst):
    """``U U^T = U^T U`` (Claim C.1's hypothesis), ``d`` in ``[1, 6]``."""
    U = inst["U"]
    assert 1 <= U.shape[0] <= 6
    np.testing.assert_allclose(U @ U.T, U.T @ U, atol=1e-12 * max(1.0, np.abs(U).max() ** 2))


@given(hm17_linear.matrix_pairs())
def test_matrix_pairs_have_the_documented_shapes_and_spectrum(inst):
    """``A`` is ``m x d`` with ``m - d`` in ``[0, 2]`` and singular values in
    ``[e^-2, e^2]``; ``B`` is ``d x k``, ``k`` in ``[1, 4]``."""
    A, B = inst["A"], inst["B"]
    m, d = A.shape
    assert 1 <= d <= 5 and 0 <= m - d <= 2 and B.shape[0] == d and 1 <= B.shape[1] <= 4
    s = np.linalg.svd(A, compute_uv=False)
    assert np.exp(-2) * (1 - _TOL) <= s[-1] and s[0] <= np.exp(2) * (1 + _TOL)


@pytest.mark.parametrize("d", [1, 2, 4])
def test_spd_matrix_spectrum_includes_its_extremes(d):
    """``spd_matrix(rng, d, lo, hi)``: symmetric with spectrum in ``[lo, hi]``, the extremes
    included when ``d > 1``."""
    S = hm17_linear.spd_matrix(np.random.default_rng(d), d, 0.5, 2.0)
    eig = np.linalg.eigvalsh(S)
    assert _spectrum_in(S, 0.5, 2.0)
    if d > 1:
        np.testing.assert_allclose([eig[0], eig[-1]], [0.5, 2.0], rtol=1e-12)


# --------------------------------------------------------------- linalg, feedforward, k22, B.1


@given(linalg.matrices_with_spectrum(condition=100.0, scale=3.0))
def test_matrices_with_spectrum_have_exactly_that_spectrum(inst):
    """``rank`` nonzero singular values, the largest ``scale``, the smallest nonzero
    ``scale / condition``, and ``A``'s singular values are ``s``."""
    A, s, r = inst["A"], inst["s"], inst["rank"]
    assert 1 <= A.shape[0] <= 6 and 1 <= A.shape[1] <= 6 and 0 <= r <= min(A.shape)
    assert s.size == min(A.shape) and np.count_nonzero(s) == r
    np.testing.assert_allclose(np.linalg.svd(A, compute_uv=False), s, atol=1e-13)
    if r >= 1:
        assert np.isclose(s[0], 3.0)
    if r >= 2:
        assert np.isclose(s[r - 1], 3.0 / 100.0)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_matrices_with_spectrum_follow_fixed_arguments(rank):
    """Fixed ``rows``, ``cols``, ``rank`` and ``condition`` are obeyed: singular values
    ``scale``, ..., ``scale / condition`` (geometric), then zeros."""
    for inst in draws(linalg.matrices_with_spectrum(rows=4, cols=3, rank=rank, condition=10.0,
                                                    scale=2.0), 2):
        assert inst["A"].shape == (4, 3) and inst["rank"] == rank
        expected = np.zeros(3)
        expected[:rank] = 2.0 * np.logspace(0, -1, rank) if rank > 1 else 2.0
        np.testing.assert_allclose(np.linalg.svd(inst["A"], compute_uv=False), expected,
                                   atol=1e-13)


@given(feedforward.feedforward_instances())
def test_feedforward_instances_have_consistent_shapes(inst):
    """``widths = [m_x, *hidden, m_y]`` with the defaults' ranges, one activation per hidden
    layer, ``theta`` of the network's size and ``n x m_x`` inputs."""
    w = inst["widths"]
    assert 1 <= w[0] <= 3 and 1 <= w[-1] <= 2 and 1 <= len(w) - 2 <= 2
    assert all(1 <= h <= 5 for h in w[1:-1]) and len(inst["activations"]) == len(w) - 2
    assert inst["theta"].shape == (feedforward.network(inst).n_params(),)
    assert inst["X"].shape[1] == w[0] and 1 <= inst["X"].shape[0] <= 6


@given(k22_ee.gate_instances(n=3, m_Hm1=4, m_H=5, m_y=2, log10_varsigma=1.5))
def test_gate_instances_have_the_documented_shapes(inst):
    """``W^(H-1)`` is ``m_H x m_{H-1}``, ``W^(H)`` is ``m_y x m_H``, ``Z`` is
    ``n x m_{H-1}``, and ``varsigma = 10 ** log10_varsigma``."""
    assert inst["W_hidden"].shape == (5, 4) and inst["W_out"].shape == (2, 5)
    assert inst["Z"].shape == (3, 4) and np.isclose(inst["varsigma"], 10 ** 1.5)


@given(k22_ee.safe_exploration_instances(n=9, m_x=2, width_factor=2.0))
def test_safe_exploration_instances_follow_table_2s_width_rule(inst):
    """``m_{H-1} = hidden + 1`` with ``hidden`` in ``[4, max(4, n // 3)]`` by default and
    ``m_H = ceil(width_factor n / m_{H-1})``; ``X`` is ``n x m_x``."""
    h = inst["body_widths"][1]
    assert inst["X"].shape == (9, 2) and h == 4  # [4, max(4, 9 // 3)] = {4}
    assert inst["q"].shape == (h + 1, int(np.ceil(2.0 * 9 / (h + 1))))


@given(hm17_relu.b1_instances())
def test_b1_instances_meet_lemma_b1s_hypotheses(inst):
    """``||alpha_i||^2`` in ``[1 - rho', 1 + rho']``, pairwise squared distances at least
    ``3 rho'`` (``6 rho'`` for ``uniform``), ``n <= 3 k + 2``, ``1 <= |S| <= k``, ``beta``
    ``n x k``; defaults ``k`` in ``[2, 6]``, ``rho'`` in ``[0.05, 0.3]``."""
    alpha, rho, S = inst["alpha"], inst["rho_prime"], inst["S"]
    n, k = alpha.shape
    assert 2 <= k <= 6 and 0.05 <= rho <= 0.3 and n <= 3 * k + 2
    assert inst["beta"].shape == (n, k) and 1 <= len(S) <= k and len(set(S)) == len(S)
    norms = np.sum(alpha ** 2, axis=1)
    assert np.all((1 - rho) * (1 - _TOL) <= norms) and np.all(norms <= (1 + rho) * (1 + _TOL))
    sep = (6.0 if inst["method"] == "uniform" else 3.0) * rho
    for i in range(n):
        for j in range(i):
            assert np.sum((alpha[i] - alpha[j]) ** 2) >= sep


# ------------------------------------------------------------------------- j19_disparity


@given(st.sampled_from([1, 2]).flatmap(
    lambda K: j19_disparity.networks(K=K, activation=st.sampled_from(j19_disparity.ACTIVATIONS))))
def test_j19_networks_follow_their_documented_regimes(inst):
    """``h = L + h_extra`` (ReLU, and smooth with ``K = 2``) or ``2 L + h_extra`` (smooth,
    ``K = 1``) with ``L = (2 n + 1)^K``, ``h_extra`` in ``[0, 3]``; ``n`` in ``1..3``
    (``K = 1``) or ``1`` (``K = 2``); ``1 <= T <= L`` distinct interior samples in
    ``[0.1, 0.9]^K``; ``w`` of the ``[K, h, 1]`` network; labels of length ``T``."""
    from theory.models.feedforward import Feedforward

    K, n, h, act = inst["K"], inst["n"], inst["h"], inst["activation"]
    assert 1 <= n <= (3 if K == 1 else 1)
    L = (2 * n + 1) ** K
    base = 2 * L if (act != "relu" and K == 1) else L
    assert 0 <= h - base <= 3
    X, y = inst["X"], inst["y"]
    assert X.shape[1] == K and 1 <= X.shape[0] <= L and y.shape == (X.shape[0],)
    assert np.all((X >= 0.1) & (X <= 0.9)) and len({r.tobytes() for r in X}) == X.shape[0]
    assert inst["w"].shape == (Feedforward([K, h, 1], act).n_params(),)


def test_kill_units_and_duplicate_unit_do_what_they_say():
    """``kill_units``: the killed ReLU units are ``<= -0.5`` on the whole cube (checked on its
    corners, where a linear function is extreme) and the other weights are unchanged;
    ``duplicate_unit``: unit ``j_copy`` gets unit ``j``'s weights, ``j = j_copy`` is an
    error."""
    from theory.fourier import unit_indices
    from theory.models.feedforward import Feedforward

    inst = j19_disparity.network_instance(2, 1, 6, "relu", 4, 0, N=8)
    net = Feedforward([2, 6, 1], "relu")
    dead = j19_disparity.kill_units(inst, [1, 4])
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    for j in range(6):
        idx = unit_indices(net, j)
        pre = corners @ dead["w"][idx[:2]] + dead["w"][idx[2]]
        if j in (1, 4):
            assert np.all(pre <= -0.5 + 1e-12)
        else:
            np.testing.assert_array_equal(dead["w"][idx], inst["w"][idx])
    dup = j19_disparity.duplicate_unit(inst, 2, 5)
    np.testing.assert_array_equal(dup["w"][unit_indices(net, 5)],
                                  inst["w"][unit_indices(net, 2)])
    np.testing.assert_array_equal(dup["w"][unit_indices(net, 0)],
                                  inst["w"][unit_indices(net, 0)])
    with pytest.raises(ValueError, match="cannot duplicate itself"):
        j19_disparity.duplicate_unit(inst, 3, 3)


def test_argument_errors_are_invalid_argument():
    """Bad strategy arguments raise Hypothesis's InvalidArgument, whose message names them:
    ``K`` outside {1, 2} for the j19 networks, and ``trained=1`` (equal to True, but not a
    documented value) for the k19 tanh points."""
    from hypothesis.errors import InvalidArgument

    from checks.strategies.j19_disparity import networks
    from checks.strategies.k19_pgb import tanh2_points

    with pytest.raises(InvalidArgument, match="K must be 1 or 2"):
        networks(K=3).example()
    with pytest.raises(InvalidArgument, match="trained=1"):
        tanh2_points(trained=1)


U = unit_roundoff()


@settings(deadline=None)
@given(matrices_with_spectrum(st.integers(1, 8), st.integers(1, 8),
                              condition=st.sampled_from([1.0, 1e3, 1e6])))
def test_matrices_with_spectrum_have_the_chosen_spectrum(inst):
    A, s = inst["A"], inst["s"]
    computed = np.linalg.svd(A, compute_uv=False)
    # Weyl + the backward error of forming U diag(s) V^T and of the SVD: 10 max(p, q) u s_1
    assert np.all(np.abs(computed - s) <= 10 * max(A.shape) * U * max(s[0], 1e-300))
    assert certified_rank(A).rank == inst["rank"]


def test_strategy_arguments_are_validated():
    with pytest.raises(InvalidArgument):
        spectral_matrix(0, 3, 3, 4, 1.0)
    with pytest.raises(InvalidArgument):
        spectral_matrix(0, 3, 3, 2, 0.5)
    with pytest.raises(InvalidArgument):
        matrices_with_spectrum(0, 3)
    with pytest.raises(InvalidArgument):
        feedforward_instances(hidden=[3, 0])
    with pytest.raises(InvalidArgument):
        feedforward_instances(activations="swish")
    with pytest.raises(InvalidArgument):
        feedforward_instances(init="xavier")
