"""The process the benchmarks run in: one BLAS thread, a steady allocator, and a record of both.

``prepare()`` must run before NumPy is imported. It pins every BLAS/OpenMP pool
to one thread through the environment (the only way that reaches a library
before it starts its threads) and, because glibc reads its malloc settings once
at process start, re-executes the interpreter with them set when they are
missing. The other functions report what the libraries say they actually got.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
from typing import Any

# One thread everywhere: extra threads only help the 784-256-256-10 MLP and
# make the tutorial-sized networks noisier (BENCHMARKING.md).
THREAD_VARS = {
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}

# Large temporaries (a 200x500 float64 array is 800 kB) otherwise cross glibc's
# dynamic mmap threshold, and the same step then times bimodally depending on
# the process's history. Keep them on the heap and never hand memory back.
MALLOC_VARS = {
    "MALLOC_MMAP_THRESHOLD_": "33554432",
    "MALLOC_TRIM_THRESHOLD_": "1073741824",
    "MALLOC_TOP_PAD_": "67108864",
}

_REEXEC_MARK = "MINIGRAD_BENCH_REEXECED"


def prepare(reexec: bool = True) -> list[str]:
    """Pin threads and (re-exec to) set malloc variables; return notes to print. Call before importing NumPy."""
    notes: list[str] = []
    if "numpy" in sys.modules:
        notes.append("WARNING: NumPy was imported before the thread pinning; BLAS may use several threads")
    for key, val in THREAD_VARS.items():
        os.environ[key] = val
    missing = [k for k in MALLOC_VARS if k not in os.environ]
    if missing and reexec and os.environ.get(_REEXEC_MARK) is None and sys.platform.startswith("linux"):
        env = dict(os.environ, **{k: MALLOC_VARS[k] for k in missing}, **{_REEXEC_MARK: ",".join(missing)})
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    settings = " ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in MALLOC_VARS)
    if os.environ.get(_REEXEC_MARK):
        was = os.environ[_REEXEC_MARK]
        notes.append(f"re-executed the interpreter with glibc malloc settings {settings} (were missing: {was})")
    elif missing:
        notes.append(f"WARNING: glibc malloc settings not applied ({', '.join(missing)} missing): {settings}")
    else:
        notes.append(f"glibc malloc settings already set: {settings}")
    differ = [k for k, v in MALLOC_VARS.items() if os.environ.get(k, v) != v]
    if differ:
        wanted = " ".join(f"{k}={MALLOC_VARS[k]}" for k in differ)
        notes.append(f"WARNING: kept your own {', '.join(differ)}; BENCHMARKING.md's values are {wanted}")
    return notes


def thread_report() -> list[str]:
    """What each numerical library reports about its thread pools (after NumPy and the optional frameworks load)."""
    lines = ["env: " + " ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in THREAD_VARS)]
    try:
        import threadpoolctl

        for pool in threadpoolctl.threadpool_info():
            lines.append(
                f"threadpoolctl: {pool.get('internal_api')} {pool.get('version') or ''} "
                f"num_threads={pool.get('num_threads')} ({os.path.basename(pool.get('filepath', ''))})"
            )
    except ImportError:
        lines.append("threadpoolctl: not installed; asking OpenBLAS directly")
        lines.extend(_openblas_threads())
    try:
        import torch

        info = torch.__config__.parallel_info().splitlines()
        wanted = ("at::get_num_threads", "at::get_num_interop_threads", "omp_get_max_threads", "mkl_get_max_threads")
        got = [ln.strip() for ln in info if ln.strip().startswith(wanted)]
        lines.append("torch: torch.get_num_threads()=" + str(torch.get_num_threads()) + "; " + "; ".join(got))
    except ImportError:
        pass
    return lines


def _openblas_threads() -> list[str]:
    """Call openblas_get_num_threads in every OpenBLAS this process has loaded (what threadpoolctl does)."""
    import ctypes

    import numpy as np

    lines = []
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({ln.split()[-1] for ln in f if "openblas" in ln.lower() and ln.rstrip().endswith(".so")})
    except OSError:
        paths = []
    names = [
        "openblas_get_num_threads",
        "openblas_get_num_threads64_",
        "scipy_openblas_get_num_threads",
        "scipy_openblas_get_num_threads64_",
    ]
    for path in paths:
        lib = ctypes.CDLL(path)
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                lines.append(f"OpenBLAS {os.path.basename(path)}: {name}() = {fn()}")
                break
    if not lines:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        lines.append(f"numpy BLAS: {blas.get('name')} {blas.get('version')} (thread count not queryable)")
    return lines


def machine_info() -> dict[str, Any]:
    """CPU, Python and library versions: enough to tell which machine a JSON file came from."""
    import numpy as np
    import scipy

    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "malloc_env": {k: os.environ.get(k) for k in MALLOC_VARS},
        "thread_env": {k: os.environ.get(k) for k in THREAD_VARS},
    }
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
    for mod in ("minigrad", "torch", "autograd", "threadpoolctl"):
        try:
            info[mod] = getattr(__import__(mod), "__version__", None) or importlib.metadata.version(mod)
        except (ImportError, importlib.metadata.PackageNotFoundError):
            info[mod] = None
    info["git_commit"] = _git_commit()
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def run_record(args: Any, notes: list[str]) -> dict[str, Any]:
    """The fields every results file starts with: when, how it was called, the options that set the
    method (``quick``, ``repeats``, ``block_seconds`` of ``args``), the notes, the machine and threads."""
    return {
        "schema": 1,
        "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "quick": args.quick,
        "repeats": args.repeats,
        "block_seconds": args.block_seconds,
        "notes": notes,
        "machine": machine_info(),
        "threads": thread_report(),
    }
