"""Redraw the README's headline figure, docs/moons_hidden_sizes.png, from the code as it is now.

    pip install -e ".[plot]"
    python docs/readme_figure.py

The same hidden-size sweep as ``minigrad demo`` (5,000 steps of GD for each of
H = 1, 2, 3, 4, 5, 20, 50 on the tutorial's 200 moons), drawn by
``minigrad.plots.hidden_size_grid``, then reduced to a 64-colour palette to keep
the repository small. The accuracies it shows are also stored as text in the
PNG (``Description``); tests/test_readme_figure.py recomputes them and fails
when the committed figure no longer shows what the code computes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

HIDDEN = (1, 2, 3, 4, 5, 20, 50)
STEPS = 5000
FIGURE = Path(__file__).with_name("moons_hidden_sizes.png")


def sweep() -> tuple[list, object, object]:
    """(runs, X, y): the demo's hidden-size sweep on the tutorial's data."""
    from minigrad.tutorials import moons

    first = moons.train_moons(3, steps=1)  # the tutorial's data set
    X, y = first.X, first.y
    return [moons.train_moons(h, steps=STEPS, data=(X, y)) for h in HIDDEN], X, y


def main(path: Path = FIGURE) -> Path:
    from PIL import Image, PngImagePlugin

    from minigrad import plots

    runs, X, y = sweep()
    accuracies = [r.accuracy for r in runs]
    with tempfile.TemporaryDirectory() as tmp:
        drawn = plots.hidden_size_grid(
            [(h, r.predict) for h, r in zip(HIDDEN, runs)], X, y, Path(tmp) / "f.png", accuracies
        )
        image = Image.open(drawn)
        info = PngImagePlugin.PngInfo()
        info.add_text("Description", plots.accuracy_description(HIDDEN, accuracies) or "")
        image.convert("RGB").quantize(64).save(path, optimize=True, pnginfo=info)
    return path


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIGURE))
