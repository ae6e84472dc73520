"""Edges of the core (timer, run loop, row buffer, compiled steps) that the
hand-made mutants of the compiled core (``mutation/pyx_mutants.py``) showed
untested: clocks of other timers, copies, statistics beyond 64 bits, a sink
that fails, rows of the wrong shape or dtype, C step sources.

Runs on each implementation through ``impl`` where the core has a twin;
``cstep`` has none and runs on the compiled core only.
"""

from __future__ import annotations

import copy
import ctypes
import pickle
import threading

import numpy as np
import pytest


class Clock:
    """A fake clock in seconds, moved by the test."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Sink:
    """Collects what a row buffer hands over: (label, row) pairs."""

    def __init__(self) -> None:
        self.calls = []
        self.rows = []

    def __call__(self, block, labels) -> None:
        self.calls.append(len(block))
        labels = [None] * len(block) if labels is None else labels.tolist()
        self.rows.extend(zip(labels, block.tolist()))


# .. timer ..................................................................


def test_a_row_column_on_another_clock_is_read_on_that_clock(impl):
    """A benchmark row reads each column on the column's own clock, not
    on the clock of the iteration timers that ended the write."""
    t = impl.timing
    full, inner, write = (t.Timer(name) for name in ("full", "inner", "write"))
    other = Clock(50.0)
    kernel = t.Timer("kernel", time_func=other, start=True)
    other.now = 53.5
    sink = Sink()
    rows = impl.rowbuffer.RowBuffer("rows", (1,), "f8", sink, labelled=True)
    it = impl.loop.IterationTimers(full, inner, write, [kernel], rows)
    it.write(lambda: None, 7)
    rows.flush()
    assert sink.rows == [(7, [3.5])]


def test_a_copy_keeps_statistics_of_the_longest_segments(impl):
    """A segment near 2**63 ns: its square needs more than 64 bits and it
    falls into the histogram's last bucket; a copy keeps both."""
    clock = Clock(0.0)
    impl.timing.Timer("origin", time_func=clock, start=True)  # origin 0 s
    t = impl.timing.Timer("long", time_func=clock)
    clock.now = -4.6e9
    t.start()
    clock.now = 4.6e9
    t.pause()
    stats = t.stats
    assert stats.count == 1 and stats.max_ns > 2**62
    assert stats.sum_sq_ns2 == stats.max_ns**2 > 2**64
    assert stats.counts[-1] == 1 and stats.counts.sum() == 1
    for u in (copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        assert u.stats == stats
        assert u.stats.sum_sq_ns2 == stats.max_ns**2
        assert u.stats.counts[-1] == 1
