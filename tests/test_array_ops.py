"""The NumPy-named array ops: forward equals NumPy, gradients and second order match finite
differences, JVP rules match central differences and the VJP, and the special points follow
shared/CONVENTIONS.md.

Inputs are drawn with minigrad.testing's strategies (random shapes with 0-d and size-1 axes,
broadcastable pairs) and its domains, plus a few domains of our own (tests/array_ops_support.py):
(-0.9, 0.9) for arcsin/arccos/arctanh, (-1.2, 1.2) for tan, and values with exact zeros for prod.
Gradient tolerances are assert_gradients_match's (rtol 1e-5, atol 1e-6 in float64; see
minigrad.testing); the JVP tolerances are in check_jvp's docstring. Forward values must equal NumPy's
to 1e-12 relative (most are NumPy's own function).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

import minigrad as mg
from minigrad.ops.methods import METHODS
from minigrad.testing import arrays, assert_gradients_match, broadcastable_shapes, shapes

from .array_ops_support import check_jvp, domain_arrays

ELEMENTARY = [
    # name, NumPy reference, domain (minigrad.testing's or ours)
    ("sin", np.sin, "real"),
    ("cos", np.cos, "real"),
    ("tan", np.tan, "tan"),
    ("arcsin", np.arcsin, "inside_unit"),
    ("arccos", np.arccos, "inside_unit"),
    ("arctan", np.arctan, "real"),
    ("sinh", np.sinh, "real"),
    ("cosh", np.cosh, "real"),
    ("arcsinh", np.arcsinh, "real"),
    ("arctanh", np.arctanh, "inside_unit"),
    ("log2", np.log2, "positive"),
    ("log10", np.log10, "positive"),
    ("exp2", np.exp2, "real"),
    ("square", np.square, "real"),
    ("reciprocal", np.reciprocal, "nonzero"),
    ("erf", special.erf, "real"),
    ("sign", np.sign, "separated"),
    ("floor", np.floor, "separated"),
    ("ceil", np.ceil, "separated"),
    ("round", np.round, "separated"),
]
ZERO_GRADIENT = {"sign", "floor", "ceil", "round"}


def _inputs(shape, domain, dtype=np.float64):
    if domain in ("inside_unit", "tan", "with_zeros"):
        return domain_arrays(shape, domain, dtype)
    return arrays(shape, domain, dtype)


@pytest.mark.parametrize("name, ref, domain", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
@given(data=st.data())
def test_elementary(name, ref, domain, data):
    op = getattr(mg, name)
    x = data.draw(_inputs(shapes(max_dims=2, max_side=4), domain))
    np.testing.assert_allclose(op(x).data, ref(x), rtol=1e-12, atol=1e-15)
    assert_gradients_match(op, x, order=2)
    check_jvp(op, x)
    if name in ZERO_GRADIENT:
        t = mg.Tensor(x, requires_grad=True)
        op(t).sum().backward()
        assert np.array_equal(t.grad, np.zeros_like(x))


@pytest.mark.parametrize("name, ref, domain", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
def test_elementary_float32(name, ref, domain):
    x = {"inside_unit": [-0.5, 0.25], "tan": [-1.0, 0.5], "positive": [0.5, 2.0], "nonzero": [-2.0, 0.75]}.get(
        domain, [-1.25, 0.65]
    )
    x32 = np.array(x, dtype=np.float32)
    t32, t64 = mg.Tensor(x32, requires_grad=True), mg.Tensor(np.float64(x), requires_grad=True)
    y32, y64 = getattr(mg, name)(t32), getattr(mg, name)(t64)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.data, y64.data, rtol=1e-6, atol=1e-7)
    y32.sum().backward()
    y64.sum().backward()
    assert t32.grad.dtype == np.float32
    np.testing.assert_allclose(t32.grad, t64.grad, rtol=1e-5, atol=1e-6)


def test_round_decimals():
    x = np.array([1.234, -5.678, 0.125])
    np.testing.assert_array_equal(mg.round(x, 2).data, np.round(x, 2))
    t = mg.Tensor(x, requires_grad=True)
    mg.round(t, 1).sum().backward()
    assert np.array_equal(t.grad, np.zeros(3))


# -- statistics ---------------------------------------------------------------------
@st.composite
def _axis_case(draw, max_side=4):
    """(x's shape, axis: None, an int or a tuple, keepdims)."""
    shape = draw(shapes(max_dims=3, max_side=max_side))
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-len(shape), len(shape) - 1) if shape else st.none(),
            st.lists(st.integers(0, max(len(shape) - 1, 0)), unique=True, max_size=len(shape)).map(tuple),
        )
    )
    return shape, axis, draw(st.booleans())


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


