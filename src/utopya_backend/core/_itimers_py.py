"""Pure-Python twin of the compiled iteration timers ``_itimers``.

Split from the run loop's twin (``_loop_py``); same checks, readings and
rows as ``_itimers.pyx``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from ._checks import check_iteration_timers
from ._rowbuffer_py import RowBuffer
from ._timing_py import Timer, _ns_to_seconds

__all__ = ["IterationTimers"]


class IterationTimers:
    """The timers a run loop drives, and the rows they fill.

    The three timers must share one clock, so one reading can serve a pause
    and the next unpause at the same point. At each timed data write, the
    elapsed seconds of ``columns`` at the end of the write go into one row
    of ``rows``, labelled with the iteration count.

    Args:
        full_iteration: Times each whole loop iteration.
        model_iteration: Times each ``iterate()`` call.
        write_data: Times each data write, the row included.
        columns: The timers whose values make up each row.
        rows: A labelled float64 row buffer with rows of
            ``len(columns)`` values, or None to record nothing.
    """

    __slots__ = (
        "_full_iteration",
        "_model_iteration",
        "_write_data",
        "_columns",
        "_rows",
    )

    def __init__(
        self,
        full_iteration: Timer,
        model_iteration: Timer,
        write_data: Timer,
        columns: Iterable[Timer] = (),
        rows: Optional[RowBuffer] = None,
    ) -> None:
        cols = check_iteration_timers(
            Timer,
            RowBuffer,
            full_iteration,
            model_iteration,
            write_data,
            columns,
            rows,
        )
        clocks = (full_iteration, model_iteration, write_data)
        if len({id(t._time_func) for t in clocks}) != 1:
            raise ValueError(
                "The iteration timers must share one clock (time_func)"
            )
        self._full_iteration = full_iteration
        self._model_iteration = model_iteration
        self._write_data = write_data
        self._columns = cols
        self._rows = rows

    # Read-only, as the compiled class's attributes are.
    full_iteration = property(lambda self: self._full_iteration)
    model_iteration = property(lambda self: self._model_iteration)
    write_data = property(lambda self: self._write_data)
    columns = property(lambda self: self._columns)
    rows = property(lambda self: self._rows)

    def _now(self) -> int:
        return self._full_iteration._now()

    def write(
        self,
        write_func: Callable[[], Any],
        n_iterations: int,
        timed: bool = True,
    ) -> None:
        """Call ``write_func()`` and record a row labelled ``n_iterations``;
        the call is timed as ``write_data`` unless ``timed`` is false (a
        StepwiseModel's initial write, untimed as in the original)."""
        if not timed:
            write_func()
            self._record_row(self._now(), n_iterations)
            return
        timer = self.write_data
        timer._unpause_at(self._now())
        write_func()
        t1 = self._now()
        timer._pause_at(t1)
        if self._record_row(t1, n_iterations):
            # The block write belongs to this data write, too.
            timer._elapsed_ns += self._now() - t1

    def _record_row(self, t1: int, n_iterations: int) -> bool:
        """Record the columns at ``t1`` as a row; True if that wrote a
        block."""
        rows = self.rows
        if rows is None:
            return False
        k = rows._slot()
        rows._block[k] = [
            _ns_to_seconds(t._elapsed_ns_at(t1)) for t in self.columns
        ]
        return bool(rows._commit(n_iterations))
