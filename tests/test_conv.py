"""Convolutions and pooling (minigrad.nn.functional): forward against naive loops and PyTorch, gradients to
second order against finite differences, the unfold/fold and take/put JVP and VJP rules, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.nn import _windows as W
from minigrad.nn import functional as F
from minigrad.testing import assert_gradients_match

from ._rules import check_rules


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """Textbook loops over output pixels: out[n, o, i, j] = Σ w[o, c, p, q] x_pad[n, g·Cg + c, s·i + d·p, s·j + d·q]."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    og = o // groups
    out = np.zeros((n, o, oh, ow))
    for oc in range(o):
        g = oc // og
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg : (g + 1) * cg, i * sh : i * sh + dh * kh : dh, j * sw : j * sw + dw * kw : dw]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3)) + (0 if b is None else b[oc])
    return out


def naive_pool(x, k, s, p, d, reduce, fill):
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    oh, ow = (h + 2 * p - d * (k - 1) - 1) // s + 1, (wd + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(xp[:, :, i * s : i * s + d * k : d, j * s : j * s + d * k : d], axis=(2, 3))
    return out


# Combos: (N, C, H, W, O, k, stride, padding, dilation, groups)
COMBOS = [
    (2, 3, 5, 6, 4, 3, 1, 0, 1, 1),
    (2, 4, 6, 5, 6, 3, 2, 1, 1, 2),
    (1, 3, 7, 7, 3, 2, 1, 2, 2, 3),
    (2, 2, 6, 6, 4, (2, 3), (2, 1), (1, 0), (1, 2), 1),
    (1, 4, 5, 5, 2, 1, 1, 0, 1, 2),
]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@pytest.mark.parametrize("combo", COMBOS)
def test_conv2d_forward_matches_naive_loops(combo):
    n, c, h, wd, o, k, s, p, d, g = combo
    rng = np.random.default_rng(0)
    kh, kw = _pair(k)
    x, w, b = rng.standard_normal((n, c, h, wd)), rng.standard_normal((o, c // g, kh, kw)), rng.standard_normal(o)
    got = F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g).data
    np.testing.assert_allclose(got, naive_conv2d(x, w, b, _pair(s), _pair(p), _pair(d), g), rtol=1e-12, atol=1e-12)


@given(
    n=st.integers(1, 2),
    cg=st.integers(1, 2),
    og=st.integers(1, 2),
    groups=st.integers(1, 2),
    side=st.integers(3, 7),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_conv2d_property_matches_naive_loops(n, cg, og, groups, side, k, stride, padding, dilation, seed):
    """Random geometry (any that fits): vectorised conv2d equals the loops to 1e-12 (float64 rounding)."""
    if side + 2 * padding < dilation * (k - 1) + 1:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, cg * groups, side, side + 1))
    w = rng.standard_normal((og * groups, cg, k, k))
    got = F.conv2d(x, w, None, stride, padding, dilation, groups).data
    ref = naive_conv2d(x, w, None, (stride,) * 2, (padding,) * 2, (dilation,) * 2, groups)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("combo", COMBOS[:4])
