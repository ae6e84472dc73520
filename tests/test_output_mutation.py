"""The output file when a model's setup fails: rows a writer holds reach
the file, or an error says they are lost (once); the file is left closed
and valid."""

from __future__ import annotations

import gc
import logging
import sys

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import BaseModel, StepwiseModel


class FailingSetup(BaseModel):
    """Appends ``rows`` rows in setup, optionally closes its file, then
    raises."""

    def setup(self, *, rows=3, close=False, **_):
        self.writer = self.create_ts_writer("w", dtype="f8")
        for k in range(rows):
            self.writer.append(float(k))
        if close:
            self._h5file.close()
        raise RuntimeError("setup broke")

    def should_iterate(self):
        return False

    def iterate(self):
        pass

    def should_write(self):
        return False

    def write_data(self):
        pass


def _loss_records(caplog) -> list:
    return [r for r in caplog.records if "lost" in r.getMessage()]


def test_rows_appended_before_setup_fails_reach_the_file(use_impl, make_cfg):
    cfg = make_cfg(model=dict(rows=3))
    with pytest.raises(RuntimeError, match="setup broke"):
        FailingSetup(cfg_file_path=cfg)
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:  # closed and valid
        np.testing.assert_array_equal(f["MyModel/w"][()], [0.0, 1.0, 2.0])


def test_rows_lost_when_setup_closed_the_file_are_reported_once(
    use_impl, make_cfg, caplog
):
    """The setup error propagates; the lost rows are logged as an error
    naming their count and dataset, once, also after the half-built model
    is collected."""
    cfg = make_cfg(model=dict(rows=3, close=True))
    with caplog.at_level(logging.ERROR):
        with pytest.raises(RuntimeError, match="setup broke"):
            FailingSetup(cfg_file_path=cfg)
        gc.collect()
    lost = _loss_records(caplog)
    assert len(lost) == 1
    msg = lost[0].getMessage()
    assert msg.startswith("Writing pending output failed, got RuntimeError")
    assert "3 rows" in msg and "/MyModel/w" in msg


class FailingClose(FailingSetup):
    """Its rows cannot be written and its file's close closes the file
    but raises (as HDF5 may when flushing at close fails)."""

    built: list = []

    def setup(self, **cfg):
        f = self._h5file
        real_close = f.close

        def close():
            real_close()
            raise OSError("close broke")

        f.close = close
        FailingClose.built.append(self)
        super().setup(**cfg)


def test_a_failed_close_after_a_failed_setup_reports_each_error_once(
    use_impl, make_cfg, caplog, monkeypatch
):
    """Collecting the half-built model must not write, close or report
    again: the rows were reported lost once, the close failure once."""

    def broken_resize(*_, **__):
        raise OSError("resize broke")

    monkeypatch.setattr(h5py.Dataset, "resize", broken_resize)
    cfg = make_cfg(model=dict(rows=3))
    with caplog.at_level(logging.ERROR):
        with pytest.raises(RuntimeError, match="setup broke"):
            FailingClose(cfg_file_path=cfg)
        # What garbage collection does with the half-built model:
        FailingClose.built.pop()._close_output()
        gc.collect()
    errors = [r.getMessage() for r in caplog.records]
    assert len(errors) == 2, errors
    # on the model's logger, as its other lines
    assert {r.name.rsplit(".", 1)[-1] for r in caplog.records} == {"MyModel"}
    assert "3 rows" in errors[0] and "resize broke" in errors[0]
    assert errors[1] == "Closing HDF5 file failed, got OSError: close broke"


class ClosesMidRun(StepwiseModel):
    """Closes its own file in its last write, with rows still pending."""

    def setup(self, **_):
        self.writer = self.create_ts_writer("w", dtype="f8")
        self.calls: list = []

    def perform_step(self):
        pass

    def write_data(self):
        self.writer.append(float(self.time))
        if self.time == self.num_steps:
            self._h5file.close()

    def epilog(self, *, finished_run):
        self.calls.append(("epilog", finished_run))


def test_rows_lost_to_a_file_closed_mid_run_fail_the_run_after_the_epilog(
    use_impl, make_cfg
):
    """The run fails saying the rows are lost, but the epilog ran first
    (as after a finished run)."""
    m = ClosesMidRun(cfg_file_path=make_cfg(num_steps=3))
    with pytest.raises(RuntimeError, match="rows .* lost"):
        m.run()
    assert m.calls == [("epilog", True)]


class FailsBeforeBase(FailingSetup):
    """Fails in its own ``__init__`` before BaseModel's ran."""

    def __init__(self, **kwargs):
        raise TypeError("bad arguments")


def test_a_model_failing_before_base_init_is_collected_quietly(
    make_cfg, monkeypatch
):
    unraisable: list = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(TypeError, match="bad arguments"):
        FailsBeforeBase(cfg_file_path=make_cfg())
    gc.collect()
    assert unraisable == []
