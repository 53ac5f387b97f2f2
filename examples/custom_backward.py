"""Write your own backward pass with ``mg.custom_vjp``, check it with ``mg.gradcheck``, and train with it.

The op is the hidden layer of WildML's 2-H-2 network, a1 = tanh(z1) with
z1 = X W1 + b1, written as one primitive: a NumPy forward that saves what the
backward needs, and the backward the tutorial derives,

    δ2 = g ∘ (1 − a1²)                 (tanh' z1 = 1 − tanh² z1 = 1 − a1², reusing the output)
    dX = δ2 W1ᵀ,   dW1 = Xᵀ δ2,   db1 = Σ_n δ2

where g is the gradient arriving from above (δ3 W2ᵀ in the tutorial). The script

1. checks the op with ``mg.gradcheck`` (autodiff against central differences);
2. shows the check catching a plausible slip, 1 − z1² instead of 1 − a1²
   (the derivative written with the input), and prints its message;
3. trains the 2-H-2 network on the moons with the op, and compares every loss
   with the same network built from ``mg.tanh``;
4. shows the limit of a NumPy backward: it has no derivative itself, so
   second order (``mg.hvp``) through the op raises ``mg.SecondOrderError``.

Figure: every gradient element of the op, backward against finite differences,
for the right backward and for the slip.

    python examples/custom_backward.py [--steps 1000] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli
    from minigrad.datasets import make_moons


def tanh_layer_forward(X: np.ndarray, W1: np.ndarray, b1: np.ndarray) -> tuple[np.ndarray, tuple]:
    """a1 = tanh(X W1 + b1); returns (output, residuals for the backward)."""
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    return a1, (X, W1, z1, a1)


def tanh_layer_backward(residuals: tuple, g: np.ndarray) -> tuple[np.ndarray, ...]:
    """One gradient per input (X, W1, b1), from the upstream gradient g = dL/da1."""
    X, W1, z1, a1 = residuals
    delta2 = g * (1 - a1**2)
    return delta2 @ W1.T, X.T @ delta2, delta2.sum(axis=0)


def tanh_layer_backward_slip(residuals: tuple, g: np.ndarray) -> tuple[np.ndarray, ...]:
    """The same, with the derivative of tanh written with z1 instead of a1: wrong."""
    X, W1, z1, a1 = residuals
    delta2 = g * (1 - z1**2)
    return delta2 @ W1.T, X.T @ delta2, delta2.sum(axis=0)


tanh_layer = mg.custom_vjp(tanh_layer_forward, tanh_layer_backward, name="tanh_layer")
tanh_layer_slip = mg.custom_vjp(tanh_layer_forward, tanh_layer_backward_slip, name="tanh_layer_slip")


def train(
    layer: Callable, X: np.ndarray, y: np.ndarray, steps: int, epsilon: float = 0.01, reg_lambda: float = 0.01
) -> list:
    """Batch gradient descent on the 2-3-2 network whose hidden layer is ``layer(X, W1, b1)``; L/N per step."""
    np.random.seed(0)
    W1 = mg.Tensor(np.random.randn(2, 3) / np.sqrt(2), requires_grad=True)
    b1 = mg.Tensor(np.zeros(3), requires_grad=True)
    W2 = mg.Tensor(np.random.randn(3, 2) / np.sqrt(3), requires_grad=True)
    b2 = mg.Tensor(np.zeros(2), requires_grad=True)
    curve = []
    for _ in range(steps):
        z2 = layer(X, W1, b1) @ W2 + b2
        L = mg.softmax_cross_entropy(z2, y, "sum") + reg_lambda / 2 * ((W1**2).sum() + (W2**2).sum())
        L.backward()
        for p in (W1, b1, W2, b2):
            p.data -= epsilon * p.grad
            p.grad = None
        curve.append(L.item() / len(X))
    return curve


def builtin_tanh_layer(X: np.ndarray, W1: mg.Tensor, b1: mg.Tensor) -> mg.Tensor:
    """The same layer from minigrad's own ops, for comparison."""
    return mg.tanh(X @ W1 + b1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any work (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=cli.positive_int, default=None, help="training steps (default 1000)")
    parser.add_argument("--quick", action="store_true", help="200 training steps")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figure")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    steps = args.steps if args.steps is not None else 200 if args.quick else 1000

    try:
        return run(args, steps)
    except KeyboardInterrupt:
        print("\ninterrupted by Ctrl-C: the sections printed above completed; no figure written (it needs them all)")
        return 130


def run(args: argparse.Namespace, steps: int) -> int:
    """Every section, printed as it completes, then the figure."""
    np.random.seed(0)
    X, y = make_moons(200, noise=0.20)
    rng = np.random.RandomState(1)
    # A small problem to check (10 rows); names label the report. gradcheck never touches their .grad.
    Xs = mg.Tensor(X[:10], requires_grad=True, name="X")
    W1 = mg.Tensor(rng.randn(2, 3) / np.sqrt(2), requires_grad=True, name="W1")
    b1 = mg.Tensor(0.1 * rng.randn(3), requires_grad=True, name="b1")

    print("== 1. gradcheck of the tanh layer with the backward 1 - a1**2")
    report = mg.gradcheck(tanh_layer, Xs, W1, b1)  # checks X, W1 and b1; raises mg.GradcheckError on a mismatch
    print(report)

    print("\n== 2. the slip 1 - z1**2: gradcheck raises mg.GradcheckError")
    try:
        mg.gradcheck(tanh_layer_slip, Xs, W1, b1)
    except mg.GradcheckError as error:
        print(error)
        slip = error.report
    else:
        raise SystemExit("the slip was not caught")

    print(f"\n== 3. training the 2-3-2 moons network with the custom layer ({steps} steps)")
    custom, builtin = train(tanh_layer, X, y, steps), train(builtin_tanh_layer, X, y, steps)
    for i in range(0, steps, max(1, steps // 5)):
        print(f"step {i:5d}: L/N custom {custom[i]:.6f}, built-in tanh {builtin[i]:.6f}")
    diff = np.max(np.abs(np.array(custom) - np.array(builtin)))
    print(f"max |difference| over all {steps} steps: {diff:.1e}")

    print("\n== 4. second order through a NumPy backward")
    try:
        mg.hvp(lambda w: tanh_layer(Xs.data, w, b1.data).sum(), W1.data, np.ones(W1.shape))
    except mg.SecondOrderError as error:
        print(f"mg.hvp raises SecondOrderError: {str(error).split(';')[0]}")
    else:
        raise SystemExit("mg.hvp through the custom op did not raise SecondOrderError")

    from matplotlib.figure import Figure  # imported when drawing: Ctrl-C during start-up stays quick

    fig = Figure(figsize=(5.8, 5))  # no pyplot: nothing needs a display
    ax = fig.subplots()
    for rep, label, marker in ((report, "backward with 1 − a1²", "o"), (slip, "backward with 1 − z1² (slip)", "x")):
        n = np.concatenate([c.numerical.ravel() for c in rep.checks])
        a = np.concatenate([c.autodiff.ravel() for c in rep.checks])
        ax.scatter(n, a, marker=marker, s=28, label=f"{label}: ‖a − n‖/‖a + n‖ = {rep.ratio:.1e}")
    lims = [min(ax.get_xlim()[0], ax.get_ylim()[0]), max(ax.get_xlim()[1], ax.get_ylim()[1])]
    ax.plot(lims, lims, color="gray", lw=1, ls="--", label="agreement (y = x)")
    ax.set_xlabel("finite differences (central, per element)")
    ax.set_ylabel("the custom backward")
    ax.set_title("Custom tanh layer: gradient elements of X, W1, b1,\nhand-written backward vs finite differences")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13))  # below the axes: off the points
    ax.grid(alpha=0.3)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "custom_backward.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
