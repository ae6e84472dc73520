"""Human-readable durations for timing reports, from nanoseconds to days."""

from __future__ import annotations

import math

__all__ = ["format_time"]


def format_time(seconds: float, *, ms_precision: int = 2) -> str:
    """Format a duration readably at every scale.

    Examples: ``850ns``, ``12.3µs``, ``4.56ms``, ``1.50s``, ``2m 5s``,
    ``3h 2m``, ``1d 4h``.

    Args:
        seconds: The duration; negative values keep their sign.
        ms_precision: Decimals for durations below one minute (one fewer
            below a millisecond, none below a microsecond).
    """
    if math.isnan(seconds):
        return "nan"
    if seconds < 0:
        return "-" + format_time(-seconds, ms_precision=ms_precision)
    if math.isinf(seconds):
        return "inf"
    p = max(int(ms_precision), 0)
    if seconds == 0:
        return "0s"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f}ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.{max(p - 1, 0)}f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.{p}f}ms"
    if seconds < 60:
        return f"{seconds:.{p}f}s"
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"
