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
        # Time series written through the package's fast row writer: rows
        # collect in a compiled buffer and reach the file block by block.
        # The datasets (and their `time` coordinates) are the ones
        # create_ts_dset makes.
        self.density = self.create_ts_writer("infected_density")
        self.grid = self.create_ts_writer(
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
        self.density.append(self.infected.mean())
        self.grid.append(self.infected)

    def monitor(self, monitor_info):
        monitor_info["infected_density"] = float(self.infected.mean())
        return monitor_info
