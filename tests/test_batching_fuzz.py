"""Adversarial fuzzing of minigrad.batching: a NumPy call on a block equals the calls stacked, or Unbatchable.

For every call tried here, ``fn(Batched(V), plain...)`` must either raise
``Unbatchable`` or give exactly ``np.stack([fn(v, plain...) for v in V])`` (same
logical shape, dtype and values; and the same writes into the operands, for the
calls that write). Anything else is reported, in three kinds:

- ``WRONG``: a value (or a write into an operand) that differs: the one thing that must never happen;
- ``ACCEPTS``: NumPy refuses the call on every member, the block returns something anyway;
- ``LESSER``: the block raises something other than ``Unbatchable`` where NumPy succeeds.

Set ``BATCHING_FUZZ_COLLECT=1`` to have every test keep going and print the
distinct failures it met (by kind and call) instead of stopping at the first;
``BATCHING_FUZZ_SCALE=10`` for ten times the examples; ``BATCHING_FUZZ_SHRINK=1``
to shrink each failure to a minimal example (off by default: shrinking the
failures of every test takes longer than the search).

The last tests compare ``mg.jacfwd`` / ``mg.jacrev`` in blocks with one vector per
sweep (``chunk_size=1``) on random compositions of minigrad ops.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import batching
from minigrad.batching import Batched, Unbatchable
from minigrad.ops import _dual

COLLECT = bool(os.environ.get("BATCHING_FUZZ_COLLECT"))
SCALE = float(os.environ.get("BATCHING_FUZZ_SCALE", "1"))  # more examples: BATCHING_FUZZ_SCALE=10


# Shrinking many failures costs more than the search; the reports name the whole call anyway.
# BATCHING_FUZZ_SHRINK=1 shrinks each failure to a minimal example.
_PHASES = tuple(Phase) if os.environ.get("BATCHING_FUZZ_SHRINK") else tuple(p for p in Phase if p is not Phase.shrink)


def fuzz(examples: int):
    """The settings of one fuzz test: ``examples`` examples (times BATCHING_FUZZ_SCALE)."""
    return settings(max_examples=max(1, int(examples * SCALE)), phases=_PHASES)


_SEEN: dict[tuple[str, str], str] = {}


_COUNT: dict[tuple[str, str], int] = {}


def _report(kind: str, what: str, detail: str, key: str | None = None) -> None:
    if COLLECT:  # up to 2 examples per kind of failure and key (the call, without its shapes)
        key = (kind, key or what.split("(")[0])
        _COUNT[key] = _COUNT.get(key, 0) + 1
        if _COUNT[key] <= 2:
            _SEEN[(kind, what)] = detail
            print(f"\n[{kind}] {what}: {detail[:300]}", flush=True)
        return
    raise AssertionError(f"[{kind}] {what}: {detail}")


@pytest.fixture(autouse=True, scope="module")
def _summary():
    yield
    if COLLECT:
        print("\n==== failures (up to 2 examples per kind and key) ====")
        for (kind, what), detail in sorted(_SEEN.items()):
            print(f"[{kind}] {what}: {detail[:300]}")
        print("counts:", sorted(_COUNT.items()))


# -- the comparison ------------------------------------------------------------------------------
class B:
    """An operand that is a block: its k members are ``V[i]``."""

    def __init__(self, V):
        self.V = np.asarray(V)


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def _same(got, want):
    """None if equal, else why not. ``got``: the block's per-batch array; ``want``: the stacked array."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return f"shape {got.shape[1:]} (k={got.shape[:1]}) != {want.shape[1:]}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype} != {want.dtype}"
    if got.dtype.kind in "fc":
        # Products and sums over a block may add in another order (one matrix product for the whole
        # block, tensordot): a few units in the last place, 1e-12 in float64, 1e-5 in float32.
        tol = 1e-12 if np.finfo(got.dtype).bits >= 64 else 1e-5
        with np.errstate(all="ignore"):
            ok = np.allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
    else:
        ok = np.array_equal(got, want)
    if not ok:
        return f"values differ:\n got  {got.tolist()}\n want {want.tolist()}"
    return None


def _compare_result(got, wants):
    """``got``: what the block call returned; ``wants``: the k results of the member calls."""
    w0 = wants[0]
    if isinstance(w0, (tuple, list)) and not isinstance(got, Batched):
        if not isinstance(got, (tuple, list)) or len(got) != len(w0):
            return f"returned {type(got).__name__} instead of a sequence of {len(w0)}"
        for j, g in enumerate(got):
            why = _compare_result(g, [w[j] for w in wants])
            if why:
                return f"item {j}: {why}"
        return None
    if type(got) is Batched:
        if not isinstance(w0, (np.ndarray, np.generic)):
            return f"returned a Batched where NumPy returns {type(w0).__name__}"
        return _same(got.value, np.stack([np.asarray(w) for w in wants]))
    if got is None or isinstance(got, (tuple, int, float, np.dtype, str)) and not isinstance(got, np.generic):
        if all(type(w) is type(w0) and w == w0 for w in wants) and got == w0:
            return None
        return f"returned {got!r}, members return {wants!r}"
    return f"returned {type(got).__name__} (not a Batched): {got!r}"


def check(what, fn, *operands, empty=False, key=None):
    """Run ``fn`` on the operands (B: a block; else a plain value) and on each member; compare.

    The operands' states after the call are compared too (a write into a block must
    be the writes into its members; a plain operand must not change unless they do).
    ``empty``: the result's values are undefined (np.empty_like); compare shape and dtype only.
    """
    ks = {o.V.shape[0] for o in operands if isinstance(o, B)}
    assert len(ks) == 1
    (k,) = ks
    # the members
    wants, want_error, after = [], None, []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for i in range(k):
            ops_i = [o.V[i, ...].copy() if isinstance(o, B) else _copy(o) for o in operands]  # 0-d: an array
            try:
                wants.append(fn(*ops_i))
            except Exception as e:  # noqa: BLE001
                want_error = e
                break
            after.append(ops_i)
        # the block
        ops_b = [Batched(o.V.copy()) if isinstance(o, B) else _copy(o) for o in operands]
        try:
            got = fn(*ops_b)
            got_error = None
        except Unbatchable:
            return "unbatchable"
        except Exception as e:  # noqa: BLE001
            got_error = e
    if want_error is not None:
        if got_error is None:
            _report(
                "ACCEPTS",
                what,
                f"NumPy raises {type(want_error).__name__}: {want_error}; the block returned {_describe(got)}",
                key,
            )
        return "error"
    if got_error is not None:
        _report("LESSER", what, f"raises {type(got_error).__name__}: {got_error} (NumPy succeeds)", key)
        return "error"
    if empty:
        if type(got) is not Batched or got.shape != np.shape(wants[0]) or got.dtype != np.asarray(wants[0]).dtype:
            _report("WRONG", what, f"empty_like gave {_describe(got)}", key)
        return "ok"
    why = _compare_result(got, wants)
    if why:
        _report("WRONG", what, why, key)
        return "wrong"
    for j, o in enumerate(operands):
        if isinstance(o, B):
            why = _same(ops_b[j].value, np.stack([a[j] for a in after]))
            if why:
                _report("WRONG", what, f"operand {j} after the call: {why}", key)
                return "wrong"
        elif isinstance(o, np.ndarray):
            if not all(np.array_equal(a[j], ops_b[j], equal_nan=True) for a in after):
                _report("WRONG", what, f"plain operand {j} after the call differs", key)
                return "wrong"
    return "ok"


def _describe(x):
    if type(x) is Batched:
        return f"Batched(k={x.value.shape[0]}, shape={x.shape})"
    return repr(x)[:200]


# -- strategies ---------------------------------------------------------------------------------
ks = st.sampled_from([1, 1, 2, 3])


