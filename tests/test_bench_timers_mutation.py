"""TimerRegistry (the benchmark mixin's named timers): options reach the
timers, and an unknown name lists every timer there is."""

from __future__ import annotations

import pytest

from utopya_backend.bench._bench_timers import TimerRegistry

pytestmark = pytest.mark.usefixtures("use_impl")


class Clock:
    """A clock that reads out given times, one per call, then stays at
    the last (a timer may read it again for its elapsed time)."""

    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0) if len(self.times) > 1 else self.times[0]


def _registry() -> TimerRegistry:
    reg = TimerRegistry()
    reg._setup_timers()
    return reg


def test_options_reach_one_shot_and_cumulative_timers():
    reg = _registry()
    reg.add_one_shot_timers("a", time_func=Clock(10.0, 12.5))
    reg.add_cumulative_timers("b", "c", time_func=Clock(1.0, 1.25))
    reg.start_timer("a")
    assert reg.stop_timer("a") == 2.5
    reg.start_timer("b")
    assert reg.pause_timer("b") == 0.25
    assert reg.elapsed_one_shot == {"a": 2.5}
    assert reg.elapsed_cumulative == {"b": 0.25, "c": 0.0}


def test_an_unknown_name_lists_the_timers():
    reg = _registry()
    reg.add_one_shot_timers("init", "run")
    reg.add_cumulative_timers("step")
    with pytest.raises(ValueError) as err:
        reg.start_timer("stpe")
    assert str(err.value) == (
        "No benchmark timer named 'stpe' was added; available timers: "
        "init, run, step"
    )
