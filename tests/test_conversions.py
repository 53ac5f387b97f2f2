"""Issue 11, items 3-5: Python conversions, lists of tensors given to ops, and constructor input."""

from __future__ import annotations

import datetime
import operator

import numpy as np
import pytest

import minigrad as mg

# -- item 3: Python conversions ---------------------------------------------------------


def test_float_int_complex_of_one_element_tensors():
    assert float(mg.Tensor(2.5)) == 2.5
    assert float(mg.Tensor([2.5])) == 2.5  # one element of any shape, as PyTorch
    assert int(mg.Tensor(3.7)) == 3
    assert int(mg.Tensor([[-3]])) == -3
    assert complex(mg.Tensor(1.5)) == 1.5 + 0j


def test_float_of_several_elements_is_a_type_error_naming_the_shape():
    with pytest.raises(TypeError, match=r"one-element.*\(2,\)"):
        float(mg.Tensor([1.0, 2.0]))


def test_bool_follows_numpy():
    assert bool(mg.Tensor([0.0])) is False
    assert bool(mg.Tensor(0.5)) is True
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mg.Tensor([1.0, 2.0]))


def test_operator_index_follows_numpy():
    assert operator.index(mg.Tensor(3)) == 3
    assert [10, 20, 30][mg.Tensor(1)] == 20
    with pytest.raises(TypeError):
        operator.index(mg.Tensor(3.0))


def test_abs_is_differentiable():
    x = mg.Tensor([-2.0, 3.0], requires_grad=True)
    y = abs(x)
    np.testing.assert_array_equal(y.data, [2.0, 3.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 1.0])


def test_round_follows_numpy_half_to_even():
    y = round(mg.Tensor([0.5, 1.5, 2.567]))
    np.testing.assert_array_equal(y.data, [0.0, 2.0, 3.0])
    np.testing.assert_allclose(round(mg.Tensor([2.567]), 2).data, [2.57])


def test_floor_divide_is_a_constant():
    x = mg.Tensor([7.0, -7.0], requires_grad=True)
    y = x // 2
    np.testing.assert_array_equal(y.data, [3.0, -4.0])
    assert not y.requires_grad
    np.testing.assert_array_equal((10 // mg.Tensor([3.0])).data, [3.0])


def test_remainder_values_and_pytorch_gradients():
    a = mg.Tensor([7.0, -7.0, 5.5], requires_grad=True)
    b = mg.Tensor([3.0, 3.0, -2.0], requires_grad=True)
    y = a % b
    np.testing.assert_array_equal(y.data, np.remainder([7.0, -7.0, 5.5], [3.0, 3.0, -2.0]))
    y.sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(b.grad, -np.floor_divide([7.0, -7.0, 5.5], [3.0, 3.0, -2.0]))
    mg.gradcheck(lambda a, b: a % b, np.array([7.2, -7.3]), np.array([3.1, 2.9]))


def test_tolist_copy_argmax_argmin_astype():
    x = mg.Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    assert x.tolist() == [[1.0, 5.0], [3.0, 2.0]]
    c = x.copy()
    assert c.data is not x.data and c.op == "copy"
    (c * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 2.0))
    assert int(x.argmax()) == 1 and not x.argmax().requires_grad
    np.testing.assert_array_equal(x.argmin(axis=0).data, [0, 1])
    assert x.astype(np.float32).dtype == np.float32


# -- item 4: lists and tuples of tensors are stacked with the graph ------------------------


def test_mean_of_a_list_of_tensors_keeps_the_graph():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    m = mg.mean([x, x + 2])
    assert m.requires_grad
    assert m.item() == pytest.approx(2.5)
    m.backward()
    np.testing.assert_allclose(x.grad, [0.5, 0.5])


def test_tuples_nested_lists_and_numbers_mixed_with_tensors():
    a = mg.Tensor(2.0, requires_grad=True)
    b = mg.Tensor(3.0, requires_grad=True)
    m = mg.sum(((a, 1.0), [b, a * b]))
    assert m.item() == pytest.approx(12.0)
    m.backward()
    assert a.grad == pytest.approx(1.0 + 3.0) and b.grad == pytest.approx(1.0 + 2.0)


def test_list_as_second_operand_and_in_where():
    x = mg.Tensor(2.0, requires_grad=True)
    y = mg.mul(mg.Tensor([1.0, 2.0]), [x, x * x])
    y.sum().backward()
    assert x.grad == pytest.approx(1.0 + 2.0 * 2 * 2.0)


def test_lists_without_tensors_stay_constants():
    y = mg.mean([1.0, 2.0, 4.0])
    assert not y.requires_grad and y.item() == pytest.approx(7 / 3)


# -- item 5: constructor input that is not numbers is refused --------------------------------


@pytest.mark.parametrize(
    "data, dtype",
    [
        (["1", "2"], "<U1"),
        (np.array([object(), 1], dtype=object), "object"),
        (b"ab", "|S2"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
        ([datetime.timedelta(days=1)], "object"),
        (np.array([1], dtype="timedelta64[s]"), "timedelta64"),
        ([1j, 2.0], "complex128"),
    ],
)
def test_non_numeric_data_is_a_type_error_naming_the_dtype(data, dtype):
    with pytest.raises(TypeError, match=rf"Tensor: dtype {dtype}"):
        mg.Tensor(data)


def test_complex_is_refused_saying_it_is_unsupported():
    with pytest.raises(TypeError, match="complex numbers are not supported"):
        mg.Tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="complex numbers are not supported"):
        mg.Tensor([1.0], dtype=np.complex64)


def test_complex_constant_times_a_real_parameter_is_refused():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="complex"):
        w * np.array([1j, 1j])
    with pytest.raises(TypeError, match="complex"):
        w * 2j


def test_numeric_inputs_are_still_accepted():
    assert mg.Tensor([1, 2]).dtype.kind == "i"
    assert mg.Tensor([True, False]).dtype == np.bool_
    assert mg.Tensor(np.float32(1.5)).dtype == np.float32
    assert mg.Tensor([1.0, 2.0], dtype=np.float32).dtype == np.float32
