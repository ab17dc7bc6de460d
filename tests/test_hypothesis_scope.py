"""Every hypothesis that no control drops is made to fail on purpose.

For each (claim, hypothesis) pair that no ``Control`` exercises, the recorded worst instance of
the claim (``reports/baseline.json``) is changed minimally, from the mathematics of the
hypothesis, so that the hypothesis no longer holds: the test asserts that
``claim.failed_hypotheses`` names it with its exact reason (the interpolated numbers computed
independently where possible) and that ``claim.check`` answers out of scope. Where a predicate
compares against a threshold, the value just inside passes and the value just outside fails.

Mutant classes killed: a predicate made always-true (``or True``, a flipped comparison, a
changed threshold constant), a reason string replaced (``"XX..XX"``, ``None``), an interpolated
quantity changed.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from roundtrip import recorded_worst

from checks.framework import Status
from checks.registry import all_claims, get
from checks.serialise import to_jsonable
from checks.tex import tex_number

U = 2.0**-53


def _gamma(n: float) -> float:
    """Higham's gamma_n = n u / (1 - n u), written out here (not the code's helper)."""
    return n * U / (1 - n * U)




def _failed(claim_id: str, params: dict) -> dict:
    claim = get(claim_id)
    return claim.failed_hypotheses(claim.parse(params))


def _assert_out(claim_id: str, params: dict, name: str,
                reason: str | re.Pattern) -> re.Match | None:
    """``name`` fails on ``params`` with ``reason`` (exact string, or a full-match pattern) and
    the verdict is out of scope; returns the match for patterns."""
    claim = get(claim_id)
    inst = claim.parse(params)
    failed = claim.failed_hypotheses(inst)
    assert name in failed, failed
    match = None
    if isinstance(reason, re.Pattern):
        match = reason.fullmatch(failed[name])
        assert match is not None, failed[name]
    else:
        assert failed[name] == reason
    assert claim.check(inst).status is Status.OUT_OF_SCOPE
    return match


def _holds(claim_id: str, params: dict, name: str) -> None:
    failed = _failed(claim_id, params)
    assert name not in failed, failed


NUM = r"([-+0-9.e]+|inf|nan)"
#: a number as the j19 reasons typeset it (``3.78\times10^{-15}``): mantissa, exponent
# ------------------------------------------------------------------ recorded instances meet all
ALL_PAIRS = [
    ("k19.ex1", "critical"), ("k19.ex2", "unit-inputs"), ("k19.ex2", "separated"),
    ("k19.ex3", "squared-loss"), ("k19.ex3", "asm2-model-structure"), ("k19.lem1", "S-in-V"),
    ("k19.lem2", "squared-loss"), ("k19.lem3", "squared-loss"), ("k19.lem3", "S-in-V"),
    ("k19.ours1", "squared-loss"), ("k19.ours2", "squared-loss"), ("k19.ours2", "S-in-V"),
    ("k19.ours3", "dy<=dz"), ("k19.prop1", "pa1-dy1"), ("k19.prop2", "PA6"),
    ("k19.thm1", "critical"), ("k19.thm2", "squared-loss"),
    ("k19.thm2", "asm2-model-structure"), ("k19.thm2", "S-in-V"), ("k19.thm3", "dy<=dz"),
    ("k19.thm4", "differentiable"), ("k19.thm4", "local-minimum"),
    ("hm17.claim2.3", "x distribution"), ("hm17.eq2.3", "tau<1"), ("hm17.eq2.3", "Sigma PSD"),
    ("hm17.lemB.1", "norms"), ("hm17.lemB.2", "unit-surrogates"),
    ("hm17.propA.psd", "R positive definite"), ("hm17.rem1.1", "R Sigma^{1/2} != 0"),
    ("hm17.rem1.1", "Sigma PSD"), ("hm17.thm2.2", "A in B_tau"), ("hm17.thm2.2", "Sigma PSD"),
    ("hm17.thm3.2", "unit-norm"), ("hm17.thm3.2", "r,d<=n"), ("k22.asm4", "analytic"),
    ("k22.eq2.11", "common-structure"), ("k22.eq2.11", "smooth-step"), ("k22.eq2.11", "daa"),
    ("k22.eq2.12", "common-structure"), ("k22.eq2.12", "smooth-step"),
    ("k22.prop1", "non-member"), ("k22.thm2", "step-rule"),
    ("k22.thm2", "daa-along-trajectory"), ("k22.thm3", "smooth-step"),
    ("k22.thm4", "analytic"), ("k22.thm5", "nonzero-out"), ("k22.thm5", "analytic"),
    ("j19.lem1", "M>=L"), ("j19.lem2", "H-deficient"), ("j19.ours1", "M>=L"),
    ("j19.ours2", "T<=L"), ("j19.thm2", "M>=L"), ("j19.thm2", "armijo"),
    ("j19.thm2", "full-rank-along-run"), ("j19.eq8", "differentiable"),
    ("j19.lem2", "differentiable"),
]


_BY_CLAIM: dict[str, list[str]] = {}
for _cid, _name in ALL_PAIRS:
    _BY_CLAIM.setdefault(_cid, []).append(_name)


@pytest.mark.parametrize("cid", sorted(_BY_CLAIM))
def test_recorded_instances_meet_the_hypotheses_made_to_fail_below(cid):
    """The recorded worst instance of each claim meets every hypothesis this file breaks, so
    each failure below is caused by the change made, not by the instance (kills mutants that
    make a predicate always-false, e.g. a flipped comparison on a point inside)."""
    failed = _failed(cid, recorded_worst(cid))
    assert not set(_BY_CLAIM[cid]) & set(failed), failed


# ----------------------------------------------------------------------- k19 (gradient basis)
#: a number as the k19 reasons typeset it: 0.0218, 7.82\times10^{-14}, 10^{-6}
TEXNUM = r"(-?[0-9.]+(?:\\times10\^\{-?[0-9]+\})?|-?10\^\{-?[0-9]+\})"


def _tex_float(text: str) -> float:
    """The value of a number typeset as :data:`TEXNUM` matches it."""
    mantissa, _, power = text.partition("10^{")
    mantissa = mantissa.removesuffix(r"\times")
    value = float(mantissa) if mantissa not in ("", "-") else (-1.0 if mantissa else 1.0)
    return value * 10.0 ** int(power.rstrip("}")) if power else value

_K19_SQUARED = ["k19.ex3", "k19.lem2", "k19.lem3", "k19.ours1", "k19.ours2", "k19.thm2"]


@pytest.mark.parametrize("cid", _K19_SQUARED)
def test_k19_squared_loss_oracles_refuse_another_loss(cid):
    """The squared-loss oracles: the same data with the (real-target) Welsch loss is out of
    scope, for the reason ``squared-loss`` gives."""
    params = {**recorded_worst(cid), "loss": "welsch"}
    _assert_out(cid, params, "squared-loss", "loss 'welsch': this oracle is for squared loss")


def _affine_offset(params: dict, *, pgb: bool) -> dict:
    """``f = theta x + 1``: no map g with f_X = J g (f(0) = 1 != 0), at its critical point
    (the instance of the controls that drop ``asm2-model-structure`` elsewhere)."""
    (control,) = [c for c in get("k19.thm1").controls if c.name == "affine-offset"]
    out = {**params, **to_jsonable(control.fixed_instances()[0])}
    if pgb:
        out["S"] = [[0.0]]
    return out


@pytest.mark.parametrize("cid", ["k19.ex3", "k19.ours1", "k19.thm2"])
def test_k19_structure_fails_for_a_model_with_an_offset(cid):
    """Assumption 2 (f_X = J g): the affine-offset model has no g, so ``asm2-model-structure``
    fails with its reason."""
    params = _affine_offset(recorded_worst(cid), pgb="S" in recorded_worst(cid))
    _assert_out(cid, params, "asm2-model-structure",
                "family 'affine-offset' is in no class of eq. (3.1): no map $g$ with $f_X=Jg$ "
                "(Assumption 2)")


_S_IN_V = ["k19.lem1", "k19.lem3", "k19.ours2", "k19.thm2"]
_S_OUT = r"\$S\\not\\subseteq V\[\\theta,\\varepsilon\]\$( with \$0\\in S\$)?: "
_S_MOVES = re.compile(_S_OUT + r"max output change \$" + TEXNUM + r" > " + TEXNUM + r"\$")
_S_LONG = re.compile(_S_OUT + r"\$\\max_j\\\|S_j\\\| = 1\+" + TEXNUM + r" > 1\+" + TEXNUM
                     + r"\$")


@pytest.mark.parametrize("cid", _S_IN_V)
def test_k19_S_outside_V_by_a_direction_that_moves_the_outputs(cid):
    """V[theta, eps] keeps the outputs fixed: a unit direction chosen at random moves them, so
    ``S-in-V`` fails and the reason reports an output change above the tolerance."""
    params = recorded_worst(cid)
    d = len(params["theta"])
    s = np.random.default_rng(3).standard_normal(d)
    params["S"] = [[0.0] * d, (s / np.linalg.norm(s)).tolist()]
    m = _assert_out(cid, params, "S-in-V", _S_MOVES)
    assert _tex_float(m.group(2)) > _tex_float(m.group(3)) > 0


@pytest.mark.parametrize("cid", _S_IN_V)
def test_k19_S_in_V_boundary_of_the_unit_ball(cid):
    """``||S_j|| <= 1``: the recorded directions rescaled to norm exactly 1 stay in V (they are
    null directions of the top layer), rescaled to 1 + 1e-6 they leave it."""
    params = recorded_worst(cid)
    S = np.array(params["S"], dtype=float)
    norms = np.linalg.norm(S, axis=1)
    unit = np.where(norms[:, None] > 0, S / np.where(norms > 0, norms, 1.0)[:, None], 0.0)
    _holds(cid, {**params, "S": unit.tolist()}, "S-in-V")
    m = _assert_out(cid, {**params, "S": (unit * (1 + 1e-6)).tolist()}, "S-in-V", _S_LONG)
    assert _tex_float(m.group(2)) == pytest.approx(1e-6, rel=1e-3)
    assert _tex_float(m.group(3)) == float(f"{_gamma(len(params['theta'])):.3g}")


def test_k19_ex1_a_shifted_point_is_not_critical():
    """Example 1 needs nabla L(theta) = 0: the basis model's L is a strictly convex quadratic
    in theta, so shifting the recorded critical theta makes the gradient nonzero."""
    params = recorded_worst("k19.ex1")
    params["theta"] = [params["theta"][0] + 0.1]
    m = _assert_out("k19.ex1", params, "critical", re.compile(
        r"\$\\\|\\nabla L\\\| = " + TEXNUM + r" > \\sqrt u\\sum_i\|\\lambda_i\\ell'_i\|"
        r"\\\|\\varphi_i\\\| = " + TEXNUM + r"\$"))
    assert _tex_float(m.group(1)) > _tex_float(m.group(2)) > 0


def test_k19_thm1_a_shifted_point_is_not_critical():
    """Theorem 1 needs a critical point: shifting every parameter of the recorded one leaves a
    certified gap far above rounding."""
    params = recorded_worst("k19.thm1")
    params["theta"] = [t + 0.1 for t in params["theta"]]
    m = _assert_out("k19.thm1", params, "critical", re.compile(
        r"certified gap \$" + TEXNUM + r"\$ exceeds rounding \$" + TEXNUM
        + r"\$ \(\$\\\|\\nabla L\\\| = " + TEXNUM + r"\$\): not critical to working precision"))
    assert _tex_float(m.group(1)) > _tex_float(m.group(2))
    assert _tex_float(m.group(3)) > 0


def test_k19_ex2_unit_inputs_boundary():
    """Example 2 needs ||x_i|| = 1 up to gamma_{d+1}: scaling the inputs by 1.01 fails with
    deviation 0.01, by 1 + 1e-12 still fails (far above gamma_{d+1})."""
    params = recorded_worst("k19.ex2")
    X = np.array(params["X_raw"])
    tol = _gamma(X.shape[1] + 1)
    for c in (1.01, 1 + 1e-12):
        dev = float(np.max(np.abs(np.linalg.norm(c * X, axis=1) - 1.0)))
        assert dev > tol
        _assert_out("k19.ex2", {**params, "X_raw": (c * X).tolist()}, "unit-inputs",
                    rf"$\max_i|\|x_i\|-1| = {tex_number(dev)} > {tex_number(tol)}$")


def test_k19_ex2_separation_boundary():
    """Example 2 needs 0 < eps' <= delta = 1 - max_{i != j} <x_i, x_j>: eps' = delta holds,
    eps' slightly above delta and eps' = 0 fail with the reason that names both."""
    params = recorded_worst("k19.ex2")
    X = np.array(params["X_raw"])
    G = X @ X.T
    delta = 1.0 - max(G[i, j] for i in range(len(X)) for j in range(len(X)) if i != j)
    assert delta > 0
    _holds("k19.ex2", {**params, "eps_prime": delta}, "separated")
    for e in (delta * (1 + 1e-9), 0.0):
        _assert_out("k19.ex2", {**params, "eps_prime": e}, "separated",
                    rf"$\delta = {tex_number(delta)}$, $\epsilon' = {tex_number(e)}$: need "
                    r"$0<\epsilon'\le\delta$")


# ----------------------------------------------------------------------- k19 (ResNet, deep nets)
def _narrow_dz(params: dict, d_z: int) -> dict:
    """The residual block's inner width d_z cut to its first d_z units (R's columns and the
    last U layer's rows)."""
    U = [list(u) for u in params["U"]]
    U[-1] = U[-1][:d_z]
    return {**params, "R": [row[:d_z] for row in params["R"]], "U": U}


