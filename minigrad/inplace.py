"""In-place writes into a Tensor (``+= -= *= /= **= @=``, ``t[idx] = v``) and the version counters that guard them.

The rules, PyTorch's:

- under ``no_grad`` (or when nothing involved requires grad) the write goes
  into ``.data`` of the same object: a parameter stays a leaf and a parameter;
- outside ``no_grad``, on a leaf that requires grad, it raises ``RuntimeError``
  (the leaf's gradient would be lost): write ``with mg.no_grad(): p -= ...``;
- on a non-leaf (or when the value written requires grad) it is recorded as a
  differentiable op *on the same object*: the tensor's old value and graph
  move to a private copy, which becomes the new op's input, and the tensor
  takes the new op's place in the graph.

Versions. Every in-place write bumps the version counter of the memory it
writes. The counter belongs to the memory, not to the Tensor object, so a
view and its base share it, as in PyTorch (``y = x[0]; y += 1`` bumps ``x``'s
version too; ``detach()`` shares it as well). Each write also takes a number
from the clock that numbers graph nodes; at backward, a node whose output or
inputs were written after the node was recorded raises ``RuntimeError``
naming the op and the tensor. The check is conservative: it looks at every
input of the op and its output, even those its VJP does not read (PyTorch
looks only at what the op saved), which costs nothing at record time; only
nodes whose VJPs read no values at all (``add``, joins, casts: every input
passed through or sliced) are skipped. When
no write happened since the oldest node being walked, backward does one
integer comparison per node.

A recorded write into a view (``v = y[1:3]; v *= 2``, ``out[0][:] = x``) is
refused when it is made: it would change the viewed tensor's memory without
the write in its graph or tangent (PyTorch rebases the view's base instead;
minigrad does not). Write into the tensor itself (``y[1:3] *= 2``). A write
into a tensor after an op used it rewires that op's input (the tensor object
is the graph node), so backward raises there too, whatever the op.

Writes through ``.data`` (``x.data += 1``) stay unchecked, as in PyTorch;
``mg.detect_anomaly()`` catches them.
"""

from __future__ import annotations

import weakref
from typing import Any, cast

import numpy as np

from . import batching
from .batching import Batched
from .tensor import Slice, Tensor, _next_seq, _value, as_tensor, is_grad_enabled, passthrough, record

__all__ = ["update", "setitem", "version", "check_versions", "last_write"]

_UFUNCS = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.true_divide,
    "pow": np.power,
    "matmul": np.matmul,
}
_SYMBOLS = {"add": "+=", "sub": "-=", "mul": "*=", "div": "/=", "pow": "**=", "matmul": "@=", "setitem": "t[idx] = v"}

# id(owner of the memory) -> (clock of the last write, number of writes, what wrote, weak ref to the owner)
_written: dict[int, tuple[int, int, str, Any]] = {}
last_write = 0  # clock of the latest in-place write anywhere (0: none yet); the engine reads it


def _owner(a: np.ndarray) -> Any:
    """The object that owns ``a``'s memory (NumPy points a view of a view at the owner)."""
    return a if a.base is None else a.base


def bump(a: np.ndarray, what: str) -> None:
    """Record an in-place write into ``a``'s memory: a new version, stamped with the node clock."""
    global last_write
    owner = _owner(a)
    key = id(owner)
    old = _written.get(key)
    if old is not None and old[3] is not None and old[3]() is not owner:
        old = None  # the id was reused by a new owner
    count = 1 if old is None else old[1] + 1
    try:
        ref = weakref.ref(owner)
    except TypeError:
        ref = None
    clock = _next_seq()
    _written[key] = (clock, count, what, ref)
    last_write = clock
    if len(_written) > 4096:  # forget owners that are gone
        for k in [k for k, v in _written.items() if v[3] is not None and v[3]() is None]:
            del _written[k]


def version(a: np.ndarray) -> int:
    """Number of in-place writes into ``a``'s memory so far."""
    owner = _owner(a)
    entry = _written.get(id(owner))
    if entry is None or (entry[3] is not None and entry[3]() is not owner):
        return 0
    return entry[1]


