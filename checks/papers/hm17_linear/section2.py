"""Hardt & Ma (2017) §2: the landscape of linear residual networks. Claim 2.3 (the population
risk in closed form, eq. (2.4)), Lemma 2.4 (its gradient, eq. (2.5), App. A.2), eq. (2.3) (the
gradient lower bound in ``B_tau``) and Theorem 2.2 (no bad critical points in ``B_tau``), at a
point and along gradient descent."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_flag,
)
from checks.inputs import integer, matrix, real, require, vector
from checks.oracles import choice
from checks.papers.hm17_linear._common import (
    BASIS_CHANGE,
    PARAM_A,
    PARAM_R,
    PARAM_SIGMA,
    PARAM_TAU,
    SIGMA_SCALING,
    U,
    exact_arithmetic,
    frobenius_product,
    in_ball,
    instance_size,
    parse_model,
    sigma_psd,
    tau_lt_one,
    unit_scaled,
)
from checks.profiles import sized
from checks.reproductions import hm17_descent as descent
from checks.strategies import hm17_linear as strat
from checks.tex import tex_number
from theory import linalg
from theory.models import linear_residual as lr
from theory.numerics import gamma

if TYPE_CHECKING:
    from theory import exact

MC_SAMPLES = 20_000
MC_Z = 5.0  # false-alarm probability about 6e-7 per instance under the CLT

def _descent_cost(inst: Mapping[str, Any]) -> float:
    """Seconds of a gradient-descent check on this machine: about 0.13 ms per step and layer
    (d <= 5; measured 0.9 s for 2000 steps at d = 3, ell = 4)."""
    return 1e-3 + 1.3e-4 * inst.get("gd_steps", 0) * len(inst["A"])


# ---------------------------------------------------------------- Claim 2.3

def _parse_claim23(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_model(params)
    d = inst["R"].shape[0]
    mean = vector(params, "x_mean", d) if "x_mean" in params else np.zeros(d)
    inst["x_mean"] = mean
    if "x_cov" in params:
        inst["x_cov"] = matrix(params, "x_cov", (d, d))
    inst["seed"] = integer(params, "seed", lo=0, hi=2**63 - 1, default=0)
    return inst


def _x_cov(inst: Mapping[str, Any]) -> np.ndarray:
    """Covariance of ``x``: given, or ``Sigma - x_mean x_mean^T`` (``Sigma`` read as the second
    moment, the paper's meaning)."""
    if "x_cov" in inst:
        return inst["x_cov"]
    return inst["Sigma"] - np.outer(_x_mean(inst), _x_mean(inst))


def _x_mean(inst: Mapping[str, Any]) -> np.ndarray:
    return inst.get("x_mean", np.zeros(inst["R"].shape[0]))


def _distribution(inst: Mapping[str, Any]) -> bool | str:
    C = _x_cov(inst)
    # Cov(x) = Sigma - m m^T may come from a subtraction: its rounding is measured on the scale
    # max(1, ||C||_2) rather than on ||C||_2 alone.
    psd = linalg.semidefinite(C, scale=max(1.0, float(np.linalg.norm(C, 2))))
    if not linalg.symmetric(C).value or not psd.value:
        return (r"$\operatorname{Cov}(x)$ is not symmetric PSD (smallest eigenvalue "
                f"${tex_number(psd.numbers['lambda_min'])}$)")
    return True


def _second_moment(inst: Mapping[str, Any]) -> bool | str:
    """``Sigma = E[x x^T] = Cov(x) + E[x] E[x]^T`` (not the centred covariance)."""
    m = _x_mean(inst)
    moment = _x_cov(inst) + np.outer(m, m)
    gap = float(np.max(np.abs(moment - inst["Sigma"])))
    # four times the symmetry bound: Cov + m m^T and Sigma are two separately rounded matrices
    tol = 4 * linalg.symmetry_tolerance(moment)
    return True if gap <= tol else \
        rf"$\Sigma$ differs from $\mathbb E[xx^\top]$ by ${tex_number(gap)}$"


def _measure_claim23(inst: Mapping[str, Any]) -> Verdict:
    """Formula ``tr(E Sigma E^T) + d`` against (1) the exact expectation over a finite
    ``x``-distribution with the same two moments (the Gaussian noise done analytically,
    outputs by the recursion) and (2) a seeded Monte Carlo estimate within ``5`` CLT standard
    errors."""
    A, R, Sigma = inst["A"], inst["R"], inst["Sigma"]
    d, ell = R.shape[0], len(A)
    formula = lr.population_risk(A, R, Sigma)
    mean, cov = _x_mean(inst), _x_cov(inst)
    points, weights = lr.moment_matching_support(mean, cov)
    exact = lr.finite_support_risk(A, R, points, weights)
    scale = (frobenius_product(A) + np.linalg.norm(R)) ** 2 * np.linalg.norm(Sigma) + d
    tol = Tolerance(
        float(gamma(4 * (ell + 2) * d + 4) * 4 * scale),
        r"$4\gamma_{4(\ell+2)d+4}\big((\prod_i\|I+A_i\|_F+\|R\|_F)^2\|\Sigma\|_F+d\big)$: "
        r"sums of products of $\ell+2$ matrices of size $d\times d$, both sides",
    )
    mc, se = lr.monte_carlo_risk(A, R, mean, cov, MC_SAMPLES, int(inst.get("seed", 0)))
    # Where the sample overflowed (s = nan) the z-score is undefined: NaN, not a claimed 0.
    diagnostics = {
        "exact_tier": exact, "formula": formula, "monte_carlo": mc, "monte_carlo_stderr": se,
        "monte_carlo_z": (mc - formula) / se if se > 0 else math.nan, "mc_samples": MC_SAMPLES,
    }
    verdict = decide(exact, formula, relation="==", tolerance=tol, scale=formula,
                     diagnostics=diagnostics)
    mc_tol = Tolerance(MC_Z * se + tol.value,
                       r"5 standard errors $s/\sqrt n$ (CLT) + rounding")
    mc_verdict = decide(mc, formula, relation="==", tolerance=mc_tol, scale=formula,
                        diagnostics=diagnostics,
                        message="the Monte Carlo estimate disagrees with the formula")
    if mc_verdict.status == Status.VIOLATED and verdict.status != Status.VIOLATED:
        # a statistical certificate, and it says so
        mc_verdict.certificate = (
            f"Monte Carlo mean ${tex_number(mc, 6)}$ is "
            f"${abs(diagnostics['monte_carlo_z']):.1f}$ standard errors from the formula "
            f"${tex_number(formula, 6)}$ (beyond ${MC_Z:g}$ plus rounding; false-alarm "
            r"probability about $6\times10^{-7}$ under the CLT), while the exact tier agrees")
        return mc_verdict
    return verdict


CLAIM_2_3 = Claim(
    id="hm17.claim2.3", paper="hm17", source="Claim 2.3, eq. (2.4)",
    title="The population risk is a weighted Frobenius norm",
    statement=r"f(A)=\big\|\big((I+A_\ell)\cdots(I+A_1)-R\big)\Sigma^{1/2}\big\|_F^2+C,"
    r"\quad \Sigma=\mathbb E[xx^\top],\ C=\mathbb E\|\xi\|^2=d",
    measure=_measure_claim23, parse=_parse_claim23,
    strategy=lambda profile: strat.residual_instances(
        d=st.integers(1, sized(profile, small=4, large=6)), ell=st.integers(1, 5),
        with_mean=True),
    hypotheses=[
        Hypothesis("x distribution", r"x\sim\mathcal N(\mu,\operatorname{Cov}(x)),\ "
                   r"\operatorname{Cov}(x)\succeq0", _distribution),
        Hypothesis("Sigma second moment", r"\Sigma=\mathbb E[xx^\top]", _second_moment),
    ],
    controls=[Control(
        "centred covariance", drops="Sigma second moment",
        description=r"$\Sigma$ replaced by the centred covariance $\operatorname{Cov}(x)$ while "
        r"$\mathbb E[x]\ne0$: the formula misses $\|E\,\mathbb E[x]\|^2$ and the exact "
        "expectation disagrees",
        instances=lambda: [{
            "R": np.array([[1.0, 0.5], [-0.3, 0.8]]), "Sigma": np.array([[1.0, 0.2], [0.2, 0.5]]),
            "A": [np.array([[0.1, 0.0], [0.2, -0.1]]), np.array([[0.0, 0.3], [0.0, 0.1]])],
            "x_mean": np.array([1.0, -1.0]), "x_cov": np.array([[1.0, 0.2], [0.2, 0.5]]),
            "seed": 0,
        }],
    )],
    decides="Exact tier: a finite $x$-distribution with the instance's mean and covariance, the "
    "Gaussian noise integrated analytically, outputs from the layer recursion; equal to the "
    "formula within a rounding bound. Monte Carlo tier (20 000 seeded samples): within 5 "
    "standard errors. Either failing is a violation.",
    errata=[Erratum("paper error", r"The paper calls $\Sigma$ the covariance of $x$ but defines "
                    r"it as $\mathbb E[xx^\top]$; only the second moment enters (checked with "
                    "non-centred $x$)."),
            Erratum("method note", r"$C=\mathbb E\|\xi\|^2=d$ is not named in the paper.")],
    size=instance_size, tightness=False, max_examples={"ci": 15},
    parameters=[PARAM_R, PARAM_SIGMA, PARAM_A,
                Parameter("x_mean", "d", r"the mean $\mathbb E[x]$", "finite", "zeros(d)"),
                Parameter("x_cov", "d x d", r"$\operatorname{Cov}(x)$", "finite",
                          "Sigma - x_mean x_mean^T"),
                Parameter("seed", "scalar", "seed of the Monte Carlo tier",
                          r"integer in $[0,2^{63}-1]$", 0)],
    relations=[BASIS_CHANGE, strat.scaling(
        "x scaled by a power of two",
        r"$x\mapsto cx$ ($c=2^k$) scales $\Sigma$, $\operatorname{Cov}(x)$ by $c^2$ and "
        r"$\mathbb E[x]$ by $c$: Claim 2.3 stays an identity, but $C=d$ does not scale, so "
        "the relative slack changes", {"Sigma": 2, "x_cov": 2, "x_mean": 1}, same_slack=False)],
    edge_strategy=lambda profile: strat.residual_edge_instances(with_mean=True)
)


# ---------------------------------------------------------------- Lemma 2.4

FD_STEP = 2.0 ** -3


def _parse_lemma24(params: Mapping[str, Any]) -> dict[str, Any]:
    inst = parse_model(params)
    inst["reading"] = choice(params, "reading", lr.GRADIENT_READINGS, default="lemma")
    return inst


def _finite_difference_gradient(A: list[np.ndarray], R: np.ndarray,
                                Sigma: np.ndarray, h: float) -> list[np.ndarray]:
    """Central differences of the closed-form risk ``tr(E Sigma E^T)`` in every entry.

    ``P`` is affine in each single entry of each ``A_i``, so ``f`` is a quadratic along each
    coordinate and the central difference is exact in exact arithmetic: only rounding
    (``O(u f / h)``) remains, which is why a large step is used."""
    grads = []
    for i in range(len(A)):
        G = np.zeros_like(A[i])
        for a, b in np.ndindex(*A[i].shape):
            plus = [Aj.copy() for Aj in A]
            minus = [Aj.copy() for Aj in A]
            plus[i][a, b] += h
            minus[i][a, b] -= h
            G[a, b] = (lr.excess_risk(plus, R, Sigma) - lr.excess_risk(minus, R, Sigma)) / (2 * h)
        grads.append(G)
    return grads


def _sigma_symmetric(inst: Mapping[str, Any]) -> bool | str:
    sym = linalg.symmetric(inst["Sigma"])
    return True if sym.value else \
        f"$\\Sigma$ is not symmetric (asymmetry ${tex_number(sym.numbers['asymmetry'])}$)"


def _lemma_reading(inst: Mapping[str, Any]) -> bool | str:
    r = inst.get("reading", "lemma")
    return True if r == "lemma" else f"reading {r!r} is not Lemma 2.4 as corrected"


def _measure_lemma24(inst: Mapping[str, Any]) -> Verdict:
    """``||closed form - central differences||_F`` against a rounding bound."""
    A, R, Sigma = inst["A"], inst["R"], inst["Sigma"]
    d, ell = R.shape[0], len(A)
    closed = lr.risk_gradient(A, R, Sigma, inst.get("reading", "lemma"))
    fd = _finite_difference_gradient(A, R, Sigma, FD_STEP)
    err = math.sqrt(sum(float(np.sum((c - f) ** 2)) for c, f in zip(closed, fd, strict=True)))
    norm = math.sqrt(sum(float(np.sum(f * f)) for f in fd))
    bumped = [np.linalg.norm(np.eye(d) + Ai) + FD_STEP for Ai in A]
    F = (float(np.prod(bumped)) + np.linalg.norm(R)) ** 2 * np.linalg.norm(Sigma)
    g = gamma((ell + 3) * d + 2)
    tol = Tolerance(
        float(math.sqrt(ell) * d * (3 * g * F / FD_STEP + 2 * g * F)),
        r"$\sqrt\ell\,d\,(3\gamma_{(\ell+3)d+2}F/h+2\gamma_{(\ell+3)d+2}F)$, "
        r"$F=\big(\prod_i(\|I+A_i\|_F+h)+\|R\|_F\big)^2\|\Sigma\|_F$: rounding of $f$ at "
        r"$A\pm he_{ab}$ over $2h$ (no truncation: $f$ is quadratic along each entry), plus the "
        "closed form's rounding",
    )
    return decide(err, 0.0, relation="<=", tolerance=tol, scale=norm,
                  diagnostics={"gradient_norm": norm, "difference": err,
                               "relative_difference": err / norm if norm else None,
                               "reading": inst.get("reading", "lemma"), "fd_step": FD_STEP})


def _lemma_control_base() -> list[dict[str, Any]]:
    rng = np.random.default_rng(24)
    base = {"R": rng.standard_normal((3, 3)), "Sigma": np.diag([2.0, 1.0, 0.5]),
            "A": [0.4 * rng.standard_normal((3, 3)) for _ in range(4)]}
    return base


CLAIM_LEMMA_2_4 = Claim(
    id="hm17.lem2.4", paper="hm17", source="Lemma 2.4, eq. (2.5), App. A.2",
    title="Gradient of the population risk",
    statement=r"\frac{\partial f}{\partial A_i}=2(I+A_{i+1})^\top\cdots(I+A_\ell)^\top E\,"
    r"\Sigma\,(I+A_1)^\top\cdots(I+A_{i-1})^\top,\quad E=(I+A_\ell)\cdots(I+A_1)-R",
    measure=_measure_lemma24, parse=_parse_lemma24,
    strategy=lambda profile: strat.residual_instances(
        d=st.integers(1, sized(profile, small=3, large=5)),
        ell=st.integers(1, sized(profile, small=4, large=6))),
    hypotheses=[
        Hypothesis("Sigma symmetric", r"\Sigma=\Sigma^\top", _sigma_symmetric),
        Hypothesis("reading", r"\text{transpose of each whole partial product}", _lemma_reading),
    ],
    controls=[
        Control("non-symmetric Sigma", drops="Sigma symmetric",
                description=r"with $\Sigma\ne\Sigma^\top$ the gradient of "
                r"$\operatorname{tr}(E\Sigma E^\top)$ is $P^\top E(\Sigma+\Sigma^\top)P^\top$, "
                r"not $2P^\top E\Sigma P^\top$",
                instances=lambda: [dict(_lemma_control_base(),
                                        Sigma=np.array([[1.0, 0.9, 0.0], [-0.9, 1.0, 0.0],
                                                        [0.0, 0.0, 1.0]]))]),
        Control("appendix per-factor transposes", drops="reading",
                description="App. A.2 read with per-factor transposes in descending order "
                r"(misreading (a)); $\ell=4$ so the orders differ",
                instances=lambda: [dict(_lemma_control_base(), reading="descending-per-factor")]),
        Control("no transposes", drops="reading", description=r"$2P_{>i}E\Sigma P_{<i}$ "
                "(misreading (b))",
                instances=lambda: [dict(_lemma_control_base(), reading="no-transpose")]),
        Control("Sigma^{1/2}", drops="reading", description=r"$\Sigma^{1/2}$ in place of $\Sigma$ "
                "(misreading (c))",
                instances=lambda: [dict(_lemma_control_base(), reading="sqrt-sigma")]),
    ],
    decides="Closed form against central differences of the closed-form risk (exact up to "
    "rounding, since $f$ is quadratic along each entry); autograd agrees in the tests.",
    errata=[Erratum("transcription", "Lemma 2.4 / App. A.2: the text we worked from lists the "
                    "factors as "
                    r"$(I+A_\ell)\cdots(I+A_{j+1})\,E\Sigma\,(I+A_{j-1})\cdots(I+A_1)$ with its "
                    "transposes lost; it is right only with the transpose on each whole partial "
                    r"product, $P_{>j}^\top E\Sigma P_{<j}^\top$ (ascending order once "
                    "expanded). Read with per-factor transposes it is wrong (control 'appendix "
                    r"per-factor transposes'). The factor is $\Sigma$, not $\Sigma^{1/2}$.")],
    size=instance_size, tightness=False, max_examples={"ci": 12},
    parameters=[PARAM_R, PARAM_SIGMA, PARAM_A, Parameter(
        "reading", "word", "which formula is checked (the other readings are the controls)",
        ", ".join(lr.GRADIENT_READINGS), "lemma")],
    relations=[BASIS_CHANGE, SIGMA_SCALING],
    edge_strategy=lambda profile: strat.residual_edge_instances()
)


# ---------------------------------------------------------------- eq. (2.3) and Theorem 2.2

def _pl_tolerance(value: float, lhs: float, rhs: float) -> Tolerance:
    """The tolerance ``value`` (the sum of both sides' error bounds); an unbounded error (a
    radius within rounding of 1, a ``sigma_min`` within rounding of 0) becomes twice the scale
    of the sides, so that :func:`decide` answers inconclusive for want of precision."""
    if not math.isfinite(value):
        top = max(abs(lhs), abs(rhs))
        value = 2.0 * top if top > 0 else sys.float_info.max
    return Tolerance(value, lr.PL_DERIVATION)


def _eq23_error(s: Mapping[str, float]) -> float:
    """Error bound of ``||grad f||^2 - 4 ell (1-tau)^{2ell-2} sigma_min (f - C_opt)``'s two
    sides: ``abs_grad`` plus the spread of the product ``c sigma e`` over its factors' ranges."""
    rc = s["rel_coeff"]
    e, de, sig, dsig = s["excess"], s["abs_excess"], s["sigma_min"], s["abs_sigma"]
    rhs = s["radius_coeff"] * sig * e
    upper = s["radius_coeff"] * (1 + rc) * (e + de) * (sig + dsig)
    return s["abs_grad"] + (upper - rhs)


def _thm22_error(s: Mapping[str, float]) -> float:
    """Error bound of ``f - C_opt <= ||grad f||^2 / (4 ell (1-tau)^{2ell-2} sigma_min)``'s two
    sides: ``abs_excess`` plus the spread of the quotient (unbounded when the denominator's
    relative error reaches 1)."""
    rc, sig, dsig = s["rel_coeff"], s["sigma_min"], s["abs_sigma"]
    if not (rc < 1 and dsig < sig):
        return math.inf
    rhs = s["grad_sq"] / (s["radius_coeff"] * sig)
    upper = (s["grad_sq"] + s["abs_grad"]) / (s["radius_coeff"] * (1 - rc) * (sig - dsig))
    return s["abs_excess"] + (upper - rhs)


# The exact tier (theory.exact) takes over where rounding leaves eq. (2.3) undecided and the
# instance is small: rational arithmetic costs about 40 ms at d = ell = 3.
EXACT_MAX_D, EXACT_MAX_ELL = 3, 3


def _exact_eq23(inst: Mapping[str, Any], tau: float) -> exact.ExactComparison | None:
    """Eq. (2.3) at radius ``tau`` in rational arithmetic, where the stored instance is small
    (``d <= 3``, ``ell <= 3``), ``Sigma`` exactly symmetric and ``A`` exactly in ``B_tau``
    (otherwise the theorem does not speak about it at this radius): ``None`` elsewhere."""
    A, Sigma = inst["A"], inst["Sigma"]
    if Sigma.shape[0] > EXACT_MAX_D or len(A) > EXACT_MAX_ELL:
        return None
    exact = exact_arithmetic()
    if not exact.is_symmetric(Sigma) or any(exact.compare_spectral_norm(Ai, tau) > 0
                                             for Ai in A):
        return None
    return exact.eq23_comparison(A, inst["R"], Sigma, tau)


def _exact_verdict(comparison: exact.ExactComparison, lhs: float, rhs: float, relation: str,
                   diagnostics: Mapping[str, Any]) -> Verdict:
    """The verdict of an exact comparison whose sides, rounded once to float, are ``lhs`` and
    ``rhs``: the status is the exact sign's, the numbers are reported for the ledger."""
    tol = Tolerance(2 * U * max(abs(lhs), abs(rhs)), "exact rational arithmetic (theory.exact); "
                    "$2u$: the exact sides rounded once to float for the report")
    verdict = decide(lhs, rhs, relation=relation, tolerance=tol, diagnostics=diagnostics,
                     scale=max(abs(lhs), abs(rhs), sys.float_info.min))
    verdict.diagnostics["decided_by"] = "exact tier (rational arithmetic)"
    if comparison.sign >= 0:
        verdict.status, verdict.certificate, verdict.message = Status.HOLDS, "", ""
    else:
        verdict.status = Status.VIOLATED
        verdict.certificate = (
            r"exact rational arithmetic: $\|\nabla f\|_F^2-4\ell(1-\tau)^{2\ell-2}"
            r"\lambda_{\min}(\Sigma)(f-C_{\mathrm{opt}})<0$, $\lambda_{\min}$ decided by "
            r"Sylvester's criterion on $\Sigma-tI$")
    return verdict


def _measure_eq23(inst: Mapping[str, Any]) -> Verdict:
    """Both sides of eq. (2.3) in float64 with a derived rounding bound; where that bound
    leaves the answer open on a small instance, the exact tier decides it."""
    s = lr.pl_sides(inst["A"], inst["R"], inst["Sigma"], inst["tau"])
    lhs, rhs = s["grad_sq"], s["coeff"] * s["excess"]
    ratio = lhs / rhs if rhs > 0 else math.inf
    tol = _pl_tolerance(_eq23_error(s), lhs, rhs)
    diagnostics = {"ratio": ratio, "tau": inst["tau"], "tau_eff": s["tau_eff"],
                   "triple_norm": s["triple_norm"], "sigma_min": s["sigma_min"],
                   "excess_risk": s["excess"], "kappa_chain": s["kappa_chain"]}
    verdict = decide(lhs, rhs, relation=">=", tolerance=tol, scale=max(lhs, rhs),
                     diagnostics=diagnostics)
    if verdict.status is Status.INCONCLUSIVE:
        comparison = _exact_eq23(inst, s["tau_eff"])
        if comparison is not None:
            diagnostics["float_verdict"] = f"inconclusive: {verdict.message}"
            return _exact_verdict(comparison, float(comparison.lhs), float(comparison.rhs),
                                  ">=", diagnostics)
    return verdict


def _ball_hypotheses() -> list[Hypothesis]:
    return [
        Hypothesis("tau<1", r"0\le\tau<1", tau_lt_one),
        Hypothesis("A in B_tau", r"|||A|||\le\tau", in_ball),
        Hypothesis("Sigma PSD", r"\Sigma=\mathbb E[xx^\top]\succeq0", sigma_psd),
    ]


def _minus_identity(d: int, ell: int, value: float, tau: float, R: np.ndarray) -> dict:
    return {"R": R, "Sigma": np.diag(np.linspace(1.0, 0.5, d)),
            "A": [value * np.eye(d) for _ in range(ell)], "tau": tau}


CLAIM_EQ_2_3 = Claim(
    id="hm17.eq2.3", paper="hm17", source="eq. (2.3), proof of Theorem 2.2",
    title=r"Gradient lower bound (Polyak-Lojasiewicz) in the $\tau$-ball",
    statement=r"\|\nabla f(A)\|_F^2\ge4\ell(1-\tau)^{2\ell-2}\sigma_{\min}(\Sigma)"
    r"\big(f(A)-C_{\mathrm{opt}}\big)\quad(A\in\mathcal B_\tau,\ \tau<1)",
    measure=_measure_eq23, parse=lambda p: parse_model(p, with_tau=True),
    strategy=lambda profile: strat.ball_instances(
        d=st.integers(2, sized(profile, small=3, large=5)),
        ell=st.integers(2, sized(profile, small=5, large=8))),
    hypotheses=_ball_hypotheses(),
    controls=[Control(
        "outside the ball", drops="A in B_tau",
        description=r"$\tau=0.5$ but $A_i=-0.9I$ ($\ell=3$): the gradient carries "
        r"$(0.1)^{2\ell-2}$, far below the bound computed with $\tau=0.5$",
        instances=lambda: [_minus_identity(2, 3, -0.9, 0.5, np.array([[1.0, 0.3], [0.2, 2.0]]))],
    )],
    decides=r"Both sides from the closed forms (Lemma 2.4, Claim 2.3) with $\tau$ replaced by "
    r"$\min(\tau,|||A|||)$ (the strongest admissible radius); $\ge$ within a rounding bound "
    r"scaled by the conditioning of $\Sigma$ and of the partial products and by the rounding "
    r"of $|||A|||$ in $(1-\tau)^{2\ell-2}$; where that bound leaves the answer open on a "
    r"small instance ($d,\ell\le3$), decided in rational arithmetic (gradient by exact "
    r"central differences, $\lambda_{\min}(\Sigma)$ by Sylvester's criterion).",
    errata=[Erratum("paper error", "eq. (2.3) proof: the line "
                    r"$2\prod_j\sigma_{\min}(I+A_j)\,\sigma_{\min}(\Sigma)\,\|E\|_F$ does not "
                    "imply the next line "
                    r"$2(1-\tau)^{\ell-1}\sigma_{\min}(\Sigma^{1/2})\,\|E\Sigma^{1/2}\|_F$ "
                    r"(that would need $\sigma_{\min}(\Sigma)\|E\|_F "
                    r"\ge\sigma_{\min}(\Sigma^{1/2})\|E\Sigma^{1/2}\|_F$, false in general); "
                    "the bound is true via Claim C.2 applied to "
                    r"$\|E\Sigma\|_F=\|(E\Sigma^{1/2})\Sigma^{1/2}\|_F$. The exponent is "
                    r"$2\ell-2$ and the bound is tight (equality at $A_i=-\tau I$ with "
                    r"$E\Sigma=\sigma_{\min}(\Sigma)E$).")],
    size=instance_size, max_examples={"ci": 60},
    parameters=[PARAM_R, PARAM_SIGMA, PARAM_A, PARAM_TAU],
    relations=[BASIS_CHANGE, SIGMA_SCALING],
    edge_strategy=lambda profile: strat.ball_edge_instances()
)


def _measure_thm22_point(inst: Mapping[str, Any]) -> Verdict:
    """Quantitative form (iii): ``f - C_opt <= ||grad f||^2 / (4 ell (1-tau)^{2ell-2}
    sigma_min(Sigma))``; where that coefficient vanishes, the qualitative statement directly:
    a critical point (gradient zero to rounding) must have ``f = C_opt``.

    ``f - C_opt``, ``grad f`` and ``sigma_min(Sigma)`` are linear in ``Sigma`` and every
    tolerance below is relative, so ``Sigma`` is first rescaled by an exact power of two to
    max entry ~1: ``||grad f||^2`` no longer underflows for ``Sigma ~ 1e-300`` (nor overflows
    for huge ``Sigma``), and the verdict is that of the stored instance. The diagnostics are
    reported for the stored ``Sigma`` (``f - C_opt`` scales linearly with it, ``||grad f||^2``
    quadratically); the quantitative form's decided sides are those of
    ``Sigma / sides_for_Sigma_over``."""
    stored = inst["Sigma"]
    inst = dict(inst, Sigma=unit_scaled(stored))
    # the exact power of two that unit_scaled divided out (1 when Sigma is 0 or not finite)
    unit = float(np.max(np.abs(stored))) / float(np.max(np.abs(inst["Sigma"]))) \
        if np.any(inst["Sigma"]) and np.all(np.isfinite(stored)) else 1.0
    s = lr.pl_sides(inst["A"], inst["R"], inst["Sigma"], inst["tau"])
    if s["coeff"] > 0 and s["excess"] > 0 and math.isfinite(s["kappa_chain"]):
        lhs, rhs = s["excess"], s["grad_sq"] / s["coeff"]
        tol = _pl_tolerance(_thm22_error(s), lhs, rhs)
        diagnostics = {"gradient_norm_sq": s["grad_sq"] * unit**2, "tau_eff": s["tau_eff"],
                       "excess_risk": s["excess"] * unit, "form": "quantitative",
                       "sides_for_Sigma_over": unit}
        verdict = decide(lhs, rhs, relation="<=", tolerance=tol, scale=max(lhs, rhs),
                         diagnostics=diagnostics)
        comparison = (_exact_eq23(inst, s["tau_eff"])
                      if verdict.status is Status.INCONCLUSIVE else None)
        if comparison is None:
            return verdict
        # f - C_opt <= ||grad f||^2 / (c lambda_min) is eq. (2.3) rearranged: same sign
        excess = float(exact_arithmetic().excess_risk(inst["A"], inst["R"], inst["Sigma"]))
        ratio = float(comparison.lhs / comparison.rhs) if comparison.rhs > 0 else math.inf
        diagnostics["float_verdict"] = f"inconclusive: {verdict.message}"
        return _exact_verdict(comparison, excess, excess * ratio, "<=", diagnostics)
    return _qualitative_thm22(inst, s, unit)


def _qualitative_thm22(inst: Mapping[str, Any], s: Mapping[str, float], unit: float) -> Verdict:
    """Theorem 2.2 where its quantitative form is empty (``sigma_min(Sigma) = 0``, ``tau = 1``
    or ``f = C_opt`` in float): a critical point must have ``f = C_opt``. Only an exactly zero
    gradient makes a critical point, so a bad critical point is certified in rational
    arithmetic (small instances); a gradient above its rounding bound makes the conclusion
    vacuous; a gradient within rounding of zero on a larger instance is undecided. ``inst``
    holds ``Sigma / unit``; the diagnostics are reported for the stored ``Sigma``."""
    A, R, Sigma = inst["A"], inst["R"], inst["Sigma"]
    d, ell = R.shape[0], len(A)
    scale = (frobenius_product(A) + np.linalg.norm(R)) ** 2 * np.linalg.norm(Sigma)
    tol = gamma((ell + 3) * d + 2) * 4 * scale
    diagnostics = {"gradient_norm_sq": s["grad_sq"] * unit**2, "excess_risk": s["excess"] * unit,
                   "tau_eff": s["tau_eff"], "form": "qualitative", "rounding_bound": tol * unit}
    if math.sqrt(s["grad_sq"]) > tol:
        return decide_flag(True, message="not a critical point: the conclusion is vacuous",
                           diagnostics=diagnostics)
    if s["excess"] <= tol and not (d <= EXACT_MAX_D and ell <= EXACT_MAX_ELL):
        return decide_flag(True, diagnostics=diagnostics)
    if not (d <= EXACT_MAX_D and ell <= EXACT_MAX_ELL):
        return decide_flag(None, diagnostics=diagnostics, message=(
            r"the gradient is zero to rounding and $f(A)-C_{\mathrm{opt}}>0$, but an exactly "
            "zero gradient cannot be certified at this size"))
    exact = exact_arithmetic()
    grad_sq = exact.gradient_norm_sq(exact.risk_gradient(A, R, Sigma))
    excess = exact.excess_risk(A, R, Sigma)
    diagnostics.update(decided_by="exact tier (rational arithmetic)",
                       exact_gradient_norm_sq=float(grad_sq) * unit**2,
                       exact_excess_risk=float(excess) * unit)
    if grad_sq != 0:
        return decide_flag(True, message="not a critical point (exact gradient nonzero): the "
                           "conclusion is vacuous", diagnostics=diagnostics)
    return decide_flag(excess == 0, diagnostics=diagnostics,
                       message="" if excess == 0 else r"a critical point with "
                       r"$f(A)-C_{\mathrm{opt}}>0$ (a bad critical point)",
                       certificate=r"exact rational arithmetic: $\nabla f(A)=0$ and "
                       rf"$f(A)-C_{{\mathrm{{opt}}}}={tex_number(float(excess) * unit, 6)}>0$")


# default stop: ||grad f|| <= 1e-5 ||grad f(A^(0))||, an approximate critical point
GD_REL_TOL = 1e-5
GD_SCREEN = 0.99  # iterates whose plain ratio exceeds this get the full rounding-aware decision


def _parse_thm22(params: Mapping[str, Any]) -> dict[str, Any]:
    """``R``, ``Sigma``, ``A``, ``tau``; optionally a gradient-descent run started at ``A``:
    ``gd_steps`` (at most that many steps), ``gd_step`` (the step size) and ``gd_rel_tol``
    (stop once ``||grad f|| <= gd_rel_tol ||grad f(A)||``)."""
    inst = parse_model(params, with_tau=True)
    if "gd_steps" in params or "gd_step" in params:
        require(params, "gd_steps", "gd_step")
        inst["gd_steps"] = integer(params, "gd_steps", lo=0, hi=100_000)
        inst["gd_step"] = real(params, "gd_step", lo=1e-12, hi=1e3)
        inst["gd_rel_tol"] = real(params, "gd_rel_tol", lo=0.0, hi=1.0, default=GD_REL_TOL)
    return inst


def descent_profile(inst: Mapping[str, Any]) -> dict[str, Any]:
    """Theorem 2.2 (Hardt & Ma 2017, §2) along gradient descent on the population risk
    (eq. (2.4), gradient of Lemma 2.4): run it from ``A`` and evaluate, at every iterate
    ``A^(t)`` with ``|||A^(t)||| < 1``, the plain ratio ``(f - C_opt) / bound_t`` of the
    theorem's quantitative form, ``bound_t = ||grad f||^2 / (4 ell (1 - tau_t)^{2 ell - 2}
    sigma_min(Sigma))`` with ``tau_t = |||A^(t)|||``."""
    A, R, Sigma = inst["A"], inst["R"], inst["Sigma"]
    ell = len(A)
    sigma_min = max(float(np.linalg.eigvalsh(Sigma)[0]), 0.0)
    grad0 = math.sqrt(sum(float(np.sum(G * G)) for G in lr.risk_gradient(A, R, Sigma)))
    iterates, grads = lr.gradient_descent(A, R, Sigma, inst["gd_step"], inst["gd_steps"],
                                          inst.get("gd_rel_tol", GD_REL_TOL) * grad0)
    rows = []  # (t, tau_t, ||grad||^2, f - C_opt, bound_t)
    for t, (At, Gt) in enumerate(zip(iterates, grads, strict=True)):
        tau_t = lr.triple_norm(At)
        if tau_t >= 1.0:
            break  # outside the open unit ball the theorem says nothing
        grad_sq = sum(float(np.sum(G * G)) for G in Gt)
        coeff = 4.0 * ell * (1.0 - tau_t) ** (2 * ell - 2) * sigma_min
        bound = grad_sq / coeff if coeff > 0 else math.inf
        rows.append((t, tau_t, grad_sq, lr.excess_risk(At, R, Sigma), bound))
    return {"iterates": iterates, "rows": rows, "grad0": grad0,
            "left_unit_ball": len(rows) < len(iterates)}


def measure_along_descent(inst: Mapping[str, Any], run: dict[str, Any] | None = None) -> Verdict:
    """Theorem 2.2 along a gradient-descent run: the plain ratio at every iterate inside the
    unit ball, and the full rounding-aware decision (:func:`_measure_thm22_point` with
    ``tau = |||A^(t)|||``) at the iterate of largest ratio, at the last iterate checked (the
    approximate critical point, where rounding matters most) and at every iterate whose ratio
    exceeds 0.99. The verdict is the worst of these."""
    run = descent_profile(inst) if run is None else run
    rows = run["rows"]
    if not rows:  # the start itself has |||A||| >= 1 (only when a control drops tau < 1)
        verdict = _measure_thm22_point(inst)
        verdict.diagnostics.update({"form": "gradient descent (start outside the unit ball)",
                                    "gd_steps_taken": len(run["iterates"]) - 1})
        return verdict
    ratios = [ex / b if b > 0 and math.isfinite(b) else (0.0 if ex == 0 else math.inf)
              for (_, _, _, ex, b) in rows]
    t_max = int(np.argmax(ratios))
    chosen = sorted({t_max, len(rows) - 1} | {k for k, r in enumerate(ratios) if r > GD_SCREEN})
    worst = None
    for k in chosen:
        t, tau_t = rows[k][0], rows[k][1]
        point = dict(inst, A=run["iterates"][t], tau=tau_t)
        v = _measure_thm22_point(point)
        key = (v.status is not Status.VIOLATED, v.relative_slack if v.relative_slack is not None
               else math.inf)
        if worst is None or key < worst[0]:
            worst = (key, t, v)
    _, t_worst, verdict = worst
    last = rows[-1]
    verdict.diagnostics.update({
        "form": "gradient descent", "gd_steps_taken": len(run["iterates"]) - 1,
        "iterates_checked": len(rows), "left_unit_ball": run["left_unit_ball"],
        "gradient_norm_start": run["grad0"], "gradient_norm_reached": math.sqrt(last[2]),
        "excess_risk_start": rows[0][3], "excess_risk_reached": last[3],
        "triple_norm_max": max(r[1] for r in rows), "max_ratio": ratios[t_max],
        "max_ratio_iterate": rows[t_max][0], "final_ratio": ratios[-1],
        "decided_at_iterate": t_worst,
        "approximate_critical_point":
            math.sqrt(last[2]) <= inst.get("gd_rel_tol", GD_REL_TOL) * run["grad0"],
    })
    return verdict


def _measure_thm22(inst: Mapping[str, Any]) -> Verdict:
    """Theorem 2.2 at the point ``A``, or along gradient descent from ``A`` (``gd_steps``)."""
    return measure_along_descent(inst) if "gd_steps" in inst else _measure_thm22_point(inst)






CLAIM_THM_2_2 = Claim(
    id="hm17.thm2.2", paper="hm17", source="Theorem 2.2",
    title=r"No bad critical points in the $\tau$-ball",
    statement=r"A\in\mathcal B_\tau,\ \tau<1,\ \nabla f(A)=0\ \Rightarrow\ f(A)=C_{\mathrm{opt}}"
    r";\ \text{checked as}\ f(A)-C_{\mathrm{opt}}\le\frac{\|\nabla f(A)\|_F^2}"
    r"{4\ell(1-\tau)^{2\ell-2}\sigma_{\min}(\Sigma)}",
    measure=_measure_thm22, parse=_parse_thm22,
    strategy=lambda profile: st.one_of(
        strat.near_identity_instances(d=st.integers(2, sized(profile, small=3, large=5)),
                                      ell=st.integers(2, sized(profile, small=4, large=6))),
        strat.ball_instances(d=st.integers(2, 3), ell=st.integers(2, 5)),
        strat.gradient_descent_instances(d=st.integers(2, sized(profile, small=3, large=4)),
                                         ell=st.integers(2, sized(profile, small=4, large=5)),
                                         max_steps=sized(profile, small=2000, large=5000))),
    hypotheses=_ball_hypotheses(),
    controls=[Control(
        "tau = 1", drops="tau<1",
        description=r"$\tau=1$ with $A_i=-I$ ($\ell=3$): every slice gradient has a zero "
        r"factor, so $\nabla f=0$ exactly, while $f-C_{\mathrm{opt}}=\|R\Sigma^{1/2}\|_F^2>0$ "
        r"(eq. (2.4) with $(I+A_\ell)\cdots(I+A_1)=0$)",
        instances=lambda: [_minus_identity(2, 3, -1.0, 1.0, np.array([[1.0, 0.3], [0.2, 2.0]]))],
    )],
    reproductions=[Reproduction(
        "GD in the tau-ball", "Gradient descent on the population risk (closed-form gradient, "
        r"Lemma 2.4) from a start in $\mathcal B_{0.1}$: $f-C_{\mathrm{opt}}$ and the bound "
        r"$\|\nabla f\|_F^2/(4\ell(1-\tau)^{2\ell-2}\sigma_{\min}(\Sigma))$ with "
        r"$\tau=|||A^{(t)}|||$ at every iterate, down to an approximate critical point",
        descent.gradient_descent_in_the_ball,
            agreement="agrees",
            agreement_reason=("excess risk stays below the bound along the run (largest ratio "
                              "about 0.53) and gradient descent converges, as Theorem 2.2 says"))],
    decides="Quantitative form (eq. (2.3) rearranged) near minimisers, in the ball, and along "
    "gradient-descent runs (every iterate inside the unit ball screened, the rounding-aware "
    "decision at the iterate of largest ratio, the last iterate, and any iterate with ratio "
    r"above 0.99; $\tau=|||A^{(t)}|||$); where rounding leaves it undecided on a small "
    r"instance ($d,\ell\le3$), in rational arithmetic. Where its coefficient vanishes "
    r"($\sigma_{\min}(\Sigma)=0$, or $\tau=1$ with $\ell\ge2$), directly: a gradient above "
    "its rounding bound makes the conclusion vacuous; a bad critical point needs a gradient "
    r"that is exactly zero and $f-C_{\mathrm{opt}}>0$, both certified in rational arithmetic "
    "(inconclusive beyond the exact tier's sizes).",
    errata=[Erratum("paper error", "§1.1 says the gradient vanishes only when $f(A)=0$; the "
                    r"correct value is $C_{\mathrm{opt}}=d$ (the noise floor), as Theorem 2.2 "
                    "states."),
            Erratum("method note", r"Neither $\Sigma\succ0$ nor $\det R>0$ is needed.")],
    size=instance_size, max_examples={"ci": 40},
    parameters=[
        PARAM_R, PARAM_SIGMA, PARAM_A, PARAM_TAU,
        Parameter("gd_steps", "scalar", "at most this many gradient-descent steps from $A$",
                  "integer in [0, 100000]; needs gd_step", None),
        Parameter("gd_step", "scalar", r"the step size of gradient descent on $f$",
                  r"$[10^{-12},1000]$; needs gd_steps", None),
        Parameter("gd_rel_tol", "scalar", r"stop once $\|\nabla f\|\le$ gd_rel_tol "
                  r"$\|\nabla f(A)\|$", "[0, 1]", GD_REL_TOL)],
    relations=[BASIS_CHANGE, strat.scaling(
        "Sigma scaled by a power of two",
        r"$f-C_{\mathrm{opt}}$, $\nabla f$ and $\sigma_{\min}(\Sigma)$ are linear in "
        r"$\Sigma$ ($c=2^k$): both sides of the quantitative form scale by $c$; gd_step "
        r"scaled by $1/c$ gives the same iterates, so the relative slack is invariant",
        {"Sigma": 1}, inverse=("gd_step",))],
    edge_strategy=lambda profile: strat.ball_edge_instances(with_descent=True),
    cost=_descent_cost
)
