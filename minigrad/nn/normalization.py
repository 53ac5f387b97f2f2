"""LayerNorm, BatchNorm1d and BatchNorm2d (PyTorch's names, arguments, state and initialisation).

BatchNorm keeps ``running_mean``, ``running_var`` (float, shape (C,)) and
``num_batches_tracked`` (int64 scalar) as *buffers*: frozen Tensors
(``requires_grad=False``) listed by ``Module.named_buffers()``, saved by
``state_dict`` beside the parameters, changed only by a forward pass in
training mode (``model.train()``; ``model.eval()`` freezes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .. import forward
from ..tensor import Tensor
from . import functional as F
from .layers import layer_size
from .module import Module

__all__ = ["LayerNorm", "BatchNorm1d", "BatchNorm2d"]


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes; weight 1, bias 0 at start (PyTorch ``nn.LayerNorm``)."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = np.float64,
    ):
        shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, float(eps)
        self.weight = Tensor(np.ones(shape), requires_grad=True, dtype=dtype) if elementwise_affine else None
        self.bias = Tensor(np.zeros(shape), requires_grad=True, dtype=dtype) if elementwise_affine and bias else None

    def forward(self, x: Any) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d.  ``momentum=None`` averages all batches seen (1/num_batches_tracked), as PyTorch.

    ``track_running_stats=False``: no buffers; batch statistics in both modes.
    """

    _ndims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
    ):
        c = layer_size(num_features, f"{type(self).__name__}: num_features")
        self.num_features, self.eps, self.momentum = c, float(eps), momentum
        self.weight = Tensor(np.ones(c), requires_grad=True, dtype=dtype) if affine else None
        self.bias = Tensor(np.zeros(c), requires_grad=True, dtype=dtype) if affine else None
        self.track_running_stats = track_running_stats
        # the buffers: None exactly when not track_running_stats
        self.running_mean: Tensor | None
        self.running_var: Tensor | None
        self.num_batches_tracked: Tensor | None
        if track_running_stats:
            self.running_mean = Tensor(np.zeros(c), dtype=dtype)
            self.running_var = Tensor(np.ones(c), dtype=dtype)
            self.num_batches_tracked = Tensor(np.zeros((), dtype=np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, count 0."""
        if self.track_running_stats:
            cast(Tensor, self.running_mean).data[...] = 0
            cast(Tensor, self.running_var).data[...] = 1
            cast(Tensor, self.num_batches_tracked).data[...] = 0

    def forward(self, x: Any) -> Tensor:
        ndim = np.ndim(x.data if isinstance(x, Tensor) else x)
        if ndim not in self._ndims:
            raise ValueError(
                f"{type(self).__name__}: expected a {' or '.join(map(str, self._ndims))}-D input, got {ndim}-D"
            )
        use_batch = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            forward.check_repeatable(f"{type(self).__name__} in training mode updates its running statistics")
            tracked = cast(Tensor, self.num_batches_tracked)  # a buffer: track_running_stats
            tracked.data[...] += 1
            if self.momentum is None:
                momentum = 1.0 / float(tracked.data)
        keep = self.training and self.track_running_stats
        return F.batch_norm(
            x,
            self.running_mean if keep or not use_batch else None,
            self.running_var if keep or not use_batch else None,
            self.weight,
            self.bias,
            use_batch,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.weight is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over N (and L) per channel (PyTorch ``nn.BatchNorm1d``)."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over N, H, W per channel (PyTorch ``nn.BatchNorm2d``)."""

    _ndims = (4,)
