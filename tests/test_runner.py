"""The minimal example of README and the standalone runner (`run`).

README's "Writing a model" shows ``examples/minimal/model.py`` and
``cfg.yml`` verbatim; these tests check that they are the same text and run
them exactly as README says, and drive ``python -m utopya_backend run`` as
a user would: in a fresh directory, through the command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MINIMAL = ROOT / "examples" / "minimal"


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _blocks(section: str, lang: str) -> list:
    return re.findall(rf"```{lang}\n(.*?)```", section, flags=re.S)


def _env(tmp_path: Path, **extra: str) -> dict:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmpdir), **extra}


def cli(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "utopya_backend", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def _output_path(res: subprocess.CompletedProcess) -> Path:
    (line,) = [
        x for x in res.stdout.splitlines() if x.startswith("Output written")
    ]
    return Path(line.split(": ", 1)[1])


def _one_line_error(res: subprocess.CompletedProcess, *words: str) -> str:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    errors = [x for x in res.stderr.splitlines() if "error:" in x]
    assert len(errors) == 1, res.stderr
    (line,) = errors
    assert line.startswith("utopya-backend run: error: "), line
    for word in words:
        assert word in line, (word, line)
    return line


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A copy of examples/minimal in a fresh directory."""
    d = tmp_path / "minimal"
    d.mkdir()
    for name in ("model.py", "cfg.yml"):
        shutil.copy(MINIMAL / name, d / name)
    return d


# .. README's minimal model and config ........................................


def test_readme_shows_the_minimal_example_verbatim():
    section = _section("Writing a model")
    assert (MINIMAL / "model.py").read_text() in _blocks(section, "python")
    assert (MINIMAL / "cfg.yml").read_text() in _blocks(section, "yaml")


def test_readme_names_the_frontend_keys_and_the_model_keys():
    section = _section("Writing a model")
    for key in (
        "root_model_name",
        "output_path",
        "seed",
        "monitor_emit_interval",
        "log_levels",
        "num_steps",
    ):
        assert f"`{key}`" in section, key
    assert "frontend's" in section and "model's own" in section


