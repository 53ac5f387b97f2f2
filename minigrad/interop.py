"""When a user outgrows minigrad: the same model in PyTorch, and PyTorch weights in minigrad.

    net_t = to_torch(net)            # a torch.nn.Module computing the same function, same weights
    from_torch(net_t, net)           # copy (trained) PyTorch weights back into the minigrad model
    net2 = from_torch(net_t)         # or build the matching minigrad model from a torch module

torch is optional: it is imported when one of these functions is called, and a
missing torch raises ``ImportError`` saying how to install it.

Layouts. minigrad's ``Linear`` keeps W as (in_features, out_features) (the
tutorials' z = x W + b); PyTorch's ``nn.Linear`` keeps weight as (out, in):
the conversion transposes. Every other layer has PyTorch's layout and names
already (Conv OIHW ``weight``, ``bias``; BatchNorm ``running_mean``,
``running_var``, ``num_batches_tracked``). Tensors keep their dtype (float64
stays float64). ``MLP`` becomes a ``torch.nn.Sequential`` of Linear and
activation layers; converting back gives a minigrad ``Sequential``.
The training/eval mode is carried over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from . import nn
from .tensor import Tensor

__all__ = ["to_torch", "from_torch"]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "minigrad.interop needs PyTorch: pip install torch "
            "(the CPU build: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        ) from None
    return torch


def _param(torch: Any, a: np.ndarray) -> Any:
    return torch.nn.Parameter(torch.from_numpy(np.array(a, copy=True)))


def _set(torch: Any, layer: Any, name: str, value: Tensor | None) -> None:
    """Replace ``layer.name`` by a copy of ``value`` (a Parameter, or a buffer if frozen), keeping its dtype."""
    if value is None:
        setattr(layer, name, None)
    elif value.requires_grad:
        setattr(layer, name, _param(torch, value.data))
    else:
        setattr(layer, name, torch.from_numpy(np.array(value.data, copy=True)))


def _pad(p: Any) -> Any:
    return p if isinstance(p, str) else tuple(p)


def _activation_to_torch(torch: Any, m: nn.Module) -> Any:
    tnn = torch.nn
    table = {
        nn.Identity: lambda: tnn.Identity(),
        nn.Tanh: lambda: tnn.Tanh(),
        nn.Sigmoid: lambda: tnn.Sigmoid(),
        nn.ReLU: lambda: tnn.ReLU(),
        nn.SiLU: lambda: tnn.SiLU(),
        nn.LogSigmoid: lambda: tnn.LogSigmoid(),
        nn.GELU: lambda: tnn.GELU(approximate=cast(nn.GELU, m).approximate),
        nn.LeakyReLU: lambda: tnn.LeakyReLU(cast(nn.LeakyReLU, m).negative_slope),
        nn.ELU: lambda: tnn.ELU(cast(nn.ELU, m).alpha),
        nn.Softplus: lambda: tnn.Softplus(cast(nn.Softplus, m).beta, cast(nn.Softplus, m).threshold),
        nn.LogSoftmax: lambda: tnn.LogSoftmax(dim=cast(nn.LogSoftmax, m).axis),
        nn.Softmax: lambda: tnn.Softmax(dim=cast(nn.Softmax, m).axis),
    }  # each rule runs only for its own type of m (hence the casts)
    make = table.get(type(m))
    return None if make is None else make()


def _to_torch(torch: Any, m: Any) -> Any:
    tnn = torch.nn
    act = _activation_to_torch(torch, m) if isinstance(m, nn.Module) else None
    if act is not None:
        return act
    if isinstance(m, nn.Sequential):
        return tnn.Sequential(*(_to_torch(torch, layer) for layer in m.layers))
    if isinstance(m, nn.MLP):
        layers: list[Any] = []
        for i, lin in enumerate(m.layers):
            layers.append(_to_torch(torch, lin))
            layers.append(_to_torch(torch, m.activation if i < len(m.layers) - 1 else m.output))
        return tnn.Sequential(*layers)
    if isinstance(m, nn.Linear):
        t = tnn.Linear(m.in_features, m.out_features, bias=m.b is not None)
        t.weight = _param(torch, m.W.data.T)
        if m.b is not None:
            t.bias = _param(torch, m.b.data.reshape(-1))
        return t
    if isinstance(m, (nn.Conv1d, nn.Conv2d)):
        cls = tnn.Conv2d if isinstance(m, nn.Conv2d) else tnn.Conv1d
        t = cls(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            m.stride,
            _pad(m.padding),
            m.dilation,
            m.groups,
            m.bias is not None,
        )
        _set(torch, t, "weight", m.weight)
        _set(torch, t, "bias", m.bias)
        return t
    if isinstance(m, nn.MaxPool2d):
        return tnn.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode)
    if isinstance(m, nn.AvgPool2d):
        return tnn.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad, m.divisor_override)
    if isinstance(m, nn.Flatten):
        return tnn.Flatten(m.start_dim, m.end_dim)
    if isinstance(m, nn.Dropout):
        return tnn.Dropout(m.p)
    if isinstance(m, nn.Embedding):
        t = tnn.Embedding(m.num_embeddings, m.embedding_dim, padding_idx=m.padding_idx)
        _set(torch, t, "weight", m.weight)
        return t
    if isinstance(m, nn.LayerNorm):
        t = tnn.LayerNorm(m.normalized_shape, m.eps, elementwise_affine=m.weight is not None, bias=m.bias is not None)
        _set(torch, t, "weight", m.weight)
        _set(torch, t, "bias", m.bias)
        return t
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        cls = tnn.BatchNorm2d if isinstance(m, nn.BatchNorm2d) else tnn.BatchNorm1d
        t = cls(m.num_features, m.eps, m.momentum, m.weight is not None, m.track_running_stats)
        for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
            if getattr(m, name) is not None:
                _set(torch, t, name, getattr(m, name))
        return t
    raise TypeError(f"to_torch: no PyTorch equivalent known for {type(m).__name__}")


def to_torch(module: nn.Module) -> Any:
    """A ``torch.nn.Module`` computing the same function as ``module``, with copies of its weights.

    Supported: Linear, Sequential, MLP, Conv1d, Conv2d, MaxPool2d, AvgPool2d, Flatten,
    Dropout, Embedding, LayerNorm, BatchNorm1d/2d (with running statistics), Identity and
    every activation module. ``TypeError`` names any other module (or a plain function in
    a Sequential). Parameters keep their dtype; the training/eval mode is copied.
    """
    torch = _torch()
    out = _to_torch(torch, module)
    modes = [m.training for _, m in module.named_modules()]
    out.train(modes[0] if modes else True)
    return out


# -- from PyTorch ------------------------------------------------------------------


def _own_state(m: nn.Module) -> dict[str, Tensor]:
    """The tensors a minigrad module holds directly (not through submodules), by attribute name."""
    return {k: v for k, v in vars(m).items() if isinstance(v, Tensor)}


def _stateful(model: nn.Module) -> list[nn.Module]:
    return [m for _, m in model.named_modules() if _own_state(m)]


def _torch_groups(torch: Any, source: Any) -> list[tuple[str, dict[str, np.ndarray]]]:
    """[(module prefix, {local name: array})] in PyTorch's order, from a module or a state_dict."""
    state = source.state_dict() if isinstance(source, torch.nn.Module) else source
    if not isinstance(state, Mapping):
        raise TypeError(f"from_torch: expected a torch.nn.Module or a state_dict, got {type(source).__name__}")
    groups: dict[str, dict[str, np.ndarray]] = {}
    for key, value in state.items():
        prefix, _, local = key.rpartition(".")
        arr = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        groups.setdefault(prefix, {})[local] = arr
    return list(groups.items())


