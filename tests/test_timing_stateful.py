"""Random operation sequences: compiled Timer, Python twin and a reference
model must agree after every step, errors included."""

from __future__ import annotations

from typing import Optional

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from utopya_backend.core import _compat, _timing_py  # noqa: E402

if _compat.USE_EXTENSIONS:
    from utopya_backend.core import _timing as _timing_c
else:  # pragma: no cover - pure-Python install
    _timing_c = None


class RefTimer:
    """The rules of SPEC §3, in the plainest form (integer ticks)."""

    def __init__(self, one_shot: bool) -> None:
        self.one_shot = one_shot
        self.reset()

    def reset(self) -> None:
        self.elapsed = 0
        self.latest: Optional[int] = None
        self.running = self.finished = False
        self.count = 0

    def start(self, now: int) -> Optional[str]:
        if self.finished:
            return "finished"
        if not self.running:
            self.latest, self.running = now, True
            self.count += 1
        return None

    def unpause(self, now: int) -> Optional[str]:
        if self.one_shot:
            return "one-shot"
        return self.start(now)

    def pause(self, now: int) -> Optional[str]:
        if self.finished:
            return "finished"
        if not self.running:
            return "paused"
        self.elapsed += now - self.latest
        self.running = False
        self.finished = self.one_shot
        return None

    def stop(self, now: int) -> Optional[str]:
        if self.finished:
            return "finished"
        if self.running:
            self.pause(now)
        self.finished = True
        return None

    def value(self, now: int) -> int:
        return self.elapsed + (now - self.latest if self.running else 0)


def _kind(err: Optional[BaseException]) -> Optional[str]:
    if err is None:
        return None
    msg = str(err)
    for key, text in (
        ("one-shot", "one-shot timer and cannot be unpaused"),
        ("finished", "was already marked as finished"),
        ("paused", "Cannot pause already paused timer"),
    ):
        if text in msg:
            return key
    return "other: " + msg


class TimerMachine(RuleBasedStateMachine):
    """Drive all timers with the same operations on one fake clock."""

    # Microsecond ticks on a clock starting at 0: the twins round clock
    # readings to integer ns, which recovers ticks * 1000 exactly, so
    # comparisons can be strict. On large clocks (beyond int64 ns from 0)
    # ticks are half seconds, which such floats still hold exactly.
    TICK_NS = 1000

    @initialize(
        one_shot=st.booleans(), base=st.sampled_from([0.0, 1e10, 1e15])
    )
    def make(self, one_shot: bool, base: float) -> None:
        self.ticks = 0
        self.TICK_NS = 1000 if base == 0.0 else 500_000_000
        clock = lambda: base + self.ticks * self.TICK_NS / 1e9  # noqa: E731
        mods = [_timing_py] + ([_timing_c] if _timing_c else [])
        self.timers = [
            m.Timer("t", time_func=clock, one_shot=one_shot) for m in mods
        ]
        self.ref = RefTimer(one_shot)

    @rule(dt=st.integers(min_value=0, max_value=5000))
    def advance(self, dt: int) -> None:
        self.ticks += dt

    @rule(op=st.sampled_from(["start", "unpause", "pause", "stop"]))
    def operate(self, op: str) -> None:
        expected = getattr(self.ref, op)(self.ticks)
        for t in self.timers:
            err = None
            try:
                result = getattr(t, op)()
            except RuntimeError as e:
                err = e
            assert _kind(err) == expected, (op, err)
            if err is None and op in ("pause", "stop"):
                assert result == self.ref.elapsed * self.TICK_NS / 1e9

    @rule()
    def reset(self) -> None:
        self.ref.reset()
        for t in self.timers:
            t.reset()

    @invariant()
    def agree(self) -> None:
        if not hasattr(self, "ref"):
            return
        want = self.ref.value(self.ticks) * self.TICK_NS / 1e9
        for t in self.timers:
            assert t.elapsed == want
            assert t.running == self.ref.running
            assert t.finished == self.ref.finished
            assert t.invocations == self.ref.count
        state = ""
        if self.ref.running:
            state = ", running"
        elif self.ref.finished:
            state = ", finished"
        text = f"<Timer 't', {want:.3g}s elapsed{state}>"
        assert [str(t) for t in self.timers] == [text] * len(self.timers)


TimerMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None
)
TestTimerMachine = TimerMachine.TestCase
