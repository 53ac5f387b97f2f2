"""The tutorial's gradient check of the sleep/study → test score network, over many random initialisations.

The 2-3-1 sigmoid regression network of "Neural Networks Demystified" (Welch Labs,
reproduced in the ann-forward tutorial), cost J = ½ Σ (y - ŷ)², checked the
tutorial's way: norm(g - n) / norm(g + n) must stay below 1e-8, where n is
the numerical gradient. We check two g's: autodiff of J written with Tensors,
and the tutorial's hand-derived costFunctionPrime (minigrad.manual).

    python examples/sleep_study_gradient_check.py [--inits 1000] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
from minigrad.manual import sigmoid_regression_backprop

# X = (hours sleeping, hours studying), y = score on test, scaled as the tutorial does.
X = np.array(([3, 5], [5, 1], [10, 2]), dtype=float)
y = np.array(([75], [82], [93]), dtype=float)
X = X / np.amax(X, axis=0)
y = y / 100  # max test score is 100

BOUND = 1e-8  # the tutorial: "should be less than 1e-8"


def cost(W1: mg.Tensor, W2: mg.Tensor) -> mg.Tensor:
    """J = ½ Σ (y - ŷ)², ŷ = f(f(X W1) W2), f the sigmoid."""
    yHat = mg.sigmoid(mg.sigmoid(X @ W1) @ W2)
    return 0.5 * ((y - yHat) ** 2).sum()


def ratio(g: np.ndarray, n: np.ndarray) -> float:
    return float(np.linalg.norm(g - n) / np.linalg.norm(g + n))


def ratios(inits: int = 1000, seed: int = 0, eps: float | None = None) -> dict[str, np.ndarray]:
    """norm(g - n) / norm(g + n) for ``inits`` random initialisations W1 ~ randn(2, 3), W2 ~ randn(3, 1).

    Returns {"autodiff": ..., "manual": ...}, one value per initialisation. ``eps``
    fixes the finite-difference step (default: numerical_grad's ε^(1/3)·max(1, |w|);
    the tutorial used 1e-4).
    """
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"autodiff": [], "manual": []}
    for _ in range(inits):
        W1, W2 = rng.standard_normal((2, 3)), rng.standard_normal((3, 1))
        report = mg.gradcheck(cost, W1, W2, eps=eps)  # raises if any element is off
        numerical = np.concatenate([c.numerical.ravel() for c in report.checks])
        manual = sigmoid_regression_backprop(X, y, W1, W2)
        out["autodiff"].append(report.ratio)
        out["manual"].append(ratio(np.concatenate([manual["dJdW1"].ravel(), manual["dJdW2"].ravel()]), numerical))
    return {k: np.array(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inits", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for label, eps in (("minigrad's step", None), ("the tutorial's step e = 1e-4", 1e-4)):
        print(f"{args.inits} random initialisations, {label}:")
        for name, r in ratios(args.inits, args.seed, eps).items():
            verdict = "all below" if np.all(r < BOUND) else f"{np.sum(r >= BOUND)} NOT below"
            print(f"  {name:>8} vs numerical: median {np.median(r):.2e}, worst {r.max():.2e} ({verdict} {BOUND:g})")


if __name__ == "__main__":
    main()