def logical_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def values(draw, shape, dtype=np.float64, lo=-3, hi=3):
    """Random values: floats with a fractional part (so no ties), small ints, bools or complex."""
    dtype = np.dtype(dtype)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dtype.kind == "f":
        return (rng.uniform(lo, hi, shape) + 1e-3).astype(dtype)
    if dtype.kind == "c":
        return (rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.integers(lo, hi + 1, shape).astype(dtype)


def block(draw, shape, k, dtype=np.float64, **kw):
    return B(values(draw, (k,) + tuple(shape), dtype, **kw))


def axis_arg(draw, nd, allow_none=True, allow_tuple=True, allow_bad=True):
    options = []
    if allow_none:
        options.append(st.none())
    if nd:
        options.append(st.integers(-nd, nd - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(-nd, nd - 1), max_size=nd, unique_by=lambda a: a % nd).map(tuple))
    elif allow_tuple:
        options.append(st.just(()))
    if allow_bad:
        options.append(st.sampled_from([nd, -nd - 1]))
    return draw(st.one_of(options))


@st.composite
def indices(draw, shape):
    """A random index for an array of ``shape``: ints, slices, None, Ellipsis, arrays, lists, tuples, masks."""
    nd = len(shape)
    adv = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 1), (1, 2)]))
    comps, d = [], 0
    while d < nd:
        n = shape[d]
        kind = draw(
            st.sampled_from(["int", "slice", "full", "arr", "arr", "list", "tuple", "mask", "mask", "arr0", "range"])
        )
        if kind == "int":
            comps.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n - 1, n + 1))
            stop = draw(st.none() | st.integers(-n - 1, n + 1))
            step = draw(st.none() | st.sampled_from([1, 2, -1, -2, 3]))
            comps.append(slice(start, stop, step))
        elif kind == "full":
            comps.append(slice(None))
        elif kind in ("arr", "list", "tuple"):
            ashape = adv[draw(st.integers(0, len(adv))) :]  # a suffix: broadcasts with adv
            a = np.asarray(draw(hnp.arrays(np.intp, ashape, elements=st.integers(-n, n - 1))))
            comps.append(a if kind == "arr" or a.ndim == 0 else (a.tolist() if kind == "list" else tuple(a.tolist())))
            if kind == "tuple" and a.ndim > 1:
                comps[-1] = a  # a nested tuple would be one tuple index of tuples; keep it simple
        elif kind == "range":  # a sequence, so an advanced index, as a list
            start = draw(st.integers(0, n - 1))
            comps.append(range(start, draw(st.integers(start, n))))
        elif kind == "arr0":
            comps.append(np.array(draw(st.integers(-n, n - 1))))
        else:  # a mask over one or more axes
            m = draw(st.integers(1, nd - d))
            mask = np.asarray(draw(hnp.arrays(bool, tuple(shape[d : d + m]))))
            comps.append(mask.tolist() if draw(st.booleans()) and m == 1 else mask)
            d += m
            continue
        d += 1
    # leave out some trailing axes
    comps = comps[: draw(st.integers(0, len(comps)))] if draw(st.booleans()) else comps
    # an Ellipsis for a (possibly empty) run of full slices or any run
    if draw(st.booleans()):
        i = draw(st.integers(0, len(comps)))
        j = draw(st.integers(i, len(comps)))
        if all(isinstance(c, slice) and c == slice(None) for c in comps[i:j]) or draw(st.booleans()):
            comps = comps[:i] + [Ellipsis] + comps[j:]
    # None, and scalar booleans (which add an axis too)
    for _ in range(draw(st.integers(0, 2))):
        extra = draw(st.sampled_from([None, None, np.True_, True, np.False_]))
        comps.insert(draw(st.integers(0, len(comps))), extra)
    if len(comps) == 1 and draw(st.booleans()) and not isinstance(comps[0], tuple):
        return comps[0]
    return tuple(comps)


def _fmt_index(idx):
    def one(c):
        if isinstance(c, np.ndarray):
            return f"np.array({c.tolist()})"
        if c is Ellipsis:
            return "..."
        return repr(c)

    if isinstance(idx, tuple):
        return "[" + ", ".join(one(c) for c in idx) + "]"
    return "[" + one(idx) + "]"


def _index_key(idx):
    """The kinds of an index's parts, in order, repeats merged: the key failures are grouped by."""
    parts = []
    for c in idx if isinstance(idx, tuple) else (idx,):
        if isinstance(c, np.ndarray):
            kind = "mask" if c.dtype == bool else "arr0" if c.ndim == 0 else "arr"
        elif isinstance(c, (bool, np.bool_)):
            kind = type(c).__name__
        else:
            kind = type(c).__name__
        if not parts or parts[-1] != kind:
            parts.append(kind)
    return "[" + ",".join(parts) + "]"


# -- indexing -----------------------------------------------------------------------------------
@given(data=st.data())
@fuzz(150)
def test_getitem(data):
    k = data.draw(ks)
    shape = data.draw(logical_shapes(max_dims=4))
    idx = data.draw(indices(shape))
    check(
        f"b{_fmt_index(idx)} (shape {shape}, k={k})",
        lambda a: a[idx],
        block(data.draw, shape, k),
        key="getitem" + _index_key(idx),
    )


@given(data=st.data())
@fuzz(150)
def test_setitem(data):
    k = data.draw(ks)
    shape = data.draw(logical_shapes(max_dims=4))
    idx = data.draw(indices(shape))
    target = np.broadcast_to(np.empty((), bool), shape)
    try:
        rshape = target[idx].shape
    except IndexError:
        rshape = ()
    # the value: broadcastable to the result, maybe with fewer or leading size-1 axes
    vshape = rshape[data.draw(st.integers(0, len(rshape))) :]
    vshape = tuple(1 if data.draw(st.integers(0, 3)) == 0 else n for n in vshape)
    if data.draw(st.integers(0, 4)) == 0:
        vshape = (1,) + vshape
    kind = data.draw(st.sampled_from(["block", "plain", "scalar"]))
    v = block(data.draw, vshape, k) if kind == "block" else values(data.draw, vshape) if kind == "plain" else 2.5

    def assign(a, v):
        a[idx] = v
        return a

    check(
        f"b{_fmt_index(idx)} = {kind} {vshape} (shape {shape}, k={k})",
        assign,
        block(data.draw, shape, k),
        v,
        key=f"setitem {kind}" + _index_key(idx),
    )


# -- ufuncs ---------------------------------------------------------------------------------------
UNARY_UFUNCS = [
    np.negative,
    np.positive,
    np.absolute,
    np.exp,
    np.sin,
    np.sqrt,
    np.sign,
    np.floor,
    np.isfinite,
    np.logical_not,
    np.square,
    np.reciprocal,
    np.conjugate,
    np.modf,
    np.frexp,
    np.signbit,
]
BOOLEAN_RESULT = (np.less, np.equal, np.logical_and, np.isfinite, np.logical_not, np.signbit)
BINARY_UFUNCS = [
    np.add,
    np.subtract,
    np.multiply,
    np.true_divide,
    np.floor_divide,
    np.remainder,
    np.power,
    np.maximum,
    np.minimum,
    np.fmax,
    np.arctan2,
    np.hypot,
    np.less,
    np.equal,
    np.logical_and,
    np.copysign,
    np.divmod,
    np.heaviside,
]


def _operand(draw, shape, k, dtype=np.float64, allow_scalar=True):
    kind = draw(st.sampled_from(["block", "block", "plain", "scalar"] if allow_scalar else ["block", "plain"]))
    if kind == "block":
        return block(draw, shape, k, dtype)
    if kind == "plain" or shape != ():
        return values(draw, shape, dtype)
    return draw(st.sampled_from([1.5, -2, np.float64(0.75), np.array(1.25)]))


@given(data=st.data())
@fuzz(200)
def test_ufunc_call(data):
    k = data.draw(ks)
    ufunc = data.draw(st.sampled_from(UNARY_UFUNCS + BINARY_UFUNCS))
    dtype = data.draw(st.sampled_from([np.float64, np.float64, np.float32, np.complex128]))
    if ufunc in (
        np.floor,
        np.frexp,
        np.signbit,
        np.arctan2,
        np.hypot,
        np.copysign,
        np.heaviside,
        np.fmax,
        np.floor_divide,
        np.remainder,
        np.divmod,
        np.maximum,
        np.minimum,
        np.less,
        np.modf,
    ):
        dtype = np.float64  # not defined for complex
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=ufunc.nin, min_dims=0, max_dims=3, max_side=3))
    ops = [_operand(data.draw, s, k, dtype) for s in shapes_.input_shapes]
    if not any(isinstance(o, B) for o in ops):
        ops[0] = block(data.draw, shapes_.input_shapes[0], k, dtype)
    kwargs = {}
    how = data.draw(st.sampled_from(["plain", "plain", "out", "out bigger", "where", "dtype"]))
    rshape = shapes_.result_shape
    if how in ("out", "out bigger") and ufunc.nout == 1:
        oshape = rshape if how == "out" else data.draw(st.sampled_from([(2,), (1,), (3, 2), (2, 1)])) + rshape
        outd = np.result_type(*[o.V.dtype if isinstance(o, B) else o for o in ops])
        if outd == np.dtype(bool) or ufunc in BOOLEAN_RESULT:
            outd = np.dtype(bool)
        out = B(np.zeros((k,) + oshape, dtype=outd))

        def fn(*a):
            return ufunc(*a[:-1], out=a[-1])

        check(f"np.{ufunc.__name__}({_sig(ops)}, out=block {oshape}) k={k}", fn, *ops, out)
        return
    if how == "where":  # where= without out= leaves the masked-off places uninitialized: give out= too
        w = values(data.draw, rshape[data.draw(st.integers(0, len(rshape))) :], bool)
        outd = np.result_type(*[o.V.dtype if isinstance(o, B) else o for o in ops])
        if ufunc.nout == 1 and ufunc not in (
            np.less,
            np.equal,
            np.logical_and,
            np.isfinite,
            np.logical_not,
            np.signbit,
        ):
            out = B(np.zeros((k,) + rshape, dtype=outd))
            check(
                f"np.{ufunc.__name__}({_sig(ops)}, out=block, where=plain{w.shape}) k={k}",
                lambda *a: ufunc(*a[:-1], out=a[-1], where=w),
                *ops,
                out,
            )
        return
    if (
        how == "dtype"
        and dtype is np.float64
        and ufunc
        not in (
            np.less,
            np.equal,
            np.logical_and,
            np.isfinite,
            np.logical_not,
            np.signbit,
            np.modf,
            np.frexp,
            np.divmod,
        )
    ):
        kwargs["dtype"] = np.float32
    check(f"np.{ufunc.__name__}({_sig(ops)}, {kwargs and list(kwargs)}) k={k}", lambda *a: ufunc(*a, **kwargs), *ops)


