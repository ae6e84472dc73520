# cython: language_level=3, embedsignature=True, auto_pickle=False
"""Compiled deflate ring: chunks compressed off the model's thread.

A :class:`DeflateRing` takes whole chunks of rows and compresses each with
zlib's ``compress2`` in one background thread that never holds the GIL
(``_dring.h``), so a model whose step is pure Python keeps its thread while
its output is compressed. :func:`write_chunk` stores a compressed chunk
with HDF5's direct chunk write. The pure-Python twin ``_deflate_py``
compresses on the calling thread instead (same results, same errors).
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int64_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport strerror

from ._checks import check_deflate_ring

__all__ = ["DeflateRing", "write_chunk"]


cdef extern from "_dring.h" nogil:
    ctypedef struct ub_ring:
        size_t chunk
        size_t bound
        int n
        int running
        unsigned char *in_ "in"
        unsigned char *out
        size_t *out_len
        int *status
        int *code
        long long head
        long long tail
        size_t fill
    ctypedef int (*ub_write_chunk_fn)(
        int64_t, int64_t, uint32_t, const unsigned long long *, size_t,
        const void *
    )
    int UB_FAILED
    size_t ub_deflate_bound(size_t len)
    int ub_deflate_buf(
        unsigned char *dst, size_t *dst_len, const unsigned char *src,
        size_t len, int level
    )
    ub_write_chunk_fn ub_find_write_chunk(const char *module_path)
    ub_ring *ub_ring_new(size_t chunk, int n, int level, const char **why)
    int ub_ring_alloc(ub_ring *r)
    int ub_ring_start(ub_ring *r)
    size_t ub_ring_put(ub_ring *r, const unsigned char *src, size_t len)
    size_t ub_ring_lend(ub_ring *r, const unsigned char *src, size_t len)
    int ub_ring_wait_done(ub_ring *r, long long upto)
    int ub_ring_head_ready(ub_ring *r, int wait)
    void ub_ring_free(ub_ring *r)


cdef class DeflateRing:
    """DeflateRing(chunk_nbytes, n_slots, level)
