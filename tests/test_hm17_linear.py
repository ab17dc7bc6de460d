"""Hardt & Ma (2017) linear residual claims (the package :mod:`checks.papers.hm17_linear`):
registration, each claim on its strategy, its controls, JSON round trips, input validation,
parameters, relations, edge draws and cost estimates, and the hypotheses shared by the
sections (:mod:`checks.papers.hm17_linear._common`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from parsing import accepts, range_is_exact, rejects, residual_params
from roundtrip import assert_json_round_trip, holds_on_strategy

import checks.papers.hm17_linear as mod
from checks.framework import Claim
from checks.inputs import BadInput
from checks.papers.hm17_linear import appendix_a, appendix_c, section1, section2
from checks.profiles import get_profile
from checks.registry import all_claims, get
from checks.runner import run_control, sample_instances
from checks.serialise import to_jsonable
from theory.linalg import symmetry_tolerance
from theory.numerics import unit_roundoff

IDS = ["hm17.claim2.3", "hm17.lem2.4", "hm17.thm2.1", "hm17.propA.psd", "hm17.thm2.2",
       "hm17.eq2.3", "hm17.rem1.1", "hm17.claimA.1", "hm17.claimC.1", "hm17.claimC.2"]


CI = get_profile("ci")


def test_registered_ids():
    assert sorted(c.id for c in mod.CLAIMS) == sorted(IDS)
    assert {c.id for c in all_claims("hm17.")} >= set(IDS)
    assert all(c.paper == "hm17" and c.controls for c in mod.CLAIMS)


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_holds_on_its_strategy(claim_id):
    holds_on_strategy(claim_id, 8)()


CONTROLS = [(c.id, k.name) for c in mod.CLAIMS for k in c.controls]


@pytest.mark.parametrize(("claim_id", "control"), CONTROLS)
def test_control_is_violated(claim_id, control):
    claim = get(claim_id)
    run = run_control(claim, claim.control(control), CI)
    assert run.passed
    assert run.verdict["status"] == "violated"


@pytest.mark.parametrize("claim_id", IDS)
def test_json_round_trip(claim_id):
    claim = get(claim_id)
    (instance,) = list(sample_instances(claim.strategy("ci"), CI, 1))
    assert_json_round_trip(claim, instance)


GOOD = {
    "R": [[1.0, 0.0], [0.0, 2.0]], "Sigma": [[1.0, 0.0], [0.0, 1.0]],
    "A": [[[0.1, 0.0], [0.0, 0.1]]], "tau": 0.5,
}


BAD = [
    ("hm17.claim2.3", {"R": [[1.0, 0.0]], "Sigma": GOOD["Sigma"], "A": GOOD["A"]}, "square"),
    ("hm17.claim2.3", dict(GOOD, A=[[[0.1, 0.0, 0.0]] * 3]), r"A\[0\]"),
    ("hm17.claim2.3", dict(GOOD, x_mean=[1.0, 2.0, 3.0]), "x_mean"),
    ("hm17.lem2.4", dict(GOOD, Sigma=[[1.0, float("nan")], [0.0, 1.0]]), "NaN"),
    ("hm17.lem2.4", dict(GOOD, reading="upside-down"), "reading"),
    ("hm17.eq2.3", {k: v for k, v in GOOD.items() if k != "tau"}, "tau"),
    ("hm17.thm2.2", dict(GOOD, tau="half"), "tau"),
    ("hm17.thm2.1", {"R": GOOD["R"], "ell": 2.5}, "ell"),
    ("hm17.propA.psd", {"R": [[1.0]]}, "ell"),
    ("hm17.rem1.1", {"R": GOOD["R"], "Sigma": [[1.0]], "ell": 2}, "Sigma"),
    ("hm17.claimA.1", {"Q": [[1.0, 0.0, 0.0]] * 3, "q": 2}, "Q"),
    ("hm17.claimC.1", {"U": [1.0, 2.0]}, "U"),
    ("hm17.claimC.2", {"A": [[1.0, 0.0], [0.0, 1.0]], "B": [[1.0]]}, "B"),
]


@pytest.mark.parametrize(("claim_id", "params", "word"), BAD)
def test_parse_rejects_malformed(claim_id, params, word):
    with pytest.raises(BadInput, match=word):
        get(claim_id).parse(params)


@pytest.mark.parametrize("claim_id", IDS)
def test_parameters_name_every_key_the_parser_reads(claim_id):
    """Every key of a drawn (generic or edge) instance is a declared parameter, every required
    parameter is present, and the instance parses back from exactly those keys."""

    claim = get(claim_id)
    names = {p.name for p in claim.parameters}
    required = {p.name for p in claim.parameters if p.required}
    sources = [claim.strategy("ci"), claim.edge_strategy("ci")]
    for source in sources:
        (inst,) = list(sample_instances(source, CI, 1))
        params = to_jsonable(inst)
        assert set(params) <= names, set(params) - names
        assert required <= set(params)
        claim.parse(params)


def test_basis_change_keeps_the_risk_and_gradient_norm_exactly():
    """The signed-permutation change of basis is exact: f - C_opt and ||grad f||^2 of the
    transformed instance equal the original's in rational arithmetic."""
    from checks.strategies.hm17_linear import ball_instances
    from theory import exact

    relation = next(r for r in get("hm17.eq2.3").relations if "basis" in r.name)
    (inst,) = list(sample_instances(ball_instances(d=3, ell=2), CI, 1))
    moved = relation.transform(inst, np.random.default_rng(1))
    for key in ("excess_risk", "gradient"):
        if key == "excess_risk":
            before = exact.excess_risk(inst["A"], inst["R"], inst["Sigma"])
            after = exact.excess_risk(moved["A"], moved["R"], moved["Sigma"])
        else:
            before = exact.gradient_norm_sq(exact.risk_gradient(inst["A"], inst["R"],
                                                                inst["Sigma"]))
            after = exact.gradient_norm_sq(exact.risk_gradient(moved["A"], moved["R"],
                                                               moved["Sigma"]))
        assert before == after, key


