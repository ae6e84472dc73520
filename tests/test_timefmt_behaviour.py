"""``format_time``: what the timing tables and the log summary print.

Fixed examples at every unit boundary (1 µs, 1 ms, 1 s, 60 s, 1 h, 1 day),
on both sides of it and where rounding crosses it, plus the values that are
no durations: negative, NaN and infinite.
"""

from __future__ import annotations

import math

import pytest

from utopya_backend.core._timefmt import format_time


@pytest.mark.parametrize(
    "seconds, text",
    [
        # zero, and the sign
        (0.0, "0s"),
        (0, "0s"),
        (-0.0, "0s"),
        (-1.5, "-1.50s"),
        (-125, "-2m 5s"),
        (-2e-9, "-2ns"),
        # below 1 µs: whole nanoseconds, rounded
        (1e-9, "1ns"),
        (850e-9, "850ns"),
        (999e-9, "999ns"),
        (999.4e-9, "999ns"),
        (999.6e-9, "1000ns"),  # rounds up but stays in its unit
        (1.4e-9, "1ns"),
        (1.6e-9, "2ns"),
        (500.4999999998e-9, "500ns"),  # exactly 1e9 ns per second
        # 1 µs to 1 ms: one decimal fewer than ms_precision
        (1e-6, "1.0µs"),
        (12.34e-6, "12.3µs"),
        (12.36e-6, "12.4µs"),
        (500.04999e-6, "500.0µs"),  # exactly 1e6 µs per second
        (999.9e-6, "999.9µs"),
        (999.97e-6, "1000.0µs"),
        # 1 ms to 1 s
        (1e-3, "1.00ms"),
        (4.561e-3, "4.56ms"),
        (4.569e-3, "4.57ms"),
        (0.999994, "999.99ms"),
        (0.999996, "1000.00ms"),
        # 1 s to 60 s
        (1.0, "1.00s"),
        (1.505001, "1.51s"),
        (59.99, "59.99s"),
        (59.996, "60.00s"),
        # from 60 s: minutes and seconds, rounded to whole seconds
        (60.0, "1m 0s"),
        (61.0, "1m 1s"),
        (119.4, "1m 59s"),
        (119.6, "2m 0s"),
        (125.0, "2m 5s"),
        (3599.0, "59m 59s"),
        (3599.6, "1h 0m"),  # rounding reaches the next unit
        # from 1 h: hours and minutes
        (3600.0, "1h 0m"),
        (3661.0, "1h 1m"),
        (3 * 3600 + 2 * 60 + 59, "3h 2m"),
        (86399.0, "23h 59m"),
        # from 1 day: days and hours
        (86400.0, "1d 0h"),
        (86400.0 + 4 * 3600 + 59 * 60, "1d 4h"),
        (10 * 86400 + 23 * 3600, "10d 23h"),
    ],
)
def test_examples_at_every_unit(seconds, text):
    assert format_time(seconds) == text


@pytest.mark.parametrize(
    "seconds, text",
    [
        (math.nan, "nan"),
        (-math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_values_that_are_no_durations(seconds, text):
    assert format_time(seconds) == text
    assert format_time(seconds, ms_precision=5) == text


@pytest.mark.parametrize(
    "seconds, precision, text",
    [
        (1.23456, 0, "1s"),
        (1.23456, 1, "1.2s"),
        (1.23456, 4, "1.2346s"),
        (4.56789e-3, 0, "5ms"),
        (4.56789e-3, 3, "4.568ms"),
        (12.3456e-6, 0, "12µs"),
        (12.3456e-6, 1, "12µs"),
        (12.3456e-6, 3, "12.35µs"),
        (850e-9, 5, "850ns"),
        (125.0, 5, "2m 5s"),
        # a negative precision means none, never an error
        (1.23456, -3, "1s"),
        (4.56789e-3, -1, "5ms"),
        (12.3456e-6, -2, "12µs"),
        # a float precision is truncated to an int
        (1.23456, 2.9, "1.23s"),
        # negative values keep the precision asked for
        (-1.23456, 3, "-1.235s"),
        (-12.3456e-6, 3, "-12.35µs"),
    ],
)
def test_ms_precision(seconds, precision, text):
    assert format_time(seconds, ms_precision=precision) == text
