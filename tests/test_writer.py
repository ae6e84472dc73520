"""TimeSeriesWriter: the same data as the resize-and-assign idiom, rows kept
through every way a run can end, clear errors for bad rows."""

from __future__ import annotations

import gc

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import BaseModel, StepwiseModel
from utopya_backend.io import TimeSeriesWriter

GRID = dict(extra_dims=("x", "y"), sizes=dict(x=3, y=2))
GRID_COORDS = dict(x=[10, 20, 30], y=dict(mode="trivial"))


class Both(StepwiseModel):
    """Writes each row twice: through the idiom and through the writer."""

    def setup(self, *, shape=(), dtype=None, kwargs=None, **_):
        kw = dict(kwargs or {})
        if dtype is not None:
            kw["dtype"] = dtype
        self.shape = tuple(shape)
        self.idiom = self.create_ts_dset("idiom", **kw)
        self.writer = self.create_ts_writer("writer", **kw)
        self.state = np.zeros(self.shape, kw.get("dtype", "f4"))

    def perform_step(self):
        self.state += self.rng.integers(0, 5, size=self.shape).astype(
            self.state.dtype
        )

    def write_data(self):
        n = self.idiom.shape[0]
        self.idiom.resize(n + 1, axis=0)
        self.idiom[n] = self.state
        self.writer.append(self.state)


def _read(path, name):
    with h5py.File(path, "r") as f:
        d = f[f"MyModel/{name}"]
        return d[()], d.dtype, d.maxshape, dict(d.attrs)


@pytest.mark.parametrize(
    "model",
    [
        dict(),
        dict(dtype="f8"),
        dict(dtype="i4"),
        dict(
            shape=(3, 2), dtype="u1", kwargs=dict(**GRID, coords=GRID_COORDS)
        ),
    ],
    ids=["default", "f8", "i4", "grid"],
)
@pytest.mark.parametrize("write", [dict(), dict(write_start=3, write_every=4)])
def test_writer_output_equals_the_idiom(use_impl, make_cfg, model, write):
    cfg = make_cfg(model=model, num_steps=30, **write)
    m = Both(cfg_file_path=cfg)
    m.run()
    assert isinstance(m.writer, TimeSeriesWriter)
    assert len(m.writer) == m.idiom.shape[0]
    del m
    gc.collect()
    a = _read(output_path(cfg), "idiom")
    b = _read(output_path(cfg), "writer")
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1:3] == b[1:3]  # dtype, maxshape
    assert a[3].keys() == b[3].keys()
    for key in a[3]:
        np.testing.assert_array_equal(a[3][key], b[3][key])


class Irregular(BaseModel):
    """A BaseModel writing rows at chosen iterations."""

    def setup(self, *, stop=10, write_at=(), shape=(), **_):
        self.stop = stop
        self.write_at = set(write_at)
        self.shape = tuple(shape)
        sizes = {f"d{i}": n for i, n in enumerate(self.shape)}
        self.writer = self.create_ts_writer(
            "x", extra_dims=tuple(sizes), sizes=sizes, dtype="f8"
        )

    def should_iterate(self):
        return self.n_iterations < self.stop

    def iterate(self):
        pass

    def should_write(self):
        return self.n_iterations in self.write_at

    def write_data(self):
        self.writer.append(np.full(self.shape, self.n_iterations))


@pytest.mark.parametrize(
    "write_at, mode",
    [
        ((2, 4, 6, 8), "start_and_step"),
        ((1, 2, 5, 9), "linked"),
        ((7,), "start_and_step"),
    ],
)
def test_base_model_rows_are_labelled_with_n_iterations(
    use_impl, make_cfg, write_at, mode
):
    cfg = make_cfg(model=dict(write_at=write_at, shape=(2,)))
    m = Irregular(cfg_file_path=cfg)
    m.run()
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        d = f["MyModel/x"]
        np.testing.assert_array_equal(d[:, 0], write_at)
        assert list(d.attrs["dim_names"]) == ["time", "d0"]
        assert d.attrs["coords_mode__time"] == mode
        times = f["MyModel/x_time"][()]
        np.testing.assert_array_equal(times, write_at)
        if mode == "start_and_step":
            start, step = d.attrs["coords__time"]
            assert start == write_at[0]
            assert step == (
                write_at[1] - write_at[0] if len(write_at) > 1 else 1
            )
        else:
            assert d.attrs["coords__time"] == "x_time"


