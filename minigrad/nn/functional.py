"""Neural-network functions with PyTorch's names, signatures and layouts (``torch.nn.functional``).

Activations (``gelu``, ``silu``, ``leaky_relu``, ``elu``; ``softplus`` and
``log_sigmoid`` from ``minigrad.ops.special``), ``one_hot``, ``dropout``,
normalisation (``layer_norm``, ``batch_norm``), convolution (``conv1d``,
``conv2d``: NCHW inputs, OIHW weights), pooling (``max_pool2d``,
``avg_pool2d``) and ``embedding``.

Fused primitives keep their forward, VJP and JVP side by side; the rest are
composed from differentiable minigrad ops, so their derivatives (to any order)
are those of the ops they use. Convolutions are ``matmul(unfold(x), W)``:
``unfold`` (im2col, in ``nn/_windows.py``) is linear and its adjoint ``fold``
is its VJP, so the input gradient is a transposed convolution, the weight
gradient a product, and second order works.

Inputs may be Tensors or arrays; errors are ``ValueError``/``TypeError`` naming
the function, the argument and the shapes.

Not provided (each raises or is absent, never silently different): pooling with
``ceil_mode=True``, padding modes other than zeros, ``embedding``'s ``max_norm``/
``scale_grad_by_freq``/``sparse``, and ``inplace=`` arguments (minigrad ops never
write into their inputs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit, ndtr

from .. import forward, ops
from .._rng import as_rng
from ..ops._dual import where_ as _where  # selects, never multiplies by the mask
from ..tensor import Tensor, as_tensor, record
from ..tracing import TracingError
from ..tracing import current as current_trace
from ._windows import geometry, take, unfold, window_argmax, windows

__all__ = [
    "gelu",
    "silu",
    "leaky_relu",
    "elu",
    "one_hot",
    "dropout",
    "layer_norm",
    "batch_norm",
    "conv1d",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "embedding",
]

try:  # written on another branch (minigrad.ops.special); wired at merge
    from ..ops.special import log_sigmoid, softplus  # noqa: F401

    __all__ += ["softplus", "log_sigmoid"]
except ImportError:  # pragma: no cover - until minigrad.ops.special exists
    pass

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _float_tensor(x: Any, op: str, name: str = "input") -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating tensor, got dtype {x.dtype}")
    return x


# -- activations ---------------------------------------------------------------


def _normal_pdf(x: Any) -> Any:
    """φ(x) = e^(−x²/2)/√(2π), on arrays or (differentiably) on Tensors."""
    if type(x) is Tensor:
        return ops.exp(x * x * -0.5) * (1.0 / _SQRT_2PI)
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def _normal_cdf(x: Any) -> Any:
    """Φ(x), the standard normal CDF (scipy's ndtr).  VJP and JVP: × φ(x)."""
    if type(x) is not Tensor:
        return ndtr(x)
    return record("normal_cdf", ndtr(x.data), (x,), _NORMAL_CDF, _NORMAL_CDF_JVP)


_NORMAL_CDF = (lambda g, out, x: g * _normal_pdf(x),)
_NORMAL_CDF_JVP = (lambda t, out, x: t * _normal_pdf(x),)


def _sigmoid(x: Any) -> Any:
    return ops.sigmoid(x) if type(x) is Tensor else expit(x)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """GELU (PyTorch ``F.gelu``).  Any shape; float32/float64.

    ``approximate="none"``: x·Φ(x) with Φ the normal CDF (a fused primitive),
    d/dx = Φ(x) + x·φ(x). ``approximate="tanh"``: ½x(1 + tanh(√(2/π)(x + 0.044715x³))),
    composed from tanh and products. Other values raise ``ValueError``.
    """
    x = _float_tensor(input, "gelu")
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (ops.tanh(inner) + 1.0) * 0.5
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    data = (x.data * ndtr(x.data)).astype(x.dtype, copy=False)
    return record("gelu", data, (x,), _GELU, _GELU_JVP)


def _gelu_slope(x: Any) -> Any:
    return _normal_cdf(x) + x * _normal_pdf(x)


_GELU = (lambda g, out, x: g * _gelu_slope(x),)
_GELU_JVP = (lambda t, out, x: t * _gelu_slope(x),)


def silu(input: Any) -> Tensor:
    """SiLU / swish (PyTorch ``F.silu``): x·σ(x).  d/dx = σ(x)(1 + x(1 − σ(x))).  Any shape."""
    x = _float_tensor(input, "silu")
    return record("silu", x.data * expit(x.data), (x,), _SILU, _SILU_JVP)


def _silu_slope(x: Any) -> Any:
    s = _sigmoid(x)
    return s * (x * (1 - s) + 1)


_SILU = (lambda g, out, x: g * _silu_slope(x),)
_SILU_JVP = (lambda t, out, x: t * _silu_slope(x),)


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope·x (PyTorch ``F.leaky_relu``; slope ``negative_slope`` at 0, as PyTorch)."""
    x = _float_tensor(input, "leaky_relu")
    pos = x.data > 0
    s = float(negative_slope)
    data = np.where(pos, x.data, x.data * s)
    vjps = (lambda g, out, x: _where(pos, g, g * s),)
    jvps = (lambda t, out, x: _where(pos, t, t * s),)
    return record("leaky_relu", data, (x,), vjps, jvps)


def elu(input: Any, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else α(eˣ − 1) (PyTorch ``F.elu``).  d/dx = 1, else out + α.

    At 0, PyTorch's conventions at every order: d/dx = α and d²/dx² = 0 (the
    derivative's out is taken only where x < 0, so at 0 it is the constant α).
    """
    x = _float_tensor(input, "elu")
    a = float(alpha)
    pos, neg = x.data > 0, x.data < 0
    data = np.where(pos, x.data, a * np.expm1(np.minimum(x.data, 0)))
    vjps = (lambda g, out, x: _where(pos, g, g * (_where(neg, out, 0) + a)),)
    jvps = (lambda t, out, x: _where(pos, t, t * (_where(neg, out, 0) + a)),)
    return record("elu", data, (x,), vjps, jvps)


# -- one_hot, dropout, embedding -------------------------------------------------


def _indices(x: Any, op: str, name: str) -> np.ndarray:
    a = np.asarray(x.data if isinstance(x, Tensor) else x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must hold integers, got dtype {a.dtype}")
    return a


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer labels of any shape S → int64 constant of shape S + (num_classes,) (PyTorch ``F.one_hot``).

    ``num_classes=-1`` uses max + 1. Negative labels or labels ≥ num_classes raise ``ValueError``.
    """
    y = _indices(tensor, "one_hot", "tensor")
    if num_classes == -1:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must lie in [0, {num_classes}), got min {y.min()} and max {y.max()}")
    return Tensor(np.arange(num_classes) == y[..., None], dtype=np.int64)


def dropout(input: Any, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """Zero each element with probability p, scale the rest by 1/(1−p) (PyTorch ``F.dropout``).

    Identity when ``training=False``.

    ``generator``: None draws from NumPy's global state (``np.random.seed`` reproduces),
    an int seeds a ``RandomState``, or pass a ``RandomState``/``Generator`` (minigrad's
    ``as_rng`` rule). The mask is kept where uniform [0, 1) ≥ p, so p=0 keeps all and
    p=1 zeros all. VJP and JVP select: g/(1−p) where kept, 0 elsewhere.
    ``ValueError`` if p is outside [0, 1].
    """
    x = _float_tensor(input, "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    forward.check_repeatable("dropout in training mode draws a new random mask at each call")
    if current_trace() is not None:
        raise TracingError(
            "dropout: mg.compile would freeze this call's random mask into every later call; compile the "
            "model in eval mode (model.eval(), or training=False), or apply dropout outside the compiled function"
        )
    keep = as_rng(generator, "dropout").random(x.shape) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    data = np.where(keep, x.data * scale, 0).astype(x.dtype, copy=False)
    vjps = (lambda g, out, x: _where(keep, g * scale, 0),)
    jvps = (lambda t, out, x: _where(keep, t * scale, 0),)
    return record("dropout", data, (x,), vjps, jvps)


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) at integer ``input`` (shape S) → S + (dim,) (PyTorch ``F.embedding``).

    A gather: its VJP adds g into the chosen rows. Row ``padding_idx`` gets no gradient (as PyTorch).
    ``ValueError`` for an index out of range, ``TypeError`` for non-integer input.
    """
    idx = _indices(input, "embedding", "input")
    w = _float_tensor(weight, "embedding", "weight")
    if w.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), got shape {w.shape}")
    n = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"embedding: indices must lie in [0, {n}), got min {idx.min()} and max {idx.max()}")
    rows = ops.getitem(w, idx)
    if padding_idx is None:
        return rows
    pad = padding_idx % n if -n <= padding_idx < n else None
    if pad is None:
        raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {n} embeddings")
    return ops.where((idx == pad)[..., None], rows.data, rows)


