"""Optimizers: each GD-family update against its hand-written rule, finite-gradient guard, schedules,
BFGS/L-BFGS against scipy with the regression tutorial's hand-derived gradient, moons end to end."""

import math

import numpy as np
import pytest
import scipy.optimize

import minigrad as mg
from minigrad import datasets, losses, nn, optim

C = np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]])


def loss_of(p):
    """Σ (p⁴/4 + C p): gradient p³ + C, known in closed form for the hand-written rules."""
    return (p**4 / 4 + C * p).sum()


def grad_hand(x):
    return x**3 + C


def run(opt_factory, steps=4):
    p = mg.Tensor(np.array([[0.3, -0.2, 0.9], [1.1, -0.7, 0.05]]), requires_grad=True)
    opt = opt_factory([p])
    for _ in range(steps):
        opt.zero_grad()
        loss_of(p).backward()
        opt.step()
    return p.data


X0 = np.array([[0.3, -0.2, 0.9], [1.1, -0.7, 0.05]])


def hand_sgd(lr, momentum=0.0, nesterov=False, weight_decay=0.0, dampening=0.0, steps=4):
    x, buf = X0.copy(), None
    for _ in range(steps):
        g = grad_hand(x) + weight_decay * x
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        x = x - lr * g
    return x


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True},
        {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1},
        {"weight_decay": 0.2},
    ],
)
def test_sgd_matches_pytorch_rule(kw):
    np.testing.assert_allclose(run(lambda ps: optim.SGD(ps, lr=0.1, **kw)), hand_sgd(0.1, **kw), rtol=1e-13)
    assert optim.GD is optim.SGD


def test_adagrad_matches_hand_rule():
    x, s = X0.copy(), np.full_like(X0, 0.1)
    for t in range(1, 5):
        g = grad_hand(x) + 0.01 * x
        s += g * g
        x = x - 0.5 / (1 + (t - 1) * 0.05) * g / (np.sqrt(s) + 1e-10)
    got = run(lambda ps: optim.Adagrad(ps, lr=0.5, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1))
    np.testing.assert_allclose(got, x, rtol=1e-13)


@pytest.mark.parametrize("centered,momentum", [(False, 0.0), (True, 0.0), (False, 0.9), (True, 0.5)])
def test_rmsprop_matches_hand_rule(centered, momentum):
    x, v, m, b = X0.copy(), np.zeros_like(X0), np.zeros_like(X0), np.zeros_like(X0)
    for _ in range(4):
        g = grad_hand(x)
        v = 0.9 * v + 0.1 * g * g
        m = 0.9 * m + 0.1 * g
        denom = np.sqrt(v - m * m if centered else v) + 1e-8
        if momentum:
            b = momentum * b + g / denom
            x = x - 0.01 * b
        else:
            x = x - 0.01 * g / denom
    got = run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, centered=centered, momentum=momentum))
    np.testing.assert_allclose(got, x, rtol=1e-13)


def test_adam_matches_hand_rule():
    x, m, v = X0.copy(), np.zeros_like(X0), np.zeros_like(X0)
    b1, b2, lr, eps = 0.8, 0.99, 0.05, 1e-8
    for t in range(1, 6):
        g = grad_hand(x) + 0.1 * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    got = run(lambda ps: optim.Adam(ps, lr=lr, betas=(b1, b2), weight_decay=0.1), steps=5)
    np.testing.assert_allclose(got, x, rtol=1e-12)


@pytest.mark.parametrize(
    "factory",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.Adagrad(ps, lr=0.1),
        lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5, centered=True),
        lambda ps: optim.Adam(ps, lr=0.1),
    ],
)
def test_non_finite_gradient_raises_before_changing_anything(factory):
    a = mg.Tensor(np.ones(3), requires_grad=True)
    b = mg.Tensor(np.ones(2), requires_grad=True)
    opt = factory([("good", a), ("bad", b)])
    a.grad, b.grad = np.full(3, 0.5), np.full(2, 0.5)
    opt.step()  # builds optimizer state
    a_before, b_before = a.data.copy(), b.data.copy()
    state_before = [{k: np.copy(v) for k, v in s.items()} for s in opt.state]
    a.grad, b.grad = np.full(3, 0.5), np.array([0.5, np.nan])
    with pytest.raises(optim.NonFiniteError, match=r"gradient of bad \(shape \(2,\)\) has 1 nan/inf.*no parameter"):
        opt.step()
    np.testing.assert_array_equal(a.data, a_before)
    np.testing.assert_array_equal(b.data, b_before)
    for s, s0 in zip(opt.state, state_before):
        assert s.keys() == s0.keys() and all(np.array_equal(s[k], s0[k]) for k in s)


