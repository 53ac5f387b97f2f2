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
    return parser


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
