"""StepwiseModel's write times on both stepping paths: the core loop's
own stepping and the Python one (taken when a model overrides a stepping
hook), also for plans where ``write_start`` differs from ``write_every``
or is a negative number off the ``write_every`` grid."""

from __future__ import annotations

import errno
import gc
import logging
import os

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import BaseModel, StepwiseModel
from utopya_backend.signal import SIG_STOPCOND

# (write_start, write_every): start off the grid, negative and not a
# multiple of every, positive start past the first interval, equal.
PLANS = [(2, 3), (1, 4), (5, 2), (-3, 2), (-1, 3), (-7, 4), (-4, 2), (3, 3)]


def expected_times(start: int, every: int, num_steps: int) -> list:
    """The documented write times: the initial write at 0 if ``start <=
    0``, then every time ``t`` in 1..num_steps on the grid of ``start``."""
    times = [0] if start <= 0 else []
    return times + [
        t
        for t in range(1, num_steps + 1)
        if t >= start and (t - start) % every == 0
    ]


class Recorder(StepwiseModel):
    """Records the time of each write, into a list and a time series."""

    def setup(self, **_):
        self.written: list = []
        self.series = self.create_ts_writer("t", dtype="i8")

    def perform_step(self):
        pass

    def write_data(self):
        self.written.append(self.time)
        self.series.append(self.time)


class PythonStepped(Recorder):
    """Overrides ``iterate``: the loop then asks ``should_write`` in
    Python after every step instead of stepping on its own."""

    def iterate(self):
        super().iterate()


def _labels(cfg: str) -> tuple:
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        d = f["MyModel/t"]
        rows = d[()].tolist()
        if d.attrs["coords_mode__time"] == "start_and_step":
            start, step = (int(v) for v in d.attrs["coords__time"])
            return rows, [start + k * step for k in range(len(rows))]
        return rows, f["MyModel"][d.attrs["coords__time"]][()].tolist()


@pytest.mark.parametrize("model", [Recorder, PythonStepped])
@pytest.mark.parametrize("start, every", PLANS)
def test_writes_happen_at_the_write_times(
    use_impl, make_cfg, model, start, every
):
    cfg = make_cfg(num_steps=11, write_start=start, write_every=every)
    m = model(cfg_file_path=cfg)
    assert m.run() == 0
    assert m.time == 11
    want = expected_times(start, every, 11)
    assert m.written == want
    rows, labels = _labels(cfg)
    assert rows == labels == want


@pytest.mark.parametrize("start, every", [(2, 3), (-3, 2), (4, 1)])
def test_should_write_answers_for_each_time(make_cfg, start, every):
    """``should_write`` at each time, as a model asking it directly sees
    it: true exactly at the write times (0 only via the initial write's
    grid), false past ``num_steps``."""
    m = Recorder(
        cfg_file_path=make_cfg(
            num_steps=9, write_start=start, write_every=every
        )
    )
    grid = {t for t in range(start, 10, every)}
    for t in range(-1, 13):
        m._time = t
        assert m.should_write() is (t in grid), t


class Compressed(StepwiseModel):
    """Makes a dataset and a writer with the given compression (or the
    default if ``level`` is missing)."""

    def setup(self, **cfg):
        kw = {"compression": cfg["level"]} if "level" in cfg else {}
        self.dset = self.create_ts_dset("d", dtype="f8", **kw)
        self.writer = self.create_ts_writer("w", dtype="f8", **kw)

    def perform_step(self):
        pass

    def write_data(self):
        pass


@pytest.mark.parametrize(
    "model_cfg, compression, opts",
    [
        ({}, "gzip", 2),
        (dict(level=7), "gzip", 7),
        (dict(level=None), None, None),
    ],
)
def test_time_series_are_compressed_as_asked(
    make_cfg, model_cfg, compression, opts
):
    """gzip level 2 by default; a given level or None is passed on."""
    cfg = make_cfg(model=model_cfg)
    m = Compressed(cfg_file_path=cfg)
    for d in (m.h5group["d"], m.h5group["w"]):
        assert (d.compression, d.compression_opts) == (compression, opts)


