"""Timer operations: compiled core and pure-Python twin side by side."""

import timeit

from ._common import timing_module


class TimerSuite:
    params = ["c", "py"]
    param_names = ["impl"]

    def setup(self, impl):
        self.tm = timing_module(impl).Timer("t")
        self.tm.start()
        self.tm.pause()

    def time_pause_unpause_pair(self, impl):
        t = self.tm
        t.unpause()
        t.pause()

    def time_elapsed(self, impl):
        return self.tm.elapsed

    def track_ns_per_pair(self, impl):
        t = self.tm
        k = 200_000
        pair = min(
            timeit.repeat(lambda: (t.unpause(), t.pause()), number=k, repeat=5)
        )
        call = min(timeit.repeat(lambda: None, number=k, repeat=5))
        return (pair - call) / k * 1e9

    track_ns_per_pair.unit = "ns"
