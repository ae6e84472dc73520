"""Timing reports from output files: tables, JSON and a plot.

Reads the benchmark group(s) that :class:`~.benchmark.ModelBenchmarkMixin`
(of this package or the original one) wrote, from one HDF5 file or from a
utopya run directory (``data/uni*/data.h5``).

A run that was killed (SIGKILL, out of memory, a node lost) has the rows of
``cumulative`` up to its last file flush but no ``total``: it is reported
from its last stored row and marked incomplete. In a run directory, a
universe that cannot be read is skipped with a message naming its file; the
others are reported. Only regular files are opened (a FIFO would block).
"""

from __future__ import annotations

import glob
import math
import os
import stat
import statistics
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import h5py
import numpy as np

from . import _reportstats
from ._provenance import describe as _provenance
from ._timefmt import format_time

__all__ = [
    "ReportError",
    "BenchmarkData",
    "find_benchmarks",
    "load_path",
    "plot_path",
    "format_timer_rows",
    "timer_rows",
]


class ReportError(Exception):
    """A path or file cannot be reported on; the message names it."""


@dataclass
class BenchmarkData:
    """The benchmark data of one model in one file."""

    path: str
    model: str
    group: str
    totals: Dict[str, float]
    invocations: Dict[str, Optional[int]]
    labels: List[str] = field(default_factory=list)
    n_iterations: Optional[np.ndarray] = None
    cumulative: Optional[np.ndarray] = None
    complete: bool = True
    """False if the run ended without writing ``total`` (it was killed):
    the totals are then the cumulative timers' values at the last stored
    row."""
    stats: Dict[str, Any] = field(default_factory=dict)
    """Per-invocation statistics of the cumulative timers (``TimerStats``
    by name), if stored."""
    resources: Dict[str, Any] = field(default_factory=dict)
    """CPU seconds, wall seconds and peak RSS of the run, if stored."""
    config: Optional[Dict[str, Any]] = None
    """The universe's stored config (run directories only)."""

    @property
    def last_n_iterations(self) -> Optional[int]:
        """The iteration count at the last stored row, if any."""
        if self.n_iterations is None or not len(self.n_iterations):
            return None
        return int(self.n_iterations[-1])

    @property
    def simulation(self) -> float:
        """The ``simulation`` total, or the largest total if absent."""
        t = self.totals
        return t.get("simulation", max(t.values(), default=0.0))

    def rows(self) -> List[Dict[str, Any]]:
        """One record per timer: seconds, share, invocations, mean."""
        sim = self.simulation
        out = []
        for name, seconds in self.totals.items():
            count = self.invocations.get(name)
            out.append(
                dict(
                    timer=name,
                    seconds=seconds,
                    share=seconds / sim if sim > 0 else 0.0,
                    invocations=count,
                    mean=seconds / count if count else None,
                )
            )
        return out

    def per_iteration(self) -> Optional[Dict[str, np.ndarray]]:
        """Seconds per iteration of ``full_iteration`` between writes."""
        if self.cumulative is None or self.n_iterations is None:
            return None
        if "full_iteration" not in self.labels or len(self.n_iterations) < 2:
            return None
        full = self.cumulative[:, self.labels.index("full_iteration")]
        dn = np.diff(self.n_iterations).astype(float)
        ok = dn > 0
        return dict(
            n_iterations=self.n_iterations[1:][ok],
            seconds=np.diff(full)[ok] / dn[ok],
        )


def _labels(ds: Any, path: str) -> List[str]:
    if not isinstance(ds, h5py.Dataset) or "coords__label" not in ds.attrs:
        raise ReportError(
            f"{path}: {ds.name} is not a benchmark "
            f"'{ds.name.rsplit('/', 1)[-1]}' dataset (expected a dataset "
            "with a coords__label attribute)"
        )
    labels = np.atleast_1d(ds.attrs["coords__label"])
    out = []
    for v in labels:
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if not isinstance(v, str):
            raise ReportError(
                f"{path}: {ds.name} has labels that are not names: {v!r}"
            )
        out.append(v)
    return out


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _n_iterations(ds: h5py.Dataset, path: str) -> np.ndarray:
    n = ds.shape[0]
    mode = _text(ds.attrs.get("coords_mode__n_iterations", "trivial"))
    coords = ds.attrs.get("coords__n_iterations")
    if mode == "start_and_step":
        start, step = (int(v) for v in coords)
        return start + step * np.arange(n)
    if mode == "linked":
        link = _text(coords)
        if link not in ds.parent:
            raise ReportError(
                f"{path}: {ds.name} links its n_iterations coordinate to "
                f"{link!r}, which is not in {ds.parent.name}"
            )
        return np.asarray(ds.parent[link][:n], dtype=np.int64)
    if mode == "values":
        return np.asarray(coords, dtype=np.int64)[:n]
    if mode == "trivial":
        return np.arange(n)
    raise ReportError(
        f"{path}: dataset {ds.name} has an unknown n_iterations coordinate "
        f"mode {mode!r}"
    )


