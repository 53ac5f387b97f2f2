"""Welch Labs' "Neural Networks Demystified": predict a test score from hours of sleep and study.

(An example script, not a test: pytest collects only tests/.)

The 2-3-1 network, sigmoid f on the hidden and output layers, no biases:

    z2 = X W1,   a2 = f(z2),   z3 = a2 W2,   ŷ = yHat = f(z3)
    J  = ½ Σ (y − ŷ)² / N + Λ/2 (ΣW1² + ΣW2²)         (part 7's cost; Λ = Lambda)

The tutorial derives dJ/dW2 = a2ᵀ δ3 / N + Λ W2 with δ3 = −(y − ŷ) ∘ f'(z3),
and dJ/dW1 = Xᵀ δ2 / N + Λ W1 with δ2 = δ3 W2ᵀ ∘ f'(z2); ``J.backward()``
computes them. The script shows, in the tutorial's order:

1. scaling: inputs divided by the training set's column maxima (the test set
   by the same numbers), scores by 100;
2. the forward pass of an untrained network;
3. the numerical gradient check: ‖grad − numgrad‖ / ‖grad + numgrad‖ with the
   tutorial's step e = 1e-4, which it says should be below 1e-8;
4. training with BFGS (scipy, through ``optim.BFGS``), recording J each iteration;
5. the predicted scores beside the actual ones;
6. overfitting, on part 7's 4 training and 4 test samples: without Λ the
   training cost keeps falling while the test cost, after an early minimum,
   climbs back up; Λ = 1e-4 keeps the weights smaller, so the training cost
   stays higher and the final test cost lower.

    python examples/test_scores.py [--seed 0] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse

from minigrad_launch import starting  # light: nothing imported yet that Ctrl-C could cut short

with starting():  # Ctrl-C while NumPy and minigrad load: one line and exit status 130, as later on
    import numpy as np

    import minigrad as mg
    from minigrad import cli, optim, plots
    from minigrad.datasets import sleep_study


def init_weights(seed: int) -> tuple[mg.Tensor, mg.Tensor]:
    """W1 (2×3) and W2 (3×1) from randn, as the tutorial's __init__."""
    rng = np.random.RandomState(seed)
    return mg.Tensor(rng.randn(2, 3), requires_grad=True), mg.Tensor(rng.randn(3, 1), requires_grad=True)


def forward(W1: mg.Tensor, W2: mg.Tensor, X: np.ndarray) -> mg.Tensor:
    """yHat = f(f(X W1) W2)."""
    z2 = X @ W1
    a2 = mg.sigmoid(z2)
    z3 = a2 @ W2
    return mg.sigmoid(z3)


def cost(W1: mg.Tensor, W2: mg.Tensor, X: np.ndarray, y: np.ndarray, Lambda: float) -> mg.Tensor:
    """J = ½ Σ (y − yHat)² / N + Λ/2 (ΣW1² + ΣW2²)."""
    yHat = forward(W1, W2, X)
    return 0.5 * ((y - yHat) ** 2).sum() / len(X) + Lambda / 2 * ((W1**2).sum() + (W2**2).sum())


