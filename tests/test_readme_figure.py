"""The README's headline figure shows what the code computes now (issue 22: it had gone stale).

docs/readme_figure.py draws docs/moons_hidden_sizes.png and stores the accuracies it shows in
the PNG's Description; this test reads them with the standard library (no matplotlib needed)
and recomputes the same sweep (about 4 s).
"""

import struct
from pathlib import Path

from minigrad.tutorials import moons

FIGURE = Path(__file__).resolve().parents[1] / "docs" / "moons_hidden_sizes.png"
HIDDEN = (1, 2, 3, 4, 5, 20, 50)  # as docs/readme_figure.py and the demo


def png_text(path: Path) -> dict[str, str]:
    """The tEXt chunks of a PNG file as {keyword: text}."""
    data, i, out = path.read_bytes(), 8, {}
    while i < len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        if data[i + 4 : i + 8] == b"tEXt":
            key, _, text = data[i + 8 : i + 8 + n].partition(b"\x00")
            out[key.decode("latin-1")] = text.decode("latin-1")
        i += 12 + n
    return out


def test_the_headline_figure_shows_the_accuracies_the_code_gives():
    first = moons.train_moons(3, steps=1)
    runs = [moons.train_moons(h, steps=5000, data=(first.X, first.y)) for h in HIDDEN]
    now = ", ".join(f"H={h} {r.accuracy:.1%}" for h, r in zip(HIDDEN, runs))
    shown = png_text(FIGURE).get("Description")
    assert shown == now, (
        f"docs/moons_hidden_sizes.png shows {shown!r}, the code gives {now!r}: run docs/readme_figure.py"
    )
