"""gradcheck: autodiff against central differences, with a report that says where they differ.

    report = mg.gradcheck(f, W, b)    # raises mg.GradcheckError on a mismatch
    print(report)                    # per input: max abs/rel error, norm(a - n) / norm(a + n)

What is compared. ``f`` returns a Tensor of any shape. A non-scalar output is
reduced to L = Σ w ∘ f(x) with random weights w = ±[0.5, 1.5] (seeded by
``seed``): every output element counts, with a random sign, so no error in one
element can be hidden by a fixed weighting. For every checked input the
autodiff gradient a = ∂L/∂x is compared with n = ``numerical_grad(L)``,
element by element: |a - n| ≤ atol + rtol·|n| (NumPy's ``allclose`` rule).
``order=2`` also checks the gradient of H(x) = Σ_i ⟨v_i, ∂L/∂x_i⟩ (a
Hessian-vector product, random v_i ±[0.5, 1.5]) against central differences
of H; ``order=k`` continues the chain.

Which inputs are checked: Tensors with ``requires_grad=True``, floating NumPy
arrays and floats. Constants: Tensors with ``requires_grad=False`` (wrap an
array in ``mg.Tensor`` to hold it fixed), integers, and anything else; they
reach ``f`` unchanged. Checked inputs reach ``f`` as fresh Tensors, so the
``.grad`` of your tensors is never touched.

Tolerances. Element k passes if |a_k - n_k| ≤ atol + rtol·|n_k| + 4·ε·|L|/h_k,
the last term being the rounding floor of a central difference (ε of the
dtype, h_k the step): negligible in float64 unless |L| ≳ 1e4, it keeps a float32
loss summed over hundreds of samples from failing for rounding alone. Defaults
by the least precise dtype among the checked inputs and the output:

=========  ======  ======  ====================================================
dtype      rtol    atol    what it can see
=========  ======  ======  ====================================================
float64    1e-5    1e-6    central differences are good to ~1e-9 on well-scaled
                           inputs: any error above ~1e-5 relative fails
float32    1e-3    1e-4    rounding is ~1e-5 relative to |L|: errors above ~0.1%
                           fail, smaller ones pass unseen (hence a warning)
=========  ======  ======  ====================================================

Steps and domain edges. The step for element k starts at ε^(1/3)·max(1, |x_k|);
near 0 it is also tried relative to |x_k|, and where f(x ± h) is not finite it
shrinks (``minigrad.numerical``), so ``gradcheck(mg.log, [1e-7, 0.5])`` passes.
An element where no central difference exists (sqrt at exactly 0: f(x - h) is
nan for every h) fails the check with that reason in words, naming the element.

A function whose output does not depend on any checked input (a constant, or
one that computes from ``.data`` or NumPy arrays) raises ValueError: there is no
gradient to check, and "passed" would be a lie. So does a function that is not
deterministic (two calls at the same input give different outputs: dropout in
training mode, a random draw inside f): finite differences of it measure the
noise, not a slope, and would be misread as a kink.

Kinks. Where f is not differentiable (relu or abs at 0, max at a tie), or
within one step h of such a point (a kink at 0 is avoided by the relative
step; one elsewhere is not), the central difference averages two
one-sided slopes while autodiff returns one of them. gradcheck does not hide
this: the check fails and the message says that the one-sided slopes jump
(and which of them autodiff matches). At exactly 0, abs passes (both give 0)
and relu fails (autodiff 0, central difference ½). Keep inputs away from
kinks, e.g. with ``minigrad.testing``'s "separated" domain.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import _toposort
from .forward import ForwardModeError
from .functional import grad, jvp
from .numerical import central_differences
from .tensor import Tensor, no_grad

__all__ = ["gradcheck", "GradcheckError", "GradcheckWarning", "GradcheckReport", "InputCheck", "TOLERANCES"]

# Default (rtol, atol) per dtype; see the module docstring.
TOLERANCES = {np.dtype(np.float64): (1e-5, 1e-6), np.dtype(np.float32): (1e-3, 1e-4)}
_ORDINALS = {1: "first derivative", 2: "second derivative (Hessian-vector product)"}


class GradcheckWarning(UserWarning):
    """gradcheck was asked to work in a precision where it can only see large errors."""


@dataclass(eq=False)
class InputCheck:
    """One checked input at one derivative order: autodiff ``a`` against finite differences ``n``."""

    label: str  # how the message names the input: its Tensor name or "input i"
    position: int  # index among f's arguments
    order: int
    autodiff: np.ndarray = field(repr=False)
    numerical: np.ndarray = field(repr=False)
    rtol: float
    atol: float
    floor: Any = field(
        default=0.0, repr=False
    )  # rounding floor of the central difference, per element (see _rounding_floor)
    note: str = ""  # a diagnosis of the worst element (a kink), when there is one
    unchecked: dict = field(default_factory=dict, repr=False)  # element -> why no central difference exists

    @property
    def error(self) -> np.ndarray:
        """|a - n| per element (0 at elements that could not be checked: see ``unchecked``)."""
        error = np.abs(self.autodiff.astype(np.float64) - self.numerical.astype(np.float64))
        for index in self.unchecked:
            error[index] = 0.0
        return error

    @property
    def allowed(self) -> np.ndarray:
        """atol + rtol·|n| + the rounding floor 4·ε·|L|/h."""
        return self.atol + self.rtol * np.abs(self.numerical.astype(np.float64)) + self.floor

    @property
    def max_abs_error(self) -> float:
        """max |a - n|."""
        return float(np.max(self.error, initial=0.0))

    @property
    def max_rel_error(self) -> float:
        """max |a - n| / max(|a|, |n|), 0 where both are 0."""
        scale = np.maximum(np.abs(self.autodiff), np.abs(self.numerical)).astype(np.float64)
        rel = np.divide(self.error, scale, out=np.zeros_like(scale), where=scale > 0)
        return float(np.max(rel, initial=0.0))

    @property
    def ratio(self) -> float:
        """The tutorials' ‖a - n‖ / ‖a + n‖ (0 when both are 0)."""
        return _ratio(*self.compared)

    @property
    def compared(self) -> tuple[np.ndarray, np.ndarray]:
        """(autodiff, finite differences) with 0 in both at elements that could not be checked."""
        a, n = self.autodiff.copy(), self.numerical.copy()
        for index in self.unchecked:
            a[index] = n[index] = 0
        return a, n

    @property
    def worst(self) -> tuple[int, ...]:
        """Index of the checked element furthest outside its tolerance (or closest to it)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            excess = np.nan_to_num(self.error / self.allowed, nan=np.inf)
        for index in self.unchecked:
            excess[index] = -1.0
        return tuple(int(i) for i in np.unravel_index(np.argmax(excess), self.error.shape)) if excess.size else ()

    @property
    def passed(self) -> bool:
        """Every element checked and within tolerance (an element that could not be checked fails)."""
        return not self.unchecked and bool(np.all(self.error <= self.allowed))  # NaN compares False: a NaN fails

    def describe(self) -> str:
        """What went wrong, in words: which element, expected vs actual, or why it could not be checked."""
        lines = [
            f"{self.label} (argument {self.position}, shape {self.autodiff.shape}, {self.autodiff.dtype}), "
            f"{_ORDINALS.get(self.order, f'derivative of order {self.order}')}:"
        ]
        for index, reason in self.unchecked.items():
            element = list(index) if index else "(the only one)"
            lines.append(
                f"  element {element} cannot be checked by finite differences (autodiff gives "
                f"{self.autodiff[index]:.10g}): {reason}"
            )
        idx = self.worst
        checked = self.error.size > len(self.unchecked)
        if checked and not bool(self.error[idx] <= self.allowed[idx]):
            a, n = self.autodiff[idx], self.numerical[idx]
            element = list(idx) if idx else "(the only one)"
            lines.append(
                f"  worst element {element}: autodiff gives {a:.10g}, finite differences give {n:.10g} "
                f"(|difference| {self.error[idx]:.3g} > allowed {self.allowed[idx]:.3g})"
            )
        if checked:
            lines.append(
                f"  max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}, "
                f"norm(a-n)/norm(a+n) {self.ratio:.3g}"
                + (" (over the elements that could be checked)" if self.unchecked else "")
            )
        if self.note:
            lines.append("  " + self.note)
        return "\n".join(lines)


@dataclass(eq=False, repr=False)
class GradcheckReport:
    """Everything ``gradcheck`` compared: one ``InputCheck`` per checked input and order.

    ``forward`` holds the forward-mode rows (one per order: ``jvp`` against
    reverse mode); they count for ``passed`` and the printed table, not for ``ratio``.
    """

    checks: list[InputCheck]
    rtol: float
    atol: float
    dtype: np.dtype
    function: str = "f"
    forward: list[InputCheck] = field(default_factory=list)
    failures: list[InputCheck] = field(init=False)

    def __post_init__(self) -> None:
        self.failures = [c for c in self.checks + self.forward if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def ratio(self) -> float:
        """‖a - n‖ / ‖a + n‖ over all first derivatives together (the tutorials' single number)."""
        first = [c for c in self.checks if c.order == 1]
        a = np.concatenate([c.compared[0].ravel() for c in first])
        n = np.concatenate([c.compared[1].ravel() for c in first])
        return _ratio(a, n)

    def __repr__(self) -> str:
        n = len(self.checks) + len(self.forward)
        verdict = f"{n} checks passed" if self.passed else f"{len(self.failures)} of {n} checks FAILED"
        return f"<GradcheckReport of {self.function}: {verdict}, ratio {self.ratio:.3g}>"

    def __getitem__(self, label: str | int) -> InputCheck:
        """The first-order check of an input, by label or argument position."""
        for c in self.checks:
            if c.order == 1 and (c.label == label or c.position == label):
                return c
        raise KeyError(label)

    def __str__(self) -> str:
        total = len(self.checks) + len(self.forward)
        verdict = "passed" if self.passed else f"FAILED ({len(self.failures)} of {total} checks)"
        lines = [
            f"gradcheck of {self.function}: {verdict}; rtol={self.rtol:g}, atol={self.atol:g}, {self.dtype}",
            f"  {'input':<16} {'shape':<12} {'order':>5} {'max abs err':>12} {'max rel err':>12} "
            f"{'norm(a-n)/norm(a+n)':>20}",
        ]
        for c in self.checks + self.forward:
            lines.append(
                f"  {c.label:<16} {str(c.autodiff.shape):<12} {c.order:>5} {c.max_abs_error:>12.3g} "
                f"{c.max_rel_error:>12.3g} {c.ratio:>20.3g}{'' if c.passed else '  FAIL'}"
            )
        return "\n".join(lines + [c.describe() for c in self.failures])


class GradcheckError(AssertionError):
    """Autodiff and finite differences disagree; ``.report`` holds the full comparison."""

    def __init__(self, report: GradcheckReport):
        super().__init__(str(report))
        self.report = report


def _ratio(a: np.ndarray, n: np.ndarray) -> float:
    a, n = a.astype(np.float64), n.astype(np.float64)
    num, den = np.linalg.norm(a - n), np.linalg.norm(a + n)
    if den == 0:
        return 0.0 if num == 0 else float("inf")
    return float(num / den)


def _is_checked(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.requires_grad
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, (float, np.floating))


def _signed_weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random ±[0.5, 1.5]: every element weighted, none nearly zero, signs random."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.5, size=shape)


def _as_output(y: Any) -> Tensor:
    if isinstance(y, Tensor):
        return y
    if isinstance(y, (tuple, list, dict)):
        raise TypeError(f"gradcheck: f must return one Tensor (any shape), got a {type(y).__name__}")
    array = np.asarray(y)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"gradcheck: f must return a numeric Tensor, got a {type(y).__name__}")
    return Tensor(array)


