"""``report``: the figures of timing reports, from hand-made files.

The files are written here with h5py in the layout the benchmark mixin
writes (a ``total`` dataset and a ``cumulative`` one, labelled), so every
figure is known in advance: shares, means, per-iteration times, the median
across universes, the order of universes, and the errors for malformed
benchmark groups.
"""

from __future__ import annotations

import json
import math

import h5py
import numpy as np
import pytest

from utopya_backend.core._timefmt import format_time
from utopya_backend.reports import report
from utopya_backend.reports.report import ReportError

LABELS = ["full_iteration", "model_iteration", "write_data"]


def write_group(
    path,
    *,
    model="M",
    group="benchmark",
    totals=None,
    invocations=None,
    cumulative=None,
    n_iterations=("start_and_step", [0, 10]),
    labels=LABELS,
    mode="a",
):
    """Write one benchmark group as the mixin does; return its path."""
    with h5py.File(path, mode) as f:
        grp = f.require_group(model).create_group(group)
        if totals is not None:
            names = list(totals)
            total = grp.create_dataset(
                "total", data=np.array(list(totals.values()), dtype=float)
            )
            total.attrs["coords__label"] = names
            if invocations is not None:
                total.attrs["invocations"] = [invocations[n] for n in names]
        if cumulative is not None:
            cum = grp.create_dataset(
                "cumulative", data=np.asarray(cumulative, dtype=float)
            )
            cum.attrs["coords__label"] = labels
            mode_name, coords = n_iterations
            cum.attrs["coords_mode__n_iterations"] = mode_name
            if coords is not None:
                cum.attrs["coords__n_iterations"] = coords
    return str(path)


def universe(run_dir, name, simulation, *, run=None, **kw):
    d = run_dir / "data" / name
    d.mkdir(parents=True)
    totals = dict(simulation=simulation, full_iteration=simulation / 2)
    if run is not None:
        totals["run"] = run
    kw.setdefault("invocations", {n: 10 for n in totals})
    return write_group(d / "data.h5", totals=totals, **kw)


# .. Shares, means, the simulation total .....................................


def test_share_and_mean_of_each_timer(tmp_path):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=8.0, run=6.0, write_data=2.0, idle=0.0),
        invocations=dict(simulation=1, run=1, write_data=4, idle=0),
    )
    (data,) = report.find_benchmarks(path)
    assert data.complete and data.model == "M"
    assert data.group == "/M/benchmark"
    rows = {r["timer"]: r for r in data.rows()}
    assert list(rows) == ["simulation", "run", "write_data", "idle"]
    assert rows["simulation"]["share"] == 1.0
    assert rows["run"]["share"] == 0.75
    assert rows["write_data"]["share"] == 0.25
    assert rows["write_data"]["mean"] == 0.5  # seconds / invocations
    assert rows["write_data"]["invocations"] == 4
    assert rows["run"]["seconds"] == 6.0 and rows["run"]["mean"] == 6.0
    # never invoked: no mean (not a division by zero)
    assert rows["idle"]["mean"] is None and rows["idle"]["share"] == 0.0


def test_share_is_relative_to_the_largest_total_without_simulation(tmp_path):
    path = write_group(
        tmp_path / "f.h5", totals=dict(a=1.0, b=4.0, c=2.0), invocations=None
    )
    (data,) = report.find_benchmarks(path)
    assert data.simulation == 4.0
    shares = {r["timer"]: r["share"] for r in data.rows()}
    assert shares == dict(a=0.25, b=1.0, c=0.5)
    # no invocation counts stored: no counts and no means
    assert all(
        r["invocations"] is None and r["mean"] is None for r in data.rows()
    )


def test_zero_simulation_time_gives_zero_shares(tmp_path):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=0.0, run=0.0),
        invocations=dict(simulation=1, run=1),
    )
    (data,) = report.find_benchmarks(path)
    assert [r["share"] for r in data.rows()] == [0.0, 0.0]
    assert [r["mean"] for r in data.rows()] == [0.0, 0.0]


def _table(data):
    """The table's lines without the provenance line (tested elsewhere)."""
    return [
        line
        for line in report.format_table(data).splitlines()
        if not line.lstrip().startswith("produced by:")
    ]


