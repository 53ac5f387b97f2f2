"""The backward pass: one iterative walk over the recorded graph in reverse topological order.

Every gradient an op's VJP returns passes through ``_fit``, the single place
where broadcasting is undone and shapes are checked. Gradients of a tensor
used several times are summed in ``_walk``, the single place where they
accumulate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from heapq import heappop, heappush
from typing import Any, cast

import numpy as np

from . import anomaly, inplace
from ._kernels import sum_rows
from .batching import Batched, Unbatchable
from .forward import _state as _forward
from .tensor import _RETAIN, VJP, Slice, Tensor, _set_grad_enabled, _value, anomaly_enabled, passthrough
from .tracing import Box
from .tracing import _state as _tracing

__all__ = ["backward", "grad_of"]

# A node's VJPs are replaced by this marker after the walk frees it.
_FREED: Any = object()
# Called as hook(node, g, sent) for each node the walk visits (used by mg.trace).
Hook = Callable[[Tensor, Any, list], None]


class GraphFreedError(RuntimeError):
    """Backward was asked to walk through a graph that an earlier backward freed."""


def _toposort(root: Tensor, stop: set[int] | None = None, constants: bool = False) -> list[Tensor]:
    """Nodes that require grad and lead to ``root``, root first, each after all its consumers.

    Iterative depth-first post-order, so graph depth is bounded by memory, not
    by the recursion limit. Parents of nodes in ``stop`` are not explored;
    ``constants`` also lists inputs that do not require grad (for mg.trace).
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        key = id(node)
        if key in seen:
            continue
        seen.add(key)
        stack.append((node, True))
        _check_not_freed(node)
        if node._parents is not None and (stop is None or key not in stop):
            for p in reversed(node._parents):  # first input on top: listed first
                if (constants or p.requires_grad) and id(p) not in seen:
                    stack.append((p, False))
    order.reverse()
    return order


def _check_not_freed(node: Tensor) -> None:
    if node._vjps is _FREED:
        raise GraphFreedError(
            f"backward: the graph through this {node._op!r} node was freed by an earlier "
            "backward(); call backward(retain_graph=True) the first time to walk it again"
        )