def _depends(y: Tensor, leaves: list[Tensor]) -> bool:
    """True if some leaf reaches ``y`` through recorded (differentiable) ops."""
    if not y.requires_grad:
        return False
    ids = {id(t) for t in leaves}
    return any(id(node) in ids for node in _toposort(y))


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    order: int = 1,
    seed: int = 0,
    raise_exception: bool = True,
    forward: bool = True,
) -> GradcheckReport:
    """Check autodiff gradients of ``f`` against central differences, for every checked input.

    ``f`` returns a Tensor of any shape; a non-scalar one is reduced to
    L = Σ w ∘ f with seeded random weights ±[0.5, 1.5] (``seed``). Checked inputs:
    Tensors with ``requires_grad=True``, floating arrays, floats; everything else
    (a Tensor with ``requires_grad=False``, integers, ...) is a constant passed
    through unchanged. ``.grad`` of your tensors is left alone.

    Element k passes if |a_k - n_k| ≤ atol + rtol·|n_k| + 4·ε·|L|/h_k (the last
    term: the rounding floor of central differences, with h the step used). Defaults:
    float64 rtol 1e-5, atol 1e-6; float32 rtol 1e-3, atol 1e-4, with a
    ``GradcheckWarning`` (errors below ~0.1% are invisible in float32). The step
    starts at ε^(1/3)·max(1, |x|) and adapts per element near 0 and at domain
    edges (``minigrad.numerical``); ``eps`` fixes it. ``order=2`` also checks a
    Hessian-vector product, and so on. At a kink (relu or abs at 0) the check
    fails and the message says the one-sided slopes jump; an element where no
    central difference can be taken (x at the edge of f's domain) fails with
    the reason in words. Raises ValueError if f's output does not depend on any
    checked input (a constant function has no gradient to check), or if f is not
    deterministic: it is called twice at the inputs, and different outputs (dropout in
    training mode, a random draw) are refused before any finite difference is taken.

    ``forward=True`` (the default) also checks forward mode at every order: the
    JVP ⟨w, J v⟩ along random directions v (``mg.jvp``, each op's JVP rule) must
    equal the same number from reverse mode, Σ_i ⟨∂L/∂x_i, v_i⟩ (the
    transposition identity), within the same tolerances; a row labelled
    "forward mode" in the report. An op without a JVP rule (a custom op given
    none) skips that row with a ``GradcheckWarning`` naming it.

    Returns a ``GradcheckReport``; if any check fails, raises ``GradcheckError``
    (an ``AssertionError`` carrying the report) unless ``raise_exception=False``.
    """
    if order < 1:
        raise ValueError(f"gradcheck: order must be at least 1, got {order}")
    positions = [i for i, x in enumerate(inputs) if _is_checked(x)]
    if not positions:
        raise ValueError(
            "gradcheck: nothing to check; pass floating arrays or Tensors with requires_grad=True "
            "(Tensors with requires_grad=False are constants)"
        )
    arrays = [np.array(inputs[i].data if isinstance(inputs[i], Tensor) else inputs[i]) for i in positions]
    labels = [_label(inputs[i], i) for i in positions]

    def call(xs: Sequence[Tensor]) -> Tensor:
        args = list(inputs)
        for p, x in zip(positions, xs):
            args[p] = x
        return _as_output(f(*args))

    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    y = call(leaves)
    if not _depends(y, leaves):
        raise ValueError(
            f"gradcheck: the output of {function_name(f)} does not depend on any checked input "
            f"({', '.join(labels)}), so there is no gradient to check; f returns a constant, or computes "
            "from .data, NumPy arrays or detach() instead of its input Tensors"
        )
    _require_deterministic(y, call([Tensor(a, requires_grad=True) for a in arrays]), function_name(f))
    dtype = _least_precise([a.dtype for a in arrays] + ([y.dtype] if y.dtype.kind == "f" else []))
    rtol, atol = _tolerances(dtype, rtol, atol, labels, arrays, y)

    rng = np.random.default_rng(seed)
    w = None if y.size == 1 else _signed_weights(rng, y.shape)

    def loss(*xs: Tensor) -> Tensor:
        out = call(xs)
        return out.sum() if w is None else (out * w).sum()

    levels = [loss]
    for _ in range(1, order):
        levels.append(_directional(levels[-1], [_signed_weights(rng, a.shape) for a in arrays]))

    saved = [(t, t.grad) for t in inputs if isinstance(t, Tensor)]
    try:
        checks, forward_checks = [], []
        for k, level in enumerate(levels, start=1):
            auto = grad(level, tuple(range(len(arrays))))(*arrays)
            found = central_differences(level, *arrays, eps=eps)
            floors = _rounding_floor(level, arrays, found.steps)
            for i, (a, n) in enumerate(zip(auto, found.grads)):
                if a.shape != n.shape:
                    raise AssertionError(f"gradcheck: the gradient of {labels[i]} has shape {a.shape}, not {n.shape}")
                check = InputCheck(labels[i], positions[i], k, np.asarray(a.data), n, rtol, atol, floors[i])
                check.unchecked = found.problems[i]
                if not check.passed and not check.unchecked:
                    check.note = _kink_note(level, arrays, i, check, found.steps[i])
                checks.append(check)
            if forward:
                forward_check = _forward_check(level, arrays, auto, rng, k, rtol, atol, function_name(f))
                if forward_check is not None:
                    forward_checks.append(forward_check)
    finally:
        for t, g in saved:
            t.grad = g
    report = GradcheckReport(checks, rtol, atol, dtype, function_name(f), forward_checks)
    if raise_exception and not report.passed:
        raise GradcheckError(report)
    return report


