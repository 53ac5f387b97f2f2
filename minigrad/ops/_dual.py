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


def replace_(x: Any, cond: Any, fill: float) -> Any:
    """``x`` with ``fill`` where the constant mask ``cond`` holds; ``x`` itself where it holds nowhere.

    Keeps the input of a masked branch inside its domain (log of 1, not of 0), so
    that the branch and all its derivatives stay finite where the mask then
    selects another value: the double-``where`` trick, which keeps a rule's
    higher derivatives free of nan at its special points.
    """
    if isinstance(cond, (np.ndarray, np.bool_, bool)) and not np.any(cond):
        return x
    return where_(cond, fill, x)


def times_(g: Any, d: Any) -> Any:
    """``g · d``: the rule of a local derivative ``d`` applied to an incoming ``g``, exactly 0 where g = 0 and d is
    not finite.

    A branch that does not reach the output contributes nothing, even through
    sqrt or log at 0, or exp on overflow (mlx's and tinygrad's convention for
    sqrt; a nan that arrives in g stays nan). The rule stays LINEAR in ``g``:
    only where d itself is not finite is anything selected, so wherever d is
    finite, d(rule)/dg = d exactly, including where g is 0 (a stationary point),
    and every higher order built on the rule keeps its terms.

    On the recorded path, where d is not finite both factors are replaced by 0
    (the double-``where`` trick), so no nan reaches a derivative of the rule.
    What the guard does not do: an infinite g meeting d = 0 stays nan (0 · inf
    with the infinity upstream, as in PyTorch and JAX), and so does an infinite
    tangent of d meeting a zero g in forward over reverse (d's derivatives at
    that place carry g's own derivative, needed at the next order, so they
    cannot be cut); the double-``where`` idiom in user code avoids both.
    """
    if type(g) is Tensor or type(d) is Tensor:
        bad = _undefined(g, d, lambda v: ~np.isfinite(v))
        return g * d if bad is None else where_(bad, 0, g) * where_(bad, 0, d)
    return clear_undefined(g, g * d)


def over_(g: Any, b: Any) -> Any:
    """``g / b`` with ``times_``'s guard for the derivative 1/b: exactly 0 where g = 0 and b is 0 or nan."""
    if type(g) is Tensor or type(b) is Tensor:
        bad = _undefined(g, b, lambda v: (v == 0) | np.isnan(v))
        return g / b if bad is None else where_(bad, 0, g) / where_(bad, 1, b)
    return clear_undefined(g, g / b)


def _undefined(g: Any, d: Any, undefined: Any) -> Any:
    """The constant mask "g = 0 and ``undefined(d)``", or None where it is empty (known for arrays and blocks;
    for a traced Box the mask is kept)."""
    bad = (value(g) == 0) & undefined(value(d))
    return None if _nowhere(bad) else bad


def _nowhere(mask: Any) -> bool:
    if type(mask) is Batched:
        return not mask.value.any()
    return isinstance(mask, (np.ndarray, np.bool_, bool)) and not np.any(mask)


def clear_undefined(g: Any, r: Any) -> Any:
    """``r`` (= g·d, or g/d, just computed), with 0 where g = 0 and r is nan; ``r`` itself when it holds no nan.

    The check is one minimum over r (NumPy's minimum propagates nan, and its
    reduction is the cheapest pass over an array: 10 µs on (1024, 256) float32,
    against 35 µs for a sum and 16 µs for ``isnan(r).any()``; about 1.3 µs on a
    tutorial-sized array); the mask is built only when there is a nan to clear
    (benchmarks/guard_cost.py). Under mg.compile it is one call in the program,
    making the same check each run.
    """
    kind = type(r)
    if kind is np.ndarray:  # the plain backward: the hot path
        if r.size == 0 or r.dtype.kind != "f":
            return r
        lowest = np.minimum.reduce(r, axis=None)
        if lowest == lowest:  # not nan
            return r
    elif kind is Box or type(g) is Box:
        if type(g) is not Box and np.all(np.asarray(g) != 0):
            return r  # a constant g without zeros: the guard can never select, so the program skips it
        return _clear_undefined_traced(g, r)
    elif kind is Batched:
        if r.value.size == 0 or not np.isnan(np.min(r.value)):
            return r
    elif r == r:  # a NumPy scalar (0-d operands): not nan
        return r
    return select(~(np.isnan(r) & (g == 0)), r)  # a new array: under mg.compile r may be read elsewhere


def _guard_at_run_time(g: Any, r: Any) -> Any:
    """``clear_undefined`` as one opaque call in a compiled program (its branch is taken at run time)."""
    return clear_undefined(g, r)


_guard_at_run_time.__name__ = "clear_undefined"  # the name the generated program shows
_clear_undefined_traced = primitive(_guard_at_run_time)


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
