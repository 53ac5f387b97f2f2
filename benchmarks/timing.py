"""Interleaved timing: every contender of a case is timed once per repeat, in rotating order.

A *block* is ``n`` back-to-back calls of a contender's ``step``; ``n`` is picked
per contender so that a block lasts about ``block_seconds`` (timer resolution
and loop overhead then vanish). Each repeat times one block of every contender,
starting from a different contender each time (A B C, B C A, C A B, ...), so
slow drifts of the machine's speed hit all of them alike and no contender
always runs right after the same other one. The garbage collector is left on
(users pay for it too) but emptied before each block.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Step = Callable[[], object]


@dataclass
class Samples:
    """Seconds per step, one sample per repeat."""

    steps_per_block: int
    per_step: list[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.per_step)

    def quartiles(self) -> tuple[float, float]:
        return quartiles(self.per_step)


def quartiles(xs: list[float]) -> tuple[float, float]:
    """First and third quartile (inclusive method; with fewer than 2 samples both are the sample)."""
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def time_block(step: Step, n: int) -> float:
    """Seconds for ``n`` calls of ``step``."""
    perf = time.perf_counter
    t0 = perf()
    for _ in range(n):
        step()
    return perf() - t0


def warm_up(step: Step, min_seconds: float, min_steps: int) -> float:
    """Run ``step`` until both minimums are reached; return a rough seconds-per-step estimate from the last half."""
    steps, t0 = 0, time.perf_counter()
    while steps < min_steps or time.perf_counter() - t0 < min_seconds:
        step()
        steps += 1
    k = max(1, steps // 2)
    return time_block(step, k) / k


def interleave(steps: dict[str, Step], estimates: dict[str, float], repeats: int, block_seconds: float) -> dict:
    """Time every contender ``repeats`` times, interleaved; return {name: Samples}."""
    names = list(steps)
    out = {name: Samples(max(1, round(block_seconds / max(estimates[name], 1e-9)))) for name in names}
    for r in range(repeats):
        for i in range(len(names)):
            name = names[(r + i) % len(names)]
            s = out[name]
            gc.collect()
            s.per_step.append(time_block(steps[name], s.steps_per_block) / s.steps_per_block)
    return out