def _require_deterministic(first: Tensor, second: Tensor, name: str) -> None:
    """Raise ValueError unless two calls of f at the same input gave the same output (nan equal to nan)."""
    a, b = np.asarray(first.data), np.asarray(second.data)
    if a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
        return
    if a.shape != b.shape:
        seen = f"outputs of shapes {a.shape} and {b.shape}"
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.nanmax(np.abs(a.astype(np.float64) - b.astype(np.float64)), initial=0.0)
        seen = f"different outputs (max |difference| {gap:.3g})"
    raise ValueError(
        f"gradcheck: {name} is not deterministic: two calls at the same input gave {seen}, so finite "
        "differences would measure its randomness, not its slope. The likely cause is dropout (or another "
        "random layer) in training mode: call model.eval(), or pass training=False; or a random draw inside f"
    )


def function_name(f: Any) -> str:
    """A name for ``f`` in messages: its ``__name__``, a custom op's ``name``, or "f"."""
    return getattr(f, "__name__", None) or getattr(f, "name", None) or "f"


def _label(x: Any, position: int) -> str:
    name = x.name if isinstance(x, Tensor) else None
    return name if name else f"input {position}"


def _least_precise(dtypes: list[np.dtype]) -> np.dtype:
    return max(dtypes, key=lambda d: np.finfo(d).eps)


