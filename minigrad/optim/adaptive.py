"""Optimizers with per-element step sizes: Adagrad, RMSprop, Adam, AdamW (PyTorch's conventions and defaults).

Each keeps, per parameter, a ``"step"`` count and its running averages; new buffers are
computed out of place (the base class relies on it to undo an interrupted step).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import Optimizer, check_hyper

__all__ = ["Adagrad", "RMSprop", "Adam", "AdamW"]


class Adagrad(Optimizer):
    """s ← s + g²;  p ← p − lr_t · g / (√s + eps),  lr_t = lr / (1 + (t − 1) · lr_decay)  (torch.optim.Adagrad).

    g includes ``weight_decay · p``; s starts at ``initial_accumulator_value``; t counts this
    parameter's updates. ``ValueError`` for lr, lr_decay, weight_decay, initial_accumulator_value
    outside [0, inf) or eps outside (0, inf).
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
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay, "eps": eps}
        super().__init__(params, {**defaults, "initial_accumulator_value": initial_accumulator_value})

    def _check(self, group: dict[str, Any], caller: str) -> dict[str, Any]:
        group = super()._check(group, caller)
        group["lr_decay"] = check_hyper(caller, "lr_decay", group["lr_decay"], 0.0)
        value = group["initial_accumulator_value"]
        group["initial_accumulator_value"] = check_hyper(caller, "initial_accumulator_value", value, 0.0)
        return group

    def _update(self, group: dict[str, Any], state: dict[str, Any], p: Tensor, g: np.ndarray) -> dict[str, Any]:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        s = state.get("sum")
        if s is None:
            s = np.full_like(p.data, group["initial_accumulator_value"])
        t = state.get("step", 0) + 1
        s = s + g * g
        lr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        p.data -= lr * g / (np.sqrt(s) + group["eps"])
        return {"step": t, "sum": s}


class RMSprop(Optimizer):
    """v ← α v + (1 − α) g²;  d = g / (√v + eps)  (centered: √(v − m²), m ← α m + (1 − α) g);

    with momentum μ: b ← μ b + d, p ← p − lr · b; else p ← p − lr · d  (torch.optim.RMSprop).
    ``ValueError`` for lr, momentum, weight_decay outside [0, inf), alpha outside [0, 1], eps outside (0, inf).
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
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "momentum": momentum, "centered": centered})

    def _check(self, group: dict[str, Any], caller: str) -> dict[str, Any]:
        group = super()._check(group, caller)
        group["alpha"] = check_hyper(caller, "alpha", group["alpha"], 0.0, 1.0)
        group["momentum"] = check_hyper(caller, "momentum", group["momentum"], 0.0)
        group["centered"] = bool(group["centered"])
        return group

    def _update(self, group: dict[str, Any], state: dict[str, Any], p: Tensor, g: np.ndarray) -> dict[str, Any]:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        a = group["alpha"]
        new: dict[str, Any] = {"step": state.get("step", 0) + 1}
        v = state.get("square_avg", 0.0) * a + (1 - a) * g * g
        new["square_avg"] = np.asarray(v, dtype=p.dtype)
        if group["centered"]:
            m = new["grad_avg"] = np.asarray(state.get("grad_avg", 0.0) * a + (1 - a) * g, dtype=p.dtype)
            denom = np.sqrt(v - m * m) + group["eps"]
        else:
            denom = np.sqrt(v) + group["eps"]
        if group["momentum"]:
            b = new["momentum_buffer"] = state.get("momentum_buffer", 0.0) * group["momentum"] + g / denom
            p.data -= group["lr"] * b
        else:
            p.data -= group["lr"] * g / denom
        return new


class Adam(Optimizer):
    """m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;

    p ← p − lr · m̂ / (√v̂ + eps), with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)
    (PyTorch's arrangement: step lr/(1 − β₁ᵗ), denominator √v/√(1 − β₂ᵗ) + eps).
    ``weight_decay`` adds λ p to g (L2, not AdamW's decoupled decay).
    ``ValueError`` for lr or weight_decay outside [0, inf), a beta outside [0, 1), eps outside (0, inf).
    """

    _decoupled = False

    def __init__(
        self,
        params: Any,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def _check(self, group: dict[str, Any], caller: str) -> dict[str, Any]:
        group = super()._check(group, caller)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list, np.ndarray)) or len(betas) != 2:
            raise ValueError(f"{caller}: betas must be a pair (beta1, beta2), each in [0, 1), got {betas!r}")
        group["betas"] = tuple(
            check_hyper(caller, f"betas[{k}]", b, 0.0, 1.0, open_hi=True) for k, b in enumerate(betas)
        )
        return group

    def _update(self, group: dict[str, Any], state: dict[str, Any], p: Tensor, g: np.ndarray) -> dict[str, Any]:
        lr, wd = group["lr"], group["weight_decay"]
        if wd and self._decoupled:
            p.data *= 1 - lr * wd
        elif wd:
            g = g + wd * p.data
        b1, b2 = group["betas"]
        t = state.get("step", 0) + 1
        m = np.asarray(state.get("exp_avg", 0.0) * b1 + (1 - b1) * g, dtype=p.dtype)
        v = np.asarray(state.get("exp_avg_sq", 0.0) * b2 + (1 - b2) * g * g, dtype=p.dtype)
        step = lr / (1 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + group["eps"]
        p.data -= step * m / denom
        return {"step": t, "exp_avg": m, "exp_avg_sq": v}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter; ``torch.optim.AdamW``'s formula and defaults):

    p ← p · (1 − lr · weight_decay), then the Adam update with the plain gradient g.
    Default ``weight_decay=0.01``. Same errors as ``Adam``.
    """

    _decoupled = True

    def __init__(
        self,
        params: Any,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ):
        super().__init__(params, lr, betas, eps, weight_decay)
