"""The process's resources and the benchmark summary as the log shows them:
CPU against wall time, peak RSS, and the per-timer lines (issue 20).
"""

from __future__ import annotations

import math
import os
import resource
import sys
from types import SimpleNamespace

import pytest

from utopya_backend.bench import _resources
from utopya_backend.bench._bench_summary import (
    DEFAULT_INFO_FSTR,
    format_stats_table,
    format_timer_lines,
)
from utopya_backend.bench._resources import (
    format_resources,
    peak_rss_bytes,
    process_cpu,
    process_resources,
)
from utopya_backend.core._timerstats import TimerStats

# .. measuring ................................................................


def test_process_cpu_is_the_rusage_of_this_process():
    before = resource.getrusage(resource.RUSAGE_SELF)
    got = process_cpu()
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert set(got) == {"user", "system"}
    assert before.ru_utime <= got["user"] <= after.ru_utime
    assert before.ru_stime <= got["system"] <= after.ru_stime


def test_without_the_resource_module_cpu_comes_from_os_times(monkeypatch):
    monkeypatch.setitem(sys.modules, "resource", None)  # as on Windows
    before = os.times()
    got = process_cpu()
    after = os.times()
    assert before.user <= got["user"] <= after.user
    assert before.system <= got["system"] <= after.system
    assert peak_rss_bytes() is None


def test_peak_rss_in_bytes_on_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    got = peak_rss_bytes()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert isinstance(got, int)
    assert got % 1024 == 0 and before <= got // 1024 <= after


def test_peak_rss_taken_as_bytes_on_macos(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    got = peak_rss_bytes()
    assert isinstance(got, int)
    assert kb <= got < kb * 2


def _fake(monkeypatch, cpu, rss):
    monkeypatch.setattr(_resources, "process_cpu", lambda: dict(cpu))
    monkeypatch.setattr(_resources, "peak_rss_bytes", lambda: rss)


def test_process_resources_since_the_start(monkeypatch):
    _fake(monkeypatch, dict(user=3.0, system=1.25), 5 * 2**20)
    got = process_resources(dict(user=1.0, system=0.5), 2)
    assert got == dict(
        cpu_user=2.0, cpu_system=0.75, cpu=2.75, wall=2.0, peak_rss=5 * 2**20
    )
    assert list(got) == list(_resources.RESOURCE_LABELS)
    assert type(got["wall"]) is float and type(got["peak_rss"]) is float


def test_process_resources_without_a_start_count_from_zero(monkeypatch):
    _fake(monkeypatch, dict(user=3.0, system=1.25), None)
    got = process_resources(None, 4.5)
    assert got["cpu_user"] == 3.0 and got["cpu_system"] == 1.25
    assert got["cpu"] == 4.25 and got["wall"] == 4.5
    assert math.isnan(got["peak_rss"])


def test_process_resources_of_this_process():
    got = process_resources(process_cpu(), 1.0)
    assert 0 <= got["cpu"] < 5
    assert got["peak_rss"] > 1e6


# .. formatting ...............................................................

RES = dict(cpu=1.2, cpu_user=1.1, cpu_system=0.1, wall=1.3, peak_rss=85.2e6)


def test_format_resources_line():
    assert format_resources(RES) == (
        "CPU 1.20s (user 1.10s + system 100.00ms) = 92% of 1.30s wall; "
        "peak RSS 81.3 MiB"
    )


@pytest.mark.parametrize(
    "change",
    [
        dict(wall=0.0),
        dict(wall=None),
        dict(wall=-1.0),
        dict(cpu=None),
        dict(cpu=float("nan")),
        dict(cpu=float("inf")),
    ],
)
def test_no_share_without_cpu_and_a_positive_wall_time(change):
    text = format_resources(dict(RES, **change))
    assert "%" not in text and " wall" not in text
    assert text.endswith("; peak RSS 81.3 MiB")


def test_share_below_one_second_of_wall_time():
    text = format_resources(dict(RES, cpu=0.25, wall=0.5))
    assert "CPU 250.00ms " in text
    assert " = 50% of 500.00ms wall;" in text


def test_unknown_figures_shown_as_dashes():
    res = dict(RES, cpu_system=float("nan"), peak_rss=float("nan"))
    assert format_resources(res) == (
        "CPU 1.20s (user 1.10s + system -) = 92% of 1.30s wall; peak RSS -"
    )
    assert format_resources({}) == "CPU - (user - + system -); peak RSS -"


# .. the summary ..............................................................


def _timer(name, elapsed, invocations):
    return SimpleNamespace(name=name, elapsed=elapsed, invocations=invocations)


TIMERS = [_timer("init", 0.5, 1), _timer("model_iteration", 2.0, 4)]


def test_timer_lines_in_the_default_format():
    assert format_timer_lines(TIMERS, DEFAULT_INFO_FSTR) == (
        "             init : 500.00ms\n" "  model_iteration : 2.00s"
    )


def test_timer_lines_sorted_longest_first():
    text = format_timer_lines(TIMERS, "{name}", sort=True)
    assert text == "model_iteration\ninit"
    assert format_timer_lines(TIMERS, "{name}") == "init\nmodel_iteration"


def test_timer_line_fields():
    fstr = (
        "{name:<{w}}|{seconds}|{time_str}|{max_seconds}|"
        "{percent_of_max:.0f}|{count}|{mean}|{extra}"
    )
    lines = format_timer_lines(TIMERS, fstr, ms_precision=1, extra="x").split(
        "\n"
    )
    assert lines == [
        "init           |0.5|500.0ms|2.0|25|1|0.5|x",
        "model_iteration|2.0|2.0s|2.0|100|4|0.5|x",
    ]


def test_timer_lines_with_a_given_width():
    assert format_timer_lines(TIMERS[:1], "[{name:>{w}}]", width=6) == (
        "[  init]"
    )
    # no width given: the longest name
    assert format_timer_lines(TIMERS[:1], "[{name:>{w}}]") == "[init]"
    one = [_timer("a", 1.0, 1)]
    assert format_timer_lines(one, "[{name:>{w}}]") == "[a]"


def test_timer_lines_of_timers_that_never_ran():
    timers = [_timer("a", 0.0, 0), _timer("bb", 0.0, 0)]
    text = format_timer_lines(timers, "{w} {percent_of_max} {mean}")
    assert text == "2 0.0 0.0\n2 0.0 0.0"
    assert format_timer_lines([], "{name}") == ""


def test_stats_table():
    stats = {
        "model_iteration": TimerStats.from_durations([3000, 5000, 10000]),
        "idle": TimerStats(),
    }
    assert format_stats_table(stats, RES) == "\n".join(
        [
            "Per invocation:",
            "            timer      count       mean        p50        p90"
            "        p99        max",
            # p50: bucket 4608 .. 5119 ns, p90: bucket 9216 .. 10239 ns
            "  model_iteration          3      6.0µs      4.9µs      9.7µs"
            "      9.7µs     10.0µs",
            "             idle          0          -          -          -"
            "          -          -",
            "",
            format_resources(RES),
        ]
    )


def test_stats_table_widens_for_long_names():
    name = "a_very_long_timer_name"
    text = format_stats_table({name: TimerStats.from_durations([1])}, {})
    lines = text.split("\n")
    assert lines[1] == f"  {'timer':>22s}" + "".join(
        f"  {h:>9s}" for h in ("count", "mean", "p50", "p90", "p99", "max")
    )
    assert lines[2].startswith(f"  {name}          1")
