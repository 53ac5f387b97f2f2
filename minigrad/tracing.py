"""Tracing NumPy calls: a Box stands for an array computed from the compiled function's arguments.

While ``mg.compile`` traces a function, the arrays inside its argument Tensors
are Boxes. A Box holds the concrete value of the tracing call and the variable
it will be in the generated program. Every NumPy call that touches a Box (a
ufunc through ``__array_ufunc__``, any other function through
``__array_function__``, an operator, a method, indexing) computes its concrete
result and appends one equation to the trace. Masks, indices and shifts that
ops and VJPs compute from their inputs are therefore recorded like everything
else, and can never be frozen from the tracing call.

Anything that needs a Box's *value* in Python (``bool``, ``float``, ``int``,
``.item()``, conversion to a plain array) would specialise the program to the
tracing call's values: it raises ``TracingError`` naming the line instead.

This module imports only NumPy (and its NumPy-only siblings ``batching`` and
``_operators``): the core (``tensor``, ``engine``) asks ``type(x) is Box`` on
its rare non-array paths.
"""

from __future__ import annotations

import operator
import os
import sys
import threading
from typing import Any

import numpy as np

from . import _operators
from .batching import Batched

__all__ = ["Box", "TracingError", "Trace", "Var", "Eqn", "current", "primitive", "hint", "asarray", "check"]


class TracingError(RuntimeError):
    """The function cannot be compiled as it stands (value-dependent Python control flow, an in-place write, ...)."""


class Var:
    """A variable of the generated program: one array computed once per call."""

    __slots__ = ("id", "shape", "dtype", "name", "role")

    def __init__(self, id: int, shape: tuple[int, ...], dtype: np.dtype):
        self.id = id
        self.shape = shape
        self.dtype = dtype
        self.name: str | None = None  # given by the user (argument names, Tensor.named)
        self.role: str | None = None  # the op that made it, or the gradient it is ("dW1")

    def __repr__(self) -> str:
        return f"Var({self.id}, {self.shape}, {self.dtype})"


