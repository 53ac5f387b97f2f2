"""Layout ops with NumPy's names and signatures: each moves, copies or drops elements.

All are linear, so each JVP is the op itself applied to the tangent, and each
VJP is its transpose: a reshape back, the inverse permutation or roll, a sum
over the copies (tile), or a scatter-add into zeros (repeat, pad,
take_along_axis, diagonal, split). The transposes are themselves recorded
ops, so gradients of gradients work.

Shapes and dtypes: each op takes a Tensor, a NumPy array or a number, and its
result has the shape and dtype NumPy gives (float32 stays float32, float64 is
the default). Bad arguments raise ValueError (TypeError for a wrong type) that
names the op and the shapes involved.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ..tensor import Tensor, as_tensor, record
from ..tracing import asarray
from ._dual import normalize_axis
from ._either import either, full_tangent, select
from .shape import scatter_add

__all__ = [
    "squeeze",
    "expand_dims",
    "flatten",
    "ravel",
    "flip",
    "roll",
    "tile",
    "repeat",
    "pad",
    "moveaxis",
    "split",
    "take_along_axis",
    "tril",
    "triu",
    "diagonal",
]


def one_axis(axis: Any, ndim: int, op: str) -> int:
    """``axis`` (a single int, possibly negative) as a non-negative axis.

    Raises TypeError (as NumPy) for an axis that is not an int, ValueError when it is out of range; both name ``op``.
    """
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be a single int, got {axis!r}")
    return cast("tuple[int, ...]", normalize_axis(int(axis), ndim, op))[0]  # an int axis gives a tuple, not None


def _numpy(op: str, fn: Any, x: Tensor, *args: Any, **kwargs: Any) -> np.ndarray:
    """``fn(x.data, ...)`` with NumPy's ValueError/TypeError re-raised naming ``op`` and x's shape."""
    try:
        return fn(x.data, *args, **kwargs)
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(f"{op}: {e} (input shape {x.shape})") from None


def _reshaping(op: str, x: Tensor, data: np.ndarray) -> Tensor:
    """Record an op that only reshapes: VJP reshapes g back, JVP reshapes t forward."""
    shape_in, shape_out = x.shape, data.shape
    return record(
        op,
        data,
        (x,),
        (lambda g, out, x: g.reshape(shape_in),),
        (lambda t, out, x: full_tangent(t, shape_in).reshape(shape_out),),
    )


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """x without size-1 axes (all of them, or those in ``axis``).  ValueError if an axis named is not size 1."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "squeeze")
    if axes is not None and any(x.shape[a] != 1 for a in axes):
        raise ValueError(f"squeeze: cannot squeeze axis {axis} of a tensor of shape {x.shape}: its size is not 1")
    return _reshaping("squeeze", x, np.squeeze(x.data, axis=axes))


def expand_dims(x: Any, axis: Any) -> Tensor:
    """x with new size-1 axes at the positions ``axis`` (int or tuple) of the result."""
    x = as_tensor(x)
    try:
        data = np.expand_dims(x.data, axis)
    except np.exceptions.AxisError as e:
        raise ValueError(f"expand_dims: {e} (input shape {x.shape})") from None
    return _reshaping("expand_dims", x, data)


def flatten(x: Any) -> Tensor:
    """x as a 1-D copy, in row-major order (``ndarray.flatten``)."""
    x = as_tensor(x)
    return _reshaping("flatten", x, x.data.flatten())


def ravel(x: Any) -> Tensor:
    """x as 1-D, row-major (``np.ravel``; a view when NumPy can make one)."""
    x = as_tensor(x)
    return _reshaping("ravel", x, np.ravel(x.data))


