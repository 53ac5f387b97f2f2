"""gradcheck: passes right gradients, catches wrong ones, says where, and behaves as documented
in float32 and at kinks (a failure with a diagnosis, never a silent pass).

Wrong gradients are planted with custom_vjp: a hand-written backward next to a correct forward.
"""

import warnings

import numpy as np
import pytest

import minigrad as mg


def tanh_layer(derivative, name):
    """tanh with a hand-written backward: g ∘ derivative(z, a)."""
    return mg.custom_vjp(lambda z: (np.tanh(z), (z, np.tanh(z))), lambda r, g: g * derivative(*r), name=name)


right_tanh = tanh_layer(lambda z, a: 1 - a**2, "tanh")  # the tutorial: 1 - tanh² z = 1 - a1²
slip_tanh = tanh_layer(lambda z, a: 1 - z**2, "tanh_slip")  # the slip: 1 - z1²


def moons_net(tanh, n=20, classes=2, dtype=np.float64, seed=0):
    """The wildml 2-H-C tanh/softmax net (summed cross-entropy), hidden activation ``tanh``."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, 2)).astype(dtype), rng.integers(0, classes, n)

    def loss(W1, b1, W2, b2):
        logp = mg.log_softmax(tanh(X @ W1 + b1) @ W2 + b2, axis=1)
        return -logp[np.arange(n), y].sum()

    return loss


def wildml_init(hidden, classes=2, dtype=np.float64, seed=0):
    """The tutorial's initialisation: randn / sqrt(fan-in), zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((2, hidden)) / np.sqrt(2)
    W2 = rng.standard_normal((hidden, classes)) / np.sqrt(hidden)
    return [p.astype(dtype) for p in (W1, np.zeros((1, hidden)), W2, np.zeros((1, classes)))]


@pytest.mark.parametrize("seed", range(4))
def test_catches_the_one_minus_z1_squared_slip_and_passes_the_tutorial_formula(seed):
    params = wildml_init(hidden=3 + seed, seed=seed)
    mg.gradcheck(moons_net(right_tanh, seed=seed), *params, forward=False)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(moons_net(slip_tanh, seed=seed), *params, forward=False)
    report = info.value.report
    # δ2 feeds dW1 and db1 only: the slip shows exactly there.
    assert [c.passed for c in report.checks] == [False, False, True, True]
    assert "not differentiable" not in str(info.value)  # a smooth function: no kink diagnosis


def test_the_error_names_the_input_the_worst_element_and_both_values():
    def backward(x, g):
        grad = 2 * x * g
        grad[1, 2] += 0.5  # one wrong element
        return grad

    square = mg.custom_vjp(lambda x: (x**2, x), backward, name="square")
    W = mg.Tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True, name="W1")
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda W: square(W) * 3, W, forward=False)
    check = info.value.report["W1"]
    assert check.worst == (1, 2)
    message = str(info.value)
    assert "W1 (argument 0, shape (2, 3), float64), first derivative" in message
    assert "worst element [1, 2]" in message
    assert (
        f"autodiff gives {check.autodiff[1, 2]:.10g}, finite differences give {check.numerical[1, 2]:.10g}" in message
    )
    assert isinstance(info.value, AssertionError)


def test_report_metrics_follow_their_definitions():
    # autodiff 3x where the truth is 2x: relative error 1/3 everywhere, ratio |x|/|5x| = 1/5.
    x = np.array([0.5, -1.5, 2.0])
    wrong_square = mg.custom_vjp(lambda x: ((x**2).sum(), x), lambda x, g: 3 * x * g, name="wrong_square")
    report = mg.gradcheck(wrong_square, x, raise_exception=False, forward=False)
    (check,) = report.checks
    assert not report.passed and report.failures == [check]
    np.testing.assert_allclose(check.numerical, 2 * x, rtol=1e-9)
    np.testing.assert_allclose(check.max_abs_error, np.max(np.abs(x)), rtol=1e-8)
    np.testing.assert_allclose(check.max_rel_error, 1 / 3, rtol=1e-8)
    np.testing.assert_allclose(check.ratio, 1 / 5, rtol=1e-8)
    np.testing.assert_allclose(report.ratio, 1 / 5, rtol=1e-8)


