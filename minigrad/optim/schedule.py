"""Learning-rate schedules that work with any optimizer having an ``lr`` attribute.

Like PyTorch's: build the schedule on an optimizer, call ``schedule.step()``
after each ``optimizer.step()`` (per iteration or per epoch, your choice of
unit t); it sets ``optimizer.lr = lr_at(t)``. ``lr_at`` is a pure function of t,
from the optimizer's lr when the schedule was made (``base_lr``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["LRSchedule", "StepLR", "ExponentialLR", "InverseTimeLR", "LambdaLR"]


class LRSchedule:
    """Base class: subclasses define ``lr_at(t)``; t counts ``step()`` calls, starting at 0."""

    def __init__(self, optimizer: Any):
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.t = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, t: int) -> float:
        raise NotImplementedError

    def step(self) -> float:
        """Advance t by one and set the optimizer's lr; returns the new lr."""
        self.t += 1
        self.optimizer.lr = self.lr_at(self.t)
        return self.optimizer.lr

    @property
    def lr(self) -> float:
        return self.lr_at(self.t)


class StepLR(LRSchedule):
    """Step decay: lr_t = base_lr · γ^⌊t / step_size⌋."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1):
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRSchedule):
    """Exponential decay: lr_t = base_lr · γ^t."""

    def __init__(self, optimizer: Any, gamma: float):
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma**t


class InverseTimeLR(LRSchedule):
    """1/t annealing: lr_t = base_lr / (1 + decay · t)."""

    def __init__(self, optimizer: Any, decay: float):
        if decay < 0:
            raise ValueError(f"InverseTimeLR: decay must be >= 0, got {decay}")
        self.decay = float(decay)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr / (1 + self.decay * t)


class LambdaLR(LRSchedule):
    """Any schedule: lr_t = base_lr · factor(t)."""

    def __init__(self, optimizer: Any, factor: Callable[[int], float]):
        self.factor = factor
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * float(self.factor(t))
