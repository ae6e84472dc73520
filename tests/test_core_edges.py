"""Edges of the core (timer, run loop, row buffer, compiled steps) that the
hand-made mutants of the compiled core (``mutation/pyx_mutants.py``) showed
untested: columns on another clock, copies of statistics beyond 64 bits,
what a benchmark row and a timed write hold, deadlines, labels, rows of
another dtype or byte order, C step user data and threads.

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

try:
    from utopya_backend import cstep
    from utopya_backend.core import _rowbuffer
except ImportError:  # a pure-Python install: those tests are skipped
    _rowbuffer = cstep = None


class Clock:
    """A fake clock in seconds, moved by the test."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Model:
    """What the loop reads and writes on a model."""

    def __init__(self) -> None:
        self._n_iterations = 0
        self._time = 0


class Sink:
    """Collects what a row buffer hands over: (label, row) pairs."""

    def __init__(self) -> None:
        self.rows = []

    def __call__(self, block, labels) -> None:
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


def test_a_one_shot_timer_on_the_default_clock_finishes_at_its_pause(impl):
    t = impl.timing.Timer("once", one_shot=True, start=True)
    elapsed = t.pause()
    assert t.finished and not t.running
    assert str(t).endswith(", finished>")
    assert t.elapsed == elapsed  # no longer counting
    with pytest.raises(RuntimeError, match="already marked as finished"):
        t.pause()


# .. run loop ...............................................................


def _iteration_timers(impl, clock, rows=None, columns=()):
    full, inner, write = (
        impl.timing.Timer(name, time_func=clock)
        for name in ("full_iteration", "model_iteration", "write_data")
    )
    return impl.loop.IterationTimers(
        full, inner, write, columns or [write], rows
    )


