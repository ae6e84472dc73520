"""Blocks of rows reaching datasets (io._sink): growth, labels, coordinates,
the disk-full check and the errors users read."""

from __future__ import annotations

import errno
import shutil
from collections import namedtuple

import h5py
import numpy as np
import pytest

from utopya_backend.core import _impl
from utopya_backend.io import _reserve, _sync
from utopya_backend.io._sink import RESERVE_BYTES, DatasetSink, write_error

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def h5(tmp_path):
    with h5py.File(tmp_path / "out.h5", "w") as f:
        yield f


def _dset(h5, name="x", row=(2,), dtype="f8"):
    return h5.create_dataset(
        name, (0,) + row, maxshape=(None,) + row, dtype=dtype
    )


def _free(monkeypatch, free):
    monkeypatch.setattr(shutil, "disk_usage", lambda p: Usage(0, 0, free))


@pytest.fixture
def no_reserve(monkeypatch):
    """A system without ``fallocate``: the sinks check the free space."""
    monkeypatch.setattr(_reserve, "_FALLOCATE", None)


def test_blocks_grow_the_dataset_and_its_labels(h5):
    x, t = _dset(h5), _dset(h5, "t", (), "i8")
    sink = DatasetSink(x, t)
    sink(np.ones((2, 2)), np.array([0, 2]))
    sink(np.zeros((1, 2)), np.array([4]))
    assert sink.n_rows == 3 and x.shape == (3, 2)
    np.testing.assert_array_equal(x[:, 0], [1, 1, 0])
    np.testing.assert_array_equal(t[:], [0, 2, 4])


def test_a_sink_continues_an_existing_dataset(h5):
    x = h5.create_dataset("x", data=np.ones((3, 2)), maxshape=(None, 2))
    sink = DatasetSink(x)
    assert sink.n_rows == 3
    sink(np.zeros((1, 2)))
    np.testing.assert_array_equal(x[:, 0], [1, 1, 1, 0])


@pytest.mark.parametrize(
    "blocks, attrs",
    [
        ([[3, 5], [7]], [3, 2]),
        ([[3], [5, 7, 9]], [3, 2]),
        ([[4]], [4, 1]),  # one row: any step
        ([[4], []], [4, 1]),
        ([[], [2, 3]], [2, 1]),
        ([[0, 1], [3]], None),  # irregular across blocks
        ([[0, 1, 3]], None),
        ([[0, 2], [4, 5], [6, 7]], None),  # stays irregular
        ([[5, 5]], None),  # step 0
        ([[5, 3, 1]], None),  # backwards
        ([[1, 2], [2]], None),
    ],
)
def test_regular_labels_become_start_and_step(h5, blocks, attrs):
    x, t = _dset(h5, row=()), _dset(h5, "t", (), "i8")
    sink = DatasetSink(x, t)
    for b in blocks:
        sink(np.zeros(len(b)), np.array(b, "i8"))
    sink.finish_coords("time")
    if attrs is None:
        assert "coords_mode__time" not in x.attrs
    else:
        assert x.attrs["coords_mode__time"] == "start_and_step"
        assert list(x.attrs["coords__time"]) == attrs


def test_no_labels_no_coordinates(h5):
    x = _dset(h5, row=())
    sink = DatasetSink(x)
    sink(np.zeros(3))
    sink.finish_coords("time")
    assert len(x.attrs) == 0


def test_a_block_that_would_fill_the_disk_is_refused(
    h5, monkeypatch, no_reserve
):
    x = _dset(h5, row=())
    flusher = _sync.FileFlusher(h5)
    sink = DatasetSink(x, flusher=flusher)
    rows = np.zeros(4)  # 32 bytes
    _free(monkeypatch, 32 + RESERVE_BYTES)
    sink(rows)  # exactly enough
    assert flusher.unflushed == 32
    _free(monkeypatch, 64 + RESERVE_BYTES - 1)  # 32 unflushed + 32 new
    with pytest.raises(OSError) as err:
        sink(rows)
    assert err.value.errno == errno.ENOSPC
    assert str(err.value) == (
        f"[Errno 28] Disk full: {64 + RESERVE_BYTES - 1} bytes free on the "
        f"file system of {h5.filename}; writing 4 rows to dataset '/x' "
        f"(with what is not yet flushed, 64 bytes) would leave less than "
        f"{RESERVE_BYTES} bytes for the file's metadata. The file keeps the "
        "rows written before and stays readable; no more rows are written "
        "to it"
    )
    assert x.shape == (4,) and sink.n_rows == 4


