"""Trask's "gradient descent" tutorial through autodiff: the alpha sweep and the error surface.

The 3-H-1 sigmoid network is trained on the XOR-like data with
synapse -= alpha * dJ/dsynapse, J = ½ Σ (layer_2 - y)², whose gradient is the
tutorial's hand-derived layer_2_delta and layer_1_delta. The tutorial's
"update direction changes" count how often each weight's update flips sign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..ops import matmul, sigmoid
from ..tensor import Tensor, no_grad

__all__ = ["XOR_X", "XOR_Y", "AlphaRun", "train_alpha", "alpha_sweep", "error_surface", "surface_descent"]

XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
XOR_Y = np.array([[0, 1, 1, 0]]).T
ALPHAS = (0.001, 0.01, 0.1, 1, 10, 100, 1000)


@dataclass
class AlphaRun:
    """One training run: mean |layer_2 - y| every ``every`` iterations, final weights, sign flips."""

    alpha: float
    hidden: int
    iterations: list[int] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    synapse_0: np.ndarray | None = None
    synapse_1: np.ndarray | None = None
    synapse_0_direction_changes: np.ndarray | None = None
    synapse_1_direction_changes: np.ndarray | None = None
    completed: int = 0

    def report(self) -> str:
        """The tutorial's printout for this alpha: the error table, then ``weights_report()``."""
        lines = [f"Training With Alpha:{self.alpha:g}"]
        lines += [f"Error after {i} iterations:{e:.12g}" for i, e in zip(self.iterations, self.errors)]
        return "\n".join(lines) + "\n" + self.weights_report()

    def weights_report(self) -> str:
        """Final weights and update-direction change counts, as the tutorial prints them."""
        with np.printoptions(precision=8, suppress=True):
            return "\n".join(
                [
                    "Synapse 0",
                    str(self.synapse_0),
                    "Synapse 0 Update Direction Changes",
                    str(self.synapse_0_direction_changes),
                    "Synapse 1",
                    str(self.synapse_1),
                    "Synapse 1 Update Direction Changes",
                    str(self.synapse_1_direction_changes),
                ]
            )


def _grad(t: Tensor) -> np.ndarray:
    """``t.grad`` after a backward pass that reached ``t``."""
    assert t.grad is not None, f"no gradient reached {t.name or 'a weight'}"
    return t.grad


def train_alpha(
    alpha: float,
    hidden: int = 4,
    iterations: int = 60000,
    every: int = 10000,
    X: np.ndarray = XOR_X,
    y: np.ndarray = XOR_Y,
    seed: int = 1,
    progress: Callable[[AlphaRun], None] | None = None,
) -> AlphaRun:
    """Train the 3-H-1 network as the tutorial does (np.random.seed(seed), 2·random − 1 init).

    Stops cleanly on KeyboardInterrupt, keeping what was computed (``completed``
    says how many iterations ran).
    """
    np.random.seed(seed)
    synapse_0 = Tensor(2 * np.random.random((X.shape[1], hidden)) - 1, requires_grad=True, name="synapse_0")
    synapse_1 = Tensor(2 * np.random.random((hidden, y.shape[1])) - 1, requires_grad=True, name="synapse_1")
    run = AlphaRun(alpha, hidden)
    flips = [np.zeros(synapse_0.shape), np.zeros(synapse_1.shape)]
    previous: list[np.ndarray] | None = None
    try:
        for j in range(iterations):
            layer_1 = sigmoid(matmul(X, synapse_0))
            layer_2 = sigmoid(matmul(layer_1, synapse_1))
            layer_2_error = layer_2 - y
            if j % every == 0:
                run.iterations.append(j)
                run.errors.append(float(np.mean(np.abs(layer_2_error.data))))
                if progress is not None:
                    progress(run)
            J = 0.5 * (layer_2_error**2).sum()
            J.backward()
            updates = [-_grad(synapse_0), -_grad(synapse_1)]  # the direction each weight moves
            if previous is not None:
                for count, now, before in zip(flips, updates, previous):
                    count += (now > 0) != (before > 0)
            previous = updates
            for synapse in (synapse_0, synapse_1):
                synapse.data -= alpha * _grad(synapse)
                synapse.grad = None
            run.completed = j + 1
    except KeyboardInterrupt:
        pass
    run.synapse_0, run.synapse_1 = synapse_0.data.copy(), synapse_1.data.copy()
    run.synapse_0_direction_changes, run.synapse_1_direction_changes = flips
    return run


def alpha_sweep(
    alphas: tuple[float, ...] = ALPHAS, hidden: int = 4, iterations: int = 60000, every: int = 10000
) -> list[AlphaRun]:
    """One ``train_alpha`` run per alpha, all from the same seed."""
    return [train_alpha(a, hidden, iterations, every) for a in alphas]


# The tutorial's 2-weight network: one sigmoid layer, X (4×2) → y, weights synapse_0 (2×1).
SURFACE_X = np.array([[0, 1], [0, 1], [1, 0], [1, 0]])
SURFACE_Y = np.array([[0, 0, 1, 1]]).T


def error_surface(w1: np.ndarray, w2: np.ndarray, X: np.ndarray = SURFACE_X, y: np.ndarray = SURFACE_Y) -> np.ndarray:
    """Mean |sigmoid(X w) − y| for every pair (w1[i, j], w2[i, j]), evaluated as one batched matmul."""
    W = np.stack([w1, w2], axis=-1)[..., None]  # (..., 2, 1): a batch of weight vectors
    with no_grad():
        out = sigmoid(matmul(X, Tensor(W)))  # (..., 4, 1)
    return np.mean(np.abs(out.data - y), axis=(-2, -1))


def surface_descent(
    start: tuple[float, float] | None = None, alpha: float = 1.0, iterations: int = 10000, every: int = 10
) -> np.ndarray:
    """The gradient-descent path of the 2-weight network (rows: w1, w2, error), recorded every ``every`` steps.

    Starts from the tutorial's np.random.seed(1) init unless ``start`` is given.
    The gradient of ½Σ(layer_1 − y)² is the tutorial's layer_1_delta rule.
    """
    if start is None:
        np.random.seed(1)
        start = tuple(2 * np.random.random(2) - 1)
    synapse_0 = Tensor(np.array(start, dtype=float).reshape(2, 1), requires_grad=True)
    path = []
    for j in range(iterations + 1):
        layer_1 = sigmoid(matmul(SURFACE_X, synapse_0))
        if j % every == 0 or j == iterations:
            err = float(np.mean(np.abs(layer_1.data - SURFACE_Y)))
            path.append((synapse_0.data[0, 0], synapse_0.data[1, 0], err))
        if j == iterations:
            break
        (0.5 * ((layer_1 - SURFACE_Y) ** 2).sum()).backward()
        synapse_0.data -= alpha * _grad(synapse_0)
        synapse_0.grad = None
    return np.array(path)
