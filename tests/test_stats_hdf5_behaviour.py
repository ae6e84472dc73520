"""What the benchmark group of an output file holds: the histogram, its
edges, the statistics table and the resources, with the labels utopya's
data manager reads; and reading them back, also from hand-written files
(issue 20).
"""

from __future__ import annotations

import math

import h5py
import numpy as np
import pytest

from utopya_backend.bench._resources import RESOURCE_LABELS
from utopya_backend.bench._stats_hdf5 import (
    read_resources,
    read_stats,
    write_stats,
)
from utopya_backend.core._timerstats import (
    _EDGES,
    N_BUCKETS,
    STAT_COLUMNS,
    TimerStats,
)

RES = dict(cpu_user=1.5, cpu_system=0.25, cpu=1.75, wall=2.0, peak_rss=4e6)


@pytest.fixture
def grp(tmp_path):
    with h5py.File(tmp_path / "out.h5", "w") as f:
        yield f.create_group("benchmark")


def _two():
    return {
        "model_iteration": TimerStats.from_durations([3, 5, 1000]),
        "write_data": TimerStats.from_durations([20]),
    }


def test_histogram_holds_the_counts_per_timer(grp):
    stats = _two()
    write_stats(grp, stats, RES, None)
    h = grp["histogram"]
    assert h.shape == (2, N_BUCKETS) and h.dtype == np.int64
    assert np.array_equal(h[0], stats["model_iteration"].counts)
    assert np.array_equal(h[1], stats["write_data"].counts)
    assert list(h.attrs["dim_names"]) == ["label", "bucket"]
    assert h.attrs["coords_mode__label"] == "values"
    assert list(h.attrs["coords__label"]) == ["model_iteration", "write_data"]
    assert h.attrs["coords_mode__bucket"] == "values"
    assert np.array_equal(h.attrs["coords__bucket"], _EDGES[:-1] / 1e9)
    assert h.attrs["coords__bucket"][17] == 18e-9
    assert h.attrs["sub_bits"] == 3
    assert h.attrs["layout"] == (
        "log-linear: one bucket per ns below 16 ns, then 8 equal buckets "
        "per power of two of the duration in ns; bucket coordinate = lower "
        "edge in seconds; edges in histogram_edges"
    )
    assert h.compression is None


def test_histogram_edges_in_seconds(grp):
    write_stats(grp, _two(), None, None)
    e = grp["histogram_edges"]
    assert e.shape == (N_BUCKETS + 1,)
    assert e[16] == 16e-9 and e[-1] == 2.0**63 / 1e9
    assert list(e.attrs["dim_names"]) == ["edge"]
    assert e.attrs["units"] == "s"


def test_stats_table_holds_each_timers_row(grp):
    stats = _two()
    write_stats(grp, stats, None, None)
    st = grp["stats"]
    assert st.shape == (2, len(STAT_COLUMNS)) and st.dtype == np.float64
    assert st[0].tolist() == stats["model_iteration"].row()
    assert st[1].tolist() == stats["write_data"].row()
    assert st[1, 0] == 1.0 and st[1, 1] == 20e-9
    assert list(st.attrs["dim_names"]) == ["label", "stat"]
    assert st.attrs["coords_mode__label"] == "values"
    assert list(st.attrs["coords__label"]) == ["model_iteration", "write_data"]
    assert st.attrs["coords_mode__stat"] == "values"
    assert list(st.attrs["coords__stat"]) == list(STAT_COLUMNS)
    assert st.attrs["units"] == (
        "count: invocations; sum_sq: s^2; others: seconds per invocation "
        "(sum: seconds); std: population standard deviation"
    )


def test_resources_stored_in_label_order(grp):
    write_stats(grp, _two(), RES, None)
    r = grp["resources"]
    assert r[()].tolist() == [1.5, 0.25, 1.75, 2.0, 4e6]
    assert r.dtype == np.float64
    assert list(r.attrs["dim_names"]) == ["label"]
    assert r.attrs["coords_mode__label"] == "values"
    assert list(r.attrs["coords__label"]) == list(RESOURCE_LABELS)
    assert list(r.attrs["units"]) == ["s", "s", "s", "s", "bytes"]


