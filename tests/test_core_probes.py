"""Public strategies of the numerical core (chosen spectra, feedforward instances and their
parser) and independent probes of the core's certificates: exact rational arithmetic,
Cholesky traps, and the resolution of the Gram route against the SVD."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from checks.inputs import BadInput
from checks.serialise import to_jsonable
from checks.strategies.feedforward import feedforward_instances, network, parse_feedforward
from checks.strategies.linalg import matrices_with_spectrum, spectral_matrix
from theory import linalg
from theory.gram import gram, hadamard_gram
from theory.jacobian import jacobian
from theory.numerics import gamma, unit_roundoff

U = unit_roundoff()


@settings(deadline=None)
@given(matrices_with_spectrum(st.integers(1, 8), st.integers(1, 8),
                              condition=st.sampled_from([1.0, 1e3, 1e6])))
def test_matrices_with_spectrum_have_the_chosen_spectrum(inst):
    A, s = inst["A"], inst["s"]
    computed = np.linalg.svd(A, compute_uv=False)
    # Weyl + the backward error of forming U diag(s) V^T and of the SVD: 10 max(p, q) u s_1
    assert np.all(np.abs(computed - s) <= 10 * max(A.shape) * U * max(s[0], 1e-300))
    assert linalg.certified_rank(A).rank == inst["rank"]


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


@pytest.mark.parametrize("seed", [2, 6, 8])
def test_a_singular_gram_that_plain_cholesky_accepts_is_not_certified(seed):
    """Rounding makes about 40% of rank-5 6 x 6 Gram matrices pass an unshifted Cholesky; the
    certificate must not be fooled (the shift is what makes it a certificate)."""
    A = spectral_matrix(seed, 6, 6, 5, 1.0)["A"]
    G = A @ A.T
    np.linalg.cholesky(G)  # succeeds: floating point alone would say "positive definite"
    assert linalg.positive_definite(G).value is not True


def _exact_hadamard_error(G, Z, S):
    """``||G - (Z Z^T) o (S S^T)||_F`` with the right side in exact rationals (every float64
    is a dyadic rational), rounded once at the end."""
    N = G.shape[0]
    err = np.zeros((N, N))
    for i in range(N):
        for j in range(N):
            zz = sum(Fraction(Z[i, p]) * Fraction(Z[j, p]) for p in range(Z.shape[1]))
            ss = sum(Fraction(S[i, q]) * Fraction(S[j, q]) for q in range(S.shape[1]))
            err[i, j] = float(Fraction(G[i, j]) - zz * ss)
    return float(np.linalg.norm(err))


@settings(deadline=None, max_examples=5)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_hadamard_gram_formation_error_in_exact_arithmetic(seed, N, m, a):
    """The computed ``(Z Z^T) o (S S^T)`` is within ``gamma_(m+a+1) tr(G) (1 + gamma_N)`` of
    the exact value in spectral (here: Frobenius) norm: entrywise
    ``|E| <= gamma_(m+a+1) |K||K|^T`` for the Khatri-Rao factor ``K``, a PSD matrix with the
    diagonal of ``G``, whose norm is at most its trace."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N, m)) * 10.0 ** rng.uniform(-3, 3)
    S = rng.standard_normal((N, a))
    G = hadamard_gram(Z, S)
    bound = gamma(m + a + 1) * float(np.trace(G)) * (1 + gamma(N))
    assert _exact_hadamard_error(G, Z, S) <= bound


@settings(deadline=None)
@given(feedforward_instances(hidden=st.lists(st.integers(3, 6), min_size=1, max_size=2),
                             activations=st.sampled_from(["tanh", "softplus"])))
def test_the_gram_route_never_resolves_more_rank_than_the_svd(inst):
    """``rank J = rank J J^T``, but eigenvalues of the Gram are squared singular values: the
    Gram route resolves singular values of ``J`` only above about ``sqrt(noise floor)``."""
    net, theta, X = network(inst), inst["theta"], inst["X"]
    by_gram = linalg.certified_rank_gram(gram(net, theta, X))
    by_svd = linalg.certified_rank(jacobian(net, theta, X))
    if by_gram.certain and by_svd.certain:
        assert by_gram.rank <= by_svd.rank