def test_table_shows_total_share_count_and_mean(tmp_path):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=8.0, write_data=2.0, idle=0.0),
        invocations=dict(simulation=1, write_data=4, idle=0),
    )
    (data,) = report.find_benchmarks(path)
    lines = _table(data)
    assert lines[0] == f"{path} : /M/benchmark"
    assert lines[1].split() == ["timer", "total", "share", "count", "mean"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert rows["simulation"] == [
        "simulation",
        "8.00s",
        "100.0%",
        "1",
        "8.00s",
    ]
    assert rows["write_data"] == [
        "write_data",
        format_time(2.0),
        "25.0%",
        "4",
        format_time(0.5),
    ]
    assert rows["idle"] == ["idle", "0s", "0.0%", "0", "-"]


def test_table_without_counts_shows_dashes(tmp_path):
    path = write_group(tmp_path / "f.h5", totals=dict(simulation=3.0))
    (data,) = report.find_benchmarks(path)
    row = _table(data)[2].split()
    assert row == ["simulation", "3.00s", "100.0%", "-", "-"]


# .. Per-iteration figures ...................................................


def test_per_iteration_seconds_between_writes(tmp_path):
    cum = [
        [0.0, 0.0, 0.0],
        [1.0, 0.5, 0.1],
        [3.0, 1.5, 0.2],
        [3.0, 1.5, 0.2],  # same n_iterations again: skipped
        [7.0, 3.0, 0.3],
    ]
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=8.0, full_iteration=7.0),
        invocations=dict(simulation=1, full_iteration=40),
        cumulative=cum,
        n_iterations=("values", [0, 10, 20, 20, 40]),
    )
    (data,) = report.find_benchmarks(path)
    assert data.labels == LABELS
    assert data.n_iterations.tolist() == [0, 10, 20, 20, 40]
    assert data.last_n_iterations == 40
    per = data.per_iteration()
    assert per["n_iterations"].tolist() == [10, 20, 40]
    np.testing.assert_allclose(per["seconds"], [0.1, 0.2, 0.2])


def test_per_iteration_needs_two_rows_and_full_iteration(tmp_path):
    one_row = write_group(
        tmp_path / "a.h5",
        totals=dict(simulation=1.0),
        cumulative=[[1.0, 0.5, 0.1]],
    )
    (data,) = report.find_benchmarks(one_row)
    assert data.per_iteration() is None
    assert data.last_n_iterations == 0

    two_rows = write_group(
        tmp_path / "b.h5",
        totals=dict(simulation=1.0),
        cumulative=[[0.0, 0.0], [1.0, 0.5]],
        labels=["model_iteration", "write_data"],
    )
    (data,) = report.find_benchmarks(two_rows)
    assert data.per_iteration() is None

    no_rows = write_group(tmp_path / "c.h5", totals=dict(simulation=1.0))
    (data,) = report.find_benchmarks(no_rows)
    assert data.per_iteration() is None and data.last_n_iterations is None


@pytest.mark.parametrize(
    "n_iterations, expected",
    [
        (("start_and_step", [5, 10]), [5, 15, 25]),
        (("trivial", None), [0, 1, 2]),
        (("values", [3, 4, 9, 100]), [3, 4, 9]),  # extra values ignored
    ],
)
def test_n_iterations_coordinate_modes(tmp_path, n_iterations, expected):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=1.0),
        cumulative=np.ones((3, 3)),
        n_iterations=n_iterations,
    )
    (data,) = report.find_benchmarks(path)
    assert data.n_iterations.tolist() == expected


def test_linked_n_iterations_keep_the_rows_that_have_both(tmp_path):
    path = tmp_path / "f.h5"
    write_group(
        path,
        totals=None,
        cumulative=np.arange(12.0).reshape(4, 3),
        n_iterations=("linked", "n_iter"),
    )
    with h5py.File(path, "a") as f:
        f["M/benchmark"].create_dataset("n_iter", data=[2, 4, 6])
    (data,) = report.find_benchmarks(str(path))
    assert data.n_iterations.tolist() == [2, 4, 6]
    assert data.cumulative.shape == (3, 3)
    assert not data.complete
    assert data.totals == dict(
        full_iteration=6.0, model_iteration=7.0, write_data=8.0
    )
    assert data.invocations == dict.fromkeys(LABELS)


