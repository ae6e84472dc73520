"""``report --compare BEFORE AFTER``: did a change make timers faster?

Compares two HDF5 files or two run directories (universes matched by their
swept parameter values), as asv compare and pyperf do: a factor *and* a
significance test. Per timer: the mean and the 99th percentile per
invocation on both sides and their ratios (after / before). A cumulative
timer is marked ``slower`` (``faster``) when

- its median per invocation (interpolated in the stored histogram)
  changed by more than ``factor`` (the mean is shown, but one preempted
  invocation of milliseconds moves the mean of thousands of microsecond
  steps),
- a rank test (Mann-Whitney) of the stored per-invocation histograms says
  the change is significant (one-sided p < 0.001; both sides need at least
  20 invocations),
- and the change of its median times its invocations is at least
  ``min_share`` of the typical loop time (the larger side's
  ``full_iteration`` median times its invocations; the ``run`` total
  without a histogram): tiny timers are noise, a short run's ``init``,
  which does not grow with the steps, does not hide a slower step, and
  neither do a few preempted steps that inflate the loop's total.

One-shot timers (``init``, ``run``, ...) have one sample per run, and
timers with too few invocations no distribution: they are shown, marked
``single sample`` or ``few samples``, and never marked slower. Runs that
stored no per-invocation figures (a killed run has no totals, the original
package no invocation counts) are ``not comparable``: nothing is invented.

A timer whose change is explained by marked timers nested in it (a slower
user timer inside ``model_iteration``, which is inside ``full_iteration``,
``run`` and ``simulation``) is shown ``via`` those, not marked itself.
With several universes per side, each matched pair is compared too and the
result says whether the change is consistent across them.

The reading, matching, ratios and the rule are in :mod:`._compare_match`
(:func:`compare_paths` is re-exported here), the rank test in
:mod:`._reportstats`; this module holds the options, the text output and
the command.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, Dict, Optional

from ..core._timefmt import format_time
from ._compare_match import compare_paths  # noqa: F401 (re-exported)

__all__ = ["add_arguments", "compare_paths", "format_compare", "run_compare"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``--compare`` options of the ``report`` command."""
    g = p.add_argument_group("comparison (report --compare BEFORE AFTER)")
    g.add_argument(
        "--compare",
        action="store_true",
        help="compare two files or run directories: BEFORE AFTER "
        "(default: report on one PATH)",
    )
    g.add_argument(
        "--factor",
        type=float,
        default=1.1,
        help="mark changes beyond this ratio (default: 1.1)",
    )
    g.add_argument(
        "--min-share",
        type=float,
        default=0.05,
        help="ignore changes of less than this share of the typical loop "
        "time (full_iteration's median x invocations), from 0 to 1 "
        "(default: 0.05)",
    )
    g.add_argument(
        "--fail-on-slowdown",
        action="store_true",
        help="exit with status 1 if a timer is marked slower (default: "
        "exit 0 whatever changed)",
    )


def _t(v: Optional[float]) -> str:
    return "-" if v is None else format_time(v)


def _r(v: Optional[float]) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{v:.2f}x"


def _mark(r: Dict[str, Any]) -> str:
    """The change column of one timer."""
    if r["change"]:
        arrow = "▲ " if r["change"] == "slower" else "▼ "
        p = r["p_value"]
        p_text = f"p={p:.1g}" if p >= 1e-16 else "p<1e-16"
        return f"{arrow}{r['change']} ({p_text})"
    if r["via"]:
        return "(via " + ", ".join(r["via"]) + ")"
    kind = r.get("kind", "tested")
    if kind == "tested":
        return ""
    if kind == "not run":
        return "(no invocations)"
    if kind == "not comparable":
        return f"not comparable: {r['note']}"
    return f"({kind}: not tested)"


def format_compare(res: Dict[str, Any]) -> str:
    """The comparison as a table, one line per timer."""
    n = len(res["pairs"])
    lines = [
        f"before: {res['before']}",
        f"after:  {res['after']}",
        f"{n} matched pair(s); marked: median per invocation "
        f"changed beyond {res['factor']:g}x, significant (rank test of "
        f"the histograms, p < {res.get('alpha', 0.001):g}) and by >= "
        f"{100 * res['min_share']:g}% of the typical loop time; one-shot "
        "timers are never marked",
        "",
        f"  {'timer':>15s}  {'mean before':>11s}  {'after':>9s}  "
        f"{'ratio':>7s}  {'median':>7s}  {'p99 before':>10s}  "
        f"{'after':>9s}  {'ratio':>7s}  change",
    ]
    for r in res["timers"]:
        mark = _mark(r)
        if "universes" in r and r["universes"]["n"] > 1:
            u = r["universes"]
            word = "consistent" if r["consistent"] else "mixed"
            mark += (
                f" [{word}: {u['slower']} slower, {u['faster']} faster, "
                f"{u['within']} within of {u['n']}]"
            )
        lines.append(
            f"  {r['timer']:>15s}  {_t(r['mean_before']):>11s}  "
            f"{_t(r['mean_after']):>9s}  {_r(r['ratio_mean']):>7s}  "
            f"{_r(r.get('ratio_median')):>7s}  "
            f"{_t(r['p99_before']):>10s}  {_t(r['p99_after']):>9s}  "
            f"{_r(r['ratio_p99']):>7s}  {mark}".rstrip()
        )
    if res["unmatched"]:
        lines.append("")
        lines.append("  unmatched: " + ", ".join(res["unmatched"]))
    lines.append("")
    if res["slowdown"]:
        lines.append(
            f"  SLOWER beyond {res['factor']:g}x: "
            + ", ".join(res["slowdown"])
        )
    else:
        lines.append(
            f"  no timer significantly slower beyond {res['factor']:g}x"
        )
    if any(r.get("kind") == "not comparable" for r in res["timers"]):
        lines.append(
            "  some timers are not comparable: no per-invocation figures "
            "stored on one side (see the change column)"
        )
    return "\n".join(lines)


def run_compare(args: argparse.Namespace) -> int:
    """The ``report --compare`` command; returns the exit status."""
    from . import report

    if len(args.path) != 2:
        print(
            "utopya-backend report: error: --compare takes two paths, "
            f"BEFORE and AFTER; got {len(args.path)}",
            file=sys.stderr,
        )
        return 2
    try:
        res = compare_paths(
            *args.path,
            factor=args.factor,
            min_share=args.min_share,
            model=args.model,
        )
    except report.ReportError as exc:
        print(f"utopya-backend report: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report._plain(res), indent=2, allow_nan=False))
    else:
        print(format_compare(res))
    for s in res["skipped"]:
        print(
            f"utopya-backend report: error: skipped {s['universe']}: "
            f"{s['error']}",
            file=sys.stderr,
        )
    if args.fail_on_slowdown and res["slowdown"]:
        print(
            "utopya-backend report: slower beyond the factor: "
            + ", ".join(res["slowdown"]),
            file=sys.stderr,
        )
        return 1
    return 0
