"""Traps a fresh user found: ndarray subclasses, iterating a 0-d tensor, formatting, optimizers after
double backward. Each asserts the NumPy/PyTorch behaviour minigrad now follows."""

import numpy as np
import pytest

import minigrad as mg


def test_np_matrix_becomes_a_plain_array_so_gradients_stay_elementwise():
    with pytest.warns(PendingDeprecationWarning, match="matrix subclass"):  # NumPy's, on making a matrix
        m, row = np.matrix([[1.0, 2.0], [3.0, 4.0]]), np.matrix([[1.0, 2.0]])
    t = mg.Tensor(m, requires_grad=True)
    assert type(t.data) is np.ndarray
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [[2.0, 4.0], [6.0, 8.0]])  # 2t, not a matrix product
    assert mg.Tensor(row).sum(axis=1).shape == (1,)


def test_masked_arrays_are_refused_rather_than_silently_unmasked():
    data = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    with pytest.raises(TypeError, match="masked arrays"):
        mg.Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="masked arrays"):
        mg.exp(data)


def test_iterating_a_0d_tensor_is_a_type_error_as_in_numpy():
    with pytest.raises(TypeError, match="0-d"):
        sum(mg.Tensor(3.0, requires_grad=True))
    x = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == 2 and rows[1].op == "getitem"
    sum(r.sum() for r in rows).backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 2)))


def test_format_specs_format_the_value():
    assert f"{mg.Tensor(1.5):.2f}" == "1.50"
    assert f"{mg.Tensor([2.25]):.1f}" == "2.2"


def test_sgd_steps_with_the_gradient_double_backward_leaves():
    model = mg.nn.Linear(2, 1)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    before = model.W.data.copy()
    (model(np.ones((3, 2))) ** 2).mean().backward(create_graph=True)
    grad = model.W.grad.data.copy()
    opt.step()
    np.testing.assert_allclose(model.W.data, before - 0.1 * grad, rtol=1e-12)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: mg.nn.Conv2d(1, 2, 0), "kernel_size"),
        (lambda: mg.nn.Conv2d(1, 0, 3), "out_channels"),
        (lambda: mg.nn.Conv1d(0, 2, 3), "in_channels"),
        (lambda: mg.nn.Embedding(0, 3), "num_embeddings"),
        (lambda: mg.nn.BatchNorm1d(0), "num_features"),
    ],
)
def test_layer_sizes_are_checked_like_linear(make, message):
    with pytest.raises(ValueError, match=f"{message} must be an integer >= 1"):
        make()


def test_fit_refuses_negative_epochs():
    model = mg.nn.Linear(2, 1)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0"):
        mg.fit(model, np.ones((3, 2)), np.ones((3, 1)), mg.losses.mse_loss, mg.optim.SGD(model, lr=0.1), epochs=-1)


def test_a_hook_handle_removes_as_in_pytorch():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    handle = y.register_hook(lambda g: g * 10)
    handle.remove()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


# -- found by the trial of batched Jacobians (issue 13) ------------------------------------------
def test_repeated_argnums_are_refused_not_answered_with_zeros():
    for transform in (mg.grad, mg.jacrev, mg.jacfwd):
        with pytest.raises(ValueError, match="unique"):
            transform(lambda x, y: (x * y).sum(), argnums=(0, 0))(np.ones(2), np.ones(2))


