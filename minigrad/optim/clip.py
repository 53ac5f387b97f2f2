"""Gradient clipping by the total norm (``torch.nn.utils.clip_grad_norm_``'s semantics)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import checked_grad, named_tensors

__all__ = ["clip_grad_norm", "clip_grad_norm_"]


def clip_grad_norm(params: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale every ``.grad`` by min(1, max_norm / (total + 1e-6)); return the total norm before clipping.

    total = ‖(‖g₁‖, ‖g₂‖, …)‖ with the ``norm_type`` p-norm (2 by default; ``math.inf`` for the max),
    i.e. the norm of all gradients concatenated, as PyTorch. ``params``: a Tensor, a Module or an
    iterable of Tensors; those whose ``.grad`` is None are skipped (total 0.0 if all are).
    A nan/inf total raises ``RuntimeError`` with ``error_if_nonfinite=True``; otherwise, as in PyTorch,
    the gradients are scaled by the non-finite factor (the optimizer's finite check then refuses to step).
    ``ValueError`` for a negative or nan ``max_norm``, a ``norm_type`` that is not > 0, or a gradient
    whose shape is not its parameter's (named, or "param i" by position; no gradient is changed then).
    """
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm: max_norm must be >= 0, got {max_norm}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm: norm_type must be > 0 (or math.inf), got {norm_type}")
    checked = [(p, checked_grad("clip_grad_norm", name, p)) for name, p in named_tensors(params)]
    grads = [(p, g) for p, g in checked if g is not None]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        norms = [float(np.max(np.abs(g))) if np.size(g) else 0.0 for _, g in grads]
        total = max(norms)
    else:
        # each norm in float64 (as the sum of |g|^p), then the norm of the norms
        norms = [float(np.linalg.norm(np.ravel(g).astype(np.float64), ord=norm_type)) for _, g in grads]
        total = float(np.linalg.norm(np.array(norms), ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm: the total norm of order {norm_type:g} of the gradients is {total}; "
            "set error_if_nonfinite=False to scale them anyway"
        )
    with np.errstate(invalid="ignore"):
        coef = min(max_norm / (total + 1e-6), 1.0) if math.isfinite(total) else max_norm / (total + 1e-6)
    if coef != 1.0:
        for p, g in grads:
            with np.errstate(invalid="ignore"):
                p.grad = (g * coef).astype(g.dtype, copy=False)
    return total


clip_grad_norm_ = clip_grad_norm
