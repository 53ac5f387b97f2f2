"""Optimisation passes over a trace: dead code, common subexpressions, algebra, buffer reuse.

Each pass takes the list of equations (and the output variables) and returns a
new list; none changes what the program computes. Constant folding needs no
pass: a NumPy call whose arguments do not depend on the compiled function's
arguments never reaches the trace (it runs once while tracing and its result
is a constant of the program).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tracing import Const, Eqn, Var

__all__ = [
    "dead_code",
    "common_subexpressions",
    "simplify",
    "strength_reduce",
    "plan_buffers",
    "substitute",
    "var_args",
]


def var_args(eqn: Eqn) -> list[Var]:
    """The variables an equation reads (inside containers too)."""
    found: list[Var] = []

    def walk(x: Any) -> None:
        if type(x) is Var:
            found.append(x)
        elif isinstance(x, (tuple, list)):
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)

    walk(eqn.args)
    walk(eqn.kwargs)
    return found


def substitute(x: Any, mapping: dict[int, Var]) -> Any:
    """``x`` with every Var whose id is in ``mapping`` replaced."""
    if type(x) is Var:
        return mapping.get(x.id, x)
    if isinstance(x, tuple):
        return tuple(substitute(v, mapping) for v in x)
    if isinstance(x, list):
        return [substitute(v, mapping) for v in x]
    if isinstance(x, dict):
        return {k: substitute(v, mapping) for k, v in x.items()}
    return x


def _rewrite(eqns: list[Eqn], mapping: dict[int, Var]) -> list[Eqn]:
    if not mapping:
        return eqns
    for e in eqns:
        e.args = substitute(e.args, mapping)
        e.kwargs = substitute(e.kwargs, mapping)
    return eqns


def dead_code(eqns: list[Eqn], outputs: list[Any]) -> list[Eqn]:
    """Drop equations whose results no output depends on."""
    live = {v.id for v in outputs if type(v) is Var}
    kept = []
    for e in reversed(eqns):
        if e.out.id in live or e.kind == "effect":  # a runtime check stays, with what it reads
            kept.append(e)
            live.update(v.id for v in var_args(e))
    kept.reverse()
    return kept


def _key(x: Any) -> Any:
    """A hashable description of an argument structure (Vars by id, Consts by index)."""
    if type(x) is Var:
        return ("v", x.id)
    if type(x) is Const:
        return ("c", x.index)
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, tuple(_key(v) for v in x))
    if isinstance(x, dict):
        return ("d", tuple(sorted((k, _key(v)) for k, v in x.items())))
    if isinstance(x, slice):
        return ("s", x.start, x.stop, x.step)
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return ("=", type(x).__name__, x)


def common_subexpressions(eqns: list[Eqn], outputs: list[Any]) -> tuple[list[Eqn], list[Any]]:
    """Compute each distinct (function, arguments) once; later copies read the first result."""
    seen: dict[Any, Var] = {}
    mapping: dict[int, Var] = {}
    kept = []
    for e in eqns:
        e.args = substitute(e.args, mapping)
        e.kwargs = substitute(e.kwargs, mapping)
        if e.kind == "effect":
            kept.append(e)
            continue
        fn_key = e.fn if isinstance(e.fn, (str, int)) else id(e.fn)
        key = (e.kind, fn_key, _key(e.args), _key(e.kwargs))
        first = seen.get(key)
        if first is not None:
            mapping[e.out.id] = first
            if first.role is None:
                first.role = e.out.role
            if first.name is None:
                first.name = e.out.name
            continue
        seen[key] = e.out
        kept.append(e)
    return kept, [substitute(v, mapping) for v in outputs]


def _is_scalar_const(x: Any, consts: list[Any], value: float) -> bool:
    if type(x) is Const:
        c = consts[x.index]
        return isinstance(c, (np.ndarray, np.generic)) and np.ndim(c) == 0 and c == value
    return type(x) in (int, float) and x == value


def simplify(eqns: list[Eqn], outputs: list[Any], consts: list[Any]) -> tuple[list[Eqn], list[Any]]:
    """Algebra that changes nothing but the work: x·1, 1·x, x+0, 0+x, x-0, x/1, same-shape reshape,
    same-dtype astype, copy.

    An equation is replaced by its operand only when the result has exactly the
    operand's shape and dtype (so broadcasting or promotion is never skipped).
    """
    mapping: dict[int, Var] = {}
    kept = []
    for e in eqns:
        e.args = substitute(e.args, mapping)
        e.kwargs = substitute(e.kwargs, mapping)
        same = _identity_operand(e, consts)
        if same is not None and same.shape == e.out.shape and same.dtype == e.out.dtype:
            mapping[e.out.id] = same
            if same.role is None:
                same.role = e.out.role
            continue
        kept.append(e)
    return kept, [substitute(v, mapping) for v in outputs]


def _identity_operand(e: Eqn, consts: list[Any]) -> Var | None:
    """The operand that ``e`` returns unchanged, if it is one of the identities above."""
    if e.kwargs and e.kind != "method":
        return None
    if e.kind == "ufunc" and len(e.args) == 2:
        a, b = e.args
        name = e.fn.__name__
        if name == "multiply":
            if type(a) is Var and _is_scalar_const(b, consts, 1):
                return a
            if type(b) is Var and _is_scalar_const(a, consts, 1):
                return b
        if name == "add":
            if type(a) is Var and _is_scalar_const(b, consts, 0):
                return a
            if type(b) is Var and _is_scalar_const(a, consts, 0):
                return b
        if name in ("subtract", "true_divide", "divide") and type(a) is Var:
            if _is_scalar_const(b, consts, 0 if name == "subtract" else 1):
                return a
    if e.kind == "method" and e.args and type(e.args[0]) is Var:
        x = e.args[0]
        if e.fn == "reshape":
            return x
        if e.fn == "astype" and not e.kwargs:
            return x
        if e.fn == "copy" and len(e.args) == 1 and not e.kwargs:
            return x  # the program never writes into a variable a later line still reads (plan_buffers)
    return None


# Methods whose result never shares memory with the array they are called on.
_NEW_ARRAY_METHODS = frozenset("sum mean max min prod any all argmax argmin var std cumsum dot round copy clip".split())


def _aliases_inputs(e: Eqn) -> bool:
    """May ``e``'s result share memory with its arguments? (views: reshape, transpose, indexing, ...)"""
    if e.kind == "ufunc":
        return False
    if e.kind == "method":
        return e.fn not in _NEW_ARRAY_METHODS and not (e.fn == "astype" and "copy" not in e.kwargs)
    return True  # getitem, unpack, NumPy functions and primitives: assume a view