def _sig(ops):
    out = []
    for o in ops:
        if isinstance(o, B):
            out.append(f"block{o.V.shape[1:]}")
        elif isinstance(o, np.ndarray):
            out.append(f"plain{o.shape}")
        else:
            out.append(repr(o))
    return ", ".join(out)


@given(data=st.data())
@fuzz(100)
def test_ufunc_reduce_and_accumulate(data):
    k = data.draw(ks)
    ufunc = data.draw(st.sampled_from([np.add, np.multiply, np.maximum, np.minimum, np.logical_and, np.logical_or]))
    shape = data.draw(logical_shapes())
    x = block(data.draw, shape, k)
    nd = len(shape)
    if data.draw(st.booleans()):
        kwargs = {}
        if data.draw(st.booleans()):
            kwargs["axis"] = axis_arg(data.draw, nd)
        if data.draw(st.booleans()):
            kwargs["keepdims"] = True
        if data.draw(st.booleans()) and ufunc in (np.add, np.maximum):
            kwargs["initial"] = 0.5
            if data.draw(st.booleans()):
                kwargs["where"] = values(data.draw, shape[data.draw(st.integers(0, nd)) :], bool)
        if data.draw(st.booleans()) and ufunc in (np.add, np.multiply):
            kwargs["dtype"] = np.float32
        check(f"np.{ufunc.__name__}.reduce(block{shape}, **{kwargs}) k={k}", lambda a: ufunc.reduce(a, **kwargs), x)
        if "axis" in kwargs and not data.draw(st.integers(0, 3)):
            ax = kwargs.pop("axis")
            check(
                f"np.{ufunc.__name__}.reduce(block{shape}, {ax!r} positional) k={k}",
                lambda a: ufunc.reduce(a, ax, **kwargs),
                x,
            )
    else:
        kwargs = {}
        if data.draw(st.booleans()):
            kwargs["axis"] = axis_arg(data.draw, nd, allow_tuple=False)
        if data.draw(st.booleans()) and ufunc in (np.add, np.multiply):
            kwargs["dtype"] = np.float32
        check(
            f"np.{ufunc.__name__}.accumulate(block{shape}, **{kwargs}) k={k}",
            lambda a: ufunc.accumulate(a, **kwargs),
            x,
        )


@given(data=st.data())
@fuzz(150)
def test_ufunc_at(data):
    k = data.draw(ks)
    ufunc = data.draw(st.sampled_from([np.add, np.subtract, np.multiply, np.maximum, np.negative]))
    shape = data.draw(logical_shapes(max_dims=3))
    idx = data.draw(indices(shape))
    try:
        rshape = np.broadcast_to(np.empty((), bool), shape)[idx].shape
    except IndexError:
        rshape = ()
    x = block(data.draw, shape, k)
    if ufunc.nin == 1:
        check(
            f"np.{ufunc.__name__}.at(block{shape}, {_fmt_index(idx)}) k={k}",
            lambda a: ufunc.at(a, idx),
            x,
            key="at" + _index_key(idx),
        )
        return
    vshape = rshape[data.draw(st.integers(0, len(rshape))) :]
    if data.draw(st.integers(0, 4)) == 0:
        vshape = (1,) + vshape
    v = _operand(data.draw, vshape, k)
    check(
        f"np.{ufunc.__name__}.at(block{shape}, {_fmt_index(idx)}, {_sig([v])}) k={k}",
        lambda a, b: ufunc.at(a, idx, b),
        x,
        v,
        key="at" + _index_key(idx),
    )


@given(data=st.data())
@fuzz(30)
def test_ufunc_methods_with_a_plain_target_or_outer_refuse(data):
    k = data.draw(ks)
    shape = data.draw(logical_shapes(min_dims=1))
    x = block(data.draw, shape, k)
    P = values(data.draw, shape)
    check("np.add.outer(block, plain)", lambda a, p: np.add.outer(a, p), x, P)
    check("np.add.reduceat(block, [0])", lambda a: np.add.reduceat(a, [0]), x)
    check(
        "np.add.at(plain, 0, block)",
        lambda p, a: np.add.at(p, (0,) * len(shape), a[(0,) * len(shape)]),
        P,
        x,
    )
    check("np.add(plain, block, out=plain)", lambda p, a: np.add(p, a, out=p), P, x)


# -- operators ------------------------------------------------------------------------------------
BINOPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "**": lambda a, b: a**b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "&": lambda a, b: a & b,
    "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << b,
    ">>": lambda a, b: a >> b,
    "divmod": divmod,
}
UNOPS = {"-": lambda a: -a, "+": lambda a: +a, "abs": abs, "~": lambda a: ~a}


@given(data=st.data())
@fuzz(150)
def test_operators(data):
    k = data.draw(ks)
    name = data.draw(st.sampled_from(sorted(BINOPS) + ["@"] + [f"unary {u}" for u in UNOPS]))
    integral = name in ("&", "|", "^", "<<", ">>", "unary ~")
    dtype = np.int64 if integral else np.float64
    if name.startswith("unary"):
        shape = data.draw(logical_shapes())
        check(f"{name}block{shape} k={k}", UNOPS[name[6:]], block(data.draw, shape, k, dtype))
        return
    if name == "@":
        na, nb = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
        n = data.draw(st.integers(1, 3))
        batch = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2)).input_shapes
        sa = (batch[0] if na > 2 else ()) + ((data.draw(st.integers(1, 3)),) if na > 1 else ()) + (n,)
        sb = (batch[1] if nb > 2 else ()) + (n,) + ((data.draw(st.integers(1, 3)),) if nb > 1 else ())
        ops = [_operand(data.draw, sa, k, allow_scalar=False), _operand(data.draw, sb, k, allow_scalar=False)]
        fn = lambda a, b: a @ b  # noqa: E731
    else:
        shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
        ops = [_operand(data.draw, s, k, dtype) for s in shapes_]
        fn = BINOPS[name]
        if name in ("<<", ">>"):
            ops = [o if not isinstance(o, B) else B(np.abs(o.V) % 4) for o in ops]
            ops = [np.abs(o) % 4 if isinstance(o, np.ndarray) else o for o in ops]
    if not any(isinstance(o, B) for o in ops):
        ops[0] = block(data.draw, np.shape(ops[0]), k, dtype)
    check(f"a {name} b with a, b = {_sig(ops)} k={k}", fn, *ops)


@given(data=st.data())
@fuzz(60)
def test_in_place_operators_write_into_the_array(data):
    """``a += p`` writes into ``a``: whatever else holds ``a`` (a view, another name) sees the write."""
    k = data.draw(ks)
    shape = data.draw(logical_shapes(min_dims=1))
    op = data.draw(st.sampled_from(["+=", "-=", "*=", "/="]))
    p = data.draw(st.sampled_from([2.0, "plain", "block"]))
    other = values(data.draw, shape) if p == "plain" else block(data.draw, shape, k) if p == "block" else p
    view = data.draw(st.booleans())

    def fn(a, o):
        alias = a[0] if view else a
        if op == "+=":
            alias += o if not view else (o[0] if np.ndim(o) else o)
        elif op == "-=":
            alias -= o if not view else (o[0] if np.ndim(o) else o)
        elif op == "*=":
            alias *= o if not view else (o[0] if np.ndim(o) else o)
        else:
            alias /= o if not view else (o[0] if np.ndim(o) else o)
        return a

    check(f"{'a[0]' if view else 'alias of a'} {op} {p} (shape {shape}) k={k}", fn, block(data.draw, shape, k), other)


@given(data=st.data())
@fuzz(20)
def test_plus_and_copies_do_not_alias(data):
    """+a, a.copy(), np.copy(a), a.flatten(), a.astype(dtype) are new arrays: a write into them leaves ``a`` alone."""
    k = data.draw(ks)
    shape = data.draw(logical_shapes(min_dims=1))
    for name, make in [
        ("+a", lambda a: +a),
        ("a.copy()", lambda a: a.copy()),
        ("np.copy(a)", np.copy),
        ("a.flatten()", lambda a: a.flatten()),
        ("a.astype(float64)", lambda a: a.astype(np.float64)),
        ("np.positive(a)", np.positive),
        ("a.conj()", lambda a: a.conj()),
        ("a.round(20)", lambda a: a.round(20)),
    ]:

        def fn(a, make=make):
            c = make(a)
            c[...] = 7.0
            return a

        check(f"c = {name}; c[...] = 7 changes a? (shape {shape}) k={k}", fn, block(data.draw, shape, k))


