"""Run the hand-made mutants of the compiled core (``pyx_mutants.py``).

For each mutant: copy the tree (with the compiled core built once) to a
scratch directory, apply the replacement (its snippet must occur exactly
once in all ``.pyx``/``.pxd`` files under ``src/``), rebuild only the
extensions it touches, and run the test files of ``TESTS`` for that source
file on the compiled core. A mutant is *killed* if a test fails (or times
out, or the interpreter crashes), *survived* if they all pass, and a
*build error* if it does not compile. Prints a table; exits 1 if a mutant
survived that ``EQUIVALENT`` does not list, or a snippet is not found
exactly once; 2 if the unmutated tree fails its own tests.

Usage (from the repository root)::

    python mutation/run_pyx_mutants.py            # all mutants
    python mutation/run_pyx_mutants.py --only ID [ID ...]
    python mutation/run_pyx_mutants.py --file _loop --list
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pyx_mutants import EQUIVALENT, MUTANTS, TESTS, Mutant  # noqa: E402

ROOT = os.path.dirname(HERE)
# Not copied into the scratch tree: history, build products, caches.
IGNORE = shutil.ignore_patterns(
    ".git",
    "build",
    "dist",
    "mutants",
    "*.egg-info",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".asv",
    ".venv*",
    "docs/_build",
)
PYTEST_ARGS = [
    "-q",
    "-x",
    "-p",
    "no:cacheprovider",
    "-m",
    "not slow",
    "--hypothesis-seed=0",
]
# The twins' tests (``impl`` = py) cannot see a mutant of the compiled
# timer, loop or row buffer, so they are deselected for those; a compiled
# step (cstep) runs in the twin loop, too, so its mutants keep them.
COMPILED_ONLY = ["-p", "compiled_only"]
TWIN_TESTS_MATTER = {"cstep"}

BUILD_SCRIPT = r"""
import json, os, sys
from setuptools import Extension, setup
from Cython.Build import cythonize

mods, incs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
args = ["-g0", "-O0"] if sys.platform.startswith("linux") else []
exts = [Extension(name, [path], include_dirs=[os.path.dirname(path)] + incs,
                  extra_compile_args=args) for name, path in mods]
setup(
    name="pyx_mutant",
    package_dir={"": "src"},
    ext_modules=cythonize(exts, compiler_directives={"language_level": 3},
                          quiet=True, force=True),
    script_args=["build_ext", "--inplace", "-q"],
)
"""


def cython_sources(root: str) -> List[str]:
    """All ``.pyx``/``.pxd`` files under ``root/src``, relative to root."""
    out = []
    for d, _, files in os.walk(os.path.join(root, "src")):
        for f in files:
            if f.endswith((".pyx", ".pxd")):
                out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def locate(root: str, mutant: Mutant) -> Tuple[Optional[str], str]:
    """The one file holding the mutant's snippet, or None and why not."""
    hits = []
    for rel in cython_sources(root):
        with open(os.path.join(root, rel)) as f:
            n = f.read().count(mutant.original)
        hits += [rel] * n
    if len(hits) == 1:
        return hits[0], ""
    where = ", ".join(hits) if hits else "no file"
    return None, f"snippet found {len(hits)} times ({where})"


def module_name(rel: str) -> str:
    """``src/a/b.pyx`` -> ``a.b``."""
    path = os.path.splitext(os.path.relpath(rel, "src"))[0]
    return path.replace(os.sep, ".")


def header_dirs(root: str) -> List[str]:
    """Directories under src holding C headers (``_clock.h`` etc.)."""
    dirs = set()
    for d, _, files in os.walk(os.path.join(root, "src")):
        if any(f.endswith(".h") for f in files):
            dirs.add(os.path.relpath(d, root))
    return sorted(dirs)


def to_rebuild(root: str, rel: str) -> List[str]:
    """The ``.pyx`` files to recompile after changing ``rel``: itself, or
    for a ``.pxd`` its ``.pyx`` and every ``.pyx`` that cimports it."""
    if rel.endswith(".pyx"):
        return [rel]
    stem = os.path.splitext(os.path.basename(rel))[0]
    pattern = re.compile(
        rf"\bcimport\b.*\b{re.escape(stem)}\b|"
        rf"\b{re.escape(stem)}\s+cimport\b"
    )
    out = []
    for other in cython_sources(root):
        if not other.endswith(".pyx"):
            continue
        if os.path.splitext(other)[0] == os.path.splitext(rel)[0]:
            out.append(other)
            continue
        with open(os.path.join(root, other)) as f:
            if pattern.search(f.read()):
                out.append(other)
    return out


def build(root: str, pyx: List[str], log: str) -> bool:
    """Compile ``pyx`` in place under ``root``; False on a build error."""
    mods = [[module_name(p), p] for p in pyx]
    with open(log, "a") as out:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                BUILD_SCRIPT,
                json.dumps(mods),
                json.dumps(header_dirs(root)),
            ],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "UTOPYA_BACKEND_NO_EXTENSIONS": ""},
        )
    return proc.returncode == 0