class CountsWrites(Recorder):
    """Records ``_num_writes_left`` (the original's method) in setup and
    in each write."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.left = [self._num_writes_left()]

    def write_data(self):
        super().write_data()
        self.left.append(self._num_writes_left())


@pytest.mark.parametrize("start, every", [(2, 3), (0, 2), (-3, 2)])
def test_num_writes_left_counts_the_writes_to_come(
    use_impl, make_cfg, start, every
):
    """In setup: all writes; in a write: that one and those after it."""
    m = CountsWrites(
        cfg_file_path=make_cfg(
            num_steps=9, write_start=start, write_every=every
        )
    )
    m.run()
    n = len(expected_times(start, every, 9))
    assert m.left[0] == n
    assert m.left[1:] == list(range(n, 0, -1))


class DoubleSteps(Recorder):
    """Advances its time by two per iteration (its own stepping), so the
    time differs from the iteration count."""

    def iterate(self):
        self.perform_step()
        self._time += 2


def test_writer_rows_are_labelled_by_time_not_by_iteration(make_cfg):
    """An irregular plan (initial write, then off the grid of
    ``write_every``) labels each row with the model's time at its
    append."""
    cfg = make_cfg(num_steps=10, write_start=-4, write_every=3)
    m = DoubleSteps(cfg_file_path=cfg)
    m.run()
    assert m.written == [0, 2, 8]  # the even times on the grid -4, -1, 2..
    rows, labels = _labels(cfg)
    assert rows == labels == [0, 2, 8]


class Stopping(StepwiseModel):
    """Writes its time through the idiom; a stop condition is met after
    step ``stop_at``."""

    ATTACH_SIGNAL_HANDLERS = False
    USE_SYS_EXIT = False

    def setup(self, *, stop_at=-1, **_):
        self.stop_at = stop_at
        self.dset = self.create_ts_dset("d", dtype="i8")

    def perform_step(self):
        if self.time + 1 == self.stop_at:
            self._signal_info = dict(got_signal=True, signum=SIG_STOPCOND)

    def write_data(self):
        n = self.dset.shape[0]
        self.dset.resize(n + 1, axis=0)
        self.dset[n] = self.time


def test_a_stopped_run_logs_its_last_step(make_cfg, caplog):
    cfg = make_cfg(
        num_steps=10, model=dict(stop_at=4), log_levels=dict(model="info")
    )
    m = Stopping(cfg_file_path=cfg)
    with caplog.at_level(logging.INFO):
        assert m.run() == 128 + SIG_STOPCOND
    assert "Last iteration step was: 4 / 10." in caplog.messages


def test_a_finished_run_does_not_log_a_last_step(make_cfg, caplog):
    cfg = make_cfg(num_steps=3, log_levels=dict(model="info"))
    m = Stopping(cfg_file_path=cfg)
    with caplog.at_level(logging.INFO):
        assert m.run() == 0
    assert not [r for r in caplog.messages if "Last iteration" in r]


def test_labels_of_a_stopped_irregular_run_match_its_rows(use_impl, make_cfg):
    """The planned labels of an irregular plan are cut to the rows
    written when the run stops early: one label per row."""
    cfg = make_cfg(
        num_steps=10, write_start=-3, write_every=2, model=dict(stop_at=4)
    )
    m = Stopping(cfg_file_path=cfg)
    assert m.run() == 128 + SIG_STOPCOND
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        d = f["MyModel/d"]
        assert d.attrs["coords_mode__time"] == "linked"
        labels = f["MyModel"][d.attrs["coords__time"]][()].tolist()
        assert d[()].tolist() == labels == [0, 1, 3]


class Wide(StepwiseModel):
    def setup(self, **_):
        self.dset = self.create_ts_dset(
            "d", extra_dims=("x",), sizes=dict(x=1024), dtype="f4"
        )

    def perform_step(self):
        pass

    def write_data(self):
        pass


def test_a_dataset_that_would_fill_the_disk_refuses_to_grow(make_cfg, tmpfs):
    """``create_ts_dset``'s dataset claims disk space before it grows:
    "Disk full" (ENOSPC) instead of HDF5 failing later, and the shape
    stays as it was."""
    disk = tmpfs(2)
    cfg = make_cfg(num_steps=10**5, output_path=os.path.join(disk, "o.h5"))
    m = Wide(cfg_file_path=cfg)
    m.dset.resize(10, axis=0)
    with pytest.raises(OSError, match="Disk full") as err:
        m.dset.resize(10**4, axis=0)  # 40 MB
    assert err.value.errno == errno.ENOSPC
    assert m.dset.shape == (10, 1024)


@pytest.mark.parametrize(
    "root, start_and_step",
    [
        (dict(num_steps=300, write_start=10, write_every=130), [10, 130]),
        (dict(num_steps=300, write_start=200, write_every=150), [200, 150]),
    ],
)
def test_large_write_times_are_the_time_coordinates(
    make_cfg, root, start_and_step
):
    """Write times far past the first steps label the rows as they are."""
    cfg = make_cfg(**root)
    m = Recorder(cfg_file_path=cfg)
    m.run()
    rows, labels = _labels(cfg)
    assert rows == labels == m.written
    assert labels[:2] == [start_and_step[0], sum(start_and_step)][: len(rows)]


def test_write_times_beyond_int64_give_int64_coordinates(make_cfg):
    """``write_start`` and ``write_every`` of 2**63 (no write happens)
    still give ``start_and_step`` coordinates the data manager reads as
    int64, starting past the last step."""
    cfg = make_cfg(num_steps=200, write_start=2**63, write_every=2**63)
    m = Recorder(cfg_file_path=cfg)
    dset = m.create_ts_dset("d", dtype="f8")
    assert m.run() == 0 and m.written == []
    for name in ("d", "t"):
        coords = m.h5group[name].attrs["coords__time"]
        assert coords.dtype == np.int64, name
        # a start past every step: no step is labelled a write time
        assert coords[0] > 200, name
    assert dset.shape == (0,)


class Progress(Recorder):
    def perform_step(self):
        self.seen = getattr(self, "seen", []) + [self.compute_progress()]


@pytest.mark.parametrize("num_steps", [0, 4])
def test_progress_is_the_fraction_of_steps_made(use_impl, make_cfg, num_steps):
    m = Progress(cfg_file_path=make_cfg(num_steps=num_steps))
    assert m.compute_progress() == (0.0 if num_steps else 1.0)
    m.run()
    assert getattr(m, "seen", []) == [k / 4 for k in range(num_steps)]
    assert m.compute_progress() == 1.0


@pytest.mark.parametrize("start, logged", [(0, True), (-2, True), (1, False)])
def test_the_initial_write_is_logged_when_it_happens(
    make_cfg, caplog, start, logged
):
    cfg = make_cfg(write_start=start, log_levels=dict(model="info"))
    with caplog.at_level(logging.INFO):
        m = Recorder(cfg_file_path=cfg)
    assert ("Writing initial state ..." in caplog.messages) is logged
    assert (m.written == [0]) is logged


class RootKeyMixin(BaseModel):
    """A cooperative mixin placed after StepwiseModel: checks and reads a
    root key of its own, and sees the step keys."""

    def _check_root_cfg(self, root_cfg):
        super()._check_root_cfg(root_cfg)
        if not isinstance(root_cfg.get("extra", 0), int):
            raise ValueError("extra must be an int")

    def _parse_root_cfg(self, *, extra=0, **kwargs):
        self.parsed = dict(kwargs, extra=extra)
        super()._parse_root_cfg(**kwargs)


class WithMixin(Recorder, RootKeyMixin):
    pass


def test_a_mixin_after_stepwise_model_checks_and_reads_root_keys(make_cfg):
    with pytest.raises(ValueError, match="extra must be an int"):
        WithMixin(cfg_file_path=make_cfg(extra="x"))
    m = WithMixin(
        cfg_file_path=make_cfg(
            extra=3, num_steps=7, write_start=2, write_every=5
        )
    )
    p = m.parsed
    assert (p["num_steps"], p["write_start"], p["write_every"]) == (7, 2, 5)
    assert p["extra"] == 3 and p["seed"] == 42


def test_the_step_plan_is_logged(make_cfg, caplog):
    cfg = make_cfg(
        num_steps=7,
        write_start=2,
        write_every=5,
        log_levels=dict(model="info"),
    )
    with caplog.at_level(logging.INFO):
        Recorder(cfg_file_path=cfg)
    assert "Steps: 7, writing from 2 every 5 step(s)." in caplog.messages


class IdiomRecorder(Recorder):
    """Also writes each time into a ``create_ts_dset`` dataset."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.dset = self.create_ts_dset("d", dtype="i8")

    def write_data(self):
        super().write_data()
        n = self.dset.shape[0]
        self.dset.resize(n + 1, axis=0)
        self.dset[n] = self.time


@pytest.mark.parametrize("start, every", [(1, 4), (1, 1), (-1, 2)])
def test_idiom_rows_are_labelled_with_their_write_times(
    make_cfg, start, every
):
    """Also for ``write_start`` 1, where no initial write happens."""
    cfg = make_cfg(num_steps=9, write_start=start, write_every=every)
    m = IdiomRecorder(cfg_file_path=cfg)
    m.run()
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        d = f["MyModel/d"]
        n = d.shape[0]
        if d.attrs["coords_mode__time"] == "start_and_step":
            s, k = (int(v) for v in d.attrs["coords__time"])
            labels = [s + i * k for i in range(n)]
        else:
            labels = f["MyModel"][d.attrs["coords__time"]][()].tolist()
        assert d[()].tolist() == labels == expected_times(start, every, 9)
