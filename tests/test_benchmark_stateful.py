"""Random timer operations and data writes through the mixin's API: the
HDF5 rows must equal the timers' values at each write (both twins)."""

from __future__ import annotations

import os
import tempfile

import h5py
import numpy as np
import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from _models import BenchCounter  # noqa: E402
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)
from test_timing_stateful import RefTimer, _kind  # noqa: E402

USER = {"a": False, "b": False, "c": True}  # name -> one-shot


def _labels(ds) -> list:
    return [
        s.decode() if isinstance(s, bytes) else s
        for s in ds.attrs["coords__label"]
    ]


class MixinMachine(RuleBasedStateMachine):
    TICK_NS = 1000

    @initialize()
    def make(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.ticks = 0
        clock = lambda: self.ticks * self.TICK_NS / 1e9  # noqa: E731
        machine = self

        class Model(BenchCounter):
            def setup(self, **kw):
                super().setup(**kw)
                self.add_cumulative_timers("a", "b", time_func=clock)
                self.add_one_shot_timers("c", time_func=clock)
                machine.ref = {n: RefTimer(o) for n, o in USER.items()}

        cfg = dict(
            root_model_name="M",
            output_path=os.path.join(self.tmp.name, "out.h5"),
            seed=1,
            monitor_emit_interval=1000,
            log_levels=dict(model="error"),
            M=dict(benchmark=dict(dtype="float64", show_on_exit=False)),
        )
        path = os.path.join(self.tmp.name, "cfg.yml")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f)
        self.model = Model(cfg_file_path=path)
        self.rows = []
        self.n = 0

    @rule(dt=st.integers(min_value=0, max_value=10_000))
    def advance(self, dt: int) -> None:
        self.ticks += dt

    @rule(
        name=st.sampled_from(sorted(USER)),
        op=st.sampled_from(["start", "unpause", "pause", "stop"]),
    )
    def operate(self, name: str, op: str) -> None:
        expected = getattr(self.ref[name], op)(self.ticks)
        err = None
        try:
            result = getattr(self.model, f"{op}_timer")(name)
        except RuntimeError as e:
            err = e
        assert _kind(err) == expected
        if err is None and op in ("pause", "stop"):
            assert result == self.ref[name].elapsed * self.TICK_NS / 1e9

    @rule(iterations=st.integers(min_value=0, max_value=3))
    def write(self, iterations: int) -> None:
        self.n += iterations
        self.model._n_iterations = self.n
        self.model._invoke_write_data()
        self.rows.append(
            (
                self.n,
                [self.ref[k].value(self.ticks) * 1e-6 for k in ("a", "b")],
            )
        )

    def teardown(self) -> None:
        if not hasattr(self, "model"):
            return
        m = self.model
        m._post_run(finished_run=True)
        path = m.root_cfg["output_path"]
        del self.model, m
        with h5py.File(path, "r") as f:
            g = f["M/benchmark"]
            labels = _labels(g["cumulative"])
            assert labels[-2:] == ["a", "b"]
            assert g["cumulative"].shape[0] == len(self.rows)
            if self.rows:
                got = g["cumulative"][:, -2:]
                want = np.array([r[1] for r in self.rows])
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
                n_iter = g["cumulative_n_iterations"][:]
                assert n_iter.tolist() == [r[0] for r in self.rows]
            total = dict(
                zip(
                    _labels(g["total"]),
                    g["total"][:],
                )
            )
            for k, ref in self.ref.items():
                assert total[k] == pytest.approx(
                    ref.value(self.ticks) * 1e-6, abs=1e-12
                )
        self.tmp.cleanup()


@pytest.mark.usefixtures("use_impl")
def test_mixin_rows_equal_timer_values_at_writes():
    run_state_machine_as_test(
        MixinMachine,
        settings=settings(
            max_examples=40, stateful_step_count=30, deadline=None
        ),
    )
