"""Optimizers: the GD family updating ``p.data`` in place (parameter groups, ``step(closure)``,
``state_dict``), schedules, gradient clipping, and BFGS/L-BFGS through scipy."""

from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .base import NonFiniteError, Optimizer
from .clip import clip_grad_norm, clip_grad_norm_
from .flat import FlatParams
from .schedule import CosineAnnealingLR, ExponentialLR, InverseTimeLR, LambdaLR, LRSchedule, StepLR
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
    "AdamW",
    "LRSchedule",
    "StepLR",
    "ExponentialLR",
    "InverseTimeLR",
    "LambdaLR",
    "CosineAnnealingLR",
    "clip_grad_norm",
    "clip_grad_norm_",
    "BFGS",
    "LBFGS",
    "FlatParams",
]
