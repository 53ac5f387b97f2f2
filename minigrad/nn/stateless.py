"""functional_call: run a Module with parameters given as a dict, as a pure function of them.

``mg.functional_call(model, params, X)`` is ``model(X)`` with each tensor named
in ``params`` (keys as in ``named_parameters()``, e.g. ``"layers.0.W"``)
temporarily put in place of the module's own. The module is restored
afterwards, even if the call fails. This is PyTorch's
``torch.func.functional_call``; it makes a model's loss a function of a
parameter dict, so ``mg.grad``, ``mg.hessian``, ``mg.jacfwd`` and per-example
gradients apply to it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..tensor import Tensor, _wrap
from .module import Module

__all__ = ["functional_call"]


def _locate(module: Module, name: str) -> tuple[Any, Any]:
    """(container, key) holding the tensor at dotted ``name``: an object and attribute, or a list/dict and index."""
    parts = name.split(".")
    obj: Any = module
    for part in parts[:-1]:
        obj = _child(obj, part, name)
    last = parts[-1]
    if isinstance(obj, list):
        return obj, int(last)
    if isinstance(obj, dict):
        return obj, next(k for k in obj if str(k) == last)
    if isinstance(obj, Module) and last not in vars(obj):
        raise TypeError(
            f"functional_call: cannot replace {name!r}: {type(obj).__name__} does not hold it as an attribute"
        )
    return obj, last


def _child(obj: Any, part: str, name: str) -> Any:
    if isinstance(obj, (list, tuple)):
        return obj[int(part)]
    if isinstance(obj, dict):
        return obj[next(k for k in obj if str(k) == part)]
    if isinstance(obj, Module):  # a module names its members itself (Sequential: "0", "1", ...)
        members = dict(obj._members())
        if part in members:
            return members[part]
    return getattr(obj, part)


def _get(container: Any, key: Any) -> Any:
    return container[key] if isinstance(container, (list, dict)) else getattr(container, key)


def _set(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, (list, dict)):
        container[key] = value
    else:
        object.__setattr__(container, key, value)


def functional_call(module: Module, params: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
    """``module(*args, **kwargs)`` computed with the tensors in ``params`` in place of the module's own.

    ``params`` maps dotted names from ``module.named_parameters()`` to Tensors
    or arrays (arrays become constants); names it leaves out keep the module's
    own tensor. The module is unchanged afterwards. Raises KeyError for a name
    the module has no parameter under, and ValueError for a value whose shape
    differs from the parameter's. Not thread-safe: the module is shared state
    while the call runs.
    """
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: expected an nn.Module, got {type(module).__name__}")
    own = dict(module.named_parameters())
    swaps = []
    for name, value in params.items():
        if name not in own:
            known = ", ".join(own) or "none"
            raise KeyError(f"functional_call: the module has no parameter {name!r} (it has: {known})")
        tensor = value if isinstance(value, Tensor) else _wrap(value)
        if tensor.shape != own[name].shape:
            raise ValueError(
                f"functional_call: {name!r} has shape {tensor.shape} but the module's parameter has shape "
                f"{own[name].shape}"
            )
        container, key = _locate(module, name)
        if isinstance(container, tuple):
            raise TypeError(f"functional_call: cannot replace {name!r}, which sits inside a tuple")
        swaps.append((container, key, tensor))
    originals = [(c, k, _get(c, k)) for c, k, _ in swaps]
    try:
        for c, k, t in swaps:
            _set(c, k, t)
        return module(*args, **kwargs)
    finally:
        for c, k, t in reversed(originals):
            _set(c, k, t)
