"""Central finite differences: the reference every autodiff gradient is checked against.

The step for element x starts at h = ε^(1/3)·max(1, |x|) (``default_step``).
Two things can make that step wrong, and both are handled per element:

- It is large next to |x| (|x| < 1000 h): a singularity, a kink or a domain
  edge at 0 may lie within reach (log, 1/x², abs at x = 1e-7). The difference
  is then also taken with h/4; if the two disagree by more than truncation
  and rounding allow, the step reached across something, and the relative
  step ε^(1/3)·|x| is used instead.
- f(x ± h) is not finite (the step left f's domain): the step shrinks
  (relative to |x| first, then by 8 at a time) until both sides are finite.

When no step works (x at the edge of the domain, f not finite at x itself, or
the step rounding away) the element cannot be checked, and the reason is
stated in words naming the element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .tensor import Tensor, no_grad

__all__ = ["numerical_grad", "default_step", "central_differences", "Differences"]

_NEAR = 1e-3  # the step is "large next to |x|" above this fraction of |x|
_SHRINKS = 24  # at most this many divisions by 8 (8^24 ≈ 5e21) when f(x ± h) is not finite


def default_step(x: np.ndarray) -> np.ndarray:
    """Per-element first step h = ε^(1/3) · max(1, |x|), with ε the machine epsilon of x's dtype.

    ε^(1/3) balances the truncation error of central differences (∝ h²) against
    rounding (∝ ε/h): about 6e-6 for float64 and 5e-3 for float32, so a float32
    step never vanishes below its machine epsilon.
    """
    eps = np.finfo(x.dtype).eps
    return np.cbrt(eps) * np.maximum(1.0, np.abs(x))


@dataclass
class Differences:
    """What ``central_differences`` found, per input: derivatives, steps used, elements it could not take."""

    grads: list[Any]  # one float array per floating input (nan where it could not be taken), None otherwise
    steps: list[Any]  # the step used per element (float64), None for non-floating inputs
    problems: list[dict[tuple[int, ...], str]] = field(default_factory=list)  # element index -> reason


def central_differences(f: Callable[..., Any], *inputs: Any, eps: float | None = None) -> Differences:
    """d f / d input by central differences for every floating input, with the step chosen per element.

    ``f`` maps the inputs (passed as constant Tensors) to a one-element Tensor
    or number. See the module docstring for the step rule; ``eps`` fixes the
    first step instead of ``default_step`` (a step that rounds away is then an error).
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x) for x in inputs]

    def evaluate() -> float:
        with no_grad():
            y = f(*[Tensor(a) for a in arrays])
        y = y.data if isinstance(y, Tensor) else np.asarray(y)
        if y.size != 1:
            raise ValueError(f"numerical_grad: f must return one element, got shape {y.shape}")
        return float(y.reshape(()))

    with np.errstate(all="ignore"):
        f0 = evaluate()
        result = Differences([], [], [])
        for a in arrays:
            if a.dtype.kind != "f":
                result.grads.append(None)
                result.steps.append(None)
                result.problems.append({})
                continue
            first = default_step(a) if eps is None else np.full(a.shape, eps, dtype=np.float64)
            g = np.zeros(a.shape, dtype=np.float64)
            used = np.array(first, dtype=np.float64)
            problems: dict[tuple[int, ...], str] = {}
            flat, gflat, hflat = a.reshape(-1), g.reshape(-1), used.reshape(-1)
            for j in range(flat.size):
                try:
                    gflat[j], hflat[j] = _element(evaluate, flat, j, float(first.reshape(-1)[j]), f0, eps is None)
                except _Unchecked as why:
                    index = tuple(int(i) for i in np.unravel_index(j, a.shape)) if a.ndim else ()
                    problems[index] = str(why)
                    gflat[j] = np.nan
            result.grads.append(g.astype(a.dtype))
            result.steps.append(used)
            result.problems.append(problems)
    return result


class _Unchecked(Exception):
    """No central difference can be taken at this element (the message says why)."""


