"""W5: one training step of the digits CNN (examples/digits_cnn.py), float64.

    Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2) → Conv2d(16, 32, 3, padding=1) → ReLU → MaxPool2d(2)
    → Flatten → Linear(128, 10), mean softmax cross-entropy, plain SGD (lr 0.05)

on a batch of random 8×8 "images" (batch 32, the example's; 8 with --quick). One
timed step is forward + backward + update. Parameters: conv weights OIHW, conv
biases (O,), the Linear weight (128, 10) in the tutorials' (in, out) layout, its bias (10,).
Hand NumPy is im2col by strided views + one matmul per convolution, in NHWC (its
fast layout), with the 2×2 pooling done by reshapes. HIPS autograd has no convolution:
it is listed as skipped.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import contenders as C
from .. import trainers as T
from . import Case

LR = 0.05
TARGET = 2.0  # issue 12: at most 2x PyTorch eager (the table's ratio column is to hand NumPy)
FULL = {"batch": 32}
QUICK = {"batch": 8}


def cnn_data(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random images (batch, 1, 8, 8) in [0, 1) and labels in [0, 10)."""
    rng = np.random.default_rng(seed)
    return rng.random((batch, 1, 8, 8)), rng.integers(0, 10, size=batch)


def cnn_init(seed: int = 1) -> list[np.ndarray]:
    """[w1 (16,1,3,3), b1 (16,), w2 (32,16,3,3), b2 (32,), W3 (128,10), b3 (10,)], PyTorch-style uniform bounds."""
    rng = np.random.default_rng(seed)
    shapes = [((16, 1, 3, 3), 9), ((16,), 9), ((32, 16, 3, 3), 144), ((32,), 144), ((128, 10), 128), ((10,), 128)]
    return [rng.uniform(-1, 1, s) / np.sqrt(fan_in) for s, fan_in in shapes]


# -- hand NumPy ---------------------------------------------------------------------


def _im2col(x: np.ndarray) -> np.ndarray:
    """NHWC (N, H, W, C) → (N·H·W, C·9): the 3×3 windows of the zero-padded input, (C, kh, kw) order."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return sliding_window_view(xp, (3, 3), axis=(1, 2)).reshape(n * h * w, c * 9)


def _col2im(d: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
    """The adjoint of _im2col: (N·H·W, C·9) → NHWC, overlapping taps added."""
    n, h, w, c = shape
    taps = d.reshape(n, h, w, c, 3, 3)
    out = np.zeros((n, h + 2, w + 2, c))
    for i in range(3):
        for j in range(3):
            out[:, i : i + h, j : j + w, :] += taps[..., i, j]
    return out[:, 1:-1, 1:-1, :]


def _pool(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 max pool of NHWC ``a``: (pooled, index of the first maximum in each window)."""
    n, h, w, c = a.shape
    win = a.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, h // 2, w // 2, c, 4)
    k = win.argmax(axis=-1)[..., None]
    return np.take_along_axis(win, k, axis=-1)[..., 0], k


