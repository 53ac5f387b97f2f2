"""The scripts in examples/ refuse what they cannot do up front, as the minigrad command does:
exit status 2, one line on stderr, nothing run and no output folder made.

Each script runs as a user runs it: a subprocess in a temporary folder. Needs neither
matplotlib nor scikit-learn: every refusal comes before either is used.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIGURE_SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name != "generated_backprop.py")


def run(script, *args, cwd, pythonpath=None):
    """Run examples/<script> ``args`` in ``cwd``; returns the finished process (text output)."""
    env = {**os.environ, "PYTHONPATH": pythonpath or str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def refused(done):
    """Exit status 2, one line on stderr, nothing on stdout (no work started); returns the line."""
    err = done.stderr.strip()
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert len(err.splitlines()) == 1 and "Traceback" not in err and done.stdout == "", done
    return err


@pytest.mark.parametrize(
    "script, args, message",
    [
        ("digits_cnn.py", ["--epochs", "0"], "expected a positive integer, got 0"),
        ("digits_cnn.py", ["--epochs", "-1"], "expected a positive integer, got -1"),
        ("digits_cnn.py", ["--batch", "0"], "expected a positive integer, got 0"),
        ("digits_cnn.py", ["--lr", "nan"], "expected a positive finite number, got nan"),
        ("digits_cnn.py", ["--lr", "-0.1"], "expected a positive finite number, got -0.1"),
        ("digits_cnn.py", ["--seed", "-1"], "a seed must be between 0 and 2**32 - 1"),
        ("test_scores.py", ["--seed", "-1"], "a seed must be between 0 and 2**32 - 1"),
        ("sleep_study_gradient_check.py", ["--seed", "-1"], "a seed must be between 0 and 2**32 - 1"),
        ("sleep_study_gradient_check.py", ["--inits", "0"], "expected a positive integer, got 0"),
        ("alpha_sweep.py", ["--alphas", "nan"], "expected a positive finite number, got nan"),
        ("alpha_sweep.py", ["--alphas", "1", "-10"], "expected a positive finite number, got -10"),
        ("alpha_sweep.py", ["--iterations", "-1"], "expected a positive integer, got -1"),
        ("moons.py", ["--steps", "-1"], "expected a positive integer, got -1"),
        ("moons.py", ["--hidden", "0"], "expected a positive integer, got 0"),
        ("custom_backward.py", ["--steps", "0"], "expected a positive integer, got 0"),
        ("higher_order.py", ["--gd-steps", "-1"], "expected a positive integer, got -1"),
        ("generated_backprop.py", ["--steps", "0"], "expected a positive integer, got 0"),
        ("explain_graph.py", ["graph.txt"], "use a .png, .pdf, .svg file"),
    ],
)
def test_meaningless_values_are_refused_before_any_work(tmp_path, script, args, message):
    err = refused(run(script, *args, "--out", "figures", cwd=tmp_path))
    assert err.startswith(f"{script}: error: ") and message in err
    assert not (tmp_path / "figures").exists()  # a refused run leaves no empty folder behind


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_an_output_folder_that_is_a_file_is_refused_first(tmp_path, script):
    (tmp_path / "results").write_text("not a folder")
    assert "'results' is a file" in refused(run(script, "--quick", "--out", "results", cwd=tmp_path))


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_an_unwritable_output_folder_is_refused_first(tmp_path, script):
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc, a place where even root cannot create files")
    assert "not writable" in refused(run(script, "--quick", "--out", "/proc/minigrad-figures", cwd=tmp_path))


@pytest.mark.parametrize("script", FIGURE_SCRIPTS)
def test_without_matplotlib_the_plot_extra_is_named_before_any_work(tmp_path, script):
    shim = tmp_path / "no-matplotlib"
    (shim / "matplotlib").mkdir(parents=True)
    (shim / "matplotlib" / "__init__.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    done = run(script, "--quick", "--out", "figures", cwd=tmp_path, pythonpath=f"{shim}{os.pathsep}{ROOT}")
    assert refused(done) == f'{script}: error: drawing the figures needs matplotlib: pip install "minigrad-np[plot]"'
    assert not (tmp_path / "figures").exists()
