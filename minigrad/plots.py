"""The tutorials' figures, drawn with matplotlib (an optional dependency: ``pip install minigrad-np[plot]``).

Every function draws one figure, writes it as PNG to ``path`` and returns the
path. The Agg backend is used, so nothing needs a display.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "decision_boundary",
    "hidden_size_grid",
    "loss_curves",
    "alpha_curves",
    "error_surface",
    "bfgs_costs",
    "train_test_costs",
]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("minigrad.plots needs matplotlib: pip install 'minigrad-np[plot]'") from None
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path, description: str | None = None) -> Path:
    """Write ``fig`` to ``path``; a PNG keeps ``description`` (the numbers it shows) in its metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Description": description} if description and path.suffix.lower() == ".png" else None
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata=metadata)
    _pyplot().close(fig)
    return path


def _boundary(ax: Any, predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray) -> None:
    """Shade the class ``predict`` gives each point of a grid around X, then scatter the data."""
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 300)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 300)
    xx, yy = np.meshgrid(xs, ys)
    points = np.c_[xx.ravel(), yy.ravel()]
    chunk = 10000  # a wide network's activations on all 90,000 grid points at once could exhaust memory
    zz = np.concatenate([np.asarray(predict(points[i : i + chunk])) for i in range(0, len(points), chunk)])
    zz = zz.reshape(xx.shape)
    levels = np.arange(int(max(zz.max(), y.max())) + 2) - 0.5
    ax.contourf(xx, yy, zz, levels=levels, cmap="Spectral", alpha=0.8)
    # Same colour scale for regions and points: a point has its predicted region's colour when it is right.
    ax.scatter(
        X[:, 0], X[:, 1], c=y, cmap="Spectral", vmin=levels[0], vmax=levels[-1], s=22, edgecolors="k", linewidths=0.5
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray, path: str | Path, title: str
) -> Path:
    """The classes a trained model predicts over the plane, with the data on top (as the 2-H-2 tutorial draws it)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    _boundary(ax, predict, X, y)
    ax.set_title(title)
    return _save(fig, path)


def hidden_size_grid(
    models: Sequence[tuple[int, Callable[[np.ndarray], np.ndarray]]],
    X: np.ndarray,
    y: np.ndarray,
    path: str | Path,
    accuracies: Sequence[float] | None = None,
) -> Path:
    """One decision-boundary panel per hidden-layer size (the tutorial's 1, 2, 3, 4, 5, 20, 50 grid)."""
    plt = _pyplot()
    cols = 4 if len(models) > 4 else len(models)
    rows = int(np.ceil(len(models) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.4 * rows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(models):
            ax.axis("off")
            continue
        hidden, predict = models[k]
        _boundary(ax, predict, X, y)
        extra = f", train acc {accuracies[k]:.1%}" if accuracies is not None else ""
        ax.set_title(f"Hidden layer size {hidden}{extra}", fontsize=10)
    fig.suptitle("Decision boundaries of the 2-H-2 tanh network as the hidden layer grows")
    fig.tight_layout()
    return _save(fig, path, accuracy_description([h for h, _ in models], accuracies))


def accuracy_description(hidden_sizes: Sequence[int], accuracies: Sequence[float] | None) -> str | None:
    """The hidden-size grid's numbers as text ("H=1 86.5%, H=2 84.0%, ..."), kept in the PNG so a test can
    check that a committed figure still shows what the code computes."""
    if accuracies is None:
        return None
    return ", ".join(f"H={h} {a:.1%}" for h, a in zip(hidden_sizes, accuracies))


def loss_curves(
    histories: Mapping[str, Sequence[float]],
    path: str | Path,
    title: str,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = True,
    steps: Mapping[str, Any] | None = None,
) -> Path:
    """Loss against step for each labelled run."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for label, values in histories.items():
        x = steps[label] if steps is not None else np.arange(len(values))
        ax.plot(x, values, label=label, lw=1.6)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return _save(fig, path)


def alpha_curves(runs: Sequence[Any], path: str | Path) -> Path:
    """Mean |error| against iteration for each alpha of the sweep, on a log scale (``AlphaRun`` objects)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    # Small alphas barely move, so their curves lie on one another near 0.5: distinct markers and
    # dash patterns, drawn smallest alpha on top, keep every curve visible.
    markers, dashes = "os^vD<>p*h", ["-", "--", "-.", ":"]
    for k, run in enumerate(runs):
        ax.plot(
            run.iterations,
            run.errors,
            marker=markers[k % len(markers)],
            ms=7 - 3 * k / max(len(runs) - 1, 1),
            mfc="none",
            ls=dashes[k % len(dashes)],
            lw=1.4,
            zorder=3 + len(runs) - k,
            label=f"alpha = {run.alpha:g}",
        )
    # Curves that end within 3% of one another are drawn on top of each other: say which.
    finals = sorted((run.errors[-1], run.alpha) for run in runs if run.errors and run.errors[-1] > 0)
    groups: list[list[tuple[float, float]]] = []
    for item in finals:
        if groups and np.log(item[0] / groups[-1][0][0]) < 0.03:
            groups[-1].append(item)
        else:
            groups.append([item])
    for group in (g for g in groups if len(g) > 1):
        alphas = ", ".join(f"{a:g}" for _, a in sorted(group, key=lambda t: t[1]))
        ax.annotate(
            f"alpha {alphas} overlap here (error {group[0][0]:.3g} to {group[-1][0]:.3g})",
            xy=(0.98, group[0][0]),
            xycoords=("axes fraction", "data"),
            xytext=(0, -14),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            bbox={"fc": "white", "ec": "0.7", "alpha": 0.9, "boxstyle": "round,pad=0.2"},
            zorder=20,
        )
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean |layer_2 − y|")
    ax.set_title(f"3-{runs[0].hidden}-1 sigmoid network on XOR data: error by step size alpha")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, path)


def error_surface(
    w1: np.ndarray, w2: np.ndarray, errors: np.ndarray, path_points: np.ndarray, path: str | Path
) -> Path:
    """The 2-weight network's error over a weight grid, as a filled contour, with the descent path on it."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.2, 5))
    contour = ax.contourf(w1, w2, errors, levels=30, cmap="viridis")
    fig.colorbar(contour, ax=ax, label="mean |layer_1 − y|")
    ax.plot(path_points[:, 0], path_points[:, 1], color="white", lw=1.5, label="gradient descent path")
    ax.scatter(path_points[0, 0], path_points[0, 1], color="red", zorder=3, label="start")
    ax.scatter(path_points[-1, 0], path_points[-1, 1], color="orange", marker="*", s=120, zorder=3, label="end")
    ax.set_xlabel("synapse_0[0] (first weight)")
    ax.set_ylabel("synapse_0[1] (second weight)")
    ax.set_title("Error surface of the 2-weight sigmoid network")
    ax.legend(loc="lower left", fontsize=8)
    return _save(fig, path)


_METHOD = {"bfgs": "BFGS iteration", "lbfgs": "L-BFGS iteration", "gd": "gradient-descent step"}


def bfgs_costs(costs: Mapping[str, Sequence[float]], path: str | Path, optimizer: str = "bfgs") -> Path:
    """Cost J after each optimizer iteration (the regression tutorial's BFGS plot); ``optimizer``: bfgs, lbfgs, gd."""
    unit = _METHOD.get(optimizer, "iteration")
    return loss_curves(
        costs,
        path,
        f"Sleep/study network: cost J after each {unit}",
        xlabel=unit,
        ylabel="cost J",
        logy=True,
        steps={label: np.arange(1, len(values) + 1) for label, values in costs.items()},
    )


def train_test_costs(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: str | Path, optimizer: str = "bfgs"
) -> Path:
    """Train (solid) and test (dashed) cost after each update for each run, e.g. with and without L2."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for k, (label, (train, test)) in enumerate(curves.items()):
        color = f"C{k}"
        ax.plot(np.arange(1, len(train) + 1), train, color=color, lw=1.6, label=f"train, {label}")
        ax.plot(np.arange(1, len(test) + 1), test, color=color, lw=1.6, ls="--", label=f"test, {label}")
    ax.set_yscale("log")
    ax.set_xlabel(_METHOD.get(optimizer, "iteration"))
    ax.set_ylabel("cost J")
    ax.set_title("Overfitting: train vs test cost, with and without L2")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return _save(fig, path)
