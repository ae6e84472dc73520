"""Timer readings and state at the edges, on fake clocks (both twins).

The clock limit (2**62 ns from a clock's origin), clocks that cannot be
remembered (unhashable), zero-length segments in the statistics, and the
errors of a bad saved state.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from utopya_backend.core._timerstats import N_BUCKETS

LIMIT_S = 2.0**62 / 1e9  # 2**62 ns in seconds (exact: LIMIT_S * 1e9)


class FakeClock:
    """A clock the test sets by hand (seconds)."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class UnhashableClock(FakeClock):
    """A clock that cannot be a dict key, so it has no remembered origin."""

    __hash__ = None  # type: ignore[assignment]


def _state(t):
    return t.__reduce__()[2]


# .. the clock limit ..........................................................


@pytest.mark.parametrize("sign", [1, -1])
def test_readings_just_inside_the_limit_are_timed_exactly(timing, sign):
    clock = FakeClock(0.0)
    t = timing.Timer("edge", time_func=clock, start=True)
    clock.t = sign * 4611686018.0  # 0.43 s short of 2**62 ns
    if sign > 0:
        assert t.pause() == 4611686018.0
    else:  # a clock going back: the segment is negative, but in range
        assert t.elapsed == -4611686018.0


@pytest.mark.parametrize("sign", [1, -1])
def test_a_reading_exactly_at_the_limit_is_refused(timing, sign):
    assert LIMIT_S * 1e9 == 2.0**62
    clock = FakeClock(0.0)
    t = timing.Timer("edge", time_func=clock, start=True)
    clock.t = sign * LIMIT_S
    with pytest.raises(OverflowError) as err:
        t.pause()
    assert str(err.value) == (
        f"Timer 'edge': time_func returned {sign * LIMIT_S!r}, "
        f"{sign * LIMIT_S:.3g} s from the clock's origin 0.0; readings "
        "must stay within 2**62 ns (about 146 years) of it"
    )
    assert t.running
    clock.t = 2.5
    assert t.pause() == 2.5


def test_an_unhashable_clock_counts_from_zero(timing):
    clock = UnhashableClock(100.0)
    t = timing.Timer("u", time_func=clock, start=True)
    clock.t += 1.5
    assert t.pause() == 1.5
    clock.t = 5.0e9  # beyond 2**62 ns (146 years) from zero
    with pytest.raises(OverflowError) as err:
        t.start()
    assert str(err.value) == (
        "Timer 'u': time_func returned 5000000000.0, 5e+09 s from the "
        "clock's origin 0.0; readings must stay within 2**62 ns (about "
        "146 years) of it"
    )
    assert not t.running
    clock.t = 200.0
    assert t.elapsed == 1.5


# .. statistics through copies ................................................


@pytest.mark.parametrize(
    "how",
    [copy.copy, copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t))],
)
def test_zero_length_segments_keep_their_statistics_in_copies(timing, how):
    clock = FakeClock(10.0)
    t = timing.Timer("z", time_func=clock)
    for _ in range(3):
        t.start()
        t.pause()  # no time passed
    u = how(t)
    assert (u.invocations, u.elapsed) == (3, 0.0)
    assert u.stats.count == 3 and u.stats.sum_ns == 0
    assert u.stats.min_ns == 0 and u.stats.max_ns == 0
    assert u.stats.counts[0] == 3 and u.stats.counts.sum() == 3
    assert u.stats == t.stats


def test_a_copy_keeps_statistics_of_short_and_long_segments(timing):
    clock = FakeClock(10.0)
    t = timing.Timer("s", time_func=clock)
    for dt in (0.0, 1e-9, 2.0):
        t.start()
        clock.t += dt
        t.pause()
    u = copy.deepcopy(t)
    assert u.stats == t.stats
    assert (u.stats.count, u.stats.min_ns, u.stats.max_ns) == (
        3,
        0,
        2_000_000_000,
    )


# .. a bad saved state ........................................................


def test_a_state_with_a_bucket_out_of_range_is_refused(timing):
    clock = FakeClock(10.0)
    t = timing.Timer("h", time_func=clock, start=True)
    clock.t += 1.0
    t.pause()
    state = _state(t)
    count, total, lo, hi, sumsq, hist = state["stats"]
    for bucket in (N_BUCKETS, -1):
        u = timing.Timer("h")
        bad = (count, total, lo, hi, sumsq, ((bucket, 1),))
        with pytest.raises(ValueError) as err:
            u.__setstate__(dict(state, stats=bad))
        assert str(err.value) == f"histogram bucket {bucket} out of range"
    u = timing.Timer("h")
    u.__setstate__(dict(state, stats=(count, total, lo, hi, sumsq, ((0, 1),))))
    assert u.stats.counts[0] == 1 and u.stats.count == 1


def test_a_state_with_a_clock_that_is_not_callable_is_refused(timing):
    t = timing.Timer("cl", time_func=FakeClock(1.0))
    u = timing.Timer("cl")
    with pytest.raises(TypeError) as err:
        u.__setstate__(dict(_state(t), time_func=42))
    assert str(err.value) == (
        "time_func of timer 'cl' must be callable, got 42"
    )


# .. reset ....................................................................


def test_a_reset_timer_is_in_the_state_of_a_new_one(timing):
    clock = FakeClock(10.0)
    t = timing.Timer("r", time_func=clock, start=True)
    clock.t += 2.0
    t.stop()
    t.reset()
    new = timing.Timer("r", time_func=clock)
    new.start()  # reads the clock once, as t did: the same origin
    new.reset()
    assert _state(t) == _state(new)
    assert (t.elapsed, t.invocations, t.running, t.finished) == (
        0.0,
        0,
        False,
        False,
    )
    assert t.stats.count == 0


@pytest.mark.parametrize(
    "stats, text",
    [
        ((1, 5, 5, 5, 2**128, ()), "sum of squares"),
        ((1, 5, 5, 5, -1, ()), "sum of squares"),
        ((2**63, 5, 5, 5, 25, ()), "out of int64"),
        ((1, 5, 5, 5, 25, ((3, -(2**63) - 1),)), "out of int64"),
        ((1, 5, 5, 5, 25, ((10**6, 1),)), "bucket 1000000 out of range"),
    ],
)
def test_saved_statistics_out_of_range_are_refused_alike(timing, stats, text):
    """A hand-made or corrupted state never wraps silently: both twins
    refuse it with the same error."""
    state = timing.Timer("t").__reduce__()[2]
    state["stats"] = stats
    with pytest.raises(ValueError, match=text):
        timing.Timer("t").__setstate__(state)