def _load_into(model: nn.Module, groups: list[tuple[str, dict[str, np.ndarray]]]) -> None:
    targets = _stateful(model)
    if len(targets) != len(groups):
        raise ValueError(
            f"from_torch: the PyTorch state has {len(groups)} layers with weights "
            f"({', '.join(p or '<root>' for p, _ in groups)}), the minigrad model {len(targets)}"
        )
    plan = []
    for m, (prefix, arrays) in zip(targets, groups):
        own = _own_state(m)
        if isinstance(m, nn.Linear):
            arrays = {"W": arrays["weight"].T, **({"b": arrays["bias"]} if "bias" in arrays else {})}
        if set(arrays) != set(own):
            raise ValueError(
                f"from_torch: PyTorch layer {prefix!r} holds {sorted(arrays)}, "
                f"the matching minigrad {type(m).__name__} holds {sorted(own)}"
            )
        for name, a in arrays.items():
            t = own[name]
            if a.shape != t.shape:
                raise ValueError(
                    f"from_torch: {prefix}.{name} has shape {a.shape}, minigrad {type(m).__name__}.{name} has {t.shape}"
                )
            plan.append((t, a))
    for t, a in plan:
        np.copyto(t.data, a, casting="unsafe")


def _from_torch_module(torch: Any, t: Any) -> Any:
    tnn = torch.nn
    simple = {
        tnn.Identity: lambda: nn.Identity(),
        tnn.Tanh: lambda: nn.Tanh(),
        tnn.Sigmoid: lambda: nn.Sigmoid(),
        tnn.ReLU: lambda: nn.ReLU(),
        tnn.SiLU: lambda: nn.SiLU(),
        tnn.LogSigmoid: lambda: nn.LogSigmoid(),
        tnn.GELU: lambda: nn.GELU(t.approximate),
        tnn.LeakyReLU: lambda: nn.LeakyReLU(t.negative_slope),
        tnn.ELU: lambda: nn.ELU(t.alpha),
        tnn.Softplus: lambda: nn.Softplus(t.beta, t.threshold),
        tnn.Softmax: lambda: nn.Softmax(t.dim),
        tnn.LogSoftmax: lambda: nn.LogSoftmax(t.dim),
        tnn.Flatten: lambda: nn.Flatten(t.start_dim, t.end_dim),
        tnn.Dropout: lambda: nn.Dropout(t.p),
        tnn.MaxPool2d: lambda: nn.MaxPool2d(
            t.kernel_size, t.stride, t.padding, t.dilation, t.return_indices, t.ceil_mode
        ),
        tnn.AvgPool2d: lambda: nn.AvgPool2d(
            t.kernel_size, t.stride, t.padding, t.ceil_mode, t.count_include_pad, t.divisor_override
        ),
    }
    if type(t) in simple:
        return simple[type(t)]()
    dtype = next((p.detach().numpy().dtype for p in t.parameters()), np.float64)
    m: nn.Module
    if isinstance(t, tnn.Sequential):
        return nn.Sequential(*(_from_torch_module(torch, c) for c in t))
    if isinstance(t, tnn.Linear):
        m = nn.Linear(t.in_features, t.out_features, bias=t.bias is not None, dtype=dtype)
    elif isinstance(t, (tnn.Conv1d, tnn.Conv2d)):
        cls = nn.Conv2d if isinstance(t, tnn.Conv2d) else nn.Conv1d
        if t.padding_mode != "zeros":
            raise TypeError(f"from_torch: padding_mode={t.padding_mode!r} is not supported (zeros only)")
        args = (t.in_channels, t.out_channels, t.kernel_size, t.stride, t.padding, t.dilation, t.groups)
        m = cls(*args, bias=t.bias is not None, dtype=dtype)
    elif isinstance(t, tnn.Embedding):
        m = nn.Embedding(t.num_embeddings, t.embedding_dim, t.padding_idx, dtype=dtype)
    elif isinstance(t, tnn.LayerNorm):
        m = nn.LayerNorm(t.normalized_shape, t.eps, t.elementwise_affine, t.bias is not None, dtype=dtype)
    elif isinstance(t, (tnn.BatchNorm1d, tnn.BatchNorm2d)):
        norm_cls = nn.BatchNorm2d if isinstance(t, tnn.BatchNorm2d) else nn.BatchNorm1d
        dtype = t.running_mean.numpy().dtype if t.running_mean is not None else dtype
        m = norm_cls(t.num_features, t.eps, t.momentum, t.affine, t.track_running_stats, dtype=dtype)
    else:
        raise TypeError(f"from_torch: no minigrad equivalent known for {type(t).__name__}")
    _load_into(m, _torch_groups(torch, t))
    return m


def from_torch(source: Any, model: nn.Module | None = None) -> nn.Module:
    """PyTorch weights in minigrad.

    ``from_torch(torch_module)``: a new minigrad module with the same structure and weights
    (the types ``to_torch`` supports; ``Sequential`` for a ``torch.nn.Sequential``).
    ``from_torch(module_or_state_dict, model)``: copies the weights into the existing
    minigrad ``model`` in place (optimizers keep working) and returns it. Layers are paired
    in order (the PyTorch layers with weights against the minigrad ones), so an ``MLP``
    loads from the ``Sequential`` that ``to_torch`` made of it; Linear weights are
    transposed from (out, in). ``ValueError`` names any layer whose names or shapes do not
    match, and then nothing is changed.
    """
    torch = _torch()
    if model is None:
        if not isinstance(source, torch.nn.Module):
            raise TypeError(
                "from_torch: to load a state_dict, pass the minigrad model to load it into: from_torch(sd, model)"
            )
        out = _from_torch_module(torch, source)
        out.train(source.training)
        return out
    _load_into(model, _torch_groups(torch, source))
    return model