def test_killed_run_is_reported_from_its_last_row(tmp_path):
    path = write_group(
        tmp_path / "f.h5",
        cumulative=[[1.0, 0.5, 0.25], [4.0, 3.0, 0.5]],
        n_iterations=("start_and_step", [10, 10]),
    )
    (data,) = report.find_benchmarks(path)
    assert not data.complete
    assert data.totals == dict(
        full_iteration=4.0, model_iteration=3.0, write_data=0.5
    )
    assert data.simulation == 4.0  # the largest total
    head = _table(data)[1]
    assert "incomplete" in head and "2 stored rows" in head
    assert head.endswith("at iteration 20")


def test_killed_run_without_rows(tmp_path):
    path = write_group(tmp_path / "f.h5", cumulative=np.empty((0, 3)))
    (data,) = report.find_benchmarks(path)
    assert not data.complete and data.totals == {}
    assert data.simulation == 0.0 and data.last_n_iterations is None
    head = _table(data)[1]
    assert "0 stored rows" in head and "at iteration" not in head


# .. Run directories: order, median, per-iteration ...........................


def test_universes_in_numeric_order(tmp_path):
    for n, sim in ((10, 1.0), (2, 2.0), (1, 3.0), (3, 4.0)):
        universe(tmp_path, f"uni{n}", sim)
    loaded = report.load_path(str(tmp_path))
    assert loaded["kind"] == "run" and loaded["skipped"] == []
    order = ["uni1", "uni2", "uni3", "uni10"]
    assert list(loaded["items"]) == order
    out = report.to_json(loaded)
    assert [b["source"] for b in out["benchmarks"]] == order
    assert [u["universe"] for u in out["universes"]] == order


def test_summary_across_universes_uses_the_median(tmp_path):
    for n, sim in ((1, 1.0), (2, 2.0), (3, 30.0)):
        universe(tmp_path, f"uni{n}", sim, run=sim / 4)
    summary = report.universe_summary(report.load_path(str(tmp_path))["items"])
    assert summary["summary"] == dict(
        count=3, min=1.0, median=2.0, max=30.0, slowest="uni3"
    )
    uni = {u["universe"]: u for u in summary["universes"]}
    assert uni["uni3"]["simulation"] == 30.0
    assert uni["uni3"]["run"] == 7.5
    assert uni["uni3"]["full_iteration"] == 15.0
    assert uni["uni3"]["per_iteration"] == 1.5  # 15 s over 10 iterations
    assert uni["uni3"]["writes"] is None and uni["uni3"]["complete"]

    text = report.format_universes(summary)
    assert (
        f"3 universes; simulation time min {format_time(1.0)}, median "
        f"{format_time(2.0)}, max {format_time(30.0)} (slowest: uni3)"
    ) in text
    rows = [line.split() for line in text.splitlines()[1:4]]
    assert [r[0] for r in rows] == ["uni3", "uni2", "uni1"]  # slowest first
    assert rows[0] == [
        "uni3",
        format_time(30.0),
        format_time(7.5),
        format_time(1.5),
        "-",
    ]
    assert "incomplete" not in text


def test_median_of_an_even_count_is_the_middle_mean(tmp_path):
    for n, sim in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 100.0)):
        universe(tmp_path, f"uni{n}", sim)
    out = report.to_json(report.load_path(str(tmp_path)))
    assert out["summary"]["median"] == 3.0
    assert out["summary"]["count"] == 4


