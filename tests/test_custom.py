"""custom_vjp: a NumPy forward and a hand-written backward behave like a built-in op.

Each custom op here has a built-in twin (tanh, mul); gradients through the
custom op must equal the built-in's to rounding, in every composition.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import arrays, broadcastable_shapes


def tanh_forward(z):
    a = np.tanh(z)
    return a, a


def tanh_backward(a, g):
    return g * (1 - a**2)


my_tanh = mg.custom_vjp(tanh_forward, tanh_backward, name="my_tanh")
my_mul = mg.custom_vjp(lambda a, b: (a * b, (a, b)), lambda r, g: (g * r[1], g * r[0]), name="my_mul")


def grads_of(loss_fn, *arrays_):
    """Gradients of loss_fn by backward() on fresh leaves."""
    leaves = [mg.Tensor(a, requires_grad=True) for a in arrays_]
    loss_fn(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def net(tanh):
    """A tanh/softmax classifier whose hidden activation is ``tanh``."""

    def loss(W1, b1, W2, b2):
        X = np.linspace(-2, 2, 10).reshape(5, 2)
        logp = mg.log_softmax(tanh(X @ W1 + b1) @ W2 + b2, axis=1)
        return -logp[np.arange(5), np.array([0, 1, 1, 0, 2])].sum()

    return loss


def test_inside_a_larger_graph_it_matches_the_builtin_op():
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s) for s in [(2, 4), (1, 4), (4, 3), (1, 3)]]
    mine, builtin = grads_of(net(my_tanh), *params), grads_of(net(mg.tanh), *params)
    for a, b in zip(mine, builtin):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    mg.gradcheck(net(my_tanh), *params, forward=False)  # my_tanh has no JVP rule: reverse mode only


def test_reused_twice_and_nested_gradients_add_up():
    x = np.array([-1.5, 0.3, 2.0])
    f_mine = lambda t: (my_tanh(t) * my_tanh(my_tanh(t))).sum()
    f_builtin = lambda t: (mg.tanh(t) * mg.tanh(mg.tanh(t))).sum()
    np.testing.assert_allclose(grads_of(f_mine, x)[0], grads_of(f_builtin, x)[0], rtol=1e-13)
    mg.gradcheck(f_mine, x, forward=False)


@given(data=st.data())
def test_broadcasting_inputs_get_gradients_of_their_own_shape(data):
    shape_a, shape_b = data.draw(broadcastable_shapes(max_dims=3, max_side=3))
    a, b = data.draw(arrays(shape_a)), data.draw(arrays(shape_b))
    w = np.random.default_rng(1).standard_normal(np.broadcast_shapes(shape_a, shape_b))
    ga, gb = grads_of(lambda a, b: (my_mul(a, b) * w).sum(), a, b)
    ea, eb = grads_of(lambda a, b: (mg.mul(a, b) * w).sum(), a, b)
    assert ga.shape == shape_a and gb.shape == shape_b
    np.testing.assert_allclose(ga, ea, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gb, eb, rtol=1e-13, atol=1e-15)


def test_under_no_grad_records_nothing_and_computes_the_value():
    x = mg.Tensor(np.array([0.5, -1.0]), requires_grad=True)
    with mg.no_grad():
        y = my_tanh(x)
    assert not y.requires_grad and y.op is None
    np.testing.assert_array_equal(y.data, np.tanh(x.data))


def test_called_on_arrays_and_numbers_gives_constants_and_mixes_with_tensors():
    assert not my_tanh(np.array([0.1])).requires_grad
    np.testing.assert_allclose(my_tanh(0.5).data, np.tanh(0.5))
    b = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (my_mul(3.0, b) + my_mul(np.array([1.0, -1.0]), b)).sum().backward()
    np.testing.assert_array_equal(b.grad, [4.0, 2.0])
    b32 = mg.Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert my_mul(b32, 2.0).dtype == np.float32  # a Python number follows the tensor's dtype
    positive = mg.custom_vjp(lambda x: (x > 0, None), lambda r, g: None, name="positive")
    assert not positive(b).requires_grad  # a boolean result is a constant, like a comparison


def test_none_means_no_gradient_for_that_input():
    scale = mg.custom_vjp(lambda x, k: (x * k, k), lambda k, g: (g * k, None), name="scale")
    x, k = mg.Tensor(np.ones(3), requires_grad=True), mg.Tensor(np.full(3, 2.0), requires_grad=True)
    scale(x, k).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(k.grad, [0.0, 0.0, 0.0])


def test_backward_runs_once_per_node_for_all_inputs_even_with_retain_graph():
    calls = []

    def backward(r, g):
        calls.append(1)
        return g * r[1], g * r[0]

    op = mg.custom_vjp(lambda a, b: (a * b, (a, b)), backward)
    a, b = mg.Tensor(np.array([2.0]), requires_grad=True), mg.Tensor(np.array([3.0]), requires_grad=True)
    y = op(a, b).sum()
    y.backward(retain_graph=True)
    assert len(calls) == 1
    y.backward()
    assert len(calls) == 2
    np.testing.assert_array_equal(a.grad, [6.0])  # 3 + 3: accumulated over two passes
    np.testing.assert_array_equal(b.grad, [4.0])


def test_the_name_appears_in_repr_and_defaults_to_the_forward_function():
    y = my_tanh(mg.Tensor(np.array([0.1]), requires_grad=True))
    assert y.op == "my_tanh" and "op=my_tanh" in repr(y)
    assert mg.custom_vjp(tanh_forward, tanh_backward).name == "tanh_forward"
    assert repr(my_tanh) == "custom_vjp('my_tanh')"


def test_first_derivatives_stay_right_inside_a_recorded_backward():
    # mg.grad records its backward pass when f closes over a tensor that requires grad.
    W = mg.Tensor(np.array([0.5, -2.0]), requires_grad=True)
    x = np.array([0.3, 0.7])
    mine = mg.grad(lambda t: (my_tanh(t) * W).sum())(x)
    builtin = mg.grad(lambda t: (mg.tanh(t) * W).sum())(x)
    np.testing.assert_allclose(mine.data, builtin.data, rtol=1e-13)


def test_second_order_through_a_custom_op_raises_an_error_naming_it():
    x = np.array([0.3, -0.7])
    with pytest.raises(mg.SecondOrderError, match="my_tanh"):
        mg.grad(lambda t: mg.grad(lambda u: my_tanh(u).sum())(t).sum())(x)
    with pytest.raises(mg.SecondOrderError, match="my_tanh"):
        mg.hvp(lambda t: (my_tanh(t) ** 2).sum(), x, np.ones(2))
    # Forward over reverse: the op's missing JVP rule is reported by name.
    with pytest.raises(mg.ForwardModeError, match="my_tanh"):
        mg.jvp(mg.grad(lambda t: (my_tanh(t) ** 2).sum()), (x,), (np.ones(2),))
    with pytest.raises(mg.SecondOrderError, match="my_tanh"):
        mg.gradcheck(my_tanh, x, order=2, forward=False)


def test_mistakes_in_forward_or_backward_are_reported_with_the_op_name():
    bad_forward = mg.custom_vjp(lambda x: x * 2, lambda r, g: g, name="bad_forward")
    with pytest.raises(TypeError, match="bad_forward.*pair"):
        bad_forward(np.ones(2))
    too_many = mg.custom_vjp(lambda x: (x * 2, None), lambda r, g: (g, g), name="too_many")
    with pytest.raises(TypeError, match="too_many.*one gradient per input"):
        too_many(mg.Tensor(np.ones(2), requires_grad=True)).sum().backward()
    wrong_shape = mg.custom_vjp(lambda x: (x * 2, None), lambda r, g: np.ones(5), name="wrong_shape")
    with pytest.raises(RuntimeError, match="wrong_shape.*shape"):
        wrong_shape(mg.Tensor(np.ones(2), requires_grad=True)).sum().backward()
    in_place = mg.custom_vjp(lambda x: (x * 2, None), lambda r, g: g.__imul__(2), name="in_place")
    with pytest.raises(ValueError, match="read-only"):
        in_place(mg.Tensor(np.ones(2), requires_grad=True)).sum().backward()
