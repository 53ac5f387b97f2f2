"""Elementwise functions, each forward beside its VJP and JVP.

Where the derivative can be written with the forward output, it is (as the
tutorials do): exp' = out, tanh' = 1 - out², sigmoid' = out (1 - out).

Conventions at special points (tests/test_edges.py checks each, with its source):

- Masks select: relu, abs, clip, maximum/minimum and where send exactly 0 where
  the mask is off, whatever the incoming gradient holds (PyTorch's threshold
  and clamp backward do the same), on plain arrays and on recorded Tensors.
- relu at 0: 0; abs at 0: 0; clip passes the gradient at its bounds (1 at lo
  and hi); maximum/minimum at a tie: 0.5 to each input (all PyTorch's).
- An op whose local derivative can be infinite (exp on overflow, log and sqrt
  at 0) sends exactly 0 wherever the incoming gradient or tangent is exactly 0,
  so a branch that does not reach the output contributes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from ..tensor import Tensor, as_tensor, record
from ..tracing import asarray
from ._dual import _op, over_, sign_, times_, value, where_
from .arithmetic import _operands, binary

__all__ = [
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sqrt",
    "clip",
    "maximum",
    "minimum",
    "where",
]


def _unary(op: str, fn: Any, x: Any, vjps: tuple, jvps: tuple) -> Tensor:
    x = as_tensor(x)
    return record(op, fn(x.data), (x,), vjps, jvps)


def exp(x: Any) -> Tensor:
    """e^x.  d/dx = e^x = out (0 where the incoming gradient is 0, even if out overflowed to inf)."""
    return _unary("exp", np.exp, x, _EXP, _EXP)


_EXP = (lambda g, out, x: times_(g, out),)


def log(x: Any) -> Tensor:
    """Natural log.  d/dx = 1/x (inf at 0; 0 where the incoming gradient is 0)."""
    return _unary("log", np.log, x, _LOG, _LOG)


_LOG = (lambda g, out, x: over_(g, x),)


def tanh(x: Any) -> Tensor:
    """tanh x.  d/dx = 1 - tanh² x = 1 - out²."""
    return _unary("tanh", np.tanh, x, _TANH, _TANH)


_TANH = (lambda g, out, x: g * (1 - out * out),)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x), computed without overflow.  d/dx = out (1 - out)."""
    return _unary("sigmoid", expit, x, _SIGMOID, _SIGMOID)


_SIGMOID = (lambda g, out, x: g * (out * (1 - out)),)


def relu(x: Any) -> Tensor:
    """max(x, 0).  d/dx = 1 where x > 0, else 0: 0 at x = 0 (PyTorch's convention); selects.

    At a nan input the gradient is 0 (PyTorch passes it on): one comparison
    instead of two keeps the backward as fast as the old product with the mask.
    """
    return _unary("relu", _relu, x, _RELU, _RELU)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


_RELU = (lambda g, out, x: where_(value(x) > 0, g, 0),)


def abs(x: Any) -> Tensor:
    """|x|.  d/dx = sign x (0 at the kink and at nan, PyTorch's convention); selects."""
    return _unary("abs", np.abs, x, _ABS, _ABS)


def _abs_vjp(g: Any, out: Any, x: Any) -> Any:
    return where_(value(x) != 0, g * sign_(x), 0)


_ABS = (_abs_vjp,)


def sqrt(x: Any) -> Tensor:
    """√x.  d/dx = 1 / (2 √x) = 0.5 / out (inf at 0, as PyTorch; 0 where the incoming gradient is 0)."""
    return _unary("sqrt", np.sqrt, x, _SQRT, _SQRT)


_SQRT = (lambda g, out, x: over_(0.5 * g, out),)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    """x limited to [lo, hi] (either may be None).

    d/dx = 1 on the closed interval (the bounds included, PyTorch's clamp), else 0; selects.
    Tensor bounds get the gradient where they are the result (NumPy's order: max with lo, then
    min with hi, so hi wins when lo > hi).
    """
    x = as_tensor(x)
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        where = _op("where")
        out = x if lo is None else where(x.data < value(lo), lo, x)
        return out if hi is None else where(out.data > value(hi), hi, out)
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside = inside & (x.data >= lo)
    if hi is not None:
        inside = inside & (x.data <= hi)
    data = np.clip(x.data, lo, hi)
    rule = (lambda g, out, x: where_(inside, g, 0),)
    return record("clip", data, (x,), rule, rule)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max(a, b).  The gradient goes to the larger input; a tie gives 0.5 to each (PyTorch)."""
    return binary("maximum", np.maximum, a, b, _MAXIMUM, _MAXIMUM)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min(a, b).  The gradient goes to the smaller input; a tie gives 0.5 to each (PyTorch)."""
    return binary("minimum", np.minimum, a, b, _MINIMUM, _MINIMUM)


def _share(wins: np.ndarray, tie: np.ndarray, g: Any) -> Any:
    """g where this input wins, g/2 where tied, exactly 0 elsewhere (selects, so an inf g gives no nan)."""
    half = g * np.where(tie, 0.5, 1.0).astype(value(g).dtype)
    return where_(wins | tie, half, 0)


_MAXIMUM = (
    lambda g, out, a, b: _share(value(a) > value(b), value(a) == value(b), g),
    lambda g, out, a, b: _share(value(b) > value(a), value(a) == value(b), g),
)
_MINIMUM = (
    lambda g, out, a, b: _share(value(a) < value(b), value(a) == value(b), g),
    lambda g, out, a, b: _share(value(b) < value(a), value(a) == value(b), g),
)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """a where cond is true, else b (cond is a constant).  The gradient follows the chosen branch; selects."""
    cond = asarray(value(cond), dtype=bool)
    a, b = _operands(a, b)
    try:
        data = np.where(cond, a.data, b.data)
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {a.shape} and {b.shape} could not be broadcast together"
        ) from None
    rules = (lambda g, out, a, b: where_(cond, g, 0), lambda g, out, a, b: where_(cond, 0, g))
    return record("where", data, (a, b), rules, rules)
