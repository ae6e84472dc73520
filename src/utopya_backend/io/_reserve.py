"""Disk space reserved ahead of the output file's writes.

HDF5 cannot recover from a write that fails for lack of space: its caches
stay dirty, closing the file fails, the process may segfault and the file
is left unreadable. So the output file's own blocks are allocated ahead of
its end (``fallocate`` with ``FALLOC_FL_KEEP_SIZE``, which leaves the file's
size alone): what HDF5 writes there needs no more space, whatever other
processes do to the disk meanwhile. Writes we know of *claim* their bytes
first; a claim the reserve cannot cover, and a reserve that cannot be
renewed after a flush, raise a clear "Disk full" error while HDF5 can still
write everything it holds and close the file.

Where ``fallocate`` is missing (not Linux, or a file system without it)
the reserve is inactive and callers fall back to checking the free space.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
from typing import Any, Callable, Optional

import h5py
import numpy as np

__all__ = [
    "MARGIN_BYTES",
    "STEP_BYTES",
    "DiskReserve",
    "ReservedDataset",
    "disk_full",
]

MARGIN_BYTES = 256 * 1024
"""Reserved beyond every claim, for HDF5's own metadata (256 KiB)."""

STEP_BYTES = 8 * 1024 * 1024
"""Reserved ahead when the disk has room, so claims rarely need a system
call (8 MiB; less when the disk has less)."""

_KEEP_SIZE = 0x01
_PUNCH_HOLE = 0x02