@pytest.mark.parametrize("cid", ["k19.ours3", "k19.thm3"])
def test_k19_dy_le_dz_boundary(cid):
    """d_y <= d_z: with d_z = d_y the hypothesis holds, with d_z = d_y - 1 it fails."""
    params = recorded_worst(cid)
    d_y = len(params["Y"][0])
    _holds(cid, _narrow_dz(params, d_y), "dy<=dz")
    _assert_out(cid, _narrow_dz(params, d_y - 1), "dy<=dz", f"$d_y = {d_y} > d_z = {d_y - 1}$")


def test_k19_prop1_needs_a_scalar_output():
    """Proposition 1 (PA1) is for d_y = 1: duplicating the output row gives d_y = 2."""
    params = recorded_worst("k19.prop1")
    params["Y"] = [row * 2 for row in params["Y"]]
    params["W"] = params["W"] * 2
    _assert_out("k19.prop1", params, "pa1-dy1", "$d_y = 2$")


def test_k19_prop2_PA6_boundary():
    """PA6: min(d_x, d_y) <= min hidden width. A first hidden layer of width min(d_x, d_y)
    holds, one unit narrower fails."""
    params = recorded_worst("k19.prop2")
    k = min(len(params["X"][0]), len(params["Y"][0]))

    def narrow(width):
        Ws = [list(W) for W in params["Ws"]]
        Ws[0] = Ws[0][:width]
        Ws[1] = [row[:width] for row in Ws[1]]
        return {**params, "Ws": Ws}

    _holds("k19.prop2", narrow(k), "PA6")
    _assert_out("k19.prop2", narrow(k - 1), "PA6", rf"$\min\{{d_x,d_y\}} > \min_l d_l = {k - 1}$")


