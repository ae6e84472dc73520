"""The command line, in-process: what ``main`` prints and returns.

``test_cli.py`` drives the console script in subprocesses (as a user
does); these tests call :func:`main` in this process so that the mutation
run can see them. The demo's model run is replaced by a recorder where
only the option handling is under test.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from _slowed import make_run_dir, run_slowed

import utopya_backend
from utopya_backend.cli import demo, runner
from utopya_backend.cli.main import main
from utopya_backend.io import _provenance
from utopya_backend.reports import _reportstats, report


def _one_line(capsys: pytest.CaptureFixture) -> str:
    """The single line on stderr (and nothing on stdout)."""
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def demo_calls(monkeypatch: pytest.MonkeyPatch) -> list:
    """The keyword arguments of each ``run_demo`` call; it runs nothing."""
    calls: list = []
    monkeypatch.setattr(demo, "run_demo", lambda **kw: calls.append(kw))
    return calls


@pytest.fixture(scope="module")
def one_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("mainfile")
    return run_slowed(str(d / "run"), steps=30, grid=8)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("maindir")
    return make_run_dir(
        str(d / "run"),
        [dict(p_lightning=0.0), dict(p_lightning=1e-3)],
        steps=30,
        grid=8,
    )


# .. Options and usage errors ................................................


def test_demo_defaults_reach_the_demo(demo_calls):
    assert main(["demo"]) == 0
    assert demo_calls == [
        dict(
            steps=2000,
            grid=128,
            out=None,
            seed=42,
            benchmark=True,
            compare_python=False,
        )
    ]


def test_demo_options_reach_the_demo(demo_calls, tmp_path):
    out = str(tmp_path / "d")
    argv = ["demo", "--steps", "1", "--grid", "7", "--out", out]
    argv += ["--seed", "-3", "--no-benchmark", "--compare-python"]
    assert main(argv) == 0
    assert demo_calls == [
        dict(
            steps=1,
            grid=7,
            out=out,
            seed=-3,
            benchmark=False,
            compare_python=True,
        )
    ]


@pytest.mark.parametrize(
    "option, value, reason",
    [
        ("--steps", "0", "must be >= 1, got 0"),
        ("--grid", "-5", "must be >= 1, got -5"),
        ("--steps", "2.5", "not an integer: '2.5'"),
        ("--grid", "many", "not an integer: 'many'"),
    ],
)
def test_bad_counts_are_one_line_with_the_usage(
    demo_calls, capsys, option, value, reason
):
    assert main(["demo", f"{option}={value}"]) == 2
    line = _one_line(capsys)
    prefix = f"utopya-backend demo: error: argument {option}: {reason}"
    assert line.startswith(prefix + "; usage: utopya-backend demo [-h] ")
    # The whole usage of the subcommand, on the same line.
    assert line.endswith("[--no-benchmark] [--compare-python]")
    assert demo_calls == []


def test_no_command_lists_the_commands(capsys):
    assert main([]) == 2
    assert _one_line(capsys) == (
        "utopya-backend: error: a command is required: demo, run, report; "
        "usage: utopya-backend [-h] [--version] COMMAND ..."
    )


def test_misspelt_top_level_option_gets_a_suggestion(capsys):
    assert main(["--versoin"]) == 2
    assert _one_line(capsys) == (
        "utopya-backend: error: unrecognized arguments: --versoin (did you "
        "mean --version?); usage: utopya-backend [-h] [--version] "
        "COMMAND ..."
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        # The first word with a close option is suggested; "=value" is
        # not part of the option's name.
        (
            ["foo", "--gird=3"],
            "unrecognized arguments: foo --gird=3 (did you mean --grid?)",
        ),
        (["--zzzzzz"], "unrecognized arguments: --zzzzzz"),
        # Words that are not options get no suggestion, even if close.
        (["steps"], "unrecognized arguments: steps"),
    ],
)
def test_unknown_demo_arguments(demo_calls, capsys, extra, message):
    assert main(["demo", *extra]) == 2
    line = _one_line(capsys)
    assert line.startswith(
        f"utopya-backend demo: error: {message}; usage: utopya-backend demo "
    )
    assert demo_calls == []


def test_unknown_report_option_suggests_a_report_option(capsys, tmp_path):
    assert main(["report", str(tmp_path), "--jsno"]) == 2
    line = _one_line(capsys)
    assert "(did you mean --json?); usage: utopya-backend report " in line


def test_version_is_the_provenance_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == _provenance.log_line() + "\n"


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "number of steps (default: 2000)",
        "side length of the square grid (default: 128)",
        "seed of the model's RNG (default: 42)",
    ):
        assert words in text


def test_run_help_names_every_root_key(capsys):
    """The ``run`` description lists the keys ``--set`` puts at the root:
    the very keys the runner routes there."""
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    listed = text.split("KEY=VALUE: a key starting with a root key (")[1]
    listed = listed.split(")")[0]
    assert listed.split(", ") == list(runner.ROOT_KEYS)


# .. demo errors ..............................................................


def test_demo_into_an_existing_directory(monkeypatch, capsys, tmp_path):
    def exists(**kw):
        raise FileExistsError(kw["out"])

    monkeypatch.setattr(demo, "run_demo", exists)
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert _one_line(capsys) == (
        f"utopya-backend demo: error: output directory {tmp_path} exists "
        "already; choose a new one"
    )


def test_demo_os_error_is_one_line(monkeypatch, capsys):
    def full(**kw):
        raise OSError("No space left\non device")

    monkeypatch.setattr(demo, "run_demo", full)
    assert main(["demo"]) == 2
    assert _one_line(capsys) == (
        "utopya-backend demo: error: No space left on device"
    )


# .. report ...................................................................


def test_report_needs_exactly_one_path(capsys, one_file):
    assert main(["report", one_file, one_file]) == 2
    assert _one_line(capsys) == (
        "utopya-backend report: error: give one PATH, or --compare BEFORE "
        "AFTER"
    )


def test_report_of_a_missing_file_names_it(capsys, tmp_path):
    path = str(tmp_path / "nothing.h5")
    assert main(["report", path]) == 2
    line = _one_line(capsys)
    assert line.startswith("utopya-backend report: error: ")
    assert path in line


def test_report_refuses_a_plot_path_before_reading(capsys, tmp_path):
    # The bad plot path is reported, not the missing input file.
    assert main(["report", str(tmp_path / "no.h5"), "--plot", ""]) == 2
    assert _one_line(capsys) == (
        "utopya-backend report: error: --plot needs a file name such as "
        "report.png"
    )


def test_report_table_of_a_file(capsys, one_file):
    assert main(["report", one_file]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    loaded = report.load_path(one_file)
    (datas,) = loaded["items"].values()
    (d,) = datas
    # The timing table, then the statistics, then a blank line; no
    # universe table for a single file.
    assert out == (
        report.format_table(d) + "\n" + _reportstats.format_stats(d) + "\n\n"
    )


def test_report_model_option(capsys, one_file):
    assert main(["report", one_file, "--model", "ForestFire"]) == 0
    assert "ForestFire" in capsys.readouterr().out
    assert main(["report", one_file, "--model", "Nope"]) == 2
    line = _one_line(capsys)
    assert line.startswith("utopya-backend report: error: ")
    assert "'Nope'" in line


def test_report_json_is_the_loaded_figures(capsys, one_file):
    assert main(["report", one_file, "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == json.loads(
        json.dumps(report.to_json(report.load_path(one_file)))
    )
    # Indented by two: one key per line.
    assert out.startswith('{\n  "kind": ')


def test_report_of_a_run_directory_summarises_universes(capsys, run_dir):
    assert main(["report", run_dir]) == 0
    out = capsys.readouterr().out
    loaded = report.load_path(run_dir)
    summary = report.format_universes(report.universe_summary(loaded["items"]))
    sweep = _reportstats.format_sweep(
        _reportstats.sweep_summary(loaded["items"])
    )
    # The universes, a blank line, the sweep, a blank line at the end.
    assert out.endswith("\n" + summary + "\n\n" + sweep + "\n")
    for datas in loaded["items"].values():
        for d in datas:
            assert report.format_table(d) in out


def test_report_skipped_universe_exit_1(capsys, run_dir, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    bad = run / "data" / "uni2" / "data.h5"
    bad.write_bytes(b"not hdf5")
    assert main(["report", str(run)]) == 1
    out, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert line.startswith("utopya-backend report: error: skipped uni2: ")
    # The readable universe is reported.
    assert "\n        uni1 " in out and "\n        uni2 " not in out


def test_report_plot_without_matplotlib_exit_3(
    monkeypatch, capsys, one_file, tmp_path
):
    def no_mpl(loaded, out):
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(report, "plot", no_mpl)
    assert main(["report", one_file, "--plot", str(tmp_path / "f")]) == 3
    err = capsys.readouterr().err
    assert err == (
        "utopya-backend report: --plot needs matplotlib, which is not "
        "installed; pip install 'utopya-backend[tools]'\n"
    )


def test_report_plot_write_error_names_the_png(
    monkeypatch, capsys, one_file, tmp_path
):
    def fails(loaded, out):
        raise OSError("read-only file system")

    monkeypatch.setattr(report, "plot", fails)
    out = str(tmp_path / "fig")
    assert main(["report", one_file, "--plot", out]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"utopya-backend report: error: cannot write the plot to {out}.png: "
        "read-only file system\n"
    )


def test_report_plot_paths_are_printed(
    monkeypatch, capsys, one_file, tmp_path
):
    from utopya_backend.reports import plots

    drawn = []
    monkeypatch.setattr(
        report, "plot", lambda loaded, out: drawn.append((loaded, out))
    )

    def plot_all(loaded, out):
        drawn.append((loaded, out))
        return [out + ".a", out + ".b"]

    monkeypatch.setattr(plots, "plot_all", plot_all)
    out = str(tmp_path / "fig")
    assert main(["report", one_file, "--plot", out]) == 0
    # Both are drawn from the file's data.
    assert [(d["kind"], list(d["items"]), o) for d, o in drawn] == [
        ("file", [one_file], out),
        ("file", [one_file], out + ".png"),
    ]
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"Plot written to: {out}.png",
        f"Plot written to: {out}.png.a",
        f"Plot written to: {out}.png.b",
    ]


# .. run errors ...............................................................


def _model_file(tmp_path, stem: str, body: str) -> str:
    path = tmp_path / f"{stem}.py"
    path.write_text(
        "from utopya_backend import StepwiseModel\n\n"
        "class M(StepwiseModel):\n"
        "    def setup(self, **_):\n"
        f"        {body}\n"
        "    def perform_step(self):\n"
        "        pass\n"
        "    def write_data(self):\n"
        "        pass\n"
    )
    return str(path)


@pytest.fixture
def clean_imports(monkeypatch):
    """The runner puts model folders on sys.path and modules in
    sys.modules; undo that after the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))


