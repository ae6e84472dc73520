#!/usr/bin/env bash
# Rewrite references to utopya_backend's old module paths (before the
# relayout of issue 23) to the new ones, in place, in the given files.
#
#   bash relayout-rewrite.sh FILE...        (PYTHON=... to pick the interpreter)
#
# Rewrites:
#   from utopya_backend import _x, y as z   -> one import per new package
#                                              (names that did not move stay)
#   from utopya_backend import (\n _x,\n)   -> the same, parenthesized form
#   utopya_backend._x anywhere (imports, monkeypatch targets, importlib
#   names, mutmut names and patterns "utopya_backend._x*")
#   "utopya_backend._pre*" globs whose modules all moved to one package
#   mutmut names of code split into a new module (x__match ->
#   reports._compare_pairs; IterationTimers -> core._itimers_py; ...)
#   [src/]utopya_backend/_x.py|.pyx|.pxd|.pyi paths
# Kept: "from utopya_backend._timing cimport ..." and the path
# utopya_backend/_timing.pxd (a shim keeps that documented cimport path).
# Not rewritten (reported on stderr): relative imports (from . import _x),
# names built at run time (f"utopya_backend.{name}"), globs that span
# several new packages. Idempotent: running it twice changes nothing more.
# Exit status 0; the files changed are listed on stdout.
set -euo pipefail
exec "${PYTHON:-python3}" - "$@" <<'PY'
import re
import sys

MOVES = {
    "__main__": "cli.main",
    "_bench_options": "bench._bench_options",
    "_bench_summary": "bench._bench_summary",
    "_bench_timers": "bench._bench_timers",
    "_checks": "core._checks",
    "_compare_match": "reports._compare_match",
    "_compat": "core._compat",
    "_forest_fire": "cli._forest_fire",
    "_impl": "core._impl",
    "_loop": "core._loop",
    "_loop_py": "core._loop_py",
    "_provenance": "io._provenance",
    "_report_format": "reports._report_format",
    "_report_plot": "reports._report_plot",
    "_report_read": "reports._report_read",
    "_reportstats": "reports._reportstats",
    "_resources": "bench._resources",
    "_rowbuffer": "core._rowbuffer",
    "_rowbuffer_py": "core._rowbuffer_py",
    "_rowcheck": "core._rowcheck",
    "_stats": "bench._stats",
    "_stats_hdf5": "bench._stats_hdf5",
    "_timefmt": "core._timefmt",
    "_timerstats": "core._timerstats",
    "_timing": "core._timing",
    "_timing_py": "core._timing_py",
    "_yaml": "yamlcfg._yaml",
    "_yaml_limits": "yamlcfg._yaml_limits",
    "_yaml_tags": "yamlcfg._yaml_tags",
    "compare": "reports.compare",
    "demo": "cli.demo",
    "plots": "reports.plots",
    "report": "reports.report",
    "runner": "cli.runner",
}
# Files still at their old path after the move: utopya_backend/_timing.pxd
# is a cimport shim (the documented path), so a path naming it stays valid.
KEEP_PATHS = {("_timing", "pxd")}
# ... and "from utopya_backend._timing cimport Timer" keeps working.
KEEP_CIMPORT = {"_timing"}

PKG = "utopya_backend"
NAMES = "|".join(sorted(map(re.escape, MOVES), key=len, reverse=True))
DOTTED = re.compile(rf"(?<![\w.]){PKG}\.({NAMES})(?![\w])")
PATH = re.compile(
    rf"(?<![\w.])((?:src/)?{PKG})/({NAMES})\.(pyx|pxd|pyi|py)(?![\w])"
)
GLOB = re.compile(rf"(?<![\w.]){PKG}\.(_?[A-Za-z0-9_]*)\*")
_ITEM = r"\w+(?:[ \t]+as[ \t]+\w+)?"
FROM_PKG = re.compile(
    rf"(?<![\w.])from[ \t]+{PKG}[ \t]+import[ \t]+"
    rf"(?:\((?P<paren>[^()]*)\)"
    rf"|(?P<flat>{_ITEM}(?:[ \t]*,[ \t]*{_ITEM})*))",
    re.M,
)
WIDTH = 79


def split_items(text):
    """The ``name [as alias]`` items of an import list, comments dropped."""
    text = re.sub(r"#[^\n]*", "", text)
    items = []
    for part in text.split(","):
        part = " ".join(part.split())
        if part:
            name, _, alias = part.partition(" as ")
            items.append((name.strip(), alias.strip() or None))
    return items


def new_place(name):
    """(package, bound name) of an item of ``from utopya_backend import``."""
    if name not in MOVES:
        return PKG, name
    pkg, _, leaf = f"{PKG}.{MOVES[name]}".rpartition(".")
    return pkg, leaf


def render(pkg, items, indent, inline):
    names = [
        leaf if alias is None and leaf == old else
        f"{leaf} as {alias or old}" for old, leaf, alias in items
    ]
    flat = f"from {pkg} import {', '.join(names)}"
    if inline or len(indent) + len(flat) <= WIDTH:
        return flat
    body = "".join(f"{indent}    {n},\n" for n in names)
    return f"from {pkg} import (\n{body}{indent})"