def _read_cumulative(path: str, grp: h5py.Group, data: BenchmarkData):
    cum = grp["cumulative"]
    labels = _labels(cum, path)
    if cum.ndim != 2 or cum.shape[1] != len(labels):
        raise ReportError(
            f"{path}: {cum.name} has shape {cum.shape}, expected "
            f"(rows, {len(labels)}) for its {len(labels)} labels"
        )
    n_iter = _n_iterations(cum, path)
    # A killed run may have flushed one dataset's last rows, not the
    # other's: keep the rows that have both.
    n = min(len(n_iter), cum.shape[0])
    data.labels = labels
    data.cumulative = np.asarray(cum[:n], dtype=float)
    data.n_iterations = n_iter[:n]


def _read_group(path: str, model: str, grp: h5py.Group) -> BenchmarkData:
    data = BenchmarkData(
        path=path, model=model, group=grp.name, totals={}, invocations={}
    )
    if "cumulative" in grp:
        _read_cumulative(path, grp, data)
    if "total" not in grp:
        # Killed before the end: what the last stored row says.
        data.complete = False
        if data.cumulative is not None and len(data.cumulative):
            last = data.cumulative[-1]
            data.totals = {n: float(v) for n, v in zip(data.labels, last)}
        data.invocations = {n: None for n in data.totals}
        return data
    total = grp["total"]
    names = _labels(total, path)
    if total.ndim != 1:
        raise ReportError(
            f"{path}: {total.name} is not a benchmark 'total' dataset "
            "(expected 1-d with coords__label)"
        )
    values = [float(v) for v in total[:]]
    if len(names) != len(values):
        raise ReportError(
            f"{path}: {total.name} has {len(values)} values but "
            f"{len(names)} labels"
        )
    counts = total.attrs.get("invocations")
    if counts is not None and len(np.atleast_1d(counts)) != len(names):
        raise ReportError(
            f"{path}: {total.name} has {len(np.atleast_1d(counts))} "
            f"invocation counts but {len(names)} labels"
        )
    data.totals = dict(zip(names, values))
    data.invocations = {
        n: (int(counts[i]) if counts is not None else None)
        for i, n in enumerate(names)
    }
    try:
        _reportstats.attach(grp, data)
    except ValueError as exc:
        raise ReportError(f"{path}: {exc}") from None
    return data


def _is_benchmark_group(obj: Any) -> bool:
    if not isinstance(obj, h5py.Group):
        return False
    if "total" in obj:
        return True
    cum = obj.get("cumulative")
    return isinstance(cum, h5py.Dataset) and "coords__label" in cum.attrs


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _check_regular_file(path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file or directory") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot access it ({exc})") from None
    if not stat.S_ISREG(mode):
        raise ReportError(
            f"{path}: not a regular file (a FIFO, device or socket is "
            "never opened); expected an HDF5 file or a run directory"
        )


def find_benchmarks(path: str, *, model: Optional[str] = None) -> list:
    """All benchmark groups in the HDF5 file at ``path``.

    A benchmark group is a group of a model's group that holds a ``total``
    dataset, or only a labelled ``cumulative`` one if the run was killed
    (whatever ``group_name`` it was given).

    Raises:
        ReportError: If the file is missing, not a regular file, not HDF5,
            damaged, has no such group, or the model is not in it.
    """
    _check_regular_file(path)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ReportError(
            f"{path}: not a readable HDF5 file ({exc})"
        ) from None
    with f:
        try:
            return _find_in_file(path, f, model)
        except ReportError:
            raise
        except Exception as exc:
            # h5py raises many kinds of errors on damaged files.
            raise ReportError(
                f"{path}: damaged file, cannot read its benchmark data "
                f"({_one_line(exc)})"
            ) from None


def _find_in_file(path: str, f: h5py.File, model: Optional[str]) -> list:
    if model and model not in f:
        raise ReportError(
            f"{path}: no model group '{model}'; groups: "
            f"{', '.join(sorted(f)) or '(none)'}"
        )
    found = []
    for name in [model] if model else sorted(f):
        grp = f[name]
        if not isinstance(grp, h5py.Group):
            continue
        for sub in grp.values():
            if _is_benchmark_group(sub):
                found.append(_read_group(path, name, sub))
    if not found:
        raise ReportError(f"{path}: no benchmark group found")
    return found


