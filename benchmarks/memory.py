"""Peak memory of a W4 training run, one contender and one method per fresh subprocess.

    python -m benchmarks.memory CONTENDER {tracemalloc,rss} [--quick] [--steps 5]

Prints one JSON object. Two methods:

- tracemalloc: NumPy registers every array buffer with tracemalloc, so the traced
  peak is exactly the most NumPy + Python memory alive at once. The framework is
  imported first (one throwaway step, untraced); then a fresh model is built
  traced, takes one warm-up step and ``steps`` measured steps. ``peak_bytes``
  includes the data and parameters; ``extra_bytes`` is the part above what was
  alive before the measured steps. PyTorch's allocator does not report to
  tracemalloc, so this method is not used for torch.
- rss: the model is built (importing the framework) and takes ``steps + 1`` steps,
  the first included: the resident-set high-water mark (VmHWM, reset through
  /proc/self/clear_refs) minus the resident size before the steps. It sees every
  allocator, but counts pages, not bytes, and also library code paged in on first
  use. It needs its own process because glibc (with the runner's
  MALLOC_TRIM_THRESHOLD_) keeps freed pages, so an earlier step would hide the peak.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tracemalloc


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure_tracemalloc(name: str, quick: bool, steps: int) -> dict:
    from benchmarks.workloads import w4_mlp

    trainer = w4_mlp.build(name, quick)  # imports the framework: not part of the run's memory
    trainer.step()
    del trainer
    gc.collect()
    tracemalloc.start()
    trainer = w4_mlp.build(name, quick)
    trainer.step()
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for _ in range(steps):
        trainer.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"peak_bytes": peak, "base_bytes": base, "extra_bytes": peak - base}


def measure_rss(name: str, quick: bool, steps: int) -> dict:
    from benchmarks.workloads import w4_mlp

    trainer = w4_mlp.build(name, quick)
    gc.collect()
    rss0 = _status_kb("VmRSS")
    if rss0 is not None and _reset_hwm():
        for _ in range(steps + 1):
            trainer.step()
        hwm = _status_kb("VmHWM")
        return {"rss_extra_bytes": (hwm - rss0) * 1024, "rss_method": "VmHWM after clear_refs minus VmRSS before"}
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(steps + 1):
        trainer.step()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rss_extra_bytes": (after - before) * 1024, "rss_method": "growth of ru_maxrss (a lower bound)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contender")
    parser.add_argument("method", choices=["tracemalloc", "rss"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)
    measure = measure_tracemalloc if args.method == "tracemalloc" else measure_rss
    print(json.dumps(measure(args.contender, args.quick, args.steps)))
    return 0


if __name__ == "__main__":
    if not __package__:
        sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from benchmarks.env import prepare

    prepare()
    sys.exit(main())
