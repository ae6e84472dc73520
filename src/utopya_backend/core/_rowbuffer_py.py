"""Pure-Python twin of the compiled row buffer ``_rowbuffer``.

Same arguments, attributes, errors and hand-over behaviour as
``_rowbuffer.pyx``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional, Tuple

import numpy as np

from ._rowcheck import (
    DEFAULT_BLOCK_BYTES,
    as_row,
    as_rows,
    check_layout,
    check_owner_ended,
)

__all__ = ["RowBuffer", "DEFAULT_BLOCK_BYTES"]

Sink = Callable[[np.ndarray, Optional[np.ndarray]], Any]

_get_ident = threading.get_ident
_claim_lock = threading.Lock()  # makes a buffer's first claim atomic


class RowBuffer:
    """A preallocated block of typed rows, handed over when full.

    Rows are copied into a block of ``block_rows`` rows; a full block (or
    the pending rows, on :meth:`flush`) goes to ``sink(rows, labels)`` in
    one call. Memory stays bounded however many rows are appended. If the
    sink raises, the rows stay pending and the next append or flush tries
    again; the buffer never grows past its block.

    Args:
        name: How errors name the buffer, e.g. ``"time series 'x'"``.
        row_shape: Shape of one row; ``()`` for scalars.
        dtype: Numpy dtype of the rows (no object dtypes).
        sink: Called with a view of the pending rows and of their labels
            (None if unlabelled); must copy what it keeps, unless it has a
            true ``borrows_rows`` attribute: then the rows stay unchanged
            until its next call returns (a second block fills meanwhile).
        block_rows: Rows per block; default: as many as fit in 1 MiB.
        max_rows: Most rows the buffer accepts in all; None for no limit.
        label_source: If given, each row is labelled with this object's
            ``label_attr`` attribute (an int) at the time it is appended.
        label_attr: Name of that attribute.
    """

    __slots__ = (
        "_name",
        "_row_shape",
        "_dtype",
        "_sink",
        "_block_rows",
        "_max_rows",
        "_label_source",
        "_label_attr",
        "_labelled",
        "_block",
        "_spare",
        "_borrows",
        "_labels",
        "_n_pending",
        "_n_written",
        "_owner",
        "_owner_thread",
    )
    # For type checkers only: annotations without values create no class
    # attributes, so the slots above stay as they are.
    _name: str
    _row_shape: Tuple[int, ...]
    _dtype: np.dtype
    _sink: Sink
    _block_rows: int
    _max_rows: Optional[int]
    _label_source: Any
    _label_attr: str
    _labelled: bool
    _block: np.ndarray
    _spare: Optional[np.ndarray]
    _borrows: bool
    _labels: np.ndarray
    _n_pending: int
    _n_written: int
    _owner: int
    _owner_thread: Optional[threading.Thread]

    def __new__(
        cls,
        name: str,
        row_shape: Tuple[int, ...],
        dtype: Any,
        sink: Sink,
        *,
        block_rows: Optional[int] = None,
        max_rows: Optional[int] = None,
        label_source: Any = None,
        label_attr: str = "_n_iterations",
        labelled: bool = False,
    ) -> RowBuffer:
        # Everything is set up here, as the compiled class does in
        # __cinit__: no instance exists without its block.
        self = object.__new__(cls)
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        if not callable(sink):
            raise TypeError(f"sink of {name} must be callable, got {sink!r}")
        shape, dt, rows = check_layout(name, row_shape, dtype, block_rows)
        if max_rows is not None and (
            isinstance(max_rows, bool)
            or not isinstance(max_rows, int)
            or max_rows < 0
        ):
            raise ValueError(
                f"max_rows of {name} must be None or an int >= 0, "
                f"got {max_rows!r}"
            )
        self._name = name
        self._row_shape = shape
        self._dtype = dt
        self._sink = sink
        self._block_rows = rows
        self._max_rows = max_rows
        self._label_source = label_source
        self._label_attr = str(label_attr)
        self._labelled = bool(labelled) or label_source is not None
        self._block = np.empty((rows,) + shape, dt)
        self._spare = None
        self._borrows = bool(getattr(sink, "borrows_rows", False))
        self._labels = np.empty(rows if self._labelled else 0, np.int64)
        self._n_pending = 0
        self._n_written = 0
        self._owner = 0
        self._owner_thread = None
        return self

    # .. internals, the twin of the C-level API ...............................

    def _hand_over(self) -> int:
        k = self._n_pending
        if k == 0:
            return 0
        self._sink(
            self._block[:k], self._labels[:k] if self._labelled else None
        )
        self._n_written += k
        self._n_pending = 0
        if self._borrows:
            # The sink reads these rows until its next call returns: fill
            # the other block meanwhile.
            spare = self._spare
            self._spare = self._block
            self._block = (
                np.empty_like(self._spare) if spare is None else spare
            )
        return k

    def _slot(self) -> int:
        """Index of the next free row, handing over a full block first."""
        if self._max_rows is not None and len(self) >= self._max_rows:
            self._raise_full()
        if self._n_pending >= self._block_rows:
            self._hand_over()
        return self._n_pending

    def _commit(self, label: int) -> int:
        """Complete the row at :meth:`_slot`; 1 if a block was handed over."""
        k = self._n_pending
        if self._labelled:
            self._labels[k] = label
        self._n_pending = k + 1
        if self._n_pending == self._block_rows:
            self._hand_over()
            return 1
        return 0

    def _label(self) -> int:
        src = self._label_source
        if src is None:
            return 0
        return int(getattr(src, self._label_attr))

    def _check_thread(self, what: str) -> None:
        """Claim the buffer for this thread, or refuse a foreign one."""
        if self._owner != _get_ident():
            self._claim(what)

    def _claim(self, what: str) -> None:
        me = threading.current_thread()
        with _claim_lock:
            if self._owner != 0:
                check_owner_ended(self._name, what, me, self._owner_thread)
            self._owner = _get_ident()
            self._owner_thread = me

    def _raise_full(self) -> None:
        # Same text in _rowbuffer.pyx.
        raise IndexError(
            f"Cannot append to {self._name}: it holds at most "
            f"{self._max_rows} rows"
        )

    # .. Python API ...........................................................

    def append(self, row: Any) -> None:
        """Append one row: a scalar or an array of the row's shape."""
        self._check_thread("append to")
        label = self._label()
        value = as_row(self._name, row, self._row_shape, self._dtype)
        k = self._slot()
        self._block[k] = value
        self._commit(label)

    def extend(self, rows: Any) -> None:
        """Append many rows at once (a sequence or an array of rows)."""
        self._check_thread("extend")
        label = self._label()
        values = as_rows(self._name, rows, self._row_shape, self._dtype)
        n = len(values)
        if self._max_rows is not None and len(self) + n > self._max_rows:
            raise IndexError(
                f"Cannot append {n} rows to {self._name}: it holds at most "
                f"{self._max_rows} rows and has {len(self)}"
            )
        i = 0
        while i < n:
            k = self._slot()
            m = min(n - i, self._block_rows - k)
            self._block[k : k + m] = values[i : i + m]
            if self._labelled:
                self._labels[k : k + m] = label
            self._n_pending = k + m
            i += m
            if self._n_pending == self._block_rows:
                self._hand_over()

    def flush(self) -> int:
        """Hand the pending rows to the sink; return how many."""
        if self._n_pending:
            self._check_thread("flush")
        return self._hand_over()

    def __len__(self) -> int:
        return self._n_written + self._n_pending

    @property
    def name(self) -> str:
        """How errors name this buffer."""
        return self._name

    @property
    def row_shape(self) -> Tuple[int, ...]:
        """Shape of one row."""
        return self._row_shape

    @property
    def dtype(self) -> np.dtype:
        """Numpy dtype of the rows."""
        return self._dtype

    @property
    def block_rows(self) -> int:
        """Rows held in memory before a block is handed over."""
        return self._block_rows

    @property
    def max_rows(self) -> Optional[int]:
        """Most rows accepted in all, or None."""
        return self._max_rows

    @property
    def labelled(self) -> bool:
        """Whether each row carries an int label."""
        return self._labelled

    @property
    def n_pending(self) -> int:
        """Rows appended but not yet handed over."""
        return self._n_pending

    @property
    def n_written(self) -> int:
        """Rows the sink accepted."""
        return self._n_written

    def __repr__(self) -> str:
        return (
            f"<RowBuffer {self._name}: {len(self)} rows of shape "
            f"{self._row_shape} and dtype {self._dtype}, "
            f"{self._n_pending} pending>"
        )
