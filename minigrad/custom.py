"""Custom primitives: a NumPy forward plus a hand-written backward, recorded like any other op.

    def tanh_fwd(z):
        a = np.tanh(z)
        return a, a                      # output, residuals (whatever backward needs)

    def tanh_bwd(a, g):
        return g * (1 - a**2)            # one gradient per input: g ∘ ∂out/∂z

    my_tanh = mg.custom_vjp(tanh_fwd, tanh_bwd, name="my_tanh")
    mg.gradcheck(lambda z: my_tanh(z) * 3, np.random.randn(4, 3))

The op goes through ``record`` like the built-in ops, so it composes with every
other op, works under ``no_grad`` (records nothing), and may broadcast: the
engine sums a returned gradient back to its input's shape.

The backward is NumPy code, so it has no derivative of its own. A backward pass
that records itself for higher order (``mg.grad`` of a ``mg.grad``, ``mg.hvp``,
``mg.hessian``) still gets first derivatives through the op, but differentiating
*those* again raises ``SecondOrderError`` naming the op, instead of silently
returning a wrong (zero) second derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .batching import Batched, Unbatchable
from .tensor import Tensor, as_tensor, constant_like, record

__all__ = ["custom_vjp", "CustomOp", "SecondOrderError"]


class SecondOrderError(RuntimeError):
    """A derivative was asked of a custom op's backward, which is NumPy code and has none."""