def test_k19_thm4_relu_at_its_kink_is_not_differentiable():
    """theta must avoid the non-differentiable set: a ReLU unit whose weight row is orthogonal
    to a sample has pre-activation exactly 0 there (x1 x0 - x0 x1 = 0 in floating point)."""
    params = recorded_worst("k19.thm4")
    X = np.array(params["X"]).T  # d_x x m, samples as columns
    acts = [["relu", "tanh"], list(params["activations"][1])]
    _holds("k19.thm4", {**params, "activations": acts}, "differentiable")
    W1 = [list(r) for r in params["Ws"][0]]
    W1[0] = [X[1, 0], -X[0, 0]]
    _assert_out("k19.thm4", {**params, "activations": acts, "Ws": [W1, *params["Ws"][1:]]},
                "differentiable", "ReLU unit 0 of layer 1 is at its kink on a sample")


def test_k19_thm4_a_shifted_point_is_not_a_local_minimum():
    """Theorem 4 needs a local minimum: shifting the last layer leaves a point that the
    certificate refuses, and the reason is the inequality that refutes it, true as stated (a
    clearly negative Hessian eigenvalue, or a gradient far from 0)."""
    params = recorded_worst("k19.thm4")
    W3 = (np.array(params["Ws"][2]) + 0.1).tolist()
    m = _assert_out("k19.thm4", {**params, "Ws": [*params["Ws"][:2], W3]}, "local-minimum",
                    re.compile(r"\$\\theta\$ is not a local minimum: \$(?:\\lambda_\{\\min\}"
                               r"\(D\^\{-1/2\}\\nabla\^2L\\,D\^\{-1/2\}\) = " + TEXNUM + r" < -"
                               + TEXNUM + r"|\|\\partial L/\\partial\\theta_\{\d+\}\| = " + TEXNUM
                               + r" > " + TEXNUM + r")\$"))
    if m.group(1) is not None:
        assert _tex_float(m.group(1)) < -_tex_float(m.group(2)) < 0
    else:
        assert _tex_float(m.group(3)) > _tex_float(m.group(4)) > 0


