"""Contracts of the k19 (gradient basis, Section 4) claims that the paper-level tests do not pin
down: parser boundaries and defaults, the rounding scales and tolerances that decide verdicts
(checked against their documented formulas, computed independently here), and the
fresh-instance paths that the per-instance caches hide.

Written against mutation-testing survivors: each test's docstring names the mutant class it
kills."""

from __future__ import annotations

import math

import numpy as np
import pytest

from checks.framework import Status
from checks.inputs import BadInput
from checks.papers import k19_pgb as KP
from checks.papers import k19_resnet as KR
from checks.registry import get
from checks.strategies import k19_pgb as pgb_strat
from checks.strategies import k19_resnet as resnet_strat
from theory.numerics import gamma, unit_roundoff

U = unit_roundoff()


def _accepts(claim_id: str, params: dict) -> dict:
    return get(claim_id).parse(params)


def _rejects(claim_id: str, params: dict) -> str:
    with pytest.raises(BadInput) as info:
        get(claim_id).parse(params)
    return str(info.value)


# ============================================================ k19 gradient basis

def _pgb_params(**over) -> dict:
    inst = pgb_strat.build_basis(7, 12, 2, "squared")
    params = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in inst.items()}
    return {**params, **over}


def test_parse_wrong_width_count_names_widths(monkeypatch):
    """A family given the wrong number of widths fails with a one-line ``BadInput`` naming
    ``widths`` (the documented contract of :class:`BadInput`), whether the model constructor
    signals it with ``ValueError`` or ``TypeError``. Kills message-dropping mutants."""
    msg = _rejects("k19.thm1", _pgb_params(widths=[2, 2, 2]))
    assert msg.startswith("widths:")

    def raises_type_error(family, widths):
        raise TypeError("takes 2 positional arguments")

    monkeypatch.setattr(KP, "make_model", raises_type_error)
    msg = _rejects("k19.thm1", _pgb_params())
    assert msg.startswith("widths:") and "'basis'" in msg


def _example2_params(**over) -> dict:
    X = np.eye(3)
    return {"X_raw": X.tolist(), "n": 3, "depth": 1, "eps_prime": 0.5,
            "Y": [[1.0], [0.0], [2.0]], "lambda": [1.0, 1.0, 1.0], **over}


def test_example2_parser_bounds_and_default_loss():
    """Example 2: ``n`` in ``[1, 4096]``, ``depth`` in ``[1, 16]``, ``eps_prime`` in ``[0, 2]``
    (ends accepted, one beyond rejected); ``loss`` defaults to ``"squared"`` and any other loss
    is rejected. Kills boundary and default mutants of ``parse_example2``."""
    assert _accepts("k19.ex2", _example2_params())["loss"] == "squared"
    for key, lo, hi, step in (("n", 1, 4096, 1), ("depth", 1, 16, 1),
                              ("eps_prime", 0.0, 2.0, 1e-9)):
        for value in (lo, hi):
            assert _accepts("k19.ex2", _example2_params(**{key: value}))[key] == value
        for value in (lo - step, hi + step):
            _rejects("k19.ex2", _example2_params(**{key: value}))
    assert _accepts("k19.ex2", _example2_params(loss="squared"))["loss"] == "squared"
    _rejects("k19.ex2", _example2_params(loss="logistic"))
    _rejects("k19.ex2", _example2_params(**{"lambda": [1.0, 0.0, 1.0]}))