# -- methods and properties ---------------------------------------------------------------------
def _reshape_target(draw, shape):
    size = int(np.prod(shape))
    factors = []
    n = size
    while n > 1:
        for p in (2, 3, 5, 7):
            if n % p == 0:
                factors.append(p)
                n //= p
                break
        else:
            factors.append(n)
            n = 1
    dims = []
    for f in draw(st.permutations(factors)):
        if dims and draw(st.booleans()):
            dims[-1] *= f
        else:
            dims.append(f)
    for _ in range(draw(st.integers(0, 2))):
        dims.insert(draw(st.integers(0, len(dims))), 1)
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@given(data=st.data())
@fuzz(250)
def test_methods(data):
    k = data.draw(ks)
    dtype = data.draw(st.sampled_from([np.float64, np.float64, np.float32, np.complex128, np.int64, np.bool_]))
    shape = data.draw(logical_shapes(max_dims=3))
    nd = len(shape)
    x = block(data.draw, shape, k, dtype)
    name = data.draw(
        st.sampled_from(
            [
                "T",
                "transpose",
                "transpose*",
                "swapaxes",
                "reshape",
                "reshape*",
                "ravel",
                "flatten",
                "squeeze",
                "copy",
                "astype",
                "view",
                "round",
                "conj",
                "cumsum",
                "cumprod",
                "clip",
                "dot",
                "repeat",
                "sum",
                "mean",
                "max",
                "min",
                "prod",
                "any",
                "all",
                "var",
                "std",
                "iter",
                "len",
                "props",
            ]
        )
    )
    d = data.draw
    if name == "T":
        fn = lambda a: a.T  # noqa: E731
    elif name in ("transpose", "transpose*"):
        perm = list(d(st.permutations(range(nd))))
        perm = [p - nd if d(st.booleans()) else p for p in perm]
        if d(st.integers(0, 5)) == 0 and nd:
            perm[0] = d(st.sampled_from([nd, -nd - 1]))  # out of range
        if name == "transpose*":
            fn = lambda a: a.transpose(*perm)  # noqa: E731
        else:
            arg = d(st.sampled_from([tuple(perm), list(perm), None])) if perm else d(st.sampled_from([(), None]))
            fn = lambda a: a.transpose(arg)  # noqa: E731
        name += f"({perm})"
    elif name == "swapaxes":
        a1, a2 = d(st.integers(-nd - 1, nd)), d(st.integers(-nd - 1, nd))
        fn = lambda a: a.swapaxes(a1, a2)  # noqa: E731
        name += f"({a1}, {a2})"
    elif name in ("reshape", "reshape*"):
        target = _reshape_target(d, shape)
        if name == "reshape*" and target:
            fn = lambda a: a.reshape(*target)  # noqa: E731
        else:
            fn = lambda a: a.reshape(target)  # noqa: E731
        name += f"({target})"
    elif name in ("ravel", "flatten", "copy", "conj"):
        fn = lambda a, n=name: getattr(a, n)()  # noqa: E731
    elif name == "squeeze":
        ones = [i for i, n in enumerate(shape) if n == 1]
        axis = d(st.sampled_from([None] + ones + [tuple(ones)] + ([-1] if shape else [])))
        fn = lambda a: a.squeeze(axis) if axis is not None or d(st.booleans()) else a.squeeze()  # noqa: E731
        name += f"({axis})"
    elif name == "astype":
        t = d(st.sampled_from([np.float32, np.int32, np.complex64, np.float64, bool]))
        fn = lambda a: a.astype(t)  # noqa: E731
        name += f"({t.__name__})"
    elif name == "view":
        t = {1: np.int8, 4: np.int32, 8: np.int64, 16: np.complex128}[np.dtype(dtype).itemsize]
        fn = lambda a: a.view(t)  # noqa: E731
    elif name == "round":
        dec = d(st.integers(-1, 3))
        fn = lambda a: a.round(dec)  # noqa: E731
        name += f"({dec})"
    elif name in ("cumsum", "cumprod"):
        axis = axis_arg(d, nd, allow_tuple=False)
        dt = d(st.sampled_from([None, np.float64]))
        fn = lambda a, n=name: getattr(a, n)(axis=axis, dtype=dt)  # noqa: E731
        name += f"(axis={axis}, dtype={dt})"
    elif name == "clip":
        lo = d(st.sampled_from([None, -1.0, "plain", "block"]))
        hi = d(st.sampled_from([None, 1.0, "plain"]))
        if lo is None and hi is None:
            hi = 1.0
        sub = shape[d(st.integers(0, nd)) :]
        lo_v = values(d, sub) if lo == "plain" else block(d, sub, k) if lo == "block" else lo
        hi_v = values(d, sub) + 3 if hi == "plain" else hi
        if lo == "block":
            check(f"block{shape}.clip(block{sub}, {hi}) k={k}", lambda a, lo_b: a.clip(lo_b, hi_v), x, lo_v)
            return
        fn = lambda a: a.clip(lo_v, hi_v)  # noqa: E731
        name += f"({lo}, {hi})"
    elif name == "dot":
        other_shape = d(st.sampled_from([(), shape[-1:], shape[-1:] + (2,), (2,) + shape[-1:] + (3,)]))
        P = values(d, other_shape, dtype)
        fn = lambda a: a.dot(P)  # noqa: E731
        name += f"(plain{other_shape})"
    elif name == "repeat":
        axis = axis_arg(d, nd, allow_tuple=False)
        n_along = int(np.prod(shape)) if axis is None else (shape[axis] if -nd <= axis < nd else 1)
        reps = d(st.sampled_from([2, 0, "array"]))
        if reps == "array":
            reps = list(d(st.lists(st.integers(0, 2), min_size=n_along, max_size=n_along)))
        fn = lambda a: a.repeat(reps, axis)  # noqa: E731
        name += f"({reps}, axis={axis})"
    elif name in ("sum", "mean", "max", "min", "prod", "any", "all", "var", "std"):
        kwargs = {}
        if d(st.booleans()):
            kwargs["axis"] = axis_arg(d, nd)
        if d(st.booleans()):
            kwargs["keepdims"] = d(st.booleans())
        if name in ("var", "std") and d(st.booleans()):
            kwargs["ddof"] = d(st.integers(0, 1))
        if name in ("sum", "prod", "mean") and d(st.booleans()) and dtype is not np.complex128:
            kwargs["dtype"] = np.float32
        if name in ("sum", "max", "min", "prod") and d(st.booleans()) and dtype not in (np.complex128,):
            kwargs["initial"] = 1
            if d(st.booleans()):
                kwargs["where"] = values(d, shape[d(st.integers(0, nd)) :], bool)
        if name in ("mean", "var", "std", "all", "any") and d(st.integers(0, 3)) == 0:
            kwargs["where"] = values(d, shape[d(st.integers(0, nd)) :], bool)
        if d(st.integers(0, 4)) == 0 and "axis" in kwargs:
            ax = kwargs.pop("axis")
            fn = lambda a, n=name: getattr(a, n)(ax, **kwargs)  # noqa: E731
            name += f"({ax}, **{kwargs})"
        else:
            fn = lambda a, n=name: getattr(a, n)(**kwargs)  # noqa: E731
            name += f"(**{kwargs})"
    elif name == "iter":
        fn = lambda a: list(a)  # noqa: E731
    elif name == "len":
        fn = lambda a: len(a)  # noqa: E731
    else:
        fn = lambda a: (a.shape, a.ndim, a.size, a.dtype, np.shape(a), np.ndim(a), np.size(a))  # noqa: E731
    check(f"block{shape} {np.dtype(dtype).name}.{name} k={k}", fn, x)


@given(data=st.data())
@fuzz(30)
def test_value_dependent_python_refuses(data):
    k = data.draw(ks)
    shape = data.draw(logical_shapes(max_dims=2))
    x = block(data.draw, shape, k)
    for name, fn in [
        ("bool", bool),
        ("float", float),
        ("int", int),
        ("complex", complex),
        ("item", lambda a: a.item()),
        ("tolist", lambda a: a.tolist()),
        ("np.asarray", np.asarray),
        ("np.array", np.array),
        ("index", lambda a: [1, 2, 3][a]),
        ("np.sort", np.sort),
        ("np.argmax", np.argmax),
        ("np.nonzero", np.nonzero),
        ("np.linalg.norm", np.linalg.norm),
        ("a.argmax()", lambda a: a.argmax()),
        ("a.nonzero()", lambda a: a.nonzero()),
        ("a.fill(0)", lambda a: a.fill(0)),
        ("a.take([0])", lambda a: a.take([0])),
        ("a.real", lambda a: a.real),
        ("a.imag", lambda a: a.imag),
        ("a.sort()", lambda a: a.sort()),
        ("a.diagonal()", lambda a: a.diagonal()),
        ("a.trace()", lambda a: a.trace()),
        ("a.ptp()", lambda a: np.ptp(a)),
        ("a.mT", lambda a: a.mT),
        ("a.strides", lambda a: a.strides),
        ("a.nbytes", lambda a: a.nbytes),
        ("a.itemsize", lambda a: a.itemsize),
        ("a.base", lambda a: a.base),
        ("round(a)", lambda a: round(a)),
        ("a.searchsorted(0)", lambda a: a.searchsorted(0)),
        ("a.argsort()", lambda a: a.argsort()),
        ("a.put(0, 1)", lambda a: a.put(0, 1)),
        ("a.cumsum(out=)", lambda a: a.cumsum(out=a)),
        ("np.array_split", lambda a: np.array_split(a, 1)),
        ("np.ptp", np.ptp),
        ("np.isclose", lambda a: np.isclose(a, 0)),
        ("np.allclose", lambda a: np.allclose(a, 0)),
    ]:
        check(f"{name} of block{shape}", fn, x)


