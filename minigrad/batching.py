"""Batched tangents and cotangents: a block of basis vectors pushed through the rules at once.

``mg.jacfwd`` and ``mg.jacrev`` need J·e_i for every basis vector e_i (or e_iᵀ·J).
Rather than one sweep per vector, they seed one sweep with a ``Batched``: a
block of k vectors held as one array of shape ``(k,) + shape``. It answers to
NumPy as an array of the *logical* shape ``shape`` (its ``.shape``, ``.ndim``,
``len``, indexing, axis arguments and broadcasting are the logical ones), and
every NumPy call a JVP or VJP rule makes on it is run once on the whole block,
with axis arguments shifted past the batch axis and operands aligned so that
broadcasting never mixes the batch axis with a logical one. This is JAX's
``vmap`` at the level of NumPy calls: the batching rules live here, one per
NumPy function, not one per minigrad op, so the ~100 ops' rules are unchanged.

A plain array met by a Batched stands for the same value in every batch member
(JAX's "not mapped"), which is exact: a rule that returns a constant zero
tangent is right for the whole block.

Anything this module does not know how to batch (a NumPy function outside its
table, a conversion to a plain array, a Python branch on a value, a write of a
block into a plain array) raises ``Unbatchable``; ``jacfwd``/``jacrev`` then
recompute that Jacobian one basis vector at a time, so an unbatched rule costs
speed, never correctness. A Batched never leaves ``minigrad.functional``.

This module imports only NumPy (and ``_operators``, which imports only NumPy).
"""

from __future__ import annotations

import string
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import _operators

__all__ = ["Batched", "Unbatchable", "unbatch", "select", "peak", "failed", "strict", "fallback"]


class Unbatchable(BaseException):
    """A rule did something with a block of tangents that has no batching rule here (the caller falls back).

    A BaseException, as KeyboardInterrupt, so that a user's ``except Exception``
    inside the differentiated function does not swallow it; raising it also sets
    a flag (``failed``) that the caller checks, in case something caught it anyway.
    """

    def __init__(self, what: str):
        super().__init__(what)
        _state.failed = True


class _State(threading.local):
    peak: int = 0  # the largest block (elements) made since the last reset
    failed: bool = False  # an Unbatchable was raised since the last reset
    strict: bool = False  # tests: a fallback to one vector per sweep is an error


_state = _State()


def peak(reset: bool = False) -> int:
    """The most elements any Batched made in this thread held (``reset`` starts over); sizes the next blocks."""
    value = _state.peak
    if reset:
        _state.peak = 0
    return value


def failed(reset: bool = False) -> bool:
    """True if an Unbatchable was raised in this thread since the last reset (``reset`` starts over)."""
    value = _state.failed
    if reset:
        _state.failed = False
    return value


@contextmanager
def strict() -> Iterator[None]:
    """Inside, jacfwd/jacrev raise RuntimeError instead of falling back to one sweep per vector (for tests)."""
    before = _state.strict
    _state.strict = True
    try:
        yield
    finally:
        _state.strict = before


def fallback(error: Unbatchable) -> None:
    """Called where jacfwd/jacrev fall back: in ``strict()`` mode, raise a RuntimeError saying why."""
    if _state.strict:
        raise RuntimeError(f"the basis could not be pushed in blocks: {error}") from None


def _refuse(what: str) -> Unbatchable:
    return Unbatchable(what)


def _nd(x: Any) -> int:
    return x.value.ndim - 1 if type(x) is Batched else np.ndim(x)


def _aligned(x: Any, nd: int) -> Any:
    """The array to hand NumPy for ``x`` in a call whose logical operands have ``nd`` dimensions.

    A Batched gets size-1 axes after its batch axis so that right-aligned
    broadcasting pairs its logical axes with the others' and its batch axis
    with nothing; a plain operand already broadcasts right-aligned.
    """
    if type(x) is not Batched:
        if isinstance(x, (list, tuple)) or (hasattr(x, "__array_function__") and not isinstance(x, np.ndarray)):
            raise _refuse(f"an operand of type {type(x).__name__}")
        return x
    v = x.value
    extra = nd - (v.ndim - 1)
    if extra < 0 and nd > 0 and all(n == 1 for n in v.shape[1 : 1 - extra]):
        return v.reshape(v.shape[:1] + v.shape[1 - extra :])  # leading size-1 axes, as NumPy drops them
    return v.reshape(v.shape[:1] + (1,) * extra + v.shape[1:]) if extra > 0 else v


