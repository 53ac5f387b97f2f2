"""Hypothesis strategies for testing gradients of your own ops and models.

    from hypothesis import given
    from minigrad.testing import arrays, shapes

    @given(arrays(shapes(), domain="positive"))
    def test_my_log(x): ...

Domains keep inputs where an op is smooth and well conditioned, so finite
differences are a fair reference:

==============  ==========================================================
``"real"``      uniform-ish floats in [-3, 3]
``"positive"``  [0.2, 3]  (log, sqrt, a base of pow)
``"nonzero"``   |x| in [0.5, 3], either sign (divisors)
``"unit"``      (0.05, 0.95)  (probabilities)
``"separated"`` distinct values on a 0.1 grid offset by 0.05: no ties and
                no element within 0.05 of zero or of another element
                (max, min, relu, abs, maximum, clip)
==============  ==========================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .tensor import Tensor

__all__ = ["DOMAINS", "shapes", "broadcastable_shapes", "arrays", "tensors"]

DOMAINS = ("real", "positive", "nonzero", "unit", "separated")


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including 0-d and size-1 axes by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
) -> st.SearchStrategy:
    """Tuples of shapes that broadcast together (with stretched size-1 and missing leading axes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda b: b.input_shapes)


def _elements(domain: str) -> st.SearchStrategy:
    if domain == "real":
        return st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
    if domain == "positive":
        return st.floats(0.2, 3, allow_nan=False)
    if domain == "nonzero":
        return st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(0.5, 3)).map(lambda t: t[0] * t[1])
    if domain == "unit":
        return st.floats(0.05, 0.95)
    if domain == "separated":
        return st.integers(-30, 29).map(lambda k: k / 10 + 0.05)
    raise ValueError(f"unknown domain {domain!r}; choose from {DOMAINS}")


def arrays(shape: Any = None, domain: str = "real", dtype: Any = np.float64) -> st.SearchStrategy:
    """Arrays of ``shape`` (a shape or a strategy for one; default ``shapes()``) drawn from ``domain``."""
    shape = shapes() if shape is None else shape

    def build(shape_value: tuple[int, ...]) -> st.SearchStrategy:
        size = int(np.prod(shape_value))
        if domain == "separated" and size > 60:
            raise ValueError("arrays: the 'separated' domain has 60 distinct values; use a smaller shape")
        return hnp.arrays(np.float64, shape_value, elements=_elements(domain), unique=(domain == "separated")).map(
            lambda a: a.astype(dtype)
        )

    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(build)
    return build(tuple(shape))


def tensors(
    shape: Any = None, domain: str = "real", dtype: Any = np.float64, requires_grad: bool = True
) -> st.SearchStrategy:
    """Tensors (requiring grad by default) whose values come from ``arrays``."""
    return arrays(shape, domain, dtype).map(lambda a: Tensor(a, requires_grad=requires_grad))
