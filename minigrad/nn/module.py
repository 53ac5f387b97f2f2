"""Module: a container of parameters and submodules, found by walking its attributes.

A *parameter* is a leaf Tensor with ``requires_grad=True`` held by a module,
directly or inside lists, tuples and dicts. Names are dotted paths through
attributes, indices and keys, as in PyTorch: ``layers.0.W``.

There is no ``Parameter`` class: a parameter is a plain ``mg.Tensor(...,
requires_grad=True)``, because the core's fast paths test ``type(x) is Tensor``
and a subclass would fall off them. Frozen tensors (``requires_grad=False``)
and other leaf tensors a module holds (buffers) are not trained, but they are
state: ``state_dict`` saves them and ``load_state_dict`` restores them, as
PyTorch does with frozen parameters and persistent buffers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor

__all__ = ["Module", "is_parameter", "is_state", "IncompatibleKeys"]


def is_parameter(x: Any) -> bool:
    """True for a leaf Tensor that requires grad: what ``parameters()`` collects."""
    return isinstance(x, Tensor) and x.requires_grad and x.is_leaf


def is_state(x: Any) -> bool:
    """True for any leaf Tensor (trainable or frozen): what ``state_dict()`` saves."""
    return isinstance(x, Tensor) and x.is_leaf


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: keys the module has and the state lacks, and the reverse."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: subclass it, set parameters and submodules as attributes, write ``forward``.

    ``module(x)`` calls ``module.forward(x)``. Subclasses need not call
    ``super().__init__()``. Shared parameters and submodules are reported once
    (under the first name found), and reference cycles are not followed.
    """

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not defined")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- discovery ---------------------------------------------------------
    def _members(self) -> Iterator[tuple[str, Any]]:
        """(name, value) pairs searched for parameters and submodules: the instance attributes."""
        return ((k, v) for k, v in vars(self).items() if k != "training")

    def _walk(self, keep: Callable[[Any], bool] = is_parameter) -> Iterator[tuple[str, Any]]:
        """Every (dotted name, tensor that passes ``keep``, or submodule) below this module, depth first, each once."""
        seen: set[int] = {id(self)}
        stack: list[tuple[str, Any]] = [(n, v) for n, v in self._members()][::-1]
        while stack:
            name, value = stack.pop()
            if keep(value) or isinstance(value, Module):
                if id(value) in seen:
                    continue
                seen.add(id(value))
                yield name, value
                if isinstance(value, Module):
                    stack.extend([(f"{name}.{n}", v) for n, v in value._members()][::-1])
            elif isinstance(value, (list, tuple)):
                stack.extend([(f"{name}.{i}", v) for i, v in enumerate(value)][::-1])
            elif isinstance(value, dict):
                stack.extend([(f"{name}.{k}", v) for k, v in value.items()][::-1])

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """[(dotted name, parameter)] in definition order, e.g. ``[("layers.0.W", W), ...]``."""
        return [(n, v) for n, v in self._walk() if isinstance(v, Tensor)]

    def parameters(self) -> list[Tensor]:
        """Every parameter below this module, each once, in definition order."""
        return [v for _, v in self._walk() if isinstance(v, Tensor)]

    def named_modules(self) -> list[tuple[str, Module]]:
        """[(dotted name, submodule)], this module first under the name ``""``."""
        return [("", self), *((n, v) for n, v in self._walk() if isinstance(v, Module))]

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def children(self) -> list[tuple[str, Module]]:
        """The direct submodules as (name, module), for ``repr``."""
        seen: set[str]  # names of the children listed so far
        out, seen = [], set()
        for name, value in self._walk():
            if isinstance(value, Module) and not any(name.startswith(p + ".") for p in seen):
                out.append((name, value))
                seen.add(name)
        return out

    def apply(self, fn: Any) -> Module:
        """Call ``fn(m)`` on every submodule, then on this module (PyTorch's order: children first); returns self.

        For example ``model.apply(init_fn)`` to re-initialise every ``Conv2d``.
        """
        # PyTorch's order, a post-order walk: each child's subtree in turn, then the module itself.
        order: list[Module] = []
        seen: set[int] = {id(self)}
        stack: list[Module] = [self]
        while stack:
            m = stack.pop()
            order.append(m)
            for _, child in m.children():
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
        for m in reversed(order):
            fn(m)
        return self

    def named_buffers(self) -> list[tuple[str, Tensor]]:
        """[(dotted name, buffer)]: the frozen leaf Tensors (``requires_grad=False``) held by this module and its
        submodules, e.g. BatchNorm's ``running_mean``. They are state, not trained: ``state_dict`` should save them.
        """
        out: list[tuple[str, Tensor]] = []
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            stack = [(f"{prefix}.{n}" if prefix else n, v) for n, v in module._members()][::-1]
            while stack:
                name, value = stack.pop()
                if isinstance(value, Tensor) and not value.requires_grad:
                    if id(value) not in seen:
                        seen.add(id(value))
                        out.append((name, value))
                elif isinstance(value, (list, tuple)) and not isinstance(value, Module):
                    stack.extend([(f"{name}.{i}", v) for i, v in enumerate(value)][::-1])
                elif isinstance(value, dict):
                    stack.extend([(f"{name}.{k}", v) for k, v in value.items()][::-1])
        return out

    def buffers(self) -> list[Tensor]:
        """The tensors of ``named_buffers()``."""
        return [b for _, b in self.named_buffers()]

    def num_parameters(self) -> int:
        """Total number of scalar parameters."""
        return sum(p.size for p in self.parameters())

    # -- state ---------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: set ``.grad`` to None (default, as PyTorch), or fill it with zeros."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            elif isinstance(p.grad, np.ndarray) and p.grad.flags.writeable:
                p.grad[...] = 0
            else:
                p.grad = np.zeros_like(p.data)

    def train(self, mode: bool = True) -> Module:
        """Set the ``training`` flag on this module and all submodules; returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """``train(False)``."""
        return self.train(False)

    def named_state(self) -> list[tuple[str, Tensor]]:
        """[(dotted name, leaf tensor)]: the parameters and every frozen tensor or buffer, in definition order."""
        return [(n, v) for n, v in self._walk(is_state) if isinstance(v, Tensor)]

    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: copy of the array} for every leaf tensor the module holds, trainable or frozen.

        Copies, so later training does not change it.
        """
        return {name: t.data.copy() for name, t in self.named_state()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays into the module's tensors, in place (optimizers keep working).

        ``strict=True``: every key must name a tensor of the module and every
        tensor must have a key. ``strict=False`` skips missing and unexpected
        keys and returns them. Either way a wrong shape, a non-numeric array or
        a value that does not fit the tensor's dtype (1e300 into float32, 2.5 or
        2**40 into int32) is a ``ValueError`` listing every problem (naming the
        key), and nothing is changed.
        """
        tensors = dict(self.named_state())
        problems = []
        missing = [k for k in tensors if k not in state]
        unexpected = [k for k in state if k not in tensors]
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        arrays = {}
        for name, t in tensors.items():
            if name not in state:
                continue
            value = state[name]
            a = np.asarray(value.data if isinstance(value, Tensor) else value)
            if a.dtype.kind not in "fiub":
                problems.append(f"{name!r} holds a {a.dtype} array, not numbers")
            elif a.shape != t.shape:
                problems.append(f"wrong shape for {name!r}: the module has {t.shape}, the state has {a.shape}")
            else:
                problem = _fits(a, t.data.dtype)
                if problem:
                    problems.append(f"{name!r}: {problem}")
            arrays[name] = a
        if problems:
            raise ValueError(f"{type(self).__name__}.load_state_dict: " + "; ".join(problems))
        for name, a in arrays.items():
            np.copyto(tensors[name].data, a, casting="unsafe")
        return IncompatibleKeys(missing, unexpected)

    # -- display -------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's one-line repr."""
        return ""

    def __repr__(self) -> str:
        children = self.children()
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _fits(a: np.ndarray, dtype: np.dtype) -> str | None:
    """Why ``a`` cannot be stored in ``dtype`` without changing its values (overflow, fractions), or None."""
    if a.size == 0 or np.can_cast(a.dtype, dtype, casting="safe"):
        return None
    if dtype.kind == "f":
        finite = np.isfinite(a) if a.dtype.kind == "f" else np.ones(a.shape, dtype=bool)
        with np.errstate(over="ignore"):
            cast = a.astype(dtype)
        overflow = finite & ~np.isfinite(cast)
        if overflow.any():
            big = a[overflow].flat[0]
            return f"the value {big!r} overflows {dtype} (largest {np.finfo(dtype).max:g})"
        return None
    if dtype.kind in "iu":
        if a.dtype.kind == "f":
            if not np.isfinite(a).all() or (a != np.round(a)).any():
                return f"holds values that are not integers, which a {dtype} tensor cannot store"
        info = np.iinfo(dtype)
        if a.min() < info.min or a.max() > info.max:
            return f"holds values outside {dtype}'s range [{info.min}, {info.max}]"
        return None
    if dtype.kind == "b" and not np.isin(a, (0, 1)).all():
        return "holds values other than 0 and 1, which a bool tensor cannot store"
    return None
