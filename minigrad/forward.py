"""Forward mode: tangents carried alongside the forward pass (dual numbers, JVP rules).

Inside ``mg.jvp`` a *level* is open. An input carries a tangent for that level
in its ``_tangents`` dict, and ``record`` (the one place every op passes
through) calls ``propagate``, which gives the op's output the tangent

    t_out = Σ_i jvp_i(t_i, out, *inputs)

over the inputs that carry a tangent at that level (each JVP rule sits beside
its VJP in ``minigrad/ops``). Ops with many inputs (stack, concatenate) give
one joint rule ``jvp(tangents, out, *inputs)`` instead, with None for the
inputs that carry no tangent, so their cost stays linear in the inputs. No
graph is kept and no reverse pass is run.

Levels nest: ``jvp`` inside ``jvp`` (forward over forward), ``jvp`` of a
``grad`` (forward over reverse: the recorded backward pass is made of ops, so
tangents flow through it) and ``grad`` of a ``jvp`` (reverse over forward: the
tangent computations are ops, so they are recorded when they depend on a
tensor that requires grad). While the tangent of level L is computed, levels
L and above are hidden, so the tangent carries the outer levels' tangents (the
mixed derivatives) but never its own (no perturbation confusion).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .batching import Batched, Unbatchable
from .tracing import asarray

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = [
    "ForwardModeError",
    "open_level",
    "tangent_of",
    "set_tangent",
    "active",
    "repeated_calls",
    "check_repeatable",
]


class ForwardModeError(RuntimeError):
    """An op without a JVP rule (a custom op given none) met a tangent."""


class _State(threading.local):
    def __init__(self) -> None:
        self.levels: list[int] = []  # open levels, outermost first
        self.visible: int = 0  # levels[:visible] are seen by record()
        self.repeating: int = 0  # > 0 inside mg.jacfwd, which calls its function several times


_state = _State()
_next_level = itertools.count(1).__next__


def active() -> bool:
    """True while some level is open and visible in this thread (record's one check)."""
    return _state.visible > 0


@contextmanager
def open_level() -> Iterator[int]:
    """Open a new innermost level for one ``jvp`` call; yields its id."""
    level = _next_level()
    levels, visible = _state.levels, _state.visible
    _state.levels = levels[:visible] + [level]
    _state.visible = len(_state.levels)
    try:
        yield level
    finally:
        _state.levels, _state.visible = levels, visible


@contextmanager
def repeated_calls() -> Iterator[None]:
    """Inside, the differentiated function is called several times for one result (mg.jacfwd)."""
    _state.repeating += 1
    try:
        yield
    finally:
        _state.repeating -= 1


def check_repeatable(what: str) -> None:
    """Raise if ``what`` (a random draw, a state update) runs where one result mixes several calls."""
    if _state.repeating:
        raise RuntimeError(
            f"{what}, and mg.jacfwd calls the function once per block of input elements (once per element "
            "with chunk_size=1), so its Jacobian would mix several calls. Use mg.jacrev (one call), eval "
            "mode (model.eval()), or pass the random mask or the statistics in as arguments."
        )


def tangent_of(x: Any, level: int) -> Any:
    """``x``'s tangent at ``level`` (a Tensor), or None (a zero tangent)."""
    tangents = getattr(x, "_tangents", None)
    return None if tangents is None else tangents.get(level)


def set_tangent(x: Tensor, level: int, t: Tensor) -> None:
    from .tensor import _next_seq

    if x._tangents is None:
        x._tangents = {}
    x._tangents[level] = t
    if not x.requires_grad:  # a graph node keeps its place (its seq orders the backward walk)
        x._seq = _next_seq()  # when the tangent was set: a later in-place write into x's memory is seen


def _check_unwritten(op: str, parents: tuple[Tensor, ...]) -> None:
    """Raise if a parent's memory was written in place after its tangent was set (through another tensor
    that shares it, a view or its base): its value moved, its tangent did not."""
    from . import inplace

    for i, p in enumerate(parents):
        if p._tangents and type(p.data) is np.ndarray:
            owner = inplace._owner(p.data)
            entry = inplace._written.get(id(owner))
            if entry is not None and entry[0] > p._seq and (entry[3] is None or entry[3]() is owner):
                raise RuntimeError(
                    f"{op}: input {i} (shape {p.shape}) was modified by an in-place operation through a "
                    "tensor that shares its memory (a view, or the tensor it views) after its tangent was "
                    "computed, so forward mode would use a stale tangent. Compute it out of place"
                )


def propagate(out: Tensor, op: str, parents: tuple[Tensor, ...], jvps: Any) -> None:
    """Give ``out`` its tangent at every visible level from its parents' tangents (called by ``record``)."""
    from .tensor import Tensor, _wrap, passthrough

    state = _state
    levels, visible = state.levels, state.visible
    from . import inplace  # late: inplace imports tensor, which imports this module

    if inplace.last_write:
        _check_unwritten(op, parents)
    for depth in range(visible):
        level = levels[depth]
        carried = [(i, p._tangents[level]) for i, p in enumerate(parents) if p._tangents and level in p._tangents]
        if not carried:
            continue
        if jvps is None:
            raise ForwardModeError(
                f"{op}: this op has no forward-mode (JVP) rule; for a custom op pass jvp= to mg.custom_vjp"
            )
        # Plain arrays suffice when nothing else will look at this tangent's derivatives:
        # one level, and neither the op's inputs nor the tangents are being differentiated.
        plain = visible == 1 and not out.requires_grad and not any(t.requires_grad for _, t in carried)
        if not plain and any(type(t.data) is Batched for _, t in carried):
            raise Unbatchable(f"{op}: a block of tangents met a recorded (higher-order) pass")
        state.visible = depth  # hide this level and the inner ones while computing its tangent
        try:
            total = None
            if not isinstance(jvps, tuple):  # a joint rule for ops with many inputs (stack, concatenate)
                ts: list[Any] = [None] * len(parents)
                for i, t in carried:
                    ts[i] = t.data if plain else t
                args = [p.data for p in parents] if plain else parents
                total = jvps(ts, out.data if plain else out, *args)
                carried = []
            for i, t in carried:
                rule = jvps[i]
                if plain:
                    c = t.data if rule is passthrough else rule(t.data, out.data, *[p.data for p in parents])
                else:
                    c = t if rule is passthrough else rule(t, out, *parents)
                total = c if total is None else total + c
            if plain:
                if type(total) is not Batched:
                    total = asarray(total)  # a Box (traced by mg.compile) stays a Box
                if total.shape != out.data.shape:
                    total = np.broadcast_to(total, out.data.shape).copy()
                if total.dtype != out.data.dtype:
                    total = total.astype(out.data.dtype)
                tangent = _wrap(total)
            else:
                tangent = total if isinstance(total, Tensor) else _wrap(np.asarray(total))
                if tangent.shape != out.data.shape:
                    from .ops.shape import broadcast_to

                    tangent = broadcast_to(tangent, out.data.shape)
                if tangent.dtype != out.data.dtype:
                    from .ops.shape import astype

                    tangent = astype(tangent, out.data.dtype)
        finally:
            state.visible = visible
        set_tangent(out, level, tangent)
