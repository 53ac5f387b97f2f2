"""The stable primitives of minigrad.ops.special: values, stability, and gradients (hypothesis, second order)."""

import numpy as np
import pytest
from scipy import special as sp

import minigrad as mg
from minigrad.testing import STABLE_PRIMITIVES, primitive_gradient_property

# Hypothesis gradient properties, second order, for every stable primitive (domains in minigrad.testing).
for _name in STABLE_PRIMITIVES:
    globals()["test_gradients_of_" + _name.replace(" ", "_")] = primitive_gradient_property(_name)


def test_values_match_numpy_and_scipy():
    x = np.array([-30.0, -1.0, -1e-9, 0.0, 1e-9, 2.0, 30.0])
    y = np.array([0.5, 1.0, 2.0, 3.0, 0.1, 7.0, 1e-3])
    exact_log_sigmoid = np.where(x < 0, x - np.log1p(np.exp(x)), -np.log1p(np.exp(-x)))  # log(expit) loses x = 30
    np.testing.assert_allclose(mg.log_sigmoid(x).data, exact_log_sigmoid, rtol=1e-15)
    np.testing.assert_allclose(mg.softplus(x).data, np.log1p(np.exp(x)), rtol=1e-13)
    np.testing.assert_allclose(mg.logaddexp(x, y).data, np.logaddexp(x, y), rtol=1e-15)
    np.testing.assert_allclose(mg.log1p(y).data, np.log1p(y), rtol=1e-15)
    np.testing.assert_allclose(mg.expm1(x).data, np.expm1(x), rtol=1e-15)
    np.testing.assert_allclose(mg.xlogy(x, y).data, sp.xlogy(x, y), rtol=1e-15)
    m = np.arange(12.0).reshape(3, 4) - 5
    np.testing.assert_allclose(mg.norm(m).data, np.linalg.norm(m), rtol=1e-15)
    np.testing.assert_allclose(mg.norm(m, axis=1).data, np.linalg.norm(m, axis=1), rtol=1e-15)
    np.testing.assert_allclose(mg.norm(m, axis=(0,), keepdims=True).data, np.linalg.norm(m, axis=0, keepdims=True))


def test_stable_where_the_naive_formula_is_not():
    assert mg.log_sigmoid(mg.Tensor(-1000.0)).item() == -1000.0  # log(sigmoid(-1000)) = log 0 = -inf
    assert mg.softplus(mg.Tensor(1000.0)).item() == 1000.0  # log1p(exp(1000)) = inf
    assert mg.softplus(mg.Tensor(-1000.0)).item() == 0.0
    big = mg.norm(mg.Tensor([3e200, 4e200])).item()
    tiny = mg.norm(mg.Tensor([3e-200, 4e-200])).item()
    assert big == pytest.approx(5e200, rel=1e-15) and tiny == pytest.approx(5e-200, rel=1e-15)
    assert mg.expm1(mg.Tensor(1e-20)).item() == 1e-20 and mg.log1p(mg.Tensor(1e-20)).item() == 1e-20
    assert mg.xlogy(mg.Tensor(0.0), mg.Tensor(0.0)).item() == 0.0


def test_float32_stays_float32():
    x = np.array([-2.0, 0.5], dtype=np.float32)
    for f in (mg.norm, mg.log_sigmoid, mg.softplus, mg.log1p, mg.expm1):
        t = mg.Tensor(np.abs(x) if f is mg.log1p else x, requires_grad=True)
        y = f(t)
        y.sum().backward()
        assert y.dtype == np.float32 and t.grad.dtype == np.float32, f.__name__
    for f in (mg.logaddexp, mg.xlogy):
        assert f(mg.Tensor(x), mg.Tensor(np.abs(x))).dtype == np.float32


def test_softplus_differs_from_pytorchs_thresholded_version_by_less_than_documented():
    x = np.array([20.0, 25.0, 40.0])
    exact = mg.softplus(x).data
    assert np.all(np.abs(exact - x) <= 2.1e-9)  # PyTorch returns x itself above threshold=20
    assert np.all(np.abs(mg.grad(lambda t: mg.softplus(t).sum())(x).data - 1) <= 2.1e-9)


def test_norm_over_empty_and_zero_slices():
    assert mg.norm(mg.Tensor(np.zeros(0))).item() == 0.0
    x = np.array([[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(mg.grad(lambda t: mg.norm(t, axis=1).sum())(x).data, [[0.0, 0.0], [1.0, 0.0]])


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="norm: axis 2 is out of range"):
        mg.norm(np.ones((2, 2)), axis=2)
    with pytest.raises(ValueError, match="logaddexp: operands could not be broadcast together with shapes"):
        mg.logaddexp(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="xlogy: operands could not be broadcast"):
        mg.xlogy(np.ones(2), np.ones(3))
