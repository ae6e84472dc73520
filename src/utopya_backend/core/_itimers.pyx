# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, auto_pickle=False
"""The run loop's iteration timers, at C speed.

Split from the run loop (``_loop``, which cimports them); the pure-Python
twin is ``_itimers_py``.
"""

cimport cython
from libc.stdint cimport int64_t

from ._rowbuffer cimport RowBuffer
from ._timing cimport Timer, _ns_to_seconds

from ._checks import check_iteration_timers as _check_iteration_timers

__all__ = ["IterationTimers"]


@cython.embedsignature(False)
cdef class IterationTimers:
    """IterationTimers(full_iteration, model_iteration, write_data, columns=(), rows=None)
--

    The timers a run loop drives at C speed, and the rows they fill.

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

    def __init__(self, full_iteration, model_iteration, write_data,
                 columns=(), rows=None):
        # Same checks and text as the twin (_loop_py.IterationTimers).
        columns = _check_iteration_timers(
            Timer, RowBuffer, full_iteration, model_iteration, write_data,
            columns, rows,
        )
        if len({
            id((<Timer>t)._time_func)
            for t in (full_iteration, model_iteration, write_data)
        }) != 1:
            raise ValueError(
                "The iteration timers must share one clock (time_func)"
            )
        self.full_iteration = full_iteration
        self.model_iteration = model_iteration
        self.write_data = write_data
        self.columns = columns
        self.rows = rows

    cdef int64_t now(self) except? -1 nogil:
        return self.full_iteration._now()

    cdef int timed_write(self, object write_func,
                         int64_t n_iterations) except -1:
        cdef int64_t t0 = self.now()
        cdef int64_t t1
        self.write_data._unpause_at(t0)
        write_func()
        t1 = self.now()
        self.write_data._pause_at(t1)
        if self.record_row(t1, n_iterations):
            # The block write belongs to this data write, too.
            self.write_data._elapsed_ns += self.now() - t1
        return 0

    cdef int record_row(self, int64_t t1, int64_t n_iterations) except -1:
        """Record the columns at ``t1`` as a row; 1 if that wrote a block."""
        cdef double *row
        cdef Py_ssize_t i
        if self.rows is None:
            return 0
        row = <double *>self.rows._slot()
        for i in range(len(self.columns)):
            row[i] = _ns_to_seconds(
                (<Timer>self.columns[i])._elapsed_ns_at(t1)
            )
        return 1 if self.rows._commit(n_iterations) else 0

    def write(self, write_func, n_iterations, timed=True):
        """Call ``write_func()`` and record a row labelled ``n_iterations``;
        the call is timed as ``write_data`` unless ``timed`` is false (a
        StepwiseModel's initial write, untimed as in the original)."""
        if timed:
            self.timed_write(write_func, n_iterations)
            return
        write_func()
        self.record_row(self.now(), n_iterations)