class Const:
    """A constant of the generated program (an array that does not depend on the arguments, a dtype, a function)."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class Eqn:
    """``out = fn(*args, **kwargs)``: ``kind`` is "ufunc", "method" (fn is the method's name),
    "getitem", "func" (a NumPy function or a registered primitive) or "unpack" (element of a tuple result).
    ``args``/``kwargs`` hold Vars where Boxes were, Consts for arrays, and plain values otherwise."""

    __slots__ = ("out", "kind", "fn", "args", "kwargs", "comment", "site")

    def __init__(self, out: Var, kind: str, fn: Any, args: tuple, kwargs: dict, comment: str | None, site: str):
        self.out = out
        self.kind = kind
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.comment = comment
        self.site = site


class Trace:
    """The equations recorded while tracing one call, in order."""

    def __init__(self) -> None:
        self.eqns: list[Eqn] = []
        self.consts: list[Any] = []
        self._const_ids: dict[int, int] = {}
        self.n_vars = 0
        self.context: str | None = None  # e.g. "VJP of tanh" while the engine runs that VJP
        self.tensors: list[Any] = []  # Tensors made by record(), read for their names after tracing

    def new_var(self, value: Any) -> Var:
        self.n_vars += 1
        return Var(self.n_vars, np.shape(value), np.asarray(value).dtype if not isinstance(value, Box) else value.dtype)

    def const(self, value: Any) -> Const:
        key = id(value)
        if key not in self._const_ids:
            self._const_ids[key] = len(self.consts)
            self.consts.append(value)
        return Const(self._const_ids[key])


class _State(threading.local):
    trace: Trace | None = None


_state = _State()


def current() -> Trace | None:
    """The trace being recorded in this thread, or None."""
    return _state.trace


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_HERE = os.path.join(_PACKAGE, "compile")
_THIS = os.path.abspath(__file__)
_NUMPY = os.path.dirname(np.__file__)


def user_site() -> str:
    """``file:line`` of the innermost frame outside NumPy and this compiler (a minigrad op, or the user's code)."""
    frame: Any = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if not (path.startswith(_HERE) or path == _THIS or path.startswith(_NUMPY)):
            return f"{path}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def _user_line() -> str:
    """``file:line`` of the innermost frame outside the minigrad package and NumPy (the user's own line)."""
    frame: Any = sys._getframe(2)
    inner = None
    while frame is not None:
        path = frame.f_code.co_filename
        if not (path.startswith(_PACKAGE) or path.startswith(_NUMPY)):
            return f"{path}:{frame.f_lineno}"
        if inner is None and not (path.startswith(_HERE) or path == _THIS):
            inner = f"{path}:{frame.f_lineno}"
        frame = frame.f_back
    return inner or "<unknown>"


def _refuse(what: str) -> TracingError:
    return TracingError(
        f"mg.compile: {what} at {_user_line()} needs the value of an array computed from the arguments, "
        "so the compiled program would be specialised to this call's values. Write the branch with "
        "mg.where (or move it outside the compiled function, or pass the value as a Python number)."
    )


# -- symbolic arguments ----------------------------------------------------------------
_LITERALS = (int, float, bool, str, type(None), slice, type(Ellipsis), complex)


def _symbolic(x: Any, trace: Trace) -> Any:
    """``x`` with Boxes replaced by their Vars and arrays by Consts (containers walked)."""
    if type(x) is Box:
        return x.tvar
    if isinstance(x, tuple):
        return tuple(_symbolic(v, trace) for v in x)
    if isinstance(x, list):
        return [_symbolic(v, trace) for v in x]
    if isinstance(x, dict):
        return {k: _symbolic(v, trace) for k, v in x.items()}
    if isinstance(x, _LITERALS) and not isinstance(x, np.generic):
        return x
    return trace.const(x)


def _concrete(x: Any) -> Any:
    if type(x) is Box:
        return x.value
    if isinstance(x, tuple):
        return tuple(_concrete(v) for v in x)
    if isinstance(x, list):
        return [_concrete(v) for v in x]
    if isinstance(x, dict):
        return {k: _concrete(v) for k, v in x.items()}
    return x


def _has_box(x: Any) -> bool:
    if type(x) is Box:
        return True
    if isinstance(x, (tuple, list)):
        return any(_has_box(v) for v in x)
    if isinstance(x, dict):
        return any(_has_box(v) for v in x.values())
    return False


def _foreign(x: Any) -> bool:
    """True for an operand with its own NumPy protocol (a minigrad Tensor): it must handle the op."""
    t = type(x)
    return t is not Box and not issubclass(t, np.ndarray) and getattr(t, "__array_ufunc__", None) is not None


def emit(kind: str, fn: Any, args: tuple, kwargs: dict) -> Any:
    """Compute ``fn(*args, **kwargs)`` on concrete values and record it; returns Box(es) for array results."""
    trace = _state.trace
    if trace is None:
        raise TracingError("mg.compile: a traced value was used after its trace ended (it leaked out of the function)")
    cargs, ckwargs = _concrete(args), _concrete(kwargs)
    if kind == "method":
        result = getattr(cargs[0], fn)(*cargs[1:], **ckwargs)
    elif kind == "getitem":
        result = cargs[0][cargs[1]]
    else:
        result = fn(*cargs, **ckwargs)
    site = user_site()
    sargs, skwargs = _symbolic(args, trace), _symbolic(kwargs, trace)
    if isinstance(result, (tuple, list)) and all(isinstance(r, (np.ndarray, np.generic)) for r in result):
        whole = trace.new_var(np.empty(0))
        trace.eqns.append(Eqn(whole, kind, fn, sargs, skwargs, trace.context, site))
        boxes = []
        for i, r in enumerate(result):
            var = trace.new_var(r)
            trace.eqns.append(Eqn(var, "unpack", i, (whole,), {}, trace.context, site))
            boxes.append(Box(r, var))
        return type(result)(boxes)
    if not isinstance(result, (np.ndarray, np.generic)):
        return result  # metadata (a shape, a count): does not depend on values
    var = trace.new_var(result)
    trace.eqns.append(Eqn(var, kind, fn, sargs, skwargs, trace.context, site))
    return Box(result, var)


def primitive(fn: Any) -> Any:
    """Mark a helper as one opaque call in compiled programs (for helpers that write into arrays they made).

    Outside tracing the helper runs as is (one extra check); while tracing, a call
    with a Box argument is recorded as a single equation calling the helper.
    """

    def traced(*args: Any, **kwargs: Any) -> Any:
        if _state.trace is not None and (_has_box(args) or _has_box(kwargs)):
            return emit("func", fn, args, kwargs)
        return fn(*args, **kwargs)

    traced.__name__ = fn.__name__
    traced.__qualname__ = fn.__qualname__
    traced.__doc__ = fn.__doc__
    traced.__wrapped__ = fn  # type: ignore[attr-defined]
    return traced


def raise_if(bad: Any, error: type, message: str) -> Any:
    """Raise ``error(message)`` if ``bad`` is true: a check a compiled program makes on every call."""
    if bad:
        raise error(message)
    return bad


def check(bad: Any, error: type, message: str) -> None:
    """Raise ``error(message)`` now if ``bad`` is true; if ``bad`` is traced, in every run of the program.

    For the core's validation of values (labels in range): a Python ``if`` on a
    traced value cannot be compiled, and skipping the check would let a compiled
    program return wrong numbers where eager minigrad raises.
    """
    if type(bad) is not Box:
        if bad:
            raise error(message)
        return
    trace = _state.trace
    assert trace is not None
    out = trace.new_var(np.asarray(False))
    trace.eqns.append(
        Eqn(out, "effect", raise_if, (bad.tvar, trace.const(error), message), {}, trace.context, user_site())
    )


def asarray(x: Any, dtype: Any = None) -> Any:
    """``np.asarray(x, dtype)``, except that a Box stays a Box (converted with ``astype`` if needed).

    The core uses it wherever it coerces a value that may be traced by mg.compile.
    """
    if type(x) is Box or type(x) is Batched:
        return x if dtype is None or x.dtype == np.dtype(dtype) else x.astype(dtype)
    return np.asarray(x, dtype=dtype)


def hint(value: Any, role: str) -> None:
    """Name the variable behind ``value`` by its role (``tanh``, ``dW1``) if it is traced and unnamed."""
    if type(value) is Box and value.tvar.role is None:
        value.tvar.role = role


# -- the Box -----------------------------------------------------------------------------
class Box:
    """A traced array: the tracing call's concrete ``value`` and its ``var`` in the program."""

    __slots__ = ("value", "tvar")
    __array_priority__ = 1000.0
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, value: Any, var: Var):
        self.value = value
        self.tvar = var

    # metadata only: never depends on values
    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.value)

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def ndim(self) -> int:
        return np.ndim(self.value)

    @property
    def size(self) -> int:
        return int(np.size(self.value))

    def __len__(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:
        return f"Box(shape={self.shape}, dtype={self.dtype})"

    # NumPy protocols
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(_foreign(x) for x in inputs):
            return NotImplemented  # a Tensor operand: let it record the op (the graph needs it), then trace
        if kwargs.get("out") is not None or method == "at":
            raise TracingError(
                f"mg.compile: an in-place NumPy call ({ufunc.__name__}.{method} with out=) at {_user_line()} "
                "writes into an array; compiled functions must not write into arrays they are given"
            )
        if method == "__call__":
            return emit("ufunc", ufunc, inputs, kwargs)
        return emit("func", getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if any(t is not Box and not issubclass(t, np.ndarray) for t in types):
            return NotImplemented  # a Tensor among the arguments: its own protocol records the op
        return emit("func", func, args, kwargs)

    @property
    def flags(self) -> Any:
        raise TracingError(
            f"mg.compile: an in-place write into a traced array at {_user_line()}; compiled programs are "
            "functional (write y = y + 1, or mg.where, instead of y += 1 or y[i] = v)"
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise _refuse("converting a traced array to a NumPy array")

    # value-dependent Python: refused
    def __bool__(self) -> bool:
        raise _refuse("a Python branch (bool) on a traced array")

    def __float__(self) -> float:
        raise _refuse("float() of a traced array")

    def __int__(self) -> int:
        raise _refuse("int() of a traced array")

    def __index__(self) -> int:
        raise _refuse("using a traced array as a Python index")

    def __complex__(self) -> complex:
        raise _refuse("complex() of a traced array")

    def item(self, *args: Any) -> Any:
        raise _refuse(".item() of a traced array")

    def tolist(self) -> Any:
        raise _refuse(".tolist() of a traced array")

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, idx: Any) -> Any:
        return emit("getitem", operator.getitem, (self, idx), {})

    def __setitem__(self, idx: Any, value: Any) -> None:
        raise TracingError(
            f"mg.compile: an item assignment into a traced array at {_user_line()}; compiled programs are "
            "functional (write it with mg.where or concatenate)"
        )

    @property
    def T(self) -> Any:
        return emit("method", "transpose", (self,), {})

    def __pos__(self) -> Box:
        return self

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> Any:
        return emit("method", "astype", (self, dtype, *args), kwargs)


def _method(name: str) -> Any:
    def method(self: Box, *args: Any, **kwargs: Any) -> Any:
        return emit("method", name, (self, *args), kwargs)

    method.__name__ = name
    return method


for _name in (
    "sum mean max min prod cumsum any all reshape transpose swapaxes copy ravel flatten squeeze "
    "clip argmax argmin dot var std repeat nonzero round conj"
).split():
    setattr(Box, _name, _method(_name))


_operators.install(Box)