def _unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, giving ``shape``.

    Only those axes: leading axes ``g`` has beyond ``shape``, and axes where
    ``shape`` has 1 and ``g`` more. Any other mismatch, such as (2, 3) for (3, 2)
    or (6,) for (3, 2), raises ValueError: reshaping would scramble the values.
    """
    if type(g) is np.ndarray and g.ndim == 2 and g.shape[1:] == shape[-1:] and shape[:-1] in ((), (1,)):
        return sum_rows(g).reshape(shape)  # a bias over a batch: the common case, done by BLAS
    lead = g.ndim - len(shape)
    if lead < 0 or any(n != 1 and m != n for n, m in zip(shape, g.shape[lead:])):
        raise ValueError(f"a gradient of shape {g.shape} is not a broadcast of shape {shape}")
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if lead else g  # only drops the leading axes, now of size 1


def _fit(g: Any, parent: Tensor, node: Tensor) -> Any:
    """The gradient for ``parent`` in its shape and dtype (the one place broadcasting is undone).

    A gradient that is not a broadcast of the input's shape is a bug in the op's
    VJP (a custom op's included): the error names the op and both shapes.
    """
    shape = parent.data.shape
    if g.shape != shape:
        try:
            g = _unbroadcast(g, shape)
        except ValueError:
            raise RuntimeError(
                f"{node._op}: backward produced a gradient of shape {g.shape} for an input of shape {shape}; "
                "only axes that broadcasting added or stretched can be summed away, so this gradient "
                "does not belong to this input (check the op's VJP)"
            ) from None
    if g.dtype != parent.data.dtype:
        g = g.astype(parent.data.dtype)
    return g


def _walk(
    root: Tensor,
    g: Any,
    stop: set[int] | None,
    allowed: set[int] | None,
    retain_graph: bool,
    create_graph: bool,
    hook: Hook | None = None,
) -> dict[int, tuple[Tensor, Any]]:
    """Propagate ``g`` from ``root``; return {id: (tensor, grad)} for the leaves and ``stop`` nodes reached.

    Nodes are visited newest first (a max-heap on creation number), which puts
    every node after all the nodes that consume it: its gradient is complete
    when it is visited. Gradients of a tensor used several times are summed
    here and nowhere else. ``allowed`` (if given) limits the walk to those nodes.
    A node's complete gradient passes through its hooks (``register_hook``,
    ``retain_grad``) before it is used. Nodes recorded before the latest
    in-place write have their versions checked; in ``detect_anomaly`` mode
    every gradient is checked for nan and inf.
    """
    pending: dict[int, Any] = {id(root): g}
    ends: list[Tensor] = []
    heap: list[tuple[int, Tensor]] = []
    last_write = inplace.last_write
    watch = anomaly_enabled()
    if root._vjps is None or (stop is not None and id(root) in stop):
        ends.append(root)
    else:
        heap.append((-root._seq, root))
    trace = _tracing.trace  # mg.compile is tracing: name each gradient and comment its VJP
    while heap:
        node = heappop(heap)[1]
        if trace is not None:
            trace.context = f"VJP of {node._op}"
        g = pending.pop(id(node))
        if node._vjps is _FREED:
            _check_not_freed(node)
        if node._seq < last_write:
            inplace.check_versions(node)
        if node._hooks is not None:
            g = _run_hooks(node, g)
        if watch:
            anomaly.check_inputs(node)
        parents: tuple[Tensor, ...] = node._parents  # type: ignore[assignment]  # a node on the heap has parents
        args: tuple[Any, ...] | None
        if create_graph:
            args = (g, node, *parents)
        elif len(parents) == 2:
            args = (g, node.data, parents[0].data, parents[1].data)
        elif len(parents) == 1:
            args = (g, node.data, parents[0].data)
        else:
            args = None  # many inputs: built only if a VJP needs them (a join's slices do not)
        sent: list[tuple[Tensor, Any]] | None = [] if hook is not None else None
        vjps: tuple[VJP, ...] = node._vjps  # type: ignore[assignment]  # not None: it has parents
        for parent, vjp in zip(parents, vjps):
            if not parent.requires_grad:
                continue
            k = id(parent)
            if allowed is not None and k not in allowed:
                continue
            if vjp is passthrough:
                gp = g
            elif args is not None:
                gp = vjp(*args)
            elif type(vjp) is Slice:
                gp = g[vjp.where]
            else:
                args = (g, node.data, *[p.data for p in parents])
                gp = vjp(*args)
            data = parent.data
            if gp.shape != data.shape or (gp.dtype is not data.dtype and gp.dtype != data.dtype):
                gp = _fit(gp, parent, node)
            if watch:
                anomaly.check_grad(node, parent, gp)
            if sent is not None:
                sent.append((parent, gp))
            if trace is not None:
                _name_gradient(gp, parent)
            previous = pending.get(k)
            if previous is not None:
                pending[k] = previous + gp
                if trace is not None:
                    _name_gradient(pending[k], parent)
                continue
            pending[k] = gp
            if parent._vjps is None or (stop is not None and k in stop):
                ends.append(parent)
            else:
                heappush(heap, (-parent._seq, parent))
        if hook is not None and sent is not None:  # sent is a list exactly when there is a hook
            hook(node, g, sent)
        if not retain_graph:
            node._parents = None
            node._vjps = _FREED
    if trace is not None:
        trace.context = None
    arrived = {}
    for end in ends:
        g = pending[id(end)]
        if end._hooks is not None:
            g = _run_hooks(end, g)
        if hook is not None:
            hook(end, g, [])
        arrived[id(end)] = (end, g)
    return arrived


def _name_gradient(g: Any, parent: Tensor) -> None:
    """While mg.compile traces: call the array holding d/d parent "d" + the parent's name (dW1, dtanh)."""
    g = g.data if type(g) is Tensor else g
    if type(g) is Box and g.tvar.role is None:
        data = parent.data
        base = parent.name or (data.tvar.name or data.tvar.role if type(data) is Box else None) or "x"
        g.tvar.role = "d" + base


