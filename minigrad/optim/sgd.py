"""Gradient descent with optional (Nesterov) momentum and weight decay, PyTorch's conventions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import Optimizer

__all__ = ["SGD", "GD"]


class SGD(Optimizer):
    """p ← p − lr · d, where, as in ``torch.optim.SGD``:

    g = ∇p + weight_decay · p;
    with momentum μ: b ← g on the first step, then b ← μ b + (1 − dampening) g;
    d = g + μ b with ``nesterov=True``, else d = b (d = g without momentum).

    This is the tutorials' batch gradient descent when the loss is the full-batch
    one and momentum is 0 (``GD`` is the same class).
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
        super().__init__(params, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.dampening = float(dampening)

    def _update(self, state: dict[str, Any], p: Tensor, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = np.array(g, dtype=p.dtype)
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        p.data -= self.lr * g


GD = SGD
