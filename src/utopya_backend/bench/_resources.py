"""The process's resources: CPU seconds, wall seconds and peak RSS.

Measured around a run by the mixin, stored next to the timer statistics
(:mod:`._stats_hdf5`) and shown by the summary and the report;
:mod:`._stats` re-exports the public names.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any, Dict, Optional

__all__ = [
    "RESOURCE_LABELS",
    "RESOURCE_UNITS",
    "process_cpu",
    "peak_rss_bytes",
    "process_resources",
    "format_resources",
]


def process_cpu() -> Dict[str, float]:
    """The process's CPU seconds so far: ``{"user": ..., "system": ...}``."""
    try:
        import resource
    except ImportError:  # Windows: os.times, in clock ticks
        t = os.times()
        return dict(user=t.user, system=t.system)
    r = resource.getrusage(resource.RUSAGE_SELF)  # microseconds
    return dict(user=r.ru_utime, system=r.ru_stime)


def peak_rss_bytes() -> Optional[int]:
    """The process's peak resident set size in bytes, None if unknown."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kB on Linux and the BSDs, bytes on macOS.
    return int(rss) if sys.platform == "darwin" else int(rss) * 1024


RESOURCE_LABELS = ("cpu_user", "cpu_system", "cpu", "wall", "peak_rss")
"""Labels of the stored ``resources`` dataset."""
RESOURCE_UNITS = ("s", "s", "s", "s", "bytes")


def process_resources(
    cpu_start: Optional[Dict[str, float]], wall: float
) -> Dict[str, float]:
    """CPU time since ``cpu_start`` against ``wall`` seconds, and peak RSS.

    Values follow :data:`RESOURCE_LABELS`; NaN where unknown.
    """
    now = process_cpu()
    start = cpu_start or dict(user=0.0, system=0.0)
    user = now["user"] - start["user"]
    system = now["system"] - start["system"]
    rss = peak_rss_bytes()
    return dict(
        cpu_user=user,
        cpu_system=system,
        cpu=user + system,
        wall=float(wall),
        peak_rss=float("nan") if rss is None else float(rss),
    )


def format_resources(res: Dict[str, Any]) -> str:
    """``CPU 1.20s (user 1.10s + system 0.10s) = 92% of 1.30s wall; peak
    RSS 85.2 MiB`` from :func:`process_resources` (or stored) figures."""
    from ..core._timefmt import format_time

    def t(key: str) -> str:
        v = res.get(key)
        return "-" if v is None or not math.isfinite(v) else format_time(v)

    cpu, wall = res.get("cpu"), res.get("wall")
    share = ""
    if cpu is not None and wall and math.isfinite(cpu) and wall > 0:
        share = f" = {100 * cpu / wall:.0f}% of {t('wall')} wall"
    rss = res.get("peak_rss")
    rss_s = (
        "-"
        if rss is None or not math.isfinite(rss)
        else f"{rss / 2**20:.1f} MiB"
    )
    return (
        f"CPU {t('cpu')} (user {t('cpu_user')} + system "
        f"{t('cpu_system')}){share}; peak RSS {rss_s}"
    )
