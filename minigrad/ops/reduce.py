"""Reductions over axes: sum, mean, max, min.

``axis`` is None (all axes), an int or a tuple; ``keepdims`` keeps reduced
axes as size 1. Each VJP first restores the reduced axes of ``g``
(``keepdims_shape``), then spreads it back over the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, record
from ._dual import broadcast_to_, keepdims_shape, normalize_axis, value

__all__ = ["sum", "mean", "max", "min"]


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ x over ``axis``.  d/dx = 1: the gradient is broadcast back over the summed axes."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "sum")
    kept = keepdims_shape(x.shape, axes)

    def vjp(g, out, x):
        return broadcast_to_(g.reshape(kept), x.shape)

    return record("sum", x.data.sum(axis=axes, keepdims=keepdims), (x,), (vjp,))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ x / n over ``axis``.  d/dx = 1/n."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    kept = keepdims_shape(x.shape, axes)
    n = x.size if axes is None else int(np.prod([x.shape[i] for i in axes]))
    scale = 1.0 / n if n else float("nan")

    def vjp(g, out, x):
        return broadcast_to_(g.reshape(kept) * scale, x.shape)

    return record("mean", x.data.mean(axis=axes, keepdims=keepdims), (x,), (vjp,))


def _extreme(op: str, fn: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, op)
    kept = keepdims_shape(x.shape, axes)
    try:
        data = fn(x.data, axis=axes, keepdims=keepdims)
    except ValueError:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}") from None

    def vjp(g, out, x):
        # The gradient goes to the extreme element; tied elements share it equally.
        hit = value(x) == value(out).reshape(kept)
        share = hit / hit.sum(axis=axes, keepdims=True)
        return g.reshape(kept) * share.astype(g.dtype)

    return record(op, data, (x,), (vjp,))


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Largest element over ``axis``.  The gradient goes to the arg-max (split evenly on ties)."""
    return _extreme("max", np.max, x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Smallest element over ``axis``.  The gradient goes to the arg-min (split evenly on ties)."""
    return _extreme("min", np.min, x, axis, keepdims)
