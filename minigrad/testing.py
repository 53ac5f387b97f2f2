"""Hypothesis strategies and gradient property tests, for your own ops and models.

    from hypothesis import given
    from minigrad.testing import arrays, shapes, gradient_property, assert_gradients_match

    test_my_log = gradient_property(my_log, arrays(shapes(), domain="positive"))

    @given(arrays(shapes(), domain="positive"))
    def test_my_log_by_hand(x):
        assert_gradients_match(my_log, x, order=2)

``assert_gradients_match`` is ``mg.gradcheck`` (autodiff against central
differences, non-scalar outputs through a seeded random projection). In
float64 it allows rtol = 1e-5, atol = 1e-6: inputs lie in [-3, 3] and the step
is h ≈ 6e-6·max(1, |x|), so the central-difference error is about
h²·|f'''| + ε·|f|/h ≈ 1e-9 on the domains below, four orders of magnitude under
any wrong derivative (an error in a formula shows up at O(1)). ``order=2``
also checks a Hessian-vector product. Our own op tests use exactly this.

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

``STABLE_PRIMITIVES`` lists the stable primitives (``mg.norm``, ``mg.softplus``,
...) with the domain each argument is drawn from, and
``primitive_gradient_property(name)`` turns an entry into a hypothesis test
(broadcast shapes for the binary ones, second order by default).

This module needs hypothesis (``pip install "minigrad-np[test]"``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from hypothesis import given
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as exc:  # the [test] extra is not installed
    raise ImportError(
        "minigrad.testing needs hypothesis, which comes with the [test] extra: "
        'pip install "minigrad-np[test]" (or pip install hypothesis)'
    ) from exc

from . import ops
from .gradcheck import GradcheckReport, function_name, gradcheck
from .tensor import Tensor

__all__ = [
    "DOMAINS",
    "shapes",
    "broadcastable_shapes",
    "matmul_shapes",
    "arrays",
    "tensors",
    "labels",
    "layer_sizes",
    "assert_gradients_match",
    "gradient_property",
    "STABLE_PRIMITIVES",
    "primitive_gradient_property",
]

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


def matmul_shapes(max_batch_dims: int = 2, max_side: int = 4) -> st.SearchStrategy:
    """Pairs (a, b) that ``a @ b`` accepts: vectors, matrices, and stacks with broadcasting batch axes."""

    @st.composite
    def build(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
        n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
        batch_a, batch_b = draw(broadcastable_shapes(2, max_dims=max_batch_dims, max_side=3))
        a = (k,) if draw(st.booleans()) and not batch_a else (*batch_a, n, k)
        b = (k,) if draw(st.booleans()) and not batch_b else (*batch_b, k, m)
        return a, b

    return build()


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


def labels(n: int, classes: int) -> st.SearchStrategy:
    """Integer class labels: arrays of shape (n,) with values in [0, classes)."""
    return hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1))


def layer_sizes(n_layers: int, min_size: int = 1, max_size: int = 5) -> st.SearchStrategy:
    """Tuples of ``n_layers`` layer widths, e.g. (inputs, hidden, outputs) for ``n_layers=3``."""
    return st.tuples(*[st.integers(min_size, max_size)] * n_layers)


def assert_gradients_match(
    f: Callable[..., Any],
    *inputs: Any,
    order: int = 1,
    rtol: float | None = None,
    atol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
) -> GradcheckReport:
    """Assert that autodiff of ``f`` matches central differences for every checked input, up to ``order``,
    in both modes: reverse mode against central differences, and forward mode (``mg.jvp`` along random
    directions, each op's JVP rule) against reverse mode, ⟨u, J v⟩ computed both ways.

    ``mg.gradcheck`` with its default tolerances (see the module docstring);
    raises ``mg.GradcheckError`` (an ``AssertionError``) with a readable report.
    """
    return gradcheck(f, *inputs, rtol=rtol, atol=atol, eps=eps, order=order, seed=seed)


def gradient_property(
    f: Callable[..., Any], *strategies: st.SearchStrategy, order: int = 1, **options: Any
) -> Callable[..., None]:
    """A hypothesis test: for inputs drawn from ``strategies``, ``f``'s gradients match finite differences.

    Assign it to a ``test_`` name in a test module and pytest runs it:
    ``test_my_op = gradient_property(my_op, arrays(domain="positive"), order=2)``.
    ``options`` go to ``assert_gradients_match`` (rtol, atol, eps, seed).
    """

    @given(st.tuples(*strategies))
    def test(inputs: tuple) -> None:
        assert_gradients_match(f, *inputs, order=order, **options)

    test.__name__ = f"test_gradients_of_{function_name(f)}".replace("<lambda>", "lambda")
    return test


# The stable primitives of minigrad.ops.special and the domain of each argument:
# smooth there, so finite differences are a fair reference (norm is not
# differentiable at 0, hence "nonzero"; log1p needs x > -1, xlogy y > 0).
STABLE_PRIMITIVES: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "norm": (ops.norm, ("nonzero",)),
    "norm over the last axis": (lambda x: ops.norm(x, axis=-1) if x.ndim else ops.norm(x), ("nonzero",)),
    "log_sigmoid": (ops.log_sigmoid, ("real",)),
    "softplus": (ops.softplus, ("real",)),
    "logaddexp": (ops.logaddexp, ("real", "real")),
    "log1p": (ops.log1p, ("positive",)),
    "expm1": (ops.expm1, ("real",)),
    "xlogy": (ops.xlogy, ("real", "positive")),
}


def primitive_gradient_property(name: str, order: int = 2, **options: Any) -> Callable[..., None]:
    """A hypothesis test of ``STABLE_PRIMITIVES[name]``: gradients match finite differences up to ``order``.

    One-argument primitives get ``shapes()``; two-argument ones get shapes from
    ``broadcastable_shapes()``, so un-broadcasting is checked too. ``options``
    go to ``assert_gradients_match`` (rtol, atol, eps, seed).
    """
    f, domains = STABLE_PRIMITIVES[name]
    if len(domains) == 1:
        inputs = st.tuples(arrays(shapes(), domains[0]))
    else:
        inputs = broadcastable_shapes(len(domains)).flatmap(
            lambda s: st.tuples(*[arrays(shape, domain) for shape, domain in zip(s, domains)])
        )

    @given(inputs)
    def test(xs: tuple) -> None:
        assert_gradients_match(f, *xs, order=order, **options)

    test.__name__ = "test_gradients_of_" + name.replace(" ", "_")
    return test
