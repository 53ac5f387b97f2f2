"""What a Python user expects of the package: license, type marker, metadata, a light import, an API reference."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python(code, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)


def test_license_type_marker_and_metadata():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert (ROOT / "minigrad" / "py.typed").exists()
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    meta = cfg["metadata"]
    assert meta["license"] == "MIT" and "LICENSE" in meta["license_files"]
    assert "License :: OSI Approved :: MIT License" in meta["classifiers"]
    assert "Typing :: Typed" in meta["classifiers"]
    urls = dict(line.split(" = ") for line in meta["project_urls"].strip().splitlines())
    assert {"Source", "Documentation", "Issues"} <= set(urls)
    assert "py.typed" in cfg["options.package_data"]["minigrad"]
    extras = cfg["options.extras_require"]
    assert "pdoc" in extras["docs"] and "hypothesis" in extras["test"] and "matplotlib" in extras["plot"]
    assert cfg["options.entry_points"]["console_scripts"].strip() == "minigrad = minigrad_launch:main"


def test_no_stray_files_at_the_repository_root():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    top = {line.split("/")[0] for line in tracked.stdout.splitlines()}
    expected = {".ci", ".gitignore", "LICENSE", "README.md", "benchmarks", "docs", "examples", "minigrad"}
    expected |= {
        "pyproject.toml",
        "setup.cfg",
        "tests",
        "minigrad_launch.py",
        "mkdocs.yml",
    }  # the console script: see its docstring
    assert top <= expected, top - expected


def test_import_minigrad_loads_neither_scipy_optimize_nor_matplotlib_nor_hypothesis():
    done = python(
        "import sys, minigrad as mg\n"
        "heavy = [m for m in ('scipy.optimize', 'matplotlib', 'hypothesis') if m in sys.modules]\n"
        "print(heavy)\n"
        "mg.optim.BFGS, mg.fit, mg.History\n"  # still there, loaded on first use
        "print('scipy.optimize' in sys.modules)\n"  # only a BFGS run imports it
        "import numpy as np\n"
        "w = mg.Tensor(np.ones(2), requires_grad=True)\n"
        "mg.optim.BFGS([w]).step(lambda: ((w - 3.0) ** 2).sum())\n"
        "print('scipy.optimize' in sys.modules)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "False", "True"]


def test_every_exported_name_is_reachable():
    import minigrad

    missing = [name for name in minigrad.__all__ if not hasattr(minigrad, name)]
    assert missing == []
    assert {"optim", "fit", "History"} <= set(dir(minigrad))


def test_minigrad_testing_without_hypothesis_names_the_test_extra():
    done = python("import sys\nsys.modules['hypothesis'] = None\nimport minigrad.testing\n")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: minigrad.testing needs hypothesis") and "minigrad-np[test]" in last


def test_api_reference_builds_from_the_docstrings(tmp_path):
    pytest.importorskip("pdoc")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build.py"), str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "index.html").exists()
    for page in ("minigrad.html", "minigrad/cli.html", "minigrad/io.html", "minigrad/nn.html", "minigrad/optim.html"):
        assert (tmp_path / page).stat().st_size > 1000, page
    assert "LoadError" in (tmp_path / "minigrad" / "io.html").read_text()
