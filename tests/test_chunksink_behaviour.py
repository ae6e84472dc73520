"""Time series written as whole deflated chunks (io._chunksink): the same
file as the resize-and-assign idiom, for both model classes, whole chunks
and a partial last one; rows in flight when the file closes; a bounded
queue; which datasets take the direct path."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import BaseModel, StepwiseModel
from utopya_backend.io._chunksink import ChunkSink
from utopya_backend.io._sync import OutputSync
from utopya_backend.io._writer import make_writer

ROW = (16, 16)  # 256-byte rows: chunks of 128 rows, blocks of 4096


class Both(StepwiseModel):
    """Each row through ``create_ts_dset`` and through the writer; the
    writer is flushed mid-chunk at ``flush_at`` (what a sync does)."""

    def setup(self, *, flush_at=(), dtype="u1", **_):
        kw = dict(extra_dims=("x", "y"), sizes=dict(x=16, y=16), dtype=dtype)
        self.idiom = self.create_ts_dset("idiom", **kw)
        self.writer = self.create_ts_writer("writer", **kw)
        self.flush_at = set(flush_at)
        self.state = np.zeros(ROW, dtype)

    def perform_step(self):
        self.state += self.rng.integers(0, 3, size=ROW).astype(
            self.state.dtype
        )

    def write_data(self):
        n = self.idiom.shape[0]
        self.idiom.resize(n + 1, axis=0)
        self.idiom[n] = self.state
        self.writer.append(self.state)
        if self.time in self.flush_at:
            self.writer.flush()


def _stored_deflated(dset: h5py.Dataset) -> bool:
    """Whether every chunk is stored through the deflate filter, smaller
    than its raw bytes."""
    raw = int(np.prod(dset.chunks)) * dset.dtype.itemsize
    infos = [
        dset.id.get_chunk_info(i) for i in range(dset.id.get_num_chunks())
    ]
    return all(i.filter_mask == 0 and i.size < raw for i in infos)


@pytest.mark.parametrize(
    "steps, flush_at, dtype",
    [
        (3 * 4096 - 1, (), "u1"),  # 3 blocks, every chunk whole
        (2 * 4096 + 300, (), "u1"),  # a partial last chunk
        (4096 + 700, (5, 130, 131, 4500), "u1"),  # flushed mid-chunk
        (1000, (), ">i2"),  # big-endian: the bytes are the file's
    ],
    ids=["whole", "partial", "flushed", "big-endian"],
)
def test_stepwise_rows_equal_the_idiom(
    use_impl, make_cfg, steps, flush_at, dtype
):
    cfg = make_cfg(
        model=dict(flush_at=list(flush_at), dtype=dtype), num_steps=steps
    )
    m = Both(cfg_file_path=cfg)
    assert isinstance(m.writer._sink, ChunkSink)
    m.run()
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        a, b = f["MyModel/idiom"], f["MyModel/writer"]
        assert b.shape == (steps + 1,) + ROW
        np.testing.assert_array_equal(a[()], b[()])
        assert (a.dtype, a.maxshape) == (b.dtype, b.maxshape)
        assert (b.compression, b.compression_opts) == ("gzip", 2)
        assert (b.shuffle, b.fletcher32) == (False, False)
        assert dict(a.attrs).keys() == dict(b.attrs).keys()
        assert _stored_deflated(b)


class Grid(BaseModel):
    """A BaseModel appending a grid row at chosen iterations, and the same
    rows the way users of the original package write them."""

    def setup(self, *, stop, every, **_):
        self.stop, self.every = stop, every
        self.writer = self.create_ts_writer(
            "writer", extra_dims=("x", "y"), sizes=dict(x=16, y=16), dtype="u1"
        )
        self.idiom = self.h5group.create_dataset(
            "idiom",
            (0,) + ROW,
            maxshape=(None,) + ROW,
            chunks=True,
            compression=2,
            dtype="u1",
        )
        self.times = []

    def should_iterate(self):
        return self.n_iterations < self.stop

    def iterate(self):
        pass

    def should_write(self):
        return self.n_iterations % self.every == 0

    def write_data(self):
        row = np.full(ROW, self.n_iterations % 256, np.uint8)
        row[0, : self.n_iterations % 16] = 7
        n = self.idiom.shape[0]
        self.idiom.resize(n + 1, axis=0)
        self.idiom[n] = row
        self.times.append(self.n_iterations)
        self.writer.append(row)


@pytest.mark.parametrize("every", [1, 3])
def test_base_model_rows_and_labels_equal_the_idiom(use_impl, make_cfg, every):
    cfg = make_cfg(model=dict(stop=5000 * every, every=every))
    m = Grid(cfg_file_path=cfg)
    m.run()
    times = m.times
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        a, b = f["MyModel/idiom"], f["MyModel/writer"]
        assert len(b) == len(times) == 5000
        np.testing.assert_array_equal(a[()], b[()])
        assert _stored_deflated(b)
        # Regular labels become start_and_step; the label rows stay.
        assert list(b.attrs["coords__time"]) == [times[0], every]
        np.testing.assert_array_equal(f["MyModel/writer_time"][()], times)


def _writer(path, **kw):
    f = h5py.File(path, "w")
    sync = OutputSync(f)
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=(0, 1),
        label_source=None,
        dtype="u1",
        **kw,
    )
    return f, sync, w


def test_rows_in_flight_when_the_file_closes_are_reported(use_impl, tmp_path):
    path = str(tmp_path / "a.h5")
    f, sync, w = _writer(path, extra_dims=("i",), sizes=dict(i=4096))
    rows = np.zeros((256, 4096), np.uint8)
    w.extend(rows)  # one block: handed over, its chunks queued
    assert isinstance(w._sink, ChunkSink) and w._sink.n_queued > 0
    f.close()  # by the model, too early
    with pytest.raises(RuntimeError) as err:
        w.extend(rows)  # the next block meets the closed file
    assert str(err.value) == (
        f"Cannot write 512 rows to dataset '/x' in file {path}: the file was "
        "closed before they were written (close it after run() returns, not "
        "in the model), so they are lost"
    )
    with pytest.raises(RuntimeError) as again:
        sync.finish()  # the end of the run: the same rows, still lost
    assert str(again.value) == str(err.value)
    with h5py.File(path, "r") as f:
        assert f["x"].shape == (0, 4096)  # still opens: no row, no garbage


QUEUE_SCRIPT = """
import json, resource, sys
import h5py, numpy as np
from utopya_backend.core import _impl
from utopya_backend.io._chunksink import ChunkSink

