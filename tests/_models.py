"""Small models shared by the tests (also run as subprocess scripts)."""

from __future__ import annotations

import time

import numpy as np
import yaml

from utopya_backend import BaseModel, ModelBenchmarkMixin, StepwiseModel


def output_path(cfg_path: str) -> str:
    """The output path a config file names."""
    with open(cfg_path) as f:
        return yaml.safe_load(f)["output_path"]


class Walker(StepwiseModel):
    """A random walk; writes its position into a time series."""

    def setup(
        self,
        *,
        sleep: float = 0.0,
        sleep_in: str = "step",
        fail_at: int = -1,
        **_,
    ):
        self.x = 0.0
        self.sleep = sleep
        self.sleep_in = sleep_in
        self.fail_at = fail_at
        self.calls = []
        self.dset = self.create_ts_dset("x")

    def perform_step(self):
        if self.time == self.fail_at:
            raise RuntimeError(f"step failed at time {self.time}")
        self.x += self.rng.normal()
        if self.sleep and self.sleep_in == "step":
            time.sleep(self.sleep)

    def write_data(self):
        if self.sleep and self.sleep_in == "write":
            time.sleep(self.sleep)
        n = self.dset.shape[0]
        self.dset.resize(n + 1, axis=0)
        self.dset[n] = self.x

    def monitor(self, monitor_info):
        if self.sleep and self.sleep_in == "monitor":
            time.sleep(self.sleep)
        monitor_info["x"] = self.x
        return monitor_info

    def prolog(self):
        self.calls.append("prolog")

    def epilog(self, *, finished_run):
        self.calls.append(("epilog", finished_run))


class BenchWalker(ModelBenchmarkMixin, Walker):
    """The random walk with benchmarking."""


class Counter(BaseModel):
    """A BaseModel counting to ``stop`` and writing at listed iterations."""

    def setup(self, *, stop: int = 5, write_at=None, **_):
        self.stop = stop
        self.write_at = set(range(stop + 1) if write_at is None else write_at)
        self.written = []

    def should_iterate(self):
        return self.n_iterations < self.stop

    def iterate(self):
        self.value = np.int64(self.n_iterations)

    def should_write(self):
        return self.n_iterations in self.write_at

    def write_data(self):
        self.written.append(self.n_iterations)

    def compute_progress(self):
        return self.n_iterations / self.stop if self.stop else 1.0


class BenchCounter(ModelBenchmarkMixin, Counter):
    """The counter with benchmarking."""