@pytest.mark.parametrize("name", ["var", "std"])
@given(data=st.data())
def test_var_std(name, data):
    shape, axis, keepdims = data.draw(_axis_case(max_side=3))  # at most 27 "separated" values
    n = _count(shape, axis)
    ddof = data.draw(st.integers(0, min(1, n - 1))) if n > 0 else 0
    # "separated" values are distinct, so a std over two or more elements is not 0 (its kink).
    x = data.draw(arrays(shape, "separated" if name == "std" else "real"))
    op = getattr(mg, name)

    def f(x):
        return op(x, axis=axis, ddof=ddof, keepdims=keepdims)

    np.testing.assert_allclose(f(x).data, getattr(np, name)(x, axis=axis, ddof=ddof, keepdims=keepdims), rtol=1e-12)
    if n - ddof > 0 and (name == "var" or n > 1):
        assert_gradients_match(f, x, order=2)
        check_jvp(f, x)


@given(data=st.data())
def test_prod(data):
    shape, axis, keepdims = data.draw(_axis_case())
    x = data.draw(domain_arrays(shape, "with_zeros"))

    def f(x):
        return mg.prod(x, axis=axis, keepdims=keepdims)

    np.testing.assert_allclose(f(x).data, np.prod(x, axis=axis, keepdims=keepdims), rtol=1e-12, atol=1e-300)
    assert_gradients_match(f, x, order=2)
    check_jvp(f, x)


def test_prod_third_order_with_zeros():
    x = np.array([[0.0, 0.0, 2.0, 1.5], [1.0, 0.0, 3.0, -1.0]])
    assert_gradients_match(lambda x: mg.prod(x, axis=1), x, order=3)


@given(data=st.data())
def test_cumsum(data):
    shape = data.draw(shapes(max_dims=3, max_side=4))
    axis = data.draw(st.none() | (st.integers(-len(shape), len(shape) - 1) if shape else st.none()))
    x = data.draw(arrays(shape))

    def f(x):
        return mg.cumsum(x, axis=axis)

    np.testing.assert_allclose(f(x).data, np.cumsum(x, axis=axis), rtol=1e-12, atol=1e-12)
    assert_gradients_match(f, x, order=2)
    check_jvp(f, x)


def test_statistics_keep_float32():
    x = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], dtype=np.float32)
    for f in (lambda t: mg.var(t, 1, ddof=1), lambda t: mg.std(t, 0), lambda t: mg.prod(t, 1), mg.cumsum):
        t = mg.Tensor(x, requires_grad=True)
        y = f(t)
        assert y.dtype == np.float32
        y.sum().backward()
        assert t.grad.dtype == np.float32


# -- layout ---------------------------------------------------------------------------
def _ints(lo, hi):
    return st.integers(lo, hi)