def _run_hooks(t: Tensor, g: Any) -> Any:
    """Pass ``t``'s complete gradient through its hooks in order; keep it in ``.grad`` if ``retain_grad()``."""
    if type(g) is Batched:
        raise Unbatchable("a hook would see a block of gradients")
    retain = False
    for fn in cast(list, t._hooks):  # called only for a tensor with hooks
        if fn is _RETAIN:
            retain = True
            continue
        arg = g if type(g) is Tensor else Tensor(g)
        result = fn(arg)
        if result is None:
            continue
        new: Any  # a Tensor in a recorded pass, else an array
        if type(g) is Tensor:  # a recorded pass: keep a Tensor (a constant if the hook returned an array)
            new = result if type(result) is Tensor else Tensor(np.asarray(result, dtype=g.dtype))
        else:
            new = np.asarray(_value(result))
        if new.shape != g.shape:
            raise RuntimeError(
                f"register_hook: the hook {getattr(fn, '__name__', fn)!r} returned a gradient of shape "
                f"{new.shape} for a tensor of shape {g.shape}"
            )
        g = new
    if retain and t._vjps is not None:
        value: Any = g if type(g) is Tensor else np.array(g, dtype=t.data.dtype)  # a Tensor under create_graph
        t.grad = value if t.grad is None else t.grad + value
    return g


def _check_all_versions(order: list[Tensor]) -> None:
    """The version check of every node in ``order``, also those a limited walk would skip.

    An in-place write can rewire a graph (a tensor read before the write is, as an
    object, the write's node afterwards), and a walk limited to the nodes that reach
    its inputs may then skip the very node whose gradient the write invalidated:
    such a walk must raise as a full backward does, never drop that gradient.
    """
    last = inplace.last_write
    if last:
        for node in order:
            if node._vjps is not None and node._seq < last:
                inplace.check_versions(node)


def _reaching(order: list[Tensor], stop: set[int]) -> set[int]:
    """Ids of the nodes in ``order`` from which some ``stop`` node can be reached (the rest get no useful gradient)."""
    reaches: set[int] = set()
    for node in reversed(order):  # inputs before the nodes that use them
        key = id(node)
        if key in stop or (node._parents is not None and any(id(p) in reaches for p in node._parents)):
            reaches.add(key)
    return reaches


def _seed(root: Tensor, grad: Any, caller: str) -> np.ndarray:
    """The upstream gradient to start from: ones for a one-element root, else ``grad`` (copied)."""
    if not root.requires_grad:
        raise RuntimeError(
            f"{caller}: this tensor does not require grad (no input of it requires grad, "
            "or it was computed under no_grad())"
        )
    if type(grad) is Batched:  # a block of seeds (jacrev)
        if grad.shape != root.data.shape or grad.dtype != root.data.dtype:
            raise ValueError(f"{caller}: grad has shape {grad.shape} but the output has shape {root.data.shape}")
        return grad  # type: ignore[return-value]
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{caller}: grad can be omitted only for a one-element output; this output has "
                f"shape {root.data.shape}, so pass grad= an array of that shape"
            )
        return _one(root.data.shape, root.data.dtype)
    grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
    if grad.shape != root.data.shape:
        raise ValueError(f"{caller}: grad has shape {grad.shape} but the output has shape {root.data.shape}")
    return grad


