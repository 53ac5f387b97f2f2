"""Loss functions: each maps (prediction, target) to a Tensor, differentiable in the prediction.

``reduction`` is ``"mean"`` (over samples), ``"sum"``, or ``"none"`` (one loss per sample).
Targets are constants (arrays or Tensors). Shape mismatches raise a ``ValueError``
naming the function and both shapes, instead of silently broadcasting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .tensor import Tensor, as_tensor

__all__ = [
    "cross_entropy",
    "nll_loss",
    "mse_loss",
    "sse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "l2_penalty",
]

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(per_sample: Tensor, reduction: str, fn: str) -> Tensor:
    if reduction == "mean":
        return ops.mean(per_sample)
    if reduction == "sum":
        return ops.sum(per_sample)
    if reduction == "none":
        return per_sample
    raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _target_array(target: Any) -> np.ndarray:
    return np.asarray(target.data if isinstance(target, Tensor) else target)


def _same_shape(pred: Tensor, target: np.ndarray, fn: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"{fn}: prediction has shape {pred.shape} but target has shape {target.shape}")


def nll_loss(log_probs: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities of shape (..., C).

    ``target`` is integer class labels of shape (...), or class probabilities
    (one-hot or soft) of shape (..., C).  loss_n = −Σ_c y_nc log p_nc.
    """
    log_probs = as_tensor(log_probs)
    t = _target_array(target)
    _check_target(log_probs, t, "nll_loss")
    if t.dtype.kind in "iu":
        chosen = t[..., None] == np.arange(log_probs.shape[-1])
        picked = ops.where(chosen, log_probs, 0.0)  # where, not a product: 0 · (−inf) would be nan
    else:
        picked = _weighted(log_probs, t)
    return _reduce(-ops.sum(picked, axis=-1), reduction, "nll_loss")


def _check_target(scores: Tensor, t: np.ndarray, fn: str) -> None:
    """Labels of shape scores.shape[:-1] in [0, C), or probabilities of the scores' shape."""
    if scores.ndim < 1:
        raise ValueError(f"{fn}: expected scores of shape (N, C), got shape {scores.shape}")
    classes = scores.shape[-1]
    if t.dtype.kind in "iu":
        if t.shape != scores.shape[:-1]:
            raise ValueError(
                f"{fn}: integer labels must have shape {scores.shape[:-1]} for scores of shape "
                f"{scores.shape}, got labels of shape {t.shape}"
            )
        if t.size and (t.min() < 0 or t.max() >= classes):
            raise ValueError(f"{fn}: labels must lie in [0, {classes}), got values in [{t.min()}, {t.max()}]")
    elif t.dtype.kind == "f":
        if t.shape != scores.shape:
            raise ValueError(f"{fn}: probability targets must have the scores' shape {scores.shape}, got {t.shape}")
    else:
        raise TypeError(f"{fn}: target must hold integer labels or float probabilities, got dtype {t.dtype}")


def _weighted(log_probs: Tensor, t: np.ndarray) -> Tensor:
    """y · log p, taking 0 where y = 0 even if log p = −inf."""
    zero = t == 0
    if zero.any():
        return ops.where(zero, 0.0, log_probs * t)
    return log_probs * t


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from raw scores of shape (..., C), as one fused op.

    loss_n = −Σ_c y_nc log softmax(z_n)_c = logsumexp(z_n) − z_n,y, max-shifted so
    logits of ±1000 are finite and exact. Its gradient is the tutorials'
    δ3 = softmax(z) − y. ``target``: integer labels (...) or probabilities (..., C).
    """
    logits = as_tensor(logits)
    t = _target_array(target)
    _check_target(logits, t, "cross_entropy")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return ops.softmax_cross_entropy(logits, t, reduction)


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean (ŷ − y)² over every element (``"sum"``: Σ (ŷ − y)²)."""
    pred = as_tensor(pred)
    t = _target_array(target)
    _same_shape(pred, t, "mse_loss")
    d = pred - t
    return _reduce(d * d, reduction, "mse_loss")


def sse_loss(pred: Any, target: Any) -> Tensor:
    """The regression tutorial's cost J = ½ Σ (ŷ − y)².  dJ/dŷ = ŷ − y.

    Part 7 of the tutorial divides it by the number of samples: ``sse_loss(yh, y) / len(y)``.
    """
    pred = as_tensor(pred)
    t = _target_array(target)
    _same_shape(pred, t, "sse_loss")
    d = pred - t
    return 0.5 * ops.sum(d * d)


def _safe_log(x: Tensor) -> Tensor:
    """log x for x in [0, 1], floored at −100 (as PyTorch does): never −inf, never a nan gradient."""
    tiny = np.finfo(x.dtype).tiny if x.dtype.kind == "f" else np.finfo(np.float64).tiny
    return ops.clip(ops.log(ops.clip(x, tiny, None)), -100.0, None)


def binary_cross_entropy(probs: Any, target: Any, reduction: str = "mean", from_logits: bool = False) -> Tensor:
    """−[y log p + (1 − y) log(1 − p)] for probabilities p (each log floored at −100).

    With ``from_logits=True`` the first argument is the raw score z and the
    stable form of ``binary_cross_entropy_with_logits`` is used instead.
    """
    if from_logits:
        return binary_cross_entropy_with_logits(probs, target, reduction)
    probs = as_tensor(probs)
    t = _target_array(target)
    _same_shape(probs, t, "binary_cross_entropy")
    loss = -(t * _safe_log(probs) + (1 - t) * _safe_log(1 - probs))
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of σ(z), computed stably: softplus(z) − y z = log(1 + e^z) − y z.

    softplus is a two-term logsumexp (max-shifted), so |z| = 1000 is finite and exact.  d/dz = σ(z) − y.
    """
    logits = as_tensor(logits)
    t = _target_array(target)
    _same_shape(logits, t, "binary_cross_entropy_with_logits")
    zeros = np.zeros(logits.shape, dtype=logits.dtype)
    softplus = ops.logsumexp(ops.stack([zeros, logits], axis=0), axis=0)
    return _reduce(softplus - logits * t, reduction, "binary_cross_entropy_with_logits")


def l2_penalty(params: Any, lam: float, exclude_bias: bool = False) -> Tensor:
    """λ/2 · Σ W² over ``params`` (a Module, or an iterable of Tensors or of (name, Tensor) pairs).

    d/dW = λ W. ``exclude_bias=True`` skips 1-D parameters (the biases of ``nn.Linear``),
    as the 2-H-2 tutorial does.
    """
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    tensors = [p[1] if isinstance(p, tuple) else p for p in params]
    if exclude_bias:
        tensors = [p for p in tensors if p.ndim >= 2]
    if not tensors:
        return Tensor(0.0)
    total = ops.sum(tensors[0] * tensors[0])
    for p in tensors[1:]:
        total = total + ops.sum(p * p)
    return (0.5 * lam) * total
