"""Per-iteration cost of a compiled step and of a Python step, against
their floors; prints one JSON object as its last line.

usage: PYTHONPATH=src python benchmarks/compiled_step.py [--quick]

Figures (ns per iteration, medians of interleaved rounds, one process):

- ``cdef_step_ns``: a model whose step is a ``cdef`` method (a CStep),
  in our loop, no benchmark mixin;
- ``bare_loop_ns``: a bare C loop calling the same step as often;
- ``python_step_ns``: our loop with a trivial Python step;
- ``python_floor_ns``: a Cython loop that only calls that bound step;
- ``cdef_step_timed_ns``: the compiled step with the benchmark mixin on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List

import yaml

from utopya_backend import ModelBenchmarkMixin, StepwiseModel
from utopya_backend.core import _impl
from utopya_backend.cstep import _bare_loop, _call_floor, _CountStep

QUICK = "--quick" in sys.argv
N = 200_000 if QUICK else 2_000_000
ROUNDS = 5 if QUICK else 11


class PyStep(StepwiseModel):
    """A trivial Python step: the loop is all we see."""

    def setup(self, **_: Any) -> None:
        pass

    def perform_step(self) -> None:
        pass

    def write_data(self) -> None:
        pass


class CdefStep(PyStep):
    """The same model with a compiled step."""

    def setup(self, **_: Any) -> None:
        self.perform_step = _CountStep()  # type: ignore[method-assign]


class CdefStepTimed(ModelBenchmarkMixin, CdefStep):
    """The compiled step with the benchmark mixin on."""


def _model(cls: type, tmp: str, model_cfg: dict) -> Any:
    name = cls.__name__
    cfg = dict(
        root_model_name=name,
        output_path=os.path.join(tmp, name + ".h5"),
        output_dir=tmp,
        seed=1,
        monitor_emit_interval=2.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=N,
        write_every=N,  # one write at the end: the loop is what we see
        write_start=N,
    )
    cfg[name] = model_cfg
    path = os.path.join(tmp, name + ".yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return cls(cfg_file_path=path)


def _loop_ns(model: Any) -> float:
    """One run of the model's core loop over N steps, ns per step."""
    model._time = 0
    plan = model._loop_plan()
    t0 = time.perf_counter_ns()
    _impl.run_iterations(plan)
    return (time.perf_counter_ns() - t0) / N


def main() -> None:
    if _impl.IMPLEMENTATION != "c":
        sys.exit("compiled_step.py needs the compiled core")
    logging.disable(logging.INFO)
    with (
        tempfile.TemporaryDirectory() as tmp,
        open(os.devnull, "w") as devnull,
        contextlib.redirect_stdout(devnull),
    ):
        py = _model(PyStep, tmp, {})
        cdef = _model(CdefStep, tmp, {})
        timed = _model(
            CdefStepTimed, tmp, dict(benchmark=dict(show_on_exit=False))
        )
        bare_step = _CountStep()
        figures: Dict[str, Callable[[], float]] = {
            "cdef_step_ns": lambda: _loop_ns(cdef),
            "bare_loop_ns": lambda: _bare_loop(bare_step, N) / N,
            "python_step_ns": lambda: _loop_ns(py),
            "python_floor_ns": lambda: _call_floor(py.perform_step, N) / N,
            "cdef_step_timed_ns": lambda: _loop_ns(timed),
        }
        samples: Dict[str, List[float]] = {k: [] for k in figures}
        for _ in range(ROUNDS):
            for key, measure in figures.items():
                samples[key].append(measure())
    out = {k: round(statistics.median(v), 2) for k, v in samples.items()}
    out["cdef_minus_bare_ns"] = round(
        out["cdef_step_ns"] - out["bare_loop_ns"], 2
    )
    out["timed_minus_bare_ns"] = round(
        out["cdef_step_timed_ns"] - out["bare_loop_ns"], 2
    )
    out["python_ratio"] = round(
        out["python_step_ns"] / out["python_floor_ns"], 3
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