def rewrite_from(match, text, warnings):
    body = match.group("paren")
    if body is None:
        body = match.group("flat")
    items = split_items(body)
    if not any(name in MOVES for name, _ in items):
        return match.group(0)
    if body and "#" in body:
        warnings.append("comments dropped in a rewritten import")
    start = match.start()
    line_start = text.rfind("\n", 0, start) + 1
    prefix = text[line_start:start]
    inline = bool(prefix.strip())  # e.g. inside "...; from x import y"
    indent = "" if inline else prefix
    groups = {}
    for name, alias in items:
        pkg, leaf = new_place(name)
        groups.setdefault(pkg, []).append((name, leaf, alias))
    order = sorted(groups, key=lambda p: (p != PKG, p))
    parts = [render(p, groups[p], indent, inline) for p in order]
    sep = "; " if inline else "\n" + indent
    return sep.join(parts)


def rewrite_glob(match, warnings):
    prefix = match.group(1)
    if prefix in MOVES:
        return match.group(0)  # DOTTED does it (utopya_backend._x*)
    hits = {MOVES[m].rpartition(".")[0] for m in MOVES
            if m.startswith(prefix) and prefix}
    if not hits:
        return match.group(0)
    if len(hits) > 1:
        warnings.append(f"glob {match.group(0)!r} spans {sorted(hits)}")
        return match.group(0)
    # Modules that did not move but match the glob would be dropped by it.
    return f"{PKG}.{hits.pop()}.{prefix}*"


def rewrite_dotted(match):
    name = match.group(1)
    if name in KEEP_CIMPORT and re.match(
        r"[ \t]+cimport\b", match.string[match.end() :]
    ):
        return match.group(0)  # the documented cimport path, kept by a shim
    return f"{PKG}.{MOVES[name]}"


def rewrite_path(match):
    root, name, ext = match.groups()
    if (name, ext) in KEEP_PATHS:
        return match.group(0)
    return f"{root}/{MOVES[name].replace('.', '/')}.{ext}"


LONG_FROM = re.compile(
    rf"^(?P<indent>[ \t]*)from[ \t]+(?P<mod>{PKG}(?:\.\w+)+)[ \t]+import[ \t]+"
    rf"(?P<items>{_ITEM}(?:[ \t]*,[ \t]*{_ITEM})*)(?P<rest>[ \t]*(?:#.*)?)$",
    re.M,
)


def wrap_long(match):
    """A ``from`` import made too long by a new path, as black wraps it."""
    if len(match.group(0)) <= WIDTH:
        return match.group(0)
    indent = match.group("indent")
    names = [" ".join(n.split()) for n in match.group("items").split(",")]
    body = "".join(f"{indent}    {n},\n" for n in names)
    rest = match.group("rest").strip()
    rest = f"  {rest}" if rest else ""
    return f"{indent}from {match.group('mod')} import ({rest}\n{body}{indent})"


# Code split off a module into a new one beside it: mutmut's names of its
# mutants (x_func / xǁClassǁmethod) follow the code (applied after MOVES).
SPLITS = [
    ("core._loop_py", "core._itimers_py", ["xǁIterationTimersǁ"]),
    ("core._timing_py", "core._timefunc_py", ["x__clock_origin"]),
    ("reports._compare_match", "reports._compare_pairs", ["x__match"]),
    ("cli.demo", "cli._overhead", [
        "x_measure_overhead", "x__print_overhead", "x__step_seconds",
        "xǁ_EmptyStepǁ", "xǁ_BenchmarkedEmptyStepǁ",
    ]),
    ("cli.demo", "cli._forest_fire", ["x__write_cfg"]),
]
SPLIT = re.compile(
    "(?<![\\w.])" + PKG + r"\.("
    + "|".join(re.escape(old) for old, _, _ in SPLITS)
    + r")\.(" + "|".join(
        # a function's name ends where a mutant's suffix or the text does
        re.escape(p) + ("" if p.endswith("ǁ") else r"(?=__mutmut|\*|\W|$)")
        for _, _, ps in SPLITS for p in ps
    ) + r")"
)


def rewrite_split(match):
    old, prefix = match.groups()
    for src, dst, prefixes in SPLITS:
        if src == old and prefix in prefixes:
            return f"{PKG}.{dst}.{prefix}"
    return match.group(0)


def rewrite(text, warnings):
    text = FROM_PKG.sub(lambda m: rewrite_from(m, text, warnings), text)
    text = GLOB.sub(lambda m: rewrite_glob(m, warnings), text)
    text = DOTTED.sub(rewrite_dotted, text)
    text = SPLIT.sub(rewrite_split, text)
    text = PATH.sub(rewrite_path, text)
    text = LONG_FROM.sub(wrap_long, text)
    for m in re.finditer(rf"{PKG}\.\{{|{PKG}\.[\"'] *\+", text):
        warnings.append(f"check by hand: {m.group(0)[:60]!r}")
    for m in re.finditer(r"from[ \t]+(\.+)(\w*)[ \t]+import[ \t]+([^\n]*)",
                         text):
        names = set(re.findall(r"\w+", m.group(2) + " " + m.group(3)))
        if names & set(MOVES):
            warnings.append(f"relative import, by hand: {m.group(0)[:60]!r}")
    return text


status = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"relayout-rewrite: skipped {path}: {exc}", file=sys.stderr)
        continue
    warnings = []
    new = rewrite(old, warnings)
    for w in dict.fromkeys(warnings):
        print(f"relayout-rewrite: {path}: {w}", file=sys.stderr)
    if new != old:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
        print(path)
sys.exit(status)
PY
