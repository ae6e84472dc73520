"""Timing reports from output files: tables, JSON and a plot.

Reads the benchmark group(s) that :class:`~.benchmark.ModelBenchmarkMixin`
(of this package or the original one) wrote, from one HDF5 file or from a
utopya run directory (``data/uni*/data.h5``).
"""

from __future__ import annotations

import glob
import os
import statistics
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import h5py
import numpy as np

from ._timefmt import format_time

__all__ = ["ReportError", "BenchmarkData", "find_benchmarks", "load_path"]


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


def _labels(ds: h5py.Dataset) -> List[str]:
    return [
        v.decode() if isinstance(v, bytes) else str(v)
        for v in ds.attrs["coords__label"]
    ]


def _n_iterations(ds: h5py.Dataset, path: str) -> np.ndarray:
    n = ds.shape[0]
    mode = ds.attrs.get("coords_mode__n_iterations", "trivial")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    coords = ds.attrs.get("coords__n_iterations")
    if mode == "start_and_step":
        start, step = (int(v) for v in coords)
        return start + step * np.arange(n)
    if mode == "linked":
        link = coords.decode() if isinstance(coords, bytes) else str(coords)
        return np.asarray(ds.parent[link][:n])
    if mode == "values":
        return np.asarray(coords)[:n]
    if mode == "trivial":
        return np.arange(n)
    raise ReportError(
        f"{path}: dataset {ds.name} has an unknown n_iterations coordinate "
        f"mode {mode!r}"
    )


def _read_group(path: str, model: str, grp: h5py.Group) -> BenchmarkData:
    total = grp["total"]
    if total.ndim != 1 or "coords__label" not in total.attrs:
        raise ReportError(
            f"{path}: {total.name} is not a benchmark 'total' dataset "
            "(expected 1-d with coords__label)"
        )
    names = _labels(total)
    values = [float(v) for v in total[:]]
    if len(names) != len(values):
        raise ReportError(
            f"{path}: {total.name} has {len(values)} values but "
            f"{len(names)} labels"
        )
    counts = total.attrs.get("invocations")
    invocations = {
        n: (int(counts[i]) if counts is not None else None)
        for i, n in enumerate(names)
    }
    data = BenchmarkData(
        path=path,
        model=model,
        group=grp.name,
        totals=dict(zip(names, values)),
        invocations=invocations,
    )
    if "cumulative" in grp:
        cum = grp["cumulative"]
        data.labels = _labels(cum)
        data.cumulative = np.asarray(cum[:], dtype=float)
        data.n_iterations = _n_iterations(cum, path)
    return data


def find_benchmarks(path: str, *, model: Optional[str] = None) -> list:
    """All benchmark groups in the HDF5 file at ``path``.

    A benchmark group is a group of a model's group that holds a ``total``
    dataset (whatever ``group_name`` it was given).

    Raises:
        ReportError: If the file is missing, not HDF5, has no such group, or
            the model is not in it.
    """
    if not os.path.exists(path):
        raise ReportError(f"{path}: no such file or directory")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ReportError(
            f"{path}: not a readable HDF5 file ({exc})"
        ) from None
    with f:
        models = [model] if model else sorted(f)
        if model and model not in f:
            raise ReportError(
                f"{path}: no model group '{model}'; groups: "
                f"{', '.join(sorted(f)) or '(none)'}"
            )
        found = []
        for name in models:
            grp = f[name]
            if not isinstance(grp, h5py.Group):
                continue
            for sub in grp.values():
                if isinstance(sub, h5py.Group) and "total" in sub:
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
        items = {
            os.path.basename(os.path.dirname(f)): find_benchmarks(
                f, model=model
            )
            for f in files
        }
        return dict(kind="run", items=items)
    return dict(kind="file", items={path: find_benchmarks(path, model=model)})


# .. Output ...................................................................


def format_table(data: BenchmarkData) -> str:
    """The timing table of one benchmark group."""
    lines = [
        f"{data.path} : {data.group}",
        f"  {'timer':>15s}  {'total':>9s}  {'share':>6s}  "
        f"{'count':>9s}  {'mean':>9s}",
    ]
    for r in data.rows():
        count = "-" if r["invocations"] is None else str(r["invocations"])
        mean = "-" if r["mean"] is None else format_time(r["mean"])
        lines.append(
            f"  {r['timer']:>15s}  {format_time(r['seconds']):>9s}  "
            f"{100 * r['share']:5.1f}%  {count:>9s}  {mean:>9s}"
        )
    return "\n".join(lines)


def universe_summary(items: Dict[str, list]) -> Dict[str, Any]:
    """One record per universe and a summary across them."""
    rows = []
    for uni, datas in items.items():
        for d in datas:
            it = d.totals.get("full_iteration")
            n = d.invocations.get("full_iteration")
            rows.append(
                dict(
                    universe=uni,
                    model=d.model,
                    simulation=d.simulation,
                    run=d.totals.get("run"),
                    full_iteration=it,
                    per_iteration=(it / n) if (it is not None and n) else None,
                    writes=None if d.cumulative is None else len(d.cumulative),
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
        lines.append(
            f"  {r['universe']:>10s}  {format_time(r['simulation']):>10s}  "
            f"{format_time(r['run'] or 0.0):>9s}  "
            f"{'-' if per is None else format_time(per):>9s}  "
            f"{'-' if r['writes'] is None else r['writes']:>7}"
        )
    s = summary["summary"]
    lines.append(
        f"\n  {s['count']} universes; simulation time min "
        f"{format_time(s['min'])}, median {format_time(s['median'])}, max "
        f"{format_time(s['max'])} (slowest: {s['slowest']})"
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
                )
            )
    if loaded["kind"] == "run":
        out.update(universe_summary(loaded["items"]))
    return out


def plot(loaded: Dict[str, Any], out_png: str) -> None:
    """Plot cumulative timers and time per iteration over n_iterations.

    Raises:
        ImportError: If matplotlib is not installed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
