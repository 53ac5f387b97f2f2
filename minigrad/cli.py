"""The ``minigrad`` command: rerun the three tutorials through autodiff.

Every subcommand has ``--help``. Bad arguments give a one-line error and exit
status 2; Ctrl-C stops a run, keeps what was computed and exits with 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np

__all__ = ["main"]


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


def output_dir(path: str | Path) -> Path:
    """``path`` created if needed and checked writable, or a UsageError."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {str(path)!r}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"output folder {str(path)!r} is not writable")
    return path


def output_file(path: str | Path) -> Path:
    path = Path(path)
    output_dir(path.parent if str(path.parent) else ".")
    return path


# -- alpha-sweep -------------------------------------------------------------------


def _alpha_sweep(args: argparse.Namespace) -> int:
    from .tutorials.xor import train_alpha

    plot = output_file(args.plot) if args.plot else None
    every = max(args.iterations // 6, 1)
    runs = []
    for alpha in args.alphas:
        print(f"\nTraining With Alpha:{alpha:g}")
        run = train_alpha(
            alpha,
            hidden=args.hidden,
            iterations=args.iterations,
            every=every,
            progress=lambda r: print(f"Error after {r.iterations[-1]} iterations:{r.errors[-1]:.12g}", flush=True),
        )
        runs.append(run)
        print(run.weights_report())
        if run.completed < args.iterations:
            print(f"(interrupted after {run.completed} iterations; weights above are where it stopped)")
            break
    if plot is not None:
        from .plots import alpha_curves

        print(f"\nwrote {alpha_curves(runs, plot)}")
    return 130 if runs[-1].completed < args.iterations else 0


# -- moons ---------------------------------------------------------------------------


def _moons(args: argparse.Namespace) -> int:
    from .tutorials.moons import train_moons

    plot = output_file(args.plot) if args.plot else None
    hidden = args.layers if args.layers else args.hidden
    run = train_moons(
        hidden,
        classes=args.classes,
        optimizer=args.optimizer,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        anneal=args.anneal,
        activation=args.activation,
        reg_lambda=args.reg_lambda,
        seed=args.seed,
        print_every=args.print_every,
        print_fn=lambda line: print(line, flush=True),
    )
    sizes = "-".join(str(n) for n in run.sizes)
    print(f"network {sizes} ({args.activation}), optimizer {args.optimizer}: {run.iterations} steps")
    if run.history.loss:
        print(f"final loss {run.history.loss[-1]:.6f}, training accuracy {run.accuracy:.1%}")
    if run.history.stopped:
        print(f"stopped early: {run.history.stopped}")
    if plot is not None:
        from .plots import decision_boundary

        title = f"Decision boundary, {sizes} {args.activation} network ({args.optimizer})"
        print(f"wrote {decision_boundary(run.predict, run.X, run.y, plot, title)}")
    return 130 if run.history.stopped and "interrupted" in run.history.stopped else 0


# -- scores --------------------------------------------------------------------------


def _scores(args: argparse.Namespace) -> int:
    from .datasets import sleep_study
    from .tutorials.scores import gradient_ratio, network, train_scores

    out = output_dir(args.out) if args.out else None
    data = sleep_study()
    ratio = gradient_ratio(network(args.seed), data.X_train, data.y_train, args.reg_lambda)
    verdict = "passes" if ratio < 1e-8 else "FAILS"
    print(f"gradient check: ||g - n|| / ||g + n|| = {ratio:.3e} ({verdict} the tutorial's 1e-8 bound)")
    runs = {}
    for lam in (args.reg_lambda, 0.0) if args.reg_lambda else (0.0,):
        run = train_scores(lam, args.optimizer, maxiter=args.maxiter, seed=args.seed)
        runs[lam] = run
        print(f"\nlambda = {lam:g}, {args.optimizer}: {run.iterations} iterations ({run.message})")
        step = max(run.iterations // 8, 1)
        for i in range(0, run.iterations, step):
            print(f"  iteration {i + 1:4d}  J = {run.train_cost[i]:.6g}   test J = {run.test_cost[i]:.6g}")
        print(f"  final        J = {run.train_cost[-1]:.6g}   test J = {run.test_cost[-1]:.6g}")
        print(
            "  predictions (train):",
            np.array2string(run.predictions.ravel(), precision=1),
            "actual",
            np.array2string(data.y_train.ravel() * 100, precision=0),
        )
        print(
            "  predictions (test): ",
            np.array2string(run.test_predictions.ravel(), precision=1),
            "actual",
            np.array2string(data.y_test.ravel() * 100, precision=0),
        )
        if run.message == "interrupted by the user":
            return 130
    if out is not None:
        from .plots import bfgs_costs, train_test_costs

        first = runs[args.reg_lambda]
        print(f"\nwrote {bfgs_costs({f'lambda = {args.reg_lambda:g}': first.train_cost}, out / 'scores_cost.png')}")
        curves = {f"lambda = {lam:g}": (run.train_cost, run.test_cost) for lam, run in runs.items()}
        print(f"wrote {train_test_costs(curves, out / 'scores_overfitting.png')}")
    return 0


# -- gradcheck / demo ------------------------------------------------------------------


def _gradcheck(args: argparse.Namespace) -> int:
    from .tutorials.threeway import format_table, three_way

    rows = three_way(args.model)
    print(format_table(rows))
    return 0 if all(r.ok for r in rows) else 1


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    out = output_dir(args.out)
    run_demo(out, quick=args.quick, say=lambda line: print(line, flush=True))
    return 0


# -- wiring --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minigrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "alpha-sweep",
        help="Trask's 3-4-1 XOR network: error table and update-direction changes per alpha",
        description="Train the 3-H-1 sigmoid network on the XOR-like data for each step size alpha, "
        "printing the tutorial's error table, final weights and update-direction change counts.",
    )
    p.add_argument("--hidden", type=positive_int, default=4, help="hidden layer size (default 4)")
    p.add_argument(
        "--alphas",
        type=positive_float,
        nargs="+",
        default=[0.001, 0.01, 0.1, 1, 10, 100, 1000],
        help="step sizes to try (default: the tutorial's 0.001 ... 1000)",
    )
    p.add_argument("--iterations", type=positive_int, default=60000, help="iterations per alpha (default 60000)")
    p.add_argument("--plot", metavar="FILE", help="also write the error curves (log scale) to this PNG")
    p.set_defaults(run=_alpha_sweep)

    p = sub.add_parser(
        "moons",
        help="the 2-H-2 tanh/softmax network on make_moons, and the tutorial's exercises",
        description="Train the wildml 2-H-2 network (summed cross-entropy + L2, lr on the summed loss) "
        "or one of its exercises: minibatch GD, annealing, other activations, three classes, more layers.",
    )
    p.add_argument("--hidden", type=positive_int, default=3, help="hidden layer size (default 3)")
    p.add_argument("--layers", type=positive_int, nargs="+", metavar="H", help="several hidden sizes, e.g. 5 4")
    p.add_argument("--classes", type=int, choices=(2, 3), default=2, help="2 moons or 3 (default 2)")
    p.add_argument("--optimizer", choices=OPTIMIZER_CHOICES["moons"], default="gd", help="default gd")
    p.add_argument("--steps", type=positive_int, default=20000, help="training steps (default 20000)")
    p.add_argument("--batch-size", type=positive_int, help="minibatch size for --optimizer sgd (default 20)")
    p.add_argument("--lr", type=positive_float, help="step size on the summed loss (default 0.01, 0.001 for momentum)")
    p.add_argument("--anneal", type=positive_float, help="1/t annealing: lr / (1 + anneal * t)")
    p.add_argument("--activation", choices=("tanh", "sigmoid", "relu"), default="tanh", help="default tanh")
    p.add_argument("--lambda", dest="reg_lambda", type=float, default=0.01, help="L2 strength (default 0.01)")
    p.add_argument("--seed", type=int, default=0, help="np.random.seed for data and weights (default 0)")
    p.add_argument("--print-every", type=int, default=1000, help="progress line every N steps (0: none)")
    p.add_argument("--plot", metavar="FILE", help="write the decision boundary to this PNG")
    p.set_defaults(run=_moons)

    p = sub.add_parser(
        "scores",
        help="the 2-3-1 sleep/study regression network: gradient check, BFGS, overfitting",
        description="Check the autodiff gradient numerically, train with BFGS recording J per iteration, "
        "print predictions, and compare train/test cost with and without L2.",
    )
    p.add_argument("--lambda", dest="reg_lambda", type=float, default=1e-4, help="L2 strength (default 1e-4)")
    p.add_argument("--optimizer", choices=OPTIMIZER_CHOICES["scores"], default="bfgs", help="default bfgs")
    p.add_argument("--maxiter", type=positive_int, default=200, help="iterations (default 200)")
    p.add_argument("--seed", type=int, default=0, help="np.random.seed for the weights (default 0)")
    p.add_argument("--out", metavar="DIR", help="write the cost and overfitting figures to this folder")
    p.set_defaults(run=_scores)

    p = sub.add_parser(
        "gradcheck",
        help="hand-derived backprop vs autodiff vs finite differences, per parameter",
        description="Compute each tutorial network's gradient three ways and print how they agree "
        "(||a - b|| / ||a + b|| per pair). Exit status 1 if any pair exceeds the tutorials' 1e-8.",
    )
    p.add_argument("--model", choices=("moons", "scores", "xor", "all"), default="all", help="default all")
    p.set_defaults(run=_gradcheck)

    p = sub.add_parser(
        "demo",
        help="the main job: all three tutorials end to end, a report and the figures",
        description="Run the three tutorials through autodiff, print a short report (losses, accuracy, "
        "BFGS iterations, gradient checks, the recorded graph) and write the figures as PNG.",
    )
    p.add_argument("--out", default="minigrad-out", metavar="DIR", help="figure folder (default ./minigrad-out)")
    p.add_argument("--quick", action="store_true", help="much shorter runs (a few seconds)")
    p.set_defaults(run=_demo)
    return parser


OPTIMIZER_CHOICES = {
    "moons": ("gd", "sgd", "momentum", "adam", "bfgs", "lbfgs"),
    "scores": ("bfgs", "lbfgs", "gd"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``minigrad`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except UsageError as exc:
        print(f"minigrad {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