def _load_fallocate() -> Optional[Callable[..., int]]:
    """libc's ``fallocate``, or None where there is none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if hasattr(libc, "fallocate64"):
            func = libc.fallocate64
        elif ctypes.sizeof(ctypes.c_void_p) == 8:  # off_t is 64 bits
            func = libc.fallocate
        else:
            return None
    except (OSError, AttributeError, TypeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64] + [
        ctypes.c_int64
    ]
    func.restype = ctypes.c_int
    return func  # type: ignore[no-any-return]


_FALLOCATE = _load_fallocate()


def _allocate(fd: int, mode: int, offset: int, length: int) -> None:
    assert _FALLOCATE is not None, "checked by the caller"
    if length > 0 and _FALLOCATE(fd, mode, offset, length) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def disk_full(filename: str, what: str) -> OSError:
    """The one-line error of a write refused for lack of space."""
    return OSError(
        errno.ENOSPC,
        f"Disk full: no room left on the file system of {filename} for "
        f"{what}. The file keeps every row written before and stays "
        "readable; no more rows are written to it",
    )


class DiskReserve:
    """Blocks allocated past the end of one HDF5 file (sec2 driver only).

    Args:
        h5file: The open, writable file.
    """

    def __init__(self, h5file: Any) -> None:
        self._file = h5file
        self.filename = str(h5file.filename)
        self._fd: Optional[int] = None
        if _FALLOCATE is not None and h5file.driver == "sec2":
            self._fd = int(h5file.id.get_vfd_handle())
        self.end = 0
        """File offset up to which blocks are allocated."""
        self.pending = 0
        """Bytes claimed since the last flush (maybe not yet allocated)."""
        self.budget = 0
        """Bytes that may still be claimed without a system call."""

    @property
    def active(self) -> bool:
        """Whether space is reserved (else: check the free space)."""
        return self._fd is not None

    def claim(self, nbytes: int, what: Callable[[], str]) -> None:
        """Make sure ``nbytes`` more can be written; else raise the disk
        full error naming ``what()`` (nothing is claimed then)."""
        if nbytes > self.budget and self._fd is not None:
            self.ensure(self.pending + nbytes, what)
        self.budget -= nbytes
        self.pending += nbytes

    def flushed(self) -> None:
        """Renew the reserve after a flush (raise if the disk is full)."""
        self.pending = 0
        self.budget = 0
        if self._fd is not None:
            self.ensure(0, lambda: "what the run writes next")

    def ensure(self, nbytes: int, what: Callable[[], str]) -> None:
        """Allocate ``nbytes`` (and the margin) past the end of the file,
        more if the disk has room."""
        fd = self._fd
        if fd is None or not self._file.id.valid:
            return  # a closed file writes nothing more (and its fd is gone)
        try:
            eof = os.fstat(fd).st_size
            size = max(eof, int(self._file.id.get_filesize()))
        except (OSError, ValueError, RuntimeError):
            return  # let HDF5 report what is wrong with the file
        need = size + nbytes + MARGIN_BYTES
        # Each call starts where the blocks to keep end: a failed call may
        # free what it allocated (tmpfs does), never what was reserved
        # before. First what a truncation freed (HDF5 truncates the file at
        # a flush), then more, as much as the disk gives.
        end = self.end
        if not self._allocate(fd, min(end, eof), end):
            raise disk_full(self.filename, what())
        for target in (need + STEP_BYTES, need):
            if self._allocate(fd, end, target):
                self.end = end = max(end, target)
                break
        else:
            raise disk_full(self.filename, what())
        if self._fd is not None:
            self.budget = end - size - MARGIN_BYTES - self.pending

    def _allocate(self, fd: int, low: int, high: int) -> bool:
        """Allocate ``low`` to ``high``; False if the disk is full (a file
        system without ``fallocate`` makes the reserve inactive)."""
        try:
            _allocate(fd, _KEEP_SIZE, low, high - low)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                return False
            # EOPNOTSUPP above all: this file system cannot reserve; the
            # writers check the free space instead.
            self._fd = None
        return True

    def release(self) -> None:
        """Free the blocks past the end of the closed file (a file that is
        still open keeps them: HDF5 writes there when it closes)."""
        end, self.end, self._fd = self.end, 0, None
        if _FALLOCATE is None or end == 0:
            return
        try:
            fd = os.open(self.filename, os.O_WRONLY)
        except OSError:
            return
        try:
            eof = os.fstat(fd).st_size
            if end > eof:
                _allocate(fd, _PUNCH_HOLE | _KEEP_SIZE, eof, end - eof)
        except OSError:
            pass  # blocks past the end are waste, not harm
        finally:
            os.close(fd)


def _n_chunks(shape: Any, chunks: Any) -> int:
    n = 1
    for size, chunk in zip(shape, chunks):
        n *= -(-int(size) // chunk)
    return n


class ReservedDataset(h5py.Dataset):
    """A dataset whose growth claims its space from a :class:`DiskReserve`
    first, so ``resize`` raises "Disk full" before HDF5 could meet a full
    disk (``create_ts_dset`` returns one; it is an ``h5py.Dataset``).

    Args:
        dset: The dataset.
        reserve: The reserve of its file.
    """

    def __init__(self, dset: h5py.Dataset, reserve: DiskReserve) -> None:
        super().__init__(dset.id)
        self._reserve = reserve
        self._chunk_shape = dset.chunks  # fixed: looked up once
        # The largest shape claimed: no need to ask HDF5 (slow) each time.
        self._claimed = tuple(dset.shape)
        self._chunk_bytes = 0
        if self._chunk_shape is not None:
            self._chunk_bytes = int(np.prod(self._chunk_shape))
            self._chunk_bytes *= dset.dtype.itemsize

    def resize(self, size: Any, axis: Optional[int] = None) -> None:
        """As ``h5py.Dataset.resize``; raises OSError (ENOSPC) instead if
        the new rows may not fit on the disk (nothing is resized then)."""
        chunks = self._chunk_shape
        if chunks is not None and self._reserve.active:
            old = self._claimed
            if axis is None:
                new = tuple(max(a, int(b)) for a, b in zip(old, size))
            else:
                new = old[:axis] + (max(old[axis], int(size)),)
                new += old[axis + 1 :]
            if new != old:
                grow = _n_chunks(new, chunks) - _n_chunks(old, chunks)
                if grow:
                    self._reserve.claim(
                        grow * self._chunk_bytes,
                        lambda: f"growing dataset '{self.name}' to {new}",
                    )
                self._claimed = new
        super().resize(size, axis)