def _tolerances(
    dtype: np.dtype, rtol: float | None, atol: float | None, labels: list[str], arrays: list[np.ndarray], y: Tensor
) -> tuple[float, float]:
    """The tolerances to use, warning when the dtype limits what can be seen."""
    if np.finfo(dtype).eps > np.finfo(np.float64).eps:
        culprits = [lab for lab, a in zip(labels, arrays) if a.dtype == dtype] or ["the output of f"]
        warnings.warn(
            GradcheckWarning(
                f"gradcheck in {dtype} ({', '.join(culprits)}): finite differences in {dtype} resolve "
                "gradients only to about 1e-4 relative, so errors below about 0.1% pass unseen; "
                "check in float64 to see errors down to 1e-5"
            ),
            stacklevel=3,
        )
    if np.finfo(dtype).eps < np.finfo(np.float64).eps:
        dtype = np.dtype(np.float64)  # long double: float64's tolerances are safe
    default = TOLERANCES.get(np.dtype(dtype))
    if default is None:
        if rtol is None or atol is None:
            raise ValueError(f"gradcheck: no default tolerances for {dtype}; pass rtol and atol")
        return rtol, atol
    return (default[0] if rtol is None else rtol), (default[1] if atol is None else atol)


def _rounding_floor(level: Callable[..., Tensor], arrays: list[np.ndarray], steps: list[Any]) -> list[np.ndarray]:
    """4·ε·|L(x)|/h per element: central differences cannot resolve less than the rounding of L.

    Negligible in float64 unless |L| ≳ 1e4; in float32 it keeps a summed loss
    of a few hundred terms from failing for rounding alone.
    """
    with no_grad():
        value = level(*[Tensor(a) for a in arrays])
    magnitude = abs(float(np.asarray(value.data).reshape(())))
    eps_out = np.finfo(value.dtype).eps if value.dtype.kind == "f" else 0.0
    floors = []
    for a, h in zip(arrays, steps):
        floors.append(4 * max(eps_out, np.finfo(a.dtype).eps) * magnitude / h)
    return floors


