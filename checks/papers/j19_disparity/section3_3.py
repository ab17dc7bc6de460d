"""Jiang (2019) §3.3, when the disparity matrix degenerates: dead neurons (§3.3.1) and
duplicated neurons (§3.3.2)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from checks.framework import (
    Claim,
    Control,
    Erratum,
    Hypothesis,
    Parameter,
    Reproduction,
    Tolerance,
    Verdict,
    decide_flag,
)
from checks.inputs import BadInput, require
from checks.papers.j19_disparity._common import (
    FORMAL,
    NET_PARAMETERS,
    PAPER,
    RANK_NOTE,
    cost_of,
    disparity_with_rounding,
    equilibrated_rank,
    network_of,
    parse_net,
    rank_above,
    relations_of,
    size_of,
    space_of,
)
from checks.reproductions.j19_dead_units import sigma_min_trajectory
from checks.strategies.j19_disparity import (
    duplicate_unit,
    edge_networks,
    kill_units,
    network_instance,
    networks,
)
from checks.tex import tex_number
from theory.fourier import (
    canonical_gradient,
    dead_units,
    design_matrix,
    network_coordinates,
    relu_unit_regimes,
    true_loss_gradient,
    unit_indices,
)
from theory.numerics import gamma

__all__ = ["S331", "S332"]

def _edge_s331(profile: str) -> Any:
    """§3.3.1 at its edges: units dead only just (``max_cube(w.x + b) = 0`` exactly), dead
    with ``w_j = 0, b_j = 0``, every unit dead, on edge networks."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        inst = draw(edge_networks(K=st.sampled_from([1, 1, 2]), n=st.integers(1, 2),
                                  activation="relu", h_extra=st.integers(0, 2),
                                  edges=["round", "scale-in-down", "scale-in-up",
                                         "scale-out-down", "scale-out-up", "face-sample",
                                         "signed-pair", "exact-fit"]))
        h = inst["h"]
        k = draw(st.integers(1, h))
        dead = sorted(draw(st.lists(st.integers(0, h - 1), min_size=k, max_size=k, unique=True)))
        inst = kill_units(inst, dead)
        net = network_of(inst)
        w = inst["w"].copy()
        for j in dead:
            idx = unit_indices(net, j)
            kind = draw(st.sampled_from(["deep", "just", "zero"]))
            if kind == "zero":
                w[idx[:-1]] = 0.0
            elif kind == "just":  # b_j = -sum_k max(w_jk, 0), exact when K = 1
                w[idx[inst["K"]]] = -float(np.sum(np.maximum(w[idx[: inst["K"]]], 0.0)))
        return {**inst, "w": w, "dead": dead}

    return build()


