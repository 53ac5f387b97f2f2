"""``fit``: the training loop of the tutorials, with minibatches, history, progress and early stopping.

Each step: forward on a batch, ``loss_fn(output, target)``, backward,
``optimizer.step()``. A non-finite loss (or gradient) stops training with the
parameters of the last step whose loss was finite, and says why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._rng import as_rng
from .optim.base import NonFiniteError
from .tensor import Tensor, no_grad

__all__ = ["fit", "History", "accuracy"]


def accuracy(scores: Any, labels: Any) -> float:
    """Fraction of rows whose largest score is at the label: mean(argmax(scores, -1) == labels).

    For one output column (a sigmoid or a logit), the prediction is scores > 0.5 for
    probabilities in [0, 1], labels shaped like scores.
    """
    s = np.asarray(scores.data if isinstance(scores, Tensor) else scores)
    y = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if s.ndim >= 1 and s.shape[-1] == 1 and y.shape == s.shape:
        return float(np.mean((s > 0.5) == (y > 0.5)))
    return float(np.mean(np.argmax(s, axis=-1) == y))


@dataclass
class History:
    """What ``fit`` recorded.

    ``loss``/``metric``: one value per step (the batch's loss before that step's
    update); ``epoch_loss``: mean step loss per epoch; ``val_loss``: per epoch,
    with ``validation``; ``stopped``: why training ended early, or None.
    """

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    steps: int = 0
    epochs: int = 0
    stopped: str | None = None
    best_epoch: int | None = None


def _array(a: Any) -> np.ndarray:
    return np.asarray(a.data if isinstance(a, Tensor) else a)


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    *,
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = True,
    rng: Any = None,
    metric: Callable[[Any, Any], float] | None = None,
    schedule: Any = None,
    print_every: int = 0,
    print_fn: Callable[[str], Any] = print,
    validation: tuple[Any, Any] | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
) -> History:
    """Train ``model`` on (X, y) for ``epochs`` passes; return the ``History``.

    ``batch_size=None`` is full-batch gradient descent (one step per epoch, as
    in the tutorials, where epochs = iterations); otherwise each epoch visits
    the rows in minibatches, reshuffled each epoch when ``shuffle`` (drawn from
    ``rng``: None → NumPy's global state, int → ``RandomState(seed)``). The last
    batch may be smaller. ``metric(output, y_batch)`` is recorded per step (e.g.
    ``accuracy``); ``schedule.step()`` is called after every optimizer step.
    Every ``print_every`` steps it prints ``"Loss after iteration %i: %f"``.

    Early stopping: with ``patience``, stop after that many epochs without the
    monitored loss (``validation`` loss if given, else the epoch loss) falling
    by more than ``min_delta``, restoring the best epoch's parameters when
    ``restore_best``. A nan/inf loss or gradient stops training with the
    parameters of the last finite step (a ``RuntimeWarning`` says so, and
    ``history.stopped``). Ctrl-C (KeyboardInterrupt) stops training cleanly:
    the history so far is returned and no parameter is left half-updated.
    """
    X, y = _array(X), _array(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"fit: X has {n} rows but y has {len(y)}")
    params = model.parameters()
    full = batch_size is None or batch_size >= n
    if not full and batch_size < 1:
        raise ValueError(f"fit: batch_size must be >= 1, got {batch_size}")
    source = as_rng(rng, "fit") if shuffle and not full else None
    X_full = Tensor(X)
    last_good = [p.data.copy() for p in params]
    best_params: list[np.ndarray] | None = None
    best, wait = np.inf, 0
    history = History()

    def restore(arrays: list[np.ndarray]) -> None:
        for p, a in zip(params, arrays):
            np.copyto(p.data, a)

    def stop(reason: str) -> History:
        restore(last_good)
        history.stopped = reason
        warnings.warn(f"fit: {reason}", RuntimeWarning, stacklevel=3)
        return history

    updating = False
    try:
        for epoch in range(epochs):
            if full:
                batches = [None]
            else:
                order = source.permutation(n) if source is not None else np.arange(n)
                batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
            epoch_losses = []
            for idx in batches:
                xb, yb = (X_full, y) if idx is None else (Tensor(X[idx]), y[idx])
                optimizer.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
                value = float(np.asarray(loss.data).reshape(()))
                step = history.steps
                if not np.isfinite(value):
                    return stop(f"the loss became {value} at step {step}; kept the parameters of the last finite step")
                loss.backward()
                for a, p in zip(last_good, params):
                    np.copyto(a, p.data)
                try:
                    updating = True
                    optimizer.step()
                    updating = False
                except NonFiniteError as e:
                    return stop(f"{e} (step {step}); kept the parameters of the last finite step")
                if schedule is not None:
                    schedule.step()
                history.loss.append(value)
                epoch_losses.append(value)
                if metric is not None:
                    history.metric.append(float(metric(out, yb)))
                if print_every and step % print_every == 0:
                    print_fn(f"Loss after iteration {step}: {value:f}")  # the tutorial's "%i: %f"
                history.steps += 1
            history.epochs += 1
            history.epoch_loss.append(float(np.mean(epoch_losses)))
            monitored = history.epoch_loss[-1]
            if validation is not None:
                with no_grad():
                    Xv, yv = validation
                    monitored = float(np.asarray(loss_fn(model(Tensor(_array(Xv))), _array(yv)).data).reshape(()))
                history.val_loss.append(monitored)
            if patience is not None:
                if monitored < best - min_delta:
                    best, wait, history.best_epoch = monitored, 0, epoch
                    best_params = [p.data.copy() for p in params]
                else:
                    wait += 1
                    if wait >= patience:
                        history.stopped = f"early stopping: {patience} epochs without improvement"
                        history.stopped += f" (best epoch {history.best_epoch})"
                        if restore_best and best_params is not None:
                            restore(best_params)
                        break
    except KeyboardInterrupt:
        # Ctrl-C keeps what was computed; an update cut off halfway is undone.
        if updating:
            restore(last_good)
        history.stopped = f"interrupted by the user after {history.steps} steps"
    return history
