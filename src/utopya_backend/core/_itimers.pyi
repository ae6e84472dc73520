"""Type stubs of the compiled iteration timers; mirrors ``_itimers_py``."""

from typing import Any, Callable, Iterable, Optional, Tuple

from ._rowbuffer import RowBuffer
from ._timing import Timer

__all__ = ["IterationTimers"]

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
