"""``fit``: the training loop of the tutorials, with minibatches, history, progress and early stopping.

Each step: forward on a batch, ``loss_fn(output, target)``, backward,
``optimizer.step()``, ``schedule.step()``, the history entry: all of it or none of it.
A non-finite loss (or gradient) stops training with the parameters of the last
finite loss, and Ctrl-C stops it cleanly; either way parameters, optimizer state,
schedule and history describe the same number of completed steps.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._rng import as_rng
from .optim.base import NonFiniteError
from .optim.scipy_bridge import _ScipyMinimizer as ScipyMinimizer
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
    with ``validation``; ``steps``/``epochs``: how many were completed (the model's
    parameters and the optimizer's and schedule's state are those after exactly
    ``steps`` steps, except after early stopping with ``restore_best``, which restores
    ``best_epoch``'s); ``stopped``: why training ended early, or None.
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


def _loss_value(loss: Any, step: int) -> float:
    """The loss as a float, or a clear error if ``loss_fn`` did not return a scalar Tensor with a graph."""
    if not isinstance(loss, Tensor):
        raise TypeError(
            f"fit: loss_fn must return a scalar Tensor computed from the model's output, got {type(loss).__name__} "
            f"{loss!r} at step {step} (a Python or NumPy number has no graph to differentiate)"
        )
    if loss.size != 1:
        raise ValueError(
            f"fit: loss_fn must return a scalar Tensor, got shape {loss.shape} at step {step}; "
            "use reduction='mean' or 'sum' (reduction='none' gives one loss per sample)"
        )
    if not loss.requires_grad:
        raise ValueError(
            f"fit: the loss at step {step} does not depend on any parameter that requires grad "
            "(computed under no_grad, or from .data / NumPy arrays?)"
        )
    return float(np.asarray(loss.data).reshape(()))


class _Checkpoint:
    """Everything one training step changes, saved before it so the step can be undone as a whole:
    the parameters (copied), the optimizer's and the schedule's state, and the history's lengths."""

    def __init__(self, params: list[Tensor], optimizer: Any, schedule: Any, history: History):
        self.params = [p.data.copy() for p in params]
        # minigrad optimizers never write their buffers in place: a reference is a snapshot
        self.optimizer = optimizer._snapshot() if hasattr(optimizer, "_snapshot") else None
        self.schedule = schedule.state_dict() if hasattr(schedule, "load_state_dict") else None
        h = history
        self.history = (len(h.loss), len(h.metric), h.steps, len(h.epoch_loss), len(h.val_loss), h.epochs)
        self.best_epoch = h.best_epoch

    def restore(self, params: list[Tensor], optimizer: Any, schedule: Any, history: History) -> None:
        for p, a in zip(params, self.params):
            np.copyto(p.data, a)
        if self.optimizer is not None:
            optimizer._restore(self.optimizer)
        if self.schedule is not None:
            schedule.load_state_dict(self.schedule)
        n_loss, n_metric, steps, n_epoch, n_val, epochs = self.history
        del history.loss[n_loss:], history.metric[n_metric:], history.epoch_loss[n_epoch:], history.val_loss[n_val:]
        history.steps, history.epochs, history.best_epoch = steps, epochs, self.best_epoch


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
    Every ``print_every`` steps it prints the tutorial's ``"Loss after iteration %i: %f"``,
    with the tutorial's (and ``minigrad moons``'s) meaning: the loss after update i, counting
    from 0, so "iteration 0" is the loss after the first update. That is the loss the next
    step computes before its own update (``history.loss[i + 1]``: with full batches, the
    loss on all of X; with minibatches, on the next batch); no step computes the loss after
    the very last update, so a line due for it is not printed.
    ``loss_fn(output, y_batch)`` must return a scalar Tensor that depends on the parameters
    (``TypeError`` for a float, ``ValueError`` for a per-sample loss of ``reduction="none"``);
    ``optimizer`` is a GD-family optimizer (``TypeError`` for BFGS/L-BFGS, which minimise a
    closure in one ``step(closure)`` call: call that directly).

    One step is all or nothing: the parameters, the optimizer's state (step counts,
    momentum and Adam buffers), the schedule and ``history`` always describe the same
    number of completed steps, ``history.steps``:

    - Ctrl-C (KeyboardInterrupt) anywhere stops training cleanly and returns the history:
      a step cut off anywhere between the update and its history entry is undone as a whole.
    - A nan/inf loss stops training (``RuntimeWarning``, ``history.stopped``) back at the parameters
      of the last finite loss: the step that led from them to the non-finite loss is undone,
      optimizer state, schedule and history included. A nan/inf gradient stops training before
      its step (the optimizer refuses it without changing anything).
    - Early stopping: with ``patience``, stop after that many epochs without the
      monitored loss (``validation`` loss if given, else the epoch loss) falling
      by more than ``min_delta``, restoring the best epoch's parameters, optimizer and
      schedule state when ``restore_best`` (the history keeps the whole run; ``best_epoch``
      says which epoch was restored).

    Undoing restores a minigrad ``Optimizer``'s state; another optimizer object only gets its
    parameters restored (its own state is its business).
    """
    if isinstance(optimizer, ScipyMinimizer):
        raise TypeError(
            f"fit: {type(optimizer).__name__} minimises a closure in one call, "
            f"result = optimizer.step(lambda: loss_fn(model(X), y)); fit needs a GD-family optimizer "
            "(SGD, Adam, AdamW, RMSprop, Adagrad) whose step() makes one update"
        )
    X, y = _array(X), _array(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"fit: X has {n} rows but y has {len(y)}")
    params = model.parameters()
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"fit: batch_size must be >= 1, got {batch_size}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    size = n if batch_size is None else min(batch_size, n)
    full = size == n
    source = as_rng(rng, "fit") if shuffle and not full else None
    X_full = Tensor(X)
    best_state: _Checkpoint | None = None
    best, wait = np.inf, 0
    history = History()
    # ``undo`` can take the run back to before the last step; ``applying`` is True from the
    # first change a step makes until its history entry is complete.
    undo: _Checkpoint | None = None
    applying = False
    finishing: _Checkpoint | None = None

    def stop(reason: str) -> History:
        history.stopped = reason
        warnings.warn(f"fit: {reason}", RuntimeWarning, stacklevel=3)
        return history

    try:
        for epoch in range(epochs):
            batches: list[Any] = [None]
            if not full:
                order = source.permutation(n) if source is not None else np.arange(n)
                batches = [order[i : i + size] for i in range(0, n, size)]
            epoch_losses = []
            for b, idx in enumerate(batches):
                xb, yb = (X_full, y) if idx is None else (Tensor(X[idx]), y[idx])
                optimizer.zero_grad()
                out = model(xb)
                step = history.steps
                loss = loss_fn(out, yb)
                value = _loss_value(loss, step)
                if print_every and step >= 1 and (step - 1) % print_every == 0 and np.isfinite(value):
                    print_fn(f"Loss after iteration {step - 1}: {value:f}")  # the tutorial's "%i: %f"
                if not np.isfinite(value):
                    if undo is not None:  # the last step led here: undo it, history and all
                        applying = True
                        undo.restore(params, optimizer, schedule, history)
                        applying = False
                    return stop(
                        f"the loss became {value} after {step} steps; undid the last step, back to the parameters "
                        f"of the last finite loss ({history.steps} steps done)"
                    )
                loss.backward()
                metric_value = float(metric(out, yb)) if metric is not None else None
                undo = _Checkpoint(params, optimizer, schedule, history)
                applying = True
                try:
                    optimizer.step()
                except NonFiniteError as e:
                    undo.restore(params, optimizer, schedule, history)
                    applying = False
                    return stop(f"{e} (step {step}); kept the parameters of the last finite step")
                if schedule is not None:
                    schedule.step()
                history.loss.append(value)
                epoch_losses.append(value)
                if metric_value is not None:
                    history.metric.append(metric_value)
                history.steps += 1
                # The epoch's last step stays open until the epoch's record (below) is complete.
                applying = b == len(batches) - 1
            epoch_loss = monitored = float(np.mean(epoch_losses))
            if validation is not None:
                with no_grad():
                    Xv, yv = validation
                    monitored = float(np.asarray(loss_fn(model(Tensor(_array(Xv))), _array(yv)).data).reshape(()))
            # Still ``applying``: an interrupt from here to the end of the epoch's record undoes the
            # epoch's last step with it (its checkpoint also restores the epoch lists and best_epoch).
            history.epoch_loss.append(epoch_loss)
            if validation is not None:
                history.val_loss.append(monitored)
            history.epochs += 1
            stalled = False
            if patience is not None:
                if monitored < best - min_delta:
                    best, wait, history.best_epoch = monitored, 0, epoch
                    best_state = _Checkpoint(params, optimizer, schedule, history)
                else:
                    wait += 1
                    stalled = wait >= patience
            applying = False
            if stalled:
                history.stopped = f"early stopping: {patience} epochs without improvement"
                history.stopped += f" (best epoch {history.best_epoch})"
                if restore_best and best_state is not None:
                    finishing = best_state  # an interrupt during the restore finishes it
                    best_state.restore(params, optimizer, schedule, History())
                    finishing = None
                break
    except KeyboardInterrupt:
        # Ctrl-C keeps what was computed; a step cut off anywhere is undone as a whole.
        if finishing is not None:
            finishing.restore(params, optimizer, schedule, History())
        elif applying and undo is not None:
            undo.restore(params, optimizer, schedule, history)
        history.stopped = f"interrupted by the user after {history.steps} steps"
    return history