def test_no_resources_no_dataset(grp):
    write_stats(grp, _two(), None, None)
    assert "resources" not in grp
    assert read_resources(grp) == {}


def test_compression_applies_to_the_histogram(grp):
    write_stats(grp, _two(), RES, 4)
    h = grp["histogram"]
    assert h.compression == "gzip" and h.compression_opts == 4


@pytest.mark.parametrize("level", [0, None])
def test_compression_level_zero_or_none_stores_uncompressed(grp, level):
    write_stats(grp, _two(), RES, level)
    assert grp["histogram"].compression is None
    assert grp["histogram"].chunks is None


def test_no_timers_store_empty_tables_even_compressed(grp):
    write_stats(grp, {}, RES, 4)
    assert grp["histogram"].shape == (0, N_BUCKETS)
    assert grp["stats"].shape == (0, len(STAT_COLUMNS))
    assert read_stats(grp) == {}


def test_writing_again_replaces_the_datasets(grp):
    write_stats(grp, _two(), RES, None)
    one = {"x": TimerStats.from_durations([7])}
    write_stats(grp, one, None, None)
    assert read_stats(grp) == one
    assert "resources" not in grp
    assert grp["histogram"].shape == (1, N_BUCKETS)


def test_written_stats_read_back(grp):
    stats = _two()
    stats["idle"] = TimerStats()
    write_stats(grp, stats, RES, 1)
    got = read_stats(grp)
    assert list(got) == ["model_iteration", "write_data", "idle"]
    assert got == stats
    assert got["model_iteration"].percentile(50) == 5e-9
    assert got["idle"].min_ns is None and got["idle"].count == 0
    assert read_resources(grp) == RES


def test_reading_a_group_without_statistics_gives_nothing(grp):
    assert read_stats(grp) == {}
    write_stats(grp, _two(), None, None)
    del grp["histogram"]
    assert read_stats(grp) == {}
    write_stats(grp, _two(), None, None)
    del grp["stats"]
    assert read_stats(grp) == {}


def test_histogram_of_another_layout_is_refused(grp):
    write_stats(grp, _two(), None, None)
    del grp["histogram"]
    h = grp.create_dataset("histogram", data=np.zeros((2, 100), np.int64))
    h.attrs["coords__label"] = ["model_iteration", "write_data"]
    with pytest.raises(ValueError) as err:
        read_stats(grp)
    assert str(err.value) == (
        "/benchmark/histogram has shape (2, 100), expected (2, 488) "
        "(this version's bucket layout)"
    )


def test_histogram_of_one_dimension_is_refused(grp):
    write_stats(grp, {"a": TimerStats.from_durations([1])}, None, None)
    del grp["histogram"]
    grp.create_dataset("histogram", data=np.zeros(N_BUCKETS, np.int64))
    with pytest.raises(ValueError, match=r"has shape \(488,\), expected"):
        read_stats(grp)


def test_histogram_and_table_of_different_timers_are_refused(grp):
    write_stats(grp, _two(), None, None)
    grp["histogram"].attrs["coords__label"] = ["model_iteration", "other"]
    with pytest.raises(ValueError) as err:
        read_stats(grp)
    assert str(err.value) == (
        "/benchmark/histogram and /benchmark/stats label different timers"
    )


def test_byte_string_labels_and_reordered_columns_are_read(grp):
    # As another writer might store them: fixed-length byte strings and
    # the columns in another order, one missing.
    s = TimerStats.from_durations([3, 5, 1000])
    row = dict(zip(STAT_COLUMNS, s.row()))
    cols = ["max", "count", "min", "sum", "sum_sq"]
    st = grp.create_dataset("stats", data=[[row[c] for c in cols]])
    st.attrs["coords__label"] = np.array([b"walker"], dtype="S")
    st.attrs["coords__stat"] = np.array([c.encode() for c in cols], "S")
    h = grp.create_dataset("histogram", data=s.counts[None, :])
    h.attrs["coords__label"] = np.array([b"walker"], dtype="S")
    got = read_stats(grp)
    assert list(got) == ["walker"]
    assert got["walker"] == s


