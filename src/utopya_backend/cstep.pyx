# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, auto_pickle=False
"""Compiled model steps: the C-level interface a model's Cython step uses.

See ``cstep.pxd`` for what a model cimports, and the guide page "Compiled
steps". The run loop (``_loop``) calls :meth:`CStep.step` through the
vtable; the pure-Python twin loop calls the step object instead.
"""

from libc.stdint cimport int64_t
from libc.string cimport memcpy
from cpython.exc cimport PyErr_Occurred

from .core._rowbuffer cimport RowBuffer
from .core._timing cimport ub_monotonic_ns

import numpy as np


cdef extern from "<signal.h>" nogil:
    int raise_signal "raise" (int signum)

from cpython.pycapsule cimport (
    PyCapsule_CheckExact,
    PyCapsule_GetContext,
    PyCapsule_GetName,
    PyCapsule_GetPointer,
    PyCapsule_New,
)

__all__ = ["CStep", "FuncStep", "LoopCounters", "RowWriter", "as_step"]

STEP_SIGNATURE = "int (void *)"
"""The C signature of a step function: ``int step(void *user_data)``."""


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
        self.buffer._check_thread("append to")
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
        self.buffer._check_thread("append to")
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


cdef class FuncStep(CStep):
    """FuncStep(source, user_data=None)
--

    A step that is a C function ``int step(void *user_data)`` (0 on
    success), resolved once to a function pointer from ``source``:

    - a PyCapsule named ``"int (void *)"`` (its context is the user data
      unless ``user_data`` is given), e.g. from ``__pyx_capi__`` of a Cython
      module or a ``scipy.LowLevelCallable``'s ``function``;
    - ``(module, name)``: the entry ``name`` of ``module.__pyx_capi__``;
    - a numba ``cfunc`` with signature ``int32(voidptr)``.

    ``user_data``: None, an int address, or an object with a writable
    buffer (e.g. a numpy array), which is kept alive.
    """

    def __init__(self, source, user_data=None):
        cdef void *ptr = NULL
        cdef void *ctx = NULL
        self.source = source
        if isinstance(source, tuple) and len(source) == 2:
            module, name = source
            capi = getattr(module, "__pyx_capi__", None)
            if not isinstance(capi, dict) or name not in capi:
                raise ValueError(
                    f"{getattr(module, '__name__', module)!r} exports no "
                    f"C function {name!r} (see its __pyx_capi__)"
                )
            source = capi[name]
        if PyCapsule_CheckExact(source):
            got = PyCapsule_GetName(source)
            sig = got.decode() if got != NULL else None
            if sig != STEP_SIGNATURE:
                raise ValueError(
                    f"A step capsule must be named {STEP_SIGNATURE!r} (the "
                    f"C signature), got {sig!r}"
                )
            ptr = PyCapsule_GetPointer(source, got)
            ctx = PyCapsule_GetContext(source)
            self._keep = source
        elif hasattr(source, "address") and hasattr(source, "ctypes"):
            sig = getattr(source, "_sig", None)
            args = tuple(str(a) for a in getattr(sig, "args", ()))
            if (
                args not in (("void*",), ("voidptr",))
                or str(getattr(sig, "return_type", "")) != "int32"
            ):
                raise ValueError(
                    f"A numba step must be a cfunc with signature "
                    f"int32(voidptr), got {str(sig)!r}"
                )
            ptr = <void *><size_t>source.address
            self._keep = source
        else:
            raise TypeError(
                f"Cannot make a C step of {source!r}: need a PyCapsule "
                f"named {STEP_SIGNATURE!r}, (module, name) of a __pyx_capi__ "
                f"function, or a numba cfunc int32(voidptr)"
            )
        if user_data is not None:
            ctx = _address(user_data)
            self._keep = (self._keep, user_data)
        self.func = <step_func>ptr
        self.user_data = ctx

    cdef int step(self) except -1:
        cdef int rc = self.func(self.user_data)
        if rc != 0:
            if not PyErr_Occurred():
                raise RuntimeError(
                    f"The C step {self.source!r} returned {rc}"
                )
            return -1
        return 0


cdef void *_address(object data) except? NULL:
    cdef const unsigned char[::1] view
    if isinstance(data, int):
        return <void *><size_t>data
    view = memoryview(data).cast("B")
    return <void *>&view[0] if view.shape[0] else NULL


def as_step(source):
    """The step object the run loop calls for ``source`` (a model's
    ``perform_step``): a CStep as it is, a capsule or numba cfunc as a
    :class:`FuncStep`, anything else None (a Python call)."""
    if isinstance(source, CStep):
        return source
    if PyCapsule_CheckExact(source) or (
        hasattr(source, "address") and hasattr(source, "ctypes")
        and hasattr(source, "_sig")
    ):
        return FuncStep(source)
    return None


cdef int _demo_count(void *user_data) noexcept:
    # A step function for tests: counts in the int64 at user_data.
    (<int64_t *>user_data)[0] += 1
    return 0


def _demo_capsule():
    """A capsule of a step function that counts in its user data."""
    return PyCapsule_New(<void *>_demo_count, b"int (void *)", NULL)


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
