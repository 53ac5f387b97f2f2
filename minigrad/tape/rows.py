"""The recorded graph as rows in forward order: what ``mg.trace`` prints and ``mg.draw`` lays out.

One iterative depth-first walk from the output lists every tensor it depends
on, inputs before the ops that use them. Unlike the engine's walk it also
lists constants (inputs that do not require grad), so the table shows the
whole computation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from ..engine import GraphFreedError, _toposort
from ..tensor import Tensor
from .rules import RULES

__all__ = ["Row", "graph_rows", "shown_rows", "caption", "LEAF", "CONST", "OP"]

LEAF, CONST, OP = "leaf", "const", "op"

# Ops whose backward hands each input a gradient in the output's (broadcast) shape.
_ELEMENTWISE = frozenset({"add", "sub", "mul", "div", "pow", "maximum", "minimum", "where", "broadcast_to"})


@dataclass(frozen=True, slots=True)
class Row:
    """One tensor of the recorded graph.

    ``label`` is its name, else the value of a scalar constant, else ``%index``.
    ``kind`` is "leaf" (requires grad, made by no op), "const" (does not require
    grad) or "op". ``inputs`` are row indices. ``summed[i]`` are the axes of the
    gradient the engine sums away for input i (a broadcast undone); ``rules[i]``
    is what input i receives, e.g. ``"dW1 = Xᵀ @ g"`` ("" if it needs no gradient).
    """

    index: int
    label: str
    name: str | None
    kind: str
    op: str | None
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: str
    requires_grad: bool
    summed: tuple[tuple[int, ...], ...]
    rules: tuple[str, ...]
    tensor: Tensor = field(repr=False, compare=False)

    @property
    def rule(self) -> str:
        """The backward rules of all inputs that receive a gradient, joined by "; "."""
        return "; ".join(r for r in self.rules if r)

    @property
    def is_scalar_constant(self) -> bool:
        """An unnamed 0-d constant (``2`` in ``x ** 2``): shown by value where it is used."""
        return self.kind == CONST and self.name is None and self.shape == ()


def _walk(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on, each after its inputs (root last)."""
    try:
        order = _toposort(root, constants=True)
    except GraphFreedError:
        raise GraphFreedError(
            f"trace: the graph through {root.op or 'this tensor'!r} was freed by backward(); trace it "
            "before backward, use mg.trace(y, backward=True), or call backward(retain_graph=True)"
        ) from None
    order.reverse()
    return order


def _scalar_text(t: Tensor) -> str:
    v = t.data.item()
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _labels(nodes: list[Tensor]) -> list[str]:
    """Names where given (``name%i`` if two tensors share one), values of scalar constants, else ``%i``."""
    counts = Counter(t.name for t in nodes if t.name is not None)
    labels = []
    for i, t in enumerate(nodes):
        if t.name is not None:
            labels.append(t.name if counts[t.name] == 1 else f"{t.name}%{i}")
        elif not t.requires_grad and t.data.ndim == 0:
            labels.append(_scalar_text(t))
        else:
            labels.append(f"%{i}")
    return labels


def broadcast_axes(g_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes of a gradient of ``g_shape`` that are summed to give ``shape`` (as the engine un-broadcasts)."""
    lead = len(g_shape) - len(shape)
    if lead < 0:
        return ()
    kept = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    return tuple(range(lead)) + kept


def _summed(op: str, out: tuple[int, ...], shapes: list[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    if op in _ELEMENTWISE:
        return tuple(broadcast_axes(out, s) for s in shapes)
    if op == "matmul" and len(shapes) == 2:
        batch = out[:-2] if len(shapes[0]) > 1 and len(shapes[1]) > 1 else out[:-1]
        return tuple(broadcast_axes(batch + s[-2:] if len(s) > 1 else batch + s, s) for s in shapes)
    return tuple(() for _ in shapes)


def _axes_text(axes: tuple[int, ...]) -> str:
    if len(axes) == 1:
        return f"Σ over axis {axes[0]}"
    return "Σ over axes " + ", ".join(map(str, axes))


def _d(label: str) -> str:
    """``dW1``, ``d%2``; ``d(data_loss)`` where a bare prefix would misread."""
    return f"d{label}" if len(label) <= 3 or label.startswith("%") else f"d({label})"


def _rules(
    op: str, out: str, ins: list[str], needs: list[bool], summed: tuple[tuple[int, ...], ...]
) -> tuple[str, ...]:
    """What each input receives, ``dW1 = Xᵀ @ g``, with labels in the formula ("" for constants)."""
    templates = RULES.get(op)
    a, b = ins[0] if ins else "", ins[1] if len(ins) > 1 else ""
    rules = []
    for i, (x, need) in enumerate(zip(ins, needs)):
        if not need:
            rules.append("")
            continue
        if templates is None:
            text = f"(no rule written for {op!r})"
        else:
            template = templates[i] if len(templates) > 1 else templates[0]
            text = template.format(out=out, a=a, b=b, x=x)
        if summed[i]:
            text += ", " + _axes_text(summed[i])
        rules.append(f"{_d(x)} = {text}")
    return tuple(rules)


def graph_rows(root: Tensor) -> list[Row]:
    """The rows of ``root``'s graph in forward order (``root`` is the last row)."""
    nodes = _walk(root)
    labels = _labels(nodes)
    index = {id(t): i for i, t in enumerate(nodes)}
    dtypes: dict = {}  # str(dtype) is slow enough to matter on 60,000 rows
    rows = []
    inputs: tuple[int, ...]
    summed: tuple[tuple[int, ...], ...]
    rules: tuple[str, ...]
    for i, t in enumerate(nodes):
        shape = t.data.shape
        if t._parents is None:
            kind = LEAF if t.requires_grad else CONST
            inputs, summed, rules = (), (), ()
        else:
            kind = OP
            parents = t._parents
            inputs = tuple(index[id(p)] for p in parents)
            name = cast(str, t._op)  # a node with parents was made by an op
            summed = _summed(name, shape, [p.data.shape for p in parents])
            ins = [labels[j] for j in inputs]
            rules = _rules(name, labels[i], ins, [p.requires_grad for p in parents], summed)
        op = t._op if kind == OP else None
        dtype = dtypes.get(t.data.dtype) or dtypes.setdefault(t.data.dtype, str(t.data.dtype))
        rows.append(Row(i, labels[i], t.name, kind, op, inputs, shape, dtype, t.requires_grad, summed, rules, t))
    return rows


def shown_rows(rows: Sequence[Row]) -> list[Row]:
    """The rows tables and drawings show: all but scalar constants (written into their op), unless one is the output."""
    return [r for r in rows if not r.is_scalar_constant or r.index == rows[-1].index]


def caption(row: Row, rows: list[Row]) -> str:
    """The op with its scalar constants written in, ``pow(·, 2)``; the kind for leaves and constants."""
    if row.kind != OP:
        return row.kind
    args = [rows[i].label if rows[i].is_scalar_constant else "·" for i in row.inputs]
    if all(a == "·" for a in args):
        return cast(str, row.op)  # an OP row has its op
    return f"{row.op}({', '.join(args)})"
