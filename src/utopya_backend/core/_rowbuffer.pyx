# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, cdivision=True, auto_pickle=False
"""Compiled row buffer: typed rows in a preallocated block, handed over whole.

One mechanism for model output (``utopya_backend.io.TimeSeriesWriter``) and
the benchmark rows (``IterationTimers``): rows are copied into a block in C
and a full block goes to a Python sink in one call. Where the rows go (HDF5
layout, coordinates, flushing) is the sink's business. The pure-Python twin
is ``_rowbuffer_py``.
"""

cimport cython
from cpython.buffer cimport (
    PyBUF_C_CONTIGUOUS,
    PyBUF_FORMAT,
    PyBuffer_Release,
    PyObject_GetBuffer,
)
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.pythread cimport PyThread_get_thread_ident
from libc.stdint cimport int64_t
from libc.string cimport memcpy, strcmp


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define ub_prefetch_w(p) __builtin_prefetch((p), 1, 3)
    #else
    #define ub_prefetch_w(p) ((void)(p))
    #endif
    """
    void ub_prefetch_w(const void *p) nogil

import threading

import numpy as np

from ._rowcheck import (
    DEFAULT_BLOCK_BYTES,
    as_row,
    as_rows,
    check_layout,
    check_owner_ended,
)

__all__ = ["RowBuffer", "DEFAULT_BLOCK_BYTES"]

# Where rows of zero bytes "go": a valid address nothing is copied to.
cdef char _no_bytes[1]

# What the scalar fast path stores a Python float as.
DEF KIND_NONE = 0
DEF KIND_F8 = 1
DEF KIND_F4 = 2


@cython.embedsignature(False)
cdef class RowBuffer:
    """RowBuffer(name, row_shape, dtype, sink, *, block_rows=None, max_rows=None, label_source=None, label_attr='_n_iterations', labelled=False)
