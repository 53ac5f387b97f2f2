"""Stable fused logsumexp, softmax, log-softmax and softmax cross-entropy, each with its VJP and JVP.

Each shifts by the maximum before exponentiating (log Σ e^x = m + log Σ e^(x-m)),
so logits of ±1000 give finite values and gradients, in float32 too.

Rows that are entirely -inf (a masked-out row, the attention/mask idiom):
logsumexp gives -inf, softmax gives a row of 0, log_softmax a row of -inf and
softmax_cross_entropy a loss of +inf (−log 0). No finite change of such a row
changes these values, so its gradient (and tangent) is 0; PyTorch gives nan
here, minigrad goes further on purpose. Entries that are -inf in an otherwise
finite row get weight 0 (logsumexp, softmax, cross-entropy) as in PyTorch.

A +inf logit: logsumexp is +inf, with gradient nan at the +inf entries and 0
elsewhere; softmax, log_softmax and cross-entropy give nan (values and
gradients). All as in PyTorch: a +inf logit is an overflow upstream, not a
limit minigrad should pick a value for, and the nan surfaces it.

All of this is branch free (no Python test on values), so a tracer sees one program.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .._kernels import arange, max_last, sum_last
from ..tensor import Tensor, as_tensor, record
from ..tracing import Box, asarray, check
from ._dual import exp_, keepdims_shape, maximum_, normalize_axis, value, where_

__all__ = ["logsumexp", "softmax", "log_softmax", "softmax_cross_entropy"]


def _lowest(dtype: np.dtype) -> Any:
    """The most negative finite number of a float dtype (-inf for others)."""
    return np.finfo(dtype).min if dtype.kind == "f" else -np.inf


def _shift(x: np.ndarray, axis: Any) -> np.ndarray:
    """max(x) along ``axis``, kept as size 1; 0 where that max is not finite (no shift helps there).

    An all -inf row then gives e^(x - 0) = 0 instead of e^(-inf - (-inf)) = nan,
    and a +inf one gives log Σ e^x = +inf. Branch free: a select on the reduced shape.
    """
    m = max_last(x) if axis == x.ndim - 1 or axis == -1 else np.max(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


def _one_axis(axis: Any, op: str) -> int:
    """The class axis of softmax/log_softmax: one int (as PyTorch's ``dim``); anything else is a TypeError."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(
            f"{op}: axis must be one int (the class axis), got {axis!r}; for all elements use {op}(x.reshape(-1))"
        )
    return int(axis)


def _sum_keep(x: Any, axis: int) -> Any:
    """Σ x along ``axis``, kept as size 1 (the fast kernel for arrays along the last axis)."""
    if type(x) is np.ndarray and axis == x.ndim - 1:
        return sum_last(x)
    return x.sum(axis=axis, keepdims=True)


