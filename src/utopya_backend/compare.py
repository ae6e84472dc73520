"""``report --compare BEFORE AFTER``: did a change make timers faster?

Compares two HDF5 files or two run directories (universes matched by their
swept parameter values). Per timer: the mean and the 99th percentile per
invocation on both sides and their ratios (after / before). A timer is
marked ``slower`` (``faster``) when

- its mean per invocation changed by more than ``factor``,
- for timers with a distribution, its median changed by more than
  ``factor`` too (a few slow outliers on a busy machine do not count),
- and its total changed by at least ``min_share`` of the run's
  ``simulation`` time (tiny timers are noise).

A timer whose change is explained by marked timers nested in it (a slower
user timer inside ``model_iteration``, which is inside ``full_iteration``,
``run`` and ``simulation``) is shown ``via`` those, not marked itself.
With several universes per side, each matched pair is compared too and the
result says whether the change is consistent across them.

The reading, matching and ratios are in :mod:`._compare_match`
(:func:`compare_paths` is re-exported here); this module holds the
options, the text output and the command.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, Dict, Optional

from ._compare_match import compare_paths  # noqa: F401 (re-exported)
from ._timefmt import format_time

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
        help="ignore changes of less than this share of the simulation "
        "time (default: 0.05)",
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


def format_compare(res: Dict[str, Any]) -> str:
    """The comparison as a table, one line per timer."""
    n = len(res["pairs"])
    lines = [
        f"before: {res['before']}",
        f"after:  {res['after']}",
        f"{n} matched pair(s); marked: mean and median per invocation "
        f"changed beyond {res['factor']:g}x and by >= "
        f"{100 * res['min_share']:g}% of the simulation time",
        "",
        f"  {'timer':>15s}  {'mean before':>11s}  {'after':>9s}  "
        f"{'ratio':>7s}  {'p99 before':>10s}  {'after':>9s}  "
        f"{'ratio':>7s}  change",
    ]
    for r in res["timers"]:
        mark = ""
        if r["change"]:
            mark = ("▲ " if r["change"] == "slower" else "▼ ") + r["change"]
        elif r["via"]:
            mark = "(via " + ", ".join(r["via"]) + ")"
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
        lines.append(f"  no timer slower beyond {res['factor']:g}x")
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
