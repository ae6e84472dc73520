"""Declare the compiled core; all metadata lives in pyproject.toml.

Every ``.pyx`` under ``src/utopya_backend/`` becomes an extension module,
named after its path (``core/_loop.pyx``: ``utopya_backend.core._loop``);
the C headers stay in ``src/utopya_backend/``, on the include path. Environment
at build time:

- ``UTOPYA_BACKEND_NO_EXTENSIONS=1`` (or a non-CPython interpreter) builds a
  pure-Python package that runs on the twins.
- Otherwise the extensions are compiled; if that is impossible (no C
  compiler, no Python headers, no Cython) the build warns and falls back to
  the pure-Python package, as markupsafe does ...
- ... unless ``UTOPYA_BACKEND_REQUIRE_EXTENSIONS=1``: then it fails.

On Linux the modules are built without debug info and stripped (``-g0``,
``-s``): that makes the wheel a fraction of the size.
"""

import glob
import os
import sys
import textwrap

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

PKG = "utopya_backend"
SRC = os.path.join("src", PKG)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def env_flag(name: str) -> bool:
    """Read a boolean environment variable as ``utopya_backend`` does."""
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    sys.exit(
        f"utopya-backend: {name}={os.environ[name]!r} is neither true "
        f"({', '.join(_TRUE)}) nor false (empty, {', '.join(_FALSE[1:])})"
    )


NO_EXTENSIONS = env_flag("UTOPYA_BACKEND_NO_EXTENSIONS")
REQUIRE_EXTENSIONS = env_flag("UTOPYA_BACKEND_REQUIRE_EXTENSIONS")
if NO_EXTENSIONS and REQUIRE_EXTENSIONS:
    sys.exit(
        "utopya-backend: UTOPYA_BACKEND_NO_EXTENSIONS and "
        "UTOPYA_BACKEND_REQUIRE_EXTENSIONS are both set; unset one"
    )


class BuildFailed(Exception):
    """The compiled core cannot be built here."""


def warn(lines: str) -> None:
    bar = "*" * 75
    msg = textwrap.dedent(lines).strip()
    print(f"\n{bar}\n{msg}\n{bar}\n", file=sys.stderr, flush=True)


class optional_build_ext(build_ext):
    """Turn a missing compiler or missing headers into ``BuildFailed``."""

    def run(self):
        try:
            super().run()
        except PlatformError as exc:  # no compiler for this platform
            raise BuildFailed(exc) from exc

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except (CCompilerError, ExecError, PlatformError) as exc:
            raise BuildFailed(exc) from exc
        except ValueError as exc:  # a broken MSVC setup (Python issue 7511)
            if "'path'" not in str(exc):
                raise
            raise BuildFailed(exc) from exc


def module_name(path: str) -> str:
    """``src/utopya_backend/core/_loop.pyx``: ``utopya_backend.core._loop``"""
    rel = os.path.relpath(os.path.splitext(path)[0], os.path.dirname(SRC))
    return ".".join(rel.split(os.sep))


def extensions() -> list:
    """One extension per ``.pyx`` file, cythonized (raises ImportError)."""
    from Cython.Build import cythonize

    compile_args, link_args = [], []
    if sys.platform.startswith("linux"):
        compile_args, link_args = ["-g0"], ["-s"]
    pyx = sorted(glob.glob(os.path.join(SRC, "**", "*.pyx"), recursive=True))
    if not pyx:
        raise RuntimeError(f"no .pyx files found in {SRC}")
    exts = [
        Extension(
            module_name(path),
            [path],
            include_dirs=[SRC],
            extra_compile_args=compile_args,
            extra_link_args=link_args,
        )
        for path in pyx
    ]
    return cythonize(exts, compiler_directives={"language_level": 3})


def pure_python_reason() -> str:
    if NO_EXTENSIONS:
        return "UTOPYA_BACKEND_NO_EXTENSIONS is set"
    if sys.implementation.name != "cpython":
        return f"{sys.implementation.name} is not CPython"
    return ""


FALLBACK_WARNING = """\
WARNING: utopya-backend: the compiled core could not be built
({reason}).
Installing the pure-Python package instead: it works the same, but its
timers and run loop are several times slower, and importing it warns.
For the compiled core, install a C compiler and the Python headers
(Debian/Ubuntu: apt install gcc python3-dev), then reinstall with
`pip install --no-cache-dir --force-reinstall utopya-backend`, or install
a binary wheel. UTOPYA_BACKEND_REQUIRE_EXTENSIONS=1 makes this an error."""

reason = pure_python_reason()
if reason:
    print(f"*** utopya-backend: pure-Python build ({reason}) ***")
    setup()
else:
    try:
        ext_modules = extensions()
    except ImportError as exc:
        if REQUIRE_EXTENSIONS:
            raise
        ext_modules = None
        warn(FALLBACK_WARNING.format(reason=f"Cython is missing: {exc}"))
    if ext_modules is None:
        setup()
    elif REQUIRE_EXTENSIONS:
        setup(ext_modules=ext_modules)
    else:
        try:
            setup(
                ext_modules=ext_modules,
                cmdclass={"build_ext": optional_build_ext},
            )
        except BuildFailed as exc:
            cause = exc.__cause__ or exc
            warn(FALLBACK_WARNING.format(reason=f"{cause}".strip()))
            setup()