def _forward_check(
    level: Callable[..., Tensor],
    arrays: list[np.ndarray],
    reverse: Sequence[Any],
    rng: np.random.Generator,
    order: int,
    rtol: float,
    atol: float,
    name: str,
) -> InputCheck | None:
    """Forward mode against reverse mode: J v by ``jvp`` equals Σ_i ⟨∂level/∂x_i, v_i⟩ (None if no JVP rule)."""
    vs = [_signed_weights(rng, a.shape) for a in arrays]
    try:
        _, tangent = jvp(level, tuple(arrays), tuple(vs))
    except ForwardModeError as e:
        warnings.warn(f"gradcheck of {name}: forward mode not checked: {e}", GradcheckWarning, stacklevel=3)
        return None
    by_reverse = sum(float(np.sum(np.asarray(g.data) * v)) for g, v in zip(reverse, vs))
    by_forward = float(np.asarray(tangent.data).sum())
    if not (np.isfinite(by_forward) and np.isfinite(by_reverse)) and by_forward == by_reverse:
        return None  # the same infinity both ways: the modes agree, and there is no finite number to compare
    return InputCheck(
        "forward mode",
        -1,
        order,
        np.asarray(tangent.data, dtype=np.float64).reshape(1),
        np.array([by_reverse]),
        rtol,
        atol,
    )


