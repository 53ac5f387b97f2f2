"""Stable primitives with conventional (sub)gradients: norm, log_sigmoid, softplus, logaddexp, log1p, expm1, xlogy.

Composing these from exp, log and sqrt loses either the value (log(sigmoid(-1000))
is log 0 = -inf) or the gradient (sqrt(Σx²) at 0 gives 0 · inf = nan). Each is
a primitive here, its forward computed stably beside its VJP and JVP, and its
derivative defined at the special points:

=================  ==========================================  =====================================
op                 value                                       derivative at the special points
=================  ==========================================  =====================================
norm(x)            √Σx², scaled by max|x| (no overflow)        0 at x = 0 (PyTorch's linalg.norm)
log_sigmoid(x)     min(x, 0) - log1p(e^-|x|)                   sigmoid(-x): 1 at -1000 (PyTorch)
softplus(x)        max(x, 0) + log1p(e^-|x|), exactly          sigmoid(x) (PyTorch switches to x
                                                               above 20; ours differs by < 1e-9)
logaddexp(a, b)    log(e^a + e^b)                              e^(a-out): 0.5 each at a tie; 0 at
                                                               a = b = -inf (as logsumexp)
log1p(x)           log(1 + x), accurate near 0                 1/(1+x), inf at -1
expm1(x)           e^x - 1, accurate near 0                    e^x
xlogy(x, y)        x log y, 0 where x = 0 (even y = 0)         d/dx = log y, 0 where x = 0 and
                                                               y ≤ 0 (PyTorch); d/dy = x/y, 0
                                                               where x = 0 (f(0, y) = 0 for all y;
                                                               PyTorch: nan at x = y = 0)
=================  ==========================================  =====================================

Like sqrt and log, the ops with an infinite derivative somewhere send exactly 0
where the incoming gradient or tangent is 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import xlogy as _xlogy

from ..tensor import Tensor, as_tensor, record
from ._dual import exp_, keepdims_shape, log_, maximum_, normalize_axis, over_, replace_, sigmoid_, times_, value
from .arithmetic import binary

__all__ = ["norm", "log_sigmoid", "softplus", "logaddexp", "log1p", "expm1", "xlogy"]


def _lowest(dtype: np.dtype) -> Any:
    return np.finfo(dtype).min if dtype.kind == "f" else -np.inf


def norm(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The 2-norm √Σx² over all elements (``axis=None``) or over ``axis`` (int or tuple).

    Shapes as a reduction (``keepdims`` keeps the reduced axes as size 1); an
    empty reduction gives 0. Computed as m·√Σ(x/m)² with m = max|x|, so it
    neither overflows for |x| ~ 1e200 nor underflows for |x| ~ 1e-200.
    d/dx = x / norm, and 0 where the norm is 0 (the subgradient PyTorch's
    ``linalg.norm`` returns; √ of a sum of squares would give nan there).
    """
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "norm")
    kept = keepdims_shape(x.shape, axes)
    a = np.abs(x.data)
    m = np.max(a, axis=axes, keepdims=True, initial=0)
    scale = np.where((m > 0) & np.isfinite(m), m, 1)
    r = scale * np.sqrt(np.sum(np.square(a / scale), axis=axes, keepdims=True))
    data = r if keepdims else r.reshape(_squeeze_shape(x.shape, axes))
    zero = r == 0  # where the norm is 0, every x in its slice is 0: x / 1 = 0 there

    def direction(out, x):
        return x / (out.reshape(kept) + zero)

    def vjp(g, out, x):
        return g.reshape(kept) * direction(out, x)

    def jvp(t, out, x):
        return (direction(out, x) * t).sum(axis=axes, keepdims=keepdims)

    return record("norm", data, (x,), (vjp,), (jvp,))


def _squeeze_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def log_sigmoid(x: Any) -> Tensor:
    """log(1 / (1 + e^-x)) = min(x, 0) - log1p(e^-|x|), finite for any finite x.

    d/dx = sigmoid(-x) = 1 - sigmoid(x): 1 at x = -1000 (log(sigmoid(x)) gives nan there).
    """
    x = as_tensor(x)
    data = np.minimum(x.data, 0) - np.log1p(np.exp(-np.abs(x.data)))
    return record("log_sigmoid", data, (x,), _LOG_SIGMOID, _LOG_SIGMOID)