def test_sigma_scaling_relation_scales_gd_step_inversely():
    relation = next(r for r in get("hm17.thm2.2").relations if "Sigma" in r.name)
    inst = {"R": np.eye(2), "Sigma": np.eye(2), "A": [np.zeros((2, 2))], "tau": 0.5,
            "gd_step": 0.25, "gd_steps": 3}
    moved = relation.transform(inst, np.random.default_rng(0))
    c = moved["Sigma"][0, 0]
    assert c != 1.0 and math.log2(c).is_integer()
    assert moved["gd_step"] * c == inst["gd_step"]


def test_ball_edges_lie_in_the_ball_exactly():
    """Edge draws of eq. (2.3) have every slice exactly in B_tau (rational arithmetic), with
    |||A||| = tau exactly unless A = 0."""
    from hypothesis import HealthCheck

    from checks.strategies.hm17_linear import ball_edge_instances
    from theory import exact

    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(ball_edge_instances())
    def run(inst):
        signs = [exact.compare_spectral_norm(Ai, inst["tau"]) for Ai in inst["A"]]
        assert max(signs) <= 0
        assert max(signs) == 0 or not any(np.any(Ai) for Ai in inst["A"])

    run()


def test_cost_estimates_grow_with_the_work():
    """The cost estimates (seconds, for ``checks verify``'s budget) grow with the number of
    descent steps and layers (Theorem 2.2), the depth (Theorem 2.1, App. A.1) and q (Claim A.1)."""
    small = {"R": np.eye(2), "Sigma": np.eye(2), "A": [np.zeros((2, 2))] * 2, "tau": 0.5}
    thm22 = get("hm17.thm2.2").cost
    assert thm22(small) < thm22({**small, "gd_steps": 2000, "gd_step": 0.1})
    assert thm22({**small, "gd_steps": 2000}) < thm22({**small, "A": small["A"] * 3,
                                                       "gd_steps": 2000})
    for cid in ("hm17.thm2.1", "hm17.propA.psd"):
        cost = get(cid).cost
        assert cost({"R": np.eye(2), "ell": 10}) < cost({"R": np.eye(2), "ell": 10_000})
    cost = get("hm17.claimA.1").cost
    assert cost({"Q": np.eye(2), "q": 1}) < cost({"Q": np.eye(2), "q": 100_000})


U = unit_roundoff()








@pytest.mark.parametrize(("claim_id", "hi"), [("hm17.rem1.1", 64), ("hm17.thm2.1", 10_000)])
def test_depth_bounds(claim_id, hi):
    """``ell`` of §1.1 in ``[1, 64]`` and of Theorem 2.1 in ``[1, 10000]``: ends accepted, one
    beyond rejected."""
    params = {"R": np.eye(2).tolist(), "Sigma": np.eye(2).tolist()}
    for ell in (1, hi):
        assert accepts(claim_id, {**params, "ell": ell})["ell"] == ell
    for ell in (0, hi + 1):
        rejects(claim_id, {**params, "ell": ell})