def _universe_number(data_file: str) -> int:
    """12 for ``.../data/uni12/data.h5``: universes sort numerically."""
    digits = os.path.basename(os.path.dirname(data_file))[len("uni") :]
    return int(digits) if digits.isdigit() else 0


def load_path(path: str, *, model: Optional[str] = None) -> Dict[str, Any]:
    """Benchmarks of a file, or of every universe of a utopya run dir.

    Returns:
        ``{"kind": "file" | "run", "items": {label: [BenchmarkData]}}``
    """
    if os.path.isdir(path):
        files = sorted(
            glob.glob(os.path.join(path, "data", "uni*", "data.h5")),
            key=_universe_number,
        )
        if not files:
            raise ReportError(
                f"{path}: a directory without data/uni*/data.h5 files "
                "(expected a utopya run directory)"
            )
        items: Dict[str, list] = {}
        skipped = []
        for f in files:
            uni = os.path.basename(os.path.dirname(f))
            try:
                items[uni] = find_benchmarks(f, model=model)
            except ReportError as exc:
                skipped.append(dict(universe=uni, path=f, error=str(exc)))
        if not items:
            raise ReportError(
                f"{path}: none of its {len(files)} universes could be read; "
                f"first: {skipped[0]['error']}"
            )
        _reportstats.attach_configs(items)
        return dict(kind="run", items=items, skipped=skipped)
    return dict(
        kind="file",
        items={path: find_benchmarks(path, model=model)},
        skipped=[],
    )


# .. Output ...................................................................


def format_table(data: BenchmarkData) -> str:
    """The timing table of one benchmark group."""
    head = f"{data.path} : {data.group}"
    head += "\n" + _provenance(data.path)  # which package wrote the file
    if not data.complete:
        rows = 0 if data.cumulative is None else len(data.cumulative)
        head += (
            f"\n  incomplete run (killed? no 'total' stored): the cumulative "
            f"timers at the last of {rows} stored rows"
        )
        if data.last_n_iterations is not None:
            head += f", at iteration {data.last_n_iterations}"
    return head + "\n" + format_timer_rows(data.rows())


NESTING_NOTE = (
    "  shares are of 'simulation'; timers nest (setup in init;\n"
    "  model_iteration, monitor, write_data in full_iteration, in run),\n"
    "  so the shares add up past 100%"
)
"""Footnote of every timing table: why the shares add up past 100 %."""

TEARDOWN_NOTE = (
    "  not shown: teardown (closing the model), run after the timings "
    "are stored"
)
"""Footnote when the unmeasured ``teardown`` row is left out."""


def _unmeasured_teardown(row: Dict[str, Any]) -> bool:
    return row["timer"] == "teardown" and not row["seconds"]


def format_timer_rows(rows: List[Dict[str, Any]]) -> str:
    """The timing table of :meth:`BenchmarkData.rows`-like records.

    One line per timer (total, share of ``simulation``, invocations, mean
    per invocation) under a header, then footnotes: the shares nest, and
    ``teardown``, which cannot be measured inside the run (its time is
    never stored), is left out while it is zero.
    """
    lines = [
        f"  {'timer':>15s}  {'total':>9s}  {'share':>6s}  "
        f"{'count':>9s}  {'mean':>9s}"
    ]
    hidden = False
    for r in rows:
        if _unmeasured_teardown(r):
            hidden = True
            continue
        count = "-" if r["invocations"] is None else str(r["invocations"])
        mean = "-" if r["mean"] is None else format_time(r["mean"])
        lines.append(
            f"  {r['timer']:>15s}  {format_time(r['seconds']):>9s}  "
            f"{100 * r['share']:5.1f}%  {count:>9s}  {mean:>9s}"
        )
    lines.append(NESTING_NOTE)
    if hidden:
        lines.append(TEARDOWN_NOTE)
    return "\n".join(lines)


def timer_rows(timers: Dict[str, Any]) -> List[Dict[str, Any]]:
    """:meth:`BenchmarkData.rows`-like records of a model's live timers
    (``model.timers``), for :func:`format_timer_rows`."""
    data = BenchmarkData(
        path="",
        model="",
        group="",
        totals={k: t.elapsed for k, t in timers.items()},
        invocations={k: t.invocations for k, t in timers.items()},
    )
    return data.rows()


