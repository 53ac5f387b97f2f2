"""Second derivatives: Hessian-vector products, the full Hessian, and Newton's method against gradient descent.

Part 1, on the cost J(θ) of the sleep/study 2-3-1 network (θ = its 9 weights,
J = ½ Σ (y − ŷ)² / N + Λ/2 ΣW², as in examples/test_scores.py):

    mg.hessian(J)(θ)   the 9×9 matrix H of second derivatives (one backward pass per weight)
    mg.hvp(J, θ, v)    H v = d/dθ (∇J(θ) · v) without forming H (about the cost of two gradients)

It checks H v against H @ v, finds H's largest eigenvalue λ_max by power
iteration using only hvp (v ← H v / ‖H v‖), which is what you do when H is
too big to form, and reads off 2/λ_max, the largest step size for which
gradient descent is stable near θ. Then it times hvp against the full Hessian
as the number of weights grows.

Part 2, on Rosenbrock's function f(x, y) = (1 − x)² + 100 (y − x²)² from the
classic start (−1.2, 1), minimum f(1, 1) = 0:

    Newton:            p ← p − H⁻¹ ∇f(p)     (solve H d = ∇f; no step size)
    gradient descent:  p ← p − lr ∇f(p)      (lr = 1e-3, about 1.5/λ_max at the start)

Newton reaches the minimum to machine precision in a handful of iterations;
gradient descent crawls along the curved valley. Figure: f against iteration
(log scale) and both paths over the contours of f.

    python examples/higher_order.py [--gd-steps 20000] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli
    from minigrad.datasets import sleep_study

data = sleep_study()  # scaled by the training maxima, scores / 100
Lambda = 1e-4


def network_cost(theta: mg.Tensor, hidden: int = 3) -> mg.Tensor:
    """J of the 2-hidden-1 sigmoid network whose weights W1 (2×hidden), W2 (hidden×1) are the entries of theta."""
    W1 = theta[: 2 * hidden].reshape(2, hidden)
    W2 = theta[2 * hidden :].reshape(hidden, 1)
    yHat = mg.sigmoid(mg.sigmoid(data.X_train @ W1) @ W2)
    return 0.5 * ((data.y_train - yHat) ** 2).sum() / len(data.y_train) + Lambda / 2 * (theta**2).sum()


def rosenbrock(p: mg.Tensor) -> mg.Tensor:
    """f(x, y) = (1 − x)² + 100 (y − x²)²."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def newton(
    f: Callable[[mg.Tensor], mg.Tensor], p0: np.ndarray, tol: float = 1e-12, max_iter: int = 50
) -> list[np.ndarray]:
    """Newton's method p ← p − H⁻¹ ∇f(p); returns every iterate."""
    path = [np.asarray(p0, dtype=float)]
    for _ in range(max_iter):
        p = path[-1]
        g = mg.grad(f)(p).data
        if np.linalg.norm(g) < tol:
            break
        H = mg.hessian(f)(p).data
        path.append(p - np.linalg.solve(H, g))  # solve H d = g rather than forming H⁻¹
    return path


