"""The compiled core is what users get, and its C and typing interfaces hold.

These tests fail, rather than skip, when the compiled module was expected
but is missing: a broken build must not quietly test Python twice.
"""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import utopya_backend
from utopya_backend import benchmark
from utopya_backend.core import _compat

PKG_DIR = os.path.dirname(utopya_backend.__file__)


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.mark.c_extension
def test_compiled_core_is_used_unless_disabled():
    if _compat.NO_EXTENSIONS:
        pytest.skip("UTOPYA_BACKEND_NO_EXTENSIONS is set")
    from utopya_backend.core import _impl, _loop, _timing

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert _timing.__file__.endswith(suffixes), _timing.__file__
    assert _loop.__file__.endswith(suffixes), _loop.__file__
    assert benchmark.Timer is _timing.Timer
    assert _impl.run_iterations is _loop.run_iterations
    assert _impl.IMPLEMENTATION == "c"


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_env_var_selects_python_twin(value):
    out = _run(
        "from utopya_backend import benchmark;"
        "from utopya_backend.core import _impl;"
        "print(benchmark.Timer.__module__, _impl.run_iterations.__module__)",
        UTOPYA_BACKEND_NO_EXTENSIONS=value,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "utopya_backend.core._timing_py",
        "utopya_backend.core._loop_py",
    ]


@pytest.mark.c_extension
@pytest.mark.parametrize("value", ["", "0", "false"])
def test_false_env_values_keep_compiled_core(value):
    out = _run(
        "from utopya_backend import benchmark;"
        "print(benchmark.Timer.__module__)",
        UTOPYA_BACKEND_NO_EXTENSIONS=value,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "utopya_backend.core._timing"


def test_require_extensions_turns_fallback_into_error(tmp_path):
    # A package copy without its compiled modules: import must fail loudly.
    pkg = tmp_path / "utopya_backend"
    shutil.copytree(PKG_DIR, pkg)
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for f in pkg.rglob("*"):
        if f.name.endswith(suffixes):  # every compiled module, core/ too
            f.unlink()
    code = "import utopya_backend.core._impl as c; print(c.IMPLEMENTATION)"
    # Neither switch may leak in from the environment of the test run (the
    # pure-Python CI leg sets UTOPYA_BACKEND_NO_EXTENSIONS=1).
    env = dict(
        PYTHONPATH=str(tmp_path),
        UTOPYA_BACKEND_NO_EXTENSIONS="",
        UTOPYA_BACKEND_REQUIRE_EXTENSIONS="",
    )
    loose = _run(code, **env)
    assert loose.returncode == 0 and loose.stdout.strip() == "python"
    assert "RuntimeWarning" in loose.stderr and "pure-Python" in loose.stderr
    strict = _run(code, **{**env, "UTOPYA_BACKEND_REQUIRE_EXTENSIONS": "1"})
    assert strict.returncode != 0
    assert "No module named 'utopya_backend.core._" in strict.stderr


def test_unclear_env_value_is_an_error():
    out = _run("import utopya_backend", UTOPYA_BACKEND_NO_EXTENSIONS="maybe")
    assert out.returncode != 0
    assert "UTOPYA_BACKEND_NO_EXTENSIONS='maybe'" in out.stderr
    assert "ValueError" in out.stderr  # a library import raises


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "utopya_backend", "--version"],
        [sys.executable, "-m", "utopya_backend.cli.main", "--version"],
    ],
)
def test_unclear_env_value_is_one_line_on_the_command_line(command):
    """The command line says what is wrong in one line, not a traceback."""
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "UTOPYA_BACKEND_NO_EXTENSIONS": "maybe"},
        timeout=120,
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("utopya-backend: error: ")
    assert "UTOPYA_BACKEND_NO_EXTENSIONS='maybe'" in lines[0]


