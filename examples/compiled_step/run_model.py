#!/usr/bin/env python3
"""Model executable: utopya runs it with the path of a config file.

Build the compiled step first (``python build.py``).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from model import CA  # noqa: E402

if __name__ == "__main__":
    CA(cfg_file_path=sys.argv[1]).run()
