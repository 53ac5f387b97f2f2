"""Loss functions: each maps (prediction, target) to a Tensor, differentiable in the prediction.

``reduction`` is ``"mean"`` (over samples), ``"sum"``, or ``"none"`` (one loss per sample).
Targets are constants (arrays or Tensors). Shape mismatches raise a ``ValueError``
naming the function and both shapes, instead of silently broadcasting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .ops._dual import value
from .tensor import Tensor, as_tensor
from .tracing import Box, asarray, check

__all__ = [
    "cross_entropy",
    "nll_loss",
    "mse_loss",
    "sse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "l2_penalty",
    "huber_loss",
    "smooth_l1_loss",
    "kl_div",
    "cosine_similarity",
]

_REDUCTIONS = ("mean", "sum", "none")


def _differentiated(x: Any) -> bool:
    """A Tensor that reverse mode (requires grad) or forward mode (carries a tangent) differentiates."""
    return isinstance(x, Tensor) and (x.requires_grad or bool(x._tangents))


def _reduce(per_sample: Tensor, reduction: str, fn: str) -> Tensor:
    if reduction == "mean":
        return ops.mean(per_sample)
    if reduction == "sum":
        return ops.sum(per_sample)
    if reduction == "none":
        return per_sample
    raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _target_array(target: Any) -> np.ndarray:
    return asarray(target.data if isinstance(target, Tensor) else target)


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
    else:  # probabilities: a target that is differentiated gets its gradient, -log p
        picked = _weighted(log_probs, target if _differentiated(target) else t)
    return _reduce(-ops.sum(picked, axis=-1), reduction, "nll_loss")


def _check_target(scores: Tensor, t: np.ndarray, fn: str, ignore_index: int | None = None) -> np.ndarray | None:
    """Labels of shape scores.shape[:-1] in [0, C) (or equal to ``ignore_index``), or probabilities of the
    scores' shape. Returns the mask of the labels equal to ``ignore_index`` if there are any, else None."""
    if scores.ndim < 1:
        raise ValueError(f"{fn}: expected scores of shape (N, C), got shape {scores.shape}")
    classes = scores.shape[-1]
    if t.dtype.kind in "iu":
        if t.shape != scores.shape[:-1]:
            raise ValueError(
                f"{fn}: integer labels must have shape {scores.shape[:-1]} for scores of shape "
                f"{scores.shape}, got labels of shape {t.shape}"
            )
        if not t.size:
            return None
        if type(t) is Box:  # labels traced by mg.compile: the same check, made on every call of the program
            valid = (t >= 0) & (t < classes)
            mask = None if ignore_index is None else t == ignore_index
            bad = ~valid if mask is None else ~(valid | mask)
            extra = f" (or equal ignore_index={ignore_index})" if ignore_index is not None else ""
            check(bad.any(), ValueError, f"{fn}: labels must lie in [0, {classes}){extra}")
            return mask
        ignored = None
        lo, hi = t.min(), t.max()
        if ignore_index is not None and lo <= ignore_index <= hi:
            mask = t == ignore_index
            if mask.any():
                ignored = mask
                rest = t[~mask]
                lo, hi = (rest.min(), rest.max()) if rest.size else (0, 0)
        if lo < 0 or hi >= classes:
            extra = f" (or equal ignore_index={ignore_index})" if ignore_index is not None else ""
            raise ValueError(f"{fn}: labels must lie in [0, {classes}){extra}, got values in [{lo}, {hi}]")
        return ignored
    elif t.dtype.kind == "f":
        if t.shape != scores.shape:
            raise ValueError(f"{fn}: probability targets must have the scores' shape {scores.shape}, got {t.shape}")
    else:
        raise TypeError(f"{fn}: target must hold integer labels or float probabilities, got dtype {t.dtype}")
    return None


