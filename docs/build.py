"""Build the API reference from the docstrings, with pdoc (the ``docs`` extra).

    pip install -e ".[docs]"
    python docs/build.py            # writes docs/api/index.html (open it in a browser)
    python docs/build.py OUT_DIR

Every public module is documented: ``minigrad`` and each submodule whose
dotted name has no part starting with an underscore.
"""

from __future__ import annotations

import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")


def public_modules() -> list[str]:
    """``minigrad`` and its public submodules, in alphabetical order."""
    import minigrad

    names = [info.name for info in pkgutil.walk_packages(minigrad.__path__, "minigrad.")]
    return ["minigrad", *sorted(n for n in names if not any(part.startswith("_") for part in n.split(".")))]


def build(out: Path) -> Path:
    """Write the HTML reference to ``out``; returns ``out / "index.html"``."""
    import warnings

    import pdoc

    with warnings.catch_warnings():
        # Listing every module also lists some twice (pdoc follows a package's __all__): harmless.
        warnings.filterwarnings("ignore", message="The module specification")
        pdoc.pdoc(*public_modules(), output_directory=out)
    return out / "index.html"


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "api"
    print(f"wrote {build(target)}")
