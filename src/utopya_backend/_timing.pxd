# cython: language_level=3
"""C-level interface of the timing core, for ``cimport`` from Cython code.

Example::

    from utopya_backend._timing cimport Timer

    cdef Timer t = Timer("kernel")
    with nogil:
        t.c_unpause()
        ...  # work
        t.c_pause()
"""

from libc.stdint cimport int64_t

from ._rowbuffer cimport RowBuffer


cdef extern from "_clock.h":
    int64_t ub_monotonic_ns() noexcept nogil


cdef class Timer:
    cdef object _name
    cdef object _time_func
    cdef int64_t _elapsed_ns
    cdef int64_t _latest_ns
    cdef Py_ssize_t _invocations
    cdef bint _running
    cdef bint _finished
    cdef bint _one_shot
    # Origin (seconds) of a custom time_func, see _timing.pyx; valid if set.
    cdef double _origin
    cdef bint _has_origin

    cdef int64_t _now(self) except? -1 nogil
    cdef int _unpause_at(self, int64_t now) except -1 nogil
    cdef int _pause_at(self, int64_t now) except -1 nogil
    cdef int64_t _elapsed_ns_at(self, int64_t now) except? -1 nogil
    cdef int c_unpause(self) except -1 nogil
    cdef int c_pause(self) except -1 nogil


cdef class IterationTimers:
    cdef readonly Timer full_iteration
    cdef readonly Timer model_iteration
    cdef readonly Timer write_data
    cdef readonly tuple columns
    cdef readonly RowBuffer rows

    cdef int64_t now(self) except? -1 nogil
    cdef int timed_write(self, object write_data, int64_t n_iterations) except -1