# -- the NumPy functions of _FUNCTIONS --------------------------------------------------------------
def _subshape(d, shape):
    """A shape broadcastable to ``shape``: a suffix with some axes 1."""
    s = shape[d(st.integers(0, len(shape))) :]
    return tuple(1 if d(st.integers(0, 3)) == 0 else n for n in s)


def _gen_function(name, d, k):
    """(description, fn, operands) for one random call of np.<name>."""
    dtype = d(st.sampled_from([np.float64, np.float64, np.float64, np.float32, np.complex128]))
    shape = d(logical_shapes(max_dims=3))
    nd = len(shape)
    x = block(d, shape, k, dtype)
    desc = f"np.{name}(block{shape} {np.dtype(dtype).name}"

    def out(extra, fn, *ops):
        return desc + extra + f") k={k}", fn, ops

    if name in ("shape", "ndim", "size"):
        if name == "size" and nd and d(st.booleans()):
            ax = d(st.integers(-nd, nd - 1))
            return out(f", {ax}", lambda a: np.size(a, ax), x)
        return out("", getattr(np, name), x)
    if name == "result_type":
        return out(", float32, plain int32", lambda a: np.result_type(a, np.float32, np.zeros(2, np.int32)), x)
    if name == "reshape":
        t = _reshape_target(d, shape)
        how = d(st.sampled_from(["pos", "shape=", "order"]))
        if how == "pos":
            return out(f", {t}", lambda a: np.reshape(a, t), x)
        if how == "shape=":
            return out(f", shape={t}", lambda a: np.reshape(a, shape=t), x)
        o = d(st.sampled_from(["C", "F", "A"]))
        return out(f", {t}, order={o}", lambda a: np.reshape(a, t, order=o), x)
    if name == "ravel":
        o = d(st.sampled_from(["C", "F", "K", "A"]))
        return out(f", order={o}", lambda a: np.ravel(a, o), x)
    if name == "transpose":
        perm = list(d(st.permutations(range(nd))))
        perm = [p - nd if d(st.booleans()) else p for p in perm]
        arg = d(st.sampled_from([tuple(perm), None]))
        return out(f", {arg}", lambda a: np.transpose(a, arg), x)
    if name == "swapaxes":
        a1, a2 = d(st.integers(-nd - 1, nd)), d(st.integers(-nd - 1, nd))
        return out(f", {a1}, {a2}", lambda a: np.swapaxes(a, a1, a2), x)
    if name == "moveaxis":
        n = d(st.integers(0, nd))
        if not nd:
            return out(", (), ()", lambda a: np.moveaxis(a, (), ()), x)
        src = d(st.lists(st.integers(-nd, nd - 1), min_size=n, max_size=n, unique_by=lambda a: a % nd))
        dst = d(st.lists(st.integers(-nd, nd - 1), min_size=n, max_size=n, unique_by=lambda a: a % nd))
        if n == 1 and d(st.booleans()):
            src, dst = src[0], dst[0]
        return out(f", {src}, {dst}", lambda a: np.moveaxis(a, src, dst), x)
    if name == "expand_dims":
        n = d(st.integers(1, 2))
        axes = d(st.lists(st.integers(-nd - n, nd + n - 1), min_size=n, max_size=n))
        arg = axes[0] if n == 1 and d(st.booleans()) else tuple(axes)
        return out(f", {arg}", lambda a: np.expand_dims(a, arg), x)
    if name == "squeeze":
        ones = [i for i, n in enumerate(shape) if n == 1]
        axis = d(st.sampled_from([None] + ones + [tuple(ones)]))
        return out(f", {axis}", lambda a: np.squeeze(a, axis), x)
    if name == "broadcast_to":
        target = d(hnp.broadcastable_shapes(shape, max_dims=4, max_side=3))
        target = (
            tuple(max(a, b) for a, b in zip(((1,) * (len(target) - nd) + shape)[-len(target) :], target))
            if len(target) >= nd
            else target
        )
        return out(f", {target}", lambda a: np.broadcast_to(a, target), x)
    if name == "copy":
        return out("", np.copy, x)
    if name in ("zeros_like", "ones_like", "empty_like", "full_like"):
        kwargs = {}
        if d(st.booleans()):
            kwargs["dtype"] = np.float32
        if d(st.booleans()):
            kwargs["shape"] = d(st.sampled_from([(), 3, (2, 1), (1,)]))
        fn = getattr(np, name)
        if name == "full_like":
            fill = d(st.sampled_from([1.5, "plain", "block"]))
            if fill == "block":
                return out(f", block fill, {kwargs}", lambda a, f: np.full_like(a, f, **kwargs), x, block(d, (), k))
            fv = values(d, shape[-1:]) if fill == "plain" else fill
            return out(f", {fill}, {kwargs}", lambda a: np.full_like(a, fv, **kwargs), x)
        return out(f", {kwargs}", lambda a: fn(a, **kwargs), x)
    if name == "where":
        shs = d(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
        ops = [_operand(d, shs[0], k, bool)] + [_operand(d, s, k, dtype) for s in shs[1:]]
        if not any(isinstance(o, B) for o in ops):
            ops[1] = block(d, shs[1], k, dtype)
        return f"np.where({_sig(ops)}) k={k}", np.where, ops
    if name in ("concatenate", "stack"):
        n = d(st.integers(1, 3))
        ops = [_operand(d, shape, k, dtype, allow_scalar=False) for _ in range(n)]
        if not any(isinstance(o, B) for o in ops):
            ops[0] = x
        axis = axis_arg(d, nd + (name == "stack"), allow_tuple=False)
        dt = d(st.sampled_from([None, None, np.float32]))
        kw = {} if dt is None else {"dtype": dt}
        return (
            f"np.{name}([{_sig(ops)}], axis={axis}, {kw}) k={k}",
            lambda *a: getattr(np, name)(list(a), axis=axis, **kw),
            ops,
        )
    if name == "split":
        if not nd:
            return out(", 1", lambda a: np.split(a, 1), x)
        axis = d(st.integers(-nd, nd - 1))
        n = shape[axis]
        how = d(st.sampled_from(["1", "n", "list"]))
        arg = 1 if how == "1" else n if how == "n" else d(st.lists(st.integers(0, n), max_size=3))
        return out(f", {arg}, axis={axis}", lambda a: np.split(a, arg, axis=axis), x)
    if name in ("matmul", "dot", "tensordot", "einsum", "outer"):
        return _gen_products(name, d, k)
    if name == "clip":
        shs = d(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
        ops = [_operand(d, shs[0], k)]
        lo = d(st.sampled_from(["none", "block", "plain", "scalar"]))
        hi = d(st.sampled_from(["none", "plain", "scalar"]))
        ops.append(
            None
            if lo == "none"
            else block(d, shs[1], k)
            if lo == "block"
            else values(d, shs[1]) - 1
            if lo == "plain"
            else -0.5
        )
        ops.append(None if hi == "none" else values(d, shs[2]) + 1 if hi == "plain" else 0.5)
        if ops[1] is None and ops[2] is None:
            ops[2] = 0.5
        if not any(isinstance(o, B) for o in ops):
            ops[0] = block(d, shs[0], k)
        kwd = d(st.booleans())
        if kwd:
            return f"np.clip({_sig(ops)}) as min=/max= k={k}", lambda a, lo, hi: np.clip(a, min=lo, max=hi), ops
        return f"np.clip({_sig(ops)}) k={k}", np.clip, ops
    if name in ("cumsum", "cumprod"):
        axis = axis_arg(d, nd, allow_tuple=False)
        return out(f", axis={axis}", lambda a: getattr(np, name)(a, axis=axis), x)
    if name == "repeat":
        axis = axis_arg(d, nd, allow_tuple=False)
        n_along = int(np.prod(shape)) if axis is None else (shape[axis] if -nd <= axis < nd else 1)
        reps = d(st.sampled_from([2, 1, "array"]))
        if reps == "array":
            reps = np.array(d(st.lists(st.integers(0, 2), min_size=n_along, max_size=n_along)), dtype=np.intp)
        return out(f", {reps!r}, axis={axis}", lambda a: np.repeat(a, reps, axis=axis), x)
    if name == "tile":
        reps = d(st.one_of(st.integers(1, 2), st.lists(st.integers(1, 2), max_size=4).map(tuple)))
        return out(f", {reps}", lambda a: np.tile(a, reps), x)
    if name == "roll":
        how = d(st.sampled_from(["none", "int", "tuple"]))
        shift = d(st.integers(-4, 4))
        if how == "none" or not nd:
            return out(f", {shift}", lambda a: np.roll(a, shift), x)
        if how == "int":
            axis = d(st.integers(-nd, nd - 1))
            return out(f", {shift}, axis={axis}", lambda a: np.roll(a, shift, axis=axis), x)
        axes = tuple(d(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=3)))
        shifts = d(st.sampled_from([shift, tuple(d(st.integers(-3, 3)) for _ in axes)]))
        return out(f", {shifts}, axis={axes}", lambda a: np.roll(a, shifts, axis=axes), x)
    if name == "flip":
        axis = axis_arg(d, nd, allow_bad=False)
        return out(f", {axis}", lambda a: np.flip(a, axis), x)
    if name == "pad":
        how = d(st.sampled_from(["int", "pair", "pairs", "pairs1"]))
        pw = (
            d(st.integers(0, 2))
            if how == "int"
            else (d(st.integers(0, 2)), d(st.integers(0, 2)))
            if how == "pair"
            else tuple((d(st.integers(0, 2)), d(st.integers(0, 2))) for _ in range(nd))
            if how == "pairs"
            else ((d(st.integers(0, 2)), d(st.integers(0, 2))),)
        )
        mode = d(
            st.sampled_from(
                ["constant", "edge", "reflect", "wrap", "symmetric", "maximum", "mean", "linear_ramp", "callable"]
            )
        )
        kw = {}
        if mode == "constant" and d(st.booleans()):
            kw["constant_values"] = d(st.sampled_from([1.5, (1.0, 2.0)]))
        if mode in ("maximum", "mean") and d(st.booleans()):
            kw["stat_length"] = 1
        if mode == "callable":

            def padder(vector, iaxis_pad_width, iaxis, kwargs):
                before, after = iaxis_pad_width
                vector[:before] = 10.0 * (iaxis + 1)
                if after:
                    vector[-after:] = -10.0 * (iaxis + 1)

            mode = padder
        return out(f", {pw}, mode={getattr(mode, '__name__', mode)}, {kw}", lambda a: np.pad(a, pw, mode=mode, **kw), x)
    if name in ("diagonal", "trace"):
        if nd < 2:
            return out("", getattr(np, name), x)
        off = d(st.integers(-2, 2))
        a1, a2 = d(st.integers(-nd, nd - 1)), d(st.integers(-nd, nd - 1))
        return out(f", {off}, {a1}, {a2}", lambda a: getattr(np, name)(a, off, a1, a2), x)
    if name in ("triu", "tril"):
        kk = d(st.integers(-2, 2))
        return out(f", {kk}", lambda a: getattr(np, name)(a, kk), x)
    if name in ("take_along_axis", "put_along_axis"):
        if not nd:
            return out(", [], None", lambda a: np.take_along_axis(a, np.zeros(0, np.intp), None), x)
        axis = d(st.integers(-nd, nd - 1))
        ishape = list(shape)
        ishape[axis] = d(st.integers(1, 3))
        ishape = tuple(1 if d(st.integers(0, 3)) == 0 else n for n in ishape)
        n = shape[axis]
        ind = np.asarray(d(hnp.arrays(np.intp, tuple(ishape), elements=st.integers(-n, n - 1))))
        if name == "take_along_axis":
            if axis == -1 and d(st.booleans()):  # NumPy 2.3+: axis=-1 by default
                return out(f", {ind.tolist()}", lambda a: np.take_along_axis(a, ind), x)
            return out(f", {ind.tolist()}, axis={axis}", lambda a: np.take_along_axis(a, ind, axis=axis), x)
        vs = _subshape(d, tuple(ishape))
        v = _operand(d, vs, k, dtype)
        return (
            f"np.put_along_axis(block{shape}, {ind.tolist()}, {_sig([v])}, axis={axis}) k={k}",
            lambda a, vv: np.put_along_axis(a, ind, vv, axis=axis),
            [x, v],
        )
    if name == "copyto":
        src = _operand(d, _subshape(d, shape), k, dtype)
        where = d(st.sampled_from([True, "plain"]))
        w = values(d, _subshape(d, shape), bool) if where == "plain" else True
        return (
            f"np.copyto(block{shape}, {_sig([src])}, where={where}) k={k}",
            lambda a, s: np.copyto(a, s, where=w),
            [x, src],
        )
    if name in ("round", "around"):
        dec = d(st.integers(-1, 3))
        return out(f", {dec}", lambda a: getattr(np, name)(a, dec), x)
    if name in ("sum", "mean", "max", "min", "prod", "any", "all", "var", "std", "amax", "amin"):
        kwargs = {}
        if d(st.booleans()):
            kwargs["axis"] = axis_arg(d, nd)
        if d(st.booleans()):
            kwargs["keepdims"] = d(st.booleans())
        if name in ("var", "std") and d(st.booleans()):
            kwargs["ddof"] = 1
        if name in ("var", "std") and d(st.booleans()) and "axis" in kwargs:
            # NumPy 2's mean=: the mean, with keepdims' shape
            kw2 = dict(kwargs, keepdims=True)
            kw2.pop("ddof", None)
            m = d(st.sampled_from(["block", "plain"]))
            if m == "block":
                return (
                    f"np.{name}(block{shape}, mean=block, {kwargs}) k={k}",
                    lambda a: getattr(np, name)(a, mean=np.mean(a, **kw2), **kwargs),
                    [x],
                )
        if name in ("mean", "sum", "any", "all", "max") and d(st.integers(0, 3)) == 0:
            kwargs["where"] = values(d, _subshape(d, shape), bool)
            if name == "max":
                kwargs["initial"] = -10.0
        if d(st.integers(0, 4)) == 0:
            w = block(d, _subshape(d, shape), k, bool)
            kw3 = dict(kwargs)
            if name in ("max", "min", "amax", "amin"):
                kw3["initial"] = 0.0
            return (
                f"np.{name}(block{shape}, where=block, {kw3}) k={k}",
                lambda a, ww: getattr(np, name)(a, where=ww, **kw3),
                [x, w],
            )
        return out(f", **{kwargs}", lambda a: getattr(np, name)(a, **kwargs), x)
    raise KeyError(name)


def _gen_products(name, d, k):
    if name == "matmul":
        na, nb = d(st.integers(1, 4)), d(st.integers(1, 4))
        n = d(st.integers(1, 3))
        batch = d(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2)).input_shapes
        sa = (batch[0] if na > 2 else ())[: max(0, na - 2)] + ((d(st.integers(1, 3)),) if na > 1 else ()) + (n,)
        sb = (batch[1] if nb > 2 else ())[: max(0, nb - 2)] + (n,) + ((d(st.integers(1, 3)),) if nb > 1 else ())
        ops = [_operand(d, sa, k, allow_scalar=False), _operand(d, sb, k, allow_scalar=False)]
        if not any(isinstance(o, B) for o in ops):
            ops[0] = block(d, sa, k)
        how = d(st.sampled_from(["plain", "plain", "axes", "axis", "out"]))
        if how == "axes" and len(sa) >= 2 and len(sb) >= 2:
            axes = [(0, 1), (0, 1), (0, 1)] if d(st.booleans()) else [(-1, -2), (-2, -1), (-2, -1)]
            return f"np.matmul({_sig(ops)}, axes={axes}) k={k}", lambda a, b: np.matmul(a, b, axes=axes), ops
        if how == "axis" and len(sa) == 1 and len(sb) == 1:
            return f"np.matmul({_sig(ops)}, axis=0) k={k}", lambda a, b: np.matmul(a, b, axis=0), ops
        return f"np.matmul({_sig(ops)}) k={k}", np.matmul, ops
    if name == "dot":
        na, nb = d(st.integers(0, 3)), d(st.integers(0, 3))
        n = d(st.integers(1, 3))
        sa = tuple(d(st.integers(1, 2)) for _ in range(max(0, na - 1))) + ((n,) if na else ())
        sb = (
            tuple(d(st.integers(1, 2)) for _ in range(max(0, nb - 2)))
            + ((n,) if nb else ())
            + ((d(st.integers(1, 2)),) if nb > 1 else ())
        )
        ops = [_operand(d, sa, k, allow_scalar=False), _operand(d, sb, k, allow_scalar=False)]
        if not any(isinstance(o, B) for o in ops):
            ops[1] = block(d, sb, k)
        return f"np.dot({_sig(ops)}) k={k}", np.dot, ops
    if name == "outer":
        sa, sb = d(logical_shapes(max_dims=2)), d(logical_shapes(max_dims=2))
        ops = [_operand(d, sa, k, allow_scalar=False), _operand(d, sb, k, allow_scalar=False)]
        if not any(isinstance(o, B) for o in ops):
            ops[0] = block(d, sa, k)
        return f"np.outer({_sig(ops)}) k={k}", np.outer, ops
    if name == "tensordot":
        sa = d(logical_shapes(max_dims=3))
        n = d(st.integers(0, len(sa)))
        contracted = list(d(st.permutations(range(len(sa)))))[:n]
        free_b = d(logical_shapes(max_dims=2))
        order = list(d(st.permutations(range(n + len(free_b)))))
        sb_parts = [sa[c] for c in contracted] + list(free_b)
        sb = tuple(sb_parts[o] for o in order)
        ax_b = [order.index(j) for j in range(n)]
        ax_a = [c - len(sa) if d(st.booleans()) else c for c in contracted]
        how = d(st.sampled_from(["pairs", "int"]))
        if how == "int":
            sb = sa[len(sa) - n :] + tuple(free_b)
            axes = n
        else:
            axes = (ax_a, ax_b)
        ops = [_operand(d, sa, k, allow_scalar=False), _operand(d, sb, k, allow_scalar=False)]
        if not any(isinstance(o, B) for o in ops):
            ops[0] = block(d, sa, k)
        if d(st.integers(0, 6)) == 0 and len(sa):
            axes = ([len(sa) + 1], [0])  # out of range: NumPy raises
        return f"np.tensordot({_sig(ops)}, axes={axes}) k={k}", lambda a, b: np.tensordot(a, b, axes=axes), ops
    # einsum
    letters = "ijkl"
    na, nb = d(st.integers(0, 3)), d(st.integers(0, 3))
    ta = "".join(d(st.sampled_from(letters)) for _ in range(na))
    tb = "".join(d(st.sampled_from(letters)) for _ in range(nb))
    sizes = {c: d(st.integers(1, 3)) for c in letters}
    ell = d(st.booleans())
    pre = d(st.sampled_from([(), (2,), (1,)])) if ell else ()
    sa = pre + tuple(sizes[c] for c in ta)
    sb = tuple(sizes[c] for c in tb)
    outs = "".join(sorted(set(ta + tb), key=lambda c: d(st.integers(0, 9))))
    outs = "".join(c for c in outs if d(st.booleans()))
    spec = ("..." if ell else "") + ta + "," + tb + "->" + ("..." if ell else "") + outs
    ops = [_operand(d, sa, k, allow_scalar=False), _operand(d, sb, k, allow_scalar=False)]
    if not any(isinstance(o, B) for o in ops):
        ops[0] = block(d, sa, k)
    return f"np.einsum({spec!r}, {_sig(ops)}) k={k}", lambda a, b: np.einsum(spec, a, b), ops


