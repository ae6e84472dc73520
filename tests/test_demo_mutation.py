"""The ``demo`` command in-process: progress, files, printed figures.

The overhead measurement is replaced where it would take seconds; its own
arithmetic is checked with a scripted clock.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import tempfile
from typing import Any, Dict, List

import h5py
import pytest
import yaml

from utopya_backend.cli import _overhead, demo
from utopya_backend.core import _impl
from utopya_backend.core._timefmt import format_time
from utopya_backend.logging import backend_logger

FAKE_OVERHEAD = dict(loop=2e-6, timers=1e-6)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_tqdm(monkeypatch):
    """The plain progress bar: ``import tqdm`` fails."""
    monkeypatch.setitem(sys.modules, "tqdm", None)


@pytest.fixture
def fast(monkeypatch):
    """``measure_overhead`` answers at once with fixed figures."""
    calls: List[Any] = []

    def fake(*a: Any, **kw: Any) -> Dict[str, float]:
        calls.append((a, kw))
        return dict(FAKE_OVERHEAD)

    monkeypatch.setattr(demo, "measure_overhead", fake)
    return calls


@pytest.fixture
def in_tmp(monkeypatch, tmp_path):
    """Temp files and the working directory in ``tmp_path``."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the plain progress bar -------------------------------------------------


def test_plain_bar_off_a_terminal_prints_every_tenth(monkeypatch, no_tqdm):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = demo._Progress(20)
    for done in range(21):
        bar.update(done, "x")
    bar.close()
    lines = err.getvalue().split("\n")
    assert lines[-1] == ""  # every line ends; close adds nothing
    lines = lines[:-1]
    assert [line[28:32] for line in lines] == [
        f"{p:3d}%" for p in range(0, 101, 10)
    ]
    assert lines[0] == "[" + " " * 25 + "]   0% x"
    assert lines[4] == "[" + "#" * 10 + " " * 15 + "]  40% x"
    assert lines[-1] == "[" + "#" * 25 + "] 100% x"


def test_plain_bar_prints_a_percentage_once(monkeypatch, no_tqdm):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = demo._Progress(1000)
    for done in (0, 1, 2, 100, 101, 100, 1000):
        bar.update(done)
    assert [line[27:] for line in err.getvalue().splitlines()] == [
        "   0% ",
        "  10% ",
        " 100% ",
    ]


def test_plain_bar_on_a_terminal_redraws_one_line(monkeypatch, no_tqdm):
    err = _Tty()
    monkeypatch.setattr(sys, "stderr", err)
    bar = demo._Progress(4)
    for done in range(5):
        bar.update(done, "d")
    bar.update(4, "d")  # the same percentage again: not redrawn
    bar.close()
    text = err.getvalue()
    assert "\n" not in text[:-1] and text.endswith("\r\n")
    shown = text[:-1].split("\r")[:-1]
    assert [s[27:] for s in shown] == [
        "   0% d",
        "  25% d",
        "  50% d",
        "  75% d",
        " 100% d",
    ]


def test_plain_bar_of_no_steps_is_full_at_once(monkeypatch, no_tqdm):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = demo._Progress(0)
    bar.update(1)
    assert err.getvalue() == "[" + "#" * 25 + "] 100% \n"


def test_tqdm_bar_counts_steps_and_shows_the_info(monkeypatch):
    pytest.importorskip("tqdm")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = demo._Progress(7)
    bar.update(3, "density 0.500")
    bar.update(7, "density 0.250")
    bar.close()
    text = err.getvalue()
    assert "7/7" in text and "step" in text
    assert "density 0.250" in text


def test_tqdm_bar_keeps_the_info_when_none_is_given(monkeypatch):
    pytest.importorskip("tqdm")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = demo._Progress(2)
    bar.update(1, "density 0.125")
    bar.update(2)
    bar.close()
    assert "2/2" in err.getvalue()
    assert err.getvalue().rstrip().endswith("density 0.125]")


# -- the model with a progress bar --------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.calls: List[Any] = []

    def update(self, done: int, info: str = "") -> None:
        self.calls.append((done, info))


def test_monitor_emissions_drive_the_bar(tmp_path):
    rec = _Recorder()
    cls = demo._with_progress(demo.ForestFire, rec)  # type: ignore[arg-type]
    assert cls.__name__ == "ForestFire"
    assert issubclass(cls, demo.ForestFire)
    cfg = demo._write_cfg(
        str(tmp_path),
        "ForestFire",
        dict(grid=4, initial_density=1.0),
        num_steps=1,
    )
    m = cls(cfg_file_path=cfg)
    rec.calls.clear()
    m._emit_monitor()
    assert rec.calls == [(0, "density 1.000")]