def _same_k(*xs: Any) -> None:
    """All blocks among ``xs`` hold the same number of members (one sweep's blocks always do)."""
    ks = {x.value.shape[0] for x in xs if type(x) is Batched}
    if len(ks) > 1:
        raise ValueError(f"blocks of different sizes {sorted(ks)} met in one call")


def _lift(x: Any, k: int) -> np.ndarray:
    """``x`` as a block of k: its own array if Batched, else the same value repeated (a read-only view)."""
    if type(x) is Batched:
        if x.value.shape[0] != k:
            raise _refuse("blocks of different sizes")
        return x.value
    x = np.asarray(x)
    return np.broadcast_to(x, (k,) + x.shape)


def _k(xs: Any) -> int:
    for x in xs:
        if type(x) is Batched:
            return x.value.shape[0]
    raise _refuse("no block among the operands")


def _wrap(result: Any) -> Any:
    if isinstance(result, np.ndarray):
        return Batched(result)
    if isinstance(result, tuple) and all(isinstance(r, np.ndarray) for r in result):
        return tuple(Batched(r) for r in result)
    raise _refuse(f"a result of type {type(result).__name__}")


def _axes(axis: Any, nd: int) -> tuple[int, ...]:
    """A logical ``axis`` (None, int or sequence) as the block's axes (shifted past the batch axis)."""
    if axis is None:
        return tuple(range(1, nd + 1))
    if nd == 0:
        raise _refuse("an axis of a 0-d block")  # NumPy's rules for axes of 0-d arrays vary by function
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for a in axis:
        if not -nd <= a < nd:
            raise np.exceptions.AxisError(int(a), nd)
        out.append(int(a) % nd + 1)
    return tuple(out)


def _axis(axis: Any, nd: int) -> int:
    if not isinstance(axis, (int, np.integer)):
        raise _refuse(f"axis {axis!r}")
    return _axes(axis, nd)[0]


def _no_plain_arrays(kwargs: dict) -> None:
    for key, v in kwargs.items():
        if type(v) is Batched or (isinstance(v, np.ndarray) and v.ndim > 0):
            raise _refuse(f"an array given as {key}=")


# -- indexing -----------------------------------------------------------------------------------
def _has_block(xs: Any) -> bool:
    return any(type(x) is Batched for x in (xs if isinstance(xs, (tuple, list)) else (xs,)))


def _basic(idx: tuple) -> bool:
    """True if every part of ``idx`` is a slice, None, Ellipsis or an integer (not a bool): NumPy's basic
    indexing, which keeps the axes in order, so the batch axis can simply lead. Anything else (arrays,
    lists, tuples, ranges, bools) is advanced indexing, whose axes NumPy may move in front."""
    for e in idx:
        if e is None or e is Ellipsis or type(e) is slice:
            continue
        if isinstance(e, (int, np.integer)) and not isinstance(e, (bool, np.bool_)):
            continue
        return False
    return True


def _as_tuple(idx: Any) -> tuple:
    idx = idx if isinstance(idx, tuple) else (idx,)
    if any(type(e) is Batched for e in idx):
        raise _refuse("an index computed from a block")
    return idx


def _index_shape(shape: tuple[int, ...], idx: Any) -> tuple[int, ...]:
    """The logical shape ``x[idx]`` has, for ``x`` of ``shape`` (read from a zero-size-per-element view)."""
    return np.broadcast_to(np.empty((), dtype=bool), shape)[idx].shape


def _positions(shape: tuple[int, ...], idx: Any) -> np.ndarray:
    """The flat positions ``x[idx]`` reads, in its shape, for ``x`` of ``shape``: NumPy's own indexing of
    0..size-1, so every index form (advanced, separated, boolean) lands exactly where NumPy puts it."""
    return np.asarray(np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[idx])


def _flat_positions(target: Batched, idx: Any) -> tuple[np.ndarray, np.ndarray]:
    """(the block as (k, size), a view; the flat positions ``idx`` selects, in the logical result's shape)."""
    v = target.value
    if not v.flags.c_contiguous:
        raise _refuse("a write into a non-contiguous block")
    return v.reshape(v.shape[0], -1), _positions(target.shape, idx)