def test_incomplete_universe_per_iteration_uses_its_last_row(tmp_path):
    universe(tmp_path, "uni1", 4.0)
    d = tmp_path / "data" / "uni2"
    d.mkdir(parents=True)
    write_group(
        d / "data.h5",
        cumulative=[[1.0, 0.5, 0.1], [6.0, 3.0, 0.2]],
        n_iterations=("start_and_step", [0, 20]),
    )
    summary = report.universe_summary(report.load_path(str(tmp_path))["items"])
    uni = {u["universe"]: u for u in summary["universes"]}
    assert not uni["uni2"]["complete"] and uni["uni2"]["writes"] == 2
    assert uni["uni2"]["per_iteration"] == 0.3  # 6 s over 20 iterations
    assert uni["uni2"]["run"] is None
    text = report.format_universes(summary)
    rows = {line.split()[0]: line.split() for line in text.splitlines()[1:3]}
    assert rows["uni2*"] == [
        "uni2*",
        format_time(6.0),
        "-",
        format_time(0.3),
        "2",
    ]
    assert (
        text.splitlines()[-1].split()
        == (
            "* 1 incomplete (killed?) universe(s): figures up to their last "
            "stored row"
        ).split()
    )


def test_unreadable_universes_are_skipped_and_named(tmp_path):
    universe(tmp_path, "uni1", 1.0)
    bad = tmp_path / "data" / "uni2"
    bad.mkdir(parents=True)
    (bad / "data.h5").write_bytes(b"not hdf5")
    loaded = report.load_path(str(tmp_path))
    assert list(loaded["items"]) == ["uni1"]
    (skip,) = loaded["skipped"]
    assert skip["universe"] == "uni2"
    assert skip["path"] == str(bad / "data.h5")
    assert skip["error"].startswith(f"{bad / 'data.h5'}: not a readable")
    assert report.to_json(loaded)["skipped"] == [skip]


def test_run_directory_that_cannot_be_read(tmp_path):
    with pytest.raises(ReportError) as err:
        report.load_path(str(tmp_path))
    assert str(err.value) == (
        f"{tmp_path}: a directory without data/uni*/data.h5 files "
        "(expected a utopya run directory)"
    )
    bad = tmp_path / "data" / "uni1"
    bad.mkdir(parents=True)
    (bad / "data.h5").write_bytes(b"not hdf5")
    with pytest.raises(ReportError) as err:
        report.load_path(str(tmp_path))
    assert str(err.value).startswith(
        f"{tmp_path}: none of its 1 universes could be read; first: "
        f"{bad / 'data.h5'}: not a readable HDF5 file"
    )


# .. JSON ....................................................................


def test_json_of_a_file(tmp_path):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=2.0, run=math.nan),
        invocations=dict(simulation=1, run=2),
        cumulative=[[0.0, 0.0, 0.0], [1.0, 0.5, 0.25]],
    )
    out = report.to_json(report.load_path(path))
    json.dumps(out, allow_nan=False)  # plain JSON
    assert out["kind"] == "file" and "universes" not in out
    (b,) = out["benchmarks"]
    assert b == dict(
        source=path,
        path=path,
        model="M",
        group="/M/benchmark",
        timers=[
            dict(
                timer="simulation",
                seconds=2.0,
                share=1.0,
                invocations=1,
                mean=2.0,
            ),
            dict(
                timer="run",
                seconds=None,
                share=None,
                invocations=2,
                mean=None,
            ),
        ],
        writes=2,
        complete=True,
        last_n_iterations=10,
        per_invocation={},  # no statistics stored in this group
        resources={},
    )
    assert type(b["writes"]) is int and type(b["complete"]) is bool


def test_json_values_are_plain():
    plain = report._plain(
        {
            1: (np.float32(0.5), np.int64(3), np.bool_(True)),
            "x": [math.inf, -math.inf, None, "s", True],
        }
    )
    assert plain == {"1": [0.5, 3, True], "x": [None, None, None, "s", True]}
    assert type(plain["1"][1]) is int and type(plain["1"][2]) is bool
    assert type(plain["1"][0]) is float


# .. Files and groups ........................................................


def test_every_model_and_every_benchmark_group_is_found(tmp_path):
    path = tmp_path / "f.h5"
    write_group(path, model="B", group="bench", totals=dict(simulation=1.0))
    write_group(path, model="A", group="timing", totals=dict(simulation=2.0))
    write_group(path, model="A", group="zz", totals=None)  # empty group
    with h5py.File(path, "a") as f:
        f.create_dataset("top_level_dataset", data=[1])
        f["A"].create_dataset("x", data=[1, 2])
    found = report.find_benchmarks(str(path))
    assert [(d.model, d.group) for d in found] == [
        ("A", "/A/timing"),
        ("B", "/B/bench"),
    ]
    (only,) = report.find_benchmarks(str(path), model="B")
    assert only.group == "/B/bench" and only.totals == dict(simulation=1.0)


