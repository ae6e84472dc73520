"""Timer operations: compiled core and pure-Python twin side by side."""

import timeit

from ._common import timing_module


class TimerSuite:
    params = ["c", "py"]
    param_names = ["impl"]

    def setup(self, impl):
        self.timer = timing_module(impl).Timer("t")
        self.timer.start()
        self.timer.pause()

    def time_pause_unpause_pair(self, impl):
        t = self.timer
        t.unpause()
        t.pause()

    def time_elapsed(self, impl):
        return self.timer.elapsed

    def track_ns_per_pair(self, impl):
        t = self.timer
        k = 200_000
        pair = min(
            timeit.repeat(lambda: (t.unpause(), t.pause()), number=k, repeat=5)
        )
        call = min(timeit.repeat(lambda: None, number=k, repeat=5))
        return (pair - call) / k * 1e9

    track_ns_per_pair.unit = "ns"
