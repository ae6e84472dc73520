"""The model loop with and without the mixin, per-write cost, a large run."""

import importlib
import os
import tempfile

import h5py
import numpy as np

from utopya_backend.io._sink import DatasetSink

from ._common import Bench, Model, Plain


class LoopSuite:
    """20 000 iterations writing every 1000: the loop and the mixin."""

    params = ["plain", "mixin", "mixin_disabled"]
    param_names = ["model"]
    number = 1
    repeat = 5

    def setup(self, kind):
        cls = Plain if kind == "plain" else Bench
        cfg = {}
        if kind != "plain":
            cfg = dict(benchmark=dict(show_on_exit=False))
        if kind == "mixin_disabled":
            cfg["benchmark"]["enabled"] = False
        self.m = Model(cls, 20_000, 1000, cfg)

    def teardown(self, kind):
        self.m.close()

    def time_model_iteration(self, kind):
        self.m.run()


class WriteSuite:
    """5 000 iterations writing every iteration."""

    params = ["plain", "mixin"]
    param_names = ["model"]
    number = 1
    repeat = 5

    def setup(self, kind):
        cls, cfg = Plain, {}
        if kind == "mixin":
            cls, cfg = Bench, dict(benchmark=dict(show_on_exit=False))
        self.m = Model(cls, 5_000, 1, cfg)

    def teardown(self, kind):
        self.m.close()

    def time_per_write_run(self, kind):
        self.m.run()


class BufferSuite:
    """Peak memory of 10^6 rows through the row buffer into a dataset."""

    params = ["c"]
    param_names = ["impl"]
    timeout = 300

    def setup(self, impl):
        self.rowbuffer = importlib.import_module(
            "utopya_backend.core._rowbuffer"
            if impl == "c"
            else "utopya_backend.core._rowbuffer_py"
        )

    def peakmem_buffer_1e6_writes(self, impl):
        with (
            tempfile.TemporaryDirectory() as tmp,
            h5py.File(os.path.join(tmp, "buf.h5"), "w") as f,
        ):
            rows = f.create_dataset(
                "r", (0, 4), maxshape=(None, 4), dtype="f4", compression=3
            )
            n_iter = f.create_dataset(
                "n", (0,), maxshape=(None,), dtype="i8", compression=3
            )
            sink = DatasetSink(rows, n_iter)
            buf = self.rowbuffer.RowBuffer(
                "rows", (4,), "f8", sink, labelled=True
            )
            row = np.zeros(4)
            for _ in range(1_000_000):
                buf.append(row)
            buf.flush()
            assert n_iter.shape == (1_000_000,)


class LargeRunSuite:
    """A BaseModel-style run with 10^6 benchmarked data writes."""

    timeout = 600
    number = 1
    repeat = 1

    def setup(self):
        self.m = Model(
            Bench, 1_000_000, 1, dict(benchmark=dict(show_on_exit=False))
        )

    def teardown(self):
        self.m.close()

    def peakmem_run_1e6_writes(self):
        self.m.run()


class TenMillionSuite:
    """10^7 iterations of a StepwiseModel with the mixin (write every 1000)."""

    timeout = 900
    number = 1
    repeat = 1

    def setup(self):
        self.m = Model(
            Bench, 10_000_000, 1000, dict(benchmark=dict(show_on_exit=False))
        )

    def teardown(self):
        self.m.close()

    def time_stepwise_1e7_iterations(self):
        self.m.run()