def test_random_signed_projection_sees_errors_a_uniform_weighting_would_hide():
    # backward adds g - mean(g): zero whenever every output is weighted alike.
    identity = mg.custom_vjp(lambda x: (x.copy(), None), lambda r, g: 2 * g - g.mean(), name="identity")
    x = np.array([0.1, 0.2, 0.3, 0.4])
    mg.gradcheck(lambda x: identity(x).sum(), x, forward=False)  # scalar output, g = 1: the error is invisible here
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(identity, x, forward=False)  # vector output: random ± weights expose it


def test_which_inputs_are_checked():
    x, c, k, s, idx = np.array([1.0, 2.0]), mg.Tensor(np.array([3.0, 4.0])), 3, 0.5, np.array([1, 0])
    report = mg.gradcheck(lambda x, c, k, s, idx: (x * c * k * s)[idx], x, c, k, s, idx)
    assert [check.position for check in report.checks] == [0, 3]  # floating array and float
    np.testing.assert_allclose(report.checks[1].numerical, report.checks[1].autodiff, rtol=1e-8)
    with pytest.raises(ValueError, match="nothing to check"):
        mg.gradcheck(lambda c: c * 2, c)
    with pytest.raises(TypeError, match="one Tensor"):
        mg.gradcheck(lambda x: (x, x), x)


def test_leaves_grad_of_the_callers_tensors_alone():
    W = mg.Tensor(np.array([0.5, -1.0]), requires_grad=True)
    W.grad = np.array([7.0, 7.0])
    V = mg.Tensor(np.array([2.0, 3.0]), requires_grad=True)  # closed over by f
    report = mg.gradcheck(lambda W: (mg.tanh(W) * V).sum(), W)
    np.testing.assert_array_equal(W.grad, [7.0, 7.0])
    assert V.grad is None
    np.testing.assert_array_equal(W.data, [0.5, -1.0])
    np.testing.assert_allclose(report.checks[0].autodiff, V.data * (1 - np.tanh(W.data) ** 2), rtol=1e-13)


def test_seeded_projection_is_reproducible():
    x = np.array([0.3, -0.2, 0.9])
    a, b = mg.gradcheck(mg.exp, x, seed=5), mg.gradcheck(mg.exp, x, seed=5)
    np.testing.assert_array_equal(a.checks[0].numerical, b.checks[0].numerical)
    assert not np.array_equal(a.checks[0].numerical, mg.gradcheck(mg.exp, x, seed=6).checks[0].numerical)


def test_order_2_catches_a_second_derivative_that_first_order_cannot_see():
    # value exp(x) and first derivative exp(x) are right; the detached factor loses the second derivative.
    f = lambda x: mg.exp(x.detach()) * (x - x.detach()) + mg.exp(x).detach()
    x = np.array([0.2, -0.4, 1.0])
    mg.gradcheck(f, x)
    with pytest.raises(mg.GradcheckError, match="second derivative"):
        mg.gradcheck(f, x, order=2)
    mg.gradcheck(mg.exp, x, order=3)


def scaled_tanh(factor):
    return tanh_layer(lambda z, a: factor * (1 - a**2), f"tanh x {factor}")


def test_float32_warns_catches_errors_above_a_tenth_of_a_percent_and_documents_what_it_misses():
    x64 = np.random.default_rng(1).uniform(-2, 2, (4, 3))
    x32 = x64.astype(np.float32)
    with pytest.warns(mg.GradcheckWarning, match="float32"):
        report = mg.gradcheck(scaled_tanh(1.0), x32, forward=False)
    assert (report.rtol, report.atol) == (1e-3, 1e-4) and report.dtype == np.float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mg.GradcheckWarning)
        with pytest.raises(mg.GradcheckError):
            mg.gradcheck(scaled_tanh(1.01), x32)  # 1% off: caught in float32
        mg.gradcheck(scaled_tanh(1.0001), x32)  # 0.01% off: below float32's resolution, passes (documented)
        with pytest.raises(mg.GradcheckError):
            mg.gradcheck(moons_net(slip_tanh, dtype=np.float32), *wildml_init(3, dtype=np.float32))
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(scaled_tanh(1.0001), x64, forward=False)  # float64 sees it


