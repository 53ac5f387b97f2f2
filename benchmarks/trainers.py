"""What every workload's trainer of one framework does the same way: a step, loss-and-gradients, parameters.

A workload subclasses these, sets ``lr`` and builds ``self.ps`` (and the rest
its ``loss()`` needs); only ``loss()`` differs between workloads. The step is
the same code for every workload, so ratios compare the networks, not the glue.
"""

from __future__ import annotations

from typing import Any

from . import contenders as C


class MinigradTrainer:
    """minigrad's raw Tensor API: ``loss().backward()``, then ``p.data -= lr * p.grad``."""

    lr: float
    ps: list[Any]

    def loss(self) -> Any:
        raise NotImplementedError

    def step(self) -> None:
        self.loss().backward()
        for p in self.ps:
            p.data -= self.lr * p.grad
            p.grad = None

    def loss_and_grads(self) -> tuple[float, list[Any]]:
        loss = self.loss()
        loss.backward()
        grads = [p.grad for p in self.ps]
        for p in self.ps:
            p.grad = None
        return loss.item(), grads

    def params(self) -> list[Any]:
        return [p.data for p in self.ps]


class MinigradCompiledTrainer:
    """``mg.compile(mg.value_and_grad(loss))`` over plain arrays, then the hand update in place.

    A workload writes ``loss(self, *params)`` as a pure function of the parameter
    arrays (its argument names name the generated program's variables).
    """

    lr: float
    ps: list[Any]
    _vg: Any = None

    def loss(self, *ps: Any) -> Any:
        raise NotImplementedError

    @property
    def vg(self) -> Any:
        if self._vg is None:
            import minigrad as mg

            self._vg = mg.compile(mg.value_and_grad(self.loss, argnums=tuple(range(len(self.ps)))))
        return self._vg

    def step(self) -> None:
        _, grads = self.vg(*self.ps)
        for p, g in zip(self.ps, grads):
            p -= self.lr * g.data

    def loss_and_grads(self) -> tuple[float, list[Any]]:
        loss, grads = self.vg(*self.ps)
        return loss.item(), [g.data for g in grads]

    def params(self) -> list[Any]:
        return self.ps


class MinigradNNTrainer:
    """minigrad nn + optim: ``zero_grad``, ``loss().backward()``, ``opt.step()``; arrays in the hand layout."""

    ps: list[Any]
    opt: Any
    like: Any
    transposed: bool

    def loss(self) -> Any:
        raise NotImplementedError

    def step(self) -> None:
        self.opt.zero_grad()
        self.loss().backward()
        self.opt.step()

    def loss_and_grads(self) -> tuple[float, list[Any]]:
        self.opt.zero_grad()
        loss = self.loss()
        loss.backward()
        grads = C.module_arrays([p.grad for p in self.ps], self.like, self.transposed)
        self.opt.zero_grad()
        return loss.item(), grads

    def params(self) -> list[Any]:
        return C.module_arrays([p.data for p in self.ps], self.like, self.transposed)


class TorchTrainer:
    """PyTorch eager: ``loss().backward()``, then a manual SGD update under ``no_grad``."""

    lr: float
    ps: list[Any]
    torch: Any

    def loss(self) -> Any:
        raise NotImplementedError

    def step(self) -> None:
        self.loss().backward()
        with self.torch.no_grad():
            for p in self.ps:
                p -= self.lr * p.grad
                p.grad = None

    def loss_and_grads(self) -> tuple[float, list[Any]]:
        loss = self.loss()
        loss.backward()
        grads = [p.grad.numpy().copy() for p in self.ps]
        for p in self.ps:
            p.grad = None
        return loss.item(), grads

    def params(self) -> list[Any]:
        return [p.detach().numpy() for p in self.ps]


class AutogradTrainer:
    """HIPS autograd: ``self.vg`` = value_and_grad of the loss of the parameter list."""

    lr: float
    ps: list[Any]
    vg: Any

    def step(self) -> None:
        _, grads = self.vg(self.ps)
        for p, g in zip(self.ps, grads):
            p -= self.lr * g

    def loss_and_grads(self) -> tuple[float, list[Any]]:
        loss, grads = self.vg(self.ps)
        return float(loss), list(grads)

    def params(self) -> list[Any]:
        return self.ps
