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
from typing import Any

import numpy as np

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


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in this thread."""
    return _mode.enabled


@contextmanager
def _set_grad_enabled(flag: bool) -> Iterator[None]:
    previous = _mode.enabled
    _mode.enabled = flag
    try:
        yield
    finally:
        _mode.enabled = previous


def no_grad() -> Any:
    """Context manager: ops inside record nothing (per thread)."""
    return _set_grad_enabled(False)


def enable_grad() -> Any:
    """Context manager: turn recording back on inside ``no_grad()``."""
    return _set_grad_enabled(True)


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """The array a public ``Tensor(data)`` holds: floats stay float, Python floats become float64."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray) or type(data) is Box:
        return data
    array = np.asarray(data)
    if array.dtype == object:
        raise TypeError(f"Tensor: cannot make a numeric array from {type(data).__name__}")
    return array


class Tensor:
    """A NumPy array that records the ops applied to it, for reverse-mode autodiff.

    ``Tensor(data, requires_grad=False, dtype=None)``. Python scalars and lists
    are copied into a new array (float64 for floats); NumPy arrays keep their
    dtype. A constant shares memory with the array passed in; a tensor that
    requires grad owns a copy, because optimizers update ``.data`` in place and
    minigrad never writes into arrays a user handed it. Integer and boolean
    tensors are constants.
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "_parents", "_vjps", "_op", "_seq", "_tangents")
    __array_ufunc__ = None  # np.ndarray (op) Tensor defers to Tensor's reflected operator

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

    def item(self) -> Any:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def detach(self) -> Tensor:
        """A constant sharing this tensor's data, cut from the graph."""
        return _wrap(self.data)

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

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Add d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``grad`` is the upstream gradient (defaults to 1 for a one-element tensor).
        The graph is freed afterwards unless ``retain_graph=True``.
        """
        engine.backward(self, grad, retain_graph=retain_graph)

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


def _wrap(data: Any) -> Tensor:
    """A constant Tensor around ``data`` without the checks of ``__init__`` (internal, hot path)."""
    if type(data) is not np.ndarray and type(data) is not Box:  # Box: an array traced by mg.compile
        data = np.asarray(data)
    t = object.__new__(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t.name = None
    t._parents = None
    t._vjps = None
    t._op = None
    t._seq = 0
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


def record(
    op: str, data: Any, parents: tuple[Tensor, ...], vjps: tuple[VJP, ...], jvps: tuple[JVP, ...] | None = None
) -> Tensor:
    """Wrap an op's output; make it a graph node if recording and any parent requires grad.

    ``vjps[i](g, out, *parents)`` returns the gradient for ``parents[i]`` (any
    broadcast shape: the engine reduces it to the parent's shape).
    ``jvps[i](t, out, *parents)`` returns the tangent of the output carried by
    ``parents[i]``'s tangent ``t`` (any shape that broadcasts to the output's;
    forward mode sums the parents' contributions and broadcasts once).
    ``passthrough`` serves as both (d out / d x = 1).
    """
    t = _wrap(data)
    if _mode.enabled:
        for p in parents:
            if p.requires_grad:
                t.requires_grad = True
                t._parents = parents
                t._vjps = vjps
                t._op = op
                t._seq = _next_seq()
                break
    if _forward.visible:
        propagate(t, op, parents, jvps)
    if type(data) is Box:  # mg.compile is tracing: remember the op (and later the name) of this array
        _tracing.trace.tensors.append(t)
        if data.tvar.role is None:
            data.tvar.role = op
    return t


def constant_like(value: Any, like: Tensor) -> Tensor:
    """Wrap a non-Tensor operand. A Python number takes ``like``'s floating dtype,

    as NumPy does for Python scalars (float32 tensor * 2.0 stays float32).
    """
    if type(value) is Tensor:
        return value
    if type(value) is np.ndarray:
        return _wrap(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and like.data.dtype.kind == "f":
        return _scalar_constant(value, like.data.dtype)
    return _wrap(value)


@functools.lru_cache(maxsize=256)
def _scalar_constant(value: float, dtype: np.dtype) -> Tensor:
    """One shared, read-only constant per (number, dtype): training loops reuse the same few (0.5, 2, λ)."""
    t = _wrap(np.asarray(value, dtype=dtype))
    t.data.flags.writeable = False
    return t


def as_tensor(value: Any) -> Tensor:
    """``value`` itself if it is a Tensor, else a constant wrapping it."""
    return value if type(value) is Tensor else _wrap(value)


def _value(x: Any) -> Any:
    return x.data if type(x) is Tensor else x


# The ops import Tensor, and Tensor's methods call the ops: importing them last breaks the cycle.
from . import engine, ops  # noqa: E402
