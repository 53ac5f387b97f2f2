"""mg.compile: trace a function once per signature and run it as generated straight-line NumPy.

    step = mg.compile(mg.value_and_grad(loss, argnums=(0, 1, 2, 3)))
    value, grads = step(W1, b1, W2, b2)     # first call: traces, generates, runs
    print(step.source)                      # the backprop, written out as NumPy

How it works (see ``minigrad.tracing``, ``passes``, ``codegen``): the arguments' arrays are
replaced by Boxes and ``fn`` runs once through the ordinary minigrad core, which
records every NumPy call it makes, forward and backward, into a trace. Passes
remove dead code and repeated work, drop identities (x·1, x+0) and let
elementwise results reuse dead buffers (``out=``). The trace is then written
out as a Python function, one line per array operation, and compiled.

The signature of a call is the structure of its arguments (pytrees), the shape
and dtype of every array or Tensor in them, and the value of everything else
(Python numbers, strings, ...). A new signature traces again; the last
``cache_size`` programs are kept, and a warning says when a function has been
traced more than ``warn_after`` times (usually a Python number that changes on
every call: pass it as an array instead).

Everything ``fn`` reads that is not an argument is a constant of the program,
taken when it traces (as in JAX): closed-over arrays, a model's parameters if
they are not passed in, its train/eval mode. Pass what changes as arguments
(``mg.functional_call(model, params, X)`` makes parameters arguments), and call
``clear()`` after changing anything else. Random draws inside ``fn`` would be
frozen too: dropout in training mode is refused.

Limits, each refused with a ``TracingError`` naming the line rather than
compiled into a silently specialised program: Python control flow on values
computed from the arguments (``if loss > 0``, ``float(x)``, ``.item()``), and
writes into arrays (``a[i] = ...``, ``out=``). Tensors that require grad cannot
be arguments (a compiled function is not differentiable from outside: compile
the transform instead, as above). A compiled function is safe to call from
several threads.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tracing as _box
from ..tensor import Tensor, _wrap
from ..tracing import Box, TracingError, Var
from ..tree import tree_flatten, tree_unflatten
from .codegen import generate
from .passes import common_subexpressions, dead_code, plan_buffers, simplify, strength_reduce

__all__ = ["compile", "Compiled", "TracingError", "RetraceWarning"]


class RetraceWarning(UserWarning):
    """A compiled function was traced again and again (its signature keeps changing)."""


class _Program:
    """One generated program: its function, source, and a builder of the output structure."""

    __slots__ = ("fn", "source", "build", "n_eqns", "trace_seconds")

    def __init__(self, fn: Callable[..., list], source: str, out_def: Any, out_kinds: list[str], n_eqns: int):
        self.fn = fn
        self.source = source
        self.build = _builder(out_def, out_kinds)
        self.n_eqns = n_eqns
        self.trace_seconds = 0.0


def _builder(treedef: Any, kinds: list[str]) -> Callable[[list], Any]:
    """A function from the program's flat outputs to ``fn``'s output structure (Tensors where ``fn`` gave Tensors).

    Written once per program as one expression, so a call costs no tree walk.
    """
    counter = iter(range(len(kinds)))

    def expr(d: Any) -> str:
        if d.kind == "leaf":
            i = next(counter)
            return f"w(x[{i}])" if kinds[i] == "t" else f"x[{i}]"
        if d.kind == "none":
            return "None"
        parts = [expr(c) for c in d.children]
        if d.kind == "list":
            return "[" + ", ".join(parts) + "]"
        if d.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(d.meta, parts)) + "}"
        if d.kind == "namedtuple":
            return "nt(" + ", ".join(parts) + ")"
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"

    if any(c.kind in ("namedtuple", "OrderedDict", "defaultdict") for c in _subtrees(treedef)):  # their types
        return lambda flat: tree_unflatten(treedef, [_wrap(v) if k == "t" else v for v, k in zip(flat, kinds)])
    return eval(f"lambda x: {expr(treedef)}", {"w": _wrap})  # noqa: S307 - text built above from a TreeDef


def _subtrees(d: Any) -> list[Any]:
    out, stack = [], [d]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


def _signature_part(leaf: Any) -> Any:
    if type(leaf) is np.ndarray:
        return (leaf.shape, leaf.dtype)
    if isinstance(leaf, Tensor):
        if leaf.requires_grad:
            raise TypeError(
                "mg.compile: an argument is a Tensor that requires grad; a compiled function is not "
                "differentiable from outside. Compile the transform instead: mg.compile(mg.grad(f))"
            )
        return ("T", leaf.data.shape, leaf.data.dtype)
    if isinstance(leaf, np.generic):
        return ("s", leaf.dtype.str, leaf.item())
    try:
        hash(leaf)
    except TypeError:
        raise TypeError(
            f"mg.compile: cannot use a {type(leaf).__name__} argument as part of a signature (it is not an array "
            "and not hashable)"
        ) from None
    return ("=", type(leaf), leaf)


def _param_names(fn: Callable[..., Any], args: tuple, leaves_per_arg: list[list[str]]) -> list[str]:
    """A Python name for each array leaf: the parameter's name, with the leaf's path for pytrees."""
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, paths in enumerate(leaves_per_arg):
        base = params[i] if i < len(params) else f"arg{i}"
        for path in paths:
            names.append(base if path == "" else f"{base}_{path}")
    return names


def _paths(tree: Any, prefix: str = "") -> list[str]:
    """Names for the leaves of ``tree`` in flatten order: '' for a bare leaf, else the path ('W1', 'layers_0')."""
    if tree is None:
        return []
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out += _paths(tree[k], f"{prefix}_{k}" if prefix else str(k))
        return out
    if isinstance(tree, (list, tuple)):
        out = []
        for i, v in enumerate(tree):
            out += _paths(v, f"{prefix}_{i}" if prefix else str(i))
        return out
    return [prefix]


class Compiled:
    """A function compiled per signature into NumPy programs; call it like the original.

    ``source`` is the generated Python of the latest trace; ``traces`` counts
    how many times it has traced.
    """

    def __init__(self, fn: Callable[..., Any], cache_size: int = 8, warn_after: int = 16):
        if not callable(fn):
            raise TypeError(f"mg.compile: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self.cache_size = cache_size
        self.warn_after = warn_after
        self.traces = 0
        self._cache: OrderedDict[Any, _Program] = OrderedDict()
        self._latest: _Program | None = None
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn)

    def clear(self) -> None:
        """Forget every traced program (after changing state ``fn`` reads but does not take as an argument)."""
        with self._lock:
            self._cache.clear()
            self._latest = None

    @property
    def source(self) -> str:
        """The generated program of the latest trace (raises if the function was never called)."""
        if self._latest is None:
            raise RuntimeError("mg.compile: the function has not been traced yet; call it once first")
        return self._latest.source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            args = self._positional(args, kwargs)
        # Fast path: every argument a bare array (the common training step): one dict lookup.
        if all([type(a) is np.ndarray for a in args]):
            key: Any = tuple([(a.shape, a.dtype) for a in args])
            program = self._cache.get(key)
            if program is None:
                with self._lock:
                    program = self._cache.get(key) or self._trace(args, list(args), key)
            return program.build(program.fn(*args))
        leaves, treedef = tree_flatten(args)
        key = (treedef, tuple(_signature_part(leaf) for leaf in leaves))
        program = self._cache.get(key)
        if program is None:
            with self._lock:
                program = self._cache.get(key) or self._trace(args, leaves, key)
        arrays = [leaf.data if isinstance(leaf, Tensor) else leaf for leaf in leaves if _is_array(leaf)]
        return program.build(program.fn(*arrays))

    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        """Keyword arguments moved to their positions (defaults filled in), as the signature binds them."""
        try:
            bound = inspect.signature(self.fn).bind(*args, **kwargs)
        except (TypeError, ValueError) as e:
            raise TypeError(f"mg.compile: {e}") from None
        bound.apply_defaults()
        if bound.kwargs:
            raise TypeError(
                f"mg.compile: keyword-only or **kwargs arguments ({', '.join(bound.kwargs)}) are not supported; "
                "make them positional parameters"
            )
        return tuple(bound.args)

    def _trace(self, args: tuple, leaves: list[Any], key: Any) -> _Program:
        import time

        start = time.perf_counter()
        trace = _box.Trace()
        inputs: list[Var] = []
        traced_leaves = []
        names = _param_names(self.fn, args, [_paths(a) for a in args])
        for leaf, name in zip(leaves, names):
            if _is_array(leaf):
                value = leaf.data if isinstance(leaf, Tensor) else leaf
                var = trace.new_var(value)
                var.name = name
                inputs.append(var)
                traced_leaves.append(_wrap(Box(value, var)))
            else:
                traced_leaves.append(leaf)
        traced_args = tree_unflatten(tree_flatten(args)[1], traced_leaves)
        previous = _box._state.trace
        _box._state.trace = trace
        try:
            result = self.fn(*traced_args)
        finally:
            _box._state.trace = previous
        for t in trace.tensors:
            if type(t.data) is Box and t.name and t.data.tvar.name is None:
                t.data.tvar.name = t.name
        trace.tensors.clear()
        out_leaves, out_def = tree_flatten(result)
        outputs: list[Any] = []
        kinds: list[str] = []
        for leaf in out_leaves:
            value = leaf.data if isinstance(leaf, Tensor) else leaf
            kinds.append("t" if isinstance(leaf, Tensor) else "a")
            if type(value) is Box:
                outputs.append(value.tvar)
            else:
                outputs.append(trace.const(value))
        eqns = dead_code(trace.eqns, outputs)
        eqns, outputs = common_subexpressions(eqns, outputs)
        eqns, outputs = simplify(eqns, outputs, trace.consts)
        eqns, outputs = strength_reduce(eqns, outputs, trace)
        eqns, outputs = common_subexpressions(eqns, outputs)
        eqns = dead_code(eqns, outputs)
        buffers = plan_buffers(eqns, outputs, inputs)
        array_names = [n for n, leaf in zip(names, leaves) if _is_array(leaf)]
        fn_name = getattr(self.fn, "__name__", "compiled")
        fn_name = fn_name if fn_name.isidentifier() and fn_name != "<lambda>" else "compiled"
        source, namespace = generate(fn_name, array_names, inputs, eqns, outputs, trace.consts, buffers)
        code = builtins.compile(source, f"<mg.compile {fn_name}>", "exec")
        exec(code, namespace)
        program = _Program(namespace[fn_name], source, out_def, kinds, len(eqns))
        program.trace_seconds = time.perf_counter() - start
        self.traces += 1
        self._cache[key] = program
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        self._latest = program
        if self.traces == self.warn_after + 1:
            warnings.warn(
                f"mg.compile: {fn_name} has been traced {self.traces} times; its signature (shapes, dtypes, "
                "Python values of its arguments) keeps changing. Pass changing numbers as arrays.",
                RetraceWarning,
                stacklevel=3,
            )
        return program


def _is_array(leaf: Any) -> bool:
    return type(leaf) is np.ndarray or isinstance(leaf, Tensor)


def compile(fn: Callable[..., Any], cache_size: int = 8, warn_after: int = 16) -> Compiled:
    """Compile ``fn`` (a function of arrays/Tensors and pytrees of them, built from minigrad ops and transforms).

    Returns a ``Compiled`` callable with ``fn``'s signature; see this module's
    docstring for what is traced, what retraces and what is refused. Outputs
    are Tensors (for Tensor results of ``fn``) or arrays, in ``fn``'s output
    structure, and never share memory with each other's buffers across calls.
    """
    return Compiled(fn, cache_size, warn_after)
