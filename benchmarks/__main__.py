"""``python -m benchmarks``: pin threads and allocator first, then run (see run.py)."""

import sys

from .env import prepare

_notes = prepare()  # before anything imports NumPy; may re-execute the interpreter

from .run import main  # noqa: E402

sys.exit(main(_notes))
