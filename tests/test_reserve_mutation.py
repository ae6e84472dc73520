"""The disk reserve (io._reserve) beyond test_reserve_behaviour: how libc's
``fallocate`` is found and called, and the reserve's bookkeeping of what
is claimed, allocated and released, checked against the blocks the file
system reports."""

from __future__ import annotations

import ctypes
import errno
import os
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from utopya_backend.io import _reserve
from utopya_backend.io._reserve import (
    MARGIN_BYTES,
    STEP_BYTES,
    DiskReserve,
    ReservedDataset,
)

MIB = 1024 * 1024
KEEP_SIZE = 0x01  # FALLOC_FL_KEEP_SIZE of linux/falloc.h


def _allocated(path) -> int:
    return os.stat(path).st_blocks * 512


# .. Finding fallocate ........................................................


def test_the_loaded_fallocate_reserves_past_a_64_bit_offset(tmpfs):
    """Offsets and lengths are 64-bit: a file past 4 GiB is reserved
    where it ends, not at a wrapped offset."""
    fallocate = _reserve._load_fallocate()
    assert fallocate is not None
    path = os.path.join(tmpfs(8), "f")
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        assert fallocate(fd, KEEP_SIZE, 2**32 + 4096, 4096) == 0
        st = os.fstat(fd)
        assert st.st_size == 0  # KEEP_SIZE: the size stays
        assert st.st_blocks * 512 == 4096
    finally:
        os.close(fd)


def test_the_loaded_fallocate_reports_its_errno():
    """A failed call leaves its errno for ``ctypes.get_errno``, which the
    reserve turns into the OSError it reacts to."""
    fallocate = _reserve._load_fallocate()
    assert fallocate is not None
    ctypes.set_errno(0)
    assert fallocate(-1, KEEP_SIZE, 0, 4096) == -1
    assert ctypes.get_errno() == errno.EBADF


def _fake_libc(monkeypatch, **funcs):
    def lib(*args, **kwargs):
        return SimpleNamespace(**funcs)

    monkeypatch.setattr(ctypes, "CDLL", lib)


def test_a_libc_without_fallocate64_uses_fallocate_on_64_bit(monkeypatch):
    def fallocate(*args):
        return 0

    _fake_libc(monkeypatch, fallocate=fallocate)
    assert _reserve._load_fallocate() is fallocate
    assert fallocate.restype is ctypes.c_int  # type: ignore[attr-defined]
    assert fallocate.argtypes == [  # type: ignore[attr-defined]
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int64,
        ctypes.c_int64,
    ]


def test_fallocate64_is_preferred(monkeypatch):
    def fallocate(*args):
        return 0

    def fallocate64(*args):
        return 0

    _fake_libc(monkeypatch, fallocate=fallocate, fallocate64=fallocate64)
    assert _reserve._load_fallocate() is fallocate64


def test_no_reserve_where_fallocate_takes_a_32_bit_offset(monkeypatch):
    """A 32-bit platform without fallocate64 would pass 64-bit offsets to
    a 32-bit parameter: the reserve stays inactive there."""

    def fallocate(*args):
        return 0

    _fake_libc(monkeypatch, fallocate=fallocate)
    monkeypatch.setattr(ctypes, "sizeof", lambda t: 4)
    assert _reserve._load_fallocate() is None


def test_no_reserve_without_libc_or_without_fallocate(monkeypatch):
    _fake_libc(monkeypatch)  # no fallocate at all (macOS)
    assert _reserve._load_fallocate() is None

    def broken(*args, **kwargs):
        raise OSError("no libc")

    monkeypatch.setattr(ctypes, "CDLL", broken)
    assert _reserve._load_fallocate() is None


# .. What the reserve claims and allocates ....................................


def _open(disk):
    f = h5py.File(os.path.join(disk, "out.h5"), "w")
    reserve = DiskReserve(f)
    reserve.flushed()
    return f, reserve


def _file_size(f) -> int:
    return max(os.path.getsize(f.filename), int(f.id.get_filesize()))


def test_claims_are_counted_against_the_budget(tmpfs):
    """A disk with room gets STEP_BYTES reserved beyond the margin; claims
    up to that need no system call (the allocated blocks stay)."""
    f, reserve = _open(tmpfs(64))
    with f:
        size = _file_size(f)
        assert reserve.pending == 0
        assert reserve.budget == STEP_BYTES
        assert reserve.end == size + MARGIN_BYTES + STEP_BYTES
        blocks = _allocated(f.filename)
        reserve.claim(1000, lambda: "1000 bytes")
        assert (reserve.pending, reserve.budget) == (1000, STEP_BYTES - 1000)
        reserve.claim(STEP_BYTES - 1000, lambda: "the rest")  # all of it
        assert (reserve.pending, reserve.budget) == (STEP_BYTES, 0)
        assert _allocated(f.filename) == blocks
        # One byte more: reserved ahead again, past what is pending.
        reserve.claim(1, lambda: "1 byte")
        assert reserve.pending == STEP_BYTES + 1
        assert reserve.budget == STEP_BYTES
        assert reserve.end == (
            size + STEP_BYTES + 1 + MARGIN_BYTES + STEP_BYTES
        )
        assert _allocated(f.filename) >= reserve.end - size
        reserve.flushed()  # a flush starts the count again
        assert reserve.pending == 0


