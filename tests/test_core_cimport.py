"""The C-level timer API (``c_unpause``/``c_pause``) as Cython code that
cimports ``Timer`` uses it: the same refusals and the same clock as the
Python methods. Compiles a small module once (needs Cython and a C
compiler), so it runs on the compiled core only.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys

import pytest

import utopya_backend
from utopya_backend import _timing

pytestmark = pytest.mark.c_extension

PKG_DIR = os.path.dirname(utopya_backend.__file__)

PYX = """\
# cython: language_level=3
from utopya_backend._timing cimport Timer


def c_unpause(Timer t):
    with nogil:
        t.c_unpause()


def c_pause(Timer t):
    with nogil:
        t.c_pause()
"""

SETUP = """
from setuptools import Extension, setup
from Cython.Build import cythonize
setup(
    name="core_cimport_demo",
    ext_modules=cythonize(
        [Extension("core_cimport_demo", ["core_cimport_demo.pyx"],
                   include_dirs=[{pkg!r}])],
        include_path=[{site!r}],
        quiet=True,
    ),
    script_args=["build_ext", "--inplace", "-q"],
)
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The compiled module, imported into this process."""
    pytest.importorskip("Cython", reason="Cython is not installed")
    if not (shutil.which("cc") or shutil.which("gcc") or os.name == "nt"):
        pytest.skip("no C compiler found")
    where = tmp_path_factory.mktemp("cimport")
    (where / "core_cimport_demo.pyx").write_text(PYX)
    (where / "setup.py").write_text(
        SETUP.format(pkg=PKG_DIR, site=os.path.dirname(PKG_DIR))
    )
    build = subprocess.run(
        [sys.executable, "setup.py"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("core_cimport_demo")
    finally:
        sys.path.remove(str(where))
        sys.modules.pop("core_cimport_demo", None)


class Clock:
    """A fake clock in seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_c_pause_and_unpause_read_the_timers_own_clock(demo):
    clock = Clock()
    t = _timing.Timer("kernel", time_func=clock)
    demo.c_unpause(t)
    clock.now += 2.5
    demo.c_pause(t)
    clock.now += 7.0  # paused: not counted
    demo.c_unpause(t)
    clock.now += 0.5
    demo.c_pause(t)
    assert t.elapsed == 3.0
    assert t.invocations == 2 and not t.running


def test_c_unpause_refuses_a_one_shot_timer_like_unpause(demo):
    t = _timing.Timer("once", one_shot=True)
    with pytest.raises(RuntimeError) as c_err:
        demo.c_unpause(t)
    with pytest.raises(RuntimeError) as py_err:
        t.unpause()
    assert str(c_err.value) == str(py_err.value)
    assert "is a one-shot timer and cannot be unpaused!" in str(c_err.value)
    assert t.invocations == 0


def test_c_unpause_refuses_a_finished_timer(demo):
    t = _timing.Timer("done", start=True)
    t.stop()
    with pytest.raises(RuntimeError, match="already marked as finished"):
        demo.c_unpause(t)
