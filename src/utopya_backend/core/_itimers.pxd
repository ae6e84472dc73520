# cython: language_level=3
"""C-level interface of the run loop's timers, for ``cimport``."""

from libc.stdint cimport int64_t

from ._rowbuffer cimport RowBuffer
from ._timing cimport Timer


cdef class IterationTimers:
    cdef readonly Timer full_iteration
    cdef readonly Timer model_iteration
    cdef readonly Timer write_data
    cdef readonly tuple columns
    cdef readonly RowBuffer rows

    cdef int64_t now(self) except? -1 nogil
    cdef int timed_write(self, object write_func, int64_t n_iterations) except -1
    cdef int record_row(self, int64_t t1, int64_t n_iterations) except -1