class CustomOp:
    """A differentiable primitive from ``forward(*arrays) -> (output, residuals)`` and

    ``backward(residuals, g) -> one gradient per input`` (``None``: zero gradient).
    Call it on Tensors, arrays or numbers; it returns a Tensor.
    """

    __slots__ = ("forward", "backward", "name", "jvp")

    def __init__(
        self,
        forward: Callable[..., Any],
        backward: Callable[..., Any],
        name: str | None = None,
        jvp: Callable[..., Any] | None = None,
    ):
        if not callable(forward) or not callable(backward):
            raise TypeError("custom_vjp: forward and backward must both be callables")
        if jvp is not None and not callable(jvp):
            raise TypeError("custom_vjp: jvp must be a callable (or None)")
        if name is None:
            name = getattr(forward, "__name__", "custom")
            name = "custom" if name == "<lambda>" else name
        self.forward = forward
        self.backward = backward
        self.name = name
        self.jvp = jvp

    def __repr__(self) -> str:
        return f"custom_vjp({self.name!r})"

    def __call__(self, *args: Any) -> Tensor:
        like = next((a for a in args if isinstance(a, Tensor) and a.dtype.kind == "f"), None)
        # As in the built-in ops, a Python number takes the floating dtype of a Tensor argument.
        inputs = tuple(as_tensor(a) if like is None else constant_like(a, like) for a in args)
        result = self.forward(*[t.data for t in inputs])
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"custom_vjp {self.name!r}: forward must return a pair (output, residuals)")
        out, residuals = result
        if isinstance(out, Tensor):
            raise TypeError(f"custom_vjp {self.name!r}: forward must return a NumPy array, not a Tensor")
        out = np.asarray(out)
        if out.dtype.kind != "f":
            return as_tensor(out)  # like a comparison: an integer or boolean result is a constant
        jvps = None if self.jvp is None else self._jvps(inputs, residuals)
        return record(self.name, out, inputs, self._vjps(inputs, residuals), jvps)

    def _jvps(self, inputs: tuple[Tensor, ...], residuals: Any) -> tuple[Callable[..., Any], ...]:
        """One JVP per input: ``jvp(residuals, *tangents)`` with zeros for the other inputs' tangents."""

        jvp = self.jvp
        assert jvp is not None  # only called for ops given a JVP rule

        def make(i: int) -> Callable[..., Any]:
            def rule(t: Any, out: Any, *parents: Any) -> Any:
                self._one_at_a_time(t)
                tangents = [np.zeros_like(p.data if isinstance(p, Tensor) else p) for p in parents]
                tangents[i] = np.asarray(t.data if isinstance(t, Tensor) else t)
                result = np.asarray(jvp(residuals, *tangents))
                if isinstance(t, Tensor) and (
                    t.requires_grad or out.requires_grad or t._tangents or any(p._tangents for p in parents)
                ):
                    # NumPy code has no derivative: differentiating this tangent again, in reverse
                    # or forward mode, must fail loudly.
                    refuse = (self._refuse,) * (1 + len(parents))
                    return record(f"{self.name}.jvp", result, (t, *parents), refuse, refuse)
                return result

            return rule

        return tuple(make(i) for i in range(len(inputs)))

    def _vjps(self, inputs: tuple[Tensor, ...], residuals: Any) -> tuple[Callable[..., Any], ...]:
        """One VJP per input. They share a single call of ``backward`` per upstream gradient."""
        n = len(inputs)
        last = max((i for i, t in enumerate(inputs) if t.requires_grad), default=-1)
        cache: list[Any] = []  # [g, grads] for the g being propagated now

        def grads_for(g: Any) -> list[np.ndarray]:
            if cache and cache[0] is g:
                return cache[1]
            self._one_at_a_time(g)
            view = np.asarray(g.data if isinstance(g, Tensor) else g).view()  # the engine may pass a NumPy scalar
            view.flags.writeable = False  # g may be shared with other branches of the graph
            grads = self.backward(residuals, view)
            if n == 1 and not isinstance(grads, (tuple, list)):
                grads = (grads,)
            if not isinstance(grads, (tuple, list)) or len(grads) != n:
                count = len(grads) if isinstance(grads, (tuple, list)) else "no tuple of"
                raise TypeError(
                    f"custom_vjp {self.name!r}: backward must return one gradient per input "
                    f"({n}, None for no gradient), got {count} gradients"
                )
            grads = [np.zeros_like(t.data) if gi is None else np.asarray(gi) for t, gi in zip(inputs, grads)]
            cache[:] = [g, grads]
            return grads

        def make(i: int) -> Callable[..., Any]:
            def vjp(g: Any, out: Any, *parents: Any) -> Any:
                gi = grads_for(g)[i]
                if i == last:
                    cache.clear()  # free g and the gradients once every input has its share
                if isinstance(g, Tensor):  # a recorded pass: the result must refuse to be differentiated
                    refuse = (self._refuse,) * (1 + len(parents))
                    return record(f"{self.name}.backward", gi, (g, *parents), refuse, refuse)
                return gi

            return vjp

        return tuple(make(i) for i in range(n))

    def _one_at_a_time(self, t: Any) -> None:
        """A block of tangents (mg.jacfwd/jacrev) cannot pass the user's NumPy rules: they fall back."""
        if type(t) is Batched or (isinstance(t, Tensor) and type(t.data) is Batched):
            raise Unbatchable(f"custom_vjp {self.name!r}: its NumPy rules take one vector at a time")

    def _refuse(self, *_: Any) -> Any:
        raise SecondOrderError(
            f"custom_vjp {self.name!r}: cannot differentiate through its backward (or jvp rule), which is NumPy code; "
            "second and higher derivatives of a graph that contains this op are not available "
            "(write the op with minigrad ops instead to get them)"
        )


def custom_vjp(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    name: str | None = None,
    jvp: Callable[..., Any] | None = None,
) -> CustomOp:
    """A new differentiable op from a NumPy ``forward`` and a hand-written ``backward``.

    ``forward(*arrays) -> (output, residuals)``: the output array and anything
    ``backward`` needs. ``backward(residuals, g) -> gradients``: for upstream
    gradient g (read-only, the output's shape), one array per input, the VJP
    gᵀ ∂out/∂input (``None`` for an input that gets no gradient, read as zero).
    A gradient may have a broadcast shape; the engine sums it back to the input's shape.
    ``backward`` may run more than once (``retain_graph``), so it must not modify
    ``residuals``. ``name`` (default: ``forward.__name__``) is the op's name in
    ``repr`` and traces. First order only: see ``SecondOrderError``.
    ``jvp(residuals, *tangents) -> tangent`` (optional) is the forward-mode
    rule: ∂out/∂inputs applied to one tangent per input (zeros for inputs that
    carry none), an array of the output's shape. Without it, using the op under
    ``mg.jvp``/``mg.jacfwd`` raises ``ForwardModeError`` naming the op. Derivatives of the
    rule itself (forward over forward, or forward over reverse through ``backward``) raise
    ``SecondOrderError``: both are NumPy code.
    """
    return CustomOp(forward, backward, name, jvp)
