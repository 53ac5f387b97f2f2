"""Differentiable ops. Each module keeps every op's forward beside its VJP."""

from .arithmetic import add, div, matmul, mul, neg, pow, sub
from .elementwise import abs, clip, exp, log, maximum, minimum, relu, sigmoid, sqrt, tanh, where
from .reduce import max, mean, min, sum
from .shape import astype, broadcast_to, concatenate, getitem, reshape, scatter_add, stack, swapaxes, transpose
from .softmax import log_softmax, logsumexp, softmax, softmax_cross_entropy
from .special import expm1, log1p, log_sigmoid, logaddexp, norm, softplus, xlogy

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "neg",
    "matmul",
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
    "sum",
    "mean",
    "max",
    "min",
    "reshape",
    "transpose",
    "swapaxes",
    "broadcast_to",
    "astype",
    "getitem",
    "scatter_add",
    "concatenate",
    "stack",
    "logsumexp",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy",
    "norm",
    "log_sigmoid",
    "softplus",
    "logaddexp",
    "log1p",
    "expm1",
    "xlogy",
]

# NumPy-named array ops (issue 12): elementary functions, statistics, layout and products.
from .elementary import (  # noqa: E402
    arccos,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    ceil,
    cos,
    cosh,
    erf,
    exp2,
    floor,
    log2,
    log10,
    reciprocal,
    round,
    sign,
    sin,
    sinh,
    square,
    tan,
)
from .layout import (  # noqa: E402
    diagonal,
    expand_dims,
    flatten,
    flip,
    moveaxis,
    pad,
    ravel,
    repeat,
    roll,
    split,
    squeeze,
    take_along_axis,
    tile,
    tril,
    triu,
)
from .linalg import dot, einsum, outer, tensordot  # noqa: E402
from .stats import cumsum, prod, std, var  # noqa: E402

ARRAY_OPS = [
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
    "var",
    "std",
    "prod",
    "cumsum",
    "squeeze",
    "expand_dims",
    "flatten",
    "ravel",
    "flip",
    "roll",
    "tile",
    "repeat",
    "pad",
    "moveaxis",
    "split",
    "take_along_axis",
    "tril",
    "triu",
    "diagonal",
    "outer",
    "dot",
    "tensordot",
    "einsum",
]
__all__ += ARRAY_OPS


def _attach_methods() -> None:
    """The NumPy-named array ops as Tensor methods too (``x.var(ddof=1)`` is ``mg.var(x, ddof=1)``)."""
    from ..tensor import Tensor
    from .methods import METHODS

    for name, fn in METHODS.items():
        if name not in Tensor.__dict__:
            setattr(Tensor, name, fn)


_attach_methods()
