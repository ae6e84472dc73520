"""The command line: the demo (main job) and the timing report."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import pytest
import yaml
from _models import BenchWalker

import utopya_backend
from utopya_backend.core import _impl


def cli(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "utopya_backend", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def one_error_line(res: subprocess.CompletedProcess, prefix: str) -> str:
    """The single line of a CLI error; exit status 2, no traceback."""
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"{prefix}: error: "), line
    return line


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
    # teardown cannot be measured in the run: left out, and said so
    assert not any(line.split()[:1] == ["teardown"] for line in lines)
    assert "not shown: teardown" in res.stdout
    assert "so the shares add up past 100%" in res.stdout
    # what the package is for: its bookkeeping cost per iteration
    (over,) = [x for x in lines if x.startswith("Bookkeeping per iteration")]
    assert "run loop" in over and "benchmark timers" in over
    assert "of a forest-fire step" in res.stdout
    path = out / "data.h5"
    assert f"Output written to: {path}" in res.stdout
    with h5py.File(path, "r") as f:
        g = f["ForestFire"]
        assert g["state"].shape == (13, 32, 32)  # times 0, 10, ..., 120
        assert g["tree_density"].shape == (13,)
        assert g["benchmark/cumulative"].shape == (13, 4)


def test_demo_default_dir_is_a_fresh_temp_dir(tmp_path):
    """Not the current directory (it would show in ``git status``)."""
    cwd, tmpdir = tmp_path / "cwd", tmp_path / "tmpdir"
    cwd.mkdir()
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    args = ("demo", "--steps", "5", "--grid", "8", "--no-benchmark")
    res = cli(*args, cwd=cwd, env=env)
    assert res.returncode == 0, res.stderr
    assert list(cwd.iterdir()) == []
    (made,) = list(tmpdir.iterdir())
    assert made.name.startswith("utopya-backend-demo-")
    assert f"Output written to: {made / 'data.h5'}" in res.stdout
    with h5py.File(made / "data.h5", "r") as f:
        assert "benchmark" not in f["ForestFire"]
        assert f["ForestFire/tree_density"].shape == (1,)  # time 0 only
    assert "simulation" not in res.stdout
    assert "Bookkeeping per iteration" in res.stdout
    again = cli(*args, cwd=cwd, env=env)
    assert again.returncode == 0, again.stderr
    assert len(list(tmpdir.iterdir())) == 2  # a new one each time


def test_demo_writes_through_ts_writers(demo_dir):
    from utopya_backend.cli.demo import ForestFire

    assert "create_ts_writer" in ForestFire.setup.__code__.co_names
    assert "create_ts_dset" not in ForestFire.setup.__code__.co_names
    out, _ = demo_dir
    with h5py.File(out / "data.h5", "r") as f:
        state = f["ForestFire/state"]
        assert list(state.attrs["dim_names"]) == ["time", "x", "y"]
        assert list(state.attrs["coords__time"]) == [0, 10]


def test_demo_compare_python(tmp_path):
    out = tmp_path / "run"
    res = cli(
        "demo",
        "--steps",
        "30",
        "--grid",
        "16",
        "--out",
        str(out),
        "--compare-python",
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    head = next(x for x in lines if x.split()[-1:] == ["pure-Python"])
    # the first column is this run: the compiled core, or (on a package
    # without it) the twin too
    first = ["compiled"] if _impl.IMPLEMENTATION == "c" else ["this", "run"]
    assert head.split() == [*first, "pure-Python"]
    for label in ("simulation total", "per step", "bookkeeping/iter"):
        row = next(x for x in lines if x.strip().startswith(label))
        assert len(row.split()) == len(label.split()) + 2, row
    assert "same result (final tree density): yes" in res.stdout
    with h5py.File(out / "pure-python" / "data.h5", "r") as f:
        twin = f["ForestFire/tree_density"][:]
    with h5py.File(out / "data.h5", "r") as f:
        assert (f["ForestFire/tree_density"][:] == twin).all()


def test_demo_help_has_every_default():
    res = cli("demo", "--help")
    assert res.returncode == 0
    for text in (
        "number of steps (default: 2000)",
        "(default: 128)",
        "(default: 42)",
        "temp dir",
        "--compare-python",
    ):
        assert text in " ".join(res.stdout.split()), text


def test_every_option_has_help_with_its_default():
    from utopya_backend.cli.main import _parser

    p = _parser()
    parsers = [p, *p._subcommands.values()]
    assert sorted(p._subcommands) == ["demo", "report", "run"]
    for parser in parsers:
        for action in parser._actions:
            if not action.option_strings or action.dest in ("help", "version"):
                continue
            assert action.help and "default" in action.help, (
                parser.prog,
                action.option_strings,
            )


def test_top_level_errors_are_one_line():
    line = one_error_line(cli("--bogus"), "utopya-backend")
    assert "unrecognized arguments: --bogus" in line
    assert "COMMAND is required" not in line
    line = one_error_line(cli(), "utopya-backend")
    assert "a command is required: demo, run, report" in line
    line = one_error_line(cli("demos"), "utopya-backend")
    assert "invalid choice" in line


def test_misspelt_option_shows_the_subcommand_usage():
    line = one_error_line(cli("demo", "--stpes", "3"), "utopya-backend demo")
    assert "unrecognized arguments: --stpes" in line
    assert "did you mean --steps?" in line
    assert "usage: utopya-backend demo [-h] [--steps N]" in line
    line = one_error_line(
        cli("report", "x.h5", "--jsno"), "utopya-backend report"
    )
    assert "did you mean --json?" in line
    assert "usage: utopya-backend report" in line


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "x"], "not an integer"),
        (["--grid", "0"], "must be >= 1"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_demo_bad_options(args, message):
    line = one_error_line(cli("demo", *args), "utopya-backend demo")
    assert message in line


def test_demo_refuses_existing_directory(demo_dir):
    out, _ = demo_dir
    res = cli("demo", "--steps", "3", "--out", str(out))
    assert "exists already" in one_error_line(res, "utopya-backend demo")


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
    # the table: no unmeasurable teardown row, a word on nested shares
    assert not any(
        x.split()[:1] == ["teardown"] for x in res.stdout.split("\n")
    )
    assert "not shown: teardown" in res.stdout
    assert "so the shares add up past 100%" in res.stdout
    assert "teardown" in timers  # scripts still get every timer


def test_report_json_into_a_closed_pipe_is_quiet(demo_dir):
    """``report --json | head``: the reader is gone before the output."""
    out, _ = demo_dir
    proc = subprocess.Popen(
        [sys.executable, "-m", "utopya_backend", "report", "--json"]
        + [str(out / "data.h5")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141  # as if killed by SIGPIPE
    assert err == ""


def test_report_plot_to_unwritable_path(demo_dir):
    pytest.importorskip("matplotlib")
    out, _ = demo_dir
    res = cli("report", str(out / "data.h5"), "--plot", "/nonexistent/x.png")
    line = one_error_line(res, "utopya-backend report")
    assert "cannot write the plot to /nonexistent/x.png" in line


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
        "from utopya_backend.cli.main import main\n"
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


# .. the fallback warning of a package without its compiled core .............


def _package_without_core(tmp_path: Path) -> Path:
    import utopya_backend

    pkg = tmp_path / "utopya_backend"
    shutil.copytree(Path(utopya_backend.__file__).parent, pkg)
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for f in pkg.iterdir():
        if f.name.endswith(suffixes):
            f.unlink()
    return tmp_path


_TWO_RUNS = """
import sys, utopya_backend.core._impl as c
sys.path.insert(0, sys.argv[1])
from _models import BenchWalker
from utopya_backend.cli import demo
from utopya_backend.reports import report  # more imports: no more warnings
import yaml, os
for i in range(2):
    d = os.path.join(sys.argv[2], str(i))
    os.mkdir(d)
    cfg = dict(root_model_name='W', output_path=d + '/o.h5', seed=1,
               monitor_emit_interval=100, log_levels=dict(model='error'),
               num_steps=3, W=dict(benchmark=dict(show_on_exit=False)))
    open(d + '/c.yml', 'w').write(yaml.safe_dump(cfg))
    BenchWalker(cfg_file_path=d + '/c.yml').run()
