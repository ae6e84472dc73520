# cython: language_level=3
"""C-level model interface: a model's step written in Cython.

A model's ``.pyx`` cimports this and subclasses :class:`CStep`::

    from utopya_backend.cstep cimport CStep

    cdef class Step(CStep):
        cdef double x
        cdef int step(self) except -1:
            self.x += 1.0  # self.counters.time: steps made so far
            return 0

The run loop calls ``step`` through the vtable: no Python call per step.
"""

from libc.stdint cimport int64_t

from .core._rowbuffer cimport RowBuffer
# Benchmark timers at C level: ``t.c_unpause()`` / ``t.c_pause()`` (nogil)
# on a model's ``timers[name]``.
from .core._timing cimport Timer


cdef class LoopCounters:
    # The model's ``time`` and ``n_iterations``; the run loop keeps them
    # up to date at C speed, the model's properties read them.
    cdef public int64_t time
    cdef public int64_t n_iterations


cdef class CStep:
    # The counters of the model this step runs in; set by the run loop
    # before the first step (a fresh, zeroed instance until then).
    cdef readonly LoopCounters counters

    # One model step; return 0, or raise (the run ends as a Python step's
    # exception ends it).
    cdef int step(self) except -1


cdef class RowWriter:
    # Appends to a model's time-series writer (``create_ts_writer``) from
    # C: the same buffer, labels, row limit and file as its ``append``.
    cdef RowBuffer buffer
    cdef readonly object name
    cdef bint _scalar_f8, _scalar_f4, _rows_f4
    # Values per row if the rows are float64 or float32, else -1.
    cdef Py_ssize_t _n

    # One scalar row (a float32 or float64 series).
    cdef int append_double(self, double value) except -1
    # One row of n values (the row's size; float64 or float32 rows).
    cdef int append_row(self, const double *values, Py_ssize_t n) except -1
    # The same from a typed memoryview.
    cdef int append_view(self, const double[::1] values) except -1


# A step as a C function: returns 0, or nonzero after setting a Python
# exception (or without one: the loop raises RuntimeError naming the code).
ctypedef int (*step_func)(void *user_data) noexcept


cdef class FuncStep(CStep):
    # A step_func and its user data, resolved once from a PyCapsule, a
    # Cython module's __pyx_capi__ entry or a numba cfunc.
    cdef step_func func
    cdef void *user_data
    cdef readonly object source
    # What keeps user_data alive (a buffer, a capsule).
    cdef object _keep


# For tests: counts in the int64 at user_data (exported in __pyx_capi__).
cdef int _demo_count(void *user_data) noexcept