def run_tests(
    root: str, tests: List[str], log: str, timeout: float, extra: List[str]
) -> str:
    """``passed``, ``failed`` or ``timeout`` for the tests under root."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [os.path.join(root, "src"), os.path.join(root, "mutation")]
        ),
        "UTOPYA_BACKEND_NO_EXTENSIONS": "",
        # A core that does not import is a failure, not a silent fallback.
        "UTOPYA_BACKEND_REQUIRE_EXTENSIONS": "1",
    }
    with open(log, "a") as out:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", *PYTEST_ARGS, *extra, *tests],
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return "timeout"
    return "passed" if proc.returncode == 0 else "failed"


def tests_for(rel: str, mutant: Mutant) -> List[str]:
    stem = os.path.splitext(os.path.basename(rel))[0]
    if stem not in TESTS:
        raise KeyError(f"no TESTS entry for {stem!r} ({rel})")
    return list(dict.fromkeys([*TESTS[stem], *mutant.tests]))


def existing(root: str, tests: List[str]) -> List[str]:
    """Drop test files that do not exist (yet) in the tree."""
    return [
        t
        for t in tests
        if os.path.exists(os.path.join(root, t.split("::")[0]))
    ]


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--only", nargs="+", metavar="ID", help="run these mutants only"
    )
    ap.add_argument(
        "--file",
        metavar="STEM",
        help="run the mutants found in files of this base name "
        "(e.g. _loop)",
    )
    ap.add_argument(
        "--list",
        action="store_true",
        help="only locate the snippets and print where",
    )
    ap.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the unmutated test run",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=300,
        help="seconds per mutant's test run (default 300); a mutant "
        "that hangs a test is killed",
    )
    ap.add_argument("--scratch", help="scratch directory (default: temp)")
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args(argv)

    mutants = list(MUTANTS)
    if args.only:
        unknown = set(args.only) - {m.id for m in mutants}
        if unknown:
            ap.error(f"unknown mutant ids: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.id in args.only]

    located: List[Tuple[Mutant, Optional[str], str]] = []
    for m in mutants:
        rel, why = locate(ROOT, m)
        located.append((m, rel, why))
    if args.file:
        located = [
            x
            for x in located
            if x[1] is None
            or os.path.splitext(os.path.basename(x[1]))[0] == args.file
        ]
    errors = [x for x in located if x[1] is None]

    if args.list:
        for m, rel, why in located:
            print(f"{m.id:32} {rel or 'ERROR: ' + why}")
        return 1 if errors else 0

    scratch = args.scratch or tempfile.mkdtemp(prefix="pyx-mutants-")
    os.makedirs(scratch, exist_ok=True)
    base = os.path.join(scratch, "base")
    log_dir = os.path.join(scratch, "logs")
    os.makedirs(log_dir, exist_ok=True)
    print(f"scratch: {scratch}", flush=True)
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(ROOT, base, ignore=IGNORE)
    all_pyx = [p for p in cython_sources(base) if p.endswith(".pyx")]
    if not build(base, all_pyx, os.path.join(log_dir, "base.log")):
        print("the unmutated tree does not build; see logs/base.log")
        return 2
    if not args.no_baseline:
        stems = sorted(
            {
                os.path.splitext(os.path.basename(rel))[0]
                for _, rel, _ in located
                if rel
            }
        )
        tests = list(dict.fromkeys(t for s in stems for t in TESTS[s]))
        tests += [t for m, rel, _ in located if rel for t in m.tests]
        tests = existing(base, list(dict.fromkeys(tests)))
        verdict = run_tests(
            base, tests, os.path.join(log_dir, "base.log"), args.timeout, []
        )
        if verdict != "passed":
            print(f"the unmutated tree's tests {verdict}; see logs/base.log")
            return 2

    results: List[Dict[str, str]] = []
    for i, (m, rel, why) in enumerate(located, 1):
        t0 = time.monotonic()
        if rel is None:
            status = "snippet error"
        else:
            work = os.path.join(scratch, "m")
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(base, work, symlinks=True)
            path = os.path.join(work, rel)
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace(m.original, m.replacement, 1))
            log = os.path.join(log_dir, f"{m.id}.log")
            if os.path.exists(log):
                os.remove(log)
            if not build(work, to_rebuild(work, rel), log):
                status = "build error"
            else:
                stem = os.path.splitext(os.path.basename(rel))[0]
                verdict = run_tests(
                    work,
                    existing(work, tests_for(rel, m)),
                    log,
                    args.timeout,
                    [] if stem in TWIN_TESTS_MATTER else COMPILED_ONLY,
                )
                status = {
                    "passed": "survived",
                    "failed": "killed",
                    "timeout": "killed (timeout)",
                }[verdict]
                if status == "survived" and m.id in EQUIVALENT:
                    status = "equivalent"
            shutil.rmtree(work, ignore_errors=True)
        results.append(
            {
                "id": m.id,
                "file": rel or "",
                "status": status,
                "why": why,
                "description": m.description,
            }
        )
        print(
            f"[{i}/{len(located)}] {m.id:32} {rel or why:40} {status} "
            f"({time.monotonic() - t0:.0f} s)",
            flush=True,
        )

    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    bad = [r for r in results if r["status"] in ("survived", "snippet error")]
    return 1 if bad else 0


def print_table(results: List[Dict[str, str]]) -> None:
    print()
    print("| mutant | file | result | change |")
    print("|---|---|---|---|")
    for r in results:
        print(
            f"| {r['id']} | {r['file'] or r['why']} | {r['status']} | "
            f"{r['description']} |"
        )
    print()
    print(
        "| file | mutants | killed | survived | equivalent | build error "
        "| kill rate |"
    )
    print("|---|---|---|---|---|---|---|")
    files = sorted({r["file"] for r in results if r["file"]})
    for f in files:
        rs = [r for r in results if r["file"] == f]
        killed = sum(r["status"].startswith("killed") for r in rs)
        surv = sum(r["status"] == "survived" for r in rs)
        equiv = sum(r["status"] == "equivalent" for r in rs)
        berr = sum(r["status"] == "build error" for r in rs)
        # Build errors are not mutants a test could judge: left out.
        judged = len(rs) - equiv - berr
        rate = f"{100 * killed / judged:.0f} %" if judged else "-"
        print(
            f"| {f} | {len(rs)} | {killed} | {surv} | {equiv} | {berr} "
            f"| {rate} |"
        )


if __name__ == "__main__":
    sys.exit(main())
