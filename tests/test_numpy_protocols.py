"""Issue 11, item 2: NumPy functions on Tensors dispatch to minigrad ops or refuse to drop the graph."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _x():
    return mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)


# -- the examples: each returns a Tensor with the graph, and the gradient is right --


def test_np_concatenate_keeps_the_graph():
    x = _x()
    y = np.concatenate([x, x])
    assert isinstance(y, mg.Tensor) and y.op == "concatenate"
    (y * np.arange(6.0)).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 5.0, 7.0])


def test_np_where_keeps_the_graph():
    x = _x()
    y = np.where(x.data > 1.5, x, 0)
    assert isinstance(y, mg.Tensor) and y.op == "where"
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 1.0, 1.0])


def test_np_reshape_keeps_the_graph_with_positional_and_keyword_shape():
    x = _x()
    assert np.reshape(x, (3, 1)).shape == (3, 1)
    y = np.reshape(x, shape=(1, 3))
    assert isinstance(y, mg.Tensor) and y.op == "reshape"
    (y * 2).sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0, 2.0])


def test_np_exp_and_np_sum_return_tensors():
    x = _x()
    y = np.sum(np.exp(x))
    assert isinstance(y, mg.Tensor) and y.op == "sum"
    y.backward()
    np.testing.assert_allclose(x.grad, np.exp([1.0, 2.0, 3.0]))


@pytest.mark.parametrize(
    "call, op",
    [
        (lambda x: np.true_divide(x, 2.0), "div"),
        (lambda x: np.divide(x, 2.0), "div"),
        (lambda x: np.multiply(x, x), "mul"),
        (lambda x: np.subtract(1.0, x), "sub"),
        (lambda x: np.power(x, 2.0), "pow"),
        (lambda x: np.absolute(x), "abs"),
        (lambda x: np.negative(x), "neg"),
        (lambda x: np.amax(x), "max"),
        (lambda x: np.max(x), "max"),
        (lambda x: np.amin(x), "min"),
        (lambda x: np.tanh(x), "tanh"),
        (lambda x: np.sqrt(x), "sqrt"),
        (lambda x: np.log(x), "log"),
        (lambda x: np.maximum(x, 2.0), "maximum"),
        (lambda x: np.minimum(x, 2.0), "minimum"),
        (lambda x: np.mean(x, axis=0), "mean"),
        (lambda x: np.sum(x, 0, keepdims=True), "sum"),
        (lambda x: np.clip(x, 1.5, 2.5), "clip"),
        (lambda x: np.clip(x, a_min=1.5, a_max=None), "clip"),
        (lambda x: np.transpose(x), "transpose"),
        (lambda x: np.stack([x, x], axis=1), "stack"),
        (lambda x: np.matmul(x, x), "matmul"),
        (lambda x: np.remainder(x, 2.0), "remainder"),
    ],
)
def test_numpy_names_dispatch_to_the_op_and_agree_with_numpy(call, op):
    x = _x()
    y = call(x)
    assert isinstance(y, mg.Tensor) and y.op == op and y.requires_grad
    np.testing.assert_allclose(y.data, call(x.data))


def test_ndarray_operator_tensor_returns_a_tensor():
    x = _x()
    for y in (np.ones(3) + x, np.ones(3) * x, np.ones(3) - x, np.ones(3) / x, np.ones((2, 3)) @ x):
        assert isinstance(y, mg.Tensor) and y.requires_grad


def test_keyword_an_op_does_not_take_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"np.sum on a Tensor runs minigrad.sum.*dtype"):
        np.sum(_x(), dtype=np.float32)
    with pytest.raises(TypeError, match="out= is not supported"):
        np.exp(_x(), out=np.empty(3))


def test_other_numpy_functions_on_a_tensor_that_requires_grad_raise():
    x = _x()
    with pytest.raises(TypeError, match=r"'np.cumprod'.*graph would be lost"):
        np.cumprod(x)
    with pytest.raises(TypeError, match=r"'hypot'.*graph would be lost"):
        np.hypot(x, x)
    with pytest.raises(TypeError, match=r"add.reduce.*graph would be lost"):
        np.add.reduce(x)
    with pytest.raises(TypeError, match=r"graph would be lost"):
        np.diff(x)


def test_other_numpy_functions_on_constants_run_on_the_data():
    c = mg.Tensor([1.0, 2.0, 4.0])
    out = np.cumprod(c)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, [1.0, 2.0, 8.0])
    np.testing.assert_array_equal(np.diff(c), [1.0, 2.0])


def test_inspecting_functions_run_on_the_data_even_with_grad():
    x = _x()
    assert np.shape(x) == (3,)
    assert np.ndim(x) == 1
    assert np.allclose(x, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.isfinite(x), [True, True, True])
    np.testing.assert_array_equal(np.greater(x, 1.5), [False, True, True])
    assert np.argmax(x) == 2


def test_asarray_returns_the_data():
    x = _x()
    assert np.asarray(x) is x.data
    assert type(np.array(x)) is np.ndarray


def test_dispatch_picks_up_ops_added_to_the_package_later(monkeypatch):
    import minigrad.ops.elementwise as elementwise

    def hypot(a, b):
        return mg.sqrt(a * a + b * b)

    hypot.__module__ = elementwise.__name__
    monkeypatch.setattr(mg, "hypot", hypot, raising=False)
    x = _x()
    y = np.hypot(x, x)
    assert isinstance(y, mg.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.data, np.sqrt(2) * x.data)


def test_trace_and_save_are_never_taken_for_ops():
    c = mg.Tensor(np.eye(2))
    assert np.trace(c) == 2.0  # NumPy's trace, not the tape view mg.trace
