"""The fused softmax cross-entropy primitive: values, gradients to second order, stability, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import arrays, assert_gradients_match, shapes


def reference(z, t, reduction):
    logp = z - z.max(axis=-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=-1, keepdims=True))
    if t.shape == z.shape:
        losses = -(t * logp).sum(axis=-1)
    else:
        losses = -np.take_along_axis(logp, t[..., None], axis=-1)[..., 0]
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(data=st.data())
def test_labels_and_probabilities_match_reference_and_finite_differences(reduction, data):
    z = data.draw(arrays(shapes(min_dims=1, max_dims=3, max_side=4)))
    labels = data.draw(arrays(z.shape[:-1], "unit")) * z.shape[-1]
    labels = labels.astype(np.int64)
    probs = data.draw(arrays(z.shape, "unit"))
    probs = probs / probs.sum(axis=-1, keepdims=True)
    for t in (labels, probs):
        out = mg.softmax_cross_entropy(z, t, reduction)
        np.testing.assert_allclose(out.data, reference(z, t, reduction), rtol=1e-12, atol=1e-12)
        assert_gradients_match(lambda zz, t=t: mg.softmax_cross_entropy(zz, t, reduction), z, order=2)


def test_gradient_is_the_tutorials_delta3():
    z = np.array([[2.0, -1.0], [0.5, 0.25], [-3.0, 3.0]])
    y = np.array([0, 1, 1])
    W = mg.Tensor(z, requires_grad=True)
    mg.softmax_cross_entropy(W, y, reduction="sum").backward()
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(W.grad, probs - np.eye(2)[y], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_at_extreme_logits(dtype):
    z = mg.Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=dtype), requires_grad=True)
    loss = mg.softmax_cross_entropy(z, np.array([1, 1]), reduction="sum")
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.item(), 2000.0, rtol=1e-6)
    loss.backward()
    assert z.grad.dtype == dtype
    np.testing.assert_allclose(z.grad, [[1.0, -1.0], [0.0, 0.0]], atol=1e-6)


def test_bad_targets_are_rejected_with_shapes():
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        mg.softmax_cross_entropy(z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"target shape \(5,\) fits neither"):
        mg.softmax_cross_entropy(z, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="reduction"):
        mg.softmax_cross_entropy(z, np.zeros(4, dtype=int), reduction="avg")
