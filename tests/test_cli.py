"""The command line: the demo (main job) and the timing report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import h5py
import pytest
import yaml
from _models import BenchWalker


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "utopya_backend", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    res = cli("demo", "--steps", "120", "--grid", "32", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out, res


def test_demo_prints_table_and_writes_file(demo_dir):
    out, res = demo_dir
    assert "!!map" not in res.stdout  # progress goes to stderr, not stdout
    assert "100%" in res.stderr or "120/120" in res.stderr
    lines = res.stdout.splitlines()
    for timer in ("simulation", "model_iteration", "write_data"):
        assert any(line.split()[:1] == [timer] for line in lines), timer
    path = out / "data.h5"
    assert f"Output written to: {path}" in res.stdout
    with h5py.File(path, "r") as f:
        g = f["ForestFire"]
        assert g["state"].shape == (13, 32, 32)  # times 0, 10, ..., 120
        assert g["tree_density"].shape == (13,)
        assert g["benchmark/cumulative"].shape == (13, 4)


def test_demo_without_benchmark_and_default_dir(tmp_path):
    res = cli(
        "demo", "--steps", "5", "--grid", "8", "--no-benchmark", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    (made,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert made.name.startswith("utopya-backend-demo-")
    with h5py.File(made / "data.h5", "r") as f:
        assert "benchmark" not in f["ForestFire"]
    assert "simulation" not in res.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "x"], "not an integer"),
        (["--grid", "0"], "must be >= 1"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_demo_bad_options(args, message):
    res = cli("demo", *args)
    assert res.returncode == 2
    assert message in res.stderr and "Traceback" not in res.stderr


def test_demo_refuses_existing_directory(demo_dir):
    out, _ = demo_dir
    res = cli("demo", "--steps", "3", "--out", str(out))
    assert res.returncode == 2
    assert "exists already" in res.stderr and "Traceback" not in res.stderr


# .. report ...................................................................


def test_report_table_and_json(demo_dir):
    out, _ = demo_dir
    res = cli("report", str(out / "data.h5"))
    assert res.returncode == 0, res.stderr
    assert "/ForestFire/benchmark" in res.stdout
    row = next(
        x.split() for x in res.stdout.splitlines() if "model_iteration" in x
    )
    assert row[3] == "120"  # invocations
    data = json.loads(cli("report", str(out / "data.h5"), "--json").stdout)
    (bench,) = data["benchmarks"]
    timers = {t["timer"]: t for t in bench["timers"]}
    assert timers["simulation"]["share"] == 1.0
    assert timers["full_iteration"]["invocations"] == 120
    assert timers["full_iteration"]["mean"] == pytest.approx(
        timers["full_iteration"]["seconds"] / 120
    )
    assert bench["writes"] == 13


def test_report_plot(demo_dir, tmp_path):
    pytest.importorskip("matplotlib")
    out, _ = demo_dir
    png = tmp_path / "timings.png"
    res = cli("report", str(out / "data.h5"), "--plot", str(png))
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_report_plot_without_matplotlib_says_so(demo_dir, tmp_path):
    out, _ = demo_dir
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from utopya_backend.__main__ import main\n"
        f"sys.exit(main(['report', {str(out / 'data.h5')!r}, "
        f"'--plot', {str(tmp_path / 'x.png')!r}]))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert res.returncode == 3
    assert "simulation" in res.stdout  # the table still printed
    assert "needs matplotlib" in res.stderr and "[tools]" in res.stderr


def _universe(run_dir, uni, steps, make_cfg_kwargs):
    d = run_dir / "data" / f"uni{uni}"
    d.mkdir(parents=True)
    cfg = dict(
        root_model_name="W",
        output_path=str(d / "data.h5"),
        seed=uni,
        monitor_emit_interval=1000,
        log_levels=dict(model="error"),
        num_steps=steps,
        W=dict(benchmark=dict(show_on_exit=False), **make_cfg_kwargs),
    )
    (d / "config.yml").write_text(yaml.safe_dump(cfg))
    m = BenchWalker(cfg_file_path=str(d / "config.yml"))
    m.run()
    del m


def test_report_on_run_directory(tmp_path):
    run = tmp_path / "run"
    _universe(run, 1, 5, {})
    _universe(run, 2, 5, dict(sleep=0.01))
    res = cli("report", str(run))
    assert res.returncode == 0, res.stderr
    assert "2 universes" in res.stdout and "slowest: uni2" in res.stdout
    data = json.loads(cli("report", str(run), "--json").stdout)
    assert [u["universe"] for u in data["universes"]] == ["uni1", "uni2"]
    assert data["summary"]["slowest"] == "uni2"
    assert data["universes"][1]["writes"] == 6


def test_report_errors_name_the_path(tmp_path):
    cases = []
    missing = tmp_path / "missing.h5"
    cases.append((missing, "no such file"))
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    cases.append((text, "not a readable HDF5 file"))
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as f:
        f.create_group("Model").create_dataset("x", data=[1, 2])
    cases.append((empty, "no benchmark group"))
    broken = tmp_path / "broken.h5"
    with h5py.File(broken, "w") as f:
        f.create_group("Model/benchmark").create_dataset("total", data=[1.0])
    cases.append((broken, "not a benchmark 'total' dataset"))
    emptydir = tmp_path / "emptydir"
    emptydir.mkdir()
    cases.append((emptydir, "without data/uni*/data.h5"))
    for path, message in cases:
        res = cli("report", str(path))
        assert res.returncode == 2, path
        assert str(path) in res.stderr and message in res.stderr
        assert "Traceback" not in res.stderr
    res = cli("report", str(broken), "--model", "Other")
    assert "no model group 'Other'" in res.stderr


def test_report_reads_files_of_the_original_package(tmp_path):
    """The original wrote no invocation counts and 'values' coordinates."""
    path = tmp_path / "orig.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("M/benchmark")
        t = g.create_dataset("total", data=[2.0, 1.0])
        t.attrs["coords__label"] = ["simulation", "full_iteration"]
        c = g.create_dataset("cumulative", data=[[0.5], [1.0]])
        c.attrs["coords__label"] = ["full_iteration"]
        c.attrs["coords_mode__n_iterations"] = "values"
        c.attrs["coords__n_iterations"] = [10, 20]
    data = json.loads(cli("report", str(path), "--json").stdout)
    timers = {t["timer"]: t for t in data["benchmarks"][0]["timers"]}
    assert timers["full_iteration"]["share"] == 0.5
    assert timers["full_iteration"]["invocations"] is None
    assert os.path.exists(path)