def test_default_out_is_a_fresh_dir_in_the_temp_dir(in_tmp):
    a, b = demo._default_out(), demo._default_out()
    assert a != b
    for d in (a, b):
        assert os.path.dirname(d) == str(in_tmp)
        assert os.path.basename(d).startswith("utopya-backend-demo-2")
        assert os.listdir(d) == []


def test_written_config_runs_in_the_output_dir(tmp_path):
    path = demo._write_cfg(
        str(tmp_path), "M", dict(grid=3), num_steps=5, write_every=2
    )
    assert path == os.path.join(str(tmp_path), "config.yml")
    with open(path) as f:
        cfg = yaml.safe_load(f)
    assert cfg == dict(
        root_model_name="M",
        output_path=os.path.join(str(tmp_path), "data.h5"),
        output_dir=str(tmp_path),
        seed=42,
        monitor_emit_interval=0.1,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=5,
        write_every=2,
        M=dict(grid=3),
    )


# -- one forest fire run ------------------------------------------------------


def run_ff(tmp_path, **kw: Any) -> Dict[str, Any]:
    args: Dict[str, Any] = dict(
        steps=6,
        grid=8,
        out=str(tmp_path),
        seed=3,
        benchmark=True,
        write_every=2,
        progress=False,
    )
    args.update(kw)
    return demo._run_forest_fire(**args)


def test_benchmarked_run_returns_its_timing_rows(tmp_path, capsys):
    res = run_ff(tmp_path)
    assert res["path"] == os.path.join(str(tmp_path), "data.h5")
    assert res["wall"] > 0
    rows = {r["timer"]: r for r in res["rows"]}
    assert rows["model_iteration"]["invocations"] == 6
    assert rows["simulation"]["seconds"] <= res["wall"]
    with h5py.File(res["path"], "r") as f:
        g = f["ForestFire"]
        assert "benchmark" in g
        # steps 0, 2, 4, 6; the result is the last stored density
        assert g["tree_density"].shape == (4,)
        assert res["density"] == g["tree_density"][-1]
    out = capsys.readouterr()
    assert out.err == ""  # no bar: monitor lines go to stdout as usual
    assert out.out.startswith("!!map {progress: ")


def test_unbenchmarked_run_has_no_rows(tmp_path):
    res = run_ff(tmp_path, benchmark=False)
    assert res["rows"] is None
    with h5py.File(res["path"], "r") as f:
        assert "benchmark" not in f["ForestFire"]


def test_seed_decides_the_result(tmp_path):
    for sub in "abc":
        (tmp_path / sub).mkdir()
    a = run_ff(tmp_path / "a", seed=5)
    b = run_ff(tmp_path / "b", seed=5)
    c = run_ff(tmp_path / "c", seed=6)
    with h5py.File(a["path"], "r") as fa, h5py.File(c["path"], "r") as fc:
        assert (fa["ForestFire/state"][0] != fc["ForestFire/state"][0]).any()
    assert a["density"] == b["density"]


def test_progress_bar_reaches_the_end(tmp_path, monkeypatch, no_tqdm):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    run_ff(tmp_path, progress=True, steps=10)
    assert err.getvalue().splitlines()[-1].startswith("[" + "#" * 25 + "]")
    assert " 100% density " in err.getvalue()


def test_backend_log_level_is_restored(tmp_path):
    old = backend_logger.level
    backend_logger.setLevel(logging.DEBUG)
    try:
        run_ff(tmp_path)
        assert backend_logger.level == logging.DEBUG
        (tmp_path / "bad").mkdir()
        with pytest.raises(TypeError):  # in the model's setup
            run_ff(tmp_path / "bad", grid="x")
        assert backend_logger.level == logging.DEBUG
    finally:
        backend_logger.setLevel(old)


# -- the overhead measurement -------------------------------------------------


class _Clock:
    """``time`` for demo: perf_counter from a script, strftime as is."""

    def __init__(self, readings: List[float]) -> None:
        self.readings = list(readings)
        self.strftime = __import__("time").strftime

    def perf_counter(self) -> float:
        return self.readings.pop(0)