def test_a_certain_gram_rank_can_be_below_the_rank_of_J():
    """A found instance: the Gram route reports rank 4 with a clear gap, the SVD of the same
    5 x 6 Jacobian rank 5 with a clear gap (s_5 / s_1 = 3e-8, squared 1e-15: under the
    Gram's noise floor). A 'certain' Gram rank is the numerical rank at that coarser
    precision, not a certified deficiency of J."""
    inst = {"widths": [1, 3, 1], "activations": ["softplus"], "bias": False,
            "theta": np.array([0.12573022, -0.13210486, 0.64042265,
                               0.06056411, -0.30926886, 0.208767]),
            "X": np.array([[1.30400005], [0.94708096], [-0.70373524], [-1.26542147],
                           [-0.62327446]])}
    net, theta, X = network(inst), inst["theta"], inst["X"]
    by_svd = linalg.certified_rank(jacobian(net, theta, X))
    by_gram = linalg.certified_rank_gram(gram(net, theta, X))
    assert by_svd.certain and by_svd.rank == 5
    assert by_gram.rank <= by_svd.rank


@settings(deadline=None)
@given(feedforward_instances())
def test_euler_identity_on_the_last_layer(inst):
    """k22 Assumption 1 (common model structure) for the linear last layer ``S``:
    ``f_X = J[:, S] theta[S]``, with ``J`` by autograd (rows sample-major, as in
    :mod:`theory.jacobian`)."""
    net, theta, X = network(inst), inst["theta"], inst["X"]
    off = net.offsets()
    S = np.arange(off[-2], off[-1])
    J = jacobian(net, theta, X, method="autograd")
    f = net.forward(theta, X).reshape(-1)
    tol = gamma(len(S) + 1) * np.linalg.norm(np.abs(J[:, S]) @ np.abs(theta[S]))
    assert np.linalg.norm(J[:, S] @ theta[S] - f) <= tol


@settings(deadline=None, max_examples=5)
@given(feedforward_instances())
def test_parse_round_trip(inst):
    back = parse_feedforward(json.loads(json.dumps(to_jsonable(inst))))
    assert back["widths"] == inst["widths"] and back["activations"] == inst["activations"]
    assert back["bias"] == inst["bias"]
    assert np.array_equal(back["theta"], inst["theta"]) and np.array_equal(back["X"], inst["X"])


@pytest.mark.parametrize("change", [
    {"widths": [2]}, {"widths": [2, "3", 1]}, {"widths": [2, True, 1]}, {"widths": [2, 0, 1]},
    {"activations": "tanh"}, {"activations": ["swish"]}, {"activations": []},
    {"bias": "yes"}, {"theta": [1.0, 2.0]}, {"X": [[1.0, 2.0, 3.0]]}, {"X": [[1.0, "nan"]]},
])
def test_parse_rejects_malformed_input(change):
    good = {"widths": [2, 3, 1], "activations": ["tanh"], "bias": True,
            "theta": [0.1] * 13, "X": [[1.0, 2.0]]}
    parse_feedforward(good)
    with pytest.raises(BadInput):
        parse_feedforward({**good, **change})


def test_parse_accepts_the_smallest_architectures():
    """Two widths (no hidden layer: an affine map) with no activations, and width-1 layers,
    are networks: parsed, with theta of the affine map's d_y (d_x + 1) entries."""
    affine = parse_feedforward({"widths": [3, 2], "activations": [], "theta": [0.5] * 8,
                                "X": [[1.0, 2.0, 3.0]]})
    assert affine["widths"] == [3, 2] and affine["activations"] == [] and len(affine["theta"]) == 8
    thin = parse_feedforward({"widths": [1, 1, 1], "activations": ["relu"], "bias": False,
                              "theta": [1.0, 2.0], "X": [[1.0]]})
    assert thin["bias"] is False and len(thin["theta"]) == 2