def test_example2_delta_hypotheses_and_tolerance():
    """Example 2: ``delta = 1 - max_{i != j} <x_i, x_j>`` (1 for a single sample); the
    hypotheses need ``0 < eps' <= delta`` (equality accepted) and ``n >= m``; at the footnote's
    weights ``phi(x_i) = eps' e_i``, so the weighted features have singular values ``eps'
    sqrt(lambda_i)``, ``kappa = sqrt(max lambda / min lambda)``, the loss is 0 and the tolerance
    is ``(gamma_{m+n} (kappa + 1) ||y_hat||)^2 + gamma_{m+n} ||y_hat||^2`` against the scale
    ``||y_hat||^2``. Kills mutants of ``_delta``, the hypotheses and the tolerance."""
    c = math.cos(0.5)
    X_raw = np.array([[1.0, 0.0], [c, math.sin(0.5)], [0.0, 1.0]])
    delta = 1.0 - c
    base = {"X_raw": X_raw, "n": 3, "depth": 2, "eps_prime": delta,
            "Y": np.array([[1.0], [-2.0], [0.5]]), "lambda": np.array([1.0, 4.0, 0.25]),
            "loss": "squared"}
    assert KP._delta(base) == pytest.approx(delta, rel=1e-12, abs=0)
    assert KP._delta({**base, "X_raw": X_raw[:1]}) == 1.0
    assert KP._separated(base) is True
    assert KP._separated({**base, "eps_prime": delta * (1 + 1e-9)}) is not True
    assert KP._separated({**base, "eps_prime": 0.0}) is not True
    assert KP._wide(base) is True and KP._wide({**base, "n": 2}) is not True
    verdict = get("k19.ex2").measure(base)
    y_hat = float(np.linalg.norm(base["Y"][:, 0] * np.sqrt(base["lambda"])))
    kappa = math.sqrt(4.0 / 0.25)
    g = gamma(3 + 3)
    assert verdict.diagnostics["rank_features"] == 3
    assert verdict.status is Status.HOLDS and verdict.lhs <= verdict.tolerance
    assert verdict.tolerance == pytest.approx((g * (kappa + 1) * y_hat) ** 2 + g * y_hat**2,
                                              rel=1e-9, abs=0)
    assert verdict.relative_slack == pytest.approx(verdict.slack / y_hat**2, rel=1e-12, abs=0)


def test_asm2_tolerance_and_scale_for_a_basis_model():
    """Assumption 2 for a basis model ``f = Phi theta`` (``J = Phi``, so ``f`` is in the range
    exactly): residual ~ 0, tolerance ``gamma_{m+d} (kappa(Phi) + 1) ||f||``, relative slack
    against ``||f||``. Kills arithmetic mutants of the tolerance and the scale."""
    inst = pgb_strat.build_basis(17, 8, 2, "squared")
    verdict = get("k19.asm2").measure(inst)
    f = inst["X"] @ inst["theta"]
    sv = np.linalg.svd(inst["X"], compute_uv=False)
    expect = gamma(8 + 2) * (sv[0] / sv[-1] + 1) * np.linalg.norm(f)
    assert verdict.status is Status.HOLDS
    assert verdict.tolerance == pytest.approx(expect, rel=1e-9, abs=0)
    assert verdict.relative_slack == pytest.approx(verdict.slack / np.linalg.norm(f),
                                                   rel=1e-12, abs=0)
    assert verdict.lhs <= 1e-13 * np.linalg.norm(f)


def test_thm1_fresh_squared_instance_sides_and_size():
    """Theorem 1 (squared loss) on an instance no cache has seen: ``lhs = L(theta) = sum_i
    lambda_i (phi_i theta - y_i)^2`` and ``rhs`` the weighted least-squares infimum, both
    recomputed here; ``size`` reports ``m``, ``d_theta``, ``d_y``. Kills mutants of the
    (cached) report call and of the size keys."""
    inst = pgb_strat.build_basis(11, 9, 2, "squared")
    inst["theta"] = inst["theta"] + np.array([0.3, -0.2])  # not critical: L > inf
    Phi, y, lam = inst["X"], inst["Y"][:, 0], inst["lambda"]
    L = float(np.sum(lam * (Phi @ inst["theta"] - y) ** 2))
    w = np.sqrt(lam)
    alpha = np.linalg.lstsq(Phi * w[:, None], y * w, rcond=None)[0]
    inf = float(np.sum(lam * (Phi @ alpha - y) ** 2))
    claim = get("k19.thm1")
    verdict = claim.measure(inst)
    assert verdict.lhs == pytest.approx(L, rel=1e-10, abs=0)
    assert verdict.rhs == pytest.approx(inf, rel=1e-10, abs=0)
    assert verdict.status is Status.VIOLATED
    assert claim.size(inst) == {"m": 9, "d_theta": 2, "d_y": 1}