def check_versions(node: Tensor) -> None:
    """Raise if the output or an input of ``node`` was written in place after ``node`` was recorded.

    Nodes whose VJPs read no values (every input passed through or sliced) are not checked for
    values; but every node is checked for rewiring: an input recorded *after* the node is an input
    that an in-place write turned into the write's own node (the tensor object is the node), so the
    node's gradient would flow through the write instead of to the value the node used.
    """
    seq = node._seq
    for i, p in enumerate(cast("tuple[Tensor, ...]", node._parents)):
        if p.requires_grad and p._seq > seq:
            raise RuntimeError(
                f"backward: {_describe_input(p, i)} of the {node._op!r} node was written in place "
                f"after {node._op!r} used it, so its gradient would reach the wrong value (minigrad's "
                "graph nodes are the tensors themselves). Compute it out of place (y = y * 3 instead of "
                "y *= 3), or do the in-place write before using the tensor"
            )
    if all(v is passthrough or type(v) is Slice for v in cast(tuple, node._vjps)):  # a node on the walk has VJPs
        return
    for i, t in enumerate((node, *cast("tuple[Tensor, ...]", node._parents))):
        entry = _written.get(id(_owner(t.data)))
        if entry is not None and entry[0] > seq:
            what = f"its output (shape {t.shape})" if i == 0 else _describe_input(t, i - 1)
            raise RuntimeError(
                f"backward: {what} of the {node._op!r} node was modified by an in-place operation "
                f"({_SYMBOLS.get(entry[2], entry[2])}, now at version {entry[1]}) after {node._op!r} was "
                f"recorded, so its gradient may be computed from the wrong values (minigrad checks every "
                f"input and the output of an op, more than PyTorch, which checks only what the op saved). "
                f"Compute it out of place (y = y * 2 instead of y *= 2), or do the in-place write before "
                f"using the tensor"
            )


def _describe_input(t: Tensor, i: int) -> str:
    kind = "a leaf" if t._vjps is None else f"made by {t._op!r}"
    name = f" {t.name!r}" if t.name else ""
    return f"input {i}{name} ({kind}, shape {t.shape})"


def _refuse_leaf(t: Tensor, what: str) -> None:
    raise RuntimeError(
        f"{what}: this tensor is a leaf that requires grad, and an in-place write outside no_grad() "
        "would lose its gradient. To update a parameter write `with mg.no_grad(): p -= lr * p.grad` "
        "(or assign p.data); to compute a new value write it out of place (y = x + 1)"
    )


def _check_writable(t: Tensor, what: str) -> None:
    if not t.data.flags.writeable:
        raise ValueError(
            f"{what}: this tensor's array is read-only (a broadcast view or a shared constant); "
            "write out of place, or into a copy (t = t.copy())"
        )


def _records(t: Tensor, other: Any) -> bool:
    """True if the write must be recorded: grad mode on and the tensor or the value requires grad."""
    if t._tangents or (type(other) is Tensor and other._tangents):
        return True  # forward mode: the write must carry the tangent, even under no_grad
    if not is_grad_enabled():
        return False
    return t.requires_grad or (type(other) is Tensor and other.requires_grad) or _holds_grad(other)


def _holds_grad(v: Any) -> bool:
    if type(v) in (list, tuple):
        return any(_holds_grad(x) for x in v)
    return type(v) is Tensor and v.requires_grad


def update(t: Tensor, op: str, other: Any) -> Tensor:
    """``t op= other``: the in-place operators. Returns ``t`` (Python rebinds the name to it)."""
    what = f"{op} in place ({_SYMBOLS[op]})"
    if _records(t, other):
        if t._vjps is None and t.requires_grad:
            _refuse_leaf(t, what)
        _check_writable(t, what)
        from . import ops

        return _replace(t, op, lambda old: getattr(ops, op)(old, other if other is not t else old))
    _check_writable(t, what)
    try:
        _UFUNCS[op](t.data, _value(other), out=t.data)
    except ValueError:
        shape = np.shape(_value(other))
        raise ValueError(
            f"{what}: the result of shapes {t.shape} and {shape} does not fit the tensor's shape {t.shape}"
        ) from None
    except TypeError as e:  # NumPy's same-kind casting: float into an integer tensor
        raise TypeError(f"{what}: {e}") from None
    bump(t.data, op)
    return t


def setitem(t: Tensor, idx: Any, value: Any) -> None:
    """``t[idx] = value``, with NumPy's indexing and broadcasting."""
    what = "setitem (t[idx] = v)"
    from .ops.shape import _index

    idx = _index(idx)
    if _records(t, value):
        if t._vjps is None and t.requires_grad:
            _refuse_leaf(t, what)
        _check_writable(t, what)
        _replace(t, "setitem", lambda old: assign(old, idx, value))
        return
    _check_writable(t, what)
    try:
        t.data[idx] = _value(value) if type(value) not in (list, tuple) else as_tensor(value).data
    except ValueError as e:
        raise ValueError(f"{what}: {e} (tensor shape {t.shape})") from None
    bump(t.data, "setitem")