def test_run_model_error_names_the_model_line(clean_imports, capsys, tmp_path):
    path = _model_file(
        tmp_path, "failing_setup", "raise ValueError('bad rate\\nmore')"
    )
    out = str(tmp_path / "out")
    assert main(["run", f"{path}:M", "--out", out]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "utopya-backend run: error: ValueError: bad rate (at "
        f"{os.path.realpath(path)}:5) (--traceback shows the full "
        "traceback)"
    )


def test_run_error_without_text(clean_imports, capsys, tmp_path):
    path = _model_file(tmp_path, "silent_setup", "raise KeyError()")
    out = str(tmp_path / "out")
    assert main(["run", f"{path}:M", "--out", out]) == 2
    err = capsys.readouterr().err.splitlines()
    # No text after the type; the line has single spaces only.
    assert err[-1] == (
        "utopya-backend run: error: KeyError: (at "
        f"{os.path.realpath(path)}:5) (--traceback shows the full "
        "traceback)"
    )


def test_run_traceback_option_raises(clean_imports, capsys, tmp_path):
    path = _model_file(tmp_path, "tb_setup", "raise ValueError('bad rate')")
    argv = ["run", f"{path}:M", "--out", str(tmp_path / "o"), "--traceback"]
    with pytest.raises(ValueError, match="^bad rate$"):
        main(argv)


