"""BFGS and L-BFGS: ``scipy.optimize.minimize`` over the flattened parameters, gradients from autodiff.

``result = opt.step(closure)``: ``closure()`` computes the scalar loss Tensor
from the current parameters; the optimizer calls ``backward`` on it (or uses
the gradients if the closure already did), hands scipy the value and the
flattened gradient (``jac=True``), writes the optimum back into the parameters
and returns scipy's ``OptimizeResult``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import as_named_params, check_hyper, check_int
from .flat import FlatParams

__all__ = ["BFGS", "LBFGS"]


class _Stop(Exception):
    """Raised inside scipy's loop to leave it early (non-finite value, or the callback asked)."""

    def __init__(self, message: str, finite: bool):
        super().__init__(message)
        self.message = message
        self.finite = finite


# scipy's numeric options and their valid ranges, checked in the constructor: scipy itself refuses some
# only mid-run, and reports others (maxcor=0, ftol<0) as a result with fun=0.0 and an "ERROR:" message.
_INTEGER_OPTIONS = {"maxiter": 0, "maxcor": 1, "maxfun": 1, "maxls": 1}
_REAL_OPTIONS = {  # name: (lo, hi, open interval)
    "gtol": (0.0, math.inf, False),
    "ftol": (0.0, math.inf, False),
    "xrtol": (0.0, math.inf, False),
    "eps": (0.0, math.inf, True),
    "c1": (0.0, 1.0, True),
    "c2": (0.0, 1.0, True),
}


def _check_options(caller: str, options: Any) -> dict[str, Any]:
    """A copy of scipy's ``options`` with each known numeric option checked.

    Raises ``TypeError`` if ``options`` is not a dict, ``ValueError`` naming the option for a value
    out of its range, c1 >= c2 (BFGS's Wolfe constants) or a ``norm`` of 0 or nan. Unknown names are
    left to scipy, which warns about them.
    """
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise TypeError(f"{caller}: options must be a dict of scipy options or None, got {type(options).__name__}")
    out = dict(options)
    for key, least in _INTEGER_OPTIONS.items():
        if key in out:
            out[key] = check_int(caller, f"options[{key!r}]", out[key], least)
    for key, (lo, hi, open_) in _REAL_OPTIONS.items():
        if key in out:
            out[key] = check_hyper(caller, f"options[{key!r}]", out[key], lo, hi, open_lo=open_, open_hi=open_)
    if out.get("c1", 1e-4) >= out.get("c2", 0.9):
        raise ValueError(
            f"{caller}: options need 0 < c1 < c2 < 1, got c1={out.get('c1', 1e-4)}, c2={out.get('c2', 0.9)}"
        )
    norm = out.get("norm", math.inf)
    if isinstance(norm, bool) or not isinstance(norm, numbers.Real) or math.isnan(norm) or norm == 0:
        raise ValueError(f"{caller}: options['norm'] must be a non-zero number or ±inf, got {norm!r}")
    return out


