"""``mg.draw``: the recorded graph as a figure, laid out left to right (leaves → ops → output).

Matplotlib is imported only here, inside the function, and drawn through its
Agg canvas (no pyplot, no global backend change), so minigrad imports without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from .layout import Layout, layout
from .rows import Row, shown_rows
from .style import LEGEND, SIGMA, STYLE, node_lines, rows_and_norms, style_key, sum_mark
from .text import op_counts
from .trace import Trace

__all__ = ["draw"]

TITLE_PT, DETAIL_PT = 9.0, 7.5
MIN_WIDTH = 8.0  # inches: room for the legend


def draw(
    y: Tensor | Trace,
    path: str | os.PathLike = "minigrad-out/graph.png",
    *,
    max_nodes: int = 150,
    title: str | None = None,
    dpi: int | None = None,
) -> Path:
    """Draw the graph of ``y`` (a Tensor, or a Trace, whose gradient norms are then shown) to ``path``.

    Leaves, constants, ops and the output are coloured apart; each node shows
    its name (or op), id and shape. Above ``max_nodes`` nodes the figure is a
    compact view: markers, edges, and labels on named nodes only. The format
    follows the file extension (png, svg, pdf). Returns the path written.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "draw: matplotlib is needed to draw a graph (pip install matplotlib); "
            "mg.trace(y) and mg.to_dot(y) work without it"
        ) from None
    rows, grads = rows_and_norms(y, "draw")
    shown = shown_rows(rows)
    compact = len(shown) > max_nodes
    big = len(shown) > 20000
    lay = layout(rows, sweeps=0 if big else 8, waypoints=not compact, tight=not big)
    counts = dict(op_counts(shown).most_common())
    listed = ", ".join(f"{n} {op}" for op, n in list(counts.items())[:8]) + (", …" if len(counts) > 8 else "")
    head = title or f"graph of {rows[-1].label}: {len(shown)} node{'s' if len(shown) != 1 else ''} ({listed})"
    if compact:
        fig = _compact(Figure, lay, rows, head, max_nodes)
    else:
        fig = _detailed(Figure, lay, rows, grads, head)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi or (150 if not compact else 100))
    return path


def _legend(fig: Any, rows: list[Row]) -> None:
    from matplotlib.patches import Patch

    present = {"op", "output"} | {r.kind for r in shown_rows(rows)}
    handles = [
        Patch(facecolor=STYLE[k][0], edgecolor=STYLE[k][1], linestyle=STYLE[k][2], label=LEGEND[k])
        for k in LEGEND
        if k in present
    ]
    handles.append(Patch(facecolor="none", edgecolor="none", label="Σ axis k: backward sums a broadcast away"))
    fig.legend(handles=handles, loc="lower left", ncol=len(handles), fontsize=8, frameon=False)


