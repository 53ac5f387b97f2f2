"""Stable fused logsumexp, softmax and log-softmax.

Each shifts by the maximum before exponentiating (log Σ e^x = m + log Σ e^(x-m)),
so logits of ±1000 give finite values and gradients, in float32 too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._kernels import arange, max_last, sum_last
from ..tensor import Tensor, as_tensor, record
from ._dual import exp_, keepdims_shape, normalize_axis

__all__ = ["logsumexp", "softmax", "log_softmax", "softmax_cross_entropy"]


def _shift(x: np.ndarray, axis: Any) -> np.ndarray:
    """max(x) along ``axis``, kept as size 1; 0 where that max is infinite (no shift helps there)."""
    m = max_last(x) if axis == x.ndim - 1 or axis == -1 else np.max(x, axis=axis, keepdims=True)
    if type(m) is not np.ndarray or not math.isfinite(m.sum()):  # rare: an infinite (or huge) row maximum
        m = np.where(np.isfinite(m), m, 0)
    return m


def _sum_keep(x: Any, axis: int) -> Any:
    """Σ x along ``axis``, kept as size 1 (the fast kernel for arrays along the last axis)."""
    if type(x) is np.ndarray and axis == x.ndim - 1:
        return sum_last(x)
    return x.sum(axis=axis, keepdims=True)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log Σ e^x over ``axis``.  d/dx = e^(x - out) = softmax(x)."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    kept = keepdims_shape(x.shape, axes)
    m = _shift(x.data, axes)
    lse = np.log(np.sum(np.exp(x.data - m), axis=axes, keepdims=True)) + m
    data = lse if keepdims else np.squeeze(lse, axis=axes)

    def vjp(g, out, x):
        return g.reshape(kept) * exp_(x - out.reshape(kept))

    return record("logsumexp", data, (x,), (vjp,))


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis``.  VJP: out ∘ (g - Σ g∘out)."""
    x = as_tensor(x)
    (ax,) = normalize_axis(axis, x.ndim, "softmax")
    e = np.exp(x.data - _shift(x.data, ax))
    data = e / _sum_keep(e, ax)

    def vjp(g, out, x):
        return out * (g - _sum_keep(g * out, ax))

    return record("softmax", data, (x,), (vjp,))


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - log Σ e^x along ``axis``.  VJP: g - softmax(x) Σ g."""
    x = as_tensor(x)
    (ax,) = normalize_axis(axis, x.ndim, "log_softmax")
    s = x.data - _shift(x.data, ax)
    data = s - np.log(_sum_keep(np.exp(s), ax))

    def vjp(g, out, x):
        return g - exp_(out) * _sum_keep(g, ax)

    return record("log_softmax", data, (x,), (vjp,))


def softmax_cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of softmax(logits) against ``target``, fused: -Σ_c t_c log softmax(z)_c.

    ``logits`` has classes on the last axis; ``target`` is either integer labels
    (shape ``logits.shape[:-1]``) or class probabilities / one-hot rows (the
    shape of ``logits``). ``reduction`` is "mean" (over samples), "sum" or "none".
    VJP: g · (softmax(z) Σ_c t_c - t), which for labels is the tutorials' δ3 = ŷ - y.
    """
    z = as_tensor(logits)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if z.ndim == 0:
        raise ValueError("softmax_cross_entropy: logits need a class axis, got a 0-d tensor")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    labels = t.dtype.kind in "iub" and t.shape == z.shape[:-1]
    classes = z.shape[-1]
    if labels:
        # A negative label viewed as unsigned is huge: one comparison checks both ends.
        low_or_high = (t.view(np.uintp) >= classes) if t.dtype == np.intp else (t < 0) | (t >= classes)
        if low_or_high.any():
            raise ValueError(f"softmax_cross_entropy: labels must lie in [0, {classes}) for logits of shape {z.shape}")
    elif t.shape != z.shape:
        raise ValueError(
            f"softmax_cross_entropy: target shape {t.shape} fits neither labels {z.shape[:-1]} "
            f"nor probabilities {z.shape} for logits of shape {z.shape}"
        )
    s = z.data - _shift(z.data, -1)
    e = np.exp(s)
    se = sum_last(e)
    if labels:
        index = _label_index(t)
        losses = np.log(se[..., 0]) - s[index]
    else:
        losses = np.log(se[..., 0]) * t.sum(axis=-1) - np.sum(t * s, axis=-1)
    n = max(losses.size, 1)
    data = losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses
    onehot = None

    def vjp(g, out, z):
        nonlocal onehot
        if reduction == "none":
            g = g.reshape(g.shape + (1,))
        elif reduction == "mean":
            g = g * (1.0 / n)
        if type(z) is Tensor:  # recorded pass: build δ from differentiable ops
            if onehot is None:
                onehot = _one_hot(t, z.shape, z.dtype) if labels else t
            return (softmax(z) * onehot.sum(axis=-1, keepdims=True) - onehot) * g
        delta = e / se
        if labels:
            if type(delta) is np.ndarray:
                delta[index] -= 1  # each sample's own class once: plain indexing is safe
            else:  # traced by mg.compile: the labels are constants, so the one-hot matrix is one too
                delta = delta - _one_hot(t, delta.shape, delta.dtype)
        else:
            delta = delta * t.sum(axis=-1, keepdims=True) - t
        return delta * g

    return record("softmax_cross_entropy", data, (z,), (vjp,))


def _label_index(labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """The index of each sample's labelled class: (rows..., labels)."""
    if labels.ndim == 1:
        return (arange(labels.shape[0]), labels)
    return (*np.indices(labels.shape, sparse=True), labels)


def _one_hot(labels: np.ndarray, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    onehot = np.zeros(shape, dtype=dtype)
    np.put_along_axis(onehot, labels[..., None].astype(np.intp), 1, axis=-1)
    return onehot
