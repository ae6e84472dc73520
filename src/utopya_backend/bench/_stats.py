"""Per-invocation statistics of timers, and the process's resources.

The names of three modules in one place, for the mixin that stores the
statistics and for the report: :mod:`._timerstats` (the histogram layout
and :class:`TimerStats`, which both timing twins use, so they cannot drift
apart), :mod:`._resources` (CPU, wall and peak RSS of the process) and
:mod:`._stats_hdf5` (storage in a benchmark group).
"""

from __future__ import annotations

from ..core import _timerstats
from ..core._timerstats import (  # noqa: F401 (re-exported)
    _EDGES,
    _SUMSQ_MOD,
    N_BUCKETS,
    PERCENTILES,
    STAT_COLUMNS,
    SUB_BITS,
    TimerStats,
    bucket_edges_ns,
    bucket_index,
    bucket_lower_ns,
    check_saved_state,
    merge,
    record_py,
)
from ._resources import (  # noqa: F401 (re-exported)
    RESOURCE_LABELS,
    RESOURCE_UNITS,
    format_resources,
    peak_rss_bytes,
    process_cpu,
    process_resources,
)
from ._stats_hdf5 import (  # noqa: F401 (re-exported)
    read_resources,
    read_stats,
    write_stats,
)

# The layout and TimerStats (but not the pure-Python recorder), and the
# process resources.
__all__ = [n for n in _timerstats.__all__ if n != "record_py"] + [
    "process_resources"
]
