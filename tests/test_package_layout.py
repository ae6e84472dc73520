"""The package's layout keeps the rules of issue 23.

At most 12 modules at the package root; no module over 400 lines; no
import cycle, counting imports inside functions (and Cython's cimports);
each compiled module beside its pure-Python twin; and every import path of
the original package still imports. Each rule is a function over a source
tree, tried here on the real package and on a small tree that breaks it,
so a check that could never fail would show.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import sys
from typing import Dict, Iterator, List, Set, Tuple

import pytest

import utopya_backend

PKG_DIR = os.path.dirname(os.path.abspath(utopya_backend.__file__))
# The checkout: the tests run from it even when the package is an
# installed wheel (as in CI), so locate it from this file, not the package.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = (".py", ".pyx", ".pxd", ".pyi")
MAX_ROOT_MODULES = 12
MAX_LINES = 400

# The import paths of the original utopya_backend that must keep working.
ORIGINAL_PATHS = [
    "utopya_backend",
    "utopya_backend.model",
    "utopya_backend.model.base",
    "utopya_backend.model.step",
    "utopya_backend.benchmark",
    "utopya_backend.logging",
    "utopya_backend.signal",
    "utopya_backend.tools",
    "utopya_backend.io",
]


# .. The checks, over any package directory ...................................


def _sources(pkg_dir: str) -> Iterator[str]:
    for dirpath, dirnames, files in os.walk(pkg_dir):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in sorted(files):
            if name.endswith(SOURCES):
                yield os.path.join(dirpath, name)


def root_modules(pkg_dir: str) -> Set[str]:
    """Module names at the package root (a .pyx and its .pxd are one)."""
    return {
        os.path.splitext(n)[0]
        for n in os.listdir(pkg_dir)
        if n.endswith(SOURCES) and os.path.isfile(os.path.join(pkg_dir, n))
    }


def long_modules(pkg_dir: str, limit: int = MAX_LINES) -> Dict[str, int]:
    """Source files of more than ``limit`` lines, with their line count."""
    out = {}
    for path in _sources(pkg_dir):
        with open(path, encoding="utf-8") as f:
            n = sum(1 for _ in f)
        if n > limit:
            out[os.path.relpath(path, pkg_dir)] = n
    return out


def _module_name(pkg_dir: str, path: str) -> Tuple[str, bool]:
    """Dotted name of the module at ``path``; whether it is a package."""
    rel = os.path.relpath(os.path.splitext(path)[0], os.path.dirname(pkg_dir))
    parts = rel.split(os.sep)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


# from X import a, b / from X cimport a / import X, Y (Cython sources)
_CY_FROM = re.compile(
    r"^\s*from\s+(\.*[\w.]*)\s+c?import\s+\(?([^#\n]*)", re.M
)
_CY_IMPORT = re.compile(r"^\s*c?import\s+([\w.]+(?:\s*,\s*[\w.]+)*)", re.M)


def _imports(path: str) -> Iterator[Tuple[int, str, List[str]]]:
    """(level, module, names) of every import in a file, however nested
    (inside functions, ``if TYPE_CHECKING``, ``try``)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith((".py", ".pyi")):
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                names = [a.name for a in node.names]
                yield node.level, node.module or "", names
            elif isinstance(node, ast.Import):
                for a in node.names:
                    yield 0, a.name, []
        return
    # Cython: no parser here; drop docstrings and comments (which show
    # example imports), then read the import lines
    text = re.sub(r"(\"\"\"|\'\'\')[\s\S]*?\1", "", text)
    text = re.sub(r"#[^\n]*", "", text)
    for m in _CY_FROM.finditer(text):
        dots = len(m.group(1)) - len(m.group(1).lstrip("."))
        names = [n.split()[0] for n in m.group(2).split(",") if n.split()]
        yield dots, m.group(1).lstrip("."), names
    for m in _CY_IMPORT.finditer(text):
        for name in m.group(1).split(","):
            yield 0, name.strip(), []


def import_graph(pkg_dir: str) -> Dict[str, Set[str]]:
    """Which of the package's modules each module imports."""
    pkg = os.path.basename(pkg_dir)
    modules: Dict[str, str] = {}
    packages: Set[str] = set()
    for path in _sources(pkg_dir):
        name, is_pkg = _module_name(pkg_dir, path)
        modules.setdefault(name, path)
        if is_pkg:
            packages.add(name)
    graph: Dict[str, Set[str]] = {}
    for path in _sources(pkg_dir):
        name, is_pkg = _module_name(pkg_dir, path)
        here = name if is_pkg else name.rpartition(".")[0]
        edges = graph.setdefault(name, set())
        for level, module, names in _imports(path):
            if level:
                base = here.split(".")
                base = base[: len(base) - level + 1]
                module = ".".join(base + ([module] if module else []))
            if module != pkg and not module.startswith(pkg + "."):
                continue
            subs = [
                f"{module}.{n}" for n in names if f"{module}.{n}" in modules
            ]
            # names that are not submodules come from the module itself
            if len(subs) < len(names) or not names:
                edges.add(module)
            edges.update(subs)
        edges.discard(name)
    return graph


