"""Whole chunks of rows, deflated off the model's thread, written directly.

A :class:`ChunkSink` takes the blocks a row buffer hands over, as a
:class:`~._sink.DatasetSink` does, for a dataset whose only filter is
deflate (gzip). It borrows the rows (``borrows_rows``: the row buffer
fills a second block meanwhile) and lends their whole chunks to a
:class:`DeflateRing`, which compresses them where they are in a background
thread (compiled core) or at once (pure-Python twin); at its next call it
writes the finished chunks with HDF5's direct chunk write, one resize for
all of them. What a reader gets is what HDF5's own filter would have
written: same values, dtype, shape, filter and level.

The chunk not yet full is stored whole (padded with the fill value) when
the output syncs, at least once a second, and at the end; the full chunk
replaces it later. The dataset's length is always the rows really
written, labels included.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Mapping, Optional, Union

import h5py
import numpy as np

from ..core import _deflate_py, _impl
from ..core._rowcheck import DEFAULT_BLOCK_BYTES
from ._sink import DatasetSink, closed_error, write_error
from ._sync import FileFlusher

__all__ = ["ChunkSink", "RING_BYTES", "deflate_level", "may_use_ring"]

RING_BYTES = 2 * DEFAULT_BLOCK_BYTES
"""Most bytes of rows a sink holds for compression (2 MiB: two blocks,
one compressing while the next fills); a full ring makes the model wait."""


START_CHUNKS = 8
"""Chunks queued at one hand-over that start the ring's thread (fewer are
compressed on the model's thread as the sink drains: a short series, or
one written only at syncs, pays for no thread)."""


def _start(ring: Any) -> None:
    """Compress in the background from now on, where there are threads."""
    if not ring.threaded:
        try:
            ring.start()
        except OSError:
            pass  # no thread: the pops compress on the caller's thread


def may_use_ring(compression: Any, dset_kwargs: Mapping[str, Any]) -> bool:
    """Whether a dataset made with these keywords will likely pass
    :func:`deflate_level` (then its chunks are sized for the ring)."""
    level = compression
    if compression is True or compression == "gzip":  # h5py's gzip
        level = dset_kwargs.get("compression_opts", 4)
    extra = ("shuffle", "fletcher32", "scaleoffset")
    return (
        isinstance(level, int)
        and not isinstance(level, bool)
        and 0 <= level <= 9
        and not any(dset_kwargs.get(k) for k in extra)
        and np.dtype(dset_kwargs.get("dtype", "f4")).kind in "biuf"
    )


def deflate_level(dset: h5py.Dataset) -> Optional[int]:
    """The deflate level of ``dset`` if a :class:`ChunkSink` can write it:
    empty, deflate its only filter, chunks of whole rows, plain numbers
    whose bytes are the file's; else None.

    Reads the creation properties once (h5py's ``compression``, ``chunks``
    and ``maxshape`` each read them anew: 10 times the cost).
    """
    dcpl = dset.id.get_create_plist()
    if dcpl.get_layout() != h5py.h5d.CHUNKED or dcpl.get_nfilters() != 1:
        return None
    code, _, values, _ = dcpl.get_filter(0)
    space = dset.id.get_space()
    shape = space.shape
    maxshape = space.get_simple_extent_dims(True)
    if (
        code != h5py.h5z.FILTER_DEFLATE
        or len(values) != 1
        or not 0 <= values[0] <= 9
        or shape[0] != 0
        or tuple(dcpl.get_chunk()[1:]) != tuple(shape[1:])
        or tuple(maxshape[1:]) != tuple(shape[1:])
        or dset.dtype.kind not in "biuf"
        or dset.id.get_type().get_size() != dset.dtype.itemsize
    ):
        return None
    return int(values[0])


class ChunkSink(DatasetSink):
    """Write handed-over blocks to ``dset`` as compressed chunks.

    Args:
        dset: Empty dataset with the rows along axis 0 (see
            :func:`deflate_level`).
        labels: Dataset receiving each row's label, or None.
        flusher: Flushes the file at most once a second after a block.
        level: The dataset's deflate level.
    """

    borrows_rows = True
    """The row buffer leaves the rows it hands over unchanged until the
    next call returns (it fills another block meanwhile): whole chunks of
    them are compressed where they are, not copied."""

    __slots__ = (
        "level",
        "n_accepted",
        "_ring",
        "_ready",
        "_labq",
        "_next0",
        "_chunk_rows",
        "_row_nbytes",
        "_tail",
        "_carry",
        "_failed",
    )

    def __init__(
        self,
        dset: h5py.Dataset,
        labels: Optional[h5py.Dataset] = None,
        *,
        flusher: Optional[FileFlusher] = None,
        level: int,
    ) -> None:
        super().__init__(dset, labels, flusher=flusher)
        self.level = level
        self.n_accepted = self.n_rows
        """Rows taken from the row buffer (written, queued or partial)."""
        self._ring: Any = None  # made at the first block
        self._ready: Deque[Union[bytes, BaseException]] = deque()
        """Chunks taken from the ring, not yet written (or its error)."""
        self._labq: Deque[np.ndarray] = deque()
        self._next0 = self.n_rows
        """First row of the oldest chunk not yet written."""
        self._chunk_rows = int(dset.chunks[0])
        self._row_nbytes = dset.dtype.itemsize * int(np.prod(dset.shape[1:]))
        # h5py's low-level calls (``resize`` and ``ndim`` cost 10 times
        # more) on ``dset.id``, read at each use: leaving SWMR mode binds
        # the dataset to a reopened file (see ``._swmr.leave``).
        self._tail = tuple(dset.shape[1:])
        # The open chunk may be on disk twice: as a sync wrote it (in
        # part) and whole (the old space is freed at the flush right after,
        # see _write_ready): each block claims two chunks ahead.
        self._chunk_bytes *= 2
        self._carry = b""
        """The open chunk's rows while there is no ring (after close)."""
        self._failed: Optional[BaseException] = None

    @property
    def n_queued(self) -> int:
        """Full chunks accepted and not yet written."""
        ring = self._ring
        return len(self._ready) + (0 if ring is None else ring.n_queued)

    def _make_ring(self) -> Any:
        nbytes = self._chunk_rows * self._row_nbytes
        n_slots = max(2, RING_BYTES // nbytes)
        try:
            ring = _impl.DeflateRing(nbytes, n_slots, self.level)
        except OSError:  # no libz (or no threads): compress here
            ring = _deflate_py.DeflateRing(nbytes, n_slots, self.level)
        ring.put(self._carry)  # less than a chunk: all fits
        self._carry = b""
        return ring

    def __call__(self, rows: np.ndarray, labels: Any = None) -> None:
        k = len(rows)
        if not self.dset.id.valid:
            raise closed_error(self.where, self.n_accepted - self.n_rows + k)
        self._write_ready(wait=False)  # what was compressed meanwhile
        ring = self._ring
        if ring is not None and ring.n_queued:
            # Chunks of an earlier block wait: rows keep coming faster
            # than the syncs, so compress in the background from now on.
            # (A series written only at syncs compresses as it drains.)
            _start(ring)
        nbytes = rows.nbytes + (0 if labels is None else labels.nbytes)
        self._check_space(k, nbytes)
        self._put(rows)
        if self._ring.n_queued >= START_CHUNKS:
            _start(self._ring)  # a block: compressed while the next fills
        if self.labels is not None:
            self._labq.append(np.array(labels, dtype=np.int64))
        self.n_accepted += k
        if labels is not None:
            self._track(labels)
        if self._flusher is not None:
            self._flusher.unflushed += nbytes
            self._flusher.flush_if_due()

    def _put(self, rows: np.ndarray) -> None:
        """Lend all of ``rows`` to the ring (whole chunks are compressed
        where they are); while it is full, take the oldest chunk out
        (waiting for it) to be written next. Returns once the rows lent at
        the call before are compressed: the row buffer fills those next
        (see ``borrows_rows``)."""
        if self._ring is None:
            self._ring = self._make_ring()
        ring, pos, end = self._ring, 0, rows.nbytes
        mark = ring.n_chunks
        while True:
            pos = ring.lend(rows, pos)
            if pos >= end:
                break
            try:
                self._ready.append(ring.pop(wait=True))
            except Exception as exc:  # raised at the next write
                self._ready.append(exc)
        ring.wait_done(mark)

    def _write_ready(self, wait: bool) -> None:
        """Write the compressed chunks in order; ``wait`` for all of them
        (else only those done). On failure the dataset keeps the rows
        written before and the chunk is tried again next time."""
        if self._failed is not None:
            raise self._failed
        ring = self._ring
        while ring is not None:
            try:
                chunk = ring.pop(wait=wait)
            except Exception as exc:
                chunk = exc
            if chunk is None:
                break
            self._ready.append(chunk)
        if self._ready and self._next0 < self.n_rows:
            # This chunk replaces rows a sync wrote: HDF5 frees their old
            # space and may reuse it at once, while the file's index on
            # disk points there until the next flush. Flush right after
            # it, so a killed process leaves a file that reads.
            self._write_chunks(1)
            self._flush_now()
        if self._ready:
            self._write_chunks(len(self._ready))

    def _write_chunks(self, count: int) -> None:
        """Write the first ``count`` ready chunks (one resize)."""
        n, cr, dsid, tail = (
            self.n_rows,
            self._chunk_rows,
            self.dset.id,
            self._tail,
        )
        ndim, extent = 1 + len(tail), n
        error: Optional[BaseException] = None
        try:
            end = max(n, self._next0 + count * cr)
            dsid.set_extent((end,) + tail)
            extent = end
            for _ in range(count):
                chunk = self._ready[0]
                if isinstance(chunk, BaseException):
                    # Its rows are gone: the ones after them can never
                    # follow without a gap.
                    self._failed = write_error(
                        chunk, self.dset, self.n_accepted - self._next0
                    )
                    error = chunk
                    break
                _impl.write_chunk(dsid, self._next0, chunk, ndim)
                self._ready.popleft()
                self._next0 += cr
        except BaseException as exc:
            error = exc
        self._written(max(n, self._next0), error, extent)

    def _written(
        self, good: int, error: Optional[BaseException], extent: int = -1
    ) -> None:
        """Rows up to ``good`` are in the file (the dataset's length is
        ``extent``, or -1: unknown): cut the dataset there and label them;
        raise what went wrong on the way (naming the file)."""
        n = self.n_rows
        try:
            if extent != good:
                self.dset.id.set_extent((good,) + self._tail)
            if self.labels is not None and good > n:
                self.labels.resize(good, axis=0)
                self.labels[n:good] = self._take_labels(good - n)
            self.n_rows = good
        except BaseException as exc:
            self._shrink(n)
            # Those rows' chunks are gone from the queue: lost for good.
            self._failed = write_error(exc, self.dset, good - n)
            raise self._failed from exc
        if self._failed is not None:
            raise self._failed from error
        if error is not None:
            k = len(self._ready) * self._chunk_rows
            raise write_error(error, self.dset, k) from error

    def _take_labels(self, m: int) -> np.ndarray:
        parts = []
        while m > 0:
            head = self._labq[0]
            if len(head) <= m:
                parts.append(self._labq.popleft())
                m -= len(head)
            else:
                parts.append(head[:m])
                self._labq[0] = head[m:]
                m = 0
        return np.concatenate(parts)

    def drain(self) -> None:
        """Write every accepted row: wait for the queued chunks, then write
        the rows of the chunk not yet full the ordinary way."""
        lost = self.n_accepted - self.n_rows
        if lost and not self.dset.id.valid:
            raise closed_error(self.where, lost)
        self._write_ready(wait=True)
        ring = self._ring
        if ring is None or not ring.filled:
            return
        m = ring.filled // self._row_nbytes
        first = self.n_accepted - m  # the open chunk's first row
        n, new = self.n_rows, self.n_accepted
        if new <= n:
            return  # written at an earlier sync
        # The open chunk, padded with the fill value, deflated here as the
        # ring would (HDF5's filter deflates a large chunk at half that
        # speed) and stored whole; the full chunk replaces it later.
        block = np.empty((self._chunk_rows,) + self._tail, self.dset.dtype)
        block.reshape(-1).view(np.uint8)[: ring.filled] = np.frombuffer(
            ring.partial(), np.uint8
        )
        block[m:] = self.dset.fillvalue
        try:
            data = ring.compress(block)
            self.dset.id.set_extent((new,) + self._tail)
            _impl.write_chunk(self.dset.id, first, data, 1 + len(self._tail))
            if first < n:  # replaced rows a sync wrote: see _write_ready
                self._flush_now()
        except BaseException as exc:
            self._written(n, None)
            raise write_error(exc, self.dset, new - n) from exc
        self._written(new, None)

    def _flush_now(self) -> None:
        if self._flusher is not None:
            self._flusher.flush(renew=False)
        else:
            self.dset.file.flush()

    def close(self) -> None:
        """Stop the ring's thread once :meth:`drain` wrote every chunk (if
        it could not, the ring stays, for a retry); a later block makes a
        new ring, which starts with the rows of the chunk not yet full."""
        ring = self._ring
        if ring is not None and not ring.n_queued and not self._ready:
            self._carry = ring.partial()
            self._ring = None
            ring.close()