def test_model_not_in_file_lists_the_groups(tmp_path):
    path = tmp_path / "f.h5"
    write_group(path, model="B", totals=dict(simulation=1.0))
    write_group(path, model="A", totals=dict(simulation=1.0))
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(str(path), model="C")
    assert str(err.value) == f"{path}: no model group 'C'; groups: A, B"

    empty = tmp_path / "empty.h5"
    h5py.File(empty, "w").close()
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(str(empty), model="C")
    assert str(err.value) == f"{empty}: no model group 'C'; groups: (none)"
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(str(empty))
    assert str(err.value) == f"{empty}: no benchmark group found"


def test_missing_and_odd_paths(tmp_path):
    with pytest.raises(ReportError) as err:
        report.load_path(str(tmp_path / "nope.h5"))
    assert (
        str(err.value) == f"{tmp_path / 'nope.h5'}: no such file or directory"
    )


def damaged(path, how):
    """A file whose benchmark group is malformed in one way."""
    totals = dict(simulation=2.0, run=1.0)
    cum = [[0.0, 0.0, 0.0], [1.0, 0.5, 0.25]]
    write_group(path, totals=totals, cumulative=cum, mode="w")
    with h5py.File(path, "a") as f:
        grp = f["M/benchmark"]
        if how == "total without labels":
            del grp["total"].attrs["coords__label"]
        elif how == "total is a group":
            del grp["total"]
            grp.create_group("total")
        elif how == "labels are numbers":
            grp["total"].attrs["coords__label"] = [1, 2]
        elif how == "total is 2-d":
            del grp["total"]
            grp.create_dataset("total", data=np.ones((2, 1)))
            grp["total"].attrs["coords__label"] = ["simulation", "run"]
        elif how == "more values than labels":
            grp["total"].attrs["coords__label"] = ["simulation"]
        elif how == "invocation count":
            grp["total"].attrs["invocations"] = [1, 2, 3]
        elif how == "cumulative width":
            grp["cumulative"].attrs["coords__label"] = ["a", "b"]
        elif how == "cumulative 1-d":
            del grp["cumulative"]
            grp.create_dataset("cumulative", data=[1.0, 2.0])
            grp["cumulative"].attrs["coords__label"] = ["a"]
        elif how == "dangling link":
            attrs = grp["cumulative"].attrs
            attrs["coords_mode__n_iterations"] = "linked"
            attrs["coords__n_iterations"] = "n_iter"
        elif how == "unknown mode":
            grp["cumulative"].attrs["coords_mode__n_iterations"] = "weird"


