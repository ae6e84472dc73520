# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, cdivision=True, always_allow_keywords=False, auto_pickle=False
"""Compiled timing core: timers on a C monotonic clock and the row buffer.

Times are kept as integer nanoseconds and turned into float seconds only at
the Python-facing edge. The pure-Python twin is ``_timing_py``; both must
agree on behaviour and error text.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport floor, isfinite
from libc.stdint cimport int64_t

import weakref

import numpy as np

__all__ = ["Timer", "InvocationBuffer", "IterationTimers", "monotonic_ns"]

DEFAULT_BLOCK_SIZE = 4096


def monotonic_ns():
    """monotonic_ns() -> int

    Read the clock the default timers use, in integer nanoseconds.
    """
    return ub_monotonic_ns()


cdef inline int64_t _seconds_to_ns(double seconds) noexcept nogil:
    # Round half up; _timing_py uses the same formula to match the C version.
    return <int64_t>floor(seconds * 1e9 + 0.5)


cdef inline double _ns_to_seconds(int64_t ns) noexcept nogil:
    return <double>ns / 1e9


# Readings of a custom ``time_func`` are integer ns relative to an origin in
# seconds, so that large clocks (e.g. 1e10 s, or a ns clock passed by mistake)
# keep ns resolution and stay within int64. Readings of one timer serve the
# pause of another (IterationTimers, the run loop), so the origin belongs to
# the clock, not to the timer: the first reading of a ``time_func`` object
# becomes its origin, kept here for as long as that object lives (weak keys:
# every timer using the clock holds it, so the origin outlives all readings
# made against it). A callable that is unhashable or not weak-referenceable
# gets the origin 0.0, which is shared trivially. ``_timing_py`` keeps its own
# registry with the same rules. The default clock needs no origin.
_CLOCK_ORIGINS = weakref.WeakKeyDictionary()

# Readings must stay within 2**62 ns (about 146 years) of the origin; then
# a segment (the difference of two readings) and, for a monotonic clock, any
# sum of disjoint segments stay below 2**63 ns and cannot overflow int64.
cdef double _MAX_READING_NS = 4611686018427387904.0


def _clock_origin(time_func, double reading):
    """Origin (seconds) of ``time_func``; ``reading`` if it has none yet."""
    try:
        return _CLOCK_ORIGINS.setdefault(time_func, reading)
    except TypeError:  # unhashable or not weak-referenceable
        return 0.0


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
        self.reset()
        if start:
            self.start()

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
        if self._running and not self._finished and self._time_func is None:
            # The hot path of the pair, spelled out like unpause().
            self._elapsed_ns += ub_monotonic_ns() - self._latest_ns
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
            },
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


cdef class InvocationBuffer:
    """Row buffer of cumulative timer values, one row per data write.

    Rows collect in a preallocated block of ``block_size`` rows; a full block
    goes to the datasets with one resize each, and :meth:`flush` writes the
    rest. Memory stays bounded however many rows are recorded.

    Args:
        timers: The timers whose elapsed seconds form each row's columns.
        dset_rows: Dataset of shape ``(n, len(timers))``, resizable along
            axis 0 (e.g. an ``h5py.Dataset``).
        dset_n_iterations: Dataset of shape ``(n,)`` that receives each
            row's iteration count.
        block_size: Rows per block.
        after_block: Called with no arguments after each block is written
            (e.g. to flush the file now and then); None for nothing.
    """

    def __cinit__(self, *args, **kwargs):
        self._rows = NULL
        self._n_iter = NULL

    def __init__(self, timers, dset_rows, dset_n_iterations, *,
                 Py_ssize_t block_size=DEFAULT_BLOCK_SIZE, after_block=None):
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        self._timers = list(timers)
        for t in self._timers:
            if not isinstance(t, Timer):
                raise TypeError(f"Expected Timer objects, got {t!r}")
        self._n_cols = len(self._timers)
        self._block_size = block_size
        self._n_pending = self._n_flushed = 0
        PyMem_Free(self._rows)
        PyMem_Free(self._n_iter)
        self._rows = <double *>PyMem_Malloc(
            block_size * max(self._n_cols, 1) * sizeof(double)
        )
        self._n_iter = <int64_t *>PyMem_Malloc(block_size * sizeof(int64_t))
        if self._rows == NULL or self._n_iter == NULL:
            raise MemoryError("Could not allocate the invocation buffer")
        self._dset_rows = dset_rows
        self._dset_n_iter = dset_n_iterations
        self._after_block = after_block
        self._regular = True
        self._step = 1

    def __dealloc__(self):
        PyMem_Free(self._rows)
        PyMem_Free(self._n_iter)

    cdef int _record(self, int64_t n_iterations, int64_t now) except -1:
        """Record a row at clock reading ``now``; return 1 if it flushed."""
        cdef Py_ssize_t i, offset = self._n_pending * self._n_cols
        cdef Py_ssize_t n_rows = self._n_flushed + self._n_pending
        cdef Timer t
        for i in range(self._n_cols):
            t = <Timer>self._timers[i]
            self._rows[offset + i] = _ns_to_seconds(t._elapsed_ns_at(now))
        self._n_iter[self._n_pending] = n_iterations
        if n_rows == 0:
            self._first = n_iterations
        elif n_rows == 1:
            self._step = n_iterations - self._first
            self._regular = self._step > 0
        elif n_iterations - self._last != self._step:
            self._regular = False
        self._last = n_iterations
        self._n_pending += 1
        if self._n_pending == self._block_size:
            self.flush()
            if self._after_block is not None:
                self._after_block()
            return 1
        return 0

    def record(self, n_iterations):
        """Record one row with the timers' current values."""
        cdef int64_t now = ub_monotonic_ns()
        self._record(n_iterations, now)

    def flush(self):
        """Write pending rows to the datasets; return how many were written."""
        cdef Py_ssize_t k = self._n_pending
        cdef Py_ssize_t start = self._n_flushed
        if k == 0:
            return 0
        rows = np.asarray(<double[:k * max(self._n_cols, 1)]>self._rows)
        rows = rows[: k * self._n_cols].reshape(k, self._n_cols)
        n_iter = np.asarray(<int64_t[:k]>self._n_iter)
        self._dset_rows.resize(start + k, axis=0)
        self._dset_rows[start:start + k] = rows
        self._dset_n_iter.resize(start + k, axis=0)
        self._dset_n_iter[start:start + k] = n_iter
        self._n_flushed += k
        self._n_pending = 0
        return k

    @property
    def timers(self):
        """The timers, in column order."""
        return tuple(self._timers)

    @property
    def block_size(self):
        """Rows held in memory before a block is written."""
        return self._block_size

    @property
    def n_rows(self):
        """Rows recorded so far, written or pending."""
        return self._n_flushed + self._n_pending

    @property
    def n_pending(self):
        """Rows recorded but not yet written."""
        return self._n_pending

    @property
    def regular(self):
        """Whether the rows' iteration counts are ``start + k * step``."""
        return self._regular and self.n_rows > 0

    @property
    def start(self):
        """Iteration count of the first row (0 before any row)."""
        return self._first

    @property
    def step(self):
        """Iteration count between rows if :attr:`regular` (else 1)."""
        return self._step if self._regular and self.n_rows > 1 else 1