def test_conv2d_gradients_to_second_order(combo):
    n, c, h, wd, o, k, s, p, d, g = combo
    rng = np.random.default_rng(1)
    kh, kw = _pair(k)
    x, w, b = rng.standard_normal((n, c, h, wd)), rng.standard_normal((o, c // g, kh, kw)), rng.standard_normal(o)
    assert_gradients_match(lambda x, w, b: F.conv2d(x, w, b, s, p, d, g), x, w, b, order=2)


def test_conv2d_second_order_through_a_nonlinearity():
    """Curvature that is not bilinear: tanh between two convolutions, third order on the input."""
    rng = np.random.default_rng(2)
    x, w1, w2 = (
        rng.standard_normal((1, 2, 5, 5)),
        rng.standard_normal((3, 2, 3, 3)) * 0.5,
        rng.standard_normal((2, 3, 2, 2)),
    )

    def f(x, w1, w2):
        return F.conv2d(F.conv2d(x, w1, padding=1).tanh(), w2, stride=2).sum()

    assert_gradients_match(f, x, w1, w2, order=2)
    assert_gradients_match(lambda x: f(x, w1, w2), x, order=3)


def test_conv1d_matches_conv2d_on_height_one_and_its_gradients():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    got = F.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2).data
    ref = naive_conv2d(x[:, :, None], w[:, :, None], b, (1, 2), (0, 2), (1, 2), 2)[:, :, 0]
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    assert_gradients_match(lambda x, w, b: F.conv1d(x, w, b, 2, 2, 2, 2), x, w, b, order=2)


def test_padding_same_and_valid_and_unbatched_inputs():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((3, 6, 5)), rng.standard_normal((2, 3, 4, 3))  # even kernel height: asymmetric pad
    same = F.conv2d(x, w, padding="same", dilation=(1, 2))
    assert same.shape == (2, 6, 5)  # unbatched in, unbatched out
    padded = np.pad(x, ((0, 0), (1, 2), (2, 2)))  # total 3 rows: 1 before, 2 after (PyTorch's choice)
    np.testing.assert_allclose(same.data, naive_conv2d(padded[None], w, None, (1, 1), (0, 0), (1, 2), 1)[0], atol=1e-12)
    assert F.conv2d(x, w, padding="valid").shape == (2, 3, 3)
    assert F.conv1d(x[:, 0], w[:, :, 0], padding="same").shape == (2, 5)


def test_conv_float32_stays_float32():
    x = np.ones((1, 1, 4, 4), np.float32)
    w = np.ones((1, 1, 3, 3), np.float32)
    y = F.conv2d(mg.Tensor(x, requires_grad=True), mg.Tensor(w, requires_grad=True), padding=1)
    assert y.dtype == np.float32 and y.data[0, 0, 1, 1] == 9 and y.data[0, 0, 0, 0] == 4
    xt, wt = mg.Tensor(x, requires_grad=True), mg.Tensor(w, requires_grad=True)
    z = F.max_pool2d(F.conv2d(xt, wt, padding=1, groups=1), 2, stride=1)
    z = z + F.avg_pool2d(xt, 3, 1, 1)[:, :, :3, :3]
    z.sum().backward()
    assert xt.grad.dtype == np.float32 and wt.grad.dtype == np.float32


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, message",
    [
        ((1, 3, 5, 5), (2, 2, 3, 3), {}, "expects 2 input channels"),
        ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, "groups=2 must divide"),
        ((1, 2, 2, 2), (1, 2, 3, 3), {}, "smaller than the"),
        ((2, 5, 5), (1, 2, 3), {}, "weight must be 4-D"),
        ((5, 5), (1, 1, 3, 3), {}, "input must be 4-D"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0}, "stride must be positive"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": "same", "stride": 2}, "padding='same' needs stride 1"),
    ],
)
def test_conv2d_errors_name_the_problem(x_shape, w_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.conv2d(np.zeros(x_shape), np.zeros(w_shape), **kwargs)


def test_conv2d_rejects_integer_input():
    with pytest.raises(TypeError, match="conv2d: input must be a floating tensor"):
        F.conv2d(np.zeros((1, 1, 3, 3), dtype=int), np.zeros((1, 1, 3, 3)))


# -- pooling ------------------------------------------------------------------------


@pytest.mark.parametrize("k, s, p, d", [(2, None, 0, 1), (3, 2, 1, 1), (3, 1, 1, 2), (2, 1, 0, 1)])
def test_max_pool2d_forward_and_indices(k, s, p, d):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 7, 6))
    y, idx = F.max_pool2d(x, k, s, p, d, return_indices=True)
    np.testing.assert_array_equal(y.data, naive_pool(x, k, s or k, p, d, np.max, -np.inf))
    np.testing.assert_array_equal(
        np.take_along_axis(x.reshape(2, 3, -1), idx.reshape(2, 3, -1), -1), y.data.reshape(2, 3, -1)
    )
    xs = rng.permutation(x.size).reshape(x.shape) / 10.0  # distinct values: no ties, no kinks nearby
    assert_gradients_match(lambda x: F.max_pool2d(x, k, s, p, d) ** 2, xs, order=2)


