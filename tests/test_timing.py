"""The timing core: Timer, and the loop's IterationTimers (both twins)."""

from __future__ import annotations

import copy
import pickle
import re
import time

import numpy as np
import pytest
from _signatures import plain_signature


class FakeClock:
    """A clock the test advances by hand (seconds)."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Collect:
    """A row buffer sink that keeps copies of what it is handed."""

    def __init__(self) -> None:
        self.rows: list = []
        self.labels: list = []

    def __call__(self, rows, labels) -> None:
        self.rows.extend(rows.tolist())
        self.labels.extend(labels.tolist())


def _rows(rowbuffer, n_cols, **kw):
    sink = Collect()
    buf = rowbuffer.RowBuffer(
        "rows", (n_cols,), "f8", sink, labelled=True, **kw
    )
    return buf, sink


# .. Timer ....................................................................


def test_timer_accumulates_only_running_segments(timing, clock):
    t = timing.Timer("a", time_func=clock)
    t.start()
    clock.t += 2.0
    assert t.pause() == pytest.approx(2.0)
    clock.t += 5.0  # paused: not counted
    t.unpause()
    clock.t += 0.5
    assert t.elapsed == pytest.approx(2.5)  # live while running
    assert t.running and not t.finished
    assert t.stop() == pytest.approx(2.5)
    assert t.finished and not t.running
    assert t.invocations == 2


def test_timer_start_kwarg_and_running_start_is_noop(timing, clock):
    t = timing.Timer("a", time_func=clock, start=True)
    assert t.running
    clock.t += 1.0
    t.start()  # does not restart the running segment
    clock.t += 1.0
    assert t.pause() == pytest.approx(2.0)
    assert t.invocations == 1


def test_one_shot_timer_finishes_on_pause(timing, clock):
    t = timing.Timer("once", time_func=clock, one_shot=True)
    with pytest.raises(RuntimeError, match="one-shot timer and cannot be"):
        t.unpause()  # refused even before it ran
    t.start()
    clock.t += 3.0
    assert t.pause() == pytest.approx(3.0)
    assert t.finished
    with pytest.raises(RuntimeError, match="one-shot timer and cannot be"):
        t.unpause()


@pytest.mark.parametrize("op", ["start", "unpause", "pause", "stop"])
def test_finished_timer_refuses_every_change(timing, clock, op):
    t = timing.Timer("done", time_func=clock, start=True)
    t.stop()
    with pytest.raises(RuntimeError, match="was already marked as finished"):
        getattr(t, op)()


def test_pausing_paused_timer_fails(timing):
    t = timing.Timer("p")
    with pytest.raises(RuntimeError, match="Cannot pause already paused"):
        t.pause()


def test_stop_works_on_paused_timer_and_reset_clears(timing, clock):
    t = timing.Timer("s", time_func=clock, start=True)
    clock.t += 1.5
    t.pause()
    assert t.stop() == pytest.approx(1.5)
    t.reset()
    assert (t.elapsed, t.running, t.finished, t.invocations) == (
        0.0,
        False,
        False,
        0,
    )
    t.start()  # usable again after reset
    assert t.running


def test_str_shows_state(timing, clock):
    t = timing.Timer("foo", time_func=clock)
    assert str(t) == "<Timer 'foo', 0s elapsed>"
    t.start()
    clock.t += 0.0123
    assert str(t) == "<Timer 'foo', 0.0123s elapsed, running>"
    t.stop()
    assert str(t).endswith(", finished>")
    assert "running" not in str(t)


def test_default_clock_is_monotonic_not_wall(timing, monkeypatch):
    t = timing.Timer("m", start=True)
    # A wall-clock jump must not leak into the measurement.
    monkeypatch.setattr(time, "time", lambda: 0.0)
    time.sleep(0.01)
    elapsed = t.pause()
    assert 0.005 < elapsed < 5.0
    assert abs(t._get_time() - time.monotonic()) < 1.0


def test_monotonic_ns_matches_python_clock(timing):
    if timing.__name__.endswith("_py"):
        pytest.skip("the twin's monotonic_ns is time.monotonic_ns itself")
    a = time.monotonic_ns()
    b = timing.monotonic_ns()
    c = time.monotonic_ns()
    assert a <= b <= c


def test_property_setters_do_not_exist(timing):
    t = timing.Timer("x")
    with pytest.raises(AttributeError):
        t.name = "y"


def test_timer_rejects_bad_arguments(timing):
    with pytest.raises(TypeError, match="Timer name must be a string"):
        timing.Timer(3)
    with pytest.raises(TypeError, match="must be callable"):
        timing.Timer("x", time_func=5)


def test_rounding_of_fake_clock_is_exact(timing):
    # Both twins round seconds to integer ns the same way.
    clock = FakeClock(0.1)
    t = timing.Timer("r", time_func=clock, start=True)
    clock.t = 0.3
    assert t.pause() == pytest.approx(0.2, abs=1e-9)


# .. IterationTimers ..........................................................


def test_iteration_timers_timed_write_records_row(
    timing, loop, rowbuffer, clock
):
    full, inner, write = (
        timing.Timer(n, time_func=clock) for n in ("full", "inner", "write")
    )
    buf, sink = _rows(rowbuffer, 3)
    it = loop.IterationTimers(full, inner, write, [inner, write, full], buf)
    assert it.columns == (inner, write, full) and it.rows is buf
    full.start()

    def write_data():
        clock.t += 0.25

    it.write(write_data, 7)
    assert write.elapsed == pytest.approx(0.25)
    assert write.invocations == 1 and not write.running
    assert len(buf) == 1 and buf.flush() == 1
    np.testing.assert_allclose(sink.rows, [[0.0, 0.25, 0.25]])
    assert sink.labels == [7]


def test_block_write_is_charged_to_the_write_that_filled_it(
    timing, loop, rowbuffer, clock
):
    """The time a full block takes to reach its sink belongs to the data
    write whose row filled the block, and to no other."""
    full, inner, write = (
        timing.Timer(n, time_func=clock) for n in ("full", "inner", "write")
    )

    def slow_sink(rows, labels):
        clock.t += 5.0

    buf = rowbuffer.RowBuffer(
        "rows", (1,), "f8", slow_sink, block_rows=2, labelled=True
    )
    it = loop.IterationTimers(full, inner, write, [write], buf)
    per_write = []
    for n in range(4):
        before = write.elapsed
        it.write(lambda: setattr(clock, "t", clock.t + 1.0), n)
        per_write.append(write.elapsed - before)
    assert per_write == [1.0, 6.0, 1.0, 6.0]


def test_iteration_timers_check_their_rows(timing, loop, rowbuffer):
    a = timing.Timer("a")
    with pytest.raises(ValueError, match="labelled float64"):
        loop.IterationTimers(
            a, a, a, [a], rowbuffer.RowBuffer("r", (2,), "f8", print)
        )
    with pytest.raises(ValueError, match="labelled float64"):
        loop.IterationTimers(
            a,
            a,
            a,
            [a],
            rowbuffer.RowBuffer("r", (1,), "f4", print, labelled=True),
        )
    with pytest.raises(TypeError, match="Timer"):
        loop.IterationTimers(a, a, a, ["a"])


def test_iteration_timers_need_one_clock(timing, loop, clock):
    with pytest.raises(ValueError, match="share one clock"):
        loop.IterationTimers(
            timing.Timer("a"),
            timing.Timer("b", time_func=clock),
            timing.Timer("c"),
        )


def test_twins_share_error_text(impl):
    """The twin's messages are the compiled one's, word for word."""
    from utopya_backend.core import _timing_py

    clock = FakeClock()
    msgs = []
    for mod in (impl.timing, _timing_py):
        t = mod.Timer("x", time_func=clock, one_shot=True, start=True)
        t.pause()
        out = []
        for op in ("unpause", "pause", "stop"):
            with pytest.raises(RuntimeError) as err:
                getattr(t, op)()
            out.append(re.sub(r"\d", "0", str(err.value)))
        msgs.append(out)
    assert msgs[0] == msgs[1]
    # The wording SPEC.md gives (the original's), which users may match.
    finished = "<Timer 'x', 0s elapsed, finished>"
    assert msgs[1] == [
        f"{finished} is a one-shot timer and cannot be unpaused!",
        f"Tried to update timer {finished} that was already marked as "
        "finished.",
        f"Tried to update timer {finished} that was already marked as "
        "finished.",
    ]
    finished = "<Timer 'x', 0s elapsed, finished>"
    assert msgs[0] == [
        f"{finished} is a one-shot timer and cannot be unpaused!",
        f"Tried to update timer {finished} that was already marked as "
        "finished.",
        f"Tried to update timer {finished} that was already marked as "
        "finished.",
    ]


# .. Large and bad clock readings .............................................


@pytest.mark.parametrize(
    "start, steps",
    [
        (1e10, [2.0]),
        (9.2e9, [0.5, 1.25]),
        (2.0**40, [1.0, 0.5]),
        (1e15, [0.5, 0.25, 3.0]),
        (-1e12, [4.0]),
    ],
)
def test_large_clock_readings_time_correctly(timing, start, steps):
    clock = FakeClock(start)
    t = timing.Timer("big", time_func=clock, start=True)
    total = 0.0
    for dt in steps:
        clock.t += dt
        total += dt
        assert t.elapsed == total  # exact: steps are within float precision
    assert t.pause() == total
    clock.t += 1e6  # paused: not counted
    t.unpause()
    clock.t += 2.0
    assert t.stop() == total + 2.0
    assert str(t) == f"<Timer 'big', {total + 2.0:.3g}s elapsed, finished>"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("when", ["start", "pause", "elapsed"])
def test_non_finite_reading_raises_naming_the_timer(timing, bad, when):
    clock = FakeClock(5.0)
    t = timing.Timer("x", time_func=clock, start=when != "start")
    clock.t = bad
    msg = (
        f"Timer 'x': time_func returned {bad!r}, "
        "expected a finite number of seconds"
    )
    with pytest.raises(ValueError) as err:
        getattr(t, when) if when == "elapsed" else getattr(t, when)()
    assert str(err.value) == msg
    # Nothing changed; a finite reading works again.
    assert t.running == (when != "start")
    clock.t = 7.0
    t.start()
    clock.t = 8.0
    assert t.pause() == (3.0 if when != "start" else 1.0)


def test_non_number_reading_gives_the_same_error_in_both(impl):
    from utopya_backend.core import _timing_py

    msgs = set()
    for mod in (impl.timing, _timing_py):
        t = mod.Timer("x", time_func=lambda: "1.5")
        with pytest.raises(TypeError) as err:
            t.start()
        msgs.add(str(err.value))
    assert msgs == {"must be real number, not str"}


def test_reading_too_far_from_the_clock_origin_raises(timing):
    clock = FakeClock(0.0)
    t = timing.Timer("far", time_func=clock, start=True)
    clock.t = 1e10  # 1e19 ns from the first reading: beyond int64 safety
    with pytest.raises(OverflowError, match="^Timer 'far': time_func retu"):
        t.pause()
    assert t.running  # not silently wrong, and no state change
    clock.t = 4.0e9  # about 127 years: still fine
    assert t.pause() == 4.0e9


def test_timers_sharing_a_clock_share_its_origin(timing, loop, rowbuffer):
    """Readings of one timer serve another's pause (as in IterationTimers),
    so timers with the same time_func must give comparable readings, even
    if they read the clock first at different times."""
    clock = FakeClock(1e10)
    full, inner, write = (
        timing.Timer(n, time_func=clock) for n in ("full", "inner", "write")
    )
    buf, sink = _rows(rowbuffer, 3)
    it = loop.IterationTimers(full, inner, write, [inner, write, full], buf)
    full.start()
    clock.t += 100.0
    inner.start()
    clock.t += 30.0
    write.start()  # its own first reading; the write pauses it on full's

    def write_data():
        clock.t += 0.25

    it.write(write_data, 7)
    assert write.elapsed == 0.25 and not write.running
    clock.t += 1.0
    assert inner.pause() == 31.25
    assert full.pause() == 131.25
    buf.flush()
    np.testing.assert_array_equal(sink.rows, [[30.25, 0.25, 130.25]])


def test_a_new_clock_object_gets_its_own_origin(timing):
    a, b = FakeClock(1e12), FakeClock(-5e12)
    ta = timing.Timer("a", time_func=a, start=True)
    tb = timing.Timer("b", time_func=b, start=True)
    a.t += 1.5
    b.t += 2.5
    assert (ta.pause(), tb.pause()) == (1.5, 2.5)


def test_reset_keeps_working_on_a_large_clock(timing):
    clock = FakeClock(1e10)
    t = timing.Timer("r", time_func=clock, start=True)
    clock.t += 3.0
    t.stop()
    t.reset()
    clock.t += 1e6
    t.start()
    clock.t += 2.0
    assert t.pause() == 2.0


# .. copy and pickle ..........................................................


def _state(t):
    cls, args, state = t.__reduce__()
    assert cls is type(t)
    return args, state


def _round_trips():
    yield "copy", copy.copy
    yield "deepcopy", copy.deepcopy
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        yield f"pickle{proto}", (
            lambda t, p=proto: pickle.loads(pickle.dumps(t, protocol=p))
        )


ROUND_TRIPS = dict(_round_trips())


def _same_state(a, b):
    """Same state; copied clocks count as equal if they read the same."""
    (args_a, state_a), (args_b, state_b) = _state(a), _state(b)
    f, g = state_a.pop("time_func"), state_b.pop("time_func")
    assert f is g or (type(f) is type(g) and vars(f) == vars(g))
    return args_a == args_b and state_a == state_b


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_round_trip_keeps_a_running_timer_running(timing, how):
    t = timing.Timer("run", start=True)  # the default clock
    time.sleep(0.002)
    u = ROUND_TRIPS[how](t)
    assert type(u) is type(t) and u is not t
    assert (u.name, u.running, u.finished, u.invocations) == (
        "run",
        True,
        0,
        1,
    )
    e0 = u.elapsed
    assert e0 >= 0.002
    time.sleep(0.002)
    assert u.elapsed > e0
    assert u.pause() >= 0.004 and not u.running
    assert t.running  # the original is independent


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_round_trip_keeps_state_and_clock(timing, how):
    clock = FakeClock(1e10)
    t = timing.Timer("fin", time_func=clock, one_shot=True, start=True)
    clock.t += 2.5
    t.pause()
    u = ROUND_TRIPS[how](t)
    assert _same_state(u, t)
    assert (u.name, u.one_shot, u.finished, u.running) == (
        "fin",
        True,
        True,
        False,
    )
    assert u.elapsed == 2.5 and u.invocations == 1
    with pytest.raises(RuntimeError, match="already marked as finished"):
        u.stop()
    assert str(u) == str(t)


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_round_trip_of_a_running_timer_on_a_custom_clock(timing, how):
    clock = FakeClock(1e10)
    t = timing.Timer("c", time_func=clock, start=True)
    clock.t += 1.5
    u = ROUND_TRIPS[how](t)
    # A deep copy (or an unpickled copy) has a clock of its own.
    u_clock = _state(u)[1]["time_func"]
    assert isinstance(u_clock, FakeClock)
    assert (u_clock is clock) == (how == "copy")
    assert u.running and u.elapsed == 1.5
    u_clock.t += 2.0
    assert u.pause() == 3.5
    assert t.elapsed == (3.5 if u_clock is clock else 1.5)


def test_round_trip_moves_a_running_segment_to_the_clock_origin(timing):
    clock = FakeClock(1e10)
    t = timing.Timer("m", time_func=clock, start=True)
    clock.t += 1.0
    args, state = _state(t)
    other = FakeClock(clock.t + 5.0)
    timing.Timer("first", time_func=other).start()  # origin: 1e10 + 6
    u = type(t)(*args)
    u.__setstate__(dict(state, time_func=other))
    other.t += 1.0  # read as one second after the segment's start
    assert u.elapsed == 7.0


def test_pickling_an_unpicklable_clock_fails_as_usual(timing):
    t = timing.Timer("l", time_func=lambda: 0.0)
    with pytest.raises((pickle.PicklingError, AttributeError)) as err:
        pickle.dumps(t)
    assert "lambda" in str(err.value)
    assert copy.copy(t).name == "l"  # copies keep the same function


def test_twins_reduce_to_the_same_state(impl):
    from utopya_backend.core import _timing_py

    clock = FakeClock(1e10)
    timers = [
        m.Timer("x", time_func=clock, start=True)
        for m in (impl.timing, _timing_py)
    ]
    for op in ("pause", "unpause", "stop", "reset", "start"):
        clock.t += 0.75
        for t in timers:
            getattr(t, op)()
        assert _state(timers[0]) == _state(timers[1]), op
    # One implementation's state gives the other the same timer.
    for src, dst in ((0, 1), (1, 0)):
        args, state = _state(timers[src])
        u = type(timers[dst])(*args)
        u.__setstate__(state)
        assert _state(u) == _state(timers[src])
        clock.t += 1.0
        assert u.elapsed == timers[src].elapsed


# .. Parity of the twins' interfaces ..........................................


def _public(cls):
    return {n for n in dir(cls) if not n.startswith("_")}


TIMER_METHODS = (
    "start",
    "unpause",
    "pause",
    "stop",
    "reset",
    "_get_time",
    "__reduce__",
    "__setstate__",
)


def test_twins_timer_interfaces_agree(impl):
    from utopya_backend.core import _timing_py

    c, p = impl.timing.Timer, _timing_py.Timer
    assert _public(c) == _public(p)
    assert plain_signature(c) == plain_signature(p)
    assert plain_signature(p) == (
        "(name, *, time_func=None, one_shot=False, start=False)"
    )
    for name in TIMER_METHODS:
        assert plain_signature(getattr(c, name)) == plain_signature(
            getattr(p, name)
        ), name


@pytest.mark.parametrize(
    "call",
    [
        lambda T: T(name="x", time_func=None, one_shot=False, start=False),
        lambda T: T("x", start=True).pause(),
    ],
)
def test_timer_keyword_calls_work(timing, call):
    call(timing.Timer)


@pytest.mark.parametrize(
    "call",
    [
        lambda T: T(),
        lambda T: T("x", None),
        lambda T: T("x", bogus=1),
        lambda T: T("x").start(1),
        lambda T: T("x").reset(now=1),
    ],
)
def test_timer_bad_calls_are_type_errors(timing, call):
    with pytest.raises(TypeError):
        call(timing.Timer)


def test_timer_attributes_are_read_only(timing):
    t = timing.Timer("x")
    for name in _public(type(t)) | {"foo"}:
        with pytest.raises(AttributeError):
            setattr(t, name, 1)
        if name != "foo":
            with pytest.raises(AttributeError):
                delattr(t, name)
    assert t.name == "x"


def test_twins_share_argument_error_text(impl):
    from utopya_backend.core import _timing_py

    def errors(mod):
        out = []
        for make in (
            lambda: mod.Timer(3),
            lambda: mod.Timer("x", time_func=5),
            lambda: mod.Timer("x").__setstate__(
                dict(_state(mod.Timer("x"))[1], time_func=5)
            ),
            lambda: mod.Timer("x", time_func=lambda: float("nan")).start(),
            lambda: mod.Timer("x", time_func=lambda: [1]).start(),
        ):
            with pytest.raises(Exception) as err:
                make()
            out.append((type(err.value), str(err.value)))
        return out

    assert errors(impl.timing) == errors(_timing_py)