def _spread(b: Any, k: int, shape: tuple[int, ...]) -> np.ndarray:
    """``b`` (a block or a plain value) broadcast to (k, prod(shape)), the layout of a flat write."""
    v = _aligned(b, len(shape)) if type(b) is Batched else b
    return np.broadcast_to(v, (k,) + shape).reshape(k, -1)


# -- the block -----------------------------------------------------------------------------------
class Batched:
    """k arrays of one logical shape, held as ``value`` of shape ``(k,) + shape``; acts as one array."""

    __slots__ = ("value",)
    __array_priority__ = 2000.0
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, value: np.ndarray):
        self.value = value
        if value.size > _state.peak:
            _state.peak = value.size

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape[1:]

    @property
    def ndim(self) -> int:
        return self.value.ndim - 1

    @property
    def size(self) -> int:
        return int(np.prod(self.value.shape[1:], dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def flags(self) -> Any:
        return self.value.flags

    def __len__(self) -> int:
        if self.value.ndim == 1:
            raise TypeError("len() of unsized object")
        return self.value.shape[1]

    def __repr__(self) -> str:
        return f"Batched(k={self.value.shape[0]}, shape={self.shape}, dtype={self.dtype})"

    # value-dependent Python and conversions: not batchable
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise _refuse("conversion to a plain array")

    def __bool__(self) -> bool:
        raise _refuse("bool()")

    def __float__(self) -> float:
        raise _refuse("float()")

    def __int__(self) -> int:
        raise _refuse("int()")

    def __index__(self) -> int:
        raise _refuse("use as an index")

    def __complex__(self) -> complex:
        raise _refuse("complex()")

    def item(self, *args: Any) -> Any:
        raise _refuse(".item()")

    def tolist(self) -> Any:
        raise _refuse(".tolist()")

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    # NumPy protocols
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.pop("out", None)
        if method == "__call__":
            if ufunc.signature is not None:
                if ufunc is not np.matmul or out is not None:
                    raise _refuse(f"the generalized ufunc {ufunc.__name__}")
                return _matmul(*inputs, **kwargs)
            _no_plain_arrays(kwargs)
            _same_k(*inputs, *(out or ()))
            nd = max(_nd(x) for x in (*inputs, *(out or ())))
            args = [_aligned(x, nd) for x in inputs]
            if out is not None:
                if not all(type(o) is Batched for o in out):
                    raise _refuse("a block written into a plain array")
                kwargs["out"] = tuple(o.value for o in out)
                ufunc(*args, **kwargs)
                return out[0] if len(out) == 1 else out
            return _wrap(ufunc(*args, **kwargs))
        if method in ("reduce", "accumulate"):
            x = inputs[0]
            if type(x) is not Batched or len(inputs) != 1 or out is not None:
                raise _refuse(f"{ufunc.__name__}.{method} with these operands")
            _no_plain_arrays({k: v for k, v in kwargs.items() if k != "where"})
            if type(kwargs.get("where")) is Batched:
                raise _refuse("a block as where=")
            axis = kwargs.pop("axis", 0)
            ax = _axes(axis, x.ndim) if method == "reduce" else _axis(axis, x.ndim)
            return Batched(getattr(ufunc, method)(x.value, axis=ax, **kwargs))
        if method == "at" and not kwargs and out is None:
            target, idx, *rest = inputs
            if type(target) is not Batched:
                raise _refuse("a block added into a plain array")
            idx = _as_tuple(idx)
            _same_k(target, *rest)
            # Through the flat positions idx selects: one 1-D index, whatever idx's form.
            flat, pos = _flat_positions(target, idx)
            if rest and _nd(rest[0]) > pos.ndim:  # NumPy's rules for surplus axes vary with the index
                raise _refuse("ufunc.at with values of more axes than the places")
            args = [_spread(rest[0], flat.shape[0], pos.shape)] if rest else []
            ufunc.at(flat, (slice(None), pos.ravel()), *args)
            return None
        raise _refuse(f"{ufunc.__name__}.{method}")

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        rule = _FUNCTIONS.get(func)
        if rule is None:
            raise _refuse(f"np.{getattr(func, '__name__', func)}")
        try:
            return rule(*args, **kwargs)
        except TypeError as error:  # arguments the rule does not take (out=, ...): one vector at a time
            raise _refuse(f"np.{func.__name__} with these arguments ({error})") from None

    # indexing: basic indices keep the batch axis in front; any other index reads (or writes) the flat
    # positions it selects, which puts its axes where NumPy does, whatever the index's form
    def __getitem__(self, idx: Any) -> Batched:
        idx = _as_tuple(idx)
        if _basic(idx):
            r = self.value[(slice(None),) + idx]
            return Batched(r.copy() if r.ndim == 1 else r)  # an element is a copy (NumPy's scalar), never a view
        v = self.value
        pos = _positions(self.shape, idx)
        return Batched(v.reshape(v.shape[0], -1)[:, pos.ravel()].reshape(v.shape[:1] + pos.shape))

    def __setitem__(self, idx: Any, v: Any) -> None:
        idx = _as_tuple(idx)
        _same_k(self, v)
        nd = len(_index_shape(self.shape, idx))
        if _nd(v) > nd:  # NumPy's rules for surplus (size-1) axes vary with the index's form
            raise _refuse("a value with more axes than the place it is written to")
        if _basic(idx):
            self.value[(slice(None),) + idx] = _aligned(v, nd) if type(v) is Batched else v
            return
        flat, pos = _flat_positions(self, idx)
        flat[:, pos.ravel()] = _spread(v, flat.shape[0], pos.shape)

    # methods
    @property
    def T(self) -> Batched:
        return self.transpose()

    def __pos__(self) -> Batched:
        return np.positive(self)  # type: ignore[return-value]  # a Batched, through __array_ufunc__

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # protocols probe for these (copy, pickle): a plain "no"
        raise _refuse(f"the array attribute or method {name!r}")

    def transpose(self, *axes: Any) -> Batched:
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
            axes = axes[0] or ()
        nd = self.ndim
        order = tuple(range(1, nd + 1))[::-1] if not axes else _axes(tuple(axes), nd)
        if len(order) != nd:
            raise ValueError("axes don't match array")
        return Batched(self.value.transpose((0, *order)))

    def swapaxes(self, a1: int, a2: int) -> Batched:
        return Batched(self.value.swapaxes(_axis(a1, self.ndim), _axis(a2, self.ndim)))

    def reshape(self, *shape: Any, order: str = "C") -> Batched:
        if order != "C":
            raise _refuse(f"reshape with order={order!r}")
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return Batched(self.value.reshape(self.value.shape[:1] + tuple(shape)))

    def ravel(self, order: str = "C") -> Batched:
        return self.reshape(-1, order=order)

    def flatten(self, order: str = "C") -> Batched:
        return self.reshape(-1, order=order).copy()

    def squeeze(self, axis: Any = None) -> Batched:
        if axis is None:
            axis = tuple(i for i, n in enumerate(self.shape) if n == 1)
        return Batched(self.value.squeeze(axis=_axes(axis, self.ndim)))

    def copy(self, order: str = "C") -> Batched:
        return Batched(self.value.copy())

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> Batched:
        return Batched(self.value.astype(dtype, *args, **kwargs))

    def view(self, dtype: Any) -> Batched:
        if np.dtype(dtype).itemsize != self.dtype.itemsize:
            raise _refuse("a view as a type of another size")
        return Batched(self.value.view(dtype))

    def round(self, decimals: int = 0) -> Batched:
        return Batched(self.value.round(decimals))

    def conj(self) -> Batched:
        return Batched(self.value.conj())

    def cumsum(self, axis: Any = None, dtype: Any = None, out: Any = None) -> Batched:
        return _cumulative(self, "cumsum", axis, dtype, out)

    def cumprod(self, axis: Any = None, dtype: Any = None, out: Any = None) -> Batched:
        return _cumulative(self, "cumprod", axis, dtype, out)

    def clip(self, lo: Any = None, hi: Any = None) -> Batched:
        return _clip(self, lo, hi)

    def dot(self, b: Any) -> Batched:
        return _dot(self, b)

    def repeat(self, repeats: Any, axis: Any = None) -> Batched:
        return _repeat(self, repeats, axis)


def _reduction(name: str) -> Any:
    def method(self: Batched, axis: Any = None, *args: Any, **kwargs: Any) -> Batched:
        if args or kwargs.get("out") is not None:
            raise _refuse(f"{name} with out= or positional options")
        kwargs.pop("out", None)
        return Batched(getattr(self.value, name)(axis=_axes(axis, self.ndim), **kwargs))

    method.__name__ = name
    return method


for _name in ("sum", "mean", "max", "min", "prod", "any", "all", "var", "std"):
    setattr(Batched, _name, _reduction(_name))


_operators.install(Batched, shifts=True, in_place=True)


# -- batching rules, one per NumPy function ---------------------------------------------------------
def _matmul(a: Any, b: Any, **kwargs: Any) -> Batched:
    """matmul with 1-D operands made 2-D (and the added axis dropped after), batch axes aligned."""
    if set(kwargs) - {"dtype", "casting", "order", "subok"}:
        raise _refuse(f"matmul with {sorted(kwargs)}")
    _same_k(a, b)
    na, nb = _nd(a), _nd(b)
    if na == 0 or nb == 0:
        raise _refuse("matmul of a scalar")
    k = _k((a, b))
    if not kwargs and type(b) is not Batched and nb == 2 and type(b) is np.ndarray:
        v = a.value  # a block times a plain matrix: one matrix product with the block's rows stacked
        if na == 1 or v.flags.c_contiguous:
            r = v.reshape(-1, v.shape[-1]) @ b
            return Batched(r.reshape(v.shape[:-1] + b.shape[-1:]))
    if not kwargs and type(a) is not Batched and na == 2 and nb <= 2 and type(a) is np.ndarray:
        v = b.value  # a plain matrix times a block of vectors or matrices: one matrix product
        if nb == 1:
            return Batched(v @ a.T)  # (k, n) @ aᵀ
        if v.shape[-1] == 1:
            return Batched((v[..., 0] @ a.T)[..., None])
        return Batched(np.moveaxis(np.tensordot(a, v, axes=([1], [1])), 0, 1))  # (p, k, m) -> (k, p, m)
    va = _lift(a, k) if type(a) is Batched else np.asarray(a)
    vb = _lift(b, k) if type(b) is Batched else np.asarray(b)
    off = 1 if type(a) is Batched else 0
    if na == 1:
        va = np.expand_dims(va, off)  # (n,) -> (1, n)
    off = 1 if type(b) is Batched else 0
    if nb == 1:
        vb = np.expand_dims(vb, off + 1)  # (n,) -> (n, 1)
    lead = max(max(na, 2), max(nb, 2)) - 2
    if type(a) is Batched:
        va = va.reshape(va.shape[:1] + (1,) * (lead - (va.ndim - 3)) + va.shape[1:])
    if type(b) is Batched:
        vb = vb.reshape(vb.shape[:1] + (1,) * (lead - (vb.ndim - 3)) + vb.shape[1:])
    r = np.matmul(va, vb, **kwargs)
    if nb == 1:
        r = r[..., 0]
    if na == 1:
        r = r[..., 0, :] if nb != 1 else r[..., 0]
    return Batched(r)


def _dot(a: Any, b: Any) -> Any:
    """np.dot: a product with a scalar, else a sum over a's last axis and b's second to last (or only) axis."""
    na, nb = _nd(a), _nd(b)
    if na == 0 or nb == 0:
        return np.multiply(a, b)
    return _tensordot(a, b, axes=([na - 1], [nb - 2 if nb >= 2 else 0]))


def _tensordot(a: Any, b: Any, axes: Any = 2) -> Batched:
    if type(a) is Batched and type(b) is Batched:
        raise _refuse("tensordot of two blocks")
    na, nb = _nd(a), _nd(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [int(ax_a)] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [int(ax_b)] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        ax_a = [x - 1 for x in _axes(tuple(ax_a), na)]
        ax_b = [x - 1 for x in _axes(tuple(ax_b), nb)]
    if type(a) is Batched:
        return Batched(np.tensordot(a.value, b, axes=([x + 1 for x in ax_a], ax_b)))
    r = np.tensordot(a, b.value, axes=(ax_a, [x + 1 for x in ax_b]))
    return Batched(np.moveaxis(r, na - len(ax_a), 0))


def _einsum(subscripts: Any, *operands: Any, **kwargs: Any) -> Batched:
    """einsum with a fresh letter for the batch axis, on every block and on the output."""
    if not isinstance(subscripts, str) or "->" not in subscripts:
        raise _refuse("einsum without explicit output subscripts")
    _no_plain_arrays({k: v for k, v in kwargs.items() if k != "optimize"})
    spec = subscripts.replace(" ", "")
    letter = next(c for c in string.ascii_letters if c not in spec)
    ins, out = spec.split("->")
    terms = ins.split(",")
    if len(terms) != len(operands):
        raise _refuse("einsum with a count of operands that differs from its subscripts")
    _same_k(*operands)
    terms = [letter + t if type(o) is Batched else t for t, o in zip(terms, operands)]
    values = [o.value if type(o) is Batched else o for o in operands]
    return Batched(np.einsum(",".join(terms) + "->" + letter + out, *values, **kwargs))


def _cumulative(x: Batched, name: str, axis: Any, dtype: Any, out: Any = None) -> Batched:
    if out is not None:
        raise _refuse(f"{name} with out=")
    v = x.value
    if axis is None:
        return Batched(getattr(v.reshape(v.shape[0], -1), name)(axis=1, dtype=dtype))
    return Batched(getattr(v, name)(axis=_axis(axis, x.ndim), dtype=dtype))


def _clip(a: Any, lo: Any = None, hi: Any = None, **kwargs: Any) -> Batched:
    lo = kwargs.pop("a_min", kwargs.pop("min", lo))
    hi = kwargs.pop("a_max", kwargs.pop("max", hi))
    _same_k(a, lo, hi)
    _no_plain_arrays(kwargs)
    nd = max(_nd(a), _nd(lo), _nd(hi))
    return _wrap(np.clip(*[_aligned(x, nd) for x in (a, lo, hi)], **kwargs))


def _repeat(a: Batched, repeats: Any, axis: Any = None) -> Batched:
    if type(repeats) is Batched:
        raise _refuse("repeats computed from a block")
    v = a.value
    if axis is None:
        return Batched(np.repeat(v.reshape(v.shape[0], -1), repeats, axis=1))
    return Batched(np.repeat(v, repeats, axis=_axis(axis, a.ndim)))


def _reshape(a: Batched, *args: Any, **kwargs: Any) -> Batched:
    shape = kwargs.pop("shape", kwargs.pop("newshape", None))
    if shape is None:
        shape, args = args[0], args[1:]
    order = kwargs.pop("order", args[0] if args else "C")
    return a.reshape(shape, order=order)


def _transpose(a: Batched, axes: Any = None) -> Batched:
    return a.transpose(axes)


def _moveaxis(a: Batched, source: Any, destination: Any) -> Batched:
    return Batched(np.moveaxis(a.value, _axes(source, a.ndim), _axes(destination, a.ndim)))


def _expand_dims(a: Batched, axis: Any) -> Batched:
    count = 1 if isinstance(axis, (int, np.integer)) else len(axis)
    return Batched(np.expand_dims(a.value, _axes(axis, a.ndim + count)))


def _broadcast_to(a: Batched, shape: Any, subok: bool = False) -> Batched:
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if a.ndim > len(shape):
        raise _refuse("broadcast_to fewer axes than the array has")
    v = _aligned(a, len(shape))
    return Batched(np.broadcast_to(v, v.shape[:1] + shape))


def _like(fn: Any) -> Any:
    def rule(a: Any, *args: Any, **kwargs: Any) -> Batched:
        shape = kwargs.pop("shape", None)
        if type(a) is not Batched or any(type(x) is Batched or np.ndim(x) > 0 for x in args):
            raise _refuse(f"np.{fn.__name__} with a block or an array as its value")
        v = a.value
        if shape is not None:
            shape = v.shape[:1] + tuple(np.atleast_1d(shape))
        return Batched(fn(v, *args, shape=shape, **kwargs))

    return rule


def _where(cond: Any, *xy: Any) -> Batched:
    if len(xy) != 2:
        raise _refuse("np.where with one argument")
    ops = (cond, *xy)
    _same_k(*ops)
    nd = max(_nd(x) for x in ops)
    return Batched(np.where(*[_aligned(x, nd) for x in ops]))


def _join(seq: Any, axis: Any, new: bool, **kwargs: Any) -> Batched:
    if kwargs.get("out") is not None:
        raise _refuse("a join with out=")
    kwargs.pop("out", None)
    seq = list(seq)
    k = _k(seq)
    parts = [_lift(x, k) for x in seq]
    nd = parts[0].ndim - 1
    if axis is None:
        if new:
            raise _refuse("stack with axis=None")
        parts, ax = [p.reshape(k, -1) for p in parts], 1
    else:
        ax = _axis(axis, nd + 1 if new else nd)
    return Batched((np.stack if new else np.concatenate)(parts, axis=ax, **kwargs))


def _concatenate(seq: Any, axis: Any = 0, **kwargs: Any) -> Batched:
    return _join(seq, axis, False, **kwargs)


def _stack(seq: Any, axis: int = 0, **kwargs: Any) -> Batched:
    return _join(seq, axis, True, **kwargs)


def _split(a: Batched, indices: Any, axis: int = 0) -> list[Batched]:
    return [Batched(p) for p in np.split(a.value, indices, axis=_axis(axis, a.ndim))]


def _pad(a: Batched, pad_width: Any, mode: Any = "constant", **kwargs: Any) -> Batched:
    if not isinstance(mode, str):
        raise _refuse("np.pad with a function as its mode")
    for key, v in kwargs.items():
        if np.ndim(v) != 0 or type(v) is Batched:
            raise _refuse(f"np.pad with per-axis {key}=")
    pairs = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (a.ndim, 2))
    widths = np.concatenate([np.zeros((1, 2), dtype=np.intp), pairs])
    return Batched(np.pad(a.value, widths, mode=mode, **kwargs))  # type: ignore[call-overload]


def _tile(a: Batched, reps: Any) -> Batched:
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(a.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    return Batched(np.tile(_aligned(a, nd), (1,) + reps))


def _roll(a: Batched, shift: Any, axis: Any = None) -> Batched:
    if type(shift) is Batched:
        raise _refuse("a shift computed from a block")
    v = a.value
    if axis is None:
        return Batched(np.roll(v.reshape(v.shape[0], -1), shift, axis=1).reshape(v.shape))
    axes = _axis(axis, a.ndim) if isinstance(axis, (int, np.integer)) else _axes(axis, a.ndim)
    return Batched(np.roll(v, shift, axis=axes))


def _flip(a: Batched, axis: Any = None) -> Batched:
    return Batched(np.flip(a.value, axis=_axes(axis, a.ndim)))


def _diagonal(a: Batched, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Batched:
    return Batched(np.diagonal(a.value, offset, _axis(axis1, a.ndim), _axis(axis2, a.ndim)))


def _trace(a: Batched, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Batched:
    return Batched(np.trace(a.value, offset, _axis(axis1, a.ndim), _axis(axis2, a.ndim), dtype=dtype))


def _triangle(fn: Any) -> Any:
    def rule(a: Batched, k: int = 0) -> Batched:
        if a.ndim < 2:
            raise _refuse(f"np.{fn.__name__} of a 1-D block")
        return Batched(fn(a.value, k))

    return rule


def _take_along_axis(a: Batched, indices: Any, axis: Any = -1) -> Batched:
    if type(indices) is Batched or axis is None:
        raise _refuse("take_along_axis with these arguments")
    return Batched(np.take_along_axis(a.value, np.asarray(indices)[None], axis=_axis(axis, a.ndim)))


def _put_along_axis(a: Batched, indices: Any, values: Any, axis: Any) -> None:
    if type(a) is not Batched or type(indices) is Batched or axis is None:
        raise _refuse("put_along_axis with these arguments")
    indices = np.asarray(indices)
    values = _aligned(values, indices.ndim) if type(values) is Batched else values
    np.put_along_axis(a.value, indices[None], values, axis=_axis(axis, a.ndim))


def _copyto(dst: Any, src: Any, casting: Any = "same_kind", where: Any = True) -> None:
    if type(dst) is not Batched or type(where) is Batched:
        raise _refuse("a block copied into a plain array")
    _same_k(dst, src)
    np.copyto(dst.value, _aligned(src, dst.ndim), casting=casting, where=where)


def _outer(a: Any, b: Any) -> Any:
    return np.multiply(np.reshape(a, (-1, 1)), np.reshape(b, (1, -1)))


def _method_rule(name: str) -> Any:
    def rule(a: Any, *args: Any, **kwargs: Any) -> Any:
        if type(a) is not Batched:
            raise _refuse(f"np.{name} with a block as an option")
        return getattr(a, name)(*args, **kwargs)

    return rule


def _elementwise(fn: Any) -> Any:
    def rule(a: Any, *args: Any, **kwargs: Any) -> Any:
        if type(a) is not Batched or _has_block(args) or _has_block(tuple(kwargs.values())):
            raise _refuse(f"np.{fn.__name__} with a block as an option")
        return Batched(fn(a.value, *args, **kwargs))

    return rule


_FUNCTIONS: dict[Any, Any] = {
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
    np.result_type: lambda *xs: np.result_type(*[x.dtype if type(x) is Batched else x for x in xs]),
    np.reshape: _reshape,
    np.ravel: lambda a, order="C": a.ravel(order),
    np.transpose: _transpose,
    np.swapaxes: lambda a, a1, a2: a.swapaxes(a1, a2),
    np.moveaxis: _moveaxis,
    np.expand_dims: _expand_dims,
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.broadcast_to: _broadcast_to,
    np.copy: lambda a, order="K", subok=False: a.copy(),
    np.zeros_like: _like(np.zeros_like),
    np.ones_like: _like(np.ones_like),
    np.empty_like: _like(np.empty_like),
    np.full_like: _like(np.full_like),
    np.where: _where,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.split: _split,
    np.matmul: _matmul,
    np.dot: _dot,
    np.tensordot: _tensordot,
    np.einsum: _einsum,
    np.outer: _outer,
    np.clip: _clip,
    np.cumsum: lambda a, axis=None, dtype=None: _cumulative(a, "cumsum", axis, dtype),
    np.cumprod: lambda a, axis=None, dtype=None: _cumulative(a, "cumprod", axis, dtype),
    np.repeat: _repeat,
    np.tile: _tile,
    np.roll: _roll,
    np.flip: _flip,
    np.pad: _pad,
    np.diagonal: _diagonal,
    np.trace: _trace,
    np.triu: _triangle(np.triu),
    np.tril: _triangle(np.tril),
    np.take_along_axis: _take_along_axis,
    np.put_along_axis: _put_along_axis,
    np.copyto: _copyto,
    np.round: _elementwise(np.round),
    np.around: _elementwise(np.around),
}
for _name in ("sum", "mean", "max", "min", "prod", "any", "all", "var", "std"):
    _FUNCTIONS[getattr(np, _name)] = _method_rule(_name)
_FUNCTIONS[np.amax] = _FUNCTIONS[np.max]
_FUNCTIONS[np.amin] = _FUNCTIONS[np.min]


# -- the helpers the core calls ---------------------------------------------------------------------
_BITS = {2: np.int16, 4: np.int32, 8: np.int64}


def select(mask: Any, a: Any) -> Batched:
    """``a`` where ``mask``, exactly 0 elsewhere (``_dual.select`` for blocks): through the float's bits."""
    _same_k(mask, a)
    nd = max(_nd(mask), _nd(a))
    vm, va = _aligned(mask, nd), _aligned(a, nd)
    va = np.asarray(va)
    bits = _BITS.get(va.dtype.itemsize) if va.dtype.kind == "f" else None
    if bits is None:
        return _wrap(np.where(vm, va, np.zeros((), dtype=va.dtype)))
    out = np.empty(np.broadcast_shapes(va.shape, np.shape(vm)), dtype=va.dtype)
    np.multiply(va.view(bits), vm, out=out.view(bits), dtype=bits)
    return Batched(out)


def copy_as_block(x: Any, like: Batched) -> Batched:
    """A writable block copy of ``x`` (a block, or a plain value repeated k times, k from ``like``)."""
    if type(x) is Batched:
        return x.copy()
    x = np.asarray(x)
    return Batched(np.broadcast_to(x, like.value.shape[:1] + x.shape).copy())


def merged(fn: Any, x: Batched, *args: Any) -> Batched:
    """``fn`` on a block whose batch axis is merged into its first logical axis, for an ``fn`` that treats
    each item along that axis alike (a convolution's images): one call for the whole block."""
    v = x.value
    if v.ndim < 2:
        raise _refuse("a merged call on a 0-d block")
    r = fn(v.reshape((v.shape[0] * v.shape[1],) + v.shape[2:]), *args)
    return Batched(r.reshape(v.shape[:2] + r.shape[1:]))


def unbatch(x: Any, k: int, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The ``(k,) + shape`` array a block (or a plain value, the same for all k) stands for."""
    if type(x) is Batched:
        v = x.value
        if v.shape[0] != k:
            raise ValueError(f"a block of {v.shape[0]} where {k} were pushed")
        if v.shape != (k,) + shape:
            v = np.broadcast_to(_aligned(x, len(shape)), (k,) + shape)
        return v.astype(dtype, copy=False)
    return np.broadcast_to(np.asarray(x, dtype=dtype), (k,) + shape)