def universe_summary(items: Dict[str, list]) -> Dict[str, Any]:
    """One record per universe and a summary across them."""
    rows = []
    for uni, datas in items.items():
        for d in datas:
            it = d.totals.get("full_iteration")
            n = d.invocations.get("full_iteration")
            if not d.complete:
                n = d.last_n_iterations  # one full iteration each
            rows.append(
                dict(
                    universe=uni,
                    model=d.model,
                    simulation=d.simulation,
                    run=d.totals.get("run"),
                    full_iteration=it,
                    per_iteration=(it / n) if (it is not None and n) else None,
                    writes=None if d.cumulative is None else len(d.cumulative),
                    complete=d.complete,
                )
            )
    sims = [r["simulation"] for r in rows]
    slowest = max(rows, key=lambda r: r["simulation"])
    return dict(
        universes=rows,
        summary=dict(
            count=len(rows),
            min=min(sims),
            median=statistics.median(sims),
            max=max(sims),
            slowest=slowest["universe"],
        ),
    )


def format_universes(summary: Dict[str, Any]) -> str:
    """The per-universe table of a run directory, slowest first."""
    lines = [
        f"  {'universe':>10s}  {'simulation':>10s}  {'run':>9s}  "
        f"{'per iter':>9s}  {'writes':>7s}"
    ]
    for r in sorted(
        summary["universes"], key=lambda r: r["simulation"], reverse=True
    ):
        per = r["per_iteration"]
        run = "-" if r["run"] is None else format_time(r["run"])
        uni = r["universe"] + ("" if r["complete"] else "*")
        lines.append(
            f"  {uni:>10s}  {format_time(r['simulation']):>10s}  "
            f"{run:>9s}  "
            f"{'-' if per is None else format_time(per):>9s}  "
            f"{'-' if r['writes'] is None else r['writes']:>7}"
        )
    s = summary["summary"]
    lines.append(
        f"\n  {s['count']} universes; simulation time min "
        f"{format_time(s['min'])}, median {format_time(s['median'])}, max "
        f"{format_time(s['max'])} (slowest: {s['slowest']})"
    )
    n_incomplete = sum(not r["complete"] for r in summary["universes"])
    if n_incomplete:
        lines.append(
            f"  * {n_incomplete} incomplete (killed?) universe(s): figures "
            "up to their last stored row"
        )
    return "\n".join(lines)


def to_json(loaded: Dict[str, Any]) -> Dict[str, Any]:
    """Machine-readable figures of :func:`load_path`'s result."""
    out: Dict[str, Any] = dict(kind=loaded["kind"], benchmarks=[])
    for label, datas in loaded["items"].items():
        for d in datas:
            out["benchmarks"].append(
                dict(
                    source=label,
                    path=d.path,
                    model=d.model,
                    group=d.group,
                    timers=d.rows(),
                    writes=None if d.cumulative is None else len(d.cumulative),
                    complete=d.complete,
                    last_n_iterations=d.last_n_iterations,
                )
            )
    if loaded["kind"] == "run":
        out.update(universe_summary(loaded["items"]))
        out["skipped"] = list(loaded.get("skipped", []))
    _reportstats.json_extras(loaded, out)
    return _plain(out)


def _plain(value: Any) -> Any:
    """Plain JSON values: NaN and infinities become None (null)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def plot_path(out: str) -> str:
    """The file :func:`plot` writes for ``out``: ``.png`` is added to a
    name without an extension, as matplotlib does."""
    return out if os.path.splitext(out)[1] else out + ".png"


def plot(loaded: Dict[str, Any], out_png: str) -> None:
    """Plot cumulative timers and time per iteration over n_iterations.

    Writes :func:`plot_path` of ``out_png``.

    Raises:
        ImportError: If matplotlib is not installed.
        OSError, ValueError: If the figure cannot be written there.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if loaded["kind"] == "run":
        # Small multiples, one panel per universe: legible for any number.
        from .plots import plot_sweep

        plot_sweep(loaded, plot_path(out_png), exact=True)
        return
    datas = [d for ds in loaded["items"].values() for d in ds]
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(8, 7), sharex=True, constrained_layout=True
    )
    single = len(datas) == 1
    for d in datas:
        if d.cumulative is None:
            continue
        tag = (
            "" if single else f" ({os.path.basename(os.path.dirname(d.path))})"
        )
        for i, name in enumerate(d.labels):
            ax1.plot(d.n_iterations, d.cumulative[:, i], label=name + tag)
        per = d.per_iteration()
        if per is not None:
            ax2.plot(
                per["n_iterations"],
                per["seconds"] * 1e6,
                label="full_iteration" + tag,
            )
    ax1.set_ylabel("cumulative time [s]")
    ax1.set_title("Cumulative benchmark timers")
    ax1.legend(fontsize="small", ncol=2)
    ax2.set_xlabel("n_iterations")
    ax2.set_ylabel("time per iteration [µs]")
    ax2.set_title("Time per iteration between data writes")
    if ax2.lines:
        ax2.legend(fontsize="small")
    try:
        fig.savefig(plot_path(out_png), dpi=110)
    finally:
        plt.close(fig)
