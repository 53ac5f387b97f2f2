"""Every differentiable op of the package, once, as a map of a (2, 3) float64 array, in minigrad and in PyTorch.

Used by ``test_differential.py``, which composes them. Each entry gives the op
in minigrad (``mg_fn``) and the same function in PyTorch (``torch_fn``, called
with the ``torch`` module so this file imports without torch), and the domain
its input must lie in:

- ``real``: anywhere (inside a composition the input is first squashed by
  2·tanh(u/2), which keeps zeros and ties);
- ``pos``: (0.2, ∞) (squashed by 0.2 + softplus(u));
- ``unit``: (-0.9, 0.9) (squashed by 0.9·tanh(u)).

The output may have any shape; ``to_next`` turns it into a (2, 3) array for the
next op (reshape, or the flattened output cut or repeated to 6 elements).
``smooth=False`` marks ops that jump (floor, sign, ...): finite differences
are taken only where no jump is within reach (their derivatives are 0 there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import losses

SHAPE = (2, 3)
_rng = np.random.default_rng(7)
C33 = _rng.normal(size=(3, 3))  # constants that break symmetries
C32 = _rng.normal(size=(3, 2))
LABELS = np.array([2, 0])
TARGET = _rng.uniform(0.1, 0.9, SHAPE)
PROBS = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
W_CONV1 = _rng.normal(size=(2, 2, 2))  # (out, in, k)
W_CONV2 = _rng.normal(size=(1, 1, 2, 2))
IDX = np.array([[2, 0, 1], [1, 1, 0]])


@dataclass(frozen=True)
class Op:
    name: str
    mg_fn: Callable[[Any], Any]
    torch_fn: Callable[[Any, Any], Any]
    domain: str = "real"
    smooth: bool = True


def _F(torch: Any) -> Any:
    return torch.nn.functional


def _normalized(t: Any, x: Any, axis: int, eps: float = 1e-5) -> Any:
    """(x - mean) / sqrt(var + eps) over ``axis`` (biased variance): layer_norm's and batch_norm's formula."""
    mean = x.mean(axis, keepdim=True)
    return (x - mean) / t.sqrt(((x - mean) ** 2).mean(axis, keepdim=True) + eps)


# fmt: off
OPS: list[Op] = [
    # -- arithmetic (binary ops take two different functions of x) ---------------------------------
    Op("add", lambda x: x + x[:, ::-1], lambda t, x: x + x.flip(1)),
    Op("sub", lambda x: x - 0.5 * x[::-1], lambda t, x: x - 0.5 * x.flip(0)),
    Op("mul", lambda x: x * x[:, ::-1], lambda t, x: x * x.flip(1)),
    Op("div", lambda x: x / (1.5 + x[:, ::-1] ** 2), lambda t, x: x / (1.5 + x.flip(1) ** 2)),
    # PyTorch's pow loses a third-order term at exponent exactly 1 (d³/da²db a^b = 1/a there; torch 2.13 gives 0):
    # the oracle is exp(b log a).
    Op("pow", lambda x: x ** x[:, ::-1], lambda t, x: t.exp(x.flip(1) * t.log(x)), "pos"),
    Op("pow (constant exponent)", lambda x: x**1.5, lambda t, x: x**1.5, "pos"),
    Op("pow (constant base)", lambda x: 1.7**x, lambda t, x: 1.7**x),
    Op("neg", lambda x: -x, lambda t, x: -x),
    Op("matmul", lambda x: x @ C33, lambda t, x: x @ t.tensor(C33)),
    Op("matmul (both operands)", lambda x: x @ x.T @ x, lambda t, x: x @ x.T @ x),
    Op("remainder", lambda x: mg.remainder(x, 0.7), lambda t, x: t.remainder(x, 0.7), smooth=False),
    Op("floor_divide", lambda x: mg.floor_divide(x, 0.7) * x, lambda t, x: t.floor(x / 0.7) * x, smooth=False),
    # -- elementwise ----------------------------------------------------------------------------------
    Op("exp", mg.exp, lambda t, x: t.exp(x)),
    Op("log", mg.log, lambda t, x: t.log(x), "pos"),
    Op("tanh", mg.tanh, lambda t, x: t.tanh(x)),
    Op("sigmoid", mg.sigmoid, lambda t, x: t.sigmoid(x)),
    Op("relu", mg.relu, lambda t, x: t.relu(x)),
    Op("abs", mg.abs, lambda t, x: t.abs(x)),
    Op("sqrt", mg.sqrt, lambda t, x: t.sqrt(x), "pos"),
    Op("clip", lambda x: mg.clip(x, -0.5, 0.5), lambda t, x: t.clamp(x, -0.5, 0.5)),
    Op("maximum", lambda x: mg.maximum(x, x[:, ::-1]), lambda t, x: t.maximum(x, x.flip(1))),
    Op("minimum", lambda x: mg.minimum(x, 0.0), lambda t, x: t.minimum(x, t.zeros_like(x))),
    Op("where", lambda x: mg.where(x.data > 0, x * x, mg.sin(x)), lambda t, x: t.where(x > 0, x * x, t.sin(x))),
    Op("sin", mg.sin, lambda t, x: t.sin(x)),
    Op("cos", mg.cos, lambda t, x: t.cos(x)),
    Op("tan", mg.tan, lambda t, x: t.tan(x), "unit"),
    Op("arcsin", mg.arcsin, lambda t, x: t.asin(x), "unit"),
    Op("arccos", mg.arccos, lambda t, x: t.acos(x), "unit"),
    Op("arctan", mg.arctan, lambda t, x: t.atan(x)),
    Op("sinh", mg.sinh, lambda t, x: t.sinh(x)),
    Op("cosh", mg.cosh, lambda t, x: t.cosh(x)),
    Op("arcsinh", mg.arcsinh, lambda t, x: t.asinh(x)),
    Op("arctanh", mg.arctanh, lambda t, x: t.atanh(x), "unit"),
    Op("log2", mg.log2, lambda t, x: t.log2(x), "pos"),
    Op("log10", mg.log10, lambda t, x: t.log10(x), "pos"),
    Op("exp2", mg.exp2, lambda t, x: t.exp2(x)),
    Op("square", mg.square, lambda t, x: t.square(x)),
    Op("reciprocal", mg.reciprocal, lambda t, x: t.reciprocal(x), "pos"),
    Op("erf", mg.erf, lambda t, x: t.erf(x)),
    Op("sign", lambda x: mg.sign(x) * x, lambda t, x: t.sign(x) * x, smooth=False),
    Op("floor", lambda x: mg.floor(x) + x, lambda t, x: t.floor(x) + x, smooth=False),
    Op("ceil", lambda x: mg.ceil(x) * x, lambda t, x: t.ceil(x) * x, smooth=False),
    Op("round", lambda x: mg.round(x) + x * x, lambda t, x: t.round(x) + x * x, smooth=False),
    Op("log1p", mg.log1p, lambda t, x: t.log1p(x), "pos"),
    Op("expm1", mg.expm1, lambda t, x: t.expm1(x)),
    Op("xlogy", lambda x: mg.xlogy(x, x[:, ::-1]), lambda t, x: t.xlogy(x, x.flip(1)), "pos"),
    Op("logaddexp", lambda x: mg.logaddexp(x, x[:, ::-1]), lambda t, x: t.logaddexp(x, x.flip(1))),
    Op("log_sigmoid", mg.ops.log_sigmoid, lambda t, x: _F(t).logsigmoid(x)),
    Op("softplus", mg.ops.softplus, lambda t, x: _F(t).softplus(x, threshold=1000)),
    Op("gelu", F.gelu, lambda t, x: _F(t).gelu(x)),
    Op("gelu (tanh)", lambda x: F.gelu(x, approximate="tanh"), lambda t, x: _F(t).gelu(x, approximate="tanh")),
    Op("silu", F.silu, lambda t, x: _F(t).silu(x)),
    Op("leaky_relu", lambda x: F.leaky_relu(x, 0.1), lambda t, x: _F(t).leaky_relu(x, 0.1)),
    Op("elu", F.elu, lambda t, x: _F(t).elu(x)),
    Op("F.softplus", F.softplus, lambda t, x: _F(t).softplus(x, threshold=1000)),
    Op("F.log_sigmoid", F.log_sigmoid, lambda t, x: _F(t).logsigmoid(x)),
    Op("dropout (p=0)", lambda x: F.dropout(x, 0.0) * x, lambda t, x: x * x),
    Op("dropout (eval)", lambda x: F.dropout(x, 0.5, training=False) * x, lambda t, x: x * x),
    # -- reductions (kept dimensions broadcast the result back) --------------------------------------
    Op("sum", lambda x: x * x.sum(axis=1, keepdims=True), lambda t, x: x * x.sum(1, keepdim=True)),
    Op("mean", lambda x: x * mg.mean(x, axis=0), lambda t, x: x * x.mean(0)),
    Op("max", lambda x: x * mg.max(x, axis=1, keepdims=True), lambda t, x: x * x.amax(1, keepdim=True)),
    Op("max (all)", lambda x: x * mg.max(x), lambda t, x: x * x.amax()),
    Op("min", lambda x: x * mg.min(x, axis=0), lambda t, x: x * x.amin(0)),
    Op("logsumexp", lambda x: mg.logsumexp(x, axis=1), lambda t, x: t.logsumexp(x, 1)),
    Op("softmax", lambda x: mg.softmax(x, axis=1), lambda t, x: t.softmax(x, 1)),
    Op("log_softmax", lambda x: mg.log_softmax(x, axis=0), lambda t, x: t.log_softmax(x, 0)),
    Op("norm", lambda x: x * mg.norm(x, axis=1, keepdims=True), lambda t, x: x * t.linalg.vector_norm(x, dim=1, keepdim=True)),
    Op("norm (all)", lambda x: mg.norm(x) * x, lambda t, x: t.linalg.vector_norm(x) * x),
    Op("var", lambda x: x * mg.var(x, axis=1, keepdims=True), lambda t, x: x * x.var(1, correction=0, keepdim=True)),
    Op("std", lambda x: x * mg.std(x, axis=0, ddof=1), lambda t, x: x * x.std(0, correction=1)),
    # PyTorch's prod backward divides by the elements away from zeros and gave nan third derivatives
    # at elements near 1e-150 (torch 2.13): the oracle is the product written out.
    Op("prod", lambda x: x * mg.prod(x, axis=1, keepdims=True), lambda t, x: x * (x[:, :1] * x[:, 1:2] * x[:, 2:])),
    Op("prod (all)", lambda x: mg.prod(x), lambda t, x: x[0, 0] * x[0, 1] * x[0, 2] * x[1, 0] * x[1, 1] * x[1, 2]),
    Op("cumsum", lambda x: mg.cumsum(x * x, axis=1), lambda t, x: t.cumsum(x * x, 1)),
    # -- shapes and layout (linear: the compositions around them give the curvature) ------------------
    Op("reshape", lambda x: mg.reshape(x, (3, 2)) * C32, lambda t, x: x.reshape(3, 2) * t.tensor(C32)),
    Op("transpose", lambda x: mg.transpose(x) * C32, lambda t, x: x.T * t.tensor(C32)),
    Op("swapaxes", lambda x: mg.swapaxes(x, 0, 1) @ x, lambda t, x: x.T @ x),
    Op("broadcast_to", lambda x: mg.broadcast_to(x[0], (2, 3)) * x, lambda t, x: x[0].expand(2, 3) * x),
    Op("astype", lambda x: mg.astype(mg.astype(x, np.float32), np.float64) * 0 + x * x, lambda t, x: x * x),
    Op("getitem", lambda x: x[np.array([1, 0, 1]), 1:] * x[0, 2], lambda t, x: x[[1, 0, 1], 1:] * x[0, 2]),
    Op("getitem (mask)", lambda x: x[TARGET > 0.5] * x.sum(), lambda t, x: x[t.tensor(TARGET > 0.5)] * x.sum()),
    Op("concatenate", lambda x: mg.concatenate([x, x * x], axis=0), lambda t, x: t.cat([x, x * x], 0)),
    Op("stack", lambda x: mg.stack([x[0], x[1] * x[0]]), lambda t, x: t.stack([x[0], x[1] * x[0]])),
    Op("squeeze", lambda x: mg.squeeze(x[:, None, :], 1) * x, lambda t, x: x * x),
    Op("expand_dims", lambda x: mg.expand_dims(x, 0) * x, lambda t, x: (x * x)[None]),
    Op("flatten", lambda x: mg.flatten(x) * mg.ravel(x[::-1]), lambda t, x: x.flatten() * x.flip(0).flatten()),
    Op("ravel", lambda x: mg.ravel(x) ** 2, lambda t, x: x.ravel() ** 2),
    Op("flip", lambda x: mg.flip(x, 1) * x, lambda t, x: x.flip(1) * x),
    Op("roll", lambda x: mg.roll(x, 1, axis=1) * x, lambda t, x: t.roll(x, 1, 1) * x),
    Op("tile", lambda x: mg.tile(x, (1, 2)) ** 2, lambda t, x: x.tile((1, 2)) ** 2),
    Op("repeat", lambda x: mg.repeat(x, 2, axis=0) * 1.5, lambda t, x: x.repeat_interleave(2, 0) * 1.5),
    Op("pad", lambda x: mg.pad(x * x, ((1, 0), (0, 2))), lambda t, x: _F(t).pad(x * x, (0, 2, 1, 0))),
    Op("pad (reflect)", lambda x: mg.pad(x, ((0, 0), (1, 1)), mode="reflect") ** 2, lambda t, x: _F(t).pad(x[None], (1, 1), mode="reflect")[0] ** 2),
    Op("moveaxis", lambda x: mg.moveaxis(x, 0, 1) * C32, lambda t, x: t.movedim(x, 0, 1) * t.tensor(C32)),
    Op("split", lambda x: mg.split(x, [1], axis=0)[1] * x, lambda t, x: x[1:] * x),
    Op("take_along_axis", lambda x: mg.take_along_axis(x, IDX, 1) * x, lambda t, x: t.take_along_dim(x, t.tensor(IDX), 1) * x),
    Op("tril", lambda x: mg.tril(x @ x.T) @ x, lambda t, x: t.tril(x @ x.T) @ x),
    Op("triu", lambda x: mg.triu(x, 1) * x, lambda t, x: t.triu(x, 1) * x),
    Op("diagonal", lambda x: mg.diagonal(x @ C33 @ x.T) * x.T, lambda t, x: t.diagonal(x @ t.tensor(C33) @ x.T) * x.T),
    # -- products ----------------------------------------------------------------------------------------
    Op("outer", lambda x: mg.outer(x[0], x[1]), lambda t, x: t.outer(x[0], x[1])),
    Op("dot", lambda x: mg.dot(x, x[0]), lambda t, x: x @ x[0]),
    Op("tensordot", lambda x: mg.tensordot(x, x, axes=([1], [1])), lambda t, x: t.tensordot(x, x, dims=([1], [1]))),
    Op("einsum", lambda x: mg.einsum("ij,kj,kl->il", x, x, x), lambda t, x: t.einsum("ij,kj,kl->il", x, x, x)),
    # -- neural-network functions ------------------------------------------------------------------------
    # PyTorch's fused layer_norm/batch_norm kernels give third derivatives that disagree with finite
    # differences of their own second derivatives (seen with torch 2.13): the oracle is their formula.
    Op("layer_norm", lambda x: F.layer_norm(x, 3), lambda t, x: _normalized(t, x, 1)),
    Op("batch_norm", lambda x: F.batch_norm(x, None, None, training=True), lambda t, x: _normalized(t, x, 0)),
    Op("conv1d", lambda x: F.conv1d(x[None], W_CONV1, padding=1), lambda t, x: _F(t).conv1d(x[None], t.tensor(W_CONV1), padding=1)),
    Op("conv2d", lambda x: F.conv2d(x[None, None], W_CONV2, padding=(1, 0)) * 1.0, lambda t, x: _F(t).conv2d(x[None, None], t.tensor(W_CONV2), padding=(1, 0))),
    Op("max_pool2d", lambda x: F.max_pool2d(x[None, None], (1, 2), stride=1) * x[:, 1:], lambda t, x: _F(t).max_pool2d(x[None, None], (1, 2), stride=1) * x[:, 1:]),
    Op("avg_pool2d", lambda x: F.avg_pool2d(x[None, None] ** 2, (2, 2), stride=1), lambda t, x: _F(t).avg_pool2d(x[None, None] ** 2, (2, 2), stride=1)),
    Op("embedding", lambda x: F.embedding(np.array([1, 0, 1]), x) * x[0], lambda t, x: x[[1, 0, 1]] * x[0]),
    # -- losses (a scalar times x keeps the map (2, 3) -> (2, 3)) -----------------------------------------
    Op("softmax_cross_entropy", lambda x: x * mg.softmax_cross_entropy(x, LABELS), lambda t, x: x * _F(t).cross_entropy(x, t.tensor(LABELS))),
    Op("cross_entropy", lambda x: x * losses.cross_entropy(x, LABELS, reduction="sum"), lambda t, x: x * _F(t).cross_entropy(x, t.tensor(LABELS), reduction="sum")),
    Op("cross_entropy (soft)", lambda x: x * losses.cross_entropy(x, PROBS), lambda t, x: x * _F(t).cross_entropy(x, t.tensor(PROBS))),
    Op("nll_loss", lambda x: x * losses.nll_loss(mg.log_softmax(x), LABELS), lambda t, x: x * _F(t).nll_loss(t.log_softmax(x, 1), t.tensor(LABELS))),
    Op("mse_loss", lambda x: x * losses.mse_loss(x, TARGET), lambda t, x: x * _F(t).mse_loss(x, t.tensor(TARGET))),
    Op("sse_loss", lambda x: x * losses.sse_loss(x, TARGET), lambda t, x: x * (0.5 * ((x - t.tensor(TARGET)) ** 2).sum())),
    Op("binary_cross_entropy", lambda x: x * losses.binary_cross_entropy(x, TARGET), lambda t, x: x * _F(t).binary_cross_entropy(x, t.tensor(TARGET)), "unit01"),
    Op("binary_cross_entropy_with_logits", lambda x: x * losses.binary_cross_entropy_with_logits(x, TARGET), lambda t, x: x * _F(t).binary_cross_entropy_with_logits(x, t.tensor(TARGET))),
    Op("l2_penalty", lambda x: x * losses.l2_penalty([x], 0.3), lambda t, x: x * (0.15 * (x * x).sum())),
    Op("huber_loss", lambda x: x * losses.huber_loss(x, TARGET, delta=0.5), lambda t, x: x * _F(t).huber_loss(x, t.tensor(TARGET), delta=0.5)),
    Op("smooth_l1_loss", lambda x: x * losses.smooth_l1_loss(x, TARGET, beta=0.5), lambda t, x: x * _F(t).smooth_l1_loss(x, t.tensor(TARGET), beta=0.5)),
    Op("kl_div", lambda x: x * losses.kl_div(mg.log_softmax(x), PROBS, reduction="batchmean"), lambda t, x: x * _F(t).kl_div(t.log_softmax(x, 1), t.tensor(PROBS), reduction="batchmean")),
    Op("cosine_similarity", lambda x: x * losses.cosine_similarity(x, x[:, ::-1] + 1).sum(), lambda t, x: x * _F(t).cosine_similarity(x, x.flip(1) + 1).sum()),
]
# fmt: on

# Not in the table, and why: one_hot has integer outputs (no derivative); scatter_add is
# the engine's un-indexing helper (getitem's VJP), drawn through every getitem above.
NOT_DRAWN = {"one_hot": "integer output", "scatter_add": "getitem's VJP, drawn through getitem"}


# -- squashing an input into an op's domain ---------------------------------------------------------------
def squash_mg(u: Any, domain: str) -> Any:
    if domain == "real":
        return 2 * mg.tanh(u / 2)
    if domain == "pos":
        return 0.2 + mg.ops.softplus(u)
    if domain == "unit":
        return 0.9 * mg.tanh(u)
    return 0.05 + 0.9 * mg.sigmoid(u)  # unit01


def squash_torch(torch: Any, u: Any, domain: str) -> Any:
    if domain == "real":
        return 2 * torch.tanh(u / 2)
    if domain == "pos":
        return 0.2 + torch.nn.functional.softplus(u, threshold=1000)
    if domain == "unit":
        return 0.9 * torch.tanh(u)
    return 0.05 + 0.9 * torch.sigmoid(u)


DOMAINS = {"real": (-1.5, 1.5), "pos": (0.3, 2.0), "unit": (-0.85, 0.85), "unit01": (0.1, 0.9)}


def to_next_mg(y: Any) -> Any:
    """Any output as a (2, 3) input for the next op: reshaped, or cut or repeated to 6 elements."""
    if y.size == 6:
        return mg.reshape(y, SHAPE)
    flat = mg.reshape(y, (-1,))
    if flat.size < 6:
        flat = mg.concatenate([flat] * -(-6 // flat.size))
    return mg.reshape(flat[:6], SHAPE)


def to_next_torch(torch: Any, y: Any) -> Any:
    if y.numel() == 6:
        return y.reshape(SHAPE)
    flat = y.reshape(-1)
    if flat.numel() < 6:
        flat = torch.cat([flat] * -(-6 // flat.numel()))
    return flat[:6].reshape(SHAPE)
