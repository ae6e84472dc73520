"""Per-invocation figures for ``report``: tables, sweeps and universes.

Reads what :func:`~._stats.write_stats` stored (histograms, statistics,
CPU time and peak RSS), merges histograms across the universes of a run
directory into sweep-wide percentiles, finds each universe's swept
parameters (the keys whose values differ between the universes' stored
``config.yml``), flags universes that stopped before their planned
number of steps and tests two histograms for a change (``rank_test``).
"""

from __future__ import annotations

import math
import os
import stat
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..bench import _stats
from ..core._timefmt import format_time

__all__ = [
    "attach",
    "attach_configs",
    "format_stats",
    "sweep_summary",
    "format_sweep",
    "json_extras",
    "rank_test",
    "median_ns",
    "MIN_SAMPLES",
    "ALPHA",
]

# Keys of a universe's config that differ by construction, not by sweep.
_NOT_PARAMS = ("output_path", "output_dir", "cfg_file_path", "root_cfg_path")


def attach(grp: Any, data: Any) -> None:
    """Read statistics and resources of benchmark group ``grp`` into
    ``data`` (a ``report.BenchmarkData``); ValueError if inconsistent."""
    data.stats = _stats.read_stats(grp)
    data.resources = _stats.read_resources(grp)


def _load_yaml(path: str) -> Optional[dict]:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a FIFO would block: only regular files are read
        import yaml

        from ..yamlcfg._yaml import CfgLoader

        with open(path) as f:
            cfg = yaml.load(f, Loader=CfgLoader)  # noqa: S506 (safe loader)
    except Exception:  # a missing or unreadable config: no parameters
        return None
    return cfg if isinstance(cfg, dict) else None


def attach_configs(items: Dict[str, list]) -> None:
    """Give every universe's data its ``config.yml`` (beside its data
    file, where the utopya frontend stores it), or None."""
    for datas in items.values():
        for d in datas:
            d.config = _load_yaml(
                os.path.join(os.path.dirname(d.path), "config.yml")
            )


