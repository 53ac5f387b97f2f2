"""NumPy on Tensors: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, u])`` return Tensors with the graph.

The rules (NEP 13 ``__array_ufunc__`` and NEP 18 ``__array_function__``):

- A NumPy ufunc or function whose name is a minigrad op (looked up on the
  ``minigrad`` package at call time, so ops added later are picked up; a
  short table maps the names that differ: ``true_divide`` → ``div``,
  ``amax`` → ``max``, ``absolute`` → ``abs``, ``power`` → ``pow`` ...) runs
  that op and returns a Tensor, on constants too. Keyword arguments are
  passed on where the op takes them (``axis``, ``keepdims`` ...); one it does
  not take, or ``out=``, is a TypeError naming it.
- Functions that only look (``np.shape``, ``np.ndim``, ``np.allclose``,
  comparisons, ``np.isfinite``, ``np.argmax`` ...) run on the data and return
  what NumPy returns.
- Any other NumPy function applied to a Tensor that requires grad raises a
  TypeError naming the function: its result would be a plain array and the
  graph would be lost. On constants it runs on the data and returns what
  NumPy returns (an array).
- ``np.asarray(t)`` and ``np.array(t)`` return the data (``__array__``), so
  plotting and other array code keeps working; they do not keep the graph.

Also here: the ops behind ``t // u``, ``t % u`` and ``round(t)``.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import numpy as np

from .ops.arithmetic import _operands
from .tensor import Tensor, _value, passthrough, record

__all__ = ["array_ufunc", "array_function", "floor_divide", "remainder", "round_", "OPERATORS"]

# NumPy names that differ from minigrad's.
ALIASES = {
    "true_divide": "div",
    "divide": "div",
    "subtract": "sub",
    "multiply": "mul",
    "power": "pow",
    "float_power": "pow",
    "absolute": "abs",
    "negative": "neg",
    "amax": "max",
    "amin": "min",
    "around": "round",
    "round_": "round",
    "mod": "remainder",
    "concat": "concatenate",
    "permute_dims": "transpose",
    "pow": "pow",
    "max": "max",
    "min": "min",
}
# Keywords whose names differ (None: pass the value positionally after the first argument).
KEYWORDS: dict[str, dict[str, str | None]] = {  # None: the keyword becomes a positional argument
    "clip": {"a_min": "lo", "a_max": "hi", "min": "lo", "max": "hi"},
    "where": {"condition": "cond", "x": "a", "y": "b"},
    "reshape": {"newshape": None, "shape": None},
    "transpose": {"axes": None},
}
# Ufuncs and functions that only inspect values: they run on the data, graph or not.
LOOK = {
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "isfinite", "isinf", "isnan", "signbit",
    "shape", "ndim", "size", "allclose", "isclose", "array_equal", "array_equiv", "argmax", "argmin",
    "argsort", "nonzero", "flatnonzero", "count_nonzero", "any", "all", "result_type", "iscomplexobj",
    "isrealobj", "may_share_memory", "shares_memory", "searchsorted", "array_repr", "array_str",
    "array2string", "isscalar", "can_cast", "min_scalar_type", "common_type", "copyto", "save", "savez",
}  # fmt: skip
# minigrad names that are not ops, even though NumPy has a function of the same name.
NOT_OPS = {"trace", "save", "load", "grad", "gradient", "copy"}


def _operators() -> dict[Any, Any]:
    """The ufuncs behind ``ndarray (op) Tensor``, straight to their ops: the hot path of ``X @ W``."""
    from . import ops

    return {
        np.add: ops.add,
        np.subtract: ops.sub,
        np.multiply: ops.mul,
        np.true_divide: ops.div,
        np.power: ops.pow,
        np.matmul: ops.matmul,
    }


def _package() -> Any:
    return sys.modules["minigrad"]


def _op(name: str) -> Any:
    """The minigrad op for a NumPy name, or None."""
    name = ALIASES.get(name, name)
    if name in NOT_OPS:
        return None
    fn = getattr(_package(), name, None)
    if fn is None or isinstance(fn, type) or not callable(fn):
        return None
    module = getattr(fn, "__module__", "") or ""
    return fn if module.startswith("minigrad.ops") or module == __name__ else None


def _needs_grad(x: Any) -> bool:
    if type(x) is Tensor:
        return x.requires_grad or bool(x._tangents)  # reverse or forward mode would lose it
    if type(x) in (list, tuple):
        return any(_needs_grad(v) for v in x)
    if type(x) is dict:
        return any(_needs_grad(v) for v in x.values())
    return False


def _data(x: Any) -> Any:
    if type(x) is Tensor:
        return x.data
    if type(x) in (list, tuple):
        return type(x)(_data(v) for v in x)
    if type(x) is dict:
        return {k: _data(v) for k, v in x.items()}
    return x


def _lost(kind: str, name: str) -> TypeError:
    return TypeError(
        f"{kind} {name!r} has no minigrad op, and applied to a Tensor that requires grad (or carries a "
        "forward-mode tangent) it would return a plain array: the graph would be lost. Use minigrad ops, "
        "or apply it to t.detach() (or t.data) if you want a constant"
    )


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``__array_ufunc__``: ``np.exp(t)``, ``np.add(a, t)`` land here (``ndarray + Tensor`` first tries OPERATORS)."""
    name = ufunc.__name__
    if method == "__call__":
        if name in LOOK:
            return ufunc(*_data(inputs), **_data(kwargs))
        fn = _op(name)
        if fn is not None and not kwargs:
            return fn(*inputs)
        if fn is not None:
            if "out" in kwargs:
                raise TypeError(
                    f"np.{name}: out= is not supported on Tensors; write t = np.{name}(...) "
                    "or use an in-place operator (t += u)"
                )
            return _call(fn, name, inputs, kwargs)
    if _needs_grad(inputs) or _needs_grad(kwargs):
        if method == "__call__":
            raise _lost("NumPy ufunc", name)
        raise _lost("NumPy ufunc method", f"{name}.{method}")
    return getattr(ufunc, method)(*_data(inputs), **_data(kwargs))