@lru_cache(maxsize=16)
def _one(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The default seed d root / d root = 1, read-only so it can be shared (a leaf copies it)."""
    one = np.ones(shape, dtype=dtype)
    one.flags.writeable = False
    return one


def backward(
    root: Tensor,
    grad: Any = None,
    retain_graph: bool | None = None,
    hook: Hook | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Add d(root)/d(leaf) · grad into ``leaf.grad`` for every leaf that requires grad.

    ``create_graph``: record the backward pass, so the gradients added are
    Tensors that can be differentiated again (``.grad`` becomes a Tensor).
    ``inputs``: accumulate only into these tensors' ``.grad`` (leaves or not).
    The graph is kept if ``retain_graph`` (default: ``create_graph``).
    """
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        _backward_into(root, grad, inputs, retain_graph, create_graph, hook)
        return
    g = _seed(root, grad, "backward")
    if create_graph:
        with _set_grad_enabled(True):
            arrived = _walk(root, Tensor(g), None, None, retain_graph, True, hook)
        for leaf, g in arrived.values():
            _accumulate(leaf, g, True, set())
        return
    arrived = _walk(root, g, None, None, retain_graph, False, hook)
    owned: set[int] = set()
    for leaf, g in arrived.values():
        # Each leaf gets an array of its own: copies where the walk handed the same
        # array (or a view, or a NumPy scalar) to several places.
        if type(g) is not np.ndarray or g.base is not None or id(g) in owned or not g.flags.writeable:
            g = np.array(g, dtype=leaf.data.dtype)
        owned.add(id(g))
        leaf.grad = g if leaf.grad is None else leaf.grad + g


def _backward_into(
    root: Tensor, grad: Any, inputs: Any, retain_graph: bool, create_graph: bool, hook: Hook | None
) -> None:
    """``backward(inputs=...)``: walk only the nodes that lead to ``inputs``, accumulate only into them."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for x in inputs:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError("backward: every tensor in inputs= must be a Tensor that requires grad")
    g = _seed(root, grad, "backward")
    targets = {id(x) for x in inputs}
    order = _toposort(root)
    _check_all_versions(order)
    allowed = _reaching(order, targets)
    found: dict[int, Any] = {}

    def capture(node: Tensor, g: Any, sent: list) -> None:
        if id(node) in targets:
            found[id(node)] = g
        if hook is not None:
            hook(node, g, sent)

    if create_graph:
        with _set_grad_enabled(True):
            _walk(root, Tensor(g), None, allowed, retain_graph, True, capture)
    else:
        _walk(root, g, None, allowed, retain_graph, False, capture)
    owned: set[int] = set()
    for x in inputs:
        if id(x) in found:
            _accumulate(x, found.pop(id(x)), create_graph, owned)


def _accumulate(leaf: Tensor, g: Any, create_graph: bool, owned: set[int]) -> None:
    """Add ``g`` into ``leaf.grad``: an array of its own, or a Tensor under ``create_graph``."""
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    # Each leaf gets an array of its own: copies where the walk handed the same
    # array (or a view, or a NumPy scalar) to several places.
    if type(g) is not np.ndarray or g.base is not None or id(g) in owned or not g.flags.writeable:
        g = np.array(g, dtype=leaf.data.dtype)
    owned.add(id(g))
    leaf.grad = g if leaf.grad is None else leaf.grad + g


def grad_of(
    root: Tensor,
    inputs: Sequence[Tensor],
    grad: Any = None,
    retain_graph: bool = False,
    create_graph: bool | None = False,
    caller: str = "grad",
) -> list[Any]:
    """d(root)/d(input) · grad for each input, without touching any ``.grad``.

    With ``create_graph`` the backward pass is itself recorded and the results
    are Tensors that can be differentiated again; otherwise they are arrays.
    ``create_graph=None`` records only when an outer computation may
    differentiate the result: an input is itself a node, or ``root`` reaches a
    leaf that requires grad outside ``inputs``. An input that ``root`` does not
    depend on gets zeros.
    """
    stop = {id(x) for x in inputs}
    order = _toposort(root, stop) if root.requires_grad else []
    if create_graph is None:
        # Record the backward pass when its result may be differentiated again: by an
        # outer reverse pass, or by forward mode (tangents flow through recorded ops only).
        create_graph = (
            _forward.visible > 0
            or any(x._vjps is not None for x in inputs)
            or any(n._vjps is None and id(n) not in stop for n in order)
        )
    if not root.requires_grad:
        return [_zeros(x, create_graph) for x in inputs]
    _check_all_versions(order)
    if create_graph and type(grad) is Batched:
        raise Unbatchable("a block of seeds cannot flow through a recorded backward pass")
    g = _seed(root, grad, caller)
    allowed = _reaching(order, stop)
    if create_graph:
        with _set_grad_enabled(True):
            arrived = _walk(root, Tensor(g), stop, allowed, True, True)
    else:
        arrived = _walk(root, g, stop, allowed, retain_graph, False)
    out = []
    for x in inputs:
        hit = arrived.get(id(x))
        out.append(_zeros(x, create_graph) if hit is None else hit[1])
    return out


def _zeros(x: Tensor, as_tensor: bool) -> Any:
    z = np.zeros_like(x.data)
    return Tensor(z) if as_tensor else z
