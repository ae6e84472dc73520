"""Figures of ``report --plot``: where the time goes, and how it varies.

- :func:`plot_breakdown` — one stacked bar per run or universe: the run's
  ``simulation`` time split into init, prolog, the iterations (model step,
  data writes, monitor and the rest of the loop), epilog and what is
  left.
- :func:`plot_distributions` — one panel per cumulative timer: the
  histogram of its invocation times on a log time axis, with p50, p90, p99
  and max marked; for a sweep, the universes' histograms merged.
- :func:`plot_sweep` — small multiples for a run directory: one panel per
  universe (shared axes, panel titles with the swept parameters), time per
  iteration over the iterations, the sweep's median in grey behind each.

Titles name the file or run directory and the model. All need matplotlib.
"""

from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Optional

import numpy as np

from ..bench import _stats
from . import _reportstats

__all__ = ["plot_all", "plot_breakdown", "plot_distributions", "plot_sweep"]

_PARTS = (
    ("init", "init (incl. setup)", "#8c8c8c"),
    ("prolog", "prolog", "#c7c7c7"),
    ("model_iteration", "model step", "#1f77b4"),
    ("write_data", "write data", "#ff7f0e"),
    ("_loop", "monitor & rest of loop", "#9467bd"),
    ("epilog", "epilog", "#dbdb8d"),
    ("_other", "other", "#e7e7e7"),
)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _datas(loaded: Dict[str, Any]) -> List[Any]:
    return [d for ds in loaded["items"].values() for d in ds]


def _title(loaded: Dict[str, Any], what: str) -> str:
    datas = _datas(loaded)
    models = sorted({d.model for d in datas})
    if loaded["kind"] == "run":
        src = os.path.dirname(os.path.dirname(os.path.dirname(datas[0].path)))
        n = len(datas)
        where = f"run {os.path.basename(src) or src} ({n} universe"
        where += "s)" if n != 1 else ")"
    else:
        parts = os.path.abspath(datas[0].path).split(os.sep)
        where = os.path.join(*parts[-2:])
    return f"{what} — {', '.join(models)} — {where}"


def _label(uni: str, params: Dict[str, Any]) -> str:
    if not params:
        return uni
    vals = ", ".join(
        (
            f"{k.rsplit('.', 1)[-1]}={v:.3g}"
            if isinstance(v, float)
            else f"{k.rsplit('.', 1)[-1]}={v}"
        )
        for k, v in params.items()
    )
    return f"{uni}: {vals}"


def _breakdown(d: Any) -> Dict[str, float]:
    t = d.totals
    g = lambda k: float(t.get(k) or 0.0)  # noqa: E731
    parts = dict(
        init=g("init"),
        prolog=g("prolog"),
        model_iteration=g("model_iteration"),
        write_data=g("write_data"),
        epilog=g("epilog"),
    )
    # The parts of the loop within full_iteration: the monitor's first
    # emission and the initial write happen before it, so the monitor is
    # in the rest of the loop and the writes are capped, and no time is
    # counted twice.
    full = g("full_iteration")
    step = min(parts["model_iteration"], full)
    parts["model_iteration"] = step
    parts["write_data"] = min(parts["write_data"], full - step)
    parts["_loop"] = max(full - step - parts["write_data"], 0.0)
    total = d.simulation
    parts["_other"] = max(total - sum(parts.values()), 0.0)
    return parts


def plot_breakdown(loaded: Dict[str, Any], out: str) -> str:
    """Stacked horizontal bars of where each run's time goes."""
    plt = _plt()
    items = loaded["items"]
    params = (
        _reportstats.swept_parameters(items) if loaded["kind"] == "run" else {}
    )
    rows = [
        (
            (
                _label(u, params.get(u, {}))
                if loaded["kind"] == "run"
                else d.model
            ),
            d,
        )
        for u, ds in items.items()
        for d in ds
    ]
    h = max(2.8, 0.35 * len(rows) + 1.8)
    fig, ax = plt.subplots(figsize=(9, h), constrained_layout=True)
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    sims = np.array([d.simulation for _, d in rows])
    scale = 1.0
    unit = "s"
    if sims.max(initial=0) < 1:
        scale, unit = 1e3, "ms"
    for key, name, color in _PARTS:
        vals = np.array([_breakdown(d)[key] for _, d in rows]) * scale
        ax.barh(y, vals, left=left, color=color, label=name, height=0.7)
        left += vals
    ax.set_yticks(y, [r[0] for r in rows], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel(f"wall time [{unit}] (total = simulation)")
    ax.set_title(_title(loaded, "Where the time goes"), fontsize="medium")
    from matplotlib.transforms import offset_copy

    # A fixed distance under the axes, below the tick labels and the x
    # label: in points, as a fraction of the axes' height (which grows
    # with the rows) it covered the label for some numbers of rows.
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=offset_copy(
            ax.transAxes, fig=fig, y=-34, units="points"
        ),
        ncol=4,
        fontsize="small",
        frameon=False,
    )
    path = _with_suffix(out, "breakdown")
    try:
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def _fmt_s(v: Optional[float]) -> str:
    from ..core._timefmt import format_time

    return "-" if v is None else format_time(v)