def _element(evaluate: Callable[[], float], flat: np.ndarray, j: int, h0: float, f0: float, adapt: bool):
    """(derivative, step) at element j of ``flat``; raises _Unchecked with the reason if there is none."""
    x0 = flat[j]
    if not np.isfinite(f0):
        raise _Unchecked(f"f is not finite at the input itself (f = {f0}), so no difference can be formed")
    eps = float(np.finfo(flat.dtype).eps)

    seen = [abs(f0)]  # magnitudes of f near x: the rounding error of a difference scales with them

    def quotient(h: float) -> tuple[float | None, str]:
        flat[j] = x0 + h
        up, hi = evaluate(), flat[j]
        flat[j] = x0 - h
        down, lo = evaluate(), flat[j]
        flat[j] = x0
        if hi == lo:
            return None, "vanishes"
        if not (np.isfinite(up) and np.isfinite(down)):
            sides = [name for name, v in (("f(x + h)", up), ("f(x - h)", down)) if not np.isfinite(v)]
            return None, " and ".join(sides)
        seen.extend((abs(up), abs(down)))
        return (up - down) / (float(hi) - float(lo)), ""  # the step actually taken, after rounding

    d0, why0 = quotient(h0)
    if why0 == "vanishes" and not adapt:
        raise ValueError(
            f"numerical_grad: the step {h0:g} vanishes at x = {x0} in {flat.dtype} "
            "(x + h and x - h round to the same number); use a larger eps"
        )
    relative = float(np.cbrt(eps) * abs(x0))
    near = adapt and x0 != 0 and h0 > _NEAR * abs(x0)
    if d0 is not None:
        if not near:
            return d0, h0
        # Is the first step on smooth ground? Then a quarter of it agrees (truncation shrinks 16x,
        # rounding stays tiny at these step sizes). If not, it reached across something at 0.
        dq, _ = quotient(h0 / 4)
        if dq is not None:
            tol = max(1e-6, 1e3 * eps ** (2 / 3)) * max(abs(d0), abs(dq)) + 1e3 * eps * max(seen) / h0
            if abs(d0 - dq) <= tol:
                return d0, h0
        d1, _ = quotient(relative)
        if d1 is not None:
            return d1, relative
    if not adapt:
        raise _Unchecked(
            f"{why0} is not finite with the fixed step h = {h0:.3g}: x = {x0} is within h of the edge of f's domain"
        )
    h, why = (relative if x0 != 0 else h0), why0
    for _ in range(_SHRINKS):
        d, why = quotient(h)
        if d is not None:
            return d, h
        if why == "vanishes":
            break
        h /= 8
    raise _Unchecked(
        f"{why0 if why == 'vanishes' else why} is not finite for every step tried, from h = {h0:.3g} down to "
        f"{h:.3g}: x = {x0} lies at the edge of f's domain (or on a singularity), where a central "
        "difference cannot be taken on both sides"
    )


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float | None = None) -> Any:
    """d f / d input by central differences, (f(x + h) - f(x - h)) / 2h, for every floating input.

    ``f`` maps the inputs (passed as constant Tensors) to a one-element Tensor
    or number. Returns one array per input (``None`` for non-floating inputs),
    or a single array when there is one input, in the input's dtype. The step
    starts at ``default_step`` (or ``eps``) and adapts per element near 0 and
    at domain edges (module docstring). The quotient divides by the step
    actually taken after rounding x ± h to the input's dtype. Raises
    ValueError, naming the element, where no central difference can be taken.
    Costs 2 evaluations of ``f`` per input element (4 or 6 for |x| < 1000 h).

    Accuracy: about ε·|f|/h from rounding plus h²·|f'''|/6 from truncation, so
    ~1e-10 relative in float64 and ~1e-4 in float32 with the default step.
    """
    found = central_differences(f, *inputs, eps=eps)
    for i, problems in enumerate(found.problems):
        if problems:
            index, reason = next(iter(problems.items()))
            more = f" (and {len(problems) - 1} more elements)" if len(problems) > 1 else ""
            raise ValueError(
                f"numerical_grad: cannot take a central difference for input {i}, element {list(index)}{more}: {reason}"
            )
    grads = found.grads
    return grads[0] if len(grads) == 1 else grads
