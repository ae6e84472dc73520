"""Corners where the compiled loop must behave as the original package does:
signals with no Python code running, hooks set on the instance, the
original's private per-iteration hooks, huge config values, monitor values
that contain themselves, and a clean signal record per model."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
from unittest import mock

import h5py
import pytest
import yaml
from _models import Counter, Walker, output_path

from utopya_backend import ModelBenchmarkMixin, StepwiseModel
from utopya_backend.signal import SIGNAL_INFO

_c_raise = getattr(ctypes.CDLL(None), "raise")


class Quiet(StepwiseModel):
    """A model whose hooks run no Python code: builtins only."""

    USE_SYS_EXIT = False
    perform_step = int  # a type is no descriptor: called as int()
    write_data = int

    def setup(self, **_):
        pass


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1]
)
def test_signal_is_noticed_within_one_iteration_of_builtin_steps(
    use_impl, make_cfg, sig
):
    """A step that raises a signal in C (libc's raise, through ctypes, which
    unlike os.kill does not run the handlers): no Python bytecode runs until
    the loop ends, so only the loop itself can notice it."""
    m = Quiet(
        cfg_file_path=make_cfg(num_steps=10**6, monitor_emit_interval=1e6)
    )
    m.perform_step = functools.partial(_c_raise, sig)
    m._attach_signal_handlers()
    assert m.run() == 128 + sig
    assert (m.time, m.n_iterations) == (1, 1)


class Counting(Walker):
    """A walker whose private per-iteration hooks count their calls, as a
    mixin written against the original package overrides them."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.counts = dict(iterate=0, write=0, emit=0)

    def _invoke_iterate(self):
        self.counts["iterate"] += 1
        super()._invoke_iterate()

    def _invoke_write_data(self):
        self.counts["write"] += 1
        super()._invoke_write_data()

    def _monitor_should_emit(self, *, t=None):
        self.counts["emit"] += 1
        return super()._monitor_should_emit(t=t)


class BenchCounting(ModelBenchmarkMixin, Counting):
    pass


@pytest.mark.parametrize("cls", [Counting, BenchCounting])
def test_original_private_hooks_are_called_every_iteration(
    use_impl, make_cfg, cls
):
    m = cls(cfg_file_path=make_cfg(num_steps=10))
    m.run()
    assert m.counts == dict(iterate=10, write=10, emit=10)
    assert m.time == 10


def test_overridden_private_hooks_keep_benchmark_rows(use_impl, make_cfg):
    m = BenchCounting(cfg_file_path=make_cfg(num_steps=6))
    m.run()
    path = output_path(m._cfg_file_path)
    del m
    with h5py.File(path, "r") as f:
        assert f["MyModel/x"].shape == (7,)
        assert f["MyModel/benchmark/cumulative"].shape == (7, 4)


@pytest.mark.parametrize(
    "hook", ["_pre_iterate", "_post_iterate", "show_iteration_info"]
)
def test_hooks_set_on_the_instance_are_called(use_impl, make_cfg, hook):
    m = Walker(cfg_file_path=make_cfg(num_steps=5))
    with mock.patch.object(m, hook) as patched:
        m.run()
    assert patched.call_count == 5


def test_trigger_monitor_set_on_the_instance_is_called(use_impl, make_cfg):
    m = Walker(cfg_file_path=make_cfg(num_steps=5))
    with mock.patch.object(m, "trigger_monitor") as patched:
        m.run()
    assert patched.call_count == 5


def test_should_write_and_should_iterate_on_the_instance(use_impl, make_cfg):
    m = Walker(cfg_file_path=make_cfg(num_steps=10))
    with mock.patch.object(m, "should_write", return_value=False):
        with mock.patch.object(
            m, "should_iterate", side_effect=[True] * 4 + [False]
        ):
            m.run()
    assert m.time == 4
    assert m.dset.shape == (1,)  # only the initial state was written


def test_counter_hooks_on_the_instance(use_impl, make_cfg):
    m = Counter(cfg_file_path=make_cfg(model=dict(stop=6)))
    with mock.patch.object(m, "should_write", return_value=True) as w:
        m.run()
    assert w.call_count == 6 and m.written == list(range(1, 7))


