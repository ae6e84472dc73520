"""Type stubs of the compiled run loop; mirrors ``_loop_py``."""

from typing import Any, Callable, Optional

from ..cstep import LoopCounters as LoopCounters
from ._itimers import IterationTimers as IterationTimers

__all__ = ["IterationTimers", "LoopCounters", "LoopPlan", "run_iterations"]

_Hook = Optional[Callable[[], Any]]

class LoopPlan:
    model: Any
    should_iterate: _Hook
    iterate: _Hook
    should_write: _Hook
    write_data: _Hook
    time_writes: bool
    perform_step: _Hook
    time: int
    num_steps: int
    write_start: int
    write_every: int
    pre_iterate: _Hook
    post_iterate: _Hook
    show_info: _Hook
    trigger_monitor: _Hook
    on_deadline: Optional[Callable[[int], int]]
    deadline_ns: int
    check_signals: Optional[Callable[[], Optional[int]]]
    check_signals_always: bool
    signal_info: dict
    signal_flag: bytearray
    timers: Optional[IterationTimers]
    counters: Optional[LoopCounters]
    def __init__(
        self,
        *,
        model: Any,
        should_iterate: _Hook = ...,
        iterate: _Hook = ...,
        should_write: _Hook = ...,
        write_data: _Hook = ...,
        time_writes: bool = ...,
        perform_step: _Hook = ...,
        time: int = ...,
        num_steps: int = ...,
        write_start: int = ...,
        write_every: int = ...,
        pre_iterate: _Hook = ...,
        post_iterate: _Hook = ...,
        show_info: _Hook = ...,
        trigger_monitor: _Hook = ...,
        on_deadline: Optional[Callable[[int], int]] = ...,
        deadline_ns: int = ...,
        check_signals: Optional[Callable[[], Optional[int]]] = ...,
        check_signals_always: bool = ...,
        signal_info: Optional[dict] = ...,
        signal_flag: Optional[bytearray] = ...,
        timers: Optional[IterationTimers] = ...,
        counters: Optional[LoopCounters] = ...,
    ) -> None: ...

def run_iterations(plan: LoopPlan) -> Optional[int]: ...
