"""A small convolutional network on scikit-learn's handwritten digits (8×8 grey images, 10 classes).

Data: ``sklearn.datasets.load_digits()`` (1,797 images shipped inside scikit-learn;
``pip install "minigrad-np[examples]"``), pixels scaled to [0, 1], a seeded split of
1,347 training and 450 test images. The network (NCHW, PyTorch's layouts):

    Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2)        (16, 4, 4)
    Conv2d(16, 32, 3, padding=1) → ReLU → MaxPool2d(2)       (32, 2, 2)
    Flatten → Linear(128, 10)                                logits

trained with ``minigrad.optim.Adam`` (lr 0.01) on mini-batches of 32 with a cosine
learning-rate schedule to zero, softmax cross-entropy. One progress line per epoch;
then the test accuracy (98.2%, 442 of 450, after the default 15 epochs), a figure of the misclassified
test digits and one of the learning curves (matplotlib's ``Figure``, no pyplot).
Ctrl-C stops training: what completed is printed and the script exits with 130.

    python examples/digits_cnn.py [--epochs 15] [--batch 32] [--lr 0.01] [--seed 0] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli, losses, nn, optim


def load_digits_split(seed: int = 0, test_size: int = 450) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test): images (N, 1, 8, 8) float64 in [0, 1], integer labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit('digits_cnn.py needs scikit-learn: pip install "minigrad-np[examples]" (or pip install scikit-learn)')
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float64)[:, None, :, :]
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(seed).permutation(len(y))
    test, train = order[:test_size], order[test_size:]
    return X[train], y[train], X[test], y[test]


def make_model(seed: int = 0) -> nn.Module:
    """The CNN above; conv layers get PyTorch's initialisation, the Linear layer randn/√fan_in."""
    rng = np.random.RandomState(seed)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 10, rng=rng),
    )


def evaluate(model: nn.Module, X: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(mean loss, accuracy in %, predicted labels) without recording a graph."""
    with mg.no_grad():
        logits = model(X)
        loss = losses.cross_entropy(logits, y).item()
    pred = logits.data.argmax(axis=1)
    return loss, 100.0 * float((pred == y).mean()), pred


def cosine(total_steps: int) -> Callable[[int], float]:
    """Factor of the base lr at step t: ½(1 + cos(π t / total)), from 1 down to 0."""
    return lambda t: 0.5 * (1.0 + math.cos(math.pi * min(t, total_steps) / total_steps))


def train(model, data, epochs: int, batch: int, lr: float, seed: int, history: dict) -> None:
    """Adam + cosine schedule; appends one row per epoch to ``history`` and prints it."""
    X, y, Xt, yt = data
    params = model.parameters()
    opt = optim.Adam(params, lr=lr)
    steps_per_epoch = math.ceil(len(y) / batch)
    schedule = optim.LambdaLR(opt, cosine(epochs * steps_per_epoch))
    rng = np.random.RandomState((seed + 1) % 2**32)  # the shuffling stream; any valid --seed
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = rng.permutation(len(y))
        for i in range(0, len(y), batch):
            idx = order[i : i + batch]
            opt.zero_grad()
            loss = losses.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            schedule.step()
        model.eval()
        train_loss, train_acc, _ = evaluate(model, X, y)
        test_loss, test_acc, _ = evaluate(model, Xt, yt)
        for key, value in zip(
            ("train_loss", "train_acc", "test_loss", "test_acc"), (train_loss, train_acc, test_loss, test_acc)
        ):
            history[key].append(value)
        print(
            f"epoch {epoch:2d}/{epochs}  train loss {train_loss:.4f}  train accuracy {train_acc:5.1f}%  "
            f"test loss {test_loss:.4f}  test accuracy {test_acc:5.1f}%  lr {opt.lr:.5f}  "
            f"({time.perf_counter() - start:.2f} s)",
            flush=True,
        )


def figure_misclassified(X: np.ndarray, y: np.ndarray, pred: np.ndarray, path: Path) -> Path:
    """A grid of the misclassified test images titled 'true → predicted'."""
    from matplotlib.figure import Figure

    wrong = np.flatnonzero(pred != y)[:40]
    cols = max(1, min(10, len(wrong)))
    rows = max(1, math.ceil(len(wrong) / cols))
    fig = Figure(figsize=(cols * 1.1, rows * 1.3 + 0.6))
    fig.suptitle(f"Misclassified test digits: {int((pred != y).sum())} of {len(y)} (true → predicted)")
    for k in range(rows * cols):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.set_axis_off()
        if k < len(wrong):
            i = wrong[k]
            ax.imshow(X[i, 0], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(f"{y[i]} → {pred[i]}", fontsize=9, color="firebrick")
    if not len(wrong):
        fig.axes[0].text(0.5, 0.5, "none", ha="center", va="center")
    fig.savefig(path, dpi=100)
    return path


def figure_curves(history: dict, path: Path) -> Path:
    """Loss and accuracy per epoch, train and test."""
    from matplotlib.figure import Figure

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_l, ax_a = fig.subplots(1, 2)
    ax_l.plot(epochs, history["train_loss"], "o-", label="train")
    ax_l.plot(epochs, history["test_loss"], "s-", label="test")
    ax_l.set(xlabel="epoch", ylabel="mean cross-entropy", yscale="log", title="Loss")
    ax_a.plot(epochs, history["train_acc"], "o-", label="train")
    ax_a.plot(epochs, history["test_acc"], "s-", label="test")
    ax_a.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (ax_l, ax_a):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Digits CNN: learning curves (Adam, cosine schedule)")
    fig.savefig(path, dpi=100)
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any training (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=cli.positive_int, default=None, help="default 15 (5 with --quick)")
    parser.add_argument("--batch", type=cli.positive_int, default=32, help="mini-batch size (default 32)")
    parser.add_argument("--lr", type=cli.positive_float, default=0.01, help="Adam's learning rate (default 0.01)")
    parser.add_argument("--seed", type=cli.seed, default=0, help="data split and weights (0 .. 2**32 - 1)")
    parser.add_argument("--quick", action="store_true", help="5 epochs, for a first look (a few seconds)")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figures")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    epochs = args.epochs if args.epochs is not None else 5 if args.quick else 15

    data = load_digits_split(args.seed)
    X, y, Xt, yt = data
    print(f"digits: {len(y)} training and {len(yt)} test images of 8×8 pixels, 10 classes")
    model = make_model(args.seed)
    print(model)
    print(
        f"{model.num_parameters()} parameters; Adam lr {args.lr}, batch {args.batch}, cosine schedule, {epochs} epochs"
    )
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    try:
        train(model, data, epochs, args.batch, args.lr, args.seed, history)
    except KeyboardInterrupt:
        done = len(history["test_acc"])
        last = f", test accuracy {history['test_acc'][-1]:.2f}%" if done else ""
        print(f"\ninterrupted: {done} of {epochs} epochs completed{last}; no figures written", flush=True)
        return 130
    seconds = time.perf_counter() - start
    _, test_acc, pred = evaluate(model.eval(), Xt, yt)
    print(
        f"test accuracy {test_acc:.2f}% ({int((pred == yt).sum())} of {len(yt)}) after {epochs} epochs, {seconds:.1f} s"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {figure_misclassified(Xt, yt, pred, args.out / 'digits_misclassified.png')}")
    print(f"wrote {figure_curves(history, args.out / 'digits_learning_curves.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main))
