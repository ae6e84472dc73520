"""Per-invocation statistics of timers: both cores, merge, storage, summary.

A fake clock gives known segment durations: counts, min, max, mean and std
must come out exactly, percentiles within one histogram bucket.
"""

from __future__ import annotations

import copy
import logging
import math
import pickle
import random
import statistics

import h5py
import numpy as np
import pytest
from _models import BenchWalker, output_path
from hypothesis import given, settings
from hypothesis import strategies as st
from test_benchmark import run_model

from utopya_backend.bench import _stats
from utopya_backend.bench._stats import N_BUCKETS, TimerStats, bucket_index


class FakeClock:
    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _record(timing, durations_ns, *, name="t"):
    """A timer on a fake clock that ran segments of ``durations_ns``."""
    clock = FakeClock(100.0)
    t = timing.Timer(name, time_func=clock)
    for d in durations_ns:
        t.unpause()
        clock.t += d / 1e9
        t.pause()
    return t


def _exact_ns(durations_ns):
    # The fake clock's readings, as the timer rounds them.
    clock, out = 100.0, []
    for d in durations_ns:
        start = math.floor((clock - 100.0) * 1e9 + 0.5)
        clock += d / 1e9
        out.append(math.floor((clock - 100.0) * 1e9 + 0.5) - start)
    return out


# .. layout ...................................................................


def test_layout_covers_int64_with_relative_width_at_most_one_eighth():
    edges = _stats.bucket_edges_ns()
    assert len(edges) == N_BUCKETS + 1 == 489
    assert edges[0] == 0 and edges[-1] == 2.0**63
    assert np.all(np.diff(edges) > 0)
    # Below 16 ns each bucket holds one integer ns (exact); from 8 ns on,
    # no bucket is wider than 1/8 of its lower edge.
    assert np.all(np.diff(edges)[:16] == 1)
    width = np.diff(edges)[8:] / edges[8:-1]
    assert width.max() <= 1 / 8
    # 1 ns resolution at the bottom, and an hour is far inside the range.
    assert list(edges[:17]) == list(range(17))
    assert bucket_index(3_600 * 10**9) < N_BUCKETS - 100


@pytest.mark.parametrize(
    "d",
    [0, 1, 7, 8, 15, 16, 17, 31, 32, 1000, 10**9, 3_600 * 10**9, 2**63 - 1],
)
def test_bucket_holds_its_value(d):
    i = bucket_index(d)
    assert _stats.bucket_lower_ns(i) <= d
    upper = _stats.bucket_lower_ns(i + 1) if i + 1 < N_BUCKETS else 2**63
    assert d < upper


def test_negative_durations_count_in_bucket_zero():
    assert bucket_index(-5) == 0


# .. recording ................................................................


def test_known_durations_give_exact_figures(timing):
    durations = [1_000, 2_000, 3_000, 10_000, 500]
    t = _record(timing, durations)
    s = t.stats
    assert s.count == 5 == t.invocations
    assert s.min_ns == 500 and s.max_ns == 10_000
    assert s.sum_ns == sum(durations)
    assert s.mean == pytest.approx(statistics.mean(durations) / 1e9, 0, 0)
    want = statistics.pstdev(durations) / 1e9
    assert s.std == pytest.approx(want, rel=1e-15)
    assert s.counts.sum() == 5
    assert s.total == pytest.approx(t.elapsed, rel=1e-12)


def test_one_shot_timers_keep_no_stats(timing):
    t = timing.Timer("o", one_shot=True, start=True)
    t.pause()
    assert t.stats is None


def test_reset_clears_stats(timing):
    t = _record(timing, [5, 6])
    t.reset()
    s = t.stats
    assert s.count == 0 and s.mean is None and s.min is None
    assert s.percentile(50) is None and s.counts.sum() == 0


def test_negative_segments_from_a_clock_going_back(timing):
    clock = FakeClock(10.0)
    t = timing.Timer("back", time_func=clock)
    t.unpause()
    clock.t -= 1e-6
    t.pause()
    s = t.stats
    assert (s.count, s.min_ns, s.max_ns, s.counts[0]) == (1, -1000, -1000, 1)
    assert s.std == 0.0


@pytest.mark.parametrize("q", [0, 1, 10, 50, 90, 99, 99.9, 100])
def test_percentiles_within_one_bucket(timing, q):
    rng = random.Random(4)
    durations = [int(rng.lognormvariate(10, 2)) + 1 for _ in range(3000)]
    s = _record(timing, durations).stats
    exact = sorted(_exact_ns(durations))
    rank = max(1, math.ceil(q * len(exact) / 100))
    true = exact[rank - 1]
    got = s.percentile(q) * 1e9
    i = bucket_index(true)
    lo = _stats.bucket_lower_ns(i)
    hi = _stats.bucket_lower_ns(i + 1)
    assert lo - 1e-6 <= got <= hi, (q, true, got)
    assert abs(got - true) <= max(1.0, true / 8)


def test_percentile_of_one_value_is_that_value(timing):
    s = _record(timing, [123_456] * 7).stats
    assert s.percentiles() == {
        "p50": 123_456e-9,
        "p90": 123_456e-9,
        "p99": 123_456e-9,
    }
    with pytest.raises(ValueError):
        s.percentile(101)


