"""Monitor lines and the run loop's deadlines.

The core loop calls :meth:`MonitorMixin._on_deadline` once the clock
reaches the deadline it was given: the next monitor emission or the next
due write of pending output, whichever comes first.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

from ..core import _impl
from ._monitor import format_monitor_line

if TYPE_CHECKING:  # pragma: no cover
    from ._state import ModelState as _ModelState
else:
    _ModelState = object  # at run time: no base but object

__all__ = ["MonitorMixin"]

_MAX_INTERVAL_NS = 2**62
"""Monitor intervals are capped here (146 years): deadlines stay in int64."""


class MonitorMixin(_ModelState):
    """Monitor emission and deadlines; a base of :class:`BaseModel`."""

    def monitor(self, monitor_info: dict) -> dict:
        """Update and return the model's monitor entries."""
        return monitor_info

    def compute_progress(self) -> float:
        """Progress of the run in [0, 1]; must never decrease."""
        return 0.0

    def _pre_monitor(self) -> None:
        """Invoked before each monitor emission."""

    def _post_monitor(self) -> None:
        """Invoked after each monitor emission."""

    def trigger_monitor(self, *, force: bool = False) -> None:
        """Emit a monitor line if ``force`` or the emit interval has passed."""
        now = _impl.monotonic_ns()
        if force or self._monitor_should_emit(t=now / 1e9):
            self._emit_now(now)

    def _monitor_should_emit(self, *, t: Optional[float] = None) -> bool:
        """Whether the emit interval has passed at ``t`` (seconds on the
        monotonic clock; now if not given)."""
        now = _impl.monotonic_ns() if t is None else round(t * 1e9)
        return now >= self._next_emit_ns()

    def _on_deadline(self, now: int) -> int:
        """Called by the run loop once the clock reaches the deadline it
        was given: emit the monitor line and write pending output if due;
        return the next deadline."""
        if self._deadline_emits and now >= self._next_emit_ns():
            self._emit_now(now)
        output = self._output
        if output is not None:
            output.sync_if_due(now)
        return self._next_deadline_ns()

    @property
    def _last_emit(self) -> float:
        """When the monitor last emitted, in seconds, on the clock whose
        readings :meth:`_monitor_should_emit` gets as ``t``; 0 before the
        first emission (the original's attribute, read-only here)."""
        last = self._last_emit_ns
        return 0.0 if last is None else last / 1e9

    def _next_emit_ns(self) -> int:
        last = self._last_emit_ns
        return (0 if last is None else last) + self._emit_interval_ns

    def _next_deadline_ns(self) -> int:
        due = self._output.next_due_ns if self._output is not None else None
        if getattr(self, "_deadline_emits", True):
            emit = self._next_emit_ns()
            due = emit if due is None else min(due, emit)
        return due if due is not None else 2**63 - 1

    def _emit_now(self, now: int) -> None:
        self._pre_monitor()
        self._monitor_info = self.monitor(self._monitor_info)
        self._emit_monitor()
        self._last_emit_ns = now
        self._post_monitor()

    def _emit_monitor(self) -> None:
        """Print the monitor line to stdout and flush."""
        line = format_monitor_line(
            self.compute_progress(),
            self._n_iterations,
            self._name,
            self._monitor_info,
        )
        out = sys.stdout
        out.write(line + "\n")
        out.flush()


def _interval_ns(seconds: float) -> int:
    """Monitor interval in ns, capped so that deadlines fit in int64."""
    ns = seconds * 1e9
    return _MAX_INTERVAL_NS if ns >= _MAX_INTERVAL_NS else round(ns)