def test_every_block_since_the_last_flush_counts_as_unflushed(
    h5, monkeypatch, no_reserve
):
    clock = iter(range(10**6)).__next__  # far less than a second apart
    monkeypatch.setattr(_impl, "monotonic_ns", clock)
    x = _dset(h5, row=())
    flusher = _sync.FileFlusher(h5)
    sink = DatasetSink(x, flusher=flusher)
    _free(monkeypatch, 10**9)
    for _ in range(3):
        sink(np.zeros(4))  # 32 bytes each, no flush due
    assert flusher.unflushed == 96
    _free(monkeypatch, 128 + RESERVE_BYTES - 1)
    with pytest.raises(OSError, match="not yet flushed, 128 bytes"):
        sink(np.zeros(4))
    flusher.flush()  # what was flushed no longer counts
    sink(np.zeros(4))
    assert x.shape == (16,) and flusher.unflushed == 32


def test_labels_count_towards_the_space_needed(h5, monkeypatch, no_reserve):
    x, t = _dset(h5, row=()), _dset(h5, "t", (), "i8")
    sink = DatasetSink(x, t)
    _free(monkeypatch, 32 + 32 + RESERVE_BYTES - 1)
    with pytest.raises(OSError, match="64 bytes"):
        sink(np.zeros(4), np.arange(4))
    assert x.shape == (0,)


def test_unknown_free_space_lets_the_write_go_ahead(
    h5, monkeypatch, no_reserve
):
    def fail(path):
        raise OSError("no statvfs")

    monkeypatch.setattr(shutil, "disk_usage", fail)
    sink = DatasetSink(_dset(h5, row=()))
    sink(np.zeros(2))
    assert sink.n_rows == 2


def test_reserve_is_256_kib():
    assert RESERVE_BYTES == 256 * 1024


def test_a_failed_write_shrinks_back_and_names_the_file(h5):
    x, t = _dset(h5), _dset(h5, "t", (), "i8")
    sink = DatasetSink(x, t)
    sink(np.ones((1, 2)), np.array([0]))
    with pytest.raises(OSError) as err:
        sink(np.ones((2, 3)), np.array([1, 2]))  # rows of the wrong shape
    assert err.value.errno == errno.EIO
    msg = str(err.value)
    assert msg.startswith(
        f"[Errno 5] Could not write 2 rows to dataset '/x' in file "
        f"{h5.filename}: "
    )
    cause = err.value.__cause__
    assert cause is not None  # h5py's own error, kept as the cause
    assert msg.endswith(f": {type(cause).__name__}: {cause}")
    assert x.shape == (1, 2) and t.shape == (1,) and sink.n_rows == 1
    sink(np.zeros((1, 2)), np.array([1]))  # and it still works
    np.testing.assert_array_equal(t[:], [0, 1])


def test_a_failed_label_write_shrinks_both(h5):
    x, t = _dset(h5), _dset(h5, "t", (), "i8")
    sink = DatasetSink(x, t)
    with pytest.raises(OSError, match="Could not write 2 rows"):
        sink(np.ones((2, 2)), np.array([1, 2, 3]))
    assert x.shape == (0, 2) and t.shape == (0,) and sink.n_rows == 0


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.ENOSPC, "whatever"),
        RuntimeError("Can't write data (No space left on device)"),
        RuntimeError("file write failed: errno = 28, error message = ..."),
    ],
)
def test_disk_full_is_recognised(h5, exc):
    err = write_error(exc, _dset(h5), 7)
    assert err.errno == errno.ENOSPC
    assert str(err) == (
        f"[Errno 28] Disk full: could not write 7 rows to dataset '/x' in "
        f"file {h5.filename} (no space left on device); the dataset keeps "
        "the rows written before"
    )


def test_other_errors_keep_their_type_and_text(h5):
    err = write_error(ValueError("bad"), _dset(h5), 3)
    assert err.errno == errno.EIO
    assert str(err) == (
        f"[Errno 5] Could not write 3 rows to dataset '/x' in file "
        f"{h5.filename}: ValueError: bad"
    )


def test_write_error_of_a_closed_file(tmp_path):
    with h5py.File(tmp_path / "c.h5", "w") as f:
        dset = _dset(f)
    err = write_error(OSError(errno.EIO, "gone"), dset, 1)
    assert "Could not write 1 rows to a dataset of the output file" in str(err)
