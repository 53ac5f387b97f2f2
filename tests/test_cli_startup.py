"""Ctrl-C while the minigrad command or an example is still starting (importing NumPy, SciPy, minigrad).

A real SIGINT to a real process in a temporary folder. The signal is sent once the
process is inside its imports (NumPy's library is mapped: /proc/PID/maps), then at
several delays after launch; what is asserted is the outcome, never the timing:
exit status 130 and one line on stderr, no traceback.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
COMMAND = Path(sys.executable).with_name("minigrad")  # the console script installed beside this Python

pytestmark = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc to see imports")


def loading_numpy(pid: int) -> bool:
    """True once the process has mapped one of NumPy's files: it is running our imports."""
    try:
        return "numpy" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def interrupt_at_start(argv, cwd, delay):
    """Start ``argv``; once it imports NumPy and ``delay`` s after launch, send SIGINT. Returns (rc, out, err)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    launched = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not loading_numpy(proc.pid):
        if proc.poll() is not None or time.monotonic() - launched > 60:
            proc.kill()
            pytest.fail(f"{argv} never started importing NumPy:\n{proc.communicate()}")
        time.sleep(0.001)
    time.sleep(max(0.0, launched + delay - time.monotonic()))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.skipif(not COMMAND.exists(), reason="the minigrad console script is not installed beside this Python")
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.2, 0.3])
def test_ctrl_c_while_the_command_starts_exits_130_in_one_line(tmp_path, delay):
    rc, out, err = interrupt_at_start([str(COMMAND), "moons", "--steps", "10000000"], tmp_path, delay)
    assert rc == 130, (rc, err)
    assert len(err.splitlines()) == 1 and err.startswith("interrupted by Ctrl-C"), err  # at start-up or later
    assert "Traceback" not in out + err


@pytest.mark.parametrize("delay", [0.0, 0.05])
@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_ctrl_c_while_an_example_starts_exits_130_in_one_line(tmp_path, script, delay):
    rc, out, err = interrupt_at_start([sys.executable, str(EXAMPLES / script)], tmp_path, delay)
    assert rc == 130, (rc, err)
    assert err == "interrupted by Ctrl-C while starting, before any work\n" and out == ""
    assert not (tmp_path / "minigrad-out").exists()


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.2])
def test_ctrl_c_while_python_m_minigrad_starts_exits_130_in_one_line(tmp_path, delay):
    # The package's __init__ runs before __main__.py: it exits 130 in one line itself.
    argv = [sys.executable, "-m", "minigrad", "moons", "--steps", "10000000"]
    rc, out, err = interrupt_at_start(argv, tmp_path, delay)
    assert rc == 130, (rc, err)
    assert len(err.splitlines()) == 1 and err.startswith("interrupted by Ctrl-C"), err  # at start-up or later
    assert "Traceback" not in out + err
