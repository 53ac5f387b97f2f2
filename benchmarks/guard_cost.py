"""What the zero-cotangent guard costs on the plain backward: VJPs of sqrt, log, exp, div on (1024, 256) float32.

    OMP_NUM_THREADS=1 taskset -c 0 python -m benchmarks.guard_cost

Three forms of each VJP, interleaved in one process (median and minimum of the repeats):

- ``bare``: the formula alone (``g * 0.5 / out`` ...), which gives nan at 0 · inf;
- ``eager``: the guard before issue 19, which built a mask ``g != 0`` on every call and
  selected through it (and, on the recorded path, dropped the rule's dependence on g
  wherever g was 0: wrong at second order);
- ``now``: the rule as it is (``minigrad.ops._dual.times_`` / ``over_``): the formula, then
  one minimum to learn whether a nan is there at all; a mask is built only when one is.

A second table times the same rules when the cotangent does hold zeros that meet an infinite
derivative (a tenth of g is 0 and a tenth of x is 0), where the mask must be built.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.ops._dual import select  # noqa: E402

from .relu_backward import _interleaved  # noqa: E402


def _eager(g: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The guard before issue 19: r where g != 0, else 0, on every call."""
    return select(np.not_equal(g, 0), r, into=True)


def _cases(x: np.ndarray, g: np.ndarray) -> dict:
    return {
        "sqrt": (mg.sqrt, lambda out: g * 0.5 / out),
        "log": (mg.log, lambda out: g / x),
        "exp": (mg.exp, lambda out: g * out),
        "div (denominator)": (lambda t: 1.0 / t, lambda out: -g * out / x),
    }


def _table(title: str, x: np.ndarray, g: np.ndarray) -> list[tuple[str, float, float]]:
    print(title)
    print(f"{'op':<20} {'bare':>9} {'eager':>9} {'now':>9}   eager/now  now/bare   (medians, µs)")
    ratios = []
    for name, (op, bare) in _cases(x, g).items():
        with np.errstate(all="ignore"):
            y = op(mg.Tensor(x, requires_grad=True))
            vjp = y._vjps[-1]
            out = y.data
            args = (g, out, x) if len(y._parents) == 1 else (g, out, y._parents[0].data, x)
            np.testing.assert_allclose(vjp(*args), _eager(g, bare(out)), rtol=1e-6)  # the same values (to rounding)
            t = _interleaved(
                {
                    "bare": lambda bare=bare, out=out: bare(out),
                    "eager": lambda bare=bare, out=out: _eager(g, bare(out)),
                    "now": lambda vjp=vjp, args=args: vjp(*args),
                }
            )
        (b, _), (e, _), (n, _) = t["bare"], t["eager"], t["now"]
        print(f"{name:<20} {b:9.1f} {e:9.1f} {n:9.1f}   {e / n:9.2f} {n / b:9.2f}")
        ratios.append((name, e / n, n / b))
    return ratios


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, (1024, 256)).astype(np.float32)
    g = rng.standard_normal((1024, 256)).astype(np.float32)
    _table("finite derivatives everywhere (the common case):", x, g)
    x0, g0 = x.copy(), g.copy()
    x0.ravel()[::10] = 0.0
    g0.ravel()[::10] = 0.0
    _table("\nzeros of g meet infinite derivatives (a nan to clear):", x0, g0)


if __name__ == "__main__":
    main()
