"""Command line: ``python -m utopya_backend COMMAND`` (or ``utopya-backend``).

Commands: ``demo``, ``run`` (a model without the frontend) and ``report``.
``python -m utopya_backend`` runs :func:`main` (the package's ``__main__``).
Every error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from typing import Any, List, NoReturn, Optional

PROG = "utopya-backend"


class _UsageError(Exception):
    """A command-line error: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """Reports errors on one line (with the usage of this very command)."""

    def error(self, message: str) -> NoReturn:
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        raise _UsageError(f"{self.prog}: error: {message}; usage: {usage}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _version_line() -> str:
    from ..io import _provenance

    return _provenance.log_line()


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Tools of utopya-backend, the fast utopya model backend.",
        epilog="'%(prog)s COMMAND --help' shows the options of a command.",
    )
    p.add_argument(
        "--version",
        action="version",
        version=_version_line(),
        help="show the version and which core is in use (compiled or the "
        "pure-Python twin), then exit",
    )
    sub = p.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    demo = sub.add_parser(
        "demo",
        help="run a benchmarked forest-fire model and print its timings",
        description="Run the Drossel-Schwabl forest fire as a StepwiseModel "
        "with the benchmark mixin; print the timing table, the bookkeeping "
        "overhead per iteration and where the HDF5 file is.",
    )
    demo.add_argument(
        "--steps",
        type=_positive_int,
        default=2000,
        metavar="N",
        help="number of steps (default: %(default)s)",
    )
    demo.add_argument(
        "--grid",
        type=_positive_int,
        default=128,
        metavar="N",
        help="side length of the square grid (default: %(default)s)",
    )
    demo.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="new output directory (default: a fresh "
        "utopya-backend-demo-<time>-* directory in the temp dir, "
        "printed at the end)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=42,
        metavar="N",
        help="seed of the model's RNG (default: %(default)s)",
    )
    demo.add_argument(
        "--no-benchmark",
        action="store_true",
        help="run without the benchmark mixin (default: benchmarked)",
    )
    demo.add_argument(
        "--compare-python",
        action="store_true",
        help="also run the same demo on the pure-Python twin of the "
        "compiled core and compare (default: off)",
    )

    run = sub.add_parser(
        "run",
        help="run a model without the utopya frontend",
        description="Run a model class without the frontend: fill in the "
        "frontend's root config keys, write the config and the output into "
        "a new directory, print where it went and, for a benchmarked model, "
        "the timing table. KEY=VALUE: a key starting with a root key ("
        "root_model_name, seed, seed_numpy_rng, seed_system_rng, "
        "monitor_emit_interval, log_levels, num_steps, write_start, "
        "write_every, swmr) sets that root entry, any other key an entry of "
        "the model's config; values are YAML, dotted keys nest.",
    )
    run.add_argument(
        "model",
        metavar="FILE.py:Class",
        help="the model class: FILE.py:Class or package.module:Class",
    )
    run.add_argument(
        "--cfg",
        default=None,
        metavar="FILE",
        help="YAML file with the model's own config keys, or a complete "
        "run config with root_model_name (default: none)",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        dest="sets",
        metavar="KEY=VALUE",
        help="set a config entry; repeatable, wins over --cfg (defaults: "
        "seed=42, num_steps=100 for a StepwiseModel, "
        "monitor_emit_interval=2, log_levels: info/info)",
    )
    run.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="new output directory (default: a fresh <Class>-<time>-* "
        "directory in <temp dir>/utopya-backend-runs/)",
    )
    run.add_argument(
        "--traceback",
        action="store_true",
        help="show the full traceback of an error the model raised "
        "(default: one line)",
    )

    report = sub.add_parser(
        "report",
        help="timing report of an output file or a utopya run directory",
        description="Read the benchmark data of an HDF5 output file (or of "
        "every universe of a utopya run directory) and print a table.",
    )
    report.add_argument(
        "path",
        nargs="+",
        metavar="PATH",
        help="HDF5 file or utopya run directory (with --compare: BEFORE "
        "AFTER)",
    )
    report.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="model group name (default: every model in the file)",
    )
    report.add_argument(
        "--plot",
        metavar="OUT.png",
        default=None,
        help="write a figure of the cumulative timers to OUT.png, and beside "
        "it OUT-breakdown.png (where the time goes) and, when statistics "
        "are stored, OUT-distributions.png (default: none)",
    )
    report.add_argument(
        "--json",
        action="store_true",
        help="print machine-readable figures instead of the table "
        "(default: table)",
    )
    from ..reports import _follow, compare

    compare.add_arguments(report)
    _follow.add_arguments(report)
    p._subcommands = sub.choices  # type: ignore[attr-defined]
    return p


def _err(command: str, message: str) -> int:
    line = " ".join(str(message).split())
    print(f"{PROG} {command}: error: {line}", file=sys.stderr)
    return 2


