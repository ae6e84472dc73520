"""Turn what a caller appends into rows of a row buffer's dtype and shape.

Shared by both row buffers (``_rowbuffer`` and ``_rowbuffer_py``) for their
slow paths, so the rules and the error text cannot drift apart. A value is
accepted if numpy casts it to the dtype within its kind (``same_kind``:
float64 into float32, int into float), or if it is a Python scalar or an
integer array whose values fit the dtype; nothing else is converted.
"""

from __future__ import annotations

import threading
from typing import Any, Optional, Tuple

import numpy as np

__all__ = [
    "DEFAULT_BLOCK_BYTES",
    "as_row",
    "as_rows",
    "check_layout",
    "check_owner_ended",
]

DEFAULT_BLOCK_BYTES = 1 << 20
"""Bytes of rows a buffer holds before handing a block over (1 MiB)."""

MAX_BLOCK_BYTES = 1 << 30
"""Largest block a row buffer may hold in memory (1 GiB)."""


def check_layout(
    name: str, row_shape: Any, dtype: Any, block_rows: Optional[int]
) -> Tuple[Tuple[int, ...], np.dtype, int]:
    """Validate a buffer's row layout; return shape, dtype and block rows.

    The block size is computed here with Python integers, so an absurd
    request is refused before any allocation can overflow.
    """
    try:
        shape = tuple(int(n) for n in row_shape)
    except TypeError:
        raise TypeError(
            f"row_shape of {name} must be a tuple of ints, got {row_shape!r}"
        ) from None
    if any(n < 0 for n in shape):
        raise ValueError(f"row_shape of {name} is negative: {shape}")
    dt = np.dtype(dtype)
    if dt.hasobject:
        raise ValueError(
            f"{name}: dtype {dt} holds Python objects, which a row buffer "
            "cannot store; use a numeric, bool or fixed-size string dtype"
        )
    row_nbytes = int(np.prod(shape, dtype=object)) * dt.itemsize
    if block_rows is None:
        block_rows = max(1, DEFAULT_BLOCK_BYTES // max(row_nbytes, 1))
    elif isinstance(block_rows, bool) or not isinstance(block_rows, int):
        raise TypeError(
            f"block_rows of {name} must be an int, got {block_rows!r}"
        )
    if block_rows < 1:
        raise ValueError(
            f"block_rows of {name} must be >= 1, got {block_rows}"
        )
    if block_rows * row_nbytes > MAX_BLOCK_BYTES:
        raise ValueError(
            f"A block of {block_rows} rows of {row_nbytes} bytes for {name} "
            f"exceeds the limit of {MAX_BLOCK_BYTES} bytes"
        )
    return shape, dt, block_rows


def _describe(value: Any) -> Tuple[Tuple[int, ...], str]:
    arr = value if isinstance(value, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(value)
        except Exception:
            return (), type(value).__name__
    return arr.shape, str(arr.dtype)


def _reject(
    name: str,
    value: Any,
    want: Tuple[Optional[int], ...],
    dtype: np.dtype,
    why: str,
) -> ValueError:
    shape, dt = _describe(value)
    return ValueError(
        f"Cannot append to {name}: got shape {shape} and dtype {dt}, "
        f"expected shape {want} and dtype {dtype}; {why}; nothing appended"
    )


def _ints_fit(arr: np.ndarray, dtype: np.dtype) -> bool:
    if arr.dtype.kind not in "iub" or dtype.kind not in "iu":
        return False
    if arr.size == 0:
        return True
    info = np.iinfo(dtype)
    return bool(arr.min() >= info.min and arr.max() <= info.max)


def _no_cast(arr: np.ndarray, dtype: np.dtype) -> str:
    return f"numpy does not cast {arr.dtype} to {dtype} within its kind"


def _convert(
    name: str, value: Any, want: Tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    if isinstance(value, (bool, int, float, complex)) and want == ():
        # Python scalars are cast by value (NumPy's rule for weak scalars).
        out = np.empty((), dtype)
        try:
            np.copyto(out, value, casting="same_kind")
        except TypeError:
            raise _reject(
                name, value, want, dtype, _no_cast(np.asarray(value), dtype)
            ) from None
        except OverflowError as exc:
            raise _reject(name, value, want, dtype, str(exc)) from None
        return out
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise _reject(name, value, want, dtype, str(exc)) from None
    if arr.shape != want:
        raise _reject(name, value, want, dtype, "the shapes differ")
    if arr.dtype != dtype:
        if arr.dtype.kind in "iub" and dtype.kind in "iu":
            # Between ints numpy's same_kind allows wrapping (int64 into
            # int8): what counts is whether the values fit.
            ok = np.can_cast(arr.dtype, dtype, "safe") or _ints_fit(arr, dtype)
        else:
            ok = not arr.dtype.hasobject and np.can_cast(
                arr.dtype, dtype, "same_kind"
            )
        if not ok:
            raise _reject(name, value, want, dtype, _no_cast(arr, dtype))
        arr = arr.astype(dtype)
    return arr


def as_row(
    name: str, value: Any, row_shape: Tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """Return ``value`` as one row of ``dtype`` or raise a ValueError."""
    return _convert(name, value, row_shape, dtype)


def as_rows(
    name: str, values: Any, row_shape: Tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """Return ``values`` as a stack of rows or raise a ValueError."""
    try:
        n = len(values)
    except TypeError:
        raise _reject(
            name, values, (None,) + row_shape, dtype, "expected a sequence"
        ) from None
    if n == 0:
        return np.empty((0,) + row_shape, dtype)
    return _convert(name, values, (n,) + row_shape, dtype)


def check_owner_ended(
    name: str, what: str, me: threading.Thread, owner: Any
) -> None:
    """Raise unless ``owner``, the thread a buffer belongs to, has ended.

    A buffer belongs to the first thread that appends or flushes rows:
    rows from several threads at once could be lost or duplicated, so
    another thread is refused rather than every append paying for a lock.
    Once the owner has ended, the next thread may take the buffer over.
    """
    if owner is None or owner.is_alive():
        who = "another thread" if owner is None else f"thread '{owner.name}'"
        raise RuntimeError(
            f"Cannot {what} {name} from thread '{me.name}': it belongs to "
            f"{who}, the first to use it; a row buffer takes rows from one "
            "thread at a time, nothing appended"
        )
