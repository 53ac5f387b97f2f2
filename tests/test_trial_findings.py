"""Traps a fresh user found: ndarray subclasses, iterating a 0-d tensor, formatting, optimizers after
double backward. Each asserts the NumPy/PyTorch behaviour minigrad now follows."""

import numpy as np
import pytest

import minigrad as mg


def test_np_matrix_becomes_a_plain_array_so_gradients_stay_elementwise():
    t = mg.Tensor(np.matrix([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    assert type(t.data) is np.ndarray
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [[2.0, 4.0], [6.0, 8.0]])  # 2t, not a matrix product
    assert mg.Tensor(np.matrix([[1.0, 2.0]])).sum(axis=1).shape == (1,)


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
