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
    # in-place writes recorded on non-leaves, and the ops behind copy() and %
    "setitem": ("g with zeros at the index", "g[index]"),
    "copy": ("g",),
    "remainder": ("g", "-g * floor({a} / {b})"),
    # fused, stable
    "logsumexp": ("g * exp({x} - {out})",),
    "softmax": ("{out} * (g - Σ g * {out})",),
    "log_softmax": ("g - exp({out}) * Σ g",),
    "softmax_cross_entropy": ("g * (softmax({x}) - onehot(target)) = g * δ3",),
    # mg.grad's identity node on a traced input
    "input": ("g",),
}
