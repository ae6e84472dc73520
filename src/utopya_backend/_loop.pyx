# cython: language_level=3, embedsignature=True
"""Compiled run loop: calls a model's hooks and drives its iteration timers.

The model layer decides which hooks to call (skipping no-op defaults) and
passes them in; this loop only sequences them, so every hook stays
overridable. The pure-Python twin is ``_loop_py``.
"""

from libc.stdint cimport int64_t

from ._timing cimport IterationTimers, ub_monotonic_ns

__all__ = ["run_iterations"]


def run_iterations(
    object model,
    *,
    object should_iterate,
    object iterate,
    object should_write,
    object write_data,
    object stepper,
    object pre_iterate,
    object post_iterate,
    object show_info,
    object trigger_monitor,
    object monitor_if_due,
    int64_t next_emit_ns,
    dict signal_info,
    IterationTimers timers,
):
    """Run iterations until done; return True if a signal stopped them.

    Args:
        model: The model; its ``_n_iterations`` (and, with a stepper,
            ``_time``) attribute is kept up to date after each iteration.
        should_iterate, iterate, should_write: Hooks, unused with a stepper.
        write_data: Called when a write is due.
        stepper: None, or ``(perform_step, time, num_steps, write_start,
            write_every)`` for fixed-step models whose stepping hooks are
            the default ones; the loop then steps and decides on writes
            itself.
        pre_iterate, post_iterate, show_info: Hooks, or None to skip.
        trigger_monitor: Called after each iteration if not None; otherwise
            ``monitor_if_due(now_ns)`` is called once the clock reaches
            ``next_emit_ns`` and returns the next deadline.
        signal_info: The dict the signal handler writes to.
        timers: Iteration timers to drive, or None.
    """
    cdef int64_t n = model._n_iterations
    cdef int64_t t = 0, t_end = 0
    cdef bint have_t = False
    cdef bint do_write
    cdef bint timed = timers is not None
    # The monitor deadline is on the default clock; timer readings serve it
    # only when the timers use that clock, too.
    cdef bint reuse_t = timed and timers.full_iteration._time_func is None
    cdef bint stepwise = stepper is not None
    cdef object perform_step = None
    cdef int64_t time = 0, num_steps = 0, write_start = 0, write_every = 1

    if stepwise:
        perform_step, time, num_steps, write_start, write_every = stepper

    while True:
        if stepwise:
            if time >= num_steps:
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
            time += 1
            model._time = time
        else:
            iterate()

        if timed:
            t = timers.now()
            timers.model_iteration._pause_at(t)
        n += 1
        model._n_iterations = n

        if trigger_monitor is not None:
            trigger_monitor()
        else:
            if not reuse_t:
                t = ub_monotonic_ns()
            if t >= next_emit_ns:
                next_emit_ns = monitor_if_due(t)

        if stepwise:
            do_write = (
                time >= write_start and (time - write_start) % write_every == 0
            )
        else:
            do_write = should_write()
        if do_write:
            if timed:
                timers.timed_write(write_data, n)
            else:
                write_data()

        if show_info is not None:
            show_info()

        if signal_info["got_signal"]:
            return True

        if post_iterate is not None:
            post_iterate()

        if timed:
            t_end = timers.now()
            have_t = True
            timers.full_iteration._pause_at(t_end)

    return False
