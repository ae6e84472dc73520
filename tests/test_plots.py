"""The figures of ``report --plot``: written, titled, legible."""

from __future__ import annotations

import os

import numpy as np
import pytest
from _slowed import make_run_dir, run_slowed

from utopya_backend.cli.main import main
from utopya_backend.reports import plots, report

mpl = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402


@pytest.fixture
def figures(monkeypatch):
    """The figures saved during a test, with the paths they went to."""
    saved = []
    orig = Figure.savefig

    def savefig(self, path, *a, **kw):
        saved.append((str(path), self))
        return orig(self, path, *a, **kw)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return saved


def _not_blank(path):
    img = imread(path)
    assert img.shape[0] > 200 and img.shape[1] > 400
    assert np.std(img[..., :3]) > 0.05  # something drawn


@pytest.fixture(scope="module")
def one_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("plot")
    return run_slowed(str(d / "demo"), steps=120, sleep=0.0005)


def test_file_figures(one_file, tmp_path, figures, capsys):
    out = str(tmp_path / "fig.png")
    assert main(["report", one_file, "--plot", out]) == 0
    err = capsys.readouterr().err
    paths = [
        str(tmp_path / f)
        for f in ("fig.png", "fig-breakdown.png", "fig-distributions.png")
    ]
    for p in paths:
        assert f"Plot written to: {p}" in err
        _not_blank(p)
    by = {os.path.basename(p): f for p, f in figures}
    bd = by["fig-breakdown.png"]
    title = bd.axes[0].get_title()
    assert "ForestFire" in title and "demo/data.h5" in title
    labels = [t.get_text() for t in bd.axes[0].get_legend().get_texts()]
    assert "model step" in labels and "write data" in labels
    # The bars add up to the simulation time.
    d = report.load_path(one_file)["items"][one_file][0]
    widths = sum(p.get_width() for p in bd.axes[0].patches)
    assert widths == pytest.approx(d.simulation * 1e3, rel=1e-3)
    dist = by["fig-distributions.png"]
    assert "ForestFire" in dist.get_suptitle()
    visible = [a for a in dist.axes if a.get_visible()]
    names = [a.get_title().split(":")[0] for a in visible]
    assert names == [
        "model_iteration",
        "monitor",
        "write_data",
        "full_iteration",
        "sleepy",
    ]
    for a in visible:
        assert a.get_xscale() == "log"
    # sleepy's p50 line sits near its 0.5 ms sleep.
    ax = visible[names.index("sleepy")]
    p50 = ax.lines[0].get_xdata()[0]
    assert 5e-4 <= p50 < 5e-3


def test_sweep_small_multiples_legible_with_16_universes(
    tmp_path, figures, capsys
):
    params = [
        dict(p_growth=0.005 * (1 + i // 4), seed=i % 4) for i in range(16)
    ]
    params[4]["stop_at"] = 15
    run = make_run_dir(str(tmp_path / "run"), params, steps=30, grid=16)
    out = str(tmp_path / "sweep.png")
    assert main(["report", run, "--plot", out]) == 0
    by = {os.path.basename(p): f for p, f in figures}
    fig = by["sweep.png"]
    _not_blank(out)
    panels = [a for a in fig.axes if a.get_visible()]
    assert len(panels) == 16
    assert all(a.get_legend() is None for a in panels)  # nothing covers data
    titles = [a.get_title() for a in panels]
    assert titles[0] == "uni1: p_growth=0.005, seed=0"
    assert "stopped early" in titles[4]
    assert "ForestFire" in fig.get_suptitle() and "run" in fig.get_suptitle()
    # Panels stay readable: at least ~2 inches each.
    w, h = fig.get_size_inches()
    assert w / 5 >= 2.0 and h / 4 >= 1.5
    bd = by["sweep-breakdown.png"]
    assert len(bd.axes[0].get_yticklabels()) == 16
    _not_blank(str(tmp_path / "sweep-distributions.png"))


def test_plot_all_without_stats_draws_breakdown_only(one_file, tmp_path):
    loaded = report.load_path(one_file)
    for d in loaded["items"][one_file]:
        d.stats = {}
    paths = plots.plot_all(loaded, str(tmp_path / "x.png"))
    assert [os.path.basename(p) for p in paths] == ["x-breakdown.png"]
