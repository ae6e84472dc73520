"""Row buffers store exactly the row they were given, whatever its memory
layout, and never lose or duplicate rows when threads are involved."""

from __future__ import annotations

import threading

import numpy as np
import pytest

GRID = np.arange(24.0).reshape(4, 6)


class Sink:
    """Keeps copies of what a buffer hands over."""

    def __init__(self) -> None:
        self.rows: list = []

    def __call__(self, rows, labels):
        self.rows.extend(np.array(r) for r in rows)


def _views():
    g = GRID
    return {
        "column": g[:, 1],
        "strided": g[0, ::2],
        "reversed": g[1, ::-1],
        "transpose": g.T,
        "broadcast": np.broadcast_to(np.float64(7.5), (6,)),
        "sub-block": g[1:3, 2:5],
        "fortran": np.asfortranarray(g),
        "f4 column": g.astype("f4")[:, 2],
    }


@pytest.mark.parametrize("dtype", ["f8", "f4"])
@pytest.mark.parametrize("kind", list(_views()))
def test_views_are_stored_as_their_values(rowbuffer, kind, dtype):
    """What ``dset[n] = view`` would store, for any non-contiguous view."""
    view = _views()[kind]
    sink = Sink()
    buf = rowbuffer.RowBuffer("views", view.shape, dtype, sink, block_rows=2)
    buf.append(view)
    buf.append(view)  # a full block: handed over
    buf.append(view)
    buf.flush()
    assert len(sink.rows) == 3
    for row in sink.rows:
        np.testing.assert_array_equal(row, view.astype(dtype))


def test_a_large_reversed_view_is_stored_reversed(rowbuffer):
    """``arange(1e6)[::-1]`` once read outside the array (a segfault)."""
    view = np.arange(1e6)[::-1]
    sink = Sink()
    buf = rowbuffer.RowBuffer("rev", view.shape, "f8", sink)
    buf.append(view)
    buf.flush()
    np.testing.assert_array_equal(sink.rows[0], view)


@pytest.mark.parametrize("shape", [(6, 4), (24,), (2, 12), (4, 6, 1)])
def test_contiguous_rows_of_another_shape_are_refused(rowbuffer, shape):
    """Same size and dtype is not enough: the shape must be the row's."""
    sink = Sink()
    buf = rowbuffer.RowBuffer("grid", (4, 6), "f8", sink)
    with pytest.raises(ValueError, match="the shapes differ"):
        buf.append(np.ascontiguousarray(GRID.reshape(shape)))
    assert len(buf) == 0


def test_extend_stores_views_as_their_values(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("ext", (4,), "f8", sink, block_rows=4)
    rows = GRID.T[::-1]  # 6 rows of 4, none contiguous
    buf.extend(rows)
    buf.flush()
    np.testing.assert_array_equal(np.array(sink.rows), rows)


def _in_thread(fn, *args):
    """Run ``fn(*args)`` in a new thread; return its result or error."""
    out: dict = {}

    def run():
        try:
            out["result"] = fn(*args)
        except BaseException as exc:  # noqa: B036 - handed back
            out["error"] = exc

    t = threading.Thread(target=run, name="intruder")
    t.start()
    t.join()
    return out


@pytest.mark.parametrize(
    "call", [("append", 1.0), ("extend", [1.0, 2.0]), ("flush",)]
)
def test_a_second_thread_is_refused_and_nothing_changes(rowbuffer, call):
    sink = Sink()
    buf = rowbuffer.RowBuffer("'ts'", (), "f8", sink, block_rows=4)
    buf.append(0.5)  # this thread now owns the buffer
    out = _in_thread(getattr(buf, call[0]), *call[1:])
    err = out.get("error")
    assert isinstance(err, RuntimeError), out
    msg = str(err)
    assert "'ts'" in msg and "'intruder'" in msg
    assert "MainThread" in msg and "one thread at a time" in msg
    assert len(buf) == 1 and buf.n_pending == 1 and sink.rows == []
    buf.append(1.5)  # the owner goes on
    assert buf.flush() == 2


def test_the_first_thread_to_append_owns_it_until_it_ends(rowbuffer):
    """Made in one thread, filled in another: that works; once the owner
    has ended, another thread may take the buffer over."""
    sink = Sink()
    buf = rowbuffer.RowBuffer("'ts'", (), "f8", sink)
    assert buf.flush() == 0  # nothing pending: claims nothing
    appended, done = threading.Event(), threading.Event()

    def owner():
        buf.append(1.0)
        appended.set()
        done.wait(10)

    t = threading.Thread(target=owner, name="owner")
    t.start()
    appended.wait(10)
    try:
        with pytest.raises(RuntimeError, match="belongs to thread 'owner'"):
            buf.append(2.0)
        with pytest.raises(RuntimeError, match="Cannot flush"):
            buf.flush()
    finally:
        done.set()
        t.join()
    buf.append(3.0)  # the owner has ended: taken over
    assert buf.flush() == 2
    assert [float(r) for r in sink.rows] == [1.0, 3.0]


def test_threads_racing_never_lose_or_duplicate_rows(rowbuffer):
    """Each accepted row reaches the sink exactly once; the rest are
    refused with an error, never half-taken."""
    sink = Sink()
    buf = rowbuffer.RowBuffer("race", (2,), "i8", sink, block_rows=3)
    accepted: list = []
    start, end = threading.Barrier(4), threading.Barrier(4)

    def worker(k):
        start.wait()
        for i in range(300):
            try:
                buf.append(np.array([k, i]))
            except RuntimeError:
                break
            accepted.append((k, i))
        end.wait()  # no owner ends before all tried

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writers = {k for k, _ in accepted}
    assert len(writers) == 1
    assert len(accepted) == len(buf) == 300
    buf.flush()  # the owner has ended: this thread may
    assert [tuple(r) for r in sink.rows] == accepted
