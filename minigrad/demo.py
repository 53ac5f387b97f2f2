"""``minigrad demo``: the three tutorials end to end, a short report, and their figures.

Each section trains through autodiff what a tutorial derived by hand, prints a
few lines, and writes its figures (PNG) into the output folder. ``quick``
shrinks every run (for tests and a first look); the full demo uses shorter
runs than the tutorials where they add nothing to the picture, and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import plots
from .tutorials import moons, scores, threeway, xor

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    """What the demo did: the figures written, the sections completed, and why it stopped early (or None)."""

    figures: list[Path] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    interrupted: str | None = None


class _Stop(KeyboardInterrupt):
    """Ctrl-C arrived inside a training loop that caught it and returned what it had."""


def _section(title: str, say: Callable[[str], None]) -> float:
    say(f"\n== {title} " + "=" * max(0, 70 - len(title)))
    return time.perf_counter()


def run_demo(out: Path, quick: bool = False, say: Callable[[str], None] = print) -> DemoResult:
    """Run every section, printing the report through ``say``; return the figures written.

    Ctrl-C stops the demo: the sections completed so far are listed, the figure
    of a run cut short is still drawn (its title says so) and ``interrupted``
    says where it stopped. The caller decides the exit status (the CLI: 130).
    """
    result = DemoResult()
    start = time.perf_counter()
    sections = [
        ("make_moons, 2-3-2 tanh/softmax network, batch gradient descent (wildml)", _moons_section),
        ("XOR data, 3-4-1 sigmoid network, step size alpha (Trask)", _xor_section),
        ("sleep/study scores, 2-3-1 sigmoid network, BFGS through scipy", _scores_section),
        ("three-way gradient check: hand-derived backprop, autodiff, finite differences", _threeway_section),
        ("what autodiff recorded for the 2-3-2 network, and what backward sent", _trace_section),
    ]
    for number, (title, run) in enumerate(sections, 1):
        t = _section(title, say)
        try:
            run(out, quick, say, result.figures)
        except KeyboardInterrupt:
            done = ", ".join(result.completed) or "none"
            result.interrupted = (
                f"the demo stopped in section {number} of {len(sections)} ({title.split(',')[0]}); "
                f"sections completed: {done}; {len(result.figures)} figures written"
            )
            say(f"\ninterrupted in section {number} after {time.perf_counter() - t:.1f} s")
            break
        result.completed.append(str(number))
        say(f"({time.perf_counter() - t:.1f} s)")
    say(f"\nfigures in {out}/: " + (", ".join(p.name for p in result.figures) or "none"))
    say(f"total {time.perf_counter() - start:.1f} s" + (" (interrupted)" if result.interrupted else ""))
    return result


def _moons_section(out: Path, quick: bool, say: Callable[[str], None], figures: list[Path]) -> None:
    steps = 2000 if quick else 20000
    run = moons.train_moons(3, steps=steps)
    cut = f", interrupted after {run.iterations} of {steps} steps" if run.interrupted else ""
    title = f"Decision boundary for hidden layer size 3 ({run.iterations} GD steps{cut})"
    figures.append(plots.decision_boundary(run.predict, run.X, run.y, out / "moons_boundary.png", title))
    if run.interrupted:
        raise _Stop
    say(
        f"{steps} steps, lr 0.01 on the summed loss, lambda 0.01: loss after the last step {run.final_loss:.6f}, "
        f"training accuracy {run.accuracy:.1%}"
    )
    sweep_steps = 500 if quick else 5000
    sweep = []
    for h in (1, 2, 3, 4, 5, 20, 50):
        r = moons.train_moons(h, steps=sweep_steps, data=(run.X, run.y))
        if r.interrupted:
            raise _Stop
        sweep.append(r)
    say(
        f"hidden-size sweep ({sweep_steps} steps each): " + ", ".join(f"H={r.sizes[1]} {r.accuracy:.1%}" for r in sweep)
    )
    figures.append(
        plots.hidden_size_grid(
            [(r.sizes[1], r.predict) for r in sweep],
            run.X,
            run.y,
            out / "moons_hidden_sizes.png",
            [r.accuracy for r in sweep],
        )
    )
    curves = {}
    compare = 300 if quick else 3000
    bfgs_iterations = 0
    for name in ("gd", "momentum", "adam", "bfgs"):
        r = moons.train_moons(3, optimizer=name, steps=compare)
        if r.interrupted:
            raise _Stop
        curves[f"{name} ({r.accuracy:.1%})"] = r.history.loss
        bfgs_iterations = r.iterations
    say(f"optimizers, loss after {compare} steps: " + ", ".join(f"{k}: {v[-1]:.4f}" for k, v in curves.items()))
    bfgs = (
        f"BFGS stopped after {bfgs_iterations} iterations" if bfgs_iterations < compare else "BFGS as many iterations"
    )
    title = f"2-3-2 moons network: loss per step by optimizer\n({compare} steps each; {bfgs})"
    figures.append(plots.loss_curves(curves, out / "moons_optimizers.png", title))


def _xor_section(out: Path, quick: bool, say: Callable[[str], None], figures: list[Path]) -> None:
    iterations = 600 if quick else 6000
    every = iterations // 6
    runs = []
    for alpha in xor.ALPHAS:
        r = xor.train_alpha(alpha, iterations=iterations, every=every)
        runs.append(r)
        if r.completed < iterations:
            figures.append(plots.alpha_curves(runs, out / "xor_alpha_sweep.png"))
            raise _Stop
    last = runs[0].iterations[-1]
    say(f"alpha   error at iteration {last} (of {iterations})   update-direction changes (synapse_0 total)")
    for r in runs:
        flips = r.synapse_0_direction_changes
        say(f"{r.alpha:<7g} {r.errors[-1]:<33.6g} {int(np.sum(flips)) if flips is not None else '-'}")
    say("(the full 60,000-iteration table, to 12 digits: minigrad alpha-sweep)")
    figures.append(plots.alpha_curves(runs, out / "xor_alpha_sweep.png"))
    w = np.linspace(-10, 10, 81 if quick else 161)
    w1, w2 = np.meshgrid(w, w)
    path = xor.surface_descent(iterations=1000 if quick else 10000, every=10)
    figures.append(plots.error_surface(w1, w2, xor.error_surface(w1, w2), path, out / "xor_error_surface.png"))
    say(
        f"2-weight network: gradient descent from ({path[0, 0]:.3f}, {path[0, 1]:.3f}) to "
        f"({path[-1, 0]:.3f}, {path[-1, 1]:.3f}), error {path[0, 2]:.3f} -> {path[-1, 2]:.4f}"
    )


def _scores_section(out: Path, quick: bool, say: Callable[[str], None], figures: list[Path]) -> None:
    from .datasets import sleep_study

    data = sleep_study()
    ratio = scores.gradient_ratio(scores.network(0), data.X_train, data.y_train, 1e-4)
    say(f"numerical gradient check: ||g - n|| / ||g + n|| = {ratio:.2e} (tutorial accepts < 1e-8)")
    fits = {}
    for lam in (1e-4, 0.0):
        fits[lam] = r = scores.train_scores(lam)
        if r.interrupted:
            break
        say(
            f"lambda {lam:<6g}: {r.iterations} BFGS iterations, J {r.train_cost[-1]:.6f}, "
            f"test J {r.test_cost[-1]:.6f}, predictions {np.round(np.ravel(r.predictions), 1)}"
        )
    done = {lam: r for lam, r in fits.items() if r.iterations}
    if 1e-4 in done:
        figures.append(plots.bfgs_costs({"lambda = 1e-4": done[1e-4].train_cost}, out / "scores_cost.png"))
    if done:
        curves = {f"lambda = {lam:g}": (r.train_cost, r.test_cost) for lam, r in done.items()}
        figures.append(plots.train_test_costs(curves, out / "scores_overfitting.png"))
    if any(r.interrupted for r in fits.values()):
        raise _Stop
    say(f"actual scores {data.y_train.ravel() * 100}")


def _threeway_section(out: Path, quick: bool, say: Callable[[str], None], figures: list[Path]) -> None:
    say(threeway.format_table(threeway.three_way("all")))


def _trace_section(out: Path, quick: bool, say: Callable[[str], None], figures: list[Path]) -> None:
    """Trace the tutorial network on 6 points: δ3 arrives at z2, δ2 at z1."""
    from . import manual
    from .datasets import make_moons
    from .ops import log_softmax, tanh
    from .tape import draw, trace
    from .tensor import Tensor

    X, y = make_moons(6, noise=0.2, random_state=0)
    rng = np.random.RandomState(0)
    W1 = Tensor(rng.randn(2, 3) / np.sqrt(2), requires_grad=True, name="W1")
    b1 = Tensor(np.zeros(3), requires_grad=True, name="b1")
    W2 = Tensor(rng.randn(3, 2) / np.sqrt(3), requires_grad=True, name="W2")
    b2 = Tensor(np.zeros(2), requires_grad=True, name="b2")
    z1 = (Tensor(X) @ W1 + b1).named("z1")
    a1 = tanh(z1).named("a1")
    z2 = (a1 @ W2 + b2).named("z2")
    loss = (-log_softmax(z2)[np.arange(len(y)), y].sum()).named("loss")
    say(str(trace(loss)))
    tr = trace(loss, backward=True, notes={"z2": "δ3 = ŷ − y", "z1": "δ2 = (1 − a1²) ∘ δ3 W2ᵀ"})
    say(tr.backward_table())
    hand = manual.two_layer_softmax_backprop(X, y, W1.data, b1.data, W2.data, b2.data)
    d3 = np.abs(tr.grad_at("z2") - hand["delta3"]).max()
    d2 = np.abs(tr.grad_at("z1") - hand["delta2"]).max()
    say(f"gradient at z2 vs the tutorial's delta3: max |difference| {d3:.1e}; at z1 vs delta2: {d2:.1e}")
    figures.append(draw(tr, out / "graph.png", title="The recorded graph of the 2-3-2 network"))
