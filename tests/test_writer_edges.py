"""Edge cases of time series: the labels are the true write times (also
where the original's are wrong), odd plans work, failures leave nothing."""

from __future__ import annotations

import gc

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import BaseModel, StepwiseModel


def _labels(d: h5py.Dataset) -> list:
    """The ``time`` coordinates of ``d``'s rows, as the data manager reads
    them."""
    mode, n = d.attrs["coords_mode__time"], d.shape[0]
    if mode == "start_and_step":
        start, step = (int(v) for v in d.attrs["coords__time"])
        return [start + k * step for k in range(n)]
    assert mode == "linked"
    labels = d.parent[d.attrs["coords__time"]]
    assert labels.shape == (n,)  # as many labels as rows
    return labels[()].tolist()


class Both(StepwiseModel):
    """Records each write's time through the idiom and a writer; both may
    be created late (at ``create_at`` in ``create_in``)."""

    def setup(self, *, create_at=0, create_in="setup", **_):
        self.create_at, self.create_in = create_at, create_in
        self.times: list = []
        self.idiom = self.writer = None
        if create_in == "setup":
            self._create()

    def _create(self):
        self.idiom = self.create_ts_dset("idiom", dtype="i8")
        self.writer = self.create_ts_writer("writer", dtype="i8")

    def perform_step(self):
        if self.create_in == "step" and self.time == self.create_at:
            self._create()

    def write_data(self):
        if self.create_in == "write" and self.time == self.create_at:
            self._create()
        if self.idiom is None:
            return
        self.times.append(self.time)
        n = self.idiom.shape[0]
        self.idiom.resize(n + 1, axis=0)
        self.idiom[n] = self.time
        self.writer.append(self.time)


def _run(make_cfg, model=None, **root):
    cfg = make_cfg(model=model or {}, **root)
    m = Both(cfg_file_path=cfg)
    assert m.run() == 0
    times = m.times
    del m
    gc.collect()
    out = {}
    with h5py.File(output_path(cfg), "r") as f:
        for name in ("idiom", "writer"):
            d = f[f"MyModel/{name}"]
            assert d[()].tolist() == times
            out[name] = (_labels(d), d.maxshape)
    return times, out


@pytest.mark.parametrize(
    "start, every",
    [(-3, 2), (-4, 2), (-1, 3), (-6, 3), (-7, 1), (0, 4), (2, 3)],
)
def test_rows_are_labelled_with_their_write_times(
    use_impl, make_cfg, start, every
):
    """A negative ``write_start`` gave the original's labels from
    ``write_start`` and an IndexError at the last write."""
    times, out = _run(
        make_cfg, num_steps=10, write_start=start, write_every=every
    )
    assert times[0] == (0 if start <= 0 else start)
    for labels, maxshape in out.values():
        assert labels == times
        assert len(times) <= maxshape[0] <= len(times) + 1


@pytest.mark.parametrize(
    "create_in, create_at, first",
    [("write", 4, 4), ("step", 4, 6), ("step", 5, 6), ("write", 0, 0)],
)
def test_datasets_made_mid_run_are_labelled_from_their_first_row(
    use_impl, make_cfg, create_in, create_at, first
):
    """The original labels them from ``write_start`` (here 0)."""
    times, out = _run(
        make_cfg,
        model=dict(create_in=create_in, create_at=create_at),
        num_steps=10,
        write_every=2,
    )
    assert times[0] == first
    for labels, maxshape in out.values():
        assert labels == times
        assert len(times) <= maxshape[0] <= len(times) + 1


def test_a_plan_without_writes_works_as_the_idiom(use_impl, make_cfg):
    times, out = _run(make_cfg, num_steps=5, write_start=9)
    assert times == []
    assert out["idiom"][1] == out["writer"][1] == (0,)


class ZeroWide(StepwiseModel):
    def setup(self, **_):
        kw = dict(extra_dims=("x",), sizes=dict(x=0), dtype="f8")
        self.idiom = self.create_ts_dset("idiom", **kw)
        self.writer = self.create_ts_writer("writer", **kw)

    def perform_step(self):
        pass

    def write_data(self):
        n = self.idiom.shape[0]
        self.idiom.resize(n + 1, axis=0)
        self.idiom[n] = np.zeros(0)
        self.writer.append(np.zeros(0))


def test_an_extra_dimension_of_size_0_works_as_the_idiom(use_impl, make_cfg):
    cfg = make_cfg(num_steps=4)
    ZeroWide(cfg_file_path=cfg).run()
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        a, b = f["MyModel/idiom"], f["MyModel/writer"]
        assert a.shape == b.shape == (5, 0)
        assert a.maxshape == b.maxshape


class Failing(StepwiseModel):
    def setup(self, *, kind, **_):
        bad = {
            "vlen": dict(dtype=h5py.string_dtype()),
            "huge block": dict(
                extra_dims=("x",), sizes=dict(x=2**28), dtype="f8"
            ),
            "label clash": dict(),
        }[kind]
        if kind == "label clash":  # a BaseModel-like label dataset
            self.h5group.create_dataset("w_time", data=[1])
            self._ts_writer_plan = lambda: (None, None, "_time")
        with pytest.raises((ValueError, TypeError)) as self.err:
            self.create_ts_writer("w", **bad)
        self.names = set(self.h5group)
        if kind == "label clash":
            del self.h5group["w_time"]
        self.again = self.create_ts_writer("w", dtype="f8")

    def perform_step(self):
        pass

    def write_data(self):
        pass


@pytest.mark.parametrize("kind", ["vlen", "huge block", "label clash"])
def test_a_failed_create_ts_writer_leaves_nothing(use_impl, make_cfg, kind):
    cfg = make_cfg(model=dict(kind=kind), num_steps=1)
    m = Failing(cfg_file_path=cfg)
    assert "w" in str(m.err.value) or "exist" in str(m.err.value)
    assert m.names == ({"w_time"} if kind == "label clash" else set())
    assert m.again.dataset.dtype == np.float64


class Extender(StepwiseModel):
    def setup(self, **_):
        self.writer = self.create_ts_writer("w", dtype="f8")
        self.writer.extend([10.0, 11.0])  # times 0 and 2

    def perform_step(self):
        pass

    def write_data(self):
        if self.time == 4:
            self.writer.extend([12.0])


def test_extend_on_a_stepwise_model_takes_the_next_write_times(
    use_impl, make_cfg
):
    """As documented: rows take the next planned times, one each."""
    cfg = make_cfg(num_steps=4, write_every=2)
    Extender(cfg_file_path=cfg).run()
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        d = f["MyModel/w"]
        assert d[()].tolist() == [10.0, 11.0, 12.0]
        assert _labels(d) == [0, 2, 4]


class BaseExtender(BaseModel):
    def setup(self, **_):
        self.writer = self.create_ts_writer("w", dtype="f8")

    def should_iterate(self):
        return self.n_iterations < 3

    def iterate(self):
        pass

    def should_write(self):
        return True

    def write_data(self):
        self.writer.extend([1.0] * self.n_iterations)


def test_extend_on_a_base_model_labels_all_rows_with_now(use_impl, make_cfg):
    cfg = make_cfg()
    BaseExtender(cfg_file_path=cfg).run()
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        assert _labels(f["MyModel/w"]) == [1, 2, 2, 3, 3, 3]
