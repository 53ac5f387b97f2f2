"""Every script in examples/ runs with its small options, says what it should, and writes figures that decode.

Each script runs as a user would run it: a subprocess, from a temporary folder,
with PYTHONPATH at the repository root and matplotlib's Agg backend.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from minigrad.datasets import sleep_study
from minigrad.tutorials.xor import train_alpha

mpimg = pytest.importorskip("matplotlib.image")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(script: str, *args: str, cwd: Path) -> str:
    """Run examples/<script> with ``args``; fail with its output unless it exits 0. Returns stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def announced_figures(stdout: str, out: Path, names: set[str]) -> None:
    """The PNGs the script says it wrote are exactly ``names``, inside ``out``, and decode as images."""
    paths = [Path(p) for p in re.findall(r"(?:wrote|drawn to) (\S+\.png)", stdout)]
    assert {p.name for p in paths} == names
    for p in paths:
        p = p if p.is_absolute() else out / p
        assert p.resolve().parent == out.resolve(), f"{p} was not written to --out"
        image = mpimg.imread(p)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 200, f"{p.name}: {image.shape}"


def number_after(label: str, stdout: str) -> float:
    """The number printed right after ``label`` (the first occurrence)."""
    match = re.search(re.escape(label) + r"\s*([-+0-9.eE]+)", stdout)
    assert match, f"no {label!r} in the output:\n{stdout}"
    return float(match.group(1))


def test_moons(tmp_path):
    out = run("moons.py", "--quick", "--out", str(tmp_path), cwd=tmp_path)
    # The tutorial's first two lines, from the Tensor version (its NumPy code prints the same).
    assert "Loss after iteration 0: 0.432387\nLoss after iteration 1000: 0.068947\n" in out
    assert number_after("training accuracy", out) > 95
    assert number_after("max |difference| of W1, W2 from the Tensor version:", out) < 1e-12
    assert len(re.findall(r"hidden layer size +\d+: training accuracy", out)) == 7
    announced_figures(out, tmp_path, {"moons_boundary.png", "moons_loss.png", "moons_hidden_sizes.png"})


def test_alpha_sweep(tmp_path):
    out = run("alpha_sweep.py", "--quick", "--alphas", "0.001", "10", "--out", str(tmp_path), cwd=tmp_path)
    tables = re.findall(r"Training With Alpha:(\S+)\n((?:Error after \d+ iterations:\S+\n)+)", out)
    assert [alpha for alpha, _ in tables] == ["0.001", "10"]
    for _, table in tables:
        assert table.startswith("Error after 0 iterations:0.496410031903\n")  # the tutorial's first row
        assert len(table.splitlines()) == 6
    # The same run through the library's independent implementation prints the same table and counts.
    for (alpha, table), block in zip(tables, out.split("Training With Alpha:")[1:]):
        reference = train_alpha(float(alpha), hidden=4, iterations=3000, every=500)
        assert table == "".join(
            f"Error after {i} iterations:{e:.12g}\n" for i, e in zip(reference.iterations, reference.errors)
        )
        for k in (0, 1):
            printed = re.search(rf"Synapse {k} Update Direction Changes\n([\[\]\d\s]+?)\n(?:Synapse|\n|$)", block)
            counts = np.array([int(c) for c in re.findall(r"\d+", printed.group(1))])
            expected = getattr(reference, f"synapse_{k}_direction_changes")
            np.testing.assert_array_equal(counts, expected.ravel())
    assert float(tables[1][1].splitlines()[-1].split(":")[1]) < 0.02  # alpha 10 learns XOR; 0.001 hardly moves
    announced_figures(out, tmp_path, {"alpha_sweep.png"})


def test_test_scores(tmp_path):
    out = run("test_scores.py", "--quick", "--out", str(tmp_path), cwd=tmp_path)
    # Both sets scaled by the raw training maxima: the printed test inputs are the library's correctly scaled ones.
    assert f"testX scaled with the same maxima:\n{sleep_study().X_test}\n" in out
    assert number_after("norm(grad - numgrad) / norm(grad + numgrad) =", out) < 1e-8
    assert "Optimization terminated successfully" in out
    assert re.search(r"train\s+3\s+5\s+\d+\.\d\s+75\n", out)  # predictions beside the actual scores
    runs = re.findall(r"Lambda = (\S+) +train J (\S+), test J (\S+) after \d+ iterations \(lowest test J (\S+),", out)
    (lam0, train0, test0, best0), (lam, train, _, _) = [[float(v) for v in r] for r in runs]
    assert (lam0, lam) == (0, 1e-4)
    assert test0 > 1.5 * best0  # without Lambda the test cost climbs back up: overfitting
    assert train0 < train  # ... while the training cost ends lower than with Lambda
    announced_figures(out, tmp_path, {"scores_cost.png", "scores_overfitting.png"})


def test_custom_backward(tmp_path):
    out = run("custom_backward.py", "--quick", "--out", str(tmp_path), cwd=tmp_path)
    assert "gradcheck of tanh_layer: passed" in out
    assert "gradcheck of tanh_layer_slip: FAILED (3 of 3 checks)" in out
    assert number_after("max |difference| over all 200 steps:", out) < 1e-12
    assert "mg.hvp raises SecondOrderError" in out
    announced_figures(out, tmp_path, {"custom_backward.png"})


