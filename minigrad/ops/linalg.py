"""Products with NumPy's names and signatures: einsum, tensordot, dot, outer.

Every one is an Einstein summation, linear in each operand, so one pair of
rules serves them all:

* VJP for operand k: an einsum of g with the other operands whose output is
  operand k's subscripts. A letter only operand k has (summed inside it, or a
  size-1 axis broadcast against others) enters as a vector of ones; a letter
  repeated in operand k (a diagonal, ``"ii->i"``) enters through an identity
  matrix, so the gradient lands on that diagonal.
* JVP for operand k: the same einsum with operand k replaced by its tangent.

Both call ``einsum`` itself on Tensors, so gradients of any order work.

Shapes and dtypes: each op takes a Tensor, a NumPy array or a number, and its
result has the shape and dtype NumPy gives (float32 stays float32, float64 is
the default). Bad arguments raise ValueError (TypeError for a wrong type) that
names the op and the shapes involved.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, record
from ._either import full_tangent, is_tensor
from .layout import ravel

__all__ = ["einsum", "tensordot", "dot", "outer"]

_LETTERS = string.ascii_letters


# -- parsing: any subscripts NumPy accepts, to explicit letters without broadcasting --
def _sublist_to_subscripts(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """NumPy's interleaved form ``einsum(op0, [0, 1], op1, [1, 2], [0, 2])`` as a subscripts string."""

    def letters(sub: Sequence[Any]) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise ValueError(f"einsum: subscript {s!r} in a sublist must be an int in [0, 52) or Ellipsis")
        return "".join(out)

    operands = list(args[0::2])
    subs = [letters(s) for s in args[1::2]]
    if len(args) % 2:  # a trailing output sublist
        output = letters(operands.pop())
        return ",".join(subs) + "->" + output, operands
    return ",".join(subs), operands


def _fresh(used: set[str]) -> Iterator[str]:
    for c in _LETTERS:
        if c not in used:
            used.add(c)
            yield c
    raise ValueError("einsum: more than 52 distinct axes are needed for this product and its gradient")


