"""Make the tape visible: ``trace`` the recorded graph as text, ``draw`` it as a figure, or export it ``to_dot``."""

from .dot import to_dot
from .draw import draw
from .rows import Row
from .trace import Sent, Step, Trace, trace

__all__ = ["trace", "draw", "to_dot", "Trace", "Step", "Sent", "Row"]
