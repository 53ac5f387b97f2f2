"""Elementary functions with NumPy's names: trigonometric, hyperbolic, log2/log10/exp2,
square, reciprocal, erf, and the piecewise-constant sign/floor/ceil/round.

Each op's derivative ``d(out, x)`` is written once, beside its forward, and used
both ways: the VJP is ``g · d`` and the JVP ``t · d``. The formulas use ops
shared by arrays and Tensors (``either``), so they differentiate again.

Conventions (PyTorch 2.13, see shared/CONVENTIONS.md): sign, floor, ceil and
round have gradient 0 everywhere (also at their jumps); arcsin/arccos/arctanh
give ±inf at ±1, and exactly 0 wherever the incoming gradient (or tangent) is
exactly 0, so a branch that does not reach the output never turns into nan.

Shapes and dtypes: each op takes a Tensor, a NumPy array or a number, and its
result has the shape and dtype NumPy gives (float32 stays float32, float64 is
the default). Bad arguments raise ValueError (TypeError for a wrong type) that
names the op and the shapes involved.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from ..tensor import Tensor, as_tensor, record
from ._dual import times_
from ._either import either, zeros_like_
from .elementwise import exp, sqrt

__all__ = [
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "arcsinh",
    "arctanh",
    "log2",
    "log10",
    "exp2",
    "square",
    "reciprocal",
    "erf",
    "sign",
    "floor",
    "ceil",
    "round",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

Rules = tuple[tuple[Callable[..., Any]], tuple[Callable[..., Any]]]


def _unary(op: str, fn: Callable[..., Any], x: Any, rules: Rules) -> Tensor:
    x = as_tensor(x)
    vjps, jvps = rules
    return record(op, fn(x.data), (x,), vjps, jvps)


def _chain(d: Callable[[Any, Any], Any]) -> Rules:
    """VJP ``g · d(out, x)`` and JVP ``t · d(out, x)`` from one derivative."""
    return (lambda g, out, x: g * d(out, x),), (lambda t, out, x: t * d(out, x),)


def _chain_zero_safe(d: Callable[[Any, Any], Any]) -> Rules:
    """As ``_chain``, but an incoming 0 gives exactly 0 where d is infinite (no 0·inf = nan; ``_dual.times_``).

    The rule stays linear in the incoming g (or t): where d is finite it is g · d
    exactly, also at g = 0, so higher derivatives keep their terms.

    For every op whose derivative can be infinite or overflow: arcsin, arccos, arctanh (at ±1),
    log2, log10, reciprocal (at 0), tan (at its poles), sinh, cosh, exp2 (on overflow).
    """

    def rule(g: Any, out: Any, x: Any) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            return times_(g, d(out, x))

    return (rule,), (rule,)


def _zero(g: Any, out: Any, x: Any) -> Any:
    return zeros_like_(g)


_ZERO: Rules = ((_zero,), (_zero,))


# -- trigonometric ---------------------------------------------------------------
def sin(x: Any) -> Tensor:
    """sin x, elementwise; any shape, float32 or float64.  d/dx = cos x."""
    return _unary("sin", np.sin, x, _SIN)


def cos(x: Any) -> Tensor:
    """cos x, elementwise.  d/dx = -sin x."""
    return _unary("cos", np.cos, x, _COS)


sin_ = either(sin, np.sin)
cos_ = either(cos, np.cos)
_SIN = _chain(lambda out, x: cos_(x))
_COS = _chain(lambda out, x: -sin_(x))


def tan(x: Any) -> Tensor:
    """tan x, elementwise.  d/dx = 1 + tan² x = 1 + out²."""
    return _unary("tan", np.tan, x, _TAN)


_TAN = _chain_zero_safe(lambda out, x: 1 + out * out)

sqrt_ = either(sqrt, np.sqrt)


def arcsin(x: Any) -> Tensor:
    """arcsin x on [-1, 1] (nan outside, as NumPy).  d/dx = 1/√((1-x)(1+x)): +inf at ±1 (PyTorch), 0 where g is 0."""
    return _unary("arcsin", np.arcsin, x, _ARCSIN)


def arccos(x: Any) -> Tensor:
    """arccos x on [-1, 1].  d/dx = -1/√((1-x)(1+x)): -inf at ±1, 0 where g is 0."""
    return _unary("arccos", np.arccos, x, _ARCCOS)


# (1-x)(1+x) rather than 1-x²: no cancellation near ±1.
_ARCSIN = _chain_zero_safe(lambda out, x: 1 / sqrt_((1 - x) * (1 + x)))
_ARCCOS = _chain_zero_safe(lambda out, x: -1 / sqrt_((1 - x) * (1 + x)))


def arctan(x: Any) -> Tensor:
    """arctan x.  d/dx = 1/(1 + x²)."""
    return _unary("arctan", np.arctan, x, _ARCTAN)


_ARCTAN = _chain(lambda out, x: 1 / (1 + x * x))


# -- hyperbolic --------------------------------------------------------------------
def sinh(x: Any) -> Tensor:
    """sinh x.  d/dx = cosh x."""
    return _unary("sinh", np.sinh, x, _SINH)


def cosh(x: Any) -> Tensor:
    """cosh x.  d/dx = sinh x."""
    return _unary("cosh", np.cosh, x, _COSH)


sinh_ = either(sinh, np.sinh)
cosh_ = either(cosh, np.cosh)
_SINH = _chain_zero_safe(lambda out, x: cosh_(x))
_COSH = _chain_zero_safe(lambda out, x: sinh_(x))


def arcsinh(x: Any) -> Tensor:
    """arcsinh x.  d/dx = 1/√(1 + x²)."""
    return _unary("arcsinh", np.arcsinh, x, _ARCSINH)


_ARCSINH = _chain(lambda out, x: 1 / sqrt_(1 + x * x))


def arctanh(x: Any) -> Tensor:
    """arctanh x on (-1, 1) (±inf at ±1).  d/dx = 1/((1-x)(1+x)): +inf at ±1, 0 where g is 0."""
    return _unary("arctanh", np.arctanh, x, _ARCTANH)


_ARCTANH = _chain_zero_safe(lambda out, x: 1 / ((1 - x) * (1 + x)))


# -- logarithms and powers -------------------------------------------------------------
def log2(x: Any) -> Tensor:
    """log₂ x.  d/dx = 1/(x ln 2) (+inf at 0, as log)."""
    return _unary("log2", np.log2, x, _LOG2)


def log10(x: Any) -> Tensor:
    """log₁₀ x.  d/dx = 1/(x ln 10)."""
    return _unary("log10", np.log10, x, _LOG10)


_LOG2 = _chain_zero_safe(lambda out, x: 1 / (x * _LN2))
_LOG10 = _chain_zero_safe(lambda out, x: 1 / (x * _LN10))


def exp2(x: Any) -> Tensor:
    """2^x.  d/dx = 2^x ln 2 = out · ln 2."""
    return _unary("exp2", np.exp2, x, _EXP2)


_EXP2 = _chain_zero_safe(lambda out, x: out * _LN2)


def square(x: Any) -> Tensor:
    """x².  d/dx = 2x."""
    return _unary("square", np.square, x, _SQUARE)


_SQUARE = _chain(lambda out, x: 2 * x)


def reciprocal(x: Any) -> Tensor:
    """1/x (inf at 0).  d/dx = -1/x² = -out²."""
    return _unary("reciprocal", np.reciprocal, x, _RECIPROCAL)


_RECIPROCAL = _chain_zero_safe(lambda out, x: -1 / (x * x))  # a division: its own VJP is guarded too

exp_ = either(exp, np.exp)


def erf(x: Any) -> Tensor:
    """The error function (2/√π) ∫₀ˣ e^(-s²) ds (scipy.special.erf).  d/dx = (2/√π) e^(-x²)."""
    return _unary("erf", special.erf, x, _ERF)


_ERF = _chain(lambda out, x: _TWO_OVER_SQRT_PI * exp_(-(x * x)))


# -- piecewise constant: gradient 0 everywhere (PyTorch's convention, also at the jumps) --
def sign(x: Any) -> Tensor:
    """-1, 0 or +1 (0 at 0, nan at nan), as NumPy.  Gradient 0 everywhere, also at 0 (PyTorch)."""
    return _unary("sign", np.sign, x, _ZERO)


def floor(x: Any) -> Tensor:
    """Largest integer ≤ x (as a float).  Gradient 0 everywhere, also at the integers (PyTorch)."""
    return _unary("floor", np.floor, x, _ZERO)


def ceil(x: Any) -> Tensor:
    """Smallest integer ≥ x (as a float).  Gradient 0 everywhere (PyTorch)."""
    return _unary("ceil", np.ceil, x, _ZERO)


def round(x: Any, decimals: int = 0) -> Tensor:
    """x rounded to ``decimals`` places, halves to even (NumPy's ``round``).  Gradient 0 everywhere (PyTorch)."""
    x = as_tensor(x)
    return record("round", np.round(x.data, decimals), (x,), *_ZERO)
