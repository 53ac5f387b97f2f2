"""How a node looks in ``mg.draw`` and ``mg.to_dot``: colours per kind, and the text on each node."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..tensor import Tensor
from .rows import CONST, LEAF, OP, Row, caption, graph_rows
from .trace import Trace

__all__ = ["STYLE", "LEGEND", "SIGMA", "rows_and_norms", "style_key", "node_lines", "sum_mark"]

# kind -> (fill, edge colour, line style); the output gets its own style.
STYLE: dict[str, tuple[str, str, Literal["solid", "dashed"]]] = {
    LEAF: ("#c7e9c0", "#31a354", "solid"),
    CONST: ("#f2f2f2", "#8c8c8c", "dashed"),
    OP: ("#dbe9f6", "#3a7dbf", "solid"),
    "output": ("#fdd0a2", "#d94801", "solid"),
}
LEGEND = {
    LEAF: "leaf (requires grad)",
    CONST: "constant (no grad)",
    OP: "op",
    "output": "output",
}
SIGMA = "#a50f15"  # colour of the "Σ axis" marks where backward sums a broadcast away


def rows_and_norms(y: Tensor | Trace, caller: str) -> tuple[list[Row], dict[int, float]]:
    """The rows of a Tensor's graph or a Trace, and (after a traced backward) ‖dL/d node‖ by row."""
    if isinstance(y, Trace):
        return y.rows, {s.row: float(np.linalg.norm(np.ravel(s.grad))) for s in y.steps}
    if isinstance(y, Tensor):
        return graph_rows(y), {}
    raise TypeError(f"{caller}: expected a Tensor or a Trace, got {type(y).__name__}")


def style_key(row: Row, rows: list[Row]) -> str:
    """The row's kind, or "output" for the last row."""
    return "output" if row.index == rows[-1].index else row.kind


def node_lines(row: Row, rows: list[Row], grads: dict[int, float] | None = None) -> list[str]:
    """A title (name, else op with its scalar constants) and details (op or id, shape; ‖g‖ after backward)."""
    shape = str(row.shape) if row.dtype == "float64" else f"{row.shape} {row.dtype}"
    if row.kind != OP:
        lines = [row.label, shape]
    elif row.name is not None:
        lines = [row.label, f"{caption(row, rows)}  {shape}"]
    else:
        lines = [caption(row, rows), f"{row.label}  {shape}"]
    if grads and row.index in grads:
        lines.append(f"‖g‖ {grads[row.index]:.3g}")
    return lines


def sum_mark(row: Row, source: int) -> str:
    """``"Σ axis 0"`` if backward sums a broadcast away on the edge from row ``source`` into ``row``, else ""."""
    axes = next((a for i, a in zip(row.inputs, row.summed) if i == source and a), ())
    if not axes:
        return ""
    return ("Σ axis " if len(axes) == 1 else "Σ axes ") + ", ".join(map(str, axes))
