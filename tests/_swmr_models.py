"""Models for the SWMR tests (also run as subprocess scripts:
``python _swmr_models.py CLASS CFG``)."""

from __future__ import annotations

import sys
import time

import numpy as np

from utopya_backend import BaseModel, ModelBenchmarkMixin, StepwiseModel
from utopya_backend.io import _swmr

WIDTH = 4


class Rows(ModelBenchmarkMixin, BaseModel):
    """Counts to ``stop``; each write appends a row of ``n_iterations``.

    Records the file's writer state in the loop and in the epilog, and
    sets attributes on its written dataset in the epilog (which HDF5
    refuses under SWMR)."""

    def setup(self, *, stop=20, sleep=0.0, fail_at=-1, **_):
        self.stop, self.sleep, self.fail_at = stop, sleep, fail_at
        self.states = {}
        self.w = self.create_ts_writer(
            "rows", extra_dims=("x",), sizes=dict(x=WIDTH), dtype="f8"
        )

    def should_iterate(self):
        return self.n_iterations < self.stop

    def iterate(self):
        if self.n_iterations == self.fail_at:
            raise RuntimeError(f"iterate failed at {self.n_iterations}")
        if self.sleep:
            time.sleep(self.sleep)
        if self.n_iterations == 2:
            self.states["loop"] = _swmr.writer_state(
                self.h5group.file.filename
            )

    def should_write(self):
        return True

    def write_data(self):
        self.w.append(np.full(WIDTH, float(self.n_iterations)))

    def epilog(self, *, finished_run):
        self.states["epilog"] = _swmr.writer_state(self.h5group.file.filename)
        self.w.dataset.attrs["rows_written"] = len(self.w)
        self.w.dataset.attrs["note"] = "set in the epilog " * 4
        self.h5group.attrs["finished_run"] = finished_run


class Steps(ModelBenchmarkMixin, StepwiseModel):
    """A StepwiseModel with a writer and a ``create_ts_dset`` dataset."""

    def setup(self, *, sleep=0.0, **_):
        self.sleep = sleep
        self.states = {}
        self.w = self.create_ts_writer("w", dtype="i8")
        self.d = self.create_ts_dset("d", extra_dims=("x",), sizes=dict(x=2))

    def perform_step(self):
        if self.sleep:
            time.sleep(self.sleep)
        if self.time == 2:
            self.states["loop"] = _swmr.writer_state(
                self.h5group.file.filename
            )

    def write_data(self):
        self.w.append(self.time * 10)
        n = self.d.shape[0]
        self.d.resize(n + 1, axis=0)
        self.d[n] = [self.time, -self.time]

    def epilog(self, *, finished_run):
        self.states["epilog"] = _swmr.writer_state(self.h5group.file.filename)
        self.d.attrs["final_time"] = self.time


if __name__ == "__main__":
    cls = {"Rows": Rows, "Steps": Steps}[sys.argv[1]]
    cls(cfg_file_path=sys.argv[2]).run()
