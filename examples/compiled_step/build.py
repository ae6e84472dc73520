#!/usr/bin/env python3
"""Build ``ca_step.pyx`` in place: ``python build.py``.

Needs Cython, a C compiler and utopya-backend with its compiled core (the
``.pxd`` files and headers of ``utopya_backend.cstep`` come from there).
"""

import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

import utopya_backend

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
setup(
    name="ca_step",
    ext_modules=cythonize(
        [
            Extension(
                "ca_step",
                ["ca_step.pyx"],
                # cstep.pxd cimports the timing core, which includes its
                # clock header from the package directory.
                include_dirs=[os.path.dirname(utopya_backend.__file__)],
            )
        ],
        compiler_directives={"language_level": 3},
        quiet=True,
    ),
    script_args=["build_ext", "--inplace", "-q"] + sys.argv[1:],
)
