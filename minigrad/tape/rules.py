"""What each op's backward does, written out: the one table that ``mg.trace``, ``mg.draw`` and ``mg.to_dot`` read.

Each entry is the gradient one input receives, as a formula in ``g``, the
gradient arriving at the node (dL/d out). ``{out}`` is the node itself,
``{a}`` and ``{b}`` its first and second inputs, ``{x}`` the input the
formula is for. A one-formula entry applies to every input. The engine sums
away broadcast axes afterwards; ``mg.trace`` marks where it does.
"""

from __future__ import annotations

__all__ = ["RULES"]

RULES: dict[str, tuple[str, ...]] = {
    # arithmetic
    "add": ("g", "g"),
    "sub": ("g", "-g"),
    "mul": ("g * {b}", "g * {a}"),
    "div": ("g / {b}", "-g * {out} / {b}"),
    "pow": ("g * {b} * {a}**({b} - 1)", "g * {out} * log {a}"),
    "neg": ("-g",),
    "matmul": ("g @ {b}ᵀ", "{a}ᵀ @ g"),
    # elementwise
    "exp": ("g * {out}",),
    "log": ("g / {x}",),
    "tanh": ("g * (1 - {out}**2)",),
    "sigmoid": ("g * {out} * (1 - {out})",),
    "relu": ("g * ({x} > 0)",),
    "abs": ("g * sign({x})",),
    "sqrt": ("g * 0.5 / {out}",),
    "clip": ("g * (lo <= {x} <= hi)",),
    "maximum": ("g * ({a} > {b}), g/2 at ties", "g * ({b} > {a}), g/2 at ties"),
    "minimum": ("g * ({a} < {b}), g/2 at ties", "g * ({b} < {a}), g/2 at ties"),
    "where": ("g * cond", "g * ~cond"),
    # reductions
    "sum": ("g repeated over the summed axes",),
    "mean": ("g / n repeated over the averaged axes",),
    "max": ("g to the arg-max of {x} (shared at ties)",),
    "min": ("g to the arg-min of {x} (shared at ties)",),
    # moving elements
    "reshape": ("g reshaped to {x}'s shape",),
    "transpose": ("g with the axes permuted back",),
    "swapaxes": ("g with the two axes swapped back",),
    "broadcast_to": ("g",),
    "astype": ("g cast to {x}'s dtype",),
    "getitem": ("zeros like {x}, g added at the index",),
    "scatter_add": ("g[index]",),
    "concatenate": ("g[{x}'s slice]",),
    "stack": ("g[{x}'s position]",),
    # fused, stable
    "logsumexp": ("g * exp({x} - {out})",),
    "softmax": ("{out} * (g - Σ g * {out})",),
    "log_softmax": ("g - exp({out}) * Σ g",),
    "softmax_cross_entropy": (
        "g * (softmax({a}) - onehot(target)) = g * δ3",
        "-g * log_softmax({a})",  # a probability target that requires grad
    ),
    # stable primitives (minigrad.ops.special)
    "norm": ("g * {x} / {out} (0 where {out} = 0)",),
    "log_sigmoid": ("g * sigmoid(-{x})",),
    "softplus": ("g * sigmoid({x})",),
    "logaddexp": ("g * exp({a} - {out})", "g * exp({b} - {out})"),
    "log1p": ("g / (1 + {x})",),
    "expm1": ("g * ({out} + 1)",),
    "xlogy": ("g * log {b} (0 where {a} = 0, {b} <= 0)", "g * {a} / {b} (0 where {a} = 0)"),
    # mg.grad's identity node on a traced input
    "input": ("g",),
}
