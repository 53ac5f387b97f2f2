"""cross_entropy's weight / ignore_index / label_smoothing, and huber_loss, smooth_l1_loss, kl_div,
cosine_similarity: values against NumPy formulas, gradients to second order against finite differences
(minigrad.testing), and values and gradients against PyTorch when it is installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import losses
from minigrad.testing import assert_gradients_match

RNG = np.random.default_rng(12)
Z = RNG.normal(size=(6, 4)) * 2
Y = np.array([0, 3, -100, 2, 1, 3])
W = np.array([0.5, 2.0, 1.0, 0.25])
P = RNG.dirichlet(np.ones(4), 6)


def np_log_softmax(z):
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def reference_ce(z, y, reduction, weight=None, ignore_index=-100, eps=0.0):
    """cross_entropy with labels written out from PyTorch's documented formula."""
    logp = np_log_softmax(z)
    c = z.shape[-1]
    w = np.ones(c) if weight is None else weight
    keep = y != ignore_index
    safe = np.where(keep, y, 0)
    w_y = np.where(keep, w[safe], 0.0)
    nll = -w_y * np.take_along_axis(logp, safe[..., None], -1)[..., 0]
    smooth = np.where(keep, -(logp * w).sum(-1), 0.0)
    per = (1 - eps) * nll + eps / c * smooth
    if reduction == "mean":
        return per.sum() / w_y.sum()
    return per.sum() if reduction == "sum" else per


OPTIONS = [
    {"weight": W},
    {"ignore_index": -100},
    {"label_smoothing": 0.2},
    {"weight": W, "label_smoothing": 0.1},
    {"weight": W, "ignore_index": 3, "label_smoothing": 0.3},
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", OPTIONS)
def test_cross_entropy_options_with_labels(kw, reduction):
    y = np.where(Y == -100, kw.get("ignore_index", -100), Y)
    if kw.get("ignore_index") == 3:
        y = Y.copy()
        y[y == -100] = 0
    got = losses.cross_entropy(mg.Tensor(Z, requires_grad=True), y, reduction, **kw)
    want = reference_ce(Z, y, reduction, kw.get("weight"), kw.get("ignore_index", -100), kw.get("label_smoothing", 0))
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-14)
    assert got.op != "softmax_cross_entropy"  # the options go through composed ops

    def f(z):
        return losses.cross_entropy(z, y, reduction, **kw)

    assert_gradients_match(lambda z: f(z) if reduction != "none" else (f(z) * np.arange(6.0)).sum(), Z, order=2)


@st.composite
def labelled(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    c = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(*shape, c)) * 3
    y = rng.integers(-1, c, size=shape)  # -1: the ignore_index below
    w = rng.random(c) + 0.1
    return z, y, w, draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))


@settings(max_examples=30, deadline=None)
@given(labelled(), st.sampled_from(["sum", "none"]))
def test_cross_entropy_options_over_shapes(data, reduction):
    z, y, w, eps = data
    kw = {"weight": w, "ignore_index": -1, "label_smoothing": eps}
    got = losses.cross_entropy(mg.Tensor(z), y, reduction, **kw)
    np.testing.assert_allclose(got.data, reference_ce(z, y, reduction, w, -1, eps), rtol=1e-12, atol=1e-13)
    assert_gradients_match(lambda t: losses.cross_entropy(t, y, "sum", **kw), z, order=2)


def test_plain_cross_entropy_keeps_the_fused_op():
    z = mg.Tensor(Z, requires_grad=True)
    assert losses.cross_entropy(z, np.abs(Y) % 4).op == "softmax_cross_entropy"
    assert losses.cross_entropy(z, P).op == "softmax_cross_entropy"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.25])
def test_cross_entropy_probability_targets_with_weight_and_smoothing(eps, reduction):
    got = losses.cross_entropy(mg.Tensor(Z), P, reduction, weight=W, label_smoothing=eps)
    t = (1 - eps) * P + eps / 4
    per = -(W * t * np_log_softmax(Z)).sum(-1)
    want = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]  # mean: over samples, not weights
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    assert_gradients_match(lambda z: losses.cross_entropy(z, P, "sum", weight=W, label_smoothing=eps), Z, order=2)


