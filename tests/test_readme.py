"""Every Python snippet of the README and of the documentation site runs on its own, in a fresh interpreter.

A reader copies one snippet, not the whole page: each must bring its own imports
and seeds, and runs in an empty folder. A snippet followed by "It prints:" and a
plain code block must print exactly that block. The pages are README.md and every
Markdown page under docs/ (the site mkdocs.yml builds); a snippet that appears on
two pages (the README's examples are also in the tour) runs once.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md"))]
TEXTS = {page: (ROOT / page).read_text(encoding="utf-8") for page in PAGES}
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\nIt prints:\n\n```\n(.*?)```\n)?", re.S)
# (page, index on that page, code, printed output or None)
SNIPPETS = [
    (page, index, m.group(1), m.group(2)) for page in PAGES for index, m in enumerate(BLOCK.finditer(TEXTS[page]))
]
UNIQUE = list(dict.fromkeys(code for _, _, code, _ in SNIPPETS))  # each distinct snippet once, in page order


def first_code_line(code):
    return next(line for line in code.splitlines() if line and not line.startswith(("import", "from", "#")))


def test_the_readme_has_snippets_and_one_printed_output():
    readme = [s for s in SNIPPETS if s[0] == "README.md"]
    assert len(readme) >= 2
    assert sum(output is not None for *_, output in readme) >= 1


def test_no_snippet_was_lost_in_the_move_to_the_docs_site():
    # The README held 28 snippets, 14 with printed output, before its sections moved into docs/.
    docs = [s for s in SNIPPETS if s[0] != "README.md"]
    assert len(docs) >= 28
    assert sum(output is not None for *_, output in docs) >= 14


@pytest.mark.parametrize("page", PAGES)
def test_every_printed_output_follows_a_snippet(page):
    """An "It prints:" the pattern does not attach to a snippet (a typo in the fences) would go unchecked."""
    attached = sum(m.group(2) is not None for m in BLOCK.finditer(TEXTS[page]))
    assert TEXTS[page].count("\nIt prints:\n") == attached


def test_the_docs_site_builds_in_strict_mode(tmp_path):
    """``mkdocs build --strict``: a link to a moved section, a missing page or a bad ``:::`` entry fails it."""
    pytest.importorskip("material")  # the docs extra: mkdocs-material and mkdocstrings[python]
    pytest.importorskip("mkdocstrings_handlers.python")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for page in ("index.html", "edges/index.html", "reference/index.html"):
        assert (tmp_path / "site" / page).stat().st_size > 1000, page
    assert "minigrad.Tensor.backward" in (tmp_path / "site" / "reference" / "index.html").read_text()


def run_snippet(code, folder):
    """``python -c code`` in ``folder`` with the repository importable; the finished process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """Every distinct snippet started at once, two at a time (each in its own empty folder); results by code."""
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {code: pool.submit(run_snippet, code, tmp_path_factory.mktemp("snippet")) for code in UNIQUE}
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize(
    "page, index",
    [(page, index) for page, index, _, _ in SNIPPETS],
    ids=[f"{page}:{index}:{first_code_line(code)[:40]}" for page, index, code, _ in SNIPPETS],
)
def test_snippet_runs_alone_in_a_fresh_interpreter(page, index, finished):
    _, _, code, output = next(s for s in SNIPPETS if s[:2] == (page, index))
    if "mg.draw(" in code:
        pytest.importorskip("matplotlib")
    if "import torch" in code:  # the PyTorch bridge's snippet: torch is optional
        pytest.importorskip("torch")
    proc = finished[code].result()
    assert proc.returncode == 0, f"snippet {index} of {page} failed:\n{code}\n{proc.stderr}"
    if output is not None:
        assert proc.stdout == output
    if "print(result.nit, result.fun)" in code:  # the BFGS snippet: seeded, so the docs' numbers are its numbers
        nit, fun = proc.stdout.split()
        assert nit == "126" and fun.startswith("0.00261769")