# ------------------------------------------------------------------------------------- hm17
def test_hm17_tau_lt_one_boundary():
    """0 <= tau < 1 (eq. 2.3): the largest double below 1 holds, tau = 1 fails."""
    params = recorded_worst("hm17.eq2.3")
    _holds("hm17.eq2.3", {**params, "tau": float(np.nextafter(1.0, 0.0))}, "tau<1")
    _assert_out("hm17.eq2.3", {**params, "tau": 1.0}, "tau<1", r"$\tau=1\ge1$")


_SIGMA_PSD = ["hm17.eq2.3", "hm17.rem1.1", "hm17.thm2.2"]


def _sigma(params: dict, eigs: list[float]) -> dict:
    """Sigma = Q diag(eigs) Q^T with Q a rotation (identity in one dimension), symmetric by
    construction."""
    d = len(params["Sigma"])
    Q = np.linalg.qr(np.random.default_rng(5).standard_normal((d, d)))[0] if d > 1 else np.eye(1)
    S = Q @ np.diag(eigs[:d]) @ Q.T
    return {**params, "Sigma": ((S + S.T) / 2).tolist()}


@pytest.mark.parametrize("cid", _SIGMA_PSD)
def test_hm17_sigma_psd_boundary(cid):
    """Sigma = E[xx^T] is PSD: a singular PSD Sigma holds, eigenvalue -1e-3 fails with that
    eigenvalue in the reason."""
    params = recorded_worst(cid)
    d = len(params["Sigma"])
    _holds(cid, _sigma(params, [0.0] if d == 1 else [1.0, 0.0]), "Sigma PSD")
    neg = _sigma(params, [-1e-3] if d == 1 else [1.0, -1e-3])
    lam = float(np.linalg.eigvalsh(np.array(neg["Sigma"]))[0])
    assert lam == pytest.approx(-1e-3, rel=1e-9)
    _assert_out(cid, neg, "Sigma PSD", rf"$\Sigma$ has eigenvalue ${tex_number(lam)}<0$")


@pytest.mark.parametrize("cid", ["hm17.eq2.3", "hm17.thm2.2"])
def test_hm17_sigma_must_be_symmetric(cid):
    """A second-moment matrix is symmetric: an off-diagonal asymmetry of 1e-3 fails."""
    params = recorded_worst(cid)
    S = np.array(params["Sigma"])
    S[0, 1] += 1e-3
    _assert_out(cid, {**params, "Sigma": S.tolist()}, "Sigma PSD", r"$\Sigma$ is not symmetric")


def test_hm17_thm22_A_in_ball_boundary():
    """|||A||| = max_i ||A_i||_2 <= tau: tau = |||A||| holds, tau (1 - 1e-9) fails, and the
    reason prints |||A|||."""
    params = recorded_worst("hm17.thm2.2")
    norm = max(float(np.linalg.norm(np.array(Ai), 2)) for Ai in params["A"])
    _holds("hm17.thm2.2", {**params, "tau": norm}, "A in B_tau")
    _assert_out("hm17.thm2.2", {**params, "tau": norm * (1 - 1e-9)}, "A in B_tau",
                rf"$|||A|||={tex_number(norm, 6)}>\tau$")
    A2 = (2 * np.array(params["A"])).tolist()
    _assert_out("hm17.thm2.2", {**params, "A": A2, "tau": norm * 1.5}, "A in B_tau",
                rf"$|||A|||={tex_number(2 * norm, 6)}>\tau$")


