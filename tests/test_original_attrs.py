"""The original's private attributes that model code copied from its source
reads: ``_write_start_stop_step``, ``_signal_info`` (and a ``_check_signals``
override reading it), ``_last_emit``, the benchmark mixin's ``_dgrp_bench``,
``_dset_total`` and ``_dset_cumulative``; and ``_num_writes``, which the
original leaves to the model (its own tests' model counts writes in it).
Each on both core implementations, both stepping paths where they differ."""

from __future__ import annotations

import os
import signal
import time

import h5py
import numpy as np
import pytest
from _models import BenchWalker, Counter, Walker, output_path

from utopya_backend import StepwiseModel
from utopya_backend.signal import SIG_STOPCOND, SIGNAL_INFO
from utopya_backend.tools import ConfigError


class WriteCounter(StepwiseModel):
    """Counts its writes in ``_num_writes``, as the original's test model
    does; ``signal_at`` replaces ``_signal_info`` with a dict recording
    that signal after that step, as that model does to mock a signal."""

    USE_SYS_EXIT = False

    def setup(self, *, signal_at: int = -1, signum: int = 2, **_):
        self._num_writes = 0
        self.written_at = []
        self.signal_at = signal_at
        self.signum = signum
        self.epilogs = []

    def perform_step(self):
        if self._time + 1 == self.signal_at:
            self._signal_info = dict(SIGNAL_INFO)
            self._signal_info["got_signal"] = True
            self._signal_info["signum"] = self.signum

    def write_data(self):
        self._num_writes += 1
        self.written_at.append(self.time)

    def epilog(self, *, finished_run):
        self.epilogs.append(finished_run)


class PyStepped(WriteCounter):
    """The same, stepped in Python (should_write is overridden)."""

    def should_write(self):
        return super().should_write()


STEPPERS = [WriteCounter, PyStepped]


# .. _write_start_stop_step and _num_writes ...................................


@pytest.mark.parametrize("cls", STEPPERS)
@pytest.mark.parametrize(
    "start, every, n_steps", [(0, 1, 12), (11, 2, 42), (-3, 4, 10), (7, 3, 5)]
)
def test_write_start_stop_step_gives_the_write_times(
    use_impl, make_cfg, cls, start, every, n_steps
):
    m = cls(
        cfg_file_path=make_cfg(
            num_steps=n_steps, write_start=start, write_every=every
        )
    )
    assert m._write_start_stop_step == (start, n_steps + 1, every)
    m.run()
    times = range(*m._write_start_stop_step)
    # the initial write (at time 0) stands for all write times <= 0
    expected = sorted({max(0, t) for t in times})
    assert m.written_at == expected
    # the model's own counter, never touched by the backend
    assert m._num_writes == len(expected)


def test_write_start_stop_step_is_read_only(make_cfg):
    m = WriteCounter(cfg_file_path=make_cfg())
    with pytest.raises(AttributeError):
        m._write_start_stop_step = (0, 1, 1)


# .. The initial write is not timed ...........................................


def test_initial_write_is_not_counted_by_the_write_timer(use_impl, make_cfg):
    m = BenchWalker(cfg_file_path=make_cfg(num_steps=5))
    assert m.dset.shape == (1,)  # the initial state was written ...
    timer = m.timers["write_data"]
    assert timer.elapsed == 0 and timer.invocations == 0  # ... untimed
    m.run()
    assert m.dset.shape == (6,)
    assert timer.invocations == 5
    with h5py.File(m._h5file.filename, "r") as f:
        rows = f["MyModel/benchmark/cumulative_n_iterations"][:]
    # ... yet it has its benchmark row: one row per data write
    assert rows.tolist() == [0, 1, 2, 3, 4, 5]


# .. _signal_info and _check_signals .........................................


def test_signal_info_is_the_handlers_record_by_default(make_cfg):
    m = WriteCounter(cfg_file_path=make_cfg())
    assert m._signal_info is SIGNAL_INFO


@pytest.mark.parametrize("cls", STEPPERS)
@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, SIG_STOPCOND, 13]
)
def test_signal_info_replaced_mid_run_stops_the_run(
    use_impl, make_cfg, cls, signum
):
    m = cls(
        cfg_file_path=make_cfg(
            num_steps=50, model=dict(signal_at=7, signum=int(signum))
        )
    )
    assert m.run() == 128 + abs(int(signum))
    assert m.time == 7 and m.n_iterations == 7
    assert m.epilogs == [False]
    assert not SIGNAL_INFO["got_signal"]  # the handler's record untouched


def test_signal_info_replaced_mid_run_stops_a_base_model(use_impl, make_cfg):
    class Stopping(Counter):
        USE_SYS_EXIT = False

        def iterate(self):
            super().iterate()
            if self.n_iterations == 3:
                self._signal_info = dict(got_signal=True, signum=15)

    m = Stopping(cfg_file_path=make_cfg(model=dict(stop=20)))
    assert m.run() == 128 + 15
    assert m.n_iterations == 4


def test_signal_info_replaced_before_the_run_is_checked(use_impl, make_cfg):
    m = WriteCounter(cfg_file_path=make_cfg(num_steps=20))
    record = dict(got_signal=False, signum=None)
    m._signal_info = record
    assert m._signal_info is record
    m.perform_step = lambda: record.update(
        got_signal=m.time >= 4, signum=signal.SIGTERM
    )
    assert m.run() == 128 + signal.SIGTERM
    assert m.time == 5  # after the step that saw time 4


