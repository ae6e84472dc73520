"""The ``demo`` command's overhead measurement: an empty step, timed.

What the package's own bookkeeping costs per iteration, measured on a
model whose step does nothing, and how it is printed; split from
:mod:`.demo`, which re-exports :func:`measure_overhead`.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from typing import Any, Dict

from ..benchmark import ModelBenchmarkMixin
from ..logging import backend_logger
from ..model import StepwiseModel
from ._forest_fire import _write_cfg

__all__ = ["measure_overhead"]


class _EmptyStep(StepwiseModel):
    """A model whose step does nothing: its run time is bookkeeping."""

    def setup(self, **_: Any) -> None:
        pass

    def perform_step(self) -> None:
        pass

    def write_data(self) -> None:
        pass

    def _emit_monitor(self) -> None:
        pass  # no monitor lines from the measurement


class _BenchmarkedEmptyStep(ModelBenchmarkMixin, _EmptyStep):
    pass


def measure_overhead(n: int = 200_000, repeat: int = 3) -> Dict[str, float]:
    """Seconds per iteration the package's bookkeeping costs.

    Runs a model with an empty step ``n`` times (the best of ``repeat``
    runs), without and with the benchmark mixin, in a throw-away
    directory. Returns ``loop`` (the run loop: stepping, monitor check,
    signal check) and ``timers`` (what the benchmark timers add).
    """
    best: Dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="utopya-backend-demo-") as tmp:
        for key, cls in (
            ("loop", _EmptyStep),
            ("full", _BenchmarkedEmptyStep),
        ):
            for i in range(repeat):
                out = os.path.join(tmp, f"{key}{i}")
                os.mkdir(out)
                cfg_path = _write_cfg(
                    out,
                    "Empty",
                    (
                        dict(benchmark=dict(show_on_exit=False, write=False))
                        if key == "full"
                        else {}
                    ),
                    monitor_emit_interval=1000.0,
                    num_steps=n,
                    write_start=n,
                    write_every=n,
                )
                level = backend_logger.level
                backend_logger.setLevel(logging.WARNING)
                try:
                    model = cls(cfg_file_path=cfg_path)
                    t0 = time.perf_counter()
                    model.run()
                    dt = (time.perf_counter() - t0) / n
                finally:
                    backend_logger.setLevel(level)
                del model
                best[key] = min(best.get(key, dt), dt)
    return dict(loop=best["loop"], timers=max(best["full"] - best["loop"], 0))


def _step_seconds(res: Dict[str, Any], steps: int) -> float:
    """Seconds per forest-fire step: the model_iteration mean if timed."""
    for r in res["rows"] or ():
        if r["timer"] == "model_iteration" and r["mean"] is not None:
            return float(r["mean"])
    return float(res["wall"]) / max(steps, 1)


def _print_overhead(
    over: Dict[str, float], res: Dict[str, Any], steps: int
) -> None:
    from ..core import _impl
    from ..core._timefmt import format_time

    impl = (
        "compiled core"
        if _impl.IMPLEMENTATION == "c"
        else ("pure-Python twin")
    )
    total = over["loop"] + over["timers"]
    step = _step_seconds(res, steps)
    print(
        f"Bookkeeping per iteration ({impl}, measured on an empty step): "
        f"{format_time(total)} = run loop {format_time(over['loop'])} + "
        f"benchmark timers {format_time(over['timers'])}"
    )
    share = 100 * total / step if step > 0 else 0.0
    print(
        f"  that is {share:.3g}% of a forest-fire step "
        f"({format_time(step)})"
    )
