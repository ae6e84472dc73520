"""The core run loop (``_loop`` and its twin ``_loop_py``) driven directly
through a ``LoopPlan``: what a model's hooks see, when data is written, what
the timers measure and how a plan is checked.

Runs on each implementation; the loop is what every model's ``run`` uses.
"""

from __future__ import annotations

import time

import pytest


class Model:
    """What the loop reads and writes on a model."""

    def __init__(self) -> None:
        self._n_iterations = 0
        self._time = 0


class Clock:
    """A fake clock in seconds that only moves when a hook says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _plan(loop, **kw):
    # The model passes its signal record (SIGNAL_INFO) and a deadline.
    kw.setdefault("signal_info", {"got_signal": False})
    kw.setdefault("deadline_ns", 2**62)  # never reached
    return loop.LoopPlan(**kw)


def _stepwise_plan(loop, model, log, **kw):
    def step():
        log.append(("step", model._time))

    def write():
        log.append(("write", model._time))

    kw.setdefault("time_writes", False)
    return _plan(loop, model=model, perform_step=step, write_data=write, **kw)


def test_a_plan_has_defaults_for_everything_but_the_model(impl):
    plan = impl.loop.LoopPlan(model="m")
    assert plan.model == "m"
    assert (plan.time, plan.num_steps) == (0, 0)
    assert (plan.write_start, plan.write_every) == (0, 1)
    assert plan.deadline_ns == 0 and plan.time_writes is True
    assert plan.check_signals_always is False
    assert plan.signal_info == {} and plan.timers is None
    for hook in ("should_iterate", "iterate", "perform_step", "on_deadline"):
        assert getattr(plan, hook) is None
    info = {"got_signal": False}
    assert impl.loop.LoopPlan(model=None, signal_info=info).signal_info is (
        info
    )


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        (dict(timers=5), TypeError,
         "LoopPlan: timers must be IterationTimers or None, got 5"),
        (dict(signal_info=[]), TypeError,
         "LoopPlan: signal_info must be a dict or None, got []"),
        (dict(time=1.5), TypeError, "LoopPlan: time must be an int, got 1.5"),
        (dict(num_steps=2**63), OverflowError,
         f"LoopPlan: num_steps={2**63} does not fit in int64"),
        (dict(write_start=True), TypeError,
         "LoopPlan: write_start must be an int, got True"),
        (dict(write_every=0), ValueError,
         "LoopPlan: write_every must be >= 1, got 0"),
        (dict(deadline_ns="1"), TypeError,
         "LoopPlan: deadline_ns must be an int, got '1'"),
    ],
)  # fmt: skip
def test_a_bad_plan_is_refused_with_the_argument_named(
    impl, kwargs, error, text
):
    with pytest.raises(error) as err:
        impl.loop.LoopPlan(model=None, **kwargs)
    assert str(err.value) == text


@pytest.mark.parametrize(
    "start, num_steps, write_start, write_every, writes",
    [
        (0, 5, 0, 1, [1, 2, 3, 4, 5]),
        (0, 7, 1, 3, [1, 4, 7]),
        (0, 7, 2, 2, [2, 4, 6]),
        (2, 6, 0, 3, [3, 6]),  # a run continued at time 2
        (0, 4, 9, 1, []),  # writing would start after the end
        (3, 3, 0, 1, []),  # already at the end: no step
    ],
)
def test_a_stepwise_plan_steps_and_writes_on_its_own(
    impl, start, num_steps, write_start, write_every, writes
):
    model, log = Model(), []
    model._time = start
    plan = _stepwise_plan(
        impl.loop,
        model,
        log,
        time=start,
        num_steps=num_steps,
        write_start=write_start,
        write_every=write_every,
    )
    assert impl.loop.run_iterations(plan) is None
    steps = [t for what, t in log if what == "step"]
    assert steps == list(range(start, num_steps))  # time before each step
    assert [t for what, t in log if what == "write"] == writes
    assert model._time == max(start, num_steps)
    assert model._n_iterations == max(num_steps - start, 0)


def test_a_stepwise_run_adds_to_the_iterations_done_before(impl):
    model, log = Model(), []
    model._n_iterations, model._time = 10, 10
    plan = _stepwise_plan(
        impl.loop, model, log, time=10, num_steps=12, deadline_ns=2**62
    )
    impl.loop.run_iterations(plan)
    assert (model._n_iterations, model._time) == (12, 12)


def test_a_plan_without_steps_asks_the_model_each_iteration(impl):
    model, log = Model(), []

    def should_iterate():
        return model._n_iterations < 4

    def iterate():
        log.append(("iterate", model._n_iterations))

    def should_write():
        return model._n_iterations % 2 == 0

    plan = _plan(
        impl.loop,
        model=model,
        should_iterate=should_iterate,
        iterate=iterate,
        should_write=should_write,
        write_data=lambda: log.append(("write", model._n_iterations)),
        time_writes=False,
    )
    assert impl.loop.run_iterations(plan) is None
    assert log == [
        ("iterate", 0),
        ("iterate", 1),
        ("write", 2),
        ("iterate", 2),
        ("iterate", 3),
        ("write", 4),
    ]
    assert model._n_iterations == 4 and model._time == 0


def test_hooks_run_in_order_around_each_iteration(impl):
    model, log = Model(), []
    hooks = {
        name: (lambda name=name: log.append(name))
        for name in ("pre", "monitor", "info", "post")
    }
    plan = _stepwise_plan(
        impl.loop,
        model,
        log,
        num_steps=2,
        write_every=2,
        pre_iterate=hooks["pre"],
        trigger_monitor=hooks["monitor"],
        show_info=hooks["info"],
        post_iterate=hooks["post"],
    )
    impl.loop.run_iterations(plan)
    assert [e if isinstance(e, str) else e[0] for e in log] == [
        *("pre", "step", "monitor", "info", "post"),
        *("pre", "step", "monitor", "write", "info", "post"),
    ]


def test_a_signal_stops_the_loop_with_its_exit_code(impl):
    model, log = Model(), []
    calls = []

    def check_signals():
        calls.append(model._n_iterations)
        return 143 if model._n_iterations == 3 else None

    info = {"got_signal": False}
    plan = _stepwise_plan(
        impl.loop,
        model,
        log,
        num_steps=10,
        check_signals=check_signals,
        signal_info=info,
        post_iterate=lambda: log.append(("post", model._time)),
    )
    info["got_signal"] = True  # as the signal handler does
    assert impl.loop.run_iterations(plan) == 143
    assert model._n_iterations == 3 and calls == [1, 2, 3]
    assert ("post", 3) not in log  # the iteration ends at the check


def test_signals_are_checked_every_iteration_if_asked(impl):
    model, log, calls = Model(), [], []
    plan = _stepwise_plan(
        impl.loop,
        model,
        log,
        num_steps=3,
        check_signals=lambda: calls.append(model._n_iterations),
        check_signals_always=True,
    )
    assert impl.loop.run_iterations(plan) is None
    assert calls == [1, 2, 3]


def test_without_a_signal_the_check_is_skipped(impl):
    model, log, calls = Model(), [], []
    plan = _stepwise_plan(
        impl.loop,
        model,
        log,
        num_steps=3,
        check_signals=lambda: calls.append(1),
    )
    impl.loop.run_iterations(plan)
    assert calls == [] and model._n_iterations == 3


def test_on_deadline_sets_the_next_deadline(impl):
    model, log, seen = Model(), [], []

    def on_deadline(now):
        seen.append((model._n_iterations, now))
        return now + 2**62 if len(seen) == 2 else 0  # due again at once

    plan = _stepwise_plan(
        impl.loop,
        model,
        log,
        num_steps=5,
        on_deadline=on_deadline,
        deadline_ns=0,
    )
    before = time.monotonic_ns()
    impl.loop.run_iterations(plan)
    assert [n for n, _ in seen] == [1, 2]
    assert all(now >= before for _, now in seen)


def _timers(impl, clock):
    t = impl.timing
    full, inner, write = (
        t.Timer(name, time_func=clock)
        for name in ("full_iteration", "model_iteration", "write_data")
    )
    return impl.loop.IterationTimers(full, inner, write)


def test_timers_measure_their_parts_of_each_iteration(impl):
    model, clock = Model(), Clock()

    def advance(seconds):
        def hook():
            clock.now += seconds

        return hook

    timers = _timers(impl, clock)
    plan = _plan(
        impl.loop,
        model=model,
        perform_step=advance(2.0),
        num_steps=4,
        write_every=2,
        write_data=advance(4.0),
        pre_iterate=advance(1.0),
        post_iterate=advance(8.0),
        timers=timers,
    )
    impl.loop.run_iterations(plan)
    assert model._n_iterations == 4
    assert timers.model_iteration.elapsed == pytest.approx(4 * 2.0)
    assert timers.write_data.elapsed == pytest.approx(2 * 4.0)
    # pre_iterate, the step, two writes and post_iterate, every iteration
    assert timers.full_iteration.elapsed == pytest.approx(4 * 11.0 + 8.0)
    assert timers.full_iteration.invocations == 4
    assert timers.model_iteration.invocations == 4
    assert timers.write_data.invocations == 2


def test_writes_are_not_timed_if_the_plan_says_so(impl):
    model, clock = Model(), Clock()
    timers = _timers(impl, clock)

    def write():
        clock.now += 3.0

    plan = _plan(
        impl.loop,
        model=model,
        perform_step=lambda: None,
        num_steps=2,
        write_data=write,
        time_writes=False,
        timers=timers,
    )
    impl.loop.run_iterations(plan)
    assert timers.write_data.invocations == 0
    assert timers.full_iteration.elapsed == pytest.approx(6.0)


def test_a_signal_stop_pauses_the_iteration_timer(impl):
    model, clock = Model(), Clock()
    timers = _timers(impl, clock)

    def step():
        clock.now += 1.0

    plan = _plan(
        impl.loop,
        model=model,
        perform_step=step,
        num_steps=5,
        write_data=lambda: None,
        check_signals=lambda: 130,
        check_signals_always=True,
        post_iterate=step,  # not reached: the iteration ends at the check
        timers=timers,
    )
    assert impl.loop.run_iterations(plan) == 130
    clock.now += 100.0  # after the stop: not measured
    assert timers.full_iteration.elapsed == pytest.approx(1.0)


def test_the_deadline_is_due_when_the_clock_reaches_it(monkeypatch):
    # The twin's clock can be replaced; the compiled loop reads its own.
    from utopya_backend.core import _loop_py

    readings = iter(range(100, 200))
    monkeypatch.setattr(time, "monotonic_ns", lambda: next(readings))
    seen = []
    plan = _plan(
        _loop_py,
        model=Model(),
        perform_step=lambda: None,
        num_steps=1,
        write_data=lambda: None,
        on_deadline=lambda now: seen.append(now) or 2**62,
        deadline_ns=100,
    )
    _loop_py.run_iterations(plan)
    assert seen == [100]


class TickingClock:
    """A fake clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0
        self.readings: list = []

    def __call__(self) -> float:
        self.now += 1.0
        self.readings.append(self.now)
        return self.now


