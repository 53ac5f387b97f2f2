"""Losses against NumPy references, finite-difference gradients, stability at extreme logits, clear errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import losses, nn

# Subnormals are excluded: below 2.2e-308 a float64 keeps too few digits for rtol 1e-12 comparisons.
finite = st.floats(-5, 5, allow_nan=False, allow_subnormal=False, width=64)


def np_log_softmax(z):
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def grad_of(f, x):
    t = mg.Tensor(x, requires_grad=True)
    f(t).backward()
    return t.grad


@st.composite
def logits_and_labels(draw):
    n, c = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    z = draw(hnp.arrays(np.float64, (n, c), elements=finite))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return z, y


@given(logits_and_labels(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_matches_numpy_and_finite_differences(zy, reduction):
    z, y = zy
    per_row = -np_log_softmax(z)[np.arange(len(y)), y]
    want = {"mean": per_row.mean(), "sum": per_row.sum(), "none": per_row}[reduction]
    got = losses.cross_entropy(mg.Tensor(z), y, reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    onehot = np.eye(z.shape[1])[y]
    np.testing.assert_allclose(losses.cross_entropy(mg.Tensor(z), onehot, reduction).data, want, rtol=1e-12)

    def scalar(t):
        return losses.cross_entropy(t, y, reduction).sum()

    np.testing.assert_allclose(grad_of(scalar, z), mg.numerical_grad(scalar, z), rtol=1e-6, atol=1e-8)


@given(logits_and_labels())
def test_soft_targets_and_nll_loss(zy):
    z, y = zy
    rng = np.random.default_rng(len(y))
    p = rng.random(z.shape)
    p /= p.sum(1, keepdims=True)
    want = -(p * np_log_softmax(z)).sum(1).mean()
    np.testing.assert_allclose(losses.cross_entropy(mg.Tensor(z), p).data, want, rtol=1e-12)
    logp = np_log_softmax(z)
    np.testing.assert_allclose(
        losses.nll_loss(mg.Tensor(logp), y, "sum").data, -logp[np.arange(len(y)), y].sum(), rtol=1e-12
    )

    def f(t):
        return losses.cross_entropy(t, p)

    np.testing.assert_allclose(grad_of(f, z), mg.numerical_grad(f, z), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_is_exact_at_logits_of_1000(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]], dtype=dtype)
    y = np.array([1, 2])
    t = mg.Tensor(z, requires_grad=True)
    loss = losses.cross_entropy(t, y, reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, 0.0], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(t.grad).all() and t.grad.dtype == dtype
    np.testing.assert_allclose(t.grad, [[1, -1, 0], [0, 0, 0]], atol=1e-6)


def test_nll_loss_zero_probability_entry_gives_no_nan():
    logp = mg.Tensor(np.array([[0.0, -np.inf]]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        loss = losses.nll_loss(logp, np.array([[1.0, 0.0]]))
    loss.backward()
    assert loss.item() == 0.0 and np.array_equal(logp.grad, [[-1.0, 0.0]])


def test_label_and_shape_errors_name_function_and_shapes():
    z = mg.Tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"cross_entropy: integer labels must have shape \(4,\).*\(4, 3\).*\(4, 1\)"):
        losses.cross_entropy(z, np.zeros((4, 1), dtype=int))
    with pytest.raises(ValueError, match=r"cross_entropy: labels must lie in \[0, 3\)"):
        losses.cross_entropy(z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"nll_loss: probability targets must have the scores' shape \(4, 3\)"):
        losses.nll_loss(z, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"mse_loss: prediction has shape \(4, 1\) but target has shape \(4,\)"):
        losses.mse_loss(mg.Tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="sse_loss"):
        losses.sse_loss(mg.Tensor(np.zeros(3)), np.zeros(4))
    with pytest.raises(ValueError, match="binary_cross_entropy: prediction has shape"):
        losses.binary_cross_entropy(mg.Tensor(np.full(3, 0.5)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.mse_loss(mg.Tensor(np.zeros(3)), np.zeros(3), reduction="avg")
    with pytest.raises(TypeError, match="integer labels or float probabilities"):
        losses.cross_entropy(z, np.array(["a", "b", "c", "d"]))


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 3)), elements=finite))
def test_mse_and_sse(pred):
    target = np.round(pred) / 2
    d = pred - target
    np.testing.assert_allclose(losses.mse_loss(mg.Tensor(pred), target).data, np.mean(d**2), rtol=1e-12)
    np.testing.assert_allclose(losses.mse_loss(mg.Tensor(pred), target, "sum").data, np.sum(d**2), rtol=1e-12)
    np.testing.assert_allclose(losses.sse_loss(mg.Tensor(pred), target).data, 0.5 * np.sum(d**2), rtol=1e-12)
    # dJ/dŷ = ŷ − y: the tutorial's −(y − ŷ)
    np.testing.assert_allclose(grad_of(lambda t: losses.sse_loss(t, target), pred), d, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_of(lambda t: losses.mse_loss(t, target), pred), 2 * d / d.size, rtol=1e-12)


@given(hnp.arrays(np.float64, st.integers(1, 8), elements=finite), st.integers(0, 2**16))
def test_binary_cross_entropy_probs_and_logits_agree(z, seed):
    y = np.random.default_rng(seed).integers(0, 2, z.shape).astype(float)
    p = 1 / (1 + np.exp(-z))
    want = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    np.testing.assert_allclose(losses.binary_cross_entropy(mg.Tensor(p), y).data, want, rtol=1e-9)
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits(mg.Tensor(z), y).data, want, rtol=1e-9)
    np.testing.assert_allclose(losses.binary_cross_entropy(mg.Tensor(z), y, from_logits=True).data, want, rtol=1e-9)
    # d/dz = (σ(z) − y)/n, exactly, including at z = 0
    np.testing.assert_allclose(
        grad_of(lambda t: losses.binary_cross_entropy_with_logits(t, y), z), (p - y) / z.size, rtol=1e-9, atol=1e-15
    )

    def f(t):
        return losses.binary_cross_entropy(t, y, "sum")

    pc = np.clip(p, 0.05, 0.95)
    np.testing.assert_allclose(grad_of(f, pc), mg.numerical_grad(f, pc), rtol=1e-5)


def test_binary_cross_entropy_extremes_are_finite():
    z = np.array([1000.0, -1000.0, 0.0, 1000.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    t = mg.Tensor(z, requires_grad=True)
    loss = losses.binary_cross_entropy_with_logits(t, y, reduction="none")
    np.testing.assert_allclose(loss.data, [1000.0, 0.0, np.log(2), 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(t.grad, [1.0, 0.0, -0.5, 0.0])
    p = mg.Tensor(np.array([0.0, 1.0, 1.0, 0.0]), requires_grad=True)
    loss = losses.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])  # each log floored at −100, as PyTorch
    loss.sum().backward()
    assert np.isfinite(p.grad).all()


def test_l2_penalty():
    m = nn.MLP([2, 3, 2], rng=0)
    m.layers[0].b.data[:] = 5.0
    W = [layer.W.data for layer in m.layers]
    np.testing.assert_allclose(losses.l2_penalty(m, 0.01, exclude_bias=True).data, 0.005 * sum((a**2).sum() for a in W))
    # with biases: b0 = 5 in 3 entries adds 75 to ΣW²
    np.testing.assert_allclose(losses.l2_penalty(m, 0.01).data, 0.005 * (sum((a**2).sum() for a in W) + 75.0))
    pen = losses.l2_penalty(m.named_parameters(), 2.0, exclude_bias=True)
    pen.backward()
    np.testing.assert_allclose(m.layers[0].W.grad, 2.0 * W[0])  # d/dW λ/2 ΣW² = λW
    assert m.layers[0].b.grad is None
    assert losses.l2_penalty([], 1.0).item() == 0.0
