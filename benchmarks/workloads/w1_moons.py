"""W1: the wildml 2-H-2 tanh/softmax network on make_moons(200, noise 0.2), float64.

Loss (the gradient the tutorial's step descends): the summed cross-entropy plus
L2 on the weights, L = -Σ log softmax(tanh(X W1 + b1) W2 + b2)[y] + λ/2 (‖W1‖² + ‖W2‖²),
λ = 0.01, full-batch gradient descent with learning rate 0.01. One timed step is
forward + backward + update. Sizes: H ∈ {3, 50, 500}.
"""

from __future__ import annotations

import numpy as np

from .. import contenders as C
from .. import trainers as T
from ..data import make_moons, moons_init, one_hot
from . import Case

REG = 0.01
LR = 0.01
TARGETS = {3: 2.0, 50: 1.3, 500: 1.1}


class Hand:
    """The tutorial's backprop step, with the fair ``probs - onehot`` instead of re-indexing."""

    def __init__(self, X, y, params):
        self.X, self.y, self.onehot = X, y, one_hot(y, 2)
        self.W1, self.b1, self.W2, self.b2 = (p.copy() for p in params)

    def step(self):
        X, W1, b1, W2, b2 = self.X, self.W1, self.b1, self.W2, self.b2
        a1 = np.tanh(X @ W1 + b1)
        exp_scores = np.exp(a1 @ W2 + b2)  # the tutorial's softmax (unshifted: safe in float64 here)
        delta3 = exp_scores / exp_scores.sum(axis=1, keepdims=True) - self.onehot
        dW2 = a1.T @ delta3 + REG * W2
        db2 = delta3.sum(axis=0, keepdims=True)
        delta2 = (delta3 @ W2.T) * (1 - a1 * a1)
        dW1 = X.T @ delta2 + REG * W1
        db1 = delta2.sum(axis=0, keepdims=True)
        W1 -= LR * dW1
        b1 -= LR * db1
        W2 -= LR * dW2
        b2 -= LR * db2

    def loss_and_grads(self):
        X, W1, b1, W2, b2 = self.X, self.W1, self.b1, self.W2, self.b2
        a1 = np.tanh(X @ W1 + b1)
        z2 = a1 @ W2 + b2
        z2 = z2 - z2.max(axis=1, keepdims=True)
        logp = z2 - np.log(np.exp(z2).sum(axis=1, keepdims=True))
        loss = -(logp * self.onehot).sum() + REG / 2 * ((W1 * W1).sum() + (W2 * W2).sum())
        delta3 = np.exp(logp) - self.onehot
        delta2 = (delta3 @ W2.T) * (1 - a1 * a1)
        db1, db2 = delta2.sum(axis=0, keepdims=True), delta3.sum(axis=0, keepdims=True)
        grads = [X.T @ delta2 + REG * W1, db1, a1.T @ delta3 + REG * W2, db2]
        return float(loss), grads

    def params(self):
        return [self.W1, self.b1, self.W2, self.b2]


class Minigrad(T.MinigradTrainer):
    """minigrad's raw Tensor API as a user writes it: forward (fused cross-entropy), backward(), update .data."""

    lr = LR

    def __init__(self, X, y, params):
        import minigrad as mg

        self.mg = mg
        self.X, self.y = mg.Tensor(X), y
        self.ps = [mg.Tensor(p, requires_grad=True) for p in params]

    def loss(self):
        W1, b1, W2, b2 = self.ps
        a1 = (self.X @ W1 + b1).tanh()
        data_loss = self.mg.softmax_cross_entropy(a1 @ W2 + b2, self.y, reduction="sum")
        return data_loss + REG / 2 * ((W1**2).sum() + (W2**2).sum())


class Compiled(T.MinigradCompiledTrainer):
    """The raw contender's loss as a pure function of the arrays, compiled once: mg.compile(mg.value_and_grad(loss))."""

    lr = LR

    def __init__(self, X, y, params):
        import minigrad as mg

        self.mg, self.X, self.y = mg, X, y
        self.ps = [p.copy() for p in params]

    def loss(self, W1, b1, W2, b2):
        a1 = self.mg.tanh(self.X @ W1 + b1)
        data_loss = self.mg.softmax_cross_entropy(a1 @ W2 + b2, self.y, reduction="sum")
        return data_loss + REG / 2 * ((W1**2).sum() + (W2**2).sum())


class MinigradNN(T.MinigradNNTrainer):
    """minigrad nn + losses + optim: MLP([2, H, 2], tanh), summed cross-entropy + l2_penalty, SGD."""

    def __init__(self, X, y, params):
        mg = self.mg = C.nn_modules()
        self.X, self.y, self.like = mg.Tensor(X), y, params
        hidden = params[0].shape[1]
        self.model = mg.nn.MLP([2, hidden, 2], activation="tanh", output=None)
        self.ps = list(self.model.parameters())
        self.transposed = C.load_params(self.ps, params)
        self.weights = [self.ps[0], self.ps[2]]
        self.opt = mg.optim.SGD(self.ps, lr=LR)

    def loss(self):
        losses = self.mg.losses
        return losses.cross_entropy(self.model(self.X), self.y, reduction="sum") + losses.l2_penalty(self.weights, REG)


class Torch(T.TorchTrainer):
    """PyTorch eager, float64: fused F.cross_entropy, manual SGD under no_grad."""

    lr = LR

    def __init__(self, X, y, params):
        torch = self.torch = C.torch_module()
        self.F = torch.nn.functional
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.ps = [torch.tensor(p, requires_grad=True) for p in params]

    def loss(self):
        W1, b1, W2, b2 = self.ps
        a1 = self.torch.tanh(self.X @ W1 + b1)
        z2 = a1 @ W2 + b2
        return self.F.cross_entropy(z2, self.y, reduction="sum") + REG / 2 * ((W1**2).sum() + (W2**2).sum())


class Autograd(T.AutogradTrainer):
    """HIPS autograd: value_and_grad of a function of the parameter list."""

    lr = LR

    def __init__(self, X, y, params):
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp

        rows = np.arange(len(y))

        def loss(ps):
            W1, b1, W2, b2 = ps
            a1 = anp.tanh(X @ W1 + b1)
            z2 = a1 @ W2 + b2
            logp = z2 - logsumexp(z2, axis=1, keepdims=True)
            return -anp.sum(logp[rows, y]) + REG / 2 * (anp.sum(W1**2) + anp.sum(W2**2))

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


def cases(quick: bool) -> list[Case]:
    X, y = make_moons(200, noise=0.2, seed=0)
    sizes = (3, 50) if quick else (3, 50, 500)
    out = []
    for hidden in sizes:
        init = moons_init(hidden)
        out.append(
            Case(
                key=f"W1/H={hidden}",
                workload="W1",
                title=f"W1 moons 2-{hidden}-2 tanh/softmax, N=200, GD",
                unit="step",
                build=lambda name, init=init: IMPLEMENTATIONS[name](X, y, init),
                target=TARGETS[hidden],
                config={"hidden": hidden, "n": 200, "noise": 0.2, "reg": REG, "lr": LR, "dtype": "float64"},
            )
        )
    return out