@pytest.mark.parametrize(
    "loop, full, expect",
    [
        ([5.0, 3.0, 4.0], [9.0, 7.0, 8.0], dict(loop=3.0, timers=4.0)),
        ([3.0, 4.0, 5.0], [6.0, 9.0, 9.0], dict(loop=3.0, timers=3.0)),
        # the timers cost nothing measurable: never a negative share
        ([3.0, 4.0, 5.0], [2.5, 9.0, 9.0], dict(loop=3.0, timers=0.0)),
    ],
)
def test_overhead_is_the_best_of_the_repeats(
    monkeypatch, in_tmp, loop, full, expect
):
    n = 4
    readings: List[float] = []
    for per in loop + full:  # t0, t1 of each run: per iteration * n
        readings += [100.0, 100.0 + per * n]
    clock = _Clock(readings)
    monkeypatch.setattr(_overhead, "time", clock)
    assert _overhead.measure_overhead(n=n, repeat=3) == pytest.approx(expect)
    assert clock.readings == []  # three runs of each kind
    assert os.listdir(in_tmp) == []  # the throw-away directory is gone


def test_overhead_runs_empty_steps_quietly(in_tmp, capsys):
    seen: List[Any] = []

    class Counting(_overhead._EmptyStep):
        def perform_step(self) -> None:
            seen.append(type(self).__name__)

    class BenchCounting(_overhead._BenchmarkedEmptyStep):
        def perform_step(self) -> None:
            seen.append("bench")
            assert "model_iteration" in self.timers

    old = backend_logger.level
    backend_logger.setLevel(logging.DEBUG)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_overhead, "_EmptyStep", Counting)
            mp.setattr(_overhead, "_BenchmarkedEmptyStep", BenchCounting)
            over = _overhead.measure_overhead(n=7, repeat=2)
        assert backend_logger.level == logging.DEBUG
    finally:
        backend_logger.setLevel(old)
    assert seen == ["Counting"] * 14 + ["bench"] * 14
    assert set(over) == {"loop", "timers"}
    assert over["loop"] > 0 and over["timers"] >= 0
    out = capsys.readouterr()
    assert out.out == ""  # no monitor lines, no timing table


def test_empty_step_does_nothing(tmp_path):
    cfg = demo._write_cfg(str(tmp_path), "Empty", {}, num_steps=3)
    m = _overhead._EmptyStep(cfg_file_path=cfg)
    m.run()
    assert m.time == 3
    m.write_data()
    m._emit_monitor()
    m.setup(anything=1)


# -- the printed figures ------------------------------------------------------


def _rows(**timers: Any) -> List[Dict[str, Any]]:
    return [dict(timer=k, seconds=v[0], mean=v[1]) for k, v in timers.items()]


def test_step_seconds_prefers_the_model_iteration_mean():
    res = dict(wall=10.0, rows=_rows(model_iteration=(4.0, 0.5)))
    assert _overhead._step_seconds(res, 8) == 0.5
    res["rows"] = _rows(model_iteration=(4.0, None), simulation=(9.0, 9.0))
    assert _overhead._step_seconds(res, 8) == 10.0 / 8
    assert _overhead._step_seconds(dict(wall=3.0, rows=None), 0) == 3.0


def test_run_time_row_compares_like_with_like():
    timed = dict(wall=5.0, rows=_rows(simulation=(4.0, 4.0)))
    other = dict(wall=7.0, rows=_rows(init=(1.0, 1.0), simulation=(6, 6.0)))
    assert demo._run_time_row(timed, other) == ("simulation total", 4.0, 6.0)
    assert isinstance(demo._run_time_row(timed, other)[2], float)
    untimed = dict(wall=8.0, rows=None)
    for a, b in ((timed, untimed), (untimed, timed)):
        assert demo._run_time_row(a, b) == (
            "run time (wall)",
            a["wall"],
            b["wall"],
        )


@pytest.mark.parametrize(
    "impl, name", [("c", "compiled core"), ("py", "pure-Python twin")]
)
def test_overhead_lines(monkeypatch, capsys, impl, name):
    monkeypatch.setattr(_impl, "IMPLEMENTATION", impl)
    res = dict(wall=1.0, rows=_rows(model_iteration=(1.0, 1e-4)))
    _overhead._print_overhead(dict(loop=2e-6, timers=3e-6), res, 10)
    first, second = capsys.readouterr().out.splitlines()
    assert first == (
        f"Bookkeeping per iteration ({name}, measured on an empty step): "
        f"{format_time(5e-6)} = run loop {format_time(2e-6)} + "
        f"benchmark timers {format_time(3e-6)}"
    )
    # 5 µs of a 100 µs step
    assert (
        second == f"  that is 5% of a forest-fire step ({format_time(1e-4)})"
    )