def test_run_interrupted(monkeypatch, capsys):
    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_model", interrupted)
    assert main(["run", "x.py:M"]) == 2
    assert _one_line(capsys) == "utopya-backend run: error: interrupted"


def test_run_runner_error_is_one_line(capsys, tmp_path):
    path = str(tmp_path / "absent.py")
    assert main(["run", f"{path}:M"]) == 2
    assert _one_line(capsys) == (
        f"utopya-backend run: error: {path}: no such file"
    )


def test_run_passes_its_options(monkeypatch, tmp_path):
    calls = []

    def record(target, **kw):
        calls.append((target, kw))
        return 7

    monkeypatch.setattr(runner, "run_model", record)
    argv = ["run", "m.py:M", "--cfg", "c.yml", "--set", "a=1"]
    argv += ["--set", "b.c=2", "--out", "o"]
    assert main(argv) == 7
    assert calls == [
        ("m.py:M", dict(cfg_file="c.yml", sets=["a=1", "b.c=2"], out="o"))
    ]


# .. the console script .......................................................


def test_closed_pipe_is_quiet_exit_141(monkeypatch, tmp_path):
    """A reader that went away (``| head``): exit status 128 + SIGPIPE and
    the output goes to the null device, so no flush error follows."""

    class ClosedPipe:
        def __init__(self, fd: int) -> None:
            self.fd = fd

        def write(self, text: str) -> int:
            raise BrokenPipeError

        def flush(self) -> None:
            raise BrokenPipeError

        def fileno(self) -> int:
            return self.fd

    with open(tmp_path / "stdout", "w") as f:
        fd = os.dup(f.fileno())
    try:
        monkeypatch.setattr(sys, "stdout", ClosedPipe(fd))
        monkeypatch.setattr(demo, "run_demo", lambda **kw: None)
        assert main(["demo"]) == 141
        # The descriptor now writes to the null device.
        assert os.write(fd, b"gone") == 4
        assert os.path.samestat(os.fstat(fd), os.stat(os.devnull))
    finally:
        os.close(fd)


