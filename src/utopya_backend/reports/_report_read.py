"""Reading the benchmark groups of output files and run directories.

Reads the benchmark group(s) that :class:`~.benchmark.ModelBenchmarkMixin`
(of this package or the original one) wrote, from one HDF5 file or from a
utopya run directory (``data/uni*/data.h5``); :mod:`.report` re-exports the
public names.

A run that was killed (SIGKILL, out of memory, a node lost) has the rows of
``cumulative`` up to its last file flush but no ``total``: it is read up to
its last stored row and marked incomplete. In a run directory, a universe
that cannot be read is skipped with a message naming its file; the others
are read. Only regular files are opened (a FIFO would block).
"""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import h5py
import numpy as np

from ..io import _swmr
from . import _reportstats

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
        f = _swmr.open_to_read(path)  # also a SWMR file being written
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
    found: list = []
    for name in [model] if model else sorted(f):
        _find_in_group(path, f[name], name, found)
    if not found:
        raise ReportError(f"{path}: no benchmark group found")
    return found


def _find_in_group(path: str, grp: Any, name: str, found: list) -> None:
    """The benchmark groups of model group ``grp``; a model whose name
    holds ``/`` (``root_model_name: a/b``) is a group ``b`` inside ``a``,
    so a group without a benchmark group is searched one level down."""
    if not isinstance(grp, h5py.Group):
        return
    subs = [s for s in grp.values() if isinstance(s, h5py.Group)]
    mine = [s for s in subs if _is_benchmark_group(s)]
    found += [_read_group(path, name, s) for s in mine]
    if not mine:
        for s in subs:
            _find_in_group(path, s, s.name.lstrip("/"), found)


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
