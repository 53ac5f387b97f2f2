"""fit: reproduces the hand-written loops, seeded minibatches, history and progress, early stopping,
and training interrupted by a non-finite loss keeps the last good parameters."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import datasets, losses, nn, optim
from minigrad.train import accuracy


def moons():
    np.random.seed(0)
    return datasets.make_moons(200, noise=0.20)


def wildml_hand(X, y, steps, hidden=3, lam=0.01, eps=0.01):
    """The wildml tutorial's build_model, verbatim in spirit (one-hot delta, summed loss, reg on W only)."""
    np.random.seed(0)
    W1 = np.random.randn(2, hidden) / np.sqrt(2)
    b1 = np.zeros((1, hidden))
    W2 = np.random.randn(hidden, 2) / np.sqrt(hidden)
    b2 = np.zeros((1, 2))
    for _ in range(steps):
        a1 = np.tanh(X @ W1 + b1)
        e = np.exp(a1 @ W2 + b2)
        delta3 = e / e.sum(1, keepdims=True)
        delta3[range(len(X)), y] -= 1
        dW2 = a1.T @ delta3 + lam * W2
        db2 = delta3.sum(0, keepdims=True)
        delta2 = delta3 @ W2.T * (1 - a1**2)
        dW1 = X.T @ delta2 + lam * W1
        db1 = delta2.sum(0)
        W1, b1, W2, b2 = W1 - eps * dW1, b1 - eps * db1, W2 - eps * dW2, b2 - eps * db2
    return W1, b1, W2, b2


def test_fit_full_batch_reproduces_the_wildml_tutorial_loop(capsys):
    X, y = moons()
    W1, b1, W2, b2 = wildml_hand(X, y, 300)
    np.random.seed(0)
    model = nn.MLP([2, 3, 2])
    weights = [layer.W for layer in model.layers]

    def loss_fn(out, target):
        return losses.cross_entropy(out, target, reduction="sum") + losses.l2_penalty(weights, 0.01)

    history = mg.fit(model, X, y, loss_fn, optim.GD(model, lr=0.01), epochs=300, print_every=100, metric=accuracy)
    np.testing.assert_allclose(model.layers[0].W.data, W1, rtol=1e-9)
    np.testing.assert_allclose(model.layers[1].b.data, b2[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.layers[1].W.data, W2, rtol=1e-9)
    np.testing.assert_allclose(model.layers[0].b.data, b1[0], rtol=1e-9, atol=1e-12)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"Loss after iteration {i}" for i in (0, 100, 200)]
    # The tutorial's "iteration i": the loss after update i, which the next step computes.
    assert lines[1] == f"Loss after iteration 100: {history.loss[101]:f}"
    assert history.steps == history.epochs == len(history.loss) == len(history.metric) == 300
    assert history.loss[-1] < history.loss[0] and history.metric[-1] > 0.8 and history.stopped is None


def test_minibatches_are_seeded_and_cover_every_row():
    X, y = moons()
    seen = []

    def loss_fn(out, target):
        seen.append(len(target))
        return losses.cross_entropy(out, target)

    runs = []
    for _ in range(2):
        model = nn.MLP([2, 8, 2], rng=1)
        h = mg.fit(model, X, y, loss_fn, optim.Adam(model, lr=0.01), epochs=3, batch_size=64, rng=5)
        runs.append((h.loss, model.state_dict()))
    assert seen[:4] == [64, 64, 64, 8] and len(runs[0][0]) == 12
    assert runs[0][0] == runs[1][0]
    assert all(np.array_equal(runs[0][1][k], runs[1][1][k]) for k in runs[0][1])
    model = nn.MLP([2, 8, 2], rng=1)
    other = mg.fit(model, X, y, losses.cross_entropy, optim.Adam(model, lr=0.01), epochs=3, batch_size=64, rng=6)
    assert other.loss != runs[0][0]  # a different seed, a different order
    assert len(runs[0][0]) / 3 == 4 and np.allclose(other.epoch_loss, np.reshape(other.loss, (3, 4)).mean(1))


def test_early_stopping_restores_the_best_epoch():
    X, y = moons()
    model = nn.MLP([2, 8, 2], rng=0)
    Xv, yv = datasets.make_moons(100, noise=0.2, random_state=1)
    h = mg.fit(
        model,
        X,
        y,
        losses.cross_entropy,
        optim.SGD(model, lr=5.0),  # far too large: the validation loss stops improving quickly
        epochs=500,
        validation=(Xv, yv),
        patience=5,
    )
    assert h.stopped and "early stopping" in h.stopped and h.epochs < 500
    assert len(h.val_loss) == h.epochs and h.best_epoch == int(np.argmin(h.val_loss))
    with mg.no_grad():
        restored = losses.cross_entropy(model(Xv), yv).item()
    assert restored == pytest.approx(min(h.val_loss), rel=1e-12)


