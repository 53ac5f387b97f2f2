"""WildML's "Implementing a Neural Network from Scratch", with autodiff doing the backpropagation.

Data: np.random.seed(0); X, y = make_moons(200, noise=0.20) (scikit-learn's exact arrays).
The 2-H-2 network, H hidden tanh units and a softmax over the 2 classes:

    z1 = X W1 + b1,   a1 = tanh(z1),   z2 = a1 W2 + b2,   ŷ = softmax(z2)
    L  = -Σ_n log ŷ[n, y_n] + λ/2 (ΣW1² + ΣW2²)          (λ = reg_lambda = 0.01)

The tutorial derives the gradient by hand: δ3 = ŷ − y, δ2 = (1 − a1²) ∘ δ3 W2ᵀ,
dL/dW2 = a1ᵀ δ3 + λ W2, dL/db2 = Σ δ3, dL/dW1 = Xᵀ δ2 + λ W1, dL/db1 = Σ δ2.
Here ``L.backward()`` computes exactly these into W1.grad, b1.grad, W2.grad,
b2.grad, and batch gradient descent does W ← W − ε dL/dW with ε = 0.01. The
printed loss is the tutorial's ``calculate_loss``, L / N, after each update:
0.432387 at iteration 0 and 0.068947 at 1000, as the tutorial's NumPy code
prints. Later lines depend on rounding: ε = 0.01 is too large a step for the
summed loss, so after a few spikes gradient descent does not settle at a
minimum but bounces between two points (for H = 3: L/N 0.070758 and 0.071316,
gradient norm ≈ 14), and a difference of 1e-16 in the arithmetic decides which of the
two every 1000th step lands on. The loss figure shows the spikes and the band.

Then the same network in a few lines with ``nn.MLP`` and ``optim.SGD`` (same
seed, same weights, same steps), and the tutorial's hidden-size sweep.

    python examples/moons.py [--hidden 3] [--steps 20000] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli, losses, nn, optim, plots
    from minigrad.datasets import make_moons

epsilon = 0.01  # learning rate for gradient descent
reg_lambda = 0.01  # regularization strength


def init_params(nn_hdim: int) -> dict[str, mg.Tensor]:
    """The tutorial's initialisation: W = randn(fan_in, fan_out) / √fan_in, b = 0."""
    np.random.seed(0)
    W1 = np.random.randn(2, nn_hdim) / np.sqrt(2)
    W2 = np.random.randn(nn_hdim, 2) / np.sqrt(nn_hdim)
    arrays = {"W1": W1, "b1": np.zeros((1, nn_hdim)), "W2": W2, "b2": np.zeros((1, 2))}
    return {name: mg.Tensor(a, requires_grad=True) for name, a in arrays.items()}


def forward(p: dict[str, mg.Tensor], X: np.ndarray) -> mg.Tensor:
    """The scores z2 (the softmax is fused into the loss, where it is stable)."""
    z1 = X @ p["W1"] + p["b1"]
    a1 = mg.tanh(z1)
    return a1 @ p["W2"] + p["b2"]


def total_loss(p: dict[str, mg.Tensor], X: np.ndarray, y: np.ndarray) -> mg.Tensor:
    """L = Σ cross-entropy + λ/2 (ΣW1² + ΣW2²); its gradient with respect to z2 is δ3 = ŷ − y."""
    data_loss = mg.softmax_cross_entropy(forward(p, X), y, reduction="sum")
    return data_loss + reg_lambda / 2 * ((p["W1"] ** 2).sum() + (p["W2"] ** 2).sum())


def build_model(X: np.ndarray, y: np.ndarray, nn_hdim: int, num_passes: int) -> tuple[dict, list[float]]:
    """Batch gradient descent on the whole data set; returns the parameters and L/N at every step.

    Ctrl-C stops the loop between two updates: the curve then has fewer than ``num_passes`` entries.
    """
    num_examples = len(X)
    p = init_params(nn_hdim)
    curve: list[float] = []
    try:
        for i in range(num_passes):
            L = total_loss(p, X, y)  # forward
            L.backward()  # backpropagation: p[name].grad = dL/d p[name]
            with mg.no_grad():  # gradient descent parameter update (all four, or none if Ctrl-C comes first)
                steps = {name: epsilon * param.grad for name, param in p.items()}
            for name, param in p.items():
                param.data -= steps[name]
                param.grad = None
            curve.append(L.item() / num_examples)
            if i % 1000 == 0:  # as the tutorial: the loss of the updated model, on its scale (÷ N)
                with mg.no_grad():
                    print(f"Loss after iteration {i}: {total_loss(p, X, y).item() / num_examples:f}", flush=True)
    except KeyboardInterrupt:
        for param in p.values():
            param.grad = None
    return p, curve


def predict(p: dict[str, mg.Tensor], X: np.ndarray) -> np.ndarray:
    """The most probable class of each row: argmax softmax(z2) = argmax z2."""
    with mg.no_grad():
        return np.argmax(forward(p, X).data, axis=1)


