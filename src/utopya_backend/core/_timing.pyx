# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, cdivision=True, always_allow_keywords=False, auto_pickle=False
"""Compiled timing core: a pausable timer on a C monotonic clock.

Times are kept as integer nanoseconds and turned into float seconds only at
the Python-facing edge. The pure-Python twin is ``_timing_py``; both must
agree on behaviour and error text.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport floor, isfinite
from libc.stdint cimport int64_t
from libc.string cimport memcpy

import numpy as np

from ._timerstats import N_BUCKETS, TimerStats
from ._timerstats import check_saved_state as _check_saved_state
from ._timefunc import _clock_origin

__all__ = ["Timer", "monotonic_ns"]


def monotonic_ns():
    """monotonic_ns() -> int

    Read the clock the default timers use, in integer nanoseconds.
    """
    return ub_monotonic_ns()


cdef inline int64_t _seconds_to_ns(double seconds) noexcept nogil:
    # Round half up; _timing_py uses the same formula to match the C version.
    return <int64_t>floor(seconds * 1e9 + 0.5)


# Readings must stay within 2**62 ns (about 146 years) of the origin; then
# a segment (the difference of two readings) and, for a monotonic clock, any
# sum of disjoint segments stay below 2**63 ns and cannot overflow int64.
cdef double _MAX_READING_NS = 4611686018427387904.0


cdef int64_t _relative_ns(Timer timer, double reading) except? -1:
    """``reading`` (seconds) in ns from the timer's clock origin, checked."""
    cdef double seconds, ns
    if not isfinite(reading):
        # Same text in _timing_py._relative_ns.
        raise ValueError(
            f"Timer '{timer._name}': time_func returned {reading!r}, "
            "expected a finite number of seconds"
        )
    if not timer._has_origin:
        timer._origin = _clock_origin(timer._time_func, reading)
        timer._has_origin = True
    seconds = reading - timer._origin
    ns = seconds * 1e9
    if not -_MAX_READING_NS < ns < _MAX_READING_NS:
        # Same text in _timing_py._relative_ns.
        raise OverflowError(
            f"Timer '{timer._name}': time_func returned {reading!r}, "
            f"{seconds:.3g} s from the clock's origin {timer._origin!r}; "
            "readings must stay within 2**62 ns (about 146 years) of it"
        )
    return _seconds_to_ns(seconds)


