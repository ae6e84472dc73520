"""The named timers of a benchmarked model, and the calls that drive them.

A model's own code uses these (``start_timer("x")``, ``pause_timer``...);
while benchmarking is disabled every call keeps the timers at zero.
"""

from __future__ import annotations

from typing import Any, Dict, Union

from ..core import _impl
from ..core._impl import Timer

__all__ = ["TimerRegistry"]


class TimerRegistry:
    """Timers by name, and their control; a base of the benchmark mixin.

    :meth:`_setup_timers` must run before any other method. Whether
    benchmarking is enabled (``_bench_enabled``) is the mixin's decision,
    from its config; the calls here only obey it.
    """

    _TIMER_FALLBACK_RV: Any = -1
    """Returned by :meth:`pause_timer` and :meth:`stop_timer` when
    benchmarking is disabled."""

    def _setup_timers(self) -> None:
        self._timers: Dict[str, Timer] = {}
        self._bench_enabled = True

    def add_one_shot_timers(self, *names: str, **kwargs: Any) -> None:
        """Add timers that finish when first paused (or stopped)."""
        for name in names:
            self._add_timer(name, one_shot=True, **kwargs)

    def add_cumulative_timers(self, *names: str, **kwargs: Any) -> None:
        """Add timers that can be paused and unpaused any number of times.

        Their values go into the ``cumulative`` rows if added before the
        first data write.
        """
        for name in names:
            self._add_timer(name, one_shot=False, **kwargs)

    def _add_timer(self, name: str, *, one_shot: bool, **kwargs: Any) -> Timer:
        if not isinstance(name, str):
            raise TypeError(f"Timer names must be strings, got {name!r}")
        if name in self._timers:
            raise ValueError(
                f"A benchmark timer named '{name}' exists already"
            )
        timer = _impl.Timer(name, one_shot=one_shot, **kwargs)
        self._timers[name] = timer
        return timer

    @property
    def timers(self) -> Dict[str, Timer]:
        """All timers by name, in the order they were added."""
        return self._timers

    def _get_timer(self, name: str) -> Timer:
        try:
            return self._timers[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"No benchmark timer named '{name}' was added; available "
                f"timers: {', '.join(self._timers)}"
            ) from None

    def start_timer(self, name: str) -> None:
        """Start the named timer (ignored when disabled)."""
        timer = self._get_timer(name)
        if self._bench_enabled:
            timer.start()

    def pause_timer(self, name: str) -> Union[float, Any]:
        """Pause the named timer; return its elapsed seconds (or -1 when
        disabled)."""
        timer = self._get_timer(name)
        if not self._bench_enabled:
            return self._TIMER_FALLBACK_RV
        return timer.pause()

    def unpause_timer(self, name: str) -> None:
        """Continue the named cumulative timer (ignored when disabled)."""
        timer = self._get_timer(name)
        if self._bench_enabled:
            timer.unpause()

    def stop_timer(self, name: str) -> Union[float, Any]:
        """Finish the named timer; return its elapsed seconds (or -1 when
        disabled)."""
        timer = self._get_timer(name)
        if not self._bench_enabled:
            return self._TIMER_FALLBACK_RV
        return timer.stop()

    @property
    def elapsed(self) -> Dict[str, float]:
        """Elapsed seconds of every timer."""
        return {k: t.elapsed for k, t in self._timers.items()}

    @property
    def elapsed_cumulative(self) -> Dict[str, float]:
        """Elapsed seconds of the cumulative timers."""
        return {
            k: t.elapsed for k, t in self._timers.items() if not t.one_shot
        }

    @property
    def elapsed_one_shot(self) -> Dict[str, float]:
        """Elapsed seconds of the one-shot timers."""
        return {k: t.elapsed for k, t in self._timers.items() if t.one_shot}
