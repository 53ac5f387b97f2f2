"""Issue 11, item 6: PyTorch habits: requires_grad_, retain_grad, register_hook, create_graph, inputs=, no_grad."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def test_requires_grad_in_place():
    t = mg.Tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    t.requires_grad_(False)
    assert not t.requires_grad


def test_requires_grad_errors():
    with pytest.raises(TypeError, match="only floating tensors"):
        mg.Tensor([1, 2]).requires_grad_()
    y = mg.Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only leaves"):
        y.requires_grad_(False)


def test_retain_grad_keeps_the_gradient_of_an_intermediate():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)
    np.testing.assert_allclose(x.grad, 3 * 2 * h.data)
    other = x * 4
    (other * other).sum().backward()
    assert other.grad is None  # not retained


def test_register_hook_sees_and_replaces_the_gradient():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    h.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_array_equal(seen[0], [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [30.0, 30.0])


def test_hook_on_a_leaf_runs_before_accumulation_and_can_be_removed():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    remove = x.register_hook(lambda g: g * 0)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    remove()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_hook_returning_a_wrong_shape_raises():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(RuntimeError, match=r"register_hook.*\(3,\).*\(2,\)"):
        (x * 2).sum().backward()


def test_register_hook_on_a_constant_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.Tensor([1.0]).register_hook(lambda g: g)


def test_double_backward_with_create_graph():
    x = mg.Tensor(3.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, mg.Tensor) and g.requires_grad
    assert g.item() == pytest.approx(27.0)
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(18.0)  # d²/dx² x³ = 6x


def test_create_graph_grad_accumulates_as_in_pytorch():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    (x * x).sum().backward(create_graph=True)
    assert isinstance(x.grad, mg.Tensor)
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])


def test_default_backward_grad_stays_an_array():
    x = mg.Tensor([1.0], requires_grad=True)
    (x * x).sum().backward()
    assert type(x.grad) is np.ndarray


def test_backward_inputs_accumulates_only_into_those():
    a = mg.Tensor(2.0, requires_grad=True)
    b = mg.Tensor(5.0, requires_grad=True)
    h = a * b
    (h * h).backward(inputs=[a, h])
    assert a.grad == pytest.approx(2 * 10.0 * 5.0)
    assert h.grad == pytest.approx(20.0)
    assert b.grad is None


def test_backward_inputs_must_require_grad():
    a = mg.Tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="inputs="):
        (a * a).backward(inputs=[mg.Tensor(1.0)])


def test_no_grad_as_bare_decorator_called_decorator_and_context():
    @mg.no_grad
    def bare():
        return mg.is_grad_enabled()

    @mg.no_grad()
    def called():
        return mg.is_grad_enabled()

    assert bare() is False and called() is False and mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            assert mg.is_grad_enabled()
    assert bare.__name__ == "bare"

    @mg.enable_grad
    def inner():
        return mg.is_grad_enabled()

    with mg.no_grad():
        assert inner() is True


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError
    assert mg.is_grad_enabled()


def test_no_grad_is_per_thread():
    import threading

    seen = []
    with mg.no_grad():
        t = threading.Thread(target=lambda: seen.append(mg.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_module_zero_grad_set_to_none():
    net = mg.nn.Linear(2, 1)
    net(mg.Tensor(np.ones((3, 2)))).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(type(p.grad) is np.ndarray and not p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_hook_under_create_graph_gets_a_recorded_gradient_and_may_return_an_array():
    x = mg.Tensor(2.0, requires_grad=True)
    y = x**3
    seen = []
    y.register_hook(lambda g: seen.append(type(g)) or np.array(2.0))
    (y * 1.0).backward(create_graph=True)
    assert seen == [mg.Tensor]
    assert isinstance(x.grad, mg.Tensor) and x.grad.item() == pytest.approx(2.0 * 3 * 4.0)
