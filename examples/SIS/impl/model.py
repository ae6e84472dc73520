"""Susceptible-infected-susceptible (SIS) epidemic on a periodic grid."""

import numpy as np

from utopya_backend import ModelBenchmarkMixin, StepwiseModel


class SIS(ModelBenchmarkMixin, StepwiseModel):
    """Each step, every infected cell recovers with ``p_recover``; a
    susceptible cell with ``k`` infected neighbours becomes infected with
    probability ``1 - (1 - p_infect) ** k``."""

    def setup(
        self,
        *,
        grid: int = 64,
        p_infect: float = 0.3,
        p_recover: float = 0.2,
        initial_infected: float = 0.05,
    ):
        self.p_infect = p_infect
        self.p_recover = p_recover
        self.infected = self.rng.random((grid, grid)) < initial_infected
        # A timer of our own: how long counting neighbours takes.
        self.add_cumulative_timers("neighbours")
        self.dset_density = self.create_ts_dset("infected_density")
        self.dset_grid = self.create_ts_dset(
            "infected",
            extra_dims=("x", "y"),
            sizes=dict(x=grid, y=grid),
            dtype="u1",
        )

    def perform_step(self):
        inf = self.infected
        self.unpause_timer("neighbours")
        k = (
            np.roll(inf, 1, 0).astype(np.int8)
            + np.roll(inf, -1, 0)
            + np.roll(inf, 1, 1)
            + np.roll(inf, -1, 1)
        )
        self.pause_timer("neighbours")
        r = self.rng.random(inf.shape)
        p = 1.0 - (1.0 - self.p_infect) ** k
        self.infected = np.where(inf, r >= self.p_recover, r < p)

    def write_data(self):
        n = self.dset_density.shape[0]
        self.dset_density.resize(n + 1, axis=0)
        self.dset_density[n] = self.infected.mean()
        self.dset_grid.resize(n + 1, axis=0)
        self.dset_grid[n] = self.infected

    def monitor(self, monitor_info):
        monitor_info["infected_density"] = float(self.infected.mean())
        return monitor_info
