"""StepwiseModel's write times on both stepping paths: the core loop's
own stepping and the Python one (taken when a model overrides a stepping
hook), also for plans where ``write_start`` differs from ``write_every``
or is a negative number off the ``write_every`` grid."""

from __future__ import annotations

import gc

import h5py
import pytest
from _models import output_path

from utopya_backend import StepwiseModel

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