@st.composite
def _layout_case(draw, name):
    """(minigrad call, NumPy call, x) for one layout op with random arguments."""
    if name in ("tril", "triu", "diagonal"):
        shape = draw(shapes(min_dims=2, max_dims=4, max_side=4))
    elif name in ("split", "moveaxis", "take_along_axis", "repeat_axis", "expand_dims", "pad"):
        shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    else:
        shape = draw(shapes(max_dims=3, max_side=4))
    x = draw(arrays(shape))
    nd = len(shape)
    if name == "squeeze":
        ones = [i for i, n in enumerate(shape) if n == 1]
        axis = draw(st.none() | st.lists(st.sampled_from(ones), unique=True).map(tuple) if ones else st.none())
        return (lambda t: mg.squeeze(t, axis)), (lambda a: np.squeeze(a, axis)), x
    if name == "expand_dims":
        axis = draw(_ints(-nd - 1, nd))
        return (lambda t: mg.expand_dims(t, axis)), (lambda a: np.expand_dims(a, axis)), x
    if name == "flatten":
        return mg.flatten, (lambda a: a.flatten()), x
    if name == "ravel":
        return mg.ravel, np.ravel, x
    if name == "flip":
        axis = draw(st.none() | st.lists(_ints(0, nd - 1), unique=True).map(tuple) if nd else st.none())
        return (lambda t: mg.flip(t, axis)), (lambda a: np.flip(a, axis)), x
    if name == "roll":
        if nd and draw(st.booleans()):
            axis = tuple(draw(st.lists(_ints(-nd, nd - 1), min_size=1, max_size=3)))
            shift = tuple(draw(_ints(-5, 5)) for _ in axis)
        else:
            axis, shift = None, draw(_ints(-5, 5))
        return (lambda t: mg.roll(t, shift, axis)), (lambda a: np.roll(a, shift, axis)), x
    if name == "tile":
        reps = draw(_ints(1, 3) | st.lists(_ints(1, 3), min_size=1, max_size=4).map(tuple))
        return (lambda t: mg.tile(t, reps)), (lambda a: np.tile(a, reps)), x
    if name == "repeat_flat":
        reps = draw(_ints(0, 3) | st.just(tuple(draw(st.lists(_ints(0, 3), min_size=x.size, max_size=x.size)))))
        return (lambda t: mg.repeat(t, reps)), (lambda a: np.repeat(a, reps)), x
    if name == "repeat_axis":
        axis = draw(_ints(-nd, nd - 1))
        n = shape[axis]
        reps = draw(_ints(0, 3) | st.lists(_ints(0, 3), min_size=n, max_size=n).map(np.array))
        return (lambda t: mg.repeat(t, reps, axis)), (lambda a: np.repeat(a, reps, axis)), x
    if name == "pad":
        mode = draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
        width = tuple((draw(_ints(0, 2)), draw(_ints(0, 2))) for _ in range(nd))
        if mode == "constant":
            c = draw(st.floats(-2, 2))
            return (lambda t: mg.pad(t, width, constant_values=c)), (lambda a: np.pad(a, width, constant_values=c)), x
        return (lambda t: mg.pad(t, width, mode)), (lambda a: np.pad(a, width, mode)), x
    if name == "moveaxis":
        k = draw(_ints(1, nd))
        src = tuple(draw(st.permutations(range(nd)))[:k])
        dst = tuple(draw(st.permutations(range(-nd, 0)))[:k])
        return (lambda t: mg.moveaxis(t, src, dst)), (lambda a: np.moveaxis(a, src, dst)), x
    if name == "split":
        axis = draw(_ints(-nd, nd - 1))
        n = shape[axis]
        how = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]) | st.lists(_ints(0, n + 1)))
        count = len(np.split(x, how, axis))
        i = draw(_ints(0, count - 1))
        return (lambda t: mg.split(t, how, axis)[i]), (lambda a: np.split(a, how, axis)[i]), x
    if name == "take_along_axis":
        axis = draw(st.none() | _ints(-nd, nd - 1))
        if axis is None:
            idx = np.array(draw(st.lists(_ints(-x.size, x.size - 1), max_size=6)), dtype=np.int64)
        else:
            n = shape[axis]
            idx_shape = list(shape)
            idx_shape[axis] = draw(_ints(0, 5))
            idx = np.array(
                draw(st.lists(_ints(-n, n - 1), min_size=int(np.prod(idx_shape)), max_size=int(np.prod(idx_shape)))),
                dtype=np.int64,
            ).reshape(idx_shape)
        return (lambda t: mg.take_along_axis(t, idx, axis)), (lambda a: np.take_along_axis(a, idx, axis)), x
    if name in ("tril", "triu"):
        k = draw(_ints(-2, 2))
        return (lambda t: getattr(mg, name)(t, k)), (lambda a: getattr(np, name)(a, k)), x
    if name == "diagonal":
        a1, a2 = draw(st.permutations(range(nd)))[:2]
        offset = draw(_ints(-2, 2))
        return (lambda t: mg.diagonal(t, offset, a1, a2)), (lambda a: np.diagonal(a, offset, a1, a2)), x
    raise AssertionError(name)


