"""ModelBenchmarkMixin beyond test_benchmark: how it cooperates with other
classes of the model (arguments, hook arguments), the resources it
reports, the summary line it logs, and what a failing end of a run logs.
"""

from __future__ import annotations

import gc
import logging
import resource
import sys

import h5py
import pytest
import yaml
from _models import BenchWalker, Walker, output_path

from utopya_backend import ModelBenchmarkMixin
from utopya_backend.core._timefmt import format_time
from utopya_backend.io import _sync
from utopya_backend.tools import ConfigError

pytestmark = pytest.mark.usefixtures("use_impl")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _errors(caplog) -> list:
    return [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
    ]


class _Tagged:
    """Another cooperative base taking a positional argument."""

    def __init__(self, tag, **kwargs):
        self.tag = tag
        super().__init__(**kwargs)


class TaggedWalker(ModelBenchmarkMixin, _Tagged, Walker):
    pass


def test_positional_arguments_reach_the_next_class(make_cfg):
    m = TaggedWalker("t1", cfg_file_path=make_cfg(num_steps=2))
    assert m.tag == "t1"


class _RecordsPostRun(Walker):
    def _post_run(self, *, finished_run):
        self.post_run_finished = finished_run
        super()._post_run(finished_run=finished_run)


class RecordingWalker(ModelBenchmarkMixin, _RecordsPostRun):
    pass


def test_the_hooks_after_the_mixin_get_finished_run(make_cfg):
    m = RecordingWalker(cfg_file_path=make_cfg(num_steps=3))
    assert m.run() == 0
    assert m.calls[-1][0] == "epilog" and m.calls[-1][1] is True
    assert m.post_run_finished is True


def test_cpu_is_counted_from_the_creation_of_the_model(make_cfg):
    """What the process spent before the model existed is not the
    model's (the test process has spent plenty by now)."""
    path = make_cfg(num_steps=3)
    before = _cpu()
    m = BenchWalker(cfg_file_path=path)
    m.run()
    after = _cpu()
    res = m.resource_usage
    assert 0 <= res["cpu"] <= after - before + 1e-6
    assert res["cpu"] == pytest.approx(res["cpu_user"] + res["cpu_system"])


def test_resources_are_frozen_at_the_end_of_the_run(make_cfg):
    m = BenchWalker(cfg_file_path=make_cfg(num_steps=3))
    m.run()
    first = m.resource_usage
    start = _cpu()
    while _cpu() == start:  # spend CPU time after the run
        sum(range(1000))
    assert m.resource_usage == first


def test_the_summary_logged_at_exit_is_the_elapsed_info_and_stats(
    make_cfg, caplog
):
    with caplog.at_level(logging.INFO):
        m = BenchWalker(
            cfg_file_path=make_cfg(num_steps=4, log_levels=dict(model="info"))
        )
        m.run()
    summaries = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("Elapsed times")
    ]
    # After the run the timers and resources are frozen: the logged text
    # is what the model reports now.
    assert summaries == [
        "Elapsed times for parts of this simulation:\n\n"
        f"{m.elapsed_info}\n\n{m.format_timer_stats()}\n"
    ]


def test_time_strings_have_two_decimals_unless_asked(make_cfg):
    m = BenchWalker(cfg_file_path=make_cfg(num_steps=3))
    m.run()
    seconds = [t.elapsed for t in m.timers.values()]
    got = m.format_elapsed_info("{time_str}").splitlines()
    assert got == [format_time(s, ms_precision=2) for s in seconds]
    got = m.format_elapsed_info("{time_str}", ms_precision=0).splitlines()
    assert got == [format_time(s, ms_precision=0) for s in seconds]
    # With whole units only, no time string of a second or more has a
    # decimal point (e.g. "2s", "850ns").
    assert not any("." in x for x in got)


def test_timers_are_not_in_the_monitor_unless_configured(make_cfg, capsys):
    m = BenchWalker(
        cfg_file_path=make_cfg(
            num_steps=3, monitor_emit_interval=0, model=dict(benchmark={})
        )
    )
    m.run()
    lines = [
        yaml.safe_load(x)
        for x in capsys.readouterr().out.splitlines()
        if x.startswith("!!map")
    ]
    assert len(lines) == 4
    assert all(list(d["MyModel"]) == ["x"] for d in lines)


class FailsAfterSaving(BenchWalker):
    def _post_run(self, *, finished_run):
        super()._post_run(finished_run=finished_run)
        raise RuntimeError("after the benchmark was saved")


def test_an_error_after_saving_does_not_save_again(make_cfg, caplog):
    path = make_cfg(num_steps=3)
    m = FailsAfterSaving(cfg_file_path=path)
    with pytest.raises(RuntimeError, match="after the benchmark was saved"):
        m.run()
    assert _errors(caplog) == []
    assert m._dset_total is not None
    assert m._dset_total.shape == (len(m.timers),)


class ClosesAndFails(BenchWalker):
    def perform_step(self):
        if self.time == 3:
            self._h5file.close()
            raise RuntimeError("step failed")
        super().perform_step()


