"""The tutorial's gradient check of the sleep/study → test score network, over many random initialisations.

The 2-3-1 sigmoid regression network of "Neural Networks Demystified" (Welch Labs,
reproduced in the ann-forward tutorial), cost J = ½ Σ (y - ŷ)², checked the
tutorial's way: norm(g - n) / norm(g + n) must stay below 1e-8, where n is
the numerical gradient. We check two g's: autodiff of J written with Tensors,
and the tutorial's hand-derived costFunctionPrime (minigrad.manual).

    python examples/sleep_study_gradient_check.py [--inits 1000] [--seed 0] [--quick] [--out DIR]

Figure: the ratios of every initialisation, autodiff and hand-derived, against
the tutorial's bound (``DIR/gradient_check_ratios.png``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli
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


def ratios(
    inits: int = 1000, seed: int = 0, eps: float | None = None, out: dict[str, list[float]] | None = None
) -> dict[str, np.ndarray]:
    """norm(g - n) / norm(g + n) for ``inits`` random initialisations W1 ~ randn(2, 3), W2 ~ randn(3, 1).

    Returns {"autodiff": ..., "manual": ...}, one value per initialisation. ``eps``
    fixes the finite-difference step (default: numerical_grad's ε^(1/3)·max(1, |w|);
    the tutorial used 1e-4). ``out``: lists to append to, so a run cut short by Ctrl-C keeps what it did.
    """
    rng = np.random.default_rng(seed)
    out = {"autodiff": [], "manual": []} if out is None else out
    for _ in range(inits):
        W1, W2 = rng.standard_normal((2, 3)), rng.standard_normal((3, 1))
        report = mg.gradcheck(cost, W1, W2, eps=eps)  # raises if any element is off
        numerical = np.concatenate([c.numerical.ravel() for c in report.checks])
        manual = sigmoid_regression_backprop(X, y, W1, W2)
        out["autodiff"].append(report.ratio)
        out["manual"].append(ratio(np.concatenate([manual["dJdW1"].ravel(), manual["dJdW2"].ravel()]), numerical))
    return {k: np.array(v) for k, v in out.items()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any work (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--inits", type=cli.positive_int, default=None, help="random initialisations (default 1000)")
    parser.add_argument("--seed", type=cli.seed, default=0, help="seed of the initialisations (0 .. 2**32 - 1)")
    parser.add_argument("--quick", action="store_true", help="50 initialisations")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figure")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    inits = args.inits if args.inits is not None else 50 if args.quick else 1000
    results: dict[str, dict[str, list[float]]] = {}
    interrupted = False
    for label, eps in (("minigrad's step", None), ("the tutorial's step e = 1e-4", 1e-4)):
        print(f"checking {inits} random initialisations with {label} ...", flush=True)
        results[label] = {"autodiff": [], "manual": []}
        try:
            ratios(inits, args.seed, eps, out=results[label])
        except KeyboardInterrupt:
            interrupted = True
        done = len(results[label]["manual"])
        print(
            f"{done} random initialisations, {label}:" + (f" (interrupted by Ctrl-C of {inits})" if interrupted else "")
        )
        for name, values in results[label].items():
            r = np.array(values[:done])
            if not len(r):
                continue
            verdict = "all below" if np.all(r < BOUND) else f"{np.sum(r >= BOUND)} NOT below"
            print(f"  {name:>8} vs numerical: median {np.median(r):.2e}, worst {r.max():.2e} ({verdict} {BOUND:g})")
        if interrupted:
            break
    if any(results[label]["manual"] for label in results):
        partial = f" (partial: interrupted, {done} of {inits} initialisations with {label})" if interrupted else ""
        print(f"wrote {draw(results, args.out / 'gradient_check_ratios.png')}{partial}")
    return 130 if interrupted else 0


def draw(results: dict[str, dict[str, list[float]]], path: Path) -> Path:
    """One point per initialisation and gradient (autodiff, hand-derived), on a log scale, with the 1e-8 bound."""
    from matplotlib.figure import Figure  # imported when drawing: Ctrl-C during start-up stays quick

    fig = Figure(figsize=(7, 4.2))  # no pyplot: nothing needs a display
    ax = fig.subplots()
    for k, (label, by_name) in enumerate(results.items()):
        for j, (name, values) in enumerate(by_name.items()):
            r = np.array(values[: len(by_name["manual"])])
            x = np.full(len(r), 2 * k + j) + np.random.default_rng(0).uniform(-0.25, 0.25, len(r))
            ax.scatter(x, r, s=6, alpha=0.5, label=f"{name}, {label}")
    ax.axhline(BOUND, color="red", lw=1, ls="--", label="the tutorial's bound 1e-8")
    ax.set_yscale("log")
    ax.set_xticks([])
    ax.set_ylabel("‖g − n‖ / ‖g + n‖")
    ax.set_title("Gradient check of the 2-3-1 sleep/study network over random initialisations")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=2)
    ax.grid(alpha=0.3, which="both", axis="y")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
