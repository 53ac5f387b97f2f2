"""minigrad.nn.functional: activations, one_hot, dropout, embedding, layer_norm, batch_norm.

Each against its formula in NumPy, against PyTorch (when installed), gradients to second
(or third) order against central differences, and the fused primitives' JVP rules
against central differences and against their VJP rules.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from scipy.special import erf, expit

import minigrad as mg
from minigrad.nn import functional as F
from minigrad.testing import arrays, assert_gradients_match, shapes

from ._rules import check_rules

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)) * 2
X_AWAY = np.where(np.abs(X) < 0.1, 0.5, X)  # no element within a step of the kinks at 0

FORMULAS = {
    "gelu": (lambda x: F.gelu(x), lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    "gelu_tanh": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    "silu": (F.silu, lambda x: x * expit(x)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
}


@pytest.mark.parametrize("name", FORMULAS)
def test_activation_forward_matches_formula(name):
    ours, formula = FORMULAS[name]
    np.testing.assert_allclose(ours(X).data, formula(X), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", FORMULAS)
def test_activation_gradients_to_second_order(name):
    ours, _ = FORMULAS[name]
    assert_gradients_match(ours, X_AWAY, order=2)


@pytest.mark.parametrize("name", ["gelu", "silu", "elu"])
def test_smooth_activations_third_order(name):
    ours, _ = FORMULAS[name]
    assert_gradients_match(ours, X_AWAY[:2, :2], order=3)


@given(arrays(shapes(max_dims=3), domain="real"))
def test_gelu_and_silu_gradient_property(x):
    """Any shape, minigrad.testing's "real" domain (both are smooth everywhere); default float64 tolerances."""
    assert_gradients_match(F.gelu, x, order=2)
    assert_gradients_match(F.silu, x)


@pytest.mark.parametrize(
    "op, prim",
    [
        ("gelu", F.gelu),
        ("normal_cdf", F._normal_cdf),
        ("silu", F.silu),
        ("leaky_relu", lambda x: F.leaky_relu(x, 0.3)),
        ("elu", lambda x: F.elu(x, 1.5)),
    ],
)
def test_jvp_rules_match_central_differences_and_vjp(monkeypatch, op, prim):
    check_rules(monkeypatch, (F,), op, prim, X_AWAY)


def test_dropout_jvp_and_vjp_rules(monkeypatch):
    check_rules(monkeypatch, (F,), "dropout", lambda x: F.dropout(x, 0.4, generator=np.random.default_rng(3)), X)


def test_activation_special_points():
    x = mg.Tensor(np.array([0.0, -1000.0, 1000.0]), requires_grad=True)
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.1, 0.1, 1.0])  # slope at 0 is the negative one, as PyTorch
    x.grad = None
    y = F.elu(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, -1.0, 1000.0])
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])  # alpha·e^0 = 1 at 0; no overflow at ±1000
    x.grad = None
    y = F.gelu(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, -0.0, 1000.0])
    np.testing.assert_array_equal(x.grad, [0.5, 0.0, 1.0])
    with pytest.raises(ValueError, match="approximate must be"):
        F.gelu(x, approximate="fast")


def test_activations_keep_float32():
    x = mg.Tensor(X.astype(np.float32), requires_grad=True)
    for name, (ours, _) in FORMULAS.items():
        y = ours(x)
        assert y.dtype == np.float32, name
        y.sum().backward()
        assert x.grad.dtype == np.float32, name
        x.grad = None


def test_softplus_and_log_sigmoid_reexported_when_present():
    special = pytest.importorskip("minigrad.ops.special")
    assert F.softplus is special.softplus and F.log_sigmoid is special.log_sigmoid


# -- one_hot, dropout, embedding --------------------------------------------------


def test_one_hot():
    y = np.array([[0, 2], [1, 2]])
    out = F.one_hot(y)
    assert out.dtype == np.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.data[1, 0], [0, 1, 0])
    assert F.one_hot(np.array([1]), num_classes=4).shape == (1, 4)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        F.one_hot(np.array([0, 2]), num_classes=2)
    with pytest.raises(TypeError, match="must hold integers"):
        F.one_hot(np.array([0.0]))


