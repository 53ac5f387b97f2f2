"""grad, value_and_grad, hvp, jacobian and hessian against closed forms, to third order."""

import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from minigrad.testing import arrays, shapes


def cubic(x):
    return (x**3).sum()


@given(arrays(shapes(max_dims=2, max_side=3)))
def test_grad_nests_to_third_order(x):
    d1 = mg.grad(cubic)(x)
    d2 = mg.grad(lambda t: mg.grad(cubic)(t).sum())(x)
    d3 = mg.grad(lambda t: mg.grad(lambda u: mg.grad(cubic)(u).sum())(t).sum())(x)
    np.testing.assert_allclose(d1.data, 3 * x**2, rtol=1e-12)
    np.testing.assert_allclose(d2.data, 6 * x, rtol=1e-12)
    np.testing.assert_allclose(d3.data, np.full_like(x, 6.0), rtol=1e-12)


def test_value_and_grad_with_several_argnums():
    def f(W, b, X):
        return mg.tanh(X @ W + b).sum()

    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    W, b = np.array([[0.1], [0.2]]), np.array([0.3])
    value, (gW, gb) = mg.value_and_grad(f, argnums=(0, 1))(W, b, X)
    a = np.tanh(X @ W + b)
    np.testing.assert_allclose(value.item(), a.sum())
    np.testing.assert_allclose(gW.data, X.T @ (1 - a**2))
    np.testing.assert_allclose(gb.data, (1 - a**2).sum(axis=0))
    assert not value.requires_grad


def test_hvp_hessian_jacobian_closed_forms():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])

    def quad(x):
        return 0.5 * (x @ (A @ x)) + mg.exp(x).sum()

    x = np.array([0.5, -0.25])
    H = A + np.diag(np.exp(x))
    v = np.array([1.0, 2.0])
    np.testing.assert_allclose(mg.hvp(quad, x, v).data, H @ v, rtol=1e-12)
    np.testing.assert_allclose(mg.hessian(quad)(x).data, H, rtol=1e-12)
    J = mg.jacobian(lambda x: mg.tanh(A @ x))(x)
    np.testing.assert_allclose(J.data, (1 - np.tanh(A @ x) ** 2)[:, None] * A, rtol=1e-12)
    assert mg.jacobian(lambda x: x.reshape(2, 1) * 2)(x).shape == (2, 1, 2)


def test_grad_through_a_closure_over_a_traced_tensor():
    # d/dw [ d/dx (w·x²) at x=3 ] = 2·3 = 6: the inner gradient must stay connected to w.
    inner = lambda w: mg.grad(lambda x: (w * x**2).sum())(np.array(3.0))
    np.testing.assert_allclose(mg.grad(lambda w: inner(w).sum())(np.array(2.0)).data, 6.0)


def test_grad_of_unused_argument_is_zero_and_integer_args_promote():
    g0, g1 = mg.grad(lambda a, b: (a * 2).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(g1.data, np.zeros(3))
    np.testing.assert_array_equal(mg.grad(lambda x: (x * x).sum())(np.array([1, 2])).data, [2.0, 4.0])


def test_grad_needs_a_scalar_output():
    with pytest.raises(TypeError, match="one-element"):
        mg.grad(lambda x: x * 2)(np.ones(3))


def test_grad_leaves_the_callers_grad_fields_alone():
    W = mg.Tensor(np.ones(2), requires_grad=True)
    mg.grad(lambda x: (x * W).sum())(np.ones(2))
    assert W.grad is None


def test_has_aux_returns_the_auxiliary_output_untouched():
    f = lambda x: ((x * x).sum(), {"norm": x.data.copy(), "note": "aux"})
    x = np.array([1.0, -2.0])
    g, aux = mg.grad(f, has_aux=True)(x)
    (value, aux2), g2 = mg.value_and_grad(f, has_aux=True)(x)
    np.testing.assert_array_equal(g.data, 2 * x)
    np.testing.assert_array_equal(g2.data, 2 * x)
    assert value.item() == 5.0 and aux["note"] == "aux" and aux2["note"] == "aux"
    with pytest.raises(TypeError, match="has_aux=True.*pair"):
        mg.grad(lambda x: (x * x).sum(), has_aux=True)(x)


@pytest.mark.parametrize("result", [3.0, "loss", np.float64(1.0), np.ones(1)])
def test_grad_of_a_function_returning_no_tensor_is_an_error_not_zeros(result):
    with pytest.raises(TypeError, match="must return a one-element Tensor"):
        mg.grad(lambda x: result)(np.ones(2))


def test_vjp_function_can_be_called_several_times_and_handles_pytree_outputs():
    x = np.array([1.0, 2.0])
    out, vjp_fn = mg.vjp(lambda x: {"sq": x * x, "tanh": mg.tanh(x)}, x)
    for _ in range(2):
        (g,) = vjp_fn({"sq": np.ones(2), "tanh": np.zeros(2)})
        np.testing.assert_array_equal(g.data, 2 * x)
    (g,) = vjp_fn({"sq": np.zeros(2), "tanh": np.ones(2)})
    np.testing.assert_allclose(g.data, 1 - np.tanh(x) ** 2, rtol=1e-12)
    with pytest.raises(ValueError, match="cotangent structure"):
        vjp_fn(np.ones(2))


def test_functional_call_matches_backward_and_leaves_the_module_unchanged():
    from minigrad import losses, nn

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, size=6)
    model = nn.MLP([2, 4, 2], activation="tanh")
    before = {k: v.copy() for k, v in model.state_dict().items()}
    params = {k: v.data.copy() for k, v in model.named_parameters()}
    loss = lambda p: losses.cross_entropy(mg.functional_call(model, p, X), y)
    g = mg.grad(loss)(params)
    losses.cross_entropy(model(X), y).backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(g[name].data, p.grad, rtol=1e-12)
        np.testing.assert_array_equal(p.data, before[name])
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    # Per-example gradients: one line over the examples.
    example_loss = lambda p, i: losses.cross_entropy(mg.functional_call(model, p, X[i : i + 1]), y[i : i + 1])
    per_example = [mg.grad(example_loss)(params, i) for i in range(6)]
    mean = {k: np.mean([pe[k].data for pe in per_example], axis=0) for k in params}
    for name in params:
        np.testing.assert_allclose(mean[name], g[name].data, rtol=1e-10, atol=1e-14)
    with pytest.raises(KeyError, match="no parameter 'layers.9.W'"):
        mg.functional_call(model, {"layers.9.W": np.ones(2)}, X)
    with pytest.raises(ValueError, match="shape"):
        mg.functional_call(model, {"layers.0.W": np.ones(3)}, X)


def test_functional_call_reaches_parameters_inside_sequential():
    from minigrad import nn

    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    X = np.random.default_rng(3).normal(size=(4, 2))
    params = {k: p.data * 2 for k, p in model.named_parameters()}
    out = mg.functional_call(model, params, X)
    W1, b1, W2, b2 = params["0.W"], params["0.b"], params["2.W"], params["2.b"]
    np.testing.assert_allclose(out.data, np.tanh(X @ W1 + b1) @ W2 + b2, rtol=1e-12)
    g = mg.grad(lambda p: mg.functional_call(model, p, X).sum())(params)
    assert set(g) == {"0.W", "0.b", "2.W", "2.b"} and g["2.b"].data.item() == 4.0