def build_mlp(X: np.ndarray, y: np.ndarray, nn_hdim: int, num_passes: int) -> nn.MLP:
    """The same network and the same updates, written with the library's modules and optimizer."""
    np.random.seed(0)
    model = nn.MLP([2, nn_hdim, 2], activation="tanh")  # W = randn/√fan_in, b = 0, as above
    opt = optim.SGD(model.parameters(), lr=epsilon)
    for _ in range(num_passes):
        opt.zero_grad()
        L = mg.softmax_cross_entropy(model(X), y, "sum") + losses.l2_penalty(model, reg_lambda, exclude_bias=True)
        L.backward()
        opt.step()
    return model


def mlp_predict(model: nn.MLP) -> Callable[[np.ndarray], np.ndarray]:
    """A function from points to classes, for the figures."""

    def predict_fn(points: np.ndarray) -> np.ndarray:
        with mg.no_grad():
            return np.argmax(model(points).data, axis=1)

    return predict_fn


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any training (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=cli.positive_int, default=3, help="hidden layer size H (default 3)")
    parser.add_argument("--steps", type=cli.positive_int, default=None, help="gradient-descent steps (default 20000)")
    parser.add_argument("--quick", action="store_true", help="few steps, for a first look (a few seconds)")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figures")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    steps = args.steps if args.steps is not None else 2000 if args.quick else 20000
    sweep_steps = 300 if args.quick else steps
    figures: list[Path] = []
    try:
        return run(args, steps, sweep_steps, figures)
    except KeyboardInterrupt:
        print(f"\ninterrupted by Ctrl-C; figures written: {', '.join(str(f) for f in figures) or 'none'}")
        return 130


def run(args: argparse.Namespace, steps: int, sweep_steps: int, figures: list[Path]) -> int:
    """The three parts; each figure is appended to ``figures`` as soon as it is written."""
    np.random.seed(0)
    X, y = make_moons(200, noise=0.20)

    print(f"== The 2-{args.hidden}-2 network with Tensors: {steps} steps of batch gradient descent, epsilon {epsilon}")
    start = time.perf_counter()
    p, curve = build_model(X, y, args.hidden, steps)
    done = len(curve)
    cut = f", interrupted after {done} of {steps}" if done < steps else ""
    acc = np.mean(predict(p, X) == y)
    if done >= 2:
        print(f"L/N at the last two steps: {curve[-2]:.6f}, {curve[-1]:.6f}")
    print(f"training accuracy {acc:.1%} after {done} steps ({time.perf_counter() - start:.1f} s)")
    figures.append(
        plots.decision_boundary(
            lambda pts: predict(p, pts),
            X,
            y,
            args.out / "moons_boundary.png",
            f"Decision boundary for hidden layer size {args.hidden} ({done} GD steps{cut}, train acc {acc:.1%})",
        )
    )
    partial = f" (partial: training interrupted after {done} of {steps} steps)" if done < steps else ""
    print(f"wrote {figures[-1]}{partial}")
    if done:
        figures.append(
            plots.loss_curves(
                {f"H = {args.hidden}": curve},
                args.out / "moons_loss.png",
                f"2-{args.hidden}-2 moons network: L/N per gradient-descent step (epsilon {epsilon}{cut})",
                xlabel="iteration",
                ylabel="L / N  (cross-entropy + L2, per sample)",
            )
        )
        print(f"wrote {figures[-1]}{partial}")
    if done < steps:
        raise KeyboardInterrupt

    print(f"\n== The same with nn.MLP([2, {args.hidden}, 2]) and optim.SGD(lr={epsilon})")
    model = build_mlp(X, y, args.hidden, steps)
    W1, W2 = model.layers[0].W.data, model.layers[1].W.data
    diff = max(np.abs(W1 - p["W1"].data).max(), np.abs(W2 - p["W2"].data).max())
    same = np.mean(mlp_predict(model)(X) == predict(p, X))
    print(f"max |difference| of W1, W2 from the Tensor version: {diff:.1e}; same predictions on {same:.0%} of X")

    sizes = (1, 2, 3, 4, 5, 20, 50)
    print(f"\n== Varying the hidden layer size ({sweep_steps} steps each)")
    grid, accuracies = [], []
    try:
        for h in sizes:
            predict_h = mlp_predict(build_mlp(X, y, h, sweep_steps))
            grid.append((h, predict_h))
            accuracies.append(float(np.mean(predict_h(X) == y)))
            print(f"hidden layer size {h:2d}: training accuracy {accuracies[-1]:.1%}", flush=True)
    finally:  # on Ctrl-C too: the sizes completed so far
        if grid:
            figures.append(plots.hidden_size_grid(grid, X, y, args.out / "moons_hidden_sizes.png", accuracies))
            cut = f" (partial: {len(grid)} of {len(sizes)} sizes, interrupted)" if len(grid) < len(sizes) else ""
            print(f"wrote {figures[-1]}{cut}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
