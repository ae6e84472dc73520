"""examples/SIS/README.md, followed literally against utopya 1.3.11.

Every fenced ```bash block of the README is run as written, in order, with
bash, in a copy of ``examples/SIS`` and a home directory of its own (the
commands are read from the README, never copied into this file). The
environment is the README's "Install" section (a ```sh block, checked but
not run here: installing utopya takes minutes, and CI has made that
environment already):

- ``UTOPYA_ONEENV_VENV`` (made by ``.ci/run`` exactly as the README says:
  utopya 1.3.11, then this package over its bundled copy) is activated, as
  the README's ``. ~/.venvs/sis/bin/activate`` would;
- without it, the README's other setup: the frontend in its virtualenv of
  its own (``UTOPYA_FRONTEND_VENV``) on ``PATH`` after the model's
  interpreter, this test's Python, as ``python``/``python3``.

Checks: register, a run with the frontend's defaults ending with plots, the
report naming this package and version, a sweep of 3 universes with
plots, the stop condition firing.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import yaml
from test_e2e_utopya import FRONTEND_VERSION, _frontend_python

import utopya_backend
from utopya_backend.core import _impl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "SIS")
README = os.path.join(EXAMPLE, "README.md")

pytestmark = pytest.mark.skipif(
    not os.path.isfile(README), reason="no examples/SIS/README.md here"
)


def fenced_blocks(text: str, lang: str) -> list:
    """The contents of the README's ```<lang> blocks, in order."""
    pattern = rf"^```{lang}[ \t]*\n(.*?)^```[ \t]*$"
    return re.findall(pattern, text, flags=re.M | re.S)


def _environment(tmp, frontend_py: str):
    """(env, expected implementation) for the README's commands."""
    home = tmp / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    env.pop("PYTHONPATH", None)
    oneenv = os.environ.get("UTOPYA_ONEENV_VENV")
    if oneenv:  # activate it
        env["VIRTUAL_ENV"] = oneenv
        env["PATH"] = os.path.join(oneenv, "bin") + os.pathsep + env["PATH"]
        return env, "c"
    shim = tmp / "model-interpreter"
    shim.mkdir()
    for name in ("python", "python3"):
        (shim / name).write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (shim / name).chmod(0o755)
    env["PATH"] = os.pathsep.join(
        [str(shim), os.path.dirname(frontend_py), env["PATH"]]
    )
    return env, _impl.IMPLEMENTATION


def example_workdir(tmp_path_factory, label: str):
    """(env, expected implementation, a fresh copy of examples/SIS) for
    running the example with the frontend."""
    frontend_py = _frontend_python(tmp_path_factory)
    tmp = tmp_path_factory.mktemp(label)
    env, impl = _environment(tmp, frontend_py)
    work = tmp / "SIS"
    shutil.copytree(
        EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__")
    )
    return env, impl, work


def _run_dirs(home) -> set:
    return set(glob.glob(os.path.join(str(home), "utopya_output", "*", "*")))


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    env, impl, work = example_workdir(tmp_path_factory, "sis-readme")
    text = open(README, encoding="utf-8").read()
    steps = []
    for block in fenced_blocks(text, "bash"):
        before = _run_dirs(env["HOME"])
        t0 = time.monotonic()
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=work, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        new = sorted(_run_dirs(env["HOME"]) - before)
        steps.append(
            dict(
                block=block,
                rc=proc.returncode,
                out=proc.stdout,
                err=proc.stderr,
                run_dirs=new,
                seconds=time.monotonic() - t0,
            )
        )
        assert proc.returncode == 0, (
            f"README block failed (exit {proc.returncode}):\n{block}\n"
            f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n"
            f"{proc.stderr[-5000:]}"
        )
    return dict(steps=steps, text=text, impl=impl, env=env, work=work)


def _step(journey, pattern: str) -> dict:
    found = [s for s in journey["steps"] if re.search(pattern, s["block"])]
    assert len(found) == 1, f"expected one README block matching {pattern!r}"
    return found[0]


def _single_run_dir(step: dict) -> str:
    assert len(step["run_dirs"]) == 1, step["run_dirs"]
    return step["run_dirs"][0]


def _plots(run_dir: str) -> list:
    return sorted(
        os.path.relpath(p, run_dir).split(os.sep, 2)[2]
        for p in glob.glob(os.path.join(run_dir, "eval", "*", "**", "*.pdf"))
        + glob.glob(os.path.join(run_dir, "eval", "*", "*.pdf"))
    )


def _provenance(path: str) -> dict:
    import h5py

    with h5py.File(path, "r") as f:
        return {
            k.split(".", 1)[1]: (v.decode() if isinstance(v, bytes) else v)
            for k, v in f.attrs.items()
            if k.startswith("utopya_backend.")
        }


