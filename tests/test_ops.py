"""Every op: forward equals NumPy, and first- and second-order gradients match finite differences.

Inputs come from minigrad.testing domains (see its docstring): random shapes
including 0-d and size-1 axes, broadcastable pairs, and values where each op
is smooth (log/sqrt on positives, division away from zero, max/relu/abs away
from ties and kinks). Gradients are checked with the shipped helper
minigrad.testing.assert_gradients_match, to second order; its docstring gives the tolerances.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import arrays, assert_gradients_match, broadcastable_shapes, matmul_shapes, shapes

UNARY = [
    # name, minigrad op, NumPy reference, input domain
    ("exp", mg.exp, np.exp, "real"),
    ("log", mg.log, np.log, "positive"),
    ("tanh", mg.tanh, np.tanh, "real"),
    ("sigmoid", mg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "real"),
    ("relu", mg.relu, lambda x: np.maximum(x, 0), "separated"),
    ("abs", mg.abs, np.abs, "separated"),
    ("sqrt", mg.sqrt, np.sqrt, "positive"),
    ("neg", lambda x: -x, np.negative, "real"),
    ("clip", lambda x: mg.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1, 1), "separated"),
    ("pow 3", lambda x: x**3, lambda x: x**3, "real"),
    ("pow 2", lambda x: x**2, lambda x: x**2, "real"),
    ("pow -1.5", lambda x: x**-1.5, lambda x: x**-1.5, "positive"),
    ("rpow", lambda x: 2.0**x, lambda x: 2.0**x, "real"),
    ("rsub", lambda x: 1 - x, lambda x: 1 - x, "real"),
    ("rdiv", lambda x: 2.0 / x, lambda x: 2.0 / x, "nonzero"),
]


@pytest.mark.parametrize("name, op, ref, domain", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary(name, op, ref, domain, data):
    x = data.draw(arrays(shapes(max_dims=2, max_side=4), domain))
    np.testing.assert_allclose(op(mg.Tensor(x)).data, ref(x), rtol=1e-12, atol=1e-12)
    assert_gradients_match(op, x, order=2)


BINARY = [
    ("add", mg.add, np.add, "real", "real"),
    ("sub", mg.sub, np.subtract, "real", "real"),
    ("mul", mg.mul, np.multiply, "real", "real"),
    ("div", mg.div, np.divide, "real", "nonzero"),
    ("pow", mg.pow, np.power, "positive", "real"),
    ("maximum", mg.maximum, np.maximum, "separated", "separated"),
    ("minimum", mg.minimum, np.minimum, "separated", "separated"),
]


@pytest.mark.parametrize("name, op, ref, da, db", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_broadcasting(name, op, ref, da, db, data):
    shape_a, shape_b = data.draw(broadcastable_shapes(max_dims=3, max_side=3))
    a = data.draw(arrays(shape_a, da))
    b = data.draw(arrays(shape_b, db))
    if db == "separated":
        b = b - 0.025  # the two grids never meet: no ties between a and b
    np.testing.assert_allclose(op(mg.Tensor(a), mg.Tensor(b)).data, ref(a, b), rtol=1e-12)
    assert_gradients_match(op, a, b, order=2)


@given(data=st.data())
def test_where(data):
    shape_a, shape_b, shape_c = data.draw(broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    a, b = data.draw(arrays(shape_a)), data.draw(arrays(shape_b))
    cond = data.draw(arrays(shape_c)) > 0
    np.testing.assert_array_equal(mg.where(cond, a, b).data, np.where(cond, a, b))
    assert_gradients_match(lambda a, b: mg.where(cond, a, b), a, b, order=2)


def _axis_and_keepdims(data, ndim):
    axis = data.draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1) if ndim else st.none(),
            st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple) if ndim else st.none(),
        )
    )
    return axis, data.draw(st.booleans())


REDUCTIONS = [
    ("sum", mg.sum, np.sum, "real"),
    ("mean", mg.mean, np.mean, "real"),
    ("max", mg.max, np.max, "separated"),
    ("min", mg.min, np.min, "separated"),
    ("logsumexp", mg.logsumexp, None, "real"),
]


@pytest.mark.parametrize("name, op, ref, domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(data=st.data())
def test_reductions(name, op, ref, domain, data):
    x = data.draw(arrays(shapes(max_dims=3, max_side=3), domain))
    axis, keepdims = _axis_and_keepdims(data, x.ndim)
    if ref is None:
        m = np.max(x, axis=axis, keepdims=True)
        expected = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        expected = expected if keepdims else np.squeeze(expected, axis=axis)
    else:
        expected = ref(x, axis=axis, keepdims=keepdims)
    out = op(mg.Tensor(x), axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert_gradients_match(lambda t: op(t, axis=axis, keepdims=keepdims), x, order=2)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_family(name, data):
    x = data.draw(arrays(shapes(min_dims=1, max_dims=3, max_side=4)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    op = getattr(mg, name)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    p = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(op(mg.Tensor(x), axis=axis).data, p if name == "softmax" else np.log(p), atol=1e-12)
    assert_gradients_match(lambda t: op(t, axis=axis), x, order=2)


@given(data=st.data())
def test_matmul_shapes(data):
    left, right = data.draw(matmul_shapes(max_side=3))
    a, b = data.draw(arrays(left)), data.draw(arrays(right))
    np.testing.assert_allclose(mg.matmul(a, mg.Tensor(b)).data, a @ b, rtol=1e-12)
    assert_gradients_match(mg.matmul, a, b, order=2)


@given(data=st.data())
def test_reshape_transpose(data):
    x = data.draw(arrays(shapes(max_dims=3, max_side=3)))
    perm = data.draw(st.permutations(range(x.ndim)))
    assert_gradients_match(lambda t: t.reshape(-1), x, order=2)
    assert_gradients_match(lambda t: t.transpose(*perm), x, order=2)
    np.testing.assert_array_equal(mg.Tensor(x).transpose(*perm).data, x.transpose(perm))
    np.testing.assert_array_equal(mg.Tensor(x).T.data, x.T)


@given(data=st.data())
def test_indexing_basic_and_fancy_with_repeats(data):
    x = data.draw(arrays(shapes(min_dims=2, max_dims=2, max_side=4)))
    rows = data.draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=6))
    cols = data.draw(st.lists(st.integers(0, x.shape[1] - 1), min_size=len(rows), max_size=len(rows)))
    idx = (np.array(rows), np.array(cols))
    np.testing.assert_array_equal(mg.Tensor(x)[idx].data, x[idx])
    assert_gradients_match(lambda t: t[idx], x, order=2)
    assert_gradients_match(lambda t: t[1:, ::-1], x, order=2)
    assert_gradients_match(lambda t: t[np.array(rows)], x, order=2)
    assert_gradients_match(lambda t: t[x > 0], x, order=2)


def test_repeated_index_gradients_add_up():
    x = mg.Tensor(np.arange(3.0), requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


@given(data=st.data())
def test_concatenate_and_stack(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    xs = [data.draw(arrays(shape)) for _ in range(3)]
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    np.testing.assert_array_equal(mg.concatenate(xs, axis=axis).data, np.concatenate(xs, axis=axis))
    np.testing.assert_array_equal(mg.stack(xs, axis=axis).data, np.stack(xs, axis=axis))
    assert_gradients_match(lambda *ts: mg.concatenate(ts, axis=axis), *xs, order=2)
    assert_gradients_match(lambda *ts: mg.stack(ts, axis=axis), *xs, order=2)


def test_max_splits_ties_evenly():
    x = mg.Tensor(np.array([1.0, 3.0, 3.0, 2.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])
    a = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = mg.Tensor(np.array([1.0, 3.0]), requires_grad=True)
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_family_is_finite_at_extreme_logits(dtype):
    z = mg.Tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]], dtype=dtype), requires_grad=True)
    for op in (mg.softmax, mg.log_softmax):
        out = op(z)
        assert out.dtype == dtype and np.all(np.isfinite(out.data))
        (out * np.arange(3.0).astype(dtype)).sum().backward()
        assert np.all(np.isfinite(z.grad)) and z.grad.dtype == dtype
        z.grad = None
    rtol = 1e-12 if dtype == np.float64 else 1e-4  # float32 spacing at |x| = 1000 is 6e-5
    lse = mg.logsumexp(z, axis=1)
    np.testing.assert_allclose(lse.data, [1000.0, -999.0 + np.log1p(2 * np.exp(-1.0))], rtol=rtol)
    lse.sum().backward()
    np.testing.assert_allclose(z.grad.sum(axis=1), [1.0, 1.0], rtol=rtol)
    np.testing.assert_allclose(mg.log_softmax(z).data[0], [0.0, -2000.0, -1000.0])