def test_hm17_rem11_R_sigma_half_zero():
    """R Sigma^{1/2} != 0: R = 0 fails; a nonzero R whose rows lie in the null space of a
    singular Sigma also gives R Sigma^{1/2} = 0 and fails."""
    params = recorded_worst("hm17.rem1.1")
    reason = r"$R\Sigma^{1/2}=0$ to rounding"
    _assert_out("hm17.rem1.1", {**params, "R": [[0.0]]}, "R Sigma^{1/2} != 0", reason)
    _assert_out("hm17.rem1.1", {**params, "R": [[1.0, -1.0], [2.0, -2.0]],
                                "Sigma": [[1.0, 1.0], [1.0, 1.0]]}, "R Sigma^{1/2} != 0", reason)
    _holds("hm17.rem1.1", {**params, "R": [[1.0, -1.0], [2.0, -2.0]],
                           "Sigma": [[1.0, 1.0], [1.0, 1.5]]}, "R Sigma^{1/2} != 0")


def test_hm17_propA_R_positive_definite_boundary():
    """R > 0 strictly: the recorded R shifted so that its smallest eigenvalue is 0 fails
    (singular), shifted to smallest eigenvalue 1e-3 ||R|| holds; -R fails."""
    params = recorded_worst("hm17.propA.psd")
    R = np.array(params["R"])
    lam = np.linalg.eigvalsh(R)
    name, reason = "R positive definite", "$R$ is not positive definite"

    def shifted(shift):
        Rs = R - shift * np.eye(len(R))
        return {**params, "R": ((Rs + Rs.T) / 2).tolist()}

    _assert_out("hm17.propA.psd", shifted(lam[0]), name, reason)
    _holds("hm17.propA.psd", shifted(lam[0] - 1e-3 * lam[-1]), name)
    _assert_out("hm17.propA.psd", {**params, "R": (-R).tolist()}, name, reason)


def test_hm17_claim23_covariance_must_be_psd():
    """Cov(x) = Sigma - mu mu^T is PSD iff mu^T Sigma^{-1} mu <= 1: a mean on that ellipsoid's
    boundary (scaled by 1 - 1e-9) holds, scaled by 1.01 fails with the smallest eigenvalue."""
    params = recorded_worst("hm17.claim2.3")
    S = np.array(params["Sigma"])
    v = np.array([1.0, -2.0, 0.5])[: len(S)]
    mu = v / math.sqrt(float(v @ np.linalg.solve(S, v)))
    _holds("hm17.claim2.3", {**params, "x_mean": ((1 - 1e-9) * mu).tolist()}, "x distribution")
    out = 1.01 * mu
    C = S - np.outer(out, out)
    lam = float(np.linalg.eigvalsh(C)[0])
    assert lam < 0
    _assert_out("hm17.claim2.3", {**params, "x_mean": out.tolist()}, "x distribution",
                r"$\operatorname{Cov}(x)$ is not symmetric PSD (smallest eigenvalue "
                f"${tex_number(lam)}$)")


def test_hm17_lemB1_norms_window():
    """1 - rho' <= ||alpha_i||^2 <= 1 + rho': one alpha rescaled to the edges of the window
    (inside by 1e-6 rho') holds, outside by 1e-3 rho' on either side fails with the range of
    squared norms in the reason."""
    params = recorded_worst("hm17.lemB.1")
    A = np.array(params["alpha"])
    rp = params["rho_prime"]

    def with_sq(target):
        B = A.copy()
        B[0] *= math.sqrt(target / float(B[0] @ B[0]))
        return B

    for side in (1.0, -1.0):
        _holds("hm17.lemB.1", {**params, "alpha": with_sq(1 + side * rp * (1 - 1e-6)).tolist()},
               "norms")
        B = with_sq(1 + side * rp * (1 + 1e-3))
        sq = np.sum(B**2, axis=1)
        _assert_out("hm17.lemB.1", {**params, "alpha": B.tolist()}, "norms",
                    rf"$\|\alpha^{{(i)}}\|^2\in[{tex_number(sq.min(), 6)},"
                    rf"{tex_number(sq.max(), 6)}]\not\subseteq[1-\rho',1+\rho']$")


def test_hm17_lemB2_unit_surrogates():
    """The surrogate labels q_a are unit vectors: scaling them by 1.01 fails with deviation
    0.01; normalising them holds."""
    params = recorded_worst("hm17.lemB.2")
    Q = np.array(params["Q"])
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    _holds("hm17.lemB.2", {**params, "Q": Qn.tolist()}, "unit-surrogates")
    dev = float(np.max(np.abs(np.linalg.norm(1.01 * Qn, axis=1) - 1.0)))
    _assert_out("hm17.lemB.2", {**params, "Q": (1.01 * Qn).tolist()}, "unit-surrogates",
                rf"surrogate labels not unit: $\max_a|\|q_a\|-1|={tex_number(dev)}$")