FUNCTION_NAMES = sorted({getattr(f, "__name__", str(f)) for f in batching._FUNCTIONS})


@pytest.mark.parametrize("name", FUNCTION_NAMES)
@given(data=st.data())
@fuzz(40)
def test_numpy_functions(name, data):
    k = data.draw(ks)
    desc, fn, ops = _gen_function(name, data.draw, k)
    ops = list(ops)
    check(desc, fn, *ops, empty=(name == "empty_like"))


def test_every_function_in_the_table_is_fuzzed():
    for f in batching._FUNCTIONS:
        assert getattr(f, "__name__", None) in FUNCTION_NAMES


def test_blocks_of_different_sizes_never_mix():
    """Every block in one sweep has the same k; a k=1 block must not be broadcast over a k=3 one (nor the reverse)."""
    one, three = np.arange(2.0).reshape(1, 2), np.arange(6.0).reshape(3, 2)
    calls = {
        "np.add": lambda a, b: np.add(a, b),
        "np.where": lambda a, b: np.where(np.array([True, False]), a, b),
        "np.matmul": lambda a, b: np.matmul(a, b),
        "np.concatenate": lambda a, b: np.concatenate([a, b]),
        "np.clip": lambda a, b: np.clip(a, b, None),
        "select": lambda a, b: batching.select(a > 0, b),
        "setitem": lambda a, b: a.__setitem__(slice(None), b),
        "np.add.at": lambda a, b: np.add.at(a, [0, 1], b),
        "np.copyto": lambda a, b: np.copyto(a, b),
        "np.einsum": lambda a, b: np.einsum("i,i->i", a, b),
    }
    for name, fn in calls.items():
        for a, b in ((one, three), (three, one)):
            try:
                r = fn(Batched(a.copy()), Batched(b.copy()))
            except (Unbatchable, ValueError):
                continue
            _report("WRONG", f"{name} of a block of k={len(a)} and one of k={len(b)}", f"gave {_describe(r)}")
    try:
        r = batching.unbatch(Batched(np.ones((1, 2))), 3, (2,), np.float64)
    except (Unbatchable, ValueError):
        return
    _report("WRONG", "unbatch(a block of k=1, k=3)", f"gave shape {r.shape}: the one member copied to all 3")


