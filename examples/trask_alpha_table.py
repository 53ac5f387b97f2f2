"""The 3-4-1 sigmoid network of Trask's "gradient descent" tutorial, trained through autodiff.

Instead of deriving layer_2_delta and layer_1_delta by hand, we write the cost
J = ½ Σ (layer_2 - y)², call backward(), and apply the tutorial's update
synapse -= alpha * grad. The printed errors match the tutorial's table.

    python examples/trask_alpha_table.py [--iterations 60000]
"""

from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
y = np.array([[0, 1, 1, 0]]).T


def train(alpha: float, hidden: int = 4, iterations: int = 60000, report_every: int = 10000) -> list[float]:
    """Train from the tutorial's seed; return mean |layer_2 - y| every ``report_every`` iterations."""
    np.random.seed(1)
    synapse_0 = mg.Tensor(2 * np.random.random((3, hidden)) - 1, requires_grad=True)
    synapse_1 = mg.Tensor(2 * np.random.random((hidden, 1)) - 1, requires_grad=True)
    errors = []
    for j in range(iterations):
        layer_1 = mg.sigmoid(X @ synapse_0)
        layer_2 = mg.sigmoid(layer_1 @ synapse_1)
        layer_2_error = layer_2 - y
        if j % report_every == 0:
            errors.append(float(np.mean(np.abs(layer_2_error.data))))
        J = 0.5 * (layer_2_error**2).sum()  # dJ/dlayer_2 = layer_2 - y, as in the tutorial
        J.backward()
        for synapse in (synapse_0, synapse_1):
            synapse.data -= alpha * synapse.grad
            synapse.grad = None
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=60000)
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.001, 0.01, 0.1, 1, 10, 100, 1000])
    args = parser.parse_args()
    for alpha in args.alphas:
        print(f"\nTraining With Alpha:{alpha:g}")
        for k, err in enumerate(train(alpha, iterations=args.iterations)):
            print(f"Error after {k * 10000} iterations:{err:.12g}")


if __name__ == "__main__":
    main()