def test_float32_summed_loss_over_many_samples_passes_on_its_rounding_floor():
    # |L| ≈ 150: rounding alone moves central differences by ~ε|L|/h ≈ 4e-3, above atol.
    loss = moons_net(mg.tanh, n=300, classes=3, dtype=np.float32)
    with pytest.warns(mg.GradcheckWarning):
        report = mg.gradcheck(loss, *wildml_init(8, classes=3, dtype=np.float32))
    assert max(c.max_abs_error for c in report.checks) > report.atol  # the floor is what made it pass


def test_at_a_kink_gradcheck_fails_and_says_why():
    # relu at 0: autodiff takes the left slope 0, the central difference averages 0 and 1.
    with pytest.raises(mg.GradcheckError, match="not differentiable here") as info:
        mg.gradcheck(mg.relu, np.array([-1.0, 0.0, 2.0]))
    check = info.value.report["input 0"]
    assert check.worst == (1,) and check.autodiff[1] == 0.0
    assert "the left slope" in check.note
    # abs one fixed step from its kink: autodiff is right (sign x = 1), finite differences straddle 0.
    with pytest.raises(mg.GradcheckError, match="right slope"):
        mg.gradcheck(lambda x: mg.abs(x) * 2, np.array([1e-7, -1.0]), eps=1e-6)
    # with the adaptive step, the difference is also taken relative to |x| = 1e-7, which stays on one side.
    mg.gradcheck(lambda x: mg.abs(x) * 2, np.array([1e-7, -1.0]))
    # abs exactly at 0: autodiff's sign(0) = 0 equals the symmetric difference, so it passes (documented).
    mg.gradcheck(mg.abs, np.array([0.0, 1.0]))
    # away from kinks, both pass.
    mg.gradcheck(mg.relu, np.array([-1.0, 0.05, 2.0]))
    mg.gradcheck(mg.abs, np.array([-0.05, 1.0]))


def test_forward_mode_is_checked_against_reverse_mode_at_every_order():
    def fwd(z):
        a = np.tanh(z)
        return a, a

    def bwd(a, g):
        return g * (1 - a**2)

    right = mg.custom_vjp(fwd, bwd, name="tanh_ok", jvp=lambda a, t: t * (1 - a**2))
    wrong = mg.custom_vjp(fwd, bwd, name="tanh_bad_jvp", jvp=lambda a, t: t * (1 - a))
    x = np.array([0.3, -0.8, 1.1])
    report = mg.gradcheck(right, x)
    assert [c.label for c in report.forward] == ["forward mode"] and report.forward[0].passed
    with pytest.raises(mg.GradcheckError, match="forward mode"):
        mg.gradcheck(wrong, x)
    assert mg.gradcheck(wrong, x, forward=False).passed  # the reverse-mode rows alone cannot see it
    report = mg.gradcheck(lambda t: (mg.tanh(t) ** 3).sum(), x, order=2)
    assert [c.order for c in report.forward] == [1, 2] and report.passed


def test_an_op_without_a_jvp_rule_skips_the_forward_row_with_a_warning():
    no_jvp = mg.custom_vjp(lambda z: (z * 2, None), lambda r, g: g * 2, name="double")
    with pytest.warns(mg.GradcheckWarning, match="double"):
        report = mg.gradcheck(no_jvp, np.array([1.0, 2.0]))
    assert report.passed and report.forward == []


def test_a_random_function_is_refused_as_not_deterministic_not_called_a_kink():
    model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0), mg.nn.Dropout(0.5, rng=1), mg.nn.Linear(4, 1, rng=2))
    x = np.random.default_rng(0).normal(size=(5, 3))
    with pytest.raises(ValueError, match="not deterministic") as info:
        mg.gradcheck(model, x)  # dropout in training mode: a new mask at every call
    message = str(info.value)
    assert "dropout" in message and "training mode" in message and "model.eval()" in message
    assert "kink" not in message and "not differentiable" not in message
    model.eval()
    assert mg.gradcheck(model, x).passed  # the same network, deterministic: checked as usual
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="not deterministic"):
        mg.gradcheck(lambda w: (w * rng.normal()).sum(), np.ones(3))  # a random draw inside f
