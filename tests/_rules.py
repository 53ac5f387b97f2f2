"""Test helpers for the JVP/VJP rules of primitives recorded by minigrad.nn (until forward mode lands).

``captured_rules`` spies on ``record`` in the given modules and returns the
(vjps, jvps) a call recorded under ``op``; ``check_rules`` compares the JVP rule
with central differences of the forward (the directional derivative) and with the
VJP rule (⟨u, J v⟩ computed both ways).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import minigrad as mg


@contextlib.contextmanager
def spy_record(monkeypatch: Any, *modules: Any) -> Iterator[list[tuple]]:
    """Inside the block, every ``record`` call of ``modules`` is appended as (op, parents, vjps, jvps)."""
    calls: list[tuple] = []
    for module in modules:
        original = module.record

        def spy(op, data, parents, vjps, jvps=None, _original=original):
            calls.append((op, parents, vjps, jvps))
            return _original(op, data, parents, vjps, jvps)

        monkeypatch.setattr(module, "record", spy)
    yield calls
    monkeypatch.undo()


def captured_rules(monkeypatch: Any, modules: tuple, op: str, f: Callable[[Any], Any], x: np.ndarray):
    """(output array, vjps, jvps) of the last ``op`` recorded while computing f(Tensor(x, requires_grad=True))."""
    with spy_record(monkeypatch, *modules) as calls:
        f(mg.Tensor(x, requires_grad=True))
    found = [c for c in calls if c[0] == op]
    assert found, f"{op} was not recorded; saw {[c[0] for c in calls]}"
    _, parents, vjps, jvps = found[-1]
    assert jvps is not None and len(jvps) == len(vjps) == len(parents), f"{op}: every input needs a JVP rule"
    return vjps, jvps, parents


def check_rules(
    monkeypatch: Any,
    modules: tuple,
    op: str,
    prim: Callable[[Any], Any],
    x: np.ndarray,
    seed: int = 0,
    h: float = 1e-6,
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> None:
    """``prim``: the primitive alone, array in (its one input), Tensor out (so forward differences are exact to h²).

    Tolerances: central differences of a smooth float64 function with h = 1e-6 are good to
    ~1e-9 relative, so 1e-6 relative (1e-8 absolute) catches any wrong factor or sign.
    """
    rng = np.random.default_rng(seed)
    vjps, jvps, parents = captured_rules(monkeypatch, modules, op, prim, x)
    out = prim(mg.Tensor(x)).data
    t = rng.standard_normal(x.shape)
    jv = np.broadcast_to(jvps[0](t, out, x), out.shape)
    fd = (prim(mg.Tensor(x + h * t)).data - prim(mg.Tensor(x - h * t)).data) / (2 * h)
    np.testing.assert_allclose(jv, fd, rtol=rtol, atol=atol, err_msg=f"{op}: JVP rule vs central differences")
    u = rng.standard_normal(out.shape)
    vj = np.broadcast_to(vjps[0](u, out, x), x.shape)
    np.testing.assert_allclose(
        np.sum(u * jv), np.sum(vj * t), rtol=1e-10, atol=1e-12, err_msg=f"{op}: <u, Jv> both ways"
    )
