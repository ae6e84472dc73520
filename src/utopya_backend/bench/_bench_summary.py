"""The benchmark summary: one line per timer, and per-invocation figures.

Used by :class:`~utopya_backend.benchmark.ModelBenchmarkMixin` for the
summary it logs at the end of a run (``show_on_exit``).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from ..core._timefmt import format_time
from . import _stats

__all__ = ["DEFAULT_INFO_FSTR", "format_stats_table", "format_timer_lines"]

DEFAULT_INFO_FSTR = "  {name:>15s} : {time_str:s}"
"""Line format of the summary (option ``info_fstr``)."""


def format_timer_lines(
    timers: Iterable[Any],
    info_fstr: str,
    *,
    sort: bool = False,
    width: Optional[int] = None,
    ms_precision: int = 2,
    **kwargs: Any,
) -> str:
    """One ``info_fstr`` line per timer; see ``format_elapsed_info``."""
    rows = [(t.name, t.elapsed, t.invocations) for t in timers]
    if sort:
        rows.sort(key=lambda r: r[1], reverse=True)
    w = width if width else max([1] + [len(r[0]) for r in rows])
    max_seconds = max([0.0] + [r[1] for r in rows])
    return "\n".join(
        info_fstr.format(
            name=name,
            seconds=seconds,
            time_str=format_time(seconds, ms_precision=ms_precision),
            w=w,
            max_seconds=max_seconds,
            percent_of_max=(
                100 * seconds / max_seconds if max_seconds > 0 else 0.0
            ),
            count=count,
            mean=seconds / count if count else 0.0,
            **kwargs,
        )
        for name, seconds, count in rows
    )


def format_stats_table(
    stats: Dict[str, Any], resources: Dict[str, float]
) -> str:
    """Per cumulative timer: count, mean, p50, p90, p99 and max per
    invocation; then CPU time against wall time and the peak RSS."""
    w = max([15] + [len(n) for n in stats])
    head = ["count", "mean", "p50", "p90", "p99", "max"]
    lines = [
        "Per invocation:",
        f"  {'timer':>{w}s}" + "".join(f"  {h:>9s}" for h in head),
    ]
    for name, st in stats.items():
        fig = st.summary()
        cells = [str(st.count)] + [
            "-" if fig[k] is None else format_time(fig[k])
            for k in ("mean", "p50", "p90", "p99", "max")
        ]
        lines.append(f"  {name:>{w}s}" + "".join(f"  {c:>9s}" for c in cells))
    lines.append("")
    lines.append(_stats.format_resources(resources))
    return "\n".join(lines)
