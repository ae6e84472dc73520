"""``report`` on killed runs, damaged files and odd paths (issue 10, 10)."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys

import h5py
import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

# A benchmarked walk that kills itself with SIGKILL at step 100; blocks of
# 16 rows and a file flush after each, so rows up to 96 are on disk.
KILLED = """
import os, signal, sys
sys.path.insert(0, {here!r})
from utopya_backend.core import _impl
from utopya_backend.io import _sync
if sys.argv[2] == "py":
    from utopya_backend.core import _loop_py, _rowbuffer_py, _timing_py
    for name in ("Timer", "monotonic_ns"):
        setattr(_impl, name, getattr(_timing_py, name))
    _impl.IterationTimers = _loop_py.IterationTimers
    _impl.run_iterations = _loop_py.run_iterations
    _impl.LoopPlan = _loop_py.LoopPlan
    _impl.RowBuffer = _rowbuffer_py.RowBuffer
_sync.INTERVAL_NS = 0
from _models import BenchWalker

class Model(BenchWalker):
    _BENCHMARK_BLOCK_ROWS = 16

    def perform_step(self):
        if self.time == {kill_at}:
            os.kill(os.getpid(), signal.SIGKILL)
        super().perform_step()

Model(cfg_file_path=sys.argv[1]).run()
"""


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "utopya_backend", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def strict_json(text: str):
    """Parse JSON as the standard defines it: no NaN or Infinity."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _universe(run_dir, uni, *, steps=200, kill_at=None, impl="c"):
    d = run_dir / "data" / f"uni{uni}"
    d.mkdir(parents=True)
    cfg = dict(
        root_model_name="W",
        output_path=str(d / "data.h5"),
        seed=uni,
        monitor_emit_interval=1000,
        log_levels=dict(model="error"),
        num_steps=steps,
        W=dict(benchmark=dict(show_on_exit=False)),
    )
    (d / "config.yml").write_text(yaml.safe_dump(cfg))
    script = d / "run.py"
    script.write_text(KILLED.format(here=HERE, kill_at=kill_at or -5))
    res = subprocess.run(
        [sys.executable, str(script), str(d / "config.yml"), impl],
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = -signal.SIGKILL if kill_at is not None else 0
    assert res.returncode == expected, res.stderr
    return d / "data.h5"


@pytest.fixture(scope="module", params=["c", "py"])
def run_dir(request, tmp_path_factory):
    """uni1 finished, uni2 killed at step 100, uni3 damaged, uni4 a FIFO."""
    run = tmp_path_factory.mktemp(f"run_{request.param}")
    _universe(run, 1, impl=request.param)
    _universe(run, 2, kill_at=100, impl=request.param)
    bad = run / "data" / "uni3"
    bad.mkdir(parents=True)
    (bad / "data.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    fifo = run / "data" / "uni4"
    fifo.mkdir(parents=True)
    os.mkfifo(fifo / "data.h5")
    return run


def test_killed_run_is_reported_as_incomplete(run_dir):
    killed = run_dir / "data" / "uni2" / "data.h5"
    with h5py.File(killed, "r") as f:
        assert "total" not in f["W/benchmark"]
        n_rows = f["W/benchmark/cumulative"].shape[0]
        last = f["W/benchmark/cumulative"][-1]
        labels = list(f["W/benchmark/cumulative"].attrs["coords__label"])
    assert n_rows >= 16

    res = cli("report", str(killed))
    assert res.returncode == 0, res.stderr
    assert "incomplete" in res.stdout
    assert "full_iteration" in res.stdout and "Traceback" not in res.stderr

    data = strict_json(cli("report", str(killed), "--json").stdout)
    (bench,) = data["benchmarks"]
    assert bench["complete"] is False and bench["writes"] == n_rows
    timers = {t["timer"]: t for t in bench["timers"]}
    assert set(timers) == set(labels)
    for label, value in zip(labels, last):
        assert timers[label]["seconds"] == pytest.approx(float(value))
    assert bench["last_n_iterations"] == n_rows - 1  # written every step


def test_run_directory_keeps_the_readable_universes(run_dir):
    res = cli("report", str(run_dir), timeout=60)
    assert "Traceback" not in res.stderr
    assert res.returncode == 1  # some universes could not be read
    assert "uni1" in res.stdout and "uni2" in res.stdout
    assert "2 universes" in res.stdout and "incomplete" in res.stdout
    err = res.stderr.splitlines()
    assert any("uni3" in line and "data.h5" in line for line in err)
    assert any("uni4" in line and "not a regular file" in line for line in err)

    data = strict_json(cli("report", str(run_dir), "--json").stdout)
    assert [u["universe"] for u in data["universes"]] == ["uni1", "uni2"]
    assert [u["complete"] for u in data["universes"]] == [True, False]
    assert [s["universe"] for s in data["skipped"]] == ["uni3", "uni4"]
    assert data["summary"]["count"] == 2


def test_fifo_or_device_is_refused_not_read(tmp_path):
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)
    for path in (str(fifo), os.devnull):
        res = cli("report", path, timeout=30)
        assert res.returncode == 2
        assert path in res.stderr and "not a regular file" in res.stderr
        assert "Traceback" not in res.stderr


def _nan_file(path):
    with h5py.File(path, "w") as f:
        t = f.create_group("M/benchmark").create_dataset(
            "total", data=[math.inf, math.nan, 1.0]
        )
        t.attrs["coords__label"] = ["simulation", "run", "full_iteration"]
        t.attrs["invocations"] = [1, 1, 0]


def test_json_is_valid_json_with_null_for_nan_and_inf(tmp_path):
    path = tmp_path / "nan.h5"
    _nan_file(path)
    res = cli("report", str(path), "--json")
    assert res.returncode == 0, res.stderr
    data = strict_json(res.stdout)
    timers = {t["timer"]: t for t in data["benchmarks"][0]["timers"]}
    assert timers["simulation"]["seconds"] is None
    assert timers["run"]["seconds"] is None
    assert timers["full_iteration"]["seconds"] == 1.0


def test_plot_prints_the_path_it_wrote(run_dir, tmp_path):
    pytest.importorskip("matplotlib")
    good = run_dir / "data" / "uni1" / "data.h5"
    res = cli("report", str(good), "--plot", str(tmp_path / "somedir"))
    assert res.returncode == 0, res.stderr
    written = tmp_path / "somedir.png"
    assert written.read_bytes()[:4] == b"\x89PNG"
    assert f"Plot written to: {written}\n" in res.stderr
    res = cli("report", str(good), "--plot", str(tmp_path / "no/x.png"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert str(tmp_path / "no/x.png") in res.stderr


def _damage(src, dst, where):
    """Copy ``src`` and overwrite 512 bytes at an object's place."""
    shutil.copy(src, dst)
    with h5py.File(dst, "r") as f:
        if where == "chunk":
            ds = f["W/benchmark/cumulative"]
            offset = ds.id.get_chunk_info(0).byte_offset
        else:
            offset = h5py.h5o.get_info(f[where].id).addr
    with open(dst, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff" * 512)


@pytest.mark.parametrize(
    "where", ["chunk", "W/benchmark/total", "W/benchmark/cumulative"]
)
def test_corrupted_bytes_give_one_line_naming_the_file(
    run_dir, tmp_path, where
):
    bad = tmp_path / "bad.h5"
    _damage(run_dir / "data" / "uni1" / "data.h5", bad, where)
    for extra in ([], ["--json"]):
        res = cli("report", str(bad), *extra)
        assert res.returncode == 2, res.stdout
        assert "Traceback" not in res.stderr
        (line,) = res.stderr.strip().splitlines()
        assert str(bad) in line and "error" in line


def _hand_damaged(path, how):
    with h5py.File(path, "w") as f:
        g = f.create_group("M/benchmark")
        if how == "total is a group":
            g.create_group("total")
            return
        t = g.create_dataset("total", data=[2.0, 1.0])
        t.attrs["coords__label"] = ["simulation", "full_iteration"]
        if how == "labels not strings":
            t.attrs["coords__label"] = [1.5, 2.5]
        c = g.create_dataset("cumulative", data=[[0.5], [1.0]])
        c.attrs["coords__label"] = ["full_iteration"]
        if how == "cumulative 1-d":
            del g["cumulative"]
            c = g.create_dataset("cumulative", data=[0.5, 1.0])
            c.attrs["coords__label"] = ["full_iteration"]
        if how == "dangling link":
            c.attrs["coords_mode__n_iterations"] = "linked"
            c.attrs["coords__n_iterations"] = "nowhere"
        if how == "label count":
            c.attrs["coords__label"] = ["a", "b", "c"]
        if how == "bad start_and_step":
            c.attrs["coords_mode__n_iterations"] = "start_and_step"
            c.attrs["coords__n_iterations"] = [1]
        if how == "invocations":
            t.attrs["invocations"] = [1]


@pytest.mark.parametrize(
    "how",
    [
        "total is a group",
        "labels not strings",
        "cumulative 1-d",
        "dangling link",
        "label count",
        "bad start_and_step",
        "invocations",
    ],
)
def test_hand_damaged_group_gives_one_line_naming_the_file(tmp_path, how):
    path = tmp_path / "damaged.h5"
    _hand_damaged(path, how)
    res = cli("report", str(path))
    assert res.returncode == 2, res.stdout
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert str(path) in line