def _replace(t: Tensor, op: str, compute: Any) -> Tensor:
    """Record ``compute(old)`` as the new value of ``t``, keeping the object ``t``.

    ``old`` is a private copy holding t's previous value and its place in the
    graph; ``t`` then takes the new node's place (and every other slot the
    node carries, such as a forward-mode tangent).

    A recorded write through a view is refused: the tensor it views would change
    value without the write in its graph or its tangent (a constant base would even
    pass on a zero gradient). PyTorch rebases the view's base instead; minigrad does
    not. A write into an argument of a transform (grad, jvp, jacfwd, ...) is refused
    too: it would change the caller's array, and jacfwd's later sweeps would start
    from the changed value.
    """
    if type(t.data) is np.ndarray and t.data.base is not None:
        raise RuntimeError(
            f"{op} in place ({_SYMBOLS[op]}) into a view of another tensor's memory, while recording: the "
            "tensor it views would change without the write in its graph or tangent. Write into that "
            "tensor itself (y[1:3] *= 2 rather than v = y[1:3]; v *= 2; out[0, :] = x rather than "
            "out[0][:] = x), or out of place"
        )
    if t._op == "input":
        raise RuntimeError(
            f"{op} in place ({_SYMBOLS[op]}) into an argument of a differentiated function: it would change "
            "the caller's array (and the input of later sweeps). Copy it first (x = x * 1.0), or write out "
            "of place"
        )
    old = object.__new__(Tensor)
    for slot in Tensor.__slots__:
        if hasattr(t, slot):
            setattr(old, slot, getattr(t, slot))
    old.data = t.data.copy()
    old.grad, old._hooks = None, None
    new = compute(old)
    if new.data.shape != t.data.shape:
        raise ValueError(
            f"{op} in place ({_SYMBOLS[op]}): the result has shape {new.data.shape}, "
            f"which does not fit the tensor's shape {t.shape}"
        )
    if new.data.dtype != t.data.dtype:
        from . import ops

        new = ops.astype(new, t.data.dtype)
    np.copyto(t.data, new.data)
    bump(t.data, op)
    for slot in Tensor.__slots__:
        if slot not in ("data", "grad", "name", "_hooks") and hasattr(new, slot):
            setattr(t, slot, getattr(new, slot))
    if new.requires_grad or new._tangents:
        t._seq = _next_seq()  # after the write: the write does not invalidate the new node (or tangent)
    return t


def assign(x: Any, idx: Any, v: Any) -> Any:
    """A copy of ``x`` with ``v`` written at ``idx``: the differentiable form of ``x[idx] = v``.

    d/dx = 1 outside ``idx``, 0 inside; d/dv = the gradient at ``idx`` (summed
    over broadcast axes by the engine). Works on arrays and, recorded, on Tensors.
    """
    if type(x) is not Tensor and type(v) is not Tensor:
        out = batching.copy_as_block(x, v) if type(x) is Batched or type(v) is Batched else np.array(x, copy=True)
        out[idx] = v
        return out
    x = as_tensor(x)
    v = as_tensor(v) if type(v) is not Tensor else v
    data = x.data.copy()
    data[idx] = v.data
    return record("setitem", data, (x, v), _assign_vjps(idx, x.shape), _assign_jvps(idx))


def _assign_vjps(idx: Any, shape: tuple[int, ...]) -> tuple:
    """d/dx: g outside ``idx``; d/dv: g at ``idx``, where v's element was the one written.

    With an index that names a place twice (``x[[0, 0]] = v``), NumPy keeps the
    last write; the earlier elements of v reach nothing and get 0. (PyTorch gives
    each of them the gradient at that place, which the forward value does not
    depend on; forward mode here and finite differences agree with 0.)
    """
    from .ops._dual import where_

    kept = _last_writes(shape, idx)
    if kept is None:
        return (lambda g, out, x, v: assign(g, idx, 0), lambda g, out, x, v: g[idx])
    return (lambda g, out, x, v: assign(g, idx, 0), lambda g, out, x, v: where_(kept, g[idx], 0))


def _last_writes(shape: tuple[int, ...], idx: Any) -> np.ndarray | None:
    """Where ``x[idx] = v`` kept v's element (None: everywhere, no place is written twice)."""
    from .ops.shape import _is_basic

    if _is_basic(idx):
        return None
    size = int(np.prod(shape, dtype=np.int64))
    places = np.arange(size).reshape(shape)[idx]
    flat = places.ravel()
    last = np.empty(size, dtype=np.intp)
    last[flat] = np.arange(flat.size)  # the same write, so NumPy's own rule decides which one stays
    kept = last[flat] == np.arange(flat.size)
    return None if kept.all() else kept.reshape(places.shape)


def _assign_jvps(idx: Any) -> tuple:
    def jvp_v(t, out, x, v):
        zeros = np.zeros(np.shape(_value(out)), dtype=np.result_type(_value(out), _value(t)))
        return assign(zeros, idx, t)

    return (lambda t, out, x, v: assign(_full(t, out), idx, 0), jvp_v)


def _full(t: Any, out: Any) -> Any:
    """``t`` broadcast to ``out``'s shape (a tangent may arrive in a broadcast shape)."""
    shape = np.shape(_value(out))
    if np.shape(_value(t)) == shape:
        return t
    if type(t) is Tensor:
        from .ops import broadcast_to

        return broadcast_to(t, shape)
    return np.broadcast_to(t, shape)
