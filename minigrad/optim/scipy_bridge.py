"""BFGS and L-BFGS: ``scipy.optimize.minimize`` over the flattened parameters, gradients from autodiff.

``result = opt.step(closure)``: ``closure()`` computes the scalar loss Tensor
from the current parameters; the optimizer calls ``backward`` on it (or uses
the gradients if the closure already did), hands scipy the value and the
flattened gradient (``jac=True``), writes the optimum back into the parameters
and returns scipy's ``OptimizeResult``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .base import as_named_params, check_hyper
from .flat import FlatParams

__all__ = ["BFGS", "LBFGS"]


class _Stop(Exception):
    """Raised inside scipy's loop to leave it early (non-finite value, or the callback asked)."""

    def __init__(self, message: str, finite: bool):
        super().__init__(message)
        self.message = message
        self.finite = finite


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
        named = as_named_params(params, name)
        self.params = [p for _, p in named]
        self.maxiter = maxiter
        self.gtol = gtol
        self.callback = callback
        self.options = dict(options or {})
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
        """
        # imported here, so that `import minigrad` stays light
        from scipy.optimize import OptimizeResult, minimize

        name = type(self).__name__
        flat = FlatParams(self.params)
        x0 = flat.get()
        self.history = []
        best: dict[str, Any] = {"x": x0.copy(), "fun": np.inf, "jac": None}
        recent: dict[bytes, float] = {}
        count = {"f": 0}

        def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
            flat.set(x)
            self.zero_grad()
            loss = closure()
            if not isinstance(loss, Tensor) or loss.size != 1:
                raise TypeError(f"{name}.step: closure() must return a one-element Tensor, got {loss!r}")
            count["f"] += 1
            if all(p.grad is None for p in self.params) and loss.requires_grad:
                loss.backward()
            value = float(loss.data.reshape(()))
            g = flat.grad()
            if not np.isfinite(value) or not np.isfinite(g).all():
                what = "loss" if not np.isfinite(value) else "gradient"
                raise _Stop(f"the {what} became non-finite at evaluation {count['f']}", finite=False)
            if value < best["fun"]:
                best.update(x=x.copy(), fun=value, jac=g)
            if len(recent) > 8:
                recent.clear()
            recent[x.tobytes()] = value
            return value, g

        def on_iteration(xk: np.ndarray) -> None:
            loss = recent.get(xk.tobytes())
            if loss is None:
                loss = fun(xk)[0]
            self.history.append(loss)
            if self.callback is not None and self.callback(loss) is True:
                best.update(x=xk.copy(), fun=loss)
                raise _Stop("stopped by the callback", finite=True)

        try:
            result = minimize(fun, x0, jac=True, method=self.method, callback=on_iteration, options=self._options())
            flat.set(result.x)
        except _Stop as stop:
            flat.set(best["x"])
            message = stop.message
            if not stop.finite:
                message += (
                    f"; stopped, and the parameters were set to the best finite point seen (loss {best['fun']:.6g})"
                )
                warnings.warn(f"{name}.step: {message}", RuntimeWarning, stacklevel=2)
            result = OptimizeResult(
                x=best["x"],
                fun=best["fun"],
                jac=best["jac"],
                success=stop.finite,
                status=0 if stop.finite else -1,
                message=message,
                nit=len(self.history),
                nfev=count["f"],
                njev=count["f"],
            )
        self.zero_grad()
        return result

    def __repr__(self) -> str:
        return f"{type(self).__name__}(maxiter={self.maxiter}, gtol={self.gtol}, {len(self.params)} parameters)"


class BFGS(_ScipyMinimizer):
    """Full-memory BFGS (``method="BFGS"``): the regression tutorial's trainer. ``options`` go to scipy."""

    method = "BFGS"


class LBFGS(_ScipyMinimizer):
    """Limited-memory BFGS (``method="L-BFGS-B"``, no bounds); ``history_size`` is scipy's ``maxcor``."""

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
        super().__init__(params, maxiter, gtol, callback, {"maxcor": history_size, **(options or {})})
