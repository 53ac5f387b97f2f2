"""Array-or-Tensor dispatch for the formulas inside the newer ops' VJPs and JVPs.

A plain backward pass hands VJPs NumPy arrays; a recorded (higher-order) pass
hands them Tensors. ``either(op, np_fn)`` makes one callable that runs the
differentiable op when any argument is a Tensor and the NumPy function
otherwise, so one formula serves both paths (as ``_dual.py`` does for the
first ops). ``select`` is a mask that selects (never multiplies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, _wrap
from ..tracing import asarray
from ._dual import where_ as select

__all__ = ["either", "select", "zeros_like_", "full_tangent", "is_tensor"]


def is_tensor(*xs: Any) -> bool:
    """True if any of ``xs`` is a Tensor (the recorded path)."""
    return any(type(x) is Tensor for x in xs)


def either(op: Callable[..., Any], np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """``op(x, ...)`` if ``x`` is a Tensor, else ``np_fn(x, ...)``."""

    def call(x: Any, *args: Any, **kwargs: Any) -> Any:
        if type(x) is Tensor:
            return op(x, *args, **kwargs)
        return np_fn(x, *args, **kwargs)

    call.__name__ = getattr(op, "__name__", "op") + "_"
    return call


def zeros_like_(x: Any, shape: tuple[int, ...] | None = None) -> Any:
    """Zeros of ``x``'s dtype (and shape, unless given): a constant Tensor on the recorded path."""
    data = x.data if type(x) is Tensor else asarray(x)
    z = np.zeros(data.shape if shape is None else shape, dtype=data.dtype)
    return _wrap(z) if type(x) is Tensor else z


def full_tangent(t: Any, shape: tuple[int, ...]) -> Any:
    """A tangent given in a broadcast shape, repeated to the input's ``shape`` (layout ops need it whole)."""
    if t.shape == shape:
        return t
    if type(t) is Tensor:
        from .shape import broadcast_to

        return broadcast_to(t, shape)
    return np.broadcast_to(t, shape)
