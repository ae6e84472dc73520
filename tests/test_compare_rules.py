"""The rule of ``report --compare`` on hand-made data (issue 21).

Asymmetric data on purpose: unequal invocation counts, outliers, one-shot
timers, killed runs and files without counts, surplus universes; both the
flagged and the unflagged side are checked. Fast and in-process, so the
mutation run (docs/mutation.md) uses it for ``_compare_match`` and
``_reportstats``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from utopya_backend.bench._stats import N_BUCKETS, TimerStats, bucket_lower_ns
from utopya_backend.reports import _compare_match as cm
from utopya_backend.reports import _reportstats as rs
from utopya_backend.reports.report import BenchmarkData, ReportError


def _steps(n, ns, jitter=0.02, seed=0, outliers=()):
    """``n`` durations around ``ns`` (±jitter), plus ``outliers``."""
    rng = np.random.default_rng(seed)
    d = ns * (1 + jitter * rng.uniform(-1, 1, n))
    return TimerStats.from_durations([int(v) for v in d] + list(outliers))


def _data(
    step_ns=10_000,
    n=2000,
    *,
    seed=0,
    outliers=(),
    init=0.05,
    user=None,
    complete=True,
    counts=True,
    stats=True,
):
    """A run's data: one-shot init and run, cumulative model_iteration and
    full_iteration (step + 200 ns), optionally a user timer in the step."""
    mi = _steps(n, step_ns, seed=seed, outliers=outliers)
    fi = _steps(n, step_ns + 200, seed=seed + 1, outliers=outliers)
    st = dict(model_iteration=mi, full_iteration=fi)
    if user is not None:
        st["user"] = _steps(n, user, seed=seed + 2)
    run = fi.total + 1e-4
    totals = dict(init=init, run=run, simulation=init + run)
    totals.update({k: s.total for k, s in st.items()})
    inv = dict(init=1, run=1, simulation=1)
    inv.update({k: s.count for k, s in st.items()})
    if not counts:
        inv = {k: None for k in inv}
    return BenchmarkData(
        path="x.h5",
        model="M",
        group="/M/benchmark",
        totals=totals,
        invocations=inv,
        complete=complete,
        stats=st if stats and counts else {},
    )


def _rows(befores, afters, factor=1.1, min_share=0.05):
    return {
        r["timer"]: r
        for r in cm._compare_timers(befores, afters, factor, min_share)
    }


# .. rank test and median of a histogram ...................................


def _hist(values):
    return TimerStats.from_durations(values).counts


def test_rank_test_counts_pairs_and_ties_half():
    a = _hist([100, 200, 300])
    b = _hist([150, 200, 400, 500])
    prob, p_slow, p_fast = rs.rank_test(a, b)
    # Pairs (b > a) + ties / 2, over 3 * 4, bucket by bucket.
    ia = [int(np.nonzero(a)[0][k]) for k in range(3)]
    ib = [int(np.nonzero(b)[0][k]) for k in range(4)]
    wins = sum((j > i) + 0.5 * (j == i) for i in ia for j in ib)
    assert prob == pytest.approx(wins / 12)
    assert p_slow + p_fast == pytest.approx(1.0)
    assert p_slow < 0.5 < p_fast  # b tends to be slower


def test_rank_test_of_equal_histograms_is_no_change():
    a = _hist(range(1000, 3000, 7))
    assert rs.rank_test(a, a) == (0.5, 0.5, 0.5)


def test_rank_test_sees_a_shift_both_ways():
    a = _steps(500, 1000, jitter=0.1).counts
    b = _steps(300, 1300, jitter=0.1, seed=3).counts
    prob, p_slow, p_fast = rs.rank_test(a, b)
    assert prob > 0.95 and p_slow < 1e-12 and p_fast > 0.999
    prob, p_slow, p_fast = rs.rank_test(b, a)
    assert prob < 0.05 and p_fast < 1e-12 and p_slow > 0.999


def test_rank_test_of_overlapping_samples_is_not_significant():
    a = _steps(400, 1000, jitter=0.3, seed=1).counts
    b = _steps(900, 1000, jitter=0.3, seed=2).counts
    _, p_slow, p_fast = rs.rank_test(a, b)
    assert p_slow > rs.ALPHA and p_fast > rs.ALPHA


def test_rank_test_variance_with_ties():
    # All in one bucket each, two buckets: z from the tie-corrected
    # variance, exactly.
    a = np.zeros(N_BUCKETS)
    b = np.zeros(N_BUCKETS)
    a[100], b[100], b[101] = 3, 1, 2
    u = 1 * 1.5 + 2 * 3  # b's ties count half, b's higher bucket fully
    n, ties = 6, (4**3 - 4) + (2**3 - 2)
    var = 3 * 3 / 12 * (n + 1 - ties / (n * (n - 1)))
    z = (u - 4.5) / math.sqrt(var)
    prob, p_slow, _ = rs.rank_test(a, b)
    assert prob == pytest.approx(u / 9)
    assert p_slow == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)))


def test_rank_test_refuses_empty_or_mismatched():
    a = _hist([5, 6])
    with pytest.raises(ValueError, match="without invocations"):
        rs.rank_test(a, np.zeros(N_BUCKETS))
    with pytest.raises(ValueError, match="without invocations"):
        rs.rank_test(np.zeros(N_BUCKETS), a)
    with pytest.raises(ValueError, match="shapes"):
        rs.rank_test(a, a[:10])


def test_median_is_interpolated_within_its_bucket():
    c = np.zeros(N_BUCKETS)
    i = 100
    lo, hi = bucket_lower_ns(i), bucket_lower_ns(i + 1)
    c[i] = 4
    assert rs.median_ns(c) == (lo + (hi - lo) / 2, i)
    c[i - 1] = 1  # one below: the half-way rank moves down
    assert rs.median_ns(c) == (lo + (hi - lo) * 1.5 / 4, i)
    c[i + 1] = 3  # three above: rank 4 of 8 falls into bucket i, at 3/4
    assert rs.median_ns(c) == (lo + (hi - lo) * 3 / 4, i)
    c[i + 1] = 5  # five above: rank 5 of 10 is the last of bucket i
    assert rs.median_ns(c) == (hi, i)
    c[i + 1] = 6  # six above: into bucket i + 1
    assert rs.median_ns(c)[1] == i + 1
    with pytest.raises(ValueError, match="without invocations"):
        rs.median_ns(np.zeros(N_BUCKETS))
    with pytest.raises(ValueError, match="without invocations"):
        rs.median_ns(np.zeros(0))


# .. the rule ...............................................................


def test_identical_runs_with_outliers_and_other_counts_pass():
    # Same step; the after side has fewer steps and a few preempted ones
    # that triple its mean.
    before = _data(n=3000, seed=1)
    after = _data(n=2000, seed=2, outliers=[40_000_000] * 3)
    rows = _rows([before], [after])
    mi = rows["model_iteration"]
    assert mi["ratio_mean"] > 2 and mi["kind"] == "tested"
    assert mi["ratio_median"] == pytest.approx(1.0, abs=0.03)
    assert not any(r["change"] for r in rows.values())
    assert mi["count_before"] == 3002 - 2 and mi["count_after"] == 2003


def test_slower_step_is_flagged_and_only_there():
    rows = _rows([_data(seed=1)], [_data(step_ns=13_000, seed=2)])
    mi = rows["model_iteration"]
    assert mi["change"] == "slower" and mi["kind"] == "tested"
    assert mi["ratio_median"] == pytest.approx(1.3, rel=0.03)
    assert mi["p_value"] < 1e-12 and mi["prob_slower"] > 0.99
    assert rows["full_iteration"]["change"] is None
    assert rows["full_iteration"]["via"] == ["model_iteration"]
    assert rows["run"]["change"] is None and rows["run"]["via"]
    # The other way round it is faster, never slower.
    rows = _rows([_data(step_ns=13_000, seed=2)], [_data(seed=1)])
    assert rows["model_iteration"]["change"] == "faster"
    assert rows["model_iteration"]["p_value"] < 1e-12


def test_change_within_the_factor_or_the_histogram_resolution_passes():
    # 1.08x: below the factor. 1.12x at factor 1.1: one bucket apart at
    # most, not resolved.
    for step in (10_800, 11_200):
        rows = _rows([_data(seed=1)], [_data(step_ns=step, seed=2)])
        assert rows["model_iteration"]["change"] is None, step
    # At factor 1.05, 1.3x is still flagged; at factor 1.5 it is not.
    slow = [_data(step_ns=13_000, seed=2)]
    assert _rows([_data()], slow, factor=1.05)["model_iteration"]["change"]
    assert not _rows([_data()], slow, factor=1.5)["model_iteration"]["change"]


def test_tiny_timers_are_ignored_by_share_of_the_typical_loop():
    # A user timer of 100 ns doubled: 0.2 ms of a 20 ms loop is 1 %.
    rows = _rows([_data(user=100)], [_data(user=200, seed=4)])
    assert rows["user"]["ratio_median"] > 1.8
    assert rows["user"]["change"] is None
    assert (
        _rows([_data(user=100)], [_data(user=200, seed=4)], min_share=0.005)[
            "user"
        ]["change"]
        == "slower"
    )


def test_a_long_init_does_not_hide_a_slower_step():
    # init is 10 s, the loop 20 ms: the step's change is weighed against
    # the loop.
    rows = _rows([_data(init=10.0)], [_data(step_ns=13_000, init=10.0)])
    assert rows["model_iteration"]["change"] == "slower"


def test_one_shot_timers_never_fail_the_gate():
    rows = _rows([_data(init=0.01)], [_data(init=1.0)])
    init = rows["init"]
    assert init["kind"] == "single sample" and init["ratio_mean"] == 100
    assert init["change"] is None and init["p_value"] is None


def test_few_samples_are_shown_not_tested():
    n = rs.MIN_SAMPLES - 1
    rows = _rows([_data(n=n)], [_data(n=n + 5, step_ns=30_000)])
    mi = rows["model_iteration"]
    assert mi["kind"] == "few samples" and mi["change"] is None
    assert mi["note"] == f"{n} < {rs.MIN_SAMPLES} invocations"
    assert mi["ratio_mean"] > 2
    rows = _rows([_data(n=n + 1)], [_data(n=n + 1, step_ns=30_000)])
    assert rows["model_iteration"]["kind"] == "tested"
    assert rows["model_iteration"]["change"] == "slower"


@pytest.mark.parametrize("side", ["before", "after"])
def test_killed_run_is_not_comparable(side):
    killed = _data(n=500, complete=False, stats=False)
    killed.invocations = {k: None for k in killed.totals}
    pair = [[_data()], [killed]]
    if side == "before":
        pair.reverse()
    rows = _rows(*pair)
    for name in ("model_iteration", "init", "run"):
        r = rows[name]
        assert r["kind"] == "not comparable" and r["change"] is None
        assert r["note"] == (
            f"{side}: incomplete run (killed?), no totals stored"
        )
        assert r["mean_before"] is None and r["ratio_mean"] is None


def test_file_without_invocation_counts():
    orig = _data(step_ns=30_000, counts=False)
    rows = _rows([orig], [_data()])
    mi = rows["model_iteration"]
    assert mi["kind"] == "not comparable" and mi["change"] is None
    assert mi["note"] == (
        "before: no invocation counts stored (original package?)"
    )
    assert mi["ratio_mean"] is None and mi["count_before"] is None
    # Its one-shot timers ran once: one sample each.
    assert rows["init"]["kind"] == "single sample"
    assert rows["init"]["count_before"] == 1


def test_timer_on_one_side_only_and_never_run():
    a = _data(user=5000)
    b = _data()
    b.totals["teardown"] = 0.0
    b.invocations["teardown"] = 0
    rows = _rows([b], [a])
    assert rows["user"]["kind"] == "not comparable"
    assert rows["user"]["note"] == "not in before"
    assert _rows([a], [b])["user"]["note"] == "not in after"
    assert rows["teardown"]["kind"] == "not comparable"
    c = _data()
    c.totals["teardown"] = 0.0
    c.invocations["teardown"] = 0
    rows = _rows([b], [c])
    assert rows["teardown"]["kind"] == "not run"
    assert rows["teardown"]["note"] == "no invocations"


def test_user_timer_explains_its_parents():
    rows = _rows([_data(user=1000)], [_data(step_ns=13_000, user=4000)])
    assert rows["user"]["change"] == "slower"
    assert rows["model_iteration"]["via"] == ["user"]
    assert rows["model_iteration"]["change"] is None


# .. matching and options ...................................................


def _run(*datas):
    items = {}
    for i, (params, d) in enumerate(datas, start=1):
        d.config = dict(p=params, seed=1, output_path=f"u{i}")
        items[f"uni{i}"] = [d]
    return dict(kind="run", items=items)


def test_surplus_universes_on_either_side_are_listed():
    before = _run((1, _data()), (2, _data()), (3, _data()))
    after = _run((2, _data()), (1, _data()), (2, _data()), (4, _data()))
    pairs, unmatched = cm._match(before, after)
    assert [(p[0], p[1]) for p in pairs] == [
        ("uni1", "uni2"),
        ("uni2", "uni1"),
    ]
    assert sorted(unmatched) == ["after uni3", "after uni4", "before uni3"]


def test_files_match_by_model_or_the_only_one():
    a, b = _data(), _data()
    b.model = "Other"
    f = lambda *d: dict(kind="file", items={"f": list(d)})  # noqa: E731
    pairs, unmatched = cm._match(f(a), f(b))
    assert len(pairs) == 1 and not unmatched
    c = _data()
    c.model = "Third"
    pairs, unmatched = cm._match(f(a, c), f(b))
    assert not pairs and sorted(unmatched) == [
        "after Other",
        "before M",
        "before Third",
    ]


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(min_share=float("nan")), "--min-share must be a share"),
        (dict(min_share=-0.01), "--min-share must be a share"),
        (dict(min_share=1.5), "--min-share must be a share"),
        (dict(factor=float("nan")), "--factor must be a number > 1"),
        (dict(factor=1.0), "--factor must be a number > 1"),
        (dict(factor=float("inf")), "--factor must be a number > 1"),
    ],
)
def test_options_are_checked(kw, message):
    with pytest.raises(ReportError, match=message):
        cm.compare_paths("a.h5", "b.h5", **kw)


# .. steps of a universe ....................................................


def test_steps_done_only_from_what_was_counted():
    d = _data(n=200)
    d.config = dict(num_steps=200)
    assert rs.steps(d) == (200, 200)
    orig = _data(n=200, counts=False)
    orig.config = dict(num_steps=200)
    orig.n_iterations = np.array([0, 100, 199])
    assert rs.steps(orig) == (None, 200)  # the last row is no evidence
    killed = _data(complete=False)
    killed.n_iterations = np.array([0, 50, 96])
    killed.config = dict(num_steps=True)
    assert rs.steps(killed) == (96, None)
    sweep = rs.sweep_summary({"uni1": [orig], "uni2": [killed]})
    u1, u2 = sweep["universes"]
    assert not u1["stopped_early"] and u1["finished"]
    assert not u2["finished"] and not u2["stopped_early"]
    text = rs.format_sweep(sweep)
    assert "-/200" in text and "ok (steps not stored)" in text
    assert "did not finish" in text and "stopped early" not in text
    assert "1 universe(s) did not run" in text


# .. compare_paths on loaded data ...........................................


@pytest.fixture
def loaded(monkeypatch):
    """``report.load_path`` answers from a dict: path -> loaded data."""
    from utopya_backend.reports import report

    table = {}
    calls = []

    def load_path(path, *, model=None):
        calls.append((path, model))
        return table[path]

    monkeypatch.setattr(report, "load_path", load_path)
    table["calls"] = calls
    return table


def test_compare_files(loaded):
    b, a = _data(), _data(step_ns=13_000, seed=5)
    a.model = "Renamed"
    loaded["b"] = dict(kind="file", items={"b": [b]}, skipped=[])
    loaded["a"] = dict(kind="file", items={"a": [a]}, skipped=[])
    res = cm.compare_paths("b", "a", model="M")
    assert loaded["calls"] == [("b", "M"), ("a", "M")]
    assert res["before"] == "b" and res["after"] == "a"
    assert (res["factor"], res["min_share"], res["alpha"]) == (
        1.1,
        0.05,
        rs.ALPHA,
    )
    assert res["pairs"] == [dict(before="M", after="Renamed")]
    assert res["unmatched"] == [] and res["skipped"] == []
    assert res["slowdown"] == ["model_iteration"]
    assert all("universes" not in r for r in res["timers"])
    res = cm.compare_paths("a", "b", factor=1.5, min_share=0.5)
    assert res["slowdown"] == [] and res["factor"] == 1.5
    assert res["min_share"] == 0.5


def test_compare_runs_says_how_consistent(loaded):
    fast = [_data(seed=i) for i in range(4)]
    slow = [_data(step_ns=13_000, seed=9), _data(step_ns=13_500, seed=8)]
    before = _run((1, fast[0]), (2, fast[1]), (3, fast[2]))
    after = _run((3, fast[3]), (2, slow[0]), (1, slow[1]))
    loaded["b"] = dict(before, skipped=[dict(universe="uni9", error="x")])
    loaded["a"] = dict(after, skipped=[dict(universe="uni8", error="y")])
    res = cm.compare_paths("b", "a")
    assert [s["universe"] for s in res["skipped"]] == ["uni9", "uni8"]
    assert res["pairs"] == [
        dict(before="uni1", after="uni3"),
        dict(before="uni2", after="uni2"),
        dict(before="uni3", after="uni1"),
    ]
    rows = {r["timer"]: r for r in res["timers"]}
    mi = rows["model_iteration"]
    assert mi["change"] == "slower" and not mi["consistent"]
    u = mi["universes"]
    assert (u["n"], u["slower"], u["faster"], u["within"]) == (3, 2, 0, 1)
    assert u["min_ratio"] == pytest.approx(1.0, abs=0.03)
    assert u["max_ratio"] == pytest.approx(1.35, rel=0.08)
    # init did not change anywhere: consistently within.
    assert rows["init"]["consistent"]
    assert rows["init"]["universes"]["within"] == 3
    # All slower: consistent.
    loaded["a"] = dict(
        _run((1, slow[1]), (2, slow[0]), (3, _data(step_ns=14_000))),
        skipped=[],
    )
    mi = {r["timer"]: r for r in cm.compare_paths("b", "a")["timers"]}[
        "model_iteration"
    ]
    assert mi["consistent"] and mi["universes"]["slower"] == 3
    # Faster everywhere: consistent too.
    mi = {r["timer"]: r for r in cm.compare_paths("a", "b")["timers"]}[
        "model_iteration"
    ]
    assert mi["change"] == "faster" and mi["consistent"]
    assert mi["universes"]["faster"] == 3


def test_compare_file_against_every_universe(loaded):
    one = _data()
    loaded["f"] = dict(kind="file", items={"f": [one]}, skipped=[])
    loaded["r"] = _run((1, _data(seed=1)), (2, _data(seed=2)))
    for d in loaded["r"]["items"].values():
        d[0].path = "u.h5"
    one.path = "f.h5"
    res = cm.compare_paths("f", "r")
    assert res["pairs"] == [dict(before="f.h5", after="u.h5")] * 2
    res = cm.compare_paths("r", "f")
    assert res["pairs"] == [dict(before="u.h5", after="f.h5")] * 2


def test_nothing_to_compare_is_an_error(loaded):
    loaded["b"] = _run((1, _data()))
    loaded["a"] = _run((1, _data()), (2, _data()))
    loaded["b"]["items"]["uni1"][0].config["seed"] = 1
    for i, d in enumerate(loaded["a"]["items"].values()):
        d[0].config["p"] = 10 + i
    with pytest.raises(ReportError, match="b and a: no universes or models"):
        cm.compare_paths("b", "a")


# .. the sweep table ........................................................


def test_sweep_table_text():
    sweep = dict(
        timers=dict(
            model_iteration=dict(
                count=2000,
                mean=1e-5,
                p50=9e-6,
                p90=1.2e-5,
                p99=2e-5,
                max=float("nan"),
            )
        ),
        universes=[
            dict(
                universe="uni1",
                params={"M.p": 0.5, "seed": 1},
                steps_done=200,
                steps_planned=200,
                stopped_early=False,
                complete=True,
                cpu=0.5,
                wall=1.0,
            ),
            dict(
                universe="uni2",
                params={"M.p": 0.123456, "seed": 2},
                steps_done=None,
                steps_planned=200,
                stopped_early=False,
                complete=True,
                cpu=None,
                wall=1.0,
            ),
            dict(
                universe="uni3",
                params={"M.p": 1, "seed": 3},
                steps_done=50,
                steps_planned=None,
                stopped_early=True,
                complete=True,
                cpu=1.0,
                wall=0,
            ),
        ],
    )
    assert rs.format_sweep(sweep).splitlines() == [
        "  sweep-wide per invocation (histograms of all universes merged):",
        "            timer      count       mean        p50        p90"
        "        p99        max",
        "  model_iteration       2000     10.0µs      9.0µs     12.0µs"
        "     20.0µs          -",
        "",
        "    universe           p        seed          steps  cpu/wall"
        "  status",
        "        uni1         0.5           1        200/200       50%  ok",
        "        uni2      0.1235           2          -/200         -"
        "  ok (steps not stored)",
        "        uni3           1           3           50/-         -"
        "  stopped early",
        "  swept parameters: M.p, seed",
        "  1 universe(s) did not run all planned steps",
    ]
    sweep["timers"] = {}
    for u in sweep["universes"]:
        u["params"] = {}
    text = rs.format_sweep(sweep).splitlines()
    assert text[0] == ("    universe          steps  cpu/wall  status")
    assert "swept parameters" not in "\n".join(text)


def test_per_invocation_table_text():
    d = _data()
    d.stats = dict(
        model_iteration=TimerStats.from_durations([1000, 2000, 3000, 4000]),
        empty=TimerStats(),
    )
    d.resources = dict(
        cpu=0.5, cpu_user=0.4, cpu_system=0.1, wall=1.0, peak_rss=2**21
    )
    assert rs.format_stats(d).splitlines() == [
        "   per invocation      count       mean        p50        p90"
        "        p99        max",
        "  model_iteration          4      2.5µs      2.0µs      4.0µs"
        "      4.0µs      4.0µs",
        "            empty          0          -          -          -"
        "          -          -",
        "  CPU 500.00ms (user 400.00ms + system 100.00ms) = 50% of 1.00s"
        " wall; peak RSS 2.0 MiB",
    ]
    d.stats, d.resources = {}, {}
    assert rs.format_stats(d) == ""
    d.stats = None
    del d.resources
    assert rs.format_stats(d) == ""


def test_sweep_table_counts_every_universe_short_of_its_steps():
    def uni(name, cpu, wall, done, complete=True, early=False):
        return dict(
            universe=name,
            params={"a.b.c": 1, "a.b.d": 2},
            steps_done=done,
            steps_planned=10,
            stopped_early=early,
            complete=complete,
            cpu=cpu,
            wall=wall,
        )

    sweep = dict(
        timers={},
        universes=[
            uni("uni1", 0.6, 2.0, 10),
            uni("uni2", 0.9, 1.0, 3, complete=False),
            uni("uni3", 0.1, 1.0, 4, early=True),
            uni("uni4", 0.1, 1.0, 2, complete=False),
        ],
    )
    lines = rs.format_sweep(sweep).splitlines()
    assert lines[0].split() == ["universe", "c", "d", "steps", "cpu/wall"] + [
        "status"
    ]
    assert lines[1].split()[-2:] == ["30%", "ok"]
    assert lines[2].endswith("90%  did not finish (killed?)")
    assert lines[3].endswith("10%  stopped early")
    assert lines[-1] == "  3 universe(s) did not run all planned steps"
    assert lines[-2] == "  swept parameters: a.b.c, a.b.d"


def test_compare_runs_edges(loaded):
    before = _run((1, _data(seed=1)), (2, _data(seed=2)), (3, _data(seed=3)))
    after = _run(
        (1, _data(step_ns=13_000, seed=4)),
        (2, _data(step_ns=7_000, seed=5)),
        (3, _data(seed=6)),
    )
    loaded["b"], loaded["a"] = before, after
    for share in (0.0, 1.0):  # the bounds are allowed
        assert (
            cm.compare_paths("b", "a", min_share=share)["min_share"] == share
        )
    res = cm.compare_paths("b", "a")
    mi = {r["timer"]: r for r in res["timers"]}["model_iteration"]
    u = mi["universes"]
    assert (u["slower"], u["faster"], u["within"]) == (1, 1, 1)
    assert not mi["consistent"]
    # A ratio exactly at the factor is not beyond it.
    res = cm.compare_paths("b", "a", factor=u["max_ratio"])
    u2 = {r["timer"]: r for r in res["timers"]}["model_iteration"]
    assert u2["universes"]["slower"] == 0
    # Two pairs are compared pair by pair too.
    loaded["a"] = _run((1, _data(seed=7)), (2, _data(seed=8)))
    res = cm.compare_paths("b", "a")
    assert all(r["universes"]["n"] in (0, 2) for r in res["timers"])
    # Killed everywhere on one side: no ratios at all.
    killed = [_data(complete=False, stats=False) for _ in range(2)]
    loaded["a"] = _run((1, killed[0]), (2, killed[1]))
    mi = {r["timer"]: r for r in cm.compare_paths("b", "a")["timers"]}[
        "model_iteration"
    ]
    assert mi["universes"]["n"] == 0 and not mi["consistent"]
    assert mi["universes"]["min_ratio"] is None
    assert mi["universes"]["max_ratio"] is None


def test_nothing_to_compare_says_how_universes_match(loaded):
    loaded["b"] = _run((1, _data()), (2, _data()))
    loaded["a"] = _run((3, _data()), (4, _data()))
    with pytest.raises(ReportError) as err:
        cm.compare_paths("b", "a")
    assert str(err.value) == (
        "b and a: no universes or models match (universes are matched by "
        "their swept parameter values)"
    )


def test_sweep_summary_merges_and_lists_every_universe():
    from types import SimpleNamespace

    a = _data(n=100, seed=1)
    b = _data(n=50, step_ns=20_000, seed=2)
    c = _data(n=30, seed=3, complete=False)
    c.stats = {}
    c.n_iterations = np.array([0, 10, 20])
    a.config = dict(num_steps=100, M=dict(p=1, q=dict(r=1)), seed=1)
    b.config = dict(num_steps=60, M=dict(p=2, q=dict(r=1)), seed=1)
    c.config = dict(num_steps=30, M=dict(p=3, q=dict(r=2)), seed=1)
    a.resources = dict(cpu=0.25, wall=0.5, peak_rss=1e6)
    sweep = rs.sweep_summary({"uni1": [a], "uni2": [b], "uni3": [c]})
    mi = sweep["timers"]["model_iteration"]
    assert mi["universes"] == 2 and mi["count"] == 150
    merged = a.stats["model_iteration"] + b.stats["model_iteration"]
    assert sweep["merged"]["model_iteration"] == merged
    assert mi == dict(universes=2, **merged.summary())
    assert sweep["universes"] == [
        dict(
            universe="uni1",
            params={"M.p": 1, "M.q.r": 1, "num_steps": 100},
            steps_done=100,
            steps_planned=100,
            stopped_early=False,
            finished=True,
            complete=True,
            cpu=0.25,
            wall=0.5,
            peak_rss=1e6,
        ),
        dict(
            universe="uni2",
            params={"M.p": 2, "M.q.r": 1, "num_steps": 60},
            steps_done=50,
            steps_planned=60,
            stopped_early=True,
            finished=False,
            complete=True,
            cpu=None,
            wall=None,
            peak_rss=None,
        ),
        dict(
            universe="uni3",
            params={"M.p": 3, "M.q.r": 2, "num_steps": 30},
            steps_done=20,
            steps_planned=30,
            stopped_early=True,
            finished=False,
            complete=False,
            cpu=None,
            wall=None,
            peak_rss=None,
        ),
    ]
    # Same leaf names under different parents stay apart.
    x = SimpleNamespace(config=dict(A=dict(x=1), B=dict(x=1)))
    y = SimpleNamespace(config=dict(A=dict(x=2), B=dict(x=1)))
    assert rs.swept_parameters({"u1": [x], "u2": [y]}) == {
        "u1": {"A.x": 1},
        "u2": {"A.x": 2},
    }
    # Data without a config: steps planned unknown.
    bare = SimpleNamespace(invocations=dict(full_iteration=5), complete=True)
    assert rs.steps(bare) == (5, None)


def test_files_with_several_models_match_by_name():
    m, n = _data(), _data(seed=3)
    n.model = "N"
    m2, n2 = _data(seed=4), _data(seed=5)
    n2.model = "N"
    f = lambda *d: dict(kind="file", items={"f": list(d)})  # noqa: E731
    pairs, unmatched = cm._match(f(m, n), f(n2, m2))
    assert [(p[0], p[1]) for p in pairs] == [("M", "M"), ("N", "N")]
    assert pairs[0][3] is m2 and pairs[1][3] is n2 and not unmatched


def test_json_extras_per_benchmark_and_sweep():
    a, b = _data(n=40, seed=1), _data(n=60, seed=2)
    a.config, b.config = dict(p=1), dict(p=2)
    a.resources = dict(cpu=1.0)
    b.stats = None
    loaded = dict(kind="run", items={"uni1": [a], "uni2": [b]})
    out = dict(benchmarks=[dict(source="uni1"), dict(source="uni2")])
    rs.json_extras(loaded, out)
    r1, r2 = out["benchmarks"]
    assert r1["per_invocation"] == {n: s.summary() for n, s in a.stats.items()}
    assert r1["resources"] == dict(cpu=1.0)
    assert r2["per_invocation"] == {} and r2["resources"] == {}
    sweep = rs.sweep_summary(loaded["items"])
    assert out["sweep"] == dict(
        timers=sweep["timers"], universes=sweep["universes"]
    )
    assert out["sweep"]["universes"][1]["params"] == {"p": 2}
    # A file: no sweep.
    out = dict(benchmarks=[dict()])
    rs.json_extras(dict(kind="file", items={"f": [a]}), out)
    assert "sweep" not in out and out["benchmarks"][0]["resources"]
    out = dict()
    rs.json_extras(dict(kind="file", items={"f": [a]}), out)
    assert out == {}


def test_row_figures_merge_the_universes():
    b1, b2 = _data(n=100, seed=1, init=0.1), _data(n=300, seed=2, init=0.3)
    a1 = _data(n=200, step_ns=13_000, seed=3, init=0.2)
    a2 = _data(n=200, seed=4, init=0.2)
    rows = _rows([b1, b2], [a1, a2])
    mi = rows["model_iteration"]
    sb = b1.stats["model_iteration"] + b2.stats["model_iteration"]
    sa = a1.stats["model_iteration"] + a2.stats["model_iteration"]
    assert (mi["count_before"], mi["count_after"]) == (400, 400)
    assert mi["mean_before"] == pytest.approx(sb.total / 400)
    assert mi["mean_after"] == pytest.approx(sa.total / 400)
    assert mi["ratio_mean"] == pytest.approx(sa.mean / sb.mean)
    for q in (50, 99):
        assert mi[f"p{q}_before"] == sb.percentile(q)
        assert mi[f"p{q}_after"] == sa.percentile(q)
    assert mi["ratio_p99"] == pytest.approx(
        sa.percentile(99) / sb.percentile(99)
    )
    init = rows["init"]
    assert (init["count_before"], init["count_after"]) == (2, 2)
    assert init["mean_before"] == pytest.approx(0.2)
    assert init["mean_after"] == pytest.approx(0.2)
    assert init["ratio_mean"] == pytest.approx(1.0)
    assert init["p50_before"] is None and init["ratio_p99"] is None


def _no_loop_stats(d, run):
    del d.stats["full_iteration"]
    d.totals["run"] = run
    return d


def test_without_loop_histograms_the_run_totals_are_the_reference():
    # model_iteration 10 -> 13 µs over 2 x 2000 steps: 12 ms of change.
    def rows(run):
        b = [_no_loop_stats(_data(seed=i), run) for i in (1, 2)]
        a = [
            _no_loop_stats(_data(step_ns=13_000, seed=i), run) for i in (3, 4)
        ]
        return _rows(b, a)

    assert rows(0.1)["model_iteration"]["change"] == "slower"  # 6 %
    assert rows(0.13)["model_iteration"]["change"] is None  # 4.6 %


@pytest.mark.parametrize("fast_first", [True, False])
def test_reference_is_the_larger_sides_typical_loop(fast_first):
    # The user timer's 0.2 ms change is 0.5 % of the slow side's 40 ms
    # loop and 1 % of the fast side's 20 ms.
    slow, fast = _data(step_ns=20_000, user=100), _data(user=200, seed=4)
    if fast_first:
        slow, fast = _data(step_ns=20_000, user=200), _data(user=100, seed=4)
        pair = [fast], [slow]
    else:
        pair = [slow], [fast]
    assert _rows(*pair, min_share=0.007)["user"]["change"] is None
    assert _rows(*pair, min_share=0.004)["user"]["change"] == "slower"


def _at(ns, n=2000):
    """Data whose every step takes exactly ``ns``."""
    st = TimerStats.from_durations([ns] * n)
    totals = dict(run=st.total, model_iteration=st.total)
    totals["full_iteration"] = st.total
    inv = dict(run=1, model_iteration=n, full_iteration=n)
    return BenchmarkData(
        path="x.h5",
        model="M",
        group="/M/benchmark",
        totals=totals,
        invocations=inv,
        stats=dict(model_iteration=st, full_iteration=st),
    )


def test_two_buckets_apart_is_resolved_one_is_not():
    i = 80  # a bucket 1/8 wide
    lo = [bucket_lower_ns(k) for k in (i, i + 1, i + 2)]
    two = _rows([_at(lo[0])], [_at(lo[2])])["model_iteration"]
    assert two["ratio_median"] > 1.2 and two["change"] == "slower"
    back = _rows([_at(lo[2])], [_at(lo[0])])["model_iteration"]
    assert back["change"] == "faster"
    one = _rows([_at(lo[0])], [_at(lo[1])], factor=1.05)["model_iteration"]
    assert one["ratio_median"] > 1.1 and one["change"] is None
    one = _rows([_at(lo[1])], [_at(lo[0])], factor=1.05)["model_iteration"]
    assert one["ratio_median"] < 1 / 1.1 and one["change"] is None


def test_rank_test_and_median_at_the_edges():
    one_a, one_b = np.zeros(N_BUCKETS), np.zeros(N_BUCKETS)
    one_a[100], one_b[101] = 1, 1
    prob, p_slow, _ = rs.rank_test(one_a, one_b)  # var 1/4: z = 1
    assert prob == 1.0
    assert p_slow == pytest.approx(0.5 * math.erfc(1 / math.sqrt(2)))
    same = np.zeros(N_BUCKETS)
    same[100] = 7
    assert rs.rank_test(same, same) == (0.5, 0.5, 0.5)  # var 0
    # Millions in one bucket: the tie correction must not overflow.
    big_a, big_b = np.zeros(N_BUCKETS, np.int64), np.zeros(N_BUCKETS, np.int64)
    big_a[100], big_b[100], big_b[101] = 3_000_000, 3_000_000, 3_000
    _, p_slow, p_fast = rs.rank_test(big_a, big_b)
    fa, fb = big_a.astype(float), big_b.astype(float)
    assert (p_slow, p_fast) == rs.rank_test(fa, fb)[1:]
    assert p_slow < 1e-3 < p_fast
    for bad in (np.zeros(N_BUCKETS),):
        with pytest.raises(ValueError, match="^a histogram without inv"):
            rs.rank_test(one_a, bad)
        with pytest.raises(ValueError, match="^a histogram without inv"):
            rs.median_ns(bad)
    # One invocation, and one in the very last bucket.
    assert rs.median_ns(one_a)[1] == 100
    last = np.zeros(N_BUCKETS)
    last[-1] = 2
    assert rs.median_ns(last) == (
        bucket_lower_ns(N_BUCKETS - 1)
        + (2**63 - bucket_lower_ns(N_BUCKETS - 1)) / 2,
        N_BUCKETS - 1,
    )


def test_ratio_of_a_zero_mean_is_unknown():
    assert cm._ratio(0.0, 1.0) is None
    assert cm._ratio(2.0, 1.0) == 0.5


def test_histogram_on_one_side_only_is_not_tested():
    b, a = _data(), _data(step_ns=30_000, seed=2)
    a.stats = {}
    rows = _rows([b], [a])
    mi = rows["model_iteration"]
    assert mi["kind"] == "single sample" and mi["note"] == "one-shot timer"
    assert mi["change"] is None and mi["ratio_mean"] > 2
    rows = _rows([a], [b])
    assert rows["model_iteration"]["change"] is None
    c = _data()
    c.totals["teardown"] = 1e-3
    c.invocations["teardown"] = 1
    d = _data()
    d.totals["teardown"] = 0.0
    d.invocations["teardown"] = 0
    assert _rows([c], [d])["teardown"]["kind"] == "not run"
    assert _rows([d], [c])["teardown"]["kind"] == "not run"


def test_outliers_do_not_inflate_the_reference():
    # 6 ms of change; the loop is 20 ms typical, 140 ms with outliers.
    out = [40_000_000] * 3
    b = _data(outliers=out)
    a = _data(step_ns=13_000, seed=2, outliers=out)
    assert _rows([b], [a])["model_iteration"]["change"] == "slower"


def test_via_with_other_invocation_counts():
    b = _data(n=2000, user=1000)
    a = _data(n=3000, step_ns=13_000, user=4000, seed=3)
    rows = _rows([b], [a])
    assert rows["user"]["change"] == "slower"
    assert rows["model_iteration"]["via"] == ["user"]


def test_faster_needs_the_factor_too():
    i = 80
    lo = [bucket_lower_ns(k) for k in (i, i + 2)]
    back = _rows([_at(lo[1])], [_at(lo[0])], factor=1.5)["model_iteration"]
    assert back["ratio_median"] > 1 / 1.5 and back["change"] is None


def test_configs_are_read_beside_each_data_file(tmp_path):
    import os

    datas = {}
    texts = {
        "uni1": "num_steps: 5\nM: {output_dir: /a, sub: {output_dir: /x}}\n",
        "uni2": "num_steps: 6\nM: {output_dir: /b, sub: {output_dir: /y}}\n",
        "uni3": "- a list\n",
        "uni4": None,  # no config.yml
        "uni5": "fifo",
    }
    for uni, text in texts.items():
        d = tmp_path / uni
        d.mkdir()
        if text == "fifo":
            os.mkfifo(d / "config.yml")  # would block if opened
        elif text is not None:
            (d / "config.yml").write_text(text)
        data = _data()
        data.path = str(d / "data.h5")
        datas[uni] = [data]
    rs.attach_configs(datas)
    assert datas["uni1"][0].config == dict(
        num_steps=5, M=dict(output_dir="/a", sub=dict(output_dir="/x"))
    )
    assert [datas[u][0].config for u in ("uni3", "uni4", "uni5")] == [None] * 3
    # Output paths at any depth are not parameters.
    swept = rs.swept_parameters(dict(uni1=datas["uni1"], uni2=datas["uni2"]))
    assert swept == dict(uni1=dict(num_steps=5), uni2=dict(num_steps=6))


def test_killed_run_without_run_or_loop_steps():
    # A killed run has only its cumulative timers: no 'run' total.
    killed = _data(complete=False, stats=False)
    for k in ("run", "init", "simulation"):
        del killed.totals[k]
    rows = _rows([_data()], [killed])
    assert rows["model_iteration"]["kind"] == "not comparable"
    # A side that never looped: an empty histogram is no reference.
    idle = _data()
    idle.stats["full_iteration"] = TimerStats()
    rows = _rows([idle], [_data()])
    assert rows["full_iteration"]["kind"] == "not run"


def test_via_ignores_timers_that_did_not_run():
    def with_idle_monitor(d):
        d.totals["monitor"] = 0.0
        d.invocations["monitor"] = 0
        return d

    rows = _rows(
        [with_idle_monitor(_data())],
        [with_idle_monitor(_data(step_ns=13_000, seed=2))],
    )
    assert rows["monitor"]["kind"] == "not run"
    assert rows["model_iteration"]["change"] == "slower"
    assert rows["full_iteration"]["via"] == ["model_iteration"]
    assert rows["full_iteration"]["change"] is None
