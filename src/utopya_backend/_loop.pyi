"""Type stubs of the compiled run loop; mirrors ``_loop_py``."""

from typing import Any, Callable, Iterable, Optional, Tuple

from ._rowbuffer import RowBuffer
from ._timing import Timer
from .cstep import LoopCounters as LoopCounters

__all__ = ["IterationTimers", "LoopCounters", "LoopPlan", "run_iterations"]

_Hook = Optional[Callable[[], Any]]

class IterationTimers:
    @property
    def full_iteration(self) -> Timer: ...
    @property
    def model_iteration(self) -> Timer: ...
    @property
    def write_data(self) -> Timer: ...
    @property
    def columns(self) -> Tuple[Timer, ...]: ...
    @property
    def rows(self) -> Optional[RowBuffer]: ...
    def __init__(
        self,
        full_iteration: Timer,
        model_iteration: Timer,
        write_data: Timer,
        columns: Iterable[Timer] = ...,
        rows: Optional[RowBuffer] = ...,
    ) -> None: ...
    def write(
        self,
        write_func: Callable[[], Any],
        n_iterations: int,
        timed: bool = ...,
    ) -> None: ...

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
