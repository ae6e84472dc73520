"""``report FILE --follow``: the timing table of a run while it writes.

A run with the root key ``swmr: true`` writes its file in SWMR mode while
its loop runs (:mod:`..io._swmr`). The follower opens the file as a SWMR
reader every interval, and prints the table again whenever more rows were
stored. It knows how the writer stands from the file's superblock: SWMR
writing (the loop runs), ordinary writing (the end of the run, or a run
without ``swmr``: nothing can be read until it ends), closed (the run
ended: the final table is printed and the follower exits with 0). A SWMR
writer whose process is gone (killed) on this host ends the follower with
exit status 1; Ctrl-C ends it with 130.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from typing import Any, Callable, List, Optional, TextIO

import h5py

from ..io import _provenance, _swmr
from . import _report_read, _reportstats
from ._report_format import format_table, format_timer_rows

__all__ = ["add_arguments", "follow", "run_follow"]

_RUNNING = "(running: {rows} rows stored, at iteration {it})"


def add_arguments(report: argparse.ArgumentParser) -> None:
    """Add ``--follow`` and ``--interval`` to the ``report`` parser."""
    report.add_argument(
        "--follow",
        action="store_true",
        help="follow a run that writes FILE with 'swmr: true' (a root "
        "config key): print the table again whenever rows were stored; end "
        "with the final table when the run closes the file (exit 0), when "
        "its process is gone (exit 1), or at Ctrl-C (exit 130). A run "
        "without 'swmr' can only be read when it ends. Needs a file system "
        "with POSIX write semantics (a local disk; not NFS) (default: "
        "read the file once)",
    )
    report.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="with --follow: seconds between reads (default: 1)",
    )


def _writer_gone(f: h5py.File) -> Optional[int]:
    """The pid of the file's SWMR writer if it ran on this host and its
    process is gone (or a zombie); else None."""
    pid = f.attrs.get(_swmr.PID_ATTR)
    host = _provenance.read(f).get("host")
    if pid is None or host != socket.gethostname():
        return None
    pid = int(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return pid
    except PermissionError:
        return None  # another user's process: alive
    try:
        with open(f"/proc/{pid}/stat") as stat:
            zombie = stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        zombie = False
    return pid if zombie else None


def _rows(data: Any) -> int:
    return 0 if data.cumulative is None else len(data.cumulative)


def _live_tables(datas: List[Any]) -> str:
    parts = []
    for d in datas:
        rows = _rows(d)
        it = d.last_n_iterations
        head = f"{d.path} : {d.group} " + _RUNNING.format(
            rows=rows, it="-" if it is None else it
        )
        parts.append(head + "\n" + format_timer_rows(d.rows()))
    return "\n\n".join(parts)


def _busy(exc: BaseException) -> bool:
    """Whether an open failed because a writer has the file."""
    text = str(exc)
    return "lock" in text or "already open for write" in text


def follow(
    path: str,
    *,
    model: Optional[str] = None,
    interval: float = 1.0,
    out: TextIO = sys.stdout,
    sleep: Callable[[float], Any] = time.sleep,
) -> int:
    """Follow the run writing ``path``; return the exit status.

    Raises:
        ReportError: For a path that is not a regular HDF5 file, or one
            without the benchmark group asked for.
    """
    seen: Any = None
    waiting = False
    while True:
        state = _swmr.writer_state(path)
        if state == "swmr":
            try:
                f = h5py.File(path, "r", libver="latest", swmr=True)
            except OSError:
                f = None  # between the writer's close and reopen
            if f is not None:
                with f:
                    gone = _writer_gone(f)
                    try:
                        datas = _report_read._find_in_file(path, f, model)
                    except _report_read.ReportError:
                        datas = []  # not yet made
                key = [_rows(d) for d in datas]
                if datas and key != seen:
                    seen = key
                    print(_live_tables(datas), file=out, flush=True)
                if gone is not None:
                    print(
                        f"{path}: the process writing it (pid {gone}) is "
                        "gone without closing it (killed?); the table above "
                        "is its last stored state",
                        file=out,
                        flush=True,
                    )
                    return 1
        else:
            try:
                f = h5py.File(path, "r")
            except OSError as exc:
                if not _busy(exc):
                    _report_read._check_regular_file(path)
                    raise _report_read.ReportError(
                        f"{path}: not a readable HDF5 file ({exc})"
                    ) from None
                f = None
            if f is not None:
                f.close()
                return _final(path, model, out)
            if not waiting and seen is None:
                waiting = True
                print(
                    f"{path} is being written without SWMR (root config "
                    "key 'swmr: true' makes a run followable); waiting for "
                    "the run to end ...",
                    file=out,
                    flush=True,
                )
        sleep(interval)


def _final(path: str, model: Optional[str], out: TextIO) -> int:
    datas = _report_read.find_benchmarks(path, model=model)
    for d in datas:
        print(format_table(d), file=out)
        print(_reportstats.format_stats(d), file=out)
        print(file=out)
    print(f"{path}: the run ended (the file is closed)", file=out, flush=True)
    return 0


def run_follow(args: argparse.Namespace, err: Callable[..., int]) -> int:
    """The ``report --follow`` command; ``err(command, message)`` reports
    a usage error (exit status 2)."""
    if args.compare or args.json or args.plot is not None:
        return err(
            "report",
            "--follow prints tables: not with --compare, " "--json or --plot",
        )
    if len(args.path) != 1 or os.path.isdir(args.path[0]):
        return err("report", "--follow needs one HDF5 file")
    if not args.interval > 0:
        return err(
            "report", f"--interval must be positive, got " f"{args.interval}"
        )
    try:
        return follow(args.path[0], model=args.model, interval=args.interval)
    except _report_read.ReportError as exc:
        return err("report", str(exc))
    except KeyboardInterrupt:
        return 130
