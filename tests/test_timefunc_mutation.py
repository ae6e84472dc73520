"""The origins of custom clocks (``_timefunc`` and its twin), as users see
them: through timers' readings, their error text and memory.

A clock's first reading becomes its origin, remembered only while the clock
lives; a clock that cannot be remembered counts from 0 s.
"""

from __future__ import annotations

import gc
import weakref

import pytest

LIMIT_S = 2.0**62 / 1e9  # readings must stay within 2**62 ns of the origin


class FakeClock:
    """A clock the test sets by hand (seconds)."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class SlotClock:
    """A hashable clock that cannot be weakly referenced (no __weakref__),
    so the registry cannot remember it."""

    __slots__ = ("t",)

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _too_far_message(name: str, reading: float, origin: float) -> str:
    return (
        f"Timer {name!r}: time_func returned {reading!r}, "
        f"{reading - origin:.3g} s from the clock's origin {origin!r}; "
        "readings must stay within 2**62 ns (about 146 years) of it"
    )


def test_the_registry_does_not_keep_a_clock_alive(timing):
    """Timers of a dropped clock free it: the origin is no leak."""
    clock = FakeClock(5.0)
    t = timing.Timer("leak", time_func=clock, start=True)
    clock.t = 6.0
    assert t.pause() == 1.0
    ref = weakref.ref(clock)
    del t, clock
    gc.collect()
    assert ref() is None


def test_a_clock_without_weak_references_counts_from_zero(timing):
    """Such a clock gets the origin 0.0, so its readings are seconds since
    zero and the limit counts from there (the error names origin 0.0)."""
    clock = SlotClock(100.0)
    t = timing.Timer("slots", time_func=clock, start=True)
    clock.t = 101.25
    assert t.pause() == 1.25
    clock.t = 5.0e9  # within 2**62 ns of 100 s, but not of 0 s
    with pytest.raises(OverflowError) as err:
        t.start()
    assert str(err.value) == _too_far_message("slots", 5.0e9, 0.0)


def test_the_origin_is_the_exact_first_reading(timing):
    """The error text names the clock's first reading as its origin, to
    the last digit (no rounding of the origin)."""
    first = 12345.678901234
    clock = FakeClock(first)
    t = timing.Timer("exact", time_func=clock, start=True)
    far = first + LIMIT_S + 10.0
    clock.t = far
    with pytest.raises(OverflowError) as err:
        t.pause()
    assert str(err.value) == _too_far_message("exact", far, first)


def test_a_second_timer_keeps_the_first_timers_origin(timing):
    """A timer started later on the same clock measures from the clock's
    origin (its first reading ever), not from its own first reading."""
    clock = FakeClock(1000.0)
    first = timing.Timer("a", time_func=clock, start=True)
    clock.t = 1000.0 + LIMIT_S - 1.0  # just inside the limit of 1000 s
    second = timing.Timer("b", time_func=clock, start=True)
    clock.t = 1000.0 + LIMIT_S + 1.0  # beyond it: refused for both
    for t in (first, second):
        with pytest.raises(OverflowError) as err:
            t.pause()
        assert str(err.value) == _too_far_message(t.name, clock.t, 1000.0)
