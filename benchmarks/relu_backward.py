"""Time the ReLU backward on a (1024, 256) float32 gradient, one thread.

    OMP_NUM_THREADS=1 taskset -c 0 python -m benchmarks.relu_backward

Reports the median and the minimum of repeated runs of the ReLU VJP as it was
(``g * (x > 0)``, up to commit 6a013f8) and as it is now (an exact select),
interleaved in one process so that load from other processes on a shared
machine hits both alike, plus a whole ``relu(x).backward(g)`` for scale.
(The minimum is the steadier statistic on a loaded machine.) For the whole
backward of an older version, run this file against an export of it:

    git archive 6a013f8 minigrad | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/relu_backward.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402


def _time_us(fn, number: int = 50) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e6


def _interleaved(fns: dict, repeats: int = 61) -> dict:
    """(median, min) time of each function; runs interleaved so that load on a shared machine hits all alike."""
    times: dict = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(_time_us(fn, number=20))
    return {name: (statistics.median(ts), min(ts)) for name, ts in times.items()}


def main() -> None:
    rng = np.random.default_rng(0)
    x_data = rng.standard_normal((1024, 256)).astype(np.float32)
    g = rng.standard_normal((1024, 256)).astype(np.float32)
    x = mg.Tensor(x_data, requires_grad=True)
    y = mg.relu(x)
    vjp = y._vjps[0]
    out = y.data

    def before():  # the VJP up to commit 6a013f8: a product with the mask (inf * 0 = nan)
        return g * (x_data > 0)

    def now():
        return vjp(g, out, x_data)

    def whole():
        x.grad = None
        mg.relu(x).backward(g)

    assert np.array_equal(before(), now())
    t = _interleaved({"before (g * mask)": before, "now (select)": now, "relu forward+backward now": whole})
    for name, (median, best) in t.items():
        print(f"{name:<28}: median {median:8.1f} µs, min {best:8.1f} µs")
    for k, stat in enumerate(("median", "min")):
        print(f"now / before ({stat}): {t['now (select)'][k] / t['before (g * mask)'][k]:.3f}")


if __name__ == "__main__":
    main()