def test_params_without_grad_are_skipped_and_zero_grad_clears():
    a = mg.Tensor(np.ones(2), requires_grad=True)
    b = mg.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = np.array([1.0, 2.0])
    opt.step()
    np.testing.assert_array_equal(a.data, [0.0, -1.0])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    opt.zero_grad()
    assert a.grad is None
    with pytest.raises(TypeError, match="not a Tensor that requires grad"):
        optim.SGD([mg.Tensor(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([], lr=0.1)
    assert optim.Adam(nn.MLP([2, 2], rng=0)).names == ["layers.0.W", "layers.0.b"]  # a Module gives names


def test_float32_parameters_stay_float32():
    p = mg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    for opt in [optim.SGD([p], 0.1, momentum=0.9), optim.Adam([p], 0.1), optim.RMSprop([p], 0.1), optim.Adagrad([p])]:
        p.grad = np.full(3, 0.5, dtype=np.float32)
        opt.step()
        assert p.data.dtype == np.float32


def test_schedules():
    p = mg.Tensor(np.ones(1), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    step = optim.StepLR(opt, step_size=3, gamma=0.5)
    assert [step.lr_at(t) for t in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    assert [step.step() for _ in range(4)] == [1, 1, 0.5, 0.5] and opt.lr == 0.5
    opt = optim.Adam([p], lr=0.1)
    exp = optim.ExponentialLR(opt, gamma=0.9)
    exp.step()
    exp.step()
    assert math.isclose(opt.lr, 0.1 * 0.81)
    opt = optim.SGD([p], lr=0.01)
    inv = optim.InverseTimeLR(opt, decay=0.5)
    assert [inv.lr_at(t) for t in (0, 2, 6)] == [0.01, 0.005, 0.0025]
    lam = optim.LambdaLR(optim.RMSprop([p], lr=2.0), lambda t: 1 / (t + 1))
    assert lam.step() == 1.0


def test_schedule_drives_the_update():
    p = mg.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = optim.InverseTimeLR(opt, decay=1.0)
    for _ in range(3):
        p.grad = np.ones(1)
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.data, [-(1 + 1 / 2 + 1 / 3)])


# -- BFGS / L-BFGS on the 2-3-1 sleep/study network ---------------------------------------------------

DATA = datasets.sleep_study()
X, Y = DATA.X_train, DATA.y_train


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def hand_cost_and_grad(params, lam):
    """The tutorial's costFunction and costFunctionPrime (part 7), written out in NumPy: the oracle."""
    W1, W2 = params[:6].reshape(2, 3), params[6:].reshape(3, 1)
    z2 = X @ W1
    a2 = sigmoid(z2)
    yhat = sigmoid(a2 @ W2)
    n = len(X)
    J = 0.5 * np.sum((Y - yhat) ** 2) / n + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
    delta3 = -(Y - yhat) * yhat * (1 - yhat)
    dW2 = a2.T @ delta3 / n + lam * W2
    delta2 = delta3 @ W2.T * a2 * (1 - a2)
    dW1 = X.T @ delta2 / n + lam * W1
    return J, np.concatenate([dW1.ravel(), dW2.ravel()])


def welch_net(seed):
    np.random.seed(seed)
    return nn.MLP([2, 3, 1], "sigmoid", "sigmoid", bias=False, init="normal")


@pytest.mark.parametrize("lam", [0.0, 1e-4])
def test_bfgs_matches_scipy_with_the_hand_gradient(lam):
    model = welch_net(0)
    x0 = np.concatenate([p.data.ravel() for p in model.parameters()])
    options = {"maxiter": 200}
    ref = scipy.optimize.minimize(hand_cost_and_grad, x0, args=(lam,), jac=True, method="BFGS", options=options)
    seen = []
    opt = optim.BFGS(model.parameters(), maxiter=200, callback=seen.append)
    result = opt.step(lambda: losses.sse_loss(model(X), Y) / len(X) + losses.l2_penalty(model, lam))
    assert result.success and ref.success
    assert result.nit == ref.nit
    np.testing.assert_allclose(result.fun, ref.fun, rtol=1e-8)
    np.testing.assert_allclose(model.layers[0].W.data.ravel(), result.x[:6])  # the optimum is written back
    np.testing.assert_allclose(result.x, ref.x, atol=1e-3)
    assert seen == opt.history and len(seen) == result.nit and seen[-1] == result.fun
    assert seen[0] < hand_cost_and_grad(x0, lam)[0] and seen[-1] <= min(seen)
    assert all(p.grad is None for p in model.parameters())


def test_lbfgs_matches_scipy_lbfgsb_with_the_hand_gradient():
    model = welch_net(1)
    x0 = np.concatenate([p.data.ravel() for p in model.parameters()])
    ref = scipy.optimize.minimize(hand_cost_and_grad, x0, args=(1e-4,), jac=True, method="L-BFGS-B")
    opt = optim.LBFGS(model.parameters())
    result = opt.step(lambda: losses.sse_loss(model(X), Y) / len(X) + losses.l2_penalty(model, 1e-4))
    assert result.nit == ref.nit
    np.testing.assert_allclose(result.fun, ref.fun, rtol=1e-8)
    np.testing.assert_allclose(np.linalg.norm(hand_cost_and_grad(result.x, 1e-4)[1]), 0, atol=1e-4)


def test_closure_that_calls_backward_itself_and_callback_stop():
    p = mg.Tensor(np.array([5.0, -3.0]), requires_grad=True)
    opt = optim.BFGS([p], callback=lambda loss: True)  # stop after the first iteration

    def closure():
        loss = ((p - 1.0) ** 2).sum() + (p**4).sum() * 0.01
        loss.backward()  # PyTorch habit: the optimizer must not backward a second time
        return loss

    result = opt.step(closure)
    assert result.success and result.nit == 1 and "callback" in result.message
    assert result.fun == opt.history[0] < 16 + 16 + 0.01 * (625 + 81)
    np.testing.assert_array_equal(p.data, result.x)


@pytest.mark.parametrize("what", ["loss", "gradient"])
def test_bfgs_stops_at_non_finite_values_and_keeps_the_best_finite_parameters(what):
    p = mg.Tensor(np.array([0.0]), requires_grad=True)
    evaluated = []

    def closure():
        x = float(p.data[0])
        loss = 0.01 * ((p - 3.0) ** 2).sum()
        if x > 2.0 and what == "loss":  # the model "blows up" past 2
            loss = loss * np.nan
        elif x > 2.0:  # a finite loss whose gradient is nan (the closure's own backward, as a PyTorch habit)
            loss.backward()
            p.grad = np.full_like(p.data, np.nan)
        evaluated.append((x, loss.item()))
        return loss

    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.warns(RuntimeWarning, match=f"{what} became non-finite.*best finite point"):
            result = optim.BFGS([p]).step(closure)
    assert not result.success and "non-finite" in result.message
    finite = [(f, x) for x, f in evaluated if x <= 2.0]
    assert len(finite) >= 2 and len(finite) < len(evaluated)
    best_f, best_x = min(finite)
    assert p.data[0] == best_x and result.fun == best_f and best_x > 0


def test_flat_params_round_trip():
    a = mg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mg.Tensor(np.array([7.0], dtype=np.float32), requires_grad=True)
    flat = optim.FlatParams([a, b])
    np.testing.assert_array_equal(flat.get(), [0, 1, 2, 3, 4, 5, 7])
    np.testing.assert_array_equal(flat.grad(), np.zeros(7))
    flat.set(np.arange(7.0) * 2)
    np.testing.assert_array_equal(a.data, [[0, 2, 4], [6, 8, 10]])
    assert b.data.dtype == np.float32 and b.data[0] == 12
    with pytest.raises(ValueError, match=r"shape \(7,\)"):
        flat.set(np.zeros(6))


def test_mlp_with_momentum_learns_moons():
    X_m, y_m = datasets.make_moons(200, noise=0.2, random_state=0)
    model = nn.MLP([2, 16, 2], rng=0)
    opt = optim.SGD(model, lr=0.1, momentum=0.9)
    for _ in range(1000):
        opt.zero_grad()
        losses.cross_entropy(model(X_m), y_m).backward()
        opt.step()
    accuracy = np.mean(model(X_m).data.argmax(1) == y_m)
    assert accuracy >= 0.97
