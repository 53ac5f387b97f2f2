"""Start-up that a Ctrl-C cannot turn into a traceback: the ``minigrad`` console script and a guard for scripts.

It lives outside the package on purpose: importing anything inside ``minigrad``
first runs the package's ``__init__`` (NumPy, SciPy, every op), the start-up a
Ctrl-C can cut short, before any code of ours could catch it. It imports nothing heavy.

    from minigrad_launch import starting

    with starting():          # Ctrl-C in here: one line on stderr, exit status 130
        import numpy as np
        import minigrad as mg
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["main", "starting", "interrupt_exits"]

MESSAGE = "interrupted by Ctrl-C while starting, before any work"


@contextmanager
def starting() -> Iterator[None]:
    """Run the imports inside the ``with``; a Ctrl-C during them prints one line and exits 130.

    A Ctrl-C that lands in an extension module's C start-up can come out as another
    exception (NumPy reports an ImportError, the KeyboardInterrupt lost), or not at all:
    so the SIGINT itself is noted, and any exception after one (or none) still exits 130.
    Raises ``SystemExit(130)`` after a Ctrl-C; any other exception passes through unchanged.
    """
    seen: list[int] = []

    def note_and_interrupt(signum: int, frame: object) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, note_and_interrupt)
    except ValueError:  # not the main thread: Python's own handling stays
        previous = None
    try:
        yield
    except BaseException as exc:
        if not (seen or isinstance(exc, KeyboardInterrupt)):
            raise
        _exit_interrupted()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if seen:  # swallowed by the code it interrupted: the user still asked to stop
        _exit_interrupted()


def interrupt_exits() -> Callable[[], None]:
    """Until the returned function is called, a Ctrl-C prints one line and ends the process with status 130.

    For ``python -m minigrad``: Python imports the package (NumPy, SciPy, every op) before the
    command's own code runs, so its ``__init__`` calls this first and the returned restore last.
    The handler ends the process at once (``os._exit``): inside an extension's C start-up an
    exception could be lost or turned into another.
    """

    def stop(signum: int, frame: object) -> None:
        os.write(2, (MESSAGE + "\n").encode())
        os._exit(130)

    try:
        previous = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: nothing to do
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    return restore


def _exit_interrupted() -> None:
    print(MESSAGE, file=sys.stderr)
    raise SystemExit(130)


def main() -> int:
    """The ``minigrad`` console script: load the command under ``starting()``, then run it (``minigrad.cli.main``)."""
    with starting():
        from minigrad.cli import main as run_command
    return run_command()
