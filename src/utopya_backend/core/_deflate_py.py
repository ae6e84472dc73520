"""Pure-Python twin of the compiled deflate ring ``_deflate``.

Same arguments, results and errors, but each full chunk is compressed on
the calling thread, at :meth:`DeflateRing.put`: a Python thread would hold
the GIL half the time, and wait up to the interpreter's switch interval
(5 ms) for it after each chunk, so it could not keep up with a model whose
step is pure Python. Only the copy per chunk is saved over HDF5's own
deflate filter; the model's thread still pays for compression.
"""

from __future__ import annotations

import zlib
from collections import deque
from typing import Any, Deque, Optional

from ._checks import check_deflate_ring

__all__ = ["DeflateRing", "write_chunk"]

PIECE = 32 * 1024
"""Chunks larger than zlib's window are deflated in pieces of this size
with a full flush after each: one zlib stream, at the speed of each piece
alone (as ``_dring.h`` does; the bytes are the same)."""


def _deflate(data: Any, level: int) -> bytes:
    view = memoryview(data).cast("B")
    if len(view) <= PIECE:
        return zlib.compress(view, level)
    z = zlib.compressobj(level)
    out = []
    for pos in range(0, len(view), PIECE):
        out.append(z.compress(view[pos : pos + PIECE]))
        last = pos + PIECE >= len(view)
        out.append(z.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
    return b"".join(out)


class DeflateRing:
    """Chunks of ``chunk_nbytes`` bytes deflated in order (here: at once).

    :meth:`put` copies bytes in; each full chunk is compressed. :meth:`pop`
    returns the oldest compressed chunk (a zlib stream, as HDF5's deflate
    filter writes it). At most ``n_slots`` chunks are held, counting the
    one being filled: when every slot is taken, :meth:`put` stops short
    and the caller pops (so memory stays bounded).
    """

    __slots__ = (
        "chunk_nbytes",
        "n_slots",
        "level",
        "_n_chunks",
        "_open",
        "_done",
    )

    def __init__(self, chunk_nbytes: int, n_slots: int, level: int) -> None:
        check_deflate_ring(chunk_nbytes, n_slots, level)
        self.chunk_nbytes = chunk_nbytes
        self.n_slots = n_slots
        self.level = level
        self._open: Optional[bytearray] = bytearray()
        self._done: Deque[bytes] = deque()
        self._n_chunks = 0

    def _ring(self) -> bytearray:
        if self._open is None:
            raise ValueError("DeflateRing: the ring is closed")
        return self._open

    @property
    def threaded(self) -> bool:
        """Whether a background thread compresses the chunks (never here)."""
        return False

    def start(self) -> None:
        """Where the compiled ring starts its thread: nothing to start."""
        self._ring()

    @property
    def n_queued(self) -> int:
        """Full chunks compressed and not yet popped."""
        self._ring()
        return len(self._done)

    @property
    def n_chunks(self) -> int:
        """Full chunks queued since the ring was made (the mark that
        :meth:`wait_done` takes)."""
        self._ring()
        return self._n_chunks

    @property
    def filled(self) -> int:
        """Bytes in the chunk being filled."""
        return len(self._ring())

    def put(self, data: Any, start: int = 0) -> int:
        """Copy ``data``'s bytes from ``start`` on into the ring; return
        the position reached (``len`` of the bytes if all fit)."""
        buf = self._ring()
        view = memoryview(data).cast("B")
        if not 0 <= start <= len(view):
            raise ValueError(
                f"DeflateRing.put: start must be from 0 to {len(view)}, "
                f"got {start}"
            )
        pos, chunk = start, self.chunk_nbytes
        while pos < len(view) and len(self._done) < self.n_slots:
            m = min(chunk - len(buf), len(view) - pos)
            buf += view[pos : pos + m]
            pos += m
            if len(buf) == chunk:
                self._done.append(_deflate(buf, self.level))
                self._n_chunks += 1
                buf.clear()
        return pos

    def lend(self, data: Any, start: int = 0) -> int:
        """As :meth:`put` (the compiled ring compresses whole chunks where
        they are; here each is compressed at once, so none is held)."""
        try:
            return self.put(data, start)
        except ValueError as exc:
            raise ValueError(str(exc).replace(".put:", ".lend:")) from None

    def wait_done(self, upto: int) -> None:
        """Where the compiled ring waits for the chunks queued before the
        ``upto``-th: here every chunk is compressed when queued."""
        self._ring()

    def pop(self, wait: bool = True) -> Optional[bytes]:
        """The oldest compressed chunk (bytes), taken out of the ring; None
        if no chunk is queued (``wait`` is for the compiled ring's sake:
        here every queued chunk is done)."""
        self._ring()
        return self._done.popleft() if self._done else None

    def compress(self, data: Any) -> bytes:
        """``data`` (bytes of one chunk) deflated here, on the caller's
        thread, as the ring deflates its chunks (for a chunk written before
        it is full, padded)."""
        self._ring()
        return _deflate(data, self.level)

    def partial(self) -> bytes:
        """A copy of the bytes in the chunk being filled."""
        return bytes(self._ring())

    def close(self) -> None:
        """Free the ring; the chunks not popped are dropped. Closing again
        does nothing."""
        self._open = None
        self._done.clear()

    def __repr__(self) -> str:
        state = "closed" if self._open is None else f"{self.n_queued} queued"
        return (
            f"<DeflateRing: {self.n_slots} chunks of {self.chunk_nbytes} "
            f"bytes at level {self.level}, {state}>"
        )


def write_chunk(dsetid: Any, row: int, data: Any, ndim: int) -> None:
    """Store ``data`` (a chunk as the dataset's filters wrote it) as the
    chunk of the dataset ``dsetid`` (an h5py ``DatasetID``) whose first row
    is ``row``; ``ndim`` is the dataset's rank."""
    offset = (row,) + (0,) * (ndim - 1)
    dsetid.write_direct_chunk(offset, data, filter_mask=0)
