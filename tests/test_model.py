"""BaseModel and StepwiseModel: hooks, monitor lines, output, RNG, signals."""

from __future__ import annotations

import gc
import logging
import os
import random
import signal

import h5py
import numpy as np
import pytest
import yaml
from _models import Counter, Walker, output_path

from utopya_backend import BaseModel, StepwiseModel
from utopya_backend.signal import SIG_STOPCOND


def monitor_lines(capsys) -> list:
    return [
        yaml.safe_load(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("!!map")
    ]


# .. Construction .............................................................


def test_abstract_methods_are_required(make_cfg):
    class Incomplete(StepwiseModel):
        def setup(self, **_):
            pass

    with pytest.raises(TypeError):
        Incomplete(cfg_file_path=make_cfg())
    with pytest.raises(TypeError):
        BaseModel(cfg_file_path=make_cfg())


def test_init_creates_file_group_and_properties(make_cfg, capsys):
    cfg = make_cfg(model=dict(sleep=0.0), name="walker")
    m = Walker(cfg_file_path=cfg)
    assert m.name == "walker" and m.h5group.name == "/walker"
    assert m.cfg == dict(sleep=0.0)
    assert m.root_cfg["walker"] is m.cfg
    assert m.n_iterations == 0 and m.time == 0
    assert (m.num_steps, m.write_start, m.write_every) == (10, 0, 1)
    assert m.log.name == "root.walker" or m.log.name.endswith("walker")
    assert isinstance(m.rng, np.random.Generator)
    # The first monitor line is emitted at the end of __init__.
    (first,) = monitor_lines(capsys)
    assert first == {"progress": 0.0, "n_iter": 0, "walker": {"x": 0.0}}
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        assert "walker/x" in f  # file was closed and is readable


def test_rng_and_global_rngs_are_seeded(make_cfg):
    m = Walker(cfg_file_path=make_cfg(seed=7))
    assert m.rng.random() == np.random.default_rng(7).random()
    assert np.random.random() == np.random.RandomState(8).random_sample()
    assert random.random() == random.Random(9).random()

    Walker(cfg_file_path=make_cfg(seed=7, seed_numpy_rng=123))
    assert np.random.random() == np.random.RandomState(123).random_sample()

    np.random.seed(1)
    expected = np.random.RandomState(1).random_sample()
    Walker(cfg_file_path=make_cfg(seed=7, seed_numpy_rng=False))
    assert np.random.random() == expected


def test_log_levels_apply(make_cfg):
    m = Walker(
        cfg_file_path=make_cfg(log_levels=dict(model="DEBUG", backend="error"))
    )
    assert m.log.level == logging.DEBUG
    assert logging.getLogger().level == logging.ERROR
    logging.getLogger().setLevel(logging.WARNING)


def test_half_built_model_is_deleted_silently(make_cfg, capsys):
    class Broken(Walker):
        def setup(self, **kw):
            raise RuntimeError("setup broke")

    cfg = make_cfg()
    with pytest.raises(RuntimeError, match="setup broke"):
        Broken(cfg_file_path=cfg)
    gc.collect()
    assert "Exception ignored" not in capsys.readouterr().err
    with h5py.File(output_path(cfg), "r") as f:  # closed and valid
        assert "MyModel" in f


# .. Run loop .................................................................


@pytest.mark.usefixtures("use_impl")
def test_stepwise_run_writes_at_write_times(make_cfg):
    cfg = make_cfg(num_steps=10, write_start=3, write_every=3)
    m = Walker(cfg_file_path=cfg)
    written = []
    m.write_data = lambda: written.append(m.time)
    assert m.run() == 0
    assert written == list(range(3, 11, 3))
    assert m.time == 10 and m.n_iterations == 10
    assert m.calls == ["prolog", ("epilog", True)]


@pytest.mark.usefixtures("use_impl")
def test_initial_state_written_when_write_start_not_positive(make_cfg):
    m = Walker(cfg_file_path=make_cfg(num_steps=4, write_every=2))
    m.run()
    assert m.dset.shape == (3,)  # times 0, 2, 4
    assert m.dset.attrs["coords__time"].tolist() == [0, 2]
    assert m.dset.maxshape == (3,)


@pytest.mark.usefixtures("use_impl")
def test_hooks_run_in_order_and_overrides_are_used(make_cfg, capsys):
    events = []

    class Traced(Counter):
        def _pre_run(self):
            events.append("pre_run")

        def prolog(self):
            events.append("prolog")

        def _pre_iterate(self):
            events.append("pre_iterate")

        def iterate(self):
            events.append("iterate")

        def trigger_monitor(self, *, force=False):
            events.append("trigger_monitor")
            super().trigger_monitor(force=force)

        def should_write(self):
            events.append("should_write")
            return self.n_iterations == 2

        def write_data(self):
            events.append("write_data")

        def show_iteration_info(self):
            events.append("show")

        def _post_iterate(self):
            events.append("post_iterate")

        def epilog(self, *, finished_run):
            events.append(("epilog", finished_run))

        def _post_run(self, *, finished_run):
            events.append(("post_run", finished_run))

    m = Traced(cfg_file_path=make_cfg(model=dict(stop=2)))
    events.clear()
    m.run()
    it = [
        "pre_iterate",
        "iterate",
        "trigger_monitor",
        "should_write",
        "show",
        "post_iterate",
    ]
    second = it[:4] + ["write_data"] + it[4:]
    assert events == (
        ["pre_run", "prolog"]
        + it
        + second
        + [("epilog", True), ("post_run", True)]
    )


@pytest.mark.usefixtures("use_impl")
def test_stepwise_overrides_of_stepping_hooks_are_used(make_cfg):
    class Custom(Walker):
        def should_iterate(self):
            return self.time < 3  # stops early

        def should_write(self):
            return self.time == 2

    m = Custom(
        cfg_file_path=make_cfg(num_steps=10, write_start=2, write_every=100)
    )
    m.run()
    assert m.time == 3 and m.dset.shape == (1,)


@pytest.mark.usefixtures("use_impl")
def test_monitor_interval_zero_emits_after_every_iteration(make_cfg, capsys):
    class Mon(Counter):
        def monitor(self, info):
            info["value"] = self.value if self.n_iterations else 0
            info["nested"] = {"s": "a: {b}", "l": [1.5, None, True]}
            return info

    m = Mon(
        cfg_file_path=make_cfg(monitor_emit_interval=0, model=dict(stop=4))
    )
    m.run()
    lines = monitor_lines(capsys)
    assert [d["n_iter"] for d in lines] == [0, 1, 2, 3, 4]  # none extra
    assert [d["progress"] for d in lines] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert lines[3]["MyModel"] == {
        "value": 2,
        "nested": {"s": "a: {b}", "l": [1.5, None, True]},
    }


@pytest.mark.usefixtures("use_impl")
def test_monitor_respects_interval(make_cfg, capsys):
    m = Walker(cfg_file_path=make_cfg(num_steps=50, monitor_emit_interval=60))
    m.run()
    assert len(monitor_lines(capsys)) == 1  # only the one from __init__


@pytest.mark.usefixtures("use_impl")
def test_show_iteration_info_logs_at_debug(make_cfg, caplog):
    m = Walker(
        cfg_file_path=make_cfg(num_steps=3, log_levels=dict(model="debug"))
    )
    with caplog.at_level(logging.DEBUG):
        m.run()
    assert "Finished step 3 / 3." in caplog.text


@pytest.mark.usefixtures("use_impl")
@pytest.mark.parametrize("use_sys_exit", [True, False])
def test_signal_stops_run_with_exit_code(make_cfg, use_sys_exit):
    class Stopped(Walker):
        USE_SYS_EXIT = use_sys_exit

        def perform_step(self):
            super().perform_step()
            if self.time == 4:
                os.kill(os.getpid(), SIG_STOPCOND)

    m = Stopped(cfg_file_path=make_cfg(num_steps=100))
    if use_sys_exit:
        with pytest.raises(SystemExit) as exc:
            m.run()
        code = exc.value.code
    else:
        code = m.run()
    assert code == 128 + int(SIG_STOPCOND)
    # The signal arrived during step 5; the loop stopped after writing it.
    assert m.time == 5
    assert m.dset.shape == (6,)
    assert m.calls[-1] == ("epilog", False)


@pytest.mark.usefixtures("use_impl")
def test_interrupt_signal_exit_code(make_cfg):
    class Interrupted(Walker):
        USE_SYS_EXIT = False

        def perform_step(self):
            if self.time == 1:
                os.kill(os.getpid(), signal.SIGTERM)

    m = Interrupted(cfg_file_path=make_cfg(num_steps=100))
    assert m.run() == 128 + signal.SIGTERM


def test_no_signal_handlers_when_disabled(make_cfg):
    class NoHandlers(Walker):
        ATTACH_SIGNAL_HANDLERS = False

    signal.signal(SIG_STOPCOND, signal.SIG_DFL)
    NoHandlers(cfg_file_path=make_cfg())
    assert signal.getsignal(SIG_STOPCOND) == signal.SIG_DFL


@pytest.mark.usefixtures("use_impl")
def test_exception_in_step_propagates_and_keeps_file_valid(make_cfg):
    cfg = make_cfg(model=dict(fail_at=5))
    m = Walker(cfg_file_path=cfg)
    with pytest.raises(RuntimeError, match="step failed at time 5"):
        m.run()
    with h5py.File(output_path(cfg), "r") as f:
        assert f["MyModel/x"].shape == (6,)  # times 0..5 written


# .. create_ts_dset ...........................................................


def test_create_ts_dset_attributes_and_coords(make_cfg):
    class Grid(Walker):
        def setup(self, **kw):
            super().setup(**kw)
            self.d = self.create_ts_dset(
                "grid",
                extra_dims=("x", "y", "z"),
                sizes=dict(x=2, y=3, z=1),
                coords=dict(
                    x=[0.5, 1.5],
                    y=dict(mode="range", coords=[0, 3, 1]),
                    z=dict(mode="trivial"),
                ),
            )

    m = Grid(
        cfg_file_path=make_cfg(num_steps=10, write_start=2, write_every=4)
    )
    a = m.d.attrs
    assert m.d.shape == (0, 2, 3, 1) and m.d.maxshape == (3, 2, 3, 1)
    assert list(a["dim_names"]) == ["time", "x", "y", "z"]
    assert a["coords_mode__time"] == "start_and_step"
    assert a["coords__time"].tolist() == [2, 4]
    assert a["coords_mode__x"] == "values"
    assert a["coords__x"].tolist() == [0.5, 1.5]
    assert a["coords_mode__y"] == "range"
    assert a["coords_mode__z"] == "trivial" and "coords__z" not in a


def test_create_ts_dset_rejects_bad_coords(make_cfg):
    m = Walker(cfg_file_path=make_cfg())
    # The original's phrases (its own tests match them), plus the names.
    with pytest.raises(ValueError) as err:
        m.create_ts_dset("a", extra_dims=("x",), coords=dict(q=[1]))
    assert str(err.value) == (
        "Coordinates given for dimension 'q', which was not part of the "
        "list of provided `extra_dims`: x"
    )
    match = r"\(3\) for dimension 'x' does not match its size \(2\)"
    with pytest.raises(ValueError, match=match):
        m.create_ts_dset(
            "b", extra_dims=("x",), sizes=dict(x=2), coords=dict(x=[1, 2, 3])
        )
