"""Sequential and MLP: layers applied one after another."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._rng import as_rng
from .layers import ACTIVATIONS, Identity, Linear, layer_size
from .module import Module

__all__ = ["Sequential", "MLP"]


class Sequential(Module):
    """Modules (or plain functions) applied in order: ``Sequential(Linear(2, 3), Tanh(), Linear(3, 2))``.

    Parameters are named by position, ``"0.W"``, ``"2.b"``. Supports ``len``, indexing and iteration.
    """

    def __init__(self, *layers: Module | Callable[[Any], Any]):
        self.layers = list(layers)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), m) for i, m in enumerate(self.layers))

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Any:
        return self.layers[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)

    def append(self, layer: Module | Callable[[Any], Any]) -> Sequential:
        self.layers.append(layer)
        return self


def _activation(spec: Any, role: str) -> Module:
    """A module from a name (``"tanh"``), a Module class, a Module instance, or None (identity)."""
    if spec is None:
        return Identity()
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, type) and issubclass(spec, Module):
        return spec()
    if isinstance(spec, str) and spec in ACTIVATIONS:
        return ACTIVATIONS[spec]()
    raise ValueError(f"MLP: unknown {role} {spec!r}; choose one of {sorted(ACTIVATIONS)}, a Module, or None")


class MLP(Module):
    """A multilayer perceptron: Linear layers with ``activation`` between them and ``output`` after the last.

    ``MLP([2, 3, 2], activation="tanh", output="softmax")`` is the 2-H-2
    tutorial network; ``MLP([2, 3, 1], "sigmoid", "sigmoid", bias=False,
    init="normal")`` the 2-3-1 regression network; any number of layers works
    (``MLP([2, 5, 5, 2])`` for "four layers"). ``output=None`` returns logits,
    as the losses in ``mg.losses`` expect. Parameters are ``layers.0.W``,
    ``layers.0.b``, ``layers.1.W``… All layers draw from one random source, in
    order, so ``np.random.seed(0)`` then ``MLP([2, 3, 2])`` gives the
    tutorial's W1 = randn(2, 3)/√2 and W2 = randn(3, 2)/√3.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: Any = "tanh",
        output: Any = None,
        bias: bool = True,
        init: str | Callable[..., Any] = "scaled_normal",
        rng: Any = None,
        dtype: Any = np.float64,
    ):
        sizes = [layer_size(n, f"MLP: sizes[{i}]") for i, n in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes must list at least two layer widths (input and output), got {sizes}")
        rng = as_rng(rng, "MLP")
        self.sizes = sizes
        self.layers = [Linear(a, b, bias=bias, init=init, rng=rng, dtype=dtype) for a, b in zip(sizes, sizes[1:])]
        self.activation = _activation(activation, "activation")
        self.output = _activation(output, "output")

    def forward(self, x: Any) -> Any:
        *hidden, last = self.layers
        for layer in hidden:
            x = self.activation(layer(x))
        return self.output(last(x))

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"
