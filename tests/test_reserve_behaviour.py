"""Disk space reserved ahead of the output file (io._reserve), on a real
small tmpfs: what is reserved stays ours when the disk fills, a claim the
disk cannot hold is refused before HDF5 writes, and nothing is left
allocated past the end of a closed file."""

from __future__ import annotations

import errno
import os

import h5py
import numpy as np
import pytest

from utopya_backend.io import _reserve
from utopya_backend.io._reserve import (
    MARGIN_BYTES,
    DiskReserve,
    ReservedDataset,
)

MIB = 1024 * 1024


def _fill(path):
    """Take every free block of the disk, as another process could."""
    with open(os.path.join(path, "filler"), "wb", buffering=0) as f:
        with pytest.raises(OSError) as err:
            while True:
                f.write(b"x" * 4096)
    assert err.value.errno == errno.ENOSPC


def _open(disk):
    f = h5py.File(os.path.join(disk, "out.h5"), "w")
    reserve = DiskReserve(f)
    reserve.flushed()
    return f, reserve


def test_a_claim_the_disk_cannot_hold_is_refused_and_names_the_file(tmpfs):
    f, reserve = _open(tmpfs(2))
    with f:
        assert reserve.active
        with pytest.raises(OSError) as err:
            reserve.claim(3 * MIB, lambda: "3 MiB of dataset '/x'")
        assert err.value.errno == errno.ENOSPC
        assert str(err.value) == (
            f"[Errno 28] Disk full: no room left on the file system of "
            f"{f.filename} for 3 MiB of dataset '/x'. The file keeps every "
            "row written before and stays readable; no more rows are "
            "written to it"
        )
        assert reserve.pending == 0  # nothing claimed
        reserve.claim(MIB, lambda: "1 MiB")  # what fits is granted


def test_what_is_reserved_stays_writable_when_the_disk_fills(tmpfs):
    disk = tmpfs(4)
    f, reserve = _open(disk)
    reserve.claim(MIB, lambda: "1 MiB")
    _fill(disk)
    # HDF5 writes the claimed MiB and its metadata, flushes and closes.
    f.create_dataset("x", data=np.arange(MIB // 8, dtype="f8"))
    f.flush()
    f.close()
    reserve.release()
    with h5py.File(os.path.join(disk, "out.h5"), "r") as g:
        np.testing.assert_array_equal(g["x"][()], np.arange(MIB // 8))


def test_renewing_after_a_flush_fails_once_the_reserve_is_used(tmpfs):
    disk = tmpfs(4)
    f, reserve = _open(disk)
    with f:
        _fill(disk)
        reserve.flushed()  # the reserve made before is still there
        # Half the margin: HDF5 writes it into the reserve.
        f.create_dataset("x", data=np.zeros(MARGIN_BYTES // 16))
        f.flush()
        with pytest.raises(OSError, match="Disk full: .*what the run writes"):
            reserve.flushed()


def test_no_block_stays_allocated_past_the_end_of_a_closed_file(tmpfs):
    f, reserve = _open(tmpfs(64))
    path = f.filename
    reserve.claim(4 * MIB, lambda: "4 MiB")
    assert os.stat(path).st_blocks * 512 >= 4 * MIB  # reserved ahead
    f.close()
    reserve.release()
    st = os.stat(path)
    assert st.st_blocks * 512 <= st.st_size + 64 * 1024


def test_without_fallocate_nothing_is_reserved(tmp_path, monkeypatch):
    monkeypatch.setattr(_reserve, "_FALLOCATE", None)
    with h5py.File(tmp_path / "out.h5", "w") as f:
        reserve = DiskReserve(f)
        assert not reserve.active
        reserve.flushed()
        reserve.claim(2**50, lambda: "a PiB")  # the caller checks instead


def test_a_reserved_dataset_refuses_growth_before_resizing(tmpfs):
    f, reserve = _open(tmpfs(2))
    with f:
        d = f.create_dataset(
            "x", (0, 1024), "f4", maxshape=(None, 1024), chunks=(1, 1024)
        )
        x = ReservedDataset(d, reserve)
        assert isinstance(x, h5py.Dataset) and x.name == "/x"
        x.resize(10, axis=0)
        with pytest.raises(OSError, match="Disk full: .*'/x' to"):
            x.resize(10**4, axis=0)  # 40 MiB of chunks
        assert x.shape == (10, 1024)
        x.resize((20, 1024))  # what fits still grows
        x[19] = 1
        assert x.shape == (20, 1024) and x[19, 0] == 1


def test_a_closed_file_is_never_touched_again(tmp_path):
    f = h5py.File(tmp_path / "a.h5", "w")
    reserve = DiskReserve(f)
    reserve.flushed()
    f.close()
    # Its descriptor may now belong to another file: nothing is allocated.
    with open(tmp_path / "other", "wb") as other:
        reserve.claim(64 * MIB, lambda: "64 MiB")
        assert os.fstat(other.fileno()).st_blocks == 0
