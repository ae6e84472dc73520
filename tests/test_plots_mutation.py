"""The figures of ``report --plot`` on hand-made benchmark data.

Each figure is checked as its reader sees it: the file, its size, titles,
axis labels and the drawn data (matplotlib objects, not pixels).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

import numpy as np
import pytest

from utopya_backend.core._timefmt import format_time
from utopya_backend.core._timerstats import TimerStats
from utopya_backend.reports import _report_plot, plots
from utopya_backend.reports._report_read import BenchmarkData

mpl = pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

NAMES = [
    "init (incl. setup)",
    "prolog",
    "model step",
    "write data",
    "monitor & rest of loop",
    "epilog",
    "other",
]


@pytest.fixture
def figures(monkeypatch):
    """``{file name: figure}`` of the figures saved during a test."""
    saved: Dict[str, Any] = {}
    orig = Figure.savefig

    def savefig(self, path, *a, **kw):
        saved[os.path.basename(str(path))] = self
        return orig(self, path, *a, **kw)

    monkeypatch.setattr(Figure, "savefig", savefig)
    before = plt.get_fignums()
    yield saved
    # every figure is closed again (no figures pile up in a session),
    # and laid out so that labels do not overlap
    assert plt.get_fignums() == before
    for fig in saved.values():
        assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)


def data(
    path: str,
    model: str = "M",
    *,
    totals: Optional[Dict[str, Any]] = None,
    stats: Optional[Dict[str, TimerStats]] = None,
    full: Optional[List[float]] = None,
    every: int = 10,
    complete: bool = True,
    invocations: Optional[Dict[str, int]] = None,
    config: Optional[Dict[str, Any]] = None,
) -> BenchmarkData:
    """Benchmark data; ``full``: cumulative ``full_iteration`` seconds
    at the rows 0, every, 2 * every, ..."""
    d = BenchmarkData(
        path=path,
        model=model,
        group=f"{model}/benchmark",
        totals=dict(totals or dict(simulation=2.0)),
        invocations=dict(invocations or {}),
        complete=complete,
        stats=dict(stats or {}),
        config=config,
    )
    if full is not None:
        d.labels = ["full_iteration"]
        d.n_iterations = np.arange(len(full)) * every
        d.cumulative = np.array(full, dtype=float)[:, None]
    return d


def file_of(*datas: BenchmarkData) -> Dict[str, Any]:
    return dict(kind="file", items={datas[0].path: list(datas)})


def run_of(root: str, *datas: BenchmarkData) -> Dict[str, Any]:
    items = {}
    for i, d in enumerate(datas, start=1):
        d.path = os.path.join(root, "data", f"uni{i}", "data.h5")
        items[f"uni{i}"] = [d]
    return dict(kind="run", items=items)


def png_size(path: str) -> tuple:
    img = imread(path)
    return img.shape[1], img.shape[0]


def widths(ax: Any, row: int = 0) -> Dict[str, float]:
    """The bar segments of a breakdown row by legend name."""
    n = len(ax.get_yticks())
    return {
        name: ax.patches[k * n + row].get_width()
        for k, name in enumerate(NAMES)
    }


# -- breakdown ----------------------------------------------------------------

TOTALS = dict(
    simulation=10.0,
    init=1.0,
    prolog=0.5,
    model_iteration=3.0,
    write_data=2.0,
    full_iteration=4.0,
    epilog=0.25,
    monitor=0.1,
)


def test_breakdown_of_one_file(tmp_path, figures):
    d = data(str(tmp_path / "runs" / "a.h5"), "Fire", totals=TOTALS)
    path = plots.plot_breakdown(file_of(d), str(tmp_path / "fig.png"))
    assert path == str(tmp_path / "fig-breakdown.png")
    fig = figures["fig-breakdown.png"]
    (ax,) = fig.axes
    # The write is capped to what the iteration has left (4 - 3); the loop
    # has nothing left; the rest of the simulation time is "other".
    assert widths(ax) == dict(
        zip(NAMES, [1.0, 0.5, 3.0, 1.0, 0.0, 0.25, 4.25])
    )
    lefts = [p.get_x() for p in ax.patches]
    assert lefts == [0.0, 1.0, 1.5, 4.5, 5.5, 5.5, 5.75]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Fire"]
    assert ax.get_xlabel() == "wall time [s] (total = simulation)"
    assert ax.get_title() == (
        f"Where the time goes — Fire — {os.path.join('runs', 'a.h5')}"
    )
    assert tuple(fig.get_size_inches()) == (9, 2.8)
    assert png_size(path) == (990, 308)
    assert {p.get_height() for p in ax.patches} == {0.7}
    colors = [mpl.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert len(set(colors)) == 7  # each part its own colour
    assert colors[2:4] == ["#1f77b4", "#ff7f0e"]
    legend_below_in_rows(fig, ax, 2)


def legend_below_in_rows(fig: Any, ax: Any, rows: int) -> None:
    """The legend sits under the axes, unframed, its seven entries in
    rows of four, so that it covers no bar."""
    fig.canvas.draw()
    leg = ax.get_legend()
    assert not leg.get_frame_on()
    box, axes = leg.get_window_extent(), ax.get_window_extent()
    assert box.y1 <= axes.y0  # below the bars ...
    assert box.y1 <= ax.xaxis.label.get_window_extent().y0  # and the label
    assert box.y0 >= 0  # ... yet on the figure
    assert abs((box.x0 + box.x1) / 2 - (axes.x0 + axes.x1) / 2) < 2
    ys = sorted(t.get_window_extent().y0 for t in leg.get_texts())
    gaps = [b - a for a, b in zip(ys, ys[1:])]
    assert 1 + sum(g > 8 for g in gaps) == rows
    assert sum(y > ys[-1] - 8 for y in ys) == 4  # the first row is full


def test_breakdown_parts_are_never_negative_nor_counted_twice(
    tmp_path, figures
):
    totals = dict(
        simulation=3.0,
        init=2.0,
        model_iteration=5.0,
        write_data=1.0,
        full_iteration=2.5,
    )
    d = data(str(tmp_path / "a.h5"), totals=totals)
    plots.plot_breakdown(file_of(d), str(tmp_path / "f"))
    (ax,) = figures["f-breakdown.png"].axes
    # model step capped to the whole iteration, nothing left for writes
    # or the loop, and the parts already exceed the simulation: other 0.
    assert widths(ax) == dict(zip(NAMES, [2.0, 0.0, 2.5, 0.0, 0.0, 0.0, 0.0]))


def test_breakdown_loop_is_the_rest_of_the_iteration(tmp_path, figures):
    totals = dict(
        simulation=0.5, model_iteration=0.1, write_data=0.05,
        full_iteration=0.2,
    )  # fmt: skip
    d = data(str(tmp_path / "a.h5"), totals=totals)
    path = plots.plot_breakdown(file_of(d), str(tmp_path / "f.svg"))
    assert path == str(tmp_path / "f-breakdown.svg")
    (ax,) = figures["f-breakdown.svg"].axes
    # below a second, in milliseconds
    assert ax.get_xlabel() == "wall time [ms] (total = simulation)"
    got = widths(ax)
    expect = dict(zip(NAMES, [0.0, 0.0, 100.0, 50.0, 50.0, 0.0, 300.0]))
    assert got == pytest.approx(expect)


def test_breakdown_of_exactly_one_second_is_in_seconds(tmp_path, figures):
    d = data(str(tmp_path / "a.h5"), totals=dict(simulation=1.0))
    plots.plot_breakdown(file_of(d), str(tmp_path / "f.png"))
    (ax,) = figures["f-breakdown.png"].axes
    assert ax.get_xlabel() == "wall time [s] (total = simulation)"
    assert widths(ax)["other"] == 1.0


def test_breakdown_of_two_models_in_one_file(tmp_path, figures):
    p = str(tmp_path / "x" / "m.h5")
    a = data(p, "Zeta", totals=dict(simulation=2.0, init=1.0))
    b = data(p, "Alpha", totals=dict(simulation=4.0, epilog=1.0))
    plots.plot_breakdown(file_of(a, b), str(tmp_path / "f.png"))
    (ax,) = figures["f-breakdown.png"].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Zeta", "Alpha"]
    assert ax.yaxis_inverted()  # the first row on top
    assert widths(ax, 1)["epilog"] == 1.0 and widths(ax, 1)["other"] == 3.0
    assert ax.get_title().startswith("Where the time goes — Alpha, Zeta — ")


def test_breakdown_of_a_sweep_labels_universes(tmp_path, figures):
    ds = [
        data("", totals=dict(simulation=2.0), config=dict(p=0.123456, n=1)),
        data("", totals=dict(simulation=2.0), config=dict(p=0.5, n=1)),
        data("", totals=dict(simulation=2.0), config=dict(p=2.0, n=1)),
        data("", totals=dict(simulation=2.0), config=dict(p=1e-5, n=2)),
        data("", totals=dict(simulation=2.0), config=dict(p=7, n=2)),
    ]
    root = str(tmp_path / "sweep1")
    plots.plot_breakdown(run_of(root, *ds), str(tmp_path / "f.png"))
    fig = figures["f-breakdown.png"]
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "uni1: n=1, p=0.123",
        "uni2: n=1, p=0.5",
        "uni3: n=1, p=2",
        "uni4: n=2, p=1e-05",
        "uni5: n=2, p=7",
    ]
    assert (
        ax.get_title() == "Where the time goes — M — run sweep1 (5 universes)"
    )
    # taller with more rows: 0.35 inch a row
    assert fig.get_size_inches()[1] == pytest.approx(0.35 * 5 + 1.8)
    legend_below_in_rows(fig, ax, 2)


def test_labels_use_the_last_key_and_no_params_the_universe(tmp_path):
    assert plots._label("uni3", {}) == "uni3"
    assert plots._label("uni3", {"M.sub.rate": 0.25, "M.sub.n": 4}) == (
        "uni3: rate=0.25, n=4"
    )


def test_title_of_a_one_universe_run(tmp_path):
    loaded = run_of(str(tmp_path / "r"), data(""))
    assert plots._title(loaded, "X") == "X — M — run r (1 universe)"


# -- distributions ------------------------------------------------------------


def stats(*ns: int) -> TimerStats:
    return TimerStats.from_durations(list(ns))


def test_distributions_one_panel_per_timer_with_invocations(tmp_path, figures):
    st = dict(
        step=stats(1000, 1000, 1000, 2000),
        write=stats(5_000_000),
        never=TimerStats(),
    )
    d = data(str(tmp_path / "d" / "a.h5"), stats=st)
    path = plots.plot_distributions(file_of(d), str(tmp_path / "f.png"))
    assert path == str(tmp_path / "f-distributions.png")
    fig = figures["f-distributions.png"]
    axes = fig.axes
    assert len(axes) == 2 and all(a.get_visible() for a in axes)
    assert tuple(fig.get_size_inches()) == pytest.approx((10.4, 3.5))
    assert png_size(path) == (1144, 385)
    assert fig.get_suptitle() == (
        f"Time per invocation — M — {os.path.join('d', 'a.h5')}"
    )
    step, write = axes
    assert step.get_title() == (
        f"step: 4 invocations, mean {format_time(1.25e-6)}"
    )
    assert write.get_title() == (
        f"write: 1 invocation, mean {format_time(5e-3)}"
    )
    for ax in axes:
        assert ax.get_xscale() == "log"
        assert ax.get_xlabel() == "time per invocation"
        assert ax.get_ylabel() == "% of invocations per bucket"
    s = st["step"]
    lines = step.lines
    assert [ln.get_label() for ln in lines] == [
        f"p50 {format_time(s.percentile(50))}",
        f"p90 {format_time(s.percentile(90))}",
        f"p99 {format_time(s.percentile(99))}",
        f"max {format_time(2e-6)}",
    ]
    assert [ln.get_linestyle() for ln in lines] == ["-", "--", ":", "-"]
    assert [ln.get_xdata()[0] for ln in lines] == [
        s.percentile(50),
        s.percentile(90),
        s.percentile(99),
        2e-6,
    ]
    assert [ln.get_linewidth() for ln in lines] == [1, 1, 1, 1]
    assert mpl.colors.to_hex(lines[3].get_color()) == "#d62728"
    assert mpl.colors.to_hex(lines[0].get_color()) == "#000000"
    assert [t.get_text() for t in step.get_legend().get_texts()] == [
        ln.get_label() for ln in lines
    ]
    # the histogram: 3 of 4 in the 1 µs bucket, 1 in the 2 µs one
    (hist,) = step.patches
    assert hist.get_fill() and hist.get_alpha() == 0.6
    assert mpl.colors.to_hex(hist.get_facecolor()) == "#1f77b4"
    leg = step.get_legend()
    assert not leg.get_frame_on()
    values, edges, _ = hist.get_data()
    assert values[0] == 75.0 and values[-1] == 25.0 and values.sum() == 100
    # 8 buckets per doubling: 1 µs is in [960, 1024) ns, 2 µs in
    # [1920, 2048) ns
    assert edges[:2] == pytest.approx([960e-9, 1024e-9], rel=1e-12, abs=0)
    assert edges[-2:] == pytest.approx([1920e-9, 2048e-9], rel=1e-12, abs=0)
    assert step.get_xlim() == pytest.approx((1e-6 / 2.5, 2e-6 * 2.5))


def test_distributions_of_three_timers_hide_the_fourth_panel(
    tmp_path, figures
):
    st = dict(a=stats(10), b=stats(20), c=stats(30))
    d = data(str(tmp_path / "a.h5"), stats=st)
    plots.plot_distributions(file_of(d), str(tmp_path / "f.png"))
    fig = figures["f-distributions.png"]
    assert [a.get_visible() for a in fig.axes] == [True, True, True, False]
    assert tuple(fig.get_size_inches()) == pytest.approx((10.4, 6.4))


def test_distribution_of_one_timer_fills_the_figure(tmp_path, figures):
    d = data(str(tmp_path / "a.h5"), stats=dict(a=stats(3_000_000_000)))
    plots.plot_distributions(file_of(d), str(tmp_path / "f.png"))
    fig = figures["f-distributions.png"]
    (ax,) = fig.axes
    assert tuple(fig.get_size_inches()) == pytest.approx((5.2, 3.5))
    fmt = ax.xaxis.get_major_formatter()
    assert [fmt(v, 0) for v in (1.0, 3.0, 1e-3, 1e-5, 1e-7, 2.5e-9)] == [
        "1s",
        "3s",
        "1ms",
        "10µs",
        "100ns",
        "2.5ns",
    ]
    # a tick a hair below a decade (floating point) is named as the decade
    assert fmt(1e-3 * (1 - 1e-9), 0) == "1ms"
    assert fmt(1e-6 * (1 - 1e-9), 0) == "1µs"
    assert fmt(1.0 - 1e-9, 0) == "1s"
    assert fmt(0.998, 0) == "998ms"
    assert fmt(0.999, 0) == "0.999s"
    assert ax.xaxis.get_minor_formatter()(2e-3, 0) == ""
    locator = ax.xaxis.get_major_locator()
    ticks = [t for t in locator.tick_values(1e-3, 10) if 1e-3 <= t <= 10]
    assert ticks == pytest.approx([1e-3, 1e-2, 1e-1, 1.0, 10.0])


def test_distribution_of_zero_durations_stays_on_the_log_axis(
    tmp_path, figures
):
    d = data(str(tmp_path / "a.h5"), stats=dict(z=stats(0, 0)))
    plots.plot_distributions(file_of(d), str(tmp_path / "f.png"))
    (ax,) = figures["f-distributions.png"].axes
    values, edges, _ = ax.patches[0].get_data()
    assert list(values) == [100.0]
    assert edges[0] == 1e-9  # the 0 ns edge, moved onto the axis
    assert ax.get_xlim() == pytest.approx((1e-9 / 2.5, 1e-9 * 2.5))


def test_distributions_of_a_sweep_are_merged(tmp_path, figures):
    a = data("", stats=dict(t=stats(1000, 1000, 1000)))
    b = data("", stats=dict(t=stats(4000)))
    loaded = run_of(str(tmp_path / "r"), a, b)
    plots.plot_distributions(loaded, str(tmp_path / "f.png"))
    fig = figures["f-distributions.png"]
    (ax,) = fig.axes
    assert ax.get_title() == f"t: 4 invocations, mean {format_time(1.75e-6)}"
    assert fig.get_suptitle() == (
        "Time per invocation (all universes merged) — M — "
        "run r (2 universes)"
    )
    assert ax.get_xlim() == pytest.approx((1e-6 / 2.5, 4e-6 * 2.5))


# -- sweep small multiples ----------------------------------------------------


def sweep(tmp_path) -> Dict[str, Any]:
    return run_of(
        str(tmp_path / "r"),
        data("", full=[0.0, 1.0, 3.0], config=dict(p=1)),
        data("", full=[0.0, 3.0, 7.0], config=dict(p=2)),
        data("", full=[0.0, 2.0], complete=False, config=dict(p=3)),
        data("", config=dict(p=4)),  # no per-iteration data: no panel
        data(
            "",
            full=[0.0, 2.0, 5.0],
            invocations=dict(full_iteration=20),
            config=dict(p=5, num_steps=30),
        ),
    )


def test_sweep_panels_with_the_median_behind(tmp_path, figures):
    out = str(tmp_path / "s.png")
    path = plots.plot_sweep(sweep(tmp_path), out)
    assert path == str(tmp_path / "s-universes.png")
    fig = figures["s-universes.png"]
    axes = fig.axes
    assert [a.get_visible() for a in axes] == [True] * 4
    assert tuple(fig.get_size_inches()) == pytest.approx((11.0, 2.9))
    assert png_size(path) == (1210, 319)
    titles = [a.get_title() for a in axes]
    assert titles == [
        "uni1: num_steps=None, p=1",
        "uni2: num_steps=None, p=2",
        "uni3: num_steps=None, p=3 (stopped early)",
        "uni5: num_steps=30, p=5 (stopped early)",
    ]
    colors = [mpl.colors.to_hex(a.title.get_color()) for a in axes]
    assert colors == ["#000000", "#000000", "#d62728", "#d62728"]
    # median of the full-length universes (1, 2, 5), in µs per iteration
    median = [2e5, 3e5]
    for ax in axes:
        grey, own = ax.lines
        assert mpl.colors.to_hex(grey.get_color()) == "#bfbfbf"
        assert (grey.get_linewidth(), own.get_linewidth()) == (1.5, 1)
        np.testing.assert_allclose(grey.get_xdata(), [10, 20])
        np.testing.assert_allclose(grey.get_ydata(), median)
    np.testing.assert_allclose(axes[0].lines[1].get_ydata(), [1e5, 2e5])
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), [3e5, 4e5])
    np.testing.assert_allclose(axes[2].lines[1].get_xdata(), [10])
    np.testing.assert_allclose(axes[2].lines[1].get_ydata(), [2e5])
    assert mpl.colors.to_hex(axes[0].lines[1].get_color()) == "#1f77b4"
    assert axes[0].get_shared_x_axes().joined(axes[0], axes[3])
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[3])
    assert fig.get_supxlabel() == "n_iterations"
    assert fig.get_supylabel() == "time per iteration [µs]"
    assert fig.get_suptitle() == (
        "Time per iteration by universe (grey: median) — M — "
        "run r (5 universes)"
    )


def test_sweep_panel_that_ran_as_planned_is_not_stopped_early(
    tmp_path, figures
):
    loaded = run_of(
        str(tmp_path / "r"),
        data(
            "",
            full=[0.0, 1.0],
            invocations=dict(full_iteration=30),
            config=dict(num_steps=30),
        ),
    )
    path = plots.plot_sweep(loaded, str(tmp_path / "one.png"), exact=True)
    assert path == str(tmp_path / "one.png")
    (ax,) = figures["one.png"].axes
    assert ax.get_title() == "uni1"
    assert len(ax.lines) == 1  # one universe: no median behind it
    # nor is a complete run without invocation counts stopped early
    loaded["items"]["uni1"][0].invocations = {}
    plots.plot_sweep(loaded, str(tmp_path / "two.png"), exact=True)
    assert figures["two.png"].axes[0].get_title() == "uni1"
    assert tuple(figures["one.png"].get_size_inches()) == pytest.approx(
        (3.2, 2.9)
    )


def test_sweep_of_many_universes_wraps_at_five(tmp_path, figures):
    ds = [data("", full=[0.0, 1.0], config=dict(p=i)) for i in range(7)]
    plots.plot_sweep(run_of(str(tmp_path / "r"), *ds), str(tmp_path / "m"))
    fig = figures["m-universes.png"]
    assert [a.get_visible() for a in fig.axes] == [True] * 7 + [False] * 3
    # shared axes, yet every panel has its own iteration labels
    for ax in fig.axes[:7]:
        assert ax.xaxis.get_major_ticks()[0].label1.get_visible()
    assert tuple(fig.get_size_inches()) == pytest.approx((13.6, 4.9))


def test_sweep_without_any_per_iteration_data_is_written(tmp_path, figures):
    loaded = run_of(str(tmp_path / "r"), data(""), data(""))
    path = plots.plot_sweep(loaded, str(tmp_path / "e.png"), exact=True)
    assert os.path.exists(path)
    (ax,) = figures["e.png"].axes
    assert not ax.get_visible()


def test_plot_all_writes_breakdown_and_distributions(tmp_path, figures):
    d = data(str(tmp_path / "a.h5"), stats=dict(t=stats(5)))
    paths = plots.plot_all(file_of(d), str(tmp_path / "all.png"))
    assert paths == [
        str(tmp_path / "all-breakdown.png"),
        str(tmp_path / "all-distributions.png"),
    ]
    assert all(os.path.exists(p) for p in paths)


# -- report.plot --------------------------------------------------------------


@pytest.mark.parametrize(
    "out, suggestion",
    [
        ("sub/.hidden", os.path.join("sub", "report.png")),
        (".png", os.path.join(".", "report.png")),
        ("sub" + os.sep, os.path.join("sub", "report.png")),
    ],
)
def test_plot_path_refuses_names_of_no_visible_file(out, suggestion):
    with pytest.raises(ValueError) as err:
        _report_plot.plot_path(out)
    assert str(err.value) == (
        f"--plot {out!r} names no visible file (a directory, or a name "
        f"starting with '.'); give a file name such as {suggestion!r}"
    )


def test_plot_path_refuses_a_directory_and_nothing(tmp_path):
    with pytest.raises(ValueError) as err:
        _report_plot.plot_path(str(tmp_path))
    assert str(err.value).endswith(
        f"give a file name such as {str(tmp_path / 'report.png')!r}"
    )
    with pytest.raises(ValueError) as err:
        _report_plot.plot_path("")
    assert str(err.value) == "--plot needs a file name such as report.png"


def test_plot_path_keeps_a_visible_name(tmp_path):
    assert _report_plot.plot_path("a/b.c.svg") == "a/b.c.svg"
    assert _report_plot.plot_path("a/x") == "a/x.png"
    assert _report_plot.plot_path("a.b/x") == "a.b/x.png"


def test_plot_of_files_tags_lines_by_directory(tmp_path, figures):
    a = data(str(tmp_path / "one" / "data.h5"), full=[0.0, 1.0, 3.0])
    b = data(str(tmp_path / "two" / "data.h5"), full=[0.0, 2.0, 3.0])
    c = data(str(tmp_path / "three" / "data.h5"))  # no timers stored
    loaded = dict(kind="file", items={"y": [c], "x": [a, b]})
    _report_plot.plot(loaded, str(tmp_path / "p"))
    path = str(tmp_path / "p.png")
    fig = figures["p.png"]
    assert png_size(path) == (880, 770)
    ax1, ax2 = fig.axes
    assert [ln.get_label() for ln in ax1.lines] == [
        "full_iteration (one)",
        "full_iteration (two)",
    ]
    np.testing.assert_allclose(ax1.lines[1].get_ydata(), [0.0, 2.0, 3.0])
    assert [ln.get_label() for ln in ax2.lines] == [
        "full_iteration (one)",
        "full_iteration (two)",
    ]
    np.testing.assert_allclose(ax2.lines[1].get_ydata(), [2e5, 1e5])
    assert ax1.get_shared_x_axes().joined(ax1, ax2)


def test_plot_of_one_file_has_untagged_lines(tmp_path, figures):
    a = data(str(tmp_path / "one" / "data.h5"), full=[0.0, 1.0])
    _report_plot.plot(file_of(a), str(tmp_path / "q.svg"))
    ax1, ax2 = figures["q.svg"].axes
    assert [ln.get_label() for ln in ax1.lines] == ["full_iteration"]
    assert [ln.get_label() for ln in ax2.lines] == ["full_iteration"]


def test_plot_of_a_run_is_the_sweep_at_the_path(tmp_path, figures):
    loaded = run_of(
        str(tmp_path / "r"),
        data("", full=[0.0, 1.0], config=dict(p=1)),
        data("", full=[0.0, 2.0], config=dict(p=2)),
    )
    _report_plot.plot(loaded, str(tmp_path / "sw"))
    assert list(figures) == ["sw.png"]
    fig = figures["sw.png"]
    assert [a.get_title() for a in fig.axes] == ["uni1: p=1", "uni2: p=2"]
    assert [len(a.lines) for a in fig.axes] == [2, 2]  # with the median
    with pytest.raises(ValueError):
        _report_plot.plot(loaded, str(tmp_path / ".x"))


def test_plot_legends_are_small_and_in_two_columns(tmp_path, figures):
    d = data(str(tmp_path / "one" / "data.h5"), full=[0.0, 1.0, 2.0])
    d.labels = ["full_iteration", "model_iteration", "write_data"]
    d.cumulative = np.array([[0.0, 0.0, 0.0], [1.0, 0.5, 0.1], [2, 1, 0.2]])
    _report_plot.plot(file_of(d), str(tmp_path / "l.png"))
    fig = figures["l.png"]
    fig.canvas.draw()
    small = mpl.font_manager.FontProperties(size="small").get_size_in_points()
    for ax in fig.axes:
        texts = ax.get_legend().get_texts()
        assert {t.get_fontsize() for t in texts} == {small}
    # three timers in two columns: two rows, the first one full
    texts = fig.axes[0].get_legend().get_texts()
    xs = sorted(t.get_window_extent().x0 for t in texts)
    assert 1 + sum(b - a > 8 for a, b in zip(xs, xs[1:])) == 2


def points(size: str) -> float:
    return mpl.font_manager.FontProperties(size=size).get_size_in_points()


def test_figure_text_sizes(tmp_path, figures):
    """Titles, labels and ticks at their sizes (independent of the
    defaults of matplotlib): small multiples need small text."""
    d = data(
        str(tmp_path / "a.h5"),
        totals=dict(simulation=2.0),
        stats=dict(t=stats(1000), u=stats(2000)),
        full=[0.0, 1.0],
    )
    plots.plot_all(file_of(d), str(tmp_path / "s.png"))
    (ax,) = figures["s-breakdown.png"].axes
    assert ax.get_yticklabels()[0].get_fontsize() == points("small")
    assert ax.title.get_fontsize() == points("medium")
    texts = ax.get_legend().get_texts()
    assert {t.get_fontsize() for t in texts} == {points("small")}
    fig = figures["s-distributions.png"]
    assert fig._suptitle.get_fontsize() == points("medium")
    for ax in fig.axes:
        assert ax.title.get_fontsize() == points("small")
    loaded = run_of(
        str(tmp_path / "r"),
        data("", full=[0.0, 1.0], config=dict(p=1)),
        data("", full=[0.0, 2.0], config=dict(p=2)),
    )
    plots.plot_sweep(loaded, str(tmp_path / "w.png"), exact=True)
    fig = figures["w.png"]
    assert fig._suptitle.get_fontsize() == points("medium")
    assert fig._supxlabel.get_fontsize() == points("small")
    assert fig._supylabel.get_fontsize() == points("small")
    for ax in fig.axes:
        assert ax.title.get_fontsize() == points("x-small")
        tick = ax.yaxis.get_major_ticks()[0]
        assert tick.label1.get_fontsize() == points("x-small")


def test_figure_colours_do_not_follow_the_users_style(tmp_path, figures):
    """The data are blue and the median grey and 1.5 wide under any
    matplotlib style."""
    from cycler import cycler

    style = {"axes.prop_cycle": cycler(color=["#00ff00"])}
    style["lines.linewidth"] = 3.0
    loaded = run_of(
        str(tmp_path / "r"),
        data("", full=[0.0, 1.0], config=dict(p=1), stats=dict(t=stats(9))),
        data("", full=[0.0, 2.0], config=dict(p=2)),
    )
    with mpl.rc_context(style):
        plots.plot_sweep(loaded, str(tmp_path / "w.png"), exact=True)
        plots.plot_distributions(loaded, str(tmp_path / "w.png"))
    for ax in figures["w.png"].axes:
        grey, own = ax.lines
        assert grey.get_linewidth() == 1.5
        assert mpl.colors.to_hex(own.get_color()) == "#1f77b4"
    (ax,) = figures["w-distributions.png"].axes
    assert mpl.colors.to_hex(ax.patches[0].get_facecolor()) == "#1f77b4"


@pytest.mark.parametrize("n", [1, 3, 4, 5, 8, 16])
def test_breakdown_legend_never_covers_the_axis_label(tmp_path, figures, n):
    """It did for 4 to 8 rows: it sat at a fraction of the axes' height
    below them, which was too little for the label."""
    ds = [
        data("", totals=dict(simulation=2.0), config=dict(p=i))
        for i in range(n)
    ]
    plots.plot_breakdown(run_of(str(tmp_path / "r"), *ds), str(tmp_path / "b"))
    fig = figures["b-breakdown.png"]
    legend_below_in_rows(fig, fig.axes[0], 2)
