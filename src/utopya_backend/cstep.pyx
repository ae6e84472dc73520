# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, auto_pickle=False
"""Compiled model steps: the C-level interface a model's Cython step uses.

See ``cstep.pxd`` for what a model cimports, and the guide page "Compiled
steps". The run loop (``_loop``) calls :meth:`CStep.step` through the
vtable; the pure-Python twin loop calls the step object instead.
"""

from libc.stdint cimport int64_t
from libc.string cimport memcpy

from ._rowbuffer cimport RowBuffer
from ._timing cimport ub_monotonic_ns

import numpy as np


cdef extern from "<signal.h>" nogil:
    int raise_signal "raise" (int signum)

__all__ = ["CStep", "LoopCounters", "RowWriter"]


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


cdef class RowWriter:
    """RowWriter(writer)
--

    C-level appends to a time-series writer (``model.create_ts_writer``)
    of the compiled core: rows go to the same buffer, with the same labels,
    row limit and file, as ``writer.append``'s.
    """

    def __init__(self, writer):
        cdef RowBuffer buffer
        obj = getattr(writer, "_buffer", writer)
        if not isinstance(obj, RowBuffer):
            raise TypeError(
                f"RowWriter needs a time-series writer of the compiled "
                f"core, got {writer!r}"
            )
        buffer = obj
        self.buffer = buffer
        self.name = buffer._name
        dtype = np.dtype(buffer._dtype)
        scalar = buffer._row_shape == ()
        self._scalar_f8 = scalar and dtype == np.float64
        self._scalar_f4 = scalar and dtype == np.float32
        self._rows_f4 = dtype == np.float32
        self._n = (
            int(np.prod(buffer._row_shape))
            if dtype == np.float64 or self._rows_f4 else -1
        )

    cdef int append_double(self, double value) except -1:
        cdef int64_t label
        cdef char *dst
        if not (self._scalar_f8 or self._scalar_f4):
            self._wrong_row("a double")
        label = self.buffer._label()
        dst = self.buffer._slot()
        if self._scalar_f8:
            (<double *>dst)[0] = value
        else:
            (<float *>dst)[0] = <float>value
        self.buffer._commit(label)
        return 0

    cdef int append_row(self, const double *values, Py_ssize_t n) except -1:
        cdef int64_t label
        cdef char *dst
        cdef Py_ssize_t i
        if n != self._n:
            self._wrong_row(f"{n} doubles")
        label = self.buffer._label()
        dst = self.buffer._slot()
        if self._rows_f4:
            for i in range(n):
                (<float *>dst)[i] = <float>values[i]
        elif n:
            memcpy(dst, values, n * sizeof(double))
        self.buffer._commit(label)
        return 0

    cdef int append_view(self, const double[::1] values) except -1:
        return self.append_row(&values[0] if values.shape[0] else NULL,
                               values.shape[0])

    def _wrong_row(self, what):
        raise ValueError(
            f"Cannot append {what} to {self.name}: its rows have shape "
            f"{self.buffer._row_shape} and dtype {self.buffer._dtype}"
        )

    def __len__(self):
        return len(self.buffer)


cdef class _AppendStep(CStep):
    """_AppendStep(scalar, row)
--

    A step for tests: appends ``time / 2`` to RowWriter ``scalar`` and
    ``[time, -time]`` to RowWriter ``row`` (time before the step).
    """

    cdef RowWriter scalar, row

    def __init__(self, RowWriter scalar not None, RowWriter row not None):
        self.scalar, self.row = scalar, row

    cdef int step(self) except -1:
        cdef double t = <double>self.counters.time
        cdef double pair[2]
        self.scalar.append_double(t / 2)
        pair[0], pair[1] = t, -t
        self.row.append_row(pair, 2)
        return 0


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
