"""Hand mutants of the modules mutmut cannot mutate, and whether tests kill
them.

mutmut 3 mutates code inside functions only (it activates a mutant through
a trampoline when the function is called). ``_stats.py``, ``report.py`` and
``__init__.py`` hold no function: they re-export names and build
``__all__`` when imported, so mutmut makes no mutant of them. This script
applies each mutant below to a fresh copy of ``src/``, runs the listed
tests on the copy (pure-Python twins, as the mutmut run does) and prints
``killed``, ``equivalent`` (survived, with the reason no test can kill
it) or ``SURVIVED`` per mutant and the counts.

Run from the repository root::

    /path/to/python mutation/hand_stats.py [-k SUBSTRING]

Exit status 1 if a mutant not marked equivalent survives.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from typing import List, NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Mutant(NamedTuple):
    module: str  # path under src/utopya_backend/
    old: str  # text that must occur exactly once
    new: str
    tests: List[str]  # test files (under tests/) that should kill it
    equivalent: str = ""  # why no test can kill it, if none can


_STATS_TESTS = [
    "tests/test_timerstats_behaviour.py",
    "tests/test_stats.py",
    "tests/test_stats_hdf5_behaviour.py",
    "tests/test_resources_behaviour.py",
    "tests/test_compare_rules.py",
    "tests/test_exports_mutation.py",
]
_REPORT_TESTS = [
    "tests/test_report_behaviour.py",
    "tests/test_main_mutation.py",
    "tests/test_exports_mutation.py",
]
_INIT_TESTS = ["tests/test_dropin.py", "tests/test_exports_mutation.py"]

MUTANTS = [
    # _stats.py: __all__ (the star import of the documented names)
    Mutant(
        "bench/_stats.py", 'n != "record_py"', 'n == "record_py"', _STATS_TESTS
    ),
    Mutant(
        "bench/_stats.py",
        'n != "record_py"',
        'n != "XXrecord_pyXX"',
        _STATS_TESTS,
    ),
    Mutant(
        "bench/_stats.py",
        ' + [\n    "process_resources"\n]',
        "",
        _STATS_TESTS,
    ),
    Mutant(
        "bench/_stats.py",
        '"process_resources"\n]',
        '"XXprocess_resourcesXX"\n]',
        _STATS_TESTS,
    ),
    # _stats.py: each group of re-exports the package uses
    Mutant("bench/_stats.py", "    TimerStats,\n", "", _STATS_TESTS),
    Mutant("bench/_stats.py", "    bucket_lower_ns,\n", "", _STATS_TESTS),
    Mutant("bench/_stats.py", "    bucket_edges_ns,\n", "", _STATS_TESTS),
    Mutant("bench/_stats.py", "    process_cpu,\n", "", _STATS_TESTS),
    Mutant("bench/_stats.py", "    format_resources,\n", "", _STATS_TESTS),
    Mutant("bench/_stats.py", "    read_stats,\n", "", _STATS_TESTS),
    Mutant("bench/_stats.py", "    read_resources,\n", "", _STATS_TESTS),
    Mutant(
        "bench/_stats.py",
        "    write_stats,\n",
        "",
        _STATS_TESTS,
        equivalent="nothing imports write_stats from _stats (only a "
        "docstring names it there)",
    ),
    # report.py: the names the command and users import from it
    Mutant("reports/report.py", "    format_table,\n", "", _REPORT_TESTS),
    Mutant("reports/report.py", "    universe_summary,\n", "", _REPORT_TESTS),
    Mutant(
        "reports/report.py",
        "import plot, plot_path",
        "import plot",
        _REPORT_TESTS,
    ),
    Mutant("reports/report.py", '    "load_path",\n', "", _REPORT_TESTS),
    Mutant("reports/report.py", '    "timer_rows",\n', "", _REPORT_TESTS),
    # __init__.py: the public names and the version
    Mutant("__init__.py", '    "load_cfg_file",\n', "", _INIT_TESTS),
    Mutant("__init__.py", '    "BaseModel",\n', "", _INIT_TESTS),
    Mutant(
        "io/_provenance.py",
        'VERSION = "0.1.0"',
        'VERSION = "XX0.1.0XX"',
        _INIT_TESTS,
    ),
    Mutant(
        "__init__.py",
        '__distribution__ = "utopya-backend"',
        '__distribution__ = "XXutopya-backendXX"',
        _INIT_TESTS,
    ),
]


def _run(m: Mutant, work: str) -> bool:
    """Whether the tests fail (kill the mutant) on a copy with ``m``."""
    src = os.path.join(work, "src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(
        os.path.join(ROOT, "src"),
        src,
        ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"),
    )
    path = os.path.join(src, "utopya_backend", m.module)
    with open(path) as f:
        text = f.read()
    if text.count(m.old) != 1:
        raise SystemExit(f"{m.module}: {m.old!r} is not there exactly once")
    with open(path, "w") as f:
        f.write(text.replace(m.old, m.new))
    env = dict(os.environ, UTOPYA_BACKEND_NO_EXTENSIONS="1", PYTHONPATH=src)
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        + ["--no-c-extensions", "-m", "not slow", *m.tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return res.returncode != 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only mutants of this module")
    args = ap.parse_args()
    killed = survived = equivalent = 0
    with tempfile.TemporaryDirectory() as work:
        for m in MUTANTS:
            if args.k not in m.module:
                continue
            ok = _run(m, work)
            change = f"{m.old.strip()!r} -> {m.new.strip()!r}"
            if ok:
                killed += 1
                print(f"killed     {m.module}: {change}")
            elif m.equivalent:
                equivalent += 1
                print(f"equivalent {m.module}: {change} ({m.equivalent})")
            else:
                survived += 1
                print(f"SURVIVED   {m.module}: {change}")
    print(f"{killed} killed, {survived} survived, {equivalent} equivalent")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
