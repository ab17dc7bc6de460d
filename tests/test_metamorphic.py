"""Metamorphic relations: transformations that cannot change a claim's truth do not change its
verdict (power-of-two scaling, permuting samples, changes of basis, relabelling units).

Every relation a claim declares (``Claim.relations``, listed by ``checks show ID``) is tested on
instances drawn from the claim's strategy and, where it has one, its edge strategy: the status
must agree and, for relations that keep the slack, the relative slack must agree within the two
verdicts' tolerances (:meth:`checks.framework.Relation.disagreement`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.registry import all_claims
from checks.serialise import to_jsonable
from checks.strategies.k19_resnet import scale_output_layer

# Draws per (claim, relation): each costs two oracle calls, and some oracles train a network.
EXAMPLES = 4


def _pairs():
    for claim in all_claims():
        for relation in claim.relations:
            yield pytest.param(claim, relation, id=f"{claim.id}/{relation.name}")


def _sources(claim):
    sources = [claim.strategy("ci")]
    if claim.edge_strategy is not None:
        sources.append(claim.edge_strategy("ci"))
    return st.one_of(sources)


@pytest.mark.parametrize(("claim", "relation"), list(_pairs()))
def test_relation_keeps_the_verdict(claim, relation):
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(_sources(claim), st.integers(0, 2**32 - 1))
    def run(instance, seed):
        claim.parse(to_jsonable(instance))  # every draw replays from its instance file
        before = claim.check(instance)
        after = claim.check(relation.transform(instance, np.random.default_rng(seed)))
        assert not relation.disagreement(before, after), relation.disagreement(before, after)

    run()


def _section4_squared_claims():
    for claim in all_claims():
        if claim.paper == "k19" and any(r.name == "scale-targets" for r in claim.relations):
            yield pytest.param(claim, id=claim.id)


@pytest.mark.parametrize("claim", list(_section4_squared_claims()))
def test_section4_verdict_and_slack_are_the_same_at_the_ends_of_the_target_scaling(claim):
    """k19 Section 4 with the squared loss: scaling the targets and the output layer by
    ``2^k`` is a linear bijection of the parameters that scales L and every least squares by
    ``4^k`` while the output layer's gradient moves by ``2^k`` and the others' by ``4^k``. At
    the ends of the relation's range (``k = +-20``) the verdict and the relative slack are those
    at ``k = 0``: the second-order certificate works coordinate by coordinate, and the
    critical-point term of the tolerance and every rank decision are taken on unit columns, so
    no product of norms mixes the two rates (a global ``||grad L||`` made one local minimum
    certified at ``k = 0``, undecided at ``k = 4`` and a false ``violated`` at ``k = -12``)."""

    @settings(max_examples=2, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(claim.strategy("ci"))
    def run(instance):
        if instance.get("loss", "squared") != "squared":
            return
        before = claim.check(instance)
        for k in (-20, 20):
            after = claim.check(scale_output_layer(instance, k))
            assert after.status == before.status, (k, before.message, after.message)
            if before.tolerance and after.tolerance:
                slack = ((before.lhs - before.rhs) / before.tolerance,
                         (after.lhs - after.rhs) / after.tolerance)
                assert slack[1] == pytest.approx(slack[0], rel=1e-6, abs=1e-9), k

    run()


def test_second_order_certificate_does_not_depend_on_the_units_of_the_parameters():
    """``certify_squared`` at a local minimum of ``sum_i (a b x_i - y_i)^2`` (a flat direction
    ``a b = const``: an exact zero eigenvalue) and at the same point with ``b`` and the targets
    scaled by ``2^k``: the same status, and tolerances scaled as the coordinates' gradients
    are (``2^k`` for ``b``, ``4^k`` for ``a``)."""
    from theory.constructions import k19_section4 as k19s4

    X = np.array([[1.0, -2.0, 0.5]])
    Y = np.array([[0.75, -1.5, 0.375]])
    lam = np.ones(3)

    def outputs(theta, X):
        return theta[0] * theta[1] * X

    theta = np.array([1.5, 0.5])
    ref = k19s4.certify_squared(outputs, theta, X, Y, lam)
    assert ref.status == "local-minimum"
    for k in (-30, -7, 9, 30):
        moved = k19s4.certify_squared(outputs, np.array([1.5, np.ldexp(0.5, k)]), X,
                                      np.ldexp(Y, k), lam)
        assert moved.status == ref.status
        assert moved.hess_min_eig == pytest.approx(ref.hess_min_eig, abs=1e-12)
