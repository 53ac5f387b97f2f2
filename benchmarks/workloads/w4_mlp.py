"""W4: an MLP 784-256-256-10, ReLU hidden layers, softmax cross-entropy (mean over the batch), float32.

Random inputs and labels, batch 1024, plain SGD (lr 0.01) on the mean loss; one
timed step is forward + backward + update. The same trainers serve the peak-memory
measurement (``benchmarks.memory``).
"""

from __future__ import annotations

import numpy as np

from .. import contenders as C
from .. import trainers as T
from ..data import mlp_data, mlp_init, one_hot
from . import Case

LR = 0.01
TARGET = 1.05
TARGET_MEMORY = 1.2
FULL = {"sizes": [784, 256, 256, 10], "batch": 1024}
QUICK = {"sizes": [784, 64, 64, 10], "batch": 128}


class Hand:
    """Straight backprop: a max-shifted softmax, (probs - onehot) / B, ReLU masks from the activations."""

    def __init__(self, X, y, params):
        self.X, self.onehot = X, one_hot(y, params[-1].shape[1], np.float32)
        self.ps = [p.copy() for p in params]

    def step(self):
        X, (W1, b1, W2, b2, W3, b3) = self.X, self.ps
        a1 = np.maximum(X @ W1 + b1, 0)
        a2 = np.maximum(a1 @ W2 + b2, 0)
        z3 = a2 @ W3 + b3
        e = np.exp(z3 - z3.max(axis=1, keepdims=True))
        d3 = (e / e.sum(axis=1, keepdims=True) - self.onehot) / len(X)
        d2 = (d3 @ W3.T) * (a2 > 0)
        d1 = (d2 @ W2.T) * (a1 > 0)
        W3 -= LR * (a2.T @ d3)
        b3 -= LR * d3.sum(axis=0, keepdims=True)
        W2 -= LR * (a1.T @ d2)
        b2 -= LR * d2.sum(axis=0, keepdims=True)
        W1 -= LR * (X.T @ d1)
        b1 -= LR * d1.sum(axis=0, keepdims=True)

    def loss_and_grads(self):
        X, (W1, b1, W2, b2, W3, b3) = self.X, self.ps
        a1 = np.maximum(X @ W1 + b1, 0)
        a2 = np.maximum(a1 @ W2 + b2, 0)
        z3 = a2 @ W3 + b3
        s = z3 - z3.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        loss = -(logp * self.onehot).sum() / len(X)
        d3 = (np.exp(logp) - self.onehot) / len(X)
        d2 = (d3 @ W3.T) * (a2 > 0)
        d1 = (d2 @ W2.T) * (a1 > 0)
        sums = [d.sum(axis=0, keepdims=True) for d in (d1, d2, d3)]
        return float(loss), [X.T @ d1, sums[0], a1.T @ d2, sums[1], a2.T @ d3, sums[2]]

    def params(self):
        return self.ps


class Minigrad(T.MinigradTrainer):
    lr = LR

    def __init__(self, X, y, params):
        import minigrad as mg

        self.mg = mg
        self.X, self.y = mg.Tensor(X), y
        self.ps = [mg.Tensor(p, requires_grad=True) for p in params]

    def loss(self):
        W1, b1, W2, b2, W3, b3 = self.ps
        a1 = (self.X @ W1 + b1).relu()
        a2 = (a1 @ W2 + b2).relu()
        return self.mg.softmax_cross_entropy(a2 @ W3 + b3, self.y)


class Compiled(T.MinigradCompiledTrainer):
    """The raw contender's loss as a pure function of the six arrays, compiled once."""

    lr = LR

    def __init__(self, X, y, params):
        import minigrad as mg

        self.mg, self.X, self.y = mg, X, y
        self.ps = [p.copy() for p in params]

    def loss(self, W1, b1, W2, b2, W3, b3):
        a1 = self.mg.relu(self.X @ W1 + b1)
        a2 = self.mg.relu(a1 @ W2 + b2)
        return self.mg.softmax_cross_entropy(a2 @ W3 + b3, self.y)


class MinigradNN(T.MinigradNNTrainer):
    """mg.nn.MLP(sizes, activation="relu"), mg.losses.cross_entropy (mean), mg.optim.SGD."""

    def __init__(self, X, y, params):
        mg = self.mg = C.nn_modules()
        self.X, self.y, self.like = mg.Tensor(X), y, params
        sizes = [params[0].shape[0]] + [w.shape[1] for w in params[0::2]]
        self.model = mg.nn.MLP(sizes, activation="relu", output=None)
        self.ps = list(self.model.parameters())
        self.transposed = C.load_params(self.ps, params)
        self.opt = mg.optim.SGD(self.ps, lr=LR)

    def loss(self):
        return self.mg.losses.cross_entropy(self.model(self.X), self.y, reduction="mean")


class Torch(T.TorchTrainer):
    lr = LR

    def __init__(self, X, y, params):
        torch = self.torch = C.torch_module()
        self.F = torch.nn.functional
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.ps = [torch.tensor(p, requires_grad=True) for p in params]

    def loss(self):
        W1, b1, W2, b2, W3, b3 = self.ps
        relu = self.F.relu
        logits = relu(relu(self.X @ W1 + b1) @ W2 + b2) @ W3 + b3
        return self.F.cross_entropy(logits, self.y, reduction="mean")


class Autograd(T.AutogradTrainer):
    """Idiomatic autograd (np.maximum for ReLU). Its ReLU gradient comes back float64 (BENCHMARKING.md)."""

    lr = LR

    def __init__(self, X, y, params):
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp

        rows = np.arange(len(y))

        def loss(ps):
            W1, b1, W2, b2, W3, b3 = ps
            a1 = anp.maximum(X @ W1 + b1, 0)
            a2 = anp.maximum(a1 @ W2 + b2, 0)
            z3 = a2 @ W3 + b3
            logp = z3 - logsumexp(z3, axis=1, keepdims=True)
            return -anp.mean(logp[rows, y])

        self.vg = autograd.value_and_grad(loss)
        self.ps = [p.copy() for p in params]


IMPLEMENTATIONS = {
    C.NUMPY: Hand,
    C.MINIGRAD: Minigrad,
    C.COMPILED: Compiled,
    C.MINIGRAD_NN: MinigradNN,
    C.TORCH: Torch,
    C.AUTOGRAD: Autograd,
}


def config(quick: bool) -> dict:
    return dict(QUICK if quick else FULL, lr=LR, dtype="float32")


def build(name: str, quick: bool):
    """A fresh trainer for contender ``name`` (used by the timing case and by the memory subprocess)."""
    cfg = config(quick)
    X, y = mlp_data(cfg["batch"], cfg["sizes"], seed=0)
    return IMPLEMENTATIONS[name](X, y, mlp_init(cfg["sizes"], seed=1))


def cases(quick: bool) -> list[Case]:
    cfg = config(quick)
    X, y = mlp_data(cfg["batch"], cfg["sizes"], seed=0)
    init = mlp_init(cfg["sizes"], seed=1)
    arch = "-".join(map(str, cfg["sizes"]))
    return [
        Case(
            key="W4",
            workload="W4",
            title=f"W4 MLP {arch} ReLU/softmax, batch {cfg['batch']}, float32, SGD",
            unit="step",
            build=lambda name: IMPLEMENTATIONS[name](X, y, init),
            target=TARGET,
            tol=1e-5,  # float32: different summation orders differ in the 7th digit (measured ~4e-7)
            config=cfg,
        )
    ]