def test_max_pool2d_ties_go_to_the_first_maximum_and_overlaps_add():
    ones = mg.Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    F.max_pool2d(ones, 2, stride=1).sum().backward()
    # every window is a tie: each sends its gradient to its first (top-left) element, as PyTorch on CPU
    np.testing.assert_array_equal(ones.grad[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    peak = mg.Tensor(np.pad([[5.0]], 1)[None, None], requires_grad=True)
    F.max_pool2d(peak, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(peak.grad[0, 0], [[0, 0, 0], [0, 4, 0], [0, 0, 0]])  # four windows add up


def test_max_pool2d_gradient_selects_even_when_upstream_is_inf():
    x = mg.Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(np.array([[[[np.inf, 1.0], [1.0, 1.0]]]]))
    assert np.isinf(x.grad[0, 0, 1, 1]) and not np.isnan(x.grad).any()
    assert (x.grad[0, 0, 0, :2] == 0).all()


def test_max_pool2d_with_all_minus_inf_window_and_padding_picks_a_real_element():
    x = np.full((1, 1, 2, 2), -np.inf)
    y, idx = F.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    assert (y.data == -np.inf).all() and ((idx >= 0) & (idx < 4)).all()


@pytest.mark.parametrize("k, s, p, include", [(2, None, 0, True), (3, 2, 1, True), (3, 2, 1, False), (2, 1, 1, False)])
def test_avg_pool2d_forward_and_gradients(k, s, p, include):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 2, 6, 5))
    got = F.avg_pool2d(x, k, s, p, count_include_pad=include).data
    total = naive_pool(x, k, s or k, p, 1, np.sum, 0.0)
    count = naive_pool(np.ones_like(x), k, s or k, p, 1, np.sum, 0.0) if not include else k * k
    np.testing.assert_allclose(got, total / count, rtol=1e-12)
    assert_gradients_match(lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=include) ** 2, x, order=2)
    np.testing.assert_allclose(F.avg_pool2d(x, k, s, p, divisor_override=2).data, total / 2, rtol=1e-12)


def test_pool_errors():
    with pytest.raises(ValueError, match="ceil_mode=True is not supported"):
        F.max_pool2d(np.zeros((1, 1, 4, 4)), 2, ceil_mode=True)
    with pytest.raises(ValueError, match="at most half the kernel"):
        F.avg_pool2d(np.zeros((1, 1, 4, 4)), 2, padding=2)


# -- the primitives' rules -------------------------------------------------------------


GEOMETRIES = [
    ((5, 6), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
    ((7, 6), (2, 3), (2, 1), ((0, 1), (2, 0)), (2, 1)),
]


@pytest.mark.parametrize("geo_args", GEOMETRIES)
def test_unfold_and_fold_rules(monkeypatch, geo_args):
    geo = W.geometry("test", *geo_args)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, *geo.in_hw))
    check_rules(monkeypatch, (W,), "unfold", lambda t: W.unfold(t, geo), x)
    cols = rng.standard_normal((2, *geo.out_hw, 3, *geo.kernel))
    check_rules(monkeypatch, (W,), "fold", lambda t: W.fold(t, geo), cols)
    # fold is unfold's adjoint: <unfold x, c> = <x, fold c>
    np.testing.assert_allclose(np.sum(W.unfold(x, geo) * cols), np.sum(x * W.fold(cols, geo)), rtol=1e-12)


def test_take_and_put_rules(monkeypatch):
    rng = np.random.default_rng(8)
    index = rng.integers(0, 5, size=(2, 3, 7))  # repeats: put must add
    x = rng.standard_normal((2, 3, 5))
    check_rules(monkeypatch, (W,), "take", lambda t: W.take(t, index), x)
    check_rules(monkeypatch, (W,), "put", lambda t: W.put(t, index, 5), rng.standard_normal((2, 3, 7)))
    ref = np.zeros((2, 3, 5))
    g = rng.standard_normal((2, 3, 7))
    for a in range(2):
        for b in range(3):
            np.add.at(ref[a, b], index[a, b], g[a, b])
    np.testing.assert_allclose(W.put(g, index, 5), ref, rtol=1e-12)


