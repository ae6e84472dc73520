"""Rows handed over without a copy: the deflate ring compresses lent
chunks where they are (``DeflateRing.lend``), and a row buffer whose sink
borrows its rows fills a second block until the sink's next call returns.
Both twins; the compiled ring also with its worker thread."""

from __future__ import annotations

import gc
import zlib

import numpy as np
import pytest


def _data(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.repeat(rng.integers(0, 256, n // 4 + 1), 4)[:n].astype(np.uint8)


def _pop_all(ring) -> list:
    out = []
    while (c := ring.pop(wait=True)) is not None:
        out.append(zlib.decompress(c))
    return out


@pytest.mark.parametrize("threaded", [False, True])
def test_lent_chunks_come_back_as_their_bytes_in_order(impl, threaded):
    ring = impl.deflate.DeflateRing(100, 8, 1)
    if threaded:
        ring.start()
    a, b = _data(250, 1), _data(430, 2)
    assert ring.lend(a) == 250  # two chunks lent, 50 bytes copied
    assert (ring.n_chunks, ring.filled) == (2, 50)
    mark = ring.n_chunks
    # The open chunk is completed from b (copied), then whole chunks lent.
    assert ring.lend(b) == 430
    assert (ring.n_chunks, ring.filled) == (6, 80)
    ring.wait_done(mark)  # a's chunks are compressed: a may change now
    a[:] = 0
    whole = np.concatenate([_data(250, 1), b]).tobytes()
    assert _pop_all(ring) == [whole[i : i + 100] for i in range(0, 600, 100)]
    assert ring.partial() == whole[600:]


def test_lend_stops_when_every_slot_is_taken(impl):
    ring = impl.deflate.DeflateRing(100, 3, 1)
    data = _data(1000, 3)
    assert ring.lend(data) == 300
    assert ring.lend(data, 300) == 300  # nothing more until a pop
    assert zlib.decompress(ring.pop()) == data[:100].tobytes()
    assert ring.lend(data, 300) == 400 and ring.n_chunks == 4
    with pytest.raises(ValueError) as err:
        ring.lend(data, 1001)
    assert str(err.value) == (
        "DeflateRing.lend: start must be from 0 to 1000, got 1001"
    )


def test_the_ring_keeps_lent_data_alive(impl):
    """A caller may drop its own reference: the ring holds the data until
    its chunks are compressed (the compiled ring reads it in place)."""
    ring = impl.deflate.DeflateRing(1000, 8, 6)
    ring.start()
    assert ring.lend(_data(5000, 4)) == 5000  # a temporary array
    gc.collect()
    _data(5000, 99)  # new arrays may take the freed memory: not this one
    assert b"".join(_pop_all(ring)) == _data(5000, 4).tobytes()


@pytest.mark.parametrize("threaded", [False, True])
def test_wait_done_compresses_what_no_thread_took(impl, threaded):
    ring = impl.deflate.DeflateRing(64, 16, 9)
    if threaded:
        ring.start()
    data = _data(64 * 10, 5)
    ring.lend(data)
    ring.wait_done(ring.n_chunks)
    # Done: popping without waiting gives every chunk.
    got = [ring.pop(wait=False) for _ in range(10)]
    assert None not in got
    assert b"".join(zlib.decompress(c) for c in got) == data.tobytes()
    ring.wait_done(10**6)  # past the end: nothing to wait for


class Borrower:
    """A sink that keeps the views it is given (as a borrowing sink may)
    and checks at each call that the rows of the call before are still as
    they were when handed over."""

    borrows_rows = True

    def __init__(self) -> None:
        self.views: list = []
        self.copies: list = []

    def __call__(self, rows, labels) -> None:
        if self.views:
            np.testing.assert_array_equal(self.views[-1], self.copies[-1])
        self.views.append(rows)
        self.copies.append(rows.copy())


class Copier(Borrower):
    """A sink that copies: the buffer may refill the rows it was given at
    once (the check of Borrower would fail here)."""

    borrows_rows = False

    def __call__(self, rows, labels) -> None:
        self.views.append(rows)
        self.copies.append(rows.copy())


def test_a_borrowing_sink_gets_rows_that_stay_until_its_next_call(impl):
    sink = Borrower()
    buf = impl.rowbuffer.RowBuffer("b", (3,), "i4", sink, block_rows=4)
    for i in range(19):
        buf.append([i, i + 1, i + 2])
        if i == 9:
            buf.flush()  # a partial block is handed over, too
    buf.flush()
    got = np.concatenate(sink.copies)
    np.testing.assert_array_equal(got[:, 0], np.arange(19))
    # Two blocks take turns: each view is backed by the other block than
    # the one before it.
    bases = [v.base if v.base is not None else v for v in sink.views]
    assert all(x is not y for x, y in zip(bases, bases[1:]))
    assert len({id(b) for b in bases}) == 2


def test_a_copying_sink_gets_one_block_again_and_again(impl):
    sink = Copier()
    buf = impl.rowbuffer.RowBuffer("c", (), "f8", sink, block_rows=2)
    for i in range(6):
        buf.append(float(i))
    bases = [v.base for v in sink.views]
    assert len({id(b) for b in bases}) == 1
    # The views share that block: only the copies keep each block's rows.
    np.testing.assert_array_equal(np.concatenate(sink.copies), np.arange(6))


def test_a_failed_hand_over_keeps_the_block(impl):
    """A sink that raises gets the same block, with the same rows, at the
    retry; the other block is filled only after a call succeeded."""

    class Flaky(Borrower):
        fail = True

        def __call__(self, rows, labels):
            if self.fail:
                self.fail = False
                raise OSError("not now")
            super().__call__(rows, labels)

    sink = Flaky()
    buf = impl.rowbuffer.RowBuffer("f", (), "i8", sink, block_rows=2)
    buf.append(1)
    with pytest.raises(OSError):
        buf.append(2)
    assert buf.n_pending == 2
    buf.append(3)  # the retry hands over [1, 2] first
    buf.flush()
    np.testing.assert_array_equal(np.concatenate(sink.copies), [1, 2, 3])


CYCLE_SCRIPT = """
import gc, sys
import numpy as np
from utopya_backend.core._deflate import DeflateRing

class Owner:
    pass

for _ in range(5):
    ring = DeflateRing(1 << 16, 64, 9)
    ring.start()
    owner = Owner()
    owner.ring, owner.me = ring, owner  # a cycle, as a model and its sink
    rows = np.random.default_rng(0).integers(0, 256, 1 << 22, np.uint8)
    assert ring.lend(rows) == 1 << 22  # 64 chunks, compressed slowly
    del ring, owner, rows
    gc.collect()  # the cycle goes while the worker still reads the rows
print("ok")
"""


def test_lent_rows_outlive_a_collected_cycle(tmp_path):
    """The compiled ring holds lent rows by their buffers, which the cycle
    collector cannot clear: freeing a model in a reference cycle while the
    worker compresses its rows does not pull them away (it crashed with
    SIGSEGV when a list held them)."""
    import subprocess
    import sys

    pytest.importorskip("utopya_backend.core._deflate")
    script = tmp_path / "cycle.py"
    script.write_text(CYCLE_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout) == (0, "ok\n"), proc.stderr


def test_every_slot_can_hold_its_own_lent_data(impl):
    """Lent one chunk at a time, every slot holds data of its own call; a
    full ring lends nothing more, and each pop frees a slot for one more."""
    ring = impl.deflate.DeflateRing(10, 3, 1)
    parts = [_data(10, k) for k in range(6)]
    assert [ring.lend(p) for p in parts[:3]] == [10, 10, 10]
    assert ring.lend(parts[3]) == 0  # full: nothing lent, nothing held
    got = []
    for p in parts[3:]:
        got.append(zlib.decompress(ring.pop()))
        assert ring.lend(p) == 10
    got += _pop_all(ring)
    assert got == [p.tobytes() for p in parts]
