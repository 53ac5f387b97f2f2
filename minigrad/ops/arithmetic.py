"""Arithmetic: + - * / ** and matmul, each forward beside its VJPs.

Every VJP has the signature ``(g, out, a, b)`` and returns the gradient for
one input, possibly in the broadcast shape (the engine reduces it). The same
formula serves NumPy arrays (plain backward) and Tensors (higher order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, constant_like, passthrough, record
from ._dual import log_

__all__ = ["add", "sub", "mul", "div", "pow", "neg", "matmul"]


def _operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors; a Python number takes the other operand's float dtype."""
    if type(a) is not Tensor:
        b = as_tensor(b)
        a = constant_like(a, b)
    elif type(b) is not Tensor:
        b = constant_like(b, a)
    return a, b


def binary(op: str, fn: Any, a: Any, b: Any, vjps: tuple) -> Tensor:
    """Apply the NumPy ufunc ``fn`` to two broadcastable operands and record the node."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _operands(a, b)
    try:
        data = fn(a.data, b.data)
    except ValueError:
        raise ValueError(
            f"{op}: operands could not be broadcast together with shapes {a.shape} and {b.shape}"
        ) from None
    return record(op, data, (a, b), vjps)


def add(a: Any, b: Any) -> Tensor:
    """a + b.  d/da = 1, d/db = 1."""
    return binary("add", np.add, a, b, _ADD)


_ADD = (passthrough, passthrough)


def sub(a: Any, b: Any) -> Tensor:
    """a - b.  d/da = 1, d/db = -1."""
    return binary("sub", np.subtract, a, b, _SUB)


_SUB = (passthrough, lambda g, out, a, b: -g)


def mul(a: Any, b: Any) -> Tensor:
    """a * b.  d/da = b, d/db = a."""
    return binary("mul", np.multiply, a, b, _MUL)


_MUL = (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)


def div(a: Any, b: Any) -> Tensor:
    """a / b.  d/da = 1/b, d/db = -a/b² = -out/b."""
    return binary("div", np.true_divide, a, b, _DIV)


_DIV = (lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b)


def pow(a: Any, b: Any) -> Tensor:
    """a ** b.  d/da = b a^(b-1), d/db = out · log a (defined for a > 0)."""
    return binary("pow", np.power, a, b, _POW)


def _pow_vjp_base(g, out, a, b):
    if type(b) is np.ndarray and b.ndim == 0 and b == 2:
        return g * 2 * a  # the common square: skip the power
    return g * b * a ** (b - 1)


_POW = (_pow_vjp_base, lambda g, out, a, b: g * out * log_(a))


def neg(a: Any) -> Tensor:
    """-a."""
    a = as_tensor(a)
    return record("neg", np.negative(a.data), (a,), _NEG)


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
    return record("matmul", data, (a, b), _MATMUL)


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
