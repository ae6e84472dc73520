"""A source install without a C compiler still gives a working package.

The checkout is installed with pip (build isolation, as a user's
``pip install .`` does) into a fresh virtualenv while no C compiler can be
found: ``PATH`` holds only the virtualenv and ``CC`` points nowhere. The
build must warn and fall back to the pure-Python package, unless
``UTOPYA_BACKEND_REQUIRE_EXTENSIONS=1``, which makes it fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src")
FALLBACK = "WARNING: utopya-backend: the compiled core could not be built"
NO_CC = "/nonexistent/cc"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.name != "posix", reason="hides the compiler through PATH and CC"
    ),
    pytest.mark.skipif(
        not all(os.path.exists(os.path.join(ROOT, s)) for s in SOURCES),
        reason="needs the source tree (setup.py, src/)",
    ),
]


@pytest.fixture(scope="module")
def env_without_compiler(tmp_path_factory):
    """A fresh virtualenv, a copy of the sources, and no compiler."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "source"
    src.mkdir()
    skip = shutil.ignore_patterns(
        "*.so", "*.pyd", "*.c", "*.html", "__pycache__", "*.egg-info"
    )
    for name in os.listdir(ROOT):  # what an sdist would carry, no build
        path = os.path.join(ROOT, name)
        if name in SOURCES or name.startswith(("LICENSE", "COPYING")):
            if os.path.isdir(path):
                shutil.copytree(path, src / name, ignore=skip)
            else:
                shutil.copy(path, src / name)
    venv = tmp / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], check=True, timeout=300
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("UTOPYA_BACKEND_")
        and k not in ("PYTHONPATH", "CFLAGS", "LDSHARED", "LDFLAGS")
    }
    env.update(PATH=str(venv / "bin"), CC=NO_CC, CXX=NO_CC)
    for compiler in ("cc", "gcc", "clang"):
        assert shutil.which(compiler, path=env["PATH"]) is None, compiler
    return str(venv / "bin" / "python"), str(src), env, tmp


def _pip(py: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [py, "-m", "pip", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


MODEL = textwrap.dedent("""
    import importlib.metadata, os, sys
    import h5py, yaml
    import utopya_backend
    from utopya_backend import ModelBenchmarkMixin, StepwiseModel
    from utopya_backend.core import _impl

    class Walker(ModelBenchmarkMixin, StepwiseModel):
        def setup(self, **_):
            self.x = 0
            self.dset = self.create_ts_dset("x", dtype="i8")

        def perform_step(self):
            self.x += 1

        def write_data(self):
            n = self.dset.shape[0]
            self.dset.resize(n + 1, axis=0)
            self.dset[n] = self.x

    out = sys.argv[1]
    cfg = dict(
        root_model_name="Walker", output_path=out + "/data.h5",
        output_dir=out, seed=1, monitor_emit_interval=100.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=20, write_every=5, Walker={},
    )
    with open(out + "/cfg.yml", "w") as f:
        yaml.safe_dump(cfg, f)
    Walker(cfg_file_path=out + "/cfg.yml").run()
    with h5py.File(out + "/data.h5", "r") as f:
        print("RESULT x", f["Walker/x"][:].tolist())
        labels = f["Walker/benchmark/total"].attrs["coords__label"]
        print("RESULT timers", "simulation" in labels.astype(str).tolist())
    pkg = os.path.dirname(utopya_backend.__file__)
    print("RESULT implementation", _impl.IMPLEMENTATION)
    print("RESULT timer", _impl.Timer.__module__)
    print("RESULT compiled", sorted(f for f in os.listdir(pkg)
                             if f.endswith((".so", ".pyd"))))
    wheel = importlib.metadata.distribution("utopya-backend").read_text(
        "WHEEL")
    print("RESULT tag", [line.split()[-1] for line in wheel.splitlines()
                  if line.startswith("Tag:")])
""")


def test_install_without_compiler_falls_back_to_pure_python(
    env_without_compiler,
):
    py, src, env, tmp = env_without_compiler
    res = _pip(py, "install", "-v", src, env=env)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-5000:]
    assert FALLBACK in log, log[-5000:]
    assert NO_CC in log  # the reason is given
    (tmp / "out").mkdir()
    (tmp / "model.py").write_text(MODEL)
    run = subprocess.run(
        [py, str(tmp / "model.py"), str(tmp / "out")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    lines = dict(
        line.split(" ", 2)[1:]
        for line in run.stdout.splitlines()
        if line.startswith("RESULT ")
    )
    assert lines == {
        "x": "[0, 5, 10, 15, 20]",
        "timers": "True",
        "implementation": "python",
        "timer": "utopya_backend.core._timing_py",
        "compiled": "[]",
        "tag": "['py3-none-any']",  # not mistaken for a binary wheel
    }
    # the package says at run time that it is the slow one
    assert "RuntimeWarning" in run.stderr and "pure-Python" in run.stderr


def test_require_extensions_makes_missing_compiler_an_error(
    env_without_compiler,
):
    py, src, env, tmp = env_without_compiler
    wheels = tmp / "wheels"
    res = _pip(
        py,
        "wheel",
        "-v",
        "--no-deps",
        "-w",
        str(wheels),
        src,
        env={**env, "UTOPYA_BACKEND_REQUIRE_EXTENSIONS": "1"},
    )
    log = res.stdout + res.stderr
    assert res.returncode != 0, log[-5000:]
    assert NO_CC in log, log[-5000:]  # failed at the compiler ...
    assert FALLBACK not in log  # ... and did not fall back
    assert not wheels.exists() or not os.listdir(wheels)
