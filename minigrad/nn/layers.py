"""Linear layer and activation modules."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops
from .._rng import as_rng
from ..tensor import Tensor
from .init import init_weight
from .module import Module

__all__ = ["Linear", "Tanh", "Sigmoid", "ReLU", "Softmax", "LogSoftmax", "Identity", "ACTIVATIONS"]


def layer_size(value: Any, what: str) -> int:
    """``value`` as a layer width: an integer >= 1 (Python or NumPy); else an error naming ``what``.

    3.7 or "3" are refused rather than truncated; bools are refused too.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an integer >= 1, got {value!r}")
    try:
        size = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer >= 1, got {value!r} ({type(value).__name__})") from None
    if size < 1:
        raise ValueError(f"{what} must be an integer >= 1, got {size}")
    return size


class Linear(Module):
    """z = x W + b, with W of shape (in_features, out_features) and b of shape (out_features,).

    The layout is the tutorials' (``X.dot(W1) + b1``); b is 1-D and broadcasts
    over the rows of x (the tutorials' (1, H) row gives the same numbers).
    ``init``: ``"scaled_normal"``/``"tutorial"`` (randn/√fan_in), ``"uniform"``
    (2·random−1), ``"normal"`` (randn), ``"xavier"``, ``"he"``, or a function
    ``init(shape, rng)``. ``rng``: None uses NumPy's global state (so
    ``np.random.seed`` reproduces the tutorials), an int seeds a
    ``RandomState``, or pass a ``RandomState``/``Generator``. Biases start at 0.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str | Callable[..., Any] = "scaled_normal",
        rng: Any = None,
        dtype: Any = np.float64,
    ):
        self.in_features = layer_size(in_features, "Linear: in_features")
        self.out_features = layer_size(out_features, "Linear: out_features")
        self.init = init
        w = init_weight(init, (self.in_features, self.out_features), as_rng(rng, "Linear"))
        self.W = Tensor(w, requires_grad=True, dtype=dtype)
        self.b = Tensor(np.zeros(self.out_features), requires_grad=True, dtype=dtype) if bias else None

    def forward(self, x: Any) -> Tensor:
        z = ops.matmul(x, self.W)
        return z if self.b is None else z + self.b

    def extra_repr(self) -> str:
        init = self.init if isinstance(self.init, str) else getattr(self.init, "__name__", "custom")
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.b is not None}, init={init!r}, dtype={self.W.dtype}"
        )


class Identity(Module):
    """x → x."""

    def forward(self, x: Any) -> Any:
        return x


class Tanh(Module):
    """tanh x.  d/dx = 1 − tanh² x."""

    def forward(self, x: Any) -> Tensor:
        return ops.tanh(x)


class Sigmoid(Module):
    """1 / (1 + e^−x).  d/dx = σ(x)(1 − σ(x))."""

    def forward(self, x: Any) -> Tensor:
        return ops.sigmoid(x)


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Any) -> Tensor:
        return ops.relu(x)


class Softmax(Module):
    """e^x / Σ e^x along ``axis`` (max-shifted, stable)."""

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return ops.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    """x − log Σ e^x along ``axis`` (max-shifted, stable)."""

    def forward(self, x: Any) -> Tensor:
        return ops.log_softmax(x, self.axis)


ACTIVATIONS: dict[str, type[Module]] = {
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "relu": ReLU,
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
    "identity": Identity,
    "linear": Identity,
}
