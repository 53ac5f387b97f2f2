"""``mg.trace``: the tape autodiff recorded, as a table, and what backward does at each node.

tr = mg.trace(loss)                  # forward: op, inputs, shape, dtype and backward rule per node
tr = mg.trace(loss, backward=True)   # also runs loss.backward() and records every gradient
tr.grad_at("z2")                     # dL/dz2, the gradient that arrived at the node named z2
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import engine
from ..tensor import Tensor
from .rows import LEAF, Row, graph_rows
from .text import backward_table, forward_table, op_counts

__all__ = ["trace", "Trace", "Step", "Sent"]


@dataclass(frozen=True, slots=True)
class Sent:
    """The gradient one node sends to one input: ``rule`` in words, ``grad`` already in the input's shape."""

    to: int
    label: str
    rule: str
    grad: np.ndarray


@dataclass(frozen=True, slots=True)
class Step:
    """One node as backward visits it: ``grad`` is dL/d node (summed over all its uses), ``sent`` what it passes on."""

    row: int
    label: str
    grad: np.ndarray
    sent: tuple[Sent, ...]


class Trace:
    """The recorded graph of one output (``rows``, forward order) and, after backward, its ``steps``.

    ``str(trace)`` prints the forward table, then the backward one if backward ran.
    Large graphs are summarised: ``max_rows`` first and last rows, plus counts per op.
    """

    def __init__(self, rows: list[Row], steps: list[Step], notes: Mapping[str, str] | None, max_rows: int | None):
        self.rows = rows
        self.steps = steps
        self.notes = dict(notes or {})
        self.max_rows = max_rows
        self._by_row = {s.row: s for s in steps}
        self._by_id = {id(r.tensor): r.index for r in rows}
        self._by_label = {r.label: r.index for r in rows}

    @property
    def root(self) -> Row:
        """The output the trace starts from (the last row)."""
        return self.rows[-1]

    def row(self, key: str | Tensor | int) -> Row:
        """The row of a tensor, given the tensor itself, its label or name, or its index."""
        if isinstance(key, Tensor):
            if id(key) not in self._by_id:
                raise KeyError("trace: this tensor is not part of the traced graph")
            return self.rows[self._by_id[id(key)]]
        if isinstance(key, (int, np.integer)):
            return self.rows[key]
        if key in self._by_label:
            return self.rows[self._by_label[key]]
        named = [r.label for r in self.rows if r.name == key]
        if len(named) == 1:
            return self.rows[self._by_label[named[0]]]
        if named:
            raise KeyError(f"trace: {len(named)} tensors are named {key!r}: ask for one of {', '.join(named)}")
        raise KeyError(f"trace: no tensor labelled {key!r} in the graph of {self.root.label}")

    def step(self, key: str | Tensor | int) -> Step:
        """What backward did at a node: the gradient it received and what it sent on."""
        r = self.row(key)
        if not self.steps:
            raise RuntimeError("trace: backward was not traced; use mg.trace(y, backward=True)")
        if r.index not in self._by_row:
            raise KeyError(f"trace: {r.label} does not require grad, so backward sends it nothing")
        return self._by_row[r.index]

    def grad_at(self, key: str | Tensor | int) -> np.ndarray:
        """dL/d node: the gradient that arrived at a node during the traced backward."""
        return self.step(key).grad

    def counts(self) -> dict[str, int]:
        """Rows per op ("leaf" and "const" for the inputs), most frequent first."""
        return dict(op_counts(self.rows).most_common())

    def table(self, max_rows: int | None = None) -> str:
        """The forward table; ``max_rows=None`` shows every row."""
        return forward_table(self.rows, max_rows)

    def backward_table(self, max_rows: int | None = None) -> str:
        """The backward steps in visiting order; ``max_rows=None`` shows every step."""
        return backward_table(self.rows, self.steps, self.notes, max_rows)

    def __str__(self) -> str:
        text = self.table(self.max_rows)
        if self.steps:
            text += "\n\n" + self.backward_table(self.max_rows)
        return text

    def __repr__(self) -> str:
        back = f", backward: {len(self.steps)} steps" if self.steps else ""
        return f"<Trace of {self.root.label}: {len(self.rows)} nodes{back}>"

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def trace(
    y: Tensor,
    backward: bool = False,
    *,
    grad: Any = None,
    retain_graph: bool = False,
    notes: Mapping[str, str] | None = None,
    max_rows: int | None = 100,
) -> Trace:
    """The graph that made ``y``, in forward order; with ``backward=True`` also run ``y.backward(grad)``.

    Backward then fills ``.grad`` of the leaves as usual, and the trace keeps,
    for every node it visits, the gradient dL/d node it received and the
    gradient it sent each input. Looking never changes the graph: a traced
    backward keeps it, so ``mg.trace``, ``mg.draw`` and ``mg.to_dot`` (and
    another backward) can walk it afterwards. ``retain_graph`` is accepted
    for compatibility and has no effect.
    ``notes`` maps node names to text printed beside their gradient
    (``{"z2": "δ3 = ŷ − y"}``); ``max_rows`` limits ``str()`` of large graphs.
    """
    if not isinstance(y, Tensor):
        raise TypeError(f"trace: expected a Tensor, got {type(y).__name__}")
    rows = graph_rows(y)
    steps: list[Step] = []
    if backward:
        index = {id(r.tensor): r.index for r in rows}

        def hook(node: Tensor, g: Any, sent: list) -> None:
            r = rows[index[id(node)]]
            if r.kind == LEAF:
                g = np.array(g)  # the engine may hand this very array to .grad, which users update in place
            positions = [k for k, i in enumerate(r.inputs) if rows[i].requires_grad]
            out = []
            for k, (parent, gp) in zip(positions, sent):
                p = index[id(parent)]
                if rows[p].kind == LEAF:
                    gp = np.array(gp)
                out.append(Sent(p, rows[p].label, r.rules[k], gp))
            steps.append(Step(r.index, r.label, g, tuple(out)))

        engine.backward(y, grad, retain_graph=True, hook=hook)
    return Trace(rows, steps, notes, max_rows)
