"""The demo's forest fire with a custom timer that can be slowed down."""

from __future__ import annotations

import os
import time

import yaml

from utopya_backend.cli.demo import BenchmarkedForestFire


class Slowed(BenchmarkedForestFire):
    """Each step also runs the custom cumulative timer ``sleepy``, which
    spins for ``SLEEP`` seconds (none by default). It spins rather than
    sleeps: a sleeping process loses its CPU and caches on a busy machine,
    which slows the rest of the step too, and that is not the change under
    test."""

    SLEEP = 0.0

    def _add_default_timers(self) -> None:
        super()._add_default_timers()
        self.add_cumulative_timers("sleepy")

    def perform_step(self) -> None:
        super().perform_step()
        self.unpause_timer("sleepy")
        if self.SLEEP:
            end = time.perf_counter() + self.SLEEP
            while time.perf_counter() < end:
                pass
        self.pause_timer("sleepy")


def run_slowed(
    out: str,
    *,
    sleep: float = 0.0,
    steps: int = 200,
    grid: int = 32,
    stop_at: int = 0,
    **params,
) -> str:
    """Run it in directory ``out`` (made); ``config.yml`` and ``data.h5``
    there, as the utopya frontend lays out a universe. ``stop_at``: run
    only that many steps but store the config as planned."""
    os.makedirs(out)
    cfg = dict(
        root_model_name="ForestFire",
        output_path=os.path.join(out, "data.h5"),
        output_dir=out,
        seed=params.pop("seed", 42),
        monitor_emit_interval=10.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=steps,
        write_every=10,
        write_start=0,
    )
    cfg["ForestFire"] = dict(
        grid=grid, benchmark=dict(show_on_exit=False), **params
    )
    path = os.path.join(out, "config.yml")
    with open(path, "w") as f:
        yaml.safe_dump(dict(cfg, num_steps=stop_at or steps), f)
    Slowed.SLEEP = sleep
    m = Slowed(cfg_file_path=path)
    m.run()
    del m
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return str(cfg["output_path"])


def make_run_dir(run: str, params: list, **kw) -> str:
    """A utopya-like run directory: one universe per entry of ``params``
    (dicts of model parameters, ``seed`` and ``stop_at`` allowed)."""
    for i, p in enumerate(params, start=1):
        run_slowed(os.path.join(run, "data", f"uni{i}"), **kw, **p)
    return run