def test_labels_are_linked_while_the_run_is_going(use_impl, make_cfg):
    """A killed run leaves the linked labels, which are always right."""
    seen = {}

    class Peek(Irregular):
        def epilog(self, *, finished_run):
            f = self.h5group
            seen["mode"] = f["x"].attrs["coords_mode__time"]

    m = Peek(cfg_file_path=make_cfg(model=dict(write_at=(1, 2, 3))))
    m.run()
    assert seen["mode"] == "linked"


def test_dataset_flushes_and_flush_counts(use_impl, make_cfg):
    m = Both(cfg_file_path=make_cfg(num_steps=5))
    w = m.writer
    assert len(w) == 1  # the initial state, written at the end of setup
    assert w.flush() == 0
    m.writer.append(2.5)
    assert w.flush() == 1 and w.flush() == 0
    m.writer.append(1.5)
    ds = w.dataset
    assert ds.shape == (3,) and ds[-1] == 1.5
    assert w.name == "/MyModel/writer"
    assert "3 rows" in repr(w)


def test_wrong_rows_name_the_writer_and_append_nothing(use_impl, make_cfg):
    m = Both(
        cfg_file_path=make_cfg(
            model=dict(shape=(3, 2), dtype="u1", kwargs=GRID)
        )
    )
    before = len(m.writer)
    with pytest.raises(ValueError) as err:
        m.writer.append(np.zeros((2, 3)))
    msg = str(err.value)
    assert "/MyModel/writer" in msg
    assert "(2, 3)" in msg and "(3, 2)" in msg
    with pytest.raises(ValueError, match="does not cast"):
        m.writer.append(np.full((3, 2), 0.5))
    assert len(m.writer) == before


def test_more_rows_than_planned_is_an_error(use_impl, make_cfg):
    m = Both(cfg_file_path=make_cfg(num_steps=4, write_every=2))
    assert m.writer.dataset.maxshape == (3,)  # times 0, 2, 4
    m.writer.extend([1.0, 2.0])
    with pytest.raises(IndexError, match="/MyModel/writer.*at most 3"):
        m.writer.append(3.0)


def test_writer_needs_every_size(use_impl, make_cfg):
    class NoSize(Both):
        def setup(self, **_):
            self.create_ts_writer("w", extra_dims=("x",))

    with pytest.raises(ValueError, match="missing in sizes: x"):
        NoSize(cfg_file_path=make_cfg())


def test_rows_are_written_on_an_exception(use_impl, make_cfg):
    class Failing(Both):
        def perform_step(self):
            if self.time == 6:
                raise RuntimeError("boom")
            super().perform_step()

    cfg = make_cfg(num_steps=20)
    m = Failing(cfg_file_path=cfg)
    with pytest.raises(RuntimeError, match="boom"):
        m.run()
    del m
    gc.collect()
    a, b = _read(output_path(cfg), "idiom"), _read(output_path(cfg), "writer")
    assert b[0].shape == (7,)  # times 0 to 6
    np.testing.assert_array_equal(a[0], b[0])


def test_rows_reach_the_file_about_once_a_second(use_impl, make_cfg):
    """During the run, pending rows are written at least once a second,
    long before a block is full (what a SIGKILL would lose)."""
    import time

    class Slow(Both):
        def perform_step(self):
            super().perform_step()
            time.sleep(0.1)
            if self.time == 14:  # 1.4 s into the run
                self.seen = self.h5group["writer"].shape[0]

    m = Slow(cfg_file_path=make_cfg(num_steps=15))
    m.run()
    assert 5 <= m.seen <= 14
