"""Three gradients of each tutorial network side by side: hand-derived backprop, autodiff, finite differences.

For every parameter the table gives the tutorials' agreement metric
‖a − b‖ / ‖a + b‖ for each pair: near 1e-16 means two exact methods agree to
rounding, near 1e-10 is what central differences reach in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import manual
from ..datasets import make_moons, sleep_study
from ..functional import grad
from ..numerical import numerical_grad
from ..ops import matmul, sigmoid, softmax_cross_entropy, sum, tanh
from .xor import XOR_X, XOR_Y

__all__ = ["Agreement", "MODELS", "three_way", "format_table"]


@dataclass
class Agreement:
    """How the three gradients of one parameter agree."""

    model: str
    parameter: str
    shape: tuple[int, ...]
    hand_vs_autodiff: float
    autodiff_vs_numeric: float
    hand_vs_numeric: float

    @property
    def ok(self) -> bool:
        """Within the tutorial's 1e-8 bound on every pair."""
        return max(self.hand_vs_autodiff, self.autodiff_vs_numeric, self.hand_vs_numeric) < 1e-8


def _ratio(a: np.ndarray, b: np.ndarray) -> float:
    denominator = np.linalg.norm(a + b)
    return float(np.linalg.norm(a - b) / denominator) if denominator else float(np.linalg.norm(a - b))


def _compare(model: str, names: list[str], params: list[np.ndarray], loss: Callable, hand: list) -> list[Agreement]:
    argnums = tuple(range(len(params)))
    auto = [g.data for g in grad(loss, argnums)(*params)]
    numeric = numerical_grad(loss, *params)
    return [
        Agreement(model, name, p.shape, _ratio(h, a), _ratio(a, n), _ratio(h, n))
        for name, p, h, a, n in zip(names, params, hand, auto, numeric)
    ]


def check_moons(seed: int = 0, hidden: int = 3, reg_lambda: float = 0.01) -> list[Agreement]:
    """The 2-H-2 tanh/softmax network on the tutorial's moons: summed cross-entropy + λ/2 ΣW²."""
    np.random.seed(seed)
    X, y = make_moons(200, noise=0.20)
    rng = np.random.RandomState(seed)
    W1, b1 = rng.randn(2, hidden) / np.sqrt(2), rng.randn(hidden) * 0.1
    W2, b2 = rng.randn(hidden, 2) / np.sqrt(hidden), rng.randn(2) * 0.1

    def loss(W1, b1, W2, b2):
        z2 = matmul(tanh(matmul(X, W1) + b1), W2) + b2
        return softmax_cross_entropy(z2, y, "sum") + reg_lambda / 2 * (sum(W1 * W1) + sum(W2 * W2))

    h = manual.two_layer_softmax_backprop(X, y, W1, b1, W2, b2, reg_lambda=reg_lambda)
    names = ["W1", "b1", "W2", "b2"]
    return _compare("moons", names, [W1, b1, W2, b2], loss, [h["d" + n] for n in names])


def check_scores(seed: int = 0, lam: float = 1e-4) -> list[Agreement]:
    """The 2-3-1 sigmoid regression network: J = ½Σ(y − ŷ)²/N + λ/2 ΣW²."""
    data = sleep_study()
    X, y = data.X_train, data.y_train
    rng = np.random.RandomState(seed)
    W1, W2 = rng.randn(2, 3), rng.randn(3, 1)

    def loss(W1, W2):
        y_hat = sigmoid(matmul(sigmoid(matmul(X, W1)), W2))
        return 0.5 * sum((y - y_hat) ** 2) / len(X) + lam / 2 * (sum(W1 * W1) + sum(W2 * W2))

    h = manual.sigmoid_regression_backprop(X, y, W1, W2, lam=lam, mean=True)
    return _compare("scores", ["W1", "W2"], [W1, W2], loss, [h["dJdW1"], h["dJdW2"]])


def check_xor(seed: int = 1, hidden: int = 4) -> list[Agreement]:
    """Trask's 3-H-1 sigmoid network: the gradient of ½Σ(layer_2 − y)²."""
    np.random.seed(seed)
    synapse_0 = 2 * np.random.random((3, hidden)) - 1
    synapse_1 = 2 * np.random.random((hidden, 1)) - 1

    def loss(s0, s1):
        return 0.5 * sum((sigmoid(matmul(sigmoid(matmul(XOR_X, s0)), s1)) - XOR_Y) ** 2)

    h = manual.two_layer_sigmoid_backprop(XOR_X, XOR_Y, synapse_0, synapse_1)
    hand = [h["synapse_0_derivative"], h["synapse_1_derivative"]]
    return _compare("xor", ["synapse_0", "synapse_1"], [synapse_0, synapse_1], loss, hand)


MODELS: dict[str, Callable[[], list[Agreement]]] = {"moons": check_moons, "scores": check_scores, "xor": check_xor}


def three_way(model: str = "all") -> list[Agreement]:
    """The agreement rows of one tutorial network, or of all three."""
    if model == "all":
        return [row for check in MODELS.values() for row in check()]
    return MODELS[model]()


def format_table(rows: list[Agreement]) -> str:
    """A fixed-width table, one row per parameter."""
    header = f"{'model':7s} {'parameter':10s} {'shape':8s} {'hand~autodiff':>14s} {'autodiff~numeric':>17s} "
    header += f"{'hand~numeric':>13s}  verdict"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.model:7s} {r.parameter:10s} {str(r.shape):8s} {r.hand_vs_autodiff:14.2e} "
            f"{r.autodiff_vs_numeric:17.2e} {r.hand_vs_numeric:13.2e}  {'ok' if r.ok else 'DISAGREE'}"
        )
    lines.append("each column: ||a - b|| / ||a + b|| (the tutorials' metric; they accept < 1e-8)")
    return "\n".join(lines)
