"""Optimizers: the GD family updating ``p.data`` in place, schedules, and BFGS/L-BFGS through scipy."""

from .adaptive import Adagrad, Adam, RMSprop
from .base import NonFiniteError, Optimizer
from .flat import FlatParams
from .schedule import ExponentialLR, InverseTimeLR, LambdaLR, LRSchedule, StepLR
from .scipy_bridge import BFGS, LBFGS
from .sgd import GD, SGD

__all__ = [
    "Optimizer",
    "NonFiniteError",
    "SGD",
    "GD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "LRSchedule",
    "StepLR",
    "ExponentialLR",
    "InverseTimeLR",
    "LambdaLR",
    "BFGS",
    "LBFGS",
    "FlatParams",
]