def test_iterations_follow_each_other_without_a_gap(impl):
    # One iteration's end is the next one's start: the full_iteration
    # timer covers the whole loop, however long the loop's own work takes.
    model, clock = Model(), TickingClock()
    timers = _timers(impl, clock)
    plan = _plan(
        impl.loop,
        model=model,
        perform_step=lambda: None,
        num_steps=4,
        write_data=lambda: None,
        timers=timers,
    )
    clock.readings.clear()
    impl.loop.run_iterations(plan)
    first, last = clock.readings[0], clock.readings[-1]
    assert timers.full_iteration.elapsed == pytest.approx(last - first)
    assert timers.full_iteration.invocations == 4


def test_the_deadline_is_read_on_the_monotonic_clock_with_custom_timers(
    impl,
):
    # Timers on a custom clock: their readings are no deadline readings.
    model, seen = Model(), []
    timers = _timers(impl, Clock())  # stands still at 0
    start = time.monotonic_ns()
    plan = _plan(
        impl.loop,
        model=model,
        perform_step=lambda: None,
        num_steps=2,
        write_data=lambda: None,
        timers=timers,
        on_deadline=lambda now: seen.append(now) or 1,
        deadline_ns=1,  # long past on the monotonic clock
    )
    impl.loop.run_iterations(plan)
    assert len(seen) == 2 and all(now >= start for now in seen)


def test_timers_on_two_clocks_are_refused_with_the_exact_text(impl):
    t = impl.timing
    timers = (t.Timer("a"), t.Timer("b", time_func=Clock()), t.Timer("c"))
    with pytest.raises(ValueError) as err:
        impl.loop.IterationTimers(*timers)
    assert str(err.value) == (
        "The iteration timers must share one clock (time_func)"
    )


def test_timed_writes_respect_the_row_limit_of_their_buffer(impl):
    """A benchmark row is one row of the buffer like any other: a buffer
    that is full refuses it, and the rows before stay."""
    clock = Clock()
    full, inner, write = (
        impl.timing.Timer(name, time_func=clock)
        for name in ("full_iteration", "model_iteration", "write_data")
    )
    blocks = []
    rows = impl.rowbuffer.RowBuffer(
        "rows",
        (1,),
        "f8",
        lambda b, *a: blocks.append(b.copy()),
        max_rows=1,
        labelled=True,
    )
    it = impl.loop.IterationTimers(full, inner, write, [write], rows)
    it.write(lambda: None, 1)
    with pytest.raises(IndexError, match="rows"):
        it.write(lambda: None, 2)
    rows.flush()
    assert sum(len(b) for b in blocks) == 1
