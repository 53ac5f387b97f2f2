"""The minigrad command: rerun the three tutorials through autodiff.

Every subcommand has --help. Bad arguments give a one-line error and exit
status 2, before any training starts; Ctrl-C stops a run, prints what was
completed, writes the figures it has (saying they are partial) and exits with 130.
Output that cannot be written (a full disk) ends in one line too; a closed pipe
(``minigrad moons | head``) ends quietly, as Unix tools do.

The argument checks (``Parser``, the argparse types, ``writable_folder``,
``figure_file``, ``require_matplotlib``) are shared with the scripts in examples/.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np

__all__ = [
    "main",
    "build_parser",
    "Parser",
    "UsageError",
    "positive_int",
    "count",
    "seed",
    "positive_float",
    "nonnegative_float",
    "folder_argument",
    "writable_folder",
    "figure_file",
    "require_matplotlib",
    "run_script",
]

FIGURE_FORMATS = (".png", ".pdf", ".svg")
SEED_LIMIT = 2**32  # np.random.seed accepts 0 .. 2**32 - 1
WARN_BYTES = 2**30  # above about 1 GiB of arrays, say so before training


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, ``prog: error: message``, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def require_matplotlib(self) -> None:
        """Exit 2 in one line naming the ``[plot]`` extra if matplotlib cannot be imported."""
        try:
            require_matplotlib("drawing the figures")
        except UsageError as exc:
            self.error(str(exc))


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def count(text: str) -> int:
    """An argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def seed(text: str) -> int:
    """An argparse type: a seed NumPy accepts, 0 <= seed < 2**32."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"a seed must be between 0 and 2**32 - 1 = {SEED_LIMIT - 1}, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    """An argparse type: a finite number >= 0 (an L2 strength)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def _check_writable(folder: Path) -> None:
    """Raise OSError unless a file can be created in the existing ``folder`` (nothing is left behind).

    A real write, not ``os.access``: it also sees read-only file systems, and the
    permission bits that do not stop root.
    """
    with tempfile.TemporaryFile(dir=folder):
        pass


def _nearest_existing(path: Path) -> Path:
    """``path`` itself if it exists, else its closest ancestor that does."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def writable_folder(path: str | Path) -> Path:
    """``path`` as a folder that exists and is writable, or can be created: checked, nothing is created.

    The folder is made when the first file is written into it, so a run refused or
    interrupted before that leaves no empty folder behind. Raises ``UsageError`` for an
    empty name, a file, or a place where nothing can be written.
    """
    if not str(path).strip():
        raise UsageError("the output folder name is empty")
    path = Path(path)
    base = _nearest_existing(path.absolute())
    if base == path.absolute() and not path.is_dir():
        raise UsageError(f"output folder {str(path)!r} is a file, not a folder")
    if not base.is_dir():
        raise UsageError(f"cannot create output folder {str(path)!r}: {str(base)!r} is a file")
    try:
        _check_writable(base)
    except OSError as exc:
        verb = "output folder" if base == path.absolute() else "cannot create output folder"
        where = "" if base == path.absolute() else f": {str(base)!r}"
        raise UsageError(f"{verb} {str(path)!r}{where} is not writable ({exc.strerror or exc})") from None
    return path


def figure_file(path: str | Path, option: str = "--plot") -> Path:
    """A figure path: a .png/.pdf/.svg file, not a folder, in an existing writable folder, or a UsageError.

    ``option`` names the argument in the message for an empty path.
    """
    if not str(path).strip():
        raise UsageError(f"{option} needs a file name ending in {', '.join(FIGURE_FORMATS)}, got an empty one")
    path = Path(path)
    if path.suffix.lower() not in FIGURE_FORMATS:
        got = f"{path.suffix!r}" if path.suffix else "no extension"
        raise UsageError(f"cannot write a figure to {str(path)!r} ({got}): use a {', '.join(FIGURE_FORMATS)} file")
    if path.is_dir():
        raise UsageError(f"cannot write a figure to {str(path)!r}: it is a folder")
    folder = path.parent
    if not folder.is_dir():
        what = "is a file" if folder.exists() else "does not exist"
        raise UsageError(f"cannot write a figure to {str(path)!r}: folder {str(folder)!r} {what}")
    try:
        _check_writable(folder)
    except OSError as exc:
        raise UsageError(
            f"cannot write a figure to {str(path)!r}: folder {str(folder)!r} is not writable ({exc.strerror or exc})"
        ) from None
    return path


def folder_argument(text: str) -> Path:
    """An argparse type: ``writable_folder`` (a folder that can be written to, created only when used).

    Raises ``argparse.ArgumentTypeError`` with ``writable_folder``'s message, which argparse reports in one line.
    """
    try:
        return writable_folder(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def require_matplotlib(what: str) -> None:
    """Refuse up front, before any training, when the figures cannot be drawn: a UsageError naming the extra."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(f'{what} needs matplotlib: pip install "minigrad-np[plot]"') from None


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_network_size(sizes: Sequence[int], rows: int, plot: bool = False, itemsize: int = 8) -> None:
    """Refuse a network whose arrays cannot fit in memory; warn (stderr) above about 1 GiB.

    Estimate: 6 copies of every parameter (value, gradient, optimizer state, the
    last finite step's copy) and 8 arrays of activations per hidden unit and data
    row (forward values and their gradients), plus, for a figure, the prediction
    grid's chunks (at most 2**24 numbers per layer).
    """
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    units = sum(sizes[1:])
    grid = min(units * 4096, 2**24 * (len(sizes) - 1)) if plot else 0
    need = itemsize * (6 * params + 8 * units * rows + grid)
    have = available_memory()
    shape = "-".join(str(n) for n in sizes)
    if have is not None and need > have:
        raise UsageError(
            f"a {shape} network needs about {need / 2**30:.1f} GiB of memory and {have / 2**30:.1f} GiB is available: "
            "use fewer hidden units"
        )
    if need > WARN_BYTES:
        print(
            f"warning: a {shape} network needs about {need / 2**30:.1f} GiB of memory and will be slow", file=sys.stderr
        )


