"""Demo model: the Drossel–Schwabl forest fire, benchmarked.

A cellular automaton on a periodic square grid. Each step, burning cells
burn down, trees next to a fire catch it, lightning ignites a tree with
probability ``p_lightning`` and trees grow on empty cells with probability
``p_growth``. It shows a typical StepwiseModel with the benchmark mixin.
``_write_cfg`` writes the config file of a demo run.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import yaml

from ..benchmark import ModelBenchmarkMixin
from ..model import StepwiseModel

__all__ = ["EMPTY", "TREE", "FIRE", "ForestFire", "BenchmarkedForestFire"]

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
        # Fast writers: rows are buffered and written a block at a time.
        self.out_density = self.create_ts_writer("tree_density", dtype="f8")
        self.out_state = self.create_ts_writer(
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
        self.out_density.append(self.tree_density)
        self.out_state.append(self.state)

    @property
    def tree_density(self) -> float:
        """Fraction of cells holding a tree."""
        return float(np.mean(self.state == TREE))

    def monitor(self, monitor_info: dict) -> dict:
        monitor_info["tree_density"] = self.tree_density
        return monitor_info


class BenchmarkedForestFire(ModelBenchmarkMixin, ForestFire):
    """The forest fire with every phase timed."""


def _write_cfg(
    out: str,
    name: str,
    model_cfg: dict,
    *,
    seed: int = 42,
    monitor_emit_interval: float = 0.1,
    **root: Any,
) -> str:
    cfg = dict(
        root_model_name=name,
        output_path=os.path.join(out, "data.h5"),
        output_dir=out,
        seed=seed,
        monitor_emit_interval=monitor_emit_interval,
        log_levels=dict(model="warning", backend="warning"),
        **root,
    )
    cfg[name] = model_cfg
    path = os.path.join(out, "config.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path
