"""Functional transforms: grad, value_and_grad, hvp, jacobian, hessian.

``mg.grad(f)(x)`` traces ``f`` on a fresh input and walks its graph backward.
When the result may itself be differentiated (``x`` is traced by an outer
transform, or ``f`` closes over tensors that require grad) the backward pass
is recorded, so transforms nest to any order; otherwise it runs on plain
arrays and costs no more than ``backward()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops
from .engine import grad_of
from .tensor import Tensor, _set_grad_enabled, passthrough, record

__all__ = ["grad", "value_and_grad", "hvp", "jacobian", "hessian"]

_IDENTITY = (passthrough,)


def _input(x: Any, fn: str) -> Tensor:
    """The tensor to differentiate with respect to.

    A traced Tensor gets an identity node on top (so the outer trace still sees
    the dependence); anything else becomes a fresh leaf that requires grad.
    """
    if isinstance(x, Tensor) and x.requires_grad:
        with _set_grad_enabled(True):
            return record("input", x.data, (x,), _IDENTITY)
    data = x.data if isinstance(x, Tensor) else x
    array = np.asarray(data)
    if array.dtype.kind != "f":
        if array.dtype.kind in "iub":
            array = array.astype(np.float64)
        else:
            raise TypeError(f"{fn}: cannot differentiate with respect to a {array.dtype} input")
    return Tensor(array, requires_grad=True)


def _argnums(argnums: int | Sequence[int], nargs: int, fn: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{fn}: argnums {argnums} out of range for {nargs} positional arguments")
    return tuple(i % nargs for i in nums)


def _scalar_output(y: Any, fn: str) -> Tensor:
    if not isinstance(y, Tensor):
        y = Tensor(y)
    if y.size != 1:
        raise TypeError(f"{fn}: the function must return a one-element Tensor, got shape {y.shape}")
    return y


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., tuple[Tensor, Any]]:
    """Return ``g(*args) -> (f(*args), df/dargs[argnums])`` for scalar-valued ``f``."""

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        nums = _argnums(argnums, len(args), "grad")
        args = list(args)
        inputs = [_input(args[i], "grad") for i in nums]
        for i, x in zip(nums, inputs):
            args[i] = x
        with _set_grad_enabled(True):
            y = _scalar_output(f(*args, **kwargs), "grad")
        grads = grad_of(y, inputs, create_graph=None)  # recorded only if it may be differentiated again
        higher = isinstance(grads[0], Tensor)
        grads = [g if higher else Tensor(g) for g in grads]
        value = y if higher else y.detach()
        return value, (grads[0] if isinstance(argnums, int) else tuple(grads))

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return ``g(*args) -> df/dargs[argnums]`` (a Tensor, or a tuple for several argnums).

    Nests to any order: ``mg.grad(lambda x: mg.grad(f)(x).sum())(x)``.
    """
    vg = value_and_grad(f, argnums)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    return grad_f


def hvp(f: Callable[[Tensor], Any], x: Any, v: Any) -> Tensor:
    """Hessian-vector product H(x) v of scalar ``f``, as d/dx (∇f(x) · v), without forming H."""
    v = v.data if isinstance(v, Tensor) else np.asarray(v)
    return grad(lambda x: (grad(f)(x) * v).sum())(x)


def jacobian(f: Callable[[Tensor], Any], argnums: int = 0) -> Callable[..., Tensor]:
    """Return ``J(*args)`` of shape ``f(x).shape + x.shape`` (one backward pass per output element)."""

    def jacobian_f(*args: Any, **kwargs: Any) -> Tensor:
        (i,) = _argnums(argnums, len(args), "jacobian")
        args = list(args)
        x = args[i] = _input(args[i], "jacobian")
        with _set_grad_enabled(True):
            y = f(*args, **kwargs)
        y = y if isinstance(y, Tensor) else Tensor(y)
        rows = []
        for k in range(y.size):
            seed = np.zeros(y.size, dtype=y.dtype)
            seed[k] = 1
            (row,) = grad_of(y, [x], grad=seed.reshape(y.shape), retain_graph=True, create_graph=None)
            rows.append(row)
        if not rows:
            return Tensor(np.zeros(y.shape + x.shape, dtype=x.dtype))
        if isinstance(rows[0], Tensor):  # recorded: the Jacobian stays differentiable
            return ops.stack(rows).reshape(y.shape + x.shape)
        return Tensor(np.stack(rows).reshape(y.shape + x.shape))

    return jacobian_f


def hessian(f: Callable[[Tensor], Any], argnums: int = 0) -> Callable[..., Tensor]:
    """Return ``H(*args)``, the Jacobian of the gradient: shape ``x.shape + x.shape``."""
    return jacobian(grad(f, argnums), argnums)
