"""One rule for turning a ``random_state``/``rng`` argument into a NumPy random source."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

__all__ = ["as_rng"]

RNG = Any  # np.random.Generator, np.random.RandomState, or the np.random module (global state)


def as_rng(rng: Any, caller: str) -> RNG:
    """None → NumPy's global state (so ``np.random.seed`` reproduces), int → ``RandomState(seed)``
    (as scikit-learn does), a ``RandomState`` or ``Generator`` → itself.

    Each result offers ``standard_normal``, ``random``, ``uniform``, ``normal``,
    ``shuffle`` and ``permutation``.
    """
    if rng is None or rng is np.random:
        return np.random
    if isinstance(rng, (np.random.RandomState, np.random.Generator)):
        return rng
    if isinstance(rng, Integral) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    raise TypeError(f"{caller}: rng must be None, an int seed, a RandomState or a Generator, not {type(rng).__name__}")
