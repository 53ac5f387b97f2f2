"""Weight initialisations, by name, drawn from one random source.

Weights have shape (fan_in, fan_out), as in the tutorials (z = x W + b).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._rng import RNG

__all__ = ["INITS", "init_weight"]


def _scaled_normal(shape: tuple[int, int], rng: RNG) -> np.ndarray:
    """randn / √fan_in: the 2-H-2 tutorial's init (LeCun normal)."""
    return rng.standard_normal(shape) / np.sqrt(shape[0])


def _uniform(shape: tuple[int, int], rng: RNG) -> np.ndarray:
    """2·U[0, 1) - 1: Trask's 3-4-1 init, uniform on [-1, 1)."""
    return 2 * rng.random(shape) - 1


def _normal(shape: tuple[int, int], rng: RNG) -> np.ndarray:
    """Plain randn: the 2-3-1 regression tutorial's init."""
    return rng.standard_normal(shape)


def _xavier(shape: tuple[int, int], rng: RNG) -> np.ndarray:
    """Glorot uniform: U[-a, a] with a = √(6 / (fan_in + fan_out))."""
    a = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-a, a, shape)


def _he(shape: tuple[int, int], rng: RNG) -> np.ndarray:
    """He normal: randn · √(2 / fan_in), for ReLU layers."""
    return rng.standard_normal(shape) * np.sqrt(2.0 / shape[0])


INITS: dict[str, Callable[[tuple[int, int], RNG], np.ndarray]] = {
    "scaled_normal": _scaled_normal,
    "tutorial": _scaled_normal,
    "uniform": _uniform,
    "normal": _normal,
    "xavier": _xavier,
    "he": _he,
}


def init_weight(init: str | Callable[[tuple[int, int], RNG], Any], shape: tuple[int, int], rng: RNG) -> np.ndarray:
    """A float64 weight array of ``shape`` drawn by the named init (or a callable ``init(shape, rng)``)."""
    if callable(init):
        w = np.asarray(init(shape, rng), dtype=np.float64)
        if w.shape != shape:
            raise ValueError(f"init: the init function returned shape {w.shape}, expected {shape}")
        return w
    try:
        fn = INITS[init]
    except KeyError:
        raise ValueError(f"init: unknown init {init!r}; choose one of {sorted(INITS)} or pass a function") from None
    return fn(shape, rng)
