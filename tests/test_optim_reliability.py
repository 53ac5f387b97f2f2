"""Optimizers under interrupts and bad inputs (issue 22): Ctrl-C inside BFGS/L-BFGS keeps the best point,
schedules and scipy options refuse nan/negative values before writing them, a gradient shaped unlike its
parameter is refused before any update, and broadcast_to names the size of a shape too large to address."""

import math
import os
import signal

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

# -- interrupts inside BFGS / L-BFGS keep the best point -------------------------------------------------

START = np.array([-1.2, 1.0])


def rosenbrock(p):
    """(1 − x)² + 100 (y − x²)²: curved valley, so line searches take several evaluations."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def interrupted_run(cls, k, interrupt):
    """Minimise from START, calling ``interrupt()`` at the k-th evaluation; returns what the test needs."""
    p = mg.Tensor(START.copy(), requires_grad=True)
    evaluated = []  # (loss, x) of every evaluation that completed

    def closure():
        if len(evaluated) + 1 == k:
            interrupt()
        loss = rosenbrock(p)
        evaluated.append((loss.item(), p.data.copy()))
        return loss

    opt = cls([p])
    with pytest.raises(KeyboardInterrupt):
        opt.step(closure)
    return p, opt, evaluated


def raise_keyboard_interrupt():
    raise KeyboardInterrupt


def send_sigint():
    # a real Ctrl-C: Python's handler raises KeyboardInterrupt at the next bytecode, wherever that is
    os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("interrupt", [raise_keyboard_interrupt, send_sigint], ids=["raise", "sigint"])
@pytest.mark.parametrize("k", [7, 13, 16, 21, 29, 36])
@pytest.mark.parametrize("cls", [optim.BFGS, optim.LBFGS], ids=["bfgs", "lbfgs"])
def test_interrupt_inside_step_keeps_the_best_point_seen(cls, k, interrupt):
    p, opt, evaluated = interrupted_run(cls, k, interrupt)
    assert len(opt.history) >= 2  # interrupted after some accepted iterations
    best_loss, best_x = min(evaluated, key=lambda e: e[0])
    np.testing.assert_array_equal(p.data, best_x)
    left = rosenbrock(p).item()
    assert left == best_loss and all(left <= accepted for accepted in opt.history)
    assert opt.history[-1] == left  # history ends at the parameters left
    assert p.grad is None


def test_any_exception_escaping_scipy_keeps_the_best_point_and_is_re_raised():
    p = mg.Tensor(START.copy(), requires_grad=True)
    evaluated = []

    def closure():
        if len(evaluated) == 12:
            raise RuntimeError("the data loader failed")
        loss = rosenbrock(p)
        evaluated.append((loss.item(), p.data.copy()))
        return loss

    with pytest.raises(RuntimeError, match="data loader"):
        optim.BFGS([p]).step(closure)
    np.testing.assert_array_equal(p.data, min(evaluated, key=lambda e: e[0])[1])


def test_interrupt_at_the_first_evaluation_restores_the_start():
    p = mg.Tensor(START.copy(), requires_grad=True)

    def closure():
        p.data[...] = 7.0  # the closure may have changed the parameters before Ctrl-C
        raise KeyboardInterrupt

    opt = optim.LBFGS([p])
    with pytest.raises(KeyboardInterrupt):
        opt.step(closure)
    np.testing.assert_array_equal(p.data, START)
    assert opt.history == []


def test_a_non_finite_stop_also_ends_history_at_the_parameters_left():
    p = mg.Tensor(START.copy(), requires_grad=True)
    calls = []

    def closure():
        calls.append(1)
        loss = rosenbrock(p)
        return loss * np.nan if len(calls) == 20 else loss

    opt = optim.BFGS([p])
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="best finite point"):
        result = opt.step(closure)
    assert rosenbrock(p).item() == result.fun == opt.history[-1] == min(opt.history)
    assert result.nit in (len(opt.history), len(opt.history) - 1)  # accepted iterates, not the appended point


# -- schedules refuse a learning rate they would set -----------------------------------------------------


def sgd(lr=0.1):
    return optim.SGD([mg.Tensor(np.ones(2), requires_grad=True)], lr=lr)


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: optim.ExponentialLR(sgd(), gamma=math.nan),
            r"ExponentialLR: gamma must be a finite number in \[0, inf",
        ),
        (lambda: optim.ExponentialLR(sgd(), gamma=math.inf), r"ExponentialLR: gamma must be a finite number"),
        (
            lambda: optim.StepLR(sgd(), step_size=2, gamma=-2),
            r"StepLR: gamma must be a finite number in \[0, inf\), got -2",
        ),
        (lambda: optim.StepLR(sgd(), step_size=0), r"StepLR: step_size must be an integer >= 1, got 0"),
        (lambda: optim.StepLR(sgd(), step_size=1.5), r"StepLR: step_size must be an integer >= 1, got 1.5"),
        (lambda: optim.InverseTimeLR(sgd(), decay=math.nan), r"InverseTimeLR: decay must be a finite number"),
        (lambda: optim.InverseTimeLR(sgd(), decay=-1), r"InverseTimeLR: decay must be a finite number"),
        (lambda: optim.CosineAnnealingLR(sgd(), T_max=3, eta_min=math.nan), r"eta_min must be a finite number"),
        (lambda: optim.CosineAnnealingLR(sgd(), T_max=2.5), r"T_max must be an integer >= 1, got 2.5"),
        (lambda: optim.LambdaLR(sgd(), factor=0.5), r"LambdaLR: factor must be a function of the step t, got float"),
        (lambda: optim.LambdaLR(sgd(), lambda t: math.nan), r"LambdaLR at step 0: factor\(0\) must be a finite"),
    ],
)
def test_schedule_arguments_are_checked_in_the_constructor(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@pytest.mark.parametrize("bad", [math.nan, -0.5, math.inf])
def test_lambda_lr_refuses_a_bad_factor_at_step_time_before_writing_it(bad):
    p = mg.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = optim.LambdaLR(opt, lambda t: bad if t == 3 else 1.0 / (t + 1))
    sched.step()
    sched.step()
    lr_before = opt.lr
    with pytest.raises(ValueError, match=rf"LambdaLR at step 3: factor\(3\) must be a finite number .*got {bad}"):
        sched.step()
    assert opt.lr == lr_before and sched.t == 2  # nothing was written
    p.grad = np.ones(2)
    opt.step()
    assert np.isfinite(p.data).all()


def test_a_schedule_that_overflows_is_refused_naming_the_step():
    opt = sgd(lr=1.0)
    sched = optim.ExponentialLR(opt, gamma=1e100)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="ExponentialLR at step 4: the learning rate overflows a float"):
        sched.step()
    assert opt.lr == 1e300 and sched.t == 3
    opt = sgd(lr=10.0)
    sched = optim.ExponentialLR(opt, gamma=1e154)
    sched.step()
    with pytest.raises(ValueError, match=r"ExponentialLR at step 2: the learning rate must be .*got inf"):
        sched.step()  # 10 · 1e308 = inf


def test_a_legacy_lr_at_subclass_is_checked_too():
    class Negative(optim.LRSchedule):
        def lr_at(self, t):
            return self.base_lr - t

    opt = sgd(lr=1.0)
    sched = Negative(opt)
    assert sched.step() == 0.0
    with pytest.raises(ValueError, match=r"Negative at step 2: the learning rate must be .*got -1.0"):
        sched.step()
    assert opt.lr == 0.0


@pytest.mark.parametrize(
    "state, message",
    [
        ({"t": 1, "base_lrs": [math.nan]}, r"load_state_dict: base_lrs\[0\] must be a finite number .*got nan"),
        ({"t": 1, "base_lrs": [-0.1]}, r"base_lrs\[0\] must be a finite number in \[0, inf\), got -0.1"),
        ({"t": -1, "base_lrs": [0.1]}, r"load_state_dict: t must be an integer >= 0, got -1"),
        ({"t": 1}, r"load_state_dict: missing \['base_lrs'\]"),
        ({"t": 1, "base_lrs": [0.1, 0.2]}, "2 base lrs for 1 groups"),
    ],
)
def test_schedule_load_state_dict_refuses_bad_values_and_changes_nothing(state, message):
    opt = sgd(lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    with pytest.raises(ValueError, match=message):
        sched.load_state_dict(state)
    assert sched.t == 1 and sched.base_lrs == [1.0] and opt.lr == 0.5
    sched.load_state_dict({"t": np.array(3), "base_lrs": np.array([2.0])})  # a good one still works
    assert opt.lr == 0.25


def test_load_state_dict_that_would_set_a_refused_lr_changes_nothing():
    opt = sgd(lr=1.0)
    sched = optim.LambdaLR(opt, lambda t: -1.0 if t >= 5 else 1.0)
    with pytest.raises(ValueError, match=r"factor\(5\)"):
        sched.load_state_dict({"t": 5, "base_lrs": [3.0]})
    assert sched.t == 0 and sched.base_lrs == [1.0] and opt.lr == 1.0


def test_a_schedule_refuses_an_optimizer_whose_lr_is_already_bad():
    opt = sgd()
    opt.param_groups[0]["lr"] = math.nan  # written around the checked setter
    with pytest.raises(ValueError, match=r"StepLR: the optimizer's lr must be a finite number"):
        optim.StepLR(opt, step_size=1)


# -- BFGS / L-BFGS options -------------------------------------------------------------------------------


def one():
    return [mg.Tensor(np.ones(2), requires_grad=True)]


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: optim.LBFGS(one(), history_size=0), ValueError, r"LBFGS: history_size must be an integer >= 1, got 0"),
        (lambda: optim.LBFGS(one(), history_size=2.5), ValueError, "history_size must be an integer >= 1"),
        (lambda: optim.LBFGS(one(), options={"maxcor": 3}), ValueError, "as history_size, not options"),
        (lambda: optim.LBFGS(one(), options={"maxls": 0}), ValueError, r"options\['maxls'\] must be an integer >= 1"),
        (lambda: optim.LBFGS(one(), options={"maxfun": 0}), ValueError, r"options\['maxfun'\] must be an integer"),
        (lambda: optim.LBFGS(one(), options={"ftol": -1}), ValueError, r"options\['ftol'\] must be a finite number"),
        (lambda: optim.LBFGS(one(), options={"gtol": math.nan}), ValueError, r"options\['gtol'\] must be a finite"),
        (lambda: optim.LBFGS(one(), options={"maxiter": -1}), ValueError, r"options\['maxiter'\] must be an integer"),
        (lambda: optim.LBFGS(one(), options=[("ftol", 1)]), TypeError, "options must be a dict"),
        (lambda: optim.BFGS(one(), options={"c1": 0.95}), ValueError, "0 < c1 < c2 < 1, got c1=0.95, c2=0.9"),
        (
            lambda: optim.BFGS(one(), options={"c2": 1.0}),
            ValueError,
            r"options\['c2'\] must be a finite number in \(0, 1\)",
        ),
        (lambda: optim.BFGS(one(), options={"norm": 0}), ValueError, r"options\['norm'\] must be a non-zero number"),
        (
            lambda: optim.BFGS(one(), options={"eps": 0.0}),
            ValueError,
            r"options\['eps'\] must be a finite number in \(0",
        ),
        (lambda: optim.BFGS(one(), callback=3), TypeError, "callback must be a function of the loss or None"),
    ],
)
def test_scipy_options_are_checked_in_the_constructor(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_history_size_one_runs():
    p = mg.Tensor(START.copy(), requires_grad=True)
    result = optim.LBFGS([p], history_size=1, maxiter=500).step(lambda: rosenbrock(p))
    assert result.success and result.fun < 1e-6
    assert optim.BFGS(one(), options={"norm": -math.inf, "c1": 0.1, "c2": 0.5}).options["norm"] == -math.inf


# -- a gradient shaped unlike its parameter is refused before any update ---------------------------------

FACTORIES = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda ps: optim.Adagrad(ps),
    "rmsprop": lambda ps: optim.RMSprop(ps, momentum=0.5, centered=True),
    "adam": lambda ps: optim.Adam(ps),
    "adamw": lambda ps: optim.AdamW(ps),
}


@pytest.mark.parametrize("kind", sorted(FACTORIES))
@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
@pytest.mark.parametrize(
    "wrong, pshape", [((1,), (3,)), ((1, 3), (2, 3)), ((3,), (2, 3)), ((6,), (2, 3)), ((), (3,))], ids=str
)
def test_a_wrong_shape_gradient_is_refused_before_any_parameter_changes(kind, named, wrong, pshape):
    a = mg.Tensor(np.ones(4), requires_grad=True)
    b = mg.Tensor(np.ones(pshape), requires_grad=True)
    opt = FACTORIES[kind]([("a", a), ("b", b)] if named else [a, b])
    a.grad, b.grad = np.full(4, 0.5), np.full(pshape, 0.5)
    opt.step()
    before = [a.data.copy(), b.data.copy()], opt.state_dict()
    a.grad, b.grad = np.full(4, 0.5), np.full(wrong, 0.5)
    name = "b" if named else "param 1"
    message = (
        rf"{type(opt).__name__}.step: the gradient of {name} has shape {wrong}, but the parameter has shape {pshape}"
    )
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        opt.step()
    np.testing.assert_array_equal(a.data, before[0][0])
    np.testing.assert_array_equal(b.data, before[0][1])
    after = opt.state_dict()
    assert after.keys() == before[1].keys() and all(np.array_equal(after[k], before[1][k]) for k in after)


def test_a_wrong_shape_gradient_in_a_later_group_and_from_a_module_is_named():
    model = nn.MLP([2, 3], rng=0)
    opt = optim.Adam(model)
    model.layers[0].b.grad = np.ones(1)
    with pytest.raises(
        ValueError, match=r"gradient of layers\.0\.b has shape \(1,\), but the parameter has shape \(3,\)"
    ):
        opt.step()
    a, b = mg.Tensor(np.ones(2), requires_grad=True), mg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    b.grad = np.ones(1)
    with pytest.raises(ValueError, match=r"gradient of group 1 param 0 has shape \(1,\)"):
        opt.step()


def test_clip_grad_norm_refuses_a_wrong_shape_gradient_before_scaling_any():
    a, b = mg.Tensor(np.ones(2), requires_grad=True), mg.Tensor(np.ones(3), requires_grad=True)
    a.grad, b.grad = np.array([30.0, 40.0]), np.ones(1)
    with pytest.raises(
        ValueError, match=r"clip_grad_norm: the gradient of param 1 has shape \(1,\), but the parameter"
    ):
        optim.clip_grad_norm([a, b], 1.0)
    np.testing.assert_array_equal(a.grad, [30.0, 40.0])
    model = nn.MLP([2, 3], rng=0)
    model.layers[0].W.grad = np.ones((3, 2))
    with pytest.raises(
        ValueError, match=r"gradient of layers\.0\.W has shape \(3, 2\), but the parameter has shape \(2, 3\)"
    ):
        optim.clip_grad_norm(model, 1.0)


@pytest.mark.parametrize("cls", [optim.BFGS, optim.LBFGS], ids=["bfgs", "lbfgs"])
def test_bfgs_refuses_a_wrong_shape_gradient_and_restores_the_start(cls):
    w = mg.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)

    def closure():
        loss = (w * w).sum()
        w.grad = np.array([1.0])  # a closure that writes its own gradient, wrongly
        return loss

    with pytest.raises(
        ValueError, match=rf"{cls.__name__}.step: the gradient of w has shape \(1,\), but the parameter"
    ):
        cls([("w", w)]).step(closure)
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])
    flat = optim.FlatParams([w])
    w.grad = np.ones((3, 1))
    with pytest.raises(ValueError, match=r"FlatParams.grad: the gradient of param 0 has shape \(3, 1\)"):
        flat.grad()


# -- broadcast_to names the size of a shape too large to address (belongs with tests/test_ops.py) --------


@pytest.mark.parametrize(
    "dtype, shape, message",
    [
        (
            np.float64,
            (10**10, 10**10),
            r"shape \(10000000000, 10000000000\) would hold 1e20 elements \(800 EB of float64\)",
        ),
        (
            np.float32,
            (10**10, 10**10),
            r"would hold 1e20 elements \(400 EB of float32\), more than an array can address",
        ),
        (np.float64, (10**19,), r"shape \(10000000000000000000,\) would hold 1e19 elements \(80 EB of float64\)"),
    ],
)
def test_broadcast_to_a_shape_too_large_names_its_size(dtype, shape, message):
    with pytest.raises(ValueError, match=message):
        mg.broadcast_to(mg.Tensor(np.ones(1, dtype=dtype)), shape)


@pytest.mark.parametrize("src, shape", [((2,), (3,)), ((2,), (10**10, 10**10)), ((1,), (-1,)), ((2, 3), (3,))])
def test_broadcast_to_a_mismatched_shape_keeps_the_mismatch_message(src, shape):
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape"):
        mg.broadcast_to(mg.Tensor(np.ones(src)), shape)
