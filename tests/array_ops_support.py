"""Helpers for the array-op tests: more input domains, and JVP rules run as a tiny forward mode.

Until minigrad's forward mode lands, ``jvp_by_rules`` checks the JVP rules that
the new ops pass to ``record``: it watches ``record`` in the new op modules while
``f`` runs, then pushes tangents through the recorded nodes in creation order,
calling each node's JVP rule on arrays (and, to check the recorded path, on
Tensors; both results must agree).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.ops import elementary, layout, linalg, stats

MODULES = (elementary, layout, linalg, stats)

# Domains beyond minigrad.testing's: where these ops are smooth and well conditioned.
EXTRA_DOMAINS: dict[str, st.SearchStrategy] = {
    "inside_unit": st.floats(-0.9, 0.9),  # arcsin, arccos, arctanh: away from the poles at ±1
    "tan": st.floats(-1.2, 1.2),  # tan: away from ±π/2
    "with_zeros": st.one_of(st.just(0.0), st.floats(-2, 2, allow_subnormal=False)),  # prod: exact zeros too
}


def domain_arrays(shape: Any, domain: str, dtype: Any = np.float64) -> st.SearchStrategy:
    """Arrays from ``EXTRA_DOMAINS[domain]`` (``shape`` a shape or a strategy for one)."""

    def build(s: tuple[int, ...]) -> st.SearchStrategy:
        return hnp.arrays(np.float64, s, elements=EXTRA_DOMAINS[domain]).map(lambda a: a.astype(dtype))

    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(build)
    return build(tuple(shape))


def jvp_by_rules(f: Callable[..., Any], primals: list[np.ndarray], tangents: list[np.ndarray]) -> tuple[Any, Any]:
    """(f(*primals), its directional derivative along ``tangents``) from the ops' JVP rules."""
    calls = []
    originals = {m: m.record for m in MODULES}

    def spy_for(module: Any) -> Callable[..., Any]:
        def spy(op: str, data: Any, parents: tuple, vjps: tuple, jvps: tuple | None = None) -> Any:
            out = originals[module](op, data, parents, vjps, jvps)
            assert jvps is not None and len(jvps) == len(parents), f"{op}: no JVP rule per input"
            calls.append((out, parents, jvps))
            return out

        return spy

    xs = [mg.Tensor(p, requires_grad=True) for p in primals]
    try:
        for m in MODULES:
            m.record = spy_for(m)
        y = f(*xs)
    finally:
        for m, r in originals.items():
            m.record = r
    tangent = {id(x): t for x, t in zip(xs, tangents)}
    for out, parents, jvps in calls:
        total = None
        for p, rule in zip(parents, jvps):
            if id(p) not in tangent:
                continue
            t = tangent[id(p)]
            part = rule(t, out.data, *[q.data for q in parents])
            # The same rule on Tensors (the path nesting with reverse mode takes) gives the same numbers.
            recorded = rule(mg.Tensor(t), out, *parents)
            np.testing.assert_allclose(np.asarray(getattr(recorded, "data", recorded)), part, rtol=1e-12, atol=1e-14)
            total = part if total is None else total + part
        if total is not None:
            tangent[id(out)] = np.broadcast_to(total, out.shape)
    return y.data, np.asarray(tangent[id(y)])


def check_jvp(f: Callable[..., Any], *primals: np.ndarray, seed: int = 0) -> None:
    """The JVP rules of ``f``'s ops against central differences and against the VJP (⟨u, J v⟩ = ⟨Jᵀ u, v⟩).

    Central differences with h = 1e-6 (float64) have error ~h²·|f'''| + ε|f|/h ≈ 1e-10 on
    the test domains, so rtol = 1e-6, atol = 1e-6 separate a right rule from a wrong one
    (off by O(1)). The two ways of computing ⟨u, J v⟩ agree to rounding: rtol = 1e-10.
    """
    rng = np.random.default_rng(seed)
    primals = [np.asarray(p, dtype=np.float64) for p in primals]
    vs = [rng.uniform(-1, 1, p.shape) for p in primals]
    y, jv = jvp_by_rules(f, primals, vs)
    h = 1e-6
    with mg.no_grad():
        plus = f(*[mg.Tensor(p + h * v) for p, v in zip(primals, vs)]).data
        minus = f(*[mg.Tensor(p - h * v) for p, v in zip(primals, vs)]).data
    np.testing.assert_allclose(jv, (plus - minus) / (2 * h), rtol=1e-6, atol=1e-6)
    u = rng.uniform(-1, 1, np.shape(y))
    xs = [mg.Tensor(p, requires_grad=True) for p in primals]
    out = f(*xs)
    if not out.requires_grad:
        return
    out.backward(u)
    vjp_side = sum(float(np.sum((x.grad if x.grad is not None else 0) * v)) for x, v in zip(xs, vs))
    jvp_side = float(np.sum(u * jv))
    np.testing.assert_allclose(jvp_side, vjp_side, rtol=1e-10, atol=1e-12)