def array_function(func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """``__array_function__``: ``np.sum(t)``, ``np.concatenate([t, u])``, ``np.where(c, t, 0)`` land here."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented
    name = func.__name__
    dst = args[0] if args else kwargs.get("dst")
    if name == "copyto" and isinstance(dst, Tensor) and (dst.requires_grad or dst._tangents):
        raise TypeError(
            "np.copyto into a Tensor that is being differentiated would write behind its graph and "
            "tangents; write t[...] = value (recorded and checked), or compute the value out of place"
        )
    top = getattr(func, "__module__", "") in ("numpy", "numpy._core.fromnumeric", "numpy.core.fromnumeric")
    fn = _op(name) if name not in LOOK and (top or getattr(np, name, None) is func) else None
    if fn is not None and not (name == "where" and len(args) + len(kwargs) == 1):
        return _call(fn, name, args, kwargs)
    if name not in LOOK and (_needs_grad(args) or _needs_grad(kwargs)):
        raise _lost("NumPy function", f"np.{name}" if getattr(np, name, None) is func else name)
    return func(*_data(args), **_data(kwargs))


_SIGNATURES: dict[Any, inspect.Signature | None] = {}


def _call(fn: Any, name: str, args: tuple, kwargs: dict) -> Any:
    """Call the op with NumPy's arguments, renaming keywords; a keyword the op lacks is a TypeError."""
    renames = KEYWORDS.get(ALIASES.get(name, name), {})
    positional = list(args)
    kw: dict[str, Any] = {}
    for key, v in kwargs.items():
        if key in renames:
            new = renames[key]
            if new is None:
                positional.append(v)
            else:
                kw[new] = v
        else:
            kw[key] = v
    if fn not in _SIGNATURES:
        try:
            _SIGNATURES[fn] = inspect.signature(fn)
        except (TypeError, ValueError):
            _SIGNATURES[fn] = None
    sig = _SIGNATURES[fn]
    if sig is not None:
        try:
            sig.bind(*positional, **kw)
        except TypeError as e:
            raise TypeError(
                f"np.{name} on a Tensor runs minigrad.{fn.__name__}{sig}, which cannot take these arguments: {e}"
            ) from None
    return fn(*positional, **kw)


# -- the ops behind //, % and round() ------------------------------------------------


def floor_divide(a: Any, b: Any) -> Tensor:
    """a // b, as ``np.floor_divide``: a constant (its derivative is 0 almost everywhere, as PyTorch)."""
    a, b = _operands(a, b)
    return Tensor(np.floor_divide(a.data, b.data))


def remainder(a: Any, b: Any) -> Tensor:
    """a % b with the sign of b, as ``np.remainder`` and ``torch.remainder``.

    a % b = a - b·floor(a/b), so d/da = 1 and d/db = -floor(a/b) (PyTorch's
    convention; the jumps at multiples of b are ignored).
    """
    a, b = _operands(a, b)
    q = np.floor_divide(a.data, b.data)
    vjps = (passthrough, lambda g, out, a, b: -g * q)
    jvps = (passthrough, lambda t, out, a, b: -t * q)
    return record("remainder", np.remainder(a.data, b.data), (a, b), vjps, jvps)


def round_(x: Tensor, ndigits: int | None = None) -> Any:
    """``round(t)``, ``round(t, n)``: NumPy's round-half-to-even, as a constant (derivative 0 almost everywhere).

    ``mg.round`` is used instead if it exists (it records the zero derivative).
    """
    op = _op("round")
    if op is not None:
        return op(x) if ndigits is None else op(x, ndigits)
    return Tensor(np.round(_value(x), ndigits or 0))


OPERATORS = _operators()
