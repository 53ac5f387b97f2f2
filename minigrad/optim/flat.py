"""The one flatten/unflatten helper: a list of parameters seen as a single float64 vector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tree import tree_leaves

__all__ = ["FlatParams"]


class FlatParams:
    """Concatenates parameters (raveled, in ``minigrad.tree`` order) into one float64 vector and back.

    ``params`` is a list of Tensors or any pytree of them (a dict keyed like
    ``named_parameters()``, nested lists): its leaves, flattened as
    ``tree_leaves`` orders them, as JAX's ``ravel_pytree`` does.

    ``get()`` reads the values, ``grad()`` the gradients (zeros where ``.grad``
    is None), ``set(x)`` writes a vector back into the parameters in place,
    cast to each parameter's dtype.
    """

    def __init__(self, params: Sequence[Tensor] | Any):
        self.params: list[Tensor] = tree_leaves(params)
        ends = np.cumsum([p.size for p in self.params])
        self.slices = [slice(int(e - p.size), int(e)) for p, e in zip(self.params, ends)]
        self.size = int(ends[-1]) if len(ends) else 0

    def get(self) -> np.ndarray:
        out = np.empty(self.size, dtype=np.float64)
        for p, s in zip(self.params, self.slices):
            out[s] = p.data.ravel()
        return out

    def grad(self) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float64)
        for p, s in zip(self.params, self.slices):
            if p.grad is not None:
                out[s] = np.ravel(p.grad)
        return out

    def set(self, x: np.ndarray) -> None:
        x = np.asarray(x)
        if x.shape != (self.size,):
            raise ValueError(f"FlatParams.set: expected a vector of shape ({self.size},), got {x.shape}")
        for p, s in zip(self.params, self.slices):
            p.data[...] = x[s].reshape(p.shape)
