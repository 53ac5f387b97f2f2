"""fit: parameters, optimizer state, schedule and history always describe the same step — after Ctrl-C
(a KeyboardInterrupt raised at every line of the loop and of the optimizer's step, and a real SIGINT), after
a non-finite loss or gradient — and bad losses or optimizers are refused with a clear message."""

import linecache
import os
import signal
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import losses, nn, optim

RNG = np.random.default_rng(7)
X = RNG.normal(size=(16, 2))
Y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
XV, YV = X[:6] + 0.1, Y[:6]


def setup():
    model = nn.MLP([2, 4, 2], rng=3)
    opt = optim.Adam([{"params": model.layers[0].parameters()}, {"params": model.layers[1].parameters(), "lr": 0.02}])
    sched = optim.CosineAnnealingLR(opt, T_max=5)
    return model, opt, sched


def run(epochs, loss_fn=losses.cross_entropy, hook=None, **kw):
    model, opt, sched = setup()
    if hook is not None:
        hook(model, opt, sched)
    h = mg.fit(
        model,
        X,
        Y,
        loss_fn,
        opt,
        epochs=epochs,
        schedule=sched,
        metric=mg.train.accuracy,
        validation=(XV, YV),
        **kw,
    )
    return model, opt, sched, h


REFERENCE = {}


def reference(steps):
    """An uninterrupted full-batch run of exactly ``steps`` steps (one step per epoch)."""
    if steps not in REFERENCE:
        REFERENCE[steps] = run(steps)
    return REFERENCE[steps]


def assert_consistent(model, opt, sched, h):
    """Everything describes h.steps completed steps, exactly as an uninterrupted run of that length."""
    r_model, r_opt, r_sched, r_h = reference(h.steps)
    for (name, p), (_, q) in zip(model.named_parameters(), r_model.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    state, r_state = opt.state_dict(), r_opt.state_dict()
    assert state.keys() == r_state.keys()
    for k in state:
        np.testing.assert_array_equal(state[k], r_state[k], err_msg=k)
    assert opt.steps == h.steps and sched.t == r_sched.t == h.steps
    assert h.loss == r_h.loss and h.metric == r_h.metric and len(h.loss) == h.steps
    assert h.epochs == h.steps and h.epoch_loss == r_h.epoch_loss and h.val_loss == r_h.val_loss


def test_uninterrupted_runs_are_consistent():
    assert_consistent(*run(3))


# -- Ctrl-C at every line ---------------------------------------------------------------------------------

WATCHED = ("train.py", os.path.join("optim", "base.py"), os.path.join("optim", "adaptive.py"))


def interrupt_at(n):
    """A tracer that raises KeyboardInterrupt at the n-th line executed in fit or the optimizer's code.

    Lines of ``with`` statements are skipped: their line event also fires after the block, before
    ``__exit__`` runs, and what an interrupt there does to grad mode is the context manager's business
    (``no_grad`` in tensor.py), not fit's; the line before and the block's lines are all visited.
    """
    count = [0]

    def local(frame, event, arg):
        if event == "line" and not linecache.getline(frame.f_code.co_filename, frame.f_lineno).lstrip().startswith(
            "with "
        ):
            count[0] += 1
            if count[0] == n:
                raise KeyboardInterrupt
        return local

    def glob(frame, event, arg):
        if frame.f_code.co_filename.endswith(WATCHED):
            return local
        return None

    return glob, count


def count_lines(epochs):
    tracer, count = interrupt_at(-1)
    sys.settrace(tracer)
    try:
        run(epochs)
    finally:
        sys.settrace(None)
    return count[0]


def test_ctrl_c_at_every_line_leaves_everything_at_the_same_step():
    total = count_lines(3)
    assert total > 200  # the sweep below really visits the loop and the update
    outcomes = set()
    for n in range(1, total + 1):
        tracer, _ = interrupt_at(n)
        sys.settrace(tracer)
        try:
            result = run(3)
        except KeyboardInterrupt:  # raised before fit's try (setup lines): nothing to check
            sys.settrace(None)
            continue
        finally:
            sys.settrace(None)
        model, opt, sched, h = result
        assert mg.is_grad_enabled()
        if h.stopped is None:
            continue
        assert h.stopped == f"interrupted by the user after {h.steps} steps"
        assert_consistent(model, opt, sched, h)
        outcomes.add(h.steps)
    assert {0, 1, 2} <= outcomes  # interrupts landed during each of the three steps (3: after the last)


@pytest.mark.parametrize("where", ["loss", "after optimizer step", "inside update", "schedule", "metric"])
@pytest.mark.parametrize("call", [0, 2])
def test_keyboard_interrupt_at_chosen_points(where, call, monkeypatch):
    """Ctrl-C during step ``call + 1`` (``call`` steps complete) leaves exactly ``call`` steps done."""
    done = {"n": 0}  # completed optimizer updates

    def loss_fn(out, target):
        if where == "loss" and mg.is_grad_enabled() and done["n"] == call:  # a training loss, not validation
            raise KeyboardInterrupt
        return losses.cross_entropy(out, target)

    def metric(out, target):
        if where == "metric" and done["n"] == call:
            raise KeyboardInterrupt
        return mg.train.accuracy(out, target)

    model, opt, sched = setup()
    real_step, real_sched, real_update = opt.step, sched.step, type(opt)._update

    def step(closure=None):
        real_step()
        done["n"] += 1
        if where == "after optimizer step" and done["n"] == call + 1:
            raise KeyboardInterrupt  # the update is complete, its schedule step and history entry are not

    def update(self, group, state, p, g):
        new = real_update(self, group, state, p, g)
        if p is model.layers[1].W and done["n"] == call:
            raise KeyboardInterrupt  # the first layer is already updated
        return new

    def sched_step():
        real_sched()
        if done["n"] == call + 1:
            raise KeyboardInterrupt

    opt.step = step
    if where == "inside update":
        monkeypatch.setattr(type(opt), "_update", update)
    if where == "schedule":
        sched.step = sched_step
    h = mg.fit(model, X, Y, loss_fn, opt, epochs=4, schedule=sched, metric=metric, validation=(XV, YV))
    monkeypatch.undo()
    assert h.stopped == f"interrupted by the user after {call} steps" and h.steps == call
    assert_consistent(model, opt, sched, h)


def test_a_real_sigint_mid_step():
    def hook(model, opt, sched):
        real = sched.step

        def step():
            real()
            if sched.t == 2:
                os.kill(os.getpid(), signal.SIGINT)  # delivered at the next bytecode, inside fit

        sched.step = step

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not Python's default KeyboardInterrupt handler here")
    model, opt, sched, h = run(5, hook=hook)
    assert h.stopped == f"interrupted by the user after {h.steps} steps" and h.steps in (1, 2)
    assert_consistent(model, opt, sched, h)


# -- non-finite losses and gradients ------------------------------------------------------------------------


@pytest.mark.parametrize("bad_call", [0, 1, 3])
def test_non_finite_loss_undoes_the_step_that_led_to_it(bad_call):
    calls = {"n": 0}

    def loss_fn(out, target):
        loss = losses.cross_entropy(out, target)
        if not mg.is_grad_enabled():  # the validation loss
            return loss
        calls["n"] += 1
        return loss * np.nan if calls["n"] == bad_call + 1 else loss

    with pytest.warns(RuntimeWarning, match="the loss became nan"):
        model, opt, sched, h = run(6, loss_fn=loss_fn)
    # the loss at the parameters after step bad_call is nan: that step is undone
    assert h.steps == max(bad_call - 1, 0)
    assert f"({h.steps} steps done)" in h.stopped
    assert_consistent(model, opt, sched, h)


def test_non_finite_gradient_is_refused_before_its_step():
    def hook(model, opt, sched):
        real = opt.step
        count = {"n": 0}

        def step(closure=None):
            count["n"] += 1
            if count["n"] == 3:
                model.layers[0].b.grad = model.layers[0].b.grad * np.inf
            return real()

        opt.step = step

    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="gradient of"):
        model, opt, sched, h = run(6, hook=hook)
    assert h.steps == 2 and "nan/inf" in h.stopped
    assert_consistent(model, opt, sched, h)


