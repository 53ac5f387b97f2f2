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
from typing import Any

import numpy as np

__all__ = ["LRSchedule", "StepLR", "ExponentialLR", "InverseTimeLR", "LambdaLR", "CosineAnnealingLR"]


class LRSchedule:
    """Base class: subclasses define ``_lr(base, t)``; t counts ``step()`` calls, starting at 0.

    (A subclass written before parameter groups, defining ``lr_at(t)`` from ``self.base_lr``,
    still works: its lr is assigned to ``optimizer.lr``, i.e. to every group.)
    """

    def __init__(self, optimizer: Any):
        self.optimizer = optimizer
        groups = getattr(optimizer, "param_groups", None)
        self.base_lrs = [float(g["lr"]) for g in groups] if groups else [float(optimizer.lr)]
        self.t = 0
        self._apply()

    @property
    def base_lr(self) -> float:
        return self.base_lrs[0]

    def _lr(self, base: float, t: int) -> float:
        raise NotImplementedError(f"{type(self).__name__}: define _lr(base, t) (or, as before groups, lr_at(t))")

    def lr_at(self, t: int) -> float:
        """The (first group's) learning rate after t calls of ``step()``."""
        return self._lr(self.base_lr, t)

    def _apply(self) -> None:
        groups = getattr(self.optimizer, "param_groups", None)
        if groups and type(self)._lr is not LRSchedule._lr:
            for group, base in zip(groups, self.base_lrs):
                group["lr"] = self._lr(base, self.t)
        else:
            self.optimizer.lr = self.lr_at(self.t)

    def step(self) -> float:
        """Advance t by one and set the optimizer's lr; returns the new (first group's) lr."""
        self.t += 1
        self._apply()
        return self.lr_at(self.t)

    @property
    def lr(self) -> float:
        return self.lr_at(self.t)

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{"t": t, "base_lrs": [...]}`` as arrays."""
        return {"t": np.array(self.t), "base_lrs": np.array(self.base_lrs, dtype=np.float64)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore t and the base learning rates, and set the optimizer's lr accordingly."""
        base = [float(b) for b in np.ravel(np.asarray(state["base_lrs"]))]
        if len(base) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: {len(base)} base lrs for {len(self.base_lrs)} groups"
            )
        self.t, self.base_lrs = int(np.asarray(state["t"])), base
        self._apply()


class StepLR(LRSchedule):
    """Step decay: lr_t = base_lr · γ^⌊t / step_size⌋."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1):
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base * self.gamma ** (t // self.step_size)


class ExponentialLR(LRSchedule):
    """Exponential decay: lr_t = base_lr · γ^t."""

    def __init__(self, optimizer: Any, gamma: float):
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base * self.gamma**t


class InverseTimeLR(LRSchedule):
    """1/t annealing: lr_t = base_lr / (1 + decay · t)."""

    def __init__(self, optimizer: Any, decay: float):
        if decay < 0:
            raise ValueError(f"InverseTimeLR: decay must be >= 0, got {decay}")
        self.decay = float(decay)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base / (1 + self.decay * t)


class LambdaLR(LRSchedule):
    """Any schedule: lr_t = base_lr · factor(t)."""

    def __init__(self, optimizer: Any, factor: Callable[[int], float]):
        self.factor = factor
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return base * float(self.factor(t))


class CosineAnnealingLR(LRSchedule):
    """Cosine annealing (SGDR without restarts; ``torch.optim.lr_scheduler.CosineAnnealingLR``'s closed form):

    lr_t = eta_min + (base_lr − eta_min) · (1 + cos(π t / T_max)) / 2,

    from base_lr at t = 0 down to eta_min at t = T_max (and back up after, with period 2 T_max, as PyTorch).
    ``ValueError`` for T_max < 1 or a negative or non-finite eta_min.
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0):
        if isinstance(T_max, bool) or int(T_max) != T_max or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be an integer >= 1, got {T_max!r}")
        if not math.isfinite(eta_min) or eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be a finite number >= 0, got {eta_min!r}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)
        super().__init__(optimizer)

    def _lr(self, base: float, t: int) -> float:
        return self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2
