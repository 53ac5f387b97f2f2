"""Issue 10 items 5, 6 and 7: wrong-shaped gradients, finite differences at domain edges, constant functions."""

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.engine import _unbroadcast
from minigrad.numerical import central_differences

# -- item 5: un-broadcasting sums only what broadcasting added or stretched ----------


def test_unbroadcast_sums_added_and_stretched_axes_only():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(_unbroadcast(g, (3, 4)), g.sum(axis=0))
    np.testing.assert_array_equal(_unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(_unbroadcast(g, (1, 1, 4)), g.sum(axis=(0, 1), keepdims=True))
    np.testing.assert_array_equal(_unbroadcast(g, ()), g.sum())
    for shape in [(3, 2), (4, 3), (24,), (2, 3, 4, 1), (6, 4)]:
        with pytest.raises(ValueError, match=r"is not a broadcast of shape"):
            _unbroadcast(g, shape)


@pytest.mark.parametrize("bad", [np.ones((2, 3)), np.ones(6)], ids=["(2, 3) for (3, 2)", "(6,) for (3, 2)"])
def test_a_custom_op_returning_a_wrong_shape_is_named_with_both_shapes(bad):
    op = mg.custom_vjp(lambda x: (x * 2, None), lambda res, g: (bad,), name="scramble")
    x = mg.Tensor(np.ones((3, 2)), requires_grad=True)
    expected = (
        f"scramble: backward produced a gradient of shape {bad.shape} for an input of shape (3, 2); "
        "only axes that broadcasting added or stretched can be summed away, so this gradient "
        "does not belong to this input (check the op's VJP)"
    )
    with pytest.raises(RuntimeError) as info:
        op(x).sum().backward()
    assert str(info.value) == expected
    assert x.grad is None
    with pytest.raises(RuntimeError, match="scramble: backward produced a gradient of shape"):
        mg.grad(lambda t: op(t).sum())(np.ones((3, 2)))


def test_broadcast_gradients_still_reduce():
    b = mg.Tensor(np.ones((1, 3)), requires_grad=True)
    (mg.Tensor(np.ones((4, 1, 3))) * b).sum().backward()
    np.testing.assert_array_equal(b.grad, np.full((1, 3), 4.0))


# -- item 6: finite differences near 0 and at the edge of the domain ----------------


def test_gradcheck_of_log_near_zero_passes():
    report = mg.gradcheck(mg.log, np.array([1e-7, 0.5]))
    assert report.passed
    report = mg.gradcheck(mg.log, np.array([1e-7, 0.5]), order=2)
    assert report.passed


def test_steps_are_relative_to_x_near_zero_and_shrink_out_of_nonfinite_values():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = central_differences(lambda x: mg.log(x).sum(), np.array([1e-7, 0.5, 3.0]))
    h = found.steps[0]
    eps3 = np.cbrt(np.finfo(np.float64).eps)
    assert h[0] == pytest.approx(eps3 * 1e-7)  # relative: the default 6e-6 would step below 0
    assert h[1] == pytest.approx(eps3) and h[2] == pytest.approx(3 * eps3)  # unchanged away from 0
    np.testing.assert_allclose(found.grads[0], [1e7, 2.0, 1 / 3], rtol=1e-8)
    # a pole the default step would straddle without leaving the domain: x**-2 at 1e-7
    d = central_differences(lambda x: (x**-2.0).sum(), np.array([1e-7]))
    np.testing.assert_allclose(d.grads[0], [-2e21], rtol=1e-6)
    # a smooth function near 0 keeps the default step (the relative one would only add rounding)
    d = central_differences(lambda x: (x * x).sum() + 5.0, np.array([1e-7]))
    assert d.steps[0][0] == pytest.approx(eps3)


def test_an_element_that_cannot_be_checked_is_named_in_plain_words():
    message = (
        "element [0] cannot be checked by finite differences (autodiff gives inf): f(x - h) is not finite for "
        "every step tried, from h = 6.06e-06 down to 1.28e-27: x = 0.0 lies at the edge of f's domain (or on a "
        "singularity), where a central difference cannot be taken on both sides"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(mg.GradcheckError) as info:
            mg.gradcheck(mg.sqrt, np.array([0.0, 0.5]))
    assert message in str(info.value)
    check = info.value.report["input 0"]
    assert list(check.unchecked) == [(0,)]
    assert check.max_abs_error < 1e-9  # the other element was checked, and passed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError) as info:
            mg.numerical_grad(lambda x: mg.sqrt(x).sum(), np.array([0.0, 0.5]))
    assert str(info.value).startswith("numerical_grad: cannot take a central difference for input 0, element [0]: ")


def test_f_not_finite_at_the_input_itself_is_said_so():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"f is not finite at the input itself \(f = nan\)"):
            mg.numerical_grad(lambda x: mg.log(x).sum(), np.array([-1.0, 0.5]))


# -- item 7: a constant function has no gradient to check --------------------------


CONSTANT = (
    "gradcheck: the output of {name} does not depend on any checked input (input 0), so there is no gradient "
    "to check; f returns a constant, or computes from .data, NumPy arrays or detach() instead of its input Tensors"
)


def constant_tensor(x):
    return mg.Tensor(3.0)


def through_data(x):
    return mg.Tensor(x.data * 2)


def detached(x):
    return mg.exp(x.detach())


def python_float(x):
    return float(x.data.sum())


@pytest.mark.parametrize("f", [constant_tensor, through_data, detached, python_float])
def test_gradcheck_of_a_constant_function_raises(f):
    with pytest.raises(ValueError) as info:
        mg.gradcheck(f, np.array([1.0, 2.0]))
    assert str(info.value) == CONSTANT.format(name=f.__name__)


def test_gradcheck_of_a_function_of_a_closed_over_tensor_only_raises():
    w = mg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="does not depend on any checked input"):
        mg.gradcheck(lambda x: (w * 2).sum(), np.array([1.0, 2.0]))


def test_gradcheck_of_a_string_result_raises_a_type_error():
    with pytest.raises(TypeError, match="^gradcheck: f must return a numeric Tensor, got a str$"):
        mg.gradcheck(lambda x: "loss", np.array([1.0]))


def test_a_function_of_one_of_two_inputs_is_still_checked():
    report = mg.gradcheck(lambda x, y: (x * x).sum(), np.array([1.0, 2.0]), np.array([3.0]))
    assert report.passed and np.all(report["input 1"].autodiff == 0)


def test_a_relative_step_too_small_to_resolve_f_is_not_used():
    # x ~ 1e-276: the relative step 1e-281 cannot resolve a change of f, whose derivative here is O(1)
    x = np.array([2.3333193e-276, 2.3333193e-276])
    found = central_differences(lambda z: (mg.softmax(z) * np.array([1.0, 3.0])).sum(), x)
    np.testing.assert_allclose(found.grads[0], [-0.5, 0.5], rtol=1e-8)


def test_softmax_family_needs_one_int_axis():
    for op in (mg.softmax, mg.log_softmax):
        with pytest.raises(TypeError, match="axis must be one int"):
            op(np.ones(3), axis=None)