def _flatten(cfg: Any, prefix: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if isinstance(cfg, dict):
        for k, v in cfg.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            out.update(_flatten(v, key))
    else:
        out[prefix] = cfg
    return out


def swept_parameters(items: Dict[str, list]) -> Dict[str, Dict[str, Any]]:
    """``{universe: {dotted.key: value}}`` for the config keys whose values
    differ between universes (paths excluded)."""
    flat = {}
    for uni, datas in items.items():
        cfg = getattr(datas[0], "config", None) if datas else None
        flat[uni] = _flatten(cfg) if cfg else {}
    keys = sorted({k for f in flat.values() for k in f})
    swept = []
    for k in keys:
        if k.rsplit(".", 1)[-1] in _NOT_PARAMS:
            continue
        values = {repr(f.get(k)) for f in flat.values()}
        if len(values) > 1:
            swept.append(k)
    return {u: {k: f.get(k) for k in swept} for u, f in flat.items()}


def params_key(params: Dict[str, Any]) -> Tuple:
    """A hashable, order-free key of a universe's parameter values."""
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def steps(data: Any) -> Tuple[Optional[int], Optional[int]]:
    """(steps done, steps planned) of one universe, None where unknown.

    Done: the ``full_iteration`` invocations; for a killed run, the
    iteration count at its last stored row (a lower bound); unknown for a
    complete run that stored no invocation counts (the original package:
    its last row need not be its last step, so it is no evidence of an
    early stop). Planned: ``num_steps`` of its stored config.
    """
    done = data.invocations.get("full_iteration")
    if not data.complete:
        done = data.last_n_iterations
    cfg = getattr(data, "config", None) or {}
    planned = cfg.get("num_steps")
    if not isinstance(planned, int) or isinstance(planned, bool):
        planned = None
    return done, planned


def _t(v: Optional[float]) -> str:
    return "-" if v is None or not math.isfinite(v) else format_time(v)


def format_stats(data: Any) -> str:
    """Per cumulative timer: count, mean, p50, p90, p99, max per
    invocation; CPU against wall."""
    lines = []
    stats = getattr(data, "stats", None) or {}
    if stats:
        lines.append(
            f"  {'per invocation':>15s}  {'count':>9s}  {'mean':>9s}  "
            f"{'p50':>9s}  {'p90':>9s}  {'p99':>9s}  {'max':>9s}"
        )
        for name, s in stats.items():
            f = s.summary()
            lines.append(
                f"  {name:>15s}  {s.count:>9d}  "
                + "  ".join(
                    f"{_t(f[k]):>9s}"
                    for k in ("mean", "p50", "p90", "p99", "max")
                )
            )
    res = getattr(data, "resources", None)
    if res:
        lines.append("  " + _stats.format_resources(res))
    # The note on nested, overlapping shares is under the timing table
    # (report.NESTING_NOTE); it is not repeated here.
    return "\n".join(lines)


def sweep_summary(items: Dict[str, list]) -> Dict[str, Any]:
    """Sweep-wide statistics (histograms merged over universes), each
    universe's swept parameters, steps done and planned."""
    merged: Dict[str, _stats.TimerStats] = {}
    n_with: Dict[str, int] = {}
    for datas in items.values():
        for d in datas:
            for name, s in (getattr(d, "stats", None) or {}).items():
                merged[name] = merged.get(name, _stats.TimerStats()) + s
                n_with[name] = n_with.get(name, 0) + 1
    params = swept_parameters(items)
    universes = []
    for uni, datas in items.items():
        for d in datas:
            done, planned = steps(d)
            early = planned is not None and done is not None and done < planned
            res = getattr(d, "resources", None) or {}
            universes.append(
                dict(
                    universe=uni,
                    params=params.get(uni, {}),
                    steps_done=done,
                    steps_planned=planned,
                    stopped_early=bool(early),
                    finished=bool(d.complete and not early),
                    complete=d.complete,
                    cpu=res.get("cpu"),
                    wall=res.get("wall"),
                    peak_rss=res.get("peak_rss"),
                )
            )
    return dict(
        timers={
            n: dict(universes=n_with[n], **s.summary())
            for n, s in merged.items()
        },
        universes=universes,
        merged=merged,
    )


def _param_str(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def format_sweep(sweep: Dict[str, Any]) -> str:
    """Sweep-wide percentiles, then one line per universe with its swept
    parameters and whether it ran all planned steps."""
    lines = []
    if sweep["timers"]:
        lines.append(
            "  sweep-wide per invocation (histograms of all universes "
            "merged):"
        )
        lines.append(
            f"  {'timer':>15s}  {'count':>9s}  {'mean':>9s}  {'p50':>9s}  "
            f"{'p90':>9s}  {'p99':>9s}  {'max':>9s}"
        )
        for name, f in sweep["timers"].items():
            lines.append(
                f"  {name:>15s}  {f['count']:>9d}  "
                + "  ".join(
                    f"{_t(f[k]):>9s}"
                    for k in ("mean", "p50", "p90", "p99", "max")
                )
            )
        lines.append("")
    keys = sorted({k for u in sweep["universes"] for k in u["params"]})
    short = [k.rsplit(".", 1)[-1] for k in keys]
    head = f"  {'universe':>10s}  " + "".join(f"{s:>10s}  " for s in short)
    lines.append(head + f"{'steps':>13s}  {'cpu/wall':>8s}  status")
    n_early = 0
    for u in sweep["universes"]:
        vals = "".join(
            f"{_param_str(u['params'].get(k)):>10s}  " for k in keys
        )
        done, planned = u["steps_done"], u["steps_planned"]
        st = f"{'-' if done is None else done}/" + (
            "-" if planned is None else str(planned)
        )
        cpu, wall = u["cpu"], u["wall"]
        share = f"{100 * cpu / wall:.0f}%" if cpu is not None and wall else "-"
        if not u["complete"]:
            status = "did not finish (killed?)"
            n_early += 1
        elif u["stopped_early"]:
            status = "stopped early"
            n_early += 1
        elif done is None and planned is not None:
            status = "ok (steps not stored)"
        else:
            status = "ok"
        lines.append(
            f"  {u['universe']:>10s}  "
            + vals
            + f"{st:>13s}  {share:>8s}  {status}"
        )
    if keys:
        lines.append("  swept parameters: " + ", ".join(keys))
    if n_early:
        lines.append(f"  {n_early} universe(s) did not run all planned steps")
    return "\n".join(lines)


def json_extras(loaded: Dict[str, Any], out: Dict[str, Any]) -> None:
    """Add per-invocation figures (and, for a run, the sweep) to the JSON
    of ``report.to_json``; ``out['benchmarks']`` follows ``loaded``."""
    datas = [d for ds in loaded["items"].values() for d in ds]
    for rec, d in zip(out.get("benchmarks", []), datas):
        rec["per_invocation"] = {
            n: s.summary()
            for n, s in (getattr(d, "stats", None) or {}).items()
        }
        rec["resources"] = getattr(d, "resources", None) or {}
    if loaded["kind"] == "run":
        sweep = sweep_summary(loaded["items"])
        out["sweep"] = dict(
            timers=sweep["timers"], universes=sweep["universes"]
        )


def universes_by_params(
    items: Dict[str, list],
) -> Dict[Tuple, List[Tuple[str, Any]]]:
    """``{params_key: [(universe, data), ...]}`` of a run's universes."""
    params = swept_parameters(items)
    out: Dict[Tuple, List[Tuple[str, Any]]] = {}
    for uni, datas in items.items():
        for d in datas:
            out.setdefault(params_key(params.get(uni, {})), []).append(
                (uni, d)
            )
    return out


# .. significance of a change, from two stored histograms ....................

MIN_SAMPLES = 20
"""Invocations a side needs before its histogram is tested for a change."""

ALPHA = 0.001
"""One-sided p-value below which a change counts as significant."""


def rank_test(before: Any, after: Any) -> Tuple[float, float, float]:
    """Mann-Whitney rank test of two histograms over the same buckets.

    Invocations in one bucket are ties (they count half). Returns the
    probability that an invocation of ``after`` is slower than one of
    ``before`` (0.5: no change) and the one-sided p-values that ``after``
    is slower and that it is faster (normal approximation with the tie
    correction, fine for the :data:`MIN_SAMPLES` the comparison needs).

    Raises:
        ValueError: If a side has no invocations or the shapes differ.
    """
    a = np.asarray(before, dtype=np.float64)
    b = np.asarray(after, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"histograms of shapes {a.shape} and {b.shape}")
    na, nb = float(a.sum()), float(b.sum())
    if na <= 0 or nb <= 0:
        raise ValueError("a histogram without invocations")
    below = np.cumsum(a) - a  # before-invocations in lower buckets
    u = float(np.sum(b * (below + a / 2)))
    n = na + nb
    t = a + b
    ties = float(np.sum(t * t * t - t))
    var = na * nb / 12 * (n + 1 - ties / (n * (n - 1)))
    z = (u - na * nb / 2) / math.sqrt(var) if var > 0 else 0.0
    p_slower = 0.5 * math.erfc(z / math.sqrt(2))
    p_faster = 0.5 * math.erfc(-z / math.sqrt(2))
    return u / (na * nb), p_slower, p_faster


def median_ns(counts: Any) -> Tuple[float, int]:
    """The median of a histogram in ns, interpolated linearly within its
    bucket, and that bucket's index.

    Interpolated, a median that moves a little moves a little; but a
    narrow peak that moves a little across a bucket edge still moves it by
    up to a bucket (1/8), so a change is only resolved when the medians
    lie two or more buckets apart.

    Raises:
        ValueError: If the histogram has no invocations.
    """
    c = np.asarray(counts, dtype=np.float64)
    cum = np.cumsum(c)
    if not len(c) or cum[-1] <= 0:
        raise ValueError("a histogram without invocations")
    half = cum[-1] / 2
    i = int(np.searchsorted(cum, half))
    below = cum[i] - c[i]
    lo, hi = _stats.bucket_lower_ns(i), _stats.bucket_lower_ns(i + 1)
    return lo + (hi - lo) * (half - below) / c[i], i
