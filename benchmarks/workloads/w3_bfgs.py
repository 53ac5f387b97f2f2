"""W3: Welch Labs' 2-3-1 sigmoid sleep/study regression, trained by scipy's BFGS, float64.

J(W1, W2) = ½ Σ (y - ŷ)² / N + λ/2 (‖W1‖² + ‖W2‖²), λ = 1e-4, ŷ = σ(σ(X W1) W2), no biases.
Each contender supplies value-and-gradient of the flat parameter vector [W1 (2x3), W2 (3x1)]
for ``scipy.optimize.minimize(method="BFGS", jac=True)``, maxiter 200, gtol 1e-5.
Two cases: the whole BFGS run from the same start, and one cost+gradient evaluation.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .. import contenders as C
from ..data import sleep_study_data, sleep_study_init
from . import Case

LAM = 1e-4
OPTIONS = {"maxiter": 200, "gtol": 1e-5}
TARGET_RUN = 1.5


def _unflatten(x):
    return x[:6].reshape(2, 3), x[6:].reshape(3, 1)


def hand_vg(X, y):
    """The tutorial's costFunction and costFunctionPrime, with σ' written as a(1 - a)."""
    n = X.shape[0]

    def vg(x):
        W1, W2 = _unflatten(x)
        a2 = 1 / (1 + np.exp(-(X @ W1)))
        y_hat = 1 / (1 + np.exp(-(a2 @ W2)))
        err = y_hat - y
        J = 0.5 * (err * err).sum() / n + LAM / 2 * ((W1 * W1).sum() + (W2 * W2).sum())
        delta3 = err * (y_hat * (1 - y_hat))
        dW2 = a2.T @ delta3 / n + LAM * W2
        delta2 = (delta3 @ W2.T) * (a2 * (1 - a2))
        dW1 = X.T @ delta2 / n + LAM * W1
        return J, np.concatenate([dW1.ravel(), dW2.ravel()])

    return vg


def minigrad_vg(X, y):
    """One flat Tensor that requires grad, sliced into W1 and W2; ``backward()`` fills its ``.grad``."""
    import minigrad as mg

    X, y, n = mg.Tensor(X), mg.Tensor(y), X.shape[0]

    def vg(x):
        p = mg.Tensor(x, requires_grad=True)
        W1, W2 = p[:6].reshape(2, 3), p[6:].reshape(3, 1)
        y_hat = ((X @ W1).sigmoid() @ W2).sigmoid()
        J = 0.5 * ((y - y_hat) ** 2).sum() / n + LAM / 2 * ((W1**2).sum() + (W2**2).sum())
        J.backward()
        return J.item(), p.grad

    return vg


def compiled_vg(X, y):
    """The same cost as a pure function of the flat vector, compiled once; scipy gets arrays back."""
    import minigrad as mg

    n = X.shape[0]

    def J(x):
        W1, W2 = x[:6].reshape(2, 3), x[6:].reshape(3, 1)
        y_hat = mg.sigmoid(mg.sigmoid(X @ W1) @ W2)
        return 0.5 * ((y - y_hat) ** 2).sum() / n + LAM / 2 * ((W1**2).sum() + (W2**2).sum())

    step = mg.compile(mg.value_and_grad(J))

    def vg(x):
        value, grad = step(x)
        return float(value.data), grad.data

    return vg


def torch_vg(X, y):
    torch = C.torch_module()
    X, y, n = torch.from_numpy(X), torch.from_numpy(y), X.shape[0]

    def vg(x):
        p = torch.tensor(x, requires_grad=True)
        W1, W2 = p[:6].reshape(2, 3), p[6:].reshape(3, 1)
        y_hat = torch.sigmoid(torch.sigmoid(X @ W1) @ W2)
        J = 0.5 * ((y - y_hat) ** 2).sum() / n + LAM / 2 * ((W1**2).sum() + (W2**2).sum())
        J.backward()
        return J.item(), p.grad.numpy()

    return vg


def autograd_vg(X, y):
    import autograd
    import autograd.numpy as anp

    n = X.shape[0]

    def J(p):
        W1, W2 = p[:6].reshape(2, 3), p[6:].reshape(3, 1)
        y_hat = 1 / (1 + anp.exp(-(1 / (1 + anp.exp(-(X @ W1))) @ W2)))
        return 0.5 * anp.sum((y - y_hat) ** 2) / n + LAM / 2 * (anp.sum(W1**2) + anp.sum(W2**2))

    return autograd.value_and_grad(J)


VG = {C.NUMPY: hand_vg, C.MINIGRAD: minigrad_vg, C.COMPILED: compiled_vg, C.TORCH: torch_vg, C.AUTOGRAD: autograd_vg}


class Run:
    """The timed unit is a whole BFGS run from x0."""

    def __init__(self, vg, x0):
        self.vg, self.x0, self.result = vg, x0, None

    def step(self):
        self.result = minimize(self.vg, self.x0, jac=True, method="BFGS", options=OPTIONS)

    def loss_and_grads(self):
        f, g = self.vg(self.x0)
        return float(f), [np.asarray(g)]

    def params(self):
        return [self.result.x]

    def info(self):
        r = self.result
        return {"nit": int(r.nit), "nfev": int(r.nfev), "fun": float(r.fun), "success": bool(r.success)}


class Eval(Run):
    """The timed unit is one cost+gradient evaluation at x0."""

    def step(self):
        return self.vg(self.x0)

    def params(self):
        return [self.x0]

    def info(self):
        return {}


class NNRun:
    """Two bias-free mg.nn.Linear layers, mg.losses.sse_loss / N + l2_penalty, driven by mg.optim.BFGS."""

    def __init__(self, X, y, x0):
        mg = self.mg = C.nn_modules()
        self.X, self.y, self.n = mg.Tensor(X), mg.Tensor(y), X.shape[0]
        self.like = list(_unflatten(x0))
        self.layers = [mg.nn.Linear(2, 3, bias=False), mg.nn.Linear(3, 1, bias=False)]
        self.ps = [p for layer in self.layers for p in layer.parameters()]
        self.transposed = C.load_params(self.ps, self.like)
        self.result = None

    def closure(self):
        for layer in self.layers:
            layer.zero_grad()
        l1, l2 = self.layers
        y_hat = l2(l1(self.X).sigmoid()).sigmoid()
        J = self.mg.losses.sse_loss(y_hat, self.y) / self.n + self.mg.losses.l2_penalty(self.ps, LAM)
        J.backward()
        return J

    def step(self):
        C.load_params(self.ps, self.like)
        opt = self.mg.optim.BFGS(self.ps, maxiter=OPTIONS["maxiter"], gtol=OPTIONS["gtol"])
        self.result = opt.step(self.closure)

    def loss_and_grads(self):
        C.load_params(self.ps, self.like)
        J = self.closure()
        grads = C.module_arrays([p.grad for p in self.ps], self.like, self.transposed)
        return J.item(), [np.concatenate([g.ravel() for g in grads])]

    def params(self):
        ws = C.module_arrays([p.data for p in self.ps], self.like, self.transposed)
        return [np.concatenate([w.ravel() for w in ws])]

    def info(self):
        r = self.result
        return {"nit": int(r.nit), "nfev": int(r.nfev), "fun": float(r.fun), "success": bool(r.success)}


class NNEval(NNRun):
    """One closure call (zero_grad, forward, backward) plus flattening the gradient, at x0."""

    def step(self):
        J = self.closure()
        return J.item(), np.concatenate([p.grad.ravel() for p in self.ps])

    def info(self):
        return {}


def cases(quick: bool) -> list[Case]:
    X, y = sleep_study_data()
    x0 = sleep_study_init(0)

    def build_run(name):
        if name == C.MINIGRAD_NN:
            return NNRun(X, y, x0)
        return Run(VG[name](X, y), x0)

    def build_eval(name):
        if name == C.MINIGRAD_NN:
            return NNEval(X, y, x0)
        return Eval(VG[name](X, y), x0)

    config = {"lam": LAM, **OPTIONS, "dtype": "float64", "x0_seed": 0}
    return [
        Case(
            key="W3/run",
            workload="W3",
            title="W3 sleep/study 2-3-1 sigmoid, whole BFGS run",
            unit="BFGS run",
            build=build_run,
            target=TARGET_RUN,
            check_steps=1,
            params_tol=1e-6,  # rounding differences move where BFGS stops (measured ~1e-8)
            config=config,
        ),
        Case(
            key="W3/eval",
            workload="W3",
            title="W3 sleep/study, one cost+gradient evaluation",
            unit="evaluation",
            build=build_eval,
            check_steps=1,
            config=config,
        ),
    ]
