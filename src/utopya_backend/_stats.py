"""Per-invocation statistics of timers: histogram layout, merge, percentiles.

The names of ``_timerstats`` (which both timing twins use, so they cannot
drift apart), ``_resources`` and ``_stats_hdf5`` in one place, for the
mixin that stores the statistics and for the report.

Every cumulative timer records each segment's duration ``d`` (integer ns) at
each pause: count, sum, min, max, the exact sum of squares and a log-linear
histogram (see ``_tstats.h``): below 16 ns one bucket per ns; above, each
power of two is split into 8 equal sub-buckets by the 3 bits after the
leading one, so no bucket is wider than 1/8 of its lower edge. 488 buckets
cover 0 ns to 2**63 ns. Histograms with this layout add bucket by bucket.

The statistics live in three modules, whose names are re-exported here:
:mod:`._timerstats` (the histogram layout and :class:`TimerStats`),
:mod:`._resources` (CPU, wall and peak RSS of the process) and
:mod:`._stats_hdf5` (storage in a benchmark group).
"""

from __future__ import annotations

from . import _timerstats
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
from ._timerstats import (  # noqa: F401 (re-exported)
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
    merge,
    record_py,
)

# The layout and TimerStats (but not the pure-Python recorder), and the
# process resources.
__all__ = [n for n in _timerstats.__all__ if n != "record_py"] + [
    "process_resources"
]