def test_ball_and_depth_hypotheses_hold_at_their_boundaries():
    """The shared hypotheses of the linear-residual claims at their boundaries (``tau < 1``
    strict, ``|||A||| <= tau``, ``ell >= 3 gamma``), and ``symmetry_tolerance = 4 u max(1,
    max |X|)`` behind the symmetric-``Sigma`` hypotheses. Kills arithmetic and comparison
    mutants of the hypotheses."""
    d, ell = 3, 2
    rng = np.random.default_rng(8)
    A = [0.3 * rng.standard_normal((d, d)) for _ in range(ell)]
    R = 2.0 * np.eye(d)
    assert symmetry_tolerance(np.full((2, 2), 0.5)) == 4 * U
    assert symmetry_tolerance(np.full((2, 2), -3.0)) == 12 * U
    ball = {h.name: h.check for h in get("hm17.thm2.2").hypotheses}
    assert ball["tau<1"]({"tau": 1.0 - 1e-12}) is True
    assert ball["tau<1"]({"tau": 1.0}) is not True
    norm = max(np.linalg.norm(Ai, 2) for Ai in A)
    assert ball["A in B_tau"]({"A": A, "R": R, "tau": norm}) is True
    assert ball["A in B_tau"]({"A": A, "R": R, "tau": 0.999 * norm}) is not True
    depth = {h.name: h.check for h in get("hm17.thm2.1").hypotheses}["ell >= 3 gamma"]
    Rg = np.diag([math.e, 1.0])  # gamma = 1
    assert depth({"R": Rg, "ell": 3}) is True
    assert depth({"R": Rg, "ell": 2}) is not True




@pytest.mark.parametrize("claim_id", ["hm17.eq2.3", "hm17.thm2.2"])
def test_tau_is_nonnegative(claim_id):
    """``tau >= 0`` (any radius of the ball, ``tau >= 1`` left to the hypothesis), ``-tiny``
    rejected; kills ``lo`` mutants of ``_parse_model(with_tau=True)``."""
    range_is_exact(claim_id, residual_params(), "tau", (0.0, 5.0), (-1e-300,))
    rejects(claim_id, residual_params())  # tau is required


def test_lemma24_default_reading_and_claim_a1_bounds():
    """Lemma 2.4 reads the gradient as ``"lemma"`` unless told otherwise; Claim A.1 takes
    ``q`` in ``[1, 100000]`` and a 2 x 2 ``Q``. Kills default and boundary mutants."""
    assert accepts("hm17.lem2.4", residual_params())["reading"] == "lemma"
    base = {"Q": np.eye(2).tolist(), "q": 3}
    range_is_exact("hm17.claimA.1", base, "q", (1, 100_000), (0, 100_001))
    rejects("hm17.claimA.1", {**base, "Q": np.eye(3).tolist()})



def test_package_registers_each_section_claim_once():
    """The package :mod:`checks.papers.hm17_linear` gathers the claims of its section modules,
    and the registry holds each once (with the ReLU package's four)."""
    sections = [appendix_a, appendix_c, section1, section2]
    declared = {v.id for m in sections for v in vars(m).values() if isinstance(v, Claim)}
    assert declared == set(IDS) == {c.id for c in mod.CLAIMS}
    hm17 = [c.id for c in all_claims("hm17.")]
    assert len(hm17) == len(set(hm17)) == len(IDS) + 4


@pytest.mark.parametrize("theta", [0.3, -1.2, 2.9])
def test_reflection_conjugation_reverses_the_rotation_angle_exactly(theta):
    """Claim A.1's relation ``Q -> DQD`` with ``D = diag(-1, 1)``: a rotation ``T(theta)``
    becomes ``T(-theta)`` and a reflection ``T(theta) diag(-1, 1)`` becomes
    ``T(-theta) diag(-1, 1)``, bit for bit (only signs change); the rest of the instance is
    kept."""
    from checks.strategies.hm17_linear import reflection_conjugation

    def T(t):
        return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])

    flip = np.diag([-1.0, 1.0])
    relation = reflection_conjugation()
    for Q, expected in ((T(theta), T(-theta)), (T(theta) @ flip, T(-theta) @ flip)):
        out = relation.transform({"Q": Q, "q": 3}, np.random.default_rng(0))
        assert out["q"] == 3
        np.testing.assert_array_equal(out["Q"], expected)


def test_tau_hypothesis_reports_tau_to_six_significant_figures():
    """Outside ``0 <= tau < 1`` the reason prints ``tau`` to six significant figures:
    ``1.2345678`` reads ``1.23457`` (rounded by hand)."""
    check = {h.name: h.check for h in get("hm17.thm2.2").hypotheses}["tau<1"]
    assert check({"tau": 1.2345678}) == r"$\tau=1.23457\ge1$"


def test_basis_change_moves_the_covariance_with_the_second_moment():
    """The signed-permutation basis change maps ``x_cov`` by ``P x_cov P^T`` exactly as it
    maps ``Sigma`` (``Sigma = Cov(x) + mu mu^T`` must survive the change of basis): given
    equal matrices, the moved ones stay equal, and they do move."""
    from checks.strategies.hm17_linear import basis_change

    M = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 3.0]])
    inst = {"R": np.eye(3), "Sigma": M, "x_cov": M.copy(), "A": [np.zeros((3, 3))],
            "x_mean": np.zeros(3)}
    transform = basis_change("test").transform
    moved = [transform(inst, np.random.default_rng(seed)) for seed in range(8)]
    for out in moved:
        assert np.array_equal(out["x_cov"], out["Sigma"])
    assert any(not np.array_equal(out["Sigma"], M) for out in moved)
