"""When a model emits monitor lines: at the run loop's deadlines (once
the emit interval has passed, not a nanosecond earlier) and when asked
through ``_monitor_should_emit`` at a given time."""

from __future__ import annotations

import pytest
from _models import Walker

from utopya_backend.core import _impl

INTERVAL_S = 2.0
INTERVAL_NS = 2_000_000_000


def _lines(capsys) -> int:
    return sum(
        line.startswith("!!map")
        for line in capsys.readouterr().out.splitlines()
    )


@pytest.fixture
def walked(make_cfg, capsys):
    """A walker after a run, with its init line read away."""
    m = Walker(
        cfg_file_path=make_cfg(num_steps=2, monitor_emit_interval=INTERVAL_S)
    )
    m.run()
    capsys.readouterr()
    return m


def test_a_deadline_emits_once_the_interval_has_passed(walked, capsys):
    """At a deadline the loop reaches, the monitor line is emitted if the
    emit interval has passed since the last one, and the emission time is
    the deadline's clock reading."""
    t0 = _impl.monotonic_ns() + 10**12  # past any emission so far
    walked._on_deadline(t0)
    assert _lines(capsys) == 1
    assert walked._last_emit == t0 / 1e9
    walked._on_deadline(t0 + INTERVAL_NS - 1)
    assert _lines(capsys) == 0
    nxt = walked._on_deadline(t0 + INTERVAL_NS)
    assert _lines(capsys) == 1
    assert walked._last_emit == (t0 + INTERVAL_NS) / 1e9
    # The next deadline: the next emission, or output due earlier.
    assert nxt <= t0 + 2 * INTERVAL_NS


class EachIteration(Walker):
    """Decides on its own when to emit (the loop asks it each time)."""

    def _monitor_should_emit(self, *, t=None):
        return False


def test_deadlines_do_not_emit_for_a_model_deciding_itself(make_cfg, capsys):
    m = EachIteration(
        cfg_file_path=make_cfg(num_steps=2, monitor_emit_interval=INTERVAL_S)
    )
    m.run()
    capsys.readouterr()
    t = _impl.monotonic_ns() + 10**12
    nxt = m._on_deadline(t)
    assert _lines(capsys) == 0
    # Its next deadline is the output's next write, not a monitor line.
    assert nxt == m._output.next_due_ns > t


def test_should_emit_at_a_given_time(walked):
    """``t`` (seconds on the monotonic clock) is used, not the clock: due
    exactly one interval after the last emission."""
    t0 = _impl.monotonic_ns() + 10**12
    walked._on_deadline(t0)  # emits at t0
    assert walked._monitor_should_emit() is False  # now is before t0
    assert walked._monitor_should_emit(t=(t0 + INTERVAL_NS) / 1e9) is True
    assert walked._monitor_should_emit(t=(t0 + 10**11) / 1e9) is True
    assert (
        walked._monitor_should_emit(t=(t0 + INTERVAL_NS - 1000) / 1e9) is False
    )


class AsksInSetup(Walker):
    """Asks ``_monitor_should_emit`` in setup, before the first line."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.asked = [
            self._monitor_should_emit(t=t)
            for t in (INTERVAL_S, INTERVAL_S - 1e-6)
        ]
        self.asked_now = self._monitor_should_emit()


def test_before_the_first_line_it_is_due_one_interval_after_zero(make_cfg):
    """Before any emission the last one counts as at clock reading 0 (as
    ``_last_emit`` says)."""
    m = AsksInSetup(cfg_file_path=make_cfg(monitor_emit_interval=INTERVAL_S))
    assert m.asked == [True, False]
    assert m.asked_now is (_impl.monotonic_ns() >= INTERVAL_NS)
