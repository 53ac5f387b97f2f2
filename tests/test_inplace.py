"""Issue 11, item 1: in-place operators and setitem write into the same tensor, guarded by version counters."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

# -- the examples ------------------------------------------------------------------


def test_sgd_update_under_no_grad_updates_the_parameter_object():
    p = mg.Tensor([1.0, 2.0], requires_grad=True)
    p.grad = np.array([10.0, 20.0])
    before = p
    with mg.no_grad():
        p -= 0.1 * p.grad
    assert p is before
    np.testing.assert_allclose(p.data, [0.0, 0.0])
    assert p.is_leaf and p.requires_grad


def test_init_idiom_keeps_layer_weight_a_parameter_and_in_state_dict():
    layer = mg.nn.Linear(2, 3)
    W = layer.W
    old = W.data.copy()
    with mg.no_grad():
        layer.W *= 0.5
    assert layer.W is W and W.is_leaf
    assert [n for n, _ in layer.named_parameters()] == ["W", "b"]
    np.testing.assert_allclose(layer.state_dict()["W"], old * 0.5)


def test_exp_then_inplace_on_output_then_backward_raises_naming_op():
    x = mg.Tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = mg.exp(x)
    s = y.sum()
    with mg.no_grad():
        y *= 2
    with pytest.raises(RuntimeError, match=r"'exp'.*modified by an in-place operation"):
        s.backward()


@pytest.mark.parametrize(
    "write",
    [
        lambda p: p.__iadd__(1.0),
        lambda p: p.__isub__(1.0),
        lambda p: p.__imul__(2.0),
        lambda p: p.__itruediv__(2.0),
        lambda p: p.__ipow__(2.0),
        lambda p: p.__imatmul__(np.eye(2)),
        lambda p: p.__setitem__(0, 1.0),
    ],
    ids=["+=", "-=", "*=", "/=", "**=", "@=", "setitem"],
)
def test_inplace_on_leaf_that_requires_grad_outside_no_grad_raises(write):
    p = mg.Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf that requires grad.*with mg.no_grad\(\): p -= lr \* p.grad"):
        write(p)
    np.testing.assert_array_equal(p.data, np.ones((2, 2)))  # nothing written


def test_every_inplace_operator_under_no_grad_matches_numpy():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    m = np.array([[0.0, 1.0], [1.0, 0.0]])
    for name, other in [("+=", 2.0), ("-=", 2.0), ("*=", 3.0), ("/=", 4.0), ("**=", 2.0), ("@=", m)]:
        t = mg.Tensor(a.copy(), requires_grad=True)
        expected = a.copy()
        namespace = {"t": t, "o": other, "e": expected}
        with mg.no_grad():
            exec(f"t {name} o", namespace)
        exec(f"e {name} o", namespace)
        assert namespace["t"] is t
        np.testing.assert_allclose(t.data, namespace["e"], err_msg=name)
        assert t._version == 1


def test_setitem_under_no_grad_and_on_constants_follows_numpy():
    t = mg.Tensor(np.zeros((2, 3)))
    t[0, 1:] = [5.0, 6.0]
    t[1] = 7.0
    np.testing.assert_array_equal(t.data, [[0.0, 5.0, 6.0], [7.0, 7.0, 7.0]])
    assert t._version == 2


def test_constant_inplace_with_grad_mode_on_writes_data():
    t = mg.Tensor([1.0, 2.0])
    t += 1
    np.testing.assert_array_equal(t.data, [2.0, 3.0])
    assert t.is_leaf and not t.requires_grad


def test_inplace_shape_and_dtype_errors_name_the_op():
    t = mg.Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"add in place.*\(2,\).*\(2, 2\)"):
        t += np.ones((2, 2))
    i = mg.Tensor([1, 2])
    with pytest.raises(TypeError, match="mul in place"):
        i *= 1.5


# -- non-leaf tensors: recorded as differentiable ops on the same object --------------------


def test_inplace_on_non_leaf_is_recorded_and_gives_the_out_of_place_gradient():
    x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    obj = y
    y += x**2
    y *= 3.0
    y[0] = 10.0
    assert y is obj and y.op == "setitem"
    y.sum().backward()
    # out of place: z = 3 (2x + x²) with z[0] = 10: dz/dx = 3 (2 + 2x), 0 at index 0
    np.testing.assert_allclose(x.grad, [0.0, 18.0, 24.0])
    np.testing.assert_allclose(y.data, [10.0, 24.0, 45.0])


def test_setitem_of_a_value_that_requires_grad_into_a_constant():
    c = mg.Tensor(np.zeros(3))
    v = mg.Tensor(5.0, requires_grad=True)
    c[1:] = v
    assert c.requires_grad and c.op == "setitem"
    (c * mg.Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad == pytest.approx(5.0)  # 2 + 3: v broadcast to two positions


def test_non_leaf_inplace_after_use_raises_at_backward():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = mg.exp(y)
    y += 1  # recorded, but exp's node still holds y, whose values changed
    with pytest.raises(RuntimeError, match="'exp'"):
        z.sum().backward()


def test_setitem_second_order_through_recorded_path():
    def f(x):
        y = x * x
        y[0] = 0.0
        return (y * x).sum()

    x = np.array([2.0, 3.0])
    # f = 0 * x0 + x1³  →  grad = [0, 3 x1²], Hessian diagonal = [0, 6 x1]
    np.testing.assert_allclose(mg.grad(f)(x).data, [0.0, 27.0])
    np.testing.assert_allclose(mg.hessian(f)(x).data, [[0.0, 0.0], [0.0, 18.0]])


# -- version counters: every in-place op × every op whose VJP reads its input or output -------

INPLACE = {
    "+=": lambda t: t.__iadd__(1.0),
    "-=": lambda t: t.__isub__(0.5),
    "*=": lambda t: t.__imul__(2.0),
    "/=": lambda t: t.__itruediv__(2.0),
    "**=": lambda t: t.__ipow__(2.0),
    "@=": lambda t: t.__imatmul__(np.array([[0.0, 1.0], [1.0, 0.0]])),
    "setitem": lambda t: t.__setitem__((0, 0), 9.0),
}
READERS = {
    "mul": lambda a: a * a,
    "div": lambda a: 2.0 / a,
    "pow": lambda a: a**3,
    "matmul": lambda a: a @ a,
    "exp": mg.exp,
    "log": mg.log,
    "tanh": mg.tanh,
    "sigmoid": mg.sigmoid,
    "relu": mg.relu,
    "abs": mg.abs,
    "sqrt": mg.sqrt,
    "maximum": lambda a: mg.maximum(a, 2.5),
    "minimum": lambda a: mg.minimum(a, 2.5),
    "max": lambda a: a.max(axis=0),
    "min": lambda a: a.min(),
    "logsumexp": lambda a: a.logsumexp(axis=1),
    "softmax": mg.softmax,
    "log_softmax": mg.log_softmax,
}


def _input():
    return mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)


@pytest.mark.parametrize("op", sorted(READERS))
@pytest.mark.parametrize("write", sorted(INPLACE))
def test_version_check_catches_a_write_into_the_input(op, write):
    x = _input()
    a = x + 0.0  # a non-leaf input, so the write may also be recorded
    y = READERS[op](a)
    loss = y.sum()
    with mg.no_grad():
        INPLACE[write](a)
    with pytest.raises(RuntimeError, match=rf"{op!r} node was modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("op", sorted(READERS))
@pytest.mark.parametrize("write", sorted(INPLACE))
def test_version_check_catches_a_write_into_the_output(op, write):
    x = _input()
    y = READERS[op](x)
    if y.shape != (2, 2):
        y = y * np.ones((2, 2))  # @= and setitem need the 2x2 shape: write into a consumer instead
        op = "mul"
    loss = y.sum()
    with mg.no_grad():
        INPLACE[write](y)
    # Found at the first node that holds y: the consumer, whose message names y's op.
    with pytest.raises(RuntimeError, match=rf"made by {op!r}.*modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("op", sorted(READERS))
def test_write_before_use_is_fine(op):
    x = _input()
    a = x + 0.0
    with mg.no_grad():
        a *= 1.5
    READERS[op](a).sum().backward()  # recorded after the write: no error
    assert x.grad is not None and np.isfinite(x.grad).all()


def test_view_and_base_share_a_version_counter():
    x = mg.Tensor(np.arange(6.0))
    v = x[1:3]
    r = x.reshape(2, 3)
    assert x._version == v._version == r._version == 0
    v += 1
    assert x._version == v._version == r._version == 1
    r[0, 0] = 5.0
    assert x._version == 2
    np.testing.assert_array_equal(x.data, [5.0, 2.0, 3.0, 3.0, 4.0, 5.0])


def test_write_through_a_view_is_caught_at_backward():
    x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = mg.exp(x)
    s = a.sum()
    view = a.detach()[0:2]  # shares a's memory (and so its version counter)
    with mg.no_grad():
        view *= 2
    with pytest.raises(RuntimeError, match="in-place"):
        s.backward()


def test_writes_through_data_stay_unchecked_as_in_pytorch():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = mg.exp(x)
    s = y.sum()
    y.data *= 2  # unchecked by design (detect_anomaly catches it)
    s.backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp([1.0, 2.0]))


def test_read_only_arrays_refuse_in_place_writes():
    x = mg.Tensor([1.0, 2.0])
    b = mg.broadcast_to(x, (3, 2))
    with pytest.raises(ValueError, match="read-only"):
        b += 1


def test_a_training_loop_with_inplace_updates_runs_without_false_alarms():
    X = np.random.default_rng(0).normal(size=(8, 2))
    W = mg.Tensor(np.ones((2, 1)), requires_grad=True)
    losses = []
    for _ in range(5):
        loss = ((mg.Tensor(X) @ W) ** 2).mean()
        loss.backward()
        with mg.no_grad():
            W -= 0.1 * W.grad
        W.grad = None
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_recorded_write_into_a_view_is_refused_instead_of_a_wrong_gradient():
    x = mg.Tensor(np.arange(1.0, 7.0), requires_grad=True)
    y = mg.exp(x)
    h = y.reshape(2, 3)  # a view of y's memory
    with pytest.raises(RuntimeError, match="into a view of another tensor's memory"):
        h[0] = 0.0  # would write y's memory behind its graph
    np.testing.assert_array_equal(y.data, np.exp(x.data))  # nothing was written
    # the preallocation idiom through a view of a constant: refused, not a silent zero gradient
    out = mg.Tensor(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="out\\[0, :\\] = x"):
        out[0][:] = x[:2]
    # a view of a leaf that requires grad: refused, as the leaf itself is
    v = x[0:1]
    with pytest.raises(RuntimeError, match="into a view"):
        v *= 5
    assert x.data[0] == 1.0
    # writing into the tensor itself is followed exactly
    out[0, :] = x[:2] * 2
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 0.0, 0.0, 0.0, 0.0])


def test_a_write_after_a_value_free_op_used_the_tensor_raises_instead_of_rerouting_its_gradient():
    # add, copy, astype, stack and concatenate read no values in backward, so the version check
    # skipped them; but the write rewires their input (the tensor object becomes the write's node).
    for use in (lambda y, x: y + 0, lambda y, x: y.copy(), lambda y, x: mg.stack([y, x])):
        x = mg.Tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        a = use(y, x)
        y *= 3
        with pytest.raises(RuntimeError, match="written in place after"):
            a.sum().backward()


def test_writes_into_a_transform_argument_are_refused_so_the_callers_array_is_kept():
    def f(z):
        z *= 2
        return mg.sin(z).sum()

    x = np.array([0.1, 0.2])
    for transform in (mg.hessian(f), mg.jacfwd(f), mg.jacfwd(f, chunk_size=1), mg.grad(f)):
        with pytest.raises(RuntimeError, match="in place"):
            transform(x)
    np.testing.assert_array_equal(x, [0.1, 0.2])
    with pytest.raises(RuntimeError, match="argument of a differentiated function"):
        mg.jvp(f, (x,), (np.ones(2),))
