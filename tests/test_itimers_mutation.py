"""The iteration timers (``IterationTimers``, compiled and twin): what a
data write charges to ``write_data`` and what its benchmark row holds."""

from __future__ import annotations

import pytest


class DriftingClock:
    """A clock in seconds that, once ``drift`` is set, moves on by that much
    after every reading: time passing outside the write call."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.drift = 0.0

    def __call__(self) -> float:
        now = self.now
        self.now += self.drift
        return now


class Sink:
    """Collects what a row buffer hands over: (label, row) pairs."""

    def __init__(self) -> None:
        self.rows: list = []

    def __call__(self, block, labels) -> None:
        self.rows.extend(zip(labels.tolist(), block.tolist()))


def _timers(impl, time_func=None):
    return [
        impl.timing.Timer(name, time_func=time_func)
        for name in ("full_iteration", "model_iteration", "write_data")
    ]


def test_without_rows_only_the_write_call_is_charged(impl):
    """With no row buffer there is no block to hand over: what happens after
    the write returns is not part of write_data."""
    clock = DriftingClock(100.0)
    it = impl.loop.IterationTimers(*_timers(impl, clock))

    def write():
        clock.now += 2.0
        clock.drift = 5.0  # from here on, every reading moves the clock

    it.write(write, 1)
    assert it.write_data.elapsed == 2.0
    assert it.write_data.invocations == 1 and not it.write_data.running


def test_an_untimed_write_reads_running_columns_after_the_write(impl):
    """The row of an untimed write (a StepwiseModel's initial write) holds
    a running default-clock column's elapsed time at the end of the write:
    no less than before the write, no more than right after it."""
    sim = impl.timing.Timer("simulation", start=True)
    sink = Sink()
    rows = impl.rowbuffer.RowBuffer("rows", (1,), "f8", sink, labelled=True)
    it = impl.loop.IterationTimers(*_timers(impl), [sim], rows)
    seen = []
    it.write(lambda: seen.append(sim.elapsed), 0, timed=False)
    after = sim.elapsed
    rows.flush()
    assert [label for label, _ in sink.rows] == [0]
    (value,) = sink.rows[0][1]
    assert seen[0] <= value <= after
    assert it.write_data.invocations == 0


@pytest.mark.parametrize("timed", [True, False])
def test_a_write_without_rows_calls_the_write_once(impl, timed):
    calls = []
    it = impl.loop.IterationTimers(*_timers(impl))
    it.write(lambda: calls.append(1), 3, timed=timed)
    assert calls == [1]
    assert it.write_data.invocations == (1 if timed else 0)
