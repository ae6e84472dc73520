#!/usr/bin/env python3
"""Model executable: utopya runs it with the path of a config file.

The interpreter running it must have utopya-backend installed: the first
line of the model's log (`data/uni*/out.log`) names the package that ran,
and every output file records it (`python -m utopya_backend report`).
"""

import os
import sys

from utopya_backend import import_package_from_dir

here = os.path.dirname(os.path.realpath(__file__))
if not os.path.isdir(os.path.join(here, "impl")):
    sys.exit(
        f"run_model.py: no impl/ beside {__file__}: utopya copied the "
        "executable alone into a temporary directory. Register the project "
        "(utopya projects register . --with-models), whose config sets "
        "executable_control.run_from_tmpdir: false."
    )
impl = import_package_from_dir(os.path.join(here, "impl"))

if __name__ == "__main__":
    impl.SIS(cfg_file_path=sys.argv[1]).run()
