"""The Tensor: a NumPy array plus the record of the op that made it.

A Tensor that requires grad and was computed by an op is a *node*: it keeps
its parents (the op's inputs) and one vector-Jacobian product (VJP) per
parent. ``record`` is the only place where nodes are made; ``engine`` is the
only place where they are walked.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import numpy as np

from .batching import Batched
from .forward import _state as _forward
from .forward import propagate
from .tracing import Box
from .tracing import _state as _tracing

__all__ = ["Tensor", "no_grad", "enable_grad", "is_grad_enabled"]

# A VJP maps (g, out, *inputs) to the gradient for one input. During a plain
# backward pass the arguments are NumPy arrays; during a pass that records
# itself for higher order (create_graph) they are Tensors. VJPs are written
# with operators and methods that both types share, so one formula serves both.
VJP = Callable[..., Any]
# A JVP maps (t, out, *inputs) to the output's tangent carried by one input's
# tangent t. It is written in the same shared style as the VJPs, so forward
# mode can run it on arrays or, for nesting with reverse mode, on Tensors.
JVP = Callable[..., Any]


class _GradMode(threading.local):
    enabled = True
    anomaly = False  # mg.detect_anomaly() in this thread (see minigrad.anomaly)


_mode = _GradMode()
# How many mode switches (no_grad, enable_grad, detect_anomaly) are open, in all
# threads. While none is, every thread is in the default mode (recording, no
# anomaly checks), and ``record`` skips reading the thread-local ``_mode``:
# that read costs ~85 ns, the largest single cost of recording a node.
_open_switches = 0
_switch_lock = threading.Lock()


def _switch(attr: str, value: bool) -> bool:
    """Set a mode flag in this thread; returns the previous value for ``_restore``."""
    global _open_switches
    with _switch_lock:
        _open_switches += 1
    previous = getattr(_mode, attr)
    setattr(_mode, attr, value)
    return previous


def _restore(attr: str, previous: bool) -> None:
    global _open_switches
    setattr(_mode, attr, previous)
    with _switch_lock:
        _open_switches -= 1


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in this thread."""
    return _mode.enabled


@contextmanager
def _set_grad_enabled(flag: bool) -> Iterator[None]:
    previous = _switch("enabled", flag)
    try:
        yield
    finally:
        _restore("enabled", previous)


class ModeSwitch:
    """Set one per-thread mode (``_attr`` to ``_flag``) inside a ``with`` block or a decorated function.

    Usable as ``with switch():``, ``@switch()`` and the bare ``@switch`` (PyTorch
    accepts all three for ``no_grad``). Subclasses: ``no_grad``, ``enable_grad``,
    ``detect_anomaly``.
    """

    _attr = "enabled"
    _flag = True
    _previous: list[bool]  # the modes to restore, one per open ``with`` block

    def __new__(cls, fn: Any = None) -> Any:
        self = super().__new__(cls)
        self._previous = []
        if fn is None:
            return self
        if not callable(fn):
            raise TypeError(f"{cls.__name__}: takes no argument, or a function to decorate; got {type(fn).__name__}")
        return self(fn)

    def __enter__(self) -> Any:
        self._previous.append(_switch(self._attr, self._flag))
        return self

    def __exit__(self, *exc: Any) -> None:
        _restore(self._attr, self._previous.pop())

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        kind = type(self)

        @functools.wraps(fn)
        def switched(*args: Any, **kwargs: Any) -> Any:
            with kind():
                return fn(*args, **kwargs)

        return switched


class no_grad(ModeSwitch):
    """Ops inside record nothing (per thread): ``with mg.no_grad():``, ``@mg.no_grad`` or ``@mg.no_grad()``.

    In-place operators on tensors (``p -= lr * p.grad``) write into ``.data`` here.
    """

    _flag = False


class enable_grad(ModeSwitch):
    """Turn recording back on inside ``no_grad()``: a context manager or a decorator."""

    _flag = True


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """The array a public ``Tensor(data)`` holds: floats stay float, Python floats become float64."""
    if isinstance(data, Tensor):
        data = data.data
    data = _plain(data, "Tensor")
    if dtype is not None:
        array = np.array(data, dtype=_numeric_dtype(np.dtype(dtype), "Tensor"))
    elif isinstance(data, np.ndarray) or type(data) is Box:  # Box: an array traced by mg.compile
        array = cast(np.ndarray, data)  # a Box stands in for an array while tracing
    else:
        array = np.asarray(data)
    _numeric_dtype(array.dtype, "Tensor", data)
    return array


