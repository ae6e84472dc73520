#!/usr/bin/env python3
"""Model executable: utopya runs it with the path of a config file."""

import os
import sys

from utopya_backend import import_package_from_dir

impl = import_package_from_dir(
    os.path.join(os.path.dirname(os.path.realpath(__file__)), "impl")
)

if __name__ == "__main__":
    impl.SIS(cfg_file_path=sys.argv[1]).run()