def _interrupted(what: str) -> int:
    print(f"interrupted by Ctrl-C: {what}", file=sys.stderr)
    return 130


def _wrote(path: Path, partial: str | None = None) -> None:
    """Announce a figure written; ``partial`` says why it shows less than was asked (Ctrl-C)."""
    print(f"wrote {path}" + (f" (partial: {partial})" if partial else ""))


def _plot_option(path: str | None) -> Path | None:
    """The --plot figure checked up front (and matplotlib with it), or None without --plot."""
    if path is None:
        return None
    plot = figure_file(path, "--plot")
    require_matplotlib("--plot")
    return plot


# -- alpha-sweep -------------------------------------------------------------------


def _alpha_sweep(args: argparse.Namespace) -> int:
    from .tutorials.xor import train_alpha

    plot = _plot_option(args.plot)
    check_network_size([3, args.hidden, 1], rows=4)
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
    stopped = None
    if runs[-1].completed < args.iterations:
        stopped = (
            f"{len(runs) - 1} of {len(args.alphas)} alphas completed, alpha {runs[-1].alpha:g} stopped "
            f"after {runs[-1].completed} of {args.iterations} iterations"
        )
    if plot is not None and any(r.errors for r in runs):
        from .plots import alpha_curves

        print()
        _wrote(alpha_curves([r for r in runs if r.errors], plot), stopped)
    return _interrupted(stopped) if stopped else 0


# -- moons ---------------------------------------------------------------------------


