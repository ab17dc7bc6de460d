"""The input domain of every claim's ``parse``, tested on its boundary.

Each claim's ``parse`` (``checks/papers/*.py``) turns JSON ``params`` into an instance and
rejects, with :class:`checks.inputs.BadInput` naming the parameter, every value outside the
domain it documents: resource limits (``hi=`` of a width, a step count, an iteration index) and
mathematical domains (a step size, a weight or a radius > 0, an ``alpha`` in ``(0, 1)``, labels
in ``[0, r)``, indices below ``d``). Here every such bound is touched from both sides, starting
from the claim's recorded worst instance (``reports/baseline.json``) and changing one field:

* ``ok``: the extreme allowed value parses (and is returned unchanged);
* ``near``: the extreme allowed value is not rejected *for this parameter* (the instance fails
  later for an unrelated reason, e.g. ``theta`` no longer has the model's length, and that
  message must not name the parameter);
* ``bad``: the first value outside is rejected with a message that names the parameter.

Mutant class killed: off-by-one bounds (``hi=64`` -> ``hi=65``, ``lo=1`` -> ``lo=2``), flipped
comparisons in hand-written checks (``<`` vs ``<=``, ``> 0`` vs ``>= 0``), index mutations
(``Tset[-1]`` -> ``Tset[+1]``, ``U[-1]`` -> ``U[0]``, ``shape[1]`` -> ``shape[0]``) and changed
defaults of optional parameters.

Every test of a parser bound lives here: besides the claims' ``parse``, the bounds of the readers
of :mod:`checks.inputs` they are built from (inclusive ``lo``/``hi``, the entry limit) and the
domain of ``parse_feedforward`` (:mod:`checks.strategies.feedforward`).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from roundtrip import recorded_ids, recorded_worst

from checks import inputs, registry
from checks.inputs import BadInput, integer, matrix, real
from checks.serialise import to_jsonable
from checks.strategies import k19_resnet as resnet_strat
from checks.strategies.feedforward import feedforward_instances, parse_feedforward

DROP = object()  # marks a field removed from the instance
TINY = 5e-324  # the smallest positive double
BELOW_ONE = math.nextafter(1.0, 0.0)
ABOVE_ONE = math.nextafter(1.0, 2.0)


#: instances pinned for the boundary rows of claims whose strategies draw several shapes (the
#: worst instance a refreshed baseline records may be of another shape than the rows assume)
PINNED = json.loads((Path(__file__).parent / "data" / "boundary_instances.json").read_text())


def _base(claim_id: str) -> dict[str, Any]:
    return copy.deepcopy(PINNED[claim_id]) if claim_id in PINNED else recorded_worst(claim_id)


def _params(claim_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The base instance of ``claim_id`` (:data:`PINNED`, else the recorded worst) with
    ``changes`` applied: a value replaces the field, :data:`DROP` removes it, a callable maps
    the base params to the new value."""
    base = _base(claim_id)
    params = copy.deepcopy(base)
    for key, value in changes.items():
        if value is DROP:
            params.pop(key, None)
        elif callable(value):
            params[key] = value(copy.deepcopy(base))
        else:
            params[key] = value
    return params


