# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, auto_pickle=False
"""Compiled model steps: the C-level interface a model's Cython step uses.

See ``cstep.pxd`` for what a model cimports, and the guide page "Compiled
steps". The run loop (``_loop``) calls :meth:`CStep.step` through the
vtable; the pure-Python twin loop calls the step object instead.
"""

from libc.stdint cimport int64_t

from ._timing cimport ub_monotonic_ns


cdef extern from "<signal.h>" nogil:
    int raise_signal "raise" (int signum)

__all__ = ["CStep", "LoopCounters"]


cdef class LoopCounters:
    """LoopCounters(time=0, n_iterations=0)
--

    A model's ``time`` and ``n_iterations``, as C integers the run loop
    updates without a Python attribute store.
    """

    def __init__(self, time=0, n_iterations=0):
        self.time = time
        self.n_iterations = n_iterations

    def __repr__(self):
        return (
            f"LoopCounters(time={self.time}, "
            f"n_iterations={self.n_iterations})"
        )


cdef class CStep:
    """A model step compiled with Cython; subclass it in a ``.pyx`` and
    override ``cdef int step(self) except -1``.

    Assign an instance to the model's ``perform_step`` (e.g. in ``setup``);
    the run loop then calls ``step`` in C. Calling the instance from Python
    runs one step, too.
    """

    def __cinit__(self, *args, **kwargs):
        self.counters = LoopCounters()

    cdef int step(self) except -1:
        raise NotImplementedError(
            f"{type(self).__name__} must override 'cdef int step(self) "
            f"except -1'"
        )

    def __call__(self):
        """Run one step (what a Python loop calls)."""
        self.step()

    def _bind(self, LoopCounters counters not None):
        """Share the counters of the model whose loop runs this step."""
        self.counters = counters


cdef class _CountStep(CStep):
    """_CountStep(raise_at=-1, signal_at=-1, signum=0)
--

    A step for tests and benchmarks: counts its calls; raises
    RuntimeError at call ``raise_at``, and sends itself signal ``signum``
    (from C, as a signal arrives) at call ``signal_at``.
    """

    cdef public int64_t count, raise_at, signal_at
    cdef public int signum

    def __init__(self, raise_at=-1, signal_at=-1, signum=0):
        self.raise_at, self.signal_at, self.signum = raise_at, signal_at, signum

    cdef int step(self) except -1:
        self.count += 1
        if self.count == self.raise_at:
            raise RuntimeError(f"step {self.count} failed")
        if self.count == self.signal_at:
            raise_signal(self.signum)
        return 0


def _call_floor(f, int64_t n):
    """Nanoseconds a C loop takes to call ``f()`` ``n`` times (a floor
    for a Python step's loop)."""
    cdef int64_t i, t0 = ub_monotonic_ns()
    for i in range(n):
        f()
    return ub_monotonic_ns() - t0


def _bare_loop(CStep step not None, int64_t n):
    """Nanoseconds a bare C loop takes to call ``step.step()`` ``n`` times
    and count them (a floor for a compiled step's loop)."""
    cdef LoopCounters c = step.counters
    cdef int64_t i, t0 = ub_monotonic_ns()
    for i in range(n):
        step.step()
        c.time += 1
        c.n_iterations += 1
    return ub_monotonic_ns() - t0