def _plain(data: Any, op: str) -> Any:
    """``data`` with an ndarray subclass made a plain ndarray; a masked array is refused.

    np.matrix turns ``*`` into a matrix product and reductions into 2-D results,
    which would make every VJP wrong; a masked array's mask would be silently
    ignored by the gradients.
    """
    if isinstance(data, np.ndarray) and type(data) is not np.ndarray:
        if isinstance(data, np.ma.MaskedArray):
            raise TypeError(
                f"{op}: masked arrays are not supported (gradients would ignore the mask); "
                "pass data.filled(value) or select the unmasked elements first"
            )
        return np.asarray(data)  # np.matrix and other subclasses: the same numbers as a plain array
    return data


def _numeric_dtype(dtype: np.dtype, op: str, data: Any = None) -> np.dtype:
    """``dtype`` if it is boolean, integer or floating; else a TypeError naming it."""
    if dtype.kind in "biuf":
        return dtype
    if dtype.kind == "c":
        why = "complex numbers are not supported (minigrad differentiates real functions)"
    elif dtype.kind == "O":
        what = type(data).__name__ if data is not None else "these values"
        why = f"cannot make a numeric array from {what} (NumPy gives an object array)"
    else:
        why = "only boolean, integer and floating data are supported"
    raise TypeError(f"{op}: dtype {dtype} is not supported: {why}")