def test_hm17_thm32_unit_norm_inputs():
    """Theorem 3.2's inputs are unit vectors (to 10 d u): scaled by 1.01 they fail, with the
    deviation and the tolerance 10 d u in the reason."""
    params = recorded_worst("hm17.thm3.2")
    X = np.array(params["X"])
    d = X.shape[1]
    dev = float(np.max(np.abs(np.linalg.norm(1.01 * X, axis=1) - 1.0)))
    _assert_out("hm17.thm3.2", {**params, "X": (1.01 * X).tolist()}, "unit-norm",
                rf"$\max_i|\|x^{{(i)}}\|-1|={tex_number(dev)}>10du={tex_number(10 * d * U, 2)}$")


def test_hm17_thm32_r_le_n_boundary():
    """r <= n (n samples): r = n holds, r = n + 1 fails."""
    params = recorded_worst("hm17.thm3.2")
    n, d = np.shape(params["X"])
    _holds("hm17.thm3.2", {**params, "r": n}, "r,d<=n")
    _assert_out("hm17.thm3.2", {**params, "r": n + 1}, "r,d<=n",
                rf"needs $r,d\le n$ ($r={n + 1}$, $d={d}$, $n={n}$)")


# ------------------------------------------------------------------------------------- k22
@pytest.mark.parametrize("cid", ["k22.asm4", "k22.thm4", "k22.thm5"])
def test_k22_body_activation_must_be_analytic(cid):
    """Assumption 6: the body activation is real analytic. ReLU has a kink at 0 and fails;
    sigmoid and softplus (analytic) meet it."""
    params = recorded_worst(cid)
    _assert_out(cid, {**params, "activation": "relu"}, "analytic", "relu has a kink")
    for act in ("sigmoid", "softplus"):
        _holds(cid, {**params, "activation": act}, "analytic")


@pytest.mark.parametrize("cid", ["k22.eq2.11", "k22.eq2.12"])
def test_k22_gap_common_structure_fails_with_a_tanh_output(cid):
    """Assumption 1 (f = J nu) holds for a linear output layer (f is linear in the last
    layer); a tanh output breaks it, and the reason names the first t of T checked."""
    params = recorded_worst(cid)
    _assert_out(cid, {**params, "output": "tanh", "T_set": [0, 1]}, "common-structure",
                "Assumption 1 fails at $t=0$")
    _assert_out(cid, {**params, "output": "tanh", "T_set": [1, 2]}, "common-structure",
                "Assumption 1 fails at $t=1$")


@pytest.mark.parametrize("cid", ["k22.eq2.11", "k22.eq2.12", "k22.thm3"])
def test_k22_gap_smooth_step_fails_for_a_too_small_L(cid):
    """The step 2 alpha / L guarantees the descent inequality only when L is a smoothness
    constant: L divided by 100 (a step 100 times longer) breaks it at the first t of T (from
    t = 1 as well where the second long step still overshoots; for k22.thm3 the saturated
    cross-entropy makes the second step a descent one)."""
    params = recorded_worst(cid)
    small = params["L"] / 100
    for T, t in (([0, 1], 0), ([1, 2], 1))[: 1 if cid == "k22.thm3" else 2]:
        _assert_out(cid, {**params, "L": small, "T_set": T}, "smooth-step",
                    f"descent inequality fails at $t={t}$: $L$ is not a smoothness constant "
                    "here")


def test_k22_eq211_daa_fails_for_a_misaligned_linear_model():
    """(2.11) needs vec(Y) in Col(J(theta^t)) for t in T (its control drops the structure
    assumption instead): a linear model with 20 x 5 features and a random target has Col(J) =
    Col(X) of dimension 5, so vec(Y) is outside it at every one of the 1000 iterations."""
    misaligned = get("k22.thm3").controls[0].fixed_instances()[0]
    _assert_out("k22.eq2.11", to_jsonable(misaligned), "daa",
                r"DAA not certified at 1000 of the $t\in\mathcal T$")


def test_k22_prop1_a_constant_target_is_in_the_column_space():
    """vec(Y) must lie outside Col(J): a constant target c 1 is the output bias' column of J,
    so it is a member and ``non-member`` fails."""
    params = recorded_worst("k22.prop1")
    params["Y"] = [[0.7]] * len(params["Y"])
    _assert_out("k22.prop1", params, "non-member",
                r"$\operatorname{vec}(Y)$ not certified outside $\operatorname{Col}(J)$ (True)")


def test_k22_thm2_step_rule_fails_for_a_long_step():
    """Theorem 2's step alpha <= (2 - epsilon)/L: a step 30 times the recorded one has no
    sufficient decrease at t = 0."""
    params = recorded_worst("k22.thm2")
    params["step_size"] *= 30
    _assert_out("k22.thm2", params, "step-rule",
                r"no sufficient decrease at $t=0$: the step exceeds $(2-\epsilon)/L$")


