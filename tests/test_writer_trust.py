"""TimeSeriesWriter in a model: the rows ``create_ts_dset`` would hold,
kept when the model closes its own file, errors at the model's line."""

from __future__ import annotations

import gc
import logging
import sys

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import ModelBenchmarkMixin, StepwiseModel
from utopya_backend.cli import main as cli


def _rows(cfg, name="writer"):
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        return f[f"MyModel/{name}"][()]


class Views(StepwiseModel):
    """Appends a column, a reversed row and a transpose of its grid."""

    def setup(self, **_):
        self.grid = np.arange(12.0).reshape(3, 4)
        sizes = dict(a=3, b=4)
        self.col = self.create_ts_writer("col", extra_dims="a", sizes=sizes)
        self.rev = self.create_ts_writer("rev", extra_dims="b", sizes=sizes)
        self.tr = self.create_ts_writer(
            "tr", extra_dims=("b", "a"), sizes=sizes, dtype="f8"
        )

    def perform_step(self):
        self.grid = self.grid * 2 + 1

    def write_data(self):
        self.col.append(self.grid[:, 1])
        self.rev.append(self.grid[0, ::-1])
        self.tr.append(self.grid.T)


def test_views_reach_the_file_as_their_values(use_impl, make_cfg):
    cfg = make_cfg(num_steps=3)
    Views(cfg_file_path=cfg).run()
    grids = [np.arange(12.0).reshape(3, 4)]
    for _ in range(3):
        grids.append(grids[-1] * 2 + 1)
    np.testing.assert_array_equal(_rows(cfg, "col"), [g[:, 1] for g in grids])
    np.testing.assert_array_equal(
        _rows(cfg, "rev"), [g[0, ::-1] for g in grids]
    )
    np.testing.assert_array_equal(_rows(cfg, "tr"), [g.T for g in grids])


class Closing(StepwiseModel):
    """Closes its own output file in the epilog."""

    def setup(self, *, late=0, **_):
        self.late = late
        self.writer = self.create_ts_writer("writer", dtype="f8")

    def perform_step(self):
        pass

    def write_data(self):
        if self.time <= self.num_steps - self.late:  # room for the late
            self.writer.append(float(self.time))

    def epilog(self, *, finished_run):
        for _ in range(self.late):
            self.writer.append(-1.0)
        self.h5group.file.close()


def test_rows_pending_when_the_epilog_closes_the_file_are_kept(
    use_impl, make_cfg
):
    cfg = make_cfg(num_steps=20)
    m = Closing(cfg_file_path=cfg)
    assert m.run() == 0
    np.testing.assert_array_equal(_rows(cfg), np.arange(21.0))


def test_rows_appended_before_a_close_say_they_are_lost(use_impl, make_cfg):
    """Appended in the epilog just before the close: they cannot reach the
    file, and the run says so instead of returning 0."""
    cfg = make_cfg(num_steps=5, model=dict(late=2))
    m = Closing(cfg_file_path=cfg)
    with pytest.raises(RuntimeError) as err:
        m.run()
    msg = str(err.value)
    assert "2 rows" in msg and "/MyModel/writer" in msg
    assert "closed" in msg and "lost" in msg
    np.testing.assert_array_equal(_rows(cfg), np.arange(4.0))


def test_lost_rows_are_reported_once(use_impl, make_cfg, caplog):
    """Closing the model after the failed run (as garbage collection
    does) does not log the loss a second time."""
    cfg = make_cfg(num_steps=5, model=dict(late=2))
    m = Closing(cfg_file_path=cfg)
    with pytest.raises(RuntimeError, match="lost"):
        m.run()
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        m._close_output()
    assert [r for r in caplog.records if "lost" in r.getMessage()] == []


class WrongShape(StepwiseModel):
    def setup(self, **_):
        self.writer = self.create_ts_writer(
            "writer", extra_dims=("x",), sizes=dict(x=3)
        )

    def perform_step(self):
        pass

    def write_data(self):
        self.writer.append(np.zeros(4))  # the model's line


def test_a_bad_append_is_reported_at_the_model_line(
    use_impl, make_cfg, tmp_path, monkeypatch
):
    """``run`` reports ``(at FILE:LINE)`` of the model, not of the core
    (the compiled core's frame names a .pyx file that need not exist)."""
    cfg = make_cfg()
    monkeypatch.chdir(tmp_path)  # not where the package was built
    with pytest.raises(ValueError, match="shapes differ") as err:
        WrongShape(cfg_file_path=cfg)
    line = WrongShape.write_data.__code__.co_firstlineno + 1
    where = cli._model_frame(err.value)
    assert where == f" (at {__file__}:{line})", where
    assert sys.modules[WrongShape.__module__].__file__ == __file__


class ClosesThenFails(ModelBenchmarkMixin, StepwiseModel):
    """A benchmarked model that closes its own file mid-run, then fails."""

    def setup(self, **_):
        self.n = 0

    def perform_step(self):
        self.n += 1
        if self.n == 3:
            self._h5file.close()
            raise ZeroDivisionError("the model's own error")

    def write_data(self):
        pass


def test_a_failed_run_reports_lost_benchmark_rows_once(
    use_impl, make_cfg, caplog
):
    """The benchmark rows lost to the closed file are logged once, and the
    model's own error is what ``run`` raises."""
    cfg = make_cfg(num_steps=10)
    m = ClosesThenFails(cfg_file_path=cfg)
    with caplog.at_level(logging.ERROR):
        with pytest.raises(ZeroDivisionError, match="the model's own"):
            m.run()
        m._close_output()
    lost = [r.getMessage() for r in caplog.records if "lost" in r.getMessage()]
    assert len(lost) == 1, lost
    assert "benchmark/cumulative" in lost[0] and "closed" in lost[0]
