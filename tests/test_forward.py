"""Forward mode (jvp, jacfwd) against closed forms, finite differences and reverse mode; nesting both ways.

Tolerances: forward and reverse mode evaluate the same derivative formulas in a
different order, so they agree to rounding (rtol 1e-12 in float64); central
differences with step 1e-6 agree to about 1e-8 on these smooth functions (rtol 1e-6).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import arrays, shapes

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.1, 0.2, 0.3]])


def net(x):
    """A small composition of elementwise, linear and reduction ops: R^3 -> R^3."""
    return mg.tanh(A @ x) * x + mg.exp(x * 0.5) / (1 + x * x)


def scalar(x):
    return (mg.sigmoid(A @ x) * x).sum() + mg.logsumexp(x)


def central_jvp(f, x, v, h=1e-6):
    return (np.asarray(f(mg.Tensor(x + h * v)).data) - np.asarray(f(mg.Tensor(x - h * v)).data)) / (2 * h)


@given(arrays(st.just((3,))), arrays(st.just((3,))))
def test_jvp_matches_central_differences_and_reverse_mode(x, v):
    out, t = mg.jvp(net, (x,), (v,))
    np.testing.assert_allclose(out.data, net(mg.Tensor(x)).data, rtol=1e-12)
    np.testing.assert_allclose(t.data, central_jvp(net, x, v), rtol=1e-6, atol=1e-8)
    # <u, J v> computed by forward mode equals <Jᵀ u, v> computed by reverse mode.
    u = np.linspace(-1.0, 1.0, 3)
    _, vjp_fn = mg.vjp(net, x)
    (ju,) = vjp_fn(u)
    np.testing.assert_allclose(u @ t.data, ju.data @ v, rtol=1e-10, atol=1e-12)


@given(arrays(st.just((3,))))
def test_jacfwd_equals_jacrev(x):
    np.testing.assert_allclose(mg.jacfwd(net)(x).data, mg.jacrev(net)(x).data, rtol=1e-12, atol=1e-14)


def test_jacobian_shapes_follow_out_then_in():
    x = np.ones((2, 3))
    f = lambda x: (x * 2).sum(axis=0)  # (3,) from (2, 3)
    for jac in (mg.jacfwd, mg.jacrev, mg.jacobian):
        J = jac(f)(x)
        assert J.shape == (3, 2, 3)
        np.testing.assert_array_equal(J.data, 2 * np.broadcast_to(np.eye(3)[:, None, :], (3, 2, 3)))


def test_jacobians_with_argnums_tuples_return_tuples():
    f = lambda a, b: a * b
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    for jac in (mg.jacfwd, mg.jacrev):
        Ja, Jb = jac(f, argnums=(0, 1))(a, b)
        np.testing.assert_array_equal(Ja.data, np.diag(b))
        np.testing.assert_array_equal(Jb.data, np.diag(a))


def test_hessian_and_hvp_both_strategies_agree_with_closed_form():
    M = A + A.T
    f = lambda x: 0.5 * (x @ (M @ x)) + mg.exp(x).sum()
    x, v = np.array([0.5, -0.25, 1.0]), np.array([1.0, 2.0, -1.0])
    H = M + np.diag(np.exp(x))
    np.testing.assert_allclose(mg.hessian(f)(x).data, H, rtol=1e-12)
    np.testing.assert_allclose(mg.hvp(f, x, v).data, H @ v, rtol=1e-12)
    forward_over_reverse = mg.jvp(mg.grad(f), (x,), (v,))[1]
    np.testing.assert_allclose(forward_over_reverse.data, H @ v, rtol=1e-12)
    np.testing.assert_allclose(mg.jacfwd(mg.jacrev(f))(x).data, H, rtol=1e-12)


def test_nesting_forward_over_forward_and_reverse_over_forward():
    x, v = np.array([0.3, -0.7, 1.2]), np.array([1.0, 2.0, -1.0])
    H = mg.hessian(scalar)(x).data
    second = mg.jvp(lambda y: mg.jvp(scalar, (y,), (v,))[1], (x,), (v,))[1]
    np.testing.assert_allclose(second.data, v @ H @ v, rtol=1e-10)
    rev_over_fwd = mg.grad(lambda y: mg.jvp(scalar, (y,), (v,))[1])(x)
    np.testing.assert_allclose(rev_over_fwd.data, H @ v, rtol=1e-10)
    # Third order along v three ways: forward³, forward over (forward over reverse), finite differences of vᵀHv.
    d1 = lambda y: mg.jvp(scalar, (y,), (v,))[1]
    d2 = lambda y: mg.jvp(d1, (y,), (v,))[1]
    third = mg.jvp(d2, (x,), (v,))[1].data
    via_hvp = mg.jvp(lambda y: mg.hvp(scalar, y, v), (x,), (v,))[1].data @ v
    h = 1e-4
    vHv = lambda y: v @ mg.hessian(scalar)(y).data @ v
    np.testing.assert_allclose(third, via_hvp, rtol=1e-10)
    np.testing.assert_allclose(third, (vHv(x + h * v) - vHv(x - h * v)) / (2 * h), rtol=1e-6)


def test_jvp_keeps_no_graph_and_gives_zero_tangent_to_constant_outputs():
    x = np.array([1.0, 2.0])
    out, t = mg.jvp(lambda x: (mg.tanh(x), mg.Tensor(np.ones(3))), (x,), (np.ones(2),))
    assert not out[0].requires_grad and out[0].is_leaf
    np.testing.assert_array_equal(t[1].data, np.zeros(3))


@given(arrays(shapes(max_dims=2, max_side=3)))
def test_jvp_float32_stays_float32(x):
    x = x.astype(np.float32)
    out, t = mg.jvp(lambda x: mg.tanh(x) * 2.0, (x,), (np.ones_like(x),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_allclose(t.data, 2 * (1 - np.tanh(x) ** 2), rtol=1e-5, atol=1e-6)


def test_jvp_errors_are_clear():
    with pytest.raises(TypeError, match="tuples"):
        mg.jvp(mg.tanh, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"tangent has shape \(3,\) but its primal has shape \(2,\)"):
        mg.jvp(mg.tanh, (np.ones(2),), (np.ones(3),))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        mg.jvp(mg.tanh, (np.ones(2),), (np.ones(2), np.ones(2)))
    with pytest.raises(TypeError, match="returned a float"):
        mg.jvp(lambda x: 2.0, (np.ones(2),), (np.ones(2),))


def test_custom_op_with_and_without_a_jvp_rule():
    def fwd(z):
        a = np.tanh(z)
        return a, a

    def bwd(a, g):
        return g * (1 - a**2)

    def tangent(a, t):
        return t * (1 - a**2)

    plain = mg.custom_vjp(fwd, bwd, name="my_tanh")
    with_jvp = mg.custom_vjp(fwd, bwd, name="my_tanh", jvp=tangent)
    x, v = np.array([0.5, -1.0]), np.array([2.0, 1.0])
    with pytest.raises(mg.ForwardModeError, match="my_tanh"):
        mg.jvp(plain, (x,), (v,))
    _, t = mg.jvp(with_jvp, (x,), (v,))
    np.testing.assert_allclose(t.data, v * (1 - np.tanh(x) ** 2), rtol=1e-12)
    np.testing.assert_allclose(mg.jacfwd(with_jvp)(x).data, mg.jacrev(with_jvp)(x).data, rtol=1e-12)


def test_jvp_and_grad_accept_tensors_traced_by_an_outer_transform():
    # d/dw of the directional derivative of w·x² along v at x: 2 x·v.
    x, v = np.array([1.0, 3.0]), np.array([0.5, 1.0])
    outer = mg.grad(lambda w: mg.jvp(lambda x: (w * x * x).sum(), (x,), (v,))[1])(np.array(2.0))
    np.testing.assert_allclose(outer.data, 2 * x @ v)


def test_every_composition_of_jacobians_gives_the_hessian():
    # jacrev(jacfwd) once saw every column's tangent as the last one: the recorded graph
    # kept a basis array that the next column overwrote.
    x = np.array([0.3, -0.5, 0.8])
    f = lambda x: (mg.sin(x) * x[::-1]).sum() + mg.tanh(x * x).sum()  # noqa: E731
    H = mg.hessian(f)(x).data
    for outer in (mg.jacfwd, mg.jacrev):
        for inner in (mg.jacfwd, mg.jacrev):
            np.testing.assert_allclose(outer(inner(f))(x).data, H, rtol=1e-12, atol=1e-14)


def test_derivatives_of_a_custom_ops_numpy_rules_are_refused():
    t = mg.custom_vjp(
        lambda z: (np.tanh(z), np.tanh(z)), lambda a, g: g * (1 - a**2), name="np_tanh", jvp=lambda a, v: v * (1 - a**2)
    )
    x = np.array([0.5, -0.2])
    np.testing.assert_allclose(mg.jacfwd(t)(x).data, np.diag(1 - np.tanh(x) ** 2), rtol=1e-12)
    with pytest.raises(mg.SecondOrderError, match="np_tanh"):
        mg.jacfwd(mg.jacfwd(t))(x)  # forward over forward through the jvp rule
    with pytest.raises(mg.SecondOrderError, match="np_tanh"):
        mg.jvp(mg.grad(lambda x: t(x).sum()), (x,), (np.ones(2),))  # forward over reverse through backward
