"""Helpers that let one VJP formula run on NumPy arrays or on Tensors.

A plain backward pass calls VJPs with arrays; a recorded (higher-order) pass
calls them with Tensors. Operators and ``.sum/.reshape/.T`` exist on both; the
few functions below pick NumPy or the differentiable op by argument type.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


def value(x: Any) -> Any:
    """The raw array behind ``x`` (for masks and other constants inside a VJP)."""
    return x.data if type(x) is Tensor else x


def exp_(x: Any) -> Any:
    if type(x) is Tensor:
        from .elementwise import exp

        return exp(x)
    return np.exp(x)


def log_(x: Any) -> Any:
    if type(x) is Tensor:
        from .elementwise import log

        return log(x)
    return np.log(x)


def where_(cond: np.ndarray, a: Any, b: Any) -> Any:
    """a where cond, else b. With one side 0 on arrays, a product with the mask:

    np.where is ~15x slower than g * mask on a (1024, 256) float32 gradient. (A
    non-finite g becomes nan rather than 0 where masked; training has failed by then.)
    """
    if type(a) is Tensor or type(b) is Tensor:
        from .elementwise import where

        return where(cond, a, b)
    if type(b) is int and b == 0:
        return a * cond
    if type(a) is int and a == 0:
        return b * ~cond
    return np.where(cond, a, b)


def broadcast_to_(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` repeated to ``shape``. For arrays, a new array: cheaper than np.broadcast_to's view to make."""
    if type(x) is Tensor:
        from .shape import broadcast_to

        return broadcast_to(x, shape)
    if type(x) is not np.ndarray:  # traced by mg.compile: a (read-only) broadcast view
        return np.broadcast_to(x, shape)
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def keepdims_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced axes kept as size 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def normalize_axis(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"{op}: axis {ax} is out of range for a tensor with {ndim} dimensions")
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))
