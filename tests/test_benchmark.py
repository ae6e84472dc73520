"""ModelBenchmarkMixin: timers, options, summary and the HDF5 layout."""

from __future__ import annotations

import gc
import logging

import h5py
import numpy as np
import pytest
import yaml
from _models import BenchCounter, BenchWalker, output_path

from utopya_backend import benchmark
from utopya_backend.benchmark import (
    DEFAULT_TIMERS_CUMULATIVE,
    DEFAULT_TIMERS_ONE_SHOT,
    ModelBenchmarkMixin,
)
from utopya_backend.core._timefmt import format_time

pytestmark = pytest.mark.usefixtures("use_impl")

ALL_TIMERS = list(DEFAULT_TIMERS_ONE_SHOT) + list(DEFAULT_TIMERS_CUMULATIVE)


def labels(ds) -> list:
    return [
        v.decode() if isinstance(v, bytes) else str(v)
        for v in ds.attrs["coords__label"]
    ]


def run_model(cls, make_cfg, **cfg):
    path = make_cfg(**cfg)
    m = cls(cfg_file_path=path)
    m.run()
    return m, output_path(path)


def test_default_timers_and_their_order(make_cfg):
    m, _ = run_model(BenchWalker, make_cfg, num_steps=20)
    assert list(m.timers) == ALL_TIMERS
    assert list(m.elapsed) == ALL_TIMERS
    assert list(m.elapsed_one_shot) == list(DEFAULT_TIMERS_ONE_SHOT)
    assert list(m.elapsed_cumulative) == list(DEFAULT_TIMERS_CUMULATIVE)
    e = m.elapsed
    assert 0 < e["model_iteration"] <= e["full_iteration"] <= e["run"]
    assert e["run"] <= e["simulation"] and e["init"] <= e["simulation"]
    assert e["setup"] <= e["init"]
    assert e["prolog"] > 0 and e["epilog"] > 0 and e["monitor"] > 0
    assert e["teardown"] == 0
    for name, t in m.timers.items():
        assert t.finished == (name != "teardown")
    # One invocation per iteration; as in the original, the write timer
    # does not count the initial write; the monitor timer counts the
    # emission at the end of __init__.
    assert m.timers["model_iteration"].invocations == 20
    assert m.timers["full_iteration"].invocations == 20
    assert m.timers["write_data"].invocations == 20
    assert m.timers["monitor"].invocations == 1


def test_teardown_times_deletion(make_cfg):
    path = make_cfg(num_steps=3)
    m = BenchWalker(cfg_file_path=path)
    m.run()
    timers = m.timers
    del m
    gc.collect()
    assert timers["teardown"].finished and timers["teardown"].elapsed > 0
    with h5py.File(output_path(path), "r") as f:  # closed and valid
        assert "MyModel/benchmark/total" in f


def test_del_closes_file_without_garbage_collection(make_cfg):
    path = make_cfg(num_steps=3)
    gc.disable()
    try:
        m = BenchWalker(cfg_file_path=path)
        m.run()
        del m
        with h5py.File(output_path(path), "r") as f:  # not locked any more
            assert "MyModel/benchmark/total" in f
    finally:
        gc.enable()


def test_hdf5_layout_stepwise(make_cfg):
    m, out = run_model(
        BenchWalker, make_cfg, num_steps=30, write_start=0, write_every=3
    )
    with h5py.File(out, "r") as f:
        g = f["MyModel/benchmark"]
        total, cum = g["total"], g["cumulative"]
        assert total.shape == (11,) and total.dtype == np.float32
        assert list(total.attrs["dim_names"]) == ["label"]
        assert total.attrs["coords_mode__label"] == "values"
        assert labels(total) == ALL_TIMERS
        np.testing.assert_allclose(
            total[:], list(m.elapsed.values()), rtol=1e-6
        )
        # times 0, 3, ..., 30: the initial write is not timed (as in the
        # original) but has its row (the original's has none)
        assert cum.shape == (11, 4)
        assert list(cum.attrs["dim_names"]) == ["n_iterations", "label"]
        assert labels(cum) == list(DEFAULT_TIMERS_CUMULATIVE)
        assert cum.attrs["coords_mode__n_iterations"] == "start_and_step"
        assert cum.attrs["coords__n_iterations"].tolist() == [0, 3]
        assert np.all(np.diff(cum[:], axis=0) >= 0)
        # The last row is taken at the last write: the timers that do not
        # run after it equal their totals; full_iteration goes on a little
        # (the rest of the last iteration), so its row value is below.
        last = dict(zip(labels(cum), cum[-1]))
        final = {k: total[ALL_TIMERS.index(k)] for k in labels(cum)}
        for k in ("model_iteration", "write_data", "monitor"):
            np.testing.assert_allclose(last[k], final[k], rtol=1e-3)
        assert last["full_iteration"] <= final["full_iteration"]
        assert cum.compression == "gzip" and cum.compression_opts == 3