LAYOUT = [
    "squeeze",
    "expand_dims",
    "flatten",
    "ravel",
    "flip",
    "roll",
    "tile",
    "repeat_flat",
    "repeat_axis",
    "pad",
    "moveaxis",
    "split",
    "take_along_axis",
    "tril",
    "triu",
    "diagonal",
]


@pytest.mark.parametrize("name", LAYOUT)
@given(data=st.data())
def test_layout(name, data):
    f, ref, x = data.draw(_layout_case(name))
    y = f(x)
    np.testing.assert_array_equal(y.data, ref(x))
    if y.size:
        assert_gradients_match(f, x, order=2)
    check_jvp(f, x)


@pytest.mark.parametrize("name", LAYOUT)
@given(data=st.data())
def test_layout_keeps_float32(name, data):
    f, ref, x = data.draw(_layout_case(name))
    t = mg.Tensor(x.astype(np.float32), requires_grad=True)
    y = f(t)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert t.grad.dtype == np.float32 and t.grad.shape == x.shape


def test_split_pieces_add_back_to_the_whole():
    x = mg.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    a, b, c = mg.split(x, [1, 3], axis=1)
    (a.sum() * 1 + b.sum() * 2 + c.sum() * 3).backward()
    np.testing.assert_array_equal(x.grad, np.tile([1.0, 2.0, 2.0, 3.0], (3, 1)))


