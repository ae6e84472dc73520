"""make_writer (io._writer) called directly: its defaults, the layout of
the dataset and of its label dataset, custom label attributes, cleanup
after a failure and the flush policy its blocks take part in."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from utopya_backend.io import _sync
from utopya_backend.io._layout import CHUNK_BYTES
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
    # Chunks of whole rows, as many as fit in CHUNK_BYTES.
    assert d.chunks == (CHUNK_BYTES // (3 * 4), 3)
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