cdef class IterationTimers:
    """The timers a run loop drives at C speed, with the row buffer.

    The three timers must share one clock, so one reading can serve a pause
    and the next unpause at the same point.

    Args:
        full_iteration: Times each whole loop iteration.
        model_iteration: Times each ``iterate()`` call.
        write_data: Times each data write, the buffer row included.
        buffer: Receives a row per data write; None records nothing.
    """

    def __init__(self, Timer full_iteration, Timer model_iteration,
                 Timer write_data, InvocationBuffer buffer=None):
        funcs = {
            id(t._time_func)
            for t in (full_iteration, model_iteration, write_data)
        }
        if len(funcs) != 1:
            raise ValueError(
                "The iteration timers must share one clock (time_func)"
            )
        self.full_iteration = full_iteration
        self.model_iteration = model_iteration
        self.write_data = write_data
        self.buffer = buffer

    cdef int64_t now(self) except? -1 nogil:
        return self.full_iteration._now()

    cdef int timed_write(self, object write_data,
                         int64_t n_iterations) except -1:
        cdef int64_t t0 = self.now()
        cdef int64_t t1
        self.write_data._unpause_at(t0)
        write_data()
        t1 = self.now()
        self.write_data._pause_at(t1)
        if self.buffer is not None and self.buffer._record(n_iterations, t1):
            # The block write belongs to this data write, too.
            self.write_data._elapsed_ns += self.now() - t1
        return 0

    def write(self, write_data, n_iterations):
        """Call ``write_data()`` under the write timer and record a row."""
        self.timed_write(write_data, n_iterations)
