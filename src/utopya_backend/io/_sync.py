"""When buffered rows reach the file: the flush policy of a model's output.

Rows wait in row buffers; full blocks are written at once. To bound what a
killed process (SIGKILL) loses, pending rows are written and the file is
flushed at most once per :data:`INTERVAL_NS`, which costs next to nothing
per row. The end of a run, a handled signal and an exception write
everything.

A followable output (root key ``swmr``, :mod:`._swmr`) switches to SWMR
writing at the loop's first deadline, with every dataset of setup and
prolog made; the run loop asks for that deadline at once. Each sync then
also makes the rows visible to SWMR readers. Before the epilog (and before
anything else ends the output) SWMR mode is left, so the end of the run
writes what a run without it writes.
"""

from __future__ import annotations

from typing import Any, Callable, List, Set

import h5py

from ..core import _impl
from ..logging import backend_logger as _log
from . import _swmr
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
        swmr: Switch the file to SWMR writing at the first
            :meth:`sync_if_due` (made by :func:`._swmr.create`).
    """

    def __init__(self, h5file: h5py.File, *, swmr: bool = False) -> None:
        self.flusher = FileFlusher(h5file)
        self._file = h5file
        self._buffers: List[Any] = []
        self._finishers: List[Callable[[], Any]] = []
        self._raised: Set[str] = set()
        self.swmr = "pending" if swmr else "off"
        """``"pending"``, ``"on"`` (SWMR writing), ``"done"`` or ``"off"``."""

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
        """Clock reading at which :meth:`sync_if_due` writes again (at once
        while the switch to SWMR is pending)."""
        if self.swmr == "pending":
            return 0
        return self.flusher.last_ns + INTERVAL_NS

    def sync_if_due(self, now: int) -> int:
        """Sync if due at clock reading ``now``; return the next deadline."""
        if self.swmr == "pending":
            self.start_swmr()
        elif now >= self.next_due_ns:
            self.sync(now)
        return self.next_due_ns

    def start_swmr(self) -> None:
        """Write pending rows and switch the file to SWMR writing; a file
        that cannot be switched (not made for it) is logged and the run
        goes on without."""
        self.sync()
        self.swmr = "on"
        try:
            _swmr.start(self._file)
        except Exception as exc:
            self.swmr = "off"
            _log.error(
                "Cannot switch %s to SWMR mode, the run goes on without "
                "(readers cannot follow it): %s: %s",
                self._file.filename,
                type(exc).__name__,
                exc,
            )

    def leave_swmr(self) -> None:
        """End SWMR writing (:func:`._swmr.leave`); pending rows stay
        pending. Once; nothing if the file is not SWMR-written."""
        if self.swmr != "on":
            if self.swmr == "pending":
                self.swmr = "done"  # never started: nothing to leave
            return
        self.swmr = "done"
        f = self._file
        if not f.id.valid:
            return  # closed by the model: HDF5 ended SWMR writing
        # Closing and reopening gives the file a new descriptor: the
        # reserve (the same object, which datasets keep) starts anew.
        reserve = self.flusher.reserve
        _swmr.leave(f, closed=reserve.release)
        reserve.__init__(f)  # type: ignore[misc]
        reserve.flushed()

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
        try:
            self.leave_swmr()
        except Exception as exc:
            first = exc
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
