"""The text and JSON of timing reports (``_report_format``, re-exported by
``report``): the universes table and its header, universes that lack a
figure, each universe's model, and the table of a model's live timers."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from utopya_backend.core._timefmt import format_time
from utopya_backend.reports import report


def _universe(run_dir, name, totals, *, invocations=True, model="M"):
    d = run_dir / "data" / name
    d.mkdir(parents=True)
    with h5py.File(d / "data.h5", "w") as f:
        grp = f.create_group(model).create_group("benchmark")
        total = grp.create_dataset(
            "total", data=np.array(list(totals.values()), dtype=float)
        )
        total.attrs["coords__label"] = list(totals)
        if invocations:
            total.attrs["invocations"] = [10] * len(totals)


def test_universes_table_header_names_each_column(tmp_path):
    _universe(tmp_path, "uni1", dict(simulation=2.0, full_iteration=1.0))
    loaded = report.load_path(str(tmp_path))
    text = report.format_universes(report.universe_summary(loaded["items"]))
    header = text.splitlines()[0]
    assert header.split() == [
        "universe",
        "simulation",
        "run",
        "per",
        "iter",
        "writes",
    ]
    # right-aligned over the columns of the rows below
    assert header == (
        f"  {'universe':>10s}  {'simulation':>10s}  {'run':>9s}  "
        f"{'per iter':>9s}  {'writes':>7s}"
    )


def test_a_universe_without_a_per_iteration_figure_shows_a_dash(tmp_path):
    # no invocation counts stored, and no full_iteration timer at all
    _universe(
        tmp_path,
        "uni1",
        dict(simulation=3.0, full_iteration=1.5),
        invocations=False,
    )
    _universe(tmp_path, "uni2", dict(simulation=2.0, run=1.0))
    loaded = report.load_path(str(tmp_path))
    summary = report.universe_summary(loaded["items"])
    uni = {u["universe"]: u for u in summary["universes"]}
    assert uni["uni1"]["full_iteration"] == 1.5
    assert uni["uni1"]["per_iteration"] is None
    assert uni["uni2"]["full_iteration"] is None
    assert uni["uni2"]["per_iteration"] is None
    rows = [
        line.split()
        for line in report.format_universes(summary).splitlines()[1:3]
    ]
    assert rows == [
        ["uni1", format_time(3.0), "-", "-", "-"],
        ["uni2", format_time(2.0), format_time(1.0), "-", "-"],
    ]


def test_each_universe_names_its_model(tmp_path):
    _universe(tmp_path, "uni1", dict(simulation=1.0), model="ForestFire")
    _universe(tmp_path, "uni2", dict(simulation=2.0), model="SIS")
    out = report.to_json(report.load_path(str(tmp_path)))
    assert [(u["universe"], u["model"]) for u in out["universes"]] == [
        ("uni1", "ForestFire"),
        ("uni2", "SIS"),
    ]


def test_rows_of_a_models_live_timers(timing):
    clock = [0.0]

    def time_func():
        return clock[0]

    sim = timing.Timer("simulation", time_func=time_func)
    write = timing.Timer("write_data", time_func=time_func)
    sim.start()
    for _ in range(2):
        write.unpause()
        clock[0] += 0.5
        write.pause()
    clock[0] += 1.0
    sim.stop()
    rows = report.timer_rows({"simulation": sim, "write_data": write})
    assert rows == [
        dict(
            timer="simulation",
            seconds=pytest.approx(2.0),
            share=pytest.approx(1.0),
            invocations=1,
            mean=pytest.approx(2.0),
        ),
        dict(
            timer="write_data",
            seconds=pytest.approx(1.0),
            share=pytest.approx(0.5),
            invocations=2,
            mean=pytest.approx(0.5),
        ),
    ]
    table = report.format_timer_rows(rows)
    line = next(s for s in table.splitlines() if "write_data" in s)
    assert line.split() == [
        "write_data",
        format_time(1.0),
        "50.0%",
        "2",
        format_time(0.5),
    ]


def test_timer_rows_of_no_timers():
    assert report.timer_rows({}) == []


def _row(timer, seconds, invocations=1):
    return dict(
        timer=timer,
        seconds=seconds,
        share=seconds / 10.0,
        invocations=invocations,
        mean=seconds / invocations,
    )


def _timers_in(table):
    return [line.split()[0] for line in table.splitlines()[1:]]


def test_an_unmeasured_teardown_is_left_out_with_a_note():
    rows = [_row("simulation", 10.0), _row("teardown", 0.0), _row("run", 9)]
    table = report.format_timer_rows(rows)
    assert _timers_in(table)[:2] == ["simulation", "run"]
    assert "teardown" not in table.split(report.NESTING_NOTE)[0]
    assert table.endswith(report.NESTING_NOTE + "\n" + report.TEARDOWN_NOTE)


def test_a_measured_teardown_is_shown_without_the_note():
    rows = [_row("simulation", 10.0), _row("teardown", 0.5)]
    table = report.format_timer_rows(rows)
    assert _timers_in(table)[:2] == ["simulation", "teardown"]
    assert table.endswith(report.NESTING_NOTE)
    assert report.TEARDOWN_NOTE not in table


def test_without_teardown_there_is_no_teardown_note():
    table = report.format_timer_rows([_row("simulation", 10.0)])
    assert table.endswith(report.NESTING_NOTE)
    assert report.TEARDOWN_NOTE not in table


def test_table_of_an_incomplete_run_starts_with_its_file_and_group(tmp_path):
    path = str(tmp_path / "f.h5")
    h5py.File(path, "w").close()
    data = report.BenchmarkData(
        path=path,
        model="M",
        group="/M/benchmark",
        totals={},
        invocations={},
        complete=False,
    )  # no rows read at all
    lines = report.format_table(data).splitlines()
    assert lines[0] == f"{path} : /M/benchmark"
    head = next(s for s in lines if "incomplete run" in s)
    assert head.endswith("the cumulative timers at the last of 0 stored rows")
