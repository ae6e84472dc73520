"""Pure-Python twin of the compiled run loop ``_loop``.

Same arguments, hook order and timer readings as ``_loop.pyx``.
"""

from __future__ import annotations

import time as _time
from typing import Any, Callable, Optional

from ._timing_py import IterationTimers

__all__ = ["run_iterations"]


def run_iterations(
    model: Any,
    *,
    should_iterate: Callable[[], bool],
    iterate: Callable[[], Any],
    should_write: Callable[[], bool],
    write_data: Callable[[], Any],
    stepper: Optional[tuple],
    pre_iterate: Optional[Callable[[], Any]],
    post_iterate: Optional[Callable[[], Any]],
    show_info: Optional[Callable[[], Any]],
    trigger_monitor: Optional[Callable[[], Any]],
    monitor_if_due: Callable[[int], int],
    next_emit_ns: int,
    signal_info: dict,
    timers: Optional[IterationTimers],
) -> bool:
    """Run iterations until done; return True if a signal stopped them.

    See ``_loop.run_iterations`` for the arguments.
    """
    n = model._n_iterations
    t = t_end = 0
    have_t = False
    timed = timers is not None
    stepwise = stepper is not None
    # As in the C version: timer readings serve the monitor deadline only
    # when the timers use the default clock.
    reuse_t = timed and timers.full_iteration._time_func is None  # type: ignore[union-attr]
    if stepwise:
        perform_step, time, num_steps, write_start, write_every = stepper  # type: ignore[misc]
    it: Any = timers
    if timed:
        full, inner, now = it.full_iteration, it.model_iteration, it.now

    while True:
        if stepwise:
            if time >= num_steps:
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
            time += 1
            model._time = time
        else:
            iterate()

        if timed:
            t = now()
            inner._pause_at(t)
        n += 1
        model._n_iterations = n

        if trigger_monitor is not None:
            trigger_monitor()
        else:
            if not reuse_t:
                t = _time.monotonic_ns()
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
                it.write(write_data, n)
            else:
                write_data()

        if show_info is not None:
            show_info()

        if signal_info["got_signal"]:
            return True

        if post_iterate is not None:
            post_iterate()

        if timed:
            t_end = now()
            have_t = True
            full._pause_at(t_end)

    return False