def test_a_single_label_stored_as_a_scalar_is_read(grp):
    s = TimerStats.from_durations([9])
    st = grp.create_dataset("stats", data=[s.row()])
    st.attrs["coords__label"] = "solo"
    st.attrs["coords__stat"] = list(STAT_COLUMNS)
    h = grp.create_dataset("histogram", data=s.counts[None, :])
    h.attrs["coords__label"] = "solo"
    assert read_stats(grp) == {"solo": s}


def test_unknown_resources_read_as_none(grp):
    res = dict(RES, peak_rss=float("nan"), cpu=math.inf)
    write_stats(grp, _two(), res, None)
    got = read_resources(grp)
    assert got == dict(RES, peak_rss=None, cpu=None)
    assert all(type(v) is float for v in got.values() if v is not None)


def test_resources_with_byte_labels_and_a_scalar_value(grp):
    r = grp.create_dataset("resources", data=3.5)
    r.attrs["coords__label"] = np.array([b"wall"], dtype="S")
    assert read_resources(grp) == {"wall": 3.5}


def test_unlabelled_statistics_are_refused(grp):
    s = TimerStats.from_durations([9])
    grp.create_dataset("stats", data=[s.row()])
    h = grp.create_dataset("histogram", data=s.counts[None, :])
    h.attrs["coords__label"] = ["a"]
    with pytest.raises(ValueError, match="expected \\(0, 488\\)"):
        read_stats(grp)


def test_unlabelled_histogram_is_refused_whatever_the_timers_name(grp):
    write_stats(grp, {"None": TimerStats.from_durations([9])}, None, None)
    del grp["histogram"].attrs["coords__label"]
    with pytest.raises(ValueError, match="label different timers"):
        read_stats(grp)


def test_unlabelled_resources_read_as_nothing(grp):
    grp.create_dataset("resources", data=[1.0, 2.0])
    assert read_resources(grp) == {}


def test_float32_tables_read_to_the_nearest_nanosecond(grp):
    s = TimerStats.from_durations([100_000_000])  # 0.1 s
    st = grp.create_dataset("stats", data=[s.row()], dtype=np.float32)
    st.attrs["coords__label"] = ["t"]
    st.attrs["coords__stat"] = list(STAT_COLUMNS)
    h = grp.create_dataset("histogram", data=s.counts[None, :])
    h.attrs["coords__label"] = ["t"]
    got = read_stats(grp)["t"]
    want = round(float(np.float32(0.1)) * 1e9)
    assert want == 100_000_001
    assert got.sum_ns == got.min_ns == want
    r = grp.create_dataset("resources", data=[0.1], dtype=np.float32)
    r.attrs["coords__label"] = ["wall"]
    assert read_resources(grp) == {"wall": float(np.float32(0.1))}


def test_statistics_without_a_count_column_are_refused(grp):
    s = TimerStats.from_durations([9])
    st = grp.create_dataset("stats", data=[s.row()[1:]])
    st.attrs["coords__label"] = ["t"]
    st.attrs["coords__stat"] = list(STAT_COLUMNS[1:])
    h = grp.create_dataset("histogram", data=s.counts[None, :])
    h.attrs["coords__label"] = ["t"]
    with pytest.raises(ValueError) as err:
        read_stats(grp)
    assert str(err.value) == "/benchmark/stats has no 'count' column"


def test_statistics_without_sums_read_with_zero_sums(grp):
    s = TimerStats.from_durations([9, 11])
    cols = ["count", "min", "max"]
    row = dict(zip(STAT_COLUMNS, s.row()))
    st = grp.create_dataset("stats", data=[[row[c] for c in cols]])
    st.attrs["coords__label"] = ["t"]
    st.attrs["coords__stat"] = cols
    h = grp.create_dataset("histogram", data=s.counts[None, :])
    h.attrs["coords__label"] = ["t"]
    got = read_stats(grp)["t"]
    assert (got.count, got.min_ns, got.max_ns) == (2, 9, 11)
    assert (got.sum_ns, got.sum_sq_ns2) == (0, 0)
    assert got.percentile(50) == 9e-9


def test_resources_given_as_integers_are_stored_as_floats(grp):
    res = dict(cpu_user=1, cpu_system=0, cpu=1, wall=2, peak_rss=4096)
    write_stats(grp, _two(), res, None)
    assert grp["resources"].dtype == np.float64
    assert read_resources(grp) == {k: float(v) for k, v in res.items()}