def test_hdf5_layout_basemodel_irregular_writes(make_cfg):
    write_at = [1, 2, 5, 11, 12]
    m, out = run_model(
        BenchCounter, make_cfg, model=dict(stop=12, write_at=write_at)
    )
    assert m.written == write_at
    with h5py.File(out, "r") as f:
        g = f["MyModel/benchmark"]
        cum = g["cumulative"]
        assert cum.shape == (5, 4)
        assert cum.attrs["coords_mode__n_iterations"] == "linked"
        link = cum.attrs["coords__n_iterations"]
        # Relative to the dataset's parent group, as the loader resolves it.
        assert g[link][:].tolist() == write_at


def test_basemodel_regular_writes_get_start_and_step(make_cfg):
    _, out = run_model(
        BenchCounter,
        make_cfg,
        model=dict(stop=20, write_at=list(range(4, 21, 4))),
    )
    with h5py.File(out, "r") as f:
        cum = f["MyModel/benchmark/cumulative"]
        assert cum.attrs["coords_mode__n_iterations"] == "start_and_step"
        assert cum.attrs["coords__n_iterations"].tolist() == [4, 4]


def test_more_than_8000_writes_of_basemodel(make_cfg):
    n = 12_000
    _, out = run_model(
        BenchCounter,
        make_cfg,
        model=dict(stop=n, write_at=list(range(1, n + 1))),
    )
    with h5py.File(out, "r") as f:
        cum = f["MyModel/benchmark/cumulative"]
        assert cum.shape == (n, 4)
        assert cum.attrs["coords__n_iterations"].tolist() == [1, 1]
        assert f["MyModel/benchmark/cumulative_n_iterations"][-1] == n


def test_user_timers_are_stored(make_cfg):
    class Custom(BenchWalker):
        def setup(self, **kw):
            super().setup(**kw)
            self.add_cumulative_timers("kernel")
            self.add_one_shot_timers("warmup")
            self.start_timer("warmup")
            self.stop_timer("warmup")

        def perform_step(self):
            self.unpause_timer("kernel")
            super().perform_step()
            self.pause_timer("kernel")

    m, out = run_model(Custom, make_cfg, num_steps=5)
    assert 0 < m.elapsed["kernel"] <= m.elapsed["model_iteration"]
    with h5py.File(out, "r") as f:
        g = f["MyModel/benchmark"]
        assert labels(g["cumulative"])[-1] == "kernel"
        assert labels(g["total"])[-2:] == ["kernel", "warmup"]


def test_timer_api_errors_and_fallback(make_cfg):
    m = BenchWalker(cfg_file_path=make_cfg())
    with pytest.raises(ValueError, match="No benchmark timer named 'nope'"):
        m.start_timer("nope")
    with pytest.raises(ValueError, match="Available|available timers: init"):
        m.pause_timer("nope")
    with pytest.raises(ValueError, match="exists already"):
        m.add_cumulative_timers("monitor")
    with pytest.raises(TypeError, match="must be strings"):
        m.add_one_shot_timers(3)

    off = BenchWalker(
        cfg_file_path=make_cfg(model=dict(benchmark=dict(enabled=False)))
    )
    assert off.pause_timer("monitor") == -1
    assert off.stop_timer("run") == -1
    assert off.start_timer("run") is None


def test_disabled_leaves_timers_at_zero_and_writes_nothing(make_cfg, caplog):
    with caplog.at_level(logging.INFO):
        m, out = run_model(
            BenchWalker,
            make_cfg,
            model=dict(benchmark=dict(enabled=False)),
            log_levels=dict(model="info"),
        )
    assert all(v == 0 for v in m.elapsed.values())
    assert "Elapsed times" not in caplog.text
    with h5py.File(out, "r") as f:
        assert "benchmark" not in f["MyModel"]


