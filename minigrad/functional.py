"""Functional transforms with JAX's signatures: grad, value_and_grad, vjp, jvp, jacrev, jacfwd, hessian, hvp.

Reverse mode: ``mg.grad(f)(x)`` traces ``f`` on fresh inputs and walks its graph
backward. When the result may itself be differentiated (an input is traced by
an outer transform, ``f`` closes over tensors that require grad, or forward
mode is active) the backward pass is recorded, so transforms nest to any
order; otherwise it runs on plain arrays and costs no more than ``backward()``.

Forward mode: ``mg.jvp(f, primals, tangents)`` runs ``f`` once with a tangent
attached to each input; every op's JVP rule (beside its VJP in ``minigrad/ops``)
pushes the tangent forward (see ``minigrad.forward``). No graph is kept.

Arguments and results may be pytrees (nested dicts, lists and tuples; see
``minigrad.tree``): gradients come back in the structure of the argument.
Results are Tensors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import batching, forward, ops
from .batching import Batched, Unbatchable
from .engine import _toposort, grad_of
from .tensor import Tensor, _set_grad_enabled, _wrap, anomaly_enabled, passthrough, record
from .tracing import Box
from .tracing import _state as _tracing
from .tree import TreeDef, tree_flatten, tree_map, tree_unflatten

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian", "hvp"]

_IDENTITY = (passthrough,)


# -- inputs and outputs ----------------------------------------------------------
def _input(x: Any, fn: str) -> Tensor:
    """A tensor that requires grad, to differentiate with respect to.

    A Tensor traced by an outer transform (it requires grad, or carries a
    tangent) gets an identity node on top, so the outer transform still sees the
    dependence; anything else becomes a fresh leaf. Integers and booleans are
    promoted to float64, as ``mg.Tensor`` would refuse them.
    """
    if isinstance(x, Tensor) and x.requires_grad:
        with _set_grad_enabled(True):
            return record("input", x.data, (x,), _IDENTITY, _IDENTITY)
    data = _float_data(x, fn)
    if type(data) is Box:  # traced by mg.compile: the same variable, now differentiated
        leaf = _wrap(data)
        leaf.requires_grad = True
    else:
        leaf = Tensor(data, requires_grad=True)
    if isinstance(x, Tensor) and x._tangents:
        leaf._tangents = dict(x._tangents)  # the identity carries an outer jvp's tangent
    return leaf


def _float_data(x: Any, fn: str) -> Any:
    """The floating array (or traced Box) to differentiate at: integers and booleans become float64."""
    data: Any = x.data if isinstance(x, Tensor) else x
    if type(data) is not Box:
        data = np.asarray(data)
    if data.dtype.kind == "f":
        return data
    if data.dtype.kind in "iub":
        return data.astype(np.float64)
    raise TypeError(f"{fn}: cannot differentiate with respect to a {data.dtype} input")


def _argnums(argnums: int | Sequence[int], nargs: int, fn: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(f"{fn}: argnums is empty")
    for i in nums:
        if not isinstance(i, (int, np.integer)) or not -nargs <= i < nargs:
            raise ValueError(f"{fn}: argnums {argnums} out of range for {nargs} positional arguments")
    out = tuple(int(i) % nargs for i in nums)
    if len(set(out)) != len(out):
        raise ValueError(f"{fn}: argnums {argnums} names an argument twice; its elements must be unique")
    return out


def _trace_inputs(args: tuple, nums: tuple[int, ...], fn: str) -> tuple[list, list[tuple[TreeDef, list[Tensor]]]]:
    """Replace each argument in ``nums`` by the same pytree of fresh inputs; return them per argument."""
    args_list = list(args)
    traced = []
    for i in nums:
        leaves, treedef = tree_flatten(args_list[i])  # an empty pytree gets an empty gradient, as in JAX
        inputs = [_input(leaf, fn) for leaf in leaves]
        args_list[i] = tree_unflatten(treedef, inputs)
        traced.append((treedef, inputs))
    return args_list, traced


def _split_aux(out: Any, has_aux: bool, fn: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(
            f"{fn}: with has_aux=True the function must return a pair (output, aux), got {type(out).__name__}"
        )
    return out


def _untraced(aux: Any, inputs: list[Tensor]) -> Any:
    """``aux`` as JAX and torch.func return it: not traced by this transform, still traced by outer ones.

    A Tensor of aux is detached when it depends on nothing but this transform's
    own inputs. It stays as it is when an outer transform traces the inputs
    (they are its identity nodes, or carry its tangents), when it carries an
    outer jvp's tangent, or when its graph reaches another tensor that requires
    grad (a closed-over variable of an outer grad, or a model's parameter): the
    outer computation then differentiates it through aux too.
    """
    if any(x._vjps is not None or x._tangents for x in inputs):
        return aux
    stop = {id(x) for x in inputs}

    def plain(v: Any) -> Any:
        if not isinstance(v, Tensor) or v._tangents:
            return v
        if v.requires_grad and any(n._vjps is None and id(n) not in stop for n in _toposort(v, stop)):
            return v
        return v.detach()

    return tree_map(plain, aux)


def _scalar_output(y: Any, fn: str) -> Tensor:
    """The function's output as a one-element Tensor; anything else is an error, never a silent zero."""
    if not isinstance(y, Tensor):
        kind = type(y).__name__
        raise TypeError(
            f"{fn}: the function must return a one-element Tensor built from its inputs with minigrad ops, "
            f"got a {kind}; a {kind} carries no graph, so its gradient cannot be computed "
            "(did a float(), .item(), .data or a NumPy function cut the graph?)"
        )
    if y.size != 1:
        raise TypeError(f"{fn}: the function must return a one-element Tensor, got shape {y.shape}")
    if y.dtype.kind != "f":
        raise TypeError(f"{fn}: the function returned a {y.dtype} tensor, which carries no gradient")
    return y


def _tensor_output(y: Any, fn: str) -> Tensor:
    if isinstance(y, Tensor):
        return y
    kind = type(y).__name__
    if isinstance(y, (np.ndarray, float, int, np.floating)):
        raise TypeError(
            f"{fn}: the function returned a {kind}, not a Tensor built with minigrad ops; its derivative "
            "would silently be zero (did a float(), .data or a NumPy function cut the graph?)"
        )
    raise TypeError(f"{fn}: the function must return Tensors (or a pytree of them), got a {kind}")


def _pack(per_arg: list[Any], argnums: int | Sequence[int]) -> Any:
    return per_arg[0] if isinstance(argnums, int) else tuple(per_arg)


# -- reverse mode ----------------------------------------------------------------
def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return ``g(*args) -> (f(*args), df/dargs[argnums])`` for scalar-valued ``f`` (JAX's signature).

    With ``has_aux=True``, ``f`` returns ``(value, aux)`` and ``g`` returns
    ``((value, aux), grad)``. Each argument in ``argnums`` may be a pytree; its
    gradient has the same structure, with Tensors of the leaves' shapes. A
    tuple ``argnums`` gives a tuple of gradients. Raises TypeError when ``f``
    returns anything but a one-element floating Tensor (a float, an array or a
    string carries no graph).
    """

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "grad")
        call_args, traced = _trace_inputs(args, nums, "grad")
        with _set_grad_enabled(True):
            out = f(*call_args, **kwargs)
        y, aux = _split_aux(out, has_aux, "grad")
        flat = [x for _, inputs in traced for x in inputs]
        if not flat and isinstance(y, (int, float, np.number, np.ndarray)):
            y = Tensor(np.asarray(y, dtype=np.float64))  # nothing to differentiate: a number is fine (JAX)
        y = _scalar_output(y, "grad")
        grads = grad_of(y, flat, create_graph=None)  # recorded only if it may be differentiated again
        higher = any(isinstance(g, Tensor) for g in grads)
        grads = [g if higher else _wrap(g) for g in grads]
        value = y if higher else y.detach()
        per_arg, k = [], 0
        for treedef, inputs in traced:
            per_arg.append(tree_unflatten(treedef, grads[k : k + len(inputs)]))
            k += len(inputs)
        g = _pack(per_arg, argnums)
        return ((value, _untraced(aux, flat)), g) if has_aux else (value, g)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """Return ``g(*args) -> df/dargs[argnums]`` (``(grad, aux)`` with ``has_aux=True``).

    Nests to any order and with ``jvp``: ``mg.grad(lambda x: mg.grad(f)(x).sum())(x)``.
    """
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def _dot_all(outs: list[Tensor], cotangents: list[Any]) -> Tensor:
    """Σ_i <out_i, cotangent_i>: one scalar whose gradient is the VJP of every output at once.

    A cotangent that is a Tensor stays one, so the pullback is differentiable in
    it too (it is linear in the cotangent: ``jvp`` of it along u is its value at u).
    """
    total: Any = None
    for y, c in zip(outs, cotangents):
        if isinstance(c, Tensor):
            c = c if c.dtype == y.dtype else ops.astype(c, y.dtype)
        elif type(c) is not Box:
            c = np.asarray(c, dtype=y.dtype)
        if c.shape != y.shape:
            raise ValueError(f"vjp: cotangent has shape {c.shape} but the output has shape {y.shape}")
        term = (y * c).sum()
        total = term if total is None else total + term
    return total


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(out, vjp_fn)`` (``(out, vjp_fn, aux)`` with ``has_aux``), as JAX's ``jax.vjp``.

    ``vjp_fn(cotangent)`` returns a tuple with one gradient per primal (pytrees
    like the primals): cotangentᵀ ∂out/∂primal. ``cotangent`` has the structure
    and shapes of ``out``. ``vjp_fn`` may be called any number of times.
    """
    nums = tuple(range(len(primals)))
    if not nums:
        raise TypeError("vjp: give at least one primal")
    call_args, traced = _trace_inputs(primals, nums, "vjp")
    with _set_grad_enabled(True):
        result = f(*call_args)
    out, aux = _split_aux(result, has_aux, "vjp")
    out_leaves, out_def = tree_flatten(out)
    out_leaves = [_tensor_output(y, "vjp") for y in out_leaves]
    flat = [x for _, inputs in traced for x in inputs]

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        c_leaves, c_def = tree_flatten(cotangent)
        if c_def != out_def:
            raise ValueError(f"vjp: cotangent structure {c_def!r} differs from the output's {out_def!r}")
        live = [(y, c) for y, c in zip(out_leaves, c_leaves) if y.requires_grad]
        if live:
            root = _dot_all([y for y, _ in live], [c for _, c in live])
            grads = grad_of(root, flat, retain_graph=True, create_graph=None)
        else:
            grads = [np.zeros_like(x.data) for x in flat]
        grads = [g if isinstance(g, Tensor) else _wrap(g) for g in grads]
        per_arg, k = [], 0
        for treedef, inputs in traced:
            per_arg.append(tree_unflatten(treedef, grads[k : k + len(inputs)]))
            k += len(inputs)
        return tuple(per_arg)

    return (out, vjp_fn, _untraced(aux, flat)) if has_aux else (out, vjp_fn)


# -- forward mode ----------------------------------------------------------------
def _tangent_for(primal: Tensor, t: Any, caller: str = "jvp") -> Tensor:
    """``t`` as a Tensor of the primal's shape and dtype (a Tensor keeps its own graph and tangents)."""
    if isinstance(t, Tensor):
        if t.shape != primal.shape:
            raise ValueError(f"{caller}: tangent has shape {t.shape} but its primal has shape {primal.shape}")
        return t if t.dtype == primal.dtype else ops.astype(t, primal.dtype)
    if type(t) is not Box and type(t) is not Batched:
        t = np.asarray(t)
    if t.shape != primal.shape:
        raise ValueError(f"{caller}: tangent has shape {t.shape} but its primal has shape {primal.shape}")
    if t.dtype.kind not in "fiub":
        raise TypeError(f"{caller}: a tangent must hold real numbers, got dtype {t.dtype}")
    return _wrap(t if t.dtype == primal.dtype else t.astype(primal.dtype))


def _primal(x: Any, caller: str = "jvp") -> Tensor:
    """The input of a jvp: a traced Tensor gets an identity op (outer transforms keep seeing it)."""
    if isinstance(x, Tensor) and (x.requires_grad or x._tangents):
        with _set_grad_enabled(True):
            return record("input", x.data, (x,), _IDENTITY, _IDENTITY)
    primal = _wrap(_float_data(x, caller))
    primal._op = "input"  # in-place writes into it are refused: it holds the caller's array
    return primal


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> tuple:
    """``(f(*primals), J·tangents)`` in one forward sweep, as JAX's ``jax.jvp``.

    ``primals`` and ``tangents`` are tuples (or lists) of equal length whose
    elements are pytrees of the same structure and shapes. The output tangent
    has the structure of ``f``'s output; an output that does not depend on the
    inputs gets a zero tangent. Raises ForwardModeError when ``f`` uses a
    custom op that has no JVP rule. When ``f`` itself differentiates (forward
    over reverse, ``jvp(grad(f), ...)``), the results are computed through a
    recorded backward pass and keep that graph (``requires_grad=True``);
    ``.detach()`` them if you keep them for long.
    """
    return _jvp(f, primals, tangents, has_aux, "jvp")


def _jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool, caller: str) -> tuple:
    """``jvp``, with ``caller`` (the public transform) naming it in errors."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{caller}: primals and tangents must be tuples (or lists), as in JAX: jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"{caller}: {len(primals)} primals but {len(tangents)} tangents")
    with forward.open_level() as level:
        call_args = []
        for p, t in zip(primals, tangents):
            p_leaves, p_def = tree_flatten(p)
            t_leaves, t_def = tree_flatten(t)
            if p_def != t_def:
                raise ValueError(f"{caller}: tangent structure {t_def!r} differs from its primal's {p_def!r}")
            inputs = []
            for pl, tl in zip(p_leaves, t_leaves):
                x = _primal(pl, caller)
                forward.set_tangent(x, level, _tangent_for(x, tl, caller))
                inputs.append(x)
            call_args.append(tree_unflatten(p_def, inputs))
        result = f(*call_args)
        out, aux = _split_aux(result, has_aux, caller)
        out_leaves, out_def = tree_flatten(out)
        out_leaves = [_tensor_output(y, caller) for y in out_leaves]
        forward._check_unwritten(f"{caller} (the function's outputs)", tuple(out_leaves))
        tangent_leaves = []
        for y in out_leaves:
            t = forward.tangent_of(y, level)
            tangent_leaves.append(_wrap(np.zeros_like(y.data)) if t is None else t)
    out = tree_unflatten(out_def, out_leaves)
    tangent_out = tree_unflatten(out_def, tangent_leaves)
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)


# -- Jacobians -------------------------------------------------------------------
def _jacobian_tree(out: Any, traced: list, blocks: dict, argnums: int | Sequence[int]) -> Any:
    """Assemble {(output leaf j, input leaf i): array} into out-structure → (per argnum) input-structure."""
    out_leaves, out_def = tree_flatten(out)
    per_out = []
    for j in range(len(out_leaves)):
        per_arg, k = [], 0
        for treedef, inputs in traced:
            per_arg.append(tree_unflatten(treedef, [blocks[j, k + n] for n in range(len(inputs))]))
            k += len(inputs)
        per_out.append(_pack(per_arg, argnums))
    return tree_unflatten(out_def, per_out)


# The most elements one block of tangents or cotangents may hold in any intermediate
# when chunk_size is None: 2**20 (8 MiB in float64). Larger blocks save few Python
# calls and spend more time on memory than on arithmetic: on this project's 2-core
# machine, the moons network's Jacobians were fastest with blocks of 2**16 to 2**20
# elements (benchmarks/jacobians.py).
_BLOCK_ELEMENTS = 2**20


def _check_chunk(chunk_size: int | None, fn: str) -> None:
    whole = isinstance(chunk_size, (int, np.integer)) and not isinstance(chunk_size, bool)
    if chunk_size is not None and (not whole or chunk_size < 1):
        raise ValueError(f"{fn}: chunk_size must be None or a positive integer, got {chunk_size!r}")


def _batching_allowed(fn: str) -> bool:
    """Blocks are pushed only through plain first-order sweeps: not while mg.compile traces, nor in anomaly mode
    (under ``batching.strict()`` either raises)."""
    if _tracing.trace is None and not anomaly_enabled():
        return True
    error = Unbatchable(f"{fn}: blocks are not tried under mg.compile or detect_anomaly")
    batching.failed(reset=True)  # nothing failed: the flag is for errors inside a sweep
    batching.fallback(error)
    return False


def _basis(start: int, k: int, size: int, shape: tuple[int, ...], dtype: Any) -> Batched:
    """Basis vectors e_start … e_{start+k-1} of R^size, as a block of k arrays of ``shape``."""
    block = np.zeros((k, size), dtype=dtype)
    block[np.arange(k), np.arange(start, start + k)] = 1
    return Batched(block.reshape((k,) + shape))


def _blocked(
    sweep: Callable[[int, int], list[np.ndarray]], size: int, chunk_size: int | None, first: int
) -> list[np.ndarray]:
    """Run ``sweep(start, k)`` (one array per result, shape (k,) + ...) over 0..size in blocks; join the blocks.

    Without ``chunk_size`` the first block holds ``first`` vectors; it measures the
    largest intermediate block, and the next blocks are sized to keep it under
    _BLOCK_ELEMENTS. Raises Unbatchable if a rule could not be batched, even where
    user code caught the error.
    """
    parts: list[list[np.ndarray]] = []
    start, k = 0, chunk_size or max(1, first)
    batching.failed(reset=True)
    while start < size:
        k = min(k, size - start)
        batching.peak(reset=True)
        try:
            results = sweep(start, k)
        except Exception as error:  # user code turned an Unbatchable into another error
            if batching.failed(reset=True):
                raise Unbatchable(f"a rule that cannot be batched ran, then {type(error).__name__}") from error
            raise
        if batching.failed(reset=True):
            raise Unbatchable("a rule that cannot be batched ran (its error was caught inside the function)")
        if not parts:
            parts = [[] for _ in results]
        for p, r in zip(parts, results):
            p.append(r)
        start += k
        if chunk_size is None:
            k = max(1, _BLOCK_ELEMENTS * k // max(1, batching.peak()))
    return [np.concatenate(p) for p in parts]


def jacrev(
    f: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return ``J(*args)``: the Jacobian by reverse mode, e_kᵀ J for every output element k.

    Each block has shape ``out.shape + in.shape``. With pytree inputs or outputs
    the result nests as JAX's: the output's structure, each leaf replaced by the
    argument's structure (a tuple over ``argnums`` when it is a tuple). Cheap
    when outputs are few (m ≪ n for f: Rⁿ → Rᵐ).

    The cotangents e_k go backward through the recorded graph in blocks (one
    walk for many k; see ``minigrad.batching``), as ``torch.func.jacrev``:
    ``chunk_size`` caps how many go at once (None: as many as keep every
    intermediate block under 2**20 elements; 1: one walk per output element,
    the unbatched sweep). A graph the blocks cannot pass (a hook, a custom op's
    NumPy backward, a recorded backward for higher order, anomaly mode) is
    walked once per element instead: same values, more time.
    With ``has_aux=True``, ``f`` returns ``(out, aux)`` and the result is
    ``(J, aux)``, aux as ``f`` returned it, not differentiated (JAX's ``has_aux``,
    and as in ``grad``). ``f`` is called once.
    Raises ValueError for a bad ``chunk_size``; TypeError for non-Tensor outputs.
    """
    _check_chunk(chunk_size, "jacrev")

    @functools.wraps(f)
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacrev")
        call_args, traced = _trace_inputs(args, nums, "jacrev")
        with _set_grad_enabled(True):
            out, aux = _split_aux(f(*call_args, **kwargs), has_aux, "jacrev")
        out_leaves = [_tensor_output(y, "jacrev") for y in tree_flatten(out)[0]]
        flat = [x for _, inputs in traced for x in inputs]
        blocks = {}
        for j, y in enumerate(out_leaves):
            rows: list[Any] | None = None
            if y.requires_grad and y.size > 1 and chunk_size != 1 and _batching_allowed("jacrev"):
                try:
                    rows = _rows_batched(y, flat, chunk_size)
                except Unbatchable as error:
                    batching.fallback(error)
                    rows = None
            if rows is None:
                rows = _rows_looped(y, flat)
            for n, x in enumerate(flat):
                blocks[j, n] = _stack_rows(rows[n], y.shape, x)
        J = _jacobian_tree(out, traced, blocks, argnums)
        return (J, _untraced(aux, flat)) if has_aux else J

    return jacrev_f


def _rows_batched(y: Tensor, flat: list[Tensor], chunk_size: int | None) -> list[Any]:
    """d y_k / d x for every element k of y, in blocks of cotangents: per input, an array (y.size,) + x.shape."""

    def sweep(start: int, k: int) -> list[np.ndarray]:
        seed = _basis(start, k, y.size, y.shape, y.dtype)
        grads = grad_of(y, flat, grad=seed, retain_graph=True, create_graph=None)
        return [batching.unbatch(g, k, x.shape, x.dtype) for g, x in zip(grads, flat)]

    # Each node's cotangent is a block of its size: the largest node sizes the blocks.
    largest = max((node.data.size for node in _toposort(y, {id(x) for x in flat})), default=1)
    return _blocked(sweep, y.size, chunk_size, _BLOCK_ELEMENTS // max(1, largest))


def _rows_looped(y: Tensor, flat: list[Tensor]) -> list[list[Any]]:
    """d y_k / d x for every element k of y, one backward walk each: per input, a list of y.size gradients."""
    rows: list[list[Any]] = [[] for _ in flat]
    if y.requires_grad:
        for k in range(y.size):
            seed = np.zeros(y.size, dtype=y.dtype)  # a new array each time, as in jacfwd
            seed[k] = 1
            grads = grad_of(y, flat, grad=seed.reshape(y.shape), retain_graph=True, create_graph=None)
            for n, g in enumerate(grads):
                rows[n].append(g)
    return rows


def _stack_rows(rows: Any, out_shape: tuple[int, ...], x: Tensor) -> Tensor:
    """Rows d out_k / d x (k over the output's elements) as one block of shape out.shape + x.shape."""
    shape = out_shape + x.shape
    if isinstance(rows, np.ndarray):  # already stacked by the batched sweep
        return _wrap(rows.reshape(shape))
    if not rows:
        return _wrap(np.zeros(shape, dtype=x.dtype))
    if any(isinstance(r, Tensor) for r in rows):  # recorded: the Jacobian stays differentiable
        return ops.stack([r if isinstance(r, Tensor) else _wrap(r) for r in rows]).reshape(shape)
    return _wrap(np.stack(rows).reshape(shape))


def jacfwd(
    f: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return ``J(*args)``: the Jacobian by forward mode, J e_i for every input element i.

    Same shapes and structure as ``jacrev``. Cheap when inputs are few (n ≪ m).
    The tangents e_i go forward in blocks (one sweep of ``f`` for many i; see
    ``minigrad.batching``); ``chunk_size`` caps the block as in ``jacrev``
    (1: one sweep per input element). A function the blocks cannot pass (a
    custom op's NumPy jvp rule, a recorded backward inside ``f``, an input
    traced by an outer transform, anomaly mode) is swept once per element
    instead: same values, more time. ``has_aux`` as in ``jacrev``. ``f`` is called
    once per block (once per element with ``chunk_size=1``), so random draws and
    state updates inside it (dropout, or batch norm's running statistics, in
    training mode) raise RuntimeError rather than mix several calls into one
    Jacobian (torch.func refuses randomness the same way). Raises ValueError for
    a bad ``chunk_size`` or repeated ``argnums``.
    """
    _check_chunk(chunk_size, "jacfwd")
    aux_of_last_call: list[Any] = [None]

    def f_out(*args: Any, **kwargs: Any) -> Any:
        out, aux_of_last_call[0] = _split_aux(f(*args, **kwargs), has_aux, "jacfwd")
        return out

    def with_aux(J: Any) -> Any:
        if not has_aux:
            return J
        aux = aux_of_last_call[0]
        aux_of_last_call[0] = None
        for t in tree_flatten(aux)[0]:  # a closed level's block of tangents must not stay reachable
            if isinstance(t, Tensor) and t._tangents:
                t._tangents = {lv: v for lv, v in t._tangents.items() if type(v.data) is not Batched} or None
        return J, aux

    @functools.wraps(f)
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        with forward.repeated_calls():  # random draws and state updates inside f are refused
            return _jacfwd(*args, **kwargs)

    def _jacfwd(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacfwd")
        primals = [tree_flatten(args[i]) for i in nums]
        flat = [_primal(leaf, "jacfwd") for leaves, _ in primals for leaf in leaves]
        traced, k = [], 0
        for leaves, treedef in primals:
            traced.append((treedef, flat[k : k + len(leaves)]))
            k += len(leaves)
        if sum(x.size for x in flat) > 1 and chunk_size != 1 and _batching_allowed("jacfwd"):
            try:
                # One basis over all the input leaves together, as JAX's jacfwd: one block may span leaves.
                out, cols = _columns_batched(
                    lambda *leaves: f_out(*_with_leaves(args, nums, traced, leaves), **kwargs), flat, chunk_size
                )
            except Unbatchable as error:
                batching.fallback(error)
            else:
                blocks, start = {}, 0
                for n, x in enumerate(flat):
                    for j, y in enumerate(_tensor_output(y, "jacfwd") for y in tree_flatten(out)[0]):
                        part = cols[j][start : start + x.size]  # (x.size,) + y.shape
                        blocks[j, n] = _wrap(np.moveaxis(part, 0, -1).reshape(y.shape + x.shape))
                    start += x.size
                return with_aux(_jacobian_tree(out, traced, blocks, argnums))
        columns: dict[int, Any] = {}  # input leaf -> per output leaf, d out / d x_e over the elements e
        out = None
        for n, x in enumerate(flat):
            fn = lambda leaf, n=n: f_out(*_replace(args, nums, traced, n, leaf), **kwargs)  # noqa: E731
            columns[n] = []
            for e in range(x.size):
                basis = np.zeros(x.size, dtype=x.dtype)  # a new array each time: a recorded graph may keep it
                basis[e] = 1
                out, tangents = _jvp(fn, (x,), (basis.reshape(x.shape),), False, "jacfwd")
                columns[n].append(tree_flatten(tangents)[0])
        if out is None:  # no input elements: evaluate once for the output's structure
            out = f_out(*_replace(args, nums, traced, None, None), **kwargs)
        out_leaves = [_tensor_output(y, "jacfwd") for y in tree_flatten(out)[0]]
        blocks = {}
        for j, y in enumerate(out_leaves):
            for n, x in enumerate(flat):
                blocks[j, n] = _stack_columns([c[j] for c in columns[n]], y, x)
        return with_aux(_jacobian_tree(out, traced, blocks, argnums))

    return jacfwd_f


def _columns_batched(fn: Callable[..., Any], flat: list[Tensor], chunk_size: int | None) -> tuple[Any, list]:
    """(out, per output leaf the array (n,) + y.shape of J e_i): the basis e_i of all n input elements
    (the leaves of ``flat`` in order) pushed forward in blocks. A leaf with no basis vector in a block
    gets a plain zero tangent (the same for the whole block)."""
    total = sum(x.size for x in flat)
    result: list[Any] = []

    def sweep(start: int, k: int) -> list[np.ndarray]:
        tangents: list[Any] = []
        offset = 0
        for x in flat:
            lo, hi = max(start, offset), min(start + k, offset + x.size)
            if lo < hi:
                block = np.zeros((k, x.size), dtype=x.dtype)
                rows = np.arange(lo - start, hi - start)
                block[rows, rows + start - offset] = 1
                tangents.append(Batched(block.reshape((k,) + x.shape)))
            else:
                tangents.append(np.zeros(x.shape, dtype=x.dtype))
            offset += x.size
        out, t_out = _jvp(fn, tuple(flat), tuple(tangents), False, "jacfwd")
        result[:] = [out]
        ys = [_tensor_output(y, "jacfwd") for y in tree_flatten(out)[0]]
        return [batching.unbatch(t.data, k, y.shape, y.dtype) for t, y in zip(tree_flatten(t_out)[0], ys)]

    # Forward mode keeps no graph to size blocks by. Up to 32 inputs go in one block; beyond,
    # a first block of one vector measures the largest intermediate, which sizes the rest.
    cols = _blocked(sweep, total, chunk_size, total if total <= 32 else 1)
    return result[0], cols


def _with_leaves(args: tuple, nums: tuple[int, ...], traced: list, leaves: tuple) -> list:
    """``args`` with the traced arguments rebuilt from ``leaves`` (all input leaves, in order)."""
    out, k = list(args), 0
    for i, (treedef, inputs) in zip(nums, traced):
        out[i] = tree_unflatten(treedef, list(leaves[k : k + len(inputs)]))
        k += len(inputs)
    return out


def _replace(args: tuple, nums: tuple[int, ...], traced: list, n: Any, leaf: Any) -> list:
    """``args`` with the traced arguments in place, input leaf number ``n`` swapped for ``leaf``."""
    out, k = list(args), 0
    for i, (treedef, inputs) in zip(nums, traced):
        leaves = [leaf if k + m == n else x for m, x in enumerate(inputs)]
        out[i] = tree_unflatten(treedef, leaves)
        k += len(inputs)
    return out


def _stack_columns(cols: list[Tensor], y: Tensor, x: Tensor) -> Tensor:
    """Columns d out / d x_e (e over the input's elements) as one block of shape out.shape + x.shape."""
    shape = y.shape + x.shape
    if not cols:
        return _wrap(np.zeros(shape, dtype=y.dtype))
    if any(c.requires_grad or c._tangents for c in cols):
        stacked = ops.stack(cols, axis=-1) if y.ndim else ops.stack(cols)
        return stacked.reshape(shape)
    return _wrap(np.stack([c.data for c in cols], axis=-1).reshape(shape))


jacobian = jacrev  # the first release's name; kept as an alias (API.md)


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False) -> Callable[..., Any]:
    """Return ``H(*args)``, the Jacobian of the gradient: shape ``x.shape + x.shape``.

    ``jacrev(jacrev(f))``, reverse over reverse: the outer ``jacrev`` pushes its
    cotangents in blocks. JAX composes ``jacfwd(jacrev(f))``; here that is 7.9x
    slower on the 2-3-1 network's 9 weights (6.19 ms against 0.79 ms,
    benchmarks/jacobians.py), because the tangents of a recorded backward pass
    run through Tensors, one vector per sweep, so minigrad keeps the faster
    composition. ``has_aux`` as in ``jacrev``:
    ``f`` returns ``(value, aux)`` and the result is ``(H, aux)``.
    """
    return jacrev(jacrev(f, argnums, has_aux=has_aux), argnums, has_aux=has_aux)


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """Hessian-vector product H(x) v of scalar ``f`` without forming H, as d/dx (∇f(x) · v).

    Reverse over reverse. Forward over reverse, ``jvp(grad(f), (x,), (v,))[1]``,
    gives the same values but measured 1.4-1.7x slower here (2-3-1 network:
    3.3 ms against 2.3 ms; moons 2-50-2: 6.5 ms against 3.9 ms), so this is the
    default. ``x`` and ``v`` are pytrees of the same structure; the result has that structure.
    """
    v_data = tree_map(lambda t: t.data if isinstance(t, Tensor) else t, v)

    def inner(x: Any) -> Tensor:
        g = grad(f)(x)
        g_leaves, v_leaves = tree_flatten(g)[0], tree_flatten(v_data)[0]
        if len(g_leaves) != len(v_leaves):
            raise ValueError("hvp: v must have the structure of x")
        for gi, vi in zip(g_leaves, v_leaves):
            if np.shape(vi) != gi.shape:
                raise ValueError(f"hvp: v has a leaf of shape {np.shape(vi)} where x has shape {gi.shape}")
        total = (g_leaves[0] * v_leaves[0]).sum()
        for gi, vi in zip(g_leaves[1:], v_leaves[1:]):
            total = total + (gi * vi).sum()
        return total

    return grad(inner)(x)
