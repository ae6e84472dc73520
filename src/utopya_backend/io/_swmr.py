"""Output a reader can follow while the run writes it: HDF5's SWMR mode.

With the root key ``swmr: true`` the output file is created in a format
that SWMR (single writer, multiple readers) needs (HDF5 1.10 or later) and
switched to SWMR writing when the run loop starts: from then on, readers in
other processes open it with ``h5py.File(path, "r", libver="latest",
swmr=True)`` and see the rows of each flush (at least once a second).

Under SWMR, HDF5 cannot grow the header of a dataset whose rows it writes:
a new or larger attribute on such a dataset fails, and leaves a file that
can no longer be closed. The end of a run sets such attributes (a writer's
``start_and_step`` coordinates, the benchmark's), so the run leaves SWMR
mode before its epilog (:func:`leave`): the file is closed and opened again
for ordinary writing, every h5py object of it is bound to the reopened
file, and the run ends as a run without SWMR would, with the same content.

While the file is SWMR-written its root group carries the writer's process
id (:data:`PID_ATTR`), so a follower can tell a run that was killed from
one that still runs; the end of the run removes it.
"""

from __future__ import annotations

import gc
import os
from typing import Any, Callable, List, Optional, Tuple

import h5py
from h5py._hl.attrs import AttributeManager

__all__ = [
    "LIBVER",
    "PID_ATTR",
    "create",
    "leave",
    "open_to_read",
    "start",
    "writer_state",
]

LIBVER = ("v110", "latest")
"""Format bounds of a SWMR file: readable by HDF5 1.10 and later."""

PID_ATTR = "utopya_backend.swmr_pid"
"""Root attribute: the process writing the file in SWMR mode."""

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_WRITE, _SWMR_WRITE = 0x01, 0x04  # superblock (v2, v3) status flags


def create(path: str) -> h5py.File:
    """Create a new file at ``path`` that can be switched to SWMR."""
    f = h5py.File(path, mode="x", libver=LIBVER)
    f.attrs[PID_ATTR] = os.getpid()
    return f


def start(h5file: h5py.File) -> None:
    """Switch ``h5file`` to SWMR writing (its objects exist by now)."""
    h5file.swmr_mode = True


def _bound(fileno: int) -> List[Tuple[Any, Optional[bytes]]]:
    """Every live h5py object of the file ``fileno``, with its path (None
    for the file itself)."""
    out: List[Tuple[Any, Optional[bytes]]] = []
    for obj in gc.get_objects():
        if not isinstance(obj, (h5py.HLObject, AttributeManager)):
            continue
        oid = getattr(obj, "_id", None)
        try:
            if oid is None or not oid.valid or oid.fileno != fileno:
                continue
            if isinstance(oid, h5py.h5f.FileID):
                out.append((obj, None))
            else:
                name = h5py.h5i.get_name(oid)
                if name is not None:  # anonymous objects cannot be found
                    out.append((obj, name))
        except (ValueError, RuntimeError):
            continue
    return out


_CACHED = ("_dcpl", "_filters", "_extent_type", "_is_empty", "_fast_read_ok")
"""What h5py caches on a Dataset (besides ``_cache_props``), read
again after :func:`leave`."""


def leave(h5file: h5py.File, closed: Callable[[], Any] = lambda: None) -> None:
    """End SWMR writing: close ``h5file`` and open it again for ordinary
    writing, binding every h5py object of it to the reopened file.

    Rows held by row buffers are not touched (they are written later, to
    the reopened file). The reopened file is not locked: a SWMR reader that
    keeps it open would otherwise block the reopening. ``closed()`` is
    called while the file is closed."""
    path = h5file.filename
    objects = _bound(h5file.id.fileno)
    h5file.close()
    closed()
    try:
        fresh = h5py.File(path, "r+", libver=LIBVER, locking=False)
    except TypeError:  # h5py before 3.5 cannot say so
        fresh = h5py.File(path, "r+", libver=LIBVER)
    fid = fresh.id
    for obj, name in objects:
        new = fid if name is None else h5py.h5o.open(fid, name)
        for key in [k for k in vars(obj) if k in _CACHED]:
            del obj.__dict__[key]  # cached from the old object id
        if isinstance(getattr(obj, "_cache_props", None), dict):
            obj._cache_props = {}
        obj._id = new
    if PID_ATTR in h5file.attrs:
        del h5file.attrs[PID_ATTR]


def writer_state(path: str) -> str:
    """What the file's superblock says about its writer: ``"swmr"`` (SWMR
    writing), ``"writing"`` (open for ordinary writing, or a writer that
    was killed), ``"closed"``, or ``"unknown"`` (a superblock without
    status flags: an older format; or not an HDF5 file)."""
    try:
        with open(path, "rb") as f:
            offset = 0
            while True:
                f.seek(offset)
                head = f.read(12)
                if len(head) < 12:
                    return "unknown"
                if head[:8] == _SIGNATURE:
                    break
                offset = 512 if offset == 0 else 2 * offset
    except OSError:
        return "unknown"
    if head[8] < 2:  # superblock v0/v1: the flags are elsewhere, unused
        return "unknown"
    flags = head[11]
    if flags & _SWMR_WRITE:
        return "swmr"
    return "writing" if flags & _WRITE else "closed"


def open_to_read(path: str) -> h5py.File:
    """Open ``path`` read-only; a file still marked as SWMR-written (its
    run is going on, or was killed) is opened as a SWMR reader would."""
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        if "already open for write" not in str(exc):
            raise
        return h5py.File(path, "r", libver="latest", swmr=True)