def _edge_s332(profile: str) -> Any:
    """§3.3.2 at its edges: duplicated units on edge networks (round numbers, extreme scales,
    kinks on nodes), ReLU and tanh."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        inst = draw(edge_networks(K=1, n=st.integers(1, 2),
                                  activation=st.sampled_from(["relu", "tanh"]),
                                  h_extra=st.integers(1, 2)))
        j, jj = draw(st.lists(st.integers(0, inst["h"] - 1), min_size=2, max_size=2, unique=True))
        return {**duplicate_unit(inst, j, jj), "pair": [j, jj]}

    return build()


# §3.3.1 and §3.3.2: dead units, duplicated units


def _relu_prediction(inst: Mapping[str, Any], live: int) -> int:
    """Exact rank predicted for a ReLU net whose live units all cut the cube at distinct
    hyperplanes: each live unit spans {1[u>0], x_k 1[u>0]} (K+1 functions; Euler removes
    one of its K+2 rows), plus the constant; projected onto L coordinates."""
    return min((2 * inst["n"] + 1) ** inst["K"], (inst["K"] + 1) * live + 1)


def _crossing_units(inst: Mapping[str, Any]) -> list[int]:
    """ReLU units whose hyperplane cuts the open cube (neither dead nor affine on it), with
    a nonzero outgoing weight and a hyperplane shared with no other unit: the units the exact
    rank prediction counts."""
    model = network_of(inst)
    (W, b), (a, _) = model.unflatten(inst["w"])
    regimes = relu_unit_regimes(model, inst["w"])
    P = np.column_stack([W, b])
    out = []
    for j in range(W.shape[0]):
        shared = any(np.array_equal(P[j], P[i]) for i in range(W.shape[0]) if i != j)
        if regimes[j] == "cutting" and a[0, j] != 0 and not shared:
            out.append(j)
    return out


def _rank_vs_prediction(H: np.ndarray, err_rows: np.ndarray,
                        predicted: int) -> tuple[bool | None, str]:
    """``rank H == predicted`` where ``predicted`` is also an exact upper bound (the
    structural count): a certified rank above it refutes it (with the certificate), the
    certified rank equal to it confirms it, and a numerical rank below it certifies nothing
    (the exact rank may be larger, e.g. rows whose scales differ by 2^60), hence ``None``."""
    cert = equilibrated_rank(H)
    if not cert.certain or cert.rank < predicted:
        return None, ""
    if cert.rank == predicted:
        return True, ""
    above = rank_above(H, err_rows, predicted)
    return (False, above) if above else (None, "")


def _parse_units(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    inst = parse_net(params)
    require(params, name)
    raw = params[name]
    if not isinstance(raw, list | tuple | np.ndarray) or len(raw) == 0:
        raise BadInput(f"{name}: expected a non-empty list of unit indices")
    units = []
    for v in raw:
        if isinstance(v, bool) or not isinstance(v, int | np.integer | float) or \
                (isinstance(v, float) and not v.is_integer()) or not 0 <= int(v) < inst["h"]:
            raise BadInput(f"{name}: unit indices must be integers in 0..{inst['h'] - 1}")
        units.append(int(v))
    if len(set(units)) != len(units):
        raise BadInput(f"{name}: repeated unit index")
    inst[name] = units
    return inst


def _rounded_alive(inst: Mapping[str, Any], units: list[int]) -> list[int]:
    """Units of ``units`` (dead on the cube in exact arithmetic) whose *computed*
    pre-activation ``fl(w_j.x + b_j)`` is positive at a grid node or a training input: there
    rounding, not the network, makes the sampled derivative non-zero (possible for ``K = 2``,
    where ``u_j`` is a sum of two rounded products)."""
    if not units:
        return []
    model = network_of(inst)
    pts = np.vstack([space_of(inst).grid(), inst["X"]])
    U = model.layer_outputs(inst["w"], pts)[1][0][:, units]
    return [units[i] for i in np.flatnonzero(np.any(U > 0, axis=0))]


def _first_nonzero(v: np.ndarray, where: list[int] | np.ndarray, what: str) -> str:
    """The certificate of a non-zero entry (exact comparison with 0), or ``""``."""
    for m in where:
        if np.any(v[m] != 0):
            return (f"{what} {m} has the entry ${tex_number(float(np.max(np.abs(v[m]))))}\\ne0$ "
                    "(exact)")
    return ""


def _measure_s331(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    w, X, y = inst["w"], inst["X"], inst["y"]
    H, err_rows = disparity_with_rounding(inst)
    rows = [m for j in inst["dead"] for m in unit_indices(model, j)]
    gF = H @ canonical_gradient(design_matrix(space, X), y, network_coordinates(space, model, w))
    gQ = true_loss_gradient(model, w, X, y)
    w_next = w - 0.1 * gF
    k = len(inst["dead"])
    cert = equilibrated_rank(H)
    bound = H.shape[0] - (inst["K"] + 2) * k
    # the rows that must vanish: every dead unit's, and the w-, b-rows of units with a_j = 0
    dead = dead_units(model, w)
    expected_zero = sorted({m for j in dead for m in unit_indices(model, j)}
                           | {m for j in np.flatnonzero(model.unflatten(w)[1][0][0] == 0)
                              for m in unit_indices(model, j)[:-1]})
    actual_zero = np.flatnonzero(np.max(np.abs(H), axis=1) == 0.0).tolist()
    diag = {"max_dead_row": float(np.max(np.abs(H[rows]))),
            "max_dead_grad_F": float(np.max(np.abs(gF[rows]))),
            "max_dead_grad_Q": float(np.max(np.abs(gQ[rows]))),
            "gd_unchanged": bool(np.array_equal(w_next[rows], w[rows])),
            "rank": cert.rank, "rank_certain": cert.certain, "rank_bound": bound,
            "zero_rows_expected": expected_zero, "zero_rows": actual_zero}
    blurred = _rounded_alive(inst, dead)
    if blurred:
        return decide_flag(None, diagnostics=diag, message=(
            f"unit {blurred[0]} is dead on the cube in exact arithmetic, but its computed "
            "pre-activation is positive at a node or sample (rounding): the sampled "
            "derivatives need not vanish"))
    # each failure comes with what certifies it (exact non-zero entries, or the rank margin)
    cert_text = (_first_nonzero(H, sorted(set(rows) | set(expected_zero)), "row of $H$")
                 or _first_nonzero(gF, rows, r"entry of $\nabla_wF$ at")
                 or _first_nonzero(gQ, rows, r"entry of $\nabla_wQ$ at")
                 or _first_nonzero(w_next - w, rows, "one gradient step changes parameter")
                 or rank_above(H, err_rows, bound))
    if cert_text:
        return decide_flag(False, diagnostics=diag, certificate=cert_text,
                           message="a dead unit's row, gradient or step is not zero, or the rank "
                           "exceeds $M-(K+2)k$")
    ok: bool | None = None if (cert.rank > bound) else True
    message = "rank above $M-(K+2)k$ but not certified" if ok is None else ""
    crossing = _crossing_units(inst)
    if ok and inst["activation"] == "relu" and len(crossing) == inst["h"] - k:
        # every other unit cuts the cube at its own hyperplane: the rank is predicted exactly
        pred = _relu_prediction(inst, inst["h"] - k)
        diag["rank_predicted"] = pred
        ok, cert_text = _rank_vs_prediction(H, err_rows, pred)
        message = {True: "", False: "rank above its prediction",
                   None: "rank not certified equal to its prediction"}[ok]
    return decide_flag(ok, diagnostics=diag, message=message, certificate=cert_text)


def _s331_strategy(profile: str) -> Any:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        inst = draw(st.one_of(
            networks(K=1, n=st.integers(1, 3), activation="relu", h_extra=st.integers(0, 2),
                     N=256),
            networks(K=2, n=1, activation="relu", h_extra=st.integers(0, 2), N=48)))
        k = draw(st.integers(1, min(3, inst["h"] - 1)))
        dead = sorted(draw(st.lists(st.integers(0, inst["h"] - 1), min_size=k, max_size=k,
                                    unique=True)))
        return {**kill_units(inst, dead), "dead": dead}

    return build()


def _listed_dead(i: Mapping[str, Any]) -> bool | str:
    if i["activation"] != "relu":
        return "only ReLU units die on the cube"
    regimes = relu_unit_regimes(network_of(i), i["w"])
    alive = [j for j in i["dead"] if regimes[j] != "dead"]
    return not alive or (f"listed unit {alive[0]} is not dead: $w_j\\cdot x+b_j>0$ somewhere "
                         f"on the cube ({regimes[alive[0]]})")


def _dead_on_data_only() -> list[dict[str, Any]]:
    inst = network_instance(1, 3, 8, "relu", 5, 31, N=256)
    net = network_of(inst)
    w = inst["w"].copy()
    idx = unit_indices(net, 0)
    w[idx[0]], w[idx[1]] = 10.0, -9.5  # active only on x > 0.95, zero on every x_t <= 0.9
    return [{**inst, "w": w, "dead": [0]}]


S331 = Claim(
    id="j19.s3.3.1", paper=PAPER, source="§3.3.1",
    title="Dead neurons give zero rows of $H$, zero gradients, and a predicted rank drop",
    statement=r"w_j\cdot x+b_j<0\ \forall x\in[0,1]^K\Rightarrow H_{a_j,:}=H_{w_j,:}=H_{b_j,:}=0,"
              r"\ \partial_{(a_j,w_j,b_j)}F=\partial_{(a_j,w_j,b_j)}Q=0,\ "
              r"\operatorname{rank}H=\min(L,(K+1)h_{\rm live}+1)",
    measure=_measure_s331, parse=lambda p: _parse_units(p, "dead"), strategy=_s331_strategy,
    hypotheses=[Hypothesis("dead-on-cube", r"b_j+\sum_k\max(w_{jk},0)<0", _listed_dead)],
    controls=[Control("dead-on-data-only", "dead-on-cube",
                      r"a unit zero at every training input ($x_t\le0.9$) but active on "
                      "$(0.95,1]$: its rows of $H$ and its gradient are not zero (dead is relative "
                      "to the cube, not to the data)", instances=_dead_on_data_only)],
    reproductions=[Reproduction("sigma-min-trajectory",
                                r"$\sigma_L(H)$ and $F$ along gradient descent, healthy vs "
                                "dead units",
                                sigma_min_trajectory, agreement="agrees",
                                agreement_reason=("the qualitative claim of §3.3.1 reproduces: "
                                                  r"dead units keep $\sigma_L(H)$ at zero "
                                                  "along the run"))],
    decides="Exact zeros (== 0) for the $K+2$ rows of each dead unit and their gradient "
            "entries ($F$ and the network loss), one gradient step leaves them bit-for-bit "
            r"unchanged, and the SVD-certified rank of $H$ equals "
            r"$\min(L,(K+1)h_{\mathrm{live}}+1)$ (inconclusive when the certificate is "
            "uncertain).",
    errata=[FORMAL, RANK_NOTE,
            Erratum("interpretation", "'Dead' is relative to the cube, not to the training "
                    "inputs (control)."),
            Erratum("paper error", "The paper counts dead neurons against $M-L$; one dead unit "
                    "removes $K+2$ rows."),
            Erratum("method note", "For ReLU the rank is at most "
                    r"$\min(L,(K+1)h_{\mathrm{live}}+1)$ because of Euler's identity "
                    "(j19.ours3), with equality when every live unit's hyperplane cuts the "
                    "cube: units active on the whole cube are affine there and together add "
                    "only $K$ (j19.s3.3.3's control 'all-active': 5 live units, rank 2). The "
                    "oracle compares the certified rank with the exact value only in that case, "
                    "and with the upper bound otherwise. Exact arithmetic (SymPy, tests) "
                    "confirms the zero-row deficiency of the stored $H$.")],
    size=size_of,
    cost=cost_of(1.0),
    parameters=[*NET_PARAMETERS,
                Parameter("dead", "list", "the units $j$ said to be dead on the cube",
                          "distinct integers 0..h-1, at least one")],
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs",
                           exact=("permute-samples", "permute-units", "scale-outputs")),
    edge_strategy=_edge_s331,
)


def _measure_s332(inst: Mapping[str, Any]) -> Verdict:
    model, space = network_of(inst), space_of(inst)
    w, X, y = inst["w"], inst["X"], inst["y"]
    j, jj = inst["pair"]
    H, err_rows = disparity_with_rounding(inst)
    r1, r2 = unit_indices(model, j), unit_indices(model, jj)
    diff = float(np.max(np.abs(H[r1] - H[r2])))
    G = space.grid().shape[0]
    tol = 4 * gamma(G + 2 * math.ceil(math.log2(G))) * float(np.max(np.abs(H)))
    gF = H @ canonical_gradient(design_matrix(space, X), y, network_coordinates(space, model, w))
    gQ = true_loss_gradient(model, w, X, y)
    gdiff = max(float(np.max(np.abs(gF[r1] - gF[r2]))), float(np.max(np.abs(gQ[r1] - gQ[r2]))))
    gscale = max(float(np.max(np.abs(gF))), float(np.max(np.abs(gQ))), 1e-300)
    gtol = 4 * gamma(G) * gscale * w.size
    w_next = w - 0.1 * gF
    kept = float(np.max(np.abs(w_next[r1] - w_next[r2])))
    ktol = 4 * gamma(G) * max(1.0, float(np.max(np.abs(w)))) * w.size
    cert = equilibrated_rank(H)
    bound = H.shape[0] - (inst["K"] + 2)
    diag = {"row_difference": diff, "row_tolerance": tol, "grad_difference": gdiff,
            "gd_pair_difference": kept, "rank": cert.rank, "rank_bound": bound}
    # each failure with what certifies it: a difference beyond its rounding bound, or the rank
    cert_text = ""
    if diff > tol:
        cert_text = (f"rows of the pair differ by ${tex_number(diff)}$, more than their rounding "
                     f"bound ${tex_number(tol)}$")
    elif gdiff > gtol:
        cert_text = (f"gradient entries of the pair differ by ${tex_number(gdiff)}>"
                     f"{tex_number(gtol)}$")
    elif kept > ktol:
        cert_text = (f"one gradient step separates the pair by ${tex_number(kept)}>"
                     f"{tex_number(ktol)}$")
    else:
        cert_text = rank_above(H, err_rows, bound)
    if cert_text:
        return decide_flag(False, diagnostics=diag, certificate=cert_text,
                           message="the pair's rows, gradients or step differ, or the rank "
                           "exceeds $M-(K+2)$")
    ok: bool | None = None if cert.rank > bound else True
    message = "rank above $M-(K+2)$ but not certified" if ok is None else ""
    if ok and inst["activation"] == "relu" and len(_crossing_units(inst)) == inst["h"] - 2:
        # the pair counts once; every other unit cuts the cube at its own hyperplane
        pred = _relu_prediction(inst, inst["h"] - 1)
        diag["rank_predicted"] = pred
        ok, cert_text = _rank_vs_prediction(H, err_rows, pred)
        message = {True: "", False: "rank above its prediction",
                   None: "rank not certified equal to its prediction"}[ok]
    return decide_flag(ok, diagnostics=diag, message=message, certificate=cert_text,
                       tolerance=Tolerance(tol, r"$4\gamma_{G+2\log_2G}\max|H|$ (same FFT on "
                                                "equal samples)"))


def _s332_strategy(profile: str) -> Any:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        act = draw(st.sampled_from(["relu", "tanh"]))
        inst = draw(networks(K=1, n=st.integers(1, 3), activation=act, h_extra=st.integers(1, 2),
                             N=256))
        j, jj = draw(st.lists(st.integers(0, inst["h"] - 1), min_size=2, max_size=2, unique=True))
        return {**duplicate_unit(inst, j, jj), "pair": [j, jj]}

    return build()


def _pair_identical(i: Mapping[str, Any]) -> bool | str:
    net = network_of(i)
    if len(i["pair"]) != 2:
        return "need exactly two units"
    a, b = (unit_indices(net, j) for j in i["pair"])
    return bool(np.array_equal(i["w"][a], i["w"][b])) or "the two units differ"


def _half_duplicate() -> list[dict[str, Any]]:
    inst = duplicate_unit(network_instance(1, 2, 7, "relu", 4, 41, N=256), 0, 1)
    net = network_of(inst)
    w = inst["w"].copy()
    w[unit_indices(net, 1)[-1]] *= 2.0  # same incoming weights, doubled outgoing weight
    return [{**inst, "w": w, "pair": [0, 1]}]


S332 = Claim(
    id="j19.s3.3.2", paper=PAPER, source="§3.3.2",
    title="Duplicated neurons give equal rows of $H$ and stay duplicated under gradient descent",
    statement=r"(a_j,w_j,b_j)=(a_{j'},w_{j'},b_{j'})\Rightarrow H_{\cdot_j,:}=H_{\cdot_{j'},:}\ "
              r"(K+2\text{ pairs}),\ \operatorname{rank}H\le M-(K+2)",
    measure=_measure_s332, parse=lambda p: _parse_units(p, "pair"), strategy=_s332_strategy,
    hypotheses=[Hypothesis("identical-units", r"(a_j,w_j,b_j)=(a_{j'},w_{j'},b_{j'})",
                           _pair_identical)],
    controls=[Control("outgoing-differs", "identical-units",
                      "equal incoming weights, outgoing weight doubled: the $a$-rows are equal "
                      "but the $w$- and $b$-rows are proportional (factor 2), not equal",
                      instances=_half_duplicate)],
    decides=r"Rows equal within $4\gamma\max|H|$ (in practice bit-for-bit), gradient entries "
            r"equal, one gradient step keeps the pair equal, SVD-certified rank $\le M-(K+2)$ "
            r"and, for ReLU, $=\min(L,(K+1)(h-1)+1)$.",
    errata=[FORMAL, RANK_NOTE, Erratum("interpretation", "Equal incoming weights alone make the "
                                       "$a$-rows equal and the $w$-, $b$-rows proportional "
                                       "(factor $a_j/a_{j'}$); the rank still drops but the "
                                       "rows are not equal (control).")],
    size=size_of,
    cost=cost_of(1.0),
    parameters=[*NET_PARAMETERS,
                Parameter("pair", "list", r"the two units $j\ne j'$ said to be duplicates",
                          "two distinct integers 0..h-1")],
    relations=relations_of("reflect-cube", "permute-samples", "permute-units", "scale-outputs",
                           exact=("permute-samples", "permute-units", "scale-outputs")),
    edge_strategy=_edge_s332,
)