def test_overhead_share_of_a_step_of_no_time(capsys):
    res = dict(wall=0.0, rows=None)
    _overhead._print_overhead(dict(loop=1e-6, timers=0.0), res, 5)
    assert "that is 0% of a forest-fire step" in capsys.readouterr().out


# -- the whole demo -----------------------------------------------------------


def test_demo_prints_its_results_and_returns_the_file(tmp_path, fast, capsys):
    out = tmp_path / "run"
    path = demo.run_demo(steps=6, grid=8, out=str(out), seed=3, write_every=2)
    assert path == str(out / "data.h5")
    assert fast == [((), {})]
    text, err = capsys.readouterr()
    assert "100%" in err or "6/6" in err
    with h5py.File(path, "r") as f:
        density = f["ForestFire/tree_density"][-1]
        assert f["ForestFire/tree_density"].shape == (4,)
    lines = text.splitlines()
    assert lines[0] == "Forest fire: 6 steps on a 8x8 grid, seed 3"
    assert lines[1] == f"Final tree density: {density:.3f}"
    assert lines[2] == ""
    assert lines[3].split() == ["timer", "total", "share", "count", "mean"]
    assert any(line.split()[:1] == ["model_iteration"] for line in lines)
    book = [i for i, ln in enumerate(lines) if ln.startswith("Bookkeeping")]
    assert len(book) == 1 and lines[book[0] - 1] == ""
    assert format_time(3e-6) in lines[book[0]]
    assert lines[-2:] == ["", f"Output written to: {path}"]


def test_demo_defaults(in_tmp, fast, capsys, monkeypatch, twin_run):
    seen: Dict[str, Any] = {}
    real = demo._run_forest_fire

    def spy(**kw: Any) -> Dict[str, Any]:
        seen.update(kw)
        return real(**dict(kw, steps=3, grid=4))

    monkeypatch.setattr(demo, "_run_forest_fire", spy)
    path = demo.run_demo()
    out = seen.pop("out")
    assert seen == dict(
        steps=2000, grid=128, seed=42, benchmark=True, write_every=10
    )
    assert os.path.dirname(out) == str(in_tmp)
    assert path == os.path.join(out, "data.h5")
    text = capsys.readouterr().out
    assert "Forest fire: 2000 steps on a 128x128 grid, seed 42" in text
    # no pure-Python comparison unless asked for
    assert twin_run[0] == [] and "Running the same demo" not in text


def test_demo_without_benchmark_prints_no_table(tmp_path, fast, capsys):
    demo.run_demo(steps=3, grid=4, out=str(tmp_path / "o"), benchmark=False)
    text = capsys.readouterr().out
    assert "model_iteration" not in text and "simulation" not in text
    lines = text.splitlines()
    assert lines[2] == "" and lines[3].startswith("Bookkeeping")


def test_demo_relative_out_is_made_absolute(in_tmp, fast, capsys):
    path = demo.run_demo(steps=2, grid=4, out="rel")
    assert path == str(in_tmp / "rel" / "data.h5")


def test_demo_refuses_an_existing_directory(tmp_path, fast):
    with pytest.raises(FileExistsError):
        demo.run_demo(steps=2, grid=4, out=str(tmp_path))
    assert os.listdir(tmp_path) == []


# -- the comparison with the pure-Python twin ---------------------------------


@pytest.fixture
def twin_run(monkeypatch):
    """``subprocess.run`` answering as the twin would; records its call."""
    calls: List[Any] = []
    answer: Dict[str, Any] = dict(
        returncode=0,
        stderr="",
        twin=dict(
            path="/x/pure-python/data.h5",
            wall=2.0,
            density=None,
            rows=_rows(simulation=(1.5, 1.5), model_iteration=(1.2, 0.01)),
            overhead=dict(loop=4e-6, timers=2e-6),
            implementation="py",
        ),
    )

    def run(cmd: List[str], **kw: Any) -> Any:
        calls.append((cmd, kw, getattr(sys.stdout, "flushed", None)))
        out = "!!map {a: 1}\n!!map {b: 2}\n" + json.dumps(answer["twin"])
        out += "\n"
        return subprocess.CompletedProcess(
            cmd, answer["returncode"], out, answer["stderr"]
        )

    monkeypatch.setattr(subprocess, "run", run)
    return calls, answer