@pytest.mark.parametrize(
    "key, value",
    [
        ("monitor_emit_interval", 1.0e10),
        ("monitor_emit_interval", 1e300),
        ("write_every", 2**64),
        ("write_start", 2**64),
        ("write_start", -(2**70) + 1),
    ],
)
def test_huge_accepted_values_run_like_the_original(
    use_impl, make_cfg, key, value
):
    m = Walker(cfg_file_path=make_cfg(num_steps=5, **{key: value}))
    m.run()
    expected = [
        t
        for t in range(0, 6)
        if t >= m.write_start and (t - m.write_start) % m.write_every == 0
    ]
    assert m.dset.shape == (len(expected),)


def test_num_steps_beyond_int64_is_a_config_error(make_cfg):
    with pytest.raises(ValueError, match="'num_steps'.*2\\*\\*63"):
        Walker(cfg_file_path=make_cfg(num_steps=2**63))


def test_monitor_dict_containing_itself_does_not_end_the_run(
    use_impl, make_cfg, capsys
):
    class Loop(Walker):
        def monitor(self, info):
            info["me"] = info
            return info

    m = Loop(cfg_file_path=make_cfg(num_steps=3, monitor_emit_interval=0))
    m.run()
    lines = [
        yaml.safe_load(x)
        for x in capsys.readouterr().out.splitlines()
        if x.startswith("!!map")
    ]
    assert lines[-1]["MyModel"]["me"] == "{...}"
    assert m.time == 3


def test_a_new_model_starts_with_a_clean_signal_record(use_impl, make_cfg):
    first = Walker(cfg_file_path=make_cfg(num_steps=10**6))
    first.USE_SYS_EXIT = False
    first.perform_step = functools.partial(
        os.kill, os.getpid(), signal.SIGUSR1
    )
    assert first.run() == 128 + signal.SIGUSR1
    assert SIGNAL_INFO["got_signal"]
    second = Walker(cfg_file_path=make_cfg(num_steps=20))
    assert not SIGNAL_INFO["got_signal"]
    assert second.run() == 0 and second.time == 20


def test_overridden_check_signals_is_asked_every_iteration(use_impl, make_cfg):
    """As in the original: a non-None answer stops the run with that code."""

    class Stopper(Walker):
        USE_SYS_EXIT = False

        def _check_signals(self):
            return 3 if self.time == 4 else None

    m = Stopper(cfg_file_path=make_cfg(num_steps=10))
    assert m.run() == 3
    assert m.time == 4 and m.calls[-1] == ("epilog", False)


def test_signal_stop_leaves_the_epilog_out_of_full_iteration(
    use_impl, make_cfg
):
    import time

    from _models import BenchWalker

    class Slow(BenchWalker):
        USE_SYS_EXIT = False

        def perform_step(self):
            super().perform_step()
            if self.time == 3:
                os.kill(os.getpid(), signal.SIGUSR1)

        def epilog(self, *, finished_run):
            time.sleep(0.3)

    m = Slow(cfg_file_path=make_cfg(num_steps=10))
    m._attach_signal_handlers()
    assert m.run() == 128 + signal.SIGUSR1
    assert m.timers["epilog"].elapsed >= 0.3
    assert m.timers["full_iteration"].elapsed < 0.3
    assert m.timers["full_iteration"].invocations == 4  # times 0 to 3


def test_the_users_config_is_not_mutated(use_impl, make_cfg):
    from _models import BenchWalker

    bench = dict(show_on_exit=False)
    m = BenchWalker(cfg_file_path=make_cfg(model=dict(benchmark=bench)))
    assert m.root_cfg["MyModel"]["benchmark"] == bench  # as loaded
    assert "benchmark" not in m.cfg  # what setup() saw


def test_seed_zero_for_the_global_rngs_seeds_them(use_impl, make_cfg):
    import random

    import numpy as np

    Walker(cfg_file_path=make_cfg(seed_numpy_rng=0, seed_system_rng=0))
    a = (np.random.random(), random.random())
    np.random.seed(0)
    random.seed(0)
    assert a == (np.random.random(), random.random())
