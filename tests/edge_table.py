"""The table of special points shared by test_edges.py and test_edges_torch.py.

One row per (op, special point): the function, its inputs, the expected
gradient of f(x).sum() with respect to every input, optionally the expected
second derivative d/dx0 Σ ∂(Σf)/∂x0, and the source of the convention:
"math" (the derivative exists and has this value), "PyTorch" (PyTorch's
documented or measured convention, see /work/shared/CONVENTIONS.md), or
"beyond PyTorch" (issue 10 asks for a finite value where PyTorch gives nan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import minigrad as mg

inf, nan = np.inf, np.nan
W2 = np.array([1.0, 2.0])  # weights that make softmax-type outputs non-trivial after .sum()


@dataclass
class Row:
    name: str
    f: Callable[..., Any]
    inputs: list[Any]
    grads: list[Any]
    source: str
    grad2: Any = None  # d/dx0 of Σ ∂(Σ f)/∂x0, or None when not stated
    torch: Callable[..., Any] | None = None  # the same function in PyTorch (argument: torch module, then tensors)
    torch_note: str = ""  # why PyTorch's value differs, if it does where it is not nan


def a(*values: Any) -> np.ndarray:
    return np.array(values, dtype=np.float64)


softmax_live = np.exp([0.0, 0.0]) / 2
ce_row = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()

ROWS = [
    # -- masks select (issue 10 item 1) --------------------------------------------
    Row(
        "relu then sqrt",
        lambda x: mg.sqrt(mg.relu(x)),
        [a(-1, 4)],
        [a(0, 0.25)],
        "beyond PyTorch: issue 10 (mask selects)",
        grad2=a(0, -0.03125),
        torch=lambda t, x: t.relu(x).sqrt(),
    ),
    Row(
        "sqrt of max",
        lambda x: mg.sqrt(x.max()),
        [a(0, -1)],
        [a(inf, 0)],
        "beyond PyTorch: issue 10 (mask selects)",
        torch=lambda t, x: x.max().sqrt(),
    ),
    Row("relu at 0", mg.relu, [a(0, -1, 2)], [a(0, 0, 1)], "PyTorch", grad2=a(0, 0, 0), torch=lambda t, x: t.relu(x)),
    Row("abs at 0", mg.abs, [a(0, -2, 3)], [a(0, -1, 1)], "PyTorch", grad2=a(0, 0, 0), torch=lambda t, x: x.abs()),
    Row(
        "sqrt of abs",
        lambda x: mg.sqrt(mg.abs(x)),
        [a(0, 4)],
        [a(0, 0.25)],
        "beyond PyTorch: abs's sign selects",
        grad2=a(0, -0.03125),
        torch=lambda t, x: x.abs().sqrt(),
    ),
    Row(
        "clip bounds",
        lambda x: mg.clip(x, 0.0, 1.0),
        [a(0, 1, -1, 2)],
        [a(1, 1, 0, 0)],
        "PyTorch (clamp passes its bounds)",
        grad2=a(0, 0, 0, 0),
        torch=lambda t, x: x.clamp(0, 1),
    ),
    Row(
        "1 / clip",
        lambda x: 1 / mg.clip(x, 0.0, 1.0),
        [a(-1, 0.5)],
        [a(0, -4)],
        "beyond PyTorch: clip selects",
        grad2=a(0, 16),
        torch=lambda t, x: 1 / x.clamp(0, 1),
    ),
    Row(
        "maximum tie",
        lambda x: mg.maximum(x, 0.0),
        [a(0, -1, 2)],
        [a(0.5, 0, 1)],
        "PyTorch (a tie splits)",
        grad2=a(0, 0, 0),
        torch=lambda t, x: t.maximum(x, t.zeros_like(x)),
    ),
    Row(
        "sqrt of maximum",
        lambda x: mg.sqrt(mg.maximum(x, 0.0)),
        [a(-1, 4)],
        [a(0, 0.25)],
        "beyond PyTorch: maximum selects",
        grad2=a(0, -0.03125),
        torch=lambda t, x: t.maximum(x, t.zeros_like(x)).sqrt(),
    ),
    Row(
        "maximum of two",
        mg.maximum,
        [a(1, 2), a(1, 3)],
        [a(0.5, 0), a(0.5, 1)],
        "PyTorch (a tie splits)",
        torch=lambda t, x, y: t.maximum(x, y),
    ),
    Row(
        "minimum tie",
        lambda x: mg.minimum(x, 1.0),
        [a(1, 0, 2)],
        [a(0.5, 1, 0)],
        "PyTorch (a tie splits)",
        torch=lambda t, x: t.minimum(x, t.ones_like(x)),
    ),
    Row(
        "where, untaken sqrt",
        lambda x: mg.where(x.data == 0, 0.0, x * mg.sqrt(x)),
        [a(0, 1)],
        [a(0, 1.5)],
        "beyond PyTorch: issue 10 (zero gradient into sqrt at 0)",
        grad2=a(0, 0.75),
        torch=lambda t, x: t.where(x == 0, t.zeros_like(x), x * x.sqrt()),
    ),
    Row(
        "max tie",
        lambda x: x.max(),
        [a(1, 1)],
        [a(0.5, 0.5)],
        "PyTorch (ties split evenly)",
        grad2=a(0, 0),
        torch=lambda t, x: x.max(),
    ),
    Row(
        "min tie",
        lambda x: x.min(),
        [a(1, 1, 3)],
        [a(0.5, 0.5, 0)],
        "PyTorch (ties split evenly)",
        torch=lambda t, x: x.min(),
    ),
    Row(
        "max over an axis, ties",
        lambda x: x.max(axis=1),
        [np.array([[1.0, 1.0], [2.0, 0.0]])],
        [np.array([[0.5, 0.5], [1.0, 0.0]])],
        "PyTorch amax",
        torch=lambda t, x: x.amax(1),
    ),
    Row(
        "max with a nan",
        lambda x: x.max(),
        [a(nan, 1)],
        [a(1, 0)],
        "PyTorch max(): the nan element is the max",
        torch=lambda t, x: x.max(),
    ),
    Row(
        "relu at nan",
        mg.relu,
        [a(nan)],
        [a(0)],
        "minigrad: one comparison (PyTorch passes 1)",
        torch=lambda t, x: t.relu(x),
        torch_note="PyTorch's threshold backward passes the gradient at nan",
    ),
    Row("clip at nan", lambda x: mg.clip(x, 0.0, 1.0), [a(nan)], [a(0)], "PyTorch", torch=lambda t, x: x.clamp(0, 1)),
    Row("abs at nan", mg.abs, [a(nan)], [a(0)], "PyTorch (sgn(nan) = 0)", torch=lambda t, x: x.abs()),
    # -- pow (item 2) -------------------------------------------------------------
    Row("x**0 at 0", lambda x: x**0.0, [a(0, 2)], [a(0, 0)], "PyTorch", grad2=a(0, 0), torch=lambda t, x: x**0.0),
    Row(
        "pow(a, b) at a = 0",
        lambda x, y: x**y,
        [a(0, 0), a(0, 2)],
        [a(0, 0), a(0, 0)],
        "PyTorch",
        torch=lambda t, x, y: x**y,
    ),
    Row(
        "0.0 ** b",
        lambda b: mg.pow(0.0, b),
        [a(2)],
        [a(0)],
        "beyond PyTorch at second order (PyTorch nan); PyTorch at first: d/db = 0 at a = 0, b ≥ 0",
        grad2=a(0),
        torch=lambda t, b: t.pow(0.0, b),
    ),
    Row("x**1 at 0", lambda x: x**1.0, [a(0)], [a(1)], "math", grad2=a(0), torch=lambda t, x: x**1.0),
    Row("x**2 at -3", lambda x: x**2.0, [a(-3)], [a(-6)], "math", grad2=a(2), torch=lambda t, x: x**2.0),
    Row("x**3 at 0", lambda x: x**3.0, [a(0)], [a(0)], "math", grad2=a(0), torch=lambda t, x: x**3.0),
    Row(
        "x**0.5 at 0 and -1",
        lambda x: x**0.5,
        [a(0, -1)],
        [a(inf, nan)],
        "PyTorch (inf at 0; nan off the domain)",
        torch=lambda t, x: x**0.5,
    ),
    Row(
        "where, untaken x**0.5",
        lambda x: mg.where(x.data > 0, x**0.5, 0.0),
        [a(0, 4)],
        [a(0, 0.25)],
        "beyond PyTorch: zero gradient into pow at 0",
        grad2=a(0, -0.03125),
        torch=lambda t, x: t.where(x > 0, x**0.5, t.zeros_like(x)),
    ),
    # -- rows entirely -inf, and +inf logits (item 3) ------------------------------
    Row(
        "logsumexp of all -inf",
        lambda x: mg.logsumexp(x),
        [a(-inf, -inf)],
        [a(0, 0)],
        "beyond PyTorch: issue 10",
        grad2=a(0, 0),
        torch=lambda t, x: t.logsumexp(x, 0),
    ),
    Row(
        "logsumexp with one -inf",
        lambda x: mg.logsumexp(x),
        [a(-inf, 0)],
        [a(0, 1)],
        "PyTorch",
        grad2=a(0, 0),
        torch=lambda t, x: t.logsumexp(x, 0),
    ),
    Row(
        "logsumexp rows",
        lambda x: mg.logsumexp(x, axis=1),
        [np.array([[-inf, -inf], [0.0, 0.0]])],
        [np.array([[0.0, 0.0], [0.5, 0.5]])],
        "beyond PyTorch: issue 10 (masked row)",
        torch=lambda t, x: t.logsumexp(x, 1),
    ),
    Row(
        "softmax rows",
        lambda x: mg.softmax(x) * W2,
        [np.array([[-inf, -inf], [0.0, 0.0]])],
        [np.array([[0.0, 0.0], [-0.25, 0.25]])],
        "beyond PyTorch: issue 10 (masked row)",
        torch=lambda t, x: t.softmax(x, -1) * t.tensor(W2),
    ),
    Row(
        "log_softmax rows",
        lambda x: mg.log_softmax(x) * W2,
        [np.array([[-inf, -inf], [0.0, 0.0]])],
        [np.array([[0.0, 0.0], [-0.5, 0.5]])],
        "beyond PyTorch: issue 10 (masked row)",
        torch=lambda t, x: t.log_softmax(x, -1) * t.tensor(W2),
    ),
    Row(
        "log_softmax with one -inf",
        lambda x: mg.log_softmax(x, axis=0) * W2,
        [a(-inf, 0)],
        [a(1, -1)],
        "PyTorch",
        torch=lambda t, x: t.log_softmax(x, 0) * t.tensor(W2),
    ),
    Row(
        "cross-entropy, a masked row",
        lambda z: mg.softmax_cross_entropy(z, np.array([0, 1])),
        [np.array([[-inf, -inf], [1.0, 2.0]])],
        [np.array([[0.0, 0.0], [ce_row[0] / 2, (ce_row[1] - 1) / 2]])],
        "beyond PyTorch: issue 10 (masked row)",
        torch=lambda t, z: t.nn.functional.cross_entropy(z, t.tensor([0, 1])),
    ),
    Row(
        "cross-entropy with probabilities, a masked row",
        lambda z: mg.softmax_cross_entropy(z, np.array([[0.5, 0.5], [0.0, 1.0]]), reduction="sum"),
        [np.array([[-inf, -inf], [1.0, 2.0]])],
        [np.array([[0.0, 0.0], [ce_row[0], ce_row[1] - 1]])],
        "beyond PyTorch: issue 10 (masked row)",
    ),
    Row(
        "logsumexp with +inf",
        lambda x: mg.logsumexp(x),
        [a(inf, 0)],
        [a(nan, 0)],
        "PyTorch (+inf: nan, decided)",
        torch=lambda t, x: t.logsumexp(x, 0),
    ),
    Row(
        "softmax with +inf",
        lambda x: mg.softmax(x, axis=0) * W2,
        [a(inf, 0)],
        [a(nan, nan)],
        "PyTorch (+inf: nan, decided)",
        torch=lambda t, x: t.softmax(x, 0) * t.tensor(W2),
    ),
    # -- zero upstream gradient times an infinite local derivative (item 4a) -------
    Row(
        "where, untaken log",
        lambda x: mg.where(x.data > 0, mg.log(x), 0.0),
        [a(0, 2)],
        [a(0, 0.5)],
        "beyond PyTorch: issue 10",
        grad2=a(0, -0.25),
        torch=lambda t, x: t.where(x > 0, x.log(), t.zeros_like(x)),
    ),
    Row(
        "where, untaken 1/x",
        lambda x: mg.where(x.data > 0, 1 / x, 0.0),
        [a(0, 2)],
        [a(0, -0.25)],
        "beyond PyTorch: issue 10",
        grad2=a(0, 0.25),
        torch=lambda t, x: t.where(x > 0, 1 / x, t.zeros_like(x)),
    ),
    Row(
        "where, untaken exp overflow",
        lambda x: mg.where(x.data > 800, 0.0, mg.exp(x)),
        [a(1000, 0)],
        [a(0, 1)],
        "beyond PyTorch: issue 10",
        grad2=a(0, 1),
        torch=lambda t, x: t.where(x > 800, t.zeros_like(x), x.exp()),
    ),
    Row(
        "where, untaken log1p",
        lambda x: mg.where(x.data > -1, mg.log1p(x), 0.0),
        [a(-1, 0)],
        [a(0, 1)],
        "beyond PyTorch: zero gradient into log1p at -1",
        grad2=a(0, -1),
        torch=lambda t, x: t.where(x > -1, x.log1p(), t.zeros_like(x)),
    ),
    Row(
        "sqrt of a sum of squares at 0",
        lambda x: mg.sqrt((x * x).sum()),
        [a(0, 0)],
        [a(nan, nan)],
        "math: 0 · inf (use mg.norm; PyTorch also nan)",
        torch=lambda t, x: (x * x).sum().sqrt(),
    ),
    Row(
        "log of sigmoid at -1000",
        lambda x: mg.log(mg.sigmoid(x)),
        [a(-1000)],
        [a(nan)],
        "math: inf · 0 in float64 (use mg.log_sigmoid; PyTorch also nan)",
        torch=lambda t, x: x.sigmoid().log(),
    ),
    # -- stable primitives (item 4b) ------------------------------------------------
    Row(
        "norm at 0",
        lambda x: mg.norm(x),
        [a(0, 0)],
        [a(0, 0)],
        "PyTorch linalg.norm",
        torch=lambda t, x: t.linalg.norm(x),
    ),
    Row(
        "norm at (3, 4)",
        lambda x: mg.norm(x),
        [a(3, 4)],
        [a(0.6, 0.8)],
        "math",
        grad2=a(0.032, -0.024),
        torch=lambda t, x: t.linalg.norm(x),
    ),
    Row(
        "norm over an axis",
        lambda x: mg.norm(x, axis=1),
        [np.array([[0.0, 0.0], [3.0, 4.0]])],
        [np.array([[0.0, 0.0], [0.6, 0.8]])],
        "PyTorch linalg.norm",
        torch=lambda t, x: t.linalg.norm(x, dim=1),
    ),
    Row(
        "log_sigmoid",
        mg.log_sigmoid,
        [a(-1000, 0, 1000)],
        [a(1, 0.5, 0)],
        "PyTorch F.logsigmoid",
        grad2=a(0, -0.25, 0),
        torch=lambda t, x: t.nn.functional.logsigmoid(x),
    ),
    Row(
        "softplus",
        mg.softplus,
        [a(-1000, 0, 1000)],
        [a(0, 0.5, 1)],
        "PyTorch F.softplus",
        grad2=a(0, 0.25, 0),
        torch=lambda t, x: t.nn.functional.softplus(x),
    ),
    Row(
        "logaddexp",
        mg.logaddexp,
        [a(-inf, 0), a(-inf, 0)],
        [a(0, 0.5), a(0, 0.5)],
        "beyond PyTorch at -inf (as logsumexp); a tie splits",
        torch=lambda t, x, y: t.logaddexp(x, y),
    ),
    Row("log1p at -1", mg.log1p, [a(-1, 0)], [a(inf, 1)], "math (PyTorch)", torch=lambda t, x: x.log1p()),
    Row("log1p at 0", mg.log1p, [a(0)], [a(1)], "math", grad2=a(-1), torch=lambda t, x: x.log1p()),
    Row("expm1 at 0", mg.expm1, [a(0)], [a(1)], "math", grad2=a(1), torch=lambda t, x: x.expm1()),
    Row(
        "xlogy",
        mg.xlogy,
        [a(0, 0, 2), a(0, 2, 3)],
        [a(0, np.log(2), np.log(3)), a(0, 0, 2 / 3)],
        "beyond PyTorch for d/dy at x = 0 (PyTorch nan); PyTorch for d/dx",
        torch=lambda t, x, y: t.xlogy(x, y),
    ),
    Row(
        "xlogy(x, x) at 0",
        lambda x: mg.xlogy(x, x),
        [a(0)],
        [a(0)],
        "beyond PyTorch (nan): 0·log 0 = 0 convention",
        torch=lambda t, x: t.xlogy(x, x),
    ),
    # -- the other ops at ±inf, repeats and nan --------------------------------------
    Row(
        "tanh and sigmoid at ±inf",
        lambda x: mg.tanh(x) + mg.sigmoid(x),
        [a(-inf, inf)],
        [a(0, 0)],
        "math",
        grad2=a(0, 0),
        torch=lambda t, x: x.tanh() + x.sigmoid(),
    ),
    Row("exp at -inf", mg.exp, [a(-inf, 0)], [a(0, 1)], "math", grad2=a(0, 1), torch=lambda t, x: x.exp()),
    Row("log at +inf", mg.log, [a(inf, 1)], [a(0, 1)], "math", grad2=a(0, -1), torch=lambda t, x: x.log()),
    Row("1/x at ±inf", lambda x: 1 / x, [a(inf, -inf)], [a(0, 0)], "math", torch=lambda t, x: 1 / x),
    Row("mul: 0 times inf", mg.mul, [a(0), a(inf)], [a(inf), a(0)], "PyTorch", torch=lambda t, x, y: x * y),
    Row(
        "sum and mean through inf",
        lambda x: x.sum() + x.mean(),
        [a(inf, 1)],
        [a(1.5, 1.5)],
        "math",
        torch=lambda t, x: x.sum() + x.mean(),
    ),
    Row(
        "getitem with a repeated index",
        lambda x: x[np.array([0, 0, 1])],
        [a(1, 2, 3)],
        [a(2, 1, 0)],
        "math",
        grad2=a(0, 0, 0),
        torch=lambda t, x: x[t.tensor([0, 0, 1])],
    ),
    Row(
        "reshape, transpose, broadcast of nan",
        lambda x: mg.broadcast_to(x.reshape(2, 1).T, (3, 2)),
        [a(nan, 1)],
        [a(3, 3)],
        "math (a nan value has gradient 1 through ops that move it)",
        torch=lambda t, x: x.reshape(2, 1).T.expand(3, 2),
    ),
    Row(
        "matmul with an empty inner axis",
        mg.matmul,
        [np.zeros((2, 0)), np.zeros((0, 3))],
        [np.zeros((2, 0)), np.zeros((0, 3))],
        "math",
        torch=lambda t, x, y: x @ y,
    ),
    # -- empty arrays ---------------------------------------------------------------
    Row("relu of empty", mg.relu, [a()], [a()], "math", torch=lambda t, x: t.relu(x)),
    Row("mean of empty", lambda x: x.mean(), [a()], [a()], "PyTorch", torch=lambda t, x: x.mean()),
    Row("norm of empty", lambda x: mg.norm(x), [a()], [a()], "PyTorch", torch=lambda t, x: t.linalg.norm(x)),
    Row(
        "sqrt and log of empty",
        lambda x: mg.sqrt(x) + mg.log(x),
        [a()],
        [a()],
        "math",
        torch=lambda t, x: x.sqrt() + x.log(),
    ),
]
