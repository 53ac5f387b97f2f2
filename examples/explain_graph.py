"""Explain the graph autodiff records for the WildML 2-H-2 network, in the tutorial's own terms.

The network is written forward only, with named tensors (z1 = X W1 + b1,
a1 = tanh z1, z2 = a1 W2 + b2, loss = summed cross-entropy + λ/2 ΣW²). The
forward trace shows what was recorded and each op's backward rule; the
backward trace shows the gradient arriving at every node: at z2 it is the
tutorial's δ3 = ŷ − y, at z1 its δ2 = (1 − a1²) ∘ δ3 W2ᵀ. Then the graph is drawn.

    python examples/explain_graph.py [--quick] [--out DIR]     (the figure: DIR/graph.png, default ./minigrad-out)
    python examples/explain_graph.py FILE.png                    (the figure at FILE.png)

``--quick`` is accepted like the other examples' (this one always takes about a second).
"""

from __future__ import annotations

from pathlib import Path

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli

# The tutorial's formulas, printed beside the gradient that arrives at each node.
NOTES = {
    "z2": "δ3 = ŷ − y",
    "a1": "δ3 W2ᵀ",
    "z1": "δ2 = (1 − a1²) ∘ δ3 W2ᵀ",
    "W2": "dL/dW2 = a1ᵀ δ3 + λ W2",
    "b2": "dL/db2 = Σ δ3",
    "W1": "dL/dW1 = Xᵀ δ2 + λ W1",
    "b1": "dL/db1 = Σ δ2",
}


def moons(n: int, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (like sklearn's make_moons): points (n, 2) and labels (n,)."""
    rng = np.random.default_rng(seed)
    upper = n // 2
    t = np.pi * rng.random(n)
    x = np.where(np.arange(n) < upper, np.cos(t), 1 - np.cos(t))
    y = np.where(np.arange(n) < upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], axis=1) + noise * rng.standard_normal((n, 2))
    return X, (np.arange(n) >= upper).astype(int)


def network(X: np.ndarray, y: np.ndarray, hidden: int = 3, reg_lambda: float = 0.01, seed: int = 0) -> dict:
    """The tutorial's forward pass on named tensors; returns every tensor by name (and the loss)."""
    np.random.seed(seed)
    n_in, n_out = X.shape[1], 2
    W1 = mg.Tensor(np.random.randn(n_in, hidden) / np.sqrt(n_in), requires_grad=True, name="W1")
    b1 = mg.Tensor(np.zeros((1, hidden)), requires_grad=True, name="b1")
    W2 = mg.Tensor(np.random.randn(hidden, n_out) / np.sqrt(hidden), requires_grad=True, name="W2")
    b2 = mg.Tensor(np.zeros((1, n_out)), requires_grad=True, name="b2")
    Xt = mg.Tensor(X, name="X")
    z1 = (Xt @ W1 + b1).named("z1")
    a1 = mg.tanh(z1).named("a1")
    z2 = (a1 @ W2 + b2).named("z2")
    data_loss = (-mg.log_softmax(z2)[np.arange(len(X)), y].sum()).named("data_loss")
    loss = (data_loss + reg_lambda / 2 * ((W1**2).sum() + (W2**2).sum())).named("loss")
    return {"X": Xt, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "z1": z1, "a1": a1, "z2": z2, "loss": loss}


def tutorial_deltas(net: dict, y: np.ndarray) -> dict[str, np.ndarray]:
    """δ3 and δ2 with the tutorial's NumPy formulas, from the forward values."""
    z2, a1, W2 = net["z2"].data, net["a1"].data, net["W2"].data
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    delta3 = probs - np.eye(probs.shape[1])[y]
    return {"delta3": delta3, "delta2": (1 - a1**2) * (delta3 @ W2.T)}


def figure_path(argv: list[str] | None) -> Path:
    """Where to draw the graph: FILE, or DIR/graph.png; checked before any work (one line, exit status 2)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="where to draw the graph (a .png, .pdf or .svg; overrides --out)")
    parser.add_argument("--quick", action="store_true", help="accepted like the other examples; this one is quick")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for graph.png")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    if args.file is None:
        return args.out / "graph.png"
    try:
        return cli.figure_file(args.file, "FILE")
    except cli.UsageError as exc:
        parser.error(str(exc))


def main(argv: list[str] | None = None) -> int:
    out = figure_path(argv)
    try:
        return explain(out)
    except KeyboardInterrupt:
        print("\ninterrupted by Ctrl-C: the sections printed above completed; no figure written")
        return 130


def explain(out: Path) -> int:
    """Trace, compare with the tutorial's deltas, draw."""
    X, y = moons(8)
    net = network(X, y)
    np.set_printoptions(precision=4, suppress=True)

    print("What autodiff recorded (forward order):\n")
    print(mg.trace(net["loss"]))
    reference = tutorial_deltas(net, y)  # before backward: the trace below frees the graph

    print("\nWhat backward did (visiting order), beside the tutorial's formulas:\n")
    tr = mg.trace(net["loss"], backward=True, notes=NOTES)
    print(tr.backward_table())

    print("\nThe tutorial's deltas, computed by hand with NumPy, against the gradients that arrived:")
    for node, key, formula in (("z2", "delta3", "δ3 = ŷ − y"), ("z1", "delta2", "δ2 = (1 − a1²) ∘ δ3 W2ᵀ")):
        diff = np.max(np.abs(tr.grad_at(node) - reference[key]))
        print(f"  dL/d{node} vs {formula:<24} max |difference| = {diff:.1e}")
    print("  first rows of δ3 by hand:\n", reference["delta3"][:3])
    print("  first rows of tr.grad_at('z2'):\n", tr.grad_at("z2")[:3])

    path = mg.draw(tr, out, title="The WildML 2-H-2 network: the graph autodiff recorded, with ‖dL/d node‖")
    print(f"\nGraph drawn to {path}  (mg.to_dot(loss) gives Graphviz text)")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
