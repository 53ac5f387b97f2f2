"""``minigrad demo``: the three tutorials end to end, a short report, and their figures.

Each section trains through autodiff what a tutorial derived by hand, prints a
few lines, and writes its figures (PNG) into the output folder. ``quick``
shrinks every run (for tests and a first look); the full demo uses shorter
runs than the tutorials where they add nothing to the picture, and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import plots
from .tutorials import moons, scores, threeway, xor

__all__ = ["run_demo"]


def _section(title: str, say: Callable[[str], None]) -> float:
    say(f"\n== {title} " + "=" * max(0, 70 - len(title)))
    return time.perf_counter()


def run_demo(out: Path, quick: bool = False, say: Callable[[str], None] = print) -> list[Path]:
    """Run every section, printing the report through ``say``; return the figures written."""
    figures: list[Path] = []
    start = time.perf_counter()

    # -- 1. wildml: the 2-H-2 network on make_moons -------------------------------------
    t = _section("make_moons, 2-3-2 tanh/softmax network, batch gradient descent (wildml)", say)
    steps = 2000 if quick else 20000
    run = moons.train_moons(3, steps=steps)
    say(
        f"{steps} steps, lr 0.01 on the summed loss, lambda 0.01: final loss {run.history.loss[-1]:.6f}, "
        f"training accuracy {run.accuracy:.1%}"
    )
    title = f"Decision boundary for hidden layer size 3 ({steps} GD steps)"
    figures.append(plots.decision_boundary(run.predict, run.X, run.y, out / "moons_boundary.png", title))
    sweep_steps = 500 if quick else 5000
    sweep = moons.hidden_sweep(steps=sweep_steps)
    say(
        "hidden-size sweep ("
        + f"{sweep_steps} steps each): "
        + ", ".join(f"H={r.sizes[1]} {r.accuracy:.0%}" for r in sweep)
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
    for name in ("gd", "momentum", "adam", "bfgs"):
        r = moons.train_moons(3, optimizer=name, steps=300 if quick else 3000)
        curves[f"{name} ({r.accuracy:.1%})"] = r.history.loss
    say("optimizers, final loss: " + ", ".join(f"{k}: {v[-1]:.4f}" for k, v in curves.items()))
    figures.append(
        plots.loss_curves(curves, out / "moons_optimizers.png", "2-3-2 moons network: loss per step by optimizer")
    )
    say(f"({time.perf_counter() - t:.1f} s)")

    # -- 2. Trask: alpha and the 3-4-1 XOR network ----------------------------------------
    t = _section("XOR data, 3-4-1 sigmoid network, step size alpha (Trask)", say)
    iterations = 600 if quick else 6000
    every = iterations // 6
    runs = xor.alpha_sweep(iterations=iterations, every=every)
    say(f"alpha   error after {iterations} iterations   update-direction changes (synapse_0 total)")
    for r in runs:
        say(f"{r.alpha:<7g} {r.errors[-1]:<30.6g} {int(r.synapse_0_direction_changes.sum())}")
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
    say(f"({time.perf_counter() - t:.1f} s)")

    # -- 3. Welch Labs: the sleep/study regression network, BFGS --------------------------
    t = _section("sleep/study scores, 2-3-1 sigmoid network, BFGS through scipy", say)
    from .datasets import sleep_study

    data = sleep_study()
    ratio = scores.gradient_ratio(scores.network(0), data.X_train, data.y_train, 1e-4)
    say(f"numerical gradient check: ||g - n|| / ||g + n|| = {ratio:.2e} (tutorial accepts < 1e-8)")
    fits = {lam: scores.train_scores(lam) for lam in (1e-4, 0.0)}
    for lam, r in fits.items():
        say(
            f"lambda {lam:<6g}: {r.iterations} BFGS iterations, J {r.train_cost[-1]:.6f}, "
            f"test J {r.test_cost[-1]:.6f}, predictions {np.round(r.predictions.ravel(), 1)}"
        )
    say(f"actual scores {data.y_train.ravel() * 100}")
    figures.append(plots.bfgs_costs({"lambda = 1e-4": fits[1e-4].train_cost}, out / "scores_bfgs_cost.png"))
    curves = {f"lambda = {lam:g}": (r.train_cost, r.test_cost) for lam, r in fits.items()}
    figures.append(plots.train_test_costs(curves, out / "scores_overfitting.png"))
    say(f"({time.perf_counter() - t:.1f} s)")

    # -- 4. hand-derived backprop vs autodiff vs finite differences ------------------------
    t = _section("three-way gradient check: hand-derived backprop, autodiff, finite differences", say)
    say(threeway.format_table(threeway.three_way("all")))
    say(f"({time.perf_counter() - t:.1f} s)")

    # -- 5. the tape ----------------------------------------------------------------------
    t = _section("what autodiff recorded for the 2-3-2 network, and what backward sent", say)
    figures.append(_trace_section(out, say))
    say(f"({time.perf_counter() - t:.1f} s)")

    say(f"\nfigures in {out}/: " + ", ".join(p.name for p in figures))
    say(f"total {time.perf_counter() - start:.1f} s")
    return figures


def _trace_section(out: Path, say: Callable[[str], None]) -> Path:
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
    z1 = (X @ W1 + b1).named("z1")
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
    return draw(tr, out / "graph.png", title="The recorded graph of the 2-3-2 network")