def test_an_index_that_writes_a_place_twice_gives_the_last_write_its_gradient():
    def g(x):
        y = x * 1.0
        y[[0, 0]] = x[:2] * 3  # NumPy keeps the last write: y[0] = 3 x[1]
        return y

    x = np.array([0.1, 0.2, 0.3])
    want = np.array([[0.0, 3.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    for J in (mg.jacrev(g)(x), mg.jacrev(g, chunk_size=1)(x), mg.jacfwd(g)(x)):
        np.testing.assert_array_equal(J.data, want)
    assert mg.gradcheck(lambda t: (g(t) * np.array([1.0, 2.0, 3.0])).sum(), x).passed


def test_clip_with_tensor_bounds_routes_the_gradient_to_whichever_is_the_result():
    x = mg.Tensor([1.0, -2.0, 0.5], requires_grad=True)
    lo = mg.Tensor(np.zeros(3), requires_grad=True)
    hi = mg.Tensor(np.full(3, 0.7), requires_grad=True)
    y = mg.clip(x, lo, hi)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, np.clip(x.data, lo.data, hi.data))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(lo.grad, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(hi.grad, [1.0, 0.0, 0.0])


def test_forward_mode_compiles():
    f = lambda x: mg.tanh(x) * x  # noqa: E731
    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(mg.compile(mg.jacfwd(f))(x).data, mg.jacfwd(f)(x).data, rtol=1e-14)
    jv = lambda x: mg.jvp(f, (x,), (v,))[1]  # noqa: E731
    np.testing.assert_allclose(mg.compile(jv)(x).data, jv(x).data, rtol=1e-14)


def test_jacfwd_refuses_random_draws_and_running_statistics_in_training_mode():
    from minigrad import nn
    from minigrad.nn import functional as F

    x = np.ones((4, 3))
    with pytest.raises(RuntimeError, match="dropout in training mode.*mg.jacrev"):
        mg.jacfwd(lambda t: F.dropout(t, 0.5))(x)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(RuntimeError, match="BatchNorm1d in training mode"):
        mg.jacfwd(bn)(x)
    assert bn.num_batches_tracked.data == 0 and np.array_equal(bn.running_mean.data, np.zeros(3))
    assert mg.jacrev(lambda t: F.dropout(t, 0.5))(x).shape == (4, 3, 4, 3)  # one call: one mask
    bn.eval()
    assert mg.jacfwd(bn)(x).shape == (4, 3, 4, 3)


def test_jacfwd_names_itself_in_its_errors():
    with pytest.raises(TypeError, match="^jacfwd: the function returned a ndarray"):
        mg.jacfwd(lambda x: x.data * 2)(np.ones(2))


def test_grad_raises_like_backward_when_an_in_place_write_rewired_the_graph():
    # y[1] is read, then written back into y: as an object, y is now the write's node, so the read
    # points at it. backward() raises at the version check; grad/jacrev walk only the nodes that
    # reach x and used to skip that read, silently dropping its gradient. Now they raise too.
    def f(x):
        y = x * 1.0
        y[1] = y[1] + 5.0
        return (y * y).sum()

    x = np.arange(1.0, 5.0)
    t = mg.Tensor(x, requires_grad=True)
    with pytest.raises(RuntimeError, match="in place"):
        f(t).backward()
    for transform in (mg.grad(f), mg.jacrev(f), mg.jacrev(f, chunk_size=1)):
        with pytest.raises(RuntimeError, match="in place"):
            transform(x)
    # forward mode follows the write exactly
    np.testing.assert_allclose(mg.jacfwd(f)(x).data, 2 * (x + np.array([0, 5, 0, 0])), rtol=1e-14)


def test_forward_mode_refuses_a_write_through_a_view():
    def f(x):
        y = x * 1.0
        v = y[1:3]
        v *= 2  # changes y's memory, but y's tangent would not follow
        return y

    with pytest.raises(RuntimeError, match="into a view of another tensor's memory"):
        mg.jvp(f, (np.ones(4),), (np.ones(4),))
    g = lambda x: (lambda y: (y.__setitem__(slice(1, 3), y[1:3] * 2), y)[1])(x * 1.0)  # noqa: E731
    np.testing.assert_array_equal(mg.jacfwd(g)(np.ones(4)).data, np.diag([1.0, 2.0, 2.0, 1.0]))


def test_hvp_names_a_mismatched_v():
    with pytest.raises(ValueError, match="hvp: v has a leaf of shape"):
        mg.hvp(lambda x: (x**3).sum(), np.ones(3), np.ones(2))


def test_forward_mode_refuses_a_tangent_made_stale_by_a_write_into_shared_memory():
    def f(x):
        y = x * 1.0
        v = y[1:3]
        y *= 2  # v's values double through the shared memory; its tangent would not
        return v

    for use in (lambda v: v, lambda v: v * 1.0):
        with pytest.raises(RuntimeError, match="stale tangent"):
            mg.jvp(lambda x, use=use: use(f(x)), (np.ones(4),), (np.ones(4),))
    with pytest.raises(RuntimeError, match="in place"):  # reverse mode agrees
        mg.jacrev(f)(np.ones(4))

    def g(x):  # writes into the tensor itself are followed exactly
        y = x * 1.0
        y *= 2
        y[0] = y[1] * 3
        return y * y

    x = np.array([1.0, 2.0, 3.0, 4.0])
    want = np.diag(8 * x)
    want[0] = [0.0, 72 * x[1], 0.0, 0.0]
    np.testing.assert_allclose(mg.jacfwd(g)(x).data, want, rtol=1e-14)


def test_np_copyto_into_a_tensor_being_differentiated_is_refused():
    def f(x):
        y = x * x
        np.copyto(y, 5.0)  # would overwrite y behind its graph and tangent
        return y.sum()

    x = np.array([1.0, 2.0, 3.0])
    for transform in (mg.grad(f), mg.jacfwd(f), lambda x: mg.jvp(f, (x,), (np.ones(3),))):
        with pytest.raises(TypeError, match="np.copyto into a Tensor"):
            transform(x)
    out = np.zeros(3)
    np.copyto(out, mg.Tensor(x, requires_grad=True) * 2)  # reading a tensor into an array is fine
    np.testing.assert_array_equal(out, 2 * x)
