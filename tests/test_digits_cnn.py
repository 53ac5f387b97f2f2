"""examples/digits_cnn.py runs with --quick and learns; the W5 benchmark workload cross-checks its contenders.

The example needs scikit-learn (the ``[examples]`` extra) and matplotlib: the test skips without them.
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

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "digits_cnn.py"


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}


def test_digits_cnn_quick_learns_and_draws(tmp_path):
    pytest.importorskip("sklearn")
    mpimg = pytest.importorskip("matplotlib.image")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    epochs = re.findall(r"^epoch +(\d+)/5 .*test accuracy +([0-9.]+)%", out, flags=re.M)
    assert [int(e) for e, _ in epochs] == [1, 2, 3, 4, 5]  # one progress line per epoch
    accuracy = float(re.search(r"^test accuracy ([0-9.]+)%", out, flags=re.M).group(1))
    # 5 epochs reach ~95% (chance is 10%; the full 15-epoch run reaches 98.2%)
    assert accuracy >= 90.0, out
    assert float(epochs[-1][1]) == pytest.approx(accuracy, abs=0.06)
    written = re.findall(r"^wrote (\S+\.png)$", out, flags=re.M)
    assert {Path(p).name for p in written} == {"digits_misclassified.png", "digits_learning_curves.png"}
    for p in written:
        assert Path(p).parent == tmp_path
        image = mpimg.imread(p)
        assert image.ndim == 3 and image.shape[0] > 150 and image.shape[1] > 300


def test_digits_cnn_ctrl_c_exits_130_after_saying_what_completed(tmp_path):
    pytest.importorskip("sklearn")
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--epochs", "200", "--out", str(tmp_path)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = ""
    deadline = time.monotonic() + 120
    while not line.startswith("epoch") and time.monotonic() < deadline:  # wait for a completed epoch
        line = proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    match = re.search(r"interrupted: (\d+) of 200 epochs completed, test accuracy [0-9.]+%", rest)
    assert match and int(match.group(1)) >= 1, rest + err
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("contender", ["minigrad", "minigrad_nn", "torch"])
def test_w5_contenders_agree_with_hand_numpy(contender):
    """After the benchmark's check steps, loss, gradients and parameters match hand NumPy to 1e-10 (its own check)."""
    from benchmarks import contenders as C
    from benchmarks.check import compare
    from benchmarks.workloads import all_cases

    if contender == "torch":
        pytest.importorskip("torch")
    (case,) = all_cases(quick=True)["W5"]
    trainers = {name: case.build(name) for name in ("numpy", contender)}
    for trainer in trainers.values():
        for _ in range(case.check_steps):
            trainer.step()
    check = compare(trainers[contender], trainers["numpy"], case.tol, case.params_tol)
    assert check["ok"], check
    assert check["grad_err"] < 1e-10 and check["param_err"] < 1e-10
    with pytest.raises(C.Unavailable, match="no convolution"):
        case.build("autograd")


def test_w5_is_registered_with_the_runner():
    from benchmarks.run import WORKLOADS, parse_args

    assert "W5" in WORKLOADS
    assert parse_args(["--workloads", "w5"]).workloads == ["W5"]


def test_w5_hand_numpy_gradients_match_finite_differences():
    """The benchmark's reference itself is right: its gradients against central differences of its loss."""
    from benchmarks.workloads import w5_cnn

    X, y = w5_cnn.cnn_data(3, seed=2)
    hand = w5_cnn.Hand(X, y, w5_cnn.cnn_init(seed=3))
    _, grads = hand.loss_and_grads()
    rng = np.random.default_rng(0)
    for p, g in zip(hand.ps, grads):
        for _ in range(3):
            i = tuple(rng.integers(0, n) for n in p.shape)
            old = p[i]
            p[i] = old + 1e-6
            up = hand.loss_and_grads()[0]
            p[i] = old - 1e-6
            down = hand.loss_and_grads()[0]
            p[i] = old
            assert (up - down) / 2e-6 == pytest.approx(g[i], rel=1e-5, abs=1e-8)