def test_ex1_tolerance_is_rounding_plus_first_order_slack():
    """Example 1's tolerance is ``gamma_n (L(theta) + L(alpha)) + ||grad L(theta)||
    ||alpha - theta||`` with ``n = m + d`` (convexity). Away from a critical point the slack
    term is large, so it is recomputed here from the reported ``alpha``; kills sign and
    arithmetic mutants of the slack."""
    inst = pgb_strat.build_basis(13, 10, 2, "squared")
    inst["theta"] = inst["theta"] + np.array([1.0, 0.5])
    verdict = get("k19.ex1").measure(inst)
    Phi, y, lam, theta = inst["X"], inst["Y"][:, 0], inst["lambda"], inst["theta"]
    alpha = np.asarray(verdict.diagnostics["alpha"])
    L = float(np.sum(lam * (Phi @ theta - y) ** 2))
    L_alpha = float(np.sum(lam * (Phi @ alpha - y) ** 2))
    grad = 2 * Phi.T @ (lam * (Phi @ theta - y))
    n = Phi.shape[0] + theta.size
    expect = gamma(n) * (L + L_alpha) + np.linalg.norm(grad) * np.linalg.norm(alpha - theta)
    slack_sum = np.linalg.norm(grad) * np.linalg.norm(alpha + theta)
    assert abs(slack_sum - (expect - gamma(n) * (L + L_alpha))) > 0.1 * expect
    assert verdict.tolerance == pytest.approx(expect, rel=1e-6, abs=0)
    assert verdict.lhs == pytest.approx(L, rel=1e-12, abs=0)
    # convexity: the first-order slack covers L(theta) - L(alpha), so never a violation (far
    # from critical the slack dwarfs the scale: inconclusive)
    assert verdict.status is not Status.VIOLATED


def test_affine_offset_control_is_an_exact_critical_point():
    """The affine-offset control (``f = theta x + 1``, ``y = -1``): 8 inputs in ``[0.5, 2]``,
    weights in ``[0.2, 2]``, and ``theta`` the unique zero of ``dL/dtheta = 2 sum lambda_i x_i
    (theta x_i + 1 - y_i)``. Built fresh (the controls cache hides it from other tests); kills
    mutants of its random draws."""
    inst = KP._affine_offset_instance()
    x, lam, y, theta = inst["X"][:, 0], inst["lambda"], inst["Y"][:, 0], inst["theta"][0]
    assert inst["X"].shape == (8, 1) and inst["Y"].shape == (8, 1)
    assert np.all((x >= 0.5) & (x < 2.0)) and np.all((lam >= 0.2) & (lam < 2.0))
    assert np.all(y == -1.0)
    grad = np.sum(lam * x * (theta * x + 1.0 - y))
    assert abs(grad) <= 1e-12 * np.sum(lam * x * (np.abs(theta * x) + 2.0))
    assert get("k19.thm1").measure(dict(inst)).status is Status.VIOLATED


def test_lemma1_control_direction_is_a_unit_move_of_row_zero_of_W2():
    """The ``S'-outside-V`` control of Lemma 1: ``S' = {0, v}`` with ``v`` the unit vector
    ``(1, ..., 1) / sqrt(d1)`` on row 0 of ``W2`` and zero elsewhere (a perturbation direction
    of norm 1, as every element of ``V``). Kills scaling mutants of ``v``."""
    inst = KP._bad_second_set()
    S2 = inst["S2"]
    d_x, d1, _, _ = inst["widths"]
    assert S2.shape == (2, inst["theta"].size) and not np.any(S2[0])
    v = S2[1]
    assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-15, abs=0)
    block = slice(d1 * d_x, d1 * d_x + d1)
    np.testing.assert_allclose(v[block], np.full(d1, 1 / np.sqrt(d1)), rtol=1e-15)
    assert not np.any(np.delete(v, np.arange(d1 * d_x, d1 * d_x + d1)))


