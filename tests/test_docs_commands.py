"""What the README and the guide tell a user to type works.

- Every long option they name is one of the command line's options, or
  belongs to another tool named in :data:`OTHER_TOOLS` (pip, utopya, ...).
- Every shell block of the guide pages (``.. code-block:: bash``, ``sh``,
  ``console`` or ``shell``) runs as written, or carries the comment
  ``.. not-runnable: <reason>`` on the line before it. A literal block
  (``::``) may not hide a shell command.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TEXTS = [ROOT / "README.md", *sorted(DOCS.rglob("*.rst"))]
TEXTS += sorted((ROOT / "examples").glob("*/README.md"))
SUBCOMMANDS = ("demo", "run", "report")

#: Long options of other programs that the texts name, with the program.
OTHER_TOOLS = {
    "--force-reinstall": "pip",
    "--no-deps": "pip",
    "--no-cache-dir": "pip",
    "--with-models": "utopya projects register",
    "--pp": "utopya run",
    "--mp": "utopya run",
    "--run-mode": "utopya run",
    "--cluster-mode": "utopya run",
    "--keep-going": "sphinx-build",
    "--yes": "asv machine",
    "--python": "asv run",
    "--quick": "asv run",
    "--max-children": "mutmut",
    "--no-c-extensions": "this project's pytest option (tests/conftest.py)",
    "--print-build-identifiers": "cibuildwheel",
    "--platform": "cibuildwheel",
    "--check": "black",
    "--all": "mutmut results",
    "--rounds": "benchmarks/perf_table.py",
    "--write": "benchmarks/perf_table.py",
    "--pairs": "benchmarks/compare_gate.py",
}

NOT_RUNNABLE = re.compile(r"^\.\. not-runnable: \S", re.M)
SHELL_BLOCK = re.compile(
    r"^\.\. code-block:: (?:bash|sh|console|shell)[ \t]*\n"
    r"((?:[ \t]*\n|[ \t]+\S.*\n)+)",
    re.M,
)
COMMAND_START = ("python ", "python3 ", "pip ", "utopya ", "bash ", "cd ")


def _cli_help(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "utopya_backend", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _documented_options() -> List[Tuple[str, str]]:
    found = []
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        for option in sorted(
            set(re.findall(r"(?<![\w-])--[a-z][\w-]+", text))
        ):
            found.append((path.relative_to(ROOT).as_posix(), option))
    return found


def test_every_documented_long_option_exists():
    known = set(re.findall(r"--[a-z][\w-]+", _cli_help()))
    for sub in SUBCOMMANDS:
        known |= set(re.findall(r"--[a-z][\w-]+", _cli_help(sub)))
    unknown = [
        (where, opt)
        for where, opt in _documented_options()
        if opt not in known and opt not in OTHER_TOOLS
    ]
    assert (
        not unknown
    ), f"options named in the docs but not in --help: {unknown}"


def _shell_blocks() -> List[Tuple[str, int, str, bool]]:
    """(page, line, the block's commands, marked not runnable)."""
    blocks = []
    for page in sorted((DOCS / "guide").glob("*.rst")):
        text = page.read_text(encoding="utf-8")
        for match in SHELL_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            body = "\n".join(
                x.strip() for x in match.group(1).splitlines() if x.strip()
            )
            blocks.append(
                (page.name, line, body, bool(NOT_RUNNABLE.match(before)))
            )
    return blocks


def test_no_shell_command_hides_in_a_literal_block():
    hidden = []
    for page in sorted((DOCS / "guide").glob("*.rst")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.rstrip().endswith("::") or line.lstrip().startswith(
                ".."
            ):
                continue
            following = [x.strip() for x in lines[i + 1 : i + 4] if x.strip()]
            if following and following[0].startswith(COMMAND_START):
                hidden.append(f"{page.name}:{i + 2}: {following[0]}")
    assert not hidden, f"shell commands in literal blocks: {hidden}"


def test_the_guide_has_shell_blocks_to_check():
    blocks = _shell_blocks()
    assert len(blocks) >= 8
    assert any(not marked for *_, marked in blocks)


RUNNABLE = [b for b in _shell_blocks() if not b[3]]


@pytest.mark.parametrize(
    "page,line,body",
    [b[:3] for b in RUNNABLE],
    ids=[f"{b[0]}:{b[1]}" for b in RUNNABLE],
)
def test_guide_shell_block_runs(page, line, body, tmp_path):
    """Run from the repository root, with this interpreter as ``python``
    and a temporary directory of its own as ``$TMPDIR``."""
    if not (ROOT / "examples").is_dir():
        pytest.skip("needs a checkout (examples/)")
    shim = tmp_path / "bin"
    shim.mkdir()
    for name in ("python", "python3"):
        (shim / name).write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (shim / name).chmod(0o755)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    work = tmp_path / "work"
    shutil.copytree(
        ROOT / "examples", work / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "*.h5", "build"),
    )  # fmt: skip
    env = {
        **os.environ,
        "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
        "TMPDIR": str(tmpdir),
        "MPLBACKEND": "Agg",
    }
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", body],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, (
        f"{page}:{line} failed (exit {proc.returncode}):\n{body}\n"
        f"--- stderr\n{proc.stderr[-3000:]}"
    )


def test_perf_table_writes_between_the_markers_only(tmp_path, monkeypatch):
    """The performance page's table is the script's output, and writing it
    leaves the rest of the page as it was."""
    script = ROOT / "benchmarks" / "perf_table.py"
    if not script.is_file():
        pytest.skip("needs a checkout (benchmarks/)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("perf_table", script)
    assert spec is not None and spec.loader is not None
    perf_table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(perf_table)
    page = tmp_path / "performance.rst"
    original = (DOCS / "guide" / "performance.rst").read_text()
    page.write_text(original)
    monkeypatch.setattr(perf_table, "PAGE", page)
    table = perf_table.rst_table({"loop": 200.0}, {"loop": 20.0})
    assert table.endswith("``loop``\n     - 200.0\n     - 20.0\n     - 0.1")
    perf_table.write_page(table, "NOTE")
    text = page.read_text()
    head, rest = original.split(perf_table.START, 1)
    tail = rest.split(perf_table.END, 1)[1]
    assert text.startswith(head) and text.endswith(tail)
    assert "NOTE" in text and table in text
    perf_table.write_page(table, "NOTE")  # again: the same page
    assert page.read_text() == text


def test_report_help_names_the_files_plot_writes():
    """``--plot OUT.png`` writes two more files; ``--help`` says which."""
    from utopya_backend.reports.plots import _with_suffix

    text = " ".join(_cli_help("report").split())
    for what in ("breakdown", "distributions"):
        assert _with_suffix("OUT.png", what) in text


def test_no_option_in_single_backticks_in_the_guide():
    """In reST, single backticks do not make literals: ``--compare`` in them
    renders with an en dash that fails when copied."""
    pattern = re.compile(r"(?<![`:\w])`([^`]{1,300}?)`(?![`_])")
    found = [
        f"{page.name}: `{m.group(1)}`"
        for page in sorted(DOCS.rglob("*.rst"))
        for m in pattern.finditer(page.read_text(encoding="utf-8"))
        if "--" in m.group(1)
    ]
    assert not found, found
