"""Pure-Python twin of the compiled timing core ``_timing``.

Used when the extension is not built or ``UTOPYA_BACKEND_NO_EXTENSIONS`` is
set. Names, behaviour, rounding and error text match ``_timing.pyx``.
"""

from __future__ import annotations

import math
import operator
import time
from typing import Any, Callable, Dict, Optional, Tuple

from ._timefunc_py import _clock_origin
from ._timerstats import (
    N_BUCKETS,
    TimerStats,
    check_saved_state,
    record_py,
)

__all__ = ["Timer", "monotonic_ns"]

monotonic_ns: Callable[[], int] = time.monotonic_ns


def _seconds_to_ns(seconds: float) -> int:
    # Round half up, to match the C version.
    return math.floor(seconds * 1e9 + 0.5)


def _ns_to_seconds(ns: int) -> float:
    return ns / 1e9


_MAX_READING_NS = 4611686018427387904.0  # 2**62


def _as_double(value: Any) -> float:
    # What C's conversion to double accepts, with its error text.
    math.isfinite(value)
    return float(value)


def _relative_ns(timer: Timer, reading: Any) -> int:
    """``reading`` (seconds) in ns from the timer's clock origin, checked."""
    reading = _as_double(reading)
    if not math.isfinite(reading):
        # Same text in _timing.pyx.
        raise ValueError(
            f"Timer '{timer._name}': time_func returned {reading!r}, "
            "expected a finite number of seconds"
        )
    if timer._origin is None:
        timer._origin = _clock_origin(timer._time_func, reading)
    seconds = reading - timer._origin
    ns = seconds * 1e9
    if not -_MAX_READING_NS < ns < _MAX_READING_NS:
        # Same text in _timing.pyx.
        raise OverflowError(
            f"Timer '{timer._name}': time_func returned {reading!r}, "
            f"{seconds:.3g} s from the clock's origin {timer._origin!r}; "
            "readings must stay within 2**62 ns (about 146 years) of it"
        )
    return _seconds_to_ns(seconds)


