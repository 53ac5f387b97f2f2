"""minigrad.manual: three independent routes to each tutorial network's gradient agree.

For random layer sizes, batch sizes, data, weights and L2 strengths:

1. manual: the tutorial's hand-derived backprop in NumPy (minigrad.manual);
2. autodiff: the same model written with Tensors, through mg.grad;
3. numerical: central differences of the manual (NumPy) loss.

Tolerances (float64): manual vs autodiff is the same maths in a different
order of floating-point operations, so rtol 1e-10, atol 1e-12. Anything vs
central differences uses minigrad.testing's documented rtol 1e-5, atol 1e-6
(assert_gradients_match for autodiff; the same rule here for manual).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import manual
from minigrad.testing import arrays, assert_gradients_match, labels, layer_sizes

EXACT = {"rtol": 1e-10, "atol": 1e-12}
NUMERICAL = {"rtol": 1e-5, "atol": 1e-6}
lambdas = st.one_of(st.just(0.0), st.floats(0.01, 1.0))


def three_way(manual_loss, manual_grads, model, params):
    """Assert manual == autodiff (to rounding) and both == central differences."""
    argnums = tuple(range(len(params)))
    auto = mg.grad(model, argnums)(*params)
    np.testing.assert_allclose(model(*[mg.Tensor(p) for p in params]).item(), manual_loss(*params), rtol=1e-12)
    for m, a in zip(manual_grads, auto):
        assert m.shape == a.shape
        np.testing.assert_allclose(m, a.data, **EXACT)
    numerical = mg.numerical_grad(manual_loss, *params)
    for m, n in zip(manual_grads, numerical if isinstance(numerical, list) else [numerical]):
        np.testing.assert_allclose(m, n, **NUMERICAL)
    assert_gradients_match(model, *params)


@given(data=st.data(), lam=lambdas, one_hot=st.booleans())
def test_wildml_tanh_softmax_net(data, lam, one_hot):
    D, H, C = data.draw(layer_sizes(3, max_size=5).filter(lambda s: s[2] >= 2))
    N = data.draw(st.integers(1, 8))
    X, y = data.draw(arrays((N, D))), data.draw(labels(N, C))
    params = [data.draw(arrays(s)) for s in [(D, H), (1, H), (H, C), (C,)]]
    Y = np.eye(C)[y] if one_hot else y

    def model(W1, b1, W2, b2):
        logp = mg.log_softmax(mg.tanh(X @ W1 + b1) @ W2 + b2, axis=1)
        return -logp[np.arange(N), y].sum() + lam / 2 * ((W1**2).sum() + (W2**2).sum())

    out = manual.two_layer_softmax_backprop(X, Y, *params, reg_lambda=lam)
    three_way(
        lambda *p: manual.two_layer_softmax_backprop(X, Y, *p, reg_lambda=lam)["loss"],
        [out[k] for k in ("dW1", "db1", "dW2", "db2")],
        model,
        params,
    )
    np.testing.assert_allclose(out["tutorial_loss"], out["loss"] / N)
    np.testing.assert_allclose(out["probs"].sum(axis=1), 1.0)


@given(data=st.data(), lam=lambdas, mean=st.booleans())
def test_welch_sigmoid_regression_net(data, lam, mean):
    D, H, K = data.draw(layer_sizes(3, max_size=5))
    N = data.draw(st.integers(1, 8))
    X, y = data.draw(arrays((N, D), domain="unit")), data.draw(arrays((N, K), domain="unit"))
    params = [data.draw(arrays(s)) for s in [(D, H), (H, K)]]

    def model(W1, W2):
        yHat = mg.sigmoid(mg.sigmoid(X @ W1) @ W2)
        J = 0.5 * ((y - yHat) ** 2).sum()
        return (J / N if mean else J) + lam / 2 * ((W1**2).sum() + (W2**2).sum())

    out = manual.sigmoid_regression_backprop(X, y, *params, lam=lam, mean=mean)
    three_way(
        lambda *p: manual.sigmoid_regression_cost(X, y, *p, lam=lam, mean=mean),
        [out["dJdW1"], out["dJdW2"]],
        model,
        params,
    )


@given(data=st.data())
def test_trask_sigmoid_net(data):
    D, H, K = data.draw(layer_sizes(3, max_size=5))
    N = data.draw(st.integers(1, 8))
    X = data.draw(arrays((N, D), domain="unit"))
    y = data.draw(arrays((N, K), domain="unit"))
    params = [data.draw(arrays(s)) for s in [(D, H), (H, K)]]

    def model(synapse_0, synapse_1):
        layer_2 = mg.sigmoid(mg.sigmoid(X @ synapse_0) @ synapse_1)
        return 0.5 * ((layer_2 - y) ** 2).sum()

    out = manual.two_layer_sigmoid_backprop(X, y, *params)
    three_way(
        lambda *p: manual.two_layer_sigmoid_backprop(X, y, *p)["loss"],
        [out["synapse_0_derivative"], out["synapse_1_derivative"]],
        model,
        params,
    )
    # Trask's output-form deltas and Welch's f'(z) deltas are the same derivative.
    welch = manual.sigmoid_regression_backprop(X, y, *params)
    np.testing.assert_allclose(out["synapse_0_derivative"], welch["dJdW1"], **EXACT)
    np.testing.assert_allclose(out["synapse_1_derivative"], welch["dJdW2"], **EXACT)


def test_trask_xor_table_starts_from_the_tutorials_printed_error():
    # The tutorial's 3-4-1 network with np.random.seed(1) prints 0.496410031903 before training.
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0, 1, 1, 0]]).T
    np.random.seed(1)
    synapse_0 = 2 * np.random.random((3, 4)) - 1
    synapse_1 = 2 * np.random.random((4, 1)) - 1
    out = manual.two_layer_sigmoid_backprop(X, y, synapse_0, synapse_1)
    assert f"{np.mean(np.abs(out['layer_2_error'])):.12g}" == "0.496410031903"


def wildml_backprop_op(X, y, gradients):
    """The whole hand-derived backward pass of the wildml net as one custom op of (W1, b1, W2, b2)."""

    def forward(W1, b1, W2, b2):
        out = manual.two_layer_softmax_backprop(X, y, W1, b1, W2, b2)
        return np.asarray(out["loss"]), (out, X, W2)

    def backward(residuals, g):
        return tuple(g * d for d in gradients(*residuals))

    return mg.custom_vjp(forward, backward, name="wildml_backprop")


def tutorial_gradients(out, X, W2):
    return out["dW1"], out["db1"], out["dW2"], out["db2"]


def slipped_gradients(out, X, W2):
    """The same backward with tanh' written as 1 - z1² instead of 1 - a1²."""
    delta2 = out["delta3"].dot(W2.T) * (1 - out["z1"] ** 2)
    return X.T.dot(delta2), delta2.sum(axis=0), out["dW2"], out["db2"]


@pytest.mark.parametrize("seed", range(3))
def test_the_tutorials_backward_as_a_custom_op_passes_gradcheck_and_the_slip_does_not(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((30, 2)), rng.integers(0, 2, 30)
    params = [rng.standard_normal((2, 4)) / np.sqrt(2), np.zeros(4), rng.standard_normal((4, 2)) / 2, np.zeros(2)]
    mg.gradcheck(wildml_backprop_op(X, y, tutorial_gradients), *params, forward=False)  # no JVP rule
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(wildml_backprop_op(X, y, slipped_gradients), *params, forward=False)
    assert [c.passed for c in info.value.report.checks] == [False, False, True, True]


SCRIPT = Path(__file__).parents[1] / "examples" / "sleep_study_gradient_check.py"
spec = importlib.util.spec_from_file_location("sleep_study_gradient_check", SCRIPT)
sleep_study = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sleep_study)


def test_sleep_study_gradient_ratio_is_below_the_tutorials_bound_for_every_init():
    ratios = sleep_study.ratios(inits=300, seed=0)
    for name, r in ratios.items():
        assert len(r) == 300
        assert np.all(r < sleep_study.BOUND), f"{name}: worst ratio {r.max():.3g}"
