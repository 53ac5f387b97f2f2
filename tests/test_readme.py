"""Every Python snippet of the README runs on its own, in a fresh interpreter, in an empty folder.

A reader copies one snippet, not the whole page: each must bring its own imports
and seeds. A snippet followed by "It prints:" and a plain code block must print
exactly that block.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\nIt prints:\n\n```\n(.*?)```\n)?", re.S)
SNIPPETS = [(m.group(1), m.group(2)) for m in BLOCK.finditer(README)]


def first_code_line(code):
    return next(line for line in code.splitlines() if line and not line.startswith(("import", "from", "#")))


def test_the_readme_has_snippets_and_one_printed_output():
    assert len(SNIPPETS) >= 8
    assert sum(output is not None for _, output in SNIPPETS) >= 1


def run_snippet(code, folder):
    """``python -c code`` in ``folder`` with the repository importable; the finished process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """Every snippet started at once, two at a time (each in its own empty folder); results by index."""
    pool = ThreadPoolExecutor(max_workers=2)
    futures = [pool.submit(run_snippet, code, tmp_path_factory.mktemp("snippet")) for code, _ in SNIPPETS]
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize("index", range(len(SNIPPETS)), ids=[first_code_line(c)[:40] for c, _ in SNIPPETS])
def test_snippet_runs_alone_in_a_fresh_interpreter(index, finished):
    code, output = SNIPPETS[index]
    if "mg.draw(" in code:
        pytest.importorskip("matplotlib")
    if "import torch" in code:  # the PyTorch bridge's snippet: torch is optional
        pytest.importorskip("torch")
    proc = finished[index].result()
    assert proc.returncode == 0, f"snippet failed:\n{code}\n{proc.stderr}"
    if output is not None:
        assert proc.stdout == output
    if "print(result.nit, result.fun)" in code:  # the BFGS snippet: seeded, so the README's numbers are its numbers
        nit, fun = proc.stdout.split()
        assert nit == "126" and fun.startswith("0.00261769")