# Results of these are new arrays the program owns, which later ufuncs may write into.
def _fresh(e: Eqn) -> bool:
    # A ufunc on 0-d operands returns a NumPy scalar, which cannot serve as (or take) out=.
    return e.kind == "ufunc" and not e.kwargs and e.out.shape != ()


def plan_buffers(eqns: list[Eqn], outputs: list[Any], inputs: list[Var]) -> dict[int, Var]:
    """Choose, for elementwise ufunc equations, a dead buffer of the same shape and dtype to write into.

    Returns {equation's output id: buffer var} (the code generator emits
    ``out=buffer``). A buffer is an array a ufunc made in this call. It is free
    once every variable that may share its memory (views are tracked
    conservatively: any non-ufunc result may alias its inputs) is dead, and it
    is never an output or an input. An operand that dies at this very equation
    and has the result's shape may be overwritten in place (safe for
    elementwise ufuncs).
    """
    last_use: dict[int, int] = {}
    for i, e in enumerate(eqns):
        for v in var_args(e):
            last_use[v.id] = i
    n = len(eqns)
    for v in outputs:
        if type(v) is Var:
            last_use[v.id] = n  # outputs live past the end
    roots: dict[int, set[int]] = {v.id: set() for v in inputs}
    members: dict[int, list[int]] = {}  # buffer id -> vars that may share its memory
    direct: dict[int, set[int]] = {}  # buffer id -> vars whose array is the whole buffer
    buffers: dict[int, Var] = {}
    pinned: set[int] = set()  # buffers an output may share memory with
    assigned: dict[int, Var] = {}
    for i, e in enumerate(eqns):
        args = var_args(e)
        if _fresh(e):
            target = _free_buffer(e, i, args, buffers, members, direct, last_use, pinned)
            root = e.out.id if target is None else target.id
            if target is None:
                buffers[root] = e.out
                direct[root] = set()
            else:
                assigned[e.out.id] = target
            roots[e.out.id] = {root}
            members.setdefault(root, []).append(e.out.id)
            direct[root].add(e.out.id)
        elif _aliases_inputs(e):
            rs: set[int] = set()
            for a in args:
                rs |= roots.get(a.id, set())
            roots[e.out.id] = rs
            for r in rs:
                members[r].append(e.out.id)
        else:
            roots[e.out.id] = set()
        if last_use.get(e.out.id, -1) >= n:
            pinned |= roots[e.out.id]
    # A buffer found to hold an output only later is left to fresh allocations throughout (always safe).
    return {k: v for k, v in assigned.items() if v.id not in pinned}


