"""Neural-network building blocks on the Tensor API: Module, Linear, activations, Sequential, MLP."""

from .containers import MLP, Sequential
from .init import INITS, init_weight
from .layers import ACTIVATIONS, Identity, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .module import Module, is_parameter

__all__ = [
    "Module",
    "is_parameter",
    "Linear",
    "Identity",
    "Tanh",
    "Sigmoid",
    "ReLU",
    "Softmax",
    "LogSoftmax",
    "Sequential",
    "MLP",
    "ACTIVATIONS",
    "INITS",
    "init_weight",
]
