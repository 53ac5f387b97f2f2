"""Activation modules for the functions in ``nn.functional`` (PyTorch's names and arguments)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["GELU", "SiLU", "LeakyReLU", "ELU", "Softplus", "LogSigmoid"]


class GELU(Module):
    """x·Φ(x) (``approximate="tanh"``: the tanh formula); see ``nn.functional.gelu``."""

    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x·σ(x); see ``nn.functional.silu``."""

    def forward(self, x: Any) -> Tensor:
        return F.silu(x)


class LeakyReLU(Module):
    """x, or negative_slope·x where x ≤ 0; see ``nn.functional.leaky_relu``."""

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x, or α(eˣ − 1) where x ≤ 0; see ``nn.functional.elu``."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(βx))/β, computed as softplus(βx)/β with ``minigrad.ops.special.softplus``.

    Unlike PyTorch (which switches to the identity where βx > ``threshold`` = 20) it is exact
    everywhere; the two differ by < 1e-8 relative there. ``threshold`` is accepted for
    PyTorch compatibility and only used by ``interop.to_torch``.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, x: Any) -> Tensor:
        if self.beta == 1.0:
            return F.softplus(x)
        return F.softplus(x * self.beta) * (1.0 / self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """log σ(x) = −softplus(−x), stable; ``minigrad.ops.special.log_sigmoid``."""

    def forward(self, x: Any) -> Tensor:
        return F.log_sigmoid(x)