def test_cross_entropy_option_edges_and_errors():
    # every sample ignored: the weighted mean is 0/0 = nan, as in PyTorch
    with np.errstate(invalid="ignore"):
        assert np.isnan(losses.cross_entropy(mg.Tensor(Z[:2]), np.array([-100, -100])).item())
    assert losses.cross_entropy(mg.Tensor(Z[:2]), np.array([-100, -100]), "sum").item() == 0.0
    # an ignored sample gets no gradient at all
    z = mg.Tensor(Z, requires_grad=True)
    losses.cross_entropy(z, Y, label_smoothing=0.1).backward()
    np.testing.assert_array_equal(z.grad[2], 0.0)
    with pytest.raises(
        ValueError, match=r"labels must lie in \[0, 4\) \(or equal ignore_index=-100\), got values in \[-1"
    ):
        losses.cross_entropy(mg.Tensor(Z), np.where(Y == -100, -1, Y), label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"weight must be a float array of shape \(4,\).*got float64 of shape \(3,\)"):
        losses.cross_entropy(mg.Tensor(Z), np.abs(Y) % 4, weight=np.ones(3))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        losses.cross_entropy(mg.Tensor(Z), np.abs(Y) % 4, label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index applies to integer labels only"):
        losses.cross_entropy(mg.Tensor(Z), P, ignore_index=0, label_smoothing=0.1)


# -- huber, smooth L1 ------------------------------------------------------------------------------------

A = np.array([[0.3, -2.0, 1.4], [-0.45, 0.9, 3.1]])
B = np.array([[0.0, 0.5, -0.2], [0.1, 1.0, 0.0]])  # |A − B| avoids 0.7, 1 and 2.2 (the kinks)


@pytest.mark.parametrize("delta", [0.7, 1.0, 2.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_huber_and_smooth_l1_formulas_and_gradients(delta, reduction):
    d = A - B
    huber = np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))
    red = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(losses.huber_loss(mg.Tensor(A), B, reduction, delta=delta).data, red(huber), rtol=1e-14)
    np.testing.assert_allclose(
        losses.smooth_l1_loss(mg.Tensor(A), B, reduction, beta=delta).data, red(huber / delta), rtol=1e-14
    )
    for fn, kw in ((losses.huber_loss, {"delta": delta}), (losses.smooth_l1_loss, {"beta": delta})):
        assert_gradients_match(
            lambda a, b, fn=fn, kw=kw: (fn(a, b, "none", **kw) * (1 + np.arange(6.0).reshape(2, 3))).sum(),
            A,
            mg.Tensor(B, requires_grad=True),
            order=2,
        )


def test_smooth_l1_with_beta_zero_is_l1_and_errors():
    a = mg.Tensor(np.array([0.0, -1.5, 2.0]), requires_grad=True)
    loss = losses.smooth_l1_loss(a, np.zeros(3), "sum", beta=0.0)
    loss.backward()
    assert loss.item() == 3.5 and a.grad.tolist() == [0.0, -1.0, 1.0]
    with pytest.raises(ValueError, match=r"huber_loss: delta must be a finite number in \(0, inf\), got 0.0"):
        losses.huber_loss(a, np.zeros(3), delta=0)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must be a finite number in \[0, inf\)"):
        losses.smooth_l1_loss(a, np.zeros(3), beta=-1)
    with pytest.raises(ValueError, match=r"huber_loss: prediction has shape \(3,\) but target has shape \(2,\)"):
        losses.huber_loss(a, np.zeros(2))


# -- kl_div ----------------------------------------------------------------------------------------------

LOGQ = np.log(RNG.dirichlet(np.ones(4), 3))
T = RNG.dirichlet(np.ones(4), 3)
T[0, 1] = 0.0  # a zero target probability: contributes 0
T[0] /= T[0].sum()


@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean", "none"])
def test_kl_div_formula_and_gradients(reduction):
    with np.errstate(divide="ignore", invalid="ignore"):
        pointwise = np.where(T > 0, T * (np.log(T) - LOGQ), 0.0)
    want = {"mean": pointwise.mean(), "sum": pointwise.sum(), "batchmean": pointwise.sum() / 3, "none": pointwise}
    np.testing.assert_allclose(losses.kl_div(mg.Tensor(LOGQ), T, reduction).data, want[reduction], rtol=1e-13)
    logt = np.log(RNG.dirichlet(np.ones(4), 3))
    pointwise = np.exp(logt) * (logt - LOGQ)
    want = {"mean": pointwise.mean(), "sum": pointwise.sum(), "batchmean": pointwise.sum() / 3, "none": pointwise}
    got = losses.kl_div(mg.Tensor(LOGQ), logt, reduction, log_target=True)
    np.testing.assert_allclose(got.data, want[reduction], rtol=1e-13)

    def weighted(x, t, **kw):
        out = losses.kl_div(x, t, reduction, **kw)
        return out.sum() if reduction != "none" else (out * np.arange(12.0).reshape(3, 4)).sum()

    positive = np.abs(T) + 0.05  # the target's gradient exists where it is > 0
    assert_gradients_match(lambda x, t: weighted(x, t), LOGQ, positive, order=2)
    assert_gradients_match(lambda x, t: weighted(x, t, log_target=True), LOGQ, logt, order=2)


def test_kl_div_zero_target_and_errors():
    x = mg.Tensor(LOGQ, requires_grad=True)
    t = mg.Tensor(T, requires_grad=True)
    losses.kl_div(x, t, "sum").backward()
    np.testing.assert_allclose(x.grad, -T)
    # d/dy = log y + 1 − x; at y = 0 the y log y term (derivative −∞) contributes 0, leaving −x
    assert np.isfinite(t.grad).all() and t.grad[0, 1] == -LOGQ[0, 1]
    np.testing.assert_allclose(np.delete(t.grad, 1), np.delete(np.log(np.where(T > 0, T, 1)) + 1 - LOGQ, 1), rtol=1e-13)
    with pytest.raises(ValueError, match="kl_div: reduction must be one of"):
        losses.kl_div(x, T, "avg")
    with pytest.raises(ValueError, match=r"kl_div: prediction has shape \(3, 4\) but target has shape \(4,\)"):
        losses.kl_div(x, T[0])


# -- cosine_similarity -----------------------------------------------------------------------------------


def test_cosine_similarity_formula_gradients_and_broadcasting():
    x1, x2 = RNG.normal(size=(3, 5, 2)), RNG.normal(size=(1, 5, 2))
    for dim in (1, -1, 0):
        a, b = np.broadcast_arrays(x1, x2)
        want = (a * b).sum(dim) / (np.linalg.norm(a, axis=dim) * np.linalg.norm(b, axis=dim))
        got = losses.cosine_similarity(x1, x2, dim=dim)
        np.testing.assert_allclose(got.data, want, rtol=1e-13)
        assert got.shape == want.shape
        assert_gradients_match(lambda u, v, dim=dim: (losses.cosine_similarity(u, v, dim) ** 2).sum(), x1, x2, order=2)


def test_cosine_similarity_small_norms_and_errors():
    x = mg.Tensor(np.zeros((2, 3)), requires_grad=True)
    out = losses.cosine_similarity(x, np.ones((2, 3)))
    out.sum().backward()
    assert out.data.tolist() == [0.0, 0.0]
    # x / max(‖x‖, eps) at x = 0 has derivative 1 / eps (the norm's own gradient is 0 there): finite
    np.testing.assert_allclose(x.grad, np.full((2, 3), 1 / (np.sqrt(3) * 1e-8)), rtol=1e-12)
    tiny = np.array([[1e-10, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(losses.cosine_similarity(tiny, np.array([[1.0, 0.0]])).data, [1e-10 / 1e-8, 0.6])
    with pytest.raises(ValueError, match=r"dim 2 is out of range for inputs of broadcast shape \(2, 3\)"):
        losses.cosine_similarity(x, np.ones((2, 3)), dim=2)
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(4,\) could not be broadcast"):
        losses.cosine_similarity(x, np.ones(4))
    with pytest.raises(ValueError, match=r"eps must be a finite number in \(0, inf\)"):
        losses.cosine_similarity(x, x, eps=0)


# -- against PyTorch -------------------------------------------------------------------------------------


def _torch_pair(torch, a):
    return mg.Tensor(np.array(a), requires_grad=True), torch.tensor(np.array(a), requires_grad=True)


def _compare(torch, ours, theirs, inputs, weights):
    """Values, then gradients of Σ weights · out, for every (minigrad, torch) input pair."""
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    (ours * weights).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for m, t in inputs:
        np.testing.assert_allclose(m.grad, t.grad.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", OPTIONS + [{"weight": W, "label_smoothing": 0.2, "probs": True}])
def test_cross_entropy_matches_pytorch(kw, reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    kw = dict(kw)
    probs = kw.pop("probs", False)
    y = Y.copy()
    if kw.get("ignore_index") == 3:
        y[y == -100] = 0
    target = P if probs else y
    z, tz = _torch_pair(torch, Z)
    tkw = dict(kw)
    if "weight" in tkw:
        tkw["weight"] = torch.tensor(W)
    ours = losses.cross_entropy(z, target, reduction, **kw)
    theirs = F.cross_entropy(tz, torch.tensor(target), reduction=reduction, **tkw)
    _compare(torch, ours, theirs, [(z, tz)], np.linspace(1, 2, ours.size).reshape(ours.shape))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,param", [("huber_loss", 0.7), ("smooth_l1_loss", 0.7), ("smooth_l1_loss", 0.0)])
def test_huber_and_smooth_l1_match_pytorch(name, param, reduction):
    torch = pytest.importorskip("torch")
    a, ta = _torch_pair(torch, A)
    b, tb = _torch_pair(torch, B)
    key = "delta" if name == "huber_loss" else "beta"
    ours = getattr(losses, name)(a, b, reduction, **{key: param})
    theirs = getattr(torch.nn.functional, name)(ta, tb, reduction=reduction, **{key: param})
    _compare(torch, ours, theirs, [(a, ta), (b, tb)], np.linspace(1, 2, ours.size).reshape(ours.shape))


@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction, log_target):
    torch = pytest.importorskip("torch")
    x, tx = _torch_pair(torch, LOGQ)
    t, tt = _torch_pair(torch, np.log(T + 0.1) if log_target else T + 0.1)
    ours = losses.kl_div(x, t, reduction, log_target=log_target)
    with pytest.warns(UserWarning) if reduction == "mean" else _nothing():
        theirs = torch.nn.functional.kl_div(tx, tt, reduction=reduction, log_target=log_target)
    _compare(torch, ours, theirs, [(x, tx), (t, tt)], np.linspace(1, 2, ours.size).reshape(ours.shape))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("dim", [1, -1, 0])
def test_cosine_similarity_matches_pytorch(dim):
    torch = pytest.importorskip("torch")
    x1 = RNG.normal(size=(3, 4, 2))
    x1[1, :, 0] = 1e-10  # a norm below eps in some slices (dim 1): PyTorch's clamp, gradient included
    a, ta = _torch_pair(torch, x1)
    b, tb = _torch_pair(torch, RNG.normal(size=(1, 4, 2)))
    ours = losses.cosine_similarity(a, b, dim=dim)
    theirs = torch.nn.functional.cosine_similarity(ta, tb, dim=dim)
    _compare(torch, ours, theirs, [(a, ta), (b, tb)], np.linspace(1, 2, ours.size).reshape(ours.shape))


def test_new_losses_keep_float32():
    z = mg.Tensor(Z.astype(np.float32), requires_grad=True)
    a = mg.Tensor(A.astype(np.float32), requires_grad=True)
    outs = [
        losses.cross_entropy(z, np.abs(Y) % 4, weight=W, label_smoothing=0.1),
        losses.cross_entropy(z, Y, ignore_index=-100, weight=W),
        losses.huber_loss(a, B),
        losses.smooth_l1_loss(a, B, beta=0.5),
        losses.kl_div(a, np.abs(B) + 0.1, "batchmean"),
        losses.cosine_similarity(a, B.astype(np.float32)).sum(),
    ]
    for out in outs:
        assert out.dtype == np.float32
        out.backward()
    assert z.grad.dtype == np.float32 and a.grad.dtype == np.float32


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_probability_target_that_requires_grad_gets_its_gradient(reduction):
    """With options (composed path), a probability target Tensor gets −w (1 − ε) log softmax(z), as in PyTorch."""
    z = mg.Tensor(Z, requires_grad=True)
    p = mg.Tensor(P, requires_grad=True)
    losses.cross_entropy(z, p, reduction, weight=W, label_smoothing=0.2).backward()
    scale = 1 / len(P) if reduction == "mean" else 1.0
    np.testing.assert_allclose(p.grad, -W * 0.8 * np_log_softmax(Z) * scale, rtol=1e-12)
    assert_gradients_match(lambda zz, pp: losses.cross_entropy(zz, pp, reduction, weight=W, label_smoothing=0.2), Z, P)
    torch = pytest.importorskip("torch")
    tz = torch.tensor(Z, requires_grad=True)
    tp = torch.tensor(P, requires_grad=True)
    F = torch.nn.functional
    F.cross_entropy(tz, tp, weight=torch.tensor(W), reduction=reduction, label_smoothing=0.2).backward()
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-12)
