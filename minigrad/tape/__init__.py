"""Make the tape visible: ``trace`` the recorded graph as text."""

from .rows import Row
from .trace import Sent, Step, Trace, trace

__all__ = ["trace", "Trace", "Step", "Sent", "Row"]
