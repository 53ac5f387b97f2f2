"""What every gradient-based optimizer shares: its parameter list, zero_grad, and a finite-gradient check."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["Optimizer", "NonFiniteError", "as_named_params"]


class NonFiniteError(FloatingPointError):
    """A loss or gradient was nan or infinite; the step that met it changed no parameter."""


def as_named_params(params: Any, caller: str) -> list[tuple[str, Tensor]]:
    """(name, Tensor) pairs from a Module, an iterable of Tensors, or of (name, Tensor) pairs."""
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        params = params.named_parameters()
    out: list[tuple[str, Tensor]] = []
    seen: set[int] = set()
    for i, item in enumerate(params):
        name, p = item if isinstance(item, tuple) else (f"param {i}", item)
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(f"{caller}: {name} is not a Tensor that requires grad ({type(p).__name__})")
        if id(p) not in seen:
            seen.add(id(p))
            out.append((str(name), p))
    if not out:
        raise ValueError(f"{caller}: got an empty parameter list")
    return out


class Optimizer:
    """Base class. ``params``: a Module, Tensors, or (name, Tensor) pairs (names appear in errors).

    Subclasses implement ``_update(i, p, g)`` for one parameter; ``step()``
    first checks every gradient is finite, so a bad gradient raises
    ``NonFiniteError`` before any parameter or optimizer state changes.
    Parameters whose ``.grad`` is None are skipped, as in PyTorch.
    """

    def __init__(self, params: Any, lr: float):
        if lr < 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {lr}")
        named = as_named_params(params, type(self).__name__)
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.lr = float(lr)
        self.steps = 0
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (set ``.grad`` to None)."""
        for p in self.params:
            p.grad = None

    def _checked_grads(self) -> list[tuple[int, Tensor, np.ndarray]]:
        work = []
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            # A finite sum proves every element finite (nan and inf propagate into it);
            # only when it is not do we look element by element (the sum may just overflow).
            if not math.isfinite(g.sum()) and not np.isfinite(g).all():
                bad = int(np.size(g) - np.isfinite(g).sum())
                raise NonFiniteError(
                    f"{type(self).__name__}.step: the gradient of {self.names[i]} (shape {p.shape}) has "
                    f"{bad} nan/inf value(s); no parameter was changed"
                )
            work.append((i, p, g))
        return work

    def step(self) -> None:
        """Update every parameter that has a gradient, in place (``p.data``)."""
        work = self._checked_grads()
        self.steps += 1
        for i, p, g in work:
            self._update(self.state[i], p, g)

    def _update(self, state: dict[str, Any], p: Tensor, g: np.ndarray) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr}, {len(self.params)} parameters)"
