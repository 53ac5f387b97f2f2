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
