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

cimport cython
from libc.stdint cimport int64_t, uint64_t


cdef extern from "_clock.h":
    int64_t ub_monotonic_ns() noexcept nogil


cdef extern from "_tstats.h":
    enum:
        UB_HIST_BUCKETS
    ctypedef struct ub_tstats:
        int64_t count
        int64_t sum
        int64_t min
        int64_t max
        uint64_t sumsq_lo
        uint64_t sumsq_hi
        int64_t hist[UB_HIST_BUCKETS]
    void ub_tstats_clear(ub_tstats *s) noexcept nogil
    void ub_tstats_record(ub_tstats *s, int64_t d) noexcept nogil
    int ub_hist_bucket(int64_t d) noexcept nogil


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
    # Per-segment statistics (_tstats.h); NULL for one-shot timers.
    cdef ub_tstats *_stats

    cdef int64_t _now(self) except? -1 nogil
    cdef int _unpause_at(self, int64_t now) except -1 nogil
    cdef int _pause_at(self, int64_t now) except -1 nogil
    cdef int64_t _elapsed_ns_at(self, int64_t now) except? -1 nogil
    cdef int c_unpause(self) except -1 nogil
    cdef int c_pause(self) except -1 nogil
    cdef _alloc_stats(self)
    cdef _set_stats_state(self, stats)


@cython.cdivision(True)
cdef inline double _ns_to_seconds(int64_t ns) noexcept nogil:
    # Same formula as _timing_py._ns_to_seconds.
    return <double>ns / 1e9