@pytest.mark.parametrize("block_rows", [1, 2])
def test_handing_over_a_block_of_rows_is_timed_as_the_write(impl, block_rows):
    """The row of a timed write may fill a block; handing that to the sink
    (e.g. writing HDF5) is part of the write and counted in write_data,
    after the row's own value was taken."""
    clock = Clock(10.0)
    sink = Sink()

    def slow_sink(block, labels):
        sink(block, labels)
        clock.now += 4.0

    def write():
        clock.now += 1.0

    rows = impl.rowbuffer.RowBuffer(
        "rows", (1,), "f8", slow_sink, block_rows=block_rows, labelled=True
    )
    it = _iteration_timers(impl, clock, rows)
    it.write(write, 1)
    it.write(write, 2)
    # two writes of 1 s, and 4 s for each block handed over
    assert it.write_data.elapsed == 2.0 + 4.0 * (2 // block_rows)
    rows.flush()
    # each row holds write_data at the end of its write, before its block
    assert sink.rows == [(1, [1.0]), (2, [2.0 + 4.0 * (block_rows == 1)])]


def test_a_deadline_due_at_every_check_is_checked_every_iteration(impl):
    """After a deadline fired the loop reads the clock every iteration
    again: a deadline that is always due is seen in each one."""
    model, seen = Model(), []
    n = 200
    left = iter(range(n, -1, -1))  # its own count: the test must end

    def should_iterate():
        return next(left) > 0

    def on_deadline(t):
        seen.append(model._n_iterations)
        return 0  # due again at once

    plan = impl.loop.LoopPlan(
        model=model,
        should_iterate=should_iterate,
        iterate=lambda: None,
        should_write=lambda: False,
        on_deadline=on_deadline,
        deadline_ns=0,
        signal_info={"got_signal": False},
    )
    impl.loop.run_iterations(plan)
    assert seen == list(range(1, n + 1))


def test_an_untimed_write_records_a_row_but_is_not_timed(impl):
    """A StepwiseModel's initial write is not timed (as in the original)
    but still gives the benchmark row of iteration 0."""
    clock = Clock(3.0)
    sink = Sink()
    rows = impl.rowbuffer.RowBuffer("rows", (1,), "f8", sink, labelled=True)
    it = _iteration_timers(impl, clock, rows)
    assert it.rows is rows

    def write():
        clock.now += 2.0

    it.write(write, 0, timed=False)
    it.write(write, 1)
    assert it.write_data.elapsed == 2.0
    rows.flush()
    assert sink.rows == [(0, [0.0]), (1, [2.0])]


def test_the_next_deadline_counts_in_a_loop_timed_on_the_default_clock(
    impl,
):
    """With timers on the default clock the loop's readings serve the
    deadline; the deadline on_deadline returns is the next one."""
    model, seen = Model(), []
    full, inner, write = (
        impl.timing.Timer(name) for name in ("full", "inner", "write")
    )

    def on_deadline(now):
        seen.append(model._n_iterations)
        return now + 2**61  # far away

    plan = impl.loop.LoopPlan(
        model=model,
        perform_step=lambda: None,
        num_steps=5,
        write_data=lambda: None,
        on_deadline=on_deadline,
        deadline_ns=0,
        signal_info={"got_signal": False},
        timers=impl.loop.IterationTimers(full, inner, write),
    )
    impl.loop.run_iterations(plan)
    assert seen == [1] and model._n_iterations == 5
    assert full.invocations == inner.invocations == 5


def test_each_column_of_a_benchmark_row_is_its_timers_elapsed_time(impl):
    """At each write of a run, the row holds every column's elapsed time
    at the end of that write, the running ones included."""
    clock = Clock(0.0)
    sink = Sink()
    rows = impl.rowbuffer.RowBuffer("rows", (3,), "f8", sink, labelled=True)
    full, inner, write = (
        impl.timing.Timer(name, time_func=clock)
        for name in ("full_iteration", "model_iteration", "write_data")
    )
    timers = impl.loop.IterationTimers(
        full, inner, write, [full, inner, write], rows
    )

    def advance(seconds):
        def hook():
            clock.now += seconds

        return hook

    plan = impl.loop.LoopPlan(
        model=Model(),
        perform_step=advance(2.0),
        num_steps=2,
        write_data=advance(4.0),
        signal_info={"got_signal": False},
        deadline_ns=2**62,
        timers=timers,
    )
    impl.loop.run_iterations(plan)
    rows.flush()
    # (full, model, write): a 2 s step and a 4 s write per iteration
    assert sink.rows == [(1, [6.0, 2.0, 4.0]), (2, [12.0, 4.0, 8.0])]


def test_a_compiled_step_with_counters_still_runs_post_iterate(impl):
    """The loop's short path for a bare compiled step must not be taken
    when a hook is to run after each iteration."""
    if cstep is None:
        pytest.skip("needs the compiled core")
    counters = impl.loop.LoopCounters()
    step, seen = cstep._CountStep(), []
    plan = impl.loop.LoopPlan(
        model=None,
        counters=counters,
        perform_step=step,
        num_steps=3,
        write_data=lambda: None,
        post_iterate=lambda: seen.append(counters.time),
        deadline_ns=2**62,
        signal_info={"got_signal": False},
    )
    impl.loop.run_iterations(plan)
    assert step.count == 3 and seen == [1, 2, 3]


# .. row buffer .............................................................


class Source:
    """A label source whose label is not the default attribute."""

    def __init__(self) -> None:
        self.tick = 0
        self._n_iterations = -1


def test_labels_come_from_the_named_attribute(impl):
    src, sink = Source(), Sink()
    buf = impl.rowbuffer.RowBuffer(
        "x", (), "f8", sink, label_source=src, label_attr="tick"
    )
    for tick in (3, 5):
        src.tick = tick
        buf.append(float(tick))
    buf.flush()
    assert sink.rows == [(3, 3.0), (5, 5.0)]


def test_an_int64_row_is_stored_as_its_values_in_a_float64_buffer(impl):
    """A row of another dtype but the same size in bytes is converted,
    not copied as raw memory."""
    sink = Sink()
    buf = impl.rowbuffer.RowBuffer("x", (3,), "f8", sink)
    buf.append(np.array([1, -2, 3], dtype=np.int64))
    buf.append(np.array([0.5, 1.5, 2.5], dtype=np.float64))
    buf.flush()
    assert sink.rows == [(None, [1.0, -2.0, 3.0]), (None, [0.5, 1.5, 2.5])]


@pytest.mark.parametrize("dtype", [">f8", "<f8", ">f4", "<f4"])
def test_float_scalars_keep_their_value_in_either_byte_order(impl, dtype):
    sink = Sink()
    buf = impl.rowbuffer.RowBuffer("x", (), dtype, sink)
    for v in (1.5, -0.25):
        buf.append(v)
    buf.flush()
    assert sink.rows == [(None, 1.5), (None, -0.25)]


def test_a_row_limit_beyond_int64_is_no_limit(impl):
    sink = Sink()
    buf = impl.rowbuffer.RowBuffer("x", (), "f8", sink, max_rows=2**70)
    buf.extend([1.0, 2.0])
    buf.append(3.0)
    assert len(buf) == 3 and buf.flush() == 3


def test_extend_hands_over_each_block_it_fills(impl):
    """A block that extend fills goes to the sink at once, the last one
    too: nothing waits for the next append or flush."""
    sink = Sink()
    buf = impl.rowbuffer.RowBuffer("x", (), "f8", sink, block_rows=2)
    buf.extend([1.0, 2.0, 3.0, 4.0])
    assert (buf.n_written, buf.n_pending) == (4, 0)
    assert sink.rows == [(None, v) for v in (1.0, 2.0, 3.0, 4.0)]


# .. compiled steps (no twin) ...............................................


def _capsule_api():
    api = ctypes.pythonapi
    api.PyCapsule_New.restype = ctypes.py_object
    api.PyCapsule_New.argtypes = (
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_void_p,
    )
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = (ctypes.py_object, ctypes.c_char_p)
    api.PyCapsule_SetContext.restype = ctypes.c_int
    api.PyCapsule_SetContext.argtypes = (ctypes.py_object, ctypes.c_void_p)
    return api


@pytest.mark.c_extension
def test_a_capsules_context_is_the_steps_user_data():
    """A capsule may carry its user data as its context (as a
    scipy.LowLevelCallable does); the step gets it without user_data."""
    api = _capsule_api()
    name = b"int (void *)"
    func = api.PyCapsule_GetPointer(cstep._demo_capsule(), name)
    count = np.zeros(1, dtype=np.int64)
    capsule = api.PyCapsule_New(func, name, None)
    assert api.PyCapsule_SetContext(capsule, count.ctypes.data) == 0
    step = cstep.FuncStep(capsule)
    for _ in range(3):
        step()
    assert count[0] == 3


@pytest.mark.c_extension
def test_user_data_may_be_an_int_address():
    count = np.zeros(2, dtype=np.int64)
    step = cstep.FuncStep(
        cstep._demo_capsule(), user_data=count[1:].ctypes.data
    )
    step()
    step()
    assert count.tolist() == [0, 2]


@pytest.mark.c_extension
@pytest.mark.parametrize("owned", ["scalar", "row"])
def test_a_row_writer_refuses_a_thread_that_does_not_own_the_buffer(owned):
    """RowWriter appends from C check the thread like ``append``: a
    buffer that belongs to the main thread refuses rows from another."""
    sinks = {"scalar": Sink(), "row": Sink()}
    bufs = {
        "scalar": _rowbuffer.RowBuffer("s", (), "f8", sinks["scalar"]),
        "row": _rowbuffer.RowBuffer("r", (2,), "f8", sinks["row"]),
    }
    bufs[owned].append(0.0 if owned == "scalar" else [0.0, 0.0])
    step = cstep._AppendStep(
        cstep.RowWriter(bufs["scalar"]), cstep.RowWriter(bufs["row"])
    )
    errors = []

    def other():
        try:
            step()
        except RuntimeError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=other, name="intruder")
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert "from thread 'intruder'" in errors[0]
    assert "nothing appended" in errors[0]
    assert len(bufs[owned]) == 1
