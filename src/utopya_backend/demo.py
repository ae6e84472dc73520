"""Demo model: the Drossel–Schwabl forest fire, benchmarked.

A cellular automaton on a periodic square grid. Each step, burning cells
burn down, trees next to a fire catch it, lightning ignites a tree with
probability ``p_lightning`` and trees grow on empty cells with probability
``p_growth``. It shows a typical StepwiseModel with the benchmark mixin.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, Optional

import numpy as np
import yaml

from .benchmark import ModelBenchmarkMixin
from .logging import backend_logger
from .model import StepwiseModel

__all__ = ["ForestFire", "BenchmarkedForestFire", "run_demo"]

EMPTY, TREE, FIRE = 0, 1, 2


class ForestFire(StepwiseModel):
    """Drossel–Schwabl forest fire on a periodic grid."""

    def setup(
        self,
        *,
        grid: int = 128,
        p_growth: float = 0.01,
        p_lightning: float = 1e-5,
        initial_density: float = 0.3,
        **_: Any,
    ) -> None:
        self.p_growth = p_growth
        self.p_lightning = p_lightning
        self.state = np.where(
            self.rng.random((grid, grid)) < initial_density, TREE, EMPTY
        ).astype(np.uint8)
        self.dset_density = self.create_ts_dset("tree_density", dtype="f8")
        self.dset_state = self.create_ts_dset(
            "state",
            extra_dims=("x", "y"),
            sizes=dict(x=grid, y=grid),
            coords=dict(x=dict(mode="trivial"), y=dict(mode="trivial")),
            dtype="u1",
        )

    def perform_step(self) -> None:
        s = self.state
        fire = s == FIRE
        near_fire = (
            np.roll(fire, 1, 0)
            | np.roll(fire, -1, 0)
            | np.roll(fire, 1, 1)
            | np.roll(fire, -1, 1)
        )
        trees = s == TREE
        r = self.rng.random(s.shape)
        ignite = trees & (near_fire | (r < self.p_lightning))
        grow = (s == EMPTY) & (r < self.p_growth)
        s[fire] = EMPTY
        s[ignite] = FIRE
        s[grow] = TREE

    def write_data(self) -> None:
        n = self.dset_density.shape[0]
        self.dset_density.resize(n + 1, axis=0)
        self.dset_density[n] = self.tree_density
        self.dset_state.resize(n + 1, axis=0)
        self.dset_state[n] = self.state

    @property
    def tree_density(self) -> float:
        """Fraction of cells holding a tree."""
        return float(np.mean(self.state == TREE))

    def monitor(self, monitor_info: dict) -> dict:
        monitor_info["tree_density"] = self.tree_density
        return monitor_info


class BenchmarkedForestFire(ModelBenchmarkMixin, ForestFire):
    """The forest fire with every phase timed."""


class _Progress:
    """A progress bar on stderr: tqdm if installed, else a plain one."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        try:
            from tqdm import tqdm
        except ImportError:
            self._bar = None
        else:
            self._bar = tqdm(total=total, file=sys.stderr, unit="step")
        self._tty = sys.stderr.isatty()
        self._last = -1

    def update(self, done: int, info: str = "") -> None:
        if self._bar is not None:
            self._bar.update(done - self.done)
            if info:
                self._bar.set_postfix_str(info, refresh=False)
        else:
            percent = int(100 * done / self.total)
            if percent != self._last and (self._tty or percent % 10 == 0):
                bar = "#" * (percent // 4)
                end = "\r" if self._tty else "\n"
                sys.stderr.write(f"[{bar:<25s}] {percent:3d}% {info}{end}")
                sys.stderr.flush()
            self._last = percent
        self.done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._tty:
            sys.stderr.write("\n")


def _with_progress(cls: type, progress: _Progress) -> type:
    """Subclass ``cls`` so monitor emissions drive the bar, not stdout."""

    class Demo(cls):  # type: ignore[valid-type, misc]
        def _emit_monitor(self) -> None:
            progress.update(self.time, f"density {self.tree_density:.3f}")

    Demo.__name__ = cls.__name__
    return Demo


def run_demo(
    *,
    steps: int = 2000,
    grid: int = 128,
    out: Optional[str] = None,
    seed: int = 42,
    benchmark: bool = True,
    write_every: int = 10,
) -> str:
    """Run the forest fire, print the timing table, return the file path."""
    if out is None:
        out = os.path.abspath(
            time.strftime("utopya-backend-demo-%Y%m%d-%H%M%S")
        )
    os.makedirs(out, exist_ok=False)
    name = "ForestFire"
    cfg = dict(
        root_model_name=name,
        output_path=os.path.join(out, "data.h5"),
        output_dir=out,
        seed=seed,
        monitor_emit_interval=0.1,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=steps,
        write_every=write_every,
        write_start=0,
    )
    cfg[name] = dict(grid=grid, benchmark=dict(show_on_exit=False))
    cfg_path = os.path.join(out, "config.yml")
    with open(cfg_path, "w") as f:
        yaml.safe_dump(cfg, f)

    progress = _Progress(steps)
    cls = BenchmarkedForestFire if benchmark else ForestFire
    level = backend_logger.level
    backend_logger.setLevel(logging.WARNING)  # the demo talks on stdout
    try:
        model = _with_progress(cls, progress)(cfg_file_path=cfg_path)
        model.run()
        progress.update(model.time, f"density {model.tree_density:.3f}")
    finally:
        progress.close()
        backend_logger.setLevel(level)
    print(f"Forest fire: {steps} steps on a {grid}x{grid} grid, seed {seed}")
    print(f"Final tree density: {model.tree_density:.3f}")
    if benchmark:
        print()
        print(
            f"  {'timer':>15s}  {'total':>9s}  {'share':>6s}  "
            f"{'count':>7s}  {'mean':>9s}   (share of 'simulation')"
        )
        print(_timing_table(model))
    del model
    print()
    print(f"Output written to: {cfg['output_path']}")
    return str(cfg["output_path"])


def _timing_table(model: ModelBenchmarkMixin) -> str:
    from ._timefmt import format_time

    sim = model.elapsed.get("simulation") or 0.0
    lines = []
    for name, t in model.timers.items():
        s, count = t.elapsed, t.invocations
        share = 100 * s / sim if sim > 0 else 0.0
        mean = format_time(s / count) if count else "-"
        lines.append(
            f"  {name:>15s}  {format_time(s):>9s}  {share:5.1f}%  "
            f"{count:>7d}  {mean:>9s}"
        )
    return "\n".join(lines)