def _safe_log(se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(live, log se) with log se = 0 where se = 0 (an all -inf row, ``live`` False there)."""
    live = se != 0
    return live, np.log(se + ~live)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log Σ e^x over ``axis``.  d/dx = e^(x - out) = softmax(x); 0 on an all -inf row."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    kept = keepdims_shape(x.shape, axes)
    m = _shift(x.data, axes)
    with np.errstate(divide="ignore"):  # log 0 = -inf on an all -inf row is the right value
        lse = np.log(np.sum(np.exp(x.data - m), axis=axes, keepdims=True)) + m
    data = lse if keepdims else np.squeeze(lse, axis=axes)
    lowest = _lowest(x.dtype)

    def weights(out, x):
        # softmax(x); an all -inf row has out = -inf, raised so that x - out = -inf, not nan
        return exp_(x - maximum_(out.reshape(kept), lowest))

    def vjp(g, out, x):
        return g.reshape(kept) * weights(out, x)

    def jvp(t, out, x):
        return (weights(out, x) * t).sum(axis=axes, keepdims=keepdims)

    return record("logsumexp", data, (x,), (vjp,), (jvp,))


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis`` (0 on an all -inf row).  VJP: out ∘ (g - Σ g∘out); JVP the same in t."""
    x = as_tensor(x)
    (ax,) = cast("tuple[int]", normalize_axis(_one_axis(axis, "softmax"), x.ndim, "softmax"))
    e = np.exp(x.data - _shift(x.data, ax))
    se = _sum_keep(e, ax)
    data = e / (se + (se == 0))

    def rule(g, out, x):
        return out * (g - _sum_keep(g * out, ax))

    return record("softmax", data, (x,), (rule,), (rule,))


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - log Σ e^x along ``axis`` (-inf on an all -inf row).

    VJP: g - softmax(x) Σ g; JVP: t - Σ softmax(x) t; both 0 on an all -inf row.
    """
    x = as_tensor(x)
    (ax,) = cast("tuple[int]", normalize_axis(_one_axis(axis, "log_softmax"), x.ndim, "log_softmax"))
    s = x.data - _shift(x.data, ax)
    live, log_se = _safe_log(_sum_keep(np.exp(s), ax))
    data = s - log_se

    def vjp(g, out, x):
        return where_(live, g - exp_(out) * _sum_keep(g, ax), 0)

    def jvp(t, out, x):
        return where_(live, t - _sum_keep(exp_(out) * t, ax), 0)

    return record("log_softmax", data, (x,), (vjp,), (jvp,))


def softmax_cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of softmax(logits) against ``target``, fused: -Σ_c t_c log softmax(z)_c.

    ``logits`` has classes on the last axis; ``target`` is either integer labels
    (shape ``logits.shape[:-1]``) or class probabilities / one-hot rows (the
    shape of ``logits``). ``reduction`` is "mean" (over samples), "sum" or "none".
    VJP for the logits: g · (softmax(z) Σ_c t_c - t), which for labels is the
    tutorials' δ3 = ŷ - y. A probability target that is a Tensor requiring grad
    gets its gradient too: g · (-log softmax(z)) (times 1/N for "mean").
    A class with probability 0 contributes 0 even where its logit is -inf
    (0 · log 0 = 0); an all -inf row's loss is +inf with gradient 0 (module docstring).
    """
    z = as_tensor(logits)
    t = target.data if isinstance(target, Tensor) else asarray(target)
    if z.ndim == 0:
        raise ValueError("softmax_cross_entropy: logits need a class axis, got a 0-d tensor")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    labels = t.dtype.kind in "iub" and t.shape == z.shape[:-1]
    classes = z.shape[-1]
    if labels:
        # A negative label viewed as unsigned is huge: one comparison checks both ends.
        if type(t) is np.ndarray and t.dtype == np.intp:
            low_or_high = t.view(np.uintp) >= classes  # a negative label viewed as unsigned is huge
        else:
            low_or_high = (t < 0) | (t >= classes)
        message = f"softmax_cross_entropy: labels must lie in [0, {classes}) for logits of shape {z.shape}"
        check(low_or_high.any(), ValueError, message)  # also on every call of a compiled program
    elif t.shape != z.shape:
        raise ValueError(
            f"softmax_cross_entropy: target shape {t.shape} fits neither labels {z.shape[:-1]} "
            f"nor probabilities {z.shape} for logits of shape {z.shape}"
        )
    s = z.data - _shift(z.data, -1)
    e = np.exp(s)
    live, log_se = _safe_log(sum_last(e))
    if labels:
        index = _label_index(t)
        losses = log_se[..., 0] - s[index]
    else:
        with np.errstate(invalid="ignore"):  # 0 · (-inf) is selected away below
            ts = where_(t != 0, t * s, 0)
        losses = log_se[..., 0] * t.sum(axis=-1) - np.sum(ts, axis=-1)
    n = max(losses.size, 1)
    data = losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses
    probs = None  # softmax(z) on arrays, made on first use

    def scaled(g):
        """g with a class axis, times the reduction's 1/N."""
        if reduction == "none":
            return g.reshape(g.shape + (1,))
        return g * (1.0 / n) if reduction == "mean" else g

    def reduce(per_class):
        """Σ over classes, then the reduction over samples (for the JVPs)."""
        per_sample = per_class.sum(axis=-1)
        if reduction == "none":
            return per_sample
        return per_sample.mean() if reduction == "mean" else per_sample.sum()

    def delta(z, target):
        """d loss_i / d z = softmax(z) Σ_c t_c - t, 0 on an all -inf row."""
        nonlocal probs
        if type(z) is Tensor or type(target) is Tensor:  # recorded pass: differentiable ops
            onehot = _one_hot(t, z.shape, z.dtype) if labels else target
            return where_(live, softmax(z) * onehot.sum(axis=-1, keepdims=True) - onehot, 0)
        if probs is None:
            probs = e / (sum_last(e) + ~live)
        d = probs.copy() if labels else probs * t.sum(axis=-1, keepdims=True) - where_(live, t, 0)
        if labels and type(d) is np.ndarray:
            d[index] -= live[..., 0]  # each sample's own class once (an all -inf row: nothing)
        elif labels:  # traced by mg.compile: the labels are constants, so the one-hot matrix is one too
            d = d - _one_hot(t, d.shape, d.dtype) * live
        return d

    def vjp_z(g, out, z, *target):
        return delta(z, target[0] if target else t) * scaled(g)

    def jvp_z(tz, out, z, *target):
        return reduce(delta(z, target[0] if target else t) * tz)

    def neg_log_softmax(z):
        """-log softmax(z), +inf where a class's logit is -inf (the target's gradient)."""
        if type(z) is Tensor:
            return -log_softmax(z, -1)
        return log_se - s

    def vjp_t(g, out, z, target):
        return neg_log_softmax(z) * scaled(g)

    def jvp_t(tt, out, z, target):
        return reduce(where_(value(tt) != 0, neg_log_softmax(z) * tt, 0))

    # The target is an input when something differentiates it: reverse mode (requires grad) or forward mode (a tangent).
    if not labels and isinstance(target, Tensor) and (target.requires_grad or target._tangents):
        return record("softmax_cross_entropy", data, (z, target), (vjp_z, vjp_t), (jvp_z, jvp_t))
    return record("softmax_cross_entropy", data, (z,), (vjp_z,), (jvp_z,))


def _label_index(labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """The index of each sample's labelled class: (rows..., labels)."""
    if labels.ndim == 1:
        return (arange(labels.shape[0]), labels)
    return (*np.indices(labels.shape, sparse=True), labels)


def _one_hot(labels: np.ndarray, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    if type(labels) is Box:  # labels traced by mg.compile: computed in the program, not written into zeros
        return cast(np.ndarray, (labels[..., None] == np.arange(shape[-1])).astype(dtype))
    onehot = np.zeros(shape, dtype=dtype)
    np.put_along_axis(onehot, labels[..., None].astype(np.intp), 1, axis=-1)
    return onehot
