"""Layered left-to-right layout of a graph's rows (a small Sugiyama-style layout, no dependencies).

1. Layers: an op sits one column right of its latest input; a leaf or constant
   sits just left of its first consumer, so parameters appear where they are used.
2. An edge that spans several columns is routed through one waypoint per column.
3. Within a column, nodes are ordered by the mean position of their neighbours
   (barycentre sweeps), then placed as close to their neighbours as spacing allows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rows import Row, shown_rows

__all__ = ["Layout", "layout"]


@dataclass
class Layout:
    """Columns and rows (both in grid units) of every drawn node, and each edge's route.

    ``routes[(src, dst)]`` lists the waypoints between the two nodes, one per column crossed.
    """

    nodes: list[int]
    column: dict[int, int]
    row: dict[int, float]
    edges: list[tuple[int, int]]
    routes: dict[tuple[int, int], list[tuple[int, float]]]

    @property
    def columns(self) -> int:
        return max(self.column.values()) + 1 if self.column else 0

    @property
    def height(self) -> float:
        ys = list(self.row.values()) + [y for r in self.routes.values() for _, y in r]
        return max(ys) - min(ys) if ys else 0.0


def _layers(shown: list[int], edges: list[tuple[int, int]], tight: bool) -> dict[int, int]:
    """A column per node, every edge pointing right.

    Longest path first: each op one column right of its latest input, each
    leaf or constant just left of its first consumer. With ``tight``, then the
    columns that minimise the total length of all edges (a small linear program,
    Graphviz's criterion), so a parameter sits next to every op that uses it.
    """
    column: dict[int, int] = {}
    ins: dict[int, list[int]] = {i: [] for i in shown}
    outs: dict[int, list[int]] = {i: [] for i in shown}
    for s, d in edges:
        ins[d].append(s)
        outs[s].append(d)
    for i in shown:  # forward order: inputs first
        column[i] = 1 + max((column[s] for s in ins[i]), default=-1)
    for i in shown:
        if not ins[i] and outs[i]:
            column[i] = min(column[d] for d in outs[i]) - 1
    if tight and edges:
        column = _shortest_edges(shown, edges, column, {i for i in shown if not ins[i]})
    return column


def _shortest_edges(
    shown: list[int], edges: list[tuple[int, int]], start: dict[int, int], sources: set[int]
) -> dict[int, int]:
    """min Σ w·(col[d] - col[s]) over edges s.t. col[d] ≥ col[s] + 1: an LP whose vertices are integral.

    Edges between ops weigh twice as much as edges from leaves and constants, so
    when something must be long it is the wire from a parameter to its use.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    pos = {n: k for k, n in enumerate(shown)}
    cost = np.full(len(shown), 1e-3)  # ties go to the leftmost columns
    rows_, cols_, vals = [], [], []
    for e, (s, d) in enumerate(edges):
        w = 1.0 if s in sources else 2.0
        cost[pos[d]] += w
        cost[pos[s]] -= w
        rows_ += [e, e]
        cols_ += [pos[s], pos[d]]
        vals += [1.0, -1.0]
    a_ub = coo_matrix((vals, (rows_, cols_)), shape=(len(edges), len(shown))).tocsr()
    res = linprog(cost, A_ub=a_ub, b_ub=-np.ones(len(edges)), bounds=(0, len(shown)), method="highs")
    if res.status != 0:
        return start
    col = np.rint(res.x - res.x.min()).astype(int)
    return {n: int(col[pos[n]]) for n in shown}


def _crossings(upper: list[int], lower: list[int], succ: dict[int, list[int]]) -> int:
    pos = {n: k for k, n in enumerate(lower)}
    ends = [pos[d] for n in upper for d in sorted(succ[n], key=pos.__getitem__) if d in pos]
    return sum(1 for a in range(len(ends)) for b in range(a + 1, len(ends)) if ends[a] > ends[b])


def layout(rows: list[Row], sweeps: int = 8, waypoints: bool = True, tight: bool = True) -> Layout:
    """Place the visible rows in columns; large graphs can skip the LP (``tight``) and routing (``waypoints``)."""
    shown = [r.index for r in shown_rows(rows)]
    keep = set(shown)
    edges = list(dict.fromkeys((s, r.index) for r in rows if r.index in keep for s in r.inputs if s in keep))
    column = _layers(shown, edges, tight)

    # Split long edges into unit hops through waypoint nodes (ids after the last row).
    pred: dict[int, list[int]] = {i: [] for i in shown}
    succ: dict[int, list[int]] = {i: [] for i in shown}
    chains: dict[tuple[int, int], list[int]] = {}
    next_id = len(rows)
    for s, d in edges:
        chain = []
        if waypoints:
            for c in range(column[s] + 1, column[d]):
                column[next_id] = c
                pred[next_id], succ[next_id] = [], []
                chain.append(next_id)
                next_id += 1
        hops = [s, *chain, d]
        for a, b in zip(hops, hops[1:]):
            succ[a].append(b)
            pred[b].append(a)
        chains[(s, d)] = chain

    width = max(column.values()) + 1 if column else 0
    layers: list[list[int]] = [[] for _ in range(width)]
    for n in sorted(column, key=lambda n: (n >= len(rows), n)):
        layers[column[n]].append(n)

    _order(layers, pred, succ, sweeps)
    y = _place(layers, pred, succ)
    routes = {e: [(column[w], y[w]) for w in chain] for e, chain in chains.items()}
    return Layout(shown, {i: column[i] for i in shown}, {i: y[i] for i in shown}, edges, routes)


def _order(layers: list[list[int]], pred: dict, succ: dict, sweeps: int) -> None:
    """Reorder each column in place by barycentres, keeping the order with the fewest crossings."""
    pos = {n: k for col in layers for k, n in enumerate(col)}

    def total() -> int:
        return sum(_crossings(a, b, succ) for a, b in zip(layers, layers[1:]))

    small = len(pos) <= 400
    best, best_cross = [list(col) for col in layers], total() if small else 0
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        neigh = pred if forward else succ
        for c in range(1, len(layers)) if forward else range(len(layers) - 2, -1, -1):
            col = layers[c]
            key = {n: sum(pos[m] for m in neigh[n]) / len(neigh[n]) if neigh[n] else pos[n] for n in col}
            col.sort(key=key.__getitem__)
            pos.update((n, k) for k, n in enumerate(col))
        if small:
            cross = total()
            if cross < best_cross:
                best, best_cross = [list(col) for col in layers], cross
    if small:
        layers[:] = best


def _place(layers: list[list[int]], pred: dict, succ: dict, rounds: int = 6) -> dict[int, float]:
    """Vertical positions: each node near its neighbours' mean, nodes of a column at least 1 apart."""
    y = {n: float(k) - (len(col) - 1) / 2 for col in layers for k, n in enumerate(col)}
    for r in range(rounds):
        span = range(len(layers)) if r % 2 == 0 else range(len(layers) - 1, -1, -1)
        for c in span:
            col = layers[c]
            want = []
            for n in col:
                near = pred[n] + succ[n]
                want.append(sum(y[m] for m in near) / len(near) if near else y[n])
            for n, w in zip(col, _spread(want)):
                y[n] = w
    return y


def _spread(want: list[float]) -> list[float]:
    """Positions closest (least squares) to ``want`` that keep their order and are at least 1 apart."""
    # Subtracting k turns "y[k+1] >= y[k] + 1" into a monotone regression (pool adjacent violators).
    blocks: list[list[float]] = []  # [sum, count]
    for k, w in enumerate(want):
        blocks.append([w - k, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
    out = []
    for s, n in blocks:
        out += [s / n] * int(n)
    return [v + k for k, v in enumerate(out)]
