"""Overhead workloads, run under any package that provides ``utopya_backend``.

``python benchmarks/overhead.py [--quick]`` prints one JSON object of
figures in nanoseconds (per iteration or operation). ``perf_table.py`` runs
it under this project and under the original package, alternating, and
writes the table of ``docs/guide/performance.rst``. The workloads use only
the original's API, except where this project has ``create_ts_writer``:
there the original gets the usual resize-and-assign idiom.

Not an asv benchmark (no ``time_`` names): asv imports it and finds nothing.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Dict

import yaml

from utopya_backend import ModelBenchmarkMixin, StepwiseModel
from utopya_backend.benchmark import Timer


class Empty(StepwiseModel):
    """A step that does next to nothing: the loop is what is measured."""

    def setup(self, **_: Any) -> None:
        self.x = 0

    def perform_step(self) -> None:
        self.x += 1

    def write_data(self) -> None:
        pass


class Timed(ModelBenchmarkMixin, Empty):
    """:class:`Empty` with the benchmark mixin."""


def _ignore(row: Any) -> None:
    pass


class Rows(StepwiseModel):
    """Writes its state as one row per step; ``FLOOR`` makes the write a
    Python call that does nothing, the least any writer can cost."""

    SHAPE: tuple = ()
    DTYPE = "f8"
    FLOOR = False
    BUSY_NS = 0
    COMPRESSION: Any = 2  # the default; "lz4"/"zstd": codec_speed.py

    def setup(self, **_: Any) -> None:
        import numpy as np

        # a scalar row is a Python float: the cheapest step there is
        self.state = np.zeros(self.SHAPE, self.DTYPE) if self.SHAPE else 0.0
        self.k = 0
        dims = tuple(f"d{i}" for i in range(len(self.SHAPE)))
        kwargs = dict(
            extra_dims=dims,
            sizes=dict(zip(dims, self.SHAPE)),
            dtype=self.DTYPE,
            compression=self.COMPRESSION,
        )
        if self.FLOOR:
            self._append = _ignore
        elif hasattr(self, "create_ts_writer"):
            self._append = self.create_ts_writer("rows", **kwargs).append
        else:
            self._dset = self.create_ts_dset("rows", **kwargs)
            self._append = self._resize_and_assign

    def _resize_and_assign(self, row: Any) -> None:
        n = self._dset.shape[0]
        self._dset.resize(n + 1, axis=0)
        self._dset[n] = row

    def perform_step(self) -> None:
        if self.SHAPE:
            self.k = (self.k + 1) % self.state.size
            self.state.flat[self.k] ^= 1
        else:
            self.state += 1.0
        if self.BUSY_NS:
            end = time.perf_counter_ns() + self.BUSY_NS
            while time.perf_counter_ns() < end:
                pass

    def write_data(self) -> None:
        self._append(self.state)


def _variant(name: str, **attrs: Any) -> type:
    return type(name, (Rows,), attrs)


GRID = dict(SHAPE=(64, 64), DTYPE="u1")
SCALAR = _variant("Scalar")
SCALAR_FLOOR = _variant("ScalarFloor", FLOOR=True)
GRID_ROWS = _variant("Grid", **GRID)
GRID_BUSY = _variant("GridBusy", BUSY_NS=20_000, **GRID)
GRID_BUSY_FLOOR = _variant("GridBusyFloor", BUSY_NS=20_000, FLOOR=True, **GRID)


def _config(tmp: str, name: str, steps: int, every: int, own: dict) -> str:
    cfg: Dict[str, Any] = dict(
        root_model_name=name,
        output_path=os.path.join(tmp, f"{name}.h5"),
        output_dir=tmp,
        seed=1,
        monitor_emit_interval=5.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=steps,
        write_every=every,
        write_start=0,
        **{name: own},
    )
    path = os.path.join(tmp, f"{name}.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


_runs = 0


def ns_per_step(cls: type, steps: int, every: int, own: dict) -> float:
    """Best of three ``run()`` calls, wall time per step (ns)."""
    global _runs
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(3):
            _runs += 1
            name = f"{cls.__name__}{_runs}"
            model = cls(cfg_file_path=_config(tmp, name, steps, every, own))
            t0 = time.perf_counter()
            model.run()
            best = min(best, time.perf_counter() - t0)
            del model
    return best / steps * 1e9


def timer_pair_ns(number: int) -> float:
    """One ``unpause()`` + ``pause()`` from Python, less an empty call."""
    timer = Timer("pair")
    timer.start()
    timer.pause()
    pair = min(
        timeit.repeat(
            lambda: (timer.unpause(), timer.pause()), number=number, repeat=5
        )
    )
    empty = min(timeit.repeat(lambda: None, number=number, repeat=5))
    return (pair - empty) / number * 1e9


def import_ns(repeat: int) -> float:
    """A new interpreter importing the package, whole process (best)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import utopya_backend"])
        best = min(best, time.perf_counter() - t0)
    return best * 1e9


def measure(quick: bool) -> Dict[str, float]:
    logging.disable(logging.INFO)
    loops = 20_000 if quick else 200_000
    writes = 2_000 if quick else 20_000
    quiet = dict(benchmark=dict(show_on_exit=False))
    off = dict(benchmark=dict(enabled=False))
    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # monitor lines
    try:
        plain = ns_per_step(Empty, loops, 1000, {})
        timed = ns_per_step(Timed, loops, 1000, quiet)
        disabled = ns_per_step(Timed, loops, 1000, off)
        plain_w = ns_per_step(Empty, writes, 1, {})
        timed_w = ns_per_step(Timed, writes, 1, quiet)
        scalar = ns_per_step(SCALAR, writes, 1, {})
        floor = ns_per_step(SCALAR_FLOOR, writes, 1, {})
        grid = ns_per_step(GRID_ROWS, writes // 4, 1, {})
        busy = ns_per_step(GRID_BUSY, writes // 4, 1, {})
        busy_floor = ns_per_step(GRID_BUSY_FLOOR, writes // 4, 1, {})
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    return {
        "timer_pair": timer_pair_ns(100_000 if quick else 500_000),
        "loop_per_iter": plain,
        "mixin_per_iter": timed - plain,
        "mixin_disabled_per_iter": disabled - plain,
        "mixin_per_write": timed_w - plain_w,
        "ts_scalar_per_iter": scalar,
        "ts_floor_per_iter": floor,
        "ts_grid_per_iter": grid,
        "ts_grid_busy_write": busy - busy_floor,
        "import_startup": import_ns(3 if quick else 7),
    }


if __name__ == "__main__":
    print(json.dumps(measure("--quick" in sys.argv)))
