"""Statistics along axes with NumPy's names: var, std, prod, cumsum.

``axis`` is None (all axes), an int or a tuple; ``keepdims`` keeps reduced axes
as size 1 (``cumsum`` keeps every axis; with ``axis=None`` it flattens, as
NumPy does). Each VJP restores the reduced axes of ``g`` and spreads it back;
each JVP is the same derivative contracted with the tangent.

Shapes and dtypes: each op takes a Tensor, a NumPy array or a number, and its
result has the shape and dtype NumPy gives (float32 stays float32, float64 is
the default). Bad arguments raise ValueError (TypeError for a wrong type) that
names the op and the shapes involved.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, record
from ._dual import keepdims_shape, normalize_axis, value
from ._either import either, full_tangent, is_tensor, select
from .layout import flip_, one_axis
from .reduce import mean, sum
from .shape import astype

__all__ = ["var", "std", "prod", "cumsum"]

mean_ = either(mean, np.mean)
sum_ = either(sum, np.sum)


def _input(x: Any, dtype: Any, out: Any, op: str) -> Tensor:
    """x as a Tensor, converted to ``dtype`` (recorded, so the gradient flows back) if one is given."""
    if out is not None:
        raise TypeError(f"{op}: out= is not supported (minigrad ops return new Tensors)")
    x = as_tensor(x)
    if dtype is not None and np.dtype(dtype) != x.dtype:
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"{op}: dtype must be floating, got {np.dtype(dtype)}")
        x = astype(x, dtype)
    return x


def _reduced(x: Tensor, axis: Any, op: str) -> tuple[tuple[int, ...] | None, tuple[int, ...], int]:
    """(normalized axes, x's shape with them kept as 1, how many elements each output reduces)."""
    axes = normalize_axis(axis, x.ndim, op)
    n = x.size if axes is None else math.prod(x.shape[i] for i in axes)
    return axes, keepdims_shape(x.shape, axes), n


def var(x: Any, axis: Any = None, dtype: Any = None, out: None = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """Σ (x - mean)² / (n - ddof) over ``axis``, as ``np.var``.

    d/dx = 2 (x - mean) / (n - ddof). With n - ddof ≤ 0 the value is inf or nan
    (NumPy) and so is the gradient. ``dtype`` (floating) converts x first; ``out`` is not supported.
    """
    x = _input(x, dtype, out, "var")
    axes, kept, n = _reduced(x, axis, "var")
    scale = 2.0 / (n - ddof) if n - ddof > 0 else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        data = np.var(x.data, axis=axes, ddof=ddof, keepdims=keepdims)

    def centered(x: Any) -> Any:
        return x - mean_(x, axis=axes, keepdims=True)

    def vjp(g, out, x):
        return g.reshape(kept) * centered(x) * scale

    def jvp(t, out, x):
        return sum_(centered(x) * t, axis=axes, keepdims=keepdims) * scale

    return record("var", data, (x,), (vjp,), (jvp,))


def std(x: Any, axis: Any = None, dtype: Any = None, out: None = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """√var(x, axis, ddof), as ``np.std``.

    d/dx = (x - mean) / ((n - ddof) · std). Where std is 0 (all values equal)
    the gradient is 0, not 0/0 = nan (PyTorch's convention). ``dtype``/``out`` as in ``var``.
    """
    x = _input(x, dtype, out, "std")
    axes, kept, n = _reduced(x, axis, "std")
    dof = n - ddof if n - ddof > 0 else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        data = np.std(x.data, axis=axes, ddof=ddof, keepdims=keepdims)

    def rule(d: Any, out: Any, x: Any, shape: tuple[int, ...], reduce: bool) -> Any:
        # A safe denominator (1 where std is 0) keeps the unselected branch finite, so
        # the gradient of this gradient is finite too; the select then writes the 0.
        flat = value(out).reshape(shape) == 0
        centered = x - mean_(x, axis=axes, keepdims=True)
        part = sum_(centered * d, axis=axes, keepdims=keepdims) if reduce else d.reshape(shape) * centered
        return select(flat, 0, part / (select(flat, 1, out.reshape(shape)) * dof))

    out_shape = data.shape
    return record(
        "std",
        data,
        (x,),
        (lambda g, out, x: rule(g, out, x, kept, False),),
        (lambda t, out, x: rule(t, out, x, out_shape, True),),
    )


def prod(x: Any, axis: Any = None, dtype: Any = None, out: None = None, keepdims: bool = False) -> Tensor:
    """Π x over ``axis``, as ``np.prod``.

    d/dxᵢ = the product of the other elements, computed without dividing by xᵢ,
    so it is right with zeros in the input: one zero gets the product of the
    rest and the others 0; two zeros give 0 everywhere (as PyTorch). ``dtype``/``out`` as in ``var``.
    """
    x = _input(x, dtype, out, "prod")
    axes, kept, _ = _reduced(x, axis, "prod")
    data = np.prod(x.data, axis=axes, keepdims=keepdims)
    every = tuple(range(x.ndim)) if axes is None else axes

    def vjp(g, out, x):
        return g.reshape(kept) * _others(x, every)

    def jvp(t, out, x):
        return sum_(_others(x, every) * t, axis=axes, keepdims=keepdims)

    return record("prod", data, (x,), (vjp,), (jvp,))


def _others(x: Any, axes: tuple[int, ...]) -> Any:
    """For every element, the product of the other elements of its slice over ``axes`` (shape of x)."""
    rest = [i for i in range(x.ndim) if i not in axes]
    perm = rest + list(axes)
    inverse = [int(i) for i in np.argsort(perm)]
    moved = tuple(x.shape[i] for i in perm)
    n = math.prod(x.shape[i] for i in axes)
    rows = x.transpose(perm).reshape(moved[: len(rest)] + (n,))
    return _others_last(rows).reshape(moved).transpose(inverse)


def _others_last(x: Any) -> Any:
    """Products of the other elements along the last axis.

    Arrays: exclusive running products from the left times those from the right (O(n), exact with zeros).
    Tensors (recorded, for higher order): row i of an n×n grid holds x with xᵢ replaced by 1, and the
    product of each row is taken with ``prod`` itself, so every order differentiates (O(n²) memory).
    """
    n = x.shape[-1]
    if n == 0:
        return x
    if is_tensor(x):
        rows = select(np.eye(n, dtype=bool), 1, x.reshape(x.shape[:-1] + (1, n)))
        return prod(rows, axis=-1)
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return left * right


def cumsum(x: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Tensor:
    """Running sums along ``axis`` (of the flattened x if None, giving 1-D), as ``np.cumsum``.

    VJP: running sums of g from the end (flip, cumsum, flip).  JVP: cumsum of the tangent.
    ``dtype``/``out`` as in ``var``.
    """
    x = _input(x, dtype, out, "cumsum")
    shape = x.shape
    if axis is None:
        data = np.cumsum(x.data)

        def vjp(g, out, x):
            return flip_(cumsum_(flip_(g, 0), 0), 0).reshape(shape)

        def jvp(t, out, x):
            return cumsum_(full_tangent(t, shape).reshape(-1), 0)

        return record("cumsum", data, (x,), (vjp,), (jvp,))
    ax = one_axis(axis, x.ndim, "cumsum")
    data = np.cumsum(x.data, axis=ax)
    return record(
        "cumsum",
        data,
        (x,),
        (lambda g, out, x: flip_(cumsum_(flip_(g, ax), ax), ax),),
        (lambda t, out, x: cumsum_(full_tangent(t, shape), ax),),
    )


cumsum_ = either(cumsum, np.cumsum)