def test_higher_order(tmp_path):
    out = run("higher_order.py", "--quick", "--out", str(tmp_path), cwd=tmp_path)
    assert number_after("against H @ v for a random v: max |difference| =", out) < 1e-12
    power = number_after("lambda_max =", out)
    assert power == pytest.approx(number_after("(eigvalsh:", out), rel=1e-6)
    newton = re.search(r"Newton: (\d+) iterations to \|grad f\| < 1e-12, at \((\S+), (\S+)\)", out)
    assert newton and int(newton.group(1)) <= 10
    assert float(newton.group(2)) == pytest.approx(1, abs=1e-9) and float(newton.group(3)) == pytest.approx(1, abs=1e-9)
    assert number_after("f =", out) > 1e-6  # gradient descent is still far from the minimum after 2000 steps
    announced_figures(out, tmp_path, {"newton_vs_gd.png"})


def test_explain_graph(tmp_path):
    out = run("explain_graph.py", "--quick", "--out", str(tmp_path), cwd=tmp_path)
    assert not (tmp_path / "--quick.png").exists()
    diffs = re.findall(r"dL/d(z2|z1) vs .* max \|difference\| = (\S+)", out)
    assert [node for node, _ in diffs] == ["z2", "z1"]
    assert all(float(d) < 1e-12 for _, d in diffs)
    announced_figures(out, tmp_path, {"graph.png"})


def test_explain_graph_still_takes_a_file(tmp_path):
    out = run("explain_graph.py", str(tmp_path / "g.png"), cwd=tmp_path)
    announced_figures(out, tmp_path, {"g.png"})


def test_sleep_study_gradient_check(tmp_path):
    out = run("sleep_study_gradient_check.py", "--quick", "--inits", "10", "--out", str(tmp_path), cwd=tmp_path)
    verdicts = re.findall(r"(autodiff|manual) vs numerical: .*\((all below|\d+ NOT below) 1e-08\)", out)
    assert verdicts == [("autodiff", "all below"), ("manual", "all below")] * 2
    announced_figures(out, tmp_path, {"gradient_check_ratios.png"})


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_accepts_quick_and_out(script):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(EXAMPLES / script), "--help"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "--quick" in done.stdout and "--out" in done.stdout


# -- Ctrl-C: a real SIGINT, in a temporary folder ---------------------------------------------------


def interrupt(script, *args, cwd, marker, delay=0.3):
    """Run the example, send SIGINT ``delay`` s after ``marker`` is printed; return (exit status, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            break
    else:
        proc.kill()
        pytest.fail(f"{marker!r} never printed:\n{''.join(seen)}")
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, "".join(seen) + out


def test_ctrl_c_moons_example(tmp_path):
    rc, out = interrupt("moons.py", "--steps", "10000000", "--out", ".", cwd=tmp_path, marker="iteration 1000:")
    assert rc == 130 and "interrupted by Ctrl-C" in out
    steps = int(re.search(r"training accuracy \S+ after (\d+) steps", out).group(1))
    assert 1000 < steps < 10000000
    announced_figures(out, tmp_path, {"moons_boundary.png", "moons_loss.png"})
    for name in ("moons_boundary.png", "moons_loss.png"):  # each figure says it shows a cut run
        assert f"{name} (partial: training interrupted after {steps} of 10000000 steps)" in out


def test_ctrl_c_alpha_sweep_example(tmp_path):
    args = ("--alphas", "10", "1", "--iterations", "100000000", "--out", ".")
    rc, out = interrupt("alpha_sweep.py", *args, cwd=tmp_path, marker="Error after 0 iterations")
    assert rc == 130 and "interrupted by Ctrl-C after" in out and "0 of 2 alphas completed" in out
    assert "Synapse 1 Update Direction Changes" in out
    announced_figures(out, tmp_path, {"alpha_sweep.png"})
    assert re.search(r"alpha_sweep\.png \(partial: alpha 10 stopped after \d+ of 100000000 iterations\)", out)


def test_ctrl_c_sleep_study_example(tmp_path):
    args = ("--inits", "100000000", "--out", ".")
    rc, out = interrupt("sleep_study_gradient_check.py", *args, cwd=tmp_path, marker="checking", delay=2)
    assert rc == 130 and "(interrupted by Ctrl-C of 100000000)" in out
    assert "autodiff vs numerical: median" in out
    announced_figures(out, tmp_path, {"gradient_check_ratios.png"})
    assert re.search(r"gradient_check_ratios\.png \(partial: interrupted, \d+ of 100000000 initialisations", out)


@pytest.mark.parametrize(
    "script, args, marker",
    [
        ("custom_backward.py", ("--steps", "100000000"), "== 3."),
        ("higher_order.py", ("--gd-steps", "100000000"), "cost of one Hessian-vector product"),
    ],
)
def test_ctrl_c_examples_whose_figure_needs_every_part(tmp_path, script, args, marker):
    rc, out = interrupt(script, *args, "--out", ".", cwd=tmp_path, marker=marker, delay=1)
    assert rc == 130 and "interrupted by Ctrl-C: the sections printed above completed" in out
    assert "Traceback" not in out and not list(tmp_path.glob("*.png"))
