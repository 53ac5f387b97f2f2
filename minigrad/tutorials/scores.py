"""The 2-3-1 sigmoid regression network (sleep, study → test score), trained by BFGS through autodiff.

As in the tutorial's part 7, the cost is J = ½ Σ (y − ŷ)² / N + λ/2 (ΣW1² + ΣW2²)
on inputs scaled by the training maxima and scores divided by 100. The
tutorial checks its hand-derived gradient numerically (the ratio
‖g − n‖/‖g + n‖ should be below 1e-8), trains with scipy's BFGS recording J per
iteration, and shows that without λ the test cost rises while the training
cost keeps falling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import losses, nn, optim
from ..datasets import sleep_study
from ..numerical import numerical_grad
from ..tensor import Tensor, no_grad

__all__ = ["OPTIMIZERS", "ScoresRun", "network", "cost", "gradient_ratio", "train_scores"]

OPTIMIZERS = ("bfgs", "lbfgs", "gd")


def network(seed: int = 0) -> nn.MLP:
    """The tutorial's 2-3-1 network: sigmoid hidden and output layers, no biases, plain randn weights."""
    np.random.seed(seed)
    return nn.MLP([2, 3, 1], activation="sigmoid", output="sigmoid", bias=False, init="normal")


def cost(net: nn.MLP, X: np.ndarray, y: np.ndarray, lam: float) -> Tensor:
    """J = ½ Σ (y − ŷ)² / N + λ/2 Σ W²."""
    return losses.sse_loss(net(Tensor(X)), y) / len(X) + losses.l2_penalty(net, lam)


def gradient_ratio(net: nn.MLP, X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """The tutorial's check: ‖g − n‖ / ‖g + n‖ between autodiff (g) and central differences (n)."""
    params = net.parameters()
    net.zero_grad()
    cost(net, X, y, lam).backward()
    g = np.concatenate([np.zeros(p.shape) if p.grad is None else p.grad.ravel() for p in params])
    net.zero_grad()
    saved = [p.data for p in params]

    def J(*weights: Tensor) -> Tensor:
        for p, w in zip(params, weights):
            p.data = w.data
        return cost(net, X, y, lam)

    try:
        numeric = numerical_grad(J, *saved)
    finally:
        for p, w in zip(params, saved):
            p.data = w
    n = np.concatenate([a.ravel() for a in (numeric if isinstance(numeric, list) else [numeric])])
    return float(np.linalg.norm(g - n) / np.linalg.norm(g + n))


@dataclass
class ScoresRun:
    """One training run: J on the training and test sets after every iteration, and the predictions."""

    lam: float
    optimizer: str
    train_cost: list[float] = field(default_factory=list)
    test_cost: list[float] = field(default_factory=list)
    iterations: int = 0
    message: str = ""
    predictions: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    test_predictions: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    net: Any = None
    interrupted: bool = False


def train_scores(
    lam: float = 1e-4,
    optimizer: str = "bfgs",
    maxiter: int = 200,
    lr: float = 5.0,
    seed: int = 0,
) -> ScoresRun:
    """Train from ``network(seed)`` with BFGS / L-BFGS (``maxiter`` iterations) or plain GD (``maxiter`` steps).

    ``train_cost[i]`` and ``test_cost[i]`` are both J of the parameters after update i.
    Ctrl-C stops training and returns the run so far (``interrupted`` is True).
    Raises ``ValueError`` for an unknown optimizer or a negative or non-finite ``lam``.
    """
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"scores: lam must be a finite number >= 0, got {lam}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"scores: unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    data = sleep_study()
    net = network(seed)
    run = ScoresRun(lam, optimizer, net=net)

    def test_cost() -> float:
        with no_grad():
            return float(cost(net, data.X_test, data.y_test, lam).data)

    def record(train: float) -> None:
        run.train_cost.append(train)
        run.test_cost.append(test_cost())

    try:
        if optimizer == "gd":
            opt = optim.GD(net, lr=lr)
            for _ in range(maxiter):
                opt.zero_grad()
                cost(net, data.X_train, data.y_train, lam).backward()
                opt.step()
                with no_grad():  # both costs of the parameters just updated, as BFGS's callback reports them
                    record(float(cost(net, data.X_train, data.y_train, lam).data))
            run.message = f"{maxiter} gradient-descent steps"
        else:
            cls = optim.BFGS if optimizer == "bfgs" else optim.LBFGS
            result = cls(net, maxiter=maxiter, callback=record).step(lambda: cost(net, data.X_train, data.y_train, lam))
            run.message = str(result.message)
    except KeyboardInterrupt:
        run.message = "interrupted by the user"
        run.interrupted = True
    run.iterations = len(run.train_cost)
    with no_grad():
        run.predictions = net(Tensor(data.X_train)).data * 100
        run.test_predictions = net(Tensor(data.X_test)).data * 100
    return run