def _compare(tmp_path, res: Dict[str, Any]) -> None:
    over = dict(loop=1e-6, timers=5e-7)
    demo._compare_python(res, over, 50, 16, str(tmp_path), 9, True, 5)


def test_compare_runs_the_twin_and_prints_both(
    tmp_path, twin_run, capsys, monkeypatch
):
    monkeypatch.setattr(_impl, "IMPLEMENTATION", "c")
    # the twin gets the caller's environment, with the extensions off
    monkeypatch.delenv("UTOPYA_BACKEND_NO_EXTENSIONS", raising=False)
    monkeypatch.setenv("UTOPYA_DEMO_MARKER", "kept")
    calls, answer = twin_run
    answer["twin"]["density"] = 0.25
    res = dict(
        wall=1.0,
        density=0.25,
        rows=_rows(simulation=(0.5, 0.5), model_iteration=(0.4, 0.002)),
    )
    _compare(tmp_path, res)
    ((cmd, kw, _),) = calls
    assert cmd[:2] == [sys.executable, "-c"]
    assert json.loads(cmd[3]) == dict(
        steps=50,
        grid=16,
        out=str(tmp_path / "pure-python"),
        seed=9,
        benchmark=True,
        write_every=5,
    )
    assert kw["env"]["UTOPYA_BACKEND_NO_EXTENSIONS"] == "1"
    assert kw["env"]["UTOPYA_DEMO_MARKER"] == "kept"
    assert kw["capture_output"] and kw["text"]
    assert (tmp_path / "pure-python").is_dir()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Running the same demo on the pure-Python twin ..."
    f = format_time
    assert lines[1:5] == [
        f"  {'':>16s}  {'compiled':>11s}  {'pure-Python':>11s}",
        f"  {'simulation total':>16s}  {f(0.5):>11s}  {f(1.5):>11s}",
        f"  {'per step':>16s}  {f(0.002):>11s}  {f(0.01):>11s}",
        f"  {'bookkeeping/iter':>16s}  {f(1.5e-6):>11s}  {f(6e-6):>11s}",
    ]
    assert lines[5] == (
        "  same result (final tree density): yes; "
        "pure-Python output: /x/pure-python/data.h5"
    )
    assert len(lines) == 6


def test_compare_says_when_results_differ_and_no_core_is_in_use(
    tmp_path, twin_run, capsys, monkeypatch
):
    monkeypatch.setattr(_impl, "IMPLEMENTATION", "py")
    _, answer = twin_run
    answer["twin"].update(density=0.5, rows=None)
    _compare(tmp_path, dict(wall=1.0, density=0.25, rows=None))
    lines = capsys.readouterr().out.splitlines()
    assert f"{'this run':>11s}  {'pure-Python':>11s}" in lines[1]
    f = format_time
    assert (
        lines[2] == f"  {'run time (wall)':>16s}  {f(1.0):>11s}  {f(2.0):>11s}"
    )
    # untimed: the wall time over the 50 steps
    assert lines[3] == f"  {'per step':>16s}  {f(0.02):>11s}  {f(0.04):>11s}"
    assert "same result (final tree density): NO;" in lines[5]
    assert lines[6] == (
        "  (the compiled core is not in use here: both runs are "
        "pure-Python)"
    )


@pytest.mark.parametrize(
    "stderr, last", [("boom\nValueError: bad\n", "ValueError: bad"), ("", "?")]
)
def test_compare_reports_a_failed_twin(tmp_path, twin_run, stderr, last):
    _, answer = twin_run
    answer.update(returncode=1, stderr=stderr)
    with pytest.raises(OSError) as err:
        _compare(tmp_path, dict(wall=1.0, density=0.25, rows=None))
    assert str(err.value) == f"the pure-Python run failed: {last}"


def test_twin_script_prints_the_result_as_json(
    tmp_path, fast, monkeypatch, capsys
):
    args = dict(
        steps=4,
        grid=6,
        out=str(tmp_path),
        seed=1,
        benchmark=False,
        write_every=2,
    )
    monkeypatch.setattr(sys, "argv", ["-c", json.dumps(args)])
    exec(demo._TWIN_CODE, {})
    out = capsys.readouterr().out
    res = json.loads(out.strip().splitlines()[-1])
    assert res["overhead"] == FAKE_OVERHEAD
    assert res["implementation"] == _impl.IMPLEMENTATION
    assert res["path"] == os.path.join(str(tmp_path), "data.h5")
    assert res["rows"] is None
    with h5py.File(res["path"], "r") as f:
        assert res["density"] == f["ForestFire/tree_density"][-1]


