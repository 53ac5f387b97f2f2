"""The backprop autodiff writes: mg.compile on the tutorial's 2-H-2 moons network, beside the hand-derived one.

WildML's tutorial derives, for z1 = X W1 + b1, a1 = tanh z1, z2 = a1 W2 + b2,
ŷ = softmax z2 and L = -Σ log ŷ[n, y_n] + λ/2 (ΣW1² + ΣW2²)::

    delta3 = probs - Y
    dW2 = a1ᵀ delta3 + λ W2,          db2 = Σ_n delta3
    delta2 = delta3 W2ᵀ ∘ (1 - a1²)
    dW1 = Xᵀ delta2 + λ W1,           db1 = Σ_n delta2

``mg.compile(mg.value_and_grad(loss))`` traces the minigrad loss once and writes
the same computation out as straight-line NumPy, one line per array operation,
each gradient named after what it is the gradient of (``dz2`` is delta3,
``dz1`` is delta2) and commented with the op whose VJP it comes from. This
script prints that program beside the tutorial's (``minigrad.manual``), checks
that both compute the same numbers, then trains with each and times a step.

    python examples/generated_backprop.py [--hidden 3] [--steps 20000] [--quick] [--out DIR]
"""

from __future__ import annotations

import inspect
import sys
import timeit

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli, manual
    from minigrad.datasets import make_moons

reg_lambda = 0.01  # λ
epsilon = 0.01  # learning rate


def tutorial_setup(hidden: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The tutorial's data (np.random.seed(0); make_moons(200, noise=0.20)) and initialisation."""
    np.random.seed(0)
    X, y = make_moons(200, noise=0.20)
    np.random.seed(0)
    W1 = np.random.randn(2, hidden) / np.sqrt(2)
    W2 = np.random.randn(hidden, 2) / np.sqrt(hidden)
    return X, y, [W1, np.zeros((1, hidden)), W2, np.zeros((1, 2))]


def make_loss(X: np.ndarray, y: np.ndarray):
    """The tutorial's summed loss with minigrad ops; ``.named`` gives the generated program its names."""

    def loss(W1, b1, W2, b2):
        z1 = (X @ W1 + b1).named("z1")
        a1 = mg.tanh(z1).named("a1")
        z2 = (a1 @ W2 + b2).named("z2")
        data_loss = mg.softmax_cross_entropy(z2, y, reduction="sum")
        return data_loss + reg_lambda / 2 * ((W1 * W1).sum() + (W2 * W2).sum())

    return loss


def main(argv: list[str] | None = None) -> int:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=cli.positive_int, default=3, help="hidden units H (default 3)")
    parser.add_argument("--steps", type=cli.positive_int, default=20000, help="gradient-descent steps (default 20000)")
    parser.add_argument("--quick", action="store_true", help="200 steps and short timings")
    parser.add_argument(
        "--out", type=cli.folder_argument, default=None, help="folder for generated_backprop.py.txt (the program)"
    )
    args = parser.parse_args(argv)
    steps = 200 if args.quick else args.steps

    X, y, params = tutorial_setup(args.hidden)
    loss = make_loss(X, y)
    step = mg.compile(mg.value_and_grad(loss, argnums=(0, 1, 2, 3)))
    value, grads = step(*params)

    print("The backprop mg.compile generated for the tutorial's network:\n")
    print(step.source)
    print("The tutorial's, derived by hand (minigrad.manual.two_layer_softmax_backprop):\n")
    source = inspect.getsource(manual.two_layer_softmax_backprop)
    print(source[source.index("    # Forward propagation") : source.index("    return {")])

    hand = manual.two_layer_softmax_backprop(X, y, *params, reg_lambda=reg_lambda)
    worst = max(np.abs(g.data - hand[k]).max() for g, k in zip(grads, ("dW1", "db1", "dW2", "db2")))
    print(f"same numbers: loss {value.item():.10f} (hand {hand['loss']:.10f}), max |gradient difference| {worst:.1e}")
    if worst > 1e-9:
        print("the generated and hand-derived gradients disagree", file=sys.stderr)
        return 1

    trained = [p.copy() for p in params]
    done = 0
    try:
        while done < steps:
            value, grads = step(*trained)
            for p, g in zip(trained, grads):
                p -= epsilon * g.data
            done += 1
    except KeyboardInterrupt:
        print(f"\ninterrupted after {done} of {steps} steps")
        return 130
    hand_params = [p.copy() for p in params]
    for _ in range(steps):
        h = manual.two_layer_softmax_backprop(X, y, *hand_params, reg_lambda=reg_lambda)
        for p, k in zip(hand_params, ("dW1", "db1", "dW2", "db2")):
            p -= epsilon * h[k]
    drift = max(np.abs(a - b).max() for a, b in zip(trained, hand_params))
    final = manual.two_layer_softmax_backprop(X, y, *trained, reg_lambda=reg_lambda)["tutorial_loss"]
    print(f"{steps} steps: loss/N {final:.6f}; compiled and hand-derived weights differ by at most {drift:.1e}")

    number = 50 if args.quick else 500
    eager = mg.value_and_grad(loss, argnums=(0, 1, 2, 3))
    timings = {
        "hand-derived NumPy": lambda: manual.two_layer_softmax_backprop(X, y, *params, reg_lambda=reg_lambda),
        "mg.compile": lambda: step(*params),
        "eager minigrad": lambda: eager(*params),
    }
    print(f"\ntime per loss-and-gradient (median of 5 × {number} calls):")
    for name, fn in timings.items():
        runs = sorted(timeit.repeat(fn, number=number, repeat=5))
        print(f"  {name:20s} {runs[2] / number * 1e6:8.1f} µs")

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "generated_backprop.py.txt").write_text(step.source)
        print(f"program written to {args.out / 'generated_backprop.py.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main))