def _unpool(g: np.ndarray, k: np.ndarray) -> np.ndarray:
    n, h2, w2, c = g.shape
    d = np.zeros((n, h2, w2, c, 4))
    np.put_along_axis(d, k, g[..., None], axis=-1)
    return d.reshape(n, h2, w2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(n, 2 * h2, 2 * w2, c)


class Hand:
    def __init__(self, X, y, params):
        self.X = np.ascontiguousarray(X.transpose(0, 2, 3, 1))  # NHWC
        self.onehot = np.eye(10)[y]
        self.ps = [p.copy() for p in params]

    def _grads(self):
        X, (w1, b1, w2, b2, W3, b3) = self.X, self.ps
        n = len(X)
        c1 = _im2col(X)
        z1 = (c1 @ w1.reshape(16, 9).T + b1).reshape(n, 8, 8, 16)
        a1 = np.maximum(z1, 0)
        p1, k1 = _pool(a1)
        c2 = _im2col(p1)
        z2 = (c2 @ w2.reshape(32, 144).T + b2).reshape(n, 4, 4, 32)
        a2 = np.maximum(z2, 0)
        p2, k2 = _pool(a2)
        f = p2.transpose(0, 3, 1, 2).reshape(n, 128)  # NCHW flatten, as the frameworks
        z3 = f @ W3 + b3
        s = z3 - z3.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        loss = -(logp * self.onehot).sum() / n
        d3 = (np.exp(logp) - self.onehot) / n
        dW3, db3 = f.T @ d3, d3.sum(axis=0)
        dp2 = (d3 @ W3.T).reshape(n, 32, 2, 2).transpose(0, 2, 3, 1)
        dz2 = np.where(z2 > 0, _unpool(dp2, k2), 0).reshape(n * 16, 32)
        dw2, db2 = (dz2.T @ c2).reshape(w2.shape), dz2.sum(axis=0)
        dp1 = _col2im(dz2 @ w2.reshape(32, 144), (n, 4, 4, 16))
        dz1 = np.where(z1 > 0, _unpool(dp1, k1), 0).reshape(n * 64, 16)
        dw1, db1 = (dz1.T @ c1).reshape(w1.shape), dz1.sum(axis=0)
        return float(loss), [dw1, db1, dw2, db2, dW3, db3]

    def step(self):
        _, grads = self._grads()
        for p, g in zip(self.ps, grads):
            p -= LR * g

    def loss_and_grads(self):
        return self._grads()

    def params(self):
        return self.ps


# -- the frameworks -----------------------------------------------------------------


class Minigrad(T.MinigradTrainer):
    """minigrad's Tensor API with ``minigrad.nn.functional`` (conv2d, max_pool2d) and a fused cross-entropy."""

    lr = LR

    def __init__(self, X, y, params):
        import minigrad as mg
        from minigrad.nn import functional as F

        self.mg, self.F = mg, F
        self.X, self.y = mg.Tensor(X), y
        self.ps = [mg.Tensor(p, requires_grad=True) for p in params]

    def loss(self):
        F, (w1, b1, w2, b2, W3, b3) = self.F, self.ps
        a = F.max_pool2d(F.conv2d(self.X, w1, b1, padding=1).relu(), 2)
        a = F.max_pool2d(F.conv2d(a, w2, b2, padding=1).relu(), 2)
        return self.mg.softmax_cross_entropy(a.reshape(len(self.y), 128) @ W3 + b3, self.y)


class Compiled(T.MinigradCompiledTrainer):
    """The raw contender's loss as a pure function of the six arrays, compiled once."""

    lr = LR

    def __init__(self, X, y, params):
        import minigrad as mg
        from minigrad.nn import functional as F

        self.mg, self.F, self.X, self.y = mg, F, X, y
        self.ps = [p.copy() for p in params]

    def loss(self, w1, b1, w2, b2, W3, b3):
        F = self.F
        a = F.max_pool2d(self.mg.relu(F.conv2d(self.X, w1, b1, padding=1)), 2)
        a = F.max_pool2d(self.mg.relu(F.conv2d(a, w2, b2, padding=1)), 2)
        return self.mg.softmax_cross_entropy(a.reshape(len(self.y), 128) @ W3 + b3, self.y)


class MinigradNN(T.MinigradNNTrainer):
    """The example's ``nn.Sequential`` (Conv2d, ReLU, MaxPool2d, Flatten, Linear), losses.cross_entropy, optim.SGD."""

    def __init__(self, X, y, params):
        mg = self.mg = C.nn_modules()
        nn = mg.nn
        self.X, self.y, self.like = mg.Tensor(X), y, params
        self.model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(128, 10),
        )
        self.ps = list(self.model.parameters())
        self.transposed = C.load_params(self.ps, params)
        self.opt = mg.optim.SGD(self.ps, lr=LR)

    def loss(self):
        return self.mg.losses.cross_entropy(self.model(self.X), self.y, reduction="mean")


class Torch(T.TorchTrainer):
    """PyTorch eager, torch.nn.functional with the same arrays (float64)."""

    lr = LR

    def __init__(self, X, y, params):
        torch = self.torch = C.torch_module()
        self.F = torch.nn.functional
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.ps = [torch.tensor(p, requires_grad=True) for p in params]

    def loss(self):
        F, (w1, b1, w2, b2, W3, b3) = self.F, self.ps
        a = F.max_pool2d(F.relu(F.conv2d(self.X, w1, b1, padding=1)), 2)
        a = F.max_pool2d(F.relu(F.conv2d(a, w2, b2, padding=1)), 2)
        return F.cross_entropy(a.flatten(1) @ W3 + b3, self.y)


class NoAutograd:
    def __init__(self, X, y, params):
        raise C.Unavailable("HIPS autograd has no convolution")


IMPLEMENTATIONS = {
    C.NUMPY: Hand,
    C.MINIGRAD: Minigrad,
    C.COMPILED: Compiled,
    C.MINIGRAD_NN: MinigradNN,
    C.TORCH: Torch,
    C.AUTOGRAD: NoAutograd,
}


def config(quick: bool) -> dict:
    return dict(QUICK if quick else FULL, lr=LR, dtype="float64")


def cases(quick: bool) -> list[Case]:
    cfg = config(quick)
    X, y = cnn_data(cfg["batch"], seed=0)
    init = cnn_init(seed=1)
    return [
        Case(
            key="W5",
            workload="W5",
            title=f"W5 digits CNN conv16-pool-conv32-pool-linear10, batch {cfg['batch']} of 8x8, float64, SGD",
            unit="step",
            build=lambda name: IMPLEMENTATIONS[name](X, y, init),
            tol=1e-10,
            config=cfg,
        )
    ]
