"""Timer statistics as a user reads them: bucket layout, percentiles,
figures checked against numpy on the same samples, merging, the stored row,
the pure-Python recorder and the check of a saved state (issue 20).

Expected bucket edges are written out by hand from the layout of
``_tstats.h`` (one bucket per ns below 16 ns, then 8 per power of two).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from utopya_backend.bench import _stats
from utopya_backend.core import _timerstats
from utopya_backend.core._timerstats import (
    N_BUCKETS,
    TimerStats,
    bucket_edges_ns,
    bucket_index,
    bucket_lower_ns,
    check_saved_state,
    merge,
    record_py,
)

# .. layout ...................................................................

# (duration ns, bucket): 16..17 share bucket 16, 18..19 bucket 17, ...
KNOWN_BUCKETS = [
    (-5, 0),
    (0, 0),
    (1, 1),
    (2, 2),
    (15, 15),
    (16, 16),
    (17, 16),
    (18, 17),
    (31, 23),
    (32, 24),
    (35, 24),
    (36, 25),
    (63, 31),
    (64, 32),
    (959, 62),
    (960, 63),
    (1000, 63),
    (1023, 63),
    (1024, 64),
    (2**63 - 1, 487),
]


@pytest.mark.parametrize("d, i", KNOWN_BUCKETS)
def test_bucket_index_of_known_durations(d, i):
    assert bucket_index(d) == i


# (bucket, lower edge ns)
KNOWN_EDGES = [
    (0, 0),
    (1, 1),
    (15, 15),
    (16, 16),
    (17, 18),
    (23, 30),
    (24, 32),
    (25, 36),
    (63, 960),
    (64, 1024),
    (487, 15 << 59),
]


@pytest.mark.parametrize("i, lo", KNOWN_EDGES)
def test_bucket_lower_edge_of_known_buckets(i, lo):
    assert bucket_lower_ns(i) == lo
    assert bucket_index(lo) == i  # the edge falls into its own bucket
    if lo > 0:
        assert bucket_index(lo - 1) == i - 1


def test_bucket_edges_are_the_lower_edges_and_two_to_the_63():
    edges = bucket_edges_ns()
    assert edges.dtype == np.float64
    assert edges.shape == (N_BUCKETS + 1,) == (489,)
    assert edges[:18].tolist() == list(range(16)) + [16.0, 18.0]
    assert edges[24] == 32.0 and edges[63] == 960.0
    assert edges[-2] == float(15 << 59)
    assert edges[-1] == 2.0**63
    assert np.all(np.diff(edges) > 0)
    assert np.array_equal(edges, _timerstats._EDGES)


# .. figures against numpy ....................................................

SAMPLES = [16, 17, 1000, 250, 3, 77, 4096, 1000, 12, 99999]


def test_figures_match_numpy_on_the_same_samples():
    s = TimerStats.from_durations(SAMPLES)
    a = np.array(SAMPLES, dtype=np.float64) / 1e9
    assert s.count == len(SAMPLES)
    assert s.total == pytest.approx(a.sum(), rel=1e-12)
    assert s.mean == pytest.approx(a.mean(), rel=1e-12)
    assert s.std == pytest.approx(a.std(), rel=1e-9)  # population std
    assert s.min == a.min() and s.max == a.max()
    want = np.bincount([bucket_index(d) for d in SAMPLES], minlength=488)
    assert np.array_equal(s.counts, want)


@pytest.mark.parametrize("q", [0, 10, 50, 90, 99, 100])
def test_percentile_within_an_eighth_of_numpys_nearest_rank(q):
    s = TimerStats.from_durations(SAMPLES)
    true = np.percentile(SAMPLES, q, method="inverted_cdf") / 1e9
    got = s.percentile(q)
    assert got is not None
    assert abs(got - true) <= true / 8


def test_percentile_is_the_middle_of_its_bucket():
    # Bucket 16 holds 16 and 17 ns: its middle is 16.5 ns.
    s = TimerStats.from_durations([16, 17, 1000])
    assert s.percentile(0) == 16.5e-9
    assert s.percentile(33) == 16.5e-9
    assert s.percentile(34) == 16.5e-9  # rank ceil(1.02) = 2: still 17 ns
    assert s.percentile(67) == 991.5e-9  # bucket 63: 960 .. 1023 ns
    # Bucket 64 (1024 .. 1151 ns): middle 1087.5
    s = TimerStats.from_durations([1, 1024, 1030, 5000])
    assert s.percentile(25) == 1e-9
    assert s.percentile(26) == 1087.5e-9
    assert s.percentile(75) == 1087.5e-9


def test_percentile_below_16_ns_is_exact():
    s = TimerStats.from_durations([3, 5, 9, 1000])
    assert s.percentile(0) == 3e-9
    assert s.percentile(50) == 5e-9
    assert s.percentile(75) == 9e-9


def test_percentile_clamped_to_min_and_max():
    # 960 and 961 share bucket 63 (960 .. 1023), middle 991.5 ns.
    s = TimerStats.from_durations([960, 961])
    assert s.percentile(100) == 961e-9
    s = TimerStats.from_durations([1000, 1001])
    assert s.percentile(0) == 1000e-9


def test_percentile_zero_is_the_smallest_rank():
    s = TimerStats.from_durations([2, 7, 7, 7])
    assert s.percentile(0) == 2e-9
    assert s.percentile(25) == 2e-9
    assert s.percentile(26) == 7e-9


def test_percentile_without_a_histogram_stays_within_min_and_max():
    # Built by hand without counts: the last bucket, clamped to max.
    s = TimerStats(count=2, sum_ns=30, min_ns=10, max_ns=20)
    assert s.percentile(50) == 20e-9


@pytest.mark.parametrize("q", [-0.5, 100.5, 1000])
def test_percentile_out_of_range_is_refused(q):
    s = TimerStats.from_durations([5])
    with pytest.raises(ValueError) as err:
        s.percentile(q)
    assert str(err.value) == f"percentile must be in [0, 100], got {q!r}"


def test_empty_stats_have_no_figures():
    s = TimerStats()
    assert s.percentile(50) is None
    assert s.percentile(1000) is None  # no check without values
    assert s.percentiles() == {"p50": None, "p90": None, "p99": None}


def test_percentiles_named_by_their_value():
    s = TimerStats.from_durations([3, 5, 9])
    assert s.percentiles() == {"p50": 5e-9, "p90": 9e-9, "p99": 9e-9}
    assert s.percentiles((0, 99.9)) == {"p0": 3e-9, "p99.9": 9e-9}


def test_summary_values():
    s = TimerStats.from_durations([3, 5, 10])
    assert s.summary() == dict(
        count=3,
        total=18e-9,
        mean=6e-9,
        std=pytest.approx(np.std([3e-9, 5e-9, 10e-9]), rel=1e-9),
        min=3e-9,
        max=10e-9,
        p50=5e-9,
        p90=10e-9,
        p99=10e-9,
    )


def test_row_follows_the_stored_columns():
    s = TimerStats.from_durations([3, 5, 10])
    row = s.row()
    assert len(row) == len(_stats.STAT_COLUMNS)
    assert dict(zip(_stats.STAT_COLUMNS, row)) == dict(
        count=3.0,
        sum=18e-9,
        sum_sq=134e-18,
        min=3e-9,
        max=10e-9,
        mean=6e-9,
        std=pytest.approx(np.std([3e-9, 5e-9, 10e-9]), rel=1e-9),
        p50=5e-9,
        p90=10e-9,
        p99=10e-9,
    )
    assert all(isinstance(v, float) for v in row)


def test_row_of_empty_stats_is_nan_where_undefined():
    row = TimerStats().row()
    assert row[:3] == [0.0, 0.0, 0.0]
    assert all(math.isnan(v) for v in row[3:])


def test_stored_row_reads_back():
    s = TimerStats.from_durations(SAMPLES)
    assert TimerStats.from_stored(s.row(), s.counts) == s


# .. merging and equality .....................................................


def test_adding_equals_recording_both_streams():
    a, b = [5, 900, 16], [2, 70000]
    got = TimerStats.from_durations(a) + TimerStats.from_durations(b)
    want = TimerStats.from_durations(a + b)
    assert got == want
    assert (got.min_ns, got.max_ns, got.count) == (2, 70000, 5)
    assert got.sum_sq_ns2 == sum(d * d for d in a + b)


def test_adding_an_empty_stream_keeps_min_and_max():
    a = TimerStats.from_durations([7, 3])
    for got in (a + TimerStats(), TimerStats() + a):
        assert (got.min_ns, got.max_ns) == (3, 7)
        assert got == a
    empty = TimerStats() + TimerStats()
    assert (empty.min_ns, empty.max_ns, empty.count) == (None, None, 0)


def test_adding_anything_else_is_a_type_error():
    with pytest.raises(TypeError):
        TimerStats() + 1  # type: ignore[operator]


def test_merge_of_many_and_of_none():
    parts = [[1, 2], [3000], [], [40, 50, 60]]
    got = merge(TimerStats.from_durations(p) for p in parts)
    assert got == TimerStats.from_durations([1, 2, 3000, 40, 50, 60])
    assert merge([]) == TimerStats()


@pytest.mark.parametrize(
    "field, value",
    [
        ("count", 4),
        ("sum_ns", 1),
        ("min_ns", 2),
        ("max_ns", 9),
        ("sum_sq_ns2", 7),
    ],
)
def test_stats_differing_in_one_field_are_not_equal(field, value):
    a = TimerStats.from_durations([3, 5])
    b = TimerStats.from_durations([3, 5])
    assert a == b
    setattr(b, field, value)
    assert a != b
    assert not a == b


def test_stats_differing_in_the_histogram_are_not_equal():
    a = TimerStats.from_durations([3, 5])
    b = TimerStats.from_durations([3, 5])
    b.counts = b.counts.copy()
    b.counts[100] = 1
    assert a != b


def test_comparing_with_another_type_is_false():
    assert (TimerStats() == 0) is False
    assert (TimerStats() != "x") is True


# .. the pure-Python recorder .................................................


def test_record_py_matches_from_durations():
    state = [0, 0, None, None, 0]
    counts = [0] * N_BUCKETS
    for d in SAMPLES:
        record_py(state, counts, d)
    want = TimerStats.from_durations(SAMPLES)
    assert state == [
        want.count,
        want.sum_ns,
        want.min_ns,
        want.max_ns,
        want.sum_sq_ns2,
    ]
    assert counts == want.counts.tolist()


def test_record_py_min_and_max_follow_the_values():
    state = [0, 0, None, None, 0]
    counts = [0] * N_BUCKETS
    record_py(state, counts, 50)
    assert state == [1, 50, 50, 50, 2500]
    record_py(state, counts, 20)
    assert state[2:4] == [20, 50]
    record_py(state, counts, 80)
    assert state[2:4] == [20, 80]
    assert counts[bucket_index(50)] == 1 and sum(counts) == 3


def test_record_py_sum_of_squares_wraps_at_2_to_the_128():
    state = [0, 0, None, None, 2**128 - 1]
    counts = [0] * N_BUCKETS
    record_py(state, counts, 1)
    assert state[4] == 0 and isinstance(state[4], int)
    state[4] = 2**128 - 2**124 + 5
    record_py(state, counts, 2**62)
    assert state[4] == 5


# .. saved states .............................................................


def _state(count=1, total=5, lo=5, hi=5, sumsq=25, hist=((5, 1),)):
    return (count, total, lo, hi, sumsq, hist)


def test_saved_state_comes_back_as_ints():
    got = check_saved_state(
        _state(np.int64(2), np.int32(9), 4, 5, np.uint64(41), [(4, 1)])
    )
    assert got == (2, 9, 4, 5, 41, [(4, 1)])
    assert all(type(v) is int for v in got[:5])


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63)])
@pytest.mark.parametrize("where", ["count", "total", "lo", "hi", "n"])
def test_saved_state_int64_limits_are_accepted(value, where):
    kw = dict(hist=((5, value),)) if where == "n" else {where: value}
    got = check_saved_state(_state(**kw))
    assert value in got[:4] or got[5] == [(5, value)]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
@pytest.mark.parametrize("where", ["count", "total", "lo", "hi", "n"])
def test_saved_state_beyond_int64_is_refused(value, where):
    kw = dict(hist=((5, value),)) if where == "n" else {where: value}
    with pytest.raises(ValueError) as err:
        check_saved_state(_state(**kw))
    assert str(err.value) == f"saved timer statistic {value} out of int64"


@pytest.mark.parametrize("sumsq", [0, 2**128 - 1])
def test_saved_sum_of_squares_limits_are_accepted(sumsq):
    assert check_saved_state(_state(sumsq=sumsq))[4] == sumsq


@pytest.mark.parametrize("sumsq", [-1, 2**128])
def test_saved_sum_of_squares_out_of_range_is_refused(sumsq):
    with pytest.raises(ValueError) as err:
        check_saved_state(_state(sumsq=sumsq))
    assert str(err.value) == (
        f"saved sum of squares {sumsq} out of range 0 .. 2**128 - 1"
    )


@pytest.mark.parametrize("i", [0, N_BUCKETS - 1])
def test_saved_bucket_limits_are_accepted(i):
    assert check_saved_state(_state(hist=((i, 3),)))[5] == [(i, 3)]


@pytest.mark.parametrize("i", [-1, N_BUCKETS])
def test_saved_bucket_out_of_range_is_refused(i):
    with pytest.raises(ValueError) as err:
        check_saved_state(_state(hist=((i, 3),)))
    assert str(err.value) == f"histogram bucket {i} out of range"


def test_saved_state_of_floats_is_refused():
    with pytest.raises(TypeError):
        check_saved_state(_state(total=5.0))
    with pytest.raises(TypeError):
        check_saved_state(_state(sumsq=25.0))
    with pytest.raises(TypeError):
        check_saved_state(_state(hist=((5.0, 1),)))


def test_stats_module_exports_the_layout_not_the_recorder():
    assert "record_py" not in _stats.__all__
    assert "process_resources" in _stats.__all__
    assert {"TimerStats", "merge", "bucket_index", "PERCENTILES"} <= set(
        _stats.__all__
    )


# .. reading back .............................................................


def test_stored_seconds_read_back_to_the_nanosecond():
    s = TimerStats.from_durations([1_500_000_000, 2_000_000_007])
    got = TimerStats.from_stored(s.row(), s.counts)
    assert (got.sum_ns, got.min_ns, got.max_ns) == (
        3_500_000_007,
        1_500_000_000,
        2_000_000_007,
    )


def test_stored_row_without_sum_and_sum_sq_reads_as_zero():
    s = TimerStats.from_durations([4, 6])
    nan = float("nan")
    got = TimerStats.from_stored([2.0, nan, nan, 4e-9, 6e-9], s.counts)
    assert (got.count, got.sum_ns, got.sum_sq_ns2) == (2, 0, 0)
    assert (got.min_ns, got.max_ns) == (4, 6)
    got = TimerStats.from_stored([2.0, 10e-9], s.counts)  # a short row
    assert (got.sum_ns, got.sum_sq_ns2, got.min_ns) == (10, 0, None)


def test_stored_min_and_max_ignored_without_invocations():
    row = [0.0, 0.0, 0.0, 5e-9, 7e-9]
    got = TimerStats.from_stored(row, np.zeros(N_BUCKETS))
    assert (got.min_ns, got.max_ns) == (None, None)
    assert got == TimerStats()


def test_stored_counts_become_int64_of_the_bucket_layout():
    s = TimerStats.from_durations([3, 900])
    got = TimerStats.from_stored(s.row(), s.counts.astype(np.float64))
    assert got.counts.dtype == np.int64 and got.counts.shape == (N_BUCKETS,)
    assert got == s
    got = TimerStats.from_stored(s.row(), s.counts[None, :])
    assert got.counts.shape == (N_BUCKETS,)
    with pytest.raises(ValueError):
        TimerStats.from_stored(s.row(), np.zeros(100))


def test_recorded_counts_are_int64():
    assert TimerStats.from_durations([1, 2]).counts.dtype == np.int64


def test_from_raw_takes_a_cores_fields():
    hist = [0] * N_BUCKETS
    hist[5] = 2
    got = TimerStats.from_raw(2, 10, 5, 5, 50, hist)
    assert got == TimerStats.from_durations([5, 5])
    assert got.counts.dtype == np.int64 and got.counts.shape == (N_BUCKETS,)
    empty = TimerStats.from_raw(0, 0, 7, 9, 0, [0] * N_BUCKETS)
    assert (empty.min_ns, empty.max_ns) == (None, None)
    with pytest.raises(ValueError):
        TimerStats.from_raw(1, 5, 5, 5, 25, [0] * (N_BUCKETS + 1))