@cython.embedsignature(False)
cdef class Timer:
    """Timer(name, *, time_func=None, one_shot=False, start=False)
--

    A pausable timer on a monotonic clock.

    Args:
        name: The timer's name, used in reports and error messages.
        time_func: A callable returning the current time in seconds; the
            default reads a monotonic clock in C (never the wall clock).
        one_shot: If true, the first pause finishes the timer.
        start: If true, start the timer right away.
    """

    def __init__(
        self,
        name,
        *,
        time_func=None,
        bint one_shot=False,
        bint start=False,
    ):
        if not isinstance(name, str):
            raise TypeError(f"Timer name must be a string, got {name!r}")
        if time_func is not None and not callable(time_func):
            raise TypeError(
                f"time_func of timer '{name}' must be callable, "
                f"got {time_func!r}"
            )
        self._name = name
        self._time_func = time_func
        self._has_origin = False
        self._one_shot = one_shot
        self._alloc_stats()
        self.reset()
        if start:
            self.start()

    def __dealloc__(self):
        PyMem_Free(self._stats)
        self._stats = NULL

    cdef _alloc_stats(self):
        # Cumulative timers keep statistics; one-shot ones need none.
        if self._one_shot:
            PyMem_Free(self._stats)
            self._stats = NULL
        elif self._stats is NULL:
            self._stats = <ub_tstats *>PyMem_Malloc(sizeof(ub_tstats))
            if self._stats is NULL:
                raise MemoryError()
            ub_tstats_clear(self._stats)

    # .. C-level API (see _timing.pxd) .......................................

    cdef int64_t _now(self) except? -1 nogil:
        if self._time_func is None:
            return ub_monotonic_ns()
        with gil:
            return _relative_ns(self, self._time_func())

    cdef int _unpause_at(self, int64_t now) except -1 nogil:
        if self._finished:
            with gil:
                self._raise_finished()
        if not self._running:
            self._latest_ns = now
            self._running = True
            self._invocations += 1
        return 0

    cdef int _pause_at(self, int64_t now) except -1 nogil:
        if self._finished:
            with gil:
                self._raise_finished()
        if not self._running:
            with gil:
                raise RuntimeError(
                    f"Cannot pause already paused timer {self}!"
                )
        self._elapsed_ns += now - self._latest_ns
        if self._stats is not NULL:
            ub_tstats_record(self._stats, now - self._latest_ns)
        self._running = False
        if self._one_shot:
            self._finished = True
        return 0

    cdef int64_t _elapsed_ns_at(self, int64_t now) except? -1 nogil:
        if not self._running:
            return self._elapsed_ns
        if self._time_func is not None:
            now = self._now()
        return self._elapsed_ns + (now - self._latest_ns)

    cdef int c_unpause(self) except -1 nogil:
        if self._one_shot:
            with gil:
                self._raise_one_shot()
        return self._unpause_at(self._now())

    cdef int c_pause(self) except -1 nogil:
        return self._pause_at(self._now())

    def _raise_finished(self):
        # Same text in _timing_py.Timer._raise_finished.
        raise RuntimeError(
            f"Tried to update timer {self} that was already marked as "
            "finished."
        )

    def _raise_one_shot(self):
        # Same text in _timing_py.Timer._raise_one_shot.
        raise RuntimeError(
            f"{self} is a one-shot timer and cannot be unpaused!"
        )

    # .. Python API ...........................................................

    def _get_time(self):
        """Read this timer's clock, in seconds.

        Unused here; kept because the original's ``Timer`` has it.
        """
        if self._time_func is None:
            return _ns_to_seconds(ub_monotonic_ns())
        return self._time_func()

    def start(self):
        """Start (or continue) the timer; a running timer is left alone."""
        self._unpause_at(self._now())

    def unpause(self):
        """Continue a paused timer; one-shot timers refuse this."""
        # The hot path of the pair, spelled out: no vtable call, one branch.
        if self._one_shot:
            self._raise_one_shot()
        if self._finished:
            self._raise_finished()
        if not self._running:
            self._latest_ns = (
                ub_monotonic_ns() if self._time_func is None else self._now()
            )
            self._running = True
            self._invocations += 1

    def pause(self):
        """Pause the timer and return the elapsed seconds."""
        cdef int64_t d
        if self._running and not self._finished and self._time_func is None:
            # The hot path of the pair, spelled out like unpause().
            d = ub_monotonic_ns() - self._latest_ns
            self._elapsed_ns += d
            if self._stats is not NULL:
                ub_tstats_record(self._stats, d)
            self._running = False
            self._finished = self._one_shot
        else:
            self._pause_at(self._now())
        return _ns_to_seconds(self._elapsed_ns)

    def stop(self):
        """Finish the timer, pausing it if running; return elapsed seconds."""
        if self._finished:
            self._raise_finished()
        if self._running:
            self._pause_at(self._now())
        self._finished = True
        return _ns_to_seconds(self._elapsed_ns)

    def reset(self):
        """Clear elapsed time, invocation count and the finished state."""
        # The clock origin stays: it belongs to the clock, not the timer.
        self._elapsed_ns = 0
        self._latest_ns = 0
        self._invocations = 0
        self._running = False
        self._finished = False
        if self._stats is not NULL:
            ub_tstats_clear(self._stats)

    @property
    def stats(self):
        """Statistics of the segments (invocations) so far, as a
        :class:`~utopya_backend.bench._stats.TimerStats`; None if one-shot."""
        if self._stats is NULL:
            return None
        counts = np.empty(N_BUCKETS, dtype=np.int64)
        cdef int64_t[::1] view = counts
        memcpy(&view[0], self._stats.hist, sizeof(self._stats.hist))
        return TimerStats.from_raw(
            self._stats.count,
            self._stats.sum,
            self._stats.min,
            self._stats.max,
            (<object>self._stats.sumsq_hi << 64) | self._stats.sumsq_lo,
            counts,
        )

    @property
    def name(self):
        """The timer's name."""
        return self._name

    @property
    def running(self):
        """Whether the timer is currently running."""
        return self._running

    @property
    def finished(self):
        """Whether the timer was stopped (or, if one-shot, paused)."""
        return self._finished

    @property
    def elapsed(self):
        """Elapsed seconds, including the current segment while running."""
        return _ns_to_seconds(self._elapsed_ns_at(self._now()))

    @property
    def one_shot(self):
        """Whether the first pause finishes the timer."""
        return self._one_shot

    @property
    def invocations(self):
        """How often the timer was started or unpaused."""
        return self._invocations

    def __str__(self):
        # Same format in _timing_py.Timer.__str__.
        state = ""
        if self._running:
            state = ", running"
        elif self._finished:
            state = ", finished"
        return f"<Timer '{self._name}', {self.elapsed:.3g}s elapsed{state}>"

    def __repr__(self):
        return self.__str__()

    # .. copy and pickle (same shape and state in _timing_py) ..............

    def __reduce__(self):
        """Rebuild as ``type(self)(name)`` and ``__setstate__(state)``."""
        return (
            type(self),
            (self._name,),
            {
                "time_func": self._time_func,
                "one_shot": self._one_shot,
                "elapsed_ns": self._elapsed_ns,
                "latest_ns": self._latest_ns,
                "clock_origin": self._origin if self._has_origin else None,
                "invocations": self._invocations,
                "running": self._running,
                "finished": self._finished,
                "stats": self._stats_state(),
            },
        )

    def _stats_state(self):
        # (count, sum, min, max, sum_sq, ((bucket, count), ...)) or None;
        # same shape in _timing_py.
        if self._stats is NULL or self._stats.count == 0:
            return None
        cdef ub_tstats *s = self._stats
        return (
            s.count,
            s.sum,
            s.min,
            s.max,
            (<object>s.sumsq_hi << 64) | s.sumsq_lo,
            tuple((i, s.hist[i]) for i in range(UB_HIST_BUCKETS)
                  if s.hist[i]),
        )

    def __setstate__(self, state):
        """Restore the state :meth:`__reduce__` gives."""
        time_func = state["time_func"]
        if time_func is not None and not callable(time_func):
            raise TypeError(
                f"time_func of timer '{self._name}' must be callable, "
                f"got {time_func!r}"
            )
        self._time_func = time_func
        self._one_shot = state["one_shot"]
        self._elapsed_ns = state["elapsed_ns"]
        self._latest_ns = state["latest_ns"]
        self._invocations = state["invocations"]
        self._running = state["running"]
        self._finished = state["finished"]
        self._alloc_stats()
        self._set_stats_state(state.get("stats"))
        self._has_origin = False
        origin = state["clock_origin"]
        if time_func is None or origin is None:
            return
        if not self._running:
            self._origin = _clock_origin(time_func, origin)
            self._has_origin = True
            return
        # The clock (e.g. a deep copy) may have another origin here; the
        # running segment's start moves to it, so elapsed keeps counting.
        self._latest_ns += _relative_ns(self, origin)


    cdef _set_stats_state(self, stats):
        if self._stats is NULL:
            return
        ub_tstats_clear(self._stats)
        if stats is None:
            return
        count, total, lo, hi, sumsq, hist = _check_saved_state(stats)
        self._stats.count = count
        self._stats.sum = total
        self._stats.min = lo
        self._stats.max = hi
        self._stats.sumsq_lo = sumsq & 0xFFFFFFFFFFFFFFFF
        self._stats.sumsq_hi = sumsq >> 64
        for i, n in hist:
            self._stats.hist[i] = n