def _normalize(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str, dict[str, int]]:
    """Explicit letters for every axis (ellipses expanded, implicit output made explicit as NumPy does,
    size-1 axes broadcast against larger ones renamed so they are summed), and each letter's size."""
    s = subscripts.replace(" ", "")
    lhs, arrow, output = s.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: {len(inputs)} operand subscripts for {len(shapes)} operands")
    used = set(s) - {".", ",", "-", ">"}
    fresh = _fresh(used)
    ell_ndims = [len(shape) - (len(sub) - 3) for sub, shape in zip(inputs, shapes) if "..." in sub]
    ell = "".join(next(fresh) for _ in range(max(ell_ndims, default=0)))
    expanded = []
    for sub, shape in zip(inputs, shapes):
        if "..." in sub:
            k = len(shape) - (len(sub) - 3)
            sub = sub.replace("...", ell[len(ell) - k :] if k else "")
        expanded.append(sub)
    if not arrow:
        counts: dict[str, int] = {}
        for c in lhs.replace(".", "").replace(",", ""):
            counts[c] = counts.get(c, 0) + 1
        output = (ell if ell_ndims else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    else:
        output = output.replace("...", ell)
    sizes: dict[str, int] = {}
    for sub, shape in zip(expanded, shapes):
        for c, n in zip(sub, shape):
            sizes[c] = max(sizes.get(c, 1), n)
    renamed = []
    for sub, shape in zip(expanded, shapes):
        letters = []
        for c, n in zip(sub, shape):
            if n == 1 and sizes[c] > 1:  # broadcast: its own letter, summed over one element
                c = next(fresh)
                sizes[c] = 1
            letters.append(c)
        renamed.append("".join(letters))
    return renamed, output, sizes


def _gradient_spec(k: int, inputs: list[str], output: str, sizes: dict[str, int]) -> tuple[str, list[int], list[int]]:
    """The einsum giving operand k's gradient from g and the other operands: (spec, sizes of ones, sizes of eyes)."""
    used = set("".join(inputs) + output)
    fresh = _fresh(used)
    target, letters, eyes, seen = inputs[k], [], [], set()
    for c in target:
        if c in seen:  # a repeated letter: the gradient sits on the diagonal, via an identity matrix
            f = next(fresh)
            letters.append(f)
            eyes.append(c + f)
        else:
            seen.add(c)
            letters.append(c)
    others = [sub for j, sub in enumerate(inputs) if j != k]
    present = set(output).union(*others)
    ones = [c for c in dict.fromkeys(target) if c not in present]
    spec = ",".join([output, *others, *ones, *eyes]) + "->" + "".join(letters)
    return spec, [sizes[c] for c in ones], [sizes[e[0]] for e in eyes]


@functools.lru_cache(maxsize=512)
def _plan(
    subscripts: str, shapes: tuple[tuple[int, ...], ...]
) -> tuple[str, tuple[tuple[str, list[int], list[int]], ...]]:
    """The explicit einsum and each operand's gradient einsum, per (subscripts, shapes): a training loop reuses them."""
    inputs, output, sizes = _normalize(subscripts, list(shapes))
    grads = tuple(_gradient_spec(k, inputs, output, sizes) for k in range(len(shapes)))
    return ",".join(inputs) + "->" + output, grads


def _einsum_any(spec: str, *operands: Any) -> Any:
    """einsum on Tensors (recorded) or arrays (NumPy, with a contraction path when it can help)."""
    if is_tensor(*operands):
        return _contract("einsum", spec, [as_tensor(o) for o in operands])
    if len(operands) == 2:
        fast = _tensordot_form(spec, *operands)
        if fast is not None:
            return fast
    return np.einsum(spec, *operands, optimize=len(operands) > 2)


def _tensordot_form(spec: str, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``spec`` on two arrays by ``np.tensordot`` (BLAS) when it is a plain contraction, else None.

    Plain: no repeated letter within an operand, no batch letter (shared and kept), and no letter
    summed inside one operand. The gradients of matrix products (``"ik,jk->ij"``) are of this form;
    ``np.einsum`` without a path would loop in C instead of calling BLAS (~50x slower at 300×300).
    """
    plan = _tensordot_plan(spec)
    if plan is None:
        return None
    axes_a, axes_b, perm = plan
    return np.tensordot(a, b, (axes_a, axes_b)).transpose(perm)


@functools.lru_cache(maxsize=512)
def _tensordot_plan(spec: str) -> tuple[list[int], list[int], list[int]] | None:
    """(a's contracted axes, b's, the permutation of tensordot's result) if ``spec`` is a plain contraction."""
    inputs, output = spec.split("->")
    la, lb = inputs.split(",")
    if len(set(la)) < len(la) or len(set(lb)) < len(lb) or len(output) != len(set(output)):
        return None
    shared = [c for c in la if c in lb]
    if set(shared) & set(output) or set(output) != (set(la) | set(lb)) - set(shared):
        return None
    order = [c for c in la if c not in shared] + [c for c in lb if c not in shared]
    return [la.index(c) for c in shared], [lb.index(c) for c in shared], [order.index(c) for c in output]


def _contract(op: str, subscripts: str, tensors: list[Tensor], data: Any = None) -> Tensor:
    """Record an Einstein summation over ``tensors`` (its value ``data`` if already computed) under the name ``op``."""
    arrays = [t.data for t in tensors]
    if data is None:
        try:
            data = np.einsum(subscripts, *arrays)
        except ValueError as e:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"{op}: {e} (subscripts {subscripts!r}, operand shapes {shapes})") from None
    spec, grad_specs = _plan(subscripts, tuple(a.shape for a in arrays))
    vjps, jvps = [], []
    for k, (grad_spec, ones, eyes) in enumerate(grad_specs):

        def vjp(g, out, *xs, k=k, grad_spec=grad_spec, ones=ones, eyes=eyes):
            dtype = g.dtype
            consts = [np.ones(n, dtype=dtype) for n in ones] + [np.eye(n, dtype=dtype) for n in eyes]
            return _einsum_any(grad_spec, g, *xs[:k], *xs[k + 1 :], *consts)

        def jvp(t, out, *xs, k=k):
            t = full_tangent(t, xs[k].shape)
            return _einsum_any(spec, *xs[:k], t, *xs[k + 1 :])

        vjps.append(vjp)
        jvps.append(jvp)
    return record(op, data, tuple(tensors), tuple(vjps), tuple(jvps))


def einsum(*operands: Any, optimize: Any = False) -> Tensor:
    """Einstein summation, as ``np.einsum``: ``einsum("ij,jk->ik", a, b)``, with ellipses, implicit output
    (``"ij,jk"``), repeated letters (``"ii->i"``, ``"ii"``), size-1 broadcasting, and the interleaved
    form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    Shapes and errors are NumPy's (ValueError naming the subscripts and shapes). ``optimize`` goes to
    NumPy for the forward. The VJP for each operand is an einsum of g with the other operands; the JVP
    the same einsum with that operand's tangent (the product is linear in each operand).
    """
    if not operands:
        raise ValueError("einsum: give subscripts and at least one operand")
    if isinstance(operands[0], str):
        subscripts, tensors = operands[0], [as_tensor(o) for o in operands[1:]]
    else:
        subscripts, rest = _sublist_to_subscripts(operands)
        tensors = [as_tensor(o) for o in rest]
    try:
        data = np.einsum(subscripts, *[t.data for t in tensors], optimize=optimize)
    except ValueError as e:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"einsum: {e} (subscripts {subscripts!r}, operand shapes {shapes})") from None
    return _contract("einsum", subscripts, tensors, data)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum of products over ``axes`` of a and b, as ``np.tensordot``: an int N pairs a's last N axes with
    b's first N; a pair of sequences (or ints) names them. Result: a's free axes then b's free axes."""
    a, b = as_tensor(a), as_tensor(b)
    a_axes: list[Any]  # Python or NumPy ints, as given
    b_axes: list[Any]
    if isinstance(axes, (int, np.integer)):
        a_axes, b_axes = list(range(a.ndim - int(axes), a.ndim)), list(range(int(axes)))
    else:
        a_axes, b_axes = ([x] if isinstance(x, (int, np.integer)) else list(x) for x in axes)
    try:
        data = np.tensordot(a.data, b.data, axes=(a_axes, b_axes))
    except (ValueError, IndexError) as e:
        raise ValueError(f"tensordot: {e} (shapes {a.shape} and {b.shape}, axes {axes})") from None
    a_axes = [x % a.ndim for x in a_axes]
    b_axes = [x % b.ndim for x in b_axes]
    la = _LETTERS[: a.ndim]
    lb = list(_LETTERS[a.ndim : a.ndim + b.ndim])
    for i, j in zip(a_axes, b_axes):
        lb[j] = la[i]
    out = "".join(c for i, c in enumerate(la) if i not in a_axes) + "".join(
        c for j, c in enumerate(lb) if j not in b_axes
    )
    return _contract("tensordot", f"{la},{''.join(lb)}->{out}", [a, b], data)


def dot(a: Any, b: Any) -> Tensor:
    """``np.dot``: a product with a 0-d operand; the inner product of vectors; otherwise a sum over a's
    last axis and b's second-to-last (b's only, if 1-D): matrix products and their stacked forms."""
    a, b = as_tensor(a), as_tensor(b)
    try:
        data = np.dot(a.data, b.data)
    except ValueError as e:
        raise ValueError(f"dot: {e} (shapes {a.shape} and {b.shape})") from None
    la = _LETTERS[: a.ndim]
    lb = list(_LETTERS[a.ndim : a.ndim + b.ndim])
    if a.ndim == 0 or b.ndim == 0:
        out = la + "".join(lb)
    else:
        j = b.ndim - 2 if b.ndim >= 2 else 0
        lb[j] = la[-1]
        out = la[:-1] + "".join(c for i, c in enumerate(lb) if i != j)
    return _contract("dot", f"{la},{''.join(lb)}->{out}", [a, b], data)


def outer(a: Any, b: Any) -> Tensor:
    """``np.outer``: out[i, j] = a.ravel()[i] · b.ravel()[j], shape (a.size, b.size)."""
    a, b = ravel(a), ravel(b)
    return _contract("outer", "i,j->ij", [a, b], np.outer(a.data, b.data))