def _tick(v: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if v >= scale * 0.999:
            return f"{v / scale:g}{unit}"
    return f"{v / 1e-9:g}ns"


def _time_axis(ax: Any, lo: float, hi: float) -> None:
    """A log time axis at least a decade wide, labelled 1µs, 10ms, ..."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo = max(lo, 1e-9)
    ax.set_xlim(lo / 2.5, max(hi, lo) * 2.5)
    ax.xaxis.set_major_locator(LogLocator(base=10))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_distributions(loaded: Dict[str, Any], out: str) -> str:
    """One panel per cumulative timer: histogram on a log time axis."""
    plt = _plt()
    merged: Dict[str, _stats.TimerStats] = {}
    for d in _datas(loaded):
        for n, s in (getattr(d, "stats", None) or {}).items():
            merged[n] = merged.get(n, _stats.TimerStats()) + s
    names = [n for n, s in merged.items() if s.count]
    ncol = 2 if len(names) > 1 else 1
    nrow = max(1, math.ceil(len(names) / ncol))
    fig, axes = plt.subplots(
        nrow,
        ncol,
        figsize=(5.2 * ncol, 2.9 * nrow + 0.6),
        constrained_layout=True,
        squeeze=False,
    )
    edges = _stats.bucket_edges_ns() / 1e9
    for ax, name in zip(axes.flat, names):
        s = merged[name]
        nz = np.nonzero(s.counts)[0]
        lo, hi = nz.min(), nz.max() + 1
        e = edges[lo : hi + 1].copy()
        e[0] = max(e[0], 1e-9)
        c = s.counts[lo:hi]
        # Percent of the invocations per bucket; above 16 ns the buckets
        # are equally wide on this log axis (8 per doubling).
        ax.stairs(100 * c / c.sum(), e, fill=True, color="#1f77b4", alpha=0.6)
        ax.set_xscale("log")
        _time_axis(ax, s.min or 1e-9, s.max or 1e-9)
        for q, ls in (("p50", "-"), ("p90", "--"), ("p99", ":")):
            v = s.percentile(float(q[1:]))
            ax.axvline(v, color="k", ls=ls, lw=1, label=f"{q} {_fmt_s(v)}")
        ax.axvline(s.max, color="#d62728", lw=1, label=f"max {_fmt_s(s.max)}")
        ax.set_title(
            f"{name}: {s.count} invocation{'s' * (s.count != 1)}, "
            f"mean {_fmt_s(s.mean)}",
            fontsize="small",
        )
        ax.set_xlabel("time per invocation")
        ax.set_ylabel("% of invocations per bucket")
        ax.legend(fontsize="x-small", loc="upper right", frameon=False)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    what = "Time per invocation"
    if loaded["kind"] == "run":
        what += " (all universes merged)"
    fig.suptitle(_title(loaded, what), fontsize="medium")
    path = _with_suffix(out, "distributions")
    try:
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def plot_sweep(
    loaded: Dict[str, Any], out: str, *, exact: bool = False
) -> str:
    """Small multiples: time per iteration of each universe over the
    iterations, shared axes, the sweep's median in grey behind each.

    Written to ``out`` if ``exact``, else beside it (``-universes``)."""
    plt = _plt()
    items = loaded["items"]
    params = _reportstats.swept_parameters(items)
    panels = []
    for u, ds in items.items():
        for d in ds:
            per = d.per_iteration()
            if per is not None and len(per["seconds"]):
                panels.append((u, d, per))
    n = max(1, len(panels))
    ncol = min(5, n)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(
        nrow,
        ncol,
        figsize=(2.6 * ncol + 0.6, 2.0 * nrow + 0.9),
        sharex=True,
        sharey=True,
        constrained_layout=True,
        squeeze=False,
    )
    med = None
    if panels:
        # Over the universes that wrote as often as the longest one.
        lens = max(len(p[2]["seconds"]) for p in panels)
        full = [p[2] for p in panels if len(p[2]["seconds"]) == lens]
        stack = np.array([p["seconds"] for p in full]) * 1e6
        med = (full[0]["n_iterations"], np.median(stack, axis=0))
    for ax, (u, d, per) in zip(axes.flat, panels):
        if med is not None and len(panels) > 1:
            ax.plot(med[0], med[1], color="0.75", lw=1.5)
        early = ""
        done, planned = _reportstats.steps(d)
        if not d.complete or (planned and done is not None and done < planned):
            early = " (stopped early)"
        ax.plot(
            per["n_iterations"], per["seconds"] * 1e6, color="#1f77b4", lw=1
        )
        ax.set_title(
            _label(u, params.get(u, {})) + early,
            fontsize="x-small",
            color="#d62728" if early else "k",
        )
        ax.tick_params(labelsize="x-small", labelbottom=True)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.supxlabel("n_iterations", fontsize="small")
    fig.supylabel("time per iteration [µs]", fontsize="small")
    fig.suptitle(
        _title(loaded, "Time per iteration by universe (grey: median)"),
        fontsize="medium",
    )
    path = out if exact else _with_suffix(out, "universes")
    try:
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def _with_suffix(out: str, what: str) -> str:
    root, ext = os.path.splitext(out)
    return f"{root}-{what}{ext or '.png'}"


def plot_all(loaded: Dict[str, Any], out: str) -> List[str]:
    """Write the breakdown and the distributions (if stored) beside
    ``out``; return their paths. (``report.plot`` writes ``out`` itself:
    for a run directory, :func:`plot_sweep`.)"""
    paths = [plot_breakdown(loaded, out)]
    if any(getattr(d, "stats", None) for d in _datas(loaded)):
        paths.append(plot_distributions(loaded, out))
    return paths