class OwnCheck(WriteCounter):
    """A ``_check_signals`` override in the original's style: it reads
    ``self._signal_info`` and returns ``128 + abs(signum)``."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.checks = []

    def _check_signals(self):
        self.checks.append(self.time)
        info = self._signal_info
        if not info["got_signal"]:
            return None
        self.log.warning("Stopping on signal %d.", info["signum"])
        return 128 + abs(info["signum"])


class PyOwnCheck(OwnCheck, PyStepped):
    pass


@pytest.mark.parametrize("cls", [OwnCheck, PyOwnCheck])
def test_check_signals_override_is_called_every_iteration(
    use_impl, make_cfg, cls
):
    m = cls(cfg_file_path=make_cfg(num_steps=6))
    assert m.run() == 0
    assert m.checks == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("cls", [OwnCheck, PyOwnCheck])
def test_check_signals_override_stops_on_a_real_signal(
    use_impl, make_cfg, cls
):
    m = cls(cfg_file_path=make_cfg(num_steps=100))

    def step():
        if m.time == 3:
            os.kill(os.getpid(), SIG_STOPCOND)

    m.perform_step = step
    assert m.run() == 128 + SIG_STOPCOND
    assert m.checks == [1, 2, 3, 4]
    assert m.time == 4 and m.epilogs == [False]


# .. _last_emit .............................................................


class Emitting(WriteCounter):
    """Its ``_monitor_should_emit`` is the original's rule, written against
    ``_last_emit``; it records each emission's ``_last_emit``."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.emits = []

    def _monitor_should_emit(self, *, t=None):
        t = t if t is not None else time.monotonic()
        return t > self._last_emit + self._monitor_emit_interval

    def _post_monitor(self):
        self.emits.append(self._last_emit)


@pytest.mark.parametrize("interval, n_emits", [(0.0, 8), (1000.0, 0)])
def test_last_emit_serves_a_copied_monitor_rule(
    use_impl, make_cfg, interval, n_emits
):
    before = time.monotonic()
    m = Emitting(
        cfg_file_path=make_cfg(num_steps=8, monitor_emit_interval=interval)
    )
    # the forced emission at the end of __init__, on the monotonic clock
    assert before <= m._last_emit <= time.monotonic()
    first = m._last_emit
    assert m.emits == [first]
    m.run()
    assert len(m.emits) == 1 + n_emits
    assert all(a < b for a, b in zip(m.emits, m.emits[1:]))
    assert m._last_emit == m.emits[-1]


def test_last_emit_is_read_only(make_cfg):
    m = Emitting(cfg_file_path=make_cfg())
    with pytest.raises(AttributeError):
        m._last_emit = 0


# .. The benchmark group and its datasets ....................................


def test_benchmark_datasets_as_in_the_original(use_impl, make_cfg):
    m = BenchWalker(cfg_file_path=make_cfg(num_steps=7))
    grp = m._dgrp_bench
    assert isinstance(grp, h5py.Group) and grp.name == "/MyModel/benchmark"
    # the initial write's row (the original has none) made the rows
    assert m._dset_total is None and m._dset_cumulative.shape == (1, 4)
    m.run()
    cum, total = m._dset_cumulative, m._dset_total
    assert cum.name == "/MyModel/benchmark/cumulative"
    assert total.name == "/MyModel/benchmark/total"
    assert cum.shape == (8, 4)  # one row per data write
    assert list(cum.attrs["coords__label"]) == list(m.elapsed_cumulative)
    np.testing.assert_allclose(total[:], list(m.elapsed.values()), rtol=1e-6)
    path = output_path(m._cfg_file_path)
    del m, grp, cum, total
    with h5py.File(path, "r") as f:
        assert f["MyModel/benchmark/total"].shape == (11,)


@pytest.mark.parametrize("bench", [dict(enabled=False), dict(write=False)])
def test_benchmark_datasets_are_none_when_nothing_is_written(
    use_impl, make_cfg, bench
):
    m = BenchWalker(cfg_file_path=make_cfg(model=dict(benchmark=bench)))
    m.run()
    assert m._dgrp_bench is None
    assert m._dset_total is None and m._dset_cumulative is None


@pytest.mark.parametrize("name", ["_dgrp_bench", "_dset_total"])
def test_benchmark_datasets_are_read_only(make_cfg, name):
    m = BenchWalker(cfg_file_path=make_cfg())
    with pytest.raises(AttributeError):
        setattr(m, name, None)


# .. num_steps at the int64 limit ............................................


def test_num_steps_2_63_minus_1_is_a_config_error(make_cfg):
    path = make_cfg(num_steps=2**63 - 1)
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=path)
    msg = str(err.value)
    assert "'num_steps'" in msg and str(2**63 - 1) in msg and path in msg
    assert "2**63 - 2" in msg
    assert not os.path.exists(output_path(path))


@pytest.mark.parametrize("cls", [Walker, BenchWalker])
def test_num_steps_2_63_minus_2_runs(use_impl, make_cfg, cls):
    class Stopped(cls):
        USE_SYS_EXIT = False

        def perform_step(self):
            super().perform_step()
            if self.time == 2:
                self._signal_info = dict(got_signal=True, signum=15)

    m = Stopped(cfg_file_path=make_cfg(num_steps=2**63 - 2))
    assert m.dset.maxshape == (2**63 - 1,)
    assert m._write_start_stop_step == (0, 2**63 - 1, 1)
    assert m.run() == 128 + 15
    assert m.dset.shape == (4,) and m.time == 3
