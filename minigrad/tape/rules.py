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

# NumPy-named array ops (issue 12; minigrad/ops/elementary.py, stats.py, layout.py, linalg.py).
RULES.update(
    {
        "sin": ("g * cos {x}",),
        "cos": ("-g * sin {x}",),
        "tan": ("g * (1 + {out}**2)",),
        "arcsin": ("g / √(1 - {x}**2), 0 where g = 0",),
        "arccos": ("-g / √(1 - {x}**2), 0 where g = 0",),
        "arctan": ("g / (1 + {x}**2)",),
        "sinh": ("g * cosh {x}",),
        "cosh": ("g * sinh {x}",),
        "arcsinh": ("g / √(1 + {x}**2)",),
        "arctanh": ("g / (1 - {x}**2), 0 where g = 0",),
        "log2": ("g / ({x} ln 2)",),
        "log10": ("g / ({x} ln 10)",),
        "exp2": ("g * {out} ln 2",),
        "square": ("g * 2{x}",),
        "reciprocal": ("-g * {out}**2",),
        "erf": ("g * 2/√π exp(-{x}**2)",),
        "sign": ("0",),
        "floor": ("0",),
        "ceil": ("0",),
        "round": ("0",),
        "var": ("g * 2({x} - mean) / (n - ddof)",),
        "std": ("g * ({x} - mean) / ((n - ddof) {out}), 0 where {out} = 0",),
        "prod": ("g * product of the other elements of {x}",),
        "cumsum": ("running sums of g from the end",),
        "squeeze": ("g reshaped to {x}'s shape",),
        "expand_dims": ("g reshaped to {x}'s shape",),
        "flatten": ("g reshaped to {x}'s shape",),
        "ravel": ("g reshaped to {x}'s shape",),
        "flip": ("g flipped back",),
        "roll": ("g rolled back",),
        "tile": ("g summed over the tiles",),
        "repeat": ("g summed over each element's copies",),
        "pad": ("g at {x}'s positions (copies added back)",),
        "moveaxis": ("g with the axes moved back",),
        "split": ("zeros like {x}, g at the piece's slice",),
        "take_along_axis": ("zeros like {x}, g added at the indices",),
        "tril": ("tril(g)",),
        "triu": ("triu(g)",),
        "diagonal": ("zeros like {x}, g on the diagonal",),
        "einsum": ("einsum of g with the other operands",),
        "tensordot": ("tensordot of g with {b}", "tensordot of {a} with g"),
        "dot": ("g · {b} (contracted as in dot)", "{a} · g (contracted as in dot)"),
        "outer": ("g @ {b}", "{a} @ g"),
    }
)
