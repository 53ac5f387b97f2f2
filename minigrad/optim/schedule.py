"""Learning-rate schedules that work with any optimizer having an ``lr`` attribute (or ``param_groups``).

Like PyTorch's: build the schedule on an optimizer, call ``schedule.step()``
after each ``optimizer.step()`` (per iteration or per epoch, your choice of
unit t); it sets each parameter group's lr to ``lr_at(t)`` computed from that
group's lr when the schedule was made (``base_lrs``; ``base_lr`` is the first).
``lr_at`` is a pure function of t, so a schedule resumes exactly from its
``state_dict()`` (``{"t": ..., "base_lrs": ...}``, arrays, savable with ``mg.save``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .base import check_hyper, check_int

__all__ = ["LRSchedule", "StepLR", "ExponentialLR", "InverseTimeLR", "LambdaLR", "CosineAnnealingLR"]


class LRSchedule:
    """Base class: subclasses define ``_lr(base, t)``; t counts ``step()`` calls, starting at 0.

    Every learning rate is checked before it is written: one that is nan, infinite, negative or too
    large for a float raises ``ValueError`` naming the schedule, the value and the step, and leaves
    the optimizer's lr and t as they were. ``ValueError`` also for an optimizer whose lr is already
    not a finite number >= 0.

    (A subclass written before parameter groups, defining ``lr_at(t)`` from ``self.base_lr``,
    still works: its lr is assigned to ``optimizer.lr``, i.e. to every group.)
    """

    def __init__(self, optimizer: Any):
        self.optimizer = optimizer
        groups = getattr(optimizer, "param_groups", None)
        lrs = [g["lr"] for g in groups] if groups else [optimizer.lr]
        self.base_lrs = [check_hyper(type(self).__name__, "the optimizer's lr", lr, 0.0) for lr in lrs]
        self.t = 0
        self._apply(0)

    @property
    def base_lr(self) -> float:
        return self.base_lrs[0]

    def _lr(self, base: float, t: int) -> float:
        raise NotImplementedError(f"{type(self).__name__}: define _lr(base, t) (or, as before groups, lr_at(t))")

    def lr_at(self, t: int) -> float:
        """The (first group's) learning rate after t calls of ``step()``."""
        return self._lr(self.base_lr, t)

    def _checked_lr(self, t: int, compute: Callable[[], float]) -> float:
        """``compute()``, the lr of step t, if it is a finite number >= 0, else ``ValueError`` saying which."""
        name = type(self).__name__
        try:
            lr = compute()
        except OverflowError:
            raise ValueError(f"{name} at step {t}: the learning rate overflows a float") from None
        return check_hyper(f"{name} at step {t}", "the learning rate", lr, 0.0)

    def _apply(self, t: int) -> None:
        """Set the optimizer's lr(s) to those of step t, all checked before any is written."""
        groups = getattr(self.optimizer, "param_groups", None)
        if groups and type(self)._lr is not LRSchedule._lr:
            lrs = [self._checked_lr(t, partial(self._lr, base, t)) for base in self.base_lrs]
            for group, lr in zip(groups, lrs):
                group["lr"] = lr
        else:
            self.optimizer.lr = self._checked_lr(t, lambda: self.lr_at(t))

    def step(self) -> float:
        """Advance t by one and set the optimizer's lr; returns the new (first group's) lr.

        ``ValueError`` (t and the lr unchanged) if the new lr would be nan, inf or negative.
        """
        self._apply(self.t + 1)
        self.t += 1
        return self.lr_at(self.t)

    @property
    def lr(self) -> float:
        return self.lr_at(self.t)

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{"t": t, "base_lrs": [...]}`` as arrays."""
        return {"t": np.array(self.t), "base_lrs": np.array(self.base_lrs, dtype=np.float64)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore t and the base learning rates, and set the optimizer's lr accordingly.

        Raises ``ValueError``, changing nothing, for a missing key, a number of base lrs unlike the
        number of groups, a base lr that is not a finite number >= 0, a t that is not an integer >= 0,
        or a learning rate at t that the schedule refuses (see the class).
        """
        name = f"{type(self).__name__}.load_state_dict"
        missing = sorted({"t", "base_lrs"} - set(state))
        if missing:
            raise ValueError(f"{name}: missing {missing}; is this a schedule's state_dict?")
        stored = np.ravel(np.asarray(state["base_lrs"]))
        base = [check_hyper(name, f"base_lrs[{i}]", b, 0.0) for i, b in enumerate(stored.tolist())]
        if len(base) != len(self.base_lrs):
            raise ValueError(f"{name}: {len(base)} base lrs for {len(self.base_lrs)} groups")
        t = check_int(name, "t", np.asarray(state["t"]).tolist(), 0)
        old = self.base_lrs
        self.base_lrs = base  # read by lr_at in a subclass written before groups
        try:
            self._apply(t)
        except BaseException:
            self.base_lrs = old
            raise
        self.t = t


class StepLR(LRSchedule):
    """Step decay: lr_t = base_lr · γ^⌊t / step_size⌋.

    ``ValueError`` for step_size not an integer >= 1 or gamma not a finite number >= 0.
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1):
        self.step_size = check_int("StepLR", "step_size", step_size, 1)
        self.gamma = check_hyper("StepLR", "gamma", gamma, 0.0)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base * self.gamma ** (t // self.step_size)


class ExponentialLR(LRSchedule):
    """Exponential decay: lr_t = base_lr · γ^t.  ``ValueError`` for gamma not a finite number >= 0."""

    def __init__(self, optimizer: Any, gamma: float):
        self.gamma = check_hyper("ExponentialLR", "gamma", gamma, 0.0)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base * self.gamma**t


class InverseTimeLR(LRSchedule):
    """1/t annealing: lr_t = base_lr / (1 + decay · t).  ``ValueError`` for decay not a finite number >= 0."""

    def __init__(self, optimizer: Any, decay: float):
        self.decay = check_hyper("InverseTimeLR", "decay", decay, 0.0)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base / (1 + self.decay * t)


class LambdaLR(LRSchedule):
    """Any schedule: lr_t = base_lr · factor(t).

    ``TypeError`` if factor is not callable; at each step (the first at construction, t = 0), before
    any lr is set, ``ValueError`` naming t and the value if factor(t) is nan, infinite or negative
    (``TypeError`` if it is not a real number).
    """

    def __init__(self, optimizer: Any, factor: Callable[[int], float]):
        if not callable(factor):
            raise TypeError(f"LambdaLR: factor must be a function of the step t, got {type(factor).__name__}")
        self.factor = factor
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        value = self.factor(t)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        return base * check_hyper(f"LambdaLR at step {t}", f"factor({t})", value, 0.0)


class CosineAnnealingLR(LRSchedule):
    """Cosine annealing (SGDR without restarts; ``torch.optim.lr_scheduler.CosineAnnealingLR``'s closed form):

    lr_t = eta_min + (base_lr − eta_min) · (1 + cos(π t / T_max)) / 2,

    from base_lr at t = 0 down to eta_min at t = T_max (and back up after, with period 2 T_max, as PyTorch).
    ``ValueError`` for T_max not an integer >= 1 or eta_min not a finite number >= 0.
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0):
        self.T_max = check_int("CosineAnnealingLR", "T_max", T_max, 1)
        self.eta_min = check_hyper("CosineAnnealingLR", "eta_min", eta_min, 0.0)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2