def _detailed(Figure: Any, lay: Layout, rows: list[Row], grads: dict[int, float], head: str) -> Any:
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MPath

    lines = {i: node_lines(rows[i], rows, grads) for i in lay.nodes}
    # Box size from the longest line (a character is ~0.6 em wide); all boxes alike, so columns line up.
    chars = max(max(len(t[0]) * TITLE_PT, *(len(s) * DETAIL_PT for s in t[1:])) for t in lines.values())
    bw = 0.62 * chars / 72 + 0.25
    bh = (TITLE_PT + DETAIL_PT * (max(len(t) for t in lines.values()) - 1)) * 1.35 / 72 + 0.16
    pitch_x, pitch_y = bw + 0.7, bh + 0.32
    ys = list(lay.row.values()) + [p[1] for r in lay.routes.values() for p in r]
    top, bottom = max(ys), min(ys)
    margin, foot, header = 0.3, 0.45, 0.45
    width = margin * 2 + (lay.columns - 1) * pitch_x + bw
    height = foot + header + (top - bottom) * pitch_y + bh + 0.2

    def at(col: float, row: float) -> tuple[float, float]:
        return margin + bw / 2 + col * pitch_x, foot + bh / 2 + 0.1 + (top - row) * pitch_y

    width = max(width, MIN_WIDTH)
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    fig.text(margin / width, 1 - 0.3 / height, head, fontsize=10, va="center")
    _legend(fig, rows)

    # Each edge leaves the right side of its source and enters the left side of its target,
    # fanned out vertically so arrowheads do not pile up.
    centre = {i: at(lay.column[i], lay.row[i]) for i in lay.nodes}
    routes = {e: [at(c, r) for c, r in lay.routes[e]] for e in lay.edges}
    first = {e: (routes[e][0] if routes[e] else centre[e[1]]) for e in lay.edges}
    last = {e: (routes[e][-1] if routes[e] else centre[e[0]]) for e in lay.edges}
    port_out, port_in = _ports(lay.edges, first, 0.3 * bh, out=True), _ports(lay.edges, last, 0.3 * bh, out=False)
    for e in lay.edges:
        s, d = e
        (xs, ys_), (xd, yd) = centre[s], centre[d]
        pts = [(xs + bw / 2, ys_ + port_out[e])]
        for x, y in routes[e]:
            pts += [(x - bw / 2, y), (x + bw / 2, y)]
        pts.append((xd - bw / 2 - 0.02, yd + port_in[e]))
        arrow = FancyArrowPatch(
            path=MPath(pts), arrowstyle="-|>", mutation_scale=9, color="#555555", lw=0.9, shrinkA=0, shrinkB=0
        )
        ax.add_patch(arrow)
        mark = sum_mark(rows[d], s)
        if mark:
            x1, y1 = pts[-1]
            ax.text(x1 - 0.08, y1 + 0.05, mark, fontsize=7, color=SIGMA, ha="right", va="bottom", style="italic")

    for i in lay.nodes:
        r = rows[i]
        fill, edge, ls = STYLE[style_key(r, rows)]
        x, y = centre[i]
        lw = 1.8 if r.index == rows[-1].index else 1.0
        ax.add_patch(
            FancyBboxPatch(
                (x - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0,rounding_size=0.08",
                facecolor=fill, edgecolor=edge, linestyle=ls, lw=lw, zorder=3,
            )
        )  # fmt: skip
        title, *detail = lines[i]
        n = len(lines[i])
        line_h = DETAIL_PT * 1.6 / 72
        top_y = y + line_h * (n - 1) / 2
        ax.text(x, top_y, title, ha="center", va="center", fontsize=TITLE_PT, weight="bold", zorder=4)
        for k, text in enumerate(detail, 1):
            ax.text(x, top_y - line_h * k, text, ha="center", va="center", fontsize=DETAIL_PT, zorder=4)
    return fig


def _ports(edges: list, other: dict, spread: float, out: bool) -> dict:
    """Vertical offsets of edge ends on one side of each node, ordered by where the edges go."""
    by_node: dict[int, list] = {}
    for e in edges:
        by_node.setdefault(e[0] if out else e[1], []).append(e)
    ports = {}
    for es in by_node.values():
        es.sort(key=lambda e: -other[e][1])
        n = len(es)
        for k, e in enumerate(es):
            ports[e] = 0.0 if n == 1 else spread * (1 - 2 * k / (n - 1))
    return ports


def _compact(Figure: Any, lay: Layout, rows: list[Row], head: str, max_nodes: int) -> Any:
    from matplotlib.collections import LineCollection

    cols = max(lay.columns, 1)
    span = max(lay.height, 1.0)
    width = min(max(MIN_WIDTH, 0.3 * cols), 30.0)
    height = min(max(4.0, 0.3 * span + 1.5), 20.0)
    sx, sy = (width - 1.0) / max(cols - 1, 1), (height - 2.0) / span
    top = max(list(lay.row.values()) + [p[1] for r in lay.routes.values() for p in r])

    def at(col: float, row: float) -> tuple[float, float]:
        return 0.5 + col * sx, 0.9 + (top - row) * sy

    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    note = f"compact view (more than {max_nodes} nodes): labels on named nodes and the output only"
    fig.text(0.5 / width, 1 - 0.25 / height, head, fontsize=10, va="center")
    fig.text(0.5 / width, 1 - 0.5 / height, note, fontsize=8, va="center", color="#555555")
    _legend(fig, rows)
    segments = []
    for s, d in lay.edges:
        pts = [at(lay.column[s], lay.row[s])] + [at(c, r) for c, r in lay.routes[(s, d)]]
        pts.append(at(lay.column[d], lay.row[d]))
        segments.append(pts)
    ax.add_collection(LineCollection(segments, colors="#9a9a9a", linewidths=0.5, zorder=1))
    size = 30 if len(lay.nodes) < 2000 else 6
    for kind in STYLE:
        idx = [i for i in lay.nodes if style_key(rows[i], rows) == kind]
        if idx:
            xy = np.array([at(lay.column[i], lay.row[i]) for i in idx])
            fill, edge, _ = STYLE[kind]
            big = 80 if kind == "output" else size
            ax.scatter(xy[:, 0], xy[:, 1], s=big, c=fill, edgecolors=edge, linewidths=0.8, zorder=2)
    for i in lay.nodes:
        r = rows[i]
        if r.name is not None or i == rows[-1].index:
            x, y = at(lay.column[i], lay.row[i])
            ax.text(x, y + 0.12, r.label, fontsize=6, ha="center", va="bottom", zorder=3)
    return fig
