"""The PyTorch habits of issue 11, compared with PyTorch itself (skipped when torch is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # torch warns about create_graph cycles


def test_remainder_and_its_gradients_match_torch():
    a, b = np.array([7.0, -7.0, 5.5, 0.3]), np.array([3.0, 3.0, -2.0, 0.7])
    ma, mb = mg.Tensor(a, requires_grad=True), mg.Tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (ma % mb).sum().backward()
    torch.remainder(ta, tb).sum().backward()
    np.testing.assert_allclose(ma.grad, ta.grad.numpy())
    np.testing.assert_allclose(mb.grad, tb.grad.numpy())


def test_double_backward_matches_torch():
    x0 = np.array([0.5, -1.5, 2.0])
    mx = mg.Tensor(x0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    (mg.tanh(mx) ** 3).sum().backward(create_graph=True)
    (torch.tanh(tx) ** 3).sum().backward(create_graph=True)
    np.testing.assert_allclose(mx.grad.data, tx.grad.detach().numpy())
    mg_g, t_g = mx.grad, tx.grad
    mx.grad, tx.grad = None, None
    (mg_g * mg_g).sum().backward()
    (t_g * t_g).sum().backward()
    np.testing.assert_allclose(mx.grad, tx.grad.numpy(), rtol=1e-12)


def test_hooks_and_retain_grad_match_torch():
    x0 = np.array([1.0, -2.0])
    results = []
    for lib, make in (
        (mg, lambda: mg.Tensor(x0, requires_grad=True)),
        (torch, lambda: torch.tensor(x0, requires_grad=True)),
    ):
        x = make()
        h = x * 3
        h.retain_grad()
        h.register_hook(lambda g: g * 2)
        x.register_hook(lambda g: g + 1)
        (h * h).sum().backward()
        hg = h.grad if lib is mg else h.grad.numpy()
        xg = x.grad if lib is mg else x.grad.numpy()
        results.append((np.asarray(hg), np.asarray(xg)))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])


def test_inplace_on_non_leaf_matches_torch():
    x0 = np.array([1.0, 2.0, 3.0])
    mx, tx = mg.Tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    my, ty = mx * 2, tx * 2
    my += mx**2
    ty += tx**2
    my *= 3.0
    ty *= 3.0
    my[0] = 10.0
    ty[0] = 10.0
    (my * my).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(my.data, ty.detach().numpy())
    np.testing.assert_allclose(mx.grad, tx.grad.numpy())


def test_version_counters_count_like_torch():
    m, t = mg.Tensor(np.zeros(4)), torch.zeros(4, dtype=torch.float64)
    mv, tv = m[1:3], t[1:3]
    for a in (m, t):
        a += 1
    mv *= 2
    tv *= 2
    m[0] = 5.0
    t[0] = 5.0
    assert m._version == t._version and mv._version == tv._version
