# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False, auto_pickle=False
"""Compiled run loop: calls a model's hooks and drives its iteration timers.

The model layer decides which hooks to call (skipping no-op defaults) and
hands them over in a :class:`LoopPlan`; this loop only sequences them, so
every hook stays overridable. The pure-Python twin is ``_loop_py``.
"""

cimport cython
from libc.stdint cimport int64_t

from ._rowbuffer cimport RowBuffer
from ._timing cimport Timer, _ns_to_seconds, ub_monotonic_ns

from ._checks import check_iteration_timers as _check_iteration_timers
from ._checks import check_loop_plan

__all__ = ["IterationTimers", "LoopPlan", "run_iterations"]


cdef extern from "Python.h":
    # Runs the Python-level handlers of signals that arrived; -1 if one
    # raised. Cheap when nothing arrived (one atomic read).
    int PyErr_CheckSignals() except -1


@cython.embedsignature(False)
cdef class IterationTimers:
    """IterationTimers(full_iteration, model_iteration, write_data, columns=(), rows=None)
--

    The timers a run loop drives at C speed, and the rows they fill.

    The three timers must share one clock, so one reading can serve a pause
    and the next unpause at the same point. At each timed data write, the
    elapsed seconds of ``columns`` at the end of the write go into one row
    of ``rows``, labelled with the iteration count.

    Args:
        full_iteration: Times each whole loop iteration.
        model_iteration: Times each ``iterate()`` call.
        write_data: Times each data write, the row included.
        columns: The timers whose values make up each row.
        rows: A labelled float64 row buffer with rows of
            ``len(columns)`` values, or None to record nothing.
    """

    def __init__(self, full_iteration, model_iteration, write_data,
                 columns=(), rows=None):
        # Same checks and text as the twin (_loop_py.IterationTimers).
        columns = _check_iteration_timers(
            Timer, RowBuffer, full_iteration, model_iteration, write_data,
            columns, rows,
        )
        if len({
            id((<Timer>t)._time_func)
            for t in (full_iteration, model_iteration, write_data)
        }) != 1:
            raise ValueError(
                "The iteration timers must share one clock (time_func)"
            )
        self.full_iteration = full_iteration
        self.model_iteration = model_iteration
        self.write_data = write_data
        self.columns = columns
        self.rows = rows

    cdef int64_t now(self) except? -1 nogil:
        return self.full_iteration._now()

    cdef int timed_write(self, object write_func,
                         int64_t n_iterations) except -1:
        cdef int64_t t0 = self.now()
        cdef int64_t t1
        self.write_data._unpause_at(t0)
        write_func()
        t1 = self.now()
        self.write_data._pause_at(t1)
        if self.record_row(t1, n_iterations):
            # The block write belongs to this data write, too.
            self.write_data._elapsed_ns += self.now() - t1
        return 0

    cdef int record_row(self, int64_t t1, int64_t n_iterations) except -1:
        """Record the columns at ``t1`` as a row; 1 if that wrote a block."""
        cdef double *row
        cdef Py_ssize_t i
        if self.rows is None:
            return 0
        row = <double *>self.rows._slot()
        for i in range(len(self.columns)):
            row[i] = _ns_to_seconds(
                (<Timer>self.columns[i])._elapsed_ns_at(t1)
            )
        return 1 if self.rows._commit(n_iterations) else 0

    def write(self, write_func, n_iterations, timed=True):
        """Call ``write_func()`` and record a row labelled ``n_iterations``;
        the call is timed as ``write_data`` unless ``timed`` is false (a
        StepwiseModel's initial write, untimed as in the original)."""
        if timed:
            self.timed_write(write_func, n_iterations)
            return
        write_func()
        self.record_row(self.now(), n_iterations)


@cython.embedsignature(False)
cdef class LoopPlan:
    """LoopPlan(*, model, should_iterate=None, iterate=None, should_write=None, write_data=None, time_writes=True, perform_step=None, time=0, num_steps=0, write_start=0, write_every=1, pre_iterate=None, post_iterate=None, show_info=None, trigger_monitor=None, on_deadline=None, deadline_ns=0, check_signals=None, check_signals_always=False, signal_info=None, timers=None)
--

    What the run loop calls, and when; built by the model per run.

    Args:
        model: Its ``_n_iterations`` (and, when stepping, ``_time``) is kept
            up to date after each iteration.
        should_iterate, iterate, should_write: Hooks; unused when stepping.
        write_data: Called when a write is due.
        time_writes: Whether the loop times ``write_data`` with the timers
            (False when the callable times itself).
        perform_step: If not None, the loop steps itself: it calls this,
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
        timers: Iteration timers to drive, or None.
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
    cdef public IterationTimers timers

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
        timers=None,
    ):
        # Same checks and text as the twin (_loop_py.LoopPlan).
        check_loop_plan(
            IterationTimers, timers, signal_info, time=time,
            num_steps=num_steps, write_start=write_start,
            write_every=write_every, deadline_ns=deadline_ns,
        )
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
        self.timers = timers


def run_iterations(LoopPlan plan not None):
    """Run iterations until done; return None, or the exit code of the
    signal that stopped them (from ``plan.check_signals``)."""
    model = plan.model
    cdef int64_t n = model._n_iterations
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
    cdef int64_t step = plan.time, num_steps = plan.num_steps
    cdef int64_t write_start = plan.write_start, write_every = plan.write_every
    cdef int64_t deadline = plan.deadline_ns
    should_iterate, iterate = plan.should_iterate, plan.iterate
    should_write, write_data = plan.should_write, plan.write_data
    pre_iterate, post_iterate = plan.pre_iterate, plan.post_iterate
    show_info, trigger_monitor = plan.show_info, plan.trigger_monitor
    on_deadline, check_signals = plan.on_deadline, plan.check_signals
    cdef dict signal_info = plan.signal_info

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
            perform_step()
            step += 1
            model._time = step
        else:
            iterate()

        if timed:
            t = timers.now()
            timers.model_iteration._pause_at(t)
        n += 1
        model._n_iterations = n

        if trigger_monitor is not None:
            trigger_monitor()
        if not reuse_t:
            t = ub_monotonic_ns()
        if t >= deadline:
            deadline = on_deadline(t)

        if stepwise:
            do_write = (
                step >= write_start
                and (step - write_start) % write_every == 0
            )
        else:
            do_write = should_write()
        if do_write:
            if time_writes:
                timers.timed_write(write_data, n)
            else:
                write_data()

        if show_info is not None:
            show_info()

        # Read from the plan each time (a C field): the model switches it
        # on when it is given its own signal record mid-run.
        if plan.check_signals_always:
            code = check_signals()
            if code is not None:
                return _stop(timers, code)
        else:
            PyErr_CheckSignals()
            if signal_info["got_signal"]:
                code = check_signals()
                if code is not None:
                    return _stop(timers, code)

        if post_iterate is not None:
            post_iterate()

        if timed:
            t_end = timers.now()
            have_t = True
            timers.full_iteration._pause_at(t_end)

    return None


cdef object _stop(IterationTimers timers, object code):
    # The iteration ends here: the epilog is not part of it.
    if timers is not None and timers.full_iteration._running:
        timers.full_iteration._pause_at(timers.now())
    return code
