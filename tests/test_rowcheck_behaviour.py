"""What a row buffer accepts, refuses and says when it refuses (_rowcheck).

The rules are shared by both row buffers; these tests run them through the
public ``RowBuffer`` of each implementation and check the whole error text,
since users (and the model's log) read it.
"""

from __future__ import annotations

import numpy as np
import pytest


class Sink:
    def __init__(self) -> None:
        self.blocks: list = []

    def __call__(self, rows, labels) -> None:
        self.blocks.append(np.array(rows))

    @property
    def rows(self) -> np.ndarray:
        return np.concatenate(self.blocks)


def _refusal(buf, method, value) -> str:
    with pytest.raises(ValueError) as err:
        getattr(buf, method)(value)
    assert len(buf) == 0
    return str(err.value)


def test_shape_refusal_names_both_layouts(rowbuffer):
    buf = rowbuffer.RowBuffer("series 'g'", (2,), "f8", Sink())
    msg = _refusal(buf, "append", np.zeros(3, "i8"))
    assert msg == (
        "Cannot append to series 'g': got shape (3,) and dtype int64, "
        "expected shape (2,) and dtype float64; the shapes differ; "
        "nothing appended"
    )


def test_refusal_of_a_value_numpy_cannot_read(rowbuffer):
    buf = rowbuffer.RowBuffer("g", (2,), "f8", Sink())
    msg = _refusal(buf, "append", [[1.0], [1.0, 2.0]])  # ragged
    assert msg.startswith(
        "Cannot append to g: got shape () and dtype list, "
        "expected shape (2,) and dtype float64; "
    )
    assert "inhomogeneous" in msg and msg.endswith("; nothing appended")


def test_scalar_refusals_say_why(rowbuffer):
    buf = rowbuffer.RowBuffer("x", (), "f8", Sink())
    assert _refusal(buf, "append", 1j) == (
        "Cannot append to x: got shape () and dtype complex128, "
        "expected shape () and dtype float64; numpy does not cast "
        "complex128 to float64 within its kind; nothing appended"
    )
    small = rowbuffer.RowBuffer("y", (), "u1", Sink())
    assert _refusal(small, "append", 300) == (
        "Cannot append to y: got shape () and dtype int64, "
        "expected shape () and dtype uint8; Python integer 300 out of "
        "bounds for uint8; nothing appended"
    )


def test_array_refusal_says_which_cast_is_missing(rowbuffer):
    buf = rowbuffer.RowBuffer("g", (2,), "i4", Sink())
    assert _refusal(buf, "append", np.array([1.5, 2.0])) == (
        "Cannot append to g: got shape (2,) and dtype float64, "
        "expected shape (2,) and dtype int32; numpy does not cast "
        "float64 to int32 within its kind; nothing appended"
    )


def test_extend_refuses_what_is_not_a_sequence(rowbuffer):
    buf = rowbuffer.RowBuffer("g", (2,), "f8", Sink())
    assert _refusal(buf, "extend", 5) == (
        "Cannot append to g: got shape () and dtype int64, "
        "expected shape (None, 2) and dtype float64; expected a "
        "sequence; nothing appended"
    )


def test_extend_checks_the_shape_of_every_row(rowbuffer):
    buf = rowbuffer.RowBuffer("g", (2,), "f8", Sink())
    msg = _refusal(buf, "extend", [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0, 7.0]])
    assert msg.startswith("Cannot append to g: got shape ")
    assert "expected shape (3, 2) and dtype float64" in msg


def test_extend_with_nothing_appends_nothing(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (2,), "u1", sink, block_rows=1)
    buf.extend([])
    buf.extend(np.empty((0, 2), "f8"))  # no rows: no cast to refuse
    assert len(buf) == 0 and sink.blocks == []
    buf.extend([[1, 2]])
    assert len(buf) == 1
    np.testing.assert_array_equal(sink.rows, [[1, 2]])


@pytest.mark.parametrize(
    "dtype, ok, too_big",
    [
        ("u1", [0, 255], [0, 256]),
        ("u1", [0, 255], [-1, 0]),
        ("u2", [0, 65535], [0, 65536]),
        ("i8", [-(2**63), 2**63 - 1], None),
    ],
)
def test_int_arrays_are_accepted_exactly_when_they_fit(
    rowbuffer, dtype, ok, too_big
):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (2,), dtype, sink)
    buf.append(np.array(ok, dtype="u8" if ok[-1] >= 2**63 else "i8"))
    if too_big is not None:
        msg = _refusal_after(buf, np.array(too_big, "i8"))
        assert f"does not cast int64 to {np.dtype(dtype)}" in msg
    buf.flush()
    assert sink.rows.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(sink.rows, [ok])


def _refusal_after(buf, value) -> str:
    before = len(buf)
    with pytest.raises(ValueError) as err:
        buf.append(value)
    assert len(buf) == before
    return str(err.value)


