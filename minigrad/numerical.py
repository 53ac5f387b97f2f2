"""Central finite differences: the reference every autodiff gradient is checked against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor, no_grad

__all__ = ["numerical_grad", "default_step"]


def default_step(x: np.ndarray) -> np.ndarray:
    """Per-element step h = ε^(1/3) · max(1, |x|), with ε the machine epsilon of x's dtype.

    ε^(1/3) balances the truncation error of central differences (∝ h²) against
    rounding (∝ ε/h): about 6e-6 for float64 and 5e-3 for float32, so a float32
    step never vanishes below its machine epsilon.
    """
    eps = np.finfo(x.dtype).eps
    return np.cbrt(eps) * np.maximum(1.0, np.abs(x))


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float | None = None) -> Any:
    """d f / d input by central differences, (f(x + h) - f(x - h)) / 2h, for every floating input.

    ``f`` maps the inputs (passed as constant Tensors) to a one-element Tensor
    or number. Returns one array per input (``None`` for non-floating inputs),
    or a single array when there is one input, in the input's dtype. ``eps``
    fixes the step instead of ``default_step``. The quotient divides by the step
    actually taken after rounding x ± h to the input's dtype; a step that rounds
    away entirely is an error. Costs 2 evaluations of ``f`` per input element.

    Accuracy: about ε·|f|/h from rounding plus h²·|f'''|/6 from truncation, so
    ~1e-10 relative in float64 and ~1e-4 in float32 with the default step.
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x) for x in inputs]

    def evaluate() -> float:
        with no_grad():
            y = f(*[Tensor(a) for a in arrays])
        y = y.data if isinstance(y, Tensor) else np.asarray(y)
        if y.size != 1:
            raise ValueError(f"numerical_grad: f must return one element, got shape {y.shape}")
        return float(y.reshape(()))

    grads: list[Any] = []
    for a in arrays:
        if a.dtype.kind != "f":
            grads.append(None)
            continue
        h = default_step(a) if eps is None else np.full(a.shape, eps, dtype=np.float64)
        g = np.zeros(a.shape, dtype=np.float64)
        flat, hflat, gflat = a.reshape(-1), h.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            x0 = flat[j]
            flat[j] = x0 + hflat[j]
            up, hi = evaluate(), flat[j]
            flat[j] = x0 - hflat[j]
            down, lo = evaluate(), flat[j]
            flat[j] = x0
            if hi == lo:
                raise ValueError(
                    f"numerical_grad: the step {hflat[j]:g} vanishes at x = {x0} in {a.dtype} "
                    "(x + h and x - h round to the same number); use a larger eps"
                )
            gflat[j] = (up - down) / (float(hi) - float(lo))  # the step actually taken, after rounding
        grads.append(g.astype(a.dtype))
    return grads[0] if len(grads) == 1 else grads
