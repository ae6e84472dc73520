"""The argument errors of ``IterationTimers`` and ``LoopPlan``, word for
word and at their limits, on both cores (they share ``_checks``; issue 20).
"""

from __future__ import annotations

import numpy as np
import pytest


def _timers(impl):
    return tuple(
        impl.timing.Timer(n)
        for n in ("full_iteration", "model_iteration", "write_data")
    )


def _rows(impl, shape=(1,), dtype="f8", labelled=True):
    return impl.rowbuffer.RowBuffer(
        "rows", shape, dtype, lambda *a: None, labelled=labelled
    )


@pytest.mark.parametrize("pos, name", [(0, "full_iteration"),
                                       (1, "model_iteration"),
                                       (2, "write_data")])  # fmt: skip
def test_each_iteration_timer_must_be_a_timer(impl, pos, name):
    args = list(_timers(impl))
    args[pos] = "t"
    with pytest.raises(TypeError) as err:
        impl.loop.IterationTimers(*args)
    assert str(err.value) == (
        f"IterationTimers: {name} must be a Timer, got 't'"
    )


def test_rows_must_be_a_row_buffer(impl):
    with pytest.raises(TypeError) as err:
        impl.loop.IterationTimers(*_timers(impl), (), [1])
    assert str(err.value) == (
        "IterationTimers: rows must be a RowBuffer or None, got [1]"
    )


def test_columns_must_be_timers(impl):
    timers = _timers(impl)
    with pytest.raises(TypeError) as err:
        impl.loop.IterationTimers(*timers, [timers[2], 3.5])
    assert str(err.value) == (
        "IterationTimers: columns must be Timers, got 3.5"
    )


def test_columns_given_as_any_iterable_are_kept_in_order(impl):
    timers = _timers(impl)
    rows = _rows(impl, shape=(2,))
    it = impl.loop.IterationTimers(
        *timers, (t for t in (timers[2], timers[0])), rows
    )
    it.write(lambda: None, 1)  # one row of two columns: accepted


@pytest.mark.parametrize(
    "kw",
    [
        dict(shape=(2,)),
        dict(shape=(1, 1)),
        dict(dtype="f4"),
        dict(dtype="i8"),
        dict(labelled=False),
    ],
)
def test_rows_must_fit_the_columns(impl, kw):
    timers = _timers(impl)
    rows = _rows(impl, **kw)
    with pytest.raises(ValueError) as err:
        impl.loop.IterationTimers(*timers, [timers[2]], rows)
    assert str(err.value) == (
        "rows must be a labelled float64 buffer with rows of shape (1,), "
        f"got {rows!r}"
    )


def test_fitting_rows_and_no_rows_are_accepted(impl):
    timers = _timers(impl)
    impl.loop.IterationTimers(*timers, [timers[2]], _rows(impl))
    impl.loop.IterationTimers(*timers, [timers[2]], None)
    impl.loop.IterationTimers(*timers)
    rows = _rows(impl, dtype=np.float64)
    impl.loop.IterationTimers(*timers, [timers[1]], rows)


def test_plan_accepts_timers_and_a_dict(impl):
    it = impl.loop.IterationTimers(*_timers(impl))
    plan = impl.loop.LoopPlan(model=None, timers=it, signal_info={})
    assert plan.timers is it


@pytest.mark.parametrize(
    "key", ["time", "num_steps", "write_start", "deadline_ns"]
)
@pytest.mark.parametrize("value", [2**63 - 1, -(2**63)])
def test_plan_integers_at_the_int64_limits_are_accepted(impl, key, value):
    plan = impl.loop.LoopPlan(model=None, **{key: value})
    assert getattr(plan, key) == value


@pytest.mark.parametrize(
    "key", ["time", "num_steps", "write_start", "write_every", "deadline_ns"]
)
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_plan_integers_beyond_int64_are_refused(impl, key, value):
    with pytest.raises(OverflowError) as err:
        impl.loop.LoopPlan(model=None, **{key: value})
    assert str(err.value) == (f"LoopPlan: {key}={value} does not fit in int64")


@pytest.mark.parametrize("key", ["time", "num_steps", "write_every"])
@pytest.mark.parametrize("value", [False, 2.0, None])
def test_plan_integers_must_be_ints(impl, key, value):
    with pytest.raises(TypeError) as err:
        impl.loop.LoopPlan(model=None, **{key: value})
    assert str(err.value) == f"LoopPlan: {key} must be an int, got {value!r}"


def test_plan_accepts_int_subclasses_other_than_bool(impl):
    class Steps(int):
        pass

    assert impl.loop.LoopPlan(model=None, num_steps=Steps(3)).num_steps == 3


@pytest.mark.parametrize("every", [0, -1, -(2**63)])
def test_plan_write_every_below_one_is_refused(impl, every):
    with pytest.raises(ValueError) as err:
        impl.loop.LoopPlan(model=None, write_every=every)
    assert str(err.value) == (
        f"LoopPlan: write_every must be >= 1, got {every}"
    )


def test_plan_write_every_of_one_is_accepted(impl):
    assert impl.loop.LoopPlan(model=None, write_every=1).write_every == 1
