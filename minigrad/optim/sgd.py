"""Gradient descent with optional (Nesterov) momentum and weight decay, PyTorch's conventions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import Optimizer, check_hyper

__all__ = ["SGD", "GD"]


class SGD(Optimizer):
    """p ← p − lr · d, where, as in ``torch.optim.SGD``:

    g = ∇p + weight_decay · p;
    with momentum μ: b ← g on the first step, then b ← μ b + (1 − dampening) g;
    d = g + μ b with ``nesterov=True``, else d = b (d = g without momentum).

    This is the tutorials' batch gradient descent when the loss is the full-batch
    one and momentum is 0 (``GD`` is the same class). Every argument may be set per
    parameter group. Errors: ``ValueError`` for lr, momentum or weight_decay outside
    [0, inf) or not finite, dampening outside [0, 1], nesterov without momentum > 0 and
    dampening 0; ``TypeError``/``ValueError`` for bad ``params`` (see ``Optimizer``).
    """

    def __init__(
        self,
        params: Any,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "nesterov": nesterov}
        super().__init__(params, {**defaults, "weight_decay": weight_decay})

    def _check(self, group: dict[str, Any], caller: str) -> dict[str, Any]:
        group = super()._check(group, caller)
        group["momentum"] = check_hyper(caller, "momentum", group["momentum"], 0.0)
        group["dampening"] = check_hyper(caller, "dampening", group["dampening"], 0.0, 1.0)
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{caller}: nesterov=True needs momentum > 0 and dampening = 0")
        return group

    def _update(self, group: dict[str, Any], state: dict[str, Any], p: Tensor, g: np.ndarray) -> dict[str, Any]:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            buf = np.array(g, dtype=p.dtype) if buf is None else mu * buf + (1 - group["dampening"]) * g
            state = {"momentum_buffer": buf}
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g
        return state


GD = SGD
