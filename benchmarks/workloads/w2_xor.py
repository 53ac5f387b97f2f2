"""W2: Trask's 3-4-1 sigmoid network on the XOR-like data, alpha 10, float64.

Cost J = ½ Σ (ŷ - y)², ŷ = σ(σ(X W0) W1), no biases; update W -= alpha · dJ/dW.
One timed step is one iteration of the tutorial's loop: forward + backward + update.
"""

from __future__ import annotations

import numpy as np

from .. import contenders as C
from .. import trainers as T
from ..data import xor_data, xor_init
from . import Case

ALPHA = 10.0
TARGET = 3.0


class Hand:
    """The tutorial's loop body (with alpha), verbatim up to names."""

    def __init__(self, X, y, params):
        self.X, self.y = X, y
        self.s0, self.s1 = (p.copy() for p in params)

    def step(self):
        X, s0, s1 = self.X, self.s0, self.s1
        l1 = 1 / (1 + np.exp(-(X @ s0)))
        l2 = 1 / (1 + np.exp(-(l1 @ s1)))
        l2_delta = (l2 - self.y) * (l2 * (1 - l2))
        l1_delta = (l2_delta @ s1.T) * (l1 * (1 - l1))
        s1 -= ALPHA * (l1.T @ l2_delta)
        s0 -= ALPHA * (X.T @ l1_delta)

    def loss_and_grads(self):
        X, s0, s1 = self.X, self.s0, self.s1
        l1 = 1 / (1 + np.exp(-(X @ s0)))
        l2 = 1 / (1 + np.exp(-(l1 @ s1)))
        l2_delta = (l2 - self.y) * (l2 * (1 - l2))
        l1_delta = (l2_delta @ s1.T) * (l1 * (1 - l1))
        return float(0.5 * ((l2 - self.y) ** 2).sum()), [X.T @ l1_delta, l1.T @ l2_delta]

    def params(self):
        return [self.s0, self.s1]


class Minigrad(T.MinigradTrainer):
    """The README's example: sigmoid layers, J = ½ Σ (ŷ - y)², ``backward()``, update ``.data``."""

    lr = ALPHA

    def __init__(self, X, y, params):
        import minigrad as mg

        self.X, self.y = mg.Tensor(X), mg.Tensor(y)
        self.ps = [mg.Tensor(p, requires_grad=True) for p in params]

    def loss(self):
        W1, W2 = self.ps
        y_hat = ((self.X @ W1).sigmoid() @ W2).sigmoid()
        return 0.5 * ((y_hat - self.y) ** 2).sum()


class Compiled(T.MinigradCompiledTrainer):
    """The raw contender's J as a pure function of W1, W2, compiled once."""

    lr = ALPHA

    def __init__(self, X, y, params):
        import minigrad as mg

        self.mg, self.X, self.y = mg, X, y
        self.ps = [p.copy() for p in params]

    def loss(self, W1, W2):
        y_hat = self.mg.sigmoid(self.mg.sigmoid(self.X @ W1) @ W2)
        return 0.5 * ((y_hat - self.y) ** 2).sum()


class MinigradNN(T.MinigradNNTrainer):
    """Two bias-free mg.nn.Linear layers, mg.losses.sse_loss, mg.optim.SGD."""

    def __init__(self, X, y, params):
        mg = self.mg = C.nn_modules()
        self.X, self.y, self.like = mg.Tensor(X), mg.Tensor(y), params
        self.l1 = mg.nn.Linear(3, params[0].shape[1], bias=False)
        self.l2 = mg.nn.Linear(params[0].shape[1], 1, bias=False)
        self.ps = [*self.l1.parameters(), *self.l2.parameters()]
        self.transposed = C.load_params(self.ps, params)
        self.opt = mg.optim.SGD(self.ps, lr=ALPHA)

    def loss(self):
        y_hat = self.l2(self.l1(self.X).sigmoid()).sigmoid()
        return self.mg.losses.sse_loss(y_hat, self.y)


class Torch(T.TorchTrainer):
    lr = ALPHA

    def __init__(self, X, y, params):
        torch = self.torch = C.torch_module()
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.ps = [torch.tensor(p, requires_grad=True) for p in params]

    def loss(self):
        W1, W2 = self.ps
        y_hat = self.torch.sigmoid(self.torch.sigmoid(self.X @ W1) @ W2)
        return 0.5 * ((y_hat - self.y) ** 2).sum()


class Autograd(T.AutogradTrainer):
    lr = ALPHA

    def __init__(self, X, y, params):
        import autograd
        import autograd.numpy as anp

        def sigmoid(z):
            return 1 / (1 + anp.exp(-z))

        def loss(ps):
            W1, W2 = ps
            y_hat = sigmoid(sigmoid(X @ W1) @ W2)
            return 0.5 * anp.sum((y_hat - y) ** 2)

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
    X, y = xor_data()
    init = xor_init(4)
    return [
        Case(
            key="W2",
            workload="W2",
            title="W2 Trask 3-4-1 sigmoid XOR, alpha 10",
            unit="iteration",
            build=lambda name: IMPLEMENTATIONS[name](X, y, init),
            target=TARGET,
            config={"hidden": 4, "alpha": ALPHA, "dtype": "float64"},
        )
    ]
