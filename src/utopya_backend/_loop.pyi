"""Type stubs of the compiled run loop; mirrors ``_loop_py``."""

from typing import Any, Callable, Optional

__all__ = ["run_iterations"]

from ._timing import IterationTimers

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
) -> bool: ...
