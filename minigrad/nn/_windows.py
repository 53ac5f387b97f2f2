"""Sliding-window primitives behind convolution and pooling: unfold/fold and take/put.

``unfold`` (im2col) copies every receptive field of a padded NCHW input into a
(N, OH, OW, C, kh, kw) array; ``fold`` (col2im) adds such an array back onto an
NCHW input, summing where windows overlap. Both are linear, and each is the
other's adjoint, so each one's VJP is the other and its JVP is itself: a
convolution written as ``matmul(unfold(x), W)`` is differentiable to any order.

``take``/``put`` are the same pair for a fixed integer index along the last
axis (gather and scatter-add); max pooling is ``take`` at the arg-max.

Conventions (PyTorch's): ``padding`` pads with zeros (unfold/fold) on both
sides of each spatial axis, ``dilation`` spaces the kernel taps, and an output
side is ``(side + pad_lo + pad_hi - dilation·(k-1) - 1) // stride + 1``.
No Python loop runs over pixels or batch items: unfold is one strided view and
one copy; fold loops over the kh·kw kernel taps (9 for a 3×3 kernel).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import batching
from ..batching import Batched
from ..tensor import Tensor, as_tensor, record
from ..tracing import asarray, primitive

__all__ = ["Geometry", "geometry", "windows", "window_argmax", "unfold", "fold", "take", "put"]

Pair = tuple[int, int]


class Geometry:
    """The fixed numbers of one windowed op over a 2-D (H, W) plane."""

    __slots__ = ("in_hw", "kernel", "stride", "pads", "dilation", "out_hw")

    def __init__(
        self, in_hw: Pair, kernel: Pair, stride: Pair, pads: tuple[Pair, Pair], dilation: Pair, out_hw: Pair
    ) -> None:
        self.in_hw, self.kernel, self.stride = in_hw, kernel, stride
        self.pads, self.dilation, self.out_hw = pads, dilation, out_hw


def geometry(op: str, in_hw: Pair, kernel: Pair, stride: Pair, pads: tuple[Pair, Pair], dilation: Pair) -> Geometry:
    """Validate the numbers and compute the output side; ``ValueError`` names ``op`` and the sizes."""
    for name, pair, low in (("kernel_size", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1)):
        if min(pair) < low:
            raise ValueError(f"{op}: {name} must be positive, got {pair}")
    if min(min(p) for p in pads) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {pads}")
    out = []
    for side, k, s, (lo, hi), d in zip(in_hw, kernel, stride, pads, dilation):
        span = d * (k - 1) + 1
        if side + lo + hi < span:
            raise ValueError(
                f"{op}: the input side {side} padded by ({lo}, {hi}) is smaller than the (dilated) kernel side {span}"
            )
        out.append((side + lo + hi - span) // s + 1)
    # tuple() of a pair is typed tuple[int, ...]: each of these holds exactly two entries (zip above)
    return Geometry(tuple(in_hw), tuple(kernel), tuple(stride), tuple(pads), tuple(dilation), tuple(out))  # type: ignore[arg-type]


def windows(x: np.ndarray, geo: Geometry, fill: float = 0.0) -> np.ndarray:
    """(N, C, H, W) → a strided view (N, C, OH, OW, kh, kw) of the input padded with ``fill`` (no copy but the pad)."""
    (pt, pb), (pl, pr) = geo.pads
    if pt or pb or pl or pr:
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = geo.kernel, geo.stride, geo.dilation, geo.out_hw
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(x, span, axis=(2, 3))
    return view[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]


@primitive
def _unfold_np(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """(N, C, H, W) → (N, OH, OW, C, kh, kw), a new contiguous array (zero padding)."""
    if type(x) is Batched:  # a block of tangents: each of its k·N images is unfolded alike
        return batching.merged(_unfold_np, x, geo)
    return np.ascontiguousarray(windows(x, geo).transpose(0, 2, 3, 1, 4, 5))


@primitive
def _fold_np(cols: np.ndarray, geo: Geometry) -> np.ndarray:
    """(N, OH, OW, C, kh, kw) → (N, C, H, W): every tap added back where it came from, padding cropped.

    Accumulates in (N, H, W, C) order, where each tap's slice of ``cols`` is read with its
    natural strides (twice as fast as NCHW), and returns the NCHW view of that array.
    """
    if type(cols) is Batched:  # a block of cotangents: each of its k·N images is folded alike
        return batching.merged(_fold_np, cols, geo)
    n, oh, ow, c, kh, kw = cols.shape
    (pt, pb), (pl, pr) = geo.pads
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    h, w = geo.in_hw
    out = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw] += cols[
                ..., i, j
            ]
    return out[:, pt : pt + h, pl : pl + w].transpose(0, 3, 1, 2)


@functools.lru_cache(maxsize=64)
def _tap_table(in_hw: Pair, kernel: Pair, stride: Pair, pads: tuple[Pair, Pair], dilation: Pair) -> np.ndarray:
    """(OH·OW·kh·kw,) int64: the flat index in H·W of every tap of every window, −1 where it falls in padding."""
    geo = geometry("tap_table", in_hw, kernel, stride, pads, dilation)
    (h, w), (oh, ow), (kh, kw) = in_hw, geo.out_hw, kernel
    row = (np.arange(oh) * stride[0] - pads[0][0])[:, None, None, None] + (np.arange(kh) * dilation[0])[:, None]
    col = (np.arange(ow) * stride[1] - pads[1][0])[None, :, None, None] + np.arange(kw) * dilation[1]
    row, col = np.broadcast_arrays(row, col)  # (OH, OW, kh, kw)
    table = np.where((row >= 0) & (row < h) & (col >= 0) & (col < w), row * w + col, -1)
    return table.reshape(-1).astype(np.int64)


@primitive
def window_argmax(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """(N, C, OH, OW) int64: the flat index in H·W of the first maximum of each window (padding never wins).

    Ties go to the first maximum in row-major window order and nan wins (np.argmax's rules, which are
    PyTorch's on CPU). A window whose real values are all −inf picks its first real element.
    """
    (oh, ow), (kh, kw) = geo.out_hw, geo.kernel
    k = kh * kw
    n, c = x.shape[:2]
    first = windows(x, geo, fill=-np.inf).reshape(n, c, oh, ow, k).argmax(axis=-1)
    table = _tap_table(geo.in_hw, geo.kernel, geo.stride, geo.pads, geo.dilation)
    pick = first + (np.arange(oh * ow, dtype=np.int64) * k).reshape(oh, ow)
    index = table[pick]
    if any(p for pair in geo.pads for p in pair) and (index < 0).any():
        first_real = (table.reshape(oh * ow, k) >= 0).argmax(axis=1).reshape(oh, ow)
        fixed = table[first_real + (np.arange(oh * ow, dtype=np.int64) * k).reshape(oh, ow)]
        index = np.where(index < 0, fixed, index)
    return index


def unfold(x: Any, geo: Geometry) -> Any:
    """im2col.  (N, C, H, W) → (N, OH, OW, C, kh, kw); linear: VJP = ``fold``, JVP = ``unfold``.

    On a NumPy array returns an array (the form VJPs use); on a Tensor records the op.
    """
    if type(x) is not Tensor:
        return _unfold_np(asarray(x), geo)
    vjps, jvps = _unfold_rules(geo)
    return record("unfold", _unfold_np(x.data, geo), (x,), vjps, jvps)


def _unfold_rules(geo: Geometry) -> tuple[tuple, tuple]:
    """(VJPs, JVPs) of unfold: adjoint fold backwards, unfold itself forwards."""
    return (lambda g, out, x: fold(g, geo),), (lambda t, out, x: unfold(t, geo),)


def fold(cols: Any, geo: Geometry) -> Any:
    """col2im.  (N, OH, OW, C, kh, kw) → (N, C, H, W), overlaps summed; linear: VJP = ``unfold``, JVP = ``fold``."""
    if type(cols) is not Tensor:
        return _fold_np(asarray(cols), geo)
    vjps, jvps = _fold_rules(geo)
    return record("fold", _fold_np(cols.data, geo), (cols,), vjps, jvps)


def _fold_rules(geo: Geometry) -> tuple[tuple, tuple]:
    """(VJPs, JVPs) of fold: adjoint unfold backwards, fold itself forwards."""
    return (lambda g, out, c: unfold(g, geo),), (lambda t, out, c: fold(t, geo),)


@primitive
def _put_np(g: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """zeros(lead + (size,)) with g[..., k] added at index[..., k] (bincount: repeated indices add)."""
    if type(g) is Batched:  # a block of cotangents: the batch axis is one more leading axis
        v = g.value
        return Batched(_put_np(v, np.broadcast_to(index, v.shape[:1] + np.shape(index)), size))
    lead = g.shape[:-1]
    rows = int(np.prod(lead, dtype=np.int64))
    flat = index.reshape(rows, -1) + (np.arange(rows, dtype=np.int64) * size)[:, None]
    total = np.bincount(flat.ravel(), weights=g.reshape(rows, -1).ravel(), minlength=rows * size)
    return total.astype(g.dtype, copy=False).reshape(*lead, size)


def take(x: Any, index: np.ndarray) -> Any:
    """Gather along the last axis: out[..., k] = x[..., index[..., k]].  Linear: VJP = ``put``, JVP = ``take``."""
    if type(x) is not Tensor:
        return np.take_along_axis(asarray(x), index, axis=-1)
    x = as_tensor(x)
    size = x.shape[-1]
    return record(
        "take",
        np.take_along_axis(x.data, index, axis=-1),
        (x,),
        (lambda g, out, x: put(g, index, size),),
        (lambda t, out, x: take(t, index),),
    )


def put(g: Any, index: np.ndarray, size: int) -> Any:
    """Scatter-add along the last axis into ``size`` slots (the adjoint of ``take``).  VJP = ``take``, JVP = ``put``."""
    if type(g) is not Tensor:
        return _put_np(asarray(g), index, size)
    return record(
        "put",
        _put_np(g.data, index, size),
        (g,),
        (lambda gg, out, g: take(gg, index),),
        (lambda t, out, g: put(t, index, size),),
    )