def flip(x: Any, axis: Any = None) -> Tensor:
    """x reversed along ``axis`` (all axes if None).  VJP and JVP: flip again."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "flip")
    data = np.flip(x.data, axis=axes)
    return record(
        "flip",
        data,
        (x,),
        (lambda g, out, x: flip_(g, axes),),
        (lambda t, out, x: flip_(full_tangent(t, out.shape), axes),),
    )


flip_ = either(flip, np.flip)


def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """x shifted cyclically by ``shift`` along ``axis`` (the flattened x if None), as ``np.roll``.

    VJP: roll back by ``-shift``.  JVP: roll the tangent.
    """
    x = as_tensor(x)
    data = _numpy("roll", np.roll, x, shift, axis)
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return record(
        "roll",
        data,
        (x,),
        (lambda g, out, x: roll_(g, back, axis),),
        (lambda t, out, x: roll_(full_tangent(t, x.shape), shift, axis),),
    )


roll_ = either(roll, np.roll)


def tile(x: Any, reps: Any) -> Tensor:
    """x repeated ``reps`` times along each axis, as ``np.tile`` (shorter of x.ndim/len(reps) padded with 1s in front).

    VJP: g viewed as (r₀, n₀, r₁, n₁, ...) and summed over the copies rᵢ.
    """
    x = as_tensor(x)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    data = _numpy("tile", np.tile, x, reps)
    d = data.ndim
    shape = (1,) * (d - x.ndim) + x.shape
    reps = (1,) * (d - len(reps)) + reps
    split_shape = tuple(n for pair in zip(reps, shape) for n in pair)
    copies = tuple(range(0, 2 * d, 2))
    x_shape = x.shape

    def vjp(g, out, x):
        return g.reshape(split_shape).sum(axis=copies).reshape(x_shape)

    return record("tile", data, (x,), (vjp,), (lambda t, out, x: tile_(full_tangent(t, x_shape), reps),))


tile_ = either(tile, np.tile)


def _gather(op: str, x: Tensor, data: np.ndarray, index: Any, flat: bool) -> Tensor:
    """Record an op that picks ``x[index]`` (``x.ravel()[index]`` if ``flat``), elements possibly repeated.

    VJP: scatter-add g into zeros of x's shape (repeats add up).  JVP: pick from the tangent.
    """
    shape = x.shape
    where = (x.size,) if flat else shape

    def vjp(g, out, x):
        return scatter_add(g, index, where).reshape(shape)

    def jvp(t, out, x):
        t = full_tangent(t, shape)
        return (t.reshape(-1) if flat else t)[index]

    return record(op, data, (x,), (vjp,), (jvp,))


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times (an int, or one count per element along ``axis``), as ``np.repeat``.

    With ``axis=None`` the result is 1-D (x flattened first).  VJP: the copies' gradients summed.
    """
    x = as_tensor(x)
    data = _numpy("repeat", np.repeat, x, repeats, axis)
    if axis is None:
        return _gather("repeat", x, data, np.repeat(np.arange(x.size), repeats), flat=True)
    ax = one_axis(axis, x.ndim, "repeat")
    index = (slice(None),) * ax + (np.repeat(np.arange(x.shape[ax]), repeats),)
    return _gather("repeat", x, data, index, flat=False)


_PICKING_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Tensor:
    """x padded as ``np.pad``: ``mode`` is "constant" (with constant ``constant_values``), "edge",
    "reflect", "symmetric" or "wrap". Other NumPy modes raise ValueError.

    VJP: "constant" slices g back; the other modes copy elements of x, so their
    gradients are added back where each element was copied from.
    """
    x = as_tensor(x)
    if mode == "constant":
        data = _numpy("pad", np.pad, x, pad_width, mode="constant", constant_values=constant_values)
        widths = _pad_pairs(pad_width, x.ndim)
        inner = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, x.shape))
        return record(
            "pad",
            data,
            (x,),
            (lambda g, out, x: g[inner],),
            (lambda t, out, x: pad_(full_tangent(t, x.shape), pad_width),),
        )
    if mode not in _PICKING_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; choose 'constant' or one of {_PICKING_MODES}")
    source = _numpy("pad", np.pad, Tensor(np.arange(x.size).reshape(x.shape)), pad_width, mode=mode)
    return _gather("pad", x, x.data.reshape(-1)[source], source, flat=True)


pad_ = either(pad, np.pad)


def _pad_pairs(pad_width: Any, ndim: int) -> np.ndarray:
    """``pad_width`` in any form ``np.pad`` takes (int, pair, per-axis pairs, {axis: width}) as (ndim, 2)."""
    if isinstance(pad_width, dict):
        pairs = np.zeros((ndim, 2), dtype=int)
        for ax, w in pad_width.items():
            pairs[ax] = np.broadcast_to(np.asarray(w, dtype=int), (2,))
        return pairs
    return np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """x with axes ``source`` moved to positions ``destination`` (ints or sequences), as ``np.moveaxis``."""
    x = as_tensor(x)
    try:
        data = np.moveaxis(x.data, source, destination)
    except (ValueError, np.exceptions.AxisError) as e:
        raise ValueError(f"moveaxis: {e} (input shape {x.shape})") from None
    perm = _perm(x.ndim, source, destination)
    inverse = tuple(int(i) for i in np.argsort(perm))
    return record(
        "moveaxis",
        data,
        (x,),
        (lambda g, out, x: g.transpose(inverse),),
        (lambda t, out, x: full_tangent(t, x.shape).transpose(perm),),
    )


