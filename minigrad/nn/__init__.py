"""Neural-network building blocks on the Tensor API: Module, layers, activations, containers, ``functional``."""

from . import functional
from .activation import ELU, GELU, LeakyReLU, LogSigmoid, SiLU, Softplus
from .containers import MLP, Sequential
from .conv import AvgPool2d, Conv1d, Conv2d, MaxPool2d
from .init import INITS, init_weight
from .layers import ACTIVATIONS, Identity, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .misc import Dropout, Embedding, Flatten
from .module import Module, is_parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm

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
    "GELU",
    "SiLU",
    "LeakyReLU",
    "ELU",
    "Softplus",
    "LogSigmoid",
    "Conv1d",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "Flatten",
    "Dropout",
    "Embedding",
    "LayerNorm",
    "BatchNorm1d",
    "BatchNorm2d",
    "Sequential",
    "MLP",
    "ACTIVATIONS",
    "INITS",
    "init_weight",
    "functional",
]