def train_bfgs(
    seed: int,
    trainX: np.ndarray,
    trainY: np.ndarray,
    testX: np.ndarray,
    testY: np.ndarray,
    Lambda: float,
    maxiter: int,
) -> dict:
    """BFGS from a fresh network; J on the training and test sets at the start and after every iteration."""
    W1, W2 = init_weights(seed)
    J, testJ = [], []

    def callback(train_cost: float) -> None:  # called after each BFGS iteration; W1, W2 hold the new iterate
        J.append(train_cost)
        with mg.no_grad():
            testJ.append(cost(W1, W2, testX, testY, Lambda).item())

    with mg.no_grad():
        callback(cost(W1, W2, trainX, trainY, Lambda).item())  # iteration 0: the initial weights
    result = optim.BFGS([W1, W2], maxiter=maxiter, callback=callback).step(lambda: cost(W1, W2, trainX, trainY, Lambda))
    return {"W1": W1, "W2": W2, "J": J, "testJ": testJ, "result": result}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options, each checked before any work (one line and exit status 2 if not)."""
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=cli.seed, default=0, help="seed of the random initial weights (0 .. 2**32 - 1)")
    parser.add_argument("--quick", action="store_true", help="accepted like the other examples; this one is quick")
    parser.add_argument("--out", type=cli.folder_argument, default="minigrad-out", help="folder for the figures")
    args = parser.parse_args(argv)
    parser.require_matplotlib()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    state: dict = {}
    try:
        report(args, state)
    except KeyboardInterrupt:
        print(f"\ninterrupted by Ctrl-C; completed: {', '.join(state) or 'nothing that draws a figure'}")
        if "fit" in state:
            draw(args, state["fit"], state.get("runs", {}), 1e-4)
        return 130
    draw(args, state["fit"], state["runs"], 1e-4)
    return 0


def report(args: argparse.Namespace, state: dict) -> None:
    """Sections 1 to 6, printed; the BFGS runs are kept in ``state`` as they complete."""
    maxiter = 200  # the tutorial's; BFGS on 9 weights takes well under a second
    Lambda = 1e-4

    # 1. Scaling. Both sets are divided by the maxima of the raw *training* inputs; the tutorial
    #    divided testX by the maxima of the already-scaled trainX (all 1), leaving testX unscaled.
    raw = sleep_study(scaled=False)
    X_max = np.amax(raw.X_train, axis=0)
    trainX, testX = raw.X_train / X_max, raw.X_test / X_max
    trainY, testY = raw.y_train / 100, raw.y_test / 100  # the maximum test score is 100
    print(f"== Data: (hours of sleep, hours of study) -> score; inputs divided by the training maxima {X_max}")
    print(f"trainX scaled:\n{trainX}\ntestX scaled with the same maxima:\n{testX}")

    # 2. Forward pass of the untrained network.
    W1, W2 = init_weights(args.seed)
    with mg.no_grad():
        yHat = forward(W1, W2, trainX)
    print("\n== Untrained network (random W1, W2)")
    print(f"yHat * 100 = {np.round(yHat.data.ravel() * 100, 1)}   y * 100 = {trainY.ravel() * 100}")

    # 3. Numerical gradient check: autodiff against central differences with the tutorial's step.
    J = cost(W1, W2, trainX, trainY, Lambda)
    J.backward()
    grad = np.concatenate([W1.grad.ravel(), W2.grad.ravel()])
    numgrad = np.concatenate(
        [n.ravel() for n in mg.numerical_grad(lambda a, b: cost(a, b, trainX, trainY, Lambda), W1, W2, eps=1e-4)]
    )
    ratio = np.linalg.norm(grad - numgrad) / np.linalg.norm(grad + numgrad)
    print("\n== Gradient check at the initial weights (e = 1e-4)")
    print(f"J = {J.item():.6f}")
    print(f"norm(grad - numgrad) / norm(grad + numgrad) = {ratio:.2e}  (the tutorial: should be less than 1e-8)")

    # 4. BFGS, recording J per iteration.
    fit = state["fit"] = train_bfgs(args.seed, trainX, trainY, testX, testY, Lambda, maxiter)
    res = fit["result"]
    print(f"\n== BFGS with Lambda = {Lambda:g}: {res.nit} iterations, {res.nfev} evaluations: {res.message}")
    print(f"J = {fit['J'][0]:.6f} at the start, {fit['J'][1]:.6f} after iteration 1, {fit['J'][-1]:.6f} at the end")

    # 5. Predictions against the actual scores.
    with mg.no_grad():
        predicted = forward(fit["W1"], fit["W2"], trainX).data.ravel() * 100
        predicted_test = forward(fit["W1"], fit["W2"], testX).data.ravel() * 100
    print("\n  set    sleep  study  predicted  actual")
    for name, Xraw, pred, actual in (
        ("train", raw.X_train, predicted, raw.y_train.ravel()),
        ("test", raw.X_test, predicted_test, raw.y_test.ravel()),
    ):
        for (sleep, study), p, a in zip(Xraw, pred, actual):
            print(f"  {name:<5} {sleep:6g} {study:6g} {p:10.1f} {a:7g}")

    # 6. Overfitting: the same training without regularisation.
    print("\n== Overfitting: train and test cost, with and without regularisation")
    runs = state["runs"] = {
        "Lambda = 0": train_bfgs(args.seed, trainX, trainY, testX, testY, 0.0, maxiter),
        f"Lambda = {Lambda:g}": fit,
    }
    for label, r in runs.items():
        best = int(np.argmin(r["testJ"]))
        print(
            f"{label:<15} train J {r['J'][-1]:.2e}, test J {r['testJ'][-1]:.2e} after {r['result'].nit} iterations "
            f"(lowest test J {r['testJ'][best]:.2e}, at iteration {best})"
        )


def draw(args: argparse.Namespace, fit: dict, runs: dict, Lambda: float) -> None:
    """The BFGS cost figure, and the overfitting figure once both runs are done."""
    figures = [
        plots.loss_curves(
            {f"Lambda = {Lambda:g}": fit["J"]},
            args.out / "scores_cost.png",
            "Sleep/study 2-3-1 network trained by BFGS: cost J per iteration",
            xlabel="BFGS iteration",
            ylabel="cost J (training set)",
        ),
    ]
    if runs:
        curves = {k: (r["J"], r["testJ"]) for k, r in runs.items()}
        figures.append(plots.train_test_costs(curves, args.out / "scores_overfitting.png"))
    for path in figures:
        print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(cli.run_script(main))
