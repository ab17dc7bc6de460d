"""Hardt & Ma (2017) App. B (:mod:`checks.papers.hm17_relu.appendix_b`): Lemmas B.1 and B.2 on
their strategies, the printed Lemma B.1's lost half, and their parsers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from parsing import accepts, rejects

import checks.papers.hm17_relu as hm
from checks.framework import Status
from checks.inputs import BadInput
from checks.registry import get
from checks.serialise import to_jsonable
from checks.strategies import hm17_relu as strat
from reports.math import is_renderable
from theory.constructions.hm17_expressivity import (
    lemma_b1_block,
)
from theory.models.relu_residual import (
    block,
)


@settings(max_examples=15, deadline=None)
@given(strat.b1_instances())
def test_lemb1_holds(inst):
    verdict = hm.LEMB1.check(inst)
    assert verdict.status is Status.HOLDS, verdict.message


@settings(max_examples=4, deadline=None)
@given(strat.b2_instances(data=strat.labelled_data(n=st.integers(10, 150))))
def test_lemb2_holds(inst):
    verdict = hm.LEMB2.check(inst)
    assert verdict.status is Status.HOLDS, verdict.message


def test_printed_lemma_b1_error_is_the_lost_half():
    """Lemma B.1's erratum: on the boundary instance the printed block returns
    (beta_1 - alpha_1) + (beta_2 - alpha_2)/2 on alpha_1 (pre-activation 0.15, divisor 0.3)."""
    inst = strat.b1_boundary_instance("uniform")
    alpha, beta = inst["alpha"], inst["beta"]
    U, V, s = lemma_b1_block(alpha, beta, inst["S"], method="uniform", rho_prime=0.1)
    expected = (beta[0] - alpha[0]) + 0.5 * (beta[1] - alpha[1])
    np.testing.assert_allclose(block(alpha, U, V, s)[0], expected, rtol=1e-12)
    verdict = hm.LEMB1.check(inst)
    assert verdict.status is Status.OUT_OF_SCOPE  # the 6 rho' hypothesis catches it
    fixed = hm.LEMB1.check({**inst, "method": "fixed"})
    assert fixed.status is Status.HOLDS and fixed.diagnostics["printed_construction_error"] > 1


def test_boundary_instance_is_exact_in_sympy():
    """The boundary instance sits exactly on (a) and (b): exact arithmetic with the same
    angle construction, ||alpha||^2 = 11/10 and ||alpha_1 - alpha_2||^2 = 3/10."""
    a, t = sp.sqrt(sp.Rational(11, 10)), sp.asin(sp.sqrt(sp.Rational(3, 44)))
    a1 = sp.Matrix([a * sp.cos(t), a * sp.sin(t)])
    a2 = sp.Matrix([a * sp.cos(t), -a * sp.sin(t)])
    assert sp.simplify(a1.dot(a1)) == sp.Rational(11, 10)
    assert sp.simplify((a1 - a2).dot(a1 - a2)) == sp.Rational(3, 10)
    # Off-target pre-activation of the printed block: <a2, a1> - (1 - 2/10) = 3/20 > 0.
    assert sp.simplify(a2.dot(a1) - sp.Rational(8, 10)) == sp.Rational(3, 20)


def test_parse_b1_and_b2_reject():
    inst = to_jsonable(strat.b1_boundary_instance("fixed"))
    for change, fragment in [({"S": [0, 0]}, "distinct"), ({"S": [0, 5]}, "S: must be"),
                             ({"S": [0, 1, 1]}, "distinct"), ({"method": "paper"}, "method"),
                             ({"rho_prime": 1.0}, "rho_prime"), ({"beta": [[1.0]]}, "beta")]:
        with pytest.raises(BadInput, match=fragment):
            hm.parse_b1({**inst, **change})
    (control,) = get("hm17.lemB.2").control("coincident-points").fixed_instances()
    b2 = to_jsonable(control)
    with pytest.raises(BadInput, match="Q: expected shape"):
        hm.parse_b2({**b2, "Q": [[1.0, 0.0]]})
    with pytest.raises(BadInput, match="labels"):
        hm.parse_b2({**b2, "labels": [7] * len(b2["labels"])})






def test_lemma_b2_single_class_is_accepted():
    """Lemma B.2 with ``r = 1`` (one class, ``Q`` is 1 x k) is legal; ``r = 0`` and a label
    outside ``[0, r)`` are rejected. Kills ``lo`` mutants of the ``r`` bound."""
    rng = np.random.default_rng(0)
    n, k = 4, 3
    params = {"Z": rng.standard_normal((n, k)).tolist(), "labels": [0] * n,
              "r": 1, "Q": rng.standard_normal((1, k)).tolist()}
    inst = accepts("hm17.lemB.2", params)
    assert inst["r"] == 1 and inst["Q"].shape == (1, k)
    rejects("hm17.lemB.2", {**params, "r": 0})
    rejects("hm17.lemB.2", {**params, "labels": [0, 0, 0, 1]})




def test_lemma_b1_parser():
    """Lemma B.1: ``rho_prime`` in the open interval ``(0, 1)`` (both ends rejected), ``method``
    defaults to ``"fixed"`` and must be one of the three, ``S`` holds distinct integer indices
    in ``[0, n)``, at most ``k`` of them. Kills boundary and default mutants of ``parse_b1``."""
    rng = np.random.default_rng(4)
    n, k = 4, 3
    base = {"alpha": rng.standard_normal((n, k)).tolist(),
            "beta": rng.standard_normal((n, k)).tolist(), "S": [0, 3], "rho_prime": 0.5}
    inst = accepts("hm17.lemB.1", base)
    assert inst["method"] == "fixed" and inst["S"].tolist() == [0, 3]
    for method in ("margin", "fixed", "uniform"):
        assert accepts("hm17.lemB.1", {**base, "method": method})["method"] == method
    assert rejects("hm17.lemB.1", {**base, "method": "FIXED"}).startswith("method")
    for rho_prime in (1e-12, 1 - 1e-12):
        assert accepts("hm17.lemB.1", {**base, "rho_prime": rho_prime})["rho_prime"] \
            == rho_prime
    for rho_prime in (0.0, 1.0, -0.1, 1.1):
        assert rejects("hm17.lemB.1", {**base, "rho_prime": rho_prime}).startswith("rho_prime")
    assert accepts("hm17.lemB.1", {**base, "S": [0, 1, 3]})["S"].size == k
    for S in ([0, 1, 2, 3], [0, 0], [4], [-1], [0.5]):
        assert rejects("hm17.lemB.1", {**base, "S": S}).startswith("S")



def test_lemma_b1_margin_construction_without_a_positive_margin_is_inconclusive():
    """The margin form of Lemma B.1 needs ``m_i > 0`` on ``S``: with a chosen point repeated
    (margin 0) it certifies nothing, and says so in typeset LaTeX."""
    inst = hm.parse_b1({"alpha": [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]],
                        "beta": [[2.0, 1.0], [0.0, 0.0], [0.0, 0.0]], "S": [0],
                        "rho_prime": 0.1, "method": "margin"})
    verdict = get("hm17.lemB.1").measure(inst)
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.message.startswith(r"the margin construction needs $m_i>0$")
    assert all(is_renderable(seg) for seg in verdict.message.split("$")[1::2])


def test_lemma_b2_margin_construction_without_a_positive_margin_is_inconclusive():
    """Lemma B.2's construction needs every stage margin ``m_i > 0``: a repeated ``z`` with
    one label (margin ``||z||^2 - <z, z> = 0``, no disagreement) certifies nothing, and the
    message says the construction does not apply, with the minimum margin in typeset LaTeX."""
    inst = get("hm17.lemB.2").parse({"Z": [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]],
                                     "labels": [0, 0, 1], "r": 2,
                                     "Q": [[1.0, 0.0], [0.0, 1.0]]})
    verdict = get("hm17.lemB.2").measure(inst)
    assert verdict.status is Status.INCONCLUSIVE
    assert verdict.message.startswith("margin construction not applicable "), verdict.message
    assert all(is_renderable(seg) for seg in verdict.message.split("$")[1::2])