_LOG_SIGMOID = (lambda g, out, x: g * sigmoid_(-x),)


def softplus(x: Any) -> Tensor:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact and stable for any x.

    d/dx = sigmoid(x). PyTorch's ``F.softplus`` returns x itself above
    ``threshold=20``; the exact value differs from that by log1p(e^-x) < 2.1e-9
    there (about 1e-10 relative), and its gradient by less than 2.1e-9.
    """
    x = as_tensor(x)
    data = np.maximum(x.data, 0) + np.log1p(np.exp(-np.abs(x.data)))
    return record("softplus", data, (x,), _SOFTPLUS, _SOFTPLUS)


_SOFTPLUS = (lambda g, out, x: g * sigmoid_(x),)


def logaddexp(a: Any, b: Any) -> Tensor:
    """log(e^a + e^b), without overflow (NumPy's ``logaddexp``); broadcasts.

    d/da = e^(a - out) = sigmoid(a - b), d/db = e^(b - out): 0.5 each at a tie,
    0 each at a = b = -inf (as an all -inf row of logsumexp), nan with a +inf input.
    """
    return binary("logaddexp", np.logaddexp, a, b, _LOGADDEXP, _LOGADDEXP)


def _logaddexp_weight(x: Any, out: Any) -> Any:
    return exp_(x - maximum_(out, _lowest(value(out).dtype)))


_LOGADDEXP = (
    lambda g, out, a, b: g * _logaddexp_weight(a, out),
    lambda g, out, a, b: g * _logaddexp_weight(b, out),
)


def log1p(x: Any) -> Tensor:
    """log(1 + x), accurate for |x| ≪ 1.  d/dx = 1/(1 + x) (inf at -1; 0 where the incoming gradient is 0)."""
    x = as_tensor(x)
    return record("log1p", np.log1p(x.data), (x,), _LOG1P, _LOG1P)


_LOG1P = (lambda g, out, x: over_(g, 1 + x),)


def expm1(x: Any) -> Tensor:
    """e^x - 1, accurate for |x| ≪ 1.  d/dx = e^x = out + 1 (0 where the incoming gradient is 0)."""
    x = as_tensor(x)
    return record("expm1", np.expm1(x.data), (x,), _EXPM1, _EXPM1)


_EXPM1 = (lambda g, out, x: times_(g, out + 1),)


def xlogy(x: Any, y: Any) -> Tensor:
    """x · log y, with 0 where x = 0 (even at y = 0: 0 · log 0 = 0, scipy's ``xlogy``); broadcasts.

    d/dx = log y, and 0 where x = 0 and y ≤ 0 (PyTorch's convention);
    d/dy = x / y, and 0 where x = 0 (xlogy(0, y) = 0 for every y; PyTorch
    gives nan at x = y = 0). So xlogy(p, p), the entropy term, has gradient 0
    at p = 0 (PyTorch nan; the one-sided slope of p log p there is -inf), and
    every second derivative at x = y = 0 is 0 (the true one is infinite).
    """
    return binary("xlogy", _xlogy_forward, x, y, _XLOGY, _XLOGY)


def _xlogy_forward(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = _xlogy(x, y)
    return out.astype(np.result_type(x, y), copy=False) if np.result_type(x, y).kind == "f" else out


_XLOGY = (
    # log y is replaced by log 1 = 0 where x = 0 and y <= 0 (the convention), and x/y by 0 at
    # x = y = 0 (its input kept at 0/1): the formulas stay finite there, and so do their own
    # derivatives, which are 0 both ways there, so the Hessian at (0, 0) is the symmetric 0.
    lambda g, out, x, y: times_(g, log_(replace_(y, (value(x) == 0) & (value(y) <= 0), 1))),
    lambda g, out, x, y: times_(g, _x_over_y(x, y)),
)


def _x_over_y(x: Any, y: Any) -> Any:
    origin = (value(x) == 0) & (value(y) == 0)
    return replace_(x / replace_(y, origin, 1), origin, 0)
