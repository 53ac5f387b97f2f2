"""The benchmark runner: every contender on every workload, interleaved, against hand NumPy.

    python -m benchmarks [--quick] [--workloads W1,W2,...] [--repeats N] [--json PATH] [--plot PATH]
    python benchmarks/run.py ...   (the same)

Nothing here imports NumPy at module level: ``env.prepare()`` has to pin the
BLAS threads (and set glibc's malloc variables, re-executing if needed) first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_JSON = os.path.join(HERE, "results", "latest.json")
DEFAULT_PLOT = os.path.join(HERE, "results", "w1_time_vs_hidden.png")
WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
DEFAULT_WORKLOADS = ("W1", "W2", "W3", "W4")  # W5 (the digits CNN) on request: --workloads W5
NN_VS_RAW = 1.15  # the issue: nn + optim within 15% of the raw Tensor API


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description="minigrad against hand NumPy and friends")
    p.add_argument("--quick", action="store_true", help="tiny sizes and repeats: a smoke run of a few seconds")
    p.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS), help="comma-separated subset of W1,...,W5")
    p.add_argument("--contenders", default=None, help="comma-separated subset (numpy is always included)")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per contender (default 15, quick 3)")
    p.add_argument("--block-seconds", type=float, default=None, help="length of one timed block (default 0.05 s)")
    p.add_argument("--json", default=DEFAULT_JSON, help=f"where to write the results (default {DEFAULT_JSON})")
    p.add_argument("--plot", default=DEFAULT_PLOT, help="PNG of W1 time per step against H ('' to skip)")
    p.add_argument("--no-memory", action="store_true", help="skip the W4 peak-memory subprocesses")
    args = p.parse_args(argv)
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    bad = [w for w in args.workloads if w not in WORKLOADS]
    if bad:
        p.error(f"unknown workload(s) {bad}; choose from {list(WORKLOADS)}")
    if args.repeats is None:
        args.repeats = 3 if args.quick else 15
    if args.block_seconds is None:
        args.block_seconds = 0.004 if args.quick else 0.05
    return args


def main(notes: list[str], argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from . import contenders as C
    from . import env, report, timing
    from .check import compare
    from .workloads import all_cases

    for note in notes:
        print(note)
    available = C.availability()
    names = list(C.ORDER)
    if args.contenders:
        wanted = {c.strip() for c in args.contenders.split(",") if c.strip()} | {C.NUMPY}
        unknown = wanted - set(C.ORDER)
        if unknown:
            print(f"unknown contender(s) {sorted(unknown)}; choose from {C.ORDER}", file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    results: dict[str, Any] = {
        **env.run_record(args, notes),
        "contenders": {
            n: {"label": C.LABELS[n], "available": available[n] is None, "reason": available[n]} for n in names
        },
        "workloads": {},
    }
    m = results["machine"]
    print(f"machine: {m['cpu']}, {m['logical_cpus']} logical CPUs, {m['platform']}")
    print(f"python {m['python']}, numpy {m['numpy']} ({m['numpy_blas']}), scipy {m['scipy']}, minigrad {m['minigrad']}")
    print(f"torch {m['torch']}, autograd {m['autograd']}, git {m['git_commit']}")
    for line in results["threads"]:
        print("threads:", line)
    for n in names:
        if available[n] is not None:
            print(f"skipped: {C.LABELS[n]}: {available[n]}")
    load = os.getloadavg()
    results["load_before"] = load
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")
    if load[0] > 0.5:
        print("WARNING: other processes are using the CPU; expect noisy times (the ratios are paired per repeat)")
    block_ms = args.block_seconds * 1e3
    print(f"method: {args.repeats} interleaved repeats of ~{block_ms:g} ms blocks after warm-up; median and IQR")
    print("ratio: median over repeats of (contender's time / hand NumPy's time in the same repeat); paired q1–q3:")
    print("the quartiles of those per-repeat ratios")
    print()

    failed_core = False
    cases_by_workload = all_cases(args.quick)
    for wl in args.workloads:
        entry: dict[str, Any] = {"cases": {}}
        results["workloads"][wl] = entry
        for case in cases_by_workload[wl]:
            out = run_case(case, names, available, args, C, timing, compare)
            entry["cases"][case.key] = out
            print(report.case_table(out))
            print()
            failed_core |= out["results"].get(C.MINIGRAD, {}).get("status") in ("failed", "disagrees")
        if wl == "W4" and not args.no_memory:
            entry["memory"] = run_memory(names, available, args.quick, C)
            print(report.memory_table(entry["memory"]))
            print()

    results["load_after"] = os.getloadavg()
    print(report.summary_table(results))
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*results["load_after"]))
    print()
    if args.json:
        report.write_json(results, args.json)
        print(f"JSON written to {args.json}")
    if args.plot:
        print(report.plot_w1(results, args.plot))
    return 1 if failed_core else 0


def run_case(case, names, available, args, C, timing, compare) -> dict[str, Any]:
    """Build, cross-check, warm up and time every contender of one case."""
    out: dict[str, Any] = {
        "title": case.title,
        "unit": case.unit,
        "target": case.target,
        "config": case.config,
        "results": {},
    }
    trainers: dict[str, Any] = {}
    for name in names:
        if available[name] is not None:
            out["results"][name] = {"status": "skipped", "reason": available[name]}
            continue
        try:
            trainer = case.build(name)
            for _ in range(case.check_steps):
                trainer.step()
            trainers[name] = trainer
        except C.Unavailable as e:
            out["results"][name] = {"status": "skipped", "reason": str(e)}
        except Exception as e:  # a contender that crashes is reported as such, not fatal
            out["results"][name] = {"status": "failed", "reason": f"{type(e).__name__}: {e}"}
    reference = trainers[C.NUMPY]
    for name in list(trainers):
        if name == C.NUMPY:
            continue
        try:
            check = compare(trainers[name], reference, case.tol, case.params_tol)
        except Exception as e:
            out["results"][name] = {"status": "failed", "reason": f"cross-check raised {type(e).__name__}: {e}"}
            del trainers[name]
            continue
        if not check["ok"]:
            out["results"][name] = {
                "status": "disagrees",
                "reason": "differs from hand NumPy (loss {loss_err:.1e}, grads {grad_err:.1e}, params {param_err:.1e}; "
                "tolerance {tol:.0e}/{params_tol:.0e}); not reported".format(**check),
                "check": check,
            }
            del trainers[name]
        else:
            out["results"][name] = {"check": check}

    warm_seconds, warm_steps = (0.01, 2) if args.quick else (0.3, 10)
    estimates = {}
    for name, trainer in trainers.items():
        estimates[name] = timing.warm_up(trainer.step, warm_seconds, warm_steps)
    samples = timing.interleave({n: t.step for n, t in trainers.items()}, estimates, args.repeats, args.block_seconds)

    base = samples[C.NUMPY]
    for name in names:
        if name not in trainers:
            continue
        s = samples[name]
        q1, q3 = s.quartiles()
        paired = [a / b for a, b in zip(s.per_step, base.per_step)]
        pq1, pq3 = timing.quartiles(paired)
        r = out["results"].setdefault(name, {})
        r.update(
            status="ok",
            median_s=s.median(),
            q1_s=q1,
            q3_s=q3,
            min_s=min(s.per_step),
            max_s=max(s.per_step),
            samples_s=s.per_step,
            steps_per_block=s.steps_per_block,
            ratio=statistics.median(paired),
            ratio_q1=pq1,
            ratio_q3=pq3,
            ratio_of_medians=s.median() / base.median(),
        )
        info = getattr(trainers[name], "info", None)
        if info is not None and info():
            r["info"] = info()
        if name == C.MINIGRAD and case.target is not None:
            r["target"] = case.target
            r["met"] = r["ratio"] <= case.target
    out["results"] = {name: out["results"][name] for name in names}  # table order = contender order
    raw, nn = out["results"].get(C.MINIGRAD, {}), out["results"].get(C.MINIGRAD_NN, {})
    if raw.get("status") == "ok" and nn.get("status") == "ok":
        nn["ratio_to_raw"] = statistics.median(a / b for a, b in zip(nn["samples_s"], raw["samples_s"]))
        nn["target_vs_raw"] = NN_VS_RAW
        nn["met_vs_raw"] = nn["ratio_to_raw"] <= NN_VS_RAW
    return out


def run_memory(names, available, quick: bool, C) -> dict[str, Any]:
    """W4 peak memory, one fresh subprocess per contender (see benchmarks/memory.py for the method)."""
    from .workloads import w4_mlp

    steps = 2 if quick else 5
    cfg = w4_mlp.config(quick)
    out: dict[str, Any] = {
        "title": f"W4 peak memory of a training run ({steps} SGD steps after one warm-up step, "
        f"{'-'.join(map(str, cfg['sizes']))}, batch {cfg['batch']}, float32)",
        "target": w4_mlp.TARGET_MEMORY,
        "method": "traced peak: tracemalloc's peak during the steps (NumPy reports its buffers to tracemalloc), "
        "including the data and parameters; 'above data+params' subtracts what was alive before the steps. "
        "RSS: VmHWM (reset via /proc/self/clear_refs) minus VmRSS before the steps of a fresh model, first step "
        "included (pages, and library code paged in on first use); the only measure that sees PyTorch's allocator. "
        "Ratio = traced peak / hand NumPy's traced peak. Each contender and method runs in a fresh process.",
        "steps": steps,
        "results": {},
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for name in names:
        if available[name] is not None:
            out["results"][name] = {"status": "skipped", "reason": available[name]}
            continue
        r: dict[str, Any] = {"status": "ok"}
        for method in ("rss",) if name == C.TORCH else ("tracemalloc", "rss"):
            cmd = [sys.executable, "-m", "benchmarks.memory", name, method, "--steps", str(steps)]
            proc = subprocess.run(
                cmd + (["--quick"] if quick else []), cwd=ROOT, env=env, capture_output=True, text=True
            )
            if proc.returncode != 0:
                tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
                r = {"status": "skipped" if "Unavailable" in proc.stderr else "failed", "reason": tail}
                break
            r.update(json.loads(proc.stdout.strip().splitlines()[-1]))
        out["results"][name] = r
    hand = out["results"].get(C.NUMPY, {}).get("peak_bytes")
    for r in out["results"].values():
        if r.get("status") == "ok" and hand and r.get("peak_bytes") is not None:
            r["ratio"] = r["peak_bytes"] / hand
            r["extra_ratio"] = r["extra_bytes"] / max(out["results"][C.NUMPY]["extra_bytes"], 1)
    raw = out["results"].get(C.MINIGRAD, {})
    if raw.get("ratio") is not None:
        raw["met"] = raw["ratio"] <= out["target"]
    return out


if __name__ == "__main__":
    if not __package__:
        # Run as a file: put the worktree root first instead of benchmarks/ itself, so that
        # benchmarks/profile.py cannot shadow the standard library's profile module.
        sys.path[0] = ROOT
    from benchmarks.env import prepare
    from benchmarks.run import main as _main

    sys.exit(_main(prepare()))
