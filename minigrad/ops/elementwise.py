"""Elementwise functions, each forward beside its VJP.

Where the derivative can be written with the forward output, it is (as the
tutorials do): exp' = out, tanh' = 1 - out², sigmoid' = out (1 - out).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from ..tensor import Tensor, as_tensor, record
from ..tracing import asarray
from ._dual import value, where_
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


def _unary(op: str, fn: Any, x: Any, vjps: tuple) -> Tensor:
    x = as_tensor(x)
    return record(op, fn(x.data), (x,), vjps)


def exp(x: Any) -> Tensor:
    """e^x.  d/dx = e^x = out."""
    return _unary("exp", np.exp, x, _EXP)


_EXP = (lambda g, out, x: g * out,)


def log(x: Any) -> Tensor:
    """Natural log.  d/dx = 1/x."""
    return _unary("log", np.log, x, _LOG)


_LOG = (lambda g, out, x: g / x,)


def tanh(x: Any) -> Tensor:
    """tanh x.  d/dx = 1 - tanh² x = 1 - out²."""
    return _unary("tanh", np.tanh, x, _TANH)


_TANH = (lambda g, out, x: g * (1 - out * out),)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x), computed without overflow.  d/dx = out (1 - out)."""
    return _unary("sigmoid", expit, x, _SIGMOID)


_SIGMOID = (lambda g, out, x: g * (out * (1 - out)),)


def relu(x: Any) -> Tensor:
    """max(x, 0).  d/dx = 1 where x > 0, else 0."""
    return _unary("relu", _relu, x, _RELU)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


_RELU = (lambda g, out, x: where_(value(x) > 0, g, 0),)


def abs(x: Any) -> Tensor:
    """|x|.  d/dx = sign x (0 at the kink)."""
    return _unary("abs", np.abs, x, _ABS)


_ABS = (lambda g, out, x: g * np.sign(value(x)),)


def sqrt(x: Any) -> Tensor:
    """√x.  d/dx = 1 / (2 √x) = 0.5 / out."""
    return _unary("sqrt", np.sqrt, x, _SQRT)


_SQRT = (lambda g, out, x: g * 0.5 / out,)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    """x limited to [lo, hi] (either may be None).  d/dx = 1 inside the interval, else 0."""
    x = as_tensor(x)
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside = inside & (x.data >= lo)
    if hi is not None:
        inside = inside & (x.data <= hi)
    data = np.clip(x.data, lo, hi)
    return record("clip", data, (x,), (lambda g, out, x: where_(inside, g, 0),))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max(a, b).  The gradient goes to the larger input; ties split it evenly."""
    return binary("maximum", np.maximum, a, b, _MAXIMUM)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min(a, b).  The gradient goes to the smaller input; ties split it evenly."""
    return binary("minimum", np.minimum, a, b, _MINIMUM)


def _share(winner: np.ndarray, tie: np.ndarray, g: Any) -> Any:
    """g where this input wins, g/2 where tied, 0 elsewhere."""
    return g * np.where(tie, 0.5, winner).astype(g.dtype)


_MAXIMUM = (
    lambda g, out, a, b: _share(value(a) > value(b), value(a) == value(b), g),
    lambda g, out, a, b: _share(value(b) > value(a), value(a) == value(b), g),
)
_MINIMUM = (
    lambda g, out, a, b: _share(value(a) < value(b), value(a) == value(b), g),
    lambda g, out, a, b: _share(value(b) < value(a), value(a) == value(b), g),
)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """a where cond is true, else b (cond is a constant).  The gradient follows the chosen branch."""
    cond = asarray(value(cond), dtype=bool)
    a, b = _operands(a, b)
    try:
        data = np.where(cond, a.data, b.data)
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {a.shape} and {b.shape} could not be broadcast together"
        ) from None
    vjps = (lambda g, out, a, b: where_(cond, g, 0), lambda g, out, a, b: where_(cond, 0, g))
    return record("where", data, (a, b), vjps)
