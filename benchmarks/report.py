"""Turning results into the screen table, the JSON file and the W1 plot."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from .contenders import LABELS, MINIGRAD, MINIGRAD_NN, NUMPY


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    return f"{n / 2**20:.2f} MiB"


def target_text(ratio: float | None, target: float | None) -> str:
    if target is None or ratio is None:
        return ""
    return f"≤ {target:g} {'met' if ratio <= target else 'NOT met'}"


def case_table(case: dict[str, Any]) -> str:
    """The rows of one case: median, IQR, min, ratio to hand NumPy (with paired quartiles), target."""
    head = f"{'contender':<19} {'median':>10} {'IQR (q1–q3)':>21} {'min':>10} {'ratio':>6} {'paired q1–q3':>13}  target"
    lines = [f"{case['title']} — time per {case['unit']}", head, "-" * len(head)]
    noisy = case["results"].get(NUMPY, {})
    for name, r in case["results"].items():
        label = LABELS[name]
        if r["status"] != "ok":
            lines.append(f"{label:<19} {r['status']}: {r.get('reason', '')}")
            continue
        iqr = f"{fmt_time(r['q1_s'])} – {fmt_time(r['q3_s'])}"
        paired = f"{r['ratio_q1']:.2f}–{r['ratio_q3']:.2f}"
        target = target_text(r["ratio"], r.get("target"))
        if name == MINIGRAD_NN and r.get("ratio_to_raw") is not None:
            target = f"vs raw {r['ratio_to_raw']:.2f} " + target_text(r["ratio_to_raw"], r.get("target_vs_raw"))
        lines.append(
            f"{label:<19} {fmt_time(r['median_s']):>10} {iqr:>21} {fmt_time(r['min_s']):>10} "
            f"{r['ratio']:>6.2f} {paired:>13}  {target}"
        )
        if r.get("info"):
            lines[-1] += "  " + " ".join(
                f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in r["info"].items()
            )
    if noisy.get("status") == "ok" and noisy["q3_s"] > 1.1 * noisy["q1_s"]:
        lines.append("(noisy: hand NumPy's IQR spans more than 10% — other load on the machine?)")
    return "\n".join(line.rstrip() for line in lines)


def memory_table(memory: dict[str, Any]) -> str:
    cols = f"{'traced peak':>12} {'above data+params':>18} {'RSS above start':>16} {'ratio':>6}"
    head = f"{'contender':<19} {cols}  target"
    lines = [memory["title"], head, "-" * len(head)]
    for name, r in memory["results"].items():
        label = LABELS[name]
        if r["status"] != "ok":
            lines.append(f"{label:<19} {r['status']}: {r.get('reason', '')}")
            continue
        ratio = r.get("ratio")
        target = target_text(ratio, memory["target"]) if name == MINIGRAD else ""
        lines.append(
            f"{label:<19} {fmt_bytes(r.get('peak_bytes')):>12} {fmt_bytes(r.get('extra_bytes')):>18} "
            f"{fmt_bytes(r.get('rss_extra_bytes')):>16} {(f'{ratio:.2f}' if ratio is not None else '-'):>6}  {target}"
        )
    lines.append(memory["method"])
    return "\n".join(line.rstrip() for line in lines)


def summary_table(results: dict[str, Any]) -> str:
    """minigrad raw against its targets, one line per case."""
    head = f"{'case':<12} {'minigrad raw / hand NumPy':>26}  target"
    title = "Targets (minigrad raw Tensor API; ratio = median over repeats of minigrad / hand NumPy in the same repeat)"
    lines = [title, head, "-" * len(head)]
    for wl in results["workloads"].values():
        for key, case in wl["cases"].items():
            r = case["results"].get(MINIGRAD, {})
            if case.get("target") is None:
                continue
            if r.get("status") != "ok":
                lines.append(f"{key:<12} {r.get('status', 'missing'):>26}  ≤ {case['target']:g}")
                continue
            lines.append(f"{key:<12} {r['ratio']:>26.2f}  {target_text(r['ratio'], case['target'])}")
        mem = wl.get("memory")
        if mem:
            r = mem["results"].get(MINIGRAD, {})
            if r.get("ratio") is not None:
                lines.append(f"{'W4 memory':<12} {r['ratio']:>26.2f}  {target_text(r['ratio'], mem['target'])}")
            else:
                lines.append(f"{'W4 memory':<12} {r.get('status', 'missing'):>26}  ≤ {mem['target']:g}")
    return "\n".join(lines)


def write_json(results: dict[str, Any], path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    os.replace(tmp, path)


def _minor_tick(v: float, _pos: object) -> str:
    """Label the 2s and 5s between the decades of a log axis."""
    if v <= 0:
        return ""
    lead = round(v / 10 ** math.floor(math.log10(v)), 6)
    return f"{v:g}" if lead in (2, 5) else ""


def plot_w1(results: dict[str, Any], path: str) -> str:
    """Time per step against hidden size H (log-log, IQR error bars) and the ratio to hand NumPy."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, NullFormatter
    except ImportError:
        return "plot skipped: matplotlib is not installed"
    w1 = results["workloads"].get("W1")
    if not w1:
        return "plot skipped: W1 was not run"
    cases = sorted(w1["cases"].values(), key=lambda c: c["config"]["hidden"])
    fig, (ax_t, ax_r) = plt.subplots(1, 2, figsize=(11, 4.4))
    names = [n for n in cases[0]["results"] if any(c["results"].get(n, {}).get("status") == "ok" for c in cases)]
    for name in names:
        pts = [
            (c["config"]["hidden"], c["results"][name])
            for c in cases
            if c["results"].get(name, {}).get("status") == "ok"
        ]
        hs = [h for h, _ in pts]
        med = [r["median_s"] * 1e6 for _, r in pts]
        err = [[(r["median_s"] - r["q1_s"]) * 1e6 for _, r in pts], [(r["q3_s"] - r["median_s"]) * 1e6 for _, r in pts]]
        line = ax_t.errorbar(hs, med, yerr=err, marker="o", capsize=3, label=LABELS[name]).lines
        if name != NUMPY:
            ax_r.plot(hs, [r["ratio"] for _, r in pts], marker="o", label=LABELS[name], color=line[0].get_color())
    targets = [(c["config"]["hidden"], c["target"]) for c in cases if c.get("target") is not None]
    if targets:
        ax_r.plot(*zip(*targets), "k_", markersize=18, markeredgewidth=2, label="target (minigrad raw)")
    for ax in (ax_t, ax_r):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("hidden units H (2-H-2 network, N=200)")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks([c["config"]["hidden"] for c in cases])
        ax.set_xticklabels([str(c["config"]["hidden"]) for c in cases])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_minor_tick))
    ax_t.set_ylabel("time per training step (µs, median, IQR bars)")
    ax_t.set_title("W1: time per step vs model size")
    ax_r.set_ylabel("ratio to hand NumPy (same run)")
    ax_r.axhline(1.0, color="grey", lw=0.8)
    ax_r.set_title("W1: ratio to hand NumPy")
    ax_t.legend(fontsize=8)
    ax_r.legend(fontsize=8)
    machine = results.get("machine", {})
    fig.suptitle(
        f"{machine.get('cpu', '')}, 1 BLAS thread, numpy {machine.get('numpy', '')}, "
        f"minigrad {machine.get('git_commit') or ''}",
        fontsize=9,
    )
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"plot written to {path}"
