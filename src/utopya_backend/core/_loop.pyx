# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, auto_pickle=False
"""Compiled run loop: calls a model's hooks and drives its iteration timers.

The model layer decides which hooks to call (skipping no-op defaults) and
hands them over in a :class:`LoopPlan`; this loop only sequences them, so
every hook stays overridable. The pure-Python twin is ``_loop_py``; the
iteration timers are in ``_itimers``.
"""

cimport cython
from libc.stdint cimport int64_t, uint64_t

from ._itimers cimport IterationTimers
from ._timing cimport ub_monotonic_ns
from ..cstep cimport CStep
from ..cstep cimport LoopCounters as _LoopCounters

from ._checks import check_loop_plan, check_loop_state
from ..cstep import LoopCounters
from ..cstep import as_step as _as_step

__all__ = ["IterationTimers", "LoopCounters", "LoopPlan", "run_iterations"]

# Re-exported for Python callers, as the twin does: a cimport binds the
# type for Cython code only.
globals()["IterationTimers"] = IterationTimers

# Without timers the deadline clock is read every `stride` iterations; the
# stride doubles (up to STRIDE_MAX) while a stride takes under SPAN_LO_NS
# and drops to 1 once one takes over SPAN_HI_NS or a deadline fired: a
# deadline is noticed within a millisecond of steady iterations, and a
# cheap step pays next to nothing for clock reads. The twin uses the same
# numbers.
cdef enum:
    STRIDE_MAX = 256
    SPAN_LO_NS = 50000
    SPAN_HI_NS = 500000


ctypedef struct _Clock:
    int64_t deadline  # the next deadline (ns, default clock)
    int64_t stride  # iterations between clock reads
    int64_t t_read  # the last reading


cdef extern from "Python.h":
    # Runs the Python-level handlers of signals that arrived; -1 if one
    # raised. Cheap when nothing arrived (one atomic read).
    int PyErr_CheckSignals() except -1


@cython.embedsignature(False)
cdef class LoopPlan:
    """LoopPlan(*, model, should_iterate=None, iterate=None, should_write=None, write_data=None, time_writes=True, perform_step=None, time=0, num_steps=0, write_start=0, write_every=1, pre_iterate=None, post_iterate=None, show_info=None, trigger_monitor=None, on_deadline=None, deadline_ns=0, check_signals=None, check_signals_always=False, signal_info=None, signal_flag=None, timers=None, counters=None)
--

    What the run loop calls, and when; built by the model per run.

    Args:
        model: Without ``counters``, its ``_n_iterations`` (and, when
            stepping, ``_time``) is kept up to date after each iteration.
        should_iterate, iterate, should_write: Hooks; unused when stepping.
        write_data: Called when a write is due.
        time_writes: Whether the loop times ``write_data`` with the timers
            (False when the callable times itself).
        perform_step: If not None, the loop steps itself: it calls this
            (a :class:`~utopya_backend.cstep.CStep` through its vtable),
            advances ``time`` to ``num_steps`` and writes at ``write_start
            + k * write_every``.
        time, num_steps, write_start, write_every: The stepping plan.
        pre_iterate, post_iterate, show_info, trigger_monitor: Hooks called
            every iteration, or None to skip them.
        on_deadline: Called with the clock reading once it reaches
            ``deadline_ns``; returns the next deadline.
        deadline_ns: The first deadline.
        check_signals: Returns an exit code if a signal stopped the run.
        check_signals_always: Call ``check_signals`` every iteration (it
            was overridden); else only once ``signal_info`` records one.
            Read at every iteration, so it may be switched on mid-run.
        signal_info: The dict the signal handler writes to.
        signal_flag: A bytearray whose first byte the handler sets after
            writing ``signal_info``; the loop reads it every iteration and
            looks at ``signal_info`` only when it is set.
        timers: Iteration timers to drive, or None.
        counters: The model's :class:`LoopCounters`; the loop keeps their
            ``n_iterations`` (and, when stepping, ``time``) up to date, in
            place of the model's attributes.
    """

    cdef public object model
    cdef public object should_iterate, iterate, should_write, write_data
    cdef public bint time_writes
    cdef public object perform_step
    cdef public int64_t time, num_steps, write_start, write_every
    cdef public object pre_iterate, post_iterate, show_info, trigger_monitor
    cdef public object on_deadline
    cdef public int64_t deadline_ns
    cdef public object check_signals
    cdef public bint check_signals_always
    cdef public dict signal_info
    cdef public object signal_flag
    cdef public IterationTimers timers
    cdef public object counters

    def __init__(
        self,
        *,
        model,
        should_iterate=None,
        iterate=None,
        should_write=None,
        write_data=None,
        time_writes=True,
        perform_step=None,
        time=0,
        num_steps=0,
        write_start=0,
        write_every=1,
        pre_iterate=None,
        post_iterate=None,
        show_info=None,
        trigger_monitor=None,
        on_deadline=None,
        deadline_ns=0,
        check_signals=None,
        check_signals_always=False,
        signal_info=None,
        signal_flag=None,
        timers=None,
        counters=None,
    ):
        # Same checks and text as the twin (_loop_py.LoopPlan).
        check_loop_plan(
            IterationTimers, timers, signal_info, time=time,
            num_steps=num_steps, write_start=write_start,
            write_every=write_every, deadline_ns=deadline_ns,
        )
        check_loop_state(LoopCounters, counters, signal_flag)
        self.model = model
        self.should_iterate = should_iterate
        self.iterate = iterate
        self.should_write = should_write
        self.write_data = write_data
        self.time_writes = time_writes
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
        self.check_signals_always = check_signals_always
        self.signal_info = {} if signal_info is None else signal_info
        self.signal_flag = (
            bytearray(1) if signal_flag is None else signal_flag
        )
        self.timers = timers
        self.counters = counters