print(c.IMPLEMENTATION)
"""


def test_fallback_warning_says_how_to_silence_it_once(tmp_path):
    root = _package_without_core(tmp_path / "pkg")
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "UTOPYA_BACKEND_NO_EXTENSIONS": "",
        "UTOPYA_BACKEND_REQUIRE_EXTENSIONS": "",
    }
    env.pop("PYTHONWARNINGS", None)
    tests = str(Path(__file__).parent)

    def run(**extra):
        (tmp_path / "o").mkdir()
        try:
            return subprocess.run(
                [sys.executable, "-c", _TWO_RUNS, tests, str(tmp_path / "o")],
                capture_output=True,
                text=True,
                env={**env, **extra},
                timeout=300,
            )
        finally:
            shutil.rmtree(tmp_path / "o")

    loud = run()
    assert loud.returncode == 0, loud.stderr
    assert loud.stdout.split()[-1] == "python"
    # once per process, however much is imported and run
    assert loud.stderr.count("compiled core could not be imported") == 1
    assert "RuntimeWarning: utopya_backend:" in loud.stderr
    assert "pure-Python" in loud.stderr
    said = " ".join(loud.stderr.split())
    assert "UTOPYA_BACKEND_NO_EXTENSIONS=1" in said
    assert "PYTHONWARNINGS=ignore:utopya_backend:RuntimeWarning" in said
    # both ways it names silence it
    for extra in (
        dict(UTOPYA_BACKEND_NO_EXTENSIONS="1"),
        dict(PYTHONWARNINGS="ignore:utopya_backend:RuntimeWarning"),
    ):
        quiet = run(**extra)
        assert quiet.returncode == 0, quiet.stderr
        assert quiet.stdout.split()[-1] == "python"
        assert "Warning" not in quiet.stderr, extra


@pytest.mark.parametrize("pure", ["", "1"])
def test_version_names_the_core_in_use(pure):
    """Users check which core runs their models with --version."""
    env = {**os.environ, "UTOPYA_BACKEND_NO_EXTENSIONS": pure}
    res = cli("--version", env=env)
    assert res.returncode == 0
    line = res.stdout.strip()
    assert line.startswith(f"utopya-backend {utopya_backend.__version__} (")
    built = importlib.util.find_spec("utopya_backend.core._loop") is not None
    want = "c" if built and not pure else "python"
    assert f"implementation '{want}'" in line