def _moons(args: argparse.Namespace) -> int:
    from .tutorials.moons import format_loss, train_moons

    plot = _plot_option(args.plot)
    if args.layers and args.hidden is not None:
        raise UsageError("give --hidden H (one hidden layer) or --layers H1 H2 ..., not both")
    hidden = args.layers if args.layers else args.hidden if args.hidden is not None else 3
    n = 200
    if args.batch_size is not None:
        if args.optimizer != "sgd":
            raise UsageError(
                f"--batch-size applies to --optimizer sgd only; {args.optimizer} uses the whole data set every step"
            )
        if args.batch_size > n:
            raise UsageError(f"--batch-size {args.batch_size} is larger than the {n} training points")
    if args.anneal is not None and args.optimizer in ("bfgs", "lbfgs"):
        raise UsageError(f"--anneal applies to gradient-descent optimizers, not {args.optimizer}")
    if args.lr is not None and args.optimizer in ("bfgs", "lbfgs"):
        raise UsageError(
            f"--lr applies to gradient-descent optimizers, not {args.optimizer} (it chooses its own steps)"
        )
    if args.lr is not None and not np.isfinite(args.lr * n):  # the step on the summed loss is lr · batch
        raise UsageError(f"--lr {args.lr:g} is too large: the step on the summed loss overflows")
    sizes = [2, *([hidden] if isinstance(hidden, int) else hidden), args.classes]
    check_network_size(sizes, rows=n, plot=plot is not None)
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
    shape = "-".join(str(k) for k in run.sizes)
    if run.stopped and run.stopped.startswith("diverged"):
        raise UsageError(f"training {run.stopped}; {_moons_divergence_cause(args, n)}")
    print(f"network {shape} ({args.activation}), optimizer {args.optimizer}: {run.iterations} steps")
    print(f"final loss {format_loss(run.final_loss)}, training accuracy {run.accuracy:.1%}")
    if run.stopped and not run.interrupted and run.iterations < args.steps:
        print(f"stopped early: {run.stopped}")
    stopped = f"training stopped after {run.iterations} of {args.steps} steps" if run.interrupted else None
    if plot is not None:
        from .plots import decision_boundary

        title = f"Decision boundary, {shape} {args.activation} network ({args.optimizer}, {run.iterations} steps)"
        _wrote(decision_boundary(run.predict, run.X, run.y, plot, title), stopped)
    return _interrupted(stopped) if stopped else 0


def _moons_divergence_cause(args: argparse.Namespace, n: int) -> str:
    """Which setting made the moons loss blow up, in words: --lambda, --lr, both, or the default step."""
    default = 0.001 if args.optimizer == "momentum" else 0.01  # train_moons's step on the summed loss
    lam = f"--lambda {args.reg_lambda:g}"
    if args.lr is not None and args.lr > default:
        both = _penalty_overshoots(args, n, default)  # --lambda too large even at the default step
        return f"--lr {args.lr:g} and {lam} are both too large" if both else f"--lr {args.lr:g} is too large"
    if _penalty_overshoots(args, n, args.lr or default):
        return f"{lam} is too large: the L2 penalty alone makes every step overshoot"
    if args.lr is not None:
        return f"--lr {args.lr:g} is too large"
    return "the step size is too large for this network (try a smaller --lr)"


def _penalty_overshoots(args: argparse.Namespace, n: int, eps: float) -> bool:
    """True if gradient descent with step ``eps`` (on the summed loss) diverges on the L2 penalty alone.

    On λ/(2N)·ΣW² a step of lr = ε·B multiplies the weights by 1 − ε·λ·B/N, which grows
    them once ε·λ·B/N > 2 (> 2·(1 + 0.9) with momentum 0.9). Adam's steps do not scale
    with the gradient, and BFGS searches its own step: the penalty alone cannot make them
    diverge. B is train_moons's default batch (20) unless --batch-size is given.
    """
    if args.optimizer not in ("gd", "sgd", "momentum"):
        return False
    batch = (args.batch_size or 20) if args.optimizer == "sgd" else n
    limit = 2 * (1 + 0.9) if args.optimizer == "momentum" else 2
    return eps * args.reg_lambda * batch / n > limit


# -- scores --------------------------------------------------------------------------