def test_dropout_training_eval_and_scaling():
    x = mg.Tensor(np.ones((200, 50)), requires_grad=True)
    y = F.dropout(x, 0.3, generator=np.random.default_rng(0))
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.02  # 10,000 Bernoulli(0.7): std 0.0046
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.backward(np.full(y.shape, np.inf))  # masks select: dropped elements get exactly 0
    assert (x.grad[~kept] == 0).all() and np.isinf(x.grad[kept]).all()
    assert F.dropout(x, 0.3, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)
    a = F.dropout(x, 0.5, generator=np.random.default_rng(7)).data
    b = F.dropout(x, 0.5, generator=np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, b)  # seeded: reproducible
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        F.dropout(x, 1.5)


def test_embedding_gather_gradient_and_padding_row():
    w = mg.Tensor(RNG.standard_normal((5, 3)), requires_grad=True)
    idx = np.array([[0, 2, 2], [4, 3, 0]])
    out = F.embedding(idx, w, padding_idx=3)
    np.testing.assert_array_equal(out.data, w.data[idx])
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(w.grad[:, 0], [2, 0, 2, 0, 1])  # repeated rows add; row 3 (padding) gets none
    assert_gradients_match(lambda w: F.embedding(idx, w) ** 2, w.data, order=2)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 5\)"):
        F.embedding(np.array([5]), w)


# -- normalisation ------------------------------------------------------------------


def test_layer_norm_formula_and_gradients():
    x = RNG.standard_normal((2, 3, 4))
    w, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    mu = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(F.layer_norm(x, (3, 4), w, b).data, (x - mu) / np.sqrt(var + 1e-5) * w + b, rtol=1e-12)
    assert_gradients_match(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), x, w, b, order=2)
    assert_gradients_match(lambda x: F.layer_norm(x, 4), x, order=2)
    with pytest.raises(ValueError, match=r"does not end in normalized_shape \(3,\)"):
        F.layer_norm(x, 3)


def test_batch_norm_training_updates_running_stats_and_eval_uses_them():
    x = RNG.standard_normal((6, 3, 2, 2)) * 3 + 1
    rm, rv = np.zeros(3), np.ones(3)
    y = F.batch_norm(x, rm, rv, training=True, momentum=0.25)
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y.data, (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(rm, 0.25 * mean, rtol=1e-12)
    np.testing.assert_allclose(rv, 0.75 + 0.25 * var * 24 / 23, rtol=1e-12)  # unbiased, as PyTorch
    ye = F.batch_norm(x, rm, rv, training=False)
    np.testing.assert_allclose(ye.data, (x - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(rm, 0.25 * mean, rtol=1e-12)  # eval leaves them alone
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    assert_gradients_match(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b, order=2)
    assert_gradients_match(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), x, w, b, order=2)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(np.zeros((1, 3)), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are required"):
        F.batch_norm(x, None, None)


# -- PyTorch ------------------------------------------------------------------------


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    xt = torch.tensor(X)
    pairs = [
        (F.gelu(X), tf.gelu(xt)),
        (F.gelu(X, approximate="tanh"), tf.gelu(xt, approximate="tanh")),
        (F.silu(X), tf.silu(xt)),
        (F.leaky_relu(X, 0.2), tf.leaky_relu(xt, 0.2)),
        (F.elu(X, 0.7), tf.elu(xt, 0.7)),
        (F.layer_norm(X, (4,)), tf.layer_norm(xt, (4,))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14)
    x4 = RNG.standard_normal((5, 3, 2, 2))
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    ours = F.batch_norm(x4, rm, rv, training=True, momentum=0.3)
    theirs = tf.batch_norm(torch.tensor(x4), trm, trv, training=True, momentum=0.3)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-12)
    idx = np.array([[1, 0], [2, 2]])
    wt = RNG.standard_normal((3, 2))
    np.testing.assert_array_equal(F.embedding(idx, wt).data, tf.embedding(torch.tensor(idx), torch.tensor(wt)).numpy())
    np.testing.assert_array_equal(F.one_hot(idx, 4).data, tf.one_hot(torch.tensor(idx), 4).numpy())
    # gradients of every activation, at the same points
    for name, (ours_fn, _) in FORMULAS.items():
        torch_fn = {
            "gelu": tf.gelu,
            "gelu_tanh": lambda t: tf.gelu(t, approximate="tanh"),
            "silu": tf.silu,
            "leaky_relu": lambda t: tf.leaky_relu(t, 0.2),
            "elu": lambda t: tf.elu(t, 0.7),
        }[name]
        x = mg.Tensor(X, requires_grad=True)
        ours_fn(x).sum().backward()
        t = torch.tensor(X, requires_grad=True)
        torch_fn(t).sum().backward()
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14, err_msg=name)