def test_readme_install_names_the_frontend_and_this_package():
    text = open(README, encoding="utf-8").read()
    (install,) = [
        b for b in fenced_blocks(text, "sh") if "pip install utopya" in b
    ]
    assert f"pip install utopya=={FRONTEND_VERSION}" in install
    assert "--force-reinstall --no-deps" in install
    assert "interpreter that runs the\nmodel must have this package" in text
    assert "utopya run SIS sweep.yml" in text  # how to pass a run config


def test_readme_one_liner_says_which_package(journey):
    step = _step(journey, r"__distribution__")
    assert step["out"].split() == [
        "utopya-backend",
        utopya_backend.__version__,
    ]


def test_register_and_default_run_end_with_plots(journey):
    assert _step(journey, r"utopya projects register")["rc"] == 0
    step = _step(journey, r"utopya run SIS\s*$")
    run_dir = _single_run_dir(step)
    assert sorted(os.listdir(os.path.join(run_dir, "data"))) == ["uni0"]
    data = os.path.join(run_dir, "data", "uni0", "data.h5")
    prov = _provenance(data)
    assert prov["distribution"] == "utopya-backend"
    assert prov["version"] == utopya_backend.__version__
    assert prov["implementation"] == journey["impl"]
    log = open(os.path.join(run_dir, "data", "uni0", "out.log")).read()
    first = [x for x in log.splitlines() if x.startswith("INFO")][0]
    assert "utopya-backend " + utopya_backend.__version__ in first
    assert _plots(run_dir) == [
        "benchmark_timers.pdf",
        "infected_density.pdf",
        "infected_density_all.pdf",
    ]
    assert "ERROR" not in step["err"] + step["out"]


def test_report_shows_this_package_and_version(journey):
    step = _step(journey, r"utopya_backend report")
    version = utopya_backend.__version__
    assert (
        f"produced by: utopya-backend {version} "
        f"(implementation: {journey['impl']})"
    ) in step["out"]
    assert "uni0" in step["out"]


def test_sweep_sweeps_three_universes_with_plots(journey):
    step = _step(journey, r"utopya run SIS sweep\.yml")
    run_dir = _single_run_dir(step)
    unis = sorted(os.listdir(os.path.join(run_dir, "data")))
    assert unis == ["uni1", "uni2", "uni3"]
    p_infect = []
    for uni in unis:
        d = os.path.join(run_dir, "data", uni)
        cfg = yaml.safe_load(open(os.path.join(d, "config.yml")))
        p_infect.append(cfg["SIS"]["p_infect"])
        assert _provenance(os.path.join(d, "data.h5"))["version"]
    assert p_infect == [0.1, 0.2, 0.3]
    plots = _plots(run_dir)
    assert "infected_density_all.pdf" in plots
    assert sum(p.startswith("infected_density/") for p in plots) == 3
    assert sum(p.startswith("benchmark_timers/") for p in plots) == 3


def test_loading_the_output_as_the_readme_shows(journey, tmp_path_factory):
    """The README's Python block loads the latest run (the stop condition's)
    with the frontend's data manager, with its time coordinates."""
    import h5py

    (block,) = fenced_blocks(journey["text"], "python")
    oneenv = os.environ.get("UTOPYA_ONEENV_VENV")
    python = (
        os.path.join(oneenv, "bin", "python")
        if oneenv
        else _frontend_python(tmp_path_factory)
    )
    proc = subprocess.run(
        [python, "-c", block],
        cwd=journey["work"], env=journey["env"], capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("uni")]
    head, last_time = line.rsplit(" ", 1)
    name, dims = head.split(" ", 1)
    assert (name, dims) == ("uni0", "('time',)")
    uni = os.path.join(
        _single_run_dir(_step(journey, r"utopya run SIS stop\.yml")),
        "data",
        "uni0",
    )
    cfg = yaml.safe_load(open(os.path.join(uni, "config.yml")))
    with h5py.File(os.path.join(uni, "data.h5"), "r") as f:
        rows = f["SIS/infected_density"].shape[0]
    start, every = cfg.get("write_start", 0), cfg.get("write_every", 1)
    assert int(last_time) == start + (rows - 1) * every


def test_stop_condition_fires(journey):
    import h5py

    step = _step(journey, r"utopya run SIS stop\.yml")
    run_dir = _single_run_dir(step)
    uni = os.path.join(run_dir, "data", "uni0")
    log = open(os.path.join(uni, "out.log")).read()
    assert "A stop condition was fulfilled." in log
    assert "Now exiting (code: 138)" in log
    with h5py.File(os.path.join(uni, "data.h5"), "r") as f:
        density = f["SIS/infected_density"][:]
        n = len(density)
        assert 1 < n < 10**6  # stopped long before num_steps
        assert density[-1] < 0.001
        assert f["SIS/benchmark/cumulative"].shape[0] == n
    report = open(os.path.join(run_dir, "_report.txt")).read()
    assert "stopped" in report
    assert "infected_density.pdf" in _plots(run_dir)