# -- PyTorch ------------------------------------------------------------------------


@pytest.mark.parametrize("combo", COMBOS)
def test_conv2d_against_pytorch_values_and_gradients(combo):
    torch = pytest.importorskip("torch")
    n, c, h, wd, o, k, s, p, d, g = combo
    rng = np.random.default_rng(9)
    kh, kw = _pair(k)
    arrays = [rng.standard_normal((n, c, h, wd)), rng.standard_normal((o, c // g, kh, kw)), rng.standard_normal(o)]
    ours = [mg.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = F.conv2d(*ours, stride=s, padding=p, dilation=d, groups=g)
    yt = torch.nn.functional.conv2d(*theirs, stride=s, padding=p, dilation=d, groups=g)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    u = rng.standard_normal(y.shape)
    y.backward(u)
    yt.backward(torch.tensor(u))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_pools_and_conv1d_against_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 7, 8))
    for kw in [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=3, padding=1, dilation=2),
    ]:
        y, idx = F.max_pool2d(x, return_indices=True, **kw)
        yt, it = tf.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(y.data, yt.numpy())
        np.testing.assert_array_equal(idx, it.numpy())
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)]:
        np.testing.assert_allclose(F.avg_pool2d(x, **kw).data, tf.avg_pool2d(torch.tensor(x), **kw).numpy(), rtol=1e-12)
    x1, w1 = rng.standard_normal((2, 4, 10)), rng.standard_normal((6, 2, 3))
    np.testing.assert_allclose(
        F.conv1d(x1, w1, stride=2, padding=2, dilation=2, groups=2).data,
        tf.conv1d(torch.tensor(x1), torch.tensor(w1), stride=2, padding=2, dilation=2, groups=2).numpy(),
        rtol=1e-12,
        atol=1e-12,
    )
    xs, ws = rng.standard_normal((1, 2, 6, 5)), rng.standard_normal((3, 2, 4, 3))
    np.testing.assert_allclose(
        F.conv2d(xs, ws, padding="same").data,
        tf.conv2d(torch.tensor(xs), torch.tensor(ws), padding="same").numpy(),
        rtol=1e-12,
        atol=1e-12,
    )


def test_conv1d_errors_show_the_shapes_the_user_passed():
    with pytest.raises(ValueError, match=r"conv1d: weight \(2, 3, 3\) expects 3 input channels .* input \(1, 6, 5\)"):
        F.conv1d(np.zeros((1, 6, 5)), np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="conv1d: weight must be 3-D"):
        F.conv1d(np.zeros((1, 6, 5)), np.zeros((2, 3, 3, 3)))


@settings(max_examples=10)
@given(
    groups=st.integers(1, 2),
    k=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
    dilation=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_conv2d_gradient_property(groups, k, stride, padding, dilation, seed):
    """Random geometry: input, weight and bias gradients against central differences (float64 defaults)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2 * groups, 5, 6))  # sides ≥ the largest dilated kernel (5)
    w = rng.standard_normal((2 * groups, 2, k, k))
    b = rng.standard_normal(2 * groups)
    assert_gradients_match(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)


def test_hessian_vector_products_through_a_small_cnn():
    """Second order through conv → gelu → max_pool → linear → cross-entropy, for every parameter at once."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 1, 6, 6))
    labels = np.array([0, 2, 1])
    w1, b1 = rng.standard_normal((2, 1, 3, 3)) * 0.5, rng.standard_normal(2) * 0.1
    w2 = rng.standard_normal((2 * 3 * 3, 3)) * 0.3

    def loss(w1, b1, w2):
        h = F.max_pool2d(F.gelu(F.conv2d(x, w1, b1, padding=1)), 2)
        return mg.losses.cross_entropy(h.reshape(3, 18) @ w2, labels)

    assert_gradients_match(loss, w1, b1, w2, order=2)