class Timer:
    """A pausable timer on a monotonic clock.

    Args:
        name: The timer's name, used in reports and error messages.
        time_func: A callable returning the current time in seconds; the
            default reads a monotonic clock (never the wall clock).
        one_shot: If true, the first pause finishes the timer.
        start: If true, start the timer right away.
    """

    _name: str
    _time_func: Optional[Callable[[], float]]
    _elapsed_ns: int
    _latest_ns: int
    _invocations: int
    _running: bool
    _finished: bool
    _one_shot: bool
    _origin: Optional[float]
    # [count, sum, min, max, sum_sq] and the histogram counts (see _stats);
    # None for one-shot timers.
    _stats: Optional[list]
    _hist: Optional[list]

    __slots__ = (
        "_name",
        "_time_func",
        "_elapsed_ns",
        "_latest_ns",
        "_invocations",
        "_running",
        "_finished",
        "_one_shot",
        "_origin",
        "_stats",
        "_hist",
    )

    def __init__(
        self,
        name: str,
        *,
        time_func: Optional[Callable[[], float]] = None,
        one_shot: bool = False,
        start: bool = False,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Timer name must be a string, got {name!r}")
        if time_func is not None and not callable(time_func):
            raise TypeError(
                f"time_func of timer '{name}' must be callable, "
                f"got {time_func!r}"
            )
        self._name = name
        self._time_func = time_func
        self._origin = None
        self._one_shot = bool(one_shot)
        self._stats = self._hist = None
        self.reset()
        if start:
            self.start()

    # .. internals shared with the loop twin .................................

    def _now(self) -> int:
        if self._time_func is None:
            return time.monotonic_ns()
        return _relative_ns(self, self._time_func())

    def _unpause_at(self, now: int) -> None:
        if self._finished:
            self._raise_finished()
        if not self._running:
            self._latest_ns = now
            self._running = True
            self._invocations += 1

    def _pause_at(self, now: int) -> None:
        if self._finished:
            self._raise_finished()
        if not self._running:
            raise RuntimeError(f"Cannot pause already paused timer {self}!")
        self._elapsed_ns += now - self._latest_ns
        if self._stats is not None:
            record_py(self._stats, self._hist, now - self._latest_ns)  # type: ignore[arg-type]
        self._running = False
        if self._one_shot:
            self._finished = True

    def _elapsed_ns_at(self, now: int) -> int:
        if not self._running:
            return self._elapsed_ns
        if self._time_func is not None:
            now = self._now()
        return self._elapsed_ns + (now - self._latest_ns)

    def _raise_finished(self) -> None:
        # Same text in _timing.pyx.
        raise RuntimeError(
            f"Tried to update timer {self} that was already marked as "
            "finished."
        )

    def _raise_one_shot(self) -> None:
        # Same text in _timing.pyx.
        raise RuntimeError(
            f"{self} is a one-shot timer and cannot be unpaused!"
        )

    # .. Python API ...........................................................

    def _get_time(self) -> float:
        """Read this timer's clock, in seconds.

        Unused here; kept because the original's ``Timer`` has it.
        """
        if self._time_func is None:
            return _ns_to_seconds(time.monotonic_ns())
        return self._time_func()

    def start(self) -> None:
        """Start (or continue) the timer; a running timer is left alone."""
        self._unpause_at(self._now())

    def unpause(self) -> None:
        """Continue a paused timer; one-shot timers refuse this."""
        if self._one_shot:
            self._raise_one_shot()
        self._unpause_at(self._now())

    def pause(self) -> float:
        """Pause the timer and return the elapsed seconds."""
        self._pause_at(self._now())
        return _ns_to_seconds(self._elapsed_ns)

    def stop(self) -> float:
        """Finish the timer, pausing it if running; return elapsed seconds."""
        if self._finished:
            self._raise_finished()
        if self._running:
            self._pause_at(self._now())
        self._finished = True
        return _ns_to_seconds(self._elapsed_ns)

    def reset(self) -> None:
        """Clear elapsed time, invocation count and the finished state."""
        # The clock origin stays: it belongs to the clock, not the timer.
        self._elapsed_ns = 0
        self._latest_ns = 0
        self._invocations = 0
        self._running = False
        self._finished = False
        self._clear_stats()

    def _clear_stats(self) -> None:
        if self._one_shot:
            self._stats = self._hist = None
        else:
            self._stats = [0, 0, None, None, 0]
            self._hist = [0] * N_BUCKETS

    @property
    def stats(self) -> Optional[TimerStats]:
        """Statistics of the segments (invocations) so far, as a
        :class:`~utopya_backend.bench._stats.TimerStats`; None if one-shot."""
        if self._stats is None:
            return None
        n, total, lo, hi, sumsq = self._stats
        return TimerStats.from_raw(
            n, total, lo or 0, hi or 0, sumsq, self._hist
        )

    @property
    def name(self) -> str:
        """The timer's name."""
        return self._name

    @property
    def running(self) -> bool:
        """Whether the timer is currently running."""
        return self._running

    @property
    def finished(self) -> bool:
        """Whether the timer was stopped (or, if one-shot, paused)."""
        return self._finished

    @property
    def elapsed(self) -> float:
        """Elapsed seconds, including the current segment while running."""
        return _ns_to_seconds(self._elapsed_ns_at(self._now()))

    @property
    def one_shot(self) -> bool:
        """Whether the first pause finishes the timer."""
        return self._one_shot

    @property
    def invocations(self) -> int:
        """How often the timer was started or unpaused."""
        return self._invocations

    def __str__(self) -> str:
        # Same format in _timing.pyx.
        state = ""
        if self._running:
            state = ", running"
        elif self._finished:
            state = ", finished"
        return f"<Timer '{self._name}', {self.elapsed:.3g}s elapsed{state}>"

    __repr__ = __str__

    # .. copy and pickle (same shape and state in _timing.pyx) ............

    def __reduce__(self) -> Tuple[Any, Tuple[str], Dict[str, Any]]:
        """Rebuild as ``type(self)(name)`` and ``__setstate__(state)``."""
        return (
            type(self),
            (self._name,),
            {
                "time_func": self._time_func,
                "one_shot": self._one_shot,
                "elapsed_ns": self._elapsed_ns,
                "latest_ns": self._latest_ns,
                "clock_origin": self._origin,
                "invocations": self._invocations,
                "running": self._running,
                "finished": self._finished,
                "stats": self._stats_state(),
            },
        )

    def _stats_state(self) -> Optional[tuple]:
        # Same shape in _timing.pyx.
        if self._stats is None or self._stats[0] == 0:
            return None
        assert self._hist is not None
        return (
            *self._stats,
            tuple((i, n) for i, n in enumerate(self._hist) if n),
        )

    def _set_stats_state(self, stats: Any) -> None:
        self._clear_stats()
        if self._stats is None or stats is None:
            return
        count, total, lo, hi, sumsq, hist = check_saved_state(stats)
        self._stats = [count, total, lo, hi, sumsq]
        assert self._hist is not None
        for i, n in hist:
            self._hist[i] = n

    def __setstate__(self, state: Dict[str, Any]) -> None:
        """Restore the state :meth:`__reduce__` gives."""
        time_func = state["time_func"]
        if time_func is not None and not callable(time_func):
            raise TypeError(
                f"time_func of timer '{self._name}' must be callable, "
                f"got {time_func!r}"
            )
        self._time_func = time_func
        self._one_shot = bool(state["one_shot"])
        self._elapsed_ns = operator.index(state["elapsed_ns"])
        self._latest_ns = operator.index(state["latest_ns"])
        self._invocations = operator.index(state["invocations"])
        self._running = bool(state["running"])
        self._finished = bool(state["finished"])
        self._set_stats_state(state.get("stats"))
        self._origin = None
        origin = state["clock_origin"]
        if time_func is None or origin is None:
            return
        if not self._running:
            self._origin = _clock_origin(time_func, _as_double(origin))
            return
        # The clock (e.g. a deep copy) may have another origin here; the
        # running segment's start moves to it, so elapsed keeps counting.
        self._latest_ns += _relative_ns(self, origin)