def _weighted(log_probs: Tensor, t: Any) -> Tensor:
    """y · log p, taking 0 where y = 0 and log p = −inf (0 · (−inf) would be nan); ``t`` may be a Tensor."""
    zero = (value(t) == 0) & ~np.isfinite(log_probs.data)  # branch free, so mg.compile can trace it
    return ops.where(zero, 0.0, log_probs) * t


def cross_entropy(
    logits: Any,
    target: Any,
    reduction: str = "mean",
    *,
    weight: Any = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy from raw scores of shape (..., C) (classes on the LAST axis; PyTorch's are on axis 1).

    loss_n = −Σ_c y_nc log softmax(z_n)_c = logsumexp(z_n) − z_n,y, max-shifted so
    logits of ±1000 are finite and exact. Its gradient is the tutorials'
    δ3 = softmax(z) − y. ``target``: integer labels (...) or probabilities (..., C).

    Options, with ``torch.nn.functional.cross_entropy``'s meanings:

    - ``weight`` (shape (C,)): a rescaling weight per class. With labels, loss_n = −w_{y_n} log p_{n,y_n} and
      ``"mean"`` divides the sum by Σ_n w_{y_n} over the non-ignored samples (a weighted mean); with
      probabilities, loss_n = −Σ_c w_c y_nc log p_nc and ``"mean"`` divides by the number of samples.
    - ``ignore_index``: samples labelled with it contribute 0 and are left out of the mean's denominator
      (labels only; a mean over no sample at all is 0/0 = nan, as in PyTorch).
    - ``label_smoothing`` ε in [0, 1]: the target becomes (1 − ε) y + ε/C; with labels,
      loss_n = (1 − ε) (−w_{y_n} log p_{n,y_n}) + ε/C · (−Σ_c w_c log p_nc), over the same denominator.

    The plain case (no weight, no ignored label, ε = 0) is the fused ``softmax_cross_entropy`` op; the
    options are composed from differentiable ops (log_softmax, where, sum), so every case is correct to
    second order. Errors: ``ValueError`` for labels outside [0, C) other than ``ignore_index``, a weight
    not of shape (C,), ε outside [0, 1], ``ignore_index`` with probability targets, a bad reduction.
    """
    logits = as_tensor(logits)
    t = _target_array(target)
    fn = "cross_entropy"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    labels = t.dtype.kind in "iu"
    ignored = _check_target(logits, t, fn, ignore_index)  # the mask of ignored samples, if any
    w = None
    if weight is not None:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
        if w.shape != (logits.shape[-1],) or w.dtype.kind not in "fiu":
            raise ValueError(
                f"{fn}: weight must be a float array of shape ({logits.shape[-1]},) for logits of shape "
                f"{logits.shape}, got {w.dtype} of shape {w.shape}"
            )
        w = w.astype(logits.dtype)
    plain = w is None and eps == 0.0 and ignored is None
    if plain:
        return ops.softmax_cross_entropy(logits, target if _differentiated(target) else t, reduction)
    logp = ops.log_softmax(logits, axis=-1)
    classes = logits.shape[-1]
    if not labels:
        if ignore_index != -100:
            raise ValueError(f"{fn}: ignore_index applies to integer labels only, not to probability targets")
        y: Any = target if _differentiated(target) else t
        if eps:
            y = y * (1 - eps) + eps / classes
        per_class = _weighted(logp, y) if w is None else _weighted(logp, y) * w
        return _reduce(-ops.sum(per_class, axis=-1), reduction, fn)
    if ignored is None:
        ignored = np.zeros(t.shape, dtype=bool)
    safe = np.where(ignored, 0, t)
    chosen = (safe[..., None] == np.arange(classes)) & ~ignored[..., None]
    picked = ops.sum(ops.where(chosen, logp, 0.0), axis=-1)  # where, not a product: 0 · (−inf) would be nan
    w_y = np.where(ignored, 0.0, 1.0 if w is None else w[safe]).astype(logits.dtype)
    per_sample = -(picked * w_y) if w is not None else -picked
    if eps:
        row = logp if w is None else logp * w
        smooth = -ops.sum(ops.where(ignored[..., None], 0.0, row), axis=-1)
        per_sample = per_sample * (1 - eps) + smooth * (eps / classes)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            # Branch free (mg.compile traces it): all labels ignored gives 0 · (1/0) = nan, as PyTorch.
            return ops.sum(per_sample) * (1.0 / w_y.sum())
    return _reduce(per_sample, reduction, fn)


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean (ŷ − y)² over every element (``"sum"``: Σ (ŷ − y)²)."""
    pred = as_tensor(pred)
    d = pred - _operand(target, pred, "mse_loss")  # a target that requires grad gets -2(ŷ - y)/n
    return _reduce(d * d, reduction, "mse_loss")


def sse_loss(pred: Any, target: Any) -> Tensor:
    """The regression tutorial's cost J = ½ Σ (ŷ − y)².  dJ/dŷ = ŷ − y.

    Part 7 of the tutorial divides it by the number of samples: ``sse_loss(yh, y) / len(y)``.
    """
    pred = as_tensor(pred)
    d = pred - _operand(target, pred, "sse_loss")
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
    t = _operand(target, probs, "binary_cross_entropy")  # d/dy = log(1 - p) - log p
    loss = -(t * _safe_log(probs) + (1 - t) * _safe_log(1 - probs))
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of σ(z), computed stably: softplus(z) − y z = log(1 + e^z) − y z.

    softplus is a two-term logsumexp (max-shifted), so |z| = 1000 is finite and exact.  d/dz = σ(z) − y.
    """
    logits = as_tensor(logits)
    t = _operand(target, logits, "binary_cross_entropy_with_logits")  # d/dy = -z
    zeros = np.zeros(logits.shape, dtype=logits.dtype)
    softplus = ops.logsumexp(ops.stack([zeros, logits], axis=0), axis=0)
    return _reduce(softplus - logits * t, reduction, "binary_cross_entropy_with_logits")


def _operand(target: Any, pred: Tensor, fn: str) -> Any:
    """The target as an operand: a Tensor stays one (a target that requires grad gets its gradient)."""
    t = target if isinstance(target, Tensor) else asarray(target, dtype=pred.dtype)
    _same_shape(pred, asarray(value(t)), fn)
    return t


def _check_positive(name: str, v: float, fn: str, allow_zero: bool) -> float:
    v = float(v)
    if not (v >= 0 if allow_zero else v > 0) or not np.isfinite(v):
        bound = "[0, inf)" if allow_zero else "(0, inf)"
        raise ValueError(f"{fn}: {name} must be a finite number in {bound}, got {v!r}")
    return v


def huber_loss(pred: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss (``torch.nn.functional.huber_loss``): with d = ŷ − y,

    l = ½ d² where |d| < delta, else delta · (|d| − ½ delta).  dl/dŷ = d, clipped to [−delta, delta].
    Shapes: pred and target alike (any shape); ``reduction`` "mean" (over every element), "sum", "none".
    ``ValueError`` for mismatched shapes, delta ≤ 0 or a bad reduction. A target Tensor that requires
    grad gets its gradient (−dl/dŷ).
    """
    fn = "huber_loss"
    pred = as_tensor(pred)
    t = _operand(target, pred, fn)
    delta = _check_positive("delta", delta, fn, allow_zero=False)
    d = pred - t
    small = np.abs(value(d)) < delta
    loss = ops.where(small, 0.5 * d * d, delta * (ops.abs(d) - 0.5 * delta))
    return _reduce(loss, reduction, fn)


def smooth_l1_loss(pred: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1 loss (``torch.nn.functional.smooth_l1_loss``): with d = ŷ − y,

    l = ½ d² / beta where |d| < beta, else |d| − ½ beta (beta = 0: the L1 loss |d|, gradient 0 at d = 0).
    It is ``huber_loss(delta=beta) / beta`` for beta > 0. Shapes and errors as ``huber_loss``
    (beta must be ≥ 0).
    """
    fn = "smooth_l1_loss"
    pred = as_tensor(pred)
    t = _operand(target, pred, fn)
    beta = _check_positive("beta", beta, fn, allow_zero=True)
    d = pred - t
    if beta == 0:
        return _reduce(ops.abs(d), reduction, fn)
    small = np.abs(value(d)) < beta
    loss = ops.where(small, (0.5 / beta) * d * d, ops.abs(d) - 0.5 * beta)
    return _reduce(loss, reduction, fn)


def kl_div(log_pred: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback–Leibler divergence in ``torch.nn.functional.kl_div``'s convention: the INPUT is log-probabilities.

    Pointwise l = y (log y − x) (0 where y = 0), or with ``log_target=True`` (target given as log y)
    l = eʸ (y − x). ``reduction``: "mean" over every element (PyTorch's default, which is not the
    KL divergence), "batchmean" (sum / N, the first axis: the true KL per sample), "sum" or "none".
    Shapes: alike, any. A target Tensor that requires grad gets its gradient log y + 1 − x, except
    that where y = 0 the y log y term (whose derivative there is −∞) contributes 0, leaving −x.
    ``ValueError`` for mismatched shapes or a bad reduction.
    """
    fn = "kl_div"
    x = as_tensor(log_pred)
    y = _operand(target, x, fn)
    if reduction not in (*_REDUCTIONS, "batchmean"):
        raise ValueError(f"{fn}: reduction must be one of {(*_REDUCTIONS, 'batchmean')}, got {reduction!r}")
    if log_target:
        loss = ops.exp(y) * (y - x)
    else:
        zero = asarray(value(y)) == 0
        log_y = ops.log(ops.where(zero, 1.0, y)) if zero.any() else ops.log(y)
        loss = ops.where(zero, 0.0, y * log_y) - y * x if zero.any() else y * (log_y - x)
    if reduction == "batchmean":
        total = ops.sum(loss)
        return total * (1.0 / x.shape[0]) if x.ndim else total
    return _reduce(loss, reduction, fn)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along ``dim`` (``torch.nn.functional.cosine_similarity``):

    Σ (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps)) over ``dim``, each norm clamped at ``eps`` separately,
    as PyTorch ≥ 2.0 does; the clamp is not differentiated (PyTorch applies it under no_grad), so where a
    norm is below eps the gradient still follows ‖x‖ (0 at x = 0). Shapes broadcast (NumPy rules); the
    result has the broadcast shape without ``dim``. ``ValueError`` for a dim out of range or eps ≤ 0.
    """
    fn = "cosine_similarity"
    a, b = as_tensor(x1), as_tensor(x2)
    eps = _check_positive("eps", eps, fn, allow_zero=False)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{fn}: shapes {a.shape} and {b.shape} could not be broadcast together") from None
    if not -len(shape) <= dim < len(shape):
        raise ValueError(f"{fn}: dim {dim} is out of range for inputs of broadcast shape {shape}")
    if a.shape != shape:
        a = ops.broadcast_to(a, shape)
    if b.shape != shape:
        b = ops.broadcast_to(b, shape)

    def clamped_norm(x: Tensor) -> Tensor:
        ss = ops.sum(x * x, axis=dim, keepdims=True)
        zero = ss.data == 0
        norm = ops.where(zero, 0.0, ops.sqrt(ops.where(zero, 1.0, ss)))  # sqrt'(0) = ∞: select, never 0 · ∞
        return norm + (np.maximum(norm.data, eps) - norm.data)  # the clamp, as a constant shift

    return ops.sum((a / clamped_norm(a)) * (b / clamped_norm(b)), axis=dim)


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
