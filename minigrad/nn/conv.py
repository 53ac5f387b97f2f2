"""Convolution and pooling layers (PyTorch's names, arguments, layouts and initialisation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._rng import as_rng
from ..tensor import Tensor
from . import functional as F
from .layers import layer_size
from .module import Module

__all__ = ["Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d"]


def _ints(v: Any, n: int) -> tuple[int, ...]:
    return (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(i) for i in v)


class _ConvNd(Module):
    """Shared by Conv1d/Conv2d: weight (out, in/groups, *kernel), bias (out,).

    Initialisation as PyTorch's ``reset_parameters``: weight ~ U(−1/√fan_in, 1/√fan_in)
    (``kaiming_uniform_`` with a = √5) and bias ~ U(−1/√fan_in, 1/√fan_in), where
    fan_in = in_channels/groups · Π kernel. ``rng``: None (NumPy's global state),
    an int seed, a RandomState or a Generator.
    """

    _dims = 2
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        rng: Any = None,
        dtype: Any = np.float64,
    ):
        name = type(self).__name__
        in_channels = layer_size(in_channels, f"{name}: in_channels")
        out_channels = layer_size(out_channels, f"{name}: out_channels")
        groups = layer_size(groups, f"{name}: groups")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = tuple(layer_size(k, f"{name}: kernel_size") for k in _ints(kernel_size, self._dims))
        self.stride = tuple(layer_size(s, f"{name}: stride") for s in _ints(stride, self._dims))
        self.dilation = _ints(dilation, self._dims)
        F._pads(padding, self.kernel_size, self.stride, self.dilation, name)  # refused now, not at the first call
        self.padding = padding if isinstance(padding, str) else _ints(padding, self._dims)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        bound = 1.0 / math.sqrt(int(np.prod(shape[1:])))
        rng = as_rng(rng, name)
        self.weight = Tensor(rng.uniform(-bound, bound, shape), requires_grad=True, dtype=dtype)
        self.bias = (
            Tensor(rng.uniform(-bound, bound, (self.out_channels,)), requires_grad=True, dtype=dtype) if bias else None
        )

    def forward(self, x: Any) -> Tensor:
        fn = F.conv2d if self._dims == 2 else F.conv1d
        return fn(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, groups={self.groups}, bias={self.bias is not None}"
        )


class Conv2d(_ConvNd):
    """2-D convolution layer: (N, C_in, H, W) → (N, C_out, OH, OW); see ``nn.functional.conv2d``."""

    _dims = 2


class Conv1d(_ConvNd):
    """1-D convolution layer: (N, C_in, L) → (N, C_out, L_out); see ``nn.functional.conv1d``."""

    _dims = 1


class MaxPool2d(Module):
    """Max pooling layer; see ``nn.functional.max_pool2d`` (``stride`` defaults to ``kernel_size``)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ):
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Any) -> Any:
        return F.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool2d(Module):
    """Average pooling layer; see ``nn.functional.avg_pool2d``."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
