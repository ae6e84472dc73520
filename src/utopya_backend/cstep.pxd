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
