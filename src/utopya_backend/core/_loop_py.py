"""Pure-Python twin of the compiled run loop ``_loop``.

Same plan, hook order and timer readings as ``_loop.pyx``. Python runs
signal handlers between bytecodes, so no explicit check is needed here.
The iteration timers are in ``_itimers_py``.
"""

from __future__ import annotations

import time as _time
from typing import Any, Callable, Optional, Tuple, cast

from ._checks import check_loop_plan, check_loop_state
from ._itimers_py import IterationTimers

__all__ = ["IterationTimers", "LoopCounters", "LoopPlan", "run_iterations"]

# The deadline clock's stride, as in the C version (see _loop.pyx).
STRIDE_MAX = 256
SPAN_LO_NS = 50_000
SPAN_HI_NS = 500_000

Hook = Optional[Callable[[], Any]]
_Call = Callable[[], Any]


class LoopCounters:
    """A model's ``time`` and ``n_iterations``, kept up to date by the
    run loop (``cstep.LoopCounters`` in C)."""

    __slots__ = ("time", "n_iterations")

    def __init__(self, time: int = 0, n_iterations: int = 0) -> None:
        self.time = time
        self.n_iterations = n_iterations

    def __repr__(self) -> str:
        return (
            f"LoopCounters(time={self.time}, "
            f"n_iterations={self.n_iterations})"
        )


def _counter_types() -> Tuple[type, ...]:
    # The compiled core's counters work here, too: a model made while it
    # was in use runs on this loop when only the loop is swapped.
    try:
        from ..cstep import LoopCounters as Compiled
    except ImportError:  # a pure-Python install
        return (LoopCounters,)
    return (LoopCounters, Compiled)


_COUNTER_TYPES = _counter_types()


class LoopPlan:
    """What the run loop calls, and when; built by the model per run.

    See ``_loop.LoopPlan`` for the arguments.
    """

    __slots__ = (
        "model",
        "should_iterate",
        "iterate",
        "should_write",
        "write_data",
        "time_writes",
        "perform_step",
        "time",
        "num_steps",
        "write_start",
        "write_every",
        "pre_iterate",
        "post_iterate",
        "show_info",
        "trigger_monitor",
        "on_deadline",
        "deadline_ns",
        "check_signals",
        "check_signals_always",
        "signal_info",
        "signal_flag",
        "timers",
        "counters",
    )

    def __init__(
        self,
        *,
        model: Any,
        should_iterate: Hook = None,
        iterate: Hook = None,
        should_write: Hook = None,
        write_data: Hook = None,
        time_writes: bool = True,
        perform_step: Hook = None,
        time: int = 0,
        num_steps: int = 0,
        write_start: int = 0,
        write_every: int = 1,
        pre_iterate: Hook = None,
        post_iterate: Hook = None,
        show_info: Hook = None,
        trigger_monitor: Hook = None,
        on_deadline: Optional[Callable[[int], int]] = None,
        deadline_ns: int = 0,
        check_signals: Optional[Callable[[], Optional[int]]] = None,
        check_signals_always: bool = False,
        signal_info: Optional[dict] = None,
        signal_flag: Optional[bytearray] = None,
        timers: Optional[IterationTimers] = None,
        counters: Optional[LoopCounters] = None,
    ) -> None:
        # Same checks and text as the compiled plan.
        check_loop_plan(
            IterationTimers,
            timers,
            signal_info,
            time=time,
            num_steps=num_steps,
            write_start=write_start,
            write_every=write_every,
            deadline_ns=deadline_ns,
        )
        check_loop_state(_COUNTER_TYPES, counters, signal_flag)
        self.model = model
        self.should_iterate = should_iterate
        self.iterate = iterate
        self.should_write = should_write
        self.write_data = write_data
        self.time_writes = bool(time_writes)
        self.perform_step = perform_step
        self.time = time
        self.num_steps = num_steps
        self.write_start = write_start
        self.write_every = write_every
        self.pre_iterate = pre_iterate
        self.post_iterate = post_iterate
        self.show_info = show_info
        self.trigger_monitor = trigger_monitor
        self.on_deadline = on_deadline
        self.deadline_ns = deadline_ns
        self.check_signals = check_signals
        self.check_signals_always = bool(check_signals_always)
        self.signal_info = {} if signal_info is None else signal_info
        self.signal_flag = bytearray(1) if signal_flag is None else signal_flag
        self.timers = timers
        self.counters = counters


