"""The registry of activations of :mod:`theory.activations`: every entry's value, derivatives,
traced and analytic forms; and the sharp softplus of Kawaguchi, Zhang & Deng (2022) §2.2 and
§3.4 as :mod:`theory.trajectory` and :mod:`theory.models.ee` build it."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from scipy.special import expit

from theory.activations import ACTIVATIONS, Activation, get_activation
from theory.models import ee
from theory.trajectory import sharp_softplus

_egrad = autograd.elementwise_grad


def _points() -> np.ndarray:
    return np.linspace(-6.0, 6.0, 41) + 0.0371  # no point at 0 (relu's kink)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forms_agree(name):
    """Every registered activation: ``traced`` and ``analytic`` equal ``value``; ``d1`` and
    ``d2`` equal autograd's first and second derivatives of ``traced``; the complex step of
    ``analytic`` equals ``d1``. Kills mutants of any one form (e.g. softplus's traced
    ``logaddexp(1.0, x)``, a wrong second derivative)."""
    act = ACTIVATIONS[name]
    assert act.name == name and get_activation(name) is act
    x = _points()
    v = act.value(x)
    np.testing.assert_allclose(act.traced(x), v, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(act.analytic(x + 0j).real, v, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(act.d1(x), _egrad(act.traced)(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.d2(x), _egrad(_egrad(act.traced))(x), rtol=1e-10, atol=1e-13)
    h = 1e-20
    np.testing.assert_allclose(act.analytic(x + 1j * h).imag / h, act.d1(x), rtol=1e-13,
                               atol=1e-15)
    assert act.smooth is (name != "relu")


def test_activation_closed_forms_and_tails():
    """Values against closed forms (``tanh``, ``expit``, ``log1p(e^x)``, ``max(x, 0)``, ``x``),
    and no overflow nor lost derivative at ``|x| = 800`` (the module's stability promise)."""
    x = np.linspace(-20.0, 20.0, 81)
    ref = {"tanh": np.tanh(x), "sigmoid": expit(x), "softplus": np.log1p(np.exp(x)),
           "relu": np.maximum(x, 0.0), "identity": x}
    assert set(ref) == set(ACTIVATIONS)
    for name, expected in ref.items():
        np.testing.assert_allclose(ACTIVATIONS[name].value(x), expected, rtol=1e-14, atol=1e-15)
    big = np.array([-800.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_array_equal(ACTIVATIONS["softplus"].value(big), [0.0, 800.0])
        np.testing.assert_array_equal(ACTIVATIONS["softplus"].d1(big), [0.0, 1.0])
        np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].value(big), [0.0, 1.0])
        assert np.all(np.isfinite(ACTIVATIONS["tanh"].d2(big)))
    d2 = ACTIVATIONS["softplus"].d2(x)  # sigma' (1 - sigma') in (0, 1/4], 1/4 at 0 only
    assert np.all((d2 > 0) & (d2 <= 0.25)) and ACTIVATIONS["softplus"].d2(np.array(0.0)) == 0.25


def test_get_activation_contract():
    """``get_activation`` returns an :class:`Activation` unchanged and rejects an unknown name
    with a ``ValueError`` naming it and listing the choices (kills a message set to None)."""
    custom = Activation("mine", np.sin, np.cos, lambda x: -np.sin(x), anp.sin, np.sin)
    assert get_activation(custom) is custom
    with pytest.raises(ValueError, match="unknown activation 'swish'") as err:
        get_activation("swish")
    for name in ACTIVATIONS:
        assert name in str(err.value)


@pytest.mark.parametrize("varsigma", [1.0, 7.0, 100.0])
def test_sharp_softplus_derivatives(varsigma):
    """``sigma(z) = ln(1 + e^{s z}) / s`` (k22 Figure 1) in both modules: value against the
    closed form, ``d1``/``d2`` against autograd of ``traced`` and against ``s^k`` times the
    softplus derivatives at ``s z``, complex step of ``analytic`` against ``d1``."""
    z = np.linspace(-0.3, 0.3, 25) + 0.0071
    base = ACTIVATIONS["softplus"]
    for act in (sharp_softplus(varsigma), ee.sharp_softplus(varsigma)):
        np.testing.assert_allclose(act.value(z), np.logaddexp(0.0, varsigma * z) / varsigma,
                                   rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(act.traced(z), act.value(z), rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(act.d1(z), base.d1(varsigma * z), rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(act.d2(z), varsigma * base.d2(varsigma * z), rtol=1e-12,
                                   atol=1e-300)
        np.testing.assert_allclose(act.d1(z), _egrad(act.traced)(z), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(act.d2(z), _egrad(_egrad(act.traced))(z), rtol=1e-10,
                                   atol=1e-13 * varsigma)
        h = 1e-30
        np.testing.assert_allclose(act.analytic(z + 1j * h).imag / h, act.d1(z), rtol=1e-13,
                                   atol=1e-15)
