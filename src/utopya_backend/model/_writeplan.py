"""The write times still to come in a StepwiseModel, for time coordinates.

A dataset made at time ``t`` holds one row per write from then on: the
initial write at time 0 (if ``write_start <= 0`` and it has not happened
yet), then the loop's writes at the times ``t' >= 1`` of ``range(
write_start, num_steps + 1, write_every)``. The original labels the rows
``[write_start, write_every]`` whatever ``t`` is, which is wrong for a
negative ``write_start`` and for a dataset made mid-run.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, Iterator

import numpy as np

__all__ = ["WritePlan", "in_write_data", "write_plan"]


@dataclasses.dataclass(frozen=True)
class WritePlan:
    """Times of the rows still to be written."""

    initial: bool
    """Whether the first row is the initial write at time 0."""
    first: int
    """Time of the first loop write (past ``num_steps`` if none)."""
    every: int
    count: int
    """Rows in all (the initial one included)."""

    @property
    def regular(self) -> bool:
        """Whether the times are ``start + k * every``."""
        return not self.initial or self.count < 2 or self.first == self.every

    @property
    def start(self) -> int:
        """Time of the first row (of the first planned, if none is)."""
        return 0 if self.initial else self.first

    def times(self, chunk: int = 1 << 20) -> Iterator[np.ndarray]:
        """The write times, in arrays of at most ``chunk`` values."""
        if self.initial:
            yield np.zeros(1, np.int64)
        n = self.count - self.initial
        for i in range(0, n, chunk):
            k = min(chunk, n - i)
            yield self.first + self.every * np.arange(i, i + k, dtype=np.int64)


def write_plan(
    time: int,
    current_pending: bool,
    write_start: int,
    write_every: int,
    num_steps: int,
) -> WritePlan:
    """The rows a dataset made now receives.

    Args:
        time: The model's time.
        current_pending: Whether a write at ``time`` is still to come: the
            initial write while setting up, a loop write inside
            ``write_data``.
    """
    lo = time if current_pending else time + 1
    initial = lo == 0 and write_start <= 0
    lo = max(lo, 1, write_start)
    first = lo + (write_start - lo) % write_every  # >= lo, on the grid
    loop = len(range(first, num_steps + 1, write_every))
    return WritePlan(initial, first, write_every, loop + initial)


def in_write_data(model: Any) -> bool:
    """Whether ``model.write_data`` is running (called below it)."""
    frame = sys._getframe(1)
    while frame is not None:
        if (
            frame.f_code.co_name == "write_data"
            and frame.f_locals.get("self") is model
        ):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False