class Tensor:
    """A NumPy array that records the ops applied to it, for reverse-mode autodiff.

    ``Tensor(data, requires_grad=False, dtype=None)``. Python scalars and lists
    are copied into a new array (float64 for floats); NumPy arrays keep their
    dtype. A constant shares memory with the array passed in; a tensor that
    requires grad owns a copy, because optimizers update ``.data`` in place and
    minigrad never writes into arrays a user handed it (except through the
    in-place operators of a constant, as ``np.asarray`` would). Integer and
    boolean tensors are constants; other dtypes (complex, strings, objects,
    datetimes) are a ``TypeError``.

    Beyond PyTorch's and NumPy's usual API: in-place operators and
    ``t[idx] = v`` (rules and version counters in ``minigrad.inplace``), NumPy
    functions on Tensors (``minigrad._numpy_api``), Python conversions
    (``float``, ``int``, ``bool``, ``operator.index``, ``round``, ``//``, ``%``),
    and ``requires_grad_``, ``retain_grad``, ``register_hook``.
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "name",
        "_parents",
        "_vjps",
        "_op",
        "_seq",
        "_hooks",
        "_anomaly",
        "_tangents",
    )
    _anomaly: anomaly._Note  # set by detect_anomaly mode only (read with getattr)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        array = _as_array(data, dtype)
        if requires_grad:
            if array.dtype.kind != "f":
                raise TypeError(
                    f"Tensor: only floating tensors can require grad; got dtype {array.dtype} "
                    "(integer and boolean tensors are constants)"
                )
            if array is data or (isinstance(data, Tensor) and array is data.data):
                array = array.copy()
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self.name: str | None = name
        self._parents: tuple[Tensor, ...] | None = None
        self._vjps: tuple[VJP, ...] | None = None
        self._op: str | None = None
        self._seq: int = 0
        self._hooks: list | None = None
        self._tangents: dict[int, Tensor] | None = None  # forward mode: {level: tangent}

    # -- basic attributes ------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def op(self) -> str | None:
        """Name of the op that made this tensor (None for a leaf)."""
        return self._op

    @property
    def is_leaf(self) -> bool:
        return self._vjps is None

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """The tensor's rows, as NumPy iterates (each a differentiable ``t[i]``); a 0-d tensor is a TypeError."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __format__(self, spec: str) -> str:
        """``f"{t:.3f}"`` formats the value of a one-element tensor (as a NumPy scalar would); else repr."""
        if spec and self.data.size == 1:
            return format(self.data.item(), spec)
        return format(str(self), spec)

    def item(self) -> Any:
        return self.data.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists, as ``np.ndarray.tolist``."""
        return self.data.tolist()

    # -- Python conversions (see minigrad/_numpy_api.py for the rules) ---------
    def __float__(self) -> float:
        return float(_scalar(self, "float"))

    def __int__(self) -> int:
        return int(_scalar(self, "int"))

    def __complex__(self) -> complex:
        return complex(_scalar(self, "complex"))

    def __bool__(self) -> bool:
        return bool(self.data)  # NumPy: one element converts, more is ambiguous (ValueError)

    def __index__(self) -> int:
        return self.data.__index__()  # NumPy: integer 0-d tensors only

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def __round__(self, ndigits: int | None = None) -> Tensor:
        return _numpy_api.round_(self, ndigits)

    def __floordiv__(self, other: Any) -> Tensor:
        return _numpy_api.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _numpy_api.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _numpy_api.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _numpy_api.remainder(other, self)

    def copy(self) -> Tensor:
        """A differentiable copy with its own memory (PyTorch's ``clone``).  d/dx = 1."""
        return record("copy", self.data.copy(), (self,), (passthrough,), (passthrough,))

    def argmax(self, axis: int | None = None) -> Tensor:
        """Index of the largest element (a constant integer tensor), as ``np.argmax``."""
        return Tensor(np.argmax(self.data, axis=axis))

    def argmin(self, axis: int | None = None) -> Tensor:
        """Index of the smallest element (a constant integer tensor), as ``np.argmin``."""
        return Tensor(np.argmin(self.data, axis=axis))

    # -- NumPy protocols: np.exp(t), np.concatenate([t, u]) ... return Tensors --
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs:
            op = _numpy_api.OPERATORS.get(ufunc)
            if op is not None:
                return op(*inputs)
        return _numpy_api.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _numpy_api.array_function(func, types, args, kwargs)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if type(self.data) is Box:  # mg.compile is tracing: the data has no value to hand out
            return self.data.__array__()  # raises TracingError naming the line
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def detach(self) -> Tensor:
        """A constant sharing this tensor's data (and so its version counter), cut from the graph."""
        return _wrap(self.data)

    @property
    def _version(self) -> int:
        """How many in-place writes went into this tensor's memory (shared with its views, as in PyTorch)."""
        return inplace.version(self.data)

    # -- PyTorch habits ----------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self (only on leaves; only floating tensors can require grad)."""
        if self._vjps is not None and not requires_grad:
            raise RuntimeError(
                f"requires_grad_: this tensor was computed by {self._op!r}; only leaves can be set to "
                "requires_grad=False (use .detach() for a constant copy of its values)"
            )
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad_: only floating tensors can require grad; got dtype {self.data.dtype} "
                "(integer and boolean tensors are constants)"
            )
        if requires_grad and not self.data.flags.writeable:
            self.data = self.data.copy()  # a read-only (shared) array: give the parameter its own
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep the gradient of this intermediate tensor in ``.grad`` after backward (leaves always do)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad, so backward never reaches it")
        if self._vjps is not None:
            self._hooks = [*(self._hooks or ()), _RETAIN]

    def register_hook(self, fn: Callable[[Any], Any]) -> Callable[[], None]:
        """Call ``fn(grad)`` with this tensor's gradient whenever backward computes it.

        ``grad`` is a Tensor (a constant, or a recorded one under
        ``create_graph``); ``fn`` may return a replacement of the same shape
        (a Tensor or an array), or None to keep it. Hooks run in the order they
        were registered, before a leaf accumulates into ``.grad``. Returns a
        function that removes the hook; ``handle.remove()`` works too, as in PyTorch.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so backward never reaches it")
        if not callable(fn):
            raise TypeError(f"register_hook: expected a callable, got {type(fn).__name__}")
        self._hooks = [*(self._hooks or ()), fn]

        def remove() -> None:
            if self._hooks and fn in self._hooks:
                rest = [h for h in self._hooks if h is not fn]
                self._hooks = rest or None

        remove.remove = remove  # type: ignore[attr-defined]  # PyTorch's handle.remove() works too
        return remove

    def named(self, name: str) -> Tensor:
        """Give this tensor a name (shown by ``mg.trace``) and return it."""
        self.name = name
        return self

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extras.append(f"op={self._op}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    __hash__ = object.__hash__  # comparisons return arrays, so hash by identity

    def backward(
        self,
        grad: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Add d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``grad`` is the upstream gradient (defaults to 1 for a one-element tensor).
        The graph is freed afterwards unless ``retain_graph`` (default: ``create_graph``).
        ``create_graph=True`` records the backward pass, so each ``.grad`` it adds
        to becomes a Tensor that can be differentiated again (double backward).
        ``inputs=[...]`` accumulates only into those tensors' ``.grad`` (leaves or not).
        Raises ``TracingError`` inside ``mg.compile``, which does not trace a step that
        calls ``backward()`` yet: compile ``mg.value_and_grad(loss)`` and update outside.
        """
        if _tracing.trace is not None:
            from .tracing import TracingError

            raise TracingError(
                "mg.compile: backward() was called inside the compiled function; compiled steps cannot call "
                "backward() or update parameters in place yet. Compile the loss's gradient instead, "
                "step = mg.compile(mg.value_and_grad(loss_fn)), and apply the update outside it"
            )
        engine.backward(self, grad, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    # -- operators: NumPy semantics, a Tensor, array or number on either side --
    def __add__(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, idx: Any) -> Tensor:
        return ops.getitem(self, idx)

    # -- in-place: write into this same tensor (rules in minigrad/inplace.py) --
    def __setitem__(self, idx: Any, value: Any) -> None:
        inplace.setitem(self, idx, value)

    def __iadd__(self, other: Any) -> Tensor:
        return inplace.update(self, "add", other)

    def __isub__(self, other: Any) -> Tensor:
        return inplace.update(self, "sub", other)

    def __imul__(self, other: Any) -> Tensor:
        return inplace.update(self, "mul", other)

    def __itruediv__(self, other: Any) -> Tensor:
        return inplace.update(self, "div", other)

    def __ipow__(self, other: Any) -> Tensor:
        return inplace.update(self, "pow", other)

    def __imatmul__(self, other: Any) -> Tensor:
        return inplace.update(self, "matmul", other)

    # Comparisons are not differentiable: they return boolean arrays.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _value(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _value(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _value(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _value(other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _value(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _value(other)

    # -- methods (each is also a function: x.exp() is mg.exp(x)) -------------
    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def abs(self) -> Tensor:
        return ops.abs(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.min(self, axis, keepdims)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ops.log_softmax(self, axis)

    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        return ops.clip(self, lo, hi)

    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def transpose(self, *axes: Any) -> Tensor:
        return ops.transpose(self, *axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return ops.swapaxes(self, axis1, axis2)

    def astype(self, dtype: Any) -> Tensor:
        return ops.astype(self, dtype)

    @property
    def T(self) -> Tensor:
        return ops.transpose(self)


def _scalar(t: Tensor, fn: str) -> Any:
    """The one element of ``t`` (any shape), for float()/int()/complex(); else a TypeError, as PyTorch."""
    if t.data.size != 1:
        raise TypeError(f"{fn}(): only one-element tensors can be converted to Python scalars, got shape {t.shape}")
    return t.data.reshape(())


def _wrap(data: Any) -> Tensor:
    """A constant Tensor around ``data`` without the checks of ``__init__`` (internal, hot path)."""
    if type(data) is not np.ndarray and type(data) is not Box and type(data) is not Batched:
        data = np.asarray(data)  # Box: traced by mg.compile; Batched: a block of tangents (jacfwd)
    t = object.__new__(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t.name = None
    t._parents = None
    t._vjps = None
    t._op = None
    t._seq = 0
    t._hooks = None
    t._tangents = None
    return t


# Nodes are numbered as they are made. An op's inputs always exist before its
# output, so decreasing numbers are a reverse topological order for free.
_next_seq = itertools.count(1).__next__


def passthrough(g: Any, *_: Any) -> Any:
    """The VJP of an input that the op passes through unchanged (d out / d x = 1).

    The engine recognises it and hands ``g`` on without calling it.
    """
    return g


class Slice:
    """The VJP of one input of a join (concatenate, stack): that input's slice ``g[where]``.

    Called like any VJP, but the engine recognises it and takes the slice
    without passing every input of the join, so a join of n inputs costs
    O(n) in backward, not O(n²).
    """

    __slots__ = ("where",)

    def __init__(self, where: Any):
        self.where = where

    def __call__(self, g: Any, *_: Any) -> Any:
        return g[self.where]


def record(
    op: str,
    data: Any,
    parents: tuple[Tensor, ...],
    vjps: tuple[VJP, ...],
    jvps: tuple[JVP, ...] | JVP | None = None,
) -> Tensor:
    """Wrap an op's output; make it a graph node if recording and any parent requires grad.

    ``vjps[i](g, out, *parents)`` returns the gradient for ``parents[i]`` (any
    broadcast shape: the engine reduces it to the parent's shape).
    ``jvps[i](t, out, *parents)`` returns the tangent of the output carried by
    ``parents[i]``'s tangent ``t`` (any shape that broadcasts to the output's;
    forward mode sums the parents' contributions and broadcasts once).
    ``passthrough`` serves as both (d out / d x = 1). Ops with many inputs
    (concatenate, stack) may pass one joint rule ``jvps(ts, out, *parents)``
    instead, ``ts`` holding each parent's tangent or None.
    """
    t = _wrap(data)
    if not _open_switches or _mode.enabled:
        for p in parents:
            if p.requires_grad:
                t.requires_grad = True
                t._parents = parents
                t._vjps = vjps
                t._op = op
                t._seq = _next_seq()
                if _open_switches and _mode.anomaly:
                    anomaly.note(t)
                break
    if _forward.visible:
        propagate(t, op, parents, jvps)
    if type(data) is Box:  # mg.compile is tracing: remember the op (and later the name) of this array
        _tracing.trace.tensors.append(t)  # type: ignore[union-attr]  # a Box exists only while a trace is open
        if data.tvar.role is None:
            data.tvar.role = op
    return t


def anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` in this thread (cheap when no mode switch is open anywhere)."""
    return bool(_open_switches) and _mode.anomaly


# A marker in a tensor's hook list: keep its gradient in .grad (retain_grad()).
_RETAIN: Any = object()


def constant_like(value: Any, like: Tensor) -> Tensor:
    """Wrap a non-Tensor operand. A Python number takes ``like``'s floating dtype,

    as NumPy does for Python scalars (float32 tensor * 2.0 stays float32).
    """
    if type(value) is Tensor:
        return value
    if type(value) is np.ndarray:
        return _constant(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and like.data.dtype.kind == "f":
        return _scalar_constant(value, like.data.dtype)
    return as_tensor(value)


@functools.lru_cache(maxsize=256)
def _scalar_constant(value: float, dtype: np.dtype) -> Tensor:
    """One shared, read-only constant per (number, dtype): training loops reuse the same few (0.5, 2, λ)."""
    t = _wrap(np.asarray(value, dtype=dtype))
    t.data.flags.writeable = False
    return t


def as_tensor(value: Any) -> Tensor:
    """``value`` itself if it is a Tensor, else a constant wrapping it.

    A list or tuple that contains Tensors is stacked with the graph kept
    (``mg.mean([x, x + 2])``), as HIPS autograd and MyGrad do; nested lists stack
    level by level. Data that is not boolean, integer or floating is a TypeError.
    """
    if type(value) is Tensor:
        return value
    if type(value) in (list, tuple) and _holds_tensor(value):
        return _stack_nested(value)
    return _constant(value)


def _constant(value: Any) -> Tensor:
    t = _wrap(_plain(value, "minigrad"))
    if t.data.dtype.kind not in "biuf":
        _numeric_dtype(t.data.dtype, "minigrad", value)
    return t


def _holds_tensor(seq: Any) -> bool:
    return any(type(v) is Tensor or (type(v) in (list, tuple) and _holds_tensor(v)) for v in seq)


def _stack_nested(seq: Any) -> Tensor:
    return ops.stack([_stack_nested(v) if type(v) in (list, tuple) else as_tensor(v) for v in seq])


def _value(x: Any) -> Any:
    return x.data if type(x) is Tensor else x


# The ops import Tensor, and Tensor's methods call the ops: importing them last breaks the cycle.
from . import _numpy_api, anomaly, engine, inplace, ops  # noqa: E402
