"""Argument checks shared by compiled classes and their twins.

Both call the same function, so their errors cannot drift apart (the
compiled classes would otherwise raise Cython's own wording).
"""

from __future__ import annotations

from typing import Any, Tuple, Type, Union

import numpy as np

__all__ = [
    "check_deflate_ring",
    "check_iteration_timers",
    "check_loop_plan",
    "check_loop_state",
]

# Bounds, not a range: ``in range`` is a linear search for int subclasses.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def check_iteration_timers(
    timer_type: type,
    rows_type: Type[Any],
    full_iteration: Any,
    model_iteration: Any,
    write_data: Any,
    columns: Any,
    rows: Any,
) -> Tuple[Any, ...]:
    """Check the arguments of ``IterationTimers``; return the columns.

    The clock check stays with each class: only it can see the timers'
    clocks.
    """
    named = dict(
        full_iteration=full_iteration,
        model_iteration=model_iteration,
        write_data=write_data,
    )
    for name, value in named.items():
        if not isinstance(value, timer_type):
            raise TypeError(
                f"IterationTimers: {name} must be a Timer, got {value!r}"
            )
    if rows is not None and not isinstance(rows, rows_type):
        raise TypeError(
            f"IterationTimers: rows must be a RowBuffer or None, got {rows!r}"
        )
    cols = tuple(columns)
    for t in cols:
        if not isinstance(t, timer_type):
            raise TypeError(
                f"IterationTimers: columns must be Timers, got {t!r}"
            )
    if rows is not None and (
        rows.dtype != np.float64
        or rows.row_shape != (len(cols),)
        or not rows.labelled
    ):
        raise ValueError(
            f"rows must be a labelled float64 buffer with rows of shape "
            f"({len(cols)},), got {rows!r}"
        )
    return cols


def check_loop_plan(
    timers_type: type, timers: Any, signal_info: Any, **ints: Any
) -> None:
    """Check the arguments of ``LoopPlan`` that have a type in C."""
    if timers is not None and not isinstance(timers, timers_type):
        raise TypeError(
            f"LoopPlan: timers must be IterationTimers or None, "
            f"got {timers!r}"
        )
    if signal_info is not None and not isinstance(signal_info, dict):
        raise TypeError(
            f"LoopPlan: signal_info must be a dict or None, "
            f"got {signal_info!r}"
        )
    for key, value in ints.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"LoopPlan: {key} must be an int, got {value!r}")
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise OverflowError(
                f"LoopPlan: {key}={value} does not fit in int64"
            )
    if ints["write_every"] < 1:
        raise ValueError(
            f"LoopPlan: write_every must be >= 1, got {ints['write_every']}"
        )


def check_loop_state(
    counters_type: Union[type, Tuple[type, ...]],
    counters: Any,
    signal_flag: Any,
) -> None:
    """Check the ``counters`` and ``signal_flag`` arguments of
    ``LoopPlan``."""
    if counters is not None and not isinstance(counters, counters_type):
        raise TypeError(
            f"LoopPlan: counters must be LoopCounters or None, "
            f"got {counters!r}"
        )
    if signal_flag is not None and not (
        isinstance(signal_flag, bytearray) and len(signal_flag) >= 1
    ):
        raise TypeError(
            f"LoopPlan: signal_flag must be a non-empty bytearray or None, "
            f"got {signal_flag!r}"
        )


def check_deflate_ring(chunk_nbytes: Any, n_slots: Any, level: Any) -> None:
    """Check the arguments of ``DeflateRing``: ints, a chunk of at least
    one byte, at least two slots (one filling while one compresses), a
    deflate level from 0 to 9."""
    named = dict(chunk_nbytes=chunk_nbytes, n_slots=n_slots, level=level)
    for key, value in named.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(
                f"DeflateRing: {key} must be an int, got {value!r}"
            )
    if not 1 <= chunk_nbytes <= 2**32 - 1:
        raise ValueError(
            "DeflateRing: chunk_nbytes must be from 1 to 2**32 - 1 (HDF5's "
            f"largest chunk), got {chunk_nbytes}"
        )
    if not 2 <= n_slots <= 2**20:
        raise ValueError(
            f"DeflateRing: n_slots must be from 2 to 2**20, got {n_slots}"
        )
    if not 0 <= level <= 9:
        raise ValueError(
            f"DeflateRing: level must be from 0 to 9, got {level}"
        )
