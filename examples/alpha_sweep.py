"""Trask's "A Neural Network in 13 lines of Python (Part 2 - Gradient Descent)": the step size alpha.

X has 4 rows of 3 inputs (the third is a constant 1, a bias), y = x₀ XOR x₁. The 3-4-1 network

    layer_1 = σ(X · synapse_0),   layer_2 = σ(layer_1 · synapse_1),   J = ½ Σ (layer_2 − y)²

The tutorial derives dJ/dsynapse by hand,

    layer_2_delta = (layer_2 − y) ∘ layer_2 (1 − layer_2)
    layer_1_delta = layer_2_delta · synapse_1ᵀ ∘ layer_1 (1 − layer_1)
    synapse_1 -= alpha · layer_1ᵀ · layer_2_delta,   synapse_0 -= alpha · Xᵀ · layer_1_delta

Here ``J.backward()`` leaves the same two gradients in synapse_0.grad and
synapse_1.grad, and the update is ``synapse -= alpha * synapse.grad``. For each
alpha it prints the tutorial's table, "Error after N iterations:" (mean
|layer_2 − y|), equal to the tutorial's to all 12 digits (alpha 100 to 11:
that run is chaotic, so rounding shows); then the final weights and the
"Update Direction Changes": how often each weight's update flipped sign, that
is, overshot the bottom along that weight and turned back. Tiny alphas hardly
ever turn, alpha 10 turns a lot and wins, alpha 100 stalls at an error of ⅛
and alpha 1000 diverges to ½.
``--hidden 32`` gives the tutorial's second table (all but its alpha-10 row,
0.00224922117381 after 10,000 iterations, where the tutorial's own NumPy code
prints 0.00224897566154 today, as this script does). Figure: the error of every
iteration, one curve per alpha, on log scales: up to alpha 10, each tenfold
alpha traces nearly the same curve ten times sooner.

    python examples/alpha_sweep.py [--iterations 60000] [--alphas 0.001 ... 1000] [--hidden 4] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
y = np.array([[0, 1, 1, 0]]).T
ALPHAS = [0.001, 0.01, 0.1, 1, 10, 100, 1000]


def train(alpha: float, hidden_dim: int, iterations: int, every: int) -> list[float]:
    """Train from the tutorial's seed, print its table and weights; return mean |layer_2 − y| per iteration."""
    print(f"\nTraining With Alpha:{alpha:g}")
    np.random.seed(1)
    synapse_0 = mg.Tensor(2 * np.random.random((3, hidden_dim)) - 1, requires_grad=True)
    synapse_1 = mg.Tensor(2 * np.random.random((hidden_dim, 1)) - 1, requires_grad=True)
    synapses = (synapse_0, synapse_1)
    direction_count = [np.zeros(s.shape, dtype=int) for s in synapses]
    errors: list[float] = []
    try:
        _loop(alpha, synapses, iterations, every, errors, direction_count)
    except KeyboardInterrupt:
        print(
            f"(interrupted by Ctrl-C after {len(errors)} of {iterations} iterations; the weights are where it stopped)"
        )
        INTERRUPTED.append(alpha)
    with np.printoptions(precision=8, suppress=True):
        for k, s in enumerate(synapses):
            print(f"Synapse {k}\n{s.data}\nSynapse {k} Update Direction Changes\n{direction_count[k]}")
    return errors


INTERRUPTED: list[float] = []  # the alpha whose run Ctrl-C cut short


def _loop(
    alpha: float, synapses: tuple, iterations: int, every: int, errors: list[float], direction_count: list
) -> None:
    """The tutorial's training loop; appends the error of every iteration to ``errors``."""
    synapse_0, synapse_1 = synapses
    prev_update = None
    for j in range(iterations):
        layer_1 = mg.sigmoid(X @ synapse_0)
        layer_2 = mg.sigmoid(layer_1 @ synapse_1)
        layer_2_error = layer_2 - y
        errors.append(float(np.mean(np.abs(layer_2_error.data))))
        if j % every == 0:
            print(f"Error after {j} iterations:{errors[-1]:.12g}", flush=True)
        J = 0.5 * (layer_2_error**2).sum()
        J.backward()  # synapse.grad = dJ/dsynapse: the tutorial's layer_i.T.dot(layer_{i+1}_delta)
        update = [-s.grad for s in synapses]  # the direction each weight moves
        if prev_update is not None:
            for count, now, before in zip(direction_count, update, prev_update):
                count += (now > 0) != (before > 0)
        prev_update = update
        for s in synapses:
            s.data -= alpha * s.grad
            s.grad = None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any training (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--iterations", type=cli.positive_int, default=None, help="per alpha (default 60000, as the tutorial)"
    )
    parser.add_argument("--alphas", type=cli.positive_float, nargs="+", default=ALPHAS, help="step sizes to try")
    parser.add_argument(
        "--hidden", type=cli.positive_int, default=4, help="hidden layer size (the tutorial: 4, then 32)"
    )
    parser.add_argument("--quick", action="store_true", help="3000 iterations per alpha (a few seconds)")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figure")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    iterations = args.iterations if args.iterations is not None else 3000 if args.quick else 60000
    every = 10000 if iterations >= 60000 else max(1, iterations // 6)
    curves = {}
    for alpha in args.alphas:
        curves[alpha] = train(alpha, args.hidden, iterations, every)
        if INTERRUPTED:
            break
    path = draw(curves, args.hidden, args.out / "alpha_sweep.png")
    if not INTERRUPTED:
        print(f"\nwrote {path}")
        return 0
    cut = INTERRUPTED[0]
    print(f"\nwrote {path} (partial: alpha {cut:g} stopped after {len(curves[cut])} of {iterations} iterations)")
    print(f"interrupted by Ctrl-C: {len(curves) - 1} of {len(args.alphas)} alphas completed")
    return 130


def draw(curves: dict[float, list[float]], hidden: int, path: Path) -> Path:
    """The error of every iteration, one curve per alpha, on log scales."""
    from matplotlib.figure import Figure  # imported when drawing: Ctrl-C during start-up stays quick

    fig = Figure(figsize=(7.5, 4.4))  # no pyplot: nothing needs a display
    ax = fig.subplots()
    for alpha, errors in curves.items():
        if errors:
            ax.plot(np.arange(1, len(errors) + 1), errors, lw=1.6, label=f"alpha = {alpha:g}")
    ax.set_xscale("log")  # the early iterations are where large alphas jump and stall
    ax.set_yscale("log")
    ax.set_xlabel("iteration (log scale)")
    ax.set_ylabel("mean |layer_2 − y|")
    ax.set_title(f"3-{hidden}-1 sigmoid network on the XOR data: error by step size alpha")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
