"""``mg.detect_anomaly()``: backward names the first op whose gradient is nan or inf, and catches ``.data`` writes.

    with mg.detect_anomaly():
        y = mg.sqrt(x).sum()
        y.backward()            # AnomalyError: names 'sqrt', where it was created, and the input

Inside the block (per thread; also usable as a decorator, bare or called),
every op records the source line of the user's code that created it, the
names the user's variables give its inputs, and a checksum of each array its
backward may read (its inputs and its output). Backward then

- checks every gradient an op produces and raises ``AnomalyError`` at the
  first nan or inf, naming the op, its input shapes, the line that created it
  and the input that received the bad value (index of the first bad element);
- before running an op's backward, recomputes the checksums and raises
  ``AnomalyError`` naming the tensor if one changed: this catches writes
  through ``.data`` (``x.data += 10``), which the version counters do not see.

A graph recorded outside the block still gets the nan/inf checks when its
backward runs inside. Off (the default), it costs nothing measurable: while
no mode switch is open, ``record`` tests one module counter (which it needed
anyway for ``no_grad``), and backward one local flag per node walked. On, it costs a checksum of every array and a frame
walk per op: use it to debug, not to train.
"""

from __future__ import annotations

import linecache
import os
import sys
import zlib
from types import FrameType
from typing import Any, cast

import numpy as np

from .tensor import ModeSwitch, Tensor, _mode

__all__ = ["detect_anomaly", "AnomalyError", "is_anomaly_enabled"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class AnomalyError(RuntimeError):
    """Backward produced a nan or inf, or read an array changed since it was recorded (``detect_anomaly``)."""


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` in this thread."""
    return _mode.anomaly


class detect_anomaly(ModeSwitch):  # noqa: N801 - named like PyTorch's, used like no_grad
    """Check backward for nan/inf and stale arrays (per thread): ``with mg.detect_anomaly():`` or a decorator."""

    _attr = "anomaly"
    _flag = True


class _Note:
    """What anomaly mode keeps about one node: where it was made, its inputs' names, checksums."""

    __slots__ = ("where", "names", "sums")

    def __init__(self, where: str, names: tuple[str | None, ...], sums: tuple[int, ...]):
        self.where = where
        self.names = names
        self.sums = sums


def _checksum(a: np.ndarray) -> int:
    # an ndarray is a buffer; numpy's stubs declare __buffer__ only for Python >= 3.12
    return zlib.crc32(np.ascontiguousarray(a).view(np.uint8).reshape(-1)) ^ hash(a.shape)  # type: ignore[arg-type]


def _user_frame() -> Any:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def note(t: Tensor) -> None:
    """Called by ``record`` in anomaly mode: remember where ``t``'s op was made and what its backward reads."""
    parents = cast("tuple[Tensor, ...]", t._parents)  # record() notes only nodes with inputs
    frame = _user_frame()
    names: tuple[str | None, ...]  # the inputs' names where known
    where, names = "an unknown place", (None,) * len(parents)
    if frame is not None:
        filename, line = frame.f_code.co_filename, frame.f_lineno
        code = linecache.getline(filename, line).strip()
        where = f"{filename}:{line}" + (f": {code}" if code else "")
        local = {id(v): k for k, v in frame.f_locals.items() if isinstance(v, Tensor)}
        names = tuple(p.name or local.get(id(p)) for p in parents)
    sums = tuple(_checksum(x.data) for x in (t, *parents))
    t._anomaly = _Note(where, names, sums)


def _input(node: Tensor, i: int, note: _Note | None) -> str:
    p = cast("tuple[Tensor, ...]", node._parents)[i]  # a node that ran a backward has inputs
    name = (note.names[i] if note is not None else None) or p.name
    kind = "a leaf" if p._vjps is None else f"made by {p._op!r}"
    return f"input {i}" + (f" {name!r}" if name else "") + f" ({kind}, shape {p.shape}, dtype {p.dtype})"


def _made(node: Tensor, note: _Note | None) -> str:
    shapes = ", ".join(str(p.shape) for p in cast("tuple[Tensor, ...]", node._parents))  # it has inputs
    where = f", created at {note.where}" if note is not None else " (recorded outside detect_anomaly(): line unknown)"
    return f"{node._op!r} (inputs of shapes {shapes}{where})"


def check_inputs(node: Tensor) -> None:
    """Raise if an array ``node``'s backward reads changed since the node was recorded."""
    note = getattr(node, "_anomaly", None)
    if note is None:
        return
    for i, x in enumerate((node, *cast("tuple[Tensor, ...]", node._parents))):  # it has inputs
        if _checksum(x.data) != note.sums[i]:
            what = f"the output (shape {node.shape})" if i == 0 else _input(node, i - 1, note)
            raise AnomalyError(
                f"detect_anomaly: {what} of {_made(node, note)} was modified in place after the op was "
                "recorded (a write through .data, or into an array it shares), so its backward would read "
                "the new values and give a wrong gradient"
            )


def check_grad(node: Tensor, parent: Tensor, g: Any) -> None:
    """Raise if the gradient ``node``'s backward sent to ``parent`` holds a nan or an inf."""
    a = g.data if type(g) is Tensor else np.asarray(g)
    if np.isfinite(a).all():
        return
    note = getattr(node, "_anomaly", None)
    i = next(k for k, p in enumerate(cast("tuple[Tensor, ...]", node._parents)) if p is parent)  # it has inputs
    bad = np.argwhere(~np.isfinite(a))[0]
    kind = "nan" if np.isnan(a[tuple(bad)]) else "inf"
    raise AnomalyError(
        f"detect_anomaly: the backward of {_made(node, note)} produced {kind} in the gradient for "
        f"{_input(node, i, note)}, first at index {tuple(int(b) for b in bad)}"
    )