f = h5py.File(sys.argv[1], "w")
x = f.create_dataset(
    "x", (0, 4096), "u1", maxshape=(None, 4096), chunks=(8, 4096),
    compression="gzip", compression_opts=1,
)
sink = ChunkSink(x, level=1)
peak = 0

def watch(rows, labels):
    global peak
    sink(rows, labels)
    peak = max(peak, sink.n_queued)

buf = _impl.RowBuffer("rows", (4096,), "u1", watch)
rows = np.zeros((1000, 4096), np.uint8)
rss = []
for i in range(1000):
    rows[:, :4] = (np.arange(i * 1000, (i + 1) * 1000)[:, None]
                   .astype("<u4").view(np.uint8))
    buf.extend(rows)
    if i in (10, 999):
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
buf.flush()
sink.drain()
print(json.dumps(dict(
    peak=peak, slots=sink._ring.n_slots, block=buf.block_rows // 8,
    rss=rss, impl=_impl.IMPLEMENTATION, rows=x.shape[0],
    last=int(x[-1, :4].view("<u4")[0]),
)))
"""


def test_the_queue_stays_bounded_over_a_million_rows(impl, tmp_path):
    # 10**6 rows of 4 KiB (4 GB) appended as fast as numpy copies them:
    # compression cannot keep up, so the ring fills and the model waits.
    env = dict(os.environ, UTOPYA_BACKEND_NO_EXTENSIONS="")
    if impl.is_pure_python:
        env["UTOPYA_BACKEND_NO_EXTENSIONS"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", QUEUE_SCRIPT, str(tmp_path / "a.h5")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["impl"] == ("python" if impl.is_pure_python else "c")
    assert got["rows"] == 10**6 and got["last"] == 10**6 - 1
    # Chunks held: a block's worth at least (handed over, not yet
    # written), never more than the ring's slots and one block.
    assert got["slots"] == 64 and got["block"] == 32
    assert 32 <= got["peak"] <= 64 + 32
    # Memory (peak resident) grows by less than 64 MiB over the 4 GB.
    before, after = got["rss"]
    assert after - before < 64 * 1024  # KiB