class _Objective:
    """``closure`` as scipy's objective, x ↦ (loss, flat gradient), remembering the best finite point evaluated.

    ``best`` is ``(x, loss, gradient)``, at first the starting point with loss inf. Raises ``TypeError`` if
    the closure does not return a one-element Tensor, ``ValueError`` for a gradient shaped unlike its
    parameter, ``_Stop`` for a nan/inf loss or gradient.
    """

    def __init__(self, caller: str, flat: FlatParams, closure: Callable[[], Tensor]):
        self.caller, self.flat, self.closure = caller, flat, closure
        self.best: tuple[np.ndarray, float, np.ndarray | None] = (flat.get(), math.inf, None)
        self.evaluations = 0
        self._recent: dict[bytes, tuple[float, np.ndarray]] = {}

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        self.flat.set(x)
        for p in self.flat.params:
            p.grad = None
        loss = self.closure()
        if not isinstance(loss, Tensor) or loss.size != 1:
            raise TypeError(f"{self.caller}: closure() must return a one-element Tensor, got {loss!r}")
        self.evaluations += 1
        if all(p.grad is None for p in self.flat.params) and loss.requires_grad:
            loss.backward()
        value = float(loss.data.reshape(()))
        g = self.flat.grad(self.caller)
        if not np.isfinite(value) or not np.isfinite(g).all():
            what = "loss" if not np.isfinite(value) else "gradient"
            raise _Stop(f"the {what} became non-finite at evaluation {self.evaluations}", finite=False)
        if value < self.best[1]:
            self.best = (x.copy(), value, g)
        if len(self._recent) > 8:
            self._recent.clear()
        self._recent[x.tobytes()] = (value, g)
        return value, g

    def at(self, xk: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and gradient at an accepted iterate: those of its evaluation, else evaluated again."""
        hit = self._recent.get(xk.tobytes())
        return hit if hit is not None else self(xk)


class _ScipyMinimizer:
    method = ""

    def __init__(
        self,
        params: Any,
        maxiter: int | None = None,
        gtol: float = 1e-5,
        callback: Callable[[float], Any] | None = None,
        options: dict[str, Any] | None = None,
    ):
        name = type(self).__name__
        if maxiter is not None and (isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 0):
            raise ValueError(f"{name}: maxiter must be None or an integer >= 0, got {maxiter!r}")
        check_hyper(name, "gtol", gtol, 0.0)
        if callback is not None and not callable(callback):
            raise TypeError(f"{name}: callback must be a function of the loss or None, got {type(callback).__name__}")
        named = as_named_params(params, name)
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.maxiter = maxiter
        self.gtol = gtol
        self.callback = callback
        self.options = _check_options(name, options)
        self.history: list[float] = []

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def _options(self) -> dict[str, Any]:
        opts = {"gtol": self.gtol, **self.options}
        if self.maxiter is not None:
            opts["maxiter"] = self.maxiter
        return opts

    def step(self, closure: Callable[[], Tensor]) -> Any:
        """Minimise ``closure()`` from the current parameters; return scipy's ``OptimizeResult``.

        ``self.history`` (and ``callback(loss)``, each iteration) gets the loss
        at each accepted iterate; a callback returning True stops the run there.
        If a loss or gradient is nan/inf, the run stops, the parameters are set
        to the best finite point evaluated, a ``RuntimeWarning`` is issued, and
        the result has ``success=False`` and a message saying so.

        Raises ``TypeError`` if ``closure()`` does not return a one-element Tensor and
        ``ValueError`` if a gradient's shape is not its parameter's. Whatever is raised
        inside the run (these, ``KeyboardInterrupt``, an error of the closure, the callback
        or scipy) is re-raised after the parameters are set, as on nan, to the best finite
        point evaluated (the starting point if none was). After such a stop (nan, callback,
        exception), ``history[-1]`` is the loss of the parameters left, the lowest in it: if
        that point is not the last accepted iterate (a line-search point), its loss is appended.
        """
        # imported here, so that `import minigrad` stays light
        from scipy.optimize import minimize

        flat = FlatParams(self.params, self.names)
        objective = _Objective(f"{type(self).__name__}.step", flat, closure)
        self.history = []

        def on_iteration(xk: np.ndarray) -> None:
            loss, g = objective.at(xk)
            self.history.append(loss)
            if self.callback is not None and self.callback(loss) is True:
                objective.best = (xk.copy(), loss, g)
                raise _Stop("stopped by the callback", finite=True)

        try:
            result = minimize(
                objective, flat.get(), jac=True, method=self.method, callback=on_iteration, options=self._options()
            )
            flat.set(result.x)
        except _Stop as stop:
            result = self._stopped(objective, stop)
        except BaseException:
            self._keep_best(objective)
            raise
        finally:
            self.zero_grad()
        return result

    def _keep_best(self, objective: _Objective) -> None:
        """Set the parameters to the best finite point evaluated, its loss ending ``history``."""
        x, fun, _ = objective.best
        objective.flat.set(x)
        if math.isfinite(fun) and (not self.history or self.history[-1] != fun):
            self.history.append(fun)

    def _stopped(self, objective: _Objective, stop: _Stop) -> Any:
        """The result of a run left early: the parameters at the best point, a warning if it was non-finite."""
        from scipy.optimize import OptimizeResult

        iterations = len(self.history)
        self._keep_best(objective)
        x, fun, jac = objective.best
        message = stop.message
        if not stop.finite:
            message += f"; stopped, and the parameters were set to the best finite point seen (loss {fun:.6g})"
            warnings.warn(f"{type(self).__name__}.step: {message}", RuntimeWarning, stacklevel=3)
        return OptimizeResult(
            x=x,
            fun=fun,
            jac=jac,
            success=stop.finite,
            status=0 if stop.finite else -1,
            message=message,
            nit=iterations,
            nfev=objective.evaluations,
            njev=objective.evaluations,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(maxiter={self.maxiter}, gtol={self.gtol}, {len(self.params)} parameters)"


class BFGS(_ScipyMinimizer):
    """Full-memory BFGS (``method="BFGS"``): the regression tutorial's trainer. ``options`` go to scipy.

    ``ValueError`` for maxiter or gtol out of range or a bad scipy option (see ``step`` for the run's errors).
    """

    method = "BFGS"


class LBFGS(_ScipyMinimizer):
    """Limited-memory BFGS (``method="L-BFGS-B"``, no bounds); ``history_size`` is scipy's ``maxcor``.

    ``ValueError`` for history_size < 1 (or not an integer), maxiter or gtol out of range, a bad scipy
    option, or ``options["maxcor"]`` (give ``history_size``).
    """

    method = "L-BFGS-B"

    def __init__(
        self,
        params: Any,
        maxiter: int | None = None,
        gtol: float = 1e-5,
        callback: Callable[[float], Any] | None = None,
        history_size: int = 10,
        options: dict[str, Any] | None = None,
    ):
        history_size = check_int("LBFGS", "history_size", history_size, 1)
        options = _check_options("LBFGS", options)
        if "maxcor" in options:
            raise ValueError("LBFGS: give the number of corrections kept as history_size, not options['maxcor']")
        super().__init__(params, maxiter, gtol, callback, {**options, "maxcor": history_size})
