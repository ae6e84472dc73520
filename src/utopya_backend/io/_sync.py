"""When buffered rows reach the file: the flush policy of a model's output.

Rows wait in row buffers; full blocks are written at once. To bound what a
killed process (SIGKILL) loses, pending rows are written and the file is
flushed at most once per :data:`INTERVAL_NS`, which costs next to nothing
per row. The end of a run, a handled signal and an exception write
everything.
"""

from __future__ import annotations

from typing import Any, Callable, List, Set

import h5py

from ..core import _impl
from ._reserve import DiskReserve

__all__ = ["INTERVAL_NS", "FileFlusher", "OutputSync"]

INTERVAL_NS = 1_000_000_000
"""Least time between flushes of the file (1 s)."""


class FileFlusher:
    """Flush one HDF5 file, at most once per interval when asked to."""

    __slots__ = ("_file", "last_ns", "unflushed", "reserve")

    def __init__(self, h5file: h5py.File) -> None:
        self._file = h5file
        self.last_ns: int = _impl.monotonic_ns()
        self.unflushed = 0
        """Bytes written into the file since the last flush."""
        self.reserve = DiskReserve(h5file)
        """Space allocated ahead of the writes (:mod:`._reserve`)."""

    def flush(self, now: int = -1, *, renew: bool = True) -> None:
        """Flush now; then renew the disk reserve unless ``renew`` is false
        (at the end of the output)."""
        valid = self._file.id.valid
        if valid:
            self._file.flush()
            self.unflushed = 0
        self.last_ns = _impl.monotonic_ns() if now < 0 else now
        if valid and renew:
            self.reserve.flushed()  # "Disk full" if it cannot

    def flush_if_due(self) -> None:
        """Flush if the interval has passed since the last flush."""
        now = _impl.monotonic_ns()
        if now - self.last_ns >= INTERVAL_NS:
            self.flush(now)


class OutputSync:
    """The buffers of one output file and when their rows are written.

    Args:
        h5file: The model's output file.
    """

    def __init__(self, h5file: h5py.File) -> None:
        self.flusher = FileFlusher(h5file)
        self._buffers: List[Any] = []
        self._finishers: List[Callable[[], Any]] = []
        self._raised: Set[str] = set()

    def add(self, buffer: Any, finish: Any = None) -> None:
        """Write ``buffer``'s pending rows at each sync; call ``finish()``
        once at the end of the output (e.g. to fix coordinates); either
        may be None."""
        if buffer is not None:
            self._buffers.append(buffer)
        if finish is not None:
            self._finishers.append(finish)

    @property
    def next_due_ns(self) -> int:
        """Clock reading at which :meth:`sync_if_due` writes again."""
        return self.flusher.last_ns + INTERVAL_NS

    def sync_if_due(self, now: int) -> int:
        """Sync if due at clock reading ``now``; return the next deadline."""
        if now >= self.next_due_ns:
            self.sync(now)
        return self.next_due_ns

    def sync(self, now: int = -1) -> None:
        """Write every buffer's pending rows, then flush the file."""
        for buffer in self._buffers:
            buffer.flush()
        self.flusher.flush(now)

    def mark_reported(self, exc: BaseException) -> None:
        """Record that ``exc`` was reported elsewhere (e.g. logged while a
        failed run was saving its benchmark), so :meth:`finish` does not
        report the same loss again."""
        self._raised.add(str(exc))

    def finish(self) -> None:
        """Write everything and finish every dataset; the first error is
        raised after all were tried, so one bad dataset loses no others.

        An error already raised by an earlier call (the same text: the same
        rows lost) is not raised again, so closing the file after a failed
        run does not report the loss twice."""
        first: Any = None
        for step in [b.flush for b in self._buffers] + self._finishers:
            try:
                step()
            except Exception as exc:
                first = first or exc
        self._finishers = []
        try:
            self.flusher.flush(renew=False)
        except Exception as exc:
            first = first or exc
        if first is not None and str(first) not in self._raised:
            self._raised.add(str(first))
            raise first
