"""Tensor methods for the NumPy-named array ops (issue 12), for the lead to attach to ``Tensor``.

``METHODS[name]`` is the function; as a method its first argument is the
tensor (``x.var(axis=0, ddof=1)`` is ``mg.var(x, axis=0, ddof=1)``). Attach with
``for name, fn in METHODS.items(): setattr(Tensor, name, fn)``. The names are
NumPy's ``ndarray`` methods (var, std, prod, cumsum, squeeze, flatten, ravel,
repeat, diagonal, dot, round) plus those PyTorch's Tensor has for the rest
(sin ... erf, sign, floor, ceil, flip, roll, tile, moveaxis, split, tril,
triu, outer, take_along_axis).
"""

from __future__ import annotations

from typing import Any

from . import elementary, layout, linalg, stats

__all__ = ["METHODS"]

METHODS: dict[str, Any] = {
    **{name: getattr(elementary, name) for name in elementary.__all__},
    "var": stats.var,
    "std": stats.std,
    "prod": stats.prod,
    "cumsum": stats.cumsum,
    "squeeze": layout.squeeze,
    "flatten": layout.flatten,
    "ravel": layout.ravel,
    "flip": layout.flip,
    "roll": layout.roll,
    "tile": layout.tile,
    "repeat": layout.repeat,
    "moveaxis": layout.moveaxis,
    "split": layout.split,
    "take_along_axis": layout.take_along_axis,
    "tril": layout.tril,
    "triu": layout.triu,
    "diagonal": layout.diagonal,
    "dot": linalg.dot,
    "outer": linalg.outer,
}
