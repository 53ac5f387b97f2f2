"""The one flatten/unflatten helper: a list of parameters seen as a single float64 vector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tree import tree_leaves
from .base import checked_grad

__all__ = ["FlatParams"]


class FlatParams:
    """Concatenates parameters (raveled, in ``minigrad.tree`` order) into one float64 vector and back.

    ``params`` is a list of Tensors or any pytree of them (a dict keyed like
    ``named_parameters()``, nested lists): its leaves, flattened as
    ``tree_leaves`` orders them, as JAX's ``ravel_pytree`` does.

    ``get()`` reads the values, ``grad()`` the gradients (zeros where ``.grad``
    is None), ``set(x)`` writes a vector back into the parameters in place,
    cast to each parameter's dtype. ``names`` (one per leaf, "param i" by
    default) name the parameters in errors.
    """

    def __init__(self, params: Sequence[Tensor] | Any, names: Sequence[str] | None = None):
        self.params: list[Tensor] = tree_leaves(params)
        self.names = [f"param {i}" for i in range(len(self.params))] if names is None else list(names)
        if len(self.names) != len(self.params):
            raise ValueError(f"FlatParams: {len(self.names)} names for {len(self.params)} parameters")
        ends = np.cumsum([p.size for p in self.params])
        self.slices = [slice(int(e - p.size), int(e)) for p, e in zip(self.params, ends)]
        self.size = int(ends[-1]) if len(ends) else 0

    def get(self) -> np.ndarray:
        """The values as one float64 vector."""
        out = np.empty(self.size, dtype=np.float64)
        for p, s in zip(self.params, self.slices):
            out[s] = p.data.ravel()
        return out

    def grad(self, caller: str = "FlatParams.grad") -> np.ndarray:
        """The gradients as one vector; ``ValueError`` (prefixed by ``caller``) naming a parameter whose
        gradient's shape is not its own."""
        out = np.zeros(self.size, dtype=np.float64)
        for name, p, s in zip(self.names, self.params, self.slices):
            g = checked_grad(caller, name, p)
            if g is not None:
                out[s] = g.ravel()
        return out

    def set(self, x: np.ndarray) -> None:
        """Write ``x`` into the parameters in place; ``ValueError`` if it is not a vector of ``size`` elements."""
        x = np.asarray(x)
        if x.shape != (self.size,):
            raise ValueError(f"FlatParams.set: expected a vector of shape ({self.size},), got {x.shape}")
        for p, s in zip(self.params, self.slices):
            p.data[...] = x[s].reshape(p.shape)
