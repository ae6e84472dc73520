"""Timing reports from output files: tables, JSON and a plot.

Reads the benchmark group(s) that :class:`~.benchmark.ModelBenchmarkMixin`
(of this package or the original one) wrote, from one HDF5 file or from a
utopya run directory (``data/uni*/data.h5``).

A run that was killed (SIGKILL, out of memory, a node lost) has the rows of
``cumulative`` up to its last file flush but no ``total``: it is reported
from its last stored row and marked incomplete. In a run directory, a
universe that cannot be read is skipped with a message naming its file; the
others are reported. Only regular files are opened (a FIFO would block).

The work is done in three modules, whose public names are re-exported
here: ``_report_read`` (reading groups and run directories),
``_report_format`` (tables and JSON) and ``_report_plot`` (the
plot).
"""

from __future__ import annotations

from ._report_format import (  # noqa: F401 (re-exported)
    NESTING_NOTE,
    TEARDOWN_NOTE,
    _plain,
    format_table,
    format_timer_rows,
    format_universes,
    timer_rows,
    to_json,
    universe_summary,
)
from ._report_plot import plot, plot_path  # noqa: F401 (re-exported)
from ._report_read import (  # noqa: F401 (re-exported)
    BenchmarkData,
    ReportError,
    find_benchmarks,
    load_path,
)

__all__ = [
    "ReportError",
    "BenchmarkData",
    "find_benchmarks",
    "load_path",
    "plot_path",
    "format_timer_rows",
    "timer_rows",
]