# -- select, unbatch ------------------------------------------------------------------------------
@given(data=st.data())
@fuzz(80)
def test_select(data):
    k = data.draw(ks)
    sm, sa = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    dtype = data.draw(st.sampled_from([np.float64, np.float32, np.float16, np.complex128]))
    mask = _operand(data.draw, sm, k, bool, allow_scalar=False)
    a = _operand(data.draw, sa, k, dtype, allow_scalar=False)
    if not any(isinstance(o, B) for o in (mask, a)):
        a = block(data.draw, sa, k, dtype)
    if isinstance(a, B) and dtype != np.complex128:
        a.V.flat[:: max(1, a.V.size // 2)] = np.inf
    check(
        f"select({_sig([mask, a])}) {np.dtype(dtype).name} k={k}",
        lambda m, x: batching.select(m, x) if type(m) is Batched or type(x) is Batched else _dual.select(m, x),
        mask,
        a,
    )


@given(data=st.data())
@fuzz(50)
def test_unbatch(data):
    k = data.draw(ks)
    target = data.draw(logical_shapes(max_dims=3))
    sub = _subshape(data.draw, target)
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    kind = data.draw(st.sampled_from(["block", "plain", "scalar"]))
    if kind == "block":
        x = block(data.draw, sub, k)
        got = batching.unbatch(Batched(x.V.copy()), k, target, dtype)
        want = np.stack([np.broadcast_to(v, target).astype(dtype) for v in x.V])
    else:
        p = values(data.draw, sub) if kind == "plain" else 1.5
        got = batching.unbatch(p, k, target, dtype)
        want = np.stack([np.broadcast_to(np.asarray(p, dtype), target)] * k)
    why = _same(got, want)
    if why:
        _report("WRONG", f"unbatch({kind}{sub}, k={k}, {target})", why)


# -- Jacobians of random compositions of ops ------------------------------------------------------
def _bshape(d, shape):
    return _subshape(d, shape)


UNARY_STEPS = {
    "tanh": lambda t, d, c: mg.tanh(t),
    "sin": lambda t, d, c: mg.sin(t),
    "exp": lambda t, d, c: mg.exp(t * 0.3),
    "square": lambda t, d, c: t * t,
    "abs": lambda t, d, c: mg.abs(t),
    "relu": lambda t, d, c: F.relu(t) if hasattr(F, "relu") else mg.relu(t),
    "sigmoid": lambda t, d, c: mg.sigmoid(t),
    "softplus": lambda t, d, c: mg.softplus(t),
    "gelu": lambda t, d, c: F.gelu(t),
    "elu": lambda t, d, c: F.elu(t),
    "leaky_relu": lambda t, d, c: F.leaky_relu(t, 0.1),
    "silu": lambda t, d, c: F.silu(t),
    "sqrt": lambda t, d, c: mg.sqrt(t * t + 1.0),
    "log": lambda t, d, c: mg.log(t * t + 0.5),
    "pow": lambda t, d, c: (t * t + 1.0) ** 1.5,
    "rdiv": lambda t, d, c: 1.0 / (t * t + 1.0),
    "plain add (higher ndim)": lambda t, d, c: t + c(d, (d(st.integers(1, 2)),) + _bshape(d, t.shape)),
    "plain mul": lambda t, d, c: t * c(d, _bshape(d, t.shape)),
    "plain rsub": lambda t, d, c: c(d, _bshape(d, t.shape)) - t,
    "maximum plain": lambda t, d, c: mg.maximum(t, c(d, _bshape(d, t.shape))),
    "clip": lambda t, d, c: mg.clip(t, -0.5, 0.7),
    "where": lambda t, d, c: mg.where(c(d, _bshape(d, t.shape)) > 0, t, -2.0 * t),
    "sum": lambda t, d, c: mg.sum(t, axis=axis_arg(d, t.ndim, allow_bad=False), keepdims=d(st.booleans())),
    "mean": lambda t, d, c: mg.mean(t, axis=axis_arg(d, t.ndim, allow_bad=False), keepdims=d(st.booleans())),
    "max": lambda t, d, c: mg.max(
        t, axis=axis_arg(d, t.ndim, allow_bad=False, allow_tuple=False), keepdims=d(st.booleans())
    ),
    "prod": lambda t, d, c: mg.prod(t, axis=axis_arg(d, t.ndim, allow_bad=False, allow_tuple=False)),
    "var": lambda t, d, c: mg.var(t, axis=axis_arg(d, t.ndim, allow_bad=False)),
    "std": lambda t, d, c: mg.std(t * t + 1.0),
    "norm": lambda t, d, c: mg.norm(t * t + 0.5),
    "logsumexp": lambda t, d, c: mg.logsumexp(t, axis=axis_arg(d, t.ndim, allow_bad=False, allow_tuple=False)),
    "softmax": lambda t, d, c: mg.softmax(t, axis=-1) if t.ndim else t,
    "log_softmax": lambda t, d, c: mg.log_softmax(t, axis=0) if t.ndim else t,
    "cumsum": lambda t, d, c: mg.cumsum(t, axis=d(st.integers(-t.ndim, t.ndim - 1))) if t.ndim else t,
    "transpose": lambda t, d, c: mg.transpose(t),
    "reshape -1": lambda t, d, c: mg.reshape(t, (-1,)),
    "reshape": lambda t, d, c: mg.reshape(t, _reshape_target(d, t.shape)),
    "expand_dims": lambda t, d, c: mg.expand_dims(t, d(st.integers(-t.ndim - 1, t.ndim))),
    "squeeze": lambda t, d, c: mg.squeeze(t),
    "flip": lambda t, d, c: mg.flip(t),
    "roll": lambda t, d, c: mg.roll(t, d(st.integers(-3, 3))),
    "tile": lambda t, d, c: mg.tile(t, (2,) * d(st.integers(1, 2))),
    "repeat": lambda t, d, c: mg.repeat(t, 2),
    "pad": lambda t, d, c: mg.pad(t, 1) if t.ndim else t,
    "pad reflect": lambda t, d, c: mg.pad(t, 1, mode="reflect") if t.ndim and min(t.shape) > 1 else t,
    "broadcast_to": lambda t, d, c: mg.broadcast_to(t, (2,) + t.shape),
    "getitem": lambda t, d, c: _getitem_step(t, d),
    "concatenate": lambda t, d, c: (
        mg.concatenate([t, t * 2.0, mg.Tensor(c(d, t.shape))], axis=d(st.integers(-t.ndim, t.ndim - 1)))
        if t.ndim
        else t
    ),
    "stack": lambda t, d, c: mg.stack([t, mg.Tensor(c(d, t.shape)), t], axis=d(st.integers(-t.ndim - 1, t.ndim))),
    "split": lambda t, d, c: mg.split(t, [1], axis=0)[d(st.integers(0, 1))] * 1.0 if t.ndim and t.shape[0] > 1 else t,
    "matmul plain right": lambda t, d, c: t @ mg.Tensor(c(d, (t.shape[-1], 2))) if t.ndim else t,
    "matmul plain left": lambda t, d, c: (
        mg.Tensor(c(d, (2, t.shape[-2] if t.ndim > 1 else t.shape[-1]))) @ t if t.ndim else t
    ),
    "matmul self": lambda t, d, c: t @ mg.swapaxes(t, -1, -2) if t.ndim >= 2 else t,
    "outer": lambda t, d, c: mg.outer(t, t),
    "einsum": lambda t, d, c: mg.einsum("...i,...i->...", t, t) if t.ndim else t,
    "tensordot": lambda t, d, c: mg.tensordot(t, mg.Tensor(c(d, t.shape[-1:] + (2,))), axes=1) if t.ndim else t,
    "diagonal": lambda t, d, c: mg.diagonal(t) if t.ndim >= 2 else t,
    "diagonal sum": lambda t, d, c: mg.sum(mg.diagonal(t, d(st.integers(-1, 1))), axis=-1) if t.ndim >= 2 else t,
    "triu": lambda t, d, c: mg.triu(t, d(st.integers(-1, 1))) if t.ndim >= 2 else t,
    "take_along_axis": lambda t, d, c: (
        mg.take_along_axis(t, np.argsort(c(d, t.shape), axis=-1), axis=-1) if t.ndim else t
    ),
    "moveaxis": lambda t, d, c: mg.moveaxis(t, 0, -1) if t.ndim else t,
    "swapaxes": lambda t, d, c: mg.swapaxes(t, 0, -1) if t.ndim else t,
    "logaddexp": lambda t, d, c: mg.logaddexp(t, mg.Tensor(c(d, _bshape(d, t.shape)))),
    "xlogy": lambda t, d, c: mg.xlogy(mg.Tensor(np.abs(c(d, _bshape(d, t.shape)))), t * t + 0.5),
    "layer_norm": lambda t, d, c: F.layer_norm(t, t.shape[-1:]) if t.ndim and t.shape[-1] > 1 else t,
    "cross_entropy": lambda t, d, c: mg.softmax_cross_entropy(t, np.zeros(t.shape[0], int)) if t.ndim == 2 else t,
    "dot": lambda t, d, c: mg.dot(t, mg.Tensor(c(d, t.shape[-1:]))) if t.ndim else t,
    "max_pool2d": lambda t, d, c: F.max_pool2d(mg.reshape(t, (1, 1, 1, -1)), (1, 2)) if t.size % 2 == 0 else t,
    "avg_pool2d": lambda t, d, c: F.avg_pool2d(mg.reshape(t, (1, 1, -1, 1)), (2, 1)) if t.size % 2 == 0 else t,
    "conv1d": lambda t, d, c: F.conv1d(mg.reshape(t, (1, 1, -1)), mg.Tensor(c(d, (2, 1, 2))), padding=1),
    "conv2d": lambda t, d, c: F.conv2d(
        mg.reshape(t, (1, 1) + (t.shape if t.ndim == 2 else (1, -1))),
        mg.Tensor(c(d, (2, 1, 1, 2))),
        padding=(0, 1),
        stride=(1, 2),
    ),
    "batch_norm": lambda t, d, c: (
        F.batch_norm(mg.reshape(t, (t.shape[0] if t.ndim else 1, -1)), None, None, training=True)
        if t.ndim and t.shape[0] > 1
        else t
    ),
    "embedding": lambda t, d, c: (
        F.embedding(np.array([0, 1, 0]), mg.reshape(t, (t.shape[0] if t.ndim and t.shape[0] > 1 else 1, -1)))
        if t.ndim and t.shape[0] > 1
        else t
    ),
    "independent": lambda t, d, c: mg.Tensor(c(d, t.shape)) * 2.0,
    "plus independent": lambda t, d, c: t + mg.Tensor(c(d, t.shape)) * 0.0,
    "astype f32->f64": lambda t, d, c: mg.astype(mg.astype(t, np.float32), np.float64),
    "self binary": lambda t, d, c: t * mg.sum(t) - t / (t * t + 2.0),
}


def _getitem_step(t, d):
    if not t.ndim:
        return t
    idx = d(indices(t.shape))
    try:
        np.empty(t.shape)[idx]
    except IndexError:
        return t
    return t[idx]


class _Replay:
    """Random choices drawn on the first call of f, the same ones on every later call."""

    def __init__(self, d):
        self.d, self.tape, self.consts, self.recording = d, [], [], True
        self.i = self.j = 0

    def rewind(self):
        self.recording, self.i, self.j = False, 0, 0

    def draw(self, strategy):
        if self.recording:
            self.tape.append(self.d(strategy))
            return self.tape[-1]
        self.i += 1
        return self.tape[self.i - 1]

    def const(self, _d, shape):  # a plain operand: the same array on every call
        if self.recording:
            self.consts.append(values(self.d, tuple(shape), lo=-1, hi=1))
            return self.consts[-1]
        self.j += 1
        return self.consts[self.j - 1]


@given(data=st.data())
@fuzz(60)
def test_jacobians_of_random_compositions(data):
    d = data.draw
    shape = d(logical_shapes(min_dims=1, max_dims=3, max_side=3).filter(lambda s: int(np.prod(s)) > 1))
    x0 = values(d, shape, lo=-1, hi=1)
    steps = [d(st.sampled_from(sorted(UNARY_STEPS))) for _ in range(d(st.integers(1, 4)))]
    replay = _Replay(d)

    def f(t):
        replay.i = replay.j = 0
        for s in steps:
            t = UNARY_STEPS[s](t, replay.draw, replay.const)
        return t

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if f(mg.Tensor(x0)).size > 400:  # keep the Jacobians small (outer of outer ...)
                return
        except Exception as e:  # noqa: BLE001  an invalid random composition
            if os.environ.get("BATCHING_FUZZ_DEBUG"):
                print("skipped:", steps, type(e).__name__, e)
            return
        replay.rewind()
        desc = f"f = {' -> '.join(steps)} on shape {shape} (choices {replay.tape})"
        _COUNT[("stat", "jacobians compared")] = _COUNT.get(("stat", "jacobians compared"), 0) + 1
        for jac in (mg.jacfwd, mg.jacrev):
            want = jac(f, chunk_size=1)(x0).data
            for chunk in (None, 2):
                label = f"{jac.__name__}(chunk_size={chunk})"
                try:
                    got = jac(f, chunk_size=chunk)(x0).data
                except Exception as e:  # noqa: BLE001
                    _report("LESSER", f"{label}: {desc}", f"raises {type(e).__name__}: {e}", key=f"{label} {steps}")
                    continue
                if type(got) is not np.ndarray:
                    _report("WRONG", f"{label}: {desc}", f"a {type(got).__name__} leaked out", key=f"{label} {steps}")
                elif got.shape != want.shape or got.dtype != want.dtype:
                    _report(
                        "WRONG",
                        f"{label}: {desc}",
                        f"{got.shape} {got.dtype} != {want.shape} {want.dtype}",
                        key=f"{label} {steps}",
                    )
                elif not np.allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True):
                    _report(
                        "WRONG",
                        f"{label}: {desc}",
                        f"max |diff| {np.nanmax(np.abs(got - want))}",
                        key=f"{label} {steps}",
                    )
