"""The C-level API as Cython code that cimports it uses it: the timer's
``c_unpause``/``c_pause`` (the same refusals and the same clock as the
Python methods) and ``RowWriter.append_view`` (the row checked and stored
as ``append`` does). Compiles a small module once (needs Cython and a C
compiler), so it runs on the compiled core only.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import utopya_backend

try:
    from utopya_backend.core import _rowbuffer, _timing
    from utopya_backend.cstep import RowWriter
except ImportError as exc:  # a pure-Python install says why
    pytest.skip(f"needs the compiled core ({exc})", allow_module_level=True)

pytestmark = pytest.mark.c_extension

PKG_DIR = os.path.dirname(utopya_backend.__file__)

PYX = """\
# cython: language_level=3
from utopya_backend._timing cimport Timer
from utopya_backend.cstep cimport RowWriter


def c_unpause(Timer t):
    with nogil:
        t.c_unpause()


def c_pause(Timer t):
    with nogil:
        t.c_pause()


def append_values(RowWriter w, const double[::1] values):
    w.append_view(values)
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


@pytest.mark.parametrize("dtype", ["f8", "f4"])
def test_append_view_stores_the_values_of_one_row(demo, dtype):
    got = []
    buf = _rowbuffer.RowBuffer(
        "rows", (3,), dtype, lambda block, labels: got.extend(block.tolist())
    )
    w = RowWriter(buf)
    demo.append_values(w, np.array([0.5, -1.0, 2.25]))
    demo.append_values(w, np.array([1.0, 2.0, 3.0]))
    assert len(w) == 2
    buf.flush()
    assert got == [[0.5, -1.0, 2.25], [1.0, 2.0, 3.0]]


@pytest.mark.parametrize("n", [0, 2, 4])
def test_append_view_refuses_a_row_of_another_size(demo, n):
    buf = _rowbuffer.RowBuffer("rows 'b'", (3,), "f8", lambda *a: None)
    with pytest.raises(ValueError) as err:
        demo.append_values(RowWriter(buf), np.zeros(n))
    assert str(err.value) == (
        f"Cannot append {n} doubles to rows 'b': its rows have shape (3,) "
        "and dtype float64"
    )
    assert len(buf) == 0