def test_non_finite_loss_stops_and_keeps_the_last_good_parameters():
    model = nn.Linear(1, 1, rng=0)
    X, y = np.array([[1.0], [2.0]]), np.array([[1.0], [-1.0]])
    snapshots = []

    def loss_fn(out, target):
        snapshots.append(model.state_dict())
        return losses.mse_loss(out, target)

    # lr far too large: the loss grows ~20x per step until it overflows
    with np.errstate(over="ignore", invalid="ignore"), pytest.warns(RuntimeWarning, match=r"loss became (inf|nan)"):
        h = mg.fit(model, X, y, loss_fn, optim.SGD(model, lr=2.5), epochs=10_000)
    assert h.stopped and "undid the last step, back to the parameters of the last finite loss" in h.stopped
    # snapshots: the parameters before each loss; the last loss was not finite, and the step that led
    # to it is undone: the parameters are those of the last finite loss, after h.steps steps
    assert 50 < h.steps < 10_000 and len(snapshots) == h.steps + 2
    assert f"({h.steps} steps done)" in h.stopped and len(h.loss) == h.steps
    assert np.isfinite(h.loss).all() and h.loss[-1] > 1e200
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, snapshots[-2][name])  # the parameters of the last finite loss
        assert np.isfinite(p.data).all()


def test_non_finite_gradient_stops_without_an_update():
    model = nn.Linear(1, 1, rng=0)
    X, y = np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])
    calls = []

    def loss_fn(out, target):
        calls.append(model.state_dict())
        loss = losses.mse_loss(out, target)
        if len(calls) >= 3:  # adds 0 to the loss, but d/dW sqrt(0 · W) = inf · 0 = nan
            loss = loss + mg.sqrt(model.W * 0.0).sum()
        return loss

    with np.errstate(divide="ignore", invalid="ignore"), pytest.warns(RuntimeWarning, match="gradient of W"):
        h = mg.fit(model, X, y, loss_fn, optim.SGD(model, lr=0.1), epochs=10)
    assert h.steps == 2 and "nan/inf" in h.stopped and np.isfinite(h.loss).all()
    np.testing.assert_array_equal(model.W.data, calls[-1]["W"])
    assert not np.array_equal(calls[-1]["W"], calls[0]["W"])


def test_fit_errors():
    model = nn.Linear(2, 1, rng=0)
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        mg.fit(model, np.ones((3, 2)), np.ones((2, 1)), losses.mse_loss, optim.SGD(model, 0.1))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        mg.fit(model, np.ones((3, 2)), np.ones((3, 1)), losses.mse_loss, optim.SGD(model, 0.1), batch_size=0)


def test_accuracy_helper():
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert accuracy(mg.Tensor(np.array([[0.7], [0.2]])), np.array([[1.0], [1.0]])) == 0.5


def test_ctrl_c_mid_update_keeps_consistent_parameters_and_history():
    model = mg.nn.MLP([2, 3, 2])
    X = np.random.default_rng(0).normal(size=(8, 2))
    y = np.arange(8) % 2
    inner = mg.optim.SGD(model, lr=0.1)

    class InterruptedOnThirdStep:
        calls = 0

        def zero_grad(self):
            inner.zero_grad()

        def step(self):
            self.calls += 1
            if self.calls == 3:
                first = model.parameters()[0]
                first.data -= 0.1 * first.grad  # half of an update, then Ctrl-C
                raise KeyboardInterrupt
            inner.step()

    before = None

    def loss_fn(out, target):
        nonlocal before
        before = [p.data.copy() for p in model.parameters()]
        return mg.losses.cross_entropy(out, target)

    history = mg.fit(model, X, y, loss_fn, InterruptedOnThirdStep(), epochs=10)
    assert history.stopped == "interrupted by the user after 2 steps"
    assert len(history.loss) == 2
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)


def test_loss_after_iteration_0_is_the_loss_after_the_first_update_as_in_the_tutorial():
    X, y = moons()
    np.random.seed(0)
    model = nn.MLP([2, 3, 2])
    weights = [layer.W for layer in model.layers]

    def loss_fn(out, target):
        return losses.cross_entropy(out, target, reduction="sum") + losses.l2_penalty(weights, 0.01)

    lines = []
    history = mg.fit(model, X, y, loss_fn, optim.GD(model, lr=0.01), epochs=3, print_every=1, print_fn=lines.append)
    # The tutorial (and `minigrad moons`) print 0.432387 = L/N after the first update; L/N before it is higher.
    after_first = float(lines[0].split(": ")[1])
    assert f"{after_first / len(X):.6f}" == "0.432387" and history.loss[0] > after_first
    # Each line is the loss of the parameters after that update; none computes the loss after the last one.
    assert lines == [f"Loss after iteration {i}: {history.loss[i + 1]:f}" for i in (0, 1)]


def test_no_progress_line_for_a_loss_no_step_computed():
    model = nn.Linear(1, 1, rng=0)
    X, y = np.array([[1.0], [2.0]]), np.array([[1.0], [2.0]])
    lines = []
    mg.fit(model, X, y, losses.mse_loss, optim.SGD(model, lr=0.1), epochs=1, print_every=1, print_fn=lines.append)
    assert lines == []  # the loss after the only update is never computed: nothing is made up
