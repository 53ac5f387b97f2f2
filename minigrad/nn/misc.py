"""Flatten, Dropout and Embedding layers (PyTorch's names and arguments)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._rng import as_rng
from ..tensor import Tensor, as_tensor
from . import functional as F
from .layers import layer_size
from .module import Module

__all__ = ["Flatten", "Dropout", "Embedding"]


class Flatten(Module):
    """Merge axes ``start_dim``..``end_dim`` into one: (N, C, H, W) → (N, C·H·W) by default (PyTorch ``nn.Flatten``)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        nd = x.ndim
        a, b = self.start_dim % nd if nd else 0, self.end_dim % nd if nd else 0
        if a > b:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} for shape {x.shape}"
            )
        return x.reshape(*x.shape[:a], int(np.prod(x.shape[a : b + 1])), *x.shape[b + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """``nn.functional.dropout`` with probability ``p`` in training mode; the identity after ``eval()``.

    ``rng``: None (NumPy's global state), an int seed, a RandomState or a Generator; the module
    keeps it, so a seeded Dropout gives a reproducible sequence of masks.
    """

    def __init__(self, p: float = 0.5, rng: Any = None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must lie in [0, 1], got {p}")
        self.p = float(p)
        self.rng = as_rng(rng, "Dropout")

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table ``weight`` (num_embeddings, embedding_dim) ~ N(0, 1), row ``padding_idx`` zero (PyTorch)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        rng: Any = None,
        dtype: Any = np.float64,
    ):
        self.num_embeddings = layer_size(num_embeddings, "Embedding: num_embeddings")
        self.embedding_dim = layer_size(embedding_dim, "Embedding: embedding_dim")
        if padding_idx is not None and not -self.num_embeddings <= padding_idx < self.num_embeddings:
            raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for {num_embeddings} embeddings")
        self.padding_idx = None if padding_idx is None else int(padding_idx) % self.num_embeddings
        w = as_rng(rng, "Embedding").standard_normal((self.num_embeddings, self.embedding_dim))
        if self.padding_idx is not None:
            w[self.padding_idx] = 0
        self.weight = Tensor(w, requires_grad=True, dtype=dtype)

    def forward(self, idx: Any) -> Tensor:
        return F.embedding(idx, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
