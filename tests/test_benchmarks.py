"""The benchmark runner works end to end: ``python -m benchmarks --quick`` in a subprocess.

Only the shape of the results is checked (every workload, every contender, positive
ratios, minigrad agreeing with hand NumPy); no time is ever asserted.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTENDERS = {"numpy", "minigrad", "minigrad_compiled", "minigrad_nn", "torch", "autograd"}


def test_quick_run_reports_every_workload_and_contender(tmp_path):
    out, png = tmp_path / "bench.json", tmp_path / "w1.png"
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out), "--plot", str(png)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "malloc" in proc.stdout and "OPENBLAS_NUM_THREADS=1" in proc.stdout

    data = json.loads(out.read_text())
    assert set(data["contenders"]) == CONTENDERS
    assert set(data["workloads"]) == {"W1", "W2", "W3", "W4"}
    keys = {key for wl in data["workloads"].values() for key in wl["cases"]}
    assert {"W1/H=3", "W1/H=50", "W2", "W3/run", "W3/eval", "W4"} <= keys
    for wl in data["workloads"].values():
        for case in wl["cases"].values():
            results = case["results"]
            assert set(results) == CONTENDERS
            assert results["numpy"]["status"] == "ok" and results["minigrad"]["status"] == "ok"
            assert results["minigrad_compiled"]["status"] == "ok"  # ran and agreed with hand NumPy
            for r in results.values():
                assert r["status"] in ("ok", "skipped"), r
                if r["status"] == "ok":
                    assert r["ratio"] > 0 and r["median_s"] > 0
    memory = data["workloads"]["W4"]["memory"]["results"]
    assert memory["numpy"]["peak_bytes"] > 0 and memory["minigrad"]["ratio"] > 0
    assert png.exists() or "plot skipped" in proc.stdout
