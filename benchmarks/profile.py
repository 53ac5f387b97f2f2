"""Profile one contender on one benchmark case: where does a training step's time go?

    python -m benchmarks.profile [CASE] [--contender minigrad] [--seconds 3] [--top 15] [--sort tottime]
    python benchmarks/profile.py W2

CASE is a key of the runner's table: W1/H=3 (the default), W1/H=50, W1/H=500, W2,
W3/run, W3/eval, W4 (``W1`` means W1/H=3, ``W3`` means W3/eval). The steps run
under cProfile (the top entries are printed by own time and by cumulative time),
then under pyinstrument if it is installed (its call tree). The same thread
pinning and malloc settings as the runner apply.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

ALIASES = {"W1": "W1/H=3", "W3": "W3/eval"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    p.add_argument("case", nargs="?", default="W1/H=3", help="W1/H=3, W1/H=50, W1/H=500, W2, W3/run, W3/eval, W4")
    p.add_argument("--contender", default="minigrad", help="numpy, minigrad, minigrad_nn, torch or autograd")
    p.add_argument("--seconds", type=float, default=3.0, help="roughly how long to profile (default 3 s)")
    p.add_argument("--top", type=int, default=15, help="how many cProfile entries to print")
    p.add_argument("--sort", default="tottime", help="cProfile sort key for the first listing (default tottime)")
    p.add_argument("--quick", action="store_true", help="use the runner's --quick sizes")
    p.add_argument("--no-pyinstrument", action="store_true")
    args = p.parse_args(argv)
    args.case = ALIASES.get(args.case.upper(), args.case.upper())
    return args


def main(notes: list[str], argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import cProfile
    import pstats

    from benchmarks import env
    from benchmarks.contenders import LABELS
    from benchmarks.workloads import all_cases

    for note in notes:
        print(note)
    for line in env.thread_report():
        print("threads:", line)
    cases = {c.key.upper(): c for wl in all_cases(args.quick).values() for c in wl}
    if args.case not in cases:
        print(f"unknown case {args.case!r}; choose from {sorted(cases)}", file=sys.stderr)
        return 2
    case = cases[args.case]
    trainer = case.build(args.contender)
    step = trainer.step

    t0, warm = time.perf_counter(), 0
    while warm < 5 or time.perf_counter() - t0 < 0.3:
        step()
        warm += 1
    per_step = (time.perf_counter() - t0) / warm
    n = max(5, round(args.seconds / per_step))
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    plain = (time.perf_counter() - t0) / n
    print(f"\n{LABELS.get(args.contender, args.contender)} on {case.title}")
    print(f"{n} steps; unprofiled {plain * 1e6:.1f} µs per {case.unit}\n")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        step()
    profiler.disable()
    for key in dict.fromkeys([args.sort, "cumulative"]):
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats(key)
        stats.print_stats(args.top)
        text = buf.getvalue()
        print(f"--- cProfile, top {args.top} by {key} (ncalls are totals over {n} steps) ---")
        print(text[text.find("   ncalls") :].rstrip() if "   ncalls" in text else text)
        print()

    if args.no_pyinstrument:
        return 0
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument: not installed (pip install pyinstrument for a sampled call tree)")
        return 0
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(n):
        step()
    profiler.stop()
    print(f"--- pyinstrument ({n} steps) ---")
    print(profiler.output_text(unicode=True, color=False))
    return 0


if __name__ == "__main__":
    if not __package__:
        # Run as a file, benchmarks/ would be first on sys.path and this file would shadow the
        # standard library's ``profile`` (which cProfile imports): put the worktree root there instead.
        sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from benchmarks.env import prepare

    sys.exit(main(prepare()))
