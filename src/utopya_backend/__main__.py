"""Command line: ``python -m utopya_backend demo`` (or ``utopya-backend``)."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="utopya-backend",
        description="Tools of utopya-backend, the fast utopya model backend.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    demo = sub.add_parser(
        "demo",
        help="run a benchmarked forest-fire model and print its timings",
        description="Run the Drossel-Schwabl forest fire as a StepwiseModel "
        "with the benchmark mixin, print the timing table and where the "
        "HDF5 file is.",
    )
    demo.add_argument("--steps", type=_positive_int, default=2000)
    demo.add_argument("--grid", type=_positive_int, default=128)
    demo.add_argument(
        "--out",
        default=None,
        help="new output directory (default: a new "
        "utopya-backend-demo-<time> directory here)",
    )
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--no-benchmark", action="store_true")

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
    report.add_argument("--model", default=None, help="model group name")
    report.add_argument(
        "--plot", metavar="OUT.png", default=None, help="write a figure"
    )
    report.add_argument(
        "--json", action="store_true", help="print machine-readable figures"
    )
    from .compare import add_arguments

    add_arguments(report)
    return p


def _report(args: argparse.Namespace) -> int:
    import json

    from . import _reportstats, report

    if args.compare:
        from .compare import run_compare

        return run_compare(args)
    if len(args.path) != 1:
        print(
            "utopya-backend report: error: one PATH, or --compare BEFORE "
            "AFTER",
            file=sys.stderr,
        )
        return 2
    args.path = args.path[0]
    try:
        loaded = report.load_path(args.path, model=args.model)
    except report.ReportError as exc:
        print(f"utopya-backend report: error: {exc}", file=sys.stderr)
        return 2
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
    if args.plot:
        out = report.plot_path(args.plot)
        try:
            report.plot(loaded, args.plot)
            from .plots import plot_all

            extras = plot_all(loaded, out)
        except ImportError:
            print(
                "utopya-backend report: --plot needs matplotlib, which is not "
                "installed; pip install 'utopya-backend[tools]'",
                file=sys.stderr,
            )
            return 3
        except (OSError, ValueError) as exc:
            msg = " ".join(str(exc).split())
            print(
                f"utopya-backend report: error: cannot write the plot to "
                f"{out}: {msg}",
                file=sys.stderr,
            )
            return 2
        print(f"Plot written to: {out}", file=sys.stderr)
        for extra in extras:
            print(f"Plot written to: {extra}", file=sys.stderr)
    # Some universes of a run directory could not be read.
    return 1 if loaded["skipped"] else 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``utopya-backend`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "report":
        return _report(args)
    if args.command == "demo":
        from .demo import run_demo

        try:
            run_demo(
                steps=args.steps,
                grid=args.grid,
                out=args.out,
                seed=args.seed,
                benchmark=not args.no_benchmark,
            )
        except FileExistsError:
            print(
                f"utopya-backend demo: error: output directory {args.out} "
                "exists already; choose a new one",
                file=sys.stderr,
            )
            return 2
        except OSError as exc:
            print(f"utopya-backend demo: error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