def test_a_failed_save_is_logged_behind_the_original_error(make_cfg, caplog):
    path = make_cfg(num_steps=10, write_every=1)
    m = ClosesAndFails(cfg_file_path=path)
    with pytest.raises(RuntimeError, match="^step failed$"):
        m.run()
    errors = _errors(caplog)
    assert errors[0].startswith(
        "Saving benchmark data failed: RuntimeError: Cannot write 3 rows to "
        "dataset '/MyModel/benchmark/cumulative' in file "
    )
    assert errors[0].endswith(
        ": the file was closed before they were written (close it after "
        "run() returns, not in the model), so they are lost"
    )


class BlockWalker(BenchWalker):
    _BENCHMARK_BLOCK_ROWS = 4

    def write_data(self):
        super().write_data()
        dset = self._dset_cumulative
        self.seen.append(None if dset is None else dset.shape[0])

    def setup(self, **kw):
        super().setup(**kw)
        self.seen = []


def test_cumulative_rows_reach_the_file_a_block_at_a_time(
    make_cfg, monkeypatch
):
    """``_BENCHMARK_BLOCK_ROWS`` rows are kept in memory, then written at
    once (the once-a-second sync is held off here)."""
    monkeypatch.setattr(_sync, "INTERVAL_NS", 10**15)
    m = BlockWalker(cfg_file_path=make_cfg(num_steps=10))
    m.run()
    # Seen in write_data at times 0..10, before that write's row is
    # taken. The row of the initial write (time 0) reaches the file when
    # the run starts (it syncs the output); the rows of times 1-4 go
    # together when the fourth is taken, so time 5 sees 5 rows, time 9
    # sees 9; the last two arrive at the end of the run.
    assert m.seen == [0, 1, 1, 1, 1, 5, 5, 5, 5, 9, 9]
    assert m._dset_cumulative.shape[0] == 11


class NarrowOptions(BenchWalker):
    """Takes only some of the options (and no ``**kwargs``)."""

    def _configure_benchmark(self, *, enabled=True, write=True):
        super()._configure_benchmark(enabled=enabled, write=write)


def test_an_override_without_kwargs_takes_only_its_own_options(make_cfg):
    ok = make_cfg(model=dict(benchmark=dict(write=False)))
    NarrowOptions(cfg_file_path=ok).run()
    path = make_cfg(model=dict(benchmark=dict(show_on_exit=False)))
    with pytest.raises(ConfigError) as err:
        NarrowOptions(cfg_file_path=path)
    assert str(err.value) == (
        "Invalid option 'show_on_exit' for key 'MyModel.benchmark' in "
        f"config file {path}; valid options: enabled, write"
    )


class FailsEarly(BenchWalker):
    def __init__(self, **kwargs):
        raise RuntimeError("before the mixin's __init__")


def test_a_model_that_failed_before_the_mixin_is_deleted_silently(
    monkeypatch,
):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(RuntimeError, match="before the mixin"):
        FailsEarly(cfg_file_path="unused.yml")
    gc.collect()
    assert unraisable == []


def test_deleting_a_disabled_model_leaves_teardown_at_zero(make_cfg):
    m = BenchWalker(
        cfg_file_path=make_cfg(model=dict(benchmark=dict(enabled=False)))
    )
    m.run()
    teardown = m.timers["teardown"]
    del m
    gc.collect()
    assert not teardown.running and teardown.elapsed == 0


class ClosesInEpilog(BenchWalker):
    def epilog(self, *, finished_run):
        super().epilog(finished_run=finished_run)
        self._h5file.close()


def test_an_epilog_closing_the_file_gets_a_clear_error(make_cfg):
    """A model without the mixin may close its file in the epilog (its
    rows are written before); the benchmark totals come after the epilog,
    so they are lost then, and the error says why instead of h5py's
    "invalid identifier"."""
    path = make_cfg(num_steps=3)
    m = ClosesInEpilog(cfg_file_path=path)
    with pytest.raises(RuntimeError) as err:
        m.run()
    assert str(err.value) == (
        "Cannot write the benchmark totals to group '/MyModel/benchmark' "
        f"in file {output_path(path)}: the file was closed before they "
        "were written (close it after run() returns, not in the model), "
        "so they are lost"
    )
    with h5py.File(output_path(path), "r") as f:  # the rows are there
        assert f["MyModel/benchmark/cumulative"].shape == (4, 4)


class EarlyInfo(BenchWalker):
    """Reads the timers in a hook that runs before the options are read."""

    def _parse_root_cfg(self, **root_cfg):
        super()._parse_root_cfg(**root_cfg)
        self.early_info = self.format_elapsed_info()


def test_the_default_line_format_before_the_options_are_read(make_cfg):
    m = EarlyInfo(cfg_file_path=make_cfg(num_steps=1))
    lines = m.early_info.splitlines()
    assert [x.split(" : ")[0].strip() for x in lines] == list(m.timers)
    # name right-aligned in 15 characters, then the readable time
    assert lines[0] == "             init : " + lines[0].split(" : ")[1]
    assert lines[-1] == "   full_iteration : 0s"
