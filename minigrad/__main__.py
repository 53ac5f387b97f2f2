"""``python -m minigrad``: the same as the ``minigrad`` command.

Python has run the package's ``__init__`` before this file: a Ctrl-C during that is
Python's to report. One during the imports below exits 130 in one line, as later ones do.
"""

import sys

try:
    from .cli import main
except KeyboardInterrupt:
    print("interrupted by Ctrl-C while starting, before any work", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
