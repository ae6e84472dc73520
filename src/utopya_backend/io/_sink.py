"""Write blocks of rows into datasets: one resize and one write per block.

A :class:`DatasetSink` receives what a row buffer hands over. It keeps each
dataset's length equal to the rows really written: if a write fails (a full
disk, above all) the dataset is shrunk back and the error names the file.
It also follows whether the rows' labels are regular, so the coordinates
can become ``start_and_step`` at the end.
"""

from __future__ import annotations

import errno
import os
import shutil
from typing import Any, Optional

import h5py
import numpy as np

from ._layout import start_and_step_coords
from ._reserve import MARGIN_BYTES
from ._sync import FileFlusher

__all__ = ["DatasetSink", "RESERVE_BYTES", "closed_error", "write_error"]

RESERVE_BYTES = MARGIN_BYTES
"""Where no space can be reserved ahead (see :mod:`._reserve`): space a
block write leaves free on the file system (256 KiB), so the file can still
be closed: HDF5 needs room for its own metadata, and a write that fails for
lack of space leaves its library unable to close the file."""


def _free_bytes(dset: h5py.Dataset) -> Optional[int]:
    try:
        path = os.path.dirname(os.path.abspath(dset.file.filename))
        return shutil.disk_usage(path).free
    except (OSError, ValueError):
        return None  # unknown (a driver without a path): let HDF5 try


def _chunk_bytes(dset: h5py.Dataset) -> int:
    """Bytes of one chunk of ``dset`` (0 if it is not chunked)."""
    chunks = dset.chunks
    return 0 if chunks is None else int(np.prod(chunks)) * dset.dtype.itemsize


def _disk_full(dset: h5py.Dataset, k: int, nbytes: int, free: int) -> OSError:
    return OSError(
        errno.ENOSPC,
        f"Disk full: {free} bytes free on the file system of "
        f"{dset.file.filename}; writing {k} rows to dataset "
        f"'{dset.name}' (with what is not yet flushed, {nbytes} bytes) "
        f"would leave less than {RESERVE_BYTES} bytes for the file's "
        "metadata. The file keeps the rows written before and stays "
        "readable; no more rows are written to it",
    )


def _is_disk_full(exc: BaseException) -> bool:
    if getattr(exc, "errno", None) == errno.ENOSPC:
        return True
    text = str(exc)
    return "No space left on device" in text or "errno = 28" in text


def write_error(exc: BaseException, dset: h5py.Dataset, n: int) -> OSError:
    """The error for ``n`` rows that could not be written to ``dset``."""
    try:
        where = f"dataset '{dset.name}' in file {dset.file.filename}"
    except Exception:  # the file may be unusable by now
        where = "a dataset of the output file"
    if _is_disk_full(exc):
        return OSError(
            errno.ENOSPC,
            f"Disk full: could not write {n} rows to {where} (no space left "
            "on device); the dataset keeps the rows written before",
        )
    return OSError(
        errno.EIO,
        f"Could not write {n} rows to {where}: {type(exc).__name__}: {exc}",
    )


def closed_error(where: str, k: int) -> RuntimeError:
    """The error for ``k`` rows that cannot be written to ``where`` (a
    dataset in a file) because the file was closed."""
    return RuntimeError(
        f"Cannot write {k} rows to {where}: the file was closed before "
        "they were written (close it after run() returns, not in the "
        "model), so they are lost"
    )


class DatasetSink:
    """Write handed-over blocks to ``dset`` and their labels to ``labels``.

    Args:
        dset: Dataset with the rows along axis 0, resizable there.
        labels: Dataset receiving each row's label, or None.
        flusher: Flushes the file at most once a second after a block.
    """

    __slots__ = (
        "dset",
        "labels",
        "_flusher",
        "n_rows",
        "first",
        "last",
        "step",
        "regular",
        "where",
        "_chunk_bytes",
    )

    def __init__(
        self,
        dset: h5py.Dataset,
        labels: Optional[h5py.Dataset] = None,
        *,
        flusher: Optional[FileFlusher] = None,
    ) -> None:
        self.dset = dset
        self.labels = labels
        self._flusher = flusher
        self.n_rows = int(dset.shape[0])
        self.first: Optional[int] = None
        self.last: Optional[int] = None
        self.step: Optional[int] = None
        self.regular = True
        self.where = f"dataset '{dset.name}' in file {dset.file.filename}"
        self._chunk_bytes = sum(
            _chunk_bytes(d) for d in (dset, labels) if d is not None
        )

    def __call__(self, rows: np.ndarray, labels: Any = None) -> None:
        n, k = self.n_rows, len(rows)
        if not self.dset.id.valid:
            raise closed_error(self.where, k)
        nbytes = rows.nbytes + (0 if labels is None else labels.nbytes)
        self._check_space(k, nbytes)
        try:
            self.dset.resize(n + k, axis=0)
            self.dset[n : n + k] = rows
            if self.labels is not None:
                self.labels.resize(n + k, axis=0)
                self.labels[n : n + k] = labels
        except BaseException as exc:
            self._shrink(n)
            raise write_error(exc, self.dset, k) from exc
        self.n_rows = n + k
        if labels is not None:
            self._track(labels)
        if self._flusher is not None:
            self._flusher.unflushed += nbytes
            self._flusher.flush_if_due()

    def _check_space(self, k: int, nbytes: int) -> None:
        """Raise the disk-full error unless ``k`` rows of ``nbytes`` fit."""
        reserve = self._flusher.reserve if self._flusher else None
        if reserve is not None and reserve.active:
            # A partly filled chunk takes its whole size on disk.
            reserve.claim(
                nbytes + self._chunk_bytes,
                lambda: f"{k} rows of dataset '{self.dset.name}' "
                f"({nbytes} bytes)",
            )
            return
        # HDF5 keeps written chunks in its cache until the file is flushed:
        # what was handed over since then may still need the disk, too.
        unflushed = self._flusher.unflushed if self._flusher else 0
        free = _free_bytes(self.dset)
        if free is not None and free < unflushed + nbytes + RESERVE_BYTES:
            raise _disk_full(self.dset, k, unflushed + nbytes, free)

    def _shrink(self, n: int) -> None:
        """Make the datasets claim only the ``n`` rows written before."""
        for dset in (self.dset, self.labels):
            if dset is None:
                continue
            try:
                if dset.shape[0] != n:
                    dset.resize(n, axis=0)
            except Exception:
                pass  # the error being raised says more than this one

    def _track(self, labels: np.ndarray) -> None:
        if not self.regular or len(labels) == 0:
            return
        seq = np.asarray(labels, dtype=np.int64)
        if self.last is None:
            self.first = int(seq[0])
        else:
            seq = np.concatenate(([self.last], seq))
        if len(seq) > 1:
            steps = np.diff(seq)
            if self.step is None:
                self.step = int(steps[0])
            self.regular = self.step > 0 and bool((steps == self.step).all())
        self.last = int(seq[-1])

    def finish_coords(self, dim: str) -> None:
        """Label ``dim`` as ``start_and_step`` if the labels were regular.

        Until then the rows are labelled by the linked label dataset, which
        stays valid for a file whose process was killed.
        """
        if self.regular and self.first is not None and self.dset.id.valid:
            attrs = start_and_step_coords(dim, self.first, self.step or 1)
            for key, value in attrs.items():
                self.dset.attrs[key] = value
