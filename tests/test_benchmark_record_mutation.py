"""The benchmark group's record (io._benchmark) used directly: the layout
of ``cumulative`` and its iteration counts, ``total`` with its invocation
counts, the row buffer's blocks, and a record closed without rows."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from utopya_backend.bench import _resources
from utopya_backend.core import _impl
from utopya_backend.io import _sync
from utopya_backend.io._benchmark import (
    N_ITER_DSET,
    BenchmarkRecord,
    create_cumulative,
    write_total,
)
from utopya_backend.io._layout import CHUNK_BYTES
from utopya_backend.io._sync import OutputSync

pytestmark = pytest.mark.usefixtures("use_impl")


@pytest.fixture
def out(tmp_path):
    f = h5py.File(tmp_path / "out.h5", "w")
    yield f, OutputSync(f)
    if f.id.valid:
        f.close()


def _labels(ds) -> list:
    return [
        v.decode() if isinstance(v, bytes) else str(v)
        for v in ds.attrs["coords__label"]
    ]


def _timers():
    """Two one-shot and two cumulative timers, each run once (the
    cumulative ones paused, so they can run again)."""
    out = []
    for name, one_shot in (("a", True), ("b", False), ("c", True), ("d", 0)):
        t = _impl.Timer(name, one_shot=bool(one_shot))
        t.start()
        t.pause()
        out.append(t)
    return out


def test_cumulative_layout(out):
    f, sync = out
    sink = create_cumulative(
        f,
        ["x", "y", "z"],
        dtype="float16",
        compression=4,
        flusher=sync.flusher,
    )
    rows, n_iter = f["cumulative"], f[N_ITER_DSET]
    assert rows.shape == (0, 3) and rows.maxshape == (None, 3)
    assert rows.dtype == np.float16
    assert rows.chunks == (CHUNK_BYTES // (3 * 2), 3)  # whole rows
    assert list(rows.attrs["dim_names"]) == ["n_iterations", "label"]
    assert rows.attrs["coords_mode__label"] == "values"
    assert _labels(rows) == ["x", "y", "z"]
    # Labelled by the iteration counts from the first row on.
    assert rows.attrs["coords_mode__n_iterations"] == "linked"
    assert rows.attrs["coords__n_iterations"] == N_ITER_DSET
    assert n_iter.shape == (0,) and n_iter.maxshape == (None,)
    assert n_iter.dtype == np.int64 and n_iter.chunks == (CHUNK_BYTES // 8,)
    assert list(n_iter.attrs["dim_names"]) == ["n_iterations"]
    for ds in (rows, n_iter):
        assert ds.compression == "gzip" and ds.compression_opts == 4
        assert ds.shuffle
    # Its blocks take part in the once-a-second flush of the file.
    sync.flusher.last_ns = 0
    sink(np.ones((2, 3)), np.array([0, 5]))
    assert sync.next_due_ns > _sync.INTERVAL_NS
    np.testing.assert_array_equal(n_iter[()], [0, 5])


def test_total_holds_every_timer_with_its_invocations(out):
    f, _ = out
    timers = _timers()
    timers[1].unpause()
    timers[1].pause()  # "b" ran twice
    ds = write_total(f, timers, dtype="float64", compression=1)
    assert _labels(ds) == ["a", "b", "c", "d"]
    assert list(ds.attrs["invocations"]) == [1, 2, 1, 1]
    np.testing.assert_array_equal(ds[()], [t.elapsed for t in timers])


def test_rows_open_once_and_arrive_in_blocks(out):
    f, sync = out
    rec = BenchmarkRecord(
        f.create_group("bench"),
        dtype="float32",
        compression=0,
        output=sync,
        block_rows=3,
    )
    rows = rec.open_rows(["b", "d"])
    assert rows.block_rows == 3
    with pytest.raises(RuntimeError) as err:
        rec.open_rows(["b", "d"])
    assert str(err.value) == "The rows of /bench are open already"
    cum = f["bench/cumulative"]
    assert cum.dtype == np.float32
    for i in range(3):
        rows.append([i, 0.25])
    assert cum.shape == (3, 2)  # one block, no flush asked for
    # Its blocks take part in the once-a-second flush of the file.
    sync.flusher.last_ns = 0
    rows.append([3, 0.5])
    assert rows.flush() == 1
    assert sync.next_due_ns > _sync.INTERVAL_NS
    np.testing.assert_array_equal(cum[:, 0], [0, 1, 2, 3])


def test_a_record_closed_without_rows_has_empty_cumulative_columns(out):
    f, sync = out
    timers = _timers()
    rec = BenchmarkRecord(
        f.create_group("bench"), dtype="float64", compression=6, output=sync
    )
    stats = {t.name: t.stats for t in timers if not t.one_shot}
    rec.close(timers, stats, _resources.process_resources(None, 1.0))
    g = f["bench"]
    assert g["cumulative"].shape == (0, 2)
    assert _labels(g["cumulative"]) == ["b", "d"]
    assert g["total"].shape == (4,)
    # Everything the record writes is compressed at its level.
    compressed = [
        name
        for name, ds in g.items()
        if isinstance(ds, h5py.Dataset) and ds.compression == "gzip"
    ]
    assert {"cumulative", N_ITER_DSET, "total"} <= set(compressed)
    assert len(compressed) > 3  # the statistics too
    assert {g[n].compression_opts for n in compressed} == {6}
