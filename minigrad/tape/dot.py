"""``mg.to_dot``: the recorded graph as Graphviz DOT text (``dot -Tpng graph.dot -o graph.png``).

Graphviz is not a dependency: this only writes text. Nodes look as in ``mg.draw``.
"""

from __future__ import annotations

from ..tensor import Tensor
from .rows import CONST, shown_rows
from .style import SIGMA, STYLE, node_lines, rows_and_norms, style_key, sum_mark
from .trace import Trace

__all__ = ["to_dot"]


def _quote(text: str) -> str:
    """A DOT string: quotes and backslashes escaped, newlines as DOT's ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(y: Tensor | Trace, name: str = "minigrad") -> str:
    """DOT text of the graph of ``y`` (a Tensor, or a Trace, whose gradient norms are then shown).

    Left to right; leaves, constants, ops and the output styled apart; scalar
    constants written into their op (``pow(·, 2)``); edges where backward sums
    a broadcast away labelled ``Σ axis k``.
    """
    rows, grads = rows_and_norms(y, "to_dot")
    title = f"graph of {rows[-1].label}"
    out = [
        f"digraph {_quote(name)} {{",
        f"  label={_quote(title)}; labelloc=t; rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [color="#555555", arrowsize=0.7];',
    ]
    shown = shown_rows(rows)
    for r in shown:
        fill, colour, _ = STYLE[style_key(r, rows)]
        style = ', style="rounded,filled,dashed"' if r.kind == CONST else ""
        width = ", penwidth=2" if r.index == rows[-1].index else ""
        label = _quote("\n".join(node_lines(r, rows, grads)))
        out.append(f'  n{r.index} [label={label}, fillcolor="{fill}", color="{colour}"{style}{width}];')
    keep = {r.index for r in shown}
    for r in shown:
        for s in dict.fromkeys(r.inputs):
            if s not in keep:
                continue
            mark = sum_mark(r, s)
            attrs = f' [label={_quote(mark)}, fontcolor="{SIGMA}", fontsize=8]' if mark else ""
            out.append(f"  n{s} -> n{r.index}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