def _report(args: argparse.Namespace) -> int:
    import json

    from ..reports import _follow, _reportstats, report

    if args.follow:
        return _follow.run_follow(args, _err)
    if args.compare:
        from ..reports.compare import run_compare

        return run_compare(args)
    if len(args.path) != 1:
        return _err("report", "give one PATH, or --compare BEFORE AFTER")
    args.path = args.path[0]
    if args.plot is not None:
        try:
            report.plot_path(args.plot)
        except ValueError as exc:
            return _err("report", str(exc))
    try:
        loaded = report.load_path(args.path, model=args.model)
    except report.ReportError as exc:
        return _err("report", str(exc))
    if args.json:
        print(json.dumps(report.to_json(loaded), indent=2, allow_nan=False))
    else:
        for datas in loaded["items"].values():
            for d in datas:
                print(report.format_table(d))
                print(_reportstats.format_stats(d))
                print()
        if loaded["kind"] == "run":
            print(
                report.format_universes(
                    report.universe_summary(loaded["items"])
                )
            )
            print()
            print(
                _reportstats.format_sweep(
                    _reportstats.sweep_summary(loaded["items"])
                )
            )
    for skipped in loaded["skipped"]:
        print(
            f"utopya-backend report: error: skipped {skipped['universe']}: "
            f"{skipped['error']}",
            file=sys.stderr,
        )
    if args.plot is not None:
        out = report.plot_path(args.plot)
        try:
            report.plot(loaded, args.plot)
            from ..reports.plots import plot_all

            extras = plot_all(loaded, out)
        except ImportError:
            print(
                "utopya-backend report: --plot needs matplotlib, which is not "
                "installed; pip install 'utopya-backend[tools]'",
                file=sys.stderr,
            )
            return 3
        except (OSError, ValueError) as exc:
            return _err("report", f"cannot write the plot to {out}: {exc}")
        print(f"Plot written to: {out}", file=sys.stderr)
        for extra in extras:
            print(f"Plot written to: {extra}", file=sys.stderr)
    # Some universes of a run directory could not be read.
    return 1 if loaded["skipped"] else 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    try:
        run_demo(
            steps=args.steps,
            grid=args.grid,
            out=args.out,
            seed=args.seed,
            benchmark=not args.no_benchmark,
            compare_python=args.compare_python,
        )
    except FileExistsError:
        return _err(
            "demo",
            f"output directory {args.out} exists already; choose a " "new one",
        )
    except OSError as exc:
        return _err("demo", str(exc))
    return 0


def _run(args: argparse.Namespace) -> int:
    from .runner import RunnerError, run_model

    try:
        return run_model(
            args.model, cfg_file=args.cfg, sets=args.sets, out=args.out
        )
    except RunnerError as exc:
        return _err("run", str(exc))
    except KeyboardInterrupt:
        return _err("run", "interrupted")
    except Exception as exc:
        if args.traceback:
            raise
        first = str(exc).splitlines()[0] if str(exc).strip() else ""
        where = _model_frame(exc)
        return _err(
            "run",
            f"{type(exc).__name__}: {first}{where} (--traceback shows the "
            "full traceback)",
        )


def _model_frame(exc: BaseException) -> str:
    """`` (at FILE:LINE)`` of the innermost frame outside this package."""
    # the package directory: this module is in its cli/ subpackage
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tb, found = exc.__traceback__, ""
    while tb is not None:
        f = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not _ours(f, pkg) and "importlib" not in f:
            found = f" (at {f}:{tb.tb_lineno})"
        tb = tb.tb_next
    return found


def _ours(path: str, pkg: str) -> bool:
    """Whether ``path`` is a module of this package. Frames of the compiled
    core name their ``.pyx`` source by its path at build time, which need
    not exist here (``.../utopya_backend/core/_loop.pyx``)."""
    if path.startswith(pkg + os.sep):
        return True
    head, name = os.path.split(path)
    parents = os.path.normpath(head).split(os.sep)[-2:]
    return name.endswith(".pyx") and "utopya_backend" in parents


def _unknown(parser: Any, extra: List[str]) -> str:
    """``unrecognized arguments`` with a suggestion for a misspelt one."""
    msg = f"unrecognized arguments: {' '.join(extra)}"
    options = [o for a in parser._actions for o in a.option_strings]
    for word in extra:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=")[0], options, 1)
            if close:
                return f"{msg} (did you mean {close[0]}?)"
    return msg


def _main(argv: Optional[List[str]]) -> int:
    p = _parser()
    try:
        args, extra = p.parse_known_args(argv)
        if args.command is None:
            if extra:
                p.error(_unknown(p, extra))
            p.error(
                "a command is required: "
                + ", ".join(p._subcommands)  # type: ignore[attr-defined]
            )
        if extra:
            sp = p._subcommands[args.command]  # type: ignore[attr-defined]
            sp.error(_unknown(sp, extra))
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "report":
        return _report(args)
    if args.command == "run":
        return _run(args)
    return _demo(args)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``utopya-backend`` console script."""
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``... | head``): stop quietly, as a C tool
        # killed by SIGPIPE would; no flush error at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    return code


if __name__ == "__main__":
    sys.exit(main())