def test_run_error_inside_the_package_names_no_line(
    clean_imports, capsys, tmp_path
):
    """A config value the base class refuses: no frame of the model's
    code, and none of this package is named."""
    path = _model_file(tmp_path, "refused_steps", "pass")
    argv = ["run", f"{path}:M", "--out", str(tmp_path / "o")]
    assert main(argv + ["--set", "num_steps=-3"]) == 2
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith(
        "utopya-backend run: error: ConfigError: Invalid value -3 for key "
        "'num_steps'"
    )
    pkg = os.path.dirname(os.path.abspath(utopya_backend.__file__))
    assert f" (at {pkg}{os.sep}" not in line
    assert line.endswith(" (--traceback shows the full traceback)")


def test_syntax_error_is_not_blamed_on_the_import_machinery(
    clean_imports, capsys, tmp_path
):
    path = tmp_path / "syntaxerr.py"
    path.write_text("x = 1\nclass M(:\n    pass\n")
    assert main(["run", f"{path}:M", "--out", str(tmp_path / "o")]) == 2
    line = capsys.readouterr().err.splitlines()[-1]
    # The file and line are in the error's own text; no frame of the
    # import machinery (which compiled the file) is named.
    assert line.startswith(
        "utopya-backend run: error: SyntaxError: invalid syntax "
        "(syntaxerr.py, line 2)"
    )
    assert "importlib" not in line


@pytest.mark.parametrize(
    "frame_file, ours",
    [
        # A frame of the compiled core names its .pyx source by the path
        # it had at build time: ours, wherever the build ran.
        ("/build/x/utopya_backend/core/_loop.pyx", True),
        # Not ours: a .pyx of another package, a .py of a folder that
        # merely has the package's name.
        ("/build/x/othermodel/_loop.pyx", False),
        ("/build/x/utopya_backend/step.py", False),
    ],
)
def test_compiled_core_frames_are_not_blamed(
    monkeypatch, capsys, frame_file, ours
):
    where = []

    def fails_in(*a, **kw):
        code = compile(
            "\n\nraise ValueError('in the core')", frame_file, "exec"
        )
        where.append(sys._getframe().f_lineno + 1)
        exec(code, {})

    monkeypatch.setattr(runner, "run_model", fails_in)
    assert main(["run", "x.py:M"]) == 2
    line = _one_line(capsys)
    at = (
        f"{os.path.abspath(__file__)}:{where[0]}"
        if ours
        else f"{frame_file}:3"
    )
    assert line == (
        f"utopya-backend run: error: ValueError: in the core (at {at}) "
        "(--traceback shows the full traceback)"
    )


