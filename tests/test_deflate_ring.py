"""The deflate ring (``core._deflate`` and its twin): chunks come back as
the zlib streams HDF5's deflate filter reads, in order; the ring holds a
bounded number of chunks; direct chunk writes store what h5py reads."""

from __future__ import annotations

import os
import zlib

import h5py
import numpy as np
import pytest

LEVELS = {1: b"\x78\x01", 2: b"\x78\x5e", 6: b"\x78\x9c", 9: b"\x78\xda"}


def _data(n: int, seed: int = 0) -> bytes:
    """Bytes that compress, but not to nothing: a few runs of values."""
    rng = np.random.default_rng(seed)
    return (
        np.repeat(rng.integers(0, 256, n // 8 + 1), 8)[:n]
        .astype(np.uint8)
        .tobytes()
    )


def _drain(ring, data: bytes) -> list:
    """Put all of ``data`` in, popping when the ring is full; return the
    chunks in the order they came out."""
    out, pos = [], 0
    while True:
        pos = ring.put(data, pos)
        if pos == len(data):
            break
        chunk = ring.pop(wait=True)
        assert chunk is not None  # a full ring has a chunk to give
        out.append(chunk)
    while (chunk := ring.pop(wait=True)) is not None:
        out.append(chunk)
    return out


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_chunks_come_back_deflated_in_order(impl, level):
    ring = impl.deflate.DeflateRing(1000, 3, level)
    data = _data(10_500)
    chunks = _drain(ring, data)
    assert len(chunks) == 10
    assert [zlib.decompress(c) for c in chunks] == [
        data[i : i + 1000] for i in range(0, 10_000, 1000)
    ]
    # The stream's header names the level, as compress2 at that level does.
    assert {c[:2] for c in chunks} == {LEVELS[level]}
    assert ring.partial() == data[10_000:] and ring.filled == 500
    assert ring.n_queued == 0


@pytest.mark.parametrize("size", [32768, 32769, 65536, 100_000, 131072])
@pytest.mark.parametrize("level", [0, 2, 9])
def test_large_chunks_are_one_stream_of_flushed_pieces(impl, size, level):
    """A chunk past zlib's window is deflated in 32 KiB pieces with a full
    flush after each: one zlib stream, byte for byte what Python's zlib
    gives for the same pieces (so both twins write the same file)."""
    data = _data(size, seed=size)
    ring = impl.deflate.DeflateRing(size, 2, level)
    assert ring.put(data) == size
    chunk = ring.pop(wait=True)
    z = zlib.compressobj(level)
    want = []
    for pos in range(0, size, 32768):
        want.append(z.compress(data[pos : pos + 32768]))
        last = pos + 32768 >= size
        want.append(z.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
    want = b"".join(want)
    if size <= 32768:
        want = zlib.compress(data, level)  # compress2 itself
    assert chunk == want and zlib.decompress(chunk) == data
    # compress() gives the same bytes on the caller's thread.
    assert ring.compress(data) == want


def test_compress_deflates_any_bytes_at_the_level(impl):
    ring = impl.deflate.DeflateRing(10, 2, 6)
    assert ring.compress(b"") == zlib.compress(b"", 6)
    rows = np.arange(70_000, dtype="<u2")
    assert zlib.decompress(ring.compress(rows)) == rows.tobytes()
    assert ring.compress(rows)[:2] == LEVELS[6]
    ring.close()
    with pytest.raises(ValueError, match="the ring is closed"):
        ring.compress(b"x")


def test_level_zero_stores_the_bytes(impl):
    ring = impl.deflate.DeflateRing(64, 2, 0)
    data = bytes(range(64))
    assert ring.put(data) == 64
    chunk = ring.pop()
    assert zlib.decompress(chunk) == data and len(chunk) > 64  # stored


def test_put_stops_when_every_slot_is_taken(impl):
    ring = impl.deflate.DeflateRing(100, 3, 1)
    data = _data(1000)
    assert ring.put(data) == 300  # three chunks: no slot left to fill
    assert (ring.n_queued, ring.filled) == (3, 0)
    assert ring.put(data, 300) == 300  # nothing more until a pop
    assert zlib.decompress(ring.pop()) == data[:100]
    assert ring.put(data, 300) == 400
    assert ring.n_queued == 3
    # A slot half filled counts: two chunks queued and one filling.
    ring = impl.deflate.DeflateRing(100, 3, 1)
    assert ring.put(data[:250]) == 250
    assert (ring.n_queued, ring.filled) == (2, 50)
    assert ring.partial() == data[200:250]  # not a queued chunk's bytes
    assert ring.put(data, 250) == 300
    assert (ring.n_queued, ring.filled) == (3, 0)


def test_an_empty_ring_pops_nothing(impl):
    ring = impl.deflate.DeflateRing(10, 2, 1)
    assert ring.pop() is None and ring.pop(wait=False) is None
    assert ring.put(b"") == 0 and ring.partial() == b""
    assert ring.put(b"x" * 10) == 10
    if not impl.is_pure_python:
        # No worker yet: a chunk is compressed when popped with waiting.
        assert ring.pop(wait=False) is None and ring.n_queued == 1
    ring.start()
    assert ring.put(b"x" * 10, 0) == 10
    assert zlib.decompress(ring.pop(wait=True)) == b"x" * 10
    while (chunk := ring.pop(wait=False)) is None:
        pass  # the compiled ring: its worker is not done yet
    assert zlib.decompress(chunk) == b"x" * 10
    assert ring.pop(wait=False) is None


def test_rows_of_any_dtype_go_in_as_their_bytes(impl):
    ring = impl.deflate.DeflateRing(48, 2, 1)
    rows = np.arange(12, dtype="<f8").reshape(2, 6)
    assert ring.put(rows) == 96
    assert ring.put(rows, 96) == 96
    got = b"".join(zlib.decompress(ring.pop()) for _ in range(2))
    assert got == rows.tobytes()


@pytest.mark.parametrize(
    "args, exc, text",
    [
        ((0, 2, 1), ValueError, "chunk_nbytes must be from 1 to 2**32 - 1"),
        ((2**32, 2, 1), ValueError, "got 4294967296"),
        ((10, 1, 1), ValueError, "n_slots must be from 2 to 2**20, got 1"),
        ((10, 2, 10), ValueError, "level must be from 0 to 9, got 10"),
        ((10, 2, -1), ValueError, "level must be from 0 to 9, got -1"),
        ((10.0, 2, 1), TypeError, "chunk_nbytes must be an int, got 10.0"),
        ((10, True, 1), TypeError, "n_slots must be an int, got True"),
        ((10, 2, "1"), TypeError, "level must be an int, got '1'"),
    ],
)
def test_bad_arguments_are_refused_alike(impl, args, exc, text):
    with pytest.raises(exc) as err:
        impl.deflate.DeflateRing(*args)
    assert str(err.value).startswith("DeflateRing: ")
    assert text in str(err.value)


def test_put_refuses_a_start_outside_the_bytes(impl):
    ring = impl.deflate.DeflateRing(10, 2, 1)
    for start in (-1, 6):
        with pytest.raises(ValueError) as err:
            ring.put(b"12345", start)
        assert str(err.value) == (
            f"DeflateRing.put: start must be from 0 to 5, got {start}"
        )
    assert ring.filled == 0


def test_a_closed_ring_refuses_everything(impl):
    ring = impl.deflate.DeflateRing(10, 2, 1)
    ring.put(b"x" * 15)
    ring.close()
    ring.close()  # again: nothing happens
    assert (
        repr(ring) == "<DeflateRing: 2 chunks of 10 bytes at level 1, closed>"
    )
    for call in (
        lambda: ring.put(b"x"),
        lambda: ring.lend(b"x"),
        lambda: ring.wait_done(0),
        lambda: ring.compress(b"x"),
        lambda: ring.n_chunks,
        lambda: ring.pop(),
        ring.partial,
        lambda: ring.n_queued,
        lambda: ring.filled,
        ring.start,
    ):
        with pytest.raises(
            ValueError, match="^DeflateRing: the ring is closed$"
        ):
            call()


def test_repr_and_threads(impl):
    ring = impl.deflate.DeflateRing(10, 4, 3)
    ring.put(b"y" * 25)
    assert repr(ring) == (
        "<DeflateRing: 4 chunks of 10 bytes at level 3, 2 queued>"
    )
    # Only the compiled ring compresses in a thread of its own, once
    # started; before, pop compresses.
    assert ring.threaded is False
    assert zlib.decompress(ring.pop(wait=True)) == b"y" * 10
    ring.start()
    ring.start()  # again: nothing happens
    assert ring.threaded is (not impl.is_pure_python)
    assert zlib.decompress(ring.pop(wait=True)) == b"y" * 10
    assert (ring.chunk_nbytes, ring.n_slots, ring.level) == (10, 4, 3)


def _gzip_dataset(f, chunk_rows=2):
    return f.create_dataset(
        "x",
        (6, 3),
        "<f8",
        maxshape=(None, 3),
        chunks=(chunk_rows, 3),
        compression="gzip",
        compression_opts=4,
    )


def test_written_chunks_read_back_through_the_filter(impl, tmp_path):
    rows = np.arange(18, dtype="<f8").reshape(6, 3)
    with h5py.File(tmp_path / "a.h5", "w") as f:
        x = _gzip_dataset(f)
        for row in (4, 0, 2):  # any order: each chunk has its place
            data = zlib.compress(rows[row : row + 2].tobytes(), 4)
            impl.deflate.write_chunk(x.id, row, data, 2)
        info = x.id.get_chunk_info(0)
        assert info.filter_mask == 0  # the deflate filter applies
    with h5py.File(tmp_path / "a.h5", "r") as f:
        np.testing.assert_array_equal(f["x"][()], rows)
        assert f["x"].compression == "gzip"


def test_a_failed_chunk_write_raises_h5pys_error(impl, tmp_path):
    with h5py.File(tmp_path / "a.h5", "w") as f:
        x = _gzip_dataset(f)
        data = zlib.compress(bytes(48), 4)
        # Not where a chunk starts: HDF5 refuses it.
        with pytest.raises(Exception) as want:
            x.id.write_direct_chunk((1, 0), data, filter_mask=0)
        with pytest.raises(type(want.value)) as got:
            impl.deflate.write_chunk(x.id, 1, data, 2)
        assert str(got.value) == str(want.value)
        np.testing.assert_array_equal(x[()], np.zeros((6, 3)))


@pytest.mark.c_extension
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_ring_in_a_forked_child_says_so_instead_of_hanging():
    from utopya_backend.core._deflate import DeflateRing

    ring = DeflateRing(1000, 4, 1)
    ring.start()
    assert ring.put(b"z" * 1500) == 1500
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the ring's thread stayed in the parent
        try:
            ring.pop(wait=True)
            os.write(write, b"popped")
        except RuntimeError as exc:
            os.write(write, str(exc).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        said = f.read().decode()
    os.waitpid(pid, 0)
    assert said == (
        "DeflateRing: used in a forked process; its compression thread "
        "stayed in the parent"
    )
    assert zlib.decompress(ring.pop()) == b"z" * 1000  # the parent's works


@pytest.mark.parametrize("pops_before_start", [0, 3])
def test_a_waiting_owner_and_the_worker_share_chunks_in_order(
    impl, pops_before_start
):
    """While the caller waits for the oldest chunk it compresses later
    ones itself: whoever compressed a chunk, they come back in order, each
    its own bytes, over several rounds through every slot (also after
    chunks were compressed before the worker started)."""
    chunk, slots = 32 * 1024, 8
    ring = impl.deflate.DeflateRing(chunk, slots, 9)
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, chunk * 40, dtype=np.uint8).tobytes()
    pos = ring.put(data[: chunk * 4])
    got = [ring.pop(wait=True) for _ in range(pops_before_start)]
    ring.start()
    while pos < len(data):
        pos = ring.put(data, pos)
        if pos < len(data):
            got.append(ring.pop(wait=True))
    while (c := ring.pop(wait=True)) is not None:
        got.append(c)
    assert len(got) == 40
    for k, c in enumerate(got):
        assert zlib.decompress(c) == data[k * chunk : (k + 1) * chunk], k
    ring.close()