durations_st = st.lists(
    st.integers(min_value=0, max_value=10**13), min_size=0, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(a=durations_st, b=durations_st)
def test_merging_equals_recording_both_streams(a, b):
    from utopya_backend.core import _timing_py

    merged = _record(_timing_py, a).stats + _record(_timing_py, b).stats
    both = _record(_timing_py, a + b).stats
    assert merged == both
    assert (
        _stats.merge(
            [_record(_timing_py, a).stats, _record(_timing_py, b).stats]
        )
        == both
    )


@settings(max_examples=60, deadline=None)
@given(ds=st.lists(st.integers(0, 2**40), max_size=30))
def test_twins_agree_and_match_the_reference(ds):
    from utopya_backend.core import _timing_py

    want = TimerStats.from_durations(_exact_ns(ds))
    assert _record(_timing_py, ds).stats == want
    try:
        from utopya_backend.core import _timing
    except ImportError:  # pragma: no cover - pure-Python install
        return
    assert _record(_timing, ds).stats == want


def test_c_and_python_agree_on_every_bucket_edge():
    pytest.importorskip("utopya_backend.core._timing")
    from utopya_backend.core import _timing, _timing_py

    ds = []
    for i in range(N_BUCKETS):
        lo = _stats.bucket_lower_ns(i)
        ds += [lo, max(lo - 1, 0), lo + 1]
    ds = [d for d in ds if d < 2**52]  # exact through float seconds
    stats = [_record(m, ds).stats for m in (_timing, _timing_py)]
    assert stats[0] == stats[1] == TimerStats.from_durations(_exact_ns(ds))


def test_pause_on_default_clock_records(timing):
    t = timing.Timer("hot")
    for _ in range(100):
        t.unpause()
        t.pause()
    s = t.stats
    assert s.count == 100 and s.counts.sum() == 100
    assert s.sum_ns == round(t.elapsed * 1e9)
    assert 0 <= s.min_ns <= s.max_ns


def test_loop_timers_record_each_iteration(use_impl, make_cfg):
    m, _ = run_model(BenchWalker, make_cfg, num_steps=25)
    st_ = m.timer_stats
    assert set(st_) == {
        "model_iteration",
        "monitor",
        "write_data",
        "full_iteration",
    }
    assert st_["model_iteration"].count == 25
    assert st_["full_iteration"].count == 25
    assert st_["write_data"].count == m.timers["write_data"].invocations


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_copies_keep_stats(timing, how):
    t = _record(timing, [10, 20_000, 3_000_000])
    f = dict(
        copy=copy.copy,
        deepcopy=copy.deepcopy,
        pickle=lambda x: pickle.loads(pickle.dumps(x)),
    )[how]
    assert f(t).stats == t.stats


def test_twins_pickle_into_each_other():
    pytest.importorskip("utopya_backend.core._timing")
    from utopya_backend.core import _timing, _timing_py

    a = _record(_timing, [10, 20_000, 3_000_000])
    b = _timing_py.Timer("t")
    b.__setstate__(a.__reduce__()[2])
    assert b.stats == a.stats
    assert a.__reduce__()[2]["stats"] == b.__reduce__()[2]["stats"]


# .. storage and summary ......................................................


def test_stats_stored_beside_total_and_loadable(use_impl, make_cfg):
    m, out = run_model(BenchWalker, make_cfg, num_steps=40)
    want = m.timer_stats
    with h5py.File(out, "r") as f:
        g = f["MyModel/benchmark"]
        assert {
            "total",
            "cumulative",
            "histogram",
            "stats",
            "histogram_edges",
            "resources",
        } <= set(g)
        h = g["histogram"]
        assert h.shape == (4, N_BUCKETS) and h.dtype == np.int64
        assert list(h.attrs["dim_names"]) == ["label", "bucket"]
        assert list(h.attrs["coords__label"]) == list(want)
        assert len(h.attrs["coords__bucket"]) == N_BUCKETS
        assert list(g["stats"].attrs["coords__stat"]) == list(
            _stats.STAT_COLUMNS
        )
        got = _stats.read_stats(g)
        res = _stats.read_resources(g)
    for name, s in want.items():
        assert np.array_equal(got[name].counts, s.counts)
        assert got[name].count == s.count
        assert got[name].mean == pytest.approx(s.mean, rel=1e-9)
        assert got[name].percentile(99) == pytest.approx(
            s.percentile(99), rel=1e-9
        )
    assert res["cpu"] >= 0 and res["wall"] > 0
    assert res["peak_rss"] > 1e6
    assert res["cpu"] == pytest.approx(res["cpu_user"] + res["cpu_system"])


def test_stats_written_after_an_exception(use_impl, make_cfg):
    path = make_cfg(num_steps=40, model=dict(fail_at=10))
    m = BenchWalker(cfg_file_path=path)
    with pytest.raises(RuntimeError):
        m.run()
    with h5py.File(output_path(path), "r") as f:
        got = _stats.read_stats(f["MyModel/benchmark"])
    assert got["model_iteration"].count == 11  # the failing step too
    assert got["full_iteration"].count == 11  # stopped at the end


def test_summary_shows_percentiles_and_cpu(make_cfg, caplog):
    with caplog.at_level(logging.INFO):
        run_model(BenchWalker, make_cfg, log_levels=dict(model="info"))
    text = caplog.text
    assert "Per invocation:" in text
    for word in ("count", "mean", "p50", "p90", "p99", "max"):
        assert word in text
    assert "model_iteration" in text.split("Per invocation:")[1]
    assert "CPU " in text and "wall" in text and "peak RSS" in text


def test_format_resources_handles_unknowns():
    text = _stats.format_resources(
        dict(
            cpu=None, cpu_user=None, cpu_system=None, wall=None, peak_rss=None
        )
    )
    assert text == "CPU - (user - + system -); peak RSS -"
