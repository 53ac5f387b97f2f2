"""Arithmetic: + - * / ** and matmul, each forward beside its VJPs and JVPs.

Every VJP has the signature ``(g, out, a, b)`` and returns the gradient for
one input, possibly in the broadcast shape (the engine reduces it); every JVP
``(t, out, a, b)`` returns the output's tangent carried by one input's tangent.
The same formula serves NumPy arrays (plain backward) and Tensors (higher order).
For the elementwise ops the JVP is the VJP's formula (the Jacobian is diagonal).

Special points: a division's denominator and pow at base 0 have infinite local
derivatives, so their rules send exactly 0 where the incoming gradient (or
tangent) is 0. pow follows PyTorch: d(a^b)/da = 0 where b = 0 (also at a = 0),
d(a^b)/db = 0 where a = 0 and b ≥ 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, constant_like, passthrough, record
from ._dual import log_, over_, replace_, times_, value

__all__ = ["add", "sub", "mul", "div", "pow", "neg", "matmul"]


def _operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors; a Python number takes the other operand's float dtype."""
    if type(a) is not Tensor:
        b = as_tensor(b)
        a = constant_like(a, b)
    elif type(b) is not Tensor:
        b = constant_like(b, a)
    return a, b


def binary(op: str, fn: Any, a: Any, b: Any, vjps: tuple, jvps: tuple | None = None) -> Tensor:
    """Apply the NumPy ufunc ``fn`` to two broadcastable operands and record the node."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _operands(a, b)
    try:
        data = fn(a.data, b.data)
    except ValueError:
        raise ValueError(
            f"{op}: operands could not be broadcast together with shapes {a.shape} and {b.shape}"
        ) from None
    return record(op, data, (a, b), vjps, jvps)


def add(a: Any, b: Any) -> Tensor:
    """a + b.  d/da = 1, d/db = 1."""
    return binary("add", np.add, a, b, _ADD, _ADD)


_ADD = (passthrough, passthrough)


def sub(a: Any, b: Any) -> Tensor:
    """a - b.  d/da = 1, d/db = -1."""
    return binary("sub", np.subtract, a, b, _SUB, _SUB)


_SUB = (passthrough, lambda g, out, a, b: -g)


def mul(a: Any, b: Any) -> Tensor:
    """a * b.  d/da = b, d/db = a (0 · inf = 0 in the rules: see ``_dual.times_``)."""
    return binary("mul", np.multiply, a, b, _MUL, _MUL)


# 0 · inf = 0 (times_): a product in a branch that does not reach the output contributes nothing, even where
# the other operand is infinite (y · log x at x = 0), and a zero cotangent stops an infinite tangent.
_MUL = (lambda g, out, a, b: times_(g, b), lambda g, out, a, b: times_(g, a))


def div(a: Any, b: Any) -> Tensor:
    """a / b.  d/da = 1/b, d/db = -a/b² = -out/b (both 0 where the incoming gradient is 0)."""
    return binary("div", np.true_divide, a, b, _DIV, _DIV)


_DIV = (lambda g, out, a, b: over_(g, b), lambda g, out, a, b: times_(g, -out / b))


def pow(a: Any, b: Any) -> Tensor:
    """a ** b.  d/da = b a^(b-1), d/db = out · log a.

    At the special points (PyTorch's conventions, also for every higher order):
    d/da = 0 at b = 0 (x**0 is constant, even at x = 0); d/db = 0 where a = 0
    and b ≥ 0 (0**b is constant there); both are 0 where the incoming gradient
    is 0 (a^(b-1) and log a are infinite at a = 0). A negative base with a
    non-integer exponent gives nan, as in NumPy.
    """
    return binary("pow", np.power, a, b, _POW, _POW)


def _pow_rule_base(g, out, a, b):
    b_value = value(b)
    traced = getattr(b, "requires_grad", False) or getattr(b, "_tangents", None)  # by reverse or forward mode
    if type(b_value) is np.ndarray and b_value.ndim == 0 and b_value == 2 and not traced:
        return g * 2 * a  # the common square: skip the power, no special point
    # b a^(b-1) is 0 · inf = nan only at a = 0, b = 0: a is replaced by 1 there, so the
    # derivative is 0 · 1 = 0 and the formula (and its own derivatives) stay finite.
    return times_(g, b * replace_(a, (value(b) == 0) & (value(a) == 0), 1) ** (b - 1))


def _pow_rule_exponent(g, out, a, b):
    # 0**b is constant for b >= 0: log a is replaced by log 1 = 0 there, so no 0 · (-inf).
    return times_(g, out * log_(replace_(a, (value(a) == 0) & (value(b) >= 0), 1)))


_POW = (_pow_rule_base, _pow_rule_exponent)


def neg(a: Any) -> Tensor:
    """-a."""
    a = as_tensor(a)
    return record("neg", np.negative(a.data), (a,), _NEG, _NEG)


_NEG = (lambda g, out, a: -g,)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with NumPy's rules for 1-D and batched (broadcast) operands.

    For matrices: d/da = g bᵀ, d/db = aᵀ g; 1-D operands are treated as a row
    (left) or a column (right), and batch axes are summed by the engine.
    """
    a, b = _operands(a, b)
    try:
        data = np.matmul(a.data, b.data)
    except ValueError:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned") from None
    return record("matmul", data, (a, b), _MATMUL, _MATMUL_JVP)


def _mT(x):
    return x.T if x.ndim == 2 else x.swapaxes(-1, -2)


def _as_matrices(g, a, b):
    """Restore the axes that 1-D operands dropped, so the matrix formulas apply."""
    if a.ndim == 1:
        a = a.reshape((1,) + a.shape)
        g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if b.ndim > 1 else g.reshape(g.shape + (1,))
    if b.ndim == 1:
        b = b.reshape(b.shape + (1,))
        g = g.reshape(g.shape + (1,))
    return g, a, b


def _matmul_vjp_a(g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return g @ b.T
    g2, a2, b2 = _as_matrices(g, a, b)
    da = g2 @ _mT(b2)
    return da.reshape(da.shape[:-2] + da.shape[-1:]) if a.ndim == 1 else da


def _matmul_vjp_b(g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    g2, a2, b2 = _as_matrices(g, a, b)
    db = _mT(a2) @ g2
    return db.reshape(db.shape[:-1]) if b.ndim == 1 else db


_MATMUL = (_matmul_vjp_a, _matmul_vjp_b)


# Forward mode: the output's tangent is linear in each input's tangent.
_MATMUL_JVP = (lambda t, out, a, b: t @ b, lambda t, out, a, b: a @ t)
