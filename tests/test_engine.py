"""The backward walk: accumulation, depth, freeing, no_grad, dtypes, ownership and errors."""

import sys
import threading

import numpy as np
import pytest

import minigrad as mg


def leaf(values, dtype=np.float64):
    return mg.Tensor(np.array(values, dtype=dtype), requires_grad=True)


def test_gradients_accumulate_through_a_shared_tensor():
    x = leaf([1.0, 2.0])
    a = x * 3
    y = (a * x + a + x).sum()  # 3x² + 3x + x
    y.backward()
    np.testing.assert_array_equal(x.grad, 6 * x.data + 4)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, -2.0])
    (x * x).sum().backward()
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 5)


def test_deep_chain_of_100k_ops_backprops_without_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    limit = sys.getrecursionlimit()
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad == 1.0


def test_graph_is_freed_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x.tanh() * 2).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)
    with pytest.raises(RuntimeError, match="freed"):
        y.backward()


def test_freed_graph_error_also_reached_through_a_shared_node():
    x = leaf([1.0])
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(mg.GraphFreedError, match="retain_graph=True"):
        (h * 3).sum().backward()


def test_non_scalar_backward_needs_grad():
    x = leaf([[1.0, 2.0]])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(1, 2\).*grad="):
        y.backward()
    y.backward(grad=np.array([[1.0, 10.0]]))
    np.testing.assert_array_equal(x.grad, [[2.0, 20.0]])
    with pytest.raises(ValueError, match="grad has shape"):
        (x * 2).backward(grad=np.ones(3))


def test_backward_on_constant_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.Tensor(1.0).backward()


def test_no_grad_records_nothing_and_is_thread_local():
    x = leaf([1.0])
    seen = {}

    def other_thread():
        seen["other"] = (x * 2).requires_grad

    with mg.no_grad():
        y = x * 2
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        with mg.enable_grad():
            assert (x * 2).requires_grad
    assert not y.requires_grad and y.op is None
    assert seen["other"] is True
    assert mg.is_grad_enabled()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved_through_ops_and_gradients(dtype):
    W = leaf(np.ones((3, 2)), dtype)
    X = np.ones((4, 3), dtype=dtype)
    z = (mg.tanh(X @ W) * 2.0 + 1).log_softmax(axis=1)
    assert z.dtype == dtype
    (z.sum() ** 2 / 3.0).backward()
    assert W.grad.dtype == dtype


def test_float32_gradient_stays_float32_when_mixed_with_float64_constants():
    w = leaf([1.0, 2.0], np.float32)
    (w * np.array([1.0, 1.0])).sum().backward()  # NumPy promotes the product to float64
    assert w.grad.dtype == np.float32


def test_python_scalars_default_to_float64_and_ints_are_constants():
    assert mg.Tensor(1.5).dtype == np.float64
    assert mg.Tensor([1, 2]).dtype.kind == "i"
    with pytest.raises(TypeError, match="constants"):
        mg.Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="constants"):
        mg.Tensor(np.array([True]), requires_grad=True)


def test_inputs_and_upstream_gradients_are_never_mutated():
    X = np.arange(6.0).reshape(2, 3)
    X0 = X.copy()
    W_init = np.ones((3, 2))
    W = mg.Tensor(W_init, requires_grad=True)
    G = np.ones((2, 2))
    y = X @ W + 0
    y.backward(grad=G, retain_graph=True)
    y.backward(grad=G)  # accumulates into W.grad
    W.data -= 0.1 * W.grad  # the tutorials' update step
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(G, np.ones((2, 2)))
    np.testing.assert_array_equal(W_init, np.ones((3, 2)))  # W owns a copy


def test_grad_arrays_never_share_memory():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = np.array([1.0, 1.0])
    (a + b).backward(grad=g)
    assert not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, g)
    c = leaf(np.zeros((2, 3)))
    d = leaf(np.zeros(3))
    (c.reshape(6).sum() + d.sum() + c.sum()).backward()
    for x in (c, d):
        assert x.grad.flags.writeable and x.grad.base is None
    a.grad += 1  # must not change b.grad
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_grad_and_data_are_assignable():
    W = leaf([1.0, 2.0])
    (W * W).sum().backward()
    W.data -= 0.5 * W.grad
    np.testing.assert_array_equal(W.data, [0.0, 0.0])
    W.grad = None
    (W + 1).sum().backward()
    np.testing.assert_array_equal(W.grad, [1.0, 1.0])


def test_numpy_on_the_left_returns_a_tensor():
    x = leaf([1.0, 2.0])
    for y in (np.ones(2) + x, np.float64(2) * x, np.ones(2) - x, np.ones((1, 2)) @ x.reshape(2, 1)):
        assert isinstance(y, mg.Tensor) and y.requires_grad


def test_comparisons_return_boolean_arrays():
    x = mg.Tensor([1.0, 2.0])
    assert isinstance(x > 1.5, np.ndarray) and (x > 1.5).dtype == bool
    np.testing.assert_array_equal(x == mg.Tensor([1.0, 0.0]), [True, False])


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: mg.Tensor(np.ones((2, 3))) @ mg.Tensor(np.ones((4, 5))),
            r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned",
        ),
        (lambda: mg.Tensor(np.ones((2, 3))) + np.ones(4), r"add: .*shapes \(2, 3\) and \(4,\)"),
        (lambda: mg.Tensor(np.ones(6)).reshape(4), r"reshape: cannot reshape shape \(6,\) into \(4,\)"),
        (lambda: mg.Tensor(np.ones(3)).sum(axis=2), r"sum: axis 2 is out of range"),
        (lambda: mg.concatenate([np.ones((2, 2)), np.ones((3, 3))], axis=0), r"concatenate: shapes \(2, 2\), \(3, 3\)"),
    ],
)
def test_shape_errors_name_the_op_and_shapes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_repr_shows_values_op_and_requires_grad():
    x = leaf([1.0, 2.0])
    text = repr(x.tanh())
    assert "op=tanh" in text and "requires_grad=True" in text and "0.76" in text
    assert repr(mg.Tensor(np.float32(1))) == "Tensor(1., dtype=float32)"


def test_detach_and_item():
    x = leaf([3.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.item() == 6.0