# ============================================================ k19 Section 4

def test_resnet_scale_uses_spectral_norms():
    """``_resnet_scale = ||W||_2 (max_i ||x_i|| + (||R||_2 + eps) sqrt(d_z))`` (spectral norms,
    its docstring) and ``_ff_scale = prod ||W_l||_2 max_i ||x_i||``. With a rank-2 ``R`` (spectral
    != Frobenius) the formulas are recomputed; kills norm-order and arithmetic mutants."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 3))  # samples x features: x_i is a row
    W = rng.standard_normal((2, 3))
    R = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    inst = {"X": X, "W": W, "R": R, "eps": 0.25}
    xmax = np.max(np.linalg.norm(X, axis=1))
    expect = np.linalg.norm(W, 2) * (xmax + (np.linalg.norm(R, 2) + 0.25) * np.sqrt(2))
    assert KR._resnet_scale(inst) == pytest.approx(expect, rel=1e-14, abs=0)
    assert np.linalg.norm(R, 2) < 0.99 * np.linalg.norm(R)
    Ws = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    expect_ff = np.linalg.norm(Ws[0], 2) * np.linalg.norm(Ws[1], 2) * xmax
    assert KR._ff_scale({"X": X, "Ws": Ws}) == pytest.approx(expect_ff, rel=1e-14, abs=0)


def test_section4_output_tolerance_and_relu_margin():
    """``_output_tolerance(scale, n_layers, width) = 2 n_layers gamma_width scale`` and the ReLU
    margin ``2 (H + 1) gamma_{max fan-in} prod ||W_l||_2 max_i ||x_i||`` (forward rounding).
    Kills arithmetic mutants of both."""
    assert KR._output_tolerance(3.0, 4, 5).value == pytest.approx(
        2 * 4 * gamma(5) * 3.0, rel=1e-15, abs=0)
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 6))  # m = 4 samples; the largest fan-in is d_x = 6
    Ws = [rng.standard_normal((3, 6)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))]
    scale = math.prod(np.linalg.norm(W, 2) for W in Ws) * np.max(np.linalg.norm(X, axis=1))
    assert KR._relu_margin({"X": X, "Ws": Ws}) == pytest.approx(
        2 * 3 * gamma(6) * scale, rel=1e-14, abs=0)


def test_section4_comparison_tolerance_formula():
    """``_comparison_tolerance = 4 gamma_{rows * #features} kappa(F) ||y||_Lambda^2 +
    (lemma3 / sigma_min(F))^2 + forward`` (rounding of the two least squares, Lemma 3's
    approximate-critical-point term, the forward rounding of L), with every input distinct so
    that swapped or mis-scaled terms show. Kills arithmetic mutants of the formula."""
    from types import SimpleNamespace

    cmp = SimpleNamespace(rows=6, features={"x": {}, "x,z": {}}, target_norm=3.0)
    feat = {"sigma_max": 5.0, "sigma_min": 0.5, "lemma3": 7e-3}
    tol = KR._comparison_tolerance(cmp, feat, 0.25)
    expect = 4 * gamma(12) * 10.0 * 9.0 + (7e-3 / 0.5) ** 2 + 0.25
    assert tol.value == pytest.approx(expect, rel=1e-14, abs=0)
    still = {**feat, "lemma3": 0.0}
    assert KR._comparison_tolerance(cmp, still).value == pytest.approx(
        4 * gamma(12) * 10.0 * 9.0, rel=1e-14, abs=0)
    one = SimpleNamespace(rows=6, features={"x": {}}, target_norm=3.0)
    assert KR._comparison_tolerance(one, still).value == pytest.approx(
        4 * gamma(6) * 10.0 * 9.0, rel=1e-14, abs=0)


def test_resnet_strategy_profile_sizes(monkeypatch):
    """The ResNet strategy draws one tanh layer and ``m = 20`` under the ``ci`` profile, and
    depths ``(1, 2)``, ``m`` in ``(20, 40)`` otherwise; explicit keywords win. Kills mutants
    of the profile test."""
    seen = []
    monkeypatch.setattr(resnet_strat, "resnet_local_minima", lambda **kw: seen.append(kw))
    KR._resnet_strategy("ci")
    KR._resnet_strategy("thorough")
    KR._resnet_strategy("ci", depth=2)
    assert (seen[0]["depth"], seen[0]["m"]) == (1, 20)
    assert (seen[1]["depth"], seen[1]["m"]) == ((1, 2), (20, 40))
    assert seen[2]["depth"] == 2
    assert all(kw["certified"] is KR._resnet_certified for kw in seen)


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


# ============================================================ parser boundaries, systematically

def _range_is_exact(claim_id: str, base: dict, key: str, inside: tuple, outside: tuple) -> None:
    """``key`` accepts each value of ``inside`` (the interval's ends) and rejects each value of
    ``outside`` (just beyond them) with :class:`BadInput` naming the key."""
    for value in inside:
        assert _accepts(claim_id, {**base, key: value})[key] == value, (key, value)
    for value in outside:
        msg = _rejects(claim_id, {**base, key: value})
        assert msg.startswith(key), (key, value, msg)


def test_pgb_eps_and_widths_ranges():
    """PGB claims: ``eps`` in ``[0, 1]`` (Theorem 2 takes ``eps`` in ``[0, eps_0)``);
    ``widths`` entries are integers in ``[1, 512]`` (booleans and floats rejected). Kills
    boundary mutants of ``parse_pgb`` and ``_widths``."""
    base = {**_pgb_params(), "eps": 0.01, "S": [[0.0, 0.0], [1.0, 0.0]]}
    _range_is_exact("k19.thm2", base, "eps", (0.0, 1e-300, 1.0), (-1e-300, -1e-12, 1.0 + 1e-9))
    assert _accepts("k19.thm2", base)["S"].shape == (2, 2)
    _rejects("k19.thm2", {**base, "S": [[0.0, 0.0, 1.0]]})
    for widths in ([0], [513], [True], [2.0], "2"):
        assert _rejects("k19.thm1", _pgb_params(widths=widths)).startswith("widths")
    assert _rejects("k19.thm1", _pgb_params(**{"lambda": [1.0] * 11 + [0.0]})) \
        .startswith("lambda")


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
        assert _accepts(claim_id, params)["eps"] == resnet_strat.EPS == 1e-2
        _range_is_exact(claim_id, params, "eps", (1e-8, 1.0), (0.99e-8, 1.0 + 1e-9))
        assert _rejects(claim_id, {**params, "lambda": [1.0, 0.0, 1.0]}).startswith("lambda")
    _range_is_exact("k19.thm4", _ff_params(), "t", (0, 1), (-1, 2))
    _rejects("k19.thm4", _ff_params(activations=[["identity", "tanh"]]))
    _rejects("k19.thm4", _ff_params(activations=[["identity", "tanh", "softplus?"]]))
    _rejects("k19.thm3", _resnet_params(U=[np.eye(2, 3).tolist()]))  # 3 units != d_z = 2
    dl = {k: v for k, v in _ff_params().items() if k not in ("activations", "t")}
    assert "loss" not in _accepts("k19.cor4", dl)
    assert "loss" not in _accepts("k19.cor4", {**dl, "loss": "squared"})
    labels = {**dl, "Y": [[0.0], [1.0], [1.0]]}
    assert _accepts("k19.cor4", {**labels, "loss": "cross-entropy"})["loss"] == "cross-entropy"
    _rejects("k19.cor4", {**dl, "loss": "cross-entropy"})
    _rejects("k19.cor4", {**dl, "Ws": dl["Ws"][1:]})  # no hidden layer
