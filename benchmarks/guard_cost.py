"""What the zero-cotangent guard costs on the fast path: VJPs of sqrt, log, exp, div on (1024, 256) float32.

    OMP_NUM_THREADS=1 taskset -c 0 python -m benchmarks.guard_cost

Each VJP as it was (``g * 0.5 / out`` ...) against the rule now (the same
product, then an exact select where g != 0), interleaved in one process;
median and minimum of the repeats.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402

from .relu_backward import _interleaved  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, (1024, 256)).astype(np.float32)
    g = rng.standard_normal((1024, 256)).astype(np.float32)
    cases = {
        "sqrt": (mg.sqrt, lambda out: g * 0.5 / out),
        "log": (mg.log, lambda out: g / x),
        "exp": (mg.exp, lambda out: g * out),
        "div (denominator)": (lambda t: 1.0 / t, lambda out: -g * out / x),
    }
    print(f"{'op':<20} {'before median':>14} {'now median':>11} {'before min':>11} {'now min':>9}  ratio (min)")
    for name, (op, old) in cases.items():
        y = op(mg.Tensor(x, requires_grad=True))
        vjp = y._vjps[-1]
        out = y.data
        args = (g, out, x) if len(y._parents) == 1 else (g, out, y._parents[0].data, x)
        assert np.allclose(vjp(*args), old(out))
        t = _interleaved({"before": lambda old=old, out=out: old(out), "now": lambda vjp=vjp, args=args: vjp(*args)})
        (bm, bb), (nm, nb) = t["before"], t["now"]
        print(f"{name:<20} {bm:12.1f}µs {nm:9.1f}µs {bb:9.1f}µs {nb:7.1f}µs  {nb / bb:.2f}")


if __name__ == "__main__":
    main()
