"""Writing a trace out as a straight-line NumPy function, one line per array operation.

Variables are named after the user's names where there are any (the compiled
function's parameters, ``Tensor.named``), otherwise after their role: the op
that made them (``tanh``, ``matmul``) or the gradient they are (``dW1`` is the
gradient for ``W1``). Each line computed inside a VJP carries a comment naming
the op whose VJP it comes from.
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Any

import numpy as np

from ..tracing import Const, Eqn, Var

__all__ = ["generate"]

_OPERATORS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "true_divide": "/",
    "divide": "/",
    "matmul": "@",
    "power": "**",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
    "equal": "==",
    "not_equal": "!=",
}
_UNARY = {"negative": "-", "invert": "~"}


class _Namer:
    def __init__(self) -> None:
        self.used: set[str] = {"np"}
        self.names: dict[int, str] = {}

    def fresh(self, base: str) -> str:
        base = re.sub(r"\W", "_", base) or "t"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = "v_" + base
        name, k = base, 2
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name

    def var(self, v: Var) -> str:
        if v.id not in self.names:
            self.names[v.id] = self.fresh(v.name or v.role or f"t{v.id}")
        return self.names[v.id]


class _Writer:
    def __init__(self, consts: list[Any], namer: _Namer):
        self.consts = consts
        self.namer = namer
        self.globals: dict[str, Any] = {"np": np}
        self.const_names: dict[int, str] = {}
        self.fn_names: dict[int, str] = {}

    def const(self, c: Const) -> str:
        value = self.consts[c.index]
        if isinstance(value, np.generic) and value.dtype.kind in "fiub" and value.ndim == 0:
            item = value.item()
            if isinstance(item, float) and not np.isfinite(item):
                return f"np.{value.dtype.name}({str(item)!r})"  # np.float64('inf'): no bare inf in the source
            return f"np.{value.dtype.name}({item!r})"
        if isinstance(value, np.dtype):
            return f"np.dtype({value.name!r})"
        type_name = str(getattr(value, "__name__", ""))
        if isinstance(value, type) and getattr(np, type_name, None) is value:
            return f"np.{type_name}"
        if isinstance(value, type) and getattr(builtins, type_name, None) is value:
            return type_name  # ValueError, float: the builtin itself
        if c.index not in self.const_names:
            base = "c" if isinstance(value, np.ndarray) else type_name or type(value).__name__.lower()
            name = self.namer.fresh(base)
            self.const_names[c.index] = name
            self.globals[name] = value
        return self.const_names[c.index]

    def function(self, fn: Any) -> str:
        name: Any = getattr(fn, "__name__", None)
        if name and getattr(np, name, None) is fn:
            return f"np.{name}"
        owner: Any = getattr(fn, "__self__", None)  # a ufunc method: np.add.reduce
        owner_name = str(getattr(owner, "__name__", ""))
        if isinstance(owner, np.ufunc) and getattr(np, owner_name, None) is owner:
            return f"np.{owner_name}.{name}"
        if id(fn) not in self.fn_names:
            label = self.namer.fresh(name or "fn")
            self.fn_names[id(fn)] = label
            self.globals[label] = fn
        return self.fn_names[id(fn)]

    def arg(self, x: Any) -> str:
        if type(x) is Var:
            return self.namer.var(x)
        if type(x) is Const:
            return self.const(x)
        if isinstance(x, tuple):
            inner = ", ".join(self.arg(v) for v in x)
            return f"({inner},)" if len(x) == 1 else f"({inner})"
        if isinstance(x, list):
            return "[" + ", ".join(self.arg(v) for v in x) + "]"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k!r}: {self.arg(v)}" for k, v in x.items()) + "}"
        if isinstance(x, slice):
            return f"slice({x.start!r}, {x.stop!r}, {x.step!r})"
        if x is Ellipsis:
            return "..."
        return repr(x)

    def index(self, idx: Any) -> str:
        parts = idx if isinstance(idx, tuple) else (idx,)
        out = []
        for p in parts:
            if isinstance(p, slice):
                text = ("" if p.start is None else repr(p.start)) + ":" + ("" if p.stop is None else repr(p.stop))
                if p.step is not None:
                    text += f":{p.step!r}"
                out.append(text)
            elif p is None:
                out.append("None")
            else:
                out.append(self.arg(p))
        if isinstance(idx, tuple) and len(idx) == 1:
            return out[0] + ","
        return ", ".join(out) if out else "()"

    def call_args(self, args: tuple, kwargs: dict, out: str | None = None) -> str:
        items = [self.arg(a) for a in args] + [f"{k}={self.arg(v)}" for k, v in kwargs.items()]
        if out is not None:
            items.append(f"out={out}")
        return ", ".join(items)

    def expression(self, e: Eqn, buffer: str | None) -> str:
        if e.kind == "ufunc":
            name = e.fn.__name__
            if buffer is None and not e.kwargs:
                if len(e.args) == 2 and name in _OPERATORS:
                    return f"{self.arg(e.args[0])} {_OPERATORS[name]} {self.arg(e.args[1])}"
                if len(e.args) == 1 and name in _UNARY:
                    return f"{_UNARY[name]}{self.arg(e.args[0])}"
            return f"{self.function(e.fn)}({self.call_args(e.args, e.kwargs, buffer)})"
        if e.kind == "method":
            target = self.arg(e.args[0])
            if e.fn == "transpose" and len(e.args) == 1 and not e.kwargs:
                return f"{target}.T"
            kwargs = e.kwargs
            if e.fn in ("sum", "mean", "max", "min") and kwargs.get("axis", 0) is None:
                kwargs = {k: v for k, v in kwargs.items() if k != "axis"}  # the defaults, said once less
                if kwargs.get("keepdims") is False:
                    kwargs.pop("keepdims")
            return f"{target}.{e.fn}({self.call_args(e.args[1:], kwargs)})"
        if e.kind == "getitem":
            return f"{self.arg(e.args[0])}[{self.index(e.args[1])}]"
        if e.kind == "unpack":
            return f"{self.arg(e.args[0])}[{e.fn}]"
        return f"{self.function(e.fn)}({self.call_args(e.args, e.kwargs)})"


def generate(
    name: str,
    params: list[str],
    inputs: list[Var],
    eqns: list[Eqn],
    outputs: list[Any],
    consts: list[Any],
    buffers: dict[int, Var],
) -> tuple[str, dict[str, Any]]:
    """(source of ``def name(*params): ...`` returning the flat outputs, the globals it needs)."""
    namer = _Namer()
    for p, v in zip(params, inputs):
        v.name = p
        namer.names[v.id] = namer.fresh(p)
    writer = _Writer(consts, namer)
    lines = [f"def {name}({', '.join(namer.names[v.id] for v in inputs)}):"]
    dead = _large_dead_after(eqns, outputs, inputs, buffers)
    for i, e in enumerate(eqns):
        buf = buffers.get(e.out.id)
        if e.kind == "effect":  # a runtime check: a statement, no result
            code = f"{writer.function(e.fn)}({writer.call_args(e.args, e.kwargs)})"
        else:
            code = f"{namer.var(e.out)} = {writer.expression(e, None if buf is None else namer.var(buf))}"
        if e.comment:
            code += f"  # {e.comment}"
        lines.append("    " + code)
        if i in dead:
            lines.append("    del " + ", ".join(namer.var(v) for v in dead[i]))
    given = {v.id for v in inputs}
    # An output that is an argument itself (x * 1 simplified away) is copied: eager returns a new array too.
    rendered = [f"{writer.arg(o)}.copy()" if type(o) is Var and o.id in given else writer.arg(o) for o in outputs]
    lines.append(f"    return [{', '.join(rendered)}]")
    return "\n".join(lines) + "\n", writer.globals


# Arrays at least this large are released (``del``) right after their last use, so the
# program's peak memory is that of hand-written code that lets temporaries go, not the sum
# of all its intermediates. Smaller ones are left alone: the program stays readable.
_RELEASE_BYTES = 64 * 1024


def _large_dead_after(eqns: list[Eqn], outputs: list[Any], inputs: list[Var], buffers: dict[int, Var]) -> dict:
    """{equation index: [large variables whose last use, as an operand or an ``out=`` buffer, is there]}."""
    from .passes import var_args

    last: dict[int, tuple[int, Var]] = {}
    for i, e in enumerate(eqns):
        last[e.out.id] = (i, e.out)
        for v in var_args(e):
            last[v.id] = (i, v)
        buf = buffers.get(e.out.id)
        if buf is not None:
            last[buf.id] = (i, buf)
    keep = {v.id for v in inputs} | {o.id for o in outputs if type(o) is Var}
    dead: dict[int, list[Var]] = {}
    for vid, (i, v) in last.items():
        nbytes = int(np.prod(v.shape, dtype=np.int64)) * v.dtype.itemsize
        if vid not in keep and nbytes >= _RELEASE_BYTES:
            dead.setdefault(i, []).append(v)
    return dead
