"""The cross-check: a contender is reported only if it computes what hand NumPy computes.

Every trainer of a case starts from the same parameters and takes the same
number of steps (the warm-up); then its objective, its gradients at its current
parameters, and the parameters themselves are compared with hand NumPy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def max_rel_error(got: list[Any], want: list[np.ndarray]) -> float:
    """Largest max|got - want| / max|want| over a list of arrays (inf if shapes differ).

    An array that is nearly zero is measured against 1e-6 of the largest array in the list instead.
    """
    if len(got) != len(want):
        return float("inf")
    floor = 1e-6 * max((float(np.max(np.abs(w))) for w in want if np.size(w)), default=1.0)
    worst = 0.0
    for g, w in zip(got, want):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            return float("inf")
        scale = max(float(np.max(np.abs(w))) if w.size else 0.0, floor, 1e-300)
        err = float(np.max(np.abs(g - w))) / scale if w.size else 0.0
        worst = max(worst, err if np.isfinite(err) else float("inf"))
    return worst


def compare(trainer: Any, reference: Any, tol: float, params_tol: float | None) -> dict[str, Any]:
    """Compare ``trainer`` with the hand-NumPy ``reference`` trainer at their current states."""
    params = [np.array(p) for p in trainer.params()]  # copies, read before loss_and_grads may move them
    ref_params = [np.array(p) for p in reference.params()]
    loss, grads = trainer.loss_and_grads()
    ref_loss, ref_grads = reference.loss_and_grads()
    out = {
        "loss": float(loss),
        "loss_err": abs(float(loss) - ref_loss) / max(abs(ref_loss), 1e-300),
        "grad_err": max_rel_error(grads, ref_grads),
        "param_err": max_rel_error(params, ref_params),
        "tol": tol,
        "params_tol": params_tol if params_tol is not None else tol,
    }
    out["ok"] = bool(out["loss_err"] <= tol and out["grad_err"] <= tol and out["param_err"] <= out["params_tol"])
    return out
