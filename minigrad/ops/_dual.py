"""Helpers that let one VJP formula run on NumPy arrays or on Tensors.

A plain backward pass calls VJPs with arrays; a recorded (higher-order) pass
calls them with Tensors. Operators and ``.sum/.reshape/.T`` exist on both; the
few functions below pick NumPy or the differentiable op by argument type.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from .. import batching
from ..batching import Batched
from ..tensor import Tensor
from ..tracing import Box, primitive


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


def _op(name: str) -> Any:
    """The differentiable op ``name`` (imported late: the op modules import this one)."""
    from .. import ops

    return getattr(ops, name)


def sigmoid_(x: Any) -> Any:
    return _op("sigmoid")(x) if type(x) is Tensor else expit(x)


def sign_(x: Any) -> np.ndarray:
    """sign of x's value as a constant of x's dtype: 1, -1, or 0 (at 0 and at nan, as PyTorch's sgn)."""
    v = value(x)
    return (v > 0).astype(v.dtype) - (v < 0)


def maximum_(x: Any, lo: Any) -> Any:
    """max(x, lo) elementwise, for a constant ``lo`` (used to keep an -inf away from a subtraction)."""
    if type(x) is Tensor:
        return _op("maximum")(x, lo)
    return np.maximum(x, lo)


# Integer types of the same width as each float type: selecting through the bits
# is exact (0 where the mask is off, whatever the float held, inf and nan too).
_BITS = {2: np.int16, 4: np.int32, 8: np.int64}


def select(mask: np.ndarray, a: Any, into: bool = False) -> np.ndarray:
    """``a`` where ``mask``, exactly 0 elsewhere, for a float array ``a`` (any broadcast of the two).

    A product ``a * mask`` turns an inf or nan of ``a`` into nan where the mask
    is off, and ``np.where`` is ~5x slower (it branches on every element of a
    random mask). This multiplies the float's bits, as an integer, by the 0/1
    mask: exact, branch free, and on a (1024, 256) float32 ReLU gradient a
    little faster than ``a * mask`` (benchmarks/relu_backward.py). ``into=True``
    writes the result into ``a`` when ``a`` already has the result's shape (for
    an ``a`` the caller has just computed and owns).
    """
    if type(a) is Box or type(mask) is Box:
        return select_copy(mask, a)  # traced by mg.compile: one pure call in the program
    if type(a) is Batched or type(mask) is Batched:
        return batching.select(mask, a)  # type: ignore[return-value]  # a block of tangents (jacfwd/jacrev)
    a = np.asarray(a)
    bits = _BITS.get(a.dtype.itemsize) if a.dtype.kind == "f" else None
    if bits is None:
        return np.where(mask, a, np.zeros((), dtype=a.dtype))
    # An integer product with the 0/1 mask keeps the float's bits or clears them all.
    view = a.view(bits)
    if (
        into
        and a.flags.writeable
        and np.ndim(mask) <= a.ndim
        and np.broadcast_shapes(a.shape, np.shape(mask)) == a.shape
    ):
        np.multiply(view, mask, out=view, dtype=bits)
        return a
    out = np.empty(np.broadcast_shapes(a.shape, np.shape(mask)), dtype=a.dtype)  # owns its memory (no .base)
    np.multiply(view, mask, out=out.view(bits), dtype=bits)
    return out


@primitive
def select_copy(mask: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``select(mask, a)`` into a new array: the form mg.compile records (it never writes into its input)."""
    return select(mask, a)


def where_(cond: np.ndarray, a: Any, b: Any) -> Any:
    """a where cond, else b; ``cond`` is a constant boolean array.

    It SELECTS: with one side 0, the result is exactly 0 there whatever the other
    side holds (an inf or nan from downstream does not leak into masked-off
    places), on arrays (``select``) and on Tensors (the ``where`` op, whose own
    VJPs select too).
    """
    if type(a) is Tensor or type(b) is Tensor:
        return _op("where")(cond, a, b)
    if type(b) is int and b == 0:
        return select(cond, a)
    if type(a) is int and a == 0:
        return select(np.logical_not(cond), b)
    return np.where(cond, a, b)


def nonzero_(g: Any, r: Any) -> Any:
    """``r`` where ``g`` is not exactly 0, else 0: a zero cotangent or tangent contributes nothing.

    Used by ops whose local derivative can be infinite (sqrt, log, division,
    pow at 0, exp on overflow): without it 0 · inf = nan leaks from a branch
    that does not reach the output (mlx's and tinygrad's convention for sqrt).
    ``r`` must be an array the caller has just computed: on arrays it is
    overwritten in place (benchmarks/guard_cost.py measures what this costs).
    """
    if type(g) is Tensor or type(r) is Tensor:
        return where_(value(g) != 0, r, 0)
    return select(np.not_equal(g, 0), r, into=True)


def broadcast_to_(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` repeated to ``shape``. For arrays, a new array: cheaper than np.broadcast_to's view to make."""
    if type(x) is Tensor:
        from .shape import broadcast_to

        return broadcast_to(x, shape)
    if type(x) is Batched:
        return np.broadcast_to(x, shape).copy()
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