def _free_buffer(
    e: Eqn,
    i: int,
    args: list[Var],
    buffers: dict[int, Var],
    members: dict[int, list[int]],
    direct: dict[int, set[int]],
    last_use: dict[int, int],
    pinned: set[int],
) -> Var | None:
    out = e.out
    for root, buf in buffers.items():
        if root in pinned or buf.shape != out.shape or buf.dtype != out.dtype:
            continue
        live = [u for u in members[root] if last_use.get(u, -1) >= i]
        if not live:
            return buf
        # In place: every live user dies here and is an operand of this (elementwise) equation
        # holding the whole buffer in the result's shape.
        if all(last_use[u] == i and u in direct[root] for u in live) and all(
            any(a.id == u and a.shape == out.shape for a in args) for u in live
        ):
            return buf
    return None


def _const_value(x: Any, consts: list[Any]) -> Any:
    if type(x) is Const:
        return consts[x.index]
    return x if type(x) in (int, float) else None


def strength_reduce(eqns: list[Eqn], outputs: list[Any], trace: Any) -> tuple[list[Eqn], list[Any]]:
    """Cheaper forms of the same arithmetic: x**2 → x*x, x**1 → x, x[..., None][..., 0] → x,
    and sums of a 2-D float array over one axis → a product with a vector of ones (BLAS; NumPy's
    reduction loop is several times slower on the short axes of small networks)."""
    mapping: dict[int, Var] = {}
    producer: dict[int, Eqn] = {}
    kept = []
    for e in eqns:
        e.args = substitute(e.args, mapping)
        e.kwargs = substitute(e.kwargs, mapping)
        if e.kind == "ufunc" and e.fn is np.power and len(e.args) == 2 and not e.kwargs and type(e.args[0]) is Var:
            p = _const_value(e.args[1], trace.consts)
            if p is not None and np.ndim(p) == 0 and e.args[0].dtype == e.out.dtype:
                if p == 2:
                    e.fn, e.args = np.multiply, (e.args[0], e.args[0])
                elif p == 1 and e.args[0].shape == e.out.shape:
                    mapping[e.out.id] = e.args[0]
                    continue
        if e.kind == "getitem" and type(e.args[0]) is Var and e.args[1] == (Ellipsis, 0):
            inner = producer.get(e.args[0].id)
            if inner is not None and inner.kind == "getitem" and inner.args[1] == (Ellipsis, None):
                mapping[e.out.id] = inner.args[0]
                continue
        if e.kind == "method" and e.fn == "sum" and len(e.args) == 1 and type(e.args[0]) is Var:
            ones_form = _sum_as_product(e, trace)
            if ones_form is not None:
                e.kind, e.fn, e.args, e.kwargs = "ufunc", np.matmul, ones_form, {}
        producer[e.out.id] = e
        kept.append(e)
    return kept, [substitute(v, mapping) for v in outputs]


def _sum_as_product(e: Eqn, trace: Any) -> tuple | None:
    x = e.args[0]
    if x.dtype.kind != "f" or len(x.shape) != 2 or 0 in x.shape:
        return None
    axis = e.kwargs.get("axis")
    keep = bool(e.kwargs.get("keepdims", False))
    if set(e.kwargs) - {"axis", "keepdims"}:
        return None
    axis = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
    n, m = x.shape
    if axis in (0, -2):
        ones = np.ones((1, n) if keep else n, dtype=x.dtype)
        return (trace.const(_keep(trace, ones)), x)
    if axis in (1, -1):
        ones = np.ones((m, 1) if keep else m, dtype=x.dtype)
        return (x, trace.const(_keep(trace, ones)))
    return None


def _keep(trace: Any, value: np.ndarray) -> np.ndarray:
    """A read-only constant made by a pass (the trace's constant table keeps it alive)."""
    value.flags.writeable = False
    return value
