"""Issue 10, item 8: a backward step costs time linear in the gradients it produces (joins of many inputs)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.tensor import Slice


def _calls_during(fn):
    """Number of Python-level calls made while running ``fn`` (a count, not a timing)."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("join", [mg.stack, lambda xs: mg.concatenate([x.reshape(1) for x in xs])])
def test_backward_through_a_join_is_linear_in_its_inputs(join):
    def work(n):
        xs = [mg.Tensor(float(i), requires_grad=True) for i in range(n)]
        loss = (join(xs) ** 2).sum()
        return _calls_during(loss.backward)

    small, large = work(500), work(2000)
    assert large < 4.5 * small  # quadratic would be ~16x


def test_stack_of_40000_scalars_backpropagates_the_right_gradient():
    xs = [mg.Tensor(float(i), requires_grad=True) for i in range(40000)]
    (mg.stack(xs) ** 2).sum().backward()
    assert xs[12345].grad == pytest.approx(2 * 12345.0)
    assert xs[-1].grad == pytest.approx(2 * 39999.0)


def test_concatenate_of_40000_scalars_backpropagates_the_right_gradient():
    xs = [mg.Tensor([float(i)], requires_grad=True) for i in range(40000)]
    (mg.concatenate(xs) * 3.0).sum().backward()
    assert all(x.grad[0] == 3.0 for x in xs[::997])


def test_join_vjps_are_slices_and_jvps_are_placements():
    a = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    b = mg.Tensor(np.ones((2, 2)), requires_grad=True)
    y = mg.concatenate([a, b], axis=1)
    assert all(type(v) is Slice for v in y._vjps)
    s = mg.stack([a, a], axis=2)
    assert all(type(v) is Slice for v in s._vjps)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_join_gradients_with_axes(axis):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    mg.gradcheck(lambda a, b: (mg.concatenate([a, b * b], axis=axis) ** 3).sum(), a, b)
    mg.gradcheck(lambda a, b: (mg.stack([a, b * b], axis=axis) ** 3).sum(), a, b)


def test_second_order_through_a_join():
    # f(x) = Σ stack([x, x²])³ = Σ x³ + x⁶;  f'' = 6x + 30x⁴
    x = np.array([1.0, 2.0])
    h = mg.hessian(lambda x: (mg.stack([x, x * x]) ** 3).sum())(x)
    np.testing.assert_allclose(np.diag(h.data), 6 * x + 30 * x**4)


@pytest.mark.parametrize("which", ["concatenate", "stack"])
def test_join_jvps_match_central_differences_and_the_vjp(which):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    join = (lambda *xs: mg.concatenate(xs, axis=1)) if which == "concatenate" else (lambda *xs: mg.stack(xs, axis=1))
    ta = rng.normal(size=(2, 3))
    y, out_tangent = mg.jvp(join, (a, b), (ta, np.zeros((2, 3))))
    eps = 1e-6
    numeric = (join(a + eps * ta, b).data - join(a - eps * ta, b).data) / (2 * eps)
    np.testing.assert_allclose(out_tangent.data, numeric, atol=1e-8)
    u = rng.normal(size=y.shape)  # <u, J v> == <J^T u, v>
    _, vjp_fn = mg.vjp(join, a, b)
    ga, _ = vjp_fn(u)
    assert np.sum(u * out_tangent.data) == pytest.approx(np.sum(ga.data * ta))


def test_forward_mode_through_a_wide_join_is_linear_in_its_inputs():
    # One joint JVP for all 20,000 inputs (per-input rules would build 20,000 full-size arrays).
    xs = tuple(np.array(float(i)) for i in range(20000))
    ts = tuple(np.array(1.0) for _ in xs)
    _, t = mg.jvp(lambda *v: mg.stack(v).sum(), xs, ts)
    assert t.item() == 20000.0
