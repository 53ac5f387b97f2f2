"""The workloads (W1-W5). Each module returns its cases; a case builds one trainer per contender.

A trainer is the contender's implementation of the case, holding its own copy
of the parameters:

- ``step()``: the timed unit (one training step, one BFGS run, one cost+gradient evaluation);
- ``loss_and_grads()``: the objective and its gradients at the current parameters, no update;
- ``params()``: the current parameters, in the tutorials' layout, as NumPy arrays.

The last two exist only for the cross-check that every contender computes the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class Trainer(Protocol):
    def step(self) -> Any: ...

    def loss_and_grads(self) -> tuple[float, list[np.ndarray]]: ...

    def params(self) -> list[np.ndarray]: ...


@dataclass
class Case:
    """One row group of the table: a workload at one size, timed per ``unit``."""

    key: str  # "W1/H=3": the JSON key
    workload: str  # "W1"
    title: str
    unit: str  # what one timed step is
    build: Callable[[str], Trainer]  # contender name -> Trainer (raises contenders.Unavailable)
    target: float | None = None  # minigrad raw's target ratio to hand NumPy
    check_steps: int = 3  # steps every contender takes before the cross-check
    tol: float = 1e-10  # max |a - b| / max |b| allowed for loss and gradients in the cross-check
    params_tol: float | None = None  # the same for the parameters after ``check_steps`` steps (default: tol)
    config: dict[str, Any] = field(default_factory=dict)


def all_cases(quick: bool) -> dict[str, list[Case]]:
    """{workload: its cases}, sizes reduced when ``quick``."""
    from . import w1_moons, w2_xor, w3_bfgs, w4_mlp, w5_cnn

    return {
        "W1": w1_moons.cases(quick),
        "W2": w2_xor.cases(quick),
        "W3": w3_bfgs.cases(quick),
        "W4": w4_mlp.cases(quick),
        "W5": w5_cnn.cases(quick),
    }
