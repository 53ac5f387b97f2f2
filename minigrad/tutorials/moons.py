"""The 2-H-2 tanh/softmax network on make_moons (wildml tutorial) and its exercises.

The tutorial minimises the summed cross-entropy plus λ/2·ΣW² with step ε = 0.01
and prints that objective divided by N. We minimise the per-sample objective

    L = mean cross-entropy + λ/(2N)·ΣW²,    with step lr = ε·B (B = batch size)

which is the same update (ε·∇ of the sum), prints on the tutorial's scale, and
keeps the same meaning for minibatches, other activations, three classes and
more layers (the tutorial's exercises).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import losses, nn, optim
from ..datasets import make_moons, make_three_moons
from ..tensor import Tensor, no_grad
from ..train import History, fit

__all__ = ["OPTIMIZERS", "MoonsRun", "moons_data", "train_moons", "hidden_sweep"]

OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "bfgs", "lbfgs")


@dataclass
class MoonsRun:
    """A trained classifier and how it got there."""

    model: nn.MLP
    sizes: list[int]
    history: History
    accuracy: float
    X: np.ndarray
    y: np.ndarray
    optimizer: str
    iterations: int

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The most probable class for each row of ``points``."""
        with no_grad():
            return np.argmax(self.model(Tensor(points)).data, axis=1)


def moons_data(classes: int = 2, n_samples: int = 200, noise: float = 0.20, seed: int = 0) -> tuple:
    """The tutorial's data: ``np.random.seed(seed)`` then make_moons(200, noise=0.20) (3 classes: three moons)."""
    np.random.seed(seed)
    if classes == 2:
        return make_moons(n_samples, noise=noise)
    if classes == 3:
        return make_three_moons(n_samples, noise=noise)
    raise ValueError(f"moons: classes must be 2 or 3, got {classes}")


def train_moons(
    hidden: int | list[int] = 3,
    classes: int = 2,
    optimizer: str = "gd",
    steps: int = 20000,
    batch_size: int | None = None,
    lr: float | None = None,
    anneal: float | None = None,
    activation: str = "tanh",
    reg_lambda: float = 0.01,
    seed: int = 0,
    print_every: int = 0,
    print_fn: Callable[[str], Any] = print,
    data: tuple[np.ndarray, np.ndarray] | None = None,
) -> MoonsRun:
    """Train a 2-H-...-C network on the moons as the tutorial does, or with one of its exercises.

    ``hidden``: one size, or a list of sizes (two hidden layers = the "four layers" exercise).
    ``optimizer``: gd (full batch), sgd (minibatches of ``batch_size``, default 20),
    momentum (0.9), adam, bfgs or lbfgs (``steps`` = iterations). ``lr`` is the tutorial's
    ε on the summed loss for the GD family (default 0.01; 0.001 with momentum) and
    Adam's rate otherwise (default 0.01). ``anneal``: 1/t decay, lr_t = lr / (1 + anneal·t).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"moons: unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    X, y = data if data is not None else moons_data(classes, seed=seed)
    sizes = [X.shape[1], *([hidden] if isinstance(hidden, int) else hidden), classes]
    np.random.seed(seed)  # the tutorial seeds again before initialising the weights
    model = nn.MLP(sizes, activation=activation, init="scaled_normal")
    weights = [layer.W for layer in model.layers]
    n = len(X)

    def loss_fn(logits: Tensor, target: np.ndarray) -> Tensor:
        return losses.cross_entropy(logits, target) + losses.l2_penalty(weights, reg_lambda / n)

    if optimizer in ("bfgs", "lbfgs"):
        history = _train_quasi_newton(model, X, y, loss_fn, optimizer, steps, print_every, print_fn)
    else:
        if optimizer == "sgd" and batch_size is None:
            batch_size = 20
        batch = n if optimizer != "sgd" or batch_size is None else min(batch_size, n)
        # Momentum 0.9 takes steps ~10x the gradient's, so its default ε is 10x smaller.
        eps = lr if lr is not None else 0.001 if optimizer == "momentum" else 0.01
        if optimizer == "adam":
            opt: Any = optim.Adam(model, lr=eps)
        else:
            opt = optim.SGD(model, lr=eps * batch, momentum=0.9 if optimizer == "momentum" else 0.0)
        schedule = optim.InverseTimeLR(opt, decay=anneal) if anneal else None
        epochs = steps if batch == n else max(1, int(np.ceil(steps * batch / n)))
        history = fit(
            model,
            X,
            y,
            loss_fn,
            opt,
            epochs=epochs,
            batch_size=None if batch == n else batch,
            rng=seed,
            schedule=schedule,
            print_every=print_every,
            print_fn=print_fn,
        )
    run = MoonsRun(model, sizes, history, 0.0, X, y, optimizer, history.steps)
    run.accuracy = float(np.mean(run.predict(X) == y))
    return run


def _train_quasi_newton(
    model: nn.MLP,
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Callable[[Tensor, np.ndarray], Tensor],
    method: str,
    maxiter: int,
    print_every: int,
    print_fn: Callable[[str], Any],
) -> History:
    history = History()
    Xt = Tensor(X)

    def record(loss: float) -> None:
        if print_every and history.steps % print_every == 0:
            print_fn(f"Loss after iteration {history.steps}: {loss:f}")
        history.loss.append(loss)
        history.steps += 1

    cls = optim.BFGS if method == "bfgs" else optim.LBFGS
    try:
        result = cls(model, maxiter=maxiter, callback=record).step(lambda: loss_fn(model(Xt), y))
        if not result.success:
            history.stopped = str(result.message)
    except KeyboardInterrupt:
        history.stopped = f"interrupted by the user after {history.steps} iterations"
    return history


def hidden_sweep(sizes: tuple[int, ...] = (1, 2, 3, 4, 5, 20, 50), steps: int = 20000, seed: int = 0) -> list[MoonsRun]:
    """The tutorial's "varying the hidden layer size" experiment: one model per size, same data."""
    data = moons_data(seed=seed)
    return [train_moons(h, steps=steps, seed=seed, data=data) for h in sizes]