def _directional(level: Callable[..., Tensor], vs: list[np.ndarray]) -> Callable[..., Tensor]:
    """H(x) = Σ_i ⟨v_i, ∂level/∂x_i⟩: its gradient is the next derivative, applied to v."""
    argnums = tuple(range(len(vs)))

    def directional(*xs: Tensor) -> Tensor:
        grads = grad(level, argnums)(*xs)
        total = (grads[0] * vs[0]).sum()
        for g, v in zip(grads[1:], vs[1:]):
            total = total + (g * v).sum()
        return total

    return directional


def _kink_note(
    level: Callable[..., Tensor], arrays: list[np.ndarray], i: int, check: InputCheck, steps: np.ndarray
) -> str:
    """Say so if ``level`` has a kink within one step of the worst element (one-sided slopes jump)."""
    idx = check.worst
    x0 = arrays[i][idx]
    h = float(steps[idx])

    def value_at(delta: float) -> tuple[float, float]:
        xs = [a.copy() for a in arrays]
        xs[i][idx] = x0 + delta
        with no_grad():
            v = level(*[Tensor(x) for x in xs])
        return float(np.asarray(v.data).reshape(())), float(xs[i][idx]) - float(x0)

    try:
        f0, _ = value_at(0.0)
        jumps = []
        for step in (h, h / 4):
            (up, dh_up), (down, dh_down) = value_at(step), value_at(-step)
            left, right = (f0 - down) / -dh_down, (up - f0) / dh_up
            jumps.append((left, right))
    except (ArithmeticError, ValueError):
        return ""
    (left, right), (left4, right4) = jumps
    allowed = float(check.allowed[idx])
    if not (abs(right - left) > 10 * allowed and abs(right4 - left4) > 0.5 * abs(right - left)):
        return ""
    a = float(check.autodiff[idx])
    side = ""
    for name, slope in (("left", left), ("right", right)):
        if abs(a - slope) <= allowed + check.rtol * abs(slope):
            side = f"; autodiff's {a:.6g} is the {name} slope, a valid one-sided derivative"
    return (
        f"not differentiable here: within h = {h:.2g} of this element the slope jumps from {left:.6g} (left) "
        f"to {right:.6g} (right), and the central difference averages them{side}. Finite differences cannot "
        "check a kink: move the input away from it (e.g. minigrad.testing's 'separated' domain)."
    )
