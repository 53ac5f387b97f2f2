"""Optimizers with per-element step sizes: Adagrad, RMSprop, Adam (PyTorch's conventions and defaults)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import Optimizer

__all__ = ["Adagrad", "RMSprop", "Adam"]


class Adagrad(Optimizer):
    """s ← s + g²;  p ← p − lr_t · g / (√s + eps),  lr_t = lr / (1 + (t − 1) · lr_decay).

    g includes ``weight_decay · p``; s starts at ``initial_accumulator_value``.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ):
        super().__init__(params, lr)
        self.lr_decay, self.weight_decay, self.eps = float(lr_decay), float(weight_decay), float(eps)
        self.initial_accumulator_value = float(initial_accumulator_value)

    def _update(self, state: dict[str, Any], p: Tensor, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        s = state.get("sum")
        if s is None:
            s = state["sum"] = np.full_like(p.data, self.initial_accumulator_value)
        s += g * g
        lr = self.lr / (1 + (self.steps - 1) * self.lr_decay)
        p.data -= lr * g / (np.sqrt(s) + self.eps)


class RMSprop(Optimizer):
    """v ← α v + (1 − α) g²;  d = g / (√v + eps)  (centered: √(v − m²), m ← α m + (1 − α) g);

    with momentum μ: b ← μ b + d, p ← p − lr · b; else p ← p − lr · d.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        super().__init__(params, lr)
        self.alpha, self.eps, self.weight_decay = float(alpha), float(eps), float(weight_decay)
        self.momentum, self.centered = float(momentum), bool(centered)

    def _update(self, state: dict[str, Any], p: Tensor, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if not state:
            state["square_avg"] = np.zeros_like(p.data)
            if self.centered:
                state["grad_avg"] = np.zeros_like(p.data)
            if self.momentum:
                state["momentum"] = np.zeros_like(p.data)
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * g * g
        if self.centered:
            m = state["grad_avg"]
            m *= self.alpha
            m += (1 - self.alpha) * g
            denom = np.sqrt(v - m * m) + self.eps
        else:
            denom = np.sqrt(v) + self.eps
        if self.momentum:
            b = state["momentum"]
            b *= self.momentum
            b += g / denom
            p.data -= self.lr * b
        else:
            p.data -= self.lr * g / denom


class Adam(Optimizer):
    """m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;

    p ← p − lr · m̂ / (√v̂ + eps), with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)
    (PyTorch's arrangement: step lr/(1 − β₁ᵗ), denominator √v/√(1 − β₂ᵗ) + eps).
    ``weight_decay`` adds λ p to g (L2, not AdamW's decoupled decay).
    """

    def __init__(
        self,
        params: Any,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps, self.weight_decay = float(eps), float(weight_decay)

    def _update(self, state: dict[str, Any], p: Tensor, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        b1, b2 = self.betas
        if not state:
            state["t"] = 0
            state["m"] = np.zeros_like(p.data)
            state["v"] = np.zeros_like(p.data)
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        step = self.lr / (1 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        p.data -= step * m / denom