def _scores(args: argparse.Namespace) -> int:
    from .datasets import sleep_study
    from .optim.base import NonFiniteError
    from .tutorials.scores import gradient_ratio, network, train_scores

    out = writable_folder(args.out) if args.out is not None else None
    if out is not None:
        require_matplotlib("--out")
    data = sleep_study()
    ratio = gradient_ratio(network(args.seed), data.X_train, data.y_train, args.reg_lambda)
    verdict = "passes" if ratio < 1e-8 else "FAILS"
    print(f"gradient check: ||g - n|| / ||g + n|| = {ratio:.3e} ({verdict} the tutorial's 1e-8 bound)")
    runs = {}
    unit = "steps" if args.optimizer == "gd" else "iterations"
    interrupted = False
    stopped = None
    for lam in (args.reg_lambda, 0.0) if args.reg_lambda else (0.0,):
        try:
            run = train_scores(lam, args.optimizer, maxiter=args.maxiter, seed=args.seed)
        except NonFiniteError as exc:  # gradient descent's only way out of a blow-up
            raise UsageError(_scores_divergence(args, lam, exc)) from None
        except KeyboardInterrupt:  # before training started (train_scores handles it once it has)
            stopped = f"lambda = {lam:g} stopped before its first {unit[:-1]}"
            break
        runs[lam] = run
        print(f"\nlambda = {lam:g}, {args.optimizer}: {run.iterations} {unit} ({run.message})")
        print("  J and test J of the parameters after each update:")
        step = max(run.iterations // 8, 1)
        for i in range(0, run.iterations, step):
            print(f"  after update {i + 1:5d}  J = {run.train_cost[i]:.6g}   test J = {run.test_cost[i]:.6g}")
        if run.iterations:
            print(f"  final              J = {run.train_cost[-1]:.6g}   test J = {run.test_cost[-1]:.6g}")
        print(
            "  predictions (train):",
            np.array2string(np.ravel(run.predictions), precision=1),
            "actual",
            np.array2string(data.y_train.ravel() * 100, precision=0),
        )
        print(
            "  predictions (test): ",
            np.array2string(np.ravel(run.test_predictions), precision=1),
            "actual",
            np.array2string(data.y_test.ravel() * 100, precision=0),
        )
        if run.interrupted:
            interrupted = True
            break
    if interrupted:
        last = list(runs.values())[-1]
        stopped = f"lambda = {last.lam:g} stopped after {last.iterations} {unit}"
    if out is not None:
        from .plots import bfgs_costs, train_test_costs

        done = {lam: run for lam, run in runs.items() if run.iterations}
        if done:
            first = next(iter(done.values()))
            label = f"lambda = {first.lam:g}"
            print()
            _wrote(bfgs_costs({label: first.train_cost}, out / "scores_cost.png", args.optimizer), stopped)
            curves = {f"lambda = {lam:g}": (run.train_cost, run.test_cost) for lam, run in done.items()}
            _wrote(train_test_costs(curves, out / "scores_overfitting.png", args.optimizer), stopped)
    return _interrupted(stopped) if stopped else 0


def _scores_divergence(args: argparse.Namespace, lam: float, exc: Exception) -> str:
    """The one-line error for a scores run whose gradient became nan/inf."""
    cause = f"--lambda {lam:g} makes the L2 penalty too large for its step size" if lam > 0 else "its step size"
    return f"training diverged ({args.optimizer}, lambda = {lam:g}): {exc}; {cause}"


# -- gradcheck / demo ------------------------------------------------------------------


def _gradcheck(args: argparse.Namespace) -> int:
    from .tutorials.threeway import format_table, three_way

    rows = three_way(args.model)
    print(format_table(rows))
    return 0 if all(r.ok for r in rows) else 1


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    out = writable_folder(args.out)
    require_matplotlib("minigrad demo")
    result = run_demo(out, quick=args.quick, say=lambda line: print(line, flush=True))
    if result.interrupted:
        return _interrupted(result.interrupted)
    return 0


# -- wiring --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the minigrad command: one subcommand per tutorial, plus demo and gradcheck."""
    from . import __version__

    parser = Parser(prog="minigrad", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"minigrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
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
    p.add_argument("--plot", metavar="FILE", help="also write the error curves (log scale) to this .png/.pdf/.svg")
    p.set_defaults(run=_alpha_sweep)

    p = sub.add_parser(
        "moons",
        help="the 2-H-2 tanh/softmax network on make_moons, and the tutorial's exercises",
        description="Train the wildml 2-H-2 network (summed cross-entropy + L2, lr on the summed loss) "
        "or one of its exercises: minibatch GD, annealing, other activations, three classes, more layers.",
    )
    p.add_argument("--hidden", type=positive_int, help="hidden layer size (default 3)")
    p.add_argument("--layers", type=positive_int, nargs="+", metavar="H", help="several hidden sizes, e.g. 5 4")
    p.add_argument("--classes", type=int, choices=(2, 3), default=2, help="2 moons or 3 (default 2)")
    p.add_argument("--optimizer", choices=OPTIMIZER_CHOICES["moons"], default="gd", help="default gd")
    p.add_argument(
        "--steps",
        type=positive_int,
        default=20000,
        help="training steps (default 20000; sgd rounds up to whole epochs of --batch-size)",
    )
    p.add_argument(
        "--batch-size", type=positive_int, help="minibatch size for --optimizer sgd, at most 200 (default 20)"
    )
    p.add_argument("--lr", type=positive_float, help="step size on the summed loss (default 0.01, 0.001 for momentum)")
    p.add_argument("--anneal", type=positive_float, help="1/t annealing: lr / (1 + anneal * t)")
    p.add_argument("--activation", choices=("tanh", "sigmoid", "relu"), default="tanh", help="default tanh")
    p.add_argument(
        "--lambda", dest="reg_lambda", type=nonnegative_float, default=0.01, help="L2 strength (default 0.01)"
    )
    p.add_argument("--seed", type=seed, default=0, help="np.random.seed for data and weights (default 0)")
    p.add_argument(
        "--print-every", type=count, default=1000, help="loss after every N-th update (default 1000; 0: none)"
    )
    p.add_argument("--plot", metavar="FILE", help="write the decision boundary to this .png/.pdf/.svg")
    p.set_defaults(run=_moons)

    p = sub.add_parser(
        "scores",
        help="the 2-3-1 sleep/study regression network: gradient check, BFGS, overfitting",
        description="Check the autodiff gradient numerically, train with BFGS recording J per iteration, "
        "print predictions, and compare train/test cost with and without L2.",
    )
    p.add_argument(
        "--lambda", dest="reg_lambda", type=nonnegative_float, default=1e-4, help="L2 strength (default 1e-4)"
    )
    p.add_argument("--optimizer", choices=OPTIMIZER_CHOICES["scores"], default="bfgs", help="default bfgs")
    p.add_argument("--maxiter", type=positive_int, default=200, help="iterations (default 200)")
    p.add_argument("--seed", type=seed, default=0, help="np.random.seed for the weights (default 0)")
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
    """Entry point of the minigrad console script (and python -m minigrad); returns the exit status.

    0: done; 1: a gradient check failed, or the output could not be written (a full
    disk, say), reported in one line; 2: bad arguments, refused in one line before any
    training (or a run that diverged because of them); 130: Ctrl-C, at any point.
    """
    try:
        args = build_parser().parse_args(argv)
        _default_sigpipe()
        status = _run(args)
        sys.stdout.flush()  # a full disk shows here, where it can still be reported in one line
        return status
    except KeyboardInterrupt:
        return _interrupted("the command stopped before it finished")
    except OSError as exc:
        return _output_failed(exc)


def run_script(script_main: Callable[[], int]) -> int:
    """Run an example script's ``main()`` as the command runs: a Ctrl-C it does not catch itself
    (while its arguments are checked, say) exits 130 with one line."""
    try:
        return script_main()
    except KeyboardInterrupt:
        return _interrupted("the script stopped before it finished")


def _run(args: argparse.Namespace) -> int:
    """The subcommand, with overflow warnings silenced (the runs report them) and a UsageError as one line, exit 2."""
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        with warnings.catch_warnings():
            # Numbers that overflow are reported by the run itself, in one line.
            warnings.simplefilter("ignore", RuntimeWarning)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                return run(args)
    except UsageError as exc:
        print(f"minigrad {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _default_sigpipe() -> None:
    """`minigrad moons | head` ends quietly, as Unix tools do."""
    try:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    except (AttributeError, ValueError):  # no SIGPIPE (Windows), or not the main thread
        pass


def _output_failed(exc: OSError) -> int:
    """Report in one line output that could not be written (standard output, a figure); exit status 1."""
    what = f"cannot write {exc.filename!r}" if exc.filename else "cannot write the output"
    print(f"minigrad: error: {what}: {exc.strerror or exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