def run_iterations(LoopPlan plan not None):
    """Run iterations until done; return None, or the exit code of the
    signal that stopped them (from ``plan.check_signals``)."""
    model = plan.model
    # The counters the loop writes in C; without the model's own, private
    # ones (for a CStep) and the model's attributes are mirrored.
    cdef bint mirror = plan.counters is None
    cdef _LoopCounters counters = (
        _LoopCounters(plan.time, model._n_iterations) if mirror
        else plan.counters
    )
    cdef int64_t n = counters.n_iterations if not mirror else (
        model._n_iterations
    )
    cdef int64_t t = 0, t_end = 0
    cdef bint have_t = False
    cdef bint do_write
    cdef IterationTimers timers = plan.timers
    cdef bint timed = timers is not None
    cdef bint time_writes = timed and plan.time_writes
    # The deadline is on the default clock; timer readings serve it only
    # when the timers use that clock, too.
    cdef bint reuse_t = timed and timers.full_iteration._time_func is None
    perform_step = plan.perform_step
    cdef bint stepwise = perform_step is not None
    # A CStep, a C function (capsule, numba cfunc) as a FuncStep, or None:
    # a Python step.
    cdef CStep cstep = _as_step(perform_step) if stepwise else None
    if cstep is not None:
        cstep.counters = counters
    cdef int64_t step = plan.time, num_steps = plan.num_steps
    cdef int64_t write_start = plan.write_start, write_every = plan.write_every
    # Steps until the next write at write_start + k * write_every: a count
    # down instead of a division per step. Unsigned differences are exact.
    cdef uint64_t to_write
    if write_start > step:
        to_write = <uint64_t>write_start - <uint64_t>step
    else:
        to_write = write_every - (
            (<uint64_t>step - <uint64_t>write_start) % <uint64_t>write_every
        )
    cdef _Clock clock
    clock.deadline, clock.stride, clock.t_read = plan.deadline_ns, 1, 0
    cdef int64_t left = 1
    # The step's end reading ends the iteration, too, when no hook ran
    # after the step: one clock read per timed iteration instead of two.
    cdef bint hooked, hooks_after = (
        not reuse_t or not stepwise
        or plan.trigger_monitor is not None
        or plan.show_info is not None or plan.post_iterate is not None
    )
    should_iterate, iterate = plan.should_iterate, plan.iterate
    should_write, write_data = plan.should_write, plan.write_data
    pre_iterate, post_iterate = plan.pre_iterate, plan.post_iterate
    show_info, trigger_monitor = plan.show_info, plan.trigger_monitor
    on_deadline, check_signals = plan.on_deadline, plan.check_signals
    cdef dict signal_info = plan.signal_info
    cdef unsigned char[::1] flag_view = plan.signal_flag
    cdef unsigned char *flag = &flag_view[0]
    if signal_info.get("got_signal"):
        flag[0] = 1  # recorded before the run: noticed in its first check

    if (
        cstep is not None and not timed and not mirror
        and pre_iterate is None and post_iterate is None
        and show_info is None and trigger_monitor is None
    ):
        # Nothing but the step, writes, deadlines and signals: a short loop
        # the compiler keeps in registers.
        return _run_cstep(
            plan, cstep, counters, step, num_steps, n, to_write, write_every,
            write_data, &clock, on_deadline, check_signals, signal_info, flag,
        )

    while True:
        if stepwise:
            if step >= num_steps:
                break
        elif not should_iterate():
            break

        if timed:
            # The previous iteration's end reading serves this start when
            # nothing ran in between (the stepper's check is C only).
            t = t_end if have_t and stepwise else timers.now()
            timers.full_iteration._unpause_at(t)
        if pre_iterate is not None:
            pre_iterate()
            if timed:
                t = timers.now()
        if timed:
            timers.model_iteration._unpause_at(t)

        if stepwise:
            if cstep is not None:
                cstep.step()
            else:
                perform_step()
            step += 1
            counters.time = step
            if mirror:
                model._time = step
        else:
            iterate()

        if timed:
            t = timers.now()
            timers.model_iteration._pause_at(t)
        hooked = hooks_after
        n += 1
        counters.n_iterations = n
        if mirror:
            model._n_iterations = n

        if trigger_monitor is not None:
            trigger_monitor()
        if reuse_t:
            if t >= clock.deadline:
                clock.deadline = on_deadline(t)
                hooked = True
        else:
            left -= 1
            if left == 0:
                _tick(&clock, on_deadline)
                left = clock.stride

        if stepwise:
            to_write -= 1
            do_write = to_write == 0
            if do_write:
                to_write = write_every
        else:
            do_write = should_write()
        if do_write:
            hooked = True
            if time_writes:
                timers.timed_write(write_data, n)
            else:
                write_data()

        if show_info is not None:
            show_info()

        if _signal_pending(plan, flag, signal_info):
            hooked = True
            code = check_signals()
            if code is not None:
                return _stop(timers, code)

        if post_iterate is not None:
            post_iterate()

        if timed:
            t_end = timers.now() if hooked else t
            have_t = True
            timers.full_iteration._pause_at(t_end)

    return None