def test_empty_int_rows_fit_any_int_dtype(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (0,), "u1", sink)
    buf.append(np.array([], "i8"))
    assert len(buf) == 1


def test_ints_do_not_fit_bool_rows(rowbuffer):
    buf = rowbuffer.RowBuffer("g", (2,), "?", Sink())
    msg = _refusal(buf, "append", np.array([0, 1], "i8"))
    assert "does not cast int64 to bool" in msg


def test_bool_arrays_fit_int_rows(rowbuffer):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (2,), "u1", sink)
    buf.append(np.array([True, False]))
    buf.flush()
    np.testing.assert_array_equal(sink.rows, [[1, 0]])


@pytest.mark.parametrize(
    "dtype, row",
    [("i1", [300, 1]), ("i8", np.array([0, 2**63], "u8"))],
)
def test_int_arrays_that_overflow_signed_rows_are_refused(
    rowbuffer, dtype, row
):
    buf = rowbuffer.RowBuffer("g", (2,), dtype, Sink())
    with pytest.raises(ValueError, match="does not cast"):
        buf.append(row)


@pytest.mark.parametrize(
    "dtype, row",
    [
        ("c8", np.array([1 + 2j, 3 - 0.5j])),  # complex128: keeps .imag
        ("U4", np.array(["ab", "xyz"])),  # <U3 into <U4
        ("S4", np.array([b"ab", b"wxyz"], "S5")),
        ("u8", np.array([2**53 + 1, 2**62 + 1], "i8")),  # not via float
    ],
)
def test_rows_cast_within_their_kind_keep_their_values(rowbuffer, dtype, row):
    sink = Sink()
    buf = rowbuffer.RowBuffer("g", (2,), dtype, sink)
    buf.append(row)
    buf.extend([row, row])
    buf.flush()
    assert sink.rows.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(sink.rows, [row.astype(dtype)] * 3)
    assert sink.rows.tolist() == [row.tolist()] * 3


def test_python_scalars_only_for_scalar_rows(rowbuffer):
    buf = rowbuffer.RowBuffer("g", (1,), "f8", Sink())
    assert "the shapes differ" in _refusal(buf, "append", 1.0)


@pytest.mark.parametrize(
    "row_shape, dtype, block_rows, error, text",
    [
        (5, "f8", None, TypeError,
         "row_shape of w must be a tuple of ints, got 5"),
        ((2, -1), "f8", None, ValueError,
         "row_shape of w is negative: (2, -1)"),
        ((2,), object, None, ValueError,
         "w: dtype object holds Python objects, which a row buffer cannot "
         "store; use a numeric, bool or fixed-size string dtype"),
        ((2,), "f8", True, TypeError,
         "block_rows of w must be an int, got True"),
        ((2,), "f8", 2.0, TypeError,
         "block_rows of w must be an int, got 2.0"),
        ((2,), "f8", 0, ValueError, "block_rows of w must be >= 1, got 0"),
        ((2,), "f8", -3, ValueError, "block_rows of w must be >= 1, got -3"),
        ((1024,), "u1", 2**20 + 1, ValueError,
         "A block of 1048577 rows of 1024 bytes for w exceeds the limit "
         "of 1073741824 bytes"),
        ((2**31, 2**31), "f8", 1, ValueError,
         "A block of 1 rows of 36893488147419103232 bytes for w exceeds "
         "the limit of 1073741824 bytes"),
        # 2**64 elements: the size must not wrap around to zero bytes
        ((2**32, 2**32), "u1", 1, ValueError,
         "A block of 1 rows of 18446744073709551616 bytes for w exceeds "
         "the limit of 1073741824 bytes"),
    ],
)  # fmt: skip
def test_layout_refusals(rowbuffer, row_shape, dtype, block_rows, error, text):
    with pytest.raises(error) as err:
        rowbuffer.RowBuffer(
            "w", row_shape, dtype, Sink(), block_rows=block_rows
        )
    assert str(err.value) == text


def test_a_block_of_exactly_the_limit_is_allowed(rowbuffer):
    buf = rowbuffer.RowBuffer("w", (1024,), "u1", Sink(), block_rows=2**20)
    assert buf.block_rows == 2**20  # np.empty: pages are not touched


@pytest.mark.parametrize(
    "row_shape, dtype, rows",
    [
        ((), "f8", 131072),
        ((3,), "u1", 349525),
        ((0,), "f8", 1048576),  # empty rows: as if one byte each
        ((), "S3", 349525),
        ((1024, 1025), "u1", 1),
    ],
)
def test_default_block_rows(rowbuffer, row_shape, dtype, rows):
    buf = rowbuffer.RowBuffer("w", row_shape, dtype, Sink())
    assert buf.block_rows == rows


def test_layout_is_normalised(rowbuffer):
    buf = rowbuffer.RowBuffer("w", [np.int64(2), 3.0], "<f4", Sink())
    assert buf.row_shape == (2, 3) and type(buf.row_shape[0]) is int
    assert buf.dtype == np.dtype("f4")
