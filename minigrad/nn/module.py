"""Module: a container of parameters and submodules, found by walking its attributes.

A *parameter* is a leaf Tensor with ``requires_grad=True`` held by a module,
directly or inside lists, tuples and dicts. Names are dotted paths through
attributes, indices and keys, as in PyTorch: ``layers.0.W``.

There is no ``Parameter`` class: a parameter is a plain ``mg.Tensor(...,
requires_grad=True)``, because the core's fast paths test ``type(x) is Tensor``
and a subclass would fall off them. Frozen tensors (``requires_grad=False``)
are constants: they are neither trained nor saved in ``state_dict``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["Module", "is_parameter"]


def is_parameter(x: Any) -> bool:
    """True for a leaf Tensor that requires grad: what ``parameters()`` collects."""
    return isinstance(x, Tensor) and x.requires_grad and x.is_leaf


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

    def _walk(self) -> Iterator[tuple[str, Any]]:
        """Every (dotted name, parameter or submodule) below this module, depth first, each once."""
        seen: set[int] = {id(self)}
        stack: list[tuple[str, Any]] = [(n, v) for n, v in self._members()][::-1]
        while stack:
            name, value = stack.pop()
            if is_parameter(value) or isinstance(value, Module):
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
    def zero_grad(self) -> None:
        """Clear every parameter's gradient (set ``.grad`` to None)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set the ``training`` flag on this module and all submodules; returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """``train(False)``."""
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: copy of the parameter's array}. Copies, so later training does not change it."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy arrays into the parameters, in place (optimizers keep working).

        Every key must name a parameter and every parameter must have a key,
        with the same shape; otherwise a ``ValueError`` lists every problem
        (naming the key and both shapes) and nothing is changed. Values are cast to the parameter's dtype.
        """
        params = dict(self.named_parameters())
        problems = []
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        arrays = {}
        for name, p in params.items():
            if name not in state:
                continue
            value = state[name]
            a = np.asarray(value.data if isinstance(value, Tensor) else value)
            if a.dtype.kind not in "fiub":
                problems.append(f"{name!r} holds a {a.dtype} array, not numbers")
            elif a.shape != p.shape:
                problems.append(f"wrong shape for {name!r}: the module has {p.shape}, the state has {a.shape}")
            arrays[name] = a
        if problems:
            raise ValueError(f"{type(self).__name__}.load_state_dict: " + "; ".join(problems))
        for name, a in arrays.items():
            np.copyto(params[name].data, a, casting="unsafe")

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