# -- normalisation -------------------------------------------------------------


def layer_norm(
    input: Any, normalized_shape: Sequence[int] | int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Tensor:
    """(x − mean) / √(var + eps) · weight + bias over the trailing ``normalized_shape`` axes (PyTorch ``F.layer_norm``).

    var is the biased variance. ``weight``/``bias`` have shape ``normalized_shape``.
    ``ValueError`` if the input's trailing shape differs. Composed of differentiable ops.
    """
    x = _float_tensor(input, "layer_norm")
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k :] != shape or x.ndim < k:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in normalized_shape {shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    xc = x - x.mean(axis=axes, keepdims=True)
    y = xc / ops.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of an (N, C, *) input (PyTorch ``F.batch_norm``).

    Training: with the batch mean and biased variance over every axis but 1, and,
    if ``running_mean``/``running_var`` (arrays or Tensors of shape (C,)) are given,
    updates them in place: r ← (1 − momentum)·r + momentum·batch statistic, the
    variance being the unbiased one (× n/(n−1)), as PyTorch. Evaluation: with the
    running statistics. ``weight``/``bias``: shape (C,). ``ValueError`` for a
    training batch with one value per channel or mismatched shapes.
    """
    x = _float_tensor(input, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must be (N, C, *), got shape {x.shape}")
    c = x.shape[1]
    stat_shape = (1, c) + (1,) * (x.ndim - 2)
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if v is not None and np.shape(v.data if isinstance(v, Tensor) else v) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},) for input {x.shape}")
    axes = (0, *range(2, x.ndim))
    if training:
        n = x.size // c
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        if running_mean is not None or running_var is not None:
            forward.check_repeatable("batch_norm in training mode updates the running statistics at each call")
        if running_mean is not None:
            r = running_mean.data if isinstance(running_mean, Tensor) else running_mean
            r *= 1 - momentum
            r += momentum * mean.data.reshape(c)
        if running_var is not None:
            r = running_var.data if isinstance(running_var, Tensor) else running_var
            r *= 1 - momentum
            r += momentum * var.data.reshape(c) * (n / (n - 1))
        y = xc / ops.sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        rm = np.asarray(running_mean.data if isinstance(running_mean, Tensor) else running_mean).reshape(stat_shape)
        rv = np.asarray(running_var.data if isinstance(running_var, Tensor) else running_var).reshape(stat_shape)
        y = (x - rm.astype(x.dtype)) * (1.0 / np.sqrt(rv + eps)).astype(x.dtype)
    if weight is not None:
        y = y * ops.reshape(weight, stat_shape)
    if bias is not None:
        y = y + ops.reshape(bias, stat_shape)
    return y


# -- convolution -----------------------------------------------------------------


def _tuple(v: Any, n: int, op: str, name: str) -> tuple[int, ...]:
    t = (v,) * n if isinstance(v, (int, np.integer)) else tuple(v)
    if len(t) != n or not all(isinstance(i, (int, np.integer)) for i in t):
        raise ValueError(f"{op}: {name} must be an int or {n} ints, got {v!r}")
    return tuple(int(i) for i in t)


def _pads(padding: Any, kernel: tuple, stride: tuple, dilation: tuple, op: str) -> tuple[tuple[int, int], ...]:
    """Per-axis (before, after) zero padding from an int, ints, 'valid' or 'same' (PyTorch's meanings)."""
    if padding == "valid":
        return tuple((0, 0) for _ in kernel)
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in total)  # the odd pixel goes after, as PyTorch
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int, {len(kernel)} ints, 'valid' or 'same', got {padding!r}")
    if not isinstance(padding, (int, np.integer, tuple, list)):
        raise ValueError(f"{op}: padding must be an int, {len(kernel)} ints, 'valid' or 'same', got {padding!r}")
    pads = _tuple(padding, len(kernel), op, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: padding must be >= 0, got {padding!r}")
    return tuple((p, p) for p in pads)


def _conv(x: Tensor, w: Tensor, bias: Any, stride: tuple, pads: tuple, dilation: tuple, groups: int, op: str) -> Tensor:
    """The 2-D core: x (N, C, H, W), w (O, C/groups, kh, kw), per-axis (before, after) pads → (N, O, OH, OW)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    geo = geometry(op, (h, wd), (kh, kw), stride, pads, dilation)
    oh, ow = geo.out_hw
    rows = n * oh * ow
    cols = unfold(x, geo)  # (N, OH, OW, C, kh, kw)
    if groups == 1:
        y = ops.matmul(cols.reshape(rows, c * kh * kw), w.reshape(o, c * kh * kw).T)
    else:
        k = cg * kh * kw
        a = cols.reshape(rows, groups, k).transpose(1, 0, 2)
        b = w.reshape(groups, o // groups, k).transpose(0, 2, 1)
        y = ops.matmul(a, b).transpose(1, 0, 2).reshape(rows, o)
    y = y.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)
    if bias is not None:
        b = as_tensor(bias)
        if b.shape != (o,):
            raise ValueError(f"{op}: bias must have shape ({o},), got {b.shape}")
        y = y + b.reshape(1, o, 1, 1)
    return y


def _check_channels(x: Tensor, w: Tensor, groups: int, op: str) -> None:
    """The input has groups · (the weight's input channels) channels and groups divides both counts."""
    c, o, cg = x.shape[1], w.shape[0], w.shape[1]
    if groups < 1 or c % groups or o % groups:
        raise ValueError(f"{op}: groups={groups} must divide the {c} input and {o} output channels")
    if cg * groups != c:
        raise ValueError(
            f"{op}: weight {tuple(w.shape)} expects {cg * groups} input channels (groups={groups}), "
            f"the input {tuple(x.shape)} has {c}"
        )


def _batched(x: Tensor, dims: int, op: str) -> tuple[Tensor, bool]:
    """Accept (N, C, *spatial) or unbatched (C, *spatial) as PyTorch; returns the batched one and whether it was."""
    if x.ndim == dims + 2:
        return x, True
    if x.ndim == dims + 1:
        return x.reshape(1, *x.shape), False
    raise ValueError(f"{op}: input must be {dims + 2}-D (N, C, ...) or {dims + 1}-D (C, ...), got shape {x.shape}")


def conv2d(
    input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
) -> Tensor:
    """2-D cross-correlation (PyTorch ``F.conv2d``).

    input (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); bias (O,) or None.
    ``stride``, ``padding`` (int, pair, ``"valid"``, or ``"same"`` with stride 1),
    ``dilation``: int or pair. Output (N, O, OH, OW) with
    OH = (H + 2·pad − dilation·(kh − 1) − 1) // stride + 1.
    out[n, o] = Σ_c,i,j w[o, c, i, j] · x_pad[n, g·C/groups + c, s·oh + d·i, s·ow + d·j] + b[o].
    Computed as one matmul of ``unfold(x)`` (im2col) with the reshaped weight (a
    batched matmul over groups). ``ValueError`` names shapes that do not fit.
    """
    x = _float_tensor(input, "conv2d")
    w = _float_tensor(weight, "conv2d", "weight")
    if w.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (O, C/groups, kh, kw), got shape {w.shape}")
    x, batched = _batched(x, 2, "conv2d")
    _check_channels(x, w, int(groups), "conv2d")
    s, d = _tuple(stride, 2, "conv2d", "stride"), _tuple(dilation, 2, "conv2d", "dilation")
    pads = _pads(padding, w.shape[2:], s, d, "conv2d")
    y = _conv(x, w, bias, s, pads, d, int(groups), "conv2d")
    return y if batched else y.reshape(*y.shape[1:])


def conv1d(
    input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
) -> Tensor:
    """1-D cross-correlation (PyTorch ``F.conv1d``): input (N, C, L) or (C, L), weight (O, C/groups, k) → (N, O, L_out).

    The 2-D convolution on a height-1 image; the same arguments and errors as ``conv2d``.
    """
    x = _float_tensor(input, "conv1d")
    w = _float_tensor(weight, "conv1d", "weight")
    if w.ndim != 3:
        raise ValueError(f"conv1d: weight must be 3-D (O, C/groups, k), got shape {w.shape}")
    x, batched = _batched(x, 1, "conv1d")
    _check_channels(x, w, int(groups), "conv1d")
    k = w.shape[2]
    s, d = _tuple(stride, 1, "conv1d", "stride"), _tuple(dilation, 1, "conv1d", "dilation")
    pads = ((0, 0), *_pads(padding, (k,), s, d, "conv1d"))
    n, c, length = x.shape
    x4, w4 = x.reshape(n, c, 1, length), w.reshape(w.shape[0], w.shape[1], 1, k)
    y = _conv(x4, w4, bias, (1, s[0]), pads, (1, d[0]), int(groups), "conv1d")
    y = y.reshape(n, y.shape[1], y.shape[3])
    return y if batched else y.reshape(*y.shape[1:])


# -- pooling ---------------------------------------------------------------------


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool, op: str):
    if ceil_mode:
        raise ValueError(f"{op}: ceil_mode=True is not supported (the output side is floor'd, PyTorch's default)")
    k = _tuple(kernel_size, 2, op, "kernel_size")
    s = k if stride is None or stride == () else _tuple(stride, 2, op, "stride")
    p = _tuple(padding, 2, op, "padding")
    if any(pi * 2 > ki for pi, ki in zip(p, k)):
        raise ValueError(f"{op}: padding {p} must be at most half the kernel size {k}")
    d = _tuple(dilation, 2, op, "dilation")
    # _tuple(..., 2, ...) checked that k, s, p and d are pairs; a pooled input is (N, C, H, W)
    return geometry(op, x.shape[2:], k, s, tuple((pi, pi) for pi in p), d)  # type: ignore[arg-type]


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Largest value in each window (PyTorch ``F.max_pool2d``).  (N, C, H, W) or (C, H, W) → (N, C, OH, OW).

    ``stride`` defaults to ``kernel_size``; padding (≤ half the kernel) never wins.
    It is a gather at the arg-max, so the VJP sends each output's gradient to the one
    input element chosen; ties go to the first maximum in row-major window order and
    nan wins (as PyTorch on CPU). Overlapping windows add their gradients.
    ``return_indices=True`` also returns the flat index in H·W of each chosen element (int64),
    as PyTorch. ``ceil_mode=True`` raises ``ValueError``.
    """
    x = _float_tensor(input, "max_pool2d")
    x, batched = _batched(x, 2, "max_pool2d")
    geo = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    n, c, h, w = x.shape
    oh, ow = geo.out_hw
    index = window_argmax(x.data, geo)
    y = take(x.reshape(n, c, h * w), index.reshape(n, c, oh * ow)).reshape(n, c, oh, ow)
    if not batched:
        y, index = y.reshape(c, oh, ow), index.reshape(c, oh, ow)
    return (y, index) if return_indices else y


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean of each window (PyTorch ``F.avg_pool2d``).  (N, C, H, W) or (C, H, W) → (N, C, OH, OW).

    Linear: the sum over ``unfold(x)``'s kernel taps divided by kh·kw (or by the number
    of real elements when ``count_include_pad=False``, or by ``divisor_override``).
    The VJP spreads g/divisor over each window (``fold``). ``ceil_mode=True`` raises ``ValueError``.
    """
    x = _float_tensor(input, "avg_pool2d")
    x, batched = _batched(x, 2, "avg_pool2d")
    geo = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    kh, kw = geo.kernel
    total = unfold(x, geo).sum(axis=(4, 5)).transpose(0, 3, 1, 2)  # (N, C, OH, OW)
    if divisor_override is not None:
        if divisor_override <= 0:
            raise ValueError(f"avg_pool2d: divisor_override must be positive, got {divisor_override}")
        y = total * (1.0 / divisor_override)
    elif count_include_pad:
        y = total * (1.0 / (kh * kw))
    else:
        ones = np.ones((1, 1) + tuple(geo.in_hw), dtype=x.dtype)
        counts = windows(ones, geo).sum(axis=(-2, -1))[0, 0]
        y = total * (1.0 / counts).astype(x.dtype)
    return y if batched else y.reshape(*y.shape[1:])