def test_suggestion_ignores_the_value_of_an_option(demo_calls, capsys):
    # Without its long value the word is close to --steps.
    assert main(["demo", "--stesp=a-long-value-of-many-letters"]) == 2
    assert "(did you mean --steps?)" in _one_line(capsys)


# .. --help ...................................................................
# The help texts are the command line's reference (README and the guide
# send users to ``COMMAND --help``): each option says what it does and
# its default, and the defaults named here are the ones the tests above
# see the options take.


def _help(capsys, monkeypatch, *argv: str) -> str:
    """The help of ``argv``, on one line per paragraph or option."""
    monkeypatch.setenv("COLUMNS", "1000")
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    out, err = capsys.readouterr()
    assert err == ""
    return " ".join(out.split())


def test_top_level_help(capsys, monkeypatch):
    text = _help(capsys, monkeypatch)
    for words in (
        "usage: utopya-backend [-h] [--version] COMMAND ... "
        "Tools of utopya-backend, the fast utopya model backend.",
        "demo run a benchmarked forest-fire model and print its timings",
        "run run a model without the utopya frontend",
        "report timing report of an output file or a utopya run directory",
        "--version show the version and which core is in use (compiled or "
        "the pure-Python twin), then exit",
    ):
        assert words in text
    assert text.endswith(
        "'utopya-backend COMMAND --help' shows the options of a command."
    )


def test_demo_help(capsys, monkeypatch):
    text = _help(capsys, monkeypatch, "demo")
    for words in (
        "Run the Drossel-Schwabl forest fire as a StepwiseModel with the "
        "benchmark mixin; print the timing table, the bookkeeping overhead "
        "per iteration and where the HDF5 file is.",
        "--steps N number of steps (default: 2000)",
        "--grid N side length of the square grid (default: 128)",
        "--out DIR new output directory (default: a fresh "
        "utopya-backend-demo-<time>-* directory in the temp dir, printed "
        "at the end)",
        "--seed N seed of the model's RNG (default: 42)",
        "--no-benchmark run without the benchmark mixin (default: "
        "benchmarked)",
        "--compare-python also run the same demo on the pure-Python twin "
        "of the compiled core and compare (default: off)",
    ):
        assert words in text


def test_run_help(capsys, monkeypatch):
    text = _help(capsys, monkeypatch, "run")
    for words in (
        "usage: utopya-backend run [-h] [--cfg FILE] [--set KEY=VALUE] "
        "[--out DIR] [--traceback] FILE.py:Class",
        "Run a model class without the frontend: fill in the frontend's "
        "root config keys, write the config and the output into a new "
        "directory, print where it went and, for a benchmarked model, the "
        "timing table.",
        "sets that root entry, any other key an entry of the model's "
        "config; values are YAML, dotted keys nest.",
        "FILE.py:Class the model class: FILE.py:Class or "
        "package.module:Class",
        "--cfg FILE YAML file with the model's own config keys, or a "
        "complete run config with root_model_name (default: none)",
        "--set KEY=VALUE set a config entry; repeatable, wins over --cfg "
        "(defaults: seed=42, num_steps=100 for a StepwiseModel, "
        "monitor_emit_interval=2, log_levels: info/info)",
        "--out DIR new output directory (default: a fresh "
        "<Class>-<time>-* directory in <temp dir>/utopya-backend-runs/)",
        "--traceback show the full traceback of an error the model raised "
        "(default: one line)",
    ):
        assert words in text


def test_report_help(capsys, monkeypatch):
    text = _help(capsys, monkeypatch, "report")
    for words in (
        "Read the benchmark data of an HDF5 output file (or of every "
        "universe of a utopya run directory) and print a table.",
        "PATH HDF5 file or utopya run directory (with --compare: BEFORE "
        "AFTER)",
        "--model NAME model group name (default: every model in the file)",
        "--plot OUT.png write a figure of the cumulative timers to "
        "OUT.png, and beside it OUT-breakdown.png (where the time goes) "
        "and, when statistics are stored, OUT-distributions.png (default: "
        "none)",
        "--json print machine-readable figures instead of the table "
        "(default: table)",
    ):
        assert words in text
