"""Shared check for the op tests: autodiff against central differences, first and second order.

Non-scalar outputs are reduced with a fixed random weighting w, so every
output element matters: loss = Σ w ∘ f(x). Second order checks the gradient
of h(x) = Σ_i v_i · ∂loss/∂x_i (a Hessian-vector product) the same way.

Tolerances (float64): inputs lie in [-3, 3], the step is h ≈ 6e-6·max(1, |x|),
so central-difference error is ≲ h²·|f'''| + ε·|f|/h ≈ 1e-9 for these
well-conditioned domains. We allow rtol = 1e-5, atol = 1e-6: loose enough
for rounding, four orders of magnitude tighter than any wrong derivative
(an error in a formula shows up at O(1)).
"""

import numpy as np

import minigrad as mg

RTOL, ATOL = 1e-5, 1e-6


def _weights(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


def check_gradients(fn, *inputs, order=2):
    """Assert autodiff of ``fn`` matches finite differences for every input (and second order)."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    w = _weights(np.shape(fn(*[mg.Tensor(x) for x in inputs]).data))

    def loss(*xs):
        return (fn(*xs) * w).sum()

    argnums = tuple(range(len(inputs)))
    auto = mg.grad(loss, argnums)(*inputs)
    numeric = mg.numerical_grad(loss, *inputs)
    numeric = numeric if isinstance(numeric, list) else [numeric]
    for i, (a, n) in enumerate(zip(auto, numeric)):
        assert a.shape == inputs[i].shape, f"gradient {i} has shape {a.shape}, input {inputs[i].shape}"
        np.testing.assert_allclose(a.data, n, rtol=RTOL, atol=ATOL, err_msg=f"first order, input {i}")
    if order < 2:
        return
    vs = [_weights(x.shape, seed=i + 1) - 1.0 for i, x in enumerate(inputs)]

    def hvp_sum(*xs):
        grads = mg.grad(loss, argnums)(*xs)
        return sum((g * v).sum() for g, v in zip(grads, vs))

    auto2 = mg.grad(hvp_sum, argnums)(*inputs)
    numeric2 = mg.numerical_grad(hvp_sum, *inputs)
    numeric2 = numeric2 if isinstance(numeric2, list) else [numeric2]
    for i, (a, n) in enumerate(zip(auto2, numeric2)):
        np.testing.assert_allclose(a.data, n, rtol=RTOL, atol=ATOL, err_msg=f"second order, input {i}")