def test_package_ships_typing_and_cython_interface(tmp_path):
    """The wheel built from the sources carries the typing and Cython
    interface files (checked in the wheel, not in the source checkout)."""
    import zipfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "setup.py")):
        pytest.skip("needs the source tree")
    src = tmp_path / "src"
    shutil.copytree(
        root,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "build", "mutants", ".hypothesis", "*.so", "__pycache__"
        ),
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("UTOPYA_BACKEND_")
    }
    env["UTOPYA_BACKEND_NO_EXTENSIONS"] = "1"  # no compiling needed here
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "py.typed",
        "core/_timing.pyi",
        "core/_itimers.pyi",
        "core/_loop.pyi",
        "core/_rowbuffer.pyi",
        "core/_timing.pxd",
        "core/_itimers.pxd",
        "core/_rowbuffer.pxd",
        "_timing.pxd",  # the documented cimport path
        "_clock.h",
        "_tstats.h",
        "cstep.pxd",
        "cstep.pyi",
    ):
        assert f"utopya_backend/{name}" in names, name
    assert not any(n.endswith((".c", ".html")) for n in names)


@pytest.mark.c_extension
def test_stubs_match_compiled_module(tmp_path):
    pytest.importorskip("mypy")
    cfg = tmp_path / "mypy.ini"
    cfg.write_text("[mypy]\nignore_missing_imports = True\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "--ignore-disjoint-bases",
            "--mypy-config-file",
            str(cfg),
            "utopya_backend.core._timing",
            "utopya_backend.core._itimers",
            "utopya_backend.core._loop",
            "utopya_backend.core._rowbuffer",
            "utopya_backend.cstep",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # The package under test, found from tmp_path, too (a relative
        # PYTHONPATH would let stubtest check nothing).
        env={**os.environ, "PYTHONPATH": _package_root()},
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def _package_root() -> str:
    import utopya_backend

    return os.path.dirname(os.path.dirname(utopya_backend.__file__))


KERNEL = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    os.pardir,
    "examples",
    "cython",
    "kernel.pyx",
)

# README's example (examples/cython/kernel.pyx), plus a misuse.
with open(KERNEL) as _f:
    CIMPORT_PYX = _f.read() + """

def pause_twice(Timer t):
    t.c_unpause()
    t.c_pause()
    t.c_pause()
"""


def test_docs_show_the_compiled_cython_example():
    """The guide includes the very file this module compiles."""
    root = os.path.join(os.path.dirname(KERNEL), os.pardir, os.pardir)
    with open(os.path.join(root, "docs", "guide", "cython-timer.rst")) as f:
        assert ".. literalinclude:: ../../examples/cython/kernel.pyx" in (
            f.read()
        )


CIMPORT_SETUP = """
from setuptools import Extension, setup
from Cython.Build import cythonize
setup(
    name="cimport_demo",
    ext_modules=cythonize(
        [Extension("cimport_demo", ["cimport_demo.pyx"],
                   include_dirs=[{pkg!r}])],
        include_path=[{site!r}],
    ),
    script_args=["build_ext", "--inplace", "-q"],
)
"""


@pytest.mark.c_extension
def test_cython_code_can_cimport_timer(tmp_path):
    pytest.importorskip("Cython", reason="Cython is not installed")
    pytest.importorskip("setuptools", reason="setuptools is not installed")
    if not (shutil.which("cc") or shutil.which("gcc") or os.name == "nt"):
        pytest.skip("no C compiler found")
    (tmp_path / "cimport_demo.pyx").write_text(CIMPORT_PYX)
    (tmp_path / "setup.py").write_text(
        CIMPORT_SETUP.format(pkg=PKG_DIR, site=os.path.dirname(PKG_DIR))
    )
    build = subprocess.run(
        [sys.executable, "setup.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
                import cimport_demo
                from utopya_backend.benchmark import Timer
                t = Timer("kernel")
                print(cimport_demo.kernel(t, 1000), t.elapsed > 0)
                try:
                    cimport_demo.pause_twice(Timer("x"))
                except RuntimeError as e:
                    print("error:", e)
                """),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        # The kernel takes the compiled Timer: the pure-Python switch of
        # this process's environment must not reach the script.
        env={**os.environ, "UTOPYA_BACKEND_NO_EXTENSIONS": ""},
    )
    assert check.returncode == 0, check.stderr
    lines = check.stdout.splitlines()
    assert lines[0] == "1000 True"
    assert lines[1].startswith("error: Cannot pause already paused timer")
