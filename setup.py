"""Declare the compiled core; all metadata lives in pyproject.toml.

``UTOPYA_BACKEND_NO_EXTENSIONS=1`` (or a non-CPython interpreter) builds a
pure-Python package that runs on the twins.
"""

import os
import sys

from setuptools import setup

ext_modules = []
if (
    os.environ.get("UTOPYA_BACKEND_NO_EXTENSIONS", "").lower()
    in ("1", "true", "yes", "on")
    or sys.implementation.name != "cpython"
):
    print("*** utopya-backend: pure-Python build ***")
else:
    from Cython.Build import cythonize
    from setuptools import Extension

    inc = ["src/utopya_backend"]
    ext_modules = cythonize(
        [
            Extension(
                "utopya_backend._timing",
                ["src/utopya_backend/_timing.pyx"],
                include_dirs=inc,
            ),
            Extension(
                "utopya_backend._rowbuffer",
                ["src/utopya_backend/_rowbuffer.pyx"],
                include_dirs=inc,
            ),
            Extension(
                "utopya_backend._loop",
                ["src/utopya_backend/_loop.pyx"],
                include_dirs=inc,
            ),
        ],
        compiler_directives={"language_level": 3},
    )

setup(ext_modules=ext_modules)