--

    Chunks of ``chunk_nbytes`` bytes deflated in the background, in order.

    :meth:`put` copies bytes in; each full chunk is queued, and compressed
    by the worker thread once :meth:`start` started it, else by :meth:`pop`
    on the caller's thread. :meth:`pop` returns the oldest compressed chunk (a zlib stream, as
    HDF5's deflate filter writes it). At most ``n_slots`` chunks are held,
    counting the one being filled: when every slot is taken, :meth:`put`
    stops short and the caller pops (so memory stays bounded).

    Raises:
        OSError: Where zlib cannot be loaded or there are no threads (the
            caller then compresses on its own thread).
    """

    cdef ub_ring *_r
    # Buffers of lent data (each holds its exporter, unseen by the cycle
    # collector, which could otherwise free lent rows the worker reads)
    # and the chunk after each one's last.
    cdef Py_buffer *_held
    cdef long long *_held_end
    cdef int _n_held
    cdef readonly Py_ssize_t chunk_nbytes
    cdef readonly int n_slots
    cdef readonly int level

    def __cinit__(self, chunk_nbytes, n_slots, level):
        cdef const char *why = NULL
        check_deflate_ring(chunk_nbytes, n_slots, level)
        self.chunk_nbytes = chunk_nbytes
        self.n_slots = n_slots
        self.level = level
        # One lent buffer per call, each with a chunk queued: at most one
        # per slot.
        self._held = <Py_buffer *>malloc(n_slots * sizeof(Py_buffer))
        self._held_end = <long long *>malloc(n_slots * sizeof(long long))
        self._n_held = 0
        if self._held == NULL or self._held_end == NULL:
            raise MemoryError("DeflateRing: no memory")
        self._r = ub_ring_new(chunk_nbytes, n_slots, level, &why)
        if self._r == NULL:
            raise OSError(f"DeflateRing: {why.decode()}")

    def __dealloc__(self):
        self._free()
        free(self._held)
        free(self._held_end)
        self._held = NULL
        self._held_end = NULL

    cdef void _free(self):
        cdef ub_ring *r = self._r
        self._r = NULL
        if r != NULL:
            with nogil:  # waits for the chunk being compressed
                ub_ring_free(r)
        self._release(-1)  # the worker is gone: lent data is free

    cdef void _release(self, long long upto):
        """Let go of the data lent for chunks before the ``upto``-th
        (all: -1), which are compressed."""
        cdef int i, k = 0
        while k < self._n_held and (upto < 0 or self._held_end[k] <= upto):
            PyBuffer_Release(&self._held[k])
            k += 1
        if k:
            for i in range(k, self._n_held):
                self._held[i - k] = self._held[i]
                self._held_end[i - k] = self._held_end[i]
            self._n_held -= k

    cdef ub_ring *_ring(self) except NULL:
        if self._r == NULL:
            raise ValueError("DeflateRing: the ring is closed")
        return self._r

    @property
    def threaded(self):
        """Whether a background thread compresses the chunks (after
        :meth:`start`); else :meth:`pop` compresses them."""
        return self._r != NULL and self._r.running != 0

    def start(self):
        """Compress in a background thread from now on (worth it once rows
        keep coming: a short series needs no thread).

        Raises:
            OSError: If no thread can be started (then :meth:`pop` goes on
                compressing on the caller's thread).
        """
        cdef ub_ring *r = self._ring()
        cdef int err
        if r.running:
            return
        if r.in_ == NULL and ub_ring_alloc(r) != 0:
            raise MemoryError("DeflateRing: no memory for the slots")
        err = ub_ring_start(r)
        if err:
            raise OSError(
                err,
                "DeflateRing: cannot start the compression thread: "
                + strerror(err).decode(),
            )

    @property
    def n_queued(self):
        """Full chunks given to the worker and not yet popped."""
        cdef ub_ring *r = self._ring()
        return r.tail - r.head

    @property
    def n_chunks(self):
        """Full chunks queued since the ring was made (the mark that
        :meth:`wait_done` takes)."""
        return self._ring().tail

    @property
    def filled(self):
        """Bytes in the chunk being filled."""
        return self._ring().fill

    def put(self, data, Py_ssize_t start=0):
        """Copy ``data``'s bytes from ``start`` on into the ring; return
        the position reached (``len`` of the bytes if all fit)."""
        cdef ub_ring *r = self._ring()
        cdef Py_buffer view
        cdef Py_ssize_t end
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            if not 0 <= start <= view.len:
                raise ValueError(
                    f"DeflateRing.put: start must be from 0 to {view.len}, "
                    f"got {start}"
                )
            if start == view.len:
                return start
            if r.in_ == NULL and ub_ring_alloc(r) != 0:
                raise MemoryError("DeflateRing: no memory for the slots")
            end = start + <Py_ssize_t>ub_ring_put(
                r, <const unsigned char *>view.buf + start, view.len - start
            )
        finally:
            PyBuffer_Release(&view)
        return end

    def lend(self, data, Py_ssize_t start=0):
        """As :meth:`put`, but the whole chunks of ``data`` are compressed
        where they are, not copied (bytes short of a chunk are copied):
        leave ``data`` unchanged until :meth:`wait_done` returns for them
        (the ring holds its buffer until then)."""
        cdef ub_ring *r = self._ring()
        cdef Py_buffer view
        cdef Py_ssize_t pos = start, m = 0
        cdef const unsigned char *buf
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            if not 0 <= start <= view.len:
                raise ValueError(
                    f"DeflateRing.lend: start must be from 0 to {view.len}, "
                    f"got {start}"
                )
            if start == view.len:
                return start
            if r.in_ == NULL and ub_ring_alloc(r) != 0:
                raise MemoryError("DeflateRing: no memory for the slots")
            buf = <const unsigned char *>view.buf
            if r.fill:  # the open chunk first, copied
                m = min(<Py_ssize_t>(r.chunk - r.fill), view.len - pos)
                pos += <Py_ssize_t>ub_ring_put(r, buf + pos, m)
            m = <Py_ssize_t>ub_ring_lend(r, buf + pos, view.len - pos)
            pos += m
            if view.len - pos < <Py_ssize_t>r.chunk:  # the rest, copied
                pos += <Py_ssize_t>ub_ring_put(r, buf + pos, view.len - pos)
        finally:
            if m:
                # Held until its chunks are compressed. Each held buffer
                # has a chunk not yet popped, and this one had a free slot:
                # there is room (one per slot).
                self._held[self._n_held] = view
                self._held_end[self._n_held] = r.tail
                self._n_held += 1
            else:
                PyBuffer_Release(&view)
        return pos

    def wait_done(self, long long upto):
        """Wait until the chunks queued before the ``upto``-th (a value
        of :attr:`n_chunks`) are compressed, compressing those no thread
        took yet here: the bytes lent for them are free again."""
        cdef ub_ring *r = self._ring()
        cdef int rc
        with nogil:
            rc = ub_ring_wait_done(r, upto)
        if rc == -2:
            raise RuntimeError(
                "DeflateRing: used in a forked process; its compression "
                "thread stayed in the parent"
            )
        self._release(upto)

    def pop(self, bint wait=True):
        """The oldest compressed chunk (bytes), taken out of the ring; None
        if no chunk is queued, or (unless ``wait``) it is not done yet.
        Without a worker, ``wait`` compresses it here; with one, a waiting
        caller compresses the chunks the worker has not taken meanwhile."""
        cdef ub_ring *r = self._ring()
        cdef int ready
        cdef size_t slot
        if wait:
            with nogil:
                ready = ub_ring_head_ready(r, 1)
        else:
            ready = ub_ring_head_ready(r, 0)
        if ready == -2:
            raise RuntimeError(
                "DeflateRing: used in a forked process; its compression "
                "thread stayed in the parent"
            )
        if ready != 1:
            return None
        slot = r.head % r.n
        r.head += 1
        self._release(r.head)  # data lent for popped chunks only
        if r.status[slot] == UB_FAILED:
            raise RuntimeError(
                f"DeflateRing: zlib could not compress a chunk of "
                f"{r.chunk} bytes (zlib error {r.code[slot]})"
            )
        return PyBytes_FromStringAndSize(
            <char *>r.out + slot * r.bound, r.out_len[slot]
        )

    def compress(self, data):
        """``data`` (bytes of one chunk) deflated here, on the caller's
        thread, as the ring deflates its chunks (for a chunk written before
        it is full, padded)."""
        cdef ub_ring *r = self._ring()
        cdef Py_buffer view
        cdef size_t n, length
        cdef int rc, level = self.level
        cdef unsigned char *dst
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            length = <size_t>view.len
            n = ub_deflate_bound(length)
            out = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>n)
            dst = <unsigned char *>PyBytes_AS_STRING(out)
            with nogil:
                rc = ub_deflate_buf(
                    dst, &n, <const unsigned char *>view.buf, length, level
                )
        finally:
            PyBuffer_Release(&view)
        if rc != 0:
            raise RuntimeError(
                f"DeflateRing: zlib could not compress a chunk of "
                f"{length} bytes (zlib error {rc})"
            )
        return out[:n]

    def partial(self):
        """A copy of the bytes in the chunk being filled."""
        cdef ub_ring *r = self._ring()
        if r.fill == 0:
            return b""
        return PyBytes_FromStringAndSize(
            <char *>r.in_ + (r.tail % r.n) * r.chunk, r.fill
        )

    def close(self):
        """Stop the worker (after the chunks it has) and free the ring; the
        chunks not popped are dropped. Closing again does nothing."""
        self._free()

    def __repr__(self):
        state = "closed" if self._r == NULL else f"{self.n_queued} queued"
        return (
            f"<DeflateRing: {self.n_slots} chunks of {self.chunk_nbytes} "
            f"bytes at level {self.level}, {state}>"
        )


# .. Direct chunk writes ......................................................

cdef ub_write_chunk_fn _h5_write_chunk = NULL
cdef object _phil = None
cdef bint _bound = False


cdef _bind_hdf5():
    """Find HDF5's H5Dwrite_chunk in the library h5py uses (h5py's own
    lock serialises calls into it); without it, h5py's method is used."""
    global _h5_write_chunk, _phil, _bound
    _bound = True
    try:
        import h5py.h5d
        from h5py._objects import phil
    except ImportError:
        return
    _h5_write_chunk = ub_find_write_chunk(h5py.h5d.__file__.encode())
    _phil = phil


def write_chunk(dsetid, int64_t row, data, int ndim):
    """Store ``data`` (a chunk as the dataset's filters wrote it) as the
    chunk of the dataset ``dsetid`` (an h5py ``DatasetID``) whose first row
    is ``row``; ``ndim`` is the dataset's rank.

    Calls HDF5 directly (about a third of h5py's ``write_direct_chunk``,
    which it falls back to, and which raises h5py's error if HDF5 fails).
    """
    cdef unsigned long long offset[32]
    cdef Py_buffer view
    cdef int i, rc = -1
    cdef int64_t hid
    if not _bound:
        _bind_hdf5()
    if _h5_write_chunk != NULL and 0 < ndim <= 32 and row >= 0:
        offset[0] = <unsigned long long>row
        for i in range(1, ndim):
            offset[i] = 0
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            with _phil:
                hid = dsetid.id
                rc = _h5_write_chunk(hid, 0, 0, offset, view.len, view.buf)
        finally:
            PyBuffer_Release(&view)
        if rc >= 0:
            return
    dsetid.write_direct_chunk((row,) + (0,) * (ndim - 1), data, filter_mask=0)