def test_release_frees_the_blocks_and_keeps_the_size(tmpfs):
    f, reserve = _open(tmpfs(64))
    reserve.claim(4 * MIB, lambda: "4 MiB")
    path = f.filename
    f.close()
    size = os.path.getsize(path)
    reserve.release()
    assert os.path.getsize(path) == size
    assert _allocated(path) <= size + 64 * 1024
    assert reserve.end == 0 and not reserve.active


# .. Datasets claiming their growth ..........................................


def _dataset(f, reserve, shape, chunks):
    d = f.create_dataset(
        "x", shape, "f4", maxshape=(None,) + shape[1:], chunks=chunks
    )
    return ReservedDataset(d, reserve)


def test_growth_claims_whole_chunks(tmpfs):
    f, reserve = _open(tmpfs(64))
    with f:
        chunk = 3 * 5 * 7 * 4  # bytes of one (3, 5, 7) chunk of float32
        x = _dataset(f, reserve, (0, 5, 7), (3, 5, 7))
        x.resize(10, axis=0)  # 4 chunks along axis 0, one across
        assert reserve.pending == 4 * chunk
        x.resize((20, 5, 7))  # 7 chunks now: 3 more
        assert reserve.pending == 7 * chunk
        x.resize(15, axis=0)  # shrinking claims nothing back
        x.resize(20, axis=0)  # nor does growing into claimed chunks
        assert reserve.pending == 7 * chunk
        assert x.shape == (20, 5, 7)


def test_an_inactive_reserve_is_not_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(_reserve, "_FALLOCATE", None)
    with h5py.File(tmp_path / "out.h5", "w") as f:
        reserve = DiskReserve(f)
        x = _dataset(f, reserve, (0, 4), (2, 4))
        x.resize(100, axis=0)
        assert x.shape == (100, 4)
        assert reserve.pending == 0


def test_a_contiguous_dataset_claims_nothing(tmpfs):
    f, reserve = _open(tmpfs(64))
    with f:
        d = f.create_dataset("c", (4, 4), "f8")
        x = ReservedDataset(d, reserve)
        with pytest.raises(TypeError, match="[Oo]nly chunked datasets"):
            x.resize(8, axis=0)
        assert reserve.pending == 0


def test_blocks_freed_by_a_truncation_are_taken_back_first(tmpfs):
    """HDF5 truncates its file at a flush, which frees what was reserved
    past the end; if another process takes that space meanwhile, the
    renewal fails with the disk full error naming the file and what."""
    disk = tmpfs(16)
    f, reserve = _open(disk)
    try:
        os.truncate(f.filename, os.path.getsize(f.filename))
        filler = os.path.join(disk, "filler")
        with open(filler, "wb", buffering=0) as other:
            with pytest.raises(OSError):
                while True:
                    other.write(b"x" * 4096)
        with pytest.raises(OSError) as err:
            reserve.ensure(0, lambda: "the next rows")
        assert err.value.errno == errno.ENOSPC
        assert str(err.value) == (
            "[Errno 28] Disk full: no room left on the file system of "
            f"{f.filename} for the next rows. The file keeps every row "
            "written before and stays readable; no more rows are written "
            "to it"
        )
        os.remove(filler)
    finally:
        f.close()


def test_a_single_byte_takes_a_block(tmpfs):
    path = os.path.join(tmpfs(8), "f")
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        _reserve._allocate(fd, KEEP_SIZE, 0, 1)
        assert os.fstat(fd).st_blocks > 0
    finally:
        os.close(fd)


def test_the_first_claim_on_a_fresh_reserve_allocates(tmpfs):
    disk = tmpfs(64)
    with h5py.File(os.path.join(disk, "out.h5"), "w") as f:
        reserve = DiskReserve(f)  # not renewed by a flush yet
        reserve.claim(1, lambda: "1 byte")
        assert (reserve.pending, reserve.budget) == (1, STEP_BYTES)
        assert reserve.end == _file_size(f) + 1 + MARGIN_BYTES + STEP_BYTES


def test_a_renewal_on_a_full_disk_names_what_comes_next(tmpfs):
    disk = tmpfs(4)
    f, reserve = _open(disk)
    with f:
        filler = os.path.join(disk, "filler")
        with open(filler, "wb", buffering=0) as other:
            with pytest.raises(OSError):
                while True:
                    other.write(b"x" * 4096)
        # Use up the margin, so the renewal needs new blocks.
        f.create_dataset("x", data=np.zeros(MARGIN_BYTES // 16))
        f.flush()
        with pytest.raises(OSError) as err:
            reserve.flushed()
        assert str(err.value).endswith(
            f"of {f.filename} for what the run writes next. The file keeps "
            "every row written before and stays readable; no more rows are "
            "written to it"
        )
        os.remove(filler)


def test_a_file_system_without_fallocate_makes_it_inactive(tmpfs, monkeypatch):
    def unsupported(*args):
        raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP))

    with h5py.File(os.path.join(tmpfs(8), "out.h5"), "w") as f:
        reserve = DiskReserve(f)
        assert reserve.active
        monkeypatch.setattr(_reserve, "_allocate", unsupported)
        reserve.flushed()
        assert not reserve.active
        reserve.claim(2**50, lambda: "a PiB")  # the caller checks instead
        assert reserve.pending == 2**50