def test_k22_thm2_daa_fails_for_a_perturbed_target():
    """DAA along the trajectory: with 54 samples and 53 parameters, J has fewer columns than
    vec(Y) has entries, so a generic perturbation of Y leaves Col(J) at every iterate."""
    params = recorded_worst("k22.thm2")
    Y = np.array(params["Y"])
    params["Y"] = (Y + 0.1 * np.random.default_rng(0).standard_normal(Y.shape)).tolist()
    m = _assert_out("k22.thm2", params, "daa-along-trajectory", re.compile(
        r"DAA not certified at (\d+) iterates \(first \$t=0\$\)"))
    assert 1 <= int(m.group(1)) <= params["steps"]


def test_k22_thm5_output_weights_must_be_nonzero():
    """theta^tau_(H, j) has no zero entry: zeroing the last one or two output weights fails
    with that count; zeroing a first-layer weight does not touch it."""
    params = recorded_worst("k22.thm5")
    for k in (1, 2):
        theta = list(params["theta"])
        theta[-k:] = [0.0] * k
        _assert_out("k22.thm5", {**params, "theta": theta}, "nonzero-out",
                    f"$W^{{(H)}}$ has {k} zero entries (a null event)")
    theta = list(params["theta"])
    theta[0] = 0.0
    _holds("k22.thm5", {**params, "theta": theta}, "nonzero-out")


# ------------------------------------------------------------------------------------- j19
@pytest.mark.parametrize("cid", ["j19.lem1", "j19.ours1", "j19.thm2"])
def test_j19_M_ge_L_boundary(cid):
    """M >= L with L = (2n+1)^K: n = 3 (L = 7) and h = 2 (M = 3h + 1 = 7) holds at equality,
    h = 1 (M = 4) fails."""
    params = recorded_worst(cid)
    base = {**params, "n": 3, "N": max(params["N"], 16 * 7)}
    _holds(cid, {**base, "h": 2, "w": params["w"][:7]}, "M>=L")
    _assert_out(cid, {**base, "h": 1, "w": params["w"][:4]}, "M>=L", "$M<L$")


def test_j19_ours2_T_le_L_boundary():
    """T <= L = 3 (n = 1, K = 1): three training points hold, four fail."""
    params = recorded_worst("j19.ours2")
    X = [[0.1], [0.4], [0.7], [0.9]]
    y = [0.5, -0.2, 0.3, 1.0]
    _holds("j19.ours2", {**params, "X": X[:3], "y": y[:3]}, "T<=L")
    _assert_out("j19.ours2", {**params, "X": X, "y": y}, "T<=L", "$T>L$")


def test_j19_thm2_armijo_and_full_rank_along_run():
    """Theorem 2 needs Armijo steps (a fixed step fails ``armijo``) and H(w_n) of full rank
    along the run (w = 0 makes every hidden unit dead, and so H degenerate from iterate 0);
    the reason names the iterate, and where the run stopped (here at the floating-point floor:
    only the output bias moves, and its gradient dies out)."""
    params = recorded_worst("j19.thm2")
    _assert_out("j19.thm2", {**params, "step_rule": "fixed"}, "armijo", "fixed step size")
    _assert_out("j19.thm2", {**params, "w": [0.0] * len(params["w"])}, "full-rank-along-run",
                re.compile(r"\$H\$ not FULL at iterate 0: "
                           r"\$\\sigma_L/\\sigma_1=0<10\^\{-8\}\$ "
                           r"\(rows equilibrated\) \(the run stopped at the floating-point floor "
                           r"after \d+ steps: .*\)"))


@pytest.mark.parametrize("cid", ["j19.eq8", "j19.lem2"])
def test_j19_relu_unit_with_zero_weights_is_a_kink_at_every_node(cid):
    """``differentiable``: a ReLU unit with w_j = 0, b_j = 0 has pre-activation 0 at every
    node of the grid, where F has different one-sided derivatives in (w_j, b_j)."""
    params = {**recorded_worst(cid), "activation": "relu"}
    w = list(params["w"])
    h, K = params["h"], params["K"]
    w[0:K] = [0.0] * K          # w_0 (input weights of unit 0)
    w[h * K] = 0.0              # b_0
    N = params["N"]
    grid = (N + 1) ** K
    _assert_out(cid, {**params, "w": w}, "differentiable", re.compile(
        r"a ReLU pre-activation is exactly 0 at a quadrature node \(unit 0, \$x=\(0(, 0)?\)\$; "
        + str(grid) + r" such nodes\): \$F\$ is not differentiable there"))


def test_j19_lem2_relu_kinks_inside_the_cube_give_full_rank():
    """Lemma 2 needs rank H < L certified: four ReLU units with kinks at 0.2, ..., 0.8 inside
    [0, 1] make H of full rank, so ``H-deficient`` fails with a large s = sigma_L / sigma_1."""
    from theory.models.feedforward import Feedforward

    params = recorded_worst("j19.lem2")
    kinks = np.array([0.2, 0.4, 0.6, 0.8])
    w = Feedforward([1, 4, 1], "relu").flatten(
        [(np.ones((4, 1)), -kinks), (np.array([[1.0, -1.0, 1.0, -1.0]]), np.zeros(1))])
    m = _assert_out("j19.lem2", {**params, "w": w.tolist()}, "H-deficient",
                    re.compile(r"\$H\$ not certified DEFICIENT \(\$s=" + TEXNUM + r"\$\)"))
    assert _tex_float(m.group(1)) > 1e-8


