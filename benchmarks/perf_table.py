"""The performance table: this project against the original, one command.

    python benchmarks/perf_table.py [--rounds 3] [--quick] [--write]
        [--ours PYTHON] [--original PYTHON]

runs ``overhead.py`` under the original package (``utopya==1.3.11``,
installed on first use into a throwaway virtualenv, ``$UPSTREAM_VENV`` or
``<temp dir>/utopya-original-venv``) and under this project (``--ours``,
default: this interpreter), alternating round by round, and prints the
medians and the ratios. ``--write`` also replaces the table in
``docs/guide/performance.rst``, the one place the figures live; README and
the other pages link there. The machines are shared and noisy: quote the
ratios, not the times.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent / "docs" / "guide" / "performance.rst"
START, END = ".. perf-table-start", ".. perf-table-end"
ORIGINAL = "utopya==1.3.11"


def original_python() -> str:
    """An interpreter with the original package, made on first use."""
    default = os.path.join(tempfile.gettempdir(), "utopya-original-venv")
    venv = os.environ.get("UPSTREAM_VENV", default)
    python = os.path.join(venv, "bin", "python")
    probe = [python, "-c", "import utopya_backend.model"]
    if os.path.exists(python) and subprocess.run(probe).returncode == 0:
        return python
    print(f"installing {ORIGINAL} into {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [python, "-m", "pip", "install", "-q", ORIGINAL]
    subprocess.run(pip, check=True)
    return python


def run_once(python: str, quick: bool) -> Dict[str, float]:
    cmd = [python, str(HERE / "overhead.py")] + (["--quick"] if quick else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def medians(runs: List[Dict[str, float]]) -> Dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def rst_table(original: Dict[str, float], ours: Dict[str, float]) -> str:
    rows = [("figure", "original", "ours", "ours/original")]
    for key, theirs in original.items():
        ratio = ours[key] / theirs if theirs > 0 else float("nan")
        rows.append(
            (f"``{key}``", f"{theirs:.1f}", f"{ours[key]:.1f}", f"{ratio:.4g}")
        )
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines)


def provenance(rounds: int, quick: bool, ours: str) -> str:
    version = subprocess.run(
        [ours, "-m", "utopya_backend", "--version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    mode = ", --quick" if quick else ""
    return (
        f"Produced by ``python benchmarks/perf_table.py --write`` "
        f"({rounds} alternating rounds{mode}, medians) on "
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}; ours: {version}; original: ``{ORIGINAL}``. "
        f"Nanoseconds per iteration or operation."
    )


def write_page(table: str, note: str) -> None:
    text = PAGE.read_text(encoding="utf-8")
    head, rest = text.split(START + "\n", 1)
    _, tail = rest.split(END + "\n", 1)
    PAGE.write_text(
        f"{head}{START}\n\n{note}\n\n{table}\n\n{END}\n{tail}",
        encoding="utf-8",
    )


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--ours", default=sys.executable)
    parser.add_argument("--original")
    args = parser.parse_args(argv)
    theirs_py = args.original or original_python()
    theirs: List[Dict[str, float]] = []
    ours: List[Dict[str, float]] = []
    for _ in range(args.rounds):
        theirs.append(run_once(theirs_py, args.quick))
        ours.append(run_once(args.ours, args.quick))
    a, b = medians(theirs), medians(ours)
    print(f"{'figure (ns)':<26}{'original':>12}{'ours':>12}{'ratio':>10}")
    for key in a:
        ratio = b[key] / a[key] if a[key] > 0 else float("nan")
        print(f"{key:<26}{a[key]:>12.1f}{b[key]:>12.1f}{ratio:>10.4g}")
    if args.write:
        write_page(
            rst_table(a, b), provenance(args.rounds, args.quick, args.ours)
        )
        print(f"wrote the table into {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
