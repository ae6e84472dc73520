"""The row buffer behind model output and benchmark rows (both twins)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)


class Sink:
    """Keeps copies of the blocks it is handed; can be told to fail."""

    def __init__(self) -> None:
        self.blocks: list = []
        self.labels: list = []
        self.fail = False

    def __call__(self, rows, labels) -> None:
        if self.fail:
            raise OSError("sink refuses")
        self.blocks.append(np.array(rows))
        self.labels.append(None if labels is None else np.array(labels))

    @property
    def rows(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.empty(0)


class Clock:
    _n_iterations = 0


def test_full_blocks_go_to_the_sink_in_one_call(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("x", (), "f8", sink, block_rows=3)
    for v in range(7):
        buf.append(float(v))
    assert [len(b) for b in sink.blocks] == [3, 3]
    assert (len(buf), buf.n_pending, buf.n_written) == (7, 1, 6)
    assert buf.flush() == 1 and buf.flush() == 0
    np.testing.assert_array_equal(sink.rows, np.arange(7.0))
    assert sink.labels == [None, None, None]


def test_labels_come_from_the_label_source(rowbuffer):
    sink, src = Sink(), Clock()
    buf = rowbuffer.RowBuffer("x", (2,), "i4", sink, label_source=src)
    for n in (3, 5, 9):
        src._n_iterations = n
        buf.append([n, -n])
    buf.extend([[1, 1], [2, 2]])  # both labelled with the time of extend
    buf.flush()
    assert buf.labelled
    np.testing.assert_array_equal(sink.labels[0], [3, 5, 9, 9, 9])
    np.testing.assert_array_equal(sink.rows[:, 0], [3, 5, 9, 1, 2])


def test_labelled_rows_without_a_label_source_are_labelled_zero(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("x", (), "f8", sink, labelled=True)
    buf.append(1.0)
    buf.extend([2.0, 3.0])
    assert buf.labelled and buf.flush() == 3
    assert sink.labels[0].dtype == np.int64
    assert sink.labels[0].tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    "dtype, value, stored",
    [
        ("f4", 0.5, 0.5),
        ("f8", np.float32(1.5), 1.5),
        ("f8", 3, 3.0),
        ("u1", 200, 200),
        ("i8", np.int16(-4), -4),
        ("?", True, True),
    ],
)
def test_scalars_cast_within_their_kind(rowbuffer, dtype, value, stored):
    sink = Sink()
    buf = rowbuffer.RowBuffer("x", (), dtype, sink)
    buf.append(value)
    buf.flush()
    assert sink.rows.dtype == np.dtype(dtype)
    assert sink.rows[0] == stored


@pytest.mark.parametrize(
    "shape, dtype, row, why",
    [
        ((), "f8", "abc", "does not cast"),
        ((), "u1", 300, "out of bounds"),
        ((), "i4", 1.5, "does not cast"),
        ((2,), "f8", [1.0, 2.0, 3.0], "shapes differ"),
        ((2,), "f8", 1.0, "shapes differ"),
        ((2, 2), "u1", np.zeros((2, 2), "f8"), "does not cast"),
        ((2,), "f8", [object(), 1], "does not cast"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_appended(
    rowbuffer, shape, dtype, row, why
):
    sink = Sink()
    buf = rowbuffer.RowBuffer("writer 'w'", shape, dtype, sink, block_rows=1)
    with pytest.raises(ValueError) as err:
        buf.append(row)
    msg = str(err.value)
    assert "writer 'w'" in msg and why in msg
    assert f"expected shape {shape}" in msg and "nothing appended" in msg
    assert len(buf) == 0 and sink.blocks == []


def test_int_arrays_that_fit_are_accepted(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (3,), "u1", sink)
    buf.append([0, 1, 255])  # a list of Python ints is int64 to numpy
    with pytest.raises(ValueError, match="does not cast"):
        buf.append([0, 1, 256])
    buf.flush()
    np.testing.assert_array_equal(sink.rows, [[0, 1, 255]])


def test_exact_arrays_are_copied_not_referenced(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (2, 3), "u1", sink)
    grid = np.zeros((2, 3), "u1")
    for k in range(3):
        grid[0, 0] = k
        buf.append(grid)
    buf.append(np.asfortranarray(np.ones((2, 3), "u1")))  # not C-contiguous
    buf.append(np.ones((2, 3), ">u2"))  # other dtype, casts within kind
    buf.flush()
    np.testing.assert_array_equal(sink.rows[:3, 0, 0], [0, 1, 2])
    np.testing.assert_array_equal(sink.rows[3:], np.ones((2, 2, 3)))


def test_max_rows_is_enforced_before_anything_is_appended(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("w", (), "f8", sink, max_rows=3, block_rows=2)
    buf.extend([1.0, 2.0])
    with pytest.raises(IndexError, match="at most 3 rows and has 2"):
        buf.extend([3.0, 4.0])
    buf.append(3.0)
    with pytest.raises(IndexError, match="Cannot append to w: it holds at"):
        buf.append(4.0)
    buf.flush()
    np.testing.assert_array_equal(sink.rows, [1.0, 2.0, 3.0])
    assert buf.max_rows == 3


def test_extend_spans_blocks(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("w", (2,), "f8", sink, block_rows=4)
    data = np.arange(22.0).reshape(11, 2)
    buf.append(data[0])
    buf.extend(data[1:])
    assert [len(b) for b in sink.blocks] == [4, 4]
    buf.flush()
    np.testing.assert_array_equal(sink.rows, data)
    with pytest.raises(ValueError, match="expected a sequence"):
        buf.extend(5)


def test_a_failing_sink_keeps_rows_pending_and_memory_bounded(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("w", (), "f8", sink, block_rows=2)
    sink.fail = True
    buf.append(1.0)
    with pytest.raises(OSError, match="refuses"):
        buf.append(2.0)  # fills the block; its hand-over fails
    for _ in range(3):  # the block is full: every further append refuses
        with pytest.raises(OSError, match="refuses"):
            buf.append(3.0)
    assert (len(buf), buf.n_pending) == (2, 2)
    sink.fail = False
    buf.append(3.0)  # hands the old block over first
    buf.flush()
    np.testing.assert_array_equal(sink.rows, [1.0, 2.0, 3.0])


def test_no_buffer_without_its_block(rowbuffer):
    with pytest.raises(TypeError):
        rowbuffer.RowBuffer.__new__(rowbuffer.RowBuffer)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(block_rows=0), ValueError, "block_rows"),
        (dict(block_rows=2**62 + 1), ValueError, "exceeds the limit"),
        (dict(block_rows=1.5), TypeError, "block_rows"),
        (dict(max_rows=-1), ValueError, "max_rows"),
        (dict(dtype=object), ValueError, "Python objects"),
        (dict(row_shape=(-1,)), ValueError, "negative"),
        (dict(row_shape=5), TypeError, "row_shape"),
        (dict(sink=5), TypeError, "callable"),
    ],
)
def test_bad_layouts_are_refused(rowbuffer, kwargs, error, match):
    args = dict(row_shape=(2,), dtype="f8", sink=Sink())
    args.update(kwargs)
    with pytest.raises(error, match=match):
        rowbuffer.RowBuffer(
            "w", args.pop("row_shape"), args.pop("dtype"), args.pop("sink"),
            **args,
        )  # fmt: skip


def test_default_block_is_about_one_mebibyte(rowbuffer):
    buf = rowbuffer.RowBuffer("w", (64, 64), "u1", Sink())
    assert buf.block_rows == 256
    huge = rowbuffer.RowBuffer("w", (2048, 1024), "f8", Sink())
    assert huge.block_rows == 1  # at least one row, however large


def _params(func):
    sig = inspect.signature(func)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def test_twins_have_the_same_interface(impl):
    from utopya_backend.core import _rowbuffer_py

    if impl.is_pure_python:
        pytest.skip("compares the compiled buffer with the twin")
    c, py = impl.rowbuffer.RowBuffer, _rowbuffer_py.RowBuffer
    public = {n for n in dir(py) if not n.startswith("_")}
    assert public == {n for n in dir(c) if not n.startswith("_")}
    for name in ("append", "extend", "flush"):
        assert _params(getattr(c, name)) == _params(getattr(py, name))


def test_twins_share_error_text(impl):
    from utopya_backend.core import _rowbuffer_py

    msgs = []
    for mod in (impl.rowbuffer, _rowbuffer_py):
        buf = mod.RowBuffer("w", (2,), "f4", Sink(), max_rows=1)
        out = []
        for row in ([1, 2, 3], ["a", "b"]):
            with pytest.raises(ValueError) as err:
                buf.append(row)
            out.append(str(err.value))
        buf.append([1, 2])
        with pytest.raises(IndexError) as err:
            buf.append([1, 2])
        out.append(str(err.value))
        msgs.append(out)
    assert msgs[0] == msgs[1]
    assert msgs[0] == [
        "Cannot append to w: got shape (3,) and dtype int64, expected shape "
        "(2,) and dtype float32; the shapes differ; nothing appended",
        "Cannot append to w: got shape (2,) and dtype <U1, expected shape "
        "(2,) and dtype float32; numpy does not cast <U1 to float32 within "
        "its kind; nothing appended",
        "Cannot append to w: it holds at most 1 rows",
    ]


# .. Stateful: the buffer against a plain list ................................


def make_machine(mod):
    class RowBufferMachine(RuleBasedStateMachine):
        """Appends, extends, flushes and failing sinks against a list."""

        @initialize(
            block_rows=st.integers(1, 5),
            max_rows=st.none() | st.integers(0, 30),
        )
        def setup(self, block_rows, max_rows):
            self.sink = Sink()
            self.src = Clock()
            self.buf = mod.RowBuffer(
                "m",
                (2,),
                "f8",
                self.sink,
                block_rows=block_rows,
                max_rows=max_rows,
                label_source=self.src,
            )
            self.model: list = []  # (row, label) appended
            self.max_rows = max_rows
            self.block_rows = block_rows

        def _room(self, n):
            return self.max_rows is None or len(self.model) + n <= (
                self.max_rows
            )

        @rule(x=st.floats(-1e6, 1e6), step=st.integers(0, 3))
        def append(self, x, step):
            self.src._n_iterations += step
            label = self.src._n_iterations
            full = self.buf.n_pending == self.block_rows
            try:
                self.buf.append([x, -x])
            except IndexError:
                assert not self._room(1)
                return
            except OSError:
                assert self.sink.fail
                # Refused before anything was appended only if the block
                # was full already; otherwise the row went in and the
                # hand-over of the now full block failed.
                if full:
                    return
            self.model.append(([x, -x], label))

        @rule(n=st.integers(0, 7))
        def extend(self, n):
            rows = [[float(i), float(-i)] for i in range(n)]
            if not self._room(n):
                with pytest.raises(IndexError):
                    self.buf.extend(rows)
                return
            if self.sink.fail:
                return  # partial appends on failure are covered elsewhere
            self.buf.extend(rows)
            self.model.extend((r, self.src._n_iterations) for r in rows)

        @rule()
        def flush(self):
            if self.sink.fail:
                return
            self.buf.flush()
            assert self.buf.n_pending == 0

        @rule(fail=st.booleans())
        def set_fail(self, fail):
            self.sink.fail = fail

        @invariant()
        def agrees(self):
            assert len(self.buf) == len(self.model)
            assert 0 <= self.buf.n_pending <= self.block_rows
            written = self.buf.n_written
            assert written == sum(len(b) for b in self.sink.blocks)
            if written:
                np.testing.assert_array_equal(
                    self.sink.rows, [r for r, _ in self.model[:written]]
                )
                labels = np.concatenate(self.sink.labels)
                assert labels.tolist() == [
                    lab for _, lab in self.model[:written]
                ]

    return RowBufferMachine


def test_stateful_against_a_list(impl):
    machine = make_machine(impl.rowbuffer)
    machine.TestCase.settings = settings(
        max_examples=60, stateful_step_count=40, deadline=None
    )
    machine.TestCase().runTest()
