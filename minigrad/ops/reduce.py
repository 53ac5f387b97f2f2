"""Reductions over axes: sum, mean, max, min, each forward beside its VJP and JVP.

``axis`` is None (all axes), an int or a tuple; ``keepdims`` keeps reduced
axes as size 1. Each VJP first restores the reduced axes of ``g``
(``keepdims_shape``), then spreads it back over the input; each JVP reduces
the tangent the way the forward reduces the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, record
from ._dual import broadcast_to_, keepdims_shape, normalize_axis, value, where_

__all__ = ["sum", "mean", "max", "min"]


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ x over ``axis``.  d/dx = 1: the gradient is broadcast back over the summed axes."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "sum")
    kept = keepdims_shape(x.shape, axes)

    def vjp(g, out, x):
        return broadcast_to_(g.reshape(kept), x.shape)

    def jvp(t, out, x):
        return t.sum(axis=axes, keepdims=keepdims)

    return record("sum", x.data.sum(axis=axes, keepdims=keepdims), (x,), (vjp,), (jvp,))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ x / n over ``axis``.  d/dx = 1/n.  An empty axis gives nan (NumPy) and an empty gradient."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    kept = keepdims_shape(x.shape, axes)
    n = x.size if axes is None else int(np.prod([x.shape[i] for i in axes]))
    scale = 1.0 / n if n else float("nan")

    def vjp(g, out, x):
        return broadcast_to_(g.reshape(kept) * scale, x.shape)

    def jvp(t, out, x):
        return t.sum(axis=axes, keepdims=keepdims) * scale

    if n:
        data = x.data.mean(axis=axes, keepdims=keepdims)
    else:  # NumPy's value (nan) without its "Mean of empty slice" warning
        data = np.full(out_shape(x.shape, axes, keepdims), np.nan, dtype=np.result_type(x.dtype, np.float16))
    return record("mean", data, (x,), (vjp,), (jvp,))


def out_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None, keepdims: bool) -> tuple[int, ...]:
    """The shape of a reduction's result."""
    if keepdims:
        return keepdims_shape(shape, axes)
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _extreme(op: str, fn: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, op)
    kept = keepdims_shape(x.shape, axes)
    try:
        data = fn(x.data, axis=axes, keepdims=keepdims)
    except ValueError:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}") from None
    share = None

    def shares(x: Any, out: Any) -> tuple[np.ndarray, np.ndarray]:
        # The elements equal to the result (a nan result: the nan elements) share it evenly.
        nonlocal share
        if share is None:
            xv, ov = value(x), value(out).reshape(kept)
            hit = (xv == ov) | (np.isnan(ov) & np.isnan(xv))
            share = hit, (1.0 / hit.sum(axis=axes, keepdims=True)).astype(xv.dtype)
        return share

    def vjp(g, out, x):
        hit, part = shares(x, out)
        return where_(hit, g.reshape(kept) * part, 0)

    def jvp(t, out, x):
        hit, part = shares(x, out)
        return where_(hit, t * part, 0).sum(axis=axes, keepdims=keepdims)

    return record(op, data, (x,), (vjp,), (jvp,))


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Largest element over ``axis``.  The gradient goes to the arg-max, split evenly on ties
    (PyTorch's amax and full max()); selects, so an inf gradient gives no nan elsewhere."""
    return _extreme("max", np.max, x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Smallest element over ``axis``.  The gradient goes to the arg-min, split evenly on ties
    (PyTorch's amin and full min()); selects."""
    return _extreme("min", np.min, x, axis, keepdims)
