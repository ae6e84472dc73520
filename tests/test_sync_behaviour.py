"""When buffered rows reach the file (io._sync): at most once a second,
and everything at the end, even if one dataset fails."""

from __future__ import annotations

import h5py
import pytest

from utopya_backend.core import _impl
from utopya_backend.io import _sync
from utopya_backend.io._sync import INTERVAL_NS, FileFlusher, OutputSync


class Clock:
    def __init__(self, now: int = 10_000_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class Buffer:
    def __init__(self, log, name, fail=False):
        self.log, self.name, self.fail = log, name, fail

    def flush(self):
        self.log.append(self.name)
        if self.fail:
            raise OSError(f"{self.name} failed")
        return 0


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(_impl, "monotonic_ns", c)
    return c


@pytest.fixture
def h5(tmp_path):
    with h5py.File(tmp_path / "out.h5", "w") as f:
        yield f


def test_interval_is_one_second():
    assert INTERVAL_NS == 1_000_000_000


def test_flusher_flushes_once_the_interval_has_passed(h5, clock, monkeypatch):
    flushes = []
    fl = FileFlusher(h5)
    assert fl.last_ns == clock.now and fl.unflushed == 0
    monkeypatch.setattr(h5, "flush", lambda: flushes.append(clock.now))
    fl.unflushed = 100
    clock.now += INTERVAL_NS - 1
    fl.flush_if_due()
    assert flushes == [] and fl.unflushed == 100
    clock.now += 1
    fl.flush_if_due()
    assert flushes == [clock.now] and fl.unflushed == 0
    assert fl.last_ns == clock.now


def test_flush_records_the_given_reading(h5, clock):
    fl = FileFlusher(h5)
    fl.flush(5)
    assert fl.last_ns == 5
    fl.flush(0)
    assert fl.last_ns == 0
    clock.now = 77
    fl.flush()
    assert fl.last_ns == 77


def test_flush_of_a_closed_file_only_moves_the_clock(tmp_path, clock):
    f = h5py.File(tmp_path / "c.h5", "w")
    fl = FileFlusher(f)
    fl.unflushed = 9
    f.close()
    fl.flush(123)
    assert fl.last_ns == 123 and fl.unflushed == 9


def test_sync_if_due_writes_every_buffer_then_flushes(h5, clock):
    log = []
    sync = OutputSync(h5)
    sync.add(Buffer(log, "a"))
    sync.add(Buffer(log, "b"))
    start = clock.now
    assert sync.next_due_ns == start + INTERVAL_NS
    assert sync.sync_if_due(start + INTERVAL_NS - 1) == start + INTERVAL_NS
    assert log == []
    t = start + INTERVAL_NS
    assert sync.sync_if_due(t) == t + INTERVAL_NS
    assert log == ["a", "b"] and sync.flusher.last_ns == t


def test_finish_calls_finishers_once_and_raises_the_first_error(h5, clock):
    log = []
    sync = OutputSync(h5)
    sync.add(Buffer(log, "a", fail=True))
    sync.add(Buffer(log, "b"), finish=lambda: log.append("fin-b"))
    sync.add(Buffer(log, "c", fail=True))
    with pytest.raises(OSError, match="a failed"):
        sync.finish()
    assert log == ["a", "b", "c", "fin-b"]
    assert sync.flusher.last_ns == clock.now
    log.clear()
    sync.finish()  # the same loss is reported once, but tried again
    assert log == ["a", "b", "c"]  # finishers only once


def test_finish_raises_a_new_error_after_an_old_one(h5, clock):
    log = []
    sync = OutputSync(h5)
    a = Buffer(log, "a", fail=True)
    sync.add(a)
    with pytest.raises(OSError, match="a failed"):
        sync.finish()
    a.name = "a again"
    with pytest.raises(OSError, match="a again failed"):
        sync.finish()
    sync.finish()
    assert log == ["a", "a again", "a again"]


def test_finish_without_errors(h5, clock):
    log = []
    sync = OutputSync(h5)
    sync.add(Buffer(log, "a"), finish=lambda: log.append("fin"))
    sync.finish()
    assert log == ["a", "fin"]


def test_finish_raises_a_flush_error_last(h5, clock, monkeypatch):
    sync = OutputSync(h5)

    def bad_flush():
        raise OSError("flush failed")

    monkeypatch.setattr(h5, "flush", bad_flush)
    with pytest.raises(OSError, match="flush failed"):
        sync.finish()
    log = []
    sync.add(Buffer(log, "a", fail=True))
    with pytest.raises(OSError, match="a failed"):
        sync.finish()


def test_module_exports():
    assert set(_sync.__all__) == {"INTERVAL_NS", "FileFlusher", "OutputSync"}
