"""numerical_grad: central differences with the documented step rule h = ε^(1/3)·max(1, |x|)."""

import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from minigrad.numerical import default_step
from minigrad.testing import arrays, shapes


def test_step_rule_scales_with_the_input_and_the_dtype():
    x = np.array([0.0, 0.5, -10.0])
    np.testing.assert_allclose(default_step(x), np.cbrt(np.finfo(np.float64).eps) * np.array([1.0, 1.0, 10.0]))
    h32 = default_step(x.astype(np.float32))
    assert np.all(np.float32(1000) + h32 != np.float32(1000))  # never below float32 resolution


@given(arrays(shapes(max_dims=2), domain="real"))
def test_float64_error_is_within_the_documented_rounding_and_truncation_terms(x):
    # f = Σ exp(x): rounding ~ ε·|f|/h, truncation h²·f'''/6 with f''' = exp(x).
    h, eps = default_step(x), np.finfo(np.float64).eps
    bound = 4 * eps * np.exp(x).sum() / h + h**2 * np.exp(x + h) / 6
    error = np.abs(mg.numerical_grad(lambda t: mg.exp(t).sum(), x) - np.exp(x))
    assert np.all(error <= bound)
    assert np.all(bound <= 1e-7 * np.maximum(1, np.exp(x).sum()))  # and that bound is small


def test_float32_at_large_scale_keeps_a_usable_step():
    for value in (1000.0, -3.0, 1e-3):
        x = np.array([value], dtype=np.float32)
        g = mg.numerical_grad(lambda t: (t * t).sum(), x)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, 2 * x, rtol=1e-3, atol=1e-3)


def test_a_step_that_rounds_away_is_an_error():
    with pytest.raises(ValueError, match="vanishes"):
        mg.numerical_grad(lambda t: (t * t).sum(), np.array([1.0], dtype=np.float32), eps=1e-12)


def test_one_array_per_input_none_for_integers():
    a, b = mg.numerical_grad(lambda x, k: (x * k).sum(), np.array([1.0, 2.0]), np.array([3, 4]))
    np.testing.assert_allclose(a, [3.0, 4.0])
    assert b is None
    assert isinstance(mg.numerical_grad(lambda x: (x * x).sum(), np.ones(2)), np.ndarray)
    with pytest.raises(ValueError, match="one element"):
        mg.numerical_grad(lambda x: x * 2, np.ones(2))