def test_show_on_exit_controls_summary(make_cfg, caplog):
    for show in (True, False):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            run_model(
                BenchWalker,
                make_cfg,
                model=dict(benchmark=dict(show_on_exit=show)),
                log_levels=dict(model="info"),
            )
        assert ("Elapsed times" in caplog.text) is show


def test_write_false_group_name_dtype_compression(make_cfg):
    _, out = run_model(
        BenchWalker, make_cfg, model=dict(benchmark=dict(write=False))
    )
    with h5py.File(out, "r") as f:
        assert list(f["MyModel"]) == ["x"]
    _, out = run_model(
        BenchWalker,
        make_cfg,
        model=dict(
            benchmark=dict(group_name="timing", dtype="float64", compression=7)
        ),
    )
    with h5py.File(out, "r") as f:
        g = f["MyModel/timing"]
        assert g["total"].dtype == np.float64
        assert g["cumulative"].dtype == np.float64
        assert g["cumulative"].compression_opts == 7


def test_add_to_monitor(make_cfg, capsys):
    run_model(
        BenchWalker,
        make_cfg,
        num_steps=3,
        monitor_emit_interval=0,
        model=dict(benchmark=dict(add_to_monitor=True)),
    )
    lines = [
        yaml.safe_load(x)
        for x in capsys.readouterr().out.splitlines()
        if x.startswith("!!map")
    ]
    assert len(lines) == 4
    for d in lines:
        assert list(d["MyModel"]["timers"]) == ALL_TIMERS
        assert d["MyModel"]["x"] is not None
    runs = [d["MyModel"]["timers"]["full_iteration"] for d in lines]
    assert runs == sorted(runs)


def test_benchmark_entry_is_removed_before_setup(make_cfg):
    seen = {}

    class Spy(BenchWalker):
        def setup(self, **kw):
            seen.update(kw)
            super().setup(**kw)

    run_model(Spy, make_cfg, model=dict(sleep=0.0, benchmark=dict()))
    assert seen == {"sleep": 0.0}


# .. Summary ..................................................................


def test_format_elapsed_info(make_cfg):
    m, _ = run_model(
        BenchWalker,
        make_cfg,
        model=dict(
            benchmark=dict(
                info_fstr="{name}|{extra}", info_kwargs=dict(extra="E")
            )
        ),
    )
    assert m.elapsed_info.splitlines() == [f"{n}|E" for n in ALL_TIMERS]
    text = m.format_elapsed_info(
        "{name:>{w}s} {seconds:.3e} {time_str} {max_seconds:.2f} "
        "{percent_of_max:.1f} {count} {mean:.3e}",
        sort=True,
    )
    lines = text.split("\n")
    assert len(lines) == 11 and not text.endswith("\n")
    secs = [float(line.split()[1]) for line in lines]
    assert secs == sorted(secs, reverse=True)
    assert lines[0].split()[4] == "100.0"  # the largest is 100 % of max
    w = len("model_iteration")  # the longest name sets w
    assert all(x[w] == " " and x[:w].strip() in ALL_TIMERS for x in lines)
    wide = m.format_elapsed_info("{name:>{w}s}|", width=20)
    assert all(len(x) == 21 for x in wide.splitlines())
    # Without info_fstr the configured one is used; info_kwargs are only
    # for elapsed_info.
    default = m.format_elapsed_info(extra="X")
    assert default.splitlines()[0] == "init|X"


@pytest.mark.parametrize(
    "seconds, text",
    [
        (850e-9, "850ns"),
        (12.3e-6, "12.3µs"),
        (4.56e-3, "4.56ms"),
        (1.5, "1.50s"),
        (125, "2m 5s"),
        (3 * 3600 + 2 * 60, "3h 2m"),
        (0, "0s"),
    ],
)
def test_format_time(seconds, text):
    assert format_time(seconds) == text


def test_module_exports():
    assert benchmark.DEFAULT_TIMERS_ONE_SHOT[0] == "init"
    assert issubclass(BenchWalker, ModelBenchmarkMixin)
    assert ModelBenchmarkMixin._TIMER_FALLBACK_RV == -1