def test_early_stopping_restores_optimizer_and_schedule_with_the_parameters():
    model = nn.MLP([2, 8, 2], rng=0)
    opt = optim.SGD(model, lr=5.0, momentum=0.5)
    sched = optim.StepLR(opt, step_size=3)
    h = mg.fit(model, X, Y, losses.cross_entropy, opt, epochs=200, validation=(XV, YV), patience=3, schedule=sched)
    assert "early stopping" in h.stopped and h.best_epoch is not None
    # full batch: epoch e ends after e + 1 steps; the restored state is that of the best epoch
    assert opt.steps == sched.t == h.best_epoch + 1 < h.steps
    with mg.no_grad():
        assert losses.cross_entropy(model(XV), YV).item() == pytest.approx(min(h.val_loss), rel=1e-12)


# -- refused up front ---------------------------------------------------------------------------------------


def test_fit_refuses_losses_that_are_not_scalar_tensors_and_bfgs():
    model = nn.MLP([2, 3, 2], rng=0)
    sgd = optim.SGD(model, lr=0.1)
    with pytest.raises(ValueError, match=r"must return a scalar Tensor, got shape \(16,\).*reduction='none'"):
        mg.fit(model, X, Y, lambda o, t: losses.cross_entropy(o, t, reduction="none"), sgd)
    with pytest.raises(TypeError, match="must return a scalar Tensor computed from the model's output, got float"):
        mg.fit(model, X, Y, lambda o, t: float(losses.cross_entropy(o, t).item()), sgd)
    with pytest.raises(ValueError, match="does not depend on any parameter"):
        mg.fit(model, X, Y, lambda o, t: losses.cross_entropy(mg.Tensor(o.data), t), sgd)
    with pytest.raises(TypeError, match=r"fit: BFGS minimises a closure in one call.*step\(lambda"):
        mg.fit(model, X, Y, losses.cross_entropy, optim.BFGS(model))
    with pytest.raises(TypeError, match="fit: LBFGS minimises a closure"):
        mg.fit(model, X, Y, losses.cross_entropy, optim.LBFGS(model))
    assert sgd.steps == 0


def test_progress_lines_once_per_committed_step_with_minibatches():
    lines = []
    model = nn.MLP([2, 4, 2], rng=3)
    h = mg.fit(
        model,
        X,
        Y,
        losses.cross_entropy,
        optim.SGD(model, lr=0.1),
        epochs=3,
        batch_size=5,
        print_every=3,
        print_fn=lines.append,
    )  # 4 batches per epoch: steps 0..11, the epochs' last steps are 3, 7, 11
    assert h.steps == 12
    # "after iteration i": the loss after update i, which step i + 1 computes (the tutorial's meaning)
    assert lines == [f"Loss after iteration {i}: {h.loss[i + 1]:f}" for i in range(0, 12, 3)]