class _Flushed(io.StringIO):
    """stdout that remembers what had been flushed."""

    flushed = ""

    def flush(self) -> None:
        self.flushed = self.getvalue()


def test_compare_announces_the_twin_before_it_runs(
    tmp_path, twin_run, monkeypatch
):
    out = _Flushed()
    monkeypatch.setattr(sys, "stdout", out)
    calls, _ = twin_run
    _compare(tmp_path, dict(wall=1.0, density=0.25, rows=None))
    ((_, _, flushed),) = calls
    # seen at once when stdout is a pipe, not after the twin has run
    assert flushed == "Running the same demo on the pure-Python twin ...\n"


def test_demo_compare_python_passes_the_run_on(
    tmp_path, fast, twin_run, capsys
):
    calls, answer = twin_run
    out = tmp_path / "o"
    path = demo.run_demo(
        steps=4,
        grid=6,
        out=str(out),
        seed=2,
        write_every=2,
        compare_python=True,
    )
    ((cmd, _, _),) = calls
    assert json.loads(cmd[3]) == dict(
        steps=4,
        grid=6,
        out=str(out / "pure-python"),
        seed=2,
        benchmark=True,
        write_every=2,
    )
    with h5py.File(path, "r") as f:
        density = float(f["ForestFire/tree_density"][-1])
    lines = capsys.readouterr().out.splitlines()
    i = lines.index("Running the same demo on the pure-Python twin ...")
    assert lines[i - 1] == "" and lines[i - 2].startswith("  that is ")
    # this run's own simulation total and step time in the left column
    assert lines[i + 2].split()[:2] == ["simulation", "total"]
    same = "yes" if density == answer["twin"]["density"] else "NO"
    assert f"same result (final tree density): {same};" in lines[i + 5]
    assert lines[-2:] == ["", f"Output written to: {path}"]


class _FakeModel:
    """Stands in for the empty-step models: records, runs nothing."""

    runs: List[Dict[str, Any]] = []

    def __init__(self, cfg_file_path: str) -> None:
        with open(cfg_file_path) as f:
            cfg = yaml.safe_load(f)
        self.runs.append(
            dict(cfg, kind=type(self).__name__, path=cfg_file_path)
        )

    def run(self) -> None:
        pass


class _FakeLoop(_FakeModel):
    pass


class _FakeFull(_FakeModel):
    pass


def test_overhead_defaults_and_the_measured_runs(monkeypatch, in_tmp):
    _FakeModel.runs = []
    monkeypatch.setattr(_overhead, "_EmptyStep", _FakeLoop)
    monkeypatch.setattr(_overhead, "_BenchmarkedEmptyStep", _FakeFull)
    n = 200_000
    readings: List[float] = []
    for per in (3.0, 2.0, 4.0, 5.0, 6.0, 7.0):
        readings += [0.0, per * n]
    monkeypatch.setattr(_overhead, "time", _Clock(readings))
    assert _overhead.measure_overhead() == dict(loop=2.0, timers=3.0)
    runs = _FakeModel.runs
    assert [r["kind"] for r in runs] == ["_FakeLoop"] * 3 + ["_FakeFull"] * 3
    tmp = {os.path.dirname(os.path.dirname(r["path"])) for r in runs}
    assert len({os.path.dirname(r["path"]) for r in runs}) == 6
    (tmp_dir,) = tmp
    assert os.path.dirname(tmp_dir) == str(in_tmp)
    assert os.path.basename(tmp_dir).startswith("utopya-backend-demo-")
    for r in runs:
        # n steps, no data written before the last, no monitor lines
        assert r["num_steps"] == n
        assert r["write_start"] == n and r["write_every"] == n
        assert r["monitor_emit_interval"] == 1000.0
    assert all(r["Empty"] == {} for r in runs[:3])
    for r in runs[3:]:  # timed, but no table printed and nothing stored
        assert r["Empty"] == dict(
            benchmark=dict(show_on_exit=False, write=False)
        )


def test_default_out_is_named_by_the_time(in_tmp):
    import re
    import time

    before = time.strftime("%Y%m%d-%H%M%S")
    name = os.path.basename(demo._default_out())
    after = time.strftime("%Y%m%d-%H%M%S")
    m = re.fullmatch(r"utopya-backend-demo-(\d{8}-\d{6})-.+", name)
    assert m is not None, name
    assert before <= m.group(1) <= after
