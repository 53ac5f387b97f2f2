"""Jacobians and Hessians: minigrad's batched jacfwd/jacrev against one sweep per basis vector, and the others.

    python -m benchmarks.jacobians [--quick] [--repeats N] [--block-seconds S] [--shapes 8x64,64x8] [--json PATH]

1. The Jacobian of f(x) = tanh(A x), A of shape (m, n), float64, for several (n, m):
   minigrad ``jacfwd`` and ``jacrev`` as they are (blocks of basis vectors per
   sweep) and with ``chunk_size=1`` (one sweep per basis vector, the old loop);
   the analytic Jacobian in hand NumPy, ``(1 - tanh(A x)**2)[:, None] * A``,
   which every ratio is taken to; ``torch.func.jacfwd``/``jacrev`` and HIPS
   ``autograd.jacobian`` when installed.
2. Hessians of two tutorial losses: the Welch Labs 2-3-1 sigmoid network's cost
   (the W3 workload's, λ = 1e-4) with respect to its 9 weights, and the wildml
   moons 2-50-2 tanh/softmax network's loss (W1's: summed cross-entropy + L2)
   with respect to W1 alone (100 weights; b1, W2, b2 fixed). Contenders:
   ``mg.hessian`` (jacrev of jacrev; the outer sweep batched), the old loop
   ``jacrev(jacrev(f, chunk_size=1), chunk_size=1)``, forward over reverse
   ``jacfwd(jacrev(f))``, ``torch.func.hessian`` and ``autograd.hessian`` when
   installed. Ratios are to ``mg.hessian``.

Every result is checked before it is timed: part 1 against the analytic
Jacobian, part 2 against central differences of a hand-written NumPy gradient
(1e-6 of the Hessian's largest entry) and against ``mg.hessian`` (1e-10). A
contender that disagrees is reported and not timed. For each minigrad
contender the table says whether its basis went through in blocks or fell back
to one sweep per vector (found by a run under ``minigrad.batching.strict()``).

Method as ``python -m benchmarks`` (benchmarks/README.md): one BLAS/OpenMP
thread and glibc's malloc settings set before NumPy loads (re-executing the
interpreter if needed), what each library reports printed; a warm-up, then
interleaved repeats (each repeat times one ~50 ms block of every contender of
a case, in rotating order); the median per call and the median over repeats of
the per-repeat ratio to the baseline. No time is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JSON = os.path.join(HERE, "results", "jacobians.json")

# (n, m): inputs, outputs. Tall (n < m) favours forward mode, wide (n > m) reverse mode.
SHAPES = [(2, 64), (64, 2), (8, 64), (64, 8), (64, 64), (200, 200)]
QUICK_SHAPES = [(2, 16), (16, 2), (8, 8)]
MOONS_HIDDEN, QUICK_MOONS_HIDDEN = 50, 5
HESSIAN_FD_TOL = 1e-6  # central differences of the hand gradient, relative to max |H|
TOL = 1e-10  # every other comparison, relative to max(1, max |reference|)

NUMPY = "numpy"
MG_FWD, MG_REV, MG_FWD_LOOP, MG_REV_LOOP = "mg_jacfwd", "mg_jacrev", "mg_jacfwd_loop", "mg_jacrev_loop"
TORCH_FWD, TORCH_REV, AUTOGRAD_JAC = "torch_jacfwd", "torch_jacrev", "autograd_jacobian"
MG_HESS, MG_HESS_LOOP, MG_FWD_REV = "mg_hessian", "mg_hessian_loop", "mg_jacfwd_jacrev"
TORCH_HESS, AUTOGRAD_HESS = "torch_hessian", "autograd_hessian"
LABELS = {
    NUMPY: "hand NumPy",
    MG_FWD: "mg.jacfwd",
    MG_REV: "mg.jacrev",
    MG_FWD_LOOP: "mg.jacfwd chunk=1",
    MG_REV_LOOP: "mg.jacrev chunk=1",
    TORCH_FWD: "torch.func.jacfwd",
    TORCH_REV: "torch.func.jacrev",
    AUTOGRAD_JAC: "autograd.jacobian",
    MG_HESS: "mg.hessian",
    MG_HESS_LOOP: "mg rev(rev) chunk=1",
    MG_FWD_REV: "mg.jacfwd(jacrev)",
    TORCH_HESS: "torch.func.hessian",
    AUTOGRAD_HESS: "autograd.hessian",
}
JACOBIAN_CONTENDERS = [NUMPY, MG_FWD, MG_REV, MG_FWD_LOOP, MG_REV_LOOP, TORCH_FWD, TORCH_REV, AUTOGRAD_JAC]
HESSIAN_CONTENDERS = [MG_HESS, MG_HESS_LOOP, MG_FWD_REV, TORCH_HESS, AUTOGRAD_HESS]
LOOPS = {MG_FWD: MG_FWD_LOOP, MG_REV: MG_REV_LOOP, MG_HESS: MG_HESS_LOOP}  # batched -> its chunk_size=1 twin


class Skip(Exception):
    """This contender cannot run here (an optional package is missing)."""


@dataclass
class Case:
    """One table: contenders computing the same array, each a zero-argument call returning it."""

    key: str
    title: str
    unit: str
    baseline: str  # the contender every ratio is taken to
    config: dict[str, Any]
    build: Callable[[], dict[str, Callable[[], Any]]]  # name -> call; a Skip instead of a call means skipped
    reference: Callable[[], Any]  # the expected array, computed without the contenders
    reference_tol: float = TOL


# -- optional frameworks ----------------------------------------------------------
def _torch() -> Any:
    from .contenders import Unavailable, torch_module

    try:
        return torch_module()  # one intra-op and one inter-op thread
    except Unavailable as e:
        raise Skip(f"PyTorch {e}") from None


def _autograd() -> tuple[Any, Any]:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        raise Skip("HIPS autograd not installed (pip install autograd)") from None
    return autograd, anp


def _optional(make: Callable[[], Callable[[], Any]]) -> Any:
    """``make()``, or the Skip it raised (reported as the contender's status)."""
    try:
        return make()
    except Skip as e:
        return e


def as_array(value: Any) -> Any:
    """A contender's result as a NumPy array: minigrad Tensors, torch tensors and arrays alike."""
    import numpy as np

    import minigrad as mg

    if isinstance(value, mg.Tensor):
        return np.asarray(value.data)
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


# -- part 1: the Jacobian of tanh(A x) ------------------------------------------
def jacobian_case(n: int, m: int) -> Case:
    import numpy as np

    import minigrad as mg

    A = np.random.default_rng(m * 1000 + n).normal(size=(m, n)) / np.sqrt(n)  # as examples/forward_vs_reverse.py
    x = np.linspace(-1.0, 1.0, n)

    def hand() -> Any:
        t = np.tanh(A @ x)
        return (1 - t * t)[:, None] * A

    def build() -> dict[str, Any]:
        f = lambda v: mg.tanh(A @ v)  # noqa: E731
        calls: dict[str, Any] = {NUMPY: hand}
        for name, jac in (
            (MG_FWD, mg.jacfwd(f)),
            (MG_REV, mg.jacrev(f)),
            (MG_FWD_LOOP, mg.jacfwd(f, chunk_size=1)),
            (MG_REV_LOOP, mg.jacrev(f, chunk_size=1)),
        ):
            calls[name] = lambda jac=jac: jac(x)

        def torch_calls(transform: str) -> Callable[[], Any]:
            torch = _torch()
            At, xt = torch.tensor(A), torch.tensor(x)
            jac = getattr(torch.func, transform)(lambda v: torch.tanh(At @ v))
            return lambda: jac(xt)

        def autograd_call() -> Callable[[], Any]:
            autograd, anp = _autograd()
            jac = autograd.jacobian(lambda v: anp.tanh(anp.dot(A, v)))
            return lambda: jac(x)

        calls[TORCH_FWD] = _optional(lambda: torch_calls("jacfwd"))
        calls[TORCH_REV] = _optional(lambda: torch_calls("jacrev"))
        calls[AUTOGRAD_JAC] = _optional(autograd_call)
        return calls

    return Case(
        key=f"tanh/n={n},m={m}",
        title=f"Jacobian of tanh(A x): n = {n} inputs, m = {m} outputs (A is {m}x{n}), float64",
        unit="Jacobian",
        baseline=NUMPY,
        config={"n": n, "m": m},
        build=build,
        reference=hand,
    )


# -- part 2: Hessians of the tutorials' losses ----------------------------------
def _central_hessian(grad: Callable[[Any], Any], w: Any, h: float = 1e-5) -> Any:
    """The Hessian by central differences of an exact gradient: (∇f(w + h e_i) - ∇f(w - h e_i)) / 2h per row."""
    import numpy as np

    flat = w.ravel()
    rows = []
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = h
        rows.append((grad((flat + e).reshape(w.shape)) - grad((flat - e).reshape(w.shape))).ravel() / (2 * h))
    H = np.array(rows)
    return ((H + H.T) / 2).reshape(w.shape + w.shape)


def _minigrad_hessians(f: Callable[[Any], Any], w: Any) -> dict[str, Callable[[], Any]]:
    import minigrad as mg

    hess = mg.hessian(f)
    loop = mg.jacrev(mg.jacrev(f, chunk_size=1), chunk_size=1)
    fwd_rev = mg.jacfwd(mg.jacrev(f))
    return {MG_HESS: lambda: hess(w), MG_HESS_LOOP: lambda: loop(w), MG_FWD_REV: lambda: fwd_rev(w)}


def sleep_study_case() -> Case:
    """The Welch Labs 2-3-1 sigmoid network: W3's cost J(w) of the flat 9 weights [W1 (2x3), W2 (3x1)]."""
    import minigrad as mg

    from .data import sleep_study_data, sleep_study_init
    from .workloads.w3_bfgs import LAM, hand_vg

    X, y = sleep_study_data()
    w = sleep_study_init()
    n = X.shape[0]
    vg = hand_vg(X, y)

    def J(p: Any) -> Any:
        W1, W2 = p[:6].reshape(2, 3), p[6:].reshape(3, 1)
        y_hat = mg.sigmoid(mg.sigmoid(X @ W1) @ W2)
        return 0.5 * ((y - y_hat) ** 2).sum() / n + LAM / 2 * ((W1**2).sum() + (W2**2).sum())

    def build() -> dict[str, Any]:
        calls: dict[str, Any] = _minigrad_hessians(J, w)

        def torch_call() -> Callable[[], Any]:
            torch = _torch()
            Xt, yt, wt = torch.tensor(X), torch.tensor(y), torch.tensor(w)

            def Jt(p: Any) -> Any:
                W1, W2 = p[:6].reshape(2, 3), p[6:].reshape(3, 1)
                y_hat = torch.sigmoid(torch.sigmoid(Xt @ W1) @ W2)
                return 0.5 * ((yt - y_hat) ** 2).sum() / n + LAM / 2 * ((W1**2).sum() + (W2**2).sum())

            hess = torch.func.hessian(Jt)
            return lambda: hess(wt)

        def autograd_call() -> Callable[[], Any]:
            autograd, anp = _autograd()

            def Ja(p: Any) -> Any:
                W1, W2 = anp.reshape(p[:6], (2, 3)), anp.reshape(p[6:], (3, 1))
                y_hat = 1 / (1 + anp.exp(-anp.dot(1 / (1 + anp.exp(-anp.dot(X, W1))), W2)))
                return 0.5 * anp.sum((y - y_hat) ** 2) / n + LAM / 2 * (anp.sum(W1**2) + anp.sum(W2**2))

            hess = autograd.hessian(Ja)
            return lambda: hess(w)

        calls[TORCH_HESS] = _optional(torch_call)
        calls[AUTOGRAD_HESS] = _optional(autograd_call)
        return calls

    return Case(
        key="hessian/2-3-1",
        title="Hessian of the 2-3-1 sigmoid network's cost (W3, λ = 1e-4) w.r.t. its 9 weights, float64",
        unit="Hessian (9x9)",
        baseline=MG_HESS,
        config={"network": "2-3-1 sigmoid", "weights": w.size},
        build=build,
        reference=lambda: _central_hessian(lambda p: vg(p)[1], w),
        reference_tol=HESSIAN_FD_TOL,
    )


def moons_case(hidden: int) -> Case:
    """The wildml moons 2-H-2 tanh/softmax network: W1's loss, L(W1), with b1, W2, b2 held at their initial values."""
    import numpy as np

    import minigrad as mg

    from .data import make_moons, moons_init, one_hot
    from .workloads.w1_moons import REG

    X, y = make_moons(200, noise=0.2, seed=0)
    W1, b1, W2, b2 = moons_init(hidden)
    onehot = one_hot(y, 2)

    def L(V: Any) -> Any:
        z = mg.tanh(X @ V + b1) @ W2 + b2
        return mg.softmax_cross_entropy(z, y, reduction="sum") + REG / 2 * ((V**2).sum() + (W2**2).sum())

    def hand_grad(V: Any) -> Any:
        a1 = np.tanh(X @ V + b1)
        z = a1 @ W2 + b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return X.T @ (((p - onehot) @ W2.T) * (1 - a1 * a1)) + REG * V

    def build() -> dict[str, Any]:
        calls: dict[str, Any] = _minigrad_hessians(L, W1)

        def torch_call() -> Callable[[], Any]:
            torch = _torch()
            F = torch.nn.functional
            Xt, yt, b1t, W2t, b2t, W1t = (torch.tensor(a) for a in (X, y, b1, W2, b2, W1))

            def Lt(V: Any) -> Any:
                z = torch.tanh(Xt @ V + b1t) @ W2t + b2t
                return F.cross_entropy(z, yt, reduction="sum") + REG / 2 * ((V**2).sum() + (W2t**2).sum())

            hess = torch.func.hessian(Lt)
            return lambda: hess(W1t)

        def autograd_call() -> Callable[[], Any]:
            autograd, anp = _autograd()
            from autograd.scipy.special import logsumexp

            def La(V: Any) -> Any:
                z = anp.dot(anp.tanh(anp.dot(X, V) + b1), W2) + b2
                nll = anp.sum(logsumexp(z, axis=1)) - anp.sum(z * onehot)
                return nll + REG / 2 * (anp.sum(V**2) + anp.sum(W2**2))

            hess = autograd.hessian(La)
            return lambda: hess(W1)

        calls[TORCH_HESS] = _optional(torch_call)
        calls[AUTOGRAD_HESS] = _optional(autograd_call)
        return calls

    return Case(
        key=f"hessian/moons-2-{hidden}-2",
        title=f"Hessian of the moons 2-{hidden}-2 tanh/softmax loss (W1, N=200) w.r.t. W1's {W1.size} weights, float64",
        unit=f"Hessian ({W1.size}x{W1.size})",
        baseline=MG_HESS,
        config={"network": f"2-{hidden}-2 tanh/softmax", "hidden": hidden, "weights": W1.size},
        build=build,
        reference=lambda: _central_hessian(hand_grad, W1),
        reference_tol=HESSIAN_FD_TOL,
    )


# -- running a case ---------------------------------------------------------------
def _max_rel_err(got: Any, want: Any) -> float:
    import numpy as np

    return float(np.abs(got - want).max() / max(1.0, float(np.abs(want).max())))


def _sweeps(name: str, call: Callable[[], Any]) -> str:
    """How a minigrad contender's basis went through: in blocks, or one sweep per vector (and why)."""
    from minigrad import batching

    if not name.startswith("mg_"):
        return ""
    if name in (MG_FWD_LOOP, MG_REV_LOOP, MG_HESS_LOOP):
        return "one sweep per vector (chunk_size=1)"
    try:
        with batching.strict():
            call()
    except RuntimeError as e:
        return f"falls back to one sweep per vector: {str(e).split(': ', 1)[-1]}"
    return "blocks"


def run_case(case: Case, args: argparse.Namespace) -> dict[str, Any]:
    """Build, check, warm up and time every contender of one case, interleaved."""
    import numpy as np

    from . import timing

    out: dict[str, Any] = {
        "title": case.title,
        "unit": case.unit,
        "baseline": case.baseline,
        "config": case.config,
        "results": {},
    }
    expected = np.asarray(case.reference())
    calls: dict[str, Callable[[], Any]] = {}
    for name, call in case.build().items():
        if isinstance(call, Skip):
            out["results"][name] = {"status": "skipped", "reason": str(call)}
            continue
        try:
            got = as_array(call()).reshape(expected.shape)
        except Exception as e:  # a contender that crashes is reported as such, not fatal
            out["results"][name] = {"status": "failed", "reason": f"{type(e).__name__}: {e}"}
            continue
        err = _max_rel_err(got, expected)
        r: dict[str, Any] = {"error_vs_reference": err}
        if err > case.reference_tol:
            r.update(status="disagrees", reason=f"max error {err:.1e} > {case.reference_tol:.0e}; not timed")
        else:
            r["sweeps"] = _sweeps(name, call)
            calls[name] = call
            r["value"] = got
        out["results"][name] = r
    base = out["results"].get(case.baseline, {})
    if case.baseline not in calls:
        out["error"] = f"the baseline {LABELS[case.baseline]} did not run: {base.get('reason')}"
        return out
    for name in list(calls):  # the contenders must also agree with the baseline itself, tightly
        r = out["results"][name]
        r["error_vs_baseline"] = _max_rel_err(r["value"], base["value"])
        if r["error_vs_baseline"] > TOL:
            r.update(status="disagrees", reason=f"differs from {LABELS[case.baseline]} by {r['error_vs_baseline']:.1e}")
            del calls[name]
    for r in out["results"].values():
        r.pop("value", None)

    warm_seconds, warm_steps = (0.01, 2) if args.quick else (0.3, 5)
    estimates = {name: timing.warm_up(call, warm_seconds, warm_steps) for name, call in calls.items()}
    samples = timing.interleave(calls, estimates, args.repeats, args.block_seconds)
    baseline = samples[case.baseline].per_step
    for name, s in samples.items():
        q1, q3 = s.quartiles()
        paired = [a / b for a, b in zip(s.per_step, baseline)]
        pq1, pq3 = timing.quartiles(paired)
        out["results"][name].update(
            status="ok",
            median_s=s.median(),
            q1_s=q1,
            q3_s=q3,
            min_s=min(s.per_step),
            samples_s=s.per_step,
            calls_per_block=s.steps_per_block,
            ratio=statistics.median(paired),
            ratio_q1=pq1,
            ratio_q3=pq3,
        )
    out["speedups"] = {}  # loop time / batched time, paired per repeat
    for batched, loop in LOOPS.items():
        if batched in samples and loop in samples:
            paired = [a / b for a, b in zip(samples[loop].per_step, samples[batched].per_step)]
            q1, q3 = timing.quartiles(paired)
            out["speedups"][batched] = {"loop": loop, "speedup": statistics.median(paired), "q1": q1, "q3": q3}
    order = [n for n in (*JACOBIAN_CONTENDERS, *HESSIAN_CONTENDERS) if n in out["results"]]
    out["results"] = {n: out["results"][n] for n in order}
    return out


# -- tables -----------------------------------------------------------------------
def case_table(case: dict[str, Any]) -> str:
    from .report import fmt_time

    base = LABELS[case["baseline"]]
    head = f"{'contender':<20} {'median':>9} {'IQR (q1–q3)':>21} {'min':>9} {'ratio':>7} {'paired q1–q3':>15}  sweeps"
    lines = [f"{case['title']} — time per {case['unit']}; ratio to {base}", head, "-" * len(head)]
    if case.get("error"):
        lines.append(case["error"])
    for name, r in case["results"].items():
        label = LABELS[name]
        if r.get("status") != "ok":
            lines.append(f"{label:<20} {r.get('status')}: {r.get('reason', '')}")
            continue
        iqr = f"{fmt_time(r['q1_s'])} – {fmt_time(r['q3_s'])}"
        paired = f"{r['ratio_q1']:.2f}–{r['ratio_q3']:.2f}"
        lines.append(
            f"{label:<20} {fmt_time(r['median_s']):>9} {iqr:>21} {fmt_time(r['min_s']):>9} {r['ratio']:>7.2f} "
            f"{paired:>15}  {r.get('sweeps', '')}"
        )
    for batched, s in case.get("speedups", {}).items():
        lines.append(
            f"batched {LABELS[batched]} is {s['speedup']:.2f}x as fast as {LABELS[s['loop']]} "
            f"(paired q1–q3 {s['q1']:.2f}–{s['q3']:.2f}; < 1 means slower)"
        )
    base_r = case["results"].get(case["baseline"], {})
    if base_r.get("status") == "ok" and base_r["q3_s"] > 1.1 * base_r["q1_s"]:
        lines.append(f"(noisy: {base}'s IQR spans more than 10% — other load on the machine?)")
    return "\n".join(line.rstrip() for line in lines)


def summary_table(cases: dict[str, Any]) -> str:
    """One line per shape: every contender's ratio to hand NumPy, and the batched speedups over the loop."""
    names = [n for n in JACOBIAN_CONTENDERS if n != NUMPY]
    short = {
        MG_FWD: "fwd",
        MG_REV: "rev",
        MG_FWD_LOOP: "fwd/1",
        MG_REV_LOOP: "rev/1",
        TORCH_FWD: "t.fwd",
        TORCH_REV: "t.rev",
        AUTOGRAD_JAC: "ag",
    }
    head = f"{'n':>4} {'m':>4} " + " ".join(f"{short[n]:>7}" for n in names) + f"  {'fwd×':>6} {'rev×':>6}"
    lines = [
        "Summary: ratio to hand NumPy (fwd, rev = mg.jacfwd/jacrev batched; /1 = chunk_size=1; t. = torch.func; "
        "ag = autograd.jacobian)",
        "and fwd×, rev× = speedup of batched over chunk_size=1 (loop time / batched time, paired; < 1: slower)",
        head,
        "-" * len(head),
    ]
    for case in cases.values():
        res = case["results"]
        cells = [f"{res[n]['ratio']:>7.1f}" if res.get(n, {}).get("status") == "ok" else f"{'-':>7}" for n in names]
        sp = case.get("speedups", {})
        speed = [f"{sp[b]['speedup']:>6.2f}" if b in sp else f"{'-':>6}" for b in (MG_FWD, MG_REV)]
        lines.append(f"{case['config']['n']:>4} {case['config']['m']:>4} " + " ".join(cells) + "  " + " ".join(speed))
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.jacobians", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small shapes, few repeats: a smoke run of a few seconds")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per contender (default 15, quick 3)")
    p.add_argument("--block-seconds", type=float, default=None, help="length of one timed block (default 0.05 s)")
    p.add_argument("--shapes", default=None, help="Jacobian shapes as NxM (inputs x outputs), comma-separated")
    p.add_argument("--no-hessians", action="store_true", help="skip part 2")
    p.add_argument(
        "--json", default=DEFAULT_JSON, help=f"where to write the results ('' to skip; default {DEFAULT_JSON})"
    )
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 15
    if args.block_seconds is None:
        args.block_seconds = 0.004 if args.quick else 0.05
    if args.shapes:
        try:
            args.shapes = [tuple(int(v) for v in s.lower().split("x")) for s in args.shapes.split(",") if s.strip()]
        except ValueError:
            p.error("--shapes takes NxM pairs such as 8x64,64x8")
        if any(len(s) != 2 or min(s) < 1 for s in args.shapes):
            p.error("--shapes takes NxM pairs of positive integers such as 8x64,64x8")
    else:
        args.shapes = QUICK_SHAPES if args.quick else SHAPES
    return args


