"""minigrad: small, fast, readable reverse-mode automatic differentiation on NumPy.

import minigrad as mg
W = mg.Tensor(np.random.randn(2, 3), requires_grad=True)
loss = mg.tanh(X @ W).sum()
loss.backward()          # W.grad now holds d loss / d W
"""

import sys as _sys
from typing import Any

if _sys.argv[:1] == ["-m"]:  # `python -m minigrad` is starting: a Ctrl-C while the package loads is one line
    try:
        from minigrad_launch import interrupt_exits as _interrupt_exits
    except ImportError:  # the package without its console-script module: Python's own handling
        _restore_sigint = None
    else:
        _restore_sigint = _interrupt_exits()

from ._numpy_api import floor_divide, remainder
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from .custom import CustomOp, SecondOrderError, custom_vjp
from .engine import GraphFreedError
from .forward import ForwardModeError
from .functional import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp
from .gradcheck import GradcheckError, GradcheckReport, GradcheckWarning, gradcheck
from .numerical import numerical_grad
from .ops import (
    abs,
    add,
    astype,
    broadcast_to,
    clip,
    concatenate,
    div,
    exp,
    expm1,
    log,
    log1p,
    log_sigmoid,
    log_softmax,
    logaddexp,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    norm,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    softplus,
    sqrt,
    stack,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    where,
    xlogy,
)
from .tape import draw, to_dot, trace
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "GraphFreedError",
    "grad",
    "value_and_grad",
    "hvp",
    "jacobian",
    "jacrev",
    "jacfwd",
    "jvp",
    "vjp",
    "ForwardModeError",
    "functional_call",
    "compile",
    "TracingError",
    "tree",
    "hessian",
    "numerical_grad",
    "gradcheck",
    "GradcheckError",
    "GradcheckReport",
    "GradcheckWarning",
    "custom_vjp",
    "CustomOp",
    "SecondOrderError",
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
    "reshape",
    "transpose",
    "swapaxes",
    "broadcast_to",
    "astype",
    "concatenate",
    "stack",
    "trace",
    "draw",
    "to_dot",
    "detect_anomaly",
    "is_anomaly_enabled",
    "AnomalyError",
    "remainder",
    "floor_divide",
]

# Models, losses, data and files, built on the Tensor API above.
from . import datasets, losses, nn, tree
from .compile import compile
from .io import LoadError, load, save
from .nn.stateless import functional_call
from .tracing import TracingError

__all__ += ["nn", "losses", "optim", "datasets", "save", "load", "LoadError", "fit", "History"]

# Loaded on first use, so that ``import minigrad`` does not import scipy.optimize
# (the BFGS bridge); matplotlib and hypothesis are likewise imported only where used.
_LAZY = {"optim": ("minigrad.optim", None), "fit": ("minigrad.train", "fit"), "History": ("minigrad.train", "History")}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
    import importlib

    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# NumPy-named array ops (issue 12). ``mg.trace`` stays the tape view (no matrix trace under that name).
from .ops import ARRAY_OPS as _ARRAY_OPS  # noqa: E402
from .ops import (  # noqa: E402
    arccos,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    ceil,
    cos,
    cosh,
    cumsum,
    diagonal,
    dot,
    einsum,
    erf,
    exp2,
    expand_dims,
    flatten,
    flip,
    floor,
    log2,
    log10,
    moveaxis,
    outer,
    pad,
    prod,
    ravel,
    reciprocal,
    repeat,
    roll,
    round,
    sign,
    sin,
    sinh,
    split,
    square,
    squeeze,
    std,
    take_along_axis,
    tan,
    tensordot,
    tile,
    tril,
    triu,
    var,
)

__all__ += _ARRAY_OPS

if _sys.argv[:1] == ["-m"] and _restore_sigint is not None:
    _restore_sigint()
