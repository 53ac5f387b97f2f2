"""Plain-text tables of a trace: the forward graph, and what backward did at each node."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from .rows import CONST, LEAF, OP, Row, shown_rows

__all__ = ["forward_table", "backward_table", "describe", "op_counts"]


def describe(a: np.ndarray, values: int = 3) -> str:
    """``(8, 2)  ‖·‖ 1.23  [0.1, -0.2, 0.3, …]``: shape, 2-norm and the first few values."""
    flat = np.ravel(a)
    shown = ", ".join(f"{v:.4g}" for v in flat[:values].tolist())
    more = ", …" if flat.size > values else ""
    norm = float(np.linalg.norm(flat)) if flat.size else 0.0
    return f"{a.shape}  ‖·‖ {norm:.4g}  [{shown}{more}]"


def op_counts(rows: Sequence[Row]) -> Counter:
    """How many rows of each op; leaves and constants counted as "leaf" and "const"."""
    return Counter(r.op if r.kind == OP else r.kind for r in rows)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _kinds(rows: Sequence[Row]) -> str:
    c = Counter(r.kind for r in rows)
    parts = (_count(c[LEAF], "leaf", "leaves"), _count(c[CONST], "constant", "constants"), _count(c[OP], "op", "ops"))
    return f"{_count(len(rows), 'node', 'nodes')}: " + ", ".join(parts)


def _grid(lines: list[list[str]]) -> list[str]:
    """Left-aligned columns, two spaces apart; the last column is not padded."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[-1] for line in lines]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _limit(items: list[Any], max_rows: int | None) -> tuple[list[Any], list[Any], int]:
    """(head, tail, omitted): all items, or the first and last halves of ``max_rows``."""
    if max_rows is None or len(items) <= max_rows:
        return items, [], 0
    half = max(max_rows // 2, 1)
    return items[:half], items[-half:], len(items) - 2 * half


def _counts_line(rows: Sequence[Row]) -> str:
    ops = op_counts([r for r in rows if r.kind == OP])
    return "ops: " + ", ".join(f"{n} {op}" for op, n in ops.most_common())


def forward_table(rows: Sequence[Row], max_rows: int | None = None) -> str:
    """The graph in forward order, one row per tensor; scalar constants appear by value in ``inputs``."""
    root = rows[-1]
    visible = shown_rows(rows)
    head, tail, omitted = _limit(visible, max_rows)
    out = [f"graph of {root.label}: {_kinds(rows)}  (g = dL/d node, the gradient backward brings to a node)"]
    if omitted:
        out.append(_counts_line(rows))
    lines = [["#", "node", "op", "inputs", "shape", "dtype", "grad", "backward: what each input receives"]]

    def line(r: Row) -> list[str]:
        inputs = _shorten(", ".join(rows[i].label for i in r.inputs), 40)
        op = cast(str, r.op) if r.kind == OP else r.kind  # an OP row has its op
        return [str(r.index), r.label, op, inputs, str(r.shape), r.dtype, "yes" if r.requires_grad else "-", r.rule]

    lines += [line(r) for r in head]
    if omitted:
        lines.append(["…", "", "", "", "", "", "", f"({omitted} rows not shown; table(max_rows=None) shows all)"])
        lines += [line(r) for r in tail]
    out += _grid(lines)
    return "\n".join(s.rstrip() for s in out)


def backward_table(
    rows: Sequence[Row], steps: Sequence[Any], notes: Mapping[str, str] | None = None, max_rows: int | None = None
) -> str:
    """Each node in the order backward visits it: the gradient it receives, then what it sends each input."""
    notes = notes or {}
    head, tail, omitted = _limit(list(steps), max_rows)
    out = [
        f"backward from {rows[-1].label}: {len(steps)} steps, in the order the engine visits nodes",
        "  g: the gradient a node receives (summed over all its uses);  →: what it sends each input",
    ]
    width = max((len(rows[s.row].label) for s in head + tail), default=4)
    opw = max((len(rows[s.row].op or rows[s.row].kind) for s in head + tail), default=4)

    def block(n: int, s: Any) -> list[str]:
        r = rows[s.row]
        note = notes.get(r.label) or (notes.get(r.name) if r.name else None)
        lead = f"{n:>5}. {r.label:<{width}}  {(r.op or r.kind):<{opw}}  g {describe(s.grad)}"
        lines = [lead + (f"    ← {note}" if note else "")]
        if r.kind == LEAF:
            lines.append(" " * 9 + f"→ added into {r.label}.grad")
        rule_w = max((len(x.rule) for x in s.sent), default=0)
        lines += [" " * 9 + f"→ {x.rule:<{rule_w}}  {describe(x.grad)}" for x in s.sent]
        return lines

    for n, s in enumerate(head, 1):
        out += block(n, s)
    if omitted:
        out.append(f"    … {omitted} steps not shown (backward_table(max_rows=None) shows all) …")
        start = len(steps) - len(tail) + 1
        for n, s in enumerate(tail, start):
            out += block(n, s)
    return "\n".join(out)
