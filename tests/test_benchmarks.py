"""The benchmark runners work end to end: ``python -m benchmarks --quick`` and
``python -m benchmarks.jacobians --quick``, each in a subprocess.

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


JACOBIAN_CONTENDERS = {
    "numpy",
    "mg_jacfwd",
    "mg_jacrev",
    "mg_jacfwd_loop",
    "mg_jacrev_loop",
    "torch_jacfwd",
    "torch_jacrev",
    "autograd_jacobian",
}
HESSIAN_CONTENDERS = {"mg_hessian", "mg_hessian_loop", "mg_jacfwd_jacrev", "torch_hessian", "autograd_hessian"}


def test_jacobians_quick_run_reports_every_case_and_contender(tmp_path):
    """``python -m benchmarks.jacobians --quick``: every shape and Hessian, every contender checked, then timed."""
    out = tmp_path / "jac.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "benchmarks.jacobians", "--quick", "--json", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "malloc" in proc.stdout and "OPENBLAS_NUM_THREADS=1" in proc.stdout
    assert "Summary: ratio to hand NumPy" in proc.stdout

    data = json.loads(out.read_text())
    assert data["quick"] is True and data["threads"]
    assert set(data["jacobians"]) == {"tanh/n=2,m=16", "tanh/n=16,m=2", "tanh/n=8,m=8"}
    assert set(data["hessians"]) == {"hessian/2-3-1", "hessian/moons-2-5-2"}
    for group, contenders, baseline in (
        ("jacobians", JACOBIAN_CONTENDERS, "numpy"),
        ("hessians", HESSIAN_CONTENDERS, "mg_hessian"),
    ):
        for case in data[group].values():
            assert case["baseline"] == baseline and set(case["results"]) == contenders
            for name, r in case["results"].items():
                if name.startswith(("torch", "autograd")):  # optional: skipped when not installed
                    assert r["status"] in ("ok", "skipped"), r
                else:
                    assert r["status"] == "ok", r  # ran and agreed with the reference
                if r["status"] == "ok":
                    assert r["median_s"] > 0 and r["ratio"] > 0 and len(r["samples_s"]) == data["repeats"]
                    assert r["error_vs_reference"] <= (1e-6 if group == "hessians" else 1e-10)
                if name.startswith("mg_"):
                    assert r["sweeps"]  # blocks, or one sweep per vector (and why)
            speedups = case["speedups"]
            assert set(speedups) == ({"mg_jacfwd", "mg_jacrev"} if group == "jacobians" else {"mg_hessian"})
            assert all(s["speedup"] > 0 for s in speedups.values())
