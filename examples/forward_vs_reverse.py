"""Forward mode or reverse mode? It depends on the Jacobian's shape: time jacfwd and jacrev as n and m vary.

For f: Rⁿ → Rᵐ, ``mg.jacfwd`` pushes one tangent forward per input element (n
tangents) and ``mg.jacrev`` pulls one cotangent back per output element (m
cotangents). So forward mode wins for tall Jacobians (n ≪ m) and reverse mode
for wide ones (n ≫ m); gradients of a scalar loss (m = 1) are why deep
learning uses reverse mode. The function timed here is a tanh layer with a
fixed random weight, f(x) = tanh(A x) with A of shape (m, n).

Both are timed twice: as minigrad runs them, with the tangents (cotangents)
pushed in blocks through one sweep, and with ``chunk_size=1``, one sweep per
vector, where the sweep count alone decides and the crossover sits near n = m.

Then the Welch Labs 2-3-1 network's Hessian (cost J as a function of all nine
weights) by forward over reverse, ``mg.jacfwd(mg.jacrev(J))`` (JAX's
composition), checked against the finite-difference Hessian of the autodiff
gradient and against ``mg.hessian`` (reverse over reverse, minigrad's default:
faster here, see its docstring).

    python examples/forward_vs_reverse.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
import timeit

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli, datasets


def layer(m: int, n: int):
    A = np.random.default_rng(m * 1000 + n).normal(size=(m, n)) / np.sqrt(n)
    return lambda x: mg.tanh(A @ x)


def time_jacobians(sizes: list[int], total: int, number: int) -> list[tuple[int, int, float, float, float, float]]:
    """(n, m, jacfwd, jacrev, jacfwd one vector per sweep, jacrev one per sweep) seconds for n + m = total,
    median of 3 repeats."""
    rows = []
    for n in sizes:
        m = total - n
        f, x = layer(m, n), np.linspace(-1.0, 1.0, n)
        jacs = [mg.jacfwd(f), mg.jacrev(f), mg.jacfwd(f, chunk_size=1), mg.jacrev(f, chunk_size=1)]
        for jac in jacs[1:]:
            np.testing.assert_allclose(jac(x).data, jacs[0](x).data, rtol=1e-12, atol=1e-14)
        tf, tr, tf1, tr1 = (_median_seconds(jac, x, number) for jac in jacs)
        rows.append((n, m, tf, tr, tf1, tr1))
    return rows


def _median_seconds(jac, x: np.ndarray, number: int) -> float:
    return sorted(timeit.repeat(lambda: jac(x), number=number, repeat=3))[1] / number


def hessian_check() -> tuple[float, float, float]:
    """(max |H_fwd-over-rev - H_numeric|, max |H_fwd-over-rev - mg.hessian|, max |H|) for the 2-3-1 network."""
    X, y = datasets.sleep_study().X_train, datasets.sleep_study().y_train
    n = X.shape[0]

    def J(w):
        W1, W2 = w[:6].reshape(2, 3), w[6:].reshape(3, 1)
        y_hat = mg.sigmoid(mg.sigmoid(X @ W1) @ W2)
        return 0.5 * ((y - y_hat) ** 2).sum() / n

    w = np.random.default_rng(0).normal(size=9)
    H = mg.jacfwd(mg.jacrev(J))(w).data
    grad = mg.grad(J)
    h = 1e-5
    numeric = np.stack([(grad(w + h * e).data - grad(w - h * e).data) / (2 * h) for e in np.eye(9)])
    default = mg.hessian(J)(w).data
    return float(np.abs(H - numeric).max()), float(np.abs(H - default).max()), float(np.abs(H).max())


def main(argv: list[str] | None = None) -> int:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    parser.add_argument("--out", type=cli.folder_argument, default=None, help="folder for forward_vs_reverse.png")
    args = parser.parse_args(argv)
    if args.out is not None:
        parser.require_matplotlib()
    total = 24 if args.quick else 64
    sizes = [1, 4, 12, 20, 23] if args.quick else [1, 2, 4, 8, 16, 24, 32, 40, 48, 56, 60, 62, 63]
    try:
        rows = time_jacobians(sizes, total, number=2 if args.quick else 10)
    except KeyboardInterrupt:
        print("interrupted while timing the Jacobians; nothing to report", file=sys.stderr)
        return 130
    print(f"Jacobian of tanh(A x), A of shape (m, n), n + m = {total}: median time of one Jacobian")
    print(f"{'':9} {'in blocks':>23}   {'one vector per sweep':>23}")
    print(f"{'n':>4} {'m':>4} {'jacfwd':>11} {'jacrev':>11}   {'jacfwd':>11} {'jacrev':>11}  faster")
    for n, m, tf, tr, tf1, tr1 in rows:
        print(
            f"{n:4d} {m:4d} {tf * 1e3:9.3f}ms {tr * 1e3:9.3f}ms   {tf1 * 1e3:9.3f}ms {tr1 * 1e3:9.3f}ms  "
            f"{'forward' if tf < tr else 'reverse'}"
        )
    crossover = next((r[0] for r in rows if r[3] < r[2]), None)
    crossover_1 = next((r[0] for r in rows if r[5] < r[4]), None)
    print(
        f"crossover: reverse mode is faster from n = {crossover} on in blocks, from n = {crossover_1} on "
        f"one vector per sweep (n ≈ m = {total // 2} if only the sweep count mattered)"
    )

    err, gap, scale = hessian_check()
    print(
        f"2-3-1 network Hessian by forward over reverse: max |H - finite differences| = {err:.1e}, "
        f"max |H - mg.hessian (reverse over reverse)| = {gap:.1e} (max |H| {scale:.2f})"
    )

    if args.out is not None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.5, 4))
        ax = fig.add_subplot()
        ns = [r[0] for r in rows]
        ax.plot(ns, [r[2] * 1e3 for r in rows], marker="o", label="jacfwd (tangents in blocks)")
        ax.plot(ns, [r[3] * 1e3 for r in rows], marker="s", label="jacrev (cotangents in blocks)")
        ax.plot(ns, [r[4] * 1e3 for r in rows], marker="o", ls=":", label="jacfwd, one sweep per input")
        ax.plot(ns, [r[5] * 1e3 for r in rows], marker="s", ls=":", label="jacrev, one sweep per output")
        ax.set_yscale("log")
        ax.set_xlabel(f"inputs n (outputs m = {total} - n)")
        ax.set_ylabel("time per Jacobian (ms)")
        ax.set_title("Forward or reverse mode: the Jacobian's shape decides")
        ax.legend()
        fig.tight_layout()
        path = args.out / "forward_vs_reverse.png"
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
        print(f"figure written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main))
