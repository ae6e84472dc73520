"""Formatting benchmark data: timing tables, run summaries and JSON.

The text and machine-readable output of ``python -m utopya_backend
report``, from what :mod:`._report_read` read; :mod:`.report` re-exports
the public names.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Dict, List

import numpy as np

from ..core._timefmt import format_time
from ..io._provenance import describe as _provenance
from . import _reportstats
from ._report_read import BenchmarkData

__all__ = [
    "NESTING_NOTE",
    "TEARDOWN_NOTE",
    "format_table",
    "format_timer_rows",
    "timer_rows",
    "universe_summary",
    "format_universes",
    "to_json",
]


def format_table(data: BenchmarkData) -> str:
    """The timing table of one benchmark group."""
    head = f"{data.path} : {data.group}"
    head += "\n" + _provenance(data.path)  # which package wrote the file
    if not data.complete:
        rows = 0 if data.cumulative is None else len(data.cumulative)
        head += (
            f"\n  incomplete run (killed? no 'total' stored): the cumulative "
            f"timers at the last of {rows} stored rows"
        )
        if data.last_n_iterations is not None:
            head += f", at iteration {data.last_n_iterations}"
    return head + "\n" + format_timer_rows(data.rows())


NESTING_NOTE = (
    "  shares are of 'simulation'; timers nest (setup in init;\n"
    "  model_iteration, monitor, write_data in full_iteration, in run),\n"
    "  so the shares add up past 100%"
)
"""Footnote of every timing table: why the shares add up past 100 %."""

TEARDOWN_NOTE = (
    "  not shown: teardown (closing the model), run after the timings "
    "are stored"
)
"""Footnote when the unmeasured ``teardown`` row is left out."""


def _unmeasured_teardown(row: Dict[str, Any]) -> bool:
    return row["timer"] == "teardown" and not row["seconds"]


def format_timer_rows(rows: List[Dict[str, Any]]) -> str:
    """The timing table of :meth:`BenchmarkData.rows`-like records.

    One line per timer (total, share of ``simulation``, invocations, mean
    per invocation) under a header, then footnotes: the shares nest, and
    ``teardown``, which cannot be measured inside the run (its time is
    never stored), is left out while it is zero.
    """
    lines = [
        f"  {'timer':>15s}  {'total':>9s}  {'share':>6s}  "
        f"{'count':>9s}  {'mean':>9s}"
    ]
    hidden = False
    for r in rows:
        if _unmeasured_teardown(r):
            hidden = True
            continue
        count = "-" if r["invocations"] is None else str(r["invocations"])
        mean = "-" if r["mean"] is None else format_time(r["mean"])
        lines.append(
            f"  {r['timer']:>15s}  {format_time(r['seconds']):>9s}  "
            f"{100 * r['share']:5.1f}%  {count:>9s}  {mean:>9s}"
        )
    lines.append(NESTING_NOTE)
    if hidden:
        lines.append(TEARDOWN_NOTE)
    return "\n".join(lines)


def timer_rows(timers: Dict[str, Any]) -> List[Dict[str, Any]]:
    """:meth:`BenchmarkData.rows`-like records of a model's live timers
    (``model.timers``), for :func:`format_timer_rows`."""
    data = BenchmarkData(
        path="",
        model="",
        group="",
        totals={k: t.elapsed for k, t in timers.items()},
        invocations={k: t.invocations for k, t in timers.items()},
    )
    return data.rows()


def universe_summary(items: Dict[str, list]) -> Dict[str, Any]:
    """One record per universe and a summary across them."""
    rows = []
    for uni, datas in items.items():
        for d in datas:
            it = d.totals.get("full_iteration")
            n = d.invocations.get("full_iteration")
            if not d.complete:
                n = d.last_n_iterations  # one full iteration each
            rows.append(
                dict(
                    universe=uni,
                    model=d.model,
                    simulation=d.simulation,
                    run=d.totals.get("run"),
                    full_iteration=it,
                    per_iteration=(it / n) if (it is not None and n) else None,
                    writes=None if d.cumulative is None else len(d.cumulative),
                    complete=d.complete,
                )
            )
    sims = [r["simulation"] for r in rows]
    slowest = max(rows, key=lambda r: r["simulation"])
    return dict(
        universes=rows,
        summary=dict(
            count=len(rows),
            min=min(sims),
            median=statistics.median(sims),
            max=max(sims),
            slowest=slowest["universe"],
        ),
    )


def format_universes(summary: Dict[str, Any]) -> str:
    """The per-universe table of a run directory, slowest first."""
    lines = [
        f"  {'universe':>10s}  {'simulation':>10s}  {'run':>9s}  "
        f"{'per iter':>9s}  {'writes':>7s}"
    ]
    for r in sorted(
        summary["universes"], key=lambda r: r["simulation"], reverse=True
    ):
        per = r["per_iteration"]
        run = "-" if r["run"] is None else format_time(r["run"])
        uni = r["universe"] + ("" if r["complete"] else "*")
        lines.append(
            f"  {uni:>10s}  {format_time(r['simulation']):>10s}  "
            f"{run:>9s}  "
            f"{'-' if per is None else format_time(per):>9s}  "
            f"{'-' if r['writes'] is None else r['writes']:>7}"
        )
    s = summary["summary"]
    lines.append(
        f"\n  {s['count']} universe{'s' * (s['count'] != 1)}; "
        "simulation time min "
        f"{format_time(s['min'])}, median {format_time(s['median'])}, max "
        f"{format_time(s['max'])} (slowest: {s['slowest']})"
    )
    n_incomplete = sum(not r["complete"] for r in summary["universes"])
    if n_incomplete:
        lines.append(
            f"  * {n_incomplete} incomplete (killed?) universe(s): figures "
            "up to their last stored row"
        )
    return "\n".join(lines)


def to_json(loaded: Dict[str, Any]) -> Dict[str, Any]:
    """Machine-readable figures of :func:`load_path`'s result."""
    out: Dict[str, Any] = dict(kind=loaded["kind"], benchmarks=[])
    for label, datas in loaded["items"].items():
        for d in datas:
            out["benchmarks"].append(
                dict(
                    source=label,
                    path=d.path,
                    model=d.model,
                    group=d.group,
                    timers=d.rows(),
                    writes=None if d.cumulative is None else len(d.cumulative),
                    complete=d.complete,
                    last_n_iterations=d.last_n_iterations,
                )
            )
    if loaded["kind"] == "run":
        out.update(universe_summary(loaded["items"]))
        out["skipped"] = list(loaded.get("skipped", []))
    _reportstats.json_extras(loaded, out)
    return _plain(out)


def _plain(value: Any) -> Any:
    """Plain JSON values: NaN and infinities become None (null)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value
