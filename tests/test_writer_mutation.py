"""make_writer (io._writer) called directly: its defaults, the layout of
the dataset and of its label dataset, custom label attributes, cleanup
after a failure and the flush policy its blocks take part in."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from utopya_backend.io import _sync
from utopya_backend.io._layout import CHUNK_BYTES, RING_CHUNK_BYTES
from utopya_backend.io._sync import OutputSync
from utopya_backend.io._writer import TimeSeriesWriter, make_writer

pytestmark = pytest.mark.usefixtures("use_impl")


class Source:
    """Stands in for a model: the attribute labelling each row."""

    def __init__(self) -> None:
        self._n_iterations = 0
        self.step = 100


@pytest.fixture
def out(tmp_path):
    f = h5py.File(tmp_path / "out.h5", "w")
    sync = OutputSync(f)
    yield f, sync
    if f.id.valid:
        f.close()


def test_defaults_float32_rows_labelled_by_n_iterations_gzip_2(out):
    f, sync = out
    src = Source()
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=None,
        label_source=src,
        extra_dims=("v",),
        sizes=dict(v=3),
    )
    for i in (1, 2, 5):
        src._n_iterations = i
        w.append([i, i, i])
    sync.finish()
    d, t = f["x"], f["x_time"]
    assert d.dtype == np.float32 and d.shape == (3, 3)
    np.testing.assert_array_equal(t[()], [1, 2, 5])
    assert t.dtype == np.int64 and t.maxshape == (None,)
    assert list(t.attrs["dim_names"]) == ["time"]
    for ds in (d, t):
        assert ds.compression == "gzip" and ds.compression_opts == 2
    # Chunks of whole rows, as many as fit: in RING_CHUNK_BYTES for rows
    # the deflate ring compresses, in CHUNK_BYTES for the labels.
    assert d.chunks == (RING_CHUNK_BYTES // (3 * 4), 3)
    assert t.chunks == (CHUNK_BYTES // 8,)


def test_a_fresh_label_dataset_is_empty_and_bounded_by_max_rows(out):
    f, sync = out
    make_writer(
        f,
        "x",
        sync=sync,
        max_rows=7,
        start_and_step=None,
        label_source=Source(),
        compression=5,
        dtype="f8",
    )
    t = f["x_time"]
    assert t.shape == (0,) and t.maxshape == (7,) and t.chunks == (7,)
    assert t.compression_opts == 5 and f["x"].compression_opts == 5
    assert f["x"].dtype == np.float64 and f["x"].chunks == (7,)


def test_rows_are_labelled_by_the_named_attribute(out):
    f, sync = out
    src = Source()
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=None,
        label_source=src,
        label_attr="step",
    )
    w.append(1.0)
    src.step = 300
    w.extend([2.0, 3.0])
    sync.finish()
    np.testing.assert_array_equal(f["x_time"][()], [100, 300, 300])


def test_a_failed_writer_leaves_neither_dataset(out):
    f, sync = out
    with pytest.raises(TypeError):
        make_writer(
            f,
            "x",
            sync=sync,
            max_rows=None,
            start_and_step=None,
            label_source=1,  # cannot be referenced weakly
        )
    assert list(f) == []


def test_missing_sizes_are_all_named(out):
    f, sync = out
    with pytest.raises(ValueError) as err:
        make_writer(
            f,
            "x",
            sync=sync,
            max_rows=None,
            start_and_step=(0, 1),
            label_source=None,
            extra_dims=("a", "b", "c"),
            sizes=dict(b=2),
        )
    assert str(err.value) == (
        "create_ts_writer('x') needs the size of every extra dimension to "
        "preallocate rows; missing in sizes: a, c"
    )


def test_a_block_written_after_a_second_flushes_the_file(out):
    """The writer's rows take part in the output's once-a-second flush:
    a block reaching a file unflushed for longer flushes it."""
    f, sync = out
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=(0, 1),
        label_source=None,
    )
    sync.flusher.last_ns = 0  # long ago
    w.append(1.0)
    assert sync.next_due_ns == _sync.INTERVAL_NS  # nothing written yet
    assert w.flush() == 1
    assert sync.next_due_ns > _sync.INTERVAL_NS


def test_the_class_methods_append_and_extend_work_unbound(out):
    """``TimeSeriesWriter.append(w, row)`` does what ``w.append`` does."""
    f, sync = out
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=(0, 1),
        label_source=None,
    )
    TimeSeriesWriter.append(w, 4.0)
    TimeSeriesWriter.extend(w, [5.0, 6.0])
    np.testing.assert_array_equal(w.dataset[()], [4.0, 5.0, 6.0])


@pytest.mark.parametrize(
    "kwargs, ring",
    [
        (dict(), True),
        (dict(compression="gzip"), True),
        (dict(compression="gzip", compression_opts=9), True),
        (dict(compression=0), True),
        (dict(compression=None), False),
        (dict(compression="lzf"), False),
        (dict(compression=2, shuffle=True), False),
        (dict(compression=2, fletcher32=True), False),
        (dict(compression=2, dtype="c8"), False),
        (dict(compression=True), True),  # h5py: gzip at level 4
    ],
)
def test_chunks_are_sized_for_the_ring_only_where_it_compresses(
    out, kwargs, ring
):
    """Rows the deflate ring compresses get RING_CHUNK_BYTES chunks (the
    ring deflates them in pieces, as fast as small ones); rows HDF5's own
    filters compress keep CHUNK_BYTES, which those filters prefer."""
    f, sync = out
    kwargs.setdefault("dtype", "f8")
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=(0, 1),
        label_source=None,
        extra_dims=("v",),
        sizes=dict(v=16),
        **kwargs,
    )
    want = RING_CHUNK_BYTES if ring else CHUNK_BYTES
    assert w.dataset.chunks == (want // 128, 16)
    assert (type(w._sink).__name__ == "ChunkSink") is ring


@pytest.mark.parametrize("fill", [0, 7])
def test_a_partial_chunk_is_padded_with_the_fill_value(out, fill):
    """The chunk still filling is stored whole at a flush, its missing rows
    the dataset's fill value: rows added past the end later (by any HDF5
    writer) read as the fill value, as HDF5's own chunks give."""
    f, sync = out
    w = make_writer(
        f,
        "x",
        sync=sync,
        max_rows=None,
        start_and_step=(0, 1),
        label_source=None,
        extra_dims=("v",),
        sizes=dict(v=4),
        dtype="i2",
        fillvalue=fill,
    )
    rows = np.arange(20, dtype="i2").reshape(5, 4) + 100
    w.extend(rows)
    sync.finish()
    d = f["x"]
    assert d.id.get_num_chunks() == 1 and d.chunks[0] > 8
    d.resize(8, axis=0)
    np.testing.assert_array_equal(d[:5], rows)
    np.testing.assert_array_equal(d[5:], np.full((3, 4), fill))