@pytest.mark.parametrize(
    "how, message",
    [
        (
            "total without labels",
            "/M/benchmark/total is not a benchmark 'total' dataset "
            "(expected a dataset with a coords__label attribute)",
        ),
        (
            "total is a group",
            "/M/benchmark/total is not a benchmark 'total' dataset "
            "(expected a dataset with a coords__label attribute)",
        ),
        (
            "labels are numbers",
            "/M/benchmark/total has labels that are not names: ",
        ),
        (
            "total is 2-d",
            "/M/benchmark/total is not a benchmark 'total' dataset "
            "(expected 1-d with coords__label)",
        ),
        (
            "more values than labels",
            "/M/benchmark/total has 2 values but 1 labels",
        ),
        (
            "invocation count",
            "/M/benchmark/total has 3 invocation counts but 2 labels",
        ),
        (
            "cumulative width",
            "/M/benchmark/cumulative has shape (2, 3), expected (rows, 2) "
            "for its 2 labels",
        ),
        (
            "cumulative 1-d",
            "/M/benchmark/cumulative has shape (2,), expected (rows, 1) "
            "for its 1 labels",
        ),
        (
            "dangling link",
            "/M/benchmark/cumulative links its n_iterations coordinate to "
            "'n_iter', which is not in /M/benchmark",
        ),
        (
            "unknown mode",
            "dataset /M/benchmark/cumulative has an unknown n_iterations "
            "coordinate mode 'weird'",
        ),
    ],
)
def test_malformed_benchmark_groups(tmp_path, how, message):
    path = tmp_path / "damaged.h5"
    damaged(path, how)
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(str(path))
    text = str(err.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "\n" not in text
    # a run directory reports the others and names the damaged one
    universe(tmp_path, "uni1", 1.0)
    d = tmp_path / "data" / "uni2"
    d.mkdir(parents=True)
    damaged(d / "data.h5", how)
    loaded = report.load_path(str(tmp_path))
    assert list(loaded["items"]) == ["uni1"]
    assert loaded["skipped"][0]["error"].startswith(
        f"{d / 'data.h5'}: {message}"
    )


def test_group_without_total_or_labelled_rows_is_no_benchmark(tmp_path):
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        grp = f.create_group("M").create_group("benchmark")
        grp.create_dataset("cumulative", data=np.ones((2, 2)))
        f["M"].create_group("other").create_group("cumulative")
    with pytest.raises(ReportError, match=r"no benchmark group found$"):
        report.find_benchmarks(str(path))


def test_byte_labels_are_decoded(tmp_path):
    path = tmp_path / "f.h5"
    write_group(path, totals=dict(simulation=2.0, run=1.0))
    with h5py.File(path, "a") as f:
        f["M/benchmark/total"].attrs["coords__label"] = np.array(
            [b"simulation", b"r\xc3\xbcn"]
        )
    (data,) = report.find_benchmarks(str(path))
    assert list(data.totals) == ["simulation", "rün"]


def plotted(monkeypatch, loaded, out):
    """Plot ``loaded`` to ``out``; return the figure's two panels."""
    plt = pytest.importorskip("matplotlib.pyplot")
    figures = []
    close = plt.close
    monkeypatch.setattr(
        plt, "close", lambda fig: (figures.append(fig), close(fig))
    )
    report.plot(loaded, str(out))
    (fig,) = figures
    return fig.axes


def test_plot_of_a_file(tmp_path, monkeypatch):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=2.0),
        cumulative=[[0.0, 0.0, 0.0], [1.0, 0.5, 0.25], [3.0, 1.5, 0.5]],
    )
    out = tmp_path / "plot"
    ax1, ax2 = plotted(monkeypatch, report.load_path(path), out)
    png = tmp_path / "plot.png"
    assert report.plot_path(str(out)) == str(png)
    assert report.plot_path(str(tmp_path / "p.svg")) == str(tmp_path / "p.svg")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert ax1.get_title() == "Cumulative benchmark timers"
    assert ax1.get_ylabel() == "cumulative time [s]"
    assert ax2.get_title() == "Time per iteration between data writes"
    assert ax2.get_xlabel() == "n_iterations"
    assert ax2.get_ylabel() == "time per iteration [µs]"
    assert [line.get_label() for line in ax1.lines] == LABELS
    np.testing.assert_allclose(ax1.lines[1].get_ydata(), [0.0, 0.5, 1.5])
    np.testing.assert_allclose(ax1.lines[1].get_xdata(), [0, 10, 20])
    (per,) = ax2.lines
    assert per.get_label() == "full_iteration"
    np.testing.assert_allclose(per.get_xdata(), [10, 20])
    np.testing.assert_allclose(per.get_ydata(), [1e5, 2e5])  # µs
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == [
        "full_iteration"
    ]


def test_plot_without_per_iteration_figures_has_no_second_legend(
    tmp_path, monkeypatch
):
    path = write_group(
        tmp_path / "f.h5",
        totals=dict(simulation=2.0),
        cumulative=[[1.0, 0.5, 0.25]],
    )
    ax1, ax2 = plotted(monkeypatch, report.load_path(path), tmp_path / "p")
    assert len(ax2.lines) == 0 and ax2.get_legend() is None
    assert len(ax1.lines) == 3 and ax1.get_legend() is not None