def gradient_descent(f: Callable[[mg.Tensor], mg.Tensor], p0: np.ndarray, lr: float, steps: int) -> list[np.ndarray]:
    """p ← p − lr ∇f(p) for ``steps`` steps; returns every iterate."""
    path = [np.asarray(p0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * mg.grad(f)(path[-1]).data)
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any work (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gd-steps", type=cli.positive_int, default=None, help="gradient-descent steps (default 20000)"
    )
    parser.add_argument("--quick", action="store_true", help="2000 gradient-descent steps, smaller timing problem")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figure")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    gd_steps = args.gd_steps if args.gd_steps is not None else 2000 if args.quick else 20000

    try:
        return run(args, gd_steps)
    except KeyboardInterrupt:
        print("\ninterrupted by Ctrl-C: the sections printed above completed; no figure written (it needs them all)")
        return 130


def run(args: argparse.Namespace, gd_steps: int) -> int:
    """Every section, printed as it completes, then the figure."""
    # -- Part 1: hvp and the Hessian of the 2-3-1 network's cost ------------------------------------
    rng = np.random.RandomState(0)
    theta = np.concatenate([rng.randn(6), rng.randn(3)])  # W1 (2×3) then W2 (3×1), as the tutorial draws them
    H = mg.hessian(network_cost)(theta).data
    eigenvalues = np.linalg.eigvalsh(H)
    print("== Part 1: the 2-3-1 sleep/study network's cost J at random weights (9 of them)")
    print(f"mg.hessian: H is {H.shape[0]}x{H.shape[1]}, max |H - Hᵀ| = {np.abs(H - H.T).max():.1e}")
    print("eigenvalues of H (some negative: random weights are not near a minimum):")
    print("  " + " ".join(f"{e:.2e}" for e in eigenvalues))
    v = rng.randn(9)
    Hv = mg.hvp(network_cost, theta, v).data
    print(f"mg.hvp(J, theta, v) against H @ v for a random v: max |difference| = {np.abs(Hv - H @ v).max():.1e}")

    u = np.ones(9) / 3
    for _ in range(100):  # power iteration: u converges to the eigenvector of the eigenvalue largest in size
        Hu = mg.hvp(network_cost, theta, u).data
        u = Hu / np.linalg.norm(Hu)
    lam_max = float(u @ mg.hvp(network_cost, theta, u).data)
    print(f"power iteration with hvp only: lambda_max = {lam_max:.6f} (eigvalsh: {eigenvalues.max():.6f})")
    print(
        f"so gradient descent near these weights overshoots along that direction unless lr < 2 / lambda_max = "
        f"{2 / lam_max:.3g}"
    )

    hidden_sizes = (3, 30, 100) if args.quick else (3, 30, 100, 300)
    print("\ncost of one Hessian-vector product against the full Hessian, as the network widens:")
    for hidden in hidden_sizes:
        n = 3 * hidden

        def cost(t: mg.Tensor, hidden: int = hidden) -> mg.Tensor:
            return network_cost(t, hidden)

        t_n = rng.randn(n)
        start = time.perf_counter()
        mg.hvp(cost, t_n, rng.randn(n))
        t_hvp = time.perf_counter() - start
        start = time.perf_counter()
        mg.hessian(cost)(t_n)
        t_hess = time.perf_counter() - start
        print(f"  hidden {hidden:3d} ({n:3d} weights): hvp {t_hvp * 1e3:6.1f} ms, hessian {t_hess * 1e3:8.1f} ms")

    # -- Part 2: Newton's method against gradient descent on Rosenbrock's function -------------------
    p0 = np.array([-1.2, 1.0])
    lr = 1e-3
    newton_path = newton(rosenbrock, p0)
    gd_path = gradient_descent(rosenbrock, p0, lr, gd_steps)
    f = {
        name: [rosenbrock(mg.Tensor(p)).item() for p in path]
        for name, path in (("newton", newton_path), ("gd", gd_path))
    }
    print("\n== Part 2: Rosenbrock's function from (-1.2, 1); the minimum is f(1, 1) = 0")
    print(" iter            x            y            f(x, y)   (Newton's iterates)")
    for k, (p, value) in enumerate(zip(newton_path, f["newton"])):
        print(f"{k:5d} {p[0]:12.9f} {p[1]:12.9f} {value:18.6e}")
    print(
        f"Newton: {len(newton_path) - 1} iterations to |grad f| < 1e-12, at ({newton_path[-1][0]:.12g}, "
        f"{newton_path[-1][1]:.12g})"
    )
    p = gd_path[-1]
    print(f"gradient descent, lr {lr:g}: after {gd_steps} steps at ({p[0]:.6f}, {p[1]:.6f}), f = {f['gd'][-1]:.3e}")

    from matplotlib.figure import Figure  # imported when drawing: Ctrl-C during start-up stays quick

    fig = Figure(figsize=(12, 4.6))  # no pyplot: nothing needs a display
    ax1, ax2 = fig.subplots(1, 2)
    floor = 1e-30  # Newton reaches f = 0 exactly: draw it at the bottom of the log axis
    ax1.plot(np.maximum(f["newton"], floor), "o-", label=f"Newton ({len(newton_path) - 1} iterations)")
    ax1.plot(np.maximum(f["gd"], floor), label=f"gradient descent, lr = {lr:g}")
    ax1.set_xscale("symlog", linthresh=10)
    ax1.set_yscale("log")
    ax1.set_ylim(0.3 * floor, 1e5)
    ax1.set_xlabel("iteration (linear up to 10, then log)")
    ax1.set_ylabel("f(x, y)   (minimum 0, drawn at 1e-30)")
    ax1.set_title("Rosenbrock from (−1.2, 1): f at each iteration")
    ax1.grid(alpha=0.3, which="both")
    ax1.legend()

    xs, ys = np.meshgrid(np.linspace(-1.6, 1.6, 300), np.linspace(-3.5, 2.0, 300))
    values = (1 - xs) ** 2 + 100 * (ys - xs**2) ** 2
    ax2.contour(xs, ys, values, levels=np.logspace(-1, 3.5, 16), cmap="viridis", linewidths=0.8)
    for name, path, style in (("Newton", newton_path, "o-"), ("gradient descent", gd_path, "-")):
        path = np.array(path)
        ax2.plot(path[:, 0], path[:, 1], style, ms=4, lw=1.5, label=name)
    ax2.plot(1, 1, "k*", ms=12, label="minimum (1, 1)")
    ax2.plot(*p0, "rs", ms=6, label="start (−1.2, 1)")
    ax2.set_xlabel("x")
    ax2.set_ylabel("y")
    ax2.set_title("The two paths over the contours of f")
    ax2.legend(fontsize=8, loc="lower left")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "newton_vs_gd.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