def _names(message: str, name: str) -> bool:
    """Whether ``message`` names the parameter ``name`` (a whole word: ``widths`` is not named
    by ``body_widths``, ``widths[1]`` names ``widths``)."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message) is not None


def _parse(claim_id: str, params: dict[str, Any]) -> dict[str, Any]:
    return registry.get(claim_id).parse(params)


# ------------------------------------------------------------------------ small builders

def _rows(matrix: list[list[float]], k: int) -> list[list[float]]:
    """The first ``k`` rows of a JSON matrix."""
    return matrix[:k]


def _col(values: list[float]) -> list[list[float]]:
    return [[v] for v in values]


def _zeros(*shape: int) -> list:
    return np.zeros(shape).tolist()


def _ones(*shape: int) -> list:
    return np.ones(shape).tolist()


def _set_last(name: str, value: float) -> Callable[[dict[str, Any]], list]:
    """``params[name]`` (a vector) with its last entry replaced by ``value``."""
    def edit(p: dict[str, Any]) -> list:
        return [*p[name][:-1], value]
    return edit


def _set_entry(name: str, i: int, j: int, value: float) -> Callable[[dict[str, Any]], list]:
    def edit(p: dict[str, Any]) -> list:
        out = p[name]
        out[i][j] = value
        return out
    return edit


def _mlp_theta(widths: list[int]) -> list[float]:
    """A parameter vector of a fully connected net with biases: sum (w_l + 1) w_(l+1)."""
    return _zeros(sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:], strict=False)))


def _j19_net(h: int, K: int = 1) -> dict[str, Any]:
    """``h`` and a weight vector of the K -> h -> 1 network: h K + h + h + 1 = h (K + 2) + 1."""
    return {"h": h, "w": _zeros(h * (K + 2) + 1)}


# --------------------------------------------------------------------------------- rows

def ok(claim_id: str, name: str, value: Any = DROP, **extra: Any) -> Any:
    return pytest.param("ok", claim_id, name, {name: value, **extra},
                        id=f"ok-{claim_id}-{name}={_show(value)}")


def near(claim_id: str, name: str, value: Any, **extra: Any) -> Any:
    return pytest.param("near", claim_id, name, {name: value, **extra},
                        id=f"near-{claim_id}-{name}={_show(value)}")


def bad(claim_id: str, name: str, value: Any = DROP, **extra: Any) -> Any:
    return pytest.param("bad", claim_id, name, {name: value, **extra},
                        id=f"bad-{claim_id}-{name}={_show(value)}")


def _show(value: Any) -> str:
    if value is DROP:
        return "missing"
    if callable(value):
        return getattr(value, "__name__", "edit")
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


# Iteration index lists of k22's gap claims: a last element beyond 100000 behind a smaller
# middle one (catches Tset[-1] -> Tset[1]), and an unsorted list (the bound is on the maximum).
T_LAST_OUT = [0, 1, 100_001]
T_FIRST_OUT = [100_001, 0, 5]

HM17_LINEAR = [
    # _parse_model: tau >= 0 (the radius of the ball of Theorem 2.2 / eq. (2.3))
    ok("hm17.eq2.3", "tau", 0.0), bad("hm17.eq2.3", "tau", -TINY),
    ok("hm17.thm2.2", "tau", 0.0), bad("hm17.thm2.2", "tau", -TINY),
    bad("hm17.thm2.2", "tau"),
    bad("hm17.lem2.4", "Sigma", _zeros(3, 2)),
    bad("hm17.lem2.4", "R", _zeros(3, 2)),
    bad("hm17.lem2.4", "A", lambda p: [*p["A"], _zeros(3, 2)]),
    # _parse_claim23: seed in [0, 2^63 - 1] (default 0); x_mean of length d; x_cov d x d
    ok("hm17.claim2.3", "seed", 0), ok("hm17.claim2.3", "seed", 2**63 - 1),
    bad("hm17.claim2.3", "seed", -1), bad("hm17.claim2.3", "seed", 2**63),
    bad("hm17.claim2.3", "x_mean", [0.0, 0.0]),
    ok("hm17.claim2.3", "x_cov", np.eye(3).tolist()),
    bad("hm17.claim2.3", "x_cov", np.eye(2).tolist()),
    # _parse_thm22: optional gradient-descent run; both of gd_steps / gd_step, bounded
    ok("hm17.thm2.2", "gd_steps", 0, gd_step=1.0),
    ok("hm17.thm2.2", "gd_steps", 100_000, gd_step=1.0),
    bad("hm17.thm2.2", "gd_steps", -1, gd_step=1.0),
    bad("hm17.thm2.2", "gd_steps", 100_001, gd_step=1.0),
    ok("hm17.thm2.2", "gd_step", 1e-12, gd_steps=5), ok("hm17.thm2.2", "gd_step", 1e3, gd_steps=5),
    bad("hm17.thm2.2", "gd_step", math.nextafter(1e-12, 0.0), gd_steps=5),
    bad("hm17.thm2.2", "gd_step", math.nextafter(1e3, 2e3), gd_steps=5),
    bad("hm17.thm2.2", "gd_step", DROP, gd_steps=5),
    bad("hm17.thm2.2", "gd_steps", DROP, gd_step=1.0),
    ok("hm17.thm2.2", "gd_rel_tol", 0.0, gd_steps=5, gd_step=1.0),
    ok("hm17.thm2.2", "gd_rel_tol", 1.0, gd_steps=5, gd_step=1.0),
    bad("hm17.thm2.2", "gd_rel_tol", -TINY, gd_steps=5, gd_step=1.0),
    bad("hm17.thm2.2", "gd_rel_tol", ABOVE_ONE, gd_steps=5, gd_step=1.0),
    # _parse_standard: depth ell in [1, 64]
    ok("hm17.rem1.1", "ell", 1), ok("hm17.rem1.1", "ell", 64),
    bad("hm17.rem1.1", "ell", 0), bad("hm17.rem1.1", "ell", 65),
    bad("hm17.rem1.1", "Sigma", _zeros(2, 2)),
    # _parse_target: depth ell in [1, 10000]
    ok("hm17.thm2.1", "ell", 1), ok("hm17.thm2.1", "ell", 10_000),
    bad("hm17.thm2.1", "ell", 0), bad("hm17.thm2.1", "ell", 10_001),
    ok("hm17.propA.psd", "ell", 10_000), bad("hm17.propA.psd", "ell", 10_001),
    bad("hm17.thm2.1", "R", _zeros(3, 2)),
    # _parse_a1: Q is 2 x 2, q in [1, 100000]
    ok("hm17.claimA.1", "q", 1), ok("hm17.claimA.1", "q", 100_000),
    bad("hm17.claimA.1", "q", 0), bad("hm17.claimA.1", "q", 100_001),
    bad("hm17.claimA.1", "Q", np.eye(3).tolist()),
    # _parse_c1: U square; _parse_c2: rows(B) = cols(A)
    bad("hm17.claimC.1", "U", _zeros(3, 2)),
    bad("hm17.claimC.2", "B", _zeros(6, 4)),
    ok("hm17.claimC.2", "B", _zeros(5, 1)),
]

HM17_RELU = [
    # parse_data: r in [1, 100000]; labels integers in [0, r); rho in [0, 2];
    # k in [1, 100000]; seed in [0, 2^63 - 1]; max_draws in [1, 1000]
    ok("hm17.asm3.1", "r", 100_000), bad("hm17.asm3.1", "r", 100_001),
    bad("hm17.asm3.1", "r", 0),
    ok("hm17.asm3.1", "labels", _set_last("labels", 0)),   # r = 2: labels 0 .. 1
    bad("hm17.asm3.1", "labels", _set_last("labels", 2)),
    bad("hm17.asm3.1", "labels", _set_last("labels", -1)),
    bad("hm17.asm3.1", "labels", _set_last("labels", 0.5)),
    bad("hm17.asm3.1", "labels", lambda p: p["labels"][:-1]),
    ok("hm17.asm3.1", "r", 1, labels=lambda p: [0] * len(p["labels"])),
    # (rho = 0 is accepted too, but Theorem 3.2's width grows like 1/rho^2: not pinned)
    ok("hm17.asm3.1", "rho", 1e-3), ok("hm17.asm3.1", "rho", 2.0),
    bad("hm17.asm3.1", "rho", -TINY), bad("hm17.asm3.1", "rho", math.nextafter(2.0, 3.0)),
    bad("hm17.asm3.1", "rho", 0.0),  # the width grows like 1 / rho^2
    ok("hm17.asm3.1", "k", 1), ok("hm17.asm3.1", "k", 100_000),
    bad("hm17.asm3.1", "k", 0), bad("hm17.asm3.1", "k", 100_001),
    ok("hm17.asm3.1", "seed", 0), ok("hm17.asm3.1", "seed", 2**63 - 1),
    bad("hm17.asm3.1", "seed", -1), bad("hm17.asm3.1", "seed", 2**63),
    ok("hm17.asm3.1", "max_draws", 1), ok("hm17.asm3.1", "max_draws", 1000),
    bad("hm17.asm3.1", "max_draws", 0), bad("hm17.asm3.1", "max_draws", 1001),
    # parse_b1 (alpha, beta: n x k = 11 x 3): S distinct integer indices in [0, n), at most k;
    # rho_prime in (0, 1); method one of B1_METHODS
    ok("hm17.lemB.1", "S", [0, 10]), ok("hm17.lemB.1", "S", [10, 0, 4]),
    bad("hm17.lemB.1", "S", [0, 11]), bad("hm17.lemB.1", "S", [11, 0]),
    bad("hm17.lemB.1", "S", [-1, 3]), bad("hm17.lemB.1", "S", [3, -1]),
    bad("hm17.lemB.1", "S", [0, 1.5]), bad("hm17.lemB.1", "S", [2, 2]),
    bad("hm17.lemB.1", "S", [0, 1, 2, 3]),                  # k + 1 = 4 indices
    ok("hm17.lemB.1", "rho_prime", TINY), ok("hm17.lemB.1", "rho_prime", BELOW_ONE),
    bad("hm17.lemB.1", "rho_prime", 0.0), bad("hm17.lemB.1", "rho_prime", 1.0),
    bad("hm17.lemB.1", "rho_prime", -TINY), bad("hm17.lemB.1", "rho_prime", ABOVE_ONE),
    bad("hm17.lemB.1", "method", "exact"),
    bad("hm17.lemB.1", "beta", lambda p: [row[:-1] for row in p["beta"]]),
    bad("hm17.lemB.1", "beta", lambda p: p["beta"][:-1]),
    # parse_b2 (Z: n x k = 141 x 80, r = 12): r in [1, 100000]; labels in [0, r); Q is r x k
    near("hm17.lemB.2", "r", 100_000), bad("hm17.lemB.2", "r", 100_001),
    bad("hm17.lemB.2", "r", 0),
    ok("hm17.lemB.2", "labels", _set_last("labels", 11)),
    bad("hm17.lemB.2", "labels", _set_last("labels", 12)),
    bad("hm17.lemB.2", "labels", _set_last("labels", -1)),
    bad("hm17.lemB.2", "Q", lambda p: p["Q"][:-1]),
    bad("hm17.lemB.2", "Q", lambda p: [row[:-1] for row in p["Q"]]),
]

K19 = [
    # parse: widths in [1, 512]; lambda > 0; X has the family's input columns; Y labels
    ok("k19.ex1", "widths", [512], X=lambda p: _zeros(12, 512), theta=_zeros(512)),
    bad("k19.ex1", "widths", [513]), bad("k19.ex1", "widths", [0]),
    bad("k19.ex1", "widths", [True]), bad("k19.ex1", "widths", 1),
    bad("k19.ex1", "widths", [1, 1]), bad("k19.thm1", "widths", [2, 2]),
    bad("k19.asm2", "widths", [2, 3, 2]),
    near("k19.thm1", "widths", [2, 512, 1]), bad("k19.thm1", "widths", [2, 513, 1]),
    bad("k19.thm1", "widths", [2, 2, 0]),
    ok("k19.thm1", "lambda", _set_last("lambda", TINY)),
    bad("k19.thm1", "lambda", _set_last("lambda", 0.0)),
    bad("k19.thm1", "lambda", lambda p: [0.0, *p["lambda"][1:]]),
    bad("k19.thm1", "X", lambda p: [[*row, 0.0] for row in p["X"]]),
    bad("k19.asm2", "X", lambda p: [[*row, 0.0] for row in p["X"]]),
    bad("k19.ours1", "X", lambda p: [[*row, 0.0] for row in p["X"]]),
    bad("k19.thm1", "Y", lambda p: p["Y"][:-1]),
    bad("k19.thm1", "theta", lambda p: p["theta"][:-1]),
    ok("k19.thm1", "loss", "smoothed-hinge", Y=lambda p: _col([1.0, -1.0] * 8 + [1.0])),
    bad("k19.thm1", "loss", "smoothed-hinge", Y=lambda p: _col([1.0, 0.0] * 8 + [1.0])),
    ok("k19.thm1", "loss", "cross-entropy", Y=lambda p: _col([1.0, 0.0] * 8 + [1.0])),
    bad("k19.thm1", "loss", "cross-entropy", Y=lambda p: _col([1.0, -1.0] * 8 + [1.0])),
    # parse_pgb: eps in [0, 1] (the radius of V[theta, eps]); S is |S| x d_theta
    ok("k19.thm2", "eps", 1.0), ok("k19.thm2", "eps", 1e-12),
    bad("k19.thm2", "eps", ABOVE_ONE), bad("k19.thm2", "eps", -TINY),
    ok("k19.thm2", "eps", 0.0),  # Theorem 2 takes eps in [0, eps_0): eps = 0 is Theorem 1
    bad("k19.thm2", "S", lambda p: [row[:-1] for row in p["S"]]),
    ok("k19.thm2", "S", lambda p: p["S"][:1]),
    # parse_two_sets: S2 is |S'| x d_theta
    bad("k19.lem1", "S2", lambda p: [row[:-1] for row in p["S2"]]),
    ok("k19.lem1", "eps", 1.0), bad("k19.lem1", "eps", ABOVE_ONE),
    # parse_example2 (X_raw: m x d = 3 x 3): n in [1, 4096]; depth in [1, 16];
    # eps_prime in [0, 2]; lambda > 0; squared loss only (the default)
    ok("k19.ex2", "n", 1), ok("k19.ex2", "n", 4096),
    bad("k19.ex2", "n", 0), bad("k19.ex2", "n", 4097),
    ok("k19.ex2", "depth", 1), ok("k19.ex2", "depth", 16),
    bad("k19.ex2", "depth", 0), bad("k19.ex2", "depth", 17),
    ok("k19.ex2", "eps_prime", 0.0), ok("k19.ex2", "eps_prime", 2.0),
    bad("k19.ex2", "eps_prime", -TINY), bad("k19.ex2", "eps_prime", math.nextafter(2.0, 3.0)),
    ok("k19.ex2", "lambda", _set_last("lambda", TINY)),
    bad("k19.ex2", "lambda", _set_last("lambda", 0.0)),
    bad("k19.ex2", "lambda", lambda p: p["lambda"][:-1]),
    bad("k19.ex2", "Y", lambda p: p["Y"][:-1]),
    ok("k19.ex2", "loss", "squared"), bad("k19.ex2", "loss", "cross-entropy"),
]

K19_RESNET = [
    # _parse_data (X: m x d_x, Y: m x d_y, as in Section 3): lambda > 0, one weight per
    # sample; `lam` (the former features x samples layout's name) is refused by name
    ok("k19.thm3", "lambda", _set_last("lambda", TINY)),
    bad("k19.thm3", "lambda", _set_last("lambda", 0.0)),
    bad("k19.thm3", "lambda", lambda p: p["lambda"][:-1]),
    bad("k19.thm3", "Y", lambda p: p["Y"][:-1]),
    bad("k19.thm3", "lam", lambda p: p["lambda"]),
    bad("k19.thm1", "lam", lambda p: p["lambda"]),
    bad("k19.ex2", "lam", lambda p: p["lambda"]),
    # parse_resnet: W is d_y x d_x, R is d_x x d_z, U a chain from d_x ending in d_z units;
    # eps in [1e-8, 1]
    bad("k19.thm3", "W", lambda p: [row[:-1] for row in p["W"]]),
    bad("k19.thm3", "R", lambda p: p["R"][:-1]),
    bad("k19.thm3", "U", lambda p: [[row[:-1] for row in p["U"][0]]]),
    bad("k19.thm3", "U", [], ),
    bad("k19.thm3", "U", lambda p: p["U"], R=lambda p: [row[:-1] for row in p["R"]]),
    # a chain of two layers 3 -> 4 -> 3 whose first layer's width (4) is not d_z (3)
    ok("k19.thm3", "U", [_zeros(4, 3), _zeros(3, 4)]),
    bad("k19.thm3", "U", [_zeros(3, 3), _zeros(4, 3)]),
    ok("k19.thm3", "eps", 1e-8), ok("k19.thm3", "eps", 1.0),
    bad("k19.thm3", "eps", math.nextafter(1e-8, 0.0)), bad("k19.thm3", "eps", ABOVE_ONE),
    ok("k19.prop1", "eps", 1.0), bad("k19.ours3", "eps", ABOVE_ONE),
    # parse_feedforward (X: 30 x 2, Y: 30 x 2, H = 2): Ws a chain ending in d_y rows;
    # activations one list per hidden layer, one name per unit; t in [0, H]
    ok("k19.thm4", "t", 0), ok("k19.thm4", "t", 2),
    bad("k19.thm4", "t", -1), bad("k19.thm4", "t", 3),
    ok("k19.thm4", "Ws", [_zeros(3, 2), _zeros(4, 3), _zeros(2, 4)],
       activations=[["tanh"] * 3, ["tanh"] * 4]),
    bad("k19.thm4", "Ws", [_zeros(3, 2), _zeros(4, 3), _zeros(3, 4)],
        activations=[["tanh"] * 3, ["tanh"] * 4]),
    bad("k19.thm4", "activations", lambda p: p["activations"][:-1]),
    bad("k19.thm4", "activations", lambda p: [p["activations"][0], p["activations"][1][:-1]]),
    bad("k19.thm4", "activations", lambda p: [p["activations"][0],
                                               [*p["activations"][1][:-1], "cosine"]]),
    ok("k19.thm4", "eps", 1e-8), bad("k19.thm4", "eps", math.nextafter(1e-8, 0.0)),
    bad("k19.thm4", "eps", ABOVE_ONE),
    # parse_deep_linear (X: 14 x 4, Y: 14 x 1): at least two layers, the last with d_y rows
    bad("k19.cor4", "Ws", lambda p: [_zeros(1, 4)]),
    ok("k19.cor4", "Ws", [_zeros(3, 4), _zeros(2, 3), _zeros(1, 2)]),
    bad("k19.cor4", "Ws", [_zeros(3, 4), _zeros(1, 3), _zeros(2, 1)]),
    ok("k19.prop2", "loss", "cross-entropy"), bad("k19.prop2", "loss", "logistic"),
    bad("k19.prop2", "Y", _set_entry("Y", -1, -1, 0.5)),
    bad("k19.prop2", "Y", _set_entry("Y", 0, 0, -1.0)),
]

K22_ALIGNMENT = [
    # parse_base: X and Y have one row per sample; mlp widths run m_x -> m_y, entries >= 1,
    # at least two of them; non-mlp models have one output; S indices in [0, d)
    bad("k22.asm1", "Y", lambda p: p["Y"][:-1]),
    bad("k22.eq2.1-2.4", "Y", lambda p: p["Y"][:-1]),
    near("k22.def2", "widths", [1, 1, 1]), bad("k22.def2", "widths", [1, 0, 1]),
    near("k22.def2", "widths", [1, 1]), bad("k22.def2", "widths", [1]),
    bad("k22.eq2.1-2.4", "widths", [3, 8, 2]), bad("k22.eq2.1-2.4", "widths", [2, 8, 1]),
    bad("k22.def2", "widths", "1, 2, 1"),
    ok("k22.def2", "widths", [1, 1, 1], theta=_mlp_theta([1, 1, 1])),
    ok("k22.def2", "model", "linear", theta=[0.5]),
    ok("k22.eq2.1-2.4", "model", "linear", theta=[0.5, 0.5, 0.5], loss="squared"),
    bad("k22.eq2.1-2.4", "theta", [0.5, 0.5], model="linear", loss="squared"),
    bad("k22.def2", "Y", _zeros(2, 2), model="linear", theta=[0.5]),
    ok("k22.def2", "S", [0, 6]), ok("k22.def2", "S", [6, 0]),
    bad("k22.def2", "S", [0, 7]), bad("k22.def2", "S", [7, 0]),
    bad("k22.def2", "S", [-1, 3]),
    # loss-specific labels: cross-entropy {0, 1}, logistic {-1, +1}
    ok("k22.thm3", "Y", [[0.0], [1.0]]),
    bad("k22.thm3", "Y", [[0.0], [0.5]]), bad("k22.thm3", "Y", [[-1.0], [1.0]]),
    ok("k22.def2", "loss", "logistic", Y=[[-1.0], [1.0]]),
    bad("k22.def2", "loss", "logistic", Y=[[0.0], [1.0]]),
    bad("k22.def2", "loss", "hinge"),
    # the corollaries are about one loss each: (2.11) squared, (2.12) cross-entropy (or the
    # same loss on {-1, +1} labels); each refuses the other, and a Ystar (they fix Y*)
    bad("k22.eq2.11", "loss", "cross-entropy", Y=lambda p: _col([float(r[0] > 0) for r in
                                                                 p["Y"]])),
    bad("k22.eq2.12", "loss", "squared"),
    ok("k22.eq2.12", "loss", "logistic", Y=lambda p: _col([2.0 * r[0] - 1.0 for r in p["Y"]])),
    bad("k22.eq2.11", "Ystar", lambda p: p["Y"]), bad("k22.eq2.12", "Ystar", lambda p: p["Y"]),
    ok("k22.eq2.11", "witness", lambda p: p["theta"]),
    bad("k22.eq2.11", "witness", lambda p: p["theta"][:-1]),
    # parse_prop1: eta is required; parse_stationary: eta optional
    bad("k22.prop1", "eta"),
    # parse_limit: step_size > 0; steps in [1, 100000]; epsilon in [0, 2] (default 1e-3)
    ok("k22.thm2", "step_size", TINY),
    bad("k22.thm2", "step_size", 0.0), bad("k22.thm2", "step_size", -TINY),
    ok("k22.thm2", "steps", 1), ok("k22.thm2", "steps", 100_000),
    bad("k22.thm2", "steps", 0), bad("k22.thm2", "steps", 100_001),
    # rule (i) of Theorem 2, epsilon <= alpha <= (2 - epsilon) / L, needs 0 < epsilon < 2
    ok("k22.thm2", "epsilon", TINY), ok("k22.thm2", "epsilon", math.nextafter(2.0, 0.0)),
    bad("k22.thm2", "epsilon", 0.0), bad("k22.thm2", "epsilon", 2.0),
    bad("k22.thm2", "epsilon", -TINY), bad("k22.thm2", "epsilon", math.nextafter(2.0, 3.0)),
    # parse_gap: alpha in (0, 1); L > 0; T_set a nonempty list of iterations in [0, 100000]
    ok("k22.thm3", "alpha", TINY), ok("k22.thm3", "alpha", BELOW_ONE),
    bad("k22.thm3", "alpha", 0.0), bad("k22.thm3", "alpha", 1.0),
    bad("k22.thm3", "alpha", -TINY), bad("k22.thm3", "alpha", ABOVE_ONE),
    ok("k22.thm3", "L", TINY), bad("k22.thm3", "L", 0.0), bad("k22.thm3", "L", -1.0),
    ok("k22.thm3", "T_set", [0]), ok("k22.thm3", "T_set", [100_000]),
    ok("k22.thm3", "T_set", [0, 7, 100_000]),
    bad("k22.thm3", "T_set", []), bad("k22.thm3", "T_set", [100_001]),
    bad("k22.thm3", "T_set", T_LAST_OUT), bad("k22.thm3", "T_set", T_FIRST_OUT),
    bad("k22.thm3", "T_set", [-1, 4]), bad("k22.thm3", "T_set"),
    bad("k22.eq2.11", "T_set", T_LAST_OUT), bad("k22.eq2.12", "T_set", T_LAST_OUT),
    ok("k22.eq2.11", "T_set", [100_000, 0]), ok("k22.eq2.12", "alpha", BELOW_ONE),
    bad("k22.eq2.11", "alpha", 0.0), bad("k22.eq2.12", "L", 0.0),
    ok("k22.thm3", "Ystar", [[0.5], [0.5]]), bad("k22.thm3", "Ystar", [[0.5, 0.5]]),
]

K22_EE = [
    # _parse_gate (W_hidden: m_H x m = 6 x 7): varsigma >= 1e-300; gate sigmoid or half
    ok("k22.claim.gate-relu-limit", "varsigma", 1e-300),
    bad("k22.claim.gate-relu-limit", "varsigma", math.nextafter(1e-300, 0.0)),
    bad("k22.claim.gate-relu-limit", "varsigma", 0.0),
    ok("k22.claim.gate-relu-limit", "gate", "half"),
    bad("k22.claim.gate-relu-limit", "gate", "relu"),
    bad("k22.claim.gate-relu-limit", "W_out", lambda p: [row[:-1] for row in p["W_out"]]),
    bad("k22.claim.gate-relu-limit", "Z", lambda p: [row[:-1] for row in p["Z"]]),
    ok("k22.claim.gate-relu-limit", "Z", lambda p: p["Z"][:1]),
    # _parse_safe (X: 10 x 2, body 2 -> 4): body widths >= 2 entries in [1, 10000];
    # X has body_widths[0] columns; q has body_widths[-1] + 1 rows; varsigma >= 1e-300
    near("k22.asm4", "body_widths", [2, 1]), near("k22.asm4", "body_widths", [2, 10_000]),
    near("k22.asm4", "body_widths", [1, 4]),
    bad("k22.asm4", "body_widths", [2, 0]), bad("k22.asm4", "body_widths", [2, 10_001]),
    bad("k22.asm4", "body_widths", [0, 4]), bad("k22.asm4", "body_widths", [10_001, 4]),
    bad("k22.asm4", "body_widths", [2]), bad("k22.asm4", "body_widths", [2, True]),
    bad("k22.asm4", "body_widths", [2, 4.0]), bad("k22.asm4", "body_widths", (2, 4)),
    bad("k22.asm4", "activation", "cosine"),
    bad("k22.asm4", "X", lambda p: [row[:-1] for row in p["X"]]),
    bad("k22.asm4", "q", lambda p: p["q"][:-1]),
    bad("k22.asm4", "q", lambda p: [*p["q"], p["q"][0]]),
    bad("k22.asm4", "theta_body", lambda p: p["theta_body"][:-1]),
    ok("k22.asm4", "varsigma", 1e-300), bad("k22.asm4", "varsigma", 0.0),
    # _parse_ee (X: 13 x 2): m_y in [1, 64]; m_H in [1, 10000]; K in [1, 10^12];
    # eps_bar >= 0 (default 0); loss squared or logistic (targets +-1); theta, witness of d
    ok("k22.thm4", "m_y", 1), near("k22.thm4", "m_y", 64, Y=lambda p: _ones(13, 64)),
    bad("k22.thm4", "m_y", 0), bad("k22.thm4", "m_y", 65),
    near("k22.thm4", "m_H", 1), near("k22.thm4", "m_H", 10_000),
    bad("k22.thm4", "m_H", 0), bad("k22.thm4", "m_H", 10_001),
    ok("k22.thm4", "K", 1), ok("k22.thm4", "K", 10**12),
    bad("k22.thm4", "K", 0), bad("k22.thm4", "K", 10**12 + 1),
    ok("k22.thm4", "eps_bar", 0.0), bad("k22.thm4", "eps_bar", -TINY),
    ok("k22.thm4", "varsigma", 1e-300), bad("k22.thm4", "varsigma", math.nextafter(1e-300, 0.0)),
    bad("k22.thm4", "loss", "cross-entropy"),
    bad("k22.thm4", "Y", lambda p: p["Y"][:-1]),
    bad("k22.thm4", "theta", lambda p: p["theta"][:-1]),
    ok("k22.thm4", "witness", lambda p: p["theta"]),
    bad("k22.thm4", "witness", lambda p: p["theta"][:-1]),
    near("k22.thm4", "body_widths", [2, 10_000]), bad("k22.thm4", "body_widths", [2, 10_001]),
    ok("k22.thm5", "loss", "logistic"),
    bad("k22.thm5", "Y", lambda p: [*p["Y"][:-1], [0.0]]),
    bad("k22.thm5", "Y", lambda p: [[0.5], *p["Y"][1:]]),
    ok("k22.thm5", "K", 10**12), bad("k22.thm5", "m_y", 65),
]

J19 = [
    # _parse_space: K in [1, 2]; n in [0, 32]; N in [8, 8192] (K = 1) or [8, 256] (K = 2),
    # and N >= 16 (2n + 1) when n > 0
    near("j19.lem1", "K", 2), bad("j19.lem1", "K", 3), bad("j19.lem1", "K", 0),
    ok("j19.lem1", "n", 0), ok("j19.lem1", "n", 32, N=16 * 65),
    bad("j19.lem1", "n", -1), bad("j19.lem1", "n", 33, N=8192),
    ok("j19.lem1", "N", 8192), bad("j19.lem1", "N", 8193),
    ok("j19.lem1", "N", 8, n=0), bad("j19.lem1", "N", 7, n=0),
    ok("j19.lem1", "N", 48), bad("j19.lem1", "N", 47),           # n = 1: N >= 48
    ok("j19.lem1", "N", 80, n=2), bad("j19.lem1", "N", 79, n=2),
    ok("j19.ours3", "N", 256), bad("j19.ours3", "N", 257),       # K = 2
    ok("j19.ours3", "N", 48), bad("j19.ours3", "N", 47),
    # _parse_net: h in [1, 200]; w has h (K + 2) + 1 entries
    ok("j19.lem1", "h", 1, w=_j19_net(1)["w"]), ok("j19.lem1", "h", 200, w=_j19_net(200)["w"]),
    bad("j19.lem1", "h", 0), bad("j19.lem1", "h", 201),
    ok("j19.ours3", "h", 200, w=_j19_net(200, K=2)["w"]),
    bad("j19.lem1", "w", lambda p: p["w"][:-1]),
    bad("j19.lem1", "activation", "elu"),
    # _parse_data: X is T x K in the cube [0, 1]^K; y has T entries
    ok("j19.lem1", "X", [[0.0], [1.0]]), bad("j19.lem1", "X", [[0.0], [ABOVE_ONE]]),
    bad("j19.lem1", "X", [[-TINY], [1.0]]),
    bad("j19.ours3", "X", _set_entry("X", -1, -1, ABOVE_ONE)),
    bad("j19.ours3", "X", _set_entry("X", 0, 0, -TINY)),
    bad("j19.ours3", "X", lambda p: [row[:1] for row in p["X"]]),
    bad("j19.lem1", "y", lambda p: p["y"][:-1]),
    # _parse_thm1: K in [1, 2], n in [0, 32]
    ok("j19.thm1", "n", 0), ok("j19.thm1", "n", 32),
    bad("j19.thm1", "n", -1), bad("j19.thm1", "n", 33),
    bad("j19.thm1", "K", 3), bad("j19.thm1", "K", 0),
    ok("j19.thm1", "K", 1, X=_col([0.0, 0.5, 1.0]), y=[0.0, 1.0, 2.0]),
    bad("j19.thm1", "X", lambda p: [row[:1] for row in p["X"]]),
    # _parse_cor1: lam in [0, 1]; w2 like w
    ok("j19.cor1", "lam", 0.0), ok("j19.cor1", "lam", 1.0),
    bad("j19.cor1", "lam", -TINY), bad("j19.cor1", "lam", ABOVE_ONE),
    bad("j19.cor1", "w2", lambda p: p["w2"][:-1]),
    bad("j19.cor1", "space", "canonical"),
    # _parse_eq8: quadrature_H trapezoid or rectangle
    ok("j19.eq8", "quadrature_H", "rectangle"), bad("j19.eq8", "quadrature_H", "simpson"),
    # _parse_descent: eta0 in [1e-12, 1e6]; steps in [1, 100000]; target >= 0;
    # the sigmoid-product model needs K = 1 (if given), n = 0 and w of length 3
    ok("j19.thm2", "eta0", 1e-12), ok("j19.thm2", "eta0", 1e6),
    bad("j19.thm2", "eta0", math.nextafter(1e-12, 0.0)),
    bad("j19.thm2", "eta0", math.nextafter(1e6, 2e6)),
    ok("j19.thm2", "steps", 1), ok("j19.thm2", "steps", 100_000),
    bad("j19.thm2", "steps", 0), bad("j19.thm2", "steps", 100_001),
    ok("j19.thm2", "target", 0.0), bad("j19.thm2", "target", -TINY),
    ok("j19.ours2", "step_rule", "fixed"), bad("j19.ours2", "step_rule", "wolfe"),
    bad("j19.ours2", "model", "cnn"),
    ok("j19.ours2", "model", "sigmoid-product", n=0, w=[0.0, 1.0, 0.5], K=DROP),
    ok("j19.ours2", "model", "sigmoid-product", n=0, w=[0.0, 1.0, 0.5], K=1),
    bad("j19.ours2", "K", 2, model="sigmoid-product", n=0, w=[0.0, 1.0, 0.5]),
    bad("j19.ours2", "K", 0, model="sigmoid-product", n=0, w=[0.0, 1.0, 0.5]),
    bad("j19.ours2", "n", 1, model="sigmoid-product", w=[0.0, 1.0, 0.5]),
    bad("j19.ours2", "w", [0.0, 1.0], model="sigmoid-product", n=0),
    ok("j19.ours2", "N", 8, model="sigmoid-product", n=0, w=[0.0, 1.0, 0.5]),
    bad("j19.ours2", "N", 7, model="sigmoid-product", n=0, w=[0.0, 1.0, 0.5]),
    # _parse_units: distinct unit indices in 0 .. h-1 (h = 3 for s3.3.1, 4 for s3.3.2)
    ok("j19.s3.3.1", "dead", [2]), ok("j19.s3.3.1", "dead", [2, 0]),
    bad("j19.s3.3.1", "dead", [3]), bad("j19.s3.3.1", "dead", [0, 3]),
    bad("j19.s3.3.1", "dead", [-1]), bad("j19.s3.3.1", "dead", [0, 0]),
    bad("j19.s3.3.1", "dead", []), bad("j19.s3.3.1", "dead", [0.5]),
    bad("j19.s3.3.1", "dead", [True]), bad("j19.s3.3.1", "dead", "0"),
    ok("j19.s3.3.1", "dead", [1.0]),
    ok("j19.s3.3.2", "pair", [3, 0]), bad("j19.s3.3.2", "pair", [0, 4]),
    bad("j19.s3.3.2", "pair", [1, 1]),
]

# Every option a parser accepts by name (choice(...) and hand-written option tuples), each on an
# instance that is otherwise valid: kills mutated option strings ("tanh" -> "XXtanhXX") and
# mutated entries of per-option tables (k22's parameter count per model).
OPTIONS = [
    *(ok("hm17.lem2.4", "reading", r)
      for r in ("lemma", "descending-per-factor", "no-transpose", "sqrt-sigma")),
    bad("hm17.lem2.4", "reading", "transpose"),
    *(ok("hm17.lemB.1", "method", m) for m in ("margin", "fixed", "uniform")),
    *(ok("k19.thm1", "loss", loss) for loss in ("squared", "welsch")),
    bad("k19.thm1", "loss", "hinge"), bad("k19.thm1", "family", "resnet"),
    *(ok("k22.def2", "activation", a) for a in ("tanh", "softplus", "sigmoid")),
    bad("k22.def2", "activation", "relu"),
    *(ok("k22.def2", "output", o) for o in ("linear", "tanh")),
    bad("k22.def2", "output", "relu"),
    # k22's scalar models: parameter count d = m_x (linear), 1 (quartic), 2 (wu2),
    # 1 (square-plus-one); theta of d + 1 entries is rejected
    *(ok("k22.def2", "model", kind, theta=[0.5] * d) for kind, d in
      (("linear", 1), ("quartic", 1), ("wu2", 2), ("square-plus-one", 1))),
    *(bad("k22.def2", "theta", [0.5] * (d + 1), model=kind) for kind, d in
      (("linear", 1), ("quartic", 1), ("wu2", 2), ("square-plus-one", 1))),
    bad("k22.def2", "model", "resnet"),
    ok("k22.thm4", "loss", "squared"),
    ok("k22.thm5", "activation", "tanh"), bad("k22.thm5", "activation", "cosine"),
    *(ok("j19.lem1", "activation", a) for a in ("relu", "tanh", "sigmoid", "softplus")),
    *(ok("j19.cor1", "space", s) for s in ("function", "weights")),
    ok("j19.eq8", "quadrature_H", "trapezoid"),
    ok("j19.thm2", "step_rule", "armijo"), ok("j19.thm2", "model", "network"),
    ok("k19.prop2", "loss", "squared"),
]

ROWS = HM17_LINEAR + HM17_RELU + K19 + K19_RESNET + K22_ALIGNMENT + K22_EE + J19 + OPTIONS


# What the rows above take for granted about the recorded instances (shapes of arrays, values
# of scalars). A refreshed baseline that changes one of them fails here first, naming it.
ASSUMED: dict[str, dict[str, Any]] = {
    "hm17.claim2.3": {"R": (3, 3)}, "hm17.lem2.4": {"R": (3, 3)}, "hm17.rem1.1": {"R": (1, 1)},
    "hm17.thm2.1": {"R": (3, 3)}, "hm17.claimC.2": {"A": (6, 5)},
    "hm17.asm3.1": {"r": 2}, "hm17.lemB.1": {"alpha": (11, 3)},
    "hm17.lemB.2": {"Z": (141, 80), "r": 12},
    "k19.ex1": {"family": "basis", "X": (12, 1)}, "k19.ex2": {"X_raw": (3, 3)},
    "k19.thm1": {"family": "tanh2", "widths": [2, 2, 1], "X": (17, 2)},
    "k19.asm2": {"family": "skip2", "widths": [2, 3, 2, 1]},
    "k19.thm3": {"X": (20, 3), "Y": (20, 2), "R": (3, 3)},
    "k19.thm4": {"X": (30, 2), "Y": (30, 2), "Ws": (3, 2, 2)},
    "k19.cor4": {"X": (14, 4), "Y": (14, 1)}, "k19.prop2": {"loss": "cross-entropy"},
    "k22.def2": {"model": "mlp", "widths": [1, 2, 1], "X": (2, 1), "loss": "squared"},
    "k22.eq2.1-2.4": {"widths": [3, 8, 1], "X": (2, 3), "loss": "cross-entropy"},
    "k22.thm3": {"X": (2, 1), "loss": "cross-entropy"},
    "k22.asm4": {"body_widths": [2, 4], "X": (10, 2)},
    "k22.thm4": {"X": (13, 2), "m_y": 1, "loss": "squared"}, "k22.thm5": {"loss": "logistic"},
    "j19.lem1": {"K": 1, "n": 1, "X": (2, 1)}, "j19.ours3": {"K": 2, "n": 1},
    "j19.thm1": {"K": 2}, "j19.s3.3.1": {"h": 3}, "j19.s3.3.2": {"h": 4},
    "j19.ours2": {"K": 1}, "j19.thm2": {"K": 1},
}


@pytest.mark.parametrize("claim_id", sorted(ASSUMED))
def test_recorded_instance_is_as_assumed(claim_id: str) -> None:
    """The base instances have the shapes and values the boundary rows are written for
    (a refreshed baseline that breaks a row is reported here, by field)."""
    params = _base(claim_id)
    for name, want in ASSUMED[claim_id].items():
        got = np.shape(params[name]) if isinstance(want, tuple) else params[name]
        assert got == want, f"{claim_id}.{name}: recorded {got!r}, the rows assume {want!r}"


@pytest.mark.parametrize(("kind", "claim_id", "name", "changes"), ROWS)
def test_domain_boundary(kind: str, claim_id: str, name: str, changes: dict[str, Any]) -> None:
    """One bound of one parser, on the boundary: the extreme allowed value parses (``ok``) or
    at least is not rejected for this parameter (``near``); the first value outside raises
    BadInput naming the parameter (``bad``). Kills off-by-one bounds, flipped comparisons and
    index mutations of hand-written checks in ``checks/papers/*.py``."""
    params = _params(claim_id, changes)
    if kind == "ok":
        inst = _parse(claim_id, params)
        value = params.get(name, DROP)
        if isinstance(value, int | float | str) and not isinstance(value, bool) and name in inst:
            assert inst[name] == value
    elif kind == "near":
        try:
            _parse(claim_id, params)
        except BadInput as exc:
            assert not _names(str(exc), name), f"{name} = {params[name]!r} rejected: {exc}"
    else:
        with pytest.raises(BadInput) as info:
            _parse(claim_id, params)
        assert _names(str(info.value), name), f"message does not name {name}: {info.value}"


@pytest.mark.parametrize("claim_id", recorded_ids())
def test_recorded_instance_parses(claim_id: str) -> None:
    """The recorded worst instance of every claim lies in its parser's domain (the reference
    point of the boundary rows above; kills index mutations of shape checks such as
    ``X.shape[1]`` -> ``X.shape[0]`` on the non-square recorded data)."""
    inst = _parse(claim_id, recorded_worst(claim_id))
    assert isinstance(inst, dict)


# k19's model families: (family, widths, input columns d_x, d_theta, d_y); d_theta counted
# by hand from the architecture (tanh2 has biases: 3*3 + 4*1; the nobias nets 2*3 + 3*1;
# lintop 2*3 + 3*2 + 2*2; skip2 2*3 + 3 + 3*2 + 2 + (3 + 2)*2).
K19_FAMILIES = [
    ("basis", [3], 3, 3, 1), ("product", [1, 1], 1, 2, 1),
    ("affine-offset", [1, 1], 1, 1, 1), ("tanh-neuron", [1, 1], 1, 1, 1),
    ("relu-scalar", [1, 1], 1, 1, 1), ("tanh2", [2, 3, 1], 2, 13, 1),
    ("tanh2-nobias", [2, 3, 1], 2, 9, 1), ("relu2-nobias", [2, 3, 1], 2, 9, 1),
    ("lintop", [2, 3, 2, 2], 2, 16, 2), ("skip2", [2, 3, 2, 2], 2, 27, 2),
]


@pytest.mark.parametrize(("family", "widths", "d_x", "d_theta", "d_y"), K19_FAMILIES,
                         ids=[f[0] for f in K19_FAMILIES])
def test_k19_family_shapes(family: str, widths: list[int], d_x: int, d_theta: int,
                           d_y: int) -> None:
    """Each gradient-basis family takes X with its own number of input columns (1 for the
    scalar models, widths[0] for the nets, d_theta for ``basis``) and theta of its parameter
    count; one column or one parameter more is rejected naming X or theta. Kills mutations
    of the family -> input-dimension table and of the ``basis`` special case."""
    m = 5
    rng = np.random.default_rng(0)
    params = {"family": family, "widths": widths, "loss": "squared",
              "X": rng.uniform(0.5, 1.0, (m, d_x)).tolist(), "Y": _zeros(m, d_y),
              "lambda": [1.0] * m, "theta": [0.5] * d_theta}
    inst = _parse("k19.thm1", params)
    assert inst["X"].shape == (m, d_x) and inst["theta"].shape == (d_theta,)
    for name, value in (("X", [[*row, 0.0] for row in params["X"]]),
                        ("theta", [0.5] * (d_theta + 1)), ("Y", _zeros(m, d_y + 1))):
        with pytest.raises(BadInput) as info:
            _parse("k19.thm1", {**params, name: value})
        assert _names(str(info.value), name)


DEFAULTS = [
    ("hm17.claim2.3", "seed", 0),
    ("hm17.claim2.3", "x_mean", [0.0, 0.0, 0.0]),
    ("hm17.lem2.4", "reading", "lemma"),
    ("hm17.asm3.1", "seed", 0),
    ("hm17.asm3.1", "max_draws", 20),
    ("hm17.lemB.1", "method", "fixed"),
    ("k19.thm3", "eps", resnet_strat.EPS),
    ("k19.thm4", "eps", resnet_strat.EPS),
    ("k19.ex2", "loss", "squared"),
    ("k22.eq2.1-2.4", "eta", 1.0),
    ("k22.thm2", "eta", 1.0),
    ("k22.thm2", "epsilon", 1e-3),
    ("k22.thm3", "eta", 1.0),
    ("k22.asm1", "output", "linear"),
    ("k22.thm4", "eps_bar", 0.0),
    ("k22.claim.gate-relu-limit", "gate", "sigmoid"),
    ("j19.eq8", "quadrature_H", "trapezoid"),
    ("j19.ours2", "step_rule", "armijo"),
    ("j19.ours2", "model", "network"),
]


@pytest.mark.parametrize(("claim_id", "name", "default"), DEFAULTS,
                         ids=[f"{c}-{n}" for c, n, _ in DEFAULTS])
def test_documented_default(claim_id: str, name: str, default: Any) -> None:
    """An optional parameter left out takes its documented default (kills mutated defaults,
    e.g. ``default=0`` -> ``default=1`` or ``"fixed"`` -> ``"XXfixedXX"``)."""
    inst = _parse(claim_id, _params(claim_id, {name: DROP}))
    got = inst[name]
    if isinstance(default, list):
        np.testing.assert_array_equal(got, default)
    else:
        assert got == default


def test_thm22_descent_tolerance_default() -> None:
    """``gd_rel_tol`` defaults to the module's GD_REL_TOL (documented in ``_parse_thm22``) once a
    gradient-descent run is asked for, and is absent otherwise."""
    from checks.papers.hm17_linear import GD_REL_TOL

    inst = _parse("hm17.thm2.2", _params("hm17.thm2.2", {"gd_steps": 3, "gd_step": 0.1}))
    assert inst["gd_rel_tol"] == GD_REL_TOL
    assert inst["gd_steps"] == 3 and inst["gd_step"] == 0.1
    assert "gd_steps" not in _parse("hm17.thm2.2", _params("hm17.thm2.2", {}))


def test_hm17_width_default_is_practical_width() -> None:
    """Theorem 3.2's width ``k`` defaults to max(ceil(8 ln n), ceil(4 ln n / rho^2)), at least
    2 (the docstring of ``parse_data``); computed here from the formula, not the code."""
    params = _params("hm17.asm3.1", {"k": DROP})
    n, rho = len(params["X"]), params["rho"]
    want = max(2, math.ceil(8 * math.log(n)), math.ceil(4 * math.log(n) / rho**2))
    assert _parse("hm17.asm3.1", params)["k"] == want


def test_hm17_default_width_meets_the_width_limit() -> None:
    """Left out, ``k`` defaults to ~4 ln n / rho^2: a rho so small that this exceeds the limit
    an explicit ``k`` must meet is refused with a message naming ``k`` (before, rho = 1e-3 gave
    k = 17,322,934 and rho = 1e-300 a ZeroDivisionError)."""
    for rho in (1e-3, 1e-160, 1e-300):
        params = _params("hm17.asm3.1", {"k": DROP, "rho": rho})
        with pytest.raises(BadInput, match=r"^k: the default width 4 ln n / rho\^2 = "):
            _parse("hm17.asm3.1", params)
    n = len(_params("hm17.asm3.1", {})["X"])
    edge = math.sqrt(4 * math.log(n) / 100_000) * (1 + 1e-9)  # default width just below the limit
    assert _parse("hm17.asm3.1", _params("hm17.asm3.1", {"k": DROP, "rho": edge}))["k"] <= 100_000
    # with k given, no default is computed: a tiny rho no longer divides by an underflowed rho^2
    assert _parse("hm17.asm3.1", _params("hm17.asm3.1", {"k": 10, "rho": 1e-300}))["k"] == 10


def test_deep_linear_squared_loss_is_the_default() -> None:
    """``parse_deep_linear``: ``loss = "squared"`` is the default, allows real targets and
    leaves no ``loss`` key (squared instances carry none); cross-entropy is recorded and needs
    {0, 1} labels. Kills mutations of the ``loss != "squared"`` test."""
    real_targets = _params("k19.cor4", {})
    assert not np.all(np.isin(real_targets["Y"], (0.0, 1.0)))
    for params in (real_targets, _params("k19.cor4", {"loss": "squared"})):
        assert "loss" not in _parse("k19.cor4", params)
    assert _parse("k19.prop2", _params("k19.prop2", {}))["loss"] == "cross-entropy"


def test_gap_iterations_are_sorted_and_deduplicated() -> None:
    """``T_set`` is returned sorted without repeats (the bound is on its maximum, wherever it
    stands in the input)."""
    inst = _parse("k22.thm3", _params("k22.thm3", {"T_set": [100_000, 3, 0, 3]}))
    assert inst["T_set"] == [0, 3, 100_000]


@settings(deadline=None, max_examples=5)
@given(feedforward_instances())
def test_parse_feedforward_round_trip(inst):
    back = parse_feedforward(json.loads(json.dumps(to_jsonable(inst))))
    assert back["widths"] == inst["widths"] and back["activations"] == inst["activations"]
    assert back["bias"] == inst["bias"]
    assert np.array_equal(back["theta"], inst["theta"]) and np.array_equal(back["X"], inst["X"])


@pytest.mark.parametrize("change", [
    {"widths": [2]}, {"widths": [2, "3", 1]}, {"widths": [2, True, 1]}, {"widths": [2, 0, 1]},
    {"activations": "tanh"}, {"activations": ["swish"]}, {"activations": []},
    {"bias": "yes"}, {"theta": [1.0, 2.0]}, {"X": [[1.0, 2.0, 3.0]]}, {"X": [[1.0, "nan"]]},
])
def test_parse_feedforward_rejects_malformed_input(change):
    good = {"widths": [2, 3, 1], "activations": ["tanh"], "bias": True,
            "theta": [0.1] * 13, "X": [[1.0, 2.0]]}
    parse_feedforward(good)
    with pytest.raises(BadInput):
        parse_feedforward({**good, **change})


def test_parse_feedforward_accepts_the_smallest_architectures():
    """Two widths (no hidden layer: an affine map) with no activations, and width-1 layers,
    are networks: parsed, with theta of the affine map's d_y (d_x + 1) entries."""
    affine = parse_feedforward({"widths": [3, 2], "activations": [], "theta": [0.5] * 8,
                                "X": [[1.0, 2.0, 3.0]]})
    assert affine["widths"] == [3, 2] and affine["activations"] == [] and len(affine["theta"]) == 8
    thin = parse_feedforward({"widths": [1, 1, 1], "activations": ["relu"], "bias": False,
                              "theta": [1.0, 2.0], "X": [[1.0]]})
    assert thin["bias"] is False and len(thin["theta"]) == 2


# ------------------------------------------------------- the bounds of the readers themselves

def test_real_bounds_are_inclusive_and_named():
    """``real(..., lo=, hi=)`` accepts both ends of ``[lo, hi]`` and refuses the first value
    outside with the parameter, the interval and the value."""
    assert real({"x": 1.0}, "x", lo=1.0, hi=1.0) == 1.0
    with pytest.raises(BadInput) as info:
        real({"x": 2.0}, "x", lo=0.0, hi=1.0)
    assert str(info.value) == "x: must lie in [0.0, 1.0], got 2.0"


def test_integer_bounds_are_inclusive_and_named():
    """``integer(..., lo=, hi=)`` accepts both ends of ``[lo, hi]`` and refuses the first value
    outside with the parameter, the interval and the value."""
    assert integer({"n": 4}, "n", lo=4, hi=4) == 4
    with pytest.raises(BadInput) as info:
        integer({"n": 5}, "n", lo=0, hi=4)
    assert str(info.value) == "n: must lie in [0, 4], got 5"


def test_entry_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_ENTRIES", 4)
    assert matrix({"x": [[1, 2], [3, 4]]}, "x").size == 4
    with pytest.raises(BadInput) as info:
        matrix({"x": [[1, 2, 3], [4, 5, 6]]}, "x")
    assert str(info.value) == "x: 6 entries exceeds the limit of 4"


def test_parse_feedforward_width_limit_is_inclusive():
    """A layer of exactly ``MAX_WIDTH`` units is accepted; one more is refused with a one-line
    message naming ``widths`` and the interval ``[1, MAX_WIDTH]``."""
    from checks.strategies.feedforward import MAX_WIDTH

    wide = {"widths": [MAX_WIDTH, 1], "activations": [], "bias": False,
            "theta": [0.0] * MAX_WIDTH, "X": [[0.0] * MAX_WIDTH]}
    assert parse_feedforward(wide)["widths"] == [MAX_WIDTH, 1]
    with pytest.raises(BadInput) as info:
        parse_feedforward({**wide, "widths": [MAX_WIDTH + 1, 1]})
    assert str(info.value) == f"widths: expected a list of >= 2 integers in [1, {MAX_WIDTH}]"