def main(notes: list[str], argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from . import env, report

    for note in notes:
        print(note)
    available = {}
    for what, probe in (("torch", _torch), ("autograd", _autograd)):
        try:
            probe()  # importing torch here pins its threads before the thread report
            available[what] = None
        except Skip as e:
            available[what] = str(e)
    results: dict[str, Any] = {
        **env.run_record(args, notes),
        "optional": available,
        "labels": LABELS,
        "jacobians": {},
        "hessians": {},
    }
    m = results["machine"]
    print(f"machine: {m['cpu']}, {m['logical_cpus']} logical CPUs, {m['platform']}")
    print(
        f"python {m['python']}, numpy {m['numpy']} ({m['numpy_blas']}), minigrad {m['minigrad']}, git {m['git_commit']}"
    )
    print(f"torch {m['torch']}, autograd {m['autograd']}")
    for line in results["threads"]:
        print("threads:", line)
    for reason in available.values():
        if reason:
            print(f"skipped: {reason}")
    load = results["load_before"] = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")
    if load[0] > 0.5:
        print("WARNING: other processes are using the CPU; expect noisy times (the ratios are paired per repeat)")
    print(
        f"method: {args.repeats} interleaved repeats of ~{args.block_seconds * 1e3:g} ms blocks after warm-up; "
        "median and IQR per call; ratio = median over repeats of (time / baseline's time in the same repeat)"
    )
    print()

    failed = False
    for n, mm in args.shapes:
        out = results["jacobians"][f"tanh/n={n},m={mm}"] = run_case(jacobian_case(n, mm), args)
        print(case_table(out), end="\n\n", flush=True)
        failed |= _core_failed(out)
    if not args.no_hessians:
        hidden = QUICK_MOONS_HIDDEN if args.quick else MOONS_HIDDEN
        for case in (sleep_study_case(), moons_case(hidden)):
            out = results["hessians"][case.key] = run_case(case, args)
            print(case_table(out), end="\n\n", flush=True)
            failed |= _core_failed(out)
    if results["jacobians"]:
        print(summary_table(results["jacobians"]))
    results["load_after"] = os.getloadavg()
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*results["load_after"]))
    if args.json:
        report.write_json(results, args.json)
        print(f"JSON written to {args.json}")
    return 1 if failed else 0


def _core_failed(case: dict[str, Any]) -> bool:
    """minigrad's own contenders and the baseline must run and agree; the optional ones may be skipped."""
    if case.get("error"):
        return True
    return any(r.get("status") != "ok" for name, r in case["results"].items() if not name.startswith(("torch", "auto")))


if __name__ == "__main__":
    from benchmarks.env import prepare

    _notes = prepare()  # before NumPy is imported; may re-execute the interpreter
    sys.exit(main(_notes))