--

    A preallocated block of typed rows, handed over when full.

    Rows are copied into a block of ``block_rows`` rows; a full block (or
    the pending rows, on :meth:`flush`) goes to ``sink(rows, labels)`` in
    one call. Memory stays bounded however many rows are appended. If the
    sink raises, the rows stay pending and the next append or flush tries
    again; the buffer never grows past its block.

    Args:
        name: How errors name the buffer, e.g. ``"time series 'x'"``.
        row_shape: Shape of one row; ``()`` for scalars.
        dtype: Numpy dtype of the rows (no object dtypes).
        sink: Called with a view of the pending rows and of their labels
            (None if unlabelled); must copy what it keeps, unless it has a
            true ``borrows_rows`` attribute: then the rows stay unchanged
            until its next call returns (a second block fills meanwhile).
        block_rows: Rows per block; default: as many as fit in 1 MiB.
        max_rows: Most rows the buffer accepts in all; None for no limit.
        label_source: If given, each row is labelled with this object's
            ``label_attr`` attribute (an int) at the time it is appended.
        label_attr: Name of that attribute.
    """

    def __cinit__(
        self,
        name,
        row_shape,
        dtype,
        sink,
        *,
        block_rows=None,
        max_rows=None,
        label_source=None,
        label_attr="_n_iterations",
        bint labelled=False,
    ):
        # All allocation happens here: no instance exists without its block.
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        if not callable(sink):
            raise TypeError(f"sink of {name} must be callable, got {sink!r}")
        shape, dt, rows = check_layout(name, row_shape, dtype, block_rows)
        if max_rows is not None and (
            isinstance(max_rows, bool)
            or not isinstance(max_rows, int)
            or max_rows < 0
        ):
            raise ValueError(
                f"max_rows of {name} must be None or an int >= 0, "
                f"got {max_rows!r}"
            )
        self._name = name
        self._row_shape = shape
        self._dtype = dt
        self._sink = sink
        self._block_rows = rows
        self._has_max = max_rows is not None
        # More rows than int64 counts is no limit at all.
        self._max_rows = min(max_rows, 2**63 - 1) if self._has_max else 0
        self._label_source = label_source
        self._label_attr = str(label_attr)
        self._labelled = labelled or label_source is not None
        self._spare = None
        self._borrows = bool(getattr(sink, "borrows_rows", False))
        self._set_block(np.empty((rows,) + shape, dt))
        self._labels_arr = np.empty(rows if self._labelled else 0, np.int64)
        self._row_nbytes = dt.itemsize * int(np.prod(shape, dtype=object))
        self._row_ndim = len(shape)
        self._labels = (
            <int64_t *><size_t>self._labels_arr.ctypes.data
            if self._labelled else NULL
        )
        self._scalar_kind = KIND_NONE
        if self._row_ndim == 0 and dt == np.float64 and dt.isnative:
            self._scalar_kind = KIND_F8
        elif self._row_ndim == 0 and dt == np.float32 and dt.isnative:
            self._scalar_kind = KIND_F4
        try:
            self._format = memoryview(np.empty(0, dt)).format.encode()
        except (ValueError, TypeError, NotImplementedError):
            self._format = None
        self._n_pending = 0
        self._n_written = 0
        self._owner = 0

    # .. C-level API (see _rowbuffer.pxd) .....................................

    cdef int _set_block(self, object block) except -1:
        cdef unsigned char[::1] raw = block.reshape(-1).view(np.uint8)
        self._block = block
        self._data = &raw[0] if raw.shape[0] > 0 else NULL
        return 0

    cdef Py_ssize_t _hand_over(self) except -1:
        cdef Py_ssize_t k = self._n_pending
        if k == 0:
            return 0
        self._sink(
            self._block[:k], self._labels_arr[:k] if self._labelled else None
        )
        self._n_written += k
        self._n_pending = 0
        if self._borrows:
            # The sink reads these rows until its next call returns: fill
            # the other block meanwhile.
            spare = self._spare
            self._spare = self._block
            self._set_block(
                np.empty_like(self._spare) if spare is None else spare
            )
        return k

    cdef char *_slot(self) except NULL:
        if self._has_max and self._n_written + self._n_pending >= self._max_rows:
            self._raise_full()
        if self._n_pending >= self._block_rows:
            self._hand_over()
        if self._data == NULL:
            # Rows of zero bytes: any valid address will do.
            return _no_bytes
        return <char *>self._data + self._n_pending * self._row_nbytes

    cdef int _commit(self, int64_t label) except -1:
        cdef Py_ssize_t k = self._n_pending
        if self._labelled:
            self._labels[k] = label
        self._n_pending = k + 1
        if self._n_pending == self._block_rows:
            self._hand_over()
            self._prefetch_next()
            return 1
        self._prefetch_next()
        return 0

    cdef inline void _prefetch_next(self) noexcept:
        # Ask for the next row's lines now, for writing: the model's step
        # runs before the next append, and by then they are in this core's
        # cache (a 4 KiB row into a cold block costs 3x a warm one). Rows
        # past 16 KiB would not stay in the nearest caches anyway.
        cdef Py_ssize_t off, n = self._row_nbytes
        cdef char *dst
        if (
            n < 256
            or self._data == NULL
            or self._n_pending >= self._block_rows
        ):
            return
        dst = <char *>self._data + self._n_pending * n
        for off in range(0, min(n, 16384), 64):
            ub_prefetch_w(dst + off)

    cdef int64_t _label(self) except? -1:
        if self._label_source is None:
            return 0
        return getattr(self._label_source, self._label_attr)

    cdef int _check_thread(self, str what) except -1:
        # A buffer belongs to one thread at a time (see check_owner_ended).
        if self._owner != PyThread_get_thread_ident():
            self._claim(what)
        return 0

    def _claim(self, str what):
        cdef unsigned long before
        me = threading.current_thread()
        while True:
            before = self._owner
            if before != 0:
                # Python code: other threads may run, even claim it.
                check_owner_ended(self._name, what, me, self._owner_thread)
            if self._owner == before:
                # No Python code between the test and the claim.
                self._owner = PyThread_get_thread_ident()
                self._owner_thread = me
                return

    def _raise_full(self):
        # Same text in _rowbuffer_py.
        raise IndexError(
            f"Cannot append to {self._name}: it holds at most "
            f"{self._max_rows} rows"
        )

    cdef bint _exact_view(self, object row, Py_buffer *view) except -1:
        """Acquire ``row``'s buffer if it is C-contiguous with exactly the
        row's shape and format (the caller releases it); else False."""
        cdef int i
        if self._format is None:
            return False
        try:
            PyObject_GetBuffer(row, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
        except (BufferError, TypeError, ValueError):
            return False
        if (
            view.ndim == self._row_ndim
            and view.len == self._row_nbytes
            and view.format != NULL
            and strcmp(view.format, <const char *>self._format) == 0
        ):
            for i in range(view.ndim):
                if view.shape[i] != self._row_shape[i]:
                    break
            else:
                return True
        PyBuffer_Release(view)
        return False

    # .. Python API ...........................................................

    def append(self, row):
        """Append one row: a scalar or an array of the row's shape."""
        cdef int64_t label
        cdef char *dst
        cdef double v
        cdef Py_buffer view
        if self._owner != PyThread_get_thread_ident():  # _check_thread
            self._claim("append to")
        label = self._label()
        if self._scalar_kind != KIND_NONE and PyFloat_CheckExact(row):
            v = PyFloat_AS_DOUBLE(row)
            dst = self._slot()
            if self._scalar_kind == KIND_F8:
                (<double *>dst)[0] = v
            else:
                (<float *>dst)[0] = <float>v
            self._commit(label)
            return
        if self._row_ndim > 0 and self._exact_view(row, &view):
            try:
                dst = self._slot()
                memcpy(dst, view.buf, self._row_nbytes)
            finally:
                PyBuffer_Release(&view)
            self._commit(label)
            return
        value = as_row(self._name, row, self._row_shape, self._dtype)
        if not value.flags.c_contiguous:
            # A column, a strided, reversed or broadcast view: copy it in
            # row order first, the raw bytes are not the row.
            value = np.ascontiguousarray(value)
        dst = self._slot()
        if self._row_nbytes:
            memcpy(dst, <char *><size_t>value.ctypes.data, self._row_nbytes)
        self._commit(label)

    def extend(self, rows):
        """Append many rows at once (a sequence or an array of rows)."""
        cdef int64_t label
        cdef Py_ssize_t n, i = 0, k, m
        self._check_thread("extend")
        label = self._label()
        values = as_rows(self._name, rows, self._row_shape, self._dtype)
        n = len(values)
        if self._has_max and len(self) + n > self._max_rows:
            raise IndexError(
                f"Cannot append {n} rows to {self._name}: it holds at most "
                f"{self._max_rows} rows and has {len(self)}"
            )
        while i < n:
            self._slot()
            k = self._n_pending
            m = min(n - i, self._block_rows - k)
            self._block[k:k + m] = values[i:i + m]
            if self._labelled:
                self._labels_arr[k:k + m] = label
            self._n_pending = k + m
            i += m
            if self._n_pending == self._block_rows:
                self._hand_over()

    def flush(self):
        """Hand the pending rows to the sink; return how many."""
        if self._n_pending:
            self._check_thread("flush")
        return self._hand_over()

    def __len__(self):
        return self._n_written + self._n_pending

    @property
    def name(self):
        """How errors name this buffer."""
        return self._name

    @property
    def row_shape(self):
        """Shape of one row."""
        return self._row_shape

    @property
    def dtype(self):
        """Numpy dtype of the rows."""
        return self._dtype

    @property
    def block_rows(self):
        """Rows held in memory before a block is handed over."""
        return self._block_rows

    @property
    def max_rows(self):
        """Most rows accepted in all, or None."""
        return self._max_rows if self._has_max else None

    @property
    def labelled(self):
        """Whether each row carries an int label."""
        return self._labelled

    @property
    def n_pending(self):
        """Rows appended but not yet handed over."""
        return self._n_pending

    @property
    def n_written(self):
        """Rows the sink accepted."""
        return self._n_written

    def __repr__(self):
        return (
            f"<RowBuffer {self._name}: {len(self)} rows of shape "
            f"{self._row_shape} and dtype {self._dtype}, "
            f"{self._n_pending} pending>"
        )