def run_iterations(plan: LoopPlan) -> Optional[int]:
    """Run iterations until done; return None, or the exit code of the
    signal that stopped them (from ``plan.check_signals``)."""
    model = plan.model
    # As in the C version: the counters, else the model's attributes.
    mirror = plan.counters is None
    counters = (
        LoopCounters(plan.time, model._n_iterations)
        if plan.counters is None
        else plan.counters
    )
    n = counters.n_iterations
    t = t_end = 0
    hooked = True
    have_t = False
    timers: Any = plan.timers
    timed = timers is not None
    time_writes = timed and plan.time_writes
    # As in the C version: timer readings serve the deadline only when the
    # timers use the default clock.
    reuse_t = timed and timers.full_iteration._time_func is None
    # Hooks the loop calls without a None check (the model's plan sets the
    # ones it reaches); typed by casts, so the timed loop is unchanged.
    perform_step = cast(_Call, plan.perform_step)
    stepwise = perform_step is not None
    # A compiled step (cstep.CStep, or a C function made one) is called
    # through Python here; its own counters are kept up to date, too.
    if stepwise and _is_c_function(perform_step):
        from ..cstep import as_step

        perform_step = cast(_Call, as_step(perform_step))
    step_counters = getattr(perform_step, "counters", None)
    step, num_steps = plan.time, plan.num_steps
    write_start, write_every = plan.write_start, plan.write_every
    deadline = plan.deadline_ns
    stride = left = 1
    t_read = 0
    # As in the C version: one clock read per timed iteration when no hook
    # ran after the step.
    hooks_after = (
        not reuse_t
        or not stepwise
        or plan.trigger_monitor is not None
        or plan.show_info is not None
        or plan.post_iterate is not None
    )
    should_iterate = cast(_Call, plan.should_iterate)
    iterate = cast(_Call, plan.iterate)
    should_write = cast(_Call, plan.should_write)
    write_data = cast(_Call, plan.write_data)
    pre_iterate, post_iterate = plan.pre_iterate, plan.post_iterate
    show_info, trigger_monitor = plan.show_info, plan.trigger_monitor
    on_deadline = cast(Callable[[int], int], plan.on_deadline)
    check_signals = cast(Callable[[], Optional[int]], plan.check_signals)
    signal_info = plan.signal_info
    flag = plan.signal_flag
    if signal_info.get("got_signal"):
        flag[0] = 1  # as in the C version
    if timed:
        full, inner, now = (
            timers.full_iteration,
            timers.model_iteration,
            timers._now,
        )

    while True:
        if stepwise:
            if step >= num_steps:
                break
        elif not should_iterate():
            break

        if timed:
            # As in the C version: the previous end reading serves this start.
            t = t_end if have_t and stepwise else now()
            full._unpause_at(t)
        if pre_iterate is not None:
            pre_iterate()
            if timed:
                t = now()
        if timed:
            inner._unpause_at(t)

        if stepwise:
            perform_step()
            step += 1
            counters.time = step
            if mirror:
                model._time = step
            if step_counters is not None:
                step_counters.time = step
        else:
            iterate()

        if timed:
            t = now()
            inner._pause_at(t)
        hooked = hooks_after
        n += 1
        counters.n_iterations = n
        if mirror:
            model._n_iterations = n
        if step_counters is not None:
            step_counters.n_iterations = n

        if trigger_monitor is not None:
            trigger_monitor()
        if reuse_t:
            if t >= deadline:
                deadline = on_deadline(t)
                hooked = True
        else:
            left -= 1
            if left == 0:
                t = _time.monotonic_ns()
                stride = _next_stride(stride, t - t_read)
                if t >= deadline:
                    deadline = on_deadline(t)
                    stride = 1  # look closely again after a deadline
                left = stride
                t_read = t

        if stepwise:
            do_write = (
                step >= write_start and (step - write_start) % write_every == 0
            )
        else:
            do_write = should_write()
        if do_write:
            hooked = True
            if time_writes:
                timers.write(write_data, n)
            else:
                write_data()

        if show_info is not None:
            show_info()

        # As in the C version: the one place signals are checked.
        # check_signals_always is read from the plan each time, as in C.
        if plan.check_signals_always or flag[0]:
            if plan.check_signals_always or signal_info["got_signal"]:
                hooked = True
                code = check_signals()
                if code is not None:
                    return _stop(timers, code)
            else:
                flag[0] = 0  # the record was reset since the handler ran

        if post_iterate is not None:
            post_iterate()

        if timed:
            t_end = now() if hooked else t
            have_t = True
            full._pause_at(t_end)

    return None


def _is_c_function(obj: Any) -> bool:
    # What cstep.as_step turns into a FuncStep: a capsule, a numba cfunc.
    return type(obj).__name__ == "PyCapsule" or all(
        hasattr(obj, a) for a in ("address", "ctypes", "_sig")
    )


def _next_stride(stride: int, span: int) -> int:
    if span > SPAN_HI_NS:
        return 1
    if span < SPAN_LO_NS and stride < STRIDE_MAX:
        return stride * 2
    return stride


def _stop(timers: Any, code: Any) -> Any:
    # As in the C version: the iteration ends here, before the epilog.
    if timers is not None and timers.full_iteration._running:
        timers.full_iteration._pause_at(timers._now())
    return code