def import_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def twins_apart(pkg_dir: str) -> List[str]:
    """Compiled modules without their pure-Python twin beside them, and
    twins without their compiled module. ``cstep`` has no twin, only a
    pure-Python stand-in that raises a clear ImportError."""
    problems = []
    for path in _sources(pkg_dir):
        d, name = os.path.split(path)
        rel = os.path.relpath(path, pkg_dir)
        if name.endswith(".pyx"):
            stem = name[:-4]
            twin = f"{stem}.py" if stem == "cstep" else f"{stem}_py.py"
            if not os.path.isfile(os.path.join(d, twin)):
                problems.append(f"{rel}: no {twin} beside it")
        elif name.endswith("_py.py"):
            if not os.path.isfile(os.path.join(d, name[:-6] + ".pyx")):
                problems.append(f"{rel}: no {name[:-6]}.pyx beside it")
    return problems


# .. The package keeps the rules ..............................................


def test_at_most_twelve_modules_at_the_root():
    mods = root_modules(PKG_DIR)
    assert len(mods) <= MAX_ROOT_MODULES, sorted(mods)


def test_no_module_is_over_the_line_limit():
    assert long_modules(PKG_DIR) == {}


def test_no_import_cycle_counting_function_level_imports():
    graph = import_graph(PKG_DIR)
    # the graph sees the imports that matter (nested and cimports too)
    assert "utopya_backend.model.base" in graph["utopya_backend.model"]
    assert "utopya_backend.core._itimers" in graph["utopya_backend.core._loop"]
    assert import_cycles(graph) == []


def test_compiled_modules_sit_beside_their_twins():
    assert twins_apart(PKG_DIR) == []


@pytest.mark.parametrize("path", ORIGINAL_PATHS)
def test_the_original_import_paths_import(path):
    module = importlib.import_module(path)
    assert module.__name__ == path


def test_the_public_names_are_where_users_import_them():
    from utopya_backend.model.base import BaseModel
    from utopya_backend.model.step import StepwiseModel

    assert utopya_backend.BaseModel is BaseModel
    assert utopya_backend.StepwiseModel is StepwiseModel
    assert callable(utopya_backend.benchmark.ModelBenchmarkMixin)
    assert callable(utopya_backend.tools.load_cfg_file)
    assert callable(utopya_backend.io.TimeSeriesWriter)


def test_the_console_script_names_the_command_line():
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        target = tomllib.load(f)["project"]["scripts"]["utopya-backend"]
    module, _, attr = target.partition(":")
    func = getattr(importlib.import_module(module), attr)
    # what ``python -m utopya_backend`` runs
    entry = importlib.import_module(f"{utopya_backend.__name__}.__main__")
    assert func is entry.main


# .. Each check can fail ......................................................


def _tree(tmp_path, files: Dict[str, str]) -> str:
    pkg = tmp_path / "pkg"
    for rel, text in {"__init__.py": "", **files}.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(pkg)


def test_the_root_count_sees_thirteen_modules(tmp_path):
    files = {f"m{i}.py": "" for i in range(12)}
    files.update({"m0.pyx": "", "m0.pxd": "", "sub/__init__.py": ""})
    pkg = _tree(tmp_path, files)
    assert len(root_modules(pkg)) == 13  # __init__ and m0..m11


def test_the_line_limit_sees_a_long_module(tmp_path):
    pkg = _tree(
        tmp_path,
        {"ok.py": "x = 1\n" * 400, "sub/long.pyx": "x = 1\n" * 401},
    )
    assert long_modules(pkg) == {os.path.join("sub", "long.pyx"): 401}


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path):
    pkg = _tree(
        tmp_path,
        {
            "a.py": "from . import b\n",
            "b.py": "def f():\n    from .sub.c import g\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..a import x\n",
            "d.py": "from .a import x\n",
        },
    )
    assert import_cycles(import_graph(pkg)) == [
        ["pkg.a", "pkg.b", "pkg.sub.c"]
    ]


def test_the_cycle_check_sees_a_cimport_and_a_package_import(tmp_path):
    pkg = _tree(
        tmp_path,
        {
            "__init__.py": "from .core import _loop\n",
            "core/__init__.py": "",
            "core/_loop.pyx": "from ..cstep cimport CStep\n",
            "cstep.pxd": "",
            "cstep.pyx": "from .core._loop cimport Plan\n",
            "core/_loop.pxd": '"""Example::\n\n    from pkg cimport x\n"""\n',
            "io.py": "def f():\n    from . import VERSION\n",
        },
    )
    graph = import_graph(pkg)
    assert graph["pkg.io"] == {"pkg"}  # a name from the package itself
    assert import_cycles(graph) == [["pkg.core._loop", "pkg.cstep"]]


def test_the_twin_check_sees_a_twin_in_another_directory(tmp_path):
    pkg = _tree(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/_loop.pyx": "",
            "_loop_py.py": "",
            "core/_timing.pyx": "",
            "core/_timing_py.py": "",
            "cstep.pyx": "",
        },
    )
    assert sorted(twins_apart(pkg)) == [
        "_loop_py.py: no _loop.pyx beside it",
        os.path.join("core", "_loop.pyx") + ": no _loop_py.py beside it",
        "cstep.pyx: no cstep.py beside it",
    ]
