"""minigrad.testing: strategies give what they promise; gradient_property passes right ops, fails wrong ones."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import (
    DOMAINS,
    arrays,
    broadcastable_shapes,
    gradient_property,
    labels,
    layer_sizes,
    matmul_shapes,
    shapes,
    tensors,
)

RANGES = {
    "real": (-3, 3),
    "positive": (0.2, 3),
    "nonzero": (-3, 3),
    "unit": (0.05, 0.95),
    "separated": (-2.95, 2.95),
}


@pytest.mark.parametrize("domain", DOMAINS)
@given(data=st.data())
def test_arrays_stay_in_their_domain(domain, data):
    x = data.draw(arrays(shapes(max_dims=2), domain))
    lo, hi = RANGES[domain]
    assert x.dtype == np.float64 and np.all((lo <= x) & (x <= hi))
    if domain == "nonzero":
        assert np.all(np.abs(x) >= 0.5)
    if domain == "separated" and x.size:
        gaps = np.diff(np.sort(np.concatenate([x.ravel(), [0.0]])))
        assert np.all(gaps >= 0.05 - 1e-12)  # no ties, nothing at a kink at 0


@given(broadcastable_shapes(num_shapes=3), matmul_shapes())
def test_shape_strategies_give_shapes_numpy_accepts(triple, pair):
    np.broadcast_shapes(*triple)
    a, b = pair
    assert np.matmul(np.ones(a), np.ones(b)).ndim >= 0


@given(labels(6, 3), layer_sizes(3, min_size=2, max_size=4), tensors((2,), dtype=np.float32))
def test_labels_layer_sizes_and_tensors(y, sizes, t):
    assert y.shape == (6,) and np.all((0 <= y) & (y < 3)) and y.dtype.kind == "i"
    assert len(sizes) == 3 and all(2 <= s <= 4 for s in sizes)
    assert t.requires_grad and t.dtype == np.float32


# A ready-made property test, collected by pytest like any other.
test_log_gradients_to_second_order = gradient_property(mg.log, arrays(shapes(max_dims=2), "positive"), order=2)
test_weighted_tanh_gradients_with_tensor_inputs = gradient_property(
    lambda x, w: mg.tanh(x) * w, tensors(shapes(max_dims=2)), arrays(())
)


def test_gradient_property_fails_a_wrong_backward():
    exp_10_percent_off = mg.custom_vjp(
        lambda x: (np.exp(x), np.exp(x)), lambda e, g: 1.1 * g * e, name="bad_exp", jvp=lambda e, t: t * e
    )
    prop = gradient_property(exp_10_percent_off, arrays(shapes(max_dims=2)))
    assert prop.__name__ == "test_gradients_of_bad_exp"
    with pytest.raises(mg.GradcheckError, match="gradcheck of bad_exp"):
        prop()