cdef object _run_cstep(
    LoopPlan plan, CStep cstep, _LoopCounters counters, int64_t step, int64_t num_steps,
    int64_t n, uint64_t to_write, int64_t write_every, object write_data,
    _Clock *clock, object on_deadline, object check_signals,
    dict signal_info, unsigned char *flag,
):
    """The loop of ``run_iterations`` for a compiled step with no hooks."""
    cdef int64_t left = 1
    while step < num_steps:
        cstep.step()
        step += 1
        n += 1
        counters.time = step
        counters.n_iterations = n
        left -= 1
        if left == 0:
            _tick(clock, on_deadline)
            left = clock.stride
        to_write -= 1
        if to_write == 0:
            to_write = write_every
            write_data()
        if _signal_pending(plan, flag, signal_info):
            code = check_signals()
            if code is not None:
                return code
    return None


cdef inline bint _signal_pending(
    LoopPlan plan, unsigned char *flag, dict signal_info
) except -1:
    # The one place signals are noticed: whether to ask check_signals. A
    # compiled step runs no Python code, so the handlers are run here;
    # they set the flag after the record. check_signals_always is read
    # from the plan (a C field) each time: it may be switched on mid-run.
    PyErr_CheckSignals()
    if plan.check_signals_always:
        return True
    if flag[0]:
        if signal_info["got_signal"]:
            return True
        flag[0] = 0  # the record was reset since the handler ran
    return False


cdef int _tick(_Clock *clock, object on_deadline) except -1:
    # A strided clock read: call on_deadline if due, adapt the stride.
    cdef int64_t t = ub_monotonic_ns()
    clock.stride = _next_stride(clock.stride, t - clock.t_read)
    if t >= clock.deadline:
        clock.deadline = on_deadline(t)
        clock.stride = 1  # look closely again after a deadline
    clock.t_read = t
    return 0


cdef inline int64_t _next_stride(int64_t stride, int64_t span) noexcept:
    if span > SPAN_HI_NS:
        return 1
    if span < SPAN_LO_NS and stride < STRIDE_MAX:
        return stride * 2
    return stride


cdef object _stop(IterationTimers timers, object code):
    # The iteration ends here: the epilog is not part of it.
    if timers is not None and timers.full_iteration._running:
        timers.full_iteration._pause_at(timers.now())
    return code
