"""The 2-H-2 tanh/softmax network on make_moons (wildml tutorial) and its exercises.

The tutorial minimises the summed cross-entropy plus λ/2·ΣW² with step ε = 0.01
and prints that objective divided by N. We minimise the per-sample objective

    L = mean cross-entropy + λ/(2N)·ΣW²,    with step lr = ε·B (B = batch size)

which is the same update (ε·∇ of the sum), prints on the tutorial's scale, and
keeps the same meaning for minibatches, other activations, three classes and
more layers (the tutorial's exercises).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import losses, nn, optim
from ..datasets import make_moons, make_three_moons
from ..tensor import Tensor, no_grad
from ..train import History, fit

__all__ = ["OPTIMIZERS", "Diverged", "MoonsRun", "format_loss", "moons_data", "train_moons", "hidden_sweep"]

OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "bfgs", "lbfgs")


class Diverged(Exception):
    """Training was stopped because the loss blew up (a step size far too large)."""


@dataclass
class MoonsRun:
    """A trained classifier and how it got there.

    ``final_loss`` is the tutorial's ``calculate_loss`` of the final parameters
    (the full-data objective after the last update); ``stopped`` says why
    training ended early (interrupted, diverged, ...) or is None.
    """

    model: nn.MLP
    sizes: list[int]
    history: History
    accuracy: float
    X: np.ndarray
    y: np.ndarray
    optimizer: str
    iterations: int
    final_loss: float = float("nan")
    stopped: str | None = None
    interrupted: bool = False

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The most probable class for each row of ``points``.

        Evaluated in chunks of rows whose activations stay under 2**24 numbers (128 MiB in
        float64), so a figure's 90,000-point grid fits in memory even for a very wide network.
        """
        rows = max(1, min(4096, 2**24 // max(self.sizes)))
        with no_grad():
            return np.concatenate(
                [np.argmax(self.model(Tensor(points[i : i + rows])).data, axis=1) for i in range(0, len(points), rows)]
            )


def moons_data(classes: int = 2, n_samples: int = 200, noise: float = 0.20, seed: int = 0) -> tuple:
    """The tutorial's data: ``np.random.seed(seed)`` then make_moons(200, noise=0.20) (3 classes: three moons)."""
    np.random.seed(seed)
    if classes == 2:
        return make_moons(n_samples, noise=noise)
    if classes == 3:
        return make_three_moons(n_samples, noise=noise)
    raise ValueError(f"moons: classes must be 2 or 3, got {classes}")


def format_loss(value: float) -> str:
    """The tutorial's ``%f``, or 6 significant digits once the value is too large to read that way."""
    return f"{value:f}" if abs(value) < 1e6 else f"{value:.6g}"


class _AfterEachStep(optim.LRSchedule):
    """Runs after every optimizer step inside ``fit``: 1/t annealing, the tutorial's progress line, divergence.

    The printed loss is the tutorial's: the full-data objective of the parameters
    just updated ("Loss after iteration 0" is after the first update).
    """

    def __init__(
        self,
        opt: Any,
        anneal: float | None,
        objective: Callable[[], float],
        print_every: int,
        print_fn: Callable[[str], Any],
    ):
        self.anneal, self.objective = anneal or 0.0, objective
        self.print_every, self.print_fn = print_every, print_fn
        with np.errstate(all="ignore"):
            self.first = objective()  # the loss before any update: the reference for divergence
        super().__init__(opt)

    def lr_at(self, t: int) -> float:
        return self.base_lr / (1 + self.anneal * t)

    def step(self) -> float:
        step = self.t  # the update just made is step number t (from 0)
        lr = super().step()
        check = step == 0 or step % 100 == 0 or (self.print_every and step % self.print_every == 0)
        if check:
            with np.errstate(all="ignore"):
                loss = self.objective()
            if not np.isfinite(loss) or loss > 1e4 * max(self.first, 1.0):
                raise Diverged(
                    f"the loss reached {loss:.3g} after step {step} (it was {self.first:.3g} before training)"
                )
            if self.print_every and step % self.print_every == 0:
                self.print_fn(f"Loss after iteration {step}: {format_loss(loss)}")
        return lr


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
    Every ``print_every`` steps it prints the tutorial's ``Loss after iteration i``: the
    full-data loss after update i (so iteration 0 is after the first update: 0.432387).

    Ctrl-C stops training and returns the run so far (``interrupted`` is True). A loss
    that blows up (non-finite, or 10⁴ times its first value) stops training too
    (``stopped`` starts with "diverged").

    Raises ``ValueError`` for an unknown optimizer, a batch size outside 1..N or one
    given to an optimizer other than sgd, and a negative or non-finite ``reg_lambda``.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"moons: unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    if not (np.isfinite(reg_lambda) and reg_lambda >= 0):
        raise ValueError(f"moons: reg_lambda must be a finite number >= 0, got {reg_lambda}")
    X, y = data if data is not None else moons_data(classes, seed=seed)
    n = len(X)
    if batch_size is not None:
        if optimizer != "sgd":
            raise ValueError(f"moons: batch_size applies to optimizer 'sgd' only, not {optimizer!r} (full batch)")
        if not 1 <= batch_size <= n:
            raise ValueError(f"moons: batch_size must be between 1 and the {n} training points, got {batch_size}")
    sizes = [X.shape[1], *([hidden] if isinstance(hidden, int) else hidden), classes]
    np.random.seed(seed)  # the tutorial seeds again before initialising the weights
    model = nn.MLP(sizes, activation=activation, init="scaled_normal")
    weights = [layer.W for layer in model.layers]
    Xt = Tensor(X)

    def loss_fn(logits: Tensor, target: np.ndarray) -> Tensor:
        return losses.cross_entropy(logits, target) + losses.l2_penalty(weights, reg_lambda / n)

    def objective() -> float:
        with no_grad():
            return float(loss_fn(model(Xt), y).data)

    stopped: str | None = None
    if optimizer in ("bfgs", "lbfgs"):
        history = _train_quasi_newton(model, Xt, y, loss_fn, optimizer, steps, print_every, print_fn)
        stopped = history.stopped
    else:
        if optimizer == "sgd" and batch_size is None:
            batch_size = 20
        batch = batch_size if optimizer == "sgd" and batch_size is not None else n
        # Momentum 0.9 takes steps ~10x the gradient's, so its default ε is 10x smaller.
        eps = lr if lr is not None else 0.001 if optimizer == "momentum" else 0.01
        if optimizer == "adam":
            opt: Any = optim.Adam(model, lr=eps)
        else:
            opt = optim.SGD(model, lr=eps * batch, momentum=0.9 if optimizer == "momentum" else 0.0)
        hook = _AfterEachStep(opt, anneal, objective, print_every, print_fn)
        epochs = steps if batch == n else max(1, int(np.ceil(steps * batch / n)))
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                history = fit(
                    model,
                    X,
                    y,
                    loss_fn,
                    opt,
                    epochs=epochs,
                    batch_size=None if batch == n else batch,
                    rng=seed,
                    schedule=hook,
                    print_every=0,
                )
            stopped = history.stopped
            if stopped and not stopped.startswith("interrupted") and "became" in stopped:
                stopped = f"diverged: {stopped}"
        except Diverged as exc:
            history = History(steps=hook.t)
            stopped = f"diverged: {exc}"
        history.steps = hook.t if history.steps < hook.t else history.steps
    with np.errstate(all="ignore"):
        final = objective()
    run = MoonsRun(model, sizes, history, 0.0, X, y, optimizer, history.steps, final, stopped)
    run.interrupted = bool(stopped and stopped.startswith("interrupted"))
    run.accuracy = float(np.mean(run.predict(X) == y))
    return run


def _train_quasi_newton(
    model: nn.MLP,
    Xt: Tensor,
    y: np.ndarray,
    loss_fn: Callable[[Tensor, np.ndarray], Tensor],
    method: str,
    maxiter: int,
    print_every: int,
    print_fn: Callable[[str], Any],
) -> History:
    history = History()

    def record(loss: float) -> None:  # scipy calls this after each iteration: the loss after update i
        if print_every and history.steps % print_every == 0:
            print_fn(f"Loss after iteration {history.steps}: {format_loss(loss)}")
        history.loss.append(loss)
        history.steps += 1

    cls = optim.BFGS if method == "bfgs" else optim.LBFGS
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
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
