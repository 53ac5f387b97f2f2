"""What every gradient-based optimizer shares: parameter groups, checked hyperparameters, an all-or-nothing
``step(closure)``, ``zero_grad`` and a ``state_dict`` of plain arrays (PyTorch's layout, flattened for ``.npz``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, enable_grad

__all__ = ["Optimizer", "NonFiniteError", "as_named_params", "check_hyper", "check_int", "checked_grad"]


class NonFiniteError(FloatingPointError):
    """A loss or gradient was nan or infinite; the step that met it changed no parameter."""


def as_named_params(params: Any, caller: str) -> list[tuple[str, Tensor]]:
    """(name, Tensor) pairs from a Module, an iterable of Tensors, or of (name, Tensor) pairs.

    Raises ``TypeError`` for anything that is not a leaf Tensor requiring grad (a non-leaf tensor,
    the result of an op, is recomputed by every forward pass: an optimizer would update a copy
    nobody reads), ``ValueError`` for an empty list.
    """
    if isinstance(params, Tensor):
        raise TypeError(f"{caller}: params must be an iterable of Tensors or a Module, got a single Tensor")
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        params = params.named_parameters()
    out: list[tuple[str, Tensor]] = []
    seen: set[int] = set()
    for i, item in enumerate(params):
        name, p = item if isinstance(item, tuple) else (f"param {i}", item)
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(f"{caller}: params: {name} is not a Tensor that requires grad ({type(p).__name__})")
        if not p.is_leaf:
            raise TypeError(
                f"{caller}: params: {name} is not a leaf Tensor (it was made by the op {p.op!r}); an optimizer "
                "can only update leaves (tensors created directly, e.g. by Tensor(..., requires_grad=True))"
            )
        if id(p) not in seen:
            seen.add(id(p))
            out.append((str(name), p))
    if not out:
        raise ValueError(f"{caller}: params is an empty parameter list; give at least one Tensor that requires grad")
    return out


def check_hyper(
    caller: str, name: str, value: Any, lo: float, hi: float = math.inf, *, open_lo: bool = False, open_hi: bool = False
) -> float:
    """``float(value)`` if it is a finite real number in the interval, else a ``ValueError`` saying which."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{caller}: {name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    left = "(" if open_lo else "["
    right = ")" if open_hi or hi == math.inf else "]"
    interval = f"{left}{lo:g}, {'inf' if hi == math.inf else f'{hi:g}'}{right}"
    ok = math.isfinite(v) and (v > lo if open_lo else v >= lo) and (v < hi if open_hi else v <= hi)
    if not ok:
        raise ValueError(f"{caller}: {name} must be a finite number in {interval}, got {value!r}")
    return v


def check_int(caller: str, name: str, value: Any, lo: int) -> int:
    """``int(value)`` if it is an integer (or an integral float) >= ``lo``, else a ``ValueError`` saying so."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if not (ok and math.isfinite(value) and int(value) == value and value >= lo):
        raise ValueError(f"{caller}: {name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def checked_grad(caller: str, name: str, p: Tensor) -> np.ndarray | None:
    """``p.grad`` as an array (a Tensor gradient's values), or None if it has none.

    Raises ``ValueError`` naming ``name`` and both shapes if the gradient's shape is not the
    parameter's: NumPy would broadcast a ``(1,)`` gradient over a ``(3,)`` parameter without a word.
    """
    g = p.grad
    if g is None:
        return None
    g = np.asarray(g.data if isinstance(g, Tensor) else g)
    if g.shape != p.shape:
        raise ValueError(f"{caller}: the gradient of {name} has shape {g.shape}, but the parameter has shape {p.shape}")
    return g


class Optimizer:
    """Base class of the GD family. ``params``: a Module, Tensors, (name, Tensor) pairs, or a list of
    parameter groups, dicts ``{"params": ..., "lr": ..., ...}`` whose keys override the defaults (PyTorch).

    ``param_groups``: one dict per group, its ``"params"`` (Tensors) and every hyperparameter;
    ``params``/``names``: all parameters, flat; ``state[i]``: the per-parameter buffers of ``params[i]``.
    ``lr`` reads the first group's learning rate; assigning it sets every group's.

    ``step()`` is all or nothing: it first checks that every gradient is finite (else ``NonFiniteError``,
    before anything changes), and if anything interrupts the update (an exception, Ctrl-C), the parameters,
    buffers and step counts are put back as they were before the call. Buffers are replaced, never
    written in place, so the state of the previous step stays valid as long as someone holds it.
    Parameters whose ``.grad`` is None are skipped, as in PyTorch.

    Subclasses set ``defaults`` (hyperparameter → default value), check them in ``_check(group)``, and
    implement ``_update(group, state, p, g) -> new_state``: write ``p.data`` in place, return new buffers.
    """

    def __init__(self, params: Any, defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.params: list[Tensor] = []
        self.names: list[str] = []
        self.state: list[dict[str, Any]] = []
        self.steps = 0
        if isinstance(params, dict):
            params = [params]
        elif not isinstance(params, Tensor) and not hasattr(params, "named_parameters"):
            params = list(params)
        if isinstance(params, list) and params and all(isinstance(g, dict) for g in params):
            for group in params:
                self.add_param_group(group)
        else:
            self.add_param_group({"params": params})

    # -- groups and hyperparameters ------------------------------------------------------------------

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add ``{"params": ..., hyperparameter: value, ...}``; missing hyperparameters take the defaults."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, got {group!r}")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(
                f"{name}: unknown key(s) {sorted(unknown)} in a parameter group; allowed: {['params', *self.defaults]}"
            )
        caller = name if not self.param_groups else f"{name} (parameter group {len(self.param_groups)})"
        named = as_named_params(group["params"], caller)
        known = {id(p) for p in self.params}
        for n, p in named:
            if id(p) in known:
                raise ValueError(f"{name}: {n} appears in more than one parameter group")
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        full = self._check(full, caller)
        full["params"] = [p for _, p in named]
        gi = len(self.param_groups)
        self.param_groups.append(full)
        self.params.extend(full["params"])
        # Unnamed parameters are "param i" within their group; "group G param i" beyond the first group.
        self.names.extend(f"group {gi} {n}" if gi and n.startswith("param ") else n for n, _ in named)
        self.state = self.state + [{} for _ in named]  # a new list: snapshots hold the old one

    def _check(self, group: dict[str, Any], caller: str) -> dict[str, Any]:
        """Validate and normalise one group's hyperparameters (subclasses extend it)."""
        group["lr"] = check_hyper(caller, "lr", group["lr"], 0.0)
        if "weight_decay" in group:
            group["weight_decay"] = check_hyper(caller, "weight_decay", group["weight_decay"], 0.0)
        if "eps" in group:
            group["eps"] = check_hyper(caller, "eps", group["eps"], 0.0, open_lo=True)
        return group

    @property
    def lr(self) -> float:
        """The first group's learning rate."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        lr = check_hyper(type(self).__name__, "lr", value, 0.0)
        for group in self.param_groups:
            group["lr"] = lr

    def __getattr__(self, key: str) -> Any:
        # Hyperparameters read as attributes (``opt.momentum``), from the first group, as before groups existed.
        groups = self.__dict__.get("param_groups")
        if groups and key in groups[0] and key != "params":
            return groups[0][key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    # -- the update ----------------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (``.grad = None``; zeros with ``set_to_none=False``)."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.data)

    def _checked_grads(self) -> list[tuple[dict[str, Any], int, Tensor, np.ndarray]]:
        """(group, index, parameter, gradient) for every parameter that has a gradient.

        Raises, before anything changes, ``ValueError`` for a gradient whose shape is not its
        parameter's and ``NonFiniteError`` for one holding nan/inf, naming the parameter.
        """
        caller = f"{type(self).__name__}.step"
        work = []
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                g = checked_grad(caller, self.names[i], p)
                if g is not None:
                    # A finite sum proves every element finite (nan and inf propagate into it);
                    # only when it is not do we look element by element (the sum may just overflow).
                    if not math.isfinite(g.sum()) and not np.isfinite(g).all():
                        bad = int(np.size(g) - np.isfinite(g).sum())
                        raise NonFiniteError(
                            f"{caller}: the gradient of {self.names[i]} (shape {p.shape}) has "
                            f"{bad} nan/inf value(s); no parameter was changed"
                        )
                    work.append((group, i, p, g))
                i += 1
        return work

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place (``p.data``); return ``closure()``'s value.

        ``closure`` (PyTorch's convention): a function that clears the gradients, recomputes the loss,
        calls ``backward`` on it and returns it; it is called (with recording on) before the update.
        Without a closure the gradients already in ``.grad`` are used and None is returned.

        Raises, with every parameter, buffer and step count as before the call: ``ValueError`` if a
        gradient's shape is not its parameter's, ``NonFiniteError`` if one holds nan/inf, and whatever
        interrupts the update (``KeyboardInterrupt``), re-raised.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = self._checked_grads()
        saved = [(p, p.data.copy()) for _, _, p, _ in work]
        old_state, old_steps = self.state, self.steps
        new_state = list(old_state)
        try:
            for group, i, p, g in work:
                new_state[i] = self._update(group, old_state[i], p, g)
            self.state = new_state
            self.steps = old_steps + 1
        except BaseException:
            for p, data in saved:
                np.copyto(p.data, data)
            self.state, self.steps = old_state, old_steps
            raise
        return loss

    def _update(self, group: dict[str, Any], state: dict[str, Any], p: Tensor, g: np.ndarray) -> dict[str, Any]:
        raise NotImplementedError

    # -- checkpoints ---------------------------------------------------------------------------------

    def _snapshot(self) -> tuple[Any, ...]:
        """A cheap token of the state (buffers are never written in place, so references suffice)."""
        hyper = [{k: v for k, v in g.items() if k != "params"} for g in self.param_groups]
        return self.state, self.steps, hyper

    def _restore(self, token: tuple[Any, ...]) -> None:
        self.state, self.steps, hyper = token
        for group, h in zip(self.param_groups, hyper):
            group.update(h)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The optimizer's state as a flat dict of NumPy arrays (copies), savable with ``mg.save``.

        Keys: ``"steps"``; ``"group.G.NAME"`` for each hyperparameter of group G and ``"group.G.params"``
        (indices into ``params``); ``"state.I.NAME"`` for each buffer of ``params[I]`` (PyTorch's
        ``{"state", "param_groups"}`` layout, flattened). Restore with ``load_state_dict``.
        """
        out: dict[str, np.ndarray] = {"steps": np.array(self.steps)}
        start = 0
        for gi, group in enumerate(self.param_groups):
            for k, v in group.items():
                if k != "params":
                    out[f"group.{gi}.{k}"] = np.array(v)
            out[f"group.{gi}.params"] = np.arange(start, start + len(group["params"]))
            start += len(group["params"])
        for i, s in enumerate(self.state):
            for k, v in s.items():
                out[f"state.{i}.{k}"] = np.array(v)
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` (or ``mg.load`` of its file) returned, so a run resumes exactly.

        The optimizer must have been built on parameters of the same groups, number and shapes; a
        mismatch, a missing or unknown key, or an invalid hyperparameter raises ``ValueError`` and
        changes nothing.
        """
        name = f"{type(self).__name__}.load_state_dict"
        state = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in dict(state).items()}
        if "steps" not in state:
            raise ValueError(f"{name}: no 'steps' entry; is this an optimizer state_dict?")
        start, groups = 0, []
        for gi, group in enumerate(self.param_groups):
            idx = state.get(f"group.{gi}.params")
            want = np.arange(start, start + len(group["params"]))
            if idx is None or idx.shape != want.shape or not np.array_equal(idx, want):
                got = "none" if idx is None else f"{idx.size}"
                raise ValueError(
                    f"{name}: parameter group {gi} has {len(group['params'])} parameters here but {got} in the state"
                )
            start += len(group["params"])
            new = {}
            for k, current in group.items():
                if k == "params":
                    continue
                key = f"group.{gi}.{k}"
                if key not in state:
                    raise ValueError(f"{name}: missing {key!r}")
                new[k] = _like(current, state[key])
            groups.append(self._check(new, name))
        buffers: list[dict[str, Any]] = [{} for _ in self.params]
        for key, v in state.items():
            parts = key.split(".")
            if parts[0] == "group" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(groups):
                if parts[2] != "params" and parts[2] not in groups[int(parts[1])]:
                    raise ValueError(f"{name}: unknown hyperparameter {key!r}")
            elif parts[0] == "state" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(self.params):
                i = int(parts[1])
                p = self.params[i]
                if v.ndim == 0 and v.dtype.kind in "iu":
                    buffers[i][parts[2]] = int(v)
                elif v.shape != p.shape:
                    raise ValueError(f"{name}: {key!r} has shape {v.shape}, but {self.names[i]} has {p.shape}")
                else:
                    buffers[i][parts[2]] = v.astype(p.dtype, copy=True)
            elif key != "steps":
                raise ValueError(f"{name}: unexpected key {key!r} (does the state fit this optimizer's parameters?)")
        for group, new in zip(self.param_groups, groups):
            group.update(new)
        self.state, self.steps = buffers, int(state["steps"])

    def __repr__(self) -> str:
        groups = f", {len(self.param_groups)} groups" if len(self.param_groups) > 1 else ""
        return f"{type(self).__name__}(lr={self.lr}, {len(self.params)} parameters{groups})"


def _like(current: Any, stored: np.ndarray) -> Any:
    """A stored hyperparameter back in the Python type of the current one (bool, int, float, tuple)."""
    if isinstance(current, bool):
        return bool(stored)
    if isinstance(current, tuple):
        return tuple(float(x) for x in np.ravel(stored))
    if isinstance(current, int):
        return int(stored)
    return float(stored)


def named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    """(name, Tensor) pairs from a Tensor, a Module, or an iterable of Tensors / (name, Tensor) pairs.

    Unnamed tensors are "param i", i their position (a single Tensor is "param 0").
    """
    if isinstance(params, Tensor):
        return [("param 0", params)]
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        return list(params.named_parameters())
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    return [p if isinstance(p, tuple) else (f"param {i}", p) for i, p in enumerate(params)]