def test_minimal_config_runs_as_written(minimal: Path, tmp_path: Path):
    """``python model.py cfg.yml`` in the example's directory."""
    res = subprocess.run(
        [sys.executable, "model.py", "cfg.yml"],
        capture_output=True,
        text=True,
        cwd=minimal,
        env=_env(tmp_path),
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    cfg = yaml.safe_load((minimal / "cfg.yml").read_text())
    with h5py.File(minimal / cfg["output_path"], "r") as f:
        g = f[cfg["root_model_name"]]
        assert g["x"].shape == (101,)  # times 0, 10, ..., 1000
        assert list(g["x"].attrs["coords__time"]) == [0, 10]
        assert "total" in g["benchmark"]
    assert res.stdout.startswith("!!map {progress: 0.0, n_iter: 0, Walker:")
    assert "Elapsed times" in res.stderr  # show_on_exit: true


def test_run_minimal_model_with_set_alone(minimal: Path, tmp_path: Path):
    """README: ``python -m utopya_backend run model.py:Walker --set
    num_steps=100`` needs nothing else and writes into the temp dir."""
    env = _env(tmp_path)
    res = cli(
        "run",
        "model.py:Walker",
        "--set",
        "num_steps=100",
        cwd=minimal,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    data = _output_path(res)
    runs = Path(env["TMPDIR"]) / "utopya-backend-runs"
    assert data.parent.parent == runs
    assert data.parent.name.startswith("Walker-")
    assert sorted(os.listdir(minimal)) == ["cfg.yml", "model.py"]
    with h5py.File(data, "r") as f:
        assert f["Walker/x"].shape == (101,)
    cfg = yaml.safe_load((data.parent / "config.yml").read_text())
    assert cfg["seed"] == 42 and cfg["num_steps"] == 100
    assert cfg["log_levels"] == dict(model="info", backend="info")
    assert cfg["monitor_emit_interval"] == 2.0
    assert cfg["output_path"] == str(data)
    assert cfg["Walker"] == dict(benchmark=dict(show_on_exit=False))
    # the timing table, once (not also the model's summary)
    out = res.stdout
    assert "Timings of Walker:" in out and "Elapsed times" not in res.stderr
    row = next(x.split() for x in out.splitlines() if "full_iteration" in x)
    assert row[3] == "100"
    assert not any(x.split()[:1] == ["teardown"] for x in out.splitlines())
    assert "not shown: teardown" in out
    assert "add up past 100%" in out
    # a second run gets a new directory
    again = cli("run", "model.py:Walker", cwd=minimal, env=env)
    assert again.returncode == 0, again.stderr
    assert _output_path(again) != data


def test_run_with_the_minimal_config(minimal: Path, tmp_path: Path):
    """A complete run config as --cfg: its root keys and model entry are
    used, the output goes to the runner's directory."""
    res = cli(
        "run",
        "model.py:Walker",
        "--cfg",
        "cfg.yml",
        "--set",
        "write_every=100",
        cwd=minimal,
        env=_env(tmp_path),
    )
    assert res.returncode == 0, res.stderr
    data = _output_path(res)
    assert not (minimal / "walker-data.h5").exists()
    cfg = yaml.safe_load((data.parent / "config.yml").read_text())
    assert cfg["num_steps"] == 1000 and cfg["write_every"] == 100
    assert cfg["log_levels"] == dict(model="info", backend="warning")
    assert cfg["Walker"]["step_size"] == 0.5
    with h5py.File(data, "r") as f:
        assert f["Walker/x"].shape == (11,)


def test_set_routes_root_and_model_keys(minimal: Path, tmp_path: Path):
    (minimal / "walker.yml").write_text("step_size: 3\nextra: {a: 1}\n")
    out = tmp_path / "out"
    res = cli(
        "run",
        "model.py:Walker",
        "--cfg",
        "walker.yml",
        "--set",
        "step_size=0",  # model key, wins over --cfg
        "--set",
        "extra.b=[1, two]",  # dotted: nested in the model's config
        "--set",
        "log_levels.model=debug",  # dotted root key
        "--set",
        "seed=7",
        "--set",
        "num_steps=20",
        "--set",
        "write_every=5",
        "--set",
        "benchmark.enabled=false",
        "--out",
        str(out),
        cwd=minimal,
        env=_env(tmp_path),
    )
    assert res.returncode == 0, res.stderr
    assert _output_path(res) == out / "data.h5"
    cfg = yaml.safe_load((out / "config.yml").read_text())
    assert cfg["seed"] == 7 and cfg["num_steps"] == 20
    assert cfg["write_every"] == 5
    assert cfg["log_levels"] == dict(model="debug", backend="info")
    assert cfg["Walker"] == dict(
        step_size=0,
        extra=dict(a=1, b=[1, "two"]),
        benchmark=dict(enabled=False, show_on_exit=False),
    )
    with h5py.File(out / "data.h5", "r") as f:
        np.testing.assert_array_equal(f["Walker/x"][:], np.zeros(5))
    assert "Timings" not in res.stdout  # benchmark disabled
    assert "DEBUG" in res.stderr


def test_run_package_module_target_and_base_model(tmp_path: Path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "counter.py").write_text(
        "from utopya_backend import BaseModel\n\n"
        "class Counter(BaseModel):\n"
        "    def setup(self, *, until=3, **_):\n"
        "        self.until = until\n"
        "    def should_iterate(self):\n"
        "        return self.n_iterations < self.until\n"
        "    def iterate(self):\n"
        "        pass\n"
        "    def should_write(self):\n"
        "        return False\n"
        "    def write_data(self):\n"
        "        pass\n"
        "    def epilog(self, *, finished_run):\n"
        "        print('ITERATIONS', self.n_iterations)\n"
    )
    res = cli(
        "run",
        "mypkg.counter:Counter",
        "--set",
        "until=4",
        cwd=tmp_path,
        env=_env(tmp_path),
    )
    assert res.returncode == 0, res.stderr
    assert "ITERATIONS 4" in res.stdout
    data = _output_path(res)
    cfg = yaml.safe_load((data.parent / "config.yml").read_text())
    assert "num_steps" not in cfg  # not a StepwiseModel
    assert cfg["Counter"] == dict(until=4)
    assert "Timings" not in res.stdout  # not benchmarked


def test_run_errors_are_one_line(minimal: Path, tmp_path: Path):
    env = _env(tmp_path)
    (minimal / "broken.py").write_text("import no_such_module_here\n")
    (minimal / "failing.py").write_text(
        "from utopya_backend import StepwiseModel\n\n"
        "class Failing(StepwiseModel):\n"
        "    def setup(self, **_):\n"
        "        pass\n"
        "    def perform_step(self):\n"
        "        if self.time == 3:\n"
        "            raise RuntimeError('boom at 3')\n"
        "    def write_data(self):\n"
        "        pass\n"
    )
    (minimal / "list.yml").write_text("- 1\n- 2\n")
    (tmp_path / "taken").mkdir()
    cases = [
        (["model.py"], ["expected FILE.py:Class"]),
        (["missing.py:Walker"], ["missing.py: no such file"]),
        (["model.py:Walk"], ["no class 'Walk'", "its models: Walker"]),
        (["model.py:sys"], ["not a utopya_backend model"]),
        (["no_such_pkg.mod:X"], ["no module named 'no_such_pkg'"]),
        (["broken.py:X"], ["ModuleNotFoundError", "no_such_module_here"]),
        (["model.py:Walker", "--set", "num_steps"], ["expected KEY=VALUE"]),
        (["model.py:Walker", "--set", "a=[1"], ["not valid YAML"]),
        (["model.py:Walker", "--set", "output_path=x.h5"], ["--out DIR"]),
        (["model.py:Walker", "--cfg", "nope.yml"], ["nope.yml: no such"]),
        (["model.py:Walker", "--cfg", "list.yml"], ["expected a mapping"]),
        (
            ["model.py:Walker", "--set", "num_steps=-1"],
            ["'num_steps'", "-1", "expected an int >= 0"],
        ),
        (
            ["model.py:Walker", "--out", str(tmp_path / "taken")],
            ["exists already"],
        ),
        (
            ["failing.py:Failing"],
            ["RuntimeError: boom at 3", "failing.py:8", "--traceback"],
        ),
        (["model.py:Walker", "--bogus"], ["usage: utopya-backend run"]),
    ]
    for args, words in cases:
        _one_line_error(cli("run", *args, cwd=minimal, env=env), *words)
    shown = cli(
        "run", "failing.py:Failing", "--traceback", cwd=minimal, env=env
    )
    assert shown.returncode != 0
    assert "Traceback" in shown.stderr and "boom at 3" in shown.stderr


def test_bad_config_value_leaves_no_run_directory(
    minimal: Path, tmp_path: Path
):
    """A run refused before its output file exists leaves nothing behind;
    a run that fails later keeps its directory, config and data."""
    env = _env(tmp_path)
    refused = tmp_path / "refused"
    res = cli(
        "run", "model.py:Walker", "--set", "num_steps=-3",
        "--out", str(refused), cwd=minimal, env=env,
    )  # fmt: skip
    _one_line_error(res, "'num_steps'", "-3")
    assert not refused.exists()
    assert f"removed the run directory {refused}" in res.stderr
    (minimal / "late.py").write_text(
        "from utopya_backend import StepwiseModel\n\n"
        "class Late(StepwiseModel):\n"
        "    def setup(self, **_):\n"
        "        raise RuntimeError('setup failed')\n"
        "    def perform_step(self):\n"
        "        pass\n"
        "    def write_data(self):\n"
        "        pass\n"
    )
    kept = tmp_path / "kept"
    res = cli("run", "late.py:Late", "--out", str(kept), cwd=minimal, env=env)
    _one_line_error(res, "setup failed")
    assert sorted(p.name for p in kept.iterdir()) == ["config.yml", "data.h5"]


def test_readme_documents_the_runner():
    section = _section("Writing a model")
    assert "python -m utopya_backend run model.py:Walker --set" in section
    for word in ("--cfg", "--set", "--out", "utopya-backend-runs"):
        assert word in section, word