# ----------------------------------------------------------------- rounding allowances (hm17)
def test_hm17_tolerances_admit_rounding_but_no_more():
    """The PSD, ball and unit-norm predicates allow rounding-level violations (gamma_{4d} or
    10 d u relative) and nothing larger: a violation at 1e-17 / 2e-16 / 2e-15 holds, one at
    1e-13 fails (kills mutants that drop or flip the tolerance term)."""
    p = recorded_worst("hm17.eq2.3")
    _holds("hm17.eq2.3", {**p, "Sigma": [[1.0, 0.0], [0.0, -1e-17]]}, "Sigma PSD")
    _assert_out("hm17.eq2.3", {**p, "Sigma": [[1.0, 0.0], [0.0, -1e-13]]}, "Sigma PSD",
                rf"$\Sigma$ has eigenvalue ${tex_number(-1e-13)}<0$")
    S = np.array(p["Sigma"])
    S[0, 1] += 1e-17 * float(np.max(np.abs(S)))
    _holds("hm17.eq2.3", {**p, "Sigma": S.tolist()}, "Sigma PSD")

    p = recorded_worst("hm17.thm2.2")
    norm = max(float(np.linalg.norm(np.array(Ai), 2)) for Ai in p["A"])
    _holds("hm17.thm2.2", {**p, "tau": norm * (1 - 2e-16)}, "A in B_tau")
    _assert_out("hm17.thm2.2", {**p, "tau": norm * (1 - 1e-13)}, "A in B_tau",
                rf"$|||A|||={tex_number(norm, 6)}>\tau$")

    p = recorded_worst("hm17.thm3.2")
    X = np.array(p["X"])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    _holds("hm17.thm3.2", {**p, "X": (X * (1 + 2e-15)).tolist()}, "unit-norm")
    Xo = X * (1 + 1e-13)
    dev = float(np.max(np.abs(np.linalg.norm(Xo, axis=1) - 1.0)))
    _assert_out("hm17.thm3.2", {**p, "X": Xo.tolist()}, "unit-norm",
                rf"$\max_i|\|x^{{(i)}}\|-1|={tex_number(dev)}>10du="
                rf"{tex_number(10 * X.shape[1] * U, 2)}$")

    p = recorded_worst("hm17.lemB.2")
    Q = np.array(p["Q"])
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    _holds("hm17.lemB.2", {**p, "Q": (Q * (1 + 2e-15)).tolist()}, "unit-surrogates")
    _assert_out("hm17.lemB.2", {**p, "Q": (Q * (1 + 1e-13)).tolist()}, "unit-surrogates",
                re.compile(re.escape(r"surrogate labels not unit: $\max_a|\|q_a\|-1|=")
                           + r"(.+)\$"))


def test_hm17_propA_definiteness_is_decided_exactly():
    """R > 0 is decided in rational arithmetic (d <= 8), as the theorem states it: the stored
    R = diag(1, 2^-50) is positive definite although a float eigensolver cannot tell its
    smallest eigenvalue from 0, so it is in scope and the oracle answers inconclusive (gamma
    cannot be trusted); the exactly singular [[1, 1], [1, 1]] fails."""
    p = recorded_worst("hm17.propA.psd")
    params = {**p, "R": [[1.0, 0.0], [0.0, 2.0**-50]], "ell": 104}
    _holds("hm17.propA.psd", params, "R positive definite")
    verdict = get("hm17.propA.psd").check(get("hm17.propA.psd").parse(params))
    assert verdict.status == "inconclusive" and "cannot be trusted" in verdict.message
    _assert_out("hm17.propA.psd", {**p, "R": [[1.0, 1.0], [1.0, 1.0]]}, "R positive definite",
                "$R$ is not positive definite")


# ------------------------------------------------------------------------ every control
CONTROL_NAMES = [(c.id, ctl.name) for c in all_claims() for ctl in c.controls]


@pytest.mark.parametrize(("claim_id", "name"), CONTROL_NAMES)
def test_control_drops_exactly_its_named_hypothesis(claim_id, name):
    """A control is a non-empty, replayable instance source for which exactly the named
    hypothesis fails: ``drops`` is one of the claim's hypotheses, name and description are
    text, the fixed instances are the same on every call (seeded), each parses back from its
    JSON, its parsed form fails ``drops`` and nothing else, so the claim is out of scope on it.

    Kills: controls renamed, undescribed or with ``drops`` changed, without instances, with a
    broken or unseeded builder, and with instance data outside the parser's domain."""
    claim = get(claim_id)
    ctl = claim.control(name)
    assert isinstance(ctl.name, str) and ctl.name
    assert isinstance(ctl.description, str) and ctl.description
    assert ctl.drops in {h.name for h in claim.hypotheses}
    first = ctl.fixed_instances()
    assert first or ctl.strategy is not None
    again = ctl.fixed_instances()
    assert json.dumps(to_jsonable(list(first))) == json.dumps(to_jsonable(list(again)))
    for inst in first:
        parsed = claim.parse(json.loads(json.dumps(to_jsonable(inst))))
        unmet = [u.split(":")[0] for u in claim.unmet_hypotheses(parsed)]
        assert unmet == [ctl.drops]
        assert claim.check(parsed).status is Status.OUT_OF_SCOPE
