"""The contenders: who is measured, under which label, and whether it can run here.

Hand NumPy and minigrad's raw Tensor API always run. "minigrad nn+optim" needs
``minigrad.nn``, ``minigrad.losses`` and ``minigrad.optim`` (skipped, with the
reason, until they exist); PyTorch and HIPS autograd are optional imports.
Each workload module implements every contender side by side.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np

NUMPY, MINIGRAD, MINIGRAD_NN, TORCH, AUTOGRAD = "numpy", "minigrad", "minigrad_nn", "torch", "autograd"
COMPILED = "minigrad_compiled"
ORDER = [NUMPY, MINIGRAD, COMPILED, MINIGRAD_NN, TORCH, AUTOGRAD]
LABELS = {
    NUMPY: "hand NumPy",
    MINIGRAD: "minigrad raw",
    COMPILED: "minigrad compiled",
    MINIGRAD_NN: "minigrad nn+optim",
    TORCH: "PyTorch eager",
    AUTOGRAD: "HIPS autograd",
}


class Unavailable(Exception):
    """This contender cannot run in this environment (a package or module is missing)."""


def availability() -> dict[str, str | None]:
    """{contender: None if it can run, else why not}. Importing torch here also pins its threads."""
    out: dict[str, str | None] = {NUMPY: None, MINIGRAD: None}
    try:
        importlib.import_module("minigrad.compile")
        out[COMPILED] = None
    except ImportError as e:
        out[COMPILED] = f"not available: minigrad.compile is missing ({e})"
    try:
        nn_modules()
        out[MINIGRAD_NN] = None
    except Unavailable as e:
        out[MINIGRAD_NN] = str(e)
    try:
        torch_module()
        out[TORCH] = None
    except Unavailable as e:
        out[TORCH] = str(e)
    try:
        importlib.import_module("autograd")
        out[AUTOGRAD] = None
    except ImportError:
        out[AUTOGRAD] = "not installed (pip install autograd)"
    return out


def torch_module() -> Any:
    """torch with one intra-op and one inter-op thread, or Unavailable."""
    try:
        import torch
    except ImportError:
        raise Unavailable("not installed (pip install torch==2.13.0, CPU wheel)") from None
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already fixed earlier in this process
    return torch


# --------------------------------------------------------------------------------------------------
# The "minigrad nn+optim" slot. Written against the names the nn/optim branch promises:
#   mg.nn.MLP(sizes, activation=..., output=None), mg.nn.Linear(in, out, bias=...),
#   mg.losses.cross_entropy(logits, target, reduction=...), mg.losses.l2_penalty(params, lam),
#   mg.losses.sse_loss(pred, target), mg.optim.SGD(params, lr) with step()/zero_grad(),
#   mg.optim.BFGS(params, maxiter=, gtol=) with step(closure).
# Until those modules exist the contender is listed as "not available".
# --------------------------------------------------------------------------------------------------
def nn_modules() -> Any:
    """The minigrad package with nn, losses and optim imported, or Unavailable."""
    for sub in ("nn", "losses", "optim"):
        try:
            importlib.import_module(f"minigrad.{sub}")
        except ImportError as e:
            raise Unavailable(f"not available: minigrad.{sub} is missing ({e})") from None
    import minigrad

    return minigrad


def load_params(params: Sequence[Any], arrays: Sequence[np.ndarray]) -> bool:
    """Give a module's parameters (in ``parameters()`` order) the values of the benchmark's arrays.

    The arrays use the tutorials' layout: weights (in, out) for ``x @ W``, biases (1, out).
    A Linear may store its weight as (out, in) instead (PyTorch's layout); the layout is read
    from the first non-square weight and used for all. Returns True if weights are transposed.
    """
    params = list(params)
    if len(params) != len(arrays):
        raise ValueError(f"model has {len(params)} parameters, the benchmark has {len(arrays)}")
    transposed = False
    for p, a in zip(params, arrays):
        if a.ndim == 2 and a.shape[0] > 1 and a.shape[0] != a.shape[1]:
            transposed = tuple(p.shape) == a.T.shape
            break
    for p, a in zip(params, arrays):
        p.data = np.array(_to_module(a, tuple(p.shape), transposed), dtype=a.dtype, copy=True)
    return transposed


def _to_module(a: np.ndarray, shape: tuple[int, ...], transposed: bool) -> np.ndarray:
    if a.ndim == 2 and a.shape[0] > 1:  # a weight
        w = a.T if transposed else a
        if w.shape != shape:
            raise ValueError(f"weight of shape {a.shape} does not fit a parameter of shape {shape}")
        return w
    if a.size != int(np.prod(shape)):
        raise ValueError(f"bias of shape {a.shape} does not fit a parameter of shape {shape}")
    return a.reshape(shape)


def module_arrays(values: Sequence[np.ndarray], like: Sequence[np.ndarray], transposed: bool) -> list[np.ndarray]:
    """Module parameters (or their gradients) back in the benchmark's layout ``like``."""
    out = []
    for v, a in zip(values, like):
        v = np.asarray(v)
        if a.ndim == 2 and a.shape[0] > 1 and transposed:
            v = v.T
        out.append(v.reshape(a.shape))
    return out
