"""The minigrad command run as a user runs it (a subprocess in a temporary folder): what it cannot do
is said in one line on stderr with a nonzero exit status, before any training where it can be known."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def minigrad(*argv, cwd, env=None, stdout=subprocess.PIPE):
    """Run ``python -m minigrad argv`` in ``cwd``; returns the finished process (text output)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "minigrad", *argv], cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True
    )


def one_line_error(done, status=2):
    """The run ended with ``status`` and exactly one line on stderr, no traceback; returns that line."""
    err = done.stderr.strip()
    assert done.returncode == status, (done.returncode, done.stderr)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def without_matplotlib(tmp_path):
    """PYTHONPATH entries under which ``import matplotlib`` fails, as when the [plot] extra is not installed."""
    shim = tmp_path / "no-matplotlib"
    (shim / "matplotlib").mkdir(parents=True)
    (shim / "matplotlib" / "__init__.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    return {"PYTHONPATH": f"{shim}{os.pathsep}{ROOT}"}


def test_gradient_descent_diverging_on_a_huge_penalty_says_so_in_one_line(tmp_path):
    err = one_line_error(minigrad("scores", "--optimizer", "gd", "--lambda", "1e300", cwd=tmp_path))
    assert "diverged" in err and "--lambda 1e+300" in err and "NonFiniteError" not in err


def test_a_huge_penalty_is_blamed_on_lambda_not_on_the_step_size(tmp_path):
    done = minigrad("moons", "--lambda", "1e308", cwd=tmp_path)
    err = one_line_error(done)
    assert "diverged" in err and "--lambda 1e+308 is too large" in err and "step size is too large" not in err
    done = minigrad("moons", "--optimizer", "adam", "--lambda", "1e308", "--steps", "10", cwd=tmp_path)
    assert done.returncode == 0 and all(len(line) < 100 for line in done.stdout.splitlines())  # no 300-digit loss


def test_an_empty_figure_path_is_refused_before_training(tmp_path):
    done = minigrad("moons", "--plot", "", cwd=tmp_path)
    assert "--plot needs a file name" in one_line_error(done) and done.stdout == ""


@pytest.mark.parametrize("where", ["a folder", "a missing folder", "a read-only place"])
@pytest.mark.parametrize("command", [["moons"], ["alpha-sweep", "--iterations", "100000"]])
def test_a_figure_path_that_cannot_be_written_is_refused_before_training(tmp_path, command, where):
    if where == "a folder":
        (tmp_path / "figure.png").mkdir()
        plot = "figure.png"
    elif where == "a missing folder":
        plot = "missing/figure.png"
    else:
        if not Path("/proc").is_dir():
            pytest.skip("needs /proc, a place where even root cannot create files")
        plot = "/proc/figure.png"
    done = minigrad(*command, "--plot", plot, cwd=tmp_path)
    err = one_line_error(done)
    assert f"cannot write a figure to {plot!r}" in err
    assert done.stdout == ""  # refused before the first training line
    assert not (tmp_path / "missing").exists()


def test_an_output_folder_in_a_read_only_place_is_refused_before_training(tmp_path):
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc, a place where even root cannot create files")
    done = minigrad("scores", "--out", "/proc/figures", cwd=tmp_path)
    assert "not writable" in one_line_error(done) and done.stdout == ""


def test_a_refused_run_leaves_no_output_folder_behind(tmp_path):
    env = without_matplotlib(tmp_path)
    for argv in (["scores", "--out", "figures"], ["demo", "--quick", "--out", "figures"]):
        done = minigrad(*argv, cwd=tmp_path, env=env)
        assert 'pip install "minigrad-np[plot]"' in one_line_error(done)
        assert not (tmp_path / "figures").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["moons"], ["gradcheck"], ["scores"]])
def test_output_to_a_full_disk_ends_in_one_line(tmp_path, argv):
    with open("/dev/full", "w") as full:
        done = minigrad(*argv, cwd=tmp_path, stdout=full)
    err = one_line_error(done, status=1)
    assert err == "minigrad: error: cannot write the output: No space left on device"
