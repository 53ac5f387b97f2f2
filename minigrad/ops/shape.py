"""Ops that move elements without changing them: reshape, transpose, indexing, joins.

Each JVP moves the tangent the way the forward moves the input.

Their VJPs move the gradient back: reshape it, transpose it by the inverse
permutation, scatter it into zeros (adding where an index repeats), or slice it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Slice, Tensor, as_tensor, passthrough, record
from ..tracing import primitive
from ._dual import value

__all__ = [
    "reshape",
    "transpose",
    "swapaxes",
    "broadcast_to",
    "astype",
    "getitem",
    "scatter_add",
    "concatenate",
    "stack",
]


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    """Accept reshape(2, 3) and reshape((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(x: Any, *shape: Any) -> Tensor:
    """The same elements in a new shape.  VJP: g reshaped back."""
    x = as_tensor(x)
    shape = _shape_arg(shape)
    try:
        data = x.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape shape {x.shape} into {shape}") from None
    return record("reshape", data, (x,), _RESHAPE, _RESHAPE_JVP)


_RESHAPE = (lambda g, out, x: g.reshape(x.shape),)
_RESHAPE_JVP = (lambda t, out, x: t.reshape(out.shape),)


def transpose(x: Any, *axes: Any) -> Tensor:
    """Permute axes (reverse them if none are given).  VJP: g permuted back."""
    x = as_tensor(x)
    axes = _shape_arg(axes) if axes else tuple(range(x.ndim - 1, -1, -1))
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of a tensor's {x.ndim} axes")
    inverse = tuple(int(i) for i in np.argsort([a % x.ndim for a in axes]))
    vjp = (lambda g, out, x: g.transpose(inverse),)
    jvp = (lambda t, out, x: t.transpose(axes),)
    return record("transpose", x.data.transpose(axes), (x,), vjp, jvp)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.  VJP: exchange them back."""
    x = as_tensor(x)
    data = np.swapaxes(x.data, axis1, axis2)
    rule = (lambda g, out, x: g.swapaxes(axis1, axis2),)  # its own inverse: VJP and JVP alike
    return record("swapaxes", data, (x,), rule, rule)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """x repeated along new or size-1 axes, NumPy-style.  VJP: the engine sums it back.

    ``ValueError`` if x's shape does not broadcast to ``shape``, or, naming the size, if an array of
    ``shape`` would be too large to address.
    """
    x = as_tensor(x)
    shape = tuple(shape)
    try:
        data = np.broadcast_to(x.data, shape)
    except (ValueError, MemoryError):
        raise ValueError(_broadcast_failure(x.shape, shape, x.dtype)) from None
    return record("broadcast_to", data, (x,), _SAME, _SAME)


def _broadcast_failure(src: tuple[int, ...], shape: tuple[Any, ...], dtype: np.dtype) -> str:
    """Why ``np.broadcast_to`` refused: the size of ``shape`` if the shapes fit but it is too large to address,
    else the mismatch."""
    dims = all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape)
    fits = dims and len(src) <= len(shape) and all(m in (1, n) for m, n in zip(src[::-1], shape[::-1]))
    size = math.prod(int(n) for n in shape) if fits else 0
    if size * dtype.itemsize > np.iinfo(np.intp).max:
        elements = f"{size:.3g}".replace("e+", "e")
        return (
            f"broadcast_to: shape {shape} would hold {elements} elements ({_bytes(size * dtype.itemsize)} of "
            f"{dtype}), more than an array can address"
        )
    return f"broadcast_to: cannot broadcast shape {src} to {shape}"


def _bytes(nbytes: int) -> str:
    """``nbytes`` in decimal units: 8 TB, 800 EB."""
    n = float(nbytes)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} YB"


# d out / d x = 1: the engine un-broadcasts a gradient; forward mode broadcasts a tangent.
_SAME = (passthrough,)


def astype(x: Any, dtype: Any) -> Tensor:
    """x converted to a floating ``dtype``.  VJP: g converted back (by the engine); JVP: t converted."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return Tensor(x.data.astype(dtype))  # integer and boolean results are constants
    return record("astype", x.data.astype(dtype), (x,), _SAME, (lambda t, out, x: t.astype(dtype),))


def _index(idx: Any) -> Any:
    """An index with any Tensors in it replaced by their arrays."""
    if isinstance(idx, tuple):
        return tuple(value(i) for i in idx)
    return value(idx)


def _is_basic(idx: Any) -> bool:
    """True if ``idx`` cannot select an element twice (ints, slices, None, ..., or one boolean mask)."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    for part in parts:
        if part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice)):
            continue
        if isinstance(part, np.ndarray) and part.dtype == bool and len(parts) == 1:
            continue
        return False
    return True


def getitem(x: Any, idx: Any) -> Tensor:
    """x[idx] with basic or fancy (integer-array) indexing.

    VJP: scatter g into zeros of x's shape, adding where an index repeats.
    """
    x = as_tensor(x)
    idx = _index(idx)
    data = x.data[idx]
    shape = x.shape
    vjp = (lambda g, out, x: scatter_add(g, idx, shape),)
    jvp = (lambda t, out, x: t[idx],)
    return record("getitem", data, (x,), vjp, jvp)


def scatter_add(g: Any, idx: Any, shape: tuple[int, ...]) -> Any:
    """zeros(shape) with ``g`` added at ``idx`` (repeated indices add up); the VJP of indexing.

    Works on arrays and, recorded, on Tensors (its own VJP is indexing again).
    """
    if type(g) is Tensor:
        vjp = (lambda gg, out, g: gg[idx],)
        jvp = (lambda t, out, g: scatter_add(t, idx, shape),)
        return record("scatter_add", _scatter(g.data, idx, shape), (g,), vjp, jvp)
    return _scatter(g, idx, shape)


@primitive
def _scatter(g: np.ndarray, idx: Any, shape: tuple[int, ...]) -> np.ndarray:
    # zeros_like keeps a block of cotangents (jacrev) a block; np.zeros is the fast common case
    z = np.zeros(shape, dtype=g.dtype) if type(g) is np.ndarray else np.zeros_like(g, shape=shape)
    if _is_basic(idx):
        z[idx] = g
    else:
        np.add.at(z, idx, g)
    return z


def _joinable(seq: Sequence[Any], op: str) -> list[Tensor]:
    tensors = [as_tensor(t) for t in seq]
    if not tensors:
        raise ValueError(f"{op}: need at least one tensor")
    return tensors


def concatenate(seq: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.  VJP: each input gets its slice of g; JVP: its tangent, placed.

    Each input's VJP is a ``Slice``, which the engine takes without calling the
    VJP with every input: backward through n inputs costs O(n).
    """
    tensors = _joinable(seq, "concatenate")
    try:
        data = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"concatenate: shapes {shapes} cannot be joined along axis {axis}") from None
    axis = axis % data.ndim
    lead = (slice(None),) * axis
    wheres, start = [], 0
    for t in tensors:
        wheres.append(lead + (slice(start, start + t.shape[axis]),))
        start += t.shape[axis]
    vjps = tuple(Slice(w) for w in wheres)
    return record("concatenate", data, tuple(tensors), vjps, lambda ts, out, *xs: _join_tangents(ts, xs, axis, False))


def stack(seq: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis.  VJP: each input gets its slice of g; JVP: its tangent, placed.

    As in ``concatenate``, backward through n inputs costs O(n).
    """
    tensors = _joinable(seq, "stack")
    try:
        data = np.stack([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"stack: shapes {shapes} must all be equal") from None
    axis = axis % data.ndim
    wheres = [(slice(None),) * axis + (i,) for i in range(len(tensors))]
    vjps = tuple(Slice(w) for w in wheres)
    return record("stack", data, tuple(tensors), vjps, lambda ts, out, *xs: _join_tangents(ts, xs, axis, True))


def _join_tangents(ts: list[Any], xs: tuple[Any, ...], axis: int, new_axis: bool) -> Any:
    """The joint JVP of concatenate/stack: the inputs' tangents joined the same way (zeros where none),
    one call for all inputs, so forward mode stays linear in their number."""
    parts = [np.zeros_like(value(x)) if t is None else t for t, x in zip(ts, xs)]
    if any(type(p) is Tensor for p in parts):
        return (stack if new_axis else concatenate)(parts, axis=axis)
    return (np.stack if new_axis else np.concatenate)(parts, axis=axis)
