"""examples/generated_backprop.py: the program mg.compile writes for the moons network equals the hand backprop."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_backprop_prints_the_program_and_matches_the_hand_derivation(tmp_path):
    script = ROOT / "examples" / "generated_backprop.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "def loss(W1, b1, W2, b2):" in out and "delta3 = probs - Y" in out
    difference = float(out.split("max |gradient difference| ")[1].split()[0])
    assert difference < 1e-12
    program = (tmp_path / "generated_backprop.py.txt").read_text()
    assert "dz2 =" in program and "dz1 =" in program and "# VJP of tanh" in program