# -- products -----------------------------------------------------------------------------
EINSUM = [
    # subscripts, operand shapes: matrix products, transposes, traces and diagonals (repeated letters),
    # implicit output, ellipses (with size-1 broadcasting), scalars, three operands
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ji", [(2, 3)]),
    ("aB", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i->i", [(1,), (3,)]),
    (",ij->ij", [(), (2, 3)]),
    ("...j,j", [(2, 3), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("i...i", [(2, 3, 2)]),
    ("b...,b...->...", [(2, 1, 3), (2, 4, 1)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ab,ab,ab->a", [(2, 3), (2, 3), (1, 3)]),
]


@pytest.mark.parametrize("subscripts, shapes_", EINSUM, ids=[e[0] for e in EINSUM])
@given(data=st.data())
def test_einsum(subscripts, shapes_, data):
    xs = [data.draw(arrays(s)) for s in shapes_]

    def f(*xs):
        return mg.einsum(subscripts, *xs)

    np.testing.assert_allclose(f(*xs).data, np.einsum(subscripts, *xs), rtol=1e-12, atol=1e-12)
    assert_gradients_match(f, *xs, order=2)
    check_jvp(f, *xs)


def test_einsum_same_tensor_twice_and_interleaved_form():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    t = mg.Tensor(x, requires_grad=True)
    mg.einsum("ij,ij->", t, t).backward()
    np.testing.assert_allclose(t.grad, 2 * x)
    y = mg.einsum(x, [Ellipsis, 0], x, [0, 1], [Ellipsis, 1])
    np.testing.assert_allclose(y.data, x @ x)
    np.testing.assert_allclose(mg.einsum(x, [1, 0]).data, np.einsum(x, [1, 0]))


def test_einsum_vjp_is_an_einsum():
    a, b = mg.Tensor(np.ones((2, 3)), requires_grad=True), mg.Tensor(np.ones((3, 4)), requires_grad=True)
    y = mg.einsum("ij,jk->ik", a, b)
    g = mg.Tensor(np.ones((2, 4)), requires_grad=True)
    da = y._vjps[0](g, y, a, b)
    assert da.op == "einsum" and da.shape == (2, 3)


@st.composite
def _dot_shapes(draw):
    k = draw(_ints(1, 3))
    a = draw(st.sampled_from([(), (k,), (2, k), (2, 1, k)]))
    if a == ():
        b = draw(shapes(max_dims=2, max_side=3))
    else:
        b = draw(st.sampled_from([(k,), (k, 3), (2, k, 2)]))
    if b == () or draw(st.booleans()):
        a, b = (b, a) if a == () else (a, b)
    return a, b


@given(data=st.data())
def test_dot(data):
    sa, sb = data.draw(_dot_shapes())
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    np.testing.assert_allclose(mg.dot(a, b).data, np.dot(a, b), rtol=1e-12, atol=1e-12)
    assert_gradients_match(mg.dot, a, b, order=2)
    check_jvp(mg.dot, a, b)


@given(data=st.data())
def test_tensordot_and_outer(data):
    a = data.draw(arrays(shapes(min_dims=1, max_dims=3, max_side=3)))
    n = data.draw(_ints(0, a.ndim))
    b = data.draw(
        arrays(st.tuples(*[st.just(s) for s in a.shape[a.ndim - n :]], *[_ints(1, 3)] * data.draw(_ints(0, 2))))
    )

    def td(a, b):
        return mg.tensordot(a, b, n)

    np.testing.assert_allclose(td(a, b).data, np.tensordot(a, b, n), rtol=1e-12, atol=1e-12)
    assert_gradients_match(td, a, b, order=2)
    check_jvp(td, a, b)
    np.testing.assert_allclose(mg.outer(a, b).data, np.outer(a, b), rtol=1e-12)
    assert_gradients_match(mg.outer, a, b, order=2)
    check_jvp(mg.outer, a, b)


TENSORDOT_AXES = [([1, 2], [1, 0]), ([-1], [0]), (0, 2), ([], [])]


@pytest.mark.parametrize("axes", TENSORDOT_AXES, ids=str)
@given(data=st.data())
def test_tensordot_named_axes(axes, data):
    a = data.draw(arrays((2, 3, 4)))
    b = data.draw(arrays({0: (4, 3, 2), 1: (4, 2), 2: (3, 1, 2)}.get(TENSORDOT_AXES.index(axes), (2,))))

    def f(a, b):
        return mg.tensordot(a, b, axes)

    np.testing.assert_allclose(f(a, b).data, np.tensordot(a, b, axes), rtol=1e-12, atol=1e-12)
    assert_gradients_match(f, a, b, order=2)
    check_jvp(f, a, b)


@given(data=st.data())
def test_einsum_broadcasts_like_numpy(data):
    sa, sb = data.draw(broadcastable_shapes(max_dims=3, max_side=3))
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))

    def f(a, b):
        return mg.einsum("...,...->...", a, b)

    np.testing.assert_allclose(f(a, b).data, a * b, rtol=1e-12)
    assert_gradients_match(f, a, b, order=2)
    check_jvp(f, a, b)


# -- special points (shared/CONVENTIONS.md) ---------------------------------------------------
def _grad(f, x, g=None):
    t = mg.Tensor(np.array(x, dtype=np.float64), requires_grad=True)
    y = f(t)
    y.backward(np.ones(y.shape) if g is None else np.array(g, dtype=np.float64))
    return t.grad


SPECIAL = [
    # (row of CONVENTIONS.md, function, input, expected gradient of f(x).sum())
    ("sign at 0", mg.sign, [0.0], [0.0]),
    ("floor at 0.5", mg.floor, [0.5], [0.0]),
    ("round at 0.5", mg.round, [0.5], [0.0]),
    ("ceil at 1", mg.ceil, [1.0], [0.0]),
    ("arcsin at 1", mg.arcsin, [1.0], [np.inf]),
    ("arccos at 1", mg.arccos, [1.0], [-np.inf]),
    ("arctanh at 1", mg.arctanh, [1.0], [np.inf]),
    ("prod with a zero", mg.prod, [0.0, 2.0, 3.0], [6.0, 0.0, 0.0]),
    ("prod with two zeros", mg.prod, [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
    ("std of equal values", mg.std, [2.0, 2.0], [0.0, 0.0]),
    ("std of one value", mg.std, [5.0], [0.0]),
    ("mean over an empty axis", lambda t: mg.mean(t, axis=0), np.zeros((0,)), np.zeros((0,))),
    ("var over an empty axis", lambda t: mg.var(t, axis=0), np.zeros((0, 2)), np.zeros((0, 2))),
    ("prod over an empty axis", lambda t: mg.prod(t, axis=0), np.zeros((0, 2)), np.zeros((0, 2))),
]


@pytest.mark.parametrize("row, f, x, expected", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_points(row, f, x, expected):
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        np.testing.assert_array_equal(_grad(f, x), np.array(expected))
    # NumPy's own warning for a variance of nothing (its value is nan, as NumPy's); no other warning.
    nothing = {"Degrees of freedom <= 0 for slice", "Mean of empty slice"}
    expected_warnings = nothing if row == "var over an empty axis" else set()
    assert {str(w.message) for w in seen} <= expected_warnings


@pytest.mark.parametrize("op", [mg.arcsin, mg.arccos, mg.arctanh])
def test_inverse_trig_sends_exact_zero_where_the_gradient_is_zero(op):
    # At the pole the derivative is infinite; a zero gradient arriving there stays 0, not 0·inf = nan.
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(_grad(op, [1.0, -1.0, 0.5], [0.0, 0.0, 0.0]), [0.0, 0.0, 0.0])
        t = mg.Tensor(np.array([1.0, 0.5]), requires_grad=True)
        mg.where(np.array([False, True]), op(t), 0.0).sum().backward()
    assert t.grad[0] == 0.0 and np.isfinite(t.grad[1])


def test_std_second_order_at_equal_values_is_finite():
    (h,) = [mg.grad(lambda x: mg.grad(lambda y: mg.std(y))(x).sum())(np.array([2.0, 2.0, 2.0]))]
    assert np.all(np.isfinite(h.data))


def test_prod_second_order_with_one_zero():
    # d²/dx_i dx_j of x0·x1·x2 is the product of the third element.
    x = np.array([0.0, 2.0, 3.0])
    hess = mg.jacobian(mg.grad(mg.prod))(x).data  # reverse over reverse: prod's VJP differentiated
    np.testing.assert_array_equal(hess, [[0.0, 3.0, 2.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]])


# -- errors and the methods table ----------------------------------------------------------------
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mg.squeeze(np.ones((2, 3)), 0), "squeeze: cannot squeeze axis 0"),
        (lambda: mg.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))), "einsum:"),
        (lambda: mg.einsum("ij,jk", np.ones((2, 3))), "einsum:"),
        (lambda: mg.dot(np.ones((2, 3)), np.ones((2, 3))), "dot:"),
        (lambda: mg.tensordot(np.ones((2, 3)), np.ones((2, 3)), 1), "tensordot:"),
        (lambda: mg.pad(np.ones(3), 1, mode="mean"), "pad: mode 'mean' is not supported"),
        (lambda: mg.split(np.ones(5), 2), "split:"),
        (lambda: mg.tril(np.ones(3)), "tril: needs at least 2 dimensions"),
        (lambda: mg.take_along_axis(np.ones(3), np.array([0.5]), 0), "take_along_axis: indices must be integers"),
        (lambda: mg.var(np.ones((2, 3)), axis=2), "var: axis 2 is out of range"),
        (lambda: mg.cumsum(np.ones((2, 3)), axis=(0, 1)), "cumsum: axis must be a single int"),
        (lambda: mg.roll(np.ones(3), 1, axis=2), "roll: axis 2 is out of bounds"),
        (lambda: mg.tile(np.ones(3), -1), "tile: negative dimensions"),
        (lambda: mg.repeat(np.ones(3), [1, 2]), "repeat:"),
        (lambda: mg.pad(np.ones(3), -1, "edge"), "pad:"),
        (lambda: mg.diagonal(np.ones((2, 2)), 0, 0, 0), "diagonal:"),
        (lambda: mg.moveaxis(np.ones((2, 2)), 0, 5), "moveaxis:"),
        (lambda: mg.expand_dims(np.ones((2, 2)), 5), "expand_dims:"),
    ],
)
def test_errors_name_the_op(call, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")):
        call()


def test_methods_table_names_the_ops():
    assert set(METHODS) >= {"sin", "var", "std", "prod", "cumsum", "squeeze", "flatten", "diagonal", "dot"}
    for name, fn in METHODS.items():
        assert fn is getattr(mg, name)
    assert mg.trace.__module__.startswith("minigrad.tape")  # the tape view kept its name


def test_methods_work_bound_to_a_tensor():
    # What the lead's attach loop (setattr(Tensor, name, fn)) gives: the tensor as the first argument.
    x = mg.Tensor(np.array([[1.0, 2.0], [3.0, 5.0]]), requires_grad=True)
    np.testing.assert_allclose(METHODS["var"].__get__(x)(axis=0, ddof=1).data, np.var(x.data, axis=0, ddof=1))
    np.testing.assert_array_equal(METHODS["flatten"].__get__(x)().data, x.data.flatten())
    np.testing.assert_array_equal(METHODS["diagonal"].__get__(x)().data, np.diagonal(x.data))


THIRD_ORDER = {
    "arcsin": mg.arcsin,
    "tan": mg.tan,
    "erf": mg.erf,
    "std": lambda t: mg.std(t, 1, ddof=1),
    "var": lambda t: mg.var(t, 0),
    "einsum": lambda t: mg.einsum("ij,kj->ik", t, mg.sin(t)),
    "diagonal": lambda t: mg.diagonal(t * t, 1),
    "pad": lambda t: mg.pad(t * t, 1, "symmetric"),
    "cumsum": lambda t: mg.cumsum(t * t, 0),
    "take_along_axis": lambda t: mg.take_along_axis(t * t, np.array([[0, 0, 3]]), 1),
}


@pytest.mark.parametrize("name", THIRD_ORDER)
def test_third_order(name):
    x = np.random.default_rng(1).uniform(-0.8, 0.8, (3, 4))
    assert_gradients_match(THIRD_ORDER[name], x, order=3)


def test_statistics_take_numpys_dtype_and_refuse_out():
    x = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    t = mg.Tensor(x, requires_grad=True)
    y = mg.var(t, 0, np.float64, None, 1)  # NumPy's positional order: axis, dtype, out, ddof
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.data, np.var(x, 0, np.float64, None, 1), rtol=1e-12)
    y.backward()
    assert t.grad.dtype == np.float32
    with pytest.raises(TypeError, match="prod: out= is not supported"):
        mg.prod(x, out=np.empty(()))
    with pytest.raises(TypeError, match="cumsum: dtype must be floating"):
        mg.cumsum(x, dtype=np.int64)