def _perm(ndim: int, source: Any, destination: Any) -> tuple[int, ...]:
    """The permutation ``np.moveaxis`` applies: read off a tensor whose axis i has size i + 2."""
    probe = np.empty(tuple(range(2, ndim + 2)), dtype=np.int8)
    return tuple(n - 2 for n in np.moveaxis(probe, source, destination).shape)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """x cut along ``axis`` into equal sections (an int that divides the axis) or at the given indices, as ``np.split``.

    Returns a list of Tensors. VJP of each piece: its g placed in zeros of x's shape.
    """
    x = as_tensor(x)
    ax = one_axis(axis, x.ndim, "split")
    try:
        pieces = np.split(x.data, indices_or_sections, axis=ax)
    except ValueError as e:
        raise ValueError(f"split: {e} (axis {axis} of shape {x.shape})") from None
    n = x.shape[ax]
    if np.ndim(indices_or_sections) == 0:
        bounds = [k * (n // int(indices_or_sections)) for k in range(len(pieces) + 1)]
    else:
        bounds = [0, *[int(i) for i in indices_or_sections], n]
    out = []
    # Piece k is x[bounds[k]:bounds[k+1]] along the axis, with slice semantics (as np.split).
    for k, piece in enumerate(pieces):
        index = (slice(None),) * ax + (slice(bounds[k], bounds[k + 1]),)
        out.append(_gather("split", x, piece, index, flat=False))
    return out


def _along_axis(arr_shape: tuple[int, ...], indices: np.ndarray, axis: int) -> tuple[Any, ...]:
    """The fancy index that ``np.take_along_axis`` uses: ``indices`` on ``axis``, aranges on the others."""
    ndim = len(arr_shape)
    index = []
    for d in range(ndim):
        if d == axis:
            index.append(indices)
        else:
            shape = [1] * ndim
            shape[d] = arr_shape[d]
            index.append(np.arange(arr_shape[d]).reshape(shape))
    return tuple(index)


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """Elements of ``arr`` at integer ``indices`` along ``axis`` (``arr`` flattened if None), as ``np.take_along_axis``.

    ``indices`` (an integer array of arr's ndim, broadcasting on the other axes) is a constant.
    VJP: scatter-add g back to the picked positions (repeated indices add up).
    """
    arr = as_tensor(arr)
    indices = asarray(indices.data if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, got dtype {indices.dtype}")
    try:
        data = np.take_along_axis(arr.data, indices, axis)
    except (ValueError, IndexError, np.exceptions.AxisError) as e:
        raise ValueError(f"take_along_axis: {e} (arr shape {arr.shape}, indices shape {indices.shape})") from None
    if axis is None:
        return _gather("take_along_axis", arr, data, indices, flat=True)
    ax = one_axis(axis, arr.ndim, "take_along_axis")
    index = _along_axis(arr.shape, np.where(indices < 0, indices + arr.shape[ax], indices), ax)
    return _gather("take_along_axis", arr, data, index, flat=False)


def _triangle(op: str, np_fn: Any, x: Any, k: int) -> Tensor:
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{op}: needs at least 2 dimensions, got shape {x.shape}")
    keep = np_fn(np.ones(x.shape[-2:], dtype=bool), k)
    # A mask that selects: 0 where it is off, whatever g holds there.
    return record(op, np_fn(x.data, k), (x,), (lambda g, out, x: _keep(keep, g),), (lambda t, out, x: _keep(keep, t),))


def _keep(keep: np.ndarray, g: Any) -> Any:
    return select(keep, g, 0)


def tril(x: Any, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (on and below diagonal ``k``), zeros above, as ``np.tril``."""
    return _triangle("tril", np.tril, x, k)


def triu(x: Any, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (on and above diagonal ``k``), zeros below, as ``np.triu``."""
    return _triangle("triu", np.triu, x, k)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the planes (axis1, axis2), appended as the last axis (``np.diagonal``, copied).

    VJP: g written onto that diagonal of zeros.
    """
    x = as_tensor(x)
    try:
        data = np.diagonal(x.data, offset, axis1, axis2).copy()
    except (ValueError, np.exceptions.AxisError) as e:
        raise ValueError(f"diagonal: {e} (input shape {x.shape})") from None
    a1, a2 = one_axis(axis1, x.ndim, "diagonal"), one_axis(axis2, x.ndim, "diagonal")
    n = data.shape[-1]
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    axes_index: list[Any] = [slice(None)] * x.ndim
    # Both index arrays in the middle of slices: NumPy puts the picked axis first; move it last.
    axes_index[a1], axes_index[a2] = rows, cols
    index = tuple(axes_index)
    shape = x.shape
    first = min(a1, a2)
    adjacent = abs(a1 - a2) == 1

    def pick(t: Any) -> Any:
        picked = t[index]
        # Fancy indices on adjacent axes stay in place; otherwise NumPy moves the picked axis to the front.
        src = first if adjacent else 0
        return picked if src == picked.ndim - 1 else moveaxis_(picked, src, -1)

    def unpick(g: Any) -> Any:
        src = first if adjacent else 0
        g = g if src == g.ndim - 1 else moveaxis_(g, -1, src)
        return scatter_add(g, index, shape)

    return record(
        "diagonal", data, (x,), (lambda g, out, x: unpick(g),), (lambda t, out, x: pick(full_tangent(t, shape)),)
    )


moveaxis_ = either(moveaxis, np.moveaxis)
