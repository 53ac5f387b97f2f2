"""Stable fused logsumexp, softmax and log-softmax.

Each shifts by the maximum before exponentiating (log Σ e^x = m + log Σ e^(x-m)),
so logits of ±1000 give finite values and gradients, in float32 too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, record
from ._dual import exp_, keepdims_shape, normalize_axis

__all__ = ["logsumexp", "softmax", "log_softmax"]


def _shift(x: np.ndarray, axis: Any) -> np.ndarray:
    """max(x) along ``axis``, kept as size 1; 0 where that max is infinite (no shift helps there)."""
    m = np.max(x, axis=axis, keepdims=True)
    if not np.all(np.isfinite(m)):
        m = np.where(np.isfinite(m), m, 0)
    return m


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
    data = e / np.sum(e, axis=ax, keepdims=True)

    def vjp(g, out, x):
        return out * (g - (g * out).sum(axis=ax, keepdims=True))

    return record("softmax", data, (x,), (vjp,))


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - log Σ e^x along ``axis``.  VJP: g - softmax(x) Σ g."""
    x = as_tensor(x)
    (ax,) = normalize_axis(axis, x.ndim, "log_softmax")
    s = x.data - _shift(x.data, ax)
    data = s - np.log(np.sum(np.exp(s), axis=ax, keepdims=True))

    def vjp(g, out, x):
        return g - exp_(out) * g.sum(axis=ax, keepdims=True)

    return record("log_softmax", data, (x,), (vjp,))
